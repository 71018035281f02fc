"""The builtin backend: a study point becomes the same Simulation one would build by hand,
drives follow their stage-time profiles, and the stages run into one readable folder."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

import analysis
from orchestrator.backends import UnsupportedFeature, get_backend
from orchestrator.backends.builtin import BuiltinBackend, build_simulation
from orchestrator.solver import Mesh, Simulation
from orchestrator.solver.terms.anisotropy import UniaxialAnisotropy
from orchestrator.solver.terms.dmi import DMI
from orchestrator.solver.terms.exchange import Exchange
from orchestrator.study import validate_study
from orchestrator.study.units import MU0

BASE = {
    "name": "t",
    "mesh": {"n": [20, 10, 1], "cell": [1e-9] * 3},
    "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "K": 8e5, "K_axis": [0, 0, 1],
                              "alpha": 0.3}},
    "stages": [{"type": "minimize"}],
}


def study(**changes):
    data = json.loads(json.dumps(BASE))
    data.update(changes)
    return validate_study(data)


def janus():
    return study(regions=[{"name": "left"},
                          {"name": "right", "shape": {"type": "half_plane", "point": [10e-9, 0],
                                                      "normal": [1, 0]}}],
                 materials={"default": BASE["materials"]["default"],
                            "left": {"dmi": {"D": 3.7e-3, "class": "Cnv_z"}},
                            "right": {"dmi": {"D": -3.7e-3, "class": "T"}}})


def test_janus_point_builds_the_hand_written_simulation():
    """Term by term: the study's regions, DMI classes and signs reach the solver unchanged
    (field of a random state agrees to rounding with a hand-built Simulation)."""
    sim, _ = build_simulation(janus())
    regions = np.zeros((1, 10, 20), np.int32)
    regions[..., 10:] = 1
    mesh = Mesh(n=(20, 10, 1), cell=(1e-9,) * 3, Ms=5.8e5, regions=regions,
                region_names={"left": 0, "right": 1})
    ref = Simulation(mesh, [Exchange(1.5e-11), DMI({"left": (3.7e-3, "Cnv_z"),
                                                     "right": (-3.7e-3, "T")}),
                            UniaxialAnisotropy(8e5, (0, 0, 1))], alpha=0.3)
    m = np.random.default_rng(1).normal(size=(1, 10, 20, 3))
    sim.set_m(m)
    ref.set_m(m)
    np.testing.assert_allclose(sim.field(), ref.field(), rtol=0, atol=1e-9 * np.abs(ref.field()).max())
    np.testing.assert_array_equal(sim.mesh.regions, mesh.regions)


def test_field_in_tesla_and_stage_time_pulse():
    """"10 mT" is H = 0.01/μ0 A/m; a pulse [t0, t1) counts from its stage's start and is
    off in stages that do not list the drive."""
    s = study(drives={"h": {"type": "field", "H": [0, 0, "10 mT"],
                            "envelope": {"type": "pulse", "t0": 1e-12, "t1": 2e-12}}},
              stages=[{"type": "minimize", "drives": []},
                      {"type": "evolve", "duration": 5e-12, "save_every": 1e-12}])
    sim, clock = build_simulation(s)
    zeeman = sim.terms[-1]
    H = 0.01 / MU0
    clock.start, clock.active = 3e-12, frozenset()
    assert zeeman.field(sim.m, 4.5e-12)[0, 0, 0, 2] == 0.0           # inactive stage
    clock.start, clock.active = 0.0, frozenset({"h"})
    values = [zeeman.field(sim.m, t)[0, 0, 0, 2] for t in (0.5e-12, 1e-12, 1.5e-12, 2e-12)]
    np.testing.assert_allclose(values, [0.0, H, H, 0.0], rtol=1e-12)
    clock.start = 3e-12  # a later stage: the pulse is again 1 to 2 ps after its start
    values = [zeeman.field(sim.m, 3e-12 + t)[0, 0, 0, 2] for t in (0.5e-12, 1.5e-12, 2.5e-12)]
    np.testing.assert_allclose(values, [0.0, H, 0.0], rtol=1e-12)


def test_sot_turns_m_toward_p():
    """Damping-like SOT c m×(p×m) turns a uniform m = +z toward +p = −y at the rate
    c = γħθj/(2etMs)/(1+α²) (no other torque: the field terms vanish for uniform m)."""
    s = study(materials={"default": {"Ms": 5.8e5, "alpha": 0.3}}, mesh={"n": [2, 2, 1],
              "cell": [1e-9] * 3, "pbc": "xy"},
              drives={"sot": {"type": "sot", "j": "1 MA/cm^2", "theta_SH": 1, "p": [0, -1, 0]}},
              stages=[{"type": "evolve", "duration": 1e-12, "save_every": 1e-12}])
    sim, _ = build_simulation(s)
    dmdt = sim.llg.dmdt(sim.m, 0.0)
    hbar, e = 1.054571817e-34, 1.602176634e-19
    c = (2.211e5 / MU0) * hbar * 1.0 * 1e10 / (2 * e * 1e-9 * 5.8e5)
    np.testing.assert_allclose(dmdt[0, 0, 0], [c * 0.3 / 1.09, -c / 1.09, 0.0], rtol=1e-3)


def test_stages_run_into_one_folder(tmp_path):
    s = study(initial={"type": "skyrmions", "skyrmions": [{"centre": [10e-9, 5e-9], "radius": 3e-9}]},
              materials={"default": {**BASE["materials"]["default"],
                                     "dmi": {"D": 3.7e-3, "class": "Cnv_z"}}},
              stages=[{"type": "minimize"},
                      {"type": "evolve", "duration": 4e-12, "save_every": 2e-12,
                       "table_every": 1e-12}])
    backend = BuiltinBackend()
    files = backend.render(s, tmp_path)
    assert {f.name for f in files} == {"builtin.json", "run.py"}
    log = io.StringIO()
    backend.execute(s, tmp_path, log=log)
    assert "converged" in log.getvalue()
    ds = analysis.open_run(tmp_path / "run.out")
    # the minimised state at t = 0 (the initial state shares its time: stage=0 shows it),
    # then snapshots at 2 and 4 ps
    np.testing.assert_allclose(ds.t.values, [0, 2e-12, 4e-12], atol=1e-18)
    assert analysis.open_run(tmp_path / "run.out", stage=0).sizes["t"] == 2
    assert json.loads((tmp_path / "run.out" / "run.json").read_text())["status"] == "finished"
    with pytest.raises(FileExistsError):  # a finished run is never overwritten
        backend.execute(s, tmp_path, log=log)


def test_unsupported_feature_is_refused_naming_the_field():
    s = study(regions=[{"name": "a"}, {"name": "b", "shape": {"type": "box", "min": [10e-9, 0],
                                                               "max": [20e-9, 10e-9]}}],
              materials={"default": BASE["materials"]["default"], "b": {"gamma0": 2.0e5}})
    with pytest.raises(UnsupportedFeature, match=r"gamma.regions \(asked for by materials"):
        get_backend("builtin").check(s)


def test_initial_table_row_has_only_stage_zero_drives(tmp_path):
    """The t = 0 row is taken as stage 0 starts: a field that stage 0 leaves out has no
    energy there (as OOMMF's first row and mumax3's B_ext before any stage)."""
    s = study(drives={"h": {"type": "field", "H": [0, 0, "10 mT"]}},
              stages=[{"type": "minimize", "drives": []},
                      {"type": "evolve", "duration": 2e-12, "save_every": 1e-12}])
    BuiltinBackend().execute(s, tmp_path, log=io.StringIO())
    table = analysis.read_table(tmp_path / "run.out" / "table.txt")
    assert table["E_h"].iloc[0] == 0.0 and table["E_h"].iloc[-1] != 0.0


def test_explicit_default_gamma_is_not_a_per_region_gamma():
    s = study(regions=[{"name": "a"}, {"name": "b", "shape": {"type": "box", "min": [10e-9, 0],
                                                               "max": [20e-9, 10e-9]}}],
              materials={"default": BASE["materials"]["default"], "b": {"gamma0": 2.211e5}})
    get_backend("builtin").check(s)  # γ0 = 2.211e5 everywhere: nothing to refuse


def test_sot_thickness_must_be_positive():
    with pytest.raises(Exception, match="greater than 0"):
        study(drives={"s": {"type": "sot", "j": 1e10, "theta_SH": 1, "p": [0, 1, 0],
                            "thickness": -1e-9}})


def test_problems_the_solver_would_meet_mid_run_are_refused_up_front():
    short = study(mesh={"n": [3, 16, 1], "cell": [1e-9] * 3},
                  energy={"exchange_kernel": "12ngbr"})
    with pytest.raises(UnsupportedFeature, match="energy.exchange_kernel .the open axis x"):
        BuiltinBackend().check(short)
    typo = study(stages=[{"type": "evolve", "duration": 1e-12, "save_every": 1e-12,
                          "fields": ["m", "exchange"]}])
    with pytest.raises(UnsupportedFeature, match=r"stages.0.fields \(exchange: not a term.*"
                                                 r"terms: anis, exch"):
        BuiltinBackend().check(typo)
