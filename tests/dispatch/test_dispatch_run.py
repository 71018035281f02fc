"""`mmstudy run` end to end on the built-in solver: folders, ids, manifest, resume,
duplicates, failures and retries, refusals, `mmstudy scripts`, `mmstudy solvers`, and
`mmstudy analyze` on the sweep folder."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import analysis
from analysis.ovf import write_ovf
from dispatch_helpers import ZIP_DUPLICATE, point_folders, read, write_study
from orchestrator.cli import app
from orchestrator.dispatch.run import plan_study
from orchestrator.study import expand, load_study

runner = CliRunner()


def cli(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


@pytest.fixture(scope="module")
def grid_run(tmp_path_factory):
    """A 2 × 2 grid run once (the default output folder), shared by the tests below."""
    root = tmp_path_factory.mktemp("grid")
    study = write_study(root)
    result = runner.invoke(app, ["run", str(study), "--jobs", "2", "-q",
                                 "--out", str(root / "runs" / "tiny")])
    assert result.exit_code == 0, result.output
    return root, study, root / "runs" / "tiny", result.output


def test_grid_sweep_writes_one_folder_per_point(grid_run):
    root, study, out, output = grid_run
    assert "4 done (0 from earlier runs), 0 failed" in output
    folders = point_folders(out)
    points = expand(load_study(study))
    ids = [p.id("builtin") for p in points]
    assert sorted(f.name for f in folders) == sorted(ids) and len(set(ids)) == 4
    for p, pid in zip(points, ids):
        f = out / pid
        info = read(f / "point.json")
        assert (info["id"], info["backend"], info["index"]) == (pid, "builtin", p.index)
        assert info["params"] == p.params and info["given"] == p.given
        # the point's own study: the swept values written in, no sweep left
        # (two unit conversions of one string: equal to rounding, 1e-12 relative)
        assert info["study"]["drives"]["sot"]["j"] == pytest.approx(p.params["j"], rel=1e-12)
        assert info["study"]["materials"]["default"]["dmi"][0]["D"] == \
            pytest.approx(p.params["D"], rel=1e-12)
        assert "sweep" not in info["study"]
        assert read(f / "params.json") == p.params
        assert (f / "builtin.json").is_file() and (f / "run.py").is_file()
        status = read(f / "status.json")
        assert status["state"] == "done" and status["exit_code"] == 0
        assert status["backend"] == "builtin" and status["solver"]["found"] is True
        assert status["host"] and status["pid"] > 0 and status["error"] is None
        assert status["started"] <= status["finished"] and status["wall_s"] > 0
        assert "stage 1: evolve" in (f / "log.txt").read_text()
        # the point folder opens as its run: the minimised state at t = 0 (the start shares
        # its time and shows in stage=0), then 10 and 20 ps
        ds = analysis.open_run(f)
        assert ds.sizes["t"] == 3 and float(ds.t[-1]) == 20e-12
        assert analysis.open_run(f, stage=0).sizes["t"] == 2


def test_manifest_lists_every_point(grid_run):
    _, study, out, _ = grid_run
    manifest = read(out / "manifest.json")
    points = expand(load_study(study))
    assert manifest["study"] == "tiny" and manifest["backend"] == "builtin"
    assert manifest["parameters"] == ["j", "D"] and manifest["mode"] == "grid"
    assert manifest["counts"]["done"] == 4
    for entry, p in zip(manifest["points"], points):
        assert entry == {"index": p.index, "id": p.id("builtin"), "params": p.params,
                         "given": p.given, "state": "done", "folder": p.id("builtin"),
                         "duplicate_of": None}
    rows = list(csv.DictReader((out / "manifest.csv").open()))
    assert [r["id"] for r in rows] == [p.id("builtin") for p in points]
    assert np.allclose([float(r["j"]) for r in rows], [1e10, 1e10, 2e10, 2e10], rtol=1e-12)


def test_open_runs_reads_the_sweep_folder(grid_run):
    _, _, out, _ = grid_run
    ds = analysis.open_runs(out)
    assert ds.m.dims == ("t", "z", "y", "x", "c", "j", "D")
    assert np.allclose(ds.j.values, [1e10, 2e10], rtol=1e-12)
    assert np.allclose(ds.D.values, [3.6e-3, 3.8e-3], rtol=1e-12)


def test_rerun_does_no_work(grid_run):
    root, study, out, _ = grid_run
    before = {f.name: ((f / "status.json").read_text(), (f / "log.txt").read_text())
              for f in point_folders(out)}
    result = cli("run", study, "-q", "--out", out)
    assert result.exit_code == 0, result.output
    assert "4 done (4 from earlier runs)" in result.output
    after = {f.name: ((f / "status.json").read_text(), (f / "log.txt").read_text())
             for f in point_folders(out)}
    assert after == before
    assert not any((f / "attempts").exists() for f in point_folders(out))


def test_ids_are_stable_and_ignore_the_output_folder(grid_run, tmp_path):
    _, study, out, _ = grid_run
    again = plan_study(study, backend="builtin", out=tmp_path / "elsewhere")
    assert [p.id for p in again.points] == [f.name for f in
                                            sorted(point_folders(out),
                                                   key=lambda f: read(f / "point.json")["index"])]
    assert not (tmp_path / "elsewhere").exists()  # planning writes nothing


def test_analyze_on_the_sweep_folder(grid_run):
    _, _, out, _ = grid_run
    target = out.parent / "analysis"
    result = cli("analyze", out, "--out", target, "--method", "lattice", "--drive", "x")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((target / "points.csv").open()))
    assert len(rows) == 4 and all((target / r["id"] / "summary.json").is_file() for r in rows)
    for r in rows:
        # Berg–Lüscher charge is an integer for a smooth texture: one core-down skyrmion
        # in an up background has Q = -1 (analysis/topology.py convention)
        assert abs(float(r["Q_last_frame"]) + 1) < 1e-6
        assert int(r["tracks"]) == 1
    # the Thiele equation is linear in the current: twice j, twice the velocity (the
    # 20 ps runs include the same relative transient; 2 % covers the frame noise)
    by = {(float(r["j"]), round(float(r["D"]), 6)): r for r in rows}
    for D in (3.6e-3, 3.8e-3):
        for v in ("vx", "vy"):
            ratio = float(by[(2e10, D)][v]) / float(by[(1e10, D)][v])
            assert ratio == pytest.approx(2.0, rel=0.02), (D, v)


def test_zipped_sweep_runs_identical_points_once(tmp_path):
    study = write_study(tmp_path, name="zipped", extra=ZIP_DUPLICATE)
    out = tmp_path / "out"
    result = cli("run", study, "-q", "--out", out, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "3 point(s), 1 identical to others (run once)" in result.output
    manifest = read(out / "manifest.json")
    entries = manifest["points"]
    assert [e["duplicate_of"] for e in entries] == [None, None, 0]
    assert entries[2]["id"] == entries[0]["id"] != entries[1]["id"]
    assert [e["state"] for e in entries] == ["done"] * 3
    assert len(point_folders(out)) == 2
    assert read(out / entries[0]["id"] / "point.json")["indices"] == [0, 2]
    # the zipped sweep opens with a point dimension (the duplicate folder counted once)
    ds = analysis.open_runs(out)
    assert ds.sizes["point"] == 2 and sorted(ds.theta.values.tolist()) == [0.0, np.pi / 2]


def test_a_failed_point_is_retried_only_when_asked(tmp_path):
    # two points differing in their initial-state file; the second is on the wrong mesh,
    # which only the solver finds out when it reads the file (a real failure at run time)
    m = np.zeros((1, 16, 16, 3))
    m[..., 2] = 1.0
    good, gone = tmp_path / "good.ovf", tmp_path / "gone.ovf"
    write_ovf(good, m, cell=(1e-9, 1e-9, 1e-9))
    write_ovf(gone, m[:, :8, :8], cell=(1e-9, 1e-9, 1e-9))
    sweep = (f'[sweep]\nmode = "zip"\n[sweep.parameters.file]\nvalues = ["{good}", "{gone}"]\n'
             'set = "initial.path"\n')
    study = write_study(tmp_path, name="files", extra=sweep,
                        initial=f'[initial]\ntype = "file"\npath = "{good}"\n')
    out = tmp_path / "out"
    result = cli("run", study, "-q", "--out", out)
    assert result.exit_code == 1, result.output
    entries = read(out / "manifest.json")["points"]
    assert [e["state"] for e in entries] == ["done", "failed"]
    bad = out / entries[1]["id"]
    status = read(bad / "status.json")
    assert status["state"] == "failed" and status["exit_code"] == 1
    assert "gone.ovf" in status["error"] and "Traceback" in (bad / "log.txt").read_text()
    assert f"failed: point 1 (file = {gone})" in result.output

    first = (bad / "status.json").read_text()
    result = cli("run", study, "-q", "--out", out)  # no --retry-failed: not rerun
    assert result.exit_code == 1
    assert "not retried: use --retry-failed" in result.output
    assert (bad / "status.json").read_text() == first and not (bad / "attempts").exists()

    done_status = (out / entries[0]["id"] / "status.json").read_text()
    result = cli("run", study, "-q", "--out", out, "--retry-failed")
    assert result.exit_code == 1  # it fails again, for the same reason
    assert (bad / "attempts" / "1" / "status.json").read_text() == first
    assert sorted(p.name for p in (bad / "attempts" / "1").iterdir()) == \
        ["builtin.json", "log.txt", "run.py", "status.json"]
    assert read(bad / "status.json")["started"] >= read(bad / "attempts/1/status.json")["started"]
    assert (out / entries[0]["id"] / "status.json").read_text() == done_status


def test_a_missing_initial_state_file_is_refused_before_anything_is_written(tmp_path):
    sweep = ('[sweep]\n[sweep.parameters.file]\nvalues = ["here.ovf", "missing.ovf"]\n'
             'set = "initial.path"\n')
    m = np.zeros((1, 16, 16, 3))
    m[..., 2] = 1.0
    write_ovf(tmp_path / "here.ovf", m, cell=(1e-9, 1e-9, 1e-9))
    study = write_study(tmp_path, name="files", extra=sweep,
                        initial='[initial]\ntype = "file"\npath = "here.ovf"\n')
    result = cli("run", study, "--out", tmp_path / "out")  # relative to the study file
    assert result.exit_code == 2, result.output
    assert "sweep point 1" in result.output and "initial.path: no such file" in result.output
    assert str(tmp_path / "missing.ovf") in result.output
    assert not (tmp_path / "out").exists()


def test_unsupported_feature_is_refused_before_anything_is_written(tmp_path):
    # γ0 differing between regions: the built-in LLG takes one γ0 (BuiltinBackend.features)
    regions = ('[[regions]]\nname = "left"\n[[regions]]\nname = "right"\n'
               'shape = { type = "half_plane", point = ["8 nm", 0], normal = [1, 0] }\n'
               '[materials.right]\ngamma0 = 2.0e5\n')
    study = write_study(tmp_path, name="gammas", extra=regions)
    result = cli("run", study, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "gamma.regions" in result.output and "materials.*.gamma0" in result.output
    assert str(study) in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_bad_study_and_bad_options_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[mesh]\nn = [4, 4, 1]\ncell = [1e-9, 1e-9, 1e-9]\n'
                   '[materials.default]\nMs = "15 pJ/m"\n[[stages]]\ntype = "minimize"\n')
    result = cli("run", bad, "--out", tmp_path / "o1")
    assert result.exit_code == 2 and "line 6: materials.default.Ms" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o1").exists()

    study = write_study(tmp_path)
    result = cli("run", study, "--backend", "nastran", "--out", tmp_path / "o2")
    assert result.exit_code == 2 and "unknown backend 'nastran'" in result.output
    result = cli("run", study, "--cluster", "--out", tmp_path / "o3")
    assert result.exit_code == 2 and "run.cluster" in result.output
    assert not (tmp_path / "o3").exists()
    result = cli("run", tmp_path / "missing.toml")
    assert result.exit_code == 2 and "no such study file" in result.output


def test_default_output_folder_is_runs_name_in_the_current_directory(tmp_path, monkeypatch):
    study = write_study(tmp_path, name="here", extra="")
    monkeypatch.chdir(tmp_path)
    result = cli("run", study.name, "-q")
    assert result.exit_code == 0, result.output
    (folder,) = point_folders(tmp_path / "runs" / "here")
    assert not (folder / "params.json").exists()  # no sweep: no swept values
    assert read(folder / "point.json")["params"] == {}


def test_scripts_then_worker_by_hand(tmp_path):
    study = write_study(tmp_path)
    out = tmp_path / "scripts"
    result = cli("scripts", study, "--backend", "builtin", "--out", out)
    assert result.exit_code == 0, result.output
    assert "4 point(s), 4 distinct, for builtin" in result.output
    folders = point_folders(out)
    assert len(folders) == 4
    for f in folders:
        assert {p.name for p in f.iterdir()} == {"point.json", "params.json", "builtin.json",
                                                 "run.py"}
    assert [e["state"] for e in read(out / "manifest.json")["points"]] == ["pending"] * 4
    again = cli("scripts", study, "--backend", "builtin", "--out", out)
    assert "0 rendered, 4 already there (left alone)" in again.output
    # a user runs one point herself, as a batch job would
    proc = subprocess.run([sys.executable, "-m", "orchestrator.dispatch.worker", str(folders[0])],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert read(folders[0] / "status.json")["state"] == "done"
    assert (folders[0] / "attempts" / "1" / "run.py").is_file()  # the rendered files kept
    assert cli("scripts", study, "--backend", "auto", "--out", out).exit_code == 2


def test_solvers_lists_every_backend():
    result = cli("solvers")
    assert result.exit_code == 0, result.output
    for name in ("builtin", "mumax3", "oommf"):
        assert name in result.output
    assert "in-process" in result.output and "stage.minimize" in result.output
