"""The time axis of a run (issue 13): a unique, strictly increasing ``t`` with ``stage`` and
``stage_t`` along it, exact save times, and ``open_run(path, stage=k)``."""

import io
import json

import numpy as np
import pytest

import analysis
from analysis import open_run, write_ovf
from orchestrator.backends.builtin import run_study_point
from orchestrator.study import validate_study

CELL = (2e-9, 2e-9, 1e-9)


def _m(t, shape=(1, 4, 6)):
    nz, ny, nx = shape
    phase = np.arange(nx)[None, None, :] * 0.3 + t * 1e10
    return np.stack([np.cos(phase) * np.ones(shape), np.sin(phase) * np.ones(shape),
                     np.zeros(shape)], axis=-1)


@pytest.fixture(scope="module")
def builtin_run(tmp_path_factory):
    """minimize, then evolve 0.1 ns saving every 10 ps, then evolve 0.05 ns (built-in)."""
    study = validate_study({
        "name": "axis", "mesh": {"n": [8, 8, 1], "cell": [2e-9, 2e-9, 1e-9]},
        "materials": {"default": {"Ms": 8e5, "A": 1.3e-11, "alpha": 0.5}},
        "drives": {"h": {"type": "field", "H": [0, 0, "10 mT"]}},
        "initial": {"type": "uniform", "direction": [1, 0, 1]},
        "stages": [{"type": "minimize"},
                   {"type": "evolve", "duration": "0.1 ns", "save_every": "10 ps"},
                   {"type": "evolve", "duration": "0.05 ns", "save_every": "10 ps",
                    "table_every": "5 ps"}]})
    out = tmp_path_factory.mktemp("axis") / "run.out"
    run_study_point(study, out, log=io.StringIO())
    return out


def test_builtin_default_view_has_a_unique_increasing_t(builtin_run):
    ds = open_run(builtin_run)
    t = ds.t.values
    assert np.all(np.diff(t) > 0)
    # the relaxed state, not the initial one, at t = 0; then stage 1, then stage 2
    assert t[0] == 0.0 and ds.stage.values.tolist() == [0] + [1] * 10 + [2] * 5
    assert ds.attrs["stage_types"] == ["minimize", "evolve", "evolve"]
    # every xarray operation along t works
    ds.m.sel(t=1e-10)
    ds.m.sel(t=1.04e-10, method="nearest")
    mz = ds.m.sel(c="z").mean(("x", "y", "z"))
    mz.interp(t=0.5e-10)
    assert np.all(np.isfinite(mz.load().differentiate("t").values))
    # the table (saved more often in stage 2) has its own axis, unique too
    assert np.all(np.diff(ds.t_table.values) > 0)
    assert np.all(np.isfinite(ds.mz.differentiate("t_table").values))


def test_builtin_times_are_exact(builtin_run):
    ds = open_run(builtin_run)
    expected = [0.0] + [float(f"{n}e-11") for n in range(1, 16)]
    assert ds.t.values.tolist() == expected  # 1e-10, not 9.999999999999999e-11
    assert ds.stage_t.values.tolist() == [0.0] + [float(f"{n}e-11") for n in range(1, 11)] \
        + [float(f"{n}e-11") for n in range(1, 6)]
    raw = [float(line.split("\t")[0]) for line in
           (builtin_run / "table.txt").read_text().splitlines()[1:]]
    assert 1e-10 in raw and 1.5e-10 in raw and 1.05e-10 in raw


def test_builtin_stage_views(builtin_run):
    first = open_run(builtin_run, stage=0)  # the initial state and the relaxed one
    assert first.sizes["t"] == 2 and first.t.values.tolist() == [0.0, 0.0]
    assert not np.allclose(first.m.isel(t=0).values, first.m.isel(t=1).values)
    ds = open_run(builtin_run)
    np.testing.assert_array_equal(first.m.isel(t=-1).values, ds.m.isel(t=0).values)
    last = open_run(builtin_run, stage="last_evolve")
    assert last.stage.values.tolist() == [2] * 5 and last.t.values[0] == 1.1e-10
    assert open_run(builtin_run, stage=-1).t.values.tolist() == last.t.values.tolist()
    assert last.stage_t.values.tolist() == [1e-11, 2e-11, 3e-11, 4e-11, 5e-11]
    # the table of stage 2 is saved twice as often: its own dimension, its rows only
    assert last.sizes["t_table"] == 10
    one = open_run(builtin_run, stage=1)
    assert one.sizes["t"] == 10 and "mx" in one and one.mx.dims == ("t",)
    with pytest.raises(ValueError):
        open_run(builtin_run, stage=3)


def test_simulation_run_times_are_exact(tmp_path):
    from orchestrator.solver import Mesh, Simulation
    from orchestrator.solver.terms.exchange import Exchange
    sim = Simulation(Mesh(n=(4, 4, 1), cell=(1e-9,) * 3, Ms=8e5), [Exchange(1e-11)], alpha=0.5)
    m = np.zeros((1, 4, 4, 3)); m[..., 0] = 1; m[..., 2] = 1
    sim.set_m(m)
    out = sim.run(1e-10, out=tmp_path / "s.out", save_every=1e-11, progress=False)
    ds = open_run(out)
    assert ds.t.values.tolist() == [0.0] + [float(f"{n}e-11") for n in range(1, 11)]
    assert ds.stage.values.tolist() == [0] * 11 and ds.attrs["stage_types"] == ["evolve"]


def _plain_mx3_run(folder, times):
    folder.mkdir(parents=True)
    for i, t in enumerate(times):
        write_ovf(folder / f"m{i:06d}.ovf", _m(t + i), cell=CELL, title="m", time=t,
                  labels=["m_x", "m_y", "m_z"], units="1")
    lines = ["# t (s)\tmx ()"] + [f"{t!r}\t{i}" for i, t in enumerate(times)]
    (folder / "table.txt").write_text("\n".join(lines) + "\n")


def test_mumax3_run_with_a_minimize_keeps_the_relaxed_frame(tmp_path):
    # mumax3: save(m) at t = 0, minimize(), save(m) at t = 0, run(...)
    _plain_mx3_run(tmp_path / "a.out", [0.0, 0.0, 1e-11, 2e-11])
    ds = open_run(tmp_path / "a.out")
    assert ds.t.values.tolist() == [0.0, 1e-11, 2e-11]
    assert ds.mx.values.tolist() == [1, 2, 3]  # the relaxed row, not the initial one
    assert ds.stage.values.tolist() == [0, 0, 0] and ds.attrs["stage_types"] == []
    assert ds.attrs["hidden_frames"] == 1
    assert ds.stage_t.values.tolist() == ds.t.values.tolist()
    ds.m.sel(t=0.0, method="nearest")


def _oommf_stage(root, name, times, stage_times=None):
    for i, t in enumerate(times):
        st = t if stage_times is None else stage_times[i]
        write_ovf(root / f"{name}-Magnetization-00-{i:07d}.omf", _m(t + i) * 8e5, cell=CELL,
                  title="Oxs_TimeDriver::Magnetization", time=st, labels=["m_x", "m_y", "m_z"],
                  units="A/m")
    lines = ["# ODT 1.0", "# Table Start", "# Columns: {Oxs_TimeDriver::Simulation time} "
             "{Oxs_TimeDriver::mx}", "# Units: {s} {}"]
    lines += [f" {t!r} {i}" for i, t in enumerate(times)] + ["# Table End"]
    (root / f"{name}.odt").write_text("\n".join(lines) + "\n")


def test_oommf_stages_join_on_one_exact_clock(tmp_path):
    _oommf_stage(tmp_path, "stage0_minimize", [0.0])
    # OOMMF's clock restarts in each MIF; the join adds the stage start exactly
    _oommf_stage(tmp_path, "stage1_evolve", [float(f"{n}e-11") for n in range(1, 11)])
    _oommf_stage(tmp_path, "stage2_evolve", [float(f"{n}e-11") for n in range(1, 6)])
    ds = open_run(tmp_path)
    assert np.all(np.diff(ds.t.values) > 0)
    # 1e-10 + 1e-11 is 1.1e-10, not 1.1000000000000001e-10 (1.3e-10 likewise)
    assert ds.t.values[-5:].tolist() == [1.1e-10, 1.2e-10, 1.3e-10, 1.4e-10, 1.5e-10]
    assert ds.attrs["stage_types"] == ["minimize", "evolve", "evolve"]
    assert ds.stage.values.tolist() == [0] + [1] * 10 + [2] * 5
    last = open_run(tmp_path, stage="last_evolve")
    assert last.t.values[0] == 1.1e-10 and last.stage_t.values[0] == 1e-11
    assert last.sizes["t"] == 5 and last.mx.dims == ("t",)


def test_mumax3_point_folder_gets_its_stages_from_point_json(tmp_path):
    # mmstudy's mumax3 script: save(m) at 0; minimize(), save(m); 2 × (run 10 ps, save(m))
    point = tmp_path / "p"
    _plain_mx3_run(point / "run.out", [0.0, 0.0, 1e-11, 2e-11])
    study = {"stages": [{"type": "minimize"},
                        {"type": "evolve", "duration": 2e-11, "save_every": 1e-11}]}
    (point / "point.json").write_text(json.dumps({"backend": "mumax3", "study": study}))
    ds = open_run(point)
    assert ds.attrs["stage_types"] == ["minimize", "evolve"]
    assert ds.stage.values.tolist() == [0, 1, 1] and ds.t.values.tolist() == [0.0, 1e-11, 2e-11]
    assert ds.mx.dims == ("t",) and ds.mx.values.tolist() == [1, 2, 3]
    last = open_run(point, stage="last_evolve")
    assert last.t.values.tolist() == [1e-11, 2e-11] and last.stage_t.values.tolist() == [1e-11, 2e-11]
    assert open_run(point, stage=0).sizes["t"] == 2
