"""Tracking across periodic seams, births and deaths, counting objects in a mask.

Inputs are analytic skyrmions (analysis.textures) with exactly known positions, so
the expected tracks, unwrapped coordinates and events are known in advance.
Detection puts centres within 1e-3 cell of the truth (tests/test_detection.py);
tolerances here follow from that.
"""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from analysis.detection import find_objects
from analysis.kinematics import velocity
from analysis.textures import as_dataarray, cell_centres, skyrmion
from analysis.tracking import count_in_mask, events, minimum_image, track

H = 1e-9
N = 64
L = N * H
X = cell_centres(N, H)
TOL = 1e-3 * H  # detection's centre accuracy


def superpose(*textures):
    """Several skyrmions in one frame: in each cell, the texture that deviates most from
    the (up) background."""
    out = np.array(textures[0])
    for m in textures[1:]:
        take = (1 - m[..., 2]) > (1 - out[..., 2])
        out = np.where(take[..., None], m, out)
    return out


def uniform():
    m = np.zeros((N, N, 3))
    m[..., 2] = 1.0
    return m


def test_constant_velocity_across_both_seams_is_a_straight_line():
    nt, dt = 40, 1e-10
    v = np.array([1.3e-9, -0.4e-9]) / dt  # 13 m/s along x, -4 m/s along y
    start = np.array([50e-9, 5e-9])
    t = np.arange(nt) * dt
    true = start[None, :] + t[:, None] * v[None, :]  # unwrapped truth
    frames = np.stack([skyrmion(X, X, centre=tuple(p), radius=6e-9, box=(L, L))
                       for p in true])
    tr = track(find_objects(as_dataarray(frames, H, H, pbc="xy", times=t)))
    assert tr.track.nunique() == 1 and len(tr) == nt
    # the raw positions wrap (x crosses its seam once, y once) ...
    assert (np.abs(np.diff(tr.x)) > L / 2).sum() == 1
    assert (np.abs(np.diff(tr.y)) > L / 2).sum() == 1
    # ... the unwrapped ones are the straight line, to detection accuracy
    np.testing.assert_allclose(tr.x_u, true[:, 0], atol=TOL, rtol=0)
    np.testing.assert_allclose(tr.y_u, true[:, 1], atol=TOL, rtol=0)
    # A least-squares slope through points off by at most ε errs by at most
    # ε Σ|t - t̄| / Σ(t - t̄)² ≈ 3ε / T for evenly spaced times over a span T.
    fit = velocity(tr)
    T = t[-1] - t[0]
    assert abs(fit["vx"] - v[0]) < 3 * TOL / T
    assert abs(fit["vy"] - v[1]) < 3 * TOL / T
    assert fit["vx_err"] < TOL / T and fit["time_unit"] == "s"


def test_box_argument_overrides_attrs_and_open_axes_do_not_unwrap():
    obj = pd.DataFrame({"frame": [0, 1, 2], "z": 0.0, "x": [60e-9, 2e-9, 8e-9],
                        "y": [1e-9, 63e-9, 61e-9]})
    periodic = track(obj, box=(L, L))
    np.testing.assert_allclose(periodic.x_u, [60e-9, 66e-9, 72e-9])
    np.testing.assert_allclose(periodic.y_u, [1e-9, -1e-9, -3e-9])
    open_ = track(obj)  # no attrs: no periodic axis
    np.testing.assert_allclose(open_.x_u, obj.x)
    np.testing.assert_allclose(open_.y_u, obj.y)


def test_assignment_is_globally_optimal_not_greedy():
    # A at 0 nm moves to 2 nm, B at 3 nm moves to 4 nm. The closest pair of all is
    # B -> 2 nm (1 nm), which a greedy matcher takes first, leaving A -> 4 nm (4 nm):
    # total 5 nm. The optimum, A -> 2 nm and B -> 4 nm, costs 3 nm.
    obj = pd.DataFrame({"frame": [0, 0, 1, 1], "z": 0.0,
                        "x": [0.0, 3e-9, 2e-9, 4e-9], "y": 0.0})
    tr = track(obj)
    assert tr.track.tolist() == [0, 1, 0, 1]


def test_minimum_image_links_across_the_seam():
    # 63 nm -> 1 nm is a 2 nm step through the seam, not 62 nm back
    obj = pd.DataFrame({"frame": [0, 0, 1, 1], "z": 0.0,
                        "x": [63e-9, 30e-9, 1e-9, 32e-9], "y": 10e-9})
    tr = track(obj, box=(L, None), max_step=5e-9)
    assert tr.track.tolist() == [0, 1, 0, 1]
    np.testing.assert_allclose(tr.x_u, [63e-9, 30e-9, 65e-9, 32e-9])
    assert minimum_image(np.array([62e-9]), L)[0] == pytest.approx(-2e-9)


def test_max_step_splits_a_jump_into_death_and_birth():
    obj = pd.DataFrame({"frame": [0, 1, 2, 3], "z": 0.0, "x": [0.0, 1e-9, 20e-9, 21e-9],
                        "y": 0.0, "at_edge": False})
    assert track(obj).track.nunique() == 1
    tr = track(obj, max_step=5e-9)
    assert tr.track.tolist() == [0, 0, 1, 1]
    ev = events(tr)
    assert ev[["event", "kind", "track", "frame"]].values.tolist() == [
        ["death", "annihilation", 0, 1], ["birth", "nucleation", 1, 2]]
    with pytest.raises(ValueError):
        track(obj, max_step=0.0)


def test_births_and_deaths_of_a_synthetic_sequence():
    # open mesh; 8 frames; radius 5 nm
    #   A sits at (16, 40) nm all along: neither born nor dying
    #   B appears at frame 3 at (45, 14) nm and is gone after frame 5: nucleation, annihilation
    #   C drifts to the right edge: x = 48, 53, 58, 63 nm, then beyond it: left the mesh after 3
    #   D comes in from the left edge at frame 5: x = -2, 3, 8 nm: entered the mesh
    r = 5e-9
    A = (16e-9, 40e-9)
    frames = []
    for k in range(8):
        parts = [skyrmion(X, X, centre=A, radius=r)]
        if 3 <= k <= 5:
            parts.append(skyrmion(X, X, centre=(45e-9, 14e-9), radius=r))
        if k <= 3:
            parts.append(skyrmion(X, X, centre=(48e-9 + 5e-9 * k, 40e-9), radius=r))
        if k >= 5:
            parts.append(skyrmion(X, X, centre=(-2e-9 + 5e-9 * (k - 5), 16e-9), radius=r))
        frames.append(superpose(*parts))
    t = np.arange(8) * 1e-11
    obj = find_objects(as_dataarray(np.stack(frames), H, H, times=t))
    assert obj.groupby("frame").size().tolist() == [2, 2, 2, 3, 2, 3, 2, 2]
    tr = track(obj, max_step=8e-9)
    assert tr.track.nunique() == 4
    ev = events(tr)
    got = [(e.event, e.kind, e.frame) for e in ev.itertuples()]
    assert got == [("birth", "nucleation", 3), ("death", "left the mesh", 3),
                   ("birth", "entered the mesh", 5), ("death", "annihilation", 5)]
    # positions and times of the events are those of the frames they name
    b = ev[ev.kind == "nucleation"].iloc[0]
    assert b.t == t[3]
    assert abs(b.x - 45e-9) < TOL and abs(b.y - 14e-9) < TOL
    gone = ev[ev.kind == "left the mesh"].iloc[0]
    assert gone.x > 58e-9  # the cut skyrmion's centre is that of its part inside the mesh
    # A's track spans all frames and produces no event
    a_track = tr.loc[(tr.frame == 0) & (tr.x < 30e-9), "track"].item()
    assert a_track not in set(ev.track)


def test_a_frame_without_objects_ends_tracks():
    frames = [skyrmion(X, X, centre=(30e-9, 30e-9), radius=5e-9) for _ in range(4)]
    frames[2] = uniform()
    obj = find_objects(as_dataarray(np.stack(frames), H, H))
    assert obj.frame.tolist() == [0, 1, 3]
    tr = track(obj)
    assert tr.track.tolist() == [0, 0, 1]
    ev = events(tr)
    assert [(e.event, e.kind, e.frame) for e in ev.itertuples()] == [
        ("death", "annihilation", 1), ("birth", "nucleation", 3)]


def test_layers_are_tracked_separately():
    obj = pd.DataFrame({"frame": [0, 0, 1, 1], "z": [0.5e-9, 1.5e-9, 0.5e-9, 1.5e-9],
                        "x": [10e-9, 10.5e-9, 11e-9, 11.5e-9], "y": 0.0})
    tr = track(obj)
    assert tr.track.tolist() == [0, 1, 0, 1]


def test_count_in_mask_per_time_with_empty_frames():
    # chamber: 20 nm <= x < 44 nm, 16 nm <= y < 48 nm (cell centres inside)
    Xg, Yg = np.meshgrid(X, X)
    chamber = xr.DataArray((Xg >= 20e-9) & (Xg < 44e-9) & (Yg >= 16e-9) & (Yg < 48e-9),
                           dims=("y", "x"), coords={"y": X, "x": X})
    inside = [(30e-9, 24e-9), (36e-9, 40e-9), (25e-9, 44e-9)]
    outside = [(8e-9, 8e-9), (54e-9, 30e-9)]
    r = 3.5e-9
    sets = [inside[:1] + outside, inside, [], outside, inside[:2]]
    frames = [superpose(*[skyrmion(X, X, centre=c, radius=r) for c in s]) if s else uniform()
              for s in sets]
    t = np.arange(5) * 2e-10
    obj = find_objects(as_dataarray(np.stack(frames), H, H, times=t))
    counts = count_in_mask(obj, chamber)
    assert counts.index.name == "t"
    assert counts.index.tolist() == t.tolist()
    assert counts.tolist() == [1, 3, 0, 0, 2]
    # the same objects as a frame-indexed table (no times)
    counts_f = count_in_mask(obj.drop(columns="t"), chamber)
    assert counts_f.index.name == "frame" and counts_f.tolist() == [1, 3, 0, 0, 2]
    # a centre on the chamber's boundary cell counts by the cell it falls in
    edge = pd.DataFrame({"frame": [0, 0], "z": 0.0, "x": [19.9e-9, 20.1e-9], "y": 30e-9})
    assert count_in_mask(edge, chamber).tolist() == [1]
    with pytest.raises(ValueError):
        count_in_mask(obj, chamber.expand_dims("z"))


def test_count_in_mask_from_several_layers_is_indexed_by_time_and_layer():
    obj = pd.DataFrame({"frame": [0, 0, 0], "z": [0.5e-9, 1.5e-9, 1.5e-9],
                        "x": [1e-9, 1e-9, 3e-9], "y": 1e-9})
    mask = xr.DataArray(np.array([[True, True, False, False]] * 2), dims=("y", "x"),
                        coords={"y": [0.5e-9, 1.5e-9], "x": cell_centres(4, H)})
    counts = count_in_mask(obj, mask)
    assert counts.index.names == ["frame", "z"]
    assert counts.tolist() == [1, 1]
