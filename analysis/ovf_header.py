"""The header of an OVF 1.0 / 2.0 file: parsing, validation and the values it implies.

The OVF formats are specified in the OOMMF user guide ("OVF 2.0 format",
"OVF 1.0 format"). What this module relies on, and checks:

* line 1 is ``# OOMMF OVF 2.0`` or ``# OOMMF: rectangular mesh v1.0``;
* every header line is ``# key: value`` (keys case-insensitive, ``##`` starts a
  comment); ``Desc`` may repeat;
* the mesh is rectangular: ``xnodes``/``ynodes``/``znodes``, ``x/y/zstepsize`` and
  ``x/y/z min/max`` are all present and agree (``max - min = nodes * stepsize``),
  and ``x/y/zbase``, when given, is the first cell centre;
* OVF 2.0 has ``valuedim``; OVF 1.0 is always 3-valued and may scale its values by
  ``valuemultiplier``;
* the header ends with ``# Begin: Data Text``, ``Binary 4`` or ``Binary 8``.
* the file is long enough to hold the values the header promises (one byte each
  at least), checked before anything is sized by them.

Simulation time is not part of the format; OOMMF writes it as
``# Desc:  Total simulation time: <t> s`` and mumax3 as
``# Desc: Total simulation time:  <t>  s`` (mumax3 ``oommf/ovf2.go``,
``writeOVF2Header``), or ``# Desc: Time (s) : <t>`` in OVF 1.0
(``oommf/ovf1.go``). OOMMF's minimisation driver writes ``-1``/``-2`` there to
mean "no time"; such negative times are reported as absent.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from pathlib import Path
from typing import BinaryIO

from analysis.errors import FormatError

__all__ = ["OVFHeader", "read_header", "MAGIC_OVF2", "MAGIC_OVF1"]

MAGIC_OVF2 = "# OOMMF OVF 2.0"
MAGIC_OVF1 = "# OOMMF: rectangular mesh v1.0"
CHECK_VALUES = {4: 1234567.0, 8: 123456789012345.0}
#: Largest header we accept before ``# Begin: Data``; real headers are ~1-2 kB.
MAX_HEADER_BYTES = 1 << 20
MAX_LINE_BYTES = 1 << 16

_MESHUNIT_TO_M = {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "um": 1e-6, "µm": 1e-6, "nm": 1e-9}
_TIME_PATTERNS = (
    re.compile(r"^\s*total simulation time\s*:\s*(\S+)\s*s?\s*$", re.I),
    re.compile(r"^\s*time\s*\(s\)\s*:\s*(\S+)\s*$", re.I),
)
#: Integer counters OOMMF writes in Desc as "Iteration: 113, State id: 842" and
#: "Stage: 1, Stage iteration: 50".
_INT_DESC = {"iteration": "iteration", "stage": "stage", "stage iteration": "stage_iteration"}


@dataclasses.dataclass(frozen=True)
class OVFHeader:
    """Everything the header of one OVF file says, validated and in SI units.

    Attributes
    ----------
    path : str
        The file.
    version : int
        1 or 2.
    title : str
        ``Title`` (empty when absent).
    desc : tuple of str
        The ``Desc`` lines, in order.
    nodes : tuple of int
        Cell counts ``(nx, ny, nz)``.
    cell : tuple of float
        Cell size ``(dx, dy, dz)`` in metres.
    pmin, pmax : tuple of float
        Mesh extent in metres.
    valuedim : int
        Values per cell.
    labels, units : tuple of str
        One label and one unit per value (``valuelabels``/``valueunits``).
    multiplier : float
        OVF 1.0 ``valuemultiplier`` (1 for OVF 2.0).
    representation : {"text", "bin4", "bin8"}
        How the data is stored.
    data_offset : int
        Byte offset of the first byte after the ``# Begin: Data`` line.
    data_line : int
        1-based line number of the ``# Begin: Data`` line.
    time : float or None
        Total simulation time in seconds, when the header carries one.
    extras : dict
        Other numbers found in ``Desc`` (``iteration``, ``stage``) and unknown keys.
    multiplier_line : int or None
        1-based line of ``valuemultiplier`` (OVF 1.0), for error messages.
    """

    path: str
    version: int
    title: str
    desc: tuple[str, ...]
    nodes: tuple[int, int, int]
    cell: tuple[float, float, float]
    pmin: tuple[float, float, float]
    pmax: tuple[float, float, float]
    valuedim: int
    labels: tuple[str, ...]
    units: tuple[str, ...]
    multiplier: float
    representation: str
    data_offset: int
    data_line: int
    time: float | None
    extras: dict
    multiplier_line: int | None = None

    @property
    def n_values(self) -> int:
        """Number of stored numbers (cells × valuedim)."""
        nx, ny, nz = self.nodes
        return nx * ny * nz * self.valuedim

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """Array shape in file order: ``(nz, ny, nx, valuedim)``."""
        nx, ny, nz = self.nodes
        return (nz, ny, nx, self.valuedim)

    @property
    def itemsize(self) -> int:
        """Bytes per value for binary data (0 for text)."""
        return {"bin4": 4, "bin8": 8}.get(self.representation, 0)

    @property
    def dtype(self) -> str:
        """numpy dtype string of the stored binary values (OVF 1 big-, OVF 2 little-endian)."""
        if self.representation == "text":
            return "f8"
        order = ">" if self.version == 1 else "<"
        return f"{order}f{self.itemsize}"

    def coords(self) -> dict[str, "list[float]"]:
        """Cell-centre coordinates in metres, ``{"x": ..., "y": ..., "z": ...}``."""
        import numpy as np

        return {
            ax: self.pmin[i] + (np.arange(self.nodes[i]) + 0.5) * self.cell[i]
            for i, ax in enumerate("xyz")
        }


def read_header(fh: BinaryIO, path: str | Path) -> OVFHeader:
    """Parse and validate the header of an open OVF file.

    Parameters
    ----------
    fh : binary file object
        Positioned at the start of the file.
    path : path
        The file's name, for error messages.

    Returns
    -------
    OVFHeader
        ``fh`` is left just after the ``# Begin: Data`` line.

    Raises
    ------
    FormatError
        For a missing, unreadable or contradictory header field.
    """
    path = str(path)
    first = fh.readline(MAX_LINE_BYTES)
    magic = first.decode("utf-8", "replace").strip()
    if magic.lower() == MAGIC_OVF2.lower():
        version = 2
    elif magic.lower() == MAGIC_OVF1.lower():
        version = 1
    else:
        raise FormatError(
            path, f"first line {MAGIC_OVF2!r} or {MAGIC_OVF1!r}", line=1, found=magic
        )
    if not first.endswith(b"\n"):  # the file ends inside line 1: there is no line 2
        raise FormatError(path, "a complete first line ending in a newline", line=1,
                          found=magic)

    fields: dict[str, tuple[str, int]] = {}
    desc: list[str] = []
    lineno = 1
    offset = len(first)
    representation = None
    while True:
        raw = fh.readline(MAX_LINE_BYTES)
        lineno += 1
        if not raw:
            raise FormatError(path, "a '# Begin: Data ...' line; the file ends inside its header",
                              line=lineno)
        offset += len(raw)
        if offset > MAX_HEADER_BYTES:
            raise FormatError(path, f"'# Begin: Data ...' within the first {MAX_HEADER_BYTES} bytes",
                              line=lineno)
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not raw.endswith(b"\n"):
            raise FormatError(path, "a complete header line ending in a newline", line=lineno,
                              found=text)
        stripped = text.strip()
        if not stripped.startswith("#"):
            raise FormatError(path, "a header line starting with '#'", line=lineno, found=text)
        if stripped.startswith("##"):  # OVF 2.0 comment line
            continue
        body = stripped[1:]
        if "##" in body:  # OVF 2.0 comment after a field
            body = body[: body.index("##")]
        if not body.strip():
            continue
        key, sep, value = body.partition(":")
        key = key.strip().lower()
        value = value.strip()
        if not sep:
            raise FormatError(path, "a header line of the form '# key: value'", line=lineno,
                              found=text)
        if key == "begin" and value.lower().startswith("data"):
            representation = _representation(value, path, lineno)
            break
        if key == "desc":
            desc.append(value)
        elif key in ("begin", "end", "segment count", "oommf"):
            if key == "segment count" and value.strip() != "1":
                raise FormatError(path, "'Segment count: 1' (multi-segment files are not supported)",
                                  line=lineno, found=value)
        else:
            fields[key] = (value, lineno)

    def get(key: str, required: bool = True) -> tuple[str, int] | None:
        if key not in fields:
            if required:
                raise FormatError(path, f"the header field '{key}'", line=lineno,
                                  found="'# Begin: Data' before it")
            return None
        return fields[key]

    meshtype = get("meshtype", required=False)
    if meshtype is not None and meshtype[0].lower() != "rectangular":
        raise FormatError(path, "'meshtype: rectangular'", line=meshtype[1], found=meshtype[0])

    unit_field = get("meshunit", required=False)
    meshunit = unit_field[0] if unit_field else "m"
    if meshunit not in _MESHUNIT_TO_M:
        raise FormatError(path, f"meshunit one of {sorted(_MESHUNIT_TO_M)}",
                          line=unit_field[1] if unit_field else lineno, found=meshunit)
    scale = _MESHUNIT_TO_M[meshunit]

    nodes = tuple(_positive_int(get(f"{a}nodes"), f"{a}nodes", path) for a in "xyz")
    cell = tuple(_float(get(f"{a}stepsize"), f"{a}stepsize", path, positive=True) * scale
                 for a in "xyz")
    for a, c in zip("xyz", cell):
        if c <= 0:  # e.g. '1e-316' with meshunit nm: positive, but 0.0 in metres
            value, line = fields[f"{a}stepsize"]
            raise FormatError(path, f"{a}stepsize to be a positive number of metres "
                                    f"(meshunit {meshunit})", line=line, found=value)
    pmin = tuple(_float(get(f"{a}min"), f"{a}min", path) * scale for a in "xyz")
    pmax = tuple(_float(get(f"{a}max"), f"{a}max", path) * scale for a in "xyz")
    for i, a in enumerate("xyz"):
        extent = pmax[i] - pmin[i]
        # 1e-3 of a cell: any writer that prints full precision is far inside this,
        # and a node count that is off by one cell is far outside it.
        if abs(extent / cell[i] - nodes[i]) > 1e-3:
            raise FormatError(
                path,
                f"{a}max - {a}min = {a}nodes * {a}stepsize "
                f"({nodes[i]} * {cell[i]:g} m = {nodes[i] * cell[i]:g} m)",
                line=fields[f"{a}max"][1],
                found=f"{a}min={pmin[i]:g} m, {a}max={pmax[i]:g} m",
            )
        base = get(f"{a}base", required=False)
        if base is not None:
            b = _float(base, f"{a}base", path) * scale
            if abs((b - pmin[i]) / cell[i] - 0.5) > 1e-3:
                raise FormatError(path, f"{a}base to be the first cell centre "
                                        f"{pmin[i] + cell[i] / 2:g} m", line=base[1], found=base[0])

    if version == 2:
        valuedim = _positive_int(get("valuedim"), "valuedim", path)
        multiplier = 1.0
        multiplier_line = None
    else:
        valuedim = 3
        vm = get("valuemultiplier", required=False)
        multiplier = _float(vm, "valuemultiplier", path) if vm else 1.0
        multiplier_line = vm[1] if vm else None

    # Every value takes at least one byte: refuse counts the file cannot hold before
    # anything is sized by them (a corrupted valuedim would otherwise exhaust memory).
    n_values = nodes[0] * nodes[1] * nodes[2] * valuedim
    size = _file_size(fh)
    if size is not None and n_values > size - offset:
        raise FormatError(path, f"{n_values} data values after the header (at least one byte "
                                "each); the file is truncated", offset=size,
                          found=f"{size - offset} bytes after the header")

    labels = _per_value(get("valuelabels", required=False), valuedim, "valuelabels", path)
    if labels is None:
        labels = ("x", "y", "z") if valuedim == 3 else tuple(f"v{i}" for i in range(valuedim))
    units = _per_value(get("valueunits", required=False), valuedim, "valueunits", path)
    if units is None:
        unit = get("valueunit", required=False)
        units = (unit[0] if unit else "",) * valuedim

    time = None
    extras: dict = {}
    for d in desc:
        for pat in _TIME_PATTERNS:
            m = pat.match(d)
            if m:
                try:
                    t = float(m.group(1))
                except ValueError:
                    continue
                if math.isfinite(t) and t >= 0:
                    time = t
        for part in d.split(","):
            key, sep, value = part.partition(":")
            name = _INT_DESC.get(key.strip().lower())
            if sep and name and re.fullmatch(r"[0-9]{1,18}", value.strip()):
                extras[name] = int(value)
    title = fields["title"][0] if "title" in fields else ""
    return OVFHeader(
        path=path, version=version, title=title, desc=tuple(desc), nodes=nodes, cell=cell,
        pmin=pmin, pmax=pmax, valuedim=valuedim, labels=labels, units=units,
        multiplier=multiplier, representation=representation, data_offset=offset,
        data_line=lineno, time=time, extras=extras, multiplier_line=multiplier_line,
    )


def _file_size(fh: BinaryIO) -> int | None:
    try:
        return os.fstat(fh.fileno()).st_size
    except (AttributeError, OSError, ValueError):  # not a real file (e.g. BytesIO)
        return None


def _representation(value: str, path: str, lineno: int) -> str:
    words = value.lower().split()
    if words[1:] == ["text"]:
        return "text"
    if words[1:] in (["binary", "4"], ["binary", "8"]):
        return f"bin{words[2]}"
    raise FormatError(path, "'Begin: Data Text', 'Begin: Data Binary 4' or 'Begin: Data Binary 8'",
                      line=lineno, found=value)


def _positive_int(field: tuple[str, int], key: str, path: str) -> int:
    value, line = field
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n <= 0:
        raise FormatError(path, f"{key} to be a positive integer", line=line, found=value)
    return n


def _float(field: tuple[str, int], key: str, path: str, positive: bool = False) -> float:
    value, line = field
    try:
        x = float(value)
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or (positive and x <= 0):
        kind = "a positive number" if positive else "a finite number"
        raise FormatError(path, f"{key} to be {kind}", line=line, found=value)
    return x


def _per_value(field, valuedim: int, key: str, path: str) -> tuple[str, ...] | None:
    if field is None:
        return None
    value, line = field
    items = tuple(value.split())
    if len(items) != valuedim:
        raise FormatError(path, f"{valuedim} entries in {key} (valuedim is {valuedim})",
                          line=line, found=value)
    return items
