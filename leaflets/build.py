"""Build leaflets: load facts -> check catalogs -> render -> print PDF -> read back -> write -> manifest.

A leaflet is checked whole before any of its files is written: its pages are rendered, printed and read
back first, then its files are written to temporary names and renamed together. A leaflet that fails is
removed together with any older copy, so what is on disk always passed every check. Leaflets are written as
their PDFs come back, not at the end, so that memory does not grow with the batch; the manifest and index
are written last, and also when the build is interrupted, listing what was written by then.
"""
from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from leaflets.config import Project
from leaflets.errors import CatalogError, ConfigError, Problem, RenderError
from leaflets.facts import FactBase, load_facts
from leaflets.files import OutputError, is_inside, remove_stale_temporaries
from leaflets.outputs import (TEMP_SUFFIXES, OutputFolder, kind_of, open_output, reconcile, remove_pair, sha256,
                              write_listing, write_pair)
from leaflets.qa import Translator
from leaflets.readiness import Job, each_translator, ui_strings
from leaflets.render import for_variant, leaflet_context, render_html
from leaflets.workers import Progress, Stream, Workers, executor

LOG = logging.getLogger("leaflets")
DISCLAIMER = "ui.disclaimer"
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Leaflet:
    """A leaflet in memory, not yet written: its pages (HTML for the screen and for each print variant), what
    each file depends on, and, once printed, its files."""

    job: Job
    title: str
    required: list[str]
    facts: list[str]  # ids of the facts it prints
    pages: dict[str, str] = field(default_factory=dict)  # HTML by kind: "html", "a4", "letter", "large"
    inputs: dict[str, str] = field(default_factory=dict)  # by kind: hash of everything the file depends on
    files: dict[str, bytes] = field(default_factory=dict)  # by kind, once printed
    unread: dict[str, list[str]] = field(default_factory=dict)  # by PDF kind: required texts not read back
    refused: str | None = None  # why a page could not be printed (a glyph no font draws)


@dataclass
class BuildReport:
    """What a build wrote, left as it was, and refused to write, and why."""

    written: list[Job] = field(default_factory=list)
    unchanged: list[Job] = field(default_factory=list)
    skipped: dict[Job, list[Problem]] = field(default_factory=dict)
    #: Things that went wrong while writing (read-back failures, disk errors, a malformed old manifest).
    failures: list[str] = field(default_factory=list)

    def summary(self, seconds: float) -> str:
        return (f"Done in {seconds:.1f} s: {len(self.written)} built, {len(self.unchanged)} unchanged, "
                f"{len(self.skipped)} blocked, {len(self.failures)} failed")


def plan(project: Project, facts: FactBase, drugs: list[str] | None, locales: list[str] | None) -> list[Job]:
    """The (drug, locale) pairs to build, after rejecting unknown names."""
    drugs = drugs or sorted([*facts.drugs, *facts.blocked])
    locales = locales or list(project.locales)
    project.check_selection(drugs, locales)
    return [Job(d, loc) for d in drugs for loc in locales]


def prepare(project: Project, facts: FactBase, job: Job, translate: Translator, draft: bool) -> Leaflet:
    """Render a leaflet's pages (HTML is cheap; printing is what costs) and hash what each file depends on."""
    from leaflets.pdf import engine_fingerprint

    context = leaflet_context(facts, job.drug, job.locale, translate, draft, project.variants, project.clinic,
                              project.base_url)
    required = [context["title"], translate(DISCLAIMER, "")] + (["DRAFT"] if draft else [])
    required += [project.clinic.name] if project.clinic.name else []
    leaflet = Leaflet(job, context["title"], required, [f.id for f in facts.leaflet_facts(job.drug)])
    leaflet.pages["html"] = render_html(project.templates_dir, context, translate)
    for variant in project.variants:
        leaflet.pages[variant] = render_html(project.templates_dir, for_variant(context, variant), translate)
    for kind, page in leaflet.pages.items():
        engine = "" if kind == "html" else engine_fingerprint()
        leaflet.inputs[kind] = hashlib.sha256(f"{engine}\n{page}".encode()).hexdigest()
    leaflet.files["html"] = leaflet.pages["html"].encode("utf-8")
    return leaflet


def unchanged(folder: OutputFolder, leaflet: Leaflet) -> bool:
    """Whether the folder already holds exactly this leaflet's files, made from the same inputs."""
    previous = {kind_of(e): e for e in folder.entries if (e["drug"], e["locale"]) == (leaflet.job.drug,
                                                                                     leaflet.job.locale)}
    if previous.keys() != leaflet.inputs.keys():
        return False
    return all(entry["input"] == leaflet.inputs[kind] and folder.intact(entry) for kind, entry in previous.items())


class Printing:
    """Prints each leaflet's PDFs on the workers as soon as it is handed in, and hands the leaflet to ``done``
    once all of them are back, so that it can be written and forgotten while others are still printing."""

    def __init__(self, project: Project, workers: Workers, done: Callable[[Leaflet], None],
                 progress: Progress) -> None:
        from leaflets.pdf import print_task

        self.project, self.done, self.progress = project, done, progress
        self.stream: Stream[tuple[Leaflet, str], tuple, tuple[bytes, list[str]] | str] = Stream(
            print_task, workers, self._printed, progress)
        self.waiting: dict[Job, int] = {}  # PDFs not back yet, by leaflet in print
        self.fonts_checked = False

    def add(self, leaflet: Leaflet) -> None:
        from leaflets.pdf import require_fonts

        if not self.fonts_checked:
            require_fonts()  # before the first PDF: a missing font is one clear error, not one per PDF
            self.fonts_checked = True
        self.waiting[leaflet.job] = len(self.project.variants)  # never 0: [print] variants is never empty
        for kind in self.project.variants:
            task = (leaflet.pages[kind], str(self.project.templates_dir), str(leaflet.job), tuple(leaflet.required))
            self.stream.submit(task, (leaflet, kind), f"{leaflet.job} {kind}")

    def skip(self) -> None:
        """One leaflet fewer to print (unchanged, or blocked): the progress total shrinks."""
        self.progress.total -= len(self.project.variants)

    def _printed(self, key: tuple[Leaflet, str], result: tuple[bytes, list[str]] | str) -> None:
        leaflet, kind = key
        if isinstance(result, str):
            leaflet.refused = leaflet.refused or result
        else:
            leaflet.files[kind], leaflet.unread[kind] = result
        self.waiting[leaflet.job] -= 1
        if not self.waiting[leaflet.job]:
            del self.waiting[leaflet.job]
            self.done(leaflet)

    def finish(self) -> None:
        self.stream.finish()


def verify_leaflet(leaflet: Leaflet) -> list[str]:
    """Problems found by reading the leaflet back: the title and disclaimer must be in every file (the PDFs
    were read back where they were printed)."""
    from leaflets.verify import contains, normalise

    shown = normalise(html.unescape(_TAG.sub("", leaflet.files["html"].decode("utf-8"))))
    problems = [f"HTML lacks {text!r}" for text in leaflet.required if not contains(shown, text)]
    for kind, unread in leaflet.unread.items():
        problems += [f"{kind} PDF text lacks {text!r}" for text in unread]
    return problems


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def build(project: Project, out_dir: Path, drugs: list[str] | None = None, locales: list[str] | None = None,
          strict: bool = False, draft: bool = False, workers: int | None = None, force: bool = False,
          scheduler: str | None = None) -> BuildReport:
    """Build the selected leaflets into ``out_dir``; see the module docstring for the order of steps.

    Unchanged leaflets are not printed again: a file is kept when what it depends on (its HTML, and for a
    PDF the renderer's fingerprint) hashes as recorded in the manifest and the file still has its checksum;
    when no input file changed at all, nothing is even rendered. ``force`` prints everything.
    ``draft`` prints incomplete translations with English filling the gaps, watermarked DRAFT, into
    ``out_dir/draft/`` only, so a draft can never be mistaken for, or overwrite, a release leaflet.
    Facts must still be verified, and glyph and disclaimer checks still apply.
    """
    if draft and strict:
        raise ConfigError("--draft and --strict contradict each other; choose one")
    if draft:
        out_dir = out_dir / "draft"
    started = time.perf_counter()
    if is_inside(project.root, out_dir):
        raise ConfigError(f"{out_dir}: the output folder contains the project itself; a build removes files "
                          "it cannot vouch for there, so give it a folder of its own, like build/")
    folder = open_output(out_dir)
    sources = source_fingerprint(project, draft)
    if not (force or drugs or locales or strict) and (report := _nothing_changed(folder, sources)):
        LOG.info("%s (no input changed)", report.summary(time.perf_counter() - started))
        return report
    from leaflets.pdf import load_renderer

    load_renderer()  # before the workers start, so that each has WeasyPrint (0.6 s to import) from the start
    # Workers start now, before the facts and pages are in memory, so they do not carry a copy of them.
    with executor(workers or default_workers(), scheduler) as running:
        facts = load_facts(project, partial=True)
        jobs = plan(project, facts, drugs, locales)
        ui = ui_strings(project, facts)
        if not any(item.context == DISCLAIMER for item in ui):
            raise RenderError(f"{project.templates_dir}: no template prints the mandatory disclaimer "
                              f"(pgettext(\"{DISCLAIMER}\", ...) in partials/disclaimer.html); restore it")
        report = BuildReport(skipped={job: facts.blocked[job.drug] for job in jobs if job.drug in facts.blocked})
        todo = [job for job in jobs if job not in report.skipped]
        verdicts: Iterable[tuple[Job, Translator | list[Problem]]] = each_translator(project, facts, todo, ui, draft)
        if strict:  # every verdict first: under --strict one blocked leaflet means nothing is printed or written
            verdicts = list(verdicts)
            report.skipped.update({job: verdict for job, verdict in verdicts if isinstance(verdict, list)})
            if report.skipped:
                problems = list(dict.fromkeys(p for ps in report.skipped.values() for p in ps))
                raise CatalogError(problems, f"--strict: {len(report.skipped)} leaflet(s) blocked; nothing was written")
        writer = Writer(project, facts, folder, report)
        printing = Printing(project, running, writer.write, Progress(len(todo) * len(project.variants)))
        try:
            for job, verdict in verdicts:
                if isinstance(verdict, list):
                    writer.refuse(job, verdict)
                    printing.skip()
                    continue
                leaflet = prepare(project, facts, job, verdict, draft)
                if not force and unchanged(folder, leaflet):
                    report.unchanged.append(job)
                    printing.skip()
                else:
                    printing.add(leaflet)
            printing.finish()
        except BaseException:
            # Interrupted (Ctrl-C, a missing system library): list what was written so far, so that the
            # manifest still agrees with the disk, but without the inputs' fingerprint, so that the next
            # build does not take "nothing changed" for an answer and prints the rest.
            printing.stream.cancel()
            writer.finish(sources="")
            raise
        writer.finish(sources)
    LOG.info(report.summary(time.perf_counter() - started))
    return report


def source_fingerprint(project: Project, draft: bool) -> str:
    """A hash of every input of a build: settings, facts, documents, catalogs, glossaries, templates, our
    code and the renderer. Equal to the manifest's, with every file intact, means there is nothing to do."""
    from leaflets.pdf import engine_fingerprint

    digest = hashlib.sha256(f"{engine_fingerprint()}\n{project!r}\n{draft}".encode())
    folders = (project.facts_dir, project.documents_dir, project.translations_dir, project.templates_dir,
               Path(__file__).parent)
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(f"\n{path.relative_to(project.root) if is_inside(path, project.root) else path.name}\n"
                          .encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _nothing_changed(folder: OutputFolder, sources: str) -> BuildReport | None:
    """The report of a build with nothing to do, if no input changed and every file is intact."""
    if not folder.entries or folder.sources != sources:
        return None
    remove_stale_temporaries(folder.root, TEMP_SUFFIXES)  # left by a killed build
    if not all(folder.intact(entry) for entry in folder.entries):
        return None
    report = BuildReport(unchanged=sorted({Job(e["drug"], e["locale"]) for e in folder.entries},
                                          key=lambda job: (job.drug, job.locale)))
    for skip in folder.skipped:
        job = Job(skip["drug"], skip["locale"])
        report.skipped[job] = [Problem(str(job), None, problem) for problem in skip["problems"]]
    return report


class Writer:
    """Brings the output folder, one leaflet at a time, to what the manifest will vouch for.

    First it removes what no manifest vouches for (stale temporaries, damaged files, leaflets of removed
    medicines or locales). Then each leaflet is written as soon as it is printed and verified, and the
    caller can forget it; a leaflet that is refused or fails its read-back loses its older files too. The
    manifest and index come last: if they cannot be written, the leaflets they would list are removed.
    """

    def __init__(self, project: Project, facts: FactBase, folder: OutputFolder, report: BuildReport) -> None:
        self.project, self.facts, self.folder, self.report = project, facts, folder, report
        current = {(d, loc) for d in [*facts.drugs, *facts.blocked] for loc in project.locales}
        report.failures += [str(p) for p in folder.problems]
        report.failures += reconcile(folder, set(current), set(current))
        self.entries: dict[tuple[str, str], list[dict]] = {}
        for entry in folder.entries:
            self.entries.setdefault((entry["drug"], entry["locale"]), []).append(entry)
        for job in report.skipped:  # blocked by their facts: nothing older of theirs may stay either
            self._remove(job)

    def refuse(self, job: Job, problems: list[Problem]) -> None:
        self.report.skipped[job] = problems
        self._remove(job)

    def write(self, leaflet: Leaflet) -> None:
        job = leaflet.job
        if leaflet.refused:
            self.refuse(job, [Problem(str(job), None, leaflet.refused)])
            return
        problems = verify_leaflet(leaflet)
        if problems:
            self.report.failures.append(f"{job}: read-back check failed, output removed: " + "; ".join(problems))
            self.refuse(job, [Problem(self.folder.path(job.drug, job.locale, "html"), None, p) for p in problems])
            return
        try:
            write_pair(self.folder, job.drug, job.locale, leaflet.files)
        except OutputError as exc:
            self.report.failures.append(f"{job}: not written: {exc.message}")
            self.entries.pop((job.drug, job.locale), None)  # write_pair removed its files
            return
        self.entries[job.drug, job.locale] = _entries(self.folder, self.facts, leaflet)
        self.report.written.append(job)

    def finish(self, sources: str) -> None:
        """Write the manifest and the index of everything written or kept."""
        report, folder = self.report, self.folder
        report.written.sort(key=lambda job: (job.drug, job.locale))
        entries = sorted((entry for group in self.entries.values() for entry in group),
                         key=lambda entry: (entry["drug"], entry["locale"], entry["path"]))
        skipped = [
            {"drug": job.drug, "locale": job.locale, "problems": [str(p) for p in problems]}
            for job, problems in sorted(report.skipped.items(), key=lambda kv: (kv[0].drug, kv[0].locale))
        ]
        from leaflets.index import index_html

        try:
            write_listing(folder, {"sources": sources, "outputs": entries, "skipped": skipped},
                          index_html(self.project, self.facts, entries))
        except OutputError as exc:
            # Without a manifest nothing on disk is vouched for: remove the leaflets too, so that none is
            # served unlisted, and the next build starts from a folder that agrees with itself.
            for drug, locale in sorted(self.entries):
                report.failures += remove_pair(folder, drug, locale)
            report.written.clear()
            report.failures.append(f"{exc.message}; the leaflets in it were removed as well")

    def _remove(self, job: Job) -> None:
        self.report.failures += remove_pair(self.folder, job.drug, job.locale)
        self.entries.pop((job.drug, job.locale), None)


def _entries(folder: OutputFolder, facts: FactBase, leaflet: Leaflet) -> list[dict]:
    drug = facts.drugs[leaflet.job.drug]
    return [{
        "drug": drug.key, "locale": leaflet.job.locale, "format": "html" if kind == "html" else "pdf",
        "variant": None if kind == "html" else kind,
        "path": folder.path(drug.key, leaflet.job.locale, kind).relative_to(folder.root).as_posix(),
        "title": leaflet.title, "version": drug.version, "reviewed": drug.reviewed.isoformat(),
        "facts": leaflet.facts, "input": leaflet.inputs[kind],
        "sha256": sha256(folder.path(drug.key, leaflet.job.locale, kind)),
    } for kind in leaflet.files]
