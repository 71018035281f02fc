"""The fourth-order terms' numba kernels (orchestrator/solver/_kernels_fd4.py) against
their numpy twins: the same numbers (``np.array_equal``; only a zero's sign may differ),
on periodic and free-edge axes, for each DMI class, a uniform and a per-cell current."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.solver.llg import LLG
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.dmi4 import DMI4
from orchestrator.solver.terms.exchange import Exchange
from orchestrator.solver.torques.zhangli import ZhangLi
from oommf_data import random_m
from test_kernels_bitwise import NM, both

pytest.importorskip("numba")


@pytest.mark.parametrize("pbc", ["xy", "", "x"])
@pytest.mark.parametrize("cls", ["Cnv_z", "T", "D2d_z"])
def test_dmi4_field(monkeypatch, pbc, cls):
    n = (20, 17, 8) if cls == "T" else (20, 17, 1)   # T differentiates along z (open: ≥ 8)
    Ms = 8e5 * (1 + 0.1 * np.random.default_rng(1).random(n[::-1]))  # per-cell 1/Ms
    mesh = Mesh(n=n, cell=(2 * NM, 2.5 * NM, 1.5 * NM), pbc=pbc, Ms=Ms)
    m = random_m(mesh.shape, 3)

    def build():
        llg = LLG(mesh, [DMI4(3e-3, cls)], alpha=0.1)
        H = np.full(mesh.shape + (3,), 0.25)
        llg.terms[0].add_field(m, 0.0, H)
        return llg, H

    (l0, h0), (l1, h1) = both(monkeypatch, build)
    assert l0.terms[0]._jit is None and l1.terms[0]._jit is not None
    np.testing.assert_array_equal(h1, h0)
    assert np.abs(h0 - 0.25).max() > 1e3   # the field is not trivially zero


@pytest.mark.parametrize("pbc", ["xy", "", "y"])
@pytest.mark.parametrize("per_cell", [False, True])
def test_zhangli4_torque(monkeypatch, pbc, per_cell):
    mesh = Mesh(n=(21, 18, 1), cell=(2 * NM, 2.5 * NM, 1 * NM), pbc=pbc, Ms=5.8e5)
    u = (40.0, -25.0, 0.0)
    if per_cell:
        u = np.ones(mesh.shape + (3,)) * u
        u[..., :, 5:9, 0] *= 1.5
    m = random_m(mesh.shape, 4)

    def build():
        zl = ZhangLi(u=u, xi=0.3, order=4, amplitude=lambda t: 0.7)
        llg = LLG(mesh, [Exchange(1.3e-11)], alpha=0.1, torques=[zl])
        out = np.full(mesh.shape + (3,), 1.5)
        zl.add_torque(m, 0.0, out)
        return zl, out, llg.dmdt(m, 0.0).copy()

    (z0, o0, d0), (z1, o1, d1) = both(monkeypatch, build)
    assert z0._jit4 is None and z1._jit4 is not None
    np.testing.assert_array_equal(o1, o0)
    np.testing.assert_array_equal(d1, d0)
    assert np.abs(o0 - 1.5).max() > 1e6
