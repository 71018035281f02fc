"""Dispatch benchmark: the cost mmstudy adds around the solver for a parameter sweep.

Run from the repository root::

    .venv/bin/python benchmarks/bench_dispatch.py --out benchmarks/results/dispatch.md

Writes Markdown to ``--out`` and the same numbers as JSON beside it. Measures, on
paper 000's periodic 100 × 100 × 1 Janus SOT study (two regions, two DMI classes,
demag):

1. expanding a 40 × 25 = 1000-point grid sweep (θ, j) into validated points, and
   planning it (ids, feature checks for the chosen backend): time per point;
2. rendering the scripts of 100 points (the same film, open edges, since OOMMF's
   spin-torque evolver refuses periodic meshes) for each backend (``mmstudy scripts``:
   point.json, params.json and the builtin spec, ``run.mx3`` with its region/geometry
   and m0 files, or ``stage<k>.mif`` files): time per point;
3. running 8 tiny points (8 × 8 × 1 cells, one minimisation each) through
   ``run_study`` with 2 worker processes, against the same minimisations in this
   process: the per-point overhead of worker processes, status files and manifest.

Each timing is the median of 3 repeats after one warm-up; scratch folders are
temporary and deleted.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from machine import machine_info, write_results  # noqa: E402  (benchmarks/machine.py)
from orchestrator.backends.builtin import BuiltinBackend  # noqa: E402
from orchestrator.dispatch.run import plan_study, render_scripts, run_study  # noqa: E402
from orchestrator.study import expand, validate_study  # noqa: E402

JANUS = {
    "name": "bench_janus",
    "mesh": {"extent": ["100 nm", "100 nm", "1 nm"], "cell": ["1 nm"] * 3, "pbc": "xy"},
    "regions": [{"name": "left"},
                {"name": "right", "shape": {"type": "half_plane", "point": ["50 nm", 0],
                                            "normal": [1, 0]}}],
    "materials": {"default": {"Ms": "580 kA/m", "A": "15 pJ/m", "K": "0.8 MJ/m^3",
                              "K_axis": [0, 0, 1], "alpha": 0.3},
                  "left": {"dmi": {"D": "3.5 mJ/m^2", "class": "Cnv_z"}},
                  "right": {"dmi": {"D": "3.5 mJ/m^2", "class": "T"}}},
    "energy": {"demag": True},
    "drives": {"sot": {"type": "sot", "j": "1 MA/cm^2", "theta_SH": 1, "p_angle": 0,
                       "thickness": "1 nm"}},
    "initial": {"type": "skyrmions", "skyrmions": [{"centre": ["50 nm", "50 nm"],
                                                    "radius": "8 nm"}]},
    "stages": [{"type": "minimize", "drives": []},
               {"type": "evolve", "duration": "1 ns", "save_every": "20 ps"}],
}


def sweep(n_theta: int, n_j: int, pbc: str = "xy") -> dict:
    data = json.loads(json.dumps(JANUS))
    data["mesh"]["pbc"] = pbc
    data["sweep"] = {"parameters": {
        "theta": {"values": [360.0 * k / n_theta for k in range(n_theta)], "unit": "deg",
                  "set": "drives.sot.p_angle"},
        "j": {"values": [1e10 * (1 + k) for k in range(n_j)], "set": "drives.sot.j"}}}
    return data


def median_time(fn, repeats: int = 3) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_expand() -> dict:
    study = validate_study(sweep(40, 25))
    t_expand = median_time(lambda: expand(study))
    t_plan = median_time(lambda: plan_study(study, backend="builtin", out="/nonexistent"))
    return {"points": 1000, "expand_s": t_expand, "plan_s": t_plan}


def bench_render() -> dict:
    # an open film: OOMMF's spin-torque evolver refuses periodic meshes
    study = validate_study(sweep(10, 10, pbc=""))
    out = {}
    for backend in ("builtin", "mumax3", "oommf"):
        def render() -> None:
            with tempfile.TemporaryDirectory() as tmp:
                render_scripts(study, backend=backend, out=Path(tmp) / "s")
        out[backend] = median_time(render) / 100
    return out


def bench_workers() -> dict:
    data = {"name": "tiny", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3, "pbc": "xy"},
            "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "K": 8e5,
                                      "K_axis": [0, 0, 1], "alpha": 0.3}},
            "initial": {"type": "random", "seed": 0}, "stages": [{"type": "minimize"}],
            "sweep": {"parameters": {"seed": {"values": list(range(8)),
                                              "set": "initial.seed"}}}}
    study = validate_study(data)

    def dispatched() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            summary = run_study(study, backend="builtin", jobs=2, out=Path(tmp) / "s",
                                progress=False)
            assert summary.exit_code == 0, summary.lines()

    def in_process() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            for k, p in enumerate(expand(study)):
                BuiltinBackend().execute(p.study, Path(tmp) / str(k), log=io.StringIO())

    t_dispatch = median_time(dispatched)
    t_direct = median_time(in_process)
    return {"points": 8, "jobs": 2, "dispatched_s": t_dispatch, "in_process_s": t_direct,
            "overhead_per_point_s": (t_dispatch - t_direct / 2) / 4}


def render_md(info: dict, ex: dict, rd: dict, wk: dict, total: float) -> str:
    lines = ["# Dispatch benchmark", "",
             f"`benchmarks/bench_dispatch.py`, {info['date']}, {info['cpu_model']}, "
             f"{info['cpu_usable']} usable cores, load average at start "
             f"{info['load_average_at_start']}, commit {info['git_commit']}. "
             f"Total {total:.0f} s.", "",
             "| step | time | per point |", "| --- | ---: | ---: |",
             f"| expand a {ex['points']}-point grid sweep (validated points) | "
             f"{ex['expand_s']:.2f} s | {1e3 * ex['expand_s'] / ex['points']:.2f} ms |",
             f"| plan it (ids, feature checks) | {ex['plan_s']:.2f} s | "
             f"{1e3 * ex['plan_s'] / ex['points']:.2f} ms |"]
    for backend, t in rd.items():
        lines.append(f"| render scripts, {backend} (100 points) | {100 * t:.2f} s | "
                     f"{1e3 * t:.1f} ms |")
    lines += [f"| {wk['points']} tiny points through `run_study`, {wk['jobs']} workers | "
              f"{wk['dispatched_s']:.2f} s | |",
              f"| the same minimisations in this process, one after another | "
              f"{wk['in_process_s']:.2f} s | |",
              f"| overhead of a worker process per point (dispatched − in-process/2, per "
              f"point per worker) | | {wk['overhead_per_point_s']:.2f} s |", "",
              "The overhead per point (a Python process importing mmstudy, status files, the "
              "manifest) is paid once per point, against solver runs of minutes to hours.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "dispatch.md"))
    args = ap.parse_args(argv)
    out_md = Path(args.out)
    t0 = time.perf_counter()
    info = machine_info()
    ex, rd, wk = bench_expand(), bench_render(), bench_workers()
    total = time.perf_counter() - t0
    md = render_md(info, ex, rd, wk, total)
    write_results(out_md, md, {"machine": info, "total_s": total, "expand": ex,
                               "render_per_point_s": rd, "workers": wk})
    return 0


if __name__ == "__main__":
    sys.exit(main())
