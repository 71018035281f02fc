"""Straight domain walls (the texture library's ``band``, an initial state ``kind = "band"``)
in the lattice mode, ferro- and antiferromagnetic (paper 002, Figs. 9e and 10a/b use a
ferromagnetic wall in a track).

Trusted numbers: the Bloch–Néel wall of the continuum, ``m_z = tanh(s/Δ)`` with
``Δ = √(A/K_u) = a √(J/(2|K|))`` for the lattice's ``K Σ (m^z)²`` (2.236 a at the paper's
K = −0.1 meV, J = 1 meV); the antiferromagnet's Néel vector has the same wall (its
exchange on n is ferromagnetic with |J|, the anisotropy is even in m). The lattice's
discreteness shifts the width by O((a/Δ)²/12) ≈ 2 %, hence the 3 % tolerance below.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy.optimize import curve_fit

import analysis
from analysis.sublattice import neel_vector
from analysis.texture_library import kpi_skyrmion, reversed_band
from analysis.textures import as_dataarray, cell_centres
from analysis.topology import topological_charge
from orchestrator.dispatch.run import run_study
from orchestrator.study.load import StudyError, validate_study

H = 1e-9
X = cell_centres(64, H)


def test_a_band_is_a_chargeless_pair_of_walls_turning_like_the_skyrmion():
    m = reversed_band(X, X, centre=(20e-9, 30e-9), radius=12e-9, wall_width=2e-9,
                      helicity=np.pi / 2, orientation=0.4, box=(64e-9, 64e-9))
    assert np.allclose(np.linalg.norm(m, axis=-1), 1.0, atol=1e-12)
    # Berg–Lüscher on a periodic grid: an integer up to rounding
    q = topological_charge(as_dataarray(m, H, H, pbc="xy"), method="lattice").isel(z=0)
    assert abs(float(q)) < 1e-9
    # the wall at s = +R turns as a π skyrmion of the same helicity does along n̂
    sk = kpi_skyrmion(X, X, centre=(20e-9, 30e-9), radius=12e-9, k=1, wall_width=2e-9,
                      helicity=np.pi / 2)
    n = np.array([np.cos(0.4), np.sin(0.4)])
    iy, ix = np.unravel_index(np.argmin(np.hypot(*(np.meshgrid(X, X)[k] - p for k, p in
                                                    enumerate((20e-9 + 12e-9 * n[0],
                                                               30e-9 + 12e-9 * n[1]))))),
                              (64, 64))
    assert np.dot(m[iy, ix, :2], sk[iy, ix, :2]) > 0.9


def test_a_band_needs_its_wall_width():
    data = {"name": "w", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
            "materials": {"default": {"Ms": 1e5, "A": 1e-11}},
            "initial": {"type": "textures", "textures": [
                {"kind": "band", "centre": [0, 0], "radius": 4e-9}]},
            "stages": [{"type": "minimize"}]}
    with pytest.raises(StudyError, match=r"initial.*needs its wall_width"):
        validate_study(data)


TRACK = {"name": "wall",
         "lattice": {"a": "0.5 nm", "J": "1 meV", "D": "-0.18 E_J", "dmi": "neel",
                     "K": "-0.1 meV", "alpha": 0.04},
         "mesh": {"n": [64, 4, 1], "pbc": "y"},
         # one wall at x = 32 a (the band's other wall lies outside the open track)
         "initial": {"type": "textures", "textures": [
             {"kind": "band", "centre": [0, "2 a_L"], "radius": "32 a_L",
              "wall_width": "3 a_L", "helicity": float(np.pi)}]},
         "stages": [{"type": "minimize"}]}


def _tanh(x, x0, width):
    return np.tanh((x - x0) / width)


def _relaxed_wall(J: str, helicity: float, out) -> tuple[float, float, float]:
    """Centre and width (sites) of the relaxed wall's tanh fit, and m_x (n_x) at its centre."""
    data = copy.deepcopy(TRACK)
    data["lattice"]["J"] = J
    data["initial"]["textures"][0]["helicity"] = helicity
    assert run_study(validate_study(data), backend="builtin", out=out,
                     progress=False).exit_code == 0
    (folder,) = [p for p in out.iterdir() if (p / "point.json").is_file()]
    m = analysis.open_run(folder).m.isel(t=-1)
    if J.startswith("-"):
        m = neel_vector(m)
    mz = m.sel(c="z").isel(z=0).mean("y").values
    x = np.arange(64) + 0.5                       # sites
    inner = slice(8, 56)                          # away from the open ends' DMI tilt
    (x0, width), _ = curve_fit(_tanh, x[inner], mz[inner], p0=(32.0, 2.0))
    return x0, width, float(m.sel(c="x").isel(z=0, x=31).mean("y"))


def test_the_relaxed_lattice_walls_have_the_continuum_width(tmp_path):
    # Néel DMI with D_lat < 0 (paper 002's η = π): the ferromagnet's wall turns with η = π;
    # on the antiferromagnet's n the bond DMI changes sign (m_i × m_j = −n_i × n_j), so its
    # n-wall turns with η = 0 and is otherwise the same wall
    fm = _relaxed_wall("1 meV", np.pi, tmp_path / "fm")
    afm = _relaxed_wall("-1 meV", 0.0, tmp_path / "afm")
    for x0, width, mx in (fm, afm):
        assert abs(x0 - 32) < 1.0                 # the wall stays where it was put
        assert width == pytest.approx(np.sqrt(1 / (2 * 0.1)), rel=0.03)
    assert fm[2] < -0.9 and afm[2] > 0.9          # Néel walls of opposite helicity
    # the mapping n ↔ m with D → −D is exact on the lattice: the same minimiser path
    assert afm[1] == pytest.approx(fm[1], rel=1e-6)
