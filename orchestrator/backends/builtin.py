"""The ``builtin`` backend: a study point on mmstudy's own solver (:mod:`orchestrator.solver`).

The point's study is turned into a :class:`~orchestrator.solver.mesh.Mesh` (regions
from :func:`orchestrator.study.raster.rasterize`, vacuum as Ms = 0), field terms,
torques and a :class:`~orchestrator.solver.simulation.Simulation`, and the stages run
in order into one mumax3-style run folder ``run.out/`` (m after each minimise/relax
stage, snapshots and table rows during evolution, times continuing across stages).

Drives carry their time profile (:mod:`orchestrator.study.profiles`) as a function of
the stage time, and are switched off in stages that do not list them. Term names
(for ``Evolve.fields`` and the table's ``E_<name>`` columns): ``exch``, ``DMI``,
``anis``, ``Demag``, and each drive's own name.

"Rendering" writes ``builtin.json`` (the point's study: for this solver the study *is*
the script) and ``run.py``, which reruns the point by hand: ``python run.py``.

Examples
--------
>>> import tempfile, pathlib, io
>>> from orchestrator.study import validate_study
>>> study = validate_study({
...     "name": "demo", "mesh": {"n": [24, 24, 1], "cell": [1e-9] * 3, "pbc": "xy"},
...     "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "K": 8e5, "K_axis": [0, 0, 1],
...                               "dmi": {"D": 3.7e-3, "class": "Cnv_z"}, "alpha": 0.3}},
...     "initial": {"type": "skyrmions", "skyrmions": [{"centre": [12e-9, 12e-9],
...                                                     "radius": 4e-9, "helicity": 3.14159}]},
...     "stages": [{"type": "minimize"}]})
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> backend = BuiltinBackend()
>>> _ = backend.render(study, folder)
>>> backend.execute(study, folder, log=io.StringIO())
>>> import analysis
>>> ds = analysis.open_run(folder / "run.out")
>>> ds.attrs["pbc"], bool(ds.m.isel(t=-1, z=0, y=12, x=12, c=2) < -0.9)
('xy', True)
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np

from analysis.atomic import atomic_open
from orchestrator.backends.base import OUTPUT_DIR, Backend, SolverInfo
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.output import RunWriter
from orchestrator.solver.simulation import Simulation
from orchestrator.solver.terms.anisotropy import UniaxialAnisotropy
from orchestrator.solver.terms.demag import Demag
from orchestrator.solver.terms.dmi import DMI
from orchestrator.solver.terms.exchange import Exchange
from orchestrator.solver.terms.zeeman import Zeeman
from orchestrator.solver.torques.sot import SpinOrbitTorque
from orchestrator.solver.torques.zhangli import ZhangLi
from orchestrator.study.features import FEATURES
from orchestrator.study.initial import initial_m
from orchestrator.study.model import (GAMMA0, AnisotropyDrive, Evolve, FieldDrive, Minimize,
                                      Relax, SOTDrive, Study, ZhangLiDrive)
from orchestrator.study.profiles import envelope_function
from orchestrator.study.raster import Raster, rasterize
from orchestrator.study.sweep import study_data

__all__ = ["BuiltinBackend", "build_simulation", "run_study_point"]

_RUN_PY = '''"""Rerun this point on mmstudy's built-in solver: python run.py (writes run.out/)."""
import sys
from pathlib import Path

from orchestrator.backends.builtin import BuiltinBackend
from orchestrator.study import validate_study
import json

here = Path(__file__).resolve().parent
study = validate_study(json.loads((here / "builtin.json").read_text()), source=str(here))
BuiltinBackend().execute(study, here, log=sys.stdout)
'''


@dataclasses.dataclass
class StageClock:
    """The current stage's start time and active drives (read by the drives' profiles)."""

    start: float = 0.0
    active: frozenset[str] = frozenset()
    #: drives that act in every stage (their constant profiles need no function of t)
    everywhere: frozenset[str] = frozenset()

    def always_on(self, name: str) -> bool:
        return name in self.everywhere


class BuiltinBackend(Backend):
    """mmstudy's built-in finite-difference solver (always available)."""

    name = "builtin"
    # γ0 is one number in the solver's LLG; 12ngbr needs uniform A and no vacuum
    features = FEATURES - {"gamma.regions", "exchange.12ngbr.regions"}
    notes = {"gamma.regions": "the built-in LLG takes one γ0 for the whole mesh",
             "exchange.12ngbr.regions": "the 12-neighbour kernel needs uniform A and Ms "
                                        "and no vacuum (as OOMMF's)"}

    def find(self) -> SolverInfo:
        from importlib.metadata import PackageNotFoundError, version

        try:
            ver = version("mmstudy")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            ver = ""
        return SolverInfo(self.name, True, "in-process (orchestrator.solver: numpy, scipy, numba)",
                          ver)

    def missing(self, study: Study) -> dict[str, str]:
        """As :meth:`Backend.missing`, plus what the solver would only find out when the
        stage starts: a 12-neighbour kernel on an open axis of 2–4 cells (OOMMF's
        construction needs 1 or ≥ 5), and saved fields that are not term names."""
        out = super().missing(study)
        nx_ny_nz = study.mesh.cells
        if study.energy.exchange_kernel == "12ngbr":
            short = [ax for ax, n in zip("xyz", nx_ny_nz) if ax not in study.mesh.pbc
                     and 2 <= n <= 4]
            if short:
                out["exchange.12ngbr"] = (f"energy.exchange_kernel (the open axis "
                                          f"{', '.join(short)} has 2-4 cells; the 12-neighbour "
                                          "kernel needs 1 or at least 5)")
        terms = term_names(study)
        for k, st in enumerate(study.stages):
            unknown = sorted(set(getattr(st, "fields", ())) - {"m"} - terms)
            if unknown:
                out["evolve.term_fields"] = (f"stages.{k}.fields ({', '.join(unknown)}: not a "
                                             f"term of this study; terms: "
                                             f"{', '.join(sorted(terms)) or 'none'})")
        return out

    def render(self, study: Study, folder: Path) -> list[Path]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        spec = folder / "builtin.json"
        with atomic_open(spec, "w", overwrite=True) as fh:
            json.dump(study_data(study), fh, indent=2)
            fh.write("\n")
        script = folder / "run.py"
        with atomic_open(script, "w", overwrite=True) as fh:
            fh.write(_RUN_PY)
        return [spec, script]

    def execute(self, study: Study, folder: Path, *, log: IO[str], threads: int | None = None,
                gpu: int | None = None) -> None:
        run_study_point(study, Path(folder) / OUTPUT_DIR, log=log, threads=threads)


# --------------------------------------------------------------------------- building

def term_names(study: Study) -> set[str]:
    """The names of ``study``'s field terms on this backend (``Evolve.fields`` entries)."""
    mats = [study.material(r) for r in rasterize(study).used]
    names = {"exch"} if any(m.A for m in mats) else set()
    if any(d.D for m in mats for d in (m.dmi or [])):
        names.add("DMI")
    if any(m.K for m in mats):
        names.add("anis")
    if study.energy.demag:
        names.add("Demag")
    return names | {n for n, d in study.drives.items()
                    if isinstance(d, (FieldDrive, AnisotropyDrive))}


def _mesh(study: Study, raster: Raster) -> Mesh:
    names = raster.names
    regions = np.where(raster.vacuum, len(names), raster.index)
    Ms = raster.per_cell({r: study.material(r).Ms for r in names})
    return Mesh(n=study.mesh.cells, cell=tuple(study.mesh.cell), pbc=study.mesh.pbc,
                pbc_repeats=study.mesh.pbc_repeats, regions=regions,
                region_names={r: i for i, r in enumerate(names)}, Ms=Ms)


def _profile(name: str, drive, clock: StageClock) -> Callable[[float], float] | None:
    """The drive's factor at solver time t (None when it is constant and always on)."""
    f = envelope_function(drive.envelope)
    if not drive.time_dependent and clock.always_on(name):
        return None

    def factor(t: float) -> float:
        if name not in clock.active:
            return 0.0
        return f(t - clock.start)

    return factor


def build_simulation(study: Study, *, threads: int | None = None,
                     clock: StageClock | None = None) -> tuple[Simulation, StageClock]:
    """A :class:`Simulation` of ``study`` in its initial state, and the clock that its
    drives read (set ``clock.start``/``clock.active`` at each stage).

    Examples
    --------
    >>> from orchestrator.study import validate_study
    >>> s = validate_study({"name": "x", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
    ...     "materials": {"default": {"Ms": 8e5, "A": 1.3e-11, "alpha": 0.5}},
    ...     "drives": {"h": {"type": "field", "H": [0, 0, "10 mT"]}},
    ...     "stages": [{"type": "minimize"}]})
    >>> sim, clock = build_simulation(s)
    >>> [t.name for t in sim.terms]
    ['exch', 'h']
    """
    raster = rasterize(study)
    mesh = _mesh(study, raster)
    names = raster.names
    mats = {r: study.material(r) for r in names}
    clock = clock or StageClock(active=frozenset(study.drives))
    clock.everywhere = frozenset(d for d in study.drives
                                 if all(d in study.active_drives(k)
                                        for k in range(len(study.stages))))
    terms = []
    A = {r: m.A for r, m in mats.items() if m.A}
    if A:
        if study.energy.exchange_kernel == "12ngbr":
            terms.append(Exchange(next(iter(A.values())), kernel="12ngbr"))
        else:
            terms.append(Exchange(A, workers=threads or 1))
    dmi = [(r, d.D, d.crystal_class) for r, m in mats.items() for d in (m.dmi or []) if d.D]
    if dmi:
        terms.append(DMI(dmi, interface=study.energy.dmi_interface))
    K = {r: m.K for r, m in mats.items() if m.K}
    if K:
        axis = {r: (mats[r].K_axis or [0.0, 0.0, 1.0]) for r in names}
        terms.append(UniaxialAnisotropy(K, axis, regions=list(K)))
    if study.energy.demag:
        terms.append(Demag(threads=threads))
    torques = []
    for name, d in study.drives.items():
        f = _profile(name, d, clock)
        if isinstance(d, FieldDrive):
            H = np.asarray(d.H, float)
            value = H if f is None else (lambda t, H=H, f=f: H * f(t))
            terms.append(Zeeman(value, regions=d.regions, name=name))
        elif isinstance(d, AnisotropyDrive):
            K1 = d.K if f is None else (lambda t, K=d.K, f=f: K * f(t))
            terms.append(UniaxialAnisotropy(K1, d.axis, regions=d.regions, name=name,
                                            energy_offset=False))
        elif isinstance(d, ZhangLiDrive):
            torques.append(ZhangLi(j=list(d.j), P=d.P, xi=d.xi, amplitude=f))
        elif isinstance(d, SOTDrive):
            j = d.j if f is None else (lambda t, j=d.j, f=f: j * f(t))
            torques.append(SpinOrbitTorque(p=d.direction, j=j, theta_SH=d.theta_SH,
                                           thickness=d.thickness, field_like=d.field_like))
    alpha = {r: (m.alpha if m.alpha is not None else 0.5) for r, m in mats.items()}
    used = raster.used
    gamma0 = study.gamma0(used[0]) if used else GAMMA0  # one γ0: "gamma.regions" is refused
    seed = study.thermal.seed if study.thermal else None
    sim = Simulation(mesh, terms, alpha=alpha, gamma0=gamma0, torques=torques,
                     temperature=study.temperature or None, seed=seed)
    sim.set_m(initial_m(study, raster))
    return sim, clock


# --------------------------------------------------------------------------- running

def run_study_point(study: Study, out: str | os.PathLike, *, log: IO[str],
                    threads: int | None = None, representation: str = "bin4") -> Path:
    """Run every stage of ``study`` into the run folder ``out``.

    Returns
    -------
    pathlib.Path
        The run folder. Ctrl-C leaves it complete and readable (``run.json`` says
        ``interrupted``) and re-raises.
    """
    clock = StageClock(active=frozenset(study.drives))
    sim, clock = build_simulation(study, threads=threads, clock=clock)
    writer = RunWriter(out, sim.mesh, sim._columns(), representation=representation,
                       meta={"study": study.name, "stages": [s.type for s in study.stages]})
    status = "finished"

    def say(text: str) -> None:
        log.write(f"[{time.strftime('%H:%M:%S')}] {text}\n")
        log.flush()

    try:
        clock.active = frozenset(study.active_drives(0))  # the initial row: as stage 0 starts
        writer.table_row(sim.t, sim._row(0.0))
        writer.save_field("m", sim.m, sim.t, unit="1")
        for k, stage in enumerate(study.stages):
            clock.start = sim.t
            clock.active = frozenset(study.active_drives(k))
            label = stage.name or f"stage {k}"
            say(f"{label}: {stage.type} from t = {sim.t:.6g} s, drives "
                f"{sorted(clock.active) or 'none'}")
            t0 = time.perf_counter()
            if isinstance(stage, (Minimize, Relax)):
                result = sim.minimize() if isinstance(stage, Minimize) else sim.relax()
                writer.table_row(sim.t, sim._row(0.0))
                writer.save_field("m", sim.m, sim.t, unit="1")
                say(f"{label}: {'converged' if result.converged else 'NOT converged'} after "
                    f"{result.steps} steps, E = {sim.energy():.6e} J "
                    f"({time.perf_counter() - t0:.1f} s)")
            elif isinstance(stage, Evolve):
                sim.run(stage.duration, writer=writer, save_every=stage.save_every,
                        table_every=stage.table_every, integrator=stage.integrator,
                        dt=stage.dt, tol=stage.tolerance, fields=stage.fields, progress=False)
                say(f"{label}: evolved to t = {sim.t:.6g} s ({time.perf_counter() - t0:.1f} s)")
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BaseException:
        status = "failed"
        raise
    finally:
        writer.close(status)
    return writer.folder
