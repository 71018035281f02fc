"""``make demo``: the data layer on real OOMMF output shipped with the repository.

Until the built-in solver lands, the demo shows the path every simulation result
takes: files written by OOMMF -> lazy xarray Dataset -> numbers and figures ->
netCDF. It uses the relaxed skyrmion (``tests/data/oommf/skyrmion_6ngbr-*``,
written by OOMMF 2.1a0) and muMAG standard problem 4 (``sp4.odt``).

Everything is written into the output folder given on the command line
(default ``demo_output/``), which belongs to the demo and is rewritten on each run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import analysis  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "oommf"


def skyrmion_figure(out: Path) -> Path:
    """Plot m_z of OOMMF's relaxed skyrmion with in-plane arrows; export the run."""
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
    pngs = [skyrmion_figure(out), sp4_figure(out)]
    print("figures: " + ", ".join(str(p) for p in pngs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
