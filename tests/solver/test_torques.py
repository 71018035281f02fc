"""Zhang–Li and spin–orbit torques: mumax3's LL expressions, stencils at periodic
seams, free edges and holes, rates against the analysis layer, analytic motion."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.thiele import GAMMA_LL, sot_rate, thiele_tensors, thiele_velocity, zhang_li_u
from orchestrator.solver.integrators import RK45, State
from orchestrator.solver.llg import GAMMA0, LLG
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.base import MU0, FieldTerm
from orchestrator.solver.torques import SOT, SpinOrbitTorque, Torque, ZhangLi
from orchestrator.solver.torques import base as tbase
from toy_terms import UniformField


def smooth_m(mesh, seed=0):
    """A smooth texture with a few Fourier modes, periodic over the mesh."""
    rng = np.random.default_rng(seed)
    nz, ny, nx = mesh.shape
    z, y, x = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    comps = []
    for _ in range(3):
        a, b, c, ph = rng.normal(size=4)
        comps.append(a + b * np.cos(2 * np.pi * x / nx + ph) + c * np.sin(2 * np.pi * y / ny - ph)
                     + 0.3 * np.cos(2 * np.pi * z / max(nz, 1)))
    m = np.stack(comps, -1)
    return m / np.linalg.norm(m, axis=-1, keepdims=True)


def reference_g(m, u, mesh):
    """(u·∇)m with mumax3's central difference; a neighbour outside the mesh (open
    axis) or in an empty cell is the cell itself; periodic axes wrap."""
    nz, ny, nx = mesh.shape
    mag = mesh.magnetic
    g = np.zeros_like(m)
    for iz in range(nz):
        for iy in range(ny):
            for ix in range(nx):
                if not mag[iz, iy, ix]:
                    continue
                idx = [ix, iy, iz]
                for a in range(3):
                    if mesh.n[a] == 1:
                        continue
                    nb = []
                    for k in (1, -1):
                        j = list(idx)
                        j[a] += k
                        if "xyz"[a] in mesh.pbc:
                            j[a] %= mesh.n[a]
                        inside = 0 <= j[a] < mesh.n[a] and mag[j[2], j[1], j[0]]
                        nb.append(m[j[2], j[1], j[0]] if inside else m[iz, iy, ix])
                    g[iz, iy, ix] += u[iz, iy, ix, a] * (nb[0] - nb[1]) / (2 * mesh.cell[a])
    return g


def mumax_zhangli(m, g, alpha, xi):
    """mumax3's cuda/zhangli2.cu expression."""
    return -1 / (1 + alpha**2) * ((1 + xi * alpha) * np.cross(m, np.cross(m, g))
                                  + (xi - alpha) * np.cross(m, g))


# ----------------------------------------------------------------------- Zhang–Li

def test_zhang_li_u_from_current_matches_analysis():
    mesh = Mesh(n=(4, 4, 1), cell=(1e-9,) * 3, Ms=5.8e5)
    zl = ZhangLi(j=(1e12, -3e11), P=0.56, xi=0.3)
    zl.setup(mesh)
    expected = zhang_li_u((1e12, -3e11, 0.0), P=0.56, Ms=5.8e5, xi=0.3, gamma=GAMMA_LL)
    assert np.allclose(zl.u[0, 0, 0], expected, rtol=1e-14)
    # mumax3's b = μB/(2 e γ0 Ms (1+ξ²)) times (m₊₁ − m₋₁)/Δ, times γ0: the same u
    assert tbase.MUB == pytest.approx(9.2740100783e-24) and tbase.QE == pytest.approx(1.602176634e-19)


@pytest.mark.parametrize("pbc", ["xy", "", "x"])
@pytest.mark.parametrize("alpha, xi", [(0.1, 0.3), (0.3, 0.3), (0.02, 0.0)])
def test_zhang_li_is_mumax3_expression(pbc, alpha, xi):
    mesh = Mesh(n=(7, 5, 3), cell=(1e-9, 1.5e-9, 2e-9), Ms=6e5, pbc=pbc)
    u = np.array([35.0, -20.0, 8.0])
    llg = LLG(mesh, [], alpha=alpha, torques=[ZhangLi(u=u, xi=xi)])
    m = llg.prepare(smooth_m(mesh))
    g = reference_g(m, np.broadcast_to(u, m.shape), mesh)
    assert np.allclose(llg.dmdt(m, 0.0), mumax_zhangli(m, g, alpha, xi), rtol=0,
                       atol=1e-12 * np.abs(g).max())


def test_zhang_li_holes_regions_and_amplitude():
    Ms = np.full((2, 6, 8), 5e5)
    Ms[0, 2:4, 3:5] = 0.0
    Ms[1, 0, 0] = 0.0
    regions = np.zeros((2, 6, 8), np.int32)
    regions[:, 3:, :] = 1
    mesh = Mesh(n=(8, 6, 2), cell=(1e-9,) * 3, Ms=Ms, pbc="x", regions=regions)
    u = {0: (20.0, 5.0, 0.0), 1: (-10.0, 0.0, 3.0)}
    xi = {0: 0.1, 1: 0.4}
    zl = ZhangLi(u=u, xi=xi, amplitude=lambda t: math.sin(1e9 * t))
    llg = LLG(mesh, [], alpha=0.2, torques=[zl])
    m = llg.prepare(smooth_m(mesh, 1))
    t = 0.4e-9
    ucell = mesh.per_cell_vector(u) * math.sin(1e9 * t)
    g = reference_g(m, ucell, mesh)
    xic = mesh.per_cell(xi)[..., None]
    expected = mumax_zhangli(m, g, 0.2, xic)
    got = llg.dmdt(m, t)
    assert np.allclose(got, expected, rtol=0, atol=1e-12 * np.abs(g).max())
    assert np.all(got[~mesh.magnetic] == 0.0)
    assert np.all(llg.dmdt(m, 0.0) == 0.0)  # amplitude 0


def test_zhang_li_validation():
    with pytest.raises(ValueError):
        ZhangLi()
    with pytest.raises(ValueError):
        ZhangLi(u=(1, 0, 0), j=(1, 0, 0), P=0.5)
    with pytest.raises(ValueError):
        ZhangLi(j=(1e12, 0, 0))


def texture_2d(x, y, L):
    """A smooth periodic 2D texture of period L (not relaxed; ξ = α moves any texture)."""
    k = 2 * np.pi / L
    th = np.pi / 2 + 0.9 * np.sin(k * x) * np.cos(k * y) + 0.3 * np.cos(2 * k * y)
    ph = k * x + 0.5 * np.sin(k * y)
    return np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], -1)


def test_xi_equal_alpha_translates_rigidly_with_minus_u():
    """ṁ = (u·∇)m for ξ = α: m(r, t) = m0(r + u t), V = −u, as analysis.thiele says;
    the central differences converge at second order in the cell size."""
    L = 48e-9
    u = np.array([-60.0, 40.0, 0.0])
    alpha = 0.25
    t_end = 0.1e-9  # shifts by (6, -4) nm
    errors = []
    for n in (24, 48):
        d = L / n
        mesh = Mesh(n=(n, n, 1), cell=(d, d, d), Ms=5e5, pbc="xy")
        x = (np.arange(n) + 0.5) * d
        X, Y = np.meshgrid(x, x, indexing="xy")
        m0 = texture_2d(X, Y, L)[None]
        llg = LLG(mesh, [], alpha=alpha, torques=[ZhangLi(u=u, xi=alpha)])
        state = State(llg.prepare(m0))
        RK45(llg, tol=1e-7).run_until(state, t_end)
        expected = texture_2d(X + u[0] * t_end, Y + u[1] * t_end, L)[None]
        assert np.abs(m0 - expected).max() > 0.5  # it did move
        errors.append(np.abs(state.m - expected).max())
    assert errors[1] < 0.01
    assert errors[0] / errors[1] > 3.5  # second order (3.7 measured)
    tt = thiele_tensors(m0[0], cell=(d, d, d), pbc="xy")
    V = thiele_velocity(tt, alpha=alpha, stt={"u": u[:2], "xi": alpha}).velocity
    assert np.allclose(V, -u[:2], rtol=1e-10)


# ----------------------------------------------------------------------- SOT

def test_sot_rate_matches_analysis():
    mesh = Mesh(n=(3, 3, 2), cell=(1e-9, 1e-9, 0.5e-9), Ms=580e3)
    sot = SpinOrbitTorque(p=(0, 1, 0), j=3e10, theta_SH=-0.3)
    sot.setup(mesh, gamma0=GAMMA0)
    expected = sot_rate(3e10, theta_SH=-0.3, thickness=1e-9, Ms=580e3, gamma=GAMMA0 / MU0)
    assert sot.rate(0.0) == pytest.approx(expected, rel=1e-14)
    sot2 = SpinOrbitTorque(p=(0, 1, 0), j=3e10, theta_SH=-0.3, thickness=2e-9)
    sot2.setup(mesh)
    assert sot2.rate() == pytest.approx(expected / 2, rel=1e-14)


@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_sot_is_mumax3_slonczewski_form(alpha):
    mesh = Mesh(n=(5, 4, 1), cell=(1e-9,) * 3, Ms=6e5)
    p = np.array([math.cos(1.1), math.sin(1.1) * 0.6, 0.8 * math.sin(1.1)])
    sot = SpinOrbitTorque(p=3 * p, rate=2e9)  # p normalised
    llg = LLG(mesh, [], alpha=alpha, torques=[sot])
    m = llg.prepare(smooth_m(mesh, 2))
    c = 2e9
    expected = c / (1 + alpha**2) * (np.cross(m, np.cross(p, m)) + alpha * np.cross(m, p))
    assert np.allclose(llg.dmdt(m, 0.0), expected, rtol=0, atol=1e-12 * c)


def test_sot_macrospin_analytic():
    """Alone, θ (angle to p) obeys tan(θ/2) = tan(θ0/2) exp(−ct/(1+α²)), and m
    turns about p at −αc/(1+α²)."""
    alpha, c = 0.2, 5e9
    ang = math.radians(40)
    p = np.array([math.cos(ang), math.sin(ang), 0.0])
    e1 = np.array([0.0, 0.0, 1.0])
    e2 = np.cross(p, e1)
    th0, ph0 = 2.5, 0.4

    def m_of(th, ph):
        return math.cos(th) * p + math.sin(th) * (math.cos(ph) * e1 + math.sin(ph) * e2)

    mesh = Mesh(n=(1, 1, 1), cell=(1e-9,) * 3, Ms=580e3)
    llg = LLG(mesh, [], alpha=alpha, torques=[SOT(p=p, rate=c)])
    state = State(llg.prepare(m_of(th0, ph0)))
    t = 0.5e-9
    RK45(llg, tol=1e-8).run_until(state, t)
    th = 2 * math.atan(math.tan(th0 / 2) * math.exp(-c * t / (1 + alpha**2)))
    ph = ph0 - alpha * c * t / (1 + alpha**2)
    assert np.allclose(state.m[0, 0, 0], m_of(th, ph), atol=1e-6)


def test_sot_field_like_part_is_a_field_along_p():
    mesh = Mesh(n=(4, 3, 1), cell=(1e-9,) * 3, Ms=5e5)
    p = np.array([0.0, -1.0, 0.0])
    c, r, alpha = 3e9, 0.7, 0.15
    m = smooth_m(mesh, 3)
    both = LLG(mesh, [], alpha=alpha, torques=[SOT(p=p, rate=c, field_like=r)]).dmdt(m, 0.0)
    dl = LLG(mesh, [], alpha=alpha, torques=[SOT(p=p, rate=c)]).dmdt(m, 0.0)
    field = LLG(mesh, [UniformField(r * c / GAMMA0 * p)], alpha=alpha).dmdt(m, 0.0)
    assert np.allclose(both - dl, field, rtol=0, atol=1e-12 * c)


def test_sot_time_dependence_regions_and_empty_cells():
    Ms = np.full((1, 4, 6), 5e5)
    Ms[0, 0, 0] = 0.0
    regions = np.zeros((1, 4, 6), np.int32)
    regions[..., 3:] = 1
    mesh = Mesh(n=(6, 4, 1), cell=(1e-9,) * 3, Ms=Ms, regions=regions,
                region_names={"L": 0, "R": 1})
    pulse = lambda t: 1e10 if t < 1e-9 else 0.0
    sot = SOT(p={"L": (1, 0, 0), "R": (0, 0, 2)}, j=pulse, theta_SH={"L": 0.1, "R": 0.2})
    llg = LLG(mesh, [], alpha=0.0, torques=[sot])
    m = llg.prepare(smooth_m(mesh, 4))
    got = llg.dmdt(m, 0.5e-9)
    pc = mesh.per_cell_vector({0: (1, 0, 0), 1: (0, 0, 1)})
    gamma = GAMMA0 / MU0
    HBAR, QE = tbase.HBAR, tbase.QE
    cc = np.where(mesh.magnetic, gamma * HBAR * mesh.per_cell({0: 0.1, 1: 0.2}) * 1e10
                  / (2 * QE * 1e-9 * np.where(mesh.magnetic, Ms, 1)), 0.0)[..., None]
    assert np.allclose(got, cc * np.cross(m, np.cross(pc, m)), rtol=1e-12, atol=1e-3)
    assert np.all(got[0, 0, 0] == 0.0)
    assert np.all(llg.dmdt(m, 2e-9) == 0.0)


def test_sot_validation():
    with pytest.raises(ValueError):
        SOT(p=(0, 1, 0))
    with pytest.raises(ValueError):
        SOT(p=(0, 1, 0), j=1e10)
    mesh = Mesh(n=(2, 1, 1), cell=(1e-9,) * 3, Ms=5e5)
    with pytest.raises(ValueError):
        SOT(p=(0, 0, 0), rate=1e9).setup(mesh)


def test_torque_base_is_abstract():
    with pytest.raises(NotImplementedError):
        Torque().add_torque(np.zeros((1, 1, 1, 3)), 0.0, np.zeros((1, 1, 1, 3)))


# ----------------------------------------------------------------------- Thiele

class PeriodicFilm(FieldTerm):
    """Exchange + interfacial (Cnv_z) DMI + uniaxial anisotropy along z, periodic in x
    and y, central differences (a test stand-in for the real terms)."""

    name = "film"

    def __init__(self, A, D, K) -> None:
        self.A, self.D, self.K = A, D, K

    def setup(self, ctx):
        super().setup(ctx)
        mesh = self.mesh
        Ms = float(mesh.Ms.flat[0])
        self.dx, self.dy = mesh.cell[:2]
        self.cex, self.cd, self.ck = (2 * v / (MU0 * Ms) for v in (self.A, self.D, self.K))

    def add_field(self, m, t, out):
        xp, xm = np.roll(m, -1, 2), np.roll(m, 1, 2)
        yp, ym = np.roll(m, -1, 1), np.roll(m, 1, 1)
        out += self.cex * ((xp + xm - 2 * m) / self.dx**2 + (yp + ym - 2 * m) / self.dy**2)
        gx, gy = (xp - xm) / (2 * self.dx), (yp - ym) / (2 * self.dy)
        out[..., 0] += self.cd * gx[..., 2]
        out[..., 1] += self.cd * gy[..., 2]
        out[..., 2] -= self.cd * (gx[..., 0] + gy[..., 1])
        out[..., 2] += self.ck * m[..., 2]


def periodic_centre(m, L):
    """Centre of the weight (1 − m_z)/2 by circular means along x and y."""
    w = (1 - m[0, ..., 2]) / 2
    n = w.shape[0]
    ang = 2 * np.pi * (np.arange(n) + 0.5) / n
    cx = np.arctan2((w * np.sin(ang)[None, :]).sum(), (w * np.cos(ang)[None, :]).sum())
    cy = np.arctan2((w * np.sin(ang)[:, None]).sum(), (w * np.cos(ang)[:, None]).sum())
    return np.array([cx, cy]) * L / (2 * np.pi)


@pytest.fixture(scope="module")
def relaxed_skyrmion():
    from orchestrator.solver.minimize import minimize

    n, d = 40, 1e-9
    L = n * d
    mesh = Mesh(n=(n, n, 1), cell=(d, d, d), Ms=580e3, pbc="xy")
    film = PeriodicFilm(15e-12, 3.5e-3, 0.8e6)  # paper 000's film without demag
    llg = LLG(mesh, [film], alpha=0.3)
    x = (np.arange(n) + 0.5) * d
    X, Y = np.meshgrid(x, x, indexing="xy")
    r = np.hypot(X - L / 2, Y - L / 2)
    th = np.where(r < 6e-9, np.pi * (1 - r / 6e-9), 0.0)
    ph = np.arctan2(Y - L / 2, X - L / 2)
    m = llg.prepare(np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)],
                             -1)[None])
    res = minimize(llg, m, torque_tol=1.0, max_steps=20000)
    assert res.converged
    return mesh, film, m


@pytest.mark.slow
@pytest.mark.parametrize("drive", ["sot", "zhangli"])
def test_skyrmion_moves_with_the_thiele_velocity(relaxed_skyrmion, drive):
    """A relaxed Néel skyrmion in a periodic film, driven by damping-like SOT
    (c = 1e9 /s, p = −y) or Zhang–Li STT (u = −20 m/s, ξ = 0.1, α = 0.3), moves with
    :func:`analysis.thiele.thiele_velocity` of its own relaxed state. Measured:
    ratio 0.986–0.990 at 1 nm cells (Δ = 4.3 nm), 0.997 at 0.5 nm, independent of
    the drive strength: the O(Δx²) discretisation, not deformation."""
    mesh, film, m = relaxed_skyrmion
    alpha = 0.3
    L = mesh.n[0] * mesh.cell[0]
    tt = thiele_tensors(m[0], cell=mesh.cell, pbc="xy")
    assert tt.Q == pytest.approx(-1, abs=0.03)
    if drive == "sot":
        torque = SOT(p=(0, -1, 0), rate=1e9)
        V = thiele_velocity(tt, alpha=alpha, sot={"rate": 1e9, "p": (0, -1, 0)}).velocity
    else:
        torque = ZhangLi(u=(-20.0, 0.0), xi=0.1)
        V = thiele_velocity(tt, alpha=alpha, stt={"u": (-20.0, 0.0), "xi": 0.1}).velocity
    llg = LLG(mesh, [film], alpha=alpha, torques=[torque])
    state = State(m.copy())
    ts, cs = [], []
    RK45(llg, tol=1e-5).run_until(state, 0.25e-9, save_every=10e-12, callback=lambda s: (
        ts.append(s.t), cs.append(periodic_centre(s.m, L))))
    cs = np.unwrap(np.array(cs) * 2 * np.pi / L, axis=0) * L / (2 * np.pi)
    k = len(ts) // 4  # skip the transient
    v = np.array([np.polyfit(ts[k:], cs[k:, i], 1)[0] for i in range(2)])
    assert np.all(np.abs(V) > 1.0)
    assert v == pytest.approx(V, rel=0.025)
