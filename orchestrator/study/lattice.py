"""A study written as a lattice (classical-spin) model: the ``[lattice]`` table (paper 002).

Users of atomistic models give the lattice constant ``a``, the exchange ``J`` per bond
(Eq. 12: > 0 ferromagnetic), the bond DMI ``D`` with its rule (``bloch``, ``neel``,
``antibloch``: Eqs. 222–224), the anisotropy ``K`` of ``K Σ (m^z)²`` (K < 0 an easy axis),
the Zeeman energy ``h`` of ``−h Σ m^z``, the moment ``mu_s`` per site and the damping; in
SI or meV, or in the lattice's own units ``E_J`` (|J|), ``a_L``, ``t_J`` (τ = μ_s/(γ|J|))
and ``v_J`` (a/τ), which every other value of the study may use too
(:func:`orchestrator.study.units.lattice_scale`). They are converted once, at validation,
to the equivalent continuum study on a grid of cell ``a`` (:mod:`mmstudy.lattice`: the
6-neighbour exchange, second-order DMI, anisotropy and Zeeman term are the lattice model
term by term): ``mesh.cell``, ``materials.default`` and the drive ``lattice_field`` are
written from the table, so a lattice study gives none of them itself (its ``regions``
shape the sample; all of them are the one material); the table stays in the study (and in
each point's ``point.json``), and :func:`derived_keys` names what was written so that a
dump of the study leaves it out and a sweep over ``lattice.*`` rewrites it.

Impurities (Eq. 233, ``A_imp Σ_{i∈imp} (m_i^z)²``; A_imp < 0 an extra easy axis) are
``impurities = [{fraction, seed, A_imp, within}]``: entry k becomes the region ``imp_<k>``,
listed after the study's own regions so that it wins there, whose shape is
``random_sites`` (:class:`orchestrator.study.shapes.RandomSites`: exactly
``round(fraction · N)`` of the N sites drawn by ``seed``) among the magnetic cells (the
union of the study's regions) that lie in ``within`` (default: all of them), and the
material ``imp_<k>``, the default one with the site's anisotropy ``K + A_imp``. Several
realisations are a sweep over ``lattice.impurities.<k>.seed``. A site drawn by two
entries takes the later entry's A_imp (not the sum).

What would not be the lattice model is refused with the reason: the 12-neighbour exchange
and the fourth-order DMI (continuum stencils over several sites), demagnetisation (not in
the model) and a ``[units]`` table beside it.

J < 0 is the two-sublattice (checkerboard) antiferromagnet: the exchange ``A = J/(2a)`` is
negative, which the 6-neighbour stencil turns into antiparallel nearest neighbours exactly.
Its initial state describes the Néel vector n (sublattice A's direction): the spins start
as ``m_i = s_i n_i`` with ``s_i = (−1)^(i_x + i_y)`` (:func:`staggering`; an initial-state
file holds the spins m themselves, as a run writes them, and is taken as it is;
:func:`analysis.sublattice.neel_vector` reads n back). What it cannot have is refused
(:func:`check_antiferromagnet`); OOMMF and mumax3 have no such mode (feature
``exchange.afm``).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from mmstudy.constants import GAMMA0, MU0
from mmstudy.lattice import LatticeUnits, lattice_units
from orchestrator.study.shapes import Seed, Shape
from orchestrator.study.units import lattice_scale, to_si

__all__ = ["LatticeSpec", "Impurity", "FIELD_DRIVE", "IMPURITY_REGION", "read_lattice",
           "apply_lattice", "check_antiferromagnet", "derived_keys", "staggering"]

#: the drive the table's h becomes
FIELD_DRIVE = "lattice_field"
#: the region (and material) of impurity entry k: ``IMPURITY_REGION.format(k=k)``
IMPURITY_REGION = "imp_{k}"


def _q(unit: str):
    return BeforeValidator(lambda v: to_si(v, unit))


class Impurity(BaseModel):
    """One kind of point impurity (Eq. 233): ``A_imp (m_i^z)²`` added at
    ``round(fraction · N)`` sites drawn by ``seed`` among the N magnetic sites in
    ``within`` (a shape; default everywhere)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fraction: float = Field(gt=0, le=1)
    seed: Seed
    A_imp: Annotated[float, _q("J")]
    within: Shape | None = None


class LatticeSpec(BaseModel):
    """The ``[lattice]`` table: the lattice model, SI after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    a: Annotated[float, _q("m")] = Field(gt=0)
    J: Annotated[float, _q("J")]
    mu_s: Annotated[float, _q("J/T")] | None = Field(None, gt=0)
    gamma0: Annotated[float, _q("m/(A*s)")] = GAMMA0
    D: Annotated[float, _q("J")] = 0.0
    dmi: Literal["bloch", "neel", "antibloch"] = "bloch"
    K: Annotated[float, _q("J")] = 0.0
    h: Annotated[float, _q("J")] = 0.0
    alpha: float | None = Field(None, ge=0)
    #: left out of a point's id while empty (orchestrator.study.model.NEW_FIELD)
    impurities: list[Impurity] = Field([], json_schema_extra={"id_when_default": False})

    @property
    def units(self) -> LatticeUnits:
        return lattice_units(self.a, self.J, self.mu_s, self.gamma0)


def read_lattice(table: dict) -> LatticeSpec:
    """The ``[lattice]`` table validated: its scale (a, J, mu_s, gamma0) first, then the
    rest, which may be written in the scale's units; ValueError naming each bad field."""
    from pydantic import ValidationError

    def check(data: dict) -> LatticeSpec:
        try:
            return LatticeSpec.model_validate(data)
        except ValidationError as err:
            raise ValueError("; ".join(
                f"lattice.{'.'.join(map(str, e['loc']))}: {e['msg']}"
                + (f" (got {e['input']!r})" if not isinstance(e.get("input"), dict) else "")
                for e in err.errors())) from None

    for key in ("a", "J"):
        if key not in table:
            raise ValueError(f"lattice.{key}: required (the lattice constant a and the "
                             "exchange J per bond set the scale)")
    scale = check({k: table[k] for k in ("a", "J", "mu_s", "gamma0") if k in table})
    if scale.J == 0 or not math.isfinite(scale.J):
        raise ValueError("lattice.J: a nonzero exchange per bond")
    with lattice_scale(scale.units):
        return check(table)


def apply_lattice(data: dict[str, Any], spec: LatticeSpec) -> dict[str, Any]:
    """``data`` (a raw study) with ``mesh.cell``, ``materials.default``, the field drive
    and the impurities' regions and materials written from ``spec``; ValueError naming
    the field a lattice study must not set, or an impurity that has no site on the mesh."""
    if data.get("units") is not None:
        raise ValueError("units: a study has one scale, [units] (paper 003's reduced units) "
                         "or [lattice], not both")
    if "materials" in data:
        raise ValueError("materials: a lattice study's material comes from [lattice] (J, D, "
                         "dmi, K, mu_s, alpha); leave [materials] out")
    drives = dict(data.get("drives") or {})
    if FIELD_DRIVE in drives:
        raise ValueError(f"drives.{FIELD_DRIVE}: the name of the field [lattice].h becomes; "
                         "give the Zeeman energy as lattice.h, or name your drive otherwise")
    energy = dict(data.get("energy") or {})
    for key, allowed, why in (
            ("exchange_kernel", "6ngbr", "the 12-neighbour kernel reaches second neighbours, "
                                         "which the lattice model does not couple"),
            ("dmi_order", 2, "the fourth-order DMI spans two sites, the lattice's DMI one bond"),
            ("demag", False, "the lattice model has no dipolar term")):
        if key in energy and energy[key] != allowed:
            raise ValueError(f"energy.{key}: {energy[key]!r} is not the lattice model "
                             f"({why}); a lattice study takes {allowed!r}")
    mesh = dict(data.get("mesh") or {})
    if "cell" in mesh:
        raise ValueError("mesh.cell: a lattice study's cell is the lattice constant "
                         "(lattice.a) in every direction; leave mesh.cell out")
    mesh["cell"] = [spec.a] * 3
    u = spec.units
    material: dict[str, Any] = {"Ms": u.Ms, "A": u.exchange()}
    if spec.gamma0 != GAMMA0:
        material["gamma0"] = spec.gamma0
    if spec.alpha is not None:
        material["alpha"] = spec.alpha
    if spec.D != 0:
        cls, D = u.dmi(spec.D, spec.dmi)
        material["dmi"] = {"D": D, "class": cls}
    if spec.K != 0:
        material.update(K=u.anisotropy(spec.K), K_axis=[0.0, 0.0, 1.0])
    if spec.h != 0:
        drives[FIELD_DRIVE] = {"type": "field", "H": [0.0, 0.0, u.field(spec.h) / MU0]}
    out = {**data, "mesh": mesh, "materials": {"default": material}, "drives": drives}
    if spec.impurities:
        _impurities(out, spec)
    return out


def _impurities(data: dict[str, Any], spec: LatticeSpec) -> None:
    """Write (in place) the region ``imp_<k>`` and its material for each impurity entry,
    after the study's own regions; ValueError naming an entry that draws no site."""
    # a study without regions has the model's default, one region "body" everywhere
    regions = list(data.get("regions") or [{"name": "body"}])
    names = [r.get("name") if isinstance(r, dict) else getattr(r, "name", None)
             for r in regions]
    shapes = [r.get("shape") if isinstance(r, dict) else getattr(r, "shape", None)
              for r in regions]
    magnetic = _union(shapes)
    u = spec.units
    for k, imp in enumerate(spec.impurities):
        name = IMPURITY_REGION.format(k=k)
        if name in names:
            raise ValueError(f"regions: {name!r} is the region lattice.impurities.{k} "
                             "becomes; name your region otherwise")
        within = magnetic if imp.within is None else (
            imp.within if magnetic is None else
            {"type": "intersection", "shapes": [imp.within, magnetic]})
        shape: dict[str, Any] = {"type": "random_sites", "fraction": imp.fraction,
                                 "seed": imp.seed}
        if within is not None:
            shape["within"] = within
        regions.append({"name": name, "shape": shape})
        data["materials"][name] = {"K": u.anisotropy(spec.K + imp.A_imp),
                                   "K_axis": [0.0, 0.0, 1.0]}
    data["regions"] = regions
    _check_sites(data, spec)


def _union(shapes: list[Any]) -> Any:
    """The shape of all ``shapes`` (None: everywhere), written so that a dump validates
    back to the same: one shape as it is, one covering everything as None."""
    def everywhere(shape: Any) -> bool:
        if shape is None:
            return True
        kind, z = ((shape.get("type"), shape.get("z")) if isinstance(shape, dict)
                   else (getattr(shape, "type", None), getattr(shape, "z", None)))
        return kind == "all" and z is None

    if any(everywhere(s) for s in shapes):
        return None
    return shapes[0] if len(shapes) == 1 else {"type": "union", "shapes": shapes}


def _check_sites(data: dict[str, Any], spec: LatticeSpec) -> None:
    """Draw each impurity region on the mesh now, so that one with no site is refused at
    validation (naming ``lattice.impurities.<k>``), not when a backend rasterises it; a
    mesh or shape that does not validate is left to the study's own errors."""
    from orchestrator.study.model import MeshSpec, Region  # model imports this module
    from orchestrator.study.raster import cell_centres
    import numpy as np

    try:
        mesh = MeshSpec.model_validate(data["mesh"])
        regions = {k: Region.model_validate(data["regions"][k - len(spec.impurities)])
                   for k in range(len(spec.impurities))}
    except (ValidationError, ValueError):
        return
    c = cell_centres(mesh.cells, mesh.cell)
    Z, Y, X = np.meshgrid(c["z"], c["y"], c["x"], indexing="ij")
    for k, region in regions.items():
        try:
            region.shape.contains(X, Y, Z)
        except ValueError as err:
            why = (" (within defaults to the study's regions)"
                   if spec.impurities[k].within is None and str(err).startswith("within")
                   else "")
            raise ValueError(f"lattice.impurities.{k}.{err}{why}") from None


def check_antiferromagnet(study) -> None:
    """For J < 0 (the checkerboard antiferromagnet): ValueError naming what it cannot
    have. An odd number of cells along a periodic axis closes a ring of antiparallel bonds
    an odd number of times (frustrated: no checkerboard state); a Zhang–Li drive acts on a
    staggered field through its central difference, −(v·∇)n on one sublattice and +(v·∇)n
    on the other, which is no spin-transfer torque on n (paper 002 drives its
    antiferromagnets by spin-orbit torque only, Sec. 4.3)."""
    if study.lattice is None or study.lattice.J >= 0:
        return
    if study.mesh.cells[2] != 1:
        raise ValueError(f"mesh.n: {study.mesh.cells[2]} layers; the antiferromagnet "
                         "(lattice.J < 0) is the square lattice's checkerboard, one layer")
    for axis, n in zip("xyz", study.mesh.cells):
        if axis in study.mesh.pbc and n % 2:
            raise ValueError(f"mesh.n: {n} cells along periodic {axis}; an antiferromagnet "
                             "(lattice.J < 0) needs an even number (an odd ring is frustrated)")
    for name, d in study.drives.items():
        if getattr(d, "type", None) == "zhang_li":
            raise ValueError(f"drives.{name}: a Zhang–Li drive on an antiferromagnet "
                             "(lattice.J < 0) is no spin-transfer torque on its Néel vector "
                             "(the central difference changes sign between the sublattices); "
                             "drive it by spin-orbit torque (type = \"sot\")")


def derived_keys(data: dict[str, Any]) -> None:
    """Remove from a dumped lattice study (in place) what :func:`apply_lattice` wrote, so
    that validating the dump again (a sweep point, a ``point.json``) writes it afresh."""
    data.pop("materials", None)
    data.get("mesh", {}).pop("cell", None)
    (data.get("drives") or {}).pop(FIELD_DRIVE, None)
    n = len((data.get("lattice") or {}).get("impurities") or [])
    written = {IMPURITY_REGION.format(k=k) for k in range(n)}
    if written and isinstance(data.get("regions"), list):
        data["regions"] = [r for r in data["regions"] if r.get("name") not in written]


def staggering(study, shape: tuple[int, ...]):
    """The checkerboard sign ``s_i = (−1)^(i_x + i_y)`` (array of ``shape`` = (nz, ny, nx),
    +1 on the first cell) by which an antiferromagnetic lattice study's initial state (its
    Néel vector) becomes the spins; None otherwise, and for a file (it holds the spins)."""
    import numpy as np

    if study.lattice is None or study.lattice.J >= 0 or study.initial.type == "file":
        return None
    nz, ny, nx = shape
    iy, ix = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    return np.broadcast_to(np.where((ix + iy) % 2 == 0, 1.0, -1.0), shape)
