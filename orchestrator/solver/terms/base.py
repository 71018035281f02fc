"""The interface every field term implements (after micromagneticmodel's term classes).

A term is set up once for a mesh (precomputing kernels, per-cell parameters,
neighbour masks), then evaluated many times:

* :meth:`FieldTerm.add_field` adds the term's effective field ``H = -1/(μ0 Ms) δE/δm``
  in A/m into a preallocated ``out`` array (no temporaries on the hot path)
  (:meth:`FieldTerm.set_field` writes it instead; the default zeroes and adds), and
* :meth:`FieldTerm.energy` returns the term's energy in J. The default uses the
  field: ``E = -c μ0 Σ Ms m·H V`` with ``c = 1/2`` for terms quadratic in m
  (exchange, DMI, anisotropy, demag) and ``c = 1`` for linear ones (Zeeman).

Arrays are ``(nz, ny, nx, 3)``; ``t`` is the simulation time in seconds (for
time-dependent terms). A term must be written with array operations only, so
that the same code runs on another array library later (CuPy, PyTorch).
"""

from __future__ import annotations

import numpy as np

from orchestrator.solver.mesh import Mesh

__all__ = ["FieldTerm", "MU0"]

MU0 = 4e-7 * np.pi  # vacuum permeability, T m/A (the value OOMMF and mumax3 use)


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

    def setup(self, mesh: Mesh) -> None:
        """Precompute what depends only on the mesh; called once before use."""
        self.mesh = mesh

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
        out = np.zeros_like(m)
        self.add_field(m, t, out)
        return out

    def energy_density(self, m: np.ndarray, t: float = 0.0, H: np.ndarray | None = None) -> np.ndarray:
        """Energy density (J/m³) per cell, shape ``(nz, ny, nx)``."""
        H = self.field(m, t) if H is None else H
        return -self.energy_factor * MU0 * self.mesh.Ms * np.einsum("...c,...c->...", m, H)

    def energy(self, m: np.ndarray, t: float = 0.0, H: np.ndarray | None = None) -> float:
        """Energy in J."""
        return float(self.energy_density(m, t, H).sum() * self.mesh.cell_volume)
