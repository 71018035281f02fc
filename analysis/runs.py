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
* a **plain folder** of OVF files.

Each series of snapshots becomes one variable stacked along ``t`` with dask: at
open time only the headers are read (a few hundred bytes each), never the
data. Times come from the headers, or from the table when the headers have none.
The table's columns become variables along ``t`` when the table rows are the
snapshots' times; otherwise (a table saved more often than the fields) along
their own dimension ``t_table``.

OOMMF saves the magnetisation in A/m. So that every backend gives the same
variables, an OOMMF ``Magnetization`` series becomes ``m`` (unit vector field,
``M/|M|``, 0 in empty cells) plus ``Ms`` (A/m, ``|M|`` of the first snapshot).

:func:`open_runs` combines the runs of a parameter sweep, one folder per point
with its swept values in ``params.json``, into one Dataset whose dimensions are
the swept parameters.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Literal

import dask.array as dsa
from dask.base import tokenize
import numpy as np
import pandas as pd
import xarray as xr

from analysis.errors import FormatError
from analysis.ovf import component_names, read_ovf_header, read_ovf_values
from analysis.ovf_header import OVFHeader
from analysis.table_rows import PartialRow
from analysis.tables import read_table
from mmstudy.layout import (BUILTIN_SOLVER, MANIFEST_FILE, OUTPUT_DIR, PARAMS_FILE, POINT_FILE,
                            RUN_META, SOLVER_LOG, STATUS_FILE, TABLE_FILE)

__all__ = ["open_run", "open_runs", "find_run", "RunFiles", "PARAMS_FILE"]

OVF_SUFFIXES = {".ovf", ".omf", ".ohf", ".oef"}
# PARAMS_FILE (a sweep point's swept values, a JSON object), POINT_FILE (marks a point
# folder of `mmstudy run`) and the rest of the run-folder layout: mmstudy.layout.
POINT_OUTPUT = OUTPUT_DIR  # a point folder's solver output
POINT_STATUS = STATUS_FILE  # ... and its state
SWEEP_MANIFEST = MANIFEST_FILE  # the points of an `mmstudy run` output folder
RunKind = Literal["oommf", "mumax3", "builtin", "folder"]
#: mumax3 names autosaved files '%s%06d.ovf' (engine/save.go): the quantity is the
#: stem without its last six digits (greedy, so 'Ku1000000.ovf' is quantity 'Ku1').
_MX3_NAME = re.compile(r"^(?P<q>.+)(?P<n>\d{6})\.ovf$")
_MX3_PBC = re.compile(r"SetPBC\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)", re.I)
_TIME_RTOL = 1e-9
#: OOMMF's output file names: <basename>-<output>-<stage>-<iteration>.omf/.ohf/.oef
_OOMMF_NAME = re.compile(r"^.+-\d+-\d+\.o[mhe]f$", re.I)
#: basenames of the stages of one OOMMF run (mmstudy's OOMMF backend): stage<k>[_<type>]
_OOMMF_STAGE = re.compile(r"^stage(?P<k>\d+)(?:_(?P<type>[A-Za-z]+))?$")
#: stage types that take no simulated time (as mumax3's minimize() and relax())
_TIMELESS_STAGES = {"minimize", "relax"}


@dataclasses.dataclass
class RunFiles:
    """What :func:`find_run` found on disk for one run."""

    kind: RunKind
    root: Path
    series: dict[str, list[Path]]
    table: Path | None
    basename: str | None = None
    pbc: str = ""
    #: OOMMF runs of several MIF stages: (index, basename, type, table or None) in order
    stages: list[tuple[int, str, str | None, Path | None]] = dataclasses.field(
        default_factory=list)
    #: ... and the stage index of each snapshot file
    stage_of: dict[Path, int] = dataclasses.field(default_factory=dict)


def find_run(path: str | os.PathLike, *, basename: str | None = None) -> RunFiles:
    """Locate the files of one run and group its snapshots into series.

    Parameters
    ----------
    path : path
        A run folder, an OOMMF ``.mif`` file or a mumax3 ``.mx3`` script; a point
        folder of ``mmstudy run`` (``point.json`` beside ``run.out/``) opens its
        ``run.out``.
    basename : str, optional
        OOMMF basename to pick when a folder holds the output of several runs.

    Returns
    -------
    RunFiles

    Raises
    ------
    FormatError
        If ``path`` is not a run, or holds several OOMMF runs and no ``basename``.
    """
    p = Path(path)
    if p.is_file():
        if p.suffix.lower() == ".mif":
            return _find_oommf(p.parent, basename or _mif_basename(p))
        if p.suffix.lower() == ".mx3":
            out = p.with_suffix(".out")
            if not out.is_dir():
                raise FormatError(p, f"mumax3's output folder {out.name} beside the script")
            return _find_mx3(out)
        raise FormatError(p, "a run folder, a .mif or a .mx3 file (read one OVF file with "
                             "read_ovf, one table with read_table)")
    if not p.is_dir():
        raise FileNotFoundError(f"{p}: no such run folder or file")
    if (p / POINT_FILE).is_file():
        # a point folder of `mmstudy run`: its solver output is in run.out/
        if not (p / POINT_OUTPUT).is_dir():
            state = _point_state(p)
            raise FileNotFoundError(f"{p}: this point has not run (status: {state}); run it "
                                    "with `mmstudy run` (its inputs are not results)")
        return find_run(p / POINT_OUTPUT, basename=basename)
    names = [f.name for f in p.iterdir() if f.is_file()]
    suffixes = {Path(n).suffix.lower() for n in names}
    # an OOMMF run in a folder named *.out (the backend's run.out/): a table or OOMMF names
    oommf_like = ".odt" in suffixes or any(_OOMMF_NAME.match(n) for n in names)
    if TABLE_FILE in names or (p.name.endswith(".out") and not oommf_like) \
            or any(_MX3_NAME.match(n) for n in names):
        return _find_mx3(p)
    if suffixes & {".odt", ".mif"} or oommf_like:
        return _find_oommf(p, basename)
    ovfs = sorted((p / n for n in names if Path(n).suffix.lower() in OVF_SUFFIXES), key=_natural)
    if not ovfs:
        raise FormatError(p, "a run folder: OVF files, a mumax3 table.txt or an OOMMF .odt")
    return RunFiles("folder", p, _group(ovfs, _plain_key), None)


def open_run(
    path: str | os.PathLike,
    *,
    basename: str | None = None,
    pbc: str | None = None,
    partial_last_row: PartialRow = "raise",
    stage: int | str | None = None,
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

    Returns
    -------
    xarray.Dataset
        Field variables with dims ``("t", "z", "y", "x", "c")`` backed by dask;
        table columns along ``t`` or ``t_table``; along ``t`` the coordinates
        ``stage`` and ``stage_t`` (see "The time axis"); attrs ``kind``
        (``"oommf"``, ``"mumax3"``, ``"builtin"`` for the built-in solver's runs, or
        ``"folder"``), ``source``, ``cell``, ``pmin``, ``pmax``, ``pbc``,
        ``stage_types`` and ``hidden_frames``.

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
    rule. Times are exact where the run records its save intervals (the built-in
    solver's ``run.json``, which writes ``start + n × save_every``; a time within
    1e-9 relative of such a grid time is read as the grid time); mumax3's and single
    OOMMF runs' times are as the files give them.


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
        For malformed files, snapshots on different meshes, or an unrecognised folder.

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
    if run.stages:
        table_df, clock = _join_stages(run, partial_last_row, axis)
    variables: dict[str, xr.DataArray] = {}
    mesh: OVFHeader | None = None
    for key, files in run.series.items():
        headers = [read_ovf_header(f) for f in files]
        mesh = mesh or headers[0]
        for h in headers:
            _check_same_mesh(mesh, h)
        name = _variable_name(run.kind, key, headers[0], variables)
        times = None if clock is None else [clock(Path(h.path), h.time) for h in headers]
        stacked = axis.frames(_stack(headers, times), key, headers)
        if headers[0].title.endswith("::Magnetization"):  # OOMMF's M in A/m, in any folder
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
    ds.attrs.update(stage_types=list(axis.types), hidden_frames=hidden)
    if chosen is not None:
        ds.attrs["selected_stage"] = chosen
    if run.basename:
        ds.attrs["basename"] = run.basename
    if run.stages:
        ds.attrs["stages"] = " ".join(b for _, b, _, _ in run.stages)
    if run.table is not None:
        ds.attrs["table_source"] = str(run.table)
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
        of its ``status.json``, and in ``attrs["missing_points"]``).
    params : mapping or callable, optional
        Each run's swept values: a mapping from run path (as given, or the
        sub-folder's path) to ``{name: value}``, or a function of the run path.
        By default read from ``params.json`` in each run folder.
    **open_kwargs
        Passed to :func:`open_run`.

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
    if missing is not None:
        combined.attrs["missing_points"] = json.dumps(missing)
    return combined


# --------------------------------------------------------------------------- finding files


def _natural(path: Path):
    return [int(s) if s.isdigit() else s for s in re.split(r"(\d+)", path.name)]


def _group(files: list[Path], key_of) -> dict[str, list[Path]]:
    series: dict[str, list[Path]] = {}
    for f in files:
        series.setdefault(key_of(f), []).append(f)
    return series


def _plain_key(f: Path) -> str:
    return re.sub(r"[-_.]?\d+$", "", f.stem) or "field"


def _mx3_key(f: Path) -> str:
    m = _MX3_NAME.match(f.name)
    return m.group("q") if m else f.stem


def _oommf_key(f: Path) -> str:
    return re.sub(r"(-\d+)+$", "", f.stem)


def _find_mx3(root: Path) -> RunFiles:
    ovfs = sorted((f for f in root.iterdir() if f.is_file() and f.suffix.lower() == ".ovf"),
                  key=_natural)
    table = root / TABLE_FILE
    pbc = ""
    kind: RunKind = "mumax3"
    log = root / SOLVER_LOG
    meta = _run_json(root)  # written by mmstudy's built-in solver
    if meta is not None:
        pbc = str(meta.get("pbc", ""))
        if meta.get("solver") == BUILTIN_SOLVER:
            kind = "builtin"
    elif log.is_file():
        found = _MX3_PBC.findall(log.read_text(errors="replace"))
        if found:
            pbc = "".join(ax for ax, n in zip("xyz", found[-1]) if int(n) > 0)
    return RunFiles(kind, root, _group(ovfs, _mx3_key), table if table.is_file() else None,
                    pbc=pbc)


def _run_json(root: Path) -> dict | None:
    """``run.json`` (written by mmstudy's built-in solver and its OOMMF backend: the
    solver or backend, the periodic axes ...), or None without one."""
    meta = root / RUN_META
    if not meta.is_file():
        return None
    try:
        info = json.loads(meta.read_text())
    except json.JSONDecodeError:
        info = None
    if not isinstance(info, dict):
        raise FormatError(meta, "a JSON object with the run's metadata")
    return info


def _run_json_pbc(root: Path) -> str:
    """Periodic axes from ``run.json``, or ``""`` without one."""
    meta = _run_json(root)
    return "" if meta is None else str(meta.get("pbc", ""))


def _mif_basename(mif: Path) -> str:
    """The MIF's ``basename`` option when it is a literal word, else the file's stem
    (OOMMF's default); a Tcl substitution such as ``skyrmion_$kernel`` cannot be
    evaluated here, so pass ``basename=`` for such runs."""
    m = re.search(r"\bbasename\s+([^\s{}\[\]]+)", mif.read_text(errors="replace"))
    return m.group(1) if m and "$" not in m.group(1) else mif.stem


def _find_oommf(root: Path, basename: str | None) -> RunFiles:
    files = [f for f in root.iterdir() if f.is_file()]
    odts = sorted(f for f in files if f.suffix.lower() == ".odt")
    fields = [f for f in files if f.suffix.lower() in OVF_SUFFIXES]
    if basename is None:
        names = {f.stem for f in odts} | {f.stem.split("-")[0] for f in fields}
        names -= {""}
        staged = _oommf_stages(root, names, fields)
        if staged is not None:
            return staged
        if len(names) != 1:
            raise FormatError(root, "the output of one OOMMF run (pass basename= or the .mif "
                                    "file to choose one)", found=f"basenames {sorted(names)}")
        basename = names.pop()
    chosen = sorted((f for f in fields if f.stem.startswith(basename + "-")), key=_natural)
    table = root / f"{basename}.odt"
    if not chosen and not table.is_file():
        raise FormatError(root, f"OOMMF output named {basename}-*.omf/.ohf or {basename}.odt")
    return RunFiles("oommf", root, _group(chosen, _oommf_key),
                    table if table.is_file() else None, basename=basename,
                    pbc=_run_json_pbc(root))


def _oommf_stages(root: Path, names: set[str], fields: list[Path]) -> RunFiles | None:
    """One run from the stages ``stage0[_type]``, ``stage1[_type]`` ... in ``root`` (also a
    single ``stage0_minimize``), or None when the basenames are not all such stages
    (with distinct numbers)."""
    matches = {n: _OOMMF_STAGE.match(n) for n in names}
    if not names or not all(matches.values()):
        return None
    if len(names) == 1 and not matches[next(iter(names))].group("type"):  # type: ignore[union-attr]
        return None  # one plain "stage3" run: nothing to join
    order = sorted(names, key=lambda n: int(matches[n].group("k")))  # type: ignore[union-attr]
    indexes = [int(matches[n].group("k")) for n in order]  # type: ignore[union-attr]
    if len(set(indexes)) != len(indexes):
        return None
    stages: list[tuple[int, str, str | None, Path | None]] = []
    series: dict[str, list[Path]] = {}
    stage_of: dict[Path, int] = {}
    for k, name in zip(indexes, order):
        table = root / f"{name}.odt"
        kind = matches[name].group("type")  # type: ignore[union-attr]
        stages.append((k, name, kind.lower() if kind else None,
                       table if table.is_file() else None))
        own = sorted((f for f in fields if f.stem.startswith(name + "-")), key=_natural)
        for f in own:
            # the driver's outputs (Oxs_MinDriver / Oxs_TimeDriver) are one series
            key = re.sub(r"^[^-]*Driver-", "Driver-", _oommf_key(f)[len(name) + 1:])
            series.setdefault(key, []).append(f)
            stage_of[f] = k
    return RunFiles("oommf", root, series, None, pbc=_run_json_pbc(root), stages=stages,
                    stage_of=stage_of)


def _join_stages(run: RunFiles, partial_last_row: PartialRow, axis: "_StageAxis"
                 ) -> tuple[pd.DataFrame | None, Callable[[Path, float | None], float]]:
    """The stages' tables as one (``t`` shifted to the run's clock) and the function
    giving a snapshot's run time from its file and header time; the stages' start
    times go into ``axis.starts``. Times add exactly (:func:`_add`), so a stage that
    starts at 1e-10 puts its 5e-11 at 1.5e-10."""
    offsets: dict[int, float] = axis.starts
    timeless: dict[int, bool] = {}
    frames = []
    units: dict[str, str] = {}
    offset = 0.0
    for k, _name, kind, table in run.stages:
        offsets[k] = offset
        timeless[k] = kind in _TIMELESS_STAGES
        end = 0.0
        if table is None and not timeless[k]:  # no table: the last snapshot's time
            times = [read_ovf_header(f).time for f, s in run.stage_of.items() if s == k]
            end = max((t for t in times if t is not None), default=0.0)
        if table is not None:
            df = read_table(table, partial_last_row=partial_last_row)
            units.update(df.attrs.get("units", {}))
            df = df.copy()
            if timeless[k] or "t" not in df.columns:
                df["t"] = offset
            else:
                if len(df):
                    end = float(df["t"].iloc[-1])
                df["t"] = [_add(offset, t) for t in df["t"].to_numpy(dtype=float)]
            df["_stage"] = k
            frames.append(df)
        if not timeless[k]:
            offset = _add(offset, end)
    table_df = None
    if frames:
        table_df = pd.concat(frames, ignore_index=True, sort=False)
        table_df = table_df[["t", *[c for c in table_df.columns if c != "t"]]]
        table_df.attrs["units"] = {**units, "t": "s"}

    def clock(path: Path, time: float | None) -> float:
        k = run.stage_of[path]
        return offsets[k] if timeless[k] or time is None else _add(offsets[k], time)

    return table_df, clock


def _add(a: float, b: float) -> float:
    """``a + b`` as the float nearest the decimal sum of the numbers as written (their
    shortest ``repr``): ``_add(1e-10, 5e-11) == 1.5e-10``, not ``1.5000000000000002e-10``."""
    return float(Decimal(repr(float(a))) + Decimal(repr(float(b))))


def _sub(a: float, b: float) -> float:
    """``a - b`` as :func:`_add` adds."""
    return float(Decimal(repr(float(a))) - Decimal(repr(float(b))))


def _grid(start: float, n: int, step: float) -> float:
    """``start + n × step`` as :func:`_add` adds (the built-in solver's
    ``orchestrator.solver.output.grid_time``, which writes its times)."""
    return float(Decimal(repr(float(start))) + int(n) * Decimal(repr(float(step))))


#: OOMMF's "Stage simulation time: <t> s" in an OVF header's Desc lines
_STAGE_TIME = re.compile(r"Stage simulation time:\s*(\S+)\s*s\b", re.I)


def _repeat(counts: list[int], n: int) -> np.ndarray:
    """Stage index of each of ``n`` items, ``counts[k]`` of them in stage k (items beyond
    the counts belong to the last stage that has any)."""
    st = np.repeat(np.arange(len(counts)), np.maximum(np.asarray(counts, dtype=int), 0))[:n]
    if st.size < n:
        st = np.concatenate([st, np.full(n - st.size, st[-1] if st.size else 0)])
    return st.astype(int)


@dataclasses.dataclass
class _StageAxis:
    """Which study stage each frame and table row of a run belongs to, and when the
    stage started: from the built-in solver's ``run.json`` (``stage_log``), the
    stages of a joined OOMMF run, or OOMMF's own header (``Stage``, ``Stage simulation
    time``); else every frame is stage 0, started at t = 0."""

    source: Literal["log", "staged", "headers"]
    types: list[str]
    starts: dict[int, float]
    log: list[dict] = dataclasses.field(default_factory=list)
    stage_of: dict[Path, int] = dataclasses.field(default_factory=dict)
    #: read times within 1e-9 of the save grid as the grid time (the built-in solver's)
    snap: bool = True

    @classmethod
    def of(cls, run: RunFiles) -> "_StageAxis":
        if run.stages:
            return cls("staged", [t or "" for _, _, t, _ in run.stages], {},
                       stage_of=run.stage_of)
        if run.kind == "builtin":
            meta = _run_json(run.root) or {}
            log = meta.get("stage_log")
            log = log if isinstance(log, list) and all(isinstance(e, dict) for e in log) else []
            types = meta.get("stages")
            if not (isinstance(types, list) and all(isinstance(x, str) for x in types)
                    and len(types) >= len(log)):
                types = [str(e.get("type", "")) for e in log]
            if log:
                return cls("log", list(types), {k: float(e.get("start") or 0.0)
                                                for k, e in enumerate(log)}, log=log)
            return cls("headers", list(types), {})
        if run.kind == "mumax3":
            log = _mx3_point_log(run.root)
            if log:
                return cls("log", [e["type"] for e in log],
                           {k: e["start"] for k, e in enumerate(log)}, log=log, snap=False)
        return cls("headers", [], {})

    def _snap(self, t: np.ndarray, st: np.ndarray) -> np.ndarray:
        """Times within 1e-9 relative of their stage's save grid, as the grid time."""
        out = t.copy()
        for i, (ti, k) in enumerate(zip(t, st)):
            step = self.log[k].get("table_every") or self.log[k].get("save_every")
            if not step or not np.isfinite(ti):
                continue
            start = self.starts.get(int(k), 0.0)
            g = _grid(start, round((ti - start) / step), step)
            if abs(ti - g) <= _TIME_RTOL * max(abs(g), step):
                out[i] = g
        return out

    def frames(self, stacked: xr.DataArray, key: str, headers: list[OVFHeader]) -> xr.DataArray:
        """``stacked`` with ``stage`` and ``stage_t`` along ``t`` (and exact times)."""
        n = stacked.sizes["t"]
        t = stacked["t"].values.astype(float) if "t" in stacked.coords else None
        if self.source == "staged":
            st = np.array([self.stage_of[Path(h.path)] for h in headers], dtype=int)
        elif self.source == "log":
            st = _repeat([int((e.get("saved") or {}).get(key, 0)) for e in self.log], n)
            if t is not None and self.snap:
                t = self._snap(t, st)
                stacked = stacked.assign_coords(t=("t", t, stacked["t"].attrs))
        elif "stage" in stacked.coords:  # OOMMF's own stage numbers (one MIF, several stages)
            st = stacked["stage"].values.astype(int)
            for h, k, ti in zip(headers, st, t if t is not None else [None] * n):
                found = [_STAGE_TIME.search(d) for d in h.desc]
                found = [m for m in found if m]
                if ti is not None and found and int(k) not in self.starts:
                    try:
                        self.starts[int(k)] = _sub(ti, float(found[0].group(1)))
                    except ValueError:
                        pass
        else:
            st = np.zeros(n, dtype=int)
        start = np.array([self.starts.get(int(k), 0.0) for k in st])
        stage_t = (np.array([_sub(a, b) for a, b in zip(t, start)]) if t is not None
                   else np.full(n, np.nan))
        return stacked.assign_coords(stage=("t", st), stage_t=("t", stage_t, {"units": "s"}))

    def rows(self, df: pd.DataFrame) -> pd.DataFrame:
        """The table with ``_stage`` and ``_stage_t`` columns (and exact times)."""
        attrs = dict(df.attrs)
        df = df.copy()
        t = df["t"].to_numpy(dtype=float) if "t" in df.columns else None
        if "_stage" in df.columns:  # the joined OOMMF stages
            st = df["_stage"].to_numpy(dtype=int)
        elif self.source == "log":
            st = _repeat([int(e.get("rows") or 0) for e in self.log], len(df))
            if t is not None and self.snap:
                t = self._snap(t, st)
                df["t"] = t
        else:
            st = np.zeros(len(df), dtype=int)
        start = np.array([self.starts.get(int(k), 0.0) for k in st])
        df["_stage"] = st
        df["_stage_t"] = (np.array([_sub(a, b) for a, b in zip(t, start)]) if t is not None
                          else np.full(len(df), np.nan))
        df.attrs = attrs
        return df

    def resolve(self, stage: int | str | None, variables: Mapping[str, xr.DataArray],
                table: pd.DataFrame | None) -> int | None:
        """The stage index ``open_run(..., stage=)`` asks for (None: every stage)."""
        if stage is None:
            return None
        if stage == "last_evolve":
            evolves = [k for k, kind in enumerate(self.types) if kind == "evolve"]
            if not evolves:
                raise ValueError(f"stage='last_evolve': this run has no evolve stage "
                                 f"(stage types {self.types or 'unknown'})")
            return evolves[-1]
        if isinstance(stage, (bool, str)) or not isinstance(stage, (int, np.integer)):
            raise TypeError(f"stage must be an int or 'last_evolve', not {stage!r}")
        seen = [int(v["stage"].max()) for v in variables.values()
                if "stage" in v.coords and v.sizes.get("t", 0)]
        if table is not None and len(table):
            seen.append(int(table["_stage"].max()))
        n = max(len(self.types), 1 + max(seen, default=0))
        k = int(stage) + n if stage < 0 else int(stage)
        if not 0 <= k < n:
            raise ValueError(f"stage={stage}: this run has {n} stage(s) (0 to {n - 1})")
        return k


def _mx3_point_log(root: Path) -> list[dict]:
    """For a mumax3 run in a point folder of ``mmstudy run`` (``run.out/`` beside
    ``point.json``), the stages as the built-in solver's ``stage_log`` records them: what
    mmstudy's mumax3 script saves per stage (``orchestrator/backends/mx3_plan.py``: the
    initial ``m`` and row in stage 0; one of each after a minimize/relax; per evolve
    stage ``floor(duration / table_every)`` rows and every ``ratio``-th an ``m``); [] for
    anything else."""
    point = root.parent / POINT_FILE
    if root.name != POINT_OUTPUT or not point.is_file():
        return []
    try:
        info = json.loads(point.read_text())
        if info.get("backend") != "mumax3":
            return []
        log, start = [], 0.0
        for k, st in enumerate(info["study"]["stages"]):
            kind = str(st.get("type", "evolve"))
            entry = {"type": kind, "start": start, "save_every": None, "table_every": None}
            if kind == "evolve":
                dur, save = float(st["duration"]), float(st["save_every"])
                te = float(st.get("table_every") or save)
                ratio = max(int(round(save / te)), 1)
                n_table = int(np.floor(dur / te + 1e-9))
                entry.update(save_every=save, table_every=te,
                             saved={"m": n_table // ratio}, rows=n_table)
                start = _add(start, dur)
            else:
                entry.update(saved={"m": 1}, rows=1)
            if k == 0:
                entry["saved"]["m"] += 1
                entry["rows"] += 1
            log.append(entry)
        return log
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def _keep(t: np.ndarray | None, stages: np.ndarray, chosen: int | None) -> np.ndarray:
    """Frames (or rows) of stage ``chosen``; for None, every frame but those followed by
    one at the same time (at a repeated time the last, e.g. the relaxed state, is kept)."""
    if chosen is not None:
        return np.asarray(stages) == chosen
    keep = np.ones(len(stages), dtype=bool)
    if t is not None and len(t) > 1:
        keep[:-1] = np.asarray(t)[1:] != np.asarray(t)[:-1]
    return keep


def _point_state(folder: Path) -> str:
    """The state a point folder's ``status.json`` records ("no status" without one)."""
    try:
        return str(json.loads((folder / POINT_STATUS).read_text()).get("state", "unknown"))
    except FileNotFoundError:
        return "no status"
    except (json.JSONDecodeError, AttributeError):
        return "unreadable status.json"


def _sweep_members(paths) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        root = Path(paths)
        manifest = root / SWEEP_MANIFEST
        if manifest.is_file():
            # an `mmstudy run` folder: the finished points its manifest lists (not points
            # still pending, failed ones, or folders of an earlier version of the study)
            try:
                entries = json.loads(manifest.read_text())["points"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise FormatError(manifest, "mmstudy's manifest: a JSON object with 'points'") \
                    from None
            done = dict.fromkeys(e["folder"] for e in entries if e.get("state") == "done")
            return [root / f for f in done]
        subdirs = sorted((d for d in root.iterdir() if d.is_dir()), key=_natural)
        members = [d for d in subdirs if (d / PARAMS_FILE).is_file()] or subdirs
        return members
    return [Path(p) for p in paths]


# --------------------------------------------------------------------------- building


def _check_same_mesh(ref: OVFHeader, h: OVFHeader) -> None:
    same = (h.nodes == ref.nodes
            and np.allclose(h.cell, ref.cell, rtol=1e-9)
            and np.allclose(h.pmin, ref.pmin, rtol=0, atol=1e-6 * min(ref.cell)))
    if not same:
        raise FormatError(h.path, f"the mesh of {ref.path} (nodes {ref.nodes}, cell {ref.cell}, "
                                  f"origin {ref.pmin})",
                          line=h.data_line, found=f"nodes {h.nodes}, cell {h.cell}, origin {h.pmin}")


def _variable_name(kind: str, key: str, h: OVFHeader, taken: Mapping) -> str:
    named = re.match(r"^(\w+):(\w+):(\w[^:]*)$", h.title)  # Oxs_<class>:<instance>:<output>
    if kind == "oommf" and "::" in h.title:
        owner, _, quantity = h.title.partition("::")
        owner = re.sub(r"^Oxs_", "", owner)
        name = quantity if owner.endswith("Driver") else f"{owner}_{quantity}"
    elif kind == "oommf" and named:
        # a named energy term: its field is H_<name>, as the built-in solver's snapshots
        instance, quantity = named.group(2), named.group(3)
        name = f"H_{instance}" if quantity == "Field" else f"{instance}_{quantity}"
    else:
        name = key
    name = re.sub(r"\W+", "_", name).strip("_") or component_names(h.labels)[0] or "field"
    base, i = name, 1
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name


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


def _normalise(M: xr.DataArray) -> dict[str, xr.DataArray]:
    norm = np.sqrt((M.astype("f8") ** 2).sum("c"))
    safe = norm.where(norm > 0)
    m = (M / safe).fillna(0.0).astype(M.dtype).rename({"file": "m_file"})
    m.attrs = {"units": "1", "long_name": "unit magnetisation M/|M|",
               "title": M.attrs.get("title", ""), "from": "Magnetization (A/m) / |M|"}
    Ms = norm.isel(t=0, drop=True).drop_vars(["file", "iteration", "stage", "stage_t"],
                                             errors="ignore")
    Ms.attrs = {"units": "A/m", "long_name": "saturation magnetisation |M| (first snapshot)"}
    return {"m": m.rename("m"), "Ms": Ms.rename("Ms")}


def _attach_table(ds: xr.Dataset, df: pd.DataFrame) -> xr.Dataset:
    units = df.attrs.get("units", {})
    # the rows' stage and stage time (_StageAxis.rows): coordinates, not columns
    row_stage = {c: df[c].to_numpy() for c in ("_stage", "_stage_t") if c in df.columns}
    df = df.drop(columns=list(row_stage))
    table_t = df["t"].to_numpy() if "t" in df.columns else None
    n_frames = ds.sizes.get("t", 0)
    field_t = ds["t"].values if "t" in ds.coords else None
    if n_frames == 0:
        dim, coord = "t", table_t
    elif len(df) == n_frames and (field_t is None or table_t is None
                                  or np.allclose(table_t, field_t, rtol=_TIME_RTOL, atol=0)):
        dim, coord = "t", field_t if field_t is not None else table_t
    else:
        dim, coord = "t_table", table_t
    table_vars = {
        col: xr.Variable(dim, df[col].to_numpy(), {"units": units.get(col, "")})
        for col in df.columns if col != "t"
    }
    # A column that repeats a coordinate the headers gave (OOMMF's iteration, stage)
    # is dropped when it agrees, and kept under a prefixed name when it does not.
    for col in list(table_vars):
        if col in ds.variables:
            same = (dim in ds[col].dims and ds[col].shape == table_vars[col].shape
                    and np.array_equal(ds[col].values, table_vars[col].values))
            var = table_vars.pop(col)
            if not same:
                table_vars[f"table_{col}"] = var
    out = ds.assign(table_vars)
    if coord is not None and (dim != "t" or field_t is None):
        out = out.assign_coords({dim: (dim, coord, {"units": "s"})})
    if len(row_stage) == 2 and (dim != "t" or "stage" not in out.coords):
        prefix = "" if dim == "t" else "table_"
        out = out.assign_coords({f"{prefix}stage": (dim, row_stage["_stage"]),
                                 f"{prefix}stage_t": (dim, row_stage["_stage_t"],
                                                      {"units": "s"})})
    return out


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

