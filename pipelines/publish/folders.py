"""Publishing a month's files whole: staged aside, then swapped in with one rename.

Funders and analysts read ``<home>/published/<YYYY-MM>/`` at any time, and a run can be
killed at any instant. So an asset never writes there: it writes the month into a staging
folder, then the staging folder takes the month's place in one atomic exchange
(``renameat2(RENAME_EXCHANGE)``). A reader sees the month as it was or as the run made it,
never a mix; a run killed before the exchange leaves the month as it was.

Two assets write into one month (the funder files, the reports): each owns some of the
month's entries, and the others are carried into its staging folder (hard links, no copy)
before the exchange.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Callable
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_renameat2 = getattr(_libc, "renameat2", None)


def staging_folder(published: Path, name: str) -> Path:
    """An empty folder beside the published months for one asset's new files (whatever a
    killed run left there is removed)."""
    folder = published / ".staging" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where the system cannot."""
    if _renameat2 is None:
        return False
    result = _renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                        _RENAME_EXCHANGE)
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: a file system without it
        return False
    raise OSError(error, os.strerror(error), str(first))


def _carry(source: Path, destination: Path) -> None:
    """``source`` (a file or a folder) at ``destination`` as hard links (copies if the
    file system has none)."""
    if source.is_dir():
        shutil.copytree(source, destination, copy_function=_link_or_copy)
    else:
        _link_or_copy(source, destination)


def _link_or_copy(source, destination) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def publish_folder(staged: Path, target: Path, owns: Callable[[str], bool]) -> None:
    """Put ``staged`` in the place of ``target`` in one rename.

    The entries of ``target`` that ``owns`` does not claim (another asset's files) and that
    ``staged`` lacks are carried over first. The old folder is removed afterwards.
    """
    if target.is_dir():
        for entry in target.iterdir():
            if not owns(entry.name) and not (staged / entry.name).exists():
                _carry(entry, staged / entry.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.rename(staged, target)
        return
    if not _exchange(staged, target):
        # Without an atomic exchange: two renames, with an instant between them where the
        # month is missing (never half written).
        old = staged.with_name(staged.name + ".old")
        os.rename(target, old)
        os.rename(staged, target)
        staged = old
    shutil.rmtree(staged)
