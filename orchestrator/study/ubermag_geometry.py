"""ubermag → study, the geometry: the mesh, the regions from the subregions, the raster
and Ms per region from ``|m|`` (:class:`_Geometry`), and a parameter read per region
(:func:`_per_region`: a number, a dict keyed by OOMMF's atlas names, or a Field that must
be one value per region), with the small readers of numbers and vectors the other
``ubermag_from*`` modules share. Private to :mod:`orchestrator.study.ubermag_from`.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any

import numpy as np

from orchestrator.study.ubermag import REMAINDER, SINGLE, UbermagError

#: relative spread allowed in a parameter given per cell for it to be one value per region
#: (values a user sets per cell are equal to the last digit; this only absorbs rounding)
_SAME = 1e-12
#: relative spread allowed in |m| within a region (|m| is recomputed from components)
_MS_SAME = 1e-9

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

def _uniform(geo: _Geometry, value: Any, label: str, default: Any) -> Any:
    """A parameter that must be one value over all magnetic cells."""
    values = _per_region(geo, value, label, default=default)
    used = [values[r] for r in geo.magnetic_regions] or [default]
    if not _same(used):
        raise UbermagError(f"{label}: differs between regions ({used}): mmstudy's spin torques "
                           "act with one value everywhere")
    return used[0]
