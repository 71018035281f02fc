"""``mmstudy analyze`` on the output folder of ``mmstudy run``: every finished point.

Each point folder listed ``done`` in ``manifest.json`` is opened with
:func:`analysis.open_run` (the point folder opens its ``run.out/``), analysed with
:func:`analysis.analyze.analyze`, and written to ``<target>/<id>/`` (target default:
``<sweep>_analysis/`` beside the sweep folder, like a single run's ``RUN_analysis/``);
``<target>/points.csv`` has one row per point: its swept values, the frame count, the
number of tracks, Q of the last frame and the first track's velocity and Hall angle.

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
from orchestrator.dispatch.folders import DONE, MANIFEST_FILE, is_done, read_json

__all__ = ["sweep_points", "analyze_sweep", "default_target"]


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
    if not points:
        raise ValueError(f"{folder}: no finished point to analyse (manifest.json lists none "
                         "done)")
    target = Path(target) if target is not None else default_target(folder)
    rows, written = [], []
    names: list[str] = []
    for entry in points:
        result = analyze_one(entry["path"], target / entry["folder"])
        s = result.summary
        first = s["tracks"][0] if s["tracks"] else {}
        v = first.get("velocity_m_per_s") or {}
        row = {"index": entry["index"], "id": entry["id"], **entry.get("params", {}),
               "frames": s["frames"], "tracks": len(s["tracks"]),
               "Q_last_frame": s["Q_last_frame"][0] if s["Q_last_frame"] else "",
               "vx": v.get("vx", ""), "vx_err": v.get("vx_err", ""), "vy": v.get("vy", ""),
               "vy_err": v.get("vy_err", ""), "hall_angle_rad": first.get("hall_angle_rad", "")}
        names += [k for k in row if k not in names]
        rows.append(row)
        given = ", ".join(f"{k} = {val}" for k, val in entry.get("given", {}).items())
        echo(f"point {entry['index']}{f' ({given})' if given else ''}: {row['tracks']} "
             f"track(s), Q(last frame) = {row['Q_last_frame']:.3f}" if row["Q_last_frame"] != ""
             else f"point {entry['index']}: no frames")
        written.append(target / entry["folder"])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with atomic_open(target / "points.csv", "w", overwrite=overwrite) as fh:
        fh.write(buf.getvalue())
    written.append(target / "points.csv")
    return written
