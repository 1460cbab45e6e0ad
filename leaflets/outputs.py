"""The output folder: which leaflets on disk are vouched for, and writing them so that it stays that way.

The promise is that after any build, finished or not, every leaflet on disk is a set of files (its HTML and
one PDF per print variant) that passed every check together, and ``manifest.json`` lists exactly those. So:

- the previous manifest is read strictly; an entry is trusted only if its file still has its checksum;
- files at our output names that no valid entry vouches for, leaflets of drugs or locales that no longer
  exist, and temporary files of a killed build are removed before anything is written;
- a leaflet's files are written under temporary names first and renamed together; if any write fails, the
  new files and the old ones are removed;
- nothing outside the output folder is ever deleted, and names only become paths after validation.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from leaflets.config import NAME, check_locale
from leaflets.errors import Problem
from leaflets.files import (OutputError, describe_os_error, is_inside, remove_inside, remove_stale_temporaries,
                            write_atomic, write_temporary)

MANIFEST = "manifest.json"
INDEX = "index.html"
#: Each file of a leaflet ("kind"): the screen HTML and one PDF per print variant, by file name suffix.
SUFFIXES: dict[str, str] = {"html": ".html", "a4": ".pdf", "letter": ".letter.pdf", "large": ".large.pdf"}
#: The endings of the files a build writes, which its temporary files carry before the random part.
TEMP_SUFFIXES = (".html", ".pdf", ".json")
#: Manifest layout version; a manifest of another version is not trusted, so its leaflets are rebuilt.
SCHEMA = 3
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ENTRY_KEYS = {"drug", "locale", "format", "variant", "path", "title", "version", "reviewed", "facts", "input",
               "sha256"}
_ENTRY_KEYS_V1 = _ENTRY_KEYS - {"variant", "facts", "input"}
LOG = logging.getLogger("leaflets")


def kind_of(entry: dict) -> str:
    """The file kind of a manifest entry: "html", or the PDF's variant."""
    return "html" if entry["format"] == "html" else entry["variant"]


@dataclass
class OutputFolder:
    """An output folder and what its previous manifest vouches for."""

    root: Path
    entries: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sources: str = ""  # the inputs' fingerprint the manifest was written from
    skipped: list[dict] = field(default_factory=list)  # leaflets that were blocked then, with why
    _intact: dict[str, bool] = field(default_factory=dict, repr=False)  # by path, see intact()

    def path(self, drug: str, locale: str, kind: str) -> Path:
        return self.root / locale / f"{drug}{SUFFIXES[kind]}"

    def intact(self, entry: dict) -> bool:
        """Whether the file of a manifest entry is still in the folder with its checksum. Asked by the
        no-op check, the incremental check and ``reconcile`` before anything is written, so each file
        is hashed once."""
        if entry["path"] not in self._intact:
            path = self.path(entry["drug"], entry["locale"], kind_of(entry))
            self._intact[entry["path"]] = (path.is_file() and is_inside(path, self.root)
                                           and sha256(path) == entry["sha256"])
        return self._intact[entry["path"]]


def open_output(root: Path) -> OutputFolder:
    """Check that ``root`` can be an output folder and read its manifest (strictly)."""
    if root.exists() and not root.is_dir():
        raise OutputError(f"{root}: is a file, not a folder; move it away or choose another folder with --out")
    folder = OutputFolder(root)
    manifest = root / MANIFEST
    if not manifest.exists():
        return folder
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("schema") == 2 or (
                isinstance(data, dict) and "schema" not in data and isinstance(data.get("outputs"), list)
                and all(isinstance(e, dict) and set(e) == _ENTRY_KEYS_V1 for e in data["outputs"])):
            LOG.warning("%s: written by an older version of leaflets; leaflets not rebuilt now are removed, so "
                        "build all of them", manifest)
            return folder
        if data.get("schema") != SCHEMA:
            raise ValueError(f"'schema' must be {SCHEMA}")
        folder.entries = [_valid_entry(n, entry) for n, entry in enumerate(data["outputs"])]
        folder.sources = data["sources"] if _SHA256.match(str(data["sources"])) else ""
        folder.skipped = [_valid_skip(n, skip) for n, skip in enumerate(data["skipped"])]
    except (OSError, UnicodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        folder.entries = []
        folder.problems.append(Problem(manifest, None, f"malformed manifest ({_reason(exc)}); leaflets not rebuilt "
                                       "now cannot be vouched for and were removed; build them again"))
    return folder


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing key {exc}"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _valid_entry(n: int, entry: object) -> dict:
    """``entry`` if every field is well formed; names are checked before they become paths."""
    if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
        raise ValueError(f"outputs[{n}] must have exactly the keys {', '.join(sorted(_ENTRY_KEYS))}")
    drug, locale = entry["drug"], entry["locale"]
    fmt, variant = entry["format"], entry["variant"]
    known_kind = (fmt, variant) == ("html", None) or (fmt == "pdf" and variant in SUFFIXES and variant != "html")
    if not (isinstance(drug, str) and NAME.match(drug)) or check_locale(locale, "locale") or not known_kind:
        raise ValueError(f"outputs[{n}] has an invalid drug, locale, format or variant")
    if entry["path"] != f"{locale}/{drug}{SUFFIXES[kind_of(entry)]}" or not _SHA256.match(str(entry["sha256"])):
        raise ValueError(f"outputs[{n}] has an unexpected path or checksum")
    if not _SHA256.match(str(entry["input"])) or not all(isinstance(f, str) for f in entry["facts"]):
        raise ValueError(f"outputs[{n}] has a malformed input hash or fact list")
    return entry


def _valid_skip(n: int, skip: object) -> dict:
    """A blocked leaflet as the manifest lists it: drug, locale and the problems, as text."""
    if not (isinstance(skip, dict) and set(skip) == {"drug", "locale", "problems"} and isinstance(skip["drug"], str)
            and NAME.match(skip["drug"]) and not check_locale(skip["locale"], "locale")
            and isinstance(skip["problems"], list) and all(isinstance(p, str) for p in skip["problems"])):
        raise ValueError(f"skipped[{n}] must have a drug, a locale and a list of problems")
    return skip


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def reconcile(folder: OutputFolder, keep: set[tuple[str, str]], known: set[tuple[str, str]]) -> list[str]:
    """Remove what the manifest cannot vouch for; return problems met while removing.

    ``keep`` are the (drug, locale) pairs whose earlier output may stay if unchanged on disk; ``known``
    are all pairs whose output names we own (current drugs and locales, and those of the old manifest).
    """
    failures: list[str] = []
    remove_stale_temporaries(folder.root, TEMP_SUFFIXES)
    vouched, spoiled = [], set()
    for entry in folder.entries:
        pair = (entry["drug"], entry["locale"])
        known.add(pair)
        if pair in keep and folder.intact(entry):
            vouched.append(entry)
        else:
            spoiled.add(pair)
    # A leaflet is kept only whole: if one of its files changed or vanished, all of them go.
    complete = {(e["drug"], e["locale"]) for e in vouched if e["format"] == "html"} - spoiled
    folder.entries = [e for e in vouched if (e["drug"], e["locale"]) in complete]
    for drug, locale in sorted(known - complete):
        failures += remove_pair(folder, drug, locale)
    return failures


def remove_pair(folder: OutputFolder, drug: str, locale: str) -> list[str]:
    """Delete a leaflet's files (never outside the folder); return what could not be deleted."""
    failures = []
    for kind in SUFFIXES:
        try:
            remove_inside(folder.path(drug, locale, kind), folder.root)
        except OutputError as exc:
            failures.append(exc.message)
    return failures


def write_pair(folder: OutputFolder, drug: str, locale: str, files: dict[str, bytes]) -> None:
    """Write a leaflet's files (by kind) so that they change together, or not at all (old files removed).

    Kinds not in ``files`` are removed too: a PDF variant left from an earlier build may not match the new HTML.
    """
    written: dict[Path, Path] = {}
    try:
        for kind in files:
            target = folder.path(drug, locale, kind)
            if not is_inside(target, folder.root):
                raise OutputError(f"{target}: refusing to write outside the output folder {folder.root} "
                                  "(a symbolic link points elsewhere); remove the link")
        for kind in sorted(SUFFIXES.keys() - files.keys()):
            remove_inside(folder.path(drug, locale, kind), folder.root)
        for kind, data in files.items():
            target = folder.path(drug, locale, kind)
            written[target] = write_temporary(target, data)
        for target, tmp in written.items():
            os.replace(tmp, target)
    except (OutputError, OSError) as exc:
        for tmp in written.values():
            tmp.unlink(missing_ok=True)
        remove_pair(folder, drug, locale)
        raise exc if isinstance(exc, OutputError) else OutputError(describe_os_error(exc)) from None


def write_listing(folder: OutputFolder, manifest: dict, index: str) -> None:
    """Write ``manifest.json`` and ``index.html``; if that fails, remove both rather than leave a stale list."""
    try:
        write_atomic(folder.root / MANIFEST, (json.dumps({"schema": SCHEMA, **manifest}, ensure_ascii=False, indent=2) + "\n").encode())
        write_atomic(folder.root / INDEX, index.encode("utf-8"))
    except OutputError as exc:
        for name in (MANIFEST, INDEX):
            try:
                remove_inside(folder.root / name, folder.root)
            except OutputError:
                pass  # the disk refuses even deletion; the message below says what to do
        raise OutputError(f"{exc.message}; {MANIFEST} and {INDEX} were removed, so that no list disagrees with "
                          "the disk; build again once the problem is fixed") from None
