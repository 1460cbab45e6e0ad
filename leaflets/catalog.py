"""Gettext catalogs: extract the English source strings, merge them into each locale, read them back.

One domain, ``leaflets``. Each message's ``msgctxt`` is the fact id (``rux.use.indication``), the drug
title (``<drug>.title``) or a template string (``ui.<name>``), and its ``msgid`` is the English text.
Merging is by context rather than by Babel's similarity matching: when a fact's English text changes, its
translation is kept but marked fuzzy with the old text as ``#| msgid``, so it blocks the leaflet until a
translator has looked at it, and Poedit or Weblate show exactly what changed.
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import PoFileError, read_po, write_po

from leaflets.config import Project
from leaflets.errors import CatalogError, Problem
from leaflets.facts import FactBase

DOMAIN = "leaflets"
#: Plural-Forms headers set explicitly: some Babel versions ship a wrong one for Arabic.
PLURAL_FORMS: dict[str, str] = {
    "zh_CN": "nplurals=1; plural=0;",
    "es": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
}


@dataclass(frozen=True)
class Entry:
    """A translation as read from a .po file, with its line for error messages."""

    context: str
    msgid: str
    msgstr: str
    fuzzy: bool
    line: int


def title_context(drug: str) -> str:
    return f"{drug}.title"


def source_catalog(project: Project, facts: FactBase) -> Catalog:
    """Every string a leaflet prints, in English, with context comments for translators."""
    catalog = Catalog(domain=DOMAIN, project="leaflets", version="1", copyright_holder="leaflets",
                      msgid_bugs_address="", creation_date=_epoch(), revision_date=_epoch(),
                      fuzzy=False)
    for _, lineno, message, comments, context in _template_messages(project):
        catalog.add(message, context=context, auto_comments=comments,
                    locations=[(f"templates/{_}", lineno)])
    for drug in facts.drugs.values():
        rel = drug.path.relative_to(project.root).as_posix()
        catalog.add(drug.title, context=title_context(drug.key), locations=[(rel, 1)],
                    auto_comments=[f"Title of the {drug.key} leaflet.", *_glossary_comments(drug.names)])
    for fact in facts.all_facts():
        if not fact.verified:
            continue
        rel = fact.path.relative_to(project.root).as_posix()
        comments = [f"section: {fact.section}" + (f"; topic: {fact.topic}" if fact.topic else "")]
        comments += [f"seed {e.document}: {e.quote}" for e in fact.evidence]
        if fact.origin == "reference":
            comments.append("origin: reference (not in the seeds)")
        catalog.add(fact.text, context=fact.id, auto_comments=comments, locations=[(rel, fact.line)])
    return catalog


def _glossary_comments(names: dict[str, object]) -> list[str]:
    return [f"glossary {key}: {value}" for key, value in names.items()]


def _template_messages(project: Project):  # noqa: ANN202 - Babel's own tuple type
    mapping_path = project.root / "babel.cfg"
    with mapping_path.open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj)
    yield from extract_from_dir(project.templates_dir, method_map, options_map,
                                keywords={"pgettext": ((1, "c"), 2)})


def _epoch() -> dt.datetime:
    """A fixed date for the POT header, so that extracting twice gives the same bytes."""
    return dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def merge(source: Catalog, old: Catalog | None, locale: str) -> Catalog:
    """Return ``old`` updated to ``source``: same context keeps, changed English goes fuzzy."""
    new = Catalog(locale=locale, domain=DOMAIN, project="leaflets", version="1",
                  copyright_holder="leaflets", msgid_bugs_address="",
                  creation_date=old.creation_date if old else _epoch(), revision_date=_epoch(),
                  fuzzy=False)
    if old is not None:
        new.last_translator = old.last_translator
        new.language_team = old.language_team
    by_context = {m.context: m for m in old if m.id and m.context} if old else {}
    for message in source:
        if not message.id:
            continue
        previous = by_context.pop(message.context, None)
        entry = Message(message.id, "", locations=message.locations, flags=set(message.flags),
                        auto_comments=message.auto_comments, context=message.context)
        if previous is not None:
            entry.string = previous.string
            entry.user_comments = previous.user_comments
            entry.flags |= previous.flags - {"python-format"}
            if previous.id != message.id:
                entry.flags.add("fuzzy")
                entry.previous_id = [previous.id]
            elif previous.previous_id and "fuzzy" in previous.flags:
                entry.previous_id = previous.previous_id
        new[message.id] = entry
    for message in by_context.values():
        if message.string:
            new.obsolete[(message.id, message.context)] = message
    return new


def write_catalog(catalog: Catalog, path: Path, locale: str | None) -> None:
    """Write a .po/.pot atomically, with the explicit Plural-Forms header for the locale."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            write_po(out, catalog, width=76, include_previous=True, sort_output=False,
                     omit_header=False)
        if locale in PLURAL_FORMS:
            _set_plural_header(Path(tmp), PLURAL_FORMS[locale])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _set_plural_header(path: Path, plural_forms: str) -> None:
    text = path.read_text(encoding="utf-8")
    lines = [
        f'"Plural-Forms: {plural_forms}\\n"' if line.startswith('"Plural-Forms:') else line
        for line in text.splitlines()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_catalog(path: Path, locale: str) -> dict[str, Entry]:
    """Parse a .po file strictly; map context -> entry. A syntax error names the line."""
    if not path.is_file():
        raise CatalogError([Problem(path, None, f"no catalog for locale {locale}; create it with "
                                                f"'leaflets i18n update'")])
    try:
        with path.open("rb") as fileobj:
            catalog = read_po(fileobj, locale=locale, domain=DOMAIN, abort_invalid=True)
    except PoFileError as exc:
        raise CatalogError([Problem(path, exc.lineno, f"malformed .po file: {exc}; fix the syntax on this "
                                                      "line (check it with 'msgfmt --check')")]) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise CatalogError([Problem(path, None, f"cannot read catalog: {exc}; save it as UTF-8 with a "
                                                "valid header")]) from None
    entries: dict[str, Entry] = {}
    for message in catalog:
        if not message.id or not message.context:
            continue
        string = message.string if isinstance(message.string, str) else "".join(message.string)
        line = message.lineno or 0
        entries[message.context] = Entry(message.context, message.id, string, message.fuzzy, line)
    return entries


def update_catalogs(project: Project, facts: FactBase) -> list[Path]:
    """Write the POT and merge it into every target locale's .po; return the files written."""
    source = source_catalog(project, facts)
    write_catalog(source, project.pot_path, None)
    written = [project.pot_path]
    for locale in project.target_locales:
        path = project.po_path(locale)
        old = None
        if path.is_file():
            with path.open("rb") as fileobj:
                try:
                    old = read_po(fileobj, locale=locale, domain=DOMAIN, abort_invalid=True)
                except PoFileError as exc:
                    raise CatalogError([Problem(path, exc.lineno, f"malformed .po file: {exc}; fix it "
                                                                  "before updating")]) from None
        write_catalog(merge(source, old, locale), path, locale)
        written.append(path)
    return written
