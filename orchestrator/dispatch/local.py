"""Run point folders in parallel on this machine, one worker process per point.

Each point runs in ``python -m orchestrator.dispatch.worker FOLDER`` with its stdout
and stderr going to the point's ``log.txt``, so a crash (even a segfault) in one point
never touches another, and the dispatcher only reads the status files the workers
write. At most ``jobs`` workers run at once. Ctrl-C (``KeyboardInterrupt`` in the
dispatcher) stops launching, sends SIGTERM to the running workers (they record
``interrupted`` and exit) and waits for them; a worker that does not exit in time is
killed and marked ``interrupted`` by the dispatcher. On Linux a worker also gets SIGTERM
when the dispatcher is killed outright (``PR_SET_PDEATHSIG``).

Examples
--------
>>> run_local([], jobs=2).interrupted
False
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from orchestrator.dispatch.folders import (FAILED, INTERRUPTED, LOG_FILE, RUNNING,
                                           archive_attempt, now_iso, point_locked, read_status,
                                           write_status)
from orchestrator.solver.context import available_cpus

__all__ = ["Task", "LocalResult", "run_local", "worker_command", "worker_threads"]

#: how long running workers get to record ``interrupted`` after SIGTERM
TERMINATE_GRACE_S = 30.0


@dataclasses.dataclass(frozen=True)
class Task:
    """One point to run: its key (the id) and its folder."""

    key: str
    folder: Path


@dataclasses.dataclass
class LocalResult:
    """Final status of every task that ran, and whether the run was interrupted."""

    statuses: dict[str, dict[str, Any]]
    interrupted: bool


def worker_command(folder: Path, *, threads: int | None = None, gpu: int | None = None,
                   prepared: bool = True) -> list[str]:
    """The command line of the worker process for ``folder``."""
    cmd = [sys.executable, "-m", "orchestrator.dispatch.worker", str(folder)]
    if prepared:
        cmd.append("--prepared")
    if threads is not None:
        cmd += ["--threads", str(threads)]
    if gpu is not None:
        cmd += ["--gpu", str(gpu)]
    return cmd


def worker_threads(jobs: int) -> int:
    """Threads for each of ``jobs`` workers sharing the CPUs this process may use.

    Examples
    --------
    >>> worker_threads(1) >= 1, worker_threads(10 ** 6)
    (True, 1)
    """
    return max(1, available_cpus() // max(1, jobs))


def run_local(tasks: Sequence[Task], *, jobs: int, threads: int | None = None,
              gpu: int | None = None, on_start: Callable[[Task], None] | None = None,
              on_finish: Callable[[Task, dict[str, Any]], None] | None = None,
              poll_s: float = 0.05) -> LocalResult:
    """Run ``tasks`` with at most ``jobs`` worker processes at a time.

    Parameters
    ----------
    tasks : sequence of Task
        In launch order.
    jobs : int
        Workers running at once.
    threads, gpu : int, optional
        Passed to each worker (and on to the backend). Without ``threads``, several
        workers share the CPUs this process may use: each gets ``CPUs // jobs`` threads
        (at least 1), since workers that each take every CPU slow each other down (two
        built-in runs of 256² cells on 2 cores, each on 2 threads: 3.2× slower than one
        alone, against 2× for one thread each).
    on_start, on_finish : callable, optional
        Called (in this process) when a worker starts, and with the point's final
        status when it ends.

    Returns
    -------
    LocalResult
        ``interrupted`` is True after Ctrl-C; points never started are not in
        ``statuses``.
    """
    queue = list(tasks)[::-1]
    if threads is None and jobs > 1 and len(queue) > 1:
        threads = worker_threads(jobs)
    running: dict[str, tuple[Task, subprocess.Popen, Any]] = {}
    statuses: dict[str, dict[str, Any]] = {}
    env = {**os.environ, "MMSTUDY_PARENT_PID": str(os.getpid()), "PYTHONUNBUFFERED": "1"}

    def launch(task: Task) -> None:
        archive_attempt(task.folder)
        log = open(task.folder / LOG_FILE, "a")
        proc = subprocess.Popen(worker_command(task.folder, threads=threads, gpu=gpu),
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env)
        running[task.key] = (task, proc, log)
        if on_start:
            on_start(task)

    def reap(key: str, *, stopping: bool) -> None:
        task, proc, log = running.pop(key)
        log.close()
        status = _final_status(task.folder, proc.returncode, stopping=stopping)
        statuses[key] = status
        if on_finish:
            on_finish(task, status)

    try:
        while queue or running:
            while queue and len(running) < max(1, jobs):
                launch(queue.pop())
            for key in [k for k, (_, p, _) in running.items() if p.poll() is not None]:
                reap(key, stopping=False)
            time.sleep(poll_s)
    except KeyboardInterrupt:
        previous = _ignore_sigint()
        try:
            _stop(running, reap)
        finally:
            _restore_sigint(previous)
        return LocalResult(statuses, interrupted=True)
    return LocalResult(statuses, interrupted=False)


def _stop(running: dict, reap: Callable[..., None]) -> None:
    for _, proc, _ in running.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + TERMINATE_GRACE_S
    while running and time.monotonic() < deadline:
        for key in [k for k, (_, p, _) in running.items() if p.poll() is not None]:
            reap(key, stopping=True)
        time.sleep(0.05)
    for key in list(running):
        running[key][1].kill()
        running[key][1].wait()
        reap(key, stopping=True)


def _final_status(folder: Path, returncode: int, *, stopping: bool) -> dict[str, Any]:
    """The status the worker wrote, or one written here if it died before finishing."""
    try:
        status = read_status(folder) or {}
    except ValueError:
        status = {}
    if status.get("state") not in (None, RUNNING, "pending"):
        return status
    if point_locked(folder):  # another live process writes the point: its status stands
        return status
    # the worker died without recording a result (killed, segfault, import error)
    how = (f"signal {-returncode}" if returncode < 0 else f"exit code {returncode}")
    status = {**status, "finished": now_iso(), "exit_code": returncode}
    if stopping:
        status.update(state=INTERRUPTED, error=f"interrupted: worker stopped by {how}")
    else:
        status.update(state=FAILED, error=f"the worker process ended with {how} before "
                      f"recording a result; see {folder / LOG_FILE}")
    write_status(folder, status)
    return status


def _ignore_sigint():
    try:
        return signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        return None


def _restore_sigint(previous) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
