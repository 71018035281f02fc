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
