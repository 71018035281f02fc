"""Shapes and their rasterisation at cell centres (orchestrator/study/shapes.py, raster.py).

Most meshes here have 1 m cells (tests/study/study_helpers.py), so cell centres are exact
half-integers: boxes and polygons with edges on cell faces give exact counts, and
boundaries placed exactly on centres test the "boundary included" rule with no rounding.
Curved shapes are compared with (a) a brute-force count of cell centres in plain Python
loops, and (b) their analytic area, within a tolerance tied to the perimeter P: a cell
can only be misassigned if the outline crosses it, and the signed errors of a smooth
outline largely cancel, so |N − A/h²| stays a small fraction of P/h; we allow 0.25·P/h,
several times what the shapes below show, yet far below any real mistake (a radius off
by one cell changes N by ≈ P/h).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError
from study_helpers import raster, shape_mask, study

from orchestrator.study.raster import VACUUM, rasterize
from orchestrator.study.shapes import Box, Difference, Disk, Ellipse, HalfPlane, Polygon


def brute_count(n, inside) -> int:
    """Cells (i, j) of an n×n grid of unit cells whose centre satisfies ``inside``."""
    return sum(1 for i in range(n) for j in range(n) if inside(i + 0.5, j + 0.5))


def ellipse_perimeter(a: float, b: float) -> float:
    """Ramanujan's approximation (relative error < 1e-9 for b/a > 0.3)."""
    return math.pi * (3 * (a + b) - math.sqrt((3 * a + b) * (a + 3 * b)))


# --------------------------------------------------------------------------- box

def test_box_exact_count():
    m = shape_mask({"type": "box", "min": [2, 3], "max": [10, 7]})
    assert m.sum() == 8 * 4
    ys, xs = np.nonzero(m[0])
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (2, 9, 3, 6)


def test_box_boundary_on_cell_centres_is_included():
    # edges through the centres 2.5 and 5.5: 4 columns × 4 rows
    m = shape_mask({"type": "box", "min": [2.5, 2.5], "max": [5.5, 5.5]})
    assert m.sum() == 16


def test_box_with_units_on_a_nanometre_mesh():
    m = shape_mask({"type": "box", "min": ["2 nm", "3 nm"], "max": ["10 nm", "7 nm"]},
                   cell=(1e-9, 1e-9, 1e-9))
    assert m.sum() == 32


def test_box_with_three_coordinates_limits_z():
    m = shape_mask({"type": "box", "min": [0, 0, 1], "max": [4, 4, 3]}, n=(4, 4, 4))
    # z centres 1.5 and 2.5 only
    assert m.sum() == 4 * 4 * 2 and m[1:3].all() and not m[0].any() and not m[3].any()


def test_z_range_on_any_shape_is_inclusive():
    disk = {"type": "disk", "centre": [8, 8], "radius": 5}
    full = shape_mask(disk, n=(16, 16, 4))
    part = shape_mask({**disk, "z": [1.5, 2.5]}, n=(16, 16, 4))   # on the centres 1.5, 2.5
    assert (part[1:3] == full[1:3]).all() and not part[[0, 3]].any()
    assert part.sum() == 2 * full[0].sum()


# --------------------------------------------------------------------------- disk, ellipse

@pytest.mark.parametrize("centre, radius", [((32, 32), 20), ((31.5, 30.25), 12.3),
                                            ((20, 40), 7), ((32, 32), 30.5)])
def test_disk_against_brute_force_and_area(centre, radius):
    n = 64
    m = shape_mask({"type": "disk", "centre": list(centre), "radius": radius}, n=(n, n, 1))
    cx, cy = centre
    expected = brute_count(n, lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2)
    assert m.sum() == expected
    assert abs(m.sum() - math.pi * radius ** 2) <= 0.25 * 2 * math.pi * radius


def test_disk_boundary_on_a_centre_is_included():
    # radius 3 around the centre of cell (8, 8): the four cells at distance exactly 3 count
    m = shape_mask({"type": "disk", "centre": [8.5, 8.5], "radius": 3})
    assert m[0, 8, 11] and m[0, 8, 5] and m[0, 11, 8] and m[0, 5, 8]
    assert m.sum() == brute_count(16, lambda x, y: (x - 8.5) ** 2 + (y - 8.5) ** 2 <= 9)


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, 137.0])
def test_ellipse_area_orientation_and_angle_units(angle):
    n, a, b, c = 80, 30.0, 11.0, (40.0, 40.0)
    shape = {"type": "ellipse", "centre": list(c), "radii": [a, b], "angle": f"{angle} deg"}
    m = shape_mask(shape, n=(n, n, 1))
    th = math.radians(angle)
    assert (m == shape_mask({**shape, "angle": th}, n=(n, n, 1))).all()  # "deg" = rad

    def inside(x, y):
        u = (x - c[0]) * math.cos(th) + (y - c[1]) * math.sin(th)
        v = -(x - c[0]) * math.sin(th) + (y - c[1]) * math.cos(th)
        return (u / a) ** 2 + (v / b) ** 2 <= 1
    assert m.sum() == brute_count(n, inside)
    assert abs(m.sum() - math.pi * a * b) <= 0.25 * ellipse_perimeter(a, b)
    # the major axis points along the angle (counter-clockwise from +x)
    along = (c[0] + 0.9 * a * math.cos(th), c[1] + 0.9 * a * math.sin(th))
    across = (c[0] - 0.9 * a * math.sin(th), c[1] + 0.9 * a * math.cos(th))
    assert m[0, int(along[1]), int(along[0])]
    assert not m[0, int(across[1]), int(across[0])]


def test_ellipse_with_equal_radii_is_the_disk():
    d = shape_mask({"type": "disk", "centre": [8, 8], "radius": 5.5})
    e = shape_mask({"type": "ellipse", "centre": [8, 8], "radii": [5.5, 5.5], "angle": 0.7})
    assert (d == e).all()


# --------------------------------------------------------------------------- polygon

L_SHAPE = [[2, 2], [12, 2], [12, 6], [6, 6], [6, 14], [2, 14]]   # concave, area 40 + 32


@pytest.mark.parametrize("vertices", [L_SHAPE, L_SHAPE[::-1], L_SHAPE[3:] + L_SHAPE[:3]])
def test_concave_polygon_exact_count_any_orientation(vertices):
    m = shape_mask({"type": "polygon", "vertices": vertices})
    assert m.sum() == 72
    assert not m[0, 10, 10]            # the notch of the L is outside
    assert m[0, 12, 3] and m[0, 3, 10]


def test_polygon_boundary_through_centres_is_included_both_orientations():
    sq = [[2.5, 2.5], [5.5, 2.5], [5.5, 5.5], [2.5, 5.5]]
    box = shape_mask({"type": "box", "min": [2.5, 2.5], "max": [5.5, 5.5]})
    for v in (sq, sq[::-1]):
        assert (shape_mask({"type": "polygon", "vertices": v}) == box).all()
    # a triangle whose hypotenuse runs through centres (x + y = 10.0 at (4.5, 5.5) ...)
    tri = shape_mask({"type": "polygon", "vertices": [[0, 0], [10, 0], [0, 10]]})
    assert tri.sum() == brute_count(16, lambda x, y: x + y <= 10)


def test_concave_star_area():
    n, c, r_out, r_in = 96, 48.0, 40.0, 15.0
    verts = []
    for k in range(10):
        r = r_out if k % 2 == 0 else r_in
        phi = math.pi / 2 + k * math.pi / 5
        verts.append([c + r * math.cos(phi), c + r * math.sin(phi)])
    m = shape_mask({"type": "polygon", "vertices": verts}, n=(n, n, 1))
    x, y = np.array(verts).T
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))   # shoelace
    perimeter = np.hypot(np.diff(x, append=x[0]), np.diff(y, append=y[0])).sum()
    assert abs(m.sum() - area) <= 0.25 * perimeter
    assert m[0, 48, 48] and not m[0, 48 + 20, 48 + 20]      # centre in, a notch out


def test_polygon_needs_three_vertices():
    with pytest.raises(ValidationError, match="at least 3 vertices"):
        Polygon(vertices=[[0, 0], [1, 1]])


# --------------------------------------------------------------------------- half-plane

def test_half_plane_sides_and_boundary():
    right = shape_mask({"type": "half_plane", "point": [4, 0], "normal": [1, 0]})
    left = shape_mask({"type": "half_plane", "point": [4, 0], "normal": [-1, 0]})
    assert right[0].sum(axis=1).tolist() == [12] * 16 and (right | left).all()
    assert not (right & left).any()                     # x = 4 is a cell face
    on = shape_mask({"type": "half_plane", "point": [4.5, 0], "normal": [1, 0]})
    on_l = shape_mask({"type": "half_plane", "point": [4.5, 0], "normal": [-1, 0]})
    assert (on & on_l).sum() == 16 and (on & on_l)[0, :, 4].all()   # centres on the line


def test_oblique_half_plane_against_brute_force():
    m = shape_mask({"type": "half_plane", "point": [3, 5], "normal": [2, -1]})
    assert m.sum() == brute_count(16, lambda x, y: 2 * (x - 3) - (y - 5) >= 0)


def test_half_plane_normal_must_be_nonzero():
    with pytest.raises(ValidationError, match="non-zero"):
        HalfPlane(point=[0, 0], normal=[0, 0])


# --------------------------------------------------------------------------- combinations

A = {"type": "disk", "centre": [6, 8], "radius": 4.5}
B = {"type": "disk", "centre": [10, 8], "radius": 4.5}


def test_union_intersection_difference_are_set_algebra():
    a, b = shape_mask(A), shape_mask(B)
    u = shape_mask({"type": "union", "shapes": [A, B]})
    i = shape_mask({"type": "intersection", "shapes": [A, B]})
    d = shape_mask({"type": "difference", "base": A, "minus": [B]})
    assert (u == (a | b)).all() and (i == (a & b)).all() and (d == (a & ~b)).all()
    assert 0 < i.sum() < a.sum()
    assert u.sum() == a.sum() + b.sum() - i.sum()
    assert d.sum() == a.sum() - i.sum()


def test_nested_combination_with_z():
    ring = {"type": "difference", "base": {"type": "disk", "centre": [8, 8], "radius": 7},
            "minus": [{"type": "disk", "centre": [8, 8], "radius": 3}], "z": [0, 1]}
    m = shape_mask(ring, n=(16, 16, 3))
    assert m[0].sum() == brute_count(16, lambda x, y: 9 < (x - 8) ** 2 + (y - 8) ** 2 <= 49)
    assert not m[1:].any()


def test_python_shape_objects_match_dicts():
    obj = Difference(base=Box(min=[0, 0], max=[10e-9, 10e-9]),
                     minus=[Disk(centre=["5 nm", "5 nm"], radius="2 nm")])
    x = np.array([1e-9, 5e-9, 6.5e-9]); y = np.array([1e-9, 5e-9, 5e-9])
    assert obj.contains(x, y, np.zeros(3)).tolist() == [True, False, False]
    e = Ellipse(centre=[0, 0], radii=["3 nm", "1 nm"], angle="90 deg")
    assert e.contains(np.array([0.0, 2.5e-9]), np.array([2.5e-9, 0.0]),
                      np.zeros(2)).tolist() == [True, False]


def test_bad_shape_values():
    with pytest.raises(ValidationError, match="radii must be positive"):
        Ellipse(centre=[0, 0], radii=[1, 0])
    with pytest.raises(ValidationError):
        Disk(centre=[0, 0], radius=-1)
    with pytest.raises(ValidationError, match="not a quantity in m"):
        Disk(centre=["1 ns", 0], radius=1)
    with pytest.raises(ValidationError, match="2 lengths"):
        Disk(centre=[0, 0, 0], radius=1)


# --------------------------------------------------------------------------- raster

def test_later_regions_win_and_vacuum_is_in_no_region():
    a = {"type": "box", "min": [0, 0], "max": [10, 16]}
    b = {"type": "box", "min": [6, 0], "max": [14, 16]}
    r = raster([{"name": "a", "shape": a}, {"name": "b", "shape": b}])
    assert r.names == ["a", "b"]
    assert r.mask("a").sum() == 6 * 16 and r.mask("b").sum() == 8 * 16     # overlap to b
    assert r.vacuum.sum() == 2 * 16 and (r.index[0, :, 14:] == VACUUM).all()
    r2 = raster([{"name": "b", "shape": b}, {"name": "a", "shape": a}])
    assert r2.mask("a").sum() == 10 * 16 and r2.mask("b").sum() == 4 * 16   # overlap to a
    assert (r.vacuum == r2.vacuum).all()


def test_default_region_is_everything_and_per_cell_values():
    r = raster([{"name": "all_"}, {"name": "dot", "shape": {"type": "disk", "centre": [8, 8],
                                                            "radius": 2}}])
    assert not r.vacuum.any()
    v = r.per_cell({"dot": 2.0}, fill=-1.0)
    assert (v[r.mask("dot")] == 2.0).all() and (v[r.mask("all_")] == -1.0).all()


def test_raster_coordinates_are_cell_centres():
    s = study(mesh={"n": [4, 3, 2], "cell": ["2 nm", "3 nm", "5 nm"]})
    r = rasterize(s)
    assert r.index.shape == (2, 3, 4)
    np.testing.assert_allclose(r.coords["x"], [1e-9, 3e-9, 5e-9, 7e-9], rtol=1e-15)
    np.testing.assert_allclose(r.coords["y"], [1.5e-9, 4.5e-9, 7.5e-9], rtol=1e-15)
    np.testing.assert_allclose(r.coords["z"], [2.5e-9, 7.5e-9], rtol=1e-15)
    assert r.names == ["body"] and (r.index == 0).all()


def test_raster_axis_order_is_z_y_x():
    # a box only at large x, small y, top layer: index [z, y, x]
    r = raster([{"name": "r", "shape": {"type": "box", "min": [12, 0, 2], "max": [16, 2, 3]}}],
               n=(16, 8, 3))
    zs, ys, xs = np.nonzero(r.mask("r"))
    assert set(zs) == {2} and set(ys) == {0, 1} and set(xs) == {12, 13, 14, 15}
