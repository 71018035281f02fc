"""Small builders shared by the study-layer tests: a minimal valid study as a dict, and
a raster of a list of shapes on a mesh of unit cells."""

from __future__ import annotations

import copy
from typing import Any

from orchestrator.study.model import Study
from orchestrator.study.raster import Raster, rasterize

MINIMAL: dict[str, Any] = {
    "name": "film",
    "mesh": {"n": [16, 16, 1], "cell": [1e-9, 1e-9, 1e-9]},
    "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.3}},
    "stages": [{"type": "minimize"}],
}


def study_dict(**sections: Any) -> dict[str, Any]:
    """A deep copy of :data:`MINIMAL` with whole top-level sections replaced."""
    d = copy.deepcopy(MINIMAL)
    d.update(copy.deepcopy(sections))
    return d


def study(**sections: Any) -> Study:
    return Study.model_validate(study_dict(**sections))


def raster(regions: list[dict], n=(16, 16, 1), cell=(1.0, 1.0, 1.0)) -> Raster:
    """Rasterise named regions ``[{"name": ..., "shape": {...}}]`` on ``n`` cells.

    The default cell is 1 m, so cell centres are exact half-integers and shapes can put
    boundaries exactly on them (the boundary-included rule is then tested without any
    floating-point rounding)."""
    s = Study.model_validate(study_dict(mesh={"n": list(n), "cell": list(cell)},
                                        regions=regions))
    return rasterize(s)


def shape_mask(shape: dict, n=(16, 16, 1), cell=(1.0, 1.0, 1.0)):
    """Cells (nz, ny, nx) whose centre lies in ``shape``."""
    return raster([{"name": "r", "shape": shape}], n, cell).mask("r")
