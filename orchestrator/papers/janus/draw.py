"""Paper 000's panels, drawn from the analysis (:mod:`.analyse`) into the axes the
framework lays out from ``paper.toml`` (one function per PNG)."""

from __future__ import annotations

import numpy as np

from analysis.plots import legend_outside, plot_mz_map
from orchestrator.papers.janus import PAPER

__all__ = ["fig1_relaxed", "fig2_field", "fig2_snapshots", "fig3_sot_theta",
           "fig4_sot_current", "fig5_thermal"]


def _map(ax, m, title: str, *, component: str = "z", interface: float | None = None,
         arrows: int = 13):
    plot_mz_map(m, ax=ax, title=title, arrows=arrows, colorbar=False, component=component)
    if interface is not None:
        ax.axvline(interface * 1e9, color="k", lw=0.7, ls="--")
    ax.title.set_fontsize(8)
    ax.tick_params(labelsize=6)
    ax.xaxis.label.set_fontsize(7)
    ax.yaxis.label.set_fontsize(7)
    return ax.collections[0]


def _outer_labels(axes) -> None:
    """Axis labels on the left column and the bottom row only."""
    for ax in axes[:, 1:].flat:
        ax.set_ylabel("")
    for ax in axes[:-1].flat:
        ax.set_xlabel("")


@PAPER.draw("fig1_relaxed")
def fig1_relaxed(res, axes) -> None:
    """m_z (top) and m_x (bottom) of the relaxed states, with in-plane arrows."""
    im = None
    for k, row in enumerate(res.table.itertuples()):
        m = res.data["maps"][row.case]
        sub = (f"Q = {row.Q:.2f}\nL {round(row.helicity_left_deg)}° | "
               f"R {round(row.helicity_right_deg)}°") if row.found else "no skyrmion"
        janus = row.case.startswith("janus")
        label = (f"Janus: D_L = {row.D_left_paper_mJ_m2:+.1f} (N)\nD_R = "
                 f"{row.D_right_paper_mJ_m2:+.1f} (B)" if janus else
                 f"{'Néel (N)' if row.left_class == 'Cnv_z' else 'Bloch (B)'}\n"
                 f"D = {row.D_left_paper_mJ_m2:+.1f}")
        x = m.x.values
        line = float(x[len(x) // 2] - (x[1] - x[0]) / 2) if janus else None
        im = _map(axes[0, k], m, f"{label}\n{sub}", interface=line)
        _map(axes[1, k], m, "$m_x$", component="x", interface=line)
    _outer_labels(axes)
    axes[0, 0].figure.colorbar(im, ax=axes, shrink=0.6, label="$m_z$ (top), $m_x$ (bottom)")


@PAPER.draw("fig2_field")
def fig2_field(res, axes) -> None:
    """⟨m_z⟩ and the radius against B along x, y, z."""
    t = res.table
    for k, axis in enumerate(("x", "y", "z")):
        for model, style in (("janus", "o-"), ("control", "s--")):
            g = t[(t.model == model) & (t.axis == axis)].sort_values("B_mT")
            lab = "Janus" if model == "janus" else "Néel control"
            axes[0, k].plot(g.B_mT, g.mz, style, ms=4, label=lab)
            if "radius_nm" in g:
                axes[1, k].plot(g.B_mT, g.radius_nm, style, ms=4, label=lab)
        axes[0, k].set_title(f"field along {axis}")
        axes[1, k].set_xlabel(f"$B_{axis}$ (mT)")
    axes[0, 0].set_ylabel(r"$\langle m_z\rangle$")
    axes[1, 0].set_ylabel("radius of the $m_z=0$ contour (nm)")
    axes[0, 0].legend(fontsize=8)


@PAPER.draw("fig2_snapshots")
def fig2_snapshots(res, axes) -> None:
    """m_z maps at ±B_max along each axis, Janus (top) and control (bottom)."""
    t, snaps = res.table, res.data["snapshots"]
    Bmax = int(round(t.B_mT.abs().max()))
    im = None
    for r, model in enumerate(("janus", "control")):
        for k, (axis, sign) in enumerate((a, s) for a in "xyz" for s in (-1, 1)):
            m, ax = snaps.get((model, axis, sign * Bmax)), axes[r, k]
            if m is None:
                ax.axis("off")
                continue
            row = t[(t.model == model) & (t.axis == axis) & (t.B_mT == sign * Bmax)].iloc[0]
            size = f"r = {row.radius_nm:.1f} nm" if row.get("found", False) else "no skyrmion"
            name = "Janus" if model == "janus" else "Néel control"
            im = _map(ax, m, f"{name}, $B_{axis}$ = {sign * Bmax:+d} mT\n{size}, "
                             f"⟨m_z⟩ = {row.mz:.3f}", arrows=16,
                      interface=res.data.get("interface_x") if model == "janus" else None)
    _outer_labels(axes)
    if im is not None:
        axes[0, 0].figure.colorbar(im, ax=axes, shrink=0.6, label="$m_z$")


def _offsets(ax, series, keep, color) -> None:
    for key, s in series.items():
        if keep(key) and "offset" in s:
            ax.plot(s["t_track"] * 1e9, s["offset"] * 1e9, color=color, lw=0.8, alpha=0.7)


@PAPER.draw("fig3_sot_theta")
def fig3_sot_theta(res, axes) -> None:
    """v_y(θ) with the fit and Thiele curves, |v_y|(θ), v_x(θ), and the sideways offsets."""
    t, fits = res.table, res.data.get("fits", {})
    th = np.linspace(0, 2 * np.pi, 361)
    for k, (j, g) in enumerate(t.groupby("j_MA_cm2")):
        c, f = f"C{k}", fits.get(float(j), {})
        axes[0].errorbar(g.theta_deg, g.vy, yerr=g.vy_err, fmt="o", color=c,
                         label=f"j = {j:g} MA/cm²")
        if "fixed" in f:
            axes[0].plot(np.degrees(th), f["fixed"](th), "-", color=c, lw=1,
                         label=f"fit c cos(θ+π/4), c = {f['fixed'].c:.1f} ± {f['fixed'].c_err:.1f}")
            axes[0].plot(np.degrees(th), f["thiele"](th), ":", color=c, lw=1.2,
                         label=f"Thiele (v_x = 0), c = {f['thiele'].c:.1f}")
        axes[1].plot(g.theta_deg, g.vy.abs(), "o-", color=c, label=f"j = {j:g} MA/cm²")
        axes[2].errorbar(g.theta_deg, g.vx, yerr=g.vx_err, fmt="o-", color=c,
                         label=f"j = {j:g} MA/cm²")
        _offsets(axes[3], res.data["series"], lambda key: key[1] == j, c)
    for ax in axes[:3]:
        ax.set_xlabel("θ (deg)")
        ax.set_xticks(range(0, 361, 90))
        ax.axhline(0, color="k", lw=0.5)
    axes[0].set(ylabel="$v_y$ (m/s)", title="(a) velocity along the interface")
    axes[1].set(ylabel="$|v_y|$ (m/s)", title="(b) speed")
    axes[2].set(ylabel="$v_x$ (m/s)", title="no Hall motion: $v_x$")
    axes[3].set(xlabel="t (ns)", ylabel="x − x_interface (nm)",
                title="sideways offset of the ring centre")
    legend_outside(axes[0], ncol=1)
    legend_outside(axes[1], ncol=1)


@PAPER.draw("fig4_sot_current")
def fig4_sot_current(res, axes) -> None:
    """v_y(j), steady ⟨m_z⟩(j), ⟨m_z⟩(t) and the offset from the interface, θ = 270°."""
    import matplotlib.pyplot as plt

    t = res.table
    att = ~t.detached.astype(bool)
    axes[0].errorbar(t.j_MA_cm2[att], t.vy[att], yerr=t.vy_err[att], fmt="o", label="simulated")
    if (~att).any():
        axes[0].plot(t.j_MA_cm2[~att], t.vy[~att], "x", color="r",
                     label="detached (before detaching)")
    axes[0].plot(t.j_MA_cm2, t.vy_thiele, "k:", label="Thiele, v_x = 0")
    axes[0].set(xlabel="j (MA/cm²)", ylabel="$v_y$ (m/s)", title="(a) velocity")
    axes[0].legend(fontsize=7)
    axes[1].plot(t.j_MA_cm2, t.mz_steady, "o-")
    axes[1].set(xlabel="j (MA/cm²)", ylabel=r"$m_z^s$", title="(a) steady ⟨m_z⟩ during the motion")
    js = sorted(res.data["series"])
    cmap = plt.get_cmap("viridis")
    for k, key in enumerate(js):
        s, col = res.data["series"][key], cmap(k / max(len(js) - 1, 1))
        axes[2].plot(s["t"] * 1e9, s["mz"], color=col, label=f"{key[0]:g} MA/cm²")
        _offsets(axes[3], {key: s}, lambda _: True, col)
    axes[2].set(xlabel="t (ns)", ylabel=r"$\langle m_z\rangle$", title="(b) ⟨m_z⟩(t)")
    legend_outside(axes[2])
    axes[3].set(xlabel="t (ns)", ylabel="x − x_interface (nm)",
                title="offset from the interface (detachment)")


@PAPER.draw("fig5_thermal")
def fig5_thermal(res, axes) -> None:
    """x(t), y(t), ⟨m_z⟩(t) and the MSD along x and y, per temperature."""
    for k, (T, s) in enumerate(sorted(res.data["series"].items())):
        c = f"C{k}"
        axes[0].plot(s["t"] * 1e9, s["offset"] * 1e9, color=c, lw=0.8, label=f"{T:g} K")
        axes[1].plot(s["t"] * 1e9, s["y"] * 1e9, color=c, lw=0.8, label=f"{T:g} K")
        axes[2].plot(s["t_mz"] * 1e9, s["mz"], color=c, lw=0.8, label=f"{T:g} K")
        tau = s["msd"].tau.to_numpy()
        axes[3].plot(tau * 1e9, s["msd"].msd_y * 1e18, "-", color=c, label=f"{T:g} K, y")
        axes[3].plot(tau * 1e9, s["msd"].msd_x * 1e18, "--", color=c, label=f"{T:g} K, x")
        lo, hi = s["long_lags"]
        tt = np.linspace(lo, hi, 20)
        axes[3].plot(tt * 1e9, (2 * s["long_fit"]["D"] * tt + s["long_fit"]["intercept"]) * 1e18,
                     ":", color="k", lw=1)
    axes[0].set(xlabel="t (ns)", ylabel="x − x_interface (nm)", title="(a) x(t)")
    axes[1].set(xlabel="t (ns)", ylabel="y − y(0) (nm)", title="(b) y(t)")
    axes[2].set(xlabel="t (ns)", ylabel=r"$\langle m_z\rangle$", title="(c) ⟨m_z⟩(t)")
    axes[3].set(xlabel="lag τ (ns)", ylabel="MSD (nm²)",
                title="MSD along y (solid), x (dashed); long-lag fit dotted")
    for ax in axes:
        ax.legend(fontsize=6)
