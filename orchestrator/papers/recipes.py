"""Analysis recipes more than one paper needs, over a study's point folders.

Each is a short composition of :mod:`analysis` functions with the choices a paper's
figure makes explicit as arguments:

* :func:`done_points` — the finished points of a run (the others named in ``notes``);
* :func:`largest_per_frame` — the skyrmion of each frame: its largest object;
* :func:`relaxed_state`, :func:`last_stage_frames` — the relaxed state a driven run
  starts from, and the frames of its last evolve stage;
* :func:`driven_motion` — a driven skyrmion's track and velocity after a transient, with
  :func:`thiele_sot_velocity`, the Thiele prediction from the relaxed state's tensors;
* :func:`diffusion` — pooled MSDs of Brownian replicas, short- and long-lag diffusion
  constants, with :func:`thiele_diffusion` beside them;
* :func:`count_in_region` — how many objects sit in a box, frame by frame.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from analysis.detection import find_objects
from analysis.fits import msd_slope
from analysis.kinematics import diffusion_constant, msd, velocity
from analysis.thiele import ThieleTensors, thiele_tensors, thiele_velocity
from analysis.tracking import count_in_mask, track
from mmstudy.constants import KB, MU0
from orchestrator.dispatch.folders import is_done
from orchestrator.study.model import Evolve, SOTDrive

__all__ = ["done_points", "largest_per_frame", "relaxed_state", "last_stage_frames",
           "mean_mz", "main_track", "driven_motion", "DrivenMotion", "thiele_sot_velocity",
           "diffusion", "Diffusion", "thiele_diffusion", "count_in_region", "evolve_duration",
           "pooled", "sot_of"]


def done_points(run, notes: list[str]) -> Iterator[Any]:
    """The distinct points of a :class:`~orchestrator.papers.pipeline.StudyRun` that
    finished; each other point adds a line to ``notes`` (its state, error and folder)."""
    for pp in run.points:
        if is_done(pp.folder):
            yield pp
        else:
            notes.append(f"{pp.describe()} not analysed: state {pp.state}"
                         + (f" ({pp.error})" if pp.error else "") + f", folder {pp.folder}")


def largest_per_frame(objs: pd.DataFrame, *, min_cells: int = 10, centre: str = "ring"
                      ) -> pd.DataFrame:
    """The largest object of each frame (the skyrmion), smaller ones left out as noise.

    ``centre="ring"`` puts ``x, y`` at the ring centre of the magnon density
    (``x_ring, y_ring``; right for a texture without inversion symmetry, whose Q-weighted
    centre sits off), ``"charge"`` keeps the Q-weighted centre.
    """
    objs = objs[objs.n_cells >= min_cells]
    if objs.empty:
        return objs
    big = objs.loc[objs.groupby("frame")["n_cells"].idxmax()].copy()
    if centre == "ring":
        big["x"], big["y"] = big["x_ring"], big["y_ring"]
    big.attrs = dict(objs.attrs)
    return big.sort_values("frame").reset_index(drop=True)


def mean_mz(m: xr.DataArray, Ms: xr.DataArray | None = None) -> float:
    """⟨m_z⟩ over the magnetic cells (``Ms > 0``) of one frame."""
    mz = m.sel(c="z")
    return float(mz.where(Ms > 0).mean()) if Ms is not None else float(mz.mean())


def relaxed_state(ds: xr.Dataset) -> xr.DataArray:
    """m of the relaxed state of a run that starts with a minimisation: its first frame
    on the run's default time axis (the initial state shares t = 0 and is hidden,
    :func:`analysis.open_run`)."""
    return ds.m.isel(t=0)


def evolve_duration(study) -> float:
    """Simulated time of every evolve stage of ``study`` (s)."""
    return sum(s.duration for s in study.stages if isinstance(s, Evolve))


def last_stage_frames(ds: xr.Dataset, study) -> np.ndarray:
    """Frame indices of the last evolve stage: from its start time on, one frame per time
    (earlier stages thermalise or relax and are left out). Without an earlier evolve
    stage, from the first snapshot after the relaxed state."""
    evolves = [s for s in study.stages if isinstance(s, Evolve)]
    t_start = sum(s.duration for s in evolves[:-1])
    t = ds.t.values.astype(float)
    keep = t >= t_start - 1e-3 * evolves[-1].save_every
    keep[1:] &= np.diff(t) > 0  # a repeated time (the stage boundary) once
    first = np.flatnonzero(keep)
    if not evolves[:-1]:
        first = first[first >= 1]
    return first


def main_track(objs: pd.DataFrame, *, longest: bool = False) -> tuple[pd.DataFrame, int]:
    """(the skyrmion's track, how many tracks there were): the track of the first frame's
    object, or with ``longest`` the track seen in most frames."""
    tr = track(objs)
    which = tr.track.value_counts().idxmax() if longest else tr.track.iloc[0]
    return tr[tr.track == which].sort_values("frame"), int(tr.track.nunique())


@dataclasses.dataclass
class DrivenMotion:
    """A driven skyrmion: its track, the fit window and the fitted velocity (m/s)."""

    track: pd.DataFrame
    window: tuple[float, float]
    v: dict[str, float]

    @property
    def fitted(self) -> bool:
        return bool(np.isfinite(self.v.get("vx", np.nan)))


def driven_motion(main: pd.DataFrame, *, transient: float, t_stop: float | None = None,
                  min_frames: int = 3) -> DrivenMotion:
    """The velocity of a driven skyrmion's track over ``[transient, t_stop]`` (default to
    its last frame): :func:`analysis.kinematics.velocity` (least squares on the unwrapped
    track, with errors), NaN when fewer than ``min_frames`` frames lie in the window.
    ``main`` is a track of :func:`main_track`."""
    stop = float(main.t.max()) if t_stop is None else float(t_stop)
    win = (main.t >= transient) & (main.t <= stop)
    v = velocity(main, window=(transient, stop)) if win.sum() >= min_frames else \
        {"vx": np.nan, "vx_err": np.nan, "vy": np.nan, "vy_err": np.nan}
    return DrivenMotion(main, (transient, stop), dict(v))


def sot_of(study, material: str | None = None) -> dict[str, Any]:
    """The damping-like SOT drive of ``study`` as :func:`analysis.thiele.thiele_velocity`
    takes it (Ms of ``material``, default the first)."""
    drive = next(d for d in study.drives.values() if isinstance(d, SOTDrive))
    return {"j": drive.j, "theta_SH": drive.theta_SH, "p": tuple(drive.direction),
            "thickness": drive.thickness or study.mesh.size[2],
            "Ms": study.material(material or next(iter(study.materials))).Ms}


def thiele_sot_velocity(relaxed: xr.DataArray | xr.Dataset | ThieleTensors, study, *,
                        material: str | None = None, confine: str | None = None
                        ) -> np.ndarray:
    """The Thiele velocity (m/s) of the relaxed texture under the study's SOT drive,
    without any fitted constant; ``confine="x"`` holds it at fixed x (an interface)."""
    tt = relaxed if isinstance(relaxed, ThieleTensors) else \
        thiele_tensors(relaxed, pbc=study.mesh.pbc)
    mat = study.material(material or next(iter(study.materials)))
    sol = thiele_velocity(tt, alpha=mat.alpha, sot=sot_of(study, material), confine=confine)
    return np.asarray(sol.velocity, dtype=float)


@dataclasses.dataclass
class Diffusion:
    """Brownian replicas pooled: the MSD table (``tau, msd_x, msd_y``), the long-lag
    window, MSD_y/MSD_x over it, and D (m²/s) with errors: ``short[ax]`` (MSD = 2Dτ at
    the first lags) and ``long[ax]`` (slope of MSD = 2Dτ + b over the long lags), each
    ``(D, error)``, and the long fit's mean intercept along y."""

    msd: pd.DataFrame
    lags: tuple[int, int]
    dt: float
    ratio_y_over_x: float
    short: dict[str, tuple[float, float]]
    long: dict[str, tuple[float, float]]
    intercept_y: float


def pooled(values: Sequence[dict]) -> tuple[float, float]:
    """Mean of independent replica estimates ``{"D", "D_err"}`` and its error."""
    D = np.array([v["D"] for v in values])
    err = np.array([v["D_err"] for v in values])
    return float(D.mean()), float(np.sqrt(np.sum(err ** 2)) / D.size)


def diffusion(tracks: Sequence[pd.DataFrame], *, long_lag: float) -> Diffusion:
    """Diffusion of replicas of one walk (equal lengths; cut to the shortest).

    Lags from ``long_lag`` (s) to a third of the run count as long; the overlapping MSD of
    each replica is averaged over the replicas.
    """
    n = min(len(t) for t in tracks)
    mains = [t.iloc[:n] for t in tracks]
    dt = float(mains[0].t.iloc[1] - mains[0].t.iloc[0])
    k1 = max(1, int(round(long_lag / dt)))
    k2 = max(k1 + 2, (n - 1) // 3)
    lags = range(k1, k2 + 1)
    tables = [msd(m, max(k2, n // 2)) for m in mains]
    table = sum(t[["tau", "msd_x", "msd_y"]] for t in tables) / len(tables)
    part = table.loc[list(lags)]
    return Diffusion(
        msd=table, lags=(k1, k2), dt=dt,
        ratio_y_over_x=float(part.msd_y.mean() / part.msd_x.mean()),
        short={ax: pooled([diffusion_constant(m, ax) for m in mains]) for ax in "xy"},
        long={ax: pooled([msd_slope(m, ax, lags) for m in mains]) for ax in "xy"},
        intercept_y=float(np.mean([msd_slope(m, "y", lags)["intercept"] for m in mains])))


def thiele_diffusion(relaxed: xr.DataArray, study, T: float, *, material: str | None = None
                     ) -> tuple[float, float]:
    """(D along a confining line along y, D of a free skyrmion) in m²/s from the relaxed
    state's Thiele tensors: k_BT/(αΓ_yy) and k_BTαΓ/(G² + α²Γ²), with Γ = (Ms t/γ)𝒟 and
    G = (Ms t/γ)|𝒢| (the Einstein relation with the Thiele mobility)."""
    tt = thiele_tensors(relaxed, pbc=study.mesh.pbc)
    mat = study.material(material or next(iter(study.materials)))
    scale = mat.Ms * study.mesh.size[2] / (mat.gamma0 / MU0)
    G = abs(tt.G[0, 1]) * scale
    Gyy = tt.D[1, 1] * scale
    Gm = 0.5 * (tt.D[0, 0] + tt.D[1, 1]) * scale
    a = mat.alpha
    return KB * T / (a * Gyy), KB * T * a * Gm / (G ** 2 + a ** 2 * Gm ** 2)


def count_in_region(ds: xr.Dataset, box: tuple[float, float, float, float], *,
                    min_cells: int = 10, **find_kwargs) -> pd.Series:
    """How many objects (of at least ``min_cells`` cells) have their centre in ``box`` =
    ``(x0, x1, y0, y1)`` (m, cell-centre coordinates), per time; ``find_kwargs`` go to
    :func:`analysis.detection.find_objects`."""
    x0, x1, y0, y1 = box
    mask = (ds.x >= x0) & (ds.x <= x1) & (ds.y >= y0) & (ds.y <= y1)
    objs = find_objects(ds, **find_kwargs)
    if "n_cells" in objs:
        attrs = dict(objs.attrs)
        objs = objs[objs.n_cells >= min_cells]
        objs.attrs = attrs
    return count_in_mask(objs, mask.transpose("y", "x"))
