"""The readability report: grade, longest sentences, technical words never explained in brackets."""
from __future__ import annotations

import pytest

from leaflets.cli import main
from leaflets.config import Project
from leaflets.facts import load_facts
from leaflets.readability import measure

FACTS = "seeds/facts/demo-cream.yaml"


def edit(project: Project, old: str, new: str) -> None:
    path = project.root / FACTS
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_unexplained_word_is_listed_until_explained(project: Project) -> None:
    edit(project, "Do not use it if you are pregnant.", "Do not use it if you have thrombocytopenia.")
    result = measure(load_facts(project), "demo-cream")
    assert ("thrombocytopenia", 1) in result.unexplained
    edit(project, "thrombocytopenia.", "thrombocytopenia (too few platelets in the blood).")
    assert "thrombocytopenia" not in dict(measure(load_facts(project), "demo-cream").unexplained)


def test_longest_sentence_first_and_grade_rises_with_long_words(project: Project) -> None:
    before = measure(load_facts(project), "demo-cream")
    long = ("Individuals experiencing hypersensitivity manifestations characterised by generalised urticaria "
            "should discontinue administration immediately and consult appropriately qualified professionals.")
    edit(project, "Do not breast-feed while you use it.", long)
    after = measure(load_facts(project), "demo-cream")
    assert after.longest[0][1] == "demo.before.breastfeeding" and after.longest[0][0] == 17
    assert after.grade > before.grade
    assert "names" not in {w for w, _ in after.unexplained}


def test_command_prints_each_leaflet_and_strict_fails_above_target(project: Project,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(project.root), "facts", "readability"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("target: Flesch-Kincaid grade 8 or lower")
    assert "demo-cream: grade" in out and "longest sentences:" in out
    hard = ("Pharmacological immunomodulation necessitates comprehensive haematological surveillance, "
            "particularly regarding opportunistic infections and malignancies.")
    edit(project, "Do not breast-feed while you use it.", hard)
    assert main(["--project", str(project.root), "facts", "readability", "--strict"]) == 1
    assert "error: above grade 8: demo-cream" in capsys.readouterr().err
