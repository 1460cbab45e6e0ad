"""slim_fonts on PDFs rendered by WeasyPrint: much smaller, same text, same pixels.

Text extraction goes through the ToUnicode maps, which slimming does not touch, so it cannot see a wrong or
missing glyph; the pixels can, and ``test_a_dropped_glyph_shows_in_the_pixels`` proves that they do.
"""
from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont
from pypdf import PdfReader, PdfWriter

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


def _render(html: str, **options: bool) -> bytes:
    import weasyprint  # 0.6 s to import: only when these tests run

    return weasyprint.HTML(string=html).write_pdf(pdf_tags=True, **options)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return _render(HTML)


@pytest.fixture(scope="module")
def slim(pdf: bytes) -> bytes:
    return slim_fonts(pdf)


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


def test_a_dropped_glyph_shows_in_the_pixels(pdf: bytes, tmp_path: Path) -> None:
    """Slim as slim_fonts does, but drop one drawn glyph (one the font's cmap does not reach): pixels differ."""
    reader = PdfReader(io.BytesIO(pdf))
    drawn = fontslim._drawn_cids(reader)
    assert len(drawn) == 2  # the two Noto Sans CJK SC fonts

    def slimmed(number: int, cids: set[int]) -> bytes:
        return zlib.compress(fontslim.subset_cff(reader.get_object(number).get_data(), cids), 9)

    streams = {number: slimmed(number, cids) for number, cids in drawn.items()}
    unmapped = {}
    for number, cids in drawn.items():
        font = TTFont(io.BytesIO(reader.get_object(number).get_data()))
        unmapped[number] = cids - {font.getGlyphID(name) for name in font.getBestCmap().values()}
    number = next(number for number, cids in unmapped.items() if cids)
    broken = {**streams, number: slimmed(number, drawn[number] - {min(unmapped[number])})}

    before = _pages(pdf, tmp_path, "before")
    assert _pages(fontslim._replace_font_streams(pdf, reader, streams), tmp_path, "complete") == before
    assert _pages(fontslim._replace_font_streams(pdf, reader, broken), tmp_path, "broken") != before


def test_codes_shown_by_every_text_operator_count(pdf: bytes) -> None:
    """WeasyPrint shows text with TJ only; the same codes shown with Tj, ' and " are found as well."""
    expected = fontslim._drawn_cids(PdfReader(io.BytesIO(pdf)))
    operators = itertools.cycle([b"%s Tj", b"%s '", b'0 0 %s "'])

    def one_by_one(tj: re.Match) -> bytes:
        return b" ".join(next(operators) % string for string in re.findall(rb"<[0-9a-f]*>", tj[1]))

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        content = page.get_contents()
        assert b"] TJ" in content.get_data()
        content.set_data(re.sub(rb"\[([^\]]*)\] ?TJ", one_by_one, content.get_data()))
        page.replace_contents(content)
    rewritten = io.BytesIO()
    writer.write(rewritten)
    found = fontslim._drawn_cids(PdfReader(rewritten))
    assert sorted(map(sorted, found.values())) == sorted(map(sorted, expected.values()))


def test_a_font_whose_cids_are_not_its_glyph_ids_is_refused(pdf: bytes) -> None:
    """Such a font draws one glyph in viewers that follow its charset and another in those that do not."""
    reader = PdfReader(io.BytesIO(pdf))
    number, cids = next(iter(fontslim._drawn_cids(reader).items()))
    program = reader.get_object(number).get_data()
    assert fontslim.subset_cff(program, cids)
    font = TTFont(io.BytesIO(program))
    subsetter = Subsetter(Options(notdef_outline=True))  # without retain_gids: CID 5000 at glyph id 3, say
    subsetter.populate(glyphs=[f"cid{cid:05d}" for cid in cids])
    subsetter.subset(font)
    renumbered = io.BytesIO()
    font.save(renumbered)
    with pytest.raises(fontslim._Unexpected, match="CIDs are not its glyph ids"):
        fontslim.subset_cff(renumbered.getvalue(), range(1, len(cids)))


def test_deterministic_and_idempotent(pdf: bytes, slim: bytes) -> None:
    assert slim_fonts(pdf) == slim
    assert slim_fonts(slim) == slim  # its fonts are bare CFF now: nothing left to slim


def test_a_pdf_with_nothing_to_slim_comes_back_unchanged() -> None:
    pdf = _render('<html lang="en"><body style="font-family: \'Noto Sans\'">Latin text only: <b>10 mg</b>')
    assert {kind for kind, _ in _font_programs(pdf).values()} == {"/FontFile2"}
    assert slim_fonts(pdf) == pdf


def test_fonts_that_form_fields_may_use_are_left_alone() -> None:
    """A viewer draws what is typed into a field with the AcroForm's fonts: any glyph may be needed."""
    pdf = _render(f'<html lang="zh-CN"><style>{_STYLE} input {{ font-family: "Noto Sans" }}</style>'
                  '<p>请填写：<input name="name" value="Li">', pdf_forms=True)
    assert "/AcroForm" in PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert "/OpenType" in {kind for kind, _ in _font_programs(pdf).values()}
    assert slim_fonts(pdf) == pdf


def test_a_pdf_it_cannot_read_comes_back_unchanged() -> None:
    assert slim_fonts(b"%PDF-1.7\nnot really a PDF") == b"%PDF-1.7\nnot really a PDF"


@pytest.mark.parametrize(("content", "strings"), [
    (rb"BT /F1 12 Tf <0001 00 2a> Tj ET", [b"\x00\x01\x00\x2a"]),
    (rb"<41 4> Tj", [b"A@"]),  # an odd last digit is followed by 0
    (rb"[(a)-120<0102>5(b)] TJ", [[b"a", "-120", b"\x01\x02", "5", b"b"]]),
    (rb"(a\(b\)c) Tj (a(b)c) Tj", [b"a(b)c", b"a(b)c"]),
    (rb"(\101\7\0123) Tj", [b"A\x07\n3"]),
    (b"(a\\\r\nb) Tj (a\r\nb\rc) Tj", [b"ab", b"a\nb\nc"]),
    (rb"(\n\t\\\q) Tj", [b"\n\t\\q"]),
    (rb"/Span <</ActualText (x) /MCID 0>> BDC 1 0 0 rg % (not a string) Tj" + b"\n0 0 Td (y) ' EMC", [b"y"]),
])
def test_content_streams_are_read_as_pdf_says(content: bytes, strings: list) -> None:
    shown = [operands[fontslim._SHOW_TEXT[operator]] for operands, operator in fontslim._operations(content)
             if operator in fontslim._SHOW_TEXT]
    assert shown == strings


def test_an_inline_image_is_not_read_as_operators() -> None:
    with pytest.raises(fontslim._Unexpected):
        list(fontslim._operations(b"BI /W 1 /H 1 /BPC 1 /IM true ID \x00 EI (x) Tj"))


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

    raw = weasyprint.HTML(string=page, base_url=str(project.templates_dir)).write_pdf(pdf_variant="pdf/ua-1")
    slimmed = slim_fonts(raw)
    assert len(slimmed) < 0.6 * len(raw)
    before, after = _pages(raw, tmp_path, "raw"), _pages(slimmed, tmp_path, "slim")
    assert len(before) == len(after) > 5
    assert [n for n, (a, b) in enumerate(zip(before, after), 1) if a != b] == []
