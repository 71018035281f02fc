"""The interface every spin torque implements.

A torque is set up once for a mesh, then evaluated many times:
:meth:`Torque.add_torque` adds its **Gilbert-form** torque ``T(m, t)`` in 1/s, a
field of vectors perpendicular to m, into a preallocated array. The engine
(:class:`orchestrator.solver.llg.LLG`) writes the LLG equation as ::

    ṁ = −γ0 m×H + α m×ṁ + T

and turns it into the explicit form ``ṁ = (A + α m×A)/(1+α²)`` with
``A = −γ0 m×H + T`` (derivation in :mod:`orchestrator.solver.llg`). So a torque
never sees α: the conversion, done once for the sum, gives each torque the
``(T + α m×T)/(1+α²)`` of the LL form; e.g. for the damping-like SOT
``T = c m×(p×m)`` this is ``c[m×(p×m) + α m×p]/(1+α²)``, mumax3's Slonczewski form.

A torque must return a vector perpendicular to m in every cell (project out the
parallel part of a discretised derivative) and zero where m = 0 (empty cells); then
the LL conversion is exact. Array operations only, ``out=`` ufuncs, no allocation
on the hot path.

This module also holds the small vector-field helpers the engine and the torques
share (:func:`cross`, :func:`dot`, :func:`normalize`: component-wise ufuncs into
preallocated arrays, about twice as fast as ``np.cross`` on ``(..., 3)`` arrays and
without temporaries) and the physical constants (CODATA 2018, as
:mod:`analysis.thiele`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from orchestrator.solver.mesh import Mesh

__all__ = ["HBAR", "MU0", "MUB", "QE", "Torque", "amplitude_of", "cross", "dot", "normalize"]

#: Vacuum permeability (T m/A), as OOMMF and mumax3.
MU0 = 4e-7 * np.pi
#: Reduced Planck constant (J s), CODATA 2018 (as :mod:`analysis.thiele`).
HBAR = 1.054571817e-34
#: Elementary charge (C), CODATA 2018.
QE = 1.602176634e-19
#: Bohr magneton (J/T), CODATA 2018.
MUB = 9.2740100783e-24


def cross(a: np.ndarray, b: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """``out = a × b`` for fields of 3-vectors ``(..., 3)``, without temporaries.

    Parameters
    ----------
    a, b : ndarray (..., 3)
        Factors (either may broadcast against the other, e.g. a constant vector).
    out : ndarray (..., 3)
        Result; must not share memory with ``a`` or ``b``.
    tmp : ndarray (...)
        Scratch of the scalar-field shape of ``out``.

    Returns
    -------
    ndarray
        ``out``.

    Examples
    --------
    >>> a = np.array([[1.0, 0, 0]]); b = np.array([[0, 1.0, 0]])
    >>> cross(a, b, np.empty((1, 3)), np.empty(1)).tolist()
    [[0.0, 0.0, 1.0]]
    """
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    o0, o1, o2 = out[..., 0], out[..., 1], out[..., 2]
    np.multiply(a1, b2, out=o0)
    np.multiply(a2, b1, out=tmp)
    np.subtract(o0, tmp, out=o0)
    np.multiply(a2, b0, out=o1)
    np.multiply(a0, b2, out=tmp)
    np.subtract(o1, tmp, out=o1)
    np.multiply(a0, b1, out=o2)
    np.multiply(a1, b0, out=tmp)
    np.subtract(o2, tmp, out=o2)
    return out


def dot(a: np.ndarray, b: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """``out = a · b`` per cell for fields of 3-vectors (``out``, ``tmp``: scalar fields).

    Examples
    --------
    >>> a = np.array([[1.0, 2.0, 3.0]])
    >>> dot(a, a, np.empty(1), np.empty(1)).tolist()
    [14.0]
    """
    np.multiply(a[..., 0], b[..., 0], out=out)
    np.multiply(a[..., 1], b[..., 1], out=tmp)
    np.add(out, tmp, out=out)
    np.multiply(a[..., 2], b[..., 2], out=tmp)
    np.add(out, tmp, out=out)
    return out


def normalize(m: np.ndarray, norm: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """Scale every nonzero vector of ``m`` to unit length in place; zero vectors stay zero.

    Parameters
    ----------
    m : ndarray (..., 3)
    norm, tmp : ndarray (...)
        Scratch scalar fields (``norm`` holds ``max(|m|, tiny)`` afterwards).

    Examples
    --------
    >>> m = np.array([[3.0, 0.0, 4.0], [0.0, 0.0, 0.0]])
    >>> normalize(m, np.empty(2), np.empty(2)).tolist()
    [[0.6, 0.0, 0.8], [0.0, 0.0, 0.0]]
    """
    dot(m, m, norm, tmp)
    np.sqrt(norm, out=norm)
    np.maximum(norm, np.finfo(m.dtype).tiny, out=norm)
    np.divide(m, norm[..., None], out=m)
    return m


def amplitude_of(value: float | Callable[[float], float] | None, t: float) -> float:
    """A time-dependent scalar: ``value(t)`` for a callable, ``value`` for a number,
    1 for None.

    Examples
    --------
    >>> amplitude_of(2.0, 1e-9), amplitude_of(lambda t: t * 1e9, 1e-9), amplitude_of(None, 0)
    (2.0, 1.0, 1.0)
    """
    if value is None:
        return 1.0
    if callable(value):
        return float(value(t))
    return float(value)


class Torque:
    """Base class of the spin torques.

    Attributes
    ----------
    name : str
        Short name (for tables and logs).
    """

    name: str = "torque"

    def setup(self, mesh: Mesh, *, gamma0: float = 2.211e5, dtype=np.float64) -> None:
        """Precompute what depends only on the mesh (called by the LLG).

        Parameters
        ----------
        mesh : Mesh
        gamma0 : float
            The engine's ``γ0 = μ0 γ`` in m/(A s); torques whose rate contains γ
            (the SOT) use ``γ = γ0/μ0`` from here, so that they agree with the
            precession they compete with.
        dtype : numpy dtype
            dtype of the state and buffers.
        """
        self.mesh = mesh
        self.gamma0 = float(gamma0)
        self.dtype = np.dtype(dtype)

    def add_torque(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        """Add the Gilbert-form torque ``T(m, t)`` (1/s, ⟂ m) at time ``t`` into ``out``.

        ``out`` is not ``m``; both have shape ``(nz, ny, nx, 3)``.
        """
        raise NotImplementedError

    def torque(self, m: np.ndarray, t: float = 0.0) -> np.ndarray:
        """The Gilbert-form torque as a new array (convenience, not for hot loops)."""
        out = np.zeros_like(m)
        self.add_torque(m, t, out)
        return out
