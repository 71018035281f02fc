"""Paper 002's panels: measured velocities against the Thiele and Table 1 values (Figs. 8,
9, 11), the antiferromagnet's v against 1/α (Fig. 11e's inset), the track runs' approach to
their edge and the dirty tracks' depinning (Fig. 10)."""

from __future__ import annotations

import numpy as np

from analysis.plots import legend_outside
from orchestrator.papers.ohki import PAPER

__all__ = ["fig8_png", "fig9_png", "fig11_png", "table1_png", "tracks_png", "fig10_png", "checks_png"]


def _labels(t) -> list[str]:
    return [f"{c} {r}" for c, r in zip(t.case, t.get("rule", t.get("texture")))]


@PAPER.draw("fig8")
def fig8_png(res, axes) -> None:
    """v/v_s along and across the current: measured (filled), Thiele (open), Table 1 (×)."""
    t = res.data["table"]
    names = _labels(t)
    x = np.arange(len(t))
    for ax, (meas, th, tab, title) in zip(np.atleast_1d(axes), (
            ("v_x", "thiele_x", "table1_x", "x (along the track)"),
            ("v_y", "thiele_y", "table1_y", "y (across the track)"))):
        shown = np.where(t.case == "plate", t[meas], t.invariant) if meas == "v_x" else t[meas]
        ax.plot(x, shown, "o", label="LLGS (tracks: the track invariant)")
        ax.plot(x, t[th], "s", mfc="none", ms=9, label="Thiele, own G, D")
        ax.plot(x, t[tab], "x", ms=9, label="Table 1")
        ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("v / v_s")
        ax.set_title(title)
        if meas == "v_x":
            ax.set_yscale("log")
    legend_outside(np.atleast_1d(axes)[-1])


@PAPER.draw("fig9")
def fig9_png(res, axes) -> None:
    """Velocity components (sites/τ): measured against Thiele, one bar pair per run."""
    t = res.data["table"]
    names = [f"{a} ({b})" for a, b in zip(t.texture, t.case)]
    x = np.arange(len(t))
    for ax, (meas, th, title) in zip(np.atleast_1d(axes), (
            ("v_x", "thiele_x", "v_x (⊥ σ)"), ("v_y", "thiele_y", "v_y (∥ σ)"))):
        ax.bar(x - 0.2, t[meas], 0.4, label="LLGS")
        ax.bar(x + 0.2, t[th], 0.4, label="Thiele (tracks: at the edge)", alpha=0.6)
        ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("sites / τ")
        ax.set_title(title)
        ax.axhline(0, color="0.5", lw=0.8)
    legend_outside(np.atleast_1d(axes)[-1])


@PAPER.draw("fig11")
def fig11_png(res, axes) -> None:
    """Left: v∥ and v⊥ against Eq. 158; right: v against 1/α with the straight-line fit."""
    t = res.data["table"]
    ax0, ax1 = np.atleast_1d(axes)[:2]
    x = np.arange(len(t))
    ax0.plot(x, t.v_par, "o", label="LLGS v∥")
    ax0.plot(x, t.thiele, "s", mfc="none", ms=9, label="Eq. 158")
    ax0.plot(x, t.v_perp, "^", label="LLGS v⊥")
    ax0.set_xticks(x, [f"{a} {b} α={c:g}" for a, b, c in zip(t.texture, t.case, t.alpha)],
                   rotation=30, ha="right", fontsize=7)
    ax0.set_ylabel("sites / τ")
    ax0.axhline(0, color="0.5", lw=0.8)
    ax0.legend(fontsize=8)
    fit = res.facts.get("alpha_fit")
    js = fit["j_s"] if fit else None
    sweep = t[(t.case == "plate") & (t.rule == "neel") & (t.j_s == js)]
    ax1.plot(1 / sweep.alpha, sweep.v_par, "o", label="LLGS (Néel, plate)")
    if fit:
        xs = np.linspace(0, 1.1 / sweep.alpha.min(), 50)
        ax1.plot(xs, fit["slope"] * xs + fit["intercept"], "-", color="0.5",
                 label=f"fit, R² = {fit['r2']:.5f}")
    ax1.set_xlabel("1/α")
    ax1.set_ylabel("v (sites/τ)")
    ax1.set_xlim(left=0)
    ax1.set_ylim(bottom=0)
    legend_outside(ax1)


@PAPER.draw("table1")
def table1_png(res, axes) -> None:
    """|LLGS|/|formula| per Table 1 row, with the ±10 % band."""
    t = res.data["table"]
    ax = np.atleast_1d(axes)[0]
    x = np.arange(len(t))
    ax.bar(x, t.ratio.fillna(0.0))
    ax.axhspan(0.9, 1.1, color="0.9", zorder=0, label="±10 %")
    ax.axhline(1.0, color="0.5", lw=0.8)
    ax.set_xticks(x, t.row, rotation=35, ha="right", fontsize=7)
    ax.set_ylabel("|v_LLGS| / |v_Table 1|")
    ax.legend(loc="upper right", fontsize=8)


@PAPER.draw("tracks")
def tracks_png(res, axes) -> None:
    """Left: distance from the edge against time; right: the velocity along the track
    (positions a tenth of the run apart) over Table 1's value."""
    t = res.data["table"]
    ax0, ax1 = np.atleast_1d(axes)[:2]
    for r in t.itertuples():
        tr = r.trajectory
        label = f"{r.texture}, {r.case}"
        time, x = np.asarray(tr["t"]), np.asarray(tr["x"])
        ax0.plot(time, tr["edge"], label=label)
        lag = max(1, len(time) // 10)
        if len(time) > lag and r.table1:
            v = (x[lag:] - x[:-lag]) / (time[lag:] - time[:-lag])
            scale = r.v_s if r.unit == "v_s" else 1.0
            ax1.plot((time[lag:] + time[:-lag]) / 2, v / scale / r.table1, label=label)
    ax0.set_xlabel("t (τ)")
    ax0.set_ylabel("distance from the edge (sites)")
    ax1.axhline(1.0, color="0.5", lw=0.8)
    ax1.set_xlabel("t (τ)")
    ax1.set_ylabel("v_x / Table 1")
    legend_outside(ax1)


@PAPER.draw("fig10")
def fig10_png(res, axes) -> None:
    """Left: dirty distance over clean against j_s, per texture and A_imp; right: the Néel
    skyrmion's survival at the edge."""
    t = res.data["table"]
    ax0, ax1 = np.atleast_1d(axes)[:2]
    if len(t):
        dirty = t[t.A_imp != 0]
        for (tex, a), sub in dirty.groupby(["texture", "A_imp"]):
            ratio = sub.distance / sub.clean_distance
            ax0.plot(sub.j, ratio, "o", alpha=0.5, label=f"{tex}, A_imp = {a:+g} J")
        ax0.axhline(0.25, color="0.5", ls="--", lw=0.8)
        ax0.set_xscale("log")
        ax0.set_xlabel("j_s or j_e (A/m²)")
        ax0.set_ylabel("distance / clean distance")
        ax0.legend(fontsize=7)
    edge = res.data.get("edge")
    if edge is not None and len(edge):
        ax1.plot(edge.j, edge.alive.astype(float), "o-")
        ax1.set_yticks([0, 1], ["annihilated", "survives"])
        ax1.set_xlabel("j_s (A/m²)")
        ax1.axvline(1e9, color="0.5", ls=":", lw=0.8, label="paper ≈ 1.0e9")
        ax1.legend(fontsize=8)


@PAPER.draw("checks")
def checks_png(res, axes) -> None:
    """|Δv|/|v| of each check against the reference run."""
    t = res.data["table"]
    ax = np.atleast_1d(axes)[0]
    other = t[t.check != "reference"]
    ax.bar(np.arange(len(other)), other.difference)
    ax.set_xticks(np.arange(len(other)), [f"{c} ({n})" for c, n in zip(other.check, other.cells)])
    ax.set_yscale("log")
    ax.set_ylabel("|Δv| / |v|")
