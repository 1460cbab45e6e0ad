"""Catalogs: extraction, merging (changed English goes fuzzy), strict parsing, headers, QA."""
from __future__ import annotations

import gettext
import shutil
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from leaflets.catalog import merge, read_catalog, source_catalog, update_catalogs, write_catalog
from leaflets.config import Project
from leaflets.errors import CatalogError
from leaflets.facts import load_facts
from leaflets.qa import Needed, check_entry, numbers

ROOT = Path(__file__).resolve().parent.parent


def test_catalog_has_every_printed_string_with_context(project: Project) -> None:
    entries = read_catalog(project.po_path("zh_CN"), "zh_CN")
    assert entries["demo.how.dose"].msgid == "Apply a thin layer 2 times a day."
    assert entries["demo.how.dose"].msgstr == "每天涂抹薄薄一层，每天2次。"
    assert "demo.reassess.8w" not in entries  # rejected claims are not translated
    assert "ui.disclaimer" in entries and "demo-cream.title" in entries


def test_translator_sees_section_and_seed_quote(project: Project) -> None:
    text = project.po_path("zh_CN").read_text(encoding="utf-8")
    assert "#. section: how-to-use; topic: dose" in text
    assert "#. seed 004_08166ad4e92e0aeb.txt: 鲁索替尼乳膏的用法用量通常为每日两次" in text


def test_changed_english_makes_translation_fuzzy(project: Project) -> None:
    path = project.root / "seeds/facts/demo-cream.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("2 times a day.", "2 times a day, morning and evening."),
                    encoding="utf-8")
    update_catalogs(project, load_facts(project))
    entry = read_catalog(project.po_path("zh_CN"), "zh_CN")["demo.how.dose"]
    assert entry.fuzzy and entry.msgstr == "每天涂抹薄薄一层，每天2次。"
    assert '#| msgid "Apply a thin layer 2 times a day."' in project.po_path("zh_CN").read_text(encoding="utf-8")
    problems = check_entry(Needed("demo.how.dose", entry.msgid), entry, "zh_CN", Path("zh.po"))
    assert [p.message for p in problems] == [
        "zh_CN: demo.how.dose: translation is fuzzy; review it against the new English and remove the fuzzy flag"]


def test_update_twice_changes_nothing(project: Project) -> None:
    before = project.po_path("zh_CN").read_bytes()
    update_catalogs(project, load_facts(project))
    update_catalogs(project, load_facts(project))
    assert project.po_path("zh_CN").read_bytes() == before


def test_removed_fact_becomes_obsolete_not_lost(project: Project) -> None:
    path = project.root / "seeds/facts/demo-cream.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("  - id: demo.how.dose"), text.index("  - id: demo.reassess.8w")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    update_catalogs(project, load_facts(project))
    po = project.po_path("zh_CN").read_text(encoding="utf-8")
    assert '#~ msgctxt "demo.how.dose"' in po
    assert "demo.how.dose" not in read_catalog(project.po_path("zh_CN"), "zh_CN")


def test_malformed_po_names_the_line(project: Project) -> None:
    path = project.po_path("zh_CN")
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = next(n for n, line in enumerate(lines) if line.startswith("msgstr") and n > 20)
    lines[bad] = "msgstr_oops " + lines[bad][6:]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        read_catalog(path, "zh_CN")
    problem = info.value.problems[0]  # msgfmt reports the line, then what follows from it
    assert problem.line == bad + 1
    assert problem.message == 'msgfmt --check: keyword "msgstr_oops" unknown'


def test_missing_catalog(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no catalog for locale fr; create it with 'leaflets i18n update'"):
        read_catalog(tmp_path / "fr.po", "fr")


@pytest.mark.parametrize("locale, header", [
    ("zh_CN", "nplurals=1; plural=0;"),
    ("ar", "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);"),
    ("ru", "nplurals=3;"),
])
def test_plural_forms_header_is_explicit(project: Project, tmp_path: Path, locale: str, header: str) -> None:
    path = tmp_path / f"{locale}.po"
    write_catalog(merge(source_catalog(project, load_facts(project)), None, locale), path, locale)
    with path.open("rb") as fileobj:
        catalog = read_po(fileobj, locale=locale)
    assert catalog.plural_forms.startswith(header)
    assert f'"Plural-Forms: {header}' in path.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is installed by 'make'")
def test_real_catalogs_pass_msgfmt_check() -> None:
    for po in sorted((ROOT / "translations").glob("*/LC_MESSAGES/leaflets.po")):
        result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_numbers_match_by_value_across_scripts() -> None:
    assert numbers("Apply 2 times a day for 24 weeks, 1.5%") == Counter({Decimal(2): 1, Decimal(24): 1,
                                                                        Decimal("1.5"): 1})
    assert numbers("٢ مرات يوميا لمدة ٢٤ أسبوعا، ١٫٥٪") == numbers("2 times a day for 24 weeks, 1.5%")
    assert numbers("1,5 %", "fr") == numbers("1.5%")
    assert numbers("1 in 1,000 people") == numbers("每1000人中有1人", "zh_CN") == Counter({Decimal(1): 1,
                                                                                     Decimal(1000): 1})
    assert numbers("1,5 %", "es") == numbers("1.5%") != numbers("1.5 %", "es")
    assert numbers("١٫٥", "ar") == numbers("1.5") and numbers("10\u202f000", "fr") == numbers("10,000")


def test_month_names_count_as_numbers() -> None:
    assert numbers("approved on 30 January 2026") == numbers("2026年1月30日获批", "zh_CN")
    assert numbers("approved on 30 January 2026") == numbers("approuvé le 30 janvier 2026", "fr")
    assert numbers("in December 2025") == numbers("2025年十二月", "zh_CN") != numbers("2025年二月", "zh_CN")


def test_number_mismatch_blocks_the_string() -> None:
    needed = Needed("x.dose", "Apply 2 times a day.")
    from leaflets.catalog import Entry

    entry = Entry("x.dose", "Apply 2 times a day.", "每天3次。", False, 42)
    [problem] = check_entry(needed, entry, "zh_CN", Path("zh.po"))
    assert str(problem) == "zh.po:42: [numbers] zh_CN: x.dose: numbers differ from the English: [2] in English, [3] in the translation"


def test_glossary_and_identical_text() -> None:
    from leaflets.catalog import Entry

    needed = Needed("x.name", "Opzelura contains ruxolitinib.", keep=("Opzelura", "芦可替尼"))
    problems = check_entry(needed, Entry("x.name", needed.english, "奥泽乳膏含有鲁索替尼。", False, 7), "zh_CN", Path("p"))
    assert [p.message for p in problems] == [
        "zh_CN: x.name: the translation must contain the name 'Opzelura' (glossary)",
        "zh_CN: x.name: the translation must contain the name '芦可替尼' (glossary)",
    ]
    identical = check_entry(needed, Entry("x.name", needed.english, needed.english, False, 7), "zh_CN", Path("p"))
    assert [p.message for p in identical] == [
        "zh_CN: x.name: the translation must contain the name '芦可替尼' (glossary)",
        "zh_CN: x.name: translation is (nearly) identical to the English; translate it, or if the English is "
        "right in this language add the translator comment '# same-as-english: reviewed'",
    ]


def test_long_previous_english_survives_updates_and_goes_when_reviewed(project: Project) -> None:
    """Babel reads '#|' lines as comments; they must stay the previous msgid, not pile up as '# |' comments."""
    path = project.root / "seeds/facts/demo-cream.yaml"
    longer = "Use it 2 times a day. Leave at least 8 hours between the 2 applications, morning and evening, " \
             "every day, on the white patches only."
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Use it 2 times a day. Leave at least 8 hours between the 2 applications.", longer), encoding="utf-8")
    update_catalogs(project, load_facts(project))
    first = project.po_path("zh_CN").read_text(encoding="utf-8")
    from leaflets.catalog import _parse

    [entry] = [m for m in _parse(project.po_path("zh_CN"), "zh_CN") if m.context == "demo.how.interval"]
    assert entry.fuzzy and entry.previous_id == ["Use it 2 times a day. Leave at least 8 hours between the 2 "
                                                 "applications."]
    assert "# |" not in first
    update_catalogs(project, load_facts(project))
    assert project.po_path("zh_CN").read_text(encoding="utf-8") == first  # kept, once
    from conftest import fill_catalog

    fill_catalog(project, "zh_CN", {"demo.how.interval": "每日使用2次。2次涂药之间至少间隔8小时，早晚各1次，每天都用，只涂白斑。"})
    reviewed = project.po_path("zh_CN").read_text(encoding="utf-8")
    assert "#|" not in reviewed and "# |" not in reviewed


@pytest.mark.parametrize("locale, nplurals", [("ar", 6), ("ru", 3), ("fr", 2)])
def test_i18n_init_starts_a_language(project: Project, locale: str, nplurals: int) -> None:
    from leaflets.cli import main

    assert main(["--project", str(project.root), "i18n", "init", "--locale", locale]) == 0
    po = project.po_path(locale)
    lines = po.read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith('"Plural-Forms:'))
    assert lines[at].startswith(f'"Plural-Forms: nplurals={nplurals};') and lines[at].endswith('\\n"')
    assert lines[at + 1].startswith('"MIME-Version: ')  # no leftover of Babel's wrapped value
    assert subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True).returncode == 0
    assert f'"{locale}"' in (project.root / "leaflets.toml").read_text(encoding="utf-8")
    assert (project.root / "translations" / locale / "glossary.csv").read_text() == "source,target,explanation,forbidden\n"
    assert main(["--project", str(project.root), "i18n", "init", "--locale", locale]) == 1  # not twice
    assert main(["--project", str(project.root), "i18n", "init", "--locale", "../x"]) == 1


def test_plural_forms_follow_cldr_for_arabic_and_russian() -> None:
    """The explicit headers pick the CLDR category for every count (Babel once shipped a wrong Arabic one)."""
    from babel import Locale

    from leaflets.catalog import PLURAL_FORMS

    def pick(header: str, n: int) -> int:
        return gettext.c2py(header.split("plural=")[1].rstrip(";"))(n)

    for locale in ("ar", "ru"):
        rule = Locale.parse(locale).plural_form
        categories = [c for c in ("zero", "one", "two", "few", "many", "other") if c in rule.tags or c == "other"]
        for n in (0, 1, 2, 3, 5, 10, 11, 21, 22, 25, 99, 100, 101, 102, 111, 1000):
            assert categories[pick(PLURAL_FORMS[locale], n)] == rule(n), (locale, n)


@pytest.mark.parametrize("english, translated, locale, ok", [
    ("Use it twice a day.", "每日使用两次。", "zh_CN", True),
    ("Use it twice a day.", "每日使用三次。", "zh_CN", False),
    ("Use it twice a day.", "Úsela dos veces al día.", "es", True),
    ("Use it twice a day.", "Utilisez-la deux fois par jour.", "fr", True),
    ("Use it twice a day.", "Используйте два раза в день.", "ru", True),
    ("Use it twice a day.", "استخدمه مرتين يوميًا.", "ar", True),
    ("Use it twice a day.", "Utilisez-la 3 fois par jour.", "fr", False),
    ("Apply it 2 times a day.", "Aplíquela dos veces al día.", "es", True),
    ("Numbness on one side of the body.", "身体一侧麻木。", "zh_CN", True),
    ("Do not use it on the face.", "N'utilisez pas une crème sur le visage.", "fr", True),  # "une" is an article
    ("Do not use it on the face.", "Не наносите 2 раза на лицо.", "ru", False),
    # the same numbers, each moved to the other unit
    ("Use it 2 times a day, 8 hours apart.", "Úsela 8 veces al día, con 2 horas de intervalo.", "es", False),
    ("Use it 2 times a day, 8 hours apart.", "Utilisez-la 8 fois par jour, à 2 heures d'intervalle.", "fr", False),
    ("Use it 2 times a day, 8 hours apart.", "Применяйте 8 раз в день с интервалом 2 часа.", "ru", False),
    ("Use it 2 times a day, 8 hours apart.", "استخدمه 8 مرات يوميًا بفاصل 2 ساعة.", "ar", False),
    ("Use it 2 times a day, 8 hours apart.", "Применяйте 2 раза в день с интервалом 8 часов.", "ru", True),
])
def test_numbers_match_as_words_in_every_language(english: str, translated: str, locale: str, ok: bool) -> None:
    from leaflets.catalog import Entry

    problems = check_entry(Needed("x.n", english), Entry("x.n", english, translated, False, 1), locale, Path("p"))
    assert (not [p for p in problems if p.check == "numbers"]) is ok, problems
