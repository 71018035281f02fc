"""The order of work for any paper: overrides → run each study → analyse → draw → report.

:func:`reproduce` runs a paper's studies (all, or those of some figures) through
:func:`orchestrator.dispatch.run.run_study` into ``<out>/<study stem>/`` (finished points
are reused: a rerun only runs what changed), analyses each figure whose points finished,
judges its claims, draws its PNGs and writes its report section
(:mod:`orchestrator.papers.report`). :func:`render` does the same from finished runs
without running anything (``mmstudy paper report``). A figure with no finished point keeps
the section an earlier pass wrote, so a long reproduction can be run one figure per
session and committed as it goes.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from mmstudy.layout import RELAXED_DIR
from mmstudy.resources import checkout_root
from orchestrator.backends.base import UnsupportedFeature
from orchestrator.dispatch.folders import DONE, FAILED, PENDING, is_done, read_status
from orchestrator.dispatch.run import RunSummary, Terminated, plan_study, run_study
from orchestrator.papers.claims import Claim, judge
from orchestrator.papers.overrides import load_overrides, load_study_with_overrides
from orchestrator.papers.paper import FigureInput, FigureResult, Paper
from orchestrator.study.model import Study

__all__ = ["StudyRun", "load_studies", "run_studies", "finished_runs", "analyse_figures",
           "reproduce", "render", "default_out", "default_report", "select_figures"]


@dataclasses.dataclass
class StudyRun:
    """One study file's run: its study, what :func:`run_study` did (or, for a report
    from finished runs, what its folders hold), and what it cost."""

    stem: str
    study: Study
    summary: RunSummary
    wall_s: float

    @property
    def points(self):
        """The distinct points (duplicates of another point left out)."""
        return [p for p in self.summary.plan.points if p.duplicate_of is None]

    def _statuses(self) -> list[dict]:
        """``status.json`` of every distinct point (``{}`` where unreadable)."""
        out = []
        for p in self.points:
            try:
                out.append(read_status(p.folder) or {})
            except ValueError:
                out.append({})
        return out

    @property
    def any_done(self) -> bool:
        return any(is_done(p.folder) for p in self.points)

    @property
    def unfinished(self) -> int:
        """How many distinct points are neither done nor failed (not run yet, running)."""
        return sum(p.state not in (DONE, FAILED) for p in self.points)

    @property
    def compute_s(self) -> float:
        """Solver wall time summed over the finished points (s), this run or earlier ones."""
        return sum(float(s.get("wall_s") or 0.0) for s in self._statuses())

    @property
    def busy_s(self) -> float:
        """Wall time during which at least one of the finished points was running (s):
        the length of the union of their [started, finished] intervals, this run or earlier
        ones, so pauses between runs do not count (a measured wall time, not an estimate)."""
        spans = sorted((_dt.datetime.fromisoformat(s["started"]),
                        _dt.datetime.fromisoformat(s["finished"]))
                       for s in self._statuses()
                       if s.get("state") == "done" and s.get("started") and s.get("finished"))
        total, end = 0.0, None
        for a, b in spans:
            if end is None or a > end:  # a new busy stretch
                total, end = total + (b - a).total_seconds(), b
            elif b > end:               # overlaps the current one and outlasts it
                total, end = total + (b - end).total_seconds(), b
        return total


def _base() -> Path:
    """The repository when run from a checkout, else (an installed mmstudy) the current
    directory."""
    return checkout_root() or Path.cwd()


def default_out(paper: Paper, quick: bool, backend: str) -> Path:
    """``runs/<paper>[-quick]/<backend>/`` in the repository (git-ignored), or in the
    current directory for an installed mmstudy."""
    return _base() / "runs" / (f"{paper.name}-quick" if quick else paper.name) / backend


def default_report(paper: Paper, quick: bool, backend: str) -> Path:
    """``reports/<paper>/<quick|full>[-<backend>]/`` (the built-in solver's has no suffix),
    in the repository or, for an installed mmstudy, in the current directory."""
    name = "quick" if quick else "full"
    return _base() / "reports" / paper.name / (name if backend == "builtin"
                                               else f"{name}-{backend}")


def select_figures(paper: Paper, figures: Iterable[str] | None, quick: bool = False
                   ) -> list[str]:
    """The figure names asked for (all when ``None``; in quick mode those the paper runs in
    quick mode), in the paper's order.

    Raises
    ------
    KeyError
        Naming the paper's figures, for a name it does not have.
    """
    every = [f.name for f in paper.spec.figures if f.quick or not quick]
    if not figures:
        return every
    wanted = list(figures)
    for name in wanted:
        if not paper.spec.figure(name).quick and quick:  # spec.figure: KeyError if unknown
            raise ValueError(f"figure {name} of {paper.name} runs in the full mode only "
                             "(paper.toml: quick = false)")
    return [f for f in every if f in wanted]


def load_studies(paper: Paper, quick: bool, stems: Iterable[str] | None = None
                 ) -> dict[str, Study]:
    """The paper's studies by file stem (quick mode: with the overrides applied)."""
    stems = list(stems) if stems is not None else paper.spec.study_stems
    ov = None
    if quick and paper.quick_overrides is not None:
        ov = load_overrides(paper.quick_overrides, studies=paper.studies_dir)
    return {stem: load_study_with_overrides(paper.study_file(stem), ov) for stem in stems}


def run_studies(studies: dict[str, Study], *, backend: str, out: Path, jobs: int,
                progress: bool = True, log: IO[str] | None = None) -> dict[str, StudyRun]:
    """Run every study (resuming) into ``out/<stem>/``; returns what each run did.

    Raises
    ------
    KeyboardInterrupt
        When a run was interrupted (:class:`~orchestrator.dispatch.run.Terminated` for
        SIGTERM); its finished points are kept.
    """
    log = log or sys.stdout
    runs = {}
    for stem, study in studies.items():
        t0 = time.perf_counter()
        log.write(f"== {stem}: {study.description}\n")
        log.flush()
        try:
            # the paper's studies share one folder of relaxed states: a texture relaxed
            # for one figure is not relaxed again for another (builtin backend)
            summary = run_study(study, backend=backend, jobs=jobs, out=out / stem,
                                progress=progress, share_relaxed=out / RELAXED_DIR)
        except UnsupportedFeature as err:  # name the paper's study, not "<study>"
            raise ValueError(str(err).replace("<study>", f"study {stem!r}", 1)) from None
        runs[stem] = StudyRun(stem, study, summary, time.perf_counter() - t0)
        for line in summary.lines():
            log.write(f"   {line}\n")
        log.write(f"   {runs[stem].wall_s:.0f} s now; {runs[stem].compute_s:.0f} s of solver "
                  f"time in its points\n")
        log.flush()
        if summary.interrupted:
            raise Terminated() if summary.signum == signal.SIGTERM else KeyboardInterrupt()
    return runs


def finished_runs(studies: dict[str, Study], *, backend: str, out: Path) -> dict[str, StudyRun]:
    """What ``out/<stem>/`` holds for each study, without running anything: the plan of
    :func:`run_study`, each point's state read from its folder."""
    runs = {}
    for stem, study in studies.items():
        plan = plan_study(study, backend=backend, out=out / stem)
        for pp in plan.unique:
            try:
                status = read_status(pp.folder) or {}
            except ValueError:
                status = {}
            pp.state = DONE if is_done(pp.folder) else status.get("state", PENDING)
            pp.error = status.get("error") if pp.state == FAILED else None
        plan.sync_duplicates()
        runs[stem] = StudyRun(stem, study, RunSummary(plan, [], [], []), 0.0)
    return runs


def analyse_figures(paper: Paper, runs: dict[str, StudyRun], *, quick: bool,
                    figures: Iterable[str] | None = None, log: IO[str] | None = None
                    ) -> dict[str, tuple[FigureResult, list[Claim]]]:
    """Analyse and judge each asked-for figure whose points have all finished (done, or
    failed: the report names those); a figure with a point not run yet or still running
    is left out, so its earlier section stays (``log`` says so)."""
    log = log or sys.stdout
    out = {}
    for name in select_figures(paper, figures, quick):
        spec = paper.spec.figure(name)
        mine = {s: runs[s] for s in spec.studies if s in runs}
        if len(mine) < len(spec.studies) or not any(r.any_done for r in mine.values()):
            continue
        waiting = sum(r.unfinished for r in mine.values())
        if waiting:
            log.write(f"   {name}: {waiting} point(s) not finished (not run yet, or running); "
                      "its section is kept as it was\n")
            continue
        result = paper.analysers[name](FigureInput(spec, mine, quick))
        out[name] = (result, judge(spec, result.measured, quick=quick))
    return out


def _studies_of(paper: Paper, figures: list[str]) -> list[str]:
    stems: list[str] = []
    for name in figures:
        stems += [s for s in paper.spec.figure(name).studies if s not in stems]
    return stems


def reproduce(paper: Paper, *, quick: bool, backend: str = "builtin", out: Path | None = None,
              report: Path | None = None, jobs: int = 2, progress: bool = True,
              figures: Iterable[str] | None = None, log: IO[str] | None = None) -> int:
    """Run, analyse, plot and report ``paper`` (or some of its figures); returns the exit
    code (0: every point done, 1: some failed, 130: interrupted).

    Parameters
    ----------
    quick : bool
        Quick mode (the paper's overrides).
    backend : str
        ``builtin``, ``oommf`` or ``mumax3``.
    out, report : path, optional
        Runs and report folders (default :func:`default_out`, :func:`default_report`).
    jobs : int
        Points run at once.
    figures : names, optional
        Only these figures' studies (the report keeps the other figures' sections).
    """
    from orchestrator.papers.report import write_report

    log = log or sys.stdout
    names = select_figures(paper, figures, quick)
    out = Path(out) if out is not None else default_out(paper, quick, backend)
    report = Path(report) if report is not None else default_report(paper, quick, backend)
    t0 = time.perf_counter()
    studies = load_studies(paper, quick, _studies_of(paper, names))
    runs = run_studies(studies, backend=backend, out=out, jobs=jobs, progress=progress, log=log)
    run_wall = time.perf_counter() - t0
    log.write("== analysing\n")
    log.flush()
    done = analyse_figures(paper, runs, quick=quick, figures=names, log=log)
    path = write_report(paper, done, runs, report, quick=quick, backend=backend, out=out,
                        run_wall_s=run_wall, total_wall_s=time.perf_counter() - t0, log=log)
    log.write(f"report: {path}\n")
    failed = [p for r in runs.values() for p in r.summary.failed]
    return 1 if failed or any(r.summary.exit_code for r in runs.values()) else 0


def render(paper: Paper, *, quick: bool, backend: str = "builtin", out: Path | None = None,
           report: Path | None = None, figures: Iterable[str] | None = None,
           log: IO[str] | None = None) -> Path:
    """Write the report from the finished runs in ``out`` without running anything."""
    log = log or sys.stdout
    from orchestrator.papers.report import write_report

    names = select_figures(paper, figures, quick)
    out = Path(out) if out is not None else default_out(paper, quick, backend)
    report = Path(report) if report is not None else default_report(paper, quick, backend)
    t0 = time.perf_counter()
    runs = finished_runs(load_studies(paper, quick, _studies_of(paper, names)), backend=backend,
                         out=out)
    done = analyse_figures(paper, runs, quick=quick, figures=names, log=log)
    if not done:
        log.write(f"no figure of {paper.name} has a finished point in {out}; the report "
                  "keeps what it had\n")
    return write_report(paper, done, runs, report, quick=quick, backend=backend, out=out,
                        run_wall_s=0.0, total_wall_s=time.perf_counter() - t0, log=log)
