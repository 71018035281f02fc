"""Fused numba kernels of the fourth-order terms: DMI (:mod:`.terms.dmi4`) and the
Zhang–Li torque with ``order=4`` (:mod:`.torques.zhangli`).

Their numpy twins apply the seven-tap bands of :mod:`orchestrator.solver.fd4` as a
dozen strided slice operations per axis (about a third of a step's time at 128² in
paper 003's runs); these kernels make one pass over the cells. Each repeats its twin's
floating-point operations in the same order (see :mod:`orchestrator.solver._kernels`,
which re-exports them for ``ctx.kernels``), so the two give the same numbers
(``tests/solver/test_kernels_fd4.py``).

A band of an axis with ``n`` cells comes as two flat tables (:func:`orchestrator.solver.fd4.band_tables`) of ``7 n`` entries: ``C[7 i
+ t]``, the coefficient of target cell ``i`` on source offset ``t − 3``, and ``J[7 i +
t]``, the source's index along the axis (wrapped on a periodic axis; any valid index
where the coefficient is 0, as at a free edge's one-sided rows). Taps with a zero
coefficient are skipped, where the twin adds ``0·m`` (only the sign of a zero can
differ). Fields are flat ``3 N`` arrays of an ``(nz, ny, nx, 3)`` C-order field; the
range ``lo, hi`` counts rows of ``nx`` cells, so a call can be shared among threads.
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
U7 = np.uint64(7)


@nb.njit(inline="always", **_OPTS)
def _band(m, C, J, ia, base, stride, ua, g0, g1, g2):
    """``g += Σ_t (ua·C[7 ia + t]) m[base + J[7 ia + t]·stride]``, tap by tap in order of
    their offset, zero coefficients skipped (``ua`` = 1 multiplies nothing away)."""
    row = U7 * ia
    for t in range(7):
        c = C[row + uint64(t)]
        if c != 0.0:
            f = ua * c
            src = U3 * (base + J[row + uint64(t)] * stride)
            g0 = g0 + m[src] * f
            g1 = g1 + m[src + U1] * f
            g2 = g2 + m[src + U2] * f
    return g0, g1, g2


@nb.njit(inline="always", **_OPTS)
def _add_b_cross(s0, s1, s2, b, g0, g1, g2):
    """``s += b × g`` as ``DMI4.operator`` adds it: ``s_p += g_r b_q``, then
    ``s_p += g_q (−b_r)``, (p, q, r) cyclic, zero components of ``b`` skipped."""
    if b[1] != 0.0:
        s0 = s0 + g2 * b[1]
    if b[2] != 0.0:
        s0 = s0 + g1 * -b[2]
    if b[2] != 0.0:
        s1 = s1 + g0 * b[2]
    if b[0] != 0.0:
        s1 = s1 + g2 * -b[0]
    if b[0] != 0.0:
        s2 = s2 + g1 * b[0]
    if b[1] != 0.0:
        s2 = s2 + g0 * -b[1]
    return s0, s1, s2


@nb.njit(**_OPTS)
def dmi4_field(m, H, nx, ny, nz, Cx, Jx, bx, Cy, Jy, by, Cz, Jz, bz, hc, hc_cells,
               per_cell, lo, hi):
    """``H += hcoef · Σ_a b_a × (K_a m)`` (``DMI4.operator`` then ``add_field``); an axis
    whose table is empty is skipped; ``hcoef`` is ``hc`` or, with ``per_cell``,
    ``hc_cells[cell]``."""
    nx = uint64(nx)
    ny = uint64(ny)
    nxy = nx * ny
    ax, ay, az = Cx.size > 0, Cy.size > 0, Cz.size > 0
    for r in range(uint64(lo), uint64(hi)):
        iz = r // ny
        iy = r - iz * ny
        for ix in range(nx):
            cell = r * nx + ix
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            if ax:
                g0, g1, g2 = _band(m, Cx, Jx, ix, r * nx, U1, 1.0, 0.0, 0.0, 0.0)
                s0, s1, s2 = _add_b_cross(s0, s1, s2, bx, g0, g1, g2)
            if ay:
                g0, g1, g2 = _band(m, Cy, Jy, iy, iz * nxy + ix, nx, 1.0, 0.0, 0.0, 0.0)
                s0, s1, s2 = _add_b_cross(s0, s1, s2, by, g0, g1, g2)
            if az:
                g0, g1, g2 = _band(m, Cz, Jz, iz, iy * nx + ix, nxy, 1.0, 0.0, 0.0, 0.0)
                s0, s1, s2 = _add_b_cross(s0, s1, s2, bz, g0, g1, g2)
            h = hc_cells[cell] if per_cell else hc
            i = U3 * cell
            H[i] = H[i] + s0 * h
            H[i + U1] = H[i + U1] + s1 * h
            H[i + U2] = H[i + U2] + s2 * h


@nb.njit(**_OPTS)
def zhangli4_torque(m, out, nx, ny, nz, c0, Cx, Jx, ux, Cy, Jy, uy, Cz, Jz, uz, xi, amp,
                    lo, hi):
    """``out −= amp [m×(m×g) + ξ m×g]`` with ``g = c0 m + Σ_a (u_a C_a) m[src]``, the
    fourth-order ``(u·∇)m`` (``ZhangLi.gradient`` then ``add_torque``); ``c0`` empty:
    no diagonal; ``amp`` = 1 multiplies nothing (the twin skips it)."""
    nx = uint64(nx)
    ny = uint64(ny)
    nxy = nx * ny
    ax, ay, az = Cx.size > 0, Cy.size > 0, Cz.size > 0
    for r in range(uint64(lo), uint64(hi)):
        iz = r // ny
        iy = r - iz * ny
        for ix in range(nx):
            cell = r * nx + ix
            i = U3 * cell
            mx = m[i]
            my = m[i + U1]
            mz = m[i + U2]
            if c0.size:
                g0 = mx * c0[cell]
                g1 = my * c0[cell]
                g2 = mz * c0[cell]
            else:
                g0 = 0.0
                g1 = 0.0
                g2 = 0.0
            if ax:
                ua = ux[cell]
                if ua != 0.0:
                    g0, g1, g2 = _band(m, Cx, Jx, ix, r * nx, U1, ua, g0, g1, g2)
            if ay:
                ua = uy[cell]
                if ua != 0.0:
                    g0, g1, g2 = _band(m, Cy, Jy, iy, iz * nxy + ix, nx, ua, g0, g1, g2)
            if az:
                ua = uz[cell]
                if ua != 0.0:
                    g0, g1, g2 = _band(m, Cz, Jz, iz, iy * nx + ix, nxy, ua, g0, g1, g2)
            # c = m × g, d = m × c (base.cross's operations), then d + ξ c
            c_0 = my * g2 - mz * g1
            c_1 = mz * g0 - mx * g2
            c_2 = mx * g1 - my * g0
            d0 = my * c_2 - mz * c_1
            d1 = mz * c_0 - mx * c_2
            d2 = mx * c_1 - my * c_0
            d0 = d0 + c_0 * xi
            d1 = d1 + c_1 * xi
            d2 = d2 + c_2 * xi
            if amp != 1.0:
                d0 = d0 * amp
                d1 = d1 * amp
                d2 = d2 * amp
            out[i] = out[i] - d0
            out[i + U1] = out[i + U1] - d1
            out[i + U2] = out[i + U2] - d2

