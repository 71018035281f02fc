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
import inspect
import logging
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from orchestrator.dispatch.folders import (FAILED, INTERRUPTED, RUNNING, PointBusy, now_iso,
                                           point_locked, read_status, write_status)
from orchestrator.dispatch.local import LocalResult, Task

__all__ = ["CLUSTER_KINDS", "ClusterError", "check_cluster", "make_cluster", "open_client",
           "run_dask", "mark_interrupted"]

CLUSTER_KINDS = {"slurm": "dask_jobqueue:SLURMCluster", "pbs": "dask_jobqueue:PBSCluster",
                 "local": "distributed:LocalCluster"}
#: the batch system's commands a cluster kind submits, watches and cancels jobs with
COMMANDS = {"slurm": ("sbatch", "squeue", "scancel"), "pbs": ("qsub", "qstat", "qdel")}
#: how long to try to reach a scheduler address
CONNECT_TIMEOUT = "20s"


class ClusterError(ValueError):
    """A ``[run.cluster]`` section that cannot make a cluster, or an unreachable scheduler."""


def check_cluster(spec: Mapping[str, Any], *, source: str = "run.cluster",
                  commands: bool = True) -> None:
    """Check a ``[run.cluster]`` section before anything is submitted or written: its
    kind and ``jobs``, the package of the cluster class, that a ``local`` cluster gets
    no batch-job settings (``cores``, ``memory``, ``walltime`` ...: its worker processes
    would fail to start) and, with ``commands``, that the batch system's commands
    (``sbatch`` ..., ``qsub`` ...) are on ``PATH``.

    Raises
    ------
    ClusterError
        Naming the section and what is missing or wrong.
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
        from distributed import Nanny, Worker

        known = set().union(*(_named_parameters(c) for c in (cls, Nanny, Worker)))
        unknown = [k for k in kwargs if k not in known]
        if unknown:
            raise ClusterError(
                f"{source}: kind = \"local\" runs worker processes on this machine and takes no "
                f"{', '.join(unknown)} (batch-job settings of kind = \"slurm\" or \"pbs\"); "
                "remove them (jobs sets the number of workers; memory_limit and "
                "threads_per_worker are the local cluster's own)")
    if commands and kind in COMMANDS:
        missing = [c for c in COMMANDS[kind] if shutil.which(c) is None]
        if missing:
            raise ClusterError(
                f"{source}: kind = {kind!r} submits batch jobs with {', '.join(COMMANDS[kind])}, "
                f"but {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not on the "
                "PATH of this machine; run mmstudy on the cluster's login node, or use "
                "kind = \"local\" or --scheduler ADDRESS")


def _named_parameters(cls) -> set[str]:
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):  # pragma: no cover
        return set()
    return {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def make_cluster(spec: Mapping[str, Any], *, scale: bool = True, source: str = "run.cluster"):
    """A Dask cluster from a ``[run.cluster]`` section (see the module docstring).

    Parameters
    ----------
    spec : mapping
        ``kind``, ``jobs`` and keyword arguments of the cluster class.
    scale : bool
        Ask for ``jobs`` batch jobs (SLURM/PBS) right away. ``False`` builds the
        cluster without submitting anything (to inspect ``cluster.job_script()``);
        then the batch system's commands need not be installed.
    source : str
        Where the section came from, for messages.

    Raises
    ------
    ClusterError
        For an unknown kind, a bad ``jobs``, arguments the cluster class refuses or
        (with ``scale``) a batch system that is not installed (:func:`check_cluster`).
    """
    check_cluster(spec, source=source, commands=scale)
    kwargs = dict(spec)
    kind = kwargs.pop("kind")
    jobs = kwargs.pop("jobs", 1)
    module, _, name = CLUSTER_KINDS[kind].partition(":")
    cls = getattr(importlib.import_module(module), name)
    if kind == "local":
        kwargs.setdefault("n_workers", jobs)
        kwargs.setdefault("threads_per_worker", 1)
        kwargs.setdefault("processes", True)
        kwargs.setdefault("dashboard_address", ":0")  # any free port: never collide on 8787
        kwargs.setdefault("silence_logs", logging.ERROR)  # no warnings on the terminal
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
            return Client(scheduler, timeout=CONNECT_TIMEOUT), None
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
    if isinstance(err, PointBusy):  # another live process writes it: leave its status be
        return {**_safe_status(folder), "state": RUNNING}
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
    if point_locked(folder):  # its writer outlived the cluster: it records its own end
        return status
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
