"""Least-squares fits for the paper reproductions: a cosine of an angle, an MSD slope.

* :func:`fit_cosine`: ``v(θ) = c cos(θ + φ)`` (paper 000's v_y against the spin polarisation
  angle), with standard errors;
* :func:`msd_slope`: the long-time diffusion constant from the slope of the mean-square
  displacement, ``MSD(τ) = 2Dτ + b`` over a range of long lags (paper 000's Brownian Janus
  skyrmion, whose motion along the interface is diffusive only after a short-time regime).

Paper 000 (the Janus skyrmion) finds that a skyrmion held on an interface and driven by a
damping-like spin–orbit torque of in-plane polarisation angle θ moves along the interface at
``v_y = c cos(θ + π/4)``. :func:`fit_cosine` fits ``c`` (with the phase fixed, as the paper
states it) or ``c`` and ``φ`` together (to test the phase), with standard errors.

The model is linear in its parameters (``c`` for a fixed phase; ``a cos θ + b sin θ`` with
``c = hypot(a, b)``, ``φ = atan2(−b, a)`` for a free one), and the fit is
:func:`scipy.optimize.curve_fit`, whose covariance conventions apply: without ``sigma`` (or
with ``absolute_sigma=False``) the covariance is scaled by the reduced χ² of the residuals, so
the error includes any misfit of the cosine shape; with ``absolute_sigma=True`` it follows
from the given ``sigma`` alone. Errors of ``c`` and ``φ`` from a free-phase fit are propagated
to first order from the covariance of ``(a, b)``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

from analysis.kinematics import msd, msd_covariance

__all__ = ["CosineFit", "fit_cosine", "msd_slope"]


@dataclasses.dataclass(frozen=True)
class CosineFit:
    """Result of :func:`fit_cosine`: ``v(θ) = c cos(θ + phase)``.

    Attributes
    ----------
    c, c_err : float
        Amplitude and its standard error (units of v). With a fixed phase ``c`` carries a
        sign; with a free phase ``c ≥ 0``.
    phase, phase_err : float
        Phase in rad (``phase_err`` is 0 when the phase was fixed).
    fixed_phase : bool
    rms : float
        Root-mean-square residual.
    chi2 : float
        Σ (residual/σ)² (σ = 1 without ``sigma``).
    dof : int
        Points minus fitted parameters.
    n : int
        Points fitted.
    """

    c: float
    c_err: float
    phase: float
    phase_err: float
    fixed_phase: bool
    rms: float
    chi2: float
    dof: int
    n: int

    def __call__(self, theta) -> np.ndarray:
        """The fitted curve at ``theta`` (rad)."""
        return self.c * np.cos(np.asarray(theta, dtype=float) + self.phase)


def _fixed(theta, c, *, phase):
    return c * np.cos(theta + phase)


def _free(theta, a, b):
    return a * np.cos(theta) + b * np.sin(theta)


def fit_cosine(theta: Sequence[float] | np.ndarray, v: Sequence[float] | np.ndarray, *,
               phase: float | None = math.pi / 4, sigma: Sequence[float] | None = None,
               absolute_sigma: bool = False) -> CosineFit:
    """Fit ``v = c cos(θ + phase)`` by least squares.

    Parameters
    ----------
    theta : array
        Angles in rad.
    v : array
        Values (e.g. velocities in m/s); NaN points are left out.
    phase : float or None
        The phase in rad (default π/4, paper 000's ``v_y = c cos(θ + π/4)``); None fits it.
    sigma : array, optional
        Standard errors of ``v`` (weights 1/σ²).
    absolute_sigma : bool
        Take ``sigma`` as absolute (the errors then ignore the scatter of the residuals).

    Returns
    -------
    CosineFit

    Raises
    ------
    ValueError
        With fewer points than parameters + 1 (no residual to estimate the error from),
        arrays of different lengths, or non-positive ``sigma``.

    Examples
    --------
    >>> th = np.radians(np.arange(0, 360, 45))
    >>> fit = fit_cosine(th, 20 * np.cos(th + np.pi / 4))
    >>> round(fit.c, 9), round(fit.c_err, 9)
    (20.0, 0.0)
    >>> free = fit_cosine(th, -3 * np.cos(th - 0.3), phase=None)
    >>> round(free.c, 9), round(free.phase, 9)     # −3 cos(θ − 0.3) = 3 cos(θ − 0.3 + π)
    (3.0, 2.841592654)
    """
    theta = np.asarray(theta, dtype=float).ravel()
    v = np.asarray(v, dtype=float).ravel()
    if theta.shape != v.shape:
        raise ValueError(f"theta and v need one value each per point: {theta.size} angles, "
                         f"{v.size} values")
    s = None
    if sigma is not None:
        s = np.asarray(sigma, dtype=float).ravel()
        if s.shape != v.shape:
            raise ValueError(f"sigma needs one value per point: {s.size} for {v.size} points")
    keep = np.isfinite(theta) & np.isfinite(v) & (np.isfinite(s) if s is not None else True)
    theta, v = theta[keep], v[keep]
    if s is not None:
        s = s[keep]
        if np.any(s <= 0):
            raise ValueError("sigma must be positive")
    n_par = 1 if phase is not None else 2
    if v.size < n_par + 1:
        raise ValueError(f"a cosine fit with {n_par} parameter(s) needs at least {n_par + 1} "
                         f"points, got {v.size}")
    if phase is not None:
        popt, pcov = curve_fit(lambda t, c: _fixed(t, c, phase=phase), theta, v, p0=[0.0],
                               sigma=s, absolute_sigma=absolute_sigma)
        model = _fixed(theta, popt[0], phase=phase)
        c, c_err, ph, ph_err = float(popt[0]), _sqrt(pcov[0, 0]), float(phase), 0.0
    else:
        popt, pcov = curve_fit(_free, theta, v, p0=[0.0, 0.0], sigma=s,
                               absolute_sigma=absolute_sigma)
        a, b = (float(x) for x in popt)
        model = _free(theta, a, b)
        c = math.hypot(a, b)
        ph = math.atan2(-b, a)
        if c > 0:
            # gradients of c = hypot(a, b) and φ = atan2(−b, a) with respect to (a, b)
            gc = np.array([a / c, b / c])
            gp = np.array([b / c ** 2, -a / c ** 2])
            c_err, ph_err = _sqrt(gc @ pcov @ gc), _sqrt(gp @ pcov @ gp)
        else:
            c_err, ph_err = _sqrt(max(pcov[0, 0], pcov[1, 1])), math.pi
    resid = v - model
    w = resid / s if s is not None else resid
    return CosineFit(c=c, c_err=c_err, phase=ph, phase_err=ph_err, fixed_phase=phase is not None,
                     rms=float(np.sqrt(np.mean(resid ** 2))), chi2=float(w @ w),
                     dof=int(v.size - n_par), n=int(v.size))


def _sqrt(x) -> float:
    """√ of a variance: an exact fit's zero (or rounding-negative) variance gives 0, an
    undetermined one (inf) stays inf."""
    x = float(x)
    if not math.isfinite(x):
        return math.inf
    return math.sqrt(x) if x > 0 else 0.0


def msd_slope(track: pd.DataFrame, axis: str, lags: Sequence[int]) -> dict:
    """Long-time diffusion constant from the slope of ``MSD(τ) = 2Dτ + b`` over ``lags``.

    :func:`analysis.kinematics.diffusion_constant` fits ``MSD = 2Dτ`` through the origin,
    which is right for a walk that is diffusive at every lag; a skyrmion on an interface is
    not (at short lags it moves as a free skyrmion, then its motion across the interface
    stops and the walk along it speeds up), so at long lags its MSD is a straight line with
    an offset. The slope and offset are fitted by generalised least squares with the
    covariance of overlapping MSD estimates of a Brownian walk
    (:func:`analysis.kinematics.msd_covariance`), scaled by the step variance
    ``σ² = max(2 D Δt, MSD(1 frame))``: for a coordinate that is bound (its MSD levels off,
    D ≈ 0) the short-time step variance sets the (then conservative) error.

    Parameters
    ----------
    track : DataFrame
        One track without gaps, evenly spaced in time (``t`` in s, ``x_u, y_u`` or ``x, y``).
    axis : {"x", "y"}
    lags : sequence of int
        At least two lags (frames), e.g. those beyond the short-time regime.

    Returns
    -------
    dict
        ``D`` (m²/s), ``D_err``, ``intercept`` (m²), ``lags``, ``n_points``.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> y = np.cumsum(rng.normal(0.0, np.sqrt(2 * 3.0 * 0.1), 5001))      # D = 3, Δt = 0.1
    >>> tr = pd.DataFrame({"frame": range(y.size), "t": np.arange(y.size) * 0.1,
    ...                    "x_u": 0.0, "y_u": y})
    >>> r = msd_slope(tr, "y", range(20, 60))
    >>> abs(r["D"] - 3.0) < 3 * r["D_err"], bool(r["D_err"] < 0.5)
    (True, True)
    """
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', not {axis!r}")
    lags = np.asarray(list(lags), dtype=int)
    if lags.size < 2 or lags.min() < 1:
        raise ValueError(f"msd_slope needs at least two positive lags, got {lags.tolist()}")
    tr = track.sort_values("frame")
    f = tr["frame"].to_numpy(dtype=np.int64)
    if np.any(np.diff(f) != 1):
        raise ValueError("the track has gaps; msd_slope needs consecutive frames")
    n_points = f.size
    if lags.max() >= n_points:
        raise ValueError(f"lags up to {lags.max()} need more than {n_points} positions")
    table = msd(tr, np.r_[1, lags])
    M = table[f"msd_{axis}"].to_numpy()[1:]
    tau = table["tau"].to_numpy()[1:]
    dt = float(table["tau"].iloc[0])
    X = np.column_stack([2.0 * tau, np.ones_like(tau)])
    C = msd_covariance(lags, n_points)  # in units of σ⁴
    Ci_X = np.linalg.solve(C, X)
    info = X.T @ Ci_X
    beta = np.linalg.solve(info, Ci_X.T @ M)
    D, b = float(beta[0]), float(beta[1])
    sigma2 = max(2.0 * D * dt, float(table[f"msd_{axis}"].iloc[0]))
    cov = np.linalg.inv(info) * sigma2 ** 2
    return {"D": D, "D_err": float(np.sqrt(cov[0, 0])), "intercept": b,
            "lags": lags.tolist(), "n_points": int(n_points)}
