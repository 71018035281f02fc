"""A study written as a lattice model (``[lattice]``, orchestrator/study/lattice.py): the
table becomes the equivalent continuum study once, at validation, by mmstudy.lattice's
mapping (checked there bond by bond against the solver); the lattice's units are usable in
every value; what is not the lattice model is refused naming the field and the reason."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

import analysis
from analysis.detection import find_objects
from analysis.topology import topological_charge

from mmstudy.constants import MU0
from mmstudy.lattice import lattice_units
from orchestrator.dispatch.run import run_study
from orchestrator.study.load import StudyError, validate_study
from orchestrator.study.sweep import expand, study_data

MEV = 1.602176634e-22
U = lattice_units(0.5e-9, MEV)

BASE = {"name": "lat",
        "lattice": {"a": "0.5 nm", "J": "1 meV", "D": "0.18 E_J", "dmi": "bloch",
                    "K": "-0.1 meV", "h": "0.0278 meV", "alpha": 0.04},
        "mesh": {"n": [16, 16, 1], "pbc": "xy"},
        "stages": [{"type": "minimize"},
                   {"type": "evolve", "duration": "20 t_J", "save_every": "10 t_J"}]}


def _study(**changes):
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return validate_study(data, source="lat.toml")


def test_the_table_becomes_the_continuum_study_once():
    s = _study()
    m = s.material("body")
    assert s.mesh.cell == [U.a] * 3
    assert (m.Ms, m.A, m.K_axis, m.alpha) == (U.Ms, U.exchange(), [0.0, 0.0, 1.0], 0.04)
    # "-0.1 meV" through pint: to its 15 significant digits
    assert m.K == pytest.approx(U.anisotropy(-0.1 * MEV), rel=1e-14)
    assert (m.dmi[0].crystal_class, m.dmi[0].D) == U.dmi(0.18 * MEV, "bloch")
    assert s.drives["lattice_field"].H == pytest.approx([0.0, 0.0, U.field(0.0278 * MEV) / MU0],
                                                        rel=1e-14)
    # times in τ = ħ/J (μ_s = γħ): 20 τ, to pint's 15 significant digits
    assert s.stages[1].duration == pytest.approx(20 * U.time, rel=1e-14)
    assert s.lattice.D == pytest.approx(0.18 * MEV, rel=1e-14)


def test_a_dump_leaves_out_what_the_table_writes_and_validates_back():
    s = _study()
    data = study_data(s)
    assert "materials" not in data and "cell" not in data["mesh"]
    assert "lattice_field" not in data["drives"] and data["lattice"]["a"] == U.a
    again = validate_study(json.loads(json.dumps(data)))
    assert again == s


def test_a_sweep_over_the_table_rewrites_the_material():
    sweep = {"mode": "grid", "parameters": {
        "D": {"values": ["0.12 E_J", "0.18 E_J"], "set": "lattice.D"},
        "dmi": {"values": ["bloch", "neel"], "set": "lattice.dmi"}}}
    points = expand(_study(sweep=sweep))
    got = [(p.study.material("body").dmi[0].crystal_class, p.study.material("body").dmi[0].D)
           for p in points]
    assert got == [U.dmi(d * MEV, r) for d in (0.12, 0.18) for r in ("bloch", "neel")]
    assert len({p.id("builtin") for p in points}) == 4


@pytest.mark.parametrize("change, field, why", [
    ({"materials": {"default": {"Ms": 1e5}}}, "materials", "comes from [lattice]"),
    ({"mesh": {"n": [16, 16, 1], "cell": [1e-9] * 3}}, "mesh.cell", "lattice constant"),
    ({"energy": {"exchange_kernel": "12ngbr"}}, "energy.exchange_kernel", "second neighbours"),
    ({"energy": {"dmi_order": 4}}, "energy.dmi_order", "two sites"),
    ({"energy": {"demag": True}}, "energy.demag", "no dipolar term"),
    ({"units": {"A": 1e-11, "D": 1e-3, "Ms": 1e5}}, "units", "not both"),
    ({"drives": {"lattice_field": {"type": "field", "H": [0, 0, 1]}}}, "drives.lattice_field",
     "lattice.h"),
])
def test_what_is_not_the_lattice_model_is_refused(change, field, why):
    with pytest.raises(StudyError) as err:
        _study(**change)
    text = str(err.value)
    assert "lat.toml" in text and f"{field}:" in text and why in text


@pytest.mark.parametrize("table, field, why", [
    ({"J": "0 meV"}, "lattice.J", "nonzero exchange"),
    ({"a": None}, "lattice.a", "required"),
    ({"dmi": "antineel"}, "lattice.dmi", "'bloch', 'neel' or 'antibloch'"),
    ({"D": "0.18 foo"}, "lattice.D", "cannot read"),
])
def test_a_bad_table_names_its_field(table, field, why):
    lattice = {**BASE["lattice"], **table}
    lattice = {k: v for k, v in lattice.items() if v is not None}
    with pytest.raises(StudyError) as err:
        _study(lattice=lattice)
    assert f"{field}:" in str(err.value) and why in str(err.value)


def test_lattice_units_need_the_table():
    data = {"name": "x", "mesh": {"n": [4, 4, 1], "cell": [1e-9] * 3},
            "materials": {"default": {"Ms": 1e5, "A": 1e-11, "alpha": 0.1}},
            "stages": [{"type": "evolve", "duration": "10 t_J", "save_every": "1 t_J"}]}
    with pytest.raises(StudyError, match=r"\[lattice\] table \(a, J\)"):
        validate_study(data)


def test_a_lattice_study_runs_and_its_point_records_the_table(tmp_path):
    summary = run_study(_study(), backend="builtin", out=tmp_path / "out", progress=False)
    assert summary.exit_code == 0
    (folder,) = [p for p in (tmp_path / "out").iterdir() if (p / "point.json").is_file()]
    point = json.loads((folder / "point.json").read_text())
    assert point["study"]["lattice"]["J"] == MEV and "materials" not in point["study"]


@pytest.mark.parametrize("rule, D, start, want", [
    ("bloch", "0.18 E_J", 1.5 * np.pi, 1.5 * np.pi),   # the paper's Bloch helicity 3π/2
    ("neel", "-0.18 E_J", np.pi, np.pi),                # its Néel η = π needs D < 0 in Eq. 223
    ("neel", "0.18 E_J", 0.0, 0.0),                     # Eq. 223 as printed: η = 0 (notes §8)
])
def test_the_relaxed_lattice_skyrmion_has_the_papers_charge_and_helicity(rule, D, start, want,
                                                                         tmp_path):
    # paper 002, Sec. 8.3's plate (64² sites here, not 150²: the skyrmion is ~8 sites across)
    lattice = {**BASE["lattice"], "dmi": rule, "D": D}
    lattice.pop("K")  # Sec. 8.1: no anisotropy in the skyrmion runs
    study = _study(lattice=lattice, mesh={"n": [64, 64, 1], "pbc": "xy"},
                   initial={"type": "skyrmions", "skyrmions": [
                       {"centre": ["32 a_L", "32 a_L"], "radius": "6 a_L",
                        "helicity": float(start)}]},
                   stages=[{"type": "minimize"}])
    assert run_study(study, backend="builtin", out=tmp_path, progress=False).exit_code == 0
    (folder,) = [p for p in tmp_path.iterdir() if (p / "point.json").is_file()]
    ds = analysis.open_run(folder)
    # Berg–Lüscher on a periodic grid: an integer up to rounding
    assert float(topological_charge(ds, method="lattice").isel(t=-1).squeeze()) == \
        pytest.approx(-1, abs=1e-3)
    helicity = float(find_objects(ds.isel(t=[-1])).helicity.iloc[0])
    # the lattice's fourfold anisotropy is the only departure from the continuum's exact value
    assert abs(np.angle(np.exp(1j * (helicity - want)))) < 0.05


def test_mumax3_runs_a_periodic_lattice_study_and_refuses_a_free_edge_with_dmi(tmp_path):
    from orchestrator.backends.base import UnsupportedFeature
    from orchestrator.dispatch.run import plan_study

    # periodic in-plane: the continuum study is the lattice model on mumax3 too
    plan_study(_study(), backend="mumax3", out=tmp_path / "plate")
    # a free edge: the lattice has a missing bond there, mumax3's DMI a boundary condition
    with pytest.raises(UnsupportedFeature, match="dmi.lattice_edge"):
        plan_study(_study(mesh={"n": [16, 16, 1], "pbc": "x"}), backend="mumax3",
                   out=tmp_path / "track")
