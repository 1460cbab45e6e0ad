"""slim_fonts, WeasyPrint's finisher, on PDFs it renders: much smaller, same text, same pixels.

Text extraction goes through the ToUnicode maps, which slimming does not touch, so it cannot see a wrong or
missing glyph; the pixels can, and ``test_a_dropped_glyph_shows_in_the_pixels`` proves that they do.
"""
from __future__ import annotations

import io
import itertools
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from leaflets import fontslim
from leaflets.fontslim import slim_fonts

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                reason="poppler-utils is installed by 'make' (scripts/system-packages.sh)")

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Noto Sans"; font-size: 11pt }
[lang=ar] { font-family: "Noto Naskh Arabic" }
"""
#: Regular and bold Chinese; Latin; Arabic (a TrueType font); text in a form XObject (the opacity group) with
#: characters found nowhere else; proportional and half-width kana, glyphs that only GSUB reaches (no cmap).
HTML = f"""<!doctype html><html lang="zh-CN"><head><title>测试</title><style>{_STYLE}</style></head><body>
<h1>患者用药须知：静注人免疫球蛋白</h1>
<p>本药是否获批用于治疗白癜风？请在医生指导下使用。KIOVIG, 10 mg/kg.</p>
<p><b>重要安全警告：血栓、肾功能障碍。</b></p>
<p style="opacity: .5">半透明</p>
<p><span style="font-feature-settings: 'pwid'">カタカナ</span> <span style="font-feature-settings: 'hwid'">カタカナ</span></p>
<p lang="ar" dir="rtl">اقرأ هذه النشرة بعناية قبل استخدام الدواء.</p>
</body></html>"""


def _render(html: str, finisher: Callable | None = None, **options: bool) -> bytes:
    import weasyprint  # 0.6 s to import: only when these tests run

    document = weasyprint.HTML(string=html).render(pdf_tags=True, **options)
    return document.write_pdf(pdf_tags=True, finisher=finisher, **options)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return _render(HTML)


@pytest.fixture(scope="module")
def slim() -> bytes:
    return _render(HTML, slim_fonts)


def _poppler(*args: str) -> bytes:
    run = subprocess.run(args, capture_output=True, check=True)
    assert run.stderr == b"", run.stderr  # poppler complains about a font it cannot read, then draws on
    return run.stdout


def _pages(pdf: bytes, tmp_path: Path, name: str) -> list[bytes]:
    """Each page at 100 dpi in grey, as PGM bytes."""
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    _poppler("pdftoppm", "-r", "100", "-gray", str(tmp_path / f"{name}.pdf"), str(tmp_path / name))
    return [page.read_bytes() for page in sorted(tmp_path.glob(f"{name}-*.pgm"))]


def _text(pdf: bytes, tmp_path: Path, name: str) -> str:
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    return _poppler("pdftotext", "-raw", str(tmp_path / f"{name}.pdf"), "-").decode()


def _font_programs(pdf: bytes) -> dict[str, tuple[str, bytes]]:
    """Each embedded font program by font name: the /Subtype of its stream (or its key) and its bytes."""
    reader = PdfReader(io.BytesIO(pdf))
    programs = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0]["/FontDescriptor"]
            key = next(key for key in ("/FontFile2", "/FontFile3") if key in descriptor)
            stream = descriptor[key]
            programs[str(font.get_object()["/BaseFont"])] = (str(stream.get("/Subtype", key)), stream.get_data())
    return programs


def _objects(pdf: bytes) -> dict[int, bytes]:
    """The bytes of each object outside object streams, by object number."""
    offsets = sorted((offset, number) for number, offset in PdfReader(io.BytesIO(pdf)).xref[0].items())
    return {number: pdf[offset:end] for (offset, number), (end, _) in itertools.pairwise(offsets)}


def test_chinese_fonts_shrink_to_a_fraction(pdf: bytes, slim: bytes) -> None:
    assert len(slim) < 0.15 * len(pdf)  # measured: 296 KB -> 21 KB
    before, after = _font_programs(pdf), _font_programs(slim)
    assert before.keys() == after.keys()
    assert sorted(kind for kind, _ in before.values()) == ["/FontFile2", "/OpenType", "/OpenType"]
    for name, (kind, program) in before.items():
        if kind == "/OpenType":  # Noto Sans CJK SC, regular and bold: now a bare CFF of the glyphs drawn
            assert after[name][0] == "/CIDFontType0C"
            assert len(after[name][1]) < 0.1 * len(program)
        else:  # Noto Naskh Arabic, TrueType: left as it was
            assert after[name] == (kind, program)


def test_only_the_font_streams_change(pdf: bytes, slim: bytes) -> None:
    """Structure tree, /Lang, metadata, ToUnicode maps, object streams: the same bytes."""
    before, after = _objects(pdf), _objects(slim)
    changed = {number for number in before if before[number] != after[number]}
    fonts = {number for number, data in before.items() if b"/Subtype /OpenType" in data[:100]}
    assert len(fonts) == 2 and changed == fonts
    reader = PdfReader(io.BytesIO(slim))
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN" and "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.metadata == PdfReader(io.BytesIO(pdf)).metadata


def test_same_text(pdf: bytes, slim: bytes, tmp_path: Path) -> None:
    text = _text(pdf, tmp_path, "before")
    assert "半透明" in text and "KIOVIG" in text
    assert _text(slim, tmp_path, "after") == text


def test_same_pixels(pdf: bytes, slim: bytes, tmp_path: Path) -> None:
    before = _pages(pdf, tmp_path, "before")
    assert before and _pages(slim, tmp_path, "after") == before


def _fonts_of(html: str) -> dict[str, list]:
    """The fonts WeasyPrint drew ``html`` with, grouped by file as it embeds them."""
    fonts: dict[str, list] = {}
    _render(html, lambda document, _: [fonts.setdefault(f.hash, []).append(f) for f in document.fonts.values()])
    return fonts


def _drawn(fonts: list) -> list[int]:
    return sorted({gid for font in fonts for gid in font.to_unicode})


def _unmapped_glyph(fonts: dict[str, list]) -> tuple[list, int]:
    """A CJK font and a glyph it drew that its cmap does not reach (a GSUB-only form)."""
    for group in fonts.values():
        if group[0].file_content[:4] == b"OTTO":
            font = TTFont(io.BytesIO(group[0].file_content))
            unmapped = set(_drawn(group)) - {font.getGlyphID(name) for name in font.getBestCmap().values()}
            if unmapped:
                return group, min(unmapped)
    raise AssertionError("no CJK font drew an unmapped glyph")


def test_a_dropped_glyph_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the subset lacked a drawn glyph, the check finds it and that font stays as WeasyPrint wrote it."""
    _, gid = _unmapped_glyph(_fonts_of(HTML))
    whole = fontslim.subset_cff
    monkeypatch.setattr(fontslim, "subset_cff", lambda face, gids: whole(face, [g for g in gids if g != gid]))
    kinds = sorted(kind for kind, _ in _font_programs(_render(HTML, slim_fonts)).values())
    assert kinds == ["/CIDFontType0C", "/FontFile2", "/OpenType"]  # the other CJK font is slimmed


def test_a_changed_glyph_is_refused() -> None:
    """Another font's glyphs at the same CIDs (bold for regular) have other charstrings: refused."""
    fonts = [group for group in _fonts_of(HTML).values() if group[0].file_content[:4] == b"OTTO"]
    regular, bold = sorted(fonts, key=lambda group: group[0].weight)
    drawn = _drawn(regular)
    fontslim._same_glyphs(fontslim._cff_table(regular[0].file_content),
                          fontslim.subset_cff(regular[0].hb_face, drawn), drawn)
    with pytest.raises(fontslim._Unexpected, match="would change"):
        fontslim._same_glyphs(fontslim._cff_table(regular[0].file_content),
                              fontslim.subset_cff(bold[0].hb_face, drawn), drawn)


def test_a_dropped_glyph_shows_in_the_pixels(pdf: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the check switched off, the same dropped glyph changes the pixels: the raster comparison the
    other tests rely on can see a wrong glyph that text extraction cannot."""
    _, gid = _unmapped_glyph(_fonts_of(HTML))
    whole = fontslim.subset_cff
    monkeypatch.setattr(fontslim, "_same_glyphs", lambda *_: None)
    monkeypatch.setattr(fontslim, "subset_cff", lambda face, gids: whole(face, [g for g in gids if g != gid]))
    broken = _render(HTML, slim_fonts)
    assert sorted(kind for kind, _ in _font_programs(broken).values()).count("/CIDFontType0C") == 2
    assert _pages(broken, tmp_path, "broken") != _pages(pdf, tmp_path, "before")


def test_deterministic(slim: bytes) -> None:
    assert _render(HTML, slim_fonts) == slim


def test_a_pdf_with_nothing_to_slim_is_unchanged() -> None:
    html = '<html lang="en"><body style="font-family: \'Noto Sans\'">Latin text only: <b>10 mg</b>'
    pdf = _render(html, slim_fonts)
    assert {kind for kind, _ in _font_programs(pdf).values()} == {"/FontFile2"}
    assert pdf == _render(html)


def test_fonts_that_form_fields_may_use_are_left_alone() -> None:
    """A viewer draws what is typed into a field with the AcroForm's fonts: any glyph may be needed."""
    html = (f'<html lang="zh-CN"><style>{_STYLE} input {{ font-family: "Noto Sans CJK SC" }}</style>'
            '<p>请填写：<input name="name" value="李">')
    pdf = _render(html, slim_fonts, pdf_forms=True)
    assert "/AcroForm" in PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert len(_font_programs(pdf)) == 1  # Noto Sans CJK SC, whole: WeasyPrint does not subset it either
    assert pdf == _render(html, pdf_forms=True)


@pytest.mark.slow
def test_a_real_chinese_leaflet_draws_the_same_pixels_on_every_page(tmp_path: Path) -> None:
    """The proof on real output: the zh_CN leaflet of the first medicine, printed by WeasyPrint, slimmed,
    and every page compared in pixels (text extraction cannot see a wrong glyph)."""
    from leaflets.build import prepare
    from leaflets.config import load_project
    from leaflets.facts import load_facts
    from leaflets.readiness import Job, translators_for, ui_strings

    project = load_project(Path(__file__).resolve().parent.parent)
    facts = load_facts(project)
    job = Job(sorted(facts.drugs)[0], "zh_CN")
    translate = translators_for(project, facts, [job], ui_strings(project, facts))[job]
    page = prepare(project, facts, job, translate, False).pages["a4"]
    import weasyprint

    document = weasyprint.HTML(string=page, base_url=str(project.templates_dir)).render()
    raw = document.write_pdf(pdf_variant="pdf/ua-1")
    slimmed = document.write_pdf(pdf_variant="pdf/ua-1", finisher=slim_fonts)
    assert len(slimmed) < 0.6 * len(raw)
    before, after = _pages(raw, tmp_path, "raw"), _pages(slimmed, tmp_path, "slim")
    assert len(before) == len(after) > 5
    assert [n for n, (a, b) in enumerate(zip(before, after), 1) if a != b] == []
