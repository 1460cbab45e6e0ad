"""Every PDF variant of every real leaflet, opened and measured: page size, smallest type, PDF/UA, outline,
and the boxed warning kept on one page. The lists grow with the project's medicines and locales."""
from __future__ import annotations

import math
import re
import subprocess
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.pofile import read_po
from pypdf import PdfReader

from leaflets.config import load_project
from leaflets.facts import load_facts
from leaflets.render import language_tag
from leaflets.verify import contains, normalise

from conftest import page_texts

ROOT = Path(__file__).resolve().parent.parent
PROJECT = load_project(ROOT)
FACTS = load_facts(PROJECT)
#: Page size in points, and the smallest type allowed anywhere on the page.
PAGE = {"a4": (595, 842), "letter": (612, 792), "large": (595, 842)}
SMALLEST = {"a4": 8.0, "letter": 8.0, "large": 16.0}
SECTIONS = ("what-it-is", "before-use", "how-to-use", "side-effects", "storage", "other-information")

pytestmark = pytest.mark.slow


def pdfs(out: Path) -> list[tuple[str, str, str, Path]]:
    """(drug, locale, variant, path) of every PDF in the build."""
    found = []
    for path in sorted(out.glob("*/*.pdf")):
        drug, *rest = path.name[:-len(".pdf")].split(".")
        found.append((drug, path.parent.name, rest[0] if rest else "a4", path))
    return found


def strings(locale: str) -> dict[str, str]:
    """Translated strings by context; the English of the templates for the source locale."""
    po = PROJECT.po_path(locale) if locale != PROJECT.source_locale else PROJECT.pot_path
    with po.open("rb") as fileobj:
        return {m.context: (m.string or m.id) for m in read_po(fileobj) if m.context}


@cache
def reader_of(path: Path) -> PdfReader:
    """One parsed PDF per path for all tests of this module (parsing is most of their time)."""
    return PdfReader(path)


def fonts(path: Path) -> list[tuple[str, str, str]]:
    """(name, embedded, subset) of every font, from poppler's ``pdffonts``."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    return [(line.split()[0], *line.split()[-5:-3]) for line in lines[2:]]


def type_sizes(reader: PdfReader) -> Counter[float]:
    """Glyph runs drawn per effective type size (points), from the pages' content streams.

    WeasyPrint writes one operator per line, so a line scanner that follows ``q``/``Q``/``cm`` and
    ``Tf``/``Tm`` is exact here and 50 times faster than pypdf's text extraction.
    """
    sizes: Counter[float] = Counter()
    for page in reader.pages:
        stack, scale, size, text_scale = [], 1.0, 0.0, 1.0
        for line in page.get_contents().get_data().decode("latin-1").splitlines():
            if line == "q":
                stack.append(scale)
            elif line == "Q":
                scale = stack.pop()
            elif line.endswith(" cm"):
                a, b, c, d = (float(v) for v in line.split()[:4])
                scale *= math.sqrt(abs(a * d - b * c))
            elif line.endswith(" Tm"):
                a, b, c, d = (float(v) for v in line.split()[:4])
                text_scale = math.sqrt(abs(a * d - b * c))
            elif line.endswith(" Tf"):
                size = float(line.split()[-2])
            elif line.endswith(("Tj", "TJ")):
                sizes[round(size * text_scale * scale, 1)] += 1
    return sizes


def test_every_leaflet_has_every_variant(real_build: Path) -> None:
    built = {(drug, locale, variant) for drug, locale, variant, _ in pdfs(real_build)}
    for html in real_build.glob("*/*.html"):
        for variant in PROJECT.variants:
            assert (html.stem, html.parent.name, variant) in built


def test_page_size_type_size_and_pdf_ua(real_build: Path) -> None:
    checked = 0
    for drug, locale, variant, path in pdfs(real_build):
        reader = reader_of(path)
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == PAGE[variant], path
        sizes = type_sizes(reader)
        assert min(sizes) >= SMALLEST[variant], (path, sorted(sizes.items())[:3])
        body = max(sizes, key=lambda size: sizes[size])
        assert body >= (16 if variant == "large" else 10), (path, body)
        root = reader.trailer["/Root"]
        assert root["/Lang"] == language_tag(Locale.parse(locale)), path
        assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
        xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
        assert 'pdfuaid:part="1"' in xmp, path
        title = strings(locale)[f"{drug}.title"] if locale != PROJECT.source_locale else FACTS.drugs[drug].title
        assert reader.metadata.title.startswith(title), (path, reader.metadata.title)
        for name, embedded, subset in fonts(path):
            assert embedded == subset == "yes" and re.match(r"[A-Z]{6}\+", name), (path, name)
        checked += 1
    assert checked >= 3 * len(FACTS.drugs)


def test_outline_lists_the_section_titles(real_build: Path) -> None:
    for drug, locale, variant, path in pdfs(real_build):
        text = strings(locale)
        expected = [text[f"ui.section.{key}"] for key in SECTIONS] + [text["ui.references"]]
        assert [item["/Title"] for item in reader_of(path).outline] == expected, path


def test_boxed_warning_is_never_split_across_pages(real_build: Path) -> None:
    """On A4 and Letter the whole warning is on one page. In large print, where it is taller than a page at
    16 pt, it continues on the next, but no item is split."""
    checked = 0
    for drug, locale, variant, path in pdfs(real_build):
        boxed = [f for f in FACTS.leaflet_facts(drug) if f.section == "boxed-warning"]
        if not boxed:
            continue
        text = strings(locale)
        pages = [normalise(page) for page in page_texts(path)]
        first = next(n for n, page in enumerate(pages) if contains(page, text["ui.boxed-warning"]))
        for fact in boxed:
            wanted = fact.text if locale == PROJECT.source_locale else text[fact.id]
            # Whole on one page: a split item has the page furniture in its middle.
            whole_on = [n for n, page in enumerate(pages) if contains(page, wanted)]
            assert whole_on, (path, fact.id, "split across pages")
            assert first in whole_on or variant == "large", (path, fact.id, "not on the warning's first page")
        checked += 1
    assert checked


def test_chinese_pdfs_stay_small(real_build: Path) -> None:
    """WeasyPrint's CJK subsets keep every glyph slot (about 500 KB a leaflet); fontslim cuts them."""
    sizes = {path.name: path.stat().st_size for path in (real_build / "zh_CN").glob("*.pdf")}
    assert sizes and max(sizes.values()) < 400_000, sizes
