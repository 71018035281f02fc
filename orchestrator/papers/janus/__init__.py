"""Paper 000 end to end: Zhang et al. 2025, "Janus skyrmion: interfacial quasiparticle with
two-faced helicity" (``make janus``; notes in ``shared/papers/notes-000.md``).

``python -m orchestrator.papers.janus [--quick] [--backend builtin|oommf|mumax3] [--out DIR]
[--report DIR]`` runs the five study files of ``studies/janus/`` (one per figure; with
``--quick`` the overrides of ``studies/janus/quick.toml``) through
:func:`orchestrator.dispatch.run.run_study` (finished points are reused: a rerun only runs
what changed), analyses every point, and writes a Markdown report with a PNG and a CSV per
figure, each result next to the paper's.

Modules: ``pipeline.py`` (the studies, their runs, the order of work), ``analyse.py`` (one
function per figure: point folders → tables), ``figures.py`` (tables → PNGs), ``report.py``
(tables → Markdown), ``__main__.py`` (the command line).
"""

from __future__ import annotations

from pathlib import Path

from mmstudy.resources import checkout_root, study_path

__all__ = ["ROOT", "STUDIES_DIR", "STUDIES", "QUICK_OVERRIDES", "PAPER"]

#: the checkout (installed: the current folder), against which the report's paths are written
ROOT = checkout_root() or Path.cwd()
#: the shipped study files of this paper (package data: mmstudy.resources)
STUDIES_DIR = study_path("janus")
#: the study files, one per figure, in the order they run (cheap first)
STUDIES = ("fig1_relaxed", "fig2_field", "fig3_sot_theta", "fig4_sot_current", "fig5_thermal")
QUICK_OVERRIDES = STUDIES_DIR / "quick.toml"

#: What the paper states, quoted next to our numbers in the report.
PAPER = {
    "fig1": "Uniform Néel or Bloch DMI gives centrosymmetric Néel or Bloch skyrmions; Néel DMI "
            "on the left half and Bloch DMI on the right give a Janus skyrmion on the interface "
            "with both helicities (Néel left, Bloch right), Q = −1, its faces set by the DMI signs.",
    "fig2": "A field along −x or −y increases the Janus skyrmion's size, along +x or +y shrinks "
            "it (impossible for a normal, centrosymmetric skyrmion); ±z changes it as usual.",
    "fig3": "One-dimensional motion along the interface (±y), no skyrmion Hall effect; "
            "v_y = c cos(θ + π/4) with c = 20 m/s at j = 1 MA/cm² and c = 60 m/s at 3 MA/cm²; "
            "|v_y|(θ) slightly asymmetric at the larger j.",
    "fig4": "At θ = 270° the speed grows with j, and so does the deformation (the steady ⟨m_z⟩ "
            "changes with j); too strong a drive detaches the skyrmion from the interface "
            "(Supplementary Fig. 2), after which it is a normal skyrmion.",
    "fig5": "At 10, 50 and 100 K the Janus skyrmion performs a one-dimensional random walk along "
            "the interface: y diffuses (more at higher T), x only fluctuates slightly; its size "
            "grows with T (⟨m_z⟩ drops).",
}
#: c of v_y = c cos(θ + π/4) in the paper (m/s), by j (A/m²)
PAPER_C = {1e10: 20.0, 3e10: 60.0}
