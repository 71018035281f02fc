"""Shared relaxed states (orchestrator/backends/relaxed_store.py): points whose first stage
is the same minimisation relax once; the others load the state and end where a run
without sharing ends."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from typer.testing import CliRunner

import analysis
from dispatch_helpers import GRID, point_folders, read, write_study
from orchestrator.backends.relaxed_store import RelaxedStore, relaxed_key
from orchestrator.cli import app
from orchestrator.dispatch.run import run_study
from orchestrator.study import load_study
from orchestrator.study.sweep import expand


def _keys(path) -> list[str]:
    study = load_study(path)
    return [relaxed_key(p.study, "builtin test") for p in expand(study, source=str(path))]


def test_the_key_ignores_what_acts_after_the_relaxation_and_keeps_what_decides_it(tmp_path):
    # GRID sweeps the SOT current j (inactive while minimising) and D (decides the state)
    k = _keys(write_study(tmp_path))
    assert len(k) == 4 and len(set(k)) == 2
    assert k[0] == k[2] and k[1] == k[3]  # grid order: D fastest
    # the damping does not enter a minimisation, nor does the evolve stage's duration
    alpha = GRID + ('[sweep.parameters.alpha]\nvalues = [0.1, 0.5]\n'
                    'set = "materials.default.alpha"\n')
    assert len(set(_keys(write_study(tmp_path, name="a", extra=alpha)))) == 2
    assert _keys(write_study(tmp_path, name="d", extra=GRID, duration="30 ps")) == k
    # a different initial state is a different relaxation
    other = write_study(tmp_path, name="u", extra=GRID,
                        initial='[initial]\ntype = "uniform"\n')
    assert not set(_keys(other)) & set(k)


def test_a_relax_stage_keeps_the_damping_in_its_key(tmp_path):
    # relax() integrates damping-only LLG: α sets its time scale and so its steps
    path = write_study(tmp_path)
    text = path.read_text().replace('type = "minimize"', 'type = "relax"')
    text += '[sweep.parameters.alpha]\nvalues = [0.1, 0.5]\nset = "materials.default.alpha"\n'
    path.write_text(text)
    assert len(set(_keys(path))) == 4


def test_a_first_stage_that_is_not_a_relaxation_has_no_key(tmp_path):
    path = write_study(tmp_path)
    text = path.read_text().replace('[[stages]]\ntype = "minimize"\ndrives = []\n', "", 1)
    path.write_text(text)
    assert _keys(path) == [None] * 4


def test_points_that_differ_after_the_relaxation_relax_once_and_end_the_same(tmp_path):
    shared, alone = tmp_path / "shared", tmp_path / "alone"
    study = write_study(tmp_path)
    assert run_study(study, backend="builtin", out=shared, jobs=1, progress=False,
                     share_relaxed=True).exit_code == 0
    assert run_study(study, backend="builtin", out=alone, jobs=1, progress=False).exit_code == 0
    states = sorted((shared / "relaxed").glob("*.npy"))
    assert len(states) == 2  # two values of D, two relaxations for four points
    assert not (alone / "relaxed").exists()
    logs = [(f / "log.txt").read_text() for f in point_folders(shared)]
    assert sum("saved as the relaxed state" in t for t in logs) == 2
    assert sum("stage 0: the relaxed state" in t for t in logs) == 2
    for f in point_folders(shared):
        assert read(f / "point.json")["relaxed_store"] == "../relaxed"
        a = analysis.open_run(f / "run.out").m.load()
        b = analysis.open_run(alone / f.name / "run.out").m.load()
        # the same arithmetic from the same state: equal to round-off (the stored state is
        # renormalised as it is loaded, a change of at most an ulp or so)
        np.testing.assert_allclose(a.values, b.values, rtol=0, atol=1e-12)


def test_a_stored_state_is_never_overwritten_and_a_wrong_shape_is_not_loaded(tmp_path):
    store = RelaxedStore(tmp_path / "relaxed")
    m = np.zeros((1, 4, 4, 3))
    m[..., 2] = 1
    assert store.save("k", m, {"point": "first"})
    assert not store.save("k", -m, {"point": "second"})
    hit = store.load("k", (1, 4, 4, 3))
    assert hit.meta["point"] == "first" and np.array_equal(hit.m, m)
    assert store.load("k", (1, 8, 8, 3)) is None
    assert store.load("other", (1, 4, 4, 3)) is None


def test_a_second_claim_of_a_key_waits_for_the_first(tmp_path):
    store = RelaxedStore(tmp_path / "relaxed")
    order: list[str] = []
    inside = threading.Event()

    def first():
        with store.claim("k"):
            inside.set()
            time.sleep(0.3)
            order.append("first done")

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(10)
    with store.claim("k"):
        order.append("second in")
    t.join()
    assert order == ["first done", "second in"]


@pytest.mark.parametrize("flag", [True, False])
def test_run_share_relaxed_flag(tmp_path, monkeypatch, flag):
    monkeypatch.delenv("MMSTUDY_DEBUG", raising=False)
    study = write_study(tmp_path, extra=GRID.replace('"3.6 mJ/m^2", "3.8 mJ/m^2"',
                                                     '"3.6 mJ/m^2"'))
    out = tmp_path / "out"
    args = ["run", str(study), "--backend", "builtin", "--out", str(out), "-q", "-j", "1"]
    result = CliRunner().invoke(app, args + (["--share-relaxed"] if flag else []))
    assert result.exit_code == 0, result.output
    assert len(list((out / "relaxed").glob("*.npy"))) == (1 if flag else 0)


def test_whether_a_drive_acts_while_relaxing_is_in_the_key():
    from orchestrator.study.load import validate_study

    def lattice(stage0):
        return validate_study({"name": "l", "lattice": {"a": "0.5 nm", "J": "1 meV",
                                                        "h": "0.03 meV"},
                               "mesh": {"n": [8, 8, 1]}, "stages": [stage0]})
    # the field a [lattice] table writes is left out of dumps: its names must still count
    assert relaxed_key(lattice({"type": "minimize"}), "s") != \
        relaxed_key(lattice({"type": "minimize", "drives": []}), "s")


def test_an_array_left_without_its_record_is_replaced_and_unconverged_is_recorded(tmp_path):
    store = RelaxedStore(tmp_path / "relaxed")
    m = np.ones((1, 2, 2, 3)) / np.sqrt(3)
    store.root.mkdir()
    np.save(store.root / "k.npy", -m)          # a process killed before writing k.json
    assert store.load("k", m.shape) is None
    assert store.save("k", m, {"point": "p"})  # replaced, then committed by its record
    assert np.array_equal(store.load("k", m.shape).m, m)
    assert not store.unconverged("u")
    store.mark_unconverged("u", {"steps": 10})
    assert store.unconverged("u")
