"""The texture library (analysis.texture_library): charges, rotation (Eq. 7 of paper 003),
composition and the symmetry classifier.

Mesh: 1 nm cells, 96² (PBC for the charges). Sign convention of paper 003: background
+z, a core-down skyrmion has Q = −1.

Tolerances:

* **Q**: the Berg–Lüscher lattice charge on a periodic grid is an integer for any
  field without a singular plaquette, so every texture's Q is checked to 1e-9.
* **|m| = 1**: the textures are built from sines and cosines (or the stable inverse
  stereographic map): 1e-12.
* **rotation**: ``rotate`` interpolates with cubic splines, error ~ (h/w)⁴ in a wall of
  width w. With w = 3 cells it is 1.6e-4 in |Δm| for a round skyrmion (any angle)
  and 2.9e-3 for a 2:1 elliptic antiskyrmion, whose narrow axis has walls
  effectively 3/√2 cells wide (measured at φ = 0.7, 2.0); a rotation there and back
  costs 1e-3. Tolerances: 1e-3 for round textures, 5e-3 for the elliptic one, 3e-3
  there and back. Tails that reach the grid edge add to this (points rotated in
  from outside take the edge value), so the textures here stay ≥ 6 w from the edge.
  Rotations by π/2 steps about a cell centre map cells onto cells: exact (1e-12).
* **symmetry_order**: default tol 0.05. Over all textures of ``SYMMETRY`` and all
  k ≤ 8 (both rotation senses) the invariant rotations give |Δm| ≤ 7.2e-3 (the
  vorticity-3 texture, whose in-plane angle turns three times as fast as a
  skyrmion's) and the broken ones ≥ 0.76 (measured), so 0.05 separates them by a
  factor 7 and 15.
"""

import math

import numpy as np
import pytest

from analysis.detection import find_objects
from analysis.texture_library import (
    antiskyrmion,
    chiral_droplet,
    from_stereographic,
    kpi_skyrmion,
    skyrmion_bag,
    vortex_skyrmion,
)
from analysis.texture_ops import compose, rotate, rotation_mismatch, symmetry_order
from analysis.textures import as_dataarray, cell_centres, skyrmion
from analysis.topology import topological_charge

H = 1e-9
N = 96
X = cell_centres(N, H)
BOX = (N * H, N * H)
C = (47.3e-9, 48.6e-9)  # off the cell centres and corners
W = 3e-9  # wall width for the rotation tests: 3 cells


def lattice_q(m, pbc="xy"):
    return float(topological_charge(as_dataarray(m, H, H, pbc=pbc), method="lattice").isel(z=0))


def err(a, b):
    return float(np.max(np.linalg.norm(np.asarray(a) - np.asarray(b), axis=-1)))


def ring(n, d, radius, centre=C, phase=0.3):
    return [((centre[0] + d * math.cos(2 * math.pi * j / n + phase),
              centre[1] + d * math.sin(2 * math.pi * j / n + phase)), radius) for j in range(n)]


def bp(lam, conjugate):
    return from_stereographic(X, X, lambda z: lam / z, centre=C, length=H, conjugate=conjugate,
                              box=BOX)


CASES = {
    "kpi1": (lambda: kpi_skyrmion(X, X, centre=C, radius=30e-9, k=1, box=BOX), -1),
    "kpi2": (lambda: kpi_skyrmion(X, X, centre=C, radius=30e-9, k=2, box=BOX), 0),
    "kpi3": (lambda: kpi_skyrmion(X, X, centre=C, radius=36e-9, k=3, box=BOX), -1),
    "kpi4_bloch": (lambda: kpi_skyrmion(X, X, centre=C, radius=36e-9, k=4, helicity=np.pi / 2,
                                        box=BOX), 0),
    "droplet_sharp": (lambda: chiral_droplet(X, X, centre=C, radius=14e-9, kink_width=0.2,
                                             box=BOX), 0),
    "droplet_half": (lambda: chiral_droplet(X, X, centre=C, radius=14e-9, kink_width=1.0,
                                            kink_angle=2.0, box=BOX), 0),
    "antisk_round": (lambda: antiskyrmion(X, X, centre=C, radius=14e-9, box=BOX), 1),
    "antisk_elliptic": (lambda: antiskyrmion(X, X, centre=C, radius=14e-9, ellipticity=2.5,
                                             orientation=0.4, helicity=1.0, box=BOX), 1),
    **{f"vorticity{v}": ((lambda v=v: vortex_skyrmion(X, X, centre=C, radius=14e-9,
                                                      vorticity=v, box=BOX)), -v)
       for v in (-2, -1, 0, 1, 2, 3)},
    **{f"bag{n}": ((lambda n=n: skyrmion_bag(X, X, centre=C, radius=38e-9,
                                             inner=ring(n, 16e-9, 7e-9), box=BOX)), n - 1)
       for n in range(4)},
    "bp_z": (lambda: bp(5.0, False), 1),
    "bp_z_complex": (lambda: bp(4.0 + 3.0j, False), 1),
    "bp_zbar": (lambda: bp(5.0, True), -1),
    "bp_zbar_bloch": (lambda: bp(5.0j, True), -1),
    "rational_deg2": (lambda: from_stereographic(X, X, lambda z: 4.0 / z + 3.0 / (z - 20.0),
                                                 centre=C, length=H, box=BOX), 2),
    "rational_deg2_conj": (lambda: from_stereographic(X, X, lambda z: 25.0 / z ** 2, centre=C,
                                                      length=H, conjugate=True, box=BOX), -2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_lattice_charge_is_the_documented_integer_and_m_is_unit(name):
    make, q = CASES[name]
    m = make()
    assert m.shape == (N, N, 3)
    np.testing.assert_allclose(np.linalg.norm(m, axis=-1), 1.0, atol=1e-12)
    assert abs(lattice_q(m) - q) < 1e-9
    # far from the object the background is +z (the BP tails 1 − m_z ∝ 1/r² reach
    # 2e-2 at the box's edge)
    assert m[:, :, 2].max() > 0.98


def test_kpi_walls_sit_at_evenly_spaced_radii_and_k1_is_the_skyrmion():
    c = (48.5e-9, 48.5e-9)  # a cell centre: row 48 runs through it
    m = kpi_skyrmion(X, X, centre=c, radius=30e-9, k=3, wall_width=2e-9)
    mz = m[48, 48:, 2]  # along +x from the centre, r = 0, 1, 2, ... nm
    assert mz[0] == pytest.approx(-1.0)  # θ(0) = 3π
    # walls at 10, 20, 30 nm with m_z ≈ 0 up to the neighbours' tails, 2e^{-10/2} = 1.3e-2
    for j in (1, 2, 3):
        assert abs(mz[10 * j]) < 2e-2
    # θ ≈ 3π, 2π, π, 0 between them: m_z = −1, +1, −1, +1
    assert [np.sign(mz[r]) for r in (5, 15, 25, 35)] == [-1, 1, -1, 1]
    # k = 1 is analysis.textures.skyrmion with the same wall width
    np.testing.assert_allclose(kpi_skyrmion(X, X, centre=C, radius=12e-9, k=1),
                               skyrmion(X, X, centre=C, radius=12e-9), atol=1e-14)
    with pytest.raises(ValueError):
        kpi_skyrmion(X, X, centre=C, radius=12e-9, k=0)


def test_chiral_droplet_kink_reverses_the_chirality_locally():
    c, R, a, eta = (48.5e-9, 48.5e-9), 12e-9, 0.0, 0.0
    m = chiral_droplet(X, X, centre=c, radius=R, kink_angle=a, helicity=eta, kink_width=0.3)
    # on the wall (r = R, m_z = 0): opposite the kink (−x side) the in-plane
    # magnetisation is radial outward (η = 0, as the Néel π skyrmion), at the kink
    # (+x side) it points inward
    np.testing.assert_allclose(m[48, 48 - 12], [-1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(m[48, 48 + 12], [-1.0, 0.0, 0.0], atol=1e-12)
    # the in-plane angle along the wall winds 0 times (a π skyrmion: once)
    phi = np.linspace(-np.pi, np.pi, 721)
    i = np.rint((c[0] + R * np.cos(phi)) / H - 0.5).astype(int)
    j = np.rint((c[1] + R * np.sin(phi)) / H - 0.5).astype(int)
    ang = np.unwrap(np.arctan2(m[j, i, 1], m[j, i, 0]))
    assert abs(ang[-1] - ang[0]) < 1e-9
    with pytest.raises(ValueError):
        chiral_droplet(X, X, centre=c, radius=R, kink_width=1.5)


def test_belavin_polyakov_signs_and_a_pole_on_a_cell_centre():
    # w = λ/z̄ is the (Néel for real λ) skyrmion, w = λ/z the antiskyrmion
    sk = find_objects(as_dataarray(bp(5.0, True), H, H, pbc="xy"), method="lattice").iloc[0]
    anti = find_objects(as_dataarray(bp(5.0, False), H, H, pbc="xy"), method="lattice").iloc[0]
    assert (sk.vorticity, anti.vorticity) == (1, -1)
    assert abs(sk.helicity) < 1e-6
    # the pole exactly on a cell centre is −z there, without warnings or NaNs
    m = from_stereographic(X, X, lambda z: 5.0 / z, centre=(48.5e-9, 48.5e-9), length=H)
    np.testing.assert_allclose(m[48, 48], [0.0, 0.0, -1.0], atol=1e-12)
    assert np.isfinite(m).all()


def test_skyrmion_bag_rejects_bad_inner_skyrmions():
    with pytest.raises(ValueError, match="not inside"):
        skyrmion_bag(X, X, centre=C, radius=20e-9, inner=[((C[0] + 15e-9, C[1]), 7e-9)])
    with pytest.raises(ValueError, match="overlap"):
        skyrmion_bag(X, X, centre=C, radius=38e-9, inner=ring(2, 5e-9, 7e-9))


# ------------------------------------------------------------------ rotation (Eq. 7)

def elliptic(o, eta, **kw):
    return antiskyrmion(X, X, centre=C, radius=14e-9, wall_width=W, ellipticity=2.0,
                        orientation=o, helicity=eta, **kw)


@pytest.mark.parametrize("phi", [0.7, 2.0])
def test_rotating_an_elliptic_antiskyrmion_matches_the_analytic_one(phi):
    m = elliptic(0.2, 0.1)
    # Bloch/Néel: positions and spins turn by φ, so the body turns by φ
    assert err(rotate(m, X, X, phi, centre=C), elliptic(0.2 + phi, 0.1)) < 5e-3
    # D2d: the spins turn by −φ, i.e. the same body turn with the helicity lowered by 2φ
    assert err(rotate(m, X, X, phi, centre=C, d2d=True), elliptic(0.2 + phi, 0.1 - 2 * phi)) < 5e-3
    # there and back
    assert err(rotate(rotate(m, X, X, phi, centre=C), X, X, -phi, centre=C), m) < 3e-3
    assert err(rotate(rotate(m, X, X, phi, centre=C, d2d=True), X, X, -phi, centre=C,
                      d2d=True), m) < 3e-3


def test_quarter_turn_about_the_grid_centre_is_exact():
    c = (48e-9, 48e-9)  # a cell corner: the quarter turn maps the grid onto itself
    m = antiskyrmion(X, X, centre=c, radius=14e-9, ellipticity=2.0)
    ref = antiskyrmion(X, X, centre=c, radius=14e-9, ellipticity=2.0, orientation=np.pi / 2)
    assert err(rotate(m, X, X, np.pi / 2, centre=c), ref) < 1e-12
    # the round antiskyrmion: a quarter turn reverses its helicity (so k_s < 4), a half
    # turn leaves it invariant
    r = antiskyrmion(X, X, centre=c, radius=14e-9)
    assert err(rotate(r, X, X, np.pi / 2, centre=c),
               antiskyrmion(X, X, centre=c, radius=14e-9, helicity=np.pi)) < 1e-12
    assert err(rotate(r, X, X, np.pi, centre=c), r) < 1e-12


@pytest.mark.parametrize("phi", [0.3, 1.0, 2 * np.pi / 3])
def test_d2d_rotation_differs_from_bloch_neel_rotation(phi):
    # Eq. 7: n'(r) = R(φ) n(R(−φ) r) for Bloch/Néel; R(−φ) n(R(−φ) r) for D2d
    for eta in (0.0, np.pi / 2):  # Néel and Bloch skyrmions
        sk = skyrmion(X, X, centre=C, radius=14e-9, wall_width=W, helicity=eta)
        # a zero mode for Bloch/Néel: the round skyrmion is invariant
        assert rotation_mismatch(sk, X, X, phi, centre=C) < 1e-3
        # D2d: its helicity turns by −2φ
        turned = skyrmion(X, X, centre=C, radius=14e-9, wall_width=W, helicity=eta - 2 * phi)
        d2d = rotate(sk, X, X, phi, centre=C, d2d=True)
        assert err(d2d, turned) < 1e-3
        assert err(d2d, sk) > 1.9 * abs(math.sin(phi))  # 2|sin φ| in the wall
    # and the other way round for the antiskyrmion (the D2d ground state)
    an = antiskyrmion(X, X, centre=C, radius=14e-9, wall_width=W)
    assert rotation_mismatch(an, X, X, phi, centre=C, d2d=True) < 1e-3
    assert err(rotate(an, X, X, phi, centre=C),
               antiskyrmion(X, X, centre=C, radius=14e-9, wall_width=W, helicity=2 * phi)) < 1e-3


def test_periodic_rotation_wraps_around_the_seams():
    c = (1.5e-9, 90.5e-9)  # a cell centre next to the x and y seams
    sk = skyrmion(X, X, centre=c, radius=10e-9, wall_width=W, box=BOX)
    an = antiskyrmion(X, X, centre=c, radius=10e-9, wall_width=W, box=BOX)
    # about its own centre: the skyrmion is invariant, the antiskyrmion turns
    assert rotation_mismatch(sk, X, X, 0.8, centre=c, periodic=True) < 1e-3
    assert err(rotate(an, X, X, 0.8, centre=c, periodic=True),
               antiskyrmion(X, X, centre=c, radius=10e-9, wall_width=W, helicity=1.6,
                            box=BOX)) < 1e-3
    # about the box centre a quarter turn carries it across the seam, exactly
    moved = rotate(sk, X, X, np.pi / 2, centre=(48e-9, 48e-9), periodic=True)
    ref = skyrmion(X, X, centre=(48e-9 - 42.5e-9, 48e-9 - 46.5e-9), radius=10e-9,
                   wall_width=W, box=BOX)
    # exact up to where the two textures' own seams (at L/2 from their centres) fall:
    # the tail there, 2 sinh(R/w) e^{-48/3} ≈ 3e-6, differs
    assert err(moved, ref) < 1e-4
    assert abs(lattice_q(moved) + 1) < 1e-9
    # without PBC the same centre cuts the skyrmion at the edges
    assert rotation_mismatch(sk, X, X, 0.8, centre=c) > 0.5


# ----------------------------------------------------------------- symmetry order

SYMMETRY = {
    "skyrmion": (lambda: skyrmion(X, X, centre=C, radius=14e-9, wall_width=W), math.inf, 2),
    "bloch_skyrmion": (lambda: skyrmion(X, X, centre=C, radius=14e-9, wall_width=W,
                                        helicity=np.pi / 2), math.inf, 2),
    "skyrmionium": (lambda: kpi_skyrmion(X, X, centre=C, radius=24e-9, k=2, wall_width=W),
                    math.inf, 2),
    "kpi3": (lambda: kpi_skyrmion(X, X, centre=C, radius=27e-9, k=3, wall_width=W), math.inf, 2),
    "antiskyrmion": (lambda: antiskyrmion(X, X, centre=C, radius=14e-9, wall_width=W), 2,
                     math.inf),
    "antiskyrmion_elliptic": (lambda: elliptic(0.4, 0.0), 2, 2),
    "droplet": (lambda: chiral_droplet(X, X, centre=C, radius=14e-9, wall_width=W), 1, 1),
    "vorticity2": (lambda: vortex_skyrmion(X, X, centre=C, radius=14e-9, vorticity=2,
                                           wall_width=W), 1, 3),
    "vorticity3": (lambda: vortex_skyrmion(X, X, centre=C, radius=14e-9, vorticity=3,
                                           wall_width=W), 2, 4),
    "vorticity-2": (lambda: vortex_skyrmion(X, X, centre=C, radius=14e-9, vorticity=-2,
                                            wall_width=W), 3, 1),
    # a half turn is the same for D2d (R(π) = R(−π)): bag2 keeps k_s = 2 there
    "bag2": (lambda: skyrmion_bag(X, X, centre=C, radius=30e-9, inner=ring(2, 14e-9, 6e-9),
                                  wall_width=W), 2, 2),
    "bag3": (lambda: skyrmion_bag(X, X, centre=C, radius=30e-9, inner=ring(3, 14e-9, 6e-9),
                                  wall_width=W), 3, 1),
}


@pytest.mark.parametrize("name", list(SYMMETRY))
def test_symmetry_order(name):
    make, k_s, k_s_d2d = SYMMETRY[name]
    m = make()
    assert symmetry_order(m, X, X, centre=C) == k_s
    assert symmetry_order(m, X, X, centre=C, d2d=True) == k_s_d2d
    if k_s != math.inf:  # invariant under 2π/k_s within the interpolation error
        assert rotation_mismatch(m, X, X, 2 * np.pi / k_s, centre=C) < 1e-2


def test_symmetry_order_reports_the_largest_invariant_k():
    # a 3π/2-period texture is invariant under 2π/3 but not 2π/6: order 3 ≤ kmax
    m = vortex_skyrmion(X, X, centre=C, radius=14e-9, vorticity=4, wall_width=W)  # k_s = 3
    assert symmetry_order(m, X, X, centre=C) == 3
    assert symmetry_order(m, X, X, centre=C, kmax=2) == 1


# ---------------------------------------------------------------------- compose

@pytest.mark.parametrize("rule", ["max", "stereographic"])
def test_compose_two_skyrmions_keeps_charges_and_centres(rule):
    c1, c2 = (30.3e-9, 40.6e-9), (93.1e-9, 70.2e-9)  # the second one across the x seam
    a = skyrmion(X, X, centre=c1, radius=8e-9, box=BOX)
    b = skyrmion(X, X, centre=c2, radius=8e-9, helicity=np.pi / 2, box=BOX)
    m = compose((0, 0, 1), a, b, rule=rule)
    np.testing.assert_allclose(np.linalg.norm(m, axis=-1), 1.0, atol=1e-12)
    assert abs(lattice_q(m) + 2) < 1e-9
    obj = find_objects(as_dataarray(m, H, H, pbc="xy"), method="lattice").sort_values("x")
    assert len(obj) == 2
    # measured 2e-4 cell, as for either skyrmion alone
    for (_, o), c in zip(obj.iterrows(), (c1, c2)):
        assert abs(o.x - c[0]) < 1e-3 * H and abs(o.y - c[1]) < 1e-3 * H
        assert abs(o.Q + 1) < 1e-3


def test_compose_mixed_textures_and_rules():
    a = skyrmion(X, X, centre=(25e-9, 25e-9), radius=8e-9, box=BOX)
    b = antiskyrmion(X, X, centre=(70e-9, 30e-9), radius=8e-9, box=BOX)
    c = kpi_skyrmion(X, X, centre=(50e-9, 72e-9), radius=16e-9, k=3, box=BOX)
    m = compose(np.array([0.0, 0.0, 1.0]), a, b, c)
    assert abs(lattice_q(m) + 1) < 1e-9  # −1 + 1 − 1
    # the max rule keeps each core exactly; one texture alone is returned unchanged
    assert np.array_equal(m[25, 25], a[25, 25]) and np.array_equal(m[30, 70], b[30, 70])
    np.testing.assert_array_equal(compose((0, 0, 1), a), a)
    # a field as background: composing onto a state adds the charges, both rules
    v = vortex_skyrmion(X, X, centre=(80e-9, 80e-9), radius=6e-9, vorticity=2, box=BOX)
    for rule in ("max", "stereographic"):
        both = compose(m, v, rule=rule)
        assert abs(lattice_q(both) + 3) < 1e-9
        # four textures, five reversed domains: the 3π skyrmion's core and outer ring
        assert find_objects(as_dataarray(both, H, H, pbc="xy")).shape[0] == 5
    with pytest.raises(ValueError):
        compose((0, 0, 1))
    with pytest.raises(ValueError):
        compose((0, 0, 1), a, rule="sum")
    with pytest.raises(ValueError):
        compose(m, a, reference=(0, 0, 0))
