"""Paper 002's point impurities (Eq. 233, ``A_imp Σ_{i∈imp} (m_i^z)²``): the ``random_sites``
shape draws exactly round(fraction · N) sites by its seed (orchestrator/study/shapes.py);
``[lattice].impurities`` turns each entry into a region ``imp_<k>`` whose site anisotropy is
K + A_imp (orchestrator/study/lattice.py). The lattice energy with impurities is summed
here bond by bond, independently of the solver, and compared with the solver's."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from mmstudy.constants import MU0
from mmstudy.lattice import lattice_units
from orchestrator.backends.builtin import build_simulation
from orchestrator.backends.mx3_plan import build_plan
from orchestrator.study.load import StudyError, validate_study
from orchestrator.study.raster import rasterize
from orchestrator.study.shapes import RandomSites
from orchestrator.study.sweep import expand, physics_data, study_data

MEV = 1.602176634e-22
U = lattice_units(0.5e-9, MEV)

BASE = {"name": "dirty",
        "lattice": {"a": "0.5 nm", "J": "1 meV", "D": "0.18 E_J", "dmi": "neel",
                    "K": "-0.1 meV", "h": "0.0278 meV", "alpha": 0.04,
                    "impurities": [{"fraction": 0.05, "seed": 7, "A_imp": "-0.2 E_J"}]},
        "mesh": {"n": [20, 16, 1], "pbc": "xy"},
        "stages": [{"type": "minimize"}]}


def _data(**lattice) -> dict:
    data = copy.deepcopy(BASE)
    data["lattice"].update(lattice)
    return data


def _study(**lattice):
    return validate_study(_data(**lattice), source="dirty.toml")


def _grid(nx: int, ny: int, nz: int = 1):
    c = [(np.arange(n) + 0.5) * 1e-9 for n in (nz, ny, nx)]
    Z, Y, X = np.meshgrid(*c, indexing="ij")
    return X, Y, Z


# --------------------------------------------------------------------------- the shape

@pytest.mark.parametrize("n, fraction, want", [
    ((150, 150), 0.001, 22),      # the paper's plate: 22.5 rounds to even
    ((600, 50), 0.001, 30),       # the paper's track
    ((20, 16), 0.05, 16),
    ((20, 16), 1.0, 320),
])
def test_random_sites_draws_exactly_round_fraction_n(n, fraction, want):
    X, Y, Z = _grid(*n)
    assert int(RandomSites(fraction=fraction, seed=1).contains(X, Y, Z).sum()) == want


def test_the_same_seed_draws_the_same_sites_and_another_seed_others():
    X, Y, Z = _grid(40, 30)
    a = RandomSites(fraction=0.02, seed=5).contains(X, Y, Z)
    assert np.array_equal(a, RandomSites(fraction=0.02, seed=5).contains(X, Y, Z))
    assert not np.array_equal(a, RandomSites(fraction=0.02, seed=6).contains(X, Y, Z))


def test_the_draw_is_numpys_choice_in_row_major_order():
    X, Y, Z = _grid(7, 5)
    got = RandomSites(fraction=0.3, seed=11).contains(X, Y, Z)
    want = np.zeros(35, bool)
    want[np.random.default_rng(11).choice(35, round(0.3 * 35), replace=False)] = True
    assert np.array_equal(got[0].ravel(), want)   # cell iy·nx + ix


def test_sites_lie_within_and_extend_through_the_layers():
    X, Y, Z = _grid(30, 20, 3)
    within = {"type": "box", "min": [10e-9, 0], "max": [20e-9, 20e-9]}
    got = RandomSites(fraction=0.1, seed=2, within=within).contains(X, Y, Z)
    assert np.array_equal(got[0], got[1]) and np.array_equal(got[0], got[2])   # prisms
    assert got[0].sum() == 20                              # 10 % of the 10 × 20 columns
    assert not got[..., :10].any() and not got[..., 20:].any()


@pytest.mark.parametrize("shape, field, why", [
    ({"fraction": 0.0, "seed": 1}, "fraction", "greater than 0"),
    ({"fraction": 1.5, "seed": 1}, "fraction", "less than or equal to 1"),
    ({"fraction": 0.1, "seed": -1}, "seed", "greater than or equal to 0"),
    ({"fraction": 0.1, "seed": True}, "seed", "non-negative integer"),
])
def test_random_sites_refuses_bad_values_naming_the_field(shape, field, why):
    with pytest.raises(ValueError) as err:
        RandomSites.model_validate(shape)
    assert field in str(err.value) and why in str(err.value)


def test_too_small_a_fraction_says_the_least_one():
    X, Y, Z = _grid(10, 10)
    with pytest.raises(ValueError, match=r"fraction: 0.004 of 100 sites rounds to no site; "
                                         r"the least fraction on this mesh is 1/100 = 0.01"):
        RandomSites(fraction=0.004, seed=1).contains(X, Y, Z)
    with pytest.raises(ValueError, match="within: no cell centre"):
        RandomSites(fraction=0.5, seed=1, within={"type": "disk", "centre": [-1, -1],
                                                  "radius": 1e-9}).contains(X, Y, Z)


# --------------------------------------------------------------------------- the study

def test_each_entry_becomes_a_region_with_the_site_anisotropy_k_plus_a_imp():
    s = _study()
    assert [r.name for r in s.regions] == ["body", "imp_0"]
    imp, body = s.material("imp_0"), s.material("body")
    assert imp.K == pytest.approx(U.anisotropy(-0.1 * MEV - 0.2 * MEV), rel=1e-14)
    assert imp.K == pytest.approx(-(-0.3 * MEV) / U.a ** 3, rel=1e-14)
    assert imp.K_axis == [0.0, 0.0, 1.0] and body.K == pytest.approx(U.anisotropy(-0.1 * MEV))
    assert (imp.Ms, imp.A, imp.dmi, imp.alpha) == (body.Ms, body.A, body.dmi, body.alpha)
    assert rasterize(s).mask("imp_0").sum() == 16          # 5 % of 320


def test_the_raster_is_drawn_once_the_same_for_every_backend():
    s = _study()
    r = rasterize(s)
    assert np.array_equal(r.index, rasterize(s).index)
    X, Y, Z = np.meshgrid(r.coords["z"], r.coords["y"], r.coords["x"], indexing="ij")[::-1]
    assert np.array_equal(r.mask("imp_0"), s.regions[-1].shape.contains(X, Y, Z))
    # the built-in solver's and mumax3's region arrays (vacuum, none here, as the last index)
    sim, _ = build_simulation(s)
    assert np.array_equal(sim.mesh.regions, r.index)
    assert np.array_equal(build_plan(s).region_index, r.index)


def test_impurities_only_on_magnetic_cells_and_after_the_users_regions():
    data = _data(impurities=[{"fraction": 0.1, "seed": 3, "A_imp": "-0.2 E_J",
                              "within": {"type": "half_plane", "point": ["10 a_L", 0],
                                         "normal": [1, 0]}}])
    data["mesh"] = {"n": [20, 16, 1], "pbc": "x"}
    data["regions"] = [{"name": "track", "shape": {"type": "box", "min": [0, "4 a_L"],
                                                   "max": ["20 a_L", "12 a_L"]}}]
    s = validate_study(data)
    r = rasterize(s)
    imp = r.mask("imp_0")[0]
    # candidates: rows 4..11 of the track, columns 10..19 (centres ≥ 10 a): 80 sites
    assert imp.sum() == 8 and not imp[:4].any() and not imp[12:].any() and not imp[:, :10].any()
    assert (r.index[0][imp] == 1).all() and r.vacuum.sum() == 20 * 8


def test_a_dump_leaves_out_the_written_regions_and_validates_back():
    for extra in ({}, {"regions": [{"name": "track", "shape": {
            "type": "box", "min": [0, "2 a_L"], "max": ["20 a_L", "14 a_L"]}}]}):
        data = {**_data(), **extra}
        s = validate_study(data)
        dumped = study_data(s)
        assert "materials" not in dumped
        assert all(not r["name"].startswith("imp_") for r in dumped["regions"])
        assert dumped["lattice"]["impurities"][0]["seed"] == 7
        assert validate_study(json.loads(json.dumps(dumped))) == s


def test_a_sweep_over_the_seed_draws_a_realisation_per_point():
    data = _data()
    data["sweep"] = {"parameters": {"seed": {"values": [1, 2, 1],
                                             "set": "lattice.impurities.0.seed"}}}
    points = expand(validate_study(data))
    masks = [rasterize(p.study).mask("imp_0") for p in points]
    assert [int(m.sum()) for m in masks] == [16, 16, 16]
    assert not np.array_equal(masks[0], masks[1]) and np.array_equal(masks[0], masks[2])
    assert points[0].id("builtin") == points[2].id("builtin") != points[1].id("builtin")


def test_a_lattice_study_without_impurities_keeps_its_id():
    # the empty list is left out of the id (a field added after lattice points first ran)
    data = _data()
    del data["lattice"]["impurities"]
    s = validate_study(data)
    assert [r.name for r in s.regions] == ["body"]
    assert "impurities" not in physics_data(s)["lattice"]


@pytest.mark.parametrize("entry, field, why", [
    ({"fraction": 0, "seed": 1, "A_imp": "-0.2 E_J"}, "lattice.impurities.0.fraction",
     "greater than 0"),
    ({"fraction": 2, "seed": 1, "A_imp": "-0.2 E_J"}, "lattice.impurities.0.fraction",
     "less than or equal to 1"),
    ({"fraction": 0.001, "seed": 1, "A_imp": "-0.2 E_J"}, "lattice.impurities.0.fraction",
     "the least fraction on this mesh is 1/320"),
    ({"fraction": 0.1, "seed": -2, "A_imp": "-0.2 E_J"}, "lattice.impurities.0.seed",
     "greater than or equal to 0"),
    ({"fraction": 0.1, "seed": 1, "A_imp": "-0.2 foo"}, "lattice.impurities.0.A_imp",
     "cannot read"),
    ({"fraction": 0.1, "seed": 1}, "lattice.impurities.0.A_imp", "Field required"),
    ({"fraction": 0.1, "seed": 1, "A_imp": -1e-23, "where": 1}, "lattice.impurities.0.where",
     "Extra inputs"),
    ({"fraction": 0.1, "seed": 1, "A_imp": -1e-23,
      "within": {"type": "disk", "centre": [-1, -1], "radius": "1 nm"}},
     "lattice.impurities.0.within", "no cell centre"),
])
def test_a_bad_entry_names_its_field(entry, field, why):
    with pytest.raises(StudyError) as err:
        _study(impurities=[entry])
    text = str(err.value)
    assert "dirty.toml" in text and f"{field}:" in text and why in text


def test_a_region_named_like_an_impurity_is_refused():
    data = _data()
    data["regions"] = [{"name": "imp_0"}]
    with pytest.raises(StudyError, match=r"regions: 'imp_0' is the region "
                                         r"lattice.impurities.0 becomes"):
        validate_study(data)


# --------------------------------------------------------------------------- the energy

NX, NY = 12, 10
BOND_NEEL = ((0, 1, 0), (-1, 0, 0))     # Eq. 223: d(x̂) = ŷ, d(ŷ) = −x̂


def _lattice_energy(m, periodic, *, J, D, K_site, h) -> dict[str, float]:
    """Eqs. 12, 223, 219 and K Σ m_z² with the site's own K (K + A_imp at impurities,
    Eq. 233), summed bond by bond / site by site."""
    s = m[0]
    exch = dmi = 0.0
    for axis, (a, b) in ((0, (s[:, :-1], s[:, 1:])), (1, (s[:-1, :], s[1:, :]))):
        pairs = [(a, b)]
        if periodic:
            pairs.append((s[:, -1:], s[:, :1]) if axis == 0 else (s[-1:, :], s[:1, :]))
        for p, q in pairs:
            exch += -J * np.sum(p * q)
            dmi += D * np.sum(np.asarray(BOND_NEEL[axis]) * np.cross(p, q))
    return {"exch": exch, "DMI": dmi, "anis": float(np.sum(K_site * s[..., 2] ** 2)),
            "lattice_field": -h * float(np.sum(s[..., 2]))}


@pytest.mark.parametrize("periodic", [True, False], ids=["periodic", "open"])
def test_the_lattice_energy_with_impurities_is_the_solvers(periodic):
    J, D, K, A_imp, h = MEV, 0.18 * MEV, -0.1 * MEV, -0.2 * MEV, 0.0278 * MEV
    data = _data(impurities=[{"fraction": 0.1, "seed": 4, "A_imp": "-0.2 meV"},
                             {"fraction": 0.05, "seed": 9, "A_imp": "0.3 E_J",
                              "within": {"type": "box", "min": [0, 0],
                                         "max": ["6 a_L", "10 a_L"]}}])
    data["mesh"] = {"n": [NX, NY, 1], "pbc": "xy" if periodic else ""}
    s = validate_study(data)
    r = rasterize(s)
    K_site = np.full((NY, NX), K)
    K_site[r.mask("imp_0")[0]] = K + A_imp
    K_site[r.mask("imp_1")[0]] = K + 0.3 * MEV        # the later entry wins a shared site
    X, Y, Z = np.meshgrid(r.coords["z"], r.coords["y"], r.coords["x"], indexing="ij")[::-1]
    drawn = [int(reg.shape.contains(X, Y, Z).sum()) for reg in s.regions[1:]]
    assert drawn == [12, 3] and r.mask("imp_1").sum() == 3     # 10 % of 120, 5 % of 60
    sim, _ = build_simulation(s)
    m = np.random.default_rng(3).normal(size=(1, NY, NX, 3))
    m /= np.linalg.norm(m, axis=-1, keepdims=True)
    got = sim.llg.energies(sim.llg.prepare(m))
    want = _lattice_energy(m, periodic, J=J, D=D, K_site=K_site, h=h)
    bonds = 2 * NX * NY if periodic else (NX - 1) * NY + NX * (NY - 1)
    # the documented constants: the exchange's +J per bond, the anisotropy's −K_i per site
    assert got["exch"] == pytest.approx(want["exch"] + J * bonds, rel=1e-12)
    assert got["DMI"] == pytest.approx(want["DMI"], abs=1e-12 * D * bonds)
    assert got["anis"] == pytest.approx(want["anis"] - K_site.sum(), rel=1e-12)
    assert got["lattice_field"] == pytest.approx(want["lattice_field"], rel=1e-12)
    assert s.drives["lattice_field"].H[2] == pytest.approx(U.field(h) / MU0, rel=1e-14)
