"""Two-sublattice antiferromagnets (analysis/sublattice.py): a staggered skyrmion's Néel
vector is the skyrmion, and each sublattice carries its charge with the sublattice's sign."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.sublattice import checkerboard, neel_vector, sublattice_field
from analysis.texture_library import kpi_skyrmion
from analysis.textures import as_dataarray, cell_centres
from analysis.topology import topological_charge

A = 0.5e-9
N = 48


def _staggered(pbc="xy", n=N):
    x = cell_centres(n, A)
    sk = kpi_skyrmion(x, x, centre=(n * A / 2, n * A / 2), radius=6 * A, k=1,
                      helicity=np.pi / 2, box=(n * A, n * A) if pbc else None)
    s = np.where((np.add.outer(np.arange(n), np.arange(n)) % 2) == 0, 1.0, -1.0)
    return as_dataarray(sk, A, A, pbc=pbc), as_dataarray(sk * s[..., None], A, A, pbc=pbc)


def test_the_neel_vector_of_a_staggered_skyrmion_is_the_skyrmion():
    sk, m = _staggered()
    np.testing.assert_array_equal(neel_vector(m).values, sk.values)  # s² = 1: exact
    # m itself averages to nothing: each spin's neighbours nearly cancel it
    assert abs(float(m.sel(c="z").mean())) < 1e-12


def test_q_of_n_and_of_each_sublattice():
    _, m = _staggered()
    q = lambda f: float(topological_charge(f, method="lattice").squeeze())  # noqa: E731
    # Berg–Lüscher on a periodic grid: an exact integer up to rounding (1e-9)
    assert q(neel_vector(m)) == pytest.approx(-1, abs=1e-9)
    assert q(sublattice_field(m, "A")) == pytest.approx(-1, abs=1e-9)
    assert q(sublattice_field(m, "B")) == pytest.approx(+1, abs=1e-9)  # Q is odd in m


def test_open_edges_fill_from_the_neighbours_inside():
    _, m = _staggered(pbc="")
    a = sublattice_field(m, "A")
    np.testing.assert_allclose(np.linalg.norm(a.values, axis=-1), 1.0, atol=1e-12)
    # a corner B site (1 of its 4 A neighbours outside on each open axis) takes the inside two
    corner = a.isel(z=0, y=0, x=1).values
    inside = m.isel(z=0, y=0, x=[0, 2]).values.sum(0) + m.isel(z=0, y=1, x=1).values
    np.testing.assert_allclose(corner, inside / np.linalg.norm(inside), atol=1e-12)


def test_an_odd_periodic_size_is_refused():
    m = as_dataarray(np.zeros((4, 5, 3)), A, A, pbc="xy")
    with pytest.raises(ValueError, match="5 cells along periodic x"):
        checkerboard(m)
    checkerboard(as_dataarray(np.zeros((4, 5, 3)), A, A, pbc="y"))  # open x: any size
