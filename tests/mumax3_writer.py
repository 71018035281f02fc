"""Write files exactly as mumax3 writes them, so the readers can be tested without mumax3.

Everything here follows mumax3's Go sources (github.com/mumax/3) byte for byte;
each function names the Go function it mirrors. Two pieces of Go's ``fmt``
package decide the bytes and are reproduced here:

* ``fmt.Fprint(out, a...)`` puts a space between two operands only when neither
  is a string; ``fmt.Fprintln(out, a...)`` puts a space between *every* pair of
  operands and ends with ``"\\n"`` (golang/go ``src/fmt/print.go``, ``doPrint``
  and ``doPrintln``). So mumax3's ``hdr(out, "Desc", "Total simulation time: ",
  t, " s")`` gives ``# Desc: Total simulation time:  1e-09  s`` (two spaces on
  either side of the number).
* ``%v`` of a float (which is what ``Fprint``/``Fprintln`` use) is
  ``strconv.AppendFloat(v, 'g', -1, bitSize)``: the shortest digits that read
  back to the same float32/float64, in ``%e`` form when the decimal exponent is
  ``< -4`` or ``>= 6`` (golang/go ``src/fmt/print.go`` ``pp.fmtFloat``:
  ``case 'v': p.fmt.fmtFloat(v, size, 'g', -1)``; ``src/strconv/ftoa.go``
  ``formatDigits``: "if precision was the shortest possible, use precision 6 for
  this decision"). The exponent has at least two digits (``fmtE``). There is no
  threshold of 21 in Go's ``fmt`` or ``strconv``; that number belongs to
  ``encoding/json`` and JavaScript. See :func:`go_format_float`.

Public helpers: :func:`go_format_float`, :func:`write_mx3_ovf`,
:func:`write_mx3_table` and :func:`make_mx3_run`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

__all__ = [
    "go_format_float",
    "go_sprint",
    "go_sprintln",
    "write_mx3_ovf",
    "write_mx3_table",
    "mx3_table_header",
    "make_mx3_run",
    "Mx3Run",
    "OVF_CONTROL_NUMBER_4",
]

#: mumax3 ``oommf/oommf.go``: ``const OVF_CONTROL_NUMBER_4 = 1234567.0``.
OVF_CONTROL_NUMBER_4 = 1234567.0

_SCI = re.compile(r"(-?)(\d)(?:\.(\d+))?e([+-]\d+)")


# --------------------------------------------------------------------------- Go's fmt


def _shortest_digits(x, bits: int) -> tuple[bool, str, int]:
    """Shortest round-trip decimal digits of ``x`` as float``bits``: (negative, digits, dp).

    ``digits`` has no trailing zeros ("" for zero) and the value is
    ``0.<digits> * 10**dp``, as Go's ``decimalSlice`` (``nd = len(digits)``).
    numpy's ``format_float_scientific(unique=True)`` (Dragon4) gives the shortest
    digits that identify the value among floats of its own width, as Go's
    ``ryuFtoaShortest`` does for ``bitSize`` 32 and 64.
    """
    v = np.float32(x) if bits == 32 else np.float64(x)
    neg = bool(np.signbit(v))
    text = np.format_float_scientific(v, unique=True, trim="-")
    m = _SCI.fullmatch(text)
    if m is None:  # pragma: no cover - numpy always answers in this form for finite values
        raise AssertionError(f"unexpected numpy output {text!r}")
    digits = (m.group(2) + (m.group(3) or "")).rstrip("0")
    if not digits:  # zero: Go's ryuFtoaShortest leaves nd = 0, dp = 0
        return neg, "", 0
    return neg, digits, int(m.group(4)) + 1


def go_format_float(x, bits: int = 64) -> str:
    """``fmt.Sprint(x)`` (``%v``) of a Go ``float32`` (``bits=32``) or ``float64``.

    golang/go ``src/fmt/print.go`` ``pp.fmtFloat`` formats ``%v`` as
    ``fmtFloat(v, size, 'g', -1)``; ``src/fmt/format.go`` ``fmt.fmtFloat`` calls
    ``strconv.AppendFloat(.., v, 'g', -1, size)``, drops a leading ``+`` from
    finite numbers and from NaN and keeps it on ``+Inf``;
    ``src/strconv/ftoa.go`` ``formatDigits`` (case ``'g'``, shortest) uses ``%e``
    when ``exp < -4 || exp >= 6`` with ``exp = dp - 1``, else ``%f``; ``fmtE``
    writes at least two exponent digits.

    Examples (golang/go ``src/strconv/ftoa_test.go``, ``src/fmt/fmt_test.go``)
    --------
    >>> go_format_float(200000.0), go_format_float(2000000.0), go_format_float(1e23)
    ('200000', '2e+06', '1e+23')
    >>> go_format_float(1234.5678e3, 32), go_format_float(-1e-9, 32)
    ('1.2345678e+06', '-1e-09')
    """
    if bits not in (32, 64):
        raise ValueError(f"bits must be 32 or 64, not {bits!r}")
    v = np.float32(x) if bits == 32 else np.float64(x)
    if np.isnan(v):
        return "NaN"
    if np.isinf(v):
        return "-Inf" if v < 0 else "+Inf"
    neg, digits, dp = _shortest_digits(v, bits)
    nd = len(digits)
    sign = "-" if neg else ""
    exp = dp - 1
    if exp < -4 or exp >= 6:  # strconv formatDigits, shortest: eprec = 6
        # fmtE(dst, neg, digs, prec = nd - 1, 'e')
        first = digits[0] if nd else "0"
        frac = "." + digits[1:] if nd > 1 else ""
        e = 0 if nd == 0 else exp
        return f"{sign}{first}{frac}e{'-' if e < 0 else '+'}{abs(e):02d}"
    # fmtF(dst, neg, digs, prec = max(nd - dp, 0))
    if dp > 0:
        integer = digits[: min(nd, dp)] + "0" * max(dp - nd, 0)
    else:
        integer = "0"
    prec = max(nd - dp, 0)
    frac = ""
    if prec > 0:
        frac = "." + "".join(
            digits[dp + i] if 0 <= dp + i < nd else "0" for i in range(prec)
        )
    return f"{sign}{integer}{frac}"


def _go_v(value) -> str:
    """``%v`` of one operand: str as is, int in decimal, float32/float64 as Go prints them."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, np.float32):
        return go_format_float(value, 32)
    if isinstance(value, (float, np.floating)):
        return go_format_float(value, 64)
    raise TypeError(f"no Go %v for {type(value).__name__}")


def go_sprint(*operands) -> str:
    """``fmt.Sprint``: a space between two operands only when neither is a string.

    golang/go ``src/fmt/print.go`` ``doPrint``.
    """
    out = []
    prev_string = False
    for i, op in enumerate(operands):
        is_string = isinstance(op, str)
        if i > 0 and not is_string and not prev_string:
            out.append(" ")
        out.append(_go_v(op))
        prev_string = is_string
    return "".join(out)


def go_sprintln(*operands) -> str:
    """``fmt.Sprintln``: a space between every two operands, then ``"\\n"``.

    golang/go ``src/fmt/print.go`` ``doPrintln``.
    """
    return " ".join(_go_v(op) for op in operands) + "\n"


def _hdr(key: str, *value) -> str:
    """mumax3 ``oommf/oommf.go`` ``hdr``: ``fmt.Fprint(out, "# ", key, ": ")`` then
    ``fmt.Fprintln(out, value...)``."""
    return go_sprint("# ", key, ": ") + go_sprintln(*value)


def _dsc(k, v) -> str:
    """mumax3 ``oommf/oommf.go`` ``dsc``: ``hdr(out, "Desc", k, ": ", v)``."""
    return _hdr("Desc", k, ": ", v)


# --------------------------------------------------------------------------- OVF


def _as_field(array_zyxc) -> np.ndarray:
    """float32 array (nz, ny, nx, ncomp); a 3-d array is a scalar field."""
    a = np.asarray(array_zyxc)
    if a.ndim == 3:
        a = a[..., np.newaxis]
    if a.ndim != 4:
        raise ValueError(f"need an array (nz, ny, nx, ncomp), not shape {a.shape}")
    # mumax3 holds every quantity as float32 (data.Slice); Go's float32(x) rounds
    # to nearest like numpy's cast.
    return np.ascontiguousarray(a, dtype=np.float32)


def _ovf2_header(data: np.ndarray, cellsize, time: float, name: str, unit: str) -> str:
    """mumax3 ``oommf/ovf2.go`` ``writeOVF2Header``."""
    nz, ny, nx, ncomp = data.shape
    gridsize = (nx, ny, nz)
    cs = [float(c) for c in cellsize]
    out = [go_sprintln("# OOMMF OVF 2.0")]
    out.append(_hdr("Segment count", "1"))
    out.append(_hdr("Begin", "Segment"))
    out.append(_hdr("Begin", "Header"))
    out.append(_hdr("Title", name))
    out.append(_hdr("meshtype", "rectangular"))
    out.append(_hdr("meshunit", "m"))
    out.append(_hdr("xmin", 0))  # Go int constant 0
    out.append(_hdr("ymin", 0))
    out.append(_hdr("zmin", 0))
    # cellsize[X]*float64(gridsize[X]): one IEEE float64 multiply, as in Python
    out.append(_hdr("xmax", cs[0] * float(gridsize[0])))
    out.append(_hdr("ymax", cs[1] * float(gridsize[1])))
    out.append(_hdr("zmax", cs[2] * float(gridsize[2])))
    if ncomp == 1:
        labels = [name]
    else:
        labels = [name + "_" + chr(ord("x") + i) for i in range(ncomp)]
    out.append(_hdr("valuedim", ncomp))
    out.append(_hdr("valuelabels", *labels))
    unit = unit if unit != "" else "1"
    if ncomp == 1:
        out.append(_hdr("valueunits", unit))
    else:
        out.append(_hdr("valueunits", unit, unit, unit))
    out.append(_hdr("Desc", "Total simulation time: ", float(time), " s"))
    out.append(_hdr("xbase", cs[0] / 2))
    out.append(_hdr("ybase", cs[1] / 2))
    out.append(_hdr("zbase", cs[2] / 2))
    out.append(_hdr("xnodes", gridsize[0]))
    out.append(_hdr("ynodes", gridsize[1]))
    out.append(_hdr("znodes", gridsize[2]))
    out.append(_hdr("xstepsize", cs[0]))
    out.append(_hdr("ystepsize", cs[1]))
    out.append(_hdr("zstepsize", cs[2]))
    out.append(_hdr("End", "Header"))
    return "".join(out)


def _ovf1_header(data: np.ndarray, cellsize, time: float, name: str, unit: str) -> str:
    """mumax3 ``oommf/ovf1.go`` ``writeOVF1Header``."""
    nz, ny, nx, _ = data.shape
    gridsize = (nx, ny, nz)
    cs = [float(c) for c in cellsize]
    out = [_hdr("OOMMF", "rectangular mesh v1.0")]
    out.append(_hdr("Segment count", "1"))
    out.append(_hdr("Begin", "Segment"))
    out.append(_hdr("Begin", "Header"))
    # dsc(out, "Time (s)", meta.Time) -> "# Desc: Time (s) :  <t>" (Fprintln spaces)
    out.append(_dsc("Time (s)", float(time)))
    out.append(_hdr("Title", name))
    out.append(_hdr("meshtype", "rectangular"))
    out.append(_hdr("meshunit", "m"))
    out.append(_hdr("xbase", cs[0] / 2))
    out.append(_hdr("ybase", cs[1] / 2))
    out.append(_hdr("zbase", cs[2] / 2))
    out.append(_hdr("xstepsize", cs[0]))
    out.append(_hdr("ystepsize", cs[1]))
    out.append(_hdr("zstepsize", cs[2]))
    out.append(_hdr("xmin", 0))
    out.append(_hdr("ymin", 0))
    out.append(_hdr("zmin", 0))
    out.append(_hdr("xmax", cs[0] * float(gridsize[0])))
    out.append(_hdr("ymax", cs[1] * float(gridsize[1])))
    out.append(_hdr("zmax", cs[2] * float(gridsize[2])))
    out.append(_hdr("xnodes", gridsize[0]))
    out.append(_hdr("ynodes", gridsize[1]))
    out.append(_hdr("znodes", gridsize[2]))
    out.append(_hdr("ValueRangeMinMag", 1e-08))  # untyped constant -> float64
    out.append(_hdr("ValueRangeMaxMag", 1))  # untyped constant -> int
    out.append(_hdr("valueunit", unit))  # meta.Unit as is ("" for m)
    out.append(_hdr("valuemultiplier", 1))
    out.append(_hdr("End", "Header"))
    return "".join(out)


def _ovf_text(data: np.ndarray) -> str:
    """mumax3 ``oommf/oommf.go`` ``writeOVFText``: per node
    ``fmt.Fprint(out, data[c][iz][iy][ix], " ")`` for each component, then ``"\\n"``."""
    nz, ny, nx, ncomp = data.shape
    rows = data.reshape(-1, ncomp)
    return "".join(
        "".join(go_sprint(np.float32(v), " ") for v in row) + "\n" for row in rows
    )


def write_mx3_ovf(
    path,
    array_zyxc,
    cellsize: Sequence[float],
    time: float,
    name: str = "m",
    unit: str = "",
    fmt: str = "binary",
    ovf: int = 2,
) -> np.ndarray:
    """Write one field file as mumax3's ``Save``/``AutoSave`` does.

    Mirrors mumax3 ``engine/save.go`` ``saveAs_sync`` -> ``oommf.WriteOVF2`` /
    ``oommf.WriteOVF1`` (``oommf/ovf2.go``, ``oommf/ovf1.go``).

    Parameters
    ----------
    path : path
        Target file (mumax3 names it ``<name>%06d.ovf``, see :func:`make_mx3_run`).
    array_zyxc : array (nz, ny, nx, ncomp) or (nz, ny, nx)
        The values, indexed ``[iz, iy, ix, c]`` (mumax3's ``data[c][iz][iy][ix]``);
        stored as float32, as mumax3 holds them.
    cellsize : 3 floats
        ``meta.CellSize`` (m).
    time : float
        ``meta.Time`` (s), a float64.
    name, unit : str
        ``meta.Name`` (``NameOf(q)``) and ``meta.Unit`` (``UnitOf(q)``; ``""`` for m).
    fmt : {"binary", "text"}
        ``"binary"`` is ``Binary 4``, mumax3's default ``OVF2_BINARY``.
    ovf : {2, 1}
        OVF version; OVF 1 holds 3-component fields only (mumax3 ``WriteOVF1``
        exits with ``log.Fatal`` otherwise; here ``ValueError``).

    Returns
    -------
    numpy.ndarray
        The float32 values exactly as stored, shape (nz, ny, nx, ncomp).
    """
    data = _as_field(array_zyxc)
    ncomp = data.shape[3]
    fmt_l = fmt.lower()
    if fmt_l not in ("text", "binary", "binary 4"):
        raise ValueError(f"Illegal OVF data format: {fmt}. Options are: Text, Binary 4")
    if ovf == 2:
        head = _ovf2_header(data, cellsize, time, name, unit)
        order = "<"  # writeOVF2DataBinary4: machine order, little-endian on amd64
    elif ovf == 1:
        if ncomp != 3:
            raise ValueError("Cannot save the quantity: the OVF1 format only supports "
                             "3D-vector fields. Use OVF2 instead.")
        head = _ovf1_header(data, cellsize, time, name, unit)
        order = ">"  # writeOVF1Binary4 swaps to big-endian
    else:
        raise ValueError(f"ovf must be 1 or 2, not {ovf!r}")
    # writeOVF2Data / writeOVF1Data
    canonical = "Text" if fmt_l == "text" else "Binary 4"
    parts = [head.encode("ascii"), _hdr("Begin", "Data " + canonical).encode("ascii")]
    if canonical == "Text":
        parts.append(_ovf_text(data).encode("ascii"))
    else:
        parts.append(np.array([OVF_CONTROL_NUMBER_4], dtype=f"{order}f4").tobytes())
        parts.append(data.astype(f"{order}f4").tobytes())  # iz, iy, ix, then c
    # hdr(out, "End", "Data "+canonicalFormat) follows the data directly (no newline),
    # then WriteOVF2/WriteOVF1: hdr(out, "End", "Segment").
    parts.append(_hdr("End", "Data " + canonical).encode("ascii"))
    parts.append(_hdr("End", "Segment").encode("ascii"))
    Path(path).write_bytes(b"".join(parts))
    return data


# --------------------------------------------------------------------------- table


def _column_names(columns: Sequence[tuple[str, str, int]]) -> list[str]:
    names = []
    for name, _unit, ncomp in columns:
        if ncomp == 1:
            names.append(name)
        else:
            names.extend(name + chr(ord("x") + c) for c in range(ncomp))
    return names


def mx3_table_header(columns: Sequence[tuple[str, str, int]]) -> str:
    """mumax3 ``engine/table.go`` ``DataTable.init``: the header line.

    ``fprint(t, "# t (s)")``, then per quantity ``fprint(t, "\\t", NameOf(o), " (",
    UnitOf(o), ")")`` (``NameOf(o)+string('x'+c)`` per component of a vector),
    then ``fprintln(t)``. All operands are strings, so Fprint adds no spaces.
    """
    out = [go_sprint("# t (s)")]
    for name, unit, ncomp in columns:
        if ncomp == 1:
            out.append(go_sprint("\t", name, " (", unit, ")"))
        else:
            for c in range(ncomp):
                out.append(go_sprint("\t", name + chr(ord("x") + c), " (", unit, ")"))
    out.append(go_sprintln())
    return "".join(out)


def _table_row(row: Sequence[float], n_values: int) -> str:
    """mumax3 ``engine/table.go`` ``DataTable.Save``: ``fprint(t, Time)`` (float64),
    ``fprint(t, "\\t", float32(v))`` per value, ``fprintln(t)``."""
    row = list(row)
    if len(row) != 1 + n_values:
        raise ValueError(f"a row needs the time and {n_values} values, got {len(row)} numbers")
    out = [go_sprint(float(row[0]))]
    out.extend(go_sprint("\t", np.float32(v)) for v in row[1:])
    out.append(go_sprintln())
    return "".join(out)


def write_mx3_table(
    path,
    columns: Sequence[tuple[str, str, int]],
    rows: Iterable[Sequence[float]],
    *,
    cut_last_row_at: int | None = None,
) -> np.ndarray:
    """Write a mumax3 ``table.txt``.

    Parameters
    ----------
    path : path
        Target file.
    columns : list of (name, unit, ncomp)
        The table's quantities after ``t`` in ``TableAdd`` order, e.g.
        ``[("m", "", 3), ("E_total", "J", 1)]`` (mumax3 always starts with m:
        ``Table.Add(&M)`` in ``engine/table.go`` ``init``).
    rows : iterable of sequences
        Each ``(t, v1, v2, ...)``: the time (float64) then every component of
        every column in order.
    cut_last_row_at : int, optional
        Keep only this many characters of the last row, no newline: a table as
        read while mumax3 is still running (it flushes every
        ``TableAutoflushRate`` = 5 s, mid-row).

    Returns
    -------
    numpy.ndarray
        Shape (n_rows, 1 + n_values), float64: the times as written and the
        values after Go's ``float32(v)`` (exactly what the file encodes).
    """
    names = _column_names(columns)
    text = [mx3_table_header(columns)]
    stored = []
    for row in rows:
        text.append(_table_row(row, len(names)))
        row = list(row)
        stored.append([float(row[0])] + [float(np.float32(v)) for v in row[1:]])
    if cut_last_row_at is not None:
        if len(text) < 2:
            raise ValueError("no row to cut")
        text[-1] = text[-1][:cut_last_row_at].rstrip("\n")
    Path(path).write_bytes("".join(text).encode("ascii"))
    return np.array(stored, dtype=np.float64).reshape(len(stored), 1 + len(names))


# --------------------------------------------------------------------------- a run folder


@dataclasses.dataclass
class Mx3Run:
    """What :func:`make_mx3_run` wrote (all values exactly as stored in the files)."""

    folder: Path
    script: Path | None
    times: np.ndarray  # float64 (n_frames,): the snapshot times
    m: np.ndarray  # float32 (n_frames, nz, ny, nx, 3)
    B_ext: np.ndarray  # float32 (n_frames, nz, ny, nx, 3)
    table: np.ndarray  # float64 (n_rows, 1 + n_values): t, then float32 values
    table_columns: list[str]  # ["t", "mx", "my", "mz", "E_total", "B_extx", ...]
    table_units: dict[str, str]
    cellsize: tuple[float, float, float]
    files: dict[str, list[Path]]


#: Columns mumax3 writes for ``TableAdd(E_total)``, ``TableAdd(B_ext)`` after the
#: default m (``engine/table.go``), with NameOf/UnitOf of each quantity.
MX3_TABLE_COLUMNS = [("m", "", 3), ("E_total", "J", 1), ("B_ext", "T", 3)]


def _texture(t: float, shape: tuple[int, int, int], rng_phase: float) -> np.ndarray:
    """A smooth unit-vector field (a spin spiral turning with time), float32."""
    nz, ny, nx = shape
    z, y, x = np.meshgrid(*(np.arange(n) + 0.5 for n in (nz, ny, nx)), indexing="ij")
    # 0.7 and 0.3 of a turn across the grid, so the averages are not zero
    phase = 2 * np.pi * (0.7 * x / max(nx, 1) + 0.3 * y / max(ny, 1)) + 7.3e9 * t + rng_phase
    theta = 0.4 + 0.3 * np.cos(2 * np.pi * z / max(nz, 1) + 3.1e9 * t)
    m = np.stack([np.sin(theta) * np.cos(phase), np.sin(theta) * np.sin(phase),
                  np.cos(theta) * np.ones_like(phase)], axis=-1)
    m /= np.linalg.norm(m, axis=-1, keepdims=True)
    return m.astype(np.float32)


def _b_ext(t: float) -> np.ndarray:
    return np.array([0.0, 0.0, 0.1 * np.sin(2 * np.pi * 1e9 * t)], dtype=np.float32)


def make_mx3_run(
    folder,
    n_frames: int = 3,
    shape: tuple[int, int, int] = (2, 8, 16),
    *,
    cellsize: tuple[float, float, float] = (2e-9, 2e-9, 1e-9),
    period: float = 1e-11,
    table_per_frame: int = 1,
    fmt: str = "binary",
    ovf: int = 2,
    pbc: tuple[int, int, int] | None = (4, 4, 0),
    script: bool = True,
    log: bool = True,
    seed: int = 0,
) -> Mx3Run:
    """Build a mumax3 output folder as a run of a ``.mx3`` script leaves it.

    The folder (``<name>.out``) gets ``m000000.ovf`` ... and ``B_ext000000.ovf``
    ... (``engine/save.go``: ``FilenameFormat = "%s%06d"`` + ``".ovf"``, one
    counter per quantity starting at 0, ``engine/autosave.go`` ``autoFname``),
    ``table.txt`` with t, mx, my, mz, E_total, B_extx, B_exty, B_extz
    (``engine/table.go``) and ``log.txt`` with the script's statements, one a
    line, as ``engine/script.go`` ``EvalFile`` logs them through ``LogIn``
    (``engine/log.go``; output lines start with ``//``). With ``script=True`` the
    ``<name>.mx3`` script is written beside the folder.

    Parameters
    ----------
    folder : path
        The output folder; its name should end in ``.out``.
    n_frames : int
        Snapshots per quantity (the first at t = 0: ``autosave`` starts its
        count at -1, "allows save at t=0").
    shape : (nz, ny, nx)
        Grid (mumax3's ``SetGridSize(nx, ny, nz)``).
    cellsize : (dx, dy, dz)
        Cell size in metres.
    period : float
        Save period (s). Save times lie just after each multiple of it, as the
        adaptive time step overshoots (``DoOutput`` runs after a step).
    table_per_frame : int
        Table rows per snapshot period: 1 (``TableAutoSave`` with the same
        period; rows at the snapshot times) or more (the table saved more often;
        every ``table_per_frame``-th row is at a snapshot time).
    fmt, ovf : see :func:`write_mx3_ovf`
    pbc : (int, int, int) or None
        Logged as ``SetPBC(px, py, pz)``; None leaves it out.
    script, log : bool
        Write the ``.mx3`` beside the folder, and ``log.txt``.
    seed : int
        Seeds the save-time jitter and the texture's phase.

    Returns
    -------
    Mx3Run
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    nz, ny, nx = shape
    cellsize = tuple(float(c) for c in cellsize)
    rng_phase = float(rng.uniform(0, 2 * np.pi))

    # Table rows j = 0 .. (n_frames - 1) * k; snapshot i is saved in the same
    # DoOutput call as table row i * k, so their times are the same float64.
    k = int(table_per_frame)
    if k < 1:
        raise ValueError("table_per_frame must be >= 1")
    n_rows = (n_frames - 1) * k + 1
    table_times = np.array(
        [0.0] + [j * (period / k) + float(rng.uniform(1e-16, 4e-14)) for j in range(1, n_rows)]
    )
    times = table_times[::k].copy()

    files: dict[str, list[Path]] = {"m": [], "B_ext": []}
    m_frames, b_frames = [], []
    for i, t in enumerate(times):
        m = _texture(t, shape, rng_phase)
        b = np.broadcast_to(_b_ext(t), (nz, ny, nx, 3))
        for key, arr, unit, store in (("m", m, "", m_frames), ("B_ext", b, "T", b_frames)):
            path = folder / f"{key}{i:06d}.ovf"
            store.append(write_mx3_ovf(path, arr, cellsize, t, name=key, unit=unit,
                                       fmt=fmt, ovf=ovf))
            files[key].append(path)

    rows = []
    for j, t in enumerate(table_times):
        m = _texture(t, shape, rng_phase)
        m_avg = m.astype(np.float64).mean(axis=(0, 1, 2))  # AverageOf: float64 averages
        e_total = -1.25e-18 * (1.0 + 0.5 * np.cos(2.2e9 * t)) - 3.0e-20 * j
        rows.append([t, *m_avg, e_total, *_b_ext(t).astype(np.float64)])
    table = write_mx3_table(folder / "table.txt", MX3_TABLE_COLUMNS, rows)

    name = folder.name[: -len(".out")] if folder.name.endswith(".out") else folder.name
    statements = [
        f"SetGridSize({nx}, {ny}, {nz})",
        "SetCellSize({}, {}, {})".format(*(go_format_float(c) for c in cellsize)),
    ]
    if pbc is not None:
        statements.append("SetPBC({}, {}, {})".format(*pbc))
    statements += [
        "Msat = 580e3",
        "Aex = 15e-12",
        "alpha = 0.1",
        "B_ext = vector(0, 0, 0.1*sin(2*pi*1e9*t))",
        "m = uniform(0, 0, 1)",
        "TableAdd(E_total)",
        "TableAdd(B_ext)",
        f"AutoSave(m, {go_format_float(period)})",
        f"AutoSave(B_ext, {go_format_float(period)})",
        f"TableAutoSave({go_format_float(period / k)})",
        f"Run({go_format_float(period * (n_frames - 1))})",
    ]
    script_path = None
    if script:
        script_path = folder.parent / f"{name}.mx3"
        script_path.write_text("".join(s + "\n" for s in statements))
    if log:
        # LogOut lines ("//" + text) precede the statements; the banner is abbreviated.
        lines = [
            "//mumax 3.11 linux_amd64 go1.22.0 (gc)",
            "//CUDA 12020 GPU info: NVIDIA H100 80GB HBM3(81008MB), CUDA Driver 12.4, cc=9.0",
            f"//output directory: {name}.out/",
        ] + statements
        (folder / "log.txt").write_text("".join(line + "\n" for line in lines))

    columns = ["t"] + _column_names(MX3_TABLE_COLUMNS)
    units = {"t": "s"}
    for col_name, unit, ncomp in MX3_TABLE_COLUMNS:
        for col in _column_names([(col_name, unit, ncomp)]):
            units[col] = unit
    return Mx3Run(
        folder=folder,
        script=script_path,
        times=times,
        m=np.stack(m_frames),
        B_ext=np.stack(b_frames),
        table=table,
        table_columns=columns,
        table_units=units,
        cellsize=cellsize,
        files=files,
    )
