"""Markdown pieces every report shares: tables, numbers with errors, claim lists, the
Jinja environment of report templates, and the ``summary.json`` schema.

Used by the paper reports (:mod:`orchestrator.papers.report`) and by ``make validate``
(:mod:`orchestrator.validate`), so every report prints a table, a claim and an
unresolved number the same way.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from analysis.atomic import atomic_open
from orchestrator.papers.claims import Claim, format_estimate, jsonable

__all__ = ["md_table", "columns", "fmt", "hours", "claims_list", "claims_details", "environment",
           "write_text", "write_summary", "SUMMARY_SCHEMA", "claim_counts"]

#: the ``schema`` of every report's ``summary.json``
SUMMARY_SCHEMA = "mmstudy.report/1"
#: where the shared templates live
SHARED_TEMPLATES = Path(__file__).resolve().parent / "templates"


def fmt(v: Any, spec: str = ".3g") -> str:
    """One table cell: ``yes``/``no`` for a bool, ``—`` for NaN or None, ``∞`` for an
    infinity, ``spec`` for a float (``-0`` written ``0``).

    >>> fmt(True), fmt(float("nan")), fmt(-0.0001, ".0f"), fmt(12345.678)
    ('yes', '—', '0', '1.23e+04')
    """
    if v is None:
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (float, np.floating)):
        if np.isinf(v):
            return "∞" if v > 0 else "−∞"
        if not np.isfinite(v):
            return "—"
        text = format(float(v), spec)
        return text[1:] if text.startswith("-") and float(text) == 0 else text
    return str(v).replace("|", "\\|").replace("\n", " ")


def md_table(df: pd.DataFrame | Sequence[Mapping[str, Any]], floatfmt: str = ".3g") -> str:
    """A Markdown table of a DataFrame (or of a list of row dicts)."""
    if not isinstance(df, pd.DataFrame):
        df = pd.DataFrame(list(df))
    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(fmt(v, floatfmt) for v in row) + " |"
            for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def columns(df: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame:
    """The columns of ``df`` named in ``mapping`` (those it has), in its order, renamed.

    >>> columns(pd.DataFrame({"a": [1], "b": [2], "c": [3]}), {"c": "C", "a": "A", "z": "Z"})
       C  A
    0  3  1
    """
    return df[[c for c in mapping if c in df]].rename(columns=dict(mapping))


def hours(seconds: float) -> str:
    """``seconds`` as ``1 h 58 min`` (or ``7 min``).

    >>> hours(7080), hours(400)
    ('1 h 58 min', '7 min')
    """
    minutes = round(float(seconds) / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


_SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "true": ""}


def _value(c: Claim) -> str:
    if c.holds is None:
        return c.untested
    if c.test == "true":
        return ""
    ref = f"; paper {fmt(c.reference)}" if c.reference is not None else ""
    return f" (measured {fmt(c.value)}, needs {_SYMBOL[c.test]} {fmt(c.threshold)}{ref})"


def claims_list(claims: Iterable[Claim]) -> str:
    """One line per claim: its mark, what it says, the measured value against its limit."""
    lines = []
    for c in claims:
        tail = _value(c)
        lines.append(f"- {c.mark} {c.what}" + (f" ({tail})" if c.holds is None else tail))
    return "\n".join(lines)


def claims_details(claims: Sequence[Claim]) -> str:
    """A folded table of each claim's test, threshold, tolerance and the reason for it."""
    if not claims:
        return ""
    rows = [{"claim": c.name, "test": "yes/no" if c.test == "true"
             else f"{_SYMBOL[c.test]} {fmt(c.threshold)}", "measured": fmt(c.value)
             if c.test != "true" else fmt(c.holds),
             "tolerance": c.tolerance, "why": c.reason} for c in claims]
    return ("<details><summary>The claims' tests, tolerances and why</summary>\n\n"
            + md_table(rows) + "\n\n</details>")


def claim_counts(claims: Iterable[Mapping[str, Any] | Claim]) -> dict[str, int]:
    """``{"hold": n, "fail": n, "untested": n, "observations": n}``."""
    out = {"hold": 0, "fail": 0, "untested": 0, "observations": 0}
    for c in claims:
        c = c.as_dict() if isinstance(c, Claim) else c
        if c.get("observation"):
            out["observations"] += 1
        elif c.get("holds") is None:
            out["untested"] += 1
        else:
            out["hold" if c["holds"] else "fail"] += 1
    return out


def environment(*folders: str | os.PathLike) -> jinja2.Environment:
    """A Jinja environment over ``folders`` (first match wins), then the shared
    templates, with the report filters: ``table``, ``columns``, ``fmt``, ``pm`` (a value ± error,
    ``not resolved`` when the error bar reaches zero), ``deg``, ``hours``, ``claims``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders] + [str(SHARED_TEMPLATES)]),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
        trim_blocks=True, lstrip_blocks=True, autoescape=False)
    env.filters.update(table=md_table, fmt=fmt, hours=hours, claims=claims_list, columns=columns,
                       pm=lambda v, e, spec=".2g": format_estimate(v, e, spec),
                       deg=lambda rad: math.degrees(rad))
    return env


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` atomically (a report is ours to replace)."""
    with atomic_open(path, "w", overwrite=True) as fh:
        fh.write(text if text.endswith("\n") else text + "\n")
    return path


def write_summary(path: Path, record: Mapping[str, Any]) -> Path:
    """Write a report's ``summary.json`` (``schema`` added; JSON types only)."""
    return write_text(path, json.dumps({"schema": SUMMARY_SCHEMA, **jsonable(dict(record))},
                                       indent=2, ensure_ascii=False))
