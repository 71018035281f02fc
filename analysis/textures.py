"""Analytic magnetisation textures: skyrmions, antiskyrmions, skyrmionium, higher windings.

Used as initial states and, because their topological charge, centre, radius and
helicity are known exactly, as test inputs for the analysis layer.

A texture is ``m = (sin θ(r) cos Φ, sin θ(r) sin Φ, p_bg cos θ(r))`` around a
centre, with ``Φ = N φ + η`` (vorticity N, helicity η: 0 or π Néel, ±π/2 Bloch)
and polar profile θ(r) from π at the core to 0 far away (in the background
direction). Profiles:

``"dw360"``
    The 360° domain-wall profile ``θ(r) = 2 atan(sinh(R/w) / sinh(r/w))``
    (Romming et al., PRL 114, 177203 (2015)): m_z = 0 exactly at r = R, and
    the texture is uniform to exponential accuracy beyond a few w.
``"bp"``
    Belavin–Polyakov ``θ(r) = 2 atan((R/r)^|N|)``: the exchange-only soliton,
    whose 1/r tail reaches the mesh edges.

With the background up (``background=+1``) and the core down, Q = −N: a
skyrmion has Q = −1, an antiskyrmion +1, and N = 2 gives Q = −2.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr

from analysis.periodic import minimum_image

__all__ = ["skyrmion", "skyrmionium", "as_dataarray", "cell_centres"]

Profile = Literal["dw360", "bp"]


def cell_centres(n: int, h: float, origin: float = 0.0) -> np.ndarray:
    """Cell-centre coordinates ``origin + (i + 1/2) h``."""
    return origin + (np.arange(n) + 0.5) * h


def _offsets(x, y, centre, box):
    X, Y = np.meshgrid(x, y)  # (ny, nx)
    Lx, Ly = box if box is not None else (None, None)
    return minimum_image(X - centre[0], Lx), minimum_image(Y - centre[1], Ly)


def _theta(r, radius, wall_width, vorticity, profile):
    if profile == "dw360":
        with np.errstate(divide="ignore", over="ignore"):
            return 2.0 * np.arctan2(np.sinh(radius / wall_width), np.sinh(r / wall_width))
    if profile == "bp":
        return 2.0 * np.arctan2(radius ** abs(vorticity), r ** abs(vorticity))
    raise ValueError(f"profile must be 'dw360' or 'bp', not {profile!r}")


def _assemble(theta, phi_m, background):
    st = np.sin(theta)
    return np.stack([st * np.cos(phi_m), st * np.sin(phi_m), background * np.cos(theta)], axis=-1)


def skyrmion(
    x: np.ndarray,
    y: np.ndarray,
    *,
    centre: tuple[float, float],
    radius: float,
    wall_width: float | None = None,
    vorticity: int = 1,
    helicity: float = 0.0,
    background: int = 1,
    profile: Profile = "dw360",
    box: tuple[float | None, float | None] | None = None,
) -> np.ndarray:
    """A skyrmion (vorticity 1), antiskyrmion (−1) or higher winding, shape ``(ny, nx, 3)``.

    Parameters
    ----------
    x, y : ndarray
        Cell-centre coordinates in metres.
    centre : (float, float)
        Centre in metres.
    radius : float
        Radius of the m_z = 0 contour (``dw360``), or the BP scale.
    wall_width : float, optional
        Domain-wall width w of ``dw360`` (default ``radius / 4``).
    vorticity : int
        N in Φ = Nφ + η.
    helicity : float
        η in radians: 0 or π Néel, ±π/2 Bloch.
    background : {+1, -1}
        Background m_z; the core points the other way.
    profile : {"dw360", "bp"}
    box : (Lx, Ly), optional
        Periodic lengths; the texture wraps around (use ``None`` for an open axis).

    Returns
    -------
    ndarray

    Examples
    --------
    >>> x = cell_centres(64, 1e-9)
    >>> m = skyrmion(x, x, centre=(32e-9, 32e-9), radius=8e-9)
    >>> float(m[32, 32, 2]) < -0.99, float(m[0, 0, 2]) > 0.999
    (True, True)
    """
    dX, dY = _offsets(x, y, centre, box)
    r = np.hypot(dX, dY)
    theta = _theta(r, radius, wall_width or radius / 4, vorticity, profile)
    phi_m = vorticity * np.arctan2(dY, dX) + helicity
    return _assemble(theta, phi_m, background)


def skyrmionium(
    x: np.ndarray,
    y: np.ndarray,
    *,
    centre: tuple[float, float],
    radius: float,
    inner_radius: float,
    wall_width: float | None = None,
    helicity: float = 0.0,
    background: int = 1,
    box: tuple[float | None, float | None] | None = None,
) -> np.ndarray:
    """A skyrmionium (2π skyrmion, Q = 0): θ from 2π at the centre to 0 outside.

    The m_z = 0 contours are near ``inner_radius`` and ``radius``.
    """
    w = wall_width or (radius - inner_radius) / 6
    dX, dY = _offsets(x, y, centre, box)
    r = np.hypot(dX, dY)
    theta = _theta(r, radius, w, 1, "dw360") + _theta(r, inner_radius, w, 1, "dw360")
    phi_m = np.arctan2(dY, dX) + helicity
    return _assemble(theta, phi_m, background)


def as_dataarray(m: np.ndarray, dx: float, dy: float, dz: float = 1e-9, *,
                 pbc: str = "", times: np.ndarray | None = None) -> xr.DataArray:
    """Wrap ``(ny, nx, 3)`` or ``(nt, ny, nx, 3)`` arrays as the ``m`` of a run Dataset.

    Returns dims ``(z, y, x, c)`` or ``(t, z, y, x, c)`` with cell-centre
    coordinates from the origin, ``attrs["cell"]`` and ``attrs["pbc"]``.
    """
    m = np.asarray(m)
    ny, nx = m.shape[-3], m.shape[-2]
    coords = {"x": cell_centres(nx, dx), "y": cell_centres(ny, dy), "z": [dz / 2],
              "c": ["x", "y", "z"]}
    if m.ndim == 3:
        data, dims = m[None], ("z", "y", "x", "c")
    else:
        data, dims = m[:, None], ("t", "z", "y", "x", "c")
        coords["t"] = np.arange(m.shape[0], dtype=float) if times is None else np.asarray(times)
    return xr.DataArray(data, dims=dims, coords=coords, name="m",
                        attrs={"cell": (dx, dy, dz), "pbc": pbc, "units": "1"})
