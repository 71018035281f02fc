"""The ``mmstudy`` command line.

Sub-commands: ``info`` (summarise a file or run), ``export`` (a run to
netCDF/zarr), ``analyze`` (detect, track and summarise skyrmions), ``run`` (run a
study's points, :mod:`orchestrator.dispatch`), ``scripts`` (write them without running)
and ``solvers`` (which solvers were found).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from analysis.errors import FormatError
from mmstudy.layout import MANIFEST_FILE

app = typer.Typer(
    name="mmstudy",
    help="Micromagnetic studies: run them on OOMMF, mumax3 or the built-in solver; "
    "read and analyse what they write.",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(err: Exception) -> None:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@app.command()
def info(
    path: Path = typer.Argument(..., help="OVF file, table (.odt, table.txt) or run folder"),
    basename: str = typer.Option(None, help="OOMMF basename, when a folder holds several runs"),
):
    """Summarise an OVF file, a table or a run: mesh, cells, times, fields, columns."""
    from analysis.summary import describe

    try:
        typer.echo(describe(path, basename=basename))
    except (FormatError, FileNotFoundError) as err:
        _fail(err)


@app.command()
def export(
    run: Path = typer.Argument(..., help="run folder, .mif or .mx3 file"),
    to: Path = typer.Option(..., "--to", help="target file: out.nc (netCDF) or out.zarr"),
    basename: str = typer.Option(None, help="OOMMF basename, when a folder holds several runs"),
    force: bool = typer.Option(False, "--force", help="replace an existing target"),
):
    """Export a run (all snapshots and the table) to netCDF or zarr."""
    from analysis.export import export_dataset
    from analysis.runs import open_run

    try:
        ds = open_run(run, basename=basename)
        out = export_dataset(ds, to, overwrite=force)
    except (FormatError, FileNotFoundError, FileExistsError, ValueError) as err:
        _fail(err)
    typer.echo(f"wrote {out}")


def _load_mask(spec: str, ds):
    """A boolean (y, x) mask from an OVF/.npy file (non-zero = inside) or 'x0,x1,y0,y1' in metres."""
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
    try:
        x0, x1, y0, y1 = (float(v) for v in spec.split(","))
    except ValueError:
        raise ValueError(f"mask {spec!r}: expected a file (.ovf/.npy) or 'x0,x1,y0,y1' in metres") \
            from None
    return ((ds.x >= x0) & (ds.x <= x1) & (ds.y >= y0) & (ds.y <= y1)).transpose("y", "x")


@app.command()
def analyze(
    run: Path = typer.Argument(..., help="run folder, .mif or .mx3 file"),
    out: Path = typer.Option(None, "--out", help="output folder (default RUN_analysis/ beside the run)"),
    drive: str = typer.Option(None, "--drive",
                              help="drive direction for the Hall angle: x, -y, an angle in degrees, or dx,dy"),
    mask: str = typer.Option(None, "--mask",
                             help="count objects inside: an OVF or .npy file (non-zero = inside), "
                                  "or 'x0,x1,y0,y1' in metres"),
    basename: str = typer.Option(None, help="OOMMF basename, when a folder holds several runs"),
    pbc: str = typer.Option(None, help="periodic axes, e.g. xy (default: from the run)"),
    method: str = typer.Option("fd2", help="topological charge: fd2, fd4 or lattice"),
    force: bool = typer.Option(False, "--force", help="replace existing output files"),
):
    """Detect and track skyrmions: trajectories.csv, summary.json and PNG pictures.

    On the output folder of `mmstudy run` (a sweep), every finished point is analysed
    into OUT/<id>/ (default SWEEP_analysis/), with one row per point in OUT/points.csv.
    """
    from analysis.analyze import analyze as run_analysis
    from analysis.analyze import parse_drive, write_analysis
    from analysis.runs import open_run
    from orchestrator.dispatch.sweep_analysis import analyze_sweep, sweep_points

    def one_point(path: Path, target: Path):
        ds = open_run(path, basename=basename, pbc=pbc)
        result = run_analysis(ds, drive=parse_drive(drive),
                              mask=_load_mask(mask, ds) if mask else None, method=method)
        write_analysis(result, ds, target, overwrite=force)
        return result

    try:
        if sweep_points(run) is not None:
            files = analyze_sweep(run, out, analyze_one=one_point, echo=typer.echo,
                                  overwrite=force)
            typer.echo(f"wrote {len(files) - 1} point analyses and {files[-1]}")
            return
        ds = open_run(run, basename=basename, pbc=pbc)
        result = run_analysis(ds, drive=parse_drive(drive),
                              mask=_load_mask(mask, ds) if mask else None,
                              method=method, progress=True)
        target = out or run.with_name(run.name.removesuffix(".out") + "_analysis")
        files = write_analysis(result, ds, target, overwrite=force)
    except (FormatError, FileNotFoundError, FileExistsError, ValueError) as err:
        _fail(err)
    s = result.summary
    typer.echo(f"{s['frames']} frames, {len(s['tracks'])} track(s), Q(last frame) = "
               + ", ".join(f"{q:.3f}" for q in s["Q_last_frame"]))
    for tr in s["tracks"]:
        v = tr.get("velocity_m_per_s")
        line = f"  track {tr['track']}: Q = {tr['Q']:.2f}, r = {tr['r_contour_m'] * 1e9:.2f} nm"
        if v:
            line += f", v = ({v['vx']:.3g}, {v['vy']:.3g}) m/s"
        if "hall_angle_rad" in tr:
            line += f", Hall angle {np.degrees(tr['hall_angle_rad']):.1f} deg"
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
):
    """Run every point of a study, one folder per point; rerunning resumes.

    Each point runs in its own worker process (or Dask task) in OUT/<id>/ (point.json,
    params.json, the scripts, log.txt, status.json, run.out/); OUT/manifest.json lists
    them all. Points already done are skipped; failed ones are rerun only with
    --retry-failed; interrupted ones are rerun, their earlier files kept in
    OUT/<id>/attempts/<n>/. Exit status: 0 all done, 1 some failed, 2 bad study or
    options, 130 interrupted (Ctrl-C).
    """
    from orchestrator.dispatch.run import plan_study, run_study

    try:
        plan = plan_study(study, backend=backend, out=out)
        summary = run_study(None, plan=plan, jobs=jobs, retry_failed=retry_failed,
                            scheduler=scheduler, cluster=cluster, progress=not quiet)
    except _study_errors() as err:
        _fail(err)
    except KeyboardInterrupt:  # before any point started: nothing to keep
        typer.echo("interrupted")
        raise typer.Exit(code=130) from None
    for line in summary.lines():
        typer.secho(line, fg=typer.colors.RED if line.lstrip().startswith("failed") else None,
                    )
    raise typer.Exit(code=summary.exit_code)


@app.command()
def scripts(
    study: Path = typer.Argument(..., help="study file (.toml)"),
    backend: str = typer.Option(..., "--backend", help="mumax3, oommf or builtin"),
    out: Path = typer.Option(..., "--out", help="output folder"),
):
    """Write every point's folder and scripts without running them (to submit yourself).

    Each OUT/<id>/ gets point.json, params.json and the backend's script(s);
    OUT/manifest.json (and manifest.csv) list the points. Run one later with the solver
    on its script, or with `python -m orchestrator.dispatch.worker OUT/<id>`.
    """
    from orchestrator.dispatch.run import plan_study, render_scripts

    if backend == "auto":
        _fail(ValueError("--backend: name the backend whose scripts to write "
                         "(mumax3, oommf or builtin), not auto"))
    try:
        plan = plan_study(study, backend=backend, out=out)
        result = render_scripts(None, backend=backend, out=out, plan=plan)
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
