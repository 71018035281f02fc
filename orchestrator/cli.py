"""The ``mmstudy`` command line.

Sub-commands so far: ``info`` (summarise a file or run) and ``export`` (a run to
netCDF/zarr). The study, run and sweep commands join here as they land.
"""

from __future__ import annotations

from pathlib import Path

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


if __name__ == "__main__":  # pragma: no cover
    app()
