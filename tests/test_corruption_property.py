"""Property tests: a damaged file is refused with FormatError, or read -- nothing else.

Hypothesis generates valid files -- OVF 1.0 / 2.0 in text, binary 4 and binary 8
with random small shapes and random float64 values (written by
:func:`analysis.ovf.write_ovf`), OOMMF ODT tables and mumax3 tables (written here
following the formats) -- checks that they read back exactly, then damages them:

* truncation at a random byte. An OVF file must then be refused, unless only
  bytes after ``# End: Segment`` were cut (then the data is the original). A
  table must be refused or read as a prefix of its rows, with the same columns
  (never a changed value, never a row that was cut short);
* a random byte overwritten, random bytes inserted or deleted: reading must
  raise ``FormatError`` naming the file and a line or byte offset inside it, or
  return; no other exception may escape;
* in an OVF text data block, a digit replaced by a letter must be refused at its
  line.
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from analysis.errors import FormatError
from analysis.ovf import read_ovf, write_ovf
from analysis.tables import read_table

EXAMPLES = 800
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("corrupt")


# --------------------------------------------------------------------------- outcomes


def check_error(err: FormatError, path: Path) -> None:
    """The FormatError names the file and a place that exists in it."""
    assert type(err) is FormatError
    assert err.path == str(path)
    assert str(path) in str(err)
    assert err.line is not None or err.offset is not None, str(err)
    raw = path.read_bytes()
    if err.line is not None:
        assert 1 <= err.line <= raw.count(b"\n") + 1, str(err)
    if err.offset is not None:
        assert 0 <= err.offset <= len(raw), str(err)


def outcome(read, path: Path):
    """What reading ``path`` gives, or the (checked) FormatError it raises.

    Any other exception propagates and fails the test.
    """
    try:
        return read(path)
    except FormatError as err:
        check_error(err, path)
        return err


def read_ovf_values(path: Path) -> np.ndarray:
    return np.asarray(read_ovf(path, mmap=False).values)


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def corrupt(raw: bytes, data: st.DataObject) -> bytes:
    """Overwrite one byte, insert 1-4 bytes or delete 1-4 bytes at a random place."""
    kind = data.draw(st.sampled_from(["overwrite", "insert", "delete"]), label="kind")
    pos = data.draw(st.integers(0, len(raw) - 1), label="pos")
    if kind == "overwrite":
        byte = data.draw(st.binary(min_size=1, max_size=1).filter(lambda b: b != raw[pos:pos + 1]),
                         label="byte")
        return raw[:pos] + byte + raw[pos + 1:]
    if kind == "insert":
        return raw[:pos] + data.draw(st.binary(min_size=1, max_size=4), label="bytes") + raw[pos:]
    n = data.draw(st.integers(1, 4), label="n")
    return raw[:pos] + raw[pos + n:]


def cut_position(raw: bytes, data: st.DataObject) -> int:
    """A byte count to keep, < len(raw); often near the end, where the closing lines are."""
    n = len(raw)
    return data.draw(st.integers(0, n - 1) | st.integers(max(0, n - 64), n - 1), label="cut")


# --------------------------------------------------------------------------- OVF files


@st.composite
def ovf_files(draw, representation=None):
    version = draw(st.sampled_from([1, 2]), label="version")
    rep = representation or draw(st.sampled_from(["text", "bin4", "bin8"]), label="rep")
    nx, ny, nz = (draw(st.integers(1, 5)) for _ in range(3))
    dim = 3 if version == 1 else draw(st.integers(1, 4), label="valuedim")
    # binary 4 stores float32: draw values it holds exactly, so reading back is exact
    width = 32 if rep == "bin4" else 64
    values = draw(hnp.arrays(np.float64, (nz, ny, nx, dim),
                             elements=st.floats(width=width)), label="values")
    cell = tuple(draw(st.floats(1e-10, 1e-8)) for _ in range(3))
    pmin = tuple(draw(st.floats(-1e-6, 1e-6)) for _ in range(3))
    time = draw(st.none() | st.floats(0, 1e-6), label="time")
    return dict(values=values, representation=rep, version=version, cell=cell, pmin=pmin,
                time=time)


def write_valid_ovf(workdir: Path, spec: dict) -> tuple[Path, bytes, np.ndarray]:
    """Write the file, check that it reads back exactly, return it and its bytes."""
    path = workdir / "valid.ovf"
    write_ovf(path, spec["values"], representation=spec["representation"],
              version=spec["version"], cell=spec["cell"], pmin=spec["pmin"], title="m",
              time=spec["time"], units="A/m",
              desc=["Iteration: 113, State id: 842", "Stage: 1, Stage iteration: 50"],
              overwrite=True)
    got = read_ovf_values(path)
    assert same(got, spec["values"])
    return path, path.read_bytes(), got


@SETTINGS
@given(spec=ovf_files(), data=st.data())
def test_ovf_truncated_anywhere_is_refused(workdir, spec, data):
    _, raw, original = write_valid_ovf(workdir, spec)
    cut = cut_position(raw, data)
    path = workdir / "truncated.ovf"
    path.write_bytes(raw[:cut])
    result = outcome(read_ovf_values, path)
    end_segment = raw.rindex(b"# End: Segment") + len(b"# End: Segment")
    if cut >= end_segment:  # only the final newline is gone: still a complete file
        assert not isinstance(result, FormatError), str(result)
        assert same(result, original)
    else:
        assert isinstance(result, FormatError), f"cut at {cut} of {len(raw)} bytes was read"


@SETTINGS
@given(spec=ovf_files(), data=st.data())
def test_ovf_corrupted_bytes_raise_only_format_error(workdir, spec, data):
    _, raw, original = write_valid_ovf(workdir, spec)
    path = workdir / "corrupted.ovf"
    path.write_bytes(corrupt(raw, data))
    result = outcome(read_ovf_values, path)
    if not isinstance(result, FormatError):
        assert isinstance(result, np.ndarray) and result.ndim == 4


# Replacing a digit by 'e' or 'E' can give another valid number ('1.05' -> '1.e5',
# '123' -> '1e3'), which no reader can tell from a valid file; every other letter
# makes the token a non-number.
NOT_EXPONENT_LETTERS = [c for c in string.ascii_letters if c not in "eE"]


@SETTINGS
@given(spec=ovf_files(representation="text"), data=st.data())
def test_ovf_text_digit_replaced_by_a_letter_is_refused_at_its_line(workdir, spec, data):
    _, raw, _ = write_valid_ovf(workdir, spec)
    start = raw.index(b"\n", raw.index(b"# Begin: Data Text")) + 1
    end = raw.index(b"# End: Data Text")
    digits = [i for i in range(start, end) if raw[i:i + 1].isdigit()]
    assume(digits)  # all values nan/inf: no digit to replace
    pos = data.draw(st.sampled_from(digits), label="pos")
    letter = data.draw(st.sampled_from(NOT_EXPONENT_LETTERS), label="letter").encode()
    path = workdir / "letter.ovf"
    path.write_bytes(raw[:pos] + letter + raw[pos + 1:])
    result = outcome(read_ovf_values, path)
    assert isinstance(result, FormatError), f"{letter!r} at byte {pos} was read"
    assert result.line == raw[:pos].count(b"\n") + 1, str(result)


# --------------------------------------------------------------------------- tables

ODT_COLUMNS = [
    ("Oxs_TimeDriver::Simulation time", "s"),
    ("Oxs_TimeDriver::Iteration", "{}"),
    ("Oxs_TimeDriver::mx", "{}"),
    ("Oxs_TimeDriver::my", "{}"),
    ("Oxs_TimeDriver::mz", "{}"),
    ("Oxs_UniformExchange::Energy", "J"),
    ("Oxs_UniformExchange::Max Spin Ang", "deg"),
    ("Oxs_RungeKuttaEvolve:evolve:Max dm/dt", "deg/ns"),
    ("Oxs_DMI_Cnv_z::Energy", "J"),
]
MX3_COLUMNS = [("mx", ""), ("my", ""), ("mz", ""), ("E_total", "J"), ("B_extx", "T"),
               ("m.region1x", ""), ("ext_topologicalcharge", "")]


def tcl(word: str) -> str:
    return "{" + word + "}" if " " in word else word


@st.composite
def odt_tables(draw):
    """An ODT file as OOMMF writes it, and the numbers its rows hold."""
    cols = draw(st.lists(st.sampled_from(ODT_COLUMNS), min_size=1, max_size=5, unique=True))
    n_rows = draw(st.integers(0, 6), label="rows")
    values = draw(hnp.arrays(np.float64, (n_rows, len(cols)), elements=st.floats()))
    pad = draw(st.integers(0, 3), label="padding")
    lines = ["# ODT 1.0", "# Table Start", "# Title: mmArchive Data Table",
             "# Columns: " + " ".join(tcl(name) for name, _ in cols),
             "# Units: " + " ".join(unit for _, unit in cols)]
    lines += [" " * pad + (" " * (pad + 1)).join("%.17g" % v for v in row) for row in values]
    if draw(st.booleans(), label="table end"):
        lines.append("# Table End")
    units = ["" if unit == "{}" else unit for _, unit in cols]
    return "\n".join(lines) + "\n", values, units


@st.composite
def mx3_tables(draw):
    """A mumax3 table.txt (engine/table.go): float64 time, float32 values, tabs."""
    cols = draw(st.lists(st.sampled_from(MX3_COLUMNS), max_size=5, unique=True))
    n_rows = draw(st.integers(0, 6), label="rows")
    text = "# t (s)" + "".join(f"\t{name} ({unit})" for name, unit in cols) + "\n"
    rows = []
    for _ in range(n_rows):
        t = draw(st.floats(0, 1e-6))
        vals = draw(st.lists(st.floats(width=32), min_size=len(cols), max_size=len(cols)))
        fields = [repr(t)] + [str(np.float32(v)) for v in vals]
        rows.append([float(f) for f in fields])
        text += "\t".join(fields) + "\n"
    units = ["s"] + [unit for _, unit in cols]
    return text, np.array(rows, dtype=np.float64).reshape(n_rows, len(cols) + 1), units


def write_valid_table(workdir: Path, name: str, table) -> tuple[bytes, pd.DataFrame]:
    text, values, units = table
    path = workdir / name
    path.write_bytes(text.encode())
    df = read_table(path)
    assert same(df.to_numpy(dtype=np.float64), values)
    assert list(df.attrs["units"].values()) == units
    return path.read_bytes(), df


def check_prefix(result, original: pd.DataFrame) -> None:
    """``result`` is a FormatError, or the first rows of ``original`` unchanged."""
    if isinstance(result, FormatError):
        return
    assert list(result.columns) == list(original.columns)
    k = len(result)
    assert k <= len(original)
    assert same(result.to_numpy(dtype=np.float64), original.to_numpy(dtype=np.float64)[:k])
    units = result.attrs["units"]
    # a truncated file may lack its '# Units:' line, never hold a cut-short one
    assert units == original.attrs["units"] or set(units.values()) <= {""}, units


TABLES = st.one_of(st.tuples(st.just("table.odt"), odt_tables()),
                   st.tuples(st.just("table.txt"), mx3_tables()))
PARTIAL = st.sampled_from(["raise", "drop"])


@SETTINGS
@given(table=TABLES, partial=PARTIAL, data=st.data())
def test_table_truncated_anywhere_gives_a_prefix_of_its_rows(workdir, table, partial, data):
    name, spec = table
    raw, original = write_valid_table(workdir, name, spec)
    cut = cut_position(raw, data)
    path = workdir / f"truncated-{name}"
    path.write_bytes(raw[:cut])
    result = outcome(lambda p: read_table(p, partial_last_row=partial), path)
    check_prefix(result, original)
    kept = raw[:cut]
    complete, _, partial_line = kept.rpartition(b"\n")
    if partial == "raise" and is_data_row(partial_line):
        assert isinstance(result, FormatError), "a row cut short was read"
    if not isinstance(result, FormatError):
        # every complete row is there, and only those
        assert len(result) == sum(map(is_data_row, complete.split(b"\n")))


def is_data_row(line: bytes) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith(b"#")


@SETTINGS
@given(table=TABLES, partial=PARTIAL, data=st.data())
def test_table_corrupted_bytes_raise_only_format_error(workdir, table, partial, data):
    name, spec = table
    raw, _ = write_valid_table(workdir, name, spec)
    path = workdir / f"corrupted-{name}"
    path.write_bytes(corrupt(raw, data))
    result = outcome(lambda p: read_table(p, partial_last_row=partial), path)
    if not isinstance(result, FormatError):
        assert isinstance(result, pd.DataFrame)
