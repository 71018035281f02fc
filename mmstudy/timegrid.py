"""Exact times of a save grid, written once: the built-in solver writes its snapshot and
table times with :func:`grid_time` and :mod:`analysis.time_axis` snaps and joins times
with the same arithmetic, so what is written is what is read.

Times are summed as the decimals a user types (their shortest ``repr``), not as binary
floats: ``10 × 1e-11`` is ``1e-10`` here, ``9.999999999999999e-11`` in float arithmetic.

>>> grid_time(0.0, 10, 1e-11), grid_time(2e-10, 3, 5e-12), grid_time(1e-10, 0, 1e-11)
(1e-10, 2.15e-10, 1e-10)
>>> add_times(1e-10, 5e-11), sub_times(1.5e-10, 5e-11)
(1.5e-10, 1e-10)
"""

from __future__ import annotations

from decimal import Decimal

__all__ = ["grid_time", "add_times", "sub_times"]


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def grid_time(start: float, n: int, step: float) -> float:
    """``start + n × step`` as the float nearest the decimal result."""
    return float(_dec(start) + int(n) * _dec(step))


def add_times(a: float, b: float) -> float:
    """``a + b`` as the float nearest the decimal sum."""
    return float(_dec(a) + _dec(b))


def sub_times(a: float, b: float) -> float:
    """``a - b`` as the float nearest the decimal difference."""
    return float(_dec(a) - _dec(b))
