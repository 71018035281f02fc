"""Runs as lazy datasets: OOMMF runs, mumax3-layout runs, plain folders, sweeps, export."""

import json

import dask.array as dsa
import numpy as np
import pytest
import xarray as xr

import analysis
import analysis.runs as runs
from analysis import FormatError, open_run, open_runs, write_ovf
from conftest import OOMMF

CELL = (2e-9, 2e-9, 1e-9)


def _m(t, shape=(1, 4, 6)):
    """A unit vector field that rotates with t (so every frame differs)."""
    nz, ny, nx = shape
    phase = np.arange(nx)[None, None, :] * 0.3 + t * 1e10
    m = np.stack([np.cos(phase) * np.ones(shape), np.sin(phase) * np.ones(shape),
                  np.zeros(shape)], axis=-1)
    return m


def make_run(folder, times, table_times=None, extra=True, rep="bin4"):
    """A run in the mumax3 layout (as the built-in solver will write it)."""
    folder.mkdir(parents=True)
    for i, t in enumerate(times):
        write_ovf(folder / f"m{i:06d}.ovf", _m(t), cell=CELL, title="m", time=t,
                  labels=["m_x", "m_y", "m_z"], units="1", representation=rep)
        if extra:
            write_ovf(folder / f"B_ext{i:06d}.ovf", _m(t) * 0.1, cell=CELL, title="B_ext",
                      time=t, labels=["B_ext_x", "B_ext_y", "B_ext_z"], units="T",
                      representation=rep)
    rows = table_times if table_times is not None else times
    lines = ["# t (s)\tmx ()\tmy ()\tmz ()\tE_total (J)"]
    lines += [f"{t!r}\t{np.cos(t * 1e10):.9g}\t0.5\t0\t{-t:.9g}" for t in rows]
    (folder / "table.txt").write_text("\n".join(lines) + "\n")
    return folder


def test_oommf_run_from_real_oommf_output():
    ds = open_run(OOMMF, basename="skyrmion_6ngbr")
    assert ds.attrs["kind"] == "oommf"
    assert {"m", "Ms", "UniformExchange_Field", "DMI_Cnv_z_Field"} <= set(ds.data_vars)
    assert ds.m.dims == ("t", "z", "y", "x", "c") and ds.sizes["t"] == 1
    assert isinstance(ds.m.data, dsa.Array)
    # m is M/|M|: unit length everywhere (1e-15: float64 rounding of the division)
    np.testing.assert_allclose(np.linalg.norm(ds.m.values, axis=-1), 1.0, atol=1e-15)
    np.testing.assert_allclose(ds.Ms.values, 580e3, rtol=1e-12)  # Ms of fixture_skyrmion.mif
    # The table's <mz> (computed by OOMMF) equals the mean of the m we read, to
    # float64 summation rounding over 1600 cells.
    assert float(ds.m.sel(c="z").mean()) == pytest.approx(float(ds.mz[0]), abs=1e-12)
    assert ds.UniformExchange_Field.attrs["units"] == "A/m"
    assert ds.iteration.values.tolist() == [522]
    assert "t" not in ds.coords  # a minimisation has no time (OOMMF writes -2 s)


def test_oommf_run_through_its_mif_file(tmp_path):
    # fixture_skyrmion.mif sets 'basename skyrmion_$kernel' (a Tcl substitution we cannot
    # evaluate), so the MIF's own stem is used; a MIF with a literal basename is followed.
    (tmp_path / "run.mif").write_text("SetOptions {\n  basename skyrmion_6ngbr\n}\n")
    for f in OOMMF.glob("skyrmion_6ngbr*"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    ds = open_run(tmp_path / "run.mif")
    assert ds.attrs["basename"] == "skyrmion_6ngbr" and "m" in ds


def test_folder_with_several_oommf_runs_needs_a_basename():
    with pytest.raises(FormatError, match="basename"):
        open_run(OOMMF)


def test_mumax3_layout_run(tmp_path):
    times = [0.0, 1e-11, 2e-11, 3e-11]
    ds = open_run(make_run(tmp_path / "sim.out", times))
    assert ds.attrs["kind"] == "mumax3"
    assert set(ds.data_vars) >= {"m", "B_ext", "mx", "E_total"}
    np.testing.assert_array_equal(ds.t.values, times)  # times from the headers, exactly
    assert ds.mx.dims == ("t",)  # table rows are the snapshot times: shared dimension
    assert ds.B_ext.attrs["units"] == "T" and ds.E_total.attrs["units"] == "J"
    for i, t in enumerate(times):
        np.testing.assert_array_equal(ds.m.isel(t=i).values, _m(t).astype(np.float32))
    assert ds.m.dtype == np.float32  # binary 4 stays float32
    assert ds.attrs["cell"] == pytest.approx(CELL, rel=1e-15)


def test_kind_tells_the_builtin_solver_from_mumax3(tmp_path):
    """The built-in solver writes mumax3's layout but its run.json names it: kind "builtin";
    a real mumax3 folder (no run.json) stays "mumax3", and OOMMF's run.json changes nothing."""
    from mumax3_writer import make_mx3_run
    from orchestrator.solver.mesh import Mesh
    from orchestrator.solver.output import RunWriter

    mesh = Mesh(n=(4, 2, 1), cell=CELL, Ms=8e5, pbc="x")
    w = RunWriter(tmp_path / "builtin.out", mesh, [("mx", "")])
    m = np.zeros(mesh.shape + (3,))
    m[..., 0] = 1
    w.save_field("m", m, 0.0, unit="1")
    w.table_row(0.0, [1.0])
    w.close("finished")
    ds = open_run(w.folder)
    assert ds.attrs["kind"] == "builtin" and ds.attrs["pbc"] == "x"
    assert analysis.describe(w.folder).startswith("builtin run ")

    mx3 = make_mx3_run(tmp_path / "sim.out", n_frames=2, shape=(1, 2, 4))
    assert open_run(mx3.folder).attrs["kind"] == "mumax3"
    # an OOMMF backend's run.out: its run.json ("backend": "oommf") keeps it an OOMMF run
    out = tmp_path / "oommf" / "run.out"
    out.mkdir(parents=True)
    for f in OOMMF.glob("skyrmion_6ngbr*"):
        (out / f.name).write_bytes(f.read_bytes())
    (out / "run.json").write_text(json.dumps({"backend": "oommf", "pbc": "xy"}))
    ds = open_run(out)
    assert ds.attrs["kind"] == "oommf" and ds.attrs["pbc"] == "xy"


def test_table_sampled_more_often_than_snapshots_gets_its_own_time(tmp_path):
    ds = open_run(make_run(tmp_path / "a.out", [0.0, 2e-11], table_times=[0.0, 1e-11, 2e-11]))
    assert ds.mx.dims == ("t_table",)
    np.testing.assert_array_equal(ds.t_table.values, [0.0, 1e-11, 2e-11])
    np.testing.assert_array_equal(ds.t.values, [0.0, 2e-11])


def test_plain_folder_of_ovf_files(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    for i in (10, 2, 1):  # natural order, not string order
        write_ovf(folder / f"snap_{i}.omf", _m(i * 1e-12), cell=CELL, time=i * 1e-12,
                  representation="text")
    ds = open_run(folder)
    assert ds.attrs["kind"] == "folder"
    np.testing.assert_allclose(ds.t.values, [1e-12, 2e-12, 1e-11], rtol=0)
    assert ds.snap_file.values.tolist() == ["snap_1.omf", "snap_2.omf", "snap_10.omf"]


def test_snapshots_on_different_meshes_are_refused(tmp_path):
    folder = make_run(tmp_path / "b.out", [0.0], extra=False)
    write_ovf(folder / "m000001.ovf", _m(0, shape=(1, 4, 7)), cell=CELL, title="m", time=1e-12)
    with pytest.raises(FormatError, match="the mesh of") as err:
        open_run(folder)
    assert err.value.path.endswith("m000001.ovf")


def test_opening_1000_snapshots_reads_no_data(tmp_path, monkeypatch):
    folder = tmp_path / "long.out"
    folder.mkdir()
    m = _m(0.0)
    for i in range(1000):
        write_ovf(folder / f"m{i:06d}.ovf", m, cell=CELL, title="m", time=i * 1e-12,
                  labels=["m_x", "m_y", "m_z"], units="1", representation="bin4")
    reads = []
    real = runs.read_ovf_values
    monkeypatch.setattr(runs, "read_ovf_values", lambda h, **kw: reads.append(h.path) or real(h, **kw))
    ds = open_run(folder)
    assert ds.sizes["t"] == 1000 and reads == []  # headers only
    frame = ds.m.isel(t=500).values
    assert len(reads) == 1 and reads[0].endswith("m000500.ovf")
    np.testing.assert_array_equal(frame, m.astype(np.float32))


def test_pbc_from_mumax3_log(tmp_path):
    folder = make_run(tmp_path / "p.out", [0.0], extra=False)
    (folder / "log.txt").write_text("SetGridSize(6, 4, 1)\nSetPBC(8, 8, 0)\n")
    assert open_run(folder).attrs["pbc"] == "xy"
    assert open_run(folder, pbc="x").attrs["pbc"] == "x"


def _sweep(root, points):
    for i, p in enumerate(points):
        run = make_run(root / f"point{i}", [0.0, 1e-11], extra=False)
        (run / "params.json").write_text(json.dumps(p))
    return root


def test_open_runs_grid_sweep(tmp_path):
    points = [{"j": j, "theta": th} for j in (1e10, 3e10) for th in (0, 90, 180)]
    ds = open_runs(_sweep(tmp_path / "sweep", points))
    assert dict(ds.sizes)["j"] == 2 and dict(ds.sizes)["theta"] == 3
    assert set(ds.m.dims) == {"j", "theta", "t", "z", "y", "x", "c"}
    assert ds.run.sel(j=3e10, theta=90).item().endswith("point4")
    np.testing.assert_array_equal(ds.t.values, [0.0, 1e-11])
    assert isinstance(ds.m.data, dsa.Array)


def test_open_runs_zipped_sweep_uses_a_point_dimension(tmp_path):
    points = [{"j": 1e10, "theta": 0}, {"j": 2e10, "theta": 45}, {"j": 3e10, "theta": 90}]
    ds = open_runs(_sweep(tmp_path / "zip", points))
    assert ds.sizes["point"] == 3
    assert ds.theta.dims == ("point",) and ds.theta.values.tolist() == [0, 45, 90]


def test_open_runs_needs_parameters(tmp_path):
    make_run(tmp_path / "s" / "a", [0.0], extra=False)
    with pytest.raises(ValueError, match="params.json"):
        open_runs(tmp_path / "s")
    ds = open_runs([tmp_path / "s" / "a"], params=lambda p: {"B": 0.1})
    assert ds.B.values.tolist() == [0.1]


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_export_round_trip(tmp_path, suffix):
    ds = open_run(make_run(tmp_path / "e.out", [0.0, 1e-11]))
    out = analysis.export_dataset(ds, tmp_path / f"run{suffix}")
    back = xr.open_dataset(out, engine="netcdf4" if suffix == ".nc" else "zarr")
    xr.testing.assert_equal(back.m.load(), ds.m.load())
    np.testing.assert_array_equal(back.mx.values, ds.mx.values)
    assert back.attrs["kind"] == "mumax3"
    with pytest.raises(FileExistsError):
        analysis.export_dataset(ds, out)


def _point(root, name, state, params, ran=True):
    """A point folder as `mmstudy run` lays it out (point.json, params.json, status.json,
    the solver output in run.out/ once it has run)."""
    folder = root / name
    if ran:
        make_run(folder / "run.out", [0.0, 1e-11], extra=False)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "point.json").write_text("{}")
    (folder / "params.json").write_text(json.dumps(params))
    (folder / "status.json").write_text(json.dumps({"state": state}))
    write_ovf(folder / "m0.ovf", _m(0.0), cell=CELL)  # an input, never a result
    return {"folder": name, "state": state, "params": params}


def test_a_point_that_has_not_run_is_not_opened_as_results(tmp_path):
    _point(tmp_path, "a", "pending", {"j": 1.0}, ran=False)
    with pytest.raises(FileNotFoundError, match="has not run .status: pending"):
        open_run(tmp_path / "a")
    _point(tmp_path, "b", "done", {"j": 2.0})
    assert open_run(tmp_path / "b").sizes["t"] == 2


def test_open_runs_of_a_run_folder_takes_the_points_its_manifest_lists_as_done(tmp_path):
    entries = [_point(tmp_path, "p1", "done", {"j": 1.0}),
               _point(tmp_path, "p2", "failed", {"j": 2.0}),
               _point(tmp_path, "p3", "done", {"j": 3.0})]
    _point(tmp_path, "old", "done", {"j": 1.0})  # a folder of an earlier version of the study
    (tmp_path / "manifest.json").write_text(json.dumps({"points": entries}))
    ds = open_runs(tmp_path)
    assert ds.j.values.tolist() == [1.0, 3.0]
