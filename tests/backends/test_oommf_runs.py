"""OOMMF runs: reading a run made of several MIF stages (always tested, on synthetic
files laid out as OOMMF writes them), and real OOMMF against the built-in solver
(skipped without OOMMF: set OOMMFTCL to oommf.tcl, or put ``oommf`` on PATH).

Every comparison with real OOMMF uses a study rendered by the OOMMF backend and the
same study run by the built-in backend; tolerances are justified case by case.
"""

from __future__ import annotations

import io
import json
import math
import threading
from pathlib import Path

import numpy as np
import pytest

import analysis
from analysis.ovf import write_ovf
from orchestrator.backends.builtin import BuiltinBackend, build_simulation
from orchestrator.backends.oommf import OOMMFBackend
from orchestrator.study import validate_study


# --------------------------------------------------------------------------- stage joining

def _odt(path: Path, columns: list[str], rows: list[list[float]]) -> None:
    cols = " ".join("{" + c + "}" if " " in c else c for c in columns)
    lines = ["# ODT 1.0", "# Table Start", "# Title: test", f"# Columns: {cols}",
             "# Units: " + " ".join("{}" for _ in columns)]
    lines += [" ".join(repr(float(v)) for v in row) for row in rows]
    lines.append("# Table End")
    path.write_text("\n".join(lines) + "\n")


def _omf(path: Path, driver: str, mz: float, time: float | None) -> None:
    M = np.zeros((1, 2, 3, 3))
    M[..., 2] = mz * 8e5
    M[..., 0] = math.sqrt(1 - mz ** 2) * 8e5
    write_ovf(path, M, cell=(1e-9,) * 3, title=f"{driver}::Magnetization", units="A/m",
              labels=("Magnetization_x", "Magnetization_y", "Magnetization_z"), time=time)


def _staged_run(root: Path) -> None:
    """minimise (2 snapshots, no times), relax (OOMMF's clock ran 7 ps), evolve 2 × 10 ps,
    evolve 1 × 5 ps: OOMMF's clock restarts at 0 in every MIF."""
    root.mkdir()
    _omf(root / "stage0_minimize-Oxs_MinDriver-Magnetization-00-0000000.omf", "Oxs_MinDriver", 0.1, None)
    _omf(root / "stage0_minimize-Oxs_MinDriver-Magnetization-00-0000042.omf", "Oxs_MinDriver", 0.2, None)
    _odt(root / "stage0_minimize.odt", ["Oxs_MinDriver::Iteration", "Oxs_MinDriver::mz"],
         [[0, 0.1], [42, 0.2]])
    _omf(root / "stage1_relax-Oxs_TimeDriver-Magnetization-00-0000100.omf", "Oxs_TimeDriver", 0.3, 7e-12)
    _odt(root / "stage1_relax.odt", ["Oxs_TimeDriver::Simulation time", "Oxs_TimeDriver::mz"],
         [[7e-12, 0.3]])
    for i, t in enumerate((1e-11, 2e-11)):
        _omf(root / f"stage2_evolve-Oxs_TimeDriver-Magnetization-0{i}-000{i}100.omf",
             "Oxs_TimeDriver", 0.4 + 0.1 * i, t)
    _odt(root / "stage2_evolve.odt", ["Oxs_TimeDriver::Simulation time", "Oxs_TimeDriver::mz",
                                      "Oxs_UniformExchange:exch:Energy"],
         [[1e-11, 0.4, 1.0], [2e-11, 0.5, 2.0]])
    _omf(root / "stage3_evolve-Oxs_TimeDriver-Magnetization-00-0000050.omf", "Oxs_TimeDriver", 0.6, 5e-12)
    _odt(root / "stage3_evolve.odt", ["Oxs_TimeDriver::Simulation time", "Oxs_TimeDriver::mz"],
         [[5e-12, 0.6]])
    (root / "run.json").write_text(json.dumps({"pbc": "x"}))


def test_stages_join_into_one_run_on_one_clock(tmp_path):
    """Minimise and relax take no time (the relax's own 7 ps are not counted, as mumax3's
    relax() restores t); each evolve stage starts where the previous one ended."""
    _staged_run(tmp_path / "run.out")
    ds = analysis.open_run(tmp_path / "run.out")
    # a unique time axis: of the three frames at t = 0 (initial, minimised, relaxed) the
    # default view keeps the last; every stage's own frames stay reachable (stage=k)
    np.testing.assert_allclose(ds.t.values, [0, 1e-11, 2e-11, 2.5e-11], rtol=1e-15)
    np.testing.assert_allclose(ds.m.sel(c="z").mean(["x", "y", "z"]).values,
                               [0.3, 0.4, 0.5, 0.6], rtol=1e-12)
    assert ds.stage.values.tolist() == [1, 2, 2, 3]
    assert ds.attrs["stage_types"] == ["minimize", "relax", "evolve", "evolve"]
    np.testing.assert_allclose(analysis.open_run(tmp_path / "run.out", stage=0)
                               .m.sel(c="z").mean(["x", "y", "z"]).values, [0.1, 0.2],
                               rtol=1e-12)
    # the table rows are the snapshots here, so its columns join along t
    np.testing.assert_allclose(ds.mz.values, [0.3, 0.4, 0.5, 0.6], rtol=1e-15)
    assert np.isnan(ds.E_UniformExchange.values[[0, 3]]).all()
    assert ds.attrs["stages"] == "stage0_minimize stage1_relax stage2_evolve stage3_evolve"
    assert ds.attrs["pbc"] == "x" and ds.m.attrs["pbc"] == "x"
    assert float(ds.Ms.max()) == pytest.approx(8e5, rel=1e-12)


def test_a_point_folder_opens_its_staged_run(tmp_path):
    """The dispatcher's point folder (point.json beside run.out/) opens as the run."""
    _staged_run(tmp_path / "run.out")
    (tmp_path / "point.json").write_text("{}")
    (tmp_path / "stage0.mif").write_text("# MIF 2.2\n")
    assert analysis.open_run(tmp_path).sizes["t"] == 4  # three frames at t = 0 shown once


def test_one_basename_still_picks_one_stage(tmp_path):
    _staged_run(tmp_path / "run.out")
    ds = analysis.open_run(tmp_path / "run.out", basename="stage2_evolve")
    np.testing.assert_allclose(ds.t.values, [1e-11, 2e-11], rtol=1e-15)
    assert "stages" not in ds.attrs


def test_named_term_fields_are_H_of_their_name(tmp_path):
    """OOMMF titles a named term's field 'Oxs_<class>:<name>:Field': it becomes H_<name>,
    the built-in solver's variable for the same term."""
    root = tmp_path / "run.out"
    root.mkdir()
    _omf(root / "stage0_evolve-Oxs_TimeDriver-Magnetization-00-0000010.omf", "Oxs_TimeDriver",
         0.5, 1e-12)
    write_ovf(root / "stage0_evolve-exch-Field-00-0000010.ohf", np.ones((1, 2, 3, 3)),
              cell=(1e-9,) * 3, title="Oxs_UniformExchange:exch:Field", units="A/m", time=1e-12)
    ds = analysis.open_run(root)
    assert {"m", "Ms", "H_exch"} <= set(ds.data_vars)
    assert ds.H_exch.dims == ("t", "z", "y", "x", "c") and float(ds.t[0]) == 1e-12


def test_other_oommf_folders_are_unchanged(oommf_dir):
    """Basenames that are not stage<k>[_type] still need a choice."""
    with pytest.raises(analysis.FormatError, match="basename"):
        analysis.open_run(oommf_dir)


# --------------------------------------------------------------------------- real OOMMF

def _oommf() -> OOMMFBackend:
    backend = OOMMFBackend()
    info = backend.find()
    if not info.found:
        pytest.skip(f"OOMMF not available: {info.how}")
    return backend


def _run(backend, study, folder: Path):
    backend.render(study, folder)
    backend.execute(study, folder, log=io.StringIO(), threads=1)
    return analysis.open_run(folder / "run.out")


MAT = {"Ms": 5.8e5, "A": 1.5e-11, "K": 8e5, "K_axis": [0, 0, 1], "alpha": 0.3}
FIELDS = ["m", "exch", "DMI", "anis", "h"]


def _janus(interface: str, pbc: str):
    """Three DMI classes, per-region A, Ms, K and axis, a field in one region, vacuum
    outside a disk, and a random state whose fields are saved at t = 0."""
    return validate_study({
        "name": "fields", "mesh": {"n": [28, 20, 2], "cell": [1e-9, 1e-9, 1.5e-9], "pbc": pbc},
        "regions": [{"name": "left", "shape": {"type": "disk", "centre": [14e-9, 10e-9],
                                               "radius": 9.5e-9}},
                    {"name": "right", "shape": {"type": "half_plane", "point": [14e-9, 0],
                                                "normal": [1, 0]}}],
        "materials": {"default": MAT,
                      "left": {"dmi": [{"D": 3.7e-3, "class": "Cnv_z"},
                                       {"D": 1e-3, "class": "D2d_z"}]},
                      "right": {"dmi": {"D": -2.5e-3, "class": "T"}, "A": 1e-11, "Ms": 4e5,
                                "K": 3e5, "K_axis": [1, 1, 0]}},
        "energy": {"dmi_interface": interface},
        "initial": {"type": "random", "seed": 4},
        "drives": {"h": {"type": "field", "H": [1e4, -2e4, 3e4], "regions": ["right"]}},
        "stages": [{"type": "evolve", "duration": 1e-15, "save_every": 1e-15, "fields": FIELDS}]})


@pytest.mark.parametrize("interface,pbc", [("mean", ""), ("zero", "xy")])
def test_per_term_fields_equal_the_builtin_solvers(interface, pbc, tmp_path):
    """OOMMF's field of every term at t = 0 (the Step-0 output) equals the built-in
    solver's for the same state: regions from the raster (vacuum included), A/Ms/K per
    region, three DMI classes with the bond rule, a field in one region. Tolerance 1e-12
    of the largest field: the same discretisation in double precision (observed ~3e-16)."""
    backend = _oommf()
    study = _janus(interface, pbc)
    ds = _run(backend, study, tmp_path)
    sim, _ = build_simulation(study)
    np.testing.assert_allclose(ds.m.isel(t=0).values, sim.m, rtol=0, atol=1e-15)
    for term in sim.terms:
        ours = term.field(sim.m, 0.0)
        names = [v for v in ds.data_vars if v.startswith(f"H_{term.name}")]
        assert names, term.name
        theirs = sum(ds[n].isel(t=0).values for n in names)
        np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-12 * np.abs(ours).max(),
                                   err_msg=term.name)


@pytest.mark.parametrize("pbc,n", [("", (24, 16, 1)), ("xy", (16, 12, 1))])
def test_twelve_neighbour_exchange_equals_the_builtin_kernel(pbc, n, tmp_path):
    """``kernel 12ngbrb`` on open meshes (with a 5..9-cell axis, where OOMMF's 12ngbr stops)
    and ``12ngbrmirror`` on an xy-periodic film give the built-in 12-neighbour field
    (1e-12 of the largest field: same stencil, double precision)."""
    backend = _oommf()
    n = (n[0], 7, 1) if not pbc else n
    study = validate_study({
        "name": "k12", "mesh": {"n": list(n), "cell": [1e-9] * 3, "pbc": pbc},
        "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.3}},
        "energy": {"exchange_kernel": "12ngbr"}, "initial": {"type": "random", "seed": 1},
        "stages": [{"type": "evolve", "duration": 1e-15, "save_every": 1e-15,
                    "fields": ["m", "exch"]}]})
    ds = _run(backend, study, tmp_path)
    sim, _ = build_simulation(study)
    ours = sim.terms[0].field(sim.m, 0.0)
    np.testing.assert_allclose(ds.H_exch.isel(t=0).values, ours, rtol=0,
                               atol=1e-12 * np.abs(ours).max())


def _both(study, tmp_path):
    oommf = _run(_oommf(), study, tmp_path / "oommf")
    builtin_dir = tmp_path / "builtin"
    BuiltinBackend().render(study, builtin_dir)
    BuiltinBackend().execute(study, builtin_dir, log=io.StringIO())
    return oommf, analysis.open_run(builtin_dir / "run.out")


def test_sot_at_an_angle_with_a_field_pulse_follows_the_builtin_solver(tmp_path):
    """Damping- and field-like SOT at 30° (switched by a pulse, thickness ≠ cell) plus a
    sinusoidal field: ⟨m⟩(t) over 50 ps agrees to 2e-6. Both integrate with RK45 at a
    1e-7 tolerance (OOMMF's rkf54 with absolute_step_error = 1e-7 rad); the built-in
    snapshots are float32 (1e-7); observed 4e-7. A wrong sign or a factor in J, P, ε' or
    γ shows up at the 1e-2 level."""
    study = validate_study({
        "name": "sot", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
        "materials": {"default": dict(MAT, dmi={"D": 3e-3, "class": "Cnv_z"})},
        "initial": {"type": "uniform", "direction": [0.3, 0.2, 1]},
        "drives": {"sot": {"type": "sot", "j": 2e12, "theta_SH": 0.3, "p_angle": "30 deg",
                           "field_like": 0.5, "thickness": 2e-9,
                           "envelope": {"type": "pulse", "t0": 5e-12, "t1": 3e-11}},
                   "h": {"type": "field", "H": [0, "20 mT", 0],
                         "envelope": {"type": "expression", "expression": "sin(2*pi*5e10*t)"}}},
        "stages": [{"type": "evolve", "duration": 5e-11, "save_every": 5e-12,
                    "tolerance": 1e-7}]})
    oommf, builtin = _both(study, tmp_path)
    np.testing.assert_allclose(oommf.t.values, builtin.t.values, rtol=1e-12)
    a = oommf.m.mean(["x", "y", "z"]).values
    b = builtin.m.mean(["x", "y", "z"]).values
    assert np.abs(a[-1] - a[0]).max() > 0.05  # the drive did move m
    np.testing.assert_allclose(a, b, rtol=0, atol=2e-6)


def test_zhang_li_moves_a_skyrmion_as_the_builtin_solver(tmp_path):
    """Minimise (no current), then 20 ps of Zhang–Li current: the skyrmion's centre moves
    by the same vector (within 0.02 nm of ~4.3 nm; the evolvers differ only in the edge
    stencil of (u·∇)m, documented) and the minimised states agree to 1e-4 per cell (two
    minimisers with their own stopping rules; observed 5e-5)."""
    study = validate_study({
        "name": "zl", "mesh": {"n": [40, 40, 1], "cell": [1e-9] * 3},
        "materials": {"default": {**MAT, "K": 6e5, "dmi": {"D": 4e-3, "class": "Cnv_z"}}},
        "initial": {"type": "skyrmions", "skyrmions": [{"centre": [20e-9, 20e-9],
                                                        "radius": 5e-9, "helicity": math.pi}]},
        "drives": {"zl": {"type": "zhang_li", "j": [5e12, 2e12, 0], "P": 0.5, "xi": 0.1}},
        "stages": [{"type": "minimize", "drives": []},
                   {"type": "evolve", "duration": 2e-11, "save_every": 1e-11,
                    "tolerance": 1e-7}]})
    oommf, builtin = _both(study, tmp_path)
    # the minimised state at t = 0 (the initial state shares its time), then the evolve
    np.testing.assert_allclose(oommf.t.values, [0, 1e-11, 2e-11], atol=1e-24)
    np.testing.assert_allclose(oommf.m.isel(t=0).values, builtin.m.isel(t=0).values,
                               rtol=0, atol=1e-4)

    def centre(ds, i):
        w = np.clip(-ds.m.isel(t=i, z=0, c=2).values, 0, None)
        X, Y = np.meshgrid(ds.x.values, ds.y.values)
        return np.array([(w * X).sum(), (w * Y).sum()]) / w.sum()

    moved = {k: centre(ds, 2) - centre(ds, 0) for k, ds in (("o", oommf), ("b", builtin))}
    assert np.linalg.norm(moved["b"]) > 3e-9
    np.testing.assert_allclose(moved["o"], moved["b"], rtol=0, atol=2e-11)


def test_janus_relaxation_in_stages_on_one_clock(tmp_path):
    """minimise → relax → evolve of paper 000's Janus skyrmion (README): one dataset whose
    clock starts at 0, stays there through minimise and relax and ends at the evolve
    duration. The minimised states have the same energy (by the built-in solver's energy
    of each: 1e-7 relative; observed 1e-9) and agree to 1e-3 per cell: OOMMF's CG stops
    at max|m×H| < 0.01 A/m, the built-in minimiser at dm < 1e-6, where max|m×H| is still
    ~20 A/m (observed 6e-4 per cell, in the soft skyrmion wall)."""
    study = validate_study({
        "name": "janus", "mesh": {"n": [40, 40, 1], "cell": [1e-9] * 3},
        "regions": [{"name": "left"},
                    {"name": "right", "shape": {"type": "half_plane", "point": [20e-9, 0],
                                                "normal": [1, 0]}}],
        "materials": {"default": MAT, "left": {"dmi": {"D": 3.7e-3, "class": "Cnv_z"}},
                      "right": {"dmi": {"D": 3.7e-3, "class": "T"}}},
        "energy": {"demag": True},
        "initial": {"type": "skyrmions", "skyrmions": [{"centre": [20e-9, 20e-9],
                                                        "radius": 7e-9, "helicity": math.pi / 2}]},
        "stages": [{"type": "minimize"}, {"type": "relax"},
                   {"type": "evolve", "duration": 1e-11, "save_every": 5e-12}]})
    oommf, builtin = _both(study, tmp_path)
    np.testing.assert_allclose(oommf.t.values, builtin.t.values, atol=1e-24)
    np.testing.assert_allclose(oommf.t.values[-1], 1e-11, rtol=1e-12)
    # the minimised states: the last frame of stage 0 (the default view shows the relaxed
    # state at t = 0)
    minimised = [analysis.open_run(tmp_path / k / "run.out", stage=0).m.isel(t=-1).values
                 for k in ("oommf", "builtin")]
    np.testing.assert_allclose(minimised[0], minimised[1], rtol=0, atol=1e-3)
    sim, _ = build_simulation(study)
    energies = []
    for m in minimised:
        m = m.astype(float)
        sim.set_m(m / np.linalg.norm(m, axis=-1, keepdims=True))
        energies.append(sim.energy())
    assert energies[0] == pytest.approx(energies[1], rel=1e-7)
    assert float(oommf.m.isel(t=-1, z=0, y=20, x=20, c=2)) < -0.5  # the skyrmion survived


def test_thermal_runs_repeat_with_their_seed_and_parallel_runs_do_not_collide(tmp_path):
    """Two runs of one thermal study (Xf_ThermHeunEvolve, seed 7) started at the same time,
    each with its own OOMMF host server, finish and give identical output; the noise
    did move m."""
    backend = _oommf()
    study = validate_study({
        "name": "hot", "mesh": {"n": [8, 8, 1], "cell": [2e-9] * 3},
        "materials": {"default": MAT}, "thermal": {"temperature": 300, "seed": 7},
        "stages": [{"type": "evolve", "duration": 2e-12, "save_every": 1e-12,
                    "integrator": "heun", "dt": 1e-14}]})
    errors = []

    def go(k):
        try:
            folder = tmp_path / f"p{k}"
            backend.render(study, folder)
            backend.execute(study, folder, log=io.StringIO(), threads=1)
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=go, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    a, b = (analysis.open_run(tmp_path / f"p{k}" / "run.out") for k in range(2))
    np.testing.assert_array_equal(a.m.values, b.m.values)
    assert float(np.abs(a.m.isel(t=-1) - a.m.isel(t=0)).max()) > 1e-3


def test_thermal_fluctuations_follow_boltzmann(tmp_path):
    """Uncoupled 2 nm macrospins (A = 0) in an easy axis at 30 K: after 20 ps of
    equilibration, ⟨sin²θ⟩ over 256 cells × 21 snapshots is the Boltzmann average
    ∫ sin²θ e^{−KV sin²θ/kT} sinθ dθ / ∫ e^{−KV sin²θ/kT} sinθ dθ (KV/kT = 19, no
    switching). This checks the size of OOMMF's thermal field as the backend sets it
    (σ² = 2αkT/(γ0 μ0 Ms V dt)). Tolerance 8%: the snapshots, 5 ps apart against a 5 ps
    relaxation time, give ~2500 independent samples of a quantity whose spread equals its
    mean (2% standard error); α = 0.5 makes a (1 + α²) slip a 25% error."""
    from scipy.integrate import quad

    backend = _oommf()
    T, K, a = 30.0, 1e6, 2e-9
    study = validate_study({
        "name": "hot", "mesh": {"n": [16, 16, 1], "cell": [a] * 3},
        "materials": {"default": {"Ms": 5.8e5, "K": K, "K_axis": [0, 0, 1], "alpha": 0.5}},
        "thermal": {"temperature": T, "seed": 11},
        "stages": [{"type": "evolve", "duration": 1.2e-10, "save_every": 5e-12,
                    "integrator": "heun", "dt": 1e-14}]})
    ds = _run(backend, study, tmp_path)
    m = ds.m.sel(t=slice(2e-11, None)).values
    assert m.shape[0] == 21
    measured = float((m[..., 0] ** 2 + m[..., 1] ** 2).mean())
    ratio = K * a ** 3 / (1.380649e-23 * T)

    def weight(th):
        return np.sin(th) * np.exp(-ratio * np.sin(th) ** 2)

    exact = (quad(lambda th: np.sin(th) ** 2 * weight(th), 0, np.pi / 2)[0]
             / quad(weight, 0, np.pi / 2)[0])
    assert measured == pytest.approx(exact, rel=0.08)


def test_rendered_mifs_are_what_ran(tmp_path):
    """The stage files in the point folder are the ones OOMMF read (nothing rewritten),
    and run.out holds OOMMF's files plus run.json and the log."""
    backend = _oommf()
    study = validate_study({
        "name": "tiny", "mesh": {"n": [4, 4, 1], "cell": [1e-9] * 3},
        "materials": {"default": MAT}, "stages": [{"type": "minimize"}, {"type": "relax"}]})
    backend.render(study, tmp_path)
    before = (tmp_path / "stage1.mif").read_text()
    backend.execute(study, tmp_path, log=io.StringIO())
    assert (tmp_path / "stage1.mif").read_text() == before
    names = sorted(p.name for p in (tmp_path / "run.out").iterdir())
    assert {"boxsi.log", "run.json", "stage0_minimize.odt", "stage1_relax.odt"} <= set(names)
    assert json.loads((tmp_path / "run.out" / "run.json").read_text())["stages"] == [
        "stage0_minimize", "stage1_relax"]
