"""Paper reproductions: each paper's studies run end to end, analysed, and reported.

A paper is a folder here with a ``paper.toml`` (:mod:`.spec`), report templates, and the
analysis and drawing functions it registers on its ``PAPER`` (:mod:`.paper`);
:mod:`.registry` finds them. Shared: :mod:`.pipeline` (run → analyse → judge → draw →
report), :mod:`.claims`, :mod:`.report`, :mod:`.markdown`, :mod:`.recipes`,
:mod:`.overrides` (quick mode), and the command line :mod:`.cli` (``mmstudy paper``).
Papers: ``janus/`` (paper 000, Zhang et al. 2025, the Janus skyrmion), ``kuchkin/`` (paper
003, Kuchkin et al. 2021, geometry and symmetry in skyrmion dynamics; first version).
"""
