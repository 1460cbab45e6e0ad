"""Safe file writes: atomic, readable by a web server, and never outside the folder they belong to.

A reader (or a crashed build) never sees a half-written leaflet or catalog: data goes to a temporary file
beside the target and is renamed into place. ``mkstemp`` creates files as 0600, which a clinic's web server
cannot serve, so the final file gets the mode the user's umask allows, as ``open()`` would have given it.
A build killed between the two steps leaves a ``.<name>.*.tmp`` file that the next run removes.
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from leaflets.errors import LeafletError

TMP_SUFFIX = ".tmp"


class OutputError(LeafletError):
    """An output file could not be written or removed (full or read-only disk, a file in the way)."""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def describe_os_error(exc: OSError, path: Path | str | None = None) -> str:
    """``path: reason; fix`` for an ``OSError``, in words a clinic's IT person can act on."""
    where = exc.filename or path or "?"
    reason = exc.strerror or str(exc)
    hints = {
        "ENOSPC": "free some disk space and build again",
        "EDQUOT": "free some disk space and build again",
        "EROFS": "the disk is read-only; choose another output folder with --out",
        "EACCES": "you may not write here; fix the permissions or choose another folder with --out",
        "EPERM": "you may not write here; fix the permissions or choose another folder with --out",
        "ENOTDIR": "a file is in the way where a folder is needed; move it away or choose another --out",
        "EEXIST": "a file is in the way where a folder is needed; move it away or choose another --out",
        "EISDIR": "a folder is in the way where a file is needed; move it away",
    }
    hint = hints.get(errno.errorcode.get(exc.errno or 0, ""), "check the path and build again")
    return f"{where}: {reason}; {hint}"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place."""
    tmp = write_temporary(path, data)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(describe_os_error(exc, path)) from None


def write_temporary(path: Path, data: bytes) -> Path:
    """Write ``data`` beside ``path`` under a temporary name (with the umask's mode) and return that name.

    The caller renames it into place with ``os.replace`` once every file of a set is written, so that
    a leaflet's HTML and PDF change together.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    except OSError as exc:
        raise OutputError(describe_os_error(exc, path.parent)) from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o666 & ~_umask())
            out.write(data)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(describe_os_error(exc, path)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def remove_stale_temporaries(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Delete ``.<name><suffix>.*.tmp`` files that a killed run left under ``folder``; return them.

    Only our own temporary names are matched (one of ``suffixes`` before the random part), so a hidden
    ``.tmp`` file of someone else's in the same folder is left alone.
    """
    removed = []
    if folder.is_dir():
        for suffix in suffixes:
            for tmp in folder.rglob(f".*{suffix}.*{TMP_SUFFIX}"):
                if tmp.is_file() and not tmp.is_symlink() and is_inside(tmp, folder):
                    tmp.unlink(missing_ok=True)
                    removed.append(tmp)
    return removed


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (after resolving symbolic links) lies inside ``folder``."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def remove_inside(path: Path, folder: Path) -> None:
    """Delete the file ``path``, refusing anything that resolves outside ``folder``."""
    if not is_inside(path, folder):
        raise OutputError(f"{path}: refusing to delete a file outside the output folder {folder}")
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(describe_os_error(exc, path)) from None
