"""The ``mmstudy`` command line.

Sub-commands: ``info`` (summarise a file or run), ``export`` (a run to
netCDF/zarr), ``analyze`` (detect, track and summarise skyrmions), ``run`` (run a
study's points, :mod:`orchestrator.dispatch`), ``scripts`` (write them without running),
``solvers`` (which solvers were found) and ``paper`` (reproduce a paper: ``paper list``,
``paper run NAME``, ``paper report NAME``; :mod:`orchestrator.papers.cli`).
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from pathlib import Path

import click
import numpy as np
import typer
from typer.core import TyperGroup

from analysis.errors import FormatError
from mmstudy.layout import MANIFEST_FILE
from orchestrator.papers.cli import paper_app

_DEBUG_KEY = "mmstudy.debug"


def _debug(ctx: click.Context | None = None) -> bool:
    """--debug on the command line, or MMSTUDY_DEBUG=1 in the environment."""
    if os.environ.get("MMSTUDY_DEBUG", "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    return bool(ctx is not None and ctx.meta.get(_DEBUG_KEY))


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that describe a user's mistake (a path, a file, a value), not a bug."""
    from orchestrator.backends.base import SolverNotFound
    from orchestrator.dispatch.run import OutputLocked

    # ValueError covers FormatError, StudyError, UnsupportedFeature, ClusterError and
    # UnicodeDecodeError; OSError covers missing, unreadable, existing files and folders.
    return (ValueError, OSError, SolverNotFound, OutputLocked)


class _GuardedGroup(TyperGroup):
    """Every command's user errors become one line on stderr and exit status 2.

    A traceback is shown only with ``--debug`` or ``MMSTUDY_DEBUG=1``; a bug (any other
    exception) keeps its traceback.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except _user_errors() as err:
            if _debug(ctx):
                raise
            _fail(err)


app = typer.Typer(
    name="mmstudy",
    help="Micromagnetic studies: run them on OOMMF, mumax3 or the built-in solver; "
    "read and analyse what they write.",
    no_args_is_help=True,
    add_completion=False,
    cls=_GuardedGroup,
)
app.add_typer(paper_app, name="paper",
              help="Reproduce papers: list them, run one (its studies, analysis, figures "
                   "and report), or write its report again from finished runs.")


@app.callback()
def _main(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug",
                               help="show the full traceback of an error (also MMSTUDY_DEBUG=1)"),
):
    """Micromagnetic studies: run them on OOMMF, mumax3 or the built-in solver; read and
    analyse what they write."""
    ctx.meta[_DEBUG_KEY] = debug


# The library's refusals name both spellings ("pass overwrite=True, or --force ..."); on
# the command line only the flag exists.
_OVERWRITE_HINT = re.compile(r"\(?pass overwrite=True[^)\n]*\)?")
# ... and so do the refusals of a bad snapshot (analysis.runs.SKIP_HINT)
_SKIP_HINT = re.compile(r"\(pass skip_bad_frames=True[^)\n]*\)")


def _fail(err: Exception) -> None:
    text = str(err) or type(err).__name__
    if isinstance(err, FileExistsError):
        text = _OVERWRITE_HINT.sub("(pass --force to replace it)", text)
    text = _SKIP_HINT.sub("(pass --skip-bad-frames to leave such frames out)", text)
    if isinstance(err, OSError) and err.filename is not None and str(err.filename) not in text:
        text = f"{err.filename}: {text}"
    typer.secho(f"error: {text}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@app.command()
def info(
    path: Path = typer.Argument(..., help="OVF file, table (.odt, table.txt), run folder or "
                                          "the output folder of `mmstudy run`"),
    basename: str = typer.Option(None, help="OOMMF basename, when a folder holds several runs"),
):
    """Summarise an OVF file, a table or a run: mesh, cells, times, fields, columns; or a
    sweep (the output folder of `mmstudy run`): its points, their states and swept values."""
    from analysis.summary import describe

    try:
        typer.echo(describe(path, basename=basename))
    except (FormatError, FileNotFoundError) as err:
        _fail(err)


_SKIP_OPTION_HELP = ("leave out snapshot files that are truncated or corrupt (each is named "
                     "on stderr) instead of refusing the run")


@contextlib.contextmanager
def _report_skipped_frames():
    """One line on stderr per frame that open_run(..., skip_bad_frames=True) left out,
    "skipped frame <file>: <reason>"; other warnings pass through as they are."""
    from analysis.runs import SkippedFrameWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SkippedFrameWarning)
        try:
            yield
        finally:
            others = []
            for w in caught:
                if issubclass(w.category, SkippedFrameWarning):
                    typer.secho(str(w.message), fg=typer.colors.YELLOW, err=True)
                else:
                    others.append(w)
    for w in others:  # outside catch_warnings: shown as the filters say
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


@app.command()
def export(
    run: Path = typer.Argument(..., help="run folder, .mif or .mx3 file, ubermag drive or "
                                         "system folder, or the output folder of `mmstudy "
                                         "run` (a sweep)"),
    to: Path = typer.Option(..., "--to", help="target file: out.nc (netCDF) or out.zarr"),
    basename: str = typer.Option(None, help="OOMMF basename, when a folder holds several runs"),
    force: bool = typer.Option(False, "--force", help="replace an existing target"),
    skip_bad_frames: bool = typer.Option(False, "--skip-bad-frames", help=_SKIP_OPTION_HELP),
):
    """Export a run (all snapshots and the table) to netCDF or zarr.

    On the output folder of `mmstudy run` (a sweep), its finished points are combined
    into one Dataset (analysis.open_runs: the swept parameters as dimensions); so are the
    ubermag system folders in a folder (a `system` dimension)."""
    from analysis.export import export_dataset
    from analysis.runs import open_run, open_runs
    from analysis.summary import sweep_manifest
    from analysis.ubermag import holds_systems

    try:
        if to.exists() and not force:  # before opening anything
            raise FileExistsError(f"{to} already exists; pass --force to replace it")
        with _report_skipped_frames():
            if run.is_dir() and (sweep_manifest(run) is not None or holds_systems(run)):
                ds = open_runs(run, basename=basename, skip_bad_frames=skip_bad_frames)
            else:
                ds = open_run(run, basename=basename, skip_bad_frames=skip_bad_frames)
        out = export_dataset(ds, to, overwrite=force)
    except (FormatError, FileNotFoundError, FileExistsError, ValueError) as err:
        _fail(err)
    typer.echo(f"wrote {out}")


def _number_or_text(text: str) -> float | str:
    """A plain number as a float (metres), anything else as written ('20 nm')."""
    try:
        return float(text)
    except ValueError:
        return text.strip()


def _load_mask(spec: str, ds):
    """A boolean (y, x) mask from an OVF/.npy file (non-zero = inside) or 'x0,x1,y0,y1':
    lengths with units ('20 nm') or plain numbers in metres."""
    import numpy as np
    import xarray as xr

    from analysis.ovf import read_ovf

    path = Path(spec)
    if path.is_file():
        if path.suffix == ".npy":
            arr = np.load(path)
        else:
            field = read_ovf(path)
            arr = (np.abs(np.asarray(field.values)).sum(axis=-1) > 0).any(axis=0)
        arr = np.asarray(arr, dtype=bool)
        if arr.shape != (ds.sizes["y"], ds.sizes["x"]):
            raise ValueError(f"mask {spec}: shape {arr.shape}, expected (ny, nx) = "
                             f"{(ds.sizes['y'], ds.sizes['x'])}")
        return xr.DataArray(arr, dims=("y", "x"), coords={"y": ds.y, "x": ds.x})
    from orchestrator.study.units import UnitError, to_si

    parts = spec.split(",")
    if len(parts) != 4:
        raise ValueError(f"mask {spec!r}: expected a file (.ovf/.npy) or 'x0,x1,y0,y1' "
                         "(lengths: '20 nm', or a number in metres)")
    try:
        x0, x1, y0, y1 = (to_si(_number_or_text(v), "m") for v in parts)
    except UnitError as err:
        raise ValueError(f"mask {spec!r}: {err}") from None
    return ((ds.x >= x0) & (ds.x <= x1) & (ds.y >= y0) & (ds.y <= y1)).transpose("y", "x")


@app.command()
def analyze(
    run: Path = typer.Argument(..., help="run folder, .mif or .mx3 file"),
    out: Path = typer.Option(None, "--out", help="output folder (default RUN_analysis/ beside the run)"),
    drive: str = typer.Option(None, "--drive",
                              help="drive direction for the Hall angle: x, -y, an angle in degrees, or dx,dy"),
    mask: str = typer.Option(None, "--mask",
                             help="count objects inside: an OVF or .npy file (non-zero = inside), "
                                  "or a box 'x0,x1,y0,y1' of lengths ('0 nm,20 nm,0,40 nm'; "
                                  "a plain number is metres)"),
    basename: str = typer.Option(None, help="OOMMF basename, when a folder holds several runs"),
    pbc: str = typer.Option(None, help="periodic axes, e.g. xy (default: from the run)"),
    method: str = typer.Option("lattice", help="topological charge: lattice (Berg–Lüscher, "
                                               "default), fd2 or fd4"),
    stage: str = typer.Option(None, "--stage", help="frames to analyse: a stage index, 'all', "
                                                    "or (default) the last evolve stage"),
    force: bool = typer.Option(False, "--force", help="replace existing output files"),
    skip_bad_frames: bool = typer.Option(False, "--skip-bad-frames", help=_SKIP_OPTION_HELP),
):
    """Detect and track skyrmions: trajectories.csv, summary.json and PNG pictures.

    On the output folder of `mmstudy run` (a sweep), every finished point is analysed
    into OUT/<id>/ (default SWEEP_analysis/), with one row per point in OUT/points.csv.
    """
    from analysis.analyze import analyze as run_analysis
    from analysis.analyze import parse_drive, summary_lines, write_analysis

    if stage is not None and re.fullmatch(r"-?\d+", stage.strip()):
        stage = int(stage)  # a stage index; else 'all' or 'last_evolve' 
    from analysis.runs import open_run
    from analysis.ubermag import analysis_dir
    from orchestrator.dispatch.sweep_analysis import analyze_sweep, sweep_points

    def one_point(path: Path, target: Path):
        with _report_skipped_frames():
            ds = open_run(path, basename=basename, pbc=pbc, skip_bad_frames=skip_bad_frames)
        result = run_analysis(ds, drive=parse_drive(drive),
                              mask=_load_mask(mask, ds) if mask else None, method=method,
                              stage=stage)
        write_analysis(result, ds, target, overwrite=force)
        return result

    try:
        if sweep_points(run) is not None:
            files = analyze_sweep(run, out, analyze_one=one_point, echo=typer.echo,
                                  overwrite=force)
            typer.echo(f"wrote {len(files) - 1} point analyses and {files[-1]}")
            return
        with _report_skipped_frames():
            ds = open_run(run, basename=basename, pbc=pbc, skip_bad_frames=skip_bad_frames)
        result = run_analysis(ds, drive=parse_drive(drive),
                              mask=_load_mask(mask, ds) if mask else None,
                              method=method, stage=stage, progress=True)
        # an ubermag drive's analysis goes beside its system folder, not into it
        target = (out or analysis_dir(run)
                  or run.with_name(run.name.removesuffix(".out") + "_analysis"))
        files = write_analysis(result, ds, target, overwrite=force)
    except (FormatError, FileNotFoundError, FileExistsError, ValueError) as err:
        _fail(err)
    for line in summary_lines(result.summary):
        typer.echo(line)
    typer.echo("wrote " + ", ".join(str(f) for f in files))


# --------------------------------------------------------------------------- studies


def _study_errors():
    from orchestrator.backends.base import SolverNotFound, UnsupportedFeature
    from orchestrator.dispatch.cluster import ClusterError
    from orchestrator.dispatch.run import OutputLocked
    from orchestrator.study.load import StudyError

    return (StudyError, UnsupportedFeature, SolverNotFound, ClusterError, OutputLocked,
            FileNotFoundError, FileExistsError, ValueError)


@app.command()
def run(
    study: Path = typer.Argument(..., help="study file (.toml)"),
    backend: str = typer.Option(None, "--backend",
                                help="auto, builtin, oommf or mumax3 (default: the study's "
                                     "run.backend, else auto: the first installed solver "
                                     "that supports the study, in the order mumax3, oommf, "
                                     "builtin)"),
    jobs: int = typer.Option(None, "--jobs", "-j", min=1,
                             help="points at once on this machine (default: the study's run.jobs)"),
    out: Path = typer.Option(None, "--out",
                             help="output folder (default: runs/<study name>/ in the current "
                                  "directory)"),
    retry_failed: bool = typer.Option(False, "--retry-failed",
                                      help="rerun points that failed before"),
    scheduler: str = typer.Option(None, "--scheduler",
                                  help="run on the Dask scheduler at this address (the output "
                                       "folder must be on a filesystem the workers share)"),
    cluster: bool = typer.Option(False, "--cluster",
                                 help="start a Dask cluster from the study's \\[run.cluster] "
                                      "section (slurm, pbs or local)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
    force: bool = typer.Option(False, "--force",
                               help="use an output folder that holds another study's runs (its "
                                    "manifest is kept as manifest.<n>.json)"),
    share_relaxed: bool = typer.Option(False, "--share-relaxed",
                                       help="points whose first stage (minimize or relax) is "
                                            "the same computation relax once and share the "
                                            "state, kept in OUT/relaxed/ (built-in solver; "
                                            "recorded in the point.json of points new to OUT)"),
):
    """Run every point of a study, one folder per point; rerunning resumes.

    Each point runs in its own worker process (or Dask task) in OUT/<id>/ (point.json,
    params.json, the scripts, log.txt, status.json, run.out/); OUT/manifest.json lists
    them all. Points already done are skipped; failed ones are rerun only with
    --retry-failed; interrupted ones are rerun, their earlier files kept in
    OUT/<id>/attempts/<n>/. Ctrl-C and SIGTERM keep finished points and mark running
    ones interrupted. A study with a \\[sweep.refine] section runs generations: the coarse
    grid, then the midpoints where the outcome changes, until none is added (each
    generation is printed). Exit status: 0 all done, 1 some failed, 2 bad study or
    options, 130 interrupted (Ctrl-C), 143 stopped by SIGTERM.
    """
    from orchestrator.dispatch.run import Terminated, plan_study, run_study

    def generation(g: int, points) -> None:
        name = plan.refine.lattice.parameter
        values = ", ".join(str(p.point.given[name]) for p in points)
        typer.echo(f"generation {g}: {len(points)} new point(s), {name} = {values}")

    try:
        plan = plan_study(study, backend=backend, out=out)
        if plan.refine is not None:
            added = plan.refine.added
            typer.echo(f"refining along {plan.refine.lattice.parameter}: "
                       f"{plan.refine.coarse} coarse point(s)"
                       + (f" + {sum(added)} midpoint(s) in {len(added)} generation(s) "
                          "from the outcomes so far" if added else ""))
        summary = run_study(None, plan=plan, jobs=jobs, retry_failed=retry_failed,
                            scheduler=scheduler, cluster=cluster, progress=not quiet,
                            force=force, share_relaxed=share_relaxed,
                            on_generation=generation)
    except _study_errors() as err:
        _fail(err)
    except KeyboardInterrupt as err:  # before any point started: nothing to keep
        term = isinstance(err, Terminated)
        typer.echo("stopped by SIGTERM" if term else "interrupted")
        raise typer.Exit(code=143 if term else 130) from None
    for line in summary.lines():
        typer.secho(line, fg=typer.colors.RED if line.lstrip().startswith("failed") else None,
                    )
    raise typer.Exit(code=summary.exit_code)


@app.command()
def scripts(
    study: Path = typer.Argument(..., help="study file (.toml)"),
    backend: str = typer.Option(..., "--backend", help="mumax3, oommf or builtin"),
    out: Path = typer.Option(..., "--out", help="output folder"),
    force: bool = typer.Option(False, "--force",
                               help="use an output folder that holds another study's runs (its "
                                    "manifest is kept as manifest.<n>.json)"),
):
    """Write every point's folder and scripts without running them (to submit yourself).

    Each OUT/<id>/ gets point.json, params.json and the backend's script(s);
    OUT/manifest.json (and manifest.csv) list the points. Run one later with the solver
    on its script, or with `python -m orchestrator.dispatch.worker OUT/<id>`. An output
    folder holding another study's manifest is refused unless --force.
    """
    from orchestrator.dispatch.run import plan_study, render_scripts

    if backend == "auto":
        _fail(ValueError("--backend: name the backend whose scripts to write "
                         "(mumax3, oommf or builtin), not auto"))
    try:
        plan = plan_study(study, backend=backend, out=out)
        result = render_scripts(None, backend=backend, out=out, plan=plan,
                                force=force)
    except _study_errors() as err:
        _fail(err)
    typer.echo(f"{len(plan.points)} point(s), {len(plan.unique)} distinct, for "
               f"{plan.backend.name} in {plan.out}: {len(result.rendered)} rendered"
               + (f", {len(result.existing)} already there (left alone)"
                  if result.existing else ""))
    typer.echo(f"manifest: {plan.out / MANIFEST_FILE}")


@app.command()
def solvers():
    """List the backends: whether each solver was found and how, its version, and the
    study features it supports."""
    from rich.console import Console

    from orchestrator.dispatch.solvers import features_table, solver_rows, solvers_table

    rows = solver_rows()
    console = Console()
    console.print(solvers_table(rows))
    console.print(features_table(rows))


if __name__ == "__main__":  # pragma: no cover
    app()
