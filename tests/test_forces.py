"""Per-term forces from effective fields, the force inferred from motion, and their balance."""

import numpy as np
import pytest
import xarray as xr
from scipy.integrate import quad

import analysis
from analysis.derivatives import derivative
from analysis.forces import disk_mask, drive_force, term_forces, trajectory_force
from analysis.textures import as_dataarray, cell_centres, skyrmion
from analysis.thiele import GAMMA_LL, HBAR, MU0, QE, thiele_tensors, thiele_velocity
from conftest import OOMMF

# --------------------------------------------------------------------------- (a) OOMMF


def _oommf():
    return analysis.open_run(OOMMF, basename="skyrmion_6ngbr")


def _scale(ds, name, mask):
    """μ0 Ms t ∫_R |H| |∂_i m| dA per component: what |F_i| would be without cancellation."""
    m = ds.m.isel(t=0, z=0).values
    H = ds[name].isel(t=0, z=0).values
    dm = [derivative(m, a, 1e-9) for a in (-2, -3)]
    return np.array([MU0 * 580e3 * 1e-9 * np.sum(mask * np.linalg.norm(H, axis=-1)
                                                  * np.linalg.norm(d, axis=-1)) * 1e-18
                     for d in dm])


def test_relaxed_oommf_skyrmion_feels_no_force_from_each_term():
    """A centred relaxed skyrmion: by its mirror symmetry every term's force cancels.

    The fixture is a 40 × 40 nm film relaxed by OOMMF from a centred disk; the
    state and the fields are mirror-symmetric about x = 20 nm and y = 20 nm to
    δ < 1e-13 (checked), so the integrand of F_x is odd in x − 20 nm (of F_y in y)
    and what remains is rounding plus O(δ) of the scale μ0 Ms t ∫|H||∂m| dA:
    allow 1e-12 of it (measured ~1e-17).
    """
    ds = _oommf()
    m = ds.m.isel(t=0, z=0).values
    assert np.abs(m[:, ::-1, 0] + m[:, :, 0]).max() < 1e-13   # m_x odd under x → −x
    assert np.abs(m[::-1, :, 1] + m[:, :, 1]).max() < 1e-13   # m_y odd under y → −y
    x = ds.x.values
    for radius in (8e-9, 15e-9, np.inf):
        df = term_forces(ds, centre=(20e-9, 20e-9), radius=radius).set_index("term")
        assert list(df.index) == ["DMI_Cnv_z_Field", "UniformExchange_Field"]
        mask = disk_mask(x, x, (20e-9, 20e-9), radius)
        for name in df.index:
            H = ds[name].isel(t=0, z=0).values
            assert np.abs(H[:, ::-1, 0] + H[:, :, 0]).max() < 1e-13 * np.abs(H).max()
            scale = _scale(ds, name, mask)
            assert scale.min() > 1e-11  # ~1e-10 N: a real scale, not zero
            assert abs(df.loc[name, "Fx"]) < 1e-12 * scale[0]
            assert abs(df.loc[name, "Fy"]) < 1e-12 * scale[1]
    # The same integral around a point 2 nm off the centre is not zero: the force over
    # a finite region depends on the region (notes-004 §4.12-3), and the test can fail.
    off = term_forces(ds, centre=(22e-9, 20e-9), radius=10e-9).set_index("term")
    scale = _scale(ds, "UniformExchange_Field", disk_mask(x, x, (22e-9, 20e-9), 10e-9))
    assert abs(off.loc["UniformExchange_Field", "Fx"]) > 1e-3 * scale[0]


def test_tesla_fields_and_several_frames():
    ds = _oommf()
    ref = term_forces(ds, centre=(22e-9, 20e-9), radius=10e-9, terms=["UniformExchange_Field"])
    # mumax3 writes B = μ0 H in T
    B = (ds.UniformExchange_Field * MU0).assign_attrs(units="T")
    fields = {"B_exch": B.isel(t=0, z=0)}
    m = ds.m.isel(t=0).assign_attrs(cell=ds.attrs["cell"])
    df = term_forces(fields, m=m, Ms=580e3, centre=(22e-9, 20e-9), radius=10e-9)
    assert df.Fx[0] == pytest.approx(ref.Fx[0], rel=1e-14, abs=0)
    with pytest.raises(ValueError, match="units"):
        term_forces({"B": B.isel(t=0).values}, m=m, Ms=580e3, centre=(0, 0), radius=1e-9)
    # two frames with their own centres: one row per (frame, term)
    two = xr.concat([ds, ds], dim="t", data_vars="all")
    df2 = term_forces(two, centre=np.array([[22e-9, 20e-9], [20e-9, 20e-9]]), radius=10e-9,
                      terms=["UniformExchange_Field"])
    assert list(df2.columns) == ["t", "term", "Fx", "Fy"] and list(df2.t) == [0, 1]
    assert df2.Fx[0] == pytest.approx(ref.Fx[0], rel=1e-14, abs=0) and abs(df2.Fx[1]) < 1e-25


# --------------------------------------------------------------------------- (b) analytic

N, H = 240, 0.25e-9  # a 60 nm box: the skyrmion's tail 1 − m_z falls to ~1e-13 at 27 nm
R, W = 5e-9, 1.5e-9
RHO = 27e-9          # integration disk
C = N * H / 2
X = cell_centres(N, H)
MS, T = 580e3, 1e-9


def _area_1_minus_mz(R, W):
    """∫ (1 − m_z) dA of the dw360 profile: 2π ∫ (1 − cos θ) r dr, to quadrature precision."""
    def f(r):
        return (1 - np.cos(2 * np.arctan2(np.sinh(R / W), np.sinh(r / W)))) * r
    return 2 * np.pi * quad(f, 0, 40 * W, epsabs=0, epsrel=1e-13, limit=200)[0]


def test_zeeman_gradient_force_on_a_dw360_skyrmion():
    """H = (H0 + g(x − x_c)) ẑ: F_x = −μ0 Ms t ∫ H_z ∂_x m_z dA = −μ0 Ms t g ∫(1 − m_z) dA.

    (Integration by parts, with 1 − m_z → 0 outside the skyrmion.) A core-down
    skyrmion in an up background is pushed toward lower H_z. On the grid the
    central-difference sum is a discrete integration by parts, exact for a linear
    H, leaving the midpoint rule on the smooth, exponentially decaying 1 − m_z
    (spectrally accurate) and the boundary term of the disk of radius ρ,
    −g πρ² (1 − m_z)(ρ): 5e-12 of the result at ρ = 27 nm. Allow 1e-10.
    """
    m = skyrmion(X, X, centre=(C, C), radius=R, wall_width=W)
    g, H0 = 1e14, 2e5  # A/m per m (0.1 T over 1 µm), A/m
    Xg, _ = np.meshgrid(X, X)
    Hf = np.zeros_like(m)
    Hf[..., 2] = H0 + g * (Xg - C)
    expected = -MU0 * MS * T * g * _area_1_minus_mz(R, W)
    for kw in (dict(pbc="xy"), dict(pbc="")):  # a disk well inside: edges do not matter
        df = term_forces({"zeeman": Hf}, m=m, cell=(H, H, T), Ms=MS, centre=(C, C),
                         radius=RHO, unit="A/m", **kw)
        assert df.Fx[0] == pytest.approx(expected, rel=1e-10, abs=0)
        assert abs(df.Fy[0]) < 1e-12 * abs(expected)  # mirror symmetry y → −y
    assert expected < 0
    # F = −∂E/∂X: shift the analytic texture by ±δ and difference the Zeeman energy
    # E = −μ0 Ms t Σ H·m dA over the film: the central difference in X is O((δ/W)²)
    # times a third-derivative term (measured 2e-14 at δ = 0.04 nm); allow 1e-10.
    d = 0.04e-9

    def energy(shift):
        ms = skyrmion(X, X, centre=(C + shift, C), radius=R, wall_width=W)
        return -MU0 * MS * T * np.sum(Hf * ms) * H * H

    assert -(energy(d) - energy(-d)) / (2 * d) == pytest.approx(expected, rel=1e-10, abs=0)
    # the same field given in tesla (mumax3's B_ext)
    df = term_forces({"B_ext": MU0 * Hf}, m=m, cell=(H, H, T), Ms=MS, centre=(C, C),
                     radius=RHO, unit="T")
    assert df.Fx[0] == pytest.approx(expected, rel=1e-10, abs=0)


def test_minimum_image_disk_across_the_periodic_seam():
    """The skyrmion centred on the box corner: the disk wraps and the force is the same."""
    m = skyrmion(X, X, centre=(C, C), radius=R, wall_width=W)
    Xg, _ = np.meshgrid(X, X)
    Hz = np.zeros_like(m)
    Hz[..., 2] = 1e14 * (Xg - C)
    ref = term_forces({"z": Hz}, m=m, cell=(H, H, T), Ms=MS, centre=(C, C), radius=RHO,
                      pbc="xy", unit="A/m")
    # roll everything by half the box: texture and field now straddle the seams
    rolled = term_forces({"z": np.roll(Hz, (N // 2, N // 2), (0, 1))},
                         m=np.roll(m, (N // 2, N // 2), (0, 1)), cell=(H, H, T), Ms=MS,
                         centre=(0.0, 0.0), radius=RHO, pbc="xy", unit="A/m")
    assert rolled.Fx[0] == pytest.approx(ref.Fx[0], rel=1e-12, abs=0)


# --------------------------------------------------------------------------- (c) balance


def _tensors(helicity=0.0):
    m = skyrmion(X, X, centre=(C, C), radius=R, wall_width=W, helicity=helicity)
    return m, thiele_tensors(m, cell=(H, H, T), pbc="xy")


def test_trajectory_force_sign():
    # Q = −1 moving along +x without damping needs G×v = 𝒢 ẑ×x̂ v = −4π|Q| v ŷ (× Ms t/γ)
    _, tt = _tensors()
    F = trajectory_force(tt, (1.0, 0.0), 0.0, Ms=MS)
    assert F[0] == 0.0 and F[1] == pytest.approx(tt.gyro * MS * T / GAMMA_LL, rel=1e-14, abs=0)
    assert F[1] < 0


def test_sot_force_is_independent_of_ms_and_thickness():
    # (Ms t/γ) c (−𝒥p) with c = γħθj/(2etMs): −(ħθ_SH j/2e) 𝒥p (N)
    _, tt = _tensors(np.pi)
    p = np.array([0.0, 1.0, 0.0])
    expected = -HBAR * 0.3 * 2e10 / (2 * QE) * tt.spin_torque @ p
    for Ms, t in ((580e3, 1e-9), (1e6, 3e-9)):
        sot = {"j": 2e10, "theta_SH": 0.3, "p": p, "Ms": Ms, "thickness": t}
        np.testing.assert_allclose(drive_force(tt, sot=sot), expected, rtol=1e-14)


@pytest.mark.parametrize("helicity", [0.0, np.pi / 2, 2.5])
def test_steady_motion_balances_the_drive(helicity):
    """Thiele: drive + term forces + confinement = (Ms t/γ)(G×v + αD·v), to 1e-10.

    The velocity from thiele_velocity and the forces from term_forces,
    drive_force and trajectory_force are computed separately; the balance is
    the Thiele equation itself, so it holds to rounding (1e-10 of the drive).
    """
    m, tt = _tensors(helicity)
    alpha = 0.3
    sot = {"j": 1e10, "theta_SH": 1.0, "p": (np.cos(0.4), np.sin(0.4), 0.0), "Ms": MS}
    F_sot = drive_force(tt, sot=sot)
    # thin plate, SOT only
    v = thiele_velocity(tt, alpha=alpha, sot=sot).velocity
    np.testing.assert_allclose(F_sot - trajectory_force(tt, v, alpha, Ms=MS), 0,
                               atol=1e-10 * np.abs(F_sot).max())
    # plus a field gradient (its force from the effective field) and a nanotrack edge
    Xg, Yg = np.meshgrid(X, X)
    Hf = np.zeros_like(m)
    Hf[..., 2] = 3e13 * (Xg - C) - 2e13 * (Yg - C)
    F_z = term_forces({"zeeman": Hf}, m=m, cell=(H, H, T), Ms=MS, centre=(C, C),
                      radius=RHO, pbc="xy", unit="A/m")[["Fx", "Fy"]].to_numpy()[0]
    assert np.abs(F_z).min() > 0.1 * np.abs(F_sot).max()  # comparable forces
    sol = thiele_velocity(tt, alpha=alpha, sot=sot, force=F_z, confine="y")
    total = F_sot + F_z + sol.confining_force
    np.testing.assert_allclose(total - trajectory_force(tt, sol.velocity, alpha, Ms=MS), 0,
                               atol=1e-10 * np.abs(total).max())
    assert sol.velocity[1] == 0.0 and sol.confining_force[0] == 0.0
    # with a Zhang–Li current too: its drive (Ms t/γ)(G − ξD)u joins the balance
    stt = {"u": (-20.0, 5.0), "xi": 0.1}
    sol = thiele_velocity(tt, alpha=alpha, sot=sot, stt=stt, force=F_z, Ms=MS)
    total = drive_force(tt, sot=sot, stt=stt, Ms=MS) + F_z
    np.testing.assert_allclose(total - trajectory_force(tt, sol.velocity, alpha, Ms=MS), 0,
                               atol=1e-10 * np.abs(total).max())


def test_field_gradient_drives_a_skyrmion_along_the_equipotential_when_undamped():
    """The Zeeman-gradient force of term_forces moves the skyrmion at the Hall angle.

    From the Thiele equation with a force F only: tan(angle(v) − angle(F)) =
    −𝒢/(α𝒟) (for 𝒢 < 0: v is turned counter-clockwise from F), so with α → 0
    the skyrmion moves ⊥ F (along lines of constant H), and with α large along F.
    """
    m, tt = _tensors()
    Xg, _ = np.meshgrid(X, X)
    Hf = np.zeros_like(m)
    Hf[..., 2] = 1e14 * (Xg - C)
    F = term_forces({"z": Hf}, m=m, cell=(H, H, T), Ms=MS, centre=(C, C), radius=RHO,
                    pbc="xy", unit="A/m")[["Fx", "Fy"]].to_numpy()[0]
    for alpha in (1e-3, 0.3, 30.0):
        v = thiele_velocity(tt, alpha=alpha, force=F, Ms=MS).velocity
        turn = np.arctan2(v[1], v[0]) - np.arctan2(F[1], F[0])
        assert np.tan(turn) == pytest.approx(-tt.gyro / (alpha * tt.D[0, 0]), rel=1e-10, abs=0)
        assert np.cos(turn) > 0  # never against the force (dissipation > 0)


def test_dataarray_fields_with_run_attrs():
    # a mumax3-like Dataset: B_ext in T, m in "1"; Ms and thickness given
    m = skyrmion(X, X, centre=(C, C), radius=R, wall_width=W)
    da = as_dataarray(m, H, H, T, pbc="xy")
    Xg, _ = np.meshgrid(X, X)
    B = np.zeros_like(m)
    B[..., 2] = MU0 * 1e14 * (Xg - C)
    ds = xr.Dataset({"m": da, "B_ext": (da.dims, B[None], {"units": "T"}),
                     "J": (da.dims, np.ones_like(B)[None], {"units": "A/m2"})},
                    coords=da.coords, attrs={"cell": (H, H, T), "pbc": "xy"})
    df = term_forces(ds, Ms=MS, centre=(C, C), radius=RHO)
    assert list(df.term) == ["B_ext"]  # J (A/m²) is not a field
    expected = -MU0 * MS * T * 1e14 * _area_1_minus_mz(R, W)
    assert df.Fx[0] == pytest.approx(expected, rel=1e-10, abs=0)  # as the Zeeman test


# ------------------------------------------------------------ paper 004's F = ∬_R −∇ε dS

def _exchange_density(m, h):
    """Areal exchange energy density A t |∇m|² of a texture (central differences)."""
    from analysis.derivatives import derivative

    gx = derivative(m, -2, h)
    gy = derivative(m, -3, h)
    return 15e-12 * 1e-9 * ((gx ** 2).sum(-1) + (gy ** 2).sum(-1))


def test_energy_density_force_of_a_linear_density_is_minus_gradient_times_area():
    from analysis.forces import energy_density_force

    x = (np.arange(30) + 0.5) * 1e-9
    X, Y = np.meshgrid(x, x)
    eps = 3e-3 * X / 1e-9 - 1e-3 * Y / 1e-9  # J/m²
    region = disk_mask(x, x, (15e-9, 15e-9), 8e-9)
    Fx, Fy = energy_density_force(eps, cell=(1e-9, 1e-9), region=region)
    area = region.sum() * 1e-18
    # central and one-sided differences are exact for a linear function: rounding only
    assert Fx == pytest.approx(-3e-3 / 1e-9 * area, rel=1e-12, abs=0)
    assert Fy == pytest.approx(+1e-3 / 1e-9 * area, rel=1e-12, abs=0)


def test_energy_density_force_depends_on_the_region_and_vanishes_on_a_periodic_mesh():
    from analysis.forces import energy_density_force
    from analysis.textures import cell_centres, skyrmion

    h, n = 0.5e-9, 120
    x = cell_centres(n, h)
    # an off-centre skyrmion, stretched so that no symmetry makes the force vanish
    m = skyrmion(x * 1.0, x * 1.3, centre=(31e-9, 28e-9), radius=8e-9, wall_width=2.5e-9)
    eps = _exchange_density(m, h)
    everything = np.ones(eps.shape, bool)
    # Translation invariance: Σ (ε[i+1] − ε[i−1]) / 2h over a periodic ring is exactly 0.
    Fx, Fy = energy_density_force(eps, cell=(h, h), region=everything, pbc="xy")
    scale = np.abs(eps).sum() * h  # |ε| summed over the area, divided by one cell: N
    assert abs(Fx) < 1e-13 * scale and abs(Fy) < 1e-13 * scale
    # a disk through the wall sees the boundary term ∮ ε n dl: clearly non-zero
    Fx_in, Fy_in = energy_density_force(eps, cell=(h, h),
                                        region=disk_mask(x, x, (31e-9, 28e-9), 9e-9))
    assert np.hypot(Fx_in, Fy_in) > 1e-3 * scale
