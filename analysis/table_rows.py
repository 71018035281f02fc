"""Strict parsing of the numeric rows shared by OOMMF ODT files and mumax3 tables.

Both formats are "one row per line, whitespace-separated numbers, ``#`` for
everything else". pandas' CSV reader fills short rows with NaN without a word, and
a row cut off mid-number by an interrupted writer still parses, so the checks
live here: every row has exactly the header's number of values, every value is a
number, and every row ends with a newline (a final row without one was still
being written and is either refused or, on request, dropped).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from analysis.errors import FormatError

__all__ = ["parse_rows", "PartialRow"]

PartialRow = Literal["raise", "drop"]


def parse_rows(
    rows: list[tuple[int, str, bool]],
    n_columns: int,
    path: str,
    *,
    partial_last_row: PartialRow = "raise",
    sep: str | None = None,
) -> np.ndarray:
    """Turn data lines into a float64 array of shape ``(len(rows), n_columns)``.

    Parameters
    ----------
    rows : list of (line number, text, ends with newline)
        The data lines, in order.
    n_columns : int
        Values each row must have.
    path : str
        File name for error messages.
    partial_last_row : {"raise", "drop"}
        What to do with a last row that has no newline (a table still being
        written): raise :class:`FormatError` (default) or leave it out.
    sep : str, optional
        Separator (default: any whitespace).

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    FormatError
        A row with the wrong number of values, a value that is not a number, or
        an unterminated last row.
    """
    if rows and not rows[-1][2]:
        if partial_last_row == "drop":
            rows = rows[:-1]
        else:
            lineno, text, _ = rows[-1]
            raise FormatError(
                path,
                "every row to end with a newline; the last row is incomplete (a table still "
                "being written can be read with partial_last_row='drop')",
                line=lineno, found=text,
            )
    values = np.empty((len(rows), n_columns), dtype=np.float64)
    for i, (lineno, text, _) in enumerate(rows):
        tokens = text.split(sep) if sep else text.split()
        if sep:
            tokens = [t.strip() for t in tokens if t.strip()]
        if len(tokens) != n_columns:
            raise FormatError(path, f"{n_columns} values in each row (one per column)",
                              line=lineno, found=f"{len(tokens)} values: {text.strip()}")
        try:
            values[i] = [float(t) for t in tokens]
        except ValueError:
            bad = next(t for t in tokens if not _is_number(t))
            raise FormatError(path, "a number in every column", line=lineno, found=bad) from None
    return values


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True
