"""The initial magnetisation of a study, computed once for every backend.

The built-in solver starts from this array; the mumax3 and OOMMF backends write it
as ``m0.ovf`` and load it (``m.LoadFile``, ``Oxs_FileVectorField``), so all backends
start from the same state to the last bit: even ``random`` is seeded numpy here, not
the solver's own generator.

Examples
--------
>>> from orchestrator.study.model import Study
>>> from orchestrator.study.raster import rasterize
>>> s = Study.model_validate({
...     "name": "s", "mesh": {"n": [32, 32, 1], "cell": [1e-9] * 3},
...     "materials": {"default": {"Ms": 5.8e5}}, "stages": [{"type": "minimize"}],
...     "initial": {"type": "skyrmions",
...                 "skyrmions": [{"centre": [16e-9, 16e-9], "radius": 5e-9}]}})
>>> m = initial_m(s, rasterize(s))
>>> m.shape, float(m[0, 16, 16, 2]) < -0.9, float(m[0, 0, 0, 2]) > 0.99
((1, 32, 32, 3), True, True)
"""

from __future__ import annotations

import numpy as np

from analysis.textures import skyrmion
from orchestrator.study.lattice import staggering
from orchestrator.study.model import (FromFile, Random, Skyrmions, Study, Textures, TextureSpec,
                                      Uniform)
from orchestrator.study.raster import Raster

__all__ = ["initial_m"]


def initial_m(study: Study, raster: Raster) -> np.ndarray:
    """Unit vectors ``(nz, ny, nx, 3)`` (zero in vacuum cells and where Ms = 0).

    Raises
    ------
    ValueError
        If an initial-state file's mesh differs from the study's.
    """
    shape = raster.index.shape
    init = study.initial
    if isinstance(init, Uniform):
        m = np.broadcast_to(np.asarray(init.direction, float), shape + (3,)).copy()
    elif isinstance(init, Random):
        rng = np.random.default_rng(init.seed)
        m = rng.normal(size=shape + (3,))
    elif isinstance(init, Skyrmions):
        m = _skyrmions(study, raster, init)
    elif isinstance(init, Textures):
        m = _textures(study, raster, init)
    elif isinstance(init, FromFile):
        m = _from_file(init.path, shape)
    else:  # pragma: no cover
        raise TypeError(f"unknown initial state {init!r}")
    norm = np.linalg.norm(m, axis=-1, keepdims=True)
    m = np.divide(m, norm, out=np.zeros_like(m), where=norm > 0)
    s = staggering(study, shape)  # an antiferromagnet's state above is its Néel vector
    if s is not None:
        m = m * s[..., None]
    Ms = raster.per_cell({r: study.material(r).Ms for r in raster.names})
    m[Ms == 0] = 0.0
    return m


def _skyrmions(study: Study, raster: Raster, init: Skyrmions) -> np.ndarray:
    """Each cell takes the profile of the nearest skyrmion (minimum image on periodic
    axes), in a background of m_z = −polarity."""
    x, y = raster.coords["x"], raster.coords["y"]
    Lx, Ly = study.mesh.size[:2]
    box = (Lx if "x" in study.mesh.pbc else None, Ly if "y" in study.mesh.pbc else None)
    background = -init.skyrmions[0].polarity
    layers, dist = [], []
    X, Y = np.meshgrid(x, y)
    for s in init.skyrmions:
        layers.append(skyrmion(x, y, centre=tuple(s.centre), radius=s.radius,
                               helicity=s.helicity, vorticity=s.vorticity,
                               background=background, box=box))
        dx, dy = X - s.centre[0], Y - s.centre[1]
        if box[0]:
            dx = dx - box[0] * np.round(dx / box[0])
        if box[1]:
            dy = dy - box[1] * np.round(dy / box[1])
        dist.append(np.hypot(dx, dy))
    nearest = np.argmin(np.stack(dist), axis=0)
    layer = np.take_along_axis(np.stack(layers), nearest[None, ..., None], axis=0)[0]
    return np.broadcast_to(layer, raster.index.shape + (3,)).copy()


def _texture(t: TextureSpec, x: np.ndarray, y: np.ndarray, box) -> np.ndarray:
    """One texture of the library on the mesh's cell centres."""
    from analysis import texture_library as lib

    common = dict(centre=tuple(t.centre), radius=t.radius, wall_width=t.wall_width,
                  helicity=t.helicity, box=box)
    if t.kind == "kpi":
        return lib.kpi_skyrmion(x, y, k=t.k, **common)
    if t.kind == "antiskyrmion":
        return lib.antiskyrmion(x, y, ellipticity=t.ellipticity, orientation=t.orientation,
                                **common)
    if t.kind == "vortex":
        return lib.vortex_skyrmion(x, y, vorticity=t.vorticity, **common)
    if t.kind == "band":
        return lib.reversed_band(x, y, orientation=t.orientation, **common)
    if t.kind == "droplet":
        return lib.chiral_droplet(x, y, kink_angle=t.kink_angle, kink_width=t.kink_width,
                                  **common)
    return lib.skyrmion_bag(x, y, inner=[(tuple(s.centre), s.radius) for s in t.inner],
                            **common)


def _textures(study: Study, raster: Raster, init: Textures) -> np.ndarray:
    """The textures composed in a +z background (:func:`analysis.texture_ops.compose`)."""
    from analysis.texture_ops import compose

    x, y = raster.coords["x"], raster.coords["y"]
    Lx, Ly = study.mesh.size[:2]
    box = (Lx if "x" in study.mesh.pbc else None, Ly if "y" in study.mesh.pbc else None)
    layer = compose([0.0, 0.0, 1.0], *(_texture(t, x, y, box) for t in init.textures),
                    rule=init.rule)
    return np.broadcast_to(layer, raster.index.shape + (3,)).copy()


def _from_file(path: str, shape: tuple[int, int, int]) -> np.ndarray:
    from analysis.ovf import read_ovf

    field = read_ovf(path)
    data = np.asarray(field.values if hasattr(field, "values") else field, dtype=np.float64)
    if data.shape[:3] != shape or data.shape[-1] != 3:
        raise ValueError(f"{path}: initial state has shape {data.shape}, the study's mesh "
                         f"needs {shape + (3,)} (nz, ny, nx, 3)")
    return data.copy()
