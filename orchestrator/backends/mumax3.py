"""The ``mumax3`` backend: a study point as a mumax3 script, run on a GPU.

``render`` writes ``run.mx3`` (Jinja2 templates in ``mx3_templates/``, filled from the
plan of :mod:`orchestrator.backends.mx3_plan`), ``m0.ovf`` (the initial state of
:func:`orchestrator.study.initial.initial_m`), and the raster of
:func:`orchestrator.study.raster.rasterize` as ``regions.ovf`` and ``geom*.png``
(:mod:`orchestrator.backends.mx3_render`). ``execute`` runs
``mumax3 [-gpu N] -http= -o run.out run.mx3`` in the point folder, so the output is a
mumax3 run folder ``run.out/`` (``m000000.ovf`` …, ``table.txt``, ``log.txt``,
``Msat.ovf``) that :func:`analysis.open_run` reads, with ``pbc`` from ``SetPBC`` in the
log.

The output has the built-in backend's layout: the initial state (a table row and
``m``), the state after every minimise/relax stage, and during evolution a table row
every ``table_every`` and ``m`` every ``save_every`` counted from the stage start
(explicit ``run``/``steps`` loops instead of ``AutoSave``, whose float comparison
of times can skip the last snapshot and which re-saves a stage's first state).

What mumax3 cannot do is refused before anything runs (:meth:`Mumax3Backend.missing`):
γ0 per region (``gamma.regions``: one ``GammaLL``), per-term field snapshots
(``evolve.term_fields``: mumax3's ``B_exch`` holds exchange and DMI together, in T),
the 12-neighbour exchange with regions or vacuum (``exchange.12ngbr.regions``), and
these combinations: Zhang–Li and SOT in one stage (one ``J``), SOT (or Zhang–Li)
drives with different parameters (or Zhang–Li orders) in one stage, periodic demag with
0 images, more than six custom-field carriers, the fourth-order DMI other than one
class with uniform D and Ms on a fully magnetic mesh (``dmi.order4.regions``), the
fourth-order Zhang–Li torque with vacuum (see :mod:`orchestrator.backends.mx3_plan`).

Finding mumax3: ``$MMSTUDY_MUMAX3`` (the binary), else ``mumax3`` on ``PATH``. mumax3
has no ``-version`` flag (``cmd/mumax3/main.go``: it prints its version banner at every
start, ``-v`` defaulting to true, and ``-test`` exits right after it), so the version is
read from ``mumax3 -test`` and left empty when that fails (e.g. no GPU).

Examples
--------
>>> import tempfile, pathlib
>>> from orchestrator.study import validate_study
>>> s = validate_study({"name": "x", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
...     "materials": {"default": {"Ms": 8e5, "A": 1.3e-11, "alpha": 0.5}},
...     "stages": [{"type": "relax"}]})
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> [p.name for p in Mumax3Backend().render(s, folder)]
['run.mx3', 'm0.ovf']
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import IO

from mmstudy.layout import OUTPUT_DIR
from orchestrator.backends.base import Backend, SolverInfo, SolverNotFound
from orchestrator.backends.mx3_plan import build_plan, refusals
from orchestrator.backends.mx3_render import SCRIPT, write_point
from orchestrator.backends.mx3_terms import TRANSLATORS
from orchestrator.study.model import Study

__all__ = ["Mumax3Backend", "ENV_VAR"]

ENV_VAR = "MMSTUDY_MUMAX3"
_VERSION = re.compile(r"mumax\s*(3[0-9A-Za-z.\-]*)")
_version_cache: dict[tuple[str, float], str] = {}


class Mumax3Backend(Backend):
    """mumax3 (GPU) behind mmstudy's backend interface."""

    name = "mumax3"
    translators = TRANSLATORS
    unsupported = frozenset({"gamma.regions", "evolve.term_fields", "exchange.12ngbr.regions",
                             "dmi.order4.regions", "exchange.afm", "dmi.lattice_edge"})
    capabilities = {"regions": "✓ (`regions.ovf`, `ImageShape`)", "pbc": "✓ (`SetPBC`)",
                    "gamma": "✗", "torques_together": "✗ (one `J`)", "thermal": "✓",
                    "term_fields": "✗ (`B_exch` holds exchange and DMI)"}
    notes = {
        "gamma.regions": "mumax3 has one GammaLL for the whole mesh",
        "exchange.afm": "no two-sublattice (checkerboard antiferromagnet) lattice mode",
        "dmi.lattice_edge": "mumax3's DMI sets its boundary condition at a free edge (ghost "
                            "cells), where the lattice model has a missing bond: a lattice "
                            "study with DMI is that model on mumax3 only when periodic "
                            "in-plane",
        "evolve.term_fields": "mumax3's per-term fields are in T and B_exch holds exchange "
                              "and DMI together; only m is saved",
        "exchange.12ngbr.regions": "the fourth-order correction is written for uniform A "
                                   "and Ms on a fully magnetic mesh",
        "dmi.order4.regions": "the fourth-order DMI correction is written for one class with "
                              "uniform D and Ms on a fully magnetic mesh",
    }

    # ------------------------------------------------------------------ finding
    def find(self) -> SolverInfo:
        """``$MMSTUDY_MUMAX3`` or ``mumax3`` on PATH (the version from ``-test``)."""
        env = os.environ.get(ENV_VAR)
        if env:
            p = Path(env).expanduser()
            if not (p.is_file() and os.access(p, os.X_OK)):
                return SolverInfo(self.name, False, f"{ENV_VAR}={env} is not an executable file")
            exe, how = str(p), f"{ENV_VAR}: {p}"
        else:
            exe = shutil.which("mumax3")
            if exe is None:
                return SolverInfo(self.name, False, f"mumax3 is not on PATH (or set {ENV_VAR} "
                                                    "to the binary)")
            how = f"mumax3 on PATH: {exe}"
        return SolverInfo(self.name, True, how, _version(exe))

    def _exe(self) -> str:
        info = self.find()
        if not info.found:
            raise SolverNotFound(f"mumax3 not found: {info.how}")
        env = os.environ.get(ENV_VAR)
        return str(Path(env).expanduser()) if env else shutil.which("mumax3")  # type: ignore

    # ------------------------------------------------------------------ features
    def missing(self, study: Study) -> dict[str, str]:
        """Unsupported features (see the module docstring), with where and why."""
        out = super().missing(study)
        for feat, where in refusals(study).items():
            out.setdefault(feat, where)
        return out

    # ------------------------------------------------------------------ files
    def render(self, study: Study, folder: Path) -> list[Path]:
        """Write ``run.mx3``, ``m0.ovf`` (and ``regions.ovf``, ``geom*.png``) into ``folder``.

        Raises
        ------
        UnsupportedFeature
            If the study needs what mumax3 lacks (nothing is written then).
        """
        self.check(study)
        return write_point(build_plan(study), Path(folder))

    def execute(self, study: Study, folder: Path, *, log: IO[str], threads: int | None = None,
                gpu: int | None = None) -> None:
        """Run ``mumax3 [-gpu N] -http= -o run.out run.mx3`` in ``folder``, its output
        streamed to ``log`` (``threads`` is unused: mumax3 runs on one GPU).

        Raises
        ------
        SolverNotFound
            If mumax3 is not installed.
        FileExistsError
            If ``folder/run.out`` already holds files (mumax3 would write over them).
        FileNotFoundError
            If ``run.mx3`` was not rendered.
        RuntimeError
            If mumax3 exits with a non-zero status (status and the log's tail in the
            message).
        """
        folder = Path(folder)
        exe = self._exe()
        if not (folder / SCRIPT).is_file():
            raise FileNotFoundError(f"{folder / SCRIPT}: no rendered mumax3 script "
                                    "(render the point first)")
        out = folder / OUTPUT_DIR
        if out.exists() and any(out.iterdir()):
            raise FileExistsError(f"{out} already holds files; mumax3 would write over them "
                                  "(move or delete the folder to run again)")
        cmd = command(exe, gpu)
        log.write("$ " + " ".join(cmd) + f"   (in {folder})\n")
        log.flush()
        tail: collections.deque[str] = collections.deque(maxlen=40)
        proc = subprocess.Popen(cmd, cwd=folder, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace",
                                bufsize=1)
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)
                log.flush()
                tail.append(line.rstrip("\n"))
            status = proc.wait()
        except BaseException:  # Ctrl-C or a failing log: stop the solver we started
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                proc.kill()
                proc.wait()
            raise
        if status != 0:
            text = "\n".join(tail)
            raise RuntimeError(f"mumax3 exited with status {status} in {folder}; "
                               f"last lines of its output:\n{text}")


def command(exe: str, gpu: int | None = None) -> list[str]:
    """The mumax3 command line (flags from ``engine/gofiles.go``: ``-gpu``, ``-o``;
    ``-http=`` starts no web GUI, so parallel runs do not compete for its port).

    Examples
    --------
    >>> command("mumax3", gpu=1)
    ['mumax3', '-gpu', '1', '-http=', '-o', 'run.out', 'run.mx3']
    """
    cmd = [exe]
    if gpu is not None:
        cmd += ["-gpu", str(int(gpu))]
    return cmd + ["-http=", "-o", OUTPUT_DIR, SCRIPT]


def _version(exe: str) -> str:
    """mumax3's version from the banner of ``mumax3 -test`` ("" when it cannot run)."""
    try:
        key = (exe, os.stat(exe).st_mtime)
    except OSError:
        return ""
    if key not in _version_cache:
        try:
            res = subprocess.run([exe, "-test", "-http="], capture_output=True, text=True,
                                 errors="replace", timeout=60)
            found = _VERSION.search(res.stdout + res.stderr)
            _version_cache[key] = found.group(1) if found else ""
        except (OSError, subprocess.SubprocessError):
            _version_cache[key] = ""
    return _version_cache[key]
