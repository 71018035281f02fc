"""ubermag's drive folders: the files oommfc writes, and what they say about the run.

Each ``driver.drive(system)`` of oommfc (ubermag's OOMMF adapter) writes one folder,
``<dirname>/<system name>/drive-<n>/`` (micromagneticmodel 0.65, ``driver.py``:
``_setup_working_directory`` numbers it, ``_write_info_json`` and ``_update_info_json``
fill ``info.json``; oommfc 0.66, ``scripts/``, writes the MIF)::

    <name>.mif    the MIF: ``basename <name>``; an ``Oxs_PeriodicRectangularMesh`` with
                  ``periodic xy`` for a mesh with ``bc="xy"``; a TimeDriver's
                  ``stopping_time t/n`` and ``stage_count n``
    m0.omf        ubermag's own input, not an output: the system's magnetisation when the
                  drive began (``setup_m0``), in A/m
    <name>-Oxs_<Driver>-Magnetization-<stage>-<iteration>.omf
                  OOMMF's snapshots (``Schedule ... Stage 1``, or ``Step 1`` with
                  ``output_step=True``)
    <name>.odt    OOMMF's table, a row per snapshot (the same schedule)
    info.json     ``drive_number``, ``date``, ``time``, ``start_time``, ``adapter``,
                  ``adapter_version``, ``driver``, the drive's keyword arguments (a
                  TimeDriver's ``t`` and ``n`` ...); once the drive has ended, also
                  ``end_time``, ``elapsed_time`` and ``success``

After a drive, oommfc sets ``system.m`` to the drive's last snapshot (``_read_data``), so
the next drive's ``m0.omf`` is that state unless the user gave the system a new one.

This module knows those names and reads ``info.json``; :mod:`analysis.run_layouts` lists a
drive's files into a :class:`~analysis.run_layouts.RunFiles` (one stage per drive) and
:func:`analysis.open_run` calls the checks here: :func:`check_drives` (a snapshot missing
from a finished drive), :func:`check_chain` (each drive starts where the one before
ended) and :func:`drive_attrs` (what ``info.json`` says, as ``ds.attrs``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import FormatError
from analysis.ovf import read_ovf_header, read_ovf_values

__all__ = ["INFO_FILE", "M0_FILE", "STAGE_TYPES", "Drive", "is_drive_folder",
           "is_system_folder", "holds_systems", "system_drives", "read_info", "drive_number",
           "mif_pbc", "save_grids", "check_drives", "check_chain", "drive_attrs",
           "sweep_params", "analysis_dir"]

#: micromagneticmodel's record of a drive, in the drive folder
INFO_FILE = "info.json"
#: ubermag's input: the system's magnetisation when the drive began (oommfc's setup_m0)
M0_FILE = "m0.omf"
#: a drive folder's name (micromagneticmodel's _setup_working_directory: f"drive-{n}")
_DRIVE_DIR = re.compile(r"^drive-(\d+)$")
#: the adapter whose folders this module reads
_ADAPTER = "oommfc"
#: each driver as a study stage type (analysis.time_axis: "minimize" and "relax" take no
#: simulated time). A HysteresisDriver is OOMMF's MinDriver stepping the field: a
#: minimisation per field value, so every one of its frames sits at the drive's start time.
STAGE_TYPES = {"TimeDriver": "evolve", "MinDriver": "minimize", "RelaxDriver": "relax",
               "HysteresisDriver": "minimize"}
#: OOMMF's output names end in -<stage>-<iteration> (widths grow with the counts)
_STAGE_ITERATION = re.compile(r"-(\d+)-(\d+)(\.o[mhe]f)$", re.I)
#: how far (relative to the largest |M|) a drive's m0.omf may lie from the state the drive
#: before it ended in and still be that state: oommfc copies it exactly (bin8 through
#: float64), so this only absorbs a text round trip
_CHAIN_RTOL = 1e-9
_PERIODIC_MESH = re.compile(r"Specify\s+Oxs_PeriodicRectangularMesh\b")


@dataclasses.dataclass(frozen=True)
class Drive:
    """One drive folder, as :func:`analysis.run_layouts.find_run` found it."""

    folder: Path
    #: the drive's number: the folder's ``drive-<n>``, else ``info.json``'s drive_number
    number: int
    #: ``info.json`` as written
    info: dict
    #: the study stage type of its driver (:data:`STAGE_TYPES`)
    stage_type: str
    #: OOMMF's basename (ubermag's system name)
    basename: str
    #: ubermag's input ``m0.omf``, None if absent
    m0: Path | None
    #: the driver's magnetisation snapshots, in OOMMF's order
    snapshots: tuple[Path, ...]
    #: OOMMF's table, None if absent
    table: Path | None


def is_drive_folder(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a drive folder of ubermag: named ``drive-<n>`` and holding its
    ``info.json`` or ``m0.omf``, or (under another name) holding both."""
    p = Path(path)
    if not p.is_dir():
        return False
    has_info, has_m0 = (p / INFO_FILE).is_file(), (p / M0_FILE).is_file()
    return (has_info and has_m0) or (bool(_DRIVE_DIR.match(p.name)) and (has_info or has_m0))


def is_system_folder(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a system folder of ubermag: one holding ``drive-<n>`` folders."""
    p = Path(path)
    return p.is_dir() and not is_drive_folder(p) and bool(system_drives(p))


def system_drives(path: str | os.PathLike) -> list[Path]:
    """The drive folders of a system folder, by drive number (a number that is missing,
    a deleted drive, is no error: ubermag numbers the next drive after the largest)."""
    found = []
    for d in Path(path).iterdir():
        m = _DRIVE_DIR.match(d.name)
        if m and is_drive_folder(d):
            found.append((int(m.group(1)), d))
    return [d for _, d in sorted(found)]


def read_info(folder: str | os.PathLike) -> dict:
    """A drive's ``info.json``, checked: a JSON object with an integer ``drive_number``,
    the ``driver`` (one of :data:`STAGE_TYPES`) and, where written, ``adapter`` oommfc.

    Raises
    ------
    FormatError
        Naming ``info.json``: missing, not JSON (a truncated file: the line where it
        breaks), not an object, or a field that is missing or not what oommfc writes; a
        drive of another adapter (mumax3c) is refused with the way to open its output.
    """
    path = Path(folder) / INFO_FILE
    what = "ubermag's record of the drive (micromagneticmodel writes it in each drive-<n>/)"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormatError(path, what, found="no such file") from None
    except UnicodeDecodeError as err:
        raise FormatError(path, f"{what}: UTF-8 JSON text", offset=err.start,
                          found="bytes that are not UTF-8") from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as err:
        raise FormatError(path, f"{what}: a JSON object", line=err.lineno,
                          found=f"{err.msg} at column {err.colno}") from None
    if not isinstance(info, dict):
        raise FormatError(path, f"{what}: a JSON object", found=type(info).__name__)
    adapter = info.get("adapter", _ADAPTER)  # none recorded: read as oommfc's (MIF, OOMMF files)
    if adapter != _ADAPTER:
        outs = sorted(p.name for p in Path(folder).glob("*.out") if p.is_dir())
        hint = (f"; open its mumax3 output folder {outs[0]} with open_run" if outs else "")
        raise FormatError(path, f"a drive written by {_ADAPTER} (the folders of adapter "
                                f"{adapter!r} are not read yet{hint})",
                          found=f"adapter {adapter!r}")
    number = info.get("drive_number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise FormatError(path, "'drive_number': a non-negative integer", found=repr(number))
    driver = info.get("driver")
    if driver not in STAGE_TYPES:
        raise FormatError(path, f"'driver': one of {', '.join(STAGE_TYPES)}", found=repr(driver))
    if driver == "TimeDriver":
        t, n = info.get("t"), info.get("n")
        if not _positive(t) or not (isinstance(n, int) and not isinstance(n, bool) and n > 0):
            raise FormatError(path, "a TimeDriver's 't' (s, > 0) and 'n' (saved steps, an "
                                    "integer > 0)", found=f"t = {t!r}, n = {n!r}")
    success = info.get("success")
    if success is not None and not isinstance(success, bool):
        raise FormatError(path, "'success': true or false", found=repr(success))
    return info


def _positive(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def drive_number(folder: Path, info: dict) -> int:
    """The folder's ``drive-<n>``; for a folder under another name, ``info.json``'s."""
    m = _DRIVE_DIR.match(folder.name)
    return int(m.group(1)) if m else int(info["drive_number"])


def mif_pbc(mif: Path | None) -> str:
    """The periodic axes of an oommfc MIF (``Oxs_PeriodicRectangularMesh``'s ``periodic``),
    ``""`` for an open mesh or without a MIF. OVF does not record periodicity; ubermag's
    MIF does (oommfc ``scripts/mesh.py``)."""
    if mif is None:
        return ""
    text = mif.read_text(errors="replace")
    m = _PERIODIC_MESH.search(text)
    if not m:
        return ""
    block = text[m.end():].split("Specify", 1)[0]  # up to the next Specify block
    axes = re.search(r"^\s*periodic\s+\{?\s*([xyzXYZ]+)", block, re.M)
    return "".join(sorted(set(axes.group(1).lower()))) if axes else ""


def save_grids(drives: Sequence[Drive]) -> dict[int, tuple[float, float]]:
    """Per stage (the drive's position), a TimeDriver's save interval ``t/n`` and duration
    ``t``, from ``info.json``, so that :mod:`analysis.time_axis` reads a time OOMMF's float
    sums put an ulp or so off (``1.4999999999999997e-11``) as the grid time it stands for
    (``1.5e-11``). Drives that saved every step (``output_step``) are on no grid and left
    out."""
    grids = {}
    for k, d in enumerate(drives):
        if d.info.get("driver") == "TimeDriver" and not d.info.get("output_step"):
            t, n = float(d.info["t"]), int(d.info["n"])
            grids[k] = (t / n, t)  # oommfc's MIF: stopping_time {t / n}, stage_count {n}
    return grids


def _stage_iteration(f: Path) -> tuple[int, int] | None:
    m = _STAGE_ITERATION.search(f.name)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _expected_name(d: Drive, stage: int, iteration: int | None) -> str:
    """The file name OOMMF gives the snapshot of ``stage`` (and ``iteration``), with the
    widths of the drive's other snapshots (OOMMF widens the stage number with the stage
    count: ``-00-``, ``-00092-``)."""
    sibling = next((f for f in d.snapshots if _STAGE_ITERATION.search(f.name)), None)
    if sibling is None:
        prefix = f"{d.basename}-Oxs_{d.info['driver']}-Magnetization"
        s_w, i_w, suffix = 2, 7, ".omf"
    else:
        m = _STAGE_ITERATION.search(sibling.name)
        prefix, suffix = sibling.name[:m.start()], m.group(3)  # type: ignore[union-attr]
        s_w, i_w = len(m.group(1)), len(m.group(2))  # type: ignore[union-attr]
    it = "*" if iteration is None else f"{iteration:0{i_w}d}"
    return f"{prefix}-{stage:0{s_w}d}-{it}{suffix}"


def check_drives(drives: Sequence[Drive], table: pd.DataFrame | None) -> None:
    """Refuse a finished drive with a snapshot missing; warn about unfinished drives.

    A drive whose ``info.json`` records ``success: true`` must have a snapshot for every
    row of its table (oommfc schedules both alike; matched by OOMMF's iteration) and, for
    a TimeDriver, for each of its ``n`` stages; a minimiser at least one. A drive that
    failed (``success: false``) or records no end (scheduled, still running, or killed)
    is opened as it is, with a :class:`UserWarning`.

    Parameters
    ----------
    drives : sequence of Drive
        In stage order.
    table : pandas.DataFrame or None
        The drives' tables joined (:func:`analysis.time_axis._join_stages`: ``_stage`` is
        the drive's position, ``iteration`` and ``stage`` OOMMF's columns).

    Raises
    ------
    FormatError
        Naming the missing snapshot file (its stage and iteration from the table row;
        ``*`` for an iteration no row gives).
    """
    for k, d in enumerate(drives):
        info_path = d.folder / INFO_FILE
        success = d.info.get("success")
        if success is False:
            warnings.warn(f"{info_path}: the drive failed (success: false); opened with the "
                          "snapshots and rows it wrote", UserWarning, stacklevel=3)
            continue
        if success is None:
            warnings.warn(f"{info_path}: the drive records no end (no 'success'): scheduled "
                          "and not run, still running, or killed; opened with the snapshots "
                          "and rows there are", UserWarning, stacklevel=3)
            continue
        have = {si for si in map(_stage_iteration, d.snapshots) if si is not None}
        iterations = {i for _, i in have}
        stages = {s for s, _ in have}
        if table is not None and {"_stage", "iteration"} <= set(table.columns):
            rows = table[table["_stage"] == k]
            oommf_stage = (rows["stage"].to_numpy() if "stage" in rows
                           else np.zeros(len(rows)))
            for it, st in zip(rows["iteration"].to_numpy(), oommf_stage):
                if np.isfinite(it) and int(it) not in iterations:
                    name = _expected_name(d, int(st) if np.isfinite(st) else 0, int(it))
                    table_name = d.table.name if d.table is not None else "the table"
                    raise FormatError(d.folder / name, f"the snapshot of {table_name}'s row at "
                                      f"iteration {int(it)} (the drive finished: {INFO_FILE} "
                                      "records success)", found="no such file")
        wanted = range(int(d.info["n"])) if d.info["driver"] == "TimeDriver" else range(1)
        for s in wanted:
            if s not in stages:
                raise FormatError(d.folder / _expected_name(d, s, None),
                                  f"a snapshot of stage {s} ({d.info['driver']} with "
                                  f"{len(wanted)} stage(s), {INFO_FILE} records success)",
                                  found="no such file")


def check_chain(drives: Sequence[Drive], skipped: Sequence[Path] = ()) -> None:
    """Check that each drive of a system starts where the drive before it ended.

    A system folder opens as its drives in order, one stage each, on one clock; that is
    the run only if drive k's ``m0.omf`` is drive k − 1's last snapshot (oommfc carries
    ``system.m`` over) and not a state the user set in between. This reads those two
    files of each pair of drives (the one place where opening a system reads data).

    Parameters
    ----------
    drives : sequence of Drive
        In stage order.
    skipped : sequence of path
        Snapshots left out (``skip_bad_frames``): the last one kept is compared.

    Raises
    ------
    FormatError
        Naming the ``m0.omf`` that is not the previous drive's last state.
    """
    left_out = {Path(p) for p in skipped}
    for before, d in zip(drives, drives[1:]):
        kept = [f for f in before.snapshots if f not in left_out]
        if d.m0 is None or not kept:
            continue
        last = kept[-1]
        a = np.asarray(read_ovf_values(read_ovf_header(d.m0)), dtype=float)
        b = np.asarray(read_ovf_values(read_ovf_header(last)), dtype=float)
        if a.shape != b.shape:
            raise FormatError(d.m0, f"the mesh of {before.folder.name}'s {last.name} "
                                    f"(values {b.shape})", found=f"values {a.shape}")
        scale = float(np.abs(b).max()) or 1.0
        diff = float(np.abs(a - b).max())
        if diff > _CHAIN_RTOL * scale:
            raise FormatError(
                d.m0, f"the state {before.folder.name} ended in ({last.name}): a system folder "
                      "opens as its drives in order, each starting where the one before ended "
                      "(to open drives that do not, open each drive folder, or the system "
                      "folder with open_runs: a 'drive' dimension)",
                found=f"another state, max |dM| = {diff:.3g} A/m")


def drive_attrs(drives: Sequence[Drive]) -> dict:
    """What the drives' ``info.json`` say, as ``ds.attrs`` of :func:`analysis.open_run`.

    Returns
    -------
    dict
        ``adapter`` and ``adapter_version`` (e.g. ``"oommfc"``, ``"0.66.0"``; the
        distinct values joined by spaces when drives differ), ``drivers`` and
        ``drive_numbers`` (lists, one entry per stage, like ``stage_types``),
        ``start_time`` (the first drive's, ISO 8601 as written), ``end_time`` (the last
        drive's, where written), ``success`` (True when every drive records success) and
        ``drive_info`` (every ``info.json`` verbatim, a JSON list: a string, so that it
        survives netCDF).
    """
    infos = [d.info for d in drives]

    def joined(key: str) -> str:
        return " ".join(dict.fromkeys(str(i[key]) for i in infos if key in i))

    attrs: dict = {"adapter": joined("adapter") or _ADAPTER}
    if joined("adapter_version"):
        attrs["adapter_version"] = joined("adapter_version")
    attrs["drivers"] = [str(i["driver"]) for i in infos]
    attrs["drive_numbers"] = [d.number for d in drives]
    first = infos[0]
    start = first.get("start_time") or (f"{first['date']}T{first['time']}"
                                         if "date" in first and "time" in first else None)
    if start is not None:
        attrs["start_time"] = str(start)
    if infos[-1].get("end_time") is not None:
        attrs["end_time"] = str(infos[-1]["end_time"])
    attrs["success"] = all(i.get("success") is True for i in infos)
    attrs["drive_info"] = json.dumps(infos)
    return attrs


def sweep_params(path: str | os.PathLike) -> dict | None:
    """The coordinate of an ubermag folder in :func:`analysis.open_runs` when it has no
    ``params.json``: ``{"system": <name>}`` for a system folder, ``{"drive": <n>}`` for a
    drive folder; None for anything else."""
    p = Path(path)
    if is_drive_folder(p):
        return {"drive": drive_number(p, read_info(p))}
    if is_system_folder(p):
        return {"system": p.name}
    return None


def analysis_dir(path: str | os.PathLike) -> Path | None:
    """Where ``mmstudy analyze`` writes by default for a drive folder: beside the system
    folder, ``<system>_drive-<n>_analysis``; None for other paths. Not inside the system
    folder, where ubermag numbers the next drive from every ``drive*`` name
    (micromagneticmodel's ``_setup_working_directory``: ``int(name.split("-")[1])``) and
    micromagneticdata counts them (``Data.n``): a ``drive-1_analysis`` there breaks both."""
    p = Path(path)
    if p.name in ("", ".", "..") or p.parent.name in ("", ".", ".."):
        p = p.resolve()  # "." or "../drive-1": name the folders
    if not is_drive_folder(p) or not is_system_folder(p.parent):
        return None
    return p.parent.with_name(f"{p.parent.name}_{p.name}_analysis")


def holds_systems(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a folder of ubermag system folders (which
    :func:`analysis.open_runs` opens together, a ``system`` dimension)."""
    p = Path(path)
    return p.is_dir() and not is_drive_folder(p) and not is_system_folder(p) \
        and any(is_system_folder(d) for d in p.iterdir() if d.is_dir())
