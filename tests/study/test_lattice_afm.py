"""The checkerboard antiferromagnet of a [lattice] study with J < 0 (paper 002, Sec. 8.5):
negative A is the antiparallel nearest-neighbour exchange bond by bond; the initial state
is the Néel vector's; what the mode cannot have is refused; the relaxed AFM skyrmion has
Q(n) = Q_A = −1, Q_B = +1 and the helicity the DMI gives n (its sign flips for n)."""

from __future__ import annotations

import numpy as np
import pytest

import analysis
from analysis.detection import find_objects
from analysis.sublattice import checkerboard, neel_vector, sublattice_field
from analysis.textures import as_dataarray
from analysis.topology import topological_charge
from orchestrator.backends.base import UnsupportedFeature
from orchestrator.backends.builtin import build_simulation
from orchestrator.dispatch.run import plan_study, run_study
from orchestrator.study.load import StudyError, validate_study

MEV = 1.602176634e-22
# Sec. 8.5 (notes-002 §5): J = 1 meV antiferromagnetic (J < 0 in Eq. 12's sign), D = 0.2 meV,
# K = -0.1 meV, h = 0.5 meV, alpha = 0.04
LATTICE = {"a": "0.5 nm", "J": "-1 meV", "D": "0.2 E_J", "dmi": "bloch", "K": "-0.1 E_J",
           "h": "0.5 E_J", "alpha": 0.04}


def _study(n=(16, 16, 1), pbc="xy", **changes):
    data = {"name": "afm", "lattice": dict(LATTICE), "mesh": {"n": list(n), "pbc": pbc},
            "stages": [{"type": "minimize"}], **changes}
    return validate_study(data, source="afm.toml")


@pytest.mark.parametrize("pbc", ["xy", ""])
def test_negative_A_is_the_antiferromagnetic_bond_exchange(pbc):
    study = _study(n=(12, 10, 1), pbc=pbc, lattice={**LATTICE, "D": 0, "K": 0, "h": 0})
    sim, _ = build_simulation(study)
    m = np.random.default_rng(5).normal(size=(1, 10, 12, 3))
    m /= np.linalg.norm(m, axis=-1, keepdims=True)
    J = -MEV
    s = m[0]
    pairs = [(s[:, :-1], s[:, 1:]), (s[:-1], s[1:])]
    if pbc:
        pairs += [(s[:, -1:], s[:, :1]), (s[-1:], s[:1])]
    bonds = sum(a.shape[0] * a.shape[1] for a, _ in pairs)
    lattice = sum(-J * np.sum(a * b) for a, b in pairs)   # Eq. 12, bond by bond
    got = sim.llg.energies(sim.llg.prepare(m))["exch"]
    assert got == pytest.approx(lattice + J * bonds, rel=1e-12)  # rounding only


def test_the_initial_state_is_the_neel_vectors_and_the_staggered_ground_state_is_still():
    study = _study()                        # uniform +z initial state: n = +z
    sim, _ = build_simulation(study)
    m = sim.m
    s = checkerboard(as_dataarray(np.zeros((16, 16, 3)), 1, 1)).values
    np.testing.assert_array_equal(m[0, ..., 2], s)    # m_i = s_i n
    H = sim.llg.effective_field(m, 0.0)
    torque = np.linalg.norm(np.cross(m, H), axis=-1)
    assert torque.max() <= 1e-12 * np.abs(H).max()  # collinear: no torque at all


@pytest.mark.parametrize("change, field, why", [
    ({"n": (15, 16, 1)}, "mesh.n", "odd ring is frustrated"),
    ({"drives": {"stt": {"type": "zhang_li", "I": [1, 0, 0], "P": 1, "xi": 0.1}}},
     "drives.stt", "spin-orbit torque"),
])
def test_what_the_antiferromagnet_cannot_have_is_refused(change, field, why):
    with pytest.raises(StudyError) as err:
        _study(**change)
    assert f"{field}:" in str(err.value) and why in str(err.value)


def test_negative_A_outside_a_lattice_study_is_refused():
    with pytest.raises(StudyError, match=r"materials\.\w+\.A: .* \[lattice\] table with J < 0"):
        validate_study({"name": "x", "mesh": {"n": [4, 4, 1], "cell": [1e-9] * 3},
                        "materials": {"default": {"Ms": 1e5, "A": -1e-12}},
                        "stages": [{"type": "minimize"}]})


@pytest.mark.parametrize("backend", ["mumax3", "oommf"])
def test_backends_without_the_mode_refuse_it(backend, tmp_path):
    with pytest.raises(UnsupportedFeature, match="exchange.afm"):
        plan_study(_study(), backend=backend, out=tmp_path)


@pytest.mark.parametrize("rule, want", [("bloch", 0.5 * np.pi), ("neel", np.pi)])
def test_the_relaxed_afm_skyrmion(rule, want, tmp_path):
    # 64² periodic sites (the paper's plate is 150²). The DMI's sign flips for n
    # (D_ij·(n_i×n_j) = −D_ij·(m_i×m_j) on every bond): the helicity of n is the FM one
    # turned by π (Bloch π/2, Néel π); started 0.4 rad off it, the skyrmion turns to it
    start = want + 0.4
    study = _study(n=(64, 64, 1), lattice={**LATTICE, "dmi": rule},
                   initial={"type": "skyrmions", "skyrmions": [
                       {"centre": ["32 a_L", "32 a_L"], "radius": "6 a_L", "helicity": start}]})
    assert run_study(study, backend="builtin", out=tmp_path, progress=False).exit_code == 0
    (folder,) = [p for p in tmp_path.iterdir() if (p / "point.json").is_file()]
    m = analysis.open_run(folder).m.isel(t=[-1]).load()
    q = lambda f: float(topological_charge(f, method="lattice").squeeze())  # noqa: E731
    # Berg–Lüscher on a periodic grid: integers up to the minimiser's tolerance
    assert q(neel_vector(m)) == pytest.approx(-1, abs=1e-3)
    assert q(sublattice_field(m, "A")) == pytest.approx(-1, abs=1e-3)
    assert q(sublattice_field(m, "B")) == pytest.approx(1, abs=1e-3)
    helicity = float(find_objects(neel_vector(m).to_dataset(name="m")).helicity.iloc[0])
    assert abs(np.angle(np.exp(1j * (helicity - want)))) < 0.05  # lattice anisotropy only


def test_more_than_one_layer_is_refused():
    with pytest.raises(StudyError, match="mesh.n: 2 layers; the antiferromagnet"):
        _study(n=(16, 16, 2))
