"""The rule for when the solver uses its numba kernels (decided once, by the context).

The hot loops of the engine (the LLG right-hand side, Heun's stages, the
renormalisation, the 6-neighbour exchange field with uniform parameters, the demag
kernel product, the fourth-order DMI field and Zhang–Li torque) exist twice: as numpy
ufuncs with ``out=`` (the reference, and the form for other array libraries) and as
fused numba kernels in :mod:`orchestrator.solver._kernels` (``_kernels_fd4``'s
re-exported there), which make one pass over memory where the ufuncs make a dozen
strided ones over ``(..., 3)`` arrays (10× faster for the LLG right-hand side at 1024²,
see ``benchmarks/results/solver.md``). Each kernel
does the same floating-point operations in the same order as its numpy twin, so
both give bitwise equal results (only the sign of a zero may differ;
``tests/solver/test_kernels_bitwise.py``, ``test_kernels_fd4.py``).

What lives where: this module holds the rule (:func:`use_jit`) and the lazy import of
the kernel module (:func:`kernels`). :meth:`orchestrator.solver.context.Context.build`
applies the rule once per simulation and puts the module (or None) into the
context as ``ctx.kernels``; terms, the LLG and the integrators ask ``ctx.kernels``
and never this module. The threads the kernels run on are the context's one
:class:`~orchestrator.solver.context.Threads` policy (``ctx.threads.split``);
:func:`split_run` below is that policy's default, kept for old callers.

The kernels are used for meshes of at least :data:`MIN_CELLS` cells when numba can
be imported; they are compiled on first use and cached on disk (``cache=True``),
so small meshes (tests, macrospins) never pay the compilation, and large ones pay
it once per machine (a few seconds, against steps of tens of milliseconds). The
environment variable ``MMSTUDY_JIT`` overrides: ``0`` never, ``1`` always (any
size), unset: by size.

Examples
--------
>>> import numpy as np
>>> use_jit(1 << 20, np.complex128)      # float64 and float32 states only
False
>>> MIN_CELLS                            # 64 × 64 cells and more, by default
4096
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["MIN_CELLS", "kernels", "split_run", "use_jit"]

#: Smallest mesh (cells) for which the numba kernels are used by default.
MIN_CELLS = 1 << 12

_KERNELS = None
_FAILED = False


def _kernels():
    """The kernel module, imported on first need (None without numba)."""
    global _KERNELS, _FAILED
    if _KERNELS is None and not _FAILED:
        try:
            from orchestrator.solver import _kernels
        except ImportError:
            _FAILED = True
        else:
            _KERNELS = _kernels
    return _KERNELS


def use_jit(cells: int, dtype=np.float64) -> bool:
    """Whether the numba kernels should run for a mesh of ``cells`` cells and this
    dtype (float64/float32; see the module docstring). Asked once per simulation, by
    :meth:`orchestrator.solver.context.Context.build`."""
    if np.dtype(dtype) not in (np.float64, np.float32):
        return False
    mode = os.environ.get("MMSTUDY_JIT", "").strip()
    if mode == "0":
        return False
    if mode != "1" and cells < MIN_CELLS:
        return False
    return kernels() is not None


def kernels():
    """The kernel module :mod:`orchestrator.solver._kernels` (None without numba)."""
    return _KERNELS if _KERNELS is not None else _kernels()


def split_run(kernel, n: int, *args, cells: int = 1) -> None:
    """``kernel(*args, lo, hi)`` over ``[0, n)`` on the default thread policy
    (:meth:`orchestrator.solver.context.Threads.split`; the solver itself calls its
    context's ``ctx.threads.split``)."""
    from orchestrator.solver.context import DEFAULT_THREADS

    DEFAULT_THREADS.split(kernel, n, *args, cells=cells)
