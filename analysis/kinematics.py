"""Velocities, Hall angles, mean-square displacements and diffusion constants of tracks.

All functions take one track: the rows of :func:`analysis.tracking.track` with a
single ``track`` id, using the unwrapped positions ``x_u, y_u`` (or ``x, y`` when
there are none) against the time ``t`` in seconds (or the ``frame`` index when the
run has no times, in which case rates are per frame).

* :func:`velocity`: least-squares slope of position against time over a window,
  with standard errors (:func:`scipy.stats.linregress`).
* :func:`hall_angle`: angle of a velocity relative to the drive direction.
* :func:`msd`: mean-square displacement along x and y separately (a Janus skyrmion
  of paper 000 diffuses along y only).
* :func:`diffusion_constant`: D from ``MSD = 2 D τ`` along one axis, by generalised
  least squares with the exact covariance of the overlapping MSD estimates of a
  Brownian walk, so that the uncertainty is honest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["velocity", "hall_angle", "msd", "diffusion_constant", "msd_covariance"]


def _one_track(track: pd.DataFrame) -> pd.DataFrame:
    if "track" in track and track["track"].nunique() > 1:
        raise ValueError(f"expected one track, got {track['track'].nunique()} "
                         f"(select one: tracks[tracks.track == k])")
    if track["frame"].duplicated().any():
        raise ValueError("a track has one row per frame; this one repeats frames")
    return track.sort_values("frame")


def _time(track: pd.DataFrame) -> tuple[np.ndarray, str]:
    if "t" in track:
        return track["t"].to_numpy(dtype=float), "s"
    return track["frame"].to_numpy(dtype=float), "frame"


def _positions(track: pd.DataFrame, axis: str) -> np.ndarray:
    col = f"{axis}_u" if f"{axis}_u" in track else axis
    return track[col].to_numpy(dtype=float)


def velocity(track: pd.DataFrame, *, window: tuple[float, float] | None = None) -> dict:
    """Velocity from a least-squares line through position vs time.

    Parameters
    ----------
    track : DataFrame
        One track (columns ``frame``, ``t`` or not, ``x_u, y_u`` or ``x, y``).
    window : (start, stop), optional
        Fit only rows with ``start <= t <= stop`` (in the units of the time column:
        seconds, or frames); default all rows. Use it to skip a transient.

    Returns
    -------
    dict
        ``vx, vy`` (m/s, or m/frame), their standard errors ``vx_err, vy_err`` (from
        the scatter of the residuals; 0 for points exactly on a line), ``speed``,
        ``x0, y0`` (intercepts at t = 0), ``n`` (points), ``t_start, t_stop``,
        ``time_unit``.

    Examples
    --------
    >>> tr = pd.DataFrame({"frame": range(5), "t": np.arange(5) * 1e-9,
    ...                    "x_u": 1e-9 + 2.0 * np.arange(5) * 1e-9, "y_u": 0.0})
    >>> v = velocity(tr)
    >>> round(v["vx"], 9), round(v["vy"], 9), v["n"]
    (2.0, 0.0, 5)
    """
    tr = _one_track(track)
    t, unit = _time(tr)
    keep = np.ones(t.size, dtype=bool)
    if window is not None:
        keep = (t >= window[0]) & (t <= window[1])
    if keep.sum() < 3:
        raise ValueError(f"a velocity fit needs at least 3 points, the window holds {keep.sum()}")
    t = t[keep]
    out = {}
    sxx = float(np.sum((t - t.mean()) ** 2))
    for ax in ("x", "y"):
        p = _positions(tr, ax)[keep]
        fit = stats.linregress(t, p)
        # the slope's standard error from the residuals (linregress forms it from
        # 1 − r², which is NaN when the position does not change at all)
        resid = p - (fit.intercept + fit.slope * t)
        out[f"v{ax}"] = float(fit.slope)
        out[f"v{ax}_err"] = float(np.sqrt(resid @ resid / (t.size - 2) / sxx))
        out[f"{ax}0"] = float(fit.intercept)
    out["speed"] = float(np.hypot(out["vx"], out["vy"]))
    out.update(n=int(t.size), t_start=float(t[0]), t_stop=float(t[-1]), time_unit=unit)
    return out


def hall_angle(vx, vy, drive_direction) -> float | np.ndarray:
    """Angle of the velocity relative to the drive direction, in (−π, π].

    Sign convention: positive when the velocity is turned counter-clockwise (seen
    from +z) from the drive direction, i.e. towards ``e_z × drive``:
    ``atan2(d̂ × v · e_z, d̂ · v)``. For a drive along +x a positive angle means a
    deflection towards +y. (Paper 003's deflection angle β is this angle with the
    drive direction ``e_∥ = −Î``.)

    Parameters
    ----------
    vx, vy : float or array
        Velocity components.
    drive_direction : float or (dx, dy)
        The drive's direction, as an angle from +x in radians or as a vector (any
        length).

    Returns
    -------
    float or ndarray
        Radians.

    Examples
    --------
    >>> round(hall_angle(1.0, 1.0, 0.0), 6), round(hall_angle(0.0, -2.0, (1, 0)), 6)
    (0.785398, -1.570796)
    """
    if np.ndim(drive_direction) == 0:
        a = float(drive_direction)
        dx, dy = np.cos(a), np.sin(a)
    else:
        dx, dy = (float(v) for v in drive_direction)
        norm = np.hypot(dx, dy)
        if norm == 0:
            raise ValueError("drive_direction must not be the zero vector")
        dx, dy = dx / norm, dy / norm
    vx, vy = np.asarray(vx, dtype=float), np.asarray(vy, dtype=float)
    ang = np.arctan2(dx * vy - dy * vx, dx * vx + dy * vy)
    ang = np.where(ang <= -np.pi, np.pi, ang)
    return float(ang) if ang.ndim == 0 else ang


#: How far (in steps) a snapshot time may lie from the even grid: mumax3's AutoSave
#: saves at the first solver step after each multiple of its period, so saved times
#: overshoot the grid by up to one (adaptive) step.
_GRID_TOL = 0.1


def _time_step(tr: pd.DataFrame) -> tuple[float, str]:
    """Time per frame (s), checking that the frames are evenly spaced in time.

    Times may lie up to ``_GRID_TOL`` of a step off the grid (save-time overshoot);
    a repeated time or a missing save is refused.
    """
    if "t" not in tr:
        return 1.0, "frame"
    f = tr["frame"].to_numpy(dtype=float)
    t = tr["t"].to_numpy(dtype=float)
    if f.size < 2:
        return np.nan, "s"
    dt = (t[-1] - t[0]) / (f[-1] - f[0])
    if not dt > 0 or not np.all(np.abs(t - (t[0] + (f - f[0]) * dt)) <= _GRID_TOL * dt):
        raise ValueError("the frames are not evenly spaced in time; MSD lags need a fixed step")
    return float(dt), "s"


def msd(track: pd.DataFrame, lags: Sequence[int] | int) -> pd.DataFrame:
    """Mean-square displacement along x and y separately.

    ``MSD_x(τ) = ⟨(x(t + τ) − x(t))²⟩`` over all pairs of frames ``τ`` apart (an
    overlapping average), on the unwrapped coordinates.

    Parameters
    ----------
    track : DataFrame
        One track; frames evenly spaced in time (gaps are allowed: pairs with a
        missing frame are skipped).
    lags : sequence of int, or int
        Lags in frames; an int ``L`` means ``1 … L``.

    Returns
    -------
    DataFrame
        Index ``lag`` (frames); columns ``tau`` (s, or frames), ``msd_x``, ``msd_y``
        (m²), ``n`` (pairs averaged).

    Examples
    --------
    >>> tr = pd.DataFrame({"frame": range(4), "x_u": [0.0, 1.0, 2.0, 3.0], "y_u": 0.0})
    >>> msd(tr, 2)[["msd_x", "msd_y", "n"]].values.tolist()
    [[1.0, 0.0, 3.0], [4.0, 0.0, 2.0]]
    """
    tr = _one_track(track)
    lags = np.arange(1, int(lags) + 1) if np.ndim(lags) == 0 else np.asarray(lags, dtype=int)
    if lags.size and lags.min() < 1:
        raise ValueError("lags are positive numbers of frames")
    dt, unit = _time_step(tr)
    f = tr["frame"].to_numpy(dtype=np.int64)
    f = f - f[0]
    grid = {}
    for ax in ("x", "y"):
        g = np.full(int(f[-1]) + 1, np.nan)
        g[f] = _positions(tr, ax)
        grid[ax] = g
    rows = []
    for k in lags:
        d = {ax: g[k:] - g[:-k] for ax, g in grid.items()}
        ok = np.isfinite(d["x"]) & np.isfinite(d["y"])
        n = int(ok.sum())
        rows.append({"lag": int(k), "tau": k * dt,
                     "msd_x": float(np.mean(d["x"][ok] ** 2)) if n else np.nan,
                     "msd_y": float(np.mean(d["y"][ok] ** 2)) if n else np.nan,
                     "n": n})
    out = pd.DataFrame(rows, columns=["lag", "tau", "msd_x", "msd_y", "n"]).set_index("lag")
    out.attrs["time_unit"] = unit
    return out


def msd_covariance(lags: Sequence[int], n_points: int) -> np.ndarray:
    """Covariance of overlapping MSD estimates of a 1D Brownian walk, in units of σ⁴.

    For ``n_points`` positions with independent Gaussian steps of variance σ², the
    estimate ``M_n = mean_i (S_{i+n} − S_i)²`` (``K_n = n_points − n`` pairs) has
    ``Cov(M_n, M_m) = 2σ⁴/(K_n K_m) Σ_{i,j} ov(i, n; j, m)²``, where ``ov`` is the
    number of steps the two displacements share (Wick's theorem:
    ``Cov(a², b²) = 2 Cov(a, b)²`` for jointly Gaussian a, b). The double sum is
    reduced to one over the offset ``j − i``.

    Examples
    --------
    >>> c = msd_covariance([1], 101)  # 100 independent squared steps: var = 2σ⁴/100
    >>> float(c[0, 0])
    0.02
    """
    lags = [int(k) for k in lags]
    C = np.empty((len(lags), len(lags)))
    for a, n in enumerate(lags):
        for b, m in enumerate(lags[a:], start=a):
            Kn, Km = n_points - n, n_points - m
            d = np.arange(-m + 1, n)  # offsets j - i with a non-empty overlap
            overlap = np.minimum(n, d + m) - np.maximum(0, d)
            pairs = np.clip(np.minimum(Kn, Km - d) - np.maximum(0, -d), 0, None)
            C[a, b] = C[b, a] = 2.0 * float(np.sum(pairs * overlap.astype(float) ** 2)) / (Kn * Km)
    return C


def diffusion_constant(
    track: pd.DataFrame,
    axis: str,
    *,
    lags: Sequence[int] | int | None = None,
) -> dict:
    """1D diffusion constant along ``axis`` from ``MSD(τ) = 2 D τ``, with its uncertainty.

    The MSD at the given lags is fitted through the origin by generalised least
    squares, weighting with the exact covariance of the overlapping MSD estimates
    of a Brownian walk (:func:`msd_covariance`). Both D and its standard error then
    follow the statistics of the estimator: for lag 1 alone the relative error is
    ``sqrt(2 / (N − 1))`` for N positions. A drift or position noise breaks the
    model (check the MSD for curvature or an offset first).

    Parameters
    ----------
    track : DataFrame
        One track, without gaps, evenly spaced in time.
    axis : {"x", "y"}
    lags : sequence of int, or int, optional
        Lags in frames (an int L means 1 … L); default 1 … min(10, (N − 1) // 10), at
        least 1.

    Returns
    -------
    dict
        ``D`` (m²/s, or m²/frame), ``D_err`` (standard error), ``lags``, ``n_points``,
        ``time_unit``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.cumsum(rng.normal(0.0, np.sqrt(2 * 3.0 * 0.1), 20001))  # D = 3, dt = 0.1
    >>> tr = pd.DataFrame({"frame": range(y.size), "t": np.arange(y.size) * 0.1,
    ...                    "x_u": 0.0, "y_u": y})
    >>> r = diffusion_constant(tr, "y")
    >>> abs(r["D"] - 3.0) < 3 * r["D_err"], round(r["D_err"] / 3.0, 3)
    (True, 0.01)
    """
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', not {axis!r}")
    tr = _one_track(track)
    f = tr["frame"].to_numpy(dtype=np.int64)
    n_points = f.size
    if n_points < 3:
        raise ValueError("a diffusion constant needs at least 3 positions")
    if np.any(np.diff(f) != 1):
        raise ValueError("the track has gaps; diffusion_constant needs consecutive frames")
    if lags is None:
        lags = np.arange(1, max(1, min(10, (n_points - 1) // 10)) + 1)
    elif np.ndim(lags) == 0:
        lags = np.arange(1, int(lags) + 1)
    lags = np.asarray(lags, dtype=int)
    if lags.max() >= n_points:
        raise ValueError(f"lags up to {lags.max()} need more than {n_points} positions")
    table = msd(tr, lags)
    M = table[f"msd_{axis}"].to_numpy()
    tau = table["tau"].to_numpy()
    A = 2.0 * tau
    C = msd_covariance(lags, n_points)  # σ⁴ units: the GLS estimate is scale-free
    Ci_A = np.linalg.solve(C, A)
    info = float(A @ Ci_A)
    D = float(Ci_A @ M / info)
    dt, unit = _time_step(tr)
    sigma2 = 2.0 * D * dt  # step variance of the fitted walk
    D_err = float(np.sqrt(sigma2 ** 2 / info)) if D > 0 else 0.0
    return {"D": D, "D_err": D_err, "lags": lags.tolist(), "n_points": int(n_points),
            "time_unit": unit}
