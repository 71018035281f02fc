"""Paper 003's reduced units, written once (notes-003 §1.2): the length ℓ = 2A/|D|, the
helix period L_D = 4πA/|D|, the field B_D = D²/(2 Ms A), the energy density Ms·B_D, the
time 1/(γB_D) and the velocity (and Zhang–Li current I) unit γB_Dℓ. Used by the study
format (``[units]``: values written as ``"0.1 L_D"``, ``"0.6 B_D"``...) and by the Thiele
analysis (:mod:`analysis.thiele_geometry`)."""

from __future__ import annotations

import dataclasses
import math

from mmstudy.constants import GAMMA0, MU0

__all__ = ["ReducedUnits", "reduced_units"]


@dataclasses.dataclass(frozen=True)
class ReducedUnits:
    """Paper 003's reduced units (notes §1.2), SI.

    Attributes
    ----------
    ell : float
        Length unit ``ℓ = 2A/|D| = L_D/2π`` (m); the helix wave number is 1/ℓ.
    L_D : float
        Helix period ``4πA/|D|`` (m).
    B_D : float
        Field unit, the cone-saturation field ``D²/(2 Ms A)`` (T).
    Ms : float
        The saturation magnetisation of the scale (A/m).
    gamma : float
        Gyromagnetic ratio γ = γ0/μ0 used (rad/(T s)).
    time : float
        Time unit ``1/(γ B_D)`` (s).
    velocity : float
        Velocity (and current, I) unit ``γ B_D ℓ`` (m/s): ``I' = I/velocity``.
    """

    ell: float
    L_D: float
    B_D: float
    Ms: float
    gamma: float
    time: float
    velocity: float

    @property
    def energy_density(self) -> float:
        """``Ms B_D`` (J/m³): the anisotropy ``u = K/(Ms B_D)`` is K in this unit."""
        return self.Ms * self.B_D


def reduced_units(A: float, D: float, Ms: float, gamma0: float = GAMMA0) -> ReducedUnits:
    """ℓ, L_D, B_D and the velocity unit γB_Dℓ of paper 003 from A, D, Ms.

    Parameters
    ----------
    A : float
        Exchange stiffness (J/m), > 0.
    D : float
        DMI constant (J/m²), nonzero; only |D| enters (its sign is the chirality).
    Ms : float
        Saturation magnetisation (A/m), > 0.
    gamma0 : float
        γ0 = μ0 γ in m/(A s), default :data:`mmstudy.constants.GAMMA0` (the
        project's default, as the study model and built-in solver). For mumax3
        runs with its default ``GammaLL`` pass
        ``gamma0=MU0 * MUMAX3_GAMMA_LL`` (2·10⁻⁵ relative difference).

    Returns
    -------
    ReducedUnits

    Examples
    --------
    The notes' FeGe-like set (A = 8.78 pJ/m, D = 1.58 mJ/m², Ms = 384 kA/m):

    >>> u = reduced_units(8.78e-12, 1.58e-3, 384e3)
    >>> round(u.L_D * 1e9, 1), round(u.B_D, 3), round(u.ell * 1e9, 1), round(u.velocity, 1)
    (69.8, 0.37, 11.1, 723.9)
    """
    if not A > 0 or not Ms > 0 or D == 0:
        raise ValueError(f"need A > 0, Ms > 0 and D ≠ 0; got A={A!r}, D={D!r}, Ms={Ms!r}")
    gamma = gamma0 / MU0
    ell = 2.0 * A / abs(D)
    B_D = D * D / (2.0 * Ms * A)
    return ReducedUnits(ell=ell, L_D=2.0 * math.pi * ell, B_D=B_D, Ms=Ms, gamma=gamma,
                        time=1.0 / (gamma * B_D), velocity=gamma * B_D * ell)
