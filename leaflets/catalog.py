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
import re
import shutil
import subprocess
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import PoFileError, normalize, read_po, unescape, write_po

from leaflets.config import PROJECT_FILE, Project, check_locale
from leaflets.errors import CatalogError, ConfigError, Problem, SystemDependencyError, raise_if
from leaflets.facts import UI_PREFIX, FactBase
from leaflets.files import remove_stale_temporaries, write_atomic
from leaflets.glossary import COLUMNS, glossary_path

DOMAIN = "leaflets"
#: The only formatting our strings use: ``%(date)s`` in template strings.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")
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
    #: Translator comments (``# ...``), where a reviewer records decisions the checks must respect.
    comments: tuple[str, ...] = ()


def title_context(drug: str) -> str:
    return f"{drug}.title"


def source_catalog(project: Project, facts: FactBase) -> Catalog:
    """Every string a leaflet prints, in English, with context comments for translators."""
    catalog = Catalog(domain=DOMAIN, project="leaflets", version="1", copyright_holder="leaflets",
                      msgid_bugs_address="", creation_date=_epoch(), revision_date=_epoch(),
                      fuzzy=False)
    problems, seen = [], {}
    for filename, lineno, message, comments, context in _template_messages(project):
        where = f"templates/{filename}"
        if not isinstance(context, str) or not context.startswith(UI_PREFIX) or not isinstance(message, str):
            problems.append(Problem(where, lineno, f"template string {message!r} needs a context starting with "
                                    f"{UI_PREFIX!r}, as in pgettext(\"ui.name\", \"English\"); other contexts "
                                    "belong to facts and titles"))
            continue
        if seen.setdefault(context, message) != message:
            problems.append(Problem(where, lineno, f"context {context!r} is used for two different English "
                                    f"texts ({seen[context]!r} and {message!r}); give each its own context"))
            continue
        catalog.add(message, context=context, auto_comments=comments, locations=[(where, lineno)])
    raise_if(problems, CatalogError)
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
    try:
        with mapping_path.open(encoding="utf-8") as fileobj:
            method_map, options_map = parse_mapping_cfg(fileobj)
    except FileNotFoundError:
        raise ConfigError(f"{mapping_path}: not found; it tells Babel where the template strings are "
                          "(restore it from git; it holds the line [jinja2: **.html])") from None
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
            entry.flags |= previous.flags - {"python-format", "no-python-format"}
            if previous.id != message.id and previous.string:
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
    """Write a .po/.pot atomically, with the explicit Plural-Forms header for the locale.

    Babel guesses ``python-format`` from any "%" ("1.5%"), and msgfmt then rejects the translation;
    only strings with a real ``%(name)s`` placeholder keep the flag.
    """
    _restore_previous(catalog)
    for message in catalog:
        if message.id and not PLACEHOLDER.search(message.id):
            message.flags.discard("python-format")
    buffer = BytesIO()
    write_po(buffer, catalog, width=76, include_previous=False, sort_output=False)
    text = _fix_header_and_previous(buffer.getvalue().decode("utf-8"), catalog, PLURAL_FORMS.get(locale or ""))
    write_atomic(path, text.encode("utf-8"))


def _fix_header_and_previous(text: str, catalog: Catalog, plural_forms: str | None) -> str:
    """Set the explicit Plural-Forms header and write ``#| msgid`` lines that msgfmt accepts.

    Babel wraps previous-msgid comments like prose, splitting a quoted string across lines, which
    msgfmt rejects; so they are written here, before each fuzzy entry's ``msgctxt`` line.
    """
    previous = {
        f"msgctxt {normalize(m.context, width=76)}": m.previous_id[0]
        for m in catalog if m.context and m.previous_id and m.fuzzy
    }
    out = []
    in_plural_forms = False
    for line in text.splitlines():
        if in_plural_forms and line.startswith('"') and not _HEADER_FIELD.match(line):
            continue  # Babel wrapped a long Plural-Forms value onto this line; the value is replaced above
        in_plural_forms = False
        if plural_forms and line.startswith('"Plural-Forms:'):
            line = f'"Plural-Forms: {plural_forms}\\n"'
            in_plural_forms = True
        if line in previous:
            out.append(f"#| msgid {normalize(previous[line], prefix='#| ', width=76)}")
        out.append(line)
    return "\n".join(out) + "\n"


def msgfmt_problems(path: Path, shown: Path | str) -> list[Problem]:
    """What ``msgfmt --check`` rejects in ``path`` (shown as ``shown``): syntax, duplicates, formats.

    Babel reads some broken files without complaint (it keeps the first of two duplicate entries and
    stops a string at an unterminated quote), so a catalog that GNU gettext rejects is never read.
    """
    if shutil.which("msgfmt") is None:
        raise SystemDependencyError("msgfmt (GNU gettext) is missing; it checks every catalog before it is "
                                    "used. fix: apt-get install -y gettext (or run 'make leaflets' as root)")
    done = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(path)], capture_output=True, text=True,
                          env={**os.environ, "LC_ALL": "C"}, check=False)
    problems = []
    for line in done.stderr.splitlines():
        if not line.startswith(str(path)) or ": warning: " in line:
            continue
        match = _MSGFMT_LINE.match(line[len(str(path)):])
        if match and match.group(2).startswith("...this is the location of the first") and problems:
            last = problems.pop()
            problems.append(Problem(shown, last.line, f"{last.message.rstrip('.')} (first defined on line "
                                                      f"{match.group(1)}); delete one of the two entries"))
        elif match:
            problems.append(Problem(shown, int(match.group(1)), f"msgfmt --check: {match.group(2)}"))
    if done.returncode != 0 and not problems:
        said = [line.replace(f"msgfmt: {path}: ", "").replace("warning: ", "").strip()
                for line in done.stderr.splitlines() if "fatal error" not in line]
        problems.append(Problem(shown, None, f"msgfmt --check: {'; '.join(filter(None, said)) or done.returncode}; "
                                             "a catalog needs its header entry (msgid \"\") with "
                                             "'Content-Type: text/plain; charset=UTF-8'"))
    return problems


_HEADER_FIELD = re.compile(r'^"[A-Za-z-]+: ')
_MSGFMT_LINE = re.compile(r"^:(\d+): (.*)$")


def _parse(path: Path, locale: str, shown: Path | str | None = None) -> Catalog:
    """Parse a .po file strictly: first ``msgfmt --check``, then Babel; errors name the 1-based line."""
    shown = shown or path
    raise_if(msgfmt_problems(path, shown), CatalogError, "fix the catalog (check it with 'msgfmt --check')")
    try:
        with path.open("rb") as fileobj:
            catalog = read_po(fileobj, locale=locale, domain=DOMAIN, abort_invalid=True)
    except PoFileError as exc:
        reason = str(exc).rsplit(" on ", 1)[0]
        raise CatalogError([Problem(shown, exc.lineno + 1, f"malformed .po file: {reason}; fix the syntax on "
                                                           "this line (check it with 'msgfmt --check')")]) from None
    except (UnicodeError, LookupError, ValueError) as exc:
        raise CatalogError([Problem(shown, None, f"cannot read catalog: {exc}; save it as UTF-8 with the "
                                                 "header 'Content-Type: text/plain; charset=UTF-8'")]) from None
    except OSError as exc:
        raise CatalogError([Problem(shown, None, f"cannot read catalog: {exc.strerror}")]) from None
    _restore_previous(catalog)
    if (catalog.charset or "").lower().replace("-", "") != "utf8":
        raise CatalogError([Problem(shown, None, f"charset is {catalog.charset!r}; catalogs must be UTF-8: set "
                                                 "'Content-Type: text/plain; charset=UTF-8' in the header")])
    return catalog


def _restore_previous(catalog: Catalog) -> None:
    """Turn ``#| msgid`` lines back into the previous English of fuzzy entries.

    Babel reads ``#|`` lines as translator comments ("| msgid ..."); left so, they would pile up as
    ``# | msgid`` comments and the old English a translator compares against would be lost. Once an entry
    is no longer fuzzy, its old English is dropped, as gettext's msgmerge does.
    """
    for message in catalog:
        kept, previous = [], []
        for comment in message.user_comments:
            (previous if comment.startswith("|") else kept).append(comment[1:].strip())
        if not previous:
            continue
        message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
        if message.fuzzy and previous[0].startswith("msgid "):
            previous[0] = previous[0][len("msgid "):]
            message.previous_id = ["".join(unescape(part) for part in previous)]


def read_catalog(path: Path, locale: str, shown: Path | str | None = None) -> dict[str, Entry]:
    """Map context -> entry for a locale's catalog (plural entries are refused: leaflets use none)."""
    shown = shown or path
    if not path.is_file():
        raise CatalogError([Problem(shown, None, f"no catalog for locale {locale}; create it with "
                                                 f"'leaflets i18n update'")])
    entries: dict[str, Entry] = {}
    problems = []
    for message in _parse(path, locale, shown):
        if not message.id or not message.context:
            continue
        if not isinstance(message.string, str):
            problems.append(Problem(shown, message.lineno, f"{message.context}: plural forms (msgid_plural) are "
                                                           "not used by leaflets; write a single msgstr"))
            continue
        entries[message.context] = Entry(message.context, message.id, message.string, message.fuzzy,
                                         message.lineno or 0, tuple(message.user_comments))
    raise_if(problems, CatalogError)
    return entries


def update_catalogs(project: Project, facts: FactBase) -> list[Path]:
    """Write the POT and merge it into every target locale's .po; return the files written."""
    source = source_catalog(project, facts)
    remove_stale_temporaries(project.translations_dir, (".po", ".pot"))
    write_catalog(source, project.pot_path, None)
    written = [project.pot_path]
    for locale in project.target_locales:
        path = project.po_path(locale)
        old = _parse(path, locale) if path.is_file() else None
        write_catalog(merge(source, old, locale), path, locale)
        written.append(path)
    return written


def init_catalog(project: Project, facts: FactBase, locale: str) -> list[Path]:
    """Start a new locale: its .po from the English, an empty glossary, and the locale in leaflets.toml."""
    if problem := check_locale(locale, "--locale"):
        raise ConfigError(problem)
    if locale == project.source_locale:
        raise ConfigError(f"--locale {locale}: that is the source language; it needs no catalog")
    path = project.po_path(locale)
    if path.exists():
        raise ConfigError(f"{path}: already exists; run 'leaflets i18n update' to bring it up to date")
    write_catalog(merge(source_catalog(project, facts), None, locale), path, locale)
    written = [path]
    glossary = glossary_path(project.translations_dir, locale)
    if not glossary.exists():
        write_atomic(glossary, (",".join(COLUMNS) + "\n").encode())
        written.append(glossary)
    if locale not in project.locales:
        toml = project.root / PROJECT_FILE
        text = toml.read_text(encoding="utf-8")
        listed = re.search(r"^locales\s*=\s*\[(.*?)\]", text, re.M | re.S)
        if listed is None:
            raise ConfigError(f"{toml}: add {locale!r} to 'locales' by hand (no 'locales = [...]' line found)")
        items = listed.group(1).rstrip().rstrip(",")
        text = text[:listed.start(1)] + f'{items}, "{locale}"' + text[listed.end(1):]
        write_atomic(toml, text.encode("utf-8"))
        written.append(toml)
    return written
