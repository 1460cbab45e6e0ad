"""Shrink the CJK fonts WeasyPrint embeds, without changing the glyph any code draws.

WeasyPrint subsets fonts with HarfBuzz's RETAIN_GIDS, because its content streams already hold the glyph
ids of the full font (Type0 fonts with ``/Identity-H``: each 2-byte code is a CID, and CID = glyph id). For
Noto Sans CJK that keeps every glyph slot up to the highest one used, about 63,000 for 700 drawn, and the
fonts make about 90 % of a Chinese leaflet. ``slim_fonts`` cuts such a font down to the CIDs that the
content streams draw, and embeds it so that each of those CIDs still draws the same glyph program:

- Only CID-keyed CFF fonts whose charset is the identity (glyph ``cidNNNNN`` at glyph id NNNNN) are
  touched, and only when every font using the program is a ``/CIDFontType0`` with ``/Identity-H``.
- The subset keeps the glyph names, so its charset still maps each drawn CID to its glyph; the kept
  charstrings are copied byte for byte with their font dicts, and the result is read back and compared.
- It is embedded as a bare CFF (``/FontFile3 /Subtype /CIDFontType0C``, what Acrobat writes for CJK
  subsets), not in its OpenType wrapper. Viewers map a CID through the charset of a bare CID-keyed CFF
  (ISO 32000-1, 9.7.4.2), but poppler and PDFium (Chrome) give an OpenType-wrapped one the CID as glyph
  id (FreeType itself maps CIDs only for a bare CFF): wrapped, the subset draws wrong glyphs there.
  Widths come from the PDF's ``/W``, so the OpenType tables left behind (hmtx, cmap, ...) draw nothing.

Anything unexpected (another kind of font, text shown before a font is set, a font that form fields may
use to draw typed text, an inline image, encryption, an incremental update, no cross-reference stream)
leaves the font, or the whole PDF, as it was. The PDF is not rewritten by pypdf: only the slimmed font
streams and the cross-reference stream change; every other object (structure tree, metadata, ``/Lang``,
ToUnicode maps, object streams) keeps its bytes.
"""
from __future__ import annotations

import io
import itertools
import re
import zlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator

from fontTools.cffLib import CFFFontSet, TopDict
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import (ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject, PdfObject,
                           StreamObject)

#: Operators that show text, and the index of their string operand (for TJ, an array of strings and numbers).
_SHOW_TEXT = {"Tj": 0, "'": 0, '"': 2, "TJ": 0}
#: The keys of a font stream this module may replace: nothing else would be lost.
_FONT_STREAM_KEYS = {"/Subtype", "/Filter", "/Length"}
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_REGULAR = rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]"  # any byte but white space and delimiters
#: One token of a content stream (a literal string's body is read by ``_literal``).
_TOKEN = re.compile(rb"""
    (?P<space> [\x00\t\n\x0c\r ]+ | %[^\r\n]* )
  | (?P<hex> <[0-9A-Fa-f\x00\t\n\x0c\r ]*> )
  | (?P<literal> \( )
  | (?P<other> << | >> | [\[\]{}] | /{R}* | [-+.0-9]{R}* | (?:true|false|null)(?!{R}) )
  | (?P<operator> {R}+ )
""".replace(b"{R}", _REGULAR), re.VERBOSE)
#: One part of a literal string's body: an escape, a line end, a parenthesis or a run of other bytes.
_LITERAL = re.compile(rb"\\(?:[0-7]{1,3}|\r\n|.)|\r\n?|[()]|[^\\\r()]+", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


class _Unexpected(Exception):
    """Something this module does not handle: leave the font, or the PDF, as it was."""


def slim_fonts(pdf: bytes) -> bytes:
    """Return ``pdf`` with its oversized CID-keyed CFF fonts cut down to the glyphs its content draws.

    The same bytes in give the same bytes out; a PDF with nothing to slim (an already slimmed one, too) is
    returned unchanged. Never raises for a PDF it cannot read: it returns it unchanged.
    """
    # pypdf and fontTools report input they cannot read, or do not expect, with many exception types: each
    # means "leave it as it was", which is always a correct answer.
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=True)
        if reader.is_encrypted:
            return pdf
        streams = {}
        for number, cids in sorted(_drawn_cids(reader).items()):
            try:
                streams[number] = zlib.compress(subset_cff(reader.get_object(number).get_data(), cids), 9)
            except Exception:  # noqa: BLE001, S112 - this font stays as it was
                continue
        return _replace_font_streams(pdf, reader, streams) if streams else pdf
    except Exception:  # noqa: BLE001 - the PDF stays as it was
        return pdf


def subset_cff(opentype: bytes, cids: Collection[int]) -> bytes:
    """Return the bare CFF of ``opentype``, a CID-keyed OpenType CFF font, with .notdef and ``cids`` only.

    Each kept CID keeps its glyph: same name in the charset, same charstring bytes, same font dict. Raises
    ``_Unexpected`` for a font whose CIDs are not its glyph ids or that lacks one of ``cids``.
    """
    font = TTFont(io.BytesIO(opentype), recalcBBoxes=False)
    cff = font["CFF "].cff
    top = cff.topDictIndex[0]
    names = top.charset
    if len(cff.topDictIndex) != 1 or not hasattr(top, "ROS") or not hasattr(top, "FDSelect"):
        raise _Unexpected("not a CID-keyed CFF font")
    if any(name != f"cid{gid:05d}" for gid, name in enumerate(names) if gid):
        raise _Unexpected("its CIDs are not its glyph ids")
    if not all(0 <= cid < len(names) for cid in cids):
        raise _Unexpected("a drawn CID is not in the font")
    gids = sorted({0, *cids})
    before = _drawing(top, gids)
    index = top.CharStrings.charStringsIndex
    index.items = [index[gid] for gid in gids]  # each charstring's bytes; none is decompiled
    top.FDSelect.gidArray = [top.FDSelect.gidArray[gid] for gid in gids]
    top.charset = [names[gid] for gid in gids]
    top.CharStrings.charStrings = {name: i for i, name in enumerate(top.charset)}
    top.numGlyphs = len(gids)
    out = io.BytesIO()
    cff.compile(out, font)
    check = CFFFontSet()
    check.decompile(io.BytesIO(out.getvalue()), font)
    if _drawing(check.topDictIndex[0], range(len(gids))) != before:
        raise _Unexpected("a glyph changed")
    return out.getvalue()


def _drawing(top: TopDict, gids: Iterable[int]) -> dict[str, tuple]:
    """What draws each glyph of ``gids``, by glyph name: its charstring bytes and its font dict's entries."""
    index = top.CharStrings.charStringsIndex
    drawing = {}
    for gid in gids:
        fd = top.FDArray[top.FDSelect.gidArray[gid]]
        drawing[top.charset[gid]] = (
            index[gid].bytecode,
            {key: value for key, value in fd.rawDict.items() if key != "Private"},  # "Private" is an offset
            {key: value for key, value in fd.Private.rawDict.items() if key != "Subrs"})
    return drawing


def _drawn_cids(reader: PdfReader) -> dict[int, set[int]]:
    """Map each font stream that may be slimmed, by object number, to the CIDs drawn with it.

    Walks every content stream a viewer draws (pages, form XObjects, tiling patterns, soft masks, Type 3
    glyphs, annotation appearances) with its resources, following the font through q/Q. A font stream
    that any font uses in a way this module does not handle, or that the AcroForm's fonts use, is left out.
    """
    slimmable: dict[int, bool] = {}
    shown: dict[int, set[bytes]] = defaultdict(set)
    walked: dict[tuple[int, int], tuple] = {}  # keeps each walked pair, so that its ids stay theirs

    def note(fonts: DictionaryObject, usable: bool) -> None:
        for font in fonts.values():
            number, ok = _font_stream(font.get_object())
            if number is not None:
                slimmable[number] = slimmable.get(number, True) and ok and usable

    def walk(content: StreamObject | ArrayObject, resources: DictionaryObject) -> None:
        if (id(content), id(resources)) in walked:
            return
        walked[id(content), id(resources)] = content, resources
        fonts = _dict(resources.get("/Font"))
        note(fonts, usable=True)
        current: tuple[int | None] | None = None  # the font stream of the current font, once one is set
        saved = []
        for operands, operator in _operations(_content_bytes(content)):
            if operator == "q":
                saved.append(current)
            elif operator == "Q" and saved:
                current = saved.pop()
            elif operator == "Tf":
                if operands[0] not in fonts:
                    raise _Unexpected(f"font {operands[0]} is not in the resources")
                current = (_font_stream(fonts[operands[0]].get_object())[0],)
            elif operator == "gs" and "/Font" in _dict(_dict(resources.get("/ExtGState")).get(operands[0])):
                raise _Unexpected("a font set by a graphics state")
            elif operator in _SHOW_TEXT:
                if current is None:
                    raise _Unexpected("text shown before a font is set")
                if current[0] is not None:
                    operand = operands[_SHOW_TEXT[operator]]
                    strings = operand if isinstance(operand, list) else [operand]  # TJ: strings and numbers
                    shown[current[0]].update(string for string in strings if isinstance(string, bytes))
        for child, child_resources in _children(resources):
            walk(child, child_resources)

    for page in reader.pages:
        resources = _dict(page.get("/Resources"))
        if "/Contents" in page:
            walk(page["/Contents"], resources)
        for annotation in page.get("/Annots", ()):
            for appearance in _dict(annotation.get_object().get("/AP")).values():
                appearance = appearance.get_object()
                states = [appearance] if isinstance(appearance, StreamObject) else appearance.values()
                for state in states:
                    walk(state.get_object(), _dict(state.get_object().get("/Resources")))
    acroform = _dict(reader.trailer["/Root"].get("/AcroForm"))
    note(_dict(_dict(acroform.get("/DR")).get("/Font")), usable=False)

    drawn = {}
    for number, ok in slimmable.items():
        strings = shown[number]
        if ok and all(len(string) % 2 == 0 for string in strings):
            drawn[number] = {int.from_bytes(s[i:i + 2], "big") for s in strings for i in range(0, len(s), 2)}
    return drawn


def _font_stream(font: DictionaryObject) -> tuple[int | None, bool]:
    """The object number of the font program ``font`` draws with (None: none embedded), and whether this
    module may slim it: an OpenType CFF program of a ``/CIDFontType0``, whose codes are CIDs (``/Identity-H``)."""
    type0 = font.get("/Subtype") == "/Type0"
    descendants = font.get("/DescendantFonts") if type0 else None
    cidfont = descendants[0].get_object() if type0 and len(descendants) == 1 else font
    descriptor = _dict(cidfont.get("/FontDescriptor"))
    key = next((key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor), None)
    if key is None:
        return None, False
    reference = descriptor.raw_get(key)
    if not isinstance(reference, IndirectObject):  # a stream must be one: a broken PDF
        return None, False
    stream = reference.get_object()
    ok = (type0 and len(descendants) == 1 and font.get("/Encoding") == "/Identity-H"
          and cidfont.get("/Subtype") == "/CIDFontType0" and cidfont.get("/CIDToGIDMap", "/Identity") == "/Identity"
          and key == "/FontFile3" and stream.get("/Subtype") == "/OpenType" and set(stream) <= _FONT_STREAM_KEYS)
    return reference.idnum, ok


def _children(resources: DictionaryObject) -> Iterator[tuple[StreamObject, DictionaryObject]]:
    """The content streams that ``resources`` can draw, each with the resources it draws with."""
    for xobject in _dict(resources.get("/XObject")).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            yield xobject, _dict(xobject.get("/Resources", resources))
    for pattern in _dict(resources.get("/Pattern")).values():
        pattern = pattern.get_object()
        if pattern.get("/PatternType") == 1:
            yield pattern, _dict(pattern.get("/Resources", resources))
    for state in _dict(resources.get("/ExtGState")).values():
        mask = _dict(state.get_object().get("/SMask"))
        if "/G" in mask:
            yield mask["/G"], _dict(mask["/G"].get("/Resources", resources))
    for font in _dict(resources.get("/Font")).values():
        font = font.get_object()
        for glyph in _dict(font.get("/CharProcs")).values():
            yield glyph.get_object(), _dict(font.get("/Resources", resources))


def _dict(value: PdfObject | None) -> DictionaryObject:
    """``value`` if it is a dictionary (or a stream), else an empty one: for optional entries."""
    value = value.get_object() if value is not None else None
    return value if isinstance(value, DictionaryObject) else DictionaryObject()


def _content_bytes(content: StreamObject | ArrayObject) -> bytes:
    """The decoded bytes of a content stream, or of an array of them (a page's /Contents)."""
    if isinstance(content, ArrayObject):
        return b"\n".join(part.get_object().get_data() for part in content)
    return content.get_data()


def _operations(content: bytes) -> Iterator[tuple[list, str]]:
    """Each operator of ``content`` with its operands, for the walk above.

    Strings are ``bytes``; arrays (TJ's) are lists; anything else (names, numbers, dictionary brackets) is
    its text. pypdf's parser is ten times slower and returns some hex strings as text without their bytes.
    Raises ``_Unexpected`` for an inline image (its data could pass for operators) or unreadable content.
    """
    operands: list = []
    arrays: list[list] = []
    at = 0
    while at < len(content):
        token = _TOKEN.match(content, at)
        if token is None:
            raise _Unexpected("unreadable content stream")
        at = token.end()
        kind, text = token.lastgroup, token.group()
        target = arrays[-1] if arrays else operands
        if kind == "hex":
            digits = re.sub(rb"[^0-9A-Fa-f]", b"", text)
            target.append(bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()))
        elif kind == "literal":
            string, at = _literal(content, at)
            target.append(string)
        elif text == b"[":
            arrays.append([])
        elif text == b"]" and arrays:
            array = arrays.pop()
            (arrays[-1] if arrays else operands).append(array)
        elif kind == "operator" and not arrays:
            if text in (b"BI", b"ID"):
                raise _Unexpected("an inline image")
            yield operands, text.decode("latin-1")
            operands = []
        elif kind != "space":
            target.append(re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes.fromhex(m[1].decode()), text).decode("latin-1"))


def _literal(content: bytes, at: int) -> tuple[bytes, int]:
    """The bytes of the literal string whose "(" ends at ``at``, and the index after its ")"."""
    string = bytearray()
    depth = 1
    while True:
        match = _LITERAL.match(content, at)
        if match is None:
            raise _Unexpected("an unterminated string")
        at = match.end()
        part = match.group()
        if part[0] == 0x5C:  # backslash
            escaped = part[1:]
            if escaped[0] in b"01234567":
                string.append(int(escaped, 8) & 0xFF)
            elif escaped in _ESCAPES:
                string += _ESCAPES[escaped]
            elif escaped not in (b"\r", b"\n", b"\r\n"):  # a backslash before a line end joins lines
                string += escaped
        elif part in (b"\r", b"\r\n"):  # any line end in a string reads as "\n"
            string += b"\n"
        else:
            depth += {b"(": 1, b")": -1}.get(part, 0)
            if depth == 0:
                return bytes(string), at
            string += part


def _replace_font_streams(pdf: bytes, reader: PdfReader, streams: dict[int, bytes]) -> bytes:
    """``pdf`` with each object of ``streams`` replaced by a bare CFF font stream holding its data.

    Every other object keeps its bytes; the cross-reference stream is written again with the new offsets.
    """
    match = _STARTXREF.search(pdf)
    if match is None or pdf.count(b"startxref") != 1 or list(reader.xref) != [0]:
        raise _Unexpected("not a PDF with one cross-reference section")
    xref_at = int(match.group(1))
    objects = sorted((offset, number) for number, offset in reader.xref[0].items())
    xref = reader.get_object(objects[-1][1])
    if objects[-1][0] != xref_at or xref.get("/Type") != "/XRef" or "/Prev" in xref:
        raise _Unexpected("the cross-reference stream is not the last object")
    out = bytearray(pdf[:objects[0][0]])
    moved = {}
    for (offset, number), (end, _) in itertools.pairwise(objects):
        moved[offset] = len(out)
        new = b""
        if number in streams:
            new = (f"{number} 0 obj\n<</Subtype /CIDFontType0C/Filter /FlateDecode/Length {len(streams[number])}>>"
                   "\nstream\n").encode() + streams[number] + b"\nendstream\nendobj\n"
        out += new if new and len(new) < end - offset else pdf[offset:end]
    moved[xref_at] = len(out)

    widths = [int(width) for width in xref["/W"]]
    rows = xref.get_data()
    table = bytearray()
    for start in range(0, len(rows), sum(widths)):
        fields, at = [], start
        for width in widths:
            fields.append(int.from_bytes(rows[at:at + width], "big"))
            at += width
        if widths[0] == 0 or fields[0] == 1:  # an object at an offset in the file
            if fields[1] not in moved:
                raise _Unexpected("a cross-reference entry that is not an object's offset")
            fields[1] = moved[fields[1]]
        table += b"".join(field.to_bytes(width, "big") for field, width in zip(fields, widths, strict=True))
    data = zlib.compress(bytes(table), 9)
    dictionary = DictionaryObject({key: value for key, value in xref.items()
                                   if key not in ("/Filter", "/DecodeParms", "/Length")})
    dictionary[NameObject("/Filter")] = NameObject("/FlateDecode")
    dictionary[NameObject("/Length")] = NumberObject(len(data))
    head = io.BytesIO()
    dictionary.write_to_stream(head)
    out += f"{objects[-1][1]} 0 obj\n".encode() + head.getvalue() + b"\nstream\n" + data + b"\nendstream\nendobj\n"
    out += f"startxref\n{moved[xref_at]}\n%%EOF\n".encode()
    return bytes(out)
