"""The demagnetising (magnetostatic) field by FFT convolution with the Newell tensor.

``H_i = -sum_j N(r_i - r_j) Ms_j m_j``: the cell-averaged field of uniformly
magnetised cells (Newell, Williams, Dunlop 1993; the tensor is in
:mod:`orchestrator.solver.terms.newell`). Open axes are zero-padded to at least
``2n - 1`` cells, so the circular convolution of the FFT equals the open one;
periodic axes (``mesh.pbc``) are not padded and the tensor is summed over the
periodic images as mumax3's ``SetPBC(P)`` does. Vacuum cells (``Ms = 0``) carry no
magnetisation; the field is computed in them too (the stray field), where it adds
no energy.

How one evaluation runs (everything allocated once in :meth:`Demag.setup`; at
large meshes the work is memory-bound, so each stage works on cache-sized blocks):

1. rows (blocks of y rows): ``M = Ms m`` into a zero-padded row buffer and its real
   FFT along x into the half spectrum ``S`` (only the ``ny * nz`` occupied rows);
2. columns (blocks of kx, copied into a (component, z, kx, y) buffer so that the
   y transforms run along contiguous rows): FFT along y (only the ``nz`` occupied
   planes) and z, the 3×3 product with the kernel spectrum, the inverse FFTs (the y
   one only for the kept planes), and the kept rows written back into ``S``: one
   pass over memory for what would otherwise be a dozen;
3. rows: inverse real FFT along x and the first ``nx`` values added into ``out``.

The kernel spectrum is real (each component is even, or odd along exactly two
axes), so it is stored as real arrays, six in 3D and four for a single layer (where
``Nxz = Nyz = 0``), pre-cut into the column blocks. Blocks are shared among
``threads`` Python threads (numpy's and scipy's FFTs and numpy's ufuncs release the
GIL) on the context's thread pool (``ctx.threads``: by default one thread per 2¹⁶
complex values of the padded half spectrum, at most the CPUs, at most 4). Stage 2
uses scipy's in-place complex FFTs, stages 1 and 3 numpy's real FFTs with ``out=``
(scipy's ``rfft`` for float32, where numpy's is slow): these FFT libraries are the
term's own choice and stay as they are (another array module of the context brings
its own FFT); buffers and products use the context's array module.

When the context has the numba kernels (``ctx.kernels``: large meshes,
:mod:`orchestrator.solver.jit`) the kernel product of stage 2 is a numba kernel that
works in place on the block (the same sums in the same order, so the same numbers),
which needs no second block buffer and is ~3× faster than the ufuncs (complex-by-real
products go through a complex cast in numpy).

Profile (one thread, float64, 1024 × 1024 × 1, this repository's 2-core machine,
ms per evaluation): stage 1 22, stage 2 89 (FFTs 54, block copies in 10 and out 14,
zeroing 2, kernel product 8; the product took 22 with ufuncs), stage 3 24; the FFTs
are ~75 % of the whole (see ``benchmarks/results/solver.md``).
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft

from orchestrator.solver.context import Context
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.base import FieldTerm
from orchestrator.solver.terms.newell import demag_kernel, fft_shape

__all__ = ["Demag"]

#: Work (complex values of the padded half spectrum, 3 components) per thread below
#: which the demag term uses no further thread (:meth:`Threads.count`).
DEMAG_GRAIN = 1 << 16

_NAMES = {(0, 0): "xx", (1, 1): "yy", (2, 2): "zz", (0, 1): "xy", (1, 0): "xy",
          (0, 2): "xz", (2, 0): "xz", (1, 2): "yz", (2, 1): "yz"}


class Demag(FieldTerm):
    """Demagnetisation by FFT convolution with the Newell tensor.

    Parameters
    ----------
    pbc_repeats : (rx, ry, rz), optional
        Periodic images along the periodic axes of the mesh (mumax3 ``SetPBC``
        counts: offsets up to ``r n - 1`` cells are summed); default
        ``mesh.pbc_repeats``. Ignored along open axes; a periodic axis needs ``r >= 1``.
    threads : int, optional
        Threads sharing the blocks of each stage (default: the context's thread policy,
        one per 2¹⁶ complex values of the padded half spectrum, at most the CPUs this
        process may use, at most 4; so 1 for small meshes, where threads cost more
        than they save).
    block_bytes : int
        Target size of one block of one array (cache blocking; default 256 KiB).
    dtype : numpy dtype
        Precision of the convolution: float64 (default) or float32 (~1.4x faster,
        error ~3e-7 of max|H|; the kernel is computed in float64 either way). m and
        ``out`` stay in their own dtype.

    Attributes
    ----------
    repeats : (rx, ry, rz)
        Images used per axis after :meth:`setup` (0 along open axes).
    fft_shape : (Lz, Ly, Lx)
        FFT lengths: at least ``2n - 1`` (a fast length) along open axes, ``n`` along
        periodic ones, 1 for a single open cell.
    components : tuple of str
        The non-zero tensor components (``"xx"``, ..., ``"yz"``).

    Examples
    --------
    >>> import numpy as np
    >>> from orchestrator.solver.mesh import Mesh
    >>> mesh = Mesh(n=(4, 4, 4), cell=(1e-9, 1e-9, 1e-9), Ms=8e5)
    >>> demag = Demag(); demag.setup(mesh)
    >>> m = np.zeros(mesh.shape + (3,)); m[..., 2] = 1
    >>> H = demag.field(m)
    >>> round(float(H[..., 2].mean() / 8e5), 12)   # a uniformly magnetised cube: -1/3
    -0.333333333333
    """

    name = "Demag"
    energy_factor = 0.5

    def __init__(self, pbc_repeats=None, threads: int | None = None,
                 block_bytes: int = 1 << 18, dtype=np.float64):
        self.pbc_repeats = None if pbc_repeats is None else tuple(int(v) for v in pbc_repeats)
        self.threads = threads
        self.block_bytes = int(block_bytes)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
            raise ValueError(f"dtype must be float64 or float32, not {self.dtype}")

    # ------------------------------------------------------------------------------
    def setup(self, ctx: Context | Mesh) -> None:
        super().setup(ctx)
        mesh, xp = self.mesh, self.xp
        reps = self.pbc_repeats if self.pbc_repeats is not None else tuple(mesh.pbc_repeats)
        if len(reps) != 3:
            raise ValueError(f"pbc_repeats needs three counts, got {reps!r}")
        rep = []
        for a, ax in enumerate("xyz"):
            if ax in mesh.pbc:
                if reps[a] < 1:
                    raise ValueError(
                        f"axis {ax} is periodic: demag needs pbc_repeats[{a}] >= 1 "
                        f"(images on each side, as mumax3's SetPBC), got {reps[a]}")
                rep.append(int(reps[a]))
            else:
                rep.append(0)
        self.repeats = tuple(rep)
        nx, ny, nz = mesh.n
        self.shape = (nz, ny, nx)
        self.fft_shape = Lz, Ly, Lx = fft_shape(mesh.n, self.repeats)
        Lxh = Lx // 2 + 1
        K = demag_kernel(mesh.n, mesh.cell, self.repeats, shape=self.fft_shape)
        # H = -N M: keep -FFT(N), real by symmetry (the imaginary part is rounding);
        # the inverse FFT carries the 1/L
        kernel = {}
        for name, arr in K.items():
            if np.any(arr):
                kernel[name] = -sfft.rfftn(arr, workers=-1).real
        del K
        self.components = tuple(kernel)
        self._rows = [[(b, _NAMES[a, b]) for b in range(3) if _NAMES[a, b] in kernel]
                      for a in range(3)]

        # Ms as at setup (call setup again after changing mesh.Ms)
        Ms = np.array(mesh.Ms, dtype=np.float64)
        self._Ms_scalar = float(Ms.flat[0]) if np.all(Ms == Ms.flat[0]) else None
        self._Ms = xp.asarray(Ms)
        # half spectra along x of the occupied (z, y) rows: M, then H
        real = self.dtype
        cplx = np.result_type(real, np.complex64)
        self._S = xp.zeros((3, nz, ny, Lxh), dtype=cplx)

        # stage 1 and 3 blocks: (z, y0, y1) row ranges
        rows = max(1, min(ny, self.block_bytes // (real.itemsize * Lx)))
        self._row_blocks = [(z, y0, min(ny, y0 + rows)) for z in range(nz)
                            for y0 in range(0, ny, rows)]
        # stage 2 blocks: kx column ranges, sized so one (Lz, Ly, b) complex array is
        # about block_bytes
        cols = max(1, min(Lxh, self.block_bytes // (cplx.itemsize * Ly * Lz)))
        self._col_blocks = [(c0, min(Lxh, c0 + cols)) for c0 in range(0, Lxh, cols)]
        self._col_items = list(enumerate(self._col_blocks))
        self._kernel_blocks = [{k: xp.asarray(np.ascontiguousarray(
                                    np.swapaxes(v[..., c0:c1], -1, -2), dtype=real))
                                for k, v in kernel.items()}
                               for c0, c1 in self._col_blocks]
        del kernel
        # the kernel product as a numba kernel (when the context has them: large
        # meshes): in place, one pass, the components in a fixed order (absent ones as
        # zeros)
        self._jit = self.ctx.kernels is not None
        self._jit_blocks = None
        if self._jit:
            film = not ({"xz", "yz"} & set(self.components))
            names = ("xx", "yy", "zz", "xy") if film else ("xx", "yy", "zz", "xy", "xz", "yz")
            self._jit_product = "demag_product_film" if film else "demag_product"
            self._jit_blocks = []
            for kb in self._kernel_blocks:
                zero = None
                arrs = []
                for k in names:
                    if k not in kb and zero is None:
                        zero = np.zeros_like(next(iter(kb.values())))
                    arrs.append(kb.get(k, zero).reshape(-1))
                self._jit_blocks.append(tuple(arrs))

        work = 3 * Lz * Ly * Lxh
        nthreads = int(self.threads) if self.threads is not None else \
            self.ctx.threads.count(work, DEMAG_GRAIN)
        self._nthreads = max(1, min(nthreads, len(self._col_blocks), len(self._row_blocks)))
        # per-thread work buffers
        self._local = []
        for _ in range(self._nthreads):
            jit = self._jit   # the numba product works in place
            self._local.append(dict(
                P=xp.zeros((rows, Lx), dtype=real),
                R=xp.empty((rows, Lx), dtype=real),
                B=xp.zeros((3, Lz, cols, Ly), dtype=cplx),
                H=None if jit else xp.empty((3, Lz, cols, Ly), dtype=cplx),
                T=None if jit else xp.empty((Lz, cols, Ly), dtype=cplx),
            ))

    # ------------------------------------------------------------------------------
    def _parallel(self, fn, items) -> None:
        """Run ``fn(items_part, local_buffers)`` on contiguous shares of ``items``, one
        per thread, on the context's thread pool."""
        T = self._nthreads
        if T == 1:
            fn(items, self._local[0])
            return
        bounds = np.linspace(0, len(items), T + 1).astype(int)
        self.ctx.threads.run(fn, [(items[bounds[i]:bounds[i + 1]], self._local[i])
                                  for i in range(T)])

    def _stage1(self, blocks, buf, m) -> None:
        """Ms m along x, zero-padded, and its real FFT into S (occupied rows)."""
        nx = self.shape[2]
        P = buf["P"]
        S = self._S
        Ms = self._Ms_scalar
        single = self.dtype == np.float32
        mul = self.xp.multiply
        for z, y0, y1 in blocks:
            p = P[:y1 - y0]
            for c in range(3):
                if Ms is None:
                    mul(m[z, y0:y1, :, c], self._Ms[z, y0:y1], out=p[:, :nx])
                else:
                    mul(m[z, y0:y1, :, c], Ms, out=p[:, :nx])
                if single:   # numpy's float32 real FFT is slow: scipy's, and a copy
                    S[c, z, y0:y1] = sfft.rfft(p, axis=-1)
                else:
                    np.fft.rfft(p, axis=-1, out=S[c, z, y0:y1])

    def _stage2(self, blocks, buf) -> None:
        """Per kx block: FFT along y and z, the kernel product, inverse, back into S."""
        nz, ny, _ = self.shape
        Lz, Ly, _ = self.fft_shape
        S = self._S
        B, Hb, T = buf["B"], buf["H"], buf["T"]
        # scipy's in-place complex transforms (numpy's complex64 ones are 3-6x slower)
        fft, ifft = sfft.fft, sfft.ifft
        swap = self.xp.swapaxes
        jit = self._jit_blocks
        if jit is not None:
            Bv = B.reshape(-1).view(self.dtype)   # flat reals: (3, Lz, cols, Ly, re/im)
            cols = B.shape[2]
            product = getattr(self.ctx.kernels, self._jit_product)
        for i, (c0, c1) in blocks:
            w = c1 - c0
            # blocks are (component, z, kx, y): the y transforms run along contiguous rows
            b = B[:, :, :w]
            b[:, :nz, :, :ny] = swap(S[:, :, :, c0:c1], -1, -2)
            if Ly > ny:
                b[:, :nz, :, ny:] = 0
            if Lz > nz:
                b[:, nz:] = 0
            if Ly > 1:   # the planes z >= nz are zero: transform the others
                fft(b[:, :nz], axis=-1, overwrite_x=True)
            if Lz > 1:
                fft(b, axis=-3, overwrite_x=True)
            if jit is not None:
                # the same sums as the ufuncs below, fused and in place
                product(Bv, *jit[i], Lz, cols, Ly, w)
                h = b
            else:
                h, t = Hb[:, :, :w], T[:, :w]
                self._product(b, h, t, self._kernel_blocks[i])
            if Lz > 1:
                ifft(h, axis=-3, overwrite_x=True)
            if Ly > 1:
                ifft(h[:, :nz], axis=-1, overwrite_x=True)
            swap(S[:, :, :, c0:c1], -1, -2)[...] = h[:, :nz, :, :ny]

    def _product(self, b, h, t, kb) -> None:
        """``h = N b`` for one block with ufuncs (``t``: scratch of one component)."""
        mul, add = self.xp.multiply, self.xp.add
        for ax, row in enumerate(self._rows):
            ha = h[ax]
            if not row:
                ha[...] = 0
                continue
            bb, k = row[0]
            mul(b[bb], kb[k], out=ha)
            for bb, k in row[1:]:
                mul(b[bb], kb[k], out=t)
                add(ha, t, out=ha)

    def _stage3(self, blocks, buf, out) -> None:
        """Inverse real FFT along x of the occupied rows, added into out."""
        nx = self.shape[2]
        Lx = self.fft_shape[2]
        R = buf["R"]
        S = self._S
        add = self.xp.add
        for z, y0, y1 in blocks:
            r = R[:y1 - y0]
            for c in range(3):
                np.fft.irfft(S[c, z, y0:y1], n=Lx, axis=-1, out=r)
                o = out[z, y0:y1, :, c]
                add(o, r[:, :nx], out=o)

    def add_field(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        self._parallel(lambda b, buf: self._stage1(b, buf, m), self._row_blocks)
        self._parallel(self._stage2, self._col_items)
        self._parallel(lambda b, buf: self._stage3(b, buf, out), self._row_blocks)
