"""When the solver uses its numba kernels, and the thread helper that runs them.

The hot loops of the engine (the LLG right-hand side, Heun's stages, the
renormalisation, the 6-neighbour exchange field with uniform parameters, the demag
kernel product) exist twice: as numpy ufuncs with
``out=`` (the reference, and the form for other array libraries) and as fused numba
kernels in :mod:`orchestrator.solver._kernels`, which make one pass over memory
where the ufuncs make a dozen strided ones over ``(..., 3)`` arrays (10× faster for
the LLG right-hand side at 1024², see ``benchmarks/results/solver.md``). Each kernel
does the same floating-point operations in the same order as its numpy twin, so
both give bitwise equal results (only the sign of a zero may differ).

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
from concurrent.futures import ThreadPoolExecutor

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
    dtype (float64/float32; see the module docstring). The kernels themselves come
    from :func:`kernels` at call time (objects keep only this flag, so that they
    still pickle and deep-copy)."""
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


#: Cells per thread below which a kernel runs on the calling thread only.
SPLIT_MIN_CELLS = 1 << 16

_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0


def _threads() -> int:
    try:
        ncpu = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        ncpu = os.cpu_count() or 1
    return max(1, min(4, ncpu))


def split_run(kernel, n: int, *args, cells: int = 1) -> None:
    """Run ``kernel(*args, lo, hi)`` over ``[0, n)``, in contiguous shares on up to
    four threads when there is enough work (the kernels release the GIL), else in one
    call. ``cells``: cells per item of the range (e.g. the cells of a row)."""
    global _POOL, _POOL_SIZE
    T = min(_threads(), n * cells // SPLIT_MIN_CELLS, n)
    if T <= 1:
        kernel(*args, 0, n)
        return
    if _POOL is None or _POOL_SIZE < T - 1:
        _POOL = ThreadPoolExecutor(T - 1, thread_name_prefix="mmstudy-jit")
        _POOL_SIZE = T - 1
    bounds = [n * i // T for i in range(T + 1)]
    futures = [_POOL.submit(kernel, *args, bounds[i], bounds[i + 1]) for i in range(1, T)]
    kernel(*args, bounds[0], bounds[1])
    for f in futures:
        f.result()
