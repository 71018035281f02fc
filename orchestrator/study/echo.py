"""What a study written in a paper's units became, for ``point.json``: the scale and each
drive's strength in that scale.

A study in paper 003's reduced units (``[units]``) or in a lattice model's units
(``[lattice]``, paper 002) is converted to SI once, at validation, and its dump holds SI
numbers. :func:`scale_record` states the scale the values were read in (ℓ, L_D, B_D,
t_D, v_D; or a, E_J, τ, a/τ and the continuum material the lattice became) and each
spin-torque drive's strength back in that scale (the Zhang–Li drift speed in v_D or in
sites per τ, the spin-orbit rate c in 1/t_D or 1/τ), so a point can be checked against
the paper's numbers without redoing the conversion.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mmstudy.constants import MU0
from mmstudy.spintorque import sot_rate, zhang_li_u

__all__ = ["scale_record"]


def _drives(study, time: float, velocity: float, speed_unit: str,
            rate_unit: str) -> dict[str, Any]:
    """Each spin-torque drive's strength in the scale (``time``, ``velocity``)."""
    out: dict[str, Any] = {}
    region = study.regions[0].name
    Ms = study.material(region).Ms
    for name, d in study.drives.items():
        if d.type == "zhang_li" and d.j is not None:
            u = np.asarray(d.I if d.I is not None else
                           zhang_li_u(np.asarray(d.j), P=d.P, Ms=Ms, xi=d.xi), float)
            out[name] = {"u (m/s)": u.tolist(), f"u ({speed_unit})": (u / velocity).tolist()}
        elif d.type == "sot":
            c = float(sot_rate(d.j, theta_SH=d.theta_SH, thickness=d.thickness_in(study.mesh),
                               Ms=Ms, gamma=study.gamma0(region) / MU0))
            out[name] = {"c (1/s)": c, f"c ({rate_unit})": c * time}
    return out


def scale_record(study) -> dict[str, Any] | None:
    """The scale of a study written in reduced or lattice units and its drives in it;
    None for a study in SI.

    Examples
    --------
    >>> from orchestrator.study.load import validate_study
    >>> s = validate_study({"name": "l", "lattice": {"a": "0.5 nm", "J": "1 meV",
    ...     "alpha": 0.04}, "mesh": {"n": [8, 8, 1]}, "drives": {"stt": {"type": "zhang_li",
    ...     "j": [1e10, 0, 0], "P": 0.2, "xi": 0.02, "convention": "paper002"}},
    ...     "stages": [{"type": "evolve", "duration": "1 t_J", "save_every": "1 t_J"}]})
    >>> rec = scale_record(s)
    >>> round(rec["tau (s)"] * 1e12, 4), round(rec["drives"]["stt"]["u (sites/tau)"][0] * 1e3, 3)
    (0.6582, 1.027)
    """
    if study.lattice is not None:
        u = study.lattice.units
        m = study.material(study.regions[0].name)
        return {"scale": "lattice (paper 002)", "a (m)": u.a, "J (J)": u.J,
                "mu_s (J/T)": u.mu_s, "tau (s)": u.time, "a/tau (m/s)": u.velocity,
                "continuum": {"Ms (A/m)": m.Ms, "A (J/m)": m.A,
                              "dmi": [{"class": d.crystal_class, "D (J/m^2)": d.D}
                                      for d in m.dmi or []],
                              "K_u (J/m^3)": m.K},
                "drives": _drives(study, u.time, u.velocity, "sites/tau", "1/tau")}
    if study.units is not None:
        r = study.units.reduced
        return {"scale": "reduced (paper 003)", "ell (m)": r.ell, "L_D (m)": r.L_D,
                "B_D (T)": r.B_D, "t_D (s)": r.time, "v_D (m/s)": r.velocity,
                "drives": _drives(study, r.time, r.velocity, "v_D", "1/t_D")}
    return None
