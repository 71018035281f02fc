"""Paper 003's Thiele geometry (analysis.thiele_geometry) against its §4 identities.

The analytic identities (circles, lines, orientations) are checked on random Γ,
Q, α, ξ and current angles with the direct solution of Eq. (4); the Γ of
analytic textures (``analysis.textures.skyrmion``) checks the tensor itself.
Reduced velocities use the notes' corrected convention v = +V/V0, e∥ = −Î.
"""

import math

import numpy as np
import pytest

from analysis.textures import cell_centres, skyrmion
from analysis.thiele import thiele_tensors
from analysis.thiele_geometry import (GammaGeometry, alpha_trace_circle, beta_max, big_circle,
                                      circle_residual, deflection_angle, dissipation_tensor,
                                      gamma_geometry, kasa_circle_fit, reduced_units, rho,
                                      small_circle, thiele_velocity_reduced,
                                      velocity_closed_form)
from analysis.topology import charge_density_array
from mmstudy.constants import MU0, MUMAX3_GAMMA_LL

TWO_PI = 2 * np.pi


def rot(phi: float) -> np.ndarray:
    return np.array([[np.cos(phi), -np.sin(phi)], [np.sin(phi), np.cos(phi)]])


def make_gamma(lam1: float, lam2: float, psi: float) -> np.ndarray:
    """Eq. (9): Γ = R(ψ) diag(λ1, λ2) R(−ψ)."""
    return rot(psi) @ np.diag([lam1, lam2]) @ rot(-psi)


def random_cases(n: int, seed: int = 3):
    """(Q, Γ, α, ξ, θ) with λ2 ∈ [0.3, 3], λ1/λ2 ∈ [1, 6], Q ∈ [−3, 3], α, ξ ∈ [0.01, 1]."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        lam2 = rng.uniform(0.3, 3.0)
        G = make_gamma(lam2 * rng.uniform(1.0, 6.0), lam2, rng.uniform(0, np.pi))
        Q = rng.choice([rng.uniform(-3, 3), float(rng.integers(-3, 4))])
        yield Q, G, rng.uniform(0.01, 1.0), rng.uniform(0.01, 1.0), rng.uniform(0, TWO_PI)


def points_on_line(pts: np.ndarray) -> float:
    """Smallest singular value of the centred points (0 ⇔ collinear), relative to the largest."""
    sv = np.linalg.svd(pts - pts.mean(axis=0), compute_uv=False)
    return sv[-1] / sv[0]


# --------------------------------------------------------------------------- Γ of textures


def test_dissipation_tensor_is_thiele_D_over_4pi_and_unit_free():
    x = cell_centres(96, 1e-9)
    m = skyrmion(x, x, centre=(48.2e-9, 47.9e-9), radius=12e-9, helicity=0.4)
    G = dissipation_tensor(m, pbc="xy", cell=(1e-9, 1e-9))
    tt = thiele_tensors(m, pbc="xy", order=4, cell=(1e-9, 1e-9))
    np.testing.assert_array_equal(G, tt.D / (4 * np.pi))
    # Eq. (6) is dimensionless: the same for any length unit (square cells assumed for ndarray)
    np.testing.assert_allclose(dissipation_tensor(m, pbc="xy"), G, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(dissipation_tensor(m, pbc="xy", cell=(3.0, 3.0)), G, rtol=1e-13,
                               atol=1e-14)


@pytest.mark.parametrize("dx, dy", [(1.0, 1.0), (1.0, 1.5)])
def test_round_skyrmion_gamma_is_isotropic(dx, dy):
    # k_s = ∞ ⇒ S = 0, Γ = ½TrΓ·id. On square cells this holds to rounding for any
    # centre (the grid error is itself 90°-symmetric); rectangular cells make the
    # fourth-order error anisotropic, still far below 1e-3 of the trace.
    x, y = cell_centres(160, dx), cell_centres(int(160 / dy), dy)
    m = skyrmion(x, y, centre=(80.3, 79.6), radius=24.0, box=(160 * dx, len(y) * dy))
    G = dissipation_tensor(m, pbc="xy", cell=(dx, dy))
    g = gamma_geometry(G)
    assert math.hypot(*g.S) < 1e-3 * g.trace
    assert abs(G[0, 1]) < 1e-3 * g.trace


def elliptic_skyrmion(n: int, R: float, phi: float, a: float = 1.6, b: float = 0.8):
    """analysis.textures.skyrmion with coordinates scaled by (1/a, 1/b), then rotated by φ (Eq. 7).

    ``n'(r) = R(φ) n_ell(R(−φ) r)`` with ``n_ell(x, y) = n_round(x/a, y/b)``: the round
    profile is taken from ``skyrmion`` on the ray (r, 0) and turned to the point's polar
    angle (vorticity 1), which is what ``skyrmion`` does on a grid.
    """
    x = cell_centres(n, 1.0)
    c = n / 2 + 0.3
    X, Y = np.meshgrid(x - c, x - c)
    u = (np.cos(phi) * X + np.sin(phi) * Y) / a
    v = (-np.sin(phi) * X + np.cos(phi) * Y) / b
    ang = np.arctan2(v, u).ravel()
    prof = skyrmion(np.hypot(u, v).ravel(), np.zeros(1), centre=(0.0, 0.0), radius=R)[0]
    st = np.hypot(prof[:, 0], prof[:, 1])
    m = np.stack([st * np.cos(ang + phi), st * np.sin(ang + phi), prof[:, 2]], axis=-1)
    return m.reshape(n, n, 3)


def test_elliptic_helper_is_scaled_skyrmion():
    n, R = 64, 8.0
    x = cell_centres(n, 1.0)
    c = n / 2 + 0.3
    direct = skyrmion(x / 1.6, x / 0.8, centre=(c / 1.6, c / 0.8), radius=R)
    np.testing.assert_allclose(elliptic_skyrmion(n, R, 0.0), direct, atol=1e-13)


def test_rotating_elliptic_texture_rotates_S_by_2phi():
    # Eq. (8): S' = R(2φ) S, ψ' = ψ + φ, Tr Γ invariant. Tolerance: the fourth-order FD
    # error of this grid (minor-axis wall width 4.2 cells) is 3.6e-4 |S| (1.7e-3 at
    # R = 14, 1.2e-4 at R = 28: h⁴ convergence), so 1e-3 |S|.
    n, R = 256, 21.0
    g0 = gamma_geometry(dissipation_tensor(elliptic_skyrmion(n, R, 0.0), pbc="xy"))
    assert g0.lam1 > 3 * g0.lam2 and abs(g0.psi - np.pi / 2) < 1e-12  # long axis along x
    S0 = np.array(g0.S)
    for phi in (0.3, np.pi / 4, 1.0, 2.5):
        g = gamma_geometry(dissipation_tensor(elliptic_skyrmion(n, R, phi), pbc="xy"))
        np.testing.assert_allclose(g.S, rot(2 * phi) @ S0, atol=1e-3 * np.hypot(*S0))
        dpsi = (g.psi - g0.psi - phi + np.pi / 2) % np.pi - np.pi / 2
        assert abs(dpsi) < 1e-3
        assert abs(g.trace - g0.trace) < 1e-3 * g0.trace


def test_sqrt_det_gamma_bounds_Q_for_dw360_skyrmion():
    # √det Γ ≥ |Q| and Tr Γ ≥ 2|Q| (notes §2), Q from the Berg–Lüscher lattice charge.
    x = cell_centres(256, 1.0)
    for radius, wall in ((30.0, 7.5), (12.0, 6.0), (40.0, 3.0)):
        m = skyrmion(x, x, centre=(128.4, 127.7), radius=radius, wall_width=wall, box=(256, 256))
        Q = charge_density_array(m, 1.0, 1.0, method="lattice", pbc="xy").sum()
        assert abs(Q + 1) < 1e-10
        g = gamma_geometry(dissipation_tensor(m, pbc="xy"))
        assert g.sqrt_det >= abs(Q) and g.trace >= 2 * abs(Q)


def test_belavin_polyakov_saturates_the_bound():
    # BP is conformal: |∂x n|² = |∂y n|² = |n·(∂x n × ∂y n)| pointwise, so Γ = |Q|·id over
    # any domain. Its 1/r tail cannot be wrapped (the periodic seam would be a jump of
    # ~8R/L), so the grid is open; both Γ and Q then lack the same tail, ~R²/s² = 4e-3.
    # Discretisation: the fd4 error of Γ is −1.2e-5 at R = 16h (−1.9e-4 at 8h, h⁴), and
    # the lattice charge covers the square between cell centres, half a cell smaller than
    # the FD integral (−1.2e-5 here), so |√det Γ − |Q_lattice|| < 1e-4; with the fd4 Q on
    # the same domain the equality is at 1e-9.
    n, R = 512, 16.0
    x = cell_centres(n, 1.0)
    m = skyrmion(x, x, centre=(n / 2, n / 2), radius=R, profile="bp")
    g = gamma_geometry(dissipation_tensor(m))
    q_lat = charge_density_array(m, 1.0, 1.0, method="lattice").sum()
    q_fd4 = charge_density_array(m, 1.0, 1.0, method="fd4").sum()
    assert 1 - abs(q_lat) > 2e-3  # the tail is really missing ...
    assert abs(g.sqrt_det - abs(q_lat)) < 1e-4  # ... and equality still holds
    assert abs(g.sqrt_det - abs(q_fd4)) < 1e-8
    assert abs(g.lam1 - g.lam2) < 1e-12


# --------------------------------------------------------------------------- Γ geometry


def test_gamma_geometry_recovers_eq9_parameters():
    rng = np.random.default_rng(0)
    for _ in range(200):
        lam2 = rng.uniform(0.1, 5)
        lam1 = lam2 * rng.uniform(1.001, 10)
        psi = rng.uniform(0, np.pi)
        G = make_gamma(lam1, lam2, psi)
        g = gamma_geometry(G)
        assert isinstance(g, GammaGeometry)
        assert g.lam1 == pytest.approx(lam1, rel=1e-12) and g.lam2 == pytest.approx(lam2, rel=1e-12)
        assert abs((g.psi - psi + np.pi / 2) % np.pi - np.pi / 2) < 1e-9 and 0 <= g.psi < np.pi
        np.testing.assert_allclose(g.S, (G[0, 0] - G[1, 1], 2 * G[0, 1]), atol=1e-14)
        S_eq8 = (lam1 - lam2) * np.array([np.cos(2 * psi), np.sin(2 * psi)])
        np.testing.assert_allclose(g.S, S_eq8, atol=1e-12 * lam1)
        assert g.vartheta == pytest.approx(np.log(np.sqrt(lam1 / lam2)), rel=1e-12)
        np.testing.assert_allclose(g.Gamma, G, atol=1e-14 * lam1)
        assert g.sqrt_det == pytest.approx(np.sqrt(np.linalg.det(G)), rel=1e-12)


def test_gamma_geometry_isotropic_and_bad_input():
    g = gamma_geometry(2.5 * np.eye(2))
    assert math.isnan(g.psi) and g.vartheta == 0.0 and g.S == (0.0, 0.0)
    near = gamma_geometry([[2.5 + 1e-9, 0.0], [0.0, 2.5]], isotropic_tol=1e-6)
    assert math.isnan(near.psi)
    assert gamma_geometry([[2.5 + 1e-9, 0.0], [0.0, 2.5]]).psi == 0.0
    with pytest.raises(ValueError):
        gamma_geometry([[1.0, 0.2], [0.1, 1.0]])
    with pytest.raises(ValueError):
        gamma_geometry(np.eye(3))


def test_rho_eq10():
    G = make_gamma(3.0, 0.75, 0.4)  # √det = 1.5
    assert rho(-1.0, 0.25, G) == pytest.approx(2 * np.arctan(-1 / 0.375), rel=1e-14)
    assert rho(0.0, 0.1, G) == 0.0
    assert rho(2.0, 1e-9, G) == pytest.approx(np.pi, rel=1e-8)  # α → 0: ρ → +sign(Q)π
    np.testing.assert_allclose(rho(np.array([-1.0, 1.0]), 0.5, gamma_geometry(G)),
                               2 * np.arctan(np.array([-1.0, 1.0]) / 0.75))


# --------------------------------------------------------------------------- velocities


def test_direct_solution_satisfies_eq4_in_the_erratum_convention():
    # Rebuild V = V0 (v∥ e∥ + v⊥ e⊥) and put it back into −Q e_z×(V+I) − Γ(αV+ξI) = 0.
    for Q, G, a, xi, th in random_cases(300):
        I_mag = 7.3
        I = I_mag * np.array([np.cos(th), np.sin(th)])
        vpar, vperp = thiele_velocity_reduced(Q, G, a, xi, th)
        e_par = -I / I_mag
        e_perp = np.array([-e_par[1], e_par[0]])  # e_z × e∥
        V = xi * I_mag / a * (vpar * e_par + vperp * e_perp)
        W = V + I
        residual = -Q * np.array([-W[1], W[0]]) - G @ (a * V + xi * I)
        scale = (abs(Q) + np.abs(G).max()) * (np.abs(V).max() + I_mag)
        assert np.abs(residual).max() < 1e-13 * scale


def test_closed_form_eq11_22_agrees_with_direct_solution():
    worst = 0.0
    for Q, G, a, xi, th in random_cases(2000, seed=11):
        direct = np.array(thiele_velocity_reduced(Q, G, a, xi, th))
        closed = np.array(velocity_closed_form(Q, G, a, xi, th))
        worst = max(worst, np.abs(direct - closed).max() / max(1.0, np.abs(direct).max()))
    assert worst < 1e-12


def test_closed_form_broadcasts():
    G = make_gamma(2.0, 1.0, 0.3)
    th = np.linspace(0, TWO_PI, 5)
    vpar, vperp = velocity_closed_form(-1.0, G, 0.1, 0.2, th)
    for k, t in enumerate(th):
        assert (vpar[k], vperp[k]) == pytest.approx(thiele_velocity_reduced(-1.0, G, 0.1, 0.2, t),
                                                    abs=1e-13)


def test_Q_zero_moves_at_V0_along_e_par_exactly():
    # Topologically trivial (skyrmionium, chiral droplet): v = (1, 0) whatever Γ, α, ξ, θ.
    for _, G, a, xi, th in random_cases(300):
        assert thiele_velocity_reduced(0.0, G, a, xi, th) == (1.0, 0.0)
        # the closed form adds v_c + R_c = 1: exact up to the rounding of v_c (up to ~50)
        vc = big_circle(a, xi)[0]
        assert velocity_closed_form(0.0, G, a, xi, th) == pytest.approx((1.0, 0.0), abs=1e-15 * vc)


def test_xi_equal_alpha_gives_1_0_for_all_textures():
    for Q, G, a, _, th in random_cases(300):
        assert thiele_velocity_reduced(Q, G, a, a, th) == (1.0, 0.0)
        assert velocity_closed_form(Q, G, a, a, th) == pytest.approx((1.0, 0.0), abs=1e-15)


def test_high_symmetry_points_lie_on_big_circle():
    rng = np.random.default_rng(5)
    for _ in range(500):
        Q, lam = rng.uniform(-4, 4), rng.uniform(0.2, 6)
        a, xi, th = rng.uniform(0.01, 1), rng.uniform(0.01, 1), rng.uniform(0, TWO_PI)
        vc, Rc = big_circle(a, xi)
        v = thiele_velocity_reduced(Q, lam * np.eye(2), a, xi, th)
        assert abs(circle_residual([v], (vc, 0.0), Rc)[0]) < 1e-12 * max(1.0, abs(Rc))


def test_big_circle_passes_through_1_0_and_alpha_over_xi():
    rng = np.random.default_rng(6)
    for a, xi in rng.uniform(0.01, 1, size=(100, 2)):
        vc, Rc = big_circle(a, xi)
        assert vc + Rc == pytest.approx(1.0, abs=1e-14)
        assert vc - Rc == pytest.approx(a / xi, rel=1e-14)
        assert vc == pytest.approx((xi + a) / (2 * xi)) and Rc == pytest.approx((xi - a) / (2 * xi))
        # scale invariance: depends on α/ξ only
        assert big_circle(3 * a, 3 * xi) == pytest.approx((vc, Rc), rel=1e-14)


def test_fixed_xi_varying_alpha_traces_eq17_circle():
    for Q, lam, xi in ((-1.0, 1.2, 0.5), (1.0, 2.5, 0.3), (-2.0, 4.0, 0.1), (3.0, 0.7, 1.0)):
        (cx, cy), r = alpha_trace_circle(Q, lam, xi)
        alphas = np.concatenate([np.linspace(0.001, 1.0, 10), np.geomspace(1e-3, 1e3, 40)])
        pts = np.array([thiele_velocity_reduced(Q, lam * np.eye(2), a, xi, 1.1) for a in alphas])
        assert np.abs(circle_residual(pts, (cx, cy), r)).max() < 1e-12
        (fx, fy), fr, rms = kasa_circle_fit(pts)
        assert (fx, fy, fr) == pytest.approx((cx, cy, r), abs=1e-10) and rms < 1e-12
    # Fig. 4a: π-skyrmion (Q = −1): centre (½, −1/(2λξ)), v⊥ of the centre has sign of Q
    assert alpha_trace_circle(-1.0, 1.0, 0.5)[0] == (0.5, -1.0)


@pytest.mark.parametrize("G", [1.7 * np.eye(2), make_gamma(3.0, 0.8, 0.6)])
def test_fixed_alpha_varying_xi_is_a_straight_line(G):
    # v = (Γ + QΩ/α)⁻¹(Γ + QΩ/ξ) e∥ is affine in 1/ξ: a line for high symmetry (Fig. 4b)
    # and, by the same algebra, for any Γ.
    for Q in (-1.0, 2.0):
        xis = np.concatenate([0.01 + 0.11 * np.arange(10), np.geomspace(1e-3, 1e2, 30)])
        pts = np.array([thiele_velocity_reduced(Q, G, 0.5, xi, 2.0) for xi in xis])
        assert points_on_line(pts) < 1e-12
        with pytest.raises(ValueError):
            kasa_circle_fit(pts)


# --------------------------------------------------------------------------- low symmetry


@pytest.mark.parametrize("alpha, xi", [(0.06, 0.1), (0.25, 5 / 12), (0.5, 0.2)])
@pytest.mark.parametrize("Q", [-1.0, 1.0, 2.0])
def test_rotation_traces_small_circle_twice_per_turn(alpha, xi, Q):
    lam1, lam2, psi0 = 5.0, 1.0, 0.2  # antiskyrmion-like λ1/λ2 = 5
    G0 = make_gamma(lam1, lam2, psi0)
    phis = np.linspace(0, TWO_PI, 721)
    pts = np.array([thiele_velocity_reduced(Q, rot(p) @ G0 @ rot(-p), alpha, xi, np.pi)
                    for p in phis])
    centre, R0 = small_circle(Q, G0, alpha, xi)
    assert np.abs(circle_residual(pts, centre, R0)).max() < 1e-12
    # Eq. (15), second form
    vc, Rc = big_circle(alpha, xi)
    assert R0 == pytest.approx(Rc * alpha * abs(Q) * (lam1 - lam2)
                               / (alpha ** 2 * lam1 * lam2 + Q ** 2), rel=1e-12)
    # π-periodic in the rotation angle, winding twice round the centre per 2π
    np.testing.assert_allclose(pts[:361], pts[360:], atol=1e-13)
    ang = np.unwrap(np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0]))
    assert abs(abs(ang[-1] - ang[0]) - 2 * TWO_PI) < 1e-9
    # Kåsa recovers it, and it is orthogonal to the big circle (Eq. 18)
    (fx, fy), fr, _ = kasa_circle_fit(pts)
    assert (fx, fy, fr) == pytest.approx((*centre, abs(R0)), abs=1e-10)
    assert (fx - vc) ** 2 + fy ** 2 == pytest.approx(Rc ** 2 + fr ** 2, rel=1e-10)
    # centres outside the big circle, and rotating the current instead gives the same circle
    assert math.hypot(centre[0] - vc, centre[1]) > abs(Rc)
    th_pts = np.array([thiele_velocity_reduced(Q, G0, alpha, xi, np.pi - p) for p in phis])
    np.testing.assert_allclose(th_pts, pts, atol=1e-13)


def test_small_circle_collapses_for_high_symmetry():
    centre, R0 = small_circle(-1.0, 2.0 * np.eye(2), 0.25, 5 / 12)
    v = thiele_velocity_reduced(-1.0, 2.0 * np.eye(2), 0.25, 5 / 12, 0.9)
    assert R0 == 0.0 and centre == pytest.approx(v, abs=1e-14)


@pytest.mark.parametrize("theta", [np.pi, 0.0, 1.234])
def test_max_v_par_orientation(theta):
    # ψ' = ψ − ψ∥ with ψ∥ = θ + π the angle of e∥: max v∥ at ψ' = π/4 (Q > 0), 3π/4 (Q < 0)
    # for ξ > α (as in all the paper's figures); for ξ < α (R_c < 0) the two swap.
    psi_par = theta + np.pi
    d = np.pi / 1800
    psi_p = np.arange(1800) * d
    cases = ((1.0, (0.06, 0.1), np.pi / 4), (-1.0, (0.06, 0.1), 3 * np.pi / 4),
             (2.0, (0.25, 5 / 12), np.pi / 4),
             (1.0, (0.3, 0.1), 3 * np.pi / 4), (-1.0, (0.3, 0.1), np.pi / 4))
    for Q, (alpha, xi), expect in cases:
        vpar = [thiele_velocity_reduced(Q, make_gamma(3.0, 1.0, pp + psi_par), alpha, xi, theta)[0]
                for pp in psi_p]
        assert abs(psi_p[int(np.argmax(vpar))] - expect) <= d


def test_sign_of_v_perp_high_symmetry():
    rng = np.random.default_rng(9)
    for _ in range(400):
        Q = rng.choice([-1, 1]) * rng.uniform(0.1, 3)
        a, xi = rng.uniform(0.01, 1, size=2)
        if abs(xi - a) < 1e-3:
            continue
        _, vperp = thiele_velocity_reduced(Q, rng.uniform(0.5, 5) * np.eye(2), a, xi,
                                           rng.uniform(0, TWO_PI))
        assert np.sign(vperp) == -np.sign(Q) * np.sign(xi - a)
    # π-skyrmion, ξ > α, driven along +x (I ∥ −x): deflects to +y
    assert thiele_velocity_reduced(-1.0, 1.5 * np.eye(2), 0.06, 0.1, np.pi)[1] > 0


# --------------------------------------------------------------------------- deflection


@pytest.mark.parametrize("alpha, xi", [(0.06, 0.1), (0.25, 5 / 12)])
def test_beta_max_paper_values(alpha, xi):
    vc, Rc = big_circle(alpha, xi)
    assert (vc, Rc) == pytest.approx((0.8, 0.2), abs=1e-15)
    assert beta_max(alpha, xi) == pytest.approx(np.arcsin(0.25), abs=1e-15)
    assert np.degrees(beta_max(alpha, xi)) == pytest.approx(14.4775121859, abs=1e-9)
    # the largest deflection of high-symmetry textures over all Q/λ is β_max
    lams = np.geomspace(1e-3, 1e3, 4001)
    betas = [deflection_angle(*thiele_velocity_reduced(-1.0, lam * np.eye(2), alpha, xi, 0.3))
             for lam in lams]
    assert max(np.abs(betas)) == pytest.approx(np.arcsin(0.25), abs=1e-6)


def test_deflection_angle_eq16_with_sign_note():
    # tan β = −sin ρ sin β_max / (1 + cos ρ sin β_max) for β = atan2(v⊥, v∥) (notes §2.3).
    rng = np.random.default_rng(12)
    for _ in range(300):
        Q, lam = rng.uniform(-3, 3), rng.uniform(0.3, 4)
        a, xi = rng.uniform(0.01, 1, size=2)
        vpar, vperp = thiele_velocity_reduced(Q, lam * np.eye(2), a, xi, rng.uniform(0, TWO_PI))
        r, sb = rho(Q, a, lam * np.eye(2)), np.sin(beta_max(a, xi))
        assert vpar > 0
        assert np.tan(deflection_angle(vpar, vperp)) == pytest.approx(
            -np.sin(r) * sb / (1 + np.cos(r) * sb), rel=1e-10, abs=1e-13)
    assert deflection_angle(-1.0, 0.0) == pytest.approx(np.pi)
    np.testing.assert_allclose(deflection_angle(np.ones(2), np.array([1.0, -1.0])),
                               [np.pi / 4, -np.pi / 4])


# --------------------------------------------------------------------------- circle fit


def test_kasa_fit_exact_points():
    rng = np.random.default_rng(1)
    for _ in range(50):
        c = rng.uniform(-5, 5, 2)
        r = rng.uniform(0.01, 30)
        t = rng.uniform(0, TWO_PI, rng.integers(3, 40))
        pts = c + r * np.c_[np.cos(t), np.sin(t)]
        (cx, cy), fr, rms = kasa_circle_fit(pts)
        assert (cx, cy, fr) == pytest.approx((*c, r), rel=1e-9, abs=1e-9 * r)
        assert rms < 1e-9 * r


def test_kasa_fit_noisy_points():
    rng = np.random.default_rng(2)
    c, r, sigma, n = np.array([0.8, 0.05]), 0.2, 1e-3, 400
    t = rng.uniform(0, TWO_PI, n)
    pts = c + r * np.c_[np.cos(t), np.sin(t)] + rng.normal(0, sigma, (n, 2))
    (cx, cy), fr, rms = kasa_circle_fit(pts)
    # the centre and radius are good to ~σ/√N (5e-5); 5σ/√N bound
    assert np.hypot(cx - c[0], cy - c[1]) < 5 * sigma / np.sqrt(n) * np.sqrt(2)
    assert abs(fr - r) < 5 * sigma / np.sqrt(n)
    # the rms distance is the radial noise, σ, within its sampling error
    assert rms == pytest.approx(sigma, rel=0.15)


def test_kasa_fit_bad_input_and_residual_sign():
    with pytest.raises(ValueError):
        kasa_circle_fit([[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(ValueError):
        kasa_circle_fit([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    res = circle_residual([[0.0, 3.0], [0.0, 1.0], [2.0, 0.0]], (0.0, 0.0), -2.0)
    np.testing.assert_allclose(res, [1.0, -1.0, 0.0])


# --------------------------------------------------------------------------- units


def test_reduced_units_fege_example():
    # Notes §1.2: A = 8.78 pJ/m, D = 1.58 mJ/m², Ms = 384 kA/m → L_D ≈ 69.8 nm,
    # B_D ≈ 0.370 T, ℓ ≈ 11.1 nm, γB_Dℓ ≈ 723 m/s. The first three are rounded to the
    # digits shown (half a unit of the last digit). The velocity is 723.94 m/s (723.96 with
    # mumax3's GammaLL): the notes' "723" is truncated, so it gets one full unit.
    u = reduced_units(8.78e-12, 1.58e-3, 384e3)
    assert abs(u.L_D * 1e9 - 69.8) <= 0.05
    assert abs(u.B_D - 0.370) <= 0.0005
    assert abs(u.ell * 1e9 - 11.1) <= 0.05
    assert abs(u.velocity - 723) <= 1.0
    assert u.L_D == pytest.approx(2 * np.pi * u.ell, rel=1e-15)
    assert u.velocity == pytest.approx(u.gamma * u.B_D * u.ell, rel=1e-15)
    assert u.time == pytest.approx(1 / (u.gamma * u.B_D), rel=1e-15)
    # the DMI sign is the chirality only; mumax3's γ differs by 2e-5
    assert reduced_units(8.78e-12, -1.58e-3, 384e3) == u
    um = reduced_units(8.78e-12, 1.58e-3, 384e3, gamma0=MU0 * MUMAX3_GAMMA_LL)
    assert um.velocity == pytest.approx(u.velocity, rel=3e-5)
    with pytest.raises(ValueError):
        reduced_units(8.78e-12, 0.0, 384e3)
