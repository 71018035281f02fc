"""Resuming an interrupted built-in run where it stopped, so a long drive spans sessions.

When a point is run again after its worker was interrupted (Ctrl-C, a lost machine, a
cluster's wall time), dispatch first moves the earlier attempt's files to
``attempts/<n>/`` (:func:`orchestrator.dispatch.folders.archive_attempt`; nothing is
deleted). :func:`find_resume` looks at the latest attempt: when its ``run.out/`` is the
built-in solver's, of the same study (its ``builtin.json``) and the same solver code, was
not finished, and got past its first stage, the new attempt continues it:

* the stages it completed are kept (their snapshots and table rows copied into the new
  ``run.out/``, their ``stage_log`` entries kept);
* the stage it was in continues from its last saved snapshot, in full precision
  (``checkpoint.npz``, :class:`orchestrator.solver.output.RunWriter`), at that
  snapshot's time, with the same save grid and the drives' clock at the stage's start;
  rows written after that snapshot are dropped (they are recomputed);
* later stages run as usual.

A fixed-step integrator (``rk4``, ``heun``) then gives the same trajectory as an
uninterrupted run (the save interval is a multiple of the step); the adaptive ``rk45``
restarts its step size, so the trajectory differs at the level of its tolerance.
``run.json`` records each resumption (``resumed``: the attempt, the stage, the time), and
the worker's log says so. What cannot be continued this way starts afresh: an attempt that
failed (an error, not an interruption), one interrupted in its first stage, a stage saving
more than ``m``, a study with a temperature (its noise generator would start its sequence
again), a different study or code, an attempt whose files cannot be read.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np

from mmstudy.layout import (ATTEMPTS_DIR, BUILTIN_SOLVER, CHECKPOINT, OUTPUT_DIR, RUN_META,
                            TABLE_FILE)
from orchestrator.study.model import Evolve, Study
from orchestrator.study.sweep import study_data

__all__ = ["Resume", "find_resume", "copy_kept"]

#: the study a built-in point folder was rendered from (BuiltinBackend.render)
STUDY_FILE = "builtin.json"
#: a run.json status that an attempt cut short leaves ("running": the process was killed);
#: a failed run (an error, a NaN) is not continued
_RESUMABLE = ("running", "interrupted")


@dataclasses.dataclass
class Resume:
    """Where an interrupted attempt's run stopped, and what of it is kept.

    Attributes
    ----------
    attempt : Path
        The earlier attempt's ``run.out/``.
    stage : int
        The stage to continue (its earlier stages are complete).
    frames, rows : int
        The snapshots of ``m`` and the table rows kept (from the run's start).
    since : (dict, int)
        Snapshot counters and rows where ``stage`` began (for its ``stage_log`` entry).
    t : float
        The time the run continues from (the last kept snapshot's).
    m : ndarray
        The state there, ``(nz, ny, nx, 3)``, full precision.
    meta : dict
        The attempt's ``run.json`` with the ``stage_log`` of the kept stages only.
    """

    attempt: Path
    stage: int
    frames: int
    rows: int
    since: tuple[dict[str, int], int]
    t: float
    m: np.ndarray
    meta: dict



def _expected(study: Study, k: int) -> tuple[int, int]:
    """Snapshots of m and table rows a complete stage ``k`` writes (stage 0 also holds
    the initial state)."""
    st = study.stages[k]
    first = 1 if k == 0 else 0
    if isinstance(st, Evolve):
        table = st.table_every or st.save_every
        return first + round(st.duration / st.save_every), first + round(st.duration / table)
    return first + 1, first + 1


def _latest_attempt(folder: Path) -> Path | None:
    base = folder / ATTEMPTS_DIR
    numbers = sorted((int(p.name) for p in base.iterdir() if p.name.isdigit()),
                     reverse=True) if base.is_dir() else []
    return base / str(numbers[0]) if numbers else None


def find_resume(folder: str | Path, study: Study, code: str) -> Resume | None:
    """How to continue the latest interrupted attempt of the point ``folder``, or None
    when it cannot be (see the module docstring). ``code`` is the solver's code
    fingerprint, which must equal the attempt's."""
    attempt = _latest_attempt(Path(folder))
    if attempt is None or study.temperature > 0:
        return None
    if any(f != ["m"] for f in (getattr(s, "fields", ["m"]) for s in study.stages)):
        return None
    run = attempt / OUTPUT_DIR
    try:
        meta = json.loads((run / RUN_META).read_text())
        same = json.loads((attempt / STUDY_FILE).read_text()) == \
            json.loads(json.dumps(study_data(study)))
        ck = np.load(run / CHECKPOINT)
        m_last, t_last, frame = ck["m"], float(ck["t"]), int(ck["frame"])
        if not (isinstance(meta, dict) and same and meta.get("solver") == BUILTIN_SOLVER
                and meta.get("code") == code and meta.get("status") in _RESUMABLE):
            return None
        frames = frame + 1
        needed = [f"m{i:06d}.ovf" for i in range(frames)] + ["Msat.ovf", TABLE_FILE]
        if not all((run / name).is_file() for name in needed):
            return None
        done, m_count, rows, log = _complete_stages(meta.get("stage_log"), study, frames)
        if done == 0 or done >= len(study.stages):
            return None
        kept_rows = rows + (_rows_until(run / TABLE_FILE, rows, t_last)
                            if isinstance(study.stages[done], Evolve) else 0)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # an attempt we cannot read is not continued (it stays in attempts/)
    return Resume(attempt=run, stage=done, frames=frames, rows=kept_rows,
                  since=({"m": m_count}, rows), t=t_last, m=m_last,
                  meta={**{k: v for k, v in meta.items() if k != "stage_log"},
                        "stage_log": log})


def _complete_stages(stage_log, study: Study, frames: int) -> tuple[int, int, int, list]:
    """The prefix of ``stage_log`` whose stages wrote all their snapshots and rows:
    (how many, their snapshots, their rows, their entries)."""
    done, m_count, rows, log = 0, 0, 0, []
    for k, entry in enumerate(stage_log if isinstance(stage_log, list) else []):
        if k >= len(study.stages) or not isinstance(entry, dict):
            break
        want_m, want_rows = _expected(study, k)
        saved = entry.get("saved")
        if (not isinstance(saved, dict) or saved.get("m") != want_m
                or entry.get("rows") != want_rows or m_count + want_m > frames):
            break
        done, m_count, rows = k + 1, m_count + want_m, rows + want_rows
        log.append(entry)
    return done, m_count, rows, log


def _rows_until(table: Path, skip: int, t: float) -> int:
    """How many table rows after the first ``skip`` have times ≤ ``t`` (the rows of the
    continued stage up to its last snapshot)."""
    n = 0
    with open(table, encoding="utf-8") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    for ln in lines[skip:]:
        try:
            when = float(ln.split("\t", 1)[0])
        except ValueError:
            break
        if when > t * (1 + 1e-12) + 1e-300:
            break
        n += 1
    return n


def copy_kept(resume: Resume, out: str | Path) -> None:
    """Copy what the new attempt keeps of the old run into ``out`` (created): the kept
    snapshots, ``Msat.ovf``, the table's header and kept rows, the checkpoint."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    src = resume.attempt
    for name in ("Msat.ovf", CHECKPOINT):
        shutil.copy2(src / name, out / name)
    for i in range(resume.frames):
        shutil.copy2(src / f"m{i:06d}.ovf", out / f"m{i:06d}.ovf")
    with open(src / TABLE_FILE, encoding="utf-8") as fh:
        lines = fh.readlines()
    head = [ln for ln in lines if ln.startswith("#")]
    body = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    with open(out / TABLE_FILE, "w", encoding="utf-8") as fh:
        fh.writelines(head + body[:resume.rows])
