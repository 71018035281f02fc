"""The order of work for paper 000: load the studies, run them, analyse, plot, report.

:func:`load_studies` reads ``studies/janus/*.toml`` (with the quick overrides in quick
mode); :func:`run_studies` runs each through :func:`orchestrator.dispatch.run.run_study`
into ``<out>/<study file stem>/`` (finished points are reused, so a rerun only runs what
changed); :func:`reproduce` then analyses every figure (:mod:`.analyse`), draws it
(:mod:`.figures`) and writes the report (:mod:`.report`).
"""

from __future__ import annotations

import datetime as _dt

import dataclasses
import sys
import time
from pathlib import Path
from typing import IO

from mmstudy.resources import checkout_root, study_path
from orchestrator.dispatch.folders import read_status
from orchestrator.dispatch.run import RunSummary, run_study
from orchestrator.papers.janus import STUDIES
from orchestrator.papers.overrides import load_overrides, load_study_with_overrides
from orchestrator.study.model import Study

__all__ = ["StudyRun", "load_studies", "run_studies", "reproduce", "default_out",
           "default_report"]


@dataclasses.dataclass
class StudyRun:
    """One study file's run: its study, what :func:`run_study` did, and what it cost."""

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


def default_out(quick: bool, backend: str) -> Path:
    """``runs/janus[-quick]/<backend>/`` in the repository (git-ignored), or in the current
    directory for an installed mmstudy."""
    return _base() / "runs" / ("janus-quick" if quick else "janus") / backend


def default_report(quick: bool, backend: str) -> Path:
    """``reports/janus/<quick|full>[-<backend>]/`` (the built-in solver's has no suffix), in
    the repository or, for an installed mmstudy, in the current directory."""
    name = "quick" if quick else "full"
    return _base() / "reports" / "janus" / (name if backend == "builtin" else f"{name}-{backend}")


def load_studies(quick: bool, *, studies_dir: Path | None = None,
                 overrides: Path | None = None) -> dict[str, Study]:
    """The paper's studies by file stem (quick mode: with ``overrides`` applied).

    ``studies_dir`` defaults to the shipped ``studies/janus/`` and ``overrides`` to its
    ``quick.toml`` (found through :mod:`mmstudy.resources`, so an installed mmstudy has them).
    """
    studies_dir = Path(studies_dir) if studies_dir is not None else study_path("janus")
    overrides = Path(overrides) if overrides is not None else study_path("janus/quick.toml")
    ov = load_overrides(overrides, studies=studies_dir) if quick else None
    return {stem: load_study_with_overrides(studies_dir / f"{stem}.toml", ov) for stem in STUDIES}


def run_studies(studies: dict[str, Study], *, backend: str, out: Path, jobs: int,
                progress: bool = True, log: IO[str] = sys.stdout) -> dict[str, StudyRun]:
    """Run every study (resuming) into ``out/<stem>/``; returns what each run did."""
    runs = {}
    for stem, study in studies.items():
        t0 = time.perf_counter()
        log.write(f"== {stem}: {study.description}\n")
        log.flush()
        summary = run_study(study, backend=backend, jobs=jobs, out=out / stem, progress=progress)
        runs[stem] = StudyRun(stem, study, summary, time.perf_counter() - t0)
        for line in summary.lines():
            log.write(f"   {line}\n")
        log.write(f"   {runs[stem].wall_s:.0f} s now; {runs[stem].compute_s:.0f} s of solver "
                  f"time in its points\n")
        log.flush()
        if summary.interrupted:
            raise KeyboardInterrupt
    return runs


def reproduce(*, quick: bool, backend: str = "builtin", out: Path | None = None,
              report: Path | None = None, jobs: int = 2, progress: bool = True,
              log: IO[str] = sys.stdout) -> int:
    """Run, analyse, plot and report paper 000; returns the exit code (0: every point done).

    Parameters
    ----------
    quick : bool
        Quick mode (``studies/janus/quick.toml``).
    backend : str
        ``builtin``, ``oommf`` or ``mumax3``.
    out : path, optional
        Runs folder (default :func:`default_out`).
    report : path, optional
        Report folder (default :func:`default_report`).
    jobs : int
        Points run at once.
    """
    from orchestrator.papers.janus import analyse, figures
    from orchestrator.papers.janus import report as report_mod

    out = Path(out) if out is not None else default_out(quick, backend)
    report = Path(report) if report is not None else default_report(quick, backend)
    t0 = time.perf_counter()
    studies = load_studies(quick)
    runs = run_studies(studies, backend=backend, out=out, jobs=jobs, progress=progress, log=log)
    run_wall = time.perf_counter() - t0
    log.write("== analysing\n")
    log.flush()
    results = analyse.analyse_all(runs)
    report.mkdir(parents=True, exist_ok=True)
    pngs = figures.draw_all(results, report)
    path = report_mod.write_report(results, runs, report, pngs=pngs, quick=quick, backend=backend,
                                   out=out, run_wall_s=run_wall,
                                   total_wall_s=time.perf_counter() - t0)
    report_mod.write_index(report.parent)
    log.write(f"report: {path}\n")
    for line in report_mod.headline(results):
        log.write(f"   {line}\n")
    failed = [p for r in runs.values() for p in r.summary.failed]
    return 1 if failed or any(r.summary.exit_code for r in runs.values()) else 0
