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

from orchestrator.backends.mx3_custom import (CustomTerm, anisotropy_drive_term, dmi_custom,
                                              exchange12_correction, num)
from orchestrator.study.expressions import parse, to_mumax3
from orchestrator.study.initial import initial_m
from orchestrator.study.model import (AnisotropyDrive, Evolve, FieldDrive, Minimize,
                                      SOTDrive, Study, ZhangLiDrive)
from orchestrator.study.profiles import envelope_expression, envelope_function
from orchestrator.study.raster import Raster, rasterize
from orchestrator.study.units import MU0

__all__ = ["Mx3Plan", "RegionPlan", "StagePlan", "EvolvePlan", "build_plan", "refusals",
           "CARRIERS", "MUMAX3_GAMMA0", "SOLVERS", "zhang_li_pol", "sot_parameters",
           "dmi_layout"]

#: mumax3's region-wise scalar excitations that carry per-cell values (magnetoelastic
#: strain inputs; B1 = B2 = 0 keeps their own term off)
CARRIERS = ("exx", "eyy", "ezz", "exy", "exz", "eyz")
#: the γ0 in mumax3's Zhang–Li prefactor (cuda/constants.h)
MUMAX3_GAMMA0 = 1.7595e11
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
    A: float
    alpha: float | None
    K: float
    K_axis: tuple[float, float, float] | None
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

def _magnetic_regions(study: Study, raster: Raster) -> list[int]:
    """Indices of regions that have cells and Ms > 0."""
    return [i for i, r in enumerate(raster.names)
            if (study.material(r).Ms or 0) > 0 and bool((raster.index == i).any())]


def dmi_layout(study: Study, raster: Raster | None = None) -> dict:
    """How each DMI class runs on mumax3.

    Returns
    -------
    dict
        ``D``: {class: {region index: D}} over magnetic regions; ``native``: the class on
        mumax3's own kernel (``"Cnv_z"``, ``"T"`` or None); ``custom``: classes as custom
        fields; ``carriers``: {class: [None] (``"mean"``: one carrier holding D per
        region) or [D_R, ...] (``"zero"``: one region mask per region with D)};
        ``magnetic``: indices of the regions with cells and Ms > 0.
    """
    raster = raster or rasterize(study)
    magnetic = _magnetic_regions(study, raster)
    D: dict[str, dict[int, float]] = {}
    for i in magnetic:
        for d in study.material(raster.names[i]).dmi or []:
            if d.D != 0:
                D.setdefault(d.crystal_class, {})[i] = d.D
    classes = [c for c in ("Cnv_z", "T", "D2d_z") if c in D]
    rule = study.energy.dmi_interface
    several = len(magnetic) > 1
    native = None
    if "Cnv_z" in classes:
        native = "Cnv_z"
    elif classes == ["T"] and len({D["T"].get(i, 0.0) for i in magnetic}) == 1 and \
            (rule == "mean" or not several):
        native = "T"
    custom = [c for c in classes if c != native]
    carriers = {}
    for c in custom:
        if rule == "mean" or not several:
            carriers[c] = [None]
        else:
            carriers[c] = [D[c][i] for i in sorted(D[c])]
    return {"D": D, "native": native, "custom": custom, "carriers": carriers,
            "magnetic": magnetic}


def _n_carriers(study: Study, layout: dict) -> int:
    return sum(len(v) for v in layout["carriers"].values()) + \
        sum(isinstance(d, AnisotropyDrive) for d in study.drives.values())


def _active_torques(study: Study, k: int) -> tuple[list, list]:
    """(Zhang–Li drives, SOT drives) acting in stage k with a non-zero amplitude; none
    in minimise/relax stages (the built-in solver applies no spin torque there, and
    mumax3's minimize()/relax() would add them to their descent direction)."""
    act = study.active_torques(k)
    zl = [(n, d) for n, d in act.items() if isinstance(d, ZhangLiDrive)
          and d.P != 0 and any(d.j)]
    sot = [(n, d) for n, d in act.items() if isinstance(d, SOTDrive)
           and d.theta_SH != 0 and d.j != 0]
    return zl, sot


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
        zl, sot = _active_torques(study, k)
        if zl and sot:
            out.setdefault("sot", f"stages.{k} (drives {zl[0][0]!r} and {sot[0][0]!r} act "
                                  "together: mumax3 drives Zhang–Li and Slonczewski torques "
                                  "with one current J)")
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
    if _n_carriers(study, layout) > len(CARRIERS):
        aniso = [n for n, d in study.drives.items() if isinstance(d, AnisotropyDrive)]
        feat = "anisotropy_drive" if aniso else f"dmi.{layout['custom'][-1]}"
        out[feat] = ("drives/materials (more than six region-wise scalar carriers needed "
                     "for custom DMI fields and anisotropy drives; mumax3 has six: exx … eyz)")
    return out


def zhang_li_pol(P: float, gammaLL: float) -> float:
    """mumax3 ``Pol`` for our polarisation ``P`` (undoes the GAMMA0/GammaLL factor).

    Examples
    --------
    >>> zhang_li_pol(0.4, MUMAX3_GAMMA0)
    0.4
    """
    return P * MUMAX3_GAMMA0 / gammaLL if gammaLL != MUMAX3_GAMMA0 else P


def sot_parameters(study: Study, d: SOTDrive) -> dict:
    """mumax3 Slonczewski settings for our SOT drive (amplitude factor excluded).

    Examples
    --------
    >>> from orchestrator.study.model import SOTDrive
    >>> from orchestrator.study import validate_study
    >>> s = validate_study({"name": "x", "mesh": {"n": [2, 2, 1], "cell": [1e-9] * 3},
    ...     "materials": {"default": {"Ms": 5.8e5}}, "stages": [{"type": "minimize"}]})
    >>> sot_parameters(s, SOTDrive(j=1e10, theta_SH=0.5, p=[0, -1, 0], field_like=0.2))
    {'Pol': 0.5, 'Lambda': 1.0, 'EpsilonPrime': 0.05, 'FixedLayer': (0.0, -1.0, 0.0), 'FreeLayerThickness': 1e-09}
    """
    t = d.thickness_in(study.mesh)
    return {"Pol": d.theta_SH, "Lambda": 1.0, "EpsilonPrime": d.field_like * d.theta_SH / 2,
            "FixedLayer": tuple(float(x) for x in d.direction), "FreeLayerThickness": t}


def _factor(drive, t0: str) -> str | None:
    """The drive's envelope as mumax3 text of the stage time (None when constant)."""
    if not drive.time_dependent:
        return None
    return to_mumax3(parse(envelope_expression(drive.envelope)), {"t": f"(t - {t0})"})


def _term(value: float, drive, t0: str, frozen: bool) -> tuple[float, str | None]:
    """``(value, factor)`` of a drive for :func:`_sum`. In a minimise/relax stage
    (``frozen``) the profile is its value at the stage start, f(0), as on the other
    backends: mumax3's relax() lets t run between its resets (``engine/relax.go``)."""
    if frozen:
        return value * envelope_function(drive.envelope)(0.0), None
    return value, _factor(drive, t0)


def _sum(terms: list[tuple[float, str | None]]) -> str:
    """``Σ value·factor`` as text (constant parts added up; ``0`` when empty)."""
    const = sum(v for v, f in terms if f is None)
    parts = [num(const)] if const != 0 else []
    parts += [f"{num(v)} * {f}" for v, f in terms if f is not None and v != 0]
    return " + ".join(parts) if parts else "0"


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

    layout = dmi_layout(study, raster)
    regions = []
    for i, r in enumerate(names):
        m = mats[r]
        axis = None
        if m.K:
            a = np.asarray(m.K_axis, float)
            axis = tuple(float(x) for x in a / np.linalg.norm(a))
        rp = RegionPlan(i, r, float(m.Ms or 0.0), float(m.A or 0.0), m.alpha,
                        float(m.K or 0.0), axis)
        if layout["native"] == "Cnv_z":
            rp.Dind = -layout["D"]["Cnv_z"].get(i, 0.0)   # Dind = -D (Cnv_z)
        elif layout["native"] == "T":
            rp.Dbulk = layout["D"]["T"].get(i, 0.0)        # Dbulk = D (T)
        regions.append(rp)

    inter = []
    if layout["native"] == "Cnv_z" and len(layout["magnetic"]) > 1:
        Dc = layout["D"]["Cnv_z"]
        mag = layout["magnetic"]
        for a_, i in enumerate(mag):
            for j in mag[a_ + 1:]:
                Di, Dj = Dc.get(i, 0.0), Dc.get(j, 0.0)
                if Di == 0 and Dj == 0:
                    continue
                value = -(Di + Dj) / 2 if study.energy.dmi_interface == "mean" else 0.0
                inter.append((i, j, value + 0.0))

    # custom fields and their carriers
    custom: list[CustomTerm] = []
    notes: list[tuple[str, str]] = []
    static: list[tuple[str, int, float]] = []
    free = list(CARRIERS)

    def carrier() -> str:
        if not free:
            raise ValueError("more than six custom-field carriers needed (exx … eyz)")
        return free.pop(0)

    n, cell, pbc = (nx, ny, nz), tuple(study.mesh.cell), study.mesh.pbc
    A_used = [mats[names[i]].A for i in layout["magnetic"] if mats[names[i]].A]
    if study.energy.exchange_kernel == "12ngbr" and A_used:
        Ms_used = mats[names[layout["magnetic"][0]]].Ms
        custom.append(exchange12_correction(A_used[0], Ms_used, cell, n, pbc))
    for cls in layout["custom"]:
        Dc = layout["D"][cls]
        if layout["carriers"][cls] == [None]:
            c = carrier()
            notes.append((c, f"D of DMI class {cls} per region (J/m^2)"))
            static += [(c, i, D) for i, D in sorted(Dc.items())]
            custom.append(dmi_custom(cls, [(c, None)], cell, n, pbc))
        else:
            pairs = []
            for i, D in sorted(Dc.items()):
                c = carrier()
                notes.append((c, f"mask of region {names[i]} (1 inside) for DMI class {cls}"))
                static.append((c, i, 1.0))
                pairs.append((c, D))
            custom.append(dmi_custom(cls, pairs, cell, n, pbc))
    aniso_carrier: dict[str, str] = {}
    for k, (dname, d) in enumerate((x for x in study.drives.items()
                                    if isinstance(x[1], AnisotropyDrive))):
        c = carrier()
        aniso_carrier[dname] = c
        notes.append((c, f"2K(t) of anisotropy drive {dname!r} per region (J/m^3)"))
        custom.append(anisotropy_drive_term(k, dname, c, d.axis))

    # table
    table = ["E_total"]
    if any(rp.A for rp in regions) or layout["native"]:
        table.append("E_exch")
    if any(rp.K for rp in regions):
        table.append("E_anis")
    if study.energy.demag:
        table.append("E_demag")
    if any(isinstance(d, FieldDrive) for d in study.drives.values()):
        table.append("E_Zeeman")
    if custom:
        table.append("E_custom")
    if study.temperature > 0:
        table.append("E_therm")
    table += ["maxTorque", "dt"]

    stages = [_stage_plan(study, k, raster, gammaLL, aniso_carrier)
              for k in range(len(study.stages))]
    setpbc = None
    if pbc:
        rep = study.mesh.pbc_repeats
        # a periodic axis needs >= 1 image in SetPBC; without demag the count is unused
        setpbc = tuple(max(r, 1) if ax in pbc else 0 for r, ax in zip(rep, "xyz"))
    return Mx3Plan(
        name=study.name, description=study.description, n=n, cell=cell, pbc=pbc,
        setpbc=setpbc, regions=regions, vacuum_index=vacuum_index, load_regions=load_regions,
        region_index=region_index, geometry=geometry, geometry_images=images,
        m0=initial_m(study, raster), gammaLL=gammaLL, demag=study.energy.demag,
        open_bc=layout["native"] is not None, inter_dind=inter, carrier_notes=notes,
        static_carriers=static, custom=custom, table=table,
        temperature=study.temperature,
        seed=study.thermal.seed if study.thermal else None, stages=stages)


def _stage_plan(study: Study, k: int, raster: Raster, gammaLL: float,
                aniso_carrier: dict[str, str]) -> StagePlan:
    st = study.stages[k]
    act = study.active_drives(k)
    label = f"stage {k}: {st.type}" + (f" {st.name!r}" if st.name else "")
    sp = StagePlan(index=k, kind=st.type, label=label, drives=list(act))
    names = raster.names
    t0 = f"mm_t0_{k}"
    frozen = not isinstance(st, Evolve)
    if not frozen and any(d.time_dependent for d in act.values()):
        sp.t0 = t0

    # applied field: B = mu0 H per region
    fields = {n: d for n, d in act.items() if isinstance(d, FieldDrive)}
    if any(isinstance(d, FieldDrive) for d in study.drives.values()):
        sp.field = []
        if fields and all(d.regions is None for d in fields.values()):
            comps = tuple(_sum([_term(MU0 * d.H[c], d, t0, frozen) for d in fields.values()])
                          for c in range(3))
            sp.field.append((None, comps))
        elif fields:
            for i, r in enumerate(names):
                here = [d for d in fields.values() if d.regions is None or r in d.regions]
                if here:
                    comps = tuple(_sum([_term(MU0 * d.H[c], d, t0, frozen) for d in here])
                                  for c in range(3))
                    sp.field.append((i, comps))

    # anisotropy drives: carrier = 2K(t) in the drive's regions
    for dname, c in aniso_carrier.items():
        d = study.drives[dname]
        settings: list[tuple[int | None, str]] = []
        if dname in act:
            value = _sum([_term(2.0 * d.K, d, t0, frozen)])
            if d.regions is None:
                settings.append((None, value))
            else:
                settings += [(names.index(r), value) for r in d.regions]
        sp.carriers.append((c, settings))

    # spin torques
    if any(isinstance(d, (ZhangLiDrive, SOTDrive)) for d in study.drives.values()):
        zl, sot = _active_torques(study, k)
        if zl and sot:
            raise ValueError(f"stages.{k}: Zhang–Li and SOT together (one J in mumax3)")
        if zl:
            d0 = zl[0][1]
            J = tuple(_sum([_term(d.j[c], d, t0, frozen) for _, d in zl])
                      for c in range(3))
            sp.torque = {"kind": "zhang_li", "J": J, "Pol": zhang_li_pol(d0.P, gammaLL),
                         "Xi": d0.xi}
        elif sot:
            p = sot_parameters(study, sot[0][1])
            p["J"] = ("0", "0", _sum([_term(d.j, d, t0, frozen) for _, d in sot]))
            p["kind"] = "sot"
            sp.torque = p
        else:
            sp.torque = {"kind": "none"}
    if isinstance(st, Evolve):
        sp.evolve = _evolve_plan(st)
    elif not isinstance(st, Minimize) and st.type != "relax":  # pragma: no cover
        raise TypeError(f"unknown stage {st!r}")
    return sp
