"""Workers running side by side share the CPUs: without ``run.threads`` each of ``jobs``
workers is given ``CPUs // jobs`` threads (two built-in runs of 256² cells on 2 cores,
each on 2 threads, ran 3.2× slower than one alone)."""

from __future__ import annotations

import sys

from orchestrator.dispatch import local
from orchestrator.dispatch.local import Task, run_local, worker_threads


def _capture(monkeypatch):
    seen = []

    def command(folder, *, threads=None, gpu=None, prepared=False):
        seen.append(threads)
        return [sys.executable, "-c", "pass"]

    monkeypatch.setattr(local, "worker_command", command)
    return seen


def test_parallel_workers_split_the_cpus(monkeypatch, tmp_path):
    """jobs = 2, no threads asked for: each worker is told CPUs // 2 (at least 1)."""
    monkeypatch.setattr(local, "available_cpus", lambda: 8)
    seen = _capture(monkeypatch)
    tasks = [Task(f"p{i}", tmp_path / f"p{i}") for i in range(3)]
    for t in tasks:
        t.folder.mkdir()
    run_local(tasks, jobs=2)
    assert seen == [4, 4, 4]


def test_one_worker_or_given_threads_are_left_alone(monkeypatch, tmp_path):
    """One job keeps the solver's own policy (None); an explicit run.threads wins."""
    monkeypatch.setattr(local, "available_cpus", lambda: 8)
    seen = _capture(monkeypatch)
    folder = tmp_path / "p"
    folder.mkdir()
    run_local([Task("p", folder)], jobs=1)
    run_local([Task("a", folder), Task("b", folder)], jobs=2, threads=3)
    assert seen == [None, 3, 3]


def test_worker_threads_never_below_one(monkeypatch):
    """More jobs than CPUs still get one thread each; one job gets every CPU."""
    monkeypatch.setattr(local, "available_cpus", lambda: 2)
    assert worker_threads(2) == 1 and worker_threads(5) == 1 and worker_threads(1) == 2
