"""The sweep's progress display: points done, failed and running, elapsed time, ETA.

One rich progress bar on stderr; the bar counts the points this invocation runs, the
text beside it the states of all points of the sweep (those finished earlier count as
done). ``enabled=False`` shows nothing (tests, ``--quiet``).

Examples
--------
>>> with SweepProgress(2, done=1, enabled=False) as bar:
...     bar.started("a"); bar.finished("a", "done")
>>> bar.counts
{'done': 2, 'failed': 0, 'running': 0}
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

__all__ = ["SweepProgress"]


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
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()

    def _refresh(self, advance: int = 0) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=advance, **self.counts)

    def started(self, key: str) -> None:
        """A point began running."""
        self._running.add(key)
        self.counts["running"] = len(self._running)
        self._refresh()

    def finished(self, key: str, state: str) -> None:
        """A point ended in ``state`` (done, failed, interrupted)."""
        self._running.discard(key)
        self.counts["running"] = len(self._running)
        if state in ("done", "failed"):
            self.counts[state] += 1
        self._refresh(advance=1 if state in ("done", "failed") else 0)

    def set_running(self, n: int) -> None:
        """Set the running count directly (Dask: tasks being processed)."""
        self.counts["running"] = n
        self._refresh()
