"""The study's geometry on its mesh: which region each cell belongs to.

Rasterised once here, at cell centres, and handed to every backend in the same form
(the built-in solver's region array, mumax3's and OOMMF's region files), so the
backends cannot disagree about which cell is where.

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

__all__ = ["Raster", "rasterize", "VACUUM"]

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


def rasterize(study: Study) -> Raster:
    """Assign each cell to the last listed region that contains its centre."""
    nx, ny, nz = study.mesh.cells
    dx, dy, dz = study.mesh.cell
    coords = {"x": (np.arange(nx) + 0.5) * dx, "y": (np.arange(ny) + 0.5) * dy,
              "z": (np.arange(nz) + 0.5) * dz}
    Z, Y, X = np.meshgrid(coords["z"], coords["y"], coords["x"], indexing="ij")
    index = np.full((nz, ny, nx), VACUUM, dtype=np.int32)
    for i, region in enumerate(study.regions):
        index[region.shape.contains(X, Y, Z)] = i
    return Raster(index, [r.name for r in study.regions], coords)
