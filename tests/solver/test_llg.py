"""The LLG right-hand side: explicit LL form, Gilbert consistency, damping-only mode,
empty cells, per-cell damping, diagnostics."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.solver.llg import GAMMA0, LLG, cross, dot, normalize
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.base import MU0, FieldTerm
from orchestrator.solver.torques import SpinOrbitTorque, ZhangLi
from toy_terms import Uniaxial


class FixedField(FieldTerm):
    """A given field array (A/m), quadratic energy factor irrelevant here."""

    name = "fixed"

    def __init__(self, H: np.ndarray, name: str = "fixed") -> None:
        self.H = H
        self.name = name

    def add_field(self, m, t, out):
        out += self.H


def random_m(shape, seed=0):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=shape + (3,))
    return m / np.linalg.norm(m, axis=-1, keepdims=True)


def ll_reference(m, H, alpha, gamma0=GAMMA0):
    a = np.asarray(alpha)[..., None] if np.ndim(alpha) else alpha
    mxH = np.cross(m, H)
    return -gamma0 / (1 + a * a) * (mxH + a * np.cross(m, mxH))


@pytest.fixture
def mesh():
    regions = np.zeros((2, 3, 4), dtype=np.int32)
    regions[:, :, 2:] = 1
    return Mesh(n=(4, 3, 2), cell=(2e-9, 3e-9, 1e-9), Ms=8e5, regions=regions,
                region_names={"left": 0, "right": 1})


def test_vector_helpers_match_numpy():
    a, b = random_m((5, 4), 1), random_m((5, 4), 2) * 3.0
    out, tmp = np.empty_like(a), np.empty(a.shape[:-1])
    assert np.allclose(cross(a, b, out, tmp), np.cross(a, b), rtol=0, atol=1e-15)
    assert np.allclose(dot(a, b, tmp.copy(), tmp), np.sum(a * b, -1), rtol=0, atol=1e-15)
    c = b.copy()
    c[0, 0] = 0.0
    normalize(c, np.empty(c.shape[:-1]), np.empty(c.shape[:-1]))
    assert np.all(c[0, 0] == 0.0)
    assert np.allclose(np.linalg.norm(c[1:], axis=-1), 1.0, rtol=0, atol=1e-15)


@pytest.mark.parametrize("alpha", [0.0, 0.02, 0.5, {"left": 0.1, "right": 0.7}])
def test_dmdt_is_the_ll_form(mesh, alpha):
    rng = np.random.default_rng(3)
    H = rng.normal(scale=1e5, size=mesh.shape + (3,))
    llg = LLG(mesh, [FixedField(H)], alpha=alpha)
    m = llg.prepare(random_m(mesh.shape))
    got = llg.dmdt(m, 0.0)
    a = mesh.per_cell(alpha)
    assert np.allclose(got, ll_reference(m, H, a), rtol=1e-12, atol=1e-3)
    assert np.allclose(np.sum(got * m, -1), 0.0, atol=1e-3)  # ⟂ m (|ṁ| ~ 1e10)
    assert np.array_equal(llg.H, H)


def test_gilbert_form_residual_with_torques(mesh):
    """ṁ = −γ0 m×H + α m×ṁ + T holds for the result, field and torques together."""
    rng = np.random.default_rng(4)
    H = rng.normal(scale=5e4, size=mesh.shape + (3,))
    zl = ZhangLi(u=(30.0, -20.0, 0.0), xi=0.2)
    sot = SpinOrbitTorque(p=(0.3, -0.8, 0.5), rate=2e9, field_like=0.4)
    alpha = {"left": 0.1, "right": 0.4}
    llg = LLG(mesh, [FixedField(H)], alpha=alpha, torques=[zl, sot])
    m = llg.prepare(random_m(mesh.shape, 5))
    mdot = llg.dmdt(m, 0.0)
    T = zl.torque(m) + sot.torque(m)
    assert np.allclose(np.sum(T * m, -1), 0.0, atol=1e-6 * np.abs(T).max())
    a = mesh.per_cell(alpha)[..., None]
    rhs = -GAMMA0 * np.cross(m, H) + a * np.cross(m, mdot) + T
    assert np.allclose(mdot, rhs, rtol=0, atol=1e-12 * np.abs(mdot).max())


def test_precess_off_is_mumax_llnoprecess(mesh):
    rng = np.random.default_rng(6)
    H = rng.normal(scale=1e5, size=mesh.shape + (3,))
    llg = LLG(mesh, [FixedField(H)], alpha=0.01, precess=False,
              torques=[SpinOrbitTorque(p=(1, 0, 0), rate=1e12)])
    m = llg.prepare(random_m(mesh.shape))
    expected = -GAMMA0 * np.cross(m, np.cross(m, H))  # torques not applied, α-independent
    assert np.allclose(llg.dmdt(m, 0.0), expected, rtol=1e-12, atol=1e-3)


def test_empty_cells_stay_zero(mesh):
    Ms = np.full(mesh.shape, 8e5)
    Ms[0, 1, 1] = 0.0
    Ms[1, :, 3] = 0.0
    mesh2 = Mesh(n=mesh.n, cell=mesh.cell, Ms=Ms, pbc="x")
    H = np.random.default_rng(7).normal(scale=1e5, size=mesh.shape + (3,))
    llg = LLG(mesh2, [FixedField(H)], alpha=0.1,
              torques=[ZhangLi(u=(40, 10, 0), xi=0.1), SpinOrbitTorque(p=(0, 1, 0), rate=1e9)])
    m = llg.prepare(np.ones(mesh.shape + (3,)))
    assert np.all(m[~mesh2.magnetic] == 0.0)
    assert np.allclose(np.linalg.norm(m[mesh2.magnetic], axis=-1), 1.0)
    d = llg.dmdt(m, 0.0)
    assert np.all(d[~mesh2.magnetic] == 0.0)
    with pytest.raises(ValueError, match="zero"):
        llg.prepare(np.zeros(mesh.shape + (3,)))


def test_max_torque_and_energies(mesh):
    H = np.zeros(mesh.shape + (3,))
    H[..., 0] = 1e4
    llg = LLG(mesh, [FixedField(H, "a"), FixedField(2 * H, "a"), Uniaxial(1e5)], alpha=0.1)
    m = llg.prepare((0.0, 0.6, 0.8))
    # |m×H| with H = (3e4, 0, 2K/(μ0Ms)·0.8)
    Hz = 2e5 / (MU0 * 8e5) * 0.8
    expected = np.linalg.norm(np.cross([0.0, 0.6, 0.8], [3e4, 0.0, Hz]))
    assert llg.max_torque(m, 0.0) == pytest.approx(expected, rel=1e-12)
    e = llg.energies(m)
    assert list(e) == ["a", "a_2", "anis"]
    V = mesh.cell_volume * np.prod(mesh.shape)
    assert e["anis"] == pytest.approx(-1e5 * 0.64 * V, rel=1e-12)
    assert llg.energy(m) == pytest.approx(sum(e.values()))


def test_max_torque_ignores_thermal_noise(mesh):
    from orchestrator.solver.thermal import ThermalField

    llg = LLG(mesh, [Uniaxial(1e5)], alpha=0.1, thermal=ThermalField(300.0, seed=0))
    m = llg.prepare((0, 0, 1))
    llg.begin_step(0.0, 1e-14)
    assert llg.stochastic and np.abs(llg.thermal.h).max() > 0
    assert llg.max_torque(m, 0.0) == 0.0
    assert np.abs(llg.dmdt(m, 0.0)).max() > 0  # but the dynamics feel it


def test_alpha_validation_and_update(mesh):
    with pytest.raises(ValueError):
        LLG(mesh, alpha=-0.1)
    H = np.zeros(mesh.shape + (3,))
    H[..., 2] = 1e5
    llg = LLG(mesh, [FixedField(H)], alpha=0.1)
    m = llg.prepare((1, 0, 0))
    llg.set_alpha({"left": 0.0, "right": 1.0})
    d = llg.dmdt(m, 0.0)
    assert np.allclose(d, ll_reference(m, H, mesh.per_cell({"left": 0.0, "right": 1.0})))


def test_float32(mesh):
    H = np.random.default_rng(8).normal(scale=1e5, size=mesh.shape + (3,))
    llg = LLG(mesh, [FixedField(H.astype(np.float32))], alpha=0.1, dtype=np.float32,
              torques=[SpinOrbitTorque(p=(0, 1, 0), rate=1e9)])
    m = llg.prepare(random_m(mesh.shape))
    assert m.dtype == np.float32
    d = llg.dmdt(m, 0.0)
    assert d.dtype == np.float32
    llg64 = LLG(mesh, [FixedField(H)], alpha=0.1, torques=[SpinOrbitTorque(p=(0, 1, 0), rate=1e9)])
    ref = llg64.dmdt(m.astype(np.float64), 0.0)
    assert np.allclose(d, ref, rtol=0, atol=1e-5 * np.abs(ref).max())
