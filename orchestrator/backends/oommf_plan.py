"""What the OOMMF backend decides once per study point and the evolver of each stage:
:class:`OOMMFPlan` (the region raster, the discretisedfield mesh, a value per region as
OOMMF's atlas wants it) and :func:`evolver_for` (the oommfc evolver of a relax or evolve
stage: integrator, step control, spin-torque and thermal evolvers, seeds). Used by
:mod:`orchestrator.backends.oommf` to write MIF files and by
:mod:`orchestrator.study.ubermag_to` to hand a stage to ubermag as oommfc would run it.
"""

from __future__ import annotations

import math
from typing import Any

from orchestrator.backends.oommf_terms import same_value
from orchestrator.study.model import Evolve, Study
from orchestrator.study.raster import Raster, rasterize

__all__ = ["OOMMFPlan", "evolver_for", "FULL_REGION"]

#: oommfc's name for the one region of its Oxs_BoxAtlas
FULL_REGION = "main"


class OOMMFPlan:
    """What every stage of one study shares: raster, atlas, per-region values."""

    def __init__(self, study: Study) -> None:
        import discretisedfield as df

        self.study = study
        self.raster: Raster = rasterize(study)
        names = self.raster.names
        self.mats = {r: study.material(r) for r in names}
        self.used = [r for i, r in enumerate(names) if (self.raster.index == i).any()]
        self.vacuum = bool(self.raster.vacuum.any())
        self.box_atlas = len(names) == 1 and not self.vacuum
        nx, ny, nz = study.mesh.cells
        size = tuple(n * c for n, c in zip(study.mesh.cells, study.mesh.cell))
        self.mesh = df.Mesh(p1=(0.0, 0.0, 0.0), p2=size, n=(nx, ny, nz),
                            bc=study.mesh.pbc)

    def atlas_name(self, region: str) -> str:
        return FULL_REGION if self.box_atlas else region

    def per_region(self, values: dict[str, Any], default: Any) -> Any:
        """One value when it is the same in every cell, else ``{region: v, "default": ..}``."""
        vals = [values.get(r, default) for r in self.used]
        if not self.vacuum and self.used and all(same_value(v, vals[0]) for v in vals):
            return vals[0]
        out = {self.atlas_name(r): v for r, v in values.items() if not same_value(v, default)}
        out["default"] = default
        return out


def evolver_for(plan: OOMMFPlan, k: int, torque: str | None, thermal: bool,
             time_dependent: bool) -> tuple[Any, dict[str, Any]]:
    """The oommfc evolver for a relax/evolve stage, and options oommfc's class does not
    take (added to the MIF by :func:`mif_patches.evolver_options`)."""
    import oommfc as oc

    stage = plan.study.stages[k]
    kw: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    if isinstance(stage, Evolve):
        kw["method"] = {"rk45": "rkf54", "heun": "rk2heun", "rk4": "rk4"}[stage.integrator]
        if stage.dt is not None:
            kw.update(min_timestep=stage.dt, max_timestep=stage.dt)
        else:
            kw.update(absolute_step_error=math.degrees(stage.tolerance),
                      relative_step_error=-1, error_rate=-1)
    if thermal:  # the same seed as the MIF's RandomSeed (which is what repeats a run)
        seed = ((plan.study.thermal.seed if plan.study.thermal else 0) + k) % 2 ** 31
        kw.update(uniform_seed=seed)
        if torque == "sot":
            return oc.Xf_ThermSpinXferEvolver(J_direction="-z", **kw), extra
        return oc.Xf_ThermHeunEvolver(**kw), extra
    if time_dependent:
        kw["energy_precision"] = -1  # the transforms report ∂H/∂t = 0: no energy check
    if torque == "zhang_li":
        method = kw.pop("method", "rkf54")
        return oc.SpinTEvolver(method=method), kw
    if torque == "sot":
        return oc.SpinXferEvolver(**kw), extra
    return oc.RungeKuttaEvolver(**kw), extra
