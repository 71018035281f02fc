"""Magnetic charges of a thin film: the areal density σ_m, the edge's line charge, Q_m and P_m.

Paper 004 (Tan et al.) Appendix D, Eqs. (20), (50) and (21 = 62); notes-004 §4.10, design
``docs/design/flower.md`` §4.5. For a film of thickness d, uniform along z, with
``M = Ms m``:

* :func:`charge_density`: ``σ_m = −d ∇·(Ms m)`` (A/m), Eq. (20)'s ``−Ms d ∇·m`` where
  Ms is uniform, by :func:`analysis.derivatives.derivative` with ``valid=``;
* :func:`edge_charge`: the line charge ``λ = Ms d (m·n̂)`` (A) on the boundary cells;
* :func:`charge_moments`: ``Q_m = ∬_S σ dS`` (A·m) and ``P_m = ∬_S σ (r − r₀) dS``
  (A·m²) over a region S (a boolean mask), optionally with the edge charges in S.

Gauss: ``∬σ dS + ∮λ dl = 0`` for any m, here to first order in the cell size (σ's
one-sided edge rows vs the cell values λ uses) and to rounding for m uniform along the
edge. Where m ∥ z on the rim of S (a skyrmion), ``Q_m = 0`` (Eq. 65) and, by parts,
``P_m = Ms d ∬_S m_∥ dS``: zero for a round Néel skyrmion, nonzero when deformed.
Helicity 0 → π (``m_x, m_y → −m_x, −m_y``) flips σ and λ exactly.

Examples
--------
A uniform in-plane m on a disk: no charge inside, ± charge on the rim, none in total.

>>> from analysis.forces import disk_mask
>>> x = (np.arange(40) + 0.5) * 1e-9
>>> inside = disk_mask(x, x, (20e-9, 20e-9), 15.3e-9)
>>> m = np.where(inside[..., None], [1.0, 0.0, 0.0], 0.0)
>>> kw = dict(cell=(1e-9, 1e-9, 2e-9), Ms=5e5)
>>> sigma, edge = charge_density(m, **kw), edge_charge(m, **kw)
>>> q = edge.charge
>>> float(abs(sigma).max()), bool(abs(q.sum()) < 1e-12 * abs(q).sum())
(0.0, True)
>>> round(float(q.where(q > 0).sum()) / (5e5 * 2e-9 * 1e-9), 6)  # rows × dy, R = 15.3 nm
30.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from scipy.ndimage import gaussian_filter

from analysis.derivatives import _shift, derivative
from analysis.periodic import minimum_image
from analysis.thiele import _frame

__all__ = ["charge_density", "edge_charge", "charge_moments"]


def _film(m, cell, Ms, thickness, valid, pbc):
    """(M = Ms m averaged over z (ny, nx, 3), magnetic cells (ny, nx), d, frame)."""
    fr = _frame(m, pbc=pbc, cell=cell)
    nz, ny, nx = fr.m.shape[:3]
    grids = f"(ny, nx) = {(ny, nx)} or (nz, ny, nx) = {(nz, ny, nx)}"
    if Ms is not None:
        ms = np.asarray(Ms, dtype=np.float64)
        if ms.shape not in ((), (ny, nx), (nz, ny, nx)):
            raise ValueError(f"Ms has shape {ms.shape}; expected a scalar, {grids} (A/m)")
        ms = np.broadcast_to(ms, (nz, ny, nx))
    elif fr.ms is not None:
        ms = fr.ms
    else:
        raise ValueError("give Ms= (A/m): a scalar or one value per cell, 0 in vacuum")
    ok = fr.valid & (ms > 0)
    if valid is not None:
        v = np.asarray(valid, dtype=bool)
        if v.shape not in ((ny, nx), (nz, ny, nx)):
            raise ValueError(f"valid has shape {v.shape}; expected {grids}")
        ok = ok & v
    if not (ok == ok[0]).all():
        raise ValueError("the layers have different magnetic cells: a film uniform along z "
                         "is expected")
    if thickness is None:
        if fr.dz is None:
            raise ValueError("give thickness= (m): the cell has no size along z")
        thickness = nz * fr.dz
    M = np.where(ok[..., None], ms[..., None] * fr.m, 0.0).mean(axis=0)
    return M, ok[0], float(thickness), fr


def _map(a: np.ndarray, fr, name: str, units: str) -> xr.DataArray:
    return xr.DataArray(a, dims=("y", "x"), coords={"y": fr.y, "x": fr.x}, name=name,
                        attrs={"units": units, "cell": (fr.dx, fr.dy), "pbc": fr.pbc})


def charge_density(m, *, cell: Sequence[float] | None = None, Ms=None,
                   thickness: float | None = None, valid: np.ndarray | None = None,
                   pbc: str | None = None, order: int = 2) -> xr.DataArray:
    """Areal magnetic charge density ``σ_m = −d ∇·(Ms m)`` of the film (Eq. 20), in A/m.

    Parameters
    ----------
    m : Dataset, DataArray or ndarray
        One state, as :func:`analysis.thiele.thiele_tensors` takes it: a run Dataset (its
        ``Ms`` is used), a DataArray (z, y, x, c), or ``(ny, nx, 3)`` / ``(nz, ny, nx, 3)``
        with ``cell`` = (dx, dy[, dz]) in m. Layers are averaged.
    Ms : float or ndarray (ny, nx) / (nz, ny, nx), optional
        A/m; 0 marks vacuum. Default: the Dataset's ``Ms``.
    thickness : float, optional
        d in m (default ``nz · dz``).
    valid : ndarray of bool, optional
        Extra mask of magnetic cells (and-ed with ``|m| > 0`` and ``Ms > 0``).
    pbc : str, optional
        Periodic axes ("x", "xy"); default the input's attrs.
    order : {2, 4}
        Interior order of :func:`analysis.derivatives.derivative`.

    Returns
    -------
    DataArray (y, x)
        σ_m in A/m (A/m × m × 1/m); 0 outside the magnet. ``∬σ dS`` is in A·m.

    Examples
    --------
    >>> x = (np.arange(8) + 0.5) * 1e-9
    >>> X, _ = np.meshgrid(x, x)
    >>> m = np.stack([X / 1e-8, 0 * X, np.sqrt(1 - (X / 1e-8) ** 2)], axis=-1)  # ∂x m_x = 1e8/m
    >>> s = charge_density(m, cell=(1e-9, 1e-9, 1e-9), Ms=1e6)
    >>> bool(np.allclose(s, -1e6 * 1e-9 * 1e8))
    True
    """
    M, ok, d, fr = _film(m, cell, Ms, thickness, valid, pbc)
    div = (derivative(M, -2, fr.dx, periodic="x" in fr.pbc, order=order, valid=ok)[..., 0]
           + derivative(M, -3, fr.dy, periodic="y" in fr.pbc, order=order, valid=ok)[..., 1])
    return _map(-d * div + 0.0, fr, "sigma_m", "A/m")


def edge_charge(m, *, cell: Sequence[float] | None = None, Ms=None,
                thickness: float | None = None, valid: np.ndarray | None = None,
                pbc: str | None = None, spread: float = 1.0) -> xr.Dataset:
    """The edge's line charge ``λ = Ms d (m·n̂)`` on the boundary cells of the magnet.

    Method: a boundary cell (magnetic, with a face on vacuum) gets ``S = Σ n_f l_f`` over
    those faces (outward unit normals, lengths dy or dx): ``−2 dx dy`` times the central
    difference gradient of the mask itself. S follows the staircase (multiples of 45°), so
    each cell hands its S out along the boundary cells in Gaussian weights (``spread``
    cells wide) that sum to one: ``S̃``. Then ``n̂ = S̃/|S̃|``, ``dl = |S̃|`` and the cell's
    charge is ``λ dl = d (Ms m)·S̃``, at the cell centre (half a cell inside the face).
    Accuracy: ``Σ S̃ = Σ S`` is the staircase's exact ``∮ n dl = 0``, so a uniform m has
    zero total charge to rounding on any shape. The outline is known to ±h/√2 (a cell is
    in by its centre): ∮dl and the positive part of a uniform in-plane m (2R on a disk)
    come within about a cell (at R = 20 h: 1 % and 0.2–2.5 %); cell by cell n̂ is off
    the circle's normal by 5° rms (14° at most). ``spread=0`` keeps the raw staircase (17°
    rms: a ± checkerboard of λ for an m oblique to the axes). Boundaries closer than ~4
    spread cells across vacuum share charge.

    Parameters
    ----------
    m, cell, Ms, thickness, valid, pbc
        As :func:`charge_density`. Open (non-periodic) mesh ends are edges.
    spread : float
        Width in cells of the Gaussian that spreads S along the boundary.

    Returns
    -------
    Dataset (y, x)
        ``line_density`` λ (A), ``length`` dl (m), ``normal`` (y, x, n) the outward
        n̂ (n = x, y), ``charge`` λ dl (A·m); all 0 off the edge.
    """
    M, ok, d, fr = _film(m, cell, Ms, thickness, valid, pbc)
    S, edge = np.zeros(ok.shape + (2,)), np.zeros_like(ok)
    for i, (ax, h) in enumerate(((1, fr.dy), (0, fr.dx))):  # x: axis 1, face length dy
        lo, hi = (_shift(ok, k, ax, "xy"[i] in fr.pbc, False) for k in (-1, 1))
        S[..., i] = np.where(ok, h * (lo.astype(float) - hi), 0.0)
        edge |= ok & ~(lo & hi)
    if spread > 0:
        modes = ["wrap" if a in fr.pbc else "constant" for a in "yx"]
        W = np.where(edge, gaussian_filter(edge.astype(float), spread, mode=modes), 1.0)
        S = np.stack([gaussian_filter(S[..., i] / W, spread, mode=modes) for i in (0, 1)],
                     axis=-1) * edge[..., None]   # each cell's S handed out in weights 1/W
    dl = np.hypot(S[..., 0], S[..., 1])
    normal = np.divide(S, dl[..., None], out=np.zeros_like(S), where=dl[..., None] > 0)
    q = d * (M[..., 0] * S[..., 0] + M[..., 1] * S[..., 1]) + 0.0
    lam = np.divide(q, dl, out=np.zeros_like(q), where=dl > 0)
    out = xr.Dataset({"line_density": _map(lam, fr, "line_density", "A"),
                      "length": _map(dl, fr, "length", "m"),
                      "charge": _map(q, fr, "charge", "A m"),
                      "normal": (("y", "x", "n"), normal)}, coords={"n": ["x", "y"]})
    out.attrs = {"cell": (fr.dx, fr.dy), "pbc": fr.pbc, "thickness": d, "spread": spread}
    return out


def charge_moments(sigma, *, region: np.ndarray, edge: xr.Dataset | None = None,
                   centre: Sequence[float] = (0.0, 0.0),
                   cell: Sequence[float] | None = None) -> tuple[float, np.ndarray]:
    """Total charge ``Q_m = ∬_S σ dS`` and dipole ``P_m = ∬_S σ (r − r₀) dS`` (Eq. 21).

    Parameters
    ----------
    sigma : DataArray (y, x) from :func:`charge_density`, or ndarray (ny, nx) with ``cell``
        σ_m in A/m (cell centres at ``(i + ½) h`` for an array).
    region : ndarray of bool (ny, nx)
        S, e.g. :func:`analysis.forces.disk_mask` around the skyrmion.
    edge : Dataset, optional
        :func:`edge_charge`'s result: its charges in S are added (at the cell centres).
    centre : (x₀, y₀)
        r₀ in m; distances use the minimum image across sigma's periodic axes.
        P_m does not depend on it when Q_m = 0.
    cell : (dx, dy), optional
        Default sigma's ``attrs["cell"]``.

    Returns
    -------
    (Q_m in A·m, P_m as ndarray (2,) in A·m²)
    """
    s = np.asarray(sigma, dtype=np.float64)
    r = np.asarray(region, dtype=bool)
    if s.ndim != 2 or r.shape != s.shape:
        raise ValueError(f"sigma {s.shape} and region {r.shape}: expected two (ny, nx) maps "
                         "of the same shape")
    ny, nx = s.shape
    da = isinstance(sigma, xr.DataArray)
    cell = cell if cell is not None else (sigma.attrs.get("cell") if da else None)
    if cell is None:
        raise ValueError("sigma without attrs['cell'] needs cell=(dx, dy) in metres")
    dx, dy = float(cell[0]), float(cell[1])
    x = sigma["x"].values if da and "x" in sigma.coords else (np.arange(nx) + 0.5) * dx
    y = sigma["y"].values if da and "y" in sigma.coords else (np.arange(ny) + 0.5) * dy
    pbc = sigma.attrs.get("pbc", "") if da else ""
    X, Y = np.meshgrid(x, y)
    rx = minimum_image(X - centre[0], nx * dx if "x" in pbc else None)
    ry = minimum_image(Y - centre[1], ny * dy if "y" in pbc else None)
    q = np.where(r, s * dx * dy, 0.0)
    if edge is not None:
        e = np.asarray(edge["charge"], dtype=np.float64)
        if e.shape != s.shape:
            raise ValueError(f"edge charges {e.shape}; expected sigma's {s.shape}")
        q = q + np.where(r, e, 0.0)
    return float(q.sum()) + 0.0, np.array([(q * rx).sum(), (q * ry).sum()]) + 0.0
