"""Physical constants, SI, written once for every layer of mmstudy.

CODATA 2018 exact or recommended values, and μ0 = 4π·10⁻⁷ T m/A, the value OOMMF
and mumax3 use (not CODATA's 1.25663706212e-6), so that our fields equal theirs to the
last digit. Where a backend deliberately reproduces its solver's own rounded constant
(OOMMF's ħ and e in ``Oxs_SpinXferEvolve``, mumax3's γ in its Zhang–Li prefactor) the
backend names it as that solver's constant beside the code that needs it; only
:data:`MUMAX3_GAMMA_LL` lives here, because the analysis layer uses it too (mumax3's
default ``GammaLL``).

Examples
--------
>>> from mmstudy.constants import MU0, GAMMA0
>>> round(GAMMA0 / MU0 / 1e11, 4)     # γ0 in m/(A s) → γ in rad/(T s)
1.7595
"""

from __future__ import annotations

import math

__all__ = ["MU0", "HBAR", "QE", "MUB", "KB", "GAMMA0", "MUMAX3_GAMMA_LL"]

#: Vacuum permeability (T m/A): 4π·10⁻⁷, as OOMMF and mumax3.
MU0 = 4e-7 * math.pi
#: Reduced Planck constant (J s), CODATA 2018.
HBAR = 1.054571817e-34
#: Elementary charge (C, > 0), CODATA 2018.
QE = 1.602176634e-19
#: Bohr magneton (J/T), CODATA 2018.
MUB = 9.2740100783e-24
#: Boltzmann constant (J/K), CODATA 2018.
KB = 1.380649e-23
#: Gyromagnetic ratio γ0 = μ0 γ in m/(A s): ubermag's and OOMMF's default.
GAMMA0 = 2.211e5
#: mumax3's default ``GammaLL`` in rad/(T s), also the constant ``GAMMA0`` in its
#: Zhang–Li prefactor (``cuda/constants.h``).
MUMAX3_GAMMA_LL = 1.7595e11
