"""Paper 002's currents in a study (``ZhangLiDrive.convention = "paper002"``, Eq. 15) and the
scale a point records (``point.json``'s ``scale``, orchestrator/study/echo.py).

The numbers trusted here are the notes' (notes-002 §1.7): with a = 0.5 nm, J = 1 meV, the
drift speed at j_e = 1e10 A/m², p = 0.2 is ṽ_s = ħ p a² j_e/(2eJ) = 1.027e-3 sites per τ,
and the spin-orbit rate at j_s = 1e9 A/m² on one layer c̃ = ħ a² j_s/(2eJ) = 5.14e-4 per τ,
both independent of μ_s (the paper does not give it)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from mmstudy.constants import HBAR, QE
from mmstudy.spintorque import zhang_li_u
from orchestrator.dispatch.run import run_study
from orchestrator.study.echo import scale_record
from orchestrator.study.load import StudyError, validate_study
from orchestrator.study.sweep import expand, study_data

MEV = 1.602176634e-22
A_LAT = 0.5e-9

BASE = {"name": "lat",
        "lattice": {"a": "0.5 nm", "J": "1 meV", "D": "0.18 E_J", "h": "0.0278 meV",
                    "alpha": 0.04},
        "mesh": {"n": [16, 16, 1], "pbc": "xy"},
        "drives": {"stt": {"type": "zhang_li", "j": ["-1e10 A/m^2", 0, 0], "P": 0.2,
                           "xi": 0.02, "convention": "paper002"},
                   "sot": {"type": "sot", "j": "1e9 A/m^2", "theta_SH": 1.0,
                           "p": [0, 1, 0]}},
        "stages": [{"type": "minimize"},
                   {"type": "evolve", "duration": "4 t_J", "save_every": "2 t_J"}]}


def _study(mu_s=None, **drive):
    data = copy.deepcopy(BASE)
    if mu_s is not None:
        data["lattice"]["mu_s"] = mu_s
    data["drives"]["stt"].update(drive)
    return validate_study(data, source="lat.toml")


@pytest.mark.parametrize("mu_s", [None, "3.7e-23 J/T"])
def test_paper002_currents_are_the_notes_drive_strengths_for_any_moment(mu_s):
    s = _study(mu_s)
    rec = scale_record(s)
    # Eq. 15 in τ units: ħ p a² j_e/(2 e J), μ_s drops out (exact identity; rounding only)
    want = HBAR * 0.2 * A_LAT ** 2 * 1e10 / (2 * QE * MEV)
    assert round(want * 1e3, 3) == 1.027       # the notes' number
    assert rec["drives"]["stt"]["u (sites/tau)"] == pytest.approx([-want, 0, 0], rel=1e-12)
    c = HBAR * A_LAT ** 2 * 1e9 / (2 * QE * MEV)
    assert round(c * 1e4, 2) == 5.14
    assert rec["drives"]["sot"]["c (1/tau)"] == pytest.approx(c, rel=1e-12)


def test_the_backends_get_the_mumax3_current_of_the_papers_velocity():
    s = _study()
    d, m = s.drives["stt"], s.material("body")
    # u = γħ p j_e/(2 e Ms) (Eq. 15, u = −v_s), no 1/(1 + β²)
    u = s.gamma0("body") / 4e-7 / np.pi * HBAR * 0.2 * -1e10 / (2 * QE * m.Ms)
    assert d.I == pytest.approx([u, 0, 0], rel=1e-12)
    # the j every backend reads is mumax3's for that velocity
    assert zhang_li_u(np.asarray(d.j), P=d.P, Ms=m.Ms, xi=d.xi) == pytest.approx(d.I, rel=1e-12)
    # and differs from the given j_e by (γħ/2μB)(1 + β²) ≈ 1 + 8e-4 (design §1.3)
    assert d.j[0] / -1e10 == pytest.approx(1.0008, abs=2e-4)


def test_a_dump_writes_the_given_current_and_validates_back():
    s = _study()
    data = study_data(s)
    assert data["drives"]["stt"]["j"] == [-1e10, 0.0, 0.0] and "I" not in data["drives"]["stt"]
    again = validate_study(json.loads(json.dumps(data)))
    assert again.drives["stt"].j == s.drives["stt"].j
    assert again.drives["stt"].I == s.drives["stt"].I


def test_a_sweep_over_the_papers_current_scales_the_velocity():
    data = copy.deepcopy(BASE)
    data["sweep"] = {"parameters": {"je": {"values": ["-1e10 A/m^2", "-2e10 A/m^2"],
                                           "set": "drives.stt.j.0"}}}
    points = expand(validate_study(data))
    u = [p.study.drives["stt"].I[0] for p in points]
    assert u[1] == pytest.approx(2 * u[0], rel=1e-12)
    assert [p.study.drives["stt"].j[0] for p in points] == pytest.approx(
        [points[0].study.drives["stt"].j[0] * k for k in (1, 2)], rel=1e-12)


def test_paper002_needs_the_current_not_the_velocity():
    with pytest.raises(StudyError, match=r"drives\.stt.*give j, not the velocity I"):
        _study(j=None, I=[1.0, 0, 0])


def test_the_point_records_its_scale(tmp_path):
    summary = run_study(_study(), backend="builtin", out=tmp_path, progress=False)
    assert summary.exit_code == 0
    (folder,) = [p for p in tmp_path.iterdir() if (p / "point.json").is_file()]
    scale = json.loads((folder / "point.json").read_text())["scale"]
    assert scale["scale"].startswith("lattice") and scale["tau (s)"] == pytest.approx(
        HBAR / MEV, rel=1e-12)
    assert set(scale["drives"]) == {"stt", "sot"}
