"""Field-term benchmark: cell-field evaluations per second of the built-in solver's terms.

Run from the repository root::

    .venv/bin/python benchmarks/bench_solver_fields.py --out benchmarks/results/solver_fields.md

Writes the Markdown results to ``--out`` and the same numbers as JSON beside it, and
prints the tables. The problem is mumax3's ``bench/bench.mx3`` mesh (the one in
``../shared/reference/benchmarks.md``): N × N × 1 cubic cells of 4 nm, Msat 800e3 A/m,
N = 64 … 1024, a random unit m. For each term and N: ``setup`` once (timed), one
warm-up call, then the median of ``--repeats`` timings of a batch of ``add_field``
calls (batch sized to ~0.3 s), reported as N² / (seconds per call). Also timed:
each term with one thread (``threads=1``) and, where offered, float32.

The reference figures (whole-solver evaluations including exchange, LLG and Heun)
are OOMMF 2.1 with two threads: 6.3 / 10.6 / 12.9 / 14.1 / 12.4 million per second
for N = 64 … 1024 on this kind of 2-core machine. A field term alone must be well
above those for the solver to reach them.

With ``--profile N`` a cProfile of that size's demag evaluation (and the time per
stage of the demag pipeline) goes into the results.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from orchestrator.solver.mesh import Mesh  # noqa: E402
from orchestrator.solver.terms.demag import Demag  # noqa: E402
from machine import machine_info as _machine_info  # benchmarks/machine.py

SIZES = (64, 128, 256, 512, 1024)
CELL = 4e-9
MS = 800e3
OOMMF_2T = {64: 6.3, 128: 10.6, 256: 12.9, 512: 14.1, 1024: 12.4}  # M cell-evals/s

#: name -> (constructor keyword sets to time, label)
VARIANTS = {
    "Demag": [({}, "default threads"), ({"threads": 1}, "1 thread"),
              ({"dtype": np.float32}, "float32, default threads")],
}
MAKERS = {"Demag": Demag}


def machine_info() -> dict:
    return _machine_info(("numpy", "scipy"))

def bench_term(name: str, kw: dict, N: int, repeats: int) -> dict:
    mesh = Mesh(n=(N, N, 1), cell=(CELL, CELL, CELL), Ms=MS)
    m = np.random.default_rng(0).normal(size=mesh.shape + (3,))
    m /= np.linalg.norm(m, axis=-1, keepdims=True)
    out = np.zeros_like(m)
    t0 = time.perf_counter()
    term = MAKERS[name](**kw)
    term.setup(mesh)
    setup_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    term.add_field(m, 0.0, out)
    first = time.perf_counter() - t0
    batch = max(1, int(0.3 / max(first, 1e-6)))
    samples = []
    cpu = []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(batch):
            term.add_field(m, 0.0, out)
        samples.append((time.perf_counter() - t0) / batch)
        cpu.append((time.process_time() - c0) / batch)
    med = statistics.median(samples)
    return {
        "term": name, "options": {k: str(v) for k, v in kw.items()}, "N": N,
        "threads": getattr(term, "_nthreads", 1), "setup_s": setup_s, "batch": batch,
        "samples_s": samples, "median_s": med, "min_s": min(samples),
        "process_cpu_median_s": statistics.median(cpu),
        "mcells_per_s": N * N / med / 1e6, "mcells_per_s_best": N * N / min(samples) / 1e6,
    }


def demag_stages(N: int, repeats: int = 5) -> dict:
    """Seconds per call of the three stages of the demag pipeline (one thread)."""
    mesh = Mesh(n=(N, N, 1), cell=(CELL, CELL, CELL), Ms=MS)
    m = np.random.default_rng(0).normal(size=mesh.shape + (3,))
    out = np.zeros_like(m)
    d = Demag(threads=1)
    d.setup(mesh)
    buf = d._local[0]
    stages = {
        "1 rows: M = Ms m, real FFT along x": lambda: d._stage1(d._row_blocks, buf, m),
        "2 columns: FFT along y, kernel product, inverse FFT": lambda: d._stage2(
            d._col_items, buf),
        "3 rows: inverse real FFT along x, add into out": lambda: d._stage3(
            d._row_blocks, buf, out),
    }
    res = {}
    for label, fn in stages.items():
        fn()
        best = []
        n = max(1, int(0.2 / max(1e-6, _one(fn))))
        for _ in range(repeats):
            t0 = time.thread_time()
            for _ in range(n):
                fn()
            best.append((time.thread_time() - t0) / n)
        res[label] = min(best)
    return res


def _one(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def profile_demag(N: int) -> str:
    mesh = Mesh(n=(N, N, 1), cell=(CELL, CELL, CELL), Ms=MS)
    m = np.random.default_rng(0).normal(size=mesh.shape + (3,))
    out = np.zeros_like(m)
    d = Demag(threads=1)
    d.setup(mesh)
    d.add_field(m, 0.0, out)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(max(3, int(2e6 / N ** 2))):
        d.add_field(m, 0.0, out)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.strip_dirs().sort_stats("tottime").print_stats(15)
    text = buf.getvalue()
    start = text.find("   ncalls")
    return (f"Demag.add_field, {N} x {N} x 1, one thread: {stats.total_tt:.3f} s under "
            f"cProfile (sorted by internal time)\n" + text[start:].rstrip())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/solver_fields.md")
    ap.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--profile", type=int, nargs="*", default=[256, 1024])
    args = ap.parse_args(argv)

    t_start = time.perf_counter()
    info = machine_info()
    rows = []
    for name, variants in VARIANTS.items():
        for N in args.sizes:
            for kw, label in variants:
                r = bench_term(name, kw, N, args.repeats)
                r["label"] = label
                rows.append(r)
                print(f"{name:6s} N={N:5d} {label:26s} threads={r['threads']} "
                      f"{r['median_s'] * 1e3:9.3f} ms  {r['mcells_per_s']:7.2f} M cells/s "
                      f"(best {r['mcells_per_s_best']:.2f}; setup {r['setup_s']:.2f} s)",
                      flush=True)
    stages = {N: demag_stages(N) for N in args.profile}
    profiles = [profile_demag(N) for N in args.profile]

    lines = [
        "# Solver field-term benchmark",
        "",
        f"Generated by `benchmarks/bench_solver_fields.py` on {info['date']} (git "
        f"{info['git_commit']}); total run time {time.perf_counter() - t_start:.1f} s.",
        "",
        "Mesh: N × N × 1 cubic cells of 4 nm, Ms = 800e3 A/m (mumax3's `bench.mx3`), random "
        "unit m. Figure: N² / (wall seconds per `add_field`), in millions of cell-field "
        "evaluations per second, median of the repeats (best in brackets). OOMMF's figure "
        "is for its whole solver step (all terms, LLG, rk2heun) with two threads.",
        "",
        "## Machine",
        "",
        "| | |", "|---|---|",
        f"| CPU | {info['cpu_model']} |",
        f"| cores | {info['cpu_count']} ({info['cpu_usable']} usable) |",
        f"| load average at start | {', '.join(map(str, info['load_average_at_start']))} |",
        f"| platform | {info['platform']} |",
        f"| python / numpy / scipy | {info['python']} / {info['numpy']} / {info['scipy']} |",
        "",
        "A load average above 0 means other processes shared the cores: the threaded "
        "figures then understate what two free cores give (compare the process CPU time).",
        "",
    ]
    for name, variants in VARIANTS.items():
        lines += [f"## {name}", "",
                  "| N | " + " | ".join(lbl for _, lbl in variants)
                  + " | OOMMF 2 threads (whole solver) | setup |",
                  "|---:|" + "---:|" * (len(variants) + 2)]
        for N in args.sizes:
            cells = []
            setup = ""
            for kw, label in variants:
                r = next(x for x in rows if x["term"] == name and x["N"] == N
                         and x["label"] == label)
                cells.append(f"{r['mcells_per_s']:.2f} ({r['mcells_per_s_best']:.2f})")
                if not kw:
                    setup = f"{r['setup_s']:.2f} s"
            lines.append(f"| {N} | " + " | ".join(cells) + f" | {OOMMF_2T.get(N, '')} | "
                         f"{setup} |")
        lines.append("")
    lines += ["## Where the demag time goes (one thread, thread CPU time per call)", "",
              "| N | stage | ms | share |", "|---:|---|---:|---:|"]
    for N, st in stages.items():
        tot = sum(st.values())
        for label, s in st.items():
            lines.append(f"| {N} | {label} | {s * 1e3:.3f} | {s / tot * 100:.0f} % |")
    lines += ["", "## Profiles", ""]
    for p in profiles:
        lines += ["```", p, "```", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    json_path = args.out.with_suffix(".json")
    json_path.write_text(json.dumps({"machine": info, "results": rows,
                                     "demag_stages_s": {str(k): v for k, v in stages.items()}},
                                    indent=1))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
