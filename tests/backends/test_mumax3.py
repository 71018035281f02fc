"""The mumax3 backend: rendered scripts (golden files), the study → mumax3 mapping term by
term, what it refuses, finding the solver, and (only where mumax3 is installed) a run.

Golden files: ``tests/backends/golden/mumax3/<name>.mx3``; regenerate them after an
intended change with ``MMSTUDY_UPDATE_GOLDEN=1 pytest tests/backends/test_mumax3.py`` and
review the diff. The physics of the rendered scripts (fields and torques against the
built-in solver) is checked in ``test_mumax3_emulation.py``.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

import analysis
from analysis.thiele import sot_rate
from orchestrator.backends import SolverNotFound, UnsupportedFeature, get_backend
from orchestrator.backends.mumax3 import ENV_VAR, Mumax3Backend, command
from orchestrator.backends.mx3_plan import MUMAX3_GAMMA0, build_plan
from orchestrator.backends.mx3_render import render_script
from orchestrator.study import validate_study
from orchestrator.study.units import MU0

GOLDEN = Path(__file__).parent / "golden" / "mumax3"
UPDATE = os.environ.get("MMSTUDY_UPDATE_GOLDEN") == "1"
# mumax3's ħ and e (cuda/constants.h)
MX3_HBAR, MX3_QE = 1.05457173e-34, 1.60217646e-19

FILM = {"Ms": 5.8e5, "A": 1.5e-11, "K": 8e5, "K_axis": [0, 0, 1], "alpha": 0.3}

STUDIES = {
    # paper 000's Janus skyrmion: Cnv_z left (mumax3's Dind), T right (custom field),
    # a vacuum hole, relaxed, then kicked by a field pulse in the left half
    "janus": {
        "name": "janus", "description": "Janus skyrmion: Cnv_z left, T right",
        "mesh": {"n": [40, 20, 1], "cell": [1e-9] * 3, "pbc": "y"},
        "regions": [
            {"name": "left", "shape": {"type": "difference", "base": {"type": "all"},
                                       "minus": [{"type": "disk", "centre": [35e-9, 5e-9],
                                                  "radius": 2e-9}]}},
            {"name": "right", "shape": {"type": "difference",
                                        "base": {"type": "half_plane", "point": [20e-9, 0],
                                                 "normal": [1, 0]},
                                        "minus": [{"type": "disk", "centre": [35e-9, 5e-9],
                                                   "radius": 2e-9}]}}],
        "materials": {"default": FILM, "left": {"dmi": {"D": 3.7e-3, "class": "Cnv_z"}},
                      "right": {"dmi": {"D": 3.7e-3, "class": "T"}}},
        "drives": {"kick": {"type": "field", "H": [0, 0, "-20 mT"], "regions": ["left"],
                            "envelope": {"type": "pulse", "t0": "0.1 ns", "t1": "0.2 ns"}}},
        "initial": {"type": "skyrmions", "skyrmions": [{"centre": [20e-9, 10e-9],
                                                       "radius": 5e-9}]},
        "stages": [{"type": "relax", "drives": []},
                   {"type": "evolve", "duration": "0.5 ns", "save_every": "50 ps",
                    "table_every": "10 ps"}]},
    # damping- and field-like SOT with p at 240°, demag with periodic images
    "sot_angle": {
        "name": "sot_angle",
        "mesh": {"n": [32, 32, 1], "cell": [1e-9] * 3, "pbc": "xy", "repeats": [4, 6, 0]},
        "materials": {"default": {**FILM, "dmi": {"D": 3.5e-3, "class": "Cnv_z"}}},
        "energy": {"demag": True},
        "drives": {"sot": {"type": "sot", "j": "2 MA/cm^2", "theta_SH": 0.3,
                           "p_angle": "240 deg", "field_like": 0.5}},
        "stages": [{"type": "minimize", "drives": []},
                   {"type": "evolve", "duration": "1 ns", "save_every": "0.1 ns",
                    "tolerance": 1e-6}]},
    # temperature: Heun and RK4 with fixed steps (a remainder step), relax at T = 0
    "thermal": {
        "name": "thermal",
        "mesh": {"n": [16, 16, 1], "cell": [2e-9, 2e-9, 1e-9], "pbc": "xy"},
        "materials": {"default": {**FILM, "dmi": {"D": 3e-3, "class": "Cnv_z"},
                                  "gamma0": 2.3e5}},
        "thermal": {"temperature": "300 K", "seed": 7},
        "stages": [{"type": "evolve", "duration": "105 fs", "save_every": "50 fs",
                    "table_every": "10 fs", "integrator": "heun", "dt": "2 fs"},
                   {"type": "relax"},
                   {"type": "evolve", "duration": "0.1 ps", "save_every": "30 fs",
                    "integrator": "rk4", "dt": "0.7 fs"}]},
    # time profiles: a counted square train in a region, an expression, a global constant
    # field, a strain anisotropy drive; Zhang–Li in the last stage only
    "pulses": {
        "name": "pulses",
        "mesh": {"n": [20, 10, 1], "cell": [1e-9] * 3, "pbc": "x"},
        "regions": [{"name": "a"}, {"name": "b", "shape": {"type": "box", "min": [10e-9, 0],
                                                           "max": [20e-9, 10e-9]}}],
        "materials": {"default": FILM, "b": {"Ms": 4e5}},
        "drives": {
            "train": {"type": "field", "H": [1e4, 0, 0], "regions": ["b"],
                      "envelope": {"type": "train", "period": "1 ns", "duty": 0.25,
                                   "t0": "0.5 ns", "count": 3}},
            "rf": {"type": "field", "H": [0, 2e3, 0],
                   "envelope": {"type": "expression",
                                "expression": "sin(2*pi*2e9*t) * exp(-t/1e-9)"}},
            "bias": {"type": "field", "H": [0, 0, "10 mT"]},
            "strain": {"type": "anisotropy", "K": "20 kJ/m^3", "axis": [1, 1, 0],
                       "regions": ["a"],
                       "envelope": {"type": "pulse", "t0": 0, "t1": "1 ns"}},
            "stt": {"type": "zhang_li", "j": ["1 MA/cm^2", 0, 0], "P": 0.4, "xi": 0.05}},
        "stages": [{"type": "minimize", "drives": ["bias"]},
                   {"type": "evolve", "duration": "4 ns", "save_every": "0.5 ns",
                    "drives": ["train", "rf", "bias", "strain"]},
                   {"type": "evolve", "duration": "1 ns", "save_every": "0.25 ns",
                    "drives": ["stt", "bias"]}]},
    # the fourth-order exchange patch on a periodic film ...
    "exchange4_pbc": {
        "name": "exchange4_pbc",
        "mesh": {"n": [16, 16, 1], "cell": [1e-9] * 3, "pbc": "xy"},
        "materials": {"default": FILM},
        "energy": {"exchange_kernel": "12ngbr"},
        "stages": [{"type": "relax"}]},
    # ... and with free edges in 3D
    "exchange4_free": {
        "name": "exchange4_free",
        "mesh": {"n": [12, 10, 3], "cell": [1e-9, 1e-9, 1.5e-9]},
        "materials": {"default": FILM},
        "energy": {"exchange_kernel": "12ngbr"},
        "stages": [{"type": "minimize"}]},
    # periodic with demag images chosen per axis; antiskyrmions (D2d_z, custom field) with
    # the "zero" bond rule between two regions
    "pbc_repeats": {
        "name": "pbc_repeats",
        "mesh": {"n": [24, 24, 2], "cell": [1e-9] * 3, "pbc": "xyz", "repeats": [3, 5, 1]},
        "regions": [{"name": "inner", "shape": {"type": "disk", "centre": [12e-9, 12e-9],
                                                "radius": 6e-9}},
                    {"name": "outer", "shape": {"type": "difference",
                                                "base": {"type": "all"},
                                                "minus": [{"type": "disk",
                                                           "centre": [12e-9, 12e-9],
                                                           "radius": 6e-9}]}}],
        "materials": {"default": FILM, "inner": {"dmi": {"D": 2e-3, "class": "D2d_z"}},
                      "outer": {"dmi": {"D": 3e-3, "class": "D2d_z"}}},
        "energy": {"demag": True, "dmi_interface": "zero"},
        "stages": [{"type": "minimize"}]},
}


def study(name_or_data, **changes):
    data = json.loads(json.dumps(STUDIES[name_or_data] if isinstance(name_or_data, str)
                                 else name_or_data))
    data.update(changes)
    return validate_study(data)


# --------------------------------------------------------------------------- golden

@pytest.mark.parametrize("name", sorted(STUDIES))
def test_rendered_script_matches_golden(name, tmp_path):
    """The rendered run.mx3 of each representative study, line for line."""
    s = study(name)
    files = Mumax3Backend().render(s, tmp_path)
    assert files[0].name == "run.mx3" and files[1].name == "m0.ovf"
    text = (tmp_path / "run.mx3").read_text()
    golden = GOLDEN / f"{name}.mx3"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.is_file(), f"no golden file {golden}: run with MMSTUDY_UPDATE_GOLDEN=1"
    assert text == golden.read_text(), (f"{name}: rendered script differs from {golden} "
                                        "(MMSTUDY_UPDATE_GOLDEN=1 to accept a change)")


def test_golden_files_have_no_orphans():
    assert {p.stem for p in GOLDEN.glob("*.mx3")} == set(STUDIES)


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_scripts_use_mumax3_syntax_only(name):
    """Each statement is one mumax3 form: no Python leftovers, balanced brackets, every
    Shifted moves along one axis only (mumax3 3.10 applies only the last of several),
    every name defined before use, no name defined twice."""
    text = render_script(build_plan(study(name)))
    defined: set[str] = set()
    for line in text.splitlines():
        code = line.split("//")[0].strip()
        if not code:
            continue
        assert code.count("(") == code.count(")"), line
        assert "**" not in code and "True" not in code and "None" not in code, line
        shifts = re.findall(r"Shifted\([^,()]+(?:\([^()]*\))?, (-?\d+), (-?\d+), (-?\d+)\)",
                            code)
        assert len(shifts) == code.count("Shifted("), line
        for args in shifts:
            assert sum(a != "0" for a in args) == 1, line
        m = re.match(r"^(\w+) := (.+)$", code)
        if m:
            assert m.group(1).lower() not in defined, line
            for used in re.findall(r"\bmm_\w+", m.group(2)):
                assert used.lower() in defined, f"{used} used before definition: {line}"
            defined.add(m.group(1).lower())


# --------------------------------------------------------------------------- mapping

def plan_of(data):
    return build_plan(validate_study(data))


def test_interfacial_dmi_sign():
    """Cnv_z with D > 0 is Dind = −D: mumax3's interfacial energy is
    Dind[m_z ∇·m − (m·∇)m_z] (cuda/dmi.cu: H_x += (D/Δ)(m_z⁺ − m_z⁻)), OOMMF's
    Cnv_z D[(m·∇)m_z − m_z ∇·m]. (ubermag's mumax3c, read at commits d3723df and
    00dbcce of mumax3c/scripts/energy.py, also writes −D.)"""
    p = plan_of(STUDIES["sot_angle"])
    assert [r.Dind for r in p.regions] == [-3.5e-3]
    assert "Dind.SetRegion(0, -0.0035)" in render_script(p)


def test_bulk_dmi_sign():
    data = json.loads(json.dumps(STUDIES["sot_angle"]))
    data["materials"]["default"]["dmi"] = {"D": -2e-3, "class": "T"}
    p = plan_of(data)
    assert [r.Dbulk for r in p.regions] == [-2e-3] and p.open_bc and not p.custom


def test_gamma_is_gammaLL():
    """GammaLL = γ0/μ0 (rad/(T s)), always written (mumax3's default is 1.7595e11)."""
    p = plan_of(STUDIES["thermal"])
    assert p.gammaLL == 2.3e5 / MU0
    assert plan_of(STUDIES["janus"]).gammaLL == pytest.approx(1.7594e11, rel=1e-4)


def test_field_is_in_tesla():
    """B_ext = μ0 H: 1e4 A/m → 0.012566… T; "10 mT" stays 0.01 T."""
    p = plan_of(STUDIES["pulses"])
    stage = p.stages[0]                     # minimize: only the global bias
    assert stage.field == [(None, ("0", "0", "0.01"))]
    text = render_script(p)
    assert f"{MU0 * 1e4!r} * (" in text


def test_sot_coefficient_equals_mumax3_slonczewski():
    """c = γ ħ θ_SH j/(2 e t Ms) (ours, analysis.thiele.sot_rate) equals mumax3's
    GammaLL·(ħ/e)·J/(t Ms)·ε with Λ = 1 → ε = Pol/2 (cuda/slonczewski2.cu), and the
    field-like ratio EpsilonPrime/ε is ours, r. Constants differ in the 8th digit."""
    s = study("sot_angle")
    p = build_plan(s)
    tq = p.stages[1].torque
    d = s.drives["sot"]
    j = float(tq["J"][2])
    assert tq["Lambda"] == 1.0 and tq["Pol"] == d.theta_SH and j == d.j
    eps = tq["Pol"] * 1 / (2 + 0)
    c_mx3 = p.gammaLL * (MX3_HBAR / MX3_QE) * j / (tq["FreeLayerThickness"] * 5.8e5) * eps
    c_ours = sot_rate(d.j, theta_SH=d.theta_SH, thickness=1e-9, Ms=5.8e5, gamma=2.211e5 / MU0)
    assert c_mx3 == pytest.approx(c_ours, rel=1e-6)
    assert tq["EpsilonPrime"] / eps == pytest.approx(0.5, rel=1e-15)
    angle = math.radians(240)
    np.testing.assert_allclose(tq["FixedLayer"], [math.cos(angle), math.sin(angle), 0],
                               atol=1e-15)
    assert tq["FreeLayerThickness"] == 1e-9   # default: the mesh thickness


def test_zhang_li_polarisation_undoes_gamma_factor():
    p = plan_of(STUDIES["pulses"])
    tq = p.stages[2].torque
    assert tq["kind"] == "zhang_li" and tq["Xi"] == 0.05
    assert tq["Pol"] == pytest.approx(0.4 * MUMAX3_GAMMA0 / p.gammaLL, rel=1e-15)
    assert tq["J"] == ("10000000000.0", "0", "0")


def test_stages_switch_drives_and_temperature():
    text = render_script(plan_of(STUDIES["pulses"]))
    stages = text.split("// ==== ")[1:]
    assert "J = vector(0, 0, 0)" in stages[0] and "exx = 0" in stages[0]
    assert "exx.SetRegion(0, 40000.0 * " in stages[1]           # 2K(t) in region a
    assert "DisableZhangLiTorque = false" in stages[2] and "exx = 0" in stages[2]
    assert "mm_t0_1 := t" in stages[1] and "mm_t0_2" not in stages[2]
    thermal = render_script(plan_of(STUDIES["thermal"]))
    assert "Temp = 300.0" in thermal and "ThermSeed(7)" in thermal
    assert "ThermSeed" not in text and "Temp" not in text


def test_no_spin_torque_in_minimize_or_relax():
    """As in the built-in solver; mumax3's minimize()/relax() would include J's torques."""
    data = json.loads(json.dumps(STUDIES["sot_angle"]))
    data["stages"][0]["drives"] = ["sot"]
    data["stages"].insert(1, {"type": "relax"})
    stages = render_script(plan_of(data)).split("// ==== ")[1:]
    assert "J = vector(0, 0, 0)" in stages[0] and "J = vector(0, 0, 0)" in stages[1]
    assert "J = vector(0, 0, 20000000000.0)" in stages[2]


def test_save_loops_follow_the_builtin_layout():
    """Snapshots every save_every and table rows every table_every from the stage start;
    fixed steps via steps(n) with one shortened step for a remainder (105 fs at 2 fs)."""
    p = plan_of(STUDIES["thermal"])
    ev = p.stages[0].evolve
    assert (ev.solver, ev.fixdt, ev.n_save, ev.ratio, ev.extra_table) == (2, 2e-15, 2, 5, 0)
    assert ev.advance_table == ["steps(5)"]
    assert ev.advance_rest[0] == "steps(2)" and ev.advance_rest[2] == "steps(1)"
    rest = float(ev.advance_rest[1].split("=")[1])
    assert 2 * 2e-15 + rest == pytest.approx(5e-15, rel=1e-9)
    ev = p.stages[2].evolve
    assert (ev.solver, ev.n_save, ev.ratio, ev.extra_table) == (4, 3, 1, 0)
    assert p.stages[1].evolve is None
    ev = plan_of(STUDIES["sot_angle"]).stages[1].evolve
    assert (ev.solver, ev.maxerr, ev.fixdt, ev.advance_table) == (5, 1e-6, 0.0, ["run(1e-10)"])


# --------------------------------------------------------------------------- refusals

def _refused(data) -> dict:
    return Mumax3Backend().missing(validate_study(data))


def test_supported_studies_are_not_refused():
    for name in STUDIES:
        assert Mumax3Backend().missing(study(name)) == {}, name


def test_refuses_zhang_li_with_sot_in_one_stage():
    data = json.loads(json.dumps(STUDIES["pulses"]))
    data["drives"]["sot"] = {"type": "sot", "j": 1e10, "theta_SH": 0.1, "p": [0, 1, 0]}
    data["stages"][2]["drives"].append("sot")
    missing = _refused(data)
    assert "sot" in missing and "one current J" in missing["sot"]
    with pytest.raises(UnsupportedFeature, match="stages.2"):
        Mumax3Backend().render(validate_study(data), Path("/nonexistent/never/written"))


def test_refuses_differing_sot_drives_in_one_stage():
    data = json.loads(json.dumps(STUDIES["sot_angle"]))
    data["drives"]["sot2"] = {"type": "sot", "j": 1e10, "theta_SH": 0.3, "p": [1, 0, 0]}
    assert "FixedLayer" in _refused(data)["sot"]
    data["drives"]["sot2"]["p"] = None
    data["drives"]["sot2"]["p_angle"] = "240 deg"
    data["drives"]["sot2"]["field_like"] = 0.5
    assert _refused(data) == {}         # same p, θ, r, t: one J = j1 f1 + j2 f2


def test_refuses_what_mumax3_lacks():
    data = json.loads(json.dumps(STUDIES["janus"]))
    data["materials"]["right"]["gamma0"] = 2e5
    assert "gamma.regions" in _refused(data)
    data = json.loads(json.dumps(STUDIES["janus"]))
    data["stages"][1]["fields"] = ["m", "DMI"]
    assert "evolve.term_fields" in _refused(data)
    data = json.loads(json.dumps(STUDIES["janus"]))
    data["energy"] = {"exchange_kernel": "12ngbr"}
    assert "exchange.12ngbr.regions" in _refused(data)
    data = json.loads(json.dumps(STUDIES["sot_angle"]))
    data["mesh"]["repeats"] = [0, 6, 0]
    assert "0 images along periodic x" in _refused(data)["demag.pbc"]


def test_refuses_more_than_six_carriers():
    data = json.loads(json.dumps(STUDIES["pulses"]))
    for k in range(6):
        data["drives"][f"s{k}"] = {"type": "anisotropy", "K": 1e3, "axis": [0, 0, 1]}
    assert "six" in _refused(data)["anisotropy_drive"]


def test_declared_features():
    b = get_backend("mumax3")
    assert isinstance(b, Mumax3Backend) and b.name == "mumax3"
    assert {"dmi.mixed", "dmi.D2d_z", "dmi.interface_zero", "exchange.12ngbr.pbc",
            "anisotropy_drive", "sot.field_like", "thermal.torque"} <= b.features
    assert not {"gamma.regions", "evolve.term_fields", "exchange.12ngbr.regions"} & b.features


# --------------------------------------------------------------------------- the solver

def test_find_reports_a_bad_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "no-such-mumax3"))
    info = Mumax3Backend().find()
    assert not info.found and ENV_VAR in info.how
    (tmp_path / "notexe").write_text("")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "notexe"))
    assert not Mumax3Backend().find().found


def test_execute_without_mumax3_raises(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))          # no mumax3 anywhere
    b = Mumax3Backend()
    assert not b.find().found and "PATH" in b.find().how
    b.render(study("exchange4_pbc"), tmp_path)
    with pytest.raises(SolverNotFound):
        b.execute(study("exchange4_pbc"), tmp_path, log=io.StringIO())


def test_command_line():
    assert command("/opt/mumax3") == ["/opt/mumax3", "-http=", "-o", "run.out", "run.mx3"]


def test_render_writes_only_its_own_files(tmp_path):
    (tmp_path / "run.out").mkdir()
    (tmp_path / "run.out" / "table.txt").write_text("results")
    names = [f.name for f in Mumax3Backend().render(study("janus"), tmp_path)]
    assert names == ["run.mx3", "m0.ovf", "regions.ovf", "geom.png"]
    assert (tmp_path / "run.out" / "table.txt").read_text() == "results"


MUMAX3 = Mumax3Backend().find()
needs_mumax3 = pytest.mark.skipif(not MUMAX3.found,
                                  reason=f"mumax3 is not installed ({MUMAX3.how})")


@needs_mumax3
def test_mumax3_runs_a_point(tmp_path):
    """A real run: the output opens with analysis.open_run, has the planned snapshots
    and table rows, periodicity from the log, and unit m in the magnetic cells."""
    s = study("janus")
    b = Mumax3Backend()
    b.render(s, tmp_path)
    log = io.StringIO()
    b.execute(s, tmp_path, log=log)
    ds = analysis.open_run(tmp_path / "run.out")
    # initial + relax + 10 snapshots; table: initial + relax + 50 rows
    assert ds.sizes["t"] == 12 and ds.attrs["pbc"] == "y"
    np.testing.assert_allclose(ds.t.values[-1], 0.5e-9, rtol=1e-6)
    norm = np.linalg.norm(ds.m.isel(t=-1).values, axis=-1)
    assert np.allclose(norm[norm > 0], 1, atol=1e-5)
    with pytest.raises(FileExistsError):
        b.execute(s, tmp_path, log=io.StringIO())


def test_relax_and_minimize_hold_drive_profiles_at_the_stage_start():
    """In minimise/relax stages a drive takes its profile's value at the stage start (a
    pulse from 1 ps is off, a sine is 0, a constant is on) with no expression of t:
    mumax3's relax() lets t run between resets, the other backends freeze it."""
    s = validate_study({
        "name": "frozen", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
        "materials": {"default": {"Ms": 8e5, "A": 1.3e-11, "alpha": 0.5}},
        "drives": {"pulse": {"type": "field", "H": [0, 0, 1e4],
                             "envelope": {"type": "pulse", "t0": 1e-12, "t1": 2e-12}},
                   "cos": {"type": "field", "H": [1e4, 0, 0],
                           "envelope": {"type": "expression",
                                        "expression": "cos(2*pi*1e9*t)"}}},
        "stages": [{"type": "relax"}, {"type": "evolve", "duration": 2e-12,
                                       "save_every": 1e-12}]})
    relax, evolve = build_plan(s).stages
    assert relax.t0 is None and evolve.t0 == "mm_t0_1"
    (_, comps), = relax.field
    assert "t" not in "".join(comps)
    np.testing.assert_allclose([float(c) for c in comps], [MU0 * 1e4, 0.0, 0.0], rtol=1e-12)
    assert "mm_t0_1" in "".join(evolve.field[0][1])
