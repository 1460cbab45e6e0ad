"""Numbers in leaflet text: their value, the unit they count and the sentence they stand in.

A translation must keep every number (by value, in any digits), and keep each with what it counts: the
English "2 times a day ... 8 hours apart" must not become "8 times a day ... 2 hours apart", which has the
same numbers. So each number is read with the unit word that follows it (``2 times``, ``8小时``), looked up
in a small per-language table, and with the index of its sentence. Numbers whose unit is not in the table
(or that are part of a date) match any unit: the check refuses only what it can show to be moved.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale

#: Unit words by the quantity they count, per language. Longest words are tried first.
UNITS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "times": ("times", "time"), "hour": ("hours", "hour"), "day": ("days", "day"),
        "week": ("weeks", "week"), "month": ("months", "month"), "year": ("years", "year"),
        "percent": ("%",), "mg": ("mg",), "g": ("grams", "gram", "g"), "ml": ("ml", "mL"), "kg": ("kg",),
        "degree": ("°C",), "people": ("people", "persons", "person", "patients"),
    },
    "zh": {
        "times": ("次",), "hour": ("个小时", "小时"), "day": ("天", "日"), "week": ("个星期", "星期", "周"),
        "month": ("个月", "月"), "year": ("岁", "年"), "percent": ("%", "％"), "mg": ("mg", "毫克"),
        "g": ("g", "克"), "ml": ("ml", "mL", "毫升"), "kg": ("kg", "公斤", "千克"), "degree": ("°C", "℃"),
        "people": ("人", "名", "例"),
    },
    "es": {
        "times": ("veces", "vez"), "hour": ("horas", "hora"), "day": ("días", "día"), "week": ("semanas", "semana"),
        "month": ("meses", "mes"), "year": ("años", "año"), "percent": ("%",), "mg": ("mg",),
        "g": ("gramos", "gramo", "g"), "ml": ("ml", "mL"), "kg": ("kg",), "degree": ("°C",),
        "people": ("personas", "persona", "pacientes"),
    },
    "fr": {
        "times": ("fois",), "hour": ("heures", "heure"), "day": ("jours", "jour"), "week": ("semaines", "semaine"),
        "month": ("mois",), "year": ("années", "année", "ans", "an"), "percent": ("%",), "mg": ("mg",),
        "g": ("grammes", "gramme", "g"), "ml": ("ml", "mL"), "kg": ("kg",), "degree": ("°C",),
        "people": ("personnes", "personne", "patients"),
    },
    "ru": {
        "times": ("раза", "раз"), "hour": ("часов", "часа", "час"), "day": ("дней", "дня", "день"),
        "week": ("недель", "недели", "неделю", "неделя"), "month": ("месяцев", "месяца", "месяц"),
        "year": ("лет", "года", "год"), "percent": ("%",), "mg": ("мг", "mg"), "g": ("г", "g"),
        "ml": ("мл", "ml"), "kg": ("кг", "kg"), "degree": ("°C",), "people": ("человек", "пациентов"),
    },
    "ar": {
        "times": ("مرات", "مرة"), "hour": ("ساعات", "ساعة"), "day": ("أيام", "يومًا", "يوم"),
        "week": ("أسابيع", "أسبوعًا", "أسبوع"), "month": ("أشهر", "شهرًا", "شهر"),
        "year": ("سنوات", "أعوام", "عامًا", "عام", "سنة"), "percent": ("%", "٪"), "mg": ("ملغ", "mg"),
        "g": ("غرامات", "غرام", "g"), "ml": ("مل", "ml"), "kg": ("كغ", "kg"), "degree": ("°C", "°م"),
        "people": ("أشخاص", "شخص"),
    },
}
#: Sentence ends: Latin, CJK and Arabic full stops, question and exclamation marks.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|(?<=[。！？؟])")


@dataclass(frozen=True)
class Number:
    """A number found in a text: its value, the unit it counts (None if unknown) and its sentence."""

    value: Decimal
    unit: str | None
    sentence: int


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


@lru_cache(maxsize=16)
def _unit_pattern(locale: str) -> tuple[re.Pattern[str], dict[str, str]] | None:
    table = UNITS.get(Locale.parse(locale).language)
    if table is None:
        return None
    words = {word: unit for unit, spelled in table.items() for word in spelled}
    pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # Chinese writes the next word straight after the unit ("2次涂药"); elsewhere a unit ends a word.
    end = "(?![A-Za-z])" if Locale.parse(locale).language == "zh" else r"(?!\w)"
    return re.compile(rf"[ \u00a0\u202f]?({pattern}){end}"), words


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (after ., !, ? followed by a space, and after 。！？؟)."""
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


def located_numbers(text: str, locale: str = "en") -> list[Number]:
    """Every number in ``text`` with the unit that follows it and the index of its sentence."""
    units = _unit_pattern(locale)
    digits, decimal = _number_pattern(locale)
    months, names = _month_names(locale)
    found = []
    for index, sentence in enumerate(sentences(text)):
        for match in digits.finditer(sentence):
            unit = None
            if units and (after := units[0].match(sentence, match.end())):
                unit = units[1][after.group(1)]
            found.append(Number(_value(match.group(), decimal), unit, index))
        found.extend(Number(Decimal(names[m.group()]), None, index) for m in months.finditer(sentence))
    return found


def _value(written: str, decimal: str) -> Decimal:
    digits = "".join(str(unicodedata.decimal(c)) if c.isdigit() else "." if c in decimal else "" for c in written)
    return Decimal(digits)


def numbers(text: str, locale: str = "en") -> Counter[Decimal]:
    """The numbers in ``text`` by value, as ``locale`` writes them, in Latin or Arabic-Indic digits.

    "1,000" is one thousand in English and "1,5" is one and a half in French; a month written as a name
    counts as its number, so "30 January 2026" matches "2026年1月30日".
    """
    return Counter(n.value for n in located_numbers(text, locale))


#: Number words num2words does not give: other genders and cases, and "twice"-style words.
_EXTRA_WORDS: dict[str, dict[str, int]] = {
    "en": {"once": 1, "twice": 2},
    "es": {"un": 1, "una": 1},
    "fr": {"une": 1},
    "ru": {"одна": 1, "одно": 1, "одного": 1, "одной": 1, "две": 2, "двух": 2, "трёх": 3, "трех": 3,
           "четырёх": 4, "четырех": 4, "пяти": 5, "шести": 6, "семи": 7, "восьми": 8, "девяти": 9, "десяти": 10},
    "ar": {"واحدة": 1, "اثنين": 2, "اثنتان": 2, "اثنتين": 2, "مرتين": 2, "مرتان": 2, "ثلاث": 3, "أربع": 4,
           "خمس": 5, "ست": 6, "سبع": 7, "ثماني": 8, "تسع": 9, "عشر": 10,
           # the dual of a unit says "two" by itself: two days, hours, weeks, months, years
           "يومين": 2, "يومان": 2, "ساعتين": 2, "ساعتان": 2, "أسبوعين": 2, "أسبوعان": 2, "شهرين": 2,
           "شهران": 2, "عامين": 2, "عامان": 2, "سنتين": 2, "سنتان": 2},
    "zh": {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10},
}
#: English words that are not always counts ("one of them", "once you start"): they may be matched by a
#: number in the translation, but need not be.
_OPTIONAL_EN = frozenset({"one", "once"})


@lru_cache(maxsize=16)
def _word_pattern(locale: str) -> tuple[re.Pattern[str], dict[str, int]] | None:
    """Small counts written as words in ``locale`` (1 to 12, from num2words, plus _EXTRA_WORDS)."""
    language = Locale.parse(locale).language
    words = dict(_EXTRA_WORDS.get(language, {}))
    if language != "zh":
        from num2words import num2words

        try:
            words.update({num2words(n, lang=language): n for n in range(1, 13)})
        except NotImplementedError:
            pass
    if not words:
        return None
    pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    if language == "zh":  # only before a measure word: 一些 (some) and 一般 (usually) are not counts
        return re.compile(rf"(?:{pattern})(?=[次种个侧周天岁年月日小时人片支瓶名例倍项条])"), words
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE), words


def word_numbers(text: str, locale: str = "en") -> Counter[Decimal]:
    """Small counts written as words ("twice", "dos", "два", "اثنين", "两"), by value."""
    found: Counter[Decimal] = Counter()
    words = _word_pattern(locale)
    if words:
        for match in words[0].finditer(text):
            found[Decimal(words[1][match.group().lower()])] += 1
    return found


def unmatched(english: Counter[Decimal], english_text: str, translated: Counter[Decimal], translated_text: str,
              locale: str) -> bool:
    """Whether the numbers of two texts fail to match by value (``english`` and ``translated`` are their
    digits and months, as ``numbers`` counts them).

    Every number the English states (digits, months, and count words such as "twice") must be found in
    the translation, as digits or as a word; every number the translation writes in digits must be found
    in the English. Number words in the translation are never extra: "une crème" is an article, not a 1.
    """
    required = Counter(english)
    optional: Counter[Decimal] = Counter()
    pattern = _word_pattern("en")
    assert pattern is not None
    for match in pattern[0].finditer(english_text):
        word = match.group().lower()
        (optional if word in _OPTIONAL_EN else required)[Decimal(pattern[1][word])] += 1
    words = word_numbers(translated_text, locale)
    return any(required[v] > translated[v] + words[v] or translated[v] > required[v] + optional[v]
               for v in set(required) | set(translated))


def misplaced(english: list[Number], translated: list[Number], same_sentences: bool) -> list[str]:
    """How the translation moved numbers away from what they count (empty when it did not).

    Assumes the same numbers by value. A number's known unit must be matched by the same unit, or by a
    number of unknown unit; when both texts have as many sentences (``same_sentences``), each sentence
    must keep its own numbers.
    """
    found = []
    for value in sorted({n.value for n in english}):
        ours = Counter(n.unit for n in english if n.value == value)
        theirs = Counter(n.unit for n in translated if n.value == value)
        common = Counter({u: min(ours[u], theirs[u]) for u in ours if u})
        ours_left, theirs_left = ours - common, theirs - common
        known = sum(c for u, c in theirs_left.items() if u)
        if known > ours_left[None] or sum(c for u, c in ours_left.items() if u) > theirs_left[None]:
            found.append(f"{value} counts {_units(ours)} in English but {_units(theirs)} in the translation")
    if same_sentences and not found:
        for index in sorted({n.sentence for n in english} | {n.sentence for n in translated}):
            ours = sorted(n.value for n in english if n.sentence == index)
            theirs = sorted(n.value for n in translated if n.sentence == index)
            if ours != theirs:
                found.append(f"sentence {index + 1} has {_list(ours)} in English but {_list(theirs)} in the "
                             "translation")
    return found


def _units(units: Counter[str | None]) -> str:
    return " and ".join(sorted(f"{count}× {unit or 'something'}" if count > 1 else (unit or "something")
                               for unit, count in units.items()))


def _list(values: list[Decimal]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"
