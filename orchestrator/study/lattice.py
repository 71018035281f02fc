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
written from the table, so a lattice study gives none of them itself; the table stays in
the study (and in each point's ``point.json``), and :func:`derived_keys` names what was
written so that a dump of the study leaves it out and a sweep over ``lattice.*`` rewrites it.

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

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from mmstudy.constants import GAMMA0, MU0
from mmstudy.lattice import LatticeUnits, lattice_units
from orchestrator.study.units import lattice_scale, to_si

__all__ = ["LatticeSpec", "FIELD_DRIVE", "read_lattice", "apply_lattice",
           "check_antiferromagnet", "derived_keys", "staggering"]

#: the drive the table's h becomes
FIELD_DRIVE = "lattice_field"


def _q(unit: str):
    return BeforeValidator(lambda v: to_si(v, unit))


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
    """``data`` (a raw study) with ``mesh.cell``, ``materials.default`` and the field drive
    written from ``spec``; ValueError naming the field a lattice study must not set."""
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
    return {**data, "mesh": mesh, "materials": {"default": material}, "drives": drives}


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
