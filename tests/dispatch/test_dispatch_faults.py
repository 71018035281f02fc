"""Dispatch under faults: one live writer per point folder whatever kind of process
writes it, SIGTERM handled like Ctrl-C, cluster prerequisites and unreachable schedulers
refused before anything is written, an output folder of another study not taken over."""

from __future__ import annotations

import multiprocessing

import pytest

from dispatch_helpers import SlowBackend, read, wait_for, worker_env, write_study
from orchestrator.dispatch.run import _lay_out, plan_study, run_study


@pytest.fixture
def env(monkeypatch):
    for key, value in worker_env().items():  # the workers import dispatch_helpers
        monkeypatch.setenv(key, value)


def test_a_point_written_by_a_spawned_process_is_not_run_again(tmp_path, env):
    """A Dask worker process on this host (``python -c from multiprocessing.spawn ...``)
    writing a point: a rerun must see it busy, not start a second writer."""
    from dispatch_helpers import run_point_elsewhere

    study = write_study(tmp_path, name="busy_point", extra="")
    out = tmp_path / "out"
    plan = plan_study(study, backend=SlowBackend(), out=out)
    _lay_out(plan)
    (pp,) = plan.points
    proc = multiprocessing.get_context("spawn").Process(target=run_point_elsewhere,
                                                        args=(str(pp.folder),))
    proc.start()
    try:
        assert wait_for(lambda: (pp.folder / "log.txt").is_file()
                        and "waiting for release" in (pp.folder / "log.txt").read_text(), 60)
        attempt = read(pp.folder / "status.json")["attempt"]
        summary = run_study(study, backend=SlowBackend(), out=out, progress=False)
        assert not summary.ran and [p.state for p in summary.plan.points] == ["running"]
        assert not (pp.folder / "attempts").exists()
        assert read(pp.folder / "status.json")["attempt"] == attempt
        assert read(out / "manifest.json")["points"][0]["state"] == "running"
        (out / "release").touch()
        proc.join(60)
    finally:
        (out / "release").touch()
        proc.join(60)
        if proc.is_alive():
            proc.kill()
    status = read(pp.folder / "status.json")
    assert status["state"] == "done" and status["attempt"] == attempt


def test_sigterm_is_handled_like_ctrl_c(tmp_path):
    import signal

    from test_dispatch_interrupt import _start, _state

    _, out, folders, proc = _start(tmp_path, "sigterm")
    proc.send_signal(signal.SIGTERM)  # as `timeout`, `kill` or a batch system sends it
    output, _ = proc.communicate(timeout=90)
    assert proc.returncode == 143, output
    assert "stopped by SIGTERM: finished points are kept" in output
    assert "Traceback" not in output
    assert [_state(f) for f in folders] == ["done", "interrupted", None]
    manifest = read(out / "manifest.json")
    assert [p["state"] for p in manifest["points"]] == ["done", "interrupted", "pending"]


@pytest.mark.parametrize("section, missing", [
    ('kind = "slurm"\njobs = 2\ncores = 2\nmemory = "4GB"\n', "sbatch"),
    ('kind = "pbs"\ncores = 2\nmemory = "4GB"\n', "qsub"),
    ('kind = "local"\njobs = 2\ncores = 2\nmemory = "4GB"\nwalltime = "01:00:00"\n',
     "cores, memory, walltime"),
])
def test_cluster_prerequisites_are_checked_before_anything_is_written(tmp_path, monkeypatch,
                                                                       section, missing):
    from typer.testing import CliRunner

    from orchestrator.cli import app

    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no batch system here
    study = write_study(tmp_path, name="prereq", extra="[run.cluster]\n" + section)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(study), "--cluster", "-q", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "run.cluster" in result.output and missing in result.output
    assert "Traceback" not in result.output and len(result.output.splitlines()) <= 3
    assert not out.exists()


def test_an_unreachable_scheduler_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    import socket

    from orchestrator.dispatch import cluster
    from orchestrator.dispatch.cluster import ClusterError

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "2s")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    study = write_study(tmp_path, name="unreachable", extra="")
    out = tmp_path / "out"
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler"):
        run_study(study, out=out, scheduler=f"tcp://127.0.0.1:{port}", progress=False)
    assert not out.exists()


def test_an_output_folder_of_another_study_is_refused_unless_forced(tmp_path):
    from typer.testing import CliRunner

    from orchestrator.cli import app

    out = tmp_path / "out"
    first = write_study(tmp_path, name="first", extra="", duration="10 ps")
    second = write_study(tmp_path, name="second", extra="", duration="10 ps")
    runner = CliRunner()
    assert runner.invoke(app, ["run", str(first), "-q", "--out", str(out)]).exit_code == 0
    old = (out / "manifest.json").read_text()
    result = runner.invoke(app, ["run", str(second), "-q", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "another study 'first'" in result.output and "--force" in result.output
    assert "Traceback" not in result.output
    assert (out / "manifest.json").read_text() == old
    result = runner.invoke(app, ["run", str(second), "-q", "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert (out / "manifest.1.json").read_text() == old
    assert read(out / "manifest.json")["study"] == "second"
    # the same study again is no reuse: no refusal, nothing more kept aside
    assert runner.invoke(app, ["run", str(second), "-q", "--out", str(out)]).exit_code == 0
    assert not (out / "manifest.2.json").exists()


def test_the_same_study_from_python_then_from_its_file_is_not_another_study(tmp_path):
    """A paper pipeline runs a study built in Python (source "<study>"); running the same
    study's file into that folder afterwards (say, to retry a failed point) is the same
    study, not a reuse of the folder."""
    from typer.testing import CliRunner

    from orchestrator.cli import app
    from orchestrator.study.load import load_study

    out = tmp_path / "out"
    path = write_study(tmp_path, name="first", extra="", duration="10 ps")
    run_study(load_study(path), out=out, progress=False)
    assert read(out / "manifest.json")["source"] == "<study>"
    result = CliRunner().invoke(app, ["run", str(path), "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not (out / "manifest.1.json").exists()


def test_ctrl_c_on_a_dask_run_prints_one_line_and_a_rerun_finishes(tmp_path):
    """Ctrl-C in a terminal (SIGINT to the whole process group: the dispatcher and the
    local cluster's worker processes): a short message, no Dask tracebacks, the manifest
    agreeing with every status.json, and an immediate rerun finishing the sweep."""
    import os
    import signal
    import subprocess
    import sys

    from test_dispatch_interrupt import DURATIONS, _state

    study = write_study(tmp_path, name="dask_ctrl_c",
                        extra=DURATIONS + '[run.cluster]\nkind = "local"\njobs = 1\n')
    out = tmp_path / "out"
    folders = [p.folder for p in plan_study(study, out=out).points]
    proc = subprocess.Popen([sys.executable, "-m", "orchestrator.cli", "run", str(study), "-q",
                             "--cluster", "--out", str(out)], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def evolving():
        log = folders[1] / "log.txt"
        return log.is_file() and "stage 1: evolve" in log.read_text()

    if not wait_for(evolving, timeout=120):
        proc.kill()
        pytest.fail(f"point 1 never started evolving: {proc.communicate()[0]}")
    os.killpg(proc.pid, signal.SIGINT)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, output
    assert "Traceback" not in output and len(output.strip().splitlines()) <= 3, output
    states = [p["state"] for p in read(out / "manifest.json")["points"]]
    assert states[0] == "done" and [_state(f) or "pending" for f in folders] == states
    assert "running" not in states

    summary = run_study(study, out=out, cluster=True, progress=False)
    assert summary.exit_code == 0 and len(summary.done) == 3


def test_progress_counts_the_simulated_time_of_running_points(tmp_path):
    from orchestrator.dispatch.progress import SweepProgress
    from orchestrator.dispatch.run import _simulated_total

    study = write_study(tmp_path, name="progress", extra="", duration="20 ps")
    (pp,) = plan_study(study, out=tmp_path / "out").points
    assert _simulated_total(pp.point.study) == pytest.approx(20e-12)
    table = pp.folder / "run.out" / "table.txt"
    table.parent.mkdir(parents=True)
    table.write_text("# t (s)\tmx ()\n0.0\t0.1\n1e-11\t0.2\n1.5e-1")  # last row half written
    bar = SweepProgress(2, enabled=False)
    bar.started(pp.id, pp.folder, _simulated_total(pp.point.study))
    bar.started("other")  # no table: counts nothing until it finishes
    bar.poll()
    assert bar.completed == pytest.approx(0.5)
    bar.finished("other", "done")
    assert bar.completed == pytest.approx(1.5)
    bar.finished(pp.id, "done")
    assert bar.completed == 2
