"""Run point folders on a Dask cluster: a scheduler you name, or one built from the
study's ``[run.cluster]`` section.

Each Dask task runs one point with :func:`orchestrator.dispatch.worker.run_point` in
the Dask worker's process: it reads ``point.json`` and writes ``status.json``,
``log.txt`` and ``run.out/`` in the point folder. **The output folder must therefore be
on a filesystem every Dask worker sees at the same path** (the home or project
filesystem of a cluster, not a node's local disk); a worker that cannot see the folder
fails the point with a message saying so.

``[run.cluster]`` (:attr:`orchestrator.study.model.RunOptions.cluster`)::

    [run.cluster]
    kind = "slurm"           # "slurm" (dask_jobqueue.SLURMCluster), "pbs" (PBSCluster),
                             # or "local" (distributed.LocalCluster, for testing)
    jobs = 4                 # batch jobs to submit (local: worker processes)
    cores = 8                # the rest are keyword arguments of the cluster class:
    processes = 8            #   one point per process: set processes = cores
    memory = "32GB"
    walltime = "04:00:00"
    queue = "short"
    account = "project123"
    job_extra_directives = ["--gres=gpu:1"]

Examples
--------
>>> cluster = make_cluster({"kind": "slurm", "cores": 2, "memory": "4GB",
...                         "walltime": "00:30:00", "jobs": 3}, scale=False)
>>> script = cluster.job_script()
>>> "--cpus-per-task=2" in script, "-t 00:30:00" in script
(True, True)
>>> cluster.close()
"""

from __future__ import annotations

import dataclasses
import importlib
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from orchestrator.dispatch.folders import (FAILED, INTERRUPTED, RUNNING, now_iso, read_status,
                                           write_status)
from orchestrator.dispatch.local import LocalResult, Task

__all__ = ["CLUSTER_KINDS", "ClusterError", "make_cluster", "open_client", "run_dask",
           "mark_interrupted"]

CLUSTER_KINDS = {"slurm": "dask_jobqueue:SLURMCluster", "pbs": "dask_jobqueue:PBSCluster",
                 "local": "distributed:LocalCluster"}


class ClusterError(ValueError):
    """A ``[run.cluster]`` section that cannot make a cluster, or an unreachable scheduler."""


def make_cluster(spec: Mapping[str, Any], *, scale: bool = True, source: str = "run.cluster"):
    """A Dask cluster from a ``[run.cluster]`` section (see the module docstring).

    Parameters
    ----------
    spec : mapping
        ``kind``, ``jobs`` and keyword arguments of the cluster class.
    scale : bool
        Ask for ``jobs`` batch jobs (SLURM/PBS) right away. ``False`` builds the
        cluster without submitting anything (to inspect ``cluster.job_script()``).
    source : str
        Where the section came from, for messages.

    Raises
    ------
    ClusterError
        For an unknown kind, a bad ``jobs`` or arguments the cluster class refuses.
    """
    kwargs = dict(spec)
    kind = kwargs.pop("kind", None)
    if kind not in CLUSTER_KINDS:
        raise ClusterError(f"{source}.kind: expected one of {', '.join(map(repr, CLUSTER_KINDS))}, "
                           f"got {kind!r}")
    jobs = kwargs.pop("jobs", 1)
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ClusterError(f"{source}.jobs: expected a positive whole number, got {jobs!r}")
    module, _, name = CLUSTER_KINDS[kind].partition(":")
    try:
        cls = getattr(importlib.import_module(module), name)
    except ImportError as err:
        raise ClusterError(f"{source}.kind = {kind!r} needs the package {module} ({err})") from None
    if kind == "local":
        kwargs.setdefault("n_workers", jobs)
        kwargs.setdefault("threads_per_worker", 1)
        kwargs.setdefault("processes", True)
        kwargs.setdefault("dashboard_address", ":0")  # any free port: never collide on 8787
    else:
        kwargs.setdefault("scheduler_options", {"dashboard_address": ":0"})
    try:
        cluster = cls(**kwargs)
    except (TypeError, ValueError) as err:
        raise ClusterError(f"{source}: {name}({', '.join(f'{k}=…' for k in kwargs)}) refused "
                           f"its arguments: {err}") from None
    if scale and kind != "local":
        cluster.scale(jobs=jobs)
    return cluster


def open_client(scheduler: str | None = None, cluster_spec: Mapping[str, Any] | None = None):
    """A ``distributed.Client`` on ``scheduler`` (an address) or on a new cluster.

    Returns
    -------
    (client, cluster)
        ``cluster`` is the one created here (closed by the caller), else ``None``.
    """
    from distributed import Client

    if (scheduler is None) == (cluster_spec is None):
        raise ClusterError("give either a scheduler address or a cluster section, not both")
    if scheduler is not None:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as err:
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
    cluster = make_cluster(cluster_spec)  # type: ignore[arg-type]
    return Client(cluster), cluster


@dataclasses.dataclass
class _Pending:
    task: Task
    future: Any


def run_dask(client, tasks: Sequence[Task], *, threads: int | None = None,
             gpu: int | None = None, on_start: Callable[[Task], None] | None = None,
             on_finish: Callable[[Task, dict[str, Any]], None] | None = None,
             on_running: Callable[[int], None] | None = None,
             poll_s: float = 0.1) -> LocalResult:
    """Run ``tasks`` as Dask tasks on ``client``'s cluster, one point per task.

    ``on_start`` is called when a task is submitted, ``on_finish`` with its final
    status, ``on_running`` with the number of tasks the workers are processing.
    After Ctrl-C the tasks are cancelled (a task already running on a cluster that
    stays up finishes and records its result); once the caller has shut down a
    cluster of its own, :func:`mark_interrupted` records the points it cut off.
    """
    from orchestrator.dispatch.worker import run_point

    pending: dict[str, _Pending] = {}
    statuses: dict[str, dict[str, Any]] = {}
    for task in tasks:
        fut = client.submit(run_point, str(task.folder), threads=threads, gpu=gpu, prepare=True,
                            key=f"mmstudy-{task.key}-{time.time_ns()}", pure=False)
        pending[task.key] = _Pending(task, fut)
        if on_start:
            on_start(task)
    last_count = 0.0
    try:
        while pending:
            for key in [k for k, p in pending.items() if p.future.done()]:
                item = pending.pop(key)
                statuses[key] = _result(item)
                if on_finish:
                    on_finish(item.task, statuses[key])
            now = time.monotonic()
            if on_running and now - last_count > 1.0:
                last_count = now
                on_running(_processing(client, len(pending)))
            time.sleep(poll_s)
    except KeyboardInterrupt:
        client.cancel([p.future for p in pending.values()])
        return LocalResult(statuses, interrupted=True)
    return LocalResult(statuses, interrupted=False)


def _result(item: _Pending) -> dict[str, Any]:
    fut, folder = item.future, item.task.folder
    if fut.status == "finished":
        return fut.result()
    err = fut.exception() if fut.status == "error" else f"task {fut.status}"
    if isinstance(err, FileNotFoundError):
        msg = (f"the Dask worker could not read {folder} ({err}); the output folder must be "
               "on a filesystem shared by this machine and every Dask worker")
    else:
        msg = f"{type(err).__name__}: {err}" if isinstance(err, BaseException) else str(err)
    status = {**(_safe_status(folder)), "state": FAILED, "error": msg, "finished": now_iso()}
    if Path(folder).is_dir():
        write_status(folder, status)
    return status


def mark_interrupted(folder: Path) -> dict[str, Any]:
    """Record ``interrupted`` for a point left ``running`` by a worker that is gone
    (call it only after its cluster is shut down)."""
    status = _safe_status(folder)
    if status.get("state") in (None, RUNNING, "pending"):
        status = {**status, "state": INTERRUPTED, "finished": now_iso(),
                  "error": "interrupted: the Dask cluster was shut down"}
        if status.get("started"):
            write_status(folder, status)
    return status


def _safe_status(folder: Path) -> dict[str, Any]:
    try:
        return read_status(folder) or {}
    except (ValueError, OSError):
        return {}


def _processing(client, remaining: int) -> int:
    try:
        info = client.scheduler_info()
        slots = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
    except Exception:  # noqa: BLE001 - the count is cosmetic
        return 0
    return min(slots, remaining)
