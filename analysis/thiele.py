"""Thiele tensors of a magnetisation state and the rigid-texture drift velocity.

From one state ``m`` (unit vectors on the mesh) :func:`thiele_tensors` computes
the integrals of the Thiele equation, and :func:`thiele_velocity` solves that
equation for the steady velocity under a Zhang–Li current (STT), a damping-like
spin–orbit torque (SOT), an external force and, optionally, a confinement (a
nanotrack edge or the Janus interface: one velocity component held at zero by a
force that the solver returns).

Conventions (SI units throughout)
---------------------------------
All derivatives come from :func:`analysis.derivatives.derivative` (periodic axes,
free edges and empty cells handled there; ``order`` 2 or 4); integrals are cell
sums times ``dx·dy``. For a state with several z-layers every tensor is the
mean over the layers (the film thickness is ``t = nz·dz``).

* Topological charge ``Q = (1/4π) ∫ m·(∂x m × ∂y m) dA``: a core-down skyrmion
  in an up background has ``Q = −1`` (as :mod:`analysis.topology`, mumax3's
  ``ext_topologicalcharge``, papers 002/003).
* Gyrotensor ``G_ij = ∫ m·(∂_i m × ∂_j m) dA``: ``G_xy = −G_yx = 𝒢 = 4πQ``; the
  gyrovector is ``G = 𝒢 ẑ = 4πQ ẑ`` (paper 002 Eqs. 27, 34: 𝒢 = −4π for a
  skyrmion in a field along +z). Dimensionless.
* Dissipative tensor ``D_ij = ∫ ∂_i m · ∂_j m dA`` (i, j ∈ x, y), dimensionless;
  ``Γ = D/4π`` (paper 003 Eq. 6).
* Spin-torque tensor ``𝒥_iν = [∫ (∂_i m × m) dA]_ν``, a 2×3 matrix in metres
  (paper 002 Eq. 251); the SOT drive is its projection on the polarisation p.
* The Zhang–Li drive needs no tensor beyond G and D (in-plane current, m
  uniform across the thickness).

LLG equation, Gilbert form, with the torques exactly as mumax3 adds them::

    ṁ = −γ m×B + α m×ṁ + (u·∇)m − ξ m×(u·∇)m + c m×(p×m)

* Zhang–Li: ``u = μB P j / (e Ms (1 + ξ²))`` (m/s) is mumax3's ``u``
  (``cuda/zhangli2.cu``: ``b = μB/(2 e γ0 Ms (1+ξ²))`` times the central
  difference ``(m₊₁ − m₋₁)/Δ``), whose LL form is
  ``−[(1+ξα) m×(m×(u·∇)m) + (ξ−α) m×(u·∇)m]/(1+α²)``. It is paper 003's ``I``
  and minus paper 002's ``v_s``; ξ is paper 002's β. For ξ = α a texture moves
  with ``V = −u``, i.e. along the electron flow, against ``j``.
* Damping-like SOT: ``τ = c m×(p×m) = −c m×(m×p)`` with
  ``c = γ ħ θ_SH j / (2 e t Ms)`` (1/s): paper 000's ``u`` (its
  ``γ0/μ0 = γ``) and paper 002's ``v_s⊥/d`` (with σ = p). Its LL form,
  ``c[m×(p×m) + α m×p]/(1+α²)``, is mumax3's Slonczewski torque
  (``cuda/slonczewski2.cu``) with ``Lambda = 1``, ``EpsilonPrime = 0``,
  ``Pol = θ_SH``, ``J = (0, 0, j)``, ``FixedLayer = p``, ``FreeLayerThickness = t``
  and the default ``FixedLayerPosition = FIXEDLAYER_TOP``. Analytic limit fixing
  the sign: alone, it turns a uniform m toward +p when c > 0.
* ``γ`` is mumax3's ``GammaLL`` (rad/(T s); OOMMF's ``γ_G = μ0 γ``).

Thiele equation. For a rigid texture ``m(r − R(t))``, ``V = Ṙ``, so
``ṁ = −(V·∇)m``; projecting the LLG on ``m × ∂_i m`` and integrating over the
film gives, in "velocity units" (m/s)::

    (G − αD)·V + (G − ξD)·u + S + f = 0,
    S_i = c p·∫ (m × ∂_i m) dA = −c (𝒥 p)_i,    f_i = −γ ∫ ∂_i m · B dA,

or with the gyrovector, ``−G×(V + u) − D(αV + ξu) + S + f = 0``. Here ``f`` is
the force on the texture, ``F = −∂E/∂X`` (N), in velocity units:
``f = γ F / (Ms t)`` (see :mod:`analysis.forces`). This is paper 003's Eq. (4)
times 4π (``I = u``, ``Γ = D/4π``) and paper 002's Eq. (46) with ``v_s = −u``,
``β = ξ``, ``J^spin = S`` and ``−∇V = f``.

Slips in the papers, handled here
---------------------------------
* Paper 002 (Appendix): Eqs. (252)–(255) give ``|𝒥_μν| = π² r_sk/2`` for the
  linear profile, Eqs. (260)/(265) and ``𝒥_FM = π² v⊥ r_sk/d`` drop the ½. We
  never use 𝒥_FM: the spin-torque tensor is integrated from m, so a Table 1
  velocity computed here is half of the paper's printed 𝒥_FM formula for that
  profile.
* Paper 003: the reduced velocity is ``v = +V/V0`` with ``e∥ = −Î`` and
  ``e⊥ = ẑ × e∥`` (not ``−V/V0``), ``V0 = ξ|I|/α``; then Eq. (11) holds and
  ``sign(v⊥) = −sign(Q) sign(ξ − α)`` for high-symmetry textures. That geometry
  (Γ's axes, circles, reduced velocities) lives in :mod:`analysis.thiele_geometry`.

Examples
--------
>>> from analysis.textures import skyrmion, cell_centres
>>> x = cell_centres(128, 0.5e-9)
>>> m = skyrmion(x, x, centre=(32e-9, 32e-9), radius=8e-9)
>>> tt = thiele_tensors(m, cell=(0.5e-9, 0.5e-9, 1e-9))
>>> round(tt.Q, 2), bool(abs(tt.D[0, 1]) < 1e-12)
(-0.99, True)
>>> v = thiele_velocity(tt, alpha=0.1, stt={"u": (-10.0, 0.0), "xi": 0.1}).velocity
>>> [round(float(c), 9) + 0.0 for c in v]  # ξ = α: V = −u
[10.0, 0.0]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import xarray as xr

from analysis.derivatives import derivative, valid_cells
from mmstudy import spintorque
from mmstudy.constants import HBAR, MU0, MUB, MUMAX3_GAMMA_LL, QE

__all__ = [
    "MU0", "HBAR", "QE", "MUB", "GAMMA_LL",
    "ThieleTensors", "ThieleSolution",
    "thiele_tensors", "thiele_velocity",
    "zhang_li_u", "sot_rate",
]

#: Gyromagnetic ratio (rad/(T s)): mumax3's default ``GammaLL``. MU0, HBAR, QE and MUB
#: (SI) are re-exported from :mod:`mmstudy.constants`.
GAMMA_LL = MUMAX3_GAMMA_LL

Axis = Literal["x", "y"]


# --------------------------------------------------------------------------- input


@dataclasses.dataclass(frozen=True)
class _Frame:
    """One state as plain arrays: m (nz, ny, nx, 3), magnetic cells, mesh."""

    m: np.ndarray
    valid: np.ndarray
    dx: float
    dy: float
    dz: float | None
    pbc: str
    x: np.ndarray
    y: np.ndarray
    ms: np.ndarray | None  # (nz, ny, nx) in A/m when known


def _steps_from_coords(da: xr.DataArray, cell) -> tuple[float, float, float | None]:
    steps = []
    for i, ax in enumerate("xyz"):
        if ax in da.dims and da.sizes[ax] > 1 and ax in da.coords:
            steps.append(float(da[ax].values[1] - da[ax].values[0]))
        elif cell is not None and len(cell) > i:
            steps.append(float(cell[i]))
        elif ax == "z":
            steps.append(None)
        else:
            raise ValueError(f"cannot tell the cell size along {ax}: give cell=(dx, dy, dz)")
    return steps[0], steps[1], steps[2]


def _to_zyxc(da: xr.DataArray) -> xr.DataArray:
    if "t" in da.dims:
        if da.sizes["t"] != 1:
            raise ValueError(f"one state please: {da.name or 'm'} has {da.sizes['t']} frames "
                             "along t (select one with .isel(t=...))")
        da = da.isel(t=0)
    for d in da.dims:
        if d not in ("z", "y", "x", "c") and da.sizes[d] == 1:
            da = da.isel({d: 0})
    if "z" not in da.dims:
        da = da.expand_dims("z")
    extra = set(da.dims) - {"z", "y", "x", "c"}
    if extra:
        raise ValueError(f"unexpected dimensions {sorted(extra)}; expected (z, y, x, c)")
    return da.transpose("z", "y", "x", "c")


def _frame(m, *, pbc: str | None, cell: Sequence[float] | None) -> _Frame:
    """Normalise a Dataset / DataArray / ndarray state into a :class:`_Frame`."""
    ms = None
    attrs_cell = None
    attrs_pbc = ""
    if isinstance(m, xr.Dataset):
        attrs_cell, attrs_pbc = m.attrs.get("cell"), m.attrs.get("pbc", "")
        if "Ms" in m:
            ms_da = m["Ms"]
            if "t" in ms_da.dims:
                ms_da = ms_da.isel(t=0)
            if "z" not in ms_da.dims:
                ms_da = ms_da.expand_dims("z")
            ms = np.asarray(ms_da.transpose("z", "y", "x").values, dtype=np.float64)
        m = m["m"]
    if isinstance(m, xr.DataArray):
        attrs_cell = m.attrs.get("cell", attrs_cell)
        attrs_pbc = m.attrs.get("pbc", attrs_pbc)
        da = _to_zyxc(m)
        dx, dy, dz = _steps_from_coords(da, cell if cell is not None else attrs_cell)
        arr = np.asarray(da.values, dtype=np.float64)
        nz, ny, nx = arr.shape[:3]
        x = np.asarray(da["x"].values, float) if "x" in da.coords else (np.arange(nx) + 0.5) * dx
        y = np.asarray(da["y"].values, float) if "y" in da.coords else (np.arange(ny) + 0.5) * dy
    else:
        arr = np.asarray(m, dtype=np.float64)
        if arr.ndim == 3:
            arr = arr[None]
        if arr.ndim != 4 or arr.shape[-1] != 3:
            raise ValueError(f"m must be (y, x, 3) or (z, y, x, 3), not {np.shape(m)}")
        if cell is None:
            raise ValueError("a numpy state needs cell=(dx, dy[, dz]) in metres")
        dx, dy = float(cell[0]), float(cell[1])
        dz = float(cell[2]) if len(cell) > 2 else None
        nz, ny, nx = arr.shape[:3]
        x, y = (np.arange(nx) + 0.5) * dx, (np.arange(ny) + 0.5) * dy
    pbc = attrs_pbc if pbc is None else pbc
    valid = valid_cells(arr)
    if ms is not None:
        valid &= ms > 0
    return _Frame(arr, valid, dx, dy, dz, pbc or "", x, y, ms)


def _gradients(fr: _Frame, order: int) -> tuple[np.ndarray, np.ndarray]:
    dmx = derivative(fr.m, -2, fr.dx, periodic="x" in fr.pbc, order=order, valid=fr.valid)
    dmy = derivative(fr.m, -3, fr.dy, periodic="y" in fr.pbc, order=order, valid=fr.valid)
    return dmx, dmy


# --------------------------------------------------------------------------- tensors


@dataclasses.dataclass(frozen=True)
class ThieleTensors:
    """The integrals of the Thiele equation for one state (see module docstring).

    Attributes
    ----------
    Q : float
        Topological charge ``G_xy / 4π`` (same derivatives as the tensors).
    G : ndarray (2, 2)
        Gyrotensor ``[[0, 𝒢], [−𝒢, 0]]`` with ``𝒢 = 4πQ`` (dimensionless).
    D : ndarray (2, 2)
        Dissipative tensor ``∫ ∂_i m·∂_j m dA`` (dimensionless).
    spin_torque : ndarray (2, 3)
        ``𝒥_iν = [∫ (∂_i m × m) dA]_ν`` in m.
    thickness : float or None
        Film thickness t in m (``nz·dz`` unless given).
    cell : (dx, dy, dz)
    pbc : str
    order : int
        Finite-difference order used.
    """

    Q: float
    G: np.ndarray
    D: np.ndarray
    spin_torque: np.ndarray
    thickness: float | None
    cell: tuple[float, float, float | None]
    pbc: str
    order: int

    @property
    def gyro(self) -> float:
        """𝒢 = 4πQ = G_xy (the z-component of the gyrovector)."""
        return float(self.G[0, 1])

    @property
    def gyrovector(self) -> np.ndarray:
        """``(0, 0, 4πQ)``."""
        return np.array([0.0, 0.0, self.gyro])

    @property
    def Gamma(self) -> np.ndarray:
        """Paper 003's dissipation tensor ``Γ = D/4π``."""
        return self.D / (4 * np.pi)

    def sot_drive(self, p: Sequence[float]) -> np.ndarray:
        """``p·∫ (m × ∂_i m) dA = −𝒥·p`` (m): the SOT drive per unit rate c."""
        return -self.spin_torque @ np.asarray(p, dtype=np.float64)


def thiele_tensors(
    m: xr.DataArray | xr.Dataset | np.ndarray,
    *,
    pbc: str | None = None,
    order: Literal[2, 4] = 2,
    thickness: float | None = None,
    cell: Sequence[float] | None = None,
    region: np.ndarray | None = None,
) -> ThieleTensors:
    """Gyrotensor, dissipative tensor and spin-torque tensor of one state.

    Parameters
    ----------
    m : DataArray (z, y, x, c) or (y, x, c), Dataset, or ndarray (y, x, 3) / (z, y, x, 3)
        Unit magnetisation (zero in empty cells). A Dataset supplies ``m``, its
        ``pbc`` and ``cell`` attrs and ``Ms`` (cells with Ms = 0 are skipped). A
        ``t`` dimension must have length 1.
    pbc : str, optional
        Periodic axes among ``"x"``, ``"y"``; default ``attrs["pbc"]`` or none.
    order : {2, 4}
        Finite-difference order (:func:`analysis.derivatives.derivative`).
    thickness : float, optional
        Film thickness in m; default ``nz·dz`` when dz is known.
    cell : (dx, dy[, dz]), optional
        Cell size in m: required for a numpy array, else read from the
        coordinates or ``attrs["cell"]``.
    region : ndarray of bool (y, x), optional
        Integrate over these cells only (default every cell): e.g. a disk around a
        texture in a shaped magnet, so that the edge's canting stays out of G and D
        (:func:`analysis.forces.disk_mask`). The derivatives are still taken on the
        whole state.

    Returns
    -------
    ThieleTensors

    Examples
    --------
    >>> m = np.zeros((8, 8, 3)); m[..., 2] = 1.0
    >>> tt = thiele_tensors(m, cell=(1e-9, 1e-9))
    >>> tt.Q, float(np.abs(tt.D).max()), tt.spin_torque.shape
    (0.0, 0.0, (2, 3))
    """
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, not {order!r}")
    fr = _frame(m, pbc=pbc, cell=cell)
    dmx, dmy = _gradients(fr, order)
    nz = fr.m.shape[0]
    area = fr.dx * fr.dy / nz  # mean over layers
    if region is not None:
        region = np.asarray(region, dtype=bool)
        if region.shape != fr.m.shape[1:3]:
            raise ValueError(f"region has shape {region.shape}; the state's cells are "
                             f"(y, x) = {fr.m.shape[1:3]}")
        w = np.broadcast_to(region, fr.m.shape[:3])
        dmx, dmy = np.where(w[..., None], dmx, 0.0), np.where(w[..., None], dmy, 0.0)

    def integral(a):
        return float(np.sum(a) * area)

    gxy = integral(np.einsum("...c,...c->...", fr.m, np.cross(dmx, dmy)))
    G = np.array([[0.0, gxy], [-gxy, 0.0]])
    grads = (dmx, dmy)
    D = np.array([[integral(np.einsum("...c,...c->...", a, b)) for b in grads] for a in grads])
    J = np.array([np.sum(np.cross(a, fr.m), axis=(0, 1, 2)) * area for a in grads])
    if thickness is None and fr.dz is not None:
        thickness = nz * fr.dz
    return ThieleTensors(Q=gxy / (4 * np.pi), G=G, D=D, spin_torque=J,
                         thickness=None if thickness is None else float(thickness),
                         cell=(fr.dx, fr.dy, fr.dz), pbc=fr.pbc, order=order)


# --------------------------------------------------------------------------- drives


def zhang_li_u(j: Sequence[float] | float, *, P: float, Ms: float, xi: float = 0.0,
               gamma: float = GAMMA_LL) -> np.ndarray:
    """mumax3's Zhang–Li velocity ``u = (γ/γ0) μB P j / (e Ms (1 + ξ²))`` in m/s.

    ``γ0 = 1.7595e11`` is mumax3's built-in constant; with the default
    ``GammaLL = γ0`` the ratio is 1.

    Examples
    --------
    >>> [round(float(c), 2) for c in zhang_li_u((1e12, 0.0), P=0.4, Ms=580e3)]
    [39.92, 0.0]
    """
    j = np.atleast_1d(np.asarray(j, dtype=np.float64))
    return (gamma / GAMMA_LL) * spintorque.zhang_li_u(j, P=P, Ms=Ms, xi=xi)


def sot_rate(j: float, *, theta_SH: float, thickness: float, Ms: float,
             gamma: float = GAMMA_LL) -> float:
    """Damping-like SOT rate ``c = γ ħ θ_SH j / (2 e t Ms)`` in 1/s.

    Paper 000's ``u = γ0 ħ j θ_SH / (2 μ0 e a Ms)`` (γ0 = μ0 γ) and paper 002's
    ``v_s⊥ / d``.

    Examples
    --------
    >>> round(sot_rate(1e10, theta_SH=1.0, thickness=1e-9, Ms=580e3) / 1e9, 4)  # paper 000
    0.9984
    """
    return float(spintorque.sot_rate(j, theta_SH=theta_SH, thickness=thickness, Ms=Ms,
                                     gamma=gamma))


def _stt_terms(tt: ThieleTensors, stt: Mapping | None) -> tuple[np.ndarray, np.ndarray]:
    """Return (u, (G − ξD)u) in m/s."""
    if not stt:
        return np.zeros(2), np.zeros(2)
    extra = set(stt) - {"u", "xi"}
    if extra or "u" not in stt:
        raise ValueError(f"stt takes keys 'u' (m/s, 2 components) and 'xi'; got {sorted(stt)}")
    u = np.asarray(stt["u"], dtype=np.float64).reshape(-1)
    if u.size not in (2, 3) or (u.size == 3 and u[2] != 0):
        raise ValueError("stt['u'] needs (ux, uy): the Thiele equation here is in-plane")
    u = u[:2]
    xi = float(stt.get("xi", 0.0))
    return u, (tt.G - xi * tt.D) @ u


def _sot_terms(tt: ThieleTensors, sot: Mapping | None, gamma: float) -> tuple[np.ndarray, float]:
    """Return (S in m/s, rate c in 1/s)."""
    if not sot:
        return np.zeros(2), 0.0
    allowed = {"j", "theta_SH", "p", "thickness", "Ms", "rate"}
    extra = set(sot) - allowed
    if extra or "p" not in sot:
        raise ValueError(f"sot takes p and either rate (1/s) or j, theta_SH, thickness, Ms; "
                         f"got {sorted(sot)}")
    p = np.asarray(sot["p"], dtype=np.float64)
    if p.shape != (3,) or not np.linalg.norm(p) > 0:
        raise ValueError("sot['p'] must be a nonzero 3-vector")
    p = p / np.linalg.norm(p)  # as mumax3 normalises FixedLayer
    if "rate" in sot:
        c = float(sot["rate"])
    else:
        t = sot.get("thickness", tt.thickness)
        if t is None or "Ms" not in sot or "j" not in sot or "theta_SH" not in sot:
            raise ValueError("sot needs j, theta_SH, Ms and a thickness (or 'rate')")
        c = sot_rate(sot["j"], theta_SH=sot["theta_SH"], thickness=t, Ms=sot["Ms"], gamma=gamma)
    return c * tt.sot_drive(p), c


def _force_scale(tt: ThieleTensors, Ms: float | None, thickness: float | None,
                 sot: Mapping | None, gamma: float) -> float | None:
    """N per (m/s) of the Thiele equation: ``Ms t / γ``, or None when unknown."""
    t = thickness if thickness is not None else (sot or {}).get("thickness", tt.thickness)
    ms = Ms if Ms is not None else (sot or {}).get("Ms")
    if t is None or ms is None:
        return None
    return float(ms) * float(t) / gamma


# --------------------------------------------------------------------------- solver


@dataclasses.dataclass(frozen=True)
class ThieleSolution:
    """Steady velocity from :func:`thiele_velocity`.

    Attributes
    ----------
    velocity : ndarray (2,)
        (vx, vy) in m/s.
    confining_force : ndarray (2,) or None
        The force (N) that holds the confined component at zero (zeros when
        unconfined); None when Ms or the thickness is unknown.
    confining_rate : ndarray (2,)
        The same force in the velocity units of the Thiele equation (m/s),
        ``γ F / (Ms t)``.
    """

    velocity: np.ndarray
    confining_force: np.ndarray | None
    confining_rate: np.ndarray


def thiele_velocity(
    tensors: ThieleTensors,
    *,
    alpha: float,
    stt: Mapping | None = None,
    sot: Mapping | None = None,
    force: Sequence[float] | None = None,
    confine: Axis | None = None,
    Ms: float | None = None,
    thickness: float | None = None,
    gamma: float = GAMMA_LL,
) -> ThieleSolution:
    """Solve ``(G − αD)V + (G − ξD)u + S + f + f_conf = 0`` for the steady velocity.

    Parameters
    ----------
    tensors : ThieleTensors
    alpha : float
        Gilbert damping.
    stt : mapping, optional
        Zhang–Li drive ``{"u": (ux, uy), "xi": ξ}``: mumax3's u in m/s (see
        :func:`zhang_li_u`; paper 002's ``v_s = −u``) and the non-adiabaticity.
    sot : mapping, optional
        Damping-like SOT ``{"j", "theta_SH", "p", "thickness", "Ms"}`` (A/m², 1,
        3-vector, m, A/m; thickness defaults to ``tensors.thickness``) or
        ``{"rate": c, "p": p}`` with c in 1/s (:func:`sot_rate`). p is normalised,
        as mumax3 normalises ``FixedLayer``.
    force : (Fx, Fy), optional
        An external force on the texture in N (e.g. a sum of
        :func:`analysis.forces.term_forces`); needs Ms and the thickness.
    confine : {"x", "y"}, optional
        Hold that velocity component at zero (``"y"``: nanotrack along x;
        ``"x"``: Janus skyrmion on an interface along y) and solve for the other
        component and the confining force along the same axis.
    Ms, thickness : float, optional
        For forces in N (default: ``sot``'s values, ``tensors.thickness``).
    gamma : float
        Gyromagnetic ratio in rad/(T s) (mumax3's ``GammaLL``).

    Returns
    -------
    ThieleSolution

    Examples
    --------
    Paper 002, nanotrack along x, current along x: v_dx = (β/α) v_sx.

    >>> tt = ThieleTensors(Q=-1.0, G=np.array([[0, -4 * np.pi], [4 * np.pi, 0]]),
    ...                    D=np.eye(2) * 15.0, spin_torque=np.zeros((2, 3)), thickness=None,
    ...                    cell=(1e-9, 1e-9, None), pbc="", order=2)
    >>> sol = thiele_velocity(tt, alpha=0.04, stt={"u": (-1.0, 0.0), "xi": 0.02}, confine="y")
    >>> [round(float(c), 12) for c in sol.velocity]
    [0.5, 0.0]
    """
    A = tensors.G - alpha * tensors.D
    u, stt_rate = _stt_terms(tensors, stt)
    S, _ = _sot_terms(tensors, sot, gamma)
    scale = _force_scale(tensors, Ms, thickness, sot, gamma)
    f = np.zeros(2)
    if force is not None:
        if scale is None:
            raise ValueError("an external force needs Ms and the film thickness")
        f = np.asarray(force, dtype=np.float64).reshape(2) / scale
    rhs = -(stt_rate + S + f)
    conf = np.zeros(2)
    if confine is None:
        V = np.linalg.solve(A, rhs)
    elif confine in ("x", "y"):
        k = 0 if confine == "x" else 1  # fixed velocity component and force axis
        o = 1 - k
        M = np.zeros((2, 2))
        M[:, 0] = A[:, o]  # unknown free velocity component
        M[k, 1] = 1.0      # unknown confining force along k
        sol = np.linalg.solve(M, rhs)
        V = np.zeros(2)
        V[o] = sol[0]
        conf[k] = sol[1]
    else:
        raise ValueError(f"confine must be None, 'x' or 'y', not {confine!r}")
    return ThieleSolution(velocity=V, confining_force=None if scale is None else conf * scale,
                          confining_rate=conf)
