"""Exception classes whose message is meant for the user.

Every user error names the file, the line and the fix, and the CLI prints it without a traceback
(click turns a ``ClickException`` into ``error: ...`` and exit code 1). Stages collect every problem
they find and raise them together, because a translator fixing a catalog wants the whole list at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input file."""

    path: Path | str
    line: int | None
    message: str
    #: The name of the check that found it ("numbers", "fuzzy", ...), shown as "[numbers]" for translators.
    check: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: [{self.check}] {self.message}" if self.check else f"{where}: {self.message}"


class LeafletError(click.ClickException):
    """Base of all user-facing errors; exit code 1."""

    exit_code = 1

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"error: {self.format_message()}", err=True, file=file)


class ProblemsError(LeafletError):
    """Several problems found in one stage, reported together."""

    def __init__(self, problems: list[Problem], summary: str = "") -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems]
        if summary:
            lines.append(summary)
        super().__init__("\n".join(lines))


class FactsError(ProblemsError):
    """The fact files are invalid."""


class CatalogError(ProblemsError):
    """A translation catalog is malformed or incomplete."""


class RenderError(LeafletError):
    """A leaflet could not be rendered (template, fonts, glyphs)."""


class VerifyError(LeafletError):
    """A written leaflet failed the read-back check and was removed."""


class ConfigError(LeafletError):
    """Unknown drug or locale, or a broken project file."""


class SystemDependencyError(LeafletError):
    """A font or system library the renderer needs is missing."""


def raise_if(problems: list[Problem], error: type[ProblemsError], summary: str = "") -> None:
    """Raise ``error`` with all ``problems`` if there are any."""
    if problems:
        raise error(problems, summary or f"{len(problems)} problem(s) found")
