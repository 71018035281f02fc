"""What a paper is, as data: the schema of a paper folder's ``paper.toml``.

A paper folder (``orchestrator/papers/<name>/``) describes its reproduction in
``paper.toml``: the citation, the study files (``mmstudy.studies/<studies>/``) and their
quick-mode overrides, and one ``[[figures]]`` table per figure with the paper's statement
quoted, its reference numbers, the analysis parameters, the plots, and the claims, each
with its test, threshold, tolerance and the reason for that tolerance. The report's prose
lives beside it as Jinja templates (``templates/``). Per-paper Python is only what cannot
be data (:mod:`orchestrator.papers.paper`).

:func:`load_spec` validates the file with pydantic at the edge; an error names the file,
the field and what was expected (:class:`PaperSpecError`).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["PaperSpec", "FigureSpec", "PlotSpec", "ClaimSpec", "PaperSpecError", "load_spec",
           "TESTS"]

#: how a claim's measured value is compared with its threshold
TESTS = ("<", "<=", ">", ">=", "==", "true")


class PaperSpecError(ValueError):
    """A ``paper.toml`` that does not describe a paper: names the file and each field."""

    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems
        super().__init__(f"{source}: " + ("; ".join(problems) if len(problems) == 1 else
                                          "\n  " + "\n  ".join(problems)))


def _unique(items: list, what: str) -> list:
    """``items`` unchanged when their ``name``s are unique; else ValueError(``what``: names)."""
    names = [it.name for it in items]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"{what}: {', '.join(dup)}")
    return items


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClaimSpec(_Strict):
    """One statement of the paper checked against our numbers.

    ``test`` compares the value the figure's analysis measures with ``threshold``
    (``"true"``: the value is itself a yes/no). ``tolerance`` says in words what the
    threshold allows and ``reason`` why it is that and not tighter; ``reference`` is the
    paper's number where it gives one. An ``observation`` reports whether something was
    seen (the paper's side remark) rather than a pass/fail. ``quick_threshold`` replaces
    the threshold in quick mode (coarser cells, shorter runs), with its reason in
    ``reason``.
    """

    name: str
    what: str
    test: Literal["<", "<=", ">", ">=", "==", "true"] = "true"
    threshold: float | None = None
    quick_threshold: float | None = None
    tolerance: str
    reason: str
    reference: float | str | None = None
    observation: bool = False

    @model_validator(mode="after")
    def _threshold_needed(self):
        if self.test != "true" and self.threshold is None:
            raise ValueError(f"claim {self.name!r}: test {self.test!r} needs a threshold")
        if self.test == "true" and self.threshold is not None:
            raise ValueError(f"claim {self.name!r}: test 'true' takes no threshold")
        return self

    def limit(self, quick: bool) -> float | None:
        """The threshold that applies in this mode."""
        return self.quick_threshold if quick and self.quick_threshold is not None \
            else self.threshold


class PlotSpec(_Strict):
    """One PNG of a figure: ``rows`` × ``cols`` panels of ``size`` inches, drawn by the
    function registered for ``file`` (:meth:`orchestrator.papers.paper.Paper.draw`)."""

    file: str
    rows: int = Field(1, ge=1)
    cols: int = Field(1, ge=1)
    size: tuple[float, float] = (6.0, 4.5)
    caption: str = ""


class FigureSpec(_Strict):
    """One figure of the paper: its studies, statement, numbers, plots and claims.

    ``columns`` maps the analysis table's columns to the headings the report shows, in
    order (the template's ``table | columns(spec.columns)``)."""

    name: str
    title: str
    studies: list[str] = Field(min_length=1)
    #: another figure (earlier in the file) whose statement, reference numbers, columns and
    #: claims this one takes where it gives none, and whose parameters it updates (paper
    #: 003's Fig. 1b is its Fig. 3 at another α); the figure still registers its analysis
    #: and drawing (it may register the other's functions under its own name)
    like: str | None = None
    statement: str = ""
    csv: str
    template: str
    plots: list[PlotSpec] = Field(default_factory=list)
    reference: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Any] = Field(default_factory=dict)
    columns: dict[str, str] = Field(default_factory=dict)
    claims: list[ClaimSpec] = Field(default_factory=list)
    headline: list[str] = Field(default_factory=list)
    #: whether quick mode runs this figure (a figure too costly for it says so in the report)
    quick: bool = True

    @field_validator("claims")
    @classmethod
    def _unique_claims(cls, v):
        return _unique(v, "claim names must be unique in a figure")

    def claim(self, name: str) -> ClaimSpec:
        """The claim called ``name`` (KeyError naming the figure otherwise)."""
        for c in self.claims:
            if c.name == name:
                return c
        raise KeyError(f"figure {self.name} has no claim {name!r}")


class PaperSpec(_Strict):
    """A paper: citation, studies, quick-mode overrides, report prose and figures."""

    name: str
    number: str
    title: str
    citation: str
    notes: str = ""
    studies: str
    quick: str | None = None
    quick_time: str = ""
    full_time: str = ""
    header: str = "header.md.j2"
    figures: list[FigureSpec] = Field(min_length=1)

    @field_validator("figures")
    @classmethod
    def _unique_figures(cls, v):
        v = _unique(v, "figure names must be unique")
        done: dict[str, FigureSpec] = {}
        for i, f in enumerate(v):
            if f.like is not None:
                base = done.get(f.like)
                if base is None:
                    raise ValueError(f"figure {f.name}: like = {f.like!r} names no figure "
                                     f"before it (earlier: {', '.join(done) or 'none'})")
                v[i] = f = f.model_copy(update={
                    "statement": f.statement or base.statement,
                    "reference": f.reference or base.reference,
                    "columns": f.columns or base.columns,
                    "claims": f.claims or base.claims,
                    "parameters": {**base.parameters, **f.parameters}})
            if not f.statement:
                raise ValueError(f"figure {f.name}: a statement (the paper's words) is "
                                 "needed, or like = \"<figure>\" to take another's")
            done[f.name] = f
        return v

    def figure(self, name: str) -> FigureSpec:
        """The figure called ``name`` (KeyError listing the figures otherwise)."""
        for f in self.figures:
            if f.name == name:
                return f
        raise KeyError(f"paper {self.name} has no figure {name!r} "
                       f"(it has {', '.join(f.name for f in self.figures)})")

    @property
    def study_stems(self) -> list[str]:
        """Every study file stem, in the order the figures name them (each once)."""
        out: list[str] = []
        for f in self.figures:
            out += [s for s in f.studies if s not in out]
        return out


def _where(loc: tuple, data: dict) -> str:
    """``figures[2] (fig3).claims[1] (no_hall_motion).threshold`` for an error location."""
    parts, node = [], data
    for item in loc:
        if isinstance(item, int) and isinstance(node, list) and item < len(node):
            name = node[item].get("name") if isinstance(node[item], dict) else None
            parts[-1] += f"[{item}]" + (f" ({name})" if name else "")
            node = node[item]
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


def load_spec(path: str | os.PathLike) -> PaperSpec:
    """Read and validate a ``paper.toml``.

    Raises
    ------
    PaperSpecError
        Naming the file and, for each problem, the field and what was expected.
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise PaperSpecError(str(p), [f"not valid TOML: {err}"]) from None
    try:
        return PaperSpec.model_validate(data)
    except pydantic.ValidationError as err:
        raise PaperSpecError(str(p), [f"{_where(e['loc'], data) or '(top level)'}: {e['msg']}"
                                      for e in err.errors()]) from None
