"""Write a mumax3 point folder from a plan: ``run.mx3`` from the Jinja2 templates in
``mx3_templates/``, the initial state ``m0.ovf``, the regions ``regions.ovf`` and the
geometry images ``geom*.png``.

Geometry and regions are mmstudy's raster (:func:`orchestrator.study.raster.rasterize`),
cell for cell, never re-drawn with mumax3 shapes:

* ``regions.LoadFile("regions.ovf")`` (``engine/regions.go``) reads the first component
  of an OVF file on the same grid as the region index of each cell (0 … 255).
* ``SetGeom(ImageShape("geom.png"))`` (``engine/shape.go``): an nx × ny image is
  stretched onto the grid with pixel ``ix = int(x/cx + nx/2)``, which is exactly cell
  ix for mumax3's centred cell coordinates ``x = cx (ix − (nx − 1)/2)``; image rows
  run from the top (row 0 is the largest y), a dark opaque pixel is inside. A geometry
  that differs between layers is a union of ``ImageShape(...).Intersect(Layer(k))``.
  (``ext_InitGeomFromOVF`` would also read a file, but only in 3.11 and it resets the
  mesh and its periodicity.)

Examples
--------
>>> from orchestrator.study import validate_study
>>> from orchestrator.backends.mx3_plan import build_plan
>>> s = validate_study({"name": "x", "mesh": {"n": [4, 4, 1], "cell": [1e-9] * 3},
...     "materials": {"default": {"Ms": 8e5, "A": 1.3e-11}}, "stages": [{"type": "minimize"}]})
>>> text = render_script(build_plan(s))
>>> "SetGridSize(4, 4, 1)" in text and "minimize()" in text
True
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
import numpy as np

from analysis.atomic import atomic_path
from analysis.ovf import write_ovf
from mmstudy.resources import template_dir
from orchestrator.backends.mx3_custom import num
from orchestrator.backends.mx3_plan import Mx3Plan

__all__ = ["TEMPLATES", "render_script", "write_point", "SCRIPT"]

#: the templates' folder: ``mx3_templates/`` beside ``orchestrator/`` in the repository,
#: installed as the package data ``mmstudy.mx3_templates`` (:mod:`mmstudy.resources`)
TEMPLATES = template_dir()
SCRIPT = "run.mx3"


def _vec(v) -> str:
    return f"vector({', '.join(num(x) for x in v)})"


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True,
                             autoescape=False)
    env.filters["num"] = num
    env.filters["vec"] = _vec
    return env


def render_script(plan: Mx3Plan) -> str:
    """The mumax3 script of ``plan`` (text)."""
    return _environment().get_template("run.mx3.j2").render(plan=plan)


def _png(path: Path, mask: np.ndarray) -> None:
    from PIL import Image  # pillow: matplotlib's own image library

    # row 0 of the image is the top (largest y); black (0) = inside
    pixels = np.where(mask[::-1], 0, 255).astype(np.uint8)
    with atomic_path(path, overwrite=True) as tmp:
        Image.fromarray(pixels).save(tmp, format="PNG")  # uint8 2-D: grey


def write_point(plan: Mx3Plan, folder: Path) -> list[Path]:
    """Write the script and its input files into ``folder`` (created if needed).

    The files are mmstudy's own rendering of the point and are replaced when rendered
    again; the solver's output (``run.out/``) is never touched here.

    Returns
    -------
    list of Path
        ``run.mx3``, ``m0.ovf``, then ``regions.ovf`` and ``geom*.png`` when used.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    script = folder / SCRIPT
    with atomic_path(script, overwrite=True) as tmp:
        tmp.write_text(render_script(plan))
    written.append(script)
    written.append(write_ovf(folder / "m0.ovf", plan.m0, cell=plan.cell, pmin=(0.0, 0.0, 0.0),
                             title="m", labels=["m_x", "m_y", "m_z"], units="1",
                             representation="bin8", overwrite=True))
    if plan.load_regions:
        written.append(write_ovf(folder / "regions.ovf",
                                 plan.region_index.astype(np.float64)[..., None],
                                 cell=plan.cell, pmin=(0.0, 0.0, 0.0), title="regions",
                                 labels=["regions"], units="1", representation="bin4",
                                 overwrite=True))
    for name, mask in plan.geometry_images.items():
        _png(folder / name, mask)
        written.append(folder / name)
    return written
