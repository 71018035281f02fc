"""The Markdown report of paper 000: each figure's result next to the paper's statement.

:func:`write_report` writes ``report.md``, one CSV per figure (the analysis tables) and
``summary.json`` (headline numbers) into the report folder, beside the PNGs of
:mod:`.figures`; :func:`write_index` writes ``reports/janus/report.md``, which links the
quick and full reports that exist.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.atomic import atomic_open
from orchestrator.papers.janus import PAPER, PAPER_C, QUICK_OVERRIDES, ROOT
from orchestrator.papers.overrides import load_overrides

__all__ = ["write_report", "write_index", "headline"]

CSV_NAMES = {"fig1": "fig1_relaxed.csv", "fig2": "fig2_field.csv", "fig3": "fig3_sot_theta.csv",
             "fig4": "fig4_sot_current.csv", "fig5": "fig5_thermal.csv"}
TITLES = {"fig1": "Fig. 1: relaxed Néel, Bloch and Janus skyrmions",
          "fig2": "Fig. 2: in-plane and out-of-plane fields",
          "fig3": "Fig. 3: SOT-driven motion against the polarisation angle θ",
          "fig4": "Fig. 4: SOT-driven motion against the current density (θ = 270°)",
          "fig5": "Fig. 5: one-dimensional Brownian motion"}


def _write(path: Path, text: str) -> Path:
    with atomic_open(path, "w", overwrite=True) as fh:
        fh.write(text)
    return path


def _md_table(df: pd.DataFrame, floatfmt: str = ".3g") -> str:
    def fmt(v):
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        if isinstance(v, (float, np.floating)):
            return "—" if not np.isfinite(v) else format(float(v), floatfmt)
        return str(v)

    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def _claims(res) -> str:
    lines = []
    for claim in res.claims.values():
        mark = "✅" if claim["holds"] else "❌"
        if claim.get("observation"):
            mark = "observed:" if claim["holds"] else "not observed:"
        lines.append(f"- {mark} {claim['what']}")
    return "\n".join(lines)


def _fmt_c(fit) -> str:
    return f"{fit.c:.1f} ± {fit.c_err:.1f}"


def headline(results: dict) -> list[str]:
    """A few lines with the key numbers (printed at the end of a run, kept in summary.json)."""
    out = []
    f1 = results.get("fig1")
    if f1 is not None and f1.claims:
        ok = sum(c["holds"] for c in f1.claims.values())
        out.append(f"Fig. 1: {ok}/{len(f1.claims)} statements hold")
    f2 = results.get("fig2")
    if f2 is not None and f2.claims:
        ok = sum(c["holds"] for c in f2.claims.values())
        out.append(f"Fig. 2: {ok}/{len(f2.claims)} field statements hold")
    f3 = results.get("fig3")
    if f3 is not None:
        for j, fits in sorted(f3.data.get("fits", {}).items()):
            if "fixed" in fits:
                paper = PAPER_C.get(round(j * 1e10, -8))
                out.append(f"Fig. 3: j = {j:g} MA/cm²: c = {_fmt_c(fits['fixed'])} m/s (paper "
                           f"{paper if paper is not None else '—'}, Thiele "
                           f"{fits['thiele'].c:.1f}); free phase "
                           f"{math.degrees(fits['free'].phase):.0f} ± "
                           f"{math.degrees(fits['free'].phase_err):.0f}° (paper 45°)")
        if f3.claims:
            c = f3.claims["no_hall_motion"]
            out.append(f"Fig. 3: max |v_x|/|v_y| = {c['max_ratio']:.2f} (and ≤ "
                       f"{c['max_vx_over_free']:.2f} of the free skyrmion's v_x); sign of v_y "
                       f"follows cos(θ+π/4): {f3.claims['sign_follows_cosine']['holds']}")
    f4 = results.get("fig4")
    if f4 is not None and not f4.table.empty:
        t = f4.table
        det = t[t.detached.astype(bool)]
        out.append(f"Fig. 4: v_y = {t.vy.iloc[0]:.0f} … {t.vy.iloc[-1]:.0f} m/s for j = "
                   f"{t.j_MA_cm2.iloc[0]:g} … {t.j_MA_cm2.iloc[-1]:g} MA/cm²; detached at "
                   + (", ".join(f"{j:g}" for j in det.j_MA_cm2) + " MA/cm²" if len(det)
                      else "no current"))
    f5 = results.get("fig5")
    if f5 is not None and not f5.table.empty:
        for r in f5.table.itertuples():
            out.append(f"Fig. 5: T = {r.T_K:g} K: long-lag MSD_y/MSD_x = "
                       f"{r.msd_ratio_y_over_x:.1f}; D_y = {r.D_y_long:.2g} ± "
                       f"{r.D_y_long_err:.1g} m²/s (1D Thiele {r.D_y_1D_thiele:.2g}), "
                       f"D_x = {r.D_x_long:.1g} ± {r.D_x_long_err:.1g} m²/s (x bound, "
                       f"std {r.x_std_nm:.1f} nm)")
    return out


# --------------------------------------------------------------------------- sections

def _fig1_section(res) -> str:
    t = res.table
    cols = {"case": "case (paper signs)", "D_left_paper_mJ_m2": "paper D_L", "D_right_paper_mJ_m2":
            "paper D_R", "left_class": "our left", "D_left_ours_mJ_m2": "our D_left",
            "right_class": "our right", "D_right_ours_mJ_m2": "our D_right", "Q": "Q",
            "helicity_left_deg": "helicity left (°)", "helicity_right_deg": "helicity right (°)",
            "face_left": "left face", "face_right": "right face", "radius_nm": "radius (nm)"}
    show = t[[c for c in cols if c in t]].copy()
    for c in ("helicity_left_deg", "helicity_right_deg"):
        if c in show:
            show[c] = show[c].round(0) + 0.0  # + 0.0: no "-0"
    show = show.rename(columns=cols)
    return (f"{_md_table(show)}\n\n{_claims(res)}\n\n"
            "Uniform films give one helicity all round (Néel 0° or 180°, Bloch ±90°); the Janus "
            "films give a Néel left face and a Bloch right face, each set by its own sign. The "
            "table fixes our reading of the paper's signs (see *Conventions*). Q is the "
            "Berg–Lüscher charge of the skyrmion's region: |Q| < 1 by a few per cent because "
            "the 40 nm square's edges (free, with the DMI boundary tilt) take part of the "
            "winding; the paper quotes Q = −1.")


def _hours_s(seconds: float) -> str:
    """``seconds`` as ``1 h 58 min`` (or ``7 min``)."""
    minutes = round(float(seconds) / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _fig2_note(r) -> str | None:
    """What became of the Janus skyrmion at one field, if it is not simply a larger or
    smaller Janus skyrmion on the interface (the row ``r`` of the Fig. 2 table)."""
    where = f"At B_{r.axis} = {r.B_mT:+g} mT"
    state = getattr(r, "state", "skyrmion")
    if state == "reversed":
        return (f"{where} the film reversed (⟨m_z⟩ = {r.mz:.2f}): the skyrmion expanded through "
                "the film.")
    if state == "collapsed":
        return f"{where} the skyrmion collapsed (⟨m_z⟩ = {r.mz:.3f})."
    if state == "domain":
        return (f"{where} the skyrmion expanded into a domain that reaches the film's edges "
                f"(⟨m_z⟩ = {r.mz:.2f}): the film is on its way to reversal.")
    if state == "pattern":
        return f"{where} no skyrmion is left: the film holds a domain pattern (⟨m_z⟩ = {r.mz:.2f})."
    if r.on_interface == False:  # noqa: E712 (a numpy/pandas bool)
        region = "Bloch (right)" if r.offset_nm > 0 else "Néel (left)"
        why = (", whose wall has no net in-plane moment for the field to act against"
               if r.axis in ("x", "y") else "")
        return (f"{where} the Janus skyrmion left the interface: it moved "
                f"{abs(r.offset_nm):.1f} nm into the {region} region and became a normal "
                f"skyrmion there (helicities {r.helicity_left_deg:.0f}° | "
                f"{r.helicity_right_deg:.0f}°){why}.")
    return None


def _fig2_section(res) -> str:
    t = res.table
    Bmax = float(t.B_mT.abs().max())
    rows = []
    for model in ("janus", "control"):
        for axis in ("x", "y", "z"):
            g = t[(t.model == model) & (t.axis == axis)].set_index("B_mT")
            get = (lambda b, c: g.loc[b, c] if b in g.index and c in g else float("nan"))
            rows.append({"model": "Janus" if model == "janus" else "Néel control", "axis": axis,
                         f"r(−{Bmax:g}) nm": get(-Bmax, "radius_nm"), "r(0) nm": get(0.0, "radius_nm"),
                         f"r(+{Bmax:g}) nm": get(Bmax, "radius_nm"),
                         f"⟨m_z⟩(−{Bmax:g})": get(-Bmax, "mz"), "⟨m_z⟩(0)": get(0.0, "mz"),
                         f"⟨m_z⟩(+{Bmax:g})": get(Bmax, "mz"),
                         f"on interface at +{Bmax:g}": get(Bmax, "on_interface")
                         if model == "janus" else "—"})
    notes = [_fig2_note(r) for r in t[(t.model == "janus") & (t.B_mT != 0)].itertuples()]
    notes = [n for n in notes if n]
    return (f"{_md_table(pd.DataFrame(rows))}\n\n{_claims(res)}\n\n"
            + ("\n".join(f"- {n}" for n in notes) + "\n\n" if notes else "")
            + "Why: the Janus skyrmion's in-plane wall moment does not cancel (its left Néel "
              "face points along −x, its right Bloch face along −y), so a field along that "
              "moment lowers the energy of a larger wall; a centrosymmetric skyrmion's wall "
              "moment sums to zero and its size is even in an in-plane field (the control's "
              "±B radii agree to the minimiser's precision).\n\n"
              "Difference from the paper: we minimise every field value independently from "
              "the same starting skyrmion (r = 15 nm, close to the zero-field state), where the "
              "paper scans the field; near ±B_z = 200 mT the states are far from the zero-field "
              "one (collapse, or a domain that expands through the film), so there the two "
              "protocols may differ.")


def _fig3_section(res, quick: bool) -> str:
    t = res.table
    fits = res.data.get("fits", {})
    rows = []
    for j, f in sorted(fits.items()):
        if "fixed" not in f:
            continue
        paper = PAPER_C.get(round(j * 1e10, -8), float("nan"))
        rows.append({"j (MA/cm²)": j, "c, fit c cos(θ+π/4) (m/s)": _fmt_c(f["fixed"]),
                     "paper c (m/s)": paper, "Thiele c (m/s)": f["thiele"].c,
                     "Thiele phase (°)": math.degrees(f["thiele"].phase),
                     "free fit c (m/s)": _fmt_c(f["free"]),
                     "free fit phase (°)": f"{math.degrees(f['free'].phase):.1f} ± "
                                           f"{math.degrees(f['free'].phase_err):.1f}",
                     "rms residual (m/s)": f["fixed"].rms})
    summary = _md_table(pd.DataFrame(rows)) if rows else "(no fit: too few points)"
    ratio = [float(r["c, fit c cos(θ+π/4) (m/s)"].split(" ")[0]) / r["paper c (m/s)"]
             for r in rows if np.isfinite(r["paper c (m/s)"])]
    window = (" The sideways velocity is a creep of at most "
              f"{100 * res.claims['no_hall_motion']['max_vx_over_free']:.0f}% of the v_x the same "
              "texture would have if nothing held it (Thiele without confinement: the skyrmion "
              "Hall motion).") if "no_hall_motion" in res.claims else ""
    if len(t) and "offset_mean_nm" in t:
        window += (f" Over the fitted window the ring centre sits {t.offset_mean_nm.abs().max():.1f}"
                  " nm from the interface at most (it is pushed sideways until the interface's "
                  "pull balances the gyrotropic force of the motion).")
    per_point = t[["theta_deg", "j_MA_cm2", "vx", "vx_err", "vy", "vy_err", "vy_thiele",
                   "vx_free", "vy_free", "offset_mean_nm", "detached"]].rename(columns={
                       "vy_thiele": "vy Thiele (v_x = 0)", "vx_free": "vx Thiele free",
                       "vy_free": "vy Thiele free"})
    thiele_ratio = [r["Thiele c (m/s)"] / r["paper c (m/s)"] for r in rows
                    if np.isfinite(r["paper c (m/s)"])]
    agree = bool(thiele_ratio) and all(abs(q - 1) < 0.1 for q in thiele_ratio)
    return (f"{summary}\n\n{_claims(res)}\n\n"
            f"Our simulated c is {', '.join(f'{100 * r:.0f}%' for r in ratio)} of the paper's. "
            "The Thiele solution with v_x = 0 (the paper's theory curve, computed here from our "
            "relaxed state with no fitted constant) gives "
            + (f"{', '.join(f'{100 * q:.0f}%' for q in thiele_ratio)} of the paper's c, i.e. the "
               "paper's curves; the paper says its simulated points agree with its curves, ours "
               "fall below them: " if agree else
               f"{', '.join(f'{100 * q:.0f}%' for q in thiele_ratio)} of the paper's c; ")
            + "the moving skyrmion is not the rigid relaxed texture the Thiele solution assumes "
              "(its Bloch face turns away from −90° and it shifts off the interface), which "
              "lowers its speed here, and more so at the larger j." + window
            + " The free-phase fit shows how far |v_y|(θ) departs from a pure cos(θ + π/4) (the "
              "paper notes the asymmetry at the larger j)."
            + (" Quick mode: 2 nm cells and short runs; compare with the full report."
               if quick else "")
            + "\n\n<details><summary>Per-point velocities</summary>\n\n"
            + _md_table(per_point) + "\n\n</details>")


def _fig4_section(res) -> str:
    t = res.table
    show = t[["j_MA_cm2", "vy", "vy_err", "vy_thiele", "vx", "mz_steady", "max_offset_nm",
              "detached", "t_detach_ns"]].rename(columns={
                  "j_MA_cm2": "j (MA/cm²)", "vy": "v_y (m/s)", "vy_err": "±", "vy_thiele":
                  "Thiele v_y", "vx": "v_x (m/s)", "mz_steady": "steady ⟨m_z⟩",
                  "max_offset_nm": "max offset (nm)", "detached": "detached",
                  "t_detach_ns": "t_detach (ns)"})
    det = t[t.detached.astype(bool)]
    if len(det):
        d = ("The skyrmion detached from the interface at j = "
             + ", ".join(f"{r.j_MA_cm2:g} MA/cm² (t = {r.t_detach_ns:.2f} ns)"
                         for r in det.itertuples())
             + ": its centre moved farther from the interface than its radius (the paper's "
               "Supplementary Fig. 2 shows such a skyrmion turning into a normal one; the "
               "offset panel of the figure shows when).")
    else:
        d = ("No detachment within the run at θ = 270° up to the largest current: the "
             "skyrmion's offset from the interface stays below its radius. (At θ near 0°, where "
             "the SOT pushes the skyrmion into the Néel region, the Fig. 3 runs show the "
             "interface giving way at lower currents when the run is long enough.)")
    return (f"{_md_table(show)}\n\n{_claims(res)}\n\n{d}\n\n"
            "The steady ⟨m_z⟩ rising with j means the moving skyrmion shrinks; the paper reports "
            "a growing deformation with j without giving its sign.")


def _fig5_section(res, quick: bool) -> str:
    t = res.table
    show = t[["T_K", "replicas", "duration_ns", "msd_ratio_y_over_x", "D_y_long", "D_y_long_err",
              "D_x_long", "D_x_long_err", "D_y_1D_thiele", "D_y_short", "D_x_short",
              "D_free_thiele", "long_lags_ns", "x_std_nm", "y_range_nm", "mz_mean"]].rename(
        columns={"T_K": "T (K)", "duration_ns": "run (ns)", "msd_ratio_y_over_x":
                 "MSD_y/MSD_x (long lags)", "D_y_long": "D_y long (m²/s)",
                  "D_y_long_err": "±", "D_x_long": "D_x long (m²/s)", "D_x_long_err": "± ",
                  "D_y_1D_thiele": "Thiele k_BT/(α𝒟)", "D_y_short": "D_y short",
                  "D_x_short": "D_x short", "D_free_thiele": "Thiele free",
                  "long_lags_ns": "long lags (ns)", "x_std_nm": "std x (nm)",
                  "y_range_nm": "range y (nm)", "mz_mean": "mean ⟨m_z⟩"})
    return (f"{_md_table(show, '.3g')}\n\n{_claims(res)}\n\n"
            "*Long*: slope of MSD(τ) = 2Dτ + b over the long lags (analysis.fits.msd_slope, "
            "generalised least squares with the covariance of overlapping MSD estimates). "
            "*Short*: MSD = 2Dτ over the first lags (10 ps each; "
            "analysis.kinematics.diffusion_constant). At short lags the skyrmion moves like a "
            "free one, equally along x and y, at about the free Thiele value "
            "k_BTα𝒟/(𝒢² + α²𝒟²); after ~0.1–0.2 ns the interface stops the motion across it "
            "(MSD_x levels off at 2⟨x²⟩) and the walk along it speeds up towards the "
            "one-dimensional Thiele value k_BT/(α𝒟), some 10× larger: a one-dimensional "
            "random walk. The paper gives no diffusion constants to compare with. Two replicas "
            "per temperature (seeds T and T + 1000; the plots show the first), each far "
            "shorter than the paper's runs, so the long-lag D carries the large statistical "
            "error shown; the MSD ratio at long lags is the more robust sign of the "
            "one-dimensional walk."
            + (" Quick mode: one temperature (100 K), 1 ns per replica." if quick else ""))


def write_report(results: dict, runs: dict, folder: Path, *, pngs: dict, quick: bool,
                 backend: str, out: Path, run_wall_s: float, total_wall_s: float) -> Path:
    """Write ``report.md``, the CSVs and ``summary.json`` into ``folder``; returns report.md."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, res in results.items():
        with atomic_open(folder / CSV_NAMES[name], "w", overwrite=True) as fh:
            res.table.to_csv(fh, index=False)
    mode = "quick" if quick else "full"
    now = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    cmd = "make janus-quick" if quick else "make janus"
    if backend != "builtin":
        cmd += f" BACKEND={backend}"
    cost = pd.DataFrame([{"study": f"`studies/janus/{stem}.toml`", "points": len(r.points),
                          "solver time in points (s)": round(r.compute_s),
                          "wall time of its points (s)": round(r.busy_s),
                          "wall time of this run (s)": round(r.wall_s)}
                         for stem, r in runs.items()])
    points_wall_s = float(cost["wall time of its points (s)"].sum())
    lines = [f"# Paper 000, reproduced: the Janus skyrmion ({mode} mode, {backend} backend)", "",
             "Zhang, Zhang, Shao, Zhou, Reichhardt, Reichhardt, Mochizuki, *Janus skyrmion: "
             "interfacial quasiparticle with two-faced helicity* (2025; arXiv:2509.07394). "
             f"Written by `{cmd}` (`python -m orchestrator.papers.janus"
             f"{' --quick' if quick else ''} --backend {backend}`) on {now}, "
             f"{os.cpu_count()} CPU cores, runs in `{_rel(out)}`.", "",
             "## Summary", "", *[f"- {h}" for h in headline(results)], "",
             "## Conventions and readings", "",
             "- **DMI signs.** Paper D = −D(ours) for both classes: the paper's Néel term, "
             "printed as D_N[m_z(m·∇) − (∇·m)m_z], is read as D_N[m_z(∇·m) − (m·∇)m_z] (the "
             "Rohart–Thiaville / mumax3 `Dind` form), opposite to the OOMMF/ubermag `Cnv_z` class "
             "we use; for the Bloch term we take D_B = −D(`T`), because only then do the paper's "
             "own findings hold (Fig. 2: −x and −y grow the D_L = D_R = +3.5 skyrmion; Fig. 3: "
             "v_y = +c cos(θ + π/4), c > 0): both need helicity ≈ 0° on the Néel face and "
             "≈ −90° on the Bloch face of the core-down skyrmion. The helicity pictures of "
             "Fig. 1(c) are not in the text available to us, so they could not fix the signs; "
             "every study file says this in its header.",
             "- **Spin–orbit torque.** τ = u m×(p×m) with u = γ0ħ jθ_SH/(2μ0 e a Ms) > 0 for "
             "j > 0: alone it turns m toward +p (`orchestrator/solver/torques/sot.py`).",
             "- **Periodic box.** Figs. 3–5 are periodic in x and y as in the paper, so a second "
             "interface (Bloch|Néel) sits at the wrap-around x = 0 ≡ 100 nm, 50 nm from the "
             "skyrmion; we keep it and study the skyrmion on the interface at x = 50 nm.",
             "- **Model.** Ms = 580 kA/m, A = 15 pJ/m, K = 0.8 MJ/m³ (z), α = 0.3, "
             "γ0 = 2.211e5 m/(A s), demag on everywhere (10 periodic images per side in the "
             "periodic films); RK45 (tolerance 1e-5) for the driven runs, Heun with the "
             "paper's 10 fs step at finite T.",
             "- **Position.** The ring centre of the magnon density (the Q-weighted centre of a "
             "Janus skyrmion sits off along the interface); detached = centre farther from "
             "the interface than the skyrmion's radius for 3 frames.", ""]
    if quick:
        ov = load_overrides(QUICK_OVERRIDES)
        lines += ["**Quick mode** runs the same study files with these overrides "
                  f"(`{_rel(QUICK_OVERRIDES)}`), so its numbers are coarser than the full "
                  "report's:", ""]
        lines += [f"- `{stem}`: " + "; ".join(f"`{k}` = {v}" for k, v in table.items())
                  for stem, table in ov.items()]
        lines.append("")
    lines += ["## Cost", "", _md_table(cost), "",
              f"Total: {run_wall_s:.0f} s running (points from earlier runs are reused), "
              f"{total_wall_s:.0f} s with the analysis and the figures. *Wall time of its "
              "points*: how long at least one of the study's points was running, over every "
              "run that finished them (pauses between runs left out), "
              f"{_hours_s(points_wall_s)} in all: "
              "what the whole reproduction costs from scratch on this machine.", ""]
    sections = {"fig1": lambda r: _fig1_section(r), "fig2": lambda r: _fig2_section(r),
                "fig3": lambda r: _fig3_section(r, quick), "fig4": lambda r: _fig4_section(r),
                "fig5": lambda r: _fig5_section(r, quick)}
    for name, res in results.items():
        lines += [f"## {TITLES[name]}", "", f"**Paper:** {PAPER[name]}", "", "**Here:**", ""]
        if res.table.empty:
            lines.append("No point of this study finished.")
        else:
            lines.append(sections[name](res))
        lines.append("")
        for png in pngs.get(name, []):
            lines += [f"![{name}]({png.name})", ""]
        lines.append(f"Data: [`{CSV_NAMES[name]}`]({CSV_NAMES[name]}).")
        if res.notes:
            lines += ["", "Points not analysed:", *[f"- {n}" for n in res.notes]]
        lines.append("")
    path = _write(folder / "report.md", "\n".join(lines))
    _write(folder / "summary.json", json.dumps(
        {"mode": mode, "backend": backend, "written": now, "headline": headline(results),
         "claims": {name: {k: bool(c["holds"]) for k, c in res.claims.items()}
                    for name, res in results.items()},
         "run_wall_s": run_wall_s, "total_wall_s": total_wall_s,
         "points_wall_s": points_wall_s,
         "cpu_count": os.cpu_count()}, indent=2) + "\n")
    return path


def _rel(p: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(ROOT))
    except ValueError:
        return str(p)


def write_index(folder: Path) -> Path:
    """``folder/report.md``: links to every ``*/report.md`` below it with its headline."""
    folder = Path(folder)
    lines = ["# Paper 000 (Janus skyrmion): reports", "",
             "`make janus-quick` writes `quick/`, `make janus` writes `full/` "
             "(`BACKEND=oommf|mumax3` adds the backend's name). Each report puts every figure "
             "next to the paper's statement, with its PNGs and CSVs.", ""]
    for sub in sorted(p for p in folder.iterdir() if (p / "report.md").is_file()):
        try:
            info = json.loads((sub / "summary.json").read_text())
        except (OSError, ValueError):
            info = {}
        lines += [f"## [{sub.name}]({sub.name}/report.md)", "",
                  f"{info.get('mode', '?')} mode, {info.get('backend', '?')} backend, written "
                  f"{info.get('written', '?')}"
                  + (f"; its points took {_hours_s(info['points_wall_s'])} of wall time on "
                     f"{info.get('cpu_count', '?')} cores" if "points_wall_s" in info else "")
                  + f"; the last pass {info.get('total_wall_s', float('nan')):.0f} s (finished "
                  "points are reused).",
                  "", *[f"- {h}" for h in info.get("headline", [])], ""]
    return _write(folder / "report.md", "\n".join(lines))
