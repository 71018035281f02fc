"""Quantities with units (orchestrator/study/units.py).

Expected values are written out by hand from the SI prefixes and μ0 = 4π·1e-7 T m/A
(the value OOMMF and mumax3 use), not taken from pint."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.study.units import MU0, UnitError, to_si

MU0_BY_HAND = 4e-7 * 3.141592653589793


def test_mu0_is_the_solvers_value():
    assert MU0 == MU0_BY_HAND


@pytest.mark.parametrize("value", [3.5e-3, 0.0, -1.2e6, 7])
def test_si_numbers_pass_through(value):
    out = to_si(value, "J/m^2")
    assert out == value and isinstance(out, float)


@pytest.mark.parametrize("text, unit, expected", [
    ("3.5 mJ/m^2", "J/m^2", 3.5e-3),
    ("3.5 mJ/m²", "J/m^2", 3.5e-3),          # unicode superscript
    ("-3 mJ/m**2", "J/m^2", -3e-3),
    ("15 pJ/m", "J/m", 15e-12),
    ("0.8 MJ/m^3", "J/m^3", 0.8e6),
    ("580 kA/m", "A/m", 580e3),
    ("1 MA/cm^2", "A/m^2", 1e10),              # 1e6 A / 1e-4 m²
    ("4e10 A/m^2", "A/m^2", 4e10),
    ("270 deg", "rad", 1.5 * math.pi),
    ("90 degree", "rad", math.pi / 2),
    ("1 rad", "rad", 1.0),
    ("300 K", "K", 300.0),
    ("10 fs", "s", 1e-14),
    ("2 ns", "s", 2e-9),
    ("0.15 ns", "s", 0.15e-9),
    ("0.4 nm", "m", 4e-10),
    ("1 T", "T", 1.0),
    ("3.5e-3", "J/m^2", 3.5e-3),               # a bare number in a string is SI
])
def test_strings_with_units(text, unit, expected):
    # 1e-15 relative: pint's conversion is a product of a few exact-ish factors
    assert to_si(text, unit) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize("text, unit", [("0.4 nm", "m"), ("10 fs", "s"), ("1.5 nm", "m"),
                                        ("0.1 ns", "s"), ("3.7 mJ/m^2", "J/m^2")])
def test_conversion_gives_the_si_literal_exactly(text, unit):
    """A quantity with units equals the same quantity typed in SI to the last bit, so
    "0.4 nm" and 4e-10 give the same study (and the same sweep point id)."""
    number, prefix_unit = text.split()
    factor = {"nm": 1e-9, "fs": 1e-15, "ns": 1e-9, "mJ/m^2": 1e-3}[prefix_unit]
    assert to_si(text, unit) == float(f"{float(number) * factor:.15g}")


@pytest.mark.parametrize("text, tesla", [("100 mT", 0.1), ("200 mT", 0.2), ("-1.5 T", -1.5),
                                         ("20 mT", 0.02)])
def test_field_in_tesla_is_mu0_H(text, tesla):
    assert to_si(text, "A/m") == pytest.approx(tesla / MU0_BY_HAND, rel=1e-15)


@pytest.mark.parametrize("text, unit, dimension", [
    ("3 m", "J/m^2", "[length]"),
    ("15 pJ/m", "A/m", "[mass]"),
    ("2 ns", "m", "[time]"),
    ("5 %", "m", "dimensionless"),
    ("300 K", "s", "[temperature]"),
])
def test_wrong_dimension_is_refused_with_both_units(text, unit, dimension):
    with pytest.raises(UnitError) as err:
        to_si(text, unit)
    msg = str(err.value)
    assert repr(text) in msg and unit in msg and dimension in msg


@pytest.mark.parametrize("value", ["abc", "3 foo", "", "1 +", "3 m/", None, [1.0], {"a": 1},
                                   True])
def test_garbage_is_refused_naming_the_value(value):
    with pytest.raises(UnitError) as err:
        to_si(value, "J/m^2")
    assert repr(value) in str(err.value) and "J/m^2" in str(err.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "nan", "inf m", "-inf nm"])
def test_non_finite_values_are_refused(value):
    with pytest.raises(UnitError, match="finite"):
        to_si(value, "m")


def test_unit_error_is_a_value_error():
    # pydantic turns ValueError raised in a validator into a field error
    assert issubclass(UnitError, ValueError)


PREFIXES = {"p": -12, "n": -9, "u": -6, "µ": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9}


@settings(max_examples=150, deadline=None)
@given(magnitude=st.floats(min_value=1e-6, max_value=1e6, allow_nan=False),
       sign=st.sampled_from([1.0, -1.0]),
       prefix=st.sampled_from(sorted(PREFIXES)),
       unit=st.sampled_from(["m", "s", "A/m", "J/m^3", "J/m", "A/m^2"]))
def test_prefixed_quantities_round_trip(magnitude, sign, prefix, unit):
    """"x <prefix><unit>" is x·10^k in SI for every prefix (the prefix applies to the
    first unit only: kA/m is 1e3 A/m). 2e-15 relative: one scaling by a power of ten in
    pint plus the 15-digit rounding (≤ 5e-16)."""
    x = sign * magnitude
    expected = x * 10.0 ** PREFIXES[prefix]
    assert to_si(f"{x!r} {prefix}{unit}", unit) == pytest.approx(expected, rel=2e-15)


@settings(max_examples=60, deadline=None)
@given(millitesla=st.floats(min_value=-1e4, max_value=1e4, allow_nan=False))
def test_millitesla_to_A_per_m_round_trip(millitesla):
    H = to_si(f"{millitesla!r} mT", "A/m")
    assert H * MU0_BY_HAND == pytest.approx(millitesla * 1e-3, rel=1e-14, abs=1e-300)
