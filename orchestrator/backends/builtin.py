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

import functools
import hashlib
import json
import os
import time
from pathlib import Path
from typing import IO

import numpy as np

from analysis.atomic import atomic_open
from mmstudy.constants import GAMMA0
from mmstudy.layout import OUTPUT_DIR, POINT_FILE
from orchestrator.backends.base import Backend, SolverInfo
from orchestrator.backends.builtin_terms import TRANSLATORS, BuildContext, StageClock
from orchestrator.backends.builtin_resume import STUDY_FILE, Resume, copy_kept, find_resume
from orchestrator.backends.relaxed_store import RelaxedStore, relaxed_key
from orchestrator.solver.fd4 import MIN_OPEN
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.output import RunWriter, grid_time
from orchestrator.solver.simulation import Simulation
from orchestrator.solver.terms.base import FieldTerm
from orchestrator.study.initial import initial_m
from orchestrator.study.model import Evolve, Minimize, Relax, Study
from orchestrator.study.raster import Raster, rasterize
from orchestrator.study.sweep import study_data
from orchestrator.study.terms import DMITerm, field_term_names, terms

__all__ = ["BuiltinBackend", "build_simulation", "run_study_point", "StageClock"]

_RUN_PY = '''"""Rerun this point on mmstudy's built-in solver.

    python run.py          rerun into run.out/; an earlier run.out/ is first moved to
                           attempts/<n>/run.out/ (nothing is deleted)
    python run.py DIR      run into the fresh folder DIR instead (run.out/ is left alone)

The point's status.json is not changed: it describes the run `mmstudy run` made.
"""
import json
import os
import sys
from pathlib import Path

from orchestrator.backends.builtin import run_study_point
from orchestrator.study import validate_study

here = Path(__file__).resolve().parent
study = validate_study(json.loads((here / "builtin.json").read_text()), source=str(here))
if len(sys.argv) > 2:
    sys.exit("usage: python run.py [DIR]  (DIR: a fresh folder; default run.out/ here)")
if len(sys.argv) == 2:
    out = Path(sys.argv[1]).resolve()
    if out.exists() and any(out.iterdir()):
        sys.exit(f"{out} is not empty: name a fresh folder, or omit it to rerun into run.out/")
else:
    out = here / "run.out"
    if out.exists():
        attempts = here / "attempts"
        attempts.mkdir(exist_ok=True)
        n = 1 + max((int(p.name) for p in attempts.iterdir() if p.name.isdigit()), default=0)
        while True:  # mkdir is the arbiter, as for mmstudy run's own attempts
            try:
                (attempts / str(n)).mkdir()
                break
            except FileExistsError:
                n += 1
        os.replace(out, attempts / str(n) / "run.out")
        print(f"moved the earlier run.out/ to attempts/{n}/run.out/")
run_study_point(study, out, log=sys.stdout)
print(f"wrote {out}")
'''


class BuiltinBackend(Backend):
    """mmstudy's built-in finite-difference solver (always available)."""

    name = "builtin"
    translators = TRANSLATORS
    # γ0 is one number in the solver's LLG; 12ngbr needs uniform A and no vacuum, the
    # fourth-order DMI one D per class and no vacuum
    unsupported = frozenset({"gamma.regions", "exchange.12ngbr.regions",
                             "dmi.order4.regions"})
    capabilities = {"regions": "✓", "pbc": "✓", "gamma": "✗", "torques_together": "✓",
                    "thermal": "✓ heun, rk4", "term_fields": "✓"}
    notes = {"dmi.order4.regions": "the fourth-order DMI needs one uniform D per crystal class "
                                   "and no vacuum; use dmi_order = 2 for regions",
             "gamma.regions": "the built-in LLG takes one γ0 for the whole mesh",
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
        construction needs 1 or ≥ 5), a fourth-order DMI or Zhang–Li derivative on an
        open axis of 2–7 cells (the edge closures need 1 or ≥ 8), a fourth-order Zhang–Li
        torque on a mesh with vacuum, and saved fields that are not term names."""
        out = super().missing(study)
        nx_ny_nz = study.mesh.cells
        raster = None
        for name, spec in terms(study):
            if getattr(spec, "order", 2) != 4:
                continue
            is_dmi = isinstance(spec, DMITerm)
            feature = "dmi.order4" if is_dmi else "zhang_li.order4"
            where = "energy.dmi_order" if is_dmi else f"drives.{name}.order"
            if is_dmi:  # derivatives along x, y (Cnv_z, D2d_z) and z (T)
                axes = "xyz" if "T" in spec.classes else "xy"
            else:
                current = spec.j if spec.j is not None else spec.I
                axes = "".join(a for a, j in zip("xyz", list(current or ()) + [0.0] * 3) if j)
            short = [ax for ax, n in zip("xyz", nx_ny_nz) if ax in axes and
                     ax not in study.mesh.pbc and 2 <= n < MIN_OPEN]
            if short:
                out[feature] = (f"{where} (the open axis {', '.join(short)} has 2-"
                                f"{MIN_OPEN - 1} cells; the fourth-order edge closure needs 1 "
                                f"or at least {MIN_OPEN})")
            elif not is_dmi:
                raster = raster or rasterize(study)
                if raster.vacuum.any():
                    out[feature] = (f"{where} (the fourth-order Zhang–Li torque needs a fully "
                                    "magnetic mesh, no vacuum; use order = 2)")
        if study.energy.exchange_kernel == "12ngbr":
            short = [ax for ax, n in zip("xyz", nx_ny_nz) if ax not in study.mesh.pbc
                     and 2 <= n <= 4]
            if short:
                out["exchange.12ngbr"] = (f"energy.exchange_kernel (the open axis "
                                          f"{', '.join(short)} has 2-4 cells; the 12-neighbour "
                                          "kernel needs 1 or at least 5)")
        known = set(field_term_names(study))
        for k, st in enumerate(study.stages):
            unknown = sorted(set(getattr(st, "fields", ())) - {"m"} - known)
            if unknown:
                out["evolve.term_fields"] = (f"stages.{k}.fields ({', '.join(unknown)}: not a "
                                             f"term of this study; terms: "
                                             f"{', '.join(sorted(known)) or 'none'})")
        return out

    def render(self, study: Study, folder: Path) -> list[Path]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        spec = folder / STUDY_FILE
        with atomic_open(spec, "w", overwrite=True) as fh:
            json.dump(study_data(study), fh, indent=2)
            fh.write("\n")
        script = folder / "run.py"
        with atomic_open(script, "w", overwrite=True) as fh:
            fh.write(_RUN_PY)
        return [spec, script]

    def execute(self, study: Study, folder: Path, *, log: IO[str], threads: int | None = None,
                gpu: int | None = None) -> None:
        folder = Path(folder)
        code = f"builtin {_code_fingerprint()}"
        run_study_point(study, folder / OUTPUT_DIR, log=log, threads=threads,
                        relaxed=_store_of(folder), solver=code,
                        resume=find_resume(folder, study, code))


@functools.cache
def _code_fingerprint() -> str:
    """A hash of the built-in solver's sources (the solver package and this backend's
    modules): a shared relaxed state made by other code is not reused."""
    here = Path(__file__).resolve().parent
    files = sorted((here.parent / "solver").rglob("*.py")) + \
        sorted(here.glob("builtin*.py"))
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def _store_of(folder: Path) -> RelaxedStore | None:
    """The shared relaxed-state store a point folder's ``point.json`` names
    (``relaxed_store``, relative to the folder), if any."""
    try:
        where = json.loads((folder / POINT_FILE).read_text()).get("relaxed_store")
    except (OSError, ValueError, AttributeError):
        return None
    return RelaxedStore((folder / where).resolve()) if where else None


# --------------------------------------------------------------------------- building

def _mesh(study: Study, raster: Raster) -> Mesh:
    names = raster.names
    regions = np.where(raster.vacuum, len(names), raster.index)
    Ms = raster.per_cell({r: study.material(r).Ms for r in names})
    return Mesh(n=study.mesh.cells, cell=tuple(study.mesh.cell), pbc=study.mesh.pbc,
                pbc_repeats=study.mesh.pbc_repeats, regions=regions,
                region_names={r: i for i, r in enumerate(names)}, Ms=Ms)


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
    ctx = BuildContext(study=study, raster=raster, clock=clock, threads=threads)
    fields, torques = [], []
    for name, spec in terms(study, raster):   # one translator per term (builtin_terms.py)
        made = TRANSLATORS.translate(name, spec, ctx)
        (fields if isinstance(made, FieldTerm) else torques).append(made)
    alpha = {r: (m.alpha if m.alpha is not None else 0.5) for r, m in mats.items()}
    used = raster.used
    gamma0 = study.gamma0(used[0]) if used else GAMMA0  # one γ0: "gamma.regions" is refused
    seed = study.thermal.seed if study.thermal else None
    sim = Simulation(mesh, fields, alpha=alpha, gamma0=gamma0, torques=torques,
                     temperature=study.temperature or None, seed=seed)
    sim.set_m(initial_m(study, raster))
    return sim, clock


# --------------------------------------------------------------------------- running

def run_study_point(study: Study, out: str | os.PathLike, *, log: IO[str],
                    threads: int | None = None, representation: str = "bin4",
                    relaxed: RelaxedStore | None = None, solver: str = "builtin",
                    resume: Resume | None = None) -> Path:
    """Run every stage of ``study`` into the run folder ``out``.

    Parameters
    ----------
    relaxed : RelaxedStore, optional
        Where the first stage's relaxed state is shared with other points
        (:mod:`orchestrator.backends.relaxed_store`): loaded when a point with the same
        key relaxed before, else relaxed here and saved.
    solver : str
        The solver and version, part of the shared state's key (and ``code`` in
        ``run.json``: a run is resumed only by the same code).
    resume : Resume, optional
        An interrupted attempt to continue (:mod:`orchestrator.backends.builtin_resume`):
        its completed stages are copied, the stage it was in continues from its last
        snapshot.

    Returns
    -------
    pathlib.Path
        The run folder. Ctrl-C leaves it complete and readable (``run.json`` says
        ``interrupted``) and re-raises.
    """
    clock = StageClock(active=frozenset(study.drives))
    sim, clock = build_simulation(study, threads=threads, clock=clock)
    status = "finished"

    def say(text: str) -> None:
        log.write(f"[{time.strftime('%H:%M:%S')}] {text}\n")
        log.flush()

    first = 0
    if resume is None:
        writer = RunWriter(out, sim.mesh, sim._columns(), representation=representation,
                           meta={"study": study.name, "code": solver,
                                 "stages": [s.type for s in study.stages]})
    else:
        copy_kept(resume, out)
        meta = {**resume.meta, "resumed": [*resume.meta.get("resumed", []), {
            "from": str(resume.attempt), "stage": resume.stage, "t": resume.t}]}
        writer = RunWriter.reopen(out, sim.mesh, sim._columns(), counters={"m": resume.frames},
                                  rows=resume.rows, meta=meta, representation=representation)
        sim.set_m(resume.m)
        first = resume.stage
        sim.t = resume.t
        say(f"resumed {resume.attempt} at t = {resume.t:.6g} s in stage {first} "
            f"({resume.frames} snapshots and {resume.rows} table rows kept)")

    try:
        clock.active = frozenset(study.active_drives(first))  # the first row: as the stage starts
        for k, stage in enumerate(study.stages):
            if k < first:
                continue
            # run.json's stage_log: what each stage saved (the initial state in stage 0's),
            # from which open_run gives every frame its stage; times are written as
            # stage start + n × save_every (grid_time), so they are exact
            evolve = isinstance(stage, Evolve)
            start = sim.t if k != first or resume is None else _stage_start(resume, study)
            writer.begin_stage(stage.type, start,
                               save_every=stage.save_every if evolve else None,
                               table_every=(stage.table_every or stage.save_every) if evolve
                               else None,
                               since=resume.since if resume is not None and k == first
                               else None)
            if k == 0:
                writer.table_row(sim.t, sim._row(0.0))
                writer.save_field("m", sim.m, sim.t, unit="1")
            clock.start = start
            clock.active = frozenset(study.active_drives(k))
            label = stage.name or f"stage {k}"
            say(f"{label}: {stage.type} from t = {sim.t:.6g} s, drives "
                f"{sorted(clock.active) or 'none'}")
            t0 = time.perf_counter()
            if isinstance(stage, (Minimize, Relax)):
                key = relaxed_key(study, solver) if (k == 0 and relaxed) else None
                if key:
                    _relax_shared(sim, stage, relaxed, key, out, label, say)
                else:
                    _relax(sim, stage, label, say)
                writer.table_row(sim.t, sim._row(0.0))
                writer.save_field("m", sim.m, sim.t, unit="1")
            elif isinstance(stage, Evolve):
                sim.run(start + stage.duration - sim.t if k == first and resume is not None
                        else stage.duration, writer=writer, save_every=stage.save_every,
                        table_every=stage.table_every, integrator=stage.integrator,
                        dt=stage.dt, tol=stage.tolerance, fields=stage.fields, progress=False)
                say(f"{label}: evolved to t = {sim.t:.6g} s ({time.perf_counter() - t0:.1f} s)")
            writer.end_stage()
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BaseException:
        status = "failed"
        raise
    finally:
        writer.close(status)
    return writer.folder


def _stage_start(resume: Resume, study: Study) -> float:
    """The time the resumed stage began: where the last kept stage ended (its start plus
    its duration for an evolve stage; a minimise or relax stage takes no time)."""
    prev = resume.meta["stage_log"][-1]
    stage = study.stages[resume.stage - 1]
    return grid_time(prev["start"], 1, stage.duration) if isinstance(stage, Evolve) \
        else float(prev["start"])


def _relax(sim: Simulation, stage: Minimize | Relax, label: str, say):
    """Run a minimise or relax stage and log it; its result and seconds."""
    t0 = time.perf_counter()
    result = sim.minimize() if isinstance(stage, Minimize) else sim.relax()
    seconds = time.perf_counter() - t0
    say(f"{label}: {'converged' if result.converged else 'NOT converged'} after "
        f"{result.steps} steps, E = {sim.energy():.6e} J ({seconds:.1f} s)")
    return result, seconds


def _relax_shared(sim: Simulation, stage: Minimize | Relax, store: RelaxedStore, key: str,
                  out, label: str, say) -> None:
    """The first stage through the shared store: load the state another point relaxed
    with the same key, or relax (holding the key, so that others wait) and save it."""
    if store.unconverged(key):  # relaxing under the lock would make the others wait
        _relax(sim, stage, label, say)
        return
    with store.claim(key):
        hit = store.load(key, sim.m.shape)
        if hit is not None:
            sim.set_m(hit.m)
            say(f"{label}: the relaxed state {key} of {hit.meta.get('point', '?')} "
                f"({hit.meta.get('steps', '?')} steps there), from {store.root}; "
                f"E = {sim.energy():.6e} J")
            return
        result, seconds = _relax(sim, stage, label, say)
        meta = {"point": str(Path(out).resolve().parent), "steps": result.steps,
                "stage": stage.type, "energy_J": sim.energy(), "seconds": round(seconds, 3),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        if not result.converged:
            store.mark_unconverged(key, meta)
        elif store.save(key, sim.m, meta):
            say(f"{label}: saved as the relaxed state {key} in {store.root}")
