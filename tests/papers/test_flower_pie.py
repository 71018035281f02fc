"""Paper 004's Fig. 3 judgement (orchestrator/papers/flower/pie.py) on outcome patterns
built to the paper's description and to ways it can fail."""

import numpy as np
import pandas as pd
import pytest

from analysis.outcomes import windows
from orchestrator.papers.flower.pie import judge_windows


def _judge(pattern, step=2):
    phi = np.arange(0, 180, step)
    w = windows(phi, [pattern(p) for p in phi], period=180)
    return {k: v.value for k, v in judge_windows(w, split=60, width=32).items()}


def test_the_papers_own_pie_holds():
    got = _judge(lambda p: "II" if 28 <= p < 60 else "III" if 60 <= p < 92 else "Block")
    assert got["windows_adjacent"] and got["block_elsewhere"]
    # sampled every 2°, each boundary is known to ±1°: the split lands at 59°
    assert got["split_60"] == pytest.approx(1.0)
    assert got["width_II"] == pytest.approx(0.0) and got["width_III"] == pytest.approx(0.0)
    assert got["mirror_asymmetry"] == pytest.approx(0.0)


def test_a_gap_a_disappearance_and_a_missing_window_are_seen():
    gap = _judge(lambda p: "II" if 28 <= p < 56 else "III" if 64 <= p < 92 else "Block")
    assert gap["windows_adjacent"] is False and gap["split_60"] is None
    lost = _judge(lambda p: "II" if 28 <= p < 60 else "III" if 60 <= p < 92
                  else "Disappear" if p >= 170 else "Block")
    assert lost["block_elsewhere"] is False and lost["windows_adjacent"] is True
    none = _judge(lambda p: "Block")
    assert none["windows_adjacent"] is False and none["width_II"] is None
    # the windows wrap: II across 180° → 0° is still one window
    wrap = _judge(lambda p: "II" if p >= 160 or p < 10 else "III" if 10 <= p < 40 else "Block")
    assert wrap["windows_adjacent"] and wrap["split_60"] == pytest.approx(51.0)


def test_the_pie_draws(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from orchestrator.papers.flower import PAPER
    from orchestrator.papers.paper import FigureResult

    phi = np.array([0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 58, 60, 62])
    lab = ["II" if 28 <= p < 60 else "III" if 60 <= p < 92 else "Block" for p in phi]
    res = FigureResult(pd.DataFrame({"phi_deg": phi, "outcome": lab}),
                       {"windows": windows(phi, lab, period=180)}, {})
    fig, ax = plt.subplots()
    PAPER.drawers["fig3"](res, ax)
    fig.savefig(tmp_path / "pie.png")
    assert (tmp_path / "pie.png").stat().st_size > 1000
