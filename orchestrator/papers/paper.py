"""A paper folder in code: its spec, its studies, and the few functions that cannot be data.

A paper's ``__init__.py`` does::

    PAPER = Paper.from_folder(__file__)
    from . import analyse, draw  # noqa: E402  (they register their functions on PAPER)

and its modules register, once per figure, ``@PAPER.analyse("fig3")`` (a function
:class:`FigureInput` → :class:`FigureResult`) and, once per PNG, ``@PAPER.draw("fig3_sot_theta")``
(a function ``(result, axes)`` drawing into the panels its ``paper.toml`` plot asks for).
Everything else (running, judging the claims, plotting frames, the report) is shared
(:mod:`orchestrator.papers.pipeline`, :mod:`orchestrator.papers.report`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from mmstudy.resources import study_path
from orchestrator.papers.claims import Measured
from orchestrator.papers.spec import FigureSpec, PaperSpec, load_spec

__all__ = ["Paper", "FigureInput", "FigureResult", "SPEC_FILE", "TEMPLATES_DIR"]

#: the declarative description in every paper folder
SPEC_FILE = "paper.toml"
#: the folder of a paper's report prose (Jinja templates)
TEMPLATES_DIR = "templates"


@dataclasses.dataclass
class FigureInput:
    """What a figure's analysis gets: its studies' runs (``runs``: file stem →
    :class:`~orchestrator.papers.pipeline.StudyRun`), its spec (parameters, reference
    numbers, claims) and the mode."""

    spec: FigureSpec
    runs: Mapping[str, Any]
    quick: bool

    @property
    def run(self):
        """The run of the figure's only study (ValueError when it has several)."""
        if len(self.runs) != 1:
            raise ValueError(f"figure {self.spec.name} has {len(self.runs)} studies; "
                             "use .runs[stem]")
        return next(iter(self.runs.values()))

    def param(self, name: str) -> Any:
        """A value of the figure's ``parameters`` table (KeyError naming the figure)."""
        try:
            return self.spec.parameters[name]
        except KeyError:
            raise KeyError(f"paper.toml: figure {self.spec.name} has no parameters.{name}") \
                from None

    def threshold(self, claim: str) -> float | None:
        """The threshold of ``claim`` in this mode."""
        return self.spec.claim(claim).limit(self.quick)


@dataclasses.dataclass
class FigureResult:
    """One figure's analysis.

    ``table``: one row per point (the CSV); ``data``: what the plots draw (maps, time
    series, fits); ``measured``: claim name → :class:`~orchestrator.papers.claims.Measured`;
    ``facts``: numbers and words the report's template quotes; ``notes``: points that
    failed or could not be analysed."""

    table: pd.DataFrame
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
    measured: dict[str, Measured] = dataclasses.field(default_factory=dict)
    facts: dict[str, Any] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)


AnalyseFn = Callable[[FigureInput], FigureResult]
DrawFn = Callable[[FigureResult, Any], None]


class Paper:
    """A paper folder: ``spec`` (its ``paper.toml``), ``folder``, and the registered
    ``analysers`` (figure name → function) and ``drawers`` (PNG stem → function)."""

    def __init__(self, spec: PaperSpec, folder: Path):
        self.spec, self.folder = spec, Path(folder)
        self.analysers: dict[str, AnalyseFn] = {}
        self.drawers: dict[str, DrawFn] = {}

    @classmethod
    def from_folder(cls, path: str | os.PathLike) -> Paper:
        """The paper of the folder holding ``path`` (a folder, or a file in it such as
        the package's ``__file__``)."""
        folder = Path(path)
        folder = folder if folder.is_dir() else folder.parent
        return cls(load_spec(folder / SPEC_FILE), folder)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def templates(self) -> Path:
        return self.folder / TEMPLATES_DIR

    @property
    def studies_dir(self) -> Path:
        """The shipped study files of this paper (package data: mmstudy.resources)."""
        return study_path(self.spec.studies)

    @property
    def quick_overrides(self) -> Path | None:
        return self.studies_dir / self.spec.quick if self.spec.quick else None

    def study_file(self, stem: str) -> Path:
        return self.studies_dir / f"{stem}.toml"

    def analyse(self, figure: str) -> Callable[[AnalyseFn], AnalyseFn]:
        """Register the analysis of ``figure`` (once)."""
        self.spec.figure(figure)  # a KeyError for a figure paper.toml lacks
        return self._registrar(self.analysers, figure, f"figure {figure} analysed twice")

    def draw(self, plot: str) -> Callable[[DrawFn], DrawFn]:
        """Register the drawing of the PNG ``plot`` (a ``plots.file`` of ``paper.toml``)."""
        if plot not in {p.file for f in self.spec.figures for p in f.plots}:
            raise KeyError(f"paper {self.name}: no figure of paper.toml has a plot {plot!r}")
        return self._registrar(self.drawers, plot, f"plot {plot} drawn twice")

    def _registrar(self, table: dict, key: str, twice: str) -> Callable:
        """A decorator putting its function into ``table[key]`` (once)."""
        def register(fn):
            if key in table:
                raise ValueError(f"paper {self.name}: {twice}")
            table[key] = fn
            return fn
        return register

    def problems(self) -> list[str]:
        """What is missing for the paper to run: study files, templates, analysers,
        drawers, claims without a tolerance or a reason (empty: complete)."""
        out = []
        try:
            self.studies_dir
        except FileNotFoundError as err:
            out.append(f"studies = {self.spec.studies!r}: {err}")
        else:
            for stem in self.spec.study_stems:
                if not self.study_file(stem).is_file():
                    out.append(f"study file {self.study_file(stem)} is missing")
            if self.quick_overrides is not None and not self.quick_overrides.is_file():
                out.append(f"quick overrides {self.quick_overrides} are missing")
        for tpl in [self.spec.header] + [f.template for f in self.spec.figures]:
            if not (self.templates / tpl).is_file():
                out.append(f"template {self.templates / tpl} is missing")
        for f in self.spec.figures:
            if f.name not in self.analysers:
                out.append(f"figure {f.name} has no analysis (@PAPER.analyse({f.name!r}))")
            if not f.plots:
                out.append(f"figure {f.name} has no plot")
            for p in f.plots:
                if p.file not in self.drawers:
                    out.append(f"plot {p.file} has no drawing (@PAPER.draw({p.file!r}))")
            for c in f.claims:
                if not c.tolerance.strip() or not c.reason.strip():
                    out.append(f"claim {f.name}.{c.name} needs a tolerance and a reason")
        return out

    def __repr__(self) -> str:
        return f"Paper({self.name!r}, {len(self.spec.figures)} figures)"
