"""Uniaxial anisotropy and Zeeman terms (orchestrator/solver/terms/anisotropy.py, zeeman.py):
OOMMF's fields and energies, any axis per region, K2, time-dependent strength and axis,
and applied fields that are uniform, per region, or functions of time (pulses, trains)."""

from __future__ import annotations


import numpy as np
import pytest

from analysis.odt import read_odt
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.anisotropy import UniaxialAnisotropy
from orchestrator.solver.terms.base import MU0, FieldTerm
from orchestrator.solver.mesh import region_mask
from orchestrator.solver.terms.zeeman import Zeeman, pulse, square_train
from oommf_data import OOMMF, load_field, load_m, random_m, rel_err, unit

MS = 580e3
NM = 1e-9
TOL = 1e-9
K1 = 0.8e6
H_APPLIED = (1e4, -2e4, 3e4)
FIELD_FILES = [("Cnv_z", 0), ("Cnv_z", 1), ("T", 0), ("T", 1), ("D2d_z", 0)]


def setup(term: FieldTerm, mesh: Mesh) -> FieldTerm:
    term.setup(mesh)
    return term


def regions_mesh(Ms=8e5) -> Mesh:
    regions = np.zeros((1, 4, 6), np.int32)
    regions[..., 3:] = 1
    return Mesh(n=(6, 4, 1), cell=(NM, 2 * NM, 3 * NM), regions=regions,
                region_names={"left": 0, "right": 1}, Ms=Ms)


# ---------------------------------------------------------------------------------------
# OOMMF (fixture_fields.mif): K1 = 0.8e6 along z, H = (1e4, −2e4, 3e4) A/m
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,pbc", FIELD_FILES)
def test_anisotropy_and_zeeman_equal_oommf(cls, pbc):
    m = load_m("ovf2-bin8-m.omf")
    mesh = Mesh(n=(12, 8, 2), cell=(NM, NM, NM), Ms=MS, pbc="xy" if pbc else "")
    table = read_odt(OOMMF / f"fields_{cls}_6ngbr_pbc{pbc}.odt")
    for term, oommf in ((UniaxialAnisotropy(K1, (0, 0, 1)), "UniaxialAnisotropy"),
                        (UniaxialAnisotropy(K1, (0, 0, 7)), "UniaxialAnisotropy"),
                        (Zeeman(H_APPLIED), "FixedZeeman")):
        setup(term, mesh)
        ref = load_field(f"fields_{cls}_6ngbr_pbc{pbc}-{oommf}-Field.ohf")
        assert rel_err(term.field(m), ref) < TOL
        assert term.energy(m) == pytest.approx(table[f"E_{oommf}"].iloc[0], rel=TOL)


def test_anisotropy_energy_conventions():
    """OOMMF reports K1 |m×u|² for K1 > 0 (≥ 0), mumax3 −K1 (m·u)²: a constant K1 V apart."""
    m = load_m("ovf2-bin8-m.omf")
    mesh = Mesh(n=(12, 8, 2), cell=(NM, NM, NM), Ms=MS)
    oommf = setup(UniaxialAnisotropy(K1, (0, 0, 1)), mesh)
    plain = setup(UniaxialAnisotropy(K1, (0, 0, 1), energy_offset=False), mesh)
    n_cells = m.shape[0] * m.shape[1] * m.shape[2]
    assert oommf.energy(m) - plain.energy(m) == pytest.approx(K1 * n_cells * mesh.cell_volume,
                                                               rel=1e-12)
    # −K1 (m·u)² is the base class's −½ μ0 Σ Ms m·H V
    assert plain.energy(m) == pytest.approx(FieldTerm.energy(plain, m), rel=1e-12)
    # easy plane (K1 < 0): no offset in either convention, e = |K1| (m·u)²
    ep = setup(UniaxialAnisotropy(-K1, (0, 0, 1)), mesh)
    assert ep.energy(m) == pytest.approx(K1 * np.sum(m[..., 2] ** 2) * mesh.cell_volume, rel=1e-12)


# ---------------------------------------------------------------------------------------
# Anisotropy: axes, regions, K2, vacuum, time dependence
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [(1, 0, 0), (0, -1, 0), (0, 0, -2), (1, 2, -2), (0.3, 0.1, 0.9)])
def test_field_formula_for_any_axis(axis):
    mesh = Mesh(n=(5, 4, 3), cell=(NM, NM, NM), Ms=6e5)
    m = random_m(mesh.shape, seed=1)
    u = np.asarray(axis, float) / np.linalg.norm(axis)
    H = setup(UniaxialAnisotropy(3e5, axis), mesh).field(m)
    expected = 2 * 3e5 / (MU0 * 6e5) * (m @ u)[..., None] * u
    np.testing.assert_allclose(H, expected, rtol=1e-13, atol=1e-9)


def test_axis_and_K1_per_region_and_per_cell_and_vacuum():
    Ms = np.full((1, 4, 6), 8e5)
    Ms[0, 1, 1] = 0.0
    mesh = regions_mesh(Ms)
    m = random_m(mesh.shape, seed=2)
    term = setup(UniaxialAnisotropy({"left": 4e5, "right": -1e5},
                                    {"left": (0, 0, 1), "right": (1, 1, 0)}), mesh)
    K = np.where(mesh.regions == 0, 4e5, -1e5)
    u = np.where((mesh.regions == 0)[..., None], [0, 0, 1.0], unit(np.array([1.0, 1, 0])))
    expected = 2 * K[..., None] / (MU0 * 8e5) * np.sum(m * u, -1)[..., None] * u
    expected[0, 1, 1] = 0.0
    H = term.field(m)
    np.testing.assert_allclose(H, expected, rtol=1e-13, atol=1e-9)
    assert np.all(H[0, 1, 1] == 0) and term.energy_density(m)[0, 1, 1] == 0
    # the same as per-cell arrays
    H2 = setup(UniaxialAnisotropy(K, u), mesh).field(m)
    np.testing.assert_allclose(H2, expected, rtol=1e-13, atol=1e-9)


def test_regions_restrict_the_term():
    mesh = regions_mesh()
    m = random_m(mesh.shape, seed=3)
    full = setup(UniaxialAnisotropy(2e5, (1, 0, 1)), mesh)
    right = setup(UniaxialAnisotropy(2e5, (1, 0, 1), regions="right"), mesh)
    left_cells = mesh.regions == 0
    assert np.all(right.field(m)[left_cells] == 0)
    np.testing.assert_array_equal(right.field(m)[~left_cells], full.field(m)[~left_cells])
    assert np.all(right.energy_density(m)[left_cells] == 0)


def test_K2_field_is_minus_the_energy_gradient():
    """H = −(1/μ0 Ms) ∂e/∂m for e = −K1 (m·u)² − K2 (m·u)⁴, by central differences (the
    mumax3 convention; OOMMF's K1 |m×u|² adds K1 |m|², whose gradient is along m)."""
    mesh = Mesh(n=(3, 2, 1), cell=(NM, NM, NM), Ms=7e5)
    m = random_m(mesh.shape, seed=4)
    term = setup(UniaxialAnisotropy(3e5, (0.2, -0.4, 1.0), K2=-1.2e5, energy_offset=False), mesh)
    H = term.field(m)
    grad = np.zeros_like(m)
    h = 1e-6
    for c in range(3):
        dm = np.zeros_like(m)
        dm[..., c] = h
        grad[..., c] = (term.energy_density(m + dm) - term.energy_density(m - dm)) / (2 * h)
    np.testing.assert_allclose(H, -grad / (MU0 * 7e5), rtol=1e-7, atol=1e-6 * np.abs(H).max())
    u = unit(np.array([0.2, -0.4, 1.0]))
    d = m @ u
    e = -3e5 * d**2 + 1.2e5 * d**4
    np.testing.assert_allclose(term.energy_density(m), e, rtol=1e-12, atol=1e-6)
    oommf = setup(UniaxialAnisotropy(3e5, (0.2, -0.4, 1.0), K2=-1.2e5), mesh)
    np.testing.assert_allclose(oommf.field(m), H, rtol=0, atol=0)
    np.testing.assert_allclose(oommf.energy_density(m), e + 3e5, rtol=1e-12, atol=1e-6)


def test_time_dependent_strength_and_axis_evaluated_once_per_call():
    """A second, in-plane axis rotating in time with a strain pulse amplitude."""
    mesh = Mesh(n=(4, 3, 2), cell=(NM, NM, NM), Ms=8e5)
    m = random_m(mesh.shape, seed=5)
    calls = {"K": 0, "u": 0}
    omega = 2 * np.pi * 1e9

    def K(t):
        calls["K"] += 1
        return 5e4 if 1e-9 <= t < 2e-9 else 0.0

    def axis(t):
        calls["u"] += 1
        return (np.cos(omega * t), np.sin(omega * t), 0.0)

    term = setup(UniaxialAnisotropy(K, axis), mesh)
    assert term.time_dependent
    out = np.zeros_like(m)
    term.add_field(m, 0.5e-9, out)
    assert calls == {"K": 1, "u": 1} and np.all(out == 0)
    t = 1.3e-9
    term.add_field(m, t, out)
    assert calls == {"K": 2, "u": 2}
    u = np.array([np.cos(omega * t), np.sin(omega * t), 0.0])
    expected = 2 * 5e4 / (MU0 * 8e5) * (m @ u)[..., None] * u
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-9)
    # the pulse helper works as a strength too, and per-cell arrays from callables
    term = setup(UniaxialAnisotropy(pulse(5e4, 1e-9, 2e-9),
                                    lambda t: np.broadcast_to(u, mesh.shape + (3,))), mesh)
    np.testing.assert_allclose(term.field(m, t), expected, rtol=1e-13, atol=1e-9)
    assert not term.field(m, 2e-9).any()


def test_anisotropy_float32_and_accumulation():
    mesh = regions_mesh()
    m = random_m(mesh.shape, seed=6)
    for term in (UniaxialAnisotropy(2e5, (0, 0, 1)), UniaxialAnisotropy(2e5, (1, 2, 3), K2=1e5),
                 UniaxialAnisotropy({"left": 2e5}, {"left": (1, 0, 0), "right": (0, 1, 0)})):
        setup(term, mesh)
        ref = term.field(m)
        out = np.full_like(m, -1.0)
        term.add_field(m, 0.0, out)
        np.testing.assert_allclose(out + 1.0, ref, rtol=1e-13, atol=1e-8)
        H32 = term.field(m.astype(np.float32))
        assert H32.dtype == np.float32
        np.testing.assert_allclose(H32, ref, rtol=0, atol=1e-5 * np.abs(ref).max())


def test_anisotropy_rejects_a_zero_axis():
    with pytest.raises(ValueError, match="zero vector"):
        setup(UniaxialAnisotropy(1e5, (0, 0, 0)), regions_mesh())


# ---------------------------------------------------------------------------------------
# Zeeman
# ---------------------------------------------------------------------------------------
def test_zeeman_uniform_region_array_and_energy():
    Ms = np.full((1, 4, 6), 8e5)
    Ms[0, 0, 0] = 0.0
    mesh = regions_mesh(Ms)
    m = random_m(mesh.shape, seed=7)
    H0 = np.array([1e4, -2e4, 3e4])
    z = setup(Zeeman(H0), mesh)
    assert np.all(z.field(m) == H0)
    E = -MU0 * np.sum(Ms * (m @ H0)) * mesh.cell_volume  # linear in m: no 1/2
    assert z.energy(m) == pytest.approx(E, rel=1e-13)
    per_region = setup(Zeeman({"left": H0, "right": -H0}), mesh).field(m)
    expected = np.where((mesh.regions == 0)[..., None], H0, -H0)
    np.testing.assert_array_equal(per_region, expected)
    np.testing.assert_array_equal(setup(Zeeman(expected), mesh).field(m), expected)
    only_right = setup(Zeeman(H0, regions=["right"]), mesh).field(m)
    np.testing.assert_array_equal(only_right, np.where((mesh.regions == 1)[..., None], H0, 0))
    out = np.ones_like(m)
    z.add_field(m, 0.0, out)
    np.testing.assert_array_equal(out, np.broadcast_to(1.0 + H0, m.shape))


def test_pulse_and_square_train_values_and_breakpoints():
    p = pulse((1.0, 2.0, 3.0), 1e-9, 2e-9)
    assert p(0.999e-9).tolist() == [0, 0, 0] and p(1e-9).tolist() == [1, 2, 3]
    assert p(1.999e-9).tolist() == [1, 2, 3] and p(2e-9).tolist() == [0, 0, 0]
    assert p(np.array([0.0, 1.5e-9])).tolist() == [[0, 0, 0], [1, 2, 3]]
    assert p.breakpoints().tolist() == [1e-9, 2e-9]
    f = square_train(2.0, period=1e-9, duty=0.3, t0=0.5e-9, n=3)
    ts = np.array([0.4, 0.5, 0.7, 0.81, 1.5, 1.79, 1.81, 2.5, 2.79, 3.5]) * 1e-9
    assert [float(f(t)) for t in ts] == [0, 2, 2, 0, 2, 2, 0, 2, 2, 0]
    np.testing.assert_allclose(f(ts), [0, 2, 2, 0, 2, 2, 0, 2, 2, 0])
    np.testing.assert_allclose(f.breakpoints(), np.array([0.5, 0.8, 1.5, 1.8, 2.5, 2.8]) * 1e-9)
    endless = square_train((0, 0, 1.0), 2e-9, 0.5)
    assert endless(1e-6 + 0.5e-9).tolist() == [0, 0, 1.0]
    assert endless(1e-6 + 1.5e-9).tolist() == [0, 0, 0]
    np.testing.assert_allclose(endless.breakpoints(0, 4e-9), np.array([0, 1, 2, 3, 4]) * 1e-9)
    with pytest.raises(ValueError):
        endless.breakpoints()
    with pytest.raises(ValueError):
        square_train(1.0, 1e-9, 1.5)
    with pytest.raises(ValueError):
        pulse(1.0, 2e-9, 1e-9)


def test_time_dependent_zeeman_local_pulse_and_any_function():
    mesh = regions_mesh()
    m = random_m(mesh.shape, seed=8)
    right = (mesh.regions == 1)[..., None]
    z = setup(Zeeman(pulse((0, 0, 5e4), 1e-9, 1.1e-9), regions="right"), mesh)
    assert z.time_dependent
    np.testing.assert_array_equal(z.field(m, 1.05e-9), np.where(right, [0, 0, 5e4], 0.0))
    assert not z.field(m, 1.1e-9).any()
    calls = []

    def rotating(t):
        calls.append(t)
        return 1e4 * np.array([np.cos(1e10 * t), np.sin(1e10 * t), 0.0])

    z = setup(Zeeman(rotating), mesh)
    out = np.zeros_like(m)
    z.add_field(m, 3e-10, out)
    assert calls == [3e-10]
    np.testing.assert_allclose(out, np.broadcast_to(rotating(3e-10), m.shape))
    # a callable may return a per-cell array
    z = setup(Zeeman(lambda t: t * np.ones(mesh.shape + (3,)), regions="right"), mesh)
    np.testing.assert_array_equal(z.field(m, 2.0), np.broadcast_to(np.where(right, 2.0, 0.0), m.shape))
    with pytest.raises(ValueError, match="3-vector"):
        setup(Zeeman(lambda t: np.ones(2)), mesh).field(m, 0.0)


def test_zeeman_square_train_and_float32():
    mesh = regions_mesh()
    m = random_m(mesh.shape, seed=9).astype(np.float32)
    z = setup(Zeeman(square_train((1e3, 0, 0), 1e-9, 0.5, n=2)), mesh)
    H = z.field(m, 0.2e-9)
    assert H.dtype == np.float32 and np.all(H[..., 0] == 1e3) and not H[..., 1:].any()
    assert not z.field(m, 0.7e-9).any() and not z.field(m, 2.2e-9).any()


def test_region_mask():
    mesh = regions_mesh()
    assert region_mask(mesh, None) is None
    assert region_mask(mesh, "left").sum() == 12
    assert region_mask(mesh, [0, "right"]).all()
    with pytest.raises(KeyError, match="no region"):
        region_mask(mesh, "middle")
