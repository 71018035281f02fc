"""Operations on textures (``(ny, nx, 3)`` unit-vector arrays on cell-centre
coordinates): paper 003's rotation law (Eq. 7; spins turned the other way for D2d),
composing several textures into one state, and the rotational symmetry order k_s.
The textures themselves are in :mod:`analysis.texture_library`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.ndimage import map_coordinates

from analysis.periodic import minimum_image
from analysis.stereographic import from_w as _from_w
from analysis.stereographic import to_w as _to_w

__all__ = ["rotate", "rotation_mismatch", "compose", "symmetry_order"]

Point = tuple[float, float]


def _max_deviation(candidates: Sequence[np.ndarray], reference: np.ndarray) -> np.ndarray:
    """In each cell, the candidate farthest from ``reference``, ``|m − ref|²`` (first on ties)."""
    out = np.array(candidates[0], dtype=float, copy=True)
    dev = np.sum((out - reference) ** 2, axis=-1)  # = 2(1 − m·ref), without cancellation
    for m in candidates[1:]:
        d = np.sum((m - reference) ** 2, axis=-1)
        take = d > dev
        out[take] = np.broadcast_to(m, out.shape)[take]
        dev = np.where(take, d, dev)
    return out


def _grid(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    dx = float(x[1] - x[0]) if x.size > 1 else 1.0
    dy = float(y[1] - y[0]) if y.size > 1 else 1.0
    return x, y, dx, dy


def rotate(
    m: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    phi: float,
    *,
    centre: Point,
    d2d: bool = False,
    periodic: bool = False,
    order: int = 3,
) -> np.ndarray:
    """Eq. 7: ``n'(r) = R(±φ) n(c + R(−φ)(r − c))``, positions and spins turned together.

    The spins turn by +φ about z (Bloch and Néel DMI: a zero-energy mode), or by −φ
    with ``d2d=True`` (D2d DMI). ``n`` at the rotated-back points is interpolated
    per component with :func:`scipy.ndimage.map_coordinates` (spline of ``order``,
    default cubic) and renormalised. With ``periodic=True`` the grid is one period
    of a torus: offsets from ``centre`` are minimum-image ones (each cell rotates
    about the nearest image of the centre), the spline wraps (``mode="grid-wrap"``),
    and a point whose rotated-back offset leaves the period cell centred on
    ``centre`` takes the value at that cell's edge, so an isolated texture is
    turned as if it were alone in the plane (its periodic images are not dragged
    in by the rotation, which is no symmetry of the torus). Without ``periodic``,
    points outside the grid take the nearest edge value. Either way a uniform
    background at the edges stays exact.

    The interpolation is exact (to rounding) when the rotation maps cell centres onto
    cell centres: φ a multiple of π/2 on square cells about a cell centre or corner.
    Otherwise its error is that of a cubic spline, ~ (h/w)⁴ relative in a wall of
    width w: about 1e-2 in |Δm| for w = 3 cells (see the tests).

    Parameters
    ----------
    m : ndarray (ny, nx, 3)
    x, y : ndarray
        Equally spaced cell-centre coordinates (m).
    phi : float
        Rotation angle (rad), counter-clockwise.
    centre : (float, float)
        Rotation centre (m).
    d2d : bool
        Turn the spins by −φ instead of +φ.
    periodic : bool
        Treat both axes as periodic with lengths ``nx·dx``, ``ny·dy``.
    order : int
        Spline order for :func:`scipy.ndimage.map_coordinates`.

    Examples
    --------
    >>> from analysis.textures import cell_centres, skyrmion
    >>> x = cell_centres(32, 1e-9)
    >>> m = skyrmion(x, x, centre=(16e-9, 16e-9), radius=6e-9)   # Néel, η = 0
    >>> bool(np.allclose(rotate(m, x, x, np.pi / 2, centre=(16e-9, 16e-9)), m))
    True
    >>> bloch = skyrmion(x, x, centre=(16e-9, 16e-9), radius=6e-9, helicity=-np.pi)
    >>> bool(np.allclose(rotate(m, x, x, np.pi / 2, centre=(16e-9, 16e-9), d2d=True), bloch))
    True
    """
    m = np.asarray(m, dtype=float)
    x, y, dx, dy = _grid(x, y)
    ny, nx = m.shape[:2]
    X, Y = np.meshgrid(x, y)
    L = (nx * dx, ny * dy) if periodic else (None, None)
    dX, dY = minimum_image(X - centre[0], L[0]), minimum_image(Y - centre[1], L[1])
    c, s = math.cos(phi), math.sin(phi)
    sx, sy = c * dX + s * dY, -s * dX + c * dY  # R(−φ)(r − centre)
    if periodic:  # stay in the period cell centred on `centre` (not in an image's)
        sx = np.clip(sx, -L[0] / 2, L[0] / 2)
        sy = np.clip(sy, -L[1] / 2, L[1] / 2)
    fi = (centre[0] + sx - x[0]) / dx  # fractional column
    fj = (centre[1] + sy - y[0]) / dy  # fractional row
    mode = "grid-wrap" if periodic else "nearest"
    src = np.stack([map_coordinates(m[..., i], [fj, fi], order=order, mode=mode)
                    for i in range(3)], axis=-1)
    norm = np.linalg.norm(src, axis=-1, keepdims=True)
    src = src / np.where(norm > 0, norm, 1.0)
    a = -phi if d2d else phi
    ca, sa = math.cos(a), math.sin(a)
    return np.stack([ca * src[..., 0] - sa * src[..., 1], sa * src[..., 0] + ca * src[..., 1],
                     src[..., 2]], axis=-1)


def rotation_mismatch(
    m: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    phi: float,
    *,
    centre: Point,
    d2d: bool = False,
    periodic: bool = False,
) -> float:
    """``max |rotate(m, φ) − m|`` over the grid: 0 for a texture invariant under Eq. 7."""
    mr = rotate(m, x, y, phi, centre=centre, d2d=d2d, periodic=periodic)
    return float(np.max(np.linalg.norm(mr - np.asarray(m, dtype=float), axis=-1)))


def compose(
    background: np.ndarray | Sequence[float],
    *textures: np.ndarray,
    rule: str = "max",
    reference: Sequence[float] | None = None,
) -> np.ndarray:
    """Several textures in one state, placed anywhere (each with its own ``centre``).

    ``background`` is a unit vector (the uniform state) or a field ``(ny, nx, 3)``
    (an existing state to add textures to). All are compared with the uniform
    ``reference`` direction b: the background vector itself, or for a field
    ``(0, 0, ±1)`` by the sign of its mean m_z. The textures should have b as their
    own background (e.g. all built in +z).

    Rules
    -----
    ``"max"`` (default)
        In each cell, whichever of the background and the textures deviates most
        from b, deviation ``|t − b|²`` (= 2(1 − t·b)); the first on ties, so cells
        where nothing deviates keep the background. This is the superposition of
        ``tests/test_detection.py``: each texture keeps its core and walls exactly
        and is cut where another's tail takes over, a jump of the size of the tails
        there (exponentially small for 360° walls a few wall widths apart).
    ``"stereographic"``
        Sum of stereographic coordinates about b: ``w = Σ w_t`` over the background
        and the textures, ``w_t = (t·e1 + i t·e2)/(1 + t·b)`` ((e1, e2, b) a
        right-handed frame; w = 0 at b, ∞ at −b), mapped back to unit vectors.
        Smooth everywhere; each texture is shifted slightly by the others' tails,
        and the points where one reaches −b (its core, w = ∞) stay exactly in place.

    With either rule Q of the result is the sum of the parts' charges (background
    field included), as long as they are separated by a few wall widths. Both rules
    are pointwise: make textures wrap on a periodic box with their ``box``
    argument; compose adds no periodicity of its own.

    Parameters
    ----------
    background : (3,) vector or ndarray (ny, nx, 3)
    *textures : ndarray (ny, nx, 3)
    rule : {"max", "stereographic"}
    reference : (3,) vector, optional
        b, normalised (default as above).

    Returns
    -------
    ndarray (ny, nx, 3)

    Examples
    --------
    >>> from analysis.textures import cell_centres, skyrmion
    >>> from analysis.texture_library import antiskyrmion
    >>> x = cell_centres(64, 1e-9)
    >>> a = skyrmion(x, x, centre=(16e-9, 16e-9), radius=6e-9)
    >>> b = antiskyrmion(x, x, centre=(46e-9, 40e-9), radius=6e-9)
    >>> m = compose((0, 0, 1), a, b)
    >>> bool(np.array_equal(m[16, 16], a[16, 16]) and np.array_equal(m[40, 46], b[40, 46]))
    True
    """
    if not textures:
        raise ValueError("compose needs at least one texture")
    bg = np.asarray(background, dtype=float)
    shape = np.broadcast_shapes(bg.shape, *(np.shape(t) for t in textures))
    if reference is None:
        reference = bg if bg.shape == (3,) else (0.0, 0.0, 1.0 if bg[..., 2].mean() >= 0 else -1.0)
    ref = np.asarray(reference, dtype=float)
    if ref.shape != (3,) or not np.linalg.norm(ref) > 0:
        raise ValueError(f"reference must be a nonzero 3-vector, not {reference!r}")
    ref = ref / np.linalg.norm(ref)
    parts = [np.broadcast_to(p, shape) for p in
             (bg, *(np.asarray(t, dtype=float) for t in textures))]
    if rule == "max":
        return _max_deviation(parts, ref)
    if rule == "stereographic":
        return _from_w(sum(_to_w(p, ref) for p in parts), ref)
    raise ValueError(f"rule must be 'max' or 'stereographic', not {rule!r}")


def symmetry_order(
    m: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    *,
    centre: Point,
    kmax: int = 8,
    tol: float = 0.05,
    d2d: bool = False,
    periodic: bool = False,
) -> int | float:
    """Estimate the rotational symmetry order k_s of a texture about ``centre``.

    For k = 1 … ``kmax`` the texture is rotated by 2π/k with :func:`rotate`
    (Eq. 7; spins the other way with ``d2d``) and counts as invariant when
    :func:`rotation_mismatch` ``≤ tol``. Returns ``math.inf`` when it is invariant
    under every k ≤ ``kmax`` and also under a rotation by 1 rad (an irrational
    fraction of a turn, which only an axially symmetric texture survives);
    otherwise the largest invariant k (a texture of order > kmax and not axially
    symmetric reports a divisor of its order).

    ``centre`` must be the symmetry centre (e.g. from
    :func:`analysis.detection.find_objects`); no translation is searched. The
    texture should be uniform near the edges of the grid (or, with ``periodic``,
    of the period cell centred on ``centre``): points rotated in from outside take
    the edge values, so a tail reaching the edges counts as a mismatch. ``tol``
    must exceed the interpolation error of :func:`rotate` (≈ 1e-2 for walls 3 cells
    wide, growing like (h/w)⁴ for sharper walls) and stay below the O(1) mismatch of
    a broken symmetry (a π/2 turn of an antiskyrmion reverses its walls: |Δm| ≈ 2).

    Examples
    --------
    >>> from analysis.textures import cell_centres, skyrmion
    >>> from analysis.texture_library import antiskyrmion
    >>> x = cell_centres(64, 1e-9)
    >>> c = (32e-9, 32e-9)
    >>> symmetry_order(skyrmion(x, x, centre=c, radius=12e-9, wall_width=3e-9), x, x, centre=c)
    inf
    >>> symmetry_order(antiskyrmion(x, x, centre=c, radius=12e-9, wall_width=3e-9), x, x,
    ...                centre=c)
    2
    """
    kw = dict(centre=centre, d2d=d2d, periodic=periodic)
    ok = [k for k in range(1, int(kmax) + 1)
          if rotation_mismatch(m, x, y, 2 * np.pi / k, **kw) <= tol]
    if len(ok) == int(kmax) and rotation_mismatch(m, x, y, 1.0, **kw) <= tol:
        return math.inf
    return max(ok, default=1)
