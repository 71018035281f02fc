"""The one interface every backend implements, and the registry that picks one.

A backend turns a validated point (:class:`~orchestrator.study.model.Study` without a
sweep) into files in a point folder and runs them:

``find()``     where its solver is (:class:`SolverInfo`), or why it was not found
``translators`` its :class:`~orchestrator.backends.registry.Registry`: one function per
               physics term (:mod:`orchestrator.study.terms`) it can translate
``features``   the study features it supports (:mod:`orchestrator.study.features`): the
               general ones it declares, plus those of the terms it has translators
               for, less the term variants it cannot run
``check()``    refuse a study that needs anything else, naming the feature and field
``render()``   write the script(s) and input files into the point folder
``execute()``  run the solver there; its output goes to ``<folder>/run.out/``, a run
               folder that :func:`analysis.open_run` reads (and the point folder itself
               opens as that run)

Backends: ``builtin`` (:mod:`orchestrator.backends.builtin`), ``mumax3``
(:mod:`orchestrator.backends.mumax3`), ``oommf`` (:mod:`orchestrator.backends.oommf`).
"""

from __future__ import annotations

import abc
import dataclasses
import importlib
from pathlib import Path
from typing import IO

from mmstudy.layout import OUTPUT_DIR
from orchestrator.backends.registry import Registry
from orchestrator.study.features import GENERAL_FEATURES, required_features
from orchestrator.study.model import Study
from orchestrator.study.raster import rasterize
from orchestrator.study.terms import terms

__all__ = ["Backend", "SolverInfo", "UnsupportedFeature", "SolverNotFound", "BACKENDS",
           "get_backend", "OUTPUT_DIR"]

BACKENDS = {"builtin": "orchestrator.backends.builtin:BuiltinBackend",
            "mumax3": "orchestrator.backends.mumax3:Mumax3Backend",
            "oommf": "orchestrator.backends.oommf:OOMMFBackend"}
AUTO_ORDER = ("mumax3", "oommf", "builtin")  # --backend auto (dispatch.run.resolve_backend)


class UnsupportedFeature(ValueError):
    """A study needs features a backend does not have (raised before anything runs)."""

    def __init__(self, backend: str, missing: dict[str, str], source: str = "") -> None:
        self.backend = backend
        self.missing = missing
        items = "; ".join(f"{feat} (asked for by {where})" for feat, where in missing.items())
        pre = f"{source}: " if source else ""
        super().__init__(f"{pre}backend {backend!r} does not support {items}")


class SolverNotFound(RuntimeError):
    """The backend's solver is not installed (or not where configured)."""


@dataclasses.dataclass(frozen=True)
class SolverInfo:
    """Whether a backend's solver was found, and how."""

    backend: str
    found: bool
    how: str          # e.g. "mumax3 on PATH: /usr/local/bin/mumax3", or why not found
    version: str = ""


class Backend(abc.ABC):
    """One solver behind mmstudy's interface (see the module docstring)."""

    name: str = ""
    #: one translator per physics term it can run (orchestrator.backends.registry)
    translators: Registry = Registry("")
    #: the general features (orchestrator.study.features.GENERAL_FEATURES) it has
    general: frozenset[str] = GENERAL_FEATURES
    #: term variants it cannot run although it translates the term
    unsupported: frozenset[str] = frozenset()
    #: why each unsupported feature is missing, for messages (optional)
    notes: dict[str, str] = {}
    #: capability-table rows that belong to no term: row label -> this backend's cell
    #: (orchestrator.backends.capabilities)
    capabilities: dict[str, str] = {}

    @property
    def features(self) -> frozenset[str]:
        """Every feature this backend supports."""
        return (self.general | self.translators.features) - self.unsupported

    @abc.abstractmethod
    def find(self) -> SolverInfo:
        """Locate the solver (no side effects)."""

    def missing(self, study: Study) -> dict[str, str]:
        """Features ``study`` needs that this backend lacks (feature → the study field
        that asks for it, and why the backend lacks it where :attr:`notes` says)."""
        raster = rasterize(study)
        out = self.translators.missing(terms(study, raster), study, raster)
        features = self.features
        for f, w in required_features(study).items():
            if f not in features and f not in out:
                out[f] = f"{w} ({self.notes[f]})" if f in self.notes else w
        return out

    def check(self, study: Study, source: str = "") -> None:
        """Raise :class:`UnsupportedFeature` if ``study`` needs what this backend lacks."""
        missing = self.missing(study)
        if missing:
            raise UnsupportedFeature(self.name, missing, source)

    @abc.abstractmethod
    def render(self, study: Study, folder: Path) -> list[Path]:
        """Write the script(s) and inputs for ``study`` into ``folder``; return them."""

    @abc.abstractmethod
    def execute(self, study: Study, folder: Path, *, log: IO[str], threads: int | None = None,
                gpu: int | None = None) -> None:
        """Run the rendered point in ``folder`` (output in ``folder/run.out``).

        Raises
        ------
        SolverNotFound
            If the solver is not installed.
        RuntimeError
            If the solver fails (its exit status and the log's tail in the message).
        """


def get_backend(name: str) -> Backend:
    """The backend called ``name`` (``builtin``, ``mumax3``, ``oommf``)."""
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown backend {name!r} (choose from "
                         f"{', '.join(['auto', *BACKENDS])})") from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)()
