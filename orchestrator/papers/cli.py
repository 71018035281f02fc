"""The command line of the paper reproductions: ``mmstudy paper list|run|report``.

The same commands run as ``python -m orchestrator.papers list|run|report`` (:func:`main`);
``make <paper>`` and ``make <paper>-quick`` call ``run``.

- ``list``: every paper of ``orchestrator/papers/`` with its number, title, figures, the
  time its quick and full modes take, and whether it is complete (``--names``: only the
  names, for scripts).
- ``run NAME``: run its studies (finished points are reused), analyse, draw and write the
  report (:func:`orchestrator.papers.pipeline.reproduce`); ``--figure`` runs some figures
  only and keeps the other figures' sections.
- ``report NAME``: write the report again from the finished runs, running nothing
  (:func:`orchestrator.papers.pipeline.render`).

A user's mistake (an unknown paper or figure, a bad ``paper.toml`` or study file) is one
``error:`` line and exit status 2: under ``mmstudy`` the main app's guard catches it, under
:func:`main` the same guard wraps these commands.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path

import typer

__all__ = ["paper_app", "main", "PROG"]

#: the program name of :func:`main` (``python -m orchestrator.papers``)
PROG = "python -m orchestrator.papers"

HELP = ("Reproduce papers: run a paper's studies, analyse them and write its report "
        "(reports/<paper>/); list the papers.")

paper_app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False)


class Backend(str, enum.Enum):
    """The solvers a paper runs on."""

    builtin = "builtin"
    oommf = "oommf"
    mumax3 = "mumax3"


_QUICK = typer.Option(False, "--quick", help="quick mode: the paper's overrides (coarser "
                                             "cells, shorter runs; reports/<paper>/quick/)")
_BACKEND = typer.Option(Backend.builtin, "--backend", help="solver (default: builtin)")
_FIGURE = typer.Option(None, "--figure", "-f", help="only this figure (repeatable); the "
                                                    "report keeps the other figures' sections")
_OUT = typer.Option(None, "--out", help="runs folder (default runs/<paper>[-quick]/<backend>/ "
                                        "in the repository, or in the current directory "
                                        "when mmstudy is installed)")
_REPORT = typer.Option(None, "--report", help="report folder (default "
                                              "reports/<paper>/<quick|full>[-<backend>]/)")


def _paper(name: str, figures: list[str] | None, quick: bool):
    """The paper ``name`` and the figures asked for, or a ValueError a user can act on:
    an unknown paper (names the papers), an unknown figure (names the figures), a paper
    that is not complete (names what it lacks)."""
    from orchestrator.papers import pipeline, registry

    paper = registry.get(name)  # UnknownPaper (a ValueError) names the papers
    try:
        names = pipeline.select_figures(paper, figures, quick)
    except KeyError as err:  # "paper janus has no figure 'x' (it has fig1, ...)"
        raise ValueError(err.args[0] if err.args else str(err)) from None
    problems = paper.problems()
    if problems:
        raise ValueError(f"paper {name} is not complete ({len(problems)} problem"
                         f"{'s' if len(problems) > 1 else ''}): " + "; ".join(problems))
    return paper, names


@paper_app.command("list")
def list_papers(
    names_only: bool = typer.Option(False, "--names", help="only the names, one per line"),
):
    """List the papers, one line each.

    Each line: the name, the paper's number and title, its figures, how long its quick
    and full modes take, and whether it is complete (its study files, templates,
    analyses and drawings are all there). Exit status 1 when a paper cannot be loaded."""
    from orchestrator.papers import registry

    if names_only:
        for name in registry.names():
            typer.echo(name)
        return
    broken = 0
    for name in registry.names():
        try:
            paper = registry.get(name)
            problems = paper.problems()
        except (ValueError, TypeError, ImportError, OSError) as err:
            # a bad paper.toml, no PAPER, a studies folder that is not there
            broken += 1
            typer.echo(f"{name}: cannot be loaded: {(str(err) or type(err).__name__).strip()}")
            continue
        spec = paper.spec
        state = ("complete" if not problems else
                 f"not complete ({len(problems)} problem{'s' if len(problems) > 1 else ''}, "
                 f"first: {problems[0]})")
        typer.echo(f"{name}: paper {spec.number}, {spec.title}; figures "
                   f"{', '.join(f.name for f in spec.figures)}; quick {spec.quick_time or '?'}"
                   f", full {spec.full_time or '?'}; {state}")
    if broken:
        raise typer.Exit(code=1)


@paper_app.command("run")
def run_paper(
    name: str = typer.Argument(..., help="the paper (`list` names them)"),
    quick: bool = _QUICK,
    backend: Backend = _BACKEND,
    jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="points at once (default 2)"),
    figure: list[str] = _FIGURE,
    out: Path = _OUT,
    report: Path = _REPORT,
    no_progress: bool = typer.Option(False, "--no-progress", help="no progress bars"),
):
    """Reproduce a paper: run its studies, analyse them and write its report.

    Finished points are reused, so a rerun resumes. Each figure is analysed, its claims
    judged, its PNGs drawn and its section of the report written.
    Exit status: 0 every point done, 1 some failed, 2 a bad paper, figure, study or
    option, 130 interrupted (Ctrl-C), 143 stopped by SIGTERM."""
    from orchestrator.dispatch.run import Terminated
    from orchestrator.papers import pipeline

    paper, names = _paper(name, figure, quick)
    try:
        code = pipeline.reproduce(paper, quick=quick, backend=backend.value, out=out,
                                  report=report, jobs=jobs, progress=not no_progress,
                                  figures=names, log=sys.stdout)
    except KeyboardInterrupt as err:
        term = isinstance(err, Terminated)
        typer.echo(("stopped by SIGTERM" if term else "interrupted")
                   + ": finished points are kept; run the same command again to resume",
                   err=True)
        raise typer.Exit(code=143 if term else 130) from None
    raise typer.Exit(code=code)


@paper_app.command("report")
def report_paper(
    name: str = typer.Argument(..., help="the paper (`list` names them)"),
    quick: bool = _QUICK,
    backend: Backend = _BACKEND,
    figure: list[str] = _FIGURE,
    out: Path = _OUT,
    report: Path = _REPORT,
):
    """Write a paper's report again from its finished runs, running nothing.

    A figure with no finished point keeps the section an earlier pass wrote."""
    from orchestrator.papers import pipeline

    paper, names = _paper(name, figure, quick)
    path = pipeline.render(paper, quick=quick, backend=backend.value, out=out, report=report,
                           figures=names, log=sys.stdout)
    typer.echo(f"report: {path}")


def main(argv: list[str] | None = None, prog_name: str = PROG) -> int:
    """Run the paper commands as a program of their own (``python -m orchestrator.papers``),
    with the guard of ``mmstudy`` (a user's mistake: one ``error:`` line, exit status 2);
    returns the exit status."""
    from orchestrator.cli import _GuardedGroup

    group = typer.main.get_command(paper_app)
    guarded = _GuardedGroup(name=prog_name, commands=group.commands, help=group.help,
                            no_args_is_help=True)
    try:
        guarded.main(args=argv, prog_name=prog_name, standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0
