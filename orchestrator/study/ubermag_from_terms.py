"""ubermag → study, term by term: the energy terms (exchange, DMI, anisotropy, Zeeman with
its time envelope) and the dynamics terms (precession, damping, Zhang–Li, Slonczewski SOT)
of a micromagneticmodel ``System`` as the study's materials, energy options and drives.
Private to :mod:`orchestrator.study.ubermag_from`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from mmstudy.constants import GAMMA0
from orchestrator.study.ubermag import (UbermagError, parse_profile_tcl, sin_expression,
                                        sinc_expression)
from orchestrator.study.ubermag_geometry import (_attrs, _bond, _Geometry, _neighbours,
                                                 _number, _per_region, _same, _uniform,
                                                 _vector)

#: ubermag's DMI classes that the study's are (oommfc writes the deprecated Cnv, D2d and
#: the class O as Oxs_DMI_Cnv_z, Oxs_DMI_D2d_z and Oxs_DMI_T)
_CLASSES = {"Cnv_z": "Cnv_z", "Cnv": "Cnv_z", "T": "T", "O": "T", "D2d_z": "D2d_z",
            "D2d": "D2d_z"}
#: energy terms that are not in the study's model, and why
_NOT_MODELLED = {
    "CubicAnisotropy": "cubic anisotropy is not in mmstudy's model (a material holds one "
                       "uniaxial K and its axis)",
    "MagnetoElastic": "magnetoelastic coupling is not in mmstudy's model",
    "RKKY": "RKKY coupling between subregions is not in mmstudy's model",
}

# --------------------------------------------------------------------------- energy

def _energy(system: Any, geo: _Geometry, mats: dict[str, dict[str, Any]],
            energy: dict[str, Any], drives: dict[str, Any]) -> None:
    import micromagneticmodel as mm

    seen: set[str] = set()
    rules: set[str] | None = None
    for term in system.energy:
        kind = type(term).__name__
        label = f"system.energy.{term.name} ({kind})"
        if isinstance(term, mm.Exchange):
            _once(seen, "A", f"{label}: a second exchange term (mmstudy has one A per region)")
            _exchange(term, geo, mats, label)
        elif isinstance(term, mm.DMI):
            rule = _dmi(term, geo, mats, label, seen)
            rules = rule if rules is None else rules & rule
            if not rules:
                raise UbermagError(f"{label}: the DMI between subregions follows the mean of "
                                   "the two D in one DMI term and is zero in another: mmstudy "
                                   "has one rule (energy.dmi_interface) for all classes")
        elif isinstance(term, mm.UniaxialAnisotropy):
            _once(seen, "K", f"{label}: a second uniaxial anisotropy (mmstudy has one K and "
                             "axis per region)")
            _anisotropy(term, geo, mats, label)
        elif isinstance(term, mm.Zeeman):
            _zeeman(term, geo, drives, label)
        elif isinstance(term, mm.Demag):
            if _attrs(term):
                warnings.warn(f"{label}: {', '.join(_attrs(term))} not kept (mmstudy's demag "
                              "has no such setting)", stacklevel=4)
            energy["demag"] = True
        else:
            why = _NOT_MODELLED.get(kind, f"{kind} is not in mmstudy's model")
            raise UbermagError(f"{label}: {why}")
    if rules and "mean" not in rules:
        energy["dmi_interface"] = "zero"


def _once(seen: set[str], key: str, second: str) -> None:
    """Note that a term setting ``key`` was read; UbermagError ``second`` if one was."""
    if key in seen:
        raise UbermagError(second)
    seen.add(key)


def _harmonic(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a > 0 and b > 0 else 0.0


def _exchange(term: Any, geo: _Geometry, mats: dict, label: str) -> None:
    value = term.A
    A = {r: _number(v, f"{label}.A") for r, v in
         _per_region(geo, value, f"{label}.A", default=0.0, pairs=True).items()}
    if isinstance(value, dict):
        for a, b in _neighbours(geo):
            oa, ob = geo.oommf[a], geo.oommf[b]
            got, want = _bond(value, oa, ob, 0.0), _harmonic(A[a], A[b])
            if not math.isclose(got, want, rel_tol=1e-12, abs_tol=0.0):
                raise UbermagError(
                    f"{label}.A: between subregions {oa!r} and {ob!r} it is {got!r} J/m "
                    f"(ubermag's '{oa}:{ob}' entry, else its 'default'); mmstudy couples "
                    f"regions with the harmonic mean of their A, {want!r} J/m: add "
                    f"'{oa}:{ob}': {want!r}")
    for r, v in A.items():
        mats[r]["A"] = v


def _dmi(term: Any, geo: _Geometry, mats: dict, label: str, seen: set[str]) -> set[str]:
    """Read a DMI term into the materials; returns the interface rules it fits."""
    import discretisedfield as df

    cls = _CLASSES.get(term.crystalclass)
    if cls is None:
        raise UbermagError(f"{label}: crystal class {term.crystalclass!r} is not in mmstudy's "
                           f"model (Cnv_z, T, D2d_z; ubermag's Cnv, O and D2d are those)")
    _once(seen, f"dmi.{cls}", f"{label}: a second DMI term of class {cls} (give one D per class)")
    if isinstance(term.D, df.Field):
        raise UbermagError(f"{label}.D: a Field D is not written by ubermag's OOMMF adapter "
                           "(oommfc); give D per subregion as a dict")
    D = {r: _number(v, f"{label}.D") for r, v in
         _per_region(geo, term.D, f"{label}.D", default=0.0, pairs=True).items()}
    rules = {"mean", "zero"}
    for a, b in _neighbours(geo):
        got = _bond(term.D, geo.oommf[a], geo.oommf[b], 0.0)
        if not math.isclose(got, (D[a] + D[b]) / 2, rel_tol=1e-12, abs_tol=0.0):
            rules.discard("mean")
        if got != 0.0:
            rules.discard("zero")
        if not rules:
            oa, ob = geo.oommf[a], geo.oommf[b]
            raise UbermagError(
                f"{label}.D: between subregions {oa!r} and {ob!r} it is {got!r} J/m² "
                f"(ubermag's '{oa}:{ob}' entry, else its 'default'); mmstudy puts the mean of "
                f"the two D there, {(D[a] + D[b]) / 2!r}, or 0 (energy.dmi_interface)")
    for r, v in D.items():
        if v:
            mats[r].setdefault("dmi", []).append({"D": v, "class": cls})
    return rules


def _anisotropy(term: Any, geo: _Geometry, mats: dict, label: str) -> None:
    attrs = _attrs(term)
    K2 = attrs.get("K2")
    if K2 is not None and not (isinstance(K2, numbers.Real) and K2 == 0):
        raise UbermagError(f"{label}.K2: higher-order uniaxial anisotropy is not in mmstudy's "
                           "model (K = K1 with K2 = 0 is)")
    if "K" in attrs and "K1" in attrs:
        raise UbermagError(f"{label}: give K or K1, not both")
    K = attrs.get("K", attrs.get("K1"))
    if K is None or "u" not in attrs:
        raise UbermagError(f"{label}: expected K (J/m³) and the axis u")
    Ks = _per_region(geo, K, f"{label}.K", default=0.0)
    axes = _per_region(geo, attrs["u"], f"{label}.u", default=(0.0, 0.0, 0.0))
    for r in geo.names:
        k = _number(Ks[r], f"{label}.K")
        if k:
            axis = _vector(axes[r], f"{label}.u")
            if not any(axis):
                raise UbermagError(f"{label}.u: no axis in region {r!r}")
            mats[r].update(K=k, K_axis=axis)


def _envelope(term: Any, attrs: dict[str, Any], label: str, *, zeeman: bool) -> dict | None:
    """A term's time profile as the study's envelope (None: constant)."""
    func = attrs.get("func", attrs.get("wave"))
    if callable(func):
        raise UbermagError(f"{label}.func: a Python callable cannot be written as data "
                           "(mmstudy's time profiles are constant, pulse, train or an "
                           "expression of t)")
    if func in ("sin", "sinc"):
        if "f" not in attrs or "t0" not in attrs:
            raise UbermagError(f"{label}: func={func!r} needs f (Hz) and t0 (s)")
        render = sin_expression if func == "sin" else sinc_expression
        return {"type": "expression", "expression": render(attrs["f"], attrs["t0"])}
    if func is not None:
        raise UbermagError(f"{label}.func: {func!r} is not a time dependence mmstudy knows")
    if "tcl_strings" in attrs:
        env = parse_profile_tcl(term.name, attrs["tcl_strings"], zeeman=zeeman)
        if env is None:
            raise UbermagError(f"{label}.tcl_strings: Tcl code cannot be read as a time profile "
                               "(only the profiles Study.to_ubermag writes are read back)")
        return env.model_dump()
    return None


def _zeeman(term: Any, geo: _Geometry, drives: dict, label: str) -> None:
    attrs = _attrs(term)
    if "H" not in attrs:
        raise UbermagError(f"{label}: expected the field H (A/m)")
    H = _per_region(geo, attrs["H"], f"{label}.H", default=(0.0, 0.0, 0.0))
    envelope = _envelope(term, attrs, label, zeeman=True)
    groups: dict[tuple[float, ...], list[str]] = {}
    for r in geo.magnetic_regions:
        h = tuple(_vector(H[r], f"{label}.H"))
        if any(h):
            groups.setdefault(h, []).append(r)
    for i, (h, regions) in enumerate(groups.items()):
        key = term.name if len(groups) == 1 else f"{term.name}_{i + 1}"
        if key in drives:
            raise UbermagError(f"{label}: two drives would be named {key!r}: rename a term")
        drive: dict[str, Any] = {"type": "field", "H": list(h)}
        if regions != geo.magnetic_regions:
            drive["regions"] = regions
        if envelope is not None:
            drive["envelope"] = envelope
        drives[key] = drive

# --------------------------------------------------------------------------- dynamics


def _dynamics(system: Any, geo: _Geometry, mats: dict, drives: dict,
              stages: list[dict]) -> bool:
    """Read the dynamics into materials (γ0, α) and torque drives; returns whether it
    precesses."""
    import micromagneticmodel as mm

    precession = damping = False
    torques = []
    for term in system.dynamics:
        kind = type(term).__name__
        label = f"system.dynamics.{term.name} ({kind})"
        if isinstance(term, mm.Precession):
            precession = True
            for r, g in _per_region(geo, term.gamma0, f"{label}.gamma0",
                                    default=GAMMA0).items():
                g = _number(g, f"{label}.gamma0")
                if g != GAMMA0:
                    mats[r]["gamma0"] = g
        elif isinstance(term, mm.Damping):
            damping = True
            for r, a in _per_region(geo, term.alpha, f"{label}.alpha", default=0.0).items():
                mats[r]["alpha"] = _number(a, f"{label}.alpha")
        elif isinstance(term, mm.ZhangLi):
            torques.append(term.name)
            drive = _zhang_li(term, geo, label)
            if drive:
                drives[term.name] = drive
        elif isinstance(term, mm.Slonczewski):
            torques.append(term.name)
            drive = _sot(term, geo, label)
            if drive:
                drives[term.name] = drive
        else:
            raise UbermagError(f"{label}: {kind} is not in mmstudy's model")
    if len(torques) > 1:
        raise UbermagError(f"system.dynamics: {' and '.join(torques)}: oommfc runs one "
                           "spin-torque evolver")
    kinds = {s["type"] for s in stages}
    if not damping and "relax" in kinds:
        raise UbermagError("system.dynamics: a RelaxDriver needs Damping (alpha)")
    if not damping and "evolve" in kinds:  # oommfc's TimeDriver writes alpha 0
        for r in geo.names:
            mats[r]["alpha"] = 0.0
    return precession


def _zhang_li(term: Any, geo: _Geometry, label: str) -> dict[str, Any] | None:
    from mmstudy.spintorque import zhang_li_u as rate

    attrs = _attrs(term)
    if "u" not in attrs or "beta" not in attrs:
        raise UbermagError(f"{label}: expected u (m/s) and beta")
    beta = _number(attrs["beta"], f"{label}.beta")
    values = _per_region(geo, attrs["u"], f"{label}.u", default=0.0)
    # a scalar u is along x (ubermag's ZhangLi, OOMMF's Anv_SpinTEvolve)
    u = {r: ([float(v), 0.0, 0.0] if isinstance(v, numbers.Real) else _vector(v, f"{label}.u"))
         for r, v in values.items()}
    used = geo.magnetic_regions
    if not used or not any(any(u[r]) for r in used):
        return None
    drive: dict[str, Any] = {"type": "zhang_li", "P": 1.0, "xi": beta}
    if _same([u[r] for r in used]) and len({geo.Ms[r] for r in used}) == 1:
        drive["I"] = [0.0 - c for c in u[used[0]]]  # OOMMF's u is −(mumax3's u: I)
    else:
        j = {r: [-c / rate(1.0, P=1.0, Ms=geo.Ms[r], xi=beta) for c in u[r]] for r in used}
        first = np.asarray(j[used[0]])
        if not all(np.allclose(j[r], first, rtol=1e-9, atol=0.0) for r in used):
            raise UbermagError(
                f"{label}.u: the drift velocities per region are not one current density "
                "(mmstudy's u = μB P j/(e Ms (1 + β²)) follows Ms with one j)")
        drive["j"] = first.tolist()
    envelope = _envelope(term, attrs, label, zeeman=False)
    if envelope is not None:
        drive["envelope"] = envelope
    return drive


def _sot(term: Any, geo: _Geometry, label: str) -> dict[str, Any] | None:
    from mmstudy.constants import HBAR, QE
    from orchestrator.backends.oommf_terms import OOMMF_HBAR, OOMMF_QE

    attrs = _attrs(term)
    for key in ("J", "mp", "P", "Lambda"):
        if key not in attrs:
            raise UbermagError(f"{label}: expected J, mp, P and Lambda ({key} is missing)")
    Lambda = _number(_uniform(geo, attrs["Lambda"], f"{label}.Lambda", 1.0), f"{label}.Lambda")
    if not math.isclose(Lambda, 1.0, rel_tol=1e-12):
        raise UbermagError(f"{label}.Lambda = {Lambda!r}: OOMMF's Slonczewski torque depends on "
                           "m·mp unless Λ = 1; mmstudy's spin–orbit torque is the Λ = 1 form")
    J = _number(_uniform(geo, attrs["J"], f"{label}.J", 0.0), f"{label}.J")
    P = _number(_uniform(geo, attrs["P"], f"{label}.P", 0.0), f"{label}.P")
    eps = _number(_uniform(geo, attrs.get("eps_prime", 0.0), f"{label}.eps_prime", 0.0),
                  f"{label}.eps_prime")
    mp = _vector(_uniform(geo, attrs["mp"], f"{label}.mp", (0.0, 0.0, 0.0)), f"{label}.mp")
    if J == 0 or (P == 0 and eps == 0):
        return None
    if P <= 0:
        raise UbermagError(f"{label}.P: a field-like torque without a damping-like one "
                           "(P = 0) is not mmstudy's spin–orbit torque")
    if not any(mp):
        raise UbermagError(f"{label}.mp: the polarisation is zero")
    # sot_parameters: J = j dz/t × ratio, P = θ_SH, eps' = r θ_SH/2 (t: the mesh thickness)
    dz = geo.mesh["cell"][2]
    t = geo.mesh["n"][2] * dz
    ratio = (HBAR / QE) / (OOMMF_HBAR / OOMMF_QE)
    drive: dict[str, Any] = {"type": "sot", "j": J / ratio * t / dz, "theta_SH": P, "p": mp}
    if eps:
        drive["field_like"] = 2 * eps / P
    envelope = _envelope(term, attrs, label, zeeman=False)
    if envelope is not None:
        drive["envelope"] = envelope
    return drive
