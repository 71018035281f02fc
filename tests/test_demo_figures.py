"""Issue 13: the demo's figures are readable at a glance: colour bars with labels, units on
the axes, legends clear of the data, time along trajectories, no sliver panels."""

import numpy as np
import pandas as pd

from analysis.textures import as_dataarray, cell_centres, skyrmion
from orchestrator import demo


def _colourbar_labels(fig):
    return [a.get_ylabel() or a.get_xlabel() for a in fig.axes if a.get_label() == "<colorbar>"]


def _data_axes(fig):
    return [a for a in fig.axes if a.get_label() != "<colorbar>"]


def _not_a_sliver(ax):
    box = ax.get_window_extent()
    return 0.4 < box.width / box.height < 2.5


def test_relaxed_skyrmions_figure_has_a_labelled_colour_bar(tmp_path):
    x = cell_centres(40, 1e-9)
    m = as_dataarray(skyrmion(x, x, centre=(20e-9, 20e-9), radius=7e-9), 1e-9, 1e-9)
    states = [(f"case {k}", m, -1.0, 180.0, 180.0) for k in range(3)]
    fig = demo.draw_relaxed_skyrmions(states, tmp_path / "relaxed.png")
    assert (tmp_path / "relaxed.png").read_bytes()[:4] == b"\x89PNG"
    assert "$m_z$" in _colourbar_labels(fig)
    for ax in _data_axes(fig):
        assert ax.get_xlabel() == "x (nm)" and ax.get_ylabel() == "y (nm)"


def test_sot_trajectory_figure_keeps_the_currents_apart_and_shows_time(tmp_path):
    t = np.arange(21) * 1e-11
    tracks = {j: pd.DataFrame({"track": 0, "frame": np.arange(21), "t": t,
                               "x": 30e-9 + j * 40 * t, "y": 30e-9 - j * 8 * t})
              for j in (1.0, 2.0)}  # the same direction: drawn together, they overlap
    rows = [(1.0, 40.0, -8.0, 41.0, -8.5), (2.0, 80.0, -16.0, 82.0, -17.0)]
    fig = demo.draw_sot_trajectory(tracks, rows, tmp_path / "sot.png")
    assert (tmp_path / "sot.png").read_bytes()[:4] == b"\x89PNG"
    assert "t (ns)" in _colourbar_labels(fig)
    axes = _data_axes(fig)
    # one panel per current, and one for the velocities
    assert len(axes) == 3
    fig.canvas.draw()
    for ax in axes:
        assert "(" in ax.get_xlabel() and "(" in ax.get_ylabel()  # units on both axes
        assert _not_a_sliver(ax)
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent()
        for line in ax.get_lines() + list(ax.collections):
            pts = (line.get_xydata() if hasattr(line, "get_xydata") else line.get_offsets())
            xy = ax.transData.transform(np.asarray(pts, dtype=float))
            assert not any(box.contains(px, py) for px, py in xy)
