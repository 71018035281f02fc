"""Paper 002 on the paper framework: Ohki and Mochizuki's review of current-driven skyrmion
dynamics (``make ohki``; notes in ``shared/papers/notes-002.md``, design in
``docs/design/ohki.md``).

``paper.toml`` holds the figures, numbers and claims (with their tolerances and reasons),
``templates/`` the report's prose; what cannot be data: ``points.py`` (a finished point,
opened once), ``analyse.py`` (Figs. 8, 9, 11, Table 1), ``tracks.py`` (the track runs at
the edge, the checks), ``dirty.py`` (Fig. 10) and ``draw.py``.
Studies: ``studies/ohki/`` (the lattice mode: ``[lattice]`` tables, paper 002's currents,
the antiferromagnet's checkerboard).
"""

from __future__ import annotations

from orchestrator.papers.paper import Paper

__all__ = ["PAPER"]

PAPER = Paper.from_folder(__file__)

from orchestrator.papers.ohki import analyse, dirty, draw, tracks  # noqa: E402,F401  (they register)
