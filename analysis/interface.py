"""A skyrmion on an interface: how far it sits from it, and when it leaves it.

Paper 000's Janus skyrmion lives on the line x = x_i where two DMI regions meet, and a strong
drive can pull it off (after which it is a normal skyrmion of one region). For one track of
:func:`analysis.tracking.track`:

* :func:`interface_offset`: the signed distance ``x − x_i`` of the centre from the nearest of
  the given interface lines (minimum image across a periodic box);
* :func:`detachment`: the first frame from which the offset stays beyond a distance for
  ``hold`` frames (by default the skyrmion's own radius ``r_contour``: the interface then
  no longer cuts its m_z = 0 contour);
* :func:`helicity_split`: the difference of the helicities of the right and left halves, in
  (−π, π]: about ±π/2 for a Néel|Bloch Janus skyrmion, about 0 for a normal one.

Use the ring centre (``x_ring``) for a Janus skyrmion: its Q-weighted centre sits off along
the interface (``column="x_ring"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.periodic import minimum_image

__all__ = ["interface_offset", "detachment", "helicity_split"]


def _one_track(track: pd.DataFrame) -> pd.DataFrame:
    if "track" in track and track["track"].nunique() > 1:
        raise ValueError(f"expected one track, got {track['track'].nunique()} "
                         f"(select one: tracks[tracks.track == k])")
    return track.sort_values("frame") if "frame" in track else track


def _box_x(track: pd.DataFrame, box: float | None) -> float | None:
    if box is not None:
        return float(box) if box else None
    Lx = (track.attrs.get("box") or (None, None))[0]
    return float(Lx) if Lx else None


def interface_offset(track: pd.DataFrame, interface_x: float | Sequence[float], *,
                     column: str = "x", box: float | None = None) -> np.ndarray:
    """Signed distance (m) of the centre from the nearest interface line ``x = x_i``.

    Parameters
    ----------
    track : DataFrame
        Rows of one object (e.g. one track), with ``column``.
    interface_x : float or sequence of float
        Interface position(s) in m.
    column : str
        Centre column (``"x"``, or ``"x_ring"`` for a Janus skyrmion).
    box : float, optional
        Periodic length along x (default ``track.attrs["box"][0]``; None or 0: open).

    Examples
    --------
    >>> tr = pd.DataFrame({"frame": [0, 1], "x": [52e-9, 99e-9]})
    >>> [round(float(v) * 1e9, 6) for v in interface_offset(tr, [0.0, 50e-9], box=100e-9)]
    [2.0, -1.0]
    """
    if column not in track:
        raise ValueError(f"the track has no column {column!r} (columns: {', '.join(track)})")
    Lx = _box_x(track, box)
    x = track[column].to_numpy(dtype=float)
    xi = np.atleast_1d(np.asarray(interface_x, dtype=float))
    if xi.size == 0:
        raise ValueError("give at least one interface position")
    d = minimum_image(x[:, None] - xi[None, :], Lx)
    pick = np.argmin(np.abs(d), axis=1)
    return d[np.arange(x.size), pick]


def detachment(track: pd.DataFrame, interface_x: float | Sequence[float], *,
               distance: float | None = None, hold: int = 3, column: str = "x",
               box: float | None = None) -> dict:
    """When (if ever) the object leaves the interface.

    The object counts as detached from the first frame of a run of at least ``hold``
    consecutive frames whose ``|offset|`` exceeds ``distance``, so that a few noisy frames
    (thermal fluctuations, a shape transient) do not count; a shorter run at the end of the
    track does not count either.

    Parameters
    ----------
    track : DataFrame
        One track (``frame``; ``t`` if the run has times; ``column``; ``r_contour`` when
        ``distance`` is None).
    interface_x : float or sequence of float
        Interface line(s) ``x = x_i`` in m.
    distance : float, optional
        Offset (m) beyond which the object is off the interface. Default: its radius
        ``r_contour`` in each frame.
    hold : int
        Frames the offset must stay beyond ``distance`` (≥ 1).
    column, box
        As :func:`interface_offset`.

    Returns
    -------
    dict
        ``detached`` (bool), ``frame`` (first detached frame, or None), ``t`` (its time in s,
        NaN if none or no times), ``offset`` (the offset there, m), ``max_offset``
        (largest |offset| over the track, m), ``n_frames``.

    Examples
    --------
    >>> tr = pd.DataFrame({"frame": range(6), "t": np.arange(6) * 1e-11,
    ...                    "x": np.array([50, 51, 53, 58, 66, 75]) * 1e-9,
    ...                    "r_contour": 10e-9})
    >>> r = detachment(tr, 50e-9, hold=2)
    >>> r["detached"], r["frame"], round(r["t"] * 1e12, 6), round(r["max_offset"] * 1e9, 6)
    (True, 4, 40.0, 25.0)
    >>> detachment(tr.iloc[:4], 50e-9)["detached"]
    False
    """
    if hold < 1:
        raise ValueError(f"hold must be at least 1 frame, not {hold}")
    tr = _one_track(track)
    off = interface_offset(tr, interface_x, column=column, box=box)
    if distance is None:
        if "r_contour" not in tr:
            raise ValueError("without a distance the track needs r_contour (its radius)")
        limit = tr["r_contour"].to_numpy(dtype=float)
    else:
        if not distance > 0:
            raise ValueError(f"distance must be positive, not {distance!r}")
        limit = np.full(off.size, float(distance))
    beyond = np.abs(off) > limit
    frames = tr["frame"].to_numpy() if "frame" in tr else np.arange(off.size)
    times = tr["t"].to_numpy(dtype=float) if "t" in tr else None
    first = None
    run = 0
    for k, b in enumerate(beyond):
        run = run + 1 if b else 0
        if run >= hold:
            first = k - hold + 1
            break
    out = {"detached": first is not None, "frame": None, "t": float("nan"),
           "offset": float("nan"),
           "max_offset": float(np.max(np.abs(off))) if off.size else float("nan"),
           "n_frames": int(off.size)}
    if first is not None:
        out.update(frame=int(frames[first]), offset=float(off[first]),
                   t=float(times[first]) if times is not None else float("nan"))
    return out


def helicity_split(objects: pd.DataFrame) -> np.ndarray:
    """``helicity_right − helicity_left`` wrapped into (−π, π] (rad), per row.

    About ±π/2 for a Janus skyrmion with a Néel and a Bloch face, about 0 for a skyrmion
    whose halves share one helicity.

    Examples
    --------
    >>> df = pd.DataFrame({"helicity_left": [0.1, 3.0], "helicity_right": [-1.5, -3.0]})
    >>> [round(float(v), 6) for v in helicity_split(df)]
    [-1.6, 0.283185]
    """
    d = (objects["helicity_right"].to_numpy(dtype=float)
         - objects["helicity_left"].to_numpy(dtype=float))
    w = np.mod(d + np.pi, 2 * np.pi) - np.pi
    return np.where(w <= -np.pi, np.pi, w)
