"""The build's ``index.html``: a clinic picks a medicine and a language and gets the printable PDF."""
from __future__ import annotations

from babel import Locale
from jinja2 import Environment

from leaflets.config import Project
from leaflets.facts import FactBase
from leaflets.render import language_tag

_PAGE = Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Patient leaflets</title>
<style>
body { font-family: "Noto Sans", sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #999; padding: .4em .6em; text-align: start; }
</style></head>
<body>
<h1>Patient leaflets</h1>
<p>Pick a medicine and a language. Print the PDF; the HTML is for reading on screen.
Each leaflet says that it does not replace advice from a doctor or pharmacist.</p>
<table>
<thead><tr><th scope="col">Medicine</th>{% for loc in locales %}<th scope="col" lang="{{ loc.tag }}">{{ loc.name }}</th>{% endfor %}</tr></thead>
<tbody>
{% for drug in drugs %}<tr><th scope="row">{{ drug.title }} <small>(version {{ drug.version }}, checked {{ drug.reviewed }})</small></th>
{% for loc in locales %}<td>{% set out = outputs.get((drug.key, loc.code)) %}{% if out %}<a href="{{ out.pdf }}" lang="{{ loc.tag }}">PDF</a> · <a href="{{ out.html }}" lang="{{ loc.tag }}">HTML</a>{% else %}not available{% endif %}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
</body>
</html>
""")


def index_html(project: Project, facts: FactBase, entries: list[dict]) -> str:
    """Render the index from the manifest entries that exist."""
    outputs: dict[tuple[str, str], dict[str, str]] = {}
    for entry in entries:
        outputs.setdefault((entry["drug"], entry["locale"]), {})[entry["format"]] = entry["path"]
    locales = [
        {"code": code, "tag": language_tag(Locale.parse(code)),
         "name": Locale.parse(code).get_display_name(code) or code}
        for code in project.locales
    ]
    drugs = [facts.drugs[key] for key in sorted(facts.drugs)]
    return _PAGE.render(drugs=drugs, locales=locales, outputs=outputs)
