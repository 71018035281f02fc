"""``mmstudy analyze`` on the output folder of ``mmstudy run``: every finished point.

Each point folder listed ``done`` in ``manifest.json`` is opened with
:func:`analysis.open_run` (the point folder opens its ``run.out/``), analysed with
:func:`analysis.analyze.analyze`, and written to ``<target>/<id>/`` (target default:
``<sweep>_analysis/`` beside the sweep folder, like a single run's ``RUN_analysis/``);
``<target>/points.csv`` has one row per point: its swept values, the frame count, the
number of tracks, Q of the last frame (and the charge method), the stage analysed, the
first track's velocity, Hall angle and diffusion constants with their errors. Points
that did not finish are not analysed but named: one line each (state and error from
its ``status.json``) and a row in ``points.csv`` with its ``state`` and ``error``.

Examples
--------
>>> import tempfile, pathlib
>>> sweep_points(pathlib.Path(tempfile.mkdtemp())) is None   # no manifest: not a sweep
True
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.atomic import atomic_open
from orchestrator.dispatch.folders import DONE, MANIFEST_FILE, STATUS_FILE, is_done, read_json

__all__ = ["sweep_points", "missing_points", "analyze_sweep", "default_target"]


def sweep_points(folder: str | os.PathLike) -> list[dict[str, Any]] | None:
    """The finished points of a sweep folder (manifest entries with ``path``), or
    ``None`` if ``folder`` is not the output folder of ``mmstudy run``."""
    folder = Path(folder)
    manifest = read_json(folder / MANIFEST_FILE) if folder.is_dir() else None
    if not isinstance(manifest, dict) or "points" not in manifest:
        return None
    seen, points = set(), []
    for entry in manifest["points"]:
        path = folder / entry["folder"]
        if entry.get("state") == DONE and entry["folder"] not in seen and is_done(path):
            seen.add(entry["folder"])
            points.append({**entry, "path": path})
    return points


def missing_points(folder: str | os.PathLike) -> list[dict[str, Any]]:
    """The points of a sweep folder that are not finished: manifest entries with the
    ``state`` and ``error`` of their ``status.json`` (an empty list for a folder that is
    not a sweep, or whose points all finished)."""
    folder = Path(folder)
    manifest = read_json(folder / MANIFEST_FILE) if folder.is_dir() else None
    if not isinstance(manifest, dict) or "points" not in manifest:
        return []
    finished = {p["folder"] for p in sweep_points(folder) or []}
    out = []
    for entry in manifest["points"]:
        if entry["folder"] in finished:
            continue
        try:
            status = read_json(folder / entry["folder"] / STATUS_FILE)
        except (OSError, ValueError):
            status = None
        status = status if isinstance(status, dict) else {}
        state = status.get("state", entry.get("state", "unknown"))
        if state == DONE:  # listed done, yet without its output
            state = "done, but its output folder is missing"
        out.append({**entry, "state": state, "error": status.get("error")})
    return out


def default_target(folder: str | os.PathLike) -> Path:
    """``<sweep>_analysis/`` beside the sweep folder."""
    folder = Path(folder).absolute()
    return folder.with_name(folder.name + "_analysis")


def analyze_sweep(folder: str | os.PathLike, target: str | os.PathLike | None = None, *,
                  analyze_one: Callable[[Path, Path], Any],
                  echo: Callable[[str], None] = print, overwrite: bool = False) -> list[Path]:
    """Analyse every finished point of a sweep folder.

    Parameters
    ----------
    folder : path
        Output folder of ``mmstudy run`` (holding ``manifest.json``).
    target : path, optional
        Where to write (default :func:`default_target`).
    analyze_one : callable (point folder, output folder) -> Analysis
        Analyses one point and writes its files (the CLI's single-run analysis).
    echo : callable
        Receives one line per point.
    overwrite : bool
        Replace an existing ``points.csv``.

    Returns
    -------
    list of Path
        The per-point folders and ``points.csv``.

    Raises
    ------
    ValueError
        If the folder has no finished point.
    """
    points = sweep_points(folder)
    missing = missing_points(folder)
    if not points:
        why = "; ".join(_missing_line(e) for e in missing[:5])
        raise ValueError(f"{folder}: no finished point to analyse (manifest.json lists none "
                         f"done){': ' + why if why else ''}")
    target = Path(target) if target is not None else default_target(folder)
    rows, written = [], []
    names: list[str] = []
    for entry in points:
        result = analyze_one(entry["path"], target / entry["folder"])
        s = result.summary
        first = s["tracks"][0] if s["tracks"] else {}
        v = first.get("velocity_m_per_s") or {}
        row = {"index": entry["index"], "id": entry["id"], **entry.get("params", {}),
               "state": DONE, "error": "", "stage": s.get("stage", ""),
               "frames": s["frames"], "tracks": len(s["tracks"]),
               "Q_last_frame": s["Q_last_frame"][0] if s["Q_last_frame"] else "",
               "Q_method": s.get("method", ""),
               "vx": v.get("vx", ""), "vx_err": v.get("vx_err", ""), "vy": v.get("vy", ""),
               "vy_err": v.get("vy_err", ""), "hall_angle_rad": first.get("hall_angle_rad", "")}
        for ax in ("x", "y"):
            d = first.get(f"diffusion_{ax}_m2_per_s") or {}
            row[f"D{ax}_m2_per_s"] = d.get("D", "")
            row[f"D{ax}_err_m2_per_s"] = d.get("D_err", "")
        names += [k for k in row if k not in names]
        rows.append(row)
        given = ", ".join(f"{k} = {val}" for k, val in entry.get("given", {}).items())
        stage = f"stage {row['stage']}, " if row["stage"] not in ("", "all") else ""
        method = f" ({row['Q_method']})" if row["Q_method"] else ""
        echo(f"point {entry['index']}{f' ({given})' if given else ''}: {stage}{row['frames']} "
             f"frames, {row['tracks']} track(s), Q(last frame){method} = "
             f"{row['Q_last_frame']:.3f}" if row["Q_last_frame"] != ""
             else f"point {entry['index']}: no frames")
        written.append(target / entry["folder"])
    for entry in missing:  # not analysed: say which and why
        echo(_missing_line(entry))
        row = {"index": entry.get("index", ""), "id": entry.get("id", ""),
               **entry.get("params", {}), "state": entry["state"],
               "error": entry.get("error") or ""}
        names += [k for k in row if k not in names]
        rows.append(row)
    if missing:
        echo(f"{len(missing)} of {len(points) + len(missing)} points not analysed (not finished)")
    rows.sort(key=lambda r: (r["index"] if isinstance(r["index"], int) else 1 << 30))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    with atomic_open(target / "points.csv", "w", overwrite=overwrite) as fh:
        fh.write(buf.getvalue())
    written.append(target / "points.csv")
    return written


def _missing_line(entry: dict[str, Any]) -> str:
    given = ", ".join(f"{k} = {val}" for k, val in (entry.get("given") or entry.get("params")
                                                    or {}).items())
    error = f": {entry['error']}" if entry.get("error") else ""
    return (f"point {entry.get('index', '?')}{f' ({given})' if given else ''}: not analysed, "
            f"{entry['state']}{error} (id {entry.get('id', '?')})")
