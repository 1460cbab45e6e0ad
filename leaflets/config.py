"""Project paths and settings, read from ``leaflets.toml`` at the project root.

Drugs are discovered from ``seeds/facts/*.yaml`` (every file but the shared one), so adding a drug is
adding a fact file; locales are listed explicitly because each one needs a translator.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from leaflets.errors import ConfigError

PROJECT_FILE = "leaflets.toml"


@dataclass(frozen=True)
class Project:
    """Where everything lives and what the build covers."""

    root: Path
    source_locale: str
    locales: tuple[str, ...]
    shared_facts: str

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
        """Drug keys, one per fact file except the shared one."""
        return [p.stem for p in self.fact_files() if p != self.shared_facts_path]

    def po_path(self, locale: str) -> Path:
        return self.translations_dir / locale / "LC_MESSAGES" / "leaflets.po"

    @property
    def pot_path(self) -> Path:
        return self.translations_dir / "leaflets.pot"

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


def load_project(root: Path | str = ".") -> Project:
    """Read ``leaflets.toml`` from ``root``."""
    root = Path(root).resolve()
    path = root / PROJECT_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found; run leaflets from the project root or pass --project") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}; fix the TOML syntax") from None
    section = data.get("project", {})
    try:
        locales = tuple(section["locales"])
        source = section.get("source_locale", "en")
        shared = section.get("shared_facts", "vitiligo")
    except (KeyError, TypeError):
        raise ConfigError(f"{path}: [project] needs 'locales = [\"en\", ...]'") from None
    if source not in locales:
        raise ConfigError(f"{path}: source_locale {source!r} must be listed in locales")
    return Project(root=root, source_locale=source, locales=locales, shared_facts=shared)
