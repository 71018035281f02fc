"""Geometry shapes of a study: box, disk, ellipse, polygon, regular polygon, half-plane,
their union, intersection and difference, a petal flower (paper 004), and seeded random
sites (impurities).

Shapes are prisms through the film (x–y outlines) unless they give a ``z`` range;
coordinates are in metres from the mesh's lower corner. A cell belongs to a shape
when its centre does (boundary included), the rule mumax3 and OOMMF's scripted
regions use, so every backend sees the same cells: the study is rasterised once
(:func:`orchestrator.study.raster.rasterize`) and that raster is what each backend
gets.

Each shape is a small pydantic model with a ``contains(x, y, z)`` method over numpy
arrays of cell-centre coordinates. All but :class:`RandomSites` decide each point on its
own; ``random_sites`` draws a fixed number of sites among the points of one call, so it
must be called with the whole mesh at once, as :func:`~orchestrator.study.raster.rasterize`
does (a shape containing it, ``union`` and the like, passes the same arrays on).

Examples
--------
>>> import numpy as np
>>> chamber = Difference(base=Box(min=[0, 0], max=[10e-9, 10e-9]),
...                      minus=[Disk(centre=[5e-9, 5e-9], radius=2e-9)])
>>> x = np.array([1e-9, 5e-9]); y = np.array([1e-9, 5e-9])
>>> chamber.contains(x, y, np.zeros(2)).tolist()
[True, False]
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from orchestrator.study.units import to_si

__all__ = ["Shape", "Box", "Disk", "Ellipse", "Polygon", "RegularPolygon", "HalfPlane",
           "Flower", "Everything", "Union_", "Intersection", "Difference", "RandomSites"]


def _length(v) -> float:
    return to_si(v, "m")


def _lengths(v, n: tuple[int, ...]) -> list[float]:
    if not isinstance(v, (list, tuple)) or len(v) not in n:
        raise ValueError(f"expected {' or '.join(map(str, n))} lengths, got {v!r}")
    return [_length(x) for x in v]


def _no_bool(v):
    if isinstance(v, bool):
        raise ValueError(f"a seed is a non-negative integer, not {v!r}")
    return v


#: a random generator's seed: a non-negative integer (a TOML ``true`` is refused)
Seed = Annotated[int, BeforeValidator(_no_bool), Field(ge=0)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    z: list[float] | None = Field(None, description="[z0, z1] range in m (default: all)")

    @field_validator("z", mode="before")
    @classmethod
    def _z(cls, v):
        return None if v is None else _lengths(v, (2,))

    def contains(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Whether each point (x, y, z) lies in the shape."""
        inside = self._xy(np.asarray(x, float), np.asarray(y, float), np.asarray(z, float))
        if self.z is not None:
            inside = inside & (z >= self.z[0]) & (z <= self.z[1])
        return inside

    def _xy(self, x, y, z) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class Everything(_Shape):
    """The whole mesh (optionally a z range)."""

    type: Literal["all"] = "all"

    def _xy(self, x, y, z):
        return np.ones(np.broadcast(x, y, z).shape, bool)


class Box(_Shape):
    """An axis-aligned box ``min ≤ r ≤ max`` (2 or 3 coordinates each)."""

    type: Literal["box"] = "box"
    min: list[float]
    max: list[float]

    @field_validator("min", "max", mode="before")
    @classmethod
    def _corners(cls, v):
        return _lengths(v, (2, 3))

    def _xy(self, x, y, z):
        ok = (x >= self.min[0]) & (x <= self.max[0]) & (y >= self.min[1]) & (y <= self.max[1])
        if len(self.min) == 3 and len(self.max) == 3:
            ok = ok & (z >= self.min[2]) & (z <= self.max[2])
        return ok


class Disk(_Shape):
    """A disk of ``radius`` around ``centre`` (x, y)."""

    type: Literal["disk"] = "disk"
    centre: list[float]
    radius: float = Field(gt=0)

    @field_validator("centre", mode="before")
    @classmethod
    def _centre(cls, v):
        return _lengths(v, (2,))

    @field_validator("radius", mode="before")
    @classmethod
    def _radius(cls, v):
        return _length(v)

    def _xy(self, x, y, z):
        return (x - self.centre[0]) ** 2 + (y - self.centre[1]) ** 2 <= self.radius ** 2


class Ellipse(_Shape):
    """An ellipse with semi-axes ``radii`` (a, b) around ``centre``, rotated by
    ``angle`` (rad, or a string with units) counter-clockwise from x."""

    type: Literal["ellipse"] = "ellipse"
    centre: list[float]
    radii: list[float]
    angle: float = 0.0

    @field_validator("centre", "radii", mode="before")
    @classmethod
    def _pairs(cls, v):
        return _lengths(v, (2,))

    @field_validator("angle", mode="before")
    @classmethod
    def _angle(cls, v):
        return to_si(v, "rad")

    @field_validator("radii")
    @classmethod
    def _positive(cls, v):
        if min(v) <= 0:
            raise ValueError(f"radii must be positive, got {v}")
        return v

    def _xy(self, x, y, z):
        c, s = np.cos(self.angle), np.sin(self.angle)
        dx, dy = x - self.centre[0], y - self.centre[1]
        u, v = c * dx + s * dy, -s * dx + c * dy
        return (u / self.radii[0]) ** 2 + (v / self.radii[1]) ** 2 <= 1.0


class Polygon(_Shape):
    """A simple polygon through ``vertices`` [[x, y], ...] (even–odd rule)."""

    type: Literal["polygon"] = "polygon"
    vertices: list[list[float]]

    @field_validator("vertices", mode="before")
    @classmethod
    def _vertices(cls, v):
        if not isinstance(v, (list, tuple)) or len(v) < 3:
            raise ValueError(f"a polygon needs at least 3 vertices [x, y], got {v!r}")
        return [_lengths(p, (2,)) for p in v]

    def _xy(self, x, y, z):
        from matplotlib.path import Path as MplPath  # point-in-polygon, a tested library

        path = MplPath(np.asarray(self.vertices))
        pts = np.stack(np.broadcast_arrays(x, y), axis=-1)
        # radius: a tiny outward tolerance so points on the outline count as inside
        scale = float(np.ptp(np.asarray(self.vertices)))
        inside = path.contains_points(pts.reshape(-1, 2), radius=1e-9 * scale)
        inside |= path.contains_points(pts.reshape(-1, 2), radius=-1e-9 * scale)
        return inside.reshape(pts.shape[:-1])


class HalfPlane(_Shape):
    """The half-plane ``(r − point)·normal ≥ 0``: the side ``normal`` points into."""

    type: Literal["half_plane"] = "half_plane"
    point: list[float]
    normal: list[float]

    @field_validator("point", mode="before")
    @classmethod
    def _point(cls, v):
        return _lengths(v, (2,))

    @field_validator("normal")
    @classmethod
    def _normal(cls, v):
        if len(v) != 2 or np.hypot(*v) == 0:
            raise ValueError(f"normal must be a non-zero [nx, ny], got {v!r}")
        return v

    def _xy(self, x, y, z):
        return ((x - self.point[0]) * self.normal[0] + (y - self.point[1]) * self.normal[1]) >= 0


def _angle_rad(v) -> float:
    return to_si(v, "rad")


class RegularPolygon(_Shape):
    """A regular polygon of ``sides`` sides of length ``side`` around ``centre``;
    ``angle`` (rad, or a string with units) is the direction of its first side's outward
    normal, counter-clockwise from x (the others follow every 2π/sides).

    A point is inside when it lies on the inner side of every edge line, i.e.
    ``(r − centre)·n_j ≤ r_in`` for the outward normals n_j, with the inradius
    ``r_in = side / (2 tan(π/sides))`` (boundary included, to a relative 1e-9 as for
    :class:`Polygon`).

    Examples
    --------
    An equilateral triangle of side 25.4 nm, a vertex pointing down (its first side on top):

    >>> cap = RegularPolygon(centre=["64 nm", "43.5 nm"], sides=3, side="25.4 nm",
    ...                      angle="90 deg")
    >>> round(cap.area * 1e18, 2), round(cap.inradius * 1e9, 3)
    (279.36, 7.332)
    """

    type: Literal["regular_polygon"] = "regular_polygon"
    centre: list[float]
    sides: int = Field(ge=3)
    side: float = Field(gt=0)
    angle: float = 0.0

    @field_validator("centre", mode="before")
    @classmethod
    def _centre(cls, v):
        return _lengths(v, (2,))

    @field_validator("side", mode="before")
    @classmethod
    def _side(cls, v):
        return _length(v)

    @field_validator("angle", mode="before")
    @classmethod
    def _angle(cls, v):
        return _angle_rad(v)

    @property
    def inradius(self) -> float:
        """Distance from the centre to each side (m)."""
        return float(self.side / (2 * np.tan(np.pi / self.sides)))

    @property
    def area(self) -> float:
        """The polygon's area (m²): n · side · r_in / 2."""
        return self.sides * self.side * self.inradius / 2

    def normals(self) -> np.ndarray:
        """The sides' outward unit normals, shape (sides, 2)."""
        th = self.angle + 2 * np.pi * np.arange(self.sides) / self.sides
        return np.stack([np.cos(th), np.sin(th)], axis=-1)

    def _xy(self, x, y, z):
        dx, dy = x - self.centre[0], y - self.centre[1]
        limit = self.inradius * (1 + 1e-9)
        inside = np.ones(np.broadcast(dx, dy).shape, bool)
        for nx, ny in self.normals():
            inside &= dx * nx + dy * ny <= limit
        return inside


class Flower(_Shape):
    """Three semi-elliptical petals on the sides of a central equilateral triangle: the
    nanoflower of paper 004 (Tan et al.; ``shared/papers/notes-004.md`` §2).

    Petal k points along ``angle + k·120°`` (k = 0, 1, 2; by default 90°, 210°, 330°:
    upper, left-down, right-down); the triangle's sides are perpendicular to the petal
    directions (its vertices lie between the petals) at the inradius
    ``r_in = triangle_side / (2√3)``. Petal k is the half of the ellipse with semi-axes
    ``a`` (along the petal) and ``b`` (across), centred on the middle of side k, that lies
    outside that side: {s ≥ 0, (s/a)² + (t/b)² ≤ 1} with s, t measured along and across
    the petal from the side's middle. ``triangle_side`` defaults to ``2b`` (the petals'
    flat sides make the triangle: the paper's geometry read as in notes §2); a smaller one
    makes the petals' bases overlap near its vertices. ``petals`` and ``triangle`` select
    parts (a petal alone as a mask, say).

    The flower is sugar over the primitives: :meth:`parts` returns the
    :class:`RegularPolygon` and one ``Intersection(Ellipse, HalfPlane)`` per petal, and a
    point is inside when it is inside any part.

    Examples
    --------
    The paper's flower (a = 54 nm, b = 22 nm): area √3/4·(2b)² + 3πab/2.

    >>> f = Flower(centre=["64 nm", "43.5 nm"], a="54 nm", b="22 nm")
    >>> round(f.area * 1e18, 1)
    6436.6
    """

    type: Literal["flower"] = "flower"
    centre: list[float]
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    triangle_side: float | None = Field(None, gt=0)
    angle: float = float(np.pi / 2)
    petals: list[int] = Field(default_factory=lambda: [0, 1, 2])
    triangle: bool = True

    @field_validator("centre", mode="before")
    @classmethod
    def _centre(cls, v):
        return _lengths(v, (2,))

    @field_validator("a", "b", "triangle_side", mode="before")
    @classmethod
    def _len(cls, v):
        return None if v is None else _length(v)

    @field_validator("angle", mode="before")
    @classmethod
    def _angle(cls, v):
        return _angle_rad(v)

    @field_validator("petals")
    @classmethod
    def _petals(cls, v):
        if any(k not in (0, 1, 2) for k in v) or len(set(v)) != len(v):
            raise ValueError(f"petals are distinct numbers among 0, 1, 2 (the petal at "
                             f"angle + k·120°), got {v!r}")
        return v

    @property
    def side(self) -> float:
        """The central triangle's side (m): ``triangle_side``, default 2b."""
        return self.triangle_side if self.triangle_side is not None else 2 * self.b

    @property
    def area(self) -> float:
        """The area of the parts selected (m²), when they do not overlap (the default
        triangle side 2b; a smaller side overlaps the petals' bases)."""
        tri = np.sqrt(3) / 4 * self.side ** 2 if self.triangle else 0.0
        return float(tri + len(self.petals) * np.pi * self.a * self.b / 2)

    def central_triangle(self) -> RegularPolygon:
        """The central triangle, its sides' normals along the petals."""
        return RegularPolygon(centre=self.centre, sides=3, side=self.side, angle=self.angle)

    def petal(self, k: int) -> Intersection:
        """Petal k as the half of an ellipse beyond side k of the triangle."""
        th = self.angle + 2 * np.pi * k / 3
        u = np.array([np.cos(th), np.sin(th)])
        mid = np.asarray(self.centre) + self.central_triangle().inradius * u
        return Intersection(shapes=[
            Ellipse(centre=mid.tolist(), radii=[self.a, self.b], angle=th),
            HalfPlane(point=mid.tolist(), normal=u.tolist())])

    def parts(self) -> list[_Shape]:
        """The selected parts: the triangle (if selected), then the petals."""
        return ([self.central_triangle()] if self.triangle else []) + \
            [self.petal(k) for k in self.petals]

    def _xy(self, x, y, z):
        parts = self.parts()
        if not parts:
            return np.zeros(np.broadcast(x, y, z).shape, bool)
        return np.logical_or.reduce([p.contains(x, y, z) for p in parts])


class Union_(_Shape):
    """Cells in any of ``shapes``."""

    type: Literal["union"] = "union"
    shapes: list[Shape]

    def _xy(self, x, y, z):
        return np.logical_or.reduce([s.contains(x, y, z) for s in self.shapes])


class Intersection(_Shape):
    """Cells in all of ``shapes``."""

    type: Literal["intersection"] = "intersection"
    shapes: list[Shape]

    def _xy(self, x, y, z):
        return np.logical_and.reduce([s.contains(x, y, z) for s in self.shapes])


class Difference(_Shape):
    """Cells in ``base`` and in none of ``minus``."""

    type: Literal["difference"] = "difference"
    base: Shape
    minus: list[Shape]

    def _xy(self, x, y, z):
        out = self.base.contains(x, y, z)
        for s in self.minus:
            out = out & ~s.contains(x, y, z)
        return out


class RandomSites(_Shape):
    """Exactly ``round(fraction · N)`` sites drawn at random, by ``seed``, among the N
    candidate sites: point impurities (paper 002, Eq. 233).

    The candidates are the points of one :meth:`contains` call that lie in ``within``
    (default: all of them) and in the ``z`` range, if given. A site is an x–y column: the
    candidates' distinct ``(x, y)`` pairs, in the fixed order of ascending y, then x (the
    raster's row-major cell order, ``iy·nx + ix``), so on a one-layer mesh a site is a cell;
    with several layers a chosen site holds all its candidate cells (a prism, like the
    other shapes). The sites drawn are those at positions
    ``numpy.random.default_rng(seed).choice(N, k, replace=False)`` of that order, with
    ``k = round(fraction · N)`` (Python's round, half to even). The count is fixed, not
    Bernoulli: 0.1 % is 22 sites on 150 × 150 (22.5 rounds to even), 30 on 600 × 50.

    The draw is over the points given in one call, so the shape must be called with the
    whole mesh's cell centres at once (as :func:`orchestrator.study.raster.rasterize`
    does); the same arrays give the same sites. ValueError (naming ``fraction`` or
    ``within``) when no candidate lies in ``within`` or the count rounds to 0.

    Examples
    --------
    >>> x, y = np.meshgrid(np.arange(10) + 0.5, np.arange(10) + 0.5)
    >>> sites = RandomSites(fraction=0.05, seed=1)
    >>> int(sites.contains(x, y, np.zeros_like(x)).sum())
    5
    >>> bool((sites.contains(x, y, 0 * x) == sites.contains(x, y, 0 * x)).all())
    True
    """

    type: Literal["random_sites"] = "random_sites"
    fraction: float = Field(gt=0, le=1)
    seed: Seed
    within: Shape | None = None

    def contains(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Whether each point (x, y, z) is a drawn site (see the class docstring: the
        draw is over the candidates among all the points given)."""
        x, y, z = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float),
                                      np.asarray(z, float))
        candidate = (np.ones(x.shape, bool) if self.within is None
                     else np.asarray(self.within.contains(x, y, z), bool))
        if self.z is not None:
            candidate = candidate & (z >= self.z[0]) & (z <= self.z[1])
        # distinct (x, y) columns, sorted by y then x; column[i] numbers each candidate's
        columns, column = np.unique(np.stack([y[candidate], x[candidate]], axis=-1),
                                    axis=0, return_inverse=True)
        n = len(columns)
        if n == 0:
            raise ValueError("within: no cell centre lies in it, so there are no sites "
                             "to draw from")
        k = round(self.fraction * n)
        if k == 0:
            raise ValueError(f"fraction: {self.fraction!r} of {n} sites rounds to no site; "
                             f"the least fraction on this mesh is 1/{n} = {1 / n:.6g} "
                             "(one site)")
        chosen = np.zeros(n, bool)
        chosen[np.random.default_rng(self.seed).choice(n, k, replace=False)] = True
        out = np.zeros(x.shape, bool)
        out[candidate] = chosen[column.ravel()]
        return out


Shape = Annotated[Union[Everything, Box, Disk, Ellipse, Polygon, RegularPolygon, HalfPlane,
                        Flower, Union_, Intersection, Difference, RandomSites],
                  Field(discriminator="type")]

for _cls in (Flower, Union_, Intersection, Difference, RandomSites):
    _cls.model_rebuild()
