"""One entry point for data tables: :func:`read_table` picks the reader by content.

* OOMMF ``.odt`` (first line ``# ODT 1.0``): :func:`analysis.odt.read_odt`
* mumax3 ``table.txt`` and the built-in solver's table (first line ``# t (s)``):
  :func:`analysis.mx3_table.read_mx3_table`
"""

from __future__ import annotations

import os

import pandas as pd

from analysis.errors import FormatError
from analysis.mx3_table import read_mx3_table
from analysis.odt import read_odt
from analysis.table_rows import PartialRow

__all__ = ["read_table"]


def read_table(path: str | os.PathLike, *, partial_last_row: PartialRow = "raise") -> pd.DataFrame:
    """Read an OOMMF ODT or mumax3 table into a DataFrame.

    Parameters
    ----------
    path : path
        ``*.odt`` or ``table.txt``.
    partial_last_row : {"raise", "drop"}
        How to treat an unterminated last row (a run still writing).

    Returns
    -------
    pandas.DataFrame
        Clean column names, time as column ``t`` in seconds (when recorded),
        units in ``df.attrs["units"]``.

    Raises
    ------
    FormatError
        If the file is neither format or is malformed.

    Examples
    --------
    >>> df = read_table("tests/data/oommf/sp4.odt")
    >>> list(df.columns[-5:])
    ['mx', 'my', 'mz', 'last_time_step', 't']
    """
    path = os.fspath(path)
    with open(path, "rb") as fh:
        first = fh.readline(4096).decode("utf-8", "replace").strip()
    if first.lower().startswith("# odt"):
        return read_odt(path, partial_last_row=partial_last_row)
    if first.startswith("# t (s)"):
        return read_mx3_table(path, partial_last_row=partial_last_row)
    raise FormatError(path, "an OOMMF table ('# ODT 1.0') or a mumax3 table ('# t (s)...')",
                      line=1, found=first)
