"""Paper 000's Fig. 2 film at B_z = ±200 mT, minimised by the built-in solver and by OOMMF
(slow; skips without OOMMF: ~1.5 min with it).

Two solvers written by different people, with different minimisers (our energy-guarded
Barzilai–Borwein descent, OOMMF's conjugate gradient), must find the same states: at −200 mT
the film reverses, at +200 mT the small skyrmion leaves the interface for the Bloch half.
Measured with OOMMF 2.1a0: ⟨m_z⟩ −0.9819 and 0.9478 for both solvers, the skyrmion 23.3 nm
right of the interface with r = 6.56 nm in both. Tolerances: ⟨m_z⟩ within 1e-3 (minimisers
stopped by different criteria at the same minimum differ in the 4th decimal), the skyrmion's
offset and radius within 0.5 nm (half a cell)."""

from __future__ import annotations

import io

import pytest

import analysis
from analysis.interface import interface_offset
from orchestrator.backends.builtin import BuiltinBackend
from orchestrator.backends.oommf import OOMMFBackend
from analysis.detection import find_objects
from orchestrator.papers.janus import PAPER
from orchestrator.papers.janus.analyse import field_state
from orchestrator.papers.recipes import largest_per_frame, mean_mz
from orchestrator.papers.overrides import load_study_with_overrides
from orchestrator.study.sweep import expand

pytestmark = pytest.mark.slow


def _state(backend, study, folder):
    backend.render(study, folder)
    backend.execute(study, folder, log=io.StringIO(), threads=1)
    last = analysis.open_run(folder / "run.out").isel(t=[-1]).load()
    mz = mean_mz(last.m.isel(t=0), last.get("Ms"))
    objs = largest_per_frame(find_objects(last))
    state = field_state(objs, mz)
    if state != "skyrmion":
        return state, mz, None, None
    return (state, mz, float(interface_offset(objs.iloc[[0]], 50e-9)[0]),
            float(objs.iloc[0].r_contour))


@pytest.mark.parametrize("B", [-0.2, 0.2])
def test_builtin_and_oommf_find_the_same_state(B, tmp_path):
    oommf = OOMMFBackend()
    info = oommf.find()
    if not info.found:
        pytest.skip(f"OOMMF not available: {info.how}")
    study = load_study_with_overrides(PAPER.study_file("fig2_field"), None)
    (point,) = [p for p in expand(study) if p.params["right_dmi"] == "T"
                and p.params["axis"] == 2 and p.params["B"] == pytest.approx(B)]
    ours = _state(BuiltinBackend(), point.study, tmp_path / "builtin")
    theirs = _state(oommf, point.study, tmp_path / "oommf")
    assert ours[0] == theirs[0] == ("reversed" if B < 0 else "skyrmion")
    assert ours[1] == pytest.approx(theirs[1], abs=1e-3)
    if B > 0:
        assert ours[2] == pytest.approx(theirs[2], abs=0.5e-9)
        assert ours[2] > ours[3]  # off the interface by more than its radius
        assert ours[3] == pytest.approx(theirs[3], abs=0.5e-9)
