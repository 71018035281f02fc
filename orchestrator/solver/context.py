"""The context the solver's objects are set up with: array module, dtype, kernels, threads.

Every field term (:class:`~orchestrator.solver.terms.base.FieldTerm`), every torque
(:class:`~orchestrator.solver.torques.base.Torque`) and the thermal field
(:class:`~orchestrator.solver.thermal.ThermalField`) implements one
``setup(ctx: Context)``; the engine (:class:`~orchestrator.solver.llg.LLG`, which a
:class:`~orchestrator.solver.simulation.Simulation` makes) builds the context once and
passes the same one to all of them. A :class:`Context` (after magnum.np's ``State``,
which holds the array library and dtype) carries

* ``mesh`` — the :class:`~orchestrator.solver.mesh.Mesh` (host-side numpy data: cell
  counts, Ms and regions per cell; setup-time precomputation works on it with numpy);
* ``xp`` — the array module of the state and of every buffer and hot-path operation
  (numpy today; the seam for a GPU array library: terms allocate with ``ctx.xp.zeros``
  and compute with ``ctx.xp.multiply(..., out=)``, never with ``np.`` there). The FFTs
  of the demag term (``numpy.fft``/``scipy.fft``) and the exchange term's CSR product
  (scipy's ``csr_matvecs``) are those libraries' own and stay where they are;
* ``dtype`` — float64 or float32, the state's and the buffers' precision;
* ``gamma0`` — the engine's ``γ0 = μ0 γ`` in m/(A s) (the SOT rate and the thermal
  variance use it, so that they agree with the precession);
* ``alpha`` — the Gilbert damping per cell, ``(nz, ny, nx)`` (the thermal field's
  variance), or None before the engine has set it;
* ``kernels`` — the numba kernel module :mod:`orchestrator.solver._kernels`, or None
  for the numpy twins. Decided here, once, by the rule of
  :func:`orchestrator.solver.jit.use_jit` (meshes of 64² cells and more, float64 or
  float32, numba importable; ``MMSTUDY_JIT=0/1`` overrides); nothing else asks that
  rule. Code with a fused kernel does ``K = ctx.kernels`` and runs the numpy twin when
  it is None (or when the arrays at hand do not fit the kernel);
* ``threads`` — the one :class:`Threads` policy: how many threads a given amount of
  work gets (at most the CPUs this process may use, at most 4; none below a grain of
  work per thread) and the one shared thread pool the numba kernels, the demag term's
  blocks and the exchange term's row blocks all run on.

A term set up with a bare :class:`Mesh` (``term.setup(mesh)``, as tests and the
validation script do) gets :meth:`Context.build`'s default context for it
(:func:`as_context`, called by the base classes' ``setup``); torques and the thermal
field also take their old keywords (``gamma0``, ``dtype``, ``alpha``) that way.

A context is frozen (:func:`dataclasses.replace`, :meth:`Context.replace`, makes a
changed copy, e.g. the engine's after a new α) and pickles and deep-copies although it
holds modules: the array module by name, the kernels as a flag (re-decided on
unpickling only in that numba may be missing there; the numbers are the same).

Examples
--------
>>> from orchestrator.solver.mesh import Mesh
>>> ctx = Context.build(Mesh(n=(8, 8, 1), cell=(1e-9,) * 3, Ms=8e5))
>>> ctx.xp.__name__, ctx.dtype.name, ctx.kernels is None   # small meshes: numpy twins
('numpy', 'float64', True)
>>> ctx.threads.count(1 << 20) <= 4, ctx.threads.count(100)
(True, 1)
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import numpy as np

from mmstudy.constants import GAMMA0
from orchestrator.solver import jit as _jit
from orchestrator.solver.mesh import Mesh

__all__ = ["Context", "DEFAULT_THREADS", "SPLIT_MIN_CELLS", "Threads", "as_context",
           "available_cpus"]

#: Work (cells, or the units a caller counts) per thread below which a share of the
#: work is not worth handing to another thread.
SPLIT_MIN_CELLS = 1 << 16

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _forget_pool() -> None:
    """In a forked child the parent's pool threads do not exist: start afresh."""
    global _POOL, _POOL_LOCK
    _POOL = None
    _POOL_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):  # pragma: no branch
    os.register_at_fork(after_in_child=_forget_pool)


def available_cpus() -> int:
    """The CPUs this process may use (its affinity set where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


@dataclasses.dataclass(frozen=True)
class Threads:
    """The solver's thread policy: how many threads a piece of work gets, and the pool.

    Work is split into contiguous shares, one per thread; the calling thread runs the
    first share and the others run on one thread pool shared by the whole process
    (every numba kernel, numpy ufunc, FFT and CSR product run this way releases the
    GIL). Shares never change the numbers: every share computes its own cells.

    Parameters
    ----------
    max_threads : int, optional
        Most threads for one piece of work (default: the CPUs this process may use,
        at most 4).
    grain : int
        Work per thread below which no further thread is used (default
        :data:`SPLIT_MIN_CELLS` cells).

    Examples
    --------
    >>> Threads(max_threads=2).count(3 << 16), Threads(max_threads=2).count(1 << 16)
    (2, 1)
    """

    max_threads: int | None = None
    grain: int = SPLIT_MIN_CELLS

    @property
    def limit(self) -> int:
        """The most threads one piece of work may use."""
        if self.max_threads is not None:
            return max(1, int(self.max_threads))
        return max(1, min(4, available_cpus()))

    def count(self, work: int, grain: int | None = None) -> int:
        """Threads for ``work`` units: one per ``grain`` units (default :attr:`grain`),
        at least 1, at most :attr:`limit`."""
        g = self.grain if grain is None else int(grain)
        return max(1, min(self.limit, int(work) // max(g, 1)))

    @staticmethod
    def pool(workers: int) -> ThreadPoolExecutor:
        """The process's one thread pool, with at least ``workers`` threads (grown, by
        replacing it, when a caller asks for more; a replaced pool's threads end once
        it is no longer referenced)."""
        global _POOL
        pool = _POOL
        if pool is not None and pool._max_workers >= workers:
            return pool
        with _POOL_LOCK:
            if _POOL is None or _POOL._max_workers < workers:
                _POOL = ThreadPoolExecutor(max(1, int(workers)), thread_name_prefix="mmstudy")
            return _POOL

    def run(self, fn: Callable[..., Any], parts: Sequence[tuple]) -> None:
        """``fn(*part)`` for every part: the first on the calling thread, the others on
        the pool, and wait for all."""
        if len(parts) <= 1:
            for part in parts:
                fn(*part)
            return
        pool = self.pool(len(parts) - 1)
        futures = [pool.submit(fn, *part) for part in parts[1:]]
        fn(*parts[0])
        for f in futures:
            f.result()

    def split(self, kernel: Callable[..., Any], n: int, *args: Any, cells: int = 1) -> None:
        """Run ``kernel(*args, lo, hi)`` over ``[0, n)`` in contiguous shares, one per
        thread that the work (``n * cells`` cells; ``cells`` per item of the range, e.g.
        the cells of a row) is worth, else in one call."""
        T = min(self.count(n * cells), n)
        if T <= 1:
            kernel(*args, 0, n)
            return
        bounds = [n * i // T for i in range(T + 1)]
        self.run(kernel, [(*args, bounds[i], bounds[i + 1]) for i in range(T)])


#: The default policy (the CPUs this process may use, at most 4).
DEFAULT_THREADS = Threads()


@dataclasses.dataclass(frozen=True, eq=False)
class Context:
    """What the terms, torques and thermal field of one simulation are set up with
    (module docstring). Make one with :meth:`build`, which decides ``kernels``.

    Attributes
    ----------
    mesh : Mesh
    dtype : numpy dtype
        float64 or float32.
    gamma0 : float
        γ0 = μ0 γ in m/(A s).
    alpha : ndarray (nz, ny, nx) or None
        Gilbert damping per cell (set by the engine).
    xp : module
        The array module (numpy).
    kernels : module or None
        :mod:`orchestrator.solver._kernels`, or None for the numpy twins.
    threads : Threads
        The thread policy.
    """

    mesh: Mesh
    dtype: np.dtype = np.dtype(np.float64)
    gamma0: float = GAMMA0
    alpha: np.ndarray | None = None
    xp: ModuleType = np
    kernels: ModuleType | None = None
    threads: Threads = DEFAULT_THREADS

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtype", np.dtype(self.dtype))
        object.__setattr__(self, "gamma0", float(self.gamma0))

    @classmethod
    def build(cls, mesh: Mesh, *, dtype=np.float64, gamma0: float | None = None,
              alpha: np.ndarray | None = None, xp: ModuleType = np,
              jit: bool | None = None, threads: Threads | None = None) -> Context:
        """The context for ``mesh``, with the kernels decided once.

        Parameters
        ----------
        mesh : Mesh
        dtype : numpy dtype
            float64 (default) or float32.
        gamma0 : float, optional
            γ0 in m/(A s) (default :data:`mmstudy.constants.GAMMA0`).
        alpha : ndarray (nz, ny, nx), optional
            Damping per cell.
        xp : module
            Array module (numpy; the numba kernels only run with numpy).
        jit : bool, optional
            None (default): :func:`orchestrator.solver.jit.use_jit`'s rule (size, dtype,
            ``MMSTUDY_JIT``); False: the numpy twins; True: the kernels whenever numba
            can be imported and the dtype is float64 or float32.
        threads : Threads, optional
            Thread policy (default :data:`DEFAULT_THREADS`).
        """
        dtype = np.dtype(dtype)
        if xp is not np or jit is False:
            use = False
        elif jit is None:
            use = _jit.use_jit(int(np.prod(mesh.shape)), dtype)
        else:
            use = dtype in (np.float64, np.float32) and _jit.kernels() is not None
        return cls(mesh=mesh, dtype=dtype, gamma0=GAMMA0 if gamma0 is None else gamma0,
                   alpha=alpha, xp=xp, kernels=_jit.kernels() if use else None,
                   threads=DEFAULT_THREADS if threads is None else threads)

    @property
    def shape(self) -> tuple[int, int, int]:
        """The mesh's ``(nz, ny, nx)``."""
        return self.mesh.shape

    @property
    def jit(self) -> bool:
        """Whether the numba kernels run."""
        return self.kernels is not None

    def replace(self, **changes: Any) -> Context:
        """A copy with some fields changed (:func:`dataclasses.replace`)."""
        return dataclasses.replace(self, **changes)

    def __reduce__(self):
        # modules do not pickle: the array module by name, the kernels as a flag
        return (_rebuild, (self.mesh, self.dtype.str, self.gamma0, self.alpha,
                           self.xp.__name__, self.kernels is not None, self.threads))

    def __repr__(self) -> str:
        return (f"Context(mesh n={self.mesh.n}, dtype={self.dtype.name}, "
                f"gamma0={self.gamma0:g}, alpha={'set' if self.alpha is not None else None}, "
                f"xp={self.xp.__name__}, kernels={'numba' if self.jit else None}, "
                f"threads={self.threads})")


def _rebuild(mesh, dtype, gamma0, alpha, xp_name, jit, threads) -> Context:
    """Unpickle / deep-copy a :class:`Context` (see :meth:`Context.__reduce__`)."""
    return Context(mesh=mesh, dtype=np.dtype(dtype), gamma0=gamma0, alpha=alpha,
                   xp=importlib.import_module(xp_name),
                   kernels=_jit.kernels() if jit else None, threads=threads)


def as_context(where: Context | Mesh, **options: Any) -> Context:
    """The context to set an object up with: ``where`` itself, or for a bare
    :class:`Mesh` :meth:`Context.build`'s default context with ``options`` (the
    documented convenience behind ``term.setup(mesh)``, ``torque.setup(mesh,
    gamma0=...)``, ``thermal.setup(mesh, alpha=...)``). Options that are None are
    ignored; a :class:`Context` takes none (its values are the engine's).
    """
    options = {k: v for k, v in options.items() if v is not None}
    if isinstance(where, Context):
        if options:
            raise TypeError(f"setup(ctx) takes no options ({sorted(options)}): they are "
                            "the context's (Context.build, Context.replace)")
        return where
    if isinstance(where, Mesh):
        alpha = options.pop("alpha", None)
        if alpha is not None:
            options["alpha"] = where.per_cell(alpha)
        return Context.build(where, **options)
    raise TypeError(f"setup needs a Context or a Mesh, not {type(where).__name__}")
