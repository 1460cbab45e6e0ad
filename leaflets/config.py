"""Project paths and settings, read from ``leaflets.toml`` at the project root.

Drugs are discovered from ``seeds/facts/*.yaml`` (every file but the shared one), so adding a drug is
adding a fact file; locales are listed explicitly because each one needs a translator.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from babel import Locale, UnknownLocaleError

from leaflets.errors import ConfigError
from leaflets.text import text_problem
from leaflets.yamlfile import NotUtf8Error, read_utf8

PROJECT_FILE = "leaflets.toml"
#: Print variants, in the order the index lists them: A4, US Letter, and large print (A4, body 16 pt).
VARIANTS: tuple[str, ...] = ("a4", "letter", "large")
#: Longest clinic details that still fit their box on one page, in characters.
CLINIC_LIMITS = {"name": 80, "phone": 40, "note": 300}
_BASE_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/%-]*)?$")


@dataclass(frozen=True)
class Clinic:
    """The clinic's contact details, printed in their own box; empty fields leave space to write in."""

    name: str = ""
    phone: str = ""
    note: str = ""

    def __bool__(self) -> bool:
        return bool(self.name or self.phone or self.note)


def check_clinic(clinic: Clinic, where: str) -> list[str]:
    """Problems with clinic details: they are printed next to medical text, so they meet the same rules."""
    problems = []
    for key, limit in CLINIC_LIMITS.items():
        value = getattr(clinic, key)
        if not isinstance(value, str):
            problems.append(f"{where}{key}: must be text in quotes, got {value!r}")
        elif value and (problem := text_problem(value)):
            problems.append(f"{where}{key}: {problem}")
        elif len(value) > limit:
            problems.append(f"{where}{key}: {len(value)} characters; at most {limit} fit the clinic box")
    return problems


def check_base_url(url: object, where: str) -> str | None:
    """The problem with a base URL for QR codes, or None; the code must lead exactly where it says."""
    if not isinstance(url, str) or not _BASE_URL.match(url):
        return (f"{where}: {url!r} is not a web address like 'https://clinic.example/leaflets' "
                "(http or https, no spaces, query or fragment)")
    return None


@dataclass(frozen=True)
class Project:
    """Where everything lives and what the build covers."""

    root: Path
    source_locale: str
    locales: tuple[str, ...]
    shared_facts: str
    variants: tuple[str, ...] = VARIANTS
    #: Where the HTML leaflets are published; when set, printed leaflets carry a QR code to their page.
    base_url: str = ""
    clinic: Clinic = field(default_factory=Clinic)

    @property
    def documents_dir(self) -> Path:
        return self.root / "seeds" / "documents"

    @property
    def facts_dir(self) -> Path:
        return self.root / "seeds" / "facts"

    @property
    def translations_dir(self) -> Path:
        return self.root / "translations"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def shared_facts_path(self) -> Path:
        return self.facts_dir / f"{self.shared_facts}.yaml"

    @property
    def target_locales(self) -> tuple[str, ...]:
        """Locales that need a catalog (all but the source language)."""
        return tuple(loc for loc in self.locales if loc != self.source_locale)

    def fact_files(self) -> list[Path]:
        """Every fact file, shared file first."""
        files = sorted(self.facts_dir.glob("*.yaml"))
        return sorted(files, key=lambda p: p != self.shared_facts_path)

    def drugs(self) -> list[str]:
        """Drug keys, one per fact file except the shared one (files with other names are refused
        by ``leaflets check``, because a drug key becomes a file name in build/)."""
        return [p.stem for p in self.fact_files() if p != self.shared_facts_path and NAME.match(p.stem)]

    def po_path(self, locale: str) -> Path:
        return self.translations_dir / locale / "LC_MESSAGES" / "leaflets.po"

    @property
    def pot_path(self) -> Path:
        return self.translations_dir / "leaflets.pot"

    def with_options(self, variants: list[str] | None = None, clinic: dict[str, str] | None = None,
                     base_url: str | None = None) -> Project:
        """This project with settings from the command line in place of those from the project file."""
        problems = [f"--variant: unknown variant {v!r}; expected one of: {', '.join(VARIANTS)}"
                    for v in variants or [] if v not in VARIANTS]
        given = {k: v for k, v in (clinic or {}).items() if v is not None}
        new_clinic = replace(self.clinic, **given)
        problems += check_clinic(new_clinic, "--clinic-") if given else []
        if base_url is not None and base_url and (problem := check_base_url(base_url, "--base-url")):
            problems.append(problem)
        if problems:
            raise ConfigError("\n".join(problems))
        return replace(self, variants=tuple(v for v in VARIANTS if v in variants) if variants else self.variants,
                       clinic=new_clinic, base_url=(base_url if base_url is not None else self.base_url).rstrip("/"))

    def check_selection(self, drugs: list[str], locales: list[str]) -> None:
        """Reject unknown drug or locale names with the list of known ones."""
        known_drugs, problems = self.drugs(), []
        for drug in drugs:
            if drug not in known_drugs:
                problems.append(f"unknown drug {drug!r}; expected one of: {', '.join(known_drugs)}")
        for locale in locales:
            if locale not in self.locales:
                problems.append(
                    f"unknown locale {locale!r}; expected one of: {', '.join(self.locales)} "
                    f"(add it to {PROJECT_FILE} and create its catalog with 'leaflets i18n init')"
                )
        if problems:
            raise ConfigError("\n".join(problems))


#: A locale code as gettext and Babel write it (``zh_CN``, ``es``, ``sr_Latn``); anything else, such as
#: ``../x``, would become a path under translations/ and build/.
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Z][a-z]{3})?(_[A-Z]{2}|_[0-9]{3})?$")
#: Drug keys and the shared file's name become file names: lowercase words joined by hyphens.
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def check_locale(code: object, where: str) -> str | None:
    """The problem with a locale code from a project file, or None when CLDR knows it."""
    if not isinstance(code, str) or not _LOCALE.match(code):
        return (f"{where}: {code!r} is not a locale code; write it like 'en', 'zh_CN' or 'pt_BR' "
                "(language, then territory, joined by '_')")
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return f"{where}: {code!r} is not a locale that CLDR knows; check the spelling (e.g. 'zh_CN', 'ar')"
    return None


def load_project(root: Path | str = ".") -> Project:
    """Read ``leaflets.toml`` from ``root``; every name that becomes a path is checked here."""
    root = Path(root).resolve()
    path = root / PROJECT_FILE
    try:
        data = tomllib.loads(read_utf8(path))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found; run leaflets from the project root or pass --project") from None
    except NotUtf8Error as exc:
        raise ConfigError(f"{path}:{exc.line}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}; fix the TOML syntax") from None
    section = data.get("project")
    if not isinstance(section, dict) or not isinstance(section.get("locales"), list) or not section["locales"]:
        raise ConfigError(f"{path}: [project] needs a non-empty list 'locales = [\"en\", ...]'")
    locales = tuple(section["locales"])
    source = section.get("source_locale", "en")
    shared = section.get("shared_facts", "vitiligo")
    problems = [p for n, code in enumerate(locales) if (p := check_locale(code, f"locales[{n}]"))]
    if not problems and len(set(locales)) != len(locales):
        problems.append(f"locales: {sorted({c for c in locales if locales.count(c) > 1})} listed twice")
    if not problems and source not in locales:
        problems.append(f"source_locale: {source!r} must be listed in locales")
    if not isinstance(shared, str) or not NAME.match(shared):
        problems.append(f"shared_facts: {shared!r} must be a fact file name without '.yaml', like 'vitiligo'")
    unknown = sorted(set(section) - {"locales", "source_locale", "shared_facts"})
    if unknown:
        problems.append(f"[project]: unknown setting(s) {', '.join(unknown)}; expected locales, source_locale, "
                        "shared_facts")
    printing, clinic = data.get("print", {}), data.get("clinic", {})
    variants, base_url = printing.get("variants", list(VARIANTS)), printing.get("base_url", "")
    if not isinstance(variants, list) or not variants or not all(isinstance(v, str) and v in VARIANTS
                                                                  for v in variants):
        problems.append(f"[print] variants: {variants!r}; expected a non-empty list of {', '.join(VARIANTS)}")
    if base_url and (problem := check_base_url(base_url, "[print] base_url")):
        problems.append(problem)
    problems += [f"[{name}]: unknown setting(s) {', '.join(sorted(set(table) - allowed))}; expected "
                 f"{', '.join(sorted(allowed))}"
                 for name, table, allowed in (("print", printing, {"variants", "base_url"}),
                                              ("clinic", clinic, set(CLINIC_LIMITS)))
                 if isinstance(table, dict) and set(table) - allowed]
    problems += [f"[{name}] must be a table" for name, table in (("print", printing), ("clinic", clinic))
                 if not isinstance(table, dict)]
    if not problems:
        problems += check_clinic(Clinic(**clinic), "[clinic] ")
    if problems:
        raise ConfigError("\n".join(f"{path}: {p}" for p in problems))
    return Project(root=root, source_locale=source, locales=locales, shared_facts=shared,
                   variants=tuple(v for v in VARIANTS if v in variants), base_url=str(base_url).rstrip("/"),
                   clinic=Clinic(**clinic))
