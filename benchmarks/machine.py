"""What every benchmark records about where and when it ran, and how it profiles (one place)."""

from __future__ import annotations

import cProfile
import datetime as _dt
import importlib
import io
import json
import os
import pstats
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _git_commit() -> str:
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return commit + (" (+ uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_info(packages: Sequence[str] = ("numpy", "scipy")) -> dict:
    """Date, CPU, cores usable, load, platform, Python, package versions and git commit."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        load = [float("nan")] * 3
    info = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_usable": usable,
        "load_average_at_start": load,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    for name in packages:
        try:
            info[name] = importlib.import_module(name).__version__
        except ImportError:
            info[name] = "not installed"
    info["git_commit"] = _git_commit()
    return info


def profile_top(fn, label: str, lines: int = 20, sort: str = "tottime") -> str:
    """Run ``fn`` under cProfile; return a labelled table of its top ``lines`` functions."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.strip_dirs().sort_stats(sort).print_stats(lines)
    text = buf.getvalue()
    start = text.find("   ncalls")  # drop pstats' preamble about ordering
    body = text[start:] if start >= 0 else text
    return f"{label}: {stats.total_tt:.4f} s under cProfile (sorted by {sort})\n" + body.rstrip()


def write_results(out_md: Path | str, md: str, data: dict) -> None:
    """Write a benchmark's Markdown to ``out_md`` and ``data`` as JSON beside it
    (same name, ``.json``), and print the Markdown."""
    out_md = Path(out_md)
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_md.write_text(md, encoding="utf-8")
    out_md.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(md)
