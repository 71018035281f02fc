"""Paper 002's finished points, opened once: a point's study, lattice units, texture field
(the Néel vector n for an antiferromagnet), Thiele tensors and fitted motion, shared by the
figures' analyses (``analyse.py``: Figs. 8, 9, 11 and Table 1; ``tracks.py``: the steady
track runs and the checks; ``dirty.py``: Fig. 10).

Everything is in the lattice's units: velocities in sites per τ (τ = μ_s/(γ|J|), Eq. 229),
currents by their drift speed ṽ_s = ħ p a² j_e/(2eJ) or rate c̃ = ħ a² j_s/(2eJ), which do
not depend on μ_s. A texture's position is the ring centre of its magnon density (of n for
the antiferromagnet, :func:`analysis.sublattice.neel_vector`), its velocity the least-squares
slope over the later part of the drive (``fit_from`` of the drive, a figure parameter);
``drift`` is the change of that velocity between the two halves of the window, relative to
its size. The tensors 𝒢, 𝒟, 𝒥 are integrated with second-order differences
(:func:`analysis.thiele.thiele_tensors`) from the relaxed state (frame 0 of the default time
axis) or, for a run with no minimisation (a track run started from an ansatz near its edge),
from its last frame, the texture as it moves; a wall's position is where m_z, averaged across
the track, crosses zero.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd

import analysis
from analysis.detection import find_objects
from analysis.sublattice import neel_vector
from analysis.thiele import thiele_tensors, thiele_velocity
from analysis.topology import topological_charge
from mmstudy.layout import OUTPUT_DIR, RUN_META
from mmstudy.spintorque import sot_rate
from orchestrator.papers import recipes as rx
from orchestrator.papers.paper import FigureInput
from orchestrator.study.model import Minimize

__all__ = ["NAMES", "HELICITY", "Point", "point", "done", "wrap", "wall_positions",
           "rate_tau", "wall_row"]

#: the DMI rules' names in the report
NAMES = {"bloch": "Bloch", "neel": "Néel", "antibloch": "anti-Bloch"}
#: the helicity each texture is expected to relax to (design §1.5, §4; notes-002 §8.4)
HELICITY = {("fm", "bloch"): 1.5 * math.pi, ("fm", "neel"): math.pi,
            ("afm", "bloch"): 0.5 * math.pi, ("afm", "neel"): math.pi}


def wrap(angle: float) -> float:
    """An angle in (−π, π]."""
    return float(np.angle(np.exp(1j * angle)))


class Point:
    """One finished point: its study, units, texture field (n for an antiferromagnet) and
    the drive's fitted velocity in sites per τ."""

    def __init__(self, pp, fit_from: float):
        self.pp, self.study = pp, pp.point.study
        self.params = pp.point.params
        self.units = self.study.lattice.units
        self.afm = self.study.lattice.J < 0
        ds = analysis.open_run(pp.folder)
        if self.afm:
            ds = neel_vector(ds.m).to_dataset(name="m").assign_attrs(ds.attrs)
        self.ds = ds
        self.alpha = self.study.material(self.study.regions[0].name).alpha
        #: whether the run starts with a minimisation (frame 0 is then the relaxed state)
        self.minimised = any(isinstance(s, Minimize) for s in self.study.stages)
        self.relaxed = ds.isel(t=[0 if self.minimised else -1]).load()
        self.tensors = thiele_tensors(self.relaxed.m, pbc=self.study.mesh.pbc)
        self.T = rx.evolve_duration(self.study)
        self.t0 = fit_from * self.T

    @functools.cached_property
    def track(self) -> pd.DataFrame:
        """The texture's track (every frame it is found in; SI positions and times)."""
        main, _ = rx.main_track(rx.largest_per_frame(find_objects(self.ds)))
        return main

    @functools.cached_property
    def motion(self) -> tuple[np.ndarray, float]:
        """:meth:`velocity`, computed once."""
        return self._velocity()

    def velocity(self) -> tuple[np.ndarray, float]:
        """The fitted velocity (sites/τ) and its drift between the two halves."""
        return self.motion

    def _velocity(self) -> tuple[np.ndarray, float]:
        main = self.track
        eps = 1e-6 * self.T
        whole = rx.driven_motion(main, transient=self.t0 - eps)
        mid = (self.t0 + self.T) / 2
        halves = [rx.driven_motion(main, transient=a - eps, t_stop=b + eps)
                  for a, b in ((self.t0, mid), (mid, self.T))]
        v = np.array([whole.v["vx"], whole.v["vy"]]) / self.units.velocity
        va, vb = (np.array([h.v["vx"], h.v["vy"]]) / self.units.velocity for h in halves)
        return v, float(np.hypot(*(va - vb)) / max(np.hypot(*v), 1e-300))

    def statics(self) -> dict:
        """Lattice charge, helicity and radius (sites) of the relaxed texture."""
        obj = rx.largest_per_frame(find_objects(self.relaxed)).iloc[0]
        q = float(topological_charge(self.relaxed, method="lattice").squeeze())
        kind = "afm" if self.afm else "fm"
        want = HELICITY[(kind, self.study.lattice.dmi)]
        eta = float(obj.helicity) % (2 * math.pi)
        return {"Q_lattice": q, "helicity_deg": math.degrees(eta),
                "helicity_err": abs(wrap(eta - want)),
                "radius_sites": float(obj.r_eq) / self.units.a,
                "G": self.tensors.gyro, "D": float(self.tensors.D[0, 0])}

    def sot(self) -> dict:
        return rx.sot_of(self.study)

    def current(self) -> tuple[str, float]:
        """The drive (``"STT"``: paper 002's electron current j_e, or ``"SOT"``: j_s) and
        its current density (A/m²)."""
        if "stt" in self.study.drives:
            return "STT", float(np.hypot(*self.study.drives["stt"].given_j[:2]))
        return "SOT", float(self.sot()["j"])

    def sites(self, v) -> np.ndarray:
        return np.asarray(v, float) / self.units.velocity

    def in_tau(self, t) -> np.ndarray:
        """Times (s) in units of τ."""
        return np.asarray(t, float) / self.units.time


#: points already opened in this process, by (folder, run.json's mtime, fit_from): Table 1
#: reads the runs Figs. 8, 9 and 11 analysed (a rerun point has a new run.json)
_OPENED: dict[tuple[str, int, float], Point] = {}


def point(pp, fit_from: float) -> Point:
    """The :class:`Point` of a planned point ``pp``, opened once per process."""
    meta = Path(pp.folder) / OUTPUT_DIR / RUN_META
    key = (str(pp.folder), meta.stat().st_mtime_ns if meta.is_file() else 0, fit_from)
    if key not in _OPENED:
        _OPENED[key] = Point(pp, fit_from)
    return _OPENED[key]


def done(inp: FigureInput, stems: list[str], notes: list[str], fit_from: float) -> list[Point]:
    """The finished points of the studies ``stems`` (each unfinished one noted)."""
    return [point(pp, fit_from) for stem in stems if stem in inp.runs
            for pp in rx.done_points(inp.runs[stem], notes)]


def wall_positions(profiles: np.ndarray, periodic: bool) -> np.ndarray:
    """Each wall's position (cells, unwrapped along a periodic x) in every frame: where
    m_z(x) changes sign, followed from frame to frame by the nearest crossing."""
    n = profiles.shape[1]
    out: list[list[float]] = []
    for prof in profiles:
        ext = np.append(prof, prof[0]) if periodic else prof
        k = np.where(np.diff(np.sign(ext)) != 0)[0]
        found = [(i + 0.5 + ext[i] / (ext[i] - ext[i + 1])) for i in k]
        if not out:
            out.append(sorted(found))
            continue
        row = []
        for prev in out[-1]:
            gaps = [((f - prev + n / 2) % n - n / 2) if periodic else f - prev for f in found]
            row.append(prev + min(gaps, key=abs) if gaps else math.nan)
        out.append(row)
    return np.asarray(out, dtype=float)


def rate_tau(p: Point) -> float:
    """The spin-orbit rate c in 1/τ (c̃ of Eq. 232)."""
    c = p.sot()
    return float(sot_rate(c["j"], theta_SH=c["theta_SH"], thickness=c["thickness"],
                          Ms=c["Ms"], gamma=p.units.gamma)) * p.units.time


def wall_row(p: Point) -> dict:
    """A reversed band in a periodic track: both walls' speed along x (sites/τ)."""
    mz = p.ds.m.sel(c="z").isel(z=0).mean("y").load()
    t = p.ds.t.values / p.units.time
    keep = t >= p.t0 / p.units.time - 1e-9
    pos = wall_positions(mz.values, periodic="x" in p.study.mesh.pbc)
    speeds = [float(np.polyfit(t[keep], pos[keep, j], 1)[0]) for j in range(pos.shape[1])]
    # the wall's width from m_z = tanh(s/Δ) near a wall of the relaxed state
    prof0 = mz.values[0]
    slope = np.max(np.abs(np.diff(prof0)))
    width = 1.0 / slope                            # |dm_z/ds| = 1/Δ at the centre
    c = p.sot()
    rate = rate_tau(p)
    free = p.sites(thiele_velocity(p.tensors, alpha=p.alpha, sot=c,
                                   gamma=p.units.gamma).velocity)
    return {"texture": "Néel wall", "rule": "wall", "case": "track_x", "j_s": float(c["j"]),
            "c_tau": rate, "v_x": float(np.mean(speeds)), "v_y": 0.0,
            "speed": abs(float(np.mean(speeds))), "thiele_x": free[0], "thiele_y": free[1],
            "ratio": abs(float(np.mean(speeds))) / math.hypot(*free),
            "angle_err": float("nan"), "width_sites": width,
            "walls_apart": float(abs(speeds[0] - speeds[-1])) if len(speeds) > 1 else 0.0,
            "one_d": math.pi * rate * width / (2 * p.alpha), "drift": float("nan")}
