"""The study model: a micromagnetic study as plain, validated data.

A study file (TOML, :func:`orchestrator.study.load.load_study`) and the Python API
build the same pydantic models; values may be SI numbers or strings with units
(:mod:`orchestrator.study.units`), converted to SI at the edge. Once a :class:`Study`
exists it is trusted inward: backends and the dispatcher never re-check it.

Sections (see ``studies/README.md`` for a complete file):

``mesh``       extent or cell counts, cell size, periodic axes and demag images
``regions``    named regions from shapes (:mod:`orchestrator.study.shapes`); later ones
               win where they overlap; cells in no region are vacuum (Ms = 0)
``materials``  per region (``default`` applies to all): Ms, A, DMI (D and crystal
               class, several allowed), K and its axis, α, γ0
``energy``     exchange kernel (6ngbr or the fourth-order 12ngbr), demag, DMI bond rule
``drives``     named fields, Zhang–Li currents, spin–orbit torques, anisotropy (strain)
               pulses, each with a time profile (constant, pulse, square train, f(t))
``thermal``    temperature and noise seed
``initial``    uniform, random, skyrmions (centre, radius, polarity, helicity), textures of
               the library (kπ skyrmions, antiskyrmions, vortices, droplets, bags), OVF file
``stages``     minimise, relax, evolve (duration, save schedule, integrator)
``sweep``      parameters (grid product or zipped lists) and values derived from them;
               ``refine``: an adaptive sweep, bisecting where the outcome changes
``units``      optional scale (A, D, Ms) of paper 003's reduced units: values may then be
               written as ``"0.1 L_D"``, ``"0.6 B_D"``, ``"-0.3 K_D"``, ``"0.02 v_D"``,
               ``"100 t_D"`` (:func:`orchestrator.study.units.reduced_scale`)
``lattice``    a lattice model instead of mesh.cell and materials (a, J, D and its bond rule,
               K, h, mu_s, α): converted to the equivalent continuum study; values may be
               written as ``"0.18 E_J"``, ``"1000 t_J"`` (:mod:`orchestrator.study.lattice`)

Times in a drive's profile count from the start of the stage it acts in.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal, Union

import numpy as np
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr,
                      field_validator, model_serializer, model_validator)

from mmstudy.constants import GAMMA0  # re-exported: ubermag's and OOMMF's default γ0
from orchestrator.study.expressions import ExpressionError, names, time_function
from orchestrator.study.shapes import Everything, Shape
from mmstudy.reduced import ReducedUnits, reduced_units
from mmstudy.constants import MU0
from mmstudy.layout import MANIFEST_COLUMNS
from mmstudy.spintorque import paper002_u, zhang_li_j
from orchestrator.study.lattice import (LatticeSpec, apply_lattice, check_antiferromagnet,
                                        read_lattice)
from orchestrator.study.units import lattice_scale, reduced_scale, to_si

__all__ = ["Study", "MeshSpec", "Region", "Material", "DMISpec", "Energy", "Drive",
           "FieldDrive", "AnisotropyDrive", "ZhangLiDrive", "SOTDrive", "Envelope",
           "Constant", "Pulse", "Train", "Expression", "Thermal", "Initial", "Uniform",
           "Random", "Skyrmions", "SkyrmionSpec", "Textures", "TextureSpec", "FromFile",
           "Stage", "Minimize", "Relax",
           "Evolve", "Sweep", "SweepParameter", "Refine", "UnitsScale", "GAMMA0", "DMI_CLASSES",
           "NEW_FIELD"]

DMI_CLASSES = ("Cnv_z", "T", "D2d_z")
#: The mark of a field added after points were first run: at its default value it is left
#: out of a point's content-hash id (orchestrator.study.sweep.point_id), so adding a field
#: never changes the id, and never invalidates the finished runs, of a study that does not
#: use it. Every field added from now on carries it (``Field(default,
#: json_schema_extra=NEW_FIELD)``).
NEW_FIELD = {"id_when_default": False}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _q(unit: str):
    return BeforeValidator(lambda v: to_si(v, unit))


def _vec(unit: str, n: int = 3):
    def conv(v):
        if isinstance(v, np.ndarray):
            v = v.tolist()
        if not isinstance(v, (list, tuple)) or len(v) != n:
            raise ValueError(f"expected {n} components in {unit or 'no unit'}, got {v!r}")
        return [to_si(x, unit) for x in v]
    return BeforeValidator(conv)


Length = Annotated[float, _q("m")]
Time = Annotated[float, _q("s")]
Angle = Annotated[float, _q("rad")]
Vec3Length = Annotated[list[float], _vec("m")]
Vec2Length = Annotated[list[float], _vec("m", 2)]
Direction = Annotated[list[float], _vec("")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _nonzero(v: list[float], what: str) -> list[float]:
    if float(np.linalg.norm(v)) == 0.0:
        raise ValueError(f"{what} must be a non-zero vector")
    return v


# --------------------------------------------------------------------------- mesh

class MeshSpec(_Model):
    """Rectangular mesh: ``extent`` (m) or ``n`` (cells), ``cell`` (m), periodic axes.

    ``repeats`` are the periodic images the demag sums on each side along periodic axes
    (mumax3's ``SetPBC``; the built-in solver's ``pbc_repeats``); OOMMF's periodic demag
    sums the infinite lattice instead. Default 10 along periodic x/y, 0 elsewhere.
    """

    cell: Vec3Length
    extent: Vec3Length | None = None
    n: list[int] | None = None
    pbc: str = ""
    repeats: list[int] | None = None

    @field_validator("pbc")
    @classmethod
    def _pbc(cls, v: str) -> str:
        if set(v) - set("xyz") or len(set(v)) != len(v):
            raise ValueError(f"pbc names periodic axes among 'xyz' (e.g. 'xy'), not {v!r}")
        return "".join(ax for ax in "xyz" if ax in v)

    @model_validator(mode="after")
    def _size(self):
        if min(self.cell) <= 0:
            raise ValueError(f"cell sizes must be positive, got {self.cell}")
        if self.extent is None and self.n is None:
            raise ValueError("the mesh size is missing: give extent (m) or n (cell counts)")
        if self.extent is not None and self.n is not None:
            raise ValueError("give either extent (m) or n (cell counts), not both")
        if self.n is not None:
            if len(self.n) != 3 or min(self.n) < 1:
                raise ValueError(f"n must be three positive cell counts, got {self.n}")
        else:
            ratio = [e / c for e, c in zip(self.extent, self.cell)]
            if any(abs(r - round(r)) > 1e-6 * max(r, 1) or round(r) < 1 for r in ratio):
                raise ValueError(f"extent {self.extent} is not a whole number of cells "
                                 f"{self.cell}")
        if self.repeats is not None and (len(self.repeats) != 3 or min(self.repeats) < 0):
            raise ValueError(f"repeats must be three non-negative counts, got {self.repeats}")
        return self

    @property
    def cells(self) -> tuple[int, int, int]:
        """Cell counts (nx, ny, nz)."""
        if self.n is not None:
            return tuple(self.n)  # type: ignore[return-value]
        return tuple(int(round(e / c)) for e, c in zip(self.extent, self.cell))  # type: ignore

    @property
    def size(self) -> tuple[float, float, float]:
        """Extent (Lx, Ly, Lz) in m."""
        return tuple(n * c for n, c in zip(self.cells, self.cell))  # type: ignore[return-value]

    @property
    def pbc_repeats(self) -> tuple[int, int, int]:
        """Demag images per axis (0 along open axes)."""
        if self.repeats is not None:
            return tuple(r if ax in self.pbc else 0
                         for r, ax in zip(self.repeats, "xyz"))  # type: ignore[return-value]
        return tuple(10 if ax in self.pbc and ax != "z" else (1 if ax in self.pbc else 0)
                     for ax in "xyz")  # type: ignore[return-value]


class Region(_Model):
    """A named region: the cells whose centres lie in ``shape``."""

    name: str
    shape: Shape = Field(default_factory=Everything)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v) or v == "default":
            raise ValueError(f"region names are identifiers other than 'default', not {v!r}")
        return v


# --------------------------------------------------------------------------- materials

class DMISpec(_Model):
    """DMI constant ``D`` (J/m²) of a crystal class (ubermag/OOMMF convention)."""

    D: Annotated[float, _q("J/m^2")]
    crystal_class: Literal["Cnv_z", "T", "D2d_z"] = Field(alias="class")


class Material(_Model):
    """Parameters of one region; unset fields fall back to ``materials.default``."""

    Ms: Annotated[float, _q("A/m")] | None = Field(None, ge=0)
    A: Annotated[float, _q("J/m")] | None = None  # < 0 only from a [lattice] table (J < 0)
    dmi: list[DMISpec] | None = None
    K: Annotated[float, _q("J/m^3")] | None = None
    K_axis: Direction | None = None
    alpha: float | None = Field(None, ge=0)
    gamma0: Annotated[float, _q("m/(A*s)")] | None = Field(None, gt=0)

    @field_validator("dmi", mode="before")
    @classmethod
    def _dmi_list(cls, v):
        return [v] if isinstance(v, dict) else v

    @field_validator("dmi")
    @classmethod
    def _one_per_class(cls, v):
        if v is not None:
            classes = [d.crystal_class for d in v]
            if len(set(classes)) != len(classes):
                raise ValueError(f"one D per crystal class, got {classes}")
        return v

    @field_validator("K_axis")
    @classmethod
    def _axis(cls, v):
        return None if v is None else _nonzero(v, "K_axis")

    def merged(self, default: Material | None) -> Material:
        """This material with unset fields taken from ``default``."""
        if default is None:
            return self
        data = default.model_dump(exclude_none=True, by_alias=True)
        data.update(self.model_dump(exclude_none=True, by_alias=True))
        return Material.model_validate(data)


class Energy(_Model):
    """Which energy terms and discretisations (exchange, DMI, anisotropy follow from the
    materials; Zeeman from the drives)."""

    exchange_kernel: Literal["6ngbr", "12ngbr"] = "6ngbr"
    demag: bool = False
    dmi_interface: Literal["mean", "zero"] = "mean"
    #: finite-difference order of the DMI's first derivatives: 2 (the standard
    #: nearest-neighbour scheme) or 4 (paper 003; with the 12ngbr exchange)
    dmi_order: Literal[2, 4] = Field(2, json_schema_extra=NEW_FIELD)


# --------------------------------------------------------------------------- drives

class Constant(_Model):
    """Always on (factor 1)."""

    type: Literal["constant"] = "constant"


class Pulse(_Model):
    """Factor 1 for ``t0 ≤ t < t1`` (stage time), else 0."""

    type: Literal["pulse"] = "pulse"
    t0: Time
    t1: Time

    @model_validator(mode="after")
    def _order(self):
        if not 0 <= self.t0 < self.t1:
            raise ValueError(f"a pulse needs 0 <= t0 < t1, got t0={self.t0}, t1={self.t1}")
        return self


class Train(_Model):
    """Square-wave train: on for ``duty·period`` of every ``period`` from ``t0``,
    ``count`` pulses (default: unending)."""

    type: Literal["train"] = "train"
    period: Time = Field(gt=0)
    duty: float = Field(gt=0, le=1)
    t0: Time = 0.0
    count: int | None = Field(None, ge=1)


class Expression(_Model):
    """Factor ``expression(t)`` with t the stage time in s, e.g. ``"sin(2*pi*1e9*t)"``."""

    type: Literal["expression"] = "expression"
    expression: str

    @field_validator("expression")
    @classmethod
    def _valid(cls, v: str) -> str:
        extra = names(v) - {"t"}
        if extra:
            raise ValueError(f"a time profile may only use t, not {', '.join(sorted(extra))}")
        time_function(v)  # refuses a [list]
        return v


Envelope = Annotated[Union[Constant, Pulse, Train, Expression], Field(discriminator="type")]


class _Drive(_Model):
    """A drive: a term of the study's physics with a time profile. Each drive type
    names, once, its capability-table row (``kind``, ``label``), whether it adds an
    effective field (``has_field``: its name is then a term name, ``E_<name>`` in the
    table) or a spin torque (``is_torque``), and the features it can ask for
    (``FEATURES``, :meth:`features`); see :mod:`orchestrator.study.terms`."""

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    has_field: ClassVar[bool] = False
    is_torque: ClassVar[bool] = False
    FEATURES: ClassVar[tuple[str, ...]] = ()

    envelope: Envelope = Field(default_factory=Constant)

    @property
    def time_dependent(self) -> bool:
        return not isinstance(self.envelope, Constant)

    def features(self, name: str) -> dict[str, str]:
        """Features this drive (``drives.<name>``) asks for, with the field asking."""
        return {self.kind: f"drives.{name}"}


class FieldDrive(_Drive):
    """Applied field H (A/m; a string in T is taken as μ0 H), optionally in some regions."""

    kind: ClassVar[str] = "field"
    label: ClassVar[str] = "applied field: per region, pulse, train, f(t)"
    has_field: ClassVar[bool] = True
    FEATURES: ClassVar[tuple[str, ...]] = ("field", "field.region", "field.time")

    type: Literal["field"] = "field"
    H: Annotated[list[float], _vec("A/m")]
    regions: list[str] | None = None

    def features(self, name: str) -> dict[str, str]:
        need = {"field": f"drives.{name}"}
        if self.regions:
            need["field.region"] = f"drives.{name}.regions"
        if self.time_dependent:
            need["field.time"] = f"drives.{name}.envelope"
        return need


class AnisotropyDrive(_Drive):
    """An extra uniaxial anisotropy ``K`` along ``axis`` (strain), optionally in regions."""

    kind: ClassVar[str] = "anisotropy_drive"
    label: ClassVar[str] = "anisotropy (strain) drive varying in time"
    has_field: ClassVar[bool] = True
    FEATURES: ClassVar[tuple[str, ...]] = ("anisotropy_drive",)

    type: Literal["anisotropy"] = "anisotropy"
    K: Annotated[float, _q("J/m^3")]
    axis: Direction
    regions: list[str] | None = None

    @field_validator("axis")
    @classmethod
    def _axis(cls, v):
        return _nonzero(v, "axis")


class ZhangLiDrive(_Drive):
    """Zhang–Li spin-transfer torque of current density ``j`` (A/m², in-plane vector),
    polarisation ``P`` and non-adiabaticity ``xi`` (mumax3's J, Pol, Xi); or of its
    velocity ``I`` (m/s, mumax3's u = paper 003's I = μB P j/(e Ms (1 + ξ²))) instead of
    ``j``, converted to ``j`` with the study's Ms, so that sweeping ξ at fixed I is
    natural (j then changes with ξ).

    ``convention = "paper002"`` reads ``j`` as paper 002's electron current j_e and ``P``
    as its p (Ohki & Mochizuki Eq. 15): the drift velocity is ``u = −v_s = γħ P j/(2 e Ms)``
    (no 1/(1 + ξ²); ξ is the paper's β), which differs from mumax3's ``μB P j/(e Ms (1 +
    ξ²))`` by the factor (γħ/2μB)(1 + ξ²). The study turns it into the velocity ``I`` and
    the equivalent mumax3 ``j`` once, at validation; a dump writes the ``j`` given."""

    kind: ClassVar[str] = "zhang_li"
    label: ClassVar[str] = "Zhang–Li torque"
    is_torque: ClassVar[bool] = True
    FEATURES: ClassVar[tuple[str, ...]] = ("zhang_li", "zhang_li.order4")

    type: Literal["zhang_li"] = "zhang_li"
    j: Annotated[list[float], _vec("A/m^2")] | None = None
    I: Annotated[list[float], _vec("m/s")] | None = None
    P: float
    xi: float = 0.0
    #: finite-difference order of (j·∇)m: 2 (mumax3's central difference) or 4
    order: Literal[2, 4] = Field(2, json_schema_extra=NEW_FIELD)
    #: how j and P make the drift velocity: mumax3's or paper 002's Eq. 15
    convention: Literal["mumax3", "paper002"] = Field("mumax3", json_schema_extra=NEW_FIELD)
    #: the j a paper-002 drive was given (its j becomes the mumax3 equivalent)
    _given_j: list[float] | None = PrivateAttr(None)

    @model_serializer(mode="wrap")
    def _without_derived_j(self, handler):
        """A drive given by I is written back with I only: its j follows from I, P, ξ
        and the study's Ms (so a sweep over ξ at fixed I re-derives it); a paper-002
        drive with the j it was given (its I and mumax3 j follow from it)."""
        data = handler(self)
        if not isinstance(data, dict):
            return data
        if self._given_j is not None:
            data["j"] = list(self._given_j)
            data.pop("I", None)
        elif self.I is not None:
            data.pop("j", None)
        return data

    @property
    def given_j(self) -> list[float] | None:
        """The current density as the study gave it: paper 002's electron current j_e for
        ``convention = "paper002"`` (``j`` is then mumax3's equivalent), else ``j``."""
        return list(self._given_j) if self._given_j is not None else self.j

    @model_validator(mode="after")
    def _j_or_I(self):
        if self.convention == "paper002" and self.I is not None and self._given_j is None:
            raise ValueError("convention \"paper002\" converts paper 002's electron current "
                             "j_e (Eq. 15): give j, not the velocity I")
        if (self.j is None) == (self.I is None) and self._given_j is None:
            raise ValueError("give the current density j or the velocity I, not "
                             + ("both" if self.j is not None else "neither"))
        if self.I is not None and self.P == 0:
            raise ValueError("a drive given by its velocity I needs P ≠ 0")
        return self

    def features(self, name: str) -> dict[str, str]:
        need = {"zhang_li": f"drives.{name}"}
        if self.order == 4:
            need["zhang_li.order4"] = f"drives.{name}.order"
        return need


class SOTDrive(_Drive):
    """Damping-like spin–orbit torque ``c m×(p×m)`` (+ ``field_like`` · c p×m) with
    c = γ ħ θ_SH j / (2 e t Ms); give ``p`` or its in-plane angle ``p_angle`` from +x."""

    kind: ClassVar[str] = "sot"
    label: ClassVar[str] = "spin–orbit torque, p at any angle, field-like part"
    is_torque: ClassVar[bool] = True
    FEATURES: ClassVar[tuple[str, ...]] = ("sot", "sot.field_like")

    type: Literal["sot"] = "sot"
    j: Annotated[float, _q("A/m^2")]
    theta_SH: float
    p: Direction | None = None
    p_angle: Angle | None = None
    field_like: float = 0.0
    thickness: Length | None = Field(None, gt=0)

    def features(self, name: str) -> dict[str, str]:
        need = {"sot": f"drives.{name}"}
        if self.field_like:
            need["sot.field_like"] = f"drives.{name}.field_like"
        return need

    def thickness_in(self, mesh: MeshSpec) -> float:
        """The magnetic layer thickness t in m (default the mesh thickness nz·dz, as
        mumax3's FreeLayerThickness and OOMMF's cell edge along J)."""
        return self.thickness if self.thickness is not None else mesh.size[2]

    @model_validator(mode="after")
    def _polarisation(self):
        if self.p is None and self.p_angle is None:
            raise ValueError("the spin polarisation is missing: give p = [px, py, pz] or its "
                             "in-plane angle p_angle")
        if self.p is not None and self.p_angle is not None:
            raise ValueError("give the spin polarisation as p = [px, py, pz] or as its "
                             "in-plane angle p_angle, not both")
        if self.p is not None:
            _nonzero(self.p, "p")
        return self

    @property
    def direction(self) -> list[float]:
        """Unit spin polarisation p."""
        if self.p is not None:
            v = np.asarray(self.p, float)
        else:
            v = np.array([np.cos(self.p_angle), np.sin(self.p_angle), 0.0])
        return (v / np.linalg.norm(v)).tolist()


Drive = Annotated[Union[FieldDrive, AnisotropyDrive, ZhangLiDrive, SOTDrive],
                  Field(discriminator="type")]


class Thermal(_Model):
    """Temperature (K) and the seed of the stochastic field (same seed, same noise on
    one backend)."""

    temperature: Annotated[float, _q("K")] = Field(ge=0)
    seed: int = 0


# --------------------------------------------------------------------------- initial state

class Uniform(_Model):
    type: Literal["uniform"] = "uniform"
    direction: Direction = Field(default_factory=lambda: [0.0, 0.0, 1.0])

    @field_validator("direction")
    @classmethod
    def _d(cls, v):
        return _nonzero(v, "direction")


class Random(_Model):
    type: Literal["random"] = "random"
    seed: int = 0


class SkyrmionSpec(_Model):
    """One skyrmion: core ``polarity`` (m_z at the centre, −1 = core down), ``helicity``
    (0 Néel outward, π Néel inward, ±π/2 Bloch), ``vorticity`` (−1: antiskyrmion)."""

    centre: Vec2Length
    radius: Length = Field(gt=0)
    polarity: Literal[-1, 1] = -1
    helicity: Angle = 0.0
    vorticity: Literal[-1, 1] = 1


class Skyrmions(_Model):
    """Skyrmions in a uniform background of m_z = −polarity."""

    type: Literal["skyrmions"] = "skyrmions"
    skyrmions: list[SkyrmionSpec] = Field(min_length=1)

    @field_validator("skyrmions")
    @classmethod
    def _same_polarity(cls, v):
        if len({s.polarity for s in v}) > 1:
            raise ValueError("all skyrmions share one background: give them one polarity")
        return v


class TextureSpec(_Model):
    """One texture of :mod:`analysis.texture_library` (background +z; Q in that
    convention): ``kind`` = ``kpi`` (k walls: k = 1 skyrmion Q = −1, 2 skyrmionium Q = 0,
    3 Q = −1), ``antiskyrmion`` (Q = +1; ``ellipticity``, ``orientation``), ``vortex``
    (``vorticity`` m, Q = −m), ``droplet`` (chiral droplet, Q = 0; ``kink_angle``,
    ``kink_width``), ``bag`` (``inner`` skyrmions inside a ring, Q = N − 1) or ``band``
    (a straight reversed band of half-width ``radius``: two domain walls of
    ``wall_width``, required, with normal at angle ``orientation`` from +x; one wall
    when the other falls outside an open sample; Q = 0)."""

    kind: Literal["kpi", "antiskyrmion", "vortex", "droplet", "bag", "band"]
    centre: Vec2Length
    radius: Length = Field(gt=0)
    wall_width: Length | None = Field(None, gt=0)
    helicity: Angle = 0.0
    k: int = Field(1, ge=1)
    ellipticity: float = Field(1.0, gt=0)
    orientation: Angle = 0.0
    vorticity: int = 1
    kink_angle: Angle = 0.0
    kink_width: float = Field(0.5, gt=0)
    inner: list[SkyrmionSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _band_width(self):
        if self.kind == "band" and self.wall_width is None:
            raise ValueError("a band (two straight domain walls) needs its wall_width: it "
                             "has no other length to take it from")
        return self


class Textures(_Model):
    """Textures of the library placed anywhere in a +z background (periodic axes wrap),
    composed by ``rule`` (``max``: each cell from the texture that deviates most from
    +z; ``stereographic``: summed stereographic coordinates, smooth joins)."""

    type: Literal["textures"] = "textures"
    textures: list[TextureSpec] = Field(min_length=1)
    rule: Literal["max", "stereographic"] = "max"


class FromFile(_Model):
    """An OVF file (path relative to the study file), same mesh as the study."""

    type: Literal["file"] = "file"
    path: str


Initial = Annotated[Union[Uniform, Random, Skyrmions, Textures, FromFile],
                    Field(discriminator="type")]


# --------------------------------------------------------------------------- stages

class _Stage(_Model):
    name: str | None = None
    drives: list[str] | None = None  # active drives (default: all)


class Minimize(_Stage):
    """Energy minimisation (steepest descent; mumax3 ``minimize()``, OOMMF MinDriver)."""

    type: Literal["minimize"] = "minimize"


class Relax(_Stage):
    """Damping-only relaxation (precession off; mumax3 ``relax()``)."""

    type: Literal["relax"] = "relax"


class Evolve(_Stage):
    """Time evolution for ``duration``, saving m every ``save_every`` (and the table every
    ``table_every``, default the same)."""

    type: Literal["evolve"] = "evolve"
    duration: Time = Field(gt=0)
    save_every: Time = Field(gt=0)
    table_every: Time | None = Field(None, gt=0)
    integrator: Literal["rk45", "heun", "rk4"] = "rk45"
    dt: Time | None = Field(None, gt=0)
    tolerance: float = Field(1e-5, gt=0)
    fields: list[str] = Field(default_factory=lambda: ["m"])

    @model_validator(mode="after")
    def _steps(self):
        if self.integrator != "rk45" and self.dt is None:
            raise ValueError(f"integrator {self.integrator!r} takes a fixed step: give dt")
        if self.save_every > self.duration * (1 + 1e-12):
            raise ValueError(f"save_every ({self.save_every} s) exceeds the duration "
                             f"({self.duration} s)")
        return self


Stage = Annotated[Union[Minimize, Relax, Evolve], Field(discriminator="type")]


# --------------------------------------------------------------------------- sweep

class SweepParameter(_Model):
    """A swept parameter: its ``values`` (numbers or quantities; ``unit`` applies to
    plain numbers) and the study field(s) it ``set``s (dotted paths, may be empty when
    it only feeds derived values)."""

    values: list[Any] = Field(min_length=1)
    unit: str | None = None
    set: list[str] = Field(default_factory=list)

    @field_validator("set", mode="before")
    @classmethod
    def _paths(cls, v):
        return [v] if isinstance(v, str) else v


class Refine(_Model):
    """An adaptive sweep (``[sweep.refine]``, :mod:`orchestrator.dispatch.refine`): along
    ``parameter``, one line per value of the other parameters, the interval between two
    neighbours whose ``outcome`` labels differ is bisected on the lattice
    ``values[0] + k·step`` until the neighbours are one step apart.

    ``step`` and ``period`` are numbers in the parameter's unit (or quantities written in
    it); with ``period`` the last value's interval wraps to the first + period.
    ``outcome`` names a classifier of ``orchestrator.dispatch.refine.CLASSIFIERS`` and
    ``classify`` its parameters; ``max_points`` (default 4 × the coarse count) bounds the
    sweep's points.
    """

    parameter: str
    step: float | str
    period: float | str | None = None
    outcome: str
    classify: dict[str, Any] = Field(default_factory=dict)
    max_points: int | None = Field(None, ge=1)


class Sweep(_Model):
    """Parameters combined as a grid (product) or zipped (equal-length lists), and
    study fields derived from them by expressions; ``refine`` makes it adaptive."""

    mode: Literal["grid", "zip"] = "grid"
    parameters: dict[str, SweepParameter] = Field(min_length=1)
    derived: dict[str, str] = Field(default_factory=dict)
    refine: Refine | None = Field(None, json_schema_extra=NEW_FIELD)

    @model_validator(mode="after")
    def _check(self):
        for name in self.parameters:
            if not _NAME.match(name):
                raise ValueError(f"parameter names are identifiers, not {name!r}")
            if name in MANIFEST_COLUMNS:
                raise ValueError(f"parameter name {name!r} is taken: the run's manifest has a "
                                 f"column of that name ({', '.join(MANIFEST_COLUMNS)}); "
                                 "call the parameter something else")
        if self.mode == "zip":
            lengths = {k: len(p.values) for k, p in self.parameters.items()}
            if len(set(lengths.values())) > 1:
                raise ValueError(f"zipped parameters need lists of one length, got {lengths}")
        for path, expr in self.derived.items():
            try:
                unknown = names(expr) - set(self.parameters)
            except ExpressionError as err:
                raise ValueError(f"derived {path!r}: {err}") from None
            if unknown:
                raise ValueError(f"derived {path!r} uses {', '.join(sorted(unknown))}, which "
                                 f"are not sweep parameters ({', '.join(self.parameters)})")
        if self.refine is not None:
            if self.mode == "zip" and len(self.parameters) > 1:
                raise ValueError("refine: an adaptive sweep needs mode = \"grid\" (one line "
                                 f"along {self.refine.parameter} per value of the others)")
            from orchestrator.study.sweep import lattice  # (sweep.py imports this module)

            lattice(self)  # the parameter, the step, the period, the coarse values
        return self


class RunOptions(_Model):
    """How to run (not physics: not part of a point's identity)."""

    backend: Literal["auto", "builtin", "oommf", "mumax3"] = "auto"
    jobs: int = Field(1, ge=1)
    threads: int | None = Field(None, ge=1)
    gpu: int | None = Field(None, ge=0)
    cluster: dict[str, Any] | None = None


# --------------------------------------------------------------------------- study

class UnitsScale(_Model):
    """The scale of paper 003's reduced units (notes-003 §1.2): A, D and Ms fix
    ℓ = 2A/|D|, L_D = 4πA/|D|, B_D = D²/(2 Ms A), K_D = Ms B_D, v_D = γB_Dℓ and
    t_D = 1/(γB_D) (:mod:`mmstudy.reduced`), γ from ``gamma0``."""

    A: Annotated[float, _q("J/m")] = Field(gt=0)
    D: Annotated[float, _q("J/m^2")]
    Ms: Annotated[float, _q("A/m")] = Field(gt=0)
    gamma0: Annotated[float, _q("m/(A*s)")] = GAMMA0

    @field_validator("D")
    @classmethod
    def _nonzero_D(cls, v: float) -> float:
        if v == 0:
            raise ValueError("the reduced units need D ≠ 0")
        return v

    @property
    def reduced(self) -> ReducedUnits:
        return reduced_units(self.A, self.D, self.Ms, self.gamma0)


class Study(_Model):
    """A whole study; see the module docstring for the sections.

    Examples
    --------
    >>> s = Study.model_validate({
    ...     "name": "film", "mesh": {"extent": ["40 nm", "40 nm", "1 nm"], "cell": ["1 nm"] * 3},
    ...     "materials": {"default": {"Ms": "580 kA/m", "A": "15 pJ/m", "alpha": 0.3,
    ...                   "dmi": {"D": "3.7 mJ/m^2", "class": "Cnv_z"}}},
    ...     "stages": [{"type": "minimize"}]})
    >>> s.mesh.cells, s.material("body").dmi[0].D
    ((40, 40, 1), 0.0037)
    """

    name: str
    description: str = ""
    mesh: MeshSpec
    regions: list[Region] = Field(default_factory=lambda: [Region(name="body")], min_length=1)
    materials: dict[str, Material]
    energy: Energy = Field(default_factory=Energy)
    drives: dict[str, Drive] = Field(default_factory=dict)
    thermal: Thermal | None = None
    initial: Initial = Field(default_factory=Uniform)
    stages: list[Stage] = Field(min_length=1)
    sweep: Sweep | None = None
    run: RunOptions = Field(default_factory=RunOptions)
    units: UnitsScale | None = None
    lattice: LatticeSpec | None = Field(None, json_schema_extra=NEW_FIELD)

    @model_validator(mode="wrap")
    @classmethod
    def _in_reduced_units(cls, data: Any, handler):
        """Validate with the ``[units]`` scale in force, so that every value may be
        written in reduced units; a bad ``[units]`` table is reported by its own
        validation (the values using it then fail too, naming the table). A
        ``[lattice]`` table is read first for its scale, then whole, and written into
        the study (:func:`orchestrator.study.lattice.apply_lattice`)."""
        table = data.get("lattice") if isinstance(data, dict) else None
        if isinstance(table, dict):
            spec = read_lattice(table)
            with lattice_scale(spec.units):
                return handler({**apply_lattice(data, spec), "lattice": spec})
        units = data.get("units") if isinstance(data, dict) else None
        if units is None or isinstance(units, UnitsScale):
            scale = units
        else:
            try:
                scale = UnitsScale.model_validate(units)
            except ValueError:
                return handler(data)
        if scale is None:
            return handler(data)
        with reduced_scale(scale.reduced):
            return handler(data)

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", v):
            raise ValueError(f"a study name is letters, digits, '_', '-', '.', not {v!r}")
        return v

    @model_validator(mode="after")
    def _consistent(self):
        names_ = [r.name for r in self.regions]
        if len(set(names_)) != len(names_):
            raise ValueError(f"region names repeat: {names_}")
        for key in self.materials:
            if key != "default" and key not in names_:
                raise ValueError(f"materials.{key}: no such region (regions: "
                                 f"{', '.join(names_)}; or 'default')")
        for r in names_:
            m = self.material(r)
            if m.Ms is None:
                raise ValueError(f"materials.{r}.Ms: no saturation magnetisation for region "
                                 f"{r!r} (nor in materials.default)")
            if m.K is not None and m.K_axis is None:
                raise ValueError(f"materials.{r}.K_axis: an anisotropy K needs its axis")
            if m.A is not None and m.A < 0 and self.lattice is None:
                own = self.materials.get(r)
                where = r if own is not None and own.A is not None else "default"
                raise ValueError(f"materials.{where}.A: {m.A!r} < 0; an antiferromagnet is "
                                 "written as a [lattice] table with J < 0 (its checkerboard "
                                 "sublattices need cells of the lattice constant)")
        for name, d in self.drives.items():
            if not _NAME.match(name):
                raise ValueError(f"drives.{name}: drive names are identifiers")
            for r in getattr(d, "regions", None) or []:
                if r not in names_:
                    raise ValueError(f"drives.{name}.regions: no region {r!r} "
                                     f"(regions: {', '.join(names_)})")
        for i, st in enumerate(self.stages):
            for d in st.drives or []:
                if d not in self.drives:
                    raise ValueError(f"stages.{i}.drives: no drive {d!r} "
                                     f"(drives: {', '.join(self.drives) or 'none'})")
            if isinstance(st, (Evolve, Relax)):
                missing = [r for r in names_ if self.material(r).alpha is None]
                if missing:
                    raise ValueError(f"materials.{missing[0]}.alpha: stage {i} ({st.type}) "
                                     "needs the damping α")
            if isinstance(st, Evolve) and self.thermal and self.thermal.temperature > 0:
                if st.dt is None or st.integrator == "rk45":
                    raise ValueError(f"stages.{i}: a temperature needs a fixed-step "
                                     "integrator (heun or rk4) and dt")
            if isinstance(st, Evolve):
                ratio = st.save_every / (st.table_every or st.save_every)
                if abs(ratio - round(ratio)) > 1e-9:
                    raise ValueError(f"stages.{i}.table_every must divide save_every")
        self._currents_from_velocities(names_)
        check_antiferromagnet(self)
        return self

    def _currents_from_velocities(self, region_names: list[str]) -> None:
        """Give each Zhang–Li drive written with a velocity I its current density j
        (:func:`mmstudy.spintorque.zhang_li_j`), with the one Ms of its magnetic regions."""
        for name, d in self.drives.items():
            paper = isinstance(d, ZhangLiDrive) and d.convention == "paper002"
            if not isinstance(d, ZhangLiDrive) or (d.I is None and not paper):
                continue
            where = getattr(d, "regions", None) or region_names
            ms = {self.material(r).Ms for r in where} - {0.0}
            if len(ms) != 1:
                raise ValueError(f"drives.{name}.{'j' if paper else 'I'}: a current "
                                 f"{'of paper 002' if paper else 'given by its velocity'} "
                                 f"needs one Ms in the regions it drives, found {sorted(ms)}")
            Ms = ms.pop()
            if paper and d._given_j is None:
                gammas = {self.gamma0(r) for r in where}
                if len(gammas) != 1:
                    raise ValueError(f"drives.{name}.j: a current of paper 002 needs one γ0 "
                                     f"in the regions it drives, found {sorted(gammas)}")
                u = [float(c) for c in paper002_u(np.asarray(d.j), P=d.P, Ms=Ms,
                                                  gamma=gammas.pop() / MU0)]
                # the study is frozen: what the given j means is set once, here, at the edge
                d._given_j = list(d.j)
                object.__setattr__(d, "I", u)
                if d.P == 0:
                    continue
            j = [float(c) for c in zhang_li_j(np.asarray(d.I), P=d.P, Ms=Ms, xi=d.xi)]
            # the study is frozen: the derived j is set once, here, at the edge
            object.__setattr__(d, "j", j)

    # ------------------------------------------------------------------ helpers
    def material(self, region: str) -> Material:
        """The material of ``region`` (``default`` merged in)."""
        own = self.materials.get(region)
        default = self.materials.get("default")
        if own is None:
            return default if default is not None else Material()
        return own.merged(default)

    def active_drives(self, stage: int) -> dict[str, Drive]:
        """The drives acting in stage ``stage`` (all, unless the stage lists some)."""
        st = self.stages[stage]
        return {k: v for k, v in self.drives.items() if st.drives is None or k in st.drives}

    def active_torques(self, stage: int) -> dict[str, Drive]:
        """The spin-torque drives (Zhang–Li, SOT) acting in stage ``stage``: those active
        there, in an evolve stage only (minimise and relax stages apply no spin torque on
        any backend)."""
        if not isinstance(self.stages[stage], Evolve):
            return {}
        return {k: v for k, v in self.active_drives(stage).items() if v.is_torque}

    def gamma0(self, region: str) -> float:
        """γ0 of ``region`` in m/(A s) (default :data:`GAMMA0`)."""
        g = self.material(region).gamma0
        return GAMMA0 if g is None else g

    @property
    def temperature(self) -> float:
        """Temperature in K (0 without a thermal section)."""
        return self.thermal.temperature if self.thermal else 0.0

    # ------------------------------------------------------------------ ubermag
    @classmethod
    def from_ubermag(cls, system: Any, driver: Any = "MinDriver", **kwargs: Any) -> Study:
        """The study of an ubermag ``mm.System`` and its driver(s): see
        :func:`orchestrator.study.ubermag.from_ubermag` (``folder=`` for a non-uniform
        ``m``, ``name=``, ``overwrite=``, and the drive's ``t``, ``n``)."""
        from orchestrator.study.ubermag import from_ubermag

        return from_ubermag(system, driver, **kwargs)

    def to_ubermag(self, stage: int | None = None,
                   point: int | None = None) -> tuple[Any, Any, dict[str, Any]]:
        """Stage ``stage`` (default the last) of sweep point ``point`` as ubermag's
        ``(system, driver, drive_kwargs)``: see :func:`orchestrator.study.ubermag.to_ubermag`."""
        from orchestrator.study.ubermag import to_ubermag

        return to_ubermag(self, stage=stage, point=point)
