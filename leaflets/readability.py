"""How hard each English leaflet is to read: grade, longest sentences, unexplained technical words.

The English text is the source every translation follows, so it is measured here, with textstat (a
maintained library; version 0.7.4 counts syllables with pyphen and needs no download, where later
versions fetch a dictionary at run time). The target, grade 8, is justified in docs/readability.md.

A technical word is one of three or more syllables outside the Dale-Chall list of familiar words
(textstat's "difficult words"), that is not a name the leaflet must use (drug, brand, company) and that
is never explained in brackets in the leaflet: "thrombosis" is explained by "blood clots (thrombosis)"
or "thrombosis (blood clots)".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from leaflets.facts import Fact, FactBase

TARGET_GRADE = 8.0
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")
_BRACKETED = re.compile(r"\(([^()]*)\)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
#: Long but everyday words that the Dale-Chall list happens to miss.
_PLAIN = frozenset("""ability abnormal advises affected application applications applying average benefits
comfortable condition conditions confidence developing easily elderly exactly generally especially
important information medicine medicines usually regularly immediately""".split())


@dataclass
class Readability:
    """The reading measures of one English leaflet."""

    drug: str
    grade: float
    words: int
    longest: list[tuple[int, str, str]] = field(default_factory=list)  # (words, fact id, sentence)
    unexplained: list[tuple[str, int]] = field(default_factory=list)  # (word, times used)

    @property
    def on_target(self) -> bool:
        return self.grade <= TARGET_GRADE


def measure(facts: FactBase, drug: str, longest: int = 3, terms: int = 15) -> Readability:
    """Measure the facts a drug's leaflet prints (the English source text)."""
    import textstat  # imported here: only this command needs it

    printed = facts.leaflet_facts(drug)
    text = " ".join(f.text or "" for f in printed)
    sentences = [(len(s.split()), f.id, s) for f in printed for s in _SENTENCE.split(f.text or "")]
    sentences.sort(key=lambda item: (-item[0], item[1]))
    names = _names(facts, drug) | _proper_nouns(printed) | _PLAIN
    explained = _explained(printed)
    counts: dict[str, int] = {}
    for word in textstat.difficult_words_list(text, 3):
        for found in _WORD.findall(word):
            key = found.lower()
            if key not in names and key not in explained:
                counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:terms]
    return Readability(drug, float(textstat.flesch_kincaid_grade(text)), textstat.lexicon_count(text),
                       sentences[:longest], ranked)


def _names(facts: FactBase, drug: str) -> set[str]:
    """Words of the drug's names, which must be used as they are."""
    names = facts.drugs[drug].names
    words: set[str] = set()
    for value in names.values():
        for item in value if isinstance(value, list) else [value]:
            words.update(w.lower() for w in _WORD.findall(str(item)))
    return words


def _proper_nouns(printed: list[Fact]) -> set[str]:
    """Words written with a capital inside a sentence (Amsterdam, Commission): names, not jargon."""
    found: set[str] = set()
    for fact in printed:
        for match in re.finditer(r"(?<=[a-z,;:)] )[A-Z][a-z]+", fact.text or ""):
            found.add(match.group().lower())
    return found


def _explained(printed: list[Fact]) -> set[str]:
    """Words explained in brackets somewhere in the leaflet: inside the brackets, or just before them."""
    words: set[str] = set()
    for fact in printed:
        text = fact.text or ""
        for match in _BRACKETED.finditer(text):
            words.update(w.lower() for w in _WORD.findall(match.group(1)))
            before = _WORD.findall(text[max(0, match.start() - 60):match.start()])
            words.update(w.lower() for w in before[-3:])
    return words


def report(facts: FactBase) -> list[Readability]:
    """Every drug's leaflet, in drug order."""
    return [measure(facts, drug) for drug in sorted(facts.drugs)]


def render_report(results: list[Readability]) -> str:
    """The report as plain text, one block per leaflet."""
    lines = [f"target: Flesch-Kincaid grade {TARGET_GRADE:g} or lower (see docs/readability.md)", ""]
    for result in results:
        verdict = "ok" if result.on_target else "ABOVE TARGET"
        lines.append(f"{result.drug}: grade {result.grade:.1f} ({verdict}), {result.words} words")
        lines.append("  longest sentences:")
        lines += [f"    {n} words, {fact_id}: {sentence}" for n, fact_id, sentence in result.longest]
        terms = ", ".join(f"{word} ({count})" if count > 1 else word for word, count in result.unexplained)
        lines.append(f"  technical words never explained in brackets: {terms or 'none'}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
