"""Tiny field terms for the engine tests (LLG, integrators, minimiser, torques), written
here so those tests exercise the engine alone, independently of the real terms."""

from __future__ import annotations

import numpy as np

from orchestrator.solver.terms.base import MU0, FieldTerm


class UniformField(FieldTerm):
    """A fixed field H (A/m): a 3-vector, a per-cell array, or a callable of t."""

    energy_factor = 1.0

    def __init__(self, H, name: str = "zeeman") -> None:
        self.H = H if callable(H) else np.asarray(H, float)
        self.name = name

    def add_field(self, m, t, out):
        out += np.asarray(self.H(t), float) if callable(self.H) else self.H


class Uniaxial(FieldTerm):
    """Uniaxial anisotropy −K (m·u)²: H = 2K (m·u) u / (μ0 Ms), zero in empty cells."""

    name = "anis"

    def __init__(self, K: float, axis=(0, 0, 1)) -> None:
        self.K = K
        self.u = np.asarray(axis, float) / np.linalg.norm(axis)

    def setup(self, ctx):
        super().setup(ctx)
        mesh = self.mesh
        Ms = np.where(mesh.magnetic, mesh.Ms, 1.0)
        self.c = np.where(mesh.magnetic, 2 * self.K / (MU0 * Ms), 0.0)[..., None]

    def add_field(self, m, t, out):
        out += self.c * (m @ self.u)[..., None] * self.u
