"""Study files and backends shared by the dispatch tests.

The studies are tiny on purpose (16 × 16 × 1 cells, a minimisation and a few ps of
SOT-driven motion on the built-in solver): each point runs in well under a second, so
the tests measure the dispatcher, not the solver.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from orchestrator.backends.builtin import BuiltinBackend

HERE = Path(__file__).resolve().parent

BASE = """\
name = "{name}"
[mesh]
n = [16, 16, 1]
cell = ["1 nm", "1 nm", "1 nm"]
pbc = "xy"
[materials.default]
Ms = "580 kA/m"
A = "15 pJ/m"
dmi = {{ D = "3.5 mJ/m^2", class = "Cnv_z" }}
K = "0.8 MJ/m^3"
K_axis = [0, 0, 1]
alpha = 0.3
{initial}
[drives.sot]
type = "sot"
j = "2 MA/cm^2"
theta_SH = 1.0
p = [0, -1, 0]
thickness = "1 nm"
[[stages]]
type = "minimize"
drives = []
[[stages]]
type = "evolve"
duration = "{duration}"
save_every = "10 ps"
{extra}
"""

SKYRMION = """\
[initial]
type = "skyrmions"
skyrmions = [{ centre = ["8 nm", "8 nm"], radius = "4 nm", helicity = "180 deg" }]
"""

GRID = """\
[sweep]
mode = "grid"
[sweep.parameters.j]
values = ["1 MA/cm^2", "2 MA/cm^2"]
set = "drives.sot.j"
[sweep.parameters.D]
values = ["3.6 mJ/m^2", "3.8 mJ/m^2"]   # below D_c = 4 sqrt(AK)/pi = 4.4 mJ/m^2
set = "materials.default.dmi.0.D"
"""

# three zipped points, the third identical to the first (run once)
ZIP_DUPLICATE = """\
[sweep]
mode = "zip"
[sweep.parameters.j]
values = ["1 MA/cm^2", "2 MA/cm^2", "1 MA/cm^2"]
set = "drives.sot.j"
[sweep.parameters.theta]
values = [0, 90, 0]
unit = "deg"
[sweep.derived]
"drives.sot.p_angle" = "theta - pi/2"
"""


def write_study(folder: Path, *, name: str = "tiny", extra: str = GRID,
                initial: str = SKYRMION, duration: str = "20 ps") -> Path:
    """A study file ``folder/<name>.toml``."""
    text = BASE.format(name=name, initial=initial, duration=duration, extra=extra)
    if "p_angle" in extra:  # the sweep gives the polarisation as an angle
        text = text.replace("p = [0, -1, 0]\n", 'p_angle = "270 deg"\n')
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def read(path: Path):
    return json.loads(Path(path).read_text())


def point_folders(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and (p / "point.json").is_file())


def wait_for(predicate, timeout: float = 60.0, every: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(every)
    return False


def worker_env() -> dict[str, str]:
    """The environment for workers that import the backends below."""
    path = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": f"{HERE}{os.pathsep}{path}" if path else str(HERE)}


class FlakyBackend(BuiltinBackend):
    """The built-in solver, failing once while ``<out>/fail-once`` exists (a transient
    solver failure: a lost licence, a busy GPU); the marker is removed as it fails."""

    name = "flaky"

    def execute(self, study, folder, *, log, threads=None, gpu=None):
        marker = Path(folder).parent / "fail-once"
        if marker.exists():
            marker.unlink()
            raise RuntimeError("simulated transient solver failure")
        super().execute(study, folder, log=log, threads=threads, gpu=gpu)


class CrashBackend(BuiltinBackend):
    """Dies the hard way (like a segfault): no exception, no status written."""

    name = "crash"

    def execute(self, study, folder, *, log, threads=None, gpu=None):
        log.write("about to crash\n")
        log.flush()
        os._exit(3)


class SlowBackend(BuiltinBackend):
    """The built-in solver, waiting (up to a minute) for ``<out>/release`` first."""

    name = "slow"

    def execute(self, study, folder, *, log, threads=None, gpu=None):
        release = Path(folder).parent / "release"
        log.write("waiting for release\n")
        log.flush()
        wait_for(release.exists, timeout=60)
        super().execute(study, folder, log=log, threads=threads, gpu=gpu)


def run_point_elsewhere(folder: str) -> None:
    """Run a point in a process started like a Dask worker (multiprocessing spawn: its
    command line is ``python -c 'from multiprocessing.spawn import ...'``)."""
    from orchestrator.dispatch.worker import run_point

    run_point(folder)
