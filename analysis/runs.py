"""Open simulation runs as lazy :class:`xarray.Dataset` objects.

:func:`open_run` recognises three layouts and returns one Dataset for each:

* an **OOMMF run**: a folder (or its ``.mif`` file) with ``<basename>.odt`` and
  ``<basename>-<Output>-<stage>-<iteration>.omf/.ohf/.oef`` files; a folder whose
  basenames are ``stage0``, ``stage1_evolve`` ... (``stage<k>[_<type>]``, one MIF per
  study stage, as mmstudy's OOMMF backend writes them) is one run, the stages joined
  in order (see :func:`open_run`);
* a **mumax3 run**: a ``<script>.out/`` folder (or the ``.mx3`` beside it) with
  ``m000000.ovf``, ``B_ext000000.ovf`` ... and ``table.txt``; the built-in
  solver writes the same layout, read the same way but as kind ``"builtin"`` (its
  ``run.json`` says so);
* a **plain folder** of OVF files;
* an **ubermag drive folder** (``<system>/drive-<n>/``, written by oommfc or mumax3c) as a
  run of one stage, and a **system folder** (``<system>/``) as its drives in order, one
  stage each, on one clock; ubermag's input ``m0.omf`` is the variable ``m0``, not a frame,
  and ``info.json`` goes into ``ds.attrs`` (:mod:`analysis.ubermag`; see :func:`open_run`).

Each series of snapshots becomes one variable stacked along ``t`` with dask: at
open time only the headers and the ends of each data block are read (a few hundred
bytes, and a few kB to check that the data is all there), never the data. A frame
that fails those checks (a truncated or corrupt file) is refused, or with
``skip_bad_frames=True`` left out (see :func:`open_run`). Times come from the
headers, or from the table when the headers have none.
The table's columns become variables along ``t`` when the table rows are the
snapshots' times; otherwise (a table saved more often than the fields) along
their own dimension ``t_table``.

OOMMF saves the magnetisation in A/m. So that every backend gives the same
variables, an OOMMF ``Magnetization`` series becomes ``m`` (unit vector field,
``M/|M|``, 0 in empty cells) plus ``Ms`` (A/m, ``|M|`` of the first snapshot); so does
the ``m_full`` (M in A/m) of an ubermag drive written by mumax3c.

:func:`open_runs` combines the runs of a parameter sweep, one folder per point
with its swept values in ``params.json``, into one Dataset whose dimensions are
the swept parameters.

Where the pieces live: :mod:`analysis.run_layouts` finds a run's files
(:func:`find_run`, :class:`RunFiles`) and a sweep's folders; :mod:`analysis.time_axis`
gives frames and rows their ``stage``/``stage_t`` and joins OOMMF stages on one clock;
:mod:`analysis.run_variables` names the variables and attaches the table. This module
stacks the series lazily and holds the entry points, :func:`open_run` and
:func:`open_runs`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import dask.array as dsa
from dask.base import tokenize
import numpy as np
import pandas as pd
import xarray as xr

from analysis import ubermag
from analysis.errors import FormatError
from analysis.ovf import check_ovf_data, component_names, read_ovf_header, read_ovf_values
from analysis.ovf_header import OVFHeader
from analysis.run_layouts import (OVF_SUFFIXES, POINT_OUTPUT, POINT_STATUS,  # noqa: F401
                                  SWEEP_MANIFEST, RunFiles, RunKind, _sweep_members, find_run)
from analysis.run_variables import _attach_table, _check_same_mesh, _normalise, _variable_name
from analysis.table_rows import PartialRow
from analysis.tables import read_table
from analysis.time_axis import _TIME_RTOL, _join_stages, _keep, _StageAxis
from mmstudy.layout import PARAMS_FILE

__all__ = ["open_run", "open_runs", "find_run", "RunFiles", "PARAMS_FILE", "SkippedFrameWarning"]

#: what a refusal of a bad frame adds: the way out (orchestrator.cli keeps the flag only)
SKIP_HINT = ("(pass skip_bad_frames=True, or --skip-bad-frames on the command line, to "
             "leave such frames out)")


class SkippedFrameWarning(UserWarning):
    """A bad OVF frame that ``open_run(..., skip_bad_frames=True)`` left out; the message
    is ``"skipped frame <file>: <reason>"``, ``file`` and ``reason`` its parts."""

    def __init__(self, file: str, reason: str, also: list[str] | None = None) -> None:
        self.file, self.reason, self.also = file, reason, list(also or [])
        text = f"skipped frame {file}: {reason}"
        if self.also:
            text += f" (left out with it, at the same time: {', '.join(self.also)})"
        super().__init__(text)


def open_run(
    path: str | os.PathLike,
    *,
    basename: str | None = None,
    pbc: str | None = None,
    partial_last_row: PartialRow = "raise",
    stage: int | str | None = None,
    skip_bad_frames: bool = False,
) -> xr.Dataset:
    """Open one run as a lazy Dataset.

    Parameters
    ----------
    path : path
        Run folder, ``.mif`` or ``.mx3`` file (see module docstring).
    basename : str, optional
        OOMMF basename, when a folder holds several runs' outputs.
    pbc : str, optional
        Periodic axes (``"xy"``...), stored as ``ds.attrs["pbc"]`` for the
        analysis; by default read from mumax3's ``log.txt`` (``SetPBC``), else
        ``""``; the built-in solver records it in ``run.json``. OVF files do not
        record periodicity.
    partial_last_row : {"raise", "drop"}
        Passed to :func:`analysis.tables.read_table` (use ``"drop"`` for a run
        that is still writing its table).
    stage : int or "last_evolve", optional
        Only this study stage's frames and table rows (negative counts from the end,
        as Python indexing; ``"last_evolve"``: the last ``evolve`` stage), with ``t``
        still the run's time. Stage 0's frames include the initial state.
    skip_bad_frames : bool
        What to do with a snapshot file whose header cannot be read or whose data block
        is not all there (truncated, a wrong check value, no closing lines: checked at
        open time, a few kB per file). False (default): raise :class:`FormatError`
        naming the file. True: leave the frame out, with a :class:`SkippedFrameWarning`
        per file (``"skipped frame <file>: <reason>"``), and list the files in
        ``attrs["skipped_frames"]``. The time of a skipped frame is left out of ``t``
        for every series (the other series' frames at that time go too, named in the
        warning; for a frame whose header cannot be read, the other series' frames at
        the same position when they have as many files), so no variable holds a
        missing frame. The table keeps all its rows: when they no longer match the
        frames they go along ``t_table``, as for any table saved apart from the fields.

    Returns
    -------
    xarray.Dataset
        Field variables with dims ``("t", "z", "y", "x", "c")`` backed by dask;
        table columns along ``t`` or ``t_table``; along ``t`` the coordinates
        ``stage`` and ``stage_t`` (see "The time axis"); attrs ``kind``
        (``"oommf"``, ``"mumax3"``, ``"builtin"`` for the built-in solver's runs, or
        ``"folder"``), ``source``, ``cell``, ``pmin``, ``pmax``, ``pbc``,
        ``stage_types``, ``hidden_frames`` and ``skipped_frames`` (the paths of the
        frames left out by ``skip_bad_frames``, a list of str; ``[]`` for none). An
        ubermag drive or system folder also gives the variable ``m0`` (its input state,
        ``(z, y, x, c)``) and the attrs of :func:`analysis.ubermag.drive_attrs`
        (``adapter``, ``adapter_version``, ``drivers``, ``drive_numbers``, ``start_time``,
        ``end_time``, ``success``, ``drive_info``).

    Notes
    -----
    **The time axis.** ``t`` (s) is unique and strictly increasing, so ``sel``,
    ``sel(method="nearest")``, ``interp`` and ``differentiate`` work. Along it,
    ``stage`` is the index of the study stage whose evolution or end produced the
    frame (the initial state is stage 0's start; 0 throughout for runs without stage
    information, such as a plain mumax3 run) and ``stage_t`` the time since that stage
    started (s). ``attrs["stage_types"]`` lists the stages' types (``"minimize"``,
    ``"relax"``, ``"evolve"``; ``[]`` when unknown). Stage information comes from the
    built-in solver's ``run.json``, the stage files of an OOMMF run, OOMMF's headers,
    or, for a mumax3 run in a point folder of ``mmstudy run``, the study in
    ``point.json`` (what mmstudy's script saves per stage). A minimisation or relaxation
    takes no simulated time, so its frame has the time of the frame before it (the
    initial state, or the previous stage's last frame): at such a repeated time the
    default view keeps only the **last** frame (the relaxed state), and
    ``attrs["hidden_frames"]`` counts the frames left out; no time is shifted. The
    frames it leaves out are in the stage views: ``open_run(path, stage=0)`` gives
    the initial state and, when stage 0 is a minimisation, the relaxed state (both at
    ``t = 0``; the only view in which ``t`` can repeat). Table rows follow the same
    rule. Times are exact where the run records its save intervals: the built-in
    solver's ``run.json`` (it writes ``start + n × save_every``; a time within 1e-9
    relative of such a grid time is read as the grid time), and for mumax3 and OOMMF
    points of ``mmstudy run`` the study in ``point.json``: their solvers add their
    steps in floats (``9.999999999999999e-11`` for 10 × 10 ps), so a time within 1e-6
    of the save interval of its grid time (stage start + n × interval,
    :func:`mmstudy.timegrid.grid_time`) is read as the grid time; times farther off
    (an adaptive step past a save time) are kept. Other mumax3 and single OOMMF runs'
    times are as the files give them.


    An OOMMF run in stages (basenames ``stage<k>[_<type>]``, one MIF each) is joined
    in stage order: snapshots and table rows of every stage, ``t`` continuing across
    them. OOMMF's clock restarts in each MIF, so stage k's times are shifted by the
    time its predecessors took: the last table time (else snapshot time) of each
    earlier stage, except stages of type ``minimize`` and ``relax``, which take no
    simulated time (as mumax3's ``minimize()``/``relax()``, which restore ``t``): their
    snapshots and rows sit at the stage's start time. ``attrs["stages"]`` lists the
    basenames.

    Raises
    ------
    FormatError
        For malformed files (a bad snapshot unless ``skip_bad_frames``), snapshots on
        different meshes, or an unrecognised folder.

    Examples
    --------
    >>> ds = open_run("tests/data/oommf", basename="skyrmion_6ngbr")
    >>> [v for v in ds.data_vars if "x" in ds[v].dims], ds.m.dims
    (['DMI_Cnv_z_Field', 'm', 'Ms', 'UniformExchange_Field'], ('t', 'z', 'y', 'x', 'c'))
    >>> float(ds.m.sel(c="z").mean()), float(ds.mz[0])  # ours vs OOMMF's table
    (0.7566..., 0.7566...)
    """
    run = find_run(path, basename=basename)
    table_df: pd.DataFrame | None = None
    clock: Callable[[Path, float | None], float] | None = None
    axis = _StageAxis.of(run)
    if run.drives:  # ubermag: a TimeDriver's save interval t/n from info.json
        axis.grids.update(ubermag.save_grids(run.drives))
    if run.stages:
        table_df, clock = _join_stages(run, partial_last_row, axis)
    if run.drives:
        ubermag.check_drives(run.drives, table_df)
    variables: dict[str, xr.DataArray] = {}
    mesh: OVFHeader | None = None
    good, skipped = _check_frames(run, clock, skip_bad_frames)
    if run.drives:
        ubermag.check_chain(run.drives, skipped)
    for key, files in run.series.items():
        kept = sorted(good[key])
        if not kept:
            continue  # every frame of the series skipped
        headers = [good[key][i] for i in kept]
        mesh = mesh or headers[0]
        for h in headers:
            _check_same_mesh(mesh, h)
        name = _variable_name(run.kind, key, headers[0], variables)
        times = None if clock is None else [clock(Path(h.path), h.time) for h in headers]
        stacked = axis.frames(_stack(headers, times), key, headers,
                              kept=kept if len(kept) < len(files) else None, n_files=len(files))
        # OOMMF's M in A/m, in any folder, and the M in A/m of an ubermag drive (m_full)
        if headers[0].title.endswith("::Magnetization") or key == run.magnetisation:
            if "m" in variables:
                raise FormatError(files[0], "one magnetisation series per run",
                                  found=f"a second one besides {variables['m'].attrs['title']}")
            variables.update(_normalise(stacked))
        else:
            if component_names(headers[0].labels)[0] == "m" and "m" not in variables:
                name = "m"  # mumax3 naming (m_x m_y m_z) whatever the file names
            variables[name] = stacked.rename(name).rename({"file": f"{name}_file"})
    # mumax3's SaveAs(Msat, "Msat") and the built-in solver's Msat.ovf: a static scalar map
    msat = variables.get("Msat")
    if msat is not None and "Ms" not in variables and msat.sizes["c"] == 1:
        variables.pop("Msat")
        Ms = msat.isel(t=0, c=0, drop=True)
        Ms = Ms.drop_vars([c for c in Ms.coords if c not in ("x", "y", "z")])
        Ms.attrs = {"units": "A/m", "long_name": "saturation magnetisation"}
        variables["Ms"] = Ms.rename("Ms")
    if run.table is not None:
        table_df = read_table(run.table, partial_last_row=partial_last_row)
    if table_df is not None:
        table_df = axis.rows(table_df)
    chosen = axis.resolve(stage, variables, table_df)
    hidden = 0
    for name, v in list(variables.items()):
        if "t" in v.dims and "stage" in v.coords:
            keep = _keep(v["t"].values if "t" in v.coords else None, v["stage"].values, chosen)
            hidden = max(hidden, int((~keep).sum())) if chosen is None else hidden
            variables[name] = v.isel(t=np.flatnonzero(keep))
    if table_df is not None:
        keep = _keep(table_df["t"].to_numpy() if "t" in table_df.columns else None,
                     table_df["_stage"].to_numpy(), chosen)
        units = table_df.attrs.get("units", {})
        table_df = table_df[keep].reset_index(drop=True)
        table_df.attrs["units"] = units
    if not variables and run.table is None and table_df is None:
        raise FormatError(run.root, "OVF snapshots or a table in the run folder", found="neither")
    series = [v for v in variables.values() if "t" in v.dims]
    timed = [v for v in series if "t" in v.coords]
    if len(series) > 1 and len(timed) < len(series):
        if timed or len({v.sizes["t"] for v in series}) > 1:
            raise FormatError(run.root, "snapshot times in every OVF header, or the same number "
                                        "of snapshots in every series")
    try:
        ds = xr.merge(list(variables.values()), join="outer", compat="override",
                      combine_attrs="drop_conflicts") if variables else xr.Dataset()
    except ValueError as err:  # e.g. two snapshots of one series at the same time
        raise FormatError(run.root, "distinct snapshot times within each series",
                          found=str(err)) from None
    ds.attrs = {}
    if table_df is not None:
        ds = _attach_table(ds, table_df)
    ds.attrs.update(kind=run.kind, source=str(run.root), pbc=pbc if pbc is not None else run.pbc)
    ds.attrs.update(stage_types=list(axis.types), hidden_frames=hidden,
                    skipped_frames=[str(f) for f in skipped])
    if chosen is not None:
        ds.attrs["selected_stage"] = chosen
    if run.basename:
        ds.attrs["basename"] = run.basename
    if run.stages:
        ds.attrs["stages"] = " ".join(b for _, b, _, _ in run.stages)
    if run.table is not None:
        ds.attrs["table_source"] = str(run.table)
    if run.drives:
        ds.attrs.update(ubermag.drive_attrs(run.drives))
        ds, mesh = _with_initial_state(ds, run.drives[0], mesh, skip_bad_frames)
    if mesh is not None:
        ds.attrs.update(cell=tuple(mesh.cell), pmin=tuple(mesh.pmin), pmax=tuple(mesh.pmax))
        # the fields carry the mesh facts too, so ds.m alone (or ds.m.isel(t=0)) is
        # analysed with the right periodicity and cell size
        for v in ds.data_vars:
            if {"x", "y", "z"} <= set(ds[v].dims):
                ds[v].attrs.update(pbc=ds.attrs["pbc"], cell=ds.attrs["cell"])
    return ds


def open_runs(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    params: Mapping[str, Mapping] | Callable[[Path], Mapping] | None = None,
    **open_kwargs,
) -> xr.Dataset:
    """Combine the runs of a parameter sweep into one Dataset.

    Parameters
    ----------
    paths : path or iterable of paths
        The run folders, or one sweep folder whose sub-folders are the runs (for the
        output folder of ``mmstudy run``: the points its ``manifest.json`` lists as done;
        every other point is named in a :class:`UserWarning`, with the state and error
        of its ``status.json``, and in ``attrs["missing_points"]``). A folder of ubermag
        system folders gives a ``system`` dimension (each system opened as by
        :func:`open_run`: its drives as stages); one system folder a ``drive`` dimension
        (each drive on its own clock: for drives that do not start where the one before
        ended).
    params : mapping or callable, optional
        Each run's swept values: a mapping from run path (as given, or the
        sub-folder's path) to ``{name: value}``, or a function of the run path.
        By default read from ``params.json`` in each run folder (ubermag folders without
        one: ``{"system": <name>}``, ``{"drive": <n>}``).
    **open_kwargs
        Passed to :func:`open_run` (``skip_bad_frames=True`` among them: then
        ``attrs["skipped_frames"]`` lists the frames left out in every run).

    Returns
    -------
    xarray.Dataset
        When the points form a full grid (a product sweep), one dimension per
        swept parameter; otherwise (zipped lists) a ``point`` dimension with the
        parameters as coordinates along it. The coordinate ``run`` names each
        point's folder. Runs whose times agree (to 1e-9 relative) share the
        first run's ``t``; otherwise times are outer-joined (NaN where a run has
        no snapshot). For the output folder of ``mmstudy run``,
        ``attrs["missing_points"]`` is a JSON list (a string, so that it survives
        netCDF) of the points left out: ``id``, ``index``, ``folder``, ``state``,
        ``error`` and ``params`` of each (``[]`` when none is missing).

    Raises
    ------
    ValueError
        If a run has no parameters, or runs name different parameters.
    """
    runs = _sweep_members(paths)
    # the points of an `mmstudy run` folder that are not opened (failed, pending ...): say so
    missing: list[dict] | None = None
    if isinstance(paths, (str, os.PathLike)) and (Path(paths) / SWEEP_MANIFEST).is_file():
        import warnings

        entries = json.loads((Path(paths) / SWEEP_MANIFEST).read_text())["points"]
        opened = {r.name for r in runs}
        missing = []
        for e in entries:
            if not isinstance(e, Mapping) or e.get("folder") in opened:
                continue  # opened (or the duplicate of an opened point)
            try:
                status = json.loads((Path(paths) / e["folder"] / POINT_STATUS).read_text())
            except (OSError, ValueError, KeyError):
                status = None
            status = status if isinstance(status, Mapping) else {}
            missing.append({"id": e.get("id", e.get("folder")), "index": e.get("index"),
                            "folder": e.get("folder"),
                            "state": status.get("state", e.get("state", "unknown")),
                            "error": status.get("error"), "params": e.get("params", {})})
        if missing:
            lines = [f"point {p['id']} ({', '.join(f'{k} = {v}' for k, v in p['params'].items())}"
                     f"): {p['state']}" + (f": {p['error']}" if p["error"] else "")
                     for p in missing]
            warnings.warn(f"{paths}: {len(missing)} of {len(entries)} points left out, not "
                          "finished:\n  " + "\n  ".join(lines), UserWarning, stacklevel=2)
    if not runs:
        raise ValueError(f"{paths}: no runs found")
    values = []
    for run in runs:
        if params is None:
            pfile = run / PARAMS_FILE
            if not pfile.is_file() and (point := ubermag.sweep_params(run)) is not None:
                values.append(point)  # an ubermag system (or a system's drive)
                continue
            if not pfile.is_file():
                raise ValueError(f"{run}: no {PARAMS_FILE}; pass params= to name its swept values")
            try:
                point = json.loads(pfile.read_text())
            except json.JSONDecodeError as err:
                raise FormatError(pfile, "a JSON object of parameter values", line=err.lineno,
                                  found=err.msg) from None
        elif callable(params):
            point = params(run)
        else:
            point = params.get(str(run), params.get(run))  # type: ignore[arg-type]
            if point is None:
                raise ValueError(f"{run}: not in params")
        if not isinstance(point, Mapping) or not point:
            raise ValueError(f"{run}: parameters must be a non-empty mapping, got {point!r}")
        values.append(dict(point))
    keys = list(values[0])
    for run, point in zip(runs, values):
        if set(point) != set(keys):
            raise ValueError(f"{run}: swept parameters {sorted(point)} differ from {sorted(keys)}")
    datasets = [open_run(r, **open_kwargs) for r in runs]
    skipped = [f for d in datasets for f in d.attrs.get("skipped_frames", [])]
    # file names differ from run to run and would be misleading once combined
    datasets = [d.drop_vars([c for c in d.coords if str(c).endswith("_file")]) for d in datasets]
    datasets = _align_times(datasets)
    tuples = [tuple(point[k] for k in keys) for point in values]
    if len(set(tuples)) != len(tuples):
        raise ValueError("two runs have the same parameter values: "
                         f"{[str(r) for r, t in zip(runs, tuples) if tuples.count(t) > 1]}")
    combined = xr.concat(datasets, dim="point", join="outer", coords="minimal",
                         compat="override", combine_attrs="drop_conflicts")
    combined = combined.assign_coords(run=("point", [str(r) for r in runs]))
    unique = [sorted(set(col), key=_sort_key) for col in zip(*tuples)]
    full_grid = len(tuples) == int(np.prod([len(u) for u in unique]))
    if full_grid:
        index = pd.MultiIndex.from_tuples(tuples, names=keys)
        combined = combined.assign_coords(xr.Coordinates.from_pandas_multiindex(index, "point"))
        combined = combined.unstack("point")
        combined = combined.reindex({k: u for k, u in zip(keys, unique)})
    else:
        combined = combined.assign_coords({k: ("point", list(col)) for k, col in
                                           zip(keys, zip(*tuples))})
    combined.attrs["swept"] = " ".join(keys)
    combined.attrs["skipped_frames"] = skipped
    if missing is not None:
        combined.attrs["missing_points"] = json.dumps(missing)
    return combined


# --------------------------------------------------------------------------- building


def _check_frames(run: RunFiles, clock: Callable[[Path, float | None], float] | None,
                  skip: bool) -> tuple[dict[str, dict[int, OVFHeader]], list[Path]]:
    """The readable frames of each series (position in the series -> header) and the
    files left out. A file whose header or data block is bad raises (with the way out
    named) unless ``skip``; then it is left out with a :class:`SkippedFrameWarning`, and
    so are the other series' frames at its time (or, without a readable header, at its
    position in series of as many files)."""
    good: dict[str, dict[int, OVFHeader]] = {}
    bad: list[tuple[str, int, Path, float | None, str]] = []  # key, position, file, time, why
    for key, files in run.series.items():
        good[key] = {}
        for i, f in enumerate(files):
            h = None
            try:
                h = read_ovf_header(f)
                check_ovf_data(h)
            except FormatError as err:
                if not skip:
                    err.args = (f"{err} {SKIP_HINT}",)
                    raise err from None
                t = None
                if h is not None and h.time is not None:
                    t = h.time if clock is None else clock(Path(h.path), h.time)
                bad.append((key, i, Path(f), t, str(err).removeprefix(f"{f}: ")))
                continue
            good[key][i] = h
    for key, i, f, t, why in bad:
        also = []
        for other, headers in good.items():
            if other == key:
                continue
            for j, h in list(headers.items()):
                if t is not None:
                    ht = h.time if clock is None or h.time is None else clock(Path(h.path), h.time)
                    same = ht is not None and ht == t
                else:
                    same = j == i and len(run.series[other]) == len(run.series[key])
                if same:
                    also.append(os.path.basename(h.path))
                    del headers[j]
        warnings.warn(SkippedFrameWarning(str(f), why, also), stacklevel=3)
    return good, [f for _, _, f, _, _ in bad]



def _with_initial_state(ds: xr.Dataset, drive: ubermag.Drive, mesh: OVFHeader | None,
                        skip: bool) -> tuple[xr.Dataset, OVFHeader | None]:
    """``ds`` with ubermag's input ``m0.omf`` (the first drive's) as the variable ``m0``:
    lazy, unit vectors like ``m``, on the snapshots' coordinates after the mesh check; and
    the snapshots' mesh. Where the solver's files do not keep ubermag's origin (mumax3's
    start at 0), the snapshots move onto ``m0.omf``'s mesh, ubermag's, as
    micromagneticdata's ``Drive`` moves them (``AbstractDrive.__getitem__``). A bad file
    raises, or with ``skip`` is left out as a bad frame would be."""
    m0 = drive.m0
    if m0 is None:
        return ds, mesh
    try:
        h = read_ovf_header(m0)
        check_ovf_data(h)
    except FormatError as err:
        if not skip:
            err.args = (f"{err} {SKIP_HINT}",)
            raise err from None
        warnings.warn(SkippedFrameWarning(str(m0), str(err).removeprefix(f"{m0}: ")),
                      stacklevel=3)
        ds.attrs["skipped_frames"] = [*ds.attrs["skipped_frames"], str(m0)]
        return ds, mesh
    if mesh is not None and not drive.adapter.keeps_origin:
        mesh = dataclasses.replace(mesh, pmin=h.pmin, pmax=h.pmax)
        _check_same_mesh(mesh, h)  # the same cells
        ds = ds.assign_coords({ax: (ax, c, ds[ax].attrs) for ax, c in h.coords().items()})
    elif mesh is not None:
        _check_same_mesh(mesh, h)
    m = _normalise(_stack([h]))["m"].isel(t=0, drop=True)
    m = m.drop_vars([c for c in m.coords if c not in ("x", "y", "z", "c")])
    if mesh is not None:  # the snapshots' cell centres (m0.omf writes them rounded apart)
        m = m.assign_coords({ax: ds[ax] for ax in ("x", "y", "z")})
    m.attrs = {"units": "1", "long_name": "initial magnetisation M/|M| (ubermag's input "
               "m0.omf of the first drive)", "file": str(m0)}
    return ds.assign(m0=m), mesh


def _load_frame(header: OVFHeader, dtype: np.dtype) -> np.ndarray:
    """One snapshot as a ``(1, nz, ny, nx, valuedim)`` block of the stacked dask array."""
    return np.asarray(read_ovf_values(header, mmap=False), dtype=dtype)[None]


def _stack(headers: list[OVFHeader], times: list[float] | None = None) -> xr.DataArray:
    h0 = headers[0]
    dtype = np.dtype("f4") if all(h.representation == "bin4" for h in headers) else np.dtype("f8")
    # One task per file in a single-layer graph: cheaper to build and to cull than
    # 1000 dask.delayed objects stacked together (which also walk every header).
    stamps = [(h.path, os.stat(h.path).st_mtime_ns, h.data_offset) for h in headers]
    name = "ovf-series-" + tokenize(stamps)
    graph = {(name, i, 0, 0, 0, 0): (_load_frame, h, dtype) for i, h in enumerate(headers)}
    chunks = ((1,) * len(headers),) + tuple((n,) for n in h0.shape)
    data = dsa.Array(graph, name, chunks, dtype=dtype)
    name, comps = component_names(h0.labels)
    coords: dict = {ax: (ax, c, {"units": "m"}) for ax, c in h0.coords().items()}
    coords["c"] = list(comps)
    coords["file"] = ("t", [os.path.basename(h.path) for h in headers])  # renamed per variable
    times = [h.time for h in headers] if times is None else times
    if all(t is not None for t in times):
        coords["t"] = ("t", np.array(times), {"units": "s"})
    for extra in ("iteration", "stage"):
        vals = [h.extras.get(extra) for h in headers]
        if all(v is not None for v in vals):
            coords[extra] = ("t", np.array(vals))
    units = h0.units[0] if len(set(h0.units)) == 1 else " ".join(h0.units)
    return xr.DataArray(data, dims=("t", "z", "y", "x", "c"), coords=coords,
                        attrs={"units": units, "title": h0.title,
                               "valuelabels": " ".join(h0.labels)})


def _align_times(datasets: list[xr.Dataset]) -> list[xr.Dataset]:
    for dim in ("t", "t_table"):
        have = [d for d in datasets if dim in d.coords]
        if len(have) != len(datasets) or not have:
            continue
        ref = have[0][dim].values
        if all(d.sizes[dim] == ref.size and np.allclose(d[dim].values, ref, rtol=_TIME_RTOL, atol=0)
               for d in have):
            datasets = [d.assign_coords({dim: (dim, ref, d[dim].attrs)}) for d in datasets]
    return datasets


def _sort_key(v):
    return (0, v, "") if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, 0, str(v))

