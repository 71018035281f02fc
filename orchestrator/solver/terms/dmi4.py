r"""Fourth-order DMI (``energy.dmi_order = 4``) of crystal classes Cnv_z, T and D2d_z.

The energy densities, classes and DMI vectors are those of the second-order term
(:mod:`orchestrator.solver.terms.dmi`): :math:`w = D\sum_a \mathbf m\cdot(\mathbf d_a
\times\partial_a\mathbf m)` with :math:`\mathbf d_a = \mathbf d(\hat u_a)` of the class
(``Cnv_z`` and ``D2d_z``: a = x, y; ``T``: x, y, z). Only the first derivative changes.

Discretisation
--------------
With the antisymmetric operator :math:`\mathsf K_a` of :mod:`orchestrator.solver.fd4`
(times 1/Δ_a) along each axis,

.. math::

    E = V\sum_i \mathbf m_i\cdot\mathbf s_i,\qquad
    \mathbf s_i = \sum_a D\,\mathbf d_a\times(\mathsf K_a\mathbf m)_i,\qquad
    \mathbf H_i = -\frac{1}{\mu_0 M_{s,i} V}\frac{\partial E}{\partial\mathbf m_i}
               = -\frac{2}{\mu_0 M_{s,i}}\,\mathbf s_i .

Since :math:`\mathsf K_a` is antisymmetric, the field is the exact gradient of the
discrete energy (so minimisers converge), and :math:`w_i = \mathbf m_i\cdot\mathbf s_i`
is the base class's :math:`-\tfrac12\mu_0 M_s\,\mathbf m\cdot\mathbf H`.

* **Periodic axes** (and the interior of open ones): :math:`(\mathsf K\mathbf m)_i =
  [8(\mathbf m_{i+1}-\mathbf m_{i-1}) - (\mathbf m_{i+2}-\mathbf m_{i-2})]/(12\Delta)`,
  fourth order; the field converges as Δ⁴ to the continuum
  :math:`-(2D/\mu_0 M_s)\sum_a\mathbf d_a\times\partial_a\mathbf m`.
* **Free edges** (an axis not in ``mesh.pbc``): the summation-by-parts closure. The
  energy is :math:`V D\sum_i h_i\,\mathbf m_i\cdot(\mathbf d\times(\mathsf D\mathbf
  m)_i)`, the quadrature (weights :math:`h = (17, 59, 43, 49)/48` at the four cells
  nearest each edge, 1 inside) of the density built with the consistent one-sided
  derivative :math:`\mathsf D = \mathsf H^{-1}\mathsf Q` (second order at those four
  cells); its boundary part :math:`(\mathsf Q+\mathsf Q^T)/2` drops out of the
  energy because :math:`\mathbf m\cdot(\mathbf d\times\mathbf m) = 0`, leaving
  :math:`\mathsf K = \mathsf Q_A`. The field of an edge cell therefore holds the
  surface term :math:`-(D/\mu_0 M_s\Delta)\,\mathbf d\times\mathbf m` of the
  continuum's boundary condition, exactly as in the second-order term, whose
  missing-neighbour rule is the same construction at second order (weights 1/2 at the
  edge cells). As there, the energy is integrated between the outermost cell centres.
  An open axis needs 1 or at least 8 cells.

Restrictions (the built-in backend refuses a study outside them, feature
``dmi.order4.regions``): one uniform D per class over a fully magnetic mesh (no Ms = 0
cells; regions that differ only in Ms, α … are fine). Several classes at once are the
sum of their fields.

Examples
--------
>>> import numpy as np
>>> from orchestrator.solver.mesh import Mesh
>>> mesh = Mesh(n=(32, 1, 1), cell=(1e-9,) * 3, Ms=5.8e5, pbc="x")
>>> x = mesh.coords()["x"]; k = 2 * np.pi / 32e-9
>>> m = np.zeros(mesh.shape + (3,)); m[0, 0, :, 0], m[0, 0, :, 2] = np.sin(k * x), np.cos(k * x)
>>> dmi = DMI4(3e-3, "Cnv_z"); dmi.setup(mesh)
>>> H = dmi.field(m)           # continuum: -(2D/(μ0 Ms)) (∂x mz, 0, -∂x mx)
>>> exact = -(2 * 3e-3 / (MU0 * 5.8e5)) * k * np.stack([-np.sin(k * x), 0 * x, -np.cos(k * x)], -1)
>>> bool(np.abs(H[0, 0] - exact).max() < 1e-4 * np.abs(exact).max())
True
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mmstudy.constants import MU0
from orchestrator.solver.context import Context
from orchestrator.solver.fd4 import antisymmetric_band, band_tables, pairs
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.base import FieldTerm
from orchestrator.solver.terms.dmi import CRYSTAL_CLASSES, _canonical_class, dmi_vector

__all__ = ["DMI4"]

_ARRAY_AXIS = {0: 2, 1: 1, 2: 0}


def _index(ax: int, sl) -> tuple:
    idx = [slice(None)] * 4
    idx[ax] = sl
    return tuple(idx)


class DMI4(FieldTerm):
    r"""Fourth-order DMI of uniform strength (see the module notes).

    Parameters
    ----------
    D : float or mapping
        D in J/m² of class ``crystal_class``, or ``{class: D}`` for several classes.
    crystal_class : {"Cnv_z", "T", "D2d_z"}
        Class of a plain ``D`` (aliases as in :class:`~orchestrator.solver.terms.dmi.DMI`).
    name : str, optional
        Column / snapshot name (default ``"DMI"``).
    """

    name = "DMI"

    def __init__(self, D: float | Mapping[str, float], crystal_class: str = "Cnv_z", *,
                 name: str | None = None) -> None:
        items = D.items() if isinstance(D, Mapping) else [(crystal_class, D)]
        self.D: dict[str, float] = {}
        for cls, value in items:
            cls = _canonical_class(cls)
            self.D[cls] = self.D.get(cls, 0.0) + float(value)
        self.classes = tuple(c for c in CRYSTAL_CLASSES if c in self.D)
        if name is not None:
            self.name = name

    def setup(self, ctx: Context | Mesh) -> None:
        """Per axis: the summed DMI vector ``b_a = Σ_C D_C d_C(û_a)/Δ_a`` and the taps
        of the antisymmetric operator; per cell ``−2/(μ0 Ms)``."""
        super().setup(ctx)
        mesh = self.mesh
        if not mesh.magnetic.all():
            raise ValueError("the fourth-order DMI needs a fully magnetic mesh (no Ms = 0 "
                             "cells); use the second-order DMI")
        Ms = mesh.Ms
        hcoef = -2.0 / (MU0 * Ms)
        self._hcoef = (float(hcoef.flat[0]) if np.all(hcoef == hcoef.flat[0])
                       else self.xp.asarray(hcoef[..., None]))
        self._axes: list[tuple[tuple[float, float, float], list]] = []
        tables: dict[int, tuple] = {}
        for axis in range(3):
            n = mesh.n[axis]
            u = np.zeros(3)
            u[axis] = 1.0
            b = sum(D * dmi_vector(cls, u) for cls, D in self.D.items()) / mesh.cell[axis]
            if n == 1 or not np.any(b):
                continue
            periodic = "xyz"[axis] in mesh.pbc
            band = antisymmetric_band(n, periodic)
            ax = _ARRAY_AXIS[axis]
            taps = []
            for k in range(-3, 4):
                coef = band[k + 3]
                if not coef.any():
                    continue
                for tgt, src in pairs(n, k, periodic):
                    c = coef[tgt]
                    if not c.any():
                        continue
                    shape = [1, 1, 1, 1]
                    shape[ax] = c.size
                    cval = float(c[0]) if np.all(c == c[0]) else \
                        self.xp.asarray(c.reshape(shape))
                    taps.append((_index(ax, tgt), _index(ax, src), cval))
            self._axes.append((tuple(float(v) for v in b), taps))
            tables[axis] = (*band_tables(band, periodic), np.asarray(b, dtype=np.float64))
        self._bufs: dict = {}
        self._jit = self._jit_setup(tables, hcoef)

    def _jit_setup(self, tables: dict, hcoef: np.ndarray) -> tuple | None:
        """The arguments of ``ctx.kernels.dmi4_field`` after ``m`` and ``H`` (None
        without kernels: small meshes, no numba)."""
        if self.ctx.kernels is None:
            return None
        nz, ny, nx = self.mesh.shape
        empty = (np.zeros(0), np.zeros(0, np.uint64), np.zeros(3))
        args = [nx, ny, nz]
        for axis in range(3):
            args.extend(tables.get(axis, empty))
        per_cell = not isinstance(self._hcoef, float)
        cells = np.ascontiguousarray(np.broadcast_to(hcoef, self.mesh.shape).reshape(-1),
                                     dtype=np.float64)
        return (*args, float(hcoef.flat[0]), cells, per_cell)

    def _buffers(self, m: np.ndarray) -> tuple:
        bufs = self._bufs.get(m.dtype)
        if bufs is None:
            xp = self.xp
            bufs = self._bufs[m.dtype] = (xp.empty(m.shape, m.dtype), xp.empty(m.shape, m.dtype),
                                          xp.empty(m.shape, m.dtype), xp.empty(m.shape[:-1], m.dtype))
        return bufs

    def operator(self, m: np.ndarray, out: np.ndarray) -> np.ndarray:
        r"""``s = Σ_a b_a × (K_a m)`` into ``out`` (J/m³: the energy density is ``m·s``,
        the field ``−2 s/(μ0 Ms)``)."""
        xp = self.xp
        g, tmp, _, scalar = self._buffers(m)
        out.fill(0.0)
        for b, taps in self._axes:
            g.fill(0.0)
            for tgt, src, c in taps:
                o, t = g[tgt], tmp[tgt]
                xp.multiply(m[src], c, out=t)
                xp.add(o, t, out=o)
            # out += b × g with b a constant vector: (b × g)_p = b_q g_r − b_r g_q
            for p, q, r in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
                for bq, comp in ((b[q], r), (-b[r], q)):
                    if bq:
                        xp.multiply(g[..., comp], bq, out=scalar)
                        xp.add(out[..., p], scalar, out=out[..., p])
        return out

    def add_field(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        """Add the DMI field (A/m) of ``m`` into ``out`` (by the fused kernel where it
        applies: float64 C-ordered fields on a mesh with kernels; the same numbers)."""
        if (self._jit is not None and m.dtype == np.float64 and out.dtype == np.float64
                and m.flags.c_contiguous and out.flags.c_contiguous
                and m.shape == out.shape == self.mesh.shape + (3,)):
            nz, ny, _ = self.mesh.shape
            self.ctx.threads.split(self.ctx.kernels.dmi4_field, nz * ny, m.reshape(-1),
                                   out.reshape(-1), *self._jit, cells=self.mesh.n[0])
            return
        xp = self.xp
        s = self._buffers(m)[2]
        self.operator(m, s)
        xp.multiply(s, self._hcoef, out=s)
        xp.add(out, s, out=out)
