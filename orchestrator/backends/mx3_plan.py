"""A study point as the numbers and expressions of a mumax3 script (the "plan").

:func:`build_plan` turns a :class:`~orchestrator.study.model.Study` into a
:class:`Mx3Plan`: per-region parameters with mumax3's signs and units, the DMI split
between mumax3's own kernels and custom fields, the custom-field expressions, and per
stage the drive settings, integrator and save loop. The templates in ``mx3_templates/``
only lay these out as text (:mod:`orchestrator.backends.mx3_render`), and the tests
check the plan's numbers against mumax3's kernels term by term.

mumax3 facts behind the choices (source files of github.com/mumax/3, v3.10–3.11):

* ``GammaLL`` is one number (``engine/torque.go``): γ0 differing between regions is
  refused; ``GammaLL = γ0/μ0`` (rad/(T s)).
* ``B_ext`` is in T: ``B = μ0 H``.
* ``Dind`` has the opposite sign of OOMMF's ``Cnv_z`` and ``Dbulk`` the sign of ``T``
  (``cuda/dmi.cu``, ``cuda/dmibulk.cu``; :func:`orchestrator.solver.terms.dmi.mumax3_dind`).
  Dind and Dbulk cannot both be non-zero (``engine/exchange.go``: "Cannot have
  interfacial-induced DMI and bulk DMI at the same time"). Between regions mumax3 uses
  the harmonic mean of D (``exchAverage``); ``ext_InterDind(r1, r2, D)`` sets a bond
  value exactly, and there is no ``ext_InterDbulk``. So: Cnv_z runs on mumax3's kernel
  with every region pair set by ``ext_InterDind`` to our rule (mean or zero); T runs on
  mumax3's kernel only when every magnetic region has the same D (then the harmonic
  mean is D); every other class and case is a custom field
  (:func:`orchestrator.backends.mx3_custom.dmi_custom`) that reproduces the rule exactly.
* ``OpenBC = true`` (with mumax3's DMI kernels): a missing neighbour (free edge,
  vacuum) is left out of the exchange+DMI sum, as OOMMF and the built-in solver do,
  instead of mumax3's default extrapolation from the DMI boundary condition.
* The Zhang–Li prefactor uses the constant ``GAMMA0 = 1.7595e11`` (``cuda/zhangli2.cu``,
  ``cuda/constants.h``) and the torque is then multiplied by ``GammaLL``: the drift
  velocity is ``u = μB P j GammaLL/(e GAMMA0 Ms (1+ξ²))``, so ``Pol = P·GAMMA0/GammaLL``
  gives ours, ``u = μB P j/(e Ms (1+ξ²))``.
* Slonczewski (``cuda/slonczewski2.cu``) with ``Lambda = 1``: ε = Pol/2, β = ħJ/(e t Ms);
  its torque (times GammaLL) is ``c/(1+α²)[(1 + α r) m×(p×m) + (r − α) p×m]`` with
  ``c = GammaLL ħ Pol J/(2 e t Ms)`` and ``r = EpsilonPrime/ε``: ours with ``J_z = j``,
  ``Pol = θ_SH``, ``EpsilonPrime = r θ_SH/2``, ``FixedLayer = p``,
  ``FreeLayerThickness = t``. ``DisableZhangLiTorque = true`` (J along z would give a
  Zhang–Li torque in multilayer meshes). mumax3 has one ``J`` for both torques, so a
  stage with Zhang–Li and SOT together is refused.
* The magnetoelastic strain inputs ``exx … eyz`` are region-wise, time-dependent scalar
  quantities; mmstudy never sets ``B1``/``B2`` (mumax3's magnetoelastic term stays off)
  and uses them to carry D per cell for custom DMI fields and 2K(t) for anisotropy
  drives. Six exist, so at most six such uses.
* Fourth order (notes-003 §6): the exchange, DMI and Zhang–Li corrections are custom
  fields added to mumax3's second-order kernels
  (:mod:`orchestrator.backends.mx3_custom`). The exchange and DMI ones are conservative
  (energy ``−½ B·M_full``) and stay on for the whole script. The Zhang–Li one is a
  torque written as a field (``ξh + m×h``, no energy): custom fields enter the B_eff of
  ``minimize()``/``relax()``, so it is added in the evolve stages where an order-4
  drive acts (it reads the script's ``J``) and removed after them with
  ``RemoveCustomFields()`` (mumax3 ≥ 3.10; it drops fields, not energies), which is
  followed by ``AddFieldTerm`` of the conservative fields again.
* ``heaviside(0) = 0.5`` in mumax3 (``script/stdlib.go``); the expressions are rendered
  by :func:`orchestrator.study.expressions.to_mumax3`, which writes
  ``ceil(heaviside(x))`` (= 1 at 0, as ours).
* Thermal noise is off during ``minimize()``/``relax()`` (``engine/effectivefield.go``:
  ``if !relaxing``), as in the built-in solver; spin torques are not (``torqueFn``
  includes them), so the plan sets ``J = 0`` in those stages.
* Variables in a parameter's expression are fixed at assignment except ``t``
  (``engine/parameter.go``: ``f.Fix()``), so ``mm_t0_k := t`` at the start of stage k
  gives the stage time ``t − mm_t0_k``; ``minimize()``/``relax()`` restore ``t``.

Examples
--------
>>> from orchestrator.study import validate_study
>>> s = validate_study({"name": "x", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
...     "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.3,
...                               "dmi": {"D": 3e-3, "class": "Cnv_z"}}},
...     "stages": [{"type": "relax"}]})
>>> p = build_plan(s)
>>> p.regions[0].Dind, p.open_bc, round(p.gammaLL / 1e11, 5)
(-0.003, True, 1.75946)
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from mmstudy.constants import MU0
from orchestrator.backends.mx3_custom import CustomTerm, num
from orchestrator.backends.mx3_terms import (CARRIERS, MUMAX3_GAMMA0, TABLE_ORDER,
                                             TRANSLATORS, PlanContext, active_torques,
                                             dmi4_uniform, dmi_layout, finish_stage,
                                             sot_parameters, zhang_li_pol)
from orchestrator.study.initial import initial_m
from orchestrator.study.model import AnisotropyDrive, Evolve, Minimize, SOTDrive, Study
from orchestrator.study.raster import rasterize
from orchestrator.study.terms import terms

__all__ = ["Mx3Plan", "RegionPlan", "StagePlan", "EvolvePlan", "build_plan", "refusals",
           "CARRIERS", "MUMAX3_GAMMA0", "SOLVERS", "zhang_li_pol", "sot_parameters",
           "dmi_layout"]  # the last five re-exported from mx3_terms

#: SetSolver numbers (engine/run.go): Heun 2, RK4 4, Dormand–Prince RK45 5
SOLVERS = {"heun": 2, "rk4": 4, "rk45": 5}
#: mumax3 region indices are bytes: 0 … 255 (engine/regions.go NREGION)
MAX_REGIONS = 256
_EPS = 1e-9


@dataclasses.dataclass
class RegionPlan:
    """mumax3 parameters of one region (index = raster index)."""

    index: int
    name: str
    Ms: float
    alpha: float | None
    A: float = 0.0
    K: float = 0.0
    K_axis: tuple[float, float, float] | None = None
    Dind: float = 0.0
    Dbulk: float = 0.0


@dataclasses.dataclass
class EvolvePlan:
    """Integrator settings and the save loop of an evolve stage: ``n_save`` times
    (``ratio`` times: advance ``table_every``, save a table row), then save m; then
    ``extra_table`` more table intervals, then the rest of the duration unsaved."""

    solver: int
    fixdt: float
    maxerr: float
    n_save: int
    ratio: int
    extra_table: int
    advance_table: list[str]
    advance_rest: list[str]


@dataclasses.dataclass
class StagePlan:
    """What a stage sets before it runs, and how it runs."""

    index: int
    kind: str
    label: str
    drives: list[str]
    t0: str | None = None
    #: B_ext: None untouched; else [(region index or None for all, (Bx, By, Bz) text)]
    field: list[tuple[int | None, tuple[str, str, str]]] | None = None
    #: anisotropy-drive carriers: [(carrier, [(region index or None, 2K(t) text)])]
    carriers: list[tuple[str, list[tuple[int | None, str]]]] = dataclasses.field(
        default_factory=list)
    #: None untouched; else {"kind": "none" | "zhang_li" | "sot", ...script values}
    torque: dict | None = None
    evolve: EvolvePlan | None = None
    #: fields added for this stage only, never to the energy (the fourth-order
    #: Zhang–Li correction): defined and added before the stage runs
    custom: list[CustomTerm] = dataclasses.field(default_factory=list)
    #: after the stage (when it added fields and a stage follows): RemoveCustomFields()
    #: (it drops every custom field, not the energies), then these fields added back
    restore: list[str] | None = None


@dataclasses.dataclass
class Mx3Plan:
    """Everything the templates need (see the module docstring)."""

    name: str
    description: str
    n: tuple[int, int, int]
    cell: tuple[float, float, float]
    pbc: str
    setpbc: tuple[int, int, int] | None
    regions: list[RegionPlan]
    vacuum_index: int | None
    load_regions: bool
    region_index: np.ndarray              # (nz, ny, nx) mumax3 region per cell
    geometry: str | None                  # SetGeom shape text
    geometry_images: dict[str, np.ndarray]  # PNG name -> (ny, nx) bool, True = magnetic
    m0: np.ndarray                        # (nz, ny, nx, 3)
    gammaLL: float
    demag: bool
    open_bc: bool
    inter_dind: list[tuple[int, int, float]]
    carrier_notes: list[tuple[str, str]]
    static_carriers: list[tuple[str, int, float]]
    custom: list[CustomTerm]
    table: list[str]
    temperature: float
    seed: int | None
    stages: list[StagePlan]
    notes: list[str] = dataclasses.field(default_factory=list)


# --------------------------------------------------------------------------- helpers

def _n_carriers(study: Study, layout: dict) -> int:
    return sum(len(v) for v in layout["carriers"].values()) + \
        sum(isinstance(d, AnisotropyDrive) for d in study.drives.values())


def _sot_key(study: Study, d: SOTDrive) -> tuple:
    t = d.thickness_in(study.mesh)
    return (tuple(round(x, 12) for x in d.direction), d.theta_SH, d.field_like, t)


def refusals(study: Study) -> dict[str, str]:
    """What mumax3 cannot run although the feature names are supported: feature →
    where and why (merged into :meth:`Mumax3Backend.missing`)."""
    out: dict[str, str] = {}
    raster = rasterize(study)
    if len(raster.names) + 1 > MAX_REGIONS:
        out["regions"] = (f"regions ({len(raster.names)} regions; mumax3 has 256 region "
                          "indices and mmstudy keeps one for vacuum)")
    for k in range(len(study.stages)):
        zl, sot = active_torques(study, k)
        if any(d.order == 4 for _, d in zl) and (raster.vacuum.any() or any(
                not (study.material(r).Ms or 0) > 0 for r in raster.used)):
            out.setdefault("zhang_li.order4", f"stages.{k} (the fourth-order Zhang–Li "
                                              "correction needs a fully magnetic mesh, no "
                                              "vacuum or Ms = 0; use order = 2)")
        if zl and sot:
            out.setdefault("sot", f"stages.{k} (drives {zl[0][0]!r} and {sot[0][0]!r} act "
                                  "together: mumax3 drives Zhang–Li and Slonczewski torques "
                                  "with one current J)")
        if len({d.order for _, d in zl}) > 1:
            out.setdefault("zhang_li.order4", f"stages.{k} (Zhang–Li drives of order 2 and 4 "
                                              "act together: mumax3 has one J)")
        if len({(d.P, d.xi) for _, d in zl}) > 1:
            out.setdefault("zhang_li", f"stages.{k} (Zhang–Li drives with different P or xi "
                                       "act together: mumax3 has one Pol and one Xi)")
        if len({_sot_key(study, d) for _, d in sot}) > 1:
            out.setdefault("sot", f"stages.{k} (SOT drives with different p, theta_SH, "
                                  "field_like or thickness act together: mumax3 has one "
                                  "FixedLayer, Pol, EpsilonPrime, FreeLayerThickness)")
    if study.energy.demag and study.mesh.pbc:
        rep = study.mesh.pbc_repeats
        zero = [ax for ax, r in zip("xyz", rep) if ax in study.mesh.pbc and r == 0]
        if zero:
            out["demag.pbc"] = (f"mesh.repeats (0 images along periodic {', '.join(zero)}: "
                                "mumax3's SetPBC makes an axis periodic only with ≥ 1 image)")
    layout = dmi_layout(study, raster)
    if study.energy.dmi_order == 4 and layout["D"]:
        uniform = dmi4_uniform(study, raster)
        if isinstance(uniform, str):
            out["dmi.order4.regions"] = (f"energy.dmi_order ({uniform}: the fourth-order DMI "
                                         "correction is written for one class with uniform D "
                                         "and Ms on a fully magnetic mesh)")
    if _n_carriers(study, layout) > len(CARRIERS):
        aniso = [n for n, d in study.drives.items() if isinstance(d, AnisotropyDrive)]
        feat = "anisotropy_drive" if aniso else f"dmi.{layout['custom'][-1]}"
        out[feat] = ("drives/materials (more than six region-wise scalar carriers needed "
                     "for custom DMI fields and anisotropy drives; mumax3 has six: exx … eyz)")
    return out


def _advance(d: float, fixdt: float) -> list[str]:
    """Script lines that advance the time by ``d``: ``run(d)`` (adaptive, mumax3 lands on
    the end exactly), or with a fixed step ``steps(n)`` plus one shortened step for a
    remainder (mumax3's FixDt steps do not stop at a run's end time)."""
    if d <= 0:
        return []
    if not fixdt:
        return [f"run({num(d)})"]
    n = math.floor(d / fixdt + _EPS)
    rest = d - n * fixdt
    lines = [f"steps({n})"] if n else []
    if rest > _EPS * fixdt:
        lines += [f"FixDt = {num(rest)}", "steps(1)", f"FixDt = {num(fixdt)}"]
    return lines


def _evolve_plan(st: Evolve) -> EvolvePlan:
    te = st.table_every or st.save_every
    ratio = max(int(round(st.save_every / te)), 1)
    n_table = math.floor(st.duration / te + _EPS)
    n_save = n_table // ratio
    extra = n_table - n_save * ratio
    rest = st.duration - n_table * te
    fixdt = st.dt or 0.0
    return EvolvePlan(solver=SOLVERS[st.integrator], fixdt=fixdt, maxerr=st.tolerance,
                      n_save=n_save, ratio=ratio, extra_table=extra,
                      advance_table=_advance(te, fixdt),
                      advance_rest=_advance(rest if rest > _EPS * te else 0.0, fixdt))


# --------------------------------------------------------------------------- the plan

def build_plan(study: Study) -> Mx3Plan:
    """The mumax3 plan of a study point (see the module docstring).

    Call the backend's ``check`` first (:meth:`Mumax3Backend.render` does).

    Raises
    ------
    ValueError
        For a study the backend refuses (γ0 per region, Zhang–Li with SOT in one stage,
        too many carriers) or a mesh without any magnetic cell.
    """
    raster = rasterize(study)
    names = raster.names
    nx, ny, nz = study.mesh.cells
    mats = {r: study.material(r) for r in names}
    gammas = {study.gamma0(r) for r in raster.used}
    if len(gammas) > 1:
        raise ValueError("mumax3 has one GammaLL: materials.*.gamma0 must agree")
    gammaLL = gammas.pop() / MU0

    # regions, vacuum, geometry
    Ms_cell = raster.per_cell({r: mats[r].Ms or 0.0 for r in names})
    magnetic_cell = (~raster.vacuum) & (Ms_cell > 0)
    vacuum_index = len(names) if raster.vacuum.any() else None
    region_index = np.where(raster.vacuum, len(names), raster.index).astype(np.int32)
    geometry, images = None, {}
    if not magnetic_cell.all():
        if not magnetic_cell.any():
            raise ValueError("regions: the mesh has no magnetic cell (mumax3's SetGeom "
                             "refuses an empty geometry)")
        layers = [magnetic_cell[k] for k in range(nz)]
        if all(np.array_equal(layers[0], layer) for layer in layers[1:]):
            images["geom.png"] = layers[0]
            geometry = 'ImageShape("geom.png")'
        else:
            shapes = []
            for k, layer in enumerate(layers):
                images[f"geom_z{k}.png"] = layer
                shapes.append(f'ImageShape("geom_z{k}.png").Intersect(Layer({k}))')
            geometry = shapes[0] + "".join(f".Add({s})" for s in shapes[1:])
    load_regions = len(np.unique(region_index)) > 1

    regions = [RegionPlan(i, r, float(mats[r].Ms or 0.0), mats[r].alpha)
               for i, r in enumerate(names)]
    # the physics terms, one translator each (mx3_terms.py)
    ctx = PlanContext(study=study, raster=raster, regions=regions, gammaLL=gammaLL)
    specs = terms(study, raster)
    for name, spec in specs:
        TRANSLATORS.translate(name, spec, ctx)
    if ctx.custom:
        ctx.table.add("E_custom")
    if study.temperature > 0:
        ctx.table.add("E_therm")
    table = ["E_total", *(c for c in TABLE_ORDER[1:] if c in ctx.table), "maxTorque", "dt"]

    stages = [_stage_plan(ctx, k, specs) for k in range(len(study.stages))]
    for sp in stages[:-1]:
        if sp.custom:   # remove the stage's own fields, keep the conservative ones
            sp.restore = [term.field for term in ctx.custom]
    n, cell, pbc = (nx, ny, nz), tuple(study.mesh.cell), study.mesh.pbc
    setpbc = None
    if pbc:
        rep = study.mesh.pbc_repeats
        # a periodic axis needs >= 1 image in SetPBC; without demag the count is unused
        setpbc = tuple(max(r, 1) if ax in pbc else 0 for r, ax in zip(rep, "xyz"))
    return Mx3Plan(
        name=study.name, description=study.description, n=n, cell=cell, pbc=pbc,
        setpbc=setpbc, regions=regions, vacuum_index=vacuum_index, load_regions=load_regions,
        region_index=region_index, geometry=geometry, geometry_images=images,
        m0=initial_m(study, raster), gammaLL=gammaLL, demag=ctx.demag,
        open_bc=ctx.open_bc, inter_dind=ctx.inter_dind, carrier_notes=ctx.carrier_notes,
        static_carriers=ctx.static, custom=ctx.custom, table=table,
        temperature=study.temperature,
        seed=study.thermal.seed if study.thermal else None, stages=stages)


def _stage_plan(ctx: PlanContext, k: int, specs: list) -> StagePlan:
    """What stage ``k`` sets before it runs (its drives' translators, called with
    ``ctx.stage`` set) and how it runs."""
    study = ctx.study
    st = study.stages[k]
    act = study.active_drives(k)
    label = f"stage {k}: {st.type}" + (f" {st.name!r}" if st.name else "")
    sp = StagePlan(index=k, kind=st.type, label=label, drives=list(act))
    if isinstance(st, Evolve):
        sp.evolve = _evolve_plan(st)
        if any(d.time_dependent for d in act.values()):
            sp.t0 = f"mm_t0_{k}"
    elif not isinstance(st, Minimize) and st.type != "relax":  # pragma: no cover
        raise TypeError(f"unknown stage {st!r}")
    ctx.stage, ctx.fields, ctx.zhang_li, ctx.sot = sp, [], [], []
    for name, spec in specs:
        if name in study.drives and spec is study.drives[name]:
            TRANSLATORS.translate(name, spec, ctx)
    finish_stage(ctx)
    ctx.stage = None
    return sp
