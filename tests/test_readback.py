"""The read-back check (verify.missing_texts) on PDFs printed by pdf.html_to_pdf: what it must find, it finds,
in every script; what is not printed, it reports."""
from __future__ import annotations

from pathlib import Path

import pytest

from leaflets.pdf import html_to_pdf
from leaflets.verify import missing_texts

ROOT = Path(__file__).resolve().parent.parent
#: Arabic with shadda and damma (poppler's content-order mode cuts words there), a Latin run and a number.
ARABIC = "لا تُغني هذه النشرة عن نصيحة طبيبك (IVIG). فاتّبع تعليمات طبيبك بدوائك، 2 مرات."
CHINESE = "本说明书不能代替医生或药师的建议（IVIG）。"


def _pdf(body: str, lang: str, direction: str = "ltr") -> bytes:
    style = (ROOT / "templates" / "leaflet.css").read_text(encoding="utf-8")  # with the DRAFT mark's rotation
    html = (f'<html lang="{lang}" dir="{direction}"><head><title>t</title><style>{style}</style></head>'
            f'<body><div class="watermark">DRAFT</div><p>{body}</p></body></html>')
    return html_to_pdf(html, ROOT / "templates", "test")


@pytest.mark.parametrize(("body", "lang", "direction"), [
    (ARABIC, "ar", "rtl"), (CHINESE, "zh-CN", "ltr"), ("Do not use after 28 days (IVIG).", "en", "ltr")])
def test_printed_text_is_found(body: str, lang: str, direction: str) -> None:
    pdf = _pdf(body, lang, direction)
    assert missing_texts(pdf, [body, "DRAFT"]) == []


def test_text_that_is_not_printed_is_reported() -> None:
    pdf = _pdf(ARABIC, "ar", "rtl")
    absent = ["لا تستخدم هذا الدواء", "本药不得使用", "Keep out of reach", "   ", "\u200f"]
    assert missing_texts(pdf, [ARABIC, *absent]) == absent


def test_an_unreadable_pdf_misses_everything() -> None:
    assert missing_texts(b"%PDF-1.7 not a PDF", ["anything"]) == ["anything"]
