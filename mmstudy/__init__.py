"""mmstudy: micromagnetic studies written once, as data, run on OOMMF, mumax3 or the
built-in solver, and read back as xarray datasets for skyrmion analysis.

The documented entry point::

    import mmstudy

    study = mmstudy.load_study("studies/demo/skyrmion_sot.toml")   # any study file, or a
    study = mmstudy.load_study(mmstudy.study_path("demo/skyrmion_sot.toml"))  # shipped one
    summary = mmstudy.run_study(study, backend="builtin", jobs=2, out="runs/demo")
    ds = mmstudy.open_run("runs/demo/<id>")        # or mmstudy.open_runs("runs/demo")

The implementation lives in two packages whose names the product fixes: ``analysis``
(files to arrays, skyrmion analysis) and ``orchestrator`` (studies, backends, dispatch,
the built-in solver, paper pipelines). This package holds the foundation both stand on
(:mod:`mmstudy.constants`, :mod:`mmstudy.layout`, :mod:`mmstudy.spintorque`), the lookup
of the data files it ships (:mod:`mmstudy.resources`: the mumax3 templates and the study
files, installed as ``mmstudy.mx3_templates`` and ``mmstudy.studies``), and re-exports the
public functions, imported lazily so that ``import mmstudy.constants`` stays light.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("mmstudy")
except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"

#: public name -> "module:attribute", imported on first use
_EXPORTS = {
    "open_run": "analysis.runs:open_run",
    "open_runs": "analysis.runs:open_runs",
    "load_study": "orchestrator.study:load_study",
    "validate_study": "orchestrator.study:validate_study",
    "run_study": "orchestrator.dispatch.run:run_study",
    "study_path": "mmstudy.resources:study_path",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    try:
        target = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'mmstudy' has no attribute {name!r}") from None
    module, attr = target.split(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
