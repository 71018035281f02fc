"""Depinning thresholds from runs of a driven texture over disorder realisations.

A realisation *moves* at a current when it covers a set share of the distance the clean
sample covers at that current over the same window; the threshold is the lowest current from
which on at least a set share of the realisations move at every larger current. With a finite
list of currents the threshold is only bracketed: :func:`depinning_threshold` returns the
interval (last current below it, first current at or above it), with 0 and ∞ as the open
ends. Pure functions over arrays; the paper pipelines (paper 002's Fig. 10) call them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

__all__ = ["Threshold", "moving", "depinning_threshold"]


def moving(distance: Sequence[float] | np.ndarray, clean: Sequence[float] | np.ndarray, *,
           share: float = 0.25) -> np.ndarray:
    """Whether each realisation moves: ``|distance| ≥ share·|clean|`` (same current, same
    window; NaN, e.g. a texture lost, counts as not moving).

    >>> moving([0.1, 3.0, float("nan")], [4.0, 4.0, 4.0]).tolist()
    [False, True, False]
    """
    d = np.abs(np.asarray(distance, float))
    c = np.abs(np.asarray(clean, float))
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(d, nan=-1.0) >= share * c


@dataclasses.dataclass(frozen=True)
class Threshold:
    """A depinning threshold bracketed by the currents run: ``lower < j_th ≤ upper``.

    ``lower = 0`` when the texture moved at every current run, ``upper = inf`` when it did
    not move at the largest one.
    """

    lower: float
    upper: float

    @property
    def resolved(self) -> bool:
        """Whether both ends are currents that were run."""
        return self.lower > 0 and math.isfinite(self.upper)

    def below(self, other: Threshold) -> bool | None:
        """Whether this threshold is certainly below ``other`` (True), certainly not below
        it (False) or the brackets overlap (None)."""
        if self.upper <= other.lower:
            return True
        if self.lower >= other.upper:
            return False
        return None

    def __str__(self) -> str:
        lo = "0" if self.lower == 0 else f"{self.lower:.3g}"
        hi = "∞" if math.isinf(self.upper) else f"{self.upper:.3g}"
        return f"({lo}, {hi}]"


def depinning_threshold(currents: Sequence[float] | np.ndarray,
                        fraction: Sequence[float] | np.ndarray, *,
                        at_least: float = 0.5) -> Threshold:
    """The threshold bracketed by ``currents`` (any order) and the share of realisations
    that moved at each (``fraction``): the lowest current from which the share is at least
    ``at_least`` at every larger current.

    >>> str(depinning_threshold([1, 2, 4, 8], [0.0, 0.25, 0.75, 1.0]))
    '(2, 4]'
    >>> str(depinning_threshold([1, 2], [1.0, 1.0])), str(depinning_threshold([1, 2], [0, 0]))
    ('(0, 1]', '(2, ∞]')
    """
    j = np.asarray(currents, float)
    f = np.asarray(fraction, float)
    if j.shape != f.shape or j.ndim != 1 or not j.size:
        raise ValueError("currents and fraction must be equal-length, non-empty 1-D sequences")
    order = np.argsort(j)
    j, ok = j[order], f[order] >= at_least
    k = len(j)
    while k > 0 and ok[k - 1]:
        k -= 1
    return Threshold(lower=float(j[k - 1]) if k > 0 else 0.0,
                     upper=float(j[k]) if k < len(j) else math.inf)
