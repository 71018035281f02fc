"""Thiele tensors and velocities against the analytic results of papers 002, 003 and 000.

Textures are analytic (``analysis.textures`` and paper 002's linear profile) on
periodic square grids, centred on a cell corner at the middle of the box, so the
grid has the texture's 90° rotation and mirror symmetries: D_xx = D_yy and
D_xy = 0 then hold to rounding, which makes the circle and Table 1 identities
exact to ~1e-12 whatever the discretisation error of D itself.
"""

import numpy as np
import pytest
import xarray as xr
from scipy.special import sici

from analysis.textures import as_dataarray, cell_centres, skyrmion, skyrmionium
from analysis.thiele import (GAMMA_LL, HBAR, MU0, MUB, QE, ThieleTensors, sot_rate,
                             thiele_tensors, thiele_velocity, zhang_li_u)
from analysis.thiele_geometry import big_circle, gamma_geometry, reduced_velocity, small_circle
from analysis.topology import topological_charge

# Paper 002, Eq. (248): D of the linear profile, (π/2)(π² + ln 2π + C − Ci(2π)) = 6.15363π.
D_LINEAR = np.pi / 2 * (np.pi ** 2 + np.log(2 * np.pi) + np.euler_gamma - sici(2 * np.pi)[1])


def linear_profile(n: int, h: float, r_sk: float, *, zeta: int = -1, n_omega: int = 1,
                   eta: float = 0.0) -> np.ndarray:
    """Paper 002 Eqs. (1)–(3): Θ = πζ(r/r_sk + (ζ−1)/2) inside r_sk, constant outside."""
    x = (np.arange(n) + 0.5) * h - n * h / 2
    X, Y = np.meshgrid(x, x)
    r = np.hypot(X, Y)
    theta = np.pi * zeta * (np.minimum(r, r_sk) / r_sk + (zeta - 1) / 2)
    Phi = n_omega * np.arctan2(Y, X) + eta
    return np.stack([np.sin(theta) * np.cos(Phi), np.sin(theta) * np.sin(Phi),
                     np.cos(theta)], axis=-1)


N, H = 160, 0.25e-9     # 40 nm periodic box
R, W = 5e-9, 1.5e-9     # dw360 radius and wall width: ~6 cells across the wall
CELL = (H, H, 1e-9)
X = cell_centres(N, H)
C = N * H / 2           # a cell corner: the grid has the texture's C4 symmetry


def dw360(**kw) -> np.ndarray:
    kw.setdefault("radius", R)
    kw.setdefault("wall_width", W)
    return skyrmion(X, X, centre=(C, C), **kw)


def tensors(m, **kw) -> ThieleTensors:
    return thiele_tensors(m, cell=CELL, pbc="xy", **kw)


# --------------------------------------------------------------------------- tensors


def test_uniform_state_has_zero_tensors():
    m = np.zeros((16, 16, 3))
    m[..., 2] = 1.0
    tt = tensors(m)
    assert tt.Q == 0.0 and not tt.D.any() and not tt.spin_torque.any()


def test_Q_equals_topology_fd2_and_fd4():
    # Same derivatives as analysis.topology, so the same number to rounding (1e-12).
    m = dw360()
    da = as_dataarray(m, H, H, pbc="xy")
    for order, method in ((2, "fd2"), (4, "fd4")):
        q = float(topological_charge(da, method=method).squeeze())
        assert tensors(m, order=order).Q == pytest.approx(q, abs=1e-12)
    assert tensors(m, order=4).gyro == pytest.approx(-4 * np.pi, rel=1e-3, abs=0)  # 𝒢 = 4πQ, Q ≈ −1


def test_dataarray_dataset_and_numpy_give_the_same_tensors():
    m = dw360(helicity=0.3)
    ref = tensors(m)
    da = as_dataarray(m, H, H, 2e-9, pbc="xy")
    for src in (da, xr.Dataset({"m": da}, attrs={"pbc": "xy", "cell": CELL}),
                da.expand_dims(t=[0.0])):
        tt = thiele_tensors(src)
        np.testing.assert_allclose(tt.D, ref.D, rtol=1e-14, atol=1e-14 * ref.D[0, 0])
        np.testing.assert_allclose(tt.spin_torque, ref.spin_torque, rtol=1e-14,
                                   atol=1e-14 * np.abs(ref.spin_torque).max())
        assert tt.Q == pytest.approx(ref.Q, rel=1e-14, abs=0) and tt.thickness == 2e-9
    # two identical layers: the mean over layers, thickness nz·dz
    two = thiele_tensors(np.stack([m, m]), cell=(H, H, 1e-9), pbc="xy")
    np.testing.assert_allclose(two.D, ref.D, rtol=1e-14, atol=1e-14 * ref.D[0, 0])
    assert two.thickness == 2e-9
    with pytest.raises(ValueError, match="one state"):
        thiele_tensors(as_dataarray(np.stack([m, m]), H, H))


def test_empty_cells_are_skipped():
    # A skyrmion in a disk-shaped magnet: the tensors of the magnetic cells only,
    # so padding the film with empty cells changes nothing (to rounding).
    m = dw360()
    inside = np.hypot(*np.meshgrid(X - C, X - C)) < 15e-9
    film = np.where(inside[..., None], m, 0.0)
    big = np.zeros((N + 40, N + 40, 3))
    big[20:-20, 20:-20] = film
    a, b = thiele_tensors(film, cell=CELL), thiele_tensors(big, cell=CELL, pbc="xy")
    np.testing.assert_allclose(a.D, b.D, rtol=1e-13, atol=1e-13)
    assert a.Q == pytest.approx(b.Q, rel=1e-13, abs=0)


def test_dissipative_tensor_of_the_linear_profile():
    """Paper 002 Eq. (248): 𝒟 = 6.15363π for any r_sk, D_xy = 0."""
    assert D_LINEAR / np.pi == pytest.approx(6.15363, abs=5e-6)  # the paper's printed digits
    h = 0.0625e-9
    errors = {}
    for r_sk in (10e-9, 7e-9):  # same grid, r_sk/h = 160 and 112
        tt = thiele_tensors(linear_profile(400, h, r_sk), cell=(h, h), pbc="xy")
        err = tt.D[0, 0] / D_LINEAR - 1
        # The profile has a kink at r_sk: central differences straddling it lose
        # (Θ'_in − Θ'_out)²/4 per cell on a ring of width ~h, an O(h/r_sk) error
        # (measured: −0.47 h/r_sk); allow 0.6 h/r_sk.
        assert abs(err) < 0.6 * h / r_sk
        errors[r_sk] = err
        assert tt.D[1, 1] == pytest.approx(tt.D[0, 0], rel=1e-14, abs=0)  # C4-symmetric grid
        assert abs(tt.D[0, 1]) < 1e-14 * tt.D[0, 0]
    # and it is discretisation error: first order, halving h halves it (ratio 2 ± 0.3)
    tt = thiele_tensors(linear_profile(200, 2 * h, 10e-9), cell=(2 * h, 2 * h), pbc="xy")
    assert (tt.D[0, 0] / D_LINEAR - 1) / errors[10e-9] == pytest.approx(2.0, abs=0.3)


@pytest.mark.parametrize("zeta", [-1, 1])
@pytest.mark.parametrize("n_omega", [-1, 1])
def test_spin_torque_tensor_of_the_linear_profile(zeta, n_omega):
    """Paper 002 Eqs. (252)–(255): magnitudes π² r_sk/2 and their signs."""
    r_sk, n, h = 10e-9, 200, 0.125e-9
    K = np.pi ** 2 * r_sk / 2
    for eta in (0.0, np.pi / 2, np.pi, 3 * np.pi / 2):
        tt = thiele_tensors(linear_profile(n, h, r_sk, zeta=zeta, n_omega=n_omega, eta=eta),
                            cell=(h, h), pbc="xy")
        expected = K * np.array([
            [zeta * np.sin(eta), -zeta * np.cos(eta), 0.0],
            [zeta * n_omega * np.cos(eta), zeta * n_omega * np.sin(eta), 0.0]])
        # The integrand is linear in ∂m, so the kink costs O(h²) only (measured
        # 1.8 (h/r_sk)²); allow 3 (h/r_sk)² of K.
        np.testing.assert_allclose(tt.spin_torque, expected, rtol=0,
                                   atol=3 * (h / r_sk) ** 2 * K)
        # Eq. (4): Q = ζ n_Ω, with the kink's O(h/r_sk) error (5.5e-4 measured)
        assert tt.Q == pytest.approx(zeta * n_omega, abs=1e-3)


# --------------------------------------------------------------------------- conventions


def test_zhang_li_u_is_mumax3s():
    # mumax3 zhangli2.cu: b = μB/(2 e γ0 Ms (1+ξ²)) times (m₊₁ − m₋₁)/Δ = 2∂m, times γ:
    # u = μB P j/(e Ms (1+ξ²)). Ms = μB/e makes u = P j/(1+ξ²).
    u = zhang_li_u((2.0, -1.0), P=0.5, Ms=MUB / QE, xi=0.5)
    np.testing.assert_allclose(u, np.array([2.0, -1.0]) * 0.5 / 1.25, rtol=1e-15)


def test_sot_rate_is_paper_000s_u():
    # Paper 000: u = |γ0 ħ/(μ0 e)| j θ_SH/(2 a Ms) with γ0 = 2.211e5 m/(A s) (OOMMF).
    gamma0 = 2.211e5
    u = gamma0 * HBAR / (MU0 * QE) * 1e10 * 1.0 / (2 * 1e-9 * 580e3)
    c = sot_rate(1e10, theta_SH=1.0, thickness=1e-9, Ms=580e3, gamma=gamma0 / MU0)
    assert c == pytest.approx(u, rel=1e-14, abs=0)


def _llg_rates(m, dmx, dmy, *, alpha, u=(0.0, 0.0), xi=0.0, c=0.0, p=(0, 0, 1)):
    """dm/dt (LL form, without field) from the torques exactly as mumax3 writes them.

    Zhang–Li (zhangli2.cu): −[(1+ξα) m×(m×h) + (ξ−α) m×h]/(1+α²), h = (u·∇)m.
    Slonczewski (slonczewski2.cu, Λ = 1, ε' = 0): c[m×(p×m) − α p×m]/(1+α²).
    """
    hsp = u[0] * dmx + u[1] * dmy
    p = np.broadcast_to(np.asarray(p, float), m.shape)
    zl = -((1 + xi * alpha) * np.cross(m, np.cross(m, hsp)) + (xi - alpha) * np.cross(m, hsp))
    sl = c * (np.cross(m, np.cross(p, m)) - alpha * np.cross(p, m))
    return (zl + sl) / (1 + alpha ** 2)


@pytest.mark.parametrize("helicity", [0.0, np.pi / 2, 2.0])
def test_velocity_solves_the_projected_llg_with_mumax3_torques(helicity):
    """The solver's equation is the LLG projected on m×∂_i m, with mumax3's torque signs.

    For the rigid motion ṁ = −(V·∇)m at the Thiele velocity, the Gilbert residual
    ṁ − α m×ṁ − T (T = f_LL − α m×f_LL recovers the Gilbert torque from mumax3's
    LL rates) projected on m×∂_i m integrates to zero. Discrete derivatives are not
    exactly ⊥ m (m·∂m = O(h²)), so the residual is not rounding-small: allow 1e-4
    of the drive. A wrong sign anywhere gives a residual of order 1.
    """
    m = dw360(helicity=helicity)
    tt = tensors(m)
    alpha, xi, u, c, p = 0.3, 0.1, np.array([-30.0, 12.0]), 2e9, np.array([0.6, 0.0, 0.8])
    V = thiele_velocity(tt, alpha=alpha, stt={"u": u, "xi": xi},
                        sot={"rate": c, "p": p}).velocity
    from analysis.derivatives import derivative
    dmx = derivative(m, -2, H, periodic=True)
    dmy = derivative(m, -3, H, periodic=True)
    f_ll = _llg_rates(m, dmx, dmy, alpha=alpha, u=u, xi=xi, c=c, p=p)
    T = f_ll - alpha * np.cross(m, f_ll)

    def residual(V):
        mdot = -(V[0] * dmx + V[1] * dmy)
        res = mdot - alpha * np.cross(m, mdot) - T
        return np.array([np.sum(np.cross(m, d) * res) * H * H for d in (dmx, dmy)])

    drive = np.abs(residual(np.zeros(2))).max()
    assert np.abs(residual(V)).max() < 1e-4 * drive
    assert np.abs(residual(V * np.array([1, -1]))).max() > 0.1 * drive  # it can fail


def test_sot_turns_a_uniform_state_toward_p():
    # The analytic limit that fixes the SOT sign: c m×(p×m) with c > 0 rotates m toward p.
    m = np.array([[[np.sqrt(0.5), 0.0, np.sqrt(0.5)]]])
    p = (1.0, 0.0, 0.0)
    rate = _llg_rates(m, 0 * m, 0 * m, alpha=0.0, c=1.0, p=p)
    assert rate[0, 0, 0] > 0 and rate[0, 0, 2] < 0


# --------------------------------------------------------------------------- paper 002, Table 1


ALPHA, BETA = 0.04, 0.02  # paper 002 Sec. 8.3


def _gd(tt):
    return tt.gyro, tt.D[0, 0]


def test_table1_stt_thin_plate():
    """Thin plate, j_e ∥ −x (v_s ∥ +x): Eq. (70) exactly, Eqs. (71)–(72) to first order."""
    tt = tensors(dw360())
    G, D = _gd(tt)
    v_sx = 3.0
    v = thiele_velocity(tt, alpha=ALPHA, stt={"u": (-v_sx, 0.0), "xi": BETA}).velocity
    den = ALPHA ** 2 * D ** 2 + G ** 2
    np.testing.assert_allclose(v, [(ALPHA * BETA * D ** 2 + G ** 2) / den * v_sx,
                                   (ALPHA - BETA) * D * G / den * v_sx], rtol=1e-12)
    # Table 1 is first order in α: relative corrections ε² = (α𝒟/𝒢)² (≈ 5e-3 here).
    eps2 = (ALPHA * D / G) ** 2
    assert v[0] == pytest.approx(v_sx, rel=eps2, abs=0)
    assert v[1] == pytest.approx((ALPHA - BETA) * D / G * v_sx, rel=eps2, abs=0)
    assert v[1] < 0  # the paper: 𝒢 < 0, α > β ⇒ small −y Hall drift (Fig. 8a)
    # Bloch and Néel move identically under STT (Fig. 8)
    vb = thiele_velocity(tensors(dw360(helicity=np.pi / 2)), alpha=ALPHA,
                         stt={"u": (-v_sx, 0.0), "xi": BETA}).velocity
    np.testing.assert_allclose(vb, v, rtol=1e-12)


def test_table1_stt_nanotrack():
    """Nanotrack along x: v_dx = (β/α)v_sx (Eq. 73) and −(𝒢/α𝒟)v_sy (Eq. 74), v_dy = 0."""
    tt = tensors(dw360())
    G, D = _gd(tt)
    sol = thiele_velocity(tt, alpha=ALPHA, stt={"u": (-2.0, 0.0), "xi": BETA}, confine="y")
    np.testing.assert_allclose(sol.velocity, [BETA / ALPHA * 2.0, 0.0], rtol=1e-12, atol=0)
    # the edge force: paper 002's ∂_yV = (α−β)𝒢v_sx/α, and our force is −∇V
    edge = (ALPHA - BETA) * G * 2.0 / ALPHA
    assert sol.confining_rate[1] == pytest.approx(-edge, rel=1e-12, abs=0)
    assert sol.confining_force is None  # no Ms given: no force in newtons
    sol = thiele_velocity(tt, alpha=ALPHA, stt={"u": (0.0, -2.0), "xi": BETA}, confine="y")
    assert sol.velocity[0] == pytest.approx(-G / (ALPHA * D) * 2.0, rel=1e-12, abs=0)


def _sot(sigma, c=1e9):
    return {"rate": c, "p": sigma}


@pytest.mark.parametrize("eta", [0.0, np.pi / 2, np.pi, 3 * np.pi / 2])
@pytest.mark.parametrize("sign", [1, -1])
def test_table1_sot_ferromagnet(eta, sign):
    """SOT rows of Table 1 (Eqs. 87–152) for Bloch and Néel skyrmions, σ = ±y, ±x."""
    tt = tensors(dw360(helicity=eta))
    G, D = _gd(tt)
    c = 1e9
    # J^spin from m (Eq. 29): 𝒥_FM σ_y(−cos η, sin η) for σ ∥ y (Eq. 270), σ_x(sin η, cos η)
    # for σ ∥ x (Eq. 275), with one positive 𝒥_FM (not the paper's π² v⊥ r_sk/d, see below).
    J_FM = c * np.hypot(*tt.spin_torque[0, :2])
    S_y = c * tt.sot_drive((0, sign, 0))
    S_x = c * tt.sot_drive((sign, 0, 0))
    np.testing.assert_allclose(S_y, J_FM * sign * np.array([-np.cos(eta), np.sin(eta)]),
                               atol=1e-12 * J_FM)
    np.testing.assert_allclose(S_x, J_FM * sign * np.array([np.sin(eta), np.cos(eta)]),
                               atol=1e-12 * J_FM)
    den = ALPHA ** 2 * D ** 2 + G ** 2
    eps2 = (ALPHA * D / G) ** 2
    # thin plate, σ ∥ y: Eq. (107) exactly
    v = thiele_velocity(tt, alpha=ALPHA, sot=_sot((0, sign, 0))).velocity
    np.testing.assert_allclose(v, [(ALPHA * D * S_y[0] + G * S_y[1]) / den,
                                   (-G * S_y[0] + ALPHA * D * S_y[1]) / den],
                               rtol=1e-12, atol=1e-12 * J_FM / abs(G))
    bloch = abs(np.sin(eta)) > 0.5
    s, co = sign * np.sin(eta), sign * np.cos(eta)
    if bloch:  # Eqs. (109)-(110): ⊥ σ
        table = [s * J_FM / G, s * ALPHA * D * J_FM / G ** 2]
    else:      # Eqs. (111)-(112): ∥ σ
        table = [-co * ALPHA * D * J_FM / G ** 2, co * J_FM / G]
    np.testing.assert_allclose(v, table, rtol=eps2, atol=1e-12 * J_FM / abs(G))
    speed = J_FM / np.sqrt(den)  # same speed for Bloch and Néel
    assert np.hypot(*v) == pytest.approx(speed, rel=1e-12, abs=0)
    # nanotrack along x, σ ∥ y: Bloch stuck (Eq. 128), Néel −σ_y cos η 𝒥/(α𝒟) (Eq. 136)
    sol = thiele_velocity(tt, alpha=ALPHA, sot=_sot((0, sign, 0)), confine="y")
    vx = 0.0 if bloch else -co * J_FM / (ALPHA * D)
    assert sol.velocity[0] == pytest.approx(vx, abs=1e-12 * J_FM / (ALPHA * D))
    assert sol.velocity[1] == 0.0
    edge = s * J_FM if bloch else co * G * J_FM / (ALPHA * D)  # ∂_yV, Eqs. (127), (135)
    assert -sol.confining_rate[1] == pytest.approx(edge, rel=1e-12, abs=0)
    # nanotrack along x, j_e ∥ y, σ ∥ x: Bloch σ_x sin η 𝒥/(α𝒟) (Eq. 144), Néel stuck (152)
    sol = thiele_velocity(tt, alpha=ALPHA, sot=_sot((sign, 0, 0)), confine="y")
    vx = s * J_FM / (ALPHA * D) if bloch else 0.0
    assert sol.velocity[0] == pytest.approx(vx, abs=1e-12 * J_FM / (ALPHA * D))


def test_table1_factor_two_of_the_linear_profile():
    """Paper 002's 𝒥_FM = π² v⊥ r_sk/d is twice what Eqs. (252)–(255) give.

    Computing J^spin from m, the Néel thin-plate speed is 𝒥/√(α²𝒟²+𝒢²) with
    𝒥 = π² c r_sk/2: half of the printed formula. Tolerance: the O(h/r_sk)
    discretisation of 𝒟 and O(h²) of 𝒥 (see the tests above), < 1e-3 here.
    """
    r_sk, n, h = 10e-9, 400, 0.0625e-9
    tt = thiele_tensors(linear_profile(n, h, r_sk, eta=np.pi), cell=(h, h), pbc="xy")
    c = 1e9
    v = thiele_velocity(tt, alpha=ALPHA, sot=_sot((0, 1, 0), c)).velocity
    paper_J_FM = np.pi ** 2 * c * r_sk
    speed = lambda J: J / np.sqrt(ALPHA ** 2 * D_LINEAR ** 2 + (4 * np.pi) ** 2)  # noqa: E731
    assert np.hypot(*v) == pytest.approx(speed(paper_J_FM / 2), rel=1e-3, abs=0)
    assert v[1] > 0  # η = π, σ = +y: toward +y (the upper edge, Fig. 10), Eq. (112)


# --------------------------------------------------------------------------- paper 003


def _reduced(tt, alpha, xi, angle=np.pi):
    u = 5.0 * np.array([np.cos(angle), np.sin(angle)])
    V = thiele_velocity(tt, alpha=alpha, stt={"u": u, "xi": xi}).velocity
    return np.array(reduced_velocity(V, u, alpha=alpha, xi=xi))


HIGH_SYMMETRY = [dict(), dict(background=-1), dict(vorticity=-1), dict(helicity=np.pi / 2),
                 dict(vorticity=2), dict(radius=3e-9, wall_width=1e-9), dict(profile="bp")]


@pytest.mark.parametrize("kw", HIGH_SYMMETRY)
def test_high_symmetry_textures_lie_on_the_big_circle(kw):
    """Eq. (13): (v∥ − v_c)² + v⊥² = R_c² for any Q ≠ 0, radius, profile, current angle.

    An exact identity once Γ ∝ identity, which the C4-symmetric grid gives to
    rounding, so 1e-12 (D_xx − D_yy is checked first). The Belavin–Polyakov
    skyrmion's 1/r tail reaches the edges, so it sits on an open (free-edge) mesh,
    whose one-sided edge stencils keep the C4 symmetry.
    """
    if kw.get("profile") == "bp":
        tt = thiele_tensors(skyrmion(X, X, centre=(C, C), radius=4e-9, profile="bp"), cell=CELL)
    else:
        tt = tensors(dw360(**kw))
    assert abs(tt.D[0, 0] - tt.D[1, 1]) < 1e-13 * tt.D[0, 0]
    assert abs(tt.D[0, 1]) < 1e-13 * tt.D[0, 0]
    for alpha, xi in ((0.06, 0.1), (0.25, 5 / 12), (0.5, 0.01), (0.1, 0.06)):
        vc, rc = big_circle(alpha, xi)
        for angle in (np.pi, 0.3, 2.0):
            vp, vq = _reduced(tt, alpha, xi, angle)
            assert (vp - vc) ** 2 + vq ** 2 == pytest.approx(rc ** 2, rel=1e-12, abs=1e-12)
            # the erratum's sign rule: sign(v⊥) = −sign(Q) sign(ξ − α)
            assert np.sign(vq) == -np.sign(tt.Q) * np.sign(xi - alpha)


def test_bogomolny_bound_and_belavin_polyakov_equality():
    """notes-003 §2: √det Γ ≥ |Q|, with equality for Belavin–Polyakov textures.

    BP is self-dual: |∂_x m|² = |∂_y m|² = |m·(∂_x m × ∂_y m)| at every point, so
    Γ_xx = Γ_yy = |Q| over any region, here a 40 nm film cutting the 1/r tail
    (Q ≈ −0.966). The two sides differ by discretisation error only (2.6e-6 measured,
    16 times less at h/2): 1e-5.
    """
    bp = thiele_tensors(skyrmion(X, X, centre=(C, C), radius=4e-9, profile="bp"), cell=CELL)
    assert bp.Q == pytest.approx(-0.966, abs=1e-3)  # the truncated tail: not −1
    assert np.sqrt(np.linalg.det(bp.Gamma)) == pytest.approx(abs(bp.Q), rel=1e-5, abs=0)
    for kw in (dict(), dict(vorticity=-1), dict(radius=3e-9, wall_width=1e-9)):
        tt = tensors(dw360(**kw))
        assert np.sqrt(np.linalg.det(tt.Gamma)) > 1.3 * abs(tt.Q)


def test_big_circle_numbers_of_fig1():
    # Fig. 1b: α = 0.06, ξ = 0.1 → centre 0.8, radius 0.2, β_max = arcsin(R_c/v_c) = 14.48°
    vc, rc = big_circle(0.06, 0.1)
    assert (vc, rc) == pytest.approx((0.8, 0.2), rel=1e-14, abs=0)
    assert np.degrees(np.arcsin(rc / vc)) == pytest.approx(14.48, abs=0.005)
    # and the π-skyrmion's deflection never exceeds β_max (on the circle, tangent point)
    vp, vq = _reduced(tensors(dw360()), 0.06, 0.1)
    assert abs(np.degrees(np.arctan2(vq, vp))) <= 14.48 + 1e-9


def test_xi_equals_alpha_gives_one_for_every_texture():
    for kw in (dict(), dict(vorticity=-1), dict(helicity=1.0, background=-1)):
        vp, vq = _reduced(tensors(dw360(**kw)), 0.1, 0.1, 0.7)
        assert (vp, vq) == pytest.approx((1.0, 0.0), abs=1e-14)


def test_skyrmionium_moves_at_v0():
    """Q = 0: v = (1, 0) (paper 003 §2.3), up to the discretisation error of Q.

    With fourth-order differences Q = O(h⁴) ≈ 3e-6 here; v − (1, 0) is linear in
    Q (≈ 2R_c Q/(αλ)), so both are bounded by 1e-5.
    """
    m = skyrmionium(X, X, centre=(C, C), radius=8e-9, inner_radius=4e-9)
    tt = tensors(m, order=4)
    assert abs(tt.Q) < 1e-5
    vp, vq = _reduced(tt, 0.06, 0.1)
    assert (vp, vq) == pytest.approx((1.0, 0.0), abs=1e-5)
    # with 𝒢 set to its exact value 0 the identity is exact
    exact = ThieleTensors(Q=0.0, G=np.zeros((2, 2)), D=tt.D, spin_torque=tt.spin_torque,
                          thickness=None, cell=CELL, pbc="xy", order=4)
    assert tuple(_reduced(exact, 0.06, 0.1, 1.1)) == pytest.approx((1.0, 0.0), abs=1e-14)


N_EL = 320  # an 80 nm box: the stretched tails must not reach the periodic seam


def elongated(phi: float, *, stretch: float = 1.6, helicity: float = 0.0) -> np.ndarray:
    """A dw360 skyrmion stretched along x, then rotated by φ as paper 003 Eq. (7):
    n'(r) = R(φ) n(R(−φ) r). On an 80 nm periodic box (cells of H)."""
    x = cell_centres(N_EL, H) - N_EL * H / 2
    Xg, Yg = np.meshgrid(x, x)
    xr_ = np.cos(phi) * Xg + np.sin(phi) * Yg      # R(−φ) r
    yr_ = -np.sin(phi) * Xg + np.cos(phi) * Yg
    r = np.hypot(xr_ / stretch, yr_ * stretch)
    theta = 2 * np.arctan2(np.sinh(R / W), np.sinh(r / W))
    Phi = np.arctan2(yr_, xr_) + helicity + phi      # spin rotation by φ
    return np.stack([np.sin(theta) * np.cos(Phi), np.sin(theta) * np.sin(Phi),
                     np.cos(theta)], axis=-1)


def test_low_symmetry_texture_lies_on_its_small_circle():
    """Eqs. (14)–(15), (18), (22) for an elongated skyrmion, rotated two ways.

    Sweeping the current direction at fixed texture is an exact rotation: all
    points lie on one small circle to 1e-12 (and match Eq. 22 with the ψ of Γ),
    off the big circle, and the small circle is orthogonal to the big one.
    """
    alpha, xi = 0.25, 5 / 12
    tt = tensors(elongated(0.0), order=4)
    g = gamma_geometry(tt.Gamma)
    lam1, lam2, psi = g.lam1, g.lam2, g.psi
    assert lam1 / lam2 > 1.5 and tt.Q == pytest.approx(-1.0, abs=0.02)
    centre, R0 = small_circle(tt.Q, tt.Gamma, alpha, xi)
    centre, R0 = np.asarray(centre), abs(R0)
    vc, rc = big_circle(alpha, xi)
    rho = 2 * np.arctan(tt.Q / (alpha * np.sqrt(lam1 * lam2)))
    vt = 0.5 * np.log(lam1 / lam2)
    off = []
    for angle in np.linspace(0, 2 * np.pi, 13)[:-1]:
        v = _reduced(tt, alpha, xi, angle)
        assert np.hypot(*(v - centre)) == pytest.approx(R0, rel=1e-12, abs=0)
        # Eq. (22), ψ' = ψ − ψ∥ with ψ∥ the polar angle of e∥ = −û
        psi_p = psi - (angle + np.pi)
        assert v[0] - vc == pytest.approx(rc * (np.cos(rho) + np.sinh(vt) * np.sin(2 * psi_p)
                                                * np.sin(rho)), abs=1e-12)
        assert v[1] == pytest.approx(-rc * np.sin(rho) * (np.cosh(vt) + np.sinh(vt)
                                                          * np.cos(2 * psi_p)), abs=1e-12)
        off.append(abs(np.hypot(v[0] - vc, v[1]) - abs(rc)))
    assert max(off) > 0.1 * R0  # a low-symmetry texture leaves the big circle
    # Eq. (18): small circles are orthogonal to the big one
    assert (centre[0] - vc) ** 2 + centre[1] ** 2 == pytest.approx(rc ** 2 + R0 ** 2, rel=1e-12,
                                                                    abs=0)


def test_rotating_the_texture_rotates_gamma():
    """Paper 003 Eq. (8): Γ' = R(φ)ΓR(−φ); ψ follows φ, λ's and Q are invariant.

    Rotated textures are re-sampled on the grid, so the invariants agree to the
    discretisation error only: with fourth-order differences it scales as h⁴
    (measured ≤ 4e-4 relative here, 16 times less at h/2), so 1e-3. The velocity
    of each rotated texture lies on its own small circle to 1e-12.
    """
    alpha, xi = 0.25, 5 / 12
    ref = tensors(elongated(0.0), order=4)
    g = gamma_geometry(ref.Gamma)
    lam1, lam2, psi0 = g.lam1, g.lam2, g.psi
    c_ref, r_ref = small_circle(ref.Q, ref.Gamma, alpha, xi)
    c_ref, r_ref = np.asarray(c_ref), abs(r_ref)
    for phi in (0.4, 1.0, 2.5):
        tt = tensors(elongated(phi), order=4)
        g = gamma_geometry(tt.Gamma)
        l1, l2, psi = g.lam1, g.lam2, g.psi
        assert (l1, l2) == pytest.approx((lam1, lam2), rel=1e-3, abs=0)
        assert (psi - psi0 - phi + np.pi / 2) % np.pi == pytest.approx(np.pi / 2, abs=1e-3)
        assert tt.Q == pytest.approx(ref.Q, rel=1e-3, abs=0)
        cen, R0 = small_circle(tt.Q, tt.Gamma, alpha, xi)
        cen, R0 = np.asarray(cen), abs(R0)
        v = _reduced(tt, alpha, xi)
        assert np.hypot(*(v - cen)) == pytest.approx(R0, rel=1e-12, abs=0)
        np.testing.assert_allclose(cen, c_ref, rtol=1e-3)
        assert R0 == pytest.approx(r_ref, rel=1e-3, abs=0)


# --------------------------------------------------------------------------- paper 000


def janus(*, width: float = 1e-9) -> np.ndarray:
    """A model Janus skyrmion: helicity η(x) from 0 (Néel, x < interface) to −π/2
    (Bloch, x > interface), smoothly over ``width``, symmetric about the interface."""
    Xg, Yg = np.meshgrid(X - C, X - C)
    r = np.hypot(Xg, Yg)
    theta = 2 * np.arctan2(np.sinh(R / W), np.sinh(r / W))
    eta = -np.pi / 4 - np.pi / 4 * np.tanh(Xg / width)
    Phi = np.arctan2(Yg, Xg) + eta
    return np.stack([np.sin(theta) * np.cos(Phi), np.sin(theta) * np.sin(Phi),
                     np.cos(theta)], axis=-1)


def test_janus_confined_velocity_is_c_cos_theta_plus_pi_over_4():
    """Paper 000: with v_x = 0 at the interface, v_y = c cos(θ + π/4), c ∝ j.

    The mirror symmetry of the model texture makes 𝒥_yy = −𝒥_yx exactly, hence
    the π/4 phase to rounding (1e-12); c(3 MA/cm²)/c(1 MA/cm²) = 3 as the paper's
    60/20 m/s.
    """
    tt = thiele_tensors(janus(), cell=(H, H, 1e-9), pbc="xy")
    assert tt.spin_torque[1, 1] == pytest.approx(-tt.spin_torque[1, 0], rel=1e-12, abs=0)
    alpha = 0.3  # paper 000
    amp = {}
    for j in (1e10, 3e10):
        thetas = np.linspace(0, 2 * np.pi, 25)
        vy, fx = [], []
        for th in thetas:
            sot = {"j": j, "theta_SH": 1.0, "p": (np.cos(th), np.sin(th), 0.0), "Ms": 580e3}
            sol = thiele_velocity(tt, alpha=alpha, sot=sot, confine="x")
            assert sol.velocity[0] == 0.0 and sol.confining_force[1] == 0.0
            vy.append(sol.velocity[1])
            fx.append(sol.confining_force[0])
        c = np.sqrt(2) * sot_rate(j, theta_SH=1.0, thickness=1e-9, Ms=580e3) \
            * abs(tt.spin_torque[1, 0]) / (alpha * tt.D[1, 1])
        np.testing.assert_allclose(vy, c * np.cos(thetas + np.pi / 4), rtol=0, atol=1e-12 * c)
        amp[j] = c
        assert np.ptp(fx) > 0  # the interface must push: F_x ≠ 0 for the confinement
    assert amp[3e10] / amp[1e10] == pytest.approx(3.0, rel=1e-14, abs=0)


def test_confined_solution_matches_free_equation():
    # the confined velocity and force satisfy the full 2×2 Thiele equation
    tt = tensors(dw360(helicity=0.7))
    sot = {"j": 2e10, "theta_SH": 0.3, "p": (0.2, 1.0, 0.0), "Ms": 5e5}
    stt = {"u": (10.0, -4.0), "xi": 0.2}
    for axis in ("x", "y"):
        sol = thiele_velocity(tt, alpha=0.1, sot=sot, stt=stt, confine=axis)
        free = thiele_velocity(tt, alpha=0.1, sot=sot, stt=stt, force=sol.confining_force,
                               Ms=5e5)
        np.testing.assert_allclose(free.velocity, sol.velocity, rtol=1e-12,
                                   atol=1e-12 * np.abs(sol.velocity).max())


def test_bad_arguments():
    tt = tensors(dw360())
    with pytest.raises(ValueError):
        thiele_velocity(tt, alpha=0.1, stt={"v": (1, 0)})
    with pytest.raises(ValueError):
        thiele_velocity(tt, alpha=0.1, sot={"p": (0, 1, 0), "j": 1e10})
    with pytest.raises(ValueError):
        thiele_velocity(tt, alpha=0.1, confine="z")
    with pytest.raises(ValueError):
        thiele_tensors(np.zeros((4, 4, 3)))  # numpy needs a cell
    with pytest.raises(ValueError):
        thiele_tensors(np.zeros((4, 4, 3)), cell=(1e-9, 1e-9), order=3)
    assert GAMMA_LL * MU0 == pytest.approx(2.211e5, rel=1e-4, abs=0)  # OOMMF's γ_G
