"""The stochastic thermal field (Brown), for fixed-step integration.

Variance, and which γ
---------------------
The stochastic LLG in Gilbert form, with the field in A/m and ``γ0 = μ0 γ`` in
m/(A s) (the engine's γ0, 2.211e5 by default)::

    ṁ = −γ0 m×(H + h) + α m×ṁ,     ⟨h_i(t) h_k(t')⟩ = 2D δ_ik δ(t − t').

Brown's Fokker–Planck equation for this (Stratonovich) equation has the Boltzmann
distribution ``exp(−E/k_BT)`` as its stationary solution exactly when the
fluctuation–dissipation relation holds: the energy of a cell with moment
``μ0 Ms V`` in a field is ``−μ0 Ms V m·H``, the damping rate of the precession is
``α γ0``, and the balance gives ``D = α k_B T/(γ0 μ0 Ms V)``, so ::

    ⟨h_i h_k⟩ = 2 α k_B T / (γ0 μ0 Ms V) δ_ik δ(t − t')      (A/m)² s,

paper 000's expression with its ``γ0 = 2.211e5 m/(A s)`` = μ0γ. In tesla
(``b = μ0 h``) it reads ``2 α k_B T/(γ Ms V)`` with ``γ = γ0/μ0`` in rad/(T s), which
is mumax3's ``sqrt(2 μ0 α k_B T/(Bsat γ V Δt))`` with ``Bsat = μ0 Ms``; putting γ
(1.76e11) where γ0 belongs would be off by a factor μ0. Over a step Δt the white
noise averages to a constant field, each component Gaussian with variance ::

    σ² = 2 α k_B T / (γ0 μ0 Ms V Δt),

drawn anew for every step and held fixed during it (all stages of the step see the
same h): with the Heun integrator this converges to the Stratonovich solution.
h is added to H, so it enters both the precession and the damping term of the
explicit LL form, the exact transcription of the stochastic Gilbert equation. Empty
cells (Ms = 0) get no noise.

Reproducibility: the noise comes from one :class:`numpy.random.Generator` (PCG64)
seeded once; the same seed, mesh, parameters and step sequence give the same run,
bit for bit. (The generator is numpy's: another array module of the context needs
its own generator here, drawing into the context's ``h``.)

Set-up: like the terms and torques, ``setup(ctx)`` with the engine's
:class:`~orchestrator.solver.context.Context`, which carries α per cell, γ0 and the
dtype; ``setup(mesh, alpha=..., gamma0=..., dtype=...)`` makes the default context
for a bare mesh (:func:`~orchestrator.solver.context.as_context`). ``KB`` is
:mod:`mmstudy.constants`' (re-exported here).

Examples
--------
>>> from orchestrator.solver.mesh import Mesh
>>> mesh = Mesh(n=(4, 4, 1), cell=(2e-9,) * 3, Ms=8e5)
>>> th = ThermalField(300.0, seed=1)
>>> th.setup(mesh, alpha=np.full(mesh.shape, 0.1), gamma0=2.211e5)   # or setup(ctx)
>>> sigma = float(np.sqrt(th.variance(1e-14).max()))
>>> round(sigma / 1e3, 3)  # kA/m for 10 fs steps
6825.398
>>> th.draw(1e-14); a = th.h.copy()
>>> th.reseed(1); th.draw(1e-14)
>>> bool(np.array_equal(a, th.h))
True
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mmstudy.constants import KB, MU0
from orchestrator.solver.context import Context, as_context
from orchestrator.solver.mesh import Mesh

__all__ = ["KB", "ThermalField"]


class ThermalField:
    """Brown's thermal field for a mesh, redrawn once per (fixed) time step.

    Parameters
    ----------
    T : float, mapping {region: T} or ndarray (nz, ny, nx)
        Temperature in K.
    seed : int, optional
        Seed of the random generator (None: fresh entropy, not reproducible).
    rng : numpy.random.Generator, optional
        Use this generator instead of seeding a new one.

    Attributes
    ----------
    h : ndarray (nz, ny, nx, 3)
        The current thermal field in A/m (after :meth:`draw`).
    """

    name = "therm"

    def __init__(self, T: float | Mapping | np.ndarray, *, seed: int | None = None,
                 rng: np.random.Generator | None = None) -> None:
        self._T_in = T
        self.seed = seed
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.mesh: Mesh | None = None
        self.active = False  # set by setup: T > 0 in some magnetic cell

    # ------------------------------------------------------------------ setup

    def setup(self, ctx: Context | Mesh, *, alpha: np.ndarray | float | None = None,
              gamma0: float | None = None, dtype=None) -> None:
        """Precompute the noise amplitude per cell (called by the LLG with its context,
        which holds α per cell, γ0 and the dtype; a bare Mesh needs ``alpha`` and takes
        ``gamma0``, default 2.211e5, and ``dtype``, default float64)."""
        ctx = as_context(ctx, alpha=alpha, gamma0=gamma0, dtype=dtype)
        if ctx.alpha is None:
            raise ValueError("the thermal field needs the damping alpha (the context's)")
        self.ctx = ctx
        self.mesh = mesh = ctx.mesh
        self.gamma0 = ctx.gamma0
        self.dtype = ctx.dtype
        self._alpha = mesh.per_cell(ctx.alpha)
        self.h = ctx.xp.zeros(mesh.shape + (3,), self.dtype)
        self._update_scale()

    def _update_scale(self) -> None:
        mesh = self.mesh
        T = mesh.per_cell(self._T_in)
        if np.any(T < 0):
            raise ValueError("temperature must be >= 0 K")
        self.T = T
        mag = mesh.magnetic
        Ms = np.where(mag, mesh.Ms, 1.0)
        D = np.where(mag, self._alpha * KB * T / (self.gamma0 * MU0 * Ms * mesh.cell_volume), 0.0)
        self._D = D                                  # (A/m)² s
        s = np.sqrt(2.0 * D)
        sm = s[mag]
        uniform = sm.size and np.all(s == sm.flat[0])
        self._scale: float | np.ndarray = (float(sm.flat[0]) if uniform
                                           else self.ctx.xp.asarray(s[..., None].astype(self.dtype)))
        self.active = bool(np.any(s > 0))

    @property
    def temperature(self) -> np.ndarray:
        """Temperature per cell (K); assign a float, mapping or array to change it."""
        return self.T

    @temperature.setter
    def temperature(self, value) -> None:
        self._T_in = value
        if self.mesh is not None:
            self._update_scale()

    def reseed(self, seed: int | None) -> None:
        """Restart the generator from ``seed``."""
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    # ------------------------------------------------------------------ noise

    def variance(self, dt: float) -> np.ndarray:
        """Per-component variance ``2αk_BT/(γ0 μ0 Ms V Δt)`` per cell, (A/m)²."""
        return 2.0 * self._D / dt

    def draw(self, dt: float) -> None:
        """Draw a new field for a step of ``dt`` seconds into :attr:`h`."""
        if not dt > 0:
            raise ValueError(f"the thermal field needs a positive step, not {dt!r}")
        xp = self.ctx.xp
        self.rng.standard_normal(out=self.h, dtype=self.dtype)
        if isinstance(self._scale, float):
            xp.multiply(self.h, self._scale / np.sqrt(dt), out=self.h)
        else:
            xp.multiply(self.h, self._scale, out=self.h)
            xp.multiply(self.h, 1.0 / np.sqrt(dt), out=self.h)

    def add_field(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        """Add the current thermal field (fixed during a step) into ``out``."""
        self.ctx.xp.add(out, self.h, out=out)
