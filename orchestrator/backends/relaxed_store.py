"""Relaxed states shared between the points of a run: relax once, drive many times.

A sweep over what happens *after* a relaxation (currents, angles, damping, durations)
would otherwise minimise the same initial state once per point: paper 003's skyrmion bag
takes ~57,000 minimiser steps at 256² cells, the same for each of its current angles.
The built-in solver therefore keys the first stage's result by everything that decides
it (:func:`relaxed_key`) and keeps it in ``OUT/relaxed/`` (:data:`mmstudy.layout.RELAXED_DIR`):
the first point with a key minimises and saves the state, the others load it. A file lock
per key makes a second point with the same key wait for the first instead of repeating
its work. Only converged relaxations are shared; an existing entry is never overwritten.

What the key leaves out, and why it may: the study's name, description, run options and
sweep (as the point id, :func:`orchestrator.study.sweep.physics_data`), every stage after
the first, the drives inactive in the first stage and the spin torques (no backend applies
a spin torque in a minimise or relax stage), and, for a ``minimize`` stage, the damping α
(steepest descent on the energy never reads it). Everything else stays in, so two points
share a state only when their first stages are the same computation.

Written by hand: no library keeps content-addressed numpy arrays with a per-key lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from analysis.atomic import atomic_open
from orchestrator.study.model import Minimize, Relax, Study
from orchestrator.study.sweep import physics_data

__all__ = ["relaxed_key", "RelaxedStore", "RelaxedState"]


def relaxed_key(study: Study, solver: str) -> str | None:
    """The key of the state ``study``'s first stage ends in, or None when that stage is
    not a minimisation or relaxation (nothing to share).

    Parameters
    ----------
    study : Study
        One point's study (no sweep).
    solver : str
        The solver and a fingerprint of its code: a state another solver code made is
        not reused (the built-in backend passes a hash of its sources).

    Examples
    --------
    >>> from orchestrator.study import validate_study
    >>> def point(alpha, I):
    ...     return validate_study({"name": "x", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
    ...         "materials": {"default": {"Ms": 8e5, "A": 1.3e-11, "alpha": alpha}},
    ...         "drives": {"stt": {"type": "zhang_li", "I": [I, 0, 0], "P": 1, "xi": 0.1}},
    ...         "stages": [{"type": "minimize"}, {"type": "evolve", "duration": 1e-9,
    ...                                          "save_every": 1e-10}]})
    >>> relaxed_key(point(0.1, 5.0), "v1") == relaxed_key(point(0.3, 9.0), "v1")
    True
    >>> relaxed_key(point(0.1, 5.0), "v1") == relaxed_key(point(0.1, 5.0), "v2")
    False
    """
    if not study.stages or not isinstance(study.stages[0], (Minimize, Relax)):
        return None
    data = physics_data(study)
    active = {k: d for k, d in study.active_drives(0).items() if not d.is_torque}
    data["drives"] = {k: v for k, v in data.get("drives", {}).items() if k in active}
    # the names too: a drive a dump leaves out (a [lattice] table's field) is in the key
    # through its table, and whether it acts here through this list
    data["active"] = sorted(active)
    first = dict(data["stages"][0])
    first.pop("name", None)  # a label
    first.pop("drives", None)  # replaced by the drives themselves, above
    data["stages"] = [first]
    if isinstance(study.stages[0], Minimize):
        for mat in [*data.get("materials", {}).values(), data.get("lattice", {})]:
            mat.pop("alpha", None)
    blob = json.dumps({"solver": solver, "study": data}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class RelaxedState:
    """A stored state: ``m`` (the solver's array) and ``meta`` (who made it, how)."""

    m: np.ndarray
    meta: dict[str, Any]


class RelaxedStore:
    """The folder of shared relaxed states (``<key>.npy``, ``<key>.json``, ``<key>.lock``).

    Parameters
    ----------
    root : path
        The folder; made when the first state is saved.
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, key: str, suffix: str) -> Path:
        return self.root / f"{key}{suffix}"

    @contextlib.contextmanager
    def claim(self, key: str) -> Iterator[None]:
        """Hold the key's lock: a second point with the same key waits here until the
        first has relaxed and saved (then loads), instead of relaxing too."""
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock, at worst relaxed twice
            yield
            return
        with open(self._path(key, ".lock"), "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def mark_unconverged(self, key: str, meta: dict[str, Any]) -> None:
        """Record that the relaxation of ``key`` did not converge, so that the other points
        with the key relax on their own (at once, not one after another under the lock)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with atomic_open(self._path(key, ".unconverged.json"), "w", overwrite=True) as fh:
            json.dump({"key": key, **meta}, fh, indent=2)

    def unconverged(self, key: str) -> bool:
        """Whether a relaxation of ``key`` was recorded as not converged."""
        return self._path(key, ".unconverged.json").is_file()

    def load(self, key: str, shape: tuple[int, ...]) -> RelaxedState | None:
        """The state saved under ``key`` if there is one of this ``shape``, else None
        (an unreadable or mismatched entry is ignored, not deleted)."""
        npy, meta = self._path(key, ".npy"), self._path(key, ".json")
        if not (npy.is_file() and meta.is_file()):
            return None
        try:
            m = np.load(npy, allow_pickle=False)
            info = json.loads(meta.read_text())
        except (OSError, ValueError):
            return None
        if tuple(m.shape) != tuple(shape) or not np.all(np.isfinite(m)):
            return None
        return RelaxedState(m, info)

    def save(self, key: str, m: np.ndarray, meta: dict[str, Any]) -> bool:
        """Save a state under ``key`` unless one is there already (then False). The array
        is written before its record, each atomically, so a reader never sees half; an
        array left without its record (a process killed in between) is replaced."""
        npy, rec = self._path(key, ".npy"), self._path(key, ".json")
        if rec.exists():  # the record commits an entry: an array without one is a leftover
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        with atomic_open(npy, "wb", overwrite=True) as fh:
            np.save(fh, np.ascontiguousarray(m), allow_pickle=False)
        with atomic_open(rec, "w") as fh:
            json.dump({"key": key, **meta}, fh, indent=2)
            fh.write("\n")
        return True
