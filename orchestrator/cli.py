"""The ``mmstudy`` command line.

Sub-commands so far: ``info`` (summarise a file or run), ``export`` (a run to
netCDF/zarr) and ``analyze`` (detect, track and summarise skyrmions). The study,
run and sweep commands join here as they land.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from analysis.errors import FormatError

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
    """Detect and track skyrmions: trajectories.csv, summary.json and PNG pictures."""
    from analysis.analyze import analyze as run_analysis
    from analysis.analyze import parse_drive, write_analysis
    from analysis.runs import open_run

    try:
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


if __name__ == "__main__":  # pragma: no cover
    app()
