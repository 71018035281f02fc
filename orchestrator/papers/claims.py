"""Claims and estimates: a paper's statement checked against a measured number.

A figure's analysis measures one value per claim of its ``paper.toml``
(:class:`Measured`); :func:`judge` compares each with the claim's threshold and gives a
:class:`Claim`, the typed record every report prints and every ``summary.json`` holds:
``holds``, ``value``, ``reference``, ``tolerance``, ``reason``. A claim whose value could
not be measured in this run (one temperature in quick mode, say) has ``holds = None``:
not tested, said so, never counted as passing.

:class:`Estimate` is a number with its standard error; :func:`format_estimate` writes it
and says plainly when the error bar swallows the value (``not resolved``), so a report
never presents such a number as a result.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Mapping
from typing import Any

import numpy as np

from orchestrator.papers.spec import FigureSpec

__all__ = ["Measured", "Claim", "Estimate", "judge", "format_estimate", "jsonable"]

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq}


@dataclasses.dataclass(frozen=True)
class Measured:
    """What a figure's analysis measured for one claim: ``value`` (a number, or a bool
    for a yes/no claim; ``None`` when this run cannot test it) and ``details`` (the numbers
    behind it, shown in the report and kept in ``summary.json``)."""

    value: Any
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    why_untested: str = ""

    def __post_init__(self):
        if self.details is None:  # "no details" written as None: the same as none given
            object.__setattr__(self, "details", {})


@dataclasses.dataclass(frozen=True)
class Claim:
    """A paper's statement against our number.

    ``holds`` is True/False, or None when the run could not test it (``untested`` says
    why). ``threshold`` is the limit that applied (the quick one in quick mode)."""

    figure: str
    name: str
    what: str
    holds: bool | None
    value: Any
    test: str
    threshold: float | None
    reference: float | str | None
    tolerance: str
    reason: str
    observation: bool = False
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    untested: str = ""

    @property
    def mark(self) -> str:
        """``✅``, ``❌``, ``observed:``, ``not observed:`` or ``not tested:``."""
        if self.holds is None:
            return "not tested:"
        if self.observation:
            return "observed:" if self.holds else "not observed:"
        return "✅" if self.holds else "❌"

    def as_dict(self) -> dict[str, Any]:
        """The ``summary.json`` record (JSON types only)."""
        return jsonable(dataclasses.asdict(self))


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A measured number and its standard error."""

    value: float
    error: float

    @property
    def resolved(self) -> bool:
        """False when the error bar reaches zero (|error| ≥ |value|) or either is not finite:
        the sign and size of the value are not measured."""
        return bool(np.isfinite(self.value) and np.isfinite(self.error)
                    and abs(self.error) < abs(self.value))


def format_estimate(value: float, error: float, fmt: str = ".2g") -> str:
    """``3.2e-09 ± 2e-09 (62 %)``; ``not resolved (5e-10 ± 1e-09)`` when the error bar
    reaches zero.

    Examples
    --------
    >>> format_estimate(3.2e-9, 2e-9)
    '3.2e-09 ± 2e-09 (62 %)'
    >>> format_estimate(5e-10, 1e-9)
    'not resolved (5e-10 ± 1e-09)'
    >>> format_estimate(18.04, 0.4, ".3g")
    '18 ± 0.4'
    """
    if not (np.isfinite(value) and np.isfinite(error)):
        return "—"
    text = f"{value:{fmt}} ± {error:.1g}"
    if not Estimate(value, error).resolved:
        return f"not resolved ({text})"
    rel = abs(error / value)
    return f"{text} ({100 * rel:.0f} %)" if rel > 0.3 else text


def judge(spec: FigureSpec, measured: Mapping[str, Measured], *, quick: bool) -> list[Claim]:
    """Each claim of ``spec`` judged from what the analysis ``measured``.

    Raises
    ------
    KeyError
        When the analysis measured a claim the figure does not declare (a typo in the
        code or in ``paper.toml``; the completeness test catches it first).
    """
    unknown = sorted(set(measured) - {c.name for c in spec.claims})
    if unknown:
        raise KeyError(f"figure {spec.name}: the analysis measured {', '.join(unknown)}, "
                       "which paper.toml does not declare")
    out = []
    for c in spec.claims:
        m = measured.get(c.name)
        limit = c.limit(quick)
        holds: bool | None
        untested = ""
        if m is None or m.value is None or (isinstance(m.value, float) and math.isnan(m.value)):
            holds = None
            untested = (m.why_untested if m is not None and m.why_untested
                        else "not measured in this run")
        elif c.test == "true":
            holds = bool(m.value)
        else:
            holds = bool(_OPS[c.test](float(m.value), limit))
        out.append(Claim(spec.name, c.name, c.what.format(threshold=limit), holds,
                         None if m is None else jsonable(m.value), c.test, limit, c.reference,
                         c.tolerance, c.reason, c.observation,
                         jsonable(dict(m.details)) if m is not None else {}, untested))
    return out


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy scalars and arrays, tuples and NaN turned into JSON values."""
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in (obj.tolist() if isinstance(obj, np.ndarray) else obj)]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    return obj
