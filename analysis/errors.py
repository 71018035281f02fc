"""The one exception type that every reader in :mod:`analysis` raises for bad input.

A malformed file never surfaces as an unrelated ``ValueError``, ``IndexError`` or
``struct.error``, and never as silently wrong numbers: each reader checks what it
needs and raises :class:`FormatError`, which names the file, the line (1-based) or
byte offset (0-based) where the problem is, what was expected there and what was
found.
"""

from __future__ import annotations

import os

__all__ = ["FormatError"]


class FormatError(ValueError):
    """A file that does not follow its format (OVF, ODT, mumax3 table, run layout).

    Parameters
    ----------
    path : str or os.PathLike
        The file (or run folder) that is wrong.
    expected : str
        What the reader expected to find, in words.
    line : int, optional
        1-based line number of the offending line, for text content.
    offset : int, optional
        0-based byte offset, for binary content.
    found : str, optional
        What was found instead (shortened to 200 characters).

    Examples
    --------
    >>> err = FormatError("m.ovf", "xnodes to be a positive integer", line=17, found="1x")
    >>> str(err)
    "m.ovf: line 17: expected xnodes to be a positive integer, found '1x'"
    """

    def __init__(
        self,
        path: str | os.PathLike,
        expected: str,
        *,
        line: int | None = None,
        offset: int | None = None,
        found: str | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.expected = expected
        self.line = line
        self.offset = offset
        self.found = None if found is None else _shorten(found)
        where = [self.path]
        if line is not None:
            where.append(f"line {line}")
        if offset is not None:
            where.append(f"byte {offset}")
        msg = f"{': '.join(where)}: expected {expected}"
        if self.found is not None:
            msg += f", found {self.found!r}"
        super().__init__(msg)

    def __reduce__(self):  # keep the keyword-only fields through pickling (dask workers)
        return (
            _rebuild,
            (self.path, self.expected, self.line, self.offset, self.found),
        )


def _rebuild(path, expected, line, offset, found) -> FormatError:
    return FormatError(path, expected, line=line, offset=offset, found=found)


def _shorten(text: str, limit: int = 200) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."
