"""study → ubermag: one stage of a study as ``(mm.System, oommfc driver, drive_kwargs)``.

The mapping and what is refused are listed in :mod:`orchestrator.study.ubermag`. The
regions become discretisedfield subregions (:class:`_Layout`: each region's cells must be a
box, except a first region over the whole mesh, which becomes oommfc's remainder
``entire``); each parameter is one number when every magnetic region shares it, else a dict
keyed by OOMMF atlas name with ``"a:b"`` entries for the couplings between regions, as
mmstudy's OOMMF backend writes them (:mod:`orchestrator.backends.oommf_terms`, whose
Zhang–Li and SOT mappings and Tcl profiles are reused here). The energy terms come from the
study's term specs (:func:`orchestrator.study.terms.energy_terms`).
"""

from __future__ import annotations

import dataclasses
import keyword
import math
import re
import warnings
from typing import Any

import numpy as np

from orchestrator.study.model import (AnisotropyDrive, Everything, Evolve, FieldDrive, Minimize,
                                      Relax, SOTDrive, Study, ZhangLiDrive)
from orchestrator.study.shapes import Box
from orchestrator.study.ubermag import (REMAINDER, SINGLE, UbermagError, parse_zeeman_func,
                                        profile_tcl)

__all__ = ["system_from_study"]


def system_from_study(study: Study, *, stage: int | None, point: int | None
                      ) -> tuple[Any, Any, dict[str, Any]]:
    """``(system, driver, drive_kwargs)`` of one stage (see
    :func:`orchestrator.study.ubermag.to_ubermag`)."""
    import discretisedfield as df
    import micromagneticmodel as mm

    from orchestrator.study.initial import initial_m
    from orchestrator.study.raster import rasterize

    study = _point(study, point)
    k = _stage_index(study, stage)
    st = study.stages[k]
    if isinstance(st, Relax):
        raise UbermagError(f"stages.{k}: a relax stage has no oommfc driver (ubermag's "
                           "RelaxDriver is mumax3c's); use a minimize stage (MinDriver)")
    raster = rasterize(study)
    layout = _Layout.of(study, raster)
    mesh = df.Mesh(p1=(0.0, 0.0, 0.0), p2=study.mesh.size, n=study.mesh.cells,
                   bc=study.mesh.pbc, subregions=layout.subregions)
    system = mm.System(name=_identifier(study.name))
    frozen = not isinstance(st, Evolve)
    energy, tcl_profile = _energy(study, layout, k, frozen)
    if energy:
        system.energy = sum(energy[1:], energy[0])
    dynamics, torque = _dynamics(study, layout, k)
    if dynamics:
        system.dynamics = sum(dynamics[1:], dynamics[0])
    system.T = study.temperature
    Ms = raster.per_cell({r: study.material(r).Ms or 0.0 for r in raster.names})
    M = initial_m(study, raster) * Ms[..., None]
    system.m = df.Field(mesh, nvdim=3, value=np.transpose(M, (2, 1, 0, 3)))
    driver, kwargs = _driver(study, k, torque, tcl_profile)
    return system, driver, kwargs


# --------------------------------------------------------------------------- which stage

def _point(study: Study, point: int | None) -> Study:
    if study.sweep is None:
        if point not in (None, 0):
            raise UbermagError(f"point={point}: the study has no sweep (one point, 0)")
        return study
    from orchestrator.study.sweep import expand

    points = expand(study)
    if point is None:
        raise UbermagError(f"sweep: the study sweeps {', '.join(study.sweep.parameters)} over "
                           f"{len(points)} points and ubermag holds one: choose point= (0 to "
                           f"{len(points) - 1})")
    if not -len(points) <= point < len(points):
        raise UbermagError(f"point={point}: the sweep has {len(points)} points")
    return points[point].study


def _stage_index(study: Study, stage: int | None) -> int:
    n = len(study.stages)
    k = n - 1 if stage is None else stage
    if not -n <= k < n:
        raise UbermagError(f"stage={stage}: the study has {n} stage(s)")
    return k % n


def _identifier(name: str) -> str:
    """The study name as an ubermag system name (a Python identifier)."""
    out = re.sub(r"\W", "_", name)
    return out if out.isidentifier() and not keyword.iskeyword(out) else f"s_{out}"


# --------------------------------------------------------------------------- geometry

@dataclasses.dataclass
class _Layout:
    """The study's regions as ubermag's: the subregions, each used region's OOMMF atlas
    name, and the magnetic regions (those that own cells and have Ms > 0)."""

    subregions: dict[str, Any]
    oommf: dict[str, str]
    magnetic: list[str]

    @classmethod
    def of(cls, study: Study, raster: Any) -> _Layout:
        import discretisedfield as df

        used = raster.used
        magnetic = [r for r in used if (study.material(r).Ms or 0.0) > 0]
        if used == [SINGLE[0]] and not raster.vacuum.any():
            return cls({}, {SINGLE[0]: SINGLE[1]}, magnetic)
        Z, Y, X = np.meshgrid(raster.coords["z"], raster.coords["y"], raster.coords["x"],
                              indexing="ij")
        first = study.regions[0]
        whole = isinstance(first.shape, Everything) and first.shape.z is None
        subregions: dict[str, Any] = {}
        oommf: dict[str, str] = {}
        for r in used:
            mask = raster.mask(r)
            region = study.regions[raster.names.index(r)]
            lo, hi = _bbox(mask)
            is_box = bool(mask[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]].all())
            if r == first.name and whole and (r == REMAINDER or not is_box):
                oommf[r] = REMAINDER  # oommfc's remainder: the cells in no subregion
                continue
            if r == REMAINDER:
                raise UbermagError(f"regions.{r}: {REMAINDER!r} is oommfc's name for the cells "
                                   "in no subregion; rename the region")
            if not is_box:
                raise UbermagError(f"regions.{r}: its cells ({region.shape.type}) are not a box, "
                                   "and ubermag's subregions are boxes (discretisedfield "
                                   "Region); only a first region over the whole mesh may be "
                                   "the rest")
            own = region.shape.contains(X, Y, Z)
            p1, p2 = _corners(study, region.shape, lo, hi, np.array_equal(own, mask))
            subregions[r] = df.Region(p1=p1, p2=p2)
            oommf[r] = r
        return cls(subregions, oommf, magnetic)


def _bbox(mask: np.ndarray) -> tuple[list[int], list[int]]:
    """Lower (inclusive) and upper (exclusive) cell indices ``(z, y, x)`` of a mask."""
    where = np.nonzero(mask)
    return [int(w.min()) for w in where], [int(w.max()) + 1 for w in where]


def _corners(study: Study, shape: Any, lo: list[int], hi: list[int], exact: bool
             ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """A box's corners ``(x, y, z)``: the study's own numbers where the shape is that box
    on cell faces (so they come back unchanged), else the faces of its cells."""
    cell, size = study.mesh.cell, study.mesh.size
    p1 = [lo[2 - i] * cell[i] for i in range(3)]
    p2 = [hi[2 - i] * cell[i] for i in range(3)]
    if exact and isinstance(shape, Box):
        k = len(shape.min)
        own1 = list(shape.min[:k]) + ([] if k == 3 else [0.0])
        own2 = list(shape.max[:k]) + ([] if k == 3 else [size[2]])
        if all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * c)
               for a, b, c in zip(own1 + own2, p1 + p2, list(cell) * 2)):
            p1, p2 = own1, own2
    elif exact and isinstance(shape, Everything):
        p1, p2 = [0.0, 0.0, 0.0], list(size)
    return tuple(float(v) for v in p1), tuple(float(v) for v in p2)


def _plain(v: Any) -> Any:
    if isinstance(v, (list, tuple, np.ndarray)):
        return tuple(float(c) for c in v)
    return float(v)


def _param(layout: _Layout, values: dict[str, Any], default: Any) -> Any:
    """One value when every magnetic region has the same, else a dict by OOMMF atlas name
    with ubermag's ``default`` for the rest."""
    from orchestrator.backends.oommf_terms import same_value

    vals = [values.get(r, default) for r in layout.magnetic]
    if vals and all(same_value(v, vals[0]) for v in vals):
        return _plain(vals[0])
    out = {layout.oommf[r]: _plain(values.get(r, default)) for r in layout.oommf
           if not same_value(values.get(r, default), default)}
    out["default"] = _plain(default)
    return out


def _pairs(layout: _Layout, value: Any, bond) -> Any:
    """Add ``"a:b"`` entries (``bond(a, b)``, when non-zero) to a per-region dict."""
    if not isinstance(value, dict):
        return value
    regions = list(layout.oommf)
    for i, a in enumerate(regions):
        for b in regions[i + 1:]:
            v = bond(a, b)
            if v:
                value[f"{layout.oommf[a]}:{layout.oommf[b]}"] = float(v)
    return value


# --------------------------------------------------------------------------- energy

def _energy(study: Study, layout: _Layout, k: int, frozen: bool) -> tuple[list[Any], bool]:
    """The energy terms of stage ``k``, and whether one of them follows a Tcl profile."""
    import micromagneticmodel as mm

    from orchestrator.study.terms import (AnisotropyTerm, DemagTerm, DMITerm, ExchangeTerm,
                                          energy_terms)

    out: list[Any] = []
    for spec in energy_terms(study):
        if isinstance(spec, ExchangeTerm):
            if spec.kernel == "12ngbr":
                raise UbermagError("energy.exchange_kernel: ubermag's Exchange has no "
                                   "12-neighbour kernel")
            if any(a < 0 for a in spec.A.values()):
                raise UbermagError("lattice.J: J < 0 is the checkerboard antiferromagnet, "
                                   "which ubermag's OOMMF adapter has no model for")
            A = spec.A
            value = _pairs(layout, _param(layout, A, 0.0),
                           lambda a, b: 2 * A[a] * A[b] / (A[a] + A[b])
                           if A.get(a) and A.get(b) else 0.0)
            out.append(mm.Exchange(A=value))
        elif isinstance(spec, DMITerm):
            if spec.order == 4:
                raise UbermagError("energy.dmi_order: ubermag's DMI is second order")
            classes = spec.D
            for cls, D in classes.items():
                value = _param(layout, D, 0.0)
                if not isinstance(value, dict) and spec.interface == "zero" \
                        and len(layout.magnetic) > 1:
                    value = {layout.oommf[r]: value for r in layout.magnetic} | {"default": 0.0}
                if spec.interface == "mean":
                    value = _pairs(layout, value,
                                   lambda a, b: (D.get(a, 0.0) + D.get(b, 0.0)) / 2)
                name = "dmi" if len(classes) == 1 else f"dmi_{cls}"
                out.append(mm.DMI(D=value, crystalclass=cls, name=name))
        elif isinstance(spec, AnisotropyTerm):
            out.append(mm.UniaxialAnisotropy(
                K=_param(layout, spec.K, 0.0),
                u=_param(layout, {r: _unit(a) for r, a in spec.axis.items()}, (0.0, 0.0, 1.0))))
        elif isinstance(spec, DemagTerm):
            out.append(mm.Demag())
    tcl = False
    for name, d in study.active_drives(k).items():
        if isinstance(d, FieldDrive):
            term, uses_tcl = _zeeman(name, d, layout, frozen)
            tcl |= uses_tcl
        elif isinstance(d, AnisotropyDrive):
            term = _anisotropy_drive(name, d, layout, frozen, k)
        else:
            continue
        if term is not None:
            out.append(term)
    return out, tcl


def _unit(v: Any) -> tuple[float, float, float]:
    a = np.asarray(v, float)
    return tuple(float(c) for c in a / np.linalg.norm(a))  # type: ignore[return-value]


def _factor(d: Any, frozen: bool) -> float:
    """A drive's profile at t = 0 in a stage that holds the time there (the OOMMF
    backend's rule), else 1 (the profile then varies)."""
    from orchestrator.study.profiles import envelope_function

    return envelope_function(d.envelope)(0.0) if frozen else 1.0


def _zeeman(name: str, d: FieldDrive, layout: _Layout, frozen: bool) -> tuple[Any, bool]:
    import micromagneticmodel as mm

    from orchestrator.study.profiles import envelope_expression

    H = tuple(_factor(d, frozen) * h for h in d.H)
    regions = d.regions or list(layout.oommf)
    value = _param(layout, {r: H for r in regions if r in layout.oommf}, (0.0, 0.0, 0.0))
    if frozen and not any(H):
        return None, False
    if frozen or not d.time_dependent:
        return mm.Zeeman(H=value, name=name), False
    func = parse_zeeman_func(envelope_expression(d.envelope))
    if func is not None:
        return mm.Zeeman(H=value, name=name, **func), False
    return mm.Zeeman(H=value, name=name, tcl_strings=profile_tcl(name, d.envelope,
                                                                   zeeman=True)), True


def _anisotropy_drive(name: str, d: AnisotropyDrive, layout: _Layout, frozen: bool,
                      k: int) -> Any:
    import micromagneticmodel as mm

    if d.time_dependent and not frozen:
        raise UbermagError(f"drives.{name}.envelope: ubermag's UniaxialAnisotropy cannot change "
                           f"in time (stage {k} evolves)")
    K = _factor(d, frozen) * d.K
    if K == 0:
        return None
    regions = [r for r in (d.regions or list(layout.oommf)) if r in layout.oommf]
    return mm.UniaxialAnisotropy(K=_param(layout, {r: K for r in regions}, 0.0),
                                 u=_unit(d.axis), name=name)


# --------------------------------------------------------------------------- dynamics

def _dynamics(study: Study, layout: _Layout, k: int) -> tuple[list[Any], str | None]:
    """Precession, damping and the stage's spin torque (and its kind)."""
    import micromagneticmodel as mm

    mats = {r: study.material(r) for r in layout.oommf}
    alpha = {r: m.alpha for r, m in mats.items()}
    has_alpha = any(a is not None for a in alpha.values())
    has_gamma = any(m.gamma0 is not None for m in mats.values())
    out: list[Any] = []
    if isinstance(study.stages[k], Evolve) or has_alpha or has_gamma:
        out.append(mm.Precession(gamma0=_param(layout, {r: study.gamma0(r) for r in mats},
                                               0.0)))
        if has_alpha:
            out.append(mm.Damping(alpha=_param(layout, {r: a or 0.0 for r, a in alpha.items()},
                                               0.0)))
    torques = study.active_torques(k)
    if len(torques) > 1:
        raise UbermagError(f"drives.{', drives.'.join(torques)}: oommfc runs one spin-torque "
                           f"evolver, stage {k} has {len(torques)}")
    kind = None
    for name, d in torques.items():
        if isinstance(d, ZhangLiDrive):
            term, kind = _zhang_li(name, d, layout, mats), "zhang_li"
        elif isinstance(d, SOTDrive):
            term, kind = _sot(name, d, study), "sot"
        else:  # pragma: no cover - the Drive union has no other torque
            raise UbermagError(f"drives.{name}: {d.type} has no ubermag term")
        if term is not None:
            out.append(term)
    return out, kind


def _torque_profile(name: str, d: Any) -> dict[str, Any]:
    return {"tcl_strings": profile_tcl(name, d.envelope, zeeman=False)} \
        if d.time_dependent else {}


def _zhang_li(name: str, d: ZhangLiDrive, layout: _Layout, mats: dict) -> Any:
    import micromagneticmodel as mm

    from orchestrator.backends.oommf_terms import zhang_li_u

    if d.order == 4:
        raise UbermagError(f"drives.{name}.order: OOMMF's Zhang–Li evolver is second order")
    u = {}
    for r in layout.oommf:
        Ms = mats[r].Ms or 0.0
        if Ms == 0:
            u[r] = (0.0, 0.0, 0.0)
        elif d.I is not None:  # u = −I exactly (zhang_li_u of the j derived from I)
            u[r] = tuple(0.0 - float(c) for c in d.I)
        else:
            u[r] = zhang_li_u(d, Ms)
    return mm.ZhangLi(u=_param(layout, u, (0.0, 0.0, 0.0)), beta=float(d.xi), name=name,
                      **_torque_profile(name, d))


def _sot(name: str, d: SOTDrive, study: Study) -> Any:
    import micromagneticmodel as mm

    from orchestrator.backends.oommf_terms import sot_parameters

    mesh = study.mesh
    p = sot_parameters(d, dz=mesh.cell[2], thickness=d.thickness_in(mesh))
    if p["P"] == 0 or p["J"] == 0:
        warnings.warn(f"drives.{name}: θ_SH j = 0, no torque: left out", stacklevel=5)
        return None
    J, P = p["J"], p["P"]
    if P < 0:  # ubermag's P is positive: (−J)(−P) is the same torque, eps' = r|θ|/2
        J, P = -J, -P
    return mm.Slonczewski(J=J, mp=p["mp"], P=P, Lambda=1.0, eps_prime=d.field_like * P / 2,
                          name=name, **_torque_profile(name, d))


# --------------------------------------------------------------------------- driver

def _driver(study: Study, k: int, torque: str | None, tcl_profile: bool
            ) -> tuple[Any, dict[str, Any]]:
    import oommfc as oc

    from orchestrator.backends.oommf import MINIMIZE_MXHXM

    st = study.stages[k]
    if isinstance(st, Minimize):
        return oc.MinDriver(stopping_mxHxm=MINIMIZE_MXHXM), {}
    ratio = st.duration / st.save_every
    n = int(round(ratio))
    if abs(ratio - n) > 1e-9 * max(ratio, 1.0):
        raise UbermagError(f"stages.{k}.save_every: ubermag's TimeDriver saves n = t/Δt states, "
                           f"a whole number; the duration {st.duration!r} s is {ratio:g} of "
                           f"{st.save_every!r} s")
    dropped = []
    if st.table_every not in (None, st.save_every):
        dropped.append("table_every")
    if st.fields != ["m"]:
        dropped.append("fields")
    defaults = {f: Evolve.model_fields[f].default for f in ("integrator", "dt", "tolerance")}
    numerics = {f: getattr(st, f) for f in defaults}
    thermal = study.temperature > 0
    if numerics == defaults and not thermal and not tcl_profile:
        driver = oc.TimeDriver()
    else:  # the evolver of mmstudy's OOMMF backend for this stage
        from orchestrator.backends.oommf_plan import OOMMFPlan, evolver_for

        evolver, extra = evolver_for(OOMMFPlan(study), k, torque, thermal, tcl_profile)
        dropped += [f"evolver option {key}" for key in extra]
        driver = oc.TimeDriver(evolver=evolver)
    if dropped:
        warnings.warn(f"stages.{k}: {', '.join(dropped)} not kept (ubermag's TimeDriver saves "
                      "m and its table together, n times)", stacklevel=4)
    return driver, {"t": float(st.duration), "n": n}
