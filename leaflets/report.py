"""The claims report and the re-review list: what a reviewer reads to trust the leaflets.

For every seed document, every claim we recorded from it: the quote, our verdict (verified, corrected,
rejected), why, and what we checked it against, with counts per verdict. Facts that no seed made but a
label requires are listed per drug. Markdown for review in a pull request, HTML for reading.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from leaflets.config import Project
from leaflets.facts import Fact, FactBase
from leaflets.files import write_atomic

VERDICTS = ("verified", "corrected", "rejected")


@dataclass(frozen=True)
class Claim:
    """One seed quote and what we decided about it."""

    document: str
    quote: str
    fact: Fact
    verdict: str
    finding: str  # the printed text for verified claims, the reason for the others


def verdict(fact: Fact) -> str:
    if fact.verified:
        return "verified"
    return "corrected" if fact.corrected_by else "rejected"


def claims_by_document(project: Project, facts: FactBase) -> dict[str, list[Claim]]:
    """Every seed document (even one we took nothing from) -> its claims in file order."""
    documents = {p.name: [] for p in sorted(project.documents_dir.glob("*.txt"))}
    for fact in facts.all_facts():
        for evidence in fact.evidence:
            finding = fact.text if fact.verified else fact.reason
            if fact.corrected_by:
                correction = facts.by_id[fact.corrected_by]
                finding = f"{fact.reason} Printed instead ({correction.id}): {correction.text}"
            documents.setdefault(evidence.document, []).append(
                Claim(evidence.document, evidence.quote, fact, verdict(fact), finding or ""))
    return documents


_SENTENCE_END = re.compile(r"[。！？!?\n]")


def unrecorded_sentences(project: Project, facts: FactBase) -> dict[str, list[str]]:
    """Per seed document, the sentences that no record quotes (headings, navigation, restatements, or a
    missed claim): what a reviewer reads to confirm every claim is accounted for."""
    quotes: dict[str, list[str]] = {}
    for fact in facts.all_facts():
        for evidence in fact.evidence:
            quotes.setdefault(evidence.document, []).append(evidence.quote)
    found: dict[str, list[str]] = {}
    for path in sorted(project.documents_dir.glob("*.txt")):
        recorded = quotes.get(path.name, [])
        sentences = dict.fromkeys(s.strip() for s in _SENTENCE_END.split(path.read_text(encoding="utf-8")))
        found[path.name] = [s for s in sentences if len(s) >= _MIN_SENTENCE
                            and not any(q in s or s in q for q in recorded)]
    return found


#: Shorter fragments are headings, dates and navigation.
_MIN_SENTENCE = 12


def reference_only(facts: FactBase) -> dict[str, list[Fact]]:
    """Per drug, the verified facts no seed made (required by a label or guideline)."""
    return {key: [f for f in drug.facts if f.verified and f.origin == "reference"]
            for key, drug in sorted(facts.drugs.items())}


def counts(claims: list[Claim]) -> Counter[str]:
    found = Counter({v: 0 for v in VERDICTS})
    found.update(c.verdict for c in claims)
    return found


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


@dataclass(frozen=True)
class ClaimsReport:
    """Everything both report formats show, gathered once (it reads every seed document)."""

    documents: dict[str, list[Claim]]
    unrecorded: dict[str, list[str]]
    reference_only: dict[str, list[Fact]]

    @property
    def tally(self) -> dict[str, Counter[str]]:
        return {name: counts(claims) for name, claims in self.documents.items()}


def claims_report(project: Project, facts: FactBase) -> ClaimsReport:
    return ClaimsReport(claims_by_document(project, facts), unrecorded_sentences(project, facts),
                        reference_only(facts))


def markdown_report(report: ClaimsReport) -> str:
    """The claims report as Markdown tables."""
    lines = ["# Claims report", "",
             "Every claim taken from the seed documents, with our verdict. *corrected*: the claim is false and "
             "a verified fact states the truth instead; *rejected*: false or unverifiable, nothing printed.", ""]
    total: Counter[str] = Counter()
    tally = report.tally
    for document, claims in report.documents.items():
        found = tally[document]
        total.update(found)
        lines += [f"## {document}", "",
                  ", ".join(f"{v}: {found[v]}" for v in VERDICTS) + f" (claims: {len(claims)})", "",
                  "| quote | verdict | record | reason or printed text | references |",
                  "|---|---|---|---|---|"]
        for claim in claims:
            refs = "; ".join(f"[{_cell(r.title)}]({r.url})" if r.url else _cell(r.title)
                             for r in claim.fact.references)
            lines.append(f"| {_cell(claim.quote)} | {claim.verdict} | `{claim.fact.id}` | "
                         f"{_cell(claim.finding)} | {refs} |")
        lines.append("")
    lines += ["## Totals", "", ", ".join(f"{v}: {total[v]}" for v in VERDICTS), "",
              "## Sentences with no record", "",
              "Sentences of 12 or more characters that no record quotes. Reviewed: headings, navigation, "
              "questions, encouragement, and restatements of claims recorded above. A substantive claim "
              "here is a gap in the fact base.", ""]
    for document, sentences in report.unrecorded.items():
        lines.append(f"- **{document}** ({len(sentences)}): " + " / ".join(_cell(s) for s in sentences))
    lines += ["",
              "## Facts required by references but absent from the seeds", ""]
    for drug, required in report.reference_only.items():
        lines.append(f"- **{drug}**: {len(required)} — " + ", ".join(f"`{f.id}`" for f in required))
    return "\n".join(lines) + "\n"


_HTML = Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Claims report</title>
<style>
body { font-family: "Noto Sans", "Noto Sans CJK SC", sans-serif; margin: 2em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2em; }
th, td { border: 1px solid #999; padding: .3em .5em; vertical-align: top; text-align: start; }
.verified { background: #eef8ee; } .corrected { background: #fff6e0; } .rejected { background: #fbeaea; }
</style></head><body>
<h1>Claims report</h1>
<p><b>corrected</b>: the claim is false and a verified fact states the truth instead;
<b>rejected</b>: false or unverifiable, nothing printed.</p>
{% for document, claims in report.documents.items() %}
<h2>{{ document }}</h2>
<p>{% for v in verdicts %}{{ v }}: {{ report.tally[document][v] }}{% if not loop.last %}, {% endif %}{% endfor %}
 (claims: {{ claims | length }})</p>
<table><thead><tr><th>quote</th><th>verdict</th><th>record</th><th>reason or printed text</th><th>references</th></tr></thead>
<tbody>{% for c in claims %}<tr class="{{ c.verdict }}"><td lang="zh-CN">{{ c.quote }}</td><td>{{ c.verdict }}</td>
<td><code>{{ c.fact.id }}</code></td><td>{{ c.finding }}</td>
<td>{% for r in c.fact.references %}{% if r.url %}<a href="{{ r.url }}">{{ r.title }}</a>{% else %}{{ r.title }}{% endif %}{% if not loop.last %}<br>{% endif %}{% endfor %}</td></tr>
{% endfor %}</tbody></table>
{% endfor %}
<h2>Sentences with no record</h2>
<p>Sentences that no record quotes: headings, navigation, questions and restatements. A substantive claim
here is a gap in the fact base.</p>
{% for document, sentences in report.unrecorded.items() %}<h3>{{ document }} ({{ sentences | length }})</h3>
<ul lang="zh-CN">{% for s in sentences %}<li>{{ s }}</li>{% endfor %}</ul>{% endfor %}
<h2>Facts required by references but absent from the seeds</h2>
<ul>{% for drug, required in report.reference_only.items() %}<li><b>{{ drug }}</b>: {{ required | length }}</li>{% endfor %}</ul>
</body></html>
""")


def html_report(report: ClaimsReport) -> str:
    """The claims report as one HTML page."""
    return _HTML.render(report=report, verdicts=VERDICTS)


def write_reports(report: ClaimsReport, out_dir: Path) -> list[Path]:
    """Write ``claims.md`` and ``claims.html`` atomically into ``out_dir``."""
    written = []
    for name, text in (("claims.md", markdown_report(report)), ("claims.html", html_report(report))):
        write_atomic(out_dir / name, text.encode("utf-8"))
        written.append(out_dir / name)
    return written


def due(facts: FactBase, before: dt.date) -> list[Fact]:
    """Facts (verified or rejected) last checked before ``before``, oldest first."""
    return sorted((f for f in facts.all_facts() if f.checked and f.checked < before),
                  key=lambda f: (f.checked, str(f.path), f.line))
