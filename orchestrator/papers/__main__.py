"""``python -m orchestrator.papers list|run|report ...``: the paper commands of ``mmstudy
paper`` as a program of their own (:mod:`orchestrator.papers.cli`)."""

from __future__ import annotations

from orchestrator.papers.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
