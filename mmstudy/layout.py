"""File names of a run folder, written once: dispatch writes them, backends fill them,
:mod:`analysis.runs` reads them.

A point folder of ``mmstudy run`` (``OUT/<id>/``)::

    point.json      POINT_FILE     the point's study (marks a point folder)
    params.json     PARAMS_FILE    the swept values (read by analysis.open_runs)
    status.json     STATUS_FILE    state, times, exit status, error, heartbeat
    log.txt         LOG_FILE       the worker's and the solver's output
    outcome.json    OUTCOME_FILE   the run's outcome (analysis.outcomes), with the
                                   classifier's parameters (a cache)
    attempts/<n>/   ATTEMPTS_DIR   earlier attempts' files, never deleted
    run.out/        OUTPUT_DIR     the solver's output (below)

and beside the points, ``manifest.json`` / ``manifest.csv`` (MANIFEST_FILE, MANIFEST_CSV).
Relaxed states shared between points (``mmstudy run --share-relaxed``, the paper
pipelines) live in ``OUT/relaxed/`` (RELAXED_DIR): ``<key>.npy`` and ``<key>.json``.

The solver output folder (``run.out/``, mumax3's layout, which the built-in solver
writes too)::

    m000000.ovf ...                snapshots (mumax3 and the built-in solver)
    table.txt       TABLE_FILE     the table
    log.txt         SOLVER_LOG     mumax3's log (its SetPBC line gives the periodic axes)
    run.json        RUN_META       mmstudy's own record: the backend, the periodic axes,
                                   the stages (built-in solver and OOMMF backend)
    checkpoint.npz  CHECKPOINT     the built-in solver's last saved m in full precision
                                   and its time and frame number (to resume from)

The built-in solver's ``run.json`` names it (``"solver": BUILTIN_SOLVER``), so that
:func:`analysis.open_run` reads its folders as ``kind = "builtin"``; a folder of the
same layout without it is a mumax3 run.
"""

from __future__ import annotations

__all__ = ["POINT_FILE", "PARAMS_FILE", "STATUS_FILE", "LOG_FILE", "ATTEMPTS_DIR",
           "OUTPUT_DIR", "MANIFEST_FILE", "MANIFEST_CSV", "TABLE_FILE", "SOLVER_LOG",
           "RUN_META", "BUILTIN_SOLVER", "RELAXED_DIR", "CHECKPOINT", "OUTCOME_FILE",
           "MANIFEST_COLUMNS"]

POINT_FILE = "point.json"
PARAMS_FILE = "params.json"
STATUS_FILE = "status.json"
LOG_FILE = "log.txt"
OUTCOME_FILE = "outcome.json"
ATTEMPTS_DIR = "attempts"
OUTPUT_DIR = "run.out"
MANIFEST_FILE = "manifest.json"
#: the columns manifest.csv gives every point before its swept values (so no sweep
#: parameter may take one of these names)
MANIFEST_COLUMNS = ("index", "id", "state", "folder", "duplicate_of")
MANIFEST_CSV = "manifest.csv"
RELAXED_DIR = "relaxed"

TABLE_FILE = "table.txt"
SOLVER_LOG = "log.txt"
RUN_META = "run.json"
CHECKPOINT = "checkpoint.npz"
#: the ``solver`` entry of the built-in solver's ``run.json``
BUILTIN_SOLVER = "mmstudy built-in"
