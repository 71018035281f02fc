"""The DMI term (orchestrator/solver/terms/dmi.py): OOMMF's fields and energies, analytic
spirals, region-wise classes (paper 000's Janus skyrmion), and the mumax3 sign mapping."""

from __future__ import annotations


import numpy as np
import pytest

from analysis.odt import read_odt
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.base import MU0
from orchestrator.solver.terms.dmi import DMI, dmi_vector, mumax3_dbulk, mumax3_dind
from oommf_data import OOMMF, load_field, load_m, random_m, rel_err, unit

MS = 580e3           # fixture_fields.mif, fixture_skyrmion.mif
NM = 1e-9
TOL = 1e-9           # relative agreement asked of OOMMF comparisons


def make(D, mesh: Mesh, crystal_class: str = "Cnv_z", **kw) -> DMI:
    term = DMI(D, crystal_class, **kw)
    term.setup(mesh)
    return term


# ---------------------------------------------------------------------------------------
# OOMMF: per-term fields of the fixed state (fixture_fields.mif) and the relaxed skyrmion
# ---------------------------------------------------------------------------------------
FIELD_CASES = [("Cnv_z", 0), ("Cnv_z", 1), ("T", 0), ("T", 1), ("D2d_z", 0)]


@pytest.mark.parametrize("cls,pbc", FIELD_CASES)
def test_field_and_energy_equal_oommf(cls, pbc):
    m = load_m("ovf2-bin8-m.omf")
    mesh = Mesh(n=(12, 8, 2), cell=(NM, NM, NM), Ms=MS, pbc="xy" if pbc else "")
    term = make(3e-3, mesh, cls)
    stem = f"fields_{cls}_6ngbr_pbc{pbc}"
    H = term.field(m)
    ref = load_field(f"{stem}-DMI_{cls}-Field.ohf")
    assert rel_err(H, ref) < TOL
    E_ref = read_odt(OOMMF / f"{stem}.odt")[f"E_DMI_{cls}"].iloc[0]
    assert term.energy(m) == pytest.approx(E_ref, rel=TOL)
    assert term.energy(m, H=H) == pytest.approx(E_ref, rel=TOL)


@pytest.mark.parametrize("kernel", ["6ngbr", "12ngbr"])
def test_relaxed_skyrmion_field_equals_oommf(kernel):
    # the DMI term is the same in both runs; only the relaxed state differs
    m = load_m(f"skyrmion_{kernel}-MinDriver-Magnetization.omf")
    mesh = Mesh(n=(40, 40, 1), cell=(NM, NM, NM), Ms=MS)
    term = make(3.7e-3, mesh, "Cnv_z")
    assert rel_err(term.field(m), load_field(f"skyrmion_{kernel}-DMI_Cnv_z-Field.ohf")) < TOL
    E_ref = read_odt(OOMMF / f"skyrmion_{kernel}.odt")["E_DMI_Cnv_z"].iloc[-1]
    assert term.energy(m) == pytest.approx(E_ref, rel=TOL)


@pytest.mark.parametrize("cls", ["Cnv_z", "T", "D2d_z"])
def test_vacuum_cells_are_free_edges_as_in_oommf(cls):
    """OOMMF skips a neighbour with Ms = 0 exactly like a missing one: the fixture state
    padded with vacuum (open mesh) gives OOMMF's open-mesh field, and 0 in the vacuum."""
    m = load_m("ovf2-bin8-m.omf")
    big = np.zeros((4, 12, 16, 3))
    big[..., 2] = 1.0                       # the vacuum's m must not matter
    inner = (slice(1, 3), slice(2, 10), slice(1, 13))
    big[inner] = m
    Ms = np.zeros(big.shape[:3])
    Ms[inner] = MS
    mesh = Mesh(n=(16, 12, 4), cell=(NM, NM, NM), Ms=Ms)
    H = make(3e-3, mesh, cls).field(big)
    ref = load_field(f"fields_{cls}_6ngbr_pbc0-DMI_{cls}-Field.ohf")
    assert rel_err(H[inner], ref) < TOL
    vac = np.ones(Ms.shape, bool)
    vac[inner] = False
    assert not H[vac].any()


# ---------------------------------------------------------------------------------------
# Analytic: uniform states, free edges, spin spirals
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ["Cnv_z", "T", "D2d_z"])
def test_uniform_state_has_no_field_on_a_periodic_mesh(cls):
    mesh = Mesh(n=(8, 6, 3), cell=(1e-9, 2e-9, 3e-9), Ms=MS, pbc="xyz")
    m = np.broadcast_to(unit(np.array([0.3, -0.5, 0.8])), mesh.shape + (3,)).copy()
    term = make(2.5e-3, mesh, cls)
    assert np.abs(term.field(m)).max() < 1e-9 * 2.5e-3 / (MU0 * MS * 1e-9)
    assert term.energy(m) == pytest.approx(0.0, abs=1e-35)


@pytest.mark.parametrize("cls", ["Cnv_z", "T", "D2d_z"])
def test_free_edges_drop_the_missing_neighbour(cls):
    """OOMMF's free edge: no ghost cell, no Neumann extrapolation; in a uniform state the
    edge cell keeps the one-sided term H = -(D/(μ0 Ms Δ)) d(û) × m of its only bond û."""
    D, cell = 2e-3, (1e-9, 2e-9, 3e-9)
    mesh = Mesh(n=(6, 5, 4), cell=cell, Ms=MS)
    mvec = unit(np.array([0.3, -0.5, 0.8]))
    m = np.broadcast_to(mvec, mesh.shape + (3,)).copy()
    H = make(D, mesh, cls).field(m)
    expected = np.zeros_like(H)
    for axis, ax in ((0, 2), (1, 1), (2, 0)):
        e = np.eye(3)[axis]
        for side, u in ((0, e), (-1, -e)):        # the first cell's only bond is +e
            idx = [slice(None)] * 3
            idx[ax] = side
            expected[tuple(idx)] += -(D / (MU0 * MS * cell[axis])) * np.cross(dmi_vector(cls, u), mvec)
    scale = D / (MU0 * MS * 1e-9)
    assert np.abs(H - expected).max() < 1e-12 * scale
    assert np.abs(H[1:-1, 1:-1, 1:-1]).max() < 1e-12 * scale   # interior: nothing


# A helix of wave vector k along one axis with the chirality each class favours (D > 0):
# continuum energy density -D k. Discrete (this stencil): every pair term is
# m_i·(d(û) × m_j) = ±sin(θ_i − θ_j), so w_i = (D/2Δ)[−sin kΔ − sin kΔ] = −D sin(kΔ)/Δ
# = −D k · sin(kΔ)/(kΔ), exact on a periodic mesh for any k = 2πp/(nΔ).
def _helix(kind: str, phase: np.ndarray) -> np.ndarray:
    s, c, z = np.sin(phase), np.cos(phase), np.zeros_like(phase)
    return np.stack({"xz": (s, z, c), "yz": (z, s, c), "0cs": (z, c, s), "cs0": (c, s, z)}[kind], axis=-1)


HELICES = [  # (class, propagation axis, m(θ))
    ("Cnv_z", 0, "xz"),   # Néel along x: m = (sin kx, 0, cos kx)
    ("Cnv_z", 1, "yz"),   # Néel along y: m = (0, sin ky, cos ky)
    ("T", 0, "0cs"),      # Bloch along x: m = (0, cos kx, sin kx)
    ("T", 1, "xz"),       # Bloch along y: m = (sin ky, 0, cos ky)
    ("T", 2, "cs0"),      # Bloch along z: m = (cos kz, sin kz, 0)
    ("D2d_z", 0, "yz"),   # along x: m = (0, sin kx, cos kx)
    ("D2d_z", 1, "xz"),   # along y: m = (sin ky, 0, cos ky)
]


@pytest.mark.parametrize("cls,axis,kind", HELICES)
@pytest.mark.parametrize("p", [1, 3, -2])
def test_helix_energy_is_the_exact_discrete_value(cls, axis, kind, p):
    n, D, Ms = 16, 3e-3, 7e5
    cell = (1e-9, 2e-9, 1.5e-9)
    counts = [3, 2, 2]
    counts[axis] = n
    mesh = Mesh(n=tuple(counts), cell=cell, Ms=Ms, pbc="xyz")
    delta = cell[axis]
    k = 2 * np.pi * p / (n * delta)
    coord = mesh.coords()["xyz"[axis]]
    phase = np.broadcast_to(k * coord.reshape([-1 if a == axis else 1 for a in (2, 1, 0)]),
                            mesh.shape)
    m = _helix(kind, phase)
    term = make(D, mesh, cls)
    w = -D * np.sin(k * delta) / delta                    # p < 0: the other chirality, w > 0
    dens = term.energy_density(m)
    assert np.allclose(dens, w, rtol=1e-12, atol=1e-12 * D / delta)
    volume = np.prod(counts) * mesh.cell_volume
    assert term.energy(m) == pytest.approx(w * volume, rel=1e-12)
    # the discrete value tends to the continuum -D k
    assert w / (-D * k) == pytest.approx(np.sinc(k * delta / np.pi), rel=1e-12)


@pytest.mark.parametrize("cls", ["Cnv_z", "D2d_z"])
def test_interfacial_and_d2d_classes_have_no_z_bonds(cls):
    mesh = Mesh(n=(2, 2, 16), cell=(NM, NM, NM), Ms=MS, pbc="xyz")
    phase = np.broadcast_to((2 * np.pi / 16 * np.arange(16))[:, None, None], mesh.shape)
    m = _helix("cs0", phase)
    assert not make(3e-3, mesh, cls).field(m).any()


def test_field_is_the_variational_derivative_of_the_energy():
    """H_i = -1/(μ0 Ms_i V) ∂E/∂m_i (E is quadratic: central differences are exact)."""
    regions = np.zeros((3, 6, 8), int)
    regions[..., 4:] = 1
    regions[0, :2] = 2
    Ms = np.full(regions.shape, MS)
    Ms[1, 3, 2] = 0.0
    Ms[2, 1, 6] = 3e5
    mesh = Mesh(n=(8, 6, 3), cell=(1e-9, 1.5e-9, 2e-9), Ms=Ms, pbc="x", regions=regions,
                region_names={"left": 0, "right": 1, "cap": 2})
    term = make([("left", 3e-3, "Cnv_z"), ("right", -2e-3, "T"), ("cap", 1e-3, "D2d_z"),
                 ("cap", 1.5e-3, "T")], mesh)
    m = random_m(mesh.shape, 1)
    H = term.field(m)
    eps, V = 1e-3, mesh.cell_volume
    for cell in [(0, 0, 0), (1, 2, 3), (2, 5, 7), (1, 4, 4), (2, 1, 6), (0, 1, 5)]:
        for c in range(3):
            mp, mm = m.copy(), m.copy()
            mp[cell + (c,)] += eps
            mm[cell + (c,)] -= eps
            dE = (term.energy(mp) - term.energy(mm)) / (2 * eps)
            assert -dE / (MU0 * Ms[cell] * V) == pytest.approx(H[cell + (c,)], rel=1e-7, abs=1e-3)


# ---------------------------------------------------------------------------------------
# Region-wise classes: paper 000's Janus skyrmion (Néel left, Bloch right)
# ---------------------------------------------------------------------------------------
def janus_mesh(nx=24, ny=10, nz=1, pbc="", Ms=MS) -> Mesh:
    regions = np.zeros((nz, ny, nx), int)
    regions[..., nx // 2:] = 1
    return Mesh(n=(nx, ny, nz), cell=(NM, NM, NM), Ms=Ms, pbc=pbc, regions=regions,
                region_names={"left": 0, "right": 1})


SIGNS = [(3.7e-3, 3.7e-3), (3.7e-3, -3.7e-3), (-3.7e-3, 3.7e-3), (-3.5e-3, -3.5e-3)]


@pytest.mark.parametrize("DL,DR", SIGNS)
@pytest.mark.parametrize("pbc", ["", "xy"])
@pytest.mark.parametrize("interface", ["mean", "zero"])
def test_janus_halves_see_their_own_class(DL, DR, pbc, interface):
    nx = 24
    mesh = janus_mesh(nx=nx, pbc=pbc)
    m = random_m(mesh.shape, 2)
    H = make({"left": (DL, "Cnv_z"), "right": (DR, "T")}, mesh, interface=interface).field(m)
    half_pbc = pbc.replace("x", "")   # each half is open at the interface(s)
    half = Mesh(n=(nx // 2, 10, 1), cell=(NM, NM, NM), Ms=MS, pbc=half_pbc)
    HL = make(DL, half, "Cnv_z").field(m[..., : nx // 2, :])
    HR = make(DR, half, "T").field(m[..., nx // 2:, :])
    # away from the interface x = L/2 (and from the periodic seam x = 0 ≡ L)
    inner = slice(1, nx // 2 - 1)
    assert rel_err(H[..., : nx // 2, :][..., inner, :], HL[..., inner, :]) < 1e-13
    assert rel_err(H[..., nx // 2:, :][..., inner, :], HR[..., inner, :]) < 1e-13
    if interface == "zero":
        # no bond across a region boundary: each half is exactly its own open film
        assert rel_err(H, np.concatenate([HL, HR], axis=2)) < 1e-13


@pytest.mark.parametrize("pbc", ["", "xy"])
def test_janus_interface_bond_is_half_of_each_class(pbc):
    DL, DR = 3.7e-3, -3.7e-3
    mesh = janus_mesh(pbc=pbc)
    term = make({"left": (DL, "Cnv_z"), "right": (DR, "T")}, mesh)
    bx = term.bond_D["x"]
    assert np.all(bx["Cnv_z"][..., 11] == DL / 2) and np.all(bx["T"][..., 11] == DR / 2)
    assert np.all(bx["Cnv_z"][..., :11] == DL) and np.all(bx["T"][..., 12:23] == DR)
    assert not bx["Cnv_z"][..., 12:23].any() and not bx["T"][..., :11].any()
    seam = (DL / 2, DR / 2) if "x" in pbc else (0.0, 0.0)    # bond (L-1, 0)
    assert np.all(bx["Cnv_z"][..., 23] == seam[0]) and np.all(bx["T"][..., 23] == seam[1])
    # the rule is linear: the Janus term is the sum of two single-class terms with D per cell
    m = random_m(mesh.shape, 3)
    left = mesh.regions == 0
    H = term.field(m)
    H2 = make(DL * left, mesh, "Cnv_z").field(m) + make(DR * ~left, mesh, "T").field(m)
    assert rel_err(H, H2) < 1e-14
    zero = make({"left": (DL, "Cnv_z"), "right": (DR, "T")}, mesh, interface="zero")
    assert not zero.bond_D["x"]["Cnv_z"][..., 11].any() and not zero.bond_D["x"]["T"][..., 11].any()


def test_janus_energy_is_symmetric_in_the_bonds():
    """Σ Ms a·H(b) = Σ Ms b·H(a): D_ij = D_ji, so H derives from an energy."""
    Ms = np.full((2, 10, 24), MS)
    Ms[:, 4:6, 10:14] = 0.0            # a hole across the interface
    mesh = janus_mesh(nx=24, ny=10, nz=2, pbc="xy", Ms=Ms)
    term = make({"left": (3.7e-3, "Cnv_z"), "right": (-3.7e-3, "T")}, mesh)
    a, b = random_m(mesh.shape, 4), random_m(mesh.shape, 5)
    ab = np.sum(Ms[..., None] * a * term.field(b))
    ba = np.sum(Ms[..., None] * b * term.field(a))
    assert ab == pytest.approx(ba, rel=1e-13)
    assert not term.field(a)[Ms == 0].any()


def test_region_forms_are_equivalent():
    mesh = janus_mesh()
    m = random_m(mesh.shape, 6)
    ref = make({"left": (3e-3, "Cnv_z"), "right": (2e-3, "T")}, mesh).field(m)
    for D in ([("left", 3e-3, "Cnv_z"), ("right", 2e-3, "T")],
              {0: (3e-3, "Cnv"), 1: (2e-3, "O")},
              [("left", 1e-3, "Cnv_z"), ("right", 2e-3, "T"), ("left", 2e-3, "Cnv_z")]):
        assert rel_err(make(D, mesh).field(m), ref) < 1e-14
    one = make({"left": 3e-3, "right": 3e-3}, mesh, "D2d_z").field(m)
    assert rel_err(one, make(3e-3, mesh, "D2d").field(m)) < 1e-14
    only_left = make({"left": 3e-3}, mesh).field(m)        # unnamed regions: no DMI
    assert not only_left[..., 13:, :].any()
    assert DMI({"left": (1e-3, "Cnv_z"), "right": (1e-3, "T")}).name == "DMI"
    assert DMI(1e-3, "T").name == "DMI"
    assert DMI(1e-3, "T", name="dmi").name == "dmi"


@pytest.mark.parametrize("bad,exc", [
    (lambda: DMI(1e-3, "C3v"), ValueError),
    (lambda: DMI({"left": (1e-3, "Txx")}), ValueError),
    (lambda: DMI({"left": (1e-3,)}), ValueError),
    (lambda: DMI([("left", 1e-3)]), ValueError),
    (lambda: DMI({}), ValueError),
    (lambda: DMI(1e-3, interface="harmonic"), ValueError),
    (lambda: DMI("3e-3"), TypeError),
    (lambda: make({"middle": 1e-3}, janus_mesh()), KeyError),
    (lambda: make(np.zeros((2, 2, 2)), janus_mesh()), ValueError),
])
def test_bad_parameters_raise(bad, exc):
    with pytest.raises(exc):
        bad()


# ---------------------------------------------------------------------------------------
# mumax3's sign conventions
# ---------------------------------------------------------------------------------------
def test_mumax3_mapping_from_the_energy_definitions():
    """Cnv_z (OOMMF/ubermag): D[(m·∇)m_z − m_z ∇·m]; mumax3: Dind[m_z ∇·m − (m·∇)m_z];
    T and mumax3's Dbulk: D m·(∇×m). Evaluated on an analytic texture with its exact
    gradients."""
    rng = np.random.default_rng(7)
    x, y, z = rng.uniform(-5, 5, size=(3, 200))
    # m = (sin a cos b, sin a sin b, cos a), a = 0.3x + 0.2y − 0.1z, b = 0.5y + 0.4z − 0.2x
    a, b = 0.3 * x + 0.2 * y - 0.1 * z, 0.5 * y + 0.4 * z - 0.2 * x
    ga, gb = np.array([0.3, 0.2, -0.1]), np.array([-0.2, 0.5, 0.4])
    m = np.stack([np.sin(a) * np.cos(b), np.sin(a) * np.sin(b), np.cos(a)])
    dm_da = np.stack([np.cos(a) * np.cos(b), np.cos(a) * np.sin(b), -np.sin(a)])
    dm_db = np.stack([-np.sin(a) * np.sin(b), np.sin(a) * np.cos(b), np.zeros_like(a)])
    grad = dm_da[:, None] * ga[None, :, None] + dm_db[:, None] * gb[None, :, None]  # [i, k]=∂k m_i
    D = 3.7e-3
    # the 2D operators of Cnv_z / mumax3 Dind use x and y only
    div2 = grad[0, 0] + grad[1, 1]
    mgrad_mz2 = m[0] * grad[2, 0] + m[1] * grad[2, 1]
    w_cnv = D * (mgrad_mz2 - m[2] * div2)
    Dind = mumax3_dind(D)
    w_mumax3 = Dind * (m[2] * div2 - mgrad_mz2)
    assert np.allclose(w_cnv, w_mumax3, rtol=1e-14, atol=0)
    assert Dind == -D and mumax3_dind(Dind) == D
    curl = np.stack([grad[2, 1] - grad[1, 2], grad[0, 2] - grad[2, 0], grad[1, 0] - grad[0, 1]])
    w_t = D * np.sum(m * curl, axis=0)
    assert np.allclose(w_t, mumax3_dbulk(D) * np.sum(m * curl, axis=0), rtol=1e-14, atol=0)


def _mumax3_interfacial_H(m, Dind, Ms, cell):
    """mumax3 cuda/adddmi (interior, periodic): B += (D/Ms)[(m2z−m1z)/cx, 0, −(m2x−m1x)/cx]
    + (D/Ms)[0, (m2z−m1z)/cy, −(m2y−m1y)/cy], with m1/m2 the −/+ neighbours; H = B/μ0."""
    d = {ax: np.roll(m, -1, axis) - np.roll(m, 1, axis) for ax, axis in (("x", 2), ("y", 1))}
    B = np.zeros_like(m)
    B[..., 0] += d["x"][..., 2] / cell[0]
    B[..., 2] -= d["x"][..., 0] / cell[0]
    B[..., 1] += d["y"][..., 2] / cell[1]
    B[..., 2] -= d["y"][..., 1] / cell[1]
    return Dind / Ms * B / MU0


def _mumax3_bulk_H(m, Dbulk, Ms, cell):
    """mumax3 cuda/adddmibulk (interior, periodic): x: (0, Δm_z, −Δm_y)/cx, y: (−Δm_z, 0,
    Δm_x)/cy, z (Nz > 1): (Δm_y, −Δm_x, 0)/cz, times D/Ms; Δm = m(+1) − m(−1)."""
    d = {ax: np.roll(m, -1, axis) - np.roll(m, 1, axis) for ax, axis in (("x", 2), ("y", 1), ("z", 0))}
    B = np.zeros_like(m)
    B[..., 1] += d["x"][..., 2] / cell[0]
    B[..., 2] -= d["x"][..., 1] / cell[0]
    B[..., 0] -= d["y"][..., 2] / cell[1]
    B[..., 2] += d["y"][..., 0] / cell[1]
    B[..., 0] += d["z"][..., 1] / cell[2]
    B[..., 1] -= d["z"][..., 0] / cell[2]
    return Dbulk / Ms * B / MU0


def test_mumax3_mapping_against_mumax3_stencils():
    cell = (1e-9, 1.5e-9, 2e-9)
    mesh = Mesh(n=(10, 8, 4), cell=cell, Ms=MS, pbc="xyz")
    m = random_m(mesh.shape, 8)
    D = 3.7e-3
    H_cnv = make(D, mesh, "Cnv_z").field(m)
    assert rel_err(H_cnv, _mumax3_interfacial_H(m, mumax3_dind(D), MS, cell)) < 1e-13
    assert rel_err(H_cnv, -_mumax3_interfacial_H(m, D, MS, cell)) < 1e-13   # same D: opposite
    H_t = make(D, mesh, "T").field(m)
    assert rel_err(H_t, _mumax3_bulk_H(m, mumax3_dbulk(D), MS, cell)) < 1e-13


# ---------------------------------------------------------------------------------------
# The interface: add_field accumulates, float32
# ---------------------------------------------------------------------------------------
def test_add_field_adds_into_out():
    mesh = janus_mesh(pbc="xy")
    term = make({"left": (3e-3, "Cnv_z"), "right": (3e-3, "T")}, mesh)
    m = random_m(mesh.shape, 9)
    out = np.ones_like(m)
    term.add_field(m, 0.0, out)
    term.add_field(m, 1e-9, out)
    assert rel_err(out - 1.0, 2 * term.field(m)) < 1e-13


def test_float32_follows_float64():
    m = load_m("ovf2-bin8-m.omf")
    mesh = Mesh(n=(12, 8, 2), cell=(NM, NM, NM), Ms=MS, pbc="xy")
    term = make(3e-3, mesh, "T")
    m32 = m.astype(np.float32)
    H32 = np.zeros_like(m32)
    term.add_field(m32, 0.0, H32)
    assert H32.dtype == np.float32
    assert rel_err(H32.astype(np.float64), term.field(m)) < 1e-6


def test_janus_interface_acts_on_a_uniform_state():
    """D changes across the interface, so a uniform m feels a DMI field there (as at a free
    edge): H_i = -(2/μ0 Ms)(b_i − b_{i−1}) × m with b the bond vectors D_ij d/(2Δ)."""
    DL, DR = 3.7e-3, -3.7e-3
    mesh = janus_mesh(pbc="xy")
    mvec = unit(np.array([0.2, 0.4, 0.9]))
    m = np.broadcast_to(mvec, mesh.shape + (3,)).copy()
    H = make({"left": (DL, "Cnv_z"), "right": (DR, "T")}, mesh).field(m)
    cols = np.flatnonzero(np.abs(H).max(axis=(0, 1, 3)) > 0)
    assert cols.tolist() == [0, 11, 12, 23]          # the interface and the periodic seam
    ex = np.array([1.0, 0.0, 0.0])
    b_mid = (DL / 2 * dmi_vector("Cnv_z", ex) + DR / 2 * dmi_vector("T", ex)) / (2 * NM)
    b_left, b_right = DL * dmi_vector("Cnv_z", ex) / (2 * NM), DR * dmi_vector("T", ex) / (2 * NM)
    expect_11 = -2 / (MU0 * MS) * np.cross(b_mid - b_left, mvec)
    expect_12 = -2 / (MU0 * MS) * np.cross(b_right - b_mid, mvec)
    assert np.allclose(H[0, :, 11], expect_11, rtol=1e-13, atol=0)
    assert np.allclose(H[0, :, 12], expect_12, rtol=1e-13, atol=0)
