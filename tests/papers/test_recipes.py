"""The shared analysis recipes of orchestrator/papers/recipes.py against exact or
statistical values: synthetic tracks with a known velocity or diffusion constant, and
analytic skyrmion textures (analysis.textures) in known places."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.textures import as_dataarray, cell_centres, skyrmion
from orchestrator.papers import recipes as rx

H = 1e-9


def test_largest_per_frame_keeps_the_biggest_and_drops_specks():
    objs = pd.DataFrame({"frame": [0, 0, 1, 1, 2], "n_cells": [40, 90, 5, 60, 8],
                         "x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": 0.0,
                         "x_ring": [10.0, 20.0, 30.0, 40.0, 50.0], "y_ring": 1.0})
    objs.attrs["cell"] = (H, H)
    big = rx.largest_per_frame(objs, min_cells=10)
    assert big.frame.tolist() == [0, 1] and big.n_cells.tolist() == [90, 60]
    assert big.x.tolist() == [20.0, 40.0] and big.y.tolist() == [1.0, 1.0]  # ring centres
    assert big.attrs["cell"] == (H, H)
    charge = rx.largest_per_frame(objs, min_cells=10, centre="charge")
    assert charge.x.tolist() == [2.0, 4.0]


def _line(n=50, dt=1e-11, v=(3.0, -40.0), bend=0.3e-9):
    """A track moving at ``v`` after a transient: the first 10 frames wander off."""
    t = np.arange(n) * dt
    x, y = v[0] * t, v[1] * t
    x[:10] += np.linspace(bend, 0, 10)  # a transient that the window must skip
    return pd.DataFrame({"frame": np.arange(n), "t": t, "x_u": x, "y_u": y, "track": 0})


def test_driven_motion_fits_after_the_transient_and_up_to_the_stop():
    main = _line()
    mo = rx.driven_motion(main, transient=10e-11)
    # exact line after the transient: the fit is exact to rounding
    assert mo.fitted and mo.v["vx"] == pytest.approx(3.0, rel=1e-9)
    assert mo.v["vy"] == pytest.approx(-40.0, rel=1e-9)
    assert mo.window == (10e-11, pytest.approx(49e-11))
    assert rx.driven_motion(main, transient=10e-11, t_stop=30e-11).window[1] == 30e-11
    # with the transient inside the window the fit is off
    assert abs(rx.driven_motion(main, transient=0.0).v["vx"] - 3.0) > 0.1
    short = rx.driven_motion(main, transient=48e-11)  # two frames left: no fit
    assert not short.fitted and np.isnan(short.v["vy"])


def test_pooled_replicas():
    D, err = rx.pooled([{"D": 1.0, "D_err": 0.3}, {"D": 3.0, "D_err": 0.4}])
    assert D == 2.0 and err == pytest.approx(0.25)  # sqrt(0.09 + 0.16) / 2


def _walks(n, D, dt, seed, bound_x=False):
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, np.sqrt(2 * D * dt), (n - 1, 2))
    xy = np.vstack([[0.0, 0.0], np.cumsum(steps, axis=0)])
    if bound_x:  # x held in a stiff well: it only jitters around 0
        xy[:, 0] = rng.normal(0.0, 1e-10, n)
    return pd.DataFrame({"frame": np.arange(n), "t": np.arange(n) * dt,
                         "x_u": xy[:, 0], "y_u": xy[:, 1]})


def test_diffusion_of_free_and_bound_walks():
    D0, dt, n = 2e-8, 1e-11, 600
    free = rx.diffusion([_walks(n, D0, dt, s) for s in (1, 2)], long_lag=0.2e-9)
    assert free.lags == (20, (n - 1) // 3) and free.dt == pytest.approx(dt)
    for ax in "xy":
        # each estimate with its own standard error: within 4 errors (fails with p < 1e-4
        # for a correct estimator and a random seed; never for these fixed seeds)
        for D, e in (free.short[ax], free.long[ax]):
            assert abs(D - D0) < 4 * e, (ax, D, e)
    # a free 2D walk: MSD_y/MSD_x ≈ 1, with a wide sampling scatter at lags up to a third
    # of the run (each long-lag MSD carries ~40 % error); paper 000 separates a bound walk
    # from a free one at 3, and a free one stays below it here
    assert 1 / 3 < free.ratio_y_over_x < 3
    bound = rx.diffusion([_walks(n, D0, dt, s, bound_x=True) for s in (3, 4)], long_lag=0.2e-9)
    assert bound.ratio_y_over_x > 100  # x stays within ~0.1 nm while y walks ~5 nm
    D, e = bound.long["x"]
    assert abs(D) < 2 * e or abs(D) < 1e-3 * D0  # no long-lag diffusion along the bound x


def test_count_in_region_counts_centres_in_the_box():
    x, y = cell_centres(64, H), cell_centres(32, H)
    frames = []
    for k in range(3):  # one skyrmion moving right across x = 32 nm, one fixed at x = 50 nm
        a = skyrmion(x, y, centre=(20e-9 + 8e-9 * k, 16e-9), radius=4e-9)
        b = skyrmion(x, y, centre=(50e-9, 16e-9), radius=4e-9)
        frames.append(np.where(((1 - a[..., 2]) > (1 - b[..., 2]))[..., None], a, b))
    m = as_dataarray(np.stack(frames), H, H, times=np.array([0.0, 1e-10, 2e-10]))
    left = rx.count_in_region(m, (0.0, 32e-9, 0.0, 32e-9))
    right = rx.count_in_region(m, (32e-9, 64e-9, 0.0, 32e-9))
    assert left.tolist() == [1, 1, 0] and right.tolist() == [1, 1, 2]
    assert list(left.index) == [0.0, 1e-10, 2e-10]
