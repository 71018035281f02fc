"""The built-in backend's translators: one function per physics term, each returning
the solver's field term or torque (:mod:`orchestrator.solver.terms`,
:mod:`orchestrator.solver.torques`).

Every translator takes ``(name, spec, ctx)``: the term's name, its spec
(:mod:`orchestrator.study.terms`) and a :class:`BuildContext` (the study, its
raster, the stage clock the drives read, the thread count). The notes registered
with each are the built-in column of the capability table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from orchestrator.backends.registry import Registry
from orchestrator.solver.terms.anisotropy import UniaxialAnisotropy
from orchestrator.solver.terms.demag import Demag
from orchestrator.solver.terms.dmi import DMI
from orchestrator.solver.terms.dmi4 import DMI4
from orchestrator.solver.terms.exchange import Exchange
from orchestrator.solver.terms.zeeman import Zeeman
from orchestrator.solver.torques.sot import SpinOrbitTorque
from orchestrator.solver.torques.zhangli import ZhangLi
from orchestrator.study.model import (AnisotropyDrive, FieldDrive, SOTDrive, Study,
                                      ZhangLiDrive)
from orchestrator.study.profiles import envelope_function
from orchestrator.study.raster import Raster
from orchestrator.study.terms import AnisotropyTerm, DemagTerm, DMITerm, ExchangeTerm

__all__ = ["TRANSLATORS", "BuildContext", "StageClock"]

TRANSLATORS = Registry("builtin")


@dataclasses.dataclass
class StageClock:
    """The current stage's start time and active drives (read by the drives' profiles)."""

    start: float = 0.0
    active: frozenset[str] = frozenset()
    #: drives that act in every stage (their constant profiles need no function of t)
    everywhere: frozenset[str] = frozenset()

    def always_on(self, name: str) -> bool:
        return name in self.everywhere


@dataclasses.dataclass
class BuildContext:
    """What the built-in translators read."""

    study: Study
    raster: Raster
    clock: StageClock
    threads: int | None = None


def _profile(name: str, drive, clock: StageClock) -> Callable[[float], float] | None:
    """The drive's factor at solver time t (None when it is constant and always on)."""
    f = envelope_function(drive.envelope)
    if not drive.time_dependent and clock.always_on(name):
        return None

    def factor(t: float) -> float:
        if name not in clock.active:
            return 0.0
        return f(t - clock.start)

    return factor


# --------------------------------------------------------------------------- energy

@TRANSLATORS.register(ExchangeTerm, "✓ per-region A (harmonic mean between regions); "
                                    "`12ngbr`: OOMMF's kernel, periodic too (uniform A, no vacuum)")
def _exchange(name: str, spec: ExchangeTerm, ctx: BuildContext):
    if spec.kernel == "12ngbr":
        return Exchange(next(iter(spec.A.values())), kernel="12ngbr")
    return Exchange(dict(spec.A), workers=ctx.threads or 1)


@TRANSLATORS.register(DMITerm, "✓; `dmi_order = 4`: fourth-order stencil, summation-by-parts "
                               "edges (uniform D, no vacuum)")
def _dmi(name: str, spec: DMITerm, ctx: BuildContext):
    if spec.order == 4:
        # one D per class everywhere ("dmi.order4.regions" is refused): any used region's
        used = ctx.raster.used
        region = used[0] if used else spec.entries[0][0]
        return DMI4({cls: D for r, cls, D in spec.entries if r == region})
    return DMI([(r, D, cls) for r, cls, D in spec.entries], interface=spec.interface)


@TRANSLATORS.register(AnisotropyTerm, "✓")
def _anisotropy(name: str, spec: AnisotropyTerm, ctx: BuildContext):
    axis = {r: list(spec.axis.get(r, (0.0, 0.0, 1.0))) for r in ctx.raster.names}
    return UniaxialAnisotropy(dict(spec.K), axis, regions=list(spec.K))


@TRANSLATORS.register(DemagTerm, "✓ (`repeats` periodic images)")
def _demag(name: str, spec: DemagTerm, ctx: BuildContext):
    return Demag(threads=ctx.threads)


# --------------------------------------------------------------------------- drives

@TRANSLATORS.register(FieldDrive, "✓")
def _field(name: str, d: FieldDrive, ctx: BuildContext):
    f = _profile(name, d, ctx.clock)
    H = np.asarray(d.H, float)
    value = H if f is None else (lambda t, H=H, f=f: H * f(t))
    return Zeeman(value, regions=d.regions, name=name)


@TRANSLATORS.register(AnisotropyDrive, "✓")
def _anisotropy_drive(name: str, d: AnisotropyDrive, ctx: BuildContext):
    f = _profile(name, d, ctx.clock)
    K1 = d.K if f is None else (lambda t, K=d.K, f=f: K * f(t))
    return UniaxialAnisotropy(K1, d.axis, regions=d.regions, name=name, energy_offset=False)


@TRANSLATORS.register(ZhangLiDrive, "✓; `order = 4`: fourth-order (j·∇)m (no vacuum)")
def _zhang_li(name: str, d: ZhangLiDrive, ctx: BuildContext):
    return ZhangLi(j=list(d.j), P=d.P, xi=d.xi, amplitude=_profile(name, d, ctx.clock),
                   order=d.order)


@TRANSLATORS.register(SOTDrive, "✓")
def _sot(name: str, d: SOTDrive, ctx: BuildContext):
    f = _profile(name, d, ctx.clock)
    j = d.j if f is None else (lambda t, j=d.j, f=f: j * f(t))
    return SpinOrbitTorque(p=d.direction, j=j, theta_SH=d.theta_SH, thickness=d.thickness,
                           field_like=d.field_like)
