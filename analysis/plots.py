"""Pictures a person looks at after a run: m_z maps with arrows and centres,
trajectories, and time series (Q(t), ⟨m_z⟩(t)).

Each function draws on a new matplotlib figure, saves it as PNG when given a
path (atomically; an existing file only with ``overwrite=True``) or an open
binary file, and returns the figure. Positions are plotted in nm, times in ns.
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402

from analysis.atomic import atomic_open  # noqa: E402

__all__ = ["plot_mz_map", "plot_trajectories", "plot_series"]


def _save(fig, path, overwrite: bool = False):
    """Save as PNG to a path or an open binary file, then close the figure."""
    if path is None:
        return fig
    try:
        if isinstance(path, (str, os.PathLike)):
            with atomic_open(path, "wb", overwrite=overwrite) as fh:
                fig.savefig(fh, format="png", dpi=120, bbox_inches="tight")
        else:
            fig.savefig(path, format="png", dpi=120, bbox_inches="tight")
    finally:
        plt.close(fig)
    return fig


def plot_mz_map(
    m: xr.DataArray,
    *,
    centres: pd.DataFrame | None = None,
    title: str = "",
    path: str | os.PathLike | None = None,
    arrows: int = 16,
    overwrite: bool = False,
):
    """m_z colour map of one layer with in-plane arrows and detected centres.

    Parameters
    ----------
    m : DataArray, dims (y, x, c)
        One frame and layer of the unit magnetisation.
    centres : DataFrame, optional
        Rows with ``x``, ``y`` (metres), e.g. from :func:`analysis.detection.find_objects`.
    title : str
    path : path or binary file, optional
        Save the PNG there (and close the figure).
    arrows : int
        About how many arrows along the longer side.
    overwrite : bool
        Replace an existing file at ``path``; without it, :class:`FileExistsError`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = m.transpose("y", "x", "c")
    x_nm, y_nm = m.x.values * 1e9, m.y.values * 1e9
    mz = m.sel(c="z").values
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    im = ax.pcolormesh(x_nm, y_nm, mz, cmap="RdBu_r", vmin=-1, vmax=1, shading="nearest")
    step = max(1, max(len(x_nm), len(y_nm)) // arrows)
    sx, sy = slice(step // 2, None, step), slice(step // 2, None, step)
    ax.quiver(x_nm[sx], y_nm[sy], m.sel(c="x").values[sy, sx], m.sel(c="y").values[sy, sx],
              pivot="mid", scale=arrows * 1.6, width=0.004)
    if centres is not None and len(centres):
        ax.plot(centres["x"] * 1e9, centres["y"] * 1e9, "k+", ms=12, mew=2, label="centre")
        ax.legend(loc="upper right", fontsize=8)
    ax.set(xlabel="x (nm)", ylabel="y (nm)", aspect="equal", title=title)
    fig.colorbar(im, ax=ax, label="$m_z$")
    return _save(fig, path, overwrite)


def plot_trajectories(
    tracks: pd.DataFrame,
    *,
    title: str = "Trajectories",
    path: str | os.PathLike | None = None,
    overwrite: bool = False,
):
    """Unwrapped trajectories (``x_u``, ``y_u``, or ``x``, ``y``) of each track."""
    fig, ax = plt.subplots(figsize=(5, 4.4))
    xcol = "x_u" if "x_u" in tracks else "x"
    ycol = "y_u" if "y_u" in tracks else "y"
    for tid, tr in tracks.groupby("track") if "track" in tracks else [(0, tracks)]:
        ax.plot(tr[xcol] * 1e9, tr[ycol] * 1e9, "-", lw=1.2, label=f"track {tid}")
        ax.plot(tr[xcol].iloc[:1] * 1e9, tr[ycol].iloc[:1] * 1e9, "o", ms=4, color="k")
    ax.set(xlabel="x (nm, unwrapped)", ylabel="y (nm, unwrapped)", title=title)
    ax.set_aspect("equal", adjustable="datalim")
    if tracks.get("track") is not None and tracks["track"].nunique() <= 10:
        ax.legend(fontsize=8)
    return _save(fig, path, overwrite)


def plot_series(
    t: np.ndarray | None,
    series: dict[str, np.ndarray],
    *,
    ylabel: str = "",
    title: str = "",
    path: str | os.PathLike | None = None,
    overwrite: bool = False,
):
    """Several time series against t (seconds, plotted in ns), or against the frame
    index when ``t`` is None (a run without recorded times)."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for label, y in series.items():
        y = np.asarray(y)
        x = np.arange(len(y)) if t is None else np.asarray(t, dtype=float) * 1e9
        ax.plot(x, y, label=label)
    ax.set(xlabel="frame" if t is None else "t (ns)", ylabel=ylabel, title=title)
    if len(series) > 1:
        ax.legend(fontsize=8)
    return _save(fig, path, overwrite)
