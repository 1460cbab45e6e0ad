"""Translation checks that decide whether a leaflet may be printed in a locale.

A leaflet is printed only if every string it uses is translated, not fuzzy, made from the current English
text, and passes QA: the same numbers by value (so "2 times a day" cannot become "3"), the same
placeholders, the drug's names kept, and not left in English. The result is either a ``Translator`` that
cannot miss, or the full list of problems, each naming the locale, the message context and the .po line.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from babel import Locale

from leaflets.catalog import PLACEHOLDER, Entry
from leaflets.errors import Problem
from leaflets.glossary import Term, glossary_problems
from leaflets.numbers import located_numbers, misplaced, numbers, sentences, unmatched, word_numbers
from leaflets.text import text_problem

__all__ = ["Needed", "Translator", "check_entry", "check_translations", "numbers"]
#: Translator comments that record a reviewer's decision; each is tied to the text it approved.
NUMBERS_REVIEWED = "numbers-reviewed:"
SAME_AS_ENGLISH = "same-as-english: reviewed"
#: How alike (0..1, difflib) a translation may be to the English before it counts as left in English.
NEAR_COPY = 0.9
#: Languages not written in Latin letters: a translation that is mostly Latin letters is left in English.
_NON_LATIN = frozenset({"zh", "ja", "ko", "ar", "fa", "he", "ru", "uk", "bg", "el", "hi", "th"})
_URL = re.compile(r"https?://\S+")
#: ASCII , ; : ? ! touching a CJK character on either side.
_ASCII_IN_CJK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])[,;:?!]|[,;:?!](?=[\u3000-\u9fff\uff00-\uffef])")

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


def check_entry(needed: Needed, entry: Entry | None, locale: str, path: Path,
                terms: tuple[Term, ...] = ()) -> list[Problem]:
    """Every reason ``entry`` may not be printed for ``needed``; empty when it may."""
    where = f"{locale}: {needed.context}"
    if entry is None:
        return [Problem(path, None, f"{where}: missing from the catalog; run 'leaflets i18n update' and "
                                    "translate it", "missing")]
    if entry.msgid != needed.english:
        return [Problem(path, entry.line, f"{where}: the English text has changed since the catalog was "
                                          "updated; run 'leaflets i18n update' and review the fuzzy entry",
                        "changed")]
    if entry.fuzzy:
        return [Problem(path, entry.line, f"{where}: translation is fuzzy; review it against the new English "
                                          "and remove the fuzzy flag", "fuzzy")]
    if not entry.msgstr.strip():
        return [Problem(path, entry.line, f"{where}: not translated", "untranslated")]
    if problem := text_problem(entry.msgstr):
        return [Problem(path, entry.line, f"{where}: translation {problem}", "hidden-characters")]
    found = [("numbers", m) for m in _number_problems(needed.english, entry, locale)]
    found += [("placeholders", m) for m in _format_problems(needed.english, entry.msgstr)]
    found += [("names", f"the translation must contain the name {name!r} (glossary)")
              for name in needed.keep if name not in entry.msgstr]
    found += [("english", m) for m in _english_left(needed, entry, locale)]
    found += [("glossary", m) for m in glossary_problems(needed.english, entry.msgstr, terms)]
    found += [("punctuation", m) for m in _punctuation_problems(entry.msgstr, locale)]
    return [Problem(path, entry.line, f"{where}: {message}", check) for check, message in found]


def _number_problems(english_text: str, entry: Entry, locale: str) -> list[str]:
    """Numbers must match by value, and each must stay with its unit and in its sentence.

    Moving a number is allowed only where a reviewer wrote ``# numbers-reviewed: <the translation's
    numbers in order>``; the comment stops counting as soon as the numbers of the translation change.
    """
    ours, theirs = located_numbers(english_text), located_numbers(entry.msgstr, locale)
    english, translated = Counter(n.value for n in ours), Counter(n.value for n in theirs)
    if unmatched(english, english_text, translated, entry.msgstr, locale):
        english += word_numbers(english_text)
        return [f"numbers differ from the English: {_show(english)} in English, {_show(translated)} in the "
                "translation"]
    if translated != english:  # matched through number words: units and sentences are not compared
        return []
    same_sentences = len(sentences(english_text)) == len(sentences(entry.msgstr))
    moved = misplaced(ours, theirs, same_sentences)
    order = ", ".join(str(n.value) for n in theirs)
    if not moved or f"{NUMBERS_REVIEWED} {order}" in entry.comments:
        return []
    return [f"numbers moved away from what they count: {'; '.join(moved)}; fix the translation, or if it is "
            f"right add the translator comment '# {NUMBERS_REVIEWED} {order}'"]


def _format_problems(english: str, translated: str) -> list[str]:
    """Placeholders must be the same, and the translation must format without error."""
    wanted = PLACEHOLDER.findall(english)
    if Counter(PLACEHOLDER.findall(translated)) != Counter(wanted):
        return [f"placeholders differ from the English {sorted(set(wanted))}"]
    if wanted:
        try:
            translated % {name[2:-2]: "1" for name in wanted}
        except (ValueError, TypeError, KeyError) as exc:
            return [f"not a valid format string ({exc}); write a literal percent sign as '%%'"]
    return []


def _english_left(needed: Needed, entry: Entry, locale: str) -> list[str]:
    """A translation that is (nearly) the English, or mostly Latin letters in a non-Latin language."""
    if SAME_AS_ENGLISH in entry.comments or not _LATIN_WORD.search(needed.english):
        return []
    ours, theirs = _letters(needed.english), _letters(entry.msgstr)
    matcher = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
    if matcher.real_quick_ratio() >= NEAR_COPY and matcher.ratio() >= NEAR_COPY:
        return [f"translation is (nearly) identical to the English; translate it, or if the English is right "
                f"in this language add the translator comment '# {SAME_AS_ENGLISH}'"]
    if Locale.parse(locale).language in _NON_LATIN:
        rest = PLACEHOLDER.sub("", _URL.sub("", entry.msgstr))
        for name in needed.keep:
            rest = rest.replace(name, "")
        letters = [c for c in rest if c.isalpha()]
        latin = sum("LATIN" in unicodedata.name(c, "") for c in letters)
        if letters and latin > len(letters) / 2:
            return [f"translation is mostly Latin letters ({latin} of {len(letters)}); translate it"]
    return []


def _punctuation_problems(text: str, locale: str) -> list[str]:
    """Chinese and Japanese text takes full-width punctuation: an ASCII comma between two Chinese
    words is a typing slip that a reader notices at once."""
    if Locale.parse(locale).language not in ("zh", "ja"):
        return []
    slips = sorted(set(_ASCII_IN_CJK.findall(text)))
    if not slips:
        return []
    return [f"ASCII punctuation {' '.join(repr(s) for s in slips)} inside Chinese text; use the full-width "
            "forms (，；：？！)"]


def _letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def _show(values: Counter[Decimal]) -> str:
    return "[" + ", ".join(str(v) for v in sorted(values.elements())) + "]" if values else "none"


def check_translations(needed: list[Needed], entries: dict[str, Entry], locale: str, path: Path,
                       draft: bool = False, terms: tuple[Term, ...] = ()) -> tuple[Translator | None, list[Problem]]:
    """Check every needed string; a translator only when there is no problem at all.

    With ``draft`` a translator is always returned, using the English for every string with a problem;
    the caller must watermark what it prints and keep it away from release output.
    """
    problems: list[Problem] = []
    strings: dict[str, str] = {}
    for item in needed:
        found = check_entry(item, entries.get(item.context), locale, path, terms)
        problems.extend(found)
        strings[item.context] = item.english if found else entries[item.context].msgstr
    if problems and not draft:
        return None, problems
    return Translator(locale, strings), problems
