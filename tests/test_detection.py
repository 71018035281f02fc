"""Object detection and measurement on analytic textures with known centre, Q, radius, helicity.

Mesh: 1 nm cells. The dw360 profile has m_z = 0 exactly at r = radius, and all its
quantities are known in closed form, so every number below is checked against an
analytic value (or discretisedfield, for Q).

Where the tolerances come from (measured values in the comments):

* **centre**: a radially symmetric weight sampled on the grid has its discrete
  centroid at the true centre up to aliasing, which is exponentially small for a
  smooth profile; what remains is the cut of the wall's tail at the edge of the
  region (magnon density below 1e-3, see ``analysis.detection._WALL_TOL``),
  about 1e-4 cell. Tolerance 1e-3 cell.
* **radius and Fourier modes**: cubic-spline interpolation of m_z between cell
  centres, error ~ h⁴ m_z''''/m_z' ≈ 3e-4 cell for a wall of w = 2 cells (3e-3
  cell for w = 1 cell). Tolerance 2e-3 cell at w = 2 cells.
* **helicity**: the rays are symmetric about the centre, so interpolation errors
  of the in-plane angle cancel in the circular mean (measured 2e-9 rad);
  tolerance 1e-6 rad. Per half-contour the cancellation is only partial
  (measured 2e-5 rad): tolerance 1e-4 rad.
"""

import dask.array as dsa
import discretisedfield as df
import discretisedfield.tools as dft
import numpy as np
import pytest
import xarray as xr

from analysis.detection import OBJECT_COLUMNS, find_objects
from analysis.textures import as_dataarray, cell_centres, skyrmion, skyrmionium
from analysis.topology import topological_charge

H = 1e-9
N = 64
X = cell_centres(N, H)
CENTRE = (31.37e-9, 30.81e-9)  # off the cell centres and off the cell corners
R = 8e-9  # wall width R/4 = 2 cells

TOL_CENTRE = 1e-3 * H
TOL_RADIUS = 2e-3 * H


def circ_diff(a, b):
    """Signed difference of two angles, folded into (−π, π]."""
    return (a - b + np.pi) % (2 * np.pi) - np.pi


def one(m, **kw):
    obj = find_objects(m, **kw)
    assert len(obj) == 1, obj
    return obj.iloc[0]


@pytest.mark.parametrize("method", ["fd2", "fd4", "lattice"])
@pytest.mark.parametrize("centre", [CENTRE, (20.0e-9, 41.5e-9), (33.5e-9, 29.99e-9)])
def test_centre_is_exact_to_a_small_fraction_of_a_cell(method, centre):
    m = as_dataarray(skyrmion(X, X, centre=centre, radius=R), H, H)
    o = one(m, method=method)
    # guiding centre (|Q| ≥ 0.5, so it is x, y) and ring centre, both sub-cell exact
    assert abs(o.x - centre[0]) < TOL_CENTRE and abs(o.y - centre[1]) < TOL_CENTRE
    assert (o.x, o.y) == (o.x_q, o.y_q)
    assert abs(o.x_ring - centre[0]) < TOL_CENTRE and abs(o.y_ring - centre[1]) < TOL_CENTRE


def test_centre_error_is_the_truncated_wall_tail():
    # The error budget above says the residual centre error is the wall tail cut at the
    # region's edge: with a fixed margin it must fall steeply as the margin grows
    # (the tail decays like e^{-2d/w}, w = 2 cells: about e^{-2} per 2 cells).
    m = as_dataarray(skyrmion(X, X, centre=CENTRE, radius=R), H, H)
    err = []
    for margin in (4, 8, 12):
        o = one(m, margin=margin, method="lattice")
        err.append(np.hypot(o.x_ring - CENTRE[0], o.y_ring - CENTRE[1]) / H)
    assert err[0] > 10 * err[1] > 100 * err[2], err
    assert err[2] < 3e-5


def test_charge_lattice_is_integer_and_fd2_matches_discretisedfield():
    m = as_dataarray(skyrmion(X, X, centre=CENTRE, radius=R), H, H)
    # Berg–Lüscher: an integer up to the wall tail left outside the region (~1e-4)
    assert abs(one(m, method="lattice").Q + 1) < 1e-3
    # fd2 carries a discretisation error O((h/w)^2) (here Q = -0.957), so compare with
    # discretisedfield's "continuous" charge of the same frame, the same formula: they
    # differ by the tail of the density outside the object's region only.
    field = df.Field(df.Mesh(p1=(0, 0, 0), p2=(N * H, N * H, H), cell=(H, H, H)), nvdim=3,
                     value=m.isel(z=0).transpose("x", "y", "c").values[:, :, None, :])
    q_df = dft.topological_charge(field.sel("z"), method="continuous")
    q_obj = one(m, method="fd2").Q
    assert q_obj == pytest.approx(q_df, abs=1e-3)
    assert q_obj == pytest.approx(float(topological_charge(m).isel(z=0)), abs=1e-3)
    assert -0.97 < q_obj < -0.94  # it is the discretised value, not a rounded one


@pytest.mark.parametrize("radius, wall", [(5e-9, 2e-9), (8e-9, 2e-9), (12.3e-9, 2e-9),
                                          (8e-9, 1e-9)])
def test_contour_radius_area_and_modes_of_a_round_skyrmion(radius, wall):
    m = as_dataarray(skyrmion(X, X, centre=CENTRE, radius=radius, wall_width=wall), H, H)
    o = one(m)
    # a one-cell wall is resolved worse by the spline: 3e-3 cell measured there
    tol = TOL_RADIUS if wall >= 2e-9 else 5e-3 * H
    assert o.r_contour == pytest.approx(radius, abs=tol)
    assert o.mode_0 == pytest.approx(radius, abs=tol)
    for n in (1, 2, 3, 4):  # a circle has no other Fourier mode
        assert o[f"mode_{n}"] < tol
    # area counts whole reversed cells: a disc of radius R holds πR² ± its perimeter's
    # worth of half cells (Gauss circle problem); r_eq is its radius
    assert abs(o.area - np.pi * radius ** 2) < np.pi * radius * H
    assert o.r_eq == pytest.approx(np.sqrt(o.area / np.pi))
    assert o.n_cells == round(o.area / H ** 2)


@pytest.mark.parametrize("helicity", [0.0, np.pi, np.pi / 2, -np.pi / 2, 1.0])
def test_helicity_of_neel_and_bloch_skyrmions(helicity):
    m = as_dataarray(skyrmion(X, X, centre=CENTRE, radius=R, helicity=helicity), H, H)
    o = one(m)
    assert abs(circ_diff(o.helicity, helicity)) < 1e-6
    assert abs(circ_diff(o.helicity_left, helicity)) < 1e-4
    assert abs(circ_diff(o.helicity_right, helicity)) < 1e-4
    assert -np.pi < o.helicity <= np.pi
    assert o.vorticity == 1


def test_core_up_in_a_down_background():
    # background -1: the majority sign is found, Q changes sign (m_z is mirrored), the
    # in-plane texture and therefore the helicity do not
    m = as_dataarray(skyrmion(X, X, centre=CENTRE, radius=R, background=-1,
                              helicity=np.pi / 2), H, H)
    o = one(m, method="lattice")
    assert o.background == -1
    assert abs(o.Q - 1) < 1e-3
    assert abs(circ_diff(o.helicity, np.pi / 2)) < 1e-6
    assert abs(o.x - CENTRE[0]) < TOL_CENTRE and abs(o.y - CENTRE[1]) < TOL_CENTRE
    assert o.r_contour == pytest.approx(R, abs=TOL_RADIUS)
    # forcing the wrong background finds the background as one huge object instead
    wrong = find_objects(m, background=1)
    assert len(wrong) == 1 and wrong.iloc[0].n_cells > N * N - 300


def test_antiskyrmion_charge_and_vorticity():
    m = as_dataarray(skyrmion(X, X, centre=CENTRE, radius=R, vorticity=-1), H, H)
    o = one(m, method="lattice")
    assert abs(o.Q - 1) < 1e-3
    assert o.vorticity == -1
    assert abs(o.x - CENTRE[0]) < TOL_CENTRE and abs(o.y - CENTRE[1]) < TOL_CENTRE


def _janus_smooth(ell):
    """Néel (η = 0) on the left, Bloch (η = π/2) on the right, joined by
    η(x) = (π/4)(1 + tanh((x − x_c)/ℓ)): the in-plane magnetisation of a Néel
    skyrmion rotated about z by η(x). m_z is untouched, so the contour is a circle."""
    Xg = np.broadcast_to(X[None, :], (N, N))
    eta = np.pi / 4 * (1 + np.tanh((Xg - CENTRE[0]) / ell))
    base = skyrmion(X, X, centre=CENTRE, radius=R)
    mx = base[..., 0] * np.cos(eta) - base[..., 1] * np.sin(eta)
    my = base[..., 0] * np.sin(eta) + base[..., 1] * np.cos(eta)
    return np.stack([mx, my, base[..., 2]], axis=-1)


def test_janus_skyrmion_shows_two_helicities():
    # A sharp Janus skyrmion: the Néel texture for x < x_c, the Bloch one for x > x_c.
    Xg = np.broadcast_to(X[None, :, None], (N, N, 1))
    neel = skyrmion(X, X, centre=CENTRE, radius=R, helicity=0.0)
    bloch = skyrmion(X, X, centre=CENTRE, radius=R, helicity=np.pi / 2)
    o = one(as_dataarray(np.where(Xg < CENTRE[0], neel, bloch), H, H))
    # The cubic spline spreads the step in m by about a cell, which the few rays that
    # meet the contour within a cell or two of the interface (|cos φ| < 1/4: 4 of the
    # 32 rays per side) see in part; measured 1e-3 and 3e-3 rad.
    assert abs(circ_diff(o.helicity_left, 0.0)) < 0.02
    assert abs(circ_diff(o.helicity_right, np.pi / 2)) < 0.02
    # m_z is a plain skyrmion's: ring centre and radius stay exact
    assert abs(o.x_ring - CENTRE[0]) < TOL_CENTRE and abs(o.y_ring - CENTRE[1]) < TOL_CENTRE
    assert o.r_contour == pytest.approx(R, abs=TOL_RADIUS)


def test_smooth_janus_helicities_match_the_analytic_ray_average():
    ell = 1.5e-9
    o = one(as_dataarray(_janus_smooth(ell), H, H), method="lattice")
    # expected: the circular mean of η at the exact contour points c + R(cos φ, sin φ)
    # of the 64 rays, left (cos φ < 0) and right (cos φ > 0) of the centre
    phi = 2 * np.pi * np.arange(64) / 64
    eta = np.pi / 4 * (1 + np.tanh(R * np.cos(phi) / ell))
    left = np.angle(np.exp(1j * eta[np.cos(phi) < -1e-9]).sum())
    right = np.angle(np.exp(1j * eta[np.cos(phi) > 1e-9]).sum())
    full = np.angle(np.exp(1j * eta).sum())
    # cubic-spline interpolation of an in-plane angle that turns by π/2 over ~3 cells:
    # measured 1.4e-5 (left), 2.1e-4 (right), 7e-5 rad (all). A ray off by one index
    # (Δφ = 0.1 rad) or a centre off by a cell would change these by > 1e-2 rad.
    assert abs(o.helicity_left - left) < 1e-3
    assert abs(o.helicity_right - right) < 1e-3
    assert abs(o.helicity - full) < 1e-3
    assert left < 0.05 and right > np.pi / 2 - 0.05  # the two faces


def test_janus_guiding_centre_is_shifted_along_the_interface():
    # With Φ = φ + η(x) the charge density is q = sinθ θ'(1/r − (y/r) η'(x))/4π: the
    # second term is odd in y, so the guiding centre moves along the interface while
    # the m_z profile (ring centre) does not. Reference: the same integrals by
    # quadrature of the continuum formula on a fine polar grid.
    ell, w = 1.5, 2.0  # nm
    r = np.linspace(1e-6, 30.0, 2001)  # converged to 1e-7 nm (checked against 8001 x 2000)
    ph = np.linspace(0, 2 * np.pi, 513)[:-1]
    rr, pp = np.meshgrid(r, ph, indexing="ij")
    th = 2 * np.arctan2(np.sinh(R / H / w), np.sinh(rr / w))
    dth = -(2 / w) * np.sinh(R / H / w) * np.cosh(rr / w) / (np.sinh(R / H / w) ** 2
                                                             + np.sinh(rr / w) ** 2)
    yy = rr * np.sin(pp)
    etap = np.pi / 4 / ell / np.cosh(rr * np.cos(pp) / ell) ** 2
    q = np.sin(th) * dth * (1 / rr - yy / rr * etap) / (4 * np.pi) * rr
    y_shift = float((q * yy).sum() / q.sum())  # nm; about −R/2
    o = one(as_dataarray(_janus_smooth(ell * H), H, H), method="lattice")
    # lattice charge: discretisation error O((h/ℓ)^2) of the odd part; measured 0.01 cell
    assert (o.y_q - CENTRE[1]) / H == pytest.approx(y_shift, abs=0.03)
    assert abs(o.x_q - CENTRE[0]) < TOL_CENTRE
    assert abs(o.y_ring - CENTRE[1]) < TOL_CENTRE
    assert y_shift < -3.5


@pytest.mark.parametrize("a, b", [(1.3, 1.0), (1.0, 1.2), (1.5, 0.8)])
def test_elliptical_skyrmion_has_the_ellipse_fourier_modes(a, b):
    # stretch the coordinates: the m_z = 0 contour is the ellipse with semi-axes aR, bR
    xs = CENTRE[0] + (X - CENTRE[0]) / a
    ys = CENTRE[1] + (X - CENTRE[1]) / b
    o = one(as_dataarray(skyrmion(xs, ys, centre=CENTRE, radius=R), H, H))
    # exact Fourier coefficients of R(φ) = AB / sqrt(B² cos²φ + A² sin²φ)
    phi = 2 * np.pi * np.arange(4096) / 4096
    A, B = a * R, b * R
    cn = np.fft.rfft(A * B / np.sqrt((B * np.cos(phi)) ** 2 + (A * np.sin(phi)) ** 2)) / 4096
    assert o.mode_0 == pytest.approx(cn[0].real, abs=TOL_RADIUS)
    assert o.mode_2 == pytest.approx(2 * abs(cn[2]), abs=TOL_RADIUS)
    assert o.mode_4 == pytest.approx(2 * abs(cn[4]), abs=TOL_RADIUS)
    assert o.mode_1 < TOL_RADIUS and o.mode_3 < TOL_RADIUS  # the ellipse is centred
    assert o.mode_2 > 0.05 * R
    # long axis along x: R(φ) ∝ cos 2φ, phase 0; along y: phase π
    assert abs(circ_diff(o.phase_2, 0.0 if a > b else np.pi)) < 1e-3


def test_skyrmion_split_by_the_periodic_seam_is_one_object():
    box = (N * H, N * H)
    for centre in [(1.3e-9, 30.2e-9), (62.6e-9, 0.4e-9), (0.7e-9, 63.1e-9)]:
        m = as_dataarray(skyrmion(X, X, centre=centre, radius=R, box=box), H, H, pbc="xy")
        o = one(m, method="lattice")
        assert abs(o.x - centre[0]) < TOL_CENTRE and abs(o.y - centre[1]) < TOL_CENTRE
        assert abs(o.x_ring - centre[0]) < TOL_CENTRE
        assert abs(o.y_ring - centre[1]) < TOL_CENTRE
        assert abs(o.Q + 1) < 1e-3
        assert o.r_contour == pytest.approx(R, abs=TOL_RADIUS)
        assert not o.at_edge
    # the same frame read as open: the pieces are separate objects at the mesh edges
    m = as_dataarray(skyrmion(X, X, centre=(0.7e-9, 63.1e-9), radius=R, box=box), H, H)
    o = find_objects(m)
    assert len(o) == 4 and o.at_edge.all()


def test_skyrmionium_uses_the_ring_centre():
    from scipy.optimize import brentq

    rin, rout = 6e-9, 14e-9
    m = as_dataarray(skyrmionium(X, X, centre=CENTRE, radius=rout, inner_radius=rin), H, H)
    o = one(m, method="lattice")
    assert abs(o.Q) < 1e-3
    assert np.isnan(o.x_q) and np.isnan(o.y_q)
    assert (o.x, o.y) == (o.x_ring, o.y_ring)
    assert abs(o.x - CENTRE[0]) < TOL_CENTRE and abs(o.y - CENTRE[1]) < TOL_CENTRE
    # outer m_z = 0 contour of θ = θ_out + θ_in (θ = π/2 there), solved analytically
    w = (rout - rin) / 6 / H

    def theta(r, rad):
        return 2 * np.arctan2(np.sinh(rad / H / w), np.sinh(r / w))

    r0 = brentq(lambda r: np.cos(theta(r, rout) + theta(r, rin)), 10, 20) * H
    # the skyrmionium's walls are 1.33 cells wide: the spline error is larger there
    assert o.r_contour == pytest.approx(r0, abs=2e-3 * H)
    assert abs(circ_diff(o.helicity, 0.0)) < 1e-6


def test_two_close_skyrmions_share_their_walls():
    c1, c2 = (20.3e-9, 30.6e-9), (41.1e-9, 33.2e-9)  # 21 nm apart, radius 6 nm
    m = skyrmion(X, X, centre=c1, radius=6e-9)
    m2 = skyrmion(X, X, centre=c2, radius=6e-9)
    # superpose the two by taking, in each cell, the texture that deviates more
    far = (1 - m[..., 2]) < (1 - m2[..., 2])
    m = np.where(far[..., None], m2, m)
    obj = find_objects(as_dataarray(m, H, H), method="lattice").sort_values("x")
    assert len(obj) == 2
    assert obj.id.tolist() in ([0, 1], [1, 0])
    # Each skyrmion's wall is cut where the other's takes over, half-way, 4.5 nm = 3
    # wall widths beyond the m_z = 0 circle, where the tail 1 - m_z is ~e^{-6} = 2.5e-3:
    # measured |Q + 1| ≤ 3e-4 and centres within 2e-3 cell, against 1e-4 for one alone.
    for (_, o), c in zip(obj.iterrows(), (c1, c2)):
        assert abs(o.Q + 1) < 2e-3
        assert abs(o.x - c[0]) < 5e-3 * H and abs(o.y - c[1]) < 5e-3 * H
    # the charge is split between them, not counted twice
    total = float(topological_charge(as_dataarray(m, H, H), method="lattice").isel(z=0))
    assert obj.Q.sum() == pytest.approx(total, abs=2e-3)
    assert total == pytest.approx(-2.0, abs=1e-6)


def test_frames_times_layers_and_columns():
    times = np.array([0.0, 1e-10, 2e-10])
    frames = np.stack([skyrmion(X, X, centre=(20e-9 + 5e-9 * k, 30e-9), radius=6e-9)
                       for k in range(3)])
    m = as_dataarray(frames, H, H, times=times)
    obj = find_objects(m)
    assert list(obj.columns) == OBJECT_COLUMNS
    assert obj.frame.tolist() == [0, 1, 2]
    assert obj.t.tolist() == times.tolist()
    assert obj.z.tolist() == [0.5e-9] * 3
    np.testing.assert_allclose(obj.x, [20e-9, 25e-9, 30e-9], atol=TOL_CENTRE)
    assert obj.attrs["n_frames"] == 3 and obj.attrs["box"] == (None, None)
    # (z, y, x, c): one frame, no times
    one_frame = find_objects(as_dataarray(frames[0], H, H))
    assert "t" not in one_frame and one_frame.frame.tolist() == [0]
    # two layers (a second layer holding two skyrmions) are measured separately
    two = np.stack([frames[0], np.where((X[None, :, None] < 32e-9), frames[0], frames[2])])
    da = xr.DataArray(two, dims=("z", "y", "x", "c"),
                      coords={"z": [0.5e-9, 1.5e-9], "y": X, "x": X, "c": ["x", "y", "z"]})
    obj2 = find_objects(da)
    assert obj2.groupby("z").size().tolist() == [1, 2]
    assert obj2[obj2.z == 1.5e-9].id.tolist() == [0, 1]


def test_dask_input_in_chunks_equals_numpy():
    frames = np.stack([skyrmion(X, X, centre=(10e-9 + 7e-9 * k, 30e-9 + 2e-9 * k),
                                radius=6e-9, box=(N * H, N * H)) for k in range(7)])
    m = as_dataarray(frames, H, H, pbc="xy")
    ref = find_objects(m)
    lazy = m.copy(data=dsa.from_array(m.values, chunks=(3, 1, N, N, 3)))
    got = find_objects(lazy)
    assert len(ref) == 7
    np.testing.assert_array_equal(got.to_numpy(), ref.to_numpy())


def test_run_dataset_with_empty_cells_and_ms():
    m = skyrmion(X, X, centre=(20e-9, 32e-9), radius=6e-9)
    Ms = np.full((1, N, N), 5e5)
    Ms[0, :, 30:34] = 0.0  # a non-magnetic slit right of the skyrmion
    ds = xr.Dataset({"m": as_dataarray(m, H, H), "Ms": (("z", "y", "x"), Ms)},
                    attrs={"pbc": "", "cell": (H, H, H)})
    o = one(ds)
    # the skyrmion (radius 6 nm, centre 20 nm) reaches x = 26 nm: not the slit at 30 nm
    assert not o.at_edge
    assert abs(o.x - 20e-9) < 0.01 * H
    # a skyrmion touching the slit is at an edge; the empty cells are not in its area
    m2 = skyrmion(X, X, centre=(26e-9, 32e-9), radius=6e-9)
    o2 = one(ds.assign(m=as_dataarray(m2, H, H)))
    assert o2.at_edge
    full = one(as_dataarray(m2, H, H))
    assert o2.n_cells < full.n_cells


def test_min_cells_drops_specks():
    m = skyrmion(X, X, centre=CENTRE, radius=R)
    m[5, 5] = (0.0, 0.0, -1.0)  # one flipped cell
    da = as_dataarray(m, H, H)
    assert len(find_objects(da)) == 1
    got = find_objects(da, min_cells=1)
    assert len(got) == 2 and sorted(got.n_cells)[0] == 1


def test_uniform_frame_has_no_objects_and_bad_arguments_raise():
    m = np.zeros((N, N, 3))
    m[..., 2] = 1.0
    empty = find_objects(as_dataarray(m, H, H))
    assert empty.empty and "x" in empty.columns
    with pytest.raises(ValueError, match="n_rays"):
        find_objects(as_dataarray(m, H, H), n_rays=4)
    with pytest.raises(ValueError, match="background"):
        find_objects(as_dataarray(m, H, H), background=0)
    with pytest.raises(TypeError):
        find_objects(m)
