"""Reader for mumax3's ``table.txt``.

Format (mumax3 ``engine/table.go``, ``DataTable.init`` and ``Save``): one header
line ``# t (s)`` followed by ``<TAB><name> (<unit>)`` per column (vector
quantities give ``mx ()``, ``my ()``, ``mz ()``; a unitless quantity has ``()``);
then one line per save: the time as float64, then ``<TAB><value>`` per column
with each value printed as float32, and a newline. mumax3 flushes the file every
few seconds, so a table of a running simulation can end in a partial row.
"""

from __future__ import annotations

import os
import re

import pandas as pd

from analysis.errors import FormatError
from analysis.table_rows import PartialRow, parse_rows

__all__ = ["read_mx3_table"]

_COLUMN = re.compile(r"^\s*(.*?)\s*\((.*)\)\s*$")


def read_mx3_table(path: str | os.PathLike, *, partial_last_row: PartialRow = "raise") -> pd.DataFrame:
    """Read a mumax3 ``table.txt``.

    Parameters
    ----------
    path : path
        The table file.
    partial_last_row : {"raise", "drop"}
        How to treat an unterminated last row (a simulation still running).

    Returns
    -------
    pandas.DataFrame
        Columns named as mumax3 names them, without the unit (``t``, ``mx``,
        ``E_total`` ...); ``df.attrs`` holds ``units`` (``""`` for
        dimensionless), ``columns`` (name → header text), ``source`` and
        ``format`` = ``"mumax3"``. ``t`` is in seconds.

    Raises
    ------
    FormatError
        A header that is not mumax3's, a ragged or non-numeric row.
    """
    path = os.fspath(path)
    with open(path, "rb") as fh:
        text = fh.read().decode("utf-8", "replace")
    lines = text.split("\n")
    head = lines[0]
    if not head.startswith("#"):
        raise FormatError(path, "a header line '# t (s)<TAB>...'", line=1, found=head)
    if len(lines) == 1:  # the file ends inside the header: more columns may follow
        raise FormatError(path, "a complete header line ending in a newline; the file ends "
                                "inside it", line=1, found=head)
    names, units, originals = [], [], {}
    for field in head[1:].split("\t"):
        m = _COLUMN.match(field)
        if m is None or not m.group(1):
            raise FormatError(path, "header columns of the form 'name (unit)'", line=1,
                              found=field)
        name = m.group(1)
        if name in originals:
            raise FormatError(path, "distinct column names", line=1, found=name)
        names.append(name)
        units.append(m.group(2))
        originals[name] = field.strip()
    if names[0] != "t" or units[0] != "s":
        raise FormatError(path, "the first column 't (s)'", line=1, found=originals[names[0]])
    rows = []
    for i, line in enumerate(lines[1:], start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rows.append((i + 1, line, i < len(lines) - 1))
    values = parse_rows(rows, len(names), path, partial_last_row=partial_last_row, sep="\t")
    df = pd.DataFrame(values, columns=names)
    df.attrs.update(units=dict(zip(names, units)), columns=originals, source=path,
                    format="mumax3")
    return df
