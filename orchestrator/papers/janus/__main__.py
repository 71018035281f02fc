"""``python -m orchestrator.papers.janus [--quick] [--backend B] [--out D] [--report D]
[--jobs N] [--no-progress] [--figure F]``: the same as ``mmstudy paper run janus ...``
(``make janus``, ``make janus-quick``), kept for the commands written before the paper
framework (:mod:`orchestrator.papers.cli`)."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """``paper run janus`` with these options; returns the exit status."""
    from orchestrator.papers.cli import PROG, main as papers_main

    args = list(sys.argv[1:] if argv is None else argv)
    return papers_main(["run", "janus", *args], prog_name=PROG)


if __name__ == "__main__":
    raise SystemExit(main())
