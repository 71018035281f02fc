"""Stopping `mmstudy run` mid-sweep: Ctrl-C (SIGINT) and SIGKILL of the dispatcher, on
the built-in solver. Finished points stay done, the running one is marked interrupted,
and the next run reruns it with the interrupted attempt kept under attempts/."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from dispatch_helpers import read, wait_for, write_study
from orchestrator.cli import app
from orchestrator.dispatch.run import plan_study

# point 0 short, point 1 long enough to be caught running (~2 s of evolution), point 2
# never started when the signal comes (one job at a time)
DURATIONS = """\
[sweep]
mode = "zip"
[sweep.parameters.duration]
values = ["20 ps", "150 ps", "30 ps"]
set = "stages.1.duration"
"""


def _start(tmp_path, name):
    study = write_study(tmp_path, name=name, extra=DURATIONS)
    out = tmp_path / "out"
    ids = [p.id for p in plan_study(study, out=out).points]
    proc = subprocess.Popen([sys.executable, "-m", "orchestrator.cli", "run", str(study), "-q",
                             "--jobs", "1", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    folders = [out / i for i in ids]

    def evolving():
        log = folders[1] / "log.txt"
        return log.is_file() and "stage 1: evolve" in log.read_text()

    if not wait_for(evolving, timeout=90):
        proc.kill()
        pytest.fail(f"point 1 never started evolving: {proc.communicate()[0]}")
    return study, out, folders, proc


def _state(folder):
    f = folder / "status.json"
    return json.loads(f.read_text())["state"] if f.is_file() else None


def test_ctrl_c_keeps_finished_points_and_the_rerun_resumes(tmp_path):
    study, out, folders, proc = _start(tmp_path, "sigint")
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=90)
    assert proc.returncode == 130, output
    assert "interrupted" in output
    assert [_state(f) for f in folders] == ["done", "interrupted", None]
    assert read(folders[1] / "run.out" / "run.json")["status"] == "interrupted"
    manifest = read(out / "manifest.json")
    assert [p["state"] for p in manifest["points"]] == ["done", "interrupted", "pending"]

    done_before = (folders[0] / "status.json").read_text()
    interrupted = (folders[1] / "status.json").read_text()
    result = CliRunner().invoke(app, ["run", str(study), "-q", "--jobs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 done (1 from earlier runs)" in result.output
    assert (folders[0] / "status.json").read_text() == done_before
    attempt = folders[1] / "attempts" / "1"
    assert (attempt / "status.json").read_text() == interrupted
    assert (attempt / "log.txt").is_file() and (attempt / "run.out" / "run.json").is_file()
    assert [_state(f) for f in folders] == ["done", "done", "done"]
    assert not (folders[2] / "attempts").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_killing_the_dispatcher_loses_no_finished_point(tmp_path):
    study, out, folders, proc = _start(tmp_path, "sigkill")
    proc.kill()  # SIGKILL: no cleanup in the dispatcher at all
    proc.communicate(timeout=30)
    # the worker is told (parent-death signal) and records that it was interrupted
    assert wait_for(lambda: _state(folders[1]) == "interrupted", timeout=30)
    assert _state(folders[0]) == "done" and (folders[0] / "run.out").is_dir()
    manifest = read(out / "manifest.json")  # still complete, valid JSON
    assert manifest["points"][0]["state"] == "done"
    assert manifest["points"][1]["state"] == "running"  # as last written; the rerun fixes it
