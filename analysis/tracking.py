"""Link detected objects into tracks, find births and deaths, count objects in a region.

* :func:`track` links the objects of :func:`analysis.detection.find_objects`
  between consecutive frames (per z-layer) by a minimum-cost assignment
  (:func:`scipy.optimize.linear_sum_assignment`) on minimum-image distances along
  periodic axes, and adds unwrapped coordinates ``x_u, y_u`` that continue across
  periodic seams, so that a skyrmion crossing the seam gives a straight line.
* :func:`events` lists where tracks start and end inside the frame range: births
  (``nucleation``, or ``entered the mesh`` at an open edge) and deaths
  (``annihilation``, or ``left the mesh`` at an open edge or next to empty cells).
* :func:`count_in_mask` counts objects whose centre lies in a boolean ``(y, x)``
  mask, per time (the skyrmions in the synapse chamber of paper 001).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy.optimize import linear_sum_assignment

from analysis.periodic import minimum_image

__all__ = ["track", "events", "count_in_mask", "minimum_image"]


def _box(objects: pd.DataFrame, box) -> tuple[float | None, float | None]:
    if box is None:
        box = objects.attrs.get("box", (None, None))
    Lx, Ly = box
    return (None if not Lx else float(Lx)), (None if not Ly else float(Ly))


def _link(xa, ya, xb, yb, Lx, Ly, max_step) -> list[tuple[int, int]]:
    """Pairs (i, j) linking objects a_i of one frame to b_j of the next."""
    if len(xa) == 0 or len(xb) == 0:
        return []
    ddx = minimum_image(xb[None, :] - xa[:, None], Lx)
    ddy = minimum_image(yb[None, :] - ya[:, None], Ly)
    dist = np.hypot(ddx, ddy)
    if max_step is None:
        rows, cols = linear_sum_assignment(dist)
        return list(zip(rows.tolist(), cols.tolist()))
    # Links longer than max_step cost more than all allowed links together, so the
    # assignment first keeps as many allowed links as it can, then minimises their
    # total length; the forbidden ones it was forced to make are dropped afterwards.
    cost = dist / max_step
    big = 2.0 * (min(cost.shape) + 1)
    cost = np.where(cost <= 1.0, cost, big)
    rows, cols = linear_sum_assignment(cost)
    return [(i, j) for i, j in zip(rows.tolist(), cols.tolist()) if cost[i, j] <= 1.0]


def track(
    objects: pd.DataFrame,
    *,
    box: tuple[float | None, float | None] | None = None,
    max_step: float | None = None,
) -> pd.DataFrame:
    """Link objects between consecutive frames into tracks.

    Parameters
    ----------
    objects : DataFrame
        From :func:`analysis.detection.find_objects`: columns ``frame``, ``z``,
        ``x``, ``y`` at least.
    box : (Lx, Ly), optional
        Periodic lengths in metres, None along open axes; default
        ``objects.attrs["box"]`` (no periodic axis if absent).
    max_step : float, optional
        Longest allowed displacement between consecutive frames (m). Objects farther
        than this from every object of the previous frame start new tracks. Default:
        no limit (every object is linked if the counts allow).

    Returns
    -------
    DataFrame
        ``objects`` (same rows and order) with ``track`` (int, unique over layers)
        and ``x_u, y_u``: positions unwrapped across periodic seams (equal to ``x, y``
        at the first frame of each track). Only frames ``f`` and ``f + 1`` are
        linked: a frame without objects ends every track.

    Examples
    --------
    >>> obj = pd.DataFrame({"frame": [0, 1, 2], "z": 0.0, "x": [9e-9, 1e-9, 3e-9],
    ...                     "y": 5e-9})
    >>> tr = track(obj, box=(10e-9, None))
    >>> tr.track.tolist(), [round(v * 1e9, 6) for v in tr.x_u]
    ([0, 0, 0], [9.0, 11.0, 13.0])
    """
    Lx, Ly = _box(objects, box)
    if max_step is not None and not max_step > 0:
        raise ValueError(f"max_step must be positive, not {max_step!r}")
    out = objects.copy()
    n = len(out)
    ids = np.full(n, -1, dtype=np.int64)
    frame = out["frame"].to_numpy(dtype=np.int64)
    z = out["z"].to_numpy(dtype=float)
    x = out["x"].to_numpy(dtype=float)
    y = out["y"].to_numpy(dtype=float)
    next_id = 0
    order = np.lexsort((frame, z))  # by layer, then frame
    zs, fs = z[order], frame[order]
    # boundaries of the (z, frame) groups in the sorted order
    starts = np.flatnonzero(np.r_[True, (zs[1:] != zs[:-1]) | (fs[1:] != fs[:-1])])
    stops = np.r_[starts[1:], n]
    prev = None  # (z, frame, indices into the original rows)
    for a, b in zip(starts, stops):
        cur = order[a:b]
        zc, fc = zs[a], fs[a]
        links = []
        if prev is not None and prev[0] == zc and prev[1] == fc - 1:
            p = prev[2]
            links = _link(x[p], y[p], x[cur], y[cur], Lx, Ly, max_step)
            for i, j in links:
                ids[cur[j]] = ids[p[i]]
        for j in range(len(cur)):
            if ids[cur[j]] < 0:
                ids[cur[j]] = next_id
                next_id += 1
        prev = (zc, fc, cur)
    # renumber tracks by first appearance (frame, then row order)
    first = pd.Series(frame).groupby(ids).min()
    renum = {tid: k for k, tid in enumerate(first.sort_values(kind="stable").index)}
    ids = np.array([renum[t] for t in ids], dtype=np.int64) if n else ids
    out["track"] = ids
    # unwrap: cumulative minimum-image steps along each track
    o = np.lexsort((frame, ids))
    xs, ys, ts = x[o], y[o], ids[o]
    same = np.r_[False, ts[1:] == ts[:-1]]
    stepx = np.where(same, minimum_image(np.diff(xs, prepend=np.nan), Lx), 0.0)
    stepy = np.where(same, minimum_image(np.diff(ys, prepend=np.nan), Ly), 0.0)
    start_x = np.where(same, 0.0, xs)
    start_y = np.where(same, 0.0, ys)
    xu = np.empty(n)
    yu = np.empty(n)
    xu[o] = pd.Series(start_x + stepx).groupby(ts).cumsum().to_numpy()
    yu[o] = pd.Series(start_y + stepy).groupby(ts).cumsum().to_numpy()
    out["x_u"] = xu
    out["y_u"] = yu
    out.attrs = dict(objects.attrs)
    out.attrs.update(box=(Lx, Ly), max_step=max_step)
    return out


def _frame_range(df: pd.DataFrame) -> tuple[int, int]:
    nf = df.attrs.get("n_frames")
    if nf:
        return 0, int(nf) - 1
    return int(df["frame"].min()), int(df["frame"].max())


def events(tracks: pd.DataFrame) -> pd.DataFrame:
    """Births and deaths of tracks inside the frame range.

    A track that starts after the first frame is a birth, one that ends before the
    last frame a death (frames from ``attrs["n_frames"]``, else the data). Where the
    object touches an open mesh edge or empty cells (``at_edge``) when it appears or
    disappears, the event is ``entered the mesh`` / ``left the mesh``; otherwise
    ``nucleation`` / ``annihilation``.

    Parameters
    ----------
    tracks : DataFrame
        From :func:`track`.

    Returns
    -------
    DataFrame
        Columns ``event`` (``birth``/``death``), ``kind``, ``track``, ``z``,
        ``frame`` (first frame seen for a birth, last frame seen for a death),
        ``t`` (if the tracks have times), ``x``, ``y``, ``x_u``, ``y_u``, sorted by
        frame.

    Examples
    --------
    >>> obj = pd.DataFrame({"frame": [0, 1, 1, 2], "z": 0.0, "x": [1e-9, 1e-9, 5e-9, 5e-9],
    ...                     "y": 0.0, "at_edge": False})
    >>> ev = events(track(obj, max_step=2e-9))
    >>> ev[["event", "kind", "track", "frame"]].values.tolist()
    [['birth', 'nucleation', 1, 1], ['death', 'annihilation', 0, 1]]
    """
    f0, f1 = _frame_range(tracks)
    cols = ["event", "kind", "track", "z", "frame"] + (["t"] if "t" in tracks else []) + [
        "x", "y", "x_u", "y_u"]
    if tracks.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("event", "kind") else float)
                             for c in cols})
    g = tracks.sort_values("frame", kind="stable").groupby("track", sort=True)
    first, last = g.head(1).set_index("track"), g.tail(1).set_index("track")
    edge_first = first["at_edge"] if "at_edge" in first else pd.Series(False, first.index)
    edge_last = last["at_edge"] if "at_edge" in last else pd.Series(False, last.index)
    births = first[first["frame"] > f0].copy()
    births["event"] = "birth"
    births["kind"] = np.where(edge_first[births.index].astype(bool), "entered the mesh",
                              "nucleation")
    deaths = last[last["frame"] < f1].copy()
    deaths["event"] = "death"
    deaths["kind"] = np.where(edge_last[deaths.index].astype(bool), "left the mesh",
                              "annihilation")
    ev = pd.concat([births, deaths]).reset_index()
    ev = ev.sort_values(["frame", "event", "track"], kind="stable").reset_index(drop=True)
    return ev[[c for c in cols if c in ev]]


def count_in_mask(objects: pd.DataFrame, mask: xr.DataArray) -> pd.Series:
    """Number of objects whose centre lies in a boolean ``(y, x)`` mask, per time.

    Parameters
    ----------
    objects : DataFrame
        From :func:`analysis.detection.find_objects` or :func:`track`.
    mask : DataArray of bool, dims (y, x)
        With the run's cell-centre coordinates (e.g. the chamber of paper 001). A
        centre belongs to the cell whose centre is nearest; centres off the mask's
        cells are outside.

    Returns
    -------
    pandas.Series
        Counts indexed by ``t`` (or ``frame`` without times), over every frame of
        ``attrs["n_frames"]``/``attrs["times"]`` (0 where none), or by ``(t, z)``
        when the objects come from several layers.

    Examples
    --------
    >>> mask = xr.DataArray(np.array([[True, False], [False, False]]), dims=("y", "x"),
    ...                     coords={"y": [0.5e-9, 1.5e-9], "x": [0.5e-9, 1.5e-9]})
    >>> obj = pd.DataFrame({"frame": [0, 0, 1], "z": 0.0, "x": [0.4e-9, 1.2e-9, 1.9e-9],
    ...                     "y": 0.5e-9})
    >>> count_in_mask(obj, mask).tolist()
    [1, 0]
    """
    if set(mask.dims) != {"y", "x"}:
        raise ValueError(f"mask must have dims (y, x), not {mask.dims}")
    mask = mask.transpose("y", "x")
    vals = np.asarray(mask.values, dtype=bool)
    cell = objects.attrs.get("cell", (None, None))
    idx = []
    for ax, col, h in (("y", "y", cell[1]), ("x", "x", cell[0])):
        c = np.asarray(mask[ax].values, dtype=float)
        step = float(c[1] - c[0]) if c.size > 1 else h
        if step is None:
            raise ValueError(f"cannot tell the mask's cell size along {ax}")
        k = np.floor((objects[col].to_numpy(dtype=float) - (c[0] - step / 2)) / step)
        idx.append(k)
    ky, kx = idx
    ny, nx = vals.shape
    inside = (ky >= 0) & (ky < ny) & (kx >= 0) & (kx < nx)
    hit = np.zeros(len(objects), dtype=bool)
    hit[inside] = vals[ky[inside].astype(np.intp), kx[inside].astype(np.intp)]
    times = objects.attrs.get("times")
    n_frames = objects.attrs.get("n_frames")
    key = "t" if "t" in objects else "frame"
    layered = objects["z"].nunique() > 1 if "z" in objects else False
    by = [key, "z"] if layered else [key]
    counts = pd.Series(hit.astype(np.int64), index=objects.index).groupby(
        [objects[b] for b in by]).sum()
    if not layered:
        if key == "t" and times is not None:
            counts = counts.reindex(pd.Index(times, name="t"), fill_value=0)
        elif key == "frame" and n_frames:
            counts = counts.reindex(pd.RangeIndex(int(n_frames), name="frame"), fill_value=0)
    return counts.astype(np.int64).rename("count")
