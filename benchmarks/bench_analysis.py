"""Analysis benchmark: lattice topological charge against discretisedfield, and detection +
tracking of a long run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_analysis.py --out benchmarks/results/analysis.md

Writes the Markdown results to ``--out`` and the same numbers as JSON beside it
(``analysis.json``), and prints the Markdown to stdout. Measures:

1. **Q, Berg–Lüscher, one 256 × 256 frame** (a dw360 skyrmion, radius 20 nm, 1 nm
   cells, open boundaries): ours, both the xarray entry point
   ``analysis.topology.topological_charge(da, method="lattice")`` and the array
   kernel ``charge_density_array(..., method="lattice").sum() * dx * dy`` (median of
   N repeats), against ``discretisedfield.tools.topological_charge(field.sel("z"),
   method="berg-luescher")`` (a Python loop over cells; timed ``--repeats-df``
   times, 1 by default). Both values of Q are reported. Goal: ≥ 100×.
2. **Detection + tracking, 1000 frames of 256 × 256** (periodic in x and y): a
   skyrmion (radius 10 nm, wall 2.5 nm) moving at a constant 0.1 nm/frame along x
   and 0.03 nm/frame along y, crossing the seam in x near frame 560; frames are
   generated in memory beforehand (float32, as mumax3 writes them) and not timed.
   Timed: ``find_objects(m)`` + ``track(objects)``, median of ``--repeats``. The
   result is checked: one track of 1000 frames whose unwrapped position is the
   exact straight line. Goal: < 10 s.
3. A cProfile of detection + tracking on the first 100 frames (top functions by
   internal time), always (it shows where the time goes), and of any missed goal.

Every timed call is warmed up once first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import discretisedfield as df  # noqa: E402
import discretisedfield.tools as dft  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from analysis.detection import find_objects  # noqa: E402
from analysis.textures import as_dataarray, cell_centres, skyrmion  # noqa: E402
from analysis.topology import charge_density_array, topological_charge  # noqa: E402
from analysis.tracking import track  # noqa: E402
from machine import machine_info as _machine_info, profile_top as _profile_top  # benchmarks/machine.py

H = 1e-9
N = 256
N_FRAMES = 1000
GOAL_RATIO = 100.0
GOAL_TRACK_S = 10.0
# the moving skyrmion of part 2
START = (200e-9, 100e-9)
STEP = (0.1e-9, 0.03e-9)  # per frame
DT = 1e-11  # s per frame
RADIUS = 10e-9


def machine_info() -> dict:
    return _machine_info(("numpy", "scipy", "pandas", "xarray", "dask", "discretisedfield"))

def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def profile_top(fn, label: str, lines: int = 20) -> str:
    return _profile_top(fn, label, lines, sort="tottime")

def fmt_s(x: float) -> str:
    if x < 1e-3:
        return f"{x * 1e6:.0f} µs"
    if x < 1.0:
        return f"{x * 1e3:.1f} ms"
    return f"{x:.2f} s"


# --------------------------------------------------------------------------- part 1


def bench_charge(repeats: int, repeats_df: int) -> tuple[dict, list[str]]:
    x = cell_centres(N, H)
    m = skyrmion(x, x, centre=(100.3e-9, 140.6e-9), radius=20e-9)
    da = as_dataarray(m, H, H)
    field = df.Field(df.Mesh(p1=(0, 0, 0), p2=(N * H, N * H, H), cell=(H, H, H)), nvdim=3,
                     value=m.transpose(1, 0, 2)[:, :, None, :])  # discretisedfield is (x, y, z)
    sliced = field.sel("z")

    def ours_xr():
        return float(topological_charge(da, method="lattice").isel(z=0))

    def ours_core():
        return float(charge_density_array(m, H, H, method="lattice").sum() * H * H)

    def theirs():
        return float(dft.topological_charge(sliced, method="berg-luescher"))

    ours_xr(), ours_core()  # warm up
    s_xr, s_core = [], []
    for _ in range(repeats):
        t, q_xr = timed(ours_xr)
        s_xr.append(t)
        t, q_core = timed(ours_core)
        s_core.append(t)
    s_df = []
    for _ in range(repeats_df):
        t, q_df = timed(theirs)
        s_df.append(t)
    med_xr, med_core, med_df = (statistics.median(s) for s in (s_xr, s_core, s_df))
    res = {
        "shape_yx": [N, N], "texture": "dw360 skyrmion, radius 20 nm, 1 nm cells, open mesh",
        "repeats_ours": repeats, "repeats_df": repeats_df,
        "ours_xarray_median_s": med_xr, "ours_xarray_samples_s": s_xr,
        "ours_kernel_median_s": med_core, "ours_kernel_samples_s": s_core,
        "df_median_s": med_df, "df_samples_s": s_df,
        "Q_ours": q_xr, "Q_ours_kernel": q_core, "Q_df": q_df,
        "ratio_df_over_ours_xarray": med_df / med_xr,
        "ratio_df_over_ours_kernel": med_df / med_core,
        "goal": f">= {GOAL_RATIO:g}x faster than discretisedfield",
    }
    res["goal_met"] = bool(res["ratio_df_over_ours_xarray"] >= GOAL_RATIO)
    profiles = []
    if not res["goal_met"]:
        profiles.append(profile_top(ours_xr, "topological_charge(<256x256>, 'lattice')"))
    return res, profiles


# --------------------------------------------------------------------------- part 2


def make_frames(n_frames: int) -> tuple[xr.DataArray, np.ndarray]:
    x = cell_centres(N, H)
    L = N * H
    true = np.array(START)[None, :] + np.arange(n_frames)[:, None] * np.array(STEP)[None, :]
    frames = np.empty((n_frames, N, N, 3), dtype=np.float32)
    for k, p in enumerate(true):
        frames[k] = skyrmion(x, x, centre=tuple(p), radius=RADIUS, box=(L, L))
    m = as_dataarray(frames, H, H, pbc="xy", times=np.arange(n_frames) * DT)
    return m, true


def detect_and_track(m):
    return track(find_objects(m))


def bench_tracking(repeats: int) -> tuple[dict, list[str]]:
    gen_s, (m, true) = timed(lambda: make_frames(N_FRAMES))
    detect_and_track(m.isel(t=slice(0, 20)))  # warm up
    samples, tr = [], None
    for _ in range(repeats):
        t, tr = timed(lambda: detect_and_track(m))
        samples.append(t)
    # the result must be right, or the timing means nothing
    assert tr is not None and len(tr) == N_FRAMES and tr.track.nunique() == 1, tr
    err_x = float(np.abs(tr.x_u.to_numpy() - true[:, 0]).max())
    err_y = float(np.abs(tr.y_u.to_numpy() - true[:, 1]).max())
    crossings = int((np.abs(np.diff(tr.x.to_numpy())) > N * H / 2).sum())
    med = statistics.median(samples)
    res = {
        "frames": N_FRAMES, "shape_yx": [N, N], "dtype": "float32", "pbc": "xy",
        "bytes_in_memory": int(m.nbytes), "generate_s": gen_s,
        "repeats": repeats, "median_s": med, "samples_s": samples,
        "per_frame_ms": med / N_FRAMES * 1e3,
        "objects": len(tr), "tracks": int(tr.track.nunique()), "seam_crossings_x": crossings,
        "max_unwrapped_error_cells": max(err_x, err_y) / H,
        "goal": f"< {GOAL_TRACK_S:g} s", "goal_met": bool(med < GOAL_TRACK_S),
    }
    sub = m.isel(t=slice(0, 100))
    profiles = [profile_top(lambda: detect_and_track(sub),
                            "find_objects + track, first 100 frames")]
    if not res["goal_met"]:
        profiles.append(profile_top(lambda: detect_and_track(m),
                                    "find_objects + track, 1000 frames"))
    return res, profiles


# --------------------------------------------------------------------------- report


def render(info: dict, q: dict, tr: dict, profiles: list[str], total_s: float) -> str:
    L = ["# Analysis benchmark: topological charge and skyrmion tracking", ""]
    L.append(f"Generated by `benchmarks/bench_analysis.py` on {info['date']} "
             f"(git {info['git_commit']}); total run time {total_s:.1f} s.")
    L += ["", "## Machine", "", "| | |", "|---|---|",
          f"| CPU | {info['cpu_model']} |",
          f"| cores | {info['cpu_count']} ({info['cpu_usable']} usable) |",
          f"| platform | {info['platform']} |"]
    for k in ("python", "numpy", "scipy", "pandas", "xarray", "dask", "discretisedfield"):
        L.append(f"| {k} | {info[k]} |")
    L += ["", "Our code runs single-threaded (numpy/scipy, no thread pool).", ""]
    L += ["## 1. Q by the Berg–Lüscher lattice method, one 256 × 256 frame", ""]
    L.append(f"{q['texture']}. Ours: median of {q['repeats_ours']}; discretisedfield "
             f"(`tools.topological_charge(field.sel('z'), method='berg-luescher')`, a Python "
             f"loop over cells): {q['repeats_df']} run(s).")
    L += ["", "| | time | Q | df / ours | goal ≥ 100× |", "|---|---|---|---|---|"]
    goal = "met" if q["goal_met"] else "**missed**"
    L.append(f"| ours, `topological_charge(da, method='lattice')` "
             f"| {fmt_s(q['ours_xarray_median_s'])} "
             f"| {q['Q_ours']:.12f} | {q['ratio_df_over_ours_xarray']:.0f}× | {goal} |")
    L.append(f"| ours, kernel `charge_density_array` | {fmt_s(q['ours_kernel_median_s'])} "
             f"| {q['Q_ours_kernel']:.12f} | {q['ratio_df_over_ours_kernel']:.0f}× | — |")
    L.append(f"| discretisedfield | {fmt_s(q['df_median_s'])} | {q['Q_df']:.12f} | 1× | — |")
    L += ["", "## 2. Detection + tracking, 1000 frames of 256 × 256", ""]
    L.append(f"A skyrmion (radius {RADIUS * 1e9:g} nm) moving {STEP[0] * 1e9:g} nm/frame along x "
             f"and {STEP[1] * 1e9:g} nm/frame along y on a mesh periodic in x and y, crossing "
             f"the x seam {tr['seam_crossings_x']} time(s); frames generated in memory "
             f"({tr['dtype']}, {tr['bytes_in_memory'] / 2**20:.0f} MiB, {tr['generate_s']:.1f} s, "
             f"not timed). Timed: `track(find_objects(m))` with the defaults "
             f"(fd2 charge, 64 rays).")
    L += ["", "| | median | samples | per frame | goal |", "|---|---|---|---|---|"]
    goal = "met" if tr["goal_met"] else "**missed**"
    L.append(f"| `find_objects` + `track` | {fmt_s(tr['median_s'])} "
             f"| {', '.join(fmt_s(s) for s in tr['samples_s'])} | {tr['per_frame_ms']:.2f} ms "
             f"| {tr['goal']}: {goal} |")
    L += ["", f"Check: {tr['objects']} objects in {tr['tracks']} track(s); the unwrapped track "
          f"deviates from the true straight line by at most "
          f"{tr['max_unwrapped_error_cells']:.1e} cell.", ""]
    L += ["## 3. Profiles", ""]
    for p in profiles:
        L += ["```", p, "```", ""]
    return "\n".join(L)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "analysis.md"),
                    help="Markdown results file; the JSON goes beside it")
    ap.add_argument("--repeats", type=int, default=3, help="detection + tracking repeats")
    ap.add_argument("--repeats-q", type=int, default=15, help="repeats of our Q")
    ap.add_argument("--repeats-df", type=int, default=1, help="repeats of discretisedfield's Q")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.repeats_q < 3 or args.repeats_df < 1:
        ap.error("need at least 1 tracking, 3 Q and 1 discretisedfield repeat")
    out_md = Path(args.out)
    out_json = out_md.with_suffix(".json")
    t_start = time.perf_counter()
    info = machine_info()
    q, prof_q = bench_charge(args.repeats_q, args.repeats_df)
    tr, prof_t = bench_tracking(args.repeats)
    total = time.perf_counter() - t_start
    md = render(info, q, tr, prof_q + prof_t, total)
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_md.write_text(md, encoding="utf-8")
    out_json.write_text(json.dumps({"machine": info, "total_s": total, "charge": q,
                                    "tracking": tr, "profiles": prof_q + prof_t},
                                   indent=2) + "\n", encoding="utf-8")
    print(md)
    print(f"wrote {out_md} and {out_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
