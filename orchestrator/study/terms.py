"""The physics terms of a study point, each a small spec that names itself once.

A study writes its physics where a physicist thinks of it: exchange, DMI and
anisotropy per region in ``materials``, demag in ``energy``, fields and currents in
``drives``. :func:`terms` turns that into one list of specs, the unit every backend
translates: each backend keeps a registry of translators, one function per spec
type (:mod:`orchestrator.backends.registry`, after oommfc's one ``<term>_script`` per
term), and refuses a study with a spec it has no translator for.

Each spec type says, once:

``kind``       its row in the capability table and its registry key (``"dmi"``)
``term_name``  the name of its field term: the table's ``E_<name>`` column and the
               ``Evolve.fields`` entry (energy terms; a drive's name is its key in
               ``drives``)
``has_field``  whether it adds an effective field (False for spin torques)
``label``      its row label in the capability table
``FEATURES``   every feature name it can ask for (:mod:`orchestrator.study.features`)
``features()`` the features this instance asks for, each with the study field that
               asks for it

Energy specs (this module) carry the per-region values backends need; drive specs
are the drive models of :mod:`orchestrator.study.model` themselves
(:class:`~orchestrator.study.model.FieldDrive`, ``AnisotropyDrive``,
``ZhangLiDrive``, ``SOTDrive``), which declare the same class attributes.

Examples
--------
>>> from orchestrator.study import validate_study
>>> s = validate_study({"name": "x", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
...     "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11,
...                               "dmi": {"D": 3e-3, "class": "Cnv_z"}}},
...     "drives": {"h": {"type": "field", "H": [0, 0, 1e4]}},
...     "stages": [{"type": "minimize"}]})
>>> [(name, type(spec).__name__) for name, spec in terms(s)]
[('exch', 'ExchangeTerm'), ('DMI', 'DMITerm'), ('h', 'FieldDrive')]
>>> field_term_names(s)
['exch', 'DMI', 'h']
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, ClassVar

from orchestrator.study.model import Drive, Study
from orchestrator.study.raster import Raster, rasterize

__all__ = ["ExchangeTerm", "DMITerm", "AnisotropyTerm", "DemagTerm", "ENERGY_SPECS",
           "DRIVE_SPECS", "SPECS", "terms", "energy_terms", "field_term_names",
           "spec_features"]


@dataclasses.dataclass(frozen=True)
class _EnergySpec:
    kind: ClassVar[str] = ""
    term_name: ClassVar[str] = ""
    has_field: ClassVar[bool] = True
    #: the capability table's row label
    label: ClassVar[str] = ""
    FEATURES: ClassVar[tuple[str, ...]] = ()

    def features(self, study: Study, raster: Raster) -> dict[str, str]:
        """Features this term asks for, each with the study field that asks."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class ExchangeTerm(_EnergySpec):
    """Exchange: ``A`` (J/m) per region that has one (non-zero), and the kernel
    (``6ngbr`` or the fourth-order ``12ngbr``)."""

    kind: ClassVar[str] = "exchange"
    term_name: ClassVar[str] = "exch"
    label: ClassVar[str] = "exchange: per-region A; fourth-order `12ngbr` kernel"
    FEATURES: ClassVar[tuple[str, ...]] = ("exchange", "exchange.12ngbr", "exchange.12ngbr.pbc",
                                           "exchange.12ngbr.regions", "exchange.afm")
    A: dict[str, float]
    kernel: str = "6ngbr"

    def features(self, study: Study, raster: Raster) -> dict[str, str]:
        need = {"exchange": "materials.*.A"}
        if any(a < 0 for a in self.A.values()):  # a lattice antiferromagnet (J < 0)
            need["exchange.afm"] = "lattice.J"
        if self.kernel == "12ngbr":
            need["exchange.12ngbr"] = "energy.exchange_kernel"
            if study.mesh.pbc:
                need["exchange.12ngbr.pbc"] = "energy.exchange_kernel"
            mats = {n: study.material(n) for n in raster.names}
            used = [n for i, n in enumerate(raster.names) if (raster.index == i).any()]
            if raster.vacuum.any() or len({mats[n].A for n in used}) > 1 or \
                    len({mats[n].Ms for n in used}) > 1:
                need["exchange.12ngbr.regions"] = "energy.exchange_kernel"
        return need


@dataclasses.dataclass(frozen=True)
class DMITerm(_EnergySpec):
    """Dzyaloshinskii–Moriya interaction: ``entries`` ``(region, crystal class, D)``
    (J/m², non-zero values only, in the order of the regions and of each region's
    ``dmi`` list) and the rule on bonds between regions (``mean`` or ``zero``)."""

    kind: ClassVar[str] = "dmi"
    term_name: ClassVar[str] = "DMI"
    label: ClassVar[str] = ("DMI `Cnv_z`, `T`, `D2d_z`; different classes per region (Janus); "
                            "bond rule `mean`/`zero`")
    FEATURES: ClassVar[tuple[str, ...]] = ("dmi.Cnv_z", "dmi.T", "dmi.D2d_z", "dmi.mixed",
                                           "dmi.interface_zero", "dmi.order4",
                                           "dmi.order4.regions", "dmi.lattice_edge")
    entries: tuple[tuple[str, str, float], ...]
    interface: str = "mean"
    #: finite-difference order of the first derivatives (``energy.dmi_order``)
    order: int = 2

    @property
    def D(self) -> dict[str, dict[str, float]]:
        """``{class: {region: D}}``, classes in the order the materials name them."""
        out: dict[str, dict[str, float]] = {}
        for region, cls, D in self.entries:
            out.setdefault(cls, {})[region] = D
        return out

    @property
    def classes(self) -> list[str]:
        """The crystal classes present."""
        return list(self.D)

    def features(self, study: Study, raster: Raster) -> dict[str, str]:
        need: dict[str, str] = {}
        for name in raster.names:
            for d in study.material(name).dmi or []:
                if d.D != 0:
                    need.setdefault(f"dmi.{d.crystal_class}", f"materials.{name}.dmi")
        if len(self.D) > 1:
            need["dmi.mixed"] = "materials.*.dmi"
        if study.lattice is not None and (raster.vacuum.any() or any(
                n > 1 and axis not in study.mesh.pbc
                for axis, n in zip("xy", study.mesh.cells[:2]))):
            # a lattice's free edge is a missing bond; a backend whose DMI sets a boundary
            # condition there (ghost cells) is not the lattice model at that edge
            need["dmi.lattice_edge"] = "lattice.D"
        if self.interface == "zero" and len(raster.names) > 1:
            need["dmi.interface_zero"] = "energy.dmi_interface"
        if self.order == 4:
            need["dmi.order4"] = "energy.dmi_order"
            # the fourth-order stencil takes one D per class over a fully magnetic mesh
            per_region = {frozenset((d.crystal_class, float(d.D))
                                    for d in study.material(n).dmi or [] if d.D)
                          for n in raster.used}
            if raster.vacuum.any() or len(per_region) > 1:
                need["dmi.order4.regions"] = "energy.dmi_order"
        return need


@dataclasses.dataclass(frozen=True)
class AnisotropyTerm(_EnergySpec):
    """Uniaxial anisotropy: ``K`` (J/m³, > 0 easy axis) per region that has one, and
    each such region's unnormalised axis."""

    kind: ClassVar[str] = "anisotropy"
    term_name: ClassVar[str] = "anis"
    label: ClassVar[str] = "uniaxial anisotropy, per-region K and axis"
    FEATURES: ClassVar[tuple[str, ...]] = ("anisotropy",)
    K: dict[str, float]
    axis: dict[str, tuple[float, float, float]]

    def features(self, study: Study, raster: Raster) -> dict[str, str]:
        return {"anisotropy": "materials.*.K"}


@dataclasses.dataclass(frozen=True)
class DemagTerm(_EnergySpec):
    """Demagnetisation (with ``mesh.repeats`` periodic images along periodic axes)."""

    kind: ClassVar[str] = "demag"
    term_name: ClassVar[str] = "Demag"
    label: ClassVar[str] = "demag, periodic images"
    FEATURES: ClassVar[tuple[str, ...]] = ("demag", "demag.pbc")

    def features(self, study: Study, raster: Raster) -> dict[str, str]:
        need = {"demag": "energy.demag"}
        if study.mesh.pbc:
            need["demag.pbc"] = "energy.demag"
        return need


#: energy specs in the order every backend adds them
ENERGY_SPECS: tuple[type, ...] = (ExchangeTerm, DMITerm, AnisotropyTerm, DemagTerm)
#: drive specs: the drive models of the study model's ``Drive`` union, in its order
DRIVE_SPECS: tuple[type, ...] = typing.get_args(typing.get_args(Drive)[0])
#: every spec type
SPECS: tuple[type, ...] = ENERGY_SPECS + DRIVE_SPECS


def energy_terms(study: Study, raster: Raster | None = None) -> list[Any]:
    """The energy specs of ``study``, in :data:`ENERGY_SPECS` order (a term with no
    non-zero parameter in any region is left out)."""
    raster = raster or rasterize(study)
    mats = {r: study.material(r) for r in raster.names}
    out: list[Any] = []
    A = {r: float(m.A) for r, m in mats.items() if m.A}
    if A:
        out.append(ExchangeTerm(A=A, kernel=study.energy.exchange_kernel))
    dmi = tuple((r, d.crystal_class, float(d.D)) for r, m in mats.items()
                for d in (m.dmi or []) if d.D)
    if dmi:
        out.append(DMITerm(entries=dmi, interface=study.energy.dmi_interface,
                           order=study.energy.dmi_order))
    K = {r: float(m.K) for r, m in mats.items() if m.K}
    if K:
        axis = {r: tuple(float(x) for x in (mats[r].K_axis or (0.0, 0.0, 1.0))) for r in K}
        out.append(AnisotropyTerm(K=K, axis=axis))  # type: ignore[arg-type]
    if study.energy.demag:
        out.append(DemagTerm())
    return out


def terms(study: Study, raster: Raster | None = None) -> list[tuple[str, Any]]:
    """Every physics term of ``study`` as ``(name, spec)``: the energy terms (named by
    their ``term_name``), then the drives (named by their key in ``drives``)."""
    return [(spec.term_name, spec) for spec in energy_terms(study, raster)] + \
        list(study.drives.items())


def field_term_names(study: Study, stage: int | None = None) -> list[str]:
    """Names of the terms with an effective field (what ``Evolve.fields`` may save and
    the table's ``E_<name>`` columns): energy terms, then field-like drives (those
    active in ``stage`` when given)."""
    raster = rasterize(study)
    names = [spec.term_name for spec in energy_terms(study, raster)]
    drives = study.drives if stage is None else study.active_drives(stage)
    return names + [n for n, d in drives.items() if d.has_field]


def spec_features(name: str, spec: Any, study: Study, raster: Raster) -> dict[str, str]:
    """The features term ``name`` asks for (energy specs look at the study's materials;
    a drive knows its own)."""
    if isinstance(spec, _EnergySpec):
        return spec.features(study, raster)
    return spec.features(name)
