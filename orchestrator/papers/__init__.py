"""Paper reproductions: each paper's studies run end to end, analysed, and reported.

``overrides.py`` loads a study file with dotted-path overrides applied (a paper's quick
mode: the same study files, shorter and coarser); ``janus/`` reproduces paper 000 (Zhang
et al. 2025, the Janus skyrmion): ``python -m orchestrator.papers.janus`` (``make janus``).
"""
