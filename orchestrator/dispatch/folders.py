"""Point folders on disk: what each file holds, status files, attempts, the manifest.

A run of a study writes one folder per distinct point, ``<out>/<id>/`` (``id`` the
point's content hash, :meth:`orchestrator.study.sweep.Point.id`)::

    <out>/manifest.json      every point of the sweep: index, id, params, given, state, folder
    <out>/manifest.csv       the same, one row per point, for people and spreadsheets
    <out>/<id>/point.json    the point's study (SI numbers) with id, backend, params, given, index
                             and, for a study in reduced or lattice units, its scale
    <out>/<id>/params.json   the swept values (what analysis.open_runs reads); only for sweeps
    <out>/<id>/<scripts>     what the backend rendered (run.mx3, run.mif, point.toml ...)
    <out>/<id>/log.txt       the solver's output (and the worker's, if it crashed)
    <out>/<id>/status.json   state, backend, solver, host, pid, start/finish, wall time, error
    <out>/<id>/run.out/      the solver's output, a run folder analysis.open_run reads
    <out>/<id>/outcome.json  an adaptive sweep's label of the point, with the classifier's name
                             and parameters (a cache: orchestrator/dispatch/refine.py)
    <out>/<id>/attempts/<n>/ earlier attempts' files, moved aside before a rerun
    <out>/<id>/.writer.lock  flock'ed by the process writing the point (freed when it dies)

A point is *done* only when its status says so **and** ``run.out/`` exists. Every JSON
file is written atomically (:func:`analysis.atomic.atomic_open`), so a process killed at
any moment leaves each file either in its old or its new state; ``log.txt`` is a new
file per attempt that grows as the solver writes.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "0123456789abcdef"
>>> folder.mkdir()
>>> write_status(folder, {"state": RUNNING, "pid": 1})
>>> read_status(folder)["state"], is_done(folder)
('running', False)
>>> (folder / "log.txt").write_text("first try")
9
>>> archive_attempt(folder).relative_to(folder).as_posix()
'attempts/1'
>>> sorted(p.name for p in (folder / "attempts" / "1").iterdir())
['log.txt', 'status.json']
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import os
import socket
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from analysis.atomic import atomic_open
from mmstudy.layout import (ATTEMPTS_DIR, LOG_FILE, MANIFEST_COLUMNS, MANIFEST_CSV,
                            MANIFEST_FILE, OUTPUT_DIR, PARAMS_FILE, POINT_FILE, STATUS_FILE)

__all__ = ["PENDING", "RUNNING", "DONE", "FAILED", "INTERRUPTED", "STATES", "POINT_FILE",
           "PARAMS_FILE", "STATUS_FILE", "LOG_FILE", "OUTPUT_DIR", "ATTEMPTS_DIR",
           "MANIFEST_FILE", "MANIFEST_CSV", "KEEP", "write_json", "read_json", "read_status",
           "write_status", "is_done", "archive_attempt", "write_point_files", "write_manifest",
           "now_iso", "process_alive", "HEARTBEAT_S", "STALE_S", "WRITER_LOCK", "PointBusy",
           "hold_point", "point_locked"]

PENDING, RUNNING, DONE, FAILED, INTERRUPTED = "pending", "running", "done", "failed", "interrupted"
STATES = (PENDING, RUNNING, DONE, FAILED, INTERRUPTED)

#: held (flock) by the one process writing a point; the OS frees it when that process ends
WRITER_LOCK = ".writer.lock"
#: what stays in a point folder when an attempt is moved aside (the point's identity)
KEEP = frozenset({POINT_FILE, PARAMS_FILE, ATTEMPTS_DIR, WRITER_LOCK})
HEARTBEAT_S = 60.0   # a running worker rewrites status.json this often ...
STALE_S = 300.0      # ... and one silent for this long on another host is taken for dead


def now_iso() -> str:
    """The current time, ISO 8601 with the local UTC offset (seconds)."""
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def write_json(path: str | os.PathLike, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically, replacing what was there."""
    text = json.dumps(data, indent=2, sort_keys=False, default=_jsonable) + "\n"
    with atomic_open(path, "w", overwrite=True) as fh:
        fh.write(text)


def read_json(path: str | os.PathLike) -> Any:
    """Parse a JSON file; ``None`` when it does not exist.

    Raises
    ------
    ValueError
        If the file is not valid JSON (naming the file and line).
    """
    p = Path(path)
    try:
        text = p.read_text()
    except FileNotFoundError:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{p}: line {err.lineno}: not valid JSON ({err.msg})") from None


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def read_status(folder: str | os.PathLike) -> dict[str, Any] | None:
    """The point's ``status.json`` (``None`` if it has none yet)."""
    return read_json(Path(folder) / STATUS_FILE)


def write_status(folder: str | os.PathLike, status: Mapping[str, Any]) -> None:
    """Replace the point's ``status.json`` atomically."""
    write_json(Path(folder) / STATUS_FILE, dict(status))


def is_done(folder: str | os.PathLike) -> bool:
    """Whether the point finished: its status says ``done`` and ``run.out/`` exists."""
    try:
        status = read_status(folder)
    except ValueError:
        return False
    return bool(status) and status.get("state") == DONE and (Path(folder) / OUTPUT_DIR).is_dir()


def archive_attempt(folder: str | os.PathLike) -> Path | None:
    """Move everything of a previous attempt (all but ``point.json``, ``params.json`` and
    ``attempts/``) into ``attempts/<n>/``, n = 1, 2, ...; nothing is deleted.

    Returns the attempt folder, or ``None`` if there was nothing to move.
    """
    folder = Path(folder)
    leftovers = sorted(p for p in folder.iterdir() if p.name not in KEEP
                       and not (p.name.startswith(".") and p.name.endswith(".tmp")))
    if not leftovers:
        return None
    base = folder / ATTEMPTS_DIR
    base.mkdir(exist_ok=True)
    n = 1 + max((int(p.name) for p in base.iterdir() if p.name.isdigit()), default=0)
    while True:  # another process may take the same number: mkdir is the arbiter
        target = base / str(n)
        try:
            target.mkdir()
            break
        except FileExistsError:
            n += 1
    for p in leftovers:
        os.replace(p, target / p.name)
    return target


def write_point_files(folder: str | os.PathLike, point: Mapping[str, Any],
                      params: Mapping[str, Any] | None) -> None:
    """Write ``point.json`` (and ``params.json`` when ``params`` is given) into ``folder``.

    An existing ``point.json`` is kept: the id is a hash of the physics, so it already
    describes the same point (only the study's name or run options may differ).
    ``params.json`` is the sweep's index of the folder and is rewritten when the
    sweep names the values differently.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / POINT_FILE).is_file():
        write_json(folder / POINT_FILE, point)
    if params is not None:
        try:
            old = read_json(folder / PARAMS_FILE)
        except ValueError:
            old = None
        if old != json.loads(json.dumps(dict(params), default=_jsonable)):
            write_json(folder / PARAMS_FILE, dict(params))


def write_manifest(out: str | os.PathLike, header: Mapping[str, Any],
                   points: Iterable[Mapping[str, Any]]) -> None:
    """Write ``manifest.json`` (``header`` plus ``points``) and ``manifest.csv``,
    atomically.

    Each point is a mapping with ``index``, ``id``, ``params``, ``given``, ``state``,
    ``folder`` (and ``duplicate_of``, the index of the identical point that runs for it).
    """
    out = Path(out)
    points = [dict(p) for p in points]
    counts = {s: sum(1 for p in points if p.get("state") == s) for s in STATES}
    write_json(out / MANIFEST_FILE, {**header, "updated": now_iso(), "counts": counts,
                                     "points": points})
    names: list[str] = []
    for p in points:
        names += [k for k in p.get("params", {}) if k not in names]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*MANIFEST_COLUMNS, *names])
    for p in points:
        dup = p.get("duplicate_of")
        writer.writerow([p["index"], p["id"], p["state"], p["folder"],
                         "" if dup is None else dup,
                         *(p.get("params", {}).get(k, "") for k in names)])
    with atomic_open(out / MANIFEST_CSV, "w", overwrite=True) as fh:
        fh.write(buf.getvalue())


def _age_s(stamp: Any) -> float:
    """Seconds since an ISO time stamp (infinite when missing or unreadable)."""
    try:
        then = _dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return float("inf")
    if then.tzinfo is None:
        then = then.replace(tzinfo=_dt.timezone.utc)
    return (_dt.datetime.now(_dt.timezone.utc) - then).total_seconds()


class PointBusy(RuntimeError):
    """Another live process is writing the point folder."""


def hold_point(folder: str | os.PathLike):
    """Take the point's writer lock (``.writer.lock``, an flock) and return its open file:
    the lock lasts until that file is closed or the process ends, however it ends.

    Raises
    ------
    PointBusy
        If another process holds it.
    """
    path = Path(folder) / WRITER_LOCK
    fh = open(path, "a+")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: heartbeats only
        return fh
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise PointBusy(f"{folder}: another process is writing this point") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{socket.gethostname()} pid {os.getpid()} since {now_iso()}\n")
    fh.flush()
    return fh


def point_locked(folder: str | os.PathLike) -> bool | None:
    """Whether a live process holds the point's writer lock (``None``: cannot tell, no
    lock file or no flock)."""
    path = Path(folder) / WRITER_LOCK
    try:
        import fcntl
        fh = open(path, "r")
    except (ImportError, OSError):
        return None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def process_alive(status: Mapping[str, Any], folder: str | os.PathLike | None = None) -> bool:
    """Whether the worker a ``running`` status names is still alive.

    Whatever kind of process writes the point (a worker process, a Dask worker, a job
    of the user's own), it holds the point's writer lock (:func:`hold_point`), so
    with ``folder`` a held lock means alive, and on this host a free one means gone.
    Otherwise (another host, whose locks a shared filesystem may not carry) a heartbeat
    newer than :data:`STALE_S` seconds means alive.
    """
    if folder is not None:
        locked = point_locked(folder)
        if locked:
            return True
        if locked is False and status.get("host") == socket.gethostname():
            return False
    return _age_s(status.get("heartbeat")) < STALE_S
