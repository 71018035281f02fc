"""Paper 004's Fig. 1(d, e): the energy of a skyrmion placed at each point of the flower.

The paper "produced isolated skyrmion at different positions" and computed the total
energy, without saying how the position was held (notes §3.1). Here: the **unrelaxed
ansatz** — a Néel skyrmion of the relaxed State I's contour radius (and wall width
√(A/K_eff)) superposed on the relaxed empty flower (so the edges keep their canting:
``m = normalise(m_empty + m_sk − ẑ)``), its energy evaluated once by the built-in solver
(every term of the study, demag included), for the paper's cap K_c = 0.93 MJ/m³ and for
K_c = 0.80 (no cap). Positions where the skyrmion would overlap the flower's edge
(the disk of its radius plus two wall widths is not all magnet) are left out: there the
unrelaxed ansatz is cut by the edge and its energy is not a skyrmion's. The energies are
an ansatz's, not a relaxed skyrmion's at a pinned place: the map's shape (where the
valleys are) is what it shows; its values carry the ansatz's error (~0.1 eV per skyrmion).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import analysis
from analysis.forces import disk_mask
from analysis.textures import skyrmion
from mmstudy.constants import MU0
from orchestrator.backends.builtin import build_simulation
from orchestrator.papers import recipes as rx
from orchestrator.papers.claims import Measured
from orchestrator.papers.flower import PAPER
from orchestrator.papers.flower.analyse import (EV, NM, _centre, _skyrmion, petal_masks)
from orchestrator.papers.paper import FigureInput, FigureResult

__all__ = ["ansatz_state", "wall_width", "ansatz_energies", "landscape"]


def _with_cap(study, K_c: float):
    """The study with the cap's anisotropy set to ``K_c`` (J/m³)."""
    mats = dict(study.materials)
    mats["cap"] = mats["cap"].model_copy(update={"K": K_c})
    return study.model_copy(update={"materials": mats})


def ansatz_state(background: np.ndarray, x: np.ndarray, y: np.ndarray, centre, *,
                 radius: float, wall: float) -> np.ndarray:
    """The Néel skyrmion (helicity π, core down) superposed on ``background`` (ny, nx, 3):
    ``normalise(background + m_sk − ẑ)`` in the magnet, 0 in vacuum."""
    magnet = np.any(background != 0, axis=-1)
    sk = skyrmion(x, y, centre=centre, radius=radius, wall_width=wall, helicity=math.pi)
    m = background + sk - np.array([0.0, 0.0, 1.0])
    m /= np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-300)
    m[~magnet] = 0.0
    return m


def wall_width(study) -> float:
    """The ansatz's wall width √(A/K_eff), K_eff = K − μ0Ms²/2 of the film (m)."""
    mat = study.material(study.regions[0].name)
    return math.sqrt(mat.A / (mat.K - MU0 * mat.Ms ** 2 / 2))


def ansatz_energies(study, background: np.ndarray, *, radius: float, step: float,
                    K_c: float) -> pd.DataFrame:
    """Total energy (J) of the ansatz skyrmion at each grid point well inside the flower.

    Parameters
    ----------
    study : Study
        The empty flower's study (geometry, materials, terms).
    background : ndarray (ny, nx, 3)
        The relaxed empty flower (zero in vacuum).
    radius : float
        The skyrmion's contour radius (m).
    step : float
        Grid spacing of the positions (m); the grid holds the flower's centre.
    K_c : float
        The cap's anisotropy (J/m³).

    Returns
    -------
    DataFrame
        ``x``, ``y`` (m), ``E`` (J), and ``E_empty`` (J, the same for every row).
    """
    sim, _ = build_simulation(_with_cap(study, K_c))
    wall = wall_width(study)
    c = sim.mesh.coords()
    x, y = c["x"], c["y"]
    magnet = np.any(background != 0, axis=-1)
    sim.set_m(background[None])
    e_empty = sim.energy()
    reach = radius + 2 * wall
    # the grid holds the flower's centre (the paper's peak is "at the centre")
    cx, cy = _centre(study)
    xs = cx + step * np.arange(np.ceil((x[0] - cx) / step), np.floor((x[-1] - cx) / step) + 1)
    ys = cy + step * np.arange(np.ceil((y[0] - cy) / step), np.floor((y[-1] - cy) / step) + 1)
    rows = []
    for yc in ys:
        for xc in xs:
            if not magnet[disk_mask(x, y, (xc, yc), reach)].all() or \
                    not disk_mask(x, y, (xc, yc), reach).any():
                continue
            sim.set_m(ansatz_state(background, x, y, (xc, yc), radius=radius, wall=wall)[None])
            rows.append((xc, yc, sim.energy()))
    df = pd.DataFrame(rows, columns=["x", "y", "E"])
    df["E_empty"] = e_empty
    return df


def _in_petal(study, df: pd.DataFrame) -> np.ndarray:
    """The petal label of each position (None in the central triangle)."""
    masks = petal_masks(study)
    dx, dy = study.mesh.cell[0], study.mesh.cell[1]
    i = np.clip((df.y / dy).astype(int), 0, study.mesh.cells[1] - 1)
    j = np.clip((df.x / dx).astype(int), 0, study.mesh.cells[0] - 1)
    out = np.full(len(df), None, dtype=object)
    for label, mask in masks.items():
        out[mask[i, j]] = label
    return out


def _is_local_max(df: pd.DataFrame, k: int, step: float) -> bool:
    """Position k is higher than every grid neighbour that exists (8-neighbourhood)."""
    near = (np.abs(df.x - df.x[k]) <= step * 1.01) & (np.abs(df.y - df.y[k]) <= step * 1.01)
    near[k] = False
    return bool(near.any() and (df.E[near] < df.E[k]).all())


@PAPER.analyse("landscape")
def landscape(inp: FigureInput) -> FigureResult:
    """The ansatz energy maps for each K_c of the figure's parameters."""
    notes: list[str] = []
    empty = state_i = None
    for pp in rx.done_points(inp.run, notes):
        label = pp.point.params["label"]
        if label == "empty":
            empty = pp
        elif label == "I":
            state_i = pp
    if empty is None or state_i is None:
        notes.append("the landscape needs the relaxed empty flower and State I")
        return FigureResult(pd.DataFrame(), notes=notes)
    study = empty.point.study
    bg = analysis.open_run(empty.folder).isel(t=-1).m.isel(z=0).transpose("y", "x", "c").values
    sk = _skyrmion(analysis.open_run(state_i.folder).isel(t=[-1]).load())
    radius = float(sk.r_contour)
    step = float(inp.param("step_nm")) * NM
    centre = _centre(study)
    maps, rows, measured = {}, [], {}
    for K_c in inp.param("K_c"):
        df = ansatz_energies(study, bg, radius=radius, step=step, K_c=float(K_c) * 1e6)
        df["dE_eV"] = (df.E - df.E_empty) / EV
        df["petal"] = _in_petal(study, df)
        maps[float(K_c)] = df
        low = df.loc[df.E.idxmin()]
        k0 = int(np.argmin(np.hypot(df.x - centre[0], df.y - centre[1])))
        wells = {p: float(g.dE_eV.min()) for p, g in df.groupby("petal")}   # None: dropped
        rows.append({"K_c": float(K_c), "positions": len(df), "min_dE_eV": float(low.dE_eV),
                     "min_x_nm": low.x / NM, "min_y_nm": low.y / NM,
                     "min_where": low.petal if isinstance(low.petal, str) else "centre triangle",
                     "centre_dE_eV": float(df.dE_eV[k0]),
                     "centre_local_max": _is_local_max(df, k0, step),
                     **{f"well_{p}_eV": v for p, v in sorted(wells.items())}})
    table = pd.DataFrame(rows)
    by = {r.K_c: r for r in table.itertuples()}
    if 0.80 in by:
        measured["landscape_080_centre"] = Measured(by[0.80].min_where == "centre triangle",
                                                    {"lowest_at_nm": [by[0.80].min_x_nm,
                                                                      by[0.80].min_y_nm]})
    if 0.93 in by:
        r = by[0.93]
        wells = {p: getattr(r, f"well_{p}_eV", np.nan) for p in ("I", "II", "III")}
        in_petals = r.min_where in ("I", "II", "III") and \
            all(w < r.centre_dE_eV for w in wells.values())
        measured["landscape_093_petals"] = Measured(bool(in_petals and r.centre_local_max),
                                                    {"wells_eV": wells,
                                                     "centre_eV": r.centre_dE_eV,
                                                     "centre_local_max": r.centre_local_max})
        measured["barrier"] = Measured(r.centre_dE_eV - min(wells.values()))
    return FigureResult(table, {"maps": maps, "study": study, "radius": radius}, measured,
                        notes=notes)
