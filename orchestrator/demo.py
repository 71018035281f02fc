"""``make demo``: the built-in solver, and the analysis and data layers, on skyrmions.

1. **Relaxed Néel, Bloch and Janus skyrmions** (paper 000, Fig. 1: 40 × 40 × 1 nm,
   1 nm cells, Ms = 580 kA/m, A = 15 pJ/m, K = 0.8 MJ/m³, demag, |D| = 3.7 mJ/m²;
   the Janus film has interfacial DMI on the left half and bulk DMI on the right),
   minimised by the built-in solver; each with its Q and its helicity per half.
2. **The demo study** ``studies/demo/skyrmion_sot.toml``: a skyrmion relaxed, then
   driven by damping-like spin–orbit torque at two current densities (a sweep), run
   by :func:`orchestrator.dispatch.run.run_study` (what ``mmstudy run`` does) on the
   built-in solver into one point folder per current, opened with
   :func:`analysis.open_run`, tracked, and compared with the Thiele velocity that the
   analysis layer predicts from the relaxed state.
3. **Real OOMMF output** shipped with the repository: its relaxed skyrmion and
   muMAG standard problem 4, read by the data layer and exported to netCDF. These runs are
   test data of the repository (``tests/data/oommf``), not part of the installed package:
   an installed mmstudy (``pip install mmstudy``) runs parts 1 and 2 and says it skips 3.

Everything is written into the output folder given on the command line
(default ``demo_output/``), which belongs to the demo: figures are rewritten on each
run; the study's points are resumed (a second ``make demo`` reuses finished points).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import analysis  # noqa: E402
from analysis.analyze import select_stage  # noqa: E402
from analysis.detection import find_objects  # noqa: E402
from analysis.plots import legend_outside, plot_mz_map, plot_trajectories  # noqa: E402
from analysis.topology import topological_charge  # noqa: E402
from analysis.kinematics import velocity  # noqa: E402
from analysis.textures import as_dataarray  # noqa: E402
from analysis.thiele import thiele_tensors, thiele_velocity  # noqa: E402
from analysis.tracking import track  # noqa: E402
from mmstudy.resources import checkout_root, study_path  # noqa: E402
from orchestrator.solver import Mesh, Simulation  # noqa: E402
from orchestrator.solver.terms.anisotropy import UniaxialAnisotropy  # noqa: E402
from orchestrator.solver.terms.demag import Demag  # noqa: E402
from orchestrator.solver.terms.dmi import DMI  # noqa: E402
from orchestrator.solver.terms.exchange import Exchange  # noqa: E402
from orchestrator.dispatch.run import run_study  # noqa: E402
from orchestrator.study import load_study  # noqa: E402


def _oommf_data() -> Path | None:
    """The repository's OOMMF runs (test data, in a source checkout only), else None."""
    root = checkout_root()
    return root / "tests" / "data" / "oommf" if root is not None else None


DATA = _oommf_data()
#: the demo study, shipped with the package (``studies/demo/skyrmion_sot.toml``)
STUDY = study_path("demo/skyrmion_sot.toml")
MS, A, K, D = 580e3, 15e-12, 0.8e6, 3.7e-3


def relaxed_skyrmions(out: Path) -> Path:
    """Minimise Néel, Bloch and Janus skyrmions (paper 000 Fig. 1) and plot them."""
    n, h = 40, 1e-9
    regions = np.zeros((1, n, n), np.int32)
    regions[..., n // 2:] = 1
    cases = {
        "Néel (Cnv_z both halves)": {"left": (D, "Cnv_z"), "right": (D, "Cnv_z")},
        "Bloch (T both halves)": {"left": (D, "T"), "right": (D, "T")},
        "Janus (Cnv_z left, T right)": {"left": (D, "Cnv_z"), "right": (D, "T")},
    }
    states = []
    for label, dmi in cases.items():
        mesh = Mesh(n=(n, n, 1), cell=(h, h, h), Ms=MS, regions=regions,
                    region_names={"left": 0, "right": 1})
        sim = Simulation(mesh, [Exchange(A), DMI(dmi), UniaxialAnisotropy(K, (0, 0, 1)), Demag()],
                         alpha=0.3)
        sim.set_skyrmion(centre=(20e-9, 20e-9), radius=7e-9, helicity=np.pi / 2)
        start = time.perf_counter()
        result = sim.minimize()
        m = as_dataarray(sim.m[0], h, h)
        obj = find_objects(m, method="lattice").iloc[0]
        Q = float(topological_charge(m, method="lattice").squeeze())
        print(f"{label:28s} minimised in {result.steps} steps ({time.perf_counter() - start:.1f} s):"
              f" Q (lattice) = {Q:.3f}, r = {obj.r_contour * 1e9:.2f} nm, helicity left "
              f"{np.degrees(obj.helicity_left):.0f}°, right {np.degrees(obj.helicity_right):.0f}°")
        states.append((label, m, Q, np.degrees(obj.helicity_left),
                       np.degrees(obj.helicity_right)))
    png = out / "relaxed_skyrmions.png"
    draw_relaxed_skyrmions(states, png)
    return png


def draw_relaxed_skyrmions(states, png: Path):
    """One m_z map per relaxed state, a shared labelled m_z colour bar, saved to ``png``.

    ``states``: ``(label, m (z, y, x, c), Q, helicity left °, helicity right °)`` each.
    """
    fig, axes = plt.subplots(1, len(states), figsize=(4.3 * len(states) + 1.2, 4.6),
                             layout="constrained")
    for ax, (label, m, Q, hel_left, hel_right) in zip(np.atleast_1d(axes), states):
        layer = m.isel(z=0)
        plot_mz_map(layer, ax=ax, colorbar=False, arrows=13,
                    title=f"{label}\nQ (lattice) = {Q:.2f}, helicity {hel_left:.0f}° | "
                          f"{hel_right:.0f}°")
        mid = float(layer.x.values.mean()) * 1e9
        ax.axvline(mid, color="k", lw=0.6, ls="--")
    mappable = np.atleast_1d(axes)[0].collections[0]
    fig.colorbar(mappable, ax=list(np.atleast_1d(axes)), label="$m_z$", shrink=0.85)
    fig.suptitle("relaxed skyrmions (built-in solver): $m_z$ (colour), in-plane $m$ (arrows); "
                 "dashed: the boundary between the halves", fontsize=10)
    fig.savefig(png, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return fig


def sot_driven_skyrmion(out: Path) -> Path:
    """Run the demo study (studies/demo/skyrmion_sot.toml) through ``mmstudy run``'s
    machinery on the built-in solver, then track each point's skyrmion and compare its
    velocity with the Thiele velocity of the relaxed state."""
    study = load_study(STUDY)
    summary = run_study(study, backend="builtin", jobs=2, out=out / study.name)
    for line in summary.lines():
        print(line)
    if summary.exit_code:
        raise SystemExit(f"the demo study did not finish (see {out / study.name})")
    rows, tracks_by_j = [], {}
    for pp in summary.plan.points:
        if pp.duplicate_of is not None:
            continue
        ds = analysis.open_run(pp.folder)          # a point folder opens its run.out/
        drive = pp.point.study.drives["sot"]
        # the evolve stage's frames and the state it started from: the relaxed one
        frames, which = select_stage(ds)
        if which["stage"] == "all":  # no stage information: the initial, then the relaxed state
            frames = frames[1:]
        relaxed = ds.m.isel(t=int(frames[0]), z=0).load()
        h = float(ds.x[1] - ds.x[0])
        sot = {"j": drive.j, "theta_SH": drive.theta_SH, "p": tuple(drive.direction),
               "thickness": drive.thickness, "Ms": pp.point.study.material("body").Ms}
        predicted = thiele_velocity(thiele_tensors(as_dataarray(relaxed.values, h, h, pbc="xy")),
                                    alpha=0.3, sot=sot).velocity
        tracks = track(find_objects(ds.isel(t=frames), method="lattice"))
        v = velocity(tracks[tracks.t >= 0.05e-9])  # after the start-up transient
        j_ma = drive.j / 1e10
        tracks_by_j[j_ma] = tracks
        rows.append((j_ma, v["vx"], v["vy"], predicted[0], predicted[1]))
        print(f"j = {j_ma:.0f} MA/cm^2 (point {pp.id}): tracked v = ({v['vx']:.2f} ± "
              f"{v['vx_err']:.2f}, {v['vy']:.2f} ± {v['vy_err']:.2f}) m/s; Thiele from the "
              f"relaxed state: ({predicted[0]:.2f}, {predicted[1]:.2f}) m/s")
    png = out / "sot_trajectory.png"
    draw_sot_trajectory(tracks_by_j, rows, png)
    return png


def draw_sot_trajectory(tracks_by_j: dict, rows: list, png: Path):
    """One trajectory panel per current (displacement from the start, coloured by time,
    one shared time colour bar, the same scale in every panel) and the velocity against
    the current, tracked and Thiele; saved to ``png``.

    ``rows``: ``(j in MA/cm², vx, vy, vx Thiele, vy Thiele)`` per current.
    """
    import matplotlib.colors as mcolors

    currents = sorted(tracks_by_j)
    fig, axes = plt.subplots(1, len(currents) + 1, figsize=(4.4 * (len(currents) + 1) + 1, 4.8),
                             layout="constrained")
    t_all = np.concatenate([tracks_by_j[j]["t"].to_numpy(dtype=float) for j in currents]) * 1e9
    norm = mcolors.Normalize(float(t_all.min()), float(t_all.max()))
    for ax, j_ma in zip(axes, currents):
        plot_trajectories(tracks_by_j[j_ma], ax=ax, relative=True, colorbar=False, norm=norm,
                          label=lambda tid: f"skyrmion {tid}",
                          title=f"j = {j_ma:g} MA/cm²: tracked skyrmion")
    # the same scale in every trajectory panel, so that the currents compare at a glance
    spans = [ax.get_xlim()[1] - ax.get_xlim()[0] for ax in axes[:-1]]
    for ax in axes[:-1]:
        cx, cy = np.mean(ax.get_xlim()), np.mean(ax.get_ylim())
        ax.set_xlim(cx - max(spans) / 2, cx + max(spans) / 2)
        ax.set_ylim(cy - max(spans) / 2, cy + max(spans) / 2)
    fig.colorbar(axes[0].collections[-1], ax=list(axes[:-1]), label="t (ns)", shrink=0.85,
                 location="bottom", aspect=40)
    ax2 = axes[-1]
    rows = sorted(rows)
    js = [r[0] for r in rows]
    for k, (comp, colour) in enumerate((("x", "C0"), ("y", "C1"))):
        ax2.plot(js, [r[1 + k] for r in rows], "o", color=colour, label=f"$v_{comp}$ tracked")
        ax2.plot(js, [r[3 + k] for r in rows], "--", color=colour, label=f"$v_{comp}$ Thiele")
    ax2.axhline(0, color="0.7", lw=0.6)
    ax2.set(xlabel="j (MA/cm²)", ylabel="velocity (m/s)", title="velocity vs current")
    ax2.set_box_aspect(1)
    legend_outside(ax2, ncol=2)
    fig.savefig(png, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return fig


def skyrmion_figure(out: Path) -> Path:
    """Plot m_z of OOMMF's relaxed skyrmion (real OOMMF output) with in-plane arrows; export it."""
    ds = analysis.open_run(DATA, basename="skyrmion_6ngbr")
    print(analysis.describe(DATA, basename="skyrmion_6ngbr"), "\n")
    m = ds.m.isel(t=0, z=0).load()
    x_nm, y_nm = ds.x.values * 1e9, ds.y.values * 1e9
    fig, ax = plt.subplots(figsize=(5, 4.4))
    im = ax.pcolormesh(x_nm, y_nm, m.sel(c="z"), cmap="RdBu_r", vmin=-1, vmax=1, shading="nearest")
    s = slice(1, None, 3)
    ax.quiver(x_nm[s], y_nm[s], m.sel(c="x")[s, s], m.sel(c="y")[s, s], scale=25, width=0.004)
    ax.set(xlabel="x (nm)", ylabel="y (nm)", aspect="equal",
           title="OOMMF relaxed skyrmion: $m_z$, in-plane $m$")
    fig.colorbar(im, ax=ax, label="$m_z$")
    png = out / "skyrmion_mz.png"
    fig.savefig(png, dpi=120, bbox_inches="tight")
    plt.close(fig)
    core = float(m.sel(c="z").min())
    print(f"skyrmion: <m_z> = {float(m.sel(c='z').mean()):.4f} (OOMMF's table: "
          f"{float(ds.mz[0]):.4f}), core m_z = {core:.3f}, Ms = {float(ds.Ms.max()):.4g} A/m")
    nc = analysis.export_dataset(ds, out / "skyrmion.nc", overwrite=True)
    print(f"exported the run to {nc}")
    return png


def sp4_figure(out: Path) -> Path:
    """Plot <m>(t) of standard problem 4 from OOMMF's table."""
    df = analysis.read_table(DATA / "sp4.odt")
    t_ns = df["t"] * 1e9
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for c in ("mx", "my", "mz"):
        ax.plot(t_ns, df[c], label=rf"$\langle m_{c[1]} \rangle$")
    ax.set(xlabel="t (ns)", ylabel=r"$\langle m \rangle$ (1)",
           title="muMAG standard problem 4, field 1 (OOMMF)")
    legend_outside(ax)
    png = out / "sp4_m_t.png"
    fig.savefig(png, dpi=120, bbox_inches="tight")
    plt.close(fig)
    first_negative = df["t"][np.argmax(df["mx"].to_numpy() < 0)]
    print(f"sp4: {len(df)} rows, <mx> first negative at {first_negative * 1e9:.4f} ns")
    return png


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "demo_output")
    out.mkdir(parents=True, exist_ok=True)
    pngs = [relaxed_skyrmions(out), sot_driven_skyrmion(out)]
    if DATA is not None and DATA.is_dir():
        pngs += [skyrmion_figure(out), sp4_figure(out)]
    else:
        print("skipping part 3 (real OOMMF output): its runs are the repository's test data "
              "(tests/data/oommf), not installed with the package; run the demo from a "
              "checkout (`make demo`) to include them")
    print("figures: " + ", ".join(str(p) for p in pngs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
