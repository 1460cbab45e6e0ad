"""Build leaflets: load facts -> check catalogs -> render -> print PDF -> read back -> write -> manifest.

Everything is gathered and checked before anything is written, as mkdocs does, because a half-written batch
is worse than none. Each file is written to a temporary name and renamed; a leaflet that fails its
read-back check is removed, together with any older copy, so what is on disk always passed every check.
"""
from __future__ import annotations

import html
import logging
import multiprocessing
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from leaflets.config import Project
from leaflets.errors import CatalogError, ConfigError, Problem, RenderError
from leaflets.facts import FactBase, load_facts
from leaflets.files import OutputError, is_inside
from leaflets.outputs import (OutputFolder, open_output, reconcile, remove_pair, sha256, write_listing,
                              write_pair)
from leaflets.qa import Translator
from leaflets.readiness import Job, translators_for, ui_strings
from leaflets.render import for_variant, leaflet_context, render_html

LOG = logging.getLogger("leaflets")
DISCLAIMER = "ui.disclaimer"
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Leaflet:
    """A leaflet rendered in memory, not yet written: its screen HTML and one PDF per print variant."""

    job: Job
    title: str
    required: list[str]
    files: dict[str, bytes] = field(default_factory=dict)  # by kind: "html", "a4", "letter", "large"
    seconds: float = 0.0


@dataclass
class BuildReport:
    """What a build wrote and what it refused to write, and why."""

    written: list[Leaflet] = field(default_factory=list)
    skipped: dict[Job, list[Problem]] = field(default_factory=dict)
    #: Things that went wrong while writing (read-back failures, disk errors, a malformed old manifest).
    failures: list[str] = field(default_factory=list)


def plan(project: Project, facts: FactBase, drugs: list[str] | None, locales: list[str] | None) -> list[Job]:
    """The (drug, locale) pairs to build, after rejecting unknown names."""
    drugs = drugs or sorted([*facts.drugs, *facts.blocked])
    locales = locales or list(project.locales)
    project.check_selection(drugs, locales)
    return [Job(d, loc) for d in drugs for loc in locales]


#: What forked workers render, set just before the pool starts: a fork copies it, nothing is pickled.
_WORK: tuple[Project, FactBase, list[Job], dict[Job, Translator], bool] | None = None


def render_leaflets(project: Project, facts: FactBase, ready: dict[Job, Translator], report: BuildReport,
                    draft: bool = False, workers: int = 1) -> list[Leaflet]:
    """Render the HTML and every PDF variant in memory for every job whose strings all passed QA.

    With ``workers`` > 1 the leaflets are rendered by forked processes, after WeasyPrint is imported
    here, so that each worker starts with it loaded. Results come back in job order. A leaflet that cannot
    be rendered (a glyph no font draws) is skipped with its reason; the others go on.
    """
    global _WORK
    from leaflets.pdf import load_renderer, require_fonts

    if not ready:
        return []
    require_fonts()
    load_renderer()
    jobs = list(ready)
    _WORK = (project, facts, jobs, ready, draft)
    try:
        if workers > 1 and len(jobs) > 1:
            with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
                results = list(pool.imap(_render_one, range(len(jobs))))
        else:
            results = [_render_one(n) for n in range(len(jobs))]
    finally:
        _WORK = None
    rendered = []
    for job, result in zip(jobs, results):
        if isinstance(result, str):
            report.skipped[job] = [Problem(f"{job.locale}/{job.drug}", None, result)]
        else:
            rendered.append(result)
    return rendered


def _render_one(index: int) -> Leaflet | str:
    """Render job number ``index`` of ``_WORK``: the leaflet, or why it cannot be rendered."""
    from leaflets.pdf import html_to_pdf

    assert _WORK is not None
    project, facts, jobs, ready, draft = _WORK
    job, translate = jobs[index], ready[jobs[index]]
    started = time.perf_counter()
    context = leaflet_context(facts, job.drug, job.locale, translate, draft, project.variants,
                              project.clinic, project.base_url)
    required = [context["title"], translate(DISCLAIMER, "")] + (["DRAFT"] if draft else [])
    required += [project.clinic.name] if project.clinic.name else []
    leaflet = Leaflet(job, context["title"], required)
    leaflet.files["html"] = render_html(project.templates_dir, context, translate).encode("utf-8")
    try:
        for variant in project.variants:
            printed = render_html(project.templates_dir, for_variant(context, variant), translate)
            leaflet.files[variant] = html_to_pdf(printed, project.templates_dir, f"{job.locale}/{job.drug}")
    except RenderError as exc:
        return exc.message
    leaflet.seconds = time.perf_counter() - started
    return leaflet


def verify_leaflet(leaflet: Leaflet) -> list[str]:
    """Problems found by reading the leaflet back: the title and disclaimer must be in every file."""
    from leaflets.verify import contains, missing_texts, normalise

    shown = normalise(html.unescape(_TAG.sub("", leaflet.files["html"].decode("utf-8"))))
    problems = [f"HTML lacks {text!r}" for text in leaflet.required if not contains(shown, text)]
    for kind, data in leaflet.files.items():
        if kind != "html":
            problems += [f"{kind} PDF text lacks {text!r}" for text in missing_texts(data, leaflet.required)]
    return problems


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def build(project: Project, out_dir: Path, drugs: list[str] | None = None, locales: list[str] | None = None,
          strict: bool = False, draft: bool = False, workers: int | None = None) -> BuildReport:
    """Build the selected leaflets into ``out_dir``; see the module docstring for the order of steps.

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
    facts = load_facts(project, partial=True)
    jobs = plan(project, facts, drugs, locales)
    ui = ui_strings(project, facts)
    if not any(item.context == DISCLAIMER for item in ui):
        raise RenderError(f"{project.templates_dir}: no template prints the mandatory disclaimer "
                          f"(pgettext(\"{DISCLAIMER}\", ...) in partials/disclaimer.html); restore it")
    report = BuildReport(skipped={job: facts.blocked[job.drug] for job in jobs if job.drug in facts.blocked})
    verdicts = translators_for(project, facts, [j for j in jobs if j not in report.skipped], ui, draft)
    report.skipped.update({job: v for job, v in verdicts.items() if isinstance(v, list)})
    if strict and report.skipped:
        problems = list(dict.fromkeys(p for ps in report.skipped.values() for p in ps))
        raise CatalogError(problems, f"--strict: {len(report.skipped)} leaflet(s) blocked; nothing was written")
    ready = {job: v for job, v in verdicts.items() if isinstance(v, Translator)}
    leaflets = render_leaflets(project, facts, ready, report, draft, workers or default_workers())
    _write(project, facts, folder, jobs, leaflets, report)
    LOG.info("Done: %d leaflet(s) written, %d skipped, in %.1f s", len(report.written), len(report.skipped),
             time.perf_counter() - started)
    return report


def _write(project: Project, facts: FactBase, folder: OutputFolder, jobs: list[Job], leaflets: list[Leaflet],
           report: BuildReport) -> None:
    """Verify each rendered leaflet, bring the folder to a state the manifest vouches for, write, list."""
    current = {(d, loc) for d in [*facts.drugs, *facts.blocked] for loc in project.locales}
    building = {(job.drug, job.locale) for job in jobs}
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
        LOG.info("wrote %s/%s (%.2f s)", job.locale, job.drug, leaflet.seconds)
    entries = folder.entries + [entry for leaflet in report.written for entry in _entries(folder, facts, leaflet)]
    entries.sort(key=lambda entry: (entry["drug"], entry["locale"], entry["path"]))
    skipped = [
        {"drug": job.drug, "locale": job.locale, "problems": [str(p) for p in problems]}
        for job, problems in sorted(report.skipped.items(), key=lambda kv: (kv[0].drug, kv[0].locale))
    ]
    from leaflets.index import index_html

    try:
        write_listing(folder, {"outputs": entries, "skipped": skipped}, index_html(project, facts, entries))
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
        "sha256": sha256(folder.path(drug.key, leaflet.job.locale, kind)),
    } for kind in leaflet.files]
