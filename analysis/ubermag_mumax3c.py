"""The drive folders of mumax3c, ubermag's mumax3 adapter: its names and its snapshot check.

mumax3c 0.4.0 writes each drive's inputs in ``<system>/drive-<n>/`` (``info.json`` and the
folder itself: :mod:`analysis.ubermag`) and runs ``mumax3 <name>.mx3`` there
(``drivers/driver.py``: ``Driver.write_mx3``, ``_mx3filename`` f"{system.name}.mx3",
``_call``), so mumax3 writes its output into ``<name>.out/`` beside the script (mumax3
``cmd/mumax3/main.go``, ``runScript``: ``util.NoExt(fname) + ".out"``)::

    <name>.mx3    the script (``scripts/system.py`` ``system_script``): ``OutputFormat =
                  OVF2_BINARY`` (OVF2_TEXT for ``ovf_format="txt"``); ``SetPBC(1, 1, 0)``
                  for a mesh with ``bc="xy"`` (``scripts/mesh.py`` ``mesh_script``);
                  ``m.LoadFile`` of ``m0.omf``; then (``scripts/driver.py``
                  ``driver_script``) a TimeDriver's ``for`` loop of ``n`` times
                  ``run(t/n)``, ``save(m_full)``, ``tablesave()``; a MinDriver's
                  ``minimize()``, a RelaxDriver's ``relax()``, each followed by one
                  ``save(m_full)`` and ``tablesave()``
    m0.omf        ubermag's input, not an output: ``system.m.orientation`` (unit vectors,
                  not A/m) written by discretisedfield (``scripts/magnetisation.py``
                  ``magnetisation_script``), OVF 2.0 binary 4 (``system_script`` turns
                  bin8 into bin4: mumax3 is single precision) or text, on ubermag's mesh
                  (its ``p1``)
    mumax3_regions.omf, B_ext.ovf, j.ovf
                  other inputs (``scripts/util.py`` ``mumax3_regions``, ``set_parameter``;
                  ``scripts/driver.py`` for Zhang-Li's current): never read here
    <name>.out/m_full000000.ovf ...
                  mumax3's snapshots: ``save(m_full)`` names them ``m_full%06d.ovf``, one
                  counter per quantity from 0 (``engine/save.go``: ``Save``, ``autoFname``,
                  ``FilenameFormat = "%s%06d"``); ``m_full`` is M in A/m
                  (``engine/demag.go``: ``M_full = NewVectorField("m_full", "A/m", ...)``);
                  the header has the time (``# Desc: Total simulation time:  <t>  s``) and
                  mumax3's mesh, which starts at 0 (``oommf/ovf2.go`` ``writeOVF2Header``:
                  ``xmin 0``), not at ubermag's ``p1``
    <name>.out/table.txt
                  mumax3's table, a row per ``tablesave()`` (``engine/table.go``
                  ``DataTable.Save``): ``t (s)``, ``mx my mz``, the energies the script
                  added, ``E_total``, ``dt`` and ``maxTorque``; so row k is the snapshot
                  ``m_full<k>``
    <name>.out/log.txt, gui, references.bib
                  mumax3's log (its statements, ``SetPBC`` among them), GUI address and
                  citations

Each drive is a new mumax3 process, so its clock starts at 0: a TimeDriver's k-th
snapshot is at k × t/n as mumax3 adds it (``engine/run.go`` ``Run``: ``stop := Time +
seconds``, so an ulp off the grid at times: 2.4999999999999998e-11 for 5 × 5e-12),
a MinDriver's and a RelaxDriver's one snapshot at 0 (``engine/minimizer.go``
``Minimize`` and ``engine/relax.go`` put ``Time`` back). After the drive, mumax3c sets
``system.m`` to the last ``m_full*.ovf`` with its former norm (``drivers/driver.py``
``_read_data``), so the next drive's ``m0.omf`` is that state's orientation, rounded to
float32. :data:`ADAPTER` describes all this to :mod:`analysis.ubermag` and
:mod:`analysis.run_layouts`; micromagneticdata 0.66 reads the same folders (its
``Mumax3Drive``: ``<name>.out/*.ovf``, ``table.txt``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import ubermag
from analysis.run_layouts import _MX3_NAME, _find_mx3, _mx3_pbc
from mmstudy.layout import TABLE_FILE

__all__ = ["ADAPTER", "SNAPSHOTS", "list_files", "missing_snapshot"]

#: mumax3's quantity that mumax3c saves: M in A/m, opened as ``m`` and ``Ms``
SNAPSHOTS = "m_full"
#: mumax3's output folder beside the script
_OUT_SUFFIX = ".out"


def list_files(folder: Path, basename: str | None) -> ubermag.DriveFiles:
    """A mumax3c drive folder's files: the system name from ``<name>.mx3`` (else from the
    ``<name>.out`` folder), the OVF files of ``<name>.out/`` by quantity (``m_full`` the
    driver's snapshots) and its ``table.txt`` (:func:`analysis.run_layouts._find_mx3`), and
    the periodic axes of the script's ``SetPBC`` (else of mumax3's ``log.txt``). A drive
    that has not run yet has no output folder: no snapshots, no table."""
    scripts = sorted(folder.glob("*.mx3"))
    outs = sorted(p for p in folder.glob("*" + _OUT_SUFFIX) if p.is_dir())
    name = (scripts[0].stem if scripts else outs[0].name[:-len(_OUT_SUFFIX)] if outs
            else basename or folder.parent.name)
    out = folder / (name + _OUT_SUFFIX)
    run = _find_mx3(out) if out.is_dir() else None
    series = run.series if run is not None else {}
    pbc = (_mx3_pbc(scripts[0].read_text(errors="replace")) if scripts
           else run.pbc if run is not None else "")
    return ubermag.DriveFiles(name, scripts[0] if scripts else folder, series,
                              tuple(series.get(SNAPSHOTS, ())),
                              run.table if run is not None else None, pbc)


def missing_snapshot(d: ubermag.Drive, rows: pd.DataFrame | None
                     ) -> tuple[Path, str] | None:
    """The first snapshot a finished mumax3c drive lacks: ``m_full<k>.ovf`` for each row k
    of ``table.txt`` (each ``tablesave()`` follows a ``save(m_full)``), then one for each
    of a TimeDriver's ``n`` runs (one for a minimiser); None when every one is there."""
    have = {int(m.group("n")) for f in d.snapshots if (m := _MX3_NAME.match(f.name))}
    out = d.folder / (d.basename + _OUT_SUFFIX)
    n_rows = 0 if rows is None else len(rows)
    for k in range(n_rows):
        if k not in have:
            return out / f"{SNAPSHOTS}{k:06d}.ovf", f"the snapshot of {TABLE_FILE}'s row {k + 1}"
    wanted = int(d.info["n"]) if d.info["driver"] == "TimeDriver" else 1
    for k in range(wanted):
        if k not in have:
            return (out / f"{SNAPSHOTS}{k:06d}.ovf",
                    f"snapshot {k + 1} of the {d.info['driver']}'s {wanted}")
    return None


#: mumax3c as :mod:`analysis.ubermag` reads it
ADAPTER = ubermag.Adapter(
    name="mumax3c", script_suffix=".mx3", kind="mumax3",
    stage_types={"TimeDriver": "evolve", "MinDriver": "minimize", "RelaxDriver": "relax"},
    magnetisation=SNAPSHOTS,
    m0_normalised=True,
    # m0.omf is the last snapshot's orientation in float32 (a rounding of 6e-8 at most)
    chain_rtol=1e-6,
    keeps_origin=False,
    list_files=list_files, missing_snapshot=missing_snapshot)
