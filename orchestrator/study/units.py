"""Quantities in study files: plain SI numbers or strings with units ("3.5 mJ/m^2").

Units are parsed by pint (a well-kept library: no hand-written unit tables here) and
every value is converted to SI before it enters the study model, so the rest of
mmstudy only ever sees floats in m, s, A/m, J/m³, J/m², K, rad.

Examples
--------
>>> to_si("3.5 mJ/m^2", "J/m^2")
0.0035
>>> to_si(3.5e-3, "J/m^2")
0.0035
>>> to_si("1 MA/cm^2", "A/m^2")
10000000000.0
>>> round(to_si("100 mT", "A/m"), 3)      # a field in tesla is μ0 H
79577.472
>>> round(to_si("270 deg", "rad"), 6)
4.712389
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import re
from collections.abc import Iterator, Mapping

from mmstudy.constants import MU0  # re-exported: T m/A, the value OOMMF and mumax3 use
from mmstudy.reduced import ReducedUnits

__all__ = ["MU0", "UnitError", "to_si", "unit_registry", "REDUCED_SYMBOLS", "LATTICE_SYMBOLS",
           "reduced_scale", "lattice_scale", "substitute_reduced"]

#: paper 003's reduced units, usable in a study with a ``[units]`` table (A, D, Ms):
#: symbol → (the ReducedUnits attribute, its SI unit)
REDUCED_SYMBOLS = {"L_D": ("L_D", "m"), "ell_D": ("ell", "m"), "B_D": ("B_D", "T"),
                   "K_D": ("energy_density", "J/m^3"), "v_D": ("velocity", "m/s"),
                   "t_D": ("time", "s")}
#: a lattice model's units (paper 002), usable in a study with a ``[lattice]`` table (a, J,
#: mu_s): symbol → (the mmstudy.lattice.LatticeUnits attribute, its SI unit)
LATTICE_SYMBOLS = {"a_L": ("a", "m"), "E_J": ("energy", "J"), "t_J": ("time", "s"),
                   "v_J": ("velocity", "m/s")}
#: which table gives each family of symbols its scale
_TABLES = ((REDUCED_SYMBOLS, "paper 003's reduced units", "[units] table (A, D, Ms)"),
           (LATTICE_SYMBOLS, "a lattice model's units", "[lattice] table (a, J)"))
_SYMBOL_RE = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join([*REDUCED_SYMBOLS, *LATTICE_SYMBOLS])
                        + r")(?![A-Za-z0-9_])")
#: symbol → "(value unit)" while a study with a [units] or [lattice] table is validated
_SCALE: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "mmstudy_reduced_scale", default=None)


@contextlib.contextmanager
def _scale(symbols: Mapping[str, tuple[str, str]], units) -> Iterator[None]:
    token = _SCALE.set({sym: f"({getattr(units, attr)!r} {unit})"
                        for sym, (attr, unit) in symbols.items()})
    try:
        yield
    finally:
        _SCALE.reset(token)


def lattice_scale(units) -> contextlib.AbstractContextManager[None]:
    """Within the block, quantities may be written in a lattice model's units
    (:data:`LATTICE_SYMBOLS`): ``"2 a_L"``, ``"0.18 E_J"``, ``"1000 t_J"``, ``"0.01 v_J"``
    (``units``: a :class:`mmstudy.lattice.LatticeUnits`); each is converted to SI once.

    Examples
    --------
    >>> from mmstudy.lattice import lattice_units
    >>> with lattice_scale(lattice_units(0.5e-9, 1.602176634e-22)):
    ...     round(to_si("1000 t_J", "s") * 1e9, 4), to_si("0.18 E_J", "J") / 1.602176634e-22
    (0.6582, 0.18)
    """
    return _scale(LATTICE_SYMBOLS, units)


@contextlib.contextmanager
def reduced_scale(units: ReducedUnits) -> Iterator[None]:
    """Within the block, quantities may be written in paper 003's reduced units
    (:data:`REDUCED_SYMBOLS`): ``"0.1 L_D"``, ``"0.6 B_D"`` (h = 0.6), ``"-0.3 K_D"``
    (u = −0.3), ``"0.02 v_D"`` (a current I), ``"100 t_D"``; each is converted to SI once.

    Examples
    --------
    >>> from mmstudy.reduced import reduced_units
    >>> with reduced_scale(reduced_units(8.78e-12, 1.58e-3, 384e3)):
    ...     round(to_si("1 L_D", "m") * 1e9, 2), round(to_si("0.5 B_D", "T"), 4)
    (69.83, 0.1851)
    """
    with _scale(REDUCED_SYMBOLS, units):
        yield


class UnitError(ValueError):
    """A value whose units are missing, unknown or of the wrong dimension."""


@functools.cache
def unit_registry():
    """The shared pint registry (created on first use; importing pint costs ~0.3 s)."""
    import pint

    return pint.UnitRegistry()


def to_si(value, unit: str) -> float:
    """Convert ``value`` to a float in the SI unit ``unit``.

    Parameters
    ----------
    value : float, int or str
        A number (already SI, taken as is) or a string with units, e.g. ``"580 kA/m"``.
    unit : str
        The SI unit the quantity must have (``"A/m"``, ``"J/m^3"``, ``"rad"`` ...).
        A field given in tesla where ``"A/m"`` is expected is converted as μ0 H = B.

    Returns
    -------
    float

    Raises
    ------
    UnitError
        If the string does not parse, or its dimension is not that of ``unit``.
    """
    if isinstance(value, bool):
        raise UnitError(f"expected a number or a quantity in {unit}, got {value!r}")
    if isinstance(value, (int, float)):
        return _finite(float(value), value, unit)
    if not isinstance(value, str):
        raise UnitError(f"expected a number or a quantity in {unit}, got {value!r}")
    return _finite(_parse(value, unit), value, unit)


def _finite(v: float, value, unit: str) -> float:
    if not math.isfinite(v):
        raise UnitError(f"expected a finite number or quantity in {unit}, got {value!r}")
    return v


def substitute_reduced(value: str) -> str:
    """``value`` with the symbols of paper 003's reduced units or of a lattice model's
    units replaced by their SI quantities (the scale in force: :func:`reduced_scale`,
    :func:`lattice_scale`)."""
    found = _SYMBOL_RE.findall(value)
    if not found:
        return value
    table = _SCALE.get() or {}
    for sym in found:
        if sym not in table:
            symbols, what, where = next(t for t in _TABLES if sym in t[0])
            raise UnitError(f"{value!r} is written in {what} ({', '.join(symbols)}): give "
                            f"their scale in the study's {where}")
    return _SYMBOL_RE.sub(lambda m: table[m.group(1)], value)


def _parse(value: str, unit: str) -> float:
    ureg = unit_registry()
    value = substitute_reduced(value)
    try:
        q = ureg.Quantity(value.strip())
    except Exception as err:  # pint raises several error types for bad strings
        raise UnitError(f"cannot read {value!r} as a quantity in {unit}: {err}") from None
    if not isinstance(q, ureg.Quantity) or q.units == ureg.dimensionless:
        return float(q.magnitude if isinstance(q, ureg.Quantity) else q)  # "3.5e-3": SI
    if q.dimensionless and unit in ("", "1"):
        return _round(q.to("dimensionless").magnitude)
    if q.is_compatible_with(unit):
        return _round(q.to(unit).magnitude)
    if unit == "A/m" and q.is_compatible_with("T"):
        return _round(q.to("T").magnitude) / MU0
    raise UnitError(f"{value!r} is not a quantity in {unit} (its dimension is "
                    f"{q.dimensionality})")


def _round(v: float) -> float:
    """Snap a converted value to its 15-significant-digit form when it is within a few
    ulp of it, so that pint's last-bit conversion noise ("0.4 nm" → 4.0000000000000007e-10)
    does not make a quantity written with units differ from the same number written in SI
    (and change a sweep point's content-hash id); a value that genuinely has more digits
    is left alone."""
    v = float(v)
    r = float(f"{v:.15g}")
    return r if abs(r - v) <= 4 * math.ulp(v) else v
