"""The build's ``index.html``: a clinic picks a medicine and a language, reads the leaflet or prints a PDF.

It works from a folder or a USB stick as well as from a web server: no network, no server-side code.
Without JavaScript every leaflet is listed; with it, two menus filter the list by medicine and language.
Each language is named in its own script and marked with its language tag, so a screen reader and the
font fallback treat it right.
"""
from __future__ import annotations

from babel import Locale
from jinja2 import Environment

from leaflets.config import Project
from leaflets.facts import FactBase
from leaflets.outputs import kind_of
from leaflets.render import language_tag

VARIANT_LABELS = {"a4": "PDF, A4", "letter": "PDF, US Letter", "large": "Large print PDF"}

_PAGE = Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Patient leaflets</title>
<style>
body { font-family: "Noto Sans", sans-serif; line-height: 1.5; max-width: 50em; margin: 0 auto; padding: 0.5em 1em 2em;
       color: #111; overflow-wrap: anywhere; }
:lang(zh) { font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; }
:lang(ar) { font-family: "Noto Naskh Arabic", "Noto Sans", serif; }
h1 { font-size: 1.6em; }
a { color: #0b4f6c; }
.filter { display: flex; flex-wrap: wrap; gap: 0.5em 1.5em; margin: 1em 0; }
.filter label { display: flex; flex-direction: column; font-weight: bold; }
.filter select { font: inherit; padding: 0.3em; min-width: 12em; max-width: 100%; }
.leaflets { list-style: none; padding: 0; margin: 0; }
.leaflet { border-top: 1px solid #ccc; padding: 0.6em 0; }
.leaflet .name { font-weight: bold; }
.leaflet .links { display: flex; flex-wrap: wrap; gap: 0.3em 1.2em; margin-top: 0.2em; }
.leaflet .links a { padding: 0.2em 0; }
.missing { color: #555; }
</style></head>
<body>
<header><h1>Patient leaflets</h1></header>
<main>
<p>Pick a medicine and a language. Read the leaflet on screen, or print a PDF: A4, US Letter or large
print. Each leaflet says that it does not replace advice from a doctor or pharmacist.</p>
<form class="filter" id="filter" hidden>
  <label for="filter-drug">Medicine
    <select id="filter-drug"><option value="">All medicines</option>
    {% for drug in drugs %}<option value="{{ drug.key }}">{{ drug.title }}</option>{% endfor %}</select></label>
  <label for="filter-locale">Language
    <select id="filter-locale"><option value="">All languages</option>
    {% for loc in locales %}<option value="{{ loc.code }}" lang="{{ loc.tag }}">{{ loc.name }}</option>{% endfor %}</select></label>
</form>
<p id="shown" aria-live="polite"></p>
<ul class="leaflets">
{% for drug in drugs %}{% for loc in locales %}{% set out = outputs.get((drug.key, loc.code)) %}
<li class="leaflet" data-drug="{{ drug.key }}" data-locale="{{ loc.code }}">
  <span class="name">{{ drug.title }}</span> · <span lang="{{ loc.tag }}">{{ loc.name }}</span>
  {% if out %}<div class="links" lang="{{ loc.tag }}" dir="{{ loc.dir }}">
    {% if out.html %}<a href="{{ out.html.path }}">{{ out.html.title }}</a>{% endif %}
  </div>
  <div class="links">
    {% for variant, label in variant_labels.items() %}{% if out[variant] %}<a href="{{ out[variant].path }}" type="application/pdf">{{ label }}</a>{% endif %}{% endfor %}
  </div>
  <small>Version {{ drug.version }}, checked {{ drug.reviewed }}</small>
  {% else %}<div class="missing">Not available yet.</div>{% endif %}
</li>{% endfor %}{% endfor %}
</ul>
</main>
<script>
(function () {
  var form = document.getElementById("filter"), drug = document.getElementById("filter-drug"),
      locale = document.getElementById("filter-locale"), shown = document.getElementById("shown"),
      items = document.querySelectorAll(".leaflet");
  function apply() {
    var count = 0;
    items.forEach(function (item) {
      var hide = (drug.value && item.dataset.drug !== drug.value) || (locale.value && item.dataset.locale !== locale.value);
      item.hidden = Boolean(hide);
      if (!hide) { count += 1; }
    });
    shown.textContent = count + " of " + items.length + " leaflets shown";
  }
  form.hidden = false;
  drug.addEventListener("change", apply);
  locale.addEventListener("change", apply);
  apply();
})();
</script>
</body>
</html>
""")


def index_html(project: Project, facts: FactBase, entries: list[dict]) -> str:
    """Render the index from the manifest entries that exist."""
    outputs: dict[tuple[str, str], dict[str, dict]] = {}
    for entry in entries:
        outputs.setdefault((entry["drug"], entry["locale"]), {})[kind_of(entry)] = entry
    locales = []
    for code in project.locales:
        locale = Locale.parse(code)
        locales.append({"code": code, "tag": language_tag(locale), "name": locale.get_display_name(code) or code,
                        "dir": "rtl" if locale.text_direction == "rtl" else "ltr"})
    drugs = [facts.drugs[key] for key in sorted(facts.drugs)]
    return _PAGE.render(drugs=drugs, locales=locales, outputs=outputs, variant_labels=VARIANT_LABELS)
