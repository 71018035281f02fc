"""Paper 002's lattice (classical-spin) units and their continuum equivalents, written once.

Ohki & Mochizuki's model (notes-002 §1.3–1.8, the paper's Eqs. 12, 218–225, 233) has unit
spins m_i on a square lattice of constant ``a``, the exchange ``−J Σ m_i·m_j`` (Eq. 12:
J > 0 ferromagnetic), the bond DMI ``D Σ d(û_ij)·(m_i × m_j)`` with the bond rule of
Eqs. 222–224, the anisotropy ``K Σ (m_i^z)²`` (K < 0: easy axis), the Zeeman energy
``−h Σ m_i^z`` and a moment ``μ_s`` per site; energies in units of |J| and times in
``τ = μ_s/(γ|J|)`` (Eq. 229). On a cubic grid of cell ``a`` with one layer, the built-in
solver's 6-neighbour exchange, second-order DMI, uniaxial anisotropy and Zeeman term are
this model term by term, with

=================  ======================================  ==============================
lattice            continuum (SI)                          note
=================  ======================================  ==============================
J                  A = J/(2a)                              negative for an antiferromagnet
D, Bloch (222)     class T, D_T = −D/a²                    d(û) = û
D, Néel (223)      class Cnv_z, D = −D/a²                  d(û) = ẑ × û
D, anti-Bloch      class D2d_z, D = +D/a²                  d(x̂) = x̂, d(ŷ) = −ŷ (Eq. 224)
K                  K_u = −K/a³ along z                     uniaxial, easy axis for K < 0
h                  B = h/μ_s along z                       μ0 H in T
μ_s                Ms = μ_s/a³
=================  ======================================  ==============================

and the energies equal up to a constant (the exchange's ``J`` per bond, the anisotropy's
``K`` per site): ``tests/test_lattice_units.py`` sums the lattice energy bond by bond and
compares it with the solver's. The anti-Néel rule (Eq. 225) has no crystal class here.
The paper's currents (Eqs. 15–17) become a Zhang–Li drift velocity ``v_s`` and a
spin-orbit rate ``c`` (1/s) by :meth:`LatticeUnits.stt_velocity` and
:meth:`LatticeUnits.sot_rate`.

The default moment is ``μ_s = γħ`` (spin S = 1), for which ``τ = ħ/|J|``; the paper does
not give μ_s, and the dimensionless drives ``v_s/v_J`` and ``c·τ`` do not depend on it.
"""

from __future__ import annotations

import dataclasses
import math

from mmstudy.constants import GAMMA0, HBAR, MU0
from mmstudy.spintorque import paper002_u, sot_rate

__all__ = ["LatticeUnits", "lattice_units", "DMI_RULES"]

#: the paper's bond rules (Eqs. 222–224) as (crystal class, sign of D_SI relative to D/a²)
DMI_RULES = {"bloch": ("T", -1.0), "neel": ("Cnv_z", -1.0), "antibloch": ("D2d_z", 1.0)}


@dataclasses.dataclass(frozen=True)
class LatticeUnits:
    """A lattice model's scale, SI.

    Attributes
    ----------
    a : float
        Lattice constant (m): the cell of the equivalent grid.
    J : float
        Exchange per bond (J), signed as in Eq. 12 (> 0 ferromagnetic).
    mu_s : float
        Moment per site (J/T).
    gamma : float
        Gyromagnetic ratio γ = γ0/μ0 (rad/(T s)).
    """

    a: float
    J: float
    mu_s: float
    gamma: float

    @property
    def energy(self) -> float:
        """The energy unit |J| (J)."""
        return abs(self.J)

    @property
    def time(self) -> float:
        """The time unit ``τ = μ_s/(γ|J|)`` (s), Eq. 229."""
        return self.mu_s / (self.gamma * abs(self.J))

    @property
    def velocity(self) -> float:
        """One site per τ (m/s)."""
        return self.a / self.time

    @property
    def Ms(self) -> float:
        """Saturation magnetisation ``μ_s/a³`` (A/m)."""
        return self.mu_s / self.a ** 3

    def exchange(self) -> float:
        """The exchange stiffness ``A = J/(2a)`` (J/m), negative for J < 0."""
        return self.J / (2 * self.a)

    def dmi(self, D: float, rule: str) -> tuple[str, float]:
        """The crystal class and its D (J/m²) for the bond DMI ``D`` (J) of ``rule``
        (``"bloch"``, ``"neel"`` or ``"antibloch"``, :data:`DMI_RULES`)."""
        try:
            cls, sign = DMI_RULES[rule]
        except KeyError:
            raise ValueError(f"DMI rule {rule!r}: one of {', '.join(DMI_RULES)} (the "
                             "anti-Néel rule, Eq. 225, has no crystal class)") from None
        return cls, sign * D / self.a ** 2

    def anisotropy(self, K: float) -> float:
        """The uniaxial constant ``K_u = −K/a³`` (J/m³) along z for the lattice's
        ``K Σ (m^z)²`` (K < 0, an easy axis, gives K_u > 0)."""
        return -K / self.a ** 3

    def field(self, h: float) -> float:
        """The field ``B = μ0 H = h/μ_s`` (T) of the Zeeman energy ``−h Σ m^z``."""
        return h / self.mu_s

    def stt_velocity(self, j_e: float, p: float) -> float:
        """The Zhang–Li drift speed ``|v_s| = γħ p |j_e|/(2 e Ms)`` (m/s) of Eq. 15 (v_s
        antiparallel to the electron current j_e, A/m²; p the polarisation)."""
        return abs(paper002_u(j_e, P=p, Ms=self.Ms, gamma=self.gamma))

    def sot_rate(self, j_s: float, layers: int = 1) -> float:
        """The spin-orbit torque rate ``c = γħ j_s/(2 e Ms d)`` (1/s) of Eq. 16 with
        ``d = layers · a`` (j_s the spin current, A/m²)."""
        return abs(sot_rate(j_s, theta_SH=1.0, thickness=layers * self.a, Ms=self.Ms,
                            gamma=self.gamma))


def lattice_units(a: float, J: float, mu_s: float | None = None,
                  gamma0: float = GAMMA0) -> LatticeUnits:
    """The scale of a lattice model.

    Parameters
    ----------
    a : float
        Lattice constant (m), > 0.
    J : float
        Exchange per bond (J), nonzero, signed as in Eq. 12 (> 0 ferromagnetic).
    mu_s : float, optional
        Moment per site (J/T); default ``γħ`` (spin 1: τ = ħ/|J|).
    gamma0 : float
        γ0 = μ0 γ in m/(A s) (default :data:`mmstudy.constants.GAMMA0`).

    Examples
    --------
    The paper's set (a = 0.5 nm, J = 1 meV, notes-002 §1.8):

    >>> meV = 1.602176634e-22
    >>> u = lattice_units(0.5e-9, 1 * meV)
    >>> round(u.exchange() * 1e13, 3), round(u.Ms / 1e5, 4)       # A (J/m), Ms (A/m)
    (1.602, 1.4844)
    >>> u.dmi(0.18 * meV, "bloch")[0], round(u.dmi(0.18 * meV, "bloch")[1] * 1e4, 3)
    ('T', -1.154)
    >>> round(u.anisotropy(-0.1 * meV) / 1e5, 3), round(u.field(0.0278 * meV), 4)
    (1.282, 0.24)
    >>> round(u.time * 1e12, 4), round(u.velocity, 1)              # τ = ħ/J, a/τ
    (0.6582, 759.6)
    >>> round(u.stt_velocity(1e10, 0.2), 3), round(u.sot_rate(1e9) / 1e8, 2)
    (0.78, 7.8)
    >>> round(u.stt_velocity(1e10, 0.2) / u.velocity * 1e3, 3)    # ṽ_s, sites per τ
    1.027
    """
    if not (a > 0 and math.isfinite(a)):
        raise ValueError(f"lattice constant a = {a!r}: a positive length (m)")
    if not (J != 0 and math.isfinite(J)):
        raise ValueError(f"exchange J = {J!r}: a nonzero energy (J)")
    gamma = gamma0 / MU0
    mu = gamma * HBAR if mu_s is None else mu_s
    if not (mu > 0 and math.isfinite(mu)):
        raise ValueError(f"moment mu_s = {mu_s!r}: a positive moment (J/T)")
    return LatticeUnits(a=a, J=J, mu_s=mu, gamma=gamma)
