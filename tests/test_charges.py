"""Magnetic charges of a film (:mod:`analysis.charges`): paper 004's σ_m, edge charges, Q_m, P_m.

The trusted numbers are analytic: Gauss's theorem (a divergence integrates to its
boundary flux: ``∬σ dS + ∮λ dl = 0``, and ``∬_S σ dS = −Ms d ∮_∂S m·n dl``), the notes'
Eq. (65) ``Q_m = 0`` for a skyrmion, integration by parts ``P_m = Ms d ∬ m_∥ dS`` when
m ∥ z on the rim, the projected width ``∫ max(m·n, 0) dl = 2R`` of a disk, and the
symmetries (mirror, point inversion, helicity 0 → π).
"""

import numpy as np
import pytest
import xarray as xr

from analysis.charges import charge_density, charge_moments, edge_charge
from analysis.forces import disk_mask
from analysis.textures import as_dataarray, cell_centres, skyrmion
from orchestrator.study.shapes import Flower

MS, D = 5.8e5, 1e-9          # A/m, m: paper 004's Ms and thickness scale
H = 0.5e-9                   # skyrmion mesh: 128 × 128 cells of 0.5 nm
X = cell_centres(128, H)
C = (32e-9, 32e-9)           # on a cell corner: the mesh is symmetric about it
R = 6e-9                     # m_z = 0 radius; wall width w = R/4 (textures' default)
KW = dict(cell=(H, H, D), Ms=MS)


def _r(x, y, c):
    XX, YY = np.meshgrid(x, y)
    return XX - c[0], YY - c[1]


def _egg(eps: float, eta: float = 0.0) -> np.ndarray:
    """A Néel skyrmion of radius R(1 + ε cos φ): longer toward +x, mirror-symmetric in y."""
    dX, dY = _r(X, X, C)
    r, ph = np.hypot(dX, dY), np.arctan2(dY, dX)
    w = R / 4
    th = 2 * np.arctan2(np.sinh(R * (1 + eps * np.cos(ph)) / w), np.sinh(r / w))
    return np.stack([np.sin(th) * np.cos(ph + eta), np.sin(th) * np.sin(ph + eta),
                     np.cos(th)], axis=-1)


def _abs_moment(sigma, region, c):
    """∬_S |σ| |r − c| dS: the scale of P_m without cancellation."""
    dX, dY = _r(sigma.x.values, sigma.y.values, c)
    return float(np.sum(np.abs(sigma.values) * np.hypot(dX, dY) * region)) * H * H


# ------------------------------------------------------------------ skyrmion: Q_m, P_m


@pytest.mark.parametrize("eta", [0.0, np.pi])
def test_neel_skyrmion_carries_no_net_charge(eta):
    """Eq. (65): Q_m = 0 over a disk holding the skyrmion.

    ∬_S σ dS = −Ms d ∮ m·n dl exactly in the continuum, and the sum of the central
    differences telescopes to the same rim terms on the raster; at ρ = 4R the rim has
    m_∥ = sin Θ ≈ 2 e^{−(ρ−R)/w} = 2 e^{−12}, so |Q_m| ≈ 2.5e-5 of ∬|σ| dS (measured):
    1e-3 leaves a factor 40.
    """
    m = skyrmion(X, X, centre=C, radius=R, helicity=eta)
    sigma = charge_density(m, **KW)
    region = disk_mask(X, X, C, 4 * R)
    Q, P = charge_moments(sigma, region=region, centre=C)
    assert abs(Q) <= 1e-3 * float(np.abs(sigma).values[region].sum()) * H * H
    # centred on the mesh's symmetry point: σ is even, r odd, so P_m cancels pairwise
    # to rounding (measured 4e-18 of ∬|σ||r| dS)
    assert np.all(np.abs(P) <= 1e-12 * _abs_moment(sigma, region, C))
    # the sign convention σ = −Ms d ∇·m: η = 0 (m_∥ outward) diverges at the core
    # (σ < 0) and converges in the outer wall (σ > 0); η = π the other way round
    s = 1 if eta == 0.0 else -1
    assert s * sigma.values[63, 63] < 0 < s * sigma.sel(x=C[0] + 1.5 * R, y=C[1] + H / 2,
                                                       method="nearest")


def test_dipole_of_a_deformed_skyrmion():
    """P_m ≠ 0 only from an asymmetric deformation (paper: 'P_m ≠ 0 arises from the
    asymmetric deformation').

    Integrating by parts, P_m = Ms d ∬_S m_∥ dS − Ms d ∮ r (m·n) dl; the rim term at ρ = 5R
    is ~2e^{−15} × ρ·2πρ ≈ 1e-4 of P_m for the egg below (measured 3e-5: the discrete sum by
    parts of central differences is exact but for the rim), so 1e-3 relative.
    """
    region = disk_mask(X, X, C, 5 * R)
    for eta, sign in ((0.0, 1), (np.pi, -1)):
        m = _egg(0.2, eta)
        sigma = charge_density(m, **KW)
        Q, P = charge_moments(sigma, region=region, centre=C)
        expected = MS * D * m[..., :2][region].sum(axis=0) * H * H
        assert sign * P[0] > 0.01 * _abs_moment(sigma, region, C)   # measured 0.034
        assert P[0] == pytest.approx(expected[0], rel=1e-3)
        # mirror symmetry y → −y about the centre row (a cell boundary): P_y cancels
        assert abs(P[1]) <= 1e-12 * abs(P[0])
        # Q_m ≈ 0 (the leak as in the round case), so P_m does not depend on r₀
        P_far = charge_moments(sigma, region=region, centre=(0.0, 0.0))[1]
        assert P_far[0] == pytest.approx(P[0], rel=1e-3)


def test_a_shifted_round_skyrmion_has_no_dipole():
    """A rigid shift moves the charges, not the dipole: P_m changes by Q_m·shift = 0.

    Off the mesh's symmetry point P_m only cancels to the raster's quadrature of a smooth,
    exponentially localised σ: measured 2e-6 to 6e-6 of ∬|σ||r| dS over these r₀ (the
    spread is Q_m·Δr, Q_m being ~1e-5 of ∬|σ| dS); the egg above gives 0.034, so 1e-4
    separates them.
    """
    m = skyrmion(X, X, centre=(33.7e-9, 31.15e-9), radius=R)
    sigma = charge_density(m, **KW)
    region = disk_mask(X, X, C, 5 * R)
    for r0 in (C, (33.7e-9, 31.15e-9), (0.0, 0.0)):
        P = charge_moments(sigma, region=region, centre=r0)[1]
        assert np.all(np.abs(P) <= 1e-4 * _abs_moment(sigma, region, C))


# ------------------------------------------------------------------ uniform m: edge charge


def _disk(radius_cells: float, n: int = 48):
    x = cell_centres(n, 1e-9)
    c = (n / 2 * 1e-9, n / 2 * 1e-9)
    return x, c, disk_mask(x, x, c, radius_cells * 1e-9)


@pytest.mark.parametrize("psi", [0.0, np.pi / 2, 0.3, np.pi / 4])
def test_uniform_in_plane_disk_has_charge_only_on_its_edge(psi):
    """Uniform m = (cos ψ, sin ψ, 0) on a disk of R = 20.3 cells (h = 1 nm).

    * σ = 0 in the interior: the derivative of a constant is 0 (exactly, in floats).
    * The edge's total is Ms d ∮ m·n dl = 0: exact to rounding (Σ S̃ = Σ S telescopes).
    * The positive half Ms d ∫ max(m·n, 0) dl = 2R Ms d: for ψ along an axis the raster
      gives exactly Ms d dy × (number of rows), and the rows with centres in
      |y − y_c| ≤ R number 2R/h ± 1, so ±h; for an oblique m the two ends of the chord
      are each fixed to half a cell diagonal, so ±√2 h (1 h = 2.5 % of 2R here; measured
      −1.5 %, −2.5 % at 45°, −0.2 % at 0.3 rad).
    * ∮ dl: the raster's outline lies between the circles R ± h/√2, so ±2π h/√2
      (measured −1 %).
    """
    h, Rd = 1e-9, 20.3e-9
    x, c, inside = _disk(20.3)
    mvec = [np.cos(psi), np.sin(psi), 0.0]
    m = np.where(inside[..., None], mvec, 0.0)
    kw = dict(cell=(h, h, D), Ms=MS)
    sigma, edge = charge_density(m, **kw), edge_charge(m, **kw)
    assert float(np.abs(sigma).max()) <= 1e-15 * MS * D / h     # measured exactly 0
    q = edge.charge.values
    interior = inside & np.roll(inside, 1, 0) & np.roll(inside, -1, 0) \
        & np.roll(inside, 1, 1) & np.roll(inside, -1, 1)
    assert np.all(q[interior] == 0) and np.all(q[~inside] == 0)
    assert abs(q.sum()) <= 1e-12 * np.abs(q).sum()
    positive = q[q > 0].sum()
    if psi in (0.0, np.pi / 2):
        rows = np.any(inside, axis=1 if psi == 0.0 else 0).sum()
        assert positive == pytest.approx(MS * D * h * rows, rel=1e-12)
        assert abs(positive - 2 * Rd * MS * D) <= h * MS * D
    else:
        assert abs(positive - 2 * Rd * MS * D) <= np.sqrt(2) * h * MS * D
    assert abs(float(edge.length.sum()) - 2 * np.pi * Rd) <= 2 * np.pi * h / np.sqrt(2)
    # λ = Ms d m·n̂ cell by cell, with n̂ the spread staircase normal: its rms over the
    # rim against the circle's radial n (measured 0.064 Ms d; the raw staircase,
    # spread=0, is 0.21: a ± checkerboard) — 0.1 Ms d
    dX, dY = _r(x, x, c)
    rim = edge.length.values > 0
    exact = np.cos(np.arctan2(dY, dX) - psi)[rim]
    err = edge.line_density.values[rim] / (MS * D) - exact
    assert np.sqrt(np.mean(err ** 2)) <= 0.1


@pytest.mark.parametrize("psi", [0.0, 0.3, np.pi / 2])
def test_uniform_in_plane_flower(psi):
    """The paper's flower (a = 54 nm, b = 22 nm, 1-nm cells, 6440 cells): σ = 0 inside
    and the rim's charges sum to Ms d ∮ m·n dl = 0, both to rounding, for any direction
    (no symmetry needed: the spread conserves Σ S)."""
    h = 1e-9
    x, y = cell_centres(128, h), cell_centres(112, h)
    XX, YY = np.meshgrid(x, y)
    inside = Flower(centre=[64e-9, 43.5e-9], a=54e-9, b=22e-9).contains(XX, YY, 0 * XX)
    assert inside.sum() == 6440
    m = np.where(inside[..., None], [np.cos(psi), np.sin(psi), 0.0], 0.0)
    kw = dict(cell=(h, h, D), Ms=MS)
    assert float(np.abs(charge_density(m, **kw)).max()) <= 1e-15 * MS * D / h
    q = edge_charge(m, **kw).charge.values
    assert abs(q.sum()) <= 1e-12 * np.abs(q).sum()
    assert np.abs(q).sum() > 0.5 * 2 * 54e-9 * MS * D     # there is charge on the rim


# ------------------------------------------------------------------ Gauss for any m


def _wavy(XX, YY, L=40e-9):
    a = 2 * np.pi * XX / L * 0.7 + np.pi * np.sin(2 * np.pi * YY / L)
    b = 0.6 * np.cos(2 * np.pi * (XX + 0.3 * YY) / L)
    return np.stack([np.cos(b) * np.cos(a), np.cos(b) * np.sin(a), np.sin(b)], axis=-1)


def test_total_charge_vanishes_to_first_order_in_the_cell():
    """∬σ dS + ∮λ dl = 0 for a nonuniform m on a disk (R = 15.3 nm).

    σ's one-sided edge rows telescope to m extrapolated a cell beyond the last cell while
    λ takes the cell's value, so the sum misses O(h ∂m) per edge cell: first order in h.
    Measured |total| / (∬|σ| + Σ|q|) = 1.5 %, 0.65 %, 0.32 % at h = 1, 0.5, 0.25 nm
    (≈ 0.2 h/R): assert ≤ h/R and that halving h halves it (ratio 1.6–2.6).
    """
    Rd, errs = 15.3e-9, []
    for h in (1e-9, 0.5e-9, 0.25e-9):
        x = cell_centres(int(round(40e-9 / h)), h)
        inside = disk_mask(x, x, (20e-9, 20e-9), Rd)
        m = np.where(inside[..., None], _wavy(*np.meshgrid(x, x)), 0.0)
        kw = dict(cell=(h, h, D), Ms=MS)
        sigma, edge = charge_density(m, **kw), edge_charge(m, **kw)
        Q = charge_moments(sigma, region=inside, edge=edge)[0]
        scale = float(np.abs(sigma).sum()) * h * h + float(np.abs(edge.charge).sum())
        errs.append(abs(Q) / scale)
        assert errs[-1] <= h / Rd
    assert 1.6 <= errs[0] / errs[1] <= 2.6 and 1.6 <= errs[1] / errs[2] <= 2.6


# ------------------------------------------------------------------ η = π, inputs


def test_helicity_pi_flips_the_charges_exactly():
    """m_x, m_y → −m_x, −m_y: every operation is linear and float negation is exact, so
    σ → −σ and λ → −λ bit for bit; the analytic η = π texture (cos(φ + π) computed, not
    negated) agrees to rounding of its O(1) inputs, 1e-12 of max|σ|."""
    m0 = _egg(0.2)
    mpi = m0 * np.array([-1.0, -1.0, 1.0])
    assert np.array_equal(charge_density(mpi, **KW).values, -charge_density(m0, **KW).values)
    region = disk_mask(X, X, C, 20e-9)
    m0d, mpid = (np.where(region[..., None], a, 0.0) for a in (m0, mpi))
    assert np.array_equal(edge_charge(mpid, **KW).line_density.values,
                          -edge_charge(m0d, **KW).line_density.values)
    s0 = charge_density(skyrmion(X, X, centre=C, radius=R), **KW).values
    spi = charge_density(skyrmion(X, X, centre=C, radius=R, helicity=np.pi), **KW).values
    np.testing.assert_allclose(spi, -s0, rtol=0, atol=1e-12 * np.abs(s0).max())


def test_xarray_inputs_and_layers_follow_the_thiele_convention():
    """A DataArray (z, y, x, c) gives what its array gives; a Dataset's Ms (0 = vacuum)
    is the mask; two identical layers of dz = d/2 are one film of thickness d. (A DataArray's
    cell size comes from its coordinates, x[1] − x[0], which differs from 1e-9 in the last
    bits: 1e-12 relative.)"""
    x = cell_centres(32, 1e-9)
    inside = disk_mask(x, x, (16e-9, 16e-9), 12e-9)
    m = np.where(inside[..., None], _wavy(*np.meshgrid(x, x), L=32e-9), 0.0)
    ref = charge_density(m, cell=(1e-9, 1e-9, D), Ms=MS)
    da = as_dataarray(m, 1e-9, 1e-9, D)
    np.testing.assert_allclose(charge_density(da, Ms=MS).values, ref.values, rtol=1e-12)
    full = _wavy(*np.meshgrid(x, x), L=32e-9)         # m everywhere, Ms marks the magnet
    ds = xr.Dataset({"m": as_dataarray(full, 1e-9, 1e-9, D),
                     "Ms": (("z", "y", "x"), np.where(inside, MS, 0.0)[None])},
                    attrs={"cell": (1e-9, 1e-9, D)})
    np.testing.assert_allclose(charge_density(ds).values, ref.values, rtol=1e-12)
    two = np.stack([m, m])
    np.testing.assert_allclose(charge_density(two, cell=(1e-9, 1e-9, D / 2), Ms=MS).values,
                               ref.values, rtol=1e-14, atol=0)
    # periodic along both axes: a uniform m over the whole mesh has no edge at all
    e = edge_charge(np.tile([1.0, 0.0, 0.0], (8, 8, 1)), cell=(1e-9, 1e-9, D), Ms=MS,
                    pbc="xy")
    assert float(np.abs(e.charge).sum()) == 0.0


def test_bad_input_names_what_was_expected():
    m = skyrmion(X, X, centre=C, radius=R)
    with pytest.raises(ValueError, match=r"Ms has shape \(3, 3\); expected a scalar, "
                                         r"\(ny, nx\) = \(128, 128\)"):
        charge_density(m, cell=(H, H, D), Ms=np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"valid has shape \(128, 127\); expected \(ny, nx\)"):
        edge_charge(m, valid=np.ones((128, 127), bool), **KW)
    with pytest.raises(ValueError, match=r"m must be \(y, x, 3\)"):
        charge_density(m[..., :2], **KW)
    sigma = charge_density(m, **KW)
    with pytest.raises(ValueError, match=r"expected two \(ny, nx\) maps of the same shape"):
        charge_moments(sigma, region=np.ones((64, 64), bool))
    with pytest.raises(ValueError, match=r"needs cell="):
        charge_moments(sigma.values, region=np.ones((128, 128), bool))
    with pytest.raises(ValueError, match=r"give Ms="):
        charge_density(m, cell=(H, H, D))
