"""Stereographic coordinates of unit vectors about any pole: ``w = (m·e1 + i m·e2)/(1 + m·b)``
and back. Used to build textures from rational functions and to join textures smoothly
(:mod:`analysis.texture_library`, :mod:`analysis.texture_ops`)."""

from __future__ import annotations

import numpy as np

__all__ = ["frame", "to_w", "from_w"]


def frame(b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A right-handed orthonormal frame ``(e1, e2, b)`` for a unit vector b (x, y for +z)."""
    b = np.asarray(b, dtype=float)
    b = b / np.linalg.norm(b)
    t = np.array([1.0, 0.0, 0.0]) if abs(b[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = t - (t @ b) * b
    e1 /= np.linalg.norm(e1)
    return e1, np.cross(b, e1), b


def to_w(m: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Stereographic coordinate ``w = (m·e1 + i m·e2)/(1 + m·b)`` about the pole b (∞ at −b)."""
    e1, e2, b = frame(b)
    den = 1.0 + m @ b
    with np.errstate(all="ignore"):
        return np.where(den > 1e-300, (m @ e1 + 1j * (m @ e2)) / den, np.inf)


def from_w(W: np.ndarray, b: np.ndarray = np.array([0.0, 0.0, 1.0])) -> np.ndarray:
    """Inverse of :func:`to_w`: ``(2 Re w e1 + 2 Im w e2 + (1 − |w|²) b)/(1 + |w|²)``.

    Evaluated with 1/w where |w| > 1, so large and infinite w are exact; any
    non-finite w is the antipode −b.
    """
    e1, e2, b = frame(b)
    with np.errstate(all="ignore"):
        finite = np.isfinite(W)
        small = finite & (np.abs(W) <= 1.0)
        U = np.where(finite & ~small, 1.0 / np.where(small | ~finite, 1.0, W), 0.0)
    Wc = np.where(small, W, 0.0)  # w where |w| <= 1, else 0
    a2, u2 = np.abs(Wc) ** 2, np.abs(U) ** 2  # U = 1/w where |w| > 1, 0 at w = ∞
    nxy = np.where(small, 2 * Wc / (1 + a2), 2 * np.conj(U) / (1 + u2))
    nb = np.where(small, (1 - a2) / (1 + a2), (u2 - 1) / (1 + u2))
    return nxy.real[..., None] * e1 + nxy.imag[..., None] * e2 + nb[..., None] * b
