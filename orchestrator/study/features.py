"""The features a study needs, so a backend that lacks one refuses it before running.

Each backend declares the features it supports (``Backend.features``: the general
ones below, plus those of the physics terms it has translators for); the dispatcher
compares them with :func:`required_features` and stops with an error naming what is
missing and where the study asks for it. The physics terms (exchange … SOT) declare
their own features (``FEATURES`` and ``features()`` of each spec in
:mod:`orchestrator.study.terms`); this module adds the general ones (mesh, γ0,
temperature, initial state, stages). Feature names:

===========================  ==============================================================
``mesh.pbc``                 periodic axes
``mesh.vacuum``              cells outside every region (Ms = 0)
``exchange``                 exchange (6-neighbour)
``exchange.12ngbr``          fourth-order exchange stencil
``exchange.12ngbr.pbc``      ... on a periodic mesh
``exchange.12ngbr.regions``  ... with several regions or vacuum (non-uniform A)
``exchange.afm``             negative A: a lattice antiferromagnet (``[lattice]`` J < 0)
``dmi.Cnv_z/T/D2d_z``        DMI of that crystal class
``dmi.mixed``                different crystal classes in different regions
``dmi.interface_zero``       no DMI on bonds between regions
``dmi.order4``               fourth-order DMI stencil (``energy.dmi_order = 4``)
``dmi.order4.regions``       ... with D differing between regions, or vacuum
``dmi.lattice_edge``         a ``[lattice]`` study's DMI at a free edge: the missing bond
``anisotropy``               uniaxial anisotropy
``demag`` / ``demag.pbc``    demagnetisation (with periodic images)
``field`` / ``field.region`` / ``field.time``  applied field, in some regions, time-dependent
``anisotropy_drive``         time-dependent uniaxial anisotropy (strain)
``zhang_li``                 Zhang–Li spin-transfer torque
``zhang_li.order4``          ... with the fourth-order (j·∇)m (the drive's ``order = 4``)
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

from orchestrator.study.model import Evolve, FromFile, Study
from orchestrator.study.raster import rasterize
from orchestrator.study.terms import SPECS, spec_features, terms

__all__ = ["required_features", "FEATURES", "GENERAL_FEATURES", "TERM_FEATURES"]

#: features that belong to no physics term
GENERAL_FEATURES = frozenset({
    "mesh.pbc", "mesh.vacuum", "thermal", "thermal.torque", "gamma.regions", "initial.file",
    "stage.minimize", "stage.relax", "stage.evolve", "integrator.rk45", "integrator.heun",
    "integrator.rk4", "evolve.term_fields",
})
#: features the physics terms declare (orchestrator.study.terms)
TERM_FEATURES = frozenset(f for spec in SPECS for f in spec.FEATURES)
FEATURES = GENERAL_FEATURES | TERM_FEATURES


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
    for name, spec in terms(study, raster):
        for feature, where in spec_features(name, spec, study, raster).items():
            add(feature, where)
    if len({study.gamma0(r) for r in raster.used}) > 1:
        add("gamma.regions", "materials.*.gamma0")
    if study.temperature > 0:
        add("thermal", "thermal.temperature")
        if any(d.is_torque for d in study.drives.values()):
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
