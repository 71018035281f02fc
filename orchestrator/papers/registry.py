"""Which papers there are: every folder of ``orchestrator/papers/`` with a ``paper.toml``.

:func:`names` lists them (no import), :func:`get` imports a paper's package, whose
``PAPER`` (:class:`~orchestrator.papers.paper.Paper`) has its analysis and drawing
functions registered. Adding a paper is adding a folder (``docs/ARCHITECTURE.md``,
"Add a paper").
"""

from __future__ import annotations

import importlib
from pathlib import Path

from orchestrator.papers.paper import SPEC_FILE, Paper

__all__ = ["PAPERS_DIR", "UnknownPaper", "names", "get", "all_papers"]

#: the folder of the paper packages
PAPERS_DIR = Path(__file__).resolve().parent


class UnknownPaper(ValueError):
    """A paper name that no folder of ``orchestrator/papers/`` has."""


def names() -> list[str]:
    """The registered papers' names (folder names), sorted."""
    return sorted(p.parent.name for p in PAPERS_DIR.glob(f"*/{SPEC_FILE}"))


def get(name: str) -> Paper:
    """The paper called ``name``.

    Raises
    ------
    UnknownPaper
        Naming the registered papers, for an unknown name.
    """
    if name not in names():
        raise UnknownPaper(f"no paper {name!r}; the papers are: {', '.join(names()) or '(none)'}")
    module = importlib.import_module(f"orchestrator.papers.{name}")
    paper = getattr(module, "PAPER", None)
    if not isinstance(paper, Paper):
        raise TypeError(f"orchestrator.papers.{name} defines no PAPER = Paper.from_folder(...)")
    return paper


def all_papers() -> list[Paper]:
    """Every registered paper."""
    return [get(n) for n in names()]
