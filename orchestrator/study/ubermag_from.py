"""ubermag → study: a micromagneticmodel ``System`` and its driver(s) as a validated Study.

The mapping and what is refused are listed in :mod:`orchestrator.study.ubermag`. The
geometry comes first (:mod:`orchestrator.study.ubermag_geometry`), because every parameter
is then read per region; the terms are read one by one
(:mod:`orchestrator.study.ubermag_from_terms`); this module puts them together with the
materials, the initial state and the driver's stages. The study is built as plain data
and validated once by :func:`orchestrator.study.load.validate_study`.
"""

from __future__ import annotations

import math
import numbers
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from orchestrator.study.ubermag import M0_NAME, UbermagError
from orchestrator.study.ubermag_from_terms import _dynamics, _energy
from orchestrator.study.ubermag_geometry import _attrs, _Geometry, _geometry, _number, _tidy

__all__ = ["study_from_system"]

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
