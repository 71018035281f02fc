"""``python -m orchestrator.papers.janus``: reproduce paper 000 (``make janus``,
``make janus-quick``); see :mod:`orchestrator.papers.janus`."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run :func:`~orchestrator.papers.janus.pipeline.reproduce`."""
    parser = argparse.ArgumentParser(
        prog="python -m orchestrator.papers.janus",
        description="Reproduce paper 000 (the Janus skyrmion): run studies/janus/*.toml, "
                    "analyse, and write a report with a PNG and a CSV per figure.")
    parser.add_argument("--quick", action="store_true",
                        help="quick mode: the overrides of studies/janus/quick.toml (~5 min)")
    parser.add_argument("--backend", default="builtin", choices=["builtin", "oommf", "mumax3"],
                        help="solver (default: builtin)")
    parser.add_argument("--out", default=None,
                        help="runs folder (default runs/janus[-quick]/<backend>/ in the "
                             "repository, or in the current directory if mmstudy is installed)")
    parser.add_argument("--report", default=None,
                        help="report folder (default reports/janus/<quick|full>[-<backend>]/ "
                             "in the repository, or in the current directory if mmstudy is "
                             "installed)")
    parser.add_argument("--jobs", type=int, default=2, help="points at once (default 2)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    from orchestrator.backends.base import SolverNotFound, UnsupportedFeature
    from orchestrator.dispatch.run import OutputLocked
    from orchestrator.papers.janus.pipeline import reproduce
    from orchestrator.study.load import StudyError

    try:
        return reproduce(quick=args.quick, backend=args.backend, out=args.out,
                         report=args.report, jobs=args.jobs, progress=not args.no_progress)
    except (SolverNotFound, UnsupportedFeature, OutputLocked, StudyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished points are kept; run the same command again to resume",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
