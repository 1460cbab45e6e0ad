"""Print leaflet HTML to PDF with WeasyPrint; the only module that imports it (0.6 s to import).

WeasyPrint only *logs* a glyph that no font can draw (it prints a .notdef box); a patient cannot read a
box, so such warnings become a ``RenderError``. Fonts are checked up front through fontconfig, because a
missing "Noto Sans CJK SC" does not fail: it silently falls back to Japanese glyph forms.
"""
from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import ModuleType

from leaflets.errors import RenderError, SystemDependencyError
from leaflets.fontslim import slim_fonts

#: Font families the stylesheet names, and the Debian package that provides each.
FONTS: dict[str, str] = {
    "Noto Sans": "fonts-noto-core",
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "Noto Naskh Arabic": "fonts-noto-core",
}
_APT_FIX = "fix: apt-get update && apt-get install -y {package} (or run 'make leaflets' as root)"


class _Collector(logging.Handler):
    """Keeps WeasyPrint's warnings of one render."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def require_fonts() -> None:
    """Fail with the apt command to run when a font family the leaflets need is not installed."""
    if shutil.which("fc-list") is None:
        raise SystemDependencyError("fontconfig's fc-list is missing; " + _APT_FIX.format(package="fontconfig"))
    for family, package in FONTS.items():
        found = subprocess.run(["fc-list", f"{family}:", "family"], capture_output=True, text=True, check=False)
        if family not in found.stdout:
            raise SystemDependencyError(f"font {family!r} is not installed; " + _APT_FIX.format(package=package))


def load_renderer() -> ModuleType:
    """Import WeasyPrint (0.6 s), once; a build calls it before starting workers, so they inherit it."""
    try:
        import weasyprint
    except OSError as exc:  # a missing Pango/HarfBuzz shared library surfaces here
        raise SystemDependencyError(
            f"WeasyPrint cannot load a system library ({exc}); "
            + _APT_FIX.format(package="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0")
        ) from None
    return weasyprint


def html_to_pdf(html: str, base_url: Path, title: str) -> bytes:
    """Return the PDF bytes for ``html``; raise ``RenderError`` on any glyph no font can draw."""
    weasyprint = load_renderer()
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    # Own the logger while rendering: whatever level others set, warnings must reach the collector,
    # and they are reported as errors below instead of being printed.
    saved = logger.level, logger.propagate
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    logger.addHandler(collector)
    try:
        document = weasyprint.HTML(string=html, base_url=str(base_url)).render()
        # PDF/UA-1: tagged, with the document language and title, as screen readers need. WeasyPrint keeps
        # every glyph slot of a CJK font up to the last one used (90 % of a Chinese PDF): slim_fonts cuts them.
        pdf = document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False, finisher=slim_fonts)
    finally:
        logger.removeHandler(collector)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
    missing = [m for m in collector.messages if ".notdef glyph" in m]
    if missing:
        raise RenderError(f"{title}: text the fonts cannot draw: " + "; ".join(missing)
                          + "; remove the character or install a font that has it")
    subsetting = [m for m in collector.messages if "HarfBuzz-Subset" in m]
    if subsetting:
        raise SystemDependencyError("libharfbuzz-subset0 is missing, which makes Chinese PDFs 30 times "
                                    "slower; " + _APT_FIX.format(package="libharfbuzz-subset0"))
    return pdf


def print_task(task: tuple[str, str, str, tuple[str, ...]]) -> tuple[bytes, list[str]] | str:
    """One PDF as a pure function of its inputs, for any executor: the HTML, the base folder, a title for
    messages, and the texts the PDF must contain. Returns the PDF and the required texts its read-back did
    not find (read back here, in the worker, so that checking costs no time of the coordinator's), or
    why it cannot be printed. A missing system library is not a per-leaflet problem: it is raised."""
    from leaflets.verify import missing_texts

    html, base_url, title, required = task
    try:
        pdf = html_to_pdf(html, Path(base_url), title)
    except RenderError as exc:
        return exc.message
    return pdf, missing_texts(pdf, list(required))


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """Everything besides the HTML that decides a PDF's bytes: the versions of the renderer and of our PDF
    code, and the font files fontconfig picks. Read without importing WeasyPrint, so a no-op build stays fast."""
    parts = [f"{name}={metadata.version(name)}" for name in ("leaflets", "weasyprint", "pydyf", "fonttools")]
    here = Path(__file__).parent
    parts += [hashlib.sha256((here / name).read_bytes()).hexdigest() for name in ("pdf.py", "fontslim.py")]
    for family in FONTS:
        found = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=False)
        path = Path(found.stdout)
        stat = path.stat() if found.stdout and path.is_file() else None
        parts.append(f"{family}:{found.stdout}:{stat.st_size if stat else 0}:{stat.st_mtime_ns if stat else 0}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
