"""The analysis pipeline and `mmstudy analyze` on runs with known motion."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from analysis import open_run, write_ovf
from analysis.analyze import analyze, parse_drive, write_analysis
from analysis.textures import cell_centres, skyrmion
from orchestrator.cli import app

H = 1e-9
N = 48
L = N * H
VX, VY = 120.0, -30.0  # m/s
DT = 1e-11  # s between snapshots


def moving_run(folder, frames=20, pbc=True):
    """A skyrmion moving at (VX, VY), wrapping around the periodic box, in the mumax3 layout."""
    folder.mkdir(parents=True)
    x = cell_centres(N, H)
    for i in range(frames):
        t = i * DT
        centre = ((30e-9 + VX * t) % L, (24e-9 + VY * t) % L)
        m = skyrmion(x, x, centre=centre, radius=7e-9, wall_width=2e-9, box=(L, L))
        write_ovf(folder / f"m{i:06d}.ovf", m[None], cell=(H, H, H), title="m", time=t,
                  labels=["m_x", "m_y", "m_z"], units="1", representation="bin4")
    if pbc:
        (folder / "log.txt").write_text("SetPBC(4, 4, 0)\n")
    return folder


def test_analyze_recovers_the_velocity_across_the_seam(tmp_path):
    ds = open_run(moving_run(tmp_path / "move.out"))
    assert ds.attrs["pbc"] == "xy"
    result = analyze(ds, drive=(1.0, 0.0))
    assert len(result.summary["tracks"]) == 1  # one skyrmion, one track, across the seam
    tr = result.summary["tracks"][0]
    v = tr["velocity_m_per_s"]
    # Centres are exact to the detector's sub-cell accuracy (float32 snapshots); over
    # 20 frames (23 nm of travel along x) a 1e-3 relative error is ~0.02 cells.
    assert v["vx"] == pytest.approx(VX, rel=1e-3)
    assert v["vy"] == pytest.approx(VY, rel=1e-2)
    assert tr["hall_angle_rad"] == pytest.approx(np.arctan2(VY, VX), abs=2e-3)
    assert tr["Q"] == pytest.approx(-1, abs=0.06)  # fd2 on 2-cell walls: a few % low
    assert tr["r_contour_m"] == pytest.approx(7e-9, rel=0.02)  # m_z = 0 at r = 7 nm exactly
    # present from the first frame to the last, never leaving the periodic box
    assert result.summary["events"] == {}


def test_cli_analyze_writes_trajectories_summary_and_pictures(tmp_path):
    run = moving_run(tmp_path / "sim.out", frames=8)
    out = tmp_path / "ana"
    args = ["analyze", str(run), "--out", str(out), "--drive", "x", "--mask", f"0,{L / 2},0,{L}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"trajectories.csv", "summary.json", "events.csv", "mz_last_frame.png",
            "charge.png", "trajectories.png", "count_in_mask.csv"} <= names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames"] == 8 and len(summary["tracks"]) == 1
    assert (out / "mz_last_frame.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # nothing is overwritten without --force
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 2 and "already exist" in again.output
    assert CliRunner().invoke(app, args + ["--force"]).exit_code == 0


def test_count_in_mask_follows_the_skyrmion(tmp_path):
    ds = open_run(moving_run(tmp_path / "c.out", frames=20))
    left = (ds.x < L / 2).broadcast_like(ds.y).transpose("y", "x")
    result = analyze(ds, mask=left)
    x = result.objects.sort_values("frame")["x"].to_numpy()
    np.testing.assert_array_equal(result.count.to_numpy(), (x < L / 2).astype(int))


def test_parse_drive():
    assert parse_drive("x") == (1.0, 0.0)
    assert parse_drive("-y") == (0.0, -1.0)
    assert parse_drive("180") == (-1.0, 0.0)
    with pytest.raises(ValueError, match="drive direction"):
        parse_drive("north")


def test_write_analysis_refuses_to_overwrite(tmp_path):
    ds = open_run(moving_run(tmp_path / "w.out", frames=3))
    result = analyze(ds)
    write_analysis(result, ds, tmp_path / "o")
    with pytest.raises(FileExistsError):
        write_analysis(result, ds, tmp_path / "o")


def test_runs_longer_than_one_batch_keep_events_and_counts(tmp_path):
    # 70 frames (more than one detection batch of 64): the skyrmion is erased at frame 29,
    # so there is one annihilation and the mask count drops to 0 for the last 41 frames.
    folder = tmp_path / "long.out"
    folder.mkdir()
    x = cell_centres(N, H)
    for i in range(70):
        m = skyrmion(x, x, centre=(24e-9, 24e-9), radius=7e-9, wall_width=2e-9)
        if i >= 30:
            m = np.zeros_like(m); m[..., 2] = 1
        write_ovf(folder / f"m{i:06d}.ovf", m[None], cell=(H, H, H), title="m", time=i * DT,
                  labels=["m_x", "m_y", "m_z"], units="1")
    ds = open_run(folder)
    whole = (ds.x > 0).broadcast_like(ds.y).transpose("y", "x")
    result = analyze(ds, mask=whole)
    assert result.summary["events"] == {"annihilation": 1}
    assert len(result.count) == 70
    assert result.count.iloc[29] == 1 and result.count.iloc[30:].sum() == 0


def test_a_track_that_cannot_be_fitted_does_not_stop_the_analysis(tmp_path):
    folder = moving_run(tmp_path / "dup.out", frames=6)
    # a repeated save time (a snapshot saved twice at one time) in its own series
    write_ovf(folder / "m000006.ovf", np.ones((1, N, N, 3)) * [0, 0, 1], cell=(H, H, H),
              title="m", time=5 * DT, labels=["m_x", "m_y", "m_z"], units="1")
    ds = open_run(folder)
    result = analyze(ds)
    assert result.summary["frames"] == ds.sizes["t"]  # 7, or 6 where open_run drops the repeat


def test_default_charge_is_the_lattice_one_and_outputs_name_it(tmp_path):
    # issue 13: fd2 gives Q ≈ -0.98 for this periodic skyrmion; Berg–Lüscher gives -1 exactly
    run = moving_run(tmp_path / "q.out", frames=4)
    ds = open_run(run)
    result = analyze(ds)
    assert result.summary["method"] == "lattice"
    assert result.summary["Q_last_frame"][0] == pytest.approx(-1.0, abs=1e-6)
    assert result.summary["tracks"][0]["Q"] == pytest.approx(-1.0, abs=1e-3)  # over its domain
    out = tmp_path / "ana"
    write_analysis(result, ds, out)
    import pandas as pd
    traj = pd.read_csv(out / "trajectories.csv")
    assert set(traj["Q_method"]) == {"lattice"}


def test_cli_default_charge_is_the_lattice_one(tmp_path):
    run = moving_run(tmp_path / "q.out", frames=3)
    cli_out = tmp_path / "cli"
    res = CliRunner().invoke(app, ["analyze", str(run), "--out", str(cli_out)])
    assert res.exit_code == 0, res.output
    assert json.loads((cli_out / "summary.json").read_text())["method"] == "lattice"


def staged_thermal_run(n_evolve=41, sigma=0.6e-9, seed=3):
    """A run as open_run gives it with stage information (t unique; a minimisation's
    initial state hidden): stage 0 minimises (its relaxed state at t = 0), stage 1
    thermalises (two frames 2 DT apart), stage 2 evolves a skyrmion on a random walk
    (D = sigma² / (2 DT) along x and y) from stage 1's last state, saved every DT."""
    import xarray as xr

    from analysis.textures import as_dataarray

    rng = np.random.default_rng(seed)
    x = cell_centres(N, H)
    steps = rng.normal(0.0, sigma, (n_evolve, 2))
    walk = np.array([24e-9, 24e-9]) + np.cumsum(steps, axis=0)
    centres = [(25e-9, 24e-9), (24.5e-9, 24e-9), (24e-9, 24e-9)] + [tuple(c) for c in walk]
    frames = np.stack([skyrmion(x, x, centre=c, radius=7e-9, wall_width=2e-9, box=(L, L))
                       for c in centres])
    t = np.concatenate([[0.0, 2 * DT, 4 * DT], 4 * DT + DT * np.arange(1, n_evolve + 1)])
    m = as_dataarray(frames, H, H, pbc="xy", times=t)
    stage = np.array([0, 1, 1] + [2] * n_evolve)
    stage_t = np.concatenate([[0.0, 2 * DT, 4 * DT], DT * np.arange(1, n_evolve + 1)])
    ds = xr.Dataset({"m": m}, attrs={"pbc": "xy", "cell": (H, H, H), "source": "synthetic",
                                     "stage_types": ["minimize", "evolve", "evolve"]})
    return ds.assign_coords(stage=("t", stage), stage_t=("t", stage_t)), sigma ** 2 / (2 * DT)


def test_analysis_defaults_to_the_last_evolve_stage_and_fits_diffusion():
    ds, D_true = staged_thermal_run()
    result = analyze(ds)
    s = result.summary
    assert s["stage"] == 2 and s["stage_type"] == "evolve"
    # the stage's frames, and the state it started from (stage 1's last frame)
    assert s["frames"] == 42 and s["run_frames"] == [2, 43]
    assert s["t_range_s"] == pytest.approx([4 * DT, 45 * DT])
    tr = s["tracks"][0]
    assert tr["frames"] == 42
    for ax in ("x", "y"):
        d = tr[f"diffusion_{ax}_m2_per_s"]
        assert d["D_err"] > 0
        assert abs(d["D"] - D_true) < 4 * d["D_err"]
    # every frame on request; the stages' different save intervals are said
    whole = analyze(ds, stage="all").summary
    assert whole["stage"] == "all" and whole["frames"] == 44
    assert "diffusion_x_m2_per_s" not in whole["tracks"][0]
    assert "evenly spaced" in whole["tracks"][0]["diffusion_error"]
    assert analyze(ds, stage=0).summary["frames"] == 1
    assert analyze(ds, stage="1").summary["run_frames"] == [0, 2]  # from the relaxed state
    with pytest.raises(ValueError, match="stage 5"):
        analyze(ds, stage=5)


def test_a_run_without_stage_information_is_analysed_whole(tmp_path):
    ds = open_run(moving_run(tmp_path / "plain.out", frames=5))
    s = analyze(ds).summary
    assert s["stage"] == "all" and s["frames"] == 5 and s["run_frames"] == [0, 4]


def test_cli_analyze_takes_a_stage(tmp_path):
    run = moving_run(tmp_path / "s.out", frames=3)
    res = CliRunner().invoke(app, ["analyze", str(run), "--out", str(tmp_path / "a"),
                                   "--stage", "all"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["stage"] == "all"


def test_summary_lines_say_stage_method_and_diffusion():
    from analysis.analyze import summary_lines

    ds, _ = staged_thermal_run(n_evolve=20)
    lines = summary_lines(analyze(ds).summary)
    assert "stage 2 (evolve)" in lines[0] and "lattice" in lines[0]
    assert "D = (" in lines[1] and "m²/s" in lines[1]
