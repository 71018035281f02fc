"""The pictures: written only where asked, never over an existing file without overwrite."""

import numpy as np
import pytest

from analysis.plots import plot_mz_map, plot_series, plot_trajectories
from analysis.textures import as_dataarray, cell_centres, skyrmion

PNG = b"\x89PNG\r\n\x1a\n"


def _frame():
    x = cell_centres(32, 1e-9)
    m = as_dataarray(skyrmion(x, x, centre=(16e-9, 16e-9), radius=5e-9), 1e-9, 1e-9)
    return m.isel(z=0)


def test_plots_refuse_to_overwrite_an_existing_file(tmp_path):
    import pandas as pd

    tracks = pd.DataFrame({"track": [0, 0], "x": [1e-9, 2e-9], "y": [1e-9, 1e-9]})
    draws = {
        "mz.png": lambda p, **kw: plot_mz_map(_frame(), path=p, **kw),
        "traj.png": lambda p, **kw: plot_trajectories(tracks, path=p, **kw),
        "series.png": lambda p, **kw: plot_series(np.arange(3) * 1e-9, {"Q": [1, 2, 3]},
                                                  path=p, **kw),
    }
    for name, draw in draws.items():
        target = tmp_path / name
        target.write_bytes(b"precious")
        with pytest.raises(FileExistsError):
            draw(target)
        assert target.read_bytes() == b"precious"
        draw(target, overwrite=True)
        assert target.read_bytes()[:8] == PNG
        fresh = tmp_path / f"new-{name}"
        draw(fresh)
        assert fresh.read_bytes()[:8] == PNG


def _tracks():
    import pandas as pd

    t = np.arange(6) * 1e-11
    return pd.DataFrame({"track": [0] * 6 + [1] * 6, "frame": list(range(6)) * 2,
                         "t": list(t) * 2,
                         "x": list(10e-9 + 200 * t) + list(30e-9 + 100 * t),
                         "y": list(10e-9 + 20 * t) + list(30e-9 - 10 * t)})


def _colourbar_labels(fig):
    return [a.get_ylabel() for a in fig.axes if a.get_label() == "<colorbar>"]


def test_every_plot_draws_on_a_given_axes():
    import matplotlib.pyplot as plt

    for draw in (lambda ax: plot_mz_map(_frame(), ax=ax),
                 lambda ax: plot_trajectories(_tracks(), ax=ax),
                 lambda ax: plot_series(np.arange(3) * 1e-9, {"Q": [1, 2, 3]}, ax=ax)):
        fig, ax = plt.subplots()
        assert draw(ax) is fig and ax.has_data()
        plt.close(fig)


def test_trajectories_show_time_in_a_labelled_colour_bar_and_keep_the_legend_off_the_data():
    fig = plot_trajectories(_tracks())
    assert "t (ns)" in _colourbar_labels(fig)
    ax = fig.axes[0]
    assert "nm" in ax.get_xlabel() and "nm" in ax.get_ylabel()
    fig.canvas.draw()
    box = ax.get_legend().get_window_extent()
    xy = ax.transData.transform(np.c_[_tracks()["x"] * 1e9, _tracks()["y"] * 1e9])
    assert not any(box.contains(px, py) for px, py in xy)
    # the panel is not a sliver: neither side of the data area is less than half the other
    w, h = ax.get_window_extent().width, ax.get_window_extent().height
    assert 0.5 < w / h < 2


def test_maps_and_series_have_labelled_axes_and_colour_bars():
    fig = plot_mz_map(_frame())
    assert "$m_z$" in _colourbar_labels(fig)
    fig = plot_series(np.arange(3) * 1e-10, {"Q": [1, 2, 3]}, ylabel="Q")
    assert fig.axes[0].get_xlabel() == "t (ns)" and fig.axes[0].get_ylabel() == "Q"


def test_a_nearly_constant_series_reads_without_an_offset():
    q = -0.9558 + 1e-6 * np.array([0.3, -0.2, 0.1, 0.0])
    fig = plot_series(np.arange(4) * 1e-11, {"Q": q}, ylabel="Q")
    ax = fig.axes[0]
    fig.canvas.draw()
    assert ax.yaxis.get_offset_text().get_text() == ""
    lo, hi = ax.get_ylim()
    assert hi - lo > 1e-2 and lo < q.min() and hi > q.max()
