"""Shrink the CJK fonts WeasyPrint embeds, as it writes the PDF, without changing the glyph any code draws.

WeasyPrint subsets fonts with HarfBuzz's RETAIN_GIDS, because its content streams hold the glyph ids of the
full font (Type0 fonts with ``/Identity-H``: each 2-byte code is a CID, and in Noto Sans CJK a CID is its
glyph id). For Noto Sans CJK that keeps every glyph slot up to the highest one used, about 63,000 for 700
drawn, and the fonts make about 90 % of a Chinese leaflet.

``slim_fonts`` is a WeasyPrint *finisher*: ``write_pdf`` calls it with the document and the PDF's objects
before writing them, so nothing has to be parsed back. For each CID-keyed CFF font it asks HarfBuzz for a
subset of the original font holding only the glyphs WeasyPrint drew (the glyph ids of its ``to_unicode``
maps, the set WeasyPrint subsets with) without RETAIN_GIDS: HarfBuzz keeps each glyph's CID in the charset.
The CFF is embedded bare (``/FontFile3 /Subtype /CIDFontType0C``, what Acrobat writes for CJK subsets), not in
its OpenType wrapper: viewers map a CID through the charset of a bare CID-keyed CFF (ISO 32000-1, 9.7.4.2),
but poppler and PDFium (Chrome) take the CID of an OpenType-wrapped one as a glyph id. Widths come from the
PDF's ``/W``, so the OpenType tables left behind (hmtx, cmap, ...) draw nothing.

Before a font is replaced, ``_same_glyphs`` checks that every code drawn with it is a CID of the new font
whose charstring has the same bytes as glyph CID of the subset WeasyPrint made (both are desubroutinized
and unhinted, so equal bytes draw equal outlines) and that no font dict scales glyphs differently. Any
surprise leaves the font as WeasyPrint wrote it: bigger, never wrong.
"""
from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from fontTools.cffLib import CFFFontSet, TopDict
from fontTools.ttLib import TTFont

#: Tables HarfBuzz need not subset: only the CFF table is kept, and GSUB/GPOS would pull in glyphs that
#: substitutions could reach (vertical forms, ligatures), which nothing draws.
_DROP_TABLES = (b"BASE", b"DSIG", b"GDEF", b"GPOS", b"GSUB", b"JSTF", b"VORG", b"vhea", b"vmtx", b"name", b"post")


class _Unexpected(Exception):
    """Something this module does not handle: leave the font as WeasyPrint wrote it."""


def slim_fonts(document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: replace each oversized CID-keyed CFF font program of ``pdf`` (a ``pydyf.PDF``)
    by a bare CFF of the glyphs ``document`` drew with it. The same document gives the same bytes."""
    by_file: dict[str, list] = defaultdict(list)
    for font in getattr(document, "fonts", {}).values():  # fonts sharing a file share one program, as
        by_file[getattr(font, "hash", None)].append(font)  # WeasyPrint embeds them
    streams = {id(obj.stream[0]): obj for obj in getattr(pdf, "objects", ()) if getattr(obj, "stream", None)}
    for fonts in by_file.values():
        try:
            _slim(fonts, streams)
        except Exception:  # noqa: BLE001, S112 - HarfBuzz, fontTools or WeasyPrint refused: font stays as it was
            continue


def _slim(fonts: list, streams: dict[int, Any]) -> None:
    """Replace the program of ``fonts`` (WeasyPrint fonts sharing one file) in its stream, if it is one to slim."""
    font = fonts[0]  # the one whose file_content WeasyPrint cleaned and embedded
    stream = streams.get(id(font.file_content))
    if (stream is None or stream.extra.get("Subtype") != "/OpenType" or font.bitmap
            or any(f.missing or f.used_in_forms for f in fonts)):
        return
    drawn = sorted({gid for f in fonts for gid in f.to_unicode})
    cff = subset_cff(font.hb_face, drawn)
    _same_glyphs(_cff_table(font.file_content), cff, drawn)
    stream.stream = [cff]
    stream.extra["Subtype"] = "/CIDFontType0C"


def subset_cff(hb_face: Any, gids: Collection[int]) -> bytes:
    """The bare CFF table of a HarfBuzz subset of ``hb_face`` to .notdef and ``gids``, glyph ids renumbered,
    desubroutinized and unhinted like WeasyPrint's own subsets. Raises ``_Unexpected`` if HarfBuzz fails."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset  # loaded with WeasyPrint, by the caller

    subset_input = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy)
    if subset_input == ffi.NULL:
        raise _Unexpected("HarfBuzz cannot subset")
    _add_sorted(ffi, harfbuzz, harfbuzz_subset.hb_subset_input_glyph_set(subset_input), sorted({0, *gids}))
    drop = harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)
    _add_sorted(ffi, harfbuzz, drop, sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in _DROP_TABLES))
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, (
        harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE | harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
        | harfbuzz_subset.HB_SUBSET_FLAGS_NO_LAYOUT_CLOSURE))
    face = harfbuzz_subset.hb_subset_or_fail(hb_face, subset_input)
    if face == ffi.NULL:
        raise _Unexpected("HarfBuzz cannot subset this font")
    face = ffi.gc(face, harfbuzz.hb_face_destroy)
    blob = ffi.gc(harfbuzz.hb_face_reference_table(face, harfbuzz.hb_tag_from_string(b"CFF ", -1)),
                  harfbuzz.hb_blob_destroy)
    length = ffi.new("unsigned int *")
    data = harfbuzz.hb_blob_get_data(blob, length)
    if not length[0]:
        raise _Unexpected("no CFF table")
    return bytes(ffi.buffer(data, length[0]))


def _add_sorted(ffi: Any, harfbuzz: Any, hb_set: Any, values: list[int]) -> None:
    harfbuzz.hb_set_add_sorted_array(hb_set, ffi.new("hb_codepoint_t[]", values), len(values))


def _cff_table(opentype: bytes) -> bytes:
    """The raw CFF table of an OpenType font, without parsing the rest."""
    return TTFont(io.BytesIO(opentype), lazy=True).reader["CFF "]


def _same_glyphs(before: bytes, after: bytes, drawn: Iterable[int]) -> None:
    """Raise ``_Unexpected`` unless each code of ``drawn`` draws in ``after`` (a bare CID-keyed CFF, looked up
    by CID) the same outline as glyph id ``code`` of ``before`` (WeasyPrint's retained-ids subset)."""
    old, new = _top(before), _top(after)
    for top in (old, new):
        if not hasattr(top, "ROS") or "FDSelect" not in top.rawDict:
            raise _Unexpected("not a CID-keyed CFF font")
    if new.GlobalSubrs or any(getattr(fd.Private, "Subrs", None) for fd in new.FDArray):
        raise _Unexpected("the subset calls subroutines")
    matrices = {tuple(fd.rawDict.get("FontMatrix", ())) for top in (old, new) for fd in top.FDArray}
    if len({tuple(old.FontMatrix), tuple(new.FontMatrix)}) != 1 or matrices - {()}:
        raise _Unexpected("a font dict scales its glyphs")
    gid_of_cid = {0: 0} | {int(name[3:]): gid for gid, name in enumerate(new.charset) if name.startswith("cid")}
    old_strings, new_strings = _CharStrings(before, old), _CharStrings(after, new)
    for code in drawn:
        if code not in gid_of_cid or old_strings[code] != new_strings[gid_of_cid[code]]:
            raise _Unexpected(f"glyph {code} would change")


def _top(cff: bytes) -> TopDict:
    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(cff), None)
    if len(fonts.topDictIndex) != 1:
        raise _Unexpected("not one font")
    return fonts.topDictIndex[0]


class _CharStrings:
    """The charstrings of a CFF by glyph id, as raw bytes, reading only the offsets asked for: fontTools
    reads all 63,000 offsets of the full font first (0.1 s)."""

    def __init__(self, cff: bytes, top: TopDict) -> None:
        self.cff, self.at = cff, top.rawDict["CharStrings"]
        self.count = int.from_bytes(cff[self.at:self.at + 2], "big")
        self.size = cff[self.at + 2]
        self.data = self.at + 3 + (self.count + 1) * self.size - 1  # CFF offsets count from 1

    def _offset(self, index: int) -> int:
        start = self.at + 3 + index * self.size
        return int.from_bytes(self.cff[start:start + self.size], "big")

    def __getitem__(self, gid: int) -> bytes:
        if not 0 <= gid < self.count:
            raise _Unexpected(f"no glyph {gid}")
        return self.cff[self.data + self._offset(gid):self.data + self._offset(gid + 1)]
