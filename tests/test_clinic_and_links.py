"""The clinic box, the QR code, the print variants and the links between pages, on the demo project."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import pdf_text
from pypdf import PdfReader

from leaflets.cli import main
from leaflets.config import Project
from leaflets.qr import qr_data_uri
from leaflets.verify import normalise


def text_of(path: Path) -> str:
    return normalise(pdf_text(path.read_bytes()))


def run(project: Project, out: Path, *options: str) -> int:
    return main(["--project", str(project.root), "build", "--out", str(out), *options])


def test_clinic_details_print_in_their_box_escaped(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(project, out, "--clinic-name", "Dr <b>Lee</b> & Partners", "--clinic-phone", "+44 20 7946 0000",
               "--clinic-note", "Open Monday to Friday") == 0
    page = (out / "en/demo-cream.html").read_text(encoding="utf-8")
    box = re.search(r'<aside class="clinic".*?</aside>', page, re.S).group()
    assert "Dr &lt;b&gt;Lee&lt;/b&gt; &amp; Partners" in box and "<b>" not in box
    assert "+44 20 7946 0000" in box and "Open Monday to Friday" in box
    # The clinic box comes after the medical text, never inside it.
    assert page.index('<aside class="clinic"') > page.index("</main>")
    for locale in ("en", "zh_CN"):
        text = text_of(out / f"{locale}/demo-cream.pdf")
        assert normalise("Dr <b>Lee</b> & Partners") in text and normalise("+44 20 7946 0000") in text


def test_without_clinic_details_the_box_has_lines_to_write_on(project: Project, tmp_path: Path) -> None:
    assert run(project, tmp_path / "out") == 0
    text = text_of(tmp_path / "out/en/demo-cream.pdf")
    assert normalise("Your clinic Clinic or doctor: Phone:") in text
    assert normalise("诊所或医生：") in text_of(tmp_path / "out/zh_CN/demo-cream.pdf")


@pytest.mark.parametrize(("options", "message"), [
    (["--clinic-name", "Clinic \u202eenohp"], "--clinic-name: contains invisible or direction-changing characters "
                                              "(U+202E RIGHT-TO-LEFT OVERRIDE)"),
    (["--clinic-note", "x" * 301], "--clinic-note: 301 characters; at most 300 fit the clinic box"),
    (["--clinic-phone", "   "], "--clinic-phone: has no visible letters or digits"),
    (["--base-url", "javascript:alert(1)"], "--base-url: 'javascript:alert(1)' is not a web address"),
    (["--base-url", "https://clinic.example/a b"], "is not a web address"),
    (["--variant", "a5"], "Invalid value for '--variant': 'a5' is not one of 'a4', 'letter', 'large'"),
])
def test_bad_clinic_and_print_options_are_refused(project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  options: list[str], message: str) -> None:
    assert run(project, tmp_path / "out", *options) in (1, 2)
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_clinic_settings_in_the_project_file_are_checked(project: Project, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    toml = project.root / "leaflets.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('name = ""', 'name = 42').replace(
        'phone = ""', 'phone = ""\nfax = "1"'), encoding="utf-8")
    assert run(project, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "leaflets.toml: [clinic]: unknown setting(s) fax; expected name, note, phone" in err


def test_clinic_name_no_font_can_draw_blocks_the_leaflets(project: Project, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert run(project, tmp_path / "out", "--clinic-name", "Clinic \U0001F9FF") == 1
    assert "text the fonts cannot draw" in capsys.readouterr().err
    assert not list((tmp_path / "out").glob("*/*.pdf"))


def test_qr_code_leads_to_the_leaflet_online(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(project, out, "--base-url", "https://clinic.example/leaflets/") == 0
    url = "https://clinic.example/leaflets/zh_CN/demo-cream.html"
    assert normalise(url) in text_of(out / "zh_CN/demo-cream.pdf")
    # The screen page needs no code to itself.
    assert 'class="qr"' not in (out / "zh_CN/demo-cream.html").read_text(encoding="utf-8")
    without = tmp_path / "plain"
    assert run(project, without) == 0
    assert "clinic.example" not in text_of(without / "zh_CN/demo-cream.pdf")


def test_qr_image_in_the_printed_page_encodes_the_address(project: Project, tmp_path: Path) -> None:
    """The print HTML embeds the code made for the leaflet's own URL (segno writes it deterministically)."""
    from leaflets.facts import load_facts
    from leaflets.readiness import Job, translators_for, ui_strings
    from leaflets.render import for_variant, leaflet_context, render_html

    facts = load_facts(project)
    job = Job("demo-cream", "en")
    translate = translators_for(project, facts, [job], ui_strings(project, facts))[job]
    context = leaflet_context(facts, job.drug, job.locale, translate, base_url="https://c.example/l")
    printed = render_html(project.templates_dir, for_variant(context, "a4"), translate)
    assert f'src="{qr_data_uri("https://c.example/l/en/demo-cream.html")}"' in printed.replace("&#39;", "'")


def test_variant_option_builds_only_that_variant_and_drops_stale_ones(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(project, out, "--variant", "a4", "--variant", "large") == 0
    assert sorted(p.name for p in (out / "en").iterdir()) == ["demo-cream.html", "demo-cream.large.pdf",
                                                             "demo-cream.pdf"]
    assert run(project, out, "--variant", "letter") == 0
    assert sorted(p.name for p in (out / "en").iterdir()) == ["demo-cream.html", "demo-cream.letter.pdf"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema"] == 3
    assert [(o["locale"], o["format"], o["variant"]) for o in manifest["outputs"]] == [
        ("en", "html", None), ("en", "pdf", "letter"), ("zh_CN", "html", None), ("zh_CN", "pdf", "letter")]
    box = PdfReader(out / "en/demo-cream.letter.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_leaflet_html_links_to_its_pdfs_the_index_and_its_sources(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(project, out, "--variant", "a4", "--variant", "large") == 0
    page = (out / "zh_CN/demo-cream.html").read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    links = re.findall(r'<a [^>]*href="([^"]+)"', page)
    assert "../index.html" in links and "demo-cream.pdf" in links and "demo-cream.large.pdf" in links
    assert "demo-cream.letter.pdf" not in links  # not built, so not linked
    for link in links:
        assert link.startswith("https://") or (out / "zh_CN" / link).resolve().is_file(), link
    assert any(link.startswith("https://") for link in links)  # the sources are links
    assert "打印" in page and "大字版" in page  # link labels are translated


def test_index_lists_each_leaflet_with_its_files_and_a_filter(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(project, out) == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<main>" in index and 'id="filter-drug"' in index and 'id="filter-locale"' in index
    items = re.findall(r'<li class="leaflet" data-drug="([^"]+)" data-locale="([^"]+)"', index)
    assert items == [("demo-cream", "en"), ("demo-cream", "zh_CN")]
    assert '<option value="zh_CN" lang="zh-CN">中文 (简体, 中国)</option>' in index
    for link in re.findall(r'href="([^"]+)"', index):
        assert (out / link).is_file(), link


@pytest.mark.parametrize("setting", ['variants = []', 'variants = ["a4", "A5"]', 'variants = [["a4"]]',
                                     'variants = "a4"'])
def test_print_variants_in_the_project_file_are_checked(project: Project, tmp_path: Path, setting: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    toml = project.root / "leaflets.toml"
    toml.write_text(re.sub(r"(?m)^variants = .*$", setting, toml.read_text(encoding="utf-8")), encoding="utf-8")
    assert run(project, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "leaflets.toml: [print] variants:" in err and "expected a non-empty list of a4, letter, large" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()
