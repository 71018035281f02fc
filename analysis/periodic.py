"""Periodic-boundary geometry shared by the analysis modules: the minimum image."""

from __future__ import annotations

import numpy as np

__all__ = ["minimum_image"]


def minimum_image(d: np.ndarray, L: float | None) -> np.ndarray:
    """Displacements ``d`` folded into ``[-L/2, L/2)`` along a periodic axis of length ``L``.

    ``L`` of None (or 0) means an open axis: ``d`` is returned unchanged.

    Examples
    --------
    >>> minimum_image(np.array([0.9, -0.6, 0.2]), 1.0)
    array([-0.1,  0.4,  0.2])
    """
    d = np.asarray(d, dtype=float)
    if not L:
        return d
    return d - L * np.floor(d / L + 0.5)
