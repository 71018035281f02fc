"""The mesh: cell counts and sizes, periodic axes, regions, and Ms per cell.

Arrays over cells have shape ``(nz, ny, nx)`` (vectors ``(nz, ny, nx, 3)``), the
order of OVF files and of :func:`analysis.open_run` datasets, so snapshots are
written without a transpose. Cell centres are at ``origin + (i + 1/2) * cell``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import numpy as np

__all__ = ["Mesh", "region_index", "region_mask"]


@dataclasses.dataclass
class Mesh:
    """A rectangular finite-difference mesh with named regions.

    Parameters
    ----------
    n : (nx, ny, nz)
        Cells along x, y, z.
    cell : (dx, dy, dz)
        Cell size in metres.
    pbc : str
        Periodic axes among ``"xyz"`` (e.g. ``"xy"``).
    pbc_repeats : (rx, ry, rz)
        Periodic images summed on each side by the demag term along periodic axes
        (mumax3's ``SetPBC`` counts).
    origin : (x0, y0, z0)
        Lower corner in metres.
    regions : ndarray of int, shape (nz, ny, nx), optional
        Region index per cell (default all 0).
    region_names : mapping, optional
        Name → region index.
    Ms : float or ndarray (nz, ny, nx)
        Saturation magnetisation in A/m; 0 marks empty cells.

    Examples
    --------
    >>> mesh = Mesh(n=(4, 3, 1), cell=(1e-9, 1e-9, 1e-9), Ms=8e5)
    >>> mesh.shape, float(mesh.Ms.sum()), mesh.magnetic.all()
    ((1, 3, 4), 9600000.0, np.True_)
    """

    n: tuple[int, int, int]
    cell: tuple[float, float, float]
    pbc: str = ""
    pbc_repeats: tuple[int, int, int] = (0, 0, 0)
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    regions: np.ndarray | None = None
    region_names: Mapping[str, int] = dataclasses.field(default_factory=dict)
    Ms: float | np.ndarray = 0.0

    def __post_init__(self) -> None:
        self.n = tuple(int(v) for v in self.n)
        self.cell = tuple(float(v) for v in self.cell)
        if any(v < 1 for v in self.n) or any(v <= 0 for v in self.cell):
            raise ValueError(f"mesh needs positive cell counts and sizes, got n={self.n}, "
                             f"cell={self.cell}")
        if set(self.pbc) - set("xyz"):
            raise ValueError(f"pbc must name axes among 'xyz', not {self.pbc!r}")
        if self.regions is None:
            self.regions = np.zeros(self.shape, dtype=np.int32)
        self.regions = np.asarray(self.regions, dtype=np.int32)
        self.Ms = np.broadcast_to(np.asarray(self.Ms, dtype=np.float64), self.shape).copy()
        if self.regions.shape != self.shape:
            raise ValueError(f"regions has shape {self.regions.shape}, mesh is {self.shape}")

    @property
    def shape(self) -> tuple[int, int, int]:
        """Cell array shape ``(nz, ny, nx)``."""
        nx, ny, nz = self.n
        return (nz, ny, nx)

    @property
    def cell_volume(self) -> float:
        """Volume of one cell in m³."""
        dx, dy, dz = self.cell
        return dx * dy * dz

    @property
    def magnetic(self) -> np.ndarray:
        """Cells with Ms > 0, shape ``(nz, ny, nx)``."""
        return self.Ms > 0

    def coords(self) -> dict[str, np.ndarray]:
        """Cell-centre coordinates ``{"x": ..., "y": ..., "z": ...}`` in metres."""
        return {ax: self.origin[i] + (np.arange(self.n[i]) + 0.5) * self.cell[i]
                for i, ax in enumerate("xyz")}

    def per_cell(self, value) -> np.ndarray:
        """A parameter as a per-cell array: a scalar, a {region name or index: value}
        mapping (other regions 0), or an array of shape ``(nz, ny, nx)``."""
        if isinstance(value, Mapping):
            out = np.zeros(self.shape)
            for key, v in value.items():
                out[self.regions == region_index(self, key)] = v
            return out
        return np.broadcast_to(np.asarray(value, dtype=np.float64), self.shape).copy()

    def per_cell_vector(self, value) -> np.ndarray:
        """A vector parameter per cell, shape ``(nz, ny, nx, 3)`` (scalar-per-region as for
        :meth:`per_cell`, values being 3-vectors)."""
        if isinstance(value, Mapping):
            out = np.zeros(self.shape + (3,))
            for key, v in value.items():
                out[self.regions == region_index(self, key)] = np.asarray(v, dtype=np.float64)
            return out
        return np.broadcast_to(np.asarray(value, dtype=np.float64), self.shape + (3,)).copy()


def region_index(mesh: Mesh, key: str | int) -> int:
    """Region index of a region name or index of ``mesh``."""
    if isinstance(key, str):
        try:
            return int(mesh.region_names[key])
        except KeyError:
            raise KeyError(f"no region named {key!r}; the mesh has "
                           f"{sorted(mesh.region_names)}") from None
    return int(key)


def region_mask(mesh: Mesh, regions: str | int | Iterable[str | int] | None) -> np.ndarray | None:
    """Cells of the given regions, shape ``(nz, ny, nx)`` (None: no restriction)."""
    if regions is None:
        return None
    if isinstance(regions, (str, int, np.integer)):
        regions = [regions]
    idx = [region_index(mesh, r) for r in regions]
    return np.isin(mesh.regions, idx)
