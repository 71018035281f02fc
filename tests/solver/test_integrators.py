"""Integrators against the analytic macrospin solution: convergence orders (Heun 2,
RK4 4, RK45 5 and its 5th-power error estimate), adaptive accuracy, save-time
landing, energy decay with damping."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orchestrator.solver.integrators import RK4, RK45, Heun, State
from orchestrator.solver.llg import GAMMA0, LLG
from orchestrator.solver.mesh import Mesh
from toy_terms import UniformField, Uniaxial

H0 = 1e5  # A/m
ALPHA = 0.1
THETA0, PHI0 = 2.0, 0.3


def macrospin(alpha=ALPHA, terms=None, dtype=np.float64):
    mesh = Mesh(n=(1, 1, 1), cell=(3e-9,) * 3, Ms=8e5)
    terms = [UniformField((0, 0, H0))] if terms is None else terms
    return LLG(mesh, terms, alpha=alpha, dtype=dtype)


def initial(llg):
    return llg.prepare((math.sin(THETA0) * math.cos(PHI0), math.sin(THETA0) * math.sin(PHI0),
                        math.cos(THETA0)))


def exact(t, alpha=ALPHA):
    """tan(θ/2) = tan(θ0/2) exp(−αγ0Ht/(1+α²)), φ = φ0 + γ0Ht/(1+α²)."""
    w = GAMMA0 * H0 / (1 + alpha**2)
    th = 2 * math.atan(math.tan(THETA0 / 2) * math.exp(-alpha * w * t))
    ph = PHI0 + w * t
    return np.array([math.sin(th) * math.cos(ph), math.sin(th) * math.sin(ph), math.cos(th)])


def global_error(make, dt, t_end=0.2e-9):
    llg = macrospin()
    state = State(initial(llg))
    make(llg, dt).run_until(state, t_end)
    assert state.t == t_end
    return float(np.linalg.norm(state.m[0, 0, 0] - exact(t_end)))


def slope(dts, errs):
    return float(np.polyfit(np.log(dts), np.log(errs), 1)[0])


@pytest.mark.parametrize("make, dts, order", [
    (lambda llg, dt: Heun(llg, dt), [4e-13, 2e-13, 1e-13, 5e-14], 2),
    (lambda llg, dt: RK4(llg, dt), [2e-12, 1e-12, 5e-13, 2.5e-13], 4),
    # pre-asymptotic ratios are above 32 at larger steps (5.4 at 4 ps): smaller steps
    (lambda llg, dt: RK45(llg, fixed_dt=dt), [2e-12, 1e-12, 5e-13], 5),
], ids=["heun", "rk4", "rk45"])
def test_convergence_order(make, dts, order):
    errs = [global_error(make, dt) for dt in dts]
    assert all(e > 1e-14 for e in errs)  # above round-off
    assert slope(dts, errs) == pytest.approx(order, abs=0.25)


def test_rk45_error_estimate_is_fifth_order():
    dts = [4e-12, 2e-12, 1e-12, 5e-13]
    errs = []
    for dt in dts:
        llg = macrospin()
        state = State(initial(llg))
        RK45(llg, fixed_dt=dt).step(state)
        errs.append(state.error)
    assert slope(dts, errs) == pytest.approx(5.0, abs=0.2)


@pytest.mark.parametrize("tol", [1e-4, 1e-6])
def test_rk45_adaptive_accuracy_and_landing(tol):
    llg = macrospin()
    state = State(initial(llg), dt=1e-10)  # too large: forces rejections first
    saved = []
    rk = RK45(llg, tol=tol)
    rk.run_until(state, 1e-9, save_every=0.1e-9, callback=lambda s: saved.append(
        (s.t, float(np.linalg.norm(s.m[0, 0, 0] - exact(s.t))))))
    assert [round(t / 1e-10, 9) for t, _ in saved] == list(range(1, 11))
    assert state.t == 1e-9
    assert state.rejected >= 1
    err = max(e for _, e in saved)
    # a global error of the order of the per-step tolerance (the 5th-order solution
    # is propagated; the estimate bounds the 4th-order one)
    assert err < 3 * tol
    assert abs(np.linalg.norm(state.m) - 1) < 1e-14


def test_rk45_step_bounds_and_growth():
    llg = macrospin()
    state = State(initial(llg), dt=1e-16)
    rk = RK45(llg, tol=1e-5, max_dt=2e-13)
    for _ in range(20):
        rk.step(state)
    assert state.dt == 2e-13 and state.last_dt == 2e-13
    state.dt = 1e-16
    rk.step(state)
    assert state.dt == pytest.approx(2e-16)  # growth clamped to 2x


@pytest.mark.parametrize("cls", [Heun, RK4])
def test_fixed_step_lands_on_save_times(cls):
    llg = macrospin()
    state = State(initial(llg))
    times = []
    cls(llg, 3e-13).run_until(state, 1e-11, save_every=1e-12,
                              callback=lambda s: times.append(s.t))
    assert len(times) == 10 and times[-1] == 1e-11
    assert np.allclose(times, np.arange(1, 11) * 1e-12, rtol=1e-12)
    assert state.steps == 40  # 3 + 1 (shortened) steps per interval
    # a second call continues on the same save grid
    cls(llg, 3e-13).run_until(state, 1.25e-11, save_every=1e-12,
                              callback=lambda s: times.append(s.t))
    assert times[-2:] == pytest.approx([1.1e-11, 1.2e-11], rel=1e-12)
    assert state.t == 1.25e-11


def test_stop_condition():
    llg = macrospin()
    state = State(initial(llg))
    RK45(llg).run_until(state, 1e-9, stop=lambda s: s.steps >= 5)
    assert state.steps == 5 and state.t < 1e-9


@pytest.mark.parametrize("alpha", [0.05, 0.5])
def test_energy_non_increasing_with_damping(alpha):
    terms = [Uniaxial(3e5, axis=(0.2, 0.1, 1.0)), UniformField((2e4, -5e4, -1e5))]
    llg = macrospin(alpha=alpha, terms=terms)
    state = State(llg.prepare((0.3, -1.0, -0.5)))
    energies = [llg.energy(state.m)]
    rk = RK45(llg, tol=1e-6)
    rk.run_until(state, 0.5e-9, save_every=2e-12,
                 callback=lambda s: energies.append(llg.energy(s.m)))
    dE = np.diff(energies)
    scale = abs(energies[0] - energies[-1])
    assert energies[-1] < energies[0]
    assert np.all(dE <= 1e-9 * scale)
    # without damping the energy is conserved to the integrator's accuracy
    llg0 = macrospin(alpha=0.0, terms=terms)
    state0 = State(llg0.prepare((0.3, -1.0, -0.5)))
    e0 = llg0.energy(state0.m)
    RK45(llg0, tol=1e-7).run_until(state0, 0.2e-9)
    assert abs(llg0.energy(state0.m) - e0) < 1e-4 * scale


def test_float32_state():
    llg = macrospin(dtype=np.float32)
    state = State(initial(llg))
    RK45(llg, tol=1e-5).run_until(state, 0.2e-9)
    assert state.m.dtype == np.float32
    assert np.linalg.norm(state.m[0, 0, 0] - exact(0.2e-9)) < 2e-4


def test_fsal_reset_after_external_change():
    llg = macrospin()
    state = State(initial(llg))
    rk = RK45(llg, fixed_dt=1e-13)
    rk.step(state)
    state.m[...] = llg.prepare((1.0, 0.0, 0.0))
    rk.reset()
    rk.step(state)
    ref = State(llg.prepare((1.0, 0.0, 0.0)), t=state.t - 1e-13)
    RK45(llg, fixed_dt=1e-13).step(ref)
    assert np.array_equal(ref.m, state.m)


def test_invalid_arguments():
    llg = macrospin()
    with pytest.raises(ValueError):
        Heun(llg, 0.0)
    with pytest.raises(ValueError):
        RK45(llg, tol=0.0)
    with pytest.raises(ValueError):
        RK45(llg).run_until(State(initial(llg)), 1e-12, save_every=0.0)
