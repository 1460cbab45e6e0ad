"""Fact validation: every broken input gets an error naming the file and the line."""
from __future__ import annotations

from pathlib import Path

import pytest

from leaflets.cli import main
from leaflets.config import Project
from leaflets.errors import FactsError
from leaflets.facts import load_facts

DEMO = Path("seeds/facts/demo-cream.yaml")


def edit(project: Project, old: str, new: str) -> Path:
    path = project.root / DEMO
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(project: Project, needle: str) -> int:
    lines = (project.root / DEMO).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def problems(project: Project) -> list[str]:
    with pytest.raises(FactsError) as info:
        load_facts(project)
    return [str(p) for p in info.value.problems]


def test_demo_facts_load(project: Project) -> None:
    facts = load_facts(project)
    assert list(facts.drugs) == ["demo-cream"]
    printed = [f.id for f in facts.leaflet_facts("demo-cream")]
    assert printed[0] == "demo.boxed.infections"  # the boxed warning comes first
    assert "demo.reassess.8w" not in printed  # rejected records are never printed


def test_broken_yaml_names_file_and_line(project: Project) -> None:
    edit(project, "    section: how-to-use\n", "    section: [how-to-use\n")
    [message] = problems(project)
    assert message.startswith(f"{DEMO}:")
    assert "YAML syntax error" in message
    assert int(message.split(":")[1]) >= line_of(project, "section: [how-to-use")


def test_quote_not_in_document(project: Project) -> None:
    edit(project, "鲁索替尼乳膏的用法用量通常为每日两次", "鲁索替尼乳膏每日三次")
    [message] = problems(project)
    assert message == (f"{DEMO}:{line_of(project, '每日三次')}: facts[5].evidence[0].quote: not found verbatim "
                       "in 004_08166ad4e92e0aeb.txt: '鲁索替尼乳膏每日三次'; copy the exact text from the document")


def test_invented_section_key(project: Project) -> None:
    edit(project, "section: how-to-use", "section: dosage")
    [message] = problems(project)
    assert message == (f"{DEMO}:{line_of(project, 'section: dosage')}: facts[5].section: unknown section 'dosage'; "
                       "expected one of: boxed-warning, what-it-is, before-use, how-to-use, side-effects, storage, "
                       "other-information")


def test_every_problem_is_reported_at_once(project: Project) -> None:
    edit(project, "section: how-to-use", "section: dosage")
    edit(project, "id: demo.before.contra", "id: demo.use.age")  # duplicate id
    edit(project, "status: rejected", "status: maybe")
    found = problems(project)
    assert len(found) == 3
    assert any("unknown section 'dosage'" in p for p in found)
    assert any("duplicate id 'demo.use.age'" in p for p in found)
    assert any("status: 'maybe'; expected one of: verified, rejected" in p for p in found)


def test_verified_fact_needs_a_reference_url(project: Project) -> None:
    edit(project, "        url: https://www.ema.europa.eu/en/medicines/human/EPAR/opzelura\n", "")
    assert any("facts[2]: a verified fact needs at least one reference with a 'url'" in p
               for p in problems(project))


def test_required_safety_topic_missing(project: Project) -> None:
    edit(project, "    topic: pregnancy\n", "")
    [message] = problems(project)
    assert "no verified fact with topic 'pregnancy'" in message


def test_rejected_record_needs_reason(project: Project) -> None:
    edit(project, "    reason: The 8-week", "    note: The 8-week")
    found = problems(project)
    assert any("facts[7]: unknown key 'note'" in p for p in found)
    assert any("facts[7]: missing 'reason'" in p for p in found)


def test_unknown_document(project: Project) -> None:
    edit(project, "document: 004_08166ad4e92e0aeb.txt", "document: 999.txt")
    [message] = problems(project)
    assert "no seed document '999.txt'; expected one of: 000_b2a6c86383cee707.txt" in message


def test_check_command_reports_and_exits_1(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(project.root), "check"]) == 0
    assert "ok: 1 drug file(s), 8 records (7 verified, 1 rejected)" in capsys.readouterr().out
    edit(project, "section: how-to-use", "section: dosage")
    assert main(["--project", str(project.root), "check"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {DEMO}:{line_of(project, 'section: dosage')}: facts[5].section: unknown")


def test_the_real_fact_base_is_valid() -> None:
    from leaflets.config import load_project

    facts = load_facts(load_project(Path(__file__).resolve().parent.parent))
    assert "ruxolitinib-cream" in facts.drugs
    for drug in facts.drugs.values():
        topics = {f.topic for f in drug.facts if f.verified}
        assert {"boxed-warning", "contraindication", "pregnancy", "breastfeeding", "licence"} <= topics


def test_malformed_evidence_entry(project: Project) -> None:
    edit(project, """      - document: 004_08166ad4e92e0aeb.txt
        quote: "鲁索替尼乳膏的用法用量通常为每日两次\"""", "      - just a string")
    first, second = problems(project)
    assert first.endswith("facts[5].evidence[0]: must be a mapping with document and quote")
    assert second.endswith("facts[5]: a verified fact needs seed 'evidence' or 'origin: reference' (a fact the "
                           "references require but the seeds omit)")
