"""Human-readable summaries of an OVF file, a table or a run (``mmstudy info``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import xarray as xr

from analysis.errors import FormatError
from analysis.ovf import check_ovf_data, read_ovf_header
from analysis.ovf_header import OVFHeader
from analysis.runs import OVF_SUFFIXES, open_run
from analysis.tables import read_table
from mmstudy.layout import MANIFEST_FILE, TABLE_FILE

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
    if "drivers" in ds.attrs:  # an ubermag drive or system folder (analysis.ubermag)
        version = f" {ds.attrs['adapter_version']}" if ds.attrs.get("adapter_version") else ""
        drives = ", ".join(f"drive-{n} {driver}" for n, driver in
                           zip(ds.attrs["drive_numbers"], ds.attrs["drivers"]))
        lines.append(f"ubermag   {ds.attrs.get('adapter', '?')}{version}: {drives}")
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


def sweep_manifest(path: str | os.PathLike) -> dict | None:
    """The ``manifest.json`` of an ``mmstudy run`` output folder, or ``None`` if ``path``
    is not one."""
    manifest = Path(path) / MANIFEST_FILE
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("points"), list):
        raise FormatError(manifest, "mmstudy's manifest: a JSON object with 'points'")
    return data


def _describe_sweep(path: Path, manifest: dict) -> str:
    points = [e for e in manifest["points"] if isinstance(e, dict)]
    counts: dict[str, int] = {}
    for e in points:
        counts[str(e.get("state", "?"))] = counts.get(str(e.get("state", "?")), 0) + 1
    names: list[str] = list(manifest.get("parameters") or [])
    for e in points:
        names += [k for k in (e.get("params") or {}) if k not in names]
    study = f" (study {manifest['study']})" if manifest.get("study") else ""
    lines = [f"sweep     {path}{study}",
             f"points    {len(points)} points: "
             + ", ".join(f"{n} {state}" for state, n in counts.items())]
    if manifest.get("backend"):
        lines.append(f"backend   {manifest['backend']}")
    for name in names:
        values = list(dict.fromkeys(str((e.get("params") or {}).get(name, "")) for e in points))
        lines.append(f"swept     {name}: {len(values)} values: {', '.join(values)}")
    if manifest.get("mode"):
        lines.append(f"mode      {manifest['mode']}")
    lines.append("point     state     " + "  ".join(names))
    for e in points:
        params = e.get("params") or {}
        lines.append(f"  {e.get('folder', '?')}  {str(e.get('state', '?')):<9} "
                     + "  ".join(f"{params.get(n, '')}" for n in names))
    lines.append("open the finished points with analysis.open_runs (or mmstudy export) as one "
                 "Dataset, the swept parameters as dimensions")
    return "\n".join(lines)


def describe(path: str | os.PathLike, *, basename: str | None = None) -> str:
    """Summarise an OVF file, a table, or a run folder as a few lines of text.

    Parameters
    ----------
    path : path
        An OVF file (``.ovf/.omf/.ohf/.oef``), a table (``.odt``, ``table.txt``),
        the output folder of ``mmstudy run`` (a sweep: its points, their states and
        swept values), or anything :func:`analysis.open_run` accepts.
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
        header = read_ovf_header(p)
        # binary: size, check value, closing lines (a few kB); text: the values counted
        # in a streamed pass (not parsed), and the closing lines
        check_ovf_data(header)
        return _describe_header(header)
    if p.is_file() and (p.suffix.lower() == ".odt" or p.name == TABLE_FILE):
        return _describe_table(p)
    if p.is_dir() and (manifest := sweep_manifest(p)) is not None:
        return _describe_sweep(p, manifest)
    return _describe_dataset(open_run(p, basename=basename))
