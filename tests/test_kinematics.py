"""Velocity fits, Hall angles, MSD and diffusion constants against exact or statistical values.

Random inputs use fixed seeds; each tolerance is derived from the sampling
distribution of the estimator (given next to it), so a correct implementation
fails with a stated, small probability for a random seed and deterministically
never for the fixed one.
"""

import numpy as np
import pandas as pd
import pytest

from analysis.kinematics import diffusion_constant, hall_angle, msd, msd_covariance, velocity


def line_track(n=200, dt=1e-10, v=(25.0, -7.0), x0=(3e-9, 40e-9), sigma=0.0, seed=1):
    rng = np.random.default_rng(seed)
    t = np.arange(n) * dt
    return pd.DataFrame({"frame": np.arange(n), "t": t, "track": 4,
                         "x_u": x0[0] + v[0] * t + rng.normal(0, sigma, n) * (sigma > 0),
                         "y_u": x0[1] + v[1] * t + rng.normal(0, sigma, n) * (sigma > 0)})


def walk(n, D, dt, seed, axis="y"):
    """1D Brownian walk along ``axis``: steps N(0, 2 D dt); the other axis fixed."""
    rng = np.random.default_rng(seed)
    s = np.concatenate([[0.0], np.cumsum(rng.normal(0.0, np.sqrt(2 * D * dt), n - 1))])
    other = np.full(n, 5e-9)
    x, y = (other, s) if axis == "y" else (s, other)
    return pd.DataFrame({"frame": np.arange(n), "t": np.arange(n) * dt, "x_u": x, "y_u": y})


# --------------------------------------------------------------------------- velocity


def test_velocity_of_an_exact_line():
    v = velocity(line_track())
    assert v["vx"] == pytest.approx(25.0, rel=1e-12)
    assert v["vy"] == pytest.approx(-7.0, rel=1e-12)
    assert v["x0"] == pytest.approx(3e-9, rel=1e-9)
    assert v["speed"] == pytest.approx(np.hypot(25.0, 7.0), rel=1e-12)
    # linregress forms the error from 1 - r², rounded at ~1e-16, so an exact line
    # reports sqrt(1e-16 / 198) ≈ 1e-9 of the slope, not 0
    assert v["vx_err"] < 1e-8 * 25 and v["n"] == 200


def test_velocity_standard_error_matches_the_noise():
    sigma, n, dt = 0.3e-9, 200, 1e-10
    tr = line_track(n=n, dt=dt, sigma=sigma, seed=7)
    v = velocity(tr)
    t = tr.t.to_numpy()
    se = sigma / np.sqrt(((t - t.mean()) ** 2).sum())  # exact standard error of the slope
    # the fitted slope is N(v, se²): within 4 se (probability 6e-5 to fail for a random seed)
    assert abs(v["vx"] - 25.0) < 4 * se and abs(v["vy"] + 7.0) < 4 * se
    # the reported error estimates se from the residuals: relative spread 1/sqrt(2(n-2))
    # = 5%, so 20% is 4 of those
    assert v["vx_err"] == pytest.approx(se, rel=0.2)
    assert v["vy_err"] == pytest.approx(se, rel=0.2)


def test_velocity_window_skips_a_transient():
    tr = line_track(n=100)
    tr.loc[tr.frame < 30, "x_u"] = 0.0  # pinned before frame 30
    whole = velocity(tr)
    after = velocity(tr, window=(tr.t[30], tr.t.iloc[-1]))
    assert after["vx"] == pytest.approx(25.0, rel=1e-12) and after["n"] == 70
    assert abs(whole["vx"] - 25.0) > 1.0
    with pytest.raises(ValueError, match="at least 3"):
        velocity(tr, window=(0.0, 1e-10))


def test_velocity_without_times_is_per_frame_and_needs_one_track():
    tr = line_track(n=10).drop(columns="t")
    v = velocity(tr)
    assert v["time_unit"] == "frame" and v["vx"] == pytest.approx(25.0 * 1e-10)
    two = pd.concat([line_track(n=10), line_track(n=10).assign(track=5)])
    with pytest.raises(ValueError, match="one track"):
        velocity(two)


# --------------------------------------------------------------------------- Hall angle


@pytest.mark.parametrize("v, drive, expected", [
    ((1.0, 1.0), 0.0, np.pi / 4),             # drive +x, deflected to +y: positive
    ((1.0, -1.0), 0.0, -np.pi / 4),
    ((0.0, 3.0), (1.0, 0.0), np.pi / 2),
    ((-1.0, 0.0), np.pi / 2, np.pi / 2),      # drive +y, moving -x: counter-clockwise
    ((np.cos(1.2), np.sin(1.2)), (2.0, 0.0), 1.2),
    ((-1.0, 0.0), 0.0, np.pi),                # straight back: +π, not -π
    ((np.sqrt(3), 1.0), (-1.0, 0.0), -5 * np.pi / 6),
])
def test_hall_angle_known_velocities(v, drive, expected):
    assert hall_angle(*v, drive) == pytest.approx(expected, abs=1e-12)


def test_hall_angle_is_invariant_under_common_rotation_and_vectorised():
    rng = np.random.default_rng(3)
    vx, vy = rng.normal(size=50), rng.normal(size=50)
    base = hall_angle(vx, vy, 0.3)
    c, s = np.cos(0.9), np.sin(0.9)
    rotated = hall_angle(c * vx - s * vy, s * vx + c * vy, (np.cos(1.2), np.sin(1.2)))
    np.testing.assert_allclose(rotated, base, atol=1e-12)
    with pytest.raises(ValueError):
        hall_angle(1.0, 0.0, (0.0, 0.0))


# --------------------------------------------------------------------------- MSD


def test_msd_of_uniform_motion_is_ballistic():
    tr = line_track(n=50)
    table = msd(tr, [1, 2, 5, 10])
    tau = table.tau.to_numpy()
    np.testing.assert_allclose(table.msd_x, (25.0 * tau) ** 2, rtol=1e-10)
    np.testing.assert_allclose(table.msd_y, (7.0 * tau) ** 2, rtol=1e-10)
    assert table.n.tolist() == [49, 48, 45, 40]
    np.testing.assert_allclose(tau, np.array([1, 2, 5, 10]) * 1e-10)


def test_msd_skips_pairs_across_gaps():
    tr = line_track(n=6).drop(index=[2]).reset_index(drop=True)  # frames 0 1 3 4 5
    table = msd(tr, 2)
    assert table.n.tolist() == [3, 2]  # lag 1: (0,1) (3,4) (4,5); lag 2: (1,3) (3,5)
    with pytest.raises(ValueError, match="evenly spaced"):
        msd(tr.assign(t=tr.t * np.array([1, 1, 1, 1, 1.5])), 1)


def test_msd_covariance_equals_the_brute_force_sum():
    # Cov(M_n, M_m) = 2/(K_n K_m) Σ_i Σ_j overlap²: the explicit double loop
    n_points = 23
    lags = [1, 2, 5]
    brute = np.empty((3, 3))
    for a, n in enumerate(lags):
        for b, m in enumerate(lags):
            tot = 0
            for i in range(n_points - n):
                for j in range(n_points - m):
                    tot += max(0, min(i + n, j + m) - max(i, j)) ** 2
            brute[a, b] = 2 * tot / ((n_points - n) * (n_points - m))
    np.testing.assert_allclose(msd_covariance(lags, n_points), brute, rtol=1e-14)


def test_msd_covariance_against_monte_carlo():
    # independent check of the formula: sample covariance of MSDs of 4000 walks
    rng = np.random.default_rng(11)
    n_points, lags = 40, [1, 3, 8]
    S = np.concatenate([np.zeros((4000, 1)), np.cumsum(rng.normal(size=(4000, 39)), 1)], 1)
    M = np.stack([((S[:, k:] - S[:, :-k]) ** 2).mean(1) for k in lags], 1)
    # each sample (co)variance from 4000 walks carries ~2.2% relative error (sqrt(2/4000)
    # for a variance, more for the heavy-tailed squares): 10% is > 4 of them
    np.testing.assert_allclose(np.cov(M.T), msd_covariance(lags, n_points), rtol=0.1)


# --------------------------------------------------------------------------- diffusion


def test_diffusion_constant_of_a_1d_random_walk():
    D, dt, n = 2.5e-12, 1e-10, 5001  # m²/s, s
    tr = walk(n, D, dt, seed=2024)
    r = diffusion_constant(tr, "y")
    # For Brownian steps the lag-1 estimator has relative standard error sqrt(2/(n-1))
    # and no unbiased estimator does better, so the GLS error over lags 1..10 must be
    # that (to within the few-% extra information the other lags cannot add).
    assert r["D_err"] / r["D"] == pytest.approx(np.sqrt(2 / (n - 1)), rel=0.05)
    # the estimate is within 3 standard errors (probability 0.3% to fail for a random seed)
    assert abs(r["D"] - D) < 3 * r["D_err"]
    assert r["lags"] == list(range(1, 11)) and r["time_unit"] == "s"
    # the Janus skyrmion case: the walk is along y only, x does not diffuse
    assert diffusion_constant(tr, "x")["D"] == 0.0


def test_diffusion_error_bar_matches_the_spread_over_seeds():
    D, dt, n = 1.0, 1.0, 401
    est = np.array([diffusion_constant(walk(n, D, dt, seed=s, axis="x"), "x", lags=5)["D"]
                    for s in range(300)])
    err = diffusion_constant(walk(n, D, dt, seed=0, axis="x"), "x", lags=5)["D_err"]
    # the mean is unbiased: its standard error is std/sqrt(300), allow 4 of them
    assert abs(est.mean() - D) < 4 * est.std() / np.sqrt(300)
    # the reported error bar is the spread: the sample std of 300 values has a 4%
    # relative standard error, and err itself scales with the fitted D (±7%): 20%
    assert err == pytest.approx(est.std(), rel=0.2)


def test_diffusion_constant_checks_its_input():
    tr = walk(50, 1.0, 1.0, seed=1)
    with pytest.raises(ValueError, match="axis"):
        diffusion_constant(tr, "z")
    with pytest.raises(ValueError, match="gaps"):
        diffusion_constant(tr.drop(index=[10]), "y")
    with pytest.raises(ValueError, match="lags"):
        diffusion_constant(tr, "y", lags=[60])
    r = diffusion_constant(tr.drop(columns="t"), "y", lags=[1])
    assert r["time_unit"] == "frame"


def test_velocity_error_is_zero_for_a_coordinate_that_does_not_move():
    # a skyrmion on a nanotrack: y is constant; its slope is 0 with error 0, not NaN
    tr = line_track(n=8, v=(25.0, 0.0), x0=(3e-9, 24e-9))
    v = velocity(tr)
    # (to rounding: positions of 40 nm carry ~1e-23 m of it, ~1e-15 m/s over 2 ns)
    assert abs(v["vy"]) < 1e-12 and 0.0 <= v["vy_err"] < 1e-12
    assert np.isfinite(v["vx_err"]) and v["vx_err"] < 1e-8 * 25


def test_msd_and_diffusion_accept_save_times_just_after_each_period():
    # mumax3's AutoSave writes at the first solver step after each multiple of the
    # period, so snapshot times overshoot the grid by up to a step (here up to 0.4 %
    # of the period, as tests/mumax3_writer.py makes them)
    dt, n = 1e-11, 400
    tr = walk(n, 1e-12, dt, seed=5)
    rng = np.random.default_rng(6)
    tr["t"] = tr["t"] + np.r_[0.0, rng.uniform(1e-16, 4e-14, n - 1)]
    table = msd(tr, 3)
    np.testing.assert_allclose(table.tau, np.array([1, 2, 3]) * dt, rtol=1e-2)
    r = diffusion_constant(tr, "y")
    assert abs(r["D"] - 1e-12) < 4 * r["D_err"]
    # a repeated time (two snapshots at t = 0) is still refused
    with pytest.raises(ValueError, match="evenly spaced"):
        msd(tr.assign(t=np.r_[0.0, tr.t.to_numpy()[:-1]]), 1)
