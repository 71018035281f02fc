"""Zhang–Li spin-transfer torque of an in-plane (or any) current, mumax3's convention.

Gilbert form (the convention of :mod:`analysis.thiele`)::

    T = (u·∇)m − ξ m×(u·∇)m,        u = μB P j / (e Ms (1 + ξ²))  (m/s),

with ξ the non-adiabaticity (paper 002's β) and u mumax3's drift velocity
(``cuda/zhangli2.cu``: ``b = μB/(2 e γ0 Ms (1+ξ²))`` times ``(m₊₁ − m₋₁)/Δ``, with
mumax3's ``γ0 = GammaLL``, so u does not depend on γ). The engine's conversion to the
explicit form gives ``−[(1+ξα) m×(m×g) + (ξ−α) m×g]/(1+α²)`` with ``g = (u·∇)m``,
mumax3's expression. For ξ = α a texture moves rigidly with ``V = −u`` (along the
electron flow, against j), as :func:`analysis.thiele.thiele_velocity` predicts.

Discretisation. ``g = Σ_a u_a ∂_a m`` with the central difference
``∂_a m ≈ (m₊₁ − m₋₁)/(2Δ_a)``; periodic axes wrap around. A neighbour outside the
mesh (free edge) or in an empty cell is replaced by the cell itself (a mirror ghost
cell, the Neumann condition ∂m/∂n = 0 that the exchange stencil uses too), so at an
edge ``∂_a m ≈ (m₊₁ − m)/(2Δ_a)``. At mesh edges this is mumax3's clamped stencil;
next to an empty cell mumax3 reads that cell's m = 0 instead (no Ms check in
``zhangli2.cu``) — a documented difference, irrelevant for periodic films.

Fourth order (``order=4``; a study's ``ZhangLiDrive.order``). ``∂_a m`` is the
fourth-order first derivative of :mod:`orchestrator.solver.fd4`:
``[8(m₊₁ − m₋₁) − (m₊₂ − m₋₂)]/(12Δ_a)``, wrapped on periodic axes; on an open axis
the four cells nearest each edge use the one-sided rows of the summation-by-parts
operator ``H⁻¹Q`` that the fourth-order DMI is built from (second order there, no
ghost cell), so a uniform m has no gradient anywhere. It needs a fully magnetic mesh
and, along an open axis that carries current, 1 or at least 8 cells.
In the torque ``−m×(m×g)`` replaces g, which projects out the part of the discrete
derivative along m (zero in the continuum), so T ⟂ m exactly.

Examples
--------
>>> from orchestrator.solver.mesh import Mesh
>>> mesh = Mesh(n=(8, 1, 1), cell=(1e-9,) * 3, Ms=5.8e5, pbc="x")
>>> zl = ZhangLi(j=(1e12, 0, 0), P=0.4, xi=0.0)
>>> zl.setup(mesh)
>>> round(float(zl.u[0, 0, 0, 0]), 2)  # mmstudy.spintorque.zhang_li_u
39.92
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from mmstudy.spintorque import zhang_li_u
from orchestrator.solver.context import Context
from orchestrator.solver.fd4 import band_tables, derivative_band, pairs
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.torques.base import Torque, amplitude_of, cross

__all__ = ["ZhangLi"]

# mesh axis (x, y, z) -> array axis of (nz, ny, nx, 3)
_ARRAY_AXIS = {0: 2, 1: 1, 2: 0}


def _vector_param(mesh: Mesh, value) -> np.ndarray:
    """A vector parameter per cell (nz, ny, nx, 3); 2-vectors get a zero z component."""
    def pad(v):
        v = np.asarray(v, dtype=np.float64)
        if v.shape == (2,):
            v = np.append(v, 0.0)
        return v

    if isinstance(value, Mapping):
        value = {k: pad(v) for k, v in value.items()}
    elif np.ndim(value) == 1:
        value = pad(value)
    return mesh.per_cell_vector(value)


class ZhangLi(Torque):
    """Zhang–Li torque (adiabatic and non-adiabatic), mumax3's convention.

    Give either the drift velocity ``u`` or the current density ``j`` with the
    polarisation ``P``.

    Parameters
    ----------
    u : 2- or 3-vector, mapping {region: vector} or ndarray (nz, ny, nx, 3), optional
        mumax3's u in m/s (:func:`mmstudy.spintorque.zhang_li_u`; paper 003's I, minus
        paper 002's v_s).
    j : 2- or 3-vector, mapping or ndarray, optional
        Current density in A/m²; ``u = μB P j/(e Ms (1+ξ²))`` per cell.
    P : float or mapping, optional
        Spin polarisation (with ``j``).
    xi : float, mapping or ndarray (nz, ny, nx)
        Non-adiabaticity ξ (paper 002's β).
    amplitude : float or callable t -> float, optional
        Time-dependent factor multiplying u (default 1).
    order : {2, 4}
        Finite-difference order of ``(u·∇)m`` (see the module notes).

    Attributes
    ----------
    u : ndarray (nz, ny, nx, 3)
        Drift velocity per cell (zero in empty cells), after :meth:`setup`.
    """

    name = "zhangli"

    def __init__(self, *, u=None, j=None, P: float | Mapping | None = None,
                 xi: float | Mapping | np.ndarray = 0.0,
                 amplitude: float | Callable[[float], float] | None = None,
                 order: int = 2) -> None:
        if order not in (2, 4):
            raise ValueError(f"order must be 2 or 4, not {order!r}")
        self.order = order
        if (u is None) == (j is None):
            raise ValueError("give either u (m/s) or j (A/m²) with P")
        if j is not None and P is None:
            raise ValueError("a current density j needs the polarisation P")
        self.u_in, self.j_in, self.P_in = u, j, P
        self.xi_in = xi
        self.amplitude = amplitude

    def setup(self, ctx: Context | Mesh, **options) -> None:
        super().setup(ctx, **options)
        mesh, xp = self.mesh, self.xp
        mag = mesh.magnetic
        xi = mesh.per_cell(self.xi_in)
        if self.u_in is not None:
            u = _vector_param(mesh, self.u_in)
        else:
            j = _vector_param(mesh, self.j_in)
            P = mesh.per_cell(self.P_in)
            Ms = np.where(mag, mesh.Ms, 1.0)
            # u per unit current (j = 1 A/m²) times j: the operations of u at j
            u = zhang_li_u(1.0, P=P, Ms=Ms, xi=xi)[..., None] * j
        u[~mag] = 0.0
        self.u = u
        xim = xi[mag]
        self._xi: float | np.ndarray = (float(xim.flat[0]) if xim.size and np.all(xim == xim.flat[0])
                                        else xp.asarray(xi[..., None].astype(self.dtype)))
        if self.order == 4:
            self._build_stencil4(mesh, mag, u)
        else:
            self._build_stencil(mesh, mag, u)
        shape = mesh.shape
        self._g = xp.zeros(shape + (3,), self.dtype)
        self._c = xp.zeros(shape + (3,), self.dtype)
        self._d = xp.zeros(shape + (3,), self.dtype)
        self._tmp = xp.zeros(shape, self.dtype)

    def _compact(self, c: np.ndarray, dtype) -> float | np.ndarray:
        """A coefficient array (in the context's array module), or a float when it is
        constant."""
        if np.all(c == c.flat[0]):
            return float(c.flat[0])
        return self.xp.asarray(c.astype(dtype))

    def _build_stencil(self, mesh: Mesh, mag: np.ndarray, u: np.ndarray) -> None:
        """Per axis: the slices and coefficients of ``c₊ m[i+1] − c₋ m[i−1]`` plus ``c₀ m``."""
        self._passes: list[tuple[tuple, tuple, float | np.ndarray]] = []
        c0 = np.zeros(mesh.shape)
        for a in range(3):
            n, ax = mesh.n[a], _ARRAY_AXIS[a]
            ua = u[..., a]
            if n == 1 or not np.any(ua != 0):
                continue
            periodic = "xyz"[a] in mesh.pbc
            h = mesh.cell[a]
            for k in (1, -1):
                if periodic:
                    nb = np.roll(mag, -k, axis=ax)
                else:
                    nb = np.zeros_like(mag)
                    s_dst = [slice(None)] * 3
                    s_src = [slice(None)] * 3
                    s_dst[ax], s_src[ax] = (slice(0, n - 1), slice(1, n)) if k == 1 else \
                        (slice(1, n), slice(0, n - 1))
                    nb[tuple(s_dst)] = mag[tuple(s_src)]
                coef = k * ua * nb / (2.0 * h)     # +c₊ for m[i+1], −c₋ for m[i−1]
                c0 -= coef                          # the missing neighbour is the cell itself
                # slice pairs (dst, src) with out[dst] += coef[dst] * m[src]
                pairs = []
                lo, hi = (slice(0, n - 1), slice(1, n)) if k == 1 else (slice(1, n), slice(0, n - 1))
                pairs.append((lo, hi))
                if periodic:
                    pairs.append((slice(n - 1, n), slice(0, 1)) if k == 1 else
                                 (slice(0, 1), slice(n - 1, n)))
                for dst, src in pairs:
                    d = [slice(None)] * 4
                    s = [slice(None)] * 4
                    d[ax], s[ax] = dst, src
                    cd = coef[..., None][tuple(d)]
                    self._passes.append((tuple(d), tuple(s), self._compact(cd, self.dtype)))
        # c0 is exactly zero where both neighbours exist
        self._c0 = None if not np.any(c0 != 0) else self._compact(c0[..., None], self.dtype)

    def _build_stencil4(self, mesh: Mesh, mag: np.ndarray, u: np.ndarray) -> None:
        """Per axis and offset k: ``out[dst] += u_a c_k / Δ_a × m[src]`` (fd4's bands)."""
        if not mag.all():
            raise ValueError("the fourth-order Zhang–Li torque needs a fully magnetic mesh "
                             "(no Ms = 0 cells); use order=2")
        self._passes = []
        c0 = np.zeros(mesh.shape)
        tables: dict[int, tuple] = {}
        for a in range(3):
            n, ax = mesh.n[a], _ARRAY_AXIS[a]
            ua = u[..., a]
            if n == 1 or not np.any(ua != 0):
                continue
            periodic = "xyz"[a] in mesh.pbc
            band = derivative_band(n, periodic) / mesh.cell[a]
            tables[a] = (*band_tables(band, periodic),
                         np.ascontiguousarray(ua.reshape(-1), dtype=np.float64))
            shape = [1, 1, 1]
            shape[ax] = n
            if band[3].any():  # the diagonal of the one-sided edge rows
                c0 += ua * band[3].reshape(shape)
            for k in (-3, -2, -1, 1, 2, 3):
                if not band[k + 3].any():
                    continue
                coef = ua * band[k + 3].reshape(shape)
                for dst, src in pairs(n, k, periodic):
                    d = [slice(None)] * 4
                    s = [slice(None)] * 4
                    d[ax], s[ax] = dst, src
                    cd = coef[..., None][tuple(d)]
                    if cd.any():
                        self._passes.append((tuple(d), tuple(s), self._compact(cd, self.dtype)))
        self._c0 = None if not np.any(c0 != 0) else self._compact(c0[..., None], self.dtype)
        self._jit4 = self._jit4_setup(tables, c0)

    def _jit4_setup(self, tables: dict, c0: np.ndarray) -> tuple | None:
        """The arguments of ``ctx.kernels.zhangli4_torque`` between ``out`` and ``ξ``
        (None without kernels, or with ξ varying over the cells)."""
        if self.ctx.kernels is None or not isinstance(self._xi, float):
            return None
        nz, ny, nx = self.mesh.shape
        empty = (np.zeros(0), np.zeros(0, np.uint64), np.zeros(0))
        diag = (np.zeros(0) if self._c0 is None else
                np.ascontiguousarray(np.broadcast_to(c0, self.mesh.shape).reshape(-1)))
        args = [nx, ny, nz, diag]
        for a in range(3):
            args.extend(tables.get(a, empty))
        return tuple(args)

    def gradient(self, m: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``g = (u·∇)m`` (1/s, without the time amplitude) into ``out``."""
        xp = self.xp
        if self._c0 is None:
            out.fill(0.0)
        else:
            xp.multiply(m, self._c0, out=out)
        d = self._d  # scratch
        for dst, src, coef in self._passes:
            o, tmp = out[dst], d[dst]
            xp.multiply(m[src], coef, out=tmp)
            xp.add(o, tmp, out=o)
        return out

    def add_torque(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        """Add ``a(t)[−m×(m×g) − ξ m×g]``, ``g = (u·∇)m``, into ``out``."""
        amp = amplitude_of(self.amplitude, t)
        if amp == 0.0 or not self._passes:
            return
        jit = getattr(self, "_jit4", None)
        if (jit is not None and m.dtype == np.float64 and out.dtype == np.float64
                and m.flags.c_contiguous and out.flags.c_contiguous
                and m.shape == out.shape == self.mesh.shape + (3,)):
            nz, ny, _ = self.mesh.shape
            self.ctx.threads.split(self.ctx.kernels.zhangli4_torque, nz * ny, m.reshape(-1),
                                   out.reshape(-1), *jit, self._xi, float(amp),
                                   cells=self.mesh.n[0])
            return
        xp = self.xp
        g, c, d, tmp = self._g, self._c, self._d, self._tmp
        self.gradient(m, g)
        cross(m, g, c, tmp, xp=xp)   # c = m×g
        cross(m, c, d, tmp, xp=xp)   # d = m×(m×g)
        xp.multiply(c, self._xi, out=c)
        xp.add(d, c, out=d)          # d = m×(m×g) + ξ m×g = −T
        if amp != 1.0:
            xp.multiply(d, amp, out=d)
        xp.subtract(out, d, out=out)
