"""Building leaflets: PDFs are opened and their text checked; bad inputs block only their leaflet."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from leaflets.build import build
from leaflets.cli import main
from leaflets.config import Project
from leaflets.errors import CatalogError, ConfigError, RenderError
from leaflets.verify import normalise

from conftest import fill_catalog, pdf_text

DISCLAIMER_EN = ("This leaflet does not replace advice from your doctor or pharmacist. If anything here differs "
                 "from the official package leaflet that comes with your medicine, the official package leaflet "
                 "is the one to follow.")
DISCLAIMER_ZH = "本须知不能代替医生或药师的建议。如果本须知的内容与药品包装内附带的官方说明书不一致，请以官方说明书为准。"


def text_of(path: Path) -> str:
    return normalise(pdf_text(path.read_bytes()))


def po_line(project: Project, context: str) -> int:
    lines = project.po_path("zh_CN").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line == f'msgctxt "{context}"') + 1  # the msgid line


def test_builds_both_leaflets_with_checked_text(project: Project, tmp_path: Path, no_warnings: None) -> None:
    out = tmp_path / "out"
    report = build(project, out)
    assert sorted((j.locale, j.drug) for j in report.written) == [("en", "demo-cream"), ("zh_CN", "demo-cream")]
    en, zh = text_of(out / "en/demo-cream.pdf"), text_of(out / "zh_CN/demo-cream.pdf")
    assert normalise(DISCLAIMER_EN) in en
    assert normalise("Apply a thin layer 2 times a day.") in en
    assert normalise("Important safety warning") in en
    assert normalise(DISCLAIMER_ZH) in zh
    assert "芦可替尼乳膏用于12岁及以上人群的非节段型白癜风。" in zh
    assert "重要安全警告" in zh and "演示乳膏" in zh
    assert "Apply a thin layer" not in zh  # nothing left in English


def test_pdf_is_a4_tagged_with_language_and_cjk_sc_font(project: Project, tmp_path: Path) -> None:
    build(project, tmp_path / "out")
    reader = PdfReader(tmp_path / "out/zh_CN/demo-cream.pdf")
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.metadata.title.startswith("演示乳膏")
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Noto-Sans-CJK-SC" in f for f in fonts), fonts
    assert not any("JP" in f for f in fonts)


def test_html_is_escaped_and_self_contained(project: Project, tmp_path: Path) -> None:
    build(project, tmp_path / "out")
    html = (tmp_path / "out/zh_CN/demo-cream.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN" dir="ltr">' in html
    assert DISCLAIMER_ZH in html
    assert "http" not in html.split("<body")[0]  # no stylesheet or font fetched from the network


def test_fuzzy_entry_blocks_only_that_leaflet(project: Project, tmp_path: Path) -> None:
    po = project.po_path("zh_CN")
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgctxt "demo.before.pregnancy"', '#, fuzzy\nmsgctxt "demo.before.pregnancy"'),
                  encoding="utf-8")
    report = build(project, tmp_path / "out")
    assert [j.locale for j in report.written] == ["en"]
    assert (tmp_path / "out/en/demo-cream.pdf").is_file()
    assert not (tmp_path / "out/zh_CN/demo-cream.pdf").exists()
    assert not (tmp_path / "out/zh_CN/demo-cream.html").exists()
    [problem] = next(iter(report.skipped.values()))
    assert str(problem) == (f"translations/zh_CN/LC_MESSAGES/leaflets.po:{po_line(project, 'demo.before.pregnancy')}: "
                            "[fuzzy] zh_CN: demo.before.pregnancy: translation is fuzzy; review it against the new English "
                            "and remove the fuzzy flag")


def test_untranslated_entry_blocks_leaflet_and_cli_exits_1(project: Project, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    fill_catalog(project, "zh_CN", {"demo.how.dose": ""})
    code = main(["--project", str(project.root), "build", "--out", str(tmp_path / "out")])
    assert code == 1
    err = capsys.readouterr().err
    assert (f"translations/zh_CN/LC_MESSAGES/leaflets.po:{po_line(project, 'demo.how.dose')}: "
            "[untranslated] zh_CN: demo.how.dose: not translated") in err
    assert "error: 1 leaflet(s) not written" in err
    assert (tmp_path / "out/en/demo-cream.pdf").is_file()
    assert not (tmp_path / "out/zh_CN/demo-cream.pdf").exists()
    manifest = json.loads((tmp_path / "out/manifest.json").read_text(encoding="utf-8"))
    assert [(o["locale"], o["format"]) for o in manifest["outputs"]] == [("en", "html"), ("en", "pdf")]
    assert manifest["skipped"][0]["locale"] == "zh_CN"


def test_strict_build_writes_nothing(project: Project, tmp_path: Path) -> None:
    fill_catalog(project, "zh_CN", {"demo.how.dose": ""})
    with pytest.raises(CatalogError, match="--strict: 1 leaflet"):
        build(project, tmp_path / "out", strict=True)
    assert not (tmp_path / "out").exists()


def test_number_changed_in_translation_blocks(project: Project, tmp_path: Path) -> None:
    fill_catalog(project, "zh_CN", {"demo.how.dose": "每天涂抹薄薄一层，每天3次。"})
    report = build(project, tmp_path / "out", locales=["zh_CN"])
    [problem] = report.skipped[next(iter(report.skipped))]
    assert "numbers differ from the English: [2] in English, [3] in the translation" in problem.message


def test_glyph_no_font_can_draw_blocks_only_that_leaflet(project: Project, tmp_path: Path) -> None:
    fill_catalog(project, "zh_CN", {"demo.how.dose": "每天涂抹薄薄一层，每天2次。\U0001F9FF"})
    report = build(project, tmp_path / "out")
    [problem] = report.skipped[next(iter(report.skipped))]
    assert "zh_CN/demo-cream: text the fonts cannot draw:" in str(problem) and "U+1F9FF" in str(problem)
    assert not (tmp_path / "out/zh_CN/demo-cream.pdf").exists()
    assert (tmp_path / "out/en/demo-cream.pdf").is_file()


def test_template_without_disclaimer_is_refused(project: Project, tmp_path: Path) -> None:
    (project.root / "templates/partials/disclaimer.html").write_text("<aside></aside>\n", encoding="utf-8")
    with pytest.raises(RenderError, match="no template prints the mandatory disclaimer"):
        build(project, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_hidden_disclaimer_fails_read_back_and_removes_output(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(project, out, locales=["en"])
    assert (out / "en/demo-cream.pdf").is_file()
    partial = project.root / "templates/partials/disclaimer.html"
    partial.write_text("{% if false %}" + partial.read_text(encoding="utf-8") + "{% endif %}", encoding="utf-8")
    report = build(project, out, locales=["en"])
    assert report.failures[0].startswith("en/demo-cream: read-back check failed, output removed: HTML lacks "
                                         "'This leaflet does not replace")
    assert not (out / "en/demo-cream.pdf").exists()  # the older copy is gone too
    assert not (out / "en/demo-cream.html").exists()


def test_unknown_drug_and_locale(project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError, match="unknown drug 'aspirin'; expected one of: demo-cream"):
        build(project, tmp_path / "out", drugs=["aspirin"])
    assert main(["--project", str(project.root), "build", "--locale", "xx"]) == 1
    assert "error: unknown locale 'xx'; expected one of: en, zh_CN" in capsys.readouterr().err


def test_index_links_every_leaflet(project: Project, tmp_path: Path) -> None:
    build(project, tmp_path / "out")
    index = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    for target in ("en/demo-cream.pdf", "en/demo-cream.html", "zh_CN/demo-cream.pdf", "zh_CN/demo-cream.html"):
        assert f'href="{target}"' in index
        assert (tmp_path / "out" / target).is_file()


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("build", "check", "i18n"):
        assert command in out


def test_draft_fills_gaps_with_english_watermarked_and_apart(project: Project, tmp_path: Path) -> None:
    fill_catalog(project, "zh_CN", {"demo.how.dose": ""})
    report = build(project, tmp_path / "out", draft=True)
    assert not (tmp_path / "out/zh_CN").exists()  # never next to release leaflets
    text = text_of(tmp_path / "out/draft/zh_CN/demo-cream.pdf")
    assert "DRAFT" in text
    assert normalise("Apply a thin layer 2 times a day.") in text  # the gap, in English
    assert "演示乳膏" in text
    assert not report.skipped


def test_same_inputs_give_identical_pdf_bytes(project: Project, tmp_path: Path) -> None:
    build(project, tmp_path / "a", locales=["zh_CN"])
    build(project, tmp_path / "b", locales=["zh_CN"])
    assert (tmp_path / "a/zh_CN/demo-cream.pdf").read_bytes() == (tmp_path / "b/zh_CN/demo-cream.pdf").read_bytes()


def test_i18n_status_counts_strings_by_state_and_strict_fails(project: Project,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = ["--project", str(project.root), "i18n", "status"]
    assert main([*root, "--strict"]) == 0
    total = int(capsys.readouterr().out.splitlines()[1].split()[2].split("/")[1])
    fill_catalog(project, "zh_CN", {"demo.how.dose": "", "demo.how.interval": "每日使用8次。2次涂药之间至少间隔2小时。"})
    po = project.po_path("zh_CN")
    po.write_text(po.read_text(encoding="utf-8").replace('msgctxt "demo.before.pregnancy"',
                                                          '#, fuzzy\nmsgctxt "demo.before.pregnancy"'), encoding="utf-8")
    assert main(root) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["zh_CN", "demo-cream", f"{total - 3}/{total}", "1", "1", "1", "blocked",
                              f"({100 * (total - 3) // total}", "%)"]
    assert main([*root, "--strict"]) == 1
    assert "error: --strict: 1 leaflet(s) not releasable: zh_CN/demo-cream" in capsys.readouterr().err


def test_i18n_check_lists_every_finding_with_its_check(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    root = ["--project", str(project.root), "i18n", "check"]
    assert main(root) == 0
    fill_catalog(project, "zh_CN", {"demo.how.dose": "每天涂抹薄薄一层,每天3次。"})
    assert main(root) == 1
    out = capsys.readouterr().out.splitlines()
    line = po_line(project, "demo.how.dose")
    assert out == [
        f"translations/zh_CN/LC_MESSAGES/leaflets.po:{line}: [numbers] zh_CN: demo.how.dose: numbers differ from "
        "the English: [2] in English, [3] in the translation",
        f"translations/zh_CN/LC_MESSAGES/leaflets.po:{line}: [punctuation] zh_CN: demo.how.dose: ASCII punctuation "
        "',' inside Chinese text; use the full-width forms (，；：？！)",
    ]
    assert main([*root, "--locale", "fr"]) == 1  # not a locale of this project


def test_i18n_status_names_an_unreadable_catalog_once(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    po = project.po_path("zh_CN")
    po.write_text(po.read_text(encoding="utf-8").replace('msgctxt "demo.how.dose"', 'msgctxt_oops "demo.how.dose"'),
                  encoding="utf-8")
    assert main(["--project", str(project.root), "i18n", "status"]) == 0
    out = capsys.readouterr().out
    assert "unreadable catalog" in out.splitlines()[1] and out.splitlines()[1].startswith("zh_CN    demo-cream")
    assert 'msgfmt --check: keyword "msgctxt_oops" unknown' in out and "missing from the catalog" not in out


def test_chinese_runs_in_other_languages_are_marked() -> None:
    from leaflets.render import lang_runs

    assert str(lang_runs("Approved (磷酸芦可替尼乳膏，2026) <b>", "en")) == (
        'Approved (<span lang="zh-CN">磷酸芦可替尼乳膏，</span>2026) &lt;b&gt;')
    assert str(lang_runs("芦可替尼乳膏 <b>", "zh-CN")) == "芦可替尼乳膏 &lt;b&gt;"


def test_proof_shows_english_translation_and_findings(project: Project, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    fill_catalog(project, "zh_CN", {"demo.how.dose": "每天涂抹薄薄一层，每天3次。"})
    assert main(["--project", str(project.root), "proof", "--drug", "demo-cream", "--locale", "zh_CN",
                 "--out", str(tmp_path / "proof")]) == 0
    text = text_of(tmp_path / "proof/zh_CN/demo-cream.proof.pdf")
    assert "TRANSLATIONPROOF-FORREVIEW,NOTFORPATIENTS" in text
    assert normalise("Apply a thin layer 2 times a day.") in text and normalise("每天涂抹薄薄一层，每天3次。") in text
    assert normalise("[numbers] zh_CN: demo.how.dose: numbers differ from the English") in text
    assert main(["--project", str(project.root), "proof", "--drug", "aspirin", "--locale", "zh_CN"]) == 1


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"leaflets, version {version('leaflets')}"
