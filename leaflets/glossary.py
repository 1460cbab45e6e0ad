"""A terminology glossary per locale, which the build enforces.

``translations/<locale>/glossary.csv`` is a CSV file in the layout Weblate imports as a glossary
(``source,target,explanation``), plus a ``forbidden`` column: other renderings of the term, separated by
``|``, that must not appear in any translation. One patient leaflet must not call a heart attack
心肌梗死 in one line and 心脏病发作 in the next, and a translator should find the agreed word in their tool.

A term applies to a string when its English ``source`` starts a word of the English text ("side effect"
also covers "side effects"); the translation must then contain ``target``.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from leaflets.errors import CatalogError, Problem
from leaflets.yamlfile import NotUtf8Error, read_utf8

GLOSSARY = "glossary.csv"
COLUMNS = ("source", "target", "explanation", "forbidden")


@dataclass(frozen=True)
class Term:
    """One agreed translation of an English term, and the renderings it replaces."""

    source: str
    target: str
    forbidden: tuple[str, ...]
    line: int

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(rf"(?<![A-Za-z]){re.escape(self.source)}", re.IGNORECASE)


def glossary_path(translations_dir: Path, locale: str) -> Path:
    return translations_dir / locale / GLOSSARY


@lru_cache(maxsize=32)
def _parse(text: str, shown: str) -> tuple[Term, ...]:
    rows = csv.DictReader(io.StringIO(text))
    if tuple(rows.fieldnames or ()) != COLUMNS:
        raise CatalogError([Problem(shown, 1, f"glossary header must be {','.join(COLUMNS)}, got "
                                              f"{','.join(rows.fieldnames or [])}")])
    terms, problems = [], []
    for row in rows:
        line = rows.line_num
        source, target = (row.get("source") or "").strip(), (row.get("target") or "").strip()
        if not source or not target:
            problems.append(Problem(shown, line, "glossary entry needs both 'source' and 'target'"))
            continue
        forbidden = tuple(f.strip() for f in (row.get("forbidden") or "").split("|") if f.strip())
        clash = [f for f in forbidden if f in target]
        if clash:
            problems.append(Problem(shown, line, f"'{target}' contains its own forbidden form {clash[0]!r}"))
            continue
        terms.append(Term(source, target, forbidden, line))
    if problems:
        raise CatalogError(problems)
    return tuple(terms)


def load_glossary(translations_dir: Path, locale: str, shown: Path | str) -> tuple[Term, ...]:
    """The glossary of ``locale`` (empty if it has none); a malformed file is a ``CatalogError``."""
    path = glossary_path(translations_dir, locale)
    if not path.is_file():
        return ()
    try:
        return _parse(read_utf8(path), str(shown))
    except NotUtf8Error as exc:
        raise CatalogError([Problem(shown, exc.line, str(exc))]) from None
    except csv.Error as exc:
        raise CatalogError([Problem(shown, None, f"malformed CSV: {exc}")]) from None


def glossary_problems(english: str, translation: str, terms: tuple[Term, ...]) -> list[str]:
    """Each agreed term the translation misses, and each forbidden rendering it uses."""
    found = []
    for term in terms:
        rest = translation.replace(term.target, "\n")  # "卒中风险" (stroke risk) does not contain 中风
        used = [f for f in term.forbidden if f in rest]
        if used:
            found.append(f"glossary: write {term.target!r} for {term.source!r}, not {used[0]!r}")
        elif term.pattern.search(english) and term.target not in translation:
            found.append(f"glossary: {term.source!r} must be translated as {term.target!r}")
    return found
