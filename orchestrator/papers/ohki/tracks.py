"""Paper 002's nanotrack runs at the edge (Figs. 8(b), (c) and 9(c), (d), full mode) and the
checks of the plate run (the paper's 150² plate, the time step halved).

A track run starts from the ansatz near the edge the current pushes the skyrmion to, with no
minimisation (the minimiser would centre it: ``studies/ohki/track_stt.toml``), so its tensors
are those of its last frame, the texture as it moves (``points.py``). Its velocity along the
track is the least-squares slope over the later part of the run, compared directly with
Table 1's steady value. How steady it is: in a rigid Thiele motion the velocity along the
track differs from the steady one by (𝒢/α𝒟)·v_y (the track invariant,
:func:`analysis.thiele_lattice.track_invariant`), so ``unsteady`` = |(𝒢/α𝒟) v_y / v_x| over
the fit window is the share of v_x the remaining drift across the track still holds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.thiele import thiele_velocity
from orchestrator.papers.claims import Measured
from orchestrator.papers.ohki import PAPER
from orchestrator.papers.ohki.points import NAMES, Point, done, wall_row
from orchestrator.papers.paper import FigureInput, FigureResult

__all__ = ["tracks", "checks"]


def _edge_distance(p: Point, y: np.ndarray) -> np.ndarray:
    """Distance (sites) from the skyrmion's centre to the nearer open edge."""
    width = p.study.mesh.cells[1]
    ys = np.asarray(y, float) / p.units.a
    return np.minimum(ys, width - ys)


def _track_row(p: Point) -> dict:
    """One skyrmion track run: its steady velocity against Table 1's value."""
    v, drift = p.velocity()
    tt, a = p.tensors, p.alpha
    G, D = tt.gyro, float(tt.D[0, 0])
    weight = G / (a * D)                                       # 𝒢/(α𝒟): −c₂ for Q = −1
    tr = p.track
    t = p.in_tau(tr.t.values)
    dist = _edge_distance(p, tr.y.values)
    win = t >= p.in_tau(p.t0) - 1e-9
    row = {"rule": p.study.lattice.dmi, "duration": p.in_tau(p.T), "v_x": v[0], "v_y": v[1],
           "drift": drift, "unsteady": abs(weight * v[1] / v[0]) if v[0] else math.nan,
           "invariant_sites": v[0] - weight * v[1],               # sites/τ
           "edge_start": float(dist[0]), "edge_end": float(dist[-1]),
           "edge_change": float(dist[win][-1] - dist[win][0]) if win.any() else math.nan,
           "c2": abs(weight), "trajectory": {"t": t.tolist(), "x": p.sites(tr.x.values).tolist(),
                                             "edge": dist.tolist()}}
    if "stt" in p.study.drives:
        d = p.study.drives["stt"]
        u = np.asarray(d.I[:2])                                # ours: u = −v_s (Eq. 15)
        vs = float(np.hypot(*p.sites(-u)))
        along = abs(u[0]) > abs(u[1])
        th = thiele_velocity(tt, alpha=a, stt={"u": u, "xi": d.xi}, confine="y",
                             gamma=p.units.gamma)
        row.update(texture=f"{NAMES[row['rule']]} skyrmion",
                   case="STT, j ∥ x" if along else "STT, j ∥ y",
                   current=p.current()[1], v_s=vs,
                   table1=(d.xi / a if along else abs(weight)),      # Eqs. 73, 74 (v_s units)
                   thiele=float(p.sites(th.velocity)[0]) / vs,
                   measured=v[0] / vs, invariant=row["invariant_sites"] / vs, unit="v_s")
    else:
        c = p.sot()
        th = thiele_velocity(tt, alpha=a, sot=c, confine="y", gamma=p.units.gamma)
        # Eq. 136 (Néel: J^spin_x/(α𝒟)) or Eq. 128 (Bloch: 0); the confined Thiele value
        # is both (the Bloch skyrmion's J^spin_x vanishes by symmetry)
        row.update(texture=f"{NAMES[row['rule']]} skyrmion", case="SOT, σ ∥ y",
                   current=p.current()[1], v_s=math.nan,
                   table1=float(p.sites(th.velocity)[0]) if row["rule"] == "neel" else 0.0,
                   thiele=float(p.sites(th.velocity)[0]), measured=v[0],
                   invariant=row["invariant_sites"], unit="sites/τ")
    row["ratio"] = row["measured"] / row["table1"] if row["table1"] else math.nan
    return row


@PAPER.analyse("tracks")
def tracks(inp: FigureInput) -> FigureResult:
    """The track velocities at the edge, measured directly (full mode)."""
    notes: list[str] = []
    fit = inp.param("fit_from")
    rows = [_track_row(p) for p in done(inp, ["track_stt", "track_sot"], notes, fit)]
    walls = [wall_row(p) for p in done(inp, ["wall"], notes, fit)]
    table = pd.DataFrame(rows)
    res = FigureResult(table=table.drop(columns=["trajectory"], errors="ignore"), notes=notes)
    if table.empty:
        return res

    def one(case: str, rule: str | None = None) -> pd.Series | None:
        sub = table[(table.case == case) & ((table.rule == rule) if rule else True)]
        return sub.iloc[0] if len(sub) else None

    def measured(name: str, row, value, details) -> None:
        res.measured[name] = (Measured(value, details) if row is not None else
                              Measured(None, why_untested=f"no {name} run finished"))

    x, y = one("STT, j ∥ x"), one("STT, j ∥ y")
    measured("track_x_direct", x, None if x is None else abs(x.measured - x.table1),
             None if x is None else {"v_x/v_s": round(x.measured, 4), "β/α": x.table1,
                                     "Thiele (confined)": round(x.thiele, 4)})
    measured("track_y_direct", y, None if y is None else abs(y.measured / y.table1 - 1),
             None if y is None else {"v_x/v_s": round(y.measured, 3), "c₂": round(y.table1, 3),
                                     "Thiele (confined)": round(y.thiele, 3)})
    neel, bloch = one("SOT, σ ∥ y", "neel"), one("SOT, σ ∥ y", "bloch")
    measured("sot_track_neel", neel, None if neel is None else abs(neel.ratio - 1),
             None if neel is None else {"v_x (sites/τ)": round(neel.measured, 5),
                                        "J^spin_x/(α𝒟)": round(neel.table1, 5)})
    if neel is not None and bloch is not None:
        # its equilibrium lies near the track's middle, ~10⁵ τ away: its steady velocity
        # along the track is the invariant v_x − (𝒢/α𝒟)v_y, per unit current against the
        # Néel skyrmion's; the raw velocity (still drifting across) is listed
        stop = abs(bloch.invariant) / bloch.current / (abs(neel.v_x) / neel.current)
        res.measured["sot_track_bloch_stops"] = Measured(stop, {
            "Bloch invariant (sites/τ)": float(f"{bloch.invariant:.3g}"),
            "Bloch v, still drifting (sites/τ)": [round(bloch.v_x, 6), round(bloch.v_y, 6)],
            "Néel v_x (sites/τ)": round(neel.v_x, 5)})
    else:
        res.measured["sot_track_bloch_stops"] = Measured(None,
                                                         why_untested="no Bloch/Néel track pair")
    moving = table[table.table1 != 0]
    res.measured["track_steady"] = Measured(float(moving.unsteady.max()), {
        f"{r.case} {r.rule}": round(r.unsteady, 4) for r in moving.itertuples()})
    if walls and neel is not None:
        w = walls[0]
        ratio = (abs(w["v_x"]) / w["j_s"]) / (abs(neel.v_x) / neel.current)
        res.measured["wall_vs_neel"] = Measured(abs(ratio - 1), {
            "wall v/j_s over Néel v/j_s": round(ratio, 3)})
    else:
        res.measured["wall_vs_neel"] = Measured(None, why_untested="no wall and Néel track run")
    res.data = {"table": table, "walls": walls}
    return res


# ------------------------------------------------------------------------------ checks

@PAPER.analyse("checks")
def checks(inp: FigureInput) -> FigureResult:
    """The Bloch plate run of stt.toml against the same run on the paper's 150² plate and
    with the time step halved (full mode)."""
    notes: list[str] = []
    fit = inp.param("fit_from")
    ref = [p for p in done(inp, ["stt"], notes, fit)
           if p.params.get("case") == "plate" and p.study.lattice.dmi == "bloch"]
    rows = []
    for p in ref + done(inp, ["checks"], notes, fit):
        d = p.study.drives["stt"]
        vs = float(np.hypot(*p.sites(-np.asarray(d.I[:2]))))
        v, drift = p.velocity()
        rows.append({"check": p.params.get("check", "reference"),
                     "cells": "×".join(str(n) for n in p.study.mesh.cells[:2]),
                     "dt_tau": p.in_tau(p.study.stages[-1].dt), "v_x": v[0] / vs,
                     "v_y": v[1] / vs, "drift": drift})
    table = pd.DataFrame(rows)
    res = FigureResult(table=table, notes=notes)
    base = table[table.check == "reference"] if len(table) else table
    for name, check in (("plate_size", "plate_150"), ("dt_half", "dt_half")):
        sub = table[table.check == check] if len(table) else table
        if base.empty or sub.empty:
            res.measured[name] = Measured(None, why_untested=f"no reference or {check} run")
            continue
        b, s = base.iloc[0], sub.iloc[0]
        diff = math.hypot(s.v_x - b.v_x, s.v_y - b.v_y) / math.hypot(b.v_x, b.v_y)
        res.measured[name] = Measured(diff, {"reference v/v_s": [round(b.v_x, 6), round(b.v_y, 6)],
                                             f"{check} v/v_s": [round(s.v_x, 6), round(s.v_y, 6)]})
    table["difference"] = [math.hypot(r.v_x - base.iloc[0].v_x, r.v_y - base.iloc[0].v_y)
                           / math.hypot(base.iloc[0].v_x, base.iloc[0].v_y)
                           if len(base) else math.nan for r in table.itertuples()] \
        if len(table) else []
    res.data = {"table": table}
    return res
