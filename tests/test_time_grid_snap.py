"""Issue 13: times on the save grid (stage start + n × save interval) for every backend.
mumax3 and OOMMF accumulate their clocks in floats (``9.999999999999999e-11`` for
10 × 10 ps); where the run records its save intervals (a point folder's ``point.json``),
the reader puts times that lie within 1e-6 of an interval of the grid onto it, and
leaves every other time as the file gives it."""

import json

import numpy as np
import pytest

from analysis import open_run, write_ovf

CELL = (2e-9, 2e-9, 1e-9)


def _m(i, shape=(1, 4, 6)):
    nz, ny, nx = shape
    phase = np.arange(nx)[None, None, :] * 0.3 + i
    return np.stack([np.cos(phase) * np.ones(shape), np.sin(phase) * np.ones(shape),
                     np.zeros(shape)], axis=-1)


def _accumulated(step, n, start=0.0):
    """What a solver's clock reads after n float additions of ``step``."""
    out, t = [start], start
    for _ in range(n):
        t += step
        out.append(t)
    return out


def _mx3_point(point, times, stages):
    out = point / "run.out"
    out.mkdir(parents=True)
    for i, t in enumerate(times):
        write_ovf(out / f"m{i:06d}.ovf", _m(i), cell=CELL, title="m", time=t,
                  labels=["m_x", "m_y", "m_z"], units="1")
    lines = ["# t (s)\tmx ()"] + [f"{t!r}\t{i}" for i, t in enumerate(times)]
    (out / "table.txt").write_text("\n".join(lines) + "\n")
    (point / "point.json").write_text(json.dumps({"backend": "mumax3",
                                                  "study": {"stages": stages}}))
    return point


def test_mumax3_point_times_are_put_on_the_save_grid(tmp_path):
    times = [0.0, 9.999999999999999e-11, 2.0000000000000004e-10]
    point = _mx3_point(tmp_path / "p", times,
                       [{"type": "evolve", "duration": 2e-10, "save_every": 1e-10}])
    ds = open_run(point)
    assert ds.t.values.tolist() == [0.0, 1e-10, 2e-10]
    assert ds.mx.dims == ("t",) and ds.mx.values.tolist() == [0, 1, 2]
    assert int(ds.mx.sel(t=1e-10)) == 1 and ds.m.sel(t=1e-10).sizes == ds.m.isel(t=0).sizes
    assert ds.stage_t.values.tolist() == [0.0, 1e-10, 2e-10]


def test_mumax3_point_accumulated_times_over_stages(tmp_path):
    # minimize (frame at 0), then 10 × run(10 ps), then 5 × run(10 ps)
    first = _accumulated(1e-11, 10)[1:]
    assert first[-1] != 1e-10  # the float clock drifts
    second = _accumulated(1e-11, 5, start=first[-1])[1:]
    times = [0.0, 0.0, *first, *second]
    stages = [{"type": "minimize"},
              {"type": "evolve", "duration": 1e-10, "save_every": 1e-11},
              {"type": "evolve", "duration": 5e-11, "save_every": 1e-11}]
    ds = open_run(_mx3_point(tmp_path / "p", times, stages))
    assert ds.t.values.tolist() == [0.0] + [float(f"{n}e-11") for n in range(1, 16)]
    assert ds.stage.values.tolist() == [0] + [1] * 10 + [2] * 5
    last = open_run(tmp_path / "p", stage="last_evolve")
    assert last.stage_t.values.tolist() == [float(f"{n}e-11") for n in range(1, 6)]


def test_times_off_the_grid_are_kept(tmp_path):
    # an adaptive step that overshoots the save time by 3e-4 of the interval: not moved
    times = [0.0, 1.00003e-10, 2.0001e-10]
    point = _mx3_point(tmp_path / "p", times,
                       [{"type": "evolve", "duration": 2e-10, "save_every": 1e-10}])
    assert open_run(point).t.values.tolist() == times


def test_plain_mumax3_run_keeps_its_times(tmp_path):
    # no point.json: the save interval is not known, the times are read as they are
    times = [0.0, 9.999999999999999e-11, 2.0000000000000004e-10]
    point = _mx3_point(tmp_path / "p", times,
                       [{"type": "evolve", "duration": 2e-10, "save_every": 1e-10}])
    plain = (point / "run.out").rename(tmp_path / "sim.out")
    assert open_run(plain).t.values.tolist() == times


def _oommf_stage(root, name, times):
    for i, t in enumerate(times):
        write_ovf(root / f"{name}-Magnetization-00-{i:07d}.omf", _m(i) * 8e5, cell=CELL,
                  title="Oxs_TimeDriver::Magnetization", time=t, labels=["m_x", "m_y", "m_z"],
                  units="A/m")
    lines = ["# ODT 1.0", "# Table Start", "# Columns: {Oxs_TimeDriver::Simulation time} "
             "{Oxs_TimeDriver::mx}", "# Units: {s} {}"]
    lines += [f" {t!r} {i}" for i, t in enumerate(times)] + ["# Table End"]
    (root / f"{name}.odt").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("in_point", [True, False])
def test_oommf_point_stages_are_put_on_the_save_grid(tmp_path, in_point):
    out = tmp_path / "p" / "run.out"
    out.mkdir(parents=True)
    _oommf_stage(out, "stage0_minimize", [0.0])
    # OOMMF's clock restarts in each MIF and accumulates in floats within it
    ev1 = _accumulated(1e-11, 10)[1:]
    ev2 = _accumulated(1e-11, 5)[1:]
    assert ev1[-1] != 1e-10 and ev1[4] != 5e-11
    _oommf_stage(out, "stage1_evolve", ev1)
    _oommf_stage(out, "stage2_evolve", ev2)
    stages = [{"type": "minimize"},
              {"type": "evolve", "duration": 1e-10, "save_every": 1e-11},
              {"type": "evolve", "duration": 5e-11, "save_every": 1e-11}]
    if in_point:
        (tmp_path / "p" / "point.json").write_text(
            json.dumps({"backend": "oommf", "study": {"stages": stages}}))
    ds = open_run(out)
    if in_point:
        assert ds.t.values.tolist() == [0.0] + [float(f"{n}e-11") for n in range(1, 16)]
        assert ds.mx.dims == ("t",) and float(ds.mx.sel(t=5e-11)) == 4
    else:  # no save intervals: OOMMF's own times, joined exactly
        assert ds.t.values[1:11].tolist() == ev1
