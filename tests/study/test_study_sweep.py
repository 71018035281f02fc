"""Sweeps and point ids (orchestrator/study/sweep.py)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from study_helpers import study, study_dict

from orchestrator.study import StudyError, load_study
from orchestrator.study.model import Study
from orchestrator.study.sweep import expand, point_id, set_path

SOT = {"sot": {"type": "sot", "j": 1e10, "theta_SH": 1, "p_angle": 0}}
EVOLVE = [{"type": "evolve", "duration": 1e-10, "save_every": 1e-11}]


def swept(sweep: dict, **sections) -> Study:
    sections.setdefault("drives", SOT)
    return study(stages=EVOLVE, sweep=sweep, **sections)


# --------------------------------------------------------------------------- expansion

def test_grid_order_last_parameter_fastest():
    s = swept({"parameters": {"a": {"values": [0.1, 0.2], "set": "materials.default.alpha"},
                              "j": {"values": [1e10, 2e10, 3e10], "set": "drives.sot.j"}}})
    pts = expand(s)
    assert [p.index for p in pts] == list(range(6))
    assert [(p.params["a"], p.params["j"]) for p in pts] == [
        (0.1, 1e10), (0.1, 2e10), (0.1, 3e10), (0.2, 1e10), (0.2, 2e10), (0.2, 3e10)]
    for p in pts:   # the values are written into each point's study, which has no sweep
        assert p.study.material("body").alpha == p.params["a"]
        assert p.study.drives["sot"].j == p.params["j"] and p.study.sweep is None


def test_zip_pairs_values():
    s = swept({"mode": "zip",
               "parameters": {"a": {"values": [0.1, 0.2, 0.3], "set": "materials.default.alpha"},
                              "j": {"values": [1e10, 2e10, 3e10], "set": "drives.sot.j"}}})
    assert [(p.params["a"], p.params["j"]) for p in expand(s)] == [
        (0.1, 1e10), (0.2, 2e10), (0.3, 3e10)]


def test_unequal_zip_lengths_are_refused():
    d = study_dict(drives=SOT, stages=EVOLVE, sweep={
        "mode": "zip", "parameters": {"a": {"values": [0.1, 0.2]}, "b": {"values": [1]}}})
    from orchestrator.study import validate_study
    with pytest.raises(StudyError, match=r"sweep: zipped parameters need lists of one length, "
                                         r"got \{'a': 2, 'b': 1\}"):
        validate_study(d)


def test_units_in_values_given_vs_params():
    s = swept({"parameters": {
        "j": {"values": ["1 MA/cm^2", 3e10], "set": "drives.sot.j"},
        "Ms": {"values": [500, 600], "unit": "kA/m", "set": "materials.default.Ms"},
        "T": {"values": ["2 ns"], "set": "stages.0.duration"}}})
    pts = expand(s)
    assert [p.given["j"] for p in pts[::2]] == ["1 MA/cm^2", 3e10]
    assert [p.params["j"] for p in pts[::2]] == [1e10, 3e10]
    assert [p.given["Ms"] for p in pts[:2]] == ["500 kA/m", "600 kA/m"]
    assert [p.params["Ms"] for p in pts[:2]] == [5e5, 6e5]
    assert [p.study.material("body").Ms for p in pts[:2]] == [5e5, 6e5]
    assert pts[0].params["T"] == 2e-9 and pts[0].study.stages[0].duration == 2e-9


def test_derived_values_from_angles():
    """p from θ: the angle is given in degrees, the expression sees radians (SI)."""
    s = swept({"parameters": {"theta": {"values": [0, 30, 90, 225], "unit": "deg"}},
               "derived": {"drives.sot.p": "[cos(theta), sin(theta), 0]",
                           "drives.sot.p_angle": "theta"}},
              drives={"sot": {"type": "sot", "j": 1e10, "theta_SH": 1, "p": [1, 0, 0]}})
    # giving both p and p_angle is refused by the model: derive only p
    with pytest.raises(StudyError, match="not both"):
        expand(s)
    s = swept({"parameters": {"theta": {"values": [0, 30, 90, 225], "unit": "deg"}},
               "derived": {"drives.sot.p": "[cos(theta), sin(theta), 0]"}},
              drives={"sot": {"type": "sot", "j": 1e10, "theta_SH": 1, "p": [1, 0, 0]}})
    for p, deg in zip(expand(s), [0, 30, 90, 225]):
        assert p.given["theta"] == f"{deg} deg"
        assert p.params["theta"] == pytest.approx(math.radians(deg), rel=1e-15)
        np.testing.assert_allclose(p.study.drives["sot"].direction,
                                   [math.cos(math.radians(deg)), math.sin(math.radians(deg)), 0],
                                   atol=1e-15)


def test_derived_expression_refuses_unknown_names():
    from orchestrator.study import validate_study
    d = study_dict(drives=SOT, stages=EVOLVE, sweep={
        "parameters": {"theta": {"values": [0]}}, "derived": {"drives.sot.p_angle": "phi"}})
    with pytest.raises(StudyError, match="uses phi, which are not sweep parameters"):
        validate_study(d)


def test_invalid_swept_value_names_the_point():
    s = swept({"parameters": {"a": {"values": [0.1, -1], "set": "materials.default.alpha"}}})
    with pytest.raises(StudyError) as err:
        expand(s, source="sweep.toml")
    msg = str(err.value)
    assert "sweep.toml (sweep point 1: a = -1)" in msg
    assert "materials.default.alpha" in msg and "greater than or equal to 0" in msg


def test_bad_path_names_the_point_and_the_path():
    s = swept({"parameters": {"x": {"values": [1e-9], "set": "stages.3.duration"}}})
    with pytest.raises(StudyError) as err:
        expand(s, source="s.toml")
    assert str(err.value) == ("s.toml: sweep point 0 (x = 1e-09): stages.3.duration: index 3 "
                              "out of range (the list has 1 items)")


def test_unreadable_value_is_refused():
    s = swept({"parameters": {"x": {"values": ["1 nsx"], "set": "stages.0.duration"}}})
    with pytest.raises(StudyError, match="sweep.parameters.x.values"):
        expand(s)


def test_no_sweep_is_one_point():
    s = study()
    (p,) = expand(s)
    assert p.index == 0 and p.params == {} and p.given == {} and p.study == s


# --------------------------------------------------------------------------- set_path

def test_set_path_by_name_index_and_new_tables():
    d = {"regions": [{"name": "left"}, {"name": "right", "shape": {"type": "disk"}}],
         "stages": [{"type": "minimize"}, {"type": "evolve"}]}
    set_path(d, "regions.right.shape.radius", 5)
    set_path(d, "stages.1.duration", 1e-9)
    set_path(d, "stages.-1.dt", 1e-14)
    set_path(d, "drives.kick.H", [0, 0, 1])          # tables created on the way
    set_path(d, "regions.0", {"name": "L"})
    assert d["regions"][1]["shape"]["radius"] == 5
    assert d["stages"][1] == {"type": "evolve", "duration": 1e-9, "dt": 1e-14}
    assert d["drives"] == {"kick": {"H": [0, 0, 1]}} and d["regions"][0] == {"name": "L"}


@pytest.mark.parametrize("path, words", [
    ("regions.middle.shape", "regions.middle.shape: no item named 'middle'"),
    ("stages.2.duration", "stages.2.duration: index 2 out of range (the list has 2 items)"),
    ("stages.-3.duration", "index -3 out of range"),
    ("name.first", "name.first: name is a value, not a table or list"),
])
def test_set_path_errors(path, words):
    d = {"name": "x", "regions": [{"name": "left"}], "stages": [{}, {}]}
    with pytest.raises(KeyError) as err:
        set_path(d, path, 1)
    assert words in err.value.args[0]


# --------------------------------------------------------------------------- ids

def test_ids_are_stable_hex_and_distinct(tmp_path):
    text = '''name = "a"
[mesh]
n = [8, 8, 1]
cell = ["1 nm", "1 nm", "0.4 nm"]
[materials.default]
Ms = "580 kA/m"
[[stages]]
type = "minimize"
'''
    (tmp_path / "a.toml").write_text(text)
    (tmp_path / "b.toml").write_text(text.replace("0.4 nm", "4e-10 m"))
    (tmp_path / "c.toml").write_text(text.replace('"0.4 nm"', "4e-10"))
    ids = {point_id(load_study(tmp_path / f), "builtin") for f in ("a.toml", "b.toml", "c.toml")}
    assert len(ids) == 1                                    # same physics, same id
    (i,) = ids
    assert len(i) == 16 and int(i, 16) >= 0
    assert point_id(load_study(tmp_path / "a.toml"), "builtin") == i   # reloaded: same


def test_id_differs_per_backend():
    s = study()
    assert len({point_id(s, b) for b in ("builtin", "mumax3", "oommf")}) == 3


def test_id_ignores_name_description_and_run_options():
    base = point_id(study(), "builtin")
    assert point_id(study(name="renamed", description="new words"), "builtin") == base
    assert point_id(study(run={"backend": "mumax3", "jobs": 4, "threads": 2, "gpu": 1}),
                    "builtin") == base


@pytest.mark.parametrize("change", [
    lambda d: d["materials"]["default"].update(Ms=5.81e5),
    lambda d: d["materials"]["default"].update(A=1.6e-11),
    lambda d: d["mesh"].update(cell=[1e-9, 1e-9, 2e-9]),
    lambda d: d["mesh"].update(pbc="x"),
    lambda d: d.update(energy={"demag": True}),
    lambda d: d.update(stages=[{"type": "relax"}]),
    lambda d: d.update(initial={"type": "uniform", "direction": [0, 0, -1]}),
    lambda d: d.update(regions=[{"name": "body", "shape": {"type": "disk", "centre": [8e-9, 8e-9],
                                                          "radius": 7e-9}}]),
    lambda d: d.update(drives={"h": {"type": "field", "H": [0, 0, 1]}}),
    lambda d: d.update(thermal={"temperature": 0, "seed": 3}),
])
def test_any_physics_change_changes_the_id(change):
    d = study_dict()
    changed = copy.deepcopy(d)
    change(changed)
    assert point_id(Study.model_validate(changed), "builtin") != \
        point_id(Study.model_validate(d), "builtin")


def test_initial_file_contributes_its_bytes_not_its_path(tmp_path):
    a, b = tmp_path / "a.ovf", tmp_path / "sub" / "b.ovf"
    b.parent.mkdir()
    a.write_bytes(b"state one")
    b.write_bytes(b"state one")
    ia = point_id(study(initial={"type": "file", "path": str(a)}), "builtin")
    ib = point_id(study(initial={"type": "file", "path": str(b)}), "builtin")
    assert ia == ib
    b.write_bytes(b"state two")
    assert point_id(study(initial={"type": "file", "path": str(b)}), "builtin") != ia
    missing = point_id(study(initial={"type": "file", "path": str(tmp_path / "no.ovf")}),
                       "builtin")
    assert missing != ia


def test_sweep_points_have_distinct_ids_and_equal_values_equal_ids():
    s = swept({"parameters": {"a": {"values": [0.1, 0.2, "0.1"],
                                    "set": "materials.default.alpha"}}})
    ids = [p.id("builtin") for p in expand(s)]
    assert ids[0] != ids[1] and ids[0] == ids[2]
    # the same point written by hand has the sweep point's id
    by_hand = study(drives=SOT, stages=EVOLVE,
                    materials={"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.2}})
    assert point_id(by_hand, "builtin") == ids[1]


@pytest.mark.parametrize("name", ["state", "id", "folder", "index", "duplicate_of"])
def test_a_parameter_may_not_take_a_manifest_columns_name(name, tmp_path):
    """manifest.csv gives every point index, id, state, folder and duplicate_of before its
    swept values: a parameter of one of those names would make two columns of one name
    (a study of paper 004 first called its parameter "state"). The error names the file,
    the field and what to do."""
    path = tmp_path / "s.toml"
    path.write_text(f"""name = "s"
[mesh]
n = [4, 4, 1]
cell = ["1 nm", "1 nm", "1 nm"]
[materials.default]
Ms = "580 kA/m"
A = "15 pJ/m"
alpha = 0.1
[[stages]]
type = "minimize"
[sweep.parameters.{name}]
values = [1, 2]
""")
    with pytest.raises(StudyError) as err:
        load_study(path)
    msg = str(err.value)
    assert "s.toml" in msg and f"parameter name {name!r} is taken" in msg
    assert "call the parameter something else" in msg
