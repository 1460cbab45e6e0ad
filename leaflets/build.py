"""Build leaflets: load facts -> check catalogs -> render -> print PDF -> read back -> write -> manifest.

Everything is gathered and checked before anything is written, as mkdocs does, because a half-written batch
is worse than none. Each file is written to a temporary name and renamed; a leaflet that fails its
read-back check is removed, together with any older copy, so what is on disk always passed every check.
"""
from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import time
from concurrent.futures import Executor
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
from leaflets.workers import Batch, Progress, executor

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


@dataclass
class BuildReport:
    """What a build wrote, left as it was, and refused to write, and why."""

    written: list[Leaflet] = field(default_factory=list)
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
    """The PDFs of leaflets, printed on ``pool`` (None: here) from the moment each leaflet is handed in."""

    def __init__(self, project: Project, pool: Executor | None) -> None:
        from leaflets.pdf import print_task

        self.project = project
        self.batch: Batch = Batch(print_task, pool)
        self.owners: list[tuple[Leaflet, str]] = []  # the leaflet and kind of each PDF
        self.leaflets: list[Leaflet] = []

    def add(self, leaflet: Leaflet) -> None:
        from leaflets.pdf import require_fonts

        if not self.owners:
            require_fonts()  # once, before the first PDF: a missing font is one clear error, not 72
        for kind in self.project.variants:
            task = (leaflet.pages[kind], str(self.project.templates_dir), str(leaflet.job), tuple(leaflet.required))
            self.batch.submit(task, f"{leaflet.job} {kind}")
            self.owners.append((leaflet, kind))
        self.leaflets.append(leaflet)

    def finish(self, report: BuildReport) -> list[Leaflet]:
        """The leaflets with all their PDFs; one with a page that cannot be printed (a glyph no font draws) is
        skipped with its reason, and the others go on."""
        results = self.batch.results(Progress(len(self.batch)))
        for (leaflet, kind), result in zip(self.owners, results, strict=True):
            if isinstance(result, str):
                report.skipped.setdefault(leaflet.job, [Problem(str(leaflet.job), None, result)])
            else:
                leaflet.files[kind], leaflet.unread[kind] = result
        return [leaflet for leaflet in self.leaflets if leaflet.job not in report.skipped]


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
    with executor(workers or default_workers(), scheduler) as pool:
        facts = load_facts(project, partial=True)
        jobs = plan(project, facts, drugs, locales)
        ui = ui_strings(project, facts)
        if not any(item.context == DISCLAIMER for item in ui):
            raise RenderError(f"{project.templates_dir}: no template prints the mandatory disclaimer "
                              f"(pgettext(\"{DISCLAIMER}\", ...) in partials/disclaimer.html); restore it")
        report = BuildReport(skipped={job: facts.blocked[job.drug] for job in jobs if job.drug in facts.blocked})
        printing = Printing(project, pool)
        for job, verdict in each_translator(project, facts, [j for j in jobs if j not in report.skipped], ui, draft):
            if isinstance(verdict, list):
                report.skipped[job] = verdict
                continue
            leaflet = prepare(project, facts, job, verdict, draft)
            if not force and unchanged(folder, leaflet):
                report.unchanged.append(job)
            elif not (strict and report.skipped):  # under --strict, nothing more is printed once one is blocked
                printing.add(leaflet)
        if strict and report.skipped:
            printing.batch.cancel()
            problems = list(dict.fromkeys(p for ps in report.skipped.values() for p in ps))
            raise CatalogError(problems, f"--strict: {len(report.skipped)} leaflet(s) blocked; nothing was written")
        printed = printing.finish(report)
        _write(project, facts, folder, jobs, printed, report, sources)
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


def _write(project: Project, facts: FactBase, folder: OutputFolder, jobs: list[Job], leaflets: list[Leaflet],
           report: BuildReport, sources: str) -> None:
    """Verify each printed leaflet, bring the folder to a state the manifest vouches for, write, list."""
    current = {(d, loc) for d in [*facts.drugs, *facts.blocked] for loc in project.locales}
    building = {(job.drug, job.locale) for job in jobs} - {(job.drug, job.locale) for job in report.unchanged}
    report.failures += [str(p) for p in folder.problems]
    report.failures += reconcile(folder, current - building, set(current))
    for leaflet in leaflets:
        job = leaflet.job
        problems = verify_leaflet(leaflet)
        if problems:
            report.failures.append(f"{job.locale}/{job.drug}: read-back check failed, output removed: "
                                   + "; ".join(problems))
            report.skipped[job] = [Problem(folder.path(job.drug, job.locale, "html"), None, p) for p in problems]
            continue
        try:
            write_pair(folder, job.drug, job.locale, leaflet.files)
        except OutputError as exc:
            report.failures.append(f"{job.locale}/{job.drug}: not written: {exc.message}")
            continue
        report.written.append(leaflet)
    entries = folder.entries + [entry for leaflet in report.written for entry in _entries(folder, facts, leaflet)]
    entries.sort(key=lambda entry: (entry["drug"], entry["locale"], entry["path"]))
    skipped = [
        {"drug": job.drug, "locale": job.locale, "problems": [str(p) for p in problems]}
        for job, problems in sorted(report.skipped.items(), key=lambda kv: (kv[0].drug, kv[0].locale))
    ]
    from leaflets.index import index_html

    try:
        write_listing(folder, {"sources": sources, "outputs": entries, "skipped": skipped},
                      index_html(project, facts, entries))
    except OutputError as exc:
        # Without a manifest nothing on disk is vouched for: remove the leaflets too, so that none is served
        # unlisted, and the next build starts from a folder that agrees with itself.
        for drug, locale in sorted({(entry["drug"], entry["locale"]) for entry in entries}):
            report.failures += remove_pair(folder, drug, locale)
        report.written.clear()
        report.failures.append(f"{exc.message}; the leaflets in it were removed as well")


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
