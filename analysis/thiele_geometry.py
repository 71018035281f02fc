"""Paper 003's Thiele geometry, in its own normalisation (dimensionless Γ, reduced v).

Kuchkin et al., "Geometry and symmetry in skyrmion dynamics" (notes:
``shared/papers/notes-003.md`` §1.2, §1.3, §2, §4). A rigid texture with
topological charge Q and dissipation tensor Γ, driven by a Zhang–Li current
``I`` (mumax3's ``u``, m/s), moves with the velocity V that solves Eq. (4)::

    −Q e_z × (V + I) − Γ(αV + ξI) = 0,
    Q = (1/4π) ∫ n·(∂x n × ∂y n) dx dy,   Γ_ij = (1/4π) ∫ ∂_i n·∂_j n dx dy.

Both Q and Γ are dimensionless and unchanged by rescaling lengths. This module
is the paper's geometry of that solution:

* :func:`dissipation_tensor` — Γ of a state (Eq. 6), from
  :func:`analysis.thiele.thiele_tensors` (whose ``D = 4πΓ``);
* :func:`gamma_geometry` → :class:`GammaGeometry` — λ1 ≥ λ2, ψ, S, ϑ
  (Eqs. 8–10); :func:`rho` — ρ (Eq. 10);
* :func:`thiele_velocity_reduced` — Eq. (4) solved directly, expressed as the
  reduced velocity ``(v∥, v⊥)``; :func:`velocity_closed_form` — Eqs. (11)/(22);
* circles: :func:`big_circle` (Eqs. 12–13), :func:`small_circle` (Eqs. 14–15),
  :func:`alpha_trace_circle` (Eq. 17); :func:`beta_max` and
  :func:`deflection_angle` (Eq. 16);
* :func:`kasa_circle_fit` and :func:`circle_residual` — fit a circle to a cloud
  of measured reduced velocities (orthogonality test, Eq. 18);
* :func:`reduced_units` — ℓ, L_D, B_D and the velocity unit γB_Dℓ (§1.2).

Reduced velocity (the notes' SIGN ERRATUM, used everywhere here)
----------------------------------------------------------------
The paper prints ``v = −V/V0``; Eq. (11) and "Q = 0 gives v = e∥" hold only with
``v = +V/V0``, ``e∥ = −Î``, ``e⊥ = e_z × e∥`` and ``V0 = ξ|I|/α``::

    v∥ = −V·Î / V0,    v⊥ = V·(e_z × e∥) / V0.

With I ∥ −x: e∥ = +x, e⊥ = +y, v∥ = Vx/V0, v⊥ = Vy/V0. Then a high-symmetry
texture has ``sign(v⊥) = −sign(Q)·sign(ξ − α)``: a π-skyrmion (Q = −1) with
ξ > α, driven along +x, deflects to +y (:func:`reduced_velocity` turns a measured
or Thiele velocity into it).

Angles: ψ is the polar angle (from +x, counter-clockwise) of the λ1 axis of Γ;
the current is ``I = |I|(cos θ, sin θ)``, so e∥ has polar angle
``ψ∥ = θ + π`` and Eq. (22) uses ``ψ' = ψ − ψ∥``.

Examples
--------
A π-skyrmion (Q = −1, Γ = 1.6·id) at the paper's α = 0.06, ξ = 0.1, current
along −x:

>>> import numpy as np
>>> vpar, vperp = thiele_velocity_reduced(-1.0, 1.6 * np.eye(2), 0.06, 0.1, np.pi)
>>> vc, Rc = big_circle(0.06, 0.1)
>>> round(vc, 12), round(Rc, 12), bool(vperp > 0)
(0.8, 0.2, True)
>>> round(float(np.hypot(vpar - vc, vperp)), 12)   # on the big circle, Eq. (13)
0.2
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from analysis import thiele as _thiele
from mmstudy.reduced import ReducedUnits, reduced_units  # noqa: F401 (re-exported)

__all__ = [
    "dissipation_tensor",
    "GammaGeometry", "gamma_geometry", "rho",
    "reduced_velocity", "thiele_velocity_reduced", "velocity_closed_form",
    "big_circle", "small_circle", "alpha_trace_circle", "beta_max", "deflection_angle",
    "kasa_circle_fit", "circle_residual",
    "ReducedUnits", "reduced_units",
]

ArrayLike = float | np.ndarray

# Ω = rotation by +π/2: e_z × (Vx, Vy) = Ω (Vx, Vy) (paper Eq. 20).
_OMEGA = np.array([[0.0, -1.0], [1.0, 0.0]])


# --------------------------------------------------------------------------- Γ of a state


def dissipation_tensor(
    m: xr.DataArray | xr.Dataset | np.ndarray,
    *,
    pbc: str | None = None,
    order: int = 4,
    cell: Sequence[float] | None = None,
) -> np.ndarray:
    """Paper 003's dissipation tensor Γ (Eq. 6), a dimensionless 2×2 matrix.

    ``Γ_ij = (1/4π) ∫ ∂_i n·∂_j n dx dy``. This is
    :attr:`analysis.thiele.ThieleTensors.Gamma`, i.e. the project's dissipative
    tensor ``D_ij = ∫ ∂_i m·∂_j m dA`` of :func:`analysis.thiele.thiele_tensors`
    divided by 4π, so the derivatives (:func:`analysis.derivatives.derivative`:
    periodic axes, free edges, empty cells) and the layer average are the
    project's. Only the default order differs: 4 here, the paper's scheme.

    Parameters
    ----------
    m : DataArray, Dataset or ndarray (y, x, 3) / (z, y, x, 3)
        Unit magnetisation, as for :func:`analysis.thiele.thiele_tensors`.
    pbc : str, optional
        Periodic axes among ``"x"``, ``"y"``; default the state's
        ``attrs["pbc"]``, none for an ndarray.
    order : {2, 4}
        Finite-difference order.
    cell : (dx, dy[, dz]), optional
        Cell size. Γ does not depend on the length unit, only on ``dx/dy``; an
        ndarray given without ``cell`` is taken to have square cells.

    Returns
    -------
    ndarray (2, 2)
        Symmetric, positive semi-definite.

    Examples
    --------
    >>> from analysis.textures import cell_centres, skyrmion
    >>> x = cell_centres(128, 1.0)
    >>> G = dissipation_tensor(skyrmion(x, x, centre=(64, 64), radius=12), pbc="xy")
    >>> bool(abs(G[0, 0] - G[1, 1]) < 1e-12 and abs(G[0, 1]) < 1e-12), round(float(G[0, 0]), 2)
    (True, 2.13)
    """
    if cell is None and not isinstance(m, (xr.DataArray, xr.Dataset)):
        cell = (1.0, 1.0)
    tt = _thiele.thiele_tensors(m, pbc=pbc, order=order, cell=cell)  # type: ignore[arg-type]
    return np.array(tt.Gamma, dtype=np.float64)


# --------------------------------------------------------------------------- Γ geometry


@dataclasses.dataclass(frozen=True)
class GammaGeometry:
    """Paper 003's parametrisation of Γ (Eqs. 8–10): ``Γ = R(ψ) diag(λ1, λ2) R(−ψ)``.

    Attributes
    ----------
    lam1, lam2 : float
        Eigenvalues, ``lam1 ≥ lam2``.
    psi : float
        Polar angle of the λ1 eigenvector in [0, π) (radians, from +x,
        counter-clockwise). **NaN when λ1 = λ2** (the axis is undefined; see
        ``isotropic_tol`` of :func:`gamma_geometry`).
    S : (float, float)
        ``(Γxx − Γyy, 2Γxy) = (λ1 − λ2)(cos 2ψ, sin 2ψ)``, Eq. (8); zero for
        high-symmetry textures (k_s > 2).
    vartheta : float
        ``ϑ = ln √(λ1/λ2) ≥ 0`` (0 for isotropic Γ, inf when λ2 ≤ 0 < λ1,
        NaN for Γ = 0).
    """

    lam1: float
    lam2: float
    psi: float
    S: tuple[float, float]
    vartheta: float

    @property
    def trace(self) -> float:
        """``Tr Γ = λ1 + λ2`` (≥ 2|Q|)."""
        return self.lam1 + self.lam2

    @property
    def sqrt_det(self) -> float:
        """``√det Γ = √(λ1 λ2)`` (≥ |Q|)."""
        return math.sqrt(max(self.lam1 * self.lam2, 0.0))

    @property
    def Gamma(self) -> np.ndarray:
        """Γ rebuilt from (trace, S): ``½[[Tr + Sx, Sy], [Sy, Tr − Sx]]``."""
        t, (sx, sy) = self.trace, self.S
        return 0.5 * np.array([[t + sx, sy], [sy, t - sx]])


def _as_gamma(Gamma: np.ndarray | Sequence | GammaGeometry) -> np.ndarray:
    if isinstance(Gamma, GammaGeometry):
        return Gamma.Gamma
    G = np.asarray(Gamma, dtype=np.float64)
    if G.shape != (2, 2):
        raise ValueError(f"Γ must be a 2×2 matrix, not shape {G.shape}")
    if not np.all(np.isfinite(G)):
        raise ValueError("Γ has non-finite entries")
    if abs(G[0, 1] - G[1, 0]) > 1e-12 * max(float(np.abs(G).max()), 1e-300):
        raise ValueError(f"Γ must be symmetric: Γxy = {G[0, 1]!r}, Γyx = {G[1, 0]!r}")
    return G


def gamma_geometry(Gamma: np.ndarray | Sequence, *, isotropic_tol: float = 0.0) -> GammaGeometry:
    """λ1 ≥ λ2, ψ, S and ϑ of a dissipation tensor (Eqs. 8–10).

    Closed form for a symmetric 2×2 matrix: ``λ1,2 = (Tr Γ ± |S|)/2`` and
    ``ψ = ½ atan2(S_y, S_x) mod π``, which is exactly the angle of the λ1
    eigenvector (no eigen-solver sign ambiguity).

    Parameters
    ----------
    Gamma : array_like (2, 2)
        Symmetric Γ (e.g. from :func:`dissipation_tensor`).
    isotropic_tol : float
        ψ is NaN when ``λ1 − λ2 ≤ isotropic_tol·(λ1 + λ2)``; the default 0
        means only for exactly equal eigenvalues. A numerically computed Γ of
        a round skyrmion has ``λ1 − λ2`` at rounding or discretisation level, so
        pass e.g. 1e-6 to get NaN rather than a meaningless angle there.

    Returns
    -------
    GammaGeometry

    Examples
    --------
    >>> g = gamma_geometry([[2.0, 0.0], [0.0, 0.5]])
    >>> g.lam1, g.lam2, g.psi, g.S, abs(g.vartheta - math.log(2.0)) < 1e-15
    (2.0, 0.5, 0.0, (1.5, 0.0), True)
    >>> round(math.degrees(gamma_geometry([[1.25, 0.75], [0.75, 1.25]]).psi), 9)
    45.0
    >>> gamma_geometry(np.eye(2)).psi
    nan
    """
    G = _as_gamma(Gamma)
    sx, sy = float(G[0, 0] - G[1, 1]), float(G[0, 1] + G[1, 0])  # 2Γxy, symmetrised
    tr = float(G[0, 0] + G[1, 1])
    ds = math.hypot(sx, sy)
    lam1, lam2 = 0.5 * (tr + ds), 0.5 * (tr - ds)
    if ds <= isotropic_tol * abs(tr) or ds == 0.0:
        psi = math.nan
    else:
        psi = (0.5 * math.atan2(sy, sx)) % math.pi
    if lam2 > 0:
        vartheta = 0.5 * math.log(lam1 / lam2)
    else:
        vartheta = math.inf if lam1 > 0 else math.nan
    return GammaGeometry(lam1=lam1, lam2=lam2, psi=psi, S=(sx, sy), vartheta=vartheta)


def rho(Q: ArrayLike, alpha: ArrayLike, Gamma: np.ndarray | Sequence | GammaGeometry) -> ArrayLike:
    """ρ = 2 atan(Q / (α √(λ1 λ2))) = 2 atan(Q / (α √det Γ)), Eq. (10), in (−π, π).

    Broadcasts over ``Q`` and ``alpha``. ρ = 0 for Q = 0 (the point (1, 0)),
    ρ → sign(Q)·π as α → 0 (the point (α/ξ, 0); the paper's text says
    −sign(Q)π, the same point on the circle).

    Examples
    --------
    >>> round(float(rho(-1.0, 0.25, 4.0 * np.eye(2))), 12) == round(-np.pi / 2, 12)
    True
    """
    G = _as_gamma(Gamma)
    sq = math.sqrt(max(float(np.linalg.det(G)), 0.0))
    Q, alpha = np.asarray(Q, dtype=np.float64), np.asarray(alpha, dtype=np.float64)
    out = 2.0 * np.arctan(Q / (alpha * sq))
    return float(out) if np.ndim(out) == 0 else out


# --------------------------------------------------------------------------- velocities


def _check_drive(alpha, xi) -> None:
    if np.any(np.asarray(alpha) <= 0):
        raise ValueError("alpha must be > 0 (V0 = ξ|I|/α)")
    if np.any(np.asarray(xi) == 0):
        raise ValueError("xi must be nonzero: V0 = ξ|I|/α is the velocity unit")


def thiele_velocity_reduced(Q: float, Gamma: np.ndarray | Sequence | GammaGeometry,
                            alpha: float, xi: float,
                            current_angle: float) -> tuple[float, float]:
    """Solve Eq. (4) for V and return paper 003's reduced velocity ``(v∥, v⊥)``.

    With ``e_z × V = ΩV`` (Ω the +90° rotation) Eq. (4) reads
    ``(QΩ + αΓ) V = −(QΩ + ξΓ) I`` for ``I = (cos θ, sin θ)`` (V is linear in
    I, so |I| drops out of v). Writing ``V = −(ξ/α) I + δV``, the remainder
    solves ``(QΩ + αΓ) δV = Q(ξ/α − 1) Ω I`` exactly; that 2×2 system is solved
    with ``np.linalg.solve`` (no use of ρ, ϑ, ψ). Splitting off the
    skyrmionium velocity ``−(ξ/α) I`` makes Q = 0 and ξ = α give (1, 0) to the
    last bit instead of to rounding. Then, with ``e∥ = −Î``,
    ``e⊥ = e_z × e∥`` and ``V0 = ξ|I|/α`` (the erratum's convention, module
    docstring)::

        v∥ = −V·Î / V0 = 1 + δV·e∥ / V0,    v⊥ = V·(e_z × e∥) / V0 = δV·e⊥ / V0.

    Parameters
    ----------
    Q : float
        Topological charge (π-skyrmion −1 in an up background).
    Gamma : array_like (2, 2) or GammaGeometry
        Dissipation tensor (dimensionless).
    alpha, xi : float
        Gilbert damping (> 0) and non-adiabaticity (≠ 0).
    current_angle : float
        θ, the polar angle of I in radians (θ = π: I ∥ −x, e∥ = +x).

    Returns
    -------
    (float, float)
        ``(v∥, v⊥)``.

    Examples
    --------
    >>> thiele_velocity_reduced(0.0, [[3.0, 1.0], [1.0, 2.0]], 0.3, 0.1, 0.7)  # Q = 0
    (1.0, 0.0)
    """
    _check_drive(alpha, xi)
    G = _as_gamma(Gamma)
    I_hat = np.array([math.cos(current_angle), math.sin(current_angle)])
    V0 = xi / alpha
    dV = np.linalg.solve(Q * _OMEGA + alpha * G, Q * (V0 - 1.0) * (_OMEGA @ I_hat))
    e_par = -I_hat
    e_perp = _OMEGA @ e_par
    return 1.0 + float(dV @ e_par) / V0, float(dV @ e_perp) / V0 + 0.0


def velocity_closed_form(Q: ArrayLike, Gamma: np.ndarray | Sequence | GammaGeometry,
                         alpha: ArrayLike, xi: ArrayLike,
                         current_angle: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
    """Paper 003's closed form, Eqs. (11)/(22), for ``(v∥, v⊥)``.

    ::

        v∥ = v_c + R_c (cos ρ + sinh ϑ sin 2ψ' sin ρ),
        v⊥ = −R_c sin ρ (cosh ϑ + sinh ϑ cos 2ψ'),

    with ``v_c, R_c`` of Eq. (12), ρ and ϑ of Eq. (10), ``ψ' = ψ − ψ∥`` and
    ``ψ∥ = θ + π`` the polar angle of ``e∥ = −Î``. These are the printed
    formulas; they hold in the corrected convention ``v = +V/V0`` (module
    docstring), which is what makes them agree with
    :func:`thiele_velocity_reduced`. For isotropic Γ (ψ undefined) ϑ = 0 and
    ψ is set to 0, which does not matter since sinh ϑ = 0.

    Broadcasts over ``Q``, ``alpha``, ``xi`` and ``current_angle`` (one Γ).

    Examples
    --------
    >>> vpar, vperp = velocity_closed_form(-1.0, [[2.0, 0.0], [0.0, 1.0]], 0.25, 5 / 12,
    ...                                    np.array([np.pi, 0.5 * np.pi]))
    >>> vpar.shape
    (2,)
    """
    _check_drive(alpha, xi)
    g = gamma_geometry(_as_gamma(Gamma))
    psi = 0.0 if math.isnan(g.psi) else g.psi
    Q, alpha, xi, theta = (np.asarray(a, dtype=np.float64) for a in (Q, alpha, xi, current_angle))
    vc, Rc = big_circle(alpha, xi)
    r = 2.0 * np.arctan(Q / (alpha * g.sqrt_det))
    psi_prime = psi - (theta + np.pi)
    sh, ch = math.sinh(g.vartheta), math.cosh(g.vartheta)
    vpar = vc + Rc * (np.cos(r) + sh * np.sin(2 * psi_prime) * np.sin(r))
    vperp = -Rc * np.sin(r) * (ch + sh * np.cos(2 * psi_prime))
    if np.ndim(vpar) == 0:
        return float(vpar) + 0.0, float(vperp) + 0.0
    return vpar, vperp


# --------------------------------------------------------------------------- circles


def reduced_velocity(velocity: Sequence[float], u: Sequence[float], *, alpha: float,
                     xi: float) -> tuple[float, float]:
    """Paper 003's reduced velocity ``(v∥, v⊥)`` with its sign erratum applied.

    ``v = V/V0`` with ``V0 = ξ|u|/α``, ``e∥ = −û`` and ``e⊥ = ẑ × e∥``, so that
    ``v∥ = −V·û/V0`` and ``v⊥ = V·(ẑ × e∥)/V0``; a Q = 0 texture gives (1, 0).

    Examples
    --------
    >>> reduced_velocity((2.0, 0.0), (-1.0, 0.0), alpha=0.1, xi=0.2)
    (1.0, 0.0)
    """
    u = np.asarray(u, dtype=np.float64)[:2]
    V = np.asarray(velocity, dtype=np.float64)[:2]
    umag = float(np.hypot(*u))
    V0 = xi * umag / alpha
    e_par = -u / umag
    e_perp = np.array([-e_par[1], e_par[0]])
    return float(V @ e_par / V0), float(V @ e_perp / V0)


def big_circle(alpha: ArrayLike, xi: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
    """Centre ``v_c = (ξ+α)/2ξ`` and **signed** radius ``R_c = (ξ−α)/2ξ`` (Eq. 12).

    The big circle (Eq. 13) of every high-symmetry texture is centred on
    ``(v_c, 0)`` with radius ``|R_c|``; ``R_c < 0`` when ξ < α. It passes
    through ``(v_c + R_c, 0) = (1, 0)`` and ``(v_c − R_c, 0) = (α/ξ, 0)``.
    Broadcasts.

    Examples
    --------
    >>> vc, Rc = big_circle(0.5, 0.01)   # Fig. 4b, ξ = 0.01: |R_c| = 24.5
    >>> round(vc, 9), round(Rc, 9), round(abs(Rc), 9)
    (25.5, -24.5, 24.5)
    """
    return (xi + alpha) / (2 * xi), (xi - alpha) / (2 * xi)


def small_circle(Q: float, Gamma: np.ndarray | Sequence | GammaGeometry, alpha: float,
                 xi: float) -> tuple[tuple[float, float], float]:
    """The circle traced by a rotated low-symmetry texture, Eqs. (14)–(15).

    Rotating the texture (ψ over [0, π), or the current direction) at fixed
    ρ and ϑ moves ``(v∥, v⊥)`` once round this circle per π, i.e. twice per
    full turn::

        centre = (v_c + R_c cos ρ, −R_c sin ρ cosh ϑ),
        R0 = R_c |sin ρ| sinh ϑ = R_c α|Q|(λ1 − λ2) / (α² λ1 λ2 + Q²).

    ``R0`` is returned as printed in Eq. (15), **with the sign of R_c**
    (negative when ξ < α); the radius is ``|R0|``. The small circle is
    orthogonal to the big circle, ``|centre − (v_c, 0)|² = R_c² + R0²``
    (Eq. 18). For isotropic Γ, R0 = 0 and the centre is the texture's point on
    the big circle.

    Examples
    --------
    >>> (c_par, c_perp), R0 = small_circle(-1.0, [[2.0, 0.0], [0.0, 0.5]], 0.25, 5 / 12)
    >>> vc, Rc = big_circle(0.25, 5 / 12)
    >>> round((c_par - vc) ** 2 + c_perp ** 2 - (Rc ** 2 + R0 ** 2), 14) + 0.0   # Eq. (18)
    0.0
    """
    _check_drive(alpha, xi)
    g = gamma_geometry(_as_gamma(Gamma))
    vc, Rc = big_circle(alpha, xi)
    r = 2.0 * math.atan(Q / (alpha * g.sqrt_det))
    centre = (float(vc + Rc * math.cos(r)), float(-Rc * math.sin(r) * math.cosh(g.vartheta)))
    R0 = float(Rc * abs(math.sin(r)) * math.sinh(g.vartheta))
    return centre, R0


def alpha_trace_circle(Q: float, lam: float, xi: float) -> tuple[tuple[float, float], float]:
    """Eq. (17): the circle traced by a high-symmetry texture (Γ = λ·id) as α varies at fixed ξ.

    ``(v∥ − ½)² + (v⊥ − Q/(2λξ))² = ¼(1 + Q²/(λ²ξ²))``. Returns
    ``((½, Q/(2λξ)), ½√(1 + Q²/(λ²ξ²)))``. It passes through (1, 0) (α → ∞)
    and (0, 0).

    Examples
    --------
    >>> (cx, cy), r = alpha_trace_circle(-1.0, 1.0, 0.5)
    >>> cx, cy, round(r ** 2, 12)
    (0.5, -1.0, 1.25)
    """
    k = Q / (lam * xi)
    return (0.5, 0.5 * k), 0.5 * math.sqrt(1.0 + k * k)


def beta_max(alpha: ArrayLike, xi: ArrayLike) -> ArrayLike:
    """Largest deflection angle of a high-symmetry texture, ``arcsin(R_c/v_c)`` (Eq. 16).

    ``R_c/v_c = (ξ−α)/(ξ+α)``, so β_max is in radians, positive for ξ > α and
    negative for ξ < α (then |β_max| is the largest deflection). It is the
    half-opening angle of the tangents from the origin to the big circle.

    Examples
    --------
    >>> [round(float(np.degrees(beta_max(a, x))), 4) for a, x in [(0.06, 0.1), (0.25, 5 / 12)]]
    [14.4775, 14.4775]
    """
    xi, alpha = np.asarray(xi, dtype=np.float64), np.asarray(alpha, dtype=np.float64)
    out = np.arcsin((xi - alpha) / (xi + alpha))
    return float(out) if np.ndim(out) == 0 else out


def deflection_angle(v_par: ArrayLike, v_perp: ArrayLike) -> ArrayLike:
    """Deflection angle ``β = atan2(v⊥, v∥)`` in radians, in (−π, π].

    Sign convention: β is measured from e∥ (the skyrmionium direction, −Î)
    towards ``e⊥ = e_z × e∥``, i.e. counter-clockwise seen from +z; it equals
    the paper's ``β = arctan(v⊥/v∥)`` whenever v∥ > 0 (always so on the big
    circle for α, ξ > 0). With this sign, Eq. (11) gives for a high-symmetry
    texture ``tan β = −sin ρ sin β_max / (1 + cos ρ sin β_max)``: Eq. (16) as
    printed lacks that minus sign (notes §2.3); the magnitudes agree. So a
    π-skyrmion (Q = −1, ρ < 0) with ξ > α has β > 0.

    Examples
    --------
    >>> round(float(np.degrees(deflection_angle(1.0, 1.0))), 9)
    45.0
    """
    out = np.arctan2(np.asarray(v_perp, dtype=np.float64), np.asarray(v_par, dtype=np.float64))
    return float(out) if np.ndim(out) == 0 else out


# --------------------------------------------------------------------------- circle fit


def kasa_circle_fit(points: np.ndarray | Sequence) -> tuple[tuple[float, float], float, float]:
    """Algebraic (Kåsa) least-squares circle through points ``(N, 2)``, N ≥ 3.

    Minimises ``Σ (x² + y² − 2a x − 2b y − c)²`` over (a, b, c), a linear
    problem; the centre is (a, b) and the radius ``√(c + a² + b²)``. Exact for
    points on a circle; for noisy points it is slightly biased towards small
    radii when the arc is short, which is negligible for the near-complete small
    and big circles of paper 003's velocity clouds.

    Returns
    -------
    centre : (float, float)
    radius : float
    rms : float
        Root-mean-square of :func:`circle_residual` (geometric distances).

    Raises
    ------
    ValueError
        Fewer than 3 points, or all points on one line (no finite circle).

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 7)
    >>> (cx, cy), r, rms = kasa_circle_fit(np.c_[0.8 + 0.2 * np.cos(t), 0.2 * np.sin(t)])
    >>> round(cx, 12), round(cy, 12) + 0.0, round(r, 12), rms < 1e-12
    (0.8, 0.0, 0.2, True)
    """
    # Hand-written: a 3-parameter linear least-squares problem is a few lines of
    # numpy, and scipy has no circle fit (only the general, iterative
    # scipy.optimize.least_squares, which would need this as its start anyway).
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] < 3:
        raise ValueError(f"points must be (N, 2) with N ≥ 3, not shape {p.shape}")
    mean = p.mean(axis=0)
    q = p - mean  # centred: better conditioned
    scale = float(np.sqrt((q ** 2).sum(axis=1).mean())) or 1.0
    q = q / scale
    A = np.column_stack([2 * q[:, 0], 2 * q[:, 1], np.ones(len(q))])
    b = (q ** 2).sum(axis=1)
    sol, _, rank, sv = np.linalg.lstsq(A, b, rcond=None)
    if rank < 3 or sv[-1] < 1e-12 * sv[0]:
        raise ValueError("points are collinear (or coincide): no finite circle fits them")
    a, bb, c = sol
    radius = float(np.sqrt(c + a * a + bb * bb)) * scale
    centre = (float(a * scale + mean[0]), float(bb * scale + mean[1]))
    rms = float(np.sqrt(np.mean(circle_residual(p, centre, radius) ** 2)))
    return centre, radius, rms


def circle_residual(points: np.ndarray | Sequence, centre: Sequence[float],
                    radius: float) -> np.ndarray:
    """Signed distance of each point from the circle: ``|p − centre| − |radius|``.

    Positive outside, negative inside. A signed radius (R_c, R0 of the paper)
    is taken by magnitude.

    Examples
    --------
    >>> circle_residual([[2.0, 0.0], [0.5, 0.0]], (0.0, 0.0), -1.0).tolist()
    [1.0, -0.5]
    """
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    c = np.asarray(centre, dtype=np.float64)
    return np.hypot(p[:, 0] - c[0], p[:, 1] - c[1]) - abs(float(radius))


# --------------------------------------------------------------------------- units
