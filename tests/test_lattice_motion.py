"""Paper 002's lattice equation of motion and the built-in solver's, term by term.

Ohki & Mochizuki's dimensionless LLGS (Eq. 228, τ = tJγ/M of Eq. 229)::

    dm_i/dτ = {X_i + α m_i × X_i}/(1 + α²),
    X_i = m_i × ∂H̃/∂m_i + 𝒜_i + ℬ_i + 𝒞_i,

with the spin-transfer terms of Eqs. 230–231 (𝒜_i = ṽ_x (m_{i+x̂} − m_{i−x̂})/2 + ṽ_y (…)/2,
ṽ = ħ p a² j_e/(2eJ); ℬ_i = −β m_i × (the same sum)) and the spin-orbit term of Eq. 232
(𝒞_i = c̃ m_i × (σ × m_i), c̃ = ħ θ_SH a² j_e/(2eJ n_z)), is written out here from the
paper, independently of the solver: H̃ = H/J is the lattice energy of
tests/test_lattice_units.py (Eqs. 12, 218–224, Zeeman, K), and its gradient is taken by
central differences, which are exact for a quadratic function (rounding only).

A lattice study (``[lattice]``, its drives in the paper's convention) on the built-in
solver must give ``dm/dt · τ`` equal to it, with one documented difference: the solver
uses the part of 𝒜_i perpendicular to m_i (``−m×(m×g)``, orchestrator/solver/torques/
zhangli.py), so that |m_i| stays 1; the paper's 𝒜_i has an O(a²) part along m_i which
its integrator has to renormalise away. Open edges: a missing bond is left out (exchange,
DMI) and a missing neighbour in the 𝒜 stencil is the site itself (the solver's mirror
ghost; the paper does not give its edge stencil, design §1.4). Tolerance: 1e-9 of the
largest rate — rounding in the finite-difference gradient (~1e-11) and in the sums.
"""

from __future__ import annotations

import numpy as np
import pytest

from mmstudy.constants import HBAR, QE
from orchestrator.backends.builtin import build_simulation
from orchestrator.study import validate_study

MEV = 1.602176634e-22
A_LAT = 0.5e-9
NX, NY = 12, 10
#: the bond vectors d(û) of the paper's rules for û = x̂ and û = ŷ (Eqs. 222–224)
BOND = {"bloch": ((1, 0, 0), (0, 1, 0)), "neel": ((0, 1, 0), (-1, 0, 0))}
J, D, K, H_Z = 1.0, 0.18, -0.1, 0.0278          # in units of J = 1 meV
ALPHA, BETA, P = 0.04, 0.02, 0.2
JE = (-3e11, 1e11)                              # A/m², large so the torques show
JS, SIGMA = 2e10, np.array([0.0, 1.0, 0.0])


def _state(seed: int = 5) -> np.ndarray:
    m = np.random.default_rng(seed).normal(size=(NY, NX, 3)) + [0, 0, 1.5]
    return m / np.linalg.norm(m, axis=-1, keepdims=True)


def _energy(m: np.ndarray, rule: str, periodic: bool) -> float:
    """H̃ = H/J of Eqs. 12, 218–224 with Zeeman −h Σ m^z and K Σ (m^z)², bond by bond."""
    e = 0.0
    for axis, (a, b) in ((0, (m[:, :-1], m[:, 1:])), (1, (m[:-1], m[1:]))):
        pairs = [(a, b)]
        if periodic:
            pairs.append((m[:, -1:], m[:, :1]) if axis == 0 else (m[-1:], m[:1]))
        for s, t in pairs:
            e += -J * np.sum(s * t) + D * np.sum(np.asarray(BOND[rule][axis]) * np.cross(s, t))
    return e + K * np.sum(m[..., 2] ** 2) - H_Z * np.sum(m[..., 2])


def _gradient(m: np.ndarray, rule: str, periodic: bool) -> np.ndarray:
    """∂H̃/∂m_i by central differences: exact for the quadratic H̃ (rounding only)."""
    g = np.zeros_like(m)
    step = 1e-3
    for idx in np.ndindex(m.shape):
        up, down = m.copy(), m.copy()
        up[idx] += step
        down[idx] -= step
        g[idx] = (_energy(up, rule, periodic) - _energy(down, rule, periodic)) / (2 * step)
    return g


def _neighbours(m: np.ndarray, axis: int, periodic: bool) -> tuple[np.ndarray, np.ndarray]:
    """m_{i+û}, m_{i−û} (axis 1 = x, 0 = y of the (ny, nx) array); outside: the site."""
    plus, minus = np.roll(m, -1, axis), np.roll(m, 1, axis)
    if not periodic:
        edge = [slice(None)] * 2
        edge[axis] = -1
        plus[tuple(edge)] = m[tuple(edge)]
        edge[axis] = 0
        minus[tuple(edge)] = m[tuple(edge)]
    return plus, minus


def _paper_rate(m: np.ndarray, rule: str, periodic: bool, project: bool) -> np.ndarray:
    """dm_i/dτ of Eq. 228 (with 𝒜 projected ⊥ m_i when ``project``)."""
    v = HBAR * P * A_LAT ** 2 * np.asarray(JE) / (2 * QE * MEV)      # ṽ_x, ṽ_y (sites/τ)
    c = HBAR * 1.0 * A_LAT ** 2 * JS / (2 * QE * MEV * 1)           # c̃, n_z = 1
    stencil = np.zeros_like(m)
    for comp, axis in ((0, 1), (1, 0)):
        plus, minus = _neighbours(m, axis, periodic)
        stencil += v[comp] * (plus - minus) / 2
    A = stencil
    if project:
        A = A - np.sum(m * A, axis=-1, keepdims=True) * m
    X = (np.cross(m, _gradient(m, rule, periodic)) + A - BETA * np.cross(m, stencil)
         + c * np.cross(m, np.cross(SIGMA, m)))
    return (X + ALPHA * np.cross(m, X)) / (1 + ALPHA ** 2)


def _solver_rate(m: np.ndarray, rule: str, periodic: bool) -> np.ndarray:
    study = validate_study({
        "name": "motion",
        "lattice": {"a": A_LAT, "J": f"{J} meV", "D": f"{D} E_J", "dmi": rule,
                    "K": f"{K} E_J", "h": f"{H_Z} E_J", "alpha": ALPHA},
        "mesh": {"n": [NX, NY, 1], "pbc": "xy" if periodic else ""},
        "drives": {"stt": {"type": "zhang_li", "j": [JE[0], JE[1], 0], "P": P, "xi": BETA,
                           "convention": "paper002"},
                   "sot": {"type": "sot", "j": JS, "theta_SH": 1.0, "p": SIGMA.tolist()}},
        "stages": [{"type": "evolve", "duration": "1 t_J", "save_every": "1 t_J"}]})
    sim, _ = build_simulation(study)
    rate = sim.llg.dmdt(sim.llg.prepare(m[None]), 0.0)[0]
    return np.asarray(rate) * study.lattice.units.time


@pytest.mark.parametrize("periodic", [True, False], ids=["periodic", "open"])
@pytest.mark.parametrize("rule", ["bloch", "neel"])
def test_the_solver_moves_the_spins_as_the_papers_lattice_llgs(rule, periodic):
    m = _state()
    got = _solver_rate(m, rule, periodic)
    want = _paper_rate(m, rule, periodic, project=True)
    assert np.max(np.abs(got - want)) <= 1e-9 * np.max(np.abs(want))
    # what the projection leaves out is the paper's 𝒜 along m_i, nothing else
    literal = _paper_rate(m, rule, periodic, project=False)
    along = np.sum(m * (literal - got), axis=-1, keepdims=True) * m
    assert np.max(np.abs(literal - got - along)) <= 1e-9 * np.max(np.abs(want))
