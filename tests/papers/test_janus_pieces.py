"""Fast checks of the pieces `make janus` is built from: the cosine fit, detachment
detection, the quick-mode overrides, the study files, and the sign reading of the paper.

The end-to-end quick pipeline, with every claim of paper.toml, is the slow test of
tests/papers/test_framework.py."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from analysis.fits import fit_cosine
from analysis.interface import detachment, helicity_split, interface_offset
from orchestrator.papers.janus import PAPER
from orchestrator.papers.pipeline import load_studies as _load_studies
from orchestrator.papers.overrides import (apply_overrides, get_path, load_overrides,
                                           load_study_with_overrides)
from orchestrator.study.load import StudyError, read_toml
from orchestrator.study.sweep import expand, study_data

STUDIES_DIR = PAPER.studies_dir
QUICK_OVERRIDES = PAPER.quick_overrides
STUDIES = tuple(PAPER.spec.study_stems)


def load_studies(quick):
    return _load_studies(PAPER, quick)


# --------------------------------------------------------------------------- cosine fit

THETA16 = np.radians(np.arange(0, 360, 22.5))


def test_cosine_fit_recovers_c_within_its_error():
    rng = np.random.default_rng(3)
    sigma = 2.0
    v = 20.0 * np.cos(THETA16 + np.pi / 4) + rng.normal(0, sigma, THETA16.size)
    fit = fit_cosine(THETA16, v)
    # for 16 evenly spaced angles Σcos²(θ+π/4) = 8: the least-squares error is σ/√8
    assert fit.c_err == pytest.approx(sigma / math.sqrt(8), rel=0.4)  # s² from 15 dof: ±~35 %
    assert abs(fit.c - 20.0) < 3 * fit.c_err
    assert fit.dof == 15 and fit.n == 16 and fit.fixed_phase


def test_cosine_fit_error_has_its_stated_coverage():
    """Over many noisy data sets, |c − c_true| < c_err in ~68 % of them: the stated
    uncertainty is a standard error, neither too small nor too large."""
    rng = np.random.default_rng(11)
    trials, hits = 1000, 0
    for _ in range(trials):
        v = 60.0 * np.cos(THETA16 + np.pi / 4) + rng.normal(0, 5.0, THETA16.size)
        fit = fit_cosine(THETA16, v)
        hits += abs(fit.c - 60.0) < fit.c_err
    # Student t with 15 dof: P(|t| < 1) = 0.667; binomial sd over 1000 trials is 0.015,
    # so ±0.05 is more than 3 sd
    assert abs(hits / trials - 0.667) < 0.05


def test_cosine_fit_absolute_sigma_ignores_scatter():
    v = 20.0 * np.cos(THETA16 + np.pi / 4) + np.where(np.arange(16) % 2, 1.0, -1.0)
    fit = fit_cosine(THETA16, v, sigma=np.full(16, 0.5), absolute_sigma=True)
    assert fit.c_err == pytest.approx(0.5 / math.sqrt(8), rel=1e-9)


def test_cosine_free_phase_recovers_amplitude_and_phase():
    rng = np.random.default_rng(5)
    truth_c, truth_phase = 45.0, math.radians(55.0)
    v = truth_c * np.cos(THETA16 + truth_phase) + rng.normal(0, 1.0, THETA16.size)
    fit = fit_cosine(THETA16, v, phase=None)
    assert abs(fit.c - truth_c) < 3 * fit.c_err
    assert abs(fit.phase - truth_phase) < 3 * fit.phase_err
    # first-order propagation: the phase error is the amplitude error over c
    assert fit.phase_err == pytest.approx(fit.c_err / fit.c, rel=0.05)


def test_cosine_fit_leaves_out_nan_and_refuses_bad_input():
    v = 20.0 * np.cos(THETA16 + np.pi / 4)
    v[3] = np.nan
    assert fit_cosine(THETA16, v).n == 15
    with pytest.raises(ValueError, match="one value each"):
        fit_cosine(THETA16, v[:5])
    with pytest.raises(ValueError, match="at least 2 points"):
        fit_cosine(THETA16[:1], v[:1])
    with pytest.raises(ValueError, match="positive"):
        fit_cosine(THETA16, v, sigma=np.zeros(16))


# --------------------------------------------------------------------------- detachment

def _track(x_nm, r_nm=10.0, dt=1e-11):
    n = len(x_nm)
    return pd.DataFrame({"frame": np.arange(n), "t": np.arange(n) * dt,
                         "x": np.asarray(x_nm, float) * 1e-9, "r_contour": r_nm * 1e-9})


def test_attached_noisy_track_is_not_detached():
    rng = np.random.default_rng(1)
    tr = _track(50 + rng.normal(0, 2.0, 300))       # 2 nm jitter, radius 10 nm
    r = detachment(tr, 50e-9)
    assert not r["detached"] and r["frame"] is None and math.isnan(r["t"])
    assert r["max_offset"] < 10e-9


def test_drifting_track_detaches_when_it_clears_its_radius():
    x = np.r_[np.full(20, 50.0), 50 - 0.5 * np.arange(1, 61)]   # drifts to −x at 0.5 nm/frame
    r = detachment(_track(x), 50e-9, hold=3)
    # offset first exceeds 10 nm at 0.5·k > 10, k = 21: frame 20 + 21 = 40
    assert r["detached"] and r["frame"] == 40
    assert r["t"] == pytest.approx(40e-11)
    assert r["offset"] == pytest.approx(-10.5e-9)


def test_one_frame_excursion_does_not_count_but_hold_1_does():
    x = np.full(30, 50.0)
    x[12] = 70.0
    assert not detachment(_track(x), 50e-9, hold=2)["detached"]
    assert detachment(_track(x), 50e-9, hold=1)["frame"] == 12


def test_fixed_distance_and_periodic_wrap():
    # interface at x = 0 ≡ 100 nm of a periodic box: 99 nm is 1 nm from it
    tr = _track([1.0, 99.0, 98.0, 97.0])
    off = interface_offset(tr, 0.0, box=100e-9)
    assert np.allclose(off * 1e9, [1.0, -1.0, -2.0, -3.0])
    assert not detachment(tr, 0.0, box=100e-9, distance=5e-9, hold=1)["detached"]
    # without the box the same positions are far from x = 0
    assert detachment(tr, 0.0, distance=5e-9, hold=1)["frame"] == 1


def test_detachment_refuses_bad_input():
    tr = _track([50.0, 51.0])
    with pytest.raises(ValueError, match="hold"):
        detachment(tr, 50e-9, hold=0)
    with pytest.raises(ValueError, match="r_contour"):
        detachment(tr.drop(columns="r_contour"), 50e-9)
    with pytest.raises(ValueError, match="one track"):
        detachment(pd.concat([tr.assign(track=0), tr.assign(track=1)]), 50e-9)


def test_helicity_split_wraps():
    df = pd.DataFrame({"helicity_left": [0.0, -3.0], "helicity_right": [-np.pi / 2, 3.0]})
    assert np.allclose(helicity_split(df), [-np.pi / 2, 6.0 - 2 * np.pi])


# --------------------------------------------------------------------------- overrides

def test_quick_overrides_name_existing_paths_of_existing_studies():
    ov = load_overrides(QUICK_OVERRIDES)
    assert set(ov) <= set(STUDIES)
    for stem, table in ov.items():
        data = read_toml(STUDIES_DIR / f"{stem}.toml")
        for path in table:
            get_path(data, path)  # raises KeyError for a path the study does not have


def _leaves(data, prefix=""):
    """{dotted path: value} of every leaf of nested dicts/lists."""
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return {prefix: data}
    out = {}
    for k, v in items:
        out.update(_leaves(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def _indexed(data, path):
    """``path`` with list items named by ``name`` replaced by their index."""
    node, out = data, []
    for part in path.split("."):
        if isinstance(node, list) and not part.lstrip("-").isdigit():
            part = str(next(k for k, it in enumerate(node) if it.get("name") == part))
        node = node[int(part)] if isinstance(node, list) else node[part]
        out.append(part)
    return ".".join(out)


def test_quick_studies_differ_from_full_only_at_the_overridden_paths():
    """Quick mode is the same study files: every value that differs between a quick study
    and its full one lies under one of the overridden paths."""
    ov = load_overrides(QUICK_OVERRIDES)
    full, quick = load_studies(False), load_studies(True)
    for stem in STUDIES:
        fd = study_data(full[stem])
        f, q = _leaves(fd), _leaves(study_data(quick[stem]))
        differ = {k for k in f.keys() | q.keys() if f.get(k, None) != q.get(k, None)}
        allowed = tuple(_indexed(fd, path) for path in ov.get(stem, {}))
        stray = sorted(k for k in differ
                       if not any(k == a or k.startswith(a + ".") for a in allowed))
        assert not stray, (stem, stray)
        assert bool(differ) == bool(allowed), stem


def test_override_with_a_misspelt_path_names_file_and_path(tmp_path):
    (tmp_path / "fig.toml").write_text((STUDIES_DIR / "fig4_sot_current.toml").read_text())
    (tmp_path / "quick.toml").write_text('[fig]\n"stages.1.duraton" = "1 ns"\n')
    ov = load_overrides(tmp_path / "quick.toml")
    with pytest.raises(StudyError) as err:
        load_study_with_overrides(tmp_path / "fig.toml", ov)
    assert "fig.toml (overrides)" in str(err.value) and "stages.1.duraton" in str(err.value)


def test_override_values_are_validated_and_tables_need_a_study(tmp_path):
    (tmp_path / "fig.toml").write_text((STUDIES_DIR / "fig4_sot_current.toml").read_text())
    (tmp_path / "quick.toml").write_text('[fig]\n"stages.1.duration" = "1 nm"\n')
    with pytest.raises(StudyError, match="with overrides: stages.1.duration"):
        load_study_with_overrides(tmp_path / "fig.toml", load_overrides(tmp_path / "quick.toml"))
    (tmp_path / "bad.toml").write_text('[nosuchstudy]\n"mesh.n" = [1, 1, 1]\n')
    with pytest.raises(StudyError, match="no study file"):
        load_overrides(tmp_path / "bad.toml")


def test_apply_overrides_copies():
    data = {"stages": [{"name": "drive", "duration": "1 ns"}]}
    out = apply_overrides(data, {"stages.drive.duration": "2 ns"})
    assert out["stages"][0]["duration"] == "2 ns" and data["stages"][0]["duration"] == "1 ns"


# --------------------------------------------------------------------------- study files

#: (points, distinct points) per study, full and quick
EXPECTED = {
    False: {"fig1_relaxed": (8, 8), "fig2_field": (54, 50), "fig3_sot_theta": (32, 32),
            "fig4_sot_current": (10, 10), "fig5_thermal": (6, 6)},
    True: {"fig1_relaxed": (8, 8), "fig2_field": (18, 14), "fig3_sot_theta": (16, 16),
           "fig4_sot_current": (3, 3), "fig5_thermal": (2, 2)},
}


@pytest.mark.parametrize("quick", [False, True], ids=["full", "quick"])
def test_every_study_loads_and_expands(quick):
    studies = load_studies(quick)
    assert sorted(studies) == sorted(p.stem for p in STUDIES_DIR.glob("fig*.toml"))
    for stem, study in studies.items():
        points = expand(study, source=stem)
        ids = {p.id("builtin") for p in points}
        assert (len(points), len(ids)) == EXPECTED[quick][stem], stem


def test_study_values_are_the_papers():
    s = load_studies(False)
    for stem in ("fig2_field", "fig3_sot_theta", "fig4_sot_current", "fig5_thermal"):
        st = s[stem]
        assert st.mesh.size == pytest.approx((100e-9, 100e-9, 1e-9)) and st.energy.demag
        left, right = st.material("left"), st.material("right")
        assert (left.Ms, left.A, left.K, left.alpha, left.gamma0) == (580e3, 15e-12, 0.8e6, 0.3,
                                                                       2.211e5)
        # paper D_L = D_R = +3.5 mJ/m² ↔ ours −3.5 (studies/janus/fig1_relaxed.toml)
        assert left.dmi[0].D == pytest.approx(-3.5e-3) and right.dmi[0].D == pytest.approx(-3.5e-3)
    assert s["fig2_field"].mesh.pbc == "" and s["fig3_sot_theta"].mesh.pbc == "xy"
    # Fig. 2: the field lies along the swept axis with μ0|H| = B
    for p in expand(s["fig2_field"]):
        H = np.asarray(p.study.drives["field"].H)
        axis = int(p.params["axis"])
        assert H[axis] * 4e-7 * np.pi == pytest.approx(p.params["B"], abs=1e-12)
        assert np.count_nonzero(H) <= 1
    # Fig. 3: p = (cos θ, sin θ, 0) on a 22.5° grid that holds the zeros 45°, 225° of cos(θ+π/4)
    thetas = sorted({round(math.degrees(p.params["theta"]), 6) for p in expand(s["fig3_sot_theta"])})
    assert thetas == [22.5 * k for k in range(16)]
    # Fig. 4: θ = 270°, p = −y; Fig. 5: a fixed 10 fs Heun step, an own seed per point
    assert s["fig4_sot_current"].drives["sot"].direction == pytest.approx([0, -1, 0], abs=1e-12)
    for evolve in s["fig5_thermal"].stages[1:]:
        assert (evolve.integrator, evolve.dt) == ("heun", pytest.approx(1e-14))
    points = expand(s["fig5_thermal"])
    assert sorted({p.study.temperature for p in points}) == [10, 50, 100]
    assert len({p.study.thermal.seed for p in points}) == 6


def test_paper_sign_reading_gives_neel_0_and_bloch_minus_90(tmp_path):
    """The reading the study files take (paper D = −D(ours)): the D_L = D_R = +3.7 Janus
    skyrmion of Fig. 1 relaxes with helicity ≈ 0° on its Néel face and ≈ −90° on its Bloch
    face, the pair for which a field along −x or −y grows it (its wall moment points along
    (−x, −y)). Runs one point of fig1_relaxed.toml on the built-in solver (~2 s)."""
    import analysis
    from analysis.detection import find_objects
    from orchestrator.backends.builtin import BuiltinBackend

    study = load_studies(False)["fig1_relaxed"]
    point = next(p for p in expand(study) if p.params["case"] == "janus_DL+_DR+")
    BuiltinBackend().execute(point.study, tmp_path, log=open(tmp_path / "log.txt", "w"))
    ds = analysis.open_run(tmp_path / "run.out")
    obj = find_objects(ds.isel(t=[-1])).iloc[0]
    # tolerance: the faces bend towards each other near the interface, so the half-plane
    # means sit ~15° from the pure types (measured: 17°, −78°)
    assert abs(math.degrees(obj.helicity_left)) < 25
    assert abs(math.degrees(obj.helicity_right) + 90) < 25
    assert round(float(obj.Q)) == -1


def test_fig4_headline_and_claims_from_a_table():
    """The headline template of paper.toml renders from a figure's table and facts, and
    the claims come out as typed, JSON-ready records."""
    from orchestrator.papers.claims import Measured, judge
    from orchestrator.papers.markdown import environment

    spec = PAPER.spec.figure("fig4")
    table = pd.DataFrame({"j_MA_cm2": [1.0, 2.0], "vy": [10.0, 20.0], "detached": [False, True]})
    env = environment(PAPER.templates)
    (line,) = [env.from_string(h).render(table=table, facts={"detached_at": "2 MA/cm²"})
               for h in spec.headline]
    assert line == "Fig. 4: v_y = 10 … 20 m/s for j = 1 … 2 MA/cm²; detached at 2 MA/cm²"
    claims = judge(spec, {"speed_grows_with_j": Measured(np.bool_(True)),
                          "deformation_grows_with_j": Measured(np.float64(5e-4)),
                          "detachment": Measured(True)}, quick=False)
    by = {c.name: c for c in claims}
    assert by["speed_grows_with_j"].holds is True
    assert by["deformation_grows_with_j"].holds is False  # 5e-4 is not > 1e-3
    assert by["detachment"].observation and by["detachment"].mark == "observed:"
    json.dumps([c.as_dict() for c in claims])


@pytest.mark.parametrize("Q, r, mz, state", [
    (-0.98, 14.8, 0.83, "skyrmion"),     # the core-down skyrmion in the up film
    (-0.67, np.nan, -0.26, "domain"),    # core-down, its contour open: it reaches the edges
    (0.98, 6.6, -0.96, "reversed"),      # what is left of a reversed film: an up bubble
    (0.53, np.nan, 0.06, "reversed"),    # Q > 1/2: up bubbles dominate
    (0.1, np.nan, 0.05, "pattern"),      # no net winding: domains
    (None, None, 0.99, "collapsed"),     # no reversed object, film up
    (None, None, -0.99, "reversed"),     # no reversed object, film down
])
def test_fig2_state_tells_skyrmion_from_reversal_and_collapse(Q, r, mz, state):
    from orchestrator.papers.janus.analyse import field_state

    objs = pd.DataFrame({"Q": [] if Q is None else [Q], "r_contour": [] if Q is None else [r]})
    assert field_state(objs, mz) == state


def test_busy_time_is_the_union_of_the_points_run_intervals(tmp_path):
    """Two workers overlapping, then a pause, then one more point: the pause does not count."""
    from types import SimpleNamespace

    from orchestrator.papers.pipeline import StudyRun

    spans = [("10:00:00", "10:10:00"), ("10:05:00", "10:12:00"),   # overlap: 12 min
             ("11:00:00", "11:03:00"),                              # after a pause: 3 min
             ("11:01:00", "11:02:00")]                              # inside the previous one
    points = []
    for k, (a, b) in enumerate(spans):
        folder = tmp_path / f"p{k}"
        folder.mkdir()
        (folder / "status.json").write_text(json.dumps(
            {"state": "done", "started": f"2026-11-21T{a}+00:00",
             "finished": f"2026-11-21T{b}+00:00", "wall_s": 1.0}))
        points.append(SimpleNamespace(folder=folder, duplicate_of=None))
    run = StudyRun("x", None, SimpleNamespace(plan=SimpleNamespace(points=points)), 0.0)
    assert run.busy_s == pytest.approx(15 * 60)
    assert run.compute_s == pytest.approx(4.0)
