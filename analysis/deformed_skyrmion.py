"""Paper 004's semi-analytical deformed-skyrmion model: coefficient functions and Eq. (15).

Tan et al., "Dynamics of asymmetrically deformed skyrmion driven by internal forces and strain
force in a flower-shaped magnetic nanostructure" (notes: ``shared/papers/notes-004.md`` §4.3–§4.9,
§4.12; design: ``docs/design/flower.md`` §4.4). The ansatz is a 360° wall with a radius that
depends on the polar angle φ (Eqs. 9, 25)::

    Θ(δ, ρ) = −2 arctan(sinh ρ / sinh δ),   δ = r/w,   ρ = R(φ)/w.

What lives here:

* :func:`coefficients` → :class:`Coefficients` — G₁, G₂ (Eq. 27), H₁…H₅ (Eqs. 34–35) and I₁, I₂, I₃
  (Eq. 40) at ρ, either by quadrature of the definitions (``fits="exact"``) or from the paper's
  printed fits (29), (30), (36), (41) verbatim (``fits="paper"``, slips included);
* :func:`eq15_forces` → :class:`Eq15Forces` — F_dm, F_ex and F_st of Eq. (15) for a contour R(φ);
* :func:`r_of_phi_from_modes` — R(φ) from the contour modes of :func:`analysis.detection.find_objects`.

The exact coefficients obey G₂ = −G₁′, H₃ = −H₁′, H₄ = −H₂′, H₅ = −2H₂, I₂ = −I₁′ and I₃ = −2I₁
(notes §4.12.2), so every tangential integrand of Eq. (15) is −d(radial)/dφ and **all three forces
vanish for any 2π-periodic ρ(φ)** (translation invariance). Non-zero "analytic" forces, as in the
paper's Fig. 5(c), come only from the fits' errors (G₂'s polynomial branch, H₁). SI units throughout.

Examples
--------
>>> c = coefficients(10.0)
>>> round(float(c.I1), 3), round(float(c.I3), 3)
(-2.0, 4.0)
>>> R = r_of_phi_from_modes(10e-9, [1.5e-9, 1.0e-9], [0.3, 0.5])
>>> f = eq15_forces(R, w=5e-9, A=15e-12, D=3e-3, K_s=0.2e6, d=1e-9, phi_s=np.pi / 6, n_phi=32)
>>> bool(max(abs(f.F_dm).max(), abs(f.F_ex).max(), abs(f.F_st).max()) < 1e-15)
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from scipy import integrate

__all__ = ["Coefficients", "coefficients", "Eq15Forces", "eq15_forces", "r_of_phi_from_modes",
           "FIT_RANGE", "COEFFICIENT_NAMES"]

#: Range of ρ on which the paper computed its fits (Figs. A1, B1; Eqs. 29, 30, 36, 41).
FIT_RANGE = (1.0, 20.0)
COEFFICIENT_NAMES = ("G1", "G2", "H1", "H2", "H3", "H4", "H5", "I1", "I2", "I3")

# The integrands decay like δ·exp(−(δ − ρ)) past the wall; beyond δ = ρ + 60 they are < 1e-24.
_TAIL = 60.0


@dataclasses.dataclass(frozen=True)
class Coefficients:
    """Dimensionless coefficient functions at ρ (floats, or arrays shaped like ρ).

    ``G1, G2`` (Eq. 27), ``H1 … H5`` (Eq. 35), ``I1, I2, I3`` (Eq. 40).
    """

    G1: float | np.ndarray
    G2: float | np.ndarray
    H1: float | np.ndarray
    H2: float | np.ndarray
    H3: float | np.ndarray
    H4: float | np.ndarray
    H5: float | np.ndarray
    I1: float | np.ndarray
    I2: float | np.ndarray
    I3: float | np.ndarray


def _logsinh(x: np.ndarray | float) -> np.ndarray:
    """log(sinh x) for x > 0 without overflow (large x) or loss of digits (small x)."""
    return x + np.log(-np.expm1(-2.0 * x)) - np.log(2.0)


def _integrands(delta: float, rho: float) -> np.ndarray:
    """The ten integrands of Eqs. (27), (35), (40), measure included (δ dδ or dδ), at δ > 0.

    With ``L = log(sinh δ / sinh ρ)``: sin Θ = −sech L, cos Θ = tanh L (Eq. 28), which stays finite
    for any δ, ρ > 0. Near δ → 0, sin Θ ≈ −2δ/sinh ρ and coth δ ≈ 1/δ, so sin²Θ·δ/δ³, sinΘ·cothδ,
    sinΘ/δ … are all O(1): every integrand is bounded at δ = 0 (the 1/δ² and 1/δ³ factors of
    h₁…h₅ and g₁ are cancelled by sin²Θ ∝ δ² or sinΘ ∝ δ), and the Gauss–Kronrod nodes of quad
    never evaluate δ = 0 itself. Cancellations between O(1/δ) terms cost only ~ε absolute.
    """
    L = _logsinh(delta) - _logsinh(rho)
    e = np.exp(-abs(L))
    sn = -2.0 * e / (1.0 + e * e)  # sin Θ = −sech L
    cs = np.tanh(L)  # cos Θ
    s2 = sn * sn
    c = 1.0 / np.tanh(delta)  # coth δ
    C = 1.0 / np.tanh(rho)  # coth ρ
    q = np.exp(-2.0 * delta)
    csch2_d = 4.0 * q / np.expm1(-2.0 * delta) ** 2  # 1/sinh²δ
    q = np.exp(-2.0 * rho)
    csch2_r = 4.0 * q / np.expm1(-2.0 * rho) ** 2  # 1/sinh²ρ
    t_d = -sn * c  # ∂Θ/∂δ
    t_r = sn * C  # ∂Θ/∂ρ
    t_dd = sn * cs * c * c + sn * csch2_d  # ∂²Θ/∂δ²
    t_dr = -sn * cs * c * C  # ∂²Θ/∂δ∂ρ
    cos2 = cs * cs - s2
    sin2 = 2.0 * sn * cs
    d = delta
    return np.array([
        t_dd * d + cos2 * t_d - sin2 / (2.0 * d),  # g1·δ
        t_dr + cos2 * t_r / d,  # g2
        2.0 * s2 * (cs * c**3 * d + cs * c / d + c * csch2_d * d + 1.0 / d**2),  # h1·δ
        2.0 * s2 * C * C * (cs * c / d + 1.0 / d**2),  # h2·δ
        -2.0 * s2 * cs * C * (c * c + 1.0 / d**2),  # h3·δ
        -2.0 / d**2 * (s2 * cs * C**3 - s2 * C * csch2_r),  # h4·δ
        -2.0 / d**2 * s2 * C * C,  # h5·δ
        sin2 * t_d * d,  # i1·δ
        sin2 * t_r,  # i2
        2.0 * s2,  # i3
    ])


def _exact(rho: float) -> np.ndarray:
    # Hand-written: these integrals are the paper's own definitions; no library provides them.
    # quad_vec (scipy's vector-valued adaptive Gauss–Kronrod quad) integrates all ten at once on
    # [0, ρ + 60]; the break point at the wall δ = ρ keeps the subdivision where the integrands vary.
    val, _err = integrate.quad_vec(_integrands, 0.0, rho + _TAIL, args=(rho,), epsabs=1e-13,
                                   epsrel=1e-12, points=[rho], limit=500)
    return val


def _paper(rho: np.ndarray) -> list[np.ndarray]:
    """The printed fits (29), (30), (36), (41), verbatim."""
    r, ex = rho, np.exp
    G1 = np.where(r <= 2.0, -3.48605 - 0.277 * r + 0.09949 * r**2,
                  -3.15032 - 0.57534 * ex(-(r - 1.70376) / 2.54134))
    G2 = np.where(r <= 3.0, -0.76835 - 0.83849 * r + 0.26004 * r**2 - 0.02684 * r**3,
                  -0.1347 * ex(-(r - 3.10118) / 2.54333))
    H1 = 0.27422 * ex(-r / 3.86992) + 19.60248 * ex(-r / 0.46583)
    H2 = 0.02229 + 4.10751 * ex(-r / 1.15609) + 66.64995 * ex(-r / 0.30801)
    H3 = 0.00967 + 72.34246 * ex(-r / 0.26742) + 15.9706 * ex(-r / 0.7858)
    H4 = 0.01386 + 718.20378 * ex(-r / 0.21647) + 13.26677 * ex(-r / 0.75248)
    H5 = -0.04421 - 129.46738 * ex(-r / 0.3095) - 8.11446 * ex(-r / 1.16114)
    I1 = -2.00131 + 2.1175 * ex(-r / 0.78978)
    I2 = 2.1098 * ex(-r / 0.88304)
    I3 = 4.00222 - 4.24172 * ex(-r / 0.78875)
    return [G1, G2, H1, H2, H3, H4, H5, I1, I2, I3]


def coefficients(rho: float | np.ndarray, *,
                 fits: Literal["exact", "paper"] = "exact") -> Coefficients:
    """G₁, G₂, H₁…H₅, I₁, I₂, I₃ of the deformed-skyrmion ansatz at ρ = R/w.

    Parameters
    ----------
    rho : float or ndarray
        Reduced radius ρ = R/w > 0.
    fits : {"exact", "paper"}
        ``"exact"``: adaptive quadrature of the definitions, Eqs. (27), (35), (40), with the
        derivatives of Eq. (28) (absolute accuracy ~1e-10). ``"paper"``: the printed fits
        (29), (30), (36), (41) verbatim, valid on 1 ≤ ρ ≤ 20 only. They carry the paper's slips
        (notes §4.12.1): **G₂'s polynomial branch** (1 ≤ ρ ≤ 3) is off by ≈ −1.5 and
        discontinuous at ρ = 3 (−1.668 vs −0.140); flipping the sign of its constant −0.76835
        would fix it, very likely a typo. **H₁'s fit is inconsistent with its definition**: the
        exact H₁ → 2 + 2/ρ² while the fit → 0, and its slope is not −H₃. The branch points are
        taken in the first branch (G₁: ρ ≤ 2, G₂: ρ ≤ 3).

    Returns
    -------
    Coefficients
        Each field a float (scalar ρ) or an array shaped like ``rho``.

    Raises
    ------
    ValueError
        ρ ≤ 0 or not finite; with ``fits="paper"``, ρ outside [1, 20]; unknown ``fits``.
    """
    r = np.asarray(rho, dtype=np.float64)
    if not np.all(np.isfinite(r)) or np.any(r <= 0):
        raise ValueError(f"ρ must be finite and > 0, got {rho!r}")
    if fits == "paper":
        lo, hi = FIT_RANGE
        if np.any((r < lo) | (r > hi)):
            raise ValueError(f"the paper's fits are valid for {lo} ≤ ρ ≤ {hi} only; "
                             f"got ρ in [{r.min():.4g}, {r.max():.4g}]")
        vals = [np.asarray(v, dtype=np.float64) for v in _paper(r)]
    elif fits == "exact":
        flat = np.array([_exact(float(x)) for x in r.ravel()]).reshape(r.size, 10)
        vals = [flat[:, k].reshape(r.shape) for k in range(10)]
    else:
        raise ValueError(f"fits must be 'exact' or 'paper', got {fits!r}")
    if r.ndim == 0:
        return Coefficients(*[float(v) for v in vals])
    return Coefficients(*vals)


def r_of_phi_from_modes(mode_0: float, modes: Sequence[float],
                        phases: Sequence[float]) -> Callable[[np.ndarray], np.ndarray]:
    """R(φ) = mode_0 + Σₙ mode_n cos(nφ + phase_n), n = 1, 2, … (paper Eq. 16).

    The convention of :func:`analysis.detection.find_objects` (columns ``mode_0 … mode_4`` in m,
    ``phase_1 … phase_4`` in rad, φ from +x counter-clockwise about the centre): pass
    ``modes = [mode_1, …]`` and ``phases = [phase_1, …]``. Returns a vectorised callable, in m.
    """
    a = np.asarray(modes, dtype=np.float64)
    p = np.asarray(phases, dtype=np.float64)
    if a.shape != p.shape or a.ndim != 1:
        raise ValueError(f"modes and phases must be 1-D of equal length, got {a.shape}, {p.shape}")
    n = np.arange(1, a.size + 1)

    def R(phi: np.ndarray) -> np.ndarray:
        ph = np.asarray(phi, dtype=np.float64)
        return mode_0 + (a * np.cos(np.multiply.outer(ph, n) + p)).sum(axis=-1)

    return R


@dataclasses.dataclass(frozen=True)
class Eq15Forces:
    """Forces of Eq. (15), each an ndarray ``(Fx, Fy)`` in N."""

    F_dm: np.ndarray
    F_ex: np.ndarray
    F_st: np.ndarray


def eq15_forces(R_of_phi: Callable[[np.ndarray], np.ndarray], *, w: float, A: float, D: float,
                K_s: float, d: float, phi_s: float,
                fits: Literal["exact", "paper"] = "exact", n_phi: int = 64) -> Eq15Forces:
    """F_dm, F_ex and F_st of Eq. (15) for a deformed skyrmion of contour radius R(φ).

    ``F_dm = Dd ∮ (G₁ e_r + G₂ ρ′ e_φ) dφ``,
    ``F_ex = (Ad/w) ∮ {[H₁ + H₂ρ′²] e_r + [H₃ρ′ + H₄ρ′³ + H₅ρ′ρ″] e_φ} dφ``,
    ``F_st = −K_s w d ∮ [I₁ cos²β e_r + (I₂ cos²β ρ′ + 2I₁ sinβ cosβ) e_φ] dφ``,

    with ρ = R/w, ′ = d/dφ, e_r = (cos φ, sin φ), e_φ = (−sin φ, cos φ), β = φ − φ_s. F_st is
    Eq. (15)'s form; Eq. (39) with I₃ = −2I₁ (exact, notes §4.12.2) is the same.

    Parameters
    ----------
    R_of_phi : callable
        Vectorised R(φ) in m (φ in rad from +x, counter-clockwise), smooth and 2π-periodic,
        e.g. from :func:`r_of_phi_from_modes`. It is sampled at φ_k = 2πk/n_phi; ρ′ and ρ″ come
        from the FFT of the samples (spectral differentiation, exact for a Fourier series with
        modes below n_phi/2) and the φ integrals are the trapezoid rule (spectrally accurate for
        periodic integrands).
    w : float
        Wall width of the ansatz (m).
    A, D : float
        Exchange stiffness (J/m) and interfacial DMI (J/m²).
    K_s : float
        Strain anisotropy (J/m³).
    d : float
        Film thickness (m).
    phi_s : float
        Strain direction φ_s (rad, from +x).
    fits : {"exact", "paper"}
        Coefficient functions, see :func:`coefficients`. ``"paper"`` reproduces the paper's
        analytic curves (Fig. 5c); ``"exact"`` gives zero up to quadrature error.
    n_phi : int
        Number of φ samples (≥ 8). ``"exact"`` costs one quadrature per sample (~10 ms each).

    Returns
    -------
    Eq15Forces
    """
    if n_phi < 8:
        raise ValueError(f"n_phi must be ≥ 8, got {n_phi}")
    if not w > 0:
        raise ValueError(f"w must be > 0, got {w!r}")
    phi = 2.0 * np.pi * np.arange(n_phi) / n_phi
    rho = np.asarray(R_of_phi(phi), dtype=np.float64) / w
    if rho.shape != phi.shape:
        raise ValueError(f"R_of_phi must return an array shaped like φ {phi.shape}, got {rho.shape}")
    k = np.arange(n_phi // 2 + 1, dtype=np.float64)
    if n_phi % 2 == 0:
        k[-1] = 0.0  # the Nyquist mode has no well-defined derivative: drop it
    spec = np.fft.rfft(rho)
    rp = np.fft.irfft(1j * k * spec, n_phi)  # ρ′
    rpp = np.fft.irfft(-k * k * spec, n_phi)  # ρ″
    c = coefficients(rho, fits=fits)
    er = np.stack([np.cos(phi), np.sin(phi)])
    ep = np.stack([-np.sin(phi), np.cos(phi)])
    beta = phi - phi_s
    cb, sb = np.cos(beta), np.sin(beta)

    def loop(radial: np.ndarray, tangential: np.ndarray) -> np.ndarray:
        return (radial * er + tangential * ep).mean(axis=1) * 2.0 * np.pi  # trapezoid, ∮ dφ

    F_dm = D * d * loop(c.G1, c.G2 * rp)
    F_ex = A * d / w * loop(c.H1 + c.H2 * rp**2, c.H3 * rp + c.H4 * rp**3 + c.H5 * rp * rpp)
    F_st = -K_s * w * d * loop(c.I1 * cb**2, c.I2 * cb**2 * rp + 2.0 * c.I1 * sb * cb)
    return Eq15Forces(F_dm=F_dm, F_ex=F_ex, F_st=F_st)
