"""Paper 000 on the paper framework: Zhang et al. 2025, "Janus skyrmion: interfacial
quasiparticle with two-faced helicity" (``make janus``; notes in
``shared/papers/notes-000.md``). The worked example of ``docs/ARCHITECTURE.md``, "Add a
paper".

What the paper is lives in data: ``paper.toml`` (citation, the five study files of
``studies/janus/`` and their quick overrides, each figure's quoted statement, reference
numbers, analysis parameters, plots and claims with their tolerances and reasons) and
``templates/`` (the report's prose). The Python is what cannot be data: ``analyse.py``
(one function per figure: runs → table, measured claims, facts for the prose) and
``draw.py`` (one function per PNG). Run it with ``mmstudy paper run janus [--quick]``.
"""

from __future__ import annotations

from orchestrator.papers.paper import Paper

__all__ = ["PAPER"]

PAPER = Paper.from_folder(__file__)

from orchestrator.papers.janus import analyse, draw  # noqa: E402,F401  (they register on PAPER)
