"""The whole skyrmion analysis of one run, as one call: ``mmstudy analyze``'s engine.

:func:`analyze` takes a run Dataset (from :func:`analysis.open_run`) and returns
an :class:`Analysis`: every detected object in every frame, linked into tracks
(:mod:`analysis.detection`, :mod:`analysis.tracking`), the topological charge of
each frame (:mod:`analysis.topology`), births and deaths, the count inside a mask,
and a summary per track (Q, radius, helicity, velocity with its error, Hall angle
against a drive direction, diffusion constants along x and y;
:mod:`analysis.kinematics`). :func:`write_analysis` saves it as a person wants
it: ``trajectories.csv``, ``summary.json`` and PNG pictures.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from analysis.atomic import atomic_open
from analysis.detection import find_objects
from analysis.kinematics import diffusion_constant, hall_angle, velocity
from analysis.plots import plot_mz_map, plot_series, plot_trajectories
from analysis.topology import topological_charge
from analysis.tracking import count_in_mask, events, track

__all__ = ["Analysis", "analyze", "write_analysis", "parse_drive"]

#: Frames per detection batch (the progress bar advances by one batch).
BATCH = 64
#: Fewest frames a track needs before velocity and diffusion are fitted.
MIN_FRAMES_FIT = 3


@dataclasses.dataclass
class Analysis:
    """What :func:`analyze` found in one run."""

    objects: pd.DataFrame
    events: pd.DataFrame
    charge: xr.DataArray
    summary: dict
    count: pd.Series | None = None


def parse_drive(text: str | None) -> tuple[float, float] | None:
    """A drive direction from the command line: ``x``, ``-y``, ``30`` (degrees) or ``1,-1``.

    Examples
    --------
    >>> parse_drive("-y"), parse_drive("90")[1], parse_drive("1,1")
    ((0.0, -1.0), 1.0, (0.7071067811865475, 0.7071067811865475))
    """
    if text is None:
        return None
    t = text.strip().lower()
    axes = {"x": (1.0, 0.0), "+x": (1.0, 0.0), "-x": (-1.0, 0.0),
            "y": (0.0, 1.0), "+y": (0.0, 1.0), "-y": (0.0, -1.0)}
    if t in axes:
        return axes[t]
    try:
        if "," in t:
            dx, dy = (float(v) for v in t.split(","))
        else:
            ang = math.radians(float(t))
            dx, dy = math.cos(ang), math.sin(ang)
    except ValueError:
        raise ValueError(f"drive direction {text!r}: expected x, -y, an angle in degrees "
                         "or 'dx,dy'") from None
    norm = math.hypot(dx, dy)
    if norm == 0:
        raise ValueError(f"drive direction {text!r} has zero length")
    # snap the rounding residue of cos(90°) etc. to an exact 0
    return tuple(0.0 if abs(v / norm) < 1e-12 else v / norm for v in (dx, dy))


def _box(ds: xr.Dataset, pbc: str) -> tuple[float | None, float | None]:
    cell = ds.attrs.get("cell")
    out = []
    for i, ax in enumerate("xy"):
        if ax not in pbc:
            out.append(None)
            continue
        h = float(cell[i]) if cell is not None else float(ds[ax].values[1] - ds[ax].values[0])
        out.append(ds.sizes[ax] * h)
    return out[0], out[1]


def _frames(n: int, progress: bool):
    starts = range(0, n, BATCH)
    if not progress or n <= BATCH:
        yield from starts
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("detecting"), BarColumn(), TextColumn("{task.completed}/{task.total}"
                  " frames"), TimeRemainingColumn()) as bar:
        task = bar.add_task("frames", total=n)
        for s in starts:
            yield s
            bar.update(task, advance=min(BATCH, n - s))


def _circular_mean(angles: pd.Series) -> float:
    a = angles.dropna().to_numpy()
    return float(np.angle(np.exp(1j * a).mean())) if a.size else float("nan")


def _track_summary(tr: pd.DataFrame, drive) -> dict:
    out = {
        "track": int(tr["track"].iloc[0]),
        "frames": int(len(tr)),
        "first_frame": int(tr["frame"].iloc[0]),
        "last_frame": int(tr["frame"].iloc[-1]),
        "Q": float(tr["Q"].median()),
        "r_eq_m": float(tr["r_eq"].mean()),
        "r_contour_m": float(tr["r_contour"].mean()),
        "helicity_rad": _circular_mean(tr["helicity"]),
        "helicity_left_rad": _circular_mean(tr["helicity_left"]),
        "helicity_right_rad": _circular_mean(tr["helicity_right"]),
    }
    if len(tr) >= MIN_FRAMES_FIT:
        try:
            _fit_motion(tr, drive, out)
        except ValueError as err:  # e.g. repeated save times: report, keep the rest
            out["fit_error"] = str(err)
    return out


def _fit_motion(tr: pd.DataFrame, drive, out: dict) -> None:
    """Velocity, Hall angle and drift-corrected diffusion of one track, into ``out``.

    Without times the units are per frame (the velocity's ``time_unit`` says which).
    """
    v = velocity(tr)
    out["velocity_m_per_s" if "t" in tr else "velocity_m_per_frame"] = {
        k: float(val) for k, val in v.items() if isinstance(val, (int, float, np.floating))}
    if drive is not None:
        out["hall_angle_rad"] = float(hall_angle(v["vx"], v["vy"], drive))
    frames = tr["frame"].to_numpy()
    if np.all(np.diff(frames) == 1) and len(tr) >= MIN_FRAMES_FIT + 1:
        # Diffusion about the drift: the fitted straight line is subtracted first,
        # so a driven skyrmion's MSD measures its fluctuations, not v² t².
        resid = tr.copy()
        t = tr["t"].to_numpy() if "t" in tr else frames.astype(float)
        for ax in ("x", "y"):
            col = f"{ax}_u" if f"{ax}_u" in tr else ax
            resid[col] = tr[col].to_numpy() - v[f"v{ax}"] * t
        unit = "m2_per_s" if "t" in tr else "m2_per_frame"
        for ax in ("x", "y"):
            d = diffusion_constant(resid, ax)
            out[f"diffusion_{ax}_{unit}"] = {k: float(val) for k, val in d.items()
                                             if isinstance(val, (int, float, np.floating))}


def analyze(
    ds: xr.Dataset,
    *,
    drive: tuple[float, float] | None = None,
    mask: xr.DataArray | None = None,
    pbc: str | None = None,
    method: str = "fd2",
    max_step: float | None = None,
    progress: bool = False,
) -> Analysis:
    """Detect, track and summarise every skyrmion-like object of a run.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`analysis.open_run` (needs ``m``; ``attrs["pbc"]``, ``Ms`` used
        when present).
    drive : (dx, dy), optional
        Drive direction (e.g. the current or the SOT velocity direction) for the
        Hall angle.
    mask : DataArray of bool (y, x), optional
        Region whose objects are counted per frame (paper 001's chamber).
    pbc : str, optional
        Periodic axes; default ``ds.attrs["pbc"]``.
    method : {"fd2", "fd4", "lattice"}
        Topological charge density used for Q.
    max_step : float, optional
        Longest displacement between frames (m) for linking.
    progress : bool
        Show a progress bar over frames.

    Returns
    -------
    Analysis
    """
    pbc = ds.attrs.get("pbc", "") if pbc is None else pbc
    if "m" not in ds:
        raise ValueError(f"{ds.attrs.get('source', 'dataset')}: no magnetisation 'm' to analyse")
    m = ds["m"]
    if "t" not in m.dims:
        m = m.expand_dims("t")
    if "m_file" in m.coords:  # other fields saved at other times leave NaN frames in m
        m = m.isel(t=np.flatnonzero(pd.notna(m["m_file"].values)))
    n = m.sizes["t"]
    system = xr.Dataset({"m": m, **({"Ms": ds["Ms"]} if "Ms" in ds else {})}, attrs=ds.attrs)
    parts, charges = [], []
    for start in _frames(n, progress):
        # read each batch of snapshots once, for both the detection and the frame's Q
        batch = system.isel(t=slice(start, start + BATCH)).load()
        charges.append(topological_charge(batch, method=method, pbc=pbc))
        found = find_objects(batch, pbc=pbc, method=method)
        if "frame" in found:
            found["frame"] += start
        parts.append(found)
    objects = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    # pd.concat drops attrs that differ between batches: restore them for the whole run
    if parts:
        objects.attrs = dict(parts[0].attrs)
        objects.attrs["n_frames"] = n
        if "times" in objects.attrs and "t" in m.coords:
            objects.attrs["times"] = m["t"].values.tolist()
    box = _box(ds, pbc)
    objects.attrs["box"] = box
    tracks = track(objects, box=box, max_step=max_step) if len(objects) else objects
    ev = events(tracks) if len(tracks) else pd.DataFrame()
    charge = (xr.concat(charges, dim="t") if charges
              else topological_charge(system, method=method, pbc=pbc))
    count = count_in_mask(tracks, mask) if mask is not None and len(tracks) else None
    summary = {
        "source": ds.attrs.get("source", ""),
        "kind": ds.attrs.get("kind", ""),
        "pbc": pbc,
        "frames": int(n),
        "method": method,
        "drive": list(drive) if drive is not None else None,
        "Q_first_frame": [float(v) for v in np.atleast_1d(charge.isel(t=0).values)],
        "Q_last_frame": [float(v) for v in np.atleast_1d(charge.isel(t=-1).values)],
        "objects_per_frame_max": int(objects.groupby("frame").size().max()) if len(objects) else 0,
        "events": ev["kind"].value_counts().to_dict() if len(ev) else {},
        "tracks": [_track_summary(tr, drive) for _, tr in tracks.groupby("track")]
        if len(tracks) else [],
    }
    if count is not None:
        summary["count_in_mask_first_last"] = [int(count.iloc[0]), int(count.iloc[-1])]
    return Analysis(objects=tracks, events=ev, charge=charge, summary=summary, count=count)


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return _json_safe(float(obj))
    return obj


def write_analysis(result: Analysis, ds: xr.Dataset, out_dir: str | os.PathLike, *,
                   overwrite: bool = False) -> list[Path]:
    """Save ``trajectories.csv``, ``summary.json``, ``events.csv`` and the PNG pictures.

    Every file is written atomically; existing files are kept unless ``overwrite``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(out_dir)
    names = ["trajectories.csv", "events.csv", "summary.json", "mz_last_frame.png", "charge.png"]
    names += ["count_in_mask.csv"] if result.count is not None else []
    names += ["trajectories.png"] if len(result.objects) else []
    clash = [n for n in names if (out / n).exists()]
    if clash and not overwrite:  # refuse before writing anything
        raise FileExistsError(f"{out}: {', '.join(clash)} already exist; refusing to overwrite "
                              "them (pass overwrite=True, or --force)")
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def text_file(name, text):
        with atomic_open(out / name, "w", overwrite=overwrite) as fh:
            fh.write(text)
        written.append(out / name)

    text_file("trajectories.csv", result.objects.to_csv(index=False))
    text_file("events.csv", result.events.to_csv(index=False))
    text_file("summary.json", json.dumps(_json_safe(result.summary), indent=2) + "\n")
    if result.count is not None:
        text_file("count_in_mask.csv", result.count.to_csv())

    m = ds["m"] if "t" in ds["m"].dims else ds["m"].expand_dims("t")
    last = m.isel(t=-1, z=0).load()
    objs = result.objects
    centres = objs[objs["frame"] == objs["frame"].max()] if len(objs) else None
    pictures = {
        "mz_last_frame.png": lambda p: plot_mz_map(last, centres=centres, path=p,
                                                   title="last frame: $m_z$, in-plane $m$, centres"),
        "charge.png": lambda p: plot_series(
            result.charge["t"].values if "t" in result.charge.coords else None,
            {f"z layer {i}": result.charge.isel(z=i).values for i in range(result.charge.sizes["z"])},
            ylabel="Q", title="topological charge", path=p),
    }
    if len(objs):
        pictures["trajectories.png"] = lambda p: plot_trajectories(objs, path=p)
    for name, draw in pictures.items():
        target = out / name
        with atomic_open(target, "wb", overwrite=overwrite) as fh:
            draw(fh)
        written.append(target)
    return written
