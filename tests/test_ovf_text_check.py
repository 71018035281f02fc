"""`mmstudy info` on a text OVF (issue 13): the data section is checked too, cheaply
(the number of values between ``# Begin: Data Text`` and ``# End: Data Text``), so
a file with a line of values missing exits 2 with one ``error:`` line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from analysis.errors import FormatError
from analysis.ovf import check_ovf_data, read_ovf_header, write_ovf
from orchestrator.cli import app

DATA = Path(__file__).parent / "data" / "oommf"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv("MMSTUDY_DEBUG", raising=False)  # a developer's shell may set it


def _text_ovf(tmp_path, shape=(2, 3, 4, 3), version=2) -> Path:
    path = tmp_path / f"m-v{version}.ovf"
    write_ovf(path, np.random.default_rng(0).standard_normal(shape), representation="text",
              version=version, cell=(1e-9, 1e-9, 1e-9), title="m", time=1e-12)
    return path


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _data_range(path: Path) -> tuple[int, int]:
    """Indices (0-based) of the first data line and of the '# End: Data' line."""
    lines = _lines(path)
    begin = next(i for i, ln in enumerate(lines) if ln.lower().startswith(b"# begin: data"))
    end = next(i for i, ln in enumerate(lines) if ln.lower().startswith(b"# end: data"))
    return begin + 1, end


def _one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    return lines[0]


@pytest.mark.parametrize("name", ["ovf2-text-m.omf", "ovf1-text-m.omf",
                                  "ovf2-text-hexchange.ohf"])
def test_valid_text_ovf_files_pass(name):
    check_ovf_data(read_ovf_header(DATA / name))
    result = runner.invoke(app, ["info", str(DATA / name)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("version", [1, 2])
def test_a_written_text_ovf_passes(tmp_path, version):
    path = _text_ovf(tmp_path, version=version)
    check_ovf_data(read_ovf_header(path))
    assert runner.invoke(app, ["info", str(path)]).exit_code == 0


@pytest.mark.parametrize("which", ["first", "middle", "last"])
def test_a_deleted_line_of_values_fails(tmp_path, which):
    path = _text_ovf(tmp_path)
    first, end = _data_range(path)
    i = {"first": first, "middle": (first + end) // 2, "last": end - 1}[which]
    lines = _lines(path)
    del lines[i]
    path.write_bytes(b"".join(lines))
    with pytest.raises(FormatError) as info:
        check_ovf_data(read_ovf_header(path))
    text = str(info.value)
    assert str(path) in text
    assert "72 values" in text and "24 nodes" in text and "valuedim 3" in text  # expected
    assert "found '69 values'" in text, text
    line = _one_error_line(runner.invoke(app, ["info", str(path)]))
    assert str(path) in line and "72 values" in line and "69" in line


def test_an_extra_line_of_values_fails(tmp_path):
    path = _text_ovf(tmp_path)
    first, _ = _data_range(path)
    lines = _lines(path)
    lines.insert(first, lines[first])
    path.write_bytes(b"".join(lines))
    with pytest.raises(FormatError, match="found '75 values'"):
        check_ovf_data(read_ovf_header(path))


def test_a_value_missing_from_one_line_names_the_line(tmp_path):
    path = _text_ovf(tmp_path)
    first, _ = _data_range(path)
    lines = _lines(path)
    lines[first + 5] = b" ".join(lines[first + 5].split()[:2]) + b"\n"
    path.write_bytes(b"".join(lines))
    with pytest.raises(FormatError) as info:
        check_ovf_data(read_ovf_header(path))
    assert info.value.line == first + 6  # 1-based
    assert "3 values on each data line" in str(info.value)
    _one_error_line(runner.invoke(app, ["info", str(path)]))


def test_comments_and_blank_lines_in_the_data_are_not_values(tmp_path):
    path = _text_ovf(tmp_path)
    first, _ = _data_range(path)
    lines = _lines(path)
    lines[first + 3:first + 3] = [b"## a comment: 1 2 3\n", b"\n", b"   \n"]
    lines[first] = lines[first].rstrip(b"\n") + b"  ## 4 5 6\n"
    path.write_bytes(b"".join(lines))
    check_ovf_data(read_ovf_header(path))


def test_not_a_number_in_the_data_fails(tmp_path):
    path = _text_ovf(tmp_path)
    first, _ = _data_range(path)
    lines = _lines(path)
    lines[first] = b"1.0 abc 3.0\n"
    path.write_bytes(b"".join(lines))
    with pytest.raises(FormatError, match="decimal numbers"):
        check_ovf_data(read_ovf_header(path))


def test_a_large_text_ovf_is_checked_in_chunks(tmp_path, monkeypatch):
    # streamed: never read whole, never parsed as floats; a value missing deep inside
    # (past the first chunk) is still found
    from analysis import ovf

    path = _text_ovf(tmp_path, shape=(1, 200, 300, 3))
    header = read_ovf_header(path)
    reads = []
    real_open = open

    class Spy:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def read(self, n=-1):
            assert n is not None and n >= 0, "read the whole file"
            reads.append(n)
            return self.fh.read(n)

        def __getattr__(self, name):
            return getattr(self.fh, name)

    monkeypatch.setattr(ovf, "open", lambda *a, **k: Spy(real_open(*a, **k)), raising=False)
    monkeypatch.setattr(ovf, "_TEXT_CHUNK", 64 * 1024)
    monkeypatch.setattr(ovf.pd, "read_csv", lambda *a, **k: pytest.fail("parsed the values"))
    ovf.check_ovf_data(header)
    assert len(reads) > 5 and max(reads) <= 64 * 1024
    lines = _lines(path)
    first, end = _data_range(path)
    del lines[end - 10]
    path.write_bytes(b"".join(lines))
    with pytest.raises(FormatError, match="found '179997 values'"):
        ovf.check_ovf_data(read_ovf_header(path))
