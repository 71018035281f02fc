"""Paper 004's panels: the relaxed states on the flower, the guiding centre's paths of the
K_s scan, and the pulse at φ = 30° (path and distance from the centre)."""

from __future__ import annotations

import numpy as np

from analysis.plots import legend_outside, plot_mz_map
from orchestrator.papers.flower import PAPER
from orchestrator.papers.flower.analyse import flower_of
from orchestrator.study.shapes import RegularPolygon

__all__ = ["fig1_png", "scan_png", "cap44_png", "fig2_png", "fig4_png", "landscape_png", "fig3_png",
           "fig2_snapshots_png", "fig4_charges_png"]

NM = 1e-9


def _outline(ax, study, **kw) -> None:
    """The flower's and the cap's outlines (nm), from the study's shapes."""
    flower = flower_of(study)
    x0, y0 = flower.centre
    xs = np.linspace(x0 - 70e-9, x0 + 70e-9, 561)
    ys = np.linspace(y0 - 50e-9, y0 + 80e-9, 521)
    X, Y = np.meshgrid(xs, ys)
    inside = flower.contains(X, Y, 0 * X)
    style = {"colors": "k", "linewidths": 0.8, **kw}
    ax.contour(xs / NM, ys / NM, inside.astype(float), levels=[0.5], **style)
    for r in study.regions:
        if isinstance(r.shape, RegularPolygon):
            cap = r.shape.contains(X, Y, 0 * X)
            ax.contour(xs / NM, ys / NM, cap.astype(float), levels=[0.5],
                       **{**style, "linestyles": "dashed"})
    ax.set_aspect("equal")


@PAPER.draw("fig1")
def fig1_png(res, axes) -> None:
    """m_z of the empty flower and the three states, the cap outlined."""
    axes = np.atleast_1d(axes)
    study = res.data["study"]
    for ax, r in zip(axes, res.table.itertuples()):
        m = res.data["maps"][r.label]
        title = r.label if r.label == "empty" else \
            f"State {r.label}: Q = {r.Q:+.2f}, ΔE = {r.dE_eV:.3f} eV"
        plot_mz_map(m, ax=ax, colorbar=False, arrows=16, title=title)
        _outline(ax, study, colors="0.4")
        ax.set_xlabel("x (nm)")
        ax.set_ylabel("y (nm)")
    for ax in axes[len(res.table):]:
        ax.axis("off")


def _paths(ax, study, paths: dict, label) -> None:
    _outline(ax, study)
    cmap = __import__("matplotlib").colormaps["viridis"]
    keys = sorted(paths)
    for i, k in enumerate(keys):
        p = paths[k]
        ax.plot(p.x / NM, p.y / NM, ".-", ms=2, lw=0.8,
                color=cmap(i / max(len(keys) - 1, 1)), label=label(k))
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")


@PAPER.draw("scan44")
@PAPER.draw("scan76")
def scan_png(res, axes) -> None:
    """The guiding centre's path of every run of one half of the scan."""
    ax = np.atleast_1d(axes)[0]
    outcome = {r.K_s: r.outcome for r in res.table.itertuples()}
    _paths(ax, res.data["study"], res.data["paths"],
           lambda ks: f"K_s = {ks:.2f} MJ/m³: {outcome.get(ks, '?')}")
    ax.set_title(f"φ = {res.data['phi']:g}°")
    legend_outside(ax)


@PAPER.draw("cap44")
def cap44_png(res, axes) -> None:
    """The guiding centre's path of every (K_c, K_s) run."""
    ax = np.atleast_1d(axes)[0]
    outcome = {(r.K_c, r.K_s): r.outcome for r in res.table.itertuples()}
    _paths(ax, res.data["study"], res.data["paths"],
           lambda k: f"K_c = {k[0]:.2f}, K_s = {k[1]:.2f} MJ/m³: {outcome.get(k, '?')}")
    ax.set_title("φ = 44°")
    legend_outside(ax)


@PAPER.draw("fig2")
def fig2_png(res, axes) -> None:
    """The pulse at φ = 30°: path on the flower, and d(t) with the pulse shaded."""
    ax1, ax2 = np.atleast_1d(axes)[:2]
    paths = res.data["paths"]
    outcome = {r.K_s: r.outcome for r in res.table.itertuples()}
    _paths(ax1, res.data["study"], paths,
           lambda ks: f"K_s = {ks:.2f} MJ/m³: {outcome.get(ks, '?')}")
    legend_outside(ax1)
    for ks in sorted(paths):
        p = paths[ks]
        ax2.plot(p.t / 1e-9, p.d / NM, label=f"K_s = {ks:.2f} MJ/m³")
    tmax = max(float(p.t.max()) for p in paths.values()) / 1e-9
    ax2.axvspan(0, min(res.data["pulse_ns"], tmax), color="0.9", zorder=0)
    ax2.set_xlabel("t (ns)")
    ax2.set_ylabel("distance from the flower's centre (nm)")
    ax2.legend()


_COLOURS = {"ex": "C0", "dm": "C1", "pma": "C2", "dem": "C3", "st": "C4"}


@PAPER.draw("fig4")
def fig4_png(res, axes) -> None:
    """|F_μ|(t) on both regions, the LLG's balance on the disk, and R(φ) at 0.6 ns
    (the run at the paper's K_s, or the first run)."""
    (a, b), (c, d) = np.asarray(axes).reshape(2, 2)
    runs = res.data["runs"]
    ks = 0.20 if 0.20 in runs else sorted(runs)[0]
    run = runs[ks]
    p = run["paper"]
    for ax, region in ((a, "core"), (b, "disk")):
        for mu, g in p[p.region == region].groupby("term", sort=False):
            ax.semilogy(g.t / 1e-9, np.hypot(g.Fx, g.Fy) / 1e-12, color=_COLOURS.get(mu),
                        label=f"F_{mu}")
        ax.axhline(5.7, color="0.5", ls=":", lw=0.8)
        ax.set_title(f"K_s = {ks:.2f} MJ/m³, region: {region}")
        ax.set_xlabel("t (ns)")
        ax.set_ylabel("|F_μ| (pN)")
        ax.legend(fontsize=8)
    bal = run["balance"]
    for comp, ls in (("x", "-"), ("y", "--")):
        c.plot(bal.t / 1e-9, bal[f"thiele_{comp}"] / 1e-12, "k" + ls, label=f"Σ Thiele, {comp}")
        c.plot(bal.t / 1e-9, bal[f"motion_{comp}"] / 1e-12, "C1" + ls, label=f"from ṁ, {comp}")
        c.plot(bal.t / 1e-9, bal[f"rigid_{comp}"] / 1e-12, "C2" + ls, lw=0.8,
               label=f"G×v + αDv, {comp}")
    c.set_xlabel("t (ns)")
    c.set_ylabel("F (pN), disk of 2R₀")
    c.set_title(f"balance: residual {run['closure']:.3f}")
    c.legend(fontsize=7, ncol=2)
    sk = run["objects"].iloc[int(np.argmin(np.abs(run["objects"].t - run["t_modes"])))]
    phi = np.linspace(0, 2 * np.pi, 361)
    R = sk.mode_0 + sum(sk[f"mode_{n}"] * np.cos(n * phi + sk[f"phase_{n}"]) for n in range(1, 5))
    d.plot(np.degrees(phi), R / NM, "k")
    inset = d.inset_axes([0.62, 0.62, 0.35, 0.33])
    inset.bar(range(1, 5), [sk[f"mode_{n}"] / NM for n in range(1, 5)], color="C0")
    inset.set_xticks(range(1, 5))
    inset.set_title("a_n′ (nm)", fontsize=8)
    inset.tick_params(labelsize=7)
    d.set_xlabel("φ (°)")
    d.set_ylabel("R(φ) (nm)")
    d.set_title(f"the m_z = 0 contour at {run['t_modes'] / 1e-9:.2f} ns")


@PAPER.draw("landscape")
def landscape_png(res, axes) -> None:
    """E − E_empty of the ansatz at each position, one panel per K_c."""
    axes = np.atleast_1d(axes)
    maps = res.data["maps"]
    vmin = min(float(df.dE_eV.min()) for df in maps.values())
    vmax = max(float(df.dE_eV.max()) for df in maps.values())
    for ax, (K_c, df) in zip(axes, sorted(maps.items())):
        sc = ax.scatter(df.x / NM, df.y / NM, c=df.dE_eV, s=9, marker="s", cmap="viridis",
                        vmin=vmin, vmax=vmax)
        low = df.loc[df.dE_eV.idxmin()]
        ax.plot(low.x / NM, low.y / NM, "r*", ms=12, label="lowest")
        _outline(ax, res.data["study"])
        ax.set_title(f"K_c = {K_c:.2f} MJ/m³")
        ax.set_xlabel("x (nm)")
        ax.set_ylabel("y (nm)")
        ax.legend(loc="upper right", fontsize=8)
        ax.figure.colorbar(sc, ax=ax, label="E − E_empty (eV)")


_OUTCOME_COLOURS = {"Block": "0.75", "II": "C0", "III": "C1", "Disappear": "k",
                    "Elsewhere": "C3", "I": "0.75"}


@PAPER.draw("fig3")
def fig3_png(res, axes) -> None:
    """The pie: each window as a wedge on the circle of 2φ, each run as a dot."""
    ax = np.atleast_1d(axes)[0]
    for r in res.data["windows"].itertuples():
        a0, a1 = 2 * r.start, 2 * (r.start + r.width)
        th = np.radians(np.linspace(a0, a1, 100))
        ax.fill(np.r_[0, np.cos(th), 0], np.r_[0, np.sin(th), 0],
                color=_OUTCOME_COLOURS.get(r.label, "C4"), alpha=0.5, lw=0)
        mid = np.radians((a0 + a1) / 2)
        ax.text(0.6 * np.cos(mid), 0.6 * np.sin(mid), r.label, ha="center", va="center")
    for r in res.table.itertuples():
        t = np.radians(2 * r.phi_deg)
        ax.plot(1.05 * np.cos(t), 1.05 * np.sin(t), "o", ms=4,
                color=_OUTCOME_COLOURS.get(r.outcome, "C4"))
    for deg in range(0, 180, 30):
        t = np.radians(2 * deg)
        ax.text(1.2 * np.cos(t), 1.2 * np.sin(t), f"{deg}°", ha="center", va="center", fontsize=8)
    ax.set_xlim(-1.35, 1.35)
    ax.set_ylim(-1.35, 1.35)
    ax.set_aspect("equal")
    ax.axis("off")


@PAPER.draw("fig2_snapshots")
def fig2_snapshots_png(res, axes) -> None:
    """m_z at the paper's snapshot times (columns), one row per K_s."""
    axes = np.atleast_2d(axes)
    study = res.data["study"]
    for row, (ks, frames) in zip(axes, sorted(res.data["snapshots"].items())):
        for ax, (t, m) in zip(row, sorted(frames.items())):
            plot_mz_map(m, ax=ax, colorbar=False, arrows=24,
                        title=f"K_s = {ks:.2f} MJ/m³, t = {t / 1e-9:.1f} ns")
            _outline(ax, study, colors="0.4")
            ax.set_xlim(20, 108)
            ax.set_ylim(5, 95)
        for ax in row[len(frames):]:
            ax.axis("off")
    for ax in axes[len(res.data["snapshots"]):].flat:
        ax.axis("off")


@PAPER.draw("fig4_charges")
def fig4_charges_png(res, axes) -> None:
    """σ_m at 0.6 ns with the edge's line charge."""
    ax = np.atleast_1d(axes)[0]
    runs = res.data["runs"]
    ks = 0.20 if 0.20 in runs else sorted(runs)[0]
    ch = runs[ks]["charges"]
    sigma = ch["sigma"]
    lim = float(np.abs(sigma).max()) or 1.0
    im = ax.pcolormesh(sigma.x / NM, sigma.y / NM, sigma.values, cmap="RdBu_r",
                       vmin=-lim, vmax=lim, shading="nearest")
    e = ch["edge"]
    lam = e["line_density"].values
    on = np.isfinite(lam) & (lam != 0)
    Y, X = np.nonzero(on)
    elim = float(np.abs(lam[on]).max()) if on.any() else 1.0
    ax.scatter(sigma.x.values[X] / NM, sigma.y.values[Y] / NM, c=lam[on], cmap="RdBu_r",
               vmin=-elim, vmax=elim, s=4)
    ax.figure.colorbar(im, ax=ax, label="σ_m (A/m)")
    _outline(ax, res.data["study"], colors="0.4")
    ax.set_title(f"K_s = {ks:.2f} MJ/m³, t = {ch['t'] / 1e-9:.2f} ns")
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
