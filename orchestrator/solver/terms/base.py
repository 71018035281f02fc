"""The interface every field term implements (after micromagneticmodel's term classes).

A term is set up once with the simulation's
:class:`~orchestrator.solver.context.Context` (``setup(ctx)``: the mesh, the array
module ``ctx.xp``, the dtype, the numba kernels or None, the thread policy; see
:mod:`orchestrator.solver.context`), precomputing kernels, per-cell parameters and
neighbour masks, then evaluated many times:

* :meth:`FieldTerm.add_field` adds the term's effective field ``H = -1/(μ0 Ms) δE/δm``
  in A/m into a preallocated ``out`` array (no temporaries on the hot path)
  (:meth:`FieldTerm.set_field` writes it instead; the default zeroes and adds), and
* :meth:`FieldTerm.energy` returns the term's energy in J. The default uses the
  field: ``E = -c μ0 Σ Ms m·H V`` with ``c = 1/2`` for terms quadratic in m
  (exchange, DMI, anisotropy, demag) and ``c = 1`` for linear ones (Zeeman).

Arrays are ``(nz, ny, nx, 3)``; ``t`` is the simulation time in seconds (for
time-dependent terms). A term must be written with array operations only, and with
the context's array module (``self.xp``, set here) for its buffers and its hot path,
so that the same code runs on another array library later (CuPy, PyTorch); the mesh
itself is host-side numpy data, which setup-time precomputation may use with numpy.
Where a term has a fused numba kernel it asks ``self.ctx.kernels`` (None: its numpy
twin) and runs the kernel on ``self.ctx.threads``.

What lives where: this module holds the interface; the context and the thread pool
are :mod:`orchestrator.solver.context`'s, the kernel rule :mod:`orchestrator.solver.jit`'s,
the physical constants :mod:`mmstudy.constants`' (``MU0`` is re-exported here, where
the terms and older code import it from).

``setup`` also takes a bare :class:`~orchestrator.solver.mesh.Mesh` (``term.setup(mesh)``,
for tests and one-off field evaluations): it is given the default context for that
mesh (:func:`~orchestrator.solver.context.as_context`). A subclass overrides
``setup(self, ctx)``, calls ``super().setup(ctx)`` first and then reads ``self.ctx``,
``self.mesh`` and ``self.xp``.
"""

from __future__ import annotations

import numpy as np

from mmstudy.constants import MU0
from orchestrator.solver.context import Context, as_context
from orchestrator.solver.mesh import Mesh

__all__ = ["FieldTerm", "MU0"]


class FieldTerm:
    """Base class of the field terms.

    Attributes
    ----------
    name : str
        Short name used for table columns (``E_<name>``) and field snapshots.
    energy_factor : float
        ``c`` in ``E = -c μ0 Σ Ms m·H V`` (1/2 quadratic, 1 linear in m).
    """

    name: str = "term"
    energy_factor: float = 0.5

    @property
    def xp(self):
        """The array module: the context's after :meth:`setup`, numpy before (a
        property, so that a term keeps no module and still pickles and deep-copies)."""
        ctx = self.__dict__.get("ctx")
        return np if ctx is None else ctx.xp

    def setup(self, ctx: Context | Mesh) -> None:
        """Precompute what depends only on the mesh and the context; called once before
        use. Sets :attr:`ctx` and :attr:`mesh` (a bare Mesh gets its default context)."""
        ctx = as_context(ctx)
        self.ctx = ctx
        self.mesh = ctx.mesh

    def add_field(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        """Add this term's effective field (A/m) at time ``t`` into ``out``."""
        raise NotImplementedError

    def set_field(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        """Write (not add) this term's field into ``out``: what the engine calls for
        its first term, so that a term that can overwrite saves a pass over memory.
        The default zeroes ``out`` and calls :meth:`add_field`."""
        out.fill(0.0)
        self.add_field(m, t, out)

    def field(self, m: np.ndarray, t: float = 0.0) -> np.ndarray:
        """This term's effective field as a new array (convenience, not for hot loops)."""
        out = self.xp.zeros_like(m)
        self.add_field(m, t, out)
        return out

    def energy_density(self, m: np.ndarray, t: float = 0.0, H: np.ndarray | None = None) -> np.ndarray:
        """Energy density (J/m³) per cell, shape ``(nz, ny, nx)``."""
        xp = self.xp
        H = self.field(m, t) if H is None else H
        Ms = xp.asarray(self.mesh.Ms)
        return -self.energy_factor * MU0 * Ms * xp.einsum("...c,...c->...", m, H)

    def energy(self, m: np.ndarray, t: float = 0.0, H: np.ndarray | None = None) -> float:
        """Energy in J."""
        return float(self.energy_density(m, t, H).sum() * self.mesh.cell_volume)
