"""Two-sublattice (checkerboard) antiferromagnets: the staggering sign, the Néel vector and
each sublattice's own field.

On a square lattice with antiferromagnetic nearest-neighbour exchange (paper 002, Sec. 8.5,
notes-002 §1.5) the spins alternate: ``m_i ≈ s_i n(r_i)`` with the checkerboard sign
``s_i = (−1)^(i_x + i_y)`` (+1 on the cell at the origin, sublattice A) and a smooth Néel
vector ``n``. The texture lives in ``n``: detection, tracking, the charge and the Thiele
tensors are computed on :func:`neel_vector` (then every function of :mod:`analysis` applies
unchanged), while ``m`` averages to nearly zero. Each sublattice's own field
(:func:`sublattice_field`: A's spins, and B's sites filled from their four A neighbours)
carries the charge of ``n`` on A and its opposite on B (Q is odd in m).

A periodic axis needs an even number of cells: an odd ring of antiparallel bonds is
frustrated, and the checkerboard sign would not be periodic.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

__all__ = ["checkerboard", "neel_vector", "sublattice_field"]


def _periodic_axes(m: xr.DataArray) -> str:
    return str(m.attrs.get("pbc", ""))


def checkerboard(m: xr.DataArray) -> xr.DataArray:
    """The staggering sign ``s = (−1)^(i_x + i_y)`` on ``m``'s cells (dims ``y, x``; +1 at
    the first cell: sublattice A). Every z-layer has the same pattern.

    Raises
    ------
    ValueError
        For an odd number of cells along a periodic axis (``attrs["pbc"]``).

    Examples
    --------
    >>> from analysis.textures import as_dataarray
    >>> m = as_dataarray(np.zeros((2, 4, 3)), 1e-9, 1e-9, pbc="xy")
    >>> checkerboard(m).values.astype(int).tolist()
    [[1, -1, 1, -1], [-1, 1, -1, 1]]
    """
    ny, nx = m.sizes["y"], m.sizes["x"]
    for axis, n in (("x", nx), ("y", ny)):
        if axis in _periodic_axes(m) and n % 2:
            raise ValueError(f"{n} cells along periodic {axis}: a two-sublattice "
                             "antiferromagnet needs an even number (an odd ring is frustrated)")
    iy, ix = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    s = np.where((ix + iy) % 2 == 0, 1.0, -1.0)
    return xr.DataArray(s, dims=("y", "x"), coords={"y": m.y, "x": m.x}, name="s")


def neel_vector(m: xr.DataArray) -> xr.DataArray:
    """The Néel vector ``n_i = s_i m_i`` (sublattice A's direction), with ``m``'s dims,
    coordinates and attributes (name ``n``): open it with any :mod:`analysis` function as
    it would ``m``.

    Examples
    --------
    >>> from analysis.textures import as_dataarray
    >>> up = np.zeros((2, 2, 3)); up[..., 2] = 1
    >>> staggered = up * np.array([[1, -1], [-1, 1]])[..., None]
    >>> neel_vector(as_dataarray(staggered, 1e-9, 1e-9)).sel(c="z").values.ravel().tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    n = m * checkerboard(m)
    n.attrs = dict(m.attrs)
    return n.transpose(*m.dims).rename("n")


def sublattice_field(m: xr.DataArray, which: str = "A") -> xr.DataArray:
    """Sublattice ``which`` (``"A"``: the sites with s = +1, ``"B"``: s = −1) as a field on
    every cell: its own spins where it has them, and on the other sublattice's sites the
    normalised mean of the four neighbours it has there (the nearest sites of the same
    sublattice; across a periodic seam as ``attrs["pbc"]`` says, only the neighbours inside
    at an open edge).

    Examples
    --------
    >>> from analysis.textures import as_dataarray
    >>> up = np.zeros((2, 2, 3)); up[..., 2] = 1
    >>> m = as_dataarray(up * np.array([[1, -1], [-1, 1]])[..., None], 1e-9, 1e-9, pbc="xy")
    >>> sublattice_field(m, "B").sel(c="z").values.ravel().tolist()
    [-1.0, -1.0, -1.0, -1.0]
    """
    if which not in ("A", "B"):
        raise ValueError(f"sublattice {which!r}: 'A' (s = +1) or 'B' (s = −1)")
    s = checkerboard(m)
    own = (s == (1.0 if which == "A" else -1.0))
    arr = m.transpose(..., "y", "x", "c").values
    mine = np.where(own.values[..., None], arr, 0.0)
    pbc = _periodic_axes(m)
    total = np.zeros_like(arr)
    for axis, name in ((-3, "y"), (-2, "x")):
        for step in (1, -1):
            shifted = np.roll(mine, step, axis=axis)
            if name not in pbc:  # no neighbour across an open edge
                edge = [slice(None)] * arr.ndim
                edge[axis] = 0 if step == 1 else -1
                shifted[tuple(edge)] = 0.0
            total += shifted
    norm = np.linalg.norm(total, axis=-1, keepdims=True)
    filled = np.divide(total, norm, out=np.zeros_like(total), where=norm > 0)
    out = np.where(own.values[..., None], arr, filled)
    dims = [d for d in m.dims if d not in ("y", "x", "c")] + ["y", "x", "c"]
    res = xr.DataArray(out, dims=dims, coords={d: m[d] for d in dims if d in m.coords},
                       attrs=dict(m.attrs), name=f"m_{which}")
    return res.transpose(*m.dims)
