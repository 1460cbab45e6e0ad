"""Read written leaflets back and check what a patient must see is really in them.

The PDF text is compared after removing white space and Unicode format characters, because line breaks
and Arabic shaping marks land between any two letters in extracted text.
"""
from __future__ import annotations

import unicodedata
from io import BytesIO

from pypdf import PdfReader
from pypdf.errors import PdfReadError


def normalise(text: str) -> str:
    """Text without white space or format characters (Cf), in NFKC form."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def pdf_text(pdf: bytes) -> str:
    """All text of a PDF, page by page."""
    reader = PdfReader(BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def missing_texts(pdf: bytes, required: list[str]) -> list[str]:
    """The ``required`` texts that cannot be found in the PDF (all of them if it cannot be read).

    A text with nothing left after normalising (only spaces or invisible characters) counts as missing:
    the empty string is "found" in any PDF, which once let a blank disclaimer through.
    """
    try:
        found = normalise(pdf_text(pdf))
    except (PdfReadError, ValueError, KeyError, TypeError):
        return list(required)
    return [text for text in required if not normalise(text) or normalise(text) not in found]
