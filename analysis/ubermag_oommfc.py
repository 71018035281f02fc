"""The drive folders of oommfc, ubermag's OOMMF adapter: its names and its snapshot check.

oommfc 0.66 writes each drive's MIF (``scripts/``) and OOMMF writes its output beside it,
in ``<system>/drive-<n>/`` (``info.json`` and what every adapter writes:
:mod:`analysis.ubermag`)::

    <name>.mif    the MIF: ``basename <name>``; an ``Oxs_PeriodicRectangularMesh`` with
                  ``periodic xy`` for a mesh with ``bc="xy"`` (``scripts/mesh.py``); a
                  TimeDriver's ``stopping_time t/n`` and ``stage_count n``
    m0.omf        ubermag's input, not an output: the system's magnetisation when the
                  drive began (``setup_m0``), M in A/m, on ubermag's mesh (its ``p1``)
    <name>-Oxs_<Driver>-Magnetization-<stage>-<iteration>.omf
                  OOMMF's snapshots (``Schedule ... Stage 1``, or ``Step 1`` with
                  ``output_step=True``), M in A/m, on the same mesh
    <name>.odt    OOMMF's table, a row per snapshot (the same schedule)

After a drive oommfc sets ``system.m`` to the last snapshot (``_read_data``) and copies it
exactly (bin8 through float64) into the next drive's ``m0.omf``. :data:`ADAPTER`
describes all this to :mod:`analysis.ubermag` and :mod:`analysis.run_layouts`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import ubermag
from analysis.run_layouts import (_OOMMF_NAME, OVF_SUFFIXES, _driver_key, _mif_basename,
                                  _natural)

__all__ = ["ADAPTER", "SNAPSHOTS", "list_files", "missing_snapshot", "mif_pbc"]

#: the series of the driver's magnetisation snapshots (Oxs_MinDriver, Oxs_TimeDriver ...)
SNAPSHOTS = "Driver-Magnetization"
#: OOMMF's output names end in -<stage>-<iteration> (widths grow with the counts)
_STAGE_ITERATION = re.compile(r"-(\d+)-(\d+)(\.o[mhe]f)$", re.I)
_PERIODIC_MESH = re.compile(r"Specify\s+Oxs_PeriodicRectangularMesh\b")


def mif_pbc(mif: Path | None) -> str:
    """The periodic axes of an oommfc MIF (``Oxs_PeriodicRectangularMesh``'s ``periodic``),
    ``""`` for an open mesh or without a MIF. OVF does not record periodicity; ubermag's
    MIF does (oommfc ``scripts/mesh.py``)."""
    if mif is None:
        return ""
    text = mif.read_text(errors="replace")
    m = _PERIODIC_MESH.search(text)
    if not m:
        return ""
    block = text[m.end():].split("Specify", 1)[0]  # up to the next Specify block
    axes = re.search(r"^\s*periodic\s+\{?\s*([xyzXYZ]+)", block, re.M)
    return "".join(sorted(set(axes.group(1).lower()))) if axes else ""


def list_files(folder: Path, basename: str | None) -> ubermag.DriveFiles:
    """An oommfc drive folder's files: the MIF's basename, OOMMF's output files named
    ``<basename>-...`` (never ``m0.omf``, the drive's input, or a parameter field oommfc
    wrote beside the MIF), the driver's outputs (``Oxs_MinDriver`` / ``Oxs_TimeDriver``)
    as one series, ``<basename>.odt`` and the MIF's periodic axes."""
    mifs = sorted(folder.glob("*.mif"))
    mif = mifs[0] if mifs else None
    name = _mif_basename(mif) if mif else (basename or folder.parent.name)
    outputs = sorted((f for f in folder.iterdir() if f.is_file()
                      and f.suffix.lower() in OVF_SUFFIXES and _OOMMF_NAME.match(f.name)
                      and f.name.startswith(name + "-")), key=_natural)
    series: dict[str, list[Path]] = {}
    for f in outputs:
        series.setdefault(_driver_key(f, name), []).append(f)
    table = folder / f"{name}.odt"
    return ubermag.DriveFiles(name, mif or folder, series, tuple(series.get(SNAPSHOTS, ())),
                              table if table.is_file() else None, mif_pbc(mif))


def _stage_iteration(f: Path) -> tuple[int, int] | None:
    m = _STAGE_ITERATION.search(f.name)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _expected_name(d: ubermag.Drive, stage: int, iteration: int | None) -> str:
    """The file name OOMMF gives the snapshot of ``stage`` (and ``iteration``), with the
    widths of the drive's other snapshots (OOMMF widens the stage number with the stage
    count: ``-00-``, ``-00092-``)."""
    sibling = next((f for f in d.snapshots if _STAGE_ITERATION.search(f.name)), None)
    if sibling is None:
        prefix = f"{d.basename}-Oxs_{d.info['driver']}-Magnetization"
        s_w, i_w, suffix = 2, 7, ".omf"
    else:
        m = _STAGE_ITERATION.search(sibling.name)
        prefix, suffix = sibling.name[:m.start()], m.group(3)  # type: ignore[union-attr]
        s_w, i_w = len(m.group(1)), len(m.group(2))  # type: ignore[union-attr]
    it = "*" if iteration is None else f"{iteration:0{i_w}d}"
    return f"{prefix}-{stage:0{s_w}d}-{it}{suffix}"


def missing_snapshot(d: ubermag.Drive, rows: pd.DataFrame | None
                     ) -> tuple[Path, str] | None:
    """The first snapshot a finished oommfc drive lacks: one for each table row (matched
    by OOMMF's ``iteration``; the row's ``stage`` gives the name), then one per stage of a
    TimeDriver's ``n`` (one for a minimiser); None when every one is there."""
    have = {si for si in map(_stage_iteration, d.snapshots) if si is not None}
    iterations = {i for _, i in have}
    stages = {s for s, _ in have}
    if rows is not None and "iteration" in rows.columns:
        oommf_stage = rows["stage"].to_numpy() if "stage" in rows else np.zeros(len(rows))
        for it, st in zip(rows["iteration"].to_numpy(), oommf_stage):
            if np.isfinite(it) and int(it) not in iterations:
                name = _expected_name(d, int(st) if np.isfinite(st) else 0, int(it))
                table_name = d.table.name if d.table is not None else "the table"
                return d.folder / name, f"the snapshot of {table_name}'s row at iteration {int(it)}"
    wanted = range(int(d.info["n"])) if d.info["driver"] == "TimeDriver" else range(1)
    for s in wanted:
        if s not in stages:
            return (d.folder / _expected_name(d, s, None),
                    f"a snapshot of stage {s} ({d.info['driver']} with {len(wanted)} stage(s))")
    return None


#: oommfc as :mod:`analysis.ubermag` reads it. A HysteresisDriver is OOMMF's MinDriver
#: stepping the field: a minimisation per field value, so every one of its frames sits at
#: the drive's start time.
ADAPTER = ubermag.Adapter(
    name="oommfc", script_suffix=".mif", kind="oommf",
    stage_types={"TimeDriver": "evolve", "MinDriver": "minimize", "RelaxDriver": "relax",
                 "HysteresisDriver": "minimize"},
    magnetisation=None,  # OOMMF's headers say it: Title Oxs_<Driver>::Magnetization
    m0_normalised=False,
    chain_rtol=1e-9,  # m0.omf is the last snapshot exactly: this absorbs a text round trip
    keeps_origin=True,
    list_files=list_files, missing_snapshot=missing_snapshot)
