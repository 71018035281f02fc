"""The readers on files written exactly as mumax3 writes them.

mumax3 is not needed: ``tests/mumax3_writer.py`` reproduces its output byte for
byte from its Go sources (``oommf/ovf2.go``, ``oommf/ovf1.go``,
``oommf/oommf.go``, ``engine/table.go``, ``engine/save.go``) and Go's ``fmt``
float formatting. The first group of tests pins that formatting to Go's own test
tables and to lines of files mumax3 wrote; the rest read such files back.

On tolerances: mumax3 stores float32. Binary data round-trips bit for bit, and
Go prints a float32 with the shortest decimal that reads back to the same
float32, and a float64 (times, cell sizes) with the shortest decimal that reads
back to the same float64. So every comparison below is exact; text values are
compared after casting to float32, because the float64 nearest to a float32's
shortest decimal is not that float32's own value (0.1f prints as ``0.1``).
"""

from __future__ import annotations

import decimal
import math
from fractions import Fraction

import dask.array as dsa
import numpy as np
import pytest
import xarray as xr

from analysis.errors import FormatError
from analysis.mx3_table import read_mx3_table
from analysis.ovf import read_ovf, read_ovf_header
from analysis.runs import open_run
from analysis.tables import read_table
from mumax3_writer import (
    MX3_TABLE_COLUMNS,
    go_format_float,
    go_sprint,
    go_sprintln,
    make_mx3_run,
    mx3_table_header,
    write_mx3_ovf,
    write_mx3_table,
)

CELL = (2e-9, 2.5e-9, 1e-9)

# --------------------------------------------------------------------------- Go formatting

# golang/go src/strconv/ftoa_test.go, ftoatests with fmt 'g' and prec -1 (what %v
# uses: src/fmt/print.go pp.fmtFloat, case 'v': fmtFloat(v, size, 'g', -1)).
BELOW_1E23 = 99999999999999974834176
ABOVE_1E23 = 100000000000000008388608
GO_FTOA_G_SHORTEST = [
    (1, "1"),
    (20, "20"),
    (1234567.8, "1.2345678e+06"),
    (200000, "200000"),
    (2000000, "2e+06"),
    (0, "0"),
    (-1, "-1"),
    (12, "12"),
    (123456700, "1.234567e+08"),
    (1e23, "1e+23"),
    (BELOW_1E23, "9.999999999999997e+22"),
    (ABOVE_1E23, "1.0000000000000001e+23"),
    (5e-304 / 1e20, "5e-324"),
    (-5e-304 / 1e20, "-5e-324"),
    (32, "32"),
    (math.nan, "NaN"),
    (math.inf, "+Inf"),
    (-math.inf, "-Inf"),
    (2.2250738585072012e-308, "2.2250738585072014e-308"),
    (2.2250738585072011e-308, "2.225073858507201e-308"),
    (383260575764816448, "3.8326057576481645e+17"),
    (-5.8339553793802237e23, "-5.8339553793802237e+23"),
]


@pytest.mark.parametrize("value, expected", GO_FTOA_G_SHORTEST)
def test_go_format_float64_matches_go_strconv_tests(value, expected):
    # Strings, compared exactly: they are what Go writes.
    assert go_format_float(value, 64) == expected


@pytest.mark.parametrize(
    "value, expected",
    # ftoa_test.go TestFtoa runs the same table at bitSize 32 where
    # float64(float32(f)) == f ...
    [(v, s) for v, s in GO_FTOA_G_SHORTEST
     if not math.isfinite(v) or float(np.float32(v)) == v]
    # ... and src/fmt/fmt_test.go has {"%g", float32(1234.5678e3), "1.2345678e+06"}
    # and {"%g", float32(-1e-9), "-1e-09"} (%v is %g with the shortest precision).
    + [(1234.5678e3, "1.2345678e+06"), (-1e-9, "-1e-09")],
)
def test_go_format_float32_matches_go_tests(value, expected):
    # Exact strings.
    assert go_format_float(np.float32(value), 32) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        # mumax3's own test/testdata/regions.ovf (256 x 128 x 2 cells of 5 nm):
        # "# xmax: 1.28e-06", "# ymax: 6.4e-07", "# zmax: 1e-08", "# xbase: 2.5e-09"
        (5e-9 * 256.0, "1.28e-06"),
        (5e-9 * 128.0, "6.4e-07"),
        (5e-9 * 2.0, "1e-08"),
        (5e-9 / 2, "2.5e-09"),
        # mumax3's test/testdata/randommag4x4x1.ovf: "# xbase: 0.5", "# xmax: 4"
        (1.0 / 2, "0.5"),
        (1.0 * 4.0, "4"),
        # Desc times in mumax3's test/testdata/movf2.ovf and doc/myfile.ovf
        (2.000377037076917e-10, "2.000377037076917e-10"),
        (3.0007902404237884e-09, "3.0007902404237884e-09"),
    ],
)
def test_go_format_float64_matches_mumax3_files(value, expected):
    # Exact strings, as they appear in those files.
    assert go_format_float(value, 64) == expected


def test_go_fprint_and_fprintln_spacing():
    # golang/go src/fmt/print.go: doPrint adds a space only between two
    # non-string operands, doPrintln between all of them.
    assert go_sprint("# ", "Desc", ": ") == "# Desc: "
    assert go_sprintln("Total simulation time: ", 1e-9, " s") == \
        "Total simulation time:  1e-09  s\n"
    assert go_sprint("\t", np.float32(0.1)) == "\t0.1"
    assert go_sprint(1.0, 2.0) == "1 2"
    assert go_sprintln() == "\n"


def _rounding_interval(v: np.float32):
    """Decimals that a correct float32 parser (round half to even) turns into ``v`` (> 0)."""
    below = np.nextafter(v, np.float32(0))
    above = np.nextafter(v, np.float32(np.inf))
    lo = (Fraction(float(below)) + Fraction(float(v))) / 2
    hi = (Fraction(float(v)) + Fraction(float(above))) / 2
    even = int(np.array(v).view(np.uint32)) % 2 == 0
    return lo, hi, even


def _rounds_to(dec: Fraction, interval) -> bool:
    lo, hi, even = interval
    return lo < dec < hi or (even and (dec == lo or dec == hi))


def test_go_format_float32_is_shortest_then_closest():
    """Go's rule for precision -1: the fewest digits that ParseFloat(s, 32) maps back
    to the same float32 (strconv.FormatFloat doc), and of those the closest to it
    (ryuFtoaShortest). Checked in exact rational arithmetic on random float32s of
    every magnitude, subnormals and powers of two included."""
    rng = np.random.default_rng(7)
    bits = rng.integers(1, 0x7F7FFFFF, size=1500, dtype=np.uint32)
    values = list(bits.view(np.float32))
    values += [np.float32(2.0) ** e for e in range(-149, 127, 7)]
    values += [np.float32(v) for v in (0.1, 1 / 3, 1e-9, 3.4e38, 1.4e-45, 16777216.0)]
    ctx = decimal.Context(prec=60)
    for v in values:
        text = go_format_float(v, 32)
        dec = Fraction(text)
        interval = _rounding_interval(v)
        assert _rounds_to(dec, interval), (v, text)
        exact = ctx.create_decimal(float(v))
        n = len(decimal.Decimal(text).normalize().as_tuple().digits)
        if n > 1:  # no decimal with one digit fewer reads back to v
            for rounding in (decimal.ROUND_FLOOR, decimal.ROUND_CEILING):
                shorter = decimal.Context(prec=n - 1, rounding=rounding).plus(exact)
                assert not _rounds_to(Fraction(shorter), interval), (v, text, shorter)
        # of the n-digit decimals next to v that read back to v, Go takes the closer
        near = [Fraction(decimal.Context(prec=n, rounding=r).plus(exact))
                for r in (decimal.ROUND_FLOOR, decimal.ROUND_CEILING)]
        near = [d for d in near if _rounds_to(d, interval)]
        best = min(abs(d - Fraction(float(v))) for d in near)
        assert abs(dec - Fraction(float(v))) == best, (v, text)


def test_go_format_float64_has_python_repr_digits():
    # Python's repr and Go's strconv both give the shortest round-trip digits,
    # closest to the value (David Gay / Ryu); only the layout differs.
    rng = np.random.default_rng(11)
    bits = rng.integers(1, 0x7FEFFFFFFFFFFFFF, size=2000, dtype=np.uint64)
    for v in bits.view(np.float64):
        text = go_format_float(v, 64)
        assert float(text) == v  # exact round trip
        go_digits = decimal.Decimal(text).normalize().as_tuple().digits
        py_digits = decimal.Decimal(repr(float(v))).normalize().as_tuple().digits
        assert go_digits == py_digits


# --------------------------------------------------------------------------- OVF files


@pytest.fixture
def field() -> np.ndarray:
    """A 3-component float32 field (nz, ny, nx, 3) with values that have no short decimal."""
    rng = np.random.default_rng(3)
    m = rng.normal(size=(2, 3, 5, 3))
    m /= np.linalg.norm(m, axis=-1, keepdims=True)
    m[0, 0, 0] = (0.1, -0.0, 1.0)  # a value whose shortest decimal is short; a -0
    return m.astype(np.float32)


def test_ovf2_binary_bytes_follow_writeOVF2(tmp_path):
    # The writer itself, against mumax3 oommf/ovf2.go (WriteOVF2, writeOVF2Header,
    # writeOVF2Data, writeOVF2DataBinary4): header order and spacing, little-endian
    # float32, and no newline between the data and "# End: Data Binary 4".
    p = tmp_path / "m000000.ovf"
    data = np.arange(2 * 3 * 4 * 3, dtype=np.float32).reshape(2, 3, 4, 3)
    write_mx3_ovf(p, data, (1e-9, 2e-9, 3e-9), 1e-9)
    raw = p.read_bytes()
    header = (
        "# OOMMF OVF 2.0\n# Segment count: 1\n# Begin: Segment\n# Begin: Header\n"
        "# Title: m\n# meshtype: rectangular\n# meshunit: m\n"
        "# xmin: 0\n# ymin: 0\n# zmin: 0\n"
        # cellsize*float64(n): 2e-9 * 3 is 6.000000000000001e-09 in float64, and Go
        # prints all the digits it takes to read that float64 back
        "# xmax: 4e-09\n# ymax: 6.000000000000001e-09\n# zmax: 6e-09\n"
        "# valuedim: 3\n# valuelabels: m_x m_y m_z\n# valueunits: 1 1 1\n"
        "# Desc: Total simulation time:  1e-09  s\n"
        "# xbase: 5e-10\n# ybase: 1e-09\n# zbase: 1.5e-09\n"
        "# xnodes: 4\n# ynodes: 3\n# znodes: 2\n"
        "# xstepsize: 1e-09\n# ystepsize: 2e-09\n# zstepsize: 3e-09\n"
        "# End: Header\n# Begin: Data Binary 4\n"
    ).encode()
    body = np.array([1234567.0], "<f4").tobytes() + data.astype("<f4").tobytes()
    assert raw == header + body + b"# End: Data Binary 4\n# End: Segment\n"


def test_read_ovf2_binary(tmp_path, field):
    p = tmp_path / "m000003.ovf"
    stored = write_mx3_ovf(p, field, CELL, 3.0007902404237884e-09)
    m = read_ovf(p)
    # exact: binary float32 round-trips bit for bit
    assert m.dtype == np.dtype("<f4")
    np.testing.assert_array_equal(m.values, stored)
    assert np.signbit(m.values[0, 0, 0, 1])  # the -0 survives too
    # exact: Go prints the float64 time with its shortest round-trip digits, and
    # the reader takes it from the two-space Desc line
    assert m.attrs["time"] == 3.0007902404237884e-09
    assert m.attrs["desc"] == "Total simulation time:  3.0007902404237884e-09  s"
    assert m.name == "m" and m.attrs["title"] == "m"
    assert list(m.c.values) == ["x", "y", "z"]
    assert m.attrs["units"] == "1" and m.attrs["valuelabels"] == "m_x m_y m_z"
    assert (m.attrs["ovf_version"], m.attrs["representation"]) == (2, "bin4")
    # cell centres: the same float64 expression as the reader, on the cell size
    # the header gives back exactly, so exact
    for i, ax in enumerate("xyz"):
        n = m.sizes[ax]
        np.testing.assert_array_equal(m[ax].values, (np.arange(n) + 0.5) * CELL[i])
    assert m.attrs["cell"] == CELL
    # exact: xmax = cellsize * n in float64, printed and parsed back exactly
    assert m.attrs["pmax"] == tuple(CELL[i] * n for i, n in enumerate((5, 3, 2)))


def test_read_ovf2_binary_without_mmap(tmp_path, field):
    p = tmp_path / "m000000.ovf"
    stored = write_mx3_ovf(p, field, CELL, 0.0)
    m = read_ovf(p, mmap=False)
    np.testing.assert_array_equal(m.values, stored)  # exact, binary float32
    assert m.attrs["time"] == 0.0  # "Total simulation time:  0  s", exact


def test_read_ovf2_scalar_quantity(tmp_path):
    # A scalar: valuelabels is the bare name, valueunits a single unit.
    p = tmp_path / "Edens_total000001.ovf"
    values = np.linspace(-3e5, 7e5, 2 * 3 * 4).reshape(2, 3, 4).astype(np.float32)
    stored = write_mx3_ovf(p, values, CELL, 1e-11, name="Edens_total", unit="J/m3")
    assert b"# valuelabels: Edens_total\n# valueunits: J/m3\n" in p.read_bytes()
    e = read_ovf(p)
    assert e.name == "Edens_total" and list(e.c.values) == ["Edens_total"]
    assert e.attrs["units"] == "J/m3"
    np.testing.assert_array_equal(e.values, stored)  # exact, binary float32
    assert e.attrs["time"] == 1e-11  # exact, shortest float64 digits


def test_read_ovf2_vector_quantity_with_unit(tmp_path, field):
    p = tmp_path / "B_ext000000.ovf"
    stored = write_mx3_ovf(p, field * np.float32(0.05), CELL, 2e-11, name="B_ext", unit="T")
    b = read_ovf(p)
    assert b.name == "B_ext" and list(b.c.values) == ["x", "y", "z"]
    assert b.attrs["units"] == "T" and b.attrs["valueunits"] == "T T T"
    np.testing.assert_array_equal(b.values, stored)  # exact, binary float32


def test_read_ovf1_binary_big_endian(tmp_path, field):
    p = tmp_path / "m000001.ovf"
    stored = write_mx3_ovf(p, field, CELL, 2.000377037076917e-10, ovf=1)
    raw = p.read_bytes()
    # ovf1.go writeOVF1Header: dsc(out, "Time (s)", t) = hdr(out, "Desc", "Time (s)",
    # ": ", t), spaced by Fprintln; writeOVF1Binary4 swaps to big-endian.
    assert b"# Desc: Time (s) :  2.000377037076917e-10\n" in raw
    assert b"# valueunit: \n# valuemultiplier: 1\n" in raw
    assert np.array([1234567.0], ">f4").tobytes() in raw
    m = read_ovf(p)
    assert m.dtype == np.dtype(">f4")
    np.testing.assert_array_equal(m.values, stored)  # exact, binary float32
    assert m.attrs["time"] == 2.000377037076917e-10  # exact, shortest float64 digits
    assert m.attrs["ovf_version"] == 1
    assert m.name == "m" and list(m.c.values) == ["x", "y", "z"]
    assert m.attrs["units"] == ""  # mumax3 writes meta.Unit as is: "" for m
    for i, ax in enumerate("xyz"):  # same float64 expression as the reader: exact
        np.testing.assert_array_equal(m[ax].values, (np.arange(m.sizes[ax]) + 0.5) * CELL[i])


def test_ovf1_refuses_scalar_fields(tmp_path):
    with pytest.raises(ValueError, match="only supports 3D-vector"):
        write_mx3_ovf(tmp_path / "x.ovf", np.zeros((1, 2, 2)), CELL, 0.0, ovf=1)


@pytest.mark.parametrize("ovf", [2, 1])
def test_read_ovf_text(tmp_path, field, ovf):
    p = tmp_path / "m000000.ovf"
    stored = write_mx3_ovf(p, field, CELL, 1e-9, fmt="text", ovf=ovf)
    raw = p.read_bytes()
    # writeOVFText: each component is Fprint(value, " "), then "\n" per node
    first = "".join(go_format_float(v, 32) + " " for v in stored[0, 0, 0]) + "\n"
    assert ("# Begin: Data Text\n" + first).encode() in raw
    assert raw.endswith(b" \n# End: Data Text\n# End: Segment\n")
    m = read_ovf(p)
    assert m.dtype == np.float64 and m.attrs["representation"] == "text"
    # exact after casting to float32: Go printed each float32 with the shortest
    # digits that read back to it
    np.testing.assert_array_equal(m.values.astype(np.float32), stored)
    # and exactly the float64 nearest to each printed decimal
    expected = np.array([float(go_format_float(v, 32)) for v in stored.ravel()])
    np.testing.assert_array_equal(m.values.ravel(), expected)
    assert m.attrs["time"] == 1e-9  # exact, shortest float64 digits


def test_read_ovf_text_non_finite_values(tmp_path):
    # A diverged simulation: Go's %v prints NaN, +Inf and -Inf (src/fmt/format.go
    # fmtFloat keeps the sign of an infinity), and 1e-45 for float32's smallest
    # subnormal.
    values = np.ones((1, 2, 2, 3), np.float32)
    values[0, 0, 0] = (np.nan, np.inf, -np.inf)
    values[0, 1, 1, 0] = np.float32(1.4e-45)
    p = tmp_path / "m000000.ovf"
    write_mx3_ovf(p, values, CELL, 0.0, fmt="text")
    assert b"# Begin: Data Text\nNaN +Inf -Inf \n" in p.read_bytes()
    assert b"\n1e-45 1 1 \n" in p.read_bytes()
    m = read_ovf(p)
    # exact in float32 (NaN compared as NaN): shortest float32 digits
    np.testing.assert_array_equal(m.values.astype(np.float32), values)


@pytest.mark.parametrize("t", [0.0, 1e-9, 1.0000000000000001e-11, 2.5e-7, 1.2345678901234567e-8])
def test_read_ovf_header_time(tmp_path, field, t):
    p = tmp_path / "m.ovf"
    write_mx3_ovf(p, field, CELL, t)
    h = read_ovf_header(p)
    assert h.time == t  # exact: shortest float64 digits parse back to the same float64
    assert h.nodes == (5, 3, 2) and h.valuedim == 3
    assert h.labels == ("m_x", "m_y", "m_z") and h.units == ("1", "1", "1")
    assert h.representation == "bin4" and h.dtype == "<f4"


def test_truncated_mumax3_file_is_a_format_error(tmp_path, field):
    # A snapshot still being written by mumax3's async output queue.
    p = tmp_path / "m000000.ovf"
    write_mx3_ovf(p, field, CELL, 0.0)
    p.write_bytes(p.read_bytes()[:-60])
    with pytest.raises(FormatError, match="truncated"):
        read_ovf(p)


# --------------------------------------------------------------------------- table.txt


def test_table_bytes_follow_engine_table_go(tmp_path):
    # engine/table.go DataTable.init writes the header, DataTable.Save each row:
    # Fprint(Time) as float64, then Fprint("\t", float32(v)) per value, Fprintln().
    p = tmp_path / "table.txt"
    write_mx3_table(p, MX3_TABLE_COLUMNS,
                    [(0.0, 0, 0, 1, -1e-18, 0, 0, 0),
                     (1.0000000000000001e-11, 0.1, -0.25, 0.9, -1.5e-18, 0, 0, 0.1)])
    assert p.read_text() == (
        "# t (s)\tmx ()\tmy ()\tmz ()\tE_total (J)\tB_extx (T)\tB_exty (T)\tB_extz (T)\n"
        "0\t0\t0\t1\t-1e-18\t0\t0\t0\n"
        "1.0000000000000001e-11\t0.1\t-0.25\t0.9\t-1.5e-18\t0\t0\t0.1\n"
    )


def test_read_table_mumax3(tmp_path):
    rng = np.random.default_rng(5)
    rows = [(i * 1e-11 + rng.uniform(0, 1e-14), *rng.normal(size=3), -rng.uniform() * 1e-18,
             0.0, 0.0, 0.1 * np.sin(i)) for i in range(6)]
    rows[0] = (0.0,) + rows[0][1:]
    p = tmp_path / "table.txt"
    stored = write_mx3_table(p, MX3_TABLE_COLUMNS, rows)
    df = read_table(p)
    assert list(df.columns) == ["t", "mx", "my", "mz", "E_total", "B_extx", "B_exty", "B_extz"]
    assert df.attrs["units"] == {"t": "s", "mx": "", "my": "", "mz": "", "E_total": "J",
                                 "B_extx": "T", "B_exty": "T", "B_extz": "T"}
    assert df.attrs["format"] == "mumax3"
    assert df.attrs["columns"]["E_total"] == "E_total (J)"
    # t: a float64 printed with its shortest digits, so exact
    np.testing.assert_array_equal(df["t"].to_numpy(), stored[:, 0])
    # values: float32 printed with their shortest digits, so exact once cast to float32
    np.testing.assert_array_equal(df.to_numpy()[:, 1:].astype(np.float32),
                                  stored[:, 1:].astype(np.float32))
    # read_mx3_table directly gives the same frame
    assert read_mx3_table(p).equals(df)


def test_read_table_while_mumax3_runs(tmp_path):
    # mumax3 flushes table.txt every TableAutoflushRate (5 s), possibly mid-row.
    p = tmp_path / "table.txt"
    rows = [(i * 1e-11, 0.0, 0.0, 1.0, -1e-18 * i, 0.0, 0.0, 0.01 * i) for i in range(4)]
    stored = write_mx3_table(p, MX3_TABLE_COLUMNS, rows, cut_last_row_at=12)
    with pytest.raises(FormatError, match="partial_last_row"):
        read_table(p)
    df = read_table(p, partial_last_row="drop")
    assert len(df) == 3
    np.testing.assert_array_equal(df["t"].to_numpy(), stored[:3, 0])  # exact, float64 digits


def test_read_table_non_finite_values(tmp_path):
    p = tmp_path / "table.txt"
    write_mx3_table(p, [("m", "", 3)], [(0.0, np.nan, np.inf, -np.inf)])
    assert p.read_text().endswith("\n0\tNaN\t+Inf\t-Inf\n")
    df = read_table(p)
    # exact: Go's NaN/+Inf/-Inf read back as the same non-finite floats
    np.testing.assert_array_equal(df.to_numpy()[0], [0.0, np.nan, np.inf, -np.inf])


def test_table_header_of_user_variable():
    # TableAddVar(f, "f", "Hz") (mumax3 test/table.mx3) is a 1-component column.
    assert mx3_table_header([("m", "", 3), ("f", "Hz", 1)]) == \
        "# t (s)\tmx ()\tmy ()\tmz ()\tf (Hz)\n"


# --------------------------------------------------------------------------- runs


def test_open_run_mumax3_folder(tmp_path):
    run = make_mx3_run(tmp_path / "sim.out", n_frames=4, shape=(2, 4, 8))
    ds = open_run(run.folder)
    assert ds.attrs["kind"] == "mumax3"
    assert ds.attrs["pbc"] == "xy"  # SetPBC(4, 4, 0) in log.txt
    assert {"m", "B_ext"} <= set(ds.data_vars)
    assert ds.m.dims == ("t", "z", "y", "x", "c") and ds.m.shape == (4, 2, 4, 8, 3)
    assert ds.B_ext.attrs["units"] == "T" and ds.m.attrs["units"] == "1"
    assert list(ds.m_file.values) == [f"m{i:06d}.ovf" for i in range(4)]
    # exact: the header times are float64s printed with their shortest digits
    np.testing.assert_array_equal(ds.t.values, run.times)
    # the fields stay on disk until computed
    assert isinstance(ds.m.data, dsa.Array) and isinstance(ds.B_ext.data, dsa.Array)
    assert ds.m.dtype == np.float32
    # exact: binary float32 round-trips bit for bit
    np.testing.assert_array_equal(ds.m.values, run.m)
    np.testing.assert_array_equal(ds.B_ext.values, run.B_ext)
    # table rows at the snapshot times: the columns share t
    for i, col in enumerate(run.table_columns[1:], start=1):
        assert ds[col].dims == ("t",), col
        assert ds[col].attrs["units"] == run.table_units[col]
        # exact once cast to float32: the table holds float32 shortest digits
        np.testing.assert_array_equal(ds[col].values.astype(np.float32),
                                      run.table[:, i].astype(np.float32))
    assert "t_table" not in ds.dims
    # the table's m average is the snapshots' float64 average stored as float32
    # (AverageOf, then float32(v)): equal to within float32 rounding, half an ulp
    # (6e-8 relative)
    mean = ds.m.sel(c="z").astype(np.float64).mean(("x", "y", "z")).values
    np.testing.assert_allclose(ds.mz.values, mean, rtol=1e-7)
    assert ds.attrs["cell"] == run.cellsize  # exact, shortest float64 digits


def test_open_run_reads_fields_lazily(tmp_path):
    run = make_mx3_run(tmp_path / "sim.out", n_frames=3, shape=(1, 2, 3))
    ds = open_run(run.folder)
    # Rewrite one snapshot after opening: the values come from the file as it is
    # when computed, so nothing was read at open time.
    new = write_mx3_ovf(run.files["m"][2], -run.m[2], run.cellsize, run.times[2])
    np.testing.assert_array_equal(ds.m.isel(t=2).values, new)  # exact, binary float32


def test_open_run_table_saved_more_often_goes_along_t_table(tmp_path):
    run = make_mx3_run(tmp_path / "sim.out", n_frames=3, shape=(1, 3, 4), table_per_frame=4)
    ds = open_run(run.folder)
    assert ds.sizes["t"] == 3 and ds.sizes["t_table"] == 9
    assert ds.E_total.dims == ("t_table",) and ds.mx.dims == ("t_table",)
    np.testing.assert_array_equal(ds.t_table.values, run.table[:, 0])  # exact, float64 digits
    # every 4th table row was saved in the same DoOutput call as a snapshot
    np.testing.assert_array_equal(ds.t_table.values[::4], ds.t.values)  # exact: same float64s
    np.testing.assert_array_equal(ds.E_total.values.astype(np.float32),  # exact in float32
                                  run.table[:, 4].astype(np.float32))


def test_open_run_table_with_other_times_goes_along_t_table(tmp_path):
    # As many rows as snapshots, at other times (a TableSave() in the script at
    # other moments): the rows are not the snapshots' rows.
    run = make_mx3_run(tmp_path / "sim.out", n_frames=3, shape=(1, 2, 2))
    rows = [(t + 5e-12, 0.0, 0.0, 1.0, -1e-18, 0.0, 0.0, 0.0) for t in run.times]
    stored = write_mx3_table(run.folder / "table.txt", MX3_TABLE_COLUMNS, rows)
    ds = open_run(run.folder)
    assert ds.E_total.dims == ("t_table",)
    np.testing.assert_array_equal(ds.t_table.values, stored[:, 0])  # exact, float64 digits
    np.testing.assert_array_equal(ds.t.values, run.times)  # exact, float64 digits


def test_open_run_via_mx3_script(tmp_path):
    run = make_mx3_run(tmp_path / "skyrmion.out", n_frames=2, shape=(1, 4, 4))
    assert run.script == tmp_path / "skyrmion.mx3"
    from_script = open_run(run.script)
    from_folder = open_run(run.folder)
    xr.testing.assert_identical(from_script, from_folder)  # the same files, read the same way
    assert from_script.attrs["pbc"] == "xy"


def test_open_run_script_without_output_folder(tmp_path):
    script = tmp_path / "never_run.mx3"
    script.write_text("SetGridSize(4, 4, 1)\n")
    with pytest.raises(FormatError, match="never_run.out"):
        open_run(script)


@pytest.mark.parametrize("pbc, expected", [(None, ""), ((0, 0, 2), "z"), ((1, 0, 0), "x")])
def test_open_run_pbc_from_log(tmp_path, pbc, expected):
    run = make_mx3_run(tmp_path / "sim.out", n_frames=1, shape=(1, 2, 2), pbc=pbc)
    assert open_run(run.folder).attrs["pbc"] == expected
    assert open_run(run.folder, pbc="xyz").attrs["pbc"] == "xyz"  # the argument wins


def test_open_run_without_log(tmp_path):
    run = make_mx3_run(tmp_path / "sim.out", n_frames=1, shape=(1, 2, 2), log=False)
    assert open_run(run.folder).attrs["pbc"] == ""


@pytest.mark.parametrize("fmt, ovf", [("text", 2), ("binary", 1), ("text", 1)])
def test_open_run_other_output_formats(tmp_path, fmt, ovf):
    # OutputFormat = OVF2_TEXT, OVF1_BINARY, OVF1_TEXT (engine/save.go)
    run = make_mx3_run(tmp_path / "sim.out", n_frames=2, shape=(1, 3, 4), fmt=fmt, ovf=ovf)
    ds = open_run(run.folder)
    np.testing.assert_array_equal(ds.t.values, run.times)  # exact, float64 digits
    # exact in float32: binary round-trips, text holds float32 shortest digits
    np.testing.assert_array_equal(ds.m.values.astype(np.float32), run.m)
    np.testing.assert_array_equal(ds.B_ext.values.astype(np.float32), run.B_ext)
    assert ds.m.dtype == (np.float64 if fmt == "text" else np.float32)


def test_open_run_quantity_name_ending_in_a_digit(tmp_path):
    run = make_mx3_run(tmp_path / "sim.out", n_frames=2, shape=(1, 2, 3))
    for name, value in (("Ku1", 4.5e5), ("Ku2", -1.2e4)):
        for i, t in enumerate(run.times):
            write_mx3_ovf(run.folder / f"{name}{i:06d}.ovf", np.full((1, 2, 3), value), run.cellsize,
                          t, name=name, unit="J/m3")
    ds = open_run(run.folder)
    assert {"Ku1", "Ku2"} <= set(ds.data_vars)
    assert float(ds.Ku1.isel(t=0).max()) == 4.5e5  # exact: 4.5e5 is a float32
