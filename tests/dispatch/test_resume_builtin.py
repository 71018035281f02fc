"""An interrupted built-in run is continued where it stopped (orchestrator/backends/
builtin_resume.py): the stages it completed are kept, the stage it was in continues from
its last snapshot in full precision, with the drives' clock at the stage's start.

The reference is the same point run without interruption. With the fixed-step RK4 the
resumed trajectory is the same one (the save interval is a whole number of steps): only
the step times' rounding differs (the pulse edges lie between RK4 stages, so its field is the
same), so the
states agree to 1e-12. With the adaptive RK45 the step size restarts: the states agree to
the integrator's tolerance (1e-6 per step here; 1e-5 over the run allows its accumulation)."""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest

import analysis
from analysis.ovf import read_ovf_header, read_ovf_values
from orchestrator.backends.builtin import BuiltinBackend
from orchestrator.dispatch.folders import archive_attempt
from orchestrator.dispatch.run import run_study
from orchestrator.solver import output
from orchestrator.study import validate_study

STUDY = {
    "name": "resume", "mesh": {"n": [20, 20, 1], "cell": [1e-9] * 3, "pbc": "xy"},
    "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "K": 8e5, "K_axis": [0, 0, 1],
                              "dmi": {"D": 3.7e-3, "class": "Cnv_z"}, "alpha": 0.3}},
    "initial": {"type": "skyrmions", "skyrmions": [{"centre": [10e-9, 10e-9],
                                                    "radius": 4e-9, "helicity": 3.14159}]},
    "drives": {"pulse": {"type": "field", "H": ["20 mT", 0, 0],
                         "envelope": {"type": "pulse", "t0": "2.005 ps", "t1": "8.005 ps"}}},
    "stages": [{"type": "minimize", "drives": []},
               {"type": "evolve", "duration": "10 ps", "save_every": "1 ps",
                "table_every": "0.5 ps", "integrator": "rk4", "dt": "0.02 ps"},
               {"type": "evolve", "duration": "4 ps", "save_every": "1 ps",
                "integrator": "rk4", "dt": "0.02 ps"}]}


def _study(**stage1):
    data = json.loads(json.dumps(STUDY))
    data["stages"][1].update(stage1)
    return validate_study(data)


def _execute(study, folder, stop_after: int | None = None, monkeypatch=None):
    """Run the point in ``folder``; with ``stop_after``, Ctrl-C after that many m
    snapshots (the run closes as interrupted, as a real Ctrl-C leaves it)."""
    backend = BuiltinBackend()
    backend.render(study, folder)
    if stop_after is not None:
        save = output.RunWriter.save_field

        def interrupt(self, name, values, t, **kw):
            if name == "m" and self.counters.get("m", 0) >= stop_after:
                raise KeyboardInterrupt
            return save(self, name, values, t, **kw)

        monkeypatch.setattr(output.RunWriter, "save_field", interrupt)
        with pytest.raises(KeyboardInterrupt):
            backend.execute(study, folder, log=io.StringIO())
        monkeypatch.setattr(output.RunWriter, "save_field", save)
        archive_attempt(folder)  # what the worker does before running a point again
        backend.render(study, folder)
    log = io.StringIO()
    backend.execute(study, folder, log=log)
    return analysis.open_run(folder / "run.out"), log.getvalue()


@pytest.mark.parametrize("stop_after", [6, 13], ids=["mid-stage-1", "mid-stage-2"])
def test_a_resumed_run_is_the_uninterrupted_run(stop_after, tmp_path, monkeypatch):
    study = _study()
    ref, _ = _execute(study, tmp_path / "ref")
    got, log = _execute(study, tmp_path / "cut", stop_after, monkeypatch)
    assert "resumed" in log
    meta = json.loads((tmp_path / "cut" / "run.out" / "run.json").read_text())
    assert meta["status"] == "finished" and len(meta["resumed"]) == 1
    ref_meta = json.loads((tmp_path / "ref" / "run.out" / "run.json").read_text())
    assert [(s["type"], s["saved"], s["rows"], s["start"]) for s in meta["stage_log"]] == \
        [(s["type"], s["saved"], s["rows"], s["start"]) for s in ref_meta["stage_log"]]
    assert np.array_equal(got.t.values, ref.t.values)   # the same save grid, exactly
    assert np.array_equal(got.stage.values, ref.stage.values)
    np.testing.assert_allclose(got.m.values, ref.m.values, atol=1e-6)  # bin4 snapshots
    np.testing.assert_allclose(got.mx.values, ref.mx.values, atol=1e-12)  # table: float64
    # the earlier attempt is kept, not overwritten
    assert (tmp_path / "cut" / "attempts" / "1" / "run.out" / "run.json").is_file()


def test_rk45_resumes_within_its_tolerance(tmp_path, monkeypatch):
    study = _study(integrator="rk45", dt=None, tolerance=1e-6)
    ref, _ = _execute(study, tmp_path / "ref")
    got, log = _execute(study, tmp_path / "cut", 7, monkeypatch)
    assert "resumed" in log and np.array_equal(got.t.values, ref.t.values)
    np.testing.assert_allclose(got.m.values, ref.m.values, atol=1e-5)


def test_a_minimisation_cut_after_its_table_row_is_redone_once(tmp_path, monkeypatch):
    # stages: minimise, evolve (10 snapshots), minimise, evolve; Ctrl-C while the second
    # minimisation saves its state (snapshot 12), after it wrote its table row
    study = _study()
    data = json.loads(json.dumps(STUDY))
    data["stages"].insert(2, {"type": "minimize", "drives": []})
    study = validate_study(data)
    ref, _ = _execute(study, tmp_path / "ref")
    got, log = _execute(study, tmp_path / "cut", 12, monkeypatch)
    assert "resumed" in log and "in stage 2" in log
    assert np.array_equal(got.t_table.values, ref.t_table.values)  # no row twice
    meta = json.loads((tmp_path / "cut" / "run.out" / "run.json").read_text())
    ref_meta = json.loads((tmp_path / "ref" / "run.out" / "run.json").read_text())
    assert [(s["saved"], s["rows"]) for s in meta["stage_log"]] == \
        [(s["saved"], s["rows"]) for s in ref_meta["stage_log"]]
    np.testing.assert_allclose(got.m.values, ref.m.values, atol=1e-6)


@pytest.mark.parametrize("damage", ["not a dict", "odd stage_log", "no table", "failed",
                                    "temperature"])
def test_what_cannot_be_read_or_should_not_be_continued_starts_afresh(damage, tmp_path,
                                                                     monkeypatch):
    folder = tmp_path / "p"
    study = _study()
    _execute(study, folder, 6, monkeypatch) if damage != "temperature" else None
    if damage == "temperature":
        data = json.loads(json.dumps(STUDY))
        data["thermal"] = {"temperature": 10, "seed": 1}
        data["stages"][1]["integrator"] = "heun"
        data["stages"][2]["integrator"] = "heun"
        study = validate_study(data)
        _execute(study, folder, 6, monkeypatch)
    # _execute resumed already; take that attempt back and damage it
    shutil.rmtree(folder / "run.out")
    run = folder / "attempts" / "1" / "run.out"
    meta = json.loads((run / "run.json").read_text())
    if damage == "not a dict":
        (run / "run.json").write_text("[]")
    elif damage == "odd stage_log":
        meta["stage_log"] = [{"saved": None}]
        (run / "run.json").write_text(json.dumps(meta))
    elif damage == "no table":
        (run / "table.txt").unlink()
    elif damage == "failed":
        meta["status"] = "failed"
        (run / "run.json").write_text(json.dumps(meta))
    backend = BuiltinBackend()
    log = io.StringIO()
    backend.execute(study, folder, log=log)
    assert "resumed" not in log.getvalue()


def test_an_attempt_of_another_study_or_still_in_its_first_stage_starts_afresh(
        tmp_path, monkeypatch):
    # interrupted in the minimiser (snapshot 1 is its result): nothing to continue
    _, log = _execute(_study(), tmp_path / "first", 1, monkeypatch)
    assert "resumed" not in log
    # the study changed between the attempts: its run is not continued
    folder = tmp_path / "changed"
    _execute(_study(), folder, 6, monkeypatch)
    shutil.rmtree(folder / "run.out")
    (folder / "attempts" / "2").mkdir()
    for p in (folder / "attempts" / "1").iterdir():
        shutil.copytree(p, folder / "attempts" / "2" / p.name) if p.is_dir() else \
            shutil.copy2(p, folder / "attempts" / "2" / p.name)
    other = _study(duration="12 ps")
    backend = BuiltinBackend()
    backend.render(other, folder)
    log = io.StringIO()
    backend.execute(other, folder, log=log)
    assert "resumed" not in log.getvalue()


def test_run_study_resumes_an_interrupted_point(tmp_path, monkeypatch):
    study = _study()
    out = tmp_path / "out"
    assert run_study(study, backend="builtin", out=out, progress=False).exit_code == 0
    (folder,) = [p for p in out.iterdir() if (p / "point.json").is_file()]
    ref = analysis.open_run(folder / "run.out").load()
    # the point as a lost machine leaves it: killed mid-stage, status "running"
    run = folder / "run.out"
    meta = json.loads((run / "run.json").read_text())
    keep = 8
    for i in range(keep, 20):
        (run / f"m{i:06d}.ovf").unlink(missing_ok=True)
    ck = np.load(run / "checkpoint.npz")
    assert int(ck["frame"]) > keep  # the real checkpoint is later: one at frame 7 instead
    header = read_ovf_header(run / f"m{keep - 1:06d}.ovf")
    np.savez(run / "checkpoint.npz", m=read_ovf_values(header).astype(float), t=header.time,
             frame=keep - 1)
    meta.update(status="running", stage_log=meta["stage_log"][:1])
    (run / "run.json").write_text(json.dumps(meta))
    status = json.loads((folder / "status.json").read_text())
    status["state"] = "interrupted"
    (folder / "status.json").write_text(json.dumps(status))
    assert run_study(study, backend="builtin", out=out, progress=False).exit_code == 0
    got = analysis.open_run(folder / "run.out")
    assert "resumed" in (folder / "log.txt").read_text()
    assert np.array_equal(got.t.values, ref.t.values)
    # resumed from the single-precision snapshot here: agreement to its rounding
    np.testing.assert_allclose(got.m.values, ref.m.values, atol=1e-5)
