"""``make demo``: the built-in solver, and the analysis and data layers, on skyrmions.

1. **Relaxed Néel, Bloch and Janus skyrmions** (paper 000, Fig. 1: 40 × 40 × 1 nm,
   1 nm cells, Ms = 580 kA/m, A = 15 pJ/m, K = 0.8 MJ/m³, demag, |D| = 3.7 mJ/m²;
   the Janus film has interfacial DMI on the left half and bulk DMI on the right),
   minimised by the built-in solver; each with its Q and its helicity per half.
2. **A skyrmion driven by damping-like spin-orbit torque** in a periodic film,
   simulated by the built-in solver into a mumax3-style run folder, opened with
   :func:`analysis.open_run`, tracked, and compared with the Thiele velocity that
   the analysis layer predicts from the relaxed state.
3. **Real OOMMF output** shipped with the repository: its relaxed skyrmion and
   muMAG standard problem 4, read by the data layer and exported to netCDF.

Everything is written into the output folder given on the command line
(default ``demo_output/``), which belongs to the demo and is rewritten on each run.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import analysis  # noqa: E402
from analysis.detection import find_objects  # noqa: E402
from analysis.plots import plot_trajectories  # noqa: E402
from analysis.topology import topological_charge  # noqa: E402
from analysis.kinematics import velocity  # noqa: E402
from analysis.textures import as_dataarray  # noqa: E402
from analysis.thiele import thiele_tensors, thiele_velocity  # noqa: E402
from analysis.tracking import track  # noqa: E402
from orchestrator.solver import Mesh, Simulation  # noqa: E402
from orchestrator.solver.terms.anisotropy import UniaxialAnisotropy  # noqa: E402
from orchestrator.solver.terms.demag import Demag  # noqa: E402
from orchestrator.solver.terms.dmi import DMI  # noqa: E402
from orchestrator.solver.terms.exchange import Exchange  # noqa: E402
from orchestrator.solver.torques.sot import SpinOrbitTorque  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "oommf"
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
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.4))
    for ax, (label, dmi) in zip(axes, cases.items()):
        mesh = Mesh(n=(n, n, 1), cell=(h, h, h), Ms=MS, regions=regions,
                    region_names={"left": 0, "right": 1})
        sim = Simulation(mesh, [Exchange(A), DMI(dmi), UniaxialAnisotropy(K, (0, 0, 1)), Demag()],
                         alpha=0.3)
        sim.set_skyrmion(centre=(20e-9, 20e-9), radius=7e-9, helicity=np.pi / 2)
        start = time.perf_counter()
        result = sim.minimize()
        m = as_dataarray(sim.m[0], h, h)
        obj = find_objects(m).iloc[0]
        Q = float(topological_charge(m, method="fd2").squeeze())
        print(f"{label:28s} minimised in {result.steps} steps ({time.perf_counter() - start:.1f} s):"
              f" Q = {Q:.3f}, r = {obj.r_contour * 1e9:.2f} nm, helicity left "
              f"{np.degrees(obj.helicity_left):.0f}°, right {np.degrees(obj.helicity_right):.0f}°")
        layer = m.isel(z=0)
        xs, ys = layer.x.values * 1e9, layer.y.values * 1e9
        ax.pcolormesh(xs, ys, layer.sel(c="z"), cmap="RdBu_r", vmin=-1, vmax=1, shading="nearest")
        sl = slice(1, None, 3)
        ax.quiver(xs[sl], ys[sl], layer.sel(c="x").values[sl, sl], layer.sel(c="y").values[sl, sl],
                  scale=22, width=0.005)
        ax.axvline(20, color="k", lw=0.6, ls="--")
        ax.set(title=f"{label}\nQ = {Q:.2f}, helicity {np.degrees(obj.helicity_left):.0f}° | "
                     f"{np.degrees(obj.helicity_right):.0f}°", xlabel="x (nm)", ylabel="y (nm)",
               aspect="equal")
    png = out / "relaxed_skyrmions.png"
    fig.savefig(png, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return png


def sot_driven_skyrmion(out: Path) -> Path:
    """Drive a Néel skyrmion with damping-like SOT; compare tracking with Thiele."""
    n, h = 64, 1e-9
    mesh = Mesh(n=(n, n, 1), cell=(h, h, h), Ms=MS, pbc="xy")
    sot = {"j": 2e10, "theta_SH": 1.0, "p": (0.0, -1.0, 0.0), "thickness": 1e-9, "Ms": MS}
    # no demag here: a 0.2 ns run stays under a minute; the film is periodic in x and y
    sim = Simulation(mesh, [Exchange(A), DMI(3.5e-3, "Cnv_z"), UniaxialAnisotropy(K, (0, 0, 1))],
                     alpha=0.3, torques=[SpinOrbitTorque(p=sot["p"], j=sot["j"],
                                                         theta_SH=sot["theta_SH"],
                                                         thickness=sot["thickness"])])
    sim.set_skyrmion(centre=(32e-9, 32e-9), radius=7e-9, helicity=np.pi)
    sim.minimize()
    predicted = thiele_velocity(thiele_tensors(as_dataarray(sim.m[0], h, h, pbc="xy")),
                                alpha=0.3, sot=sot).velocity
    run = out / "sot.out"
    if run.exists():
        shutil.rmtree(run)  # the demo's own output from an earlier demo
    start = time.perf_counter()
    sim.run(0.2e-9, out=run, save_every=10e-12, progress=True)
    print(f"SOT run: 0.2 ns in {time.perf_counter() - start:.1f} s -> {run}")
    ds = analysis.open_run(run)
    tracks = track(find_objects(ds))
    v = velocity(tracks[tracks.t >= 0.05e-9])  # after the start-up transient
    print(f"SOT-driven skyrmion: tracked v = ({v['vx']:.2f} ± {v['vx_err']:.2f}, "
          f"{v['vy']:.2f} ± {v['vy_err']:.2f}) m/s; Thiele from the relaxed state: "
          f"({predicted[0]:.2f}, {predicted[1]:.2f}) m/s")
    png = out / "sot_trajectory.png"
    plot_trajectories(tracks, title="SOT-driven skyrmion (built-in solver)",
                                     path=png, overwrite=True)
    return png


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
        ax.plot(t_ns, df[c], label=f"<{c}>")
    ax.set(xlabel="t (ns)", ylabel="<m>", title="muMAG standard problem 4, field 1 (OOMMF)")
    ax.legend()
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
    pngs = [relaxed_skyrmions(out), sot_driven_skyrmion(out), skyrmion_figure(out),
            sp4_figure(out)]
    print("figures: " + ", ".join(str(p) for p in pngs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
