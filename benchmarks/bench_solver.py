"""Solver benchmark: mumax3's ``bench/bench.mx3`` with the built-in solver, next to OOMMF.

Run from the repository root::

    .venv/bin/python benchmarks/bench_solver.py --out benchmarks/results/solver.md

Writes the Markdown results to ``--out`` and the same numbers as JSON beside it
(``solver.json``), and prints the Markdown to stdout. Takes about 2–4 minutes.

The problem (``../shared/reference/benchmarks.md``): N × N × 1 cubic cells of 4 nm,
Msat = 800e3 A/m, Aex = 13e-12 J/m, α = 0.01, demagnetisation, B = (0, 0.01, 0) T
(H = 0.01/μ0 A/m along y), uniform start m = (1, 0, 0), Heun with the fixed step
dt = 3.4e-14 s, γ0 = 2.211e5 m/(A s), for N = 64, 128, 256, 512, 1024, in float64
(the default) and float32. The solver is used as a study uses it: an
:class:`~orchestrator.solver.llg.LLG` with ``Exchange``, ``Demag`` and ``Zeeman`` terms
and the :class:`~orchestrator.solver.integrators.Heun` stepper, all with their
default options (``Demag`` in the working precision).

Figure of merit, as the reference measures it: cell-field evaluations per second =
N² × (effective-field evaluations) / wall seconds, in millions. Start-up (setup of
the terms, the first steps) is excluded: each timing is a batch of steps taken after
a warm-up. The effective-field evaluations are counted (two per Heun step). Two
passes over all sizes and precisions, each building the solver afresh and taking 3
timings, give 6 timings per case; the median is reported (min and max in the JSON).

Also reported: the process CPU time per step (how much of the two cores the run
used; above the wall time means threads ran in parallel), the load average before
and after (other processes on the two cores make the figures pessimistic), where a
Heun step's time goes (each term's ``add_field``, the LLG vector algebra, Heun's
own algebra and the renormalisation), and a cProfile of Heun steps at ``--profile``
sizes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from orchestrator.solver.integrators import Heun, State  # noqa: E402
from orchestrator.solver.llg import LLG  # noqa: E402
from orchestrator.solver.mesh import Mesh  # noqa: E402
from mmstudy.constants import GAMMA0, MU0  # noqa: E402
from orchestrator.solver.terms.demag import Demag  # noqa: E402
from orchestrator.solver.terms.exchange import Exchange  # noqa: E402
from orchestrator.solver.terms.zeeman import Zeeman  # noqa: E402
from machine import machine_info as _machine_info  # noqa: E402  (benchmarks/machine.py)

SIZES = (64, 128, 256, 512, 1024)
DTYPES = ("float64", "float32")
CELL = 4e-9
MSAT = 800e3
AEX = 13e-12
ALPHA = 0.01
B_EXT = (0.0, 0.01, 0.0)  # T
DT = 3.4e-14

#: ``../shared/reference/benchmarks.md``: M cell-field evaluations/s on this kind of
#: 2-core machine, medians of 6 timings.
OOMMF_2T = {64: 6.3, 128: 10.6, 256: 12.9, 512: 14.1, 1024: 12.4}   # OOMMF 2.1a0, 2 threads, rk2heun
PLAIN_NUMPY = {64: 2.3, 128: 2.5, 256: 3.2, 512: 3.7, 1024: 2.9}   # plain NumPy + scipy.fft, f64
MAGNUM_F32 = {64: 3.8, 128: 7.6, 256: 10.1, 512: 9.1, 1024: 5.8}   # magnum.np 2.2.0, PyTorch CPU

#: This script on the solver before its performance work (git b110718: numpy ufuncs
#: throughout, CSR exchange), run on the same machine minutes before the figures of
#: the results file were taken (2026-11-21, load average 0.3-1.2).
BEFORE = {
    "float64": {64: 7.20, 128: 7.82, 256: 7.54, 512: 6.58, 1024: 6.13},
    "float32": {64: 11.33, 128: 12.77, 256: 13.65, 512: 11.55, 1024: 10.45},
}


# ----------------------------------------------------------------------------- setup
def build(N: int, dtype: str) -> tuple[LLG, Heun, State]:
    """The benchmark problem on an N × N × 1 mesh: LLG, Heun stepper and initial state."""
    mesh = Mesh(n=(N, N, 1), cell=(CELL, CELL, CELL), Ms=MSAT)
    H = tuple(b / MU0 for b in B_EXT)
    terms = [Exchange(AEX), Demag(dtype=dtype), Zeeman(H)]
    llg = LLG(mesh, terms, alpha=ALPHA, gamma0=GAMMA0, dtype=dtype)
    state = State(llg.prepare((1.0, 0.0, 0.0)), dt=DT)
    return llg, Heun(llg, DT), state


def evaluations_per_step(llg: LLG, stepper: Heun, state: State) -> int:
    """Effective-field evaluations in one step, counted (one step is taken)."""
    count = [0]
    inner = llg.effective_field

    def counting(*args, **kwargs):
        count[0] += 1
        return inner(*args, **kwargs)

    llg.effective_field = counting  # instance attribute shadows the method
    try:
        stepper.step(state)
    finally:
        del llg.effective_field
    return count[0]


def machine_info() -> dict:
    """The shared record (``benchmarks/machine.py``) plus numba and the environment
    variables that change how numpy, BLAS or the solver's kernels run."""
    info = _machine_info(("numpy", "scipy", "numba"))
    info["environment"] = {k: v for k, v in os.environ.items()
                           if k.startswith(("MALLOC_", "OMP_", "OPENBLAS_", "MKL_", "NUMBA_",
                                            "MMSTUDY_"))}
    return info


def _load() -> list[float]:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:  # pragma: no cover
        return [float("nan")] * 3


# ----------------------------------------------------------------------------- timing
def run_case(N: int, dtype: str, timings: int, target_s: float) -> dict:
    """Build, warm up, and time ``timings`` batches of Heun steps."""
    t0 = time.perf_counter()
    llg, stepper, state = build(N, dtype)
    setup_s = time.perf_counter() - t0
    evals = evaluations_per_step(llg, stepper, state)
    # warm-up: at least 3 steps and 0.2 s (first-touch page faults, thread pools,
    # FFT plans); its last step sizes the batches
    t0 = time.perf_counter()
    k = 0
    while True:
        s0 = time.perf_counter()
        stepper.step(state)
        step_s = time.perf_counter() - s0
        k += 1
        if k >= 3 and time.perf_counter() - t0 >= 0.2:
            break
    warmup_s = time.perf_counter() - t0
    batch = max(2, round(target_s / step_s))
    wall, cpu = [], []
    for _ in range(timings):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(batch):
            stepper.step(state)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    if not np.all(np.isfinite(state.m)):
        raise RuntimeError(f"N={N} {dtype}: the state is not finite")
    rates = [N * N * evals * batch / w / 1e6 for w in wall]
    return {
        "N": N, "dtype": dtype, "setup_s": setup_s, "warmup_s": warmup_s,
        "warmup_steps": k, "evals_per_step": evals, "steps_per_timing": batch,
        "wall_s": wall, "cpu_s": cpu, "rates": rates,
        "ms_per_step": [w / batch * 1e3 for w in wall],
        "cpu_ms_per_step": [c / batch * 1e3 for c in cpu],
        "t_end": state.t, "m_mean": [float(v) for v in state.m.mean(axis=(0, 1, 2))],
        "numba_kernels": bool(getattr(llg, "jit", False)),
    }


def breakdown(N: int, dtype: str, target_s: float = 0.25) -> dict[str, float]:
    """Milliseconds per Heun step spent in each part (wall time, median of 5 batches).

    Each part is timed on its own with the buffers of a running solver: each term's
    ``add_field`` (twice per step), the whole effective field (twice per step; minus
    the terms: the zeroing and the loop), and the step minus two field evaluations
    (the LLG right-hand side, Heun's stages and the renormalisation; with the numba
    kernels these are fused into two passes, so they are not timed apart).
    """
    llg, stepper, state = build(N, dtype)
    for _ in range(3):
        stepper.step(state)
    m = state.m
    out = np.zeros_like(m)

    def med(fn) -> float:
        fn()
        s0 = time.perf_counter()
        fn()
        n = max(1, round(target_s / max(time.perf_counter() - s0, 1e-7)))
        samples = []
        for _ in range(5):
            s0 = time.perf_counter()
            for _ in range(n):
                fn()
            samples.append((time.perf_counter() - s0) / n)
        return statistics.median(samples) * 1e3

    parts: dict[str, float] = {}
    for term in llg.terms:
        parts[f"{type(term).__name__}.add_field"] = 2 * med(lambda t=term: t.add_field(m, 0.0, out))
    field = med(lambda: llg.effective_field(m, 0.0))
    step = med(lambda: stepper.step(state))
    parts["zeroing and loop (field − terms)"] = 2 * field - sum(parts.values())
    parts["effective field (2 per step)"] = 2 * field
    parts["LLG right-hand side, Heun stages, renormalisation (step − fields)"] = step - 2 * field
    parts["step (total)"] = step
    return parts


def profile_steps(N: int, dtype: str = "float64", lines: int = 18) -> str:
    """cProfile of Heun steps at N (internal time, then cumulative)."""
    llg, stepper, state = build(N, dtype)
    for _ in range(3):
        stepper.step(state)
    steps = max(2, round(2e6 / N ** 2))
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        stepper.step(state)
    prof.disable()
    text = []
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.strip_dirs().sort_stats(key).print_stats(lines)
        body = buf.getvalue()
        body = body[body.find("   ncalls"):].rstrip()
        text.append(f"-- sorted by {key}\n{body}")
    head = (f"{steps} Heun steps, N = {N}, {dtype}: {stats.total_tt:.3f} s under cProfile "
            f"({stats.total_tt / steps * 1e3:.1f} ms per step). numpy ufuncs are not "
            "profiled functions: their time is the tottime of the Python function "
            "that calls them. Only the main thread is profiled: the shares of the "
            "work run by the demag term's and the kernels' other threads show up as "
            "the main thread waiting ('acquire' of a lock).")
    return head + "\n" + "\n\n".join(text)


# ----------------------------------------------------------------------------- report
def _fmt(x: float | None, digits: int = 2) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def report(info: dict, cases: list[dict], parts: dict, profiles: list[str], total_s: float,
           load: dict) -> str:
    by = {(c["N"], c["dtype"]): c for c in cases}
    sizes = sorted({c["N"] for c in cases})
    dtypes = [d for d in DTYPES if any(c["dtype"] == d for c in cases)]
    L = [
        "# Solver benchmark: mumax3's `bench.mx3` problem",
        "",
        f"Generated by `benchmarks/bench_solver.py` on {info['date']} (git "
        f"{info['git_commit']}); total run time {total_s:.0f} s.",
        "",
        "Problem: N × N × 1 cells of 4 nm, Msat 800e3 A/m, Aex 13e-12 J/m, α 0.01, demag, "
        "B = (0, 0.01, 0) T, uniform start m = (1, 0, 0), Heun with the fixed step "
        "dt = 3.4e-14 s, γ0 = 2.211e5 m/(A s); the built-in solver with default options "
        "(exchange, demag and Zeeman terms, `LLG`, `Heun`). Figure: millions of "
        "cell-field evaluations per second, N² × (field evaluations, 2 per step) / wall "
        "seconds, timed after a warm-up (setup excluded); median of 6 timings (3 per "
        "pass, 2 passes, the solver rebuilt for each pass). OOMMF and the other "
        "reference columns are from `../shared/reference/benchmarks.md`, measured the "
        "same way on this kind of 2-core machine.",
        "",
        "## Machine",
        "",
        "| | |", "|---|---|",
        f"| CPU | {info['cpu_model']} |",
        f"| cores | {info['cpu_count']} ({info['cpu_usable']} usable) |",
        f"| load average before / after | {', '.join(map(str, load['before']))} / "
        f"{', '.join(map(str, load['after']))} |",
        f"| platform | {info['platform']} |",
        f"| python / numpy / scipy / numba | {info['python']} / {info['numpy']} / "
        f"{info['scipy']} / {info['numba']} |",
        f"| environment | {', '.join(f'{k}={v}' for k, v in info['environment'].items()) or 'no MALLOC_/OMP_/BLAS/MMSTUDY_ variables set'} |",
        "",
        "A load average near or above 1 means another process shared the two cores "
        "during the run: the figures then understate what two free cores give.",
        "",
        "## Cell-field evaluations per second (millions)",
        "",
    ]
    head = "| N |"
    rule = "|---:|"
    for d in dtypes:
        head += f" built-in {d} | ÷ OOMMF |"
        rule += "---:|---:|"
    head += " OOMMF 2.1, 2 threads, f64 | magnum.np f32 | plain NumPy f64 |"
    rule += "---:|---:|---:|"
    L += [head, rule]
    for N in sizes:
        row = f"| {N} |"
        for d in dtypes:
            c = by.get((N, d))
            med = statistics.median(c["rates"]) if c else None
            ratio = med / OOMMF_2T[N] if c and N in OOMMF_2T else None
            mark = "" if ratio is None else (" ✓" if ratio >= 1 else "")
            row += f" **{_fmt(med)}** | {_fmt(ratio)}{mark} |"
        row += f" {OOMMF_2T.get(N, '')} | {MAGNUM_F32.get(N, '')} | {PLAIN_NUMPY.get(N, '')} |"
        L.append(row)
    L += [
        "",
        "Ratios ≥ 1 (✓) meet the goal of at least OOMMF's figure.",
        "",
        "## Details per case",
        "",
        "| N | dtype | ms per step | CPU ms per step | min – max (M/s) | steps per timing "
        "| setup s | numba kernels | before (M/s) | speed-up |",
        "|---:|---|---:|---:|---|---:|---:|---|---:|---:|",
    ]
    for d in dtypes:
        for N in sizes:
            c = by.get((N, d))
            if c is None:
                continue
            med = statistics.median(c["rates"])
            before = BEFORE.get(d, {}).get(N)
            L.append(
                f"| {N} | {d} | {statistics.median(c['ms_per_step']):.2f} | "
                f"{statistics.median(c['cpu_ms_per_step']):.2f} | "
                f"{min(c['rates']):.2f} – {max(c['rates']):.2f} | {c['steps_per_timing']} | "
                f"{c['setup_s']:.2f} | {'yes' if c['numba_kernels'] else 'no'} | "
                f"{_fmt(before)} | "
                f"{'' if before is None else f'{med / before:.2f}×'} |")
    L += [
        "",
        "*before*: this script on the solver before its performance work (git b110718, "
        "numpy ufuncs throughout), run on the same machine just before. *numba kernels*: "
        "the fused kernels of `orchestrator.solver.jit` (meshes of 64² cells and more), "
        "compiled before the timings (cached on disk: ~1.2 s once per machine and "
        "precision, ~0.2 s to load in a new process). CPU ms above the wall ms: the "
        "demag term and the kernels ran threads on both cores.",
        "",
        "## Where a Heun step's time goes (ms per step, wall)",
        "",
    ]
    if parts:
        keys = list(next(iter(parts.values())).keys())
        L += ["| part | " + " | ".join(parts) + " |",
              "|---|" + "---:|" * len(parts)]
        for k in keys:
            L.append(f"| {k} | " + " | ".join(f"{p[k]:.2f}" for p in parts.values()) + " |")
        L += ["",
              "Each part timed on its own (`breakdown()` in the script); the field terms "
              "count twice per step. Parts timed alone add up to about the step, not "
              "exactly (a small negative difference is timing noise).",
              ""]
    if profiles:
        L += ["## Profiles", ""]
        for p in profiles:
            L += ["```", p, "```", ""]
    return "\n".join(L)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/solver.md")
    ap.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    ap.add_argument("--dtypes", nargs="*", default=list(DTYPES), choices=DTYPES)
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--timings", type=int, default=3, help="timings per pass")
    ap.add_argument("--target", type=float, default=0.6,
                    help="seconds per timing (batches of steps)")
    ap.add_argument("--breakdown", type=int, nargs="*", default=[256, 1024],
                    help="sizes for the per-part breakdown (both dtypes)")
    ap.add_argument("--profile", type=int, nargs="*", default=[256, 1024],
                    help="sizes to cProfile (float64)")
    args = ap.parse_args(argv)

    t_start = time.perf_counter()
    info = machine_info()
    load = {"before": _load()}
    runs: dict[tuple[int, str], list[dict]] = {}
    for p in range(args.passes):
        for d in args.dtypes:
            for N in args.sizes:
                r = run_case(N, d, args.timings, args.target)
                runs.setdefault((N, d), []).append(r)
                print(f"pass {p + 1} N={N:5d} {d}: "
                      + " ".join(f"{x:6.2f}" for x in r["rates"])
                      + f" M/s ({statistics.median(r['ms_per_step']):.2f} ms/step)",
                      file=sys.stderr, flush=True)
    cases = []
    for (N, d), rs in runs.items():
        c = dict(rs[0])
        for key in ("wall_s", "cpu_s", "rates", "ms_per_step", "cpu_ms_per_step"):
            c[key] = [x for r in rs for x in r[key]]
        c["setup_s"] = statistics.median(r["setup_s"] for r in rs)
        c["median"] = statistics.median(c["rates"])
        c["oommf"] = OOMMF_2T.get(N)
        c["ratio_to_oommf"] = c["median"] / OOMMF_2T[N] if N in OOMMF_2T else None
        c["before"] = BEFORE.get(d, {}).get(N)
        cases.append(c)
    parts = {}
    for N in args.breakdown:
        for d in args.dtypes:
            parts[f"N = {N} {d}"] = breakdown(N, d)
            print(f"breakdown N={N} {d} done", file=sys.stderr, flush=True)
    profiles = [profile_steps(N) for N in args.profile]
    load["after"] = _load()
    total = time.perf_counter() - t_start
    text = report(info, cases, parts, profiles, total, load)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    args.out.with_suffix(".json").write_text(json.dumps({
        "machine": info, "load_average": load, "total_s": total,
        "problem": {"cell": CELL, "Msat": MSAT, "Aex": AEX, "alpha": ALPHA, "B_ext_T": B_EXT,
                    "dt": DT, "gamma0": GAMMA0, "integrator": "heun",
                    "m0": [1.0, 0.0, 0.0]},
        "units": "rates in millions of cell-field evaluations per second",
        "reference": {"oommf_2threads_f64": OOMMF_2T, "magnum_np_f32": MAGNUM_F32,
                      "plain_numpy_f64": PLAIN_NUMPY},
        "before": BEFORE,
        "cases": cases, "breakdown_ms_per_step": parts, "profiles": profiles,
    }, indent=1) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
