"""Paper 004's Fig. 3(b): the outcome of the pulse against the strain direction φ (the pie).

The pie study (``studies/flower/pie.toml``) is an adaptive sweep in φ over [0°, 180°) (the
strain is even in its axis, so φ + 180° is the same pulse): the coarse grid, then bisection
where neighbours' outcomes differ, to the refine step. Each point's outcome is its cached
label from the sweep's own classifier (:func:`orchestrator.dispatch.refine.outcome`,
``outcome.json``), so the figure reads exactly what steered the refinement. The windows of
equal outcome come from :func:`analysis.outcomes.windows` (each sample holds to halfway to
its neighbours).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.outcomes import BLOCK, windows
from orchestrator.dispatch.refine import outcome
from orchestrator.papers import recipes as rx
from orchestrator.papers.claims import Measured
from orchestrator.papers.flower import PAPER
from orchestrator.papers.paper import FigureInput, FigureResult

__all__ = ["fig3", "judge_windows"]


def judge_windows(w: pd.DataFrame, *, split: float, width: float) -> dict[str, Measured]:
    """The paper's structure on the windows ``w`` of one K_s line: one II window and one
    III window sharing a boundary (its distance from ``split``), each ``width`` wide (the
    distance of each width from it), Block everywhere else."""
    ii, iii = w[w.label == "II"], w[w.label == "III"]
    one_each = len(ii) == 1 and len(iii) == 1
    shared = None
    if one_each:
        a, b = ii.iloc[0], iii.iloc[0]
        for x, y in ((a.end, b.start), (b.end, a.start)):
            if np.isclose(x, y):
                shared = float(x)
    others = set(w.label) - {"II", "III", BLOCK}
    return {
        "windows_adjacent": Measured(bool(one_each and shared is not None),
                                     {"windows": w[["label", "start", "end"]]
                                      .to_dict("records")}),
        "split_60": Measured(abs(shared - split) if shared is not None else None,
                             {"split_deg": shared},
                             why_untested="no II window next to a III window"),
        "width_II": Measured(abs(float(ii.width.iloc[0]) - width) if len(ii) == 1 else None,
                             {"width_deg": float(ii.width.iloc[0]) if len(ii) == 1 else None},
                             why_untested=f"{len(ii)} II windows"),
        "width_III": Measured(abs(float(iii.width.iloc[0]) - width) if len(iii) == 1
                              else None,
                              {"width_deg": float(iii.width.iloc[0]) if len(iii) == 1 else None},
                              why_untested=f"{len(iii)} III windows"),
        "block_elsewhere": Measured(not others, {"other_outcomes": sorted(others)}),
        "mirror_asymmetry": Measured(float(ii.width.iloc[0] - iii.width.iloc[0])
                                     if one_each else None,
                                     why_untested="not one window each"),
    }


@PAPER.analyse("fig3")
def fig3(inp: FigureInput) -> FigureResult:
    """The outcome of every run of the pie, its windows and the paper's structure."""
    notes: list[str] = []
    study = inp.run.study
    refine = study.sweep.refine
    rows = []
    for pp in rx.done_points(inp.run, notes):
        label = outcome(pp.folder, refine.outcome, refine.classify)
        phi = float(pp.point.params[refine.parameter])
        rows.append({"phi_deg": phi, "outcome": label})
    table = pd.DataFrame(rows)
    if table.empty:
        return FigureResult(table, notes=notes)
    table = table.sort_values("phi_deg").reset_index(drop=True)
    period = float(refine.period)
    w = windows(table.phi_deg, table.outcome, period=period)
    measured = judge_windows(w, split=float(inp.param("split_deg")),
                             width=float(inp.param("width_deg")))
    uniform = int(round(period / float(refine.step)))
    measured["runs_saved"] = Measured(uniform - len(table),
                                      {"runs": len(table), "uniform_grid": uniform})
    return FigureResult(table, {"windows": w, "study": study}, measured, notes=notes)
