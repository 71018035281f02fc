"""The demagnetising tensor of a regular mesh of rectangular cells (Newell et al. 1993).

``N(r)`` is the volume average over a target cell of the field that a uniformly
magnetised source cell, displaced by ``r`` from it, makes, with ``H = -N M``:
A. J. Newell, W. Williams, D. J. Dunlop, "A generalization of the demagnetizing
tensor for nonuniform magnetization", J. Geophys. Res. 98, 9551 (1993). The six
independent components ``Nxx, Nyy, Nzz, Nxy, Nxz, Nyz`` are even in every axis
except the off-diagonal ones, which are odd along both of their own axes (``Nxy``
in x and y, ...).

Two evaluations, chosen by the distance ``|r|`` in units of the largest cell edge:

* near (``|r| < NEAR_RADIUS``): Newell's closed form, the sixth mixed second
  difference of his ``f`` and ``g`` functions, evaluated once per lattice point and
  differenced on the lattice (as OOMMF's ``ComputeD6f``). The difference cancels
  ``(|r|/h)^6`` of the magnitude of ``f``, so it is done in ``numpy.longdouble``
  (x87 80-bit, 64-bit mantissa, where available): about 1e-16 absolute error at
  the crossover radius (12 cells), 1e-18 near the self term.
* far: the Taylor expansion of the same average about the cell-centre offset,
  ``N_ab(r) = -V/(4 pi) E[d_a d_b 1/|r + w|]`` where ``w`` has independent
  triangular (tent) distributions on ``[-h_i, h_i]`` (the difference of two
  uniform points in a cell), so the moments are ``E[w^2p] = 2 h^2p / ((2p+1)(2p+2))``
  and the derivatives of ``1/r`` come from the Cartesian recurrence
  ``n r^2 a_k + (2n-1) sum_i x_i a_{k-e_i} + (n-1) sum_i a_{k-2e_i} = 0``
  for ``a_k = D^k (1/r) / k!``. This is the expansion OOMMF's asymptotic
  ``Oxs_DemagNxxAsymptotic`` and friends implement term by term; the order (up to
  16 in ``h/r``) is chosen per offset so that the truncation error is below
  ``1e-17`` (the self term being ~1/3).

Both are checked against a 40-digit mpmath evaluation of Newell's formula in the
tests (``tests/solver/test_demag.py``): within ~1e-16 absolute everywhere, as
OOMMF 2's double-double/asymptotic scheme is, so fields agree with OOMMF's to
rounding.

Periodic axes follow mumax3's ``SetPBC(P)`` (``mag/demagkernel.go``): the kernel
along a periodic axis of ``n`` cells sums ``N`` over every offset
``|x| <= P n - 1`` (cells), folded modulo ``n``; a target cell thus sees the
magnet and its images out to ``P n - 1`` cells on either side.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["newell_f", "newell_g", "tensor_exact", "tensor_asymptotic", "tensor_at",
           "demag_kernel", "fft_shape", "NEAR_RADIUS", "COMPONENTS"]

#: Components in storage order, with their parity (+1 even, -1 odd) along x, y, z.
COMPONENTS = {
    "xx": (1, 1, 1), "yy": (1, 1, 1), "zz": (1, 1, 1),
    "xy": (-1, -1, 1), "xz": (-1, 1, -1), "yz": (1, -1, -1),
}
_PAIRS = {"xx": (0, 0), "yy": (1, 1), "zz": (2, 2), "xy": (0, 1), "xz": (0, 2), "yz": (1, 2)}

_LD = np.longdouble

#: Crossover radius (in units of the largest cell edge) from the closed form to the
#: Taylor expansion: 12 with an 80-bit long double, 6.5 where long double is just
#: double (the closed form then loses ~1e-14 by 12 cells; the order-16 expansion is
#: within ~1e-17 from 6.5 on).
NEAR_RADIUS = 12.0 if np.finfo(_LD).eps < 1e-18 else 6.5


# ----------------------------------------------------------------------------------
# Newell's closed form

def _log1p_ratio(num, den):
    """``log1p(num/den)`` with 0 where ``den == 0`` (where its prefactor vanishes)."""
    ok = den > 0
    return np.where(ok, np.log1p(num / np.where(ok, den, 1)), 0)


def newell_f(x, y, z):
    """Newell's ``f(x, y, z)`` (even in each argument), in the arrays' precision.

    Written with ``log1p`` as OOMMF's ``Oxs_Newell_f``:
    ``f = [2(2x²-y²-z²)R - 12xyz atan(yz/(xR)) + 3y(z²-x²) ln(1 + 2y(y+R)/(x²+z²))
    + 3z(y²-x²) ln(1 + 2z(z+R)/(x²+y²))] / 12``.
    """
    x, y, z = np.abs(x), np.abs(y), np.abs(z)
    xx, yy, zz = x * x, y * y, z * z
    R = np.sqrt(xx + yy + zz)
    s = 2 * (2 * xx - yy - zz) * R
    s = s - 12 * x * y * z * np.arctan2(y * z, x * R)
    s = s + 3 * y * (zz - xx) * _log1p_ratio(2 * y * (y + R), xx + zz)
    s = s + 3 * z * (yy - xx) * _log1p_ratio(2 * z * (z + R), xx + yy)
    return s / 12


def newell_g(x, y, z):
    """Newell's ``g(x, y, z)`` (odd in x and y, even in z), as OOMMF's ``Oxs_Newell_g``."""
    sign = np.sign(x) * np.sign(y)
    x, y, z = np.abs(x), np.abs(y), np.abs(z)
    xx, yy, zz = x * x, y * y, z * z
    R = np.sqrt(xx + yy + zz)
    s = -2 * x * y * R
    s = s - z * zz * np.arctan2(x * y, z * R)
    s = s - 3 * z * yy * np.arctan2(x * z, y * R)
    s = s - 3 * z * xx * np.arctan2(y * z, x * R)
    s = s + 3 * x * y * z * _log1p_ratio(2 * z * (z + R), xx + yy)
    s = s + 0.5 * y * (3 * zz - yy) * _log1p_ratio(2 * x * (x + R), yy + zz)
    s = s + 0.5 * x * (3 * zz - xx) * _log1p_ratio(2 * y * (y + R), xx + zz)
    return sign * s / 6


def _d6(F):
    """Second differences along the three axes of a lattice of values: shape shrinks by 2."""
    F = F[2:] - 2 * F[1:-1] + F[:-2]
    F = F[:, 2:] - 2 * F[:, 1:-1] + F[:, :-2]
    return F[:, :, 2:] - 2 * F[:, :, 1:-1] + F[:, :, :-2]


def tensor_exact(counts, cell, start=(0, 0, 0)):
    """Newell's closed form on the offsets ``start + (i, j, k)``, ``0 <= i < counts[0]`` ....

    Parameters
    ----------
    counts : (cx, cy, cz)
        Offsets along x, y, z (integers, in cells).
    cell : (dx, dy, dz)
        Cell size (any unit; the tensor is scale free).
    start : (i0, j0, k0)
        First offset along each axis.

    Returns
    -------
    dict
        Component name (``"xx"`` ...) → float64 array of shape ``(cz, cy, cx)``.
    """
    h = np.asarray(cell, dtype=np.float64)
    h = (h / h.max()).astype(_LD)
    axes = [(np.arange(start[a] - 1, start[a] + counts[a] + 1).astype(_LD) * h[a]) for a in range(3)]
    X = axes[0][None, None, :]
    Y = axes[1][None, :, None]
    Z = axes[2][:, None, None]
    scale = -1 / (4 * _LD(math.pi) * h[0] * h[1] * h[2])
    out = {
        "xx": _d6(newell_f(X, Y, Z)),
        "yy": _d6(newell_f(Y, X, Z)),
        "zz": _d6(newell_f(Z, Y, X)),
        "xy": _d6(newell_g(X, Y, Z)),
        "xz": _d6(newell_g(X, Z, Y)),
        "yz": _d6(newell_g(Y, Z, X)),
    }
    return {k: (v * scale).astype(np.float64) for k, v in out.items()}


# ----------------------------------------------------------------------------------
# The far-field expansion

def _multi_indices(n):
    """All (a, b, c) with a + b + c = n, in a fixed order."""
    return [(a, b, n - a - b) for a in range(n, -1, -1) for b in range(n - a, -1, -1)]


def _expansion_plan(h, order):
    """For each component, the list of (multi-index, weight) to sum ``weight * a_beta``.

    ``N_ab = -V/(4 pi) sum_{p,q,s} c_p(hx) c_q(hy) c_s(hz) beta! a_beta``, beta =
    (2p, 2q, 2s) + e_a + e_b, c_p(h) = 2 h^2p / (2p+2)!, total correction order
    2(p+q+s) <= order.
    """
    V = float(h[0] * h[1] * h[2])
    lead = -V / (4 * math.pi)

    def c(p, hh):
        return 2 * hh ** (2 * p) / math.factorial(2 * p + 2)

    plan = {}
    for name, (a, b) in _PAIRS.items():
        terms = {}
        for k in range(order // 2 + 1):
            for p, q, s in _multi_indices(k):
                beta = [2 * p, 2 * q, 2 * s]
                beta[a] += 1
                beta[b] += 1
                fact = math.factorial(beta[0]) * math.factorial(beta[1]) * math.factorial(beta[2])
                w = lead * c(p, h[0]) * c(q, h[1]) * c(s, h[2]) * fact
                terms[tuple(beta)] = terms.get(tuple(beta), 0.0) + w
        plan[name] = terms
    return plan


def tensor_asymptotic(x, y, z, cell, order=8):
    """The Taylor expansion of the tensor at offsets (x, y, z) (same unit as ``cell``).

    Parameters
    ----------
    x, y, z : arrays (broadcastable)
        Offsets between cell centres; must not be 0 (the expansion is for far cells).
    cell : (dx, dy, dz)
    order : even int
        Highest correction order in ``h/r`` kept (0 = point dipole).

    Returns
    -------
    dict
        Component name → float64 array.
    """
    hmax = max(cell)
    h = [c / hmax for c in cell]
    x, y, z = np.broadcast_arrays(np.asarray(x, np.float64) / hmax,
                                  np.asarray(y, np.float64) / hmax,
                                  np.asarray(z, np.float64) / hmax)
    xs = (x, y, z)
    r2 = x * x + y * y + z * z
    inv_r2 = 1.0 / r2
    plan = _expansion_plan(h, order)
    wanted = {}
    for name, terms in plan.items():
        for beta, w in terms.items():
            wanted.setdefault(beta, []).append((name, w))
    out = {name: np.zeros_like(x) for name in plan}
    top = order + 2
    prev2: dict = {}
    prev1 = {(0, 0, 0): np.sqrt(inv_r2)}
    for n in range(1, top + 1):
        cur = {}
        for k in _multi_indices(n):
            acc = None
            for i in range(3):
                if k[i] >= 1:
                    km = list(k)
                    km[i] -= 1
                    t = xs[i] * prev1[tuple(km)]
                    acc = t if acc is None else acc + t
            acc *= (2 * n - 1)
            if n >= 2:
                for i in range(3):
                    if k[i] >= 2:
                        km = list(k)
                        km[i] -= 2
                        acc += (n - 1) * prev2[tuple(km)]
            acc *= -inv_r2 / n
            cur[k] = acc
            for name, w in wanted.get(k, ()):
                out[name] += w * acc
        prev2, prev1 = prev1, cur
    return out


def _orders_by_radius(R, tol=1e-17):
    """Expansion order per offset: the smallest even order whose truncation error,
    measured as about ``0.1 r^-(order+5)`` (r in units of the largest cell edge,
    tensor in units where the self term is about 1/3; see the tests), is below ``tol``."""
    R = np.asarray(R, dtype=np.float64)
    order = np.full(R.shape, 16, dtype=int)
    for o in range(14, -1, -2):
        order[0.1 * R ** -(o + 5.0) < tol] = o
    return order


# ----------------------------------------------------------------------------------
# The kernel of a mesh

def tensor_at(counts, cell, start=(0, 0, 0), near_radius=NEAR_RADIUS, budget=1 << 22):
    """The tensor on a block of non-negative offsets (closed form near, expansion far).

    Parameters
    ----------
    counts, start : (x, y, z) ints
        The offsets ``start + (i, j, k)``, ``0 <= i < counts[0]`` ... (in cells).
    cell : (dx, dy, dz)
    near_radius : float
        Offsets closer than this (in units of the largest cell edge) use the closed form.
    budget : int
        Elements of work arrays the expansion may hold at once (8 bytes each).

    Returns
    -------
    dict
        Component name → float64 array of shape ``(cz, cy, cx)``.
    """
    hn = np.asarray(cell, np.float64)
    hn = hn / hn.max()
    ax = [np.arange(start[a], start[a] + counts[a]) * hn[a] for a in range(3)]
    shape = (counts[2], counts[1], counts[0])
    X = np.broadcast_to(ax[0][None, None, :], shape)
    Y = np.broadcast_to(ax[1][None, :, None], shape)
    Z = np.broadcast_to(ax[2][:, None, None], shape)
    R = np.sqrt(X * X + Y * Y + Z * Z)
    near = R < near_radius
    out = {k: np.empty(shape) for k in COMPONENTS}
    if near.any():
        kk, jj, ii = np.nonzero(near)
        lo = (int(ii.min()), int(jj.min()), int(kk.min()))
        hi = (int(ii.max()) + 1, int(jj.max()) + 1, int(kk.max()) + 1)
        ex = tensor_exact([hi[a] - lo[a] for a in range(3)], hn,
                          start=[start[a] + lo[a] for a in range(3)])
        sl = (slice(lo[2], hi[2]), slice(lo[1], hi[1]), slice(lo[0], hi[0]))
        for k in COMPONENTS:
            out[k][sl] = ex[k]
    far = np.flatnonzero(~near)
    if far.size:
        Xf, Yf, Zf = (np.ascontiguousarray(A).reshape(-1)[far] for A in (X, Y, Z))
        orders = _orders_by_radius(R.reshape(-1)[far])
        flat = {k: out[k].reshape(-1) for k in COMPONENTS}
        for order in np.unique(orders):
            pos = np.flatnonzero(orders == order)
            # the recurrence keeps three orders of derivatives: ~3 (o+3)(o+4)/2 arrays
            chunk = max(256, budget // (3 * (order + 3) * (order + 4) // 2))
            for c0 in range(0, pos.size, chunk):
                p = pos[c0:c0 + chunk]
                part = tensor_asymptotic(Xf[p], Yf[p], Zf[p], hn, order=int(order))
                for k in COMPONENTS:
                    flat[k][far[p]] = part[k]
    return out


def _fold_axis(T, n, rep, L, parity):
    """Fold the last axis of ``T`` (non-negative offsets 0, 1, ..., complete: n - 1 for an
    open axis, rep*n - 1 for a periodic one) into a circular kernel of length ``L``."""
    m = T.shape[-1]
    if rep:
        # offsets -(P n - 1) .. P n - 1 laid out from -P n (a zero) and summed per period
        G = np.zeros(T.shape[:-1] + (2 * m,))
        G[..., m:] = T
        G[..., 1:m] += parity * T[..., :0:-1]
        return G.reshape(T.shape[:-1] + (2 * rep, n)).sum(axis=-2)
    out = np.zeros(T.shape[:-1] + (L,))
    out[..., :m] = T
    if m > 1:
        out[..., L - m + 1:] += parity * T[..., :0:-1]
    return out


def _targets(offsets, n, rep, L, parity):
    """(selector, target indices, sign) for the positive and the negative images of
    non-negative offsets along one axis; targets are distinct within each when
    ``len(offsets) <= n`` or the axis is open."""
    offsets = np.asarray(offsets)
    lim = rep * n - 1 if rep else n - 1
    pos = offsets <= lim
    neg = (offsets >= 1) & (offsets <= lim)
    if rep:
        return [(pos, offsets[pos] % L, 1.0), (neg, (-offsets[neg]) % L, float(parity))]
    return [(pos, offsets[pos], 1.0), (neg, L - offsets[neg], float(parity))]


def fft_shape(n, repeats=(0, 0, 0), fast=True):
    """FFT lengths ``(Lz, Ly, Lx)`` for a mesh: ``n`` along periodic axes, 1 for a single
    open cell, else at least ``2n - 1`` (``2n``, or the next length that
    ``scipy.fft`` transforms fast when ``fast``)."""
    from scipy.fft import next_fast_len
    L = []
    for a in (2, 1, 0):
        if repeats[a]:
            L.append(int(n[a]))
        elif n[a] == 1:
            L.append(1)
        else:
            L.append(int(next_fast_len(2 * n[a] - 1, real=True)) if fast else 2 * int(n[a]))
    return tuple(L)


def demag_kernel(n, cell, repeats=(0, 0, 0), shape=None, near_radius=NEAR_RADIUS,
                 block=1 << 18):
    """The real-space convolution kernel of a mesh, folded for a circular convolution.

    Parameters
    ----------
    n : (nx, ny, nz)
        Cells of the mesh.
    cell : (dx, dy, dz)
    repeats : (Px, Py, Pz)
        0 for an open axis; ``P >= 1`` for a periodic one (mumax3 ``SetPBC`` counts:
        offsets ``|x| <= P n - 1`` are summed, folded modulo ``n``).
    shape : (Lz, Ly, Lx), optional
        FFT lengths (default :func:`fft_shape` with ``fast=False``): ``L >= 2n - 1``
        along open axes (or 1 where n = 1), ``L = n`` along periodic ones.

    Returns
    -------
    dict
        Component name → float64 array of shape ``(Lz, Ly, Lx)``: ``K[k, j, i]`` is
        the tensor for the offset (i, j, k) (target minus source) modulo L, summed
        over periodic images.
    """
    n = tuple(int(v) for v in n)
    rep = tuple(int(v) for v in repeats)
    if any(r < 0 for r in rep):
        raise ValueError(f"repeats must be >= 0, got {rep}")
    if shape is None:
        shape = fft_shape(n, rep, fast=False)
    L = (int(shape[2]), int(shape[1]), int(shape[0]))
    for a in range(3):
        if rep[a] and L[a] != n[a]:
            raise ValueError("a periodic axis needs an FFT length equal to its cell count")
        if not rep[a] and n[a] > 1 and L[a] < 2 * n[a] - 1:
            raise ValueError("an open axis needs an FFT length of at least 2n - 1")
    M = [(rep[a] * n[a] if rep[a] else n[a]) for a in range(3)]  # non-negative offsets
    K = {k: np.zeros((L[2], L[1], L[0])) for k in COMPONENTS}
    rows = max(1, min(block // M[0], n[1]))
    for k0 in range(M[2]):
        for j0 in range(0, M[1], rows):
            cy = min(rows, M[1] - j0)
            T = tensor_at((M[0], cy, 1), cell, start=(0, j0, k0), near_radius=near_radius)
            oy = np.arange(j0, j0 + cy)
            for name, par in COMPONENTS.items():
                F = _fold_axis(T[name][0], n[0], rep[0], L[0], par[0])
                for sely, ty, sy in _targets(oy, n[1], rep[1], L[1], par[1]):
                    if not sely.any():
                        continue
                    Fy = F[sely]
                    for selz, tz, sz in _targets([k0], n[2], rep[2], L[2], par[2]):
                        if selz.any():
                            K[name][tz[0], ty] += (sy * sz) * Fy
    return K
