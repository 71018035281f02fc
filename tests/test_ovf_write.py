"""Writing OVF: bit-exact round trips through our reader and through discretisedfield."""

import discretisedfield as df
import numpy as np
import pytest

from analysis import read_ovf, write_ovf
from conftest import OOMMF

REPRS = ["bin8", "bin4", "text"]


def _field(shape=(3, 4, 5, 3), seed=0):
    rng = np.random.default_rng(seed)
    # values spanning many orders of magnitude, including negative zero and tiny numbers
    vals = rng.standard_normal(shape) * 10.0 ** rng.integers(-12, 12, size=shape)
    vals.flat[0] = -0.0
    return vals


@pytest.mark.parametrize("version", [2, 1])
@pytest.mark.parametrize("rep", REPRS)
def test_round_trip_is_bit_exact(tmp_path, rep, version):
    vals = _field()
    if rep == "bin4":
        vals = vals.astype(np.float32).astype(np.float64)  # only float32 numbers survive bin4
    path = write_ovf(tmp_path / "f.ovf", vals, cell=(1e-9, 2e-9, 3e-9), pmin=(-5e-9, 0, 1e-9),
                     representation=rep, version=version, title="m", units="A/m", time=1.25e-10)
    back = read_ovf(path)
    assert np.array_equal(np.asarray(back.values, dtype=np.float64), vals)
    assert np.signbit(back.values.flat[0])  # even -0.0 survives
    assert back.attrs["time"] == 1.25e-10
    assert back.attrs["cell"] == (1e-9, 2e-9, 3e-9)
    assert back.attrs["pmin"] == (-5e-9, 0.0, 1e-9)
    assert back.attrs["ovf_version"] == version


@pytest.mark.parametrize("valuedim", [1, 2, 3, 5])
def test_any_valuedim(tmp_path, valuedim):
    vals = _field((2, 3, 4, valuedim))
    path = write_ovf(tmp_path / "s.ovf", vals, cell=(1e-9,) * 3, title="E",
                     labels=[f"E{i}" for i in range(valuedim)], units="J/m^3")
    back = read_ovf(path)
    assert back.shape == vals.shape
    np.testing.assert_array_equal(back.values, vals)
    assert back.attrs["units"] == "J/m^3"


def test_rewriting_what_we_read_reproduces_the_oommf_values(tmp_path):
    m = read_ovf(OOMMF / "ovf2-bin8-m.omf")
    for rep in REPRS:
        back = read_ovf(write_ovf(tmp_path / f"m-{rep}.omf", m, representation=rep))
        tol = 2.0**-24 * 580e3 if rep == "bin4" else 0  # float32 rounding for bin4
        np.testing.assert_allclose(back.values, m.values, rtol=0, atol=tol)
        assert back.attrs["title"] == m.attrs["title"]
        assert back.attrs["time"] == m.attrs["time"]
        assert list(back.c.values) == ["x", "y", "z"] and back.name == "Magnetization"


@pytest.mark.parametrize("rep", REPRS)
def test_discretisedfield_reads_what_we_write(tmp_path, rep):
    vals = _field()
    if rep == "bin4":
        vals = vals.astype(np.float32).astype(np.float64)
    path = write_ovf(tmp_path / "ours.omf", vals, cell=(1e-9, 2e-9, 3e-9), pmin=(1e-9, 0, 0),
                     representation=rep, title="m", units="A/m")
    field = df.Field.from_file(path)
    np.testing.assert_array_equal(field.array, vals.transpose(2, 1, 0, 3))
    np.testing.assert_allclose(field.mesh.region.pmin, (1e-9, 0, 0), rtol=1e-15, atol=0)
    np.testing.assert_allclose(field.mesh.cell, (1e-9, 2e-9, 3e-9), rtol=1e-15)


@pytest.mark.parametrize("rep", REPRS)
def test_we_read_what_discretisedfield_writes(tmp_path, rep):
    vals = _field((4, 3, 2, 3))  # (x, y, z, c) for discretisedfield
    if rep == "bin4":
        vals = vals.astype(np.float32).astype(np.float64)
    mesh = df.Mesh(p1=(0, 0, 0), p2=(4e-9, 6e-9, 2e-9), n=(4, 3, 2))
    field = df.Field(mesh, nvdim=3, value=vals, unit="A/m")
    path = tmp_path / f"df-{rep}.omf"
    field.to_file(str(path), representation="txt" if rep == "text" else rep)
    ours = read_ovf(path)
    np.testing.assert_array_equal(np.asarray(ours.values, dtype=float).transpose(2, 1, 0, 3), vals)
    assert ours.attrs["units"] == "A/m"
    np.testing.assert_allclose(ours.x.values, [0.5e-9, 1.5e-9, 2.5e-9, 3.5e-9], rtol=1e-15)


def test_existing_files_are_not_overwritten(tmp_path):
    path = write_ovf(tmp_path / "m.ovf", _field(), cell=(1e-9,) * 3)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        write_ovf(path, _field(seed=1), cell=(1e-9,) * 3)
    assert path.read_bytes() == before
    write_ovf(path, _field(seed=1), cell=(1e-9,) * 3, overwrite=True)
    assert path.read_bytes() != before


def test_an_interrupted_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    import analysis.ovf as ovf

    path = write_ovf(tmp_path / "m.ovf", _field(), cell=(1e-9,) * 3, representation="text")
    before = path.read_bytes()

    def interrupted(fh, rows):
        fh.write(b"1 2 3\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(ovf, "_write_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_ovf(path, _field(seed=2), cell=(1e-9,) * 3, representation="text", overwrite=True)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.ovf"]  # no temporary left over


def test_invalid_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="cell"):
        write_ovf(tmp_path / "a.ovf", _field())
    with pytest.raises(ValueError, match="representation"):
        write_ovf(tmp_path / "a.ovf", _field(), cell=(1e-9,) * 3, representation="bin2")
    with pytest.raises(ValueError, match="4 dims"):
        write_ovf(tmp_path / "a.ovf", np.zeros((3, 3)), cell=(1e-9,) * 3)


def test_a_slice_or_a_coarsened_field_is_written_on_its_own_mesh(tmp_path):
    # read_ovf keeps the file's cell and pmin in attrs, and xarray keeps attrs through
    # isel/coarsen: the written mesh must follow the coordinates, not the stale attrs
    m = read_ovf(OOMMF / "ovf2-bin8-m.omf")
    part = m.isel(x=slice(4, 10), y=slice(2, 6))
    back = read_ovf(write_ovf(tmp_path / "part.omf", part))
    np.testing.assert_allclose(back.x.values, part.x.values, rtol=1e-12)
    np.testing.assert_allclose(back.y.values, part.y.values, rtol=1e-12)
    np.testing.assert_array_equal(back.values, part.values)
    coarse = m.coarsen(x=2, y=2).mean()
    back = read_ovf(write_ovf(tmp_path / "coarse.omf", coarse))
    np.testing.assert_allclose(back.attrs["cell"], (2e-9, 2e-9, 1e-9), rtol=1e-12)
    np.testing.assert_allclose(back.x.values, coarse.x.values, rtol=1e-12)
    # the whole field still writes the header's own numbers, bit for bit
    whole = read_ovf(write_ovf(tmp_path / "whole.omf", m))
    assert whole.attrs["cell"] == m.attrs["cell"] and whole.attrs["pmin"] == m.attrs["pmin"]
    assert whole.attrs["pmax"] == m.attrs["pmax"]
