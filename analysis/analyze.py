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

__all__ = ["Analysis", "analyze", "write_analysis", "parse_drive", "select_stage",
           "summary_lines"]

#: Frames per detection batch (the progress bar advances by one batch).
BATCH = 64
#: Fewest frames a track needs before velocity and diffusion are fitted.
MIN_FRAMES_FIT = 3
#: How each topological charge method is named in figures and tables.
METHOD_LABELS = {"lattice": "lattice (Berg–Lüscher)", "fd2": "fd2 (2nd-order differences)",
                 "fd4": "fd4 (4th-order differences)"}


@dataclasses.dataclass
class Analysis:
    """What :func:`analyze` found in one run."""

    objects: pd.DataFrame
    events: pd.DataFrame
    charge: xr.DataArray
    summary: dict
    count: pd.Series | None = None
    #: index along the run's ``t`` of each analysed frame (``objects["frame"]`` counts these)
    frames: np.ndarray | None = None


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
        _fit_motion(tr, drive, out)
    return out


def _numbers(d: dict) -> dict:
    return {k: float(val) for k, val in d.items() if isinstance(val, (int, float, np.floating))}


def _fit_motion(tr: pd.DataFrame, drive, out: dict) -> None:
    """Velocity, Hall angle and drift-corrected diffusion of one track, into ``out``.

    Without times the units are per frame (the velocity's ``time_unit`` says which).
    A fit that cannot be made is reported (``fit_error`` for the velocity,
    ``diffusion_error`` for the diffusion constants) and the rest kept.
    """
    try:
        v = velocity(tr)
    except ValueError as err:  # e.g. repeated save times: report, keep the rest
        out["fit_error"] = str(err)
        return
    out["velocity_m_per_s" if "t" in tr else "velocity_m_per_frame"] = _numbers(v)
    if drive is not None:
        out["hall_angle_rad"] = float(hall_angle(v["vx"], v["vy"], drive))
    frames = tr["frame"].to_numpy()
    if len(tr) < MIN_FRAMES_FIT + 1:
        out["diffusion_error"] = f"{len(tr)} frames; diffusion needs {MIN_FRAMES_FIT + 1}"
        return
    if not np.all(np.diff(frames) == 1):
        out["diffusion_error"] = "the track misses frames; diffusion needs consecutive frames"
        return
    # Diffusion about the drift: the fitted straight line is subtracted first,
    # so a driven skyrmion's MSD measures its fluctuations, not v² t².
    resid = tr.copy()
    t = tr["t"].to_numpy() if "t" in tr else frames.astype(float)
    for ax in ("x", "y"):
        col = f"{ax}_u" if f"{ax}_u" in tr else ax
        resid[col] = tr[col].to_numpy() - v[f"v{ax}"] * t
    unit = "m2_per_s" if "t" in tr else "m2_per_frame"
    try:
        fits = {ax: diffusion_constant(resid, ax) for ax in ("x", "y")}
    except ValueError as err:  # frames not evenly spaced in time (e.g. stages joined)
        out["diffusion_error"] = str(err)
        return
    for ax, d in fits.items():
        out[f"diffusion_{ax}_{unit}"] = _numbers(d)


def _stage_types(ds: xr.Dataset) -> list[str]:
    types = ds.attrs.get("stage_types", [])
    if isinstance(types, str):  # as a netCDF file stores a list of strings
        types = types.replace(",", " ").split()
    return [str(t) for t in np.atleast_1d(types)] if len(types) else []


def select_stage(ds: xr.Dataset, stage: int | str | None = None) -> tuple[np.ndarray, dict]:
    """The frames of ``ds`` to analyse: their indices along ``t``, and what they are.

    ``stage`` is a stage index, ``"all"``, or ``None``/``"last_evolve"`` (the default:
    the frames of the run's last ``evolve`` stage when ``ds`` has the ``stage``
    coordinate along ``t`` and ``attrs["stage_types"]``, as :func:`analysis.open_run`
    gives them; every frame otherwise, or when the run has no evolve stage).

    A stage that takes time (``evolve``) also gets the frame it started from: the
    frame before its first one when that frame lies at the stage's start time
    (``t − stage_t``), as :func:`analysis.open_run` shows the previous stage's last
    state there (``"stage_start_included"`` says so).

    Returns
    -------
    (numpy.ndarray, dict)
        Frame indices; ``{"stage": k or "all", "stage_type": str or None,
        "stage_start_included": bool}`` (the last only for a chosen stage).

    Raises
    ------
    ValueError
        For a stage the run does not have, or a stage index on a run without stages.
    """
    n = ds.sizes.get("t", 1)
    everything = np.arange(n)
    key = stage
    if isinstance(key, str) and key.strip().lstrip("-").isdigit():
        key = int(key)
    if key is not None and not isinstance(key, (int, np.integer)) \
            and key not in ("all", "last_evolve"):
        raise ValueError(f"stage {stage!r}: expected a stage index, 'all' or 'last_evolve'")
    has_stages = "stage" in ds.coords and ds["stage"].dims == ("t",)
    if not has_stages:
        if isinstance(key, (int, np.integer)):
            raise ValueError(f"stage {key}: {ds.attrs.get('source', 'the run')} has no stage "
                             "information (no 'stage' coordinate along t)")
        return everything, {"stage": "all", "stage_type": None}
    stages = np.asarray(ds["stage"].values).astype(int)
    types = _stage_types(ds)
    type_of = (lambda k: types[k] if 0 <= k < len(types) else None)
    if key == "all":
        return everything, {"stage": "all", "stage_type": None}
    if key is None or key == "last_evolve":
        evolves = [k for k in np.unique(stages) if type_of(int(k)) == "evolve"]
        if not evolves:
            return everything, {"stage": "all", "stage_type": None}
        key = int(evolves[-1])
    key = int(key)
    picked = np.flatnonzero(stages == key)
    if not picked.size:
        raise ValueError(f"stage {key}: the run's frames are of stages "
                         f"{sorted(set(stages.tolist()))}")
    info = {"stage": key, "stage_type": type_of(key), "stage_start_included": False}
    first = int(picked[0])
    if first > 0 and "stage_t" in ds.coords and "t" in ds.coords \
            and type_of(key) not in ("minimize", "relax"):
        # The state the stage started from is the frame before it, at the stage's start
        # time (open_run shows one frame per time: the previous stage's last state). It
        # is the dynamics' first position: include it.
        t = np.asarray(ds["t"].values, dtype=float)
        since = float(ds["stage_t"].values[first])
        start = t[first] - since
        if since > 0 and abs(t[first - 1] - start) <= 1e-6 * since:
            picked = np.concatenate([[first - 1], picked])
            info["stage_start_included"] = True
    return picked, info


def analyze(
    ds: xr.Dataset,
    *,
    drive: tuple[float, float] | None = None,
    mask: xr.DataArray | None = None,
    pbc: str | None = None,
    method: str = "lattice",
    max_step: float | None = None,
    progress: bool = False,
    stage: int | str | None = None,
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
    method : {"lattice", "fd2", "fd4"}
        Topological charge density used for Q (of each frame and of each object).
        The default, Berg–Lüscher's lattice charge, is an integer for any texture on
        a periodic film; ``fd2`` is a few per cent low on walls a few cells wide.
        ``summary["method"]``, the ``Q_method`` column of ``trajectories.csv`` and
        the figures' titles say which was used.
    max_step : float, optional
        Longest displacement between frames (m) for linking.
    progress : bool
        Show a progress bar over frames.
    stage : int, "all" or "last_evolve", optional
        Which frames: by default those of the run's last evolve stage (the driven
        or thermal dynamics) when the run has stage information, else all of them;
        see :func:`select_stage`. ``summary["stage"]``, ``["stage_type"]``,
        ``["run_frames"]`` (first and last frame, as indices along the run's ``t``)
        and ``["t_range_s"]`` say which frames were used.

    Returns
    -------
    Analysis
    """
    pbc = ds.attrs.get("pbc", "") if pbc is None else pbc
    if "m" not in ds:
        raise ValueError(f"{ds.attrs.get('source', 'dataset')}: no magnetisation 'm' to analyse")
    picked, stage_info = select_stage(ds, stage)
    m = ds["m"]
    if "t" not in m.dims:
        m = m.expand_dims("t")
    if "m_file" in m.coords:  # other fields saved at other times leave NaN frames in m
        picked = picked[pd.notna(m["m_file"].values[picked])]
    if not picked.size:
        raise ValueError(f"{ds.attrs.get('source', 'dataset')}: no frame of m to analyse "
                         f"in stage {stage_info['stage']}")
    m = m.isel(t=picked)
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
        "stage": stage_info["stage"],
        "stage_type": stage_info["stage_type"],
        "stage_start_included": stage_info.get("stage_start_included", False),
        "frames": int(n),
        "run_frames": [int(picked[0]), int(picked[-1])],
        "t_range_s": ([float(m["t"].values[0]), float(m["t"].values[-1])]
                      if "t" in m.coords else None),
        "method": method,
        "method_label": METHOD_LABELS.get(method, method),
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
    if len(tracks) and "frame" in tracks:  # the frame's index along the whole run's t
        tracks = tracks.copy()
        tracks.insert(tracks.columns.get_loc("frame") + 1, "run_frame",
                      picked[tracks["frame"].to_numpy(dtype=int)])
    return Analysis(objects=tracks, events=ev, charge=charge, summary=summary, count=count,
                    frames=picked)


def summary_lines(summary: dict) -> list[str]:
    """The summary as a person reads it on the terminal: frames and stage, Q with its
    method, and per track Q, radius, velocity, Hall angle, diffusion constants (± error)."""
    q = ", ".join(f"{v:.3f}" for v in summary.get("Q_last_frame", []))
    lines = [f"{summary['frames']} frames ({_frames_label(summary)}), "
             f"{len(summary['tracks'])} track(s), Q(last frame) = {q} "
             f"[{summary.get('method_label', summary.get('method', ''))}]"]
    for tr in summary["tracks"]:
        line = f"  track {tr['track']}: Q = {tr['Q']:.2f}, r = {tr['r_contour_m'] * 1e9:.2f} nm"
        v = tr.get("velocity_m_per_s")
        if v:
            line += (f", v = ({v['vx']:.3g} ± {v['vx_err']:.2g}, {v['vy']:.3g} ± "
                     f"{v['vy_err']:.2g}) m/s")
        if "hall_angle_rad" in tr:
            line += f", Hall angle {math.degrees(tr['hall_angle_rad']):.1f} deg"
        dx, dy = tr.get("diffusion_x_m2_per_s"), tr.get("diffusion_y_m2_per_s")
        if dx and dy:
            line += (f", D = ({dx['D']:.3g} ± {dx['D_err']:.2g}, {dy['D']:.3g} ± "
                     f"{dy['D_err']:.2g}) m²/s")
        elif tr.get("diffusion_error"):
            line += f" (no diffusion constant: {tr['diffusion_error']})"
        if tr.get("fit_error"):
            line += f" (no velocity: {tr['fit_error']})"
        lines.append(line)
    return lines


def _frames_label(summary: dict) -> str:
    """Which frames an analysis used, for figure titles: ``stage 1 (evolve), run frames 2–42``."""
    st = summary.get("stage", "all")
    first, last = summary.get("run_frames", [None, None])
    where = f"run frames {first}–{last}" if first is not None else ""
    if st == "all":
        return f"all stages, {where}" if where else "all frames"
    kind = f" ({summary['stage_type']})" if summary.get("stage_type") else ""
    return f"stage {st}{kind}, {where}"


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

    method = result.summary.get("method", "")
    objs_out = result.objects.copy()
    if "Q" in objs_out:  # say which topological charge the Q column holds
        objs_out.insert(objs_out.columns.get_loc("Q") + 1, "Q_method", method)
    text_file("trajectories.csv", objs_out.to_csv(index=False))
    text_file("events.csv", result.events.to_csv(index=False))
    text_file("summary.json", json.dumps(_json_safe(result.summary), indent=2) + "\n")
    if result.count is not None:
        text_file("count_in_mask.csv", result.count.to_csv())

    m = ds["m"] if "t" in ds["m"].dims else ds["m"].expand_dims("t")
    frames = result.frames if result.frames is not None else np.arange(m.sizes["t"])
    last = m.isel(t=int(frames[-1]), z=0).load()
    objs = result.objects
    centres = objs[objs["frame"] == len(frames) - 1] if len(objs) else None
    which = _frames_label(result.summary)
    t_last = f", t = {float(last['t']) * 1e9:.3g} ns" if "t" in last.coords else ""
    pictures = {
        "mz_last_frame.png": lambda p: plot_mz_map(
            last, centres=centres, path=p,
            title=f"last analysed frame (run frame {int(frames[-1])}{t_last})\n"
                  f"$m_z$ (colour), in-plane $m$ (arrows), centres (+)"),
        "charge.png": lambda p: plot_series(
            result.charge["t"].values if "t" in result.charge.coords else None,
            {f"z layer {i}": result.charge.isel(z=i).values for i in range(result.charge.sizes["z"])},
            ylabel=f"Q ({method})",
            title=f"topological charge, {METHOD_LABELS.get(method, method)}\n{which}", path=p),
    }
    if len(objs):
        pictures["trajectories.png"] = lambda p: plot_trajectories(
            objs, path=p, title=f"trajectories, {which}")
    for name, draw in pictures.items():
        target = out / name
        with atomic_open(target, "wb", overwrite=overwrite) as fh:
            draw(fh)
        written.append(target)
    return written
