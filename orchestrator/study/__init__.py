"""Studies as data: the model, its file format, sweeps, geometry, initial state.

``model.py`` the pydantic study model; ``units.py`` quantities with units; ``shapes.py``
geometry shapes; ``expressions.py`` formulas of t and of swept parameters;
``profiles.py`` drive time profiles; ``load.py`` TOML files and error messages;
``sweep.py`` sweep expansion and point ids; ``raster.py`` regions per cell;
``initial.py`` the initial magnetisation; ``features.py`` what a study needs from a
backend; ``ubermag.py`` (with ``ubermag_from.py``, ``ubermag_to.py``) the conversion
from and to an ubermag ``mm.System`` and driver.
"""

from orchestrator.study.load import StudyError, load_study, validate_study
from orchestrator.study.model import Study
from orchestrator.study.sweep import Point, expand

__all__ = ["Study", "StudyError", "load_study", "validate_study", "Point", "expand"]
