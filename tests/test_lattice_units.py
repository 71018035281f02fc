"""Paper 002's lattice model and the built-in solver (mmstudy/lattice.py): on a grid of cell
a with one layer, the solver's 6-neighbour exchange, second-order DMI of each crystal class,
uniaxial anisotropy and Zeeman term are the lattice model term by term. The lattice energy
is summed here bond by bond from the paper's Eqs. 12, 218–224 (written independently of
the solver), on a random state, periodic and open."""

from __future__ import annotations

import numpy as np
import pytest

from mmstudy.constants import MU0
from mmstudy.lattice import DMI_RULES, lattice_units
from orchestrator.backends.builtin import build_simulation
from orchestrator.study import validate_study

MEV = 1.602176634e-22
UNITS = lattice_units(0.5e-9, 1.0 * MEV)
NX, NY = 12, 10

#: the bond vectors d(û) of the paper's rules for û = x̂ and û = ŷ (Eqs. 222–224)
BOND = {"bloch": ((1, 0, 0), (0, 1, 0)), "neel": ((0, 1, 0), (-1, 0, 0)),
        "antibloch": ((1, 0, 0), (0, -1, 0))}


def _state(seed: int = 3) -> np.ndarray:
    m = np.random.default_rng(seed).normal(size=(1, NY, NX, 3))
    return m / np.linalg.norm(m, axis=-1, keepdims=True)


def _bonds(m: np.ndarray, periodic: bool):
    """(m_i, m_j, axis) for every nearest-neighbour bond i → j = i + û once."""
    s = m[0]
    for axis, (a, b) in ((0, (s[:, :-1], s[:, 1:])), (1, (s[:-1, :], s[1:, :]))):
        yield a, b, axis
        if periodic:
            yield ((s[:, -1:], s[:, :1], 0) if axis == 0 else (s[-1:, :], s[:1, :], 1))


def _lattice_energy(m, periodic, *, J=0.0, D=0.0, rule="bloch", K=0.0, h=0.0) -> float:
    e = 0.0
    for a, b, axis in _bonds(m, periodic):
        e += -J * np.sum(a * b)
        e += D * np.sum(np.asarray(BOND[rule][axis]) * np.cross(a, b))
    return e + K * np.sum(m[..., 2] ** 2) - h * np.sum(m[..., 2])


def _solver(periodic, material: dict, drives: dict | None = None):
    study = validate_study({
        "name": "lattice", "mesh": {"n": [NX, NY, 1], "cell": [UNITS.a] * 3,
                                    "pbc": "xy" if periodic else ""},
        "materials": {"default": {"Ms": UNITS.Ms, "alpha": 0.1, **material}},
        "drives": drives or {}, "stages": [{"type": "minimize"}]})
    sim, _ = build_simulation(study)
    return sim


def _bond_count(periodic: bool) -> int:
    return 2 * NX * NY if periodic else (NX - 1) * NY + NX * (NY - 1)


@pytest.mark.parametrize("periodic", [True, False], ids=["periodic", "open"])
def test_exchange_is_the_lattice_exchange_plus_J_per_bond(periodic):
    # A Σ|∇m|² with the 6-neighbour stencil is (J/2) Σ_bonds |m_i − m_j|² = Σ (J − J m_i·m_j)
    # (ferromagnetic: the study format has no negative A yet, the antiferromagnet's)
    J = UNITS.J
    sim = _solver(periodic, {"A": UNITS.exchange()})
    m = _state()
    got = sim.llg.energies(sim.llg.prepare(m))["exch"]
    want = _lattice_energy(m, periodic, J=J) + J * _bond_count(periodic)
    assert got == pytest.approx(want, rel=1e-12)  # rounding only


@pytest.mark.parametrize("periodic", [True, False], ids=["periodic", "open"])
@pytest.mark.parametrize("rule", list(DMI_RULES))
def test_dmi_of_each_rule_is_the_lattice_bond_dmi(rule, periodic):
    D = 0.18 * MEV
    cls, D_si = UNITS.dmi(D, rule)
    # the exchange is there because the solver builds DMI beside it; its energy is apart
    sim = _solver(periodic, {"A": UNITS.exchange(), "dmi": {"D": D_si, "class": cls}})
    m = _state()
    got = sim.llg.energies(sim.llg.prepare(m))["DMI"]
    want = _lattice_energy(m, periodic, D=D, rule=rule)
    # rounding only: the sums differ in order (relative 1e-12 of the bonds' magnitude)
    assert got == pytest.approx(want, abs=1e-12 * D * _bond_count(periodic))


def test_anisotropy_and_zeeman_are_the_lattice_terms():
    K, h = -0.1 * MEV, 0.0278 * MEV
    sim = _solver(True, {"A": UNITS.exchange(), "K": UNITS.anisotropy(K), "K_axis": [0, 0, 1]},
                  {"h": {"type": "field", "H": [0, 0, UNITS.field(h) / MU0]}})
    m = _state()
    up = np.zeros_like(m)
    up[..., 2] = 1.0
    e = {k: sim.llg.energies(sim.llg.prepare(s)) for k, s in (("m", m), ("up", up))}
    # energies up to a constant: compare each term's difference between two states
    for term, kw in (("anis", {"K": K}), ("h", {"h": h})):
        got = e["m"][term] - e["up"][term]
        want = _lattice_energy(m, True, **kw) - _lattice_energy(up, True, **kw)
        assert got == pytest.approx(want, rel=1e-12), term
    assert UNITS.field(h) == pytest.approx(0.24, abs=5e-5)  # notes-002 §1.8: 0.2400 T


def test_an_unknown_rule_and_bad_scales_are_refused():
    with pytest.raises(ValueError, match="anti-Néel rule, Eq. 225"):
        UNITS.dmi(1e-22, "antineel")
    for bad in ({"a": 0.0, "J": MEV}, {"a": 1e-9, "J": 0.0}, {"a": 1e-9, "J": MEV, "mu_s": -1}):
        with pytest.raises(ValueError):
            lattice_units(**bad)
