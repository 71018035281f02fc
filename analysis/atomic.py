"""Atomic, non-clobbering file and folder writes.

Nothing a user wrote or a run produced is ever lost: every writer in mmstudy
writes into a temporary sibling of the target and renames it into place only
when the write has completed, so an interrupted write leaves either the old file
or no file, never half of one; and an existing target is replaced only when the
caller says ``overwrite=True``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_open"]


def _check_target(target: Path, overwrite: bool) -> None:
    if target.exists() and not overwrite:
        raise FileExistsError(
            f"{target} already exists; refusing to overwrite it (pass overwrite=True, "
            "or --force on the command line, to replace it)"
        )


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` on success.

    Works for files and for folders (a zarr store): whatever the caller creates at
    the yielded path is renamed to ``target`` when the block exits without an
    exception, and removed otherwise.

    Parameters
    ----------
    target : path
        Final location.
    overwrite : bool
        Replace an existing ``target``. Without it, :class:`FileExistsError` is
        raised before anything is written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (d / "a.txt").read_text()
    'hello'
    """
    target = Path(target)
    _check_target(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    tmp = tmpdir / target.name
    try:
        yield tmp
        _check_target(target, overwrite)  # something may have appeared meanwhile
        if target.is_dir() and not target.is_symlink():
            # os.replace cannot replace a non-empty folder: move the old one aside first
            old = tmpdir / (target.name + ".old")
            os.replace(target, old)
            os.replace(tmp, target)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike, mode: str = "wb", *, overwrite: bool = False):
    """Open a temporary file for writing; it becomes ``target`` when closed cleanly.

    The data is flushed and fsync'ed before the rename, so a crash right after
    leaves a complete file.
    """
    with atomic_path(target, overwrite=overwrite) as tmp:
        with open(tmp, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
