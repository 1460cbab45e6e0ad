"""Turn a drug's verified facts and a checked translator into leaflet HTML.

Templates get one documented context (``LeafletContext``) built in one function, so the contract between
code and templates is explicit and testable. Autoescaping stays on: fact text is data, never markup. The
stylesheet is included as template source, never passed through a variable, so it is not escaped.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable, TypedDict

import jinja2
from babel import Locale
from babel.dates import format_date

from leaflets.catalog import title_context
from leaflets.errors import RenderError
from leaflets.facts import SECTIONS, Fact, FactBase, Reference
from leaflets.qa import Needed

Translate = Callable[[str, str], str]


class Item(TypedDict):
    """One printed statement and the numbers of the references that back it."""

    text: str
    refs: list[int]


class Section(TypedDict):
    key: str
    lines: list[Item]


class LeafletContext(TypedDict):
    """Everything ``templates/leaflet.html`` receives (plus the ``pgettext`` function)."""

    lang: str  # BCP 47 tag, e.g. "zh-CN": selects Simplified Chinese glyphs and the font
    dir: str  # "ltr" or "rtl"
    title: str
    brands: str
    boxed: list[Item]
    sections: list[Section]
    references: list[Reference]
    version: int
    reviewed: str  # formatted for the locale
    reviewed_iso: str
    draft: bool


def needed_strings(facts: FactBase, drug: str, locale: str, ui: list[Needed]) -> list[Needed]:
    """Every translatable string the leaflet for ``drug`` prints, with the names each must keep."""
    entry = facts.drugs[drug]
    rules = _glossary(entry.names, locale)
    needed = list(ui)
    needed.append(Needed(title_context(drug), entry.title, tuple(n for w, n in rules if w in entry.title.lower())))
    for fact in facts.leaflet_facts(drug):
        assert fact.text is not None  # verified facts always have text
        lowered = fact.text.lower()
        needed.append(Needed(fact.id, fact.text, tuple(n for word, n in rules if word in lowered)))
    return needed


def _glossary(names: dict[str, object], locale: str) -> list[tuple[str, str]]:
    """(English word, name the translation must contain) pairs from the drug file's ``names``.

    Brand and company names stay as they are in every language; the INN must appear as the name given for the
    locale (``names.zh_CN``), so that one medicine is not called by two Chinese names in one leaflet.
    """
    rules = []
    for key in ("brand", "company"):  # names that stay as they are in every language
        kept = names.get(key) or []
        rules += [(str(b).lower(), str(b)) for b in (kept if isinstance(kept, list) else [kept])]
    if names.get(locale):
        rules.append((str(names["inn"]).lower(), str(names[locale])))
    return rules


def leaflet_context(facts: FactBase, drug: str, locale: str, translate: Translate,
                    draft: bool = False) -> LeafletContext:
    """Build the template context for one leaflet."""
    entry = facts.drugs[drug]
    babel_locale = Locale.parse(locale)
    references: list[Reference] = []

    def item(fact: Fact) -> Item:
        numbers = []
        for ref in fact.references:
            if ref not in references:
                references.append(ref)
            numbers.append(references.index(ref) + 1)
        assert fact.text is not None
        return Item(text=translate(fact.id, fact.text), refs=sorted(set(numbers)))

    printed = facts.leaflet_facts(drug)
    boxed = [item(f) for f in printed if f.section == "boxed-warning"]
    sections = [
        Section(key=key, lines=[item(f) for f in printed if f.section == key])
        for key in SECTIONS[1:]
    ]
    brands = entry.names.get("brand") or []
    return LeafletContext(
        lang=language_tag(babel_locale),
        dir="rtl" if babel_locale.text_direction == "rtl" else "ltr",
        title=translate(title_context(drug), entry.title),
        brands=", ".join(str(b) for b in brands) if isinstance(brands, list) else str(brands),
        boxed=boxed,
        sections=[s for s in sections if s["lines"]],
        references=references,
        version=entry.version,
        reviewed=format_date(entry.reviewed, format="long", locale=babel_locale),
        reviewed_iso=entry.reviewed.isoformat(),
        draft=draft,
    )


def language_tag(locale: Locale) -> str:
    """BCP 47 tag as browsers and PDF readers expect it: "zh-CN", "ar", "es"."""
    return f"{locale.language}-{locale.territory}" if locale.territory else locale.language


@lru_cache(maxsize=4)
def environment(templates_dir: Path) -> jinja2.Environment:
    """One Jinja environment per template folder: autoescaped, strict about undefined names."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_html(templates_dir: Path, context: LeafletContext, translate: Translate) -> str:
    """Render ``leaflet.html``; template mistakes become a ``RenderError``."""
    try:
        template = environment(templates_dir).get_template("leaflet.html")
        return template.render(**context, pgettext=translate)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename}:{exc.lineno}: template syntax error: {exc.message}") from None
    except (jinja2.TemplateError, KeyError) as exc:
        raise RenderError(f"{templates_dir}: cannot render leaflet.html: {exc}") from None
