"""A run's time axis: which study stage each frame and table row belongs to, and when.

:class:`_StageAxis` gives the frames (``frames``) and table rows (``rows``) of a run
their ``stage`` and ``stage_t`` (time since the stage started), from the built-in
solver's ``run.json`` (``stage_log``), the stages of a joined OOMMF run
(:func:`_join_stages`, which puts the stages' restarting clocks on one), OOMMF's own
headers, or a mumax3 point's ``point.json`` (:func:`_mx3_point_log`); it snaps the
times to their save grid where the run records its save intervals (the built-in
solver's ``run.json``; the study in the ``point.json`` of a mumax3 or OOMMF point of
``mmstudy run``) and resolves ``open_run(..., stage=)``.
:func:`_keep` picks the frames a view shows (at a repeated time, the last).
Times add and subtract exactly as written (:func:`_add`, :func:`_sub`, :func:`_grid`).
See :func:`analysis.runs.open_run` ("The time axis").
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from analysis.errors import FormatError
from analysis.ovf import read_ovf_header
from analysis.ovf_header import OVFHeader
from analysis.run_layouts import POINT_OUTPUT, RunFiles, _run_json
from analysis.table_rows import PartialRow
from analysis.tables import read_table
from mmstudy.layout import POINT_FILE

from mmstudy.timegrid import add_times, grid_time, sub_times

_TIME_RTOL = 1e-9
#: How far (as a fraction of the save interval) a mumax3 or OOMMF time may lie from its
#: grid time, stage start + n × interval, and still be read as it. Those solvers add
#: their steps in float64, so after N additions the clock is off by at most about
#: N × 2⁻⁵³ × t: below 1e-6 of the interval up to some 10⁹ steps × saves, far more than
#: any run takes. What is not rounding is much farther off: an adaptive step that
#: overshoots a save time does so by a fraction of a time step, typically ≳ 1e-4 of the
#: interval (and output every N steps, as OOMMF can schedule it, is on no time grid:
#: only the stages whose interval is known are snapped). Moving a time by at most 1e-6
#: of the interval cannot reorder two saves.
_GRID_RTOL = 1e-6
#: stage types that take no simulated time (as mumax3's minimize() and relax())
_TIMELESS_STAGES = {"minimize", "relax"}


def _on_grid(t: float, start: float, step: float, rtol: float = _GRID_RTOL,
             end: float | None = None) -> float:
    """``t`` as its grid time ``start + n × step`` (:func:`mmstudy.timegrid.grid_time`), or
    as ``end``, when it lies within ``rtol × step`` of it; else ``t`` unchanged."""
    if not step or not np.isfinite(t):
        return t
    g = _grid(start, round((t - start) / step), step)
    if abs(t - g) <= rtol * step:
        return g
    if end is not None and abs(t - end) <= rtol * step:
        return end
    return t


def _join_stages(run: RunFiles, partial_last_row: PartialRow, axis: "_StageAxis"
                 ) -> tuple[pd.DataFrame | None, Callable[[Path, float | None], float]]:
    """The stages' tables as one (``t`` shifted to the run's clock) and the function
    giving a snapshot's run time from its file and header time; the stages' start
    times go into ``axis.starts``. Times add exactly (:func:`_add`), so a stage that
    starts at 1e-10 puts its 5e-11 at 1.5e-10. Where the stage's save interval is known
    (``axis.grids``, from a point's ``point.json``), OOMMF's own clock (which restarts
    at 0 in each stage and adds its steps in floats) is first put on the grid
    (:func:`_on_grid`), the stage's end on its duration."""
    offsets: dict[int, float] = axis.starts
    grids = axis.grids

    def own(k: int, t: float) -> float:  # a time of stage k on OOMMF's clock, on the grid
        step, duration = grids.get(k, (None, None))
        return _on_grid(t, 0.0, step, end=duration) if step else t

    timeless: dict[int, bool] = {}
    frames = []
    units: dict[str, str] = {}
    offset = 0.0
    for k, _name, kind, table in run.stages:
        offsets[k] = offset
        timeless[k] = kind in _TIMELESS_STAGES
        end = 0.0
        if table is None and not timeless[k]:  # no table: the last snapshot's time
            times = [_header_time(f) for f, s in run.stage_of.items() if s == k]
            end = own(k, max((t for t in times if t is not None), default=0.0))
        if table is not None:
            df = read_table(table, partial_last_row=partial_last_row)
            units.update(df.attrs.get("units", {}))
            df = df.copy()
            if timeless[k] or "t" not in df.columns:
                df["t"] = offset
            else:
                own_t = [own(k, t) for t in df["t"].to_numpy(dtype=float)]
                if len(df):
                    end = own_t[-1]
                df["t"] = [_add(offset, t) for t in own_t]
            df["_stage"] = k
            frames.append(df)
        if not timeless[k]:
            offset = _add(offset, end)
    table_df = None
    if frames:
        table_df = pd.concat(frames, ignore_index=True, sort=False)
        table_df = table_df[["t", *[c for c in table_df.columns if c != "t"]]]
        table_df.attrs["units"] = {**units, "t": "s"}

    def clock(path: Path, time: float | None) -> float:
        k = run.stage_of[path]
        return offsets[k] if timeless[k] or time is None else _add(offsets[k], own(k, time))

    return table_df, clock


def _header_time(f: Path) -> float | None:
    """A snapshot's header time, None for a file whose header cannot be read (open_run
    refuses or skips such a frame itself)."""
    try:
        return read_ovf_header(f).time
    except FormatError:
        return None


_add, _sub, _grid = add_times, sub_times, grid_time  # mmstudy.timegrid, as the writer


#: OOMMF's "Stage simulation time: <t> s" in an OVF header's Desc lines
_STAGE_TIME = re.compile(r"Stage simulation time:\s*(\S+)\s*s\b", re.I)


def _repeat(counts: list[int], n: int) -> np.ndarray:
    """Stage index of each of ``n`` items, ``counts[k]`` of them in stage k (items beyond
    the counts belong to the last stage that has any)."""
    st = np.repeat(np.arange(len(counts)), np.maximum(np.asarray(counts, dtype=int), 0))[:n]
    if st.size < n:
        st = np.concatenate([st, np.full(n - st.size, st[-1] if st.size else 0)])
    return st.astype(int)


@dataclasses.dataclass
class _StageAxis:
    """Which study stage each frame and table row of a run belongs to, and when the
    stage started: from the built-in solver's ``run.json`` (``stage_log``), the
    stages of a joined OOMMF run, or OOMMF's own header (``Stage``, ``Stage simulation
    time``); else every frame is stage 0, started at t = 0."""

    source: Literal["log", "staged", "headers"]
    types: list[str]
    starts: dict[int, float]
    log: list[dict] = dataclasses.field(default_factory=list)
    stage_of: dict[Path, int] = dataclasses.field(default_factory=dict)
    #: read times near the save grid as the grid time: the built-in solver's within 1e-9
    #: relative (``grid_rtol`` None), mumax3's within ``grid_rtol`` × the interval
    snap: bool = True
    grid_rtol: float | None = None
    #: joined OOMMF stages: stage index -> (save interval, duration) where known
    grids: dict[int, tuple[float, float]] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, run: RunFiles) -> "_StageAxis":
        if run.stages:
            types = [t or "" for _, _, t, _ in run.stages]
            return cls("staged", types, {}, stage_of=run.stage_of,
                       grids=_oommf_point_grids(run.root, dict(zip(
                           [k for k, _, _, _ in run.stages], types))))
        if run.kind == "builtin":
            meta = _run_json(run.root) or {}
            log = meta.get("stage_log")
            log = log if isinstance(log, list) and all(isinstance(e, dict) for e in log) else []
            types = meta.get("stages")
            if not (isinstance(types, list) and all(isinstance(x, str) for x in types)
                    and len(types) >= len(log)):
                types = [str(e.get("type", "")) for e in log]
            if log:
                return cls("log", list(types), {k: float(e.get("start") or 0.0)
                                                for k, e in enumerate(log)}, log=log)
            return cls("headers", list(types), {})
        if run.kind == "mumax3":
            log = _mx3_point_log(run.root)
            if log:
                return cls("log", [e["type"] for e in log],
                           {k: e["start"] for k, e in enumerate(log)}, log=log,
                           grid_rtol=_GRID_RTOL)
        return cls("headers", [], {})

    def _snap(self, t: np.ndarray, st: np.ndarray) -> np.ndarray:
        """Times near their stage's save grid, as the grid time: within 1e-9 relative
        (the built-in solver's), or within ``grid_rtol`` of the interval (mumax3's)."""
        out = t.copy()
        for i, (ti, k) in enumerate(zip(t, st)):
            step = self.log[k].get("table_every") or self.log[k].get("save_every")
            if not step or not np.isfinite(ti):
                continue
            start = self.starts.get(int(k), 0.0)
            if self.grid_rtol is not None:
                out[i] = _on_grid(ti, start, step, self.grid_rtol)
                continue
            g = _grid(start, round((ti - start) / step), step)
            if abs(ti - g) <= _TIME_RTOL * max(abs(g), step):
                out[i] = g
        return out

    def frames(self, stacked: xr.DataArray, key: str, headers: list[OVFHeader],
               kept: list[int] | None = None, n_files: int | None = None) -> xr.DataArray:
        """``stacked`` with ``stage`` and ``stage_t`` along ``t`` (and exact times).
        ``kept``: the positions of its frames among the series' ``n_files`` files, when
        some were skipped (the stage counts of a log count every file)."""
        n = stacked.sizes["t"]
        t = stacked["t"].values.astype(float) if "t" in stacked.coords else None
        if self.source == "staged":
            st = np.array([self.stage_of[Path(h.path)] for h in headers], dtype=int)
        elif self.source == "log":
            counts = [int((e.get("saved") or {}).get(key, 0)) for e in self.log]
            if kept is None:
                st = _repeat(counts, n)
            else:
                st = _repeat(counts, n_files if n_files is not None else n)[kept]
            if t is not None and self.snap:
                t = self._snap(t, st)
                stacked = stacked.assign_coords(t=("t", t, stacked["t"].attrs))
        elif "stage" in stacked.coords:  # OOMMF's own stage numbers (one MIF, several stages)
            st = stacked["stage"].values.astype(int)
            for h, k, ti in zip(headers, st, t if t is not None else [None] * n):
                found = [_STAGE_TIME.search(d) for d in h.desc]
                found = [m for m in found if m]
                if ti is not None and found and int(k) not in self.starts:
                    try:
                        self.starts[int(k)] = _sub(ti, float(found[0].group(1)))
                    except ValueError:
                        pass
        else:
            st = np.zeros(n, dtype=int)
        start = np.array([self.starts.get(int(k), 0.0) for k in st])
        stage_t = (np.array([_sub(a, b) for a, b in zip(t, start)]) if t is not None
                   else np.full(n, np.nan))
        return stacked.assign_coords(stage=("t", st), stage_t=("t", stage_t, {"units": "s"}))

    def rows(self, df: pd.DataFrame) -> pd.DataFrame:
        """The table with ``_stage`` and ``_stage_t`` columns (and exact times)."""
        attrs = dict(df.attrs)
        df = df.copy()
        t = df["t"].to_numpy(dtype=float) if "t" in df.columns else None
        if "_stage" in df.columns:  # the joined OOMMF stages
            st = df["_stage"].to_numpy(dtype=int)
        elif self.source == "log":
            st = _repeat([int(e.get("rows") or 0) for e in self.log], len(df))
            if t is not None and self.snap:
                t = self._snap(t, st)
                df["t"] = t
        else:
            st = np.zeros(len(df), dtype=int)
        start = np.array([self.starts.get(int(k), 0.0) for k in st])
        df["_stage"] = st
        df["_stage_t"] = (np.array([_sub(a, b) for a, b in zip(t, start)]) if t is not None
                          else np.full(len(df), np.nan))
        df.attrs = attrs
        return df

    def resolve(self, stage: int | str | None, variables: Mapping[str, xr.DataArray],
                table: pd.DataFrame | None) -> int | None:
        """The stage index ``open_run(..., stage=)`` asks for (None: every stage)."""
        if stage is None:
            return None
        if stage == "last_evolve":
            evolves = [k for k, kind in enumerate(self.types) if kind == "evolve"]
            if not evolves:
                raise ValueError(f"stage='last_evolve': this run has no evolve stage "
                                 f"(stage types {self.types or 'unknown'})")
            return evolves[-1]
        if isinstance(stage, (bool, str)) or not isinstance(stage, (int, np.integer)):
            raise TypeError(f"stage must be an int or 'last_evolve', not {stage!r}")
        seen = [int(v["stage"].max()) for v in variables.values()
                if "stage" in v.coords and v.sizes.get("t", 0)]
        if table is not None and len(table):
            seen.append(int(table["_stage"].max()))
        n = max(len(self.types), 1 + max(seen, default=0))
        k = int(stage) + n if stage < 0 else int(stage)
        if not 0 <= k < n:
            raise ValueError(f"stage={stage}: this run has {n} stage(s) (0 to {n - 1})")
        return k


def _point_stages(root: Path, backend: str) -> list[dict]:
    """The study stages in the ``point.json`` beside ``root`` when ``root`` is the
    ``run.out`` of a point of ``mmstudy run`` on ``backend``; else []."""
    point = root.parent / POINT_FILE
    if root.name != POINT_OUTPUT or not point.is_file():
        return []
    try:
        info = json.loads(point.read_text())
        if info.get("backend") != backend:
            return []
        stages = info["study"]["stages"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    return stages if isinstance(stages, list) and all(isinstance(s, dict) for s in stages) \
        else []


def _oommf_point_grids(root: Path, types: Mapping[int, str]) -> dict[int, tuple[float, float]]:
    """For the joined OOMMF stages of a point of ``mmstudy run``: each evolve stage's
    table interval (``table_every``, else ``save_every``: a row at the end of each OOMMF
    driver stage of that length, ``orchestrator/backends/oommf.py``) and duration, from
    the study in ``point.json``; {} where the stages do not match the study's."""
    stages = _point_stages(root, "oommf")
    grids: dict[int, tuple[float, float]] = {}
    try:
        for k, kind in types.items():
            st = stages[k] if 0 <= k < len(stages) else {}
            if str(st.get("type", "evolve")) != (kind or "evolve") or not st:
                return {}
            if kind == "evolve":
                step = float(st.get("table_every") or st["save_every"])
                if step > 0:
                    grids[k] = (step, float(st["duration"]))
    except (KeyError, TypeError, ValueError):
        return {}
    return grids


def _mx3_point_log(root: Path) -> list[dict]:
    """For a mumax3 run in a point folder of ``mmstudy run`` (``run.out/`` beside
    ``point.json``), the stages as the built-in solver's ``stage_log`` records them: what
    mmstudy's mumax3 script saves per stage (``orchestrator/backends/mx3_plan.py``: the
    initial ``m`` and row in stage 0; one of each after a minimize/relax; per evolve
    stage ``floor(duration / table_every)`` rows and every ``ratio``-th an ``m``); [] for
    anything else."""
    point = root.parent / POINT_FILE
    if root.name != POINT_OUTPUT or not point.is_file():
        return []
    try:
        info = json.loads(point.read_text())
        if info.get("backend") != "mumax3":
            return []
        log, start = [], 0.0
        for k, st in enumerate(info["study"]["stages"]):
            kind = str(st.get("type", "evolve"))
            entry = {"type": kind, "start": start, "save_every": None, "table_every": None}
            if kind == "evolve":
                dur, save = float(st["duration"]), float(st["save_every"])
                te = float(st.get("table_every") or save)
                ratio = max(int(round(save / te)), 1)
                n_table = int(np.floor(dur / te + 1e-9))
                entry.update(save_every=save, table_every=te,
                             saved={"m": n_table // ratio}, rows=n_table)
                start = _add(start, dur)
            else:
                entry.update(saved={"m": 1}, rows=1)
            if k == 0:
                entry["saved"]["m"] += 1
                entry["rows"] += 1
            log.append(entry)
        return log
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def _keep(t: np.ndarray | None, stages: np.ndarray, chosen: int | None) -> np.ndarray:
    """Frames (or rows) of stage ``chosen``; for None, every frame but those followed by
    one at the same time (at a repeated time the last, e.g. the relaxed state, is kept)."""
    if chosen is not None:
        return np.asarray(stages) == chosen
    keep = np.ones(len(stages), dtype=bool)
    if t is not None and len(t) > 1:
        keep[:-1] = np.asarray(t)[1:] != np.asarray(t)[:-1]
    return keep
