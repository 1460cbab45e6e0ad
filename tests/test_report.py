"""The claims report and the re-review rule."""
from __future__ import annotations

from pathlib import Path

import pytest

from leaflets.build import build
from leaflets.catalog import update_catalogs
from leaflets.cli import main
from leaflets.config import Project, load_project
from leaflets.facts import load_facts
from leaflets.report import claims_by_document, claims_report, counts, markdown_report

ROOT = Path(__file__).resolve().parent.parent


def test_report_lists_each_seed_claim_with_verdict(project: Project, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(project.root), "facts", "report", "--out", str(tmp_path)]) == 0
    md = (tmp_path / "claims.md").read_text(encoding="utf-8")
    assert "## 004_08166ad4e92e0aeb.txt" in md
    assert "verified: 2, corrected: 0, rejected: 1 (claims: 3)" in md
    assert ("| 如果在8周内没有显然的治疗的效果改善 | rejected | `demo.reassess.8w` | The 8-week reassessment is the "
            "atopic dermatitis rule") in md
    assert "## 000_b2a6c86383cee707.txt\n\nverified: 0, corrected: 0, rejected: 0 (claims: 0)" in md
    assert "- **demo-cream**: 5 —" in md  # facts required by references that no seed made
    unrecorded = md.split("## Sentences with no record")[1]
    assert "鲁索替尼乳膏主要用于治疗12岁及以上患者的非节段性白癜风" not in unrecorded  # quoted by demo.use.age
    assert "鲁索替尼治疗白癜风的安全性" in unrecorded
    html = (tmp_path / "claims.html").read_text(encoding="utf-8")
    assert '<tr class="rejected"><td lang="zh-CN">如果在8周内没有显然的治疗的效果改善</td>' in html
    assert "004_08166ad4e92e0aeb.txt: verified 2, corrected 0, rejected 1" in capsys.readouterr().out


def test_corrected_claim_shows_what_is_printed_instead(project: Project) -> None:
    path = project.root / "seeds/facts/demo-cream.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    reason: The 8-week", "    corrected_by: demo.use.age\n    reason: The 8-week"), encoding="utf-8")
    facts = load_facts(project)
    [claim] = [c for c in claims_by_document(project, facts)["004_08166ad4e92e0aeb.txt"] if not c.fact.verified]
    assert claim.verdict == "corrected"
    assert claim.finding.endswith("Printed instead (demo.use.age): Ruxolitinib cream is used for non-segmental "
                                  "vitiligo in people aged 12 years and older.")


def test_real_report_accounts_for_every_seed_document() -> None:
    project = load_project(ROOT)
    documents = claims_by_document(project, load_facts(project))
    assert sorted(documents) == sorted(p.name for p in (ROOT / "seeds/documents").glob("*.txt"))
    for name, claims in documents.items():
        found = counts(claims)
        assert found["verified"] > 0 and found["corrected"] + found["rejected"] > 0, name
    assert "| 如果在8周内没有显然的治疗的效果改善,则需要重新评估治疗方案 | corrected | `rux.rej.reassess-8-weeks` |" in markdown_report(
        claims_report(project, load_facts(project)))


def test_facts_due_before_date(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path = project.root / "seeds/facts/demo-cream.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: demo.how.dose")
    path.write_text(text[:start] + text[start:].replace("checked: 2026-11-23", "checked: 2025-01-10", 1),
                    encoding="utf-8")
    assert main(["--project", str(project.root), "facts", "due", "--before", "2026-01-01"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"seeds/facts/demo-cream.yaml:{text[:start].count(chr(10)) + 1}: demo.how.dose "
                                "(verified, checked 2025-01-10)"]
    assert "1 fact(s) due for re-review before 2026-01-01" in err
    assert main(["--project", str(project.root), "facts", "due", "--before", "2026-12-01"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 8
    assert main(["--project", str(project.root), "facts", "due", "--before", "soon"]) == 2


def test_changed_fact_blocks_its_translation_until_reviewed(project: Project, tmp_path: Path) -> None:
    path = project.root / "seeds/facts/demo-cream.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Do not use it if you are pregnant.",
                                                             "Do not use it if you are pregnant or planning a baby."),
                    encoding="utf-8")
    stale = build(project, tmp_path / "stale", locales=["zh_CN"])  # catalog not updated yet
    [problem] = next(iter(stale.skipped.values()))
    assert "demo.before.pregnancy: the English text has changed" in problem.message
    update_catalogs(project, load_facts(project))
    fuzzy = build(project, tmp_path / "fuzzy")
    assert [j.locale for j in fuzzy.written] == ["en"]
    [problem] = next(iter(fuzzy.skipped.values()))
    assert "zh_CN: demo.before.pregnancy: translation is fuzzy" in problem.message
