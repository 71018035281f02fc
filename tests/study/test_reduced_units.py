"""Paper 003's reduced units in a study (``[units]``: A, D, Ms) and a Zhang–Li drive given
by its velocity I: converted to SI once, at validation, against mmstudy.reduced's
formulas (checked there against the notes' FeGe-like numbers) and the Zhang–Li relation."""

from __future__ import annotations

import copy

import pytest

from mmstudy.constants import MU0
from mmstudy.reduced import reduced_units
from mmstudy.spintorque import zhang_li_u
from orchestrator.study.load import StudyError, validate_study
from orchestrator.study.sweep import expand, study_data

A, D, MS = 8.78e-12, 1.58e-3, 384e3
RU = reduced_units(A, D, MS)

BASE = {"name": "k", "units": {"A": "8.78 pJ/m", "D": "1.58 mJ/m^2", "Ms": "384 kA/m"},
        "mesh": {"n": [32, 32, 1], "cell": ["0.02 L_D", "0.02 L_D", "1 nm"], "pbc": "xy"},
        "materials": {"default": {"Ms": "384 kA/m", "A": "8.78 pJ/m", "alpha": 0.25,
                                  "K": "-0.3 K_D", "K_axis": [0, 0, 1],
                                  "dmi": {"D": "1.58 mJ/m^2", "class": "T"}}},
        "drives": {"field": {"type": "field", "H": [0, 0, "0.6 B_D"]},
                   "stt": {"type": "zhang_li", "I": ["-0.02 v_D", 0, 0], "P": 1.0,
                           "xi": 0.4}},
        "stages": [{"type": "evolve", "duration": "100 t_D", "save_every": "10 t_D"}]}


def _study(**changes):
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        data[key] = value
    return validate_study(data, source="k.toml")


def test_values_in_reduced_units_become_si_once():
    s = _study()
    # exact up to pint's conversion rounding (15 significant digits)
    assert s.mesh.cell[0] == pytest.approx(0.02 * RU.L_D, rel=1e-14)
    assert s.material("body").K == pytest.approx(-0.3 * MS * RU.B_D, rel=1e-14)  # u = −0.3
    assert s.drives["field"].H[2] * MU0 == pytest.approx(0.6 * RU.B_D, rel=1e-14)  # h = 0.6
    assert s.stages[0].duration == pytest.approx(100 * RU.time, rel=1e-14)
    assert s.units.reduced == RU
    # the study's data (point.json) holds SI numbers and the scale, no reduced strings
    data = study_data(s)
    assert data["units"] == {"A": A, "D": D, "Ms": MS, "gamma0": pytest.approx(2.211e5)}
    assert isinstance(data["mesh"]["cell"][0], float)


def test_zhang_li_drive_by_velocity_keeps_I_when_xi_is_swept():
    s = _study(sweep={"parameters": {"xi": {"set": "drives.stt.xi", "values": [0.1, 0.4]}}})
    I = -0.02 * RU.velocity
    assert s.drives["stt"].I[0] == pytest.approx(I, rel=1e-14)
    js = []
    for p in expand(s):
        d = p.study.drives["stt"]
        # mumax3's u (= the paper's I) of the derived j is the I written, at every ξ
        assert zhang_li_u(d.j[0], P=d.P, Ms=MS, xi=d.xi) == pytest.approx(I, rel=1e-12)
        js.append(d.j[0])
    assert js[1] / js[0] == pytest.approx((1 + 0.4 ** 2) / (1 + 0.1 ** 2), rel=1e-12)
    assert "j" not in study_data(s)["drives"]["stt"]  # derived, not written back


def test_reduced_units_without_a_scale_name_the_value_and_the_table():
    data = copy.deepcopy(BASE)
    del data["units"]
    with pytest.raises(StudyError) as err:
        validate_study(data, source="k.toml")
    text = str(err.value)
    assert "k.toml" in text and "mesh.cell" in text and "'0.02 L_D'" in text
    assert "[units] table (A, D, Ms)" in text


def test_a_bad_scale_is_reported_at_its_field():
    with pytest.raises(StudyError, match=r"units\.D: .*D ≠ 0"):
        _study(units={"A": "8.78 pJ/m", "D": 0, "Ms": "384 kA/m"})


@pytest.mark.parametrize("drive, message", [
    ({"type": "zhang_li", "I": [1.0, 0, 0], "j": [1e11, 0, 0], "P": 1.0}, "not both"),
    ({"type": "zhang_li", "P": 1.0}, "not neither"),
    ({"type": "zhang_li", "I": [1.0, 0, 0], "P": 0.0}, "P ≠ 0"),
])
def test_a_zhang_li_drive_needs_j_or_I(drive, message):
    with pytest.raises(StudyError, match=message):
        _study(drives={"stt": drive})


def test_velocity_needs_one_ms_in_the_driven_regions():
    data = copy.deepcopy(BASE)
    data["regions"] = [{"name": "a"}, {"name": "b", "shape": {"type": "half_plane",
                                                              "point": ["0.1 L_D", 0],
                                                              "normal": [1, 0]}}]
    data["materials"]["b"] = {"Ms": "500 kA/m"}
    with pytest.raises(StudyError, match=r"drives\.stt\.I: .*one Ms"):
        validate_study(data, source="k.toml")


def test_swept_values_in_reduced_units():
    s = _study(sweep={"parameters": {"r": {"set": "mesh.cell.0",
                                           "values": ["0.01 L_D", "0.02 L_D"]}}})
    points = expand(s, source="k.toml")
    assert [p.study.mesh.cell[0] for p in points] == pytest.approx([0.01 * RU.L_D,
                                                                   0.02 * RU.L_D], rel=1e-14)
    assert points[1].params["r"] == pytest.approx(0.02 * RU.L_D, rel=1e-14)
