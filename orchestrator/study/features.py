"""The features a study needs, so a backend that lacks one refuses it before running.

Each backend declares the features it supports (``Backend.features``); the dispatcher
compares them with :func:`required_features` and stops with an error naming what is
missing and where the study asks for it. Feature names:

===========================  ==============================================================
``mesh.pbc``                 periodic axes
``mesh.vacuum``              cells outside every region (Ms = 0)
``exchange``                 exchange (6-neighbour)
``exchange.12ngbr``          fourth-order exchange stencil
``exchange.12ngbr.pbc``      ... on a periodic mesh
``exchange.12ngbr.regions``  ... with several regions or vacuum (non-uniform A)
``dmi.Cnv_z/T/D2d_z``        DMI of that crystal class
``dmi.mixed``                different crystal classes in different regions
``dmi.interface_zero``       no DMI on bonds between regions
``anisotropy``               uniaxial anisotropy
``demag`` / ``demag.pbc``    demagnetisation (with periodic images)
``field`` / ``field.region`` / ``field.time``  applied field, in some regions, time-dependent
``anisotropy_drive``         time-dependent uniaxial anisotropy (strain)
``zhang_li``                 Zhang–Li spin-transfer torque
``sot`` / ``sot.field_like`` damping-like spin–orbit torque, plus field-like part
``thermal`` / ``thermal.torque``  temperature; temperature with a spin torque
``gamma.regions``            γ0 differing between regions
``initial.file``             initial state from an OVF file
``stage.minimize`` / ``stage.relax`` / ``stage.evolve``
``integrator.rk45/heun/rk4`` time steppers
``evolve.term_fields``       saving per-term effective fields during evolution
===========================  ==============================================================

Examples
--------
>>> from orchestrator.study.model import Study
>>> s = Study.model_validate({
...     "name": "s", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3, "pbc": "xy"},
...     "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.3,
...                               "dmi": {"D": 3.7e-3, "class": "Cnv_z"}}},
...     "stages": [{"type": "minimize"}]})
>>> sorted(required_features(s))
['dmi.Cnv_z', 'exchange', 'mesh.pbc', 'stage.minimize']
"""

from __future__ import annotations

from orchestrator.study.model import (AnisotropyDrive, Evolve, FieldDrive, FromFile,
                                      SOTDrive, Study, ZhangLiDrive)
from orchestrator.study.raster import rasterize

__all__ = ["required_features", "FEATURES"]

FEATURES = frozenset({
    "mesh.pbc", "mesh.vacuum", "exchange", "exchange.12ngbr", "exchange.12ngbr.pbc",
    "exchange.12ngbr.regions", "dmi.Cnv_z", "dmi.T", "dmi.D2d_z", "dmi.mixed",
    "dmi.interface_zero", "anisotropy", "demag", "demag.pbc", "field", "field.region",
    "field.time", "anisotropy_drive", "zhang_li", "sot", "sot.field_like", "thermal",
    "thermal.torque", "gamma.regions", "initial.file", "stage.minimize", "stage.relax",
    "stage.evolve", "integrator.rk45", "integrator.heun", "integrator.rk4",
    "evolve.term_fields",
})


def required_features(study: Study) -> dict[str, str]:
    """Features ``study`` needs, each with the study field that asks for it."""
    need: dict[str, str] = {}

    def add(feature: str, where: str) -> None:
        assert feature in FEATURES, feature
        need.setdefault(feature, where)

    if study.mesh.pbc:
        add("mesh.pbc", "mesh.pbc")
    raster = rasterize(study)
    mats = {r: study.material(r) for r in raster.names}
    if raster.vacuum.any() or any(m.Ms == 0 for m in mats.values()):
        add("mesh.vacuum", "regions")
    if any(m.A for m in mats.values()):
        add("exchange", "materials.*.A")
        if study.energy.exchange_kernel == "12ngbr":
            add("exchange.12ngbr", "energy.exchange_kernel")
            if study.mesh.pbc:
                add("exchange.12ngbr.pbc", "energy.exchange_kernel")
            used = [n for i, n in enumerate(raster.names) if (raster.index == i).any()]
            if raster.vacuum.any() or len({mats[n].A for n in used}) > 1 or \
                    len({mats[n].Ms for n in used}) > 1:
                add("exchange.12ngbr.regions", "energy.exchange_kernel")
    classes: dict[str, set[str]] = {}
    for name, m in mats.items():
        for d in m.dmi or []:
            if d.D != 0:
                add(f"dmi.{d.crystal_class}", f"materials.{name}.dmi")
                classes.setdefault(d.crystal_class, set()).add(name)
    if len(classes) > 1:
        add("dmi.mixed", "materials.*.dmi")
    if classes and study.energy.dmi_interface == "zero" and len(raster.names) > 1:
        add("dmi.interface_zero", "energy.dmi_interface")
    if any(m.K for m in mats.values()):
        add("anisotropy", "materials.*.K")
    if study.energy.demag:
        add("demag", "energy.demag")
        if study.mesh.pbc:
            add("demag.pbc", "energy.demag")
    if len({study.gamma0(r) for r in raster.used}) > 1:
        add("gamma.regions", "materials.*.gamma0")
    torque = False
    for name, d in study.drives.items():
        where = f"drives.{name}"
        if isinstance(d, FieldDrive):
            add("field", where)
            if d.regions:
                add("field.region", f"{where}.regions")
            if d.time_dependent:
                add("field.time", f"{where}.envelope")
        elif isinstance(d, AnisotropyDrive):
            add("anisotropy_drive", where)
        elif isinstance(d, ZhangLiDrive):
            add("zhang_li", where)
            torque = True
        elif isinstance(d, SOTDrive):
            add("sot", where)
            if d.field_like:
                add("sot.field_like", f"{where}.field_like")
            torque = True
    if study.temperature > 0:
        add("thermal", "thermal.temperature")
        if torque:
            add("thermal.torque", "thermal.temperature")
    if isinstance(study.initial, FromFile):
        add("initial.file", "initial.path")
    for i, st in enumerate(study.stages):
        add(f"stage.{st.type}", f"stages.{i}")
        if isinstance(st, Evolve):
            add(f"integrator.{st.integrator}", f"stages.{i}.integrator")
            if set(st.fields) - {"m"}:
                add("evolve.term_fields", f"stages.{i}.fields")
    return need
