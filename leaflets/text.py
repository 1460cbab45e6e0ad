"""Characters a printed leaflet must not contain, whoever wrote the text.

Direction controls (U+202E ... U+202C around "12" prints "21") and invisible characters (U+200B alone
prints a blank disclaimer that a text search still "finds") change what a patient reads without changing
what a reviewer sees in an editor. None of our languages needs them: Arabic and Hebrew direction comes from
``dir="rtl"`` and the Unicode bidirectional algorithm, not from marks in the strings. So fact text, titles,
translations and clinic details are refused if they contain any format (Cf), control (Cc), private-use
(Co), surrogate (Cs) or unassigned (Cn) character, a separator other than the plain and no-break spaces, or
a variation selector, and a string must contain at least one letter or digit.
"""
from __future__ import annotations

import unicodedata

#: Spaces that are allowed: plain, no-break and narrow no-break (French and Russian group digits with them).
_SPACES = frozenset(" \u00a0\u202f")
_REFUSED_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cs", "Cn", "Zl", "Zp"})


def _describe(char: str) -> str:
    name = unicodedata.name(char, "unassigned or control character")
    return f"U+{ord(char):04X} {name}"


def hidden_characters(text: str) -> list[str]:
    """Descriptions (``U+202E RIGHT-TO-LEFT OVERRIDE``) of every refused character in ``text``, once each."""
    found: dict[str, str] = {}
    for char in text:
        if char in found or char == "\n":
            continue
        category = unicodedata.category(char)
        refused = (
            category in _REFUSED_CATEGORIES
            or (category == "Zs" and char not in _SPACES)
            or 0xFE00 <= ord(char) <= 0xFE0F
            or 0xE0100 <= ord(char) <= 0xE01EF
        )
        if refused:
            found[char] = _describe(char)
    return list(found.values())


def has_visible_content(text: str) -> bool:
    """Whether ``text`` has at least one letter or digit (not only spaces, marks and punctuation)."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def text_problem(text: str) -> str | None:
    """Why ``text`` may not be printed, or None."""
    hidden = hidden_characters(text)
    if hidden:
        return (f"contains invisible or direction-changing characters ({', '.join(hidden)}); delete them "
                "(they can reorder or hide what is printed)")
    if not has_visible_content(text):
        return "has no visible letters or digits; write the text"
    return None
