"""Where a run's files are: the layouts :func:`find_run` recognises on disk.

* an **OOMMF run**: ``<basename>.odt`` and ``<basename>-<Output>-<stage>-<iteration>``
  ``.omf/.ohf/.oef`` files, picked by basename (or the ``.mif``'s ``basename``); the
  stages ``stage0``, ``stage1_evolve`` ... of mmstudy's OOMMF backend are one run
  (:class:`RunFiles` ``stages`` and ``stage_of``; :mod:`analysis.time_axis` joins
  their clocks);
* a **mumax3 run** (``m000000.ovf`` ... and ``table.txt`` in a ``*.out/`` folder), or
  the built-in solver's run in the same layout, told apart by its ``run.json``;
* a point folder of ``mmstudy run`` (its ``run.out/``), and a **plain folder** of OVF
  files;
* an **ubermag drive folder** (``<system>/drive-<n>/``: ``info.json``, ``m0.omf``, and
  oommfc's MIF with OOMMF's snapshots and table beside it, or mumax3c's ``.mx3`` with
  mumax3's ``<name>.out/``) as a run of one stage, and a **system folder** (its
  ``drive-<n>/`` folders) as the drives in order, one stage each (:class:`RunFiles`
  ``drives``; ``info.json``: :mod:`analysis.ubermag`; each adapter's names: its
  :class:`~analysis.ubermag.Adapter`, :mod:`analysis.ubermag_oommfc`,
  :mod:`analysis.ubermag_mumax3c`).

Also the run's metadata (``run.json``, mumax3's ``SetPBC`` in ``log.txt``), a point's
state (``status.json``), and the member folders of a sweep (:func:`_sweep_members`).
Only file names and these small metadata files are read here; :mod:`analysis.runs`
opens the snapshots and tables.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Literal

from analysis import ubermag
from analysis.errors import FormatError
from mmstudy.layout import (BUILTIN_SOLVER, MANIFEST_FILE, OUTPUT_DIR, PARAMS_FILE, POINT_FILE,
                            RUN_META, SOLVER_LOG, STATUS_FILE, TABLE_FILE)

OVF_SUFFIXES = {".ovf", ".omf", ".ohf", ".oef"}
# PARAMS_FILE (a sweep point's swept values, a JSON object), POINT_FILE (marks a point
# folder of `mmstudy run`) and the rest of the run-folder layout: mmstudy.layout.
POINT_OUTPUT = OUTPUT_DIR  # a point folder's solver output
POINT_STATUS = STATUS_FILE  # ... and its state
SWEEP_MANIFEST = MANIFEST_FILE  # the points of an `mmstudy run` output folder
RunKind = Literal["oommf", "mumax3", "builtin", "folder"]
#: mumax3 names autosaved files '%s%06d.ovf' (engine/save.go): the quantity is the
#: stem without its last six digits (greedy, so 'Ku1000000.ovf' is quantity 'Ku1').
_MX3_NAME = re.compile(r"^(?P<q>.+)(?P<n>\d{6})\.ovf$")
_MX3_PBC = re.compile(r"SetPBC\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)", re.I)
#: OOMMF's output file names: <basename>-<output>-<stage>-<iteration>.omf/.ohf/.oef
_OOMMF_NAME = re.compile(r"^.+-\d+-\d+\.o[mhe]f$", re.I)
#: basenames of the stages of one OOMMF run (mmstudy's OOMMF backend): stage<k>[_<type>]
_OOMMF_STAGE = re.compile(r"^stage(?P<k>\d+)(?:_(?P<type>[A-Za-z]+))?$")


@dataclasses.dataclass
class RunFiles:
    """What :func:`find_run` found on disk for one run."""

    kind: RunKind
    root: Path
    series: dict[str, list[Path]]
    table: Path | None
    basename: str | None = None
    pbc: str = ""
    #: OOMMF runs of several MIF stages: (index, basename, type, table or None) in order
    stages: list[tuple[int, str, str | None, Path | None]] = dataclasses.field(
        default_factory=list)
    #: ... and the stage index of each snapshot file
    stage_of: dict[Path, int] = dataclasses.field(default_factory=dict)
    #: ubermag's drive folders, one per stage (``stages``), in order; [] for other runs
    drives: list[ubermag.Drive] = dataclasses.field(default_factory=list)
    #: the series of M in A/m that opens as ``m`` and ``Ms`` besides OOMMF's
    #: ``::Magnetization`` (mumax3c's ``m_full``); None for other runs
    magnetisation: str | None = None


def find_run(path: str | os.PathLike, *, basename: str | None = None) -> RunFiles:
    """Locate the files of one run and group its snapshots into series.

    Parameters
    ----------
    path : path
        A run folder, an OOMMF ``.mif`` file or a mumax3 ``.mx3`` script; a point
        folder of ``mmstudy run`` (``point.json`` beside ``run.out/``) opens its
        ``run.out``; an ubermag drive or system folder (or a drive's ``.mif`` or ``.mx3``).
    basename : str, optional
        OOMMF basename to pick when a folder holds the output of several runs (for an
        ubermag folder: the system name, checked).

    Returns
    -------
    RunFiles

    Raises
    ------
    FormatError
        If ``path`` is not a run, or holds several OOMMF runs and no ``basename``.
    """
    p = Path(path)
    if p.is_file():
        if p.suffix.lower() in (".mif", ".mx3") and ubermag.is_drive_folder(p.parent):
            return _find_ubermag(p.parent, basename)
        if p.suffix.lower() == ".mif":
            return _find_oommf(p.parent, basename or _mif_basename(p))
        if p.suffix.lower() == ".mx3":
            out = p.with_suffix(".out")
            if not out.is_dir():
                raise FormatError(p, f"mumax3's output folder {out.name} beside the script")
            return _find_mx3(out)
        raise FormatError(p, "a run folder, a .mif or a .mx3 file (read one OVF file with "
                             "read_ovf, one table with read_table)")
    if not p.is_dir():
        raise FileNotFoundError(f"{p}: no such run folder or file")
    if (p / POINT_FILE).is_file():
        # a point folder of `mmstudy run`: its solver output is in run.out/
        if not (p / POINT_OUTPUT).is_dir():
            state = _point_state(p)
            raise FileNotFoundError(f"{p}: this point has not run (status: {state}); run it "
                                    "with `mmstudy run` (its inputs are not results)")
        return find_run(p / POINT_OUTPUT, basename=basename)
    if ubermag.is_drive_folder(p) or ubermag.is_system_folder(p):
        return _find_ubermag(p, basename)
    names = [f.name for f in p.iterdir() if f.is_file()]
    suffixes = {Path(n).suffix.lower() for n in names}
    # an OOMMF run in a folder named *.out (the backend's run.out/): a table or OOMMF names
    oommf_like = ".odt" in suffixes or any(_OOMMF_NAME.match(n) for n in names)
    if TABLE_FILE in names or (p.name.endswith(".out") and not oommf_like) \
            or any(_MX3_NAME.match(n) for n in names):
        return _find_mx3(p)
    if suffixes & {".odt", ".mif"} or oommf_like:
        return _find_oommf(p, basename)
    ovfs = sorted((p / n for n in names if Path(n).suffix.lower() in OVF_SUFFIXES), key=_natural)
    if not ovfs:
        if ubermag.holds_systems(p):
            raise FormatError(p, "a run folder (this folder holds ubermag system folders: "
                                 "open_runs or `mmstudy export` opens them together, "
                                 "open_run one of them)")
        raise FormatError(p, "a run folder: OVF files, a mumax3 table.txt or an OOMMF .odt")
    return RunFiles("folder", p, _group(ovfs, _plain_key), None)


# --------------------------------------------------------------------------- finding files


def _natural(path: Path):
    return [int(s) if s.isdigit() else s for s in re.split(r"(\d+)", path.name)]


def _group(files: list[Path], key_of) -> dict[str, list[Path]]:
    series: dict[str, list[Path]] = {}
    for f in files:
        series.setdefault(key_of(f), []).append(f)
    return series


def _plain_key(f: Path) -> str:
    return re.sub(r"[-_.]?\d+$", "", f.stem) or "field"


def _mx3_key(f: Path) -> str:
    m = _MX3_NAME.match(f.name)
    return m.group("q") if m else f.stem


def _oommf_key(f: Path) -> str:
    return re.sub(r"(-\d+)+$", "", f.stem)


def _driver_key(f: Path, basename: str) -> str:
    """The series of OOMMF output ``f`` of a run named ``basename``: the driver's outputs
    (``Oxs_MinDriver`` / ``Oxs_TimeDriver``) are one series, ``Driver-<output>``."""
    return re.sub(r"^[^-]*Driver-", "Driver-", _oommf_key(f)[len(basename) + 1:])


def _mx3_pbc(text: str) -> str:
    """The periodic axes of the last ``SetPBC(nx, ny, nz)`` in a mumax3 script or
    ``log.txt`` (``""`` without one)."""
    found = _MX3_PBC.findall(text)
    return "".join(ax for ax, n in zip("xyz", found[-1]) if int(n) > 0) if found else ""


def _find_mx3(root: Path) -> RunFiles:
    ovfs = sorted((f for f in root.iterdir() if f.is_file() and f.suffix.lower() == ".ovf"),
                  key=_natural)
    table = root / TABLE_FILE
    pbc = ""
    kind: RunKind = "mumax3"
    log = root / SOLVER_LOG
    meta = _run_json(root)  # written by mmstudy's built-in solver
    if meta is not None:
        pbc = str(meta.get("pbc", ""))
        if meta.get("solver") == BUILTIN_SOLVER:
            kind = "builtin"
    elif log.is_file():
        pbc = _mx3_pbc(log.read_text(errors="replace"))
    return RunFiles(kind, root, _group(ovfs, _mx3_key), table if table.is_file() else None,
                    pbc=pbc)


def _run_json(root: Path) -> dict | None:
    """``run.json`` (written by mmstudy's built-in solver and its OOMMF backend: the
    solver or backend, the periodic axes ...), or None without one."""
    meta = root / RUN_META
    if not meta.is_file():
        return None
    try:
        info = json.loads(meta.read_text())
    except json.JSONDecodeError:
        info = None
    if not isinstance(info, dict):
        raise FormatError(meta, "a JSON object with the run's metadata")
    return info


def _run_json_pbc(root: Path) -> str:
    """Periodic axes from ``run.json``, or ``""`` without one."""
    meta = _run_json(root)
    return "" if meta is None else str(meta.get("pbc", ""))


def _mif_basename(mif: Path) -> str:
    """The MIF's ``basename`` option when it is a literal word, else the file's stem
    (OOMMF's default); a Tcl substitution such as ``skyrmion_$kernel`` cannot be
    evaluated here, so pass ``basename=`` for such runs."""
    m = re.search(r"\bbasename\s+([^\s{}\[\]]+)", mif.read_text(errors="replace"))
    return m.group(1) if m and "$" not in m.group(1) else mif.stem


def _find_oommf(root: Path, basename: str | None) -> RunFiles:
    files = [f for f in root.iterdir() if f.is_file()]
    odts = sorted(f for f in files if f.suffix.lower() == ".odt")
    fields = [f for f in files if f.suffix.lower() in OVF_SUFFIXES]
    if basename is None:
        names = {f.stem for f in odts} | {f.stem.split("-")[0] for f in fields}
        names -= {""}
        staged = _oommf_stages(root, names, fields)
        if staged is not None:
            return staged
        if len(names) != 1:
            raise FormatError(root, "the output of one OOMMF run (pass basename= or the .mif "
                                    "file to choose one)", found=f"basenames {sorted(names)}")
        basename = names.pop()
    chosen = sorted((f for f in fields if f.stem.startswith(basename + "-")), key=_natural)
    table = root / f"{basename}.odt"
    if not chosen and not table.is_file():
        raise FormatError(root, f"OOMMF output named {basename}-*.omf/.ohf or {basename}.odt")
    return RunFiles("oommf", root, _group(chosen, _oommf_key),
                    table if table.is_file() else None, basename=basename,
                    pbc=_run_json_pbc(root))


def _oommf_stages(root: Path, names: set[str], fields: list[Path]) -> RunFiles | None:
    """One run from the stages ``stage0[_type]``, ``stage1[_type]`` ... in ``root`` (also a
    single ``stage0_minimize``), or None when the basenames are not all such stages
    (with distinct numbers)."""
    matches = {n: _OOMMF_STAGE.match(n) for n in names}
    if not names or not all(matches.values()):
        return None
    if len(names) == 1 and not matches[next(iter(names))].group("type"):  # type: ignore[union-attr]
        return None  # one plain "stage3" run: nothing to join
    order = sorted(names, key=lambda n: int(matches[n].group("k")))  # type: ignore[union-attr]
    indexes = [int(matches[n].group("k")) for n in order]  # type: ignore[union-attr]
    if len(set(indexes)) != len(indexes):
        return None
    stages: list[tuple[int, str, str | None, Path | None]] = []
    series: dict[str, list[Path]] = {}
    stage_of: dict[Path, int] = {}
    for k, name in zip(indexes, order):
        table = root / f"{name}.odt"
        kind = matches[name].group("type")  # type: ignore[union-attr]
        stages.append((k, name, kind.lower() if kind else None,
                       table if table.is_file() else None))
        own = sorted((f for f in fields if f.stem.startswith(name + "-")), key=_natural)
        for f in own:
            series.setdefault(_driver_key(f, name), []).append(f)
            stage_of[f] = k
    return RunFiles("oommf", root, series, None, pbc=_run_json_pbc(root), stages=stages,
                    stage_of=stage_of)


def _find_ubermag(root: Path, basename: str | None) -> RunFiles:
    """An ubermag drive folder as a run of one stage, or a system folder as its drives in
    order, one stage each (``stages``: ``(k, "drive-<n>", type, table)``): each drive's
    files as its adapter lists them (:attr:`ubermag.Adapter.list_files`), never
    ``m0.omf`` (the drive's input). The drives of a system must share the adapter, the
    system name and the periodic axes."""
    folders = [root] if ubermag.is_drive_folder(root) else ubermag.system_drives(root)
    stages: list[tuple[int, str, str | None, Path | None]] = []
    series: dict[str, list[Path]] = {}
    stage_of: dict[Path, int] = {}
    drives: list[ubermag.Drive] = []
    pbcs: dict[str, Path] = {}
    for k, folder in enumerate(folders):
        info = ubermag.read_info(folder)
        adapter = ubermag.adapter_of(folder, info)
        if drives and adapter is not drives[0].adapter:
            raise FormatError(folder / ubermag.INFO_FILE, "the drives of one system written "
                              f"by one adapter ({drives[0].adapter.name}, as "
                              f"{drives[0].folder.name}; open each drive folder, or the system "
                              "folder with open_runs)", found=f"adapter {adapter.name!r}")
        files = adapter.list_files(folder, basename or (drives[0].basename if drives else None))
        if basename is not None and files.name != basename:
            raise FormatError(files.source, f"the system {basename!r} (basename=)",
                              found=f"system {files.name!r}")
        if drives and files.name != drives[0].basename:
            raise FormatError(files.source, "the drives of one system (one solver basename, "
                              f"{drives[0].basename!r})", found=repr(files.name))
        for key, outputs in files.series.items():
            series.setdefault(key, []).extend(outputs)
            stage_of.update(dict.fromkeys(outputs, k))
        kind = adapter.stage_types[info["driver"]]
        stages.append((k, folder.name, kind, files.table))
        m0 = folder / ubermag.M0_FILE
        drives.append(ubermag.Drive(folder, ubermag.drive_number(folder, info), info, kind,
                                    files.name, m0 if m0.is_file() else None, files.snapshots,
                                    files.table, adapter))
        pbcs.setdefault(files.pbc, files.source)
    if len(pbcs) > 1:
        (pbc_a, src_a), (pbc_b, src_b) = list(pbcs.items())[:2]
        raise FormatError(src_b, f"the periodic axes of {src_a} ({pbc_a or 'none'}): the "
                                 "drives of one system share a mesh", found=pbc_b or "none")
    adapter = drives[0].adapter
    kind: RunKind = "mumax3" if adapter.kind == "mumax3" else "oommf"
    return RunFiles(kind, root, series, None, basename=drives[0].basename, pbc=next(iter(pbcs)),
                    stages=stages, stage_of=stage_of, drives=drives,
                    magnetisation=adapter.magnetisation)


def _point_state(folder: Path) -> str:
    """The state a point folder's ``status.json`` records ("no status" without one)."""
    try:
        return str(json.loads((folder / POINT_STATUS).read_text()).get("state", "unknown"))
    except FileNotFoundError:
        return "no status"
    except (json.JSONDecodeError, AttributeError):
        return "unreadable status.json"


def _sweep_members(paths) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        root = Path(paths)
        manifest = root / SWEEP_MANIFEST
        if manifest.is_file():
            # an `mmstudy run` folder: the finished points its manifest lists (not points
            # still pending, failed ones, or folders of an earlier version of the study)
            try:
                entries = json.loads(manifest.read_text())["points"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise FormatError(manifest, "mmstudy's manifest: a JSON object with 'points'") \
                    from None
            done = dict.fromkeys(e["folder"] for e in entries if e.get("state") == "done")
            return [root / f for f in done]
        subdirs = sorted((d for d in root.iterdir() if d.is_dir()), key=_natural)
        members = [d for d in subdirs if (d / PARAMS_FILE).is_file()]
        if not members:  # a system's drives, or the ubermag systems in a folder; else all
            members = (ubermag.system_drives(root) if ubermag.is_system_folder(root) else
                       [d for d in subdirs if ubermag.is_system_folder(d)]) or subdirs
        return members
    return [Path(p) for p in paths]
