"""Pictures a person looks at after a run: m_z maps with arrows and centres,
trajectories, and time series (Q(t), ⟨m_z⟩(t)).

Each function draws on the matplotlib axes given as ``ax=`` (or on a new figure),
saves the figure as PNG when given a path (atomically; an existing file only with
``overwrite=True``) or an open binary file, and returns the figure. Positions are
plotted in nm, times in ns; every colour has a labelled colour bar, and legends sit
outside the data.
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

__all__ = ["plot_mz_map", "plot_trajectories", "plot_series", "legend_outside"]


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


def _axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    return plt.subplots(figsize=figsize)


def legend_outside(ax, *, ncol: int | None = None, **kwargs):
    """A legend below the axes, clear of the data (``None`` when nothing is labelled)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    ncol = ncol or min(len(handles), 3)
    return ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                     ncol=ncol, fontsize=8, frameon=False, **kwargs)


def plot_mz_map(
    m: xr.DataArray,
    *,
    centres: pd.DataFrame | None = None,
    title: str = "",
    path: str | os.PathLike | None = None,
    arrows: int = 16,
    overwrite: bool = False,
    ax=None,
    colorbar: bool = True,
    component: str = "z",
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
    ax : matplotlib Axes, optional
        Draw there (default: a new figure).
    colorbar : bool
        Add the m_z colour bar (off when several maps share one).
    component : {"z", "x", "y"}
        The component shown in colour (default m_z).

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = m.transpose("y", "x", "c")
    x_nm, y_nm = m.x.values * 1e9, m.y.values * 1e9
    mz = m.sel(c=component).values
    fig, ax = _axes(ax, (5.2, 4.6))
    im = ax.pcolormesh(x_nm, y_nm, mz, cmap="RdBu_r", vmin=-1, vmax=1, shading="nearest")
    step = max(1, max(len(x_nm), len(y_nm)) // arrows)
    sx, sy = slice(step // 2, None, step), slice(step // 2, None, step)
    ax.quiver(x_nm[sx], y_nm[sy], m.sel(c="x").values[sy, sx], m.sel(c="y").values[sy, sx],
              pivot="mid", scale=arrows * 1.6, width=0.004)
    if centres is not None and len(centres):
        ax.plot(centres["x"] * 1e9, centres["y"] * 1e9, "k+", ms=12, mew=2, label="centre")
        legend_outside(ax)
    ax.set(xlabel="x (nm)", ylabel="y (nm)", aspect="equal", title=title)
    if colorbar:
        fig.colorbar(im, ax=ax, label=f"$m_{component}$", shrink=0.9)
    return _save(fig, path, overwrite)


def plot_trajectories(
    tracks: pd.DataFrame,
    *,
    title: str = "Trajectories",
    path: str | os.PathLike | None = None,
    overwrite: bool = False,
    ax=None,
    colorbar: bool = True,
    norm=None,
    relative: bool = False,
    label=None,
):
    """Unwrapped trajectories (``x_u``, ``y_u``, or ``x``, ``y``) of each track,
    coloured by time (``t`` in ns, or the frame index) with a labelled colour bar.

    Parameters
    ----------
    tracks : DataFrame
        From :func:`analysis.tracking.track` (``track``, ``frame``, ``t`` when known).
    title : str
    path, overwrite
        As for :func:`plot_mz_map`.
    ax : matplotlib Axes, optional
        Draw there (default: a new figure).
    colorbar : bool
        Add the time colour bar.
    norm : matplotlib Normalize, optional
        Time scale (ns or frames) shared by several panels.
    relative : bool
        Plot displacements from each track's first position (Δx, Δy).
    label : callable (track id) -> str, optional
        Legend label of each track (default ``track <id>``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.colors as mcolors

    fig, ax = _axes(ax, (5.4, 5.0))
    xcol = "x_u" if "x_u" in tracks else "x"
    ycol = "y_u" if "y_u" in tracks else "y"
    if "t" in tracks:
        tcol, tscale, tlabel = "t", 1e9, "t (ns)"
    elif "frame" in tracks:
        tcol, tscale, tlabel = "frame", 1.0, "frame"
    else:
        tcol = None
    groups = list(tracks.groupby("track")) if "track" in tracks else [(0, tracks)]
    if tcol is not None and norm is None and len(tracks):
        tv = tracks[tcol].to_numpy(dtype=float) * tscale
        norm = mcolors.Normalize(np.nanmin(tv), max(np.nanmax(tv), np.nanmin(tv) + 1e-30))
    sc = None
    markers = "o^sDv<>p*h"
    for k, (tid, tr) in enumerate(groups):
        tr = tr.sort_values("frame") if "frame" in tr else tr
        x = tr[xcol].to_numpy(dtype=float) * 1e9
        y = tr[ycol].to_numpy(dtype=float) * 1e9
        if relative and len(x):
            x, y = x - x[0], y - y[0]
        name = label(tid) if label is not None else f"track {tid}"
        ax.plot(x, y, "-", lw=0.8, color="0.55", zorder=1)
        if tcol is not None:
            sc = ax.scatter(x, y, c=tr[tcol].to_numpy(dtype=float) * tscale, cmap="viridis",
                            norm=norm, s=18, marker=markers[k % len(markers)],
                            edgecolors="k", linewidths=0.3, zorder=2, label=name)
        else:
            ax.plot(x, y, markers[k % len(markers)], ms=4, label=name)
    unit = "Δ{} (nm)" if relative else "{} (nm, unwrapped)"
    ax.set(xlabel=unit.format("x"), ylabel=unit.format("y"), title=title)
    _square_limits(ax)
    if len(groups) <= 10:
        legend_outside(ax)
    if colorbar and sc is not None:
        fig.colorbar(sc, ax=ax, label=tlabel, shrink=0.9)
    return _save(fig, path, overwrite)


def _square_limits(ax, pad: float = 0.08):
    """Equal scales on x and y, with square data limits around what is drawn (so that
    a straight trajectory gives a readable panel, not a sliver)."""
    ax.relim()
    ax.autoscale_view()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    span = max(x1 - x0, y1 - y0) * (1 + 2 * pad) or 1.0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax.set_xlim(cx - span / 2, cx + span / 2)
    ax.set_ylim(cy - span / 2, cy + span / 2)
    ax.set_aspect("equal", adjustable="box")


def plot_series(
    t: np.ndarray | None,
    series: dict[str, np.ndarray],
    *,
    ylabel: str = "",
    title: str = "",
    path: str | os.PathLike | None = None,
    overwrite: bool = False,
    ax=None,
):
    """Several time series against t (seconds, plotted in ns), or against the frame
    index when ``t`` is None (a run without recorded times)."""
    fig, ax = _axes(ax, (6, 3.6))
    for label, y in series.items():
        y = np.asarray(y)
        x = np.arange(len(y)) if t is None else np.asarray(t, dtype=float) * 1e9
        ax.plot(x, y, ".-" if len(y) < 40 else "-", ms=4, label=label)
    ax.set(xlabel="frame" if t is None else "t (ns)", ylabel=ylabel, title=title)
    values = np.concatenate([np.ravel(np.asarray(y, dtype=float)) for y in series.values()]) \
        if series else np.array([])
    values = values[np.isfinite(values)]
    if values.size:  # a (nearly) constant series reads as a flat line at its value
        ax.ticklabel_format(axis="y", useOffset=False)
        mid, scale = float(values.mean()), max(1.0, float(np.abs(values).max()))
        if np.ptp(values) < 1e-3 * scale:
            ax.set_ylim(mid - 0.05 * scale, mid + 0.05 * scale)
    if len(series) > 1:
        legend_outside(ax)
    return _save(fig, path, overwrite)
