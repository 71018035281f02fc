"""oommfc's OOMMF runner for the tests that drive a system through oommfc: boxsi started as
mmstudy's OOMMF backend starts it (a private host server on a free port, ended with the run
by ``-kill all``), so no OOMMF server stays behind (oommfc's default runner leaves host,
account and mmarchive processes running)."""

from __future__ import annotations

import os
import socket
import subprocess


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def private_runner(command: list[str]):
    """An ``oommfc.oommf.OOMMFRunner`` running ``command`` (the OOMMF command line, e.g.
    ``OOMMFBackend()._command()[0]``); oommfc is imported here, when a test needs it."""
    import oommfc as oc

    class PrivateRunner(oc.oommf.OOMMFRunner):
        def __init__(self) -> None:
            self.oommf = command
            super().__init__()

        def _call(self, argstr, need_stderr=False, n_threads=None, dry_run=False):
            cmd = [*self.oommf, "boxsi", "+fg", argstr, "-exitondone", "1", "-kill", "all",
                   "-threads", "1"]
            env = dict(os.environ, OOMMF_HOSTPORT=str(_free_port()))
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

        def _kill(self, targets=("all",), dry_run=False):
            pass

        def _launchhost(self, dry_run=False):
            return ""

        def errors(self):
            return ""

        def __repr__(self):
            return f"PrivateRunner({self.oommf})"

    return PrivateRunner()
