"""Texture library for initial states: kπ skyrmions, chiral droplets, antiskyrmions,
higher-vorticity skyrmions, skyrmion bags and stereographic (rational) textures. The
rotation operator of paper 003, the composition of several textures and the symmetry
classifier are in :mod:`analysis.texture_ops`.

Every texture is a ``(ny, nx, 3)`` array of unit vectors on the cell-centre
coordinates ``x``, ``y`` (metres, as :func:`analysis.textures.cell_centres`), in a
``+z`` background, built with the helpers of :mod:`analysis.textures`. ``box=(Lx, Ly)``
makes a texture wrap around periodic axes (minimum-image offsets from its centre).

Conventions (paper 003, notes §1.3): ``Q = (1/4π) ∫ m · (∂x m × ∂y m) dx dy`` with
m → +z far away, so a core-down π skyrmion has Q = −1, an antiskyrmion +1,
skyrmionium / 2π skyrmion / chiral droplet 0. Every Q stated below was checked
with the Berg–Lüscher lattice charge (:func:`analysis.topology.topological_charge`,
``method="lattice"``) on a periodic grid, where it is an exact integer
(``tests/test_texture_library.py``).

The rotational symmetry order k_s (notes §2.1) is the largest k for which the
rotation of Eq. 7, ``n'(r) = R(2π/k) n(R(−2π/k) r)``, leaves the texture invariant
(``math.inf`` for an axially symmetric one). For D2d DMI the spins turn the other
way, ``n'(r) = R(−φ) n(R(−φ) r)``, which changes k_s: a round antiskyrmion has
k_s = 2 under the Bloch/Néel rotation but is axially symmetric under the D2d one,
and a round skyrmion the other way round (k_s = 2 under D2d).

========================  ===========================  ===================================
texture                   Q (background +z)            k_s (Bloch/Néel rotation, Eq. 7)
========================  ===========================  ===================================
kpi_skyrmion, k odd       −1                           ∞
kpi_skyrmion, k even      0                            ∞
reversed_band (walls)     0                            — (not localised)
chiral_droplet            0                            1
antiskyrmion              +1                           2 (round or elliptic)
vortex_skyrmion(m)        −m                           |m − 1| (∞ for m = 1)
skyrmion_bag, N inner     N − 1                        N on a centred regular N-gon
                                                       (N ≥ 2); ∞ for N = 0
from_stereographic λ/z̄    −1 (skyrmion, helicity       ∞
                          arg λ)
from_stereographic λ/z    +1 (antiskyrmion)            2
========================  ===========================  ===================================

Note the Belavin–Polyakov signs: with ``n = (2 Re w, 2 Im w, 1 − |w|²)/(1 + |w|²)``
(w → 0 at infinity is the +z background), ``w = λ/z = (λ/r) e^{−iφ}`` has in-plane
angle −φ, i.e. vorticity −1: it is the *antiskyrmion* (Q = +1), and ``w = λ/z̄`` the
skyrmion (Q = −1). In general a holomorphic ``w(z)`` gives Q = +deg w ≥ 0 and an
anti-holomorphic ``w(z̄)`` gives Q = −deg w ≤ 0 in this convention.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from analysis.periodic import minimum_image
from analysis.stereographic import from_w as _from_w
from analysis.texture_ops import compose
from analysis.textures import _assemble, _offsets, _theta, skyrmion

__all__ = [
    "kpi_skyrmion",
    "reversed_band",
    "chiral_droplet",
    "antiskyrmion",
    "vortex_skyrmion",
    "skyrmion_bag",
    "from_stereographic",
]

Box = tuple[float | None, float | None] | None
Point = tuple[float, float]

_DOWN = np.array([0.0, 0.0, -1.0])


def _dw360(r, radius, w):
    """The 360° wall profile of :mod:`analysis.textures`: π at r = 0, π/2 at ``radius``."""
    with np.errstate(over="ignore"):
        return _theta(r, radius, w, 1, "dw360")


def kpi_skyrmion(
    x: np.ndarray,
    y: np.ndarray,
    *,
    centre: Point,
    radius: float,
    k: int,
    wall_width: float | None = None,
    helicity: float = 0.0,
    box: Box = None,
) -> np.ndarray:
    """A kπ skyrmion: θ(r) from kπ at the centre to 0 outside, k concentric walls.

    ``θ(r) = Σ_{j=1..k} θ_w(r; j·radius/k)`` with the 360° wall profile
    ``θ_w(r; R) = 2 atan(sinh(R/w)/sinh(r/w))`` of :func:`analysis.textures.skyrmion`:
    the walls (θ = (2k − 2j + 1)π/2, m_z = 0) sit at the evenly spaced radii
    ``j·radius/k``. In-plane angle ``Φ = φ + helicity`` (0, π Néel; ±π/2 Bloch),
    so every wall has the same rotation sense, as DMI requires.

    Q = −1 for odd k, 0 for even k (k = 1 the π skyrmion, k = 2 skyrmionium, k = 3
    the 3π skyrmion). k_s = ∞ (axially symmetric).

    Parameters
    ----------
    x, y : ndarray
        Cell-centre coordinates (m).
    centre : (float, float)
        Centre (m).
    radius : float
        Radius of the outermost wall (m).
    k : int
        Number of π turns, ≥ 1.
    wall_width : float, optional
        Wall width w (default ``radius / (4k)``: a quarter of the wall spacing).
    helicity : float
        η (rad).
    box : (Lx, Ly), optional
        Periodic lengths (None for an open axis).

    Examples
    --------
    >>> from analysis.textures import cell_centres
    >>> x = cell_centres(64, 1e-9)
    >>> m = kpi_skyrmion(x, x, centre=(32e-9, 32e-9), radius=24e-9, k=2)
    >>> float(m[32, 32, 2]) > 0.99, float(m[0, 0, 2]) > 0.999   # core and background up
    (True, True)
    """
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be a positive integer, not {k!r}")
    w = wall_width or radius / (4 * k)
    dX, dY = _offsets(x, y, centre, box)
    r = np.hypot(dX, dY)
    theta = sum(_dw360(r, radius * j / k, w) for j in range(1, k + 1))
    return _assemble(theta, np.arctan2(dY, dX) + helicity, 1)


def reversed_band(
    x: np.ndarray,
    y: np.ndarray,
    *,
    centre: Point,
    radius: float,
    wall_width: float,
    helicity: float = 0.0,
    orientation: float = 0.0,
    box: Box = None,
) -> np.ndarray:
    """A straight reversed band (m = −z) of half-width ``radius`` across the sample: two
    parallel domain walls, the one-dimensional cut of a π skyrmion.

    With ``s`` the signed distance from the band's centre line along its normal
    ``n̂ = (cos orientation, sin orientation)``, ``θ(s) = 2 atan(sinh(R/w)/sinh(|s|/w))``
    (:func:`kpi_skyrmion`'s wall profile; the walls, m_z = 0, at s = ±R, each the
    Bloch–Néel profile ``θ ≈ 2 atan(exp(−(|s| − R)/w))`` for R ≫ w), and the in-plane
    part along ``R(helicity) sgn(s) n̂``: every wall turns with the sense a π skyrmion
    of the same helicity has (0, π Néel; ±π/2 Bloch), as the same DMI requires.
    A single wall is a band whose other wall lies outside an open sample (e.g. the
    centre on the sample's edge); along a periodic normal both walls are inside. Q = 0.

    Parameters
    ----------
    x, y, centre, helicity, box
        As for :func:`kpi_skyrmion`; ``centre`` is any point of the centre line.
    radius : float
        Half-width R of the band (m): the walls' distance from its centre line.
    wall_width : float
        Wall width w (m), e.g. ``√(A/K_eff)``; required (a band has no natural scale).
    orientation : float
        Angle (rad) of the normal n̂ from +x (0: walls along y, across a track along x).

    Examples
    --------
    >>> from analysis.textures import cell_centres
    >>> x = cell_centres(64, 1e-9)
    >>> m = reversed_band(x, x[:8], centre=(0.0, 0.0), radius=32e-9, wall_width=2e-9)
    >>> float(m[0, 0, 2]) < -0.999, float(m[0, -1, 2]) > 0.999   # down at x = 0, up beyond R
    (True, True)
    >>> float(m[0, 31, 0]) > 0.95     # Néel (helicity 0): the wall's spins point along +n̂
    True
    """
    if not (wall_width and wall_width > 0):
        raise ValueError(f"wall_width must be a positive length, not {wall_width!r}")
    dX, dY = _offsets(x, y, centre, box)
    c, s_ = np.cos(orientation), np.sin(orientation)
    s = c * dX + s_ * dY
    theta = _dw360(np.abs(s), radius, wall_width)
    phi_m = orientation + helicity + np.where(s < 0, np.pi, 0.0)
    return _assemble(theta, phi_m, 1)


def chiral_droplet(
    x: np.ndarray,
    y: np.ndarray,
    *,
    centre: Point,
    radius: float,
    wall_width: float | None = None,
    helicity: float = 0.0,
    kink_angle: float = 0.0,
    kink_width: float = 0.5,
    box: Box = None,
) -> np.ndarray:
    """A chiral droplet: a reversed domain whose wall carries one chiral kink, Q = 0.

    Definition chosen here (the notes and paper 003 give only "chiral droplet,
    Q = 0", after Sisodia et al., PRB 103, 024431 (2021) and Kuchkin et al., PRB
    102, 144422 (2020)): the π-skyrmion polar profile θ(r) (360° wall at
    ``radius``) with the in-plane angle

    ``Φ = φ + η + π − 2 atan(tan(ψ/2) / ε)``,  ψ = φ − kink_angle ∈ (−π, π],
    ε = ``kink_width``.

    Away from the kink (|ψ| ≫ ε) the wall has helicity η, the chirality of the π
    skyrmion; within |ψ| ≲ ε the in-plane magnetisation turns back by 2π (the chiral
    kink), and at ψ = 0 it has the opposite chirality. The in-plane angle of the wall
    winds 0 times around the centre instead of once, so the skyrmion's Q = −1 gains the
    kink's +1: Q = 0. With ε = 1, Φ is constant: the wall is chiral on one side and
    anti-chiral on the other (the partly chiral, partly achiral boundary of a droplet).
    k_s = 1. An initial state to be relaxed, not an equilibrium profile.

    Parameters
    ----------
    x, y, centre, radius, wall_width, helicity, box
        As for :func:`kpi_skyrmion` (wall width default ``radius / 4``).
    kink_angle : float
        Polar angle (rad) of the kink seen from the centre.
    kink_width : float
        ε in (0, 1]: the kink's angular half-width (rad) for small ε.

    Examples
    --------
    >>> from analysis.textures import cell_centres, as_dataarray
    >>> from analysis.topology import topological_charge
    >>> x = cell_centres(64, 1e-9)
    >>> m = chiral_droplet(x, x, centre=(32e-9, 32e-9), radius=12e-9, box=(64e-9, 64e-9))
    >>> Q = topological_charge(as_dataarray(m, 1e-9, 1e-9, pbc="xy"), method="lattice")
    >>> round(float(Q.isel(z=0)), 9) + 0.0
    0.0
    """
    if not 0 < kink_width <= 1:
        raise ValueError(f"kink_width must be in (0, 1], not {kink_width!r}")
    dX, dY = _offsets(x, y, centre, box)
    r = np.hypot(dX, dY)
    ca, sa = np.cos(kink_angle), np.sin(kink_angle)
    psi = np.arctan2(-sa * dX + ca * dY, ca * dX + sa * dY)  # φ − kink_angle in (−π, π]
    kink = 2.0 * np.arctan2(np.sin(psi / 2), kink_width * np.cos(psi / 2))
    phi_m = psi + kink_angle + helicity + np.pi - kink
    return _assemble(_dw360(r, radius, wall_width or radius / 4), phi_m, 1)


def antiskyrmion(
    x: np.ndarray,
    y: np.ndarray,
    *,
    centre: Point,
    radius: float,
    wall_width: float | None = None,
    helicity: float = 0.0,
    ellipticity: float = 1.0,
    orientation: float = 0.0,
    box: Box = None,
) -> np.ndarray:
    """An antiskyrmion (vorticity −1), optionally elliptic: Q = +1, k_s = 2.

    In its body frame the texture is ``n_b(u, v)`` with polar angle θ(ρ) (360° wall
    profile) and in-plane angle ``−φ_b + helicity``, where ``(ρ, φ_b)`` are the polar
    coordinates of the stretched point ``(u/√e, v·√e)``, e = ``ellipticity``: the
    m_z = 0 contour is an ellipse with semi-axes ``radius·√e`` along u and
    ``radius/√e`` along v (area πR²). The lab texture is the body texture turned by
    ``orientation`` with Eq. 7, ``n(r) = R(o) n_b(R(−o)(r − centre))``, so
    ``texture_ops.rotate(antiskyrmion(o=a), φ)`` equals ``antiskyrmion(o=a + φ)``. For e = 1
    orientation and helicity are redundant: the in-plane angle is ``−φ + η + 2o``.

    Q = +1. k_s = 2 for every ellipticity (a rotation by π maps it onto itself, one by
    π/2 reverses its helicity); under the D2d rotation a round antiskyrmion is
    axially symmetric.

    Parameters
    ----------
    x, y, centre, radius, wall_width, helicity, box
        As for :func:`kpi_skyrmion` (wall width default ``radius / 4``, in the
        stretched coordinates).
    ellipticity : float
        Ratio e > 0 of the semi-axes (along / across ``orientation``).
    orientation : float
        Angle (rad) of the body axis u from x.

    Examples
    --------
    >>> from analysis.textures import cell_centres
    >>> x = cell_centres(64, 1e-9)
    >>> m = antiskyrmion(x, x, centre=(32.5e-9, 32.5e-9), radius=10e-9)  # a cell centre
    >>> [round(float(v), 3) + 0.0 for v in m[32, 42]]   # +x side, η = 0: outward, like Néel
    [1.0, 0.0, 0.0]
    >>> [round(float(v), 3) + 0.0 for v in m[42, 32]]   # +y side: in-plane angle −π/2
    [0.0, -1.0, 0.0]
    """
    if ellipticity <= 0:
        raise ValueError(f"ellipticity must be positive, not {ellipticity!r}")
    s = math.sqrt(ellipticity)
    dX, dY = _offsets(x, y, centre, box)
    co, so = np.cos(orientation), np.sin(orientation)
    u = (co * dX + so * dY) / s
    v = (-so * dX + co * dY) * s
    theta = _dw360(np.hypot(u, v), radius, wall_width or radius / 4)
    return _assemble(theta, orientation - np.arctan2(v, u) + helicity, 1)


def vortex_skyrmion(
    x: np.ndarray,
    y: np.ndarray,
    *,
    centre: Point,
    radius: float,
    vorticity: int,
    wall_width: float | None = None,
    helicity: float = 0.0,
    box: Box = None,
) -> np.ndarray:
    """A core-down skyrmion of vorticity m: in-plane angle ``m φ + helicity``.

    :func:`analysis.textures.skyrmion` with the 360° wall profile. Q = −m (m = 1 the
    skyrmion, −1 the antiskyrmion, 2 and 3 Q = −2, −3, 0 a Q = 0 droplet whose wall
    magnetisation points one way). k_s = |m − 1| (Eq. 7 turns the in-plane angle by
    (1 − m)φ); ∞ for m = 1. Under the D2d rotation (spins by −φ) k_s = |m + 1|.

    Examples
    --------
    >>> from analysis.textures import cell_centres, as_dataarray
    >>> from analysis.topology import topological_charge
    >>> x = cell_centres(64, 1e-9)
    >>> m = vortex_skyrmion(x, x, centre=(32e-9, 32e-9), radius=12e-9, vorticity=2,
    ...                     box=(64e-9, 64e-9))
    >>> Q = topological_charge(as_dataarray(m, 1e-9, 1e-9, pbc="xy"), method="lattice")
    >>> round(float(Q.isel(z=0)), 9)
    -2.0
    """
    return skyrmion(x, y, centre=centre, radius=radius, wall_width=wall_width,
                    vorticity=int(vorticity), helicity=helicity, profile="dw360", box=box)


def skyrmion_bag(
    x: np.ndarray,
    y: np.ndarray,
    *,
    centre: Point,
    radius: float,
    inner: Sequence[tuple[Point, float]],
    wall_width: float | None = None,
    helicity: float = 0.0,
    inner_helicity: float | None = None,
    box: Box = None,
) -> np.ndarray:
    """A skyrmion bag S(N): a reversed (down) disc holding N up-core skyrmions. Q = N − 1.

    The outer ring is a π skyrmion of ``radius`` (Q = −1). Each inner skyrmion
    ``(centre_j, radius_j)`` is a π skyrmion of the opposite polarity, core up in
    the down interior (Q = +1 each, see :func:`analysis.textures.skyrmion` with
    ``background=-1``). They are joined by the rule of :func:`compose` with the
    interior −z as reference, ``rule="stereographic"``: with ``w' = (m_x − i m_y)/(1 − m_z)``
    (0 at −z, ∞ at +z) the bag is ``w' = w'_ring + Σ_j w'_j``. Inside the ring every
    term is exponentially small away from its own walls (outside, w'_ring → ∞
    dominates), so each part keeps its shape up to the others' tails and the state
    is smooth (no seams). The +z points (w' = ∞) are those of the parts, so Q is the
    sum of the parts' charges.

    ``inner_helicity`` defaults to ``helicity + π``: going outward an inner wall
    turns from up to down, and with η + π it turns with the same sense as the outer
    wall (as the inner wall of skyrmionium does), i.e. with the chirality of the
    same DMI.

    Q = N − 1 (verified, N = 0…3). k_s = ∞ for N = 0 (or N = 1 at the centre),
    N for N ≥ 2 inner skyrmions of equal radius on a regular N-gon around ``centre``,
    1 for other arrangements.

    Parameters
    ----------
    x, y, centre, radius, helicity, box
        As for :func:`kpi_skyrmion`; ``radius`` is the outer ring's m_z = 0 radius.
    inner : list of ((x, y), radius)
        The inner skyrmions; each must lie inside the ring and not overlap another.
    wall_width : float, optional
        Width of all walls (default a quarter of the smallest radius).
    inner_helicity : float, optional

    Examples
    --------
    >>> from analysis.textures import cell_centres, as_dataarray
    >>> from analysis.topology import topological_charge
    >>> x = cell_centres(96, 1e-9)
    >>> m = skyrmion_bag(x, x, centre=(48e-9, 48e-9), radius=36e-9,
    ...                  inner=[((36e-9, 48e-9), 7e-9), ((60e-9, 48e-9), 7e-9)],
    ...                  box=(96e-9, 96e-9))
    >>> Q = topological_charge(as_dataarray(m, 1e-9, 1e-9, pbc="xy"), method="lattice")
    >>> round(float(Q.isel(z=0)), 9)
    1.0
    """
    inner = [((float(c[0]), float(c[1])), float(r)) for c, r in inner]
    Lx, Ly = box if box is not None else (None, None)

    def dist(a, b):
        return math.hypot(float(minimum_image(a[0] - b[0], Lx)),
                          float(minimum_image(a[1] - b[1], Ly)))

    for i, (c, r) in enumerate(inner):
        if dist(c, centre) + r >= radius:
            raise ValueError(f"inner skyrmion {i} at {c} with radius {r} is not inside the ring")
        for j, (c2, r2) in enumerate(inner[:i]):
            if dist(c, c2) < r + r2:
                raise ValueError(f"inner skyrmions {j} and {i} overlap")
    w = wall_width or min([radius] + [r for _, r in inner]) / 4
    eta_in = helicity + np.pi if inner_helicity is None else inner_helicity
    outer = skyrmion(x, y, centre=centre, radius=radius, wall_width=w, helicity=helicity, box=box)
    cores = [skyrmion(x, y, centre=c, radius=r, wall_width=w, helicity=eta_in, background=-1,
                      box=box) for c, r in inner]
    return compose(_DOWN, outer, *cores, rule="stereographic")


def from_stereographic(
    x: np.ndarray,
    y: np.ndarray,
    w: Callable[[np.ndarray], np.ndarray],
    *,
    centre: Point = (0.0, 0.0),
    length: float = 1.0,
    conjugate: bool = False,
    box: Box = None,
) -> np.ndarray:
    """A texture from a complex function by inverse stereographic projection.

    ``n = (2 Re w, 2 Im w, 1 − |w|²) / (1 + |w|²)``, i.e. ``w = (n_x + i n_y)/(1 + n_z)``
    (projection from the south pole): w = 0 is +z, the background, so w must tend to 0
    far away; w = ∞ (and any non-finite value, e.g. a pole hit exactly) is −z.

    ``w`` is called with ``z = ((x − x0) + i (y − y0)) / length`` (dimensionless; the
    offsets are minimum-image ones when ``box`` is given), or with ``z̄`` when
    ``conjugate`` is true, and must return an array of z's shape (or broadcastable).

    Signs (verified with the lattice charge): ``w = λ/z̄`` (``conjugate=True``,
    w = lambda z: λ/z) is the Belavin–Polyakov skyrmion, Q = −1, helicity arg λ,
    k_s = ∞; ``w = λ/z`` is the BP antiskyrmion, Q = +1, k_s = 2. A rational
    holomorphic w(z) of degree d gives Q = +d, an anti-holomorphic one Q = −d.
    The BP tail is algebraic (1 − n_z ∝ 1/r²): on a periodic box the texture has a
    small jump at the seam, which does not change the lattice Q while the box is a few
    times λ.

    Examples
    --------
    >>> from analysis.textures import cell_centres, as_dataarray
    >>> from analysis.topology import topological_charge
    >>> x = cell_centres(64, 1e-9)
    >>> kw = dict(centre=(32.3e-9, 31.6e-9), length=1e-9, box=(64e-9, 64e-9))
    >>> sk = from_stereographic(x, x, lambda z: 5.0 / z, conjugate=True, **kw)
    >>> anti = from_stereographic(x, x, lambda z: 5.0 / z, **kw)
    >>> [round(float(topological_charge(as_dataarray(m, 1e-9, 1e-9, pbc="xy"),
    ...                                  method="lattice").isel(z=0)), 9) for m in (sk, anti)]
    [-1.0, 1.0]
    """
    dX, dY = _offsets(x, y, centre, box)
    z = (dX + 1j * dY) / length
    if conjugate:
        z = np.conj(z)
    with np.errstate(all="ignore"):
        W = np.broadcast_to(np.asarray(w(z), dtype=complex), z.shape)
    return _from_w(W)
