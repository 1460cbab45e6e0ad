"""Turn a drug's verified facts and a checked translator into leaflet HTML.

Templates get one documented context (``LeafletContext``) built in one function, so the contract between
code and templates is explicit and testable. Autoescaping stays on: fact text is data, never markup. The
stylesheet is included as template source, never passed through a variable, so it is not escaped.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Callable, TypedDict

import jinja2
from markupsafe import Markup, escape
from babel import Locale
from babel.dates import format_date

from leaflets.catalog import title_context
from leaflets.config import Clinic
from leaflets.errors import RenderError
from leaflets.facts import SECTIONS, Fact, FactBase, Reference
from leaflets.outputs import SUFFIXES
from leaflets.qa import Needed
from leaflets.qr import qr_data_uri

Translate = Callable[[str, str], str]


class Item(TypedDict):
    """One printed statement and the references that back it, as "3" or "3 §2" (document 3, section 2)."""

    text: str
    refs: list[str]


class Group(TypedDict):
    """Statements under one EU QRD subheading ("If you forget ..."); ``key`` picks the heading."""

    key: str
    lines: list[Item]


class Section(TypedDict):
    key: str
    groups: list[Group]


class Source(TypedDict):
    """A document listed once in the sources, with the parts of it that the leaflet cites."""

    title: str
    url: str
    parts: list[str]


#: Which QRD subheading a fact's topic prints under; topics not listed print first, without a subheading.
GROUP_OF_TOPIC: dict[str, str] = {
    "off-label": "off-label", "vitiligo": "vitiligo", "contraindication": "do-not-use", "warning": "warnings",
    "children": "children", "interaction": "other-medicines", "pregnancy": "pregnancy",
    "breastfeeding": "pregnancy", "driving": "driving", "excipients": "excipients", "overdose": "overdose",
    "missed-dose": "missed-dose", "stopping": "stopping", "urgent-side-effect": "urgent", "pack": "pack",
}
#: Print order of the groups within a section, following the EU QRD template: "get help straight away"
#: comes first; a before-use fact without a topic is a warning. Off-label statements are taken out of
#: their section and printed under the title, because for a medicine not licensed for vitiligo that is
#: the first thing a patient should read.
GROUP_ORDER: tuple[str, ...] = (
    "off-label", "urgent", "do-not-use", "general", "warnings", "children", "other-medicines", "pregnancy",
    "driving", "excipients", "overdose", "missed-dose", "stopping", "pack", "vitiligo",
)
_SECTION_PART = re.compile(r"^(?:sections?|§)\s*([0-9][0-9.]*(?:\s*(?:,|and|&)\s*[0-9][0-9.]*)*)", re.I)


class Download(TypedDict):
    """A link from the screen HTML to one of the leaflet's PDFs, labelled by a ``ui.variant.*`` string."""

    href: str
    variant: str


class LeafletContext(TypedDict):
    """Everything ``templates/leaflet.html`` receives (plus the ``pgettext`` function)."""

    lang: str  # BCP 47 tag, e.g. "zh-CN": selects Simplified Chinese glyphs and the font
    dir: str  # "ltr" or "rtl"
    title: str
    brands: str
    off_label: list[Item]  # the licence status for vitiligo, printed first, under the title
    boxed: list[Item]
    sections: list[Section]
    references: list[Source]
    version: int
    reviewed: str  # formatted for the locale
    reviewed_iso: str
    language: str  # the locale's name in its own language, for the running header
    draft: bool
    variant: str | None  # None for the screen HTML, else the print variant ("a4", "letter", "large")
    downloads: list[Download]  # the PDFs built next to the HTML, linked from the screen version
    clinic: Clinic  # printed in its own box; empty fields leave lines to write on
    online_url: str  # where the HTML is published ("" if not configured): printed with a QR code
    qr: str  # the QR code for online_url as a data: URI, or ""


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


def group_key(fact: Fact) -> str:
    """The QRD subheading group a fact prints under."""
    key = GROUP_OF_TOPIC.get(fact.topic or "", "general")
    if key == "vitiligo" and fact.section != "what-it-is":
        return "general"
    if key == "general" and fact.section == "before-use":
        return "warnings"
    return key


def sources(facts: list[Fact]) -> tuple[list[Source], dict[Reference, str]]:
    """Each cited document once (by URL, else title), and for each reference its citation mark.

    Titles name the part read ("..., section 2 'Driving'"); the part is what the references of one
    document do not share, so the list stays one line per document and the mark says "3 §2".
    """
    by_document: dict[str, list[Reference]] = {}
    for fact in facts:
        for ref in fact.references:
            found = by_document.setdefault(ref.url or ref.title, [])
            if ref not in found:
                found.append(ref)
    listed: list[Source] = []
    marks: dict[Reference, str] = {}
    for number, refs in enumerate(by_document.values(), 1):
        document = _common_title([r.title for r in refs])
        parts = [r.title[len(document):].strip(" ,;:-–") for r in refs]
        listed.append(Source(title=document.rstrip(" ,;:-–") or refs[0].title, url=refs[0].url,
                             parts=[p for p in parts if p]))
        for ref, part in zip(refs, parts):
            section = _SECTION_PART.match(part)
            marks[ref] = f"{number} §{_section_list(section.group(1))}" if section else str(number)
    return listed, marks


def _section_list(found: str) -> str:
    """"2 and 4", "2, 3" -> "2, 4", "2, 3"."""
    return ", ".join(p for p in re.split(r"\s*(?:,|and|&)\s*", found) if p)


def _common_title(titles: list[str]) -> str:
    """The longest common start of ``titles`` that ends at a comma (the document, without its part)."""
    if len(titles) == 1:
        return titles[0]
    prefix = titles[0]
    for title in titles[1:]:
        while not title.startswith(prefix):
            prefix = prefix[:-1]
    cut = prefix.rfind(", ")
    if cut < 0.6 * len(prefix):  # a comma inside the title itself: keep the whole words in common instead
        cut = prefix.rfind(" ") if not titles[0][len(prefix):len(prefix) + 1].isspace() else len(prefix)
    return prefix[:cut] if cut > 0 else prefix


def leaflet_context(facts: FactBase, drug: str, locale: str, translate: Translate, draft: bool = False,
                    variants: tuple[str, ...] = (), clinic: Clinic = Clinic(), base_url: str = "") -> LeafletContext:
    """Build the template context for one leaflet (its screen version; see ``for_variant``)."""
    entry = facts.drugs[drug]
    babel_locale = Locale.parse(locale)
    printed = facts.leaflet_facts(drug)
    listed, marks = sources(printed)

    def item(fact: Fact) -> Item:
        assert fact.text is not None
        refs = list(dict.fromkeys(marks[ref] for ref in fact.references))
        return Item(text=translate(fact.id, fact.text), refs=refs)

    def groups(section: str) -> list[Group]:
        found = [f for f in printed if f.section == section]
        return [Group(key=key, lines=[item(f) for f in found if group_key(f) == key])
                for key in GROUP_ORDER if key != "off-label" and any(group_key(f) == key for f in found)]

    brands = entry.names.get("brand") or []
    return LeafletContext(
        lang=language_tag(babel_locale),
        dir="rtl" if babel_locale.text_direction == "rtl" else "ltr",
        title=translate(title_context(drug), entry.title),
        brands=", ".join(str(b) for b in brands) if isinstance(brands, list) else str(brands),
        off_label=[item(f) for f in printed if group_key(f) == "off-label"],
        boxed=[item(f) for f in printed if f.section == "boxed-warning"],
        sections=[Section(key=key, groups=g) for key in SECTIONS[1:] if (g := groups(key))],
        references=listed,
        version=entry.version,
        reviewed=format_date(entry.reviewed, format="long", locale=babel_locale),
        reviewed_iso=entry.reviewed.isoformat(),
        language=babel_locale.get_display_name(babel_locale) or locale,
        draft=draft,
        variant=None,
        downloads=[Download(href=f"{drug}{SUFFIXES[v]}", variant=v) for v in variants],
        clinic=clinic,
        online_url=(url := f"{base_url}/{locale}/{drug}.html" if base_url else ""),
        qr=qr_data_uri(url) if url else "",
    )


def for_variant(context: LeafletContext, variant: str) -> LeafletContext:
    """The context of one print variant: the same leaflet, laid out for paper."""
    return LeafletContext(**{**context, "variant": variant})


def language_tag(locale: Locale) -> str:
    """BCP 47 tag as browsers and PDF readers expect it: "zh-CN", "ar", "es"."""
    return f"{locale.language}-{locale.territory}" if locale.territory else locale.language


@lru_cache(maxsize=4)
def environment(templates_dir: Path) -> jinja2.Environment:
    """One Jinja environment per template folder: autoescaped, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["css_counters"] = css_counters
    env.filters["lang_runs"] = lang_runs
    return env


#: A run of Chinese characters (with the CJK punctuation between them).
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff][\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]*")


def lang_runs(text: str, page_lang: str) -> Markup:
    """``text`` escaped, with each Chinese run marked ``lang="zh-CN"`` unless the page is Chinese.

    Without the mark, Chinese words inside an English or Arabic page (a Chinese reference title) are
    drawn with the page language's font fallback, which picks Japanese glyph forms.
    """
    if page_lang.startswith("zh"):
        return escape(text)
    out, last = [], 0
    for match in _HAN_RUN.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(Markup('<span lang="zh-CN">%s</span>') % match.group())
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def css_counters(text: str) -> Markup:
    """A CSS ``content`` value for ``text`` with ``%(page)s``/``%(pages)s`` as page counters.

    Every character but letters, digits and spaces is written as a CSS escape, so a translation can
    neither end the string nor the ``<style>`` element it stands in.
    """
    parts = []
    for piece in re.split(r"(%\((?:page|pages)\)s)", text):
        if piece in ("%(page)s", "%(pages)s"):
            parts.append(f"counter({piece[2:-2]})")
        elif piece:
            parts.append('"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in piece) + '"')
    return Markup(" ".join(parts) or '""')


def render_html(templates_dir: Path, context: LeafletContext, translate: Translate) -> str:
    """Render ``leaflet.html``; template mistakes become a ``RenderError``."""
    try:
        template = environment(templates_dir).get_template("leaflet.html")
        return template.render(**context, pgettext=translate)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename}:{exc.lineno}: template syntax error: {exc.message}") from None
    except (jinja2.TemplateError, KeyError) as exc:
        raise RenderError(f"{templates_dir}: cannot render leaflet.html: {exc}") from None
