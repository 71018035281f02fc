"""The solver's context (orchestrator/solver/context.py): one ``setup(ctx)`` for terms,
torques and the thermal field; the kernels decided once; one thread policy; the
``setup(mesh)`` convenience; pickling and deep copies; constants from mmstudy."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import mmstudy.constants as C
from orchestrator.solver import Simulation
from orchestrator.solver.context import Context, Threads, as_context
from orchestrator.solver.llg import LLG
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.demag import Demag
from orchestrator.solver.terms.exchange import Exchange
from orchestrator.solver.thermal import ThermalField
from orchestrator.solver.torques.sot import SpinOrbitTorque
from orchestrator.solver.torques.zhangli import ZhangLi
from oommf_data import random_m

NM = 1e-9


def mesh(n=(8, 6, 1)) -> Mesh:
    return Mesh(n=n, cell=(2 * NM, 2 * NM, 1 * NM), Ms=8e5)


def test_llg_builds_one_context_and_shares_it():
    msh = mesh()
    ex, sot = Exchange(1e-11), SpinOrbitTorque(p=(0, 1, 0), rate=1e9)
    th = ThermalField(300.0, seed=1)
    llg = LLG(msh, [ex], alpha={0: 0.1}, torques=[sot], thermal=th, gamma0=2.2e5,
              dtype=np.float32)
    ctx = llg.ctx
    assert ctx.mesh is msh and ctx.dtype == np.float32 and ctx.gamma0 == 2.2e5
    assert ctx.xp is np and ctx.kernels is None and not llg.jit   # small mesh
    np.testing.assert_array_equal(ctx.alpha, np.full(msh.shape, 0.1))
    assert ex.ctx is ctx and sot.ctx is ctx and th.ctx is ctx
    assert sot.gamma0 == 2.2e5 and sot.dtype == np.float32
    llg.set_alpha(0.3)   # a new α: a new context, given to the thermal field
    assert llg.ctx is not ctx and th.ctx is llg.ctx
    np.testing.assert_array_equal(llg.ctx.alpha, np.full(msh.shape, 0.3))


def test_llg_and_simulation_take_a_context():
    msh = mesh()
    ctx = Context.build(msh, dtype=np.float32, gamma0=2.0e5, threads=Threads(max_threads=1))
    llg = LLG(msh, [Exchange(1e-11)], alpha=0.1, context=ctx)
    assert llg.dtype == np.float32 and llg.gamma0 == 2.0e5
    assert llg.ctx.threads.limit == 1 and llg.terms[0].ctx.threads.limit == 1
    sim = Simulation(msh, [Exchange(1e-11)], alpha=0.1, context=ctx)
    assert sim.dtype == np.float32 and sim.m.dtype == np.float32
    with pytest.raises(ValueError, match="context's"):
        LLG(msh, [], dtype=np.float64, context=ctx)
    with pytest.raises(ValueError, match="another mesh"):
        LLG(mesh(), [], context=ctx)


def test_kernels_decided_once_by_the_rule(monkeypatch):
    msh = mesh((64, 64, 1))
    monkeypatch.setenv("MMSTUDY_JIT", "0")
    assert Context.build(msh).kernels is None
    monkeypatch.delenv("MMSTUDY_JIT")
    pytest.importorskip("numba")
    ctx = Context.build(msh)
    assert ctx.kernels is not None and ctx.jit
    assert Context.build(mesh()).kernels is None            # below MIN_CELLS
    assert Context.build(mesh(), jit=True).kernels is not None
    assert Context.build(msh, jit=False).kernels is None
    llg = LLG(msh, [Exchange(1e-11), Demag()], alpha=0.1)
    monkeypatch.setenv("MMSTUDY_JIT", "0")   # decided at build: later changes do not matter
    assert llg.jit and llg.terms[0]._jit is not None and llg.terms[1]._jit


def test_setup_with_a_mesh_is_the_default_context():
    msh = mesh()
    ex = Exchange(1e-11)
    ex.setup(msh)
    assert isinstance(ex.ctx, Context) and ex.ctx.mesh is msh and ex.ctx.dtype == np.float64
    zl = ZhangLi(u=(10.0, 0, 0))
    zl.setup(msh, dtype=np.float32)
    assert zl.dtype == np.float32 and zl.gamma0 == C.GAMMA0
    th = ThermalField(300.0, seed=0)
    th.setup(msh, alpha=0.2, gamma0=2.0e5)
    np.testing.assert_array_equal(th.ctx.alpha, np.full(msh.shape, 0.2))
    with pytest.raises(ValueError, match="alpha"):
        ThermalField(300.0).setup(msh)
    with pytest.raises(TypeError, match="no options"):
        ZhangLi(u=(1.0, 0, 0)).setup(Context.build(msh), gamma0=1.0)
    with pytest.raises(TypeError, match="Context or a Mesh"):
        as_context("mesh")


def test_threads_policy():
    t = Threads(max_threads=3)
    assert [t.count(w) for w in (0, 1 << 16, 2 << 16, 10 << 16)] == [1, 1, 2, 3]
    assert t.count(100, grain=10) == 3 and Threads(max_threads=0).limit == 1
    assert 1 <= Threads().limit <= 4
    seen = []
    t.split(lambda lo, hi: seen.append((lo, hi)), 7, cells=1 << 16)   # 3 shares
    assert sorted(seen) == [(0, 2), (2, 4), (4, 7)]
    seen.clear()
    t.split(lambda a, lo, hi: seen.append((a, lo, hi)), 7, "x")        # too little work
    assert seen == [("x", 0, 7)]
    out = np.zeros(10)
    t.run(lambda lo, hi: out.__setitem__(slice(lo, hi), lo), [(0, 4), (4, 10)])
    assert out.tolist() == [0] * 4 + [4] * 6


def test_terms_pickle_and_deep_copy_with_their_context():
    msh = mesh((10, 8, 2))
    m = random_m(msh.shape, 3)
    for term in (Exchange(1e-11), Demag(threads=2)):
        term.setup(Context.build(msh, jit=False))
        ref = term.field(m)
        for twin in (copy.deepcopy(term), pickle.loads(pickle.dumps(term))):
            assert twin.ctx is not term.ctx and twin.ctx.xp is np
            assert twin.mesh is twin.ctx.mesh          # one copy of the mesh
            np.testing.assert_array_equal(twin.field(m), ref)
    ctx = pickle.loads(pickle.dumps(Context.build(msh, alpha=np.ones(msh.shape))))
    assert ctx.dtype == np.float64 and ctx.alpha.shape == msh.shape


def test_constants_come_from_mmstudy():
    from orchestrator.solver import llg, thermal
    from orchestrator.solver.terms import base as terms_base
    from orchestrator.solver.torques import base as torques_base

    assert terms_base.MU0 is C.MU0 and torques_base.MU0 is C.MU0
    assert (torques_base.HBAR, torques_base.QE, torques_base.MUB) == (C.HBAR, C.QE, C.MUB)
    assert thermal.KB == C.KB and llg.GAMMA0 == C.GAMMA0


def test_spin_torque_rates_are_mmstudys():
    """ZhangLi's u and the SOT rate are mmstudy.spintorque's formulas (bitwise)."""
    from mmstudy.spintorque import sot_rate, zhang_li_u

    msh = mesh()
    zl = ZhangLi(j=(1e12, -2e11, 0), P=0.4, xi=0.3)
    zl.setup(msh)
    u1 = zhang_li_u(1.0, P=0.4, Ms=8e5, xi=0.3)
    np.testing.assert_array_equal(zl.u[0, 0, 0], [u1 * 1e12, u1 * -2e11, 0.0])
    sot = SpinOrbitTorque(p=(0, -1, 0), j=1e10, theta_SH=0.2)
    sot.setup(msh, gamma0=2.211e5)
    assert sot.rate(0.0) == sot_rate(1.0, theta_SH=0.2, thickness=1e-9, Ms=8e5,
                                     gamma=2.211e5 / C.MU0) * 1e10
