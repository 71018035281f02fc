"""Reader for OOMMF data tables (ODT 1.0, ``*.odt``).

Layout (OOMMF user guide, "Data table format (ODT)"): ``# ODT 1.0``,
``# Table Start``, ``# Title: ...``, ``# Columns: ...`` and ``# Units: ...`` (Tcl
lists: a name with spaces is brace-quoted, ``{}`` is an empty unit), then one row
of numbers per line, and ``# Table End`` once the run finishes. A run that was
continued appends another ``Table Start`` block with the same columns.

Column names are made usable: ``Oxs_TimeDriver::Simulation time`` becomes ``t``,
``Oxs_TimeDriver::mx`` becomes ``mx``, ``Oxs_UniformExchange::Energy`` becomes
``E_UniformExchange``; the originals and the units are kept in ``df.attrs``.
"""

from __future__ import annotations

import os
import re

import pandas as pd

from analysis.errors import FormatError
from analysis.table_rows import PartialRow, parse_rows

__all__ = ["read_odt", "clean_odt_name"]

_TCL_WORD = re.compile(r"\{([^{}]*)\}|(\S+)")
_DRIVER_RENAMES = {"simulation_time": "t"}


def tcl_words(text: str) -> list[str]:
    """Split a Tcl list (``{a b} c {}``) into its words."""
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _TCL_WORD.finditer(text)]


def _snake(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_")


def clean_odt_name(raw: str) -> str:
    """A Python-identifier-like name for an ODT column.

    Examples
    --------
    >>> clean_odt_name("Oxs_TimeDriver::Simulation time")
    't'
    >>> clean_odt_name("Oxs_DMI_Cnv_z::Energy")
    'E_DMI_Cnv_z'
    >>> clean_odt_name("Oxs_RungeKuttaEvolve:evolve:Max dm/dt")
    'Max_dm_dt'
    >>> clean_odt_name("Oxs_UniformExchange::Max Spin Ang")
    'UniformExchange_Max_Spin_Ang'
    """
    parts = raw.split(":")
    owner = re.sub(r"^Oxs_", "", parts[0])
    quantity = parts[-1]
    if len(parts) == 1:
        return _snake(raw) or "column"
    if owner.endswith("Driver"):
        name = _snake(quantity).lower()
        return _DRIVER_RENAMES.get(name, name)
    if quantity == "Energy":
        return f"E_{_snake(owner)}"
    if owner.endswith(("Evolve", "Evolver")):
        return _snake(quantity)
    return f"{_snake(owner)}_{_snake(quantity)}"


def read_odt(path: str | os.PathLike, *, partial_last_row: PartialRow = "raise") -> pd.DataFrame:
    """Read an OOMMF ``.odt`` table.

    Parameters
    ----------
    path : path
        The ODT file.
    partial_last_row : {"raise", "drop"}
        How to treat an unterminated last row (a run still writing).

    Returns
    -------
    pandas.DataFrame
        One column per ODT column, cleaned names (see :func:`clean_odt_name`);
        ``df.attrs`` holds ``units`` (clean name → unit, ``""`` for none),
        ``columns`` (clean name → original name), ``title``, ``source`` and
        ``format`` = ``"odt"``. Time, when the driver records it, is column
        ``t`` in seconds.

    Raises
    ------
    FormatError
        Missing ``# Columns:``, a ragged or non-numeric row, columns that change
        between appended tables, units that do not match the columns.

    Examples
    --------
    >>> df = read_odt("tests/data/oommf/small.odt")
    >>> df[["t", "mx"]].iloc[-1].tolist()
    [4e-12, 0.0011532904215492022]
    >>> df.attrs["units"]["t"], df.attrs["units"]["E_UniformExchange"]
    ('s', 'J')
    """
    path = os.fspath(path)
    with open(path, "rb") as fh:
        raw = fh.read()
    text = raw.decode("utf-8", "replace")
    lines = text.split("\n")
    columns: list[str] | None = None
    units: list[str] | None = None
    units_line: int | None = None
    title = ""
    rows: list[tuple[int, str, bool]] = []
    first = lines[0].strip() if lines else ""
    if not first.lower().startswith("# odt"):
        raise FormatError(path, "first line '# ODT 1.0'", line=1, found=first)
    for i, line in enumerate(lines):
        lineno = i + 1
        terminated = i < len(lines) - 1
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, sep, value = stripped[1:].partition(":")
            key = key.strip().lower()
            if not sep:
                continue  # '# Table Start', '# Table End', bare comments
            if not terminated:
                # the file ends inside '# Columns:' / '# Units:' (still being written):
                # what is there may be a prefix of the real list
                if partial_last_row == "drop":
                    continue
                raise FormatError(path, "a complete header line ending in a newline; the file "
                                        "ends inside it", line=lineno, found=stripped)
            if key == "columns":
                new = tcl_words(value)
                if columns is not None and new != columns:
                    raise FormatError(path, "the same '# Columns:' in every appended table",
                                      line=lineno, found=value.strip())
                columns = new
            elif key == "units":
                units = tcl_words(value)
                units_line = lineno
            elif key == "title":
                title = value.strip()
            continue
        if columns is None:
            raise FormatError(path, "a '# Columns:' line before the first data row",
                              line=lineno, found=stripped)
        rows.append((lineno, line, terminated))
    if columns is None:
        raise FormatError(path, "a '# Columns:' line", line=len(lines))
    if units is None:
        units = [""] * len(columns)
    if len(units) != len(columns):
        raise FormatError(path, f"{len(columns)} entries in '# Units:' (one per column)",
                          line=units_line, found=f"{len(units)} entries")
    values = parse_rows(rows, len(columns), path, partial_last_row=partial_last_row)
    names = _unique([clean_odt_name(c) for c in columns])
    df = pd.DataFrame(values, columns=names)
    df.attrs.update(
        units={n: ("" if u == "{}" else u) for n, u in zip(names, units)},
        columns=dict(zip(names, columns)),
        title=title,
        source=path,
        format="odt",
    )
    return df


def _unique(names: list[str]) -> list[str]:
    """Make names unique by suffixing ``_1``, ``_2`` ..., never taking another column's name.

    >>> _unique(["a", "a", "a_1"])
    ['a', 'a_2', 'a_1']
    """
    taken = set(names)
    seen: set[str] = set()
    out = []
    for n in names:
        name, k = n, 0
        while name in seen or (name != n and name in taken):
            k += 1
            name = f"{n}_{k}"
        seen.add(name)
        out.append(name)
    return out
