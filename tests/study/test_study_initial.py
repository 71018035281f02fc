"""The initial magnetisation (orchestrator/study/initial.py), checked with the analysis
layer's Berg–Lüscher charge, which is an integer for a texture that is uniform at the
mesh edges (or on a periodic mesh): Q = −1 for a core-down skyrmion in an up background
(analysis/topology.py's convention)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from study_helpers import study

from analysis.ovf import write_ovf
from analysis.topology import charge_density_array
from orchestrator.study.initial import initial_m
from orchestrator.study.raster import rasterize

H = 1e-9


def m_of(s):
    return initial_m(s, rasterize(s))


def charge(m, pbc=""):
    """Q of layer 0 (Berg–Lüscher); integer to ~1e-12 for these textures."""
    return float(charge_density_array(m[0], H, H, method="lattice", pbc=pbc).sum() * H * H)


def sk_study(skyrmions, n=48, pbc="", **sections):
    return study(mesh={"n": [n, n, 1], "cell": [H] * 3, "pbc": pbc},
                 initial={"type": "skyrmions", "skyrmions": skyrmions}, **sections)


DISK = [{"name": "disk", "shape": {"type": "disk", "centre": [24e-9, 24e-9], "radius": 20e-9}}]


# --------------------------------------------------------------------------- uniform, random

def test_uniform_is_normalised():
    m = m_of(study(initial={"type": "uniform", "direction": [1, 1, 0]}))
    np.testing.assert_allclose(m, np.broadcast_to([2 ** -0.5, 2 ** -0.5, 0], m.shape), rtol=1e-15)
    assert m_of(study())[..., 2].min() == 1.0       # default +z


def test_random_is_seeded_unit_and_zero_in_vacuum():
    a = m_of(study(initial={"type": "random", "seed": 7}, regions=DISK,
                   mesh={"n": [48, 48, 2], "cell": [H] * 3}))
    b = m_of(study(initial={"type": "random", "seed": 7}, regions=DISK,
                   mesh={"n": [48, 48, 2], "cell": [H] * 3}))
    c = m_of(study(initial={"type": "random", "seed": 8}, regions=DISK,
                   mesh={"n": [48, 48, 2], "cell": [H] * 3}))
    assert np.array_equal(a, b) and not np.allclose(a, c)
    norm = np.linalg.norm(a, axis=-1)
    r = rasterize(study(regions=DISK, mesh={"n": [48, 48, 2], "cell": [H] * 3}))
    assert r.vacuum.any()
    np.testing.assert_allclose(norm[~r.vacuum], 1.0, rtol=1e-15)
    assert (a[r.vacuum] == 0).all()
    # and it is not a degenerate "random": the mean direction is small
    assert np.abs(a[~r.vacuum].mean(axis=0)).max() < 0.1


def test_region_with_zero_Ms_is_empty_too():
    regions = [{"name": "film"}, {"name": "hole", "shape": {"type": "disk",
                                                            "centre": [8e-9, 8e-9],
                                                            "radius": 3e-9}}]
    s = study(regions=regions, materials={"default": {"Ms": 5.8e5}, "hole": {"Ms": 0}})
    m = m_of(s)
    hole = rasterize(s).mask("hole")
    assert hole.sum() > 0 and (m[hole] == 0).all() and (m[~hole][:, 2] == 1).all()


# --------------------------------------------------------------------------- skyrmions

@pytest.mark.parametrize("polarity", [-1, 1])
def test_skyrmion_core_background_and_charge(polarity):
    m = m_of(sk_study([{"centre": [24e-9, 24e-9], "radius": 6e-9, "polarity": polarity}]))
    assert m[0, 23, 23, 2] * polarity > 0.99 and m[0, 24, 24, 2] * polarity > 0.99
    assert m[0, 0, 0, 2] == pytest.approx(-polarity, abs=1e-6)     # background −polarity
    # core down in an up background: Q = −1; core up in a down background: Q = +1
    assert charge(m) == pytest.approx(polarity, abs=1e-6)


@pytest.mark.parametrize("helicity", [0.0, math.pi / 2, math.pi, -math.pi / 2, "45 deg"])
def test_helicity_is_the_in_plane_angle_on_the_x_axis(helicity):
    # centre on a cell centre (24.5 nm): the cell 5 to the right sits at azimuth φ = 0,
    # where m's in-plane angle Φ = φ + helicity is the helicity itself
    m = m_of(sk_study([{"centre": [24.5e-9, 24.5e-9], "radius": 6e-9,
                        "helicity": helicity}]))
    eta = math.radians(45) if isinstance(helicity, str) else helicity
    mx, my = m[0, 24, 29, :2]
    assert math.hypot(mx, my) > 0.5
    assert math.remainder(math.atan2(my, mx) - eta, 2 * math.pi) == pytest.approx(0, abs=1e-12)
    # and 90° further round (φ = π/2, cell 5 above) Φ = π/2 + helicity
    mx, my = m[0, 29, 24, :2]
    assert math.remainder(math.atan2(my, mx) - eta - math.pi / 2, 2 * math.pi) == \
        pytest.approx(0, abs=1e-12)
    assert charge(m) == pytest.approx(-1, abs=1e-6)      # Q does not depend on helicity


def test_antiskyrmion_charge():
    m = m_of(sk_study([{"centre": [24e-9, 24e-9], "radius": 6e-9, "vorticity": -1}]))
    assert charge(m) == pytest.approx(1, abs=1e-6)


def test_two_skyrmions():
    m = m_of(sk_study([{"centre": [12e-9, 24e-9], "radius": 5e-9},
                       {"centre": [36e-9, 24e-9], "radius": 5e-9}]))
    assert m[0, 24, 12, 2] < -0.99 and m[0, 24, 36, 2] < -0.99 and m[0, 24, 24, 2] > 0.9
    assert charge(m) == pytest.approx(-2, abs=1e-5)


def test_skyrmions_must_share_a_polarity():
    from pydantic import ValidationError
    with pytest.raises(ValidationError, match="one polarity"):
        sk_study([{"centre": [12e-9, 24e-9], "radius": 5e-9, "polarity": 1},
                  {"centre": [36e-9, 24e-9], "radius": 5e-9, "polarity": -1}])


def test_skyrmion_wraps_around_periodic_edges():
    sk = [{"centre": [1e-9, 47e-9], "radius": 6e-9}]      # near the corner (0, 48 nm)
    m = m_of(sk_study(sk, pbc="xy"))
    # cells across both seams, 1.5 nm from the centre by minimum image, are in the core
    assert m[0, 47, 47, 2] < -0.5 and m[0, 0, 0, 2] < -0.5 and m[0, 0, 47, 2] < -0.5
    assert charge(m, pbc="xy") == pytest.approx(-1, abs=1e-6)
    # without periodicity, the far side is plain background
    m_open = m_of(sk_study(sk))
    assert m_open[0, 47, 47, 2] > 0.99 and m_open[0, 0, 0, 2] > 0.99
    # only x periodic: wraps across x, not across y
    m_x = m_of(sk_study(sk, pbc="x"))
    assert m_x[0, 47, 47, 2] < -0.5 and m_x[0, 0, 0, 2] > 0.99


def test_skyrmion_in_a_disk_is_zero_outside():
    s = sk_study([{"centre": [24e-9, 24e-9], "radius": 5e-9}], regions=DISK)
    m = m_of(s)
    r = rasterize(s)
    assert (m[r.vacuum] == 0).all()
    np.testing.assert_allclose(np.linalg.norm(m[~r.vacuum], axis=-1), 1.0, rtol=1e-14)


def test_every_layer_gets_the_texture():
    s = study(mesh={"n": [32, 32, 3], "cell": [H] * 3},
              initial={"type": "skyrmions", "skyrmions": [{"centre": [16e-9, 16e-9],
                                                          "radius": 5e-9}]})
    m = m_of(s)
    assert (m[0] == m[1]).all() and (m[1] == m[2]).all()


# --------------------------------------------------------------------------- file

def test_file_round_trip_and_normalisation(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(2, 6, 8, 3)) * 3.0
    path = write_ovf(tmp_path / "m0.ovf", data, cell=(H, H, H))
    m = m_of(study(mesh={"n": [8, 6, 2], "cell": [H] * 3},
                   initial={"type": "file", "path": str(path)}))
    np.testing.assert_allclose(m, data / np.linalg.norm(data, axis=-1, keepdims=True),
                               rtol=1e-15, atol=1e-16)


def test_file_of_another_mesh_is_refused(tmp_path):
    path = write_ovf(tmp_path / "m0.ovf", np.ones((1, 6, 8, 3)), cell=(H, H, H))
    s = study(mesh={"n": [6, 8, 1], "cell": [H] * 3}, initial={"type": "file", "path": str(path)})
    with pytest.raises(ValueError) as err:
        m_of(s)
    msg = str(err.value)
    assert str(path) in msg and "(1, 6, 8, 3)" in msg and "(1, 8, 6, 3)" in msg
