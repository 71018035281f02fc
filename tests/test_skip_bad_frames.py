"""Issue 13: one truncated frame need not lose a whole run. ``open_run`` refuses a bad
OVF frame by default (naming the file and the way out); with ``skip_bad_frames=True``
(``--skip-bad-frames``) it leaves the frame out, warns, and lists it in
``attrs["skipped_frames"]``."""

import json

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from analysis import FormatError, open_run, open_runs, write_ovf
from analysis.runs import SkippedFrameWarning
from orchestrator.cli import app

CELL = (2e-9, 2e-9, 1e-9)
TIMES = [0.0, 1e-11, 2e-11]
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv("MMSTUDY_DEBUG", raising=False)


def _m(t, shape=(1, 4, 6)):
    nz, ny, nx = shape
    phase = np.arange(nx)[None, None, :] * 0.3 + t * 1e10
    return np.stack([np.cos(phase) * np.ones(shape), np.sin(phase) * np.ones(shape),
                     np.zeros(shape)], axis=-1)


def make_run(folder, times=TIMES, extra=True, rep="bin4"):
    """A mumax3-layout run: m (and B_ext) at ``times``, a table row at each."""
    folder.mkdir(parents=True)
    for i, t in enumerate(times):
        write_ovf(folder / f"m{i:06d}.ovf", _m(t), cell=CELL, title="m", time=t,
                  labels=["m_x", "m_y", "m_z"], units="1", representation=rep)
        if extra:
            write_ovf(folder / f"B_ext{i:06d}.ovf", _m(t) * 0.1, cell=CELL, title="B_ext",
                      time=t, labels=["B_ext_x", "B_ext_y", "B_ext_z"], units="T",
                      representation=rep)
    lines = ["# t (s)\tmx ()\tmy ()\tmz ()"]
    lines += [f"{t!r}\t{np.cos(t * 1e10):.9g}\t0.5\t0" for t in times]
    (folder / "table.txt").write_text("\n".join(lines) + "\n")
    return folder


def truncate(path, keep=2 / 3):
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * keep)])
    return path


@pytest.mark.parametrize("rep", ["bin4", "text"])
def test_a_truncated_frame_is_refused_by_default_naming_the_file(tmp_path, rep):
    run = make_run(tmp_path / "a.out", rep=rep)
    bad = truncate(run / "m000001.ovf")
    with pytest.raises(FormatError) as err:
        open_run(run)
    assert err.value.path == str(bad) and str(bad) in str(err.value)
    assert "truncated" in str(err.value) and "skip_bad_frames=True" in str(err.value)


@pytest.mark.parametrize("rep", ["bin4", "text"])
@pytest.mark.parametrize("keep", [2 / 3, 0.02])  # in the data; in the header
def test_skip_bad_frames_leaves_the_frame_out(tmp_path, rep, keep):
    run = make_run(tmp_path / "a.out", rep=rep)
    bad = truncate(run / "m000001.ovf", keep)
    with pytest.warns(SkippedFrameWarning, match="m000001.ovf") as record:
        ds = open_run(run, skip_bad_frames=True)
    assert len(record) == 1 and str(bad) in str(record[0].message)
    assert ds.attrs["skipped_frames"] == [str(bad)]
    # the frame's time is left out of t for every series (B_ext's frame at that time too),
    # so no variable holds a missing frame
    assert ds.t.values.tolist() == [0.0, 2e-11]
    assert ds.m.sizes["t"] == 2 and not np.isnan(ds.m.values).any()
    assert ds.B_ext.sizes["t"] == 2
    np.testing.assert_allclose(ds.m.isel(t=1).values, _m(2e-11), atol=1e-6)
    assert ds.m_file.values.tolist() == ["m000000.ovf", "m000002.ovf"]
    # the table keeps all its rows, on its own time axis
    assert ds.mx.dims == ("t_table",) and ds.t_table.values.tolist() == TIMES


def test_no_bad_frame_no_warning(tmp_path, recwarn):
    ds = open_run(make_run(tmp_path / "a.out"), skip_bad_frames=True)
    assert ds.attrs["skipped_frames"] == [] and ds.sizes["t"] == 3
    assert not [w for w in recwarn if issubclass(w.category, SkippedFrameWarning)]


def test_open_runs_passes_skip_bad_frames_on(tmp_path):
    for i in range(2):
        run = make_run(tmp_path / "sweep" / f"p{i}", extra=False)
        (run / "params.json").write_text(json.dumps({"j": float(i)}))
    bad = truncate(tmp_path / "sweep" / "p1" / "m000002.ovf")
    with pytest.raises(FormatError, match="m000002.ovf"):
        open_runs(tmp_path / "sweep")
    with pytest.warns(SkippedFrameWarning, match="m000002.ovf"):
        ds = open_runs(tmp_path / "sweep", skip_bad_frames=True)
    assert ds.attrs["skipped_frames"] == [str(bad)]
    assert ds.sizes["j"] == 2


# ------------------------------------------------------------------------- command line


def _one_error_line(result, *needles):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    for needle in needles:
        assert needle in lines[0], result.output


def test_cli_export_skip_bad_frames(tmp_path):
    run = make_run(tmp_path / "a.out")
    bad = truncate(run / "m000001.ovf")
    out = tmp_path / "out.nc"
    _one_error_line(runner.invoke(app, ["export", str(run), "--to", str(out)]),
                    str(bad), "truncated", "pass --skip-bad-frames to leave such frames out")
    assert not out.exists()
    result = runner.invoke(app, ["export", str(run), "--to", str(out), "--skip-bad-frames"])
    assert result.exit_code == 0, result.output
    assert f"skipped frame {bad}: " in result.stderr
    assert len([line for line in result.stderr.splitlines() if "skipped frame" in line]) == 1
    with xr.open_dataset(out) as ds:
        assert ds.sizes["t"] == 2 and str(bad) in str(ds.attrs["skipped_frames"])


def test_cli_analyze_skip_bad_frames(tmp_path):
    run = make_run(tmp_path / "a.out")
    bad = truncate(run / "m000001.ovf")
    _one_error_line(runner.invoke(app, ["analyze", str(run), "--out", str(tmp_path / "x")]),
                    str(bad), "pass --skip-bad-frames")
    result = runner.invoke(app, ["analyze", str(run), "--out", str(tmp_path / "y"),
                                 "--skip-bad-frames"])
    assert result.exit_code == 0, result.output
    assert f"skipped frame {bad}: " in result.stderr
    summary = json.loads((tmp_path / "y" / "summary.json").read_text())
    assert summary  # the analysis ran on the two good frames
