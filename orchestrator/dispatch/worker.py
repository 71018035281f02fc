"""Run one point folder: ``python -m orchestrator.dispatch.worker FOLDER``.

The worker reads ``point.json``, moves a previous attempt aside
(:func:`~orchestrator.dispatch.folders.archive_attempt`), marks the point ``running``,
lets the backend render and execute it (solver output in ``log.txt``, results in
``run.out/``) and marks it ``done``, ``failed`` (with the error and a traceback in
``log.txt``) or ``interrupted`` (Ctrl-C or SIGTERM). ``mmstudy run`` starts one worker
process per point, so a crash in one point never touches another; a Dask task calls
:func:`run_point` in the Dask worker's process. Users who submit their own jobs may
call the module directly on a folder written by ``mmstudy scripts``.

Exit status: 0 done, 1 failed, 2 not a point folder, 3 another process is writing the
point, 130 interrupted.

Examples
--------
>>> exit_code({"state": "done"}), exit_code({"state": "interrupted"})
(0, 130)
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

from orchestrator.dispatch.folders import (DONE, FAILED, HEARTBEAT_S, INTERRUPTED, LOG_FILE,
                                           OUTPUT_DIR, POINT_FILE, RUNNING, STATUS_FILE,
                                           PointBusy, archive_attempt, hold_point, now_iso,
                                           read_json, write_status)

__all__ = ["run_point", "load_backend", "exit_code", "main"]

_EXIT = {DONE: 0, FAILED: 1, INTERRUPTED: 130}
#: set while the final status is written, so a late SIGTERM cannot cut it short
_finishing = False
_interrupted = False


def exit_code(status: dict[str, Any]) -> int:
    """The worker's exit status for a final ``status``."""
    return _EXIT.get(status.get("state", FAILED), 1)


def load_backend(info: dict[str, Any]):
    """The backend object a ``point.json`` names (its class path, else its name)."""
    from orchestrator.backends import get_backend

    target = info.get("backend_class")
    if target:
        module, _, cls = target.partition(":")
        try:
            return getattr(importlib.import_module(module), cls)()
        except (ImportError, AttributeError):
            if info.get("backend") not in ("builtin", "mumax3", "oommf"):
                raise
    return get_backend(info["backend"])


def run_point(folder: str | os.PathLike, *, threads: int | None = None, gpu: int | None = None,
              prepare: bool = True) -> dict[str, Any]:
    """Render and execute the point in ``folder``; return its final status.

    Parameters
    ----------
    folder : path
        A point folder holding ``point.json``.
    threads, gpu : int, optional
        Passed to the backend's ``execute``.
    prepare : bool
        Move a previous attempt's files into ``attempts/<n>/`` first (the local
        dispatcher does this itself before it starts the worker process).

    Returns
    -------
    dict
        The status written to ``status.json`` (``state`` done, failed or interrupted).
        Errors are recorded there, not raised: a failed point must not stop a sweep.

    Raises
    ------
    PointBusy
        If another live process is writing the folder (it holds the point's writer
        lock); nothing is touched then.
    """
    folder = Path(folder).resolve()
    info = read_json(folder / POINT_FILE)
    if not isinstance(info, dict):
        raise FileNotFoundError(f"{folder}: no {POINT_FILE}; not a point folder of mmstudy")
    lock = hold_point(folder)  # held until this attempt's final status is written
    try:
        return _run_locked(folder, info, threads=threads, gpu=gpu, prepare=prepare)
    finally:
        lock.close()


def _run_locked(folder: Path, info: dict[str, Any], *, threads, gpu, prepare) -> dict[str, Any]:
    global _finishing
    if prepare:
        archive_attempt(folder)
    status: dict[str, Any] = {
        "state": RUNNING, "id": info.get("id"), "backend": info.get("backend"),
        "solver": None, "host": socket.gethostname(), "pid": os.getpid(),
        "attempt": uuid.uuid4().hex, "started": now_iso(), "heartbeat": now_iso(),
        "finished": None, "wall_s": None, "exit_code": None, "error": None, "scripts": [],
    }
    write_status(folder, status)
    t0 = time.monotonic()
    beat = _Heartbeat(folder, status)
    with beat, open(folder / LOG_FILE, "a", buffering=1) as log:
        log.write(f"# mmstudy worker: point {info.get('id')} on {info.get('backend')}, "
                  f"host {status['host']}, pid {status['pid']}, {status['started']}\n")
        try:
            backend = load_backend(info)
            status["solver"] = dataclasses.asdict(backend.find())
            study = _point_study(info, folder, backend)
            beat.write()
            scripts = backend.render(study, folder)
            status["scripts"] = [_relative(p, folder) for p in scripts or []]
            beat.write()
            backend.execute(study, folder, log=log, threads=threads, gpu=gpu)
            if not (folder / OUTPUT_DIR).is_dir():
                raise RuntimeError(f"backend {backend.name!r} finished without writing "
                                   f"{OUTPUT_DIR}/")
            status["state"] = DONE
        except KeyboardInterrupt:
            status["state"] = INTERRUPTED
            status["error"] = "interrupted (Ctrl-C or SIGTERM)"
            log.write("\n# interrupted\n")
        except Exception as err:  # noqa: BLE001 - every failure is recorded, none escapes
            status["state"] = FAILED
            status["error"] = f"{type(err).__name__}: {err}"
            log.write("\n" + traceback.format_exc())
        finally:
            _finishing = True
            try:
                status["finished"] = now_iso()
                status["wall_s"] = round(time.monotonic() - t0, 3)
                if status["state"] == RUNNING:  # a BaseException other than Ctrl-C
                    status["state"] = INTERRUPTED
                status["exit_code"] = exit_code(status)
                if beat.write(final=True):
                    log.write(f"# {status['state']} after {status['wall_s']} s\n")
                else:
                    log.write("# another attempt has taken this point over; its status is "
                              "left as it is\n")
            finally:
                _finishing = False
    return status


class _Heartbeat:
    """Rewrites ``status.json`` every :data:`HEARTBEAT_S` seconds while the point runs
    (``heartbeat``: the time), so a dispatcher on another host can tell a running point
    from a dead one (:func:`orchestrator.dispatch.folders.process_alive`). Every write
    first checks that the status on disk is still this attempt's: a later attempt that
    took the point over is never overwritten."""

    def __init__(self, folder: Path, status: dict[str, Any]) -> None:
        self.folder, self.status = folder, status
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            self.write()

    def write(self, final: bool = False) -> bool:
        """Write the status (with a fresh heartbeat); False if another attempt owns it."""
        with self._lock:
            if final:
                self._stop.set()
            on_disk = read_json(self.folder / STATUS_FILE)
            if isinstance(on_disk, dict) and on_disk.get("attempt") not in (
                    None, self.status["attempt"]):
                return False
            if not final and self._stop.is_set() and self.status["state"] != RUNNING:
                return True
            self.status["heartbeat"] = now_iso()
            write_status(self.folder, self.status)
            return True


def _point_study(info: dict[str, Any], folder: Path, backend):
    from orchestrator.study.load import validate_study
    from orchestrator.study.sweep import point_id

    study = validate_study(info["study"], source=str(folder / POINT_FILE))
    now = point_id(study, backend.name)
    if info.get("id") and now != info["id"]:
        raise RuntimeError(f"{folder / POINT_FILE}: the point's content hash is now {now}, not "
                           f"{info['id']} (its initial-state file changed since the sweep was "
                           "planned?); run the study again to plan it afresh")
    return study


def _relative(path: os.PathLike | str, folder: Path) -> str:
    p = Path(path)
    try:
        return p.resolve().relative_to(folder).as_posix()
    except ValueError:
        return str(p)


def _on_signal(signum, frame):  # pragma: no cover - exercised through subprocesses
    """SIGTERM/SIGINT become one KeyboardInterrupt; later ones (a terminal's Ctrl-C and
    the dispatcher's SIGTERM both arrive) must not cut the recording of it short."""
    global _interrupted
    if _finishing or _interrupted:
        return
    _interrupted = True
    raise KeyboardInterrupt(f"signal {signum}")


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM when the dispatcher that started us dies (even by
    SIGKILL), so no worker outlives its run unnoticed."""
    parent = os.environ.get("MMSTUDY_PARENT_PID")
    if not parent or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover
        return
    if str(os.getppid()) != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: run the point folder given as the argument."""
    parser = argparse.ArgumentParser(prog="python -m orchestrator.dispatch.worker",
                                     description="Run one point folder of an mmstudy sweep.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--gpu", type=int, default=None)
    parser.add_argument("--prepared", action="store_true",
                        help="the dispatcher already moved the previous attempt aside")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    _die_with_parent()
    try:
        status = run_point(args.folder, threads=args.threads, gpu=args.gpu,
                           prepare=not args.prepared)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except PointBusy as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    return exit_code(status)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
