"""Read and write OVF 1.0 / 2.0 field files (OOMMF, mumax3, discretisedfield, ours).

Reading gives an :class:`xarray.DataArray` with dims ``("z", "y", "x", "c")``, the
file's own storage order, so binary data is memory-mapped without a copy. Cell
centre coordinates are in metres; the header (title, units, cell size, extent,
simulation time, OOMMF's iteration counters) is kept in ``attrs``.

Why not discretisedfield's reader: it reorders to ``(x, y, z, c)`` (a copy), drops
the simulation time and the other ``Desc`` lines, and reads text through a
general CSV parser without checking the line structure. The format is small
enough to own; the tests cross-check against discretisedfield both ways.

Format facts relied on (OOMMF user guide, "OVF 2.0 format" / "OVF 1.0 format"):
values are stored x fastest, then y, then z, all components of a node together;
binary OVF 2.0 is little-endian and OVF 1.0 big-endian; binary data starts with
the check value 1234567.0 (4 bytes) or 123456789012345.0 (8 bytes); data is
closed by ``# End: Data <repr>`` and ``# End: Segment``. OOMMF writes a newline
between binary data and the closing line, mumax3 does not (``oommf/ovf2.go``).
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from analysis.atomic import atomic_open
from analysis.errors import FormatError
from analysis.ovf_header import CHECK_VALUES, OVFHeader, read_header

__all__ = ["read_ovf", "read_ovf_header", "read_ovf_values", "check_ovf_data", "write_ovf",
           "to_dataarray"]

Representation = Literal["text", "bin4", "bin8"]
_END_DATA = re.compile(rb"^[ \t]*#[ \t]*end[ \t]*:[ \t]*data\b", re.I | re.M)
_END_SEGMENT = re.compile(rb"^[ \t]*#[ \t]*end[ \t]*:[ \t]*segment\b", re.I | re.M)
_TAIL_BYTES = 4096


def read_ovf_header(path: str | os.PathLike) -> OVFHeader:
    """Read and validate only the header of an OVF file (no data is read).

    Parameters
    ----------
    path : path
        The OVF file.

    Returns
    -------
    OVFHeader

    Examples
    --------
    >>> h = read_ovf_header("tests/data/oommf/ovf2-bin8-m.omf")
    >>> h.nodes, h.representation, h.time
    ((12, 8, 2), 'bin8', 4e-12)
    """
    with open(path, "rb") as fh:
        return read_header(fh, path)


def read_ovf_values(header: OVFHeader, *, mmap: bool = False) -> np.ndarray:
    """Read the data block described by ``header``, shape ``(nz, ny, nx, valuedim)``.

    Parameters
    ----------
    header : OVFHeader
        From :func:`read_ovf_header`.
    mmap : bool
        Memory-map binary data instead of reading it (no copy, no read until used).

    Returns
    -------
    numpy.ndarray
        Binary data in the file's dtype and byte order; text as float64. OVF 1.0's
        ``valuemultiplier`` is applied.

    Raises
    ------
    FormatError
        Truncated data, a wrong check value, a text line with the wrong number of
        values, an unparsable number, a missing end-of-data marker.
    """
    if header.representation == "text":
        values = _read_text(header)
    else:
        values = _read_binary(header, mmap)
    if header.multiplier != 1.0:
        with np.errstate(over="ignore", invalid="ignore"):
            scaled = values * header.multiplier
        overflow = np.isinf(scaled) & np.isfinite(values)
        if overflow.any():  # not the numbers the file means: refuse, don't return inf
            raise FormatError(
                header.path,
                "a valuemultiplier that keeps the values finite",
                line=header.multiplier_line,
                found=f"{header.multiplier!r}: {int(overflow.sum())} values overflow",
            )
        values = scaled
    return values


def read_ovf(path: str | os.PathLike, *, mmap: bool = True) -> xr.DataArray:
    """Read one OVF 1.0 or 2.0 file into a DataArray.

    Parameters
    ----------
    path : path
        The ``.ovf``/``.omf``/``.ohf``/``.oef`` file.
    mmap : bool
        Memory-map binary data (default). Pass ``False`` to read it into memory.

    Returns
    -------
    xarray.DataArray
        Dims ``("z", "y", "x", "c")``; coordinates ``x``, ``y``, ``z`` in metres at
        cell centres and ``c`` the component names from ``valuelabels``
        (``Magnetization_x`` ... gives ``x``, ``y``, ``z`` and the name
        ``Magnetization``); attrs ``title``, ``units``, ``cell``, ``pmin``, ``pmax``,
        ``time`` (s, when the header has it), ``ovf_version``, ``representation``,
        ``valuelabels``, ``valueunits``, ``desc``, ``source``.

    Raises
    ------
    FormatError
        For any malformed header or data (see :func:`read_ovf_values`).

    Examples
    --------
    >>> m = read_ovf("tests/data/oommf/ovf2-bin8-m.omf")
    >>> m.dims, m.shape, m.attrs["units"], m.attrs["time"]
    (('z', 'y', 'x', 'c'), (2, 8, 12, 3), 'A/m', 4e-12)
    >>> float(m.x[0]), m.c.values.tolist()
    (5e-10, ['x', 'y', 'z'])
    """
    header = read_ovf_header(path)
    return to_dataarray(header, read_ovf_values(header, mmap=mmap))


def component_names(labels: Sequence[str]) -> tuple[str | None, tuple[str, ...]]:
    """Split ``valuelabels`` into a common quantity name and component names.

    ``("m_x", "m_y", "m_z")`` gives ``("m", ("x", "y", "z"))``; labels without a
    common ``<name>_`` prefix are kept whole and the name is ``None``.
    """
    if len(labels) > 1:
        heads = {lab.rpartition("_")[0] for lab in labels}
        tails = tuple(lab.rpartition("_")[2] for lab in labels)
        if len(heads) == 1 and "" not in heads and len(set(tails)) == len(tails) and all(tails):
            return heads.pop(), tails
    if len(labels) == 1:
        return labels[0], tuple(labels)
    return None, tuple(labels)


def header_attrs(header: OVFHeader) -> dict:
    """The netCDF-safe attrs that describe an OVF header (used by reader and runs)."""
    units = header.units[0] if len(set(header.units)) == 1 else " ".join(header.units)
    attrs = {
        "title": header.title,
        "units": units,
        "cell": tuple(header.cell),
        "pmin": tuple(header.pmin),
        "pmax": tuple(header.pmax),
        "ovf_version": header.version,
        "representation": header.representation,
        "valuelabels": " ".join(header.labels),
        "valueunits": " ".join(header.units),
        "desc": "\n".join(header.desc),
        "source": header.path,
    }
    if header.time is not None:
        attrs["time"] = header.time
    attrs.update(header.extras)
    return attrs


def to_dataarray(header: OVFHeader, values: np.ndarray) -> xr.DataArray:
    """Wrap ``values`` (shape ``header.shape``) with the header's coordinates and attrs."""
    name, comps = component_names(header.labels)
    coords = {ax: (ax, c, {"units": "m"}) for ax, c in header.coords().items()}
    coords["c"] = list(comps)
    return xr.DataArray(
        values,
        dims=("z", "y", "x", "c"),
        coords=coords,
        name=name or header.title or None,
        attrs=header_attrs(header),
    )


# --------------------------------------------------------------------------- binary


def check_ovf_data(header: OVFHeader) -> None:
    """Check the data section described by ``header`` without reading the values.

    Binary data: the file is long enough for every value, the check value (the first
    4/8 bytes of the data block) is right, and ``# End: Data`` / ``# End: Segment``
    follow where the node count puts them; reads a few kilobytes whatever the file's
    size. Text data: the closing lines are there, every data line holds ``valuedim``
    values, and the values between ``# Begin: Data Text`` and ``# End: Data Text``
    number nodes × valuedim; the file is streamed in chunks and its tokens counted, not
    parsed (only the first and last data lines are parsed, as a sample).

    Raises
    ------
    FormatError
        Naming the file and the byte offset (binary) or line (text) of the problem.

    Examples
    --------
    >>> check_ovf_data(read_ovf_header("tests/data/oommf/ovf2-bin8-m.omf"))
    """
    if header.representation != "text":
        _check_binary(header)
        return
    _check_text(header)


def _check_binary(header: OVFHeader) -> tuple[int, int]:
    """Size, check value and closing lines of a binary data block: (data start, end)."""
    path, nbytes = header.path, header.itemsize
    start = header.data_offset
    data_start = start + nbytes
    data_end = data_start + header.n_values * nbytes
    size = os.path.getsize(path)
    if size < data_end:
        raise FormatError(
            path,
            f"{header.n_values} {nbytes}-byte values after the check value "
            f"(data ending at byte {data_end}); the file is truncated",
            offset=size,
            found=f"end of file after {max(size - data_start, 0)} data bytes",
        )
    with open(path, "rb") as fh:
        fh.seek(start)
        check = np.frombuffer(fh.read(nbytes), dtype=header.dtype)[0]
        if check != CHECK_VALUES[nbytes]:
            raise FormatError(path, f"the binary check value {CHECK_VALUES[nbytes]!r}",
                              offset=start, found=repr(float(check)))
        fh.seek(data_end)
        tail = fh.read(_TAIL_BYTES)
    _check_tail(path, tail, data_end)
    return data_start, data_end


def _read_binary(header: OVFHeader, mmap: bool) -> np.ndarray:
    path = header.path
    data_start, _ = _check_binary(header)
    if mmap:
        return np.memmap(path, dtype=header.dtype, mode="r", offset=data_start,
                         shape=header.shape)
    values = np.fromfile(path, dtype=header.dtype, count=header.n_values, offset=data_start)
    return values.reshape(header.shape)


def _check_tail(path: str, tail: bytes, offset: int) -> None:
    """After the data: optional whitespace, ``# End: Data ...``, then ``# End: Segment``."""
    body = tail.lstrip(b" \t\r\n")
    m = _END_DATA.match(body)
    if m is None:
        raise FormatError(path, "'# End: Data ...' right after the data block", offset=offset,
                          found=body[:40].decode("utf-8", "replace") or "end of file")
    if _END_SEGMENT.search(body, m.end()) is None:
        raise FormatError(path, "'# End: Segment' after '# End: Data'; the file is truncated",
                          offset=offset + len(tail))


# --------------------------------------------------------------------------- text

_TEXT_CHUNK = 1 << 20  # bytes read at a time by check_ovf_data on text data


def _check_text(header: OVFHeader) -> None:
    """Stream a text data section: count the values on each line (vectorised, no float
    parsing), find ``# End: Data`` and ``# End: Segment``; raise for a missing closing
    line (truncated), a line without ``valuedim`` values, a wrong number of values, or a
    first/last data line that does not parse."""
    path, dim = header.path, header.valuedim
    n_nodes = header.n_values // dim
    first_line = header.data_line + 1
    line = first_line  # 1-based number of the first line of the current block
    found = 0
    bad_line = None  # (line number, text) of the first line without `dim` values
    first_values = last_values = None  # (line number, block, index): the parsed sample
    end = None  # file line number of '# End: Data'
    carry = b""
    with open(path, "rb") as fh:
        fh.seek(header.data_offset)
        while end is None:
            chunk = fh.read(_TEXT_CHUNK)
            buf = carry + chunk
            if chunk:
                cut = buf.rfind(b"\n") + 1
                if cut == 0:  # no line end yet: read on
                    carry = buf
                    continue
                block, carry = buf[:cut], buf[cut:]
            else:
                block, carry = buf, b""
            if b"#" in block:  # the closing line, or OVF 2.0 '##' comments
                start = block.rfind(b"\n", 0, block.index(b"#")) + 1
                m = _END_DATA.search(block, start)
                if m is not None:
                    end = line + block.count(b"\n", 0, m.start())
                    carry = block[m.start():] + carry  # '# End: Segment' is looked for there
                    block = block[: m.start()]
                if b"#" in block:  # blank comments out, keeping the line structure
                    block = re.sub(rb"#[^\n]*", lambda mm: b" " * len(mm.group()), block)
            counts = _tokens_per_line(block)
            nonzero = np.flatnonzero(counts)
            if nonzero.size:
                found += int(counts.sum())
                if first_values is None:
                    first_values = (line + int(nonzero[0]), block, int(nonzero[0]))
                last_values = (line + int(nonzero[-1]), block, int(nonzero[-1]))
                if bad_line is None:
                    bad = np.flatnonzero((counts != 0) & (counts != dim))
                    if bad.size:
                        bad_line = (line + int(bad[0]), _line(block, int(bad[0])))
            line += block.count(b"\n")
            if not chunk:
                break
        if end is None:
            raise FormatError(path, "'# End: Data Text' after the data lines; the file is "
                              "truncated", line=line, found=f"end of file after {found} values")
        rest = carry
        while _END_SEGMENT.search(rest) is None:
            more = fh.read(_TAIL_BYTES)
            if not more:
                raise FormatError(path, "'# End: Segment' after '# End: Data'; the file is "
                                  "truncated", line=end)
            rest = rest[-_TAIL_BYTES:] + more
    if bad_line is not None:
        raise FormatError(path, f"{dim} values on each data line (valuedim {dim})",
                          line=bad_line[0], found=bad_line[1])
    if found != header.n_values:
        raise FormatError(path, f"{header.n_values} values ({n_nodes} nodes x valuedim {dim}) "
                          "between '# Begin: Data Text' and '# End: Data Text'",
                          line=end, found=f"{found} values")
    for sample in (first_values, last_values):
        if sample is None:
            continue
        number, block, i = sample
        for token in _line(block, i).split():
            try:
                float(token)
            except ValueError:
                raise FormatError(path, "decimal numbers in the data lines", line=number,
                                  found=token) from None



def _read_text(header: OVFHeader) -> np.ndarray:
    path = header.path
    with open(path, "rb") as fh:
        fh.seek(header.data_offset)
        content = fh.read()
    # The closing lines are at the very end: look there first (a regex over a whole
    # 60 MB data block costs more than parsing it).
    m = _END_DATA.search(content, max(0, len(content) - _TAIL_BYTES)) or _END_DATA.search(content)
    if m is None:
        raise FormatError(path, "'# End: Data Text' after the data lines; the file is truncated",
                          offset=header.data_offset + len(content))
    if _END_SEGMENT.search(content, m.end()) is None:
        raise FormatError(path, "'# End: Segment' after '# End: Data'; the file is truncated",
                          offset=header.data_offset + len(content))
    block = content[: m.start()]
    first_line = header.data_line + 1
    if b"#" in block:  # OVF 2.0 allows '##' comments; blank them out, keeping line numbers
        block = re.sub(rb"#[^\n]*", lambda mm: b" " * len(mm.group()), block)
    dim, n_nodes = header.valuedim, header.n_values // header.valuedim
    # Fast path: pandas' C parser, with one spare column. A line with too many values
    # fills the spare column; a line with too few leaves NaN. Either (or any parse
    # failure, or a wrong line count) sends us to the exact line-by-line check below,
    # which names the line; NaN written as 'nan' in the file passes that check.
    values = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            table = pd.read_csv(io.BytesIO(block), sep=r"\s+", header=None, dtype=np.float64,
                                engine="c", names=range(dim + 1), index_col=False,
                                skip_blank_lines=True)
        values = table.to_numpy()
    except (ValueError, pd.errors.ParserError):
        pass
    # A NaN in the file ('nan', or pandas' 'NA', 'null', ...) in the spare column looks
    # like no value there: '1 2 3 nan' would pass as 3 values. All those words have an
    # 'n' or 'N', which decimal numbers never have, so only then check line by line.
    words = b"n" in block or b"N" in block
    if (values is None or values.shape[0] != n_nodes or not np.isnan(values[:, dim]).all()
            or np.isnan(values[:, :dim]).any() or words):
        _check_lines(path, block, dim, n_nodes, first_line)
        if values is None or values.shape[0] != n_nodes or not np.isnan(values[:, dim]).all():
            _raise_bad_number(path, block, first_line)
        if words:
            _check_words(path, block, first_line)
    return np.ascontiguousarray(values[:, :dim]).reshape(header.shape)


def _check_lines(path: str, block: bytes, dim: int, n_nodes: int, first_line: int) -> None:
    """Raise for the first data line without exactly ``dim`` values, or a wrong line count."""
    counts = _tokens_per_line(block)
    bad = np.flatnonzero((counts != 0) & (counts != dim))
    if bad.size:
        i = int(bad[0])
        raise FormatError(path, f"{dim} values on each data line (valuedim {dim})",
                          line=first_line + i, found=_line(block, i))
    n_lines = int(np.count_nonzero(counts))
    if n_lines != n_nodes:
        raise FormatError(path, f"{n_nodes} data lines (one per cell)",
                          line=first_line + len(counts) - 1, found=f"{n_lines} data lines")


def _tokens_per_line(block: bytes) -> np.ndarray:
    """Number of whitespace-separated tokens on each line of ``block`` (vectorised)."""
    buf = np.frombuffer(block, dtype=np.uint8)
    if buf.size == 0:
        return np.zeros(0, dtype=np.int64)
    ws = (buf == 32) | ((buf >= 9) & (buf <= 13))
    starts = ~ws
    starts[1:] &= ws[:-1]
    newlines = np.flatnonzero(buf == 10)
    n_lines = newlines.size + (0 if block.endswith(b"\n") else 1)
    token_lines = np.searchsorted(newlines, np.flatnonzero(starts))
    return np.bincount(token_lines, minlength=n_lines)


def _line(block: bytes, i: int) -> str:
    return block.split(b"\n")[i].decode("utf-8", "replace").strip()


def _raise_bad_number(path: str, block: bytes, first_line: int) -> None:
    for i, raw in enumerate(block.split(b"\n")):
        for token in raw.split():
            try:
                float(token)
            except ValueError:
                raise FormatError(path, "decimal numbers in the data lines",
                                  line=first_line + i, found=token.decode("utf-8", "replace"))
    raise FormatError(path, "decimal numbers in the data lines", line=first_line)


def _check_words(path: str, block: bytes, first_line: int) -> None:
    """Raise for the first token with an ``n``/``N`` that is not a number.

    pandas reads ``nan`` and also its missing-value words (``NA``, ``N/A``,
    ``null``, ``None``) as NaN; all of them, and ``inf``, contain an ``n`` or ``N``.
    """
    line, pos = 0, 0
    for m in re.finditer(rb"(?<!\S)\S*?[nN]\S*", block):  # whole tokens, linear time
        line += block.count(b"\n", pos, m.start())
        pos = m.start()
        try:
            float(m.group())
        except ValueError:
            raise FormatError(path, "decimal numbers in the data lines", line=first_line + line,
                              found=m.group().decode("utf-8", "replace")) from None


# --------------------------------------------------------------------------- writing


def write_ovf(
    path: str | os.PathLike,
    data: xr.DataArray | np.ndarray,
    *,
    representation: Representation = "bin8",
    version: int = 2,
    cell: Sequence[float] | None = None,
    pmin: Sequence[float] | None = None,
    title: str | None = None,
    labels: Sequence[str] | None = None,
    units: str | Sequence[str] | None = None,
    time: float | None = None,
    desc: Sequence[str] = (),
    overwrite: bool = False,
) -> Path:
    """Write a field as OVF 2.0 (or 1.0), atomically.

    Parameters
    ----------
    path : path
        Target file; an existing file is replaced only with ``overwrite=True``.
    data : DataArray or ndarray
        Dims ``("z", "y", "x", "c")`` (a DataArray is transposed to that order).
        A DataArray from :func:`read_ovf` supplies the defaults for every other
        argument, so ``write_ovf(p, read_ovf(q))`` round-trips.
    representation : {"bin8", "bin4", "text"}
        Binary 8 and text are exact for float64 (text uses 17 significant
        digits); binary 4 stores float32.
    version : {2, 1}
        OVF 1.0 only holds 3-component fields and is written big-endian.
    cell, pmin : sequence of 3 floats, optional
        Cell size and lower mesh corner in metres (required for an ndarray).
    title, labels, units : optional
        Header ``Title``, ``valuelabels`` and ``valueunits`` (one unit, or one per
        component).
    time : float, optional
        Simulation time in seconds, written as ``# Desc: Total simulation time: <t> s``.
    desc : sequence of str
        Further ``Desc`` lines.
    overwrite : bool
        Allow replacing an existing file.

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.ovf"
    >>> m = np.zeros((1, 2, 3, 3)); m[..., 2] = 1
    >>> _ = write_ovf(p, m, cell=(1e-9, 1e-9, 1e-9), title="m", time=1e-12)
    >>> read_ovf(p).sel(c="z").values.tolist()
    [[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]]
    """
    values, meta = _values_and_meta(data, cell, pmin, title, labels, units, time)
    nz, ny, nx, dim = values.shape
    if representation == "txt":
        representation = "text"
    if representation not in ("text", "bin4", "bin8"):
        raise ValueError(f"representation must be 'bin8', 'bin4' or 'text', not {representation!r}")
    if version not in (1, 2):
        raise ValueError(f"version must be 1 or 2, not {version!r}")
    if version == 1 and dim != 3:
        raise ValueError(f"OVF 1.0 holds 3-component fields only; this one has {dim}")
    cell, pmin = meta["cell"], meta["pmin"]
    pmax = [pmin[i] + n * cell[i] for i, n in enumerate((nx, ny, nz))]
    lines = _header_lines(version, meta, (nx, ny, nz), cell, pmin, pmax, dim, list(desc))
    rep_word = {"text": "Text", "bin4": "Binary 4", "bin8": "Binary 8"}[representation]
    head = "\n".join(lines + [f"# Begin: Data {rep_word}"]) + "\n"
    foot = f"# End: Data {rep_word}\n# End: Segment\n"
    with atomic_open(path, "wb", overwrite=overwrite) as fh:
        fh.write(head.encode("utf-8"))
        if representation == "text":
            _write_text(fh, values.reshape(-1, dim))
        else:
            nbytes = int(representation[-1])
            dtype = np.dtype(f"{'>' if version == 1 else '<'}f{nbytes}")
            fh.write(np.array([CHECK_VALUES[nbytes]], dtype=dtype).tobytes())
            fh.write(np.ascontiguousarray(values, dtype=dtype).tobytes())
            fh.write(b"\n")
        fh.write(foot.encode("utf-8"))
    return Path(path)


def _values_and_meta(data, cell, pmin, title, labels, units, time):
    attrs: dict = {}
    if isinstance(data, xr.DataArray):
        attrs = dict(data.attrs)
        if set(data.dims) != {"z", "y", "x", "c"}:
            raise ValueError(f"a field DataArray needs dims ('z', 'y', 'x', 'c'), not {data.dims}")
        data = data.transpose("z", "y", "x", "c")
        if labels is None and "c" in data.coords:
            comps = [str(c) for c in data.c.values]
            labels = [f"{data.name}_{c}" for c in comps] if data.name and len(comps) > 1 else comps
        # The mesh follows the coordinates: attrs copied from the file survive isel and
        # coarsen unchanged. The header's own numbers are kept where they agree, so
        # that a field read and written again has a bit-identical header.
        if cell is None:
            cell = tuple(_axis_step(data, a, attrs.get("cell")) for a in "xyz")
        if pmin is None:
            pmin = tuple(_axis_start(data, a, cell["xyz".index(a)], attrs.get("pmin"))
                         for a in "xyz")
        if title is None:
            title = attrs.get("title") or data.name
        if units is None:
            units = attrs.get("valueunits", attrs.get("units"))
        if time is None:
            time = attrs.get("time")
        if time is None and "t" in data.coords and data["t"].ndim == 0:
            time = float(data["t"])  # a snapshot selected from a run: ds.m.isel(t=k)
        values = np.asarray(data.values)
    else:
        values = np.asarray(data)
    if values.ndim != 4:
        raise ValueError(f"field values need 4 dims (z, y, x, c), not shape {values.shape}")
    if cell is None:
        raise ValueError("cell=(dx, dy, dz) is required to write an array")
    dim = values.shape[3]
    if labels is None:
        labels = ["x", "y", "z"] if dim == 3 else [f"v{i}" for i in range(dim)]
        if title and dim == 3:
            labels = [f"{title}_{c}" for c in labels]
    if units is None:
        units = ""
    if isinstance(units, str):
        units = units.split() if len(units.split()) == dim else [units] * dim
    if len(labels) != dim or len(units) != dim:
        raise ValueError(f"need {dim} labels and units, got {list(labels)} and {list(units)}")
    meta = {
        "cell": [float(c) for c in cell],
        "pmin": [float(p) for p in (pmin if pmin is not None else (0.0, 0.0, 0.0))],
        "title": title or "field",
        "labels": [str(lab).replace(" ", "_") or "v" for lab in labels],
        "units": [str(u).replace(" ", "") or "1" for u in units],
        "time": time,
    }
    return values, meta


def _axis_step(data: xr.DataArray, ax: str, attr_cell) -> float:
    """Cell size along ``ax``: the coordinate spacing (the attrs' value where it agrees)."""
    i = "xyz".index(ax)
    known = None if attr_cell is None else float(attr_cell[i])
    coord = np.asarray(data[ax].values, dtype=float) if ax in data.coords else np.empty(0)
    if coord.size < 2:
        if known is None:
            raise ValueError("cannot infer the cell size from a single coordinate; pass cell=")
        return known
    step = float(coord[1] - coord[0])
    return known if known is not None and abs(step - known) <= 1e-6 * abs(known) else step


def _axis_start(data: xr.DataArray, ax: str, h: float, attr_pmin) -> float:
    """Lower mesh edge along ``ax``: half a cell below the first centre (or the attrs')."""
    known = None if attr_pmin is None else float(attr_pmin["xyz".index(ax)])
    if ax not in data.coords:
        return 0.0 if known is None else known
    start = float(data[ax].values[0]) - h / 2
    return known if known is not None and abs(start - known) <= 1e-6 * h else start


def _header_lines(version, meta, nodes, cell, pmin, pmax, dim, desc):
    r = repr  # repr() of a float is the shortest string that reads back bit-exactly
    if meta["time"] is not None:
        desc = [f"Total simulation time: {r(float(meta['time']))} s"] + desc
    lines = [
        "# OOMMF OVF 2.0" if version == 2 else "# OOMMF: rectangular mesh v1.0",
        "# Segment count: 1",
        "# Begin: Segment",
        "# Begin: Header",
        f"# Title: {meta['title']}",
    ]
    lines += [f"# Desc: {d}" for d in desc]
    lines += ["# meshtype: rectangular", "# meshunit: m"]
    for i, a in enumerate("xyz"):
        lines.append(f"# {a}base: {r(pmin[i] + cell[i] / 2)}")
    for i, a in enumerate("xyz"):
        lines.append(f"# {a}stepsize: {r(cell[i])}")
    for i, a in enumerate("xyz"):
        lines.append(f"# {a}nodes: {nodes[i]}")
    for i, a in enumerate("xyz"):
        lines.append(f"# {a}min: {r(pmin[i])}")
    for i, a in enumerate("xyz"):
        lines.append(f"# {a}max: {r(pmax[i])}")
    if version == 2:
        lines += [
            f"# valuedim: {dim}",
            f"# valuelabels: {' '.join(meta['labels'])}",
            f"# valueunits: {' '.join(meta['units'])}",
        ]
    else:
        lines += [f"# valueunit: {meta['units'][0]}", "# valuemultiplier: 1",
                  "# ValueRangeMinMag: 1e-08", "# ValueRangeMaxMag: 1"]
    lines.append("# End: Header")
    return lines


def _write_text(fh, rows: np.ndarray) -> None:
    # '%.17g' reads back to the same float64; one format string per chunk keeps the
    # formatting in C (np.savetxt formats row by row in Python).
    rows = np.asarray(rows, dtype=np.float64)
    dim = rows.shape[1]
    chunk = 65536
    for i in range(0, rows.shape[0], chunk):
        part = rows[i : i + chunk]
        fmt = (" ".join(["%.17g"] * dim) + "\n") * part.shape[0]
        fh.write((fmt % tuple(part.ravel().tolist())).encode("ascii"))
