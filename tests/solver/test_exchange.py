"""The exchange term (orchestrator/solver/terms/exchange.py): OOMMF's 6- and 12-neighbour
fields and energies, analytic spin spirals, free edges, vacuum, regions and inter-region
scaling, and the two evaluation methods."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from analysis.odt import read_odt
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.base import MU0
from orchestrator.solver.terms.exchange import Exchange, fourth_order_matrix, integration_weights
from oommf_data import OOMMF, load_field, load_m, random_m, rel_err, unit

MS = 580e3           # fixture_fields.mif, fixture_small.mif, fixture_skyrmion.mif
A_EX = 15e-12
NM = 1e-9
TOL = 1e-9           # relative agreement asked of OOMMF comparisons


def make(A, mesh: Mesh, **kw) -> Exchange:
    term = Exchange(A, **kw)
    term.setup(mesh)
    return term


def reference_6ngbr(m, mesh: Mesh, A, scale=None) -> np.ndarray:
    """Cell-by-cell loops, the formula as written: H_i = 2/(μ0 Ms_i) Σ_j A_ij (m_j − m_i)/Δ²
    over magnetic face neighbours (wrapped on periodic axes), A_ij the harmonic mean times
    ``scale[(r_i, r_j)]`` across regions."""
    nz, ny, nx = mesh.shape
    A = mesh.per_cell(A)
    H = np.zeros_like(m)
    for z, y, x in itertools.product(range(nz), range(ny), range(nx)):
        if mesh.Ms[z, y, x] == 0:
            continue
        for axis, step in itertools.product(range(3), (-1, 1)):
            j = [z, y, x]
            k = 2 - axis
            j[k] += step
            size = mesh.shape[k]
            if not 0 <= j[k] < size:
                if "xyz"[axis] not in mesh.pbc:
                    continue
                j[k] %= size
            j = tuple(j)
            if mesh.Ms[j] == 0:
                continue
            ai, aj = A[z, y, x], A[j]
            a = 0.0 if ai + aj == 0 else 2 * ai * aj / (ai + aj)
            ri, rj = mesh.regions[z, y, x], mesh.regions[j]
            if scale and ri != rj:
                a *= scale.get((ri, rj), scale.get((rj, ri), 1.0))
            H[z, y, x] += 2 * a / (MU0 * mesh.Ms[z, y, x]) * (m[j] - m[z, y, x]) / mesh.cell[axis] ** 2
    return H


# ---------------------------------------------------------------------------------------
# OOMMF: the fixed state of fixture_fields.mif / fixture_small.mif, and the skyrmion
# ---------------------------------------------------------------------------------------
FIELD_FILES = [("Cnv_z", 0), ("Cnv_z", 1), ("T", 0), ("T", 1), ("D2d_z", 0)]


@pytest.mark.parametrize("method", ["sparse", "stencil"])
@pytest.mark.parametrize("cls,pbc", FIELD_FILES)
def test_6ngbr_field_and_energy_equal_oommf(cls, pbc, method):
    m = load_m("ovf2-bin8-m.omf")
    mesh = Mesh(n=(12, 8, 2), cell=(NM, NM, NM), Ms=MS, pbc="xy" if pbc else "")
    term = make(A_EX, mesh, method=method)
    H = term.field(m)
    ref = load_field(f"fields_{cls}_6ngbr_pbc{pbc}-UniformExchange-Field.ohf")
    assert rel_err(H, ref) < TOL
    E_ref = read_odt(OOMMF / f"fields_{cls}_6ngbr_pbc{pbc}.odt")["E_UniformExchange"].iloc[0]
    assert term.energy(m) == pytest.approx(E_ref, rel=TOL)


@pytest.mark.parametrize("name", ["ovf2-bin8-hexchange.ohf", "ovf2-text-hexchange.ohf"])
def test_6ngbr_equals_oommf_hexchange_fixture(name):
    """fixture_small.mif's own exchange-field output of the same state (bin8 and text)."""
    m = load_m("ovf2-bin8-m.omf")
    mesh = Mesh(n=(12, 8, 2), cell=(NM, NM, NM), Ms=MS)
    assert rel_err(make(A_EX, mesh).field(m), load_field(name)) < TOL


@pytest.mark.parametrize("kernel", ["6ngbr", "12ngbr"])
def test_skyrmion_field_and_energy_equal_oommf(kernel):
    """The relaxed skyrmion of fixture_skyrmion.mif: OOMMF's field in every cell, the one-sided
    edge rows of the 12-neighbour kernel included, and the table's exchange energy."""
    m = load_m(f"skyrmion_{kernel}-MinDriver-Magnetization.omf")
    mesh = Mesh(n=(40, 40, 1), cell=(NM, NM, NM), Ms=MS)
    term = make(A_EX, mesh, kernel=kernel)
    H = term.field(m)
    ref = load_field(f"skyrmion_{kernel}-UniformExchange-Field.ohf")
    assert rel_err(H, ref) < TOL
    E_ref = read_odt(OOMMF / f"skyrmion_{kernel}.odt")["E_UniformExchange"].iloc[-1]
    assert term.energy(m) == pytest.approx(E_ref, rel=TOL)


def test_12ngbr_interior_is_the_textbook_stencil_and_edges_differ():
    """Cells at least 5 from every edge get (−1, 16, −30, 16, −1)/12 exactly as OOMMF does;
    near the edges OOMMF's (and our) one-sided, quadrature-weighted rows take over."""
    m = load_m("skyrmion_12ngbr-MinDriver-Magnetization.omf")
    mesh = Mesh(n=(40, 40, 1), cell=(NM, NM, NM), Ms=MS)
    ref = load_field("skyrmion_12ngbr-UniformExchange-Field.ohf")
    lap = np.zeros_like(m)
    for ax in (1, 2):
        for k, c in ((-2, -1), (-1, 16), (0, -30), (1, 16), (2, -1)):
            lap += c / 12 * np.roll(m, -k, axis=ax)
    H_plain = 2 * A_EX / (MU0 * MS * NM**2) * lap
    inner = (slice(None), slice(5, 35), slice(5, 35))
    assert rel_err(H_plain[inner], ref[inner]) < TOL
    edge = np.ones(mesh.shape, bool)
    edge[inner] = False
    assert np.abs(H_plain[edge] - ref[edge]).max() > 1e-3 * np.abs(ref).max()


# ---------------------------------------------------------------------------------------
# The 12-neighbour matrix: OOMMF's hand-unrolled coefficients
# ---------------------------------------------------------------------------------------
OOMMF_ZD1_ROWS = [  # CalcEnergy12NgbrZD1, rows x = 0..4 (coefficients of m[x-2..x+2])
    [0, 0, -325703, 353313, -27610],
    [0, 353313, -643747, 309643, -19209],
    [-27610, 309643, -589263, 327712, -20482],
    [-19209, 327712, -609463, 321024, -20064],
    [-20482, 321024, -601502, 321024, -20064],
]


@pytest.mark.parametrize("n", [10, 11, 17, 40])
def test_fourth_order_matrix_is_oommfs(n):
    c = fourth_order_matrix(n) * 240768.0  # OOMMF's common denominator 38·264·24
    padded = np.pad(c, ((0, 0), (2, 2)))
    for x, row in enumerate(OOMMF_ZD1_ROWS):
        np.testing.assert_allclose(padded[x, x:x + 5], row, atol=1e-6)
        np.testing.assert_allclose(padded[n - 1 - x, n - 1 - x:n + 4 - x], row[::-1], atol=1e-6)
    for x in range(5, n - 5):
        np.testing.assert_allclose(padded[x, x:x + 5], [-20064, 321024, -601920, 321024, -20064])
    np.testing.assert_allclose(c, c.T)
    np.testing.assert_allclose(c.sum(axis=1), 0, atol=1e-6)


def test_integration_weights():
    assert np.allclose(integration_weights(12)[:4] * 24, [26, 21, 25, 24])
    assert np.allclose(integration_weights(1), 1)
    # a fourth-order quadrature: integrates a cubic on [0, n] (cell centres i + 1/2) exactly
    n = 12
    x = np.arange(n) + 0.5
    f = 1 + x - 0.3 * x**2 + 0.02 * x**3
    exact = n + n**2 / 2 - 0.1 * n**3 + 0.005 * n**4
    assert np.sum(integration_weights(n) * f) == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("n", [5, 7, 9, 10, 13])
def test_12ngbr_operator_on_a_line_is_the_matrix(n):
    """On an n × 1 × 1 mesh the field is exactly (2A/(μ0 Ms Δ²)) times the matrix (other axes
    have weight 1); for 5 ≤ n < 10 that is OOMMF's 12ngbrb construction."""
    mesh = Mesh(n=(n, 1, 1), cell=(2 * NM, NM, NM), Ms=MS)
    m = random_m(mesh.shape, seed=n)
    H = make(A_EX, mesh, kernel="12ngbr").field(m)
    expected = 2 * A_EX / (MU0 * MS * 4 * NM**2) * np.einsum("ij,jc->ic", fourth_order_matrix(n), m[0, 0])
    np.testing.assert_allclose(H[0, 0], expected, rtol=0, atol=1e-12 * np.abs(expected).max())


def test_12ngbr_other_axis_weights():
    """The x term of a cell carries the y integration weight of its row (OOMMF's bj)."""
    nx, ny = 12, 10
    mesh = Mesh(n=(nx, ny, 1), cell=(NM, NM, NM), Ms=MS)
    m = np.zeros(mesh.shape + (3,))
    x = np.arange(nx)
    m[..., 0] = np.cos(0.3 * x)  # varies along x only: only the x term is nonzero
    m[..., 1] = np.sin(0.3 * x)
    H = make(A_EX, mesh, kernel="12ngbr").field(m)
    line = 2 * A_EX / (MU0 * MS * NM**2) * np.einsum("ij,jc->ic", fourth_order_matrix(nx), m[0, 0])
    expected = integration_weights(ny)[:, None, None] * line[None]
    np.testing.assert_allclose(H[0], expected, rtol=0, atol=1e-12 * np.abs(expected).max())


# ---------------------------------------------------------------------------------------
# Analytic
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", ["6ngbr", "12ngbr"])
@pytest.mark.parametrize("pbc", ["", "xy", "xyz"])
def test_uniform_state_has_no_exchange_field(kernel, pbc):
    mesh = Mesh(n=(12, 10, 6), cell=(1e-9, 2e-9, 0.5e-9), Ms=8e5, pbc=pbc)
    m = np.broadcast_to(unit(np.array([0.3, -0.5, 0.8])), mesh.shape + (3,)).copy()
    if kernel == "12ngbr" and "z" not in pbc:
        mesh = Mesh(n=(12, 10, 1), cell=(1e-9, 2e-9, 0.5e-9), Ms=8e5, pbc=pbc)
        m = m[:1]
    H = make(1.3e-11, mesh, kernel=kernel).field(m)
    scale = 2 * 1.3e-11 / (MU0 * 8e5 * (0.5e-9) ** 2)
    assert np.abs(H).max() <= 1e-13 * scale


def test_uniform_state_with_vacuum_regions_and_scaling_has_no_field():
    """Zero to rounding: the sparse product sums w_j m − (Σ w_j) m (~1e-15 of the scale);
    the stencil's differences m_j − m_i vanish exactly."""
    mesh = Mesh(n=(9, 7, 3), cell=(NM, NM, NM), regions=np.indices((3, 7, 9))[2] // 3,
                region_names={"a": 0, "b": 1, "c": 2})
    Ms = np.full(mesh.shape, 6e5)
    Ms[1, 2:5, 3:6] = 0.0
    Ms[:, :, 8] = 9e5
    mesh.Ms = Ms
    m = np.broadcast_to(unit(np.array([1.0, 2.0, -2.0])), mesh.shape + (3,)).copy()
    A = {"a": 1e-11, "b": 2e-11, "c": 0.5e-11}
    scale = 2 * 2e-11 / (MU0 * 6e5 * NM**2)
    H = make(A, mesh, region_scale={("a", "b"): 0.3}).field(m)
    assert np.abs(H).max() <= 1e-14 * scale
    H = make(A, mesh, region_scale={("a", "b"): 0.3}, method="stencil").field(m)
    assert np.abs(H).max() == 0.0


@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("method", ["sparse", "stencil"])
def test_spin_spiral_6ngbr_is_an_exact_eigenvector(axis, method):
    """m = (cos kx, sin kx, 0) on a periodic mesh: H = −(2A/μ0Ms)·2(1 − cos kΔ)/Δ²·m."""
    n = [8, 8, 8]
    n[axis] = 24
    cell = [1e-9, 1.5e-9, 2e-9]
    mesh = Mesh(n=tuple(n), cell=tuple(cell), Ms=7e5, pbc="xyz")
    d = cell[axis]
    k = 2 * np.pi * 3 / (n[axis] * d)
    s = mesh.coords()["xyz"[axis]]
    s = s.reshape([-1 if a == 2 - axis else 1 for a in range(3)])
    m = np.zeros(mesh.shape + (3,))
    m[..., 0] = np.cos(k * s)
    m[..., 1] = np.sin(k * s)
    H = make(2e-11, mesh, method=method).field(m)
    expected = -(2 * 2e-11 / (MU0 * 7e5)) * 2 * (1 - np.cos(k * d)) / d**2 * m
    np.testing.assert_allclose(H, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


def test_spin_spiral_12ngbr_periodic_eigenvalue():
    """The fourth-order interior stencil on a periodic axis: eigenvalue
    (−2 cos 2kΔ + 32 cos kΔ − 30)/(12 Δ²), close to −k² (fourth order)."""
    n, d = 32, 1e-9
    mesh = Mesh(n=(n, 1, 1), cell=(d, d, d), Ms=MS, pbc="x")
    k = 2 * np.pi * 4 / (n * d)
    x = mesh.coords()["x"]
    m = np.zeros(mesh.shape + (3,))
    m[0, 0, :, 0], m[0, 0, :, 1] = np.cos(k * x), np.sin(k * x)
    H = make(A_EX, mesh, kernel="12ngbr").field(m)
    lam = (-2 * np.cos(2 * k * d) + 32 * np.cos(k * d) - 30) / (12 * d**2)
    expected = 2 * A_EX / (MU0 * MS) * lam * m
    np.testing.assert_allclose(H, expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    assert lam == pytest.approx(-k * k, rel=(k * d) ** 4 / 80)


def test_free_edges_are_neumann_and_energy_is_the_link_sum():
    """An open mesh: missing neighbours contribute nothing, so the field equals that of a
    mirror-padded mesh, and E = Σ_links A |m_j − m_i|²/Δ² V."""
    mesh = Mesh(n=(7, 5, 3), cell=(1e-9, 2e-9, 3e-9), Ms=5e5)
    m = random_m(mesh.shape, seed=3)
    term = make(1e-11, mesh)
    H = term.field(m)
    np.testing.assert_allclose(H, reference_6ngbr(m, mesh, 1e-11), rtol=1e-12, atol=1e-3)
    # ghost cells equal to the edge cell: the plain Laplacian of the padded array
    pad = np.pad(m, ((1, 1), (1, 1), (1, 1), (0, 0)), mode="edge")
    lap = sum((np.roll(pad, 1, a) + np.roll(pad, -1, a) - 2 * pad) / mesh.cell[2 - a] ** 2
              for a in range(3))[1:-1, 1:-1, 1:-1]
    np.testing.assert_allclose(H, 2 * 1e-11 / (MU0 * 5e5) * lap, rtol=1e-12, atol=1e-3)
    E = sum(1e-11 * np.sum(np.diff(m, axis=a) ** 2) / mesh.cell[2 - a] ** 2 for a in range(3))
    assert term.energy(m) == pytest.approx(E * mesh.cell_volume, rel=1e-12)


# ---------------------------------------------------------------------------------------
# Regions, vacuum, Ms per cell, inter-region scaling
# ---------------------------------------------------------------------------------------
def two_region_mesh(pbc: str = "") -> Mesh:
    regions = np.zeros((2, 6, 10), np.int32)
    regions[:, :, 5:] = 1
    Ms = np.full((2, 6, 10), 8e5)
    Ms[:, :, 5:] = 5e5
    Ms[1, 2, 2] = 0.0  # a hole
    return Mesh(n=(10, 6, 2), cell=(1e-9, 1.2e-9, 0.8e-9), pbc=pbc, regions=regions,
                region_names={"left": 0, "right": 1}, Ms=Ms)


@pytest.mark.parametrize("pbc", ["", "xy"])
@pytest.mark.parametrize("method", ["sparse", "stencil"])
@pytest.mark.parametrize("scale", [None, {("left", "right"): 0.25}, {(1, 0): 0.0}])
def test_regions_vacuum_and_scaling_equal_the_loop_reference(pbc, method, scale):
    mesh = two_region_mesh(pbc)
    m = random_m(mesh.shape, seed=5)
    m[mesh.Ms == 0] = 0.0
    A = {"left": 1.3e-11, "right": 0.4e-11}
    term = make(A, mesh, region_scale=scale, method=method)
    index_scale = None if scale is None else {
        tuple(mesh.region_names.get(r, r) for r in key): s for key, s in scale.items()}
    ref = reference_6ngbr(m, mesh, A, index_scale)
    np.testing.assert_allclose(term.field(m), ref, rtol=1e-12, atol=1e-9 * np.abs(ref).max())
    assert np.all(term.field(m)[mesh.Ms == 0] == 0)


def test_interface_uses_the_harmonic_mean():
    mesh = Mesh(n=(2, 1, 1), cell=(NM, NM, NM), Ms=8e5, regions=np.array([[[0, 1]]]))
    m = np.array([[[[1.0, 0, 0], [0, 1.0, 0]]]])
    H = make({0: 1e-11, 1: 3e-11}, mesh).field(m)
    a = 2 * 1e-11 * 3e-11 / 4e-11
    np.testing.assert_allclose(H[0, 0, 0], 2 * a / (MU0 * 8e5 * NM**2) * (m[0, 0, 1] - m[0, 0, 0]))


def test_zero_scale_decouples_regions():
    """With region_scale 0 each region feels only itself: the field in the left region is
    that of the left region alone (right cells made vacuum)."""
    mesh = two_region_mesh()
    m = random_m(mesh.shape, seed=7)
    H = make(1.3e-11, mesh, region_scale={("left", "right"): 0}).field(m)
    alone = two_region_mesh()
    alone.Ms = np.where(alone.regions == 0, alone.Ms, 0.0)
    H_alone = make(1.3e-11, alone).field(m)
    left = mesh.regions == 0
    np.testing.assert_allclose(H[left], H_alone[left], rtol=1e-13, atol=1e-6)


def test_scale_multiplies_the_interface_links_only():
    mesh = Mesh(n=(4, 1, 1), cell=(NM, NM, NM), Ms=8e5, regions=np.array([[[0, 0, 1, 1]]]))
    m = random_m(mesh.shape, seed=1)
    H1 = make(1e-11, mesh).field(m)
    H2 = make(1e-11, mesh, region_scale={(0, 1): 0.5}).field(m)
    c = 2e-11 / (MU0 * 8e5 * NM**2)
    np.testing.assert_allclose(H2[0, 0, 1] - H1[0, 0, 1], -0.5 * c * (m[0, 0, 2] - m[0, 0, 1]))
    np.testing.assert_allclose(H2[0, 0, 0], H1[0, 0, 0])


# ---------------------------------------------------------------------------------------
# Methods, dtypes, threads, errors
# ---------------------------------------------------------------------------------------
def test_methods_workers_and_float32_agree():
    mesh = two_region_mesh("x")
    m = random_m(mesh.shape, seed=11)
    ref = make(1e-11, mesh).field(m)
    for kw in ({"method": "stencil"}, {"workers": 3}, {"method": "sparse", "workers": 2}):
        np.testing.assert_allclose(make(1e-11, mesh, **kw).field(m), ref, rtol=1e-12,
                                   atol=1e-12 * np.abs(ref).max())
    for method in ("auto", "sparse", "stencil"):
        H32 = make(1e-11, mesh, method=method).field(m.astype(np.float32))
        assert H32.dtype == np.float32
        np.testing.assert_allclose(H32, ref, rtol=0, atol=1e-5 * np.abs(ref).max())


def test_add_field_accumulates_into_out():
    mesh = Mesh(n=(6, 5, 1), cell=(NM, NM, NM), Ms=8e5)
    m = random_m(mesh.shape, seed=2)
    for kernel, method in (("6ngbr", "sparse"), ("6ngbr", "stencil"), ("12ngbr", "auto")):
        if kernel == "12ngbr":
            mesh = Mesh(n=(10, 1, 1), cell=(NM, NM, NM), Ms=8e5)
            m = random_m(mesh.shape, seed=2)
        term = make(1e-11, mesh, kernel=kernel, method=method)
        out = np.full_like(m, 3.0)
        term.add_field(m, 0.0, out)
        np.testing.assert_allclose(out - 3.0, term.field(m), rtol=1e-12, atol=1e-6)
        view = np.zeros(m.shape[:-1] + (4,))[..., :3]  # a non-contiguous out
        term.add_field(m, 0.0, view)
        np.testing.assert_allclose(view, term.field(m), rtol=1e-12, atol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="kernel"):
        Exchange(1e-11, kernel="8ngbr")
    with pytest.raises(ValueError, match="region_scale"):
        Exchange(1e-11, kernel="12ngbr", region_scale={(0, 1): 0.5})
    with pytest.raises(ValueError, match="at least 5"):
        make(1e-11, Mesh(n=(12, 3, 1), cell=(NM, NM, NM), Ms=8e5), kernel="12ngbr")
    with pytest.raises(ValueError, match="fully magnetic"):
        make(1e-11, Mesh(n=(12, 1, 1), cell=(NM, NM, NM), Ms=np.r_[0.0, [8e5] * 11]),
             kernel="12ngbr")
    with pytest.raises(ValueError, match="uniform A"):
        make(np.linspace(1, 2, 12) * 1e-11, Mesh(n=(12, 1, 1), cell=(NM, NM, NM), Ms=8e5),
             kernel="12ngbr")
    with pytest.raises(KeyError, match="no region"):
        make(1e-11, two_region_mesh(), region_scale={("left", "middle"): 0.5})
