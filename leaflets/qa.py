"""Translation checks that decide whether a leaflet may be printed in a locale.

A leaflet is printed only if every string it uses is translated, not fuzzy, made from the current English
text, and passes QA: the same numbers by value (so "2 times a day" cannot become "3"), the same
placeholders, the drug's names kept, and not left in English. The result is either a ``Translator`` that
cannot miss, or the full list of problems, each naming the locale, the message context and the .po line.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale

from leaflets.catalog import PLACEHOLDER, Entry
from leaflets.errors import Problem

_LATIN_WORD = re.compile(r"[A-Za-z]{4,}")


@dataclass(frozen=True)
class Needed:
    """One string a leaflet uses: its context, the current English, and names it must keep."""

    context: str
    english: str
    keep: tuple[str, ...] = ()


class Translator:
    """Context -> translated text for one locale, built only from strings that passed QA."""

    def __init__(self, locale: str, strings: dict[str, str]) -> None:
        self.locale = locale
        self._strings = strings

    def __call__(self, context: str, english: str) -> str:
        try:
            return self._strings[context]
        except KeyError:
            raise KeyError(f"{self.locale}: {context!r} was not checked before rendering") from None


@lru_cache(maxsize=16)
def _month_names(locale: str) -> tuple[re.Pattern[str], dict[str, int]]:
    """Month names of ``locale`` (CLDR, via Babel) -> month number; longest first, so 十二月 beats 二月."""
    names: dict[str, int] = {}
    months = Locale.parse(locale).months
    for context in ("format", "stand-alone"):
        for number, name in months[context]["wide"].items():
            names[name] = number
    pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    if Locale.parse(locale).language in ("zh", "ja"):  # no spaces between words: no word boundaries
        return re.compile(pattern), names
    # Case matters: "May" is a month, "may" is not (CLDR spells months as they are written in text).
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)"), names


@lru_cache(maxsize=16)
def _number_pattern(locale: str) -> tuple[re.Pattern[str], str]:
    """A number as ``locale`` writes it (CLDR group and decimal signs, Latin or Arabic-Indic)."""
    symbols = Locale.parse(locale).number_symbols
    groups = {symbols["latn"]["group"], "\u066c"}
    decimals = {symbols["latn"]["decimal"], "\u066b"}
    if groups & {"\u202f", "\xa0"}:  # French and Russian: any no-break space groups digits
        groups |= {"\u202f", "\xa0"}
    group, decimal = "".join(sorted(groups)), "".join(sorted(decimals))
    pattern = re.compile(rf"\d+(?:[{re.escape(group)}]\d{{3}}(?!\d))*(?:[{re.escape(decimal)}]\d+)?")
    return pattern, decimal


def numbers(text: str, locale: str = "en") -> Counter[Decimal]:
    """The numbers in ``text`` by value, as ``locale`` writes them, in Latin or Arabic-Indic digits.

    "1,000" is one thousand in English and "1,5" is one and a half in French; a month written as a name
    counts as its number, so "30 January 2026" matches "2026年1月30日".
    """
    found: Counter[Decimal] = Counter()
    pattern, decimal = _number_pattern(locale)
    for match in pattern.finditer(text):
        digits = "".join(
            str(unicodedata.decimal(c)) if c.isdigit() else "." if c in decimal else "" for c in match.group()
        )
        found[Decimal(digits)] += 1
    pattern, names = _month_names(locale)
    for match in pattern.finditer(text):
        found[Decimal(names[match.group()])] += 1
    return found


def check_entry(needed: Needed, entry: Entry | None, locale: str, path: Path) -> list[Problem]:
    """Every reason ``entry`` may not be printed for ``needed``; empty when it may."""
    where = f"{locale}: {needed.context}"
    if entry is None:
        return [Problem(path, None, f"{where}: missing from the catalog; run 'leaflets i18n update' and "
                                    "translate it")]
    if entry.msgid != needed.english:
        return [Problem(path, entry.line, f"{where}: the English text has changed since the catalog was "
                                          "updated; run 'leaflets i18n update' and review the fuzzy entry")]
    if entry.fuzzy:
        return [Problem(path, entry.line, f"{where}: translation is fuzzy; review it against the new English "
                                          "and remove the fuzzy flag")]
    if not entry.msgstr.strip():
        return [Problem(path, entry.line, f"{where}: not translated")]
    problems = []
    english, translated = numbers(needed.english), numbers(entry.msgstr, locale)
    if translated != english:
        problems.append(Problem(path, entry.line, f"{where}: numbers differ from the English: "
                                                  f"{_show(english)} in English, {_show(translated)} in the "
                                                  "translation"))
    if Counter(PLACEHOLDER.findall(entry.msgstr)) != Counter(PLACEHOLDER.findall(needed.english)):
        problems.append(Problem(path, entry.line, f"{where}: placeholders differ from the English "
                                                  f"{sorted(set(PLACEHOLDER.findall(needed.english)))}"))
    for name in needed.keep:
        if name not in entry.msgstr:
            problems.append(Problem(path, entry.line, f"{where}: the translation must contain the name "
                                                      f"{name!r} (glossary)"))
    if entry.msgstr.strip() == needed.english.strip() and _LATIN_WORD.search(needed.english):
        problems.append(Problem(path, entry.line, f"{where}: translation is identical to the English"))
    return problems


def _show(values: Counter[Decimal]) -> str:
    return "[" + ", ".join(str(v) for v in sorted(values.elements())) + "]" if values else "none"


def check_translations(needed: list[Needed], entries: dict[str, Entry], locale: str, path: Path,
                       draft: bool = False) -> tuple[Translator | None, list[Problem]]:
    """Check every needed string; a translator only when there is no problem at all.

    With ``draft`` a translator is always returned, using the English for every string with a problem;
    the caller must watermark what it prints and keep it away from release output.
    """
    problems: list[Problem] = []
    strings: dict[str, str] = {}
    for item in needed:
        found = check_entry(item, entries.get(item.context), locale, path)
        problems.extend(found)
        strings[item.context] = item.english if found else entries[item.context].msgstr
    if problems and not draft:
        return None, problems
    return Translator(locale, strings), problems
