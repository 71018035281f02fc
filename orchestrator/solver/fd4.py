r"""Fourth-order first derivatives along one axis: the stencil the fourth-order DMI
(:mod:`orchestrator.solver.terms.dmi4`) and Zhang–Li torque
(:mod:`orchestrator.solver.torques.zhangli`, ``order=4``) share.

Interior and periodic axes
    :math:`\partial m_i \approx [8(m_{i+1} - m_{i-1}) - (m_{i+2} - m_{i-2})]/(12\Delta)`
    (notes-003 §6.4), wrapped around on a periodic axis (any n; on an axis of one cell
    the derivative is 0).

Open axes (free edges): summation by parts
    The classical diagonal-norm SBP operator with fourth-order interior and second-order
    boundary closure (Strand 1994; the coefficients of Mattsson & Nordström 2004, J.
    Comput. Phys. 199, 503): :math:`\mathsf D = \mathsf H^{-1}\mathsf Q` with the
    quadrature weights ``H = diag(17/48, 59/48, 43/48, 49/48, 1, …)`` (mirrored at the
    other edge) and ``Q + Qᵀ = diag(−1, 0, …, 0, 1)``. The four cells nearest each edge
    use one-sided rows, no ghost cells; an open axis needs n = 1 or n ≥ 8 cells.

    The second-order version of the same construction (trapezoid weights
    ``(1/2, 1, …, 1, 1/2)``, rows ``(m_{i+1} − m_{i−1})/2`` inside, ``m_1 − m_0`` at the
    edge) is exactly OOMMF's DMI with missing neighbours left out, which the built-in
    :class:`~orchestrator.solver.terms.dmi.DMI` reproduces: its energy is
    :math:`\sum_i \mathbf m_i\cdot(\mathbf d\times(\mathsf Q_A\mathbf m)_i)`, with
    ``Q_A = Q − (Q + Qᵀ)/2`` the antisymmetric part. The fourth-order DMI uses the
    antisymmetric part of the fourth-order ``Q`` in the same way (:func:`antisymmetric_band`);
    the Zhang–Li torque, which has no energy, uses the derivative ``D`` itself
    (:func:`derivative_band`).

Both come as bands ``(7, n)``: row ``k + 3`` holds the coefficient of ``m[i + k]`` in
row i (times Δ; k = −3 … 3), on a periodic axis with i + k taken modulo n.

Examples
--------
>>> H, Q = sbp42(10)
>>> (H[:4] * 48).tolist()
[17.0, 59.0, 43.0, 49.0]
>>> B = Q + Q.T; bool(B[0, 0] == -1 and B[-1, -1] == 1 and np.count_nonzero(B) == 2)
True
>>> x = np.arange(10.0); D = Q / H[:, None]
>>> bool(np.allclose(D @ x**2, 2 * x))   # exact for quadratics, the edge rows included
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["INTERIOR", "MIN_OPEN", "sbp42", "antisymmetric_band", "band_tables",
           "derivative_band", "pairs"]

#: interior first-derivative stencil (times Δ) for the offsets −2 … 2
INTERIOR = {-2: 1.0 / 12.0, -1: -2.0 / 3.0, 1: 2.0 / 3.0, 2: -1.0 / 12.0}
#: the fewest cells an open axis may have (besides 1): the two 4-row closures must not overlap
MIN_OPEN = 8

# Q of the left closure, rows 0-3 and columns 0-5 (Mattsson & Nordström 2004, eq. (A.1)
# times H); Q + Qᵀ = diag(-1, 0, ...) there and the rows join the interior stencil.
_H_EDGE = np.array([17.0, 59.0, 43.0, 49.0]) / 48.0
_Q_EDGE = np.array([
    [-1 / 2, 59 / 96, -1 / 12, -1 / 32, 0.0, 0.0],
    [-59 / 96, 0.0, 59 / 96, 0.0, 0.0, 0.0],
    [1 / 12, -59 / 96, 0.0, 59 / 96, -1 / 12, 0.0],
    [1 / 32, 0.0, -59 / 96, 0.0, 2 / 3, -1 / 12],
])


def _check_open(n: int) -> None:
    if 1 < n < MIN_OPEN:
        raise ValueError(f"the fourth-order first derivative needs 1 or at least {MIN_OPEN} "
                         f"cells along an open axis, got {n} (make the axis periodic or "
                         "use the second-order scheme)")


def sbp42(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The SBP operator of an open axis of ``n`` cells (n = 1 or ≥ 8), dense.

    Returns
    -------
    H : ndarray (n,)
        Quadrature weights (times Δ).
    Q : ndarray (n, n)
        ``H D`` (times Δ), with ``Q + Qᵀ = diag(−1, 0, …, 0, 1)``.
    """
    _check_open(n)
    if n == 1:
        return np.ones(1), np.zeros((1, 1))
    H = np.ones(n)
    H[:4] = _H_EDGE
    H[-4:] = _H_EDGE[::-1]
    Q = np.zeros((n, n))
    for i in range(4, n - 4):
        for k, c in INTERIOR.items():
            Q[i, i + k] = c
    Q[:4, :6] = _Q_EDGE
    Q[-4:, -6:] = -_Q_EDGE[::-1, ::-1]
    return H, Q


def _band_of(M: np.ndarray) -> np.ndarray:
    n = M.shape[0]
    band = np.zeros((7, n))
    for k in range(-3, 4):
        i = np.arange(max(0, -k), min(n, n - k))
        band[k + 3, i] = M[i, i + k]
    return band


def _periodic_band(n: int) -> np.ndarray:
    band = np.zeros((7, n))
    if n > 1:
        for k, c in INTERIOR.items():
            band[k + 3] = c
    return band


def antisymmetric_band(n: int, periodic: bool) -> np.ndarray:
    """Band ``(7, n)`` of the antisymmetric part ``Q_A`` of ``Q`` (the DMI's operator):
    the interior stencil wrapped on a periodic axis, the SBP closure on an open one."""
    if periodic:
        return _periodic_band(n)
    _, Q = sbp42(n)
    return _band_of(0.5 * (Q - Q.T))


def derivative_band(n: int, periodic: bool) -> np.ndarray:
    """Band ``(7, n)`` of the first derivative ``D = H⁻¹Q`` (times Δ; Zhang–Li's)."""
    if periodic:
        return _periodic_band(n)
    H, Q = sbp42(n)
    return _band_of(Q / H[:, None])


def pairs(n: int, k: int, periodic: bool) -> list[tuple[slice, slice]]:
    """(target, source) slices along one axis: ``target[i]`` couples to ``source[i]`` =
    cell ``i + k`` (wrapped on a periodic axis, also where k exceeds n)."""
    if periodic:
        k %= n
    if k == 0:
        return [(slice(0, n), slice(0, n))]
    q = abs(k)
    out = []
    if n > q:
        out.append((slice(0, n - q), slice(q, n)) if k > 0 else (slice(q, n), slice(0, n - q)))
    if periodic:  # here 0 < k < n
        out.append((slice(n - q, n), slice(0, q)))
    return out


def band_tables(band: np.ndarray, periodic: bool) -> tuple[np.ndarray, np.ndarray]:
    """The flat tables ``C`` (coefficients) and ``J`` (source indices) of a ``(7, n)``
    band (``band[k + 3][i]`` multiplies cell ``i + k``) for the fused kernels of
    :mod:`orchestrator.solver._kernels_fd4`: ``C[7 i + t]``, ``J[7 i + t]`` for offset
    ``t − 3``, wrapped on a periodic axis; the diagonal (offset 0) is left out (zero)."""
    n = band.shape[1]
    i = np.arange(n)[:, None]
    k = np.arange(-3, 4)[None, :]
    src = i + k
    C = band.T.copy()
    C[:, 3] = 0.0
    if periodic:
        src = src % n
    else:
        if np.any(C[(src < 0) | (src >= n)] != 0):
            raise ValueError("a free-edge band reaches outside the axis")
        src = np.clip(src, 0, n - 1)
    return np.ascontiguousarray(C.reshape(-1)), np.ascontiguousarray(src.reshape(-1),
                                                                     dtype=np.uint64)
