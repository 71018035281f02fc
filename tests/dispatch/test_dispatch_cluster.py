"""Dask: a sweep on a local cluster (from [run.cluster] and through a scheduler
address), and SLURM/PBS clusters built from a config section without submitting."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from dispatch_helpers import read, write_study
from orchestrator.cli import app
from orchestrator.dispatch.cluster import ClusterError, make_cluster
from orchestrator.dispatch.run import plan_study, run_study
from orchestrator.study import load_study

TWO_POINTS = """\
[sweep]
mode = "zip"
[sweep.parameters.j]
values = ["1 MA/cm^2", "2 MA/cm^2"]
set = "drives.sot.j"
"""


def _check_done(study, out):
    plan = plan_study(study, out=out)
    for pp in plan.points:
        status = read(pp.folder / "status.json")
        assert status["state"] == "done" and (pp.folder / "run.out" / "m000000.ovf").is_file()
        assert status["pid"] != os.getpid()  # ran in a Dask worker process, not here
    manifest = read(out / "manifest.json")
    assert [p["state"] for p in manifest["points"]] == ["done", "done"]
    return plan


def test_sweep_on_a_local_cluster_from_the_study(tmp_path):
    cluster = '[run.cluster]\nkind = "local"\njobs = 2\n'
    study = write_study(tmp_path, name="dask_local", extra=TWO_POINTS + cluster)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(study), "--cluster", "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _check_done(study, out)
    # the next run finds everything done and starts no cluster work
    summary = run_study(study, out=out, cluster=True, progress=False)
    assert summary.exit_code == 0 and len(summary.skipped_done) == 2 and not summary.ran


def test_sweep_through_a_scheduler_address(tmp_path):
    from distributed import LocalCluster

    study = write_study(tmp_path, name="dask_address", extra=TWO_POINTS)
    out = tmp_path / "out"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster:
        summary = run_study(study, out=out, scheduler=cluster.scheduler_address, progress=False)
    assert summary.exit_code == 0, summary.lines()
    _check_done(study, out)


def test_slurm_cluster_from_a_study_section_submits_nothing(tmp_path):
    section = ('[run.cluster]\nkind = "slurm"\njobs = 3\ncores = 4\nprocesses = 4\n'
               'memory = "8GB"\nwalltime = "02:00:00"\nqueue = "short"\naccount = "proj42"\n'
               'job_extra_directives = ["--gres=gpu:1"]\n')
    study = load_study(write_study(tmp_path, name="slurm", extra=section))
    cluster = make_cluster(study.run.cluster, scale=False)
    try:
        script = cluster.job_script()
        for line in ("#SBATCH --cpus-per-task=4", "#SBATCH --mem=8G", "#SBATCH -t 02:00:00",
                     "#SBATCH -p short", "#SBATCH -A proj42", "#SBATCH --gres=gpu:1"):
            assert line in script
        assert "--nworkers 4" in script and "--nthreads 1" in script  # one point per process
        assert len(cluster.workers) == 0  # nothing submitted
    finally:
        cluster.close()


def test_pbs_cluster_job_script():
    cluster = make_cluster({"kind": "pbs", "cores": 2, "memory": "4GB", "walltime": "00:30:00",
                            "jobs": 2}, scale=False)
    try:
        script = cluster.job_script()
        assert "#PBS -l walltime=00:30:00" in script and "ncpus=2" in script
    finally:
        cluster.close()


@pytest.mark.parametrize("spec, message", [
    ({"kind": "sge"}, "run.cluster.kind: expected one of 'slurm', 'pbs', 'local'"),
    ({"kind": "slurm", "jobs": 0, "cores": 1, "memory": "1GB"}, "run.cluster.jobs"),
    ({"kind": "slurm", "cores": 1, "memory": "1GB", "cpus": 4}, "run.cluster: SLURMCluster"),
])
def test_bad_cluster_sections_are_named(spec, message):
    with pytest.raises(ClusterError, match=message.replace("(", r"\(").replace(".", r"\.")):
        make_cluster(spec, scale=False)


def test_ctrl_c_on_a_cluster_of_our_own(tmp_path, monkeypatch):
    from orchestrator.dispatch.progress import SweepProgress

    three = TWO_POINTS.replace('"2 MA/cm^2"]', '"2 MA/cm^2", "3 MA/cm^2"]')
    study = write_study(tmp_path, name="dask_stop",
                        extra=three + '[run.cluster]\nkind = "local"\njobs = 1\n')
    out = tmp_path / "out"
    finished = SweepProgress.finished

    def ctrl_c_after_the_first(self, key, state):
        finished(self, key, state)
        raise KeyboardInterrupt

    monkeypatch.setattr(SweepProgress, "finished", ctrl_c_after_the_first)
    summary = run_study(study, out=out, cluster=True, progress=False)
    assert summary.interrupted and summary.exit_code == 130
    states = [pp.state for pp in summary.plan.points]
    # the first point done; a point already running when the cluster shut down may
    # still have finished (and then is kept), the others are interrupted or not started
    assert "done" in states and set(states) <= {"done", "interrupted", "pending"}
    for pp in summary.plan.points:  # nothing is left claiming to run
        status = pp.folder / "status.json"
        assert not status.is_file() or read(status)["state"] in ("done", "interrupted")
    manifest = read(out / "manifest.json")
    assert [p["state"] for p in manifest["points"]] == states

    monkeypatch.undo()
    again = run_study(study, out=out, cluster=True, progress=False)
    assert again.exit_code == 0 and len(again.done) == 3
    assert len(again.skipped_done) == states.count("done")
