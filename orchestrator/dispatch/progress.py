"""The sweep's progress display: points done, failed and running, elapsed time, ETA.

One rich progress bar on stderr; the bar counts the points this invocation runs, the
text beside it the states of all points of the sweep (those finished earlier count as
done). ``enabled=False`` shows nothing (tests, ``--quiet``).

A running point counts with the fraction of its simulated time done: the last time in
its ``run.out/table.txt`` (the built-in solver and mumax3 append a row per save as they
run) over the total duration of its evolve stages. So the bar, and its ETA, move before
the first point finishes. A solver without such a table counts 0 until it finishes.

Examples
--------
>>> with SweepProgress(2, done=1, enabled=False) as bar:
...     bar.started("a"); bar.finished("a", "done")
>>> bar.counts
{'done': 2, 'failed': 0, 'running': 0}
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from mmstudy.layout import OUTPUT_DIR, TABLE_FILE
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

__all__ = ["SweepProgress", "simulated_time"]

#: seconds between two looks at the running points' tables
POLL_S = 1.0


def simulated_time(folder: str | os.PathLike) -> float | None:
    """The last simulated time (s) in ``<folder>/run.out/table.txt``, or ``None``."""
    path = Path(folder) / OUTPUT_DIR / TABLE_FILE
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 65536))
            tail = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    lines = tail.split("\n")[1 if size > 65536 else 0:-1]  # whole rows only
    for line in reversed(lines):
        if line.startswith("#") or not line.strip():
            continue
        try:
            return float(line.split()[0])
        except (ValueError, IndexError):
            continue
    return None


class SweepProgress:
    """Context manager counting points as they start and finish.

    Parameters
    ----------
    total : int
        Points to run in this invocation.
    done, failed : int
        Points already done / failed (and not retried) before it.
    enabled : bool
        Draw the bar (on ``console``, default stderr).
    """

    def __init__(self, total: int, *, done: int = 0, failed: int = 0, enabled: bool = True,
                 console: Console | None = None, label: str = "points") -> None:
        self.total = total
        self.counts = {"done": done, "failed": failed, "running": 0}
        self._running: set[str] = set()
        self._watched: dict[str, tuple[Path, float]] = {}
        self._fractions: dict[str, float] = {}
        self._finished = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._progress = None
        if enabled:
            self._progress = Progress(
                TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("[green]{task.fields[done]} done[/] · [red]{task.fields[failed]} "
                           "failed[/] · {task.fields[running]} running"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=console or Console(stderr=True), transient=False)
            self._task = self._progress.add_task(label, total=total, **self.counts)

    def __enter__(self) -> SweepProgress:
        if self._progress is not None:
            self._progress.start()
            self._thread = threading.Thread(target=self._poll_loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._progress is not None:
            self._progress.stop()

    @property
    def completed(self) -> float:
        """Points finished in this invocation plus the simulated-time fractions of the
        running ones."""
        with self._lock:
            return self._finished + sum(self._fractions.values())

    def _refresh(self) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=self.completed, **self.counts)

    def _poll_loop(self) -> None:
        while not self._stop.wait(POLL_S):
            self.poll()

    def poll(self) -> None:
        """Read the running points' simulated times and redraw."""
        with self._lock:
            watched = dict(self._watched)
        fractions = {}
        for key, (folder, total_s) in watched.items():
            t = simulated_time(folder)
            fractions[key] = 0.0 if t is None else min(max(t / total_s, 0.0), 0.99)
        with self._lock:
            for key, f in fractions.items():
                if key in self._watched:
                    self._fractions[key] = f
        self._refresh()

    def started(self, key: str, folder: str | os.PathLike | None = None,
                total_s: float | None = None) -> None:
        """A point began running; with its ``folder`` and the total simulated time of
        its evolve stages (``total_s``), its table counts toward the progress."""
        with self._lock:
            self._running.add(key)
            if folder is not None and total_s:
                self._watched[key] = (Path(folder), float(total_s))
        self.counts["running"] = len(self._running)
        self._refresh()

    def finished(self, key: str, state: str) -> None:
        """A point ended in ``state`` (done, failed, interrupted)."""
        with self._lock:
            self._running.discard(key)
            self._watched.pop(key, None)
            self._fractions.pop(key, None)
            if state in ("done", "failed"):
                self._finished += 1
        self.counts["running"] = len(self._running)
        if state in ("done", "failed"):
            self.counts[state] += 1
        self._refresh()

    def set_running(self, n: int) -> None:
        """Set the running count directly (Dask: tasks being processed)."""
        self.counts["running"] = n
        self._refresh()
