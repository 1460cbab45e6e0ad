"""Which leaflets may be printed in which locale, and why the others may not.

Both the build and ``leaflets i18n status`` ask this question, so it is answered in one place: for every
(drug, locale) the strings the leaflet needs are checked against the locale's catalog, giving either a
``Translator`` or the problems that block the leaflet.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from leaflets.catalog import Entry, read_catalog, source_catalog
from leaflets.config import Project
from leaflets.errors import CatalogError, Problem
from leaflets.facts import FactBase, load_facts
from leaflets.glossary import Term, glossary_path, load_glossary
from leaflets.qa import Needed, Translator, check_entry, check_translations
from leaflets.render import needed_strings

LOG = logging.getLogger("leaflets")


@dataclass(frozen=True)
class Job:
    """One leaflet: a drug in a locale."""

    drug: str
    locale: str

    def path(self, out_dir: Path, suffix: str) -> Path:
        return out_dir / self.locale / f"{self.drug}{suffix}"


def ui_strings(project: Project, facts: FactBase) -> list[Needed]:
    """The template strings (``ui.*``) every leaflet prints."""
    return [Needed(m.context, m.id) for m in source_catalog(project, facts) if m.id and m.context.startswith("ui.")]


def translators_for(project: Project, facts: FactBase, jobs: list[Job], ui: list[Needed],
                    draft: bool = False) -> dict[Job, Translator | list[Problem]]:
    """For each job a translator that cannot miss, or every problem that blocks it.

    In ``draft`` mode every job gets a translator (English where a translation is missing or fails QA)
    and the problems are logged as warnings instead.
    """
    catalogs: dict[str, tuple[dict[str, Entry], tuple[Term, ...]] | list[Problem]] = {}
    result: dict[Job, Translator | list[Problem]] = {}
    for job in jobs:
        needed = needed_strings(facts, job.drug, job.locale, ui)
        if job.locale == project.source_locale:
            result[job] = Translator(job.locale, {n.context: n.english for n in needed})
            continue
        if job.locale not in catalogs:
            try:
                catalogs[job.locale] = _catalog_and_glossary(project, job.locale)
            except CatalogError as exc:
                catalogs[job.locale] = exc.problems
        loaded = catalogs[job.locale]
        if isinstance(loaded, list):
            if not draft:
                result[job] = loaded
                continue
            _warn(job, loaded)
            loaded = ({}, ())
        entries, terms = loaded
        path = project.po_path(job.locale)
        translator, problems = check_translations(needed, entries, job.locale, _relative(project, path), draft,
                                                  terms)
        if draft:
            _warn(job, problems)
        result[job] = translator or problems
    return result


def _catalog_and_glossary(project: Project, locale: str) -> tuple[dict[str, Entry], tuple[Term, ...]]:
    """A locale's entries and glossary; both problems are reported together."""
    path = project.po_path(locale)
    problems: list[Problem] = []
    entries: dict[str, Entry] = {}
    terms: tuple[Term, ...] = ()
    try:
        entries = read_catalog(path, locale, _relative(project, path))
    except CatalogError as exc:
        problems += exc.problems
    glossary = glossary_path(project.translations_dir, locale)
    try:
        terms = load_glossary(project.translations_dir, locale, _relative(project, glossary))
    except CatalogError as exc:
        problems += exc.problems
    if problems:
        raise CatalogError(problems)
    return entries, terms


def _warn(job: Job, problems: list[Problem]) -> None:
    for problem in problems:
        LOG.warning("draft %s/%s: English used instead: %s", job.locale, job.drug, problem)


def _relative(project: Project, path: Path) -> Path:
    try:
        return path.relative_to(project.root)
    except ValueError:
        return path


def status_table(project: Project) -> str:
    """A table of printable strings per locale and drug, then what blocks each incomplete leaflet."""
    facts = load_facts(project)
    ui = ui_strings(project, facts)
    lines = [f"{'locale':8} {'drug':24} {'ready':>9}  status"]
    details: list[str] = []
    for locale in project.target_locales:
        path = project.po_path(locale)
        try:
            entries, terms = _catalog_and_glossary(project, locale)
        except CatalogError as exc:  # one clear error, not every string reported "missing"
            details.extend(f"  {p}" for p in exc.problems)
            lines.extend(f"{locale:8} {drug:24} {'-':>9}  unreadable catalog" for drug in sorted(facts.drugs))
            continue
        for drug in sorted(facts.drugs):
            needed = needed_strings(facts, drug, locale, ui)
            blocking = [check_entry(n, entries.get(n.context), locale, _relative(project, path), terms)
                        for n in needed]
            ready = sum(not problems for problems in blocking)
            state = "ok" if ready == len(needed) else "blocked"
            lines.append(f"{locale:8} {drug:24} {ready:>4}/{len(needed):<4}  {state} "
                         f"({100 * ready // len(needed)} %)")
            details.extend(f"  {p}" for problems in blocking for p in problems)
    return "\n".join(lines + (["", "Blocking problems:", *dict.fromkeys(details)] if details else []))
