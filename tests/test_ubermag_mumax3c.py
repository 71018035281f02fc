"""ubermag's drive folders written by mumax3c: a drive as a run, a system as its drives.

The fixture ``tests/data/ubermag/mxsky`` is a file-format fixture (its README.md): the
inputs written by mumax3c 0.4.0's own script writer, mumax3's ``mxsky.out/`` emulated by
``tests/mumax3_writer.py`` with made-up values; drive-0 a MinDriver, drive-1 a TimeDriver
(t = 30 ps, n = 6), drive-2 a RelaxDriver.
"""

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from analysis import FormatError, open_run, open_runs, read_ovf
from analysis.ovf import read_ovf_header
from analysis.ubermag import INFO_FILE, M0_FILE
from conftest import DATA
from orchestrator.cli import app
from test_ubermag_read import (_edit_info, _unit, check_against_micromagneticdata,
                               check_drive_attrs, check_truncated_frame)

SYSTEM = DATA / "ubermag" / "mxsky"
OUT = "mxsky.out"
TIMES = [5e-12, 1e-11, 1.5e-11, 2e-11, 2.5e-11, 3e-11]  # k × t/n of drive-1's info.json
runner = CliRunner()


def _copy(tmp_path, name="mxsky"):
    return shutil.copytree(SYSTEM, tmp_path / name)


def _snapshot(drive, k):
    return SYSTEM / drive / OUT / f"m_full{k:06d}.ovf"


# --------------------------------------------------------------------------- one drive


def test_time_drive_opens_m_full_as_m_and_ms_on_ubermags_mesh():
    """A TimeDriver's folder: mumax3's six m_full snapshots (M in A/m) become m (unit
    vectors) and Ms, at k × t/n (mumax3's 2.4999999999999998e-11 read as the grid's
    2.5e-11); m0.omf (mumax3c writes unit vectors) is the variable m0, not a frame; the
    table's rows are along t; the periodic axes come from the script's SetPBC; the
    coordinates are ubermag's mesh (m0.omf's), not mumax3's, which starts at 0."""
    ds = open_run(SYSTEM / "drive-1")
    assert read_ovf_header(_snapshot("drive-1", 4)).time == 2.4999999999999998e-11
    assert ds.t.values.tolist() == TIMES
    assert ds.m_file.values.tolist() == [f"m_full{k:06d}.ovf" for k in range(6)]
    assert ds.attrs["kind"] == "mumax3" and ds.attrs["stage_types"] == ["evolve"]
    for k in range(6):
        M = read_ovf(_snapshot("drive-1", k)).values
        np.testing.assert_allclose(ds.m.isel(t=k).values, _unit(M), rtol=0, atol=1e-7)
    M0 = read_ovf(_snapshot("drive-1", 0)).values
    np.testing.assert_allclose(ds.Ms.values, np.linalg.norm(M0, axis=-1), rtol=1e-6)
    np.testing.assert_allclose(ds.Ms.values, 1.1e6, rtol=1e-6)
    assert ds.m0.dims == ("z", "y", "x", "c")
    np.testing.assert_allclose(ds.m0.values, _unit(read_ovf(SYSTEM / "drive-1" / M0_FILE)),
                               rtol=0, atol=1e-7)
    assert ds.mz.dims == ("t",)  # a tablesave() after each save(m_full)
    np.testing.assert_allclose(ds.m.sel(c="z").mean(("x", "y", "z")), ds.mz, rtol=1e-6)
    assert ds.attrs["pbc"] == "xy" and ds.m.attrs["pbc"] == "xy"
    assert read_ovf_header(_snapshot("drive-1", 0)).pmin == (0.0, 0.0, 0.0)  # mumax3's mesh
    assert ds.attrs["pmin"] == (-2e-8, -2e-8, 0.0) and ds.attrs["pmax"] == (2e-8, 2e-8, 2e-9)
    np.testing.assert_allclose(ds.x.values, -1.875e-8 + 2.5e-9 * np.arange(16), rtol=1e-12)


def test_drive_attrs_come_from_info_json():
    """info.json's driver, adapter and version, start and end times and success are in
    ds.attrs, and the whole record survives verbatim in drive_info."""
    check_drive_attrs(SYSTEM / "drive-1", "mumax3c", "0.4.0", "2026-12-08T10:00:02", "mxsky")


@pytest.mark.parametrize("drive, driver, stage_type", [("drive-0", "MinDriver", "minimize"),
                                                       ("drive-2", "RelaxDriver", "relax")])
def test_min_and_relax_drives_give_one_relaxed_frame(drive, driver, stage_type):
    """A MinDriver's or RelaxDriver's folder: its one m_full, the relaxed state, at t = 0
    (minimize() and relax() put mumax3's clock back) in a stage of that type."""
    ds = open_run(SYSTEM / drive)
    assert ds.t.values.tolist() == [0.0] and ds.attrs["stage_types"] == [stage_type]
    assert ds.m_file.values.tolist() == ["m_full000000.ovf"]
    assert ds.attrs["drivers"] == [driver] and ds.attrs["hidden_frames"] == 0
    np.testing.assert_allclose(ds.m.isel(t=0).values, _unit(read_ovf(_snapshot(drive, 0))),
                               rtol=0, atol=1e-7)


def test_the_min_drive_relaxed_its_m0():
    """drive-0's m0.omf is the core-down disk it started from, its snapshot the relaxed
    skyrmion: they differ."""
    ds = open_run(SYSTEM / "drive-0")
    assert float(abs(ds.m.isel(t=0) - ds.m0).max()) > 0.1


def test_the_drives_mx3_opens_the_drive():
    """The drive's .mx3, like an oommfc drive's .mif, opens the drive folder (not the bare
    mumax3 output beside it, which lacks info.json and m0.omf)."""
    ds = open_run(SYSTEM / "drive-1" / "mxsky.mx3")
    assert ds.attrs["drivers"] == ["TimeDriver"] and ds.sizes["t"] == 6 and "m0" in ds


def test_a_drive_that_records_no_adapter_is_mumax3cs_by_its_script(tmp_path):
    """An info.json without 'adapter' (micromagneticmodel before it recorded one): a drive
    folder holding a .mx3 is mumax3c's."""
    drive = _copy(tmp_path) / "drive-1"
    info = json.loads((drive / INFO_FILE).read_text())
    del info["adapter"]
    (drive / INFO_FILE).write_text(json.dumps(info))
    ds = open_run(drive)
    assert ds.attrs["adapter"] == "mumax3c" and ds.t.values.tolist() == TIMES


def test_without_the_script_the_output_folder_names_the_system(tmp_path):
    """Without mxsky.mx3 the system's name comes from mxsky.out/ and the periodic axes
    from mumax3's log.txt (its SetPBC)."""
    drive = _copy(tmp_path) / "drive-1"
    (drive / "mxsky.mx3").unlink()
    ds = open_run(drive)
    assert ds.attrs["basename"] == "mxsky" and ds.attrs["pbc"] == "xy"
    assert ds.t.values.tolist() == TIMES


# --------------------------------------------------------------------------- a system


def test_system_folder_joins_its_drives_as_stages():
    """The system folder is drive-0 (minimize, t = 0), drive-1 (evolve, 30 ps) and drive-2
    (relax, at drive-1's end) on one clock: each mumax3 process restarts at 0, the
    TimeDriver advances the system's clock. The relaxed frame of drive-2 is shown at 30 ps
    in place of drive-1's last one (the default view keeps the last frame at a time)."""
    ds = open_run(SYSTEM)
    assert ds.t.values.tolist() == [0.0, *TIMES]
    assert ds.stage.values.tolist() == [0, 1, 1, 1, 1, 1, 2]
    assert ds.stage_t.values.tolist() == [0.0, *TIMES[:-1], 0.0]
    assert ds.attrs["stage_types"] == ["minimize", "evolve", "relax"]
    assert ds.attrs["hidden_frames"] == 1
    assert ds.attrs["stages"] == "drive-0 drive-1 drive-2"
    assert ds.attrs["drivers"] == ["MinDriver", "TimeDriver", "RelaxDriver"]
    assert ds.attrs["drive_numbers"] == [0, 1, 2]
    assert ds.attrs["start_time"] == "2026-12-08T10:00:00"  # drive-0's start
    assert ds.attrs["end_time"] == "2026-12-08T10:00:05"  # drive-2's end
    alone = [open_run(SYSTEM / f"drive-{n}") for n in range(3)]
    np.testing.assert_array_equal(ds.m.values, np.concatenate(
        [alone[0].m.values, alone[1].m.values[:-1], alone[2].m.values]))
    np.testing.assert_array_equal(ds.m0.values, alone[0].m0.values)
    assert ds.mz.dims == ("t",) and ds.sizes["t"] == 7
    assert open_run(SYSTEM, stage="last_evolve").t.values.tolist() == TIMES
    relaxed = open_run(SYSTEM, stage=2)
    assert relaxed.t.values.tolist() == [3e-11] and relaxed.stage_t.values.tolist() == [0.0]


def test_each_drives_m0_is_the_last_state_before_it_in_float32():
    """What the chain check accepts: mumax3c's m0.omf is the orientation of the drive
    before's last m_full, rounded to float32 (a few 1e-8 apart, not equal)."""
    for before, after, last in (("drive-0", "drive-1", 0), ("drive-1", "drive-2", 5)):
        m0 = read_ovf(SYSTEM / after / M0_FILE).values.astype(float)
        end = _unit(read_ovf(_snapshot(before, last)))
        diff = np.abs(m0 - end).max()
        assert 0 < diff < 1e-7


def test_drives_that_do_not_chain_are_refused_and_open_runs_gives_a_drive_dimension(tmp_path):
    """When the system got a new state between drives (drive-1's m0.omf is drive-0's
    starting disk), open_run names that m0.omf; open_runs gives each drive on its own
    clock along a 'drive' dimension."""
    system = _copy(tmp_path)
    shutil.copy(system / "drive-0" / M0_FILE, system / "drive-1" / M0_FILE)
    with pytest.raises(FormatError) as err:
        open_run(system)
    assert str(err.value).startswith(str(system / "drive-1" / M0_FILE))
    assert "ended in" in str(err.value) and "max |dm|" in str(err.value)
    ds = open_runs(system)
    assert ds.drive.values.tolist() == [0, 1, 2] and "drive" in ds.m.dims
    np.testing.assert_array_equal(ds.m.sel(drive=1, t=TIMES).values,
                                  open_run(system / "drive-1").m.values)


def test_a_system_of_two_adapters_is_refused(tmp_path):
    """A system whose drives two adapters wrote (an oommfc drive after mumax3c's) is not
    one run here: refused naming the odd drive's info.json."""
    system = _copy(tmp_path)
    shutil.copytree(DATA / "ubermag" / "ubsky" / "drive-1", system / "drive-3")
    with pytest.raises(FormatError, match="written by one adapter") as err:
        open_run(system)
    assert str(err.value).startswith(str(system / "drive-3" / INFO_FILE))


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("gone", [2, 5])
def test_a_missing_snapshot_of_a_finished_drive_is_named(tmp_path, gone):
    """A finished drive (success: true) with an m_full gone, in the middle or at the end
    (where counting files alone cannot tell): FormatError naming the missing file."""
    system = _copy(tmp_path)
    missing = system / "drive-1" / OUT / f"m_full{gone:06d}.ovf"
    missing.unlink()
    for path in (system / "drive-1", system):
        with pytest.raises(FormatError, match="no such file") as err:
            open_run(path)
        assert str(err.value).startswith(str(missing))
        assert f"table.txt's row {gone + 1}" in str(err.value)


def test_a_missing_snapshot_is_named_without_a_table(tmp_path):
    """Without table.txt, the TimeDriver's n (info.json) still says which m_full is
    missing."""
    out = _copy(tmp_path) / "drive-1" / OUT
    (out / "table.txt").unlink()
    (out / "m_full000005.ovf").unlink()
    with pytest.raises(FormatError, match="snapshot 6 of the TimeDriver's 6") as err:
        open_run(out.parent)
    assert str(err.value).startswith(str(out / "m_full000005.ovf"))


def test_a_finished_drive_without_its_output_folder_is_named(tmp_path):
    """A drive that records success but whose mxsky.out is gone: the first snapshot it
    should have is named."""
    drive = _copy(tmp_path) / "drive-0"
    shutil.rmtree(drive / OUT)
    with pytest.raises(FormatError, match="no such file") as err:
        open_run(drive)
    assert str(err.value).startswith(str(drive / OUT / "m_full000000.ovf"))


def test_a_failed_drive_opens_with_a_warning(tmp_path):
    """A drive that records success: false opens with what mumax3 wrote, with a warning
    naming its info.json, and attrs success False."""
    drive = _copy(tmp_path) / "drive-1"
    _edit_info(drive, success=False)
    (drive / OUT / "m_full000005.ovf").unlink()
    with pytest.warns(UserWarning, match="success: false") as caught:
        ds = open_run(drive)
    assert str(drive / INFO_FILE) in str(caught[0].message)
    assert ds.sizes["t"] == 5 and ds.attrs["success"] is False


def test_a_truncated_snapshot_is_refused_or_skipped(tmp_path):
    """A truncated m_full is a bad frame as in any run: refused naming it, or left out
    with skip_bad_frames."""
    system = _copy(tmp_path)
    check_truncated_frame(system, system / "drive-1" / OUT / "m_full000002.ovf", 1.5e-11)


@pytest.mark.parametrize("changes, expected", [
    ({"driver": "HysteresisDriver"}, "'driver': one of TimeDriver, MinDriver, RelaxDriver"),
    ({"adapter": "fidimagc"}, "'adapter': one of oommfc, mumax3c"),
    ({"n": 0}, "TimeDriver's 't'"),
])
def test_info_json_fields_are_checked(tmp_path, changes, expected):
    """A driver mumax3c does not have, an adapter whose folders are not read, a TimeDriver
    without its n: FormatError naming info.json and the field."""
    drive = _copy(tmp_path) / "drive-1"
    _edit_info(drive, **changes)
    with pytest.raises(FormatError, match=expected) as err:
        open_run(drive)
    assert str(err.value).startswith(str(drive / INFO_FILE))


# --------------------------------------------------------------------------- command line


def test_info_shows_the_adapter_and_drivers():
    """`mmstudy info` on a drive and a system folder: the adapter with its version and each
    drive's driver, the frames and the periodic axes."""
    for path, frames, drives in (
            (SYSTEM / "drive-1", "6 frames", "drive-1 TimeDriver"),
            (SYSTEM, "7 frames", "drive-0 MinDriver, drive-1 TimeDriver, drive-2 RelaxDriver")):
        result = runner.invoke(app, ["info", str(path)])
        assert result.exit_code == 0, result.output
        assert f"ubermag   mumax3c 0.4.0: {drives}" in result.output
        assert frames in result.output and "periodic  xy" in result.output


@pytest.mark.parametrize("breaks", ["snapshot", "info"])
def test_info_reports_a_broken_drive_in_one_line(tmp_path, breaks):
    """A missing m_full or a truncated info.json on the command line: exit status 2, one
    error line naming the file, no traceback."""
    drive = _copy(tmp_path) / "drive-1"
    if breaks == "snapshot":
        named = drive / OUT / "m_full000003.ovf"
        named.unlink()
    else:
        named = drive / INFO_FILE
        named.write_text('{"drive_number": 1, "adapter": "mumax3c", "dri')
    result = runner.invoke(app, ["info", str(drive)])
    assert result.exit_code == 2
    assert "error:" in result.output and str(named) in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- micromagneticdata


def test_same_frames_times_and_mesh_as_micromagneticdata():
    """Against micromagneticdata 0.66 (ubermag's reader; its Mumax3Drive reads
    <name>.out/*.ovf and table.txt) on the fixture: every frame of m is its field
    normalised (float32 apart), Ms its norm, m0 its m0, the TimeDriver's times its table's
    t (which it keeps an ulp off the grid), the cell centres its (it moves mumax3's mesh
    onto m0.omf's, as we do). What it drops: the periodic axes (mesh.bc is empty). Its
    CombinedDrive joins these drives (all on t) as our stages do, bar the chain check and
    the frame the relaxation replaces."""
    md = pytest.importorskip("micromagneticdata")
    data = check_against_micromagneticdata(md, SYSTEM, 1e-7)
    assert data.n == 3 and {type(d).__name__ for d in data} == {"Mumax3Drive"}
    for n in range(data.n):
        field, ours = data[n][0], open_run(SYSTEM / f"drive-{n}")
        for ax in "xyz":
            np.testing.assert_allclose(ours[ax].values, getattr(field.mesh.cells, ax),
                                       rtol=0, atol=1e-18)
    assert data[1].table.data["t"].tolist()[4] == 2.4999999999999998e-11
    combined = data[0] << data[1] << data[2]
    np.testing.assert_allclose(combined.table.data["t"].to_numpy(),
                               [0.0, *TIMES, 3e-11], rtol=1e-12, atol=0)
    assert open_run(SYSTEM).t.values.tolist() == [0.0, *TIMES]
