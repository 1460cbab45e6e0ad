"""QR codes that lead from a printed leaflet to its online version (segno, a maintained pure-Python library).

The code is an SVG data URI, so the HTML stays self-contained and WeasyPrint draws it as vectors, sharp at
any print size. Error correction "M" survives a crease or a stamp across a corner.
"""
from __future__ import annotations

import segno


def qr_data_uri(url: str) -> str:
    """An SVG image (as a ``data:`` URI) of a QR code for ``url``; the same URL always gives the same bytes."""
    return segno.make(url, error="m", boost_error=False).svg_data_uri(scale=4, border=4, xmldecl=False)
