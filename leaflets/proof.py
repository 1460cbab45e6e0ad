"""A bilingual proof for a reviewer: English and the translation side by side, fact by fact.

A reviewer signs off a leaflet's translation by reading every string it prints next to its English, with
each QA finding highlighted beside the string it concerns. The proof is for review only: it is marked as
such on every page, lists untranslated strings as gaps, and is never written next to patient leaflets.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from jinja2 import Environment

from leaflets.config import Project
from leaflets.errors import Problem
from leaflets.facts import load_facts
from leaflets.files import write_atomic
from leaflets.readiness import catalog_and_glossary, relative, ui_strings
from leaflets.qa import check_entry
from leaflets.render import language_tag, lang_runs, needed_strings


@dataclass(frozen=True)
class Row:
    """One string of the leaflet: its id, English, translation and what the checks found."""

    context: str
    english: str
    translation: str
    findings: tuple[Problem, ...]


_PAGE = Environment(autoescape=True)
_PAGE.filters["lang_runs"] = lang_runs
_TEMPLATE = _PAGE.from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Translation proof: {{ drug }} ({{ locale }})</title>
<style>
@page { size: A4 landscape; margin: 14mm 12mm;
  @top-center { content: "TRANSLATION PROOF - FOR REVIEW, NOT FOR PATIENTS - {{ drug }} - {{ locale }}"; font-size: 8pt; }
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "Noto Sans", "Noto Sans CJK SC", "Noto Naskh Arabic", sans-serif; font-size: 9.5pt; }
:lang(zh) { font-family: "Noto Sans CJK SC", sans-serif; } :lang(ar) { font-family: "Noto Naskh Arabic", serif; }
table { border-collapse: collapse; width: 100%; } td, th { border: 0.5pt solid #999; padding: 3pt 5pt; vertical-align: top; }
th { background: #eee; text-align: start; } td.id { width: 16%; font-size: 8pt; color: #333; word-break: break-all; }
td.en, td.tr { width: 42%; } tr.finding td { background: #fff1c2; } .finding-text { color: #8a1c00; font-weight: bold; }
.sign { margin-top: 14pt; } .sign td { height: 18pt; }
</style></head><body>
<h1>Translation proof: {{ title }} — {{ language }}</h1>
<p>{{ rows | length }} strings, {{ flagged }} with findings (highlighted). Read each translation against the
English; strings with findings are not printed in patient leaflets until they are fixed.</p>
<table><thead><tr><th>id</th><th>English</th><th lang="{{ tag }}" dir="{{ dir }}">{{ language }}</th></tr></thead><tbody>
{% for row in rows %}<tr class="{{ 'finding' if row.findings else '' }}"><td class="id">{{ row.context }}</td>
<td class="en">{{ row.english }}</td>
<td class="tr" lang="{{ tag }}" dir="{{ dir }}">{{ row.translation | lang_runs(tag) }}{% for f in row.findings %}
<div class="finding-text" lang="en" dir="ltr">[{{ f.check }}] {{ f.message }}</div>{% endfor %}</td></tr>
{% endfor %}</tbody></table>
<table class="sign"><tr><th>Reviewed by</th><td></td><th>Date</th><td></td><th>Signature</th><td></td></tr></table>
</body></html>
""")


def proof_rows(project: Project, drug: str, locale: str) -> tuple[str, list[Row]]:
    """The leaflet's title and every string it prints, with findings, in print order."""
    facts = load_facts(project)
    project.check_selection([drug], [locale])
    ui = ui_strings(project, facts)
    path = project.po_path(locale)
    entries, terms = catalog_and_glossary(project, locale)
    rows = []
    for needed in needed_strings(facts, drug, locale, ui):
        entry = entries.get(needed.context)
        findings = check_entry(needed, entry, locale, relative(project, path), terms)
        rows.append(Row(needed.context, needed.english, entry.msgstr if entry else "", tuple(findings)))
    return facts.drugs[drug].title, rows


def write_proof(project: Project, drug: str, locale: str, out_dir: Path) -> Path:
    """Write ``<out_dir>/<locale>/<drug>.proof.pdf`` and return its path."""
    from leaflets.pdf import html_to_pdf, require_fonts

    title, rows = proof_rows(project, drug, locale)
    babel_locale = Locale.parse(locale)
    html = _TEMPLATE.render(
        drug=drug, locale=locale, title=title, rows=rows, flagged=sum(bool(r.findings) for r in rows),
        language=babel_locale.get_display_name(babel_locale), tag=language_tag(babel_locale),
        dir="rtl" if babel_locale.text_direction == "rtl" else "ltr",
    )
    require_fonts()
    target = out_dir / locale / f"{drug}.proof.pdf"
    write_atomic(target, html_to_pdf(html, project.templates_dir, f"proof {locale}/{drug}"))
    return target
