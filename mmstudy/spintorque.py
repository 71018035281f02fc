"""The spin-torque rates, written once: the solver's torques, the backends' mappings and
the Thiele analysis all call these.

``zhang_li_u``  Zhang–Li drift velocity ``u = μB P j / (e Ms (1 + ξ²))`` (m/s), the
                convention of mumax3 and the built-in solver (the torque
                ``(u·∇)m − ξ m×(u·∇)m``); OOMMF's evolver takes ``−u``.
``zhang_li_j``  its inverse: the current density of a drift velocity (paper 003's I)
``paper002_u``  paper 002's drift velocity ``u = −v_s = γħ p j_e/(2 e Ms)`` (Eq. 15)
``sot_rate``    damping-like spin–orbit torque rate ``c = γ ħ θ_SH j / (2 e t Ms)``
                (1/s) with γ in rad/(T s) (= γ0/μ0): the torque is ``c m×(p×m)``.

Both accept numpy arrays (e.g. Ms per cell); a zero Ms is the caller's to mask.

Examples
--------
>>> round(float(zhang_li_u(1e12, P=0.4, Ms=580e3)), 2)
39.92
>>> round(sot_rate(1e10, theta_SH=1.0, thickness=1e-9, Ms=580e3, gamma=1.7595e11) / 1e9, 4)
0.9984
"""

from __future__ import annotations

from typing import Any

from mmstudy.constants import HBAR, MUB, QE

__all__ = ["zhang_li_u", "zhang_li_j", "paper002_u", "sot_rate"]


def zhang_li_u(j: Any, *, P: Any, Ms: Any, xi: Any = 0.0) -> Any:
    """Zhang–Li drift velocity ``u = μB P j / (e Ms (1 + ξ²))`` in m/s.

    Parameters
    ----------
    j : float or ndarray
        Current density (A/m²), a component, a vector or a field.
    P, Ms, xi : float or ndarray
        Polarisation, saturation magnetisation (A/m) and non-adiabaticity; they
        broadcast against ``j``.
    """
    return MUB * P * j / (QE * Ms * (1.0 + xi * xi))


def zhang_li_j(u: Any, *, P: Any, Ms: Any, xi: Any = 0.0) -> Any:
    """The current density (A/m²) whose Zhang–Li drift velocity is ``u`` (m/s): the
    inverse of :func:`zhang_li_u`, ``j = u e Ms (1 + ξ²)/(μB P)``.

    >>> round(float(zhang_li_u(zhang_li_j(20.0, P=0.4, Ms=384e3, xi=0.1), P=0.4, Ms=384e3,
    ...                        xi=0.1)), 12)
    20.0
    """
    return u * QE * Ms * (1.0 + xi * xi) / (MUB * P)


def paper002_u(j: Any, *, P: Any, Ms: Any, gamma: Any) -> Any:
    """Paper 002's Zhang–Li drift velocity (m/s) of the electron current ``j`` (A/m²),
    Ohki & Mochizuki Eq. 15: ``v_s = −γħ p j_e/(2 e Ms)``; returned as the velocity of
    this module's convention, ``u = −v_s = γħ P j/(2 e Ms)``: the Gilbert-form torque
    ``(u·∇)m − ξ m×(u·∇)m`` (:mod:`orchestrator.solver.torques.zhangli`) is the paper's
    ``−(v_s·∇)m + β m×(v_s·∇)m`` (Eq. 9) with v_s = −u and β = ξ.

    Unlike :func:`zhang_li_u` there is no 1/(1 + ξ²): the paper's β enters the torque
    only, and ``γħ/2`` replaces μB (equal for γ = 2μB/ħ, the free-electron g = 2).

    Paper 002's set (notes-002 §1.7: 0.780 m/s at j_e = 1e10 A/m², p = 0.2, Ms = 1.4844e5 A/m):

    >>> round(float(paper002_u(1e10, P=0.2, Ms=1.4844e5, gamma=1.7595e11)), 3)
    0.78
    """
    return gamma * HBAR * P * j / (2.0 * QE * Ms)


def sot_rate(j: Any, *, theta_SH: Any, thickness: Any, Ms: Any, gamma: Any) -> Any:
    """Damping-like SOT rate ``c = γ ħ θ_SH j / (2 e t Ms)`` in 1/s.

    Paper 000's ``u = γ0 ħ j θ_SH / (2 μ0 e a Ms)`` (γ0 = μ0 γ) and paper 002's
    ``v_s⊥ / d``.

    Parameters
    ----------
    j : float or ndarray
        Charge current density (A/m²).
    theta_SH : float
        Spin Hall angle.
    thickness : float
        Magnetic layer thickness t (m).
    Ms : float or ndarray
        Saturation magnetisation (A/m).
    gamma : float
        Gyromagnetic ratio γ in rad/(T s) (γ0/μ0 for γ0 in m/(A s)).
    """
    return gamma * HBAR * theta_SH * j / (2.0 * QE * thickness * Ms)
