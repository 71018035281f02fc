r"""The ``oommf`` backend: a study point as OOMMF MIF files, run with ``boxsi``.

Each stage of the study is its own MIF file, ``stage<k>.mif`` with OOMMF basename
``stage<k>_<type>`` (``stage0_minimize``, ``stage1_evolve`` ...). The model is built
with micromagneticmodel and the MIF text comes from oommfc's script functions
(``oommfc.scripts.mesh_script``, ``energy_script``, ``driver_script``) wherever
ubermag has the feature; what it cannot say is added in
:mod:`orchestrator.backends.mif_patches` (region raster, initial state, Ms, 12-neighbour
kernel, stage times, output schedule, Tcl time profiles). Each physics term
(:mod:`orchestrator.study.terms`) has one translator in
:mod:`orchestrator.backends.oommf_terms`, with its OOMMF mapping; this module assembles
the stages' MIF files from them, says what OOMMF refuses, and runs ``boxsi``.

Files in the point folder (``render``)
--------------------------------------
``m0.ovf``        the study's initial state (:func:`orchestrator.study.initial.initial_m`)
``regions.txt``   the region raster (:func:`orchestrator.study.raster.rasterize`), read by
                  an ``Oxs_ScriptAtlas`` cell by cell: OOMMF's regions are exactly the
                  study's (one full region uses oommfc's ``Oxs_BoxAtlas`` instead)
``stage<k>.mif``  one MIF per stage; stage k > 0 starts from the last magnetisation of
                  stage k − 1, passed as ``boxsi -parameters "m0_file <file>"``

Output (``execute``) goes to ``run.out/``: ``stage<k>_<type>.odt`` (a row at the end of
every driver stage) and ``stage<k>_<type>-Oxs_*Driver-Magnetization-*.omf``, plus the
initial state (iteration 0) of stage 0; ``run.json`` (the periodic axes, which OVF does
not record) and ``boxsi.log``. :func:`analysis.open_run` combines the stages in
order (``analysis.time_axis``): evolve stages advance the clock, minimise and relax stages
take no time (as mumax3's ``minimize()``/``relax()`` and the built-in solver), so ``t``
is the same on every backend.

Mapping (OOMMF conventions from its source, ``app/oxs``; ubermag names in brackets)
-----------------------------------------------------------------------------------
===============  ==============================================================================
mesh             ``Oxs_RectangularMesh``, ``Oxs_PeriodicRectangularMesh`` for ``mesh.pbc``
Ms               per region (vacuum 0), ``Oxs_AtlasScalarField``
terms            exchange, DMI, anisotropy, demag, field and anisotropy drives, Zhang–Li
                 and SOT: :mod:`orchestrator.backends.oommf_terms`
dynamics         ``gamma_G`` = γ0 (m/(A s)), ``alpha`` per region; relax: ``do_precess 0``
spin torque      ``Anv_SpinTEvolve_3d`` (Zhang–Li) or ``Oxs_SpinXferEvolve`` (SOT) as the
                 evolver
thermal          ``Xf_ThermHeunEvolve`` / ``Xf_ThermSpinXferEvolve`` (rk2heun, fixed step
                 dt; ⟨h²⟩ = 2αk_BT/(γ0 μ0 Ms V dt), the built-in solver's); stage k of a
                 study with ``thermal.seed`` s runs ``RandomSeed s + k`` (same seed, same
                 noise on OOMMF; not the built-in solver's noise)
minimise         ``Oxs_MinDriver`` + ``Oxs_CGEvolve``, ``stopping_mxHxm`` 0.01 A/m
relax            ``Oxs_TimeDriver``, precession off, ``stopping_dm_dt`` 0.01 deg/ns
evolve           ``Oxs_TimeDriver``; rk45: ``rkf54`` with ``absolute_step_error`` = tolerance
                 (in degrees); heun / rk4: ``rk2heun`` / ``rk4`` with the fixed step dt
===============  ==============================================================================

Drives follow their stage-time profile during evolve stages. Minimise and relax stages
hold the time at the stage start, as the built-in solver does: their drives take the
value of their profile at t = 0.

What OOMMF cannot do is refused before anything runs (:meth:`OOMMFBackend.missing`):
OOMMF's spin-torque and thermal evolvers (``Oxs_SpinXferEvolve``,
``Anv_SpinTEvolve_3d``, ``Xf_Therm*``) refuse periodic meshes ("Import mesh ... is not an
Oxs_RectangularMesh object"); its 12-neighbour kernels refuse non-uniform A (they are
``Oxs_UniformExchange`` kernels) and, except ``12ngbrmirror``, periodic meshes; its
periodic demag takes one periodic axis; ``Oxs_UniaxialAnisotropy`` cannot change in
time; one spin-torque evolver acts per run (one SOT drive, or one Zhang–Li drive);
``Anv_SpinTEvolve_3d`` has no Heun step and its rk2/rk4 steps stop OOMMF 2.1a0 ("max
spin angle set to two different values"), so Zhang–Li runs use rkf54 (rk45, with dt for
a fixed step); OOMMF's thermal evolvers step with rk2heun only.

Known differences from the built-in solver (checked against it with OOMMF 2.1a0 in
``tests/backends/test_oommf_runs.py``): per-term fields agree to ~1e-16; at free edges
``Anv_SpinTEvolve_3d`` takes the one-sided difference (m₁ − m₀)/Δ for (u·∇)m where the
built-in solver mirrors, (m₁ − m₀)/(2Δ); time-dependent fields report ∂H/∂t = 0 to
OOMMF (only its ``dE/dt`` column and energy check use it; the check is switched off);
the thermal noise is OOMMF's own (same seed, same run on OOMMF only).

Running: ``tclsh $OOMMFTCL boxsi +fg stage<k>.mif -threads N -kill all -outdir run.out``
(or the ``oommf`` command on PATH), in the point folder. Each run gets its own OOMMF
host server: ``OOMMF_HOSTPORT`` is set to a free TCP port, so boxsi starts a private
host and account server there, and ``-kill all`` (which then only reaches this run's
applications) leaves nothing behind; parallel runs never share one.

Examples
--------
>>> from orchestrator.study import validate_study
>>> s = validate_study({"name": "film", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
...     "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11,
...                               "dmi": {"D": 3.7e-3, "class": "Cnv_z"}}},
...     "stages": [{"type": "minimize"}]})
>>> mif = stage_mif(s, 0)
>>> "Specify Oxs_DMI_Cnv_z:DMI_Cnv_z {" in mif, "main main 0.0037" in mif
(True, True)
"""

from __future__ import annotations

import collections
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from typing import IO, Any

from analysis.atomic import atomic_open
from mmstudy.layout import OUTPUT_DIR, RUN_META
from orchestrator.backends import mif_patches as patches
from orchestrator.backends.base import Backend, SolverInfo, SolverNotFound
from orchestrator.backends.oommf_plan import OOMMFPlan, evolver_for
from orchestrator.backends.oommf_terms import (OOMMF_HBAR, OOMMF_QE, TRANSLATORS,  # noqa: F401
                                               OOMMFTerm, StageContext, exchange_kernel,
                                               sot_parameters, zhang_li_u)
from orchestrator.study.features import required_features
from orchestrator.study.initial import initial_m
from orchestrator.study.model import (AnisotropyDrive, Evolve, Minimize, Relax, SOTDrive,
                                      Study, ZhangLiDrive)
from orchestrator.study.terms import energy_terms, field_term_names

__all__ = ["OOMMFBackend", "stage_mif", "stage_basename", "sot_parameters", "zhang_li_u",
           "exchange_kernel", "MINIMIZE_MXHXM", "RELAX_DM_DT"]

#: Oxs_MinDriver stopping criterion, max |m × H × m| in A/m
MINIMIZE_MXHXM = 0.01
#: relax stages stop when max dm/dt falls below this (deg/ns)
RELAX_DM_DT = 0.01
ATLAS = "main_atlas"


def stage_basename(study: Study, k: int) -> str:
    """OOMMF basename of stage ``k``: ``stage<k>_<type>``."""
    return f"stage{k}_{study.stages[k].type}"


# --------------------------------------------------------------------------- terms

def _energy(plan: OOMMFPlan, k: int,
            frozen: bool) -> tuple[Any, dict[str, list[str]], bool, list[OOMMFTerm]]:
    """micromagneticmodel energy of stage ``k``, the OOMMF field outputs of each term
    (by mmstudy term name), whether a term depends on time, and the translated terms
    (for their ``patch`` of the energy script): the energy terms in spec order, then the
    field-like drives active in the stage, each through its translator
    (:mod:`orchestrator.backends.oommf_terms`)."""
    study = plan.study
    ctx = StageContext(plan, k, frozen)
    specs = [(spec.term_name, spec) for spec in energy_terms(study, plan.raster)]
    specs += [(n, d) for n, d in study.active_drives(k).items() if d.has_field]
    terms: list[Any] = []
    fields: dict[str, list[str]] = {}
    made: list[OOMMFTerm] = []
    for name, spec in specs:
        term = TRANSLATORS.translate(name, spec, ctx)
        if not term.terms:  # a drive that is zero in this stage
            continue
        terms += term.terms
        fields[name] = term.fields
        made.append(term)
    energy = terms[0] if len(terms) == 1 else (sum(terms[1:], terms[0]) if terms else None)
    return energy, fields, any(t.time_dependent for t in made), made


def _dynamics(plan: OOMMFPlan, k: int, frozen: bool, precess: bool) -> tuple[Any, str | None]:
    """micromagneticmodel dynamics of stage ``k`` and its spin-torque kind (``"zhang_li"``,
    ``"sot"`` or None; the torque comes from its translator)."""
    import micromagneticmodel as mm

    study, mats = plan.study, plan.mats
    gamma = plan.per_region({r: study.gamma0(r) for r in mats}, 0.0)
    alpha = plan.per_region({r: m.alpha if m.alpha is not None else 0.0
                             for r, m in mats.items()}, 0.0)
    terms: list[Any] = [mm.Precession(gamma0=gamma)] if precess else []
    terms.append(mm.Damping(alpha=alpha))
    torque = None
    ctx = StageContext(plan, k, frozen)
    for name, d in study.active_torques(k).items():  # none in relax stages
        made = TRANSLATORS.translate(name, d, ctx)
        terms += made.terms
        torque = made.torque
    return sum(terms[1:], terms[0]), torque


# --------------------------------------------------------------------------- one stage

def stage_mif(study: Study, k: int, plan: OOMMFPlan | None = None) -> str:
    """The MIF text of stage ``k`` of ``study`` (files it reads: ``m0.ovf`` for stage 0,
    ``regions.txt`` when the study has several regions or vacuum)."""
    import micromagneticmodel as mm
    import oommfc as oc
    import discretisedfield as df

    plan = plan or OOMMFPlan(study)
    stage = study.stages[k]
    frozen = not isinstance(stage, Evolve)
    thermal = isinstance(stage, Evolve) and study.temperature > 0
    basename = stage_basename(study, k)
    system = mm.System(name=basename)
    energy, term_fields, time_dependent, made = _energy(plan, k, frozen)
    if energy is not None:
        system.energy = energy
    system.m = df.Field(plan.mesh, nvdim=3, value=(0.0, 0.0, 1.0))
    label = stage.name or f"stage {k}"
    comment = (f"mmstudy: study {study.name!r}, {label} ({stage.type}), OOMMF basename "
               f"{basename}.\nGenerated by orchestrator/backends/oommf.py; run from this folder:\n"
               f"  boxsi stage{k}.mif -outdir run.out"
               + ("" if k == 0 else f" -parameters \"{patches.M0_PARAMETER} <last "
                                    f"magnetisation of stage {k - 1}>\""))
    seed = ((study.thermal.seed if study.thermal else 0) + k) % 2 ** 31
    mif = patches.header(basename, comment, seed)

    mesh_text = oc.scripts.mesh_script(plan.mesh)
    if not plan.box_atlas:
        mesh_text = patches.replace_atlas(
            mesh_text, patches.region_atlas(ATLAS, plan.raster.names, study.mesh.cells,
                                            study.mesh.cell), ATLAS)
    mif += mesh_text
    energy_text = oc.scripts.energy_script(system) if energy is not None else ""
    for term in made:  # what oommfc cannot say about a term (the 12-neighbour kernel)
        if term.patch is not None:
            energy_text = term.patch(energy_text)
    mif += energy_text
    mif += patches.initial_state(k, stage_basename(study, k - 1) if k else None, ATLAS)
    Ms = plan.per_region({r: m.Ms or 0.0 for r, m in plan.mats.items()}, 0.0)
    if isinstance(Ms, dict):
        mif += oc.scripts.util.atlas_scalar_field(Ms, "Ms", ATLAS)
        Ms_ref = ":Ms"
    else:
        Ms_ref = repr(float(Ms))

    if isinstance(stage, Minimize):
        driver_name = "Oxs_MinDriver"
        driver_text = oc.scripts.driver_script(
            oc.MinDriver(stopping_mxHxm=MINIMIZE_MXHXM), system)
        mags_every, fields = 1, []
    else:
        dynamics, torque = _dynamics(plan, k, frozen, precess=not isinstance(stage, Relax))
        system.dynamics = dynamics
        if thermal:
            system.T = study.temperature
        evolver, extra = evolver_for(plan, k, torque, thermal, time_dependent)
        driver_name = "Oxs_TimeDriver"
        if isinstance(stage, Relax):
            driver = oc.TimeDriver(evolver=evolver, stopping_dm_dt=RELAX_DM_DT)
            driver_text = oc.scripts.driver_script(driver, system, t=0.0, n=1)
            mags_every, fields = 1, []
        else:
            step = stage.table_every or stage.save_every
            count, last = _stage_count(stage.duration, step)
            driver = oc.TimeDriver(evolver=evolver)
            driver_text = oc.scripts.driver_script(driver, system, t=step * count, n=count)
            driver_text = patches.stage_times(driver_text, step, count, last)
            mags_every = int(round(stage.save_every / step))
            fields = [out for f in stage.fields if f != "m" for out in term_fields[f]]
        if extra:
            driver_text = patches.evolver_options(driver_text, extra)
    driver_text = patches.ms_reference(driver_text, Ms_ref)
    driver_text = patches.outputs(driver_text, driver_name, mags_every=mags_every,
                                  initial=k == 0, fields=fields)
    return mif + driver_text


def _stage_count(duration: float, step: float) -> tuple[int, float | None]:
    """Whole driver stages of ``step`` in ``duration`` and the remainder (None if none)."""
    ratio = duration / step
    if abs(ratio - round(ratio)) <= 1e-9 * max(ratio, 1):
        return max(int(round(ratio)), 1), None
    count = int(math.floor(ratio))
    return count, duration - count * step


# --------------------------------------------------------------------------- backend

class OOMMFBackend(Backend):
    """OOMMF (NIST) through MIF files written with oommfc, run with ``boxsi``."""

    name = "oommf"
    translators = TRANSLATORS
    unsupported = frozenset({"dmi.order4", "zhang_li.order4",
                             "exchange.12ngbr.regions", "exchange.afm"})
    capabilities = {"regions": "✓ (script atlas)",
                    "pbc": "✓ (not with spin torques or temperature)", "gamma": "✓",
                    "torques_together": "✗", "thermal": "open meshes, heun only",
                    "term_fields": "✓"}
    notes = {
        "dmi.order4": "OOMMF's DMI extensions are second order",
        "exchange.afm": "no two-sublattice (checkerboard antiferromagnet) lattice mode",
        "zhang_li.order4": "Anv_SpinTEvolve differentiates to second order",
                "exchange.12ngbr.regions": "OOMMF's 12-neighbour kernels belong to Oxs_UniformExchange "
                                   "(uniform A, no vacuum)",
        "exchange.12ngbr.pbc": "on periodic meshes only 12ngbrmirror runs, equal to the "
                               "built-in kernel when every open axis has one cell",
        "demag.pbc": "OOMMF's periodic demag takes one periodic axis",
        "sot": "Oxs_SpinXferEvolve refuses periodic meshes; one SOT drive per stage",
        "zhang_li": "Anv_SpinTEvolve_3d refuses periodic meshes; one current per stage; "
                    "rk45 (rkf54) only",
        "thermal": "OOMMF's Heun thermal evolvers refuse periodic meshes",
        "thermal.torque": "Xf_ThermSpinXferEvolve does SOT; there is no thermal Zhang-Li evolver",
        "anisotropy_drive": "Oxs_UniaxialAnisotropy cannot change in time",
    }

    # ------------------------------------------------------------------ features
    def missing(self, study: Study) -> dict[str, str]:
        """As :meth:`Backend.missing` (terms without a translator, unsupported term
        variants), plus the combinations OOMMF refuses."""
        out = super().missing(study)
        need = required_features(study)
        mesh = study.mesh
        if "exchange.12ngbr" in need:
            kernel, why = exchange_kernel(study)
            if kernel is None:
                key = "exchange.12ngbr.pbc" if mesh.pbc else "exchange.12ngbr"
                out[key] = f"{need['exchange.12ngbr']} ({why})"
        if "demag.pbc" in need and len(mesh.pbc) > 1:
            out["demag.pbc"] = f"{need['demag.pbc']} (OOMMF's Oxs_Demag takes one periodic " \
                               f"axis, the mesh has {mesh.pbc!r})"
        for feature, evolver in (("sot", "Oxs_SpinXferEvolve"),
                                 ("zhang_li", "Anv_SpinTEvolve_3d"),
                                 ("thermal", "Xf_ThermHeunEvolve")):
            if feature in need and mesh.pbc:
                out[feature] = (f"{need[feature]} ({evolver} refuses periodic meshes: 'not an "
                                "Oxs_RectangularMesh object')")
        for k, st in enumerate(study.stages):
            active = study.active_drives(k)
            torques = study.active_torques(k)
            kinds = {type(d) for d in torques.values()}
            if len(torques) > 1:
                feat = "sot" if SOTDrive in kinds else "zhang_li"
                out[feat] = (f"drives.{', drives.'.join(torques)} (stage {k}: OOMMF runs one "
                             "spin-torque evolver with one current)")
            if not isinstance(st, Evolve):
                continue
            zl = [n for n, d in torques.items() if isinstance(d, ZhangLiDrive)]
            if zl and st.integrator != "rk45":
                out[f"integrator.{st.integrator}"] = (
                    f"stages.{k}.integrator (Anv_SpinTEvolve_3d, OOMMF's Zhang-Li evolver, has "
                    "no Heun step, and its rk2/rk4 steps stop OOMMF 2.1a0 with 'max spin angle "
                    "set to two different values': use rk45, with dt for a fixed step)")
            if study.temperature > 0:
                if zl:
                    out["thermal.torque"] = (f"drives.{zl[0]} (OOMMF has no thermal Zhang-Li "
                                             "evolver)")
                if st.integrator != "heun":
                    out[f"integrator.{st.integrator}"] = (
                        f"stages.{k}.integrator (OOMMF's thermal evolvers step with rk2heun)")
            for name, d in active.items():
                if isinstance(d, AnisotropyDrive) and d.time_dependent:
                    out["anisotropy_drive"] = (f"drives.{name}.envelope (Oxs_UniaxialAnisotropy "
                                               "is fixed in time; a constant one is supported)")
            names = field_term_names(study, k)
            unknown = [f for f in st.fields if f != "m" and f not in names]
            if unknown:
                out["evolve.term_fields"] = (f"stages.{k}.fields ({', '.join(unknown)}: OOMMF "
                                             f"saves m and {', '.join(sorted(names)) or 'nothing else'})")
        return out

    # ------------------------------------------------------------------ finding
    def _command(self) -> tuple[list[str] | None, str]:
        tcl = os.environ.get("OOMMFTCL")
        if tcl:
            if not Path(tcl).is_file():
                return None, f"OOMMFTCL={tcl}: no such file (it should name OOMMF's oommf.tcl)"
            tclsh = shutil.which("tclsh")
            if tclsh is None:
                return None, f"OOMMFTCL={tcl} is set but tclsh is not on PATH"
            return [tclsh, tcl], f"OOMMFTCL={tcl} (tclsh {tclsh})"
        exe = shutil.which("oommf")
        if exe:
            return [exe], f"oommf on PATH: {exe}"
        return None, ("OOMMF not found: set OOMMFTCL to the path of oommf.tcl, or put the "
                      "oommf command on PATH")

    def find(self) -> SolverInfo:
        """Locate OOMMF (``$OOMMFTCL``, then ``oommf`` on PATH) and ask its version."""
        cmd, how = self._command()
        if cmd is None:
            return SolverInfo(self.name, False, how)
        try:
            res = subprocess.run([*cmd, "+version"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as err:
            return SolverInfo(self.name, False, f"{how}: '+version' failed: {err}")
        text = res.stdout + res.stderr
        m = re.search(r"OOMMF\s+(\d[\w.]*)", text)
        if res.returncode != 0 or m is None:
            tail = " ".join(text.strip().splitlines()[-3:])
            return SolverInfo(self.name, False, f"{how}: '+version' failed (exit status "
                                                f"{res.returncode}): {tail}")
        return SolverInfo(self.name, True, how, m.group(1))

    # ------------------------------------------------------------------ rendering
    def render(self, study: Study, folder: Path) -> list[Path]:
        """Write ``m0.ovf``, ``regions.txt`` (several regions or vacuum) and one
        ``stage<k>.mif`` per stage into ``folder``."""
        from analysis.ovf import write_ovf

        self.check(study)
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        plan = OOMMFPlan(study)
        written = []
        m0 = initial_m(study, plan.raster)
        written.append(write_ovf(folder / patches.M0_FILE, m0, cell=study.mesh.cell,
                                 pmin=(0.0, 0.0, 0.0), title="m0", overwrite=True))
        if not plan.box_atlas:
            path = folder / patches.REGION_FILE
            with atomic_open(path, "w", overwrite=True) as fh:
                fh.write(patches.region_file_text(plan.raster.index))
            written.append(path)
        for k in range(len(study.stages)):
            path = folder / f"stage{k}.mif"
            with atomic_open(path, "w", overwrite=True) as fh:
                fh.write(stage_mif(study, k, plan))
            written.append(path)
        return written

    # ------------------------------------------------------------------ running
    def execute(self, study: Study, folder: Path, *, log: IO[str], threads: int | None = None,
                gpu: int | None = None) -> None:
        """Run the rendered stages in order with ``boxsi`` (output in ``folder/run.out``).

        Raises
        ------
        SolverNotFound
            If OOMMF is not installed.
        FileExistsError
            If ``run.out`` already holds output (nothing is overwritten).
        RuntimeError
            If a stage fails (its exit status and the log's tail in the message).
        """
        cmd, how = self._command()
        if cmd is None:
            raise SolverNotFound(how)
        folder = Path(folder)
        out = folder / OUTPUT_DIR
        mifs = [folder / f"stage{k}.mif" for k in range(len(study.stages))]
        missing = [p.name for p in mifs if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"{folder}: {', '.join(missing)} not rendered (call render first)")
        if out.exists() and any(out.iterdir()):
            raise FileExistsError(f"{out}: already holds output; move it away to run again")
        out.mkdir(parents=True, exist_ok=True)
        # OVF does not record periodicity: analysis.open_run reads it from here
        with atomic_open(out / RUN_META, "w") as fh:
            json.dump({"backend": self.name, "study": study.name, "pbc": study.mesh.pbc,
                       "stages": [stage_basename(study, k) for k in range(len(mifs))]}, fh,
                      indent=2)
            fh.write("\n")
        env = dict(os.environ, OOMMF_HOSTPORT=str(_free_port()))
        previous: Path | None = None
        for k, mif in enumerate(mifs):
            args = [*cmd, "boxsi", "+fg", mif.name, "-exitondone", "1", "-kill", "all",
                    "-outdir", OUTPUT_DIR, "-logfile", f"{OUTPUT_DIR}/boxsi.log"]
            if threads:
                args += ["-threads", str(int(threads))]
            if previous is not None:
                args += ["-parameters", f"{patches.M0_PARAMETER} {{{previous.relative_to(folder)}}}"]
            log.write(f"[oommf] stage {k}: {' '.join(args)}\n")
            log.flush()
            boxsi_log = out / "boxsi.log"
            start = boxsi_log.stat().st_size if boxsi_log.is_file() else 0
            rc, tail = _run(args, folder, env, log)
            basename = stage_basename(study, k)
            last = last_magnetization(out, basename)
            logged = _read_from(boxsi_log, start)
            # OOMMF logs some errors (an output it cannot schedule ...) and still exits 0
            errors = [line for line in logged.splitlines()
                      if re.search(r"\berror\b", line, re.I)]
            if rc != 0 or last is None or errors:
                why = (f"exit status {rc}" if rc != 0 else
                       f"no {basename}-*-Magnetization-*.omf" if last is None else
                       "errors in its log")
                raise RuntimeError(f"OOMMF stage {k} ({mif.name}) failed ({why}):\n"
                                   + "\n".join([*tail[-15:], *logged.splitlines()[-25:]]))
            previous = last


def last_magnetization(out: Path, basename: str) -> Path | None:
    """The last ``<basename>-*-Magnetization-<stage>-<iteration>.omf`` in ``out`` (by
    driver stage, then iteration), or None.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> for n in ("s-Oxs_TimeDriver-Magnetization-09-0000100.omf",
    ...           "s-Oxs_TimeDriver-Magnetization-10-0000090.omf"):
    ...     _ = (d / n).write_text("")
    >>> last_magnetization(d, "s").name
    's-Oxs_TimeDriver-Magnetization-10-0000090.omf'
    """
    pattern = re.compile(rf"^{re.escape(basename)}-[^-]+-Magnetization-(\d+)-(\d+)\.omf$")
    found = []
    for f in out.iterdir() if out.is_dir() else []:
        m = pattern.match(f.name)
        if m:
            found.append(((int(m.group(1)), int(m.group(2))), f))
    return max(found)[1] if found else None


def _read_from(path: Path, start: int) -> str:
    """The text appended to ``path`` after byte ``start`` ("" if there is no file)."""
    if not path.is_file():
        return ""
    with open(path, "rb") as fh:
        fh.seek(start)
        return fh.read().decode(errors="replace")


def _free_port() -> int:
    """A TCP port nobody listens on now, for this run's private OOMMF host server."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: list[str], cwd: Path, env: dict[str, str], log: IO[str]) -> tuple[int, list[str]]:
    """Run one boxsi, copying its output to ``log``; Ctrl-C stops its process group."""
    tail: collections.deque[str] = collections.deque(maxlen=40)
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace",
                            start_new_session=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip("\n"))
            log.write(line)
            log.flush()
        return proc.wait(), list(tail)
    except BaseException:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:  # pragma: no cover - already gone
            pass
        proc.wait()
        raise
