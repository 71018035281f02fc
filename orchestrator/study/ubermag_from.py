"""ubermag → study: a micromagneticmodel ``System`` and its driver(s) as a validated Study.

The mapping and what is refused are listed in :mod:`orchestrator.study.ubermag`; this
module reads the system term by term. The geometry comes first (:class:`_Geometry`: the
mesh, the regions from the subregions, the raster, Ms per region from ``|m|``), because
every parameter is then read per region (:func:`_per_region`: a number, a dict keyed by
OOMMF's atlas names, or a Field that must be one value per region). The study is built
as plain data and validated once by :func:`orchestrator.study.load.validate_study`.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from mmstudy.constants import GAMMA0
from orchestrator.study.ubermag import (M0_NAME, REMAINDER, SINGLE, UbermagError,
                                        parse_profile_tcl, sin_expression, sinc_expression)

__all__ = ["study_from_system"]

#: relative spread allowed in a parameter given per cell for it to be one value per region
#: (values a user sets per cell are equal to the last digit; this only absorbs rounding)
_SAME = 1e-12
#: relative spread allowed in |m| within a region (|m| is recomputed from components)
_MS_SAME = 1e-9
#: ubermag's DMI classes that the study's are (oommfc writes the deprecated Cnv, D2d and
#: the class O as Oxs_DMI_Cnv_z, Oxs_DMI_D2d_z and Oxs_DMI_T)
_CLASSES = {"Cnv_z": "Cnv_z", "Cnv": "Cnv_z", "T": "T", "O": "T", "D2d_z": "D2d_z",
            "D2d": "D2d_z"}
#: energy terms that are not in the study's model, and why
_NOT_MODELLED = {
    "CubicAnisotropy": "cubic anisotropy is not in mmstudy's model (a material holds one "
                       "uniaxial K and its axis)",
    "MagnetoElastic": "magnetoelastic coupling is not in mmstudy's model",
    "RKKY": "RKKY coupling between subregions is not in mmstudy's model",
}
#: the drive() keyword arguments that say how to run, not what: ignored
_RUN_OPTIONS = {"dirname", "append", "runner", "ovf_format", "verbose", "n_threads"}
#: oommfc evolver methods as the study's integrators
_METHODS = {"rkf54": "rk45", "rkf54m": "rk45", "rkf54s": "rk45", "rk2heun": "heun",
            "rk4": "rk4"}
#: evolver attributes that oommfc fills from the system when it drives (not settings)
_FROM_SYSTEM = {"alpha", "gamma_G", "gamma_LL", "do_precess", "u", "beta", "J", "mp", "P",
                "Lambda", "eps_prime", "J_profile", "J_profile_args", "u_profile",
                "u_profile_args", "temperature", "func", "dt", "tcl_strings", "fixed_spins"}
_THERMAL_EVOLVERS = ("Xf_ThermHeunEvolver", "Xf_ThermSpinXferEvolver")


def study_from_system(system: Any, driver: Any, *, folder: str | os.PathLike | None,
                      name: str | None, overwrite: bool, driver_kwargs: dict[str, Any]):
    """The study of ``system`` driven by ``driver`` (see
    :func:`orchestrator.study.ubermag.from_ubermag`)."""
    from orchestrator.study.load import validate_study

    stages, evolver = _stages(driver, driver_kwargs)
    geo = _geometry(system)
    mats: dict[str, dict[str, Any]] = {r: {} for r in geo.names}
    energy: dict[str, Any] = {}
    drives: dict[str, Any] = {}
    _energy(system, geo, mats, energy, drives)
    precession = _dynamics(system, geo, mats, drives, stages)
    if any(s["type"] == "evolve" for s in stages) and not precession:
        raise UbermagError("system.dynamics: a TimeDriver needs Precession (without it "
                           "oommfc's TimeDriver only damps, which mmstudy's relax stage does "
                           "until equilibrium, not for a time t: use a RelaxDriver)")
    data: dict[str, Any] = {
        "name": name or system.name,
        "mesh": geo.mesh,
        "materials": _materials(geo, mats),
        "stages": stages,
    }
    if geo.regions is not None:
        data["regions"] = geo.regions
    if energy:
        data["energy"] = energy
    if drives:
        data["drives"] = drives
    if system.T:
        data["thermal"] = _thermal(system, evolver, stages)
    data["initial"] = _initial(geo, folder, overwrite)  # last: it may write m0.omf
    return validate_study(data, source=f"ubermag system {system.name!r}")


# --------------------------------------------------------------------------- helpers

def _attrs(obj: Any) -> dict[str, Any]:
    """The attributes set on a micromagneticmodel/oommfc object (unset ones are
    ubermagutil descriptors)."""
    import ubermagutil.typesystem as ts

    return {k: v for k, v in dict(obj).items() if not isinstance(v, ts.Descriptor)}


def _tidy(x: float) -> float:
    """``x`` to 15 significant digits: removes the rounding of a recomputed norm."""
    return float(f"{float(x):.15g}")


def _same(values: list[Any]) -> bool:
    return all(np.array_equal(np.asarray(v, float), np.asarray(values[0], float))
               for v in values)


def _number(value: Any, what: str) -> float:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise UbermagError(f"{what}: expected a number, got {value!r}")


def _vector(value: Any, what: str) -> list[float]:
    try:
        v = [float(c) for c in value]
    except (TypeError, ValueError):
        v = []
    if len(v) != 3:
        raise UbermagError(f"{what}: expected a vector of 3 numbers, got {value!r}")
    return v


# --------------------------------------------------------------------------- geometry

@dataclasses.dataclass
class _Geometry:
    """The system's mesh as the study's: its ``mesh`` and ``regions`` sections, the region
    index per cell ``(nz, ny, nx)`` (−1: vacuum), the magnetic cells, M (A/m) per cell,
    Ms per region and each region's OOMMF atlas name (the key of ubermag's dicts)."""

    mesh: dict[str, Any]
    regions: list[dict[str, Any]] | None
    names: list[str]
    oommf: dict[str, str]
    index: np.ndarray
    M: np.ndarray
    magnetic: np.ndarray
    Ms: dict[str, float]
    pbc: str
    has_subregions: bool

    @property
    def magnetic_regions(self) -> list[str]:
        return [r for r in self.names if self.Ms[r] > 0]

    def cells(self, region: str) -> np.ndarray:
        """The magnetic cells of ``region``."""
        return (self.index == self.names.index(region)) & self.magnetic


def _to_study_order(array: Any) -> np.ndarray:
    """A discretisedfield array ``(nx, ny, nz, k)`` in the study's order ``(nz, ny, nx, k)``."""
    return np.transpose(np.asarray(array, dtype=np.float64), (2, 1, 0, 3))


def _shape(region: Any, p1: np.ndarray, size: np.ndarray, cell: np.ndarray) -> dict[str, Any]:
    """A subregion as a study shape (coordinates from the mesh's lower corner): the whole
    mesh is ``all``, a box through the whole thickness has x–y corners only."""
    lo = np.asarray(region.pmin, float) - p1
    hi = np.asarray(region.pmax, float) - p1
    full = [abs(lo[i]) <= 1e-9 * cell[i] and abs(hi[i] - size[i]) <= 1e-9 * cell[i]
            for i in range(3)]
    if all(full):
        return {"type": "all"}
    k = 2 if full[2] else 3
    return {"type": "box", "min": [float(v) for v in lo[:k]], "max": [float(v) for v in hi[:k]]}


def _raster_of(mesh: dict[str, Any], regions: list[dict[str, Any]] | None):
    """The study's raster of these regions (:func:`orchestrator.study.raster.rasterize`)."""
    from orchestrator.study.model import Study
    from orchestrator.study.raster import rasterize

    data: dict[str, Any] = {"name": "raster", "mesh": mesh, "stages": [{"type": "minimize"}],
                            "materials": {"default": {"Ms": 1.0}}}
    if regions is not None:
        data["regions"] = regions
    return rasterize(Study.model_validate(data))


def _geometry(system: Any) -> _Geometry:
    import discretisedfield as df

    m = system.m
    if not isinstance(m, df.Field) or m.nvdim != 3:
        raise UbermagError("system.m: expected the magnetisation, a discretisedfield.Field "
                           f"of 3 components whose norm is Ms, got {type(m).__name__}")
    mesh = m.mesh
    if len(mesh.n) != 3:
        raise UbermagError(f"system.m.mesh: expected a 3-dimensional mesh, got {len(mesh.n)} "
                           "dimensions")
    bc = mesh.bc or ""
    if bc == "dirichlet":
        raise UbermagError("system.m.mesh.bc: Dirichlet boundaries are not in mmstudy's model "
                           "(free edges or periodic axes)")
    pbc = "" if bc == "neumann" else "".join(ax for ax in "xyz" if ax in bc)
    n = [int(v) for v in mesh.n]
    cell = np.asarray(mesh.cell, float)
    p1 = np.asarray(mesh.region.pmin, float)
    size = np.asarray(mesh.region.pmax, float) - p1
    spec = {"n": n, "cell": [float(c) for c in cell], "pbc": pbc}
    M = _to_study_order(m.array)
    norm = np.linalg.norm(M, axis=-1)
    magnetic = norm > 0

    subregions = dict(mesh.subregions)
    for key in subregions:
        if not key.isidentifier() or key in ("default", REMAINDER):
            raise UbermagError(f"system.m.mesh.subregions: {key!r} cannot name a region "
                               f"(identifiers other than 'default' and {REMAINDER!r}, the name "
                               "oommfc gives the cells in no subregion)")
    if subregions:
        regions = [{"name": k, "shape": _shape(r, p1, size, cell)} for k, r in subregions.items()]
        raster = _raster_of(spec, regions)
        coords = raster.coords
        Z, Y, X = np.meshgrid(coords["z"], coords["y"], coords["x"], indexing="ij")
        from orchestrator.study.model import Region

        masks = {r["name"]: Region.model_validate(r).shape.contains(X, Y, Z) for r in regions}
        count = sum(mask.astype(int) for mask in masks.values())
        if (count > 1).any():
            both = [k for k, mask in masks.items() if (mask & (count > 1)).any()]
            raise UbermagError(f"system.m.mesh.subregions: {', '.join(map(repr, both))} overlap "
                               f"in {int((count > 1).sum())} cells (OOMMF's atlas gives a shared "
                               "cell to the first subregion, discretisedfield's dict values to "
                               "the last): make them disjoint")
        if (magnetic & (count == 0)).any():
            regions.insert(0, {"name": REMAINDER, "shape": {"type": "all"}})
        raster = _raster_of(spec, regions)
        oommf = {r["name"]: r["name"] for r in regions}
    else:
        regions = None
        raster = _raster_of(spec, None)
        oommf = {SINGLE[0]: SINGLE[1]}
    names = raster.names
    Ms: dict[str, float] = {}
    for i, r in enumerate(names):
        values = norm[raster.index == i]
        if not values.size or not values.any():
            Ms[r] = 0.0
            continue
        top = float(values.max())
        if float(values.min()) < top * (1 - _MS_SAME):
            where = "" if regions is None else f" region {r!r}"
            raise UbermagError(
                f"system.m: |m| (Ms) varies within{where or ' the mesh'} (from "
                f"{float(values.min()):g} to {top:g} A/m): mmstudy holds one Ms per region "
                "and has no vacuum cells inside a region; give each part its own subregion")
        Ms[r] = _tidy(values.mean())
    return _Geometry(spec, regions, names, oommf, raster.index, M, magnetic, Ms, pbc,
                     bool(subregions))


def _per_region(geo: _Geometry, value: Any, what: str, *, default: Any,
                pairs: bool = False) -> dict[str, Any]:
    """``value`` (a number or vector, a dict keyed by subregion, or a Field) for each study
    region: ubermag's dict misses fall back to its ``default`` key, else ``default``;
    ``pairs`` allows ``"a:b"`` keys (exchange and DMI between subregions)."""
    import discretisedfield as df

    if isinstance(value, df.Field):
        arr = _to_study_order(value.array)
        out = {}
        for i, r in enumerate(geo.names):
            cells = arr[geo.cells(r)]
            if not len(cells):  # no magnetic cell: the value does nothing
                out[r] = default
                continue
            if not np.allclose(cells, cells[0], rtol=_SAME, atol=0.0):
                raise UbermagError(f"{what}: the Field varies within region {r!r}: mmstudy "
                                   "holds one value per region (give it per subregion)")
            out[r] = float(cells[0][0]) if arr.shape[-1] == 1 else [float(c) for c in cells[0]]
        return out
    if isinstance(value, dict):
        known = set(geo.oommf.values()) | {"default"}
        if geo.has_subregions:
            known.add(REMAINDER)
        for key in value:
            sides = key.split(":") if pairs and ":" in key else [key]
            if len(sides) > 2 or any(s not in known or s == "default" and len(sides) > 1
                                     for s in sides):
                raise UbermagError(f"{what}: key {key!r} names no subregion (known: "
                                   f"{', '.join(sorted(known))})")
        fallback = value.get("default", default)
        return {r: value.get(f"{o}:{o}", value.get(o, fallback)) for r, o in geo.oommf.items()}
    return {r: value for r in geo.names}


def _bond(value: Any, a: str, b: str, default: float) -> float:
    """The coupling ubermag sets between OOMMF regions ``a`` and ``b``."""
    if isinstance(value, dict):
        for key in (f"{a}:{b}", f"{b}:{a}"):
            if key in value:
                return float(value[key])
        return float(value.get("default", default))
    return float(value)


def _neighbours(geo: _Geometry) -> list[tuple[str, str]]:
    """Pairs of regions with magnetic cells side by side (across periodic seams too)."""
    idx = np.where(geo.magnetic, geo.index, -1)
    found: set[tuple[int, int]] = set()
    for axis, ax in ((2, "x"), (1, "y"), (0, "z")):
        if ax in geo.pbc:
            a, b = idx, np.roll(idx, -1, axis=axis)
        else:
            a = np.delete(idx, -1, axis=axis)
            b = np.delete(idx, 0, axis=axis)
        touch = (a >= 0) & (b >= 0) & (a != b)
        found |= {tuple(sorted(p)) for p in zip(a[touch].tolist(), b[touch].tolist())}
    return [(geo.names[i], geo.names[j]) for i, j in sorted(found)]


# --------------------------------------------------------------------------- energy

def _energy(system: Any, geo: _Geometry, mats: dict[str, dict[str, Any]],
            energy: dict[str, Any], drives: dict[str, Any]) -> None:
    import micromagneticmodel as mm

    seen: set[str] = set()
    rules: set[str] | None = None
    for term in system.energy:
        kind = type(term).__name__
        label = f"system.energy.{term.name} ({kind})"
        if isinstance(term, mm.Exchange):
            if "A" in seen:
                raise UbermagError(f"{label}: a second exchange term (mmstudy has one A per "
                                   "region)")
            seen.add("A")
            _exchange(term, geo, mats, label)
        elif isinstance(term, mm.DMI):
            rule = _dmi(term, geo, mats, label, seen)
            rules = rule if rules is None else rules & rule
            if not rules:
                raise UbermagError(f"{label}: the DMI between subregions follows the mean of "
                                   "the two D in one DMI term and is zero in another: mmstudy "
                                   "has one rule (energy.dmi_interface) for all classes")
        elif isinstance(term, mm.UniaxialAnisotropy):
            if "K" in seen:
                raise UbermagError(f"{label}: a second uniaxial anisotropy (mmstudy has one K "
                                   "and axis per region)")
            seen.add("K")
            _anisotropy(term, geo, mats, label)
        elif isinstance(term, mm.Zeeman):
            _zeeman(term, geo, drives, label)
        elif isinstance(term, mm.Demag):
            if _attrs(term):
                warnings.warn(f"{label}: {', '.join(_attrs(term))} not kept (mmstudy's demag "
                              "has no such setting)", stacklevel=4)
            energy["demag"] = True
        else:
            why = _NOT_MODELLED.get(kind, f"{kind} is not in mmstudy's model")
            raise UbermagError(f"{label}: {why}")
    if rules and "mean" not in rules:
        energy["dmi_interface"] = "zero"


def _harmonic(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a > 0 and b > 0 else 0.0


def _exchange(term: Any, geo: _Geometry, mats: dict, label: str) -> None:
    value = term.A
    A = {r: _number(v, f"{label}.A") for r, v in
         _per_region(geo, value, f"{label}.A", default=0.0, pairs=True).items()}
    if isinstance(value, dict):
        for a, b in _neighbours(geo):
            oa, ob = geo.oommf[a], geo.oommf[b]
            got, want = _bond(value, oa, ob, 0.0), _harmonic(A[a], A[b])
            if not math.isclose(got, want, rel_tol=1e-12, abs_tol=0.0):
                raise UbermagError(
                    f"{label}.A: between subregions {oa!r} and {ob!r} it is {got!r} J/m "
                    f"(ubermag's '{oa}:{ob}' entry, else its 'default'); mmstudy couples "
                    f"regions with the harmonic mean of their A, {want!r} J/m: add "
                    f"'{oa}:{ob}': {want!r}")
    for r, v in A.items():
        mats[r]["A"] = v


def _dmi(term: Any, geo: _Geometry, mats: dict, label: str, seen: set[str]) -> set[str]:
    """Read a DMI term into the materials; returns the interface rules it fits."""
    import discretisedfield as df

    cls = _CLASSES.get(term.crystalclass)
    if cls is None:
        raise UbermagError(f"{label}: crystal class {term.crystalclass!r} is not in mmstudy's "
                           f"model (Cnv_z, T, D2d_z; ubermag's Cnv, O and D2d are those)")
    if f"dmi.{cls}" in seen:
        raise UbermagError(f"{label}: a second DMI term of class {cls} (give one D per class)")
    seen.add(f"dmi.{cls}")
    if isinstance(term.D, df.Field):
        raise UbermagError(f"{label}.D: a Field D is not written by ubermag's OOMMF adapter "
                           "(oommfc); give D per subregion as a dict")
    D = {r: _number(v, f"{label}.D") for r, v in
         _per_region(geo, term.D, f"{label}.D", default=0.0, pairs=True).items()}
    rules = {"mean", "zero"}
    for a, b in _neighbours(geo):
        got = _bond(term.D, geo.oommf[a], geo.oommf[b], 0.0)
        if not math.isclose(got, (D[a] + D[b]) / 2, rel_tol=1e-12, abs_tol=0.0):
            rules.discard("mean")
        if got != 0.0:
            rules.discard("zero")
        if not rules:
            oa, ob = geo.oommf[a], geo.oommf[b]
            raise UbermagError(
                f"{label}.D: between subregions {oa!r} and {ob!r} it is {got!r} J/m² "
                f"(ubermag's '{oa}:{ob}' entry, else its 'default'); mmstudy puts the mean of "
                f"the two D there, {(D[a] + D[b]) / 2!r}, or 0 (energy.dmi_interface)")
    for r, v in D.items():
        if v:
            mats[r].setdefault("dmi", []).append({"D": v, "class": cls})
    return rules


def _anisotropy(term: Any, geo: _Geometry, mats: dict, label: str) -> None:
    attrs = _attrs(term)
    K2 = attrs.get("K2")
    if K2 is not None and not (isinstance(K2, numbers.Real) and K2 == 0):
        raise UbermagError(f"{label}.K2: higher-order uniaxial anisotropy is not in mmstudy's "
                           "model (K = K1 with K2 = 0 is)")
    if "K" in attrs and "K1" in attrs:
        raise UbermagError(f"{label}: give K or K1, not both")
    K = attrs.get("K", attrs.get("K1"))
    if K is None or "u" not in attrs:
        raise UbermagError(f"{label}: expected K (J/m³) and the axis u")
    Ks = _per_region(geo, K, f"{label}.K", default=0.0)
    axes = _per_region(geo, attrs["u"], f"{label}.u", default=(0.0, 0.0, 0.0))
    for r in geo.names:
        k = _number(Ks[r], f"{label}.K")
        if k:
            axis = _vector(axes[r], f"{label}.u")
            if not any(axis):
                raise UbermagError(f"{label}.u: no axis in region {r!r}")
            mats[r].update(K=k, K_axis=axis)


def _envelope(term: Any, attrs: dict[str, Any], label: str, *, zeeman: bool) -> dict | None:
    """A term's time profile as the study's envelope (None: constant)."""
    func = attrs.get("func", attrs.get("wave"))
    if callable(func):
        raise UbermagError(f"{label}.func: a Python callable cannot be written as data "
                           "(mmstudy's time profiles are constant, pulse, train or an "
                           "expression of t)")
    if func in ("sin", "sinc"):
        if "f" not in attrs or "t0" not in attrs:
            raise UbermagError(f"{label}: func={func!r} needs f (Hz) and t0 (s)")
        render = sin_expression if func == "sin" else sinc_expression
        return {"type": "expression", "expression": render(attrs["f"], attrs["t0"])}
    if func is not None:
        raise UbermagError(f"{label}.func: {func!r} is not a time dependence mmstudy knows")
    if "tcl_strings" in attrs:
        env = parse_profile_tcl(term.name, attrs["tcl_strings"], zeeman=zeeman)
        if env is None:
            raise UbermagError(f"{label}.tcl_strings: Tcl code cannot be read as a time profile "
                               "(only the profiles Study.to_ubermag writes are read back)")
        return env.model_dump()
    return None


def _zeeman(term: Any, geo: _Geometry, drives: dict, label: str) -> None:
    attrs = _attrs(term)
    if "H" not in attrs:
        raise UbermagError(f"{label}: expected the field H (A/m)")
    H = _per_region(geo, attrs["H"], f"{label}.H", default=(0.0, 0.0, 0.0))
    envelope = _envelope(term, attrs, label, zeeman=True)
    groups: dict[tuple[float, ...], list[str]] = {}
    for r in geo.magnetic_regions:
        h = tuple(_vector(H[r], f"{label}.H"))
        if any(h):
            groups.setdefault(h, []).append(r)
    for i, (h, regions) in enumerate(groups.items()):
        key = term.name if len(groups) == 1 else f"{term.name}_{i + 1}"
        if key in drives:
            raise UbermagError(f"{label}: two drives would be named {key!r}: rename a term")
        drive: dict[str, Any] = {"type": "field", "H": list(h)}
        if regions != geo.magnetic_regions:
            drive["regions"] = regions
        if envelope is not None:
            drive["envelope"] = envelope
        drives[key] = drive


# --------------------------------------------------------------------------- dynamics

def _uniform(geo: _Geometry, value: Any, label: str, default: Any) -> Any:
    """A parameter that must be one value over all magnetic cells."""
    values = _per_region(geo, value, label, default=default)
    used = [values[r] for r in geo.magnetic_regions] or [default]
    if not _same(used):
        raise UbermagError(f"{label}: differs between regions ({used}): mmstudy's spin torques "
                           "act with one value everywhere")
    return used[0]


def _dynamics(system: Any, geo: _Geometry, mats: dict, drives: dict,
              stages: list[dict]) -> bool:
    """Read the dynamics into materials (γ0, α) and torque drives; returns whether it
    precesses."""
    import micromagneticmodel as mm

    precession = damping = False
    torques = []
    for term in system.dynamics:
        kind = type(term).__name__
        label = f"system.dynamics.{term.name} ({kind})"
        if isinstance(term, mm.Precession):
            precession = True
            for r, g in _per_region(geo, term.gamma0, f"{label}.gamma0",
                                    default=GAMMA0).items():
                g = _number(g, f"{label}.gamma0")
                if g != GAMMA0:
                    mats[r]["gamma0"] = g
        elif isinstance(term, mm.Damping):
            damping = True
            for r, a in _per_region(geo, term.alpha, f"{label}.alpha", default=0.0).items():
                mats[r]["alpha"] = _number(a, f"{label}.alpha")
        elif isinstance(term, mm.ZhangLi):
            torques.append(term.name)
            drive = _zhang_li(term, geo, label)
            if drive:
                drives[term.name] = drive
        elif isinstance(term, mm.Slonczewski):
            torques.append(term.name)
            drive = _sot(term, geo, label)
            if drive:
                drives[term.name] = drive
        else:
            raise UbermagError(f"{label}: {kind} is not in mmstudy's model")
    if len(torques) > 1:
        raise UbermagError(f"system.dynamics: {' and '.join(torques)}: oommfc runs one "
                           "spin-torque evolver")
    kinds = {s["type"] for s in stages}
    if not damping and "relax" in kinds:
        raise UbermagError("system.dynamics: a RelaxDriver needs Damping (alpha)")
    if not damping and "evolve" in kinds:  # oommfc's TimeDriver writes alpha 0
        for r in geo.names:
            mats[r]["alpha"] = 0.0
    return precession


def _zhang_li(term: Any, geo: _Geometry, label: str) -> dict[str, Any] | None:
    from mmstudy.spintorque import zhang_li_u as rate

    attrs = _attrs(term)
    if "u" not in attrs or "beta" not in attrs:
        raise UbermagError(f"{label}: expected u (m/s) and beta")
    beta = _number(attrs["beta"], f"{label}.beta")
    values = _per_region(geo, attrs["u"], f"{label}.u", default=0.0)
    # a scalar u is along x (ubermag's ZhangLi, OOMMF's Anv_SpinTEvolve)
    u = {r: ([float(v), 0.0, 0.0] if isinstance(v, numbers.Real) else _vector(v, f"{label}.u"))
         for r, v in values.items()}
    used = geo.magnetic_regions
    if not used or not any(any(u[r]) for r in used):
        return None
    drive: dict[str, Any] = {"type": "zhang_li", "P": 1.0, "xi": beta}
    if _same([u[r] for r in used]) and len({geo.Ms[r] for r in used}) == 1:
        drive["I"] = [0.0 - c for c in u[used[0]]]  # OOMMF's u is −(mumax3's u: I)
    else:
        j = {r: [-c / rate(1.0, P=1.0, Ms=geo.Ms[r], xi=beta) for c in u[r]] for r in used}
        first = np.asarray(j[used[0]])
        if not all(np.allclose(j[r], first, rtol=1e-9, atol=0.0) for r in used):
            raise UbermagError(
                f"{label}.u: the drift velocities per region are not one current density "
                "(mmstudy's u = μB P j/(e Ms (1 + β²)) follows Ms with one j)")
        drive["j"] = first.tolist()
    envelope = _envelope(term, attrs, label, zeeman=False)
    if envelope is not None:
        drive["envelope"] = envelope
    return drive


def _sot(term: Any, geo: _Geometry, label: str) -> dict[str, Any] | None:
    from mmstudy.constants import HBAR, QE
    from orchestrator.backends.oommf_terms import OOMMF_HBAR, OOMMF_QE

    attrs = _attrs(term)
    for key in ("J", "mp", "P", "Lambda"):
        if key not in attrs:
            raise UbermagError(f"{label}: expected J, mp, P and Lambda ({key} is missing)")
    Lambda = _number(_uniform(geo, attrs["Lambda"], f"{label}.Lambda", 1.0), f"{label}.Lambda")
    if not math.isclose(Lambda, 1.0, rel_tol=1e-12):
        raise UbermagError(f"{label}.Lambda = {Lambda!r}: OOMMF's Slonczewski torque depends on "
                           "m·mp unless Λ = 1; mmstudy's spin–orbit torque is the Λ = 1 form")
    J = _number(_uniform(geo, attrs["J"], f"{label}.J", 0.0), f"{label}.J")
    P = _number(_uniform(geo, attrs["P"], f"{label}.P", 0.0), f"{label}.P")
    eps = _number(_uniform(geo, attrs.get("eps_prime", 0.0), f"{label}.eps_prime", 0.0),
                  f"{label}.eps_prime")
    mp = _vector(_uniform(geo, attrs["mp"], f"{label}.mp", (0.0, 0.0, 0.0)), f"{label}.mp")
    if J == 0 or (P == 0 and eps == 0):
        return None
    if P <= 0:
        raise UbermagError(f"{label}.P: a field-like torque without a damping-like one "
                           "(P = 0) is not mmstudy's spin–orbit torque")
    if not any(mp):
        raise UbermagError(f"{label}.mp: the polarisation is zero")
    # sot_parameters: J = j dz/t × ratio, P = θ_SH, eps' = r θ_SH/2 (t: the mesh thickness)
    dz = geo.mesh["cell"][2]
    t = geo.mesh["n"][2] * dz
    ratio = (HBAR / QE) / (OOMMF_HBAR / OOMMF_QE)
    drive: dict[str, Any] = {"type": "sot", "j": J / ratio * t / dz, "theta_SH": P, "p": mp}
    if eps:
        drive["field_like"] = 2 * eps / P
    envelope = _envelope(term, attrs, label, zeeman=False)
    if envelope is not None:
        drive["envelope"] = envelope
    return drive


# --------------------------------------------------------------------------- materials

def _materials(geo: _Geometry, mats: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per-region values as the study's ``materials``: a value that all magnetic regions
    share goes to ``default``; vacuum regions get Ms = 0 only."""
    used = geo.magnetic_regions
    for r in geo.names:
        mats[r]["Ms"] = geo.Ms[r]
    default: dict[str, Any] = {}
    keys = sorted({k for r in used for k in mats[r]})
    for key in keys:
        values = [mats[r].get(key) for r in used]
        if values[0] is not None and all(v == values[0] for v in values):
            default[key] = values[0]
    out: dict[str, dict[str, Any]] = {"default": default} if default else {}
    for r in geo.names:
        if r in used:
            own = {k: v for k, v in mats[r].items() if k not in default}
        else:  # vacuum: Ms = 0, and an α where the stages need one per region
            own = {"Ms": 0.0}
            if "alpha" in mats[r] and "alpha" not in default:
                own["alpha"] = mats[r]["alpha"]
        if "Ms" not in default and "Ms" not in own:
            own["Ms"] = geo.Ms[r]
        if own:
            out[r] = own
    if not used:  # nothing magnetic: one value for every region
        out = {"default": {"Ms": 0.0}}
    return out


# --------------------------------------------------------------------------- initial state

def _initial(geo: _Geometry, folder: str | os.PathLike | None, overwrite: bool) -> dict[str, Any]:
    M = geo.M[geo.magnetic]
    if not len(M):
        return {"type": "uniform"}
    unit = M / np.linalg.norm(M, axis=-1, keepdims=True)
    if np.allclose(unit, unit[0], rtol=0.0, atol=1e-12):
        return {"type": "uniform", "direction": [_tidy(c) for c in unit[0]]}
    if folder is None:
        raise UbermagError(f"system.m: the magnetisation is not uniform; give folder= to write "
                           f"it as the study's initial state ({M0_NAME})")
    return {"type": "file", "path": str(_write_m0(geo, Path(folder), overwrite))}


def _write_m0(geo: _Geometry, folder: Path, overwrite: bool) -> Path:
    """``folder/m0.omf`` holding M (A/m); an existing file with another state is replaced
    only with ``overwrite`` (a study written earlier may refer to it)."""
    from analysis.ovf import write_ovf

    folder = folder.expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / M0_NAME
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".m0-", suffix=".omf")
    os.close(fd)
    try:
        write_ovf(tmp, geo.M, cell=geo.mesh["cell"], pmin=(0.0, 0.0, 0.0), title="m0",
                  units="A/m", labels=("Magnetization_x", "Magnetization_y", "Magnetization_z"),
                  overwrite=True)
        if target.exists() and target.read_bytes() != Path(tmp).read_bytes() and not overwrite:
            raise UbermagError(f"{target} holds another state; pass overwrite=True to replace "
                               "it, or another folder")
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


# --------------------------------------------------------------------------- drivers

def _driver_list(driver: Any, kwargs: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    if isinstance(driver, list):
        if kwargs:
            raise UbermagError("with a list of drivers give each its drive keyword arguments: "
                               "driver=[\"MinDriver\", (\"TimeDriver\", {\"t\": 1e-9, \"n\": "
                               "100})]")
        if not driver:
            raise UbermagError("driver: the list of drivers is empty")
        return [(d[0], dict(d[1])) if isinstance(d, tuple) else (d, {}) for d in driver]
    return [(driver, dict(kwargs))]


def _stages(driver: Any, kwargs: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    """The stages of the drivers, and the thermal evolver (if a TimeDriver has one)."""
    stages: list[dict[str, Any]] = []
    thermal = None
    for k, (d, kw) in enumerate(_driver_list(driver, kwargs)):
        kind = d if isinstance(d, str) else type(d).__name__
        label = f"driver {kind}" if k == 0 and not isinstance(driver, list) else \
            f"driver[{k}] ({kind})"
        if kind == "HysteresisDriver":
            raise UbermagError(f"{label}: a HysteresisDriver steps the field through "
                               "minimisations; write it as a sweep of a field drive with a "
                               "minimize stage")
        if kind not in ("MinDriver", "RelaxDriver", "TimeDriver"):
            raise UbermagError(f"{label}: expected MinDriver, RelaxDriver or TimeDriver")
        _check_drive_kwargs(kw, kind, label)
        settings = {} if isinstance(d, str) else _attrs(d)
        # an evolver the user chose (oommfc sets one on a driver it autoselected for)
        chosen = not getattr(d, "autoselect_evolver", True)
        evolver = settings.pop("evolver", None) if chosen else None
        settings.pop("evolver", None)
        if kind == "MinDriver" and settings.get("stopping_mxHxm") == _minimize_mxhxm():
            del settings["stopping_mxHxm"]  # the criterion of mmstudy's OOMMF minimiser
        if settings:
            warnings.warn(f"{label}: {', '.join(sorted(settings))} not kept (mmstudy's "
                          f"{_STAGE[kind]} stage has its own stopping rules)", stacklevel=4)
        stage: dict[str, Any] = {"type": _STAGE[kind]}
        if kind == "TimeDriver":
            t, n = kw["t"], kw["n"]
            stage.update(duration=float(t), save_every=float(t) / n)
            if evolver is not None:
                stage.update(_evolver_settings(evolver, label))
                if type(evolver).__name__ in _THERMAL_EVOLVERS:
                    thermal = evolver
        stages.append(stage)
    return stages, thermal


_STAGE = {"MinDriver": "minimize", "RelaxDriver": "relax", "TimeDriver": "evolve"}


def _minimize_mxhxm() -> float:
    from orchestrator.backends.oommf import MINIMIZE_MXHXM

    return MINIMIZE_MXHXM


def _check_drive_kwargs(kw: dict[str, Any], kind: str, label: str) -> None:
    for key, value in kw.items():
        if key in _RUN_OPTIONS or key in ("t", "n") and kind == "TimeDriver":
            continue
        if key == "fixed_subregions":
            if value:
                raise UbermagError(f"{label}: fixed_subregions (frozen spins) are not in "
                                   "mmstudy's model")
        elif key in ("compute", "output_step"):
            if value:
                warnings.warn(f"{label}: {key}={value!r} not kept (mmstudy saves m on its own "
                              "schedule)", stacklevel=5)
        else:
            raise UbermagError(f"{label}: unknown drive keyword argument {key!r}")
    if kind == "TimeDriver":
        t, n = kw.get("t"), kw.get("n")
        if not (isinstance(t, numbers.Real) and t > 0) or \
                not (isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0):
            raise UbermagError(f"{label}: expected t (s, > 0) and n (saved states, an integer "
                               f"> 0), got t={t!r}, n={n!r}")


def _evolver_settings(evolver: Any, label: str) -> dict[str, Any]:
    """The integrator, fixed step and tolerance of an oommfc evolver."""
    attrs = {k: v for k, v in _attrs(evolver).items() if k not in _FROM_SYSTEM}
    out: dict[str, Any] = {}
    method = attrs.pop("method", None)
    lo, hi = attrs.pop("min_timestep", None), attrs.pop("max_timestep", None)
    attrs.pop("uniform_seed", None)  # the thermal seed: _thermal
    fixed = lo is not None and lo == hi
    if fixed:
        out["dt"] = float(lo)
    if method is not None:
        integrator = _METHODS.get(method)
        if integrator is None or (integrator != "rk45" and not fixed):
            raise UbermagError(f"{label}: evolver method {method!r}"
                               + ("" if integrator is None else " without a fixed step "
                                  "(min_timestep = max_timestep)")
                               + " is not an integrator of mmstudy (rkf54: rk45; rk2heun: "
                               "heun and rk4 with a fixed step)")
        out["integrator"] = integrator
    elif fixed and type(evolver).__name__ in _THERMAL_EVOLVERS:
        out["integrator"] = "heun"
    err = attrs.pop("absolute_step_error", None)
    if err is not None and not fixed:
        out["tolerance"] = math.radians(float(err))  # OOMMF's is in degrees
    attrs.pop("relative_step_error", None)
    attrs.pop("error_rate", None)
    if attrs:
        warnings.warn(f"{label}: evolver settings {', '.join(sorted(attrs))} not kept",
                      stacklevel=5)
    return out


def _thermal(system: Any, evolver: Any, stages: list[dict[str, Any]]) -> dict[str, Any]:
    T = _number(system.T, "system.T")
    if any(s["type"] == "evolve" for s in stages):
        if evolver is None or any(s["type"] == "evolve" and "dt" not in s for s in stages):
            raise UbermagError("system.T: a temperature needs the TimeDriver's thermal evolver "
                               "(Xf_ThermHeunEvolver) with a fixed step (min_timestep = "
                               "max_timestep)")
    seed = _attrs(evolver).get("uniform_seed", 0) if evolver is not None else 0
    return {"temperature": T, "seed": int(seed)}
