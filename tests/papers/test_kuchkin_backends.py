"""Paper 003's studies (``studies/kuchkin/``: textures, bag_fine, drive, checks, angles) on the two
external backends, full and quick mode (no solver is run: OOMMF and mumax3 need not be
installed).

* OOMMF refuses every study before anything is written or the solver is looked for: every
  study asks for the fourth-order DMI (``energy.dmi_order = 4``; OOMMF's DMI extensions
  are second order), and the driven ones for a Zhang–Li drive on a periodic mesh
  (Anv_SpinTEvolve refuses periodic meshes) of fourth order. ``mmstudy paper run kuchkin
  --backend oommf`` says so on one ``error:`` line, without a traceback.
* mumax3 takes them: every quick-mode point renders (the fourth-order exchange, DMI and
  Zhang–Li torque are custom-field corrections, notes-003 §6). For the driven π skyrmion
  at α = 0.25 on a shrunken mesh, the rendered script executed by the numpy emulation of
  mumax3 (``tests/backends/test_mumax3_emulation.py``, ``test_mumax3_order4.py``) gives the
  built-in solver's LLG right-hand side dm/dt in the evolve stage, every term together.
* Slow and optional: with OOMMF installed, the π skyrmion's statics with *second*-order DMI
  (which OOMMF has) relaxed by OOMMF and by the built-in solver give the same Γ and radius.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

# the emulator of rendered mumax3 folders and its helpers live beside the backend tests
_BACKENDS_TESTS = str(Path(__file__).resolve().parents[1] / "backends")
if _BACKENDS_TESTS not in sys.path:
    sys.path.append(_BACKENDS_TESTS)

from test_mumax3_emulation import (MX3_GAMMA0, MX3_MUB, MX3_QE,  # noqa: E402
                                   Mumax3Emulator, close, render, stage_values)
from test_mumax3_order4 import (d2, ll_torque, stage_field, stage_fields,  # noqa: E402
                                zl_torque)

import analysis  # noqa: E402
from analysis.detection import find_objects  # noqa: E402
from analysis.ovf import read_ovf  # noqa: E402
from analysis.thiele_geometry import dissipation_tensor, gamma_geometry  # noqa: E402
from mmstudy.constants import MUB, QE  # noqa: E402
from orchestrator.backends import oommf as oommf_module  # noqa: E402
from orchestrator.backends.base import UnsupportedFeature  # noqa: E402
from orchestrator.backends.builtin import BuiltinBackend, build_simulation  # noqa: E402
from orchestrator.backends.mumax3 import Mumax3Backend  # noqa: E402
from orchestrator.backends.oommf import OOMMFBackend  # noqa: E402
from orchestrator.cli import app  # noqa: E402
from orchestrator.dispatch.run import plan_study  # noqa: E402
from orchestrator.papers import pipeline, registry  # noqa: E402
from orchestrator.papers import recipes as rx  # noqa: E402
from orchestrator.study import validate_study  # noqa: E402
from orchestrator.study.initial import initial_m  # noqa: E402
from orchestrator.study.raster import rasterize  # noqa: E402
from orchestrator.study.sweep import expand, study_data  # noqa: E402

PAPER = registry.get("kuchkin")
STEMS = ["textures", "bag_fine", "drive", "drive_low", "checks", "angles"]
SINGLE = {"bag_fine"}   # one point (the bag on cells halved); every other study sweeps
DRIVEN = {"drive", "drive_low", "checks", "angles"}          # a Zhang–Li evolve stage after the relaxation
runner = CliRunner()


@pytest.fixture
def no_solver_lookup(monkeypatch):
    """Fail the test if anything looks for the OOMMF executable."""
    monkeypatch.setattr(OOMMFBackend, "find", lambda self: pytest.fail("OOMMF was looked for"))
    monkeypatch.setattr(OOMMFBackend, "_command",
                        lambda self: pytest.fail("OOMMF was looked for"), raising=False)


def _studies(quick: bool) -> dict:
    return pipeline.load_studies(PAPER, quick=quick)


# =========================================================================== OOMMF

def test_the_paper_has_the_studies_tested_here():
    """The paper runs exactly the six studies this file covers."""
    assert PAPER.spec.study_stems == STEMS


@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
@pytest.mark.parametrize("stem", STEMS)
def test_oommf_refuses_every_study(stem, quick, tmp_path, no_solver_lookup):
    """plan_study on OOMMF raises UnsupportedFeature naming dmi.order4 (and, for the driven
    studies, zhang_li and zhang_li.order4) with the study field that asks for each; it does
    so without looking for OOMMF and without writing anything. Every point of the sweep
    (not only the first, where plan_study stops) is refused for the same reasons."""
    study = _studies(quick)[stem]
    out = tmp_path / "out"
    with pytest.raises(UnsupportedFeature) as info:
        plan_study(study, backend="oommf", out=out)
    err = info.value
    want = {"dmi.order4"} | ({"zhang_li", "zhang_li.order4"} if stem in DRIVEN else set())
    assert want <= set(err.missing), err.missing
    if stem not in DRIVEN:
        assert not any(f.startswith("zhang_li") for f in err.missing), err.missing
    text = str(err)
    assert "backend 'oommf' does not support" in text
    for feature in want:
        assert feature in text
    assert "dmi.order4 (asked for by energy.dmi_order" in text
    if stem in DRIVEN:
        assert "zhang_li.order4 (asked for by drives.stt.order" in text
        assert "zhang_li (asked for by drives.stt (Anv_SpinTEvolve_3d refuses periodic" in text
    assert not out.exists()
    points = expand(study)
    assert len(points) >= (1 if stem in SINGLE else 2)
    for p in points:
        assert want <= set(OOMMFBackend().missing(p.study)), p.given


def test_cli_paper_run_on_oommf_is_one_error_line(tmp_path, no_solver_lookup):
    """``mmstudy paper run kuchkin --quick --backend oommf --figure textures`` exits non-zero
    with an ``error:`` line naming study 'textures' and dmi.order4, no traceback, and
    writes neither runs nor a report (``--report`` is given too, so that a regression
    could not write into the repository's reports/)."""
    out, rep = tmp_path / "runs", tmp_path / "report"
    result = runner.invoke(app, ["paper", "run", "kuchkin", "--quick", "--backend", "oommf",
                                 "--figure", "textures", "--out", str(out),
                                 "--report", str(rep), "--no-progress"])
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    (line,) = errors
    assert "study 'textures'" in line and "dmi.order4" in line, line
    assert "backend 'oommf' does not support" in line
    assert "<study>" not in result.output
    assert not out.exists() and not rep.exists()


# =========================================================================== mumax3

@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
def test_mumax3_plans_every_study(quick, tmp_path):
    """mumax3 supports what the studies ask for (dmi.order4, zhang_li.order4 with periodic
    meshes, 12ngbr exchange): plan_study succeeds for every study and names its points."""
    for stem, study in _studies(quick).items():
        plan = plan_study(study, backend="mumax3", out=tmp_path / stem)
        assert plan.backend.name == "mumax3"
        assert len(plan.points) == len(expand(study)) >= (1 if stem in SINGLE else 2), stem


def test_mumax3_renders_every_quick_point(tmp_path):
    """Every point of every quick-mode study renders (run.mx3, m0.ovf); the emulator reads
    each script's setup; the fourth-order exchange and DMI corrections (and the custom
    D2d_z DMI term of the antiskyrmion), with their energies, act in every stage; the
    driven studies add the fourth-order Zhang–Li correction (no energy) in their evolve
    stage only; m0.ovf is mmstudy's initial state."""
    backend = Mumax3Backend()
    for stem, study in _studies(True).items():
        plan = plan_study(study, backend=backend, out=tmp_path / stem)
        # no two points alike
        assert len(plan.unique) == len(plan.points) >= (1 if stem in SINGLE else 2), stem
        for pp in plan.unique:
            folder = tmp_path / stem / pp.id
            backend.render(pp.point.study, folder)
            assert (folder / "run.mx3").is_file() and (folder / "m0.ovf").is_file()
            emu = Mumax3Emulator(folder)
            cons = emu.field_terms           # D2d_z (the antiskyrmion) is a custom term too
            assert {"mm_ex4_B", "mm_dmi4_B"} <= set(cons), cons
            assert emu.edens_terms == [q[:-1] + "E" for q in cons]
            per_stage, _ = stage_fields(emu)
            if stem in DRIVEN:
                assert per_stage == [cons, cons + ["mm_zl4_1_B"]], (stem, pp.point.given)
            else:
                assert per_stage == [cons], (stem, pp.point.given)
        m0 = read_ovf(folder / "m0.ovf").values       # the last point of the study
        want = initial_m(pp.point.study, rasterize(pp.point.study))
        np.testing.assert_array_equal(m0, want)


def _small_driven_pi_skyrmion() -> dict:
    """The quick ``drive`` study's π skyrmion at α = 0.25 on a 48×48 mesh of the same cells
    (1.9 L_D square; the π skyrmion's radius is 0.3 L_D), the texture at its centre."""
    study = _studies(True)["drive"]
    (point,) = [p for p in expand(study)
                if p.given["kind"] == "kpi" and p.given["k"] == 1 and p.given["alpha"] == 0.25]
    data = study_data(point.study)
    data["mesh"]["n"] = [48, 48, 1]
    centre = [24 * data["mesh"]["cell"][0], 24 * data["mesh"]["cell"][1]]
    (texture,) = data["initial"]["textures"]
    texture["centre"] = centre
    texture.pop("inner", None)                        # the bag's; the π skyrmion ignores it
    return data


def _zl_native_h(m, J, pol, xi, Ms, cell, mub, qe):
    """mumax3's Zhang–Li (u·∇)m/γ0 of cuda/zhangli2.cu (second-order central difference,
    periodic), u = μB Pol J/(e Ms (1 + ξ²)), with the constants μB, e given."""
    h = np.zeros_like(m)
    for axis in range(3):
        if J[axis]:
            u = mub * pol * J[axis] / (qe * Ms * (1 + xi ** 2))
            h += u / MX3_GAMMA0 * d2(m, axis, cell[axis])
    return h


def test_mumax3_driven_point_has_the_builtin_llg_rhs(tmp_path):
    """The rendered script of the driven π skyrmion (α = 0.25, ξ = 5/12, fourth order), run
    by the mumax3 emulator in its evolve stage on the initial texture: GammaLL × (LL torque
    of exchange + DMI kernels + B_ext + the custom exchange, DMI and Zhang–Li corrections,
    plus mumax3's Zhang–Li torque with the stage's J, Pol, Xi) equals the built-in solver's
    dm/dt in every cell. Tolerances: 1e-12 of the largest |dm/dt| (float64 rounding, as
    the emulation tests) with CODATA μB/e in mumax3's Zhang–Li kernel; with mumax3's own
    constants, whose μB/e differs from CODATA 2018's by δ ≈ 9e-9, the difference is
    bounded by 2δ × the native Zhang–Li torque. Each correction changes dm/dt by far more
    than the tolerance (the comparison sees them)."""
    data = _small_driven_pi_skyrmion()
    emu, study = render(data, tmp_path)
    assert emu.n == (48, 48, 1) and emu.pbc[:2] != (0, 0)
    m = read_ovf(emu.folder / "m0.ovf").values
    assert m.shape == emu.shape + (3,)
    assert m[..., 2].min() < -0.9 and m[0, 0, 0, 2] > 0.99     # a skyrmion in the +z state

    per_stage, defs = stage_fields(emu)
    cons = ["mm_ex4_B", "mm_dmi4_B"]
    assert per_stage == [cons, cons + ["mm_zl4_1_B"]]
    v = stage_values(emu.script, 1, 0.0)
    assert v["DisableZhangLiTorque"] == "false"
    J, pol, xi, B_ext = np.array(v["J"]), v["Pol"], v["Xi"], np.array(v["B_ext"])
    assert J[0] < 0 and not J[1:].any()
    alpha = float(emu.params["alpha"].region(0)[0])
    Ms = float(emu.params["msat"].region(0)[0])
    gammaLL = float(emu.settings["gammall"])
    assert (alpha, xi) == (0.25, pytest.approx(5 / 12, rel=1e-15))

    conservative = emu.exchange(m) + emu.dmi(m) + B_ext
    B = conservative + stage_field(emu, defs, per_stage[1], m, J)

    def rhs(B, mub, qe):
        h = _zl_native_h(m, J, pol, xi, Ms, emu.cell, mub, qe)
        return gammaLL * (ll_torque(m, B, alpha) + zl_torque(m, h, alpha, xi))

    sim, clock = build_simulation(study)
    clock.start, clock.active = 0.0, frozenset(study.active_drives(1))
    ref = sim.llg.dmdt(m, 0.0)
    scale = np.abs(ref).max()

    close(rhs(B, MUB, QE), ref)                        # rel 1e-12: rounding

    delta = abs((MX3_MUB / MX3_QE) / (MUB / QE) - 1)
    assert 1e-9 < delta < 1e-7
    zl_native = gammaLL * np.abs(zl_torque(m, _zl_native_h(m, J, pol, xi, Ms, emu.cell,
                                                            MX3_MUB, MX3_QE), alpha, xi)).max()
    np.testing.assert_allclose(rhs(B, MX3_MUB, MX3_QE), ref, rtol=0,
                               atol=2 * delta * zl_native + 1e-12 * scale)

    # each correction matters: leaving it out moves dm/dt by > 1e-6 of its scale
    for name in per_stage[1]:
        without = conservative + stage_field(emu, defs, [q for q in per_stage[1] if q != name],
                                             m, J)
        assert np.abs(rhs(without, MUB, QE) - ref).max() > 1e-6 * scale, name


# =========================================================================== OOMMF (slow)

def _small_pi_skyrmion_order2():
    """The quick ``textures`` study's π skyrmion with second-order DMI (OOMMF has no
    fourth-order DMI; the exchange stays 12ngbr) on a 64×64 periodic mesh of L_D/25.6
    (2.5 L_D; the π skyrmion's radius is 0.3 L_D), the texture at its centre."""
    study = _studies(True)["textures"]
    (point,) = [p for p in expand(study) if p.given["kind"] == "kpi" and p.given["k"] == 1]
    data = study_data(point.study)
    data["mesh"]["n"] = [64, 64, 1]
    (texture,) = data["initial"]["textures"]
    texture["centre"] = [32 * data["mesh"]["cell"][0], 32 * data["mesh"]["cell"][1]]
    texture.pop("inner", None)
    data["energy"]["dmi_order"] = 2
    assert data["energy"]["exchange_kernel"] == "12ngbr" and data["mesh"]["pbc"] == "xy"
    return validate_study(data)


def _statics(m, study) -> np.ndarray:
    """(λ1, λ2, radius/L_D) of a relaxed state (DataArray z, y, x, c): Γ's eigenvalues
    (fourth-order derivatives, as the paper's analysis) and the largest object's contour
    radius."""
    g = gamma_geometry(dissipation_tensor(m, pbc="xy", order=4))
    objs = rx.largest_per_frame(find_objects(m.expand_dims(t=[0.0]), pbc="xy"))
    assert len(objs) == 1
    return np.array([g.lam1, g.lam2, float(objs.r_contour.iloc[0]) / study.units.reduced.L_D])


@pytest.mark.slow
def test_pi_skyrmion_statics_oommf_vs_builtin(tmp_path, monkeypatch):
    """The π skyrmion (h = 0.65, 12ngbr exchange, second-order Bloch DMI, periodic 2.5 L_D
    square) relaxed by OOMMF (Oxs_CGEvolve, stopping at max|m×H| = 0.01 A/m) and by the
    built-in solver (its default stop): the same Γ eigenvalues and radius.

    Tolerance from measured minimiser convergence, not tuned: each solver's relaxation is
    continued to max|m×H| ≤ 1e-3 A/m (built-in: its minimiser from its relaxed state;
    OOMMF: a second run with stopping_mxHxm = 1e-3), and ε = how much λ1, λ2, r move. If
    both minimised the same energy, |ours − OOMMF's| ≤ ε_ours + ε_OOMMF plus the tight
    runs' own error, ≥ 10× smaller (their torques are); asserted with a factor 2.
    Measured (OOMMF 2.1a0): the built-in default stops at max|m×H| ≈ 2 A/m, ε_ours ≈
    1.09e-6 in λ and 3.0e-6 L_D in r, ε_OOMMF ≈ 2e-9; the difference is 1.09e-6 in λ
    (tolerance 2.2e-6) and 3.0e-6 L_D in r (6.1e-6).
    Same energy: OOMMF's states have max|m×H| below its stopping criterion (×1.5: the
    criterion is evaluated by another code; measured 8.8e-3 A/m for 0.01) under the
    built-in solver's field; with 6-neighbour exchange or fourth-order DMI in that field
    the same OOMMF state has 2.5e3 or 4.6e3 A/m (measured)."""
    oommf = OOMMFBackend()
    info = oommf.find()
    if not info.found:
        pytest.skip(f"OOMMF not available: {info.how}")
    study = _small_pi_skyrmion_order2()

    def relaxed(backend, folder):
        backend.render(study, folder)
        backend.execute(study, folder, log=io.StringIO(), threads=1)
        return rx.relaxed_state(analysis.open_run(folder / "run.out")).load()

    judge, _ = build_simulation(study)

    def torque(m):          # max |m×H| (A/m) under the built-in solver's field
        return judge.llg.max_torque(np.ascontiguousarray(m.transpose("z", "y", "x", "c")
                                                         .values, dtype=float), 0.0)

    ours = relaxed(BuiltinBackend(), tmp_path / "builtin")
    assert ours.dims == ("z", "y", "x", "c")
    theirs = relaxed(oommf, tmp_path / "oommf")
    assert torque(theirs) <= 1.5 * oommf_module.MINIMIZE_MXHXM

    tight_tol = 0.1 * oommf_module.MINIMIZE_MXHXM
    sim, _ = build_simulation(study)
    sim.m = np.ascontiguousarray(ours.transpose("z", "y", "x", "c").values, dtype=float)
    result = sim.minimize(torque_tol=tight_tol)
    assert result.converged
    ours_tight = ours.copy(data=sim.m.copy())
    monkeypatch.setattr(oommf_module, "MINIMIZE_MXHXM", tight_tol)
    theirs_tight = relaxed(oommf, tmp_path / "oommf_tight")
    assert torque(theirs_tight) <= 1.5 * tight_tol
    assert torque(ours_tight) <= tight_tol

    s_ours, s_theirs = _statics(ours, study), _statics(theirs, study)
    eps_ours = np.abs(s_ours - _statics(ours_tight, study))
    eps_theirs = np.abs(s_theirs - _statics(theirs_tight, study))
    floor = 1e-12 * np.abs(s_ours)                  # float rounding of Γ and r
    tol = 2 * (eps_ours + eps_theirs) + floor
    assert np.all(np.abs(s_ours - s_theirs) <= tol), (s_ours, s_theirs, eps_ours, eps_theirs)
    # the statics themselves: a round π skyrmion of radius ≈ 0.3 L_D, Tr Γ ≥ 2|Q|
    assert abs(s_ours[0] - s_ours[1]) < 1e-9 * s_ours[0] and s_ours[0] + s_ours[1] > 2
    assert 0.25 < s_ours[2] < 0.35
