"""The classifiers an adaptive sweep (``[sweep.refine]``) may name, registered in
:data:`orchestrator.dispatch.refine.CLASSIFIERS`.

``well`` — which well a run's skyrmion ended in (:func:`analysis.outcomes.classify`):
``Block`` (the ``initial`` well), another well's label, ``Elsewhere`` or ``Disappear``.
Its parameters, from ``[sweep.refine.classify]`` (all hashed into the point's
``outcome.json``, so changing one reclassifies)::

    wells = { I = ["79.1 nm", "34.8 nm"],                         # a point, with capture
              II = { type = "flower", centre = ["64 nm", "43.5 nm"], a = "54 nm",
                     b = "22 nm", petals = [1], triangle = false } }  # or any study shape
    initial = "I"             # the well reported as Block
    capture = "18 nm"         # radius around a point well (default 18 nm)
    static_distance = "1 nm"  # the settled flag: moved less than this ...
    window = "0.5 ns"         # ... over the run's last window

Lengths and times may be strings with units. The outcome.json record holds the label and
the rest of :class:`analysis.outcomes.Outcome` (Q, where, settled).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from orchestrator.dispatch.refine import register_classifier
from orchestrator.study.shapes import Shape
from orchestrator.study.units import to_si

__all__ = ["well"]

_SHAPE = TypeAdapter(Shape)


def _well(spec: Any, x: np.ndarray, y: np.ndarray):
    """A point (x, y) in m, or a boolean (y, x) mask of a study shape on the centres."""
    if isinstance(spec, dict):
        shape = _SHAPE.validate_python(spec)
        X, Y = np.meshgrid(x, y)
        return shape.contains(X, Y, np.zeros_like(X))
    if isinstance(spec, (list, tuple)) and len(spec) == 2:
        return (to_si(spec[0], "m"), to_si(spec[1], "m"))
    raise ValueError(f"a well is [x, y] or a shape table, not {spec!r}")


@register_classifier("well")
def well(folder: Path, params: dict[str, Any]) -> dict[str, Any]:
    """The outcome of the finished run in ``folder`` (see the module docstring)."""
    import analysis  # the analysis stack is imported only when a sweep classifies
    from analysis.outcomes import classify

    ds = analysis.open_run(folder)
    x, y = ds.x.values, ds.y.values
    try:
        wells = {str(k): _well(v, x, y) for k, v in dict(params["wells"]).items()}
    except KeyError:
        raise ValueError("sweep.refine.classify.wells: the wells are missing") from None
    out = classify(ds, wells, initial=params.get("initial"),
                   capture=to_si(params.get("capture", 18e-9), "m"),
                   static_distance=to_si(params.get("static_distance", 1e-9), "m"),
                   window=to_si(params.get("window", 0.5e-9), "s"))
    return out.to_json()
