"""The OOMMF backend without OOMMF: rendered MIF text (golden files), the term-by-term
sign and unit mapping, the refusals, and finding/running errors.

Golden files live in ``tests/backends/golden/oommf/<case>/``; regenerate them with
``MMSTUDY_UPDATE_GOLDEN=1 pytest tests/backends/test_oommf.py`` and review the diff.
Runs of real OOMMF are in ``test_oommf_runs.py`` (skipped without OOMMF).
"""

from __future__ import annotations

import copy
import io
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from orchestrator.backends import SolverNotFound, UnsupportedFeature, get_backend
from orchestrator.backends.mif_patches import MifPatchError, exchange_kernel, outputs
from orchestrator.backends.oommf import (OOMMF_HBAR, OOMMF_QE, OOMMFBackend, _stage_count,
                                         sot_parameters, stage_mif, zhang_li_u)
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.torques.sot import SpinOrbitTorque
from orchestrator.solver.torques.zhangli import ZhangLi
from orchestrator.study import validate_study
from orchestrator.study.model import SOTDrive, ZhangLiDrive
from orchestrator.study.profiles import envelope_function
from orchestrator.study.units import MU0

GOLDEN = Path(__file__).parent / "golden" / "oommf"
UPDATE = os.environ.get("MMSTUDY_UPDATE_GOLDEN") == "1"

MAT = {"Ms": 5.8e5, "A": 1.5e-11, "K": 8e5, "K_axis": [0, 0, 1], "alpha": 0.3}
BASE = {"name": "g", "mesh": {"n": [24, 16, 1], "cell": [1e-9] * 3},
        "materials": {"default": dict(MAT, dmi={"D": 3e-3, "class": "Cnv_z"})},
        "initial": {"type": "skyrmions",
                    "skyrmions": [{"centre": [12e-9, 8e-9], "radius": 4e-9, "helicity": math.pi}]},
        "stages": [{"type": "minimize"}]}
JANUS_REGIONS = [{"name": "left"},
                 {"name": "right", "shape": {"type": "half_plane", "point": [12e-9, 0],
                                             "normal": [1, 0]}}]
JANUS_MATS = {"default": MAT, "left": {"dmi": {"D": 3.7e-3, "class": "Cnv_z"}},
              "right": {"dmi": {"D": -2.9e-3, "class": "T"}, "gamma0": 2.3e5, "alpha": 0.1}}


def evolve(**kw):
    return {"type": "evolve", "duration": 2e-11, "save_every": 1e-11, **kw}


def make(**sections):
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(sections))
    return validate_study(data)


CASES = {
    # two DMI classes, per-region γ0 and α, D signs as given (mean bond rule)
    "janus_mean": dict(regions=JANUS_REGIONS, materials=JANUS_MATS,
                       stages=[{"type": "minimize"}, {"type": "relax"}]),
    "janus_zero": dict(regions=JANUS_REGIONS, materials=JANUS_MATS,
                       energy={"dmi_interface": "zero"}),
    # SOT at 30° with a field-like part, switched on by a pulse; relax holds it at t = 0
    "sot_angle": dict(drives={"sot": {"type": "sot", "j": 1e11, "theta_SH": 0.3,
                                      "p_angle": "30 deg", "field_like": 0.2,
                                      "thickness": 2e-9,
                                      "envelope": {"type": "pulse", "t0": 0, "t1": 1e-11}}},
                      stages=[{"type": "relax"}, evolve(tolerance=1e-6)]),
    "thermal": dict(thermal={"temperature": 300, "seed": 3},
                    stages=[{"type": "minimize"}, evolve(integrator="heun", dt=1e-14)]),
    "thermal_sot": dict(thermal={"temperature": 300},
                        drives={"sot": {"type": "sot", "j": 1e11, "theta_SH": 0.3,
                                        "p": [0, 1, 0]}},
                        stages=[evolve(integrator="heun", dt=1e-14)]),
    # a square train on one region's field, saved with per-term fields, table 5x as often,
    # and a duration that is not a whole number of table intervals
    "pulses": dict(regions=JANUS_REGIONS, materials=JANUS_MATS,
                   drives={"h": {"type": "field", "H": [0, 0, "50 mT"], "regions": ["right"],
                                 "envelope": {"type": "train", "period": 5e-12, "duty": 0.5}},
                           "bias": {"type": "field", "H": ["10 mT", 0, 0]}},
                   stages=[evolve(duration=1.25e-11, save_every=5e-12, table_every=1e-12,
                                  fields=["m", "h", "DMI"])]),
    "zhang_li": dict(drives={"zl": {"type": "zhang_li", "j": [1e12, 0, 0], "P": 0.4, "xi": 0.2,
                                    "envelope": {"type": "expression",
                                                 "expression": "sin(2*pi*1e11*t)"}}},
                     stages=[evolve(dt=1e-14)]),
    "ex12": dict(energy={"exchange_kernel": "12ngbr", "demag": True}),
    "ex12_pbc": dict(mesh={"n": [24, 16, 1], "cell": [1e-9] * 3, "pbc": "xy"},
                     energy={"exchange_kernel": "12ngbr"}),
    "pbc_x_demag": dict(mesh={"n": [24, 16, 2], "cell": [1e-9] * 3, "pbc": "x"},
                        energy={"demag": True},
                        drives={"strain": {"type": "anisotropy", "K": 1e4, "axis": [1, 1, 0]}},
                        stages=[{"type": "minimize"}, evolve(integrator="rk4", dt=2e-14)]),
    "vacuum_disk": dict(regions=[{"name": "disk", "shape": {"type": "disk",
                                                            "centre": [12e-9, 8e-9],
                                                            "radius": 7e-9}}]),
}


# --------------------------------------------------------------------------- golden files

@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_files_match_golden(case, tmp_path):
    """The rendered MIF files (and the region raster) equal the reviewed golden copies."""
    study = make(**CASES[case])
    written = OOMMFBackend().render(study, tmp_path)
    texts = {p.name: p.read_text() for p in written if p.suffix in (".mif", ".txt")}
    folder = GOLDEN / case
    if UPDATE:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, text in texts.items():
            (folder / name).write_text(text)
    expected = {p.name: p.read_text() for p in sorted(folder.iterdir())}
    assert sorted(texts) == sorted(expected), f"rendered files differ from {folder}"
    for name, text in texts.items():
        assert text == expected[name], f"{case}/{name} differs from the golden file"


def test_render_writes_the_initial_state_and_region_raster(tmp_path):
    """m0.ovf is the study's initial state (unit, 0 in vacuum); regions.txt holds index + 1
    per cell, x fastest (0 = vacuum)."""
    from analysis.ovf import read_ovf
    from orchestrator.study.initial import initial_m
    from orchestrator.study.raster import rasterize

    study = make(**CASES["vacuum_disk"])
    OOMMFBackend().render(study, tmp_path)
    raster = rasterize(study)
    m0 = read_ovf(tmp_path / "m0.ovf").values
    np.testing.assert_array_equal(m0, initial_m(study, raster))
    values = np.array((tmp_path / "regions.txt").read_text().split(), int)
    np.testing.assert_array_equal(values.reshape(raster.index.shape), raster.index + 1)
    assert raster.vacuum.any() and (values == 0).sum() == raster.vacuum.sum()


# --------------------------------------------------------------------------- term mapping

def _dmi_matrix(mif: str, cls: str) -> dict[tuple[str, str], float]:
    block = re.search(rf"Specify Oxs_DMI_{cls}:\w+ \{{(.*?)\n\}}", mif, re.S).group(1)
    assert "default_D 0" in block
    rows = re.search(r"D \{\n(.*?)\n  \}", block, re.S).group(1).splitlines()
    return {(a, b): float(v) for a, b, v in (r.split() for r in rows)}


@pytest.mark.parametrize("rule", ["mean", "zero"])
def test_janus_dmi_matrices_follow_the_bond_rule(rule):
    """Per class, the D matrix lists each region's own D (sign kept: OOMMF's Cnv_z and T are
    ours, orchestrator/solver/terms/dmi.py) and, for "mean", D/2 on left–right bonds."""
    mif = stage_mif(make(**CASES["janus_mean"], energy={"dmi_interface": rule}), 0)
    cnv, t = _dmi_matrix(mif, "Cnv_z"), _dmi_matrix(mif, "T")
    if rule == "mean":
        assert cnv == {("left", "left"): 3.7e-3, ("left", "right"): 3.7e-3 / 2}
        assert t == {("right", "right"): -2.9e-3, ("left", "right"): -2.9e-3 / 2}
    else:
        assert cnv == {("left", "left"): 3.7e-3}
        assert t == {("right", "right"): -2.9e-3}


def test_field_in_tesla_becomes_A_per_m_and_gamma_is_gamma_G():
    """"50 mT" is H = 0.05/μ0 A/m in the atlas field; γ0 goes to gamma_G (Gilbert γ in
    m/(A s), which OOMMF divides by 1 + α² itself), per region."""
    mif = stage_mif(make(**CASES["pulses"]), 0)
    H = re.search(r"Specify Oxs_AtlasVectorField:h_H \{.*?right \{(\S+) (\S+) (\S+)\}", mif, re.S)
    assert [float(v) for v in H.groups()] == pytest.approx([0, 0, 0.05 / MU0], rel=1e-15)
    bias = re.search(r"Specify Oxs_FixedZeeman:bias \{\n  field \{(\S+) (\S+) (\S+)\}", mif)
    assert float(bias.group(1)) == pytest.approx(0.01 / MU0, rel=1e-15)
    gamma = re.search(r"Specify Oxs_AtlasScalarField:pr_gamma0 \{(.*?)\}\}", mif, re.S).group(1)
    assert "left 221100.0" in gamma and "right 230000.0" in gamma
    assert re.search(r"Oxs_RungeKuttaEvolve:evolver \{[^}]*gamma_G pr_gamma0", mif)


def _oommf_spinxfer_llg(m, H, p, *, alpha, gamma_G, Ms, J, P, eps_prime, dz):
    """dm/dt of Oxs_SpinXferEvolve, transcribed from OOMMF's spinxferevolve.cc
    (UpdateMeshArrays with Lambda = 1, P_fixed = P_free = P; Calculate_dm_dt with
    do_precess 1), for one cell: an independent reference for the mapping."""
    beta = abs(OOMMF_HBAR / (MU0 * OOMMF_QE)) / dz * J
    fixed = free = 1.0                                  # Lambda**2
    plus_ratio = math.sqrt(free + 1) / math.sqrt(fixed + 1)
    A = math.sqrt(fixed + 1) * math.sqrt(free + 1)
    q_plus = 0.5 * beta * fixed * plus_ratio * P + 0.5 * beta * free * 1.0 * P
    q_minus = 0.0
    betaeps = (q_plus / A + (q_minus / A if q_minus else 0.0)) / Ms
    betaepsp = eps_prime * beta / Ms
    mxH = np.cross(m, H)
    coef1 = alpha * betaeps - betaepsp
    coef2 = alpha * betaepsp + betaeps
    scratchA = alpha * mxH + coef2 * np.cross(m, p)
    scratchA = np.cross(scratchA, m) + coef1 * np.cross(m, p) - mxH
    return gamma_G / (1 + alpha ** 2) * scratchA


def test_sot_mapping_gives_oommfs_torque_equal_to_ours():
    """With sot_parameters, OOMMF's spin-transfer dm/dt (transcribed from its source) equals
    the built-in LLG with SpinOrbitTorque, at an angle, with a field-like part and a layer
    thicker than the cell, to rounding (1e-12 relative: only the order of operations
    differs; the ħ/e ratio correction makes the constants agree to the last digit)."""
    rng = np.random.default_rng(2)
    drive = SOTDrive(j=3e11, theta_SH=-0.35, p_angle=0.52, field_like=0.7, thickness=3e-9)
    Ms, alpha, gamma0, dz = 5.8e5, 0.27, 2.211e5, 1e-9
    p = np.array(drive.direction)
    mesh = Mesh(n=(1, 1, 1), cell=(1e-9, 1e-9, dz), Ms=Ms)
    sot = SpinOrbitTorque(p=p, j=drive.j, theta_SH=drive.theta_SH, thickness=3e-9,
                          field_like=drive.field_like)
    sot.setup(mesh, gamma0=gamma0)
    pars = sot_parameters(drive, dz=dz, thickness=3e-9)
    assert pars["Lambda"] == 1 and pars["mp"] == pytest.approx(tuple(p))
    for _ in range(5):
        m = rng.normal(size=3)
        m /= np.linalg.norm(m)
        H = rng.normal(size=3) * 1e5
        T = sot.torque(m.reshape(1, 1, 1, 3))[0, 0, 0]          # Gilbert-form torque
        A = -gamma0 * np.cross(m, H) + T
        ours = (A + alpha * np.cross(m, A)) / (1 + alpha ** 2)  # torques/base.py
        theirs = _oommf_spinxfer_llg(m, H, p, alpha=alpha, gamma_G=gamma0, Ms=Ms,
                                     J=pars["J"], P=pars["P"], eps_prime=pars["eps_prime"],
                                     dz=dz)
        np.testing.assert_allclose(theirs, ours, rtol=1e-12, atol=1e-12 * np.abs(ours).max())


def test_zhang_li_mapping_gives_oommfs_torque_equal_to_ours():
    """Anv_SpinTEvolve_3d's spin-torque terms (spintevolve_3d.cc:
    −(1+αβ)/(1+α²) g⊥ + (β−α)/(1+α²) m×g, g = (u·∇)m) with zhang_li_u equal the built-in
    solver's explicit form −[(1+ξα) m×(m×g) + (ξ−α) m×g]/(1+α²), g = (u·∇)m with its u."""
    drive = ZhangLiDrive(j=[4e11, -2e11, 0], P=0.55, xi=0.15)
    Ms, alpha = 6.1e5, 0.2
    mesh = Mesh(n=(4, 1, 1), cell=(1e-9,) * 3, Ms=Ms, pbc="x")
    zl = ZhangLi(j=list(drive.j), P=drive.P, xi=drive.xi)
    zl.setup(mesh)
    u_ours = zl.u[0, 0, 0]
    u_oommf = np.array(zhang_li_u(drive, Ms))
    rng = np.random.default_rng(5)
    m = rng.normal(size=3)
    m /= np.linalg.norm(m)
    grads = rng.normal(size=(3, 3)) * 1e8                       # ∂m/∂x, ∂m/∂y, ∂m/∂z
    g_ours, g_oommf = u_ours @ grads, u_oommf @ grads
    ours = -((1 + drive.xi * alpha) * np.cross(m, np.cross(m, g_ours))
             + (drive.xi - alpha) * np.cross(m, g_ours)) / (1 + alpha ** 2)
    g_perp = np.cross(np.cross(m, g_oommf), m)
    theirs = (-(1 + alpha * drive.xi) * g_perp
              + (drive.xi - alpha) * np.cross(m, g_oommf)) / (1 + alpha ** 2)
    np.testing.assert_allclose(theirs, ours, rtol=1e-12, atol=1e-12 * np.abs(ours).max())


@pytest.mark.skipif(shutil.which("tclsh") is None, reason="tclsh not installed")
def test_tcl_profiles_evaluate_like_the_builtin_envelopes(tmp_path):
    """The Tcl procs in the MIF (J_profile, Oxs_TransformZeeman) give the envelope values
    the built-in solver uses, edges included (tclsh runs the procs; 1e-12 absolute: the
    same double arithmetic in another order)."""
    from orchestrator.backends.mif_patches import profile_proc, transform_proc
    from orchestrator.study.model import Expression, Pulse, Train
    from orchestrator.study.profiles import envelope_expression

    envs = [Pulse(t0=1e-12, t1=3e-12), Train(period=2e-12, duty=0.25, t0=1e-12, count=2),
            Expression(expression="exp(-t/2e-12)*sin(2*pi*3e11*t) + abs(min(t, 1e-12))")]
    times = [0.0, 1e-12, 1.4e-12, 1.5e-12, 2.9e-12, 3e-12, 3.1e-12, 4.9e-12, 5.6e-12]
    script = []
    for i, env in enumerate(envs):
        script.append(profile_proc(f"p{i}", envelope_expression(env), 2.0))
        script.append(transform_proc(f"q{i}", envelope_expression(env)))
        for t in times:
            script.append(f"puts [p{i} {t!r}]; puts [lindex [q{i} {t!r}] 2]")
    (tmp_path / "t.tcl").write_text("\n".join(script) + "\n")
    out = subprocess.run(["tclsh", str(tmp_path / "t.tcl")], capture_output=True, text=True,
                         check=True).stdout.split()
    got = np.array(out, float).reshape(len(envs), len(times), 2)
    for i, env in enumerate(envs):
        f = envelope_function(env)
        expected = np.array([f(t) for t in times])
        np.testing.assert_allclose(got[i, :, 0], 2 * expected, atol=1e-12)
        np.testing.assert_allclose(got[i, :, 1], expected, atol=1e-12)


def test_minimise_and_relax_hold_drives_at_their_stage_start_value():
    """A pulse starting at t0 > 0 is off in a relax stage (value at t = 0), and no spin
    torque acts there: the built-in backend's and mumax3's convention (time frozen at
    the stage start; spin torques only in evolve stages)."""
    s = make(drives={"h": {"type": "field", "H": [0, 0, 1e4],
                           "envelope": {"type": "pulse", "t0": 1e-12, "t1": 2e-12}},
                     "sot": {"type": "sot", "j": 1e11, "theta_SH": 0.2, "p": [1, 0, 0]}},
             stages=[{"type": "relax"}])
    mif = stage_mif(s, 0)
    assert "Zeeman" not in mif and "proc mmstudy_profile" not in mif
    assert "Oxs_SpinXferEvolve" not in mif
    assert re.search(r"Oxs_RungeKuttaEvolve:evolver \{[^}]*do_precess 0", mif)
    assert "J_profile" not in mif and "stopping_dm_dt 0.01" in mif


def test_stage_count_and_the_last_short_stage():
    assert _stage_count(2e-11, 1e-12) == (20, None)
    count, last = _stage_count(1.25e-11, 1e-12)
    assert count == 12 and last == pytest.approx(0.5e-12, rel=1e-9)


def test_patches_fail_loudly_on_unexpected_text():
    with pytest.raises(MifPatchError, match="exchange kernel"):
        exchange_kernel("Specify Oxs_Exchange6Ngbr:exch {\n  A 1\n}\n", "12ngbrb")
    with pytest.raises(MifPatchError, match="outputs"):
        outputs("no destinations here", "Oxs_MinDriver")


# --------------------------------------------------------------------------- refusals

SUPPORTED = ["janus_mean", "janus_zero", "sot_angle", "thermal", "thermal_sot", "pulses",
             "zhang_li", "ex12", "ex12_pbc", "pbc_x_demag", "vacuum_disk"]


@pytest.mark.parametrize("case", SUPPORTED)
def test_golden_cases_are_supported(case):
    assert OOMMFBackend().missing(make(**CASES[case])) == {}


PBC = {"n": [16, 16, 1], "cell": [1e-9] * 3, "pbc": "xy"}
REFUSED = {
    "sot": dict(mesh=PBC, drives={"s": {"type": "sot", "j": 1e11, "theta_SH": 1, "p": [0, 1, 0]}},
                stages=[evolve()]),
    "zhang_li": dict(mesh=PBC, drives={"z": {"type": "zhang_li", "j": [1e12, 0, 0], "P": 1}},
                     stages=[evolve()]),
    "thermal": dict(mesh=PBC, thermal={"temperature": 10},
                    stages=[evolve(integrator="heun", dt=1e-14)]),
    "exchange.12ngbr.regions": dict(regions=JANUS_REGIONS,
                                    materials={"default": MAT, "right": {"A": 1e-11}},
                                    energy={"exchange_kernel": "12ngbr"}),
    "exchange.12ngbr.pbc": dict(mesh={"n": [16, 16, 2], "cell": [1e-9] * 3, "pbc": "xy"},
                                energy={"exchange_kernel": "12ngbr"}),
    "exchange.12ngbr": dict(mesh={"n": [16, 3, 1], "cell": [1e-9] * 3},
                            energy={"exchange_kernel": "12ngbr"}),
    "demag.pbc": dict(mesh=PBC, energy={"demag": True}),
    "integrator.rk4": dict(thermal={"temperature": 10}, stages=[evolve(integrator="rk4", dt=1e-14)]),
    "anisotropy_drive": dict(drives={"a": {"type": "anisotropy", "K": 1e4, "axis": [1, 0, 0],
                                           "envelope": {"type": "pulse", "t0": 0, "t1": 1e-12}}},
                             stages=[evolve()]),
    "thermal.torque": dict(thermal={"temperature": 10},
                           drives={"z": {"type": "zhang_li", "j": [1e12, 0, 0], "P": 1}},
                           stages=[evolve(integrator="heun", dt=1e-14)]),
    "evolve.term_fields": dict(stages=[evolve(fields=["m", "H_eff"])]),
}


@pytest.mark.parametrize("feature", sorted(REFUSED))
def test_what_oommf_cannot_do_is_refused_with_the_reason(feature, tmp_path):
    study = make(**REFUSED[feature])
    backend = OOMMFBackend()
    missing = backend.missing(study)
    assert feature in missing, missing
    with pytest.raises(UnsupportedFeature, match=re.escape(feature)):
        backend.render(study, tmp_path)
    assert not list(tmp_path.iterdir())  # refused before writing anything


def test_two_spin_torques_in_one_stage_are_refused():
    s = make(drives={"a": {"type": "sot", "j": 1e11, "theta_SH": 1, "p": [0, 1, 0]},
                     "b": {"type": "zhang_li", "j": [1e12, 0, 0], "P": 1}},
             stages=[evolve(), evolve(drives=["a"])])
    missing = OOMMFBackend().missing(s)
    assert "drives.a, drives.b (stage 0" in missing["sot"]


def test_zhang_li_needs_rkf54():
    s = make(drives={"z": {"type": "zhang_li", "j": [1e12, 0, 0], "P": 1}},
             stages=[evolve(integrator="heun", dt=1e-14)])
    assert "rk2/rk4" in OOMMFBackend().missing(s)["integrator.heun"]


# --------------------------------------------------------------------------- finding, running

def test_registered_under_its_name():
    assert isinstance(get_backend("oommf"), OOMMFBackend)


def test_find_reports_why_oommf_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("OOMMFTCL", str(tmp_path / "nowhere" / "oommf.tcl"))
    info = OOMMFBackend().find()
    assert not info.found and "no such file" in info.how
    monkeypatch.delenv("OOMMFTCL")
    monkeypatch.setenv("PATH", str(tmp_path))
    info = OOMMFBackend().find()
    assert not info.found and "set OOMMFTCL" in info.how


def test_find_reads_the_version_of_a_stand_in_oommf(monkeypatch, tmp_path):
    """``oommf +version`` answers '<pid> OOMMF 2.1a0 info:' / 'OOMMF 2.1a0' on stderr."""
    exe = tmp_path / "oommf"
    exe.write_text("#!/bin/sh\necho '<1> OOMMF 2.1a0  info:' >&2\necho 'OOMMF 2.1a0' >&2\n")
    exe.chmod(0o755)
    monkeypatch.delenv("OOMMFTCL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    info = OOMMFBackend().find()
    assert info.found and info.version == "2.1a0" and str(exe) in info.how


def test_execute_without_oommf_raises_solver_not_found(monkeypatch, tmp_path):
    monkeypatch.delenv("OOMMFTCL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    study = make()
    OOMMFBackend().render(study, tmp_path)
    with pytest.raises(SolverNotFound, match="OOMMFTCL"):
        OOMMFBackend().execute(study, tmp_path, log=io.StringIO())


def test_execute_never_overwrites_earlier_output(monkeypatch, tmp_path):
    exe = tmp_path / "bin" / "oommf"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\nexit 3\n")
    exe.chmod(0o755)
    monkeypatch.delenv("OOMMFTCL", raising=False)
    monkeypatch.setenv("PATH", str(exe.parent))
    study = make()
    OOMMFBackend().render(study, tmp_path)
    (tmp_path / "run.out").mkdir()
    (tmp_path / "run.out" / "stage0_minimize.odt").write_text("earlier")
    with pytest.raises(FileExistsError, match="already holds output"):
        OOMMFBackend().execute(study, tmp_path, log=io.StringIO())
    assert (tmp_path / "run.out" / "stage0_minimize.odt").read_text() == "earlier"


def test_a_failing_solver_is_reported_with_its_output(monkeypatch, tmp_path):
    exe = tmp_path / "bin" / "oommf"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\necho 'boxsi: something broke'\nexit 3\n")
    exe.chmod(0o755)
    monkeypatch.delenv("OOMMFTCL", raising=False)
    monkeypatch.setenv("PATH", str(exe.parent))
    study = make()
    OOMMFBackend().render(study, tmp_path)
    log = io.StringIO()
    with pytest.raises(RuntimeError, match=r"(?s)exit status 3.*something broke"):
        OOMMFBackend().execute(study, tmp_path, log=log)
    assert "something broke" in log.getvalue()
