"""Energy-density maps ε_μ (:mod:`analysis.energy`) and the paper-004 force ``∬_R −∇ε dS``
with ``valid=`` (:func:`analysis.forces.energy_density_force`); design flower.md §4.3.

(a) the maps of a small built-in run (a flower with a capping island and vacuum around
it; exchange, Cnv_z DMI, uniaxial anisotropy, demag, a strain drive and a field drive)
sum to the table's per-term energies; (b) ``valid=`` makes a uniform state in a flower
force-free, and without it the edge gives a spurious force (the regression); (c) a rigid
analytic skyrmion in a periodic film feels no energy-density force (translation
invariance) and, over a disk on which ε has decayed, only the boundary's share.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import xarray as xr

import analysis
from analysis.derivatives import derivative
from analysis.energy import energy_densities
from analysis.forces import disk_mask, energy_density_force
from analysis.textures import cell_centres, skyrmion
from mmstudy.constants import MU0
from orchestrator.backends.builtin import build_simulation, run_study_point
from orchestrator.study import validate_study
from orchestrator.study.shapes import Flower, RegularPolygon
from orchestrator.study.sweep import study_data

EPS = np.finfo(np.float64).eps
CELL = (1.5e-9, 1.5e-9, 1e-9)
FLOWER = {"type": "flower", "centre": ["24 nm", "22 nm"], "a": "14 nm", "b": "7 nm"}
CAP = {"type": "regular_polygon", "centre": ["24 nm", "22 nm"], "sides": 3, "side": "8 nm",
       "angle": "90 deg"}
K_FILM, K_CAP = 0.8e6, 0.93e6


def _study(*, cap: bool = True, demag: bool = True, initial=None, stages=None):
    regions = [{"name": "film", "shape": FLOWER}]
    materials = {"default": {"Ms": "580 kA/m", "A": "15 pJ/m", "alpha": 0.5,
                             "dmi": {"D": "-3 mJ/m^2", "class": "Cnv_z"},
                             "K": K_FILM, "K_axis": [0, 0, 1]}}
    if cap:  # listed last: it wins over the film where they overlap
        regions.append({"name": "cap", "shape": CAP})
        materials["cap"] = {"K": K_CAP}
    return validate_study({
        "name": "energy_maps", "mesh": {"n": [32, 32, 1], "cell": list(CELL)},
        "regions": regions, "materials": materials, "energy": {"demag": demag},
        "drives": {"strain": {"type": "anisotropy", "K": "0.2 MJ/m^3",
                              "axis": [0.8660254037844386, 0.5, 0]},
                   "h": {"type": "field", "H": [0, 0, "20 mT"]}},
        "initial": initial or {"type": "skyrmions", "skyrmions": [
            {"centre": ["24 nm", "22 nm"], "radius": "4 nm", "polarity": -1}]},
        "stages": stages or [{"type": "evolve", "duration": "4 ps", "save_every": "2 ps",
                              "fields": ["m", "exch", "DMI", "anis", "Demag", "strain", "h"]}]})


TERMS = ["exch", "DMI", "anis", "Demag", "strain", "h"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same 4-ps run saved in bin8 and in bin4, each in a point folder with point.json."""
    study = _study()
    out = {}
    for rep in ("bin8", "bin4"):
        point = tmp_path_factory.mktemp(rep)
        (point / "point.json").write_text(json.dumps({"study": study_data(study)}))
        run_study_point(study, point / "run.out", log=io.StringIO(), representation=rep)
        out[rep] = analysis.open_run(point / "run.out")
    return out


def _anisotropy_offset(ds: xr.Dataset) -> float:
    """Σ K1 V over the magnetic cells: the constant by which the solver's table (OOMMF's
    K1(1 − m_z²)) exceeds the field rule's −K1 m_z²; K1 per cell from the shapes."""
    X, Y = np.meshgrid(ds.x.values, ds.y.values)
    cap = RegularPolygon(**CAP).contains(X, Y, np.zeros_like(X))
    magnetic = ds.Ms.isel(z=0).values > 0
    K = np.where(magnetic, np.where(cap, K_CAP, K_FILM), 0.0)
    assert 0 < (cap & magnetic).sum() < magnetic.sum()  # both regions are there
    return float(K.sum() * CELL[0] * CELL[1] * CELL[2])


def test_maps_sum_to_the_table_energies(runs):
    ds = runs["bin8"]
    eps = energy_densities(ds)  # every saved field; factors from point.json's drives
    assert sorted(eps.data_vars) == sorted(f"eps_{t}" for t in TERMS)
    assert eps.eps_h.attrs["factor"] == 1.0 and eps.eps_strain.attrs["factor"] == 0.5
    assert eps.eps_exch.dims == ("t", "y", "x") and eps.eps_exch.attrs["units"] == "J/m^2"
    area = CELL[0] * CELL[1]
    saved = ds.t.values > 0  # the built-in solver saves no term field at the first frame
    vacuum = ds.Ms.isel(z=0).values == 0
    offset = _anisotropy_offset(ds)
    for term in TERMS:
        e = eps[f"eps_{term}"]
        assert np.isnan(e.values[~saved]).all()
        assert (e.values[saved][:, vacuum] == 0.0).all()  # vacuum cells get exactly 0
        S = (e * area).sum(("x", "y"), skipna=False).values[saved]
        E = ds[f"E_{term}"].values[saved]
        if term == "anis":  # the material anisotropy's documented offset (energy_offset=True)
            S = S + offset
        # Both sides are the same float64 products −f μ0 Ms m·H per cell, summed in another
        # order (and the anisotropy's K(1 − m_z²) vs K − K m_z²: |m|² = 1 to 4e-16 here), so
        # they differ by rounding: at most N·eps·Σ|terms| for N = 1024 cells (2.3e-13 of
        # Σ|ε|·A, which is ≥ |E|; Σ|ε|·A + offset for anis). 1e-12 of that is a safe bound,
        # stricter than the brief's 1e-9 relative; the measured difference is ~1e-16.
        scale = (np.abs(e) * area).sum(("x", "y")).values[saved] + (offset if term == "anis"
                                                                   else 0.0)
        np.testing.assert_array_less(np.abs(S - E), 1e-12 * scale, err_msg=term)
        np.testing.assert_allclose(S, E, rtol=1e-9, atol=0, err_msg=term)


def test_float32_snapshots_agree_to_their_rounding(runs):
    ds = runs["bin4"]
    eps = energy_densities(ds, TERMS)
    area = CELL[0] * CELL[1]
    m = ds.m.astype("f8")
    for term in TERMS:
        H = ds[f"H_{term}"].astype("f8")
        f = eps[f"eps_{term}"].attrs["factor"]
        # bin4 rounds m and H to float32 (relative 2^-24 each), so each cell's m·H is off by
        # at most ~3·2^-24 of Σ_c|m_c H_c| (two roundings and the float64 product); 2^-21
        # (≈ 8 of those) bounds the sum's error with room, about 5e-7 of Σ f μ0 Ms |m||H| V.
        bound = (2.0 ** -21 * f * MU0 * ds.Ms * CELL[2] * area
                 * np.abs(m * H).sum("c")).sum(("z", "y", "x")).values[1:]
        S = (eps[f"eps_{term}"] * area).sum(("x", "y")).values[1:]
        S = S + (_anisotropy_offset(ds) if term == "anis" else 0.0)
        np.testing.assert_array_less(np.abs(S - ds[f"E_{term}"].values[1:]), bound,
                                     err_msg=term)


def test_factors_are_refused_or_given(runs):
    ds = runs["bin8"].copy()
    ds.attrs = {k: v for k, v in ds.attrs.items() if k != "source"}  # no point.json
    with pytest.raises(ValueError, match="'h'"):
        energy_densities(ds, ["exch", "h"])
    same = energy_densities(ds, {"H_exch": 0.5, "h": 1.0})
    ref = energy_densities(runs["bin8"], ["exch", "h"])
    xr.testing.assert_identical(same.eps_h, ref.eps_h)
    np.testing.assert_array_equal(same.eps_exch.values, ref.eps_exch.values)
    # thickness= scales the areal density linearly
    twice = energy_densities(ds, {"exch": 0.5}, thickness=2 * CELL[2])
    np.testing.assert_allclose(twice.eps_exch.values, 2 * ref.eps_exch.values, rtol=1e-15)


# --------------------------------------------------------------------------- (b) valid=

def _uniform_state_maps():
    """ε of every term (no demag) for m = +z in a flower of one material, as the solver's
    terms compute their fields; and the magnetic cells."""
    sim, _ = build_simulation(_study(cap=False, demag=False))
    sim.set_m([0.0, 0.0, 1.0])
    names = [t.name for t in sim.terms]
    assert sorted(names) == sorted(["exch", "DMI", "anis", "strain", "h"])
    dims = ("z", "y", "x", "c")
    ds = xr.Dataset({"m": (dims, np.asarray(sim.m)), "Ms": (dims[:3], sim.mesh.Ms)},
                    attrs={"cell": CELL, "pbc": ""})
    for t in sim.terms:
        ds[f"H_{t.name}"] = xr.DataArray(np.asarray(t.field(sim.m, 0.0)), dims=dims,
                                         attrs={"units": "A/m"})
    eps = energy_densities(ds, {"exch": .5, "DMI": .5, "anis": .5, "strain": .5, "h": 1.0})
    return eps, sim.mesh.Ms[0] > 0


def test_valid_makes_a_uniform_state_force_free():
    """Demag is left out: its density ½μ0Ms²d N_zz(r) is not uniform in a finite magnet,
    so a genuine force acts on a uniform state; every other term has a uniform ε (exch,
    DMI and the in-plane strain: 0; anisotropy −K d; Zeeman −μ0 Ms H d)."""
    eps, magnetic = _uniform_state_maps()
    x = cell_centres(32, CELL[0])
    flower = Flower(**FLOWER)
    tip = np.asarray(flower.centre) + (flower.central_triangle().inradius + flower.a) \
        * np.array([0.0, 1.0])  # the upper petal's tip: a disk there crosses the edge
    regions = {"tip": disk_mask(x, x, tip, 6e-9), "left": disk_mask(x, x, (10e-9, 14e-9), 6e-9),
               "all": np.ones_like(magnetic), "magnet": magnetic}
    h = CELL[0]
    for term in ["exch", "DMI", "anis", "strain", "h"]:
        e = eps[f"eps_{term}"].values
        c = float(np.abs(e).max())
        assert np.ptp(e[magnetic]) == 0.0  # uniform on the magnet
        for name, R in regions.items():
            F = energy_density_force(e, cell=CELL, region=R, valid=magnetic)
            # a constant differenced inside the magnet (central, or one-sided
            # −½c + 2c − 3/2c) is 0 in floating point too; the bound N·eps·|c|·h per
            # component would allow for rounding of N ≤ 1024 terms of size ≤ |c|h
            tol = 1024 * EPS * c * h
            assert abs(F[0]) <= tol and abs(F[1]) <= tol, (term, name, F)
            spurious = energy_density_force(e, cell=CELL, region=R)
            # (over the whole mesh or the whole magnet the steps cancel row by row: the
            # central differences telescope to the vacuum's 0 on both sides)
            if c > 0 and name in ("tip", "left"):
                # the regression: without valid= the step to the vacuum's 0 at the edge
                # acts as a force; a half step c/2 per row crossing the edge, i.e. at
                # least |c|·h/2 for a region crossing the edge, ≫ the rounding bound
                assert max(abs(F) for F in spurious) >= 0.5 * c * h, (term, name, spurious)
    # the constant maps (anisotropy and Zeeman) are the ones that gave spurious forces
    assert eps.eps_anis.values[magnetic].max() < 0 and eps.eps_h.values[magnetic].max() < 0
    assert (eps.eps_exch.values == 0).all() and (eps.eps_DMI.values == 0).all()


def test_default_valid_is_unchanged():
    """Without valid= every cell counts (the behaviour before valid= existed)."""
    rng = np.random.default_rng(4)
    e = rng.standard_normal((12, 10)) * 1e-3
    R = rng.random((12, 10)) > 0.4
    for pbc in ("", "xy"):
        a = energy_density_force(e, cell=(1e-9, 2e-9), region=R, pbc=pbc)
        b = energy_density_force(e, cell=(1e-9, 2e-9), region=R, pbc=pbc,
                                 valid=np.ones_like(R))
        assert a == b
    with pytest.raises(ValueError, match="shape"):
        energy_density_force(e, cell=(1e-9, 1e-9), region=R, valid=np.ones((3, 3), bool))


# --------------------------------------------------------------------------- (c) invariance

def _exchange_density(x, y, centre, radius, wall, box, A, d):
    """A d (θ'² + sin²θ/r²) of :func:`analysis.textures.skyrmion`'s dw360 profile
    θ = 2 atan(sinh(R/w)/sinh(r/w)) (vorticity 1), in J/m², by hand."""
    X, Y = np.meshgrid(x, y)
    dX = (X - centre[0] + box[0] / 2) % box[0] - box[0] / 2
    dY = (Y - centre[1] + box[1] / 2) % box[1] - box[1] / 2
    r = np.hypot(dX, dY)
    s, u = np.sinh(radius / wall), np.sinh(r / wall)
    theta = 2 * np.arctan2(s, u)
    dtheta = -2 * s * np.cosh(r / wall) / (wall * (u * u + s * s))
    return A * d * (dtheta ** 2 + np.sin(theta) ** 2 / r ** 2)  # r > 0: the centre is off-grid


def test_rigid_skyrmion_feels_no_energy_density_force():
    n, h, d, A = 64, 0.5e-9, 1e-9, 15e-12
    x = cell_centres(n, h)
    box = (n * h, n * h)
    centre, radius, wall = (16.3e-9, 15.8e-9), 5e-9, 1.25e-9  # off-grid: no mirror symmetry
    eps = _exchange_density(x, x, centre, radius, wall, box, A, d)
    # the hand-made density is the skyrmion's: A d |∇m|² of the texture by fourth-order
    # differences agrees to their truncation error, ∝ (h/w)⁴ = 0.026 times the wall's
    # large fifth derivatives (measured: 1.9 % of the peak, in the wall); 5 % still
    # catches any slip in the formula (a lost factor 2, or the sin²θ/r² term: ≥ 50 %)
    m = skyrmion(x, x, centre=centre, radius=radius, wall_width=wall, box=box)
    gx = derivative(m, 1, h, periodic=True, order=4)
    gy = derivative(m, 0, h, periodic=True, order=4)
    numeric = A * d * ((gx ** 2).sum(-1) + (gy ** 2).sum(-1))
    assert np.abs(numeric - eps).max() < 5e-2 * eps.max()

    cell = (h, h, d)
    # Whole periodic film: ∬ −∇ε dS = 0 by translation invariance; the periodic central
    # differences telescope exactly, so only rounding is left: N terms of size ≤ max ε·h,
    # each rounded and summed, ≤ N²·eps·max ε·h (2e-20 N, worst case; measured 1e-26 N)
    # against a force scale max ε·R ≈ 5e-11 N.
    everywhere = np.ones((n, n), bool)
    F = energy_density_force(eps, cell=cell, region=everywhere, pbc="xy")
    tol = n ** 4 * EPS * eps.max() * h
    assert abs(F[0]) <= tol and abs(F[1]) <= tol, F
    assert energy_density_force(eps, cell=cell, region=everywhere, pbc="xy",
                                valid=everywhere) == F  # no vacuum: valid= changes nothing

    # A disk of 3R around the skyrmion: ∬_R ∇ε = ∮ ε n dl, which per grid row is the
    # telescoped (h/2)(ε_{b+1} + ε_b − ε_a − ε_{a−1}), so |F| ≤ h Σ|ε| over the cells
    # next to ∂R (each enters at most twice with weight h/2): the tail of ε at 3R makes
    # it 8e-16 N, 1.6e-5 of max ε·R (measured |F| = 6e-18 N). The force is this
    # boundary share only, whatever the region's shape on the grid.
    R = disk_mask(x, x, centre, 3 * radius, box=box)
    ring = np.zeros_like(R)
    for ax in (0, 1):
        for k in (1, -1):
            ring |= R != np.roll(R, k, axis=ax)
    bound = h * np.abs(eps[ring]).sum() * (1 + 1e-12)
    F = energy_density_force(eps, cell=cell, region=R, pbc="xy")
    assert abs(F[0]) <= bound and abs(F[1]) <= bound, (F, bound)
    # ... and the test has teeth: half of that disk cuts through the skyrmion and feels
    # the force ∫ ε dy along the cut (5e-11 N), 6e4 times the bound
    half = R & (np.meshgrid(x, x)[0] > centre[0])
    Fx_half = energy_density_force(eps, cell=cell, region=half, pbc="xy")[0]
    assert Fx_half > 1e3 * bound
