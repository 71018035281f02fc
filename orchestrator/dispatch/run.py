"""Running a study: plan the points, lay out their folders, run them, resume.

:func:`plan_study` loads and expands the study, picks the backend and checks every
point's features before anything is written; :func:`run_study` lays out the point
folders (:mod:`orchestrator.dispatch.folders`), skips points already done, moves the
files of earlier attempts aside, runs the rest in parallel on this machine
(:mod:`orchestrator.dispatch.local`) or on a Dask cluster
(:mod:`orchestrator.dispatch.cluster`), and keeps ``manifest.json`` current as points
finish. :func:`render_scripts` writes the folders and scripts without running them.

Resuming: a point whose status is ``done`` (with ``run.out/``) is never run again;
``failed`` points are rerun only with ``retry_failed``; ``interrupted`` points and stale
``running`` ones (their worker is gone) are rerun. Identical points (same content hash)
share one folder and run once. One dispatcher at a time may use an output folder (a
lock file, ``.mmstudy.lock``, released when it exits however it exits), and one process
at a time may write a point folder (its writer lock, :func:`~orchestrator.dispatch.
folders.hold_point`). An output folder holding another study's manifest is refused
unless ``force`` (the old manifest is then kept as ``manifest.<n>.json``).

Adaptive sweeps (``[sweep.refine]``, :mod:`orchestrator.dispatch.refine`): the plan holds
the coarse points and the midpoints the folders' outcomes call for; :func:`run_study`
runs generation after generation until no midpoint is added.

Stopping: Ctrl-C (SIGINT) and SIGTERM (``kill``, ``timeout``, a batch system's wall-time
limit) both stop launching, keep every finished point, mark the running ones
``interrupted`` and leave the manifest agreeing with each ``status.json``; the exit
code is 128 + the signal (130 for Ctrl-C, 143 for SIGTERM).

Examples
--------
>>> from orchestrator.study.model import Study
>>> s = Study.model_validate({
...     "name": "demo", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
...     "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.5}},
...     "stages": [{"type": "minimize"}],
...     "sweep": {"parameters": {"A": {"values": [1e-11, 2e-11, 1e-11],
...                                    "set": "materials.default.A"}}, "mode": "zip"}})
>>> plan = plan_study(s, backend="builtin", out="/tmp/unused")   # writes nothing
>>> [(p.index, p.duplicate_of) for p in plan.points], len(plan.unique)
([(0, None), (1, None), (2, 0)], 2)
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mmstudy.layout import RELAXED_DIR
from orchestrator.backends.base import (AUTO_ORDER, BACKENDS, Backend, SolverNotFound,
                                        get_backend)
from orchestrator.dispatch.folders import (DONE, FAILED, INTERRUPTED, KEEP, PENDING, RUNNING,
                                           is_done, now_iso, process_alive, read_json,
                                           read_status, write_manifest, write_point_files,
                                           MANIFEST_CSV, MANIFEST_FILE)
from orchestrator.dispatch.local import LocalResult, Task, run_local
from orchestrator.study.echo import scale_record
from orchestrator.study.load import StudyError, load_study
from orchestrator.study.model import Study
from orchestrator.study.sweep import Point, expand, study_data

if TYPE_CHECKING:
    from orchestrator.dispatch.refine import Refinement

__all__ = ["PlannedPoint", "Plan", "RunSummary", "OutputLocked", "OtherStudy", "Terminated",
           "plan_study", "run_study", "render_scripts", "default_out", "resolve_backend"]

LOCK_FILE = ".mmstudy.lock"


class OutputLocked(RuntimeError):
    """Another dispatcher is using the output folder."""


class OtherStudy(FileExistsError):
    """The output folder holds the manifest of another study (and ``force`` was not given)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C (``signum`` says which signal came)."""

    signum = signal.SIGTERM


@dataclasses.dataclass
class PlannedPoint:
    """A point of the sweep with its id, folder and (manifest) state."""

    point: Point
    id: str
    folder: Path
    duplicate_of: int | None = None
    state: str = PENDING
    error: str | None = None

    @property
    def index(self) -> int:
        return self.point.index

    def describe(self) -> str:
        """``index 3 (theta = 90 deg, j = 3 MA/cm^2)``."""
        given = ", ".join(f"{k} = {v}" for k, v in self.point.given.items())
        return f"point {self.index}" + (f" ({given})" if given else "")

    def manifest_entry(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.id, "params": self.point.params,
                "given": self.point.given, "state": self.state, "folder": self.folder.name,
                "duplicate_of": self.duplicate_of}


@dataclasses.dataclass
class Plan:
    """Everything decided before a file is written."""

    study: Study
    source: str
    backend: Backend
    out: Path
    points: list[PlannedPoint]
    #: the shared relaxed-state folder (orchestrator/backends/relaxed_store.py), if any
    relaxed: Path | None = None
    #: the adaptive sweep's state ([sweep.refine]; orchestrator/dispatch/refine.py)
    refine: Refinement | None = None

    @property
    def unique(self) -> list[PlannedPoint]:
        """The points that run (the first of each set of identical ones)."""
        return [p for p in self.points if p.duplicate_of is None]

    def header(self, command: str) -> dict[str, Any]:
        sweep = self.study.sweep
        return {"study": self.study.name, "source": _absolute(self.source), "command": command,
                "backend": self.backend.name,
                "parameters": list(sweep.parameters) if sweep else [],
                "mode": sweep.mode if sweep else None, "points_total": len(self.points),
                "points_distinct": len(self.unique),
                **({"refine": self.refine.header(self)} if self.refine else {})}

    def add(self, points: list[Point]) -> list[PlannedPoint]:
        """Check ``points`` against the backend, give them ids, folders and duplicates,
        append them and return them.

        Raises
        ------
        UnsupportedFeature
            If a point needs a feature the backend lacks.
        """
        for p in points:
            where = ", ".join(f"{k} = {v!r}" for k, v in p.given.items())
            self.backend.check(p.study, source=self.source
                               + (f" (sweep point {p.index}: {where})" if where else ""))
        first = {pp.id: pp.index for pp in self.unique}
        new = []
        for p in points:
            pid = p.id(self.backend.name)
            new.append(PlannedPoint(p, pid, self.out / pid, duplicate_of=first.get(pid)))
            first.setdefault(pid, p.index)
        self.points += new
        return new

    def sync_duplicates(self) -> None:
        """Give each duplicate its original's state."""
        by_index = {p.index: p for p in self.points}
        for p in self.points:
            if p.duplicate_of is not None:
                p.state = by_index[p.duplicate_of].state
                p.error = by_index[p.duplicate_of].error


@dataclasses.dataclass
class RunSummary:
    """What a run did; ``exit_code`` 0 all done, 1 some failed, 130 interrupted (Ctrl-C),
    143 terminated (SIGTERM)."""

    plan: Plan
    ran: list[PlannedPoint]
    skipped_done: list[PlannedPoint]
    not_retried: list[PlannedPoint]
    interrupted: bool = False
    signum: int = signal.SIGINT  # what interrupted it

    @property
    def failed(self) -> list[PlannedPoint]:
        return [p for p in self.plan.unique if p.state == FAILED]

    @property
    def done(self) -> list[PlannedPoint]:
        return [p for p in self.plan.unique if p.state == DONE]

    @property
    def unfinished(self) -> list[PlannedPoint]:
        return [p for p in self.plan.unique if p.state not in (DONE, FAILED)]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 128 + int(self.signum)
        return 1 if self.failed or self.unfinished else 0

    def lines(self) -> list[str]:
        """A human summary, one line per fact (and one per failed point)."""
        plan = self.plan
        dup = len(plan.points) - len(plan.unique)
        out = [f"{len(plan.points)} point(s)"
               + (f", {dup} identical to others (run once)" if dup else "")
               + f" on {plan.backend.name} in {plan.out}",
               f"{len(self.done)} done ({len(self.skipped_done)} from earlier runs), "
               f"{len(self.failed)} failed, {len(self.unfinished)} not finished"]
        for p in self.failed:
            retry = " (not retried: use --retry-failed)" if p in self.not_retried else ""
            out.append(f"  failed: {p.describe()} in {p.folder}{retry}: {p.error}")
        if self.interrupted:
            how = "interrupted" if self.signum == signal.SIGINT else \
                f"stopped by {signal.Signals(self.signum).name}"
            out.append(f"{how}: finished points are kept; run the same command again "
                       "to resume")
        return out + (plan.refine.lines(plan) if plan.refine else [])


def default_out(study: Study, cwd: str | os.PathLike | None = None) -> Path:
    """``runs/<study name>/`` in the current directory."""
    return Path(cwd or Path.cwd()) / "runs" / study.name


def _try_backend(name: str) -> Backend | None:
    try:
        return get_backend(name)
    except ImportError:
        return None


def resolve_backend(name: str | Backend, points: list[Point]) -> Backend:
    """The backend called ``name``, or for ``"auto"`` the first installed one (mumax3,
    OOMMF, built-in) that supports every point.

    Raises
    ------
    ValueError
        For an unknown name or a backend whose module is not available.
    """
    if isinstance(name, Backend):
        return name
    if name == "auto":
        for candidate in AUTO_ORDER:
            backend = _try_backend(candidate)
            if backend is not None and backend.find().found and \
                    not any(backend.missing(p.study) for p in points):
                return backend
        name = "builtin"
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r} (choose from {', '.join(['auto', *BACKENDS])})")
    try:
        return get_backend(name)
    except ImportError as err:
        raise ValueError(f"backend {name!r} is not available in this installation: {err}") from None


def plan_study(study: Study | str | os.PathLike, *, backend: str | Backend | None = None,
               out: str | os.PathLike | None = None) -> Plan:
    """Load, expand and check a study; nothing is written (but, for an adaptive sweep,
    the outcome caches of its finished points: its refined points are those the folders'
    outcomes call for, :func:`orchestrator.dispatch.refine.refine_plan`).

    Parameters
    ----------
    study : Study or path
        A study, or its TOML file.
    backend : str or Backend, optional
        ``auto``, ``builtin``, ``oommf``, ``mumax3`` (default: the study's
        ``run.backend``).
    out : path, optional
        Output folder (default :func:`default_out`).

    Raises
    ------
    StudyError
        If the study (or a point of its sweep) is invalid.
    UnsupportedFeature
        If a point needs a feature the backend lacks (naming feature and field).
    """
    if isinstance(study, Study):
        source, base_dir = "<study>", None
    else:
        source, base_dir = str(study), Path(study).parent
        study = load_study(study)
    points = expand(study, source=source, base_dir=base_dir)
    chosen = resolve_backend(backend or study.run.backend, points)
    out_dir = Path(out) if out is not None else default_out(study)
    plan = Plan(study, source, chosen, out_dir.absolute(), [])
    plan.add(points)
    if study.sweep is not None and study.sweep.refine is not None:
        from orchestrator.dispatch.refine import refine_plan

        refine_plan(plan, base_dir=base_dir)
    return plan


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold ``<out>/.mmstudy.lock`` (an flock: freed when the process ends, however)."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    fh: IO[str] = open(out / LOCK_FILE, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            who = fh.read().strip() or "another process"
            raise OutputLocked(f"{out} is in use by another mmstudy run ({who}); wait for it "
                               "or choose another --out") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {now_iso()}\n")
        fh.flush()
        yield
    finally:
        fh.close()


def _point_record(plan: Plan, pp: PlannedPoint) -> dict[str, Any]:
    backend_cls = type(plan.backend)
    indices = [q.index for q in plan.points if q.id == pp.id]
    return {"id": pp.id, "backend": plan.backend.name,
            "backend_class": f"{backend_cls.__module__}:{backend_cls.__qualname__}",
            "index": pp.index, "indices": indices, "params": pp.point.params,
            "given": pp.point.given, "source": _absolute(plan.source), "created": now_iso(),
            "study": study_data(pp.point.study),
            **({"scale": scale} if (scale := scale_record(pp.point.study)) else {}),
            **({"relaxed_store": os.path.relpath(plan.relaxed, pp.folder)}
               if plan.relaxed else {})}


def _absolute(source: str) -> str:
    return str(Path(source).absolute()) if Path(source).is_file() else source


def _lay_out(plan: Plan) -> None:
    for pp in plan.unique:
        write_point_files(pp.folder, _point_record(plan, pp),
                          pp.point.params if plan.study.sweep is not None else None)


def _classify(pp: PlannedPoint, retry_failed: bool) -> str:
    """``skip-done``, ``skip-failed``, ``busy`` or ``run``; sets ``pp.state``."""
    if is_done(pp.folder):
        pp.state = DONE
        return "skip-done"
    try:
        status = read_status(pp.folder) or {}
    except ValueError:
        status = {}
    state = status.get("state")
    if state == FAILED and not retry_failed:
        pp.state, pp.error = FAILED, status.get("error")
        return "skip-failed"
    if state == RUNNING and process_alive(status, pp.folder):
        pp.state = RUNNING
        return "busy"
    pp.state = PENDING
    return "run"


def run_study(study: Study | str | os.PathLike, *, backend: str | Backend | None = None,
              jobs: int | None = None, out: str | os.PathLike | None = None,
              retry_failed: bool = False, scheduler: str | None = None, cluster: bool = False,
              progress: bool = True, plan: Plan | None = None,
              force: bool = False, share_relaxed: bool | str | os.PathLike = False,
              on_generation: Callable[[int, list[PlannedPoint]], None] | None = None
              ) -> RunSummary:
    """Run every point of a study (see the module docstring for resuming).

    Parameters
    ----------
    study : Study or path
    backend : str or Backend, optional
        Default: the study's ``run.backend``.
    jobs : int, optional
        Points at once on this machine (default the study's ``run.jobs``).
    out : path, optional
        Default ``runs/<study name>/`` in the current directory.
    retry_failed : bool
        Rerun points that failed before.
    scheduler : str, optional
        Address of a Dask scheduler to run the points on.
    cluster : bool
        Start a Dask cluster from the study's ``[run.cluster]`` section.
    progress : bool
        Show the progress bar.
    plan : Plan, optional
        An existing :func:`plan_study` result (then ``study``, ``backend`` and ``out``
        are ignored).
    force : bool
        Use an output folder that holds another study's manifest (kept as
        ``manifest.<n>.json``).
    share_relaxed : bool or path
        Points whose first stage (minimise or relax) is the same computation relax once
        and share the state (built-in solver; :mod:`orchestrator.backends.relaxed_store`):
        True keeps the states in ``OUT/relaxed/``, a path there (several studies may share
        one folder). Recorded in each new point's ``point.json``.
    on_generation : callable, optional
        For an adaptive sweep, ``on_generation(g, points)`` before generation g (1, 2,
        ...) runs its new points.

    Returns
    -------
    RunSummary
        ``interrupted`` (and ``signum``) after Ctrl-C or SIGTERM.

    Raises
    ------
    StudyError, UnsupportedFeature
        Before anything is written.
    SolverNotFound
        If the backend's solver is not installed.
    OutputLocked
        If another dispatcher is using the output folder.
    OtherStudy
        If the output folder holds another study's manifest (and not ``force``).
    ClusterError
        For a ``[run.cluster]`` section whose prerequisites are missing, or a scheduler
        that cannot be reached (before anything is written).
    """
    seen: list[int] = []
    with _sigterm_as_interrupt(seen):
        try:
            summary = _run_study(study, backend=backend, jobs=jobs, out=out,
                                 retry_failed=retry_failed, scheduler=scheduler, cluster=cluster,
                                 progress=progress, plan=plan, force=force,
                                 share_relaxed=share_relaxed, on_generation=on_generation)
        except KeyboardInterrupt as err:
            if seen and not isinstance(err, Terminated):
                raise Terminated(*err.args) from None
            raise
    if seen:
        summary.signum = seen[0]
    return summary


@contextlib.contextmanager
def _sigterm_as_interrupt(seen: list[int]) -> Iterator[None]:
    """Turn the first SIGTERM into a :class:`Terminated` (a KeyboardInterrupt), so that
    it stops the run as Ctrl-C does; later ones are ignored while the run stops."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if seen:
            return
        seen.append(signum)
        raise Terminated(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_study(study, *, backend, jobs, out, retry_failed, scheduler, cluster, progress, plan,
               force, share_relaxed, on_generation) -> RunSummary:
    from orchestrator.dispatch.cluster import check_cluster, open_client
    from orchestrator.dispatch.progress import SweepProgress

    plan = plan or plan_study(study, backend=backend, out=out)
    if share_relaxed:
        plan.relaxed = (plan.out / RELAXED_DIR if share_relaxed is True
                        else Path(share_relaxed).absolute())
    info = plan.backend.find()
    if not info.found:
        raise SolverNotFound(f"backend {plan.backend.name!r}: {info.how}")
    if scheduler and cluster:
        raise ValueError("give --scheduler ADDRESS or --cluster, not both")
    if cluster and not plan.study.run.cluster:
        raise StudyError(plan.source, ["run.cluster: --cluster needs a [run.cluster] section "
                                       "(kind = \"slurm\"|\"pbs\"|\"local\", jobs, and the "
                                       "cluster's keyword arguments)"])
    opts = plan.study.run
    jobs = jobs or opts.jobs
    if cluster:  # its prerequisites, before anything is written or submitted
        check_cluster(opts.cluster)
    client = None
    if scheduler:  # reachable? before anything is written
        client, _ = open_client(scheduler)
    try:
        with _locked(plan.out):
            _check_manifest(plan, force)

            def run_points(plan: Plan, retry: bool) -> RunSummary:
                return _run_points(plan, jobs, retry, client, cluster, progress, info,
                                   SweepProgress)

            if plan.refine is None:
                return run_points(plan, retry_failed)
            from orchestrator.dispatch.refine import run_generations

            return run_generations(plan, run_points, retry_failed=retry_failed,
                                   on_generation=on_generation)
    finally:
        if client is not None:
            with _quiet_dask():
                client.close()


def _run_points(plan, jobs, retry_failed, client, cluster, progress, info, SweepProgress):
    opts = plan.study.run
    _lay_out(plan)
    ran, skipped_done, not_retried, to_run = [], [], [], []
    for pp in plan.unique:
        verdict = _classify(pp, retry_failed)
        if verdict == "skip-done":
            skipped_done.append(pp)
        elif verdict == "skip-failed":
            not_retried.append(pp)
        elif verdict == "run":
            to_run.append(pp)
    header = {**plan.header("run"), "solver": dataclasses.asdict(info)}
    old = _old_manifest(plan.out)
    header["created"] = old.get("created", now_iso()) if old else now_iso()

    def save() -> None:
        plan.sync_duplicates()
        write_manifest(plan.out, header, [p.manifest_entry() for p in plan.points])

    save()
    by_key = {pp.id: pp for pp in to_run}
    bar = SweepProgress(len(to_run), done=len(skipped_done), failed=len(not_retried),
                        enabled=progress)

    def on_start(task: Task) -> None:
        pp = by_key[task.key]
        pp.state = RUNNING
        bar.started(task.key, pp.folder, _simulated_total(pp.point.study))
        save()

    def on_finish(task: Task, status: dict[str, Any]) -> None:
        pp = by_key[task.key]
        pp.state = status.get("state", FAILED)
        pp.error = status.get("error")
        ran.append(pp)
        bar.finished(task.key, pp.state)
        save()

    tasks = [Task(pp.id, pp.folder) for pp in to_run]
    with bar:
        if not tasks:  # nothing to do: start no cluster, submit no job
            result = LocalResult({}, interrupted=False)
        elif client is not None or cluster:
            result = _run_on_dask(plan, tasks, client, on_start, on_finish, bar)
        else:
            result = run_local(tasks, jobs=jobs, threads=opts.threads, gpu=opts.gpu,
                               on_start=on_start, on_finish=on_finish)
    for pp in to_run:  # never started, or cut off: record what the folder says
        if pp.state in (PENDING, RUNNING):
            status = _status_or_empty(pp.folder)
            pp.state = status.get("state") if status.get("state") in (DONE, FAILED) \
                else (INTERRUPTED if status else PENDING)
            if status.get("state") == RUNNING and process_alive(status, pp.folder):
                pp.state = RUNNING  # a task of a cluster that stays up: still writing
            if pp.state == DONE and not is_done(pp.folder):
                pp.state = INTERRUPTED
    save()
    return RunSummary(plan, ran, skipped_done, not_retried, interrupted=result.interrupted)


def _simulated_total(study: Study) -> float:
    """The simulated time of a point's evolve stages (s): the progress display's measure."""
    return float(sum(getattr(st, "duration", 0.0) or 0.0 for st in study.stages
                     if getattr(st, "type", None) == "evolve"))


def _run_on_dask(plan: Plan, tasks, client, on_start, on_finish, bar):
    """Run on ``client`` (a scheduler address, closed by the caller), else on a cluster
    of our own from ``[run.cluster]``."""
    from orchestrator.dispatch.cluster import mark_interrupted, open_client, run_dask

    own = None
    if client is None:
        # its worker processes ignore SIGINT (inherited): a terminal's Ctrl-C reaches the
        # whole process group, and it is this process that stops the run
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) \
            if threading.current_thread() is threading.main_thread() else None
        try:
            client, own = open_client(None, plan.study.run.cluster)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
    result = None
    try:
        result = run_dask(client, tasks, threads=plan.study.run.threads, gpu=plan.study.run.gpu,
                          on_start=on_start, on_finish=on_finish, on_running=bar.set_running)
    finally:
        if own is not None:
            with _quiet_dask():
                client.close()
                own.close()
    if result.interrupted and own is not None:  # its workers are gone now
        for task in tasks:
            if task.key not in result.statuses:
                mark_interrupted(task.folder)
    return result


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Silence Dask's logging while a client or cluster shuts down (after Ctrl-C it logs
    dozens of lines of tracebacks about cancelled tasks and closed connections)."""
    import logging

    loggers = [logging.getLogger(n) for n in ("distributed", "tornado", "asyncio")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _check_manifest(plan: Plan, force: bool) -> None:
    """Refuse an output folder holding another study's manifest, unless ``force``; then
    keep that manifest as ``manifest.<n>.json`` (and ``manifest.<n>.csv``)."""
    old = _old_manifest(plan.out)
    sources = {old.get("source"), _absolute(plan.source)} if old else set()
    # a study built in Python (source "<study>") has no file to compare: its name decides
    if not old or (old.get("study") == plan.study.name
                   and (len(sources) == 1 or "<study>" in sources)):
        return
    what = f"study {old.get('study')!r}" + (f" ({old['source']})" if old.get("source") else "")
    if not force:
        raise OtherStudy(f"{plan.out} holds the runs of another {what}; choose another --out, "
                         "or pass --force to use it anyway (its manifest is kept as "
                         "manifest.<n>.json)")
    n = 1
    stem = MANIFEST_FILE.removesuffix(".json")
    while (plan.out / f"{stem}.{n}.json").exists():
        n += 1
    os.replace(plan.out / MANIFEST_FILE, plan.out / f"{stem}.{n}.json")
    csv_file = plan.out / MANIFEST_CSV
    if csv_file.is_file():
        os.replace(csv_file, plan.out / f"{stem}.{n}.csv")


def _status_or_empty(folder: Path) -> dict[str, Any]:
    try:
        return read_status(folder) or {}
    except ValueError:
        return {}


def _old_manifest(out: Path) -> dict[str, Any] | None:
    try:
        old = read_json(out / MANIFEST_FILE)
    except ValueError:
        return None
    return old if isinstance(old, dict) else None


@dataclasses.dataclass
class RenderSummary:
    """What :func:`render_scripts` wrote."""

    plan: Plan
    rendered: list[PlannedPoint]
    existing: list[PlannedPoint]
    files: dict[str, list[Path]]


def render_scripts(study: Study | str | os.PathLike, *, backend: str | Backend,
                   out: str | os.PathLike, plan: Plan | None = None,
                   force: bool = False) -> RenderSummary:
    """Write every point's folder (``point.json``, ``params.json``, the backend's
    scripts) and the manifest, without running anything (the solver need not be
    installed). A folder that already holds rendered files or results is left alone.

    Run a point later with ``python -m orchestrator.dispatch.worker <out>/<id>``, or
    the solver itself on its script.

    An output folder holding another study's manifest is refused unless ``force``, as
    :func:`run_study` refuses it; with ``force`` that manifest is kept as
    ``manifest.<n>.json`` (and ``manifest.<n>.csv``) before the new one is written.

    Raises
    ------
    OtherStudy
        If the output folder holds another study's manifest (and not ``force``).
    """
    plan = plan or plan_study(study, backend=backend, out=out)
    rendered, existing, files = [], [], {}
    with _locked(plan.out):
        _check_manifest(plan, force)  # before anything is written
        _lay_out(plan)
        for pp in plan.unique:
            if any(p.name not in KEEP for p in pp.folder.iterdir()):
                existing.append(pp)
                pp.state = DONE if is_done(pp.folder) else PENDING
                continue
            files[pp.id] = list(plan.backend.render(pp.point.study, pp.folder) or [])
            rendered.append(pp)
            pp.state = PENDING
        plan.sync_duplicates()
        header = plan.header("scripts")
        old = _old_manifest(plan.out)  # the same study's (another's was kept aside above)
        header["created"] = old.get("created", now_iso()) if old else now_iso()
        write_manifest(plan.out, header, [p.manifest_entry() for p in plan.points])
    return RenderSummary(plan, rendered, existing, files)

