"""Which well did the skyrmion end in: the outcome of a run (a label, where, settled or not).

:func:`classify` labels a finished run (``analysis.open_run``) by where its skyrmion is
at the last frame (design 004, §4.1), for any "which well did it end in" study:

1. the last frame's objects (:func:`analysis.detection.find_objects`, ``method="fd2"``,
   objects of at least ``min_cells`` cells); none with ``|Q| ≥ 0.5`` → ``"Disappear"``
   (a vanished skyrmion, or only Q ≈ 0 bubbles such as skyrmionium);
2. the guiding centre ``(x_q, y_q)`` of the largest such object (most cells) inside the
   capture disk (``distance ≤ capture``) of exactly one well → that well's label; for a
   well given as a mask, the centre's cell lies in the mask; no well → ``"Elsewhere"``;
3. the well equal to ``initial`` is reported as ``"Block"`` (``Outcome.well`` keeps its
   own label);
4. ``settled``: the guiding centre stayed within ``static_distance`` of its final position
   over the last ``window`` seconds (tracked with :func:`analysis.tracking.track`) — a
   quality flag, not part of the label.

Wells whose capture disks (or masks) overlap are refused, so "exactly one" is never
ambiguous. An adaptive sweep caches outcomes in each point folder's ``outcome.json``
(:func:`orchestrator.dispatch.refine.outcome`, the classifier ``well`` of
:mod:`orchestrator.dispatch.classifiers`), keyed by the classifier's parameters.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from analysis.detection import find_objects
from analysis.periodic import minimum_image
from analysis.tracking import count_in_mask, track

__all__ = ["Outcome", "classify", "windows", "DISAPPEAR", "ELSEWHERE", "BLOCK"]

DISAPPEAR = "Disappear"
ELSEWHERE = "Elsewhere"
BLOCK = "Block"

Well = tuple[float, float] | np.ndarray | xr.DataArray


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A run's outcome.

    ``label``: a well's label, ``"Block"``, ``"Elsewhere"`` or ``"Disappear"``; ``well``: the
    well's own label (also for ``"Block"``), else None; ``Q``, ``x``, ``y``: the final
    skyrmion's charge and guiding centre (m); ``displacement``: its distance from the first
    frame's guiding centre (m, minimum image on periodic axes); ``settled``: it stayed
    within ``static_distance`` over the last ``window``. NaN where there is no skyrmion.
    """

    label: str
    well: str | None
    Q: float
    x: float
    y: float
    displacement: float
    settled: bool

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN written as None)."""
        d = dataclasses.asdict(self)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in d.items()}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Outcome:
        """The inverse of :meth:`to_json`."""
        num = {k: math.nan if d[k] is None else float(d[k])
               for k in ("Q", "x", "y", "displacement")}
        return cls(label=str(d["label"]), well=None if d["well"] is None else str(d["well"]),
                   settled=bool(d["settled"]), **num)


def _is_point(w: Any) -> bool:
    return not isinstance(w, xr.DataArray) and np.ndim(w) == 1 and np.size(w) == 2


def _mask(w: Any, ds: xr.Dataset | xr.DataArray) -> xr.DataArray:
    """A well mask as a (y, x) DataArray on the run's cell centres."""
    if isinstance(w, xr.DataArray):
        return w.astype(bool).transpose("y", "x")
    arr = np.asarray(w, dtype=bool)
    if arr.shape != (ds.sizes["y"], ds.sizes["x"]):
        raise ValueError(f"a well mask must have the mesh's shape (y, x) = "
                         f"{(ds.sizes['y'], ds.sizes['x'])}, not {arr.shape}")
    return xr.DataArray(arr, dims=("y", "x"), coords={"y": ds.y.values, "x": ds.x.values})


def _check_wells(wells: Mapping[str, Well], initial: str | None, capture: float) -> None:
    if not wells:
        raise ValueError("no wells given")
    if initial is not None and initial not in wells:
        raise ValueError(f"initial well {initial!r} is not one of {sorted(wells)}")
    if not capture > 0:
        raise ValueError(f"capture must be positive, not {capture!r}")
    for a, b in itertools.combinations(sorted(wells), 2):
        wa, wb = wells[a], wells[b]
        if _is_point(wa) and _is_point(wb):
            if np.hypot(*(np.asarray(wa, float) - np.asarray(wb, float))) < 2 * capture:
                raise ValueError(f"the capture disks of wells {a!r} and {b!r} overlap "
                                 f"(centres closer than 2 × capture = {2 * capture:g} m)")
        elif not (_is_point(wa) or _is_point(wb)):
            ma, mb = np.asarray(wa, dtype=bool), np.asarray(wb, dtype=bool)
            if ma.shape == mb.shape and (ma & mb).any():
                raise ValueError(f"the masks of wells {a!r} and {b!r} overlap")


def _wells_hit(row: pd.DataFrame, wells: Mapping[str, Well], ds, capture: float,
               box: tuple[float | None, float | None]) -> list[str]:
    """Labels of the wells whose capture disk (or mask) holds the centre of ``row``."""
    x, y = float(row.x_q.iloc[0]), float(row.y_q.iloc[0])
    hits = []
    for label, w in wells.items():
        if _is_point(w):
            wx, wy = (float(v) for v in w)
            inside = np.hypot(minimum_image(x - wx, box[0]), minimum_image(y - wy, box[1])) \
                <= capture
        else:
            one = pd.DataFrame({"frame": [0], "z": [0.0], "x": [x], "y": [y]})
            one.attrs = {"cell": row.attrs.get("cell", (None, None))}
            inside = int(count_in_mask(one, _mask(w, ds)).sum()) > 0
        if inside:
            hits.append(str(label))
    return hits


def _largest(objs: pd.DataFrame, frame: int) -> pd.DataFrame:
    """The largest object with |Q| ≥ 0.5 of ``frame`` as a one-row frame (empty if none)."""
    sky = objs[(objs.frame == frame) & (objs.Q.abs() >= 0.5)]
    out = sky.loc[[sky.n_cells.idxmax()]] if len(sky) else sky
    out.attrs = dict(objs.attrs)
    return out


def classify(
    ds: xr.Dataset | xr.DataArray,
    wells: Mapping[str, Well],
    *,
    initial: str | None,
    capture: float = 18e-9,
    static_distance: float = 1e-9,
    window: float = 0.5e-9,
    min_cells: int = 10,
) -> Outcome:
    """Classify a run by the well its skyrmion ends in.

    Parameters
    ----------
    ds : Dataset or DataArray
        A run (:func:`analysis.open_run`) or its ``m``, dims (t, z, y, x, c), cell-centre
        coordinates in metres, times ``t`` in seconds.
    wells : mapping of str to (x, y) or a boolean (y, x) mask
        Well centres in metres (captured within ``capture``), or masks on the run's
        cells (an array of the mesh's shape, or a DataArray with ``y, x`` coordinates).
    initial : str or None
        The well the skyrmion started in, reported as ``"Block"``; None: none is.
    capture : float
        Capture radius of a point well (m).
    static_distance : float
        Largest distance (m) of the centre from its final position over the last
        ``window`` for the run to count as settled.
    window : float
        The time span (s) at the end of the run that ``settled`` looks at. A run shorter
        than it, or a skyrmion not tracked through all of it, is not settled.
    min_cells : int
        Smaller reversed regions are ignored (noise).

    Returns
    -------
    Outcome

    Raises
    ------
    ValueError
        Overlapping wells, an ``initial`` that is no well, a mask of the wrong shape.
    """
    _check_wells(wells, initial, capture)
    m = ds.m if isinstance(ds, xr.Dataset) else ds
    if "t" not in m.dims:  # one snapshot (only m gets the axis: Ms stays (z, y, x))
        ds = ds.assign(m=m.expand_dims("t")) if isinstance(ds, xr.Dataset) else m.expand_dims("t")
    nt = ds.sizes["t"]
    t = np.asarray(ds.t.values, dtype=float) if "t" in ds.coords else None
    if t is not None and nt > 1 and t[0] <= t[-1] - window * (1 - 1e-3):
        win = np.flatnonzero(t >= t[-1] - window * (1 + 1e-3))  # 0.1 % slack: time jitter
    else:
        win = np.array([], dtype=int)  # too short (or no times): cannot be settled
    frames = sorted({0, nt - 1} | set(win.tolist()))
    objs = find_objects(ds.isel(t=frames), method="fd2", min_cells=min_cells)
    last = len(frames) - 1
    final = _largest(objs, last)
    if final.empty:
        return Outcome(DISAPPEAR, None, math.nan, math.nan, math.nan, math.nan, False)
    box = objs.attrs.get("box", (None, None))
    hits = _wells_hit(final, wells, ds, capture, box)
    if len(hits) > 1:
        raise ValueError(f"the final centre lies in several wells: {hits}")
    well = hits[0] if hits else None
    label = ELSEWHERE if well is None else (BLOCK if well == initial else well)
    x, y = float(final.x_q.iloc[0]), float(final.y_q.iloc[0])
    first = _largest(objs, 0)
    disp = math.nan if first.empty else float(np.hypot(
        minimum_image(x - float(first.x_q.iloc[0]), box[0]),
        minimum_image(y - float(first.y_q.iloc[0]), box[1])))
    settled = False
    if win.size > 1:
        lo = frames.index(int(win[0]))
        sky = objs[(objs.frame >= lo) & (objs.Q.abs() >= 0.5)].copy()
        sky["x"], sky["y"] = sky.x_q, sky.y_q
        sky.attrs = dict(objs.attrs)
        tr = track(sky)
        mine = tr[tr.track == tr.loc[final.index[0], "track"]]
        if mine.frame.nunique() == win.size:  # followed through every frame of the window
            end = mine[mine.frame == last].iloc[0]
            dist = np.hypot(mine.x_u - end.x_u, mine.y_u - end.y_u)
            settled = bool(dist.max() < static_distance)
    return Outcome(label, well, float(final.Q.iloc[0]), x, y, disp, settled)


def windows(values, labels, *, period: float | None = None) -> pd.DataFrame:
    """The contiguous windows of equal outcome along a swept parameter.

    Each sampled point's outcome holds up to halfway to its neighbours: a window runs
    from the midpoint before its first point to the midpoint after its last, so its width
    is known to the sampling step at each end. With ``period`` the parameter is circular
    (e.g. a strain direction, period 180°) and a window may wrap around.

    Parameters
    ----------
    values : array_like
        The sampled parameter values (any order; duplicates refused).
    labels : sequence of str
        The outcome of each value.
    period : float, optional
        The parameter's period (None: an open line; the end windows reach the ends).

    Returns
    -------
    DataFrame
        One row per window in order: ``label``, ``start``, ``end`` (midpoints, wrapped
        into ``[0, period)`` when periodic), ``width``, ``n`` (points in it), ``first``,
        ``last`` (its end points).

    Examples
    --------
    >>> w = windows([0, 30, 45, 60, 75, 90, 120, 150], ["B", "B", "II", "II", "III", "III",
    ...             "B", "B"], period=180)
    >>> w[["label", "start", "end", "width"]].to_records(index=False).tolist()
    [('II', 37.5, 67.5, 30.0), ('III', 67.5, 105.0, 37.5), ('B', 105.0, 37.5, 112.5)]
    """
    v = np.asarray(values, dtype=np.float64)
    lab = np.asarray(list(labels), dtype=object)
    if len(v) != len(lab):
        raise ValueError(f"{len(v)} values but {len(lab)} labels")
    if len(v) == 0:
        return pd.DataFrame(columns=["label", "start", "end", "width", "n", "first", "last"])
    if period is not None:
        v = np.mod(v, period)
    order = np.argsort(v, kind="stable")
    v, lab = v[order], lab[order]
    if np.any(np.diff(v) == 0):
        raise ValueError("a parameter value is sampled twice")
    n = len(v)
    if period is not None and n > 1 and len(set(lab)) > 1:
        k = next(i for i in range(n) if lab[i] != lab[i - 1])   # start at a change
        v = np.concatenate([v[k:], v[:k] + period])
        lab = np.concatenate([lab[k:], lab[:k]])
    runs = [list(g) for _, g in itertools.groupby(range(n), key=lambda i: lab[i])]
    rows = []
    for i, run in enumerate(runs):
        a, b = run[0], run[-1]
        if period is None:
            start = v[0] if i == 0 else (v[a - 1] + v[a]) / 2
            end = v[-1] if i == len(runs) - 1 else (v[b] + v[b + 1]) / 2
        elif len(runs) == 1:
            start, end = 0.0, period
        else:
            prev = v[a - 1] if a > 0 else v[-1] - period
            nxt = v[b + 1] if b < n - 1 else v[0] + period
            start, end = (prev + v[a]) / 2, (v[b] + nxt) / 2
        width = end - start
        if period is not None and len(runs) > 1:
            start, end = start % period, end % period
        rows.append({"label": lab[a], "start": float(start), "end": float(end),
                     "width": float(width), "n": len(run), "first": float(v[a] % period
                     if period else v[a]), "last": float(v[b] % period if period else v[b])})
    return pd.DataFrame(rows)
