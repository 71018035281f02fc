"""ubermag's drive folders (oommfc): a drive as a run, a system as its drives in stages.

The fixture ``tests/data/ubermag/ubsky`` was written by oommfc 0.66 with OOMMF 2.1a0 (see
its README): drive-0 a MinDriver, drive-1 a TimeDriver (t = 20 ps, n = 4).
"""

import json
import shutil
import warnings

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from analysis import FormatError, open_run, open_runs, read_ovf
from analysis.ubermag import INFO_FILE, M0_FILE
from conftest import DATA
from orchestrator.cli import app

SYSTEM = DATA / "ubermag" / "ubsky"
TIMES = [5e-12, 1e-11, 1.5e-11, 2e-11]  # t/n × k of drive-1's info.json
runner = CliRunner()


def _copy(tmp_path, name="ubsky"):
    return shutil.copytree(SYSTEM, tmp_path / name)


def _unit(values):
    v = np.asarray(values, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _edit_info(drive, **changes):
    info = json.loads((drive / INFO_FILE).read_text())
    info.update(changes)
    (drive / INFO_FILE).write_text(json.dumps(info))


# --------------------------------------------------------------------------- one drive


def test_time_drive_opens_with_m0_as_input_not_a_frame():
    """A TimeDriver's folder opens (it used to be refused: 'found basenames ['m0',
    'ubsky']'): its four snapshots at t/n × k from the headers, m0.omf only as the
    variable m0 (ubermag's input, the state drive-0 relaxed to), the table along t and
    the periodic axes of the MIF."""
    ds = open_run(SYSTEM / "drive-1")
    assert ds.t.values.tolist() == TIMES
    assert ds.sizes["t"] == 4 and not any("m0" in f for f in ds.m_file.values)
    assert ds.m_file.values[0] == "ubsky-Oxs_TimeDriver-Magnetization-00-0000011.omf"
    assert ds.iteration.values.tolist() == [11, 22, 33, 44]
    assert ds.m0.dims == ("z", "y", "x", "c") and "t" not in ds.m0.dims
    np.testing.assert_allclose(ds.m0.values, _unit(read_ovf(SYSTEM / "drive-1" / M0_FILE)),
                               rtol=0, atol=1e-15)
    assert ds.mz.dims == ("t",)  # the table's rows are the snapshots
    np.testing.assert_allclose(ds.m.sel(c="z").mean(("x", "y", "z")), ds.mz, rtol=1e-9)
    assert ds.attrs["pbc"] == "xy"  # Oxs_PeriodicRectangularMesh ... periodic xy
    assert ds.stage.values.tolist() == [0] * 4 and ds.attrs["stage_types"] == ["evolve"]


def check_drive_attrs(drive, adapter: str, version: str, start: str, basename: str) -> None:
    """A TimeDriver's folder ``drive``: info.json's driver, adapter and version, start and
    end times and success are in ds.attrs, the whole record verbatim in drive_info (also
    for tests/test_ubermag_mumax3c.py)."""
    ds = open_run(drive)
    info = json.loads((drive / INFO_FILE).read_text())
    assert ds.attrs["adapter"] == adapter and ds.attrs["adapter_version"] == version
    assert ds.attrs["drivers"] == ["TimeDriver"]
    assert ds.attrs["drive_numbers"] == [info["drive_number"]]
    assert ds.attrs["start_time"] == info["start_time"] == start
    assert ds.attrs["end_time"] == info["end_time"] and ds.attrs["success"] is True
    assert json.loads(ds.attrs["drive_info"]) == [info]
    assert ds.attrs["basename"] == basename and ds.attrs["stages"] == drive.name


def test_drive_attrs_come_from_info_json():
    """info.json's driver, adapter and version, start and end times and success are in
    ds.attrs, and the whole record survives verbatim in drive_info."""
    check_drive_attrs(SYSTEM / "drive-1", "oommfc", "0.66.0", "2026-12-07T11:17:33", "ubsky")


def test_min_drive_gives_its_relaxed_state_as_a_minimize_stage():
    """A MinDriver's folder: one frame, the relaxed state, at t = 0 in a stage of type
    'minimize'; its m0 (the initial disk) is kept apart and differs from it."""
    ds = open_run(SYSTEM / "drive-0")
    assert ds.t.values.tolist() == [0.0] and ds.attrs["stage_types"] == ["minimize"]
    assert ds.m_file.values.tolist() == ["ubsky-Oxs_MinDriver-Magnetization-00-0000145.omf"]
    assert ds.attrs["drivers"] == ["MinDriver"] and ds.attrs["hidden_frames"] == 0
    assert float(abs(ds.m.isel(t=0) - ds.m0).max()) > 0.1  # relaxation moved it
    assert open_run(SYSTEM / "drive-0", stage=0).sizes["t"] == 1


def test_a_drives_mif_opens_the_drive():
    """The drive's .mif, as for any OOMMF run, opens the drive folder (not a plain OOMMF
    run that would miss info.json)."""
    ds = open_run(SYSTEM / "drive-1" / "ubsky.mif")
    assert ds.attrs["drivers"] == ["TimeDriver"] and ds.sizes["t"] == 4


def test_time_driver_times_are_snapped_to_its_save_grid(tmp_path):
    """OOMMF adds its steps in floats; a header time one ulp off t/n × k is read as the
    grid time, from info.json's t and n."""
    drive = _copy(tmp_path) / "drive-1"
    f = drive / "ubsky-Oxs_TimeDriver-Magnetization-02-0000033.omf"
    off = repr(float(np.nextafter(1.5e-11, 0)))
    f.write_bytes(f.read_bytes().replace(b"Total simulation time: 1.5e-11 s",
                                         f"Total simulation time: {off} s".encode()))
    assert open_run(drive).t.values.tolist() == TIMES


# --------------------------------------------------------------------------- a system


def test_system_folder_joins_its_drives_as_stages():
    """The system folder is drive-0 (minimize, t = 0) then drive-1 (evolve) on one clock,
    the frames of each as when opened alone; m0 is the first drive's."""
    ds = open_run(SYSTEM)
    assert ds.t.values.tolist() == [0.0, *TIMES]
    assert ds.stage.values.tolist() == [0, 1, 1, 1, 1]
    assert ds.stage_t.values.tolist() == [0.0, *TIMES]
    assert ds.attrs["stage_types"] == ["minimize", "evolve"]
    assert ds.attrs["stages"] == "drive-0 drive-1"
    assert ds.attrs["drivers"] == ["MinDriver", "TimeDriver"]
    assert ds.attrs["drive_numbers"] == [0, 1]
    assert ds.attrs["start_time"] == "2026-12-07T11:17:31"  # drive-0's start
    assert ds.attrs["end_time"] == "2026-12-07T11:17:35"  # drive-1's end
    alone = [open_run(SYSTEM / "drive-0"), open_run(SYSTEM / "drive-1")]
    np.testing.assert_array_equal(ds.m.values, np.concatenate([d.m.values for d in alone]))
    np.testing.assert_array_equal(ds.m0.values, alone[0].m0.values)
    assert ds.mz.dims == ("t",) and ds.sizes["t"] == 5
    assert open_run(SYSTEM, stage="last_evolve").t.values.tolist() == TIMES


def test_drives_that_do_not_chain_are_refused_and_open_runs_gives_a_drive_dimension(tmp_path):
    """When the system got a new state between drives (drive-1's m0.omf is not drive-0's
    last snapshot), the system folder is no single run: open_run names that m0.omf;
    open_runs gives each drive on its own clock along a 'drive' dimension."""
    system = _copy(tmp_path)
    shutil.copy(system / "drive-0" / M0_FILE, system / "drive-1" / M0_FILE)
    with pytest.raises(FormatError) as err:
        open_run(system)
    assert str(err.value).startswith(str(system / "drive-1" / M0_FILE))
    assert "ended in" in str(err.value)
    ds = open_runs(system)
    assert ds.drive.values.tolist() == [0, 1] and "drive" in ds.m.dims
    np.testing.assert_array_equal(ds.m.sel(drive=1, t=TIMES).values,
                                  open_run(system / "drive-1").m.values)


def test_open_runs_on_a_folder_of_systems_gives_a_system_dimension(tmp_path):
    """A folder holding system folders works like a sweep: one 'system' coordinate with
    the folder names, each system opened as open_run opens it."""
    _copy(tmp_path, "ubsky")
    _copy(tmp_path, "ubsky_again")
    (tmp_path / "notes").mkdir()  # not a system: left out
    ds = open_runs(tmp_path)
    assert ds.system.values.tolist() == ["ubsky", "ubsky_again"]
    np.testing.assert_array_equal(ds.m.sel(system="ubsky_again").values, open_run(SYSTEM).m.values)
    with pytest.raises(FormatError, match="open_runs"):
        open_run(tmp_path)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("text, where", [
    ('{"drive_number": 1, "date": "2026-12-07", "driv', "line 1"),  # truncated
    ('{"drive_number": 1,\n "driver": TimeDriver}', "line 2"),  # not JSON
    ("[1, 2]", "a JSON object"),
])
def test_a_truncated_or_garbled_info_json_is_named(tmp_path, text, where):
    """A broken info.json raises FormatError naming the file (and the line), opening
    the drive or its system."""
    system = _copy(tmp_path)
    (system / "drive-1" / INFO_FILE).write_text(text)
    for path in (system / "drive-1", system):
        with pytest.raises(FormatError) as err:
            open_run(path)
        assert str(err.value).startswith(str(system / "drive-1" / INFO_FILE))
        assert where in str(err.value)


@pytest.mark.parametrize("changes, expected", [
    ({"driver": "FooDriver"}, "'driver': one of TimeDriver"),
    ({"n": None}, "TimeDriver's 't'"),
    ({"t": -1.0}, "TimeDriver's 't'"),
    ({"drive_number": "one"}, "'drive_number'"),
    ({"success": "yes"}, "'success'"),
])
def test_info_json_fields_are_checked(tmp_path, changes, expected):
    """Fields oommfc always writes must be what it writes; else FormatError naming
    info.json and the field."""
    drive = _copy(tmp_path) / "drive-1"
    _edit_info(drive, **changes)
    with pytest.raises(FormatError, match=expected) as err:
        open_run(drive)
    assert str(drive / INFO_FILE) in str(err.value)


def test_a_missing_info_json_is_named(tmp_path):
    """A drive-<n> folder without its info.json is refused naming the missing file, not
    read as a plain OOMMF folder with two runs."""
    drive = _copy(tmp_path) / "drive-1"
    (drive / INFO_FILE).unlink()
    with pytest.raises(FormatError, match="no such file") as err:
        open_run(drive)
    assert str(err.value).startswith(str(drive / INFO_FILE))


@pytest.mark.parametrize("gone", ["ubsky-Oxs_TimeDriver-Magnetization-01-0000022.omf",
                                  "ubsky-Oxs_TimeDriver-Magnetization-03-0000044.omf"])
def test_a_missing_snapshot_of_a_finished_drive_is_named(tmp_path, gone):
    """A finished drive (success: true) with a snapshot gone: FormatError naming the
    missing file, in the middle or at the end (where counting files alone cannot tell)."""
    system = _copy(tmp_path)
    (system / "drive-1" / gone).unlink()
    for path in (system / "drive-1", system):
        with pytest.raises(FormatError, match="no such file") as err:
            open_run(path)
        assert str(err.value).startswith(str(system / "drive-1" / gone))


def test_a_missing_stage_is_named_without_a_table(tmp_path):
    """Without the table, a TimeDriver's n (info.json) still says which stage has no
    snapshot: the error names its file pattern."""
    drive = _copy(tmp_path) / "drive-1"
    (drive / "ubsky.odt").unlink()
    (drive / "ubsky-Oxs_TimeDriver-Magnetization-03-0000044.omf").unlink()
    with pytest.raises(FormatError, match="stage 3") as err:
        open_run(drive)
    assert str(drive / "ubsky-Oxs_TimeDriver-Magnetization-03-*.omf") in str(err.value)


def test_a_failed_drive_opens_with_a_warning(tmp_path):
    """A drive that records success: false opens with what it wrote, with a warning that
    names its info.json, and attrs success False."""
    drive = _copy(tmp_path) / "drive-1"
    _edit_info(drive, success=False)
    (drive / "ubsky-Oxs_TimeDriver-Magnetization-03-0000044.omf").unlink()
    with pytest.warns(UserWarning, match="success: false") as caught:
        ds = open_run(drive, partial_last_row="drop")
    assert str(drive / INFO_FILE) in str(caught[0].message)
    assert ds.sizes["t"] == 3 and ds.attrs["success"] is False


def check_truncated_frame(system, f, t: float) -> None:
    """Cut snapshot ``f`` (at time ``t``) of a system: the system is refused naming it, and
    opens without it with skip_bad_frames (the chain check then compares the last frame
    kept). Also for tests/test_ubermag_mumax3c.py."""
    f.write_bytes(f.read_bytes()[:2000])
    with pytest.raises(FormatError) as err:
        open_run(system)
    assert str(err.value).startswith(str(f))
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        ds = open_run(system, skip_bad_frames=True)
    assert ds.attrs["skipped_frames"] == [str(f)] and t not in ds.t.values


def test_a_truncated_snapshot_is_refused_or_skipped(tmp_path):
    """A truncated snapshot is a bad frame as in any run: refused naming it, or left out
    with skip_bad_frames."""
    system = _copy(tmp_path)
    check_truncated_frame(system, system / "drive-1" / "ubsky-Oxs_TimeDriver-Magnetization-02-"
                                                       "0000033.omf", 1.5e-11)


def test_an_adapter_whose_folders_are_not_read_is_refused(tmp_path):
    """A drive of an adapter other than oommfc and mumax3c (whose folders
    tests/test_ubermag_mumax3c.py reads) is refused naming info.json and the adapters
    that are read."""
    drive = _copy(tmp_path) / "drive-1"
    _edit_info(drive, adapter="fidimagc")
    with pytest.raises(FormatError, match="'adapter': one of oommfc, mumax3c") as err:
        open_run(drive)
    assert str(err.value).startswith(str(drive / INFO_FILE))


def test_a_wrong_basename_is_refused():
    """basename= names the system; another one is refused, naming the MIF."""
    with pytest.raises(FormatError, match="'other'"):
        open_run(SYSTEM / "drive-1", basename="other")


# --------------------------------------------------------------------------- micromagneticdata


def check_against_micromagneticdata(md, system, tol: float):
    """Each drive of ``system`` against micromagneticdata's ``Data``: as many frames, every
    frame of m its field normalised and Ms its norm (within ``tol``), m0 its m0, the
    driver, a TimeDriver's times its table's t; and the periodic axes, which it drops (its
    fields' mesh.bc is empty). Returns the ``Data`` (also for
    tests/test_ubermag_mumax3c.py)."""
    data = md.Data(system.name, dirname=str(system.parent))
    for n in range(data.n):
        drive = data[n]
        ours = open_run(system / f"drive-{n}")
        fields = list(drive)
        assert len(fields) == ours.sizes["t"]
        for i, field in enumerate(fields):
            theirs = np.transpose(field.array, (2, 1, 0, 3))  # (x, y, z, c) -> (z, y, x, c)
            np.testing.assert_allclose(ours.m.isel(t=i).values, _unit(theirs), rtol=0,
                                       atol=tol)
            if i == 0:
                np.testing.assert_allclose(ours.Ms.values, np.linalg.norm(theirs, axis=-1),
                                           rtol=tol)
            assert field.mesh.bc == "" and ours.attrs["pbc"] == "xy"
        np.testing.assert_allclose(ours.m0.values,
                                   _unit(np.transpose(drive.m0.array, (2, 1, 0, 3))),
                                   rtol=0, atol=tol)
        assert ours.attrs["drivers"] == [drive.info["driver"]]
        if drive.info["driver"] == "TimeDriver":
            np.testing.assert_allclose(ours.t.values, drive.table.data["t"].to_numpy(),
                                       rtol=1e-12, atol=0)
    return data


def test_same_frames_and_times_as_micromagneticdata():
    """Against micromagneticdata 0.66 (ubermag's own reader) on the fixture: every frame
    of m is its field normalised, Ms its norm, m0 its m0, the TimeDriver's times its
    table's t. What it drops and we keep: the periodic axes (its fields' mesh.bc is
    empty), the header times (it has only the table's x column) and the joining of a
    MinDriver with a TimeDriver (its CombinedDrive refuses different x)."""
    md = pytest.importorskip("micromagneticdata")
    data = check_against_micromagneticdata(md, SYSTEM, 1e-15)
    assert data.n == 2
    with pytest.raises(ValueError):
        data[0] << data[1]  # iteration vs t: micromagneticdata cannot join them
    assert open_run(SYSTEM).sizes["t"] == 5  # we do, as stages


def test_micromagneticdata_does_not_notice_a_missing_snapshot(tmp_path):
    """With a snapshot gone, micromagneticdata lists 3 files against 4 table rows (its
    to_xarray then fills the 4th frame from uninitialised memory, and puts frames 2 and 3
    at the times of 1 and 2); we refuse the folder, naming the file."""
    md = pytest.importorskip("micromagneticdata")
    system = _copy(tmp_path)
    gone = system / "drive-1" / "ubsky-Oxs_TimeDriver-Magnetization-01-0000022.omf"
    gone.unlink()
    drive = md.Data("ubsky", dirname=str(tmp_path))[1]
    assert len(drive._step_files) == 3 and drive.n == 4
    with pytest.raises(FormatError, match="no such file"):
        open_run(system / "drive-1")


# --------------------------------------------------------------------------- command line


def test_info_and_export_accept_drive_and_system_folders(tmp_path):
    """`mmstudy info` summarises a drive and a system folder; `mmstudy export` writes a
    system to netCDF with m0 and the drive attrs, and a folder of systems along
    'system'."""
    system = _copy(tmp_path / "sims")
    for path, frames in ((system / "drive-1", "4 frames"), (system, "5 frames")):
        result = runner.invoke(app, ["info", str(path)])
        assert result.exit_code == 0, result.output
        assert frames in result.output and "periodic  xy" in result.output
    out = tmp_path / "sys.nc"
    result = runner.invoke(app, ["export", str(system), "--to", str(out)])
    assert result.exit_code == 0, result.output
    with xr.open_dataset(out) as back:
        assert back.m0.dims == ("z", "y", "x", "c") and back.sizes["t"] == 5
        assert back.attrs["drivers"] == "MinDriver TimeDriver"  # a list, as netCDF keeps it
    everything = tmp_path / "all.nc"
    result = runner.invoke(app, ["export", str(tmp_path / "sims"), "--to", str(everything)])
    assert result.exit_code == 0, result.output
    with xr.open_dataset(everything) as back:
        assert back.system.values.tolist() == ["ubsky"]


def test_info_reports_a_broken_drive_in_one_line(tmp_path):
    """A garbled info.json on the command line: exit status 2, one error line naming the
    file, no traceback."""
    drive = _copy(tmp_path) / "drive-1"
    (drive / INFO_FILE).write_text('{"drive_number": 1, "dri')
    result = runner.invoke(app, ["info", str(drive)])
    assert result.exit_code == 2
    assert "error:" in result.output and str(drive / INFO_FILE) in result.output
    assert "Traceback" not in result.output


def test_analyze_writes_beside_the_system_folder_not_into_it(tmp_path):
    """`mmstudy analyze <system>/drive-1` writes <system>_drive-1_analysis beside the
    system folder: a drive-1_analysis inside it would break ubermag's next drive (it
    numbers drives from every drive* name) and micromagneticdata's Data.n. On the system
    folder it analyses drive-1 with drive-0's relaxed state as its first frame."""
    system = _copy(tmp_path)
    result = runner.invoke(app, ["analyze", str(system / "drive-1")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ubsky_drive-1_analysis" / "summary.json").is_file()
    assert sorted(p.name for p in system.iterdir()) == ["drive-0", "drive-1"]
    result = runner.invoke(app, ["analyze", str(system)])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "ubsky_analysis" / "summary.json").read_text())
    # the system's last evolve stage (drive-1), from the state drive-0 relaxed to
    assert (summary["stage"], summary["stage_type"], summary["frames"]) == (1, "evolve", 5)
    assert summary["stage_start_included"] is True
