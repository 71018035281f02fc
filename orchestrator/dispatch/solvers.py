"""What each backend found: ``mmstudy solvers``.

For every registered backend (:data:`orchestrator.backends.base.BACKENDS`): whether its
solver was found and how (:class:`~orchestrator.backends.base.SolverInfo`), its
version, and the study features it supports; and the same as rich tables.

Examples
--------
>>> rows = {r.name: r for r in solver_rows()}
>>> rows["builtin"].info.found, "stage.minimize" in rows["builtin"].features
(True, True)
"""

from __future__ import annotations

import dataclasses

from rich.table import Table

from orchestrator.backends.base import BACKENDS, SolverInfo, get_backend
from orchestrator.study.features import FEATURES

__all__ = ["SolverRow", "solver_rows", "solvers_table", "features_table"]


@dataclasses.dataclass(frozen=True)
class SolverRow:
    """One backend: its solver info (or why the backend itself is unavailable)."""

    name: str
    info: SolverInfo
    features: frozenset[str]
    available: bool = True


def solver_rows() -> list[SolverRow]:
    """Every backend, in registry order; a backend that cannot be imported or whose
    ``find`` fails is listed as not found, with the reason."""
    rows = []
    for name in BACKENDS:
        try:
            backend = get_backend(name)
        except Exception as err:  # noqa: BLE001 - report, never crash the listing
            rows.append(SolverRow(name, SolverInfo(name, False, f"backend not available: {err}"),
                                  frozenset(), available=False))
            continue
        try:
            info = backend.find()
        except Exception as err:  # noqa: BLE001
            info = SolverInfo(name, False, f"looking for the solver failed: {err}")
        rows.append(SolverRow(name, info, frozenset(backend.features)))
    return rows


def solvers_table(rows: list[SolverRow]) -> Table:
    """Backend, found, how, version, number of features."""
    table = Table(title="Solvers", show_lines=False)
    for col in ("backend", "found", "how", "version", "features"):
        table.add_column(col, overflow="fold")
    for r in rows:
        found = "[green]yes[/]" if r.info.found else "[red]no[/]"
        table.add_row(r.name, found, r.info.how, r.info.version or "-",
                      f"{len(r.features)} of {len(FEATURES)}" if r.available else "-")
    return table


def features_table(rows: list[SolverRow]) -> Table:
    """One row per study feature, a tick under each backend that supports it."""
    table = Table(title="Features supported")
    table.add_column("feature")
    for r in rows:
        table.add_column(r.name, justify="center")
    for feat in sorted(FEATURES):
        table.add_row(feat, *("✓" if feat in r.features else "·" for r in rows))
    return table
