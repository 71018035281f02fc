"""Reading the OVF files that real OOMMF 2.1a0 wrote (tests/data/oommf, see README)."""

from pathlib import Path

import discretisedfield as df
import numpy as np
import pytest

from analysis import read_ovf, read_ovf_header
from conftest import OOMMF

FLAVOURS = ["ovf2-bin8-m", "ovf2-bin4-m", "ovf2-text-m", "ovf1-bin8-m", "ovf1-bin4-m", "ovf1-text-m"]
MS = 580e3  # fixture_small.mif


@pytest.fixture(scope="module")
def reference():
    return read_ovf(OOMMF / "ovf2-bin8-m.omf")


@pytest.mark.parametrize("name", FLAVOURS)
def test_six_flavours_of_one_state_agree_to_their_precision(name, reference):
    m = read_ovf(OOMMF / f"{name}.omf")
    assert m.dims == ("z", "y", "x", "c")
    assert m.shape == (2, 8, 12, 3)
    err = np.abs(np.asarray(m.values, dtype=float) - reference.values).max() / MS
    if "bin4" in name:
        # float32 keeps 24 bits: relative rounding error <= 2**-24 = 6e-8 per component
        assert 0 < err <= 2.0**-24
    else:
        # binary 8 and OOMMF's 17-digit text are the same float64 numbers
        assert err == 0
    assert m.attrs["time"] == 4e-12  # '# Desc: Total simulation time: 4e-12 s'
    assert m.attrs["ovf_version"] == (1 if name.startswith("ovf1") else 2)


def test_byte_order_follows_the_version():
    assert read_ovf_header(OOMMF / "ovf1-bin8-m.omf").dtype == ">f8"  # OVF 1: big-endian
    assert read_ovf_header(OOMMF / "ovf2-bin4-m.omf").dtype == "<f4"  # OVF 2: little-endian


def test_coordinates_are_cell_centres_in_metres(reference):
    # 12 x 8 x 2 cells of 1 nm from the origin: centres at (i + 1/2) nm
    np.testing.assert_allclose(reference.x.values, (np.arange(12) + 0.5) * 1e-9, rtol=1e-15)
    np.testing.assert_allclose(reference.z.values, [0.5e-9, 1.5e-9], rtol=1e-15)
    assert reference.x.attrs["units"] == "m"
    assert reference.attrs["cell"] == pytest.approx((1e-9, 1e-9, 1e-9), rel=1e-15)
    assert reference.attrs["pmax"] == pytest.approx((12e-9, 8e-9, 2e-9), rel=1e-15)


def test_header_metadata_is_kept(reference):
    a = reference.attrs
    assert a["title"] == "Oxs_TimeDriver::Magnetization"
    assert a["units"] == "A/m"
    assert reference.name == "Magnetization"
    assert list(reference.c.values) == ["x", "y", "z"]
    assert (a["iteration"], a["stage"], a["stage_iteration"]) == (113, 1, 50)
    assert "MIF source file: fixture_small.mif" in a["desc"]


def test_magnetisation_has_the_saturation_norm(reference):
    # OOMMF keeps |M| = Ms in every cell: an independent check on the value layout
    norm = np.linalg.norm(reference.values, axis=-1)
    np.testing.assert_allclose(norm, MS, rtol=1e-12)


def test_minimisation_driver_time_sentinel_means_no_time():
    # Oxs_MinDriver writes 'Total simulation time: -2 s': there is no time
    h = read_ovf_header(OOMMF / "skyrmion_6ngbr-MinDriver-Magnetization.omf")
    assert h.time is None
    assert "time" not in read_ovf(OOMMF / "skyrmion_6ngbr-MinDriver-Magnetization.omf").attrs


@pytest.mark.parametrize("path", sorted(OOMMF.glob("*.o[mh]f")), ids=lambda p: p.name)
def test_every_fixture_reads_and_matches_discretisedfield(path: Path):
    ours = read_ovf(path)
    theirs = df.Field.from_file(path)
    # discretisedfield orders (x, y, z, c); ours is the file's (z, y, x, c)
    np.testing.assert_array_equal(np.asarray(ours.values).transpose(2, 1, 0, 3), theirs.array)
    np.testing.assert_allclose(ours.attrs["pmin"], theirs.mesh.region.pmin, rtol=0, atol=1e-20)
    np.testing.assert_allclose(ours.attrs["cell"], theirs.mesh.cell, rtol=1e-15)
    if path.suffix == ".ohf":
        assert ours.attrs["units"] == "A/m"  # fields carry their units
        assert ours.name == "Field"


def test_exchange_field_text_and_binary_agree():
    a = read_ovf(OOMMF / "ovf2-bin8-hexchange.ohf")
    b = read_ovf(OOMMF / "ovf2-text-hexchange.ohf")
    np.testing.assert_array_equal(a.values, b.values)  # 17 significant digits: exact
    assert a.attrs["title"] == b.attrs["title"] == "Oxs_UniformExchange::Field"


def test_mmap_gives_a_view_of_the_file_and_no_copy():
    m = read_ovf(OOMMF / "sp4-sstate.omf")
    assert isinstance(m.variable._data, np.memmap) or isinstance(m.values, np.memmap)
    loaded = read_ovf(OOMMF / "sp4-sstate.omf", mmap=False)
    np.testing.assert_array_equal(m.values, loaded.values)
    assert m.shape == (1, 50, 200, 3)  # sp4: 200 x 50 x 1 cells
