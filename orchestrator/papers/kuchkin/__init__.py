"""Paper 003 on the paper framework: Kuchkin et al., "Geometry and symmetry in skyrmion
dynamics" (``make kuchkin``; notes in ``shared/papers/notes-003.md``).

``paper.toml`` holds the figures, numbers and claims (with their tolerances and reasons),
``templates/`` the report's prose; ``analyse.py`` and ``draw.py`` what cannot be data.
Studies: ``studies/kuchkin/`` (reduced units, the texture library, fourth-order DMI and
Zhang–Li).
"""

from __future__ import annotations

from orchestrator.papers.paper import Paper

__all__ = ["PAPER"]

PAPER = Paper.from_folder(__file__)

from orchestrator.papers.kuchkin import analyse, draw  # noqa: E402,F401  (they register)
