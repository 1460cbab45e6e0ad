"""Build leaflets: load facts -> check catalogs -> render -> print PDF -> read back -> write -> manifest.

Everything is gathered and checked before anything is written, as mkdocs does, because a half-written batch
is worse than none. Each file is written to a temporary name and renamed; a leaflet that fails its
read-back check is removed, together with any older copy, so what is on disk always passed every check.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from leaflets.config import Project
from leaflets.errors import CatalogError, ConfigError, Problem, RenderError, VerifyError
from leaflets.facts import FactBase, load_facts
from leaflets.files import write_atomic
from leaflets.qa import Translator
from leaflets.readiness import Job, translators_for, ui_strings
from leaflets.render import leaflet_context, render_html

LOG = logging.getLogger("leaflets")
DISCLAIMER = "ui.disclaimer"


@dataclass
class Leaflet:
    """A leaflet rendered in memory, not yet written."""

    job: Job
    title: str
    html: str
    required: list[str]
    pdf: bytes = b""
    seconds: float = 0.0


@dataclass
class BuildReport:
    """What a build wrote and what it refused to write, and why."""

    written: list[Leaflet] = field(default_factory=list)
    skipped: dict[Job, list[Problem]] = field(default_factory=dict)


def plan(project: Project, facts: FactBase, drugs: list[str] | None, locales: list[str] | None) -> list[Job]:
    """The (drug, locale) pairs to build, after rejecting unknown names."""
    drugs = drugs or sorted(facts.drugs)
    locales = locales or list(project.locales)
    project.check_selection(drugs, locales)
    return [Job(d, loc) for d in drugs for loc in locales]


def render_leaflets(project: Project, facts: FactBase, ready: dict[Job, Translator],
                    draft: bool = False) -> list[Leaflet]:
    """Render HTML and PDF in memory for every job whose strings all passed QA."""
    from leaflets.pdf import html_to_pdf, require_fonts  # WeasyPrint is slow to import

    rendered = []
    if ready:
        require_fonts()
    for job, translate in ready.items():
        started = time.perf_counter()
        context = leaflet_context(facts, job.drug, job.locale, translate, draft)
        html = render_html(project.templates_dir, context, translate)
        disclaimer = translate(DISCLAIMER, "")
        leaflet = Leaflet(job, context["title"], html, [context["title"], disclaimer] + (["DRAFT"] if draft else []))
        leaflet.pdf = html_to_pdf(html, project.templates_dir, f"{job.locale}/{job.drug}")
        leaflet.seconds = time.perf_counter() - started
        rendered.append(leaflet)
    return rendered


def verify_leaflet(leaflet: Leaflet) -> list[str]:
    """Problems found by reading the leaflet back: the title and disclaimer must be in both files."""
    from leaflets.verify import missing_texts

    problems = [f"HTML lacks {text!r}" for text in leaflet.required if escape(text) not in leaflet.html]
    problems += [f"PDF text lacks {text!r}" for text in missing_texts(leaflet.pdf, leaflet.required)]
    return problems


def _remove_outputs(job: Job, out_dir: Path) -> None:
    for suffix in (".html", ".pdf"):
        job.path(out_dir, suffix).unlink(missing_ok=True)


def build(project: Project, out_dir: Path, drugs: list[str] | None = None, locales: list[str] | None = None,
          strict: bool = False, draft: bool = False) -> BuildReport:
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
    facts = load_facts(project)
    jobs = plan(project, facts, drugs, locales)
    ui = ui_strings(project, facts)
    if not any(item.context == DISCLAIMER for item in ui):
        raise RenderError(f"{project.templates_dir}: no template prints the mandatory disclaimer "
                          f"(pgettext(\"{DISCLAIMER}\", ...) in partials/disclaimer.html); restore it")
    verdicts = translators_for(project, facts, jobs, ui, draft)
    report = BuildReport(skipped={job: v for job, v in verdicts.items() if isinstance(v, list)})
    if strict and report.skipped:
        problems = list(dict.fromkeys(p for ps in report.skipped.values() for p in ps))
        raise CatalogError(problems, f"--strict: {len(report.skipped)} leaflet(s) blocked; nothing was written")
    ready = {job: v for job, v in verdicts.items() if isinstance(v, Translator)}
    leaflets = render_leaflets(project, facts, ready, draft)
    failures = []
    for leaflet in leaflets:
        problems = verify_leaflet(leaflet)
        if problems:
            failures.append(f"{leaflet.job.locale}/{leaflet.job.drug}: " + "; ".join(problems))
            report.skipped[leaflet.job] = [Problem(leaflet.job.path(out_dir, ".pdf"), None, p) for p in problems]
            continue
        write_atomic(leaflet.job.path(out_dir, ".html"), leaflet.html.encode("utf-8"))
        write_atomic(leaflet.job.path(out_dir, ".pdf"), leaflet.pdf)
        report.written.append(leaflet)
        LOG.info("wrote %s/%s (%.2f s)", leaflet.job.locale, leaflet.job.drug, leaflet.seconds)
    for job in report.skipped:
        _remove_outputs(job, out_dir)
    write_manifest(out_dir, project, facts, report)
    LOG.info("Done: %d leaflet(s) written, %d skipped, in %.1f s", len(report.written), len(report.skipped),
             time.perf_counter() - started)
    if failures:
        raise VerifyError("read-back check failed, output removed:\n" + "\n".join(failures))
    return report


def write_manifest(out_dir: Path, project: Project, facts: FactBase, report: BuildReport) -> None:
    """``manifest.json`` (every output with its checksum) and ``index.html`` for picking a leaflet."""
    from leaflets.index import index_html

    built = {(leaflet.job.drug, leaflet.job.locale) for leaflet in report.written} | {
        (job.drug, job.locale) for job in report.skipped}
    entries = [entry for entry in _earlier_outputs(out_dir) if (entry["drug"], entry["locale"]) not in built]
    for leaflet in sorted(report.written, key=lambda item: (item.job.drug, item.job.locale)):
        drug = facts.drugs[leaflet.job.drug]
        for suffix in (".html", ".pdf"):
            path = leaflet.job.path(out_dir, suffix)
            entries.append({
                "drug": drug.key, "locale": leaflet.job.locale, "format": suffix[1:],
                "path": path.relative_to(out_dir).as_posix(), "title": leaflet.title,
                "version": drug.version, "reviewed": drug.reviewed.isoformat(),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            })
    skipped = [
        {"drug": job.drug, "locale": job.locale, "problems": [str(p) for p in problems]}
        for job, problems in sorted(report.skipped.items(), key=lambda kv: (kv[0].drug, kv[0].locale))
    ]
    entries.sort(key=lambda entry: (entry["drug"], entry["locale"], entry["format"]))
    manifest = {"outputs": entries, "skipped": skipped}
    write_atomic(out_dir / "manifest.json", (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode())
    write_atomic(out_dir / "index.html", index_html(project, facts, entries).encode("utf-8"))


def _earlier_outputs(out_dir: Path) -> list[dict]:
    """Entries of an earlier build that are still on disk unchanged (a partial build keeps them)."""
    try:
        earlier = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return []
    kept = []
    for entry in earlier:
        path = out_dir / entry.get("path", "")
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == entry.get("sha256"):
            kept.append(entry)
    return kept

