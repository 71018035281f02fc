"""Regression (slow: ~15 s alone, ~1 min on a busy 2-core machine): the Janus film of paper 000's Fig. 2 minimised at B_z = −200 mT.

Without the minimiser's energy guard, the Barzilai–Borwein steps overshot twice on the way
from the skyrmion to the reversed film; the energy rose 250-fold and the ``dm`` criterion
then stopped the run in a disordered state with ``max |m×H|`` ≈ 1.6e8 A/m (reported as
converged). The expected minimum is the reversed film, as the uniform-DMI control of the
same sweep reaches: ⟨m_z⟩ ≈ −0.96 (a few bubbles left), at the ``dm`` criterion's torque
floor (a few A/m to ~1e2 A/m on this film; 1e3 A/m still tells a minimum from 1e8)."""

from __future__ import annotations

import pytest

from orchestrator.backends.builtin import build_simulation
from orchestrator.papers.janus import PAPER
from orchestrator.papers.overrides import load_study_with_overrides
from orchestrator.study.sweep import expand

pytestmark = pytest.mark.slow


def _film():
    study = load_study_with_overrides(PAPER.study_file("fig2_field"), None)
    (point,) = [p for p in expand(study) if p.params["right_dmi"] == "T"
                and p.params["axis"] == 2 and p.params["B"] == pytest.approx(-0.2)]
    sim, _ = build_simulation(point.study)  # its clock: every drive on from t = 0, as stage 0
    return sim


def test_janus_film_at_minus_200_mT_reverses_cleanly():
    sim = _film()
    res = sim.minimize()
    assert res.converged, res
    assert res.max_torque < 1e3, res
    assert sim.m[..., 2].mean() < -0.9


def test_without_the_guard_the_same_film_ends_disordered():
    """The failure the guard exists for (mumax3's unguarded descent): this proves the test
    above can fail."""
    sim = _film()
    res = sim.minimize(guard=False)
    assert res.converged and res.reason == "dm"  # reported as converged ...
    assert res.max_torque > 1e6, res             # ... far from any minimum
