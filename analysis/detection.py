"""Find skyrmions and other reversed-domain objects in every frame and layer, and measure them.

:func:`find_objects` turns a magnetisation ``m`` (a run's ``(t, z, y, x, c)``
DataArray or Dataset) into a :class:`pandas.DataFrame` with one row per object
per frame and layer. An *object* is a connected region of cells whose m_z points
against the background (the majority sign of m_z in that frame and layer, or
the one given). Regions are labelled with :func:`scipy.ndimage.label`, per frame
and layer in one call, and labels that touch across a periodic seam are joined
with :func:`scipy.sparse.csgraph.connected_components`.

Each object is then measured in a small window around it (cut out with periodic
wrap-around, so objects split by the seam are measured whole):

* its **region**: the reversed cells plus the surrounding wall, i.e. the magnetic
  cells nearer to this object than to any other
  (:func:`scipy.ndimage.distance_transform_edt`) out to the distance where the
  magnon density ``1 − m_z·background`` has fallen below 1e-3 (or to a fixed
  ``margin``);
* ``Q``: the topological charge density (:mod:`analysis.topology`) summed over the
  region;
* two centres: ``x_q, y_q``, the guiding centre ``∫ r q / ∫ q`` (defined for
  ``|Q| ≥ 0.5``), and ``x_ring, y_ring``, the circular mean of the magnon density
  ``1 − m_z·background`` of paper 003, Eq. (19), restricted to the region (an
  arithmetic weighted mean along open axes). ``x, y`` is the guiding centre where
  it is defined, else the ring centre (skyrmionium, bubbles with Q = 0);
* ``area`` (reversed cells × cell area) and ``r_eq = sqrt(area/π)``;
* the m_z = 0 **contour** ``R(φ)`` along ``n_rays`` rays from the centre: m_z is
  interpolated with cubic splines (:func:`scipy.ndimage.map_coordinates`), the
  outermost sign change on each ray inside the region is bracketed on a half-cell
  grid and refined by regula falsi (Illinois). From it: ``r_contour`` (mean of R),
  the Fourier amplitudes ``mode_0 … mode_4`` and phases ``phase_1 … phase_4`` of
  ``R(φ) = mode_0 + Σ mode_n cos(nφ + phase_n)`` (paper 004, Eq. 16), and
  the **helicity**: the circular mean over the contour points of the angle from the
  radial direction to the in-plane magnetisation (0 or π Néel, ±π/2 Bloch), also
  over the contour points left (``x < centre``) and right of the centre only
  (``helicity_left``, ``helicity_right``: a Janus skyrmion has two), and the
  ``vorticity`` (winding number of the in-plane magnetisation along the contour).

Positions are in metres at cell centres, wrapped into the box along periodic
axes; :func:`analysis.tracking.track` unwraps them over time.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analysis.derivatives import valid_cells
from analysis.topology import charge_density_array

__all__ = ["find_objects", "OBJECT_COLUMNS", "N_MODES"]

#: Fourier modes of R(φ) reported (``mode_0`` … ``mode_4``).
N_MODES = 5
#: Columns of :func:`find_objects` (``t`` only when the frames have times).
OBJECT_COLUMNS = (
    ["frame", "t", "z", "id", "x", "y", "x_q", "y_q", "x_ring", "y_ring", "Q", "area", "r_eq",
     "r_contour", "helicity", "helicity_left", "helicity_right", "vorticity"]
    + [f"mode_{n}" for n in range(N_MODES)] + [f"phase_{n}" for n in range(1, N_MODES)]
    + ["n_cells", "background", "at_edge"]
)

# Pad of the measuring window beyond the region, in cells: the charge stencils
# (fd4 and the lattice plaquettes reach two cells) must see true neighbours.
_STENCIL_PAD = 3
# Ray sampling step (in cells) for bracketing the m_z = 0 crossing, and the regula
# falsi iterations that refine it (each one interpolation per ray).
_RAY_STEP = 0.5
_REFINE_ITERATIONS = 4
# Default wall: the cells around an object where the magnon density 1 - m_z·background
# exceeds _WALL_TOL (a tilt of 2.6° from the background), out to at most
# max(_MAX_WALL_CELLS, 2 r_eq) cells. A 360° wall of width w decays like e^{-2d/w},
# so 16 cells hold walls up to w ≈ 4.5 cells.
_WALL_TOL = 1e-3
_MAX_WALL_CELLS = 16


# --------------------------------------------------------------------------- input


def _as_frames(m, pbc):
    """Normalise the input.

    Returns ``(m, pbc, cell, valid, has_t)``: ``m`` with dims (t, z, y, x, c), and
    ``valid`` the (z, y, x) cells with Ms > 0 (None without ``Ms``).
    """
    ms = None
    if isinstance(m, xr.Dataset):
        ds = m
        m = ds["m"]
        if pbc is None:
            pbc = ds.attrs.get("pbc", m.attrs.get("pbc", ""))
        ms = ds.get("Ms")
        cell = ds.attrs.get("cell", m.attrs.get("cell"))
    else:
        if not isinstance(m, xr.DataArray):
            raise TypeError(f"m must be an xarray DataArray or Dataset, not {type(m).__name__}")
        if pbc is None:
            pbc = m.attrs.get("pbc", "")
        cell = m.attrs.get("cell")
    for d in ("y", "x", "c"):
        if d not in m.dims:
            raise ValueError(f"m needs dims (t, z, y, x, c) or (z, y, x, c); it has {m.dims}")
    has_t = "t" in m.dims
    if not has_t:
        m = m.expand_dims("t")
    if "z" not in m.dims:
        m = m.expand_dims("z", axis=1)
    extra = set(m.dims) - {"t", "z", "y", "x", "c"}
    if extra:
        raise ValueError(f"m has dims {sorted(extra)} besides (t, z, y, x, c); select one value "
                         f"of each first (e.g. m.sel(...))")
    m = m.transpose("t", "z", "y", "x", "c")
    valid = None
    if ms is not None:
        if "z" not in ms.dims:
            ms = ms.expand_dims("z")
        valid = np.asarray((ms > 0).transpose("z", "y", "x").values, dtype=bool)
    return m, pbc or "", cell, valid, has_t


def _steps(m: xr.DataArray, cell) -> tuple[float, float]:
    out = []
    for i, ax in enumerate("xy"):
        if m.sizes[ax] > 1:
            out.append(float(m[ax].values[1] - m[ax].values[0]))
        elif cell is not None:
            out.append(float(cell[i]))
        else:
            raise ValueError(f"cannot tell the cell size along {ax}: one cell and no 'cell' attr")
    return out[0], out[1]


# --------------------------------------------------------------------------- windows


def _axis_window(lo, hi, n: int, periodic: bool, pad: int) -> tuple[np.ndarray, bool]:
    """Contiguous (unwrapped) cell indices of a window around pieces ``[lo_i, hi_i)``.

    Along a periodic axis the pieces live on a circle: the window starts after the
    largest gap between them, so a piece at the end and one at the start of the axis
    become neighbours. Returns ``(indices, full)``; ``indices % n`` are the array
    indices, and ``full`` says the window is the whole periodic axis (in which case
    the charge is computed with wrap-around inside the window).
    """
    lo = np.asarray(lo)
    hi = np.asarray(hi)
    if not periodic:
        a, b = max(int(lo.min()) - pad, 0), min(int(hi.max()) + pad, n)
        return np.arange(a, b), False
    # merge the intervals on the circle and find the largest uncovered gap
    order = np.argsort(lo)
    lo, hi = lo[order], hi[order]
    merged_lo, merged_hi = [int(lo[0])], [int(hi[0])]
    for a, b in zip(lo[1:], hi[1:]):
        if a <= merged_hi[-1]:
            merged_hi[-1] = max(merged_hi[-1], int(b))
        else:
            merged_lo.append(int(a))
            merged_hi.append(int(b))
    gap_start = np.array(merged_hi)
    gap_len = np.roll(np.array(merged_lo), -1) - gap_start
    gap_len[-1] += n  # the gap through the seam, from the last interval to the first
    g = int(np.argmax(gap_len))
    span = n - int(gap_len[g])
    begin = int(gap_start[g]) + int(gap_len[g])  # the object starts after the gap
    if span + 2 * pad >= n:
        mid = int(gap_start[g]) + int(gap_len[g]) // 2
        return mid + np.arange(n), True
    return begin - pad + np.arange(span + 2 * pad), False


# --------------------------------------------------------------------------- contour


def _circmean(z: np.ndarray) -> float:
    """Angle in (−π, π] of a sum of unit phasors (NaN for an empty sum)."""
    if z.size == 0:
        return np.nan
    a = float(np.angle(z.sum()))
    return np.pi if a <= -np.pi else a


def _contour(vz_c, mx_c, my_c, region, fx, fy, dx, dy, n_rays):
    """R(φ) of the outermost m_z = 0 crossing along ``n_rays`` rays from (fx, fy).

    ``vz_c, mx_c, my_c`` are cubic-spline coefficients (``ndimage.spline_filter``) of
    m_z·background and the in-plane components on the window; (fx, fy) is the centre
    in fractional window indices. Returns ``(phi, R, m_perp)`` with NaN R (and m_perp)
    on rays without a crossing inside the region.
    """
    wy, wx = region.shape
    phi = 2.0 * np.pi * np.arange(n_rays) / n_rays
    c, s = np.cos(phi), np.sin(phi)
    h = min(dx, dy)
    step = _RAY_STEP * h
    # rays end beyond the farthest region cell: no crossing can lie farther out
    ry, rx = np.nonzero(region)
    r_max = h
    if rx.size:
        r_max += float(np.sqrt(((rx - fx) * dx) ** 2 + ((ry - fy) * dy) ** 2).max())
    dist = step * np.arange(int(np.ceil(r_max / step)) + 1)
    px = fx + np.outer(c, dist) / dx  # (n_rays, n_samples), window index units
    py = fy + np.outer(s, dist) / dy
    inside = (px >= 0) & (px <= wx - 1) & (py >= 0) & (py <= wy - 1)
    ix = np.clip(np.rint(px).astype(np.intp), 0, wx - 1)
    iy = np.clip(np.rint(py).astype(np.intp), 0, wy - 1)
    ok = np.logical_and.accumulate(inside & region[iy, ix], axis=1)
    v = ndimage.map_coordinates(vz_c, [py.ravel(), px.ravel()], order=3, mode="nearest",
                                prefilter=False).reshape(px.shape)
    cross = (v[:, :-1] < 0) & (v[:, 1:] >= 0) & ok[:, 1:]
    found = cross.any(axis=1)
    # the outermost crossing: the last True along each ray
    k = cross.shape[1] - 1 - np.argmax(cross[:, ::-1], axis=1)
    rows = np.arange(n_rays)
    s_lo, s_hi = dist[k], dist[k + 1]
    v_lo, v_hi = v[rows, k], v[rows, k + 1]
    # Regula falsi with the Illinois modification, vectorised over rays: no scipy root
    # finder takes a batch of independent brackets.
    side = np.zeros(n_rays)
    for _ in range(_REFINE_ITERATIONS):
        denom = np.where(v_hi - v_lo == 0, 1.0, v_hi - v_lo)
        s_new = np.clip(s_lo - v_lo * (s_hi - s_lo) / denom, s_lo, s_hi)
        v_new = ndimage.map_coordinates(vz_c, [fy + s * s_new / dy, fx + c * s_new / dx],
                                        order=3, mode="nearest", prefilter=False)
        left = v_new < 0  # the root lies above s_new
        s_lo = np.where(left, s_new, s_lo)
        v_lo = np.where(left, v_new, np.where(side == 1, v_lo / 2, v_lo))
        s_hi = np.where(left, s_hi, s_new)
        v_hi = np.where(left, np.where(side == -1, v_hi / 2, v_hi), v_new)
        side = np.where(left, -1, 1)
    denom = np.where(v_hi - v_lo == 0, 1.0, v_hi - v_lo)
    R = np.clip(s_lo - v_lo * (s_hi - s_lo) / denom, s_lo, s_hi)
    R = np.where(found, R, np.nan)
    cy_, cx_ = fy + s * np.nan_to_num(R) / dy, fx + c * np.nan_to_num(R) / dx
    mperp = (ndimage.map_coordinates(mx_c, [cy_, cx_], order=3, mode="nearest", prefilter=False)
             + 1j * ndimage.map_coordinates(my_c, [cy_, cx_], order=3, mode="nearest",
                                            prefilter=False))
    mperp = np.where(found, mperp, np.nan)
    return phi, R, mperp


def _shape_features(phi, R, mperp) -> dict:
    """Contour radius, Fourier modes, helicities and vorticity from one object's rays."""
    ok = np.isfinite(R)
    out = {"r_contour": float(R[ok].mean()) if ok.any() else np.nan}
    if ok.all():
        cn = np.fft.rfft(R) / R.size
        out["mode_0"] = float(cn[0].real)
        for n in range(1, N_MODES):
            out[f"mode_{n}"] = float(2.0 * abs(cn[n])) if n < cn.size else np.nan
            out[f"phase_{n}"] = float(np.angle(cn[n])) if n < cn.size else np.nan
    else:
        for n in range(N_MODES):
            out[f"mode_{n}"] = np.nan
        for n in range(1, N_MODES):
            out[f"phase_{n}"] = np.nan
    # angle from the radial direction e_r = e^{iφ} to the in-plane m: arg(m_perp e^{-iφ})
    rel = mperp[ok] * np.exp(-1j * phi[ok])
    cphi = np.cos(phi[ok])
    # |cos φ| > 1e-9 leaves out the rays along ±y, which lie on neither side
    out["helicity"] = _circmean(rel)
    out["helicity_left"] = _circmean(rel[cphi < -1e-9])
    out["helicity_right"] = _circmean(rel[cphi > 1e-9])
    if ok.sum() >= 4:
        ang = np.angle(mperp[ok])
        d = np.diff(np.append(ang, ang[0]))
        d = (d + np.pi) % (2 * np.pi) - np.pi
        out["vorticity"] = float(np.round(d.sum() / (2 * np.pi)))
    else:
        out["vorticity"] = np.nan
    return out


# --------------------------------------------------------------------------- one object


def _measure(frame, labels, own, pieces, *, valid_ms, bg, ctx) -> dict:
    """Measure object ``own`` of one frame/layer; ``frame`` (ny, nx, 3), ``labels`` merged."""
    ny, nx = labels.shape
    dx, dy = ctx["dx"], ctx["dy"]
    n_cells = pieces["n"]
    r_eq_cells = np.sqrt(n_cells * dx * dy / np.pi) / min(dx, dy)
    margin = ctx["margin"]
    adaptive = margin is None
    if adaptive:  # the largest wall the window must be able to hold
        margin = int(max(_MAX_WALL_CELLS, np.ceil(2.0 * r_eq_cells)))
    pad = margin + _STENCIL_PAD
    jy, full_y = _axis_window(pieces["y0"], pieces["y1"], ny, ctx["py"], pad)
    jx, full_x = _axis_window(pieces["x0"], pieces["x1"], nx, ctx["px"], pad)
    iy, ix = jy % ny, jx % nx
    mw = np.asarray(frame[np.ix_(iy, ix)], dtype=np.float64)
    lw = labels[np.ix_(iy, ix)]
    vw = valid_cells(mw)
    if valid_ms is not None:
        vw &= valid_ms[np.ix_(iy, ix)]
    obj = lw == own
    wpbc = ("x" if full_x else "") + ("y" if full_y else "")
    q = charge_density_array(mw, dx, dy, method=ctx["method"], pbc=wpbc, valid=vw)
    # the region: magnetic cells within `margin` of this object and nearer to it than to
    # any other object (a nearest-object partition of the walls)
    dist, (ny_i, nx_i) = ndimage.distance_transform_edt(lw == 0, sampling=(dy, dx),
                                                        return_indices=True)
    own_part = (lw[ny_i, nx_i] == own) & vw
    mz = mw[..., 2]
    if adaptive:
        # the wall ends where the magnon density 1 - m_z·bg of this object's cells falls
        # below _WALL_TOL; one cell more so that the last wall cells are inside
        tail = own_part & (1.0 - mz * bg > _WALL_TOL)
        reach = float(dist[tail].max()) if tail.any() else 0.0
        margin = min(reach / min(dx, dy) + 1.0, margin)
    region = own_part & (dist <= margin * min(dx, dy) * (1 + 1e-9))
    X = ctx["x_lo"] + (jx + 0.5) * dx  # contiguous coordinates across the seam
    Y = ctx["y_lo"] + (jy + 0.5) * dy
    qr = np.where(region, q, 0.0)
    Q = float(qr.sum() * dx * dy)
    qx, qy = qr.sum(axis=0), qr.sum(axis=1)
    if abs(Q) >= 0.5:
        xq = float(qx @ X / qx.sum())
        yq = float(qy @ Y / qy.sum())
    else:
        xq = yq = np.nan
    w = np.where(region, 1.0 - mz * bg, 0.0)
    wx_, wy_ = w.sum(axis=0), w.sum(axis=1)
    xr_ = _ring_mean(wx_, X, ctx["Lx"])
    yr_ = _ring_mean(wy_, Y, ctx["Ly"])
    use_q = abs(Q) >= 0.5
    cx, cy = (xq, yq) if use_q else (xr_, yr_)
    # contour, in window index units
    vz = np.where(vw, mz * bg, 1.0)  # empty cells count as background
    vz_c = ndimage.spline_filter(vz, order=3, mode="nearest")
    mx_c = ndimage.spline_filter(mw[..., 0], order=3, mode="nearest")
    my_c = ndimage.spline_filter(mw[..., 1], order=3, mode="nearest")
    # R(φ) and the helicities are measured about the ring centre, the centre of the m_z
    # profile that defines the contour: the guiding centre moves with the in-plane
    # texture (a Janus skyrmion's is displaced along its interface).
    fx, fy = (xr_ - X[0]) / dx, (yr_ - Y[0]) / dy
    phi, R_idx, mperp = _contour(vz_c, mx_c, my_c, region, fx, fy, dx, dy, ctx["n_rays"])
    feats = _shape_features(phi, R_idx, mperp)
    # at an edge: a reversed cell next to an open mesh boundary or an empty cell
    near = ndimage.binary_dilation(obj)
    at_edge = bool((near & ~vw).any())
    if not ctx["px"]:
        at_edge |= bool((ix[0] == 0 and obj[:, 0].any()) or (ix[-1] == nx - 1 and obj[:, -1].any()))
    if not ctx["py"]:
        at_edge |= bool((iy[0] == 0 and obj[0].any()) or (iy[-1] == ny - 1 and obj[-1].any()))
    area = n_cells * dx * dy
    row = {
        "x": ctx["wrap_x"](cx), "y": ctx["wrap_y"](cy),
        "x_q": ctx["wrap_x"](xq), "y_q": ctx["wrap_y"](yq),
        "x_ring": ctx["wrap_x"](xr_), "y_ring": ctx["wrap_y"](yr_),
        "Q": Q, "area": area, "r_eq": float(np.sqrt(area / np.pi)),
        "n_cells": int(n_cells), "background": int(bg), "at_edge": at_edge,
    }
    row.update(feats)
    return row


def _ring_mean(weights: np.ndarray, coords: np.ndarray, L: float | None) -> float:
    """Weighted mean of contiguous coordinates; circular (paper 003, Eq. 19) when periodic.

    The circular mean is shifted by a multiple of ``L`` to lie nearest the arithmetic
    mean, so that it stays in the window's contiguous coordinates.
    """
    tot = weights.sum()
    if tot <= 0:
        return np.nan
    mean = float(weights @ coords / tot)
    if L is None:
        return mean
    k = 2.0 * np.pi / L
    c = float(np.arctan2(weights @ np.sin(k * coords), weights @ np.cos(k * coords)) / k)
    return c + L * np.round((mean - c) / L)


# --------------------------------------------------------------------------- public


def find_objects(
    m: xr.DataArray | xr.Dataset,
    *,
    pbc: str | None = None,
    background: int | None = None,
    method: Literal["fd2", "fd4", "lattice"] = "fd2",
    min_cells: int = 3,
    margin: int | None = None,
    n_rays: int = 64,
    chunk: int | None = None,
) -> pd.DataFrame:
    """Detect and measure skyrmions (reversed domains) in every frame and z-layer.

    Parameters
    ----------
    m : DataArray (t, z, y, x, c) or (z, y, x, c), or a Dataset from :func:`analysis.open_run`
        Unit magnetisation, cell-centre coordinates ``x, y`` in metres. A Dataset
        supplies ``m``, ``attrs["pbc"]`` and ``Ms`` (cells with Ms = 0 are empty).
        Dask-backed data is read ``chunk`` frames at a time.
    pbc : str, optional
        Periodic axes among ``"x"``, ``"y"``; default ``attrs["pbc"]``.
    background : {+1, -1}, optional
        Background m_z sign; default the majority sign of m_z per frame and layer.
    method : {"fd2", "fd4", "lattice"}
        Charge density (:func:`analysis.topology.charge_density_array`).
    min_cells : int
        Smaller reversed regions are dropped (noise, single flipped cells).
    margin : int, optional
        Width in cells of the wall around an object that belongs to its region
        (for Q and the ring centre). Default: out to the farthest of the object's
        cells where ``1 − m_z·background > 1e-3``, plus one cell, at most
        ``max(16, 2 r_eq)`` cells (a 360° wall of width w needs about 3.5 w). With
        thermal noise everywhere above 1e-3 the cap applies; pass a number then.
    n_rays : int
        Rays (equally spaced in φ) on which the m_z = 0 contour is found; at least
        ``2 * N_MODES``.
    chunk : int, optional
        Frames read and labelled at once (default: the dask chunk along t, else 64).

    Returns
    -------
    pandas.DataFrame
        One row per object, columns :data:`OBJECT_COLUMNS` (``t`` only when ``m``
        has times): ``frame`` (index along t), ``t`` (s), ``z`` (m), ``id`` (per
        frame and layer), centre ``x, y`` (m; guiding centre ``x_q, y_q`` where
        ``|Q| ≥ 0.5``, else the ring centre ``x_ring, y_ring``; NaN ``x_q, y_q``
        when ``|Q| < 0.5``), ``Q``, ``area`` (m², reversed cells), ``r_eq``,
        ``r_contour`` (m), ``helicity``, ``helicity_left``, ``helicity_right``
        (rad, in (−π, π]), ``vorticity``, ``mode_0 … mode_4`` (m) and
        ``phase_1 … phase_4`` (rad) of R(φ), ``n_cells``, ``background``,
        ``at_edge`` (a reversed cell next to an open mesh edge or an empty cell).
        ``attrs`` holds ``pbc``, ``box`` (periodic lengths, None on open axes),
        ``origin``, ``extent``, ``cell``, ``n_frames``, ``times``, ``method``.

    Examples
    --------
    >>> from analysis.textures import skyrmion, cell_centres, as_dataarray
    >>> x = cell_centres(64, 1e-9)
    >>> m = as_dataarray(skyrmion(x, x, centre=(20.3e-9, 41.6e-9), radius=8e-9), 1e-9, 1e-9)
    >>> obj = find_objects(m, method="lattice")
    >>> r = obj.iloc[0]
    >>> len(obj), round(float(r.Q), 2), round(float(r.x) * 1e9, 3), round(float(r.y) * 1e9, 3)
    (1, -1.0, 20.3, 41.6)
    >>> round(float(r.r_contour) * 1e9, 2), abs(float(r.helicity)) < 1e-6  # Néel: 0
    (8.0, True)
    """
    if n_rays < 2 * N_MODES:
        raise ValueError(f"n_rays must be at least {2 * N_MODES}, not {n_rays}")
    if background not in (None, 1, -1):
        raise ValueError(f"background must be +1, -1 or None, not {background!r}")
    m, pbc, cell, valid_ms, has_t = _as_frames(m, pbc)
    nt, nz, ny, nx = (m.sizes[d] for d in ("t", "z", "y", "x"))
    dx, dy = _steps(m, cell)
    px, py = "x" in pbc, "y" in pbc
    x_lo = float(m.x.values[0]) - dx / 2
    y_lo = float(m.y.values[0]) - dy / 2
    Lx, Ly = nx * dx, ny * dy
    times = np.asarray(m.t.values, dtype=float) if (has_t and "t" in m.coords) else None
    zs = np.asarray(m.z.values, dtype=float) if "z" in m.coords else np.arange(nz, dtype=float)

    def wrapper(lo, L, periodic):
        if not periodic:
            return float
        return lambda v: float(lo + np.mod(v - lo, L)) if np.isfinite(v) else np.nan

    ctx = {"dx": dx, "dy": dy, "px": px, "py": py, "x_lo": x_lo, "y_lo": y_lo,
           "Lx": Lx if px else None, "Ly": Ly if py else None, "method": method,
           "margin": margin, "n_rays": n_rays,
           "wrap_x": wrapper(x_lo, Lx, px), "wrap_y": wrapper(y_lo, Ly, py)}
    if chunk is None:
        chunks = getattr(m.data, "chunks", None)
        chunk = int(chunks[0][0]) if chunks is not None else 64
    chunk = max(int(chunk), 1)
    # label structure: 4-connected in (y, x), never across frames or layers
    structure = np.zeros((3, 3, 3, 3), dtype=bool)
    structure[1, 1] = ndimage.generate_binary_structure(2, 1)

    rows: list[dict] = []
    for t0 in range(0, nt, chunk):
        arr = np.asarray(m.isel(t=slice(t0, t0 + chunk)).values)
        rows.extend(_chunk_objects(arr, t0, valid_ms, background, structure, min_cells, ctx))

    df = pd.DataFrame(rows)
    if df.empty:
        df = pd.DataFrame({c: pd.Series(dtype=float) for c in OBJECT_COLUMNS})
    df["z"] = zs[df["z_index"].to_numpy(dtype=int)] if "z_index" in df else df["z"]
    if times is not None:
        df["t"] = times[df["frame"].to_numpy(dtype=int)]
    cols = [c for c in OBJECT_COLUMNS if c != "t" or times is not None]
    df = df[cols].reset_index(drop=True)
    for c in ("frame", "id", "n_cells", "background"):
        df[c] = df[c].astype(np.int64)
    df["at_edge"] = df["at_edge"].astype(bool)
    df.attrs = {
        "pbc": pbc, "box": (Lx if px else None, Ly if py else None),
        "origin": (x_lo, y_lo), "extent": (Lx, Ly), "cell": (dx, dy), "n_frames": nt,
        "times": None if times is None else times.tolist(), "method": method,
    }
    return df


def _chunk_objects(arr, t0, valid_ms, background, structure, min_cells, ctx):
    """Rows for the frames ``t0 …`` in ``arr`` (T, Z, Y, X, 3)."""
    T, Z, ny, nx = arr.shape[:4]
    # Empty cells have m = 0, so they are neither up nor down: the full-frame masks need
    # no validity test (it is done per window); Ms = 0 cells are masked explicitly.
    mz = np.ascontiguousarray(arr[..., 2])
    if valid_ms is not None:
        mz = np.where(valid_ms[None], mz, 0)
    up, down = mz > 0, mz < 0
    if background is None:
        npos = np.count_nonzero(up, axis=(2, 3))
        nneg = np.count_nonzero(down, axis=(2, 3))
        bg = np.where(nneg > npos, -1, 1)
    else:
        bg = np.full((T, Z), background)
    reversed_ = np.where((bg > 0)[:, :, None, None], down, up)
    labels, n = ndimage.label(reversed_, structure=structure)
    if n == 0:
        return []
    lut = _seam_lut(labels, n, ctx["px"], ctx["py"])
    slices = ndimage.find_objects(labels)
    counts = np.bincount(labels.ravel(), minlength=n + 1)
    # group the pieces (original labels) by merged object
    groups: dict[int, list[int]] = {}
    for lab in range(1, n + 1):
        groups.setdefault(int(lut[lab]), []).append(lab)
    merged_cache: dict[tuple[int, int], np.ndarray] = {}
    per_frame_id: dict[tuple[int, int], int] = {}
    rows = []
    for own in sorted(groups, key=lambda g: groups[g][0]):
        labs = groups[own]
        n_cells = int(counts[labs].sum())
        if n_cells < min_cells:
            continue
        sl = [slices[lab - 1] for lab in labs]
        ti, zi = sl[0][0].start, sl[0][1].start
        key = (ti, zi)
        if key not in merged_cache:
            merged_cache[key] = lut[labels[ti, zi]]
        pieces = {"n": n_cells,
                  "y0": [s[2].start for s in sl], "y1": [s[2].stop for s in sl],
                  "x0": [s[3].start for s in sl], "x1": [s[3].stop for s in sl]}
        row = _measure(arr[ti, zi], merged_cache[key], own, pieces,
                       valid_ms=None if valid_ms is None else valid_ms[zi],
                       bg=int(bg[ti, zi]), ctx=ctx)
        row["frame"] = t0 + ti
        row["z_index"] = zi
        row["id"] = per_frame_id.get(key, 0)
        per_frame_id[key] = row["id"] + 1
        rows.append(row)
    return rows


def _seam_lut(labels: np.ndarray, n: int, px: bool, py: bool) -> np.ndarray:
    """Map each label to its object, joining labels that touch across periodic seams."""
    pairs = []
    if px:
        a, b = labels[..., 0], labels[..., -1]
        k = (a > 0) & (b > 0)
        pairs.append((a[k], b[k]))
    if py:
        a, b = labels[..., 0, :], labels[..., -1, :]
        k = (a > 0) & (b > 0)
        pairs.append((a[k], b[k]))
    if not pairs or all(p[0].size == 0 for p in pairs):
        return np.arange(n + 1)
    i = np.concatenate([p[0] for p in pairs])
    j = np.concatenate([p[1] for p in pairs])
    graph = coo_matrix((np.ones(i.size, dtype=np.int8), (i, j)), shape=(n + 1, n + 1))
    _, comp = connected_components(graph, directed=False)
    # name each object by its smallest label so that label 0 stays the background
    first = np.full(comp.max() + 1, n + 1)
    np.minimum.at(first, comp, np.arange(n + 1))
    return first[comp]
