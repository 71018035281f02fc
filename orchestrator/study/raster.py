"""The study's geometry on its mesh: which region each cell belongs to.

Rasterised once here, at cell centres, and handed to every backend in the same form
(the built-in solver's region array, mumax3's and OOMMF's region files), so the
backends cannot disagree about which cell is where. Each region's shape sees the whole
mesh's cell centres in one call, which a shape drawing random sites among them
(``random_sites``, :class:`orchestrator.study.shapes.RandomSites`) needs.

Examples
--------
>>> from orchestrator.study.model import Study
>>> s = Study.model_validate({
...     "name": "janus", "mesh": {"n": [4, 1, 1], "cell": [1e-9] * 3},
...     "regions": [{"name": "left"},
...                 {"name": "right", "shape": {"type": "half_plane", "point": [2e-9, 0],
...                                             "normal": [1, 0]}}],
...     "materials": {"default": {"Ms": 5.8e5}}, "stages": [{"type": "minimize"}]})
>>> r = rasterize(s)
>>> r.index[0, 0].tolist(), r.names
([0, 0, 1, 1], ['left', 'right'])
"""

from __future__ import annotations

import dataclasses

import numpy as np

from orchestrator.study.model import Study

__all__ = ["Raster", "rasterize", "cell_centres", "VACUUM"]

VACUUM = -1


@dataclasses.dataclass(frozen=True)
class Raster:
    """Region index per cell, shape ``(nz, ny, nx)``; ``VACUUM`` (−1) outside all regions.

    Attributes
    ----------
    index : ndarray of int32
    names : list of str
        Region names, by index.
    coords : dict of ndarray
        Cell-centre coordinates ``x``, ``y``, ``z`` (m, from the mesh's lower corner).
    """

    index: np.ndarray
    names: list[str]
    coords: dict[str, np.ndarray]

    @property
    def vacuum(self) -> np.ndarray:
        """Cells outside every region."""
        return self.index == VACUUM

    @property
    def used(self) -> list[str]:
        """Names of the regions that own at least one cell (a region wholly covered by
        later ones owns none)."""
        present = set(np.unique(self.index).tolist())
        return [r for i, r in enumerate(self.names) if i in present]

    def mask(self, name: str) -> np.ndarray:
        """Cells of region ``name``."""
        return self.index == self.names.index(name)

    def per_cell(self, values: dict[str, float], fill: float = 0.0) -> np.ndarray:
        """An array ``(nz, ny, nx)`` of per-region values (``fill`` in vacuum and in
        regions missing from ``values``)."""
        out = np.full(self.index.shape, fill, dtype=np.float64)
        for name, v in values.items():
            out[self.mask(name)] = v
        return out


def cell_centres(cells: tuple[int, int, int] | list[int],
                 cell: tuple[float, float, float] | list[float]) -> dict[str, np.ndarray]:
    """The cell-centre coordinates ``x``, ``y``, ``z`` (m, from the lower corner) of a
    mesh of ``cells`` = (nx, ny, nz) cells of size ``cell`` = (dx, dy, dz)."""
    return {axis: (np.arange(n) + 0.5) * d for axis, n, d in zip("xyz", cells, cell)}


def rasterize(study: Study) -> Raster:
    """Assign each cell to the last listed region that contains its centre; each shape is
    called once with the whole mesh's centres. ValueError ``regions.<name>.shape: ...``
    when a shape cannot be drawn on this mesh (a ``random_sites`` with no site)."""
    coords = cell_centres(study.mesh.cells, study.mesh.cell)
    Z, Y, X = np.meshgrid(coords["z"], coords["y"], coords["x"], indexing="ij")
    index = np.full(X.shape, VACUUM, dtype=np.int32)
    for i, region in enumerate(study.regions):
        try:
            index[region.shape.contains(X, Y, Z)] = i
        except ValueError as err:
            raise ValueError(f"regions.{region.name}.shape: {err}") from None
    return Raster(index, [r.name for r in study.regions], coords)
