"""OOMMF ODT tables (real OOMMF output) and the table entry point."""

import numpy as np
import pytest

from analysis import FormatError, read_table
from analysis.odt import clean_odt_name, tcl_words
from conftest import OOMMF


def test_sp4_table_reproduces_the_reference_zero_crossing():
    df = read_table(OOMMF / "sp4.odt")
    assert len(df) == 2170
    assert df.attrs["units"]["t"] == "s" and df.attrs["units"]["mx"] == ""
    # The fixture README (independent of this code) says <mx> first crosses zero at
    # 0.1386 ns: the first row with mx < 0, to the 4 digits it quotes.
    t0 = df["t"].to_numpy()[np.argmax(df["mx"].to_numpy() < 0)]
    assert round(t0 * 1e9, 4) == 0.1386
    assert df["t"].iloc[-1] == pytest.approx(1e-9, rel=1e-12)  # 1 ns run


def test_brace_quoted_columns_and_units():
    df = read_table(OOMMF / "small.odt")
    cols = df.attrs["columns"]
    assert cols["t"] == "Oxs_TimeDriver::Simulation time"
    assert cols["Total_energy"] == "Oxs_RungeKuttaEvolve:evolve:Total energy"
    assert cols["E_DMI_Cnv_z"] == "Oxs_DMI_Cnv_z::Energy"
    assert df.attrs["units"]["Max_dm_dt"] == "deg/ns"
    assert df.attrs["units"]["iteration"] == ""  # '{}' is no unit
    assert df.attrs["format"] == "odt"
    # the energies add up: OOMMF's total is the sum of its terms (independent check
    # that the columns are not shifted); 1e-12 relative is float64 summation rounding
    terms = df[["E_UniformExchange", "E_DMI_Cnv_z", "E_UniaxialAnisotropy", "E_FixedZeeman"]]
    np.testing.assert_allclose(terms.sum(axis=1), df["Total_energy"], rtol=1e-12)
    # the last row is the state of ovf2-*-m.omf (iteration 113, t = 4 ps)
    assert df["iteration"].iloc[-1] == 113 and df["t"].iloc[-1] == pytest.approx(4e-12, rel=1e-15)


@pytest.mark.parametrize("path", sorted(OOMMF.glob("*.odt")), ids=lambda p: p.name)
def test_every_fixture_table_reads(path):
    df = read_table(path)
    assert len(df) >= 1
    assert all(name.isidentifier() for name in df.columns)
    assert set(df.attrs["units"]) == set(df.columns)


def test_tcl_words():
    assert tcl_words("{a b} c {} {d:e f}") == ["a b", "c", "", "d:e f"]


@pytest.mark.parametrize(("raw", "clean"), [
    ("Oxs_TimeDriver::Simulation time", "t"),
    ("Oxs_TimeDriver::mx", "mx"),
    ("Oxs_MinDriver::Stage iteration", "stage_iteration"),
    ("Oxs_Demag::Energy", "E_Demag"),
    ("Oxs_RungeKuttaEvolve:evolve:dE/dt", "dE_dt"),
    ("Oxs_UniformExchange::Max Spin Ang", "UniformExchange_Max_Spin_Ang"),
])
def test_clean_names(raw, clean):
    assert clean_odt_name(raw) == clean


def test_unknown_table_format(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("time mx\n0 1\n")
    with pytest.raises(FormatError) as err:
        read_table(p)
    assert err.value.line == 1 and str(p) in str(err.value)
