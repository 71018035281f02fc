"""`make janus-quick` end to end (slow: ~5–8 min on 2 cores): the quick pipeline runs
every study of studies/janus/ with the quick overrides into a fresh folder, and the paper's
key claims hold in what it finds.

Tolerances are the ones the analysis states for its claims (orchestrator/papers/janus/
analyse.py): |v_x| ≤ 0.25 |v_y| away from the zeros of cos(θ + π/4), and ≤ 0.25 of the v_x the
same texture would have if it were free (Thiele); the sign of v_y checked only ≥ 30° from
those zeros (near them |v_y| is a few m/s and the |v_y|(θ) asymmetry may shift the zero);
pooled long-lag MSD_y ≥ 3 MSD_x (≈ 1 for a free skyrmion; ≥ 3 in 99 % of runs of the bound
one in the Thiele–Langevin model with our parameters)."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    from orchestrator.papers.janus import analyse
    from orchestrator.papers.janus.pipeline import load_studies, reproduce, run_studies

    base = tmp_path_factory.mktemp("janus_quick")
    log = io.StringIO()
    code = reproduce(quick=True, out=base / "runs", report=base / "report", jobs=2,
                     progress=False, log=log)
    # the runs are cached: this second pass only reads them back, for the tables
    runs = run_studies(load_studies(True), backend="builtin", out=base / "runs", jobs=2,
                       progress=False, log=io.StringIO())
    assert all(not r.summary.ran for r in runs.values()), "a rerun must reuse every point"
    return {"code": code, "log": log.getvalue(), "report": base / "report",
            "results": analyse.analyse_all(runs)}


def test_pipeline_finishes_and_writes_the_report(quick):
    assert quick["code"] == 0, quick["log"]
    report = quick["report"]
    text = (report / "report.md").read_text()
    for name in ("fig1_relaxed", "fig2_field", "fig3_sot_theta", "fig4_sot_current",
                 "fig5_thermal"):
        assert (report / f"{name}.csv").stat().st_size > 0
        assert (report / f"{name}.png").stat().st_size > 0
        assert f"({name}.png)" in text and f"({name}.csv)" in text
    summary = json.loads((report / "summary.json").read_text())
    assert summary["mode"] == "quick" and summary["headline"]
    assert (report.parent / "report.md").is_file()  # the index


def test_motion_is_one_dimensional_with_vx_near_zero(quick):
    t = quick["results"]["fig3"].table
    cosine = np.cos(np.radians(t.theta_deg) + np.pi / 4)
    moving = t[np.abs(cosine) >= math.sin(math.radians(30))]
    assert len(moving) == 12  # θ = 0, 90, 135, 180, 270, 315 at j = 1 and 3
    assert not t.detached.any()
    assert (moving.vx.abs() <= 0.25 * moving.vy.abs()).all(), moving[["theta_deg", "j_MA_cm2",
                                                                      "vx", "vy"]]
    # and far below the Hall motion the same texture would have if nothing held it on the
    # interface (Thiele without confinement: |v_x| 4–26 m/s here; measured ≤ 0.19 of it)
    assert (moving.vx.abs() <= 0.25 * moving.vx_free.abs()).all()


def test_sign_of_vy_follows_cos_theta_plus_45(quick):
    t = quick["results"]["fig3"].table
    cosine = np.cos(np.radians(t.theta_deg) + np.pi / 4)
    away = np.abs(cosine) >= math.sin(math.radians(30))
    assert (np.sign(t.vy[away]) == np.sign(cosine[away])).all(), t[["theta_deg", "vy"]]
    fits = quick["results"]["fig3"].data["fits"]
    for j in (1.0, 3.0):
        # c > 0, within 30 % of the paper's 20 and 60 m/s on the quick mode's 2 nm cells
        # (measured: ~89 %; the Thiele curve from our relaxed state gives 99 %)
        paper = {1.0: 20.0, 3.0: 60.0}[j]
        assert fits[j]["fixed"].c > 0
        assert abs(fits[j]["fixed"].c / paper - 1) < 0.3
        assert abs(fits[j]["thiele"].c / paper - 1) < 0.1


def test_diffusion_along_the_interface_far_exceeds_across(quick):
    res = quick["results"]["fig5"]
    row = res.table.iloc[0]
    assert row.T_K == 100 and row.replicas == 2 and not row.detached
    assert row.msd_ratio_y_over_x >= 3.0
    # short lags: both directions move like a free skyrmion (Thiele free value within a
    # factor 2: one skyrmion's shape fluctuates and the centre is measured on a grid)
    for ax in ("x", "y"):
        assert 0.5 < row[f"D_{ax}_short"] / row.D_free_thiele < 2.0


def test_field_and_static_claims(quick):
    res = quick["results"]
    assert all(c["holds"] for c in res["fig1"].claims.values()), res["fig1"].claims
    assert all(c["holds"] for c in res["fig2"].claims.values()), res["fig2"].claims
