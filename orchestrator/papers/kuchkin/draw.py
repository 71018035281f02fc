"""Paper 003's panels: the relaxed textures, the big circle with LLG and Thiele points and
ρ(α), and the small circle of a low-symmetry texture."""

from __future__ import annotations

import numpy as np

from analysis.plots import legend_outside, plot_mz_map
from analysis.thiele_geometry import big_circle, rho
from orchestrator.papers.kuchkin import PAPER

__all__ = ["textures_png", "circle_png", "checks_png", "small_circle_png"]


def _circle(ax, centre, radius, **kw):
    phi = np.linspace(0, 2 * np.pi, 361)
    ax.plot(centre[0] + radius * np.cos(phi), centre[1] + radius * np.sin(phi), **kw)


@PAPER.draw("bag_cells")
@PAPER.draw("textures")
def textures_png(res, axes) -> None:
    """m_z of each relaxed texture with in-plane arrows."""
    axes = np.atleast_1d(axes)
    im = None
    for ax, r in zip(axes, res.table.itertuples()):
        plot_mz_map(res.data["maps"][r.texture], ax=ax, colorbar=False, arrows=14,
                    title=f"{r.texture}\nQ = {r.Q:+d}, k_s = {r.k_s}, "
                          f"λ = {r.lam1:.2f}/{r.lam2:.2f}")
        ax.title.set_fontsize(8)
        im = ax.collections[0]
    for ax in axes[len(res.table):]:
        ax.axis("off")
    if im is not None:
        axes[0].figure.colorbar(im, ax=list(axes), shrink=0.7, label="$m_z$")


@PAPER.draw("circle_low")
@PAPER.draw("circle")
def circle_png(res, axes) -> None:
    """(v∥, v⊥) of every texture at each (α, ξ) of ``circle_alphas``, one panel each: LLG
    (filled) and static-Γ Thiele (open) on the big circle; in a last panel, when the plot
    has one more, ρ(α) at ξ/α = 5/3 (Fig. 3c) with the LLG points."""
    t = res.data["table"]
    axes = list(np.atleast_1d(axes))
    shown = res.data.get("circle_alphas")
    pairs = sorted({(a, x) for a, x in zip(t.alpha, t.xi)
                    if shown is None or any(abs(a - s) < 1e-12 for s in shown)})
    names = list(dict.fromkeys(t.texture))
    if len(pairs) > len(axes):
        raise ValueError(f"{len(pairs)} (α, ξ) panels for {len(axes)} axes: give the plot "
                         "more columns or circle_alphas fewer values")
    for ax, (a, x) in zip(axes, pairs):
        vc, rc = big_circle(a, x)
        _circle(ax, (vc, 0.0), abs(rc), color="0.6", lw=1, label="big circle (Eq. 13)")
        g = t[(t.alpha == a) & (t.xi == x)]
        for k, name in enumerate(names):
            r = g[g.texture == name]
            ax.plot(r.v_par, r.v_perp, "o", color=f"C{k}", label=f"{name}: LLG")
            ax.plot(r.v_par_thiele, r.v_perp_thiele, "s", mfc="none", ms=9, color=f"C{k}",
                    label=f"{name}: Thiele, static Γ")
        ax.set(xlabel="$v_\\parallel = V_\\parallel/V_0$", ylabel="$v_\\perp$",
               title=f"α = {a:g}, ξ = {x:.4g}", aspect="equal")
    legend_outside(axes[0], ncol=2)
    if len(axes) <= len(pairs):
        return
    ax = axes[len(pairs)]
    alphas = np.linspace(0.01, 0.6, 200)
    ratio = float(t.xi.iloc[0] / t.alpha.iloc[0])
    for k, name in enumerate(names):
        r = t[t.texture == name].iloc[0]
        if r.Q == 0:
            continue
        G = np.diag([r.lam1, r.lam2])
        ax.plot(alphas, rho(r.Q, alphas, G), "-", color=f"C{k}", label=name)
        pts = t[(t.texture == name)]
        ax.plot(pts.alpha, pts.rho_llg, "o", color=f"C{k}")
    ax.set(xlabel="α (ξ = %.3gα)" % ratio, ylabel="ρ (rad)",
           title="Fig. 3c: ρ(α) from static Γ (lines), LLG (points)")
    legend_outside(ax, ncol=1)


@PAPER.draw("checks")
def checks_png(res, axes) -> None:
    """The π skyrmion's LLG velocity in each check run next to the reference and the
    static-Γ Thiele velocity, on a patch of the big circle."""
    t = res.data["table"]
    a, x = float(t.alpha.iloc[0]), float(t.xi.iloc[0])
    vc, rc = big_circle(a, x)
    _circle(axes, (vc, 0.0), abs(rc), color="0.6", lw=1, label="big circle (Eq. 13)")
    for k, r in enumerate(t.itertuples()):
        axes.plot(r.v_par, r.v_perp, "o", color=f"C{k}",
                  label=f"{r.check}: Δ = L_D/{1 / r.cell_LD:.4g}, |I| = {r.I:.3g}")
        axes.plot(r.v_par_thiele, r.v_perp_thiele, "s", mfc="none", ms=10, color=f"C{k}")
    pad = 0.02
    axes.set(xlim=(t.v_par.min() - pad, t.v_par.max() + pad),
             ylim=(t.v_perp.min() - pad, t.v_perp.max() + pad), aspect="equal",
             xlabel="$v_\\parallel$", ylabel="$v_\\perp$",
             title=f"π skyrmion, α = {a:g}, ξ = {x:.4g}: LLG (dots), Thiele (squares)")
    legend_outside(axes, ncol=1)


@PAPER.draw("small_circle")
def small_circle_png(res, axes) -> None:
    """The low-symmetry texture's LLG velocities at each current angle on its predicted
    small circle, orthogonal to the big circle."""
    t = res.data["table"]
    a, x = float(t.alpha.iloc[0]), float(t.xi.iloc[0])
    vc, rc = big_circle(a, x)
    _circle(axes, (vc, 0.0), abs(rc), color="0.6", lw=1, label="big circle")
    _circle(axes, res.data["centre"], res.data["R0"], color="C1", lw=1,
            label="small circle, static Γ (Eqs. 14–15)")
    if res.data.get("fit") is not None:
        (cx, cy), R, _ = res.data["fit"]
        _circle(axes, (cx, cy), R, color="C2", ls=":", lw=1, label="Kåsa fit of the LLG points")
    axes.plot(t.v_par_thiele, t.v_perp_thiele, "s", mfc="none", ms=9, color="C1",
              label="Thiele, each angle")
    axes.plot(t.v_par, t.v_perp, "o", color="C0", label="LLG")
    for r in t.itertuples():
        axes.annotate(f"{r.theta_deg:.0f}°", (r.v_par, r.v_perp), fontsize=7,
                      xytext=(4, 4), textcoords="offset points")
    axes.set(xlabel="$v_\\parallel$", ylabel="$v_\\perp$", aspect="equal",
             title=f"{t.texture.iloc[0]}: α = {a:g}, ξ = {x:.4g}; labels: current angle")
    legend_outside(axes, ncol=2)
