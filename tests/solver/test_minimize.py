"""Energy minimisation (steepest descent, Barzilai–Borwein) and relaxation: macrospin
minima against the analytic / scipy ones, and a domain wall in an exchange +
anisotropy chain against the Bloch-wall profile and energy 4√(AK)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from orchestrator.solver.llg import LLG
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.minimize import minimize, relax
from orchestrator.solver.terms.base import MU0, FieldTerm
from toy_terms import UniformField as Zeeman, Uniaxial

MS = 8e5
K = 1e5
HK = 2 * K / (MU0 * MS)


class Exchange1D(FieldTerm):
    """6-neighbour exchange along x with free ends: H = 2A/(μ0 Ms dx²) Σ (m_nb − m)."""

    name = "exchange"

    def __init__(self, A: float) -> None:
        self.A = A

    def setup(self, ctx):
        super().setup(ctx)
        mesh = self.mesh
        self.c = 2 * self.A / (MU0 * float(mesh.Ms.flat[0]) * mesh.cell[0] ** 2)

    def add_field(self, m, t, out):
        d = self.c * (m[..., 1:, :] - m[..., :-1, :])
        out[..., :-1, :] += d
        out[..., 1:, :] -= d


def macrospin(terms):
    return LLG(Mesh(n=(1, 1, 1), cell=(3e-9,) * 3, Ms=MS), terms, alpha=0.02)


def energy_density(theta, phi, H):
    m = np.array([math.sin(theta) * math.cos(phi), math.sin(theta) * math.sin(phi),
                  math.cos(theta)])
    return -K * m[2] ** 2 - MU0 * MS * m @ H


def scipy_minimum(H, start):
    res = optimize.minimize(lambda v: energy_density(v[0], v[1], H), start, method="BFGS",
                            options={"gtol": 1e-12})
    th, ph = res.x
    return np.array([math.sin(th) * math.cos(ph), math.sin(th) * math.sin(ph), math.cos(th)])


@pytest.mark.parametrize("h", [0.0, 0.3, 0.8])
def test_minimize_macrospin_transverse_field(h):
    llg = macrospin([Uniaxial(K), Zeeman((h * HK, 0.0, 0.0))])
    m = llg.prepare((-0.2, 0.4, 1.0))
    res = minimize(llg, m, torque_tol=1e-4 * HK)
    assert res.converged and res.reason == "torque"
    assert res.max_torque <= 1e-4 * HK
    assert m[0, 0, 0] == pytest.approx([h, 0.0, math.sqrt(1 - h * h)], abs=1e-4)
    assert res.energy == pytest.approx(
        energy_density(math.asin(h), 0.0, np.array([h * HK, 0, 0])) * 27e-27, rel=1e-8)


def test_minimize_macrospin_oblique_field_matches_scipy():
    H = np.array([0.4, -0.25, -0.3]) * HK
    llg = macrospin([Uniaxial(K), Zeeman(H)])
    m = llg.prepare((0.5, 0.1, 1.0))
    res = minimize(llg, m)  # mumax3's dm criterion
    assert res.converged and res.reason == "dm"
    ref = scipy_minimum(H, [0.4, 0.0])
    assert np.allclose(m[0, 0, 0], ref, atol=1e-6)


def test_minimize_stops_on_energy_or_max_steps():
    llg = macrospin([Uniaxial(K), Zeeman((0.5 * HK, 0.0, 0.0))])
    m = llg.prepare((0.0, 0.3, 1.0))
    res = minimize(llg, m, energy_tol=1e-12)
    assert res.converged and res.reason == "energy"
    assert m[0, 0, 0, 0] == pytest.approx(0.5, abs=1e-4)
    m2 = llg.prepare((0.0, 0.3, 1.0))
    res2 = minimize(llg, m2, torque_tol=1e-12, max_steps=3)
    assert not res2.converged and res2.steps == 3 and res2.reason == "max_steps"


@pytest.mark.parametrize("torque_tol", [1e-3 * HK, None])
def test_relax_macrospin(torque_tol):
    H = np.array([0.4, -0.25, -0.3]) * HK
    llg = macrospin([Uniaxial(K), Zeeman(H)])
    m = llg.prepare((0.5, 0.1, 1.0))
    res = relax(llg, m, torque_tol=torque_tol)
    assert res.converged
    assert llg.precess  # restored
    ref = scipy_minimum(H, [0.4, 0.0])
    if torque_tol is None:
        assert res.reason == "torque-noise-floor"
        assert np.allclose(m[0, 0, 0], ref, atol=1e-7)
    else:
        assert res.reason == "torque" and res.max_torque <= torque_tol
        assert np.allclose(m[0, 0, 0], ref, atol=2e-3)


def test_relax_and_minimize_use_the_field_at_time_t():
    H = lambda t: (0.6 * HK if t > 1e-9 else -0.6 * HK, 0.0, 0.0)
    for method in (minimize, relax):
        llg = macrospin([Uniaxial(K), Zeeman(H)])
        m = llg.prepare((0.1, 0.1, 1.0))
        method(llg, m, 2e-9, torque_tol=1e-5 * HK)
        assert m[0, 0, 0, 0] == pytest.approx(0.6, abs=1e-4)


@pytest.fixture(scope="module")
def wall_chain():
    A, Kw = 1e-11, 1e6
    n, dx = 200, 0.5e-9
    mesh = Mesh(n=(n, 1, 1), cell=(dx, 2e-9, 2e-9), Ms=MS)
    llg = LLG(mesh, [Exchange1D(A), Uniaxial(Kw)], alpha=0.1)
    x = mesh.coords()["x"]
    delta = math.sqrt(A / Kw)
    X0 = 47e-9
    th = 2 * np.arctan(np.exp((x - X0) / (2 * delta)))  # twice too wide
    m0 = np.stack([np.sin(th) * 0.95, np.sin(th) * 0.31, np.cos(th)], -1)[None, None]
    return llg, m0, x, delta, A, Kw


def check_wall(llg, m, x, delta, A, Kw):
    mz = m[0, 0, :, 2]
    i = int(np.argmax(mz < 0))
    X = x[i - 1] + (x[i] - x[i - 1]) * mz[i - 1] / (mz[i - 1] - mz[i])
    assert abs(X - 50e-9) < 10e-9  # stayed in the middle
    assert np.abs(mz - (-np.tanh((x - X) / delta))).max() < 5e-3
    mesh = llg.mesh
    area = mesh.cell[1] * mesh.cell[2]
    wall = llg.energy(m) + Kw * mesh.cell_volume * mesh.n[0]  # minus the uniform state
    # discretisation error (dx/Δ)² ~ 2.5 %/12
    assert wall / area == pytest.approx(4 * math.sqrt(A * Kw), rel=3e-3)


def test_minimize_domain_wall(wall_chain):
    llg, m0, x, delta, A, Kw = wall_chain
    m = llg.prepare(m0)
    res = minimize(llg, m, torque_tol=1.0, max_steps=20000)
    assert res.converged, res
    check_wall(llg, m, x, delta, A, Kw)


def test_relax_domain_wall(wall_chain):
    llg, m0, x, delta, A, Kw = wall_chain
    m = llg.prepare(m0)
    res = relax(llg, m, torque_tol=10.0)
    assert res.converged, res
    check_wall(llg, m, x, delta, A, Kw)


def test_minimize_energy_guard_undoes_an_ascent(wall_chain):
    """A step that raises the energy (here forced: the callback scrambles m at step 25,
    as an overshooting Barzilai–Borwein step does to the short-wavelength modes) is undone
    at the next energy check, and the run still ends in the analytic wall."""
    llg, m0, x, delta, A, Kw = wall_chain
    m = llg.prepare(m0)
    rng = np.random.default_rng(3)
    checked = []

    def scramble(step, mm):
        if step == 25:
            mm[...] = llg.prepare(rng.normal(size=mm.shape))
            checked.append(llg.energy(mm))

    res = minimize(llg, m, torque_tol=1.0, max_steps=20000, callback=scramble)
    assert res.converged and res.restarts >= 1, res
    assert res.energy < checked[0]
    check_wall(llg, m, x, delta, A, Kw)


def test_minimize_without_ascent_takes_plain_bb_steps(wall_chain):
    """The guard changes nothing while the energy falls: the steps match a plain
    Barzilai–Borwein descent (no restarts) on the wall chain."""
    llg, m0, *_ = wall_chain
    m = llg.prepare(m0)
    res = minimize(llg, m, torque_tol=1.0, max_steps=20000)
    assert res.restarts == 0
