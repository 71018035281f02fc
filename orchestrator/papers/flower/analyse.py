"""Paper 004's figures from the point folders: the flower and its relaxed states (Fig. 1),
the K_s scan (does a pulse switch here?), and State I under the pulse at φ = 30° (Fig. 2).

The wells are the petals: a run's outcome is the petal its skyrmion's guiding centre ends
in (:func:`analysis.outcomes.classify` with the petals as masks; the cap and the triangle
are no well: "Elsewhere"). Petal k of the study's ``flower`` shape points along
``angle + k·120°``; with the default 90° petal 0 is the upper (State III), 1 the
left-down (II), 2 the right-down (I) — Fig. 2 ends "in State II" in the left-down petal
(design docs/design/flower.md §1.4).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import analysis
from analysis.detection import find_objects
from analysis.outcomes import classify
from mmstudy.constants import QE
from orchestrator.papers import recipes as rx
from orchestrator.papers.claims import Measured
from orchestrator.papers.flower import PAPER
from orchestrator.papers.paper import FigureInput, FigureResult
from orchestrator.study.raster import cell_centres, rasterize
from orchestrator.study.shapes import Flower

__all__ = ["fig1", "scan", "cap44", "fig2", "petal_masks", "flower_of"]

#: the state each petal holds, by the petal's number (angle + k·120° from 90°)
STATES = {0: "III", 1: "II", 2: "I"}
EV = QE  # J per eV
NM = 1e-9


def flower_of(study) -> Flower:
    """The study's flower shape (its first region with one)."""
    for r in study.regions:
        if isinstance(r.shape, Flower):
            return r.shape
    raise ValueError(f"study {study.name}: no region is a flower")


def petal_masks(study) -> dict[str, np.ndarray]:
    """State label → boolean (y, x) mask of its petal (the half-ellipse, without the
    central triangle), on the study's cell centres (first layer)."""
    flower = flower_of(study)
    c = cell_centres(study.mesh.cells, study.mesh.cell)
    X, Y = np.meshgrid(c["x"], c["y"])
    return {STATES[k]: flower.model_copy(update={"petals": [k], "triangle": False})
            .contains(X, Y, np.zeros_like(X)) for k in range(3)}


def _centre(study) -> np.ndarray:
    return np.asarray(flower_of(study).centre)


def _skyrmion(frame) -> pd.Series | None:
    """The largest object of one frame (|Q| ≥ 0.5), or None."""
    objs = find_objects(frame, method="fd2")
    objs = objs[objs.Q.abs() >= 0.5] if len(objs) else objs
    if not len(objs):
        return None
    return objs.sort_values("n_cells").iloc[-1]


@PAPER.analyse("fig1")
def fig1(inp: FigureInput) -> FigureResult:
    """The flower's cells, and the relaxed states: charge, place, helicity, energy."""
    notes: list[str] = []
    rows, maps = [], {}
    raster = rasterize(inp.run.study)
    for pp in rx.done_points(inp.run, notes):
        study = pp.point.study
        ds = analysis.open_run(pp.folder)
        label = pp.point.params["label"]
        frame = ds.isel(t=[-1]).load()
        maps[label] = frame.m.isel(t=0, z=0)
        row = {"label": label, "E": float(ds.E_total.isel(t=-1))}
        sk = _skyrmion(frame)
        if sk is not None:
            c = _centre(study)
            out = classify(frame, petal_masks(study), initial=None)
            row.update(Q=float(sk.Q), x_nm=sk.x_q / NM, y_nm=sk.y_q / NM,
                       r_centre_nm=math.hypot(sk.x_q - c[0], sk.y_q - c[1]) / NM,
                       radius_nm=float(sk.r_contour) / NM,
                       helicity_deg=math.degrees(float(sk.helicity)) % 360,
                       petal=out.label)
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return FigureResult(table, notes=notes)
    order = {"empty": 0, "I": 1, "II": 2, "III": 3}
    table = table.sort_values("label", key=lambda s: s.map(order)).reset_index(drop=True)
    empty = table[table.label == "empty"]
    states = table[table.label != "empty"]
    measured: dict[str, Measured] = {}
    n_film = int(raster.mask("film").sum() + raster.mask("cap").sum())
    n_cap = int(raster.mask("cap").sum())
    cell = inp.run.study.mesh.cell
    cell_area = cell[0] * cell[1] / NM ** 2
    flower = flower_of(inp.run.study)
    cap_area = math.sqrt(3) / 4 * (25.4) ** 2
    measured["flower_cells"] = Measured(abs(n_film * cell_area - flower.area / NM ** 2),
                                        {"cells": n_film, "area_nm2": flower.area / NM ** 2})
    measured["cap_cells"] = Measured(abs(n_cap * cell_area - cap_area), {"cells": n_cap})
    if len(states):
        measured["q_states"] = Measured(float((states.Q.abs() - 1).abs().max()))
        measured["in_own_petal"] = Measured(bool((states.petal == states.label).all()),
                                            {"petal": dict(zip(states.label, states.petal))})
    if len(empty) and len(states):
        table["dE_eV"] = (table.E - float(empty.E.iloc[0])) / EV
        dE = table.set_index("label").dE_eV.drop("empty")
        measured["energies_equal"] = Measured(float((dE - dE.mean()).abs().max() / dE.mean()),
                                              {"dE_eV": dE.to_dict()})
        if {"I", "II"} <= set(dE.index):
            measured["mirror_exact"] = Measured(float(abs(dE["I"] - dE["II"]) / dE.mean()))
    return FigureResult(table.drop(columns="E"), {"maps": maps, "study": inp.run.study},
                        measured, notes=notes)


def _path(ds, study) -> pd.DataFrame:
    """The skyrmion's guiding centre frame by frame (t, x, y, Q, d from the flower's centre)."""
    c = _centre(study)
    rows = []
    for i in range(ds.sizes["t"]):
        frame = ds.isel(t=[i]).load()
        sk = _skyrmion(frame)
        t = float(ds.t[i])
        if sk is None:
            rows.append({"t": t, "x": np.nan, "y": np.nan, "Q": 0.0, "d": np.nan})
        else:
            rows.append({"t": t, "x": sk.x_q, "y": sk.y_q, "Q": float(sk.Q),
                         "d": math.hypot(sk.x_q - c[0], sk.y_q - c[1])})
    return pd.DataFrame(rows)


def _run_row(pp) -> tuple[dict, pd.DataFrame]:
    """The outcome of one pulse run and its path."""
    study = pp.point.study
    ds = analysis.open_run(pp.folder)
    out = classify(ds, petal_masks(study), initial="I")
    path = _path(ds, study)
    i_min = int(path.d.idxmin()) if path.d.notna().any() else None
    row = {"K_s": study.drives["strain"].K / 1e6, "outcome": out.label,
           "settled": out.settled, "Q_end": out.Q, "x_nm": out.x / NM, "y_nm": out.y / NM,
           "d_min_nm": path.d.min() / NM,
           "t_min_ns": path.t.iloc[i_min] / 1e-9 if i_min is not None else np.nan}
    return row, path


@PAPER.analyse("scan44")
@PAPER.analyse("scan76")
def scan(inp: FigureInput) -> FigureResult:
    """The outcome of each K_s run of one half of the gate (the figure's ``phi``, whose
    window's ``state`` the switching claims look for)."""
    phi, state = float(inp.param("phi")), inp.param("state")
    notes: list[str] = []
    rows, paths = [], {}
    for pp in rx.done_points(inp.run, notes):
        row, path = _run_row(pp)
        axis = pp.point.study.drives["strain"].axis
        row["phi_deg"] = round(math.degrees(math.atan2(axis[1], axis[0])) % 180, 6)
        rows.append(row)
        paths[row["K_s"]] = path
    table = pd.DataFrame(rows)
    if table.empty:
        return FigureResult(table, notes=notes)
    table = table.sort_values("K_s").reset_index(drop=True)
    if not np.allclose(table.phi_deg, phi):
        raise ValueError(f"figure {inp.spec.name}: runs at φ = {sorted(set(table.phi_deg))}°, "
                         f"its parameters say {phi:g}°")
    outcomes = table.outcome.tolist()
    # Block below the switching K_s, Disappear above it: the ranks never fall along K_s
    rank = {"Block": 0, "Disappear": 2}   # a switch (any other outcome) ranks 1
    ordered = bool(np.all(np.diff([rank.get(o, 1) for o in outcomes]) >= 0))
    at = table[np.isclose(table.K_s, 0.20)]
    paper = at.outcome.iloc[0] if len(at) else None
    measured = {
        "switching_exists": Measured(state in outcomes, {"outcomes": outcomes}),
        "paper_ks_switches": Measured(paper == state if paper is not None else None,
                                      {"outcome_at_0.20": paper},
                                      why_untested="no run at K_s = 0.20 MJ/m³"),
        "ordering": Measured(ordered),
    }
    return FigureResult(table, {"paths": paths, "study": inp.run.study, "phi": phi},
                        measured, notes=notes)


@PAPER.analyse("cap44")
def cap44(inp: FigureInput) -> FigureResult:
    """The outcome of each (K_c, K_s) run at φ = 44°."""
    notes: list[str] = []
    rows, paths = [], {}
    for pp in rx.done_points(inp.run, notes):
        row, path = _run_row(pp)
        row["K_c"] = pp.point.study.material("cap").K / 1e6
        rows.append(row)
        paths[(row["K_c"], row["K_s"])] = path
    table = pd.DataFrame(rows)
    if table.empty:
        return FigureResult(table, notes=notes)
    table = table.sort_values(["K_c", "K_s"]).reset_index(drop=True)
    outcomes = {f"K_c={r.K_c:.2f}, K_s={r.K_s:.2f}": r.outcome for r in table.itertuples()}
    measured = {"lower_cap_switches": Measured("II" in table.outcome.tolist(), outcomes)}
    return FigureResult(table, {"paths": paths, "study": inp.run.study}, measured, notes=notes)


@PAPER.analyse("fig2")
def fig2(inp: FigureInput) -> FigureResult:
    """State I under the pulse at φ = 30°: the path, d(t) and the outcome."""
    notes: list[str] = []
    rows, paths = [], {}
    full = None
    snapshots: dict[float, dict[float, object]] = {}
    times = [float(t) * 1e-9 for t in inp.param("times_ns")]
    for pp in rx.done_points(inp.run, notes):
        row, path = _run_row(pp)
        ds = analysis.open_run(pp.folder)
        frames = {}
        for t in times:   # the paper's snapshot times that this run has a frame at
            k = int(np.argmin(np.abs(ds.t.values - t)))
            if abs(float(ds.t[k]) - t) <= 1e-12:
                frames[t] = ds.m.isel(t=k, z=0).load()
        snapshots[row["K_s"]] = frames
        d0 = path.d.iloc[0]
        at1 = path[np.isclose(path.t, 1e-9, atol=1e-12)]
        row.update(d0_nm=d0 / NM, d1_nm=float(at1.d.iloc[0]) / NM if len(at1) else np.nan)
        rows.append(row)
        paths[row["K_s"]] = path
        full = rx.evolve_duration(pp.point.study) >= 6e-9 * (1 - 1e-9)
    table = pd.DataFrame(rows)
    if table.empty:
        return FigureResult(table, notes=notes)
    table = table.sort_values("K_s").reset_index(drop=True)
    paper = table[np.isclose(table.K_s, 0.20)]
    measured = {
        "toward_cap": Measured(float((table.d0_nm - table.d1_nm).min())),
        "paper_numbers_switch": Measured(
            bool(paper.outcome.iloc[0] == "II") if full and len(paper) else None,
            {"outcome": paper.outcome.iloc[0] if len(paper) else None},
            why_untested="quick mode runs the first ns only; the outcome is read at 6 ns"),
    }
    return FigureResult(table, {"paths": paths, "study": inp.run.study, "pulse_ns": 4.0,
                                "snapshots": snapshots}, measured, notes=notes)
