"""The project's own leaflets: built from the real facts and catalogs, read back from the PDF."""
from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from leaflets.config import load_project
from leaflets.facts import load_facts
from leaflets.readiness import Job, translators_for, ui_strings
from leaflets.verify import contains, normalise

from conftest import page_texts, pdf_text

PROJECT = load_project(Path(__file__).resolve().parent.parent)
FACTS = load_facts(PROJECT)


def ready_jobs() -> list[Job]:
    jobs = [Job(d, loc) for d in sorted(FACTS.drugs) for loc in PROJECT.locales]
    return [job for job, verdict in translators_for(PROJECT, FACTS, jobs, ui_strings(PROJECT, FACTS)).items() if not isinstance(verdict, list)]


def test_ruxolitinib_is_complete_in_every_locale() -> None:
    assert {job.locale for job in ready_jobs() if job.drug == "ruxolitinib-cream"} == set(PROJECT.locales)


@pytest.fixture(scope="module")
def built(real_build: Path) -> Path:
    """The real project, built once per session (conftest.real_build)."""
    return real_build


def furniture(pdf: Path, page_of: str) -> re.Pattern[str]:
    """The running head (read from the leaflet's HTML) and the page counter, as they read in the PDF text.

    Right-to-left text is compared word by word instead (see ``verify.contains``), where furniture between
    two words does no harm.
    """
    html_text = (pdf.parent / f"{drug_of(pdf)}.html").read_text(encoding="utf-8")
    head = html.unescape(re.search(r'<div class="running-head"[^>]*>(.*?)</div>', html_text, re.S).group(1))
    pages = str(len(PdfReader(pdf).pages))  # known exactly, so "Page 4 of 13" + "10 mg" stays "10mg"
    parts = {"%(page)s": r"\d+", "%(pages)s": pages}
    counter = "".join(parts.get(p) or re.escape(normalise(p)) for p in re.split(r"(%\(pages?\)s)", page_of))
    return re.compile("|".join([re.escape(normalise(head)), counter, r"[•·]", r"\d+/\d+"]))


def font_names(pdf: Path) -> set[str]:
    """The fonts a PDF uses, from poppler's ``pdffonts`` (faster than walking every page with pypdf)."""
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
    return {line.split()[0] for line in lines[2:]}


def drug_of(path: Path) -> str:
    """The drug key of any of a leaflet's files: ivig.html, ivig.pdf, ivig.large.pdf -> ivig."""
    return path.name.split(".")[0]


def body(text: str, pattern: re.Pattern[str] | None = None) -> str:
    """Normalised text without page furniture (running head, "Page 2 of 11", list bullets), which text
    extraction places inside a fact that runs across a page break."""
    return pattern.sub("", normalise(text)) if pattern else re.sub(r"[•·]|\d+/\d+", "", normalise(text))


def test_every_printed_fact_is_in_the_pdf(built: Path) -> None:
    from babel.messages.pofile import read_po

    catalogs = {}
    for locale in PROJECT.target_locales:
        with PROJECT.po_path(locale).open("rb") as fileobj:
            catalogs[locale] = {m.context: m.string for m in read_po(fileobj) if m.context}
    checked = 0
    for pdf in sorted(built.glob("*/*.pdf")):
        locale, drug = pdf.parent.name, drug_of(pdf)
        strings = catalogs.get(locale, {})
        pattern = furniture(pdf, strings.get("ui.page-of", "Page %(page)s of %(pages)s"))
        text = pattern.sub("", normalise("\n".join(page_texts(pdf))))
        for fact in FACTS.leaflet_facts(drug):
            expected = fact.text if locale == "en" else strings[fact.id]
            assert pattern.sub("", normalise(expected)) in text or contains(text, expected), (locale, drug, fact.id)
            checked += 1
        for rejected in (f for f in FACTS.drugs[drug].facts if not f.verified and f.text):
            assert body(rejected.text) not in text, (drug, rejected.id)
    assert checked > 50


def test_ruxolitinib_key_safety_facts(built: Path) -> None:
    en = normalise(pdf_text((built / "en/ruxolitinib-cream.pdf").read_bytes()))
    for phrase in ("Important safety warning", "Blood clots in the legs", "2 times a day", "24 weeks",
                   "does not replace advice from your doctor or pharmacist"):
        assert normalise(phrase) in en, phrase
    assert normalise("8 weeks") not in en  # the seed's atopic-dermatitis rule was rejected
    zh = normalise(pdf_text((built / "zh_CN/ruxolitinib-cream.pdf").read_bytes()))
    for phrase in ("重要安全警告", "芦可替尼乳膏", "本须知不能代替医生或药师的建议"):
        assert phrase in zh, phrase


def test_chinese_inside_english_leaflets_uses_simplified_font(built: Path) -> None:
    """A Chinese product name in an English leaflet is marked zh-CN, so it is drawn with CJK SC, never JP."""
    html_text = (built / "en/ruxolitinib-cream.html").read_text(encoding="utf-8")
    assert '<span lang="zh-CN">磷酸芦可替尼乳膏</span>' in html_text
    for pdf in sorted(built.glob("*/*.pdf")):
        fonts = font_names(pdf)
        assert not any("JP" in font for font in fonts), (pdf, fonts)
        if pdf.parent.name in ("zh_CN", "ar"):  # no synthetic slant for CJK or Arabic
            assert not any("Oblique" in f or "Italic" in f for f in fonts if "CJK" in f or "Arabic" in f), fonts
    en_fonts = font_names(built / "en/ruxolitinib-cream.pdf")
    assert any("CJK-SC" in font for font in en_fonts), en_fonts


@pytest.mark.parametrize("locale", PROJECT.target_locales)
def test_catalog_passes_msgfmt_and_pybabel_compile(locale: str, tmp_path: Path) -> None:
    """Translators' own tools accept every catalog as it is (pybabel reads '98% of' as a placeholder)."""
    import subprocess
    import sys

    po = str(PROJECT.po_path(locale))
    assert subprocess.run(["msgfmt", "--check", "-o", "/dev/null", po], capture_output=True).returncode == 0
    done = subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-l", locale, "-i", po,
                           "-o", str(tmp_path / "leaflets.mo")], capture_output=True, text=True)
    assert done.returncode == 0 and "error" not in done.stderr, done.stderr
