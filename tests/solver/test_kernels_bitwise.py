"""The numba kernels (orchestrator/solver/_kernels.py) against their numpy twins: bitwise.

Every fused kernel repeats its twin's floating-point operations in the same order, so
the two paths must give the same numbers (``np.array_equal``: only the sign of a zero
may differ). ``MMSTUDY_JIT=1`` forces the kernels at any mesh size, ``0`` turns them
off; the choice is made when the solver's context is built (``LLG`` / ``setup``).
Thread counts must not change the numbers either.
"""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.solver.integrators import Heun, State
from orchestrator.solver.llg import LLG
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.demag import Demag
from orchestrator.solver.terms.exchange import Exchange
from orchestrator.solver.terms.zeeman import Zeeman
from orchestrator.solver.torques.sot import SpinOrbitTorque
from oommf_data import random_m

pytest.importorskip("numba")

NM = 1e-9


def both(monkeypatch, build):
    """``build()`` with the numpy twins (MMSTUDY_JIT=0), then with the kernels (=1)."""
    out = []
    for mode in ("0", "1"):
        monkeypatch.setenv("MMSTUDY_JIT", mode)
        out.append(build())
    monkeypatch.delenv("MMSTUDY_JIT")
    return out


def film(n=(24, 20, 1), pbc="", Ms=8e5) -> Mesh:
    return Mesh(n=n, cell=(2 * NM, 2.5 * NM, 1 * NM), pbc=pbc,
                pbc_repeats=tuple(2 if ax in pbc else 0 for ax in "xyz"), Ms=Ms)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("per_cell_alpha", [False, True])
def test_llg_rhs_and_normalize(monkeypatch, dtype, per_cell_alpha):
    mesh = film()
    alpha = np.linspace(0.01, 0.3, mesh.n[0])[None, None, :] * np.ones(mesh.shape) \
        if per_cell_alpha else 0.05
    m = random_m(mesh.shape, 1).astype(dtype)

    def build():
        llg = LLG(mesh, [Exchange(1.3e-11), Zeeman((1e4, -2e4, 3e4))], alpha=alpha,
                  dtype=dtype)
        return llg, llg.dmdt(m, 0.0).copy(), llg.normalize((m * 1.7).astype(dtype))

    (l0, d0, n0), (l1, d1, n1) = both(monkeypatch, build)
    assert not l0.jit and l1.jit
    np.testing.assert_array_equal(d1, d0)
    np.testing.assert_array_equal(n1, n0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("torque", [False, True])
def test_heun_steps(monkeypatch, dtype, torque):
    """The fused Heun step (no torques) and the axpy/heun_finish path (with a torque)."""
    mesh = film(pbc="x")

    def build():
        tq = [SpinOrbitTorque(p=(0, -1, 0), rate=2e9)] if torque else []
        llg = LLG(mesh, [Exchange(1.3e-11), Demag(dtype=dtype), Zeeman((0, 1e4, 0))],
                  alpha=0.02, torques=tq, dtype=dtype)
        state = State(llg.prepare(random_m(mesh.shape, 2)), dt=5e-14)
        stepper = Heun(llg, 5e-14)
        for _ in range(5):
            stepper.step(state)
        return state.m.copy()

    a, b = both(monkeypatch, build)
    np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method", ["auto", "sparse", "stencil"])
@pytest.mark.parametrize("pbc", ["", "xy", "xyz"])
def test_exchange(monkeypatch, dtype, method, pbc):
    mesh = Mesh(n=(9, 7, 5), cell=(2 * NM, 2.5 * NM, 1.5 * NM), pbc=pbc, Ms=6e5)
    m = random_m(mesh.shape, 3).astype(dtype)

    def build():
        term = Exchange(1.3e-11, method=method)
        term.setup(mesh)
        added = np.full_like(m, 0.25)
        term.add_field(m, 0.0, added)
        written = np.full_like(m, np.nan)
        term.set_field(m, 0.0, written)
        return term, added, written

    (t0, a0, w0), (t1, a1, w1) = both(monkeypatch, build)
    assert t0._jit is None and t1._jit is not None
    np.testing.assert_array_equal(a1, a0)
    np.testing.assert_array_equal(w1, w0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [(20, 12, 1), (10, 8, 3)])
def test_demag_product(monkeypatch, dtype, n):
    mesh = Mesh(n=n, cell=(2 * NM, 2 * NM, 1 * NM), Ms=8e5)
    m = random_m(mesh.shape, 4)

    def build():
        term = Demag(dtype=dtype)
        term.setup(mesh)
        return term, term.field(m)

    (t0, h0), (t1, h1) = both(monkeypatch, build)
    assert not t0._jit and t1._jit
    np.testing.assert_array_equal(h1, h0)


def test_threads_do_not_change_numbers(monkeypatch):
    """A mesh large enough for the kernels to run on several threads (2 × 2¹⁶ cells)
    gives the numpy twins' numbers."""
    mesh = Mesh(n=(512, 256, 1), cell=(4 * NM,) * 3, Ms=8e5)
    m = random_m(mesh.shape, 5)

    def build():
        llg = LLG(mesh, [Exchange(1.3e-11), Zeeman((1e4, 0, 0))], alpha=0.01)
        y = llg.prepare(m)
        return llg.dmdt(y, 0.0).copy(), llg.H.copy()

    (d0, h0), (d1, h1) = both(monkeypatch, build)
    np.testing.assert_array_equal(h1, h0)
    np.testing.assert_array_equal(d1, d0)
