"""The built site in a real browser: Debian's Chromium, driven by Playwright, pages opened from file://.

A clinic opens the build from a folder or a USB stick, often on a phone, so every page checked here must load
without script or console errors, keep every link working offline, fit a 390 px wide screen, pass axe-core's
serious and critical rules (and its landmark rules), and the index's two menus must filter the list.

Which pages: index.html; one leaflet of every locale; every leaflet of en, zh_CN and ar (Latin, CJK and
right-to-left text). They are named from the project's settings (its locales and fact files), so they grow
with the project, and looked up in the build's manifest.json when the tests run: a leaflet that the build
skipped is skipped here with the build's reason, and a test fails if the build has a locale these pages miss.
One Chromium serves the module, and each page is loaded once for the checks that only read it (about 25 s
for 16 pages, after the session's build).
"""
from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pytest
from axe_playwright_python.sync_playwright import Axe
from babel import Locale
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from leaflets.config import load_project

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
PROJECT = load_project(ROOT)
CHROMIUM = "/usr/bin/chromium"  # Debian's package (scripts/system-packages.sh); Playwright cannot download one here
#: Every leaflet of these locales is checked (Latin, CJK and right-to-left text); one leaflet of the others.
EVERY_LEAFLET_OF = ("en", "zh_CN", "ar")
PHONE = {"width": 390, "height": 844}
#: axe impacts that fail a page whatever the rule, and the rules (landmarks, content outside regions) that
#: fail it from "moderate" up.
FAILING_IMPACTS = {"serious", "critical"}
LANDMARK_IMPACTS = {"moderate", "serious", "critical"}
AXE = Axe()


@dataclass(frozen=True)
class Target:
    """A page to check: the index (no locale), a leaflet, or the first leaflet built in a locale (no drug)."""

    locale: str | None = None
    drug: str | None = None

    def __str__(self) -> str:
        if self.locale is None:
            return "index.html"
        return f"{self.locale}/{self.drug or 'first'}"


def _leaflet_targets() -> list[Target]:
    targets = []
    for locale in PROJECT.locales:
        if locale in EVERY_LEAFLET_OF:
            targets += [Target(locale, drug) for drug in sorted(PROJECT.drugs())]
        else:
            targets.append(Target(locale))
    return targets


LEAFLETS = _leaflet_targets()
PAGES = [Target(), *LEAFLETS]


# --- the browser ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (scripts/system-packages.sh, run as root)")
    with sync_playwright() as playwright:
        # No extra command-line arguments are needed. As root, Chromium refuses to start with its sandbox
        # ("Running as root without --no-sandbox is not supported"); Playwright already passes --no-sandbox
        # unless chromium_sandbox=True, and says so explicitly here. Headless is Playwright's default.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, chromium_sandbox=False)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A profile with a phone-sized viewport (390×844 CSS px, as an iPhone 12-15 in portrait).

    Not ``is_mobile``: the layout is then exactly 390 px wide whatever the page's viewport meta says.
    """
    ctx = browser.new_context(viewport=PHONE)
    ctx.set_default_timeout(5_000)  # local files: anything slower is a hang, not a slow network
    yield ctx
    ctx.close()


@dataclass
class Opened:
    page: Page
    path: Path
    errors: list[str]


def open_page(context: BrowserContext, path: Path) -> Opened:
    """Load ``path`` from file://, recording console errors, uncaught exceptions and failed loads."""
    page = context.new_page()
    opened = Opened(page, path, [])

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location or {}
            opened.errors.append(f"console error: {message.text} ({where.get('url')}:{where.get('lineNumber')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: opened.errors.append(f"uncaught {error.name}: {error.message}"))
    page.on("requestfailed", lambda request: opened.errors.append(f"failed to load {request.url}: {request.failure}"))
    page.goto(path.as_uri(), wait_until="load")
    return opened


@pytest.fixture(scope="module")
def loaded(context: BrowserContext) -> Callable[[Path], Opened]:
    """Each page loaded once and shared by the checks that only read it, which keeps the module fast.

    A check that changes a page (the index filter) opens its own copy with ``open_page``.
    """
    pages: dict[Path, Opened] = {}

    def get(path: Path) -> Opened:
        if path not in pages:
            pages[path] = open_page(context, path)
        return pages[path]

    return get


# --- what the build has --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def manifest(real_build: Path) -> dict:
    return json.loads((real_build / "manifest.json").read_text(encoding="utf-8"))


def built_html(manifest: dict) -> dict[tuple[str, str], str]:
    """Each leaflet's HTML path in the build, by (locale, drug)."""
    return {(e["locale"], e["drug"]): e["path"] for e in manifest["outputs"] if e["path"].endswith(".html")}


def resolve(target: Target, real_build: Path, manifest: dict) -> Path:
    """The file of ``target`` in the build; skips, with the build's reasons, a leaflet that was not built."""
    if target.locale is None:
        return real_build / "index.html"
    built = built_html(manifest)
    if target.drug is None:
        drugs = sorted(drug for locale, drug in built if locale == target.locale)
        if drugs:
            return real_build / built[(target.locale, drugs[0])]
    elif (target.locale, target.drug) in built:
        return real_build / built[(target.locale, target.drug)]
    reasons = [p for s in manifest.get("skipped", []) if s["locale"] == target.locale
               and target.drug in (None, s["drug"]) for p in s["problems"]]
    pytest.skip(f"{target}: not built" + (": " + "; ".join(reasons[:3]) if reasons else ""))


@pytest.fixture(params=PAGES, ids=str)
def any_page(request: pytest.FixtureRequest, real_build: Path, manifest: dict) -> Path:
    return resolve(request.param, real_build, manifest)


@pytest.fixture(params=LEAFLETS, ids=str)
def leaflet(request: pytest.FixtureRequest, real_build: Path, manifest: dict) -> Path:
    return resolve(request.param, real_build, manifest)


def test_the_pages_checked_cover_every_built_locale(manifest: dict) -> None:
    """The pages above are chosen from the project's settings; the build must not have more than that."""
    built = built_html(manifest)
    assert built, "the build wrote no leaflet"
    checked = {(t.locale, t.drug) for t in LEAFLETS}
    unchecked = sorted({loc for loc, _ in built} - {t.locale for t in LEAFLETS})
    unchecked += sorted(f"{loc}/{drug}" for loc, drug in built
                        if loc in EVERY_LEAFLET_OF and (loc, drug) not in checked)
    assert not unchecked, f"built but not checked in a browser: {unchecked}"


# --- every page ----------------------------------------------------------------------------------------

def test_no_console_or_page_errors(loaded: Callable[[Path], Opened], any_page: Path) -> None:
    opened = loaded(any_page)
    assert not opened.errors, "\n".join(opened.errors)


class _Anchors(HTMLParser):
    """The fragment targets of an HTML file: ids, and names of <a>."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is not None and (key == "id" or (tag == "a" and key == "name")):
                self.names.add(value)


@cache
def anchors(path: Path) -> frozenset[str]:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    return frozenset(parser.names)


_WEB_URL = re.compile(r"^https?://[^\s/?#@]+(?:[/?#]\S*)?$", re.IGNORECASE)


def link_problem(raw: str, url: str, root: Path) -> str | None:
    """Why a link written ``raw`` (resolved by the browser to ``url``) would not work offline, or None."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        # No network here: a web address is only checked to be a complete, absolute address.
        written = urlsplit(raw)
        try:
            written.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            return "malformed port"
        if written.scheme not in ("http", "https") or not _WEB_URL.match(raw):
            return "not a well-formed absolute http(s) address"
        if "." not in (written.hostname or "") and written.hostname != "localhost":
            return f"host {written.hostname!r} is not a full domain name"
        return None
    if parts.scheme in ("mailto", "tel"):
        return None if parts.path else f"empty {parts.scheme}: link"
    if parts.scheme != "file":
        return f"{parts.scheme}: links do not work from a leaflet folder"
    if parts.netloc:
        return f"points to another host ({parts.netloc})"
    target = Path(url2pathname(unquote(parts.path)))
    if not target.resolve().is_relative_to(root.resolve()):
        return "points outside the build folder"
    if not target.is_file():
        return "no such file in the build"
    fragment = unquote(parts.fragment)
    if fragment and fragment.lower() != "top" and target.suffix == ".html" and fragment not in anchors(target):
        return f"no element with id {fragment!r} in {target.relative_to(root)}"
    return None


def test_every_link_resolves(loaded: Callable[[Path], Opened], any_page: Path, real_build: Path) -> None:
    page = loaded(any_page).page
    links = page.eval_on_selector_all(
        "a[href]", "as => as.map(a => ({raw: a.getAttribute('href'), url: a.href, text: a.textContent.trim()}))")
    problems = [f"{link['raw']!r} ({link['text'][:40]!r}): {problem}" for link in links
                if (problem := link_problem(link["raw"], link["url"], real_build))]
    assert not problems, f"{len(problems)} broken link(s) of {len(links)}:\n" + "\n".join(problems)


_OVERFLOW = """() => {
  const width = window.innerWidth, root = document.documentElement;
  const out = e => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
  };
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  // The outermost elements that stick out: their parent fits, so they are what makes the page scroll.
  const culprits = [...document.body.querySelectorAll('*')].filter(e => out(e) && !out(e.parentElement)).slice(0, 8)
    .map(e => `${name(e)} (${Math.round(e.getBoundingClientRect().width)} px wide): `
              + e.textContent.trim().slice(0, 50));
  return {scrollWidth: root.scrollWidth, innerWidth: width, culprits};
}"""


def test_fits_a_phone_screen(loaded: Callable[[Path], Opened], any_page: Path) -> None:
    """At 390×844 nothing scrolls sideways."""
    result = loaded(any_page).page.evaluate(_OVERFLOW)
    assert result["scrollWidth"] <= result["innerWidth"], (
        f"scrollWidth {result['scrollWidth']} > innerWidth {result['innerWidth']}; too wide:\n"
        + "\n".join(result["culprits"]))


def failing_violations(violations: list[dict]) -> list[dict]:
    """Serious and critical violations, and moderate ones of the landmark and region rules."""
    def landmark(rule: str) -> bool:
        return rule == "region" or rule.startswith("landmark-")
    return [v for v in violations
            if v["impact"] in FAILING_IMPACTS or (landmark(v["id"]) and v["impact"] in LANDMARK_IMPACTS)]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            target = " >> ".join(t if isinstance(t, str) else " ".join(t) for t in node["target"])
            lines.append(f"    {target}    {' '.join(node['html'].split())[:100]}")
    return "\n".join(lines)


def test_axe_finds_no_serious_violation(loaded: Callable[[Path], Opened], any_page: Path) -> None:
    page = loaded(any_page).page
    violations = failing_violations(AXE.run(page).response["violations"])
    assert not violations, f"axe-core: {len(violations)} violation(s)\n" + describe_violations(violations)


# --- leaflets ------------------------------------------------------------------------------------------

def test_leaflet_links_to_the_index_and_its_pdfs(loaded: Callable[[Path], Opened], leaflet: Path, real_build: Path,
                                                 manifest: dict) -> None:
    page = loaded(leaflet).page

    def linked(selector: str) -> set[Path]:
        urls = page.eval_on_selector_all(selector, "as => as.map(a => a.href)")
        return {Path(url2pathname(unquote(urlsplit(url).path))) for url in urls if url.startswith("file:")}

    assert real_build / "index.html" in linked('a[href$="index.html"]'), "no link back to index.html"
    pdfs = linked('a[href$=".pdf"]')
    locale, drug = leaflet.parent.name, leaflet.stem
    # At least the A4 PDF (<drug>.pdf), and every other PDF that the manifest lists for this leaflet.
    expected = {leaflet.with_suffix(".pdf")} | {
        real_build / e["path"] for e in manifest["outputs"]
        if (e["locale"], e["drug"]) == (locale, drug) and e["path"].endswith(".pdf")}
    missing = sorted(str(p.relative_to(real_build)) for p in expected - pdfs)
    assert not missing, f"no link to {missing}; PDFs linked: {sorted(str(p.relative_to(real_build)) for p in pdfs)}"


def test_text_direction(loaded: Callable[[Path], Opened], leaflet: Path) -> None:
    """Right-to-left languages (ar) get dir="rtl" on <html>; the others lay out left to right."""
    page = loaded(leaflet).page
    locale = Locale.parse(leaflet.parent.name)
    if locale.character_order == "right-to-left":
        assert page.evaluate("document.documentElement.dir") == "rtl"
    else:
        assert page.evaluate("getComputedStyle(document.documentElement).direction") == "ltr"


# --- the index -----------------------------------------------------------------------------------------

_SHOWN = """() => {
  const items = [...document.querySelectorAll('.leaflet')];
  return {
    shown: items.filter(e => !e.hidden).map(e => [e.dataset.drug, e.dataset.locale]),
    // hidden must hide, and only hidden may hide (a CSS display rule can override the attribute)
    wrong: items.filter(e => e.hidden === e.checkVisibility())
      .map(e => `${e.dataset.drug}/${e.dataset.locale}: `
                + (e.hidden ? 'has hidden but is drawn' : 'has no hidden but is not drawn')),
  };
}"""


def test_index_filters_by_drug_and_locale(context: BrowserContext, real_build: Path, manifest: dict) -> None:
    """The contract: <select id="filter-drug"> and <select id="filter-locale"> (value "" = all), one
    .leaflet element per leaflet with data-drug and data-locale; filtered-out items get ``hidden``."""
    opened = open_page(context, real_build / "index.html")
    page = opened.page
    for menu in ("filter-drug", "filter-locale"):
        assert page.locator(f"select#{menu}").count() == 1, f'index.html has no <select id="{menu}">'
    items = [tuple(item) for item in
             page.eval_on_selector_all(".leaflet", "es => es.map(e => [e.dataset.drug, e.dataset.locale])")]
    built = {(e["drug"], e["locale"]) for e in manifest["outputs"]}
    assert built <= set(items), f"built leaflets without a .leaflet item: {sorted(built - set(items))}"
    assert len(items) == len(set(items)), "more than one .leaflet item for the same drug and locale"
    drugs = page.eval_on_selector_all("#filter-drug option", "os => os.map(o => o.value)")
    locales = page.eval_on_selector_all("#filter-locale option", "os => os.map(o => o.value)")
    assert sorted(drugs) == sorted({""} | {d for d, _ in items}), "drug menu: one option per drug, plus '' for all"
    assert sorted(locales) == sorted({""} | {loc for _, loc in items}), "locale menu: one option per locale, plus ''"

    def choose(drug: str, locale: str) -> None:
        page.select_option("#filter-drug", value=drug)
        page.select_option("#filter-locale", value=locale)
        state = page.evaluate(_SHOWN)
        shown = {tuple(item) for item in state["shown"]}
        expected = {item for item in items if drug in ("", item[0]) and locale in ("", item[1])}
        assert shown == expected, (f"drug={drug!r} locale={locale!r}: shown though filtered out: "
                                   f"{sorted(shown - expected)}; hidden though chosen: {sorted(expected - shown)}")
        assert not state["wrong"], f"drug={drug!r} locale={locale!r}: {state['wrong']}"

    assert sorted(map(tuple, page.evaluate(_SHOWN)["shown"])) == sorted(items), "not every leaflet shown at first"
    for drug in drugs:
        choose(drug, "")
    for locale in locales:
        choose("", locale)
    for drug in drugs:
        for locale in locales:
            choose(drug, locale)
    choose("", "")
    assert not opened.errors, "\n".join(opened.errors)
