r"""The OOMMF backend's translators: one function per physics term, each returning the
micromagneticmodel terms that oommfc writes as MIF, and the OOMMF field outputs of
that term.

Every translator takes ``(name, spec, ctx)``: the term's name, its spec
(:mod:`orchestrator.study.terms`) and a :class:`StageContext` (the study's plan in
:mod:`orchestrator.backends.oommf`, the stage index, whether the stage holds the time
at its start), and returns an :class:`OOMMFTerm`. The notes registered with each are
the OOMMF column of the capability table. :mod:`orchestrator.backends.oommf` adds the
energy terms in spec order, then the field-like drives active in the stage, and takes
the spin torque of an evolve stage from the torque translators.

Mapping (OOMMF conventions from its source, ``app/oxs``; ubermag names in brackets)
-----------------------------------------------------------------------------------
===============  ==============================================================================
exchange         A uniform: ``Oxs_UniformExchange``; per region: ``Oxs_Exchange6Ngbr`` with
                 A_ij the harmonic mean between regions (the built-in solver's, OOMMF's
                 ``Oxs_ExchangePtwise``'s); ``12ngbr``: ``kernel 12ngbrb`` (= ``12ngbr`` for
                 axes of ≥ 10 cells, and the built-in kernel for 5–9), on periodic meshes
                 ``12ngbrmirror`` when every open axis has one cell (then it is the
                 interior stencil wrapped around, as the built-in solver's), see
                 :func:`exchange_kernel`
DMI              ``Oxs_DMI_<class>`` [``mm.DMI(crystalclass=...)``], one term per class, D
                 matrices per region pair with ``default_D 0``: ``mean`` puts
                 (D_C(a) + D_C(b))/2 on a–b bonds, ``zero`` lists only a–a pairs
                 (:mod:`orchestrator.solver.terms.dmi`); OOMMF's Cnv_z sign is ours
anisotropy       ``Oxs_UniaxialAnisotropy`` (K1 > 0 easy axis; energy K1(1 − (m·u)²));
                 an anisotropy drive is one more term (constant in an evolve stage)
demag            ``Oxs_Demag`` (periodic: OOMMF sums the infinite lattice, one axis only)
field            A/m; ``Oxs_FixedZeeman``; time-dependent: ``Oxs_TransformZeeman { type
                 diagonal }`` with a Tcl proc of ``total_time`` (the stage time)
Zhang–Li         ``Anv_SpinTEvolve_3d`` [``mm.ZhangLi``], ``u = −μB P j/(e Ms (1+ξ²))``
                 (OOMMF's equation has ``−(u·∇)m``, mumax3's ``+``), ``beta`` = ξ, see
                 :func:`zhang_li_u`
SOT              ``Oxs_SpinXferEvolve`` [``mm.Slonczewski``], see :func:`sot_parameters`
===============  ==============================================================================

Examples
--------
>>> from orchestrator.study.terms import DMITerm
>>> TRANSLATORS.note(DMITerm)
'✓ (one `Oxs_DMI_*` per class, per-region D matrices)'
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from mmstudy.constants import HBAR, QE
from mmstudy.spintorque import zhang_li_u as _zhang_li_rate
from orchestrator.backends import mif_patches as patches
from orchestrator.backends.base import UnsupportedFeature
from orchestrator.backends.registry import Registry
from orchestrator.study.model import (AnisotropyDrive, FieldDrive, SOTDrive, Study,
                                      ZhangLiDrive)
from orchestrator.study.profiles import envelope_expression, envelope_function
from orchestrator.study.terms import AnisotropyTerm, DemagTerm, DMITerm, ExchangeTerm

if TYPE_CHECKING:  # pragma: no cover
    from orchestrator.backends.oommf_plan import OOMMFPlan

__all__ = ["TRANSLATORS", "StageContext", "OOMMFTerm", "sot_parameters", "zhang_li_u",
           "exchange_kernel", "OOMMF_HBAR", "OOMMF_QE"]

TRANSLATORS = Registry("oommf")

#: OOMMF's own rounded ħ (J s) and e (C) in ``Oxs_SpinXferEvolve`` (spinxferevolve.cc,
#: ``UpdateMeshArrays``), not CODATA's: :func:`sot_parameters` scales J by the ratio
OOMMF_HBAR = 1.0545717e-34
OOMMF_QE = 1.6021765e-19


@dataclasses.dataclass(frozen=True)
class StageContext:
    """What the OOMMF translators read: the study's plan (raster, per-region values,
    atlas names), the stage index ``k``, and whether the stage holds the time at its
    start (``frozen``: minimise and relax stages)."""

    plan: OOMMFPlan
    k: int
    frozen: bool

    @property
    def study(self) -> Study:
        return self.plan.study

    def factor(self, drive: Any) -> float:
        """The drive's profile factor baked into its value: its value at t = 0 in a
        frozen stage, else 1 (the profile then goes into a Tcl proc, if it varies)."""
        return envelope_function(drive.envelope)(0.0) if self.frozen else 1.0

    def varying(self, drive: Any) -> bool:
        """Whether the drive changes during this stage."""
        return drive.time_dependent and not self.frozen


@dataclasses.dataclass
class OOMMFTerm:
    """What an OOMMF translator returns (no ``terms``: the term adds nothing here)."""

    #: micromagneticmodel terms (energy terms, or one dynamics term for a torque)
    terms: list[Any] = dataclasses.field(default_factory=list)
    #: OOMMF field outputs of the term (``Oxs_<class>:<name>:Field``), saved under its name
    fields: list[str] = dataclasses.field(default_factory=list)
    #: whether a term changes in time during the stage (Tcl transform)
    time_dependent: bool = False
    #: the spin-torque evolver it needs (``"zhang_li"``, ``"sot"``), for torques
    torque: str | None = None
    #: a rewrite of oommfc's energy script that the term needs (:mod:`mif_patches`)
    patch: Callable[[str], str] | None = None


# --------------------------------------------------------------------------- helpers

def same_value(a: Any, b: Any) -> bool:
    """Whether two scalars or vectors are equal (per-region values)."""
    return np.array_equal(np.asarray(a, float), np.asarray(b, float))


def _vec(v: Iterable[float]) -> tuple[float, float, float]:
    return tuple(float(x) for x in v)  # type: ignore[return-value]


def _unit(v: Iterable[float]) -> tuple[float, float, float]:
    a = np.asarray(list(v), float)
    return _vec(a / np.linalg.norm(a))


def _axis_param(plan: OOMMFPlan, axes: dict[str, tuple]) -> Any:
    vals = list(axes.values())
    if all(same_value(v, vals[0]) for v in vals):
        return vals[0]
    out = {plan.atlas_name(r): v for r, v in axes.items()}
    out["default"] = (0.0, 0.0, 1.0)
    return out


def _profile_tcl(name: str, drive: Any, ctx: StageContext) -> dict[str, str]:
    """oommfc ``tcl_strings`` making a torque follow the drive's profile (none if it is
    constant in this stage)."""
    if not ctx.varying(drive):
        return {}
    proc = f"mmstudy_profile_{name}"
    script = patches.profile_proc(proc, envelope_expression(drive.envelope))
    return {"tcl_strings": {"script": script, "script_name": proc, "script_args": "total_time"}}


# --------------------------------------------------------------------------- mappings

def sot_parameters(drive: SOTDrive, *, dz: float, thickness: float) -> dict[str, Any]:
    r"""``Oxs_SpinXferEvolve`` parameters giving the study's spin–orbit torque.

    OOMMF's torque (``spinxferevolve.cc``, ``Calculate_dm_dt``) with ``Lambda = 1``
    and ``P_fixed = P_free = P`` is, in Gilbert form,
    ``γ0 βε [m×(mp×m)] + γ0 βε' [mp×m]`` with ``βε = ħ J P/(2 μ0 e d Ms)``,
    ``βε' = ħ J ε'/(μ0 e d Ms)`` and d the cell size along ``J_direction`` (z, the
    default): the damping-like part turns m toward +mp. Ours is
    ``c [m×(p×m) + r p×m]`` with ``c = γ0 ħ θ_SH j/(2 μ0 e t Ms)``
    (:mod:`orchestrator.solver.torques.sot`). So ``mp = p``, ``P = θ_SH``,
    ``ε' = r θ_SH/2`` and ``J = j d/t`` (times the ratio of our ħ/e to OOMMF's, so that
    the coefficient is equal to the last digit).

    Examples
    --------
    >>> from orchestrator.study.model import SOTDrive
    >>> d = SOTDrive(j=1e11, theta_SH=0.2, p_angle=1.5707963267948966, field_like=0.5)
    >>> p = sot_parameters(d, dz=1e-9, thickness=2e-9)
    >>> round(p["J"] / 5e10, 6), p["P"], p["eps_prime"], [round(v, 12) for v in p["mp"]]
    (1.0, 0.2, 0.05, [0.0, 1.0, 0.0])
    """
    ratio = (HBAR / QE) / (OOMMF_HBAR / OOMMF_QE)
    return {"J": drive.j * dz / thickness * ratio, "P": float(drive.theta_SH),
            "Lambda": 1, "eps_prime": drive.field_like * drive.theta_SH / 2,
            "mp": tuple(float(v) for v in drive.direction)}


def zhang_li_u(drive: ZhangLiDrive, Ms: float) -> tuple[float, float, float]:
    r"""``Anv_SpinTEvolve_3d``'s ``u`` (m/s) for a Zhang–Li drive in a region of ``Ms``.

    mumax3 and the built-in solver (:mod:`orchestrator.solver.torques.zhangli`) write
    ``T = (u·∇)m − ξ m×(u·∇)m`` with ``u = μB P j/(e Ms (1+ξ²))``
    (:func:`mmstudy.spintorque.zhang_li_u`); OOMMF's evolver (``spintevolve_3d.cc``) has
    ``−(1+αβ)/(1+α²) (u·∇)m⊥ + (β−α)/(1+α²) m×(u·∇)m``, the same equation with
    ``u → −u`` and ``β = ξ``. The rate is taken per unit current density and multiplied
    by each component of j, as the built-in solver does, so that the two u are equal to
    the last digit.

    Examples
    --------
    >>> from orchestrator.study.model import ZhangLiDrive
    >>> [round(v, 2) + 0.0 for v in zhang_li_u(ZhangLiDrive(j=[1e12, 0, 0], P=0.4), 5.8e5)]
    [-39.92, 0.0, 0.0]
    """
    if Ms == 0:
        return (0.0, 0.0, 0.0)
    b = _zhang_li_rate(1.0, P=drive.P, Ms=Ms, xi=drive.xi)
    return tuple(-b * float(v) for v in drive.j)  # type: ignore[return-value]


def exchange_kernel(study: Study) -> tuple[str | None, str]:
    """OOMMF's exchange kernel equal to the built-in solver's ``12ngbr`` on this mesh,
    or None and why there is none.

    Examples
    --------
    >>> from orchestrator.study import validate_study
    >>> s = validate_study({"name": "k", "mesh": {"n": [16, 16, 1], "cell": [1e-9] * 3,
    ...     "pbc": "xy"}, "materials": {"default": {"Ms": 1e6, "A": 1e-11}},
    ...     "energy": {"exchange_kernel": "12ngbr"}, "stages": [{"type": "minimize"}]})
    >>> exchange_kernel(s)[0]
    '12ngbrmirror'
    """
    cells = study.mesh.cells
    pbc = study.mesh.pbc
    if pbc:
        open_axes = [ax for ax, n in zip("xyz", cells) if ax not in pbc and n > 1]
        if open_axes:
            return None, ("OOMMF's only 12-neighbour kernel for periodic meshes (12ngbrmirror) "
                          "mirrors the free edges where the built-in solver uses OOMMF's "
                          f"one-sided 12ngbr rows: an open axis ({', '.join(open_axes)}) must "
                          "have one cell")
        return "12ngbrmirror", ""
    short = [f"{ax} ({n})" for ax, n in zip("xyz", cells) if 1 < n < 5]
    if short:
        return None, f"OOMMF's 12-neighbour kernel needs 1 or ≥ 5 cells per axis: {', '.join(short)}"
    return "12ngbrb", ""


# --------------------------------------------------------------------------- energy

@TRANSLATORS.register(ExchangeTerm, "✓ per-region A (harmonic mean, `Oxs_Exchange6Ngbr`); "
                                    "`12ngbr`: open meshes (`12ngbrb`), periodic only with "
                                    "every open axis one cell thick (`12ngbrmirror`)")
def _exchange(name: str, spec: ExchangeTerm, ctx: StageContext) -> OOMMFTerm:
    import micromagneticmodel as mm

    A = spec.A
    kernel = spec.kernel == "12ngbr"
    value = ctx.plan.per_region(A, 0.0)
    if kernel or not isinstance(value, dict):
        value = float(next(iter(A.values()))) if isinstance(value, dict) else float(value)
        patch = None
        if kernel:
            oommf_kernel, why = exchange_kernel(ctx.study)
            if oommf_kernel is None:
                raise UnsupportedFeature("oommf", {"exchange.12ngbr":
                                                   f"energy.exchange_kernel ({why})"})
            patch = functools.partial(patches.exchange_kernel, kernel=oommf_kernel)
        return OOMMFTerm([mm.Exchange(A=value, name=name)],
                         [f"Oxs_UniformExchange:{name}:Field"], patch=patch)
    pairs = dict(value)
    regions = list(A)
    for i, a in enumerate(regions):
        for b in regions[i + 1:]:
            pairs[f"{a}:{b}"] = 2 * A[a] * A[b] / (A[a] + A[b])
    return OOMMFTerm([mm.Exchange(A=pairs, name=name)], [f"Oxs_Exchange6Ngbr:{name}:Field"])


@TRANSLATORS.register(DMITerm, "✓ (one `Oxs_DMI_*` per class, per-region D matrices)")
def _dmi(name: str, spec: DMITerm, ctx: StageContext) -> OOMMFTerm:
    import micromagneticmodel as mm

    plan = ctx.plan
    out = OOMMFTerm()
    for cls, D in spec.D.items():
        matrix: dict[str, float] = {plan.atlas_name(r): v for r, v in D.items()}
        if spec.interface == "mean" and not plan.box_atlas:
            names = plan.raster.names
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    bond = (D.get(a, 0.0) + D.get(b, 0.0)) / 2
                    if bond:
                        matrix[f"{a}:{b}"] = bond
        out.terms.append(mm.DMI(D=matrix, crystalclass=cls, name=f"{name}_{cls}"))
        out.fields.append(f"Oxs_DMI_{cls}:{name}_{cls}:Field")
    return out


@TRANSLATORS.register(AnisotropyTerm, "✓")
def _anisotropy(name: str, spec: AnisotropyTerm, ctx: StageContext) -> OOMMFTerm:
    import micromagneticmodel as mm

    axes = {r: _unit(spec.axis[r]) for r in spec.K}
    term = mm.UniaxialAnisotropy(K=ctx.plan.per_region(spec.K, 0.0),
                                 u=_axis_param(ctx.plan, axes), name=name)
    return OOMMFTerm([term], [f"Oxs_UniaxialAnisotropy:{name}:Field"])


@TRANSLATORS.register(DemagTerm, "✓, one periodic axis at most")
def _demag(name: str, spec: DemagTerm, ctx: StageContext) -> OOMMFTerm:
    import micromagneticmodel as mm

    return OOMMFTerm([mm.Demag(name=name)], [f"Oxs_Demag:{name}:Field"])


# --------------------------------------------------------------------------- drives

@TRANSLATORS.register(FieldDrive, "✓")
def _field(name: str, d: FieldDrive, ctx: StageContext) -> OOMMFTerm:
    import micromagneticmodel as mm

    factor, varying = ctx.factor(d), ctx.varying(d)
    H = tuple(factor * float(h) for h in d.H)
    value = (ctx.plan.per_region({r: H for r in d.regions}, (0.0, 0.0, 0.0))
             if d.regions else H)
    if not varying and not any(H):
        return OOMMFTerm()
    if not varying:
        return OOMMFTerm([mm.Zeeman(H=value, name=name)], [f"Oxs_FixedZeeman:{name}:Field"])
    proc = f"mmstudy_profile_{name}"
    tcl = {"script": patches.transform_proc(proc, envelope_expression(d.envelope)),
           "script_name": proc, "script_args": "total_time",
           "energy": "Oxs_TransformZeeman", "type": "diagonal"}
    return OOMMFTerm([mm.Zeeman(H=value, name=name, tcl_strings=tcl)],
                     [f"Oxs_TransformZeeman:{name}:Field"], time_dependent=True)


@TRANSLATORS.register(AnisotropyDrive, "✓ constant only (`Oxs_UniaxialAnisotropy` cannot "
                                       "change in time)")
def _anisotropy_drive(name: str, d: AnisotropyDrive, ctx: StageContext) -> OOMMFTerm:
    import micromagneticmodel as mm

    if ctx.varying(d):  # refused by OOMMFBackend.missing
        raise UnsupportedFeature("oommf", {"anisotropy_drive": f"drives.{name}.envelope"})
    K = ctx.factor(d) * d.K
    if K == 0:
        return OOMMFTerm()
    regions = d.regions or ctx.plan.raster.names
    term = mm.UniaxialAnisotropy(K=ctx.plan.per_region({r: K for r in regions}, 0.0),
                                 u=_unit(d.axis), name=name)
    return OOMMFTerm([term], [f"Oxs_UniaxialAnisotropy:{name}:Field"])


@TRANSLATORS.register(ZhangLiDrive, "open meshes, rk45 only (`Anv_SpinTEvolve_3d`)")
def _zhang_li(name: str, d: ZhangLiDrive, ctx: StageContext) -> OOMMFTerm:
    import micromagneticmodel as mm

    factor = ctx.factor(d)
    u = {r: tuple(factor * c for c in zhang_li_u(d, m.Ms or 0.0))
         for r, m in ctx.plan.mats.items()}
    term = mm.ZhangLi(u=ctx.plan.per_region(u, (0.0, 0.0, 0.0)), beta=d.xi,
                      **_profile_tcl(name, d, ctx))
    return OOMMFTerm([term], torque="zhang_li")


@TRANSLATORS.register(SOTDrive, "open meshes (`Oxs_SpinXferEvolve`, mp = p)")
def _sot(name: str, d: SOTDrive, ctx: StageContext) -> OOMMFTerm:
    import micromagneticmodel as mm

    mesh = ctx.study.mesh
    p = sot_parameters(d, dz=mesh.cell[2], thickness=d.thickness_in(mesh))
    term = mm.Slonczewski(J=p["J"] * ctx.factor(d), mp=p["mp"], P=p["P"], Lambda=p["Lambda"],
                          eps_prime=p["eps_prime"], **_profile_tcl(name, d, ctx))
    return OOMMFTerm([term], torque="sot")
