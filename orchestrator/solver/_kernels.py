"""Fused numba kernels for the solver's hot loops (see :mod:`orchestrator.solver.jit`).

Every kernel repeats the floating-point operations of its numpy twin in the same
order (no fast-math, so no contraction into FMAs), so both give the same numbers.
Vector fields come as flat C-contiguous arrays of ``3 n`` values (``m.reshape(-1)``
of an ``(nz, ny, nx, 3)`` array); ``lo, hi`` is the range of cells (or rows of cells)
to process, so that the context's thread policy
(:meth:`orchestrator.solver.context.Threads.split`) can share a call among threads
(every kernel releases the GIL). Scalars must be passed in the arrays' dtype
(``np.float32(c)`` for float32 arrays), as numpy converts a Python float to the
array's dtype before multiplying.

Indices are unsigned (``uint64``) and arrays flat: with signed indices numba adds
a negative-index wrap-around test to every access, and with 2-d arrays the strides
are run-time values; either keeps LLVM from vectorising the loops (2–4× slower).
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import uint64

_OPTS = dict(cache=True, nogil=True, fastmath=False, boundscheck=False, error_model="numpy")

U0 = np.uint64(0)
U1 = np.uint64(1)
U2 = np.uint64(2)
U3 = np.uint64(3)


@nb.njit(**_OPTS)
def llg_rhs(m, H, out, k1, k2, lo, hi):
    """``out = k2 m×(m×H) + k1 m×H`` with scalar k1, k2 (``LLG.dmdt`` without torques)."""
    for k in range(uint64(lo), uint64(hi)):
        i = U3 * k
        mx = m[i]
        my = m[i + U1]
        mz = m[i + U2]
        hx = H[i]
        hy = H[i + U1]
        hz = H[i + U2]
        ax = my * hz - mz * hy
        ay = mz * hx - mx * hz
        az = mx * hy - my * hx
        out[i] = (my * az - mz * ay) * k2 + ax * k1
        out[i + U1] = (mz * ax - mx * az) * k2 + ay * k1
        out[i + U2] = (mx * ay - my * ax) * k2 + az * k1


@nb.njit(**_OPTS)
def llg_rhs_cells(m, H, out, k1, k2, lo, hi):
    """:func:`llg_rhs` with per-cell coefficients ``k1, k2`` of shape (n,)."""
    for k in range(uint64(lo), uint64(hi)):
        i = U3 * k
        mx = m[i]
        my = m[i + U1]
        mz = m[i + U2]
        hx = H[i]
        hy = H[i + U1]
        hz = H[i + U2]
        c1 = k1[k]
        c2 = k2[k]
        ax = my * hz - mz * hy
        ay = mz * hx - mx * hz
        az = mx * hy - my * hx
        out[i] = (my * az - mz * ay) * c2 + ax * c1
        out[i + U1] = (mz * ax - mx * az) * c2 + ay * c1
        out[i + U2] = (mx * ay - my * ax) * c2 + az * c1


@nb.njit(**_OPTS)
def axpy(out, a, c, base, lo, hi):
    """``out = a c + base`` (Heun's and RK4's predictor ``y = m + h k``)."""
    for i in range(U3 * uint64(lo), U3 * uint64(hi)):
        out[i] = a[i] * c + base[i]


@nb.njit(**_OPTS)
def normalize(m, tiny, lo, hi):
    """``m /= max(|m|, tiny)`` per cell (NaN stays NaN, zero vectors stay zero)."""
    for k in range(uint64(lo), uint64(hi)):
        i = U3 * k
        x = m[i]
        y = m[i + U1]
        z = m[i + U2]
        n = np.sqrt(x * x + y * y + z * z)
        if n < tiny:
            n = tiny
        m[i] = x / n
        m[i + U1] = y / n
        m[i + U2] = z / n


@nb.njit(**_OPTS)
def heun_finish(m, k1, k2, c, tiny, lo, hi):
    """Heun's corrector ``m += (k1 + k2) c`` (c = h/2), then :func:`normalize`."""
    for k in range(uint64(lo), uint64(hi)):
        i = U3 * k
        x = m[i] + (k1[i] + k2[i]) * c
        y = m[i + U1] + (k1[i + U1] + k2[i + U1]) * c
        z = m[i + U2] + (k1[i + U2] + k2[i + U2]) * c
        n = np.sqrt(x * x + y * y + z * z)
        if n < tiny:
            n = tiny
        m[i] = x / n
        m[i + U1] = y / n
        m[i + U2] = z / n


# ------------------------------------------------------------------------- demag
@nb.njit(**_OPTS)
def demag_product(b, kxx, kyy, kzz, kxy, kxz, kyz, Lz, W, Ly, w):
    """In place ``b ← N b`` for one column block of the demag spectrum.

    ``b``: the block ``(3, Lz, W, Ly)`` complex, flat as reals (real and imaginary
    parts interleaved); ``k..``: the real kernel spectrum, ``(Lz, w, Ly)`` each, flat;
    only the first ``w`` of the W columns are used. Per component the sum runs over
    x, y, z sources in that order, as the numpy path adds them.
    """
    L = uint64(Ly)
    cs = uint64(Lz) * uint64(W) * U2 * L    # component stride of b (reals)
    for z in range(uint64(Lz)):
        for j in range(uint64(w)):
            kb = (z * uint64(w) + j) * L
            bb = (z * uint64(W) + j) * U2 * L
            for q in range(U2 * L):
                t = kb + q // U2
                a = kxx[t]
                d = kyy[t]
                e = kzz[t]
                c = kxy[t]
                f = kxz[t]
                g = kyz[t]
                i = bb + q
                mx = b[i]
                my = b[i + cs]
                mz = b[i + U2 * cs]
                b[i] = mx * a + my * c + mz * f
                b[i + cs] = mx * c + my * d + mz * g
                b[i + U2 * cs] = mx * f + my * g + mz * e


@nb.njit(**_OPTS)
def demag_product_film(b, kxx, kyy, kzz, kxy, Lz, W, Ly, w):
    """:func:`demag_product` without the xz and yz components (a single layer)."""
    L = uint64(Ly)
    cs = uint64(Lz) * uint64(W) * U2 * L
    for z in range(uint64(Lz)):
        for j in range(uint64(w)):
            kb = (z * uint64(w) + j) * L
            bb = (z * uint64(W) + j) * U2 * L
            for q in range(U2 * L):
                t = kb + q // U2
                a = kxx[t]
                d = kyy[t]
                e = kzz[t]
                c = kxy[t]
                i = bb + q
                mx = b[i]
                my = b[i + cs]
                b[i] = mx * a + my * c
                b[i + cs] = mx * c + my * d
                b[i + U2 * cs] = b[i + U2 * cs] * e


# ---------------------------------------------------------------------- exchange
@nb.njit(**_OPTS)
def _neighbours(q, n, periodic):
    """Neighbour coordinates of q along an axis of n cells, in ascending offset order:
    ``(neg0, neg1, pos0, pos1)``, -1 where none (periodic axes need n >= 3 here)."""
    if n == 1:
        return -1, -1, -1, -1
    if not periodic:
        return (q - 1 if q > 0 else -1), -1, (q + 1 if q < n - 1 else -1), -1
    if q == 0:
        return -1, -1, 1, n - 1          # offsets +1 and +(n-1)
    if q == n - 1:
        return 0, n - 2, -1, -1          # offsets -(n-1) and -1
    return q - 1, -1, q + 1, -1


@nb.njit(**_OPTS)
def _sparse_cell(m, out, i, base, d, wx, wy, wz, xn0, xn1, xp0, xp1,
                 o0, o1, o2, o3, o4, o5, o6, o7, add, zero):
    """One cell of :func:`exchange_sparse`, every neighbour optional (o = 0: none)."""
    for c in range(3):
        acc = out[3 * i + c] if add else zero
        if o0 != 0:
            acc += wz * m[3 * (i + o0) + c]
        if o1 != 0:
            acc += wz * m[3 * (i + o1) + c]
        if o2 != 0:
            acc += wy * m[3 * (i + o2) + c]
        if o3 != 0:
            acc += wy * m[3 * (i + o3) + c]
        if xn0 >= 0:
            acc += wx * m[3 * (base + xn0) + c]
        if xn1 >= 0:
            acc += wx * m[3 * (base + xn1) + c]
        acc += d * m[3 * i + c]
        if xp0 >= 0:
            acc += wx * m[3 * (base + xp0) + c]
        if xp1 >= 0:
            acc += wx * m[3 * (base + xp1) + c]
        if o4 != 0:
            acc += wy * m[3 * (i + o4) + c]
        if o5 != 0:
            acc += wy * m[3 * (i + o5) + c]
        if o6 != 0:
            acc += wz * m[3 * (i + o6) + c]
        if o7 != 0:
            acc += wz * m[3 * (i + o7) + c]
        out[3 * i + c] = acc


@nb.njit(**_OPTS)
def exchange_sparse(m, out, diag, wx, wy, wz, nx, ny, nz, px, py, pz, add, zero, lo, hi):
    """The 6-neighbour exchange field with uniform link weights, in the order of the
    CSR product ``out += A m`` (scipy's ``csr_matvecs``: per row, the entries in
    ascending column order, each ``y += a x``): z, y, x neighbours below the cell,
    the diagonal, x, y, z neighbours above. ``add=False`` starts from ``zero``
    instead of ``out``. Rows ``(z, y)`` of cells ``lo .. hi - 1``.

    Cells with one neighbour or none on each side of an axis (all but the edges of
    periodic axes) take a branch-free loop in which a missing y or z neighbour is
    added with weight 0: the same value, up to the sign of a zero."""
    sz = nx * ny
    for r in range(lo, hi):
        z = r // ny
        y = r - z * ny
        base = r * nx
        zn0, zn1, zp0, zp1 = _neighbours(z, nz, pz)
        yn0, yn1, yp0, yp1 = _neighbours(y, ny, py)
        # cell offsets of the z and y neighbours (0: none)
        o0 = (zn0 - z) * sz if zn0 >= 0 else 0
        o1 = (zn1 - z) * sz if zn1 >= 0 else 0
        o2 = (yn0 - y) * nx if yn0 >= 0 else 0
        o3 = (yn1 - y) * nx if yn1 >= 0 else 0
        o4 = (yp0 - y) * nx if yp0 >= 0 else 0
        o5 = (yp1 - y) * nx if yp1 >= 0 else 0
        o6 = (zp0 - z) * sz if zp0 >= 0 else 0
        o7 = (zp1 - z) * sz if zp1 >= 0 else 0
        simple = o1 == 0 and o3 == 0 and o5 == 0 and o7 == 0 and nx >= 3
        if not simple:
            for x in range(nx):
                xn0, xn1, xp0, xp1 = _neighbours(x, nx, px)
                _sparse_cell(m, out, base + x, base, diag[base + x], wx, wy, wz,
                             xn0, xn1, xp0, xp1, o0, o1, o2, o3, o4, o5, o6, o7, add, zero)
            continue
        for x in (0, nx - 1):
            xn0, xn1, xp0, xp1 = _neighbours(x, nx, px)
            _sparse_cell(m, out, base + x, base, diag[base + x], wx, wy, wz,
                         xn0, xn1, xp0, xp1, o0, o1, o2, o3, o4, o5, o6, o7, add, zero)
        a0 = wz if o0 != 0 else zero
        a2 = wy if o2 != 0 else zero
        a4 = wy if o4 != 0 else zero
        a6 = wz if o6 != 0 else zero
        # start of each stream (flat index of the first interior cell's neighbour)
        s = uint64(3 * (base + 1))
        s0 = uint64(3 * (base + 1 + o0))
        s2 = uint64(3 * (base + 1 + o2))
        s4 = uint64(3 * (base + 1 + o4))
        s6 = uint64(3 * (base + 1 + o6))
        sd = uint64(base + 1)
        for k in range(uint64(nx - 2)):
            d = diag[sd + k]
            for c in range(U3):
                j = U3 * k + c
                acc = out[s + j] if add else zero
                acc += a0 * m[s0 + j]
                acc += a2 * m[s2 + j]
                acc += wx * m[s + j - U3]
                acc += d * m[s + j]
                acc += wx * m[s + j + U3]
                acc += a4 * m[s4 + j]
                acc += a6 * m[s6 + j]
                out[s + j] = acc


@nb.njit(**_OPTS)
def _links_cell(m, out, i, x, nx, px, wx, flags, y_wrap, z_wrap, sz, wy, wz, add, zero):
    """One cell of :func:`exchange_links`, every link optional."""
    x_next, x_prev = x < nx - 1, x > 0
    x_wlo, x_whi = px and nx > 1 and x == nx - 1, px and nx > 1 and x == 0
    y_next, y_prev, y_wlo, y_whi, z_next, z_prev, z_wlo, z_whi = flags
    for c in range(3):
        acc = out[3 * i + c] if add else zero
        mi = m[3 * i + c]
        if x_next:
            acc = acc + (m[3 * (i + 1) + c] - mi) * wx
        if x_prev:
            acc = acc - (mi - m[3 * (i - 1) + c]) * wx
        if x_wlo:
            acc = acc + (m[3 * (i - (nx - 1)) + c] - mi) * wx
        if x_whi:
            acc = acc - (mi - m[3 * (i + (nx - 1)) + c]) * wx
        if y_next:
            acc = acc + (m[3 * (i + nx) + c] - mi) * wy
        if y_prev:
            acc = acc - (mi - m[3 * (i - nx) + c]) * wy
        if y_wlo:
            acc = acc + (m[3 * (i - y_wrap) + c] - mi) * wy
        if y_whi:
            acc = acc - (mi - m[3 * (i + y_wrap) + c]) * wy
        if z_next:
            acc = acc + (m[3 * (i + sz) + c] - mi) * wz
        if z_prev:
            acc = acc - (mi - m[3 * (i - sz) + c]) * wz
        if z_wlo:
            acc = acc + (m[3 * (i - z_wrap) + c] - mi) * wz
        if z_whi:
            acc = acc - (mi - m[3 * (i + z_wrap) + c]) * wz
        out[3 * i + c] = acc


@nb.njit(**_OPTS)
def exchange_links(m, out, wx, wy, wz, nx, ny, nz, px, py, pz, add, zero, lo, hi):
    """The 6-neighbour exchange field with uniform link weights, in the order of the
    ufunc stencil (``Exchange._add_stencil``): per axis x, y, z the links as blocks
    (``d = (m_hi - m_lo) w``; ``H_lo += d``, then ``H_hi -= d``), the wrap-around
    block last. Rows ``(z, y)`` of cells ``lo .. hi - 1``. As in
    :func:`exchange_sparse`, cells away from x edges and wrap-arounds take a
    branch-free loop (a missing y or z link adds ``(m_i - m_i)·0``)."""
    sz = nx * ny
    y_wrap = (ny - 1) * nx
    z_wrap = (nz - 1) * sz
    for r in range(lo, hi):
        z = r // ny
        y = r - z * ny
        base = r * nx
        flags = (ny > 1 and y < ny - 1, ny > 1 and y > 0,
                 py and ny > 1 and y == ny - 1, py and ny > 1 and y == 0,
                 nz > 1 and z < nz - 1, nz > 1 and z > 0,
                 pz and nz > 1 and z == nz - 1, pz and nz > 1 and z == 0)
        simple = not (flags[2] or flags[3] or flags[6] or flags[7]) and nx >= 3
        if not simple:
            for x in range(nx):
                _links_cell(m, out, base + x, x, nx, px, wx, flags, y_wrap, z_wrap, sz,
                            wy, wz, add, zero)
            continue
        for x in (0, nx - 1):
            _links_cell(m, out, base + x, x, nx, px, wx, flags, y_wrap, z_wrap, sz,
                        wy, wz, add, zero)
        ayn = wy if flags[0] else zero
        ayp = wy if flags[1] else zero
        azn = wz if flags[4] else zero
        azp = wz if flags[5] else zero
        s = uint64(3 * (base + 1))
        syn = uint64(3 * (base + 1 + (nx if flags[0] else 0)))
        syp = uint64(3 * (base + 1 - (nx if flags[1] else 0)))
        szn = uint64(3 * (base + 1 + (sz if flags[4] else 0)))
        szp = uint64(3 * (base + 1 - (sz if flags[5] else 0)))
        for j in range(U3 * uint64(nx - 2)):
            acc = out[s + j] if add else zero
            mi = m[s + j]
            acc = acc + (m[s + j + U3] - mi) * wx
            acc = acc - (mi - m[s + j - U3]) * wx
            acc = acc + (m[syn + j] - mi) * ayn
            acc = acc - (mi - m[syp + j]) * ayp
            acc = acc + (m[szn + j] - mi) * azn
            acc = acc - (mi - m[szp + j]) * azp
            out[s + j] = acc


# -------------------------------------------------------------------------- heun
@nb.njit(**_OPTS)
def heun_predict(m, H, k1, y, c1, c2, h, lo, hi):
    """Heun's first stage fused: ``k1 = llg_rhs(m, H)`` (scalar c1, c2 as k1, k2 of
    :func:`llg_rhs`) and the predictor ``y = k1 h + m`` in the same pass."""
    for k in range(uint64(lo), uint64(hi)):
        i = U3 * k
        mx = m[i]
        my = m[i + U1]
        mz = m[i + U2]
        hx = H[i]
        hy = H[i + U1]
        hz = H[i + U2]
        ax = my * hz - mz * hy
        ay = mz * hx - mx * hz
        az = mx * hy - my * hx
        rx = (my * az - mz * ay) * c2 + ax * c1
        ry = (mz * ax - mx * az) * c2 + ay * c1
        rz = (mx * ay - my * ax) * c2 + az * c1
        k1[i] = rx
        k1[i + U1] = ry
        k1[i + U2] = rz
        y[i] = rx * h + mx
        y[i + U1] = ry * h + my
        y[i + U2] = rz * h + mz


@nb.njit(**_OPTS)
def heun_correct(y, H, k1, m, c1, c2, half_h, tiny, lo, hi):
    """Heun's second stage fused: ``k2 = llg_rhs(y, H)``, then
    ``m = normalize(m + (k1 + k2) h/2)`` in the same pass (k2 is not stored)."""
    for k in range(uint64(lo), uint64(hi)):
        i = U3 * k
        mx = y[i]
        my = y[i + U1]
        mz = y[i + U2]
        hx = H[i]
        hy = H[i + U1]
        hz = H[i + U2]
        ax = my * hz - mz * hy
        ay = mz * hx - mx * hz
        az = mx * hy - my * hx
        rx = (my * az - mz * ay) * c2 + ax * c1
        ry = (mz * ax - mx * az) * c2 + ay * c1
        rz = (mx * ay - my * ax) * c2 + az * c1
        x = m[i] + (k1[i] + rx) * half_h
        yy = m[i + U1] + (k1[i + U1] + ry) * half_h
        z = m[i + U2] + (k1[i + U2] + rz) * half_h
        n = np.sqrt(x * x + yy * yy + z * z)
        if n < tiny:
            n = tiny
        m[i] = x / n
        m[i + U1] = yy / n
        m[i + U2] = z / n


# the fourth-order terms' kernels, reached as ctx.kernels.<name> like the others
from orchestrator.solver._kernels_fd4 import dmi4_field, zhangli4_torque  # noqa: E402,F401
