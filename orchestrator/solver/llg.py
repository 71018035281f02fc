"""The right-hand side ``dm/dt`` of the Landau–Lifshitz–Gilbert equation.

Equation and units
------------------
m is the unit magnetisation per cell (zero in empty cells, ``Ms = 0``), H the total
effective field in A/m (the sum of the :class:`~orchestrator.solver.terms.base.FieldTerm`
fields, plus the thermal field when one is on), ``γ0 = μ0 γ`` in m/(A s) (default
``2.211e5``, OOMMF's value; mumax3's ``GammaLL = 1.7595e11`` rad/(T s) is
``γ0/μ0``) and α the Gilbert damping per cell. The Gilbert form with the torques is ::

    ṁ = −γ0 m×H + α m×ṁ + T,                                           (1)

where ``T`` (1/s) is the sum of the torques in Gilbert form, each perpendicular to m
(:class:`~orchestrator.solver.torques.base.Torque`), e.g. Zhang–Li
``T = (u·∇)m − ξ m×(u·∇)m`` and damping-like SOT ``T = c m×(p×m)``, exactly the terms
of :mod:`analysis.thiele`'s LLG.

Explicit (Landau–Lifshitz) form. Write ``A = −γ0 m×H + T``, so that (1) reads
``ṁ = A + α m×ṁ``. Crossing with m and using ``m·ṁ = 0`` and ``|m| = 1``,
``m×ṁ = m×A + α m×(m×ṁ) = m×A − α ṁ``; substituting back,
``ṁ = A + α m×A − α² ṁ``, i.e. ::

    ṁ = (A + α m×A) / (1 + α²),     A = −γ0 m×H + T.                   (2)

Without torques this is ``ṁ = −γ0/(1+α²) [m×H + α m×(m×H)]`` (OOMMF; mumax3's
``lltorque2.cu``). The conversion (2) is linear in A, so every torque enters through
its Gilbert form and the engine converts the sum once; for the torques of
:mod:`orchestrator.solver.torques` it reproduces mumax3's LL expressions:

* Zhang–Li, ``g = (u·∇)m`` and ``T = −m×(m×g) − ξ m×g`` (the part of g along m,
  which vanishes in the continuum, is projected out):
  ``ṁ_ZL = −[(1+ξα) m×(m×g) + (ξ−α) m×g]/(1+α²)`` (``cuda/zhangli2.cu``);
* damping-like SOT, ``T = c m×(p×m)``, ``m×T = c m×p``:
  ``ṁ_SOT = c[m×(p×m) + α m×p]/(1+α²)`` (``cuda/slonczewski2.cu`` with Λ = 1, ε' = 0).

``precess=False`` gives the damping-only relaxation dynamics of mumax3's ``relax``
(``cuda/llnoprecess.cu``): ``ṁ = −γ0 m×(m×H)``, independent of α (so cells with
α = 0 relax too; OOMMF's ``do_precess 0`` scales the same flow by α/(1+α²), which only
relabels its fictitious time). Torques and the thermal field are not applied then.

All evaluations write into preallocated buffers with ``out=`` ufuncs of the
context's array module (``ctx.xp``); the vector algebra is done component by
component so that the same code can run on another array library later. Empty cells
hold m = 0, which every product keeps at zero. The LLG builds the
:class:`~orchestrator.solver.context.Context` once (mesh, dtype, γ0, α per cell, the
kernels, the thread policy; :mod:`orchestrator.solver.context`) and sets up every
term, torque and the thermal field with it. When the context has the numba kernels
(large meshes, :mod:`orchestrator.solver.jit`) the right-hand side without torques
and the renormalisation run as fused kernels instead: the same operations in one
pass over memory rather than a dozen strided ufunc passes over the ``(..., 3)``
arrays (at 1024², 5 ms instead of 55 ms per evaluation), with bitwise equal results.
``H`` then holds the field; the scratch ``_A`` is not written.

Examples
--------
A macrospin precesses counter-clockwise about a field along +z:

>>> from orchestrator.solver.mesh import Mesh
>>> from orchestrator.solver.terms.base import FieldTerm
>>> class Hz(FieldTerm):
...     name, energy_factor = "zeeman", 1.0
...     def add_field(self, m, t, out):
...         out[..., 2] += 1e5
>>> mesh = Mesh(n=(1, 1, 1), cell=(2e-9,) * 3, Ms=8e5)
>>> llg = LLG(mesh, [Hz()], alpha=0.0)
>>> m = llg.prepare((1.0, 0.0, 0.0))
>>> [round(float(v) / 2.211e10, 12) + 0.0 for v in llg.dmdt(m, 0.0)[0, 0, 0]]
[0.0, 1.0, 0.0]
>>> round(llg.max_torque(m, 0.0))
100000
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from mmstudy.constants import GAMMA0
from orchestrator.solver.context import Context
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.base import FieldTerm
from orchestrator.solver.torques.base import Torque, cross, dot, normalize

if TYPE_CHECKING:
    from orchestrator.solver.thermal import ThermalField

# GAMMA0 (γ0 = μ0 γ in m/(A s), OOMMF's default 2.211e5; mumax3's ``GammaLL`` times μ0
# is 2.21107e5) is mmstudy.constants', re-exported here for older imports.
__all__ = ["GAMMA0", "LLG", "cross", "dot", "normalize"]


class LLG:
    """Right-hand side of the LLG equation for one mesh, its field terms and torques.

    Parameters
    ----------
    mesh : Mesh
    terms : sequence of FieldTerm
        Field terms; their fields are summed into one preallocated buffer.
    alpha : float, mapping or ndarray (nz, ny, nx)
        Gilbert damping (a scalar, ``{region: α}`` or per cell; see
        :meth:`Mesh.per_cell`).
    gamma0 : float, optional
        ``γ0 = μ0 γ`` in m/(A s) (default :data:`mmstudy.constants.GAMMA0`, 2.211e5).
    torques : sequence of Torque
        Spin torques, in Gilbert form (module docstring).
    thermal : ThermalField, optional
        The stochastic field (:mod:`orchestrator.solver.thermal`); needs a fixed-step
        integrator.
    precess : bool
        False: damping-only relaxation dynamics ``ṁ = −γ0 m×(m×H)`` without torques
        and noise (see the module docstring).
    dtype : numpy dtype, optional
        float64 (default) or float32 for m and every buffer.
    setup : bool
        Call ``setup(ctx)`` on the terms (False when they are set up already).
    context : Context, optional
        The context to set everything up with (default: :meth:`Context.build` for
        ``mesh``, ``dtype`` and ``gamma0``, which decides the kernels); its mesh must
        be ``mesh``, and it supplies dtype and γ0 (``dtype``/``gamma0``, if given too,
        must agree). α is set into it (:meth:`set_alpha`).

    Attributes
    ----------
    ctx : Context
        The context the terms, torques and thermal field were set up with (with α
        per cell).
    jit : bool
        Whether the numba kernels run (``ctx.kernels`` is not None).
    H : ndarray (nz, ny, nx, 3)
        The effective field of the last :meth:`dmdt` or :meth:`effective_field` call
        (thermal field included when it was on).
    """

    def __init__(
        self,
        mesh: Mesh,
        terms: Sequence[FieldTerm] = (),
        *,
        alpha: float | Mapping | np.ndarray = 0.0,
        gamma0: float | None = None,
        torques: Sequence[Torque] = (),
        thermal: ThermalField | None = None,
        precess: bool = True,
        dtype=None,
        setup: bool = True,
        context: Context | None = None,
    ) -> None:
        if context is None:
            dt = np.dtype(np.float64 if dtype is None else dtype)
            if dt not in (np.float64, np.float32):
                raise ValueError(f"dtype must be float64 or float32, not {dt}")
            context = Context.build(mesh, dtype=dt, gamma0=gamma0)
        else:
            if context.mesh is not mesh:
                raise ValueError("the context is for another mesh")
            if (dtype is not None and np.dtype(dtype) != context.dtype) or \
                    (gamma0 is not None and float(gamma0) != context.gamma0):
                raise ValueError("dtype and gamma0 are the context's: give them to "
                                 "Context.build, not also to the LLG")
        self.mesh = mesh
        self.terms = list(terms)
        self.torques = list(torques)
        self.thermal = thermal
        self.precess = bool(precess)
        self.ctx = context
        self.gamma0 = context.gamma0
        self.dtype = context.dtype
        if self.dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, not {self.dtype}")
        xp = context.xp
        shape = mesh.shape
        self.magnetic = mesh.magnetic
        self.H = xp.zeros(shape + (3,), self.dtype)
        self._A = xp.zeros(shape + (3,), self.dtype)
        self._tmp = xp.zeros(shape, self.dtype)
        self._tmp2 = xp.zeros(shape, self.dtype)
        self._tiny = self.dtype.type(np.finfo(self.dtype).tiny)
        self.set_alpha(alpha)   # α per cell into the context, before anything is set up
        if setup:
            for term in self.terms:
                term.setup(self.ctx)
        for tq in self.torques:
            tq.setup(self.ctx)
        if self.thermal is not None:
            self.thermal.setup(self.ctx)

    @property
    def jit(self) -> bool:
        """Whether the numba kernels run (the context's choice:
        :mod:`orchestrator.solver.jit`, large meshes)."""
        return self.ctx.kernels is not None

    # ------------------------------------------------------------------ parameters

    def set_alpha(self, alpha: float | Mapping | np.ndarray) -> None:
        """Set the damping and precompute ``1/(1+α²)`` and ``α/(1+α²)`` per cell.

        A uniform α is kept as Python floats (no per-cell arrays on the hot path).
        """
        a = self.mesh.per_cell(alpha)
        if np.any(a < 0):
            raise ValueError("alpha must be >= 0")
        self.alpha = a
        self.ctx = self.ctx.replace(alpha=a)
        xp = self.ctx.xp
        mag = a[self.magnetic]
        if mag.size == 0 or np.all(mag == mag.flat[0]):
            a0 = float(mag.flat[0]) if mag.size else 0.0
            self._c1: float | np.ndarray = 1.0 / (1.0 + a0 * a0)
            self._c2: float | np.ndarray = a0 / (1.0 + a0 * a0)
        else:
            self._c1 = xp.asarray((1.0 / (1.0 + a * a))[..., None].astype(self.dtype))
            self._c2 = xp.asarray((a / (1.0 + a * a))[..., None].astype(self.dtype))
        self._k1 = -self.gamma0 * self._c1
        self._k2 = -self.gamma0 * self._c2
        # the same coefficients for the numba kernel: dtype scalars (as numpy converts
        # Python floats) or flat per-cell arrays
        if isinstance(self._k1, float):
            self._jk = (self.dtype.type(self._k1), self.dtype.type(self._k2))
        else:
            self._jk = (xp.ascontiguousarray(self._k1.reshape(-1), dtype=self.dtype),
                        xp.ascontiguousarray(self._k2.reshape(-1), dtype=self.dtype))
        if self.thermal is not None and getattr(self.thermal, "mesh", None) is not None:
            self.thermal.setup(self.ctx)

    @property
    def stochastic(self) -> bool:
        """Whether the thermal field is on (a thermal term with T > 0 somewhere, precessing)."""
        return self.precess and self.thermal is not None and self.thermal.active

    # ------------------------------------------------------------------ state helpers

    def prepare(self, m) -> np.ndarray:
        """A new normalised state array of this mesh's shape and dtype.

        Parameters
        ----------
        m : 3-vector, mapping {region: vector} or ndarray (nz, ny, nx, 3)
            Initial magnetisation (any length; normalised here). Empty cells are
            set to zero.
        """
        arr = self.mesh.per_cell_vector(m).astype(self.dtype)
        arr[~self.magnetic] = 0.0
        if np.any(np.all(arr[self.magnetic] == 0.0, axis=-1)):
            raise ValueError("the initial magnetisation is zero in a magnetic cell")
        return self.normalize(self.ctx.xp.asarray(arr))

    def normalize(self, m: np.ndarray) -> np.ndarray:
        """Normalise m in place (empty cells stay zero)."""
        K = self.kernels_for(m)
        if K is not None:
            self.ctx.threads.split(K.normalize, m.shape[0] * m.shape[1] * m.shape[2],
                                   m.reshape(-1), self._tiny)
            return m
        return normalize(m, self._tmp, self._tmp2, xp=self.ctx.xp)

    def kernels_for(self, *arrays: np.ndarray):
        """The context's numba kernels if they can take these arrays (C-contiguous,
        this mesh's shape and the state's dtype), else None (the numpy twins)."""
        K = self.ctx.kernels
        if K is None:
            return None
        shape = self.H.shape
        if all(a.shape == shape and a.dtype == self.dtype and a.flags.c_contiguous
               for a in arrays):
            return K
        return None

    def _jit_ok(self, *arrays: np.ndarray) -> bool:
        """Whether the numba kernels run on these arrays (:meth:`kernels_for`)."""
        return self.kernels_for(*arrays) is not None

    def zeros(self) -> np.ndarray:
        """A zero vector field of the state's shape and dtype (for integrator buffers)."""
        return self.ctx.xp.zeros(self.mesh.shape + (3,), self.dtype)

    # ------------------------------------------------------------------ evaluation

    def effective_field(self, m: np.ndarray, t: float, out: np.ndarray | None = None, *,
                        thermal: bool = True) -> np.ndarray:
        """Total effective field (A/m) into ``out`` (default the :attr:`H` buffer).

        Parameters
        ----------
        m : ndarray (nz, ny, nx, 3)
        t : float
            Time in s.
        out : ndarray, optional
        thermal : bool
            Add the current thermal field when the LLG is stochastic.
        """
        out = self.H if out is None else out
        first = getattr(self.terms[0], "set_field", None) if self.terms else None
        if first is not None:
            first(m, t, out)   # zero and add, or one write (FieldTerm.set_field)
        else:
            out.fill(0.0)
        for term in self.terms[0 if first is None else 1:]:
            term.add_field(m, t, out)
        if thermal and self.stochastic:
            self.thermal.add_field(m, t, out)
        return out

    def begin_step(self, t: float, dt: float) -> None:
        """Called by the integrators before each step of size ``dt`` from time ``t``:
        draws the thermal field that stays fixed during the step (Stratonovich)."""
        if self.stochastic:
            self.thermal.draw(dt)

    def dmdt(self, m: np.ndarray, t: float, out: np.ndarray | None = None) -> np.ndarray:
        """``dm/dt`` (1/s) at state m and time t into ``out`` (module docstring, Eq. 2).

        ``out`` must not be ``m``. Also leaves the effective field in :attr:`H`.
        """
        xp = self.ctx.xp
        if out is None:
            out = xp.empty_like(m)
        H = self.effective_field(m, t)
        K = self.kernels_for(m, out) if self.precess and not self.torques else None
        if K is not None:
            # one fused pass; the same operations as the ufuncs below
            k1, k2 = self._jk
            kernel = K.llg_rhs if isinstance(k1, np.generic) else K.llg_rhs_cells
            self.ctx.threads.split(kernel, H.shape[0] * H.shape[1] * H.shape[2],
                                   m.reshape(-1), H.reshape(-1), out.reshape(-1), k1, k2)
            return out
        A, tmp = self._A, self._tmp
        cross(m, H, A, tmp, xp=xp)               # A = m×H
        if not self.precess:
            cross(m, A, out, tmp, xp=xp)         # m×(m×H)
            xp.multiply(out, -self.gamma0, out=out)
            return out
        if self.torques:
            xp.multiply(A, -self.gamma0, out=A)  # A = −γ0 m×H
            for tq in self.torques:
                tq.add_torque(m, t, A)           # + T (Gilbert form)
            cross(m, A, out, tmp, xp=xp)
            xp.multiply(out, self._c2, out=out)
            xp.multiply(A, self._c1, out=A)
        else:
            cross(m, A, out, tmp, xp=xp)         # m×(m×H)
            xp.multiply(out, self._k2, out=out)
            xp.multiply(A, self._k1, out=A)
        xp.add(out, A, out=out)
        return out

    __call__ = dmdt

    # ------------------------------------------------------------------ diagnostics

    def torque(self, m: np.ndarray, t: float, out: np.ndarray | None = None) -> np.ndarray:
        """``m×H`` (A/m) with the deterministic field (no thermal noise)."""
        xp = self.ctx.xp
        out = xp.empty_like(m) if out is None else out
        H = self.effective_field(m, t, thermal=False)
        return cross(m, H, out, self._tmp, xp=xp)

    def max_torque(self, m: np.ndarray, t: float) -> float:
        """``max |m×H|`` over the cells in A/m, deterministic field (μ0 times this is
        the torque in T that mumax3's ``maxTorque`` reports when α = 0)."""
        tq = self.torque(m, t, out=self._A)
        dot(tq, tq, self._tmp, self._tmp2, xp=self.ctx.xp)
        return float(self.ctx.xp.sqrt(self._tmp.max()))

    def energies(self, m: np.ndarray, t: float = 0.0) -> dict[str, float]:
        """Energy of each term in J, keyed by term name (``name_1``, ... for repeats)."""
        out: dict[str, float] = {}
        for term in self.terms:
            key, k = term.name, 1
            while key in out:
                k += 1
                key = f"{term.name}_{k}"
            out[key] = term.energy(m, t)
        return out

    def energy(self, m: np.ndarray, t: float = 0.0) -> float:
        """Total energy in J (thermal field excluded)."""
        return float(sum(self.energies(m, t).values()))
