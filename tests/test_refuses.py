"""What the build refuses: one row per bad input, run through the real CLI.

Each case breaks a fresh copy of the demo project, runs a command, and asserts the message, the exit code,
and that nothing it must not touch changed on disk (files outside the project, the seeds, the catalogs, and
any leaflet that must not be written). docs/refuses.md lists the same checks for users.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from leaflets.cli import main
from leaflets.config import Project

from conftest import fill_catalog, make_project

DISCLAIMER_EN = ("This leaflet does not replace advice from your doctor or pharmacist. If anything here differs "
                 "from the official package leaflet that comes with your medicine, the official package leaflet "
                 "is the one to follow.")
DISCLAIMER_ZH = "本须知不能代替医生或药师的建议。如果本须知的内容与药品包装内附带的官方说明书不一致，请以官方说明书为准。"
FACTS = "seeds/facts/demo-cream.yaml"
PO = "translations/zh_CN/LC_MESSAGES/leaflets.po"
BUILD = ["build", "--out", "{out}"]
KEEP_SEEDS = ("outside", "project/seeds")  # a translation case may rewrite the catalogs, nothing else
NO_ZH = ("zh_CN/demo-cream.pdf",)


@dataclass
class World:
    """A temporary project, its output folder, and a folder outside both that nothing may touch."""

    project: Project
    out: Path
    outside: Path

    @property
    def root(self) -> Path:
        return self.project.root

    def edit(self, rel: str, old: str, new: str, count: int = 1) -> None:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    def zh(self, **strings: str) -> None:
        fill_catalog(self.project, "zh_CN", {k.replace("__", "."): v for k, v in strings.items()})


@dataclass
class Case:
    """A bad input: how to make it, what to run, what must be said, and what must not change."""

    name: str
    breaks: Callable[[World], None]
    message: str
    code: int = 1
    argv: list[str] = field(default_factory=lambda: list(BUILD))
    unchanged: tuple[str, ...] = ("outside", "project/seeds", "project/translations")
    absent: tuple[str, ...] = ()  # outputs that must not exist afterwards
    present: tuple[str, ...] = ()  # outputs that must still be written (the others build where they can)
    prebuild: bool = False  # build once before breaking, so there are earlier outputs to protect
    setup: Callable[[World], None] | None = None  # runs before the prebuild


def second_drug(w: World) -> None:
    """A second drug (English only: its Chinese is untranslated), to show one broken drug blocks only itself."""
    text = (w.root / FACTS).read_text(encoding="utf-8")
    text = text.replace("drug: demo-cream", "drug: demo-two").replace("id: demo.", "id: two.")
    (w.root / "seeds/facts/demo-two.yaml").write_text(text.replace("corrected_by: demo.", "corrected_by: two."),
                                                     encoding="utf-8")


def _snapshot(base: Path, rel: str) -> dict[str, str]:
    target = base / rel
    files = [target] if target.is_file() else sorted(p for p in target.rglob("*") if p.is_file())
    return {str(p.relative_to(base)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _manifest_broken(content: str) -> Callable[[World], None]:
    def breaks(w: World) -> None:
        (w.out / "manifest.json").write_text(content, encoding="utf-8")
    return breaks


def _no_space_for(suffix: str) -> Callable[[World], None]:
    """Make every write of an output ending in ``suffix`` fail as a full disk does (ENOSPC)."""
    def breaks(w: World) -> None:
        import leaflets.files as files

        real = files.write_temporary

        def full(path: Path, data: bytes) -> Path:
            if path.name.endswith(suffix):
                raise files.OutputError(files.describe_os_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC),
                                                                        str(path))))
            return real(path, data)
        for where in ("leaflets.outputs.write_temporary", "leaflets.files.write_temporary"):
            w.monkeypatch.setattr(where, full)  # type: ignore[attr-defined]
    return breaks


CASES = [
    # ---------------------------------------------------------------- fact files (YAML)
    Case("duplicate key: rejected then verified",
         lambda w: w.edit(FACTS, "    status: rejected\n", "    status: rejected\n    status: verified\n"),
         f"{FACTS}:88: duplicate key 'status' (first on line 87); a key may appear once per record",
         absent=("en/demo-cream.pdf",)),
    Case("YAML alias (a bomb of nested aliases)",
         lambda w: w.edit(FACTS, "reviewed: 2026-11-23\n",
                          "reviewed: 2026-11-23\nx: &a [1, 1]\ny: &b [*a, *a, *a, *a]\nz: [*b, *b, *b, *b]\n"),
         "alias *a is not allowed in fact files; write the value out", absent=("en/demo-cream.pdf",)),
    Case("impossible date", lambda w: w.edit(FACTS, "reviewed: 2026-11-23", "reviewed: 2026-13-45"),
         f"{FACTS}:10: '2026-13-45' is not a real date (month must be in 1..12)"),
    Case("YAML syntax error", lambda w: w.edit(FACTS, "title: Demo cream", "title: [Demo cream"),
         f"{FACTS}:"),
    Case("fact file not UTF-8",
         lambda w: (w.root / FACTS).write_bytes((w.root / FACTS).read_bytes().replace(b"Demo cream", b"D\xe9mo")),
         f"{FACTS}:4: not UTF-8 (line 4: invalid continuation byte); save the file as UTF-8"),
    Case("fact id takes a template string's name",
         lambda w: w.edit(FACTS, "id: demo.before.contra", "id: ui.disclaimer"),
         "'ui.disclaimer' starts with 'ui.', which is reserved for template strings; choose another id"),
    Case("fact id takes a title's name", lambda w: w.edit(FACTS, "id: demo.before.contra", "id: demo.x.title"),
         "'demo.x.title' ends with '.title', which is reserved for leaflet titles"),
    Case("evidence document is a path outside the seeds",
         lambda w: w.edit(FACTS, "document: 004_08166ad4e92e0aeb.txt", "document: ../../../../etc/passwd"),
         "no seed document '../../../../etc/passwd'; expected one of: 000_b2a6c86383cee707.txt"),
    Case("seed document not UTF-8",
         lambda w: (w.root / "seeds/documents/004_08166ad4e92e0aeb.txt").write_bytes(
             b"\xff" + (w.root / "seeds/documents/004_08166ad4e92e0aeb.txt").read_bytes()),
         "seed document 004_08166ad4e92e0aeb.txt not UTF-8 (line 1: invalid start byte)",
         unchanged=("outside", "project/translations")),
    Case("right-to-left override in fact text",
         lambda w: w.edit(FACTS, "aged 12 years", "aged \u202e12\u202c years"),
         "contains invisible or direction-changing characters (U+202E RIGHT-TO-LEFT OVERRIDE, "
         "U+202C POP DIRECTIONAL FORMATTING)"),
    Case("title of zero-width spaces only", lambda w: w.edit(FACTS, "title: Demo cream", 'title: "\u200b\u200b"'),
         "title: contains invisible or direction-changing characters (U+200B ZERO WIDTH SPACE)"),
    Case("percent sign that gettext reads as a placeholder", lambda w: w.edit(FACTS, "aged 12 years and older.",
                                                                              "aged 12 years and older (5% of them)."),
         "'% o' reads as a placeholder to gettext tools; put the percent sign before a bracket, a stop or a capital"),
    Case("unknown section", lambda w: w.edit(FACTS, "section: how-to-use", "section: dosage"),
         "unknown section 'dosage'; expected one of: boxed-warning, what-it-is"),
    Case("required topic removed", lambda w: w.edit(FACTS, "    topic: pregnancy\n", ""),
         "no verified fact with topic 'pregnancy'; every leaflet must carry it"),
    Case("fact file name with spaces",
         lambda w: shutil.copy(w.root / FACTS, w.root / "seeds/facts/Demo Cream.yaml"),
         "seeds/facts/Demo Cream.yaml: the file name becomes the drug key and an output file name"),
    Case("drug key differs from the file name", lambda w: w.edit(FACTS, "drug: demo-cream", "drug: demo"),
         "drug: 'demo' must match the file name 'demo-cream'"),
    Case("verified fact without a reference url",
         lambda w: w.edit(FACTS, "        url: https://www.ema.europa.eu/en/medicines/human/EPAR/opzelura\n", "", 3),
         "a verified fact needs at least one reference with a 'url'"),
    Case("one broken drug file blocks only that drug",
         lambda w: (second_drug(w), w.edit("seeds/facts/demo-two.yaml", "section: how-to-use", "section: x")),
         "seeds/facts/demo-two.yaml:", present=("en/demo-cream.pdf", "zh_CN/demo-cream.pdf"),
         absent=("en/demo-two.pdf",)),
    # ---------------------------------------------------------------- project settings
    Case("locale that is a path",
         lambda w: w.edit("leaflets.toml", 'locales = ["en", "zh_CN"]', 'locales = ["en", "zh_CN", "../../x"]'),
         "locales[2]: '../../x' is not a locale code", prebuild=True,
         unchanged=("outside", "project/seeds", "project/translations", "out")),
    Case("locale CLDR does not know",
         lambda w: w.edit("leaflets.toml", 'locales = ["en", "zh_CN"]', 'locales = ["en", "zh_CN", "xx_YY"]'),
         "locales[2]: 'xx_YY' is not a locale that CLDR knows"),
    Case("source locale not listed", lambda w: w.edit("leaflets.toml", 'source_locale = "en"', 'source_locale = "fr"'),
         "source_locale: 'fr' must be listed in locales"),
    Case("broken TOML", lambda w: w.edit("leaflets.toml", "[project]", "[project"), "fix the TOML syntax"),
    Case("shared file name that is a path",
         lambda w: w.edit("leaflets.toml", 'shared_facts = "vitiligo"', 'shared_facts = "../../x"'),
         "shared_facts: '../../x' must be a fact file name without '.yaml'"),
    Case("unknown drug on the command line", lambda w: None, "unknown drug 'aspirin'; expected one of: demo-cream",
         argv=[*BUILD, "--drug", "aspirin"]),
    Case("unknown locale on the command line", lambda w: None, "unknown locale 'fr'; expected one of: en, zh_CN",
         argv=[*BUILD, "--locale", "fr"]),
    Case("unknown option", lambda w: None, "No such option '--colour'", code=2, argv=[*BUILD, "--colour"]),
    # ---------------------------------------------------------------- catalogs
    Case("unterminated quote in a catalog",
         lambda w: w.edit(PO, 'msgstr "演示乳膏"', 'msgstr "演示'),
         "msgfmt --check: end-of-line within string", unchanged=KEEP_SEEDS,
         absent=NO_ZH, present=("en/demo-cream.pdf",)),
    Case("duplicate catalog entry",
         lambda w: (w.root / PO).write_text((w.root / PO).read_text(encoding="utf-8") + '\nmsgctxt "demo.how.dose"\n'
                                           'msgid "Apply a thin layer 2 times a day."\nmsgstr "厚涂，每日8次。"\n',
                                           encoding="utf-8"),
         "duplicate message definition (first defined on line", unchanged=KEEP_SEEDS,
         absent=NO_ZH, present=("en/demo-cream.pdf",)),
    Case("bogus charset", lambda w: w.edit(PO, "charset=utf-8", "charset=bogus-xyz"),
         "cannot read catalog: unknown encoding: bogus-xyz", unchanged=KEEP_SEEDS,
         absent=NO_ZH, present=("en/demo-cream.pdf",)),
    Case("stray percent sign in a template string",
         lambda w: w.zh(ui__version="须知版本 %(version)s 100%"),
         "'msgstr' is not a valid Python format string", unchanged=KEEP_SEEDS,
         absent=NO_ZH),
    Case("catalog deleted", lambda w: (w.root / PO).unlink(), "no catalog for locale zh_CN",
         unchanged=KEEP_SEEDS, absent=NO_ZH, present=("en/demo-cream.pdf",)),
    Case("catalog not UTF-8",
         lambda w: (w.root / PO).write_bytes((w.root / PO).read_bytes().replace("演示乳膏".encode(), b"\xff\xfe")),
         f"{PO}:", unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("direction override turns 12 into 21",
         lambda w: w.zh(demo__use__age="芦可替尼乳膏用于\u202e12\u202c岁及以上人群的非节段型白癜风。"),
         "zh_CN: demo.use.age: translation contains invisible or direction-changing characters (U+202E",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("disclaimer of one zero-width space", lambda w: w.zh(ui__disclaimer="\u200b"),
         "zh_CN: ui.disclaimer: translation contains invisible or direction-changing characters (U+200B",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("title of one word joiner", lambda w: w.zh(**{"demo-cream.title": "\u2060"}),
         "zh_CN: demo-cream.title: translation contains invisible or direction-changing characters (U+2060",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("disclaimer of punctuation only", lambda w: w.zh(ui__disclaimer="。。"),
         "zh_CN: ui.disclaimer: translation has no visible letters or digits",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("numbers swapped between what they count",
         lambda w: w.zh(demo__how__interval="每日使用8次。2次涂药之间至少间隔2小时。"),
         "zh_CN: demo.how.interval: numbers moved away from what they count: 8 counts hour in English but times "
         "in the translation; fix the translation, or if it is right add the translator comment "
         "'# numbers-reviewed: 8, 2, 2'",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("number moved to another sentence",
         lambda w: w.zh(demo__how__interval="每日使用。2次涂药之间至少间隔8小时，共2次。"),
         "numbers moved away from what they count: sentence 1 has [2] in English but [] in the translation",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("number changed", lambda w: w.zh(demo__how__dose="每天涂抹薄薄一层，每天3次。"),
         "numbers differ from the English: [2] in English, [3] in the translation",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("Arabic-Indic digit of another value", lambda w: w.zh(demo__how__dose="每天涂抹薄薄一层，每天٣次。"),
         "numbers differ from the English: [2] in English, [3] in the translation",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("disclaimer left in English minus its full stop", lambda w: w.zh(ui__disclaimer=DISCLAIMER_EN[:-1]),
         "zh_CN: ui.disclaimer: translation is (nearly) identical to the English",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("English with one Chinese word", lambda w: w.zh(demo__before__contra="Do not use it if you are allergic to 芦可替尼."),
         "zh_CN: demo.before.contra: translation is mostly Latin letters",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("fuzzy safety string",
         lambda w: w.edit(PO, 'msgctxt "demo.before.pregnancy"', '#, fuzzy\nmsgctxt "demo.before.pregnancy"'),
         "zh_CN: demo.before.pregnancy: translation is fuzzy", unchanged=KEEP_SEEDS,
         absent=NO_ZH, present=("en/demo-cream.pdf",)),
    Case("untranslated boxed warning", lambda w: w.zh(demo__boxed__infections=""),
         "zh_CN: demo.boxed.infections: not translated", unchanged=KEEP_SEEDS,
         absent=NO_ZH),
    Case("placeholder dropped", lambda w: w.zh(ui__version="须知版本"),
         "msgfmt --check: a format specification for argument 'version' doesn't exist in 'msgstr'",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("drug name from the glossary missing", lambda w: w.zh(demo__before__contra="如果您对鲁索替尼过敏，请不要使用。"),
         "zh_CN: demo.before.contra: the translation must contain the name '芦可替尼' (glossary)",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("glossary term in a form the glossary forbids", lambda w: w.zh(demo__before__pregnancy="如果您妊娠了，请不要使用。"),
         "zh_CN: demo.before.pregnancy: glossary: write '怀孕' for 'pregnant', not '妊娠'",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("ASCII comma inside Chinese", lambda w: w.zh(demo__how__dose="每天涂抹薄薄一层,每天2次。"),
         "zh_CN: demo.how.dose: ASCII punctuation ',' inside Chinese text; use the full-width forms",
         unchanged=KEEP_SEEDS, absent=NO_ZH),
    Case("glossary with a wrong header",
         lambda w: w.edit("translations/zh_CN/glossary.csv", "source,target,explanation,forbidden", "en,zh"),
         "translations/zh_CN/glossary.csv:1: glossary header must be source,target,explanation,forbidden",
         unchanged=KEEP_SEEDS, absent=NO_ZH, present=("en/demo-cream.pdf",)),
    Case("glyph no font can draw", lambda w: w.zh(demo__how__dose="每天涂抹薄薄一层，每天2次。\U0001F9FF"),
         "zh_CN/demo-cream: text the fonts cannot draw:", unchanged=KEEP_SEEDS,
         absent=NO_ZH, present=("en/demo-cream.pdf",)),
    Case("private-use character", lambda w: w.zh(demo__how__dose="每天涂抹薄薄一层，每天2次。\ue000"),
         "(U+E000 unassigned or control character)", unchanged=KEEP_SEEDS,
         absent=NO_ZH),
    # ---------------------------------------------------------------- templates
    Case("template string with a fact's context",
         lambda w: w.edit("templates/leaflet.html", "<main>", '<main><p>{{ pgettext("demo.how.dose", "Use it.") }}</p>'),
         "templates/leaflet.html:", unchanged=("outside", "project/seeds", "project/translations")),
    Case("template without the disclaimer",
         lambda w: (w.root / "templates/partials/disclaimer.html").write_text("<aside></aside>\n", encoding="utf-8"),
         "no template prints the mandatory disclaimer"),
    # ---------------------------------------------------------------- the output folder
    Case("babel.cfg missing", lambda w: (w.root / "babel.cfg").unlink(),
         "babel.cfg: not found; it tells Babel where the template strings are", unchanged=("outside",)),
    Case("output folder is a file", lambda w: w.out.write_text("not a folder", encoding="utf-8"),
         "is a file, not a folder; move it away or choose another folder with --out",
         unchanged=("outside", "project/seeds", "project/translations", "out")),
    Case("output folder is the project", lambda w: None, "the output folder contains the project itself",
         argv=["build", "--out", "{root}"], unchanged=("outside", "project")),
    Case("malformed earlier manifest", _manifest_broken('{"outputs": ["en/demo-cream.pdf"]}'),
         "malformed manifest", prebuild=True, present=("en/demo-cream.pdf", "zh_CN/demo-cream.pdf")),
    Case("manifest that is not JSON", _manifest_broken("{"), "malformed manifest", prebuild=True,
         present=("en/demo-cream.pdf",)),
    Case("manifest pointing outside the output folder",
         _manifest_broken(json.dumps({"schema": 3, "sources": "", "skipped": [], "outputs": [{
             "drug": "../../outside/keep", "locale": "en", "format": "pdf", "variant": "a4",
             "path": "../../outside/keep.txt", "title": "x", "version": 1, "reviewed": "2026-01-01",
             "facts": [], "input": "0" * 64, "sha256": "0" * 64}]})),
         "malformed manifest", prebuild=True),
    Case("manifest of an unknown layout version", _manifest_broken('{"schema": 99, "outputs": []}'),
         "malformed manifest ('schema' must be 3)", prebuild=True, present=("en/demo-cream.pdf",)),
    # One PDF per leaflet, no "variant": its leaflets are rebuilt or removed, with a warning, not an error.
    Case("manifest written by the previous version",
         _manifest_broken(json.dumps({"outputs": [{"drug": "demo-cream", "locale": "en", "format": "pdf",
                                                   "path": "en/demo-cream.pdf", "title": "x", "version": 1,
                                                   "reviewed": "2026-01-01", "sha256": "0" * 64}]})),
         "written by an older version of leaflets", code=0, prebuild=True,
         present=("en/demo-cream.pdf", "zh_CN/demo-cream.pdf")),
    Case("disk full while writing the PDF", _no_space_for(".pdf"),
         "No space left on device; free some disk space and build again", prebuild=True, argv=[*BUILD, "--force"],
         absent=("en/demo-cream.html", "en/demo-cream.pdf", "zh_CN/demo-cream.html")),
    Case("disk full while writing the manifest", _no_space_for("index.html"), "manifest.json and index.html were removed",
         prebuild=True, argv=[*BUILD, "--force"], absent=("manifest.json", "index.html")),
    Case("temporary files of a killed build",
         lambda w: [(w.out / rel).write_bytes(b"half") for rel in ("en/.demo-cream.pdf.x1.tmp", ".manifest.json.x2.tmp")],
         "", code=0, prebuild=True, present=("en/demo-cream.pdf",)),
    Case("drug whose fact file was removed", lambda w: (w.root / "seeds/facts/demo-two.yaml").unlink(), "", code=0,
         setup=second_drug, prebuild=True, absent=("en/demo-two.pdf", "en/demo-two.html"),
         present=("en/demo-cream.pdf",)),
    Case("a locale removed from the project",
         lambda w: w.edit("leaflets.toml", 'locales = ["en", "zh_CN"]', 'locales = ["en"]'), "", code=0,
         prebuild=True, absent=("zh_CN/demo-cream.pdf", "zh_CN/demo-cream.html"), present=("en/demo-cream.pdf",)),
    Case("i18n update on a catalog with a duplicate entry",
         lambda w: (w.root / PO).write_text((w.root / PO).read_text(encoding="utf-8") + '\nmsgctxt "demo.how.dose"\n'
                                           'msgid "Apply a thin layer 2 times a day."\nmsgstr "厚涂"\n', encoding="utf-8"),
         "duplicate message definition", argv=["i18n", "update"]),
    Case("draft and strict together", lambda w: None, "--draft and --strict contradict each other",
         argv=[*BUILD, "--draft", "--strict"]),
    Case("check with a duplicate key", lambda w: w.edit(FACTS, "title: Demo cream\n", "title: Demo cream\ntitle: Other\n"),
         "duplicate key 'title' (first on line 4)", argv=["check"]),
    Case("locale folder is a link to outside",
         lambda w: (shutil.rmtree(w.out / "en"), (w.out / "en").symlink_to(w.outside)),
         "refusing to write outside the output folder", prebuild=True, absent=("en/demo-cream.pdf",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_refuses(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(make_project(tmp_path), tmp_path / "out", tmp_path / "outside")
    world.monkeypatch = monkeypatch  # type: ignore[attr-defined]
    world.outside.mkdir()
    (world.outside / "keep.txt").write_text("a file nobody may touch\n", encoding="utf-8")
    argv = ["--project", str(world.root)] + [a.replace("{out}", str(world.out)).replace("{root}", str(world.root))
                                               for a in case.argv]
    if case.setup:
        case.setup(world)
    if case.prebuild:
        main(argv)
    capsys.readouterr()
    case.breaks(world)
    before = {rel: _snapshot(tmp_path, rel) for rel in case.unchanged}
    assert main(argv) == case.code
    err = capsys.readouterr().err
    assert case.message in err, err
    assert "Traceback" not in err
    for rel, snapshot in before.items():
        assert _snapshot(tmp_path, rel) == snapshot, f"{rel} changed"
    for rel in case.absent:
        assert not (world.out / rel).exists(), rel
    for rel in case.present:
        assert (world.out / rel).is_file(), rel
    _assert_consistent(world.out)


def _assert_consistent(out: Path) -> None:
    """Whatever happened: no temporary file is left, and the manifest lists exactly the leaflets on disk."""
    if not out.is_dir():
        return
    assert not list(out.rglob("*.tmp"))
    on_disk = {p.relative_to(out).as_posix() for p in out.glob("*/*") if p.suffix in (".html", ".pdf")
               and not p.parent.is_symlink()}
    manifest = out / "manifest.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        listed = {entry["path"] for entry in data["outputs"]}
        assert listed == on_disk
        for entry in data["outputs"]:
            assert hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    else:
        assert not on_disk, on_disk


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_outputs_and_catalogs_follow_the_umask(umask: int, tmp_path: Path) -> None:
    """A clinic's web server must be able to read what the build writes (mkstemp alone gives 0600)."""
    project = make_project(tmp_path)
    old = os.umask(umask)
    try:
        assert main(["--project", str(project.root), "build", "--out", str(tmp_path / "out")]) == 0
        assert main(["--project", str(project.root), "i18n", "update"]) == 0
    finally:
        os.umask(old)
    written = [*sorted((tmp_path / "out").rglob("*.*")), project.po_path("zh_CN"), project.pot_path]
    assert len(written) >= 7
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path


def test_a_reviewed_move_of_numbers_is_accepted_only_for_that_order(tmp_path: Path) -> None:
    """A translator may approve a moved number; the approval lapses when the numbers change again."""
    project = make_project(tmp_path)
    out = ["--project", str(project.root), "build", "--out", str(tmp_path / "out"), "--locale", "zh_CN"]
    fill_catalog(project, "zh_CN", {"demo.how.interval": "2次涂药之间至少间隔8小时。每日使用2次。"})
    assert main(out) == 1  # the sentences swapped their numbers
    po = project.po_path("zh_CN")
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgctxt "demo.how.interval"', '# numbers-reviewed: 2, 8, 2\nmsgctxt "demo.how.interval"'),
                  encoding="utf-8")
    assert main(out) == 0
    fill_catalog(project, "zh_CN", {"demo.how.interval": "8次涂药之间至少间隔2小时。每日使用2次。"})
    assert "# numbers-reviewed: 2, 8, 2" in po.read_text(encoding="utf-8")  # the comment stays ...
    assert main(out) == 1  # ... but no longer approves
