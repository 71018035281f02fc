"""Topological charge and the derivative stencils, against references nobody here wrote.

References: analytic textures with known Q (``analysis.textures``); exact identities of
the Berg–Lüscher lattice charge; the convergence order of the finite differences;
discretisedfield's ``topological_charge`` / ``Field.diff`` on OOMMF's relaxed skyrmion
and on magnets with empty cells; a literal, cell-by-cell transcription of mumax3's
``cuda/topologicalcharge.cu`` case chain; Fourier modes, whose discrete derivatives are
known in closed form. Sign convention: Q = (1/4π) ∫ m·(∂x m × ∂y m) dx dy, so a core-down
skyrmion in an up background has Q = −1.
"""

import dask
import dask.array as dsa
import discretisedfield as df
import discretisedfield.tools as dft
import numpy as np
import pytest
import xarray as xr

from analysis import open_run
from analysis.derivatives import derivative
from analysis.textures import as_dataarray, cell_centres, skyrmion, skyrmionium
from analysis.topology import charge_density, charge_density_array, topological_charge
from conftest import OOMMF

NM = 1e-9
L = 100 * NM  # the open test mesh: 100 x 100 cells of 1 nm
W = 3 * NM  # wall width: 3 cells at h = 1 nm
# Off the cell grid and off the mesh centre, so that no mirror symmetry of the sampling
# can cancel a wrong sign in one stencil against another.
CENTRE = (50.3 * NM, 49.6 * NM)
METHODS = ("fd2", "fd4", "lattice")

# name -> (texture builder at cell size h, exact Q)
TEXTURES = {
    "skyrmion-neel": (lambda x: skyrmion(x, x, centre=CENTRE, radius=10 * NM, wall_width=W), -1),
    "skyrmion-bloch": (lambda x: skyrmion(x, x, centre=CENTRE, radius=10 * NM, wall_width=W,
                                          helicity=np.pi / 2), -1),
    "antiskyrmion": (lambda x: skyrmion(x, x, centre=CENTRE, radius=10 * NM, wall_width=W,
                                        vorticity=-1), +1),
    "skyrmionium": (lambda x: skyrmionium(x, x, centre=CENTRE, radius=20 * NM,
                                          inner_radius=8 * NM, wall_width=W), 0),
    "vorticity-2": (lambda x: skyrmion(x, x, centre=CENTRE, radius=10 * NM, wall_width=W,
                                       vorticity=2), -2),
}


def _texture(name, h=NM):
    build, q = TEXTURES[name]
    return build(cell_centres(int(round(L / h)), h)), q


def _Q(m, h, method, pbc=""):
    return float(charge_density_array(m, h, h, method=method, pbc=pbc).sum() * h * h)


def _solid_angle(a, b, c):
    """Signed solid angle of the spherical triangle abc (Van Oosterom & Strackee 1983)."""
    num = np.linalg.det(np.stack([a, b, c]))
    return 2 * np.arctan2(num, 1 + a @ b + b @ c + c @ a)


def _boundary_charge(m):
    """Solid angle / 4π enclosed by the image of the mesh boundary, walked counter-clockwise.

    For any triangulation of the mesh, Σ Ω(triangle) ≡ Σ_edges Ω(p, b_k, b_k+1) (mod 4π)
    for any fixed p: interior edges cancel pairwise. So the lattice Q minus this term is an
    integer up to rounding, whatever the texture does at the edges.
    """
    ny, nx = m.shape[:2]
    loop = ([m[0, i] for i in range(nx)] + [m[j, nx - 1] for j in range(1, ny)]
            + [m[ny - 1, i] for i in range(nx - 2, -1, -1)] + [m[j, 0] for j in range(ny - 2, 0, -1)])
    p = np.array([0.0, 0.0, 1.0])
    return sum(_solid_angle(p, loop[k], loop[(k + 1) % len(loop)])
               for k in range(len(loop))) / (4 * np.pi)


# --------------------------------------------------------------------- 1. analytic textures


@pytest.mark.parametrize("name", TEXTURES)
def test_analytic_textures_have_their_charge_with_every_method(name):
    m, q = _texture(name)
    h = NM
    Q = {meth: _Q(m, h, meth) for meth in METHODS}
    scale = max(abs(q), 1)
    # fd2 / fd4: the midpoint sum of these analytic, exponentially decaying densities is
    # exact to ~exp(-π² w/h) ~ 1e-13, so what is left is the stencils' truncation error,
    # C2 (h/w)² and C4 (h/w)⁴ per unit of |Q| (orders checked by the convergence test
    # below). Measured here: C2 ≈ 0.18-0.23, C4 ≈ 0.07-0.08; the bounds allow 0.3 and 0.12.
    assert abs(Q["fd2"] - q) < 0.3 * (h / W) ** 2 * scale
    assert abs(Q["fd4"] - q) < 0.12 * (h / W) ** 4 * scale
    # fd4 is closer to the integer than fd2: the error ratio is ~(C4/C2)(h/w)² ≈ 0.04
    # (0.0005 for the skyrmionium, whose two walls' errors partly cancel).
    assert abs(Q["fd4"] - q) < 0.1 * abs(Q["fd2"] - q)
    # Lattice: Q minus the solid angle enclosed by the boundary spins is an integer up to
    # rounding (≈ 1e-16 per term, 2e4 terms: 1e-12 is a generous bound) ...
    corrected = Q["lattice"] - _boundary_charge(m)
    assert abs(corrected - q) < 1e-12
    # ... and the boundary term itself is tiny because the edges are nearly uniform: the
    # largest tilt, at the nearest edge (49.6 nm from the centre), is θ_e ≈ 2 exp(-(49.6 nm
    # - R)/w) (3.7e-6 for the skyrmions, 1e-4 for the skyrmionium), and a loop within θ_e
    # of the pole winding |N| times encloses at most |N| π θ_e² of solid angle: Q is an
    # integer to ≤ |N| θ_e²/4 (3.4e-12 per winding; 2.7e-9 for the skyrmionium).
    outer = 20 * NM if name == "skyrmionium" else 10 * NM
    theta_e = 2 * np.exp(-(49.6 * NM - outer) / W)
    assert abs(Q["lattice"] - q) < max(abs(q), 1) * theta_e ** 2 / 4


@pytest.mark.parametrize("name", ["skyrmion-neel", "vorticity-2"])
def test_fd_errors_converge_with_the_order_of_their_stencils(name):
    # The same physical texture (100 nm box, w = 3 nm) at h = 1 nm and 0.5 nm. The
    # quadrature error is ~exp(-π² w/h) (negligible), so Q's error is the derivative
    # truncation error C h^p (1 + O((h/w)²)). With h/w = 1/3 the correction shifts the
    # observed p by ≲ log2(1 + 1/9·C'/C) ≈ 0.1, so p ∈ 2 ± 0.15 and 4 ± 0.3
    # (measured: 1.98 and 3.94).
    err = {}
    for h in (NM, NM / 2):
        m, q = _texture(name, h)
        err[h] = {meth: abs(_Q(m, h, meth) - q) for meth in ("fd2", "fd4")}
    p2 = np.log2(err[NM]["fd2"] / err[NM / 2]["fd2"])
    p4 = np.log2(err[NM]["fd4"] / err[NM / 2]["fd4"])
    assert p2 == pytest.approx(2, abs=0.15)  # error shrinks ~4x
    assert p4 == pytest.approx(4, abs=0.3)  # error shrinks ~16x


def _exact_density(x, radius, centre):
    """Continuum density of the dw360 skyrmion (N = 1): q = sin θ θ'(r) / (4π r)."""
    X, Y = np.meshgrid(x, x)
    r = np.hypot(X - centre[0], Y - centre[1])
    s = np.sinh(radius / W)
    theta = 2 * np.arctan2(s, np.sinh(r / W))
    dtheta = -2 * (s / W) * np.cosh(r / W) / (np.sinh(r / W) ** 2 + s ** 2)
    return np.sin(theta) * dtheta / (4 * np.pi * r)


def test_density_maps_converge_to_the_continuum_density():
    # Pointwise against the analytic density (which itself sums to -1 to ~1e-13 on these
    # grids: the midpoint rule is spectrally accurate here). fd2 and fd4 converge with
    # their stencils' orders; the lattice map (each square's solid angle shared equally by
    # its four corners, i.e. centred on the cell) is second order. A map shifted by half a
    # cell would only be first order. Measured orders at h = 0.5 -> 0.25 nm: 1.99, 3.94,
    # 1.99; the (h/w)² corrections at h/w ≤ 1/6 shift them by < 0.1, bounds ±0.2.
    err = {}
    for h in (NM / 2, NM / 4):
        x = cell_centres(int(round(L / h)), h)
        m = skyrmion(x, x, centre=CENTRE, radius=10 * NM, wall_width=W)
        exact = _exact_density(x, 10 * NM, CENTRE)
        if h == NM / 2:
            assert exact.sum() * h * h == pytest.approx(-1, abs=1e-11)
        for meth in METHODS:
            q = charge_density_array(m, h, h, method=meth)
            err[h, meth] = np.abs(q - exact).max() / np.abs(exact).max()
    for meth, p in (("fd2", 2), ("fd4", 4), ("lattice", 2)):
        assert np.log2(err[NM / 2, meth] / err[NM / 4, meth]) == pytest.approx(p, abs=0.2), err


def test_lattice_density_map_sums_to_q_and_stays_on_the_texture():
    # Each square's charge is shared among its corners: the map sums to Q and vanishes
    # where the texture is uniform: 40 nm or more from the centre the tilt is
    # θ ≤ 2 exp(-(39.6 - 10)/3) ≈ 1e-4 and q/q_max ~ θ² ≤ 1e-8 (2e-9 found).
    m, q = _texture("skyrmion-neel")
    qmap = charge_density_array(m, NM, NM, method="lattice")
    assert qmap.sum() * NM * NM == pytest.approx(_Q(m, NM, "lattice"), abs=1e-14)
    assert np.abs(qmap[:10]).max() < 1e-8 * np.abs(qmap).max()
    # the density of a skyrmion is single-signed (negative for Q = -1) for all methods
    for meth in METHODS:
        assert charge_density_array(m, NM, NM, method=meth).max() < 1e-6 * np.abs(qmap).max()


# --------------------------------------------------------------------- 2. periodic BP


@pytest.mark.parametrize("centre", [(50 * NM, 50 * NM), (50.3 * NM, 49.6 * NM)])
@pytest.mark.parametrize("radius", [5 * NM, 8 * NM])
def test_belavin_polyakov_on_a_torus_has_integer_lattice_charge(radius, centre):
    x = cell_centres(100, NM)
    m = skyrmion(x, x, centre=centre, radius=radius, profile="bp", box=(L, L))
    # On a torus the triangulation is closed: Σ Ω ≡ 0 (mod 4π) with no boundary term, so
    # Q is an integer to rounding whatever the 1/r tail does at the seams (~1e-15 found).
    assert _Q(m, NM, "lattice", pbc="xy") == pytest.approx(-1, abs=1e-12)
    # Open edges cut the slowly decaying tail: the same texture is then not an integer
    # (the edge tilt is θ ≈ 2R/50 nm ≥ 0.2 rad; found 0.008 and 0.02 off).
    q_open = _Q(m, NM, "lattice")
    assert abs(q_open - round(q_open)) > 1e-3


# --------------------------------------------------------------------- 3. the periodic seam


@pytest.mark.parametrize("axis", ["x", "y"])
def test_skyrmion_across_the_periodic_seam_equals_the_centred_one(axis):
    x = cell_centres(100, NM)
    if axis == "x":  # centre 0.3 nm from the seam: half of the skyrmion at x < 0
        box, c_seam, c_mid, roll_axis = (L, None), (0.3 * NM, 49.6 * NM), (50.3 * NM, 49.6 * NM), 1
    else:
        box, c_seam, c_mid, roll_axis = (None, L), (49.6 * NM, 0.3 * NM), (49.6 * NM, 50.3 * NM), 0
    kw = dict(radius=8 * NM, wall_width=W, box=box)
    seam = skyrmion(x, x, centre=c_seam, **kw)
    centred = skyrmion(x, x, centre=c_mid, **kw)
    # same texture shifted by exactly 50 cells (1e-14: rounding of the minimum image)
    np.testing.assert_allclose(np.roll(centred, -50, axis=roll_axis), seam, rtol=0, atol=1e-14)
    for meth in METHODS:
        # A periodic axis has no special cells: every method is translation invariant, so
        # the two agree to summation-order rounding (~3e-16 found).
        assert _Q(seam, NM, meth, pbc=axis) == pytest.approx(_Q(centred, NM, meth, pbc=axis),
                                                             abs=1e-12)
        q_seam = charge_density_array(seam, NM, NM, method=meth, pbc=axis)
        q_centred = charge_density_array(centred, NM, NM, method=meth, pbc=axis)
        np.testing.assert_allclose(np.roll(q_centred, -50, axis=roll_axis), q_seam,
                                   rtol=0, atol=1e-12 * np.abs(q_centred).max())
    # one axis wraps, the other's edges are open but uniform to 2·exp(-(49.6-8)/3) ≈ 2e-6,
    # so the lattice Q is an integer to ≲ θ_e²/4 ≈ 1e-12 (see the analytic test)
    assert _Q(seam, NM, "lattice", pbc=axis) == pytest.approx(-1, abs=1.5e-12)
    # Without the wrap the squares across the seam are dropped and the edge rows use
    # one-sided stencils across the core: a large part of the charge is lost (0.038 found).
    for meth in METHODS:
        q_cut = _Q(seam, NM, meth)
        assert abs(q_cut - _Q(seam, NM, meth, pbc=axis)) > 1e-4
    q_cut = _Q(seam, NM, "lattice")
    assert abs(q_cut - round(q_cut)) > 0.01


# --------------------------------------------------------------------- 4. discretisedfield


@pytest.fixture(scope="module")
def oommf_skyrmion():
    return open_run(OOMMF, basename="skyrmion_6ngbr")


def test_fd2_equals_discretisedfield_on_oommfs_relaxed_skyrmion(oommf_skyrmion):
    # discretisedfield reads the file itself, so the whole chain (reader, M/|M|, stencils,
    # the cross product's orientation) is compared, not just the formula.
    field = df.Field.from_file(OOMMF / "skyrmion_6ngbr-MinDriver-Magnetization.omf")
    q_ref = dft.topological_charge(field.sel("z"), method="continuous")
    qmap_ref = dft.topological_charge_density(field.sel("z"), method="continuous").array[..., 0].T
    Q = topological_charge(oommf_skyrmion, method="fd2")
    assert Q.dims == ("t", "z")
    # Same stencils on the same float64 numbers: only summation order differs (~1e-16 found).
    assert float(Q.isel(t=0, z=0)) == pytest.approx(q_ref, abs=1e-12)
    assert q_ref == pytest.approx(-0.894, abs=5e-4)  # the README's value
    qmap = charge_density(oommf_skyrmion, method="fd2").isel(t=0, z=0).values
    np.testing.assert_allclose(qmap, qmap_ref, rtol=0, atol=1e-12 * np.abs(qmap_ref).max())
    # fd4 and the lattice see the same edge tilt, so they are not -1 either; they lie near fd2
    # (different discretisations of the same state, |ΔQ| ≲ 0.05 with 1 nm cells)
    for meth in ("fd4", "lattice"):
        assert float(topological_charge(oommf_skyrmion, method=meth)[0, 0]) == pytest.approx(
            q_ref, abs=0.05)


def _holey_disk():
    """A skyrmion in a disk-shaped magnet with scattered holes: runs of every length."""
    n, h = 40, NM
    x = cell_centres(n, h)
    m = skyrmion(x, x, centre=(20.3 * NM, 19.6 * NM), radius=8 * NM, wall_width=W)
    X, Y = np.meshgrid(x, x)
    mask = np.hypot(X - 20 * NM, Y - 20 * NM) < 17 * NM
    rng = np.random.default_rng(7)
    mask &= rng.random(mask.shape) > 0.08  # ~8 % of the disk's cells empty
    return m, mask, h


def _df_field(m, h, **kw):
    n = m.shape[0]
    mesh = df.Mesh(p1=(0, 0, 0), p2=(n * h, n * h, h), cell=(h, h, h))
    return df.Field(mesh, nvdim=3, value=m.transpose(1, 0, 2)[:, :, None, :], **kw)


def test_fd2_equals_discretisedfield_with_empty_cells():
    m, mask, h = _holey_disk()
    m_zeroed = np.where(mask[..., None], m, 0.0)
    field = _df_field(m_zeroed, h, valid="norm")
    assert (field.valid[:, :, 0].T == mask).all()
    ref = dft.topological_charge_density(field.sel("z"), method="continuous").array[..., 0].T
    ours = charge_density(as_dataarray(m_zeroed, h, h), method="fd2").isel(z=0).values
    # same stencils on each run of magnetic cells (lengths 1, 2, ≥3 all occur here)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    assert (ours[~mask] == 0).all()
    assert float(topological_charge(as_dataarray(m_zeroed, h, h))[0]) == pytest.approx(
        dft.topological_charge(field.sel("z"), method="continuous"), abs=1e-12)


def test_cells_with_zero_ms_in_a_dataset_are_excluded():
    m, mask, h = _holey_disk()
    # m is a full unit texture everywhere; only Ms says where the magnet is
    ds = xr.Dataset({"m": as_dataarray(m, h, h),
                     "Ms": (("z", "y", "x"), np.where(mask, 580e3, 0.0)[None])},
                    attrs={"cell": (h, h, h), "pbc": ""})
    # discretisedfield with an explicit valid mask and non-zero values outside it
    field = _df_field(m, h, valid=mask.T[:, :, None])
    ref = dft.topological_charge_density(field.sel("z"), method="continuous").array[..., 0].T
    ours = charge_density(ds, method="fd2").isel(z=0).values
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    # and the Ms mask is the same as zeroing m there, for every method
    zeroed = as_dataarray(np.where(mask[..., None], m, 0.0), h, h)
    for meth in METHODS:
        np.testing.assert_array_equal(charge_density(ds, method=meth).values,
                                      charge_density(zeroed, method=meth).values)
    # while without Ms the empty cells would count
    assert not np.allclose(charge_density(ds["m"]).values[0], ours)


# --------------------------------------------------------------------- 5. the stencils


def _vec(f):
    """A vector field (n, 3) whose x component is f; z = 1 keeps every cell non-empty."""
    return np.stack([f, np.zeros_like(f), np.ones_like(f)], axis=-1)


def test_interior_truncation_error_is_second_and_fourth_order():
    # f = sin(3x) on [0, 2]; errors at h and h/2. The leading terms are h² f'''/6 and
    # h⁴ f⁽⁵⁾/30; at 3h ≤ 0.15 the next terms change the ratio by < 1 %, so the observed
    # order is within ±0.05 of 2 and 4 (measured values are printed on failure).
    errs = {}
    for n in (40, 80):
        h = 2.0 / n
        x = cell_centres(n, h)
        exact = 3 * np.cos(3 * x)
        for order in (2, 4):
            d = derivative(_vec(np.sin(3 * x)), 0, h, order=order)[:, 0]
            errs[n, order, "interior"] = np.abs(d - exact)[2:-2].max()
            errs[n, order, "edge"] = max(abs(d[0] - exact[0]), abs(d[-1] - exact[-1]))
    p = {k: np.log2(errs[40, *k] / errs[80, *k])
         for k in [(2, "interior"), (4, "interior"), (2, "edge"), (4, "edge")]}
    assert p[2, "interior"] == pytest.approx(2, abs=0.05), p
    assert p[4, "interior"] == pytest.approx(4, abs=0.05), p
    # both edge rows use the second-order one-sided 3-point difference
    assert p[2, "edge"] == pytest.approx(2, abs=0.1), p
    assert p[4, "edge"] == pytest.approx(2, abs=0.1), p


@pytest.mark.parametrize("order", [2, 4])
def test_periodic_wrap_is_exact_for_a_fourier_mode(order):
    # For f = sin(κx) on a periodic grid the central differences give exactly
    # κ_eff cos(κx) at *every* cell, with κ_eff = sin(κh)/h (3-point) and
    # (8 sin κh - sin 2κh)/(6h) (5-point): the edges are no different from the interior.
    n, h = 24, 0.1
    x = cell_centres(n, h)
    kappa = 2 * np.pi * 3 / (n * h)
    if order == 2:
        k_eff = np.sin(kappa * h) / h
    else:
        k_eff = (8 * np.sin(kappa * h) - np.sin(2 * kappa * h)) / (6 * h)
    d = derivative(_vec(np.sin(kappa * x)), 0, h, periodic=True, order=order)
    np.testing.assert_allclose(d[:, 0], k_eff * np.cos(kappa * x), rtol=0, atol=1e-12 * kappa)
    assert (d[:, 1:] == 0).all()
    # without the wrap the edge cells use one-sided differences and differ
    d_open = derivative(_vec(np.sin(kappa * x)), 0, h, periodic=False, order=order)
    assert abs(d_open[0, 0] - d[0, 0]) > 1e-3 * kappa


@pytest.mark.parametrize("order", [2, 4])
def test_an_empty_cell_is_an_edge_for_its_neighbours(order):
    x = cell_centres(20, 0.1)
    m = _vec(np.exp(np.sin(2 * x)))
    for k in (1, 2, 7, 18):
        holed = m.copy()
        holed[k] = 0.0
        d = derivative(holed, 0, 0.1, order=order)
        assert (d[k] == 0).all()
        # each side is differentiated exactly as if the mesh ended at the hole
        np.testing.assert_array_equal(d[:k], derivative(m[:k], 0, 0.1, order=order))
        np.testing.assert_array_equal(d[k + 1:], derivative(m[k + 1:], 0, 0.1, order=order))
    # an explicit valid mask does the same as zero vectors
    valid = np.ones(20, bool)
    valid[7] = False
    holed = m.copy()
    holed[7] = 0.0
    np.testing.assert_array_equal(derivative(m, 0, 0.1, order=order, valid=valid),
                                  derivative(holed, 0, 0.1, order=order))


def test_mumax3_case_table_by_hand():
    h = 1.0
    # f = x⁴ at x = 0..6, no holes. By hand:
    #   cell 0: --111 one-sided 2nd order  -f2/2 + 2f1 - 3f0/2     = -8 + 2 - 0     = -6
    #   cell 1: -1111 3-point central     (f2 - f0)/2              = 8
    #   cells 2-4: 5-point, exact for a quartic: 4x³             = 32, 108, 256
    #   cell 5: 1111- 3-point central     (f6 - f4)/2              = (1296 - 256)/2 = 520
    #   cell 6: 111-- one-sided 2nd order  f4/2 - 2f5 + 3f6/2      = 128 - 1250 + 1944 = 822
    f = np.arange(7.0) ** 4
    d = derivative(_vec(f), 0, h, order=4)[:, 0]
    # (rtol 1e-15: 2/3 and 1/12 are not exact in binary)
    np.testing.assert_allclose(d, [-6, 8, 32, 108, 256, 520, 822], rtol=1e-15)
    # order 2 on the same row: central wherever both neighbours exist (3-point, not exact)
    d2 = derivative(_vec(f), 0, h, order=2)[:, 0]
    np.testing.assert_array_equal(d2, [-6, 8, 40, 120, 272, 520, 822])

    # Holes (cells 2, 5, 7 empty); f = 1, 2, 4, ..., 512 (distinct differences).
    #   0: --11-  (right neighbour, then hole) forward 1st order  f1 - f0 = 1
    #   1: -11--  backward 1st order                              f1 - f0 = 1
    #   3: 1-11-  mumax3: (is0(m-1) && is0(m+2)) -> forward 1st   f4 - f3 = 8
    #   4: -11--  backward 1st order                              f4 - f3 = 8
    #   6: -1-1-  isolated: 0;  8: --11 forward 1st f9 - f8 = 256; 9: backward 1st = 256
    f = 2.0 ** np.arange(10)
    m = _vec(f)
    m[[2, 5, 7]] = 0.0
    for order in (2, 4):  # no cell here has two neighbours on a side: both orders agree
        d = derivative(m, 0, h, order=order)[:, 0]
        np.testing.assert_array_equal(d, [1, 1, 0, 8, 8, 0, 0, 0, 256, 256])

    # One hole at 3, ten cells, f = 1, 2, 4, ..., 512:
    #   0: --111  -f2/2 + 2f1 - 3f0/2 = -2 + 4 - 1.5 = 0.5
    #   1: -111-  central (f2 - f0)/2 = 1.5;   2: 111-- f0/2 - 2f1 + 3f2/2 = 0.5 - 4 + 6 = 2.5
    #   4: --111  -f6/2 + 2f5 - 3f4/2 = -32 + 64 - 24 = 8
    #   5: -1111  central (f6 - f4)/2 = 24
    #   6: 11111  (2/3)(f7 - f5) + (f4 - f8)/12 = (2/3)·96 + (16 - 256)/12 = 64 - 20 = 44
    #   7: 11111  (2/3)(f8 - f6) + (f5 - f9)/12 = (2/3)·192 + (32 - 512)/12 = 128 - 40 = 88
    #   8: 1111-  central (f9 - f7)/2 = 192;   9: 111--  f7/2 - 2f8 + 3f9/2 = 64 - 512 + 768 = 320
    m = _vec(f)
    m[3] = 0.0
    d = derivative(m, 0, h, order=4)[:, 0]
    np.testing.assert_allclose(d, [0.5, 1.5, 2.5, 0, 8, 24, 44, 88, 192, 320], rtol=1e-15)
    # order 2: cells 6, 7 use the 3-point central difference instead
    d2 = derivative(m, 0, h, order=2)[:, 0]
    np.testing.assert_allclose(d2, [0.5, 1.5, 2.5, 0, 8, 24, 48, 96, 192, 320], rtol=1e-15)

    # a single cell has no derivative
    assert (derivative(_vec(np.array([3.0])), 0, h, order=4) == 0).all()


def _mumax3_kernel_1d(row, periodic):
    """Literal transcription of mumax3's cuda/topologicalcharge.cu, x derivative, h = 1.

    Neighbours outside the mesh are zero vectors (unless periodic); is0 tests for zero.
    """
    n = len(row)
    out = np.zeros_like(row)

    def get(i):
        if 0 <= i < n:
            return row[i]
        return row[i % n] if periodic else np.zeros(3)

    def is0(v):
        return not np.any(v != 0)

    for ix in range(n):
        m0 = row[ix]
        if is0(m0):
            continue
        m_m2, m_m1, m_p1, m_p2 = get(ix - 2), get(ix - 1), get(ix + 1), get(ix + 2)
        if is0(m_p1) and is0(m_m1):
            d = np.zeros(3)
        elif (is0(m_m2) or is0(m_p2)) and not is0(m_p1) and not is0(m_m1):
            d = 0.5 * (m_p1 - m_m1)
        elif is0(m_p1) and is0(m_m2):
            d = m0 - m_m1
        elif is0(m_m1) and is0(m_p2):
            d = -m0 + m_p1
        elif not is0(m_m2) and is0(m_p1):
            d = 0.5 * m_m2 - 2.0 * m_m1 + 1.5 * m0
        elif not is0(m_p2) and is0(m_m1):
            d = -0.5 * m_p2 + 2.0 * m_p1 - 1.5 * m0
        else:
            d = (2.0 / 3.0) * (m_p1 - m_m1) + (1.0 / 12.0) * (m_m2 - m_p2)
        out[ix] = d
    return out


@pytest.mark.parametrize("periodic", [False, True])
def test_order4_matches_mumax3s_kernel_on_random_holes(periodic):
    rng = np.random.default_rng(3)
    for trial in range(6):
        ny, nx = 7, int(rng.integers(3, 13))
        m = rng.normal(size=(ny, nx, 3))
        m[rng.random((ny, nx)) < 0.3] = 0.0  # holes of every width
        h = 0.5
        dx = derivative(m, -2, h, order=4, periodic=periodic)
        dy = derivative(m, -3, h, order=4, periodic=periodic)
        ref_x = np.stack([_mumax3_kernel_1d(m[j], periodic) for j in range(ny)]) / h
        ref_y = np.stack([_mumax3_kernel_1d(m[:, i], periodic) for i in range(nx)], axis=1) / h
        # same arithmetic up to the order of the operations: 1e-14 relative to |m| ~ 1
        np.testing.assert_allclose(dx, ref_x, rtol=0, atol=1e-14 / h)
        np.testing.assert_allclose(dy, ref_y, rtol=0, atol=1e-14 / h)


def test_order2_matches_discretisedfield_diff_on_random_holes():
    rng = np.random.default_rng(5)
    h = 2e-9
    for trial in range(4):
        n = 12
        m = rng.normal(size=(n, n, 3))
        m[rng.random((n, n)) < 0.3] = 0.0
        mask = np.any(m != 0, axis=-1)
        field = _df_field(m, h, valid=mask.T[:, :, None])
        for ax, axis in (("x", -2), ("y", -3)):
            ref = field.diff(ax).array[:, :, 0, :].transpose(1, 0, 2)
            np.testing.assert_allclose(derivative(m, axis, h, order=2), ref,
                                       rtol=0, atol=1e-14 / h)


def test_order2_periodic_matches_discretisedfield_without_holes():
    # discretisedfield pads one wrapped cell per side (enough for 3-point stencils)
    rng = np.random.default_rng(11)
    h = 1e-9
    m = rng.normal(size=(9, 9, 3))
    mesh = df.Mesh(p1=(0, 0, 0), p2=(9 * h, 9 * h, h), cell=(h, h, h), bc="xy")
    field = df.Field(mesh, nvdim=3, value=m.transpose(1, 0, 2)[:, :, None, :])
    for ax, axis in (("x", -2), ("y", -3)):
        ref = field.diff(ax).array[:, :, 0, :].transpose(1, 0, 2)
        np.testing.assert_allclose(derivative(m, axis, h, order=2, periodic=True), ref,
                                   rtol=0, atol=1e-14 / h)


# --------------------------------------------------------------------- 6. the xarray API


def _two_layer_series():
    """(t, z, y, x, c): layer 0 a skyrmion, layer 1 an antiskyrmion, 3 frames drifting in x."""
    h = NM
    x = cell_centres(60, h)
    layers = []
    for vort in (1, -1):
        frames = [skyrmion(x, x, centre=(30.3 * NM + k * NM, 29.6 * NM), radius=8 * NM,
                           wall_width=W, vorticity=vort) for k in range(3)]
        layers.append(as_dataarray(np.stack(frames), h, h, times=np.array([0, 1e-12, 2e-12])))
    m = xr.concat(layers, dim="z").assign_coords(z=[0.5e-9, 1.5e-9])
    return m.transpose("t", "z", "y", "x", "c")


def test_q_per_layer_and_frame_from_a_dataarray():
    m = _two_layer_series()
    for meth in METHODS:
        Q = topological_charge(m, method=meth)
        assert Q.dims == ("t", "z") and Q.shape == (3, 2)
        # the same numbers as the plain-array function, frame by frame, layer by layer
        expected = [[_Q(m.values[t, z], NM, meth) for z in range(2)] for t in range(3)]
        np.testing.assert_allclose(Q.values, expected, rtol=0, atol=1e-14)
        # sign per layer (bounds as in the analytic test, h/w = 1/3, R = 8 nm)
        np.testing.assert_allclose(Q.values, [[-1, 1]] * 3, atol=0.04)
    # a different dimension order gives the same charges
    Qt = topological_charge(m.transpose("c", "x", "y", "z", "t"))
    assert set(Qt.dims) == {"t", "z"}
    xr.testing.assert_allclose(Qt.transpose("t", "z"), topological_charge(m))


def _raise_if_computed(dsk, keys, **kwargs):
    raise AssertionError("topological_charge computed eagerly")


def test_dask_input_stays_lazy_until_computed():
    m = _two_layer_series()
    lazy = m.chunk({"t": 1, "z": 1})
    with dask.config.set(scheduler=_raise_if_computed):
        Q = topological_charge(lazy, method="fd4")
        q = charge_density(lazy, method="lattice")
    assert isinstance(Q.data, dsa.Array) and isinstance(q.data, dsa.Array)
    np.testing.assert_array_equal(Q.compute().values, topological_charge(m, method="fd4").values)
    np.testing.assert_array_equal(q.compute().values, charge_density(m, method="lattice").values)


def test_a_run_from_disk_is_analysed_lazily(oommf_skyrmion):
    assert isinstance(oommf_skyrmion.m.data, dsa.Array)
    with dask.config.set(scheduler=_raise_if_computed):
        Q = topological_charge(oommf_skyrmion)
    assert isinstance(Q.data, dsa.Array)
    assert float(Q.compute()[0, 0]) == pytest.approx(-0.894, abs=5e-4)


def test_pbc_is_read_from_attrs_and_can_be_overridden():
    x = cell_centres(100, NM)
    seam = skyrmion(x, x, centre=(0.3 * NM, 49.6 * NM), radius=8 * NM, wall_width=W,
                    box=(L, None))
    wrapped = _Q(seam, NM, "lattice", pbc="x")
    cut = _Q(seam, NM, "lattice")
    da = as_dataarray(seam, NM, NM, pbc="x")
    assert float(topological_charge(da, method="lattice")[0]) == pytest.approx(wrapped, abs=1e-14)
    assert float(topological_charge(da, method="lattice", pbc="")[0]) == pytest.approx(cut,
                                                                                      abs=1e-14)
    # a Dataset's attrs["pbc"] is the one that counts (as open_run stores it)
    ds = xr.Dataset({"m": as_dataarray(seam, NM, NM)}, attrs={"pbc": "x"})
    assert float(topological_charge(ds, method="lattice")[0]) == pytest.approx(wrapped, abs=1e-14)
    ds.attrs["pbc"] = ""
    assert float(topological_charge(ds, method="lattice")[0]) == pytest.approx(cut, abs=1e-14)
    assert abs(wrapped - cut) > 0.01
