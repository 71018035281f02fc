"""Spin–orbit (spin-Hall) torque: damping-like and optional field-like parts.

Gilbert form (the convention of :mod:`analysis.thiele`)::

    T = c [ m×(p×m) + r p×m ],      c = γ ħ θ_SH j / (2 e t Ms)  (1/s),

with ``γ = γ0/μ0`` the engine's gyromagnetic ratio, p the unit spin polarisation (any
direction; normalised here as mumax3 normalises ``FixedLayer``), j the charge current
density (A/m², any function of time), θ_SH the spin Hall angle and t the magnetic
layer thickness (default: the mesh thickness ``nz·dz``, mumax3's default
``FreeLayerThickness``).

* Damping-like part: ``c m×(p×m)``. Alone it turns m toward +p when c > 0. Its
  explicit form, after the engine's conversion, is ``c[m×(p×m) + α m×p]/(1+α²)``:
  mumax3's Slonczewski torque with ``Lambda = 1``, ``EpsilonPrime = 0``,
  ``Pol = θ_SH``, ``J = (0, 0, j)``, ``FixedLayer = p``, ``FreeLayerThickness = t``.
  c is :func:`mmstudy.spintorque.sot_rate` with ``gamma = γ0/μ0`` (called here); paper 000's
  ``u = γ0 ħ j θ_SH/(2 μ0 e a Ms)``; paper 002's ``v_s⊥/d``.
* Field-like part: ``r c p×m = −γ0 m×H_FL`` with ``H_FL = (r c/γ0) p``: a field of
  ``r c/γ`` tesla along +p for r > 0 (mumax3's ``EpsilonPrime/ε`` ratio, same sign).

Examples
--------
>>> from orchestrator.solver.mesh import Mesh
>>> mesh = Mesh(n=(1, 1, 1), cell=(1e-9,) * 3, Ms=580e3)
>>> sot = SpinOrbitTorque(p=(0, -1, 0), j=1e10, theta_SH=1.0)
>>> sot.setup(mesh)
>>> round(sot.rate(0.0) / 1e9, 4)  # paper 000 at 1 MA/cm²: c ≈ 1e9 1/s
0.9984
>>> m = np.array([[[[0.0, 0.0, 1.0]]]])
>>> [round(float(v) / 1e9, 4) + 0.0 for v in sot.torque(m)[0, 0, 0]]  # toward +p
[0.0, -0.9984, 0.0]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from mmstudy.constants import MU0
from mmstudy.spintorque import sot_rate
from orchestrator.solver.context import Context
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.torques.base import Torque, amplitude_of, cross

__all__ = ["SOT", "SpinOrbitTorque"]


class SpinOrbitTorque(Torque):
    """Damping-like (and optional field-like) spin–orbit torque.

    Give either ``j`` and ``theta_SH`` (rate from the formula in the module
    docstring) or ``rate`` (c in 1/s, uniform in the magnetic cells).

    Parameters
    ----------
    p : 3-vector or mapping {region: vector}
        Spin polarisation direction (normalised per cell).
    j : float or callable t -> float, optional
        Charge current density in A/m².
    theta_SH : float or mapping, optional
        Spin Hall angle (sign included).
    thickness : float, optional
        Magnetic layer thickness in m (default ``nz·dz``).
    rate : float or callable t -> float, optional
        The damping-like rate c in 1/s instead of (j, θ_SH, thickness).
    field_like : float or mapping
        Ratio r of field-like to damping-like torque (default 0).
    """

    name = "sot"

    def __init__(self, *, p, j: float | Callable[[float], float] | None = None,
                 theta_SH: float | Mapping | None = None, thickness: float | None = None,
                 rate: float | Callable[[float], float] | None = None,
                 field_like: float | Mapping = 0.0) -> None:
        if (rate is None) == (j is None):
            raise ValueError("give either j (with theta_SH) or rate")
        if j is not None and theta_SH is None:
            raise ValueError("a current density j needs the spin Hall angle theta_SH")
        self.p_in = p
        self.j = j
        self.theta_SH = theta_SH
        self.thickness = thickness
        self.rate_in = rate
        self.field_like = field_like

    def setup(self, ctx: Context | Mesh, **options) -> None:
        super().setup(ctx, **options)
        mesh, xp = self.mesh, self.xp
        mag = mesh.magnetic
        if isinstance(self.p_in, Mapping):
            p = mesh.per_cell_vector(self.p_in)
        else:
            p = np.asarray(self.p_in, dtype=np.float64)
            if p.shape != (3,):
                raise ValueError(f"p must be a 3-vector, not {self.p_in!r}")
        norm = np.linalg.norm(p, axis=-1, keepdims=True)
        zero = norm[..., 0] == 0
        if np.any(zero & mag if p.ndim > 1 else zero):
            raise ValueError("the polarisation p must be nonzero in every magnetic cell")
        p = p / np.where(zero[..., None], 1.0, norm)
        self.p = xp.asarray(p.astype(self.dtype))
        if self.rate_in is not None:
            c0 = np.where(mag, 1.0, 0.0)
        else:
            t = self.thickness if self.thickness is not None else mesh.n[2] * mesh.cell[2]
            if not t > 0:
                raise ValueError(f"thickness must be positive, not {t!r}")
            theta = mesh.per_cell(self.theta_SH)
            Ms = np.where(mag, mesh.Ms, 1.0)
            # c per unit current (j = 1 A/m²; the same operations as at j)
            c0 = np.where(mag, sot_rate(1.0, theta_SH=theta, thickness=t, Ms=Ms,
                                        gamma=self.gamma0 / MU0), 0.0)
        self.rate_per_amp = c0       # c / j (s⁻¹ per A/m²), or 1 with ``rate``
        cm = c0[mag]
        self._c0 = (float(cm.flat[0]) if cm.size and np.all(c0 == cm.flat[0])
                    else xp.asarray(c0[..., None].astype(self.dtype)))
        r = mesh.per_cell(self.field_like)
        rm = r[mag]
        self._r: float | np.ndarray = (float(rm.flat[0]) if rm.size and np.all(rm == rm.flat[0])
                                       else xp.asarray(r[..., None].astype(self.dtype)))
        shape = mesh.shape
        self._pxm = xp.zeros(shape + (3,), self.dtype)
        self._dl = xp.zeros(shape + (3,), self.dtype)
        self._tmp = xp.zeros(shape, self.dtype)

    def amplitude(self, t: float) -> float:
        """j(t) in A/m² (or the rate c(t) when given as ``rate``)."""
        return amplitude_of(self.rate_in if self.rate_in is not None else self.j, t)

    def rate(self, t: float = 0.0) -> float | np.ndarray:
        """The damping-like rate c (1/s) at time t: a float when uniform, else per cell."""
        c0 = self._c0 if isinstance(self._c0, float) else self.rate_per_amp
        return c0 * self.amplitude(t)

    def add_torque(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        """Add ``c(t)[m×(p×m) + r p×m]`` into ``out``."""
        amp = self.amplitude(t)
        if amp == 0.0:
            return
        xp = self.xp
        pxm, dl, tmp = self._pxm, self._dl, self._tmp
        cross(self.p, m, pxm, tmp, xp=xp)        # p×m
        cross(m, pxm, dl, tmp, xp=xp)            # m×(p×m)
        if not (isinstance(self._r, float) and self._r == 0.0):
            xp.multiply(pxm, self._r, out=pxm)
            xp.add(dl, pxm, out=dl)
        if isinstance(self._c0, float):
            xp.multiply(dl, self._c0 * amp, out=dl)
        else:
            xp.multiply(dl, self._c0, out=dl)
            if amp != 1.0:
                xp.multiply(dl, amp, out=dl)
        xp.add(out, dl, out=out)


#: Short alias.
SOT = SpinOrbitTorque
