"""Incremental, parallel and distributed builds give the same bytes as a plain one, and redo only what changed."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import fill_catalog

from leaflets.build import build
from leaflets.cli import main
from leaflets.config import Project
from leaflets.workers import Progress


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``out`` with its bytes and modification time."""
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file()}


def test_no_op_rebuild_prints_nothing_and_touches_nothing(project: Project, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["--project", str(project.root), "build", "--out", str(out)]) == 0
    before = snapshot(out)
    capsys.readouterr()
    assert main(["--project", str(project.root), "build", "--out", str(out)]) == 0
    assert "0 built, 2 unchanged, 0 blocked, 0 failed (no input changed)" in capsys.readouterr().err
    assert snapshot(out) == before


def test_one_changed_string_rebuilds_only_the_leaflets_using_it(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(project, out)
    before = snapshot(out)
    fill_catalog(project, "zh_CN", {"demo.use.age": "芦可替尼乳膏用于12岁及以上人群的非节段型白癜风患者。"})
    report = build(project, out)
    assert [(job.locale, job.drug) for job in report.written] == [("zh_CN", "demo-cream")]
    assert [(job.locale, job.drug) for job in report.unchanged] == [("en", "demo-cream")]
    after = snapshot(out)
    assert after["en/demo-cream.pdf"] == before["en/demo-cream.pdf"]  # same bytes, same mtime: not rewritten
    assert after["zh_CN/demo-cream.pdf"][0] != before["zh_CN/demo-cream.pdf"][0]


def test_a_damaged_output_is_printed_again(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(project, out)
    good = (out / "en/demo-cream.pdf").read_bytes()
    (out / "en/demo-cream.pdf").write_bytes(good[:-100])
    report = build(project, out)
    assert [job.locale for job in report.written] == ["en"]
    assert (out / "en/demo-cream.pdf").read_bytes() == good


def test_force_and_any_number_of_workers_give_identical_bytes(project: Project, tmp_path: Path) -> None:
    build(project, tmp_path / "one", workers=1)
    build(project, tmp_path / "two", workers=2)
    one = {path: data for path, (data, _) in snapshot(tmp_path / "one").items()}
    assert one == {path: data for path, (data, _) in snapshot(tmp_path / "two").items()}
    report = build(project, tmp_path / "two", workers=2, force=True)
    assert len(report.written) == 2 and not report.unchanged
    assert one == {path: data for path, (data, _) in snapshot(tmp_path / "two").items()}


def test_manifest_records_facts_and_inputs_of_each_file(project: Project, tmp_path: Path) -> None:
    build(project, tmp_path / "out")
    manifest = json.loads((tmp_path / "out/manifest.json").read_text(encoding="utf-8"))
    pdf = next(e for e in manifest["outputs"] if e["path"] == "zh_CN/demo-cream.pdf")
    assert pdf["variant"] == "a4" and "demo.use.age" in pdf["facts"] and len(pdf["input"]) == 64
    html = next(e for e in manifest["outputs"] if e["path"] == "zh_CN/demo-cream.html")
    assert html["input"] != pdf["input"] and html["facts"] == pdf["facts"]


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_bytes(project: Project, tmp_path: Path) -> None:
    """The same build on a Dask LocalCluster of 2 worker processes (as on a real cluster, each worker imports
    leaflets itself and receives only HTML)."""
    distributed = pytest.importorskip("distributed")
    build(project, tmp_path / "local", workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        report = build(project, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert len(report.written) == 2
    local = {path: data for path, (data, _) in snapshot(tmp_path / "local").items()}
    assert local == {path: data for path, (data, _) in snapshot(tmp_path / "dask").items()}


@pytest.mark.slow
def test_unreachable_scheduler_is_a_clear_error(project: Project, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    code = main(["--project", str(project.root), "build", "--out", str(tmp_path / "out"), "--scheduler",
                 "tcp://127.0.0.1:9"])
    assert code == 1
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


@pytest.mark.parametrize("address", ["localhost", "localhost:8786", "tcp://localhost", "tcp://host:port",
                                     "http://localhost:8786"])
def test_a_malformed_scheduler_address_says_what_one_looks_like(project: Project, tmp_path: Path, address: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    code = main(["--project", str(project.root), "build", "--out", str(tmp_path / "out"), "--scheduler", address])
    assert code == 1
    assert f"--scheduler {address}: give the scheduler's address as tcp://host:port" in capsys.readouterr().err
    assert not (tmp_path / "out" / "manifest.json").exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_line_on_a_terminal_and_plain_lines_otherwise() -> None:
    plain, terminal = io.StringIO(), _Terminal()
    for stream in (plain, terminal):
        progress = Progress(2, stream)
        progress.quiet = False
        progress.step("en/ivig a4")
        progress.step("ar/ivig large")
    assert plain.getvalue().splitlines()[0].startswith("[1/2] en/ivig a4 (")
    assert len(plain.getvalue().splitlines()) == 2
    assert terminal.getvalue().count("\r\033[K") == 2 and terminal.getvalue().count("\n") == 1


def test_a_stream_keeps_at_most_its_window_of_tasks_out_and_hands_on_every_result() -> None:
    """Backpressure: handing in a task waits while ``window`` are out, so a batch never sits whole in memory."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from leaflets.workers import Stream, Workers

    out, most, lock = [0], [0], threading.Lock()

    def task(n: int) -> int:
        with lock:
            out[0] += 1
            most[0] = max(most[0], out[0])
        time.sleep(0.01)
        with lock:
            out[0] -= 1
        return n * n

    results: dict[str, int] = {}
    with ThreadPoolExecutor(8) as pool:
        stream = Stream(task, Workers(pool, 8), results.__setitem__, window=3)
        for n in range(20):
            stream.submit(n, f"task {n}", "")
            assert len(stream.pending) <= 3
        stream.finish()
    assert results == {f"task {n}": n * n for n in range(20)}
    assert most[0] == 3  # eight threads, but never more than the window at once


def test_each_leaflet_is_written_while_the_next_is_still_to_print(project: Project, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The coordinator writes and forgets a leaflet as soon as its PDFs are back (its memory stays flat)."""
    import leaflets.build
    import leaflets.pdf

    events: list[str] = []
    printed, written = leaflets.pdf.print_task, leaflets.build.write_pair
    monkeypatch.setattr(leaflets.pdf, "print_task", lambda task: events.append(f"print {task[2]}") or printed(task))
    monkeypatch.setattr(leaflets.build, "write_pair",
                        lambda folder, drug, locale, files: events.append(f"write {locale}/{drug}")
                        or written(folder, drug, locale, files))
    build(project, tmp_path / "out", workers=1)
    assert events == ["print en/demo-cream", "write en/demo-cream", "print zh_CN/demo-cream", "write zh_CN/demo-cream"]


def test_an_interrupted_build_lists_what_it_wrote_and_the_next_one_finishes(project: Project, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C after the first leaflet: the manifest lists that one (with its checksums) and no fingerprint,
    so the next build prints only the other instead of reporting that nothing changed."""
    import leaflets.pdf

    printed = leaflets.pdf.print_task

    def interrupted(task: tuple) -> object:
        if task[2].startswith("zh_CN/"):
            raise KeyboardInterrupt
        return printed(task)

    out = tmp_path / "out"
    monkeypatch.setattr(leaflets.pdf, "print_task", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(project, out, workers=1)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sources"] == ""
    assert sorted(entry["path"] for entry in manifest["outputs"]) == ["en/demo-cream.html", "en/demo-cream.pdf"]
    assert not (out / "zh_CN").exists() or not any((out / "zh_CN").iterdir())

    monkeypatch.setattr(leaflets.pdf, "print_task", printed)
    report = build(project, out, workers=1)
    assert [(job.locale, job.drug) for job in report.written] == [("zh_CN", "demo-cream")]
    assert [(job.locale, job.drug) for job in report.unchanged] == [("en", "demo-cream")]
