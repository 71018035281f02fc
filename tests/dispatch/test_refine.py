"""Adaptive sweeps (``[sweep.refine]``, orchestrator/dispatch/refine.py): bisection along
one parameter where the outcome changes, on the lattice ``values[0] + k·step``.

A registered test classifier reads ``params.json`` and labels φ by windows (default
[28°, 60°) → II, [60°, 92°) → III, else I; φ taken modulo 180°), so the boundaries are
known exactly. The studies are 4 × 4 × 1 cells and one minimisation on the built-in
solver (φ turns the anisotropy axis, so every point is its own physics): the tests
measure the generations, not the solver. The pure planner is tested without running.
"""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from dispatch_helpers import FlakyBackend, point_folders, read, worker_env
from orchestrator.cli import app
from orchestrator.dispatch.refine import (CLASSIFIERS, OUTCOME_FILE, outcome, plan_midpoints,
                                          register_classifier)
from orchestrator.dispatch.run import plan_study, run_study
from orchestrator.study.load import StudyError, load_study
from orchestrator.study.sweep import expand

PIE = {"II": [28, 60], "III": [60, 92]}
#: set to make the classifier raise KeyboardInterrupt once (a Ctrl-C between generations)
INTERRUPT = {"armed": False}


@register_classifier("test-windows")
def windows(folder, params):
    """φ (degrees, + an optional shift by another parameter) modulo 180° → its window."""
    if INTERRUPT["armed"]:
        INTERRUPT["armed"] = False
        raise KeyboardInterrupt
    p = json.loads((folder / "params.json").read_text())
    deg = math.degrees(p["phi"])
    if "shift" in params:  # [name, origin, degrees per SI unit]
        name, origin, per = params["shift"]
        deg += (p[name] - origin) * per
    deg = round(deg, 6) % 180
    for label, (lo, hi) in params.get("windows", PIE).items():
        if lo <= deg < hi:
            return label
    return "I"


def _label(deg, windows=PIE):
    return next((lab for lab, (lo, hi) in windows.items() if lo <= deg % 180 < hi), "I")


STUDY = """\
name = "{name}"
[mesh]
n = [4, 4, 1]
cell = ["1 nm", "1 nm", "1 nm"]
[materials.default]
Ms = "580 kA/m"
A = "15 pJ/m"
K = "0.5 MJ/m^3"
K_axis = [1, 0, 0]
alpha = 0.5
[[stages]]
type = "minimize"
[sweep.parameters.phi]
values = {values}
unit = "deg"
{more}[sweep.derived]
"materials.default.K_axis" = "[cos(phi), sin(phi), 0]"
{refine}"""

REFINE = """\
[sweep.refine]
parameter = "phi"
step = {step}
{period}outcome = "test-windows"
[sweep.refine.classify]
{classify}"""


def write(tmp_path, name, values, *, step=2, period=180, classify="", more="", refine=None):
    text = STUDY.format(name=name, values=values, more=more, refine=REFINE.format(
        step=step, period=f"period = {period}\n" if period is not None else "",
        classify=classify) if refine is None else refine)
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def phis(out):
    """{φ in degrees (rounded): label} of the finished points in ``out``."""
    got = {}
    for f in point_folders(out):
        deg = round(math.degrees(read(f / "params.json")["phi"]), 6)
        got[deg] = read(f / OUTCOME_FILE)["label"] if (f / OUTCOME_FILE).is_file() else None
    return got


@pytest.fixture
def env(monkeypatch):
    for key, value in worker_env().items():  # the workers import dispatch_helpers
        monkeypatch.setenv(key, value)


# --------------------------------------------------------------------------- the planner


def _replay(coarse, label, *, period=None):
    """Generations of the pure planner on one line, labels from ``label(k)``."""
    line, gens = {k: label(k) for k in coarse}, []
    while True:
        add = plan_midpoints({"line": line}, period=period).add
        if not add:
            return line, gens
        gens.append([k for _, k in add])
        line.update({k: label(k) for _, k in add})


def test_planner_finds_the_pie_boundaries_to_one_step_in_21_points():
    line, gens = _replay(range(0, 90, 8), lambda k: _label(2 * k), period=90)
    assert len(line) == 21 and [len(g) for g in gens] == [3, 3, 3]
    ks = sorted(line)
    changes = [(2 * a, 2 * b) for a, b in zip(ks, ks[1:]) if line[a] != line[b]]
    assert changes == [(26, 28), (58, 60), (90, 92)]


def test_planner_wrap_pair():
    # φ = 0 and 120 on a 30° lattice, period 180 (6 steps): II on [120°, 180°)
    lab = {0: "I", 4: "II"}
    m = plan_midpoints({"l": lab}, period=6)
    assert m.add == [("l", 2), ("l", 5)]                 # 60° inside, 150° across the wrap
    assert plan_midpoints({"l": lab}).add == [("l", 2)]   # no period, no wrap pair
    assert plan_midpoints({"l": {0: "I", 5: "II"}}, period=6).add == [("l", 2)]  # (150, 180) done
    assert plan_midpoints({"l": {3: "I"}}, period=6).add == []  # one point: itself + period


def test_planner_refines_each_line_separately():
    m = plan_midpoints({"a": {0: "I", 8: "I", 16: "II"}, "b": {0: "I", 8: "II", 16: "II"}})
    assert m.add == [("a", 12), ("b", 4)]


def test_planner_leaves_failed_and_unfinished_intervals():
    m = plan_midpoints({"l": {0: "I", 4: "Failed", 8: "II", 12: None, 16: "I"}}, period=20)
    assert m.add == [] and m.failed == [("l", 0, 4), ("l", 4, 8)]
    assert m.waiting == [("l", 8, 12), ("l", 12, 16)]
    assert plan_midpoints({"l": {0: "I", 4: "II", 5: "II", 6: "Failed"}}).add == [("l", 2)]


def test_outcome_is_cached_and_recomputed_when_it_changes(tmp_path):
    calls = []

    @register_classifier("test-count")
    def count(folder, params):
        calls.append(dict(params))
        return {"label": params["label"], "extra": 1}

    folder = tmp_path / "p"
    (folder / "run.out").mkdir(parents=True)
    (folder / "status.json").write_text(json.dumps({"state": "done", "attempt": "a1"}))
    assert outcome(folder, "test-count", {"label": "X"}) == "X" and len(calls) == 1
    record = read(folder / OUTCOME_FILE)
    assert record["label"] == "X" and record["extra"] == 1
    assert (record["classifier"], record["parameters"]) == ("test-count", {"label": "X"})
    assert outcome(folder, "test-count", {"label": "X"}) == "X" and len(calls) == 1  # cached
    assert outcome(folder, "test-count", {"label": "Y"}) == "Y" and len(calls) == 2  # changed
    (folder / "status.json").write_text(json.dumps({"state": "done", "attempt": "a2"}))
    assert outcome(folder, "test-count", {"label": "Y"}) == "Y" and len(calls) == 3  # ran again
    (folder / OUTCOME_FILE).unlink()
    assert outcome(folder, "test-count", {"label": "Y"}) == "Y" and len(calls) == 4  # missing
    del CLASSIFIERS["test-count"]


def test_a_second_classifier_of_one_name_is_refused():
    with pytest.raises(ValueError, match="test-windows.*registered already"):
        register_classifier("test-windows")(lambda folder, params: "I")


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("values, kw, field, words", [
    ("[0, 16, 33]", {}, "refine.step", "33 deg of phi is not on the lattice"),
    ("[0, 16]", {"step": 3, "period": 180}, "refine.step", "16 deg of phi is not on the lattice"),
    ("[0, 16]", {"period": 181}, "refine.period", "not a whole number of steps"),
    ("[0, 180]", {}, "refine.period", "not less than one period"),
    ("[0, 16]", {"step": '"2 rad"'}, "refine.step", "not in the unit of phi's values (deg)"),
])
def test_validation_names_the_field(tmp_path, values, kw, field, words):
    with pytest.raises(StudyError) as err:
        load_study(write(tmp_path, "bad", values, **kw))
    assert f"sweep: {field}: " in str(err.value) and words in str(err.value)


def test_an_unknown_parameter_is_refused(tmp_path):
    refine = '[sweep.refine]\nparameter = "psi"\nstep = 2\noutcome = "test-windows"\n'
    with pytest.raises(StudyError, match=r"sweep: refine\.parameter: no sweep parameter 'psi' "
                                         r"\(parameters: phi\)"):
        load_study(write(tmp_path, "bad", "[0, 16]", refine=refine))


def test_an_unknown_classifier_is_refused_before_anything_is_written(tmp_path):
    refine = '[sweep.refine]\nparameter = "phi"\nstep = 2\noutcome = "wel"\n'
    study = write(tmp_path, "bad", "[0, 16]", refine=refine)
    with pytest.raises(StudyError, match=r"sweep\.refine\.outcome: no classifier 'wel' "
                                         r"\(registered: .*test-windows"):
        plan_study(study, backend="builtin", out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_refined_ids_are_the_uniform_grids(tmp_path):
    from orchestrator.study.sweep import expand_at, lattice

    study = load_study(write(tmp_path, "coarse", list(range(0, 180, 16))))
    lat = lattice(study.sweep)
    refined = expand_at(study, [{"phi": lat.value(k)} for k in range(90)], start=12)
    uniform = expand(load_study(write(tmp_path, "uniform", list(range(0, 180, 2)), refine="")))
    assert [p.given["phi"] for p in refined] == [f"{2 * k} deg" for k in range(90)]
    assert [p.id("builtin") for p in refined] == [p.id("builtin") for p in uniform]
    assert [p.params for p in refined] == [p.params for p in uniform]


# --------------------------------------------------------------------------- running


@pytest.fixture(scope="module")
def pie(tmp_path_factory):
    """The pie's 12 coarse points (0, 16, ..., 176°, step 2°, period 180°) run through
    `mmstudy run`, refined to 21."""
    root = tmp_path_factory.mktemp("pie")
    study = write(root, "pie", list(range(0, 180, 16)))
    out = root / "out"
    result = CliRunner().invoke(app, ["run", str(study), "-q", "--jobs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return study, out, result.output


def test_the_pie_boundaries_are_found_to_one_step_in_21_points(pie):
    study, out, output = pie
    got = phis(out)
    assert len(got) == 21 and all(got[d] == _label(d) for d in got)
    ds = sorted(got)
    assert [(a, b) for a, b in zip(ds, ds[1:]) if got[a] != got[b]] == \
        [(26, 28), (58, 60), (90, 92)]
    assert "generation 1: 3 new point(s), phi = 24 deg, 56 deg, 88 deg" in output
    assert "generation 3: 3 new point(s), phi = 26 deg, 58 deg, 90 deg" in output
    assert "21 done (0 from earlier runs), 0 failed" in output
    assert "12 coarse point(s) + 3 + 3 + 3 in 3 generation(s) = 21; a uniform grid takes " \
           "90 (69 saved)" in output


def test_the_manifest_records_the_refinement(pie):
    _, out, _ = pie
    manifest = read(out / "manifest.json")
    ref = manifest["refine"]
    assert (ref["parameter"], ref["step"], ref["period"]) == ("phi", "2 deg", "180 deg")
    assert (ref["generations"], ref["added"], ref["coarse"], ref["points"]) == \
        (3, [3, 3, 3], 12, 21)
    assert (ref["points_run"], ref["uniform"], ref["saved"]) == (21, 90, 69)
    assert manifest["points_total"] == 21 and manifest["counts"]["done"] == 21
    assert [p["index"] for p in manifest["points"]] == list(range(21))
    assert [p["given"]["phi"] for p in manifest["points"][12:]] == \
        ["24 deg", "56 deg", "88 deg", "28 deg", "60 deg", "92 deg", "26 deg", "58 deg", "90 deg"]


def test_plan_study_on_the_finished_folder_lists_all_points(pie):
    study, out, _ = pie
    plan = plan_study(study, backend="builtin", out=out)
    assert len(plan.points) == 21 and plan.refine.added == [3, 3, 3]
    assert sorted(p.id for p in plan.points) == sorted(f.name for f in point_folders(out))


def test_refined_points_are_the_uniform_grids_points(pie, tmp_path):
    study, out, _ = pie
    uniform = plan_study(write(tmp_path, "uniform", list(range(0, 180, 2)), refine=""),
                         backend="builtin", out=out)
    by_phi = {p.point.given["phi"]: p.id for p in uniform.points}
    for f in point_folders(out):
        assert f.name == by_phi[read(f / "point.json")["given"]["phi"]]


def test_a_rerun_of_the_finished_sweep_runs_nothing(pie):
    study, out, _ = pie
    before = {f.name: (f / "status.json").read_text() for f in point_folders(out)}
    summary = run_study(study, backend="builtin", out=out, progress=False)
    assert summary.exit_code == 0 and not summary.ran and len(summary.skipped_done) == 21
    assert {f.name: (f / "status.json").read_text() for f in point_folders(out)} == before


def test_interrupted_after_the_first_generation_resumes_without_rerunning(tmp_path):
    # φ = 0 and 120 on a 30° lattice, period 180; II on [120°, 180°): the wrap pair
    # (120, 180) adds 150, the inner pair 60 then 90
    study = write(tmp_path, "wrap", "[0, 120]", step=30,
                  classify="windows = { II = [120, 180] }\n")
    out = tmp_path / "out"
    INTERRUPT["armed"] = True  # Ctrl-C while the coarse points are being classified
    try:
        first = run_study(study, backend="builtin", out=out, jobs=2, progress=False)
    finally:
        INTERRUPT["armed"] = False
    assert first.interrupted and first.exit_code == 130 and len(first.ran) == 2
    assert sorted(phis(out)) == [0, 120]
    before = {f.name: (f / "status.json").read_text() for f in point_folders(out)}

    second = run_study(study, backend="builtin", out=out, jobs=2, progress=False)
    assert second.exit_code == 0 and len(second.ran) == 3 and len(second.skipped_done) == 2
    assert phis(out) == {0: "I", 60: "I", 90: "I", 120: "II", 150: "II"}
    assert second.plan.refine.added == [2, 1]
    for f in point_folders(out):
        assert not (f / "attempts").exists()
        if f.name in before:
            assert (f / "status.json").read_text() == before[f.name]


def test_a_two_parameter_grid_refines_each_line_separately(tmp_path):
    more = ('[sweep.parameters.K]\nvalues = ["0.5 MJ/m^3", "0.6 MJ/m^3"]\n'
            'set = "materials.default.K"\n')
    study = write(tmp_path, "lines", "[0, 120]", step=30, period=None, more=more,
                  classify='windows = { II = [60, 180] }\nshift = ["K", 5e5, 6e-4]\n')
    out = tmp_path / "out"
    summary = run_study(study, backend="builtin", out=out, jobs=2, progress=False)
    assert summary.exit_code == 0 and summary.plan.refine.added == [2, 2]
    lines: dict[float, set] = {}
    for f in point_folders(out):
        p = read(f / "params.json")
        lines.setdefault(round(p["K"]), set()).add(round(math.degrees(p["phi"]), 6))
    assert lines == {500000: {0, 30, 60, 120}, 600000: {0, 60, 90, 120}}
    assert read(out / "manifest.json")["refine"]["uniform"] == 10


def test_a_failed_point_stops_its_intervals_and_is_reported(tmp_path, env):
    study = write(tmp_path, "failing", "[0, 120]", step=30,
                  classify="windows = { II = [120, 180] }\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "fail-once").touch()  # the first point to run (φ = 0, one job) fails
    summary = run_study(study, backend=FlakyBackend(), out=out, jobs=1, progress=False)
    assert summary.exit_code == 1 and [p.point.given["phi"] for p in summary.failed] == ["0 deg"]
    assert len(point_folders(out)) == 2 and summary.plan.refine.added == []
    lines = summary.lines()
    assert "  not refined (an end Failed): phi 0 deg – 120 deg" in lines
    assert "  not refined (an end Failed): phi 120 deg – 180 deg" in lines
    assert read(out / "manifest.json")["refine"]["not_refined"] == \
        ["phi 0 deg – 120 deg", "phi 120 deg – 180 deg"]

    again = run_study(study, backend=FlakyBackend(), out=out, jobs=1, progress=False,
                      retry_failed=True)  # the retried point succeeds: refinement goes on
    assert again.exit_code == 0 and len(again.ran) == 4
    assert phis(out) == {0: "I", 60: "I", 90: "I", 120: "II", 150: "II"}
    assert not any("not refined" in line for line in again.lines())


def test_max_points_stops_a_runaway(tmp_path):
    study = write(tmp_path, "capped", "[0, 120]", step=30,
                  classify="windows = { II = [120, 180] }\n")
    text = study.read_text().replace('outcome = "test-windows"\n',
                                     'outcome = "test-windows"\nmax_points = 3\n')
    study.write_text(text)
    summary = run_study(study, backend="builtin", out=tmp_path / "out", jobs=2, progress=False)
    assert summary.exit_code == 0 and sorted(phis(tmp_path / "out")) == [0, 60, 120]
    assert "  stopped at max_points = 3: 2 midpoint(s) not added" in summary.lines()
    assert read(tmp_path / "out" / "manifest.json")["refine"]["capped"] == 2
