"""Paper 004 on the paper framework: Tan et al., strain pulses move a skyrmion between the
petals of a flower-shaped nanostructure (``make flower``; notes in
``shared/papers/notes-004.md``, design in ``docs/design/flower.md``).

``paper.toml`` holds the figures, numbers and claims (with their tolerances and reasons),
``templates/`` the report's prose; ``analyse.py`` and ``draw.py`` what cannot be data.
Studies: ``studies/flower/`` (the ``flower`` and ``regular_polygon`` shapes, the strain as
an anisotropy drive switched by the stages).
"""

from __future__ import annotations

from orchestrator.papers.paper import Paper

__all__ = ["PAPER"]

PAPER = Paper.from_folder(__file__)

from orchestrator.papers.flower import analyse, draw, forces, landscape, pie  # noqa: E402,F401,I001  (they register)
