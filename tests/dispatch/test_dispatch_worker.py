"""The worker's failure modes and the dispatcher's bookkeeping, with backends that wrap
the built-in solver (dispatch_helpers): a transient failure fixed by --retry-failed, a
hard crash, a status that says done without its output, a busy output folder."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dispatch_helpers import CrashBackend, FlakyBackend, read, worker_env, write_study
from orchestrator.dispatch.folders import is_done
from orchestrator.dispatch.run import OutputLocked, _locked, run_study


@pytest.fixture
def env(monkeypatch):
    for key, value in worker_env().items():  # the workers import dispatch_helpers
        monkeypatch.setenv(key, value)


def test_transient_failure_is_fixed_by_retry_failed(tmp_path, env):
    study = write_study(tmp_path, name="flaky", extra="")
    out = tmp_path / "out"
    out.mkdir()
    (out / "fail-once").touch()
    first = run_study(study, backend=FlakyBackend(), out=out, progress=False)
    assert first.exit_code == 1 and len(first.failed) == 1
    (point,) = first.failed
    assert point.error == "RuntimeError: simulated transient solver failure"

    again = run_study(study, backend=FlakyBackend(), out=out, progress=False)
    assert again.exit_code == 1 and again.not_retried == again.failed and not again.ran

    fixed = run_study(study, backend=FlakyBackend(), out=out, progress=False, retry_failed=True)
    assert fixed.exit_code == 0 and [p.id for p in fixed.ran] == [point.id]
    assert is_done(point.folder)
    old = read(point.folder / "attempts" / "1" / "status.json")
    assert old["state"] == "failed" and "simulated transient" in old["error"]
    assert "simulated transient" in (point.folder / "attempts" / "1" / "log.txt").read_text()
    assert read(out / "manifest.json")["points"][0]["state"] == "done"


def test_a_crashing_worker_is_recorded_as_failed(tmp_path, env):
    study = write_study(tmp_path, name="crash", extra="")
    summary = run_study(study, backend=CrashBackend(), out=tmp_path / "out", progress=False)
    assert summary.exit_code == 1
    (point,) = summary.failed
    status = read(point.folder / "status.json")
    assert status["state"] == "failed" and status["exit_code"] == 3
    assert "ended with exit code 3 before recording a result" in status["error"]
    assert "about to crash" in (point.folder / "log.txt").read_text()


def test_done_without_output_is_rerun(tmp_path, env):
    study = write_study(tmp_path, name="lost", extra="")
    out = tmp_path / "out"
    (point,) = run_study(study, backend=FlakyBackend(), out=out, progress=False).done
    (point.folder / "run.out").rename(point.folder / "run.out.moved")  # output lost
    assert read(point.folder / "status.json")["state"] == "done"
    assert not is_done(point.folder)
    again = run_study(study, backend=FlakyBackend(), out=out, progress=False)
    assert again.exit_code == 0 and len(again.ran) == 1 and is_done(point.folder)
    kept = point.folder / "attempts" / "1"
    assert (kept / "run.out.moved").is_dir() and read(kept / "status.json")["state"] == "done"


def test_one_dispatcher_per_output_folder(tmp_path):
    study = write_study(tmp_path, name="busy", extra="")
    out = tmp_path / "out"
    with _locked(out):
        with pytest.raises(OutputLocked, match="in use by another mmstudy run"):
            run_study(study, out=out, progress=False)


def test_worker_refuses_a_folder_without_point_json(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "orchestrator.dispatch.worker", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "no point.json" in proc.stderr


def test_a_point_running_on_another_host_is_busy_until_its_heartbeat_goes_stale():
    import datetime as dt

    from orchestrator.dispatch.folders import STALE_S, now_iso, process_alive

    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=2 * STALE_S)).isoformat()
    assert process_alive({"state": "running", "host": "node-17", "pid": 1, "heartbeat": now_iso()})
    assert not process_alive({"state": "running", "host": "node-17", "pid": 1, "heartbeat": old})
    assert not process_alive({"state": "running", "host": "node-17", "pid": 1})


def test_a_worker_never_overwrites_the_status_of_an_attempt_that_took_over(tmp_path):
    """The final write of a worker whose point was taken over (its status now names
    another attempt) leaves that status alone."""
    from orchestrator.dispatch.folders import read_status, write_status
    from orchestrator.dispatch.worker import _Heartbeat

    mine = {"state": "running", "attempt": "a1"}
    write_status(tmp_path, mine)
    beat = _Heartbeat(tmp_path, mine)
    assert beat.write() and read_status(tmp_path)["attempt"] == "a1"
    write_status(tmp_path, {"state": "running", "attempt": "b2"})  # another attempt
    mine["state"] = "done"
    assert not beat.write(final=True)
    assert read_status(tmp_path) == {"state": "running", "attempt": "b2"}
