"""Bad input raises exactly :class:`FormatError`, naming the file and the place.

One test per way a file can be wrong. Each builds its input from a valid file
(written by :func:`analysis.ovf.write_ovf` from a small random array, or copied
from ``tests/data/oommf/small.odt``, or a mumax3 table written here), breaks it
in one known way, and checks that the reader raises ``FormatError`` -- not a
subclass, not ``ValueError``/``IndexError``/``struct.error`` -- whose ``path``
is the file and whose ``line`` (1-based) or ``offset`` (0-based byte) is the
place computed here from the broken file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import FormatError
from analysis.mx3_table import read_mx3_table
from analysis.odt import read_odt
from analysis.ovf import read_ovf, read_ovf_header, write_ovf
from analysis.ovf_header import CHECK_VALUES
from analysis.tables import read_table
from conftest import OOMMF

CELL = (1e-9, 2e-9, 3e-9)
SHAPE = (2, 3, 4, 3)  # (nz, ny, nx, valuedim)


# --------------------------------------------------------------------------- helpers


def make_ovf(tmp_path: Path, representation: str = "bin8", version: int = 2,
             shape=SHAPE, name: str = "m.ovf", seed: int = 0) -> tuple[Path, np.ndarray]:
    """A valid OVF file of random values, and the values it holds."""
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape)
    path = tmp_path / name
    write_ovf(path, values, representation=representation, version=version, cell=CELL,
              title="m", time=1e-12)
    if representation == "bin4":
        values = values.astype(np.float32).astype(np.float64)
    # the valid file reads back exactly: every failure below is caused by the edit
    np.testing.assert_array_equal(np.asarray(read_ovf(path, mmap=False).values), values)
    return path, values


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


def line_number(path: Path, prefix: bytes) -> int:
    """1-based number of the first line of ``path`` that starts with ``prefix``."""
    for i, line in enumerate(lines_of(path)):
        if line.startswith(prefix):
            return i + 1
    raise AssertionError(f"no line starting with {prefix!r} in {path}")


def replace_line(path: Path, prefix: bytes, new: bytes | None) -> int:
    """Replace (or, with ``new=None``, delete) the line starting with ``prefix``.

    Returns the 1-based number the line had.
    """
    lines = lines_of(path)
    n = line_number(path, prefix)
    if new is None:
        del lines[n - 1]
    else:
        lines[n - 1] = new
    path.write_bytes(b"\n".join(lines))
    return n


def data_offset(path: Path) -> int:
    """Byte offset just after the ``# Begin: Data ...`` line."""
    raw = path.read_bytes()
    start = raw.index(b"# Begin: Data")
    return raw.index(b"\n", start) + 1


def ovf_error(path: Path) -> FormatError:
    """Read ``path`` fully and return the FormatError it must raise."""
    with pytest.raises(FormatError) as info:
        np.asarray(read_ovf(path, mmap=False).values)
    return checked(info.value, path)


def table_error(read, path: Path, **kwargs) -> FormatError:
    with pytest.raises(FormatError) as info:
        read(path, **kwargs)
    return checked(info.value, path)


def checked(err: FormatError, path: Path) -> FormatError:
    assert type(err) is FormatError
    assert err.path == str(path)
    assert str(path) in str(err)
    assert err.expected and "expected" in str(err)
    return err


def assert_line(err: FormatError, line: int) -> None:
    assert err.line == line, str(err)
    assert f"line {line}" in str(err)


def assert_offset(err: FormatError, offset: int) -> None:
    assert err.offset == offset, str(err)
    assert f"byte {offset}" in str(err)


# --------------------------------------------------------------------------- OVF: binary data


def truncate_in_data(path: Path, itemsize: int) -> int:
    """Cut the file after the check value and half of the data values."""
    raw = path.read_bytes()
    n_values = int(np.prod(SHAPE))
    cut = data_offset(path) + itemsize + (n_values // 2) * itemsize + 1  # mid-value
    path.write_bytes(raw[:cut])
    return cut


def test_truncated_ovf2_binary4_data(tmp_path):
    path, _ = make_ovf(tmp_path, "bin4")
    size = truncate_in_data(path, 4)
    err = ovf_error(path)
    assert_offset(err, size)  # the data ends early: the error is at the end of the file
    assert "truncated" in err.expected


def test_truncated_ovf2_binary8_data(tmp_path):
    path, _ = make_ovf(tmp_path, "bin8")
    size = truncate_in_data(path, 8)
    err = ovf_error(path)
    assert_offset(err, size)
    assert "truncated" in err.expected


def test_truncated_ovf1_big_endian_data(tmp_path):
    path, _ = make_ovf(tmp_path, "bin8", version=1)
    assert read_ovf_header(path).dtype == ">f8"
    size = truncate_in_data(path, 8)
    err = ovf_error(path)
    assert_offset(err, size)


def test_truncated_ovf1_big_endian_binary4_data(tmp_path):
    path, _ = make_ovf(tmp_path, "bin4", version=1)
    assert read_ovf_header(path).dtype == ">f4"
    size = truncate_in_data(path, 4)
    err = ovf_error(path)
    assert_offset(err, size)


def test_truncated_right_after_the_check_value(tmp_path):
    path, _ = make_ovf(tmp_path, "bin8")
    cut = data_offset(path) + 8
    path.write_bytes(path.read_bytes()[:cut])
    assert_offset(ovf_error(path), cut)


def test_wrong_check_value(tmp_path):
    path, _ = make_ovf(tmp_path, "bin8")
    raw = bytearray(path.read_bytes())
    start = data_offset(path)
    assert np.frombuffer(raw[start:start + 8], "<f8")[0] == CHECK_VALUES[8]
    raw[start:start + 8] = np.array([123456789012346.0], "<f8").tobytes()
    path.write_bytes(bytes(raw))
    err = ovf_error(path)
    assert_offset(err, start)
    assert "check value" in err.expected


def test_check_value_in_the_wrong_byte_order(tmp_path):
    # big-endian data in a file that says OVF 2.0 (which is little-endian)
    path, _ = make_ovf(tmp_path, "bin4")
    raw = bytearray(path.read_bytes())
    start = data_offset(path)
    raw[start:start + 4] = np.array([CHECK_VALUES[4]], ">f4").tobytes()
    path.write_bytes(bytes(raw))
    assert_offset(ovf_error(path), start)


def test_binary_data_longer_than_the_header_says(tmp_path):
    # one value too many: '# End: Data' is not where the node count puts it
    path, _ = make_ovf(tmp_path, "bin8")
    raw = path.read_bytes()
    end = data_offset(path) + 8 + int(np.prod(SHAPE)) * 8
    path.write_bytes(raw[:end] + np.array([1.0], "<f8").tobytes() + raw[end:])
    assert_offset(ovf_error(path), end)


# --------------------------------------------------------------------------- OVF: header


def test_missing_xnodes(tmp_path):
    path, _ = make_ovf(tmp_path)
    replace_line(path, b"# xnodes:", None)
    err = ovf_error(path)
    # a missing field is noticed when the header ends: at the '# Begin: Data' line
    assert_line(err, line_number(path, b"# Begin: Data"))
    assert "xnodes" in err.expected


def test_xnodes_not_an_integer(tmp_path):
    path, _ = make_ovf(tmp_path)
    n = replace_line(path, b"# xnodes:", b"# xnodes: 4.5")
    err = ovf_error(path)
    assert_line(err, n)
    assert "xnodes" in err.expected and err.found == "4.5"


def test_xnodes_zero(tmp_path):
    path, _ = make_ovf(tmp_path)
    n = replace_line(path, b"# xnodes:", b"# xnodes: 0")
    assert_line(ovf_error(path), n)


def test_xmax_contradicts_xnodes_times_xstepsize(tmp_path):
    path, _ = make_ovf(tmp_path)  # xnodes 4, xstepsize 1e-9, xmin 0
    n = replace_line(path, b"# xmax:", b"# xmax: 5e-09")
    err = ovf_error(path)
    assert_line(err, n)
    assert "xnodes * xstepsize" in err.expected


def test_node_count_off_by_one_contradicts_the_extent(tmp_path):
    path, _ = make_ovf(tmp_path)  # ynodes 3, ystepsize 2e-9, ymax 6e-9
    replace_line(path, b"# ynodes:", b"# ynodes: 4")
    err = ovf_error(path)
    # the contradiction is reported at the line that completes it: ymax
    assert_line(err, line_number(path, b"# ymax:"))
    assert "ynodes * ystepsize" in err.expected


def test_stepsize_that_is_zero_in_metres(tmp_path):
    # positive in the file, but 0.0 once converted from nm to m
    path, _ = make_ovf(tmp_path)
    replace_line(path, b"# meshunit:", b"# meshunit: nm")
    n = replace_line(path, b"# zstepsize:", b"# zstepsize: 1e-316")
    err = ovf_error(path)
    assert_line(err, n)


def test_xbase_not_the_first_cell_centre(tmp_path):
    path, _ = make_ovf(tmp_path)
    n = replace_line(path, b"# xbase:", b"# xbase: 0.0")
    assert_line(ovf_error(path), n)


def test_valuelabels_count_differs_from_valuedim(tmp_path):
    path, _ = make_ovf(tmp_path)  # valuedim 3
    n = replace_line(path, b"# valuelabels:", b"# valuelabels: m_x m_y")
    err = ovf_error(path)
    assert_line(err, n)
    assert "valuelabels" in err.expected


def test_valueunits_count_differs_from_valuedim(tmp_path):
    path, _ = make_ovf(tmp_path)
    n = replace_line(path, b"# valueunits:", b"# valueunits: A/m A/m A/m A/m")
    assert_line(ovf_error(path), n)


def test_missing_valuedim_in_ovf2(tmp_path):
    path, _ = make_ovf(tmp_path)
    replace_line(path, b"# valuedim:", None)
    err = ovf_error(path)
    assert_line(err, line_number(path, b"# Begin: Data"))
    assert "valuedim" in err.expected


def test_unknown_data_representation(tmp_path):
    path, _ = make_ovf(tmp_path)
    n = replace_line(path, b"# Begin: Data", b"# Begin: Data Binary 2")
    err = ovf_error(path)
    assert_line(err, n)
    assert err.found == "Data Binary 2"


def test_data_representation_missing(tmp_path):
    path, _ = make_ovf(tmp_path)
    n = replace_line(path, b"# Begin: Data", b"# Begin: Data")
    assert_line(ovf_error(path), n)


def test_wrong_first_line(tmp_path):
    path, _ = make_ovf(tmp_path)
    replace_line(path, b"# OOMMF OVF 2.0", b"# OOMMF OVF 3.0")
    err = ovf_error(path)
    assert_line(err, 1)
    assert err.found == "# OOMMF OVF 3.0"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.ovf"
    path.write_bytes(b"")
    assert_line(ovf_error(path), 1)


def test_header_line_without_a_hash(tmp_path):
    path, _ = make_ovf(tmp_path)
    n = replace_line(path, b"# Title:", b"Title: m")
    assert_line(ovf_error(path), n)


def test_file_ends_inside_the_header(tmp_path):
    path, _ = make_ovf(tmp_path)
    raw = path.read_bytes()
    cut = raw.index(b"# ynodes:") + 5  # mid-line
    path.write_bytes(raw[:cut])
    n_lines = raw[:cut].count(b"\n") + 1
    assert_line(ovf_error(path), n_lines)


def test_valuemultiplier_is_applied(tmp_path):
    path, values = make_ovf(tmp_path, "bin8", version=1)
    replace_line(path, b"# valuemultiplier:", b"# valuemultiplier: 2.5")
    np.testing.assert_array_equal(np.asarray(read_ovf(path, mmap=False).values), values * 2.5)


def test_valuemultiplier_that_overflows_the_values(tmp_path):
    # the file means numbers beyond float64: refused, not returned as inf
    path, _ = make_ovf(tmp_path, "text", version=1)
    n = replace_line(path, b"# valuemultiplier:", b"# valuemultiplier: 1e308")
    err = ovf_error(path)
    assert_line(err, n)
    assert "valuemultiplier" in err.expected


def test_unicode_digit_in_a_desc_counter_is_not_a_crash(tmp_path):
    # Desc is free text: a counter that is not a plain number is just not picked up
    path, values = make_ovf(tmp_path)
    replace_line(path, b"# Desc:", "# Desc: Iteration: \u00b2, Stage: 1".encode())
    m = read_ovf(path, mmap=False)
    np.testing.assert_array_equal(np.asarray(m.values), values)
    assert "iteration" not in m.attrs and m.attrs["stage"] == 1


# --------------------------------------------------------------------------- OVF: text data


def text_data_line(path: Path, k: int) -> int:
    """1-based line number of the k-th (0-based) data line of a text OVF."""
    return line_number(path, b"# Begin: Data Text") + 1 + k


def edit_text_line(path: Path, k: int, edit) -> int:
    lines = lines_of(path)
    n = text_data_line(path, k)
    lines[n - 1] = edit(lines[n - 1])
    path.write_bytes(b"\n".join(lines))
    return n


def test_text_line_with_two_values_instead_of_three(tmp_path):
    path, _ = make_ovf(tmp_path, "text")
    n = edit_text_line(path, 5, lambda line: b" ".join(line.split()[:2]))
    err = ovf_error(path)
    assert_line(err, n)
    assert "3 values" in err.expected


def test_text_line_with_four_values(tmp_path):
    path, _ = make_ovf(tmp_path, "text")
    n = edit_text_line(path, 0, lambda line: line + b" 1.0")
    assert_line(ovf_error(path), n)


def test_text_line_with_a_non_number(tmp_path):
    path, _ = make_ovf(tmp_path, "text")
    n = edit_text_line(path, 7, lambda line: b" ".join(line.split()[:2] + [b"0.5x"]))
    err = ovf_error(path)
    assert_line(err, n)
    assert err.found == "0.5x"


@pytest.mark.parametrize("word", [b"NA", b"null", b"None", b"N/A"])
def test_text_line_with_a_missing_value_word(tmp_path, word):
    # pandas reads these as NaN; in an OVF file they are not numbers
    path, _ = make_ovf(tmp_path, "text")
    n = edit_text_line(path, 3, lambda line: b" ".join(line.split()[:2] + [word]))
    err = ovf_error(path)
    assert_line(err, n)
    assert err.found == word.decode()


@pytest.mark.parametrize("extra", [b"nan", b"NaN", b"NA"])
def test_text_line_with_an_extra_nan_value(tmp_path, extra):
    # four values on a line of a 3-valued field, even when the fourth reads as NaN
    path, _ = make_ovf(tmp_path, "text")
    n = edit_text_line(path, 6, lambda line: line + b" " + extra)
    err = ovf_error(path)
    assert_line(err, n)
    assert "3 values" in err.expected


def test_text_nan_and_inf_are_numbers(tmp_path):
    path, values = make_ovf(tmp_path, "text")
    edit_text_line(path, 2, lambda line: b"nan -inf NaN")
    values = values.copy()
    values.reshape(-1, 3)[2] = [np.nan, -np.inf, np.nan]
    np.testing.assert_array_equal(np.asarray(read_ovf(path, mmap=False).values), values)


def test_text_digit_replaced_by_a_letter(tmp_path):
    path, _ = make_ovf(tmp_path, "text")
    n = edit_text_line(path, 11, lambda line: line[:-1] + b"o")
    assert_line(ovf_error(path), n)


def test_text_missing_a_data_line(tmp_path):
    path, _ = make_ovf(tmp_path, "text")
    lines = lines_of(path)
    first = text_data_line(path, 0)
    del lines[first - 1]
    path.write_bytes(b"\n".join(lines))
    err = ovf_error(path)
    n_nodes = int(np.prod(SHAPE[:3]))
    # counted to the last line before '# End: Data'
    assert_line(err, first + n_nodes - 2)
    assert f"{n_nodes} data lines" in err.expected


def test_text_missing_end_data(tmp_path):
    path, _ = make_ovf(tmp_path, "text")
    replace_line(path, b"# End: Data", None)
    err = ovf_error(path)
    # searched to the end of the file without finding it
    assert_offset(err, path.stat().st_size)
    assert "End: Data" in err.expected


def test_binary_missing_end_data(tmp_path):
    path, _ = make_ovf(tmp_path, "bin8")
    replace_line(path, b"# End: Data", None)
    err = ovf_error(path)
    # right after the last value is where it belongs
    assert_offset(err, data_offset(path) + 8 + int(np.prod(SHAPE)) * 8)
    assert "End: Data" in err.expected


def test_missing_end_segment(tmp_path):
    path, _ = make_ovf(tmp_path, "text")
    replace_line(path, b"# End: Segment", None)
    err = ovf_error(path)
    assert_offset(err, path.stat().st_size)
    assert "End: Segment" in err.expected


# --------------------------------------------------------------------------- ODT tables


def copy_odt(tmp_path: Path) -> Path:
    path = tmp_path / "small.odt"
    shutil.copyfile(OOMMF / "small.odt", path)
    return path


def data_line_numbers(path: Path) -> list[int]:
    """1-based numbers of the lines of a table that hold numbers."""
    return [i + 1 for i, line in enumerate(lines_of(path))
            if line.strip() and not line.lstrip().startswith(b"#")]


def test_odt_ragged_row(tmp_path):
    path = copy_odt(tmp_path)
    n = data_line_numbers(path)[3]
    lines = lines_of(path)
    lines[n - 1] = b" ".join(lines[n - 1].split()[:-1])  # one value short
    path.write_bytes(b"\n".join(lines))
    err = table_error(read_odt, path)
    assert_line(err, n)
    assert "20 values" in err.expected
    assert_line(table_error(read_table, path), n)


def test_odt_row_with_a_non_number(tmp_path):
    path = copy_odt(tmp_path)
    n = data_line_numbers(path)[1]
    lines = lines_of(path)
    tokens = lines[n - 1].split()
    tokens[4] = b"1.0e-0x"
    lines[n - 1] = b" ".join(tokens)
    path.write_bytes(b"\n".join(lines))
    err = table_error(read_table, path)
    assert_line(err, n)
    assert err.found == "1.0e-0x"


def cut_odt_mid_number(path: Path) -> int:
    """Cut the file in the middle of the last number of its last row."""
    n = data_line_numbers(path)[-1]
    lines = lines_of(path)
    row = lines[n - 1].rstrip()
    cut = row.rindex(b".") + 3  # a few digits into the last value
    path.write_bytes(b"\n".join(lines[: n - 1] + [row[:cut]]))
    return n


def test_odt_row_without_a_newline(tmp_path):
    path = copy_odt(tmp_path)
    n = cut_odt_mid_number(path)
    err = table_error(read_table, path)
    assert_line(err, n)
    assert "newline" in err.expected


def test_odt_partial_last_row_drop(tmp_path):
    path = copy_odt(tmp_path)
    full = read_odt(OOMMF / "small.odt")
    cut_odt_mid_number(path)
    df = read_table(path, partial_last_row="drop")
    pd.testing.assert_frame_equal(df, full.iloc[:-1])
    assert df.attrs["units"] == full.attrs["units"]


def test_odt_units_count_differs_from_columns(tmp_path):
    path = copy_odt(tmp_path)
    n = replace_line(path, b"# Units:", b"# Units: s J")
    err = table_error(read_odt, path)
    assert_line(err, n)


def test_odt_file_ends_inside_the_columns_line(tmp_path):
    # the header names fewer columns than it will: no table, not a narrower one
    path = copy_odt(tmp_path)
    raw = path.read_bytes()
    n = line_number(path, b"# Columns:")
    cut = raw.index(b"Oxs_UniformExchange::Energy")
    path.write_bytes(raw[:cut])
    assert_line(table_error(read_odt, path), n)


def test_odt_file_ends_inside_the_units_line(tmp_path):
    path = copy_odt(tmp_path)
    raw = path.read_bytes()
    n = line_number(path, b"# Units:")
    start = raw.index(b"# Units:")
    cut = raw.index(b"deg/ns", start) + 3  # 'deg' of 'deg/ns'
    path.write_bytes(raw[:cut])
    assert_line(table_error(read_odt, path), n)


def test_odt_wrong_first_line(tmp_path):
    path = copy_odt(tmp_path)
    replace_line(path, b"# ODT 1.0", b"# XDT 1.0")
    assert_line(table_error(read_odt, path), 1)
    assert_line(table_error(read_table, path), 1)


# --------------------------------------------------------------------------- mumax3 tables

MX3_HEADER = "# t (s)\tmx ()\tmy ()\tmz ()\tE_total (J)\tB_extx (T)"


def make_mx3(tmp_path: Path, n_rows: int = 6, header: str = MX3_HEADER) -> tuple[Path, np.ndarray]:
    """A mumax3 table as engine/table.go writes it: float64 time, float32 values, tabs.

    Returns the file and the numbers its rows hold (as float64 reads them).
    """
    rng = np.random.default_rng(1)
    text = header + "\n"
    rows = []
    for i in range(n_rows):
        fields = [repr(i * 1e-12)] + [str(np.float32(v)) for v in rng.standard_normal(5)]
        rows.append([float(f) for f in fields])
        text += "\t".join(fields) + "\n"
    path = tmp_path / "table.txt"
    path.write_text(text)
    return path, np.array(rows)


def test_mx3_valid_table_reads(tmp_path):
    path, values = make_mx3(tmp_path)
    df = read_table(path)
    assert list(df.columns) == ["t", "mx", "my", "mz", "E_total", "B_extx"]
    np.testing.assert_array_equal(df.to_numpy(), values)
    assert df.attrs["units"]["B_extx"] == "T" and df.attrs["units"]["mx"] == ""


def test_mx3_ragged_row(tmp_path):
    path, _ = make_mx3(tmp_path)
    lines = lines_of(path)
    n = 4  # header, then rows 0, 1, 2
    lines[n - 1] = b"\t".join(lines[n - 1].split(b"\t")[:-2])
    path.write_bytes(b"\n".join(lines))
    err = table_error(read_mx3_table, path)
    assert_line(err, n)
    assert "6 values" in err.expected
    assert_line(table_error(read_table, path), n)


def test_mx3_row_with_a_non_number(tmp_path):
    path, _ = make_mx3(tmp_path)
    lines = lines_of(path)
    n = 3
    fields = lines[n - 1].split(b"\t")
    fields[2] = b"nope"
    lines[n - 1] = b"\t".join(fields)
    path.write_bytes(b"\n".join(lines))
    err = table_error(read_table, path)
    assert_line(err, n)
    assert err.found == "nope"


def test_mx3_header_without_time(tmp_path):
    header = MX3_HEADER.replace("# t (s)\t", "# ") + "\tq ()"
    path, _ = make_mx3(tmp_path, header=header)
    err = table_error(read_mx3_table, path)
    assert_line(err, 1)
    assert "t (s)" in err.expected
    assert_line(table_error(read_table, path), 1)


def test_mx3_header_with_time_in_the_wrong_unit(tmp_path):
    path, _ = make_mx3(tmp_path, header=MX3_HEADER.replace("t (s)", "t (ns)"))
    assert_line(table_error(read_mx3_table, path), 1)


def test_mx3_header_column_without_unit(tmp_path):
    path, _ = make_mx3(tmp_path, header=MX3_HEADER.replace("mz ()", "mz"))
    assert_line(table_error(read_mx3_table, path), 1)


def test_mx3_file_ends_inside_the_header(tmp_path):
    # cut just after a complete 'name (unit)': the header may go on, so no table
    path, _ = make_mx3(tmp_path)
    raw = path.read_bytes()
    path.write_bytes(raw[: raw.index(b"\tmz ()")])
    assert_line(table_error(read_mx3_table, path), 1)


def test_mx3_row_without_a_newline(tmp_path):
    path, _ = make_mx3(tmp_path)
    raw = path.read_bytes()
    cut = len(raw) - 4  # inside the last value of the last row
    path.write_bytes(raw[:cut])
    n = raw[:cut].count(b"\n") + 1
    err = table_error(read_table, path)
    assert_line(err, n)


def test_mx3_partial_last_row_drop(tmp_path):
    path, values = make_mx3(tmp_path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 4])
    df = read_table(path, partial_last_row="drop")
    np.testing.assert_array_equal(df.to_numpy(), values[:-1])
    assert list(df.columns) == ["t", "mx", "my", "mz", "E_total", "B_extx"]
    # an unterminated row is dropped even when it is cut exactly at a tab
    path.write_bytes(raw[: raw.rindex(b"\t")])
    np.testing.assert_array_equal(read_table(path, partial_last_row="drop").to_numpy(),
                                  values[:-1])
    assert_line(table_error(read_table, path), len(values) + 1)


def test_table_of_unknown_kind(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("t,mx\n0,1\n")
    assert_line(table_error(read_table, path), 1)


@pytest.mark.parametrize("representation", ["bin8", "text"])
def test_valuedim_too_large_for_the_file(tmp_path, representation):
    # a corrupted valuedim must not make the reader allocate per-value labels or
    # parser columns for 3e11 values (a MemoryError): the data cannot fit the file
    path, _ = make_ovf(tmp_path, representation)
    replace_line(path, b"# valuedim:", b"# valuedim: 300000000000")
    replace_line(path, b"# valuelabels:", b"# Desc: no labels")
    replace_line(path, b"# valueunits:", b"# Desc: no units")
    err = ovf_error(path)
    assert_offset(err, path.stat().st_size)
    assert "truncated" in err.expected
    with pytest.raises(FormatError):
        read_ovf_header(path)


def test_a_header_comment_line_is_skipped(tmp_path):
    # OVF 2.0: '##' starts a comment, also at the start of a line
    path, values = make_ovf(tmp_path)
    replace_line(path, b"# meshtype:", b"## a comment line\n# meshtype: rectangular")
    replace_line(path, b"# valuedim:", b"# valuedim: 3 ## three components")
    np.testing.assert_array_equal(np.asarray(read_ovf(path, mmap=False).values), values)
