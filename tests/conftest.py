"""Fixtures: a small, complete project in a temporary folder, built from the real templates.

The demo drug (tests/data/demo-cream.yaml) has one fact per required topic; its zh_CN translations and the
real catalog's template strings make a catalog that passes every check, which tests then break on purpose.
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from babel import Locale
from babel.messages.pofile import read_po
from pypdf import PdfReader

from leaflets.build import build
from leaflets.catalog import update_catalogs, write_catalog
from leaflets.config import Project, load_project
from leaflets.facts import load_facts

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def real_ui_translations(locale: str) -> dict[str, str]:
    """The template strings (ui.*) of the project's own catalog for ``locale``."""
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "leaflets.po").open("rb") as fileobj:
        catalog = read_po(fileobj, locale=locale)
    return {m.context: m.string for m in catalog if m.context and m.context.startswith("ui.")}


def fill_catalog(project: Project, locale: str, strings: dict[str, str]) -> Path:
    """Set translations by context in a locale's .po file, as a translator would in Poedit."""
    path = project.po_path(locale)
    with path.open("rb") as fileobj:
        catalog = read_po(fileobj, locale=locale)
    for message in catalog:
        if message.context in strings:
            message.string = strings[message.context]
            message.flags.discard("fuzzy")
    write_catalog(catalog, path, locale)
    return path


def make_project(tmp_path: Path) -> Project:
    """A project with the real templates and seeds and only the demo drug."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(ROOT / "babel.cfg", root / "babel.cfg")
    # The demo has Chinese translations only, whatever languages the real project has.
    toml = (ROOT / "leaflets.toml").read_text(encoding="utf-8")
    # A4 only: the variants are tested on the real leaflets, and one PDF per leaflet keeps these tests fast.
    toml = re.sub(r"(?m)^variants = .*$", 'variants = ["a4"]', toml)
    (root / "leaflets.toml").write_text(re.sub(r"(?m)^locales = .*$", 'locales = ["en", "zh_CN"]', toml),
                                        encoding="utf-8")
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "seeds" / "documents", root / "seeds" / "documents")
    (root / "seeds" / "facts").mkdir()
    shutil.copy(DATA / "demo-cream.yaml", root / "seeds" / "facts" / "demo-cream.yaml")
    (root / "translations" / "zh_CN").mkdir(parents=True)
    shutil.copy(ROOT / "translations/zh_CN/glossary.csv", root / "translations/zh_CN/glossary.csv")
    project = load_project(root)
    update_catalogs(project, load_facts(project))
    demo = yaml.safe_load((DATA / "demo-cream.zh_CN.yaml").read_text(encoding="utf-8"))
    fill_catalog(project, "zh_CN", {**real_ui_translations("zh_CN"), **demo})
    return project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


@pytest.fixture
def no_warnings(caplog: pytest.LogCaptureFixture):
    """Fail the test if anything logs a warning (as WeasyPrint's own tests do)."""
    caplog.set_level(logging.WARNING)
    yield
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not warnings, warnings


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real project built once per test session, with its real facts, catalogs and templates.

    Returns the output folder (<locale>/<drug>.html and its PDFs, index.html, manifest.json). Tests only read
    it; a test that changes files must copy it first.
    """
    out = tmp_path_factory.mktemp("real-build")
    build(load_project(ROOT), out)
    return out


@cache
def pdf_text(pdf: bytes) -> str:
    """All text of a PDF as pypdf reads it: a second reader, independent of the build's (poppler)."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)


def page_texts(pdf: Path) -> tuple[str, ...]:
    """The text of each page of a built PDF (``<locale>/<file>.pdf``), read once per test session.

    Poppler's ``pdftotext -raw`` for left-to-right scripts (30 times faster); pypdf for right-to-left
    ones, where poppler returns words in pieces.
    """
    if Locale.parse(pdf.parent.name).text_direction == "rtl":
        return tuple(page.extract_text() or "" for page in PdfReader(pdf).pages)
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return tuple(text.split("\f")[:-1])
