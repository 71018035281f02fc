"""Paper 000's figures drawn from the analysis tables (:mod:`.analyse`): one PNG per figure
(Fig. 2 has a second one with its snapshots), laid out like the paper's panels."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from analysis.atomic import atomic_path  # noqa: E402

__all__ = ["draw_all", "draw_fig1", "draw_fig2", "draw_fig3", "draw_fig4", "draw_fig5"]

DPI = 110


def draw_all(results: dict, folder: Path) -> dict[str, list[Path]]:
    """Draw every analysed figure into ``folder``; ``{"fig1": [png, ...], ...}``."""
    funcs = {"fig1": draw_fig1, "fig2": draw_fig2, "fig3": draw_fig3, "fig4": draw_fig4,
             "fig5": draw_fig5}
    out = {}
    for name, res in results.items():
        if res.table.empty:
            out[name] = []
            continue
        out[name] = funcs[name](res, Path(folder))
    return out


def _save(fig, path: Path) -> Path:
    with atomic_path(path, overwrite=True) as tmp:
        fig.savefig(tmp, dpi=DPI, bbox_inches="tight", format="png")
    plt.close(fig)
    return path


def _map(ax, m, x, y, comp: int, *, every: int, title: str, interface: float | None = None):
    xs, ys = x * 1e9, y * 1e9
    im = ax.pcolormesh(xs, ys, m[..., comp], cmap="RdBu_r", vmin=-1, vmax=1, shading="nearest")
    sl = slice(every // 2, None, every)
    ax.quiver(xs[sl], ys[sl], m[sl, sl, 0], m[sl, sl, 1], scale=1.4 * len(xs[sl]), width=0.006,
              pivot="mid")
    if interface is not None:
        ax.axvline(interface * 1e9, color="k", lw=0.7, ls="--")
    ax.set_title(title, fontsize=8)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=6)
    return im


def draw_fig1(res, folder: Path) -> list[Path]:
    """m_z (top) and m_x (bottom) of the eight relaxed states, with in-plane arrows."""
    maps = res.data["maps"]
    table = res.table
    n = len(table)
    fig, axes = plt.subplots(2, n, figsize=(2.2 * n, 5.4), squeeze=False)
    x, y = maps["_x"], maps["_y"]
    im = None
    for k, row in enumerate(table.itertuples()):
        m = maps[row.case]
        if getattr(row, "found", False):
            sub = (f"Q = {row.Q:.2f}\nL {round(row.helicity_left_deg)}° | "
                   f"R {round(row.helicity_right_deg)}°")
        else:
            sub = "no skyrmion"
        janus = row.case.startswith("janus")
        if janus:
            label = (f"Janus: D_L = {row.D_left_paper_mJ_m2:+.1f} (N)\n"
                     f"D_R = {row.D_right_paper_mJ_m2:+.1f} (B)")
        else:
            kind = "Néel (N)" if row.left_class == "Cnv_z" else "Bloch (B)"
            label = f"{kind}\nD = {row.D_left_paper_mJ_m2:+.1f}"
        line = float(x[len(x) // 2] - (x[1] - x[0]) / 2) if janus else None
        im = _map(axes[0, k], m, x, y, 2, every=3, title=f"{label}\n{sub}", interface=line)
        _map(axes[1, k], m, x, y, 0, every=3, title="$m_x$", interface=line)
    for ax in axes[:, 0]:
        ax.set_ylabel("y (nm)", fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("x (nm)", fontsize=7)
    fig.colorbar(im, ax=axes, shrink=0.6, label="$m_z$ (top), $m_x$ (bottom)")
    fig.suptitle("Fig. 1(c): relaxed skyrmions, 40 × 40 × 1 nm, D in mJ/m² with the paper's "
                 "signs (N = Néel, B = Bloch); L | R: helicity of the left | right half",
                 fontsize=10)
    return [_save(fig, folder / "fig1_relaxed.png")]


def draw_fig2(res, folder: Path) -> list[Path]:
    """⟨m_z⟩ and the radius against B along x, y, z; snapshots at ±B_max."""
    t = res.table
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), sharex=True)
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
    fig.suptitle("Fig. 2(a): 100 × 100 × 1 nm, D_L = D_R = 3.5 mJ/m² (Néel | Bloch); "
                 "each field relaxed from the zero-field state", fontsize=10)
    paths = [_save(fig, folder / "fig2_field.png")]
    snaps = res.data["snapshots"]
    x, y = snaps["_x"], snaps["_y"]
    Bmax = int(round(t.B_mT.abs().max()))
    fig, axes = plt.subplots(2, 6, figsize=(15, 5.6), squeeze=False)
    for r, model in enumerate(("janus", "control")):
        for k, (axis, sign) in enumerate((a, s) for a in "xyz" for s in (-1, 1)):
            m = snaps.get((model, axis, sign * Bmax))
            ax = axes[r, k]
            if m is None:
                ax.axis("off")
                continue
            row = t[(t.model == model) & (t.axis == axis) & (t.B_mT == sign * Bmax)].iloc[0]
            size = f"r = {row.radius_nm:.1f} nm" if row.get("found", False) else "no skyrmion"
            name = "Janus" if model == "janus" else "Néel control"
            _map(ax, m, x, y, 2, every=6, interface=res.data.get("interface_x")
                 if model == "janus" else None,
                 title=f"{name}, $B_{axis}$ = {sign * Bmax:+d} mT\n{size}, "
                       f"⟨m_z⟩ = {row.mz:.3f}")
    fig.suptitle("Fig. 2(b–d): snapshots at ±B_max (m_z with in-plane arrows)", fontsize=10)
    paths.append(_save(fig, folder / "fig2_snapshots.png"))
    return paths


def draw_fig3(res, folder: Path) -> list[Path]:
    """v_y(θ) with the fit and Thiele curves, |v_y|(θ), v_x(θ), and the sideways offsets."""
    t = res.table
    fits = res.data.get("fits", {})
    th = np.linspace(0, 2 * np.pi, 361)
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2), gridspec_kw={"wspace": 0.3})
    for k, (j, g) in enumerate(t.groupby("j_MA_cm2")):
        c = f"C{k}"
        f = fits.get(float(j), {})
        axes[0].errorbar(g.theta_deg, g.vy, yerr=g.vy_err, fmt="o", color=c,
                         label=f"j = {j:g} MA/cm²")
        if "fixed" in f:
            axes[0].plot(np.degrees(th), f["fixed"](th), "-", color=c, lw=1,
                         label=f"fit c cos(θ+π/4), c = {f['fixed'].c:.1f} ± {f['fixed'].c_err:.1f}")
        if "thiele" in f:
            axes[0].plot(np.degrees(th), f["thiele"](th), ":", color=c, lw=1.2,
                         label=f"Thiele (v_x = 0), c = {f['thiele'].c:.1f}")
        axes[1].plot(g.theta_deg, g.vy.abs(), "o-", color=c, label=f"j = {j:g} MA/cm²")
        axes[2].errorbar(g.theta_deg, g.vx, yerr=g.vx_err, fmt="o-", color=c,
                         label=f"j = {j:g} MA/cm²")
        for key, s in res.data["series"].items():
            if key[1] == j and "offset" in s:
                axes[3].plot(s["t_track"] * 1e9, s["offset"] * 1e9, color=c, lw=0.8, alpha=0.7)
    for ax in axes[:3]:
        ax.set_xlabel("θ (deg)")
        ax.set_xticks(range(0, 361, 90))
        ax.axhline(0, color="k", lw=0.5)
    axes[0].set(ylabel="$v_y$ (m/s)", title="(a) velocity along the interface")
    axes[1].set(ylabel="$|v_y|$ (m/s)", title="(b) speed")
    axes[2].set(ylabel="$v_x$ (m/s)", title="no Hall motion: $v_x$")
    axes[3].set(xlabel="t (ns)", ylabel="x − x_interface (nm)",
                title="sideways offset of the ring centre")
    axes[0].legend(fontsize=6)
    axes[1].legend(fontsize=7)
    fig.suptitle("Fig. 3: damping-like SOT, p = (cos θ, sin θ, 0); periodic 100 × 100 × 1 nm",
                 fontsize=10)
    return [_save(fig, folder / "fig3_sot_theta.png")]


def draw_fig4(res, folder: Path) -> list[Path]:
    """v_y(j), steady ⟨m_z⟩(j), ⟨m_z⟩(t) and the offset from the interface, θ = 270°."""
    t = res.table
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2), gridspec_kw={"wspace": 0.3})
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
    cmap = plt.get_cmap("viridis")
    js = sorted(res.data["series"])
    for k, key in enumerate(js):
        s = res.data["series"][key]
        col = cmap(k / max(len(js) - 1, 1))
        axes[2].plot(s["t"] * 1e9, s["mz"], color=col, label=f"{key[0]:g} MA/cm²")
        if "offset" in s:
            axes[3].plot(s["t_track"] * 1e9, s["offset"] * 1e9, color=col)
    axes[2].set(xlabel="t (ns)", ylabel=r"$\langle m_z\rangle$", title="(b) ⟨m_z⟩(t)")
    axes[2].legend(fontsize=6, ncol=2)
    axes[3].set(xlabel="t (ns)", ylabel="x − x_interface (nm)",
                title="offset from the interface (detachment)")
    fig.suptitle("Fig. 4: θ = 270° (p = −y), j = 1–10 MA/cm²", fontsize=10)
    return [_save(fig, folder / "fig4_sot_current.png")]


def draw_fig5(res, folder: Path) -> list[Path]:
    """x(t), y(t), ⟨m_z⟩(t) and the MSD along x and y, per temperature."""
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2), gridspec_kw={"wspace": 0.3})
    for k, (T, s) in enumerate(sorted(res.data["series"].items())):
        c = f"C{k}"
        axes[0].plot(s["t"] * 1e9, s["offset"] * 1e9, color=c, lw=0.8, label=f"{T:g} K")
        axes[1].plot(s["t"] * 1e9, s["y"] * 1e9, color=c, lw=0.8, label=f"{T:g} K")
        axes[2].plot(s["t_mz"] * 1e9, s["mz"], color=c, lw=0.8, label=f"{T:g} K")
        msd = s["msd"]
        tau = msd.tau.to_numpy()
        axes[3].plot(tau * 1e9, msd.msd_y * 1e18, "-", color=c, label=f"{T:g} K, y")
        axes[3].plot(tau * 1e9, msd.msd_x * 1e18, "--", color=c, label=f"{T:g} K, x")
        fit = s["long_fit"]
        lo, hi = s["long_lags"]
        tt = np.linspace(lo, hi, 20)
        axes[3].plot(tt * 1e9, (2 * fit["D"] * tt + fit["intercept"]) * 1e18, ":", color="k",
                     lw=1)
    axes[0].set(xlabel="t (ns)", ylabel="x − x_interface (nm)", title="(a) x(t)")
    axes[1].set(xlabel="t (ns)", ylabel="y − y(0) (nm)", title="(b) y(t)")
    axes[2].set(xlabel="t (ns)", ylabel=r"$\langle m_z\rangle$", title="(c) ⟨m_z⟩(t)")
    axes[3].set(xlabel="lag τ (ns)", ylabel="MSD (nm²)",
                title="MSD along y (solid), x (dashed); long-lag fit dotted")
    for ax in axes:
        ax.legend(fontsize=6)
    fig.suptitle("Fig. 5: Brownian Janus skyrmion (stochastic LLG, Heun, 10 fs)", fontsize=10)
    return [_save(fig, folder / "fig5_thermal.png")]

