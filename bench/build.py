"""Build benchmarks: ratios measured in one run on one machine, so that runs on other machines compare.

    .venv/bin/python bench/build.py floor [--repeats 3] [--jobs N]
        The forced full build of the real project against the floor: WeasyPrint alone printing the same
        HTML pages (the same PDF/UA option) with the same number of workers. Runs are paired and
        alternated; prints each pair and the median ratio. Then the no-op rebuild against the full build.
    .venv/bin/python bench/build.py scale [--copies 1 2 4] [--jobs N]
        Generated projects with the real medicines copied under new names (4 medicines per copy, 6 locales,
        A4 only): seconds per leaflet, and the peak memory of the largest worker and of the coordinator.

Results and the machine they came from are in bench/README.md.
"""
from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from babel.messages.pofile import read_po

from leaflets.build import build, default_workers, prepare
from leaflets.catalog import write_catalog
from leaflets.config import Project, load_project
from leaflets.facts import load_facts
from leaflets.readiness import Job, translators_for, ui_strings
from leaflets.workers import executor, run_all

ROOT = Path(__file__).resolve().parent.parent


def weasyprint_only(task: tuple[str, str]) -> int:
    """The floor: WeasyPrint printing one page, with nothing of ours around it."""
    import weasyprint

    html, base = task
    return len(weasyprint.HTML(string=html, base_url=base).write_pdf(pdf_variant="pdf/ua-1"))


def pages(project: Project) -> list[tuple[str, str]]:
    """Every print page the full build prints, as HTML."""
    facts = load_facts(project)
    jobs = [Job(d, loc) for d in sorted(facts.drugs) for loc in project.locales]
    verdicts = translators_for(project, facts, jobs, ui_strings(project, facts))
    tasks = []
    for job, translate in verdicts.items():
        if not isinstance(translate, list):
            leaflet = prepare(project, facts, job, translate, False)
            tasks += [(leaflet.pages[v], str(project.templates_dir)) for v in project.variants]
    return tasks


def floor(repeats: int, jobs: int) -> None:
    import weasyprint  # noqa: F401 - imported before the workers fork, as the build does

    project = load_project(ROOT)
    tasks = pages(project)
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    print(f"{len(tasks)} PDFs, {jobs} worker(s)")
    ratios, builds = [], []
    for n in range(repeats):
        started = time.perf_counter()
        with executor(jobs) as workers:
            run_all(weasyprint_only, tasks, [""] * len(tasks), workers)
        floor_s = time.perf_counter() - started
        started = time.perf_counter()
        build(project, out, workers=jobs, force=True)
        build_s = time.perf_counter() - started
        ratios.append(build_s / floor_s)
        builds.append(build_s)
        print(f"pair {n + 1}: floor {floor_s:.1f} s, forced full build {build_s:.1f} s, ratio {ratios[-1]:.2f}")
    print(f"median ratio forced build / floor: {statistics.median(ratios):.2f}")
    noop = []
    for _ in range(repeats):
        started = time.perf_counter()
        build(project, out, workers=jobs)
        noop.append(time.perf_counter() - started)
    print(f"no-op rebuild: median {statistics.median(noop):.2f} s "
          f"({statistics.median(noop) / statistics.median(builds):.3f} of a forced full build)")
    shutil.rmtree(out)


def copied_project(copies: int, where: Path) -> Project:
    """The real project with each medicine copied ``copies`` times under new names, its translations too."""
    root = where / f"x{copies}"
    for name in ("templates", "translations", "seeds"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "babel.cfg", root / "babel.cfg")
    toml = (ROOT / "leaflets.toml").read_text(encoding="utf-8")
    (root / "leaflets.toml").write_text(re.sub(r"(?m)^variants = .*$", 'variants = ["a4"]', toml), "utf-8")
    project = load_project(root)
    facts = load_facts(project)
    copied: set[str] = set()  # fact id prefixes of the copied medicines ("ivig", "rux", ...)
    for drug in list(facts.drugs):
        source = project.facts_dir / f"{drug}.yaml"
        prefixes = {f.id.split(".")[0] for f in facts.drugs[drug].facts}
        text = source.read_text(encoding="utf-8")
        for n in range(1, copies):
            copy = text.replace(f"drug: {drug}\n", f"drug: {drug}-{n:03d}\n", 1)
            for prefix in prefixes:
                copy = re.sub(rf"\b{re.escape(prefix)}\.", f"{prefix}{n:03d}.", copy)
            copied |= prefixes
            (project.facts_dir / f"{drug}-{n:03d}.yaml").write_text(copy, encoding="utf-8")
    for locale in project.target_locales:
        path = project.po_path(locale)
        with path.open("rb") as fileobj:
            catalog = read_po(fileobj, locale=locale)
        for message in list(catalog):
            context = message.context or ""
            for n in range(1, copies):
                new = None
                prefix = context.split(".")[0]
                if context.endswith(".title") and context[:-6] in facts.drugs:  # the title goes by drug key
                    new = f"{context[:-6]}-{n:03d}.title"
                elif prefix in copied:
                    new = f"{prefix}{n:03d}{context[len(prefix):]}"
                if new:
                    catalog.add(message.id, message.string, context=new, auto_comments=message.auto_comments)
        write_catalog(catalog, path, locale)
    return load_project(root)


def scale(copies_list: list[int], jobs: int) -> None:
    where = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print("medicines  leaflets  seconds  s/leaflet  peak worker RSS (MB)  coordinator peak RSS (MB)")
    for copies in copies_list:
        project = copied_project(copies, where)
        started = time.perf_counter()
        report = build(project, where / f"out{copies}", workers=jobs, force=True)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the largest so far: run sizes upwards
        count = len(report.written)
        print(f"{4 * copies:9}  {count:8}  {seconds:7.1f}  {seconds / max(count, 1):9.2f}  {peak:20.0f}  {own:25.0f}"
              + (f"  ({len(report.skipped)} blocked)" if report.skipped else ""))
    shutil.rmtree(where)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["floor", "scale"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=default_workers())
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    if args.what == "floor":
        floor(args.repeats, args.jobs)
    else:
        scale(args.copies, args.jobs)


if __name__ == "__main__":
    main()
