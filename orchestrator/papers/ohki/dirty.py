"""Paper 002's Fig. 10 (full mode): a Néel skyrmion and Néel domain walls in dirty
nanotracks under spin-orbit torque, their depinning thresholds, and the skyrmion's
annihilation at the track's edge above a threshold current; with them Fig. 8(d)-2's dirty
nanotrack under spin-transfer torque (a Bloch skyrmion driven across the track).

Each dirty run (impurity anisotropy A_imp on 0.1 % of the sites, one seed per realisation)
is set against the clean run at the same current (A_imp = 0 on the same sites): a
realisation *moves* when it covers at least a quarter of the clean distance over the later
half of the drive (:func:`analysis.depinning.moving`), and the threshold is bracketed by the
currents run (:func:`analysis.depinning.depinning_threshold`: at least half the
realisations move at that current and every larger one). A skyrmion that is no longer found
in the last frame was annihilated.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.depinning import Threshold, depinning_threshold, moving
from orchestrator.papers.claims import Measured
from orchestrator.papers.ohki import PAPER
from orchestrator.papers.ohki.points import Point, done, wall_row
from orchestrator.papers.paper import FigureInput, FigureResult

__all__ = ["fig10"]

#: share of the clean distance a realisation must cover to count as moving
SHARE = 0.25
#: share of the realisations that must move at a current (and every larger one)
AT_LEAST = 0.5


def _a_imp(p: Point) -> float:
    """The impurity anisotropy in units of |J| (0 for a study without impurities)."""
    imps = p.study.lattice.impurities
    return float(imps[0].A_imp) / abs(p.study.lattice.J) if imps else 0.0


def _skyrmion_row(p: Point) -> dict:
    tr = p.track
    t = p.in_tau(tr.t.values)
    alive = bool(math.isclose(float(tr.t.values[-1]), float(p.ds.t.values[-1]),
                              rel_tol=1e-9, abs_tol=1e-18))
    v, _ = p.velocity() if alive else (np.array([math.nan, math.nan]), math.nan)
    drive, j = p.current()
    name = "Néel skyrmion" if p.study.lattice.dmi == "neel" else "Bloch skyrmion"
    return {"texture": f"{name} ({drive})", "j": j, "A_imp": _a_imp(p),
            "seed": int(p.study.lattice.impurities[0].seed) if p.study.lattice.impurities
            else 0, "v_x": float(v[0]), "distance": float(v[0]) * (p.in_tau(p.T - p.t0)),
            "alive": alive, "lost_at": math.nan if alive else float(t[-1])}


def _wall_row(p: Point) -> dict:
    w = wall_row(p)
    return {"texture": "Néel wall (SOT)", "j": w["j_s"], "A_imp": _a_imp(p),
            "seed": int(p.study.lattice.impurities[0].seed), "v_x": w["v_x"],
            "distance": w["v_x"] * p.in_tau(p.T - p.t0), "alive": True, "lost_at": math.nan}


def _with_moving(table: pd.DataFrame) -> pd.DataFrame:
    """Add each run's clean distance (same texture and current, A_imp = 0) and whether it
    moves."""
    clean = table[table.A_imp == 0].groupby(["texture", "j"]).distance.first()
    table = table.copy()
    table["clean_distance"] = [clean.get((r.texture, r.j), math.nan)
                               for r in table.itertuples()]
    table["moves"] = moving(table.distance, table.clean_distance, share=SHARE)
    return table


def _thresholds(table: pd.DataFrame) -> dict[tuple[str, float], Threshold]:
    """Each (texture, A_imp ≠ 0)'s threshold."""
    out = {}
    for (tex, a), sub in table[table.A_imp != 0].groupby(["texture", "A_imp"]):
        frac = sub.groupby("j").moves.mean()
        out[(tex, float(a))] = depinning_threshold(frac.index.to_numpy(), frac.to_numpy(),
                                                   at_least=AT_LEAST)
    return out


def _at(th: dict[tuple[str, float], Threshold], texture: str, a_imp: float) -> Threshold | None:
    """The threshold of ``texture`` at ``a_imp`` (A_imp compared to rounding: the table's
    values come through unit conversions)."""
    for (tex, a), t in th.items():
        if tex == texture and math.isclose(a, a_imp, rel_tol=1e-9):
            return t
    return None


@PAPER.analyse("fig10")
def fig10(inp: FigureInput) -> FigureResult:
    """Dirty tracks: who is pinned, the thresholds' order, the annihilation at the edge."""
    notes: list[str] = []
    fit = inp.param("fit_from")
    rows = [_skyrmion_row(p) for p in done(inp, ["dirty_neel", "dirty_stt"], notes, fit)]
    rows += [_wall_row(p) for p in done(inp, ["dirty_wall"], notes, fit)]
    edge = pd.DataFrame([_skyrmion_row(p) for p in done(inp, ["annihilation"], notes, fit)])
    table = _with_moving(pd.DataFrame(rows)) if rows else pd.DataFrame()
    res = FigureResult(table=table, notes=notes)
    res.data = {"table": table, "edge": edge}
    main_imp = inp.param("A_imp")
    if not table.empty:
        th = _thresholds(table)
        res.facts["thresholds"] = {f"{tex}, A_imp = {a:+g} J": str(t) for (tex, a), t in th.items()}
        res.data["thresholds"] = th
        walls = table[(table.texture == "Néel wall (SOT)") & np.isclose(table.A_imp, main_imp)]
        at = walls[np.isclose(walls.j, inp.param("pinned_js"))]
        res.facts["walls_moving"] = {f"{j:.3g}": f"{int(g.moves.sum())} of {len(g)}"
                                     for j, g in walls.groupby("j")}
        res.measured["wall_pinned"] = (
            Measured(float(1 - at.moves.mean()), {"pinned": int((~at.moves).sum()),
                                                  "of": len(at)}) if len(at) else
            Measured(None, why_untested="no dirty wall run at the paper's current"))
        sk = table[(table.texture == "Néel skyrmion (SOT)") & np.isclose(table.A_imp, main_imp)]
        top = sk[sk.j == sk.j.max()] if len(sk) else sk
        res.measured["neel_moves"] = (
            Measured(float((top.distance / top.clean_distance).mean()), {
                "j_s": float(top.j.iloc[0]),
                "dirty/clean": [round(float(r), 3) for r in top.distance / top.clean_distance]})
            if len(top) else Measured(None, why_untested="no dirty Néel skyrmion run"))
        tw, ts = _at(th, "Néel wall (SOT)", main_imp), _at(th, "Néel skyrmion (SOT)", main_imp)
        order = ts.below(tw) if tw is not None and ts is not None else None
        res.measured["threshold_order"] = Measured(
            order, {"Néel skyrmion": str(ts), "Néel wall": str(tw)},
            "" if order is not None else
            "no thresholds for both" if tw is None or ts is None else "the brackets overlap")
        tp = _at(th, "Néel skyrmion (SOT)", -main_imp)
        both = tp is not None and ts is not None
        # both moving at the lowest current run: the thresholds lie below it, unresolved
        unresolved = both and tp.lower == 0 and ts.lower == 0
        sign = tp.upper <= ts.upper if both and not unresolved else None
        res.facts["neel_unresolved"] = unresolved
        res.measured["impurity_sign"] = Measured(
            sign, {f"A_imp = {-main_imp:+g}": str(tp), f"A_imp = {main_imp:+g}": str(ts)},
            "" if sign is not None else
            "both signs move at the lowest current run: the thresholds lie below it, "
            "not resolved" if unresolved else "no runs of both signs")
        tt = _at(th, "Bloch skyrmion (STT)", main_imp)
        stt = table[(table.texture == "Bloch skyrmion (STT)") & np.isclose(table.A_imp, main_imp)]
        if len(stt):
            low = stt[stt.j == stt.j.min()]
            res.facts["stt_lowest"] = {"j": float(low.j.iloc[0]),
                                       "moving": f"{int(low.moves.sum())} of {len(low)}"}
        res.measured["stt_track_threshold"] = Measured(
            bool(tt.lower > 0) if tt is not None else None,
            {"threshold (A/m²)": str(tt)} if tt is not None else {},
            "" if tt is not None else "no dirty spin-transfer track run")
    else:
        for name in ("wall_pinned", "neel_moves", "threshold_order", "impurity_sign",
                     "stt_track_threshold"):
            res.measured[name] = Measured(None, why_untested="no dirty run finished")
    if edge.empty:
        for name in ("annihilation", "annihilation_current"):
            res.measured[name] = Measured(None, why_untested="no annihilation run finished")
        return res
    edge = edge.sort_values("j")
    res.data["edge"] = edge
    survives = edge[edge.alive]
    lost = edge[~edge.alive]
    res.measured["annihilation"] = Measured(
        bool(edge.alive.iloc[0] and not edge.alive.iloc[-1]),
        {"survives (A/m²)": survives.j.tolist(), "lost (A/m²)": lost.j.tolist()})
    first_lost = lost.j.min() if len(lost) else math.inf
    last_alive = survives[survives.j < first_lost].j.max() if len(survives) else 0.0
    if math.isfinite(first_lost) and last_alive > 0:
        j_ann = math.sqrt(first_lost * last_alive)
        res.facts["j_annihilation"] = j_ann
        res.measured["annihilation_current"] = Measured(
            abs(math.log2(j_ann / inp.spec.reference["j_annihilation"])),
            {"between (A/m²)": [float(last_alive), float(first_lost)],
             "paper (A/m²)": inp.spec.reference["j_annihilation"]})
    else:
        res.measured["annihilation_current"] = Measured(
            None, why_untested="the runs do not bracket an annihilation current")
    return res
