"""Uniaxial magnetocrystalline anisotropy with any axis, static or time-dependent.

Energy density ``e = −K1 (m·u)² − K2 (m·u)⁴`` (mumax3's Ku1, Ku2; OOMMF's
``Oxs_UniaxialAnisotropy`` has K1 only), field

    ``H = (2 K1 (m·u) + 4 K2 (m·u)³) u / (μ0 Ms)``.

K1 > 0 is an easy axis, K1 < 0 an easy plane. The axis u is any unit vector per cell or
region. K1, K2 and u may each be a function of time, evaluated once per
:meth:`UniaxialAnisotropy.add_field` call: a second, in-plane axis whose strength and
direction follow a strain pulse is a second term, e.g.
``UniaxialAnisotropy(K1=pulse(2e4, 0, 1e-9), axis=lambda t: (np.cos(w*t), np.sin(w*t), 0))``.

Energy convention: with ``energy_offset=True`` (default) cells with K1 > 0 report
``K1 |m × u|²`` = ``K1 (1 − (m·u)²)`` instead of ``−K1 (m·u)²``, as OOMMF does (its
tables hold that value; the cross-product form keeps the digits of a nearly aligned m).
The two differ by the constant ``K1 V`` per cell, so fields and dynamics are the same;
``energy_offset=False`` gives mumax3's ``−K1 (m·u)²``.

Examples
--------
>>> import numpy as np
>>> from orchestrator.solver.mesh import Mesh
>>> mesh = Mesh(n=(2, 1, 1), cell=(1e-9, 1e-9, 1e-9), Ms=1e6)
>>> an = UniaxialAnisotropy(K1=5e5, axis=(0, 0, 1))
>>> an.setup(mesh)
>>> m = np.array([[[[0.6, 0.0, 0.8], [0.0, 0.0, 1.0]]]])
>>> H = an.field(m)
>>> bool(np.allclose(H[0, 0, :, 2], 2 * 5e5 * np.array([0.8, 1.0]) / (MU0 * 1e6)))
True
>>> round(an.energy(m) / (5e5 * 1e-27), 12)  # K1 (1 - 0.8²) V + 0
0.36
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mmstudy.constants import MU0
from orchestrator.solver.context import Context
from orchestrator.solver.mesh import Mesh, region_mask
from orchestrator.solver.terms.base import FieldTerm

__all__ = ["UniaxialAnisotropy"]


def _unit(v: np.ndarray) -> np.ndarray:
    """Normalise vectors along the last axis; zero vectors stay zero."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.divide(v, n, out=np.zeros_like(v), where=n > 0)


class UniaxialAnisotropy(FieldTerm):
    """Uniaxial anisotropy ``−K1 (m·u)² − K2 (m·u)⁴``.

    Parameters
    ----------
    K1 : float, mapping, ndarray or callable
        First constant in J/m³: one value, ``{region: K1}`` (other regions 0), an array
        ``(nz, ny, nx)``, or a callable ``K1(t)`` returning a number or such an array.
    axis : vector, mapping, ndarray or callable
        Anisotropy axis (normalised here): a 3-vector, ``{region: vector}``, an array
        ``(nz, ny, nx, 3)``, or a callable ``axis(t)`` returning a vector or such an array.
    K2 : float, mapping, ndarray or callable
        Second constant in J/m³ (default 0), same forms as K1.
    regions : region name/index or list of them, optional
        Restrict the term to these regions.
    energy_offset : bool
        Report ``K1 |m×u|²`` for K1 > 0 (OOMMF, default) or ``−K1 (m·u)²`` (mumax3).
    name : str, optional
        Column / snapshot name (default ``"anis"``, mumax3's ``E_anis``).
    """

    name = "anis"
    energy_factor = 0.5

    def __init__(self, K1, axis, K2=0.0, regions=None, energy_offset: bool = True,
                 name: str | None = None) -> None:
        self.K1, self.axis, self.K2 = K1, axis, K2
        self.regions = regions
        self.energy_offset = energy_offset
        if name is not None:
            self.name = name

    @property
    def time_dependent(self) -> bool:
        """Whether any parameter is a function of time."""
        return any(callable(p) for p in (self.K1, self.K2, self.axis))

    # ------------------------------------------------------------------ setup
    def setup(self, ctx: Context | Mesh) -> None:
        """Resolve per-cell parameters, the region mask and work buffers."""
        super().setup(ctx)
        mesh = self.mesh
        mask = region_mask(mesh, self.regions)
        live = mesh.magnetic if mask is None else (mesh.magnetic & mask)
        self._live = live
        inv = np.divide(1.0, MU0 * mesh.Ms, out=np.zeros_like(mesh.Ms), where=live)
        # 1/(μ0 Ms) on the cells this term acts on, 0 elsewhere (scalar if uniform)
        self._inv64 = float(inv.flat[0]) if np.all(inv == inv.flat[0]) else inv
        self._K1 = None if callable(self.K1) else self._scalar_param(self.K1)
        self._K2 = None if callable(self.K2) else self._scalar_param(self.K2)
        self._u = None if callable(self.axis) else self._axis_param(self.axis)
        self._has_K2 = callable(self.K2) or not _is_zero(self._K2)
        if self._K1 is not None:
            k1c = 2.0 * self._K1 * inv
            self._k1c64 = float(k1c.flat[0]) if np.all(k1c == k1c.flat[0]) else k1c
        self._dtype = None
        self._allocate(self.ctx.dtype)

    def _scalar_param(self, value) -> float | np.ndarray:
        """K as a float (uniform over the live cells) or a per-cell array."""
        mesh = self.mesh
        if isinstance(value, Mapping):
            value = mesh.per_cell(value)
        value = np.asarray(value, dtype=np.float64)
        if value.ndim == 0:
            return float(value)
        return np.broadcast_to(value, mesh.shape).copy()

    def _axis_param(self, value) -> np.ndarray:
        """Unit axis: shape (3,) if uniform, else ``(nz, ny, nx, 3)``."""
        if isinstance(value, Mapping):
            value = self.mesh.per_cell_vector(value)
        u = np.asarray(value, dtype=np.float64)
        if u.shape != (3,):
            u = np.broadcast_to(u, self.mesh.shape + (3,))
        u = _unit(u)
        if u.shape == (3,) and not u.any():
            raise ValueError("the anisotropy axis must not be the zero vector")
        return u

    def _allocate(self, dtype) -> None:
        dtype = np.dtype(dtype)
        if self._dtype is not None and dtype == self._dtype:
            return
        self._dtype = dtype
        xp = self.xp
        shape = self.mesh.shape
        self._dot = xp.empty(shape, dtype)
        self._coef = xp.empty(shape, dtype)
        self._tmp = xp.empty(shape, dtype)
        # coefficients in the working dtype, from the float64 originals
        def cast(w):
            return xp.asarray(w.astype(dtype)) if isinstance(w, np.ndarray) else w
        self._inv = cast(self._inv64)
        if self._K1 is not None:
            self._k1c = cast(self._k1c64)

    # --------------------------------------------------------------- evaluate
    def parameters(self, t: float) -> tuple:
        """``(K1, K2, u)`` at time t: numbers or per-cell arrays, u normalised."""
        K1 = self._scalar_param(self.K1(t)) if callable(self.K1) else self._K1
        K2 = self._scalar_param(self.K2(t)) if callable(self.K2) else self._K2
        u = self._axis_param(self.axis(t)) if callable(self.axis) else self._u
        return K1, K2, u

    def add_field(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        """Add the anisotropy field (A/m) at time ``t`` into ``out``."""
        if m.dtype != self._dtype:
            self._allocate(m.dtype)
        K1, K2, u = self.parameters(t)
        xp = self.xp
        dot, coef, tmp = self._dot, self._coef, self._tmp
        uniform = u.shape == (3,)
        axis = _coordinate_axis(u) if uniform else None
        # dot = m·u (per component: strided ufuncs beat a length-3 inner loop)
        if axis is not None:  # u = ±e_axis: one component
            xp.multiply(m[..., axis], u[axis], out=dot)
        elif uniform:
            xp.matmul(m, xp.asarray(u.astype(m.dtype, copy=False)), out=dot)
        else:
            xp.multiply(m[..., 0], u[..., 0], out=dot)
            for c in (1, 2):
                xp.multiply(m[..., c], u[..., c], out=tmp)
                xp.add(dot, tmp, out=dot)
        # dot <- (2 K1 + 4 K2 dot²) dot / (μ0 Ms), zero outside the term's cells
        if self._has_K2:
            xp.multiply(dot, dot, out=coef)
            xp.multiply(coef, K2, out=coef)
            xp.multiply(coef, 2.0, out=coef)
            xp.add(coef, K1, out=coef)
            xp.multiply(coef, self._inv, out=coef)
            xp.multiply(coef, 2.0, out=coef)
            xp.multiply(dot, coef, out=dot)
        elif K1 is self._K1:  # static: 2 K1/(μ0 Ms) precomputed
            xp.multiply(dot, self._k1c, out=dot)
        else:
            xp.multiply(dot, self._inv, out=dot)
            xp.multiply(dot, K1, out=dot)
            xp.multiply(dot, 2.0, out=dot)
        # H = dot u, component by component
        if axis is not None:
            o = out[..., axis]
            (xp.add if u[axis] > 0 else xp.subtract)(o, dot, out=o)
            return
        for c in range(3):
            uc = u[c] if uniform else u[..., c]
            if uniform and uc == 0.0:
                continue
            xp.multiply(dot, uc, out=tmp)
            o = out[..., c]
            xp.add(o, tmp, out=o)

    def energy_density(self, m: np.ndarray, t: float = 0.0, H: np.ndarray | None = None) -> np.ndarray:
        """Energy density (J/m³) per cell, OOMMF's convention if ``energy_offset``."""
        K1, K2, u = self.parameters(t)
        xp = self.xp
        live = xp.asarray(self._live)
        K1 = xp.where(live, xp.asarray(K1), 0.0)
        ub = xp.broadcast_to(xp.asarray(u), m.shape)
        dot = xp.einsum("...c,...c->...", m, ub)
        d2 = dot * dot
        if self.energy_offset:
            cross = xp.cross(ub, m)
            e = xp.where(K1 > 0, K1 * xp.einsum("...c,...c->...", cross, cross), -K1 * d2)
        else:
            e = -K1 * d2
        if self._has_K2:
            e = e - xp.where(live, xp.asarray(K2), 0.0) * d2 * d2
        return e


def _is_zero(K) -> bool:
    return bool(np.all(np.asarray(K) == 0))


def _coordinate_axis(u: np.ndarray) -> int | None:
    """0/1/2 if u is ±x/±y/±z exactly, else None."""
    nz = np.flatnonzero(u)
    return int(nz[0]) if nz.size == 1 and abs(u[nz[0]]) == 1.0 else None
