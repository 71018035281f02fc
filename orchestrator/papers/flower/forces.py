"""Paper 004's Fig. 4 from the pulse runs: the forces on the skyrmion, their balance, and
its deformation modes (design ``docs/design/flower.md`` §3.2 Fig. 4, §4.3, §4.4).

For every frame with the term fields saved (the pulse's first 2 ns, 1 ns in quick mode):

* the paper's forces ``F_μ = ∬_R −∇ε_μ dS`` (its Eqs. 6c–6d) for μ = ex, dm, pma, dem, st
  from the energy-density maps (:func:`analysis.energy.energy_densities`), one-sided at
  the flower's edge, over the two readings of its undefined region
  (:func:`analysis.balance.skyrmion_regions`: the reversed core, and a disk of 2R₀);
* the Thiele forces of the same terms over the disk (the part of ∂_i m ⊥ m) and the
  force from the motion alone (:func:`analysis.balance.dynamic_force`): their difference
  is the closure residual of the LLG's exact identity;
* the rigid-motion force ``G×v + α𝒟v`` from the tracked centre (how rigid the motion is);
* at 0.6 ns the contour's Fourier modes (Eq. 16) and Eq. (15) evaluated on that contour,
  with exact coefficient functions (zero: translation invariance) and with the paper's
  fits (:mod:`analysis.deformed_skyrmion`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import analysis
from analysis.balance import dynamic_force, skyrmion_regions
from analysis.charges import charge_density, charge_moments, edge_charge
from analysis.deformed_skyrmion import coefficients, eq15_forces, r_of_phi_from_modes
from analysis.energy import energy_densities
from analysis.forces import energy_density_force, term_forces, trajectory_force
from analysis.thiele import thiele_tensors
from mmstudy.constants import MU0
from orchestrator.papers import recipes as rx
from orchestrator.papers.claims import Measured
from orchestrator.papers.flower import PAPER
from orchestrator.papers.flower.analyse import _skyrmion
from orchestrator.papers.paper import FigureInput, FigureResult

__all__ = ["fig4", "run_forces", "TERMS"]

#: the paper's force labels → the built-in solver's saved term fields
TERMS = {"ex": "exch", "dm": "DMI", "pma": "anis", "dem": "Demag", "st": "strain"}
NM, PN = 1e-9, 1e-12


def _field_frames(ds) -> np.ndarray:
    """Frames where every term field was saved (not the first frame, not minimise stages)."""
    ok = np.ones(ds.sizes["t"], dtype=bool)
    for term in TERMS.values():
        ok &= ~ds[f"H_{term}"].isnull().all([d for d in ds[f"H_{term}"].dims if d != "t"]).values
    return np.flatnonzero(ok)


def run_forces(ds, study, *, transient: float = 0.0) -> dict:
    """Everything Fig. 4 needs from one pulse run (see the module docstring); the closure
    residual is judged from ``transient`` (s) on, the earlier frames' kept apart."""
    sub = ds.isel(t=_field_frames(ds)).load()
    t = sub.t.values.astype(float)
    ms = sub.Ms.isel(t=0) if "t" in sub.Ms.dims else sub.Ms
    valid = (ms.isel(z=0) if "z" in ms.dims else ms).transpose("y", "x").values > 0
    x, y = sub.x.values, sub.y.values
    objs, core, disk = [], [], []
    for k in range(len(t)):
        frame = sub.isel(t=[k])
        sk = _skyrmion(frame)
        if sk is None:
            raise ValueError(f"no skyrmion at t = {t[k]:.3g} s: Fig. 4 needs one in every frame")
        objs.append(sk)
        mz = frame.m.isel(t=0, z=0).sel(c="z").values if "c" in frame.m.coords \
            else frame.m.isel(t=0, z=0).values[..., 2]
        r = skyrmion_regions(mz, valid, x, y, (sk.x_q, sk.y_q), sk.mode_0)
        core.append(r["core"])
        disk.append(r["disk"])
    objs = pd.DataFrame(objs).reset_index(drop=True)
    regions = {"core": np.stack(core), "disk": np.stack(disk)}
    eps = energy_densities(sub, list(TERMS.values()))
    cell = sub.attrs["cell"]
    rows = []
    for k in range(len(t)):
        for rname, masks in regions.items():
            for mu, term in TERMS.items():
                fx, fy = energy_density_force(eps[f"eps_{term}"].isel(t=k).transpose("y", "x").values,
                                              cell=cell, region=masks[k], valid=valid)
                rows.append((t[k], rname, mu, fx, fy))
    paper = pd.DataFrame(rows, columns=["t", "region", "term", "Fx", "Fy"])
    alpha = study.material(study.regions[0].name).alpha
    thiele = term_forces(sub, region=regions["disk"], perpendicular=True,
                         terms=[f"H_{v}" for v in TERMS.values()])
    lhs = thiele.groupby("t")[["Fx", "Fy"]].sum().to_numpy()
    rhs = dynamic_force(sub, alpha=alpha, region=regions["disk"])
    both = lhs[1:-1]
    miss = np.abs(both - rhs[["Fx", "Fy"]].to_numpy()).max(axis=1) / np.abs(both).max()
    late = rhs.t.to_numpy() >= transient - 1e-15
    closure = float(miss[late].max()) if late.any() else float("nan")
    early = float(miss[~late].max()) if (~late).any() else float("nan")
    # the rigid version: G×v + α𝒟v with v from the tracked centre, G and 𝒟 on the disk
    vx, vy = np.gradient(objs.x_q.to_numpy(), t), np.gradient(objs.y_q.to_numpy(), t)
    Ms = float(ms.max())
    rigid = np.array([trajectory_force(thiele_tensors(sub.isel(t=[k]), region=regions["disk"][k]),
                                       (vx[k], vy[k]), alpha, Ms=Ms, gamma=study.gamma0(
                                           study.regions[0].name) / MU0)
                      for k in range(len(t))])
    gap = np.linalg.norm(rigid - lhs, axis=1) / np.linalg.norm(lhs, axis=1)
    balance = pd.DataFrame({"t": t, "thiele_x": lhs[:, 0], "thiele_y": lhs[:, 1],
                            "rigid_x": rigid[:, 0], "rigid_y": rigid[:, 1]})
    balance = balance.merge(rhs.rename(columns={"Fx": "motion_x", "Fy": "motion_y"}),
                            on="t", how="left")
    return {"paper": paper, "balance": balance, "closure": closure, "closure_early": early,
            "rigid_gap": float(np.median(gap)), "objects": objs.assign(t=t)}


def _at(objs: pd.DataFrame, t: float) -> pd.Series:
    """The object of the frame nearest ``t``."""
    return objs.iloc[int(np.argmin(np.abs(objs.t.to_numpy() - t)))]


def eq15_on_contour(sk: pd.Series, study, K_s: float, phi_s: float) -> dict:
    """Eq. (15) on a measured contour: exact coefficients and the paper's fits (N)."""
    mat = study.material(study.regions[0].name)
    K_eff = mat.K - MU0 * mat.Ms ** 2 / 2   # the thin film's effective anisotropy
    w = math.sqrt(mat.A / K_eff)            # the 360° wall's width [A]: not given by the paper
    R = r_of_phi_from_modes(sk.mode_0, [sk[f"mode_{n}"] for n in range(1, 5)],
                            [sk[f"phase_{n}"] for n in range(1, 5)])
    d = study.mesh.cell[2] * study.mesh.cells[2]
    out = {"w_nm": w / NM}
    for fits in ("exact", "paper"):
        f = eq15_forces(R, w=w, A=mat.A, D=mat.dmi[0].D, K_s=K_s, d=d, phi_s=phi_s, fits=fits)
        out[fits] = {k: [float(v) for v in getattr(f, k)] for k in ("F_dm", "F_ex", "F_st")}
    return out


def _charges(ds, sk: pd.Series) -> dict:
    """σ_m and the edge's line charge at the frame of ``sk`` (the paper's Fig. 6), and the
    skyrmion's charge and dipole over the disk of 2R₀ (its Eq. 21)."""
    k = int(np.argmin(np.abs(ds.t.values - sk.t)))
    frame = ds.isel(t=[k]).load()
    sigma = charge_density(frame)
    edge = edge_charge(frame)
    x, y = sigma.x.values, sigma.y.values
    X, Y = np.meshgrid(x, y)
    disk = np.hypot(X - sk.x_q, Y - sk.y_q) <= 2 * sk.mode_0
    Q, P = charge_moments(sigma, region=disk, centre=(sk.x_q, sk.y_q))
    scale = float(np.abs(sigma.values[disk]).sum() * (x[1] - x[0]) * (y[1] - y[0]))
    return {"sigma": sigma, "edge": edge, "Q_m": Q, "P_m": P, "abs_m": scale,
            "t": float(ds.t[k])}


@PAPER.analyse("fig4")
def fig4(inp: FigureInput) -> FigureResult:
    """The forces of the pulse runs (claims judged on the paper's K_s = 0.20 MJ/m³)."""
    notes: list[str] = []
    rows, data = [], {}
    t06 = float(inp.param("modes_at_ns")) * 1e-9
    for pp in rx.done_points(inp.run, notes):
        study = pp.point.study
        K_s = study.drives["strain"].K
        axis = study.drives["strain"].axis
        ds = analysis.open_run(pp.folder)
        res = run_forces(ds, study, transient=float(inp.param("transient_ns")) * 1e-9)
        sk = _at(res["objects"], t06)
        res["charges"] = _charges(ds, sk)
        res["modes"] = {n: float(sk[f"mode_{n}"]) for n in range(5)}
        res["t_modes"] = float(sk.t)
        res["eq15"] = eq15_on_contour(sk, study, K_s, math.atan2(axis[1], axis[0]))
        data[K_s / 1e6] = res
        p = res["paper"]
        p = p.assign(F=np.hypot(p.Fx, p.Fy))
        for (region, term), g in p.groupby(["region", "term"], sort=False):
            i = g.F.idxmax()
            at = g.iloc[int(np.argmin(np.abs(g.t.to_numpy() - t06)))]
            rows.append({"K_s": K_s / 1e6, "region": region, "term": term,
                         "Fmax_pN": g.F.max() / PN, "t_max_ns": g.t[i] / 1e-9,
                         "Fx06_pN": at.Fx / PN, "Fy06_pN": at.Fy / PN})
    table = pd.DataFrame(rows)
    if table.empty:
        return FigureResult(table, notes=notes)
    ref = data.get(0.20)
    first = ref if ref is not None else next(iter(data.values()))
    shown = {"runs": data, "t_modes_ns": first["t_modes"] / 1e-9,
             "w_nm": first["eq15"]["w_nm"], "study": inp.run.study}
    if ref is None:
        notes.append("no run at the paper's K_s = 0.20 MJ/m³: the claims are not tested")
        return FigureResult(table, shown, {}, notes=notes)
    core = table[np.isclose(table.K_s, 0.20) & (table.region == "core")].set_index("term").Fmax_pN
    disk = table[np.isclose(table.K_s, 0.20) & (table.region == "disk")].set_index("term").Fmax_pN
    ranked = list(core.sort_values(ascending=False).index)
    shown["ranking"] = {"core": ranked, "disk": list(disk.sort_values(ascending=False).index)}
    shown["largest_pN"] = {"core": float(core.max()), "disk": float(disk.max())}
    scale = max(abs(math.log10(core[mu] * PN / 5.7e-12)) for mu in ("ex", "pma"))
    modes = ref["modes"]
    c10 = coefficients(10.0)
    exact = ref["eq15"]["exact"]
    measured = {
        "force_scale": Measured(scale, {"ex_pN": core["ex"], "pma_pN": core["pma"],
                                        "disk_ex_pN": disk["ex"], "disk_pma_pN": disk["pma"]}),
        "ex_pma_largest": Measured(set(ranked[:2]) == {"ex", "pma"},
                                   {"ranking": ranked, "disk_ranking": shown["ranking"]["disk"]}),
        "dem_st_small": Measured(max(core["dem"], core["st"]) * PN,
                                 {"dem_pN": core["dem"], "st_pN": core["st"]}),
        "closure_exact": Measured(ref["closure"], {"before_transient_end": ref["closure_early"]}),
        "closure_rigid": Measured(ref["rigid_gap"]),
        "modes_123": Measured(min(modes[1], modes[2], modes[3]) > modes[4],
                              {f"a{n}_nm": modes[n] / NM for n in range(1, 5)}),
        "I_limits": Measured(max(abs(float(c10.I1) + 2), abs(float(c10.I3) - 4))),
        "eq15_vanishes": Measured(max(math.hypot(*v) for v in exact.values()),
                                  {k: [f"{c:.2e}" for c in v] for k, v in exact.items()}),
        "charges": Measured(abs(ref["charges"]["Q_m"]) / ref["charges"]["abs_m"],
                            {"Q_m_Am": ref["charges"]["Q_m"],
                             "P_m_Am2": [float(v) for v in ref["charges"]["P_m"]]}),
        "paper_fits_force": Measured(
            max(math.hypot(*v) for v in ref["eq15"]["paper"].values()),
            {k: [f"{c:.2e}" for c in v] for k, v in ref["eq15"]["paper"].items()}),
    }
    return FigureResult(table, shown, measured, notes=notes)
