"""ubermag's drive folders: what every adapter writes, and what it says about the run.

Each ``driver.drive(system)`` of an ubermag adapter writes one folder,
``<dirname>/<system name>/drive-<n>/`` (micromagneticmodel 0.65, ``driver.py``,
``ExternalDriver.drive``: ``_setup_working_directory`` numbers it, ``_write_info_json``
writes ``info.json`` after the adapter's input files, ``_update_info_json`` completes it
once the solver has returned), whatever the adapter::

    info.json     ``drive_number``, ``date``, ``time``, ``start_time``, ``adapter`` (the
                  driver's package: ``oommfc``, ``mumax3c``), ``adapter_version``,
                  ``driver``, the drive's keyword arguments (a TimeDriver's ``t`` and
                  ``n`` ...); once the drive has ended, also ``end_time``,
                  ``elapsed_time`` and ``success``
    m0.omf        the adapter's input, not an output: the system's magnetisation when the
                  drive began (oommfc: M in A/m; mumax3c: unit vectors)

The rest, and where the solver puts snapshots and table, is in the adapter's module, as an
:class:`Adapter`: :mod:`analysis.ubermag_oommfc` (the MIF, OOMMF's files beside it),
:mod:`analysis.ubermag_mumax3c` (the ``.mx3``, mumax3's ``<name>.out/``); :func:`adapter_of`
picks a drive's. After a drive both adapters set ``system.m`` to its last snapshot
(``_read_data``): the next drive's ``m0.omf`` is that state unless the user set another.

Here: ``info.json``, drive and system folders, and the checks :func:`analysis.open_run`
calls once :mod:`analysis.run_layouts` has listed the drives (one stage each):
:func:`check_drives` (a snapshot missing from a finished drive), :func:`check_chain` (each
drive starts where the one before ended), :func:`drive_attrs` (``info.json`` as attrs).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import FormatError
from analysis.ovf import read_ovf_header, read_ovf_values

__all__ = ["INFO_FILE", "M0_FILE", "Adapter", "DriveFiles", "Drive", "adapter_of",
           "is_drive_folder", "is_system_folder", "holds_systems", "system_drives", "read_info",
           "drive_number", "save_grids", "check_drives", "check_chain", "drive_attrs",
           "sweep_params", "analysis_dir"]

#: micromagneticmodel's record of a drive, in the drive folder
INFO_FILE = "info.json"
#: the adapter's input: the system's magnetisation when the drive began
M0_FILE = "m0.omf"
#: a drive folder's name (micromagneticmodel's _setup_working_directory: f"drive-{n}")
_DRIVE_DIR = re.compile(r"^drive-(\d+)$")


@dataclasses.dataclass(frozen=True)
class DriveFiles:
    """A drive folder's files, as its adapter names them (:attr:`Adapter.list_files`)."""

    #: the system's name (the solver's basename)
    name: str
    #: where the name and the periodic axes come from (the MIF, the .mx3), else the folder
    source: Path
    #: the solver's output files, grouped into series (the snapshots among them)
    series: dict[str, list[Path]]
    #: the driver's magnetisation snapshots, in the solver's order
    snapshots: tuple[Path, ...]
    #: the solver's table, None if absent
    table: Path | None
    #: the periodic axes (``"xy"`` ...) the adapter's script gives the mesh
    pbc: str


@dataclasses.dataclass(frozen=True)
class Adapter:
    """What one ubermag adapter writes in a drive folder; each adapter's module makes one
    (``ADAPTER``), and the code here and in :mod:`analysis.run_layouts` asks it."""

    #: ``info.json``'s ``adapter``
    name: str
    #: the adapter's script, whose presence tells a drive that records no adapter
    script_suffix: str
    #: the solver whose files the drive holds (:class:`~analysis.run_layouts.RunFiles` kind)
    kind: str
    #: each of its drivers as a study stage type ("minimize", "relax": no simulated time)
    stage_types: Mapping[str, str]
    #: the series of M in A/m that opens as m and Ms (None: OOMMF's titles say which)
    magnetisation: str | None
    #: whether ``m0.omf`` holds unit vectors (else M in A/m, as the snapshots)
    m0_normalised: bool
    #: how far (relative) ``m0.omf`` may lie from the previous drive's last state and be it
    chain_rtol: float
    #: whether the solver's files keep ubermag's origin ``p1`` (else only ``m0.omf`` has it)
    keeps_origin: bool
    #: a drive folder's files, given the folder and the system's name where known
    list_files: Callable[[Path, str | None], DriveFiles]
    #: the first snapshot a finished drive lacks, ``(file, what it is)``, given its table
    #: rows (None without a table); None when none is missing
    missing_snapshot: Callable[[Drive, pd.DataFrame | None], tuple[Path, str] | None]


@dataclasses.dataclass(frozen=True)
class Drive:
    """One drive folder, as :func:`analysis.run_layouts.find_run` found it."""

    folder: Path
    #: the drive's number: the folder's ``drive-<n>``, else ``info.json``'s drive_number
    number: int
    #: ``info.json`` as written
    info: dict
    #: the study stage type of its driver (:attr:`Adapter.stage_types`)
    stage_type: str
    #: the solver's basename (ubermag's system name)
    basename: str
    #: ubermag's input ``m0.omf``, None if absent
    m0: Path | None
    #: the driver's magnetisation snapshots, in the solver's order
    snapshots: tuple[Path, ...]
    #: the solver's table, None if absent
    table: Path | None
    #: the adapter that wrote the drive
    adapter: Adapter


def adapter_of(folder: str | os.PathLike, info: dict) -> Adapter:
    """The adapter that wrote a drive: ``info.json``'s ``adapter`` (where none is recorded,
    mumax3c's when its ``.mx3`` script is in the folder, else oommfc's), its driver
    checked; else :class:`FormatError` naming ``info.json``."""
    # the adapters' modules build on this one, so they are imported when first asked for
    from analysis.ubermag_mumax3c import ADAPTER as MUMAX3C
    from analysis.ubermag_oommfc import ADAPTER as OOMMFC

    known = {a.name: a for a in (OOMMFC, MUMAX3C)}
    path = Path(folder) / INFO_FILE
    name = info.get("adapter")
    if name is None:
        name = MUMAX3C.name if any(Path(folder).glob("*" + MUMAX3C.script_suffix)) \
            else OOMMFC.name
    if name not in known:
        raise FormatError(path, f"'adapter': one of {', '.join(known)} (the adapters whose "
                                "drive folders are read)", found=repr(name))
    adapter = known[name]
    driver = info.get("driver")
    if driver not in adapter.stage_types:
        raise FormatError(path, f"'driver': one of {', '.join(adapter.stage_types)} (the "
                                f"drivers of {name})", found=repr(driver))
    return adapter


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
    a TimeDriver's ``t`` and ``n`` and, where written, ``success`` true or false (what
    micromagneticmodel writes for every adapter; :func:`adapter_of` checks the adapter
    and its driver).

    Raises
    ------
    FormatError
        Naming ``info.json``: missing, not JSON (a truncated file: the line where it
        breaks), not an object, or a field that is missing or not what
        micromagneticmodel writes.
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
    number = info.get("drive_number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise FormatError(path, "'drive_number': a non-negative integer", found=repr(number))
    if info.get("driver") == "TimeDriver":
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


def save_grids(drives: Sequence[Drive]) -> dict[int, tuple[float, float]]:
    """Per stage (the drive's position), a TimeDriver's save interval ``t/n`` (both
    adapters save every ``t/n``) and duration ``t``, from ``info.json``, so that
    :mod:`analysis.time_axis` reads a time the solver's float sums put an ulp or so off
    (``2.4999999999999998e-11``) as the grid time it stands for (``2.5e-11``). Drives that
    saved every step (oommfc's ``output_step``) are on no grid and left out."""
    grids = {}
    for k, d in enumerate(drives):
        if d.info.get("driver") == "TimeDriver" and not d.info.get("output_step"):
            t, n = float(d.info["t"]), int(d.info["n"])
            grids[k] = (t / n, t)
    return grids


def check_drives(drives: Sequence[Drive], table: pd.DataFrame | None) -> None:
    """Refuse a finished drive with a snapshot missing; warn about unfinished drives.

    A drive whose ``info.json`` records ``success: true`` must have a snapshot for every
    row of its table and each of a TimeDriver's ``n`` saves, a minimiser's one
    (:attr:`Adapter.missing_snapshot`). A drive that failed (``success: false``) or records
    no end (scheduled, running, or killed) opens as it is, with a :class:`UserWarning`.

    Parameters
    ----------
    drives : sequence of Drive
        In stage order.
    table : pandas.DataFrame or None
        The drives' tables joined (:func:`analysis.time_axis._join_stages`: ``_stage`` is
        the drive's position).

    Raises
    ------
    FormatError
        Naming the missing snapshot file (``*`` for a part of its name no row gives).
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
        rows = None
        if table is not None and "_stage" in table.columns:
            rows = table[table["_stage"] == k]
        missing = d.adapter.missing_snapshot(d, rows)
        if missing is not None:
            path, what = missing
            raise FormatError(path, f"{what} (the drive finished: {INFO_FILE} records "
                                    "success)", found="no such file")


def check_chain(drives: Sequence[Drive], skipped: Sequence[Path] = ()) -> None:
    """Check that each drive of a system starts where the drive before it ended.

    A system folder opens as its drives in order, one stage each, on one clock; that is
    the run only if drive k's ``m0.omf`` is drive k − 1's last snapshot (the adapter
    carries ``system.m`` over), not a state the user set in between. This reads those two
    files of each pair of drives (the only data read when a system opens), as unit vectors
    where ``m0.omf`` holds them (mumax3c), within :attr:`Adapter.chain_rtol`.

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
        unit = d.adapter.m0_normalised
        if unit:
            a, b = _unit(a), _unit(b)
        scale = float(np.abs(b).max()) or 1.0
        diff = float(np.abs(a - b).max())
        if diff > d.adapter.chain_rtol * scale:
            raise FormatError(
                d.m0, f"the state {before.folder.name} ended in ({last.name}): a system folder "
                      "opens as its drives in order, each starting where the one before ended "
                      "(to open drives that do not, open each drive folder, or the system "
                      "folder with open_runs: a 'drive' dimension)",
                found=f"another state, max |dm| = {diff:.3g}" if unit else
                f"another state, max |dM| = {diff:.3g} A/m")


def _unit(v: np.ndarray) -> np.ndarray:
    """Vectors along the last axis divided by their norms (0 where the norm is)."""
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.divide(v, norm, out=np.zeros_like(v), where=norm > 0)


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

    attrs: dict = {"adapter": joined("adapter") or drives[0].adapter.name}
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
