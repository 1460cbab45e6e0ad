"""Which leaflets may be printed in which locale, and why the others may not.

Both the build and ``leaflets i18n status`` ask this question, so it is answered in one place: for every
(drug, locale) the strings the leaflet needs are checked against the locale's catalog, giving either a
``Translator`` or the problems that block the leaflet.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
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

    def __str__(self) -> str:
        return f"{self.locale}/{self.drug}"


def ui_strings(project: Project, facts: FactBase) -> list[Needed]:
    """The template strings (``ui.*``) every leaflet prints."""
    return [Needed(m.context, m.id) for m in source_catalog(project, facts) if m.id and m.context.startswith("ui.")]


def translators_for(project: Project, facts: FactBase, jobs: list[Job], ui: list[Needed],
                    draft: bool = False) -> dict[Job, Translator | list[Problem]]:
    """For each job a translator that cannot miss, or every problem that blocks it (see ``each_translator``)."""
    return dict(each_translator(project, facts, jobs, ui, draft))


def each_translator(project: Project, facts: FactBase, jobs: list[Job], ui: list[Needed],
                    draft: bool = False) -> Iterator[tuple[Job, Translator | list[Problem]]]:
    """Each job with a translator that cannot miss, or every problem that blocks it, one job at a time, so
    that a build can print one leaflet while it checks the next (checking all takes seconds).

    In ``draft`` mode every job gets a translator (English where a translation is missing or fails QA)
    and the problems are logged as warnings instead.
    """
    catalogs: dict[str, tuple[dict[str, Entry], tuple[Term, ...]] | list[Problem]] = {}
    for job in jobs:
        needed = needed_strings(facts, job.drug, job.locale, ui)
        if job.locale == project.source_locale:
            yield job, Translator(job.locale, {n.context: n.english for n in needed})
            continue
        if job.locale not in catalogs:
            try:
                catalogs[job.locale] = catalog_and_glossary(project, job.locale)
            except CatalogError as exc:
                catalogs[job.locale] = exc.problems
        loaded = catalogs[job.locale]
        if isinstance(loaded, list):
            if not draft:
                yield job, loaded
                continue
            _warn(job, loaded)
            loaded = ({}, ())
        entries, terms = loaded
        path = project.po_path(job.locale)
        translator, problems = check_translations(needed, entries, job.locale, relative(project, path), draft,
                                                  terms)
        if draft:
            _warn(job, problems)
        yield job, translator or problems


def catalog_and_glossary(project: Project, locale: str) -> tuple[dict[str, Entry], tuple[Term, ...]]:
    """A locale's entries and glossary; both problems are reported together."""
    path = project.po_path(locale)
    problems: list[Problem] = []
    entries: dict[str, Entry] = {}
    terms: tuple[Term, ...] = ()
    try:
        entries = read_catalog(path, locale, relative(project, path))
    except CatalogError as exc:
        problems += exc.problems
    glossary = glossary_path(project.translations_dir, locale)
    try:
        terms = load_glossary(project.translations_dir, locale, relative(project, glossary))
    except CatalogError as exc:
        problems += exc.problems
    if problems:
        raise CatalogError(problems)
    return entries, terms


def _warn(job: Job, problems: list[Problem]) -> None:
    for problem in problems:
        LOG.warning("draft %s/%s: English used instead: %s", job.locale, job.drug, problem)


def relative(project: Project, path: Path) -> Path:
    try:
        return path.relative_to(project.root)
    except ValueError:
        return path


@dataclass
class LeafletStatus:
    """How far one leaflet's translation is: counts of its strings by state, and what blocks it."""

    locale: str
    drug: str
    total: int = 0
    ready: int = 0
    fuzzy: int = 0  # fuzzy, or made from older English
    untranslated: int = 0  # empty or missing
    blocked: int = 0  # translated but failing a check (numbers, glossary, ...)
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False

    @property
    def releasable(self) -> bool:
        return not self.unreadable and self.ready == self.total


def translation_status(project: Project, locales: list[str] | None = None) -> list[LeafletStatus]:
    """Every (locale, drug) leaflet's translation state, checking each string as the build does."""
    facts = load_facts(project)
    ui = ui_strings(project, facts)
    found = []
    for locale in locales or project.target_locales:
        path = project.po_path(locale)
        try:
            entries, terms = catalog_and_glossary(project, locale)
        except CatalogError as exc:  # one clear error, not every string reported "missing"
            found += [LeafletStatus(locale, drug, problems=exc.problems, unreadable=True) for drug in sorted(facts.drugs)]
            continue
        for drug in sorted(facts.drugs):
            status = LeafletStatus(locale, drug)
            for needed in needed_strings(facts, drug, locale, ui):
                problems = check_entry(needed, entries.get(needed.context), locale, relative(project, path), terms)
                status.total += 1
                status.problems += problems
                checks = {p.check for p in problems}
                if not problems:
                    status.ready += 1
                elif checks & {"fuzzy", "changed"}:
                    status.fuzzy += 1
                elif checks & {"untranslated", "missing"}:
                    status.untranslated += 1
                else:
                    status.blocked += 1
            found.append(status)
    return found


def status_table(statuses: list[LeafletStatus]) -> str:
    """A matrix of leaflets (locale x drug) with string counts by state, then every blocking problem."""
    lines = [f"{'locale':8} {'drug':22} {'ready':>9} {'fuzzy':>6} {'untransl.':>9} {'blocked':>7}  status"]
    details: list[str] = []
    for s in statuses:
        details += [f"  {p}" for p in s.problems]
        if s.unreadable:
            lines.append(f"{s.locale:8} {s.drug:22} {'-':>9} {'-':>6} {'-':>9} {'-':>7}  unreadable catalog")
            continue
        state = "ok" if s.releasable else "blocked"
        lines.append(f"{s.locale:8} {s.drug:22} {s.ready:>4}/{s.total:<4} {s.fuzzy:>6} {s.untranslated:>9} "
                     f"{s.blocked:>7}  {state} ({100 * s.ready // max(s.total, 1)} %)")
    return "\n".join(lines + (["", "Blocking problems:", *dict.fromkeys(details)] if details else []))
