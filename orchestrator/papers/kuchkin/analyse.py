"""Paper 003's figures from the point folders: the relaxed textures (Q, Γ, k_s), the
driven velocities on the big circle next to the static-Γ Thiele prediction (Figs. 1b/3,
3c), and a low-symmetry texture's small circle (Fig. 5).

Velocities are in the paper's normalisation with its sign erratum (notes-003 §2.2):
``v = V/V0``, ``V0 = ξ|I|/α``, ``e∥ = −Î`` (:mod:`analysis.thiele_geometry`). The
texture's position is the ring centre of its magnon density (the paper's Eq. 19), unwrapped
across the periodic seam; its velocity is the least-squares slope after a transient.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import analysis
from analysis.detection import find_objects
from analysis.texture_ops import symmetry_order
from analysis.thiele_geometry import (big_circle, dissipation_tensor, gamma_geometry,
                                      kasa_circle_fit, reduced_velocity, small_circle,
                                      thiele_velocity_reduced)
from analysis.topology import topological_charge
from orchestrator.papers import recipes as rx
from orchestrator.papers.claims import Measured
from orchestrator.papers.kuchkin import PAPER
from orchestrator.papers.paper import FigureInput, FigureResult

__all__ = ["textures", "bag_cells", "circle", "checks", "small_circle_figure", "name_of"]

#: the textures' names by (kind, k)
NAMES = {("kpi", 1): "π skyrmion", ("kpi", 2): "2π skyrmion (skyrmionium)",
         ("kpi", 3): "3π skyrmion", ("bag", 1): "skyrmion bag S(2)",
         ("antiskyrmion", 1): "antiskyrmion (D2d)"}
#: the charge each texture is documented with (analysis/texture_library.py, +z background)
CHARGES = {"π skyrmion": -1, "2π skyrmion (skyrmionium)": 0, "3π skyrmion": -1,
           "skyrmion bag S(2)": 1, "antiskyrmion (D2d)": 1}


def name_of(params: dict) -> str:
    """The texture's name from a point's swept values."""
    return NAMES.get((params.get("kind"), int(round(params.get("k", 1)))), str(params))


def _d2d(study) -> bool:
    """Whether the study's magnet has D2d DMI (Eq. 7 then turns the spins the other way)."""
    dmi = study.material(study.regions[0].name).dmi or []
    return any(d.crystal_class == "D2d_z" for d in dmi)


def _statics(ds, study) -> dict:
    """Q (lattice, fd4), Γ and its geometry, k_s of a run's relaxed frame (frame 0 of its
    default time axis: the minimised state); k_s with the rotation law of its DMI class."""
    frame = ds.isel(t=[0]).load()
    m = rx.relaxed_state(ds).load()
    q_lat = float(topological_charge(frame, method="lattice").squeeze())
    q_fd4 = float(topological_charge(frame, method="fd4").squeeze())
    G = dissipation_tensor(m, pbc=study.mesh.pbc, order=4)
    g = gamma_geometry(G, isotropic_tol=1e-6)  # ψ undefined (NaN) for an isotropic Γ
    objs = rx.largest_per_frame(find_objects(frame))
    centre = (float(objs.x.iloc[0]), float(objs.y.iloc[0]))
    ks = symmetry_order(m.isel(z=0).transpose("y", "x", "c").values, m.x.values, m.y.values,
                        centre=centre, periodic=True, d2d=_d2d(study))
    return {"Q_lattice": q_lat, "Q_fd4": q_fd4, "Q": int(round(q_lat)), "Gamma": G,
            "lam1": g.lam1, "lam2": g.lam2, "psi_deg": math.degrees(g.psi),
            "vartheta": g.vartheta, "sqrt_det": g.sqrt_det, "trace": g.trace,
            "k_s": ks, "radius_LD": float(objs.r_contour.iloc[0]) / study.units.reduced.L_D}


def _relaxed_table(inp: FigureInput) -> tuple[pd.DataFrame, dict, list[str]]:
    """One row of statics per relaxed texture of the figure's study (and its m map)."""
    rows, maps, notes = [], {}, []
    for pp in rx.done_points(inp.run, notes):
        ds = analysis.open_run(pp.folder)
        st = _statics(ds, pp.point.study)
        name = name_of(pp.point.params)
        rows.append({"texture": name, "cell_LD": _cell_LD(pp.point.study),
                     **{k: v for k, v in st.items() if k != "Gamma"}})
        maps[name] = rx.relaxed_state(ds).isel(z=0).load()
    return pd.DataFrame(rows), maps, notes


@PAPER.analyse("textures")
def textures(inp: FigureInput) -> FigureResult:
    """The relaxed textures: charges, Γ, symmetry."""
    table, maps, notes = _relaxed_table(inp)
    if table.empty:
        return FigureResult(table, notes=notes)
    high = table[table.k_s >= 3]
    # a texture whose fd4 charge is judged on finer cells (figure bag_cells) is left out here
    fd4 = table[~table.texture.isin(inp.param("fd4_on_finer_cells"))]
    measured = {
        "q_lattice_integer": Measured(float((table.Q_lattice - table.Q_lattice.round()).abs()
                                            .max())),
        "q_fd4_integer": Measured(float((fd4.Q_fd4 - fd4.Q).abs().max()) if len(fd4) else None,
                                  {"Q_fd4": dict(zip(fd4.texture, fd4.Q_fd4))},
                                  why_untested="every texture is judged on finer cells"),
        "charges_as_documented": Measured(bool(all(CHARGES.get(r.texture, r.Q) == r.Q
                                                   for r in table.itertuples())),
                                          {"Q": dict(zip(table.texture, table.Q))}),
        "det_bound": Measured(float((table.sqrt_det - table.Q.abs()).min())),
        "isotropic": Measured(float(((high.lam1 - high.lam2) / high.trace).max())
                              if len(high) else None, why_untested="no texture with k_s ≥ 3"),
    }
    return FigureResult(table, {"maps": maps}, measured, notes=notes)


def _cell_LD(study) -> float:
    """A study's in-plane cell in units of L_D."""
    return study.mesh.cell[0] / study.units.reduced.L_D


@PAPER.analyse("bag_cells")
def bag_cells(inp: FigureInput) -> FigureResult:
    """The skyrmion bag relaxed on cells halved: its charges (lattice, fd4) and Γ."""
    table, maps, notes = _relaxed_table(inp)
    if table.empty:
        return FigureResult(table, notes=notes)
    measured = {
        "q_lattice_integer": Measured(float((table.Q_lattice - table.Q_lattice.round()).abs()
                                            .max())),
        "q_fd4_integer": Measured(float((table.Q_fd4 - table.Q).abs().max()),
                                  {"Q_fd4": table.Q_fd4.tolist()}),
        "charges_as_documented": Measured(bool(all(CHARGES.get(r.texture, r.Q) == r.Q
                                                   for r in table.itertuples())),
                                          {"Q": dict(zip(table.texture, table.Q))}),
    }
    return FigureResult(table, {"maps": maps}, measured, notes=notes)


def _driven(pp, transient: float) -> dict:
    """Measured and predicted reduced velocity of one driven point. The velocity is fitted
    over the later part of the drive, from ``max(transient/α, T/2)`` (in 1/(γB_D); T the
    drive time) on: a texture's shape settles at a rate ∝ α, and the larger ones take
    longer still (the 3π skyrmion's v⊥ drifts for ~100 t_D at α = 0.25). ``unsteady``
    is the change of v between the two halves of that window."""
    study = pp.point.study
    ds = analysis.open_run(pp.folder)
    st = _statics(ds, study)
    drive = study.drives["stt"]
    mat = study.material(study.regions[0].name)
    alpha, xi = mat.alpha, drive.xi
    I = np.asarray(drive.I[:2])
    angle = math.atan2(I[1], I[0])
    main, _ = rx.main_track(rx.largest_per_frame(find_objects(ds)))
    T = rx.evolve_duration(study)
    t0 = max(transient / alpha * study.units.reduced.time, T / 2)
    eps = 1e-6 * T  # frame times carry rounding: a window edge on a frame keeps it
    mo = rx.driven_motion(main, transient=t0 - eps)
    mid = (t0 + T) / 2
    halves = [rx.driven_motion(main, transient=a - eps, t_stop=b + eps)
              for a, b in ((t0, mid), (mid, T))]
    va, vb = (reduced_velocity((h.v["vx"], h.v["vy"]), I, alpha=alpha, xi=xi) for h in halves)
    v = reduced_velocity((mo.v["vx"], mo.v["vy"]), I, alpha=alpha, xi=xi)
    th = thiele_velocity_reduced(st["Q"], st["Gamma"], alpha, xi, angle)
    # how far the texture turned while driven: Γ's principal axis at the last frame
    # against the relaxed one (NaN for an isotropic Γ, whose axis is undefined)
    end = gamma_geometry(dissipation_tensor(ds.m.isel(t=-1).load(), pbc=study.mesh.pbc,
                                            order=4), isotropic_tol=1e-6)
    turn = (math.degrees(end.psi) - st["psi_deg"] + 90) % 180 - 90
    return {"texture": name_of(pp.point.params), "alpha": alpha, "xi": xi,
            "I": float(np.hypot(*I)) / study.units.reduced.velocity,
            "cell_LD": _cell_LD(study),
            "theta_deg": round(math.degrees(angle + math.pi) % 360, 6),
            "Q": st["Q"], "k_s": st["k_s"], "lam1": st["lam1"], "lam2": st["lam2"],
            "v_par": v[0], "v_perp": v[1], "v_par_thiele": th[0], "v_perp_thiele": th[1],
            "dv": float(math.hypot(v[0] - th[0], v[1] - th[1])),
            "unsteady": float(math.hypot(va[0] - vb[0], va[1] - vb[1])),
            "fit_from_tD": t0 / study.units.reduced.time, "turned_deg": turn,
            "Gamma": st["Gamma"]}


def _driven_table(inp: FigureInput) -> tuple[pd.DataFrame, list[str]]:
    """One row of :func:`_driven` per finished point of the figure's studies (only the
    damping values of its ``alphas`` parameter, when it has one), and the notes naming
    the points not finished."""
    notes: list[str] = []
    rows = [_driven(pp, inp.param("transient_alpha_tD"))
            for run in inp.runs.values() for pp in rx.done_points(run, notes)]
    table = pd.DataFrame(rows)
    keep = inp.spec.parameters.get("alphas")
    if keep is not None and len(table):
        table = table[[any(abs(a - k) < 1e-12 for k in keep) for a in table.alpha]]
    return table.reset_index(drop=True), notes


@PAPER.analyse("circle_low")
@PAPER.analyse("circle")
def circle(inp: FigureInput) -> FigureResult:
    """LLG velocities of every texture at each (α, ξ) against their static-Γ prediction."""
    table, notes = _driven_table(inp)
    if table.empty:
        return FigureResult(table, notes=notes)
    vc, rc = big_circle(table.alpha.to_numpy(), table.xi.to_numpy())
    # ρ from the measured point (Eq. 11 for ϑ = 0: v∥ − v_c = R_c cos ρ, v⊥ = −R_c sin ρ)
    table["rho_llg"] = np.arctan2(-table.v_perp / rc, (table.v_par - vc) / rc)
    table["rho_thiele"] = 2 * np.arctan(table.Q / (table.alpha * np.sqrt(table.lam1 * table.lam2)))
    table["off_big_circle"] = np.hypot(table.v_par - vc, table.v_perp) - np.abs(rc)
    high, low = table[table.k_s >= 3], table[table.k_s < 3]
    charged = high[high.Q != 0]
    trivial = table[table.Q == 0]
    sign_ok = np.sign(charged.v_perp) == -np.sign(charged.Q) * np.sign(charged.xi - charged.alpha)
    measured = {
        "thiele_high_symmetry": Measured(float(high.dv.max()) if len(high) else None),
        "thiele_low_symmetry": Measured(float(low.dv.max()) if len(low) else None,
                                        why_untested="no low-symmetry texture in this run"),
        "trivial_at_one": Measured(float(np.hypot(trivial.v_par - 1, trivial.v_perp).max())
                                   if len(trivial) else None),
        "deflection_sign": Measured(bool(sign_ok.all()) if len(charged) else None),
        "rho_matches": Measured(float((charged.rho_llg - charged.rho_thiele).abs().max())
                                if len(charged) else None),
        "steady": Measured(float(table.unsteady.max()),
                           {"unsteady": dict(zip(table.texture + " α=" + table.alpha.astype(str),
                                                 table.unsteady))}),
    }
    data = {"table": table, "circle_alphas": inp.param("circle_alphas")}
    return FigureResult(table.drop(columns="Gamma"), data, measured, notes=notes)


@PAPER.analyse("checks")
def checks(inp: FigureInput) -> FigureResult:
    """The π skyrmion's velocity with the cells halved and with the current halved,
    against the reference run."""
    notes: list[str] = []
    rows = []
    for pp in rx.done_points(inp.run, notes):
        row = _driven(pp, inp.param("transient_alpha_tD"))
        rows.append({"check": pp.point.params["check"], **row})
    table = pd.DataFrame(rows)
    if table.empty:
        return FigureResult(table, notes=notes)
    ref = table[table.check == "reference"]
    if len(ref):
        r = ref.iloc[0]
        table["dv_reference"] = np.hypot(table.v_par - r.v_par, table.v_perp - r.v_perp)
    else:
        table["dv_reference"] = np.nan
        notes.append("the reference run is not finished: nothing to compare with")

    def change(label: str, why: str) -> Measured:
        row = table[table.check == label]
        if not len(row) or not len(ref):
            return Measured(None, why_untested=why)
        return Measured(float(row.dv_reference.iloc[0]))

    measured = {
        "cells_halved": change("cells halved", "the run with halved cells (256² cells, 16 "
                                               "times the cost) is in the full mode only"),
        "current_halved": change("current halved", "no run with the current halved"),
    }
    return FigureResult(table.drop(columns="Gamma"), {"table": table}, measured, notes=notes)


@PAPER.analyse("small_circle")
def small_circle_figure(inp: FigureInput) -> FigureResult:
    """A low-symmetry texture driven at several current angles: its small circle."""
    table, notes = _driven_table(inp)
    if table.empty:
        return FigureResult(table, notes=notes)
    r0 = table.iloc[0]
    # the prediction from the relaxed texture (the same state at every angle)
    centre, R0 = small_circle(int(r0.Q), r0.Gamma, float(r0.alpha), float(r0.xi))
    pts = table[["v_par", "v_perp"]].to_numpy()
    dist = np.hypot(pts[:, 0] - centre[0], pts[:, 1] - centre[1]) - abs(R0)
    table["off_small_circle"] = dist
    fit = kasa_circle_fit(pts) if len(pts) >= 3 else None
    measured = {
        "on_small_circle": Measured(float(np.abs(dist).max())),
        "thiele_points": Measured(float(table.dv.max())),
        "fit_centre": Measured(float(math.hypot(fit[0][0] - centre[0], fit[0][1] - centre[1]))
                               if fit else None, {"fit_radius": fit[1] if fit else None,
                                                  "R0": abs(R0)},
                               why_untested="fewer than three angles"),
    }
    facts = {"centre": centre, "R0": abs(R0), "fit": fit}
    if fit:  # Eq. 18 on the fitted circle: cos of the angle at which it cuts the big circle
        vc, rc = big_circle(float(r0.alpha), float(r0.xi))
        (fx, fy), fr, rms = fit
        d = math.hypot(fx - vc, fy)
        facts["orth_cos"] = (d ** 2 - rc ** 2 - fr ** 2) / (2 * abs(rc) * fr)
        # first-order propagation of the points' scatter (rms) into centre and radius
        facts["orth_cos_err"] = (2 * d + 2 * fr) * rms / (2 * abs(rc) * fr)
    return FigureResult(table.drop(columns="Gamma"), {"table": table, **facts}, measured,
                        facts, notes)
