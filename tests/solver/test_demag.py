"""The demag term (orchestrator/solver/terms/demag.py) and the Newell tensor
(orchestrator/solver/terms/newell.py): OOMMF's demag field and energies, the tensor
against a 40-digit evaluation of Newell's formula, analytic demagnetising factors
(Aharoni's prism, a thin film, an infinitely periodic film), a direct O(N²) sum with
vacuum and periodic images (mumax3's SetPBC window), and symmetries.

Tolerances: the tensor is accurate to ~1e-16 absolute (self term ~1/3), as OOMMF's
is, and a double-precision FFT convolution rounds at ~1e-15 of max|H|; comparisons
of fields therefore use 1e-12 relative to max|H| (1000× the achieved ~1e-15, and
1000× tighter than the 1e-9 the solver issue asks), unless stated otherwise.
"""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest

from analysis.odt import read_odt
from analysis.ovf import read_ovf
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.base import MU0
from orchestrator.solver.terms.demag import Demag
from orchestrator.solver.terms.newell import (
    COMPONENTS, demag_kernel, newell_f, newell_g, tensor_asymptotic, tensor_at, tensor_exact,
)
from oommf_data import OOMMF, load_m, random_m, rel_err

NM = 1e-9
FIELD_TOL = 1e-12     # relative to max|H|; see the module docstring


def make(mesh: Mesh, **kw) -> Demag:
    term = Demag(**kw)
    term.setup(mesh)
    return term


def tensor(offset, cell) -> np.ndarray:
    """The 3×3 tensor at an integer offset of any sign (from the non-negative one by parity)."""
    a = [abs(int(v)) for v in offset]
    t = tensor_at((1, 1, 1), cell, start=a)
    N = np.empty((3, 3))
    idx = {"xx": (0, 0), "yy": (1, 1), "zz": (2, 2), "xy": (0, 1), "xz": (0, 2), "yz": (1, 2)}
    for name, par in COMPONENTS.items():
        s = np.prod([p if o < 0 else 1 for p, o in zip(par, offset)])
        i, j = idx[name]
        N[i, j] = N[j, i] = s * t[name][0, 0, 0]
    return N


def direct_field(m, mesh: Mesh, repeats=(0, 0, 0)) -> np.ndarray:
    """H_i = -sum_j sum_images N(r_i - r_j) Ms_j m_j, cell by cell; along a periodic axis the
    images are every offset d + s n with |d + s n| <= P n - 1 (mumax3's SetPBC window)."""
    nz, ny, nx = mesh.shape
    n = (nx, ny, nz)
    M = mesh.Ms[..., None] * m
    cells = list(itertools.product(range(nx), range(ny), range(nz)))
    cache = {}
    H = np.zeros_like(m)
    for i in cells:
        for j in cells:
            d = [i[a] - j[a] for a in range(3)]
            shifts = []
            for a in range(3):
                if repeats[a]:
                    lim = repeats[a] * n[a] - 1
                    shifts.append([d[a] + s * n[a] for s in range(-repeats[a] - 1, repeats[a] + 2)
                                   if abs(d[a] + s * n[a]) <= lim])
                else:
                    shifts.append([d[a]])
            for off in itertools.product(*shifts):
                if off not in cache:
                    cache[off] = tensor(off, mesh.cell)
                H[i[2], i[1], i[0]] -= cache[off] @ M[j[2], j[1], j[0]]
    return H


# ----------------------------------------------------------------------------------
# OOMMF

@pytest.mark.parametrize("dmi", ["Cnv_z", "T", "D2d_z"])
def test_field_and_energy_match_oommf(dmi):
    """fixture_fields.mif: Oxs_Demag's field of ovf2-bin8-m.omf (12×8×2 cells of 1 nm,
    Ms = 580e3). Achieved: 7.7e-16 of max|H| (2.3e-10 A/m), energy 2.5e-16."""
    mesh = Mesh(n=(12, 8, 2), cell=(NM, NM, NM), Ms=580e3)
    m = load_m("ovf2-bin8-m.omf")
    term = make(mesh)
    H = term.field(m)
    ref = np.asarray(read_ovf(OOMMF / f"fields_{dmi}_6ngbr_pbc0-Demag-Field.ohf").values)
    assert rel_err(H, ref) < FIELD_TOL
    E_ref = read_odt(OOMMF / f"fields_{dmi}_6ngbr_pbc0.odt")["E_Demag"].iloc[0]
    assert term.energy(m, H=H) == pytest.approx(E_ref, rel=FIELD_TOL)


@pytest.mark.parametrize("kernel", ["6ngbr", "12ngbr"])
def test_skyrmion_energy_matches_oommf(kernel):
    """fixture_skyrmion.mif: the relaxed 40×40×1 state's E_Demag. Achieved 4e-16."""
    mesh = Mesh(n=(40, 40, 1), cell=(NM, NM, NM), Ms=580e3)
    m = load_m(f"skyrmion_{kernel}-MinDriver-Magnetization.omf")
    E_ref = read_odt(OOMMF / f"skyrmion_{kernel}.odt")["E_Demag"].iloc[0]
    assert make(mesh).energy(m) == pytest.approx(E_ref, rel=FIELD_TOL)


def test_sp4_energy_matches_oommf():
    """muMAG standard problem 4's s-state (200×50×1 cells of 2.5×2.5×3 nm, Ms 8e5) against
    the first row of sp4.odt. Achieved 6.8e-14: the energy of 10⁴ nearly parallel cells
    sums 10⁸ pair terms coherently, so a 1e-17 difference in far tensor elements (the
    accuracy of both evaluations) shows at ~1e-13; 1e-12 allows for that."""
    mesh = Mesh(n=(200, 50, 1), cell=(2.5 * NM, 2.5 * NM, 3 * NM), Ms=8e5)
    m = load_m("sp4-sstate.omf")
    E_ref = read_odt(OOMMF / "sp4.odt")["E_Demag"].iloc[0]
    assert make(mesh).energy(m) == pytest.approx(E_ref, rel=1e-12)


# ----------------------------------------------------------------------------------
# The tensor

def _mp_tensor(offset, cell):
    """Newell's formula (27-point sixth difference of f and g) at 40 digits."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40

    def f(x, y, z):
        x, y, z = abs(x), abs(y), abs(z)
        xx, yy, zz = x * x, y * y, z * z
        R = mp.sqrt(xx + yy + zz)
        if R == 0:
            return mp.mpf(0)
        s = 2 * (2 * xx - yy - zz) * R
        if x * y * z > 0:
            s -= 12 * x * y * z * mp.atan2(y * z, x * R)
        if y > 0 and xx + zz > 0:
            s += 3 * y * (zz - xx) * mp.log1p(2 * y * (y + R) / (xx + zz))
        if xx + yy > 0:
            s += 3 * z * (yy - xx) * mp.log1p(2 * z * (z + R) / (xx + yy))
        return s / 12

    def g(x, y, z):
        sg = (1 if x >= 0 else -1) * (1 if y >= 0 else -1)
        x, y, z = abs(x), abs(y), abs(z)
        xx, yy, zz = x * x, y * y, z * z
        R = mp.sqrt(xx + yy + zz)
        if R == 0:
            return mp.mpf(0)
        s = -2 * x * y * R
        if z > 0:
            s -= (z * zz * mp.atan2(x * y, z * R) + 3 * z * yy * mp.atan2(x * z, y * R)
                  + 3 * z * xx * mp.atan2(y * z, x * R))
            if xx + yy > 0:
                s += 3 * x * y * z * mp.log1p(2 * z * (z + R) / (xx + yy))
        if yy + zz > 0:
            s += y * (3 * zz - yy) * mp.log1p(2 * x * (x + R) / (yy + zz)) / 2
        if xx + zz > 0:
            s += x * (3 * zz - xx) * mp.log1p(2 * y * (y + R) / (xx + zz)) / 2
        return sg * s / 6

    dx, dy, dz = (mp.mpf(c) for c in cell)
    X, Y, Z = offset[0] * dx, offset[1] * dy, offset[2] * dz
    w = {-1: 1, 0: -2, 1: 1}
    funcs = {"xx": lambda a, b, c: f(a, b, c), "yy": lambda a, b, c: f(b, a, c),
             "zz": lambda a, b, c: f(c, b, a), "xy": lambda a, b, c: g(a, b, c),
             "xz": lambda a, b, c: g(a, c, b), "yz": lambda a, b, c: g(b, c, a)}
    out = {}
    for name, fn in funcs.items():
        s = mp.mpf(0)
        for i, j, k in itertools.product((-1, 0, 1), repeat=3):
            s += w[i] * w[j] * w[k] * fn(X + i * dx, Y + j * dy, Z + k * dz)
        out[name] = float(-s / (4 * mp.pi * dx * dy * dz))
    return out


@pytest.mark.parametrize("cell", [(1, 1, 1), (2.5, 2.5, 3), (1, 1, 0.25), (1, 2, 3)])
def test_tensor_matches_40_digit_newell(cell):
    """The mixed evaluation (long-double closed form within 12 cells, Taylor expansion
    beyond) against Newell's formula at 40 digits, near, around the crossover and far:
    within 2e-16 absolute (measured ≤ 1.1e-16; OOMMF 2 aims at 8 machine epsilons)."""
    offsets = [(0, 0, 0), (1, 0, 0), (1, 1, 1), (3, 2, 1), (7, 5, 0), (11, 3, 2), (12, 0, 0),
               (9, 8, 0), (13, 4, 1), (25, 30, 0), (40, 13, 7), (150, 20, 0)]
    for off in offsets:
        ref = _mp_tensor(off, cell)
        got = tensor_at((1, 1, 1), cell, start=off)
        for name in COMPONENTS:
            assert abs(got[name][0, 0, 0] - ref[name]) < 2e-16, (off, name)


def test_asymptotic_expansion_converges():
    """At 30 cells the point dipole is off by O((h/r)²) and each order gains ~(h/r)²."""
    cell = (1.0, 1.0, 0.5)
    ref = tensor_exact((1, 1, 1), cell, start=(24, 18, 0))
    errs = []
    for order in (0, 2, 4, 6):
        a = tensor_asymptotic(24.0, 18.0, 0.0, cell, order=order)
        errs.append(max(abs(float(a[k]) - ref[k][0, 0, 0]) for k in ("xx", "yy", "zz", "xy")))
    scale = abs(ref["zz"][0, 0, 0])
    assert errs[0] < 1e-2 * scale
    assert all(e2 < e1 / 100 for e1, e2 in zip(errs[:-2], errs[1:-1]))


@pytest.mark.parametrize("cell", [(1, 1, 1), (2, 3, 5), (4, 4, 1), (1, 1, 0.02)])
def test_self_term_has_unit_trace(cell):
    """Nxx + Nyy + Nzz = 1 for a cell on its own (the cube: 1/3 each)."""
    t = tensor_at((1, 1, 1), cell)
    tr = t["xx"][0, 0, 0] + t["yy"][0, 0, 0] + t["zz"][0, 0, 0]
    assert tr == pytest.approx(1.0, abs=1e-15)
    if len(set(cell)) == 1:
        assert t["xx"][0, 0, 0] == pytest.approx(1 / 3, abs=1e-16)
    for k in ("xy", "xz", "yz"):
        assert t[k][0, 0, 0] == 0


def test_tensor_parities_and_permutation_symmetry():
    """Diagonal components are even in every axis, Nxy odd in x and y (even in z), ...;
    the closed form evaluated at negative offsets agrees with the parity rule, and
    permuting axes (offsets and cell edges together) permutes the components."""
    cell = (1.0, 1.5, 0.7)
    t = tensor_exact((4, 4, 4), cell, start=(-2, -2, -2))   # offsets -2 .. 1
    for name, par in COMPONENTS.items():
        a = t[name]
        for axis, p in zip((2, 1, 0), par):              # arrays are (z, y, x)
            # offsets -1, 0, 1 sit at indices 1, 2, 3: mirror about index 2
            mirrored = np.flip(a[tuple(slice(1, 4) if ax == axis else slice(None)
                                       for ax in range(3))], axis=axis)
            orig = a[tuple(slice(1, 4) if ax == axis else slice(None) for ax in range(3))]
            np.testing.assert_allclose(mirrored, p * orig, rtol=0, atol=1e-17)
    # swap x and y: Nxx(x,y,z; dx,dy,dz) = Nyy(y,x,z; dy,dx,dz), Nxz <-> Nyz
    a = tensor_exact((1, 1, 1), cell, start=(3, 2, 1))
    b = tensor_exact((1, 1, 1), (cell[1], cell[0], cell[2]), start=(2, 3, 1))
    for k1, k2 in [("xx", "yy"), ("yy", "xx"), ("zz", "zz"), ("xy", "xy"), ("xz", "yz")]:
        assert a[k1][0, 0, 0] == pytest.approx(b[k2][0, 0, 0], abs=1e-18)


def test_newell_functions_are_finite_on_axes():
    """f and g at points on the axes and planes (where their logs and arctans degenerate)."""
    pts = np.array([0.0, 1.0, 2.0])
    X, Y, Z = np.meshgrid(pts, pts, pts, indexing="ij")
    assert np.isfinite(newell_f(X, Y, Z)).all()
    assert np.isfinite(newell_g(X, Y, Z)).all()
    assert newell_f(0.0, 0.0, 0.0) == 0 and newell_g(0.0, 0.0, 0.0) == 0


# ----------------------------------------------------------------------------------
# Analytic demagnetising factors

def aharoni(a, b, c):
    """Magnetometric demagnetising factor of a 2a × 2b × 2c prism along c: A. Aharoni,
    J. Appl. Phys. 83, 3432 (1998), eq. (1), at 30 digits."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    a, b, c = mp.mpf(a), mp.mpf(b), mp.mpf(c)
    r = mp.sqrt(a * a + b * b + c * c)
    rab, rbc, rac = mp.sqrt(a * a + b * b), mp.sqrt(b * b + c * c), mp.sqrt(a * a + c * c)
    s = ((b * b - c * c) / (2 * b * c) * mp.log((r - a) / (r + a))
         + (a * a - c * c) / (2 * a * c) * mp.log((r - b) / (r + b))
         + b / (2 * c) * mp.log((rab + a) / (rab - a))
         + a / (2 * c) * mp.log((rab + b) / (rab - b))
         + c / (2 * a) * mp.log((rbc - b) / (rbc + b))
         + c / (2 * b) * mp.log((rac - a) / (rac + a))
         + 2 * mp.atan(a * b / (c * r)) + (a ** 3 + b ** 3 - 2 * c ** 3) / (3 * a * b * c)
         + (a * a + b * b - 2 * c * c) / (3 * a * b * c) * r + c / (a * b) * (rac + rbc)
         - (rab ** 3 + rbc ** 3 + rac ** 3) / (3 * a * b * c))
    return float(s / mp.pi)


def prism_factors(n, cell):
    """Aharoni's (Nx, Ny, Nz) for the prism that the mesh fills."""
    a, b, c = (n[i] * cell[i] / 2 for i in range(3))
    return aharoni(b, c, a), aharoni(c, a, b), aharoni(a, b, c)


def mean_factors(mesh, **kw):
    """-<H>/Ms for m uniform along x, y, z: the mesh's magnetometric factors."""
    term = make(mesh, **kw)
    out = []
    for c in range(3):
        m = np.zeros(mesh.shape + (3,))
        m[..., c] = 1
        out.append(-term.field(m)[..., c].mean() / mesh.Ms.flat[0])
    return out


@pytest.mark.parametrize("n, cell", [((6, 4, 3), (1.0, 1.5, 2.0)), ((8, 8, 8), (1, 1, 1)),
                                     ((5, 7, 1), (2.0, 1.0, 3.0))])
def test_uniform_prism_gives_aharoni_factors(n, cell):
    """Newell's tensor is exact for uniform magnetisation, so the mean field of a uniformly
    magnetised prism of cells is Aharoni's closed form (the cube: 1/3); they sum to 1.
    Tolerance 1e-13: the mean of an FFT convolution rounds at ~1e-15."""
    mesh = Mesh(n=n, cell=tuple(c * NM for c in cell), Ms=7e5)
    got = mean_factors(mesh)
    want = prism_factors(n, cell)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13)
    assert sum(got) == pytest.approx(1.0, abs=1e-13)
    if len(set(n)) == 1 and len(set(cell)) == 1:
        np.testing.assert_allclose(got, 1 / 3, atol=1e-13)


def test_thin_film_factors():
    """A 200×200×1 film of 4×4×1 nm cells: Aharoni's factors (Nzz = 0.9887, Nxx = Nyy =
    0.0056), and Nzz → 1 as the film widens (16, 64, 200 cells a side)."""
    nzz = []
    for side in (16, 64, 200):
        mesh = Mesh(n=(side, side, 1), cell=(4 * NM, 4 * NM, 1 * NM), Ms=8e5)
        got = mean_factors(mesh)
        np.testing.assert_allclose(got, prism_factors((side, side, 1), (4, 4, 1)),
                                   rtol=0, atol=1e-13)
        nzz.append(got[2])
    assert nzz[0] < nzz[1] < nzz[2] and 1 - nzz[2] < 0.012
    assert got[0] == pytest.approx(got[1], abs=1e-14) and got[0] < 0.006


def test_periodic_film_tends_to_full_demagnetisation():
    """A film periodic in x and y, magnetised along z, sees -Ms ẑ in the limit. With P
    images (mumax3 window: |offset| <= P n - 1) every cell sees the centre of a square
    plate (2Pn - 1) cells wide: the field agrees with the plate's centre field
    Hz = -(2Ms/π) asin(a²/(a² + c²)) (a, c the half width and thickness) to the
    variation of that field over one cell (~(c/a)² here, below 1e-6), and 1 + Hz/Ms
    falls as 1/P. In-plane magnetisation sees almost no field."""
    n, cell, Ms = (4, 4, 1), (1 * NM, 1 * NM, 1 * NM), 6e5
    dev = []
    for P in (10, 50, 200):
        mesh = Mesh(n=n, cell=cell, pbc="xy", pbc_repeats=(P, P, 0), Ms=Ms)
        term = make(mesh)
        m = np.zeros(mesh.shape + (3,))
        m[..., 2] = 1
        H = term.field(m)
        assert np.ptp(H[..., 2]) < 1e-9 * Ms                     # every cell alike
        a, c = (2 * P * n[0] - 1) * cell[0] / 2, cell[2] / 2
        plate = -(2 * Ms / math.pi) * math.asin(a * a / (a * a + c * c))
        assert H[..., 2].mean() == pytest.approx(plate, rel=1e-9)
        dev.append(1 + H[..., 2].mean() / Ms)
        m = np.zeros(mesh.shape + (3,))
        m[..., 0] = 1
        assert term.field(m)[..., 0].mean() / Ms == pytest.approx(-dev[-1] / 2, abs=1e-12)
    assert dev[0] > dev[1] > dev[2] > 0 and dev[2] < 1e-3
    assert dev[0] / dev[2] == pytest.approx(20, rel=0.05)          # ∝ 1/P


# ----------------------------------------------------------------------------------
# Against a direct sum: vacuum, non-cubic cells, 3D, periodic images

@pytest.mark.parametrize("n, cell, pbc, reps", [
    ((5, 4, 3), (1.0, 1.3, 0.8), "", (0, 0, 0)),
    ((6, 5, 1), (2.0, 2.0, 1.0), "", (0, 0, 0)),
    ((5, 4, 2), (1.0, 1.0, 1.0), "x", (2, 0, 0)),
    ((4, 3, 2), (1.0, 2.0, 1.5), "xz", (1, 0, 3)),
    ((3, 4, 1), (1.0, 1.0, 2.0), "xy", (2, 1, 0)),
])
def test_matches_direct_sum(n, cell, pbc, reps):
    """The FFT convolution against the cell-by-cell double sum over sources (and images),
    with per-cell Ms including vacuum cells holding an arbitrary m."""
    mesh = Mesh(n=n, cell=tuple(c * NM for c in cell), pbc=pbc, pbc_repeats=reps)
    rng = np.random.default_rng(1)
    Ms = rng.uniform(2e5, 9e5, mesh.shape)
    Ms[rng.random(mesh.shape) < 0.25] = 0
    mesh.Ms = Ms
    m = random_m(mesh.shape, seed=2)
    H = make(mesh).field(m)
    ref = direct_field(m, mesh, repeats=[reps[a] if ax in pbc else 0
                                         for a, ax in enumerate("xyz")])
    assert rel_err(H, ref) < FIELD_TOL


def test_vacuum_cells_contribute_nothing():
    """A magnet inside a larger mesh of vacuum: the field in the magnet equals that of the
    magnet on its own mesh, whatever m holds in the vacuum."""
    small = Mesh(n=(6, 5, 2), cell=(NM, 2 * NM, NM), Ms=8e5)
    m_small = random_m(small.shape, seed=3)
    Ms = np.zeros((3, 9, 10))
    Ms[1:3, 2:7, 3:9] = 8e5
    big = Mesh(n=(10, 9, 3), cell=(NM, 2 * NM, NM), Ms=Ms)
    m_big = random_m(big.shape, seed=4)
    m_big[1:3, 2:7, 3:9] = m_small
    H_big = make(big).field(m_big)[1:3, 2:7, 3:9]
    H_small = make(small).field(m_small)
    assert rel_err(H_big, H_small) < FIELD_TOL


# ----------------------------------------------------------------------------------
# Symmetries and the operator

def test_field_is_odd_and_reciprocal_and_energy_positive():
    """H(-m) = -H(m) exactly (every operation is sign-symmetric); <M1, H(M2)> = <M2, H(M1)>
    (N is symmetric: reciprocity, to rounding); the energy is positive."""
    mesh = Mesh(n=(9, 7, 3), cell=(NM, 1.5 * NM, 2 * NM),
                Ms=np.random.default_rng(5).uniform(1e5, 8e5, (3, 7, 9)))
    term = make(mesh)
    m1, m2 = random_m(mesh.shape, 6), random_m(mesh.shape, 7)
    H1, H2 = term.field(m1), term.field(m2)
    np.testing.assert_array_equal(term.field(-m1), -H1)
    a = np.sum(mesh.Ms[..., None] * m1 * H2)
    b = np.sum(mesh.Ms[..., None] * m2 * H1)
    assert a == pytest.approx(b, rel=1e-13)
    assert term.energy(m1) > 0 and term.energy(m2) > 0
    # the base-class energy: E = -(μ0/2) Σ Ms m·H V
    E = -0.5 * MU0 * np.sum(mesh.Ms[..., None] * m1 * H1) * mesh.cell_volume
    assert term.energy(m1, H=H1) == pytest.approx(E, rel=1e-14)


def test_kernel_is_symmetric_in_space():
    """The folded kernel obeys each component's parity under offset -> -offset (mod L), to
    the rounding of sums over periodic images taken in different orders."""
    K = demag_kernel((5, 4, 3), (1.0, 1.2, 0.9), repeats=(2, 0, 0))
    for name, par in COMPONENTS.items():
        k = K[name]
        neg = np.roll(np.flip(k, axis=(0, 1, 2)), 1, axis=(0, 1, 2))   # K[-i mod L]
        sign = par[0] * par[1] * par[2]
        np.testing.assert_allclose(neg, sign * k, rtol=1e-15, atol=1e-18)


def test_adds_into_out_and_options_agree():
    """add_field adds; threads and block sizes do not change the result (bitwise);
    float32 agrees to single precision; the term deep-copies (for a second simulation)."""
    mesh = Mesh(n=(40, 24, 2), cell=(2 * NM, 2 * NM, 1 * NM), Ms=8e5)
    m = random_m(mesh.shape, 8)
    ref = make(mesh, threads=1).field(m)
    for kw in ({"threads": 2}, {"threads": 3, "block_bytes": 4096}, {"block_bytes": 1 << 24}):
        np.testing.assert_array_equal(make(mesh, **kw).field(m), ref)
    term = make(mesh, threads=2)
    out = np.ones_like(m)
    term.add_field(m, 0.0, out)
    np.testing.assert_allclose(out, ref + 1, rtol=1e-15, atol=1e-9)
    assert rel_err(copy.deepcopy(term).field(m), ref) == 0
    assert rel_err(make(mesh, dtype=np.float32).field(m), ref) < 1e-5


def test_periodic_axis_needs_repeats():
    mesh = Mesh(n=(4, 4, 1), cell=(NM, NM, NM), pbc="x", Ms=8e5)
    with pytest.raises(ValueError, match="pbc_repeats"):
        make(mesh)
    term = make(mesh, pbc_repeats=(3, 0, 0))   # the term's own count overrides the mesh's
    assert term.repeats == (3, 0, 0)
