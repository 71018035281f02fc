"""The interface every spin torque implements.

A torque is set up once with the simulation's
:class:`~orchestrator.solver.context.Context` (``setup(ctx)``: mesh, array module
``ctx.xp``, dtype, the engine's γ0; see :mod:`orchestrator.solver.context`), then
evaluated many times:
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
the LL conversion is exact. Array operations only, with the context's array module
(``self.xp``) for buffers and ``out=`` ufuncs, no allocation on the hot path.
``setup`` also takes a bare :class:`~orchestrator.solver.mesh.Mesh` with the old
keywords (``torque.setup(mesh, gamma0=..., dtype=...)``): it is given the default
context for that mesh (:func:`~orchestrator.solver.context.as_context`).

What lives where: this module holds the interface and the small vector-field helpers
the engine and the torques share (:func:`cross`, :func:`dot`, :func:`normalize`:
component-wise ufuncs of the array module ``xp`` into preallocated arrays, about
twice as fast as ``np.cross`` on ``(..., 3)`` arrays and without temporaries). The
physical constants are :mod:`mmstudy.constants`' (``MU0``, ``HBAR``, ``QE``, ``MUB``
are re-exported here for older imports), the spin-torque rates
:mod:`mmstudy.spintorque`'s (``zhang_li_u``, ``sot_rate``, which the torques call).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mmstudy.constants import HBAR, MU0, MUB, QE
from orchestrator.solver.context import Context, as_context
from orchestrator.solver.mesh import Mesh

__all__ = ["HBAR", "MU0", "MUB", "QE", "Torque", "amplitude_of", "cross", "dot", "normalize"]


def cross(a: np.ndarray, b: np.ndarray, out: np.ndarray, tmp: np.ndarray, *, xp=np) -> np.ndarray:
    """``out = a × b`` for fields of 3-vectors ``(..., 3)``, without temporaries.

    Parameters
    ----------
    a, b : ndarray (..., 3)
        Factors (either may broadcast against the other, e.g. a constant vector).
    out : ndarray (..., 3)
        Result; must not share memory with ``a`` or ``b``.
    tmp : ndarray (...)
        Scratch of the scalar-field shape of ``out``.
    xp : module
        The arrays' module (numpy; the context's ``ctx.xp``).

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
    mul, sub = xp.multiply, xp.subtract
    mul(a1, b2, out=o0)
    mul(a2, b1, out=tmp)
    sub(o0, tmp, out=o0)
    mul(a2, b0, out=o1)
    mul(a0, b2, out=tmp)
    sub(o1, tmp, out=o1)
    mul(a0, b1, out=o2)
    mul(a1, b0, out=tmp)
    sub(o2, tmp, out=o2)
    return out


def dot(a: np.ndarray, b: np.ndarray, out: np.ndarray, tmp: np.ndarray, *, xp=np) -> np.ndarray:
    """``out = a · b`` per cell for fields of 3-vectors (``out``, ``tmp``: scalar fields;
    ``xp``: the arrays' module).

    Examples
    --------
    >>> a = np.array([[1.0, 2.0, 3.0]])
    >>> dot(a, a, np.empty(1), np.empty(1)).tolist()
    [14.0]
    """
    xp.multiply(a[..., 0], b[..., 0], out=out)
    xp.multiply(a[..., 1], b[..., 1], out=tmp)
    xp.add(out, tmp, out=out)
    xp.multiply(a[..., 2], b[..., 2], out=tmp)
    xp.add(out, tmp, out=out)
    return out


def normalize(m: np.ndarray, norm: np.ndarray, tmp: np.ndarray, *, xp=np) -> np.ndarray:
    """Scale every nonzero vector of ``m`` to unit length in place; zero vectors stay zero.

    Parameters
    ----------
    m : ndarray (..., 3)
    norm, tmp : ndarray (...)
        Scratch scalar fields (``norm`` holds ``max(|m|, tiny)`` afterwards).
    xp : module
        The arrays' module.

    Examples
    --------
    >>> m = np.array([[3.0, 0.0, 4.0], [0.0, 0.0, 0.0]])
    >>> normalize(m, np.empty(2), np.empty(2)).tolist()
    [[0.6, 0.0, 0.8], [0.0, 0.0, 0.0]]
    """
    dot(m, m, norm, tmp, xp=xp)
    xp.sqrt(norm, out=norm)
    xp.maximum(norm, xp.finfo(m.dtype).tiny, out=norm)
    xp.divide(m, norm[..., None], out=m)
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

    @property
    def xp(self):
        """The array module: the context's after :meth:`setup`, numpy before."""
        ctx = self.__dict__.get("ctx")
        return np if ctx is None else ctx.xp

    def setup(self, ctx: Context | Mesh, *, gamma0: float | None = None, dtype=None) -> None:
        """Precompute what depends only on the mesh (called by the LLG with its context).

        Parameters
        ----------
        ctx : Context or Mesh
            The engine's context: its ``gamma0`` (``γ0 = μ0 γ`` in m/(A s); torques
            whose rate contains γ, the SOT, use ``γ = γ0/μ0`` from here, so that they
            agree with the precession they compete with) and ``dtype`` (of the state
            and buffers). A bare Mesh gets the default context, with ``gamma0``
            (default 2.211e5) and ``dtype`` (default float64) if given.
        gamma0, dtype : optional
            Only with a Mesh (see above).

        Sets :attr:`ctx`, :attr:`mesh`, :attr:`gamma0` and :attr:`dtype`.
        """
        ctx = as_context(ctx, gamma0=gamma0, dtype=dtype)
        self.ctx = ctx
        self.mesh = ctx.mesh
        self.gamma0 = ctx.gamma0
        self.dtype = ctx.dtype

    def add_torque(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        """Add the Gilbert-form torque ``T(m, t)`` (1/s, ⟂ m) at time ``t`` into ``out``.

        ``out`` is not ``m``; both have shape ``(nz, ny, nx, 3)``.
        """
        raise NotImplementedError

    def torque(self, m: np.ndarray, t: float = 0.0) -> np.ndarray:
        """The Gilbert-form torque as a new array (convenience, not for hot loops)."""
        out = self.xp.zeros_like(m)
        self.add_torque(m, t, out)
        return out
