"""The Simulation API and its run folder: what the data layer reads back."""

import json

import numpy as np
import pytest

import analysis
from orchestrator.solver import Mesh, Simulation
from orchestrator.solver.terms.anisotropy import UniaxialAnisotropy
from orchestrator.solver.terms.dmi import DMI
from orchestrator.solver.terms.exchange import Exchange
from orchestrator.solver.terms.zeeman import Zeeman


def small_sim(pbc="xy", **kw):
    mesh = Mesh(n=(24, 24, 1), cell=(1e-9, 1e-9, 1e-9), Ms=580e3, pbc=pbc)
    terms = [Exchange(15e-12), DMI(3.5e-3, "Cnv_z"), UniaxialAnisotropy(0.8e6, (0, 0, 1)),
             Zeeman((0, 0, 4e4))]
    sim = Simulation(mesh, terms, alpha=0.5, **kw)
    sim.set_skyrmion(centre=(12e-9, 12e-9), radius=5e-9, helicity=np.pi)
    return sim


def test_run_folder_reads_back_as_a_run(tmp_path):
    sim = small_sim()
    out = sim.run(20e-12, out=tmp_path / "a.out", save_every=5e-12, fields=("m", "exch"),
                  progress=False)
    ds = analysis.open_run(out)
    assert ds.attrs["kind"] == "builtin" and ds.attrs["pbc"] == "xy"
    np.testing.assert_allclose(ds.t.values, [0, 5e-12, 10e-12, 15e-12, 20e-12], rtol=1e-12)
    assert ds.mx.dims == ("t",)  # table rows are the snapshot times
    assert ds.H_exch.attrs["units"] == "A/m"
    # the table's total energy is the sum of its terms (same evaluation, rounding only)
    terms = sum(ds[f"E_{n}"] for n in ("exch", "DMI", "anis", "Zeeman"))
    np.testing.assert_allclose(ds.E_total.values, terms.values, rtol=1e-12)
    # <m> in the table equals the mean of the saved snapshot (bin4: float32 rounding)
    np.testing.assert_allclose(ds.mz.values, ds.m.sel(c="z").mean(("x", "y", "z")).values,
                               atol=1e-6)
    # the last snapshot is the simulation's state (float32)
    np.testing.assert_allclose(ds.m.isel(t=-1, z=0).values, sim.m[0], atol=1e-7)
    assert json.loads((out / "run.json").read_text())["status"] == "finished"


def test_damped_dynamics_lowers_the_energy(tmp_path):
    sim = small_sim()
    out = sim.run(40e-12, out=tmp_path / "e.out", save_every=10e-12, progress=False)
    E = analysis.open_run(out).E_total.values
    assert np.all(np.diff(E) <= 1e-30)  # α = 0.5, no drive: dE/dt = −α|m×H|²... ≤ 0


def test_an_interrupted_run_leaves_a_readable_folder(tmp_path):
    sim = small_sim()
    def ctrl_c(state):  # the user presses Ctrl-C a little after 5 ps
        if state.t > 5.3e-12:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sim.run(1e-9, out=tmp_path / "i.out", save_every=2e-12, stop=ctrl_c, progress=False)
    ds = analysis.open_run(tmp_path / "i.out")
    assert ds.sizes["t"] == 3 and np.isfinite(ds.m.values).all()  # saved at 0, 2 and 4 ps
    np.testing.assert_allclose(ds.t.values[:3], [0, 2e-12, 4e-12], rtol=1e-12)
    assert json.loads((tmp_path / "i.out" / "run.json").read_text())["status"] == "interrupted"
    # the state in memory is still a unit field, ready to continue
    np.testing.assert_allclose(np.linalg.norm(sim.m, axis=-1), 1.0, atol=1e-12)


def test_an_existing_run_is_not_overwritten(tmp_path):
    sim = small_sim()
    sim.run(2e-12, out=tmp_path / "o.out", save_every=1e-12, progress=False)
    before = (tmp_path / "o.out" / "table.txt").read_bytes()
    with pytest.raises(FileExistsError):
        sim.run(2e-12, out=tmp_path / "o.out", save_every=1e-12, progress=False)
    assert (tmp_path / "o.out" / "table.txt").read_bytes() == before


def test_float32_follows_float64(tmp_path):
    a, b = small_sim(), small_sim(dtype=np.float32)
    a.run(10e-12, out=tmp_path / "a.out", save_every=5e-12, progress=False)
    b.run(10e-12, out=tmp_path / "b.out", save_every=5e-12, progress=False)
    assert b.m.dtype == np.float32
    # float32 rounding (6e-8) accumulates over ~100 steps of RK45 at tol 1e-5
    np.testing.assert_allclose(b.m, a.m, atol=2e-4)


def test_thermal_runs_need_a_fixed_step(tmp_path):
    sim = small_sim(temperature=10.0, seed=1)
    with pytest.raises(ValueError, match="fixed step"):
        sim.run(1e-12, out=tmp_path / "t.out", save_every=1e-12, integrator="heun",
                progress=False)
    out = sim.run(1e-12, out=tmp_path / "t2.out", save_every=0.5e-12, integrator="heun",
                  dt=1e-14, progress=False)
    assert analysis.open_run(out).sizes["t"] == 3
