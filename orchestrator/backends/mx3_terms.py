"""The mumax3 backend's translators: one function per physics term, each filling its
part of the plan (:mod:`orchestrator.backends.mx3_plan`) with mumax3's signs and units.

Every translator takes ``(name, spec, ctx)`` with ``ctx`` a :class:`PlanContext`. It
is called once for the whole script (``ctx.stage`` is None: region parameters, custom
fields, table columns) and, for drives, once more per stage (``ctx.stage`` set: what
that stage sets before it runs). The mumax3 facts behind each mapping are in the
docstring of :mod:`orchestrator.backends.mx3_plan`; the notes registered here are the
mumax3 column of the README's capability table.

Examples
--------
>>> from orchestrator.study.model import SOTDrive
>>> from orchestrator.study import validate_study
>>> s = validate_study({"name": "x", "mesh": {"n": [2, 2, 1], "cell": [1e-9] * 3},
...     "materials": {"default": {"Ms": 5.8e5}}, "stages": [{"type": "minimize"}]})
>>> sot_parameters(s, SOTDrive(j=1e10, theta_SH=0.5, p=[0, -1, 0], field_like=0.2))
{'Pol': 0.5, 'Lambda': 1.0, 'EpsilonPrime': 0.05, 'FixedLayer': (0.0, -1.0, 0.0), 'FreeLayerThickness': 1e-09}
>>> zhang_li_pol(0.4, MUMAX3_GAMMA_LL)
0.4
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from mmstudy.constants import MU0, MUMAX3_GAMMA_LL
from orchestrator.backends.mx3_custom import (CustomTerm, anisotropy_drive_term, dmi4_correction,
                                              dmi_custom, exchange12_correction, num,
                                              zhangli4_correction)
from orchestrator.backends.registry import Registry
from orchestrator.study.expressions import parse, to_mumax3
from orchestrator.study.model import (AnisotropyDrive, FieldDrive, SOTDrive, Study,
                                      ZhangLiDrive)
from orchestrator.study.profiles import envelope_expression, envelope_function
from orchestrator.study.raster import Raster
from orchestrator.study.terms import AnisotropyTerm, DemagTerm, DMITerm, ExchangeTerm

__all__ = ["TRANSLATORS", "PlanContext", "CARRIERS", "MUMAX3_GAMMA0", "dmi_layout",
           "dmi4_uniform", "zhang_li_pol", "sot_parameters", "magnetic_regions",
           "active_torques", "TABLE_ORDER"]

TRANSLATORS = Registry("mumax3")

#: mumax3's region-wise scalar excitations that carry per-cell values (magnetoelastic
#: strain inputs; B1 = B2 = 0 keeps their own term off)
CARRIERS = ("exx", "eyy", "ezz", "exy", "exz", "eyz")
#: the γ0 in mumax3's Zhang–Li prefactor (cuda/constants.h), mumax3's default GammaLL
MUMAX3_GAMMA0 = MUMAX3_GAMMA_LL
#: the order of the energy columns of the table
TABLE_ORDER = ("E_total", "E_exch", "E_anis", "E_demag", "E_Zeeman", "E_custom", "E_therm")


@dataclasses.dataclass
class PlanContext:
    """What the mumax3 translators read and fill (see the module docstring)."""

    study: Study
    raster: Raster
    regions: list                      # RegionPlan per raster index
    gammaLL: float
    free: list[str] = dataclasses.field(default_factory=lambda: list(CARRIERS))
    custom: list[CustomTerm] = dataclasses.field(default_factory=list)
    carrier_notes: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    static: list[tuple[str, int, float]] = dataclasses.field(default_factory=list)
    inter_dind: list[tuple[int, int, float]] = dataclasses.field(default_factory=list)
    table: set[str] = dataclasses.field(default_factory=set)
    demag: bool = False
    open_bc: bool = False
    #: drive name -> its carrier (anisotropy drives)
    drive_carrier: dict[str, str] = dataclasses.field(default_factory=dict)
    #: whether some drive sets B_ext / the spin-torque current (then every stage does)
    sets_field: bool = False
    sets_current: bool = False
    # per stage (None for the whole-script pass)
    stage: Any = None
    fields: list[tuple[list[str] | None, list[tuple[float, str | None]]]] = \
        dataclasses.field(default_factory=list)
    zhang_li: list[tuple[str, ZhangLiDrive]] = dataclasses.field(default_factory=list)
    sot: list[tuple[str, SOTDrive]] = dataclasses.field(default_factory=list)

    def carrier(self) -> str:
        if not self.free:
            raise ValueError("more than six custom-field carriers needed (exx … eyz)")
        return self.free.pop(0)

    @property
    def frozen(self) -> bool:
        """A minimise/relax stage: drives hold their profile's value at the stage start."""
        return self.stage.evolve is None


# --------------------------------------------------------------------------- helpers

def magnetic_regions(study: Study, raster: Raster) -> list[int]:
    """Indices of regions that have cells and Ms > 0."""
    return [i for i, r in enumerate(raster.names)
            if (study.material(r).Ms or 0) > 0 and bool((raster.index == i).any())]


def dmi_layout(study: Study, raster: Raster) -> dict:
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
    magnetic = magnetic_regions(study, raster)
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


def dmi4_uniform(study: Study, raster: Raster) -> tuple[str, float, float] | str:
    """``(class, D, Ms)`` when the fourth-order DMI correction
    (:func:`~orchestrator.backends.mx3_custom.dmi4_correction`) applies: every cell
    magnetic, one DMI class with the same D and the same Ms in every region with cells
    (the restriction of the 12-neighbour exchange correction). Otherwise why not (str).
    """
    mats = [study.material(r) for r in raster.used]
    if raster.vacuum.any() or any(not (m.Ms or 0) > 0 for m in mats):
        return "the mesh has vacuum or Ms = 0 cells"
    pairs = {tuple((d.crystal_class, d.D) for d in (m.dmi or []) if d.D != 0) for m in mats}
    if len(pairs) != 1 or len(next(iter(pairs))) != 1:
        return "D or the DMI class differs between regions (or a region has two classes)"
    if len({m.Ms for m in mats}) > 1:
        return "Ms differs between regions"
    (cls, D), = next(iter(pairs))
    return cls, float(D), float(mats[0].Ms)


def active_torques(study: Study, k: int) -> tuple[list, list]:
    """(Zhang–Li drives, SOT drives) acting in stage k with a non-zero amplitude; none
    in minimise/relax stages (the built-in solver applies no spin torque there, and
    mumax3's minimize()/relax() would add them to their descent direction)."""
    act = study.active_torques(k)
    zl = [(n, d) for n, d in act.items() if isinstance(d, ZhangLiDrive)
          and d.P != 0 and any(d.j)]
    sot = [(n, d) for n, d in act.items() if isinstance(d, SOTDrive)
           and d.theta_SH != 0 and d.j != 0]
    return zl, sot


def zhang_li_pol(P: float, gammaLL: float) -> float:
    """mumax3 ``Pol`` for our polarisation ``P`` (undoes the GAMMA0/GammaLL factor)."""
    return P * MUMAX3_GAMMA0 / gammaLL if gammaLL != MUMAX3_GAMMA0 else P


def sot_parameters(study: Study, d: SOTDrive) -> dict:
    """mumax3 Slonczewski settings for our SOT drive (amplitude factor excluded)."""
    t = d.thickness_in(study.mesh)
    return {"Pol": d.theta_SH, "Lambda": 1.0, "EpsilonPrime": d.field_like * d.theta_SH / 2,
            "FixedLayer": tuple(float(x) for x in d.direction), "FreeLayerThickness": t}


def _factor(drive, t0: str) -> str | None:
    """The drive's envelope as mumax3 text of the stage time (None when constant)."""
    if not drive.time_dependent:
        return None
    return to_mumax3(parse(envelope_expression(drive.envelope)), {"t": f"(t - {t0})"})


def _term(value: float, drive, ctx: PlanContext) -> tuple[float, str | None]:
    """``(value, factor)`` of a drive for :func:`sum_text`. In a minimise/relax stage
    the profile is its value at the stage start, f(0), as on the other backends:
    mumax3's relax() lets t run between its resets (``engine/relax.go``)."""
    if ctx.frozen:
        return value * envelope_function(drive.envelope)(0.0), None
    return value, _factor(drive, f"mm_t0_{ctx.stage.index}")


def sum_text(terms: list[tuple[float, str | None]]) -> str:
    """``Σ value·factor`` as text (constant parts added up; ``0`` when empty)."""
    const = sum(v for v, f in terms if f is None)
    parts = [num(const)] if const != 0 else []
    parts += [f"{num(v)} * {f}" for v, f in terms if f is not None and v != 0]
    return " + ".join(parts) if parts else "0"


# --------------------------------------------------------------------------- energy

@TRANSLATORS.register(ExchangeTerm, "✓ per-region A (harmonic mean between regions); "
                                    "`12ngbr`: custom correction field (edge rows differ from "
                                    "OOMMF's within two cells of a free edge)")
def _exchange(name: str, spec: ExchangeTerm, ctx: PlanContext) -> None:
    for rp in ctx.regions:
        rp.A = float(spec.A.get(rp.name, 0.0))
    ctx.table.add("E_exch")
    if spec.kernel == "12ngbr":
        names = ctx.raster.names
        magnetic = magnetic_regions(ctx.study, ctx.raster)
        A_used = [spec.A[names[i]] for i in magnetic if spec.A.get(names[i])]
        if A_used:
            mesh = ctx.study.mesh
            Ms = ctx.study.material(names[magnetic[0]]).Ms
            ctx.custom.append(exchange12_correction(A_used[0], Ms, tuple(mesh.cell),
                                                    mesh.cells, mesh.pbc))


@TRANSLATORS.register(DMITerm, "✓ (`Dind = −D`, `ext_InterDind`; `T` with several D, `D2d_z` "
                               "and a second class as custom fields); order 4: custom "
                               "correction field (one class, uniform D and Ms, no vacuum)")
def _dmi(name: str, spec: DMITerm, ctx: PlanContext) -> None:
    layout = dmi_layout(ctx.study, ctx.raster)
    names = ctx.raster.names
    for rp in ctx.regions:
        if layout["native"] == "Cnv_z":
            rp.Dind = -layout["D"]["Cnv_z"].get(rp.index, 0.0)   # Dind = -D (Cnv_z)
        elif layout["native"] == "T":
            rp.Dbulk = layout["D"]["T"].get(rp.index, 0.0)        # Dbulk = D (T)
    ctx.open_bc = layout["native"] is not None
    if ctx.open_bc:
        ctx.table.add("E_exch")
    if layout["native"] == "Cnv_z" and len(layout["magnetic"]) > 1:
        Dc = layout["D"]["Cnv_z"]
        mag = layout["magnetic"]
        for a_, i in enumerate(mag):
            for j in mag[a_ + 1:]:
                Di, Dj = Dc.get(i, 0.0), Dc.get(j, 0.0)
                if Di == 0 and Dj == 0:
                    continue
                value = -(Di + Dj) / 2 if spec.interface == "mean" else 0.0
                ctx.inter_dind.append((i, j, value + 0.0))
    mesh = ctx.study.mesh
    cell, n, pbc = tuple(mesh.cell), mesh.cells, mesh.pbc
    for cls in layout["custom"]:
        Dc = layout["D"][cls]
        if layout["carriers"][cls] == [None]:
            c = ctx.carrier()
            ctx.carrier_notes.append((c, f"D of DMI class {cls} per region (J/m^2)"))
            ctx.static += [(c, i, D) for i, D in sorted(Dc.items())]
            ctx.custom.append(dmi_custom(cls, [(c, None)], cell, n, pbc))
        else:
            pairs = []
            for i, D in sorted(Dc.items()):
                c = ctx.carrier()
                ctx.carrier_notes.append((c, f"mask of region {names[i]} (1 inside) for DMI "
                                             f"class {cls}"))
                ctx.static.append((c, i, 1.0))
                pairs.append((c, D))
            ctx.custom.append(dmi_custom(cls, pairs, cell, n, pbc))
    if spec.order == 4:
        uniform = dmi4_uniform(ctx.study, ctx.raster)
        if isinstance(uniform, str):
            raise ValueError(f"energy.dmi_order = 4 on mumax3: {uniform}")
        cls, D, Ms = uniform
        ctx.custom.append(dmi4_correction(cls, D, Ms, cell, n, pbc))


@TRANSLATORS.register(AnisotropyTerm, "✓")
def _anisotropy(name: str, spec: AnisotropyTerm, ctx: PlanContext) -> None:
    for rp in ctx.regions:
        if spec.K.get(rp.name):
            a = np.asarray(spec.axis[rp.name], float)
            rp.K = float(spec.K[rp.name])
            rp.K_axis = tuple(float(x) for x in a / np.linalg.norm(a))
    ctx.table.add("E_anis")


@TRANSLATORS.register(DemagTerm, "✓ (`SetPBC`)")
def _demag(name: str, spec: DemagTerm, ctx: PlanContext) -> None:
    ctx.demag = True
    ctx.table.add("E_demag")


# --------------------------------------------------------------------------- drives

@TRANSLATORS.register(FieldDrive, "✓ (`B_ext = μ0 H`, per region, f(t) as script text)")
def _field(name: str, d: FieldDrive, ctx: PlanContext) -> None:
    if ctx.stage is None:
        ctx.sets_field = True
        ctx.table.add("E_Zeeman")
    elif name in ctx.stage.drives:
        ctx.fields.append((d.regions, [_term(MU0 * d.H[c], d, ctx) for c in range(3)]))


@TRANSLATORS.register(AnisotropyDrive, "✓ (custom field, 2K(t) on a strain carrier)")
def _anisotropy_drive(name: str, d: AnisotropyDrive, ctx: PlanContext) -> None:
    if ctx.stage is None:
        c = ctx.carrier()
        ctx.drive_carrier[name] = c
        ctx.carrier_notes.append((c, f"2K(t) of anisotropy drive {name!r} per region (J/m^3)"))
        ctx.custom.append(anisotropy_drive_term(len(ctx.drive_carrier) - 1, name, c, d.axis))
        return
    settings: list[tuple[int | None, str]] = []
    if name in ctx.stage.drives:
        value = sum_text([_term(2.0 * d.K, d, ctx)])
        if d.regions is None:
            settings.append((None, value))
        else:
            settings += [(ctx.raster.names.index(r), value) for r in d.regions]
    ctx.stage.carriers.append((ctx.drive_carrier[name], settings))


def _torque_drive(name: str, d, ctx: PlanContext, acting: list) -> None:
    if ctx.stage is None:
        ctx.sets_current = True
        return
    zl, sot = active_torques(ctx.study, ctx.stage.index)
    if name in dict(zl if isinstance(d, ZhangLiDrive) else sot):
        acting.append((name, d))


@TRANSLATORS.register(ZhangLiDrive, "✓ (`J`, `Pol`, `Xi`); order 4: correction field "
                                   "ξh + m×h in its evolve stages")
def _zhang_li(name: str, d: ZhangLiDrive, ctx: PlanContext) -> None:
    _torque_drive(name, d, ctx, ctx.zhang_li)


@TRANSLATORS.register(SOTDrive, "✓ (Slonczewski: `J` along z, `Lambda = 1`, `FixedLayer = p`)")
def _sot(name: str, d: SOTDrive, ctx: PlanContext) -> None:
    _torque_drive(name, d, ctx, ctx.sot)


def finish_stage(ctx: PlanContext) -> None:
    """Write what the stage's drives collected into ``ctx.stage``: one ``B_ext`` (the sum
    of the field drives, per region where any drive has regions) and one spin-torque
    current (mumax3 has one ``J``: Zhang–Li and SOT together are refused earlier)."""
    sp, names = ctx.stage, ctx.raster.names
    if ctx.sets_field:
        sp.field = []
        if ctx.fields and all(regions is None for regions, _ in ctx.fields):
            sp.field.append((None, tuple(sum_text([t[c] for _, t in ctx.fields])
                                         for c in range(3))))
        elif ctx.fields:
            for i, r in enumerate(names):
                here = [t for regions, t in ctx.fields if regions is None or r in regions]
                if here:
                    sp.field.append((i, tuple(sum_text([t[c] for t in here])
                                              for c in range(3))))
    if ctx.sets_current:
        if ctx.zhang_li and ctx.sot:
            raise ValueError(f"stages.{sp.index}: Zhang–Li and SOT together (one J in mumax3)")
        if ctx.zhang_li:
            d0 = ctx.zhang_li[0][1]
            J = tuple(sum_text([_term(d.j[c], d, ctx) for _, d in ctx.zhang_li])
                      for c in range(3))
            pol = zhang_li_pol(d0.P, ctx.gammaLL)
            sp.torque = {"kind": "zhang_li", "J": J, "Pol": pol, "Xi": d0.xi}
            orders = {d.order for _, d in ctx.zhang_li}
            if len(orders) > 1:
                raise ValueError(f"stages.{sp.index}: Zhang–Li drives of order 2 and 4 act "
                                 "together (mumax3 has one J)")
            if orders == {4}:
                mesh = ctx.study.mesh
                axes = [a for a in range(3) if any(d.j[a] for _, d in ctx.zhang_li)]
                term = zhangli4_correction(f"mm_zl4_{sp.index}", pol, d0.xi, axes,
                                           tuple(mesh.cell), mesh.cells, mesh.pbc)
                if term is not None:
                    sp.custom.append(term)
        elif ctx.sot:
            p = sot_parameters(ctx.study, ctx.sot[0][1])
            p["J"] = ("0", "0", sum_text([_term(d.j, d, ctx) for _, d in ctx.sot]))
            p["kind"] = "sot"
            sp.torque = p
        else:
            sp.torque = {"kind": "none"}
