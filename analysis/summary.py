"""Human-readable summaries of an OVF file, a table or a run (``mmstudy info``)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

from analysis.ovf import read_ovf_header
from analysis.ovf_header import OVFHeader
from analysis.runs import OVF_SUFFIXES, open_run
from analysis.tables import read_table
from mmstudy.layout import TABLE_FILE

__all__ = ["describe"]


def _length(x: float) -> str:
    return f"{x * 1e9:g} nm"


def _mesh_lines(nodes, cell, pmin, pmax) -> list[str]:
    n = int(np.prod(nodes))
    return [
        f"mesh      {nodes[0]} x {nodes[1]} x {nodes[2]} cells ({n} cells)",
        f"cell      {' x '.join(_length(c) for c in cell)}",
        f"extent    x {_length(pmin[0])} .. {_length(pmax[0])}, "
        f"y {_length(pmin[1])} .. {_length(pmax[1])}, z {_length(pmin[2])} .. {_length(pmax[2])}",
    ]


def _describe_header(h: OVFHeader) -> str:
    lines = [
        f"OVF {h.version}.0 file {h.path}",
        f"title     {h.title}",
        *_mesh_lines(h.nodes, h.cell, h.pmin, h.pmax),
        f"values    {h.valuedim} per cell: {' '.join(h.labels)} [{' '.join(h.units)}]",
        f"data      {h.representation}",
        f"time      {h.time:g} s" if h.time is not None else "time      (not recorded)",
    ]
    lines += [f"{k:<9} {v}" for k, v in h.extras.items()]
    return "\n".join(lines)


def _describe_table(path: Path) -> str:
    df = read_table(path)
    units = df.attrs.get("units", {})
    lines = [f"{df.attrs.get('format', 'table')} table {path}", f"rows      {len(df)}"]
    if "t" in df and len(df):
        lines.append(f"time      {df['t'].iloc[0]:g} .. {df['t'].iloc[-1]:g} s")
    lines.append("columns   " + ", ".join(
        f"{c} [{units.get(c)}]" if units.get(c) else c for c in df.columns))
    return "\n".join(lines)


def _describe_dataset(ds: xr.Dataset) -> str:
    lines = [f"{ds.attrs.get('kind', '?')} run {ds.attrs.get('source', '')}"]
    if "cell" in ds.attrs:
        nodes = (ds.sizes.get("x", 0), ds.sizes.get("y", 0), ds.sizes.get("z", 0))
        lines += _mesh_lines(nodes, ds.attrs["cell"], ds.attrs["pmin"], ds.attrs["pmax"])
    if ds.attrs.get("pbc"):
        lines.append(f"periodic  {ds.attrs['pbc']}")
    for dim in ("t", "t_table"):
        if dim in ds.sizes:
            if dim in ds.coords and ds.sizes[dim]:
                t = ds[dim].values
                lines.append(f"{dim:<9} {ds.sizes[dim]} frames, {np.nanmin(t):g} .. {np.nanmax(t):g} s")
            else:
                lines.append(f"{dim:<9} {ds.sizes[dim]} frames (no times recorded)")
    fields = [v for v in ds.data_vars if {"x", "y", "z"} <= set(ds[v].dims)]
    columns = [v for v in ds.data_vars if v not in fields]
    if fields:
        lines.append("fields    " + ", ".join(
            f"{v} [{ds[v].attrs.get('units', '')}] {tuple(ds[v].dims)}" for v in fields))
    if columns:
        lines.append(f"table     {len(columns)} columns: " + ", ".join(columns))
    return "\n".join(lines)


def describe(path: str | os.PathLike, *, basename: str | None = None) -> str:
    """Summarise an OVF file, a table, or a run folder as a few lines of text.

    Parameters
    ----------
    path : path
        An OVF file (``.ovf/.omf/.ohf/.oef``), a table (``.odt``, ``table.txt``),
        or anything :func:`analysis.open_run` accepts.
    basename : str, optional
        OOMMF basename, for a folder holding several runs.

    Returns
    -------
    str

    Examples
    --------
    >>> print(describe("tests/data/oommf/ovf2-text-m.omf").splitlines()[2])
    mesh      12 x 8 x 2 cells (192 cells)
    """
    p = Path(path)
    if p.is_file() and p.suffix.lower() in OVF_SUFFIXES:
        return _describe_header(read_ovf_header(p))
    if p.is_file() and (p.suffix.lower() == ".odt" or p.name == TABLE_FILE):
        return _describe_table(p)
    return _describe_dataset(open_run(p, basename=basename))
