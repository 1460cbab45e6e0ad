"""Read written leaflets back and check what a patient must see is really in them.

The PDF text is compared after removing white space and Unicode format characters, because line breaks
and Arabic shaping marks land between any two letters in extracted text.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata

from leaflets.errors import SystemDependencyError


def normalise(text: str) -> str:
    """Text without white space or format characters (Cf), in NFKC form."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def poppler_text(pdf: bytes, raw: bool = True) -> str:
    """All text of a PDF as poppler's ``pdftotext`` reads it (0.05 s a leaflet; pypdf takes 0.8 s).

    ``raw`` reads in content order, so rotated text such as the DRAFT mark is kept (the default mode drops
    it), but it cuts right-to-left words at combining marks (shadda, damma) into pieces in visual order;
    the default mode puts such words back together. Raises ``ValueError`` if poppler cannot read the PDF.
    """
    if shutil.which("pdftotext") is None:
        raise SystemDependencyError("poppler's pdftotext is missing, which the read-back check needs; "
                                    "fix: apt-get install -y poppler-utils (or run 'make leaflets' as root)")
    mode = ["-raw"] if raw else []
    done = subprocess.run(["pdftotext", "-q", *mode, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=False)
    if done.returncode != 0:
        raise ValueError(f"pdftotext exit code {done.returncode}")
    return done.stdout.decode("utf-8", errors="replace")


def missing_texts(pdf: bytes, required: list[str]) -> list[str]:
    """The ``required`` texts that cannot be found in the PDF (all of them if it cannot be read).

    Poppler reads in content order first; only when a right-to-left text seems missing is the PDF read
    again in poppler's reading-order mode (see ``poppler_text``), and a text must be found by one of them.
    A text with nothing left after normalising (only spaces or invisible characters) counts as missing:
    the empty string is "found" in any PDF, which once let a blank disclaimer through.
    """
    try:
        found = normalise(poppler_text(pdf))
        missing = [text for text in required if not contains(found, text)]
        if any(_RTL.search(text) for text in missing):
            found = normalise(poppler_text(pdf, raw=False))
            missing = [text for text in missing if not contains(found, text)]
    except ValueError:
        return list(required)
    return missing


_RTL_LETTERS = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff"  # Hebrew, Arabic and their presentation forms
_RTL = re.compile(f"[{_RTL_LETTERS}]")
#: Words split by script and digits apart: "و2019" and "وJAK" print as "2019 و" and "JAK و".
_WORDS = re.compile(rf"[{_RTL_LETTERS}]+|[^\W\d_{_RTL_LETTERS}]+|\d+")
#: Punctuation inside the right-to-left range (the Arabic comma): poppler may print it apart from its word.
_PUNCTUATION = re.compile(r"\W")


def _bare(text: str) -> str:
    """Normalised text without combining marks (Arabic vowel signs land apart from their letter)."""
    return "".join(c for c in normalise(text) if unicodedata.category(c) != "Mn")


def contains(found: str, text: str) -> bool:
    """Whether the normalised text ``found`` contains ``text`` (never when ``text`` is blank).

    Right-to-left text is extracted line by line in visual order: a Latin run ("(IVIG)") comes out
    before the Arabic it follows, with its brackets mirrored. There, every word of ``text`` must be
    found instead.
    """
    wanted = normalise(text)
    if not wanted:
        return False
    if wanted in found:
        return True
    if not _RTL.search(text):
        return False
    bare = _bare(found)
    words = [word for word in (_PUNCTUATION.sub("", _bare(w)) for w in _WORDS.findall(text)) if word]
    return bool(words) and all(word in bare for word in words)
