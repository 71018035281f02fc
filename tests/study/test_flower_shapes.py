"""The flower and regular-polygon shapes (orchestrator/study/shapes.py) of paper 004.

The trusted numbers are analytic: the flower's area √3/4·s_t² + 3πab/2 (petals that do
not overlap) and the cap's √3/4·25.4² nm² (notes-004 §2). A fine sampling grid (0.05 nm)
counts points in the shape; the count times the point's area converges to the area with
an error bounded by the outline's length times the spacing (≈ 400 nm × 0.05 nm = 20 nm²
at worst, far less as signed errors of a smooth outline cancel), so the tolerances below
(1 nm² for the flower, 0.5 nm² for the cap) are several times what a correct outline gives
and far below a wrong part (a petal off by 1 nm in a or b moves the area by ≥ 35 nm²).

The flower is also compared cell for cell with the same outline written by hand from
primitives (a polygon with explicit vertices and three ellipse ∩ half-plane petals), the
way a user would write it without the new shape: the new shape must be exactly that.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError
from study_helpers import raster, study

from orchestrator.study.shapes import Flower, RegularPolygon

NM = 1e-9
A_NM, B_NM = 54.0, 22.0  # the paper's semi-axes (notes-004 §2)
CENTRE = [64 * NM, 43.5 * NM]  # on the 128 × 112 mesh of 1 nm cells (design flower.md §1.3)


def _fine_area(shape, extent=(0, 130e-9, -5e-9, 120e-9), h=0.05e-9) -> float:
    """Area of ``shape`` (m²) counted on a grid of spacing h."""
    x = np.arange(extent[0] + h / 2, extent[1], h)
    y = np.arange(extent[2] + h / 2, extent[3], h)
    X, Y = np.meshgrid(x, y)
    return float(shape.contains(X, Y, np.zeros_like(X)).sum()) * h * h


def test_flower_area_interpretation_a():
    f = Flower(centre=CENTRE, a=A_NM * NM, b=B_NM * NM)
    exact = math.sqrt(3) / 4 * 44 ** 2 + 3 * math.pi * A_NM * B_NM / 2  # 6436.6 nm²
    assert f.area / NM ** 2 == pytest.approx(exact, rel=1e-12)
    assert _fine_area(f) / NM ** 2 == pytest.approx(exact, abs=1.0)


def test_flower_area_interpretation_b_petals_overlap():
    # the cap is the central triangle (side 25.4 nm): the 44-nm petal bases overlap near
    # its vertices, so the area is less than the sum of the parts
    f = Flower(centre=CENTRE, a=A_NM * NM, b=B_NM * NM, triangle_side="25.4 nm")
    area = _fine_area(f) / NM ** 2
    assert area < f.area / NM ** 2 - 100  # overlaps of ~150 nm² (design §1.3)
    # the union's area by inclusion–exclusion on the same grid: parts minus pairwise overlaps
    parts = f.parts()
    x = np.arange(0.025e-9, 130e-9, 0.05e-9)
    y = np.arange(-4.975e-9, 120e-9, 0.05e-9)
    X, Y = np.meshgrid(x, y)
    masks = [p.contains(X, Y, 0 * X) for p in parts]
    count = sum(int(m.sum()) for m in masks)
    overlap = np.sum(masks, axis=0)
    count -= int((overlap - 1).clip(0).sum())
    assert area == pytest.approx(count * 0.05 ** 2, abs=1e-9)


def test_regular_polygon_area_and_inradius():
    cap = RegularPolygon(centre=CENTRE, sides=3, side="25.4 nm", angle="90 deg")
    assert cap.area / NM ** 2 == pytest.approx(math.sqrt(3) / 4 * 25.4 ** 2, rel=1e-12)
    assert _fine_area(cap, (40e-9, 90e-9, 20e-9, 70e-9)) / NM ** 2 == pytest.approx(
        279.36, abs=0.5)
    hexagon = RegularPolygon(centre=CENTRE, sides=6, side="10 nm")
    assert hexagon.area / NM ** 2 == pytest.approx(3 * math.sqrt(3) / 2 * 100, rel=1e-12)
    assert _fine_area(hexagon, (40e-9, 90e-9, 20e-9, 70e-9)) / NM ** 2 == pytest.approx(
        259.81, abs=0.5)


def test_regular_polygon_orientation():
    # angle = the first side's outward normal: at 90° the first side is on top, so the
    # triangle's top is flat at centre + r_in and its lowest vertex at centre − 2 r_in
    cap = RegularPolygon(centre=[0, 0], sides=3, side=2.0, angle="90 deg")
    r = cap.inradius
    inside = lambda x, y: bool(cap.contains(np.array(x), np.array(y), np.array(0.0)))
    assert inside(0.0, r * (1 - 1e-6)) and not inside(0.0, r * (1 + 1e-6))
    assert inside(0.0, -2 * r * (1 - 1e-6)) and not inside(0.0, -2 * r * (1 + 1e-6))
    assert inside(0.99, r * 0.99)  # near the top side's right end (vertex at x = 1)
    assert inside(0.0, r)  # the boundary is included


def _flower_by_hand() -> list[dict]:
    """The paper's flower (A) written by hand from primitives, in nm: a triangle of side
    44 nm with vertices at 30°, 150°, 270° and three half-ellipses on its sides."""
    cx, cy = 64.0, 43.5
    r_in = 44 / (2 * math.sqrt(3))
    r_out = 2 * r_in
    verts = [[f"{cx + r_out * math.cos(math.radians(t))} nm",
              f"{cy + r_out * math.sin(math.radians(t))} nm"] for t in (30, 150, 270)]
    shapes = [{"type": "polygon", "vertices": verts}]
    for th in (90, 210, 330):
        u = (math.cos(math.radians(th)), math.sin(math.radians(th)))
        mid = [f"{cx + r_in * u[0]} nm", f"{cy + r_in * u[1]} nm"]
        shapes.append({"type": "intersection", "shapes": [
            {"type": "ellipse", "centre": mid, "radii": ["54 nm", "22 nm"],
             "angle": f"{th} deg"},
            {"type": "half_plane", "point": mid, "normal": list(u)}]})
    return shapes


def _paper_raster(shape: dict, name: str = "f"):
    return raster([{"name": name, "shape": shape}], n=(128, 112, 1), cell=(NM, NM, NM))


FLOWER = {"type": "flower", "centre": ["64 nm", "43.5 nm"], "a": "54 nm", "b": "22 nm"}
CAP = {"type": "regular_polygon", "centre": ["64 nm", "43.5 nm"], "sides": 3,
       "side": "25.4 nm", "angle": "90 deg"}


def test_flower_equals_the_primitives_cell_for_cell():
    new = _paper_raster(FLOWER).mask("f")
    by_hand = _paper_raster({"type": "union", "shapes": _flower_by_hand()}).mask("f")
    assert new.sum() > 6000
    assert np.array_equal(new, by_hand)


def test_flower_and_cap_on_the_paper_mesh():
    # cell counts on the 128 × 112 mesh of 1 nm cells, the flower centred at (64, 43.5) nm:
    # within the analytic areas to the perimeter rule of test_study_shapes.py (|N − A/h²|
    # ≤ 0.25 P/h: P ≈ 330 nm for the flower, 76 for the cap), and the counts the paper's
    # studies rest on (design flower.md §1.3: 6440 and 284)
    flower = _paper_raster(FLOWER).mask("f")
    cap = _paper_raster(CAP).mask("f")
    assert abs(flower.sum() - 6436.6) <= 0.25 * 330
    assert abs(cap.sum() - 279.36) <= 0.25 * 76
    assert (int(flower.sum()), int(cap.sum())) == (6440, 284)
    # the cap turned by 60° (a vertex up) has the same cells on this raster (the centre
    # sits on a cell-centre row, so the raster is symmetric under the point inversion)
    turned = _paper_raster({**CAP, "angle": "30 deg"}).mask("f")
    assert int(turned.sum()) == 284
    assert (cap & flower).sum() == cap.sum()  # the cap lies inside the flower


def test_flower_is_mirror_symmetric_in_x():
    # x = 64 nm is a cell boundary: petals I (330°) and II (210°) are mirror images, cell
    # for cell, and so is the whole flower
    flower = _paper_raster(FLOWER).mask("f")[0]
    assert np.array_equal(flower, flower[:, ::-1])


def test_petals_and_triangle_partition_the_flower():
    whole = _paper_raster(FLOWER).mask("f")
    parts = [_paper_raster({**FLOWER, "petals": [k], "triangle": False}).mask("f")
             for k in range(3)]
    parts.append(_paper_raster({**FLOWER, "petals": []}).mask("f"))
    total = np.sum(parts, axis=0)
    # with the default triangle side 2b the parts meet only along lines: a cell centre on
    # a shared side may count twice, nothing else
    assert np.array_equal(total > 0, whole)
    assert int((total > 1).sum()) <= 2 * 44
    # petal 0 is the upper one: all its cells lie above the triangle's top side
    upper = parts[0][0]
    ys = np.nonzero(upper)[0]
    assert ys.min() + 0.5 >= 43.5 + 44 / (2 * math.sqrt(3)) - 1e-9


@pytest.mark.parametrize("bad, match", [
    ({"petals": [3]}, "petals are distinct numbers among 0, 1, 2"),
    ({"petals": [0, 0]}, "petals are distinct"),
    ({"a": "-1 nm"}, "greater than 0"),
    ({"triangle_side": "0 nm"}, "greater than 0"),
])
def test_flower_bad_input(bad, match):
    with pytest.raises(ValidationError, match=match):
        study(regions=[{"name": "f", "shape": {**FLOWER, **bad}}])


def test_regular_polygon_bad_input():
    with pytest.raises(ValidationError, match="greater than or equal to 3"):
        study(regions=[{"name": "f", "shape": {**CAP, "sides": 2}}])
    with pytest.raises(ValidationError, match="2 lengths"):
        study(regions=[{"name": "f", "shape": {**CAP, "centre": ["1 nm"]}}])
