"""The built-in solver's run folder: mumax3's layout, so the data layer reads it as mumax3's.

A run folder ``<name>.out/`` holds

* ``m000000.ovf``, ``m000001.ovf`` ... (and ``<field>000000.ovf`` for other saved
  quantities): OVF 2.0, binary 4 or 8, the simulation time in the header
  (``# Desc: Total simulation time: <t> s``), each written atomically;
* ``table.txt``: mumax3's layout (``# t (s)<TAB>mx ()<TAB>...``), one row per save,
  each row written with a single call and flushed, so an interrupted run leaves
  only complete rows;
* ``checkpoint.npz``: the last ``m`` snapshot in full precision (the OVF files may be
  single precision), its time and frame number, replaced atomically at each snapshot:
  what an interrupted run is resumed from;
* ``Msat.ovf``: Ms per cell in A/m (as mumax3's ``SaveAs(Msat, "Msat")``), read by
  :func:`analysis.open_run` as the variable ``Ms``;
* ``run.json``: the solver (``"mmstudy built-in"``, by which :func:`analysis.open_run`
  gives the run ``attrs["kind"] = "builtin"``), mesh, periodic axes (read as
  ``attrs["pbc"]``), the run's status (``running``, ``finished``, ``interrupted``) and
  ``stage_log``: per stage its type, start time, save and table intervals and how many
  snapshots (per quantity) and table rows it wrote (the initial state counts in stage 0),
  from which :func:`analysis.open_run` gives each frame its ``stage`` and ``stage_t``.

Times are written as ``stage_start + n × save_every`` (:func:`grid_time`: multiplied
in decimal, so 10 × 10 ps is written ``1e-10``, not ``9.999999999999999e-11``).

Nothing is overwritten: a folder that already holds a run is refused unless
``overwrite=True``. :meth:`RunWriter.reopen` continues a folder that already holds the
first frames and rows of a run (an interrupted run's, copied there to be resumed:
:mod:`orchestrator.backends.builtin_resume`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from analysis.atomic import atomic_open
from analysis.ovf import write_ovf
from mmstudy.layout import BUILTIN_SOLVER, CHECKPOINT, RUN_META, TABLE_FILE
from mmstudy.timegrid import grid_time  # re-exported: the save grid's exact times
from orchestrator.solver.mesh import Mesh

__all__ = ["RunWriter", "RUN_META", "grid_time"]


class RunWriter:
    """Write snapshots and table rows of one run.

    Parameters
    ----------
    folder : path
        The run folder (created).
    mesh : Mesh
    columns : sequence of (name, unit)
        Table columns after ``t`` (e.g. ``("mx", "")``, ``("E_total", "J")``).
    representation : {"bin4", "bin8"}
        OVF data representation of the snapshots.
    overwrite : bool
        Allow writing into a folder that already holds a run (its files are replaced).
    meta : dict, optional
        Extra entries for ``run.json``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> mesh = Mesh(n=(2, 2, 1), cell=(1e-9,) * 3, Ms=8e5, pbc="x")
    >>> w = RunWriter(pathlib.Path(tempfile.mkdtemp()) / "a.out", mesh, [("mx", "")])
    >>> m = np.zeros(mesh.shape + (3,)); m[..., 0] = 1
    >>> _ = w.save_field("m", m, 0.0, unit="1"); w.table_row(0.0, [1.0]); w.close("finished")
    >>> import analysis; ds = analysis.open_run(w.folder)
    >>> ds.attrs["pbc"], float(ds.mx[0]), ds.m.shape
    ('x', 1.0, (1, 1, 2, 2, 3))
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        mesh: Mesh,
        columns: Sequence[tuple[str, str]],
        *,
        representation: str = "bin4",
        overwrite: bool = False,
        meta: dict | None = None,
    ) -> None:
        self.folder = Path(folder)
        if (self.folder / TABLE_FILE).exists() or (self.folder / RUN_META).exists():
            if not overwrite:
                raise FileExistsError(f"{self.folder} already holds a run; refusing to overwrite "
                                      "it (pass overwrite=True to replace it)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.mesh = mesh
        self.representation = representation
        self.columns = list(columns)
        self.counters: dict[str, int] = {}
        self.rows = 0
        self._stage: dict | None = None
        self.meta = {
            "solver": BUILTIN_SOLVER,
            "n": list(mesh.n),
            "cell": list(mesh.cell),
            "pbc": mesh.pbc,
            "pbc_repeats": list(mesh.pbc_repeats),
            "status": "running",
            **(meta or {}),
        }
        self._write_meta()
        # Ms per cell, once (mumax3's SaveAs(Msat, "Msat")): open_run reads it as `Ms`
        write_ovf(self.folder / "Msat.ovf", mesh.Ms[..., None], cell=mesh.cell, pmin=mesh.origin,
                  title="Msat", labels=["Msat"], units="A/m", time=0.0,
                  representation="bin8", overwrite=True)
        head = "# t (s)" + "".join(f"\t{name} ({unit})" for name, unit in self.columns) + "\n"
        self._table = open(self.folder / TABLE_FILE, "w", encoding="utf-8")
        self._table.write(head)
        self._table.flush()

    @classmethod
    def reopen(cls, folder: str | os.PathLike, mesh: Mesh, columns: Sequence[tuple[str, str]],
               *, counters: dict[str, int], rows: int, meta: dict,
               representation: str = "bin4") -> RunWriter:
        """A writer that appends to ``folder``, which already holds ``counters`` snapshots
        per quantity, ``rows`` table rows (after its header) and ``Msat.ovf``; ``meta`` is
        its ``run.json`` so far (with the ``stage_log`` of the stages it completed)."""
        self = cls.__new__(cls)
        self.folder = Path(folder)
        self.mesh = mesh
        self.representation = representation
        self.columns = list(columns)
        self.counters = dict(counters)
        self.rows = rows
        self._stage = None
        self.meta = {**meta, "status": "running"}
        self._write_meta()
        self._table = open(self.folder / TABLE_FILE, "a", encoding="utf-8")
        return self

    def _write_meta(self) -> None:
        with atomic_open(self.folder / RUN_META, "w", overwrite=True) as fh:
            json.dump(self.meta, fh, indent=2)
            fh.write("\n")

    def save_field(self, name: str, values: np.ndarray, t: float, *, unit: str = "") -> Path:
        """Write the next ``<name>NNNNNN.ovf`` snapshot (values ``(nz, ny, nx, 3)`` or ``(…, 1)``)."""
        i = self.counters.get(name, 0)
        values = np.asarray(values)
        if values.ndim == 3:
            values = values[..., None]
        dim = values.shape[-1]
        labels = [f"{name}_{c}" for c in "xyz"] if dim == 3 else [name] * dim
        path = write_ovf(self.folder / f"{name}{i:06d}.ovf", values, cell=self.mesh.cell,
                         pmin=self.mesh.origin, title=name, labels=labels, units=unit or "1",
                         time=t, representation=self.representation, overwrite=True)
        self.counters[name] = i + 1
        if name == "m":
            # full precision, atomically: a resumed run continues from exactly this state
            with atomic_open(self.folder / CHECKPOINT, "wb", overwrite=True) as fh:
                np.savez(fh, m=values[..., :3].astype(np.float64), t=float(t), frame=i)
        return path

    def table_row(self, t: float, values: Sequence[float]) -> None:
        """Append one table row (time in s, then one value per column) and flush it."""
        if len(values) != len(self.columns):
            raise ValueError(f"table row has {len(values)} values for {len(self.columns)} columns")
        self._table.write(repr(float(t)) + "".join(f"\t{float(v)!r}" for v in values) + "\n")
        self._table.flush()
        self.rows += 1

    def begin_stage(self, kind: str, start: float, *, save_every: float | None = None,
                    table_every: float | None = None,
                    since: tuple[dict[str, int], int] | None = None) -> None:
        """Start recording a stage (``"minimize"``, ``"relax"``, ``"evolve"``) that begins at
        ``start`` s: what is saved until :meth:`end_stage` belongs to it (``stage_log`` in
        ``run.json``). ``since`` = (snapshot counters, rows) where the stage began, for a
        stage resumed after some of its frames were written (default: now)."""
        if self._stage is not None:
            self.end_stage()
        counters, rows = since if since is not None else (self.counters, self.rows)
        self._stage = {"type": kind, "start": float(start),
                       "save_every": None if save_every is None else float(save_every),
                       "table_every": None if table_every is None else
                       float(table_every or save_every),
                       "_counters": dict(counters), "_rows": rows}

    def end_stage(self) -> None:
        """Record the open stage's snapshots and rows in ``run.json`` (``stage_log``)."""
        if self._stage is None:
            return
        st = self._stage
        before, rows = st.pop("_counters"), st.pop("_rows")
        st["saved"] = {k: n - before.get(k, 0) for k, n in self.counters.items()}
        st["rows"] = self.rows - rows
        self.meta.setdefault("stage_log", []).append(st)
        self._stage = None
        self._write_meta()

    def close(self, status: str = "finished") -> None:
        """Close the table and record the run's status in ``run.json``."""
        if not self._table.closed:
            self._table.close()
        self.end_stage()
        self.meta["status"] = status
        self._write_meta()
