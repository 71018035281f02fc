"""Backends: the built-in solver, mumax3 and OOMMF behind one interface (``base.py``)."""

from orchestrator.backends.base import (Backend, SolverInfo, SolverNotFound, UnsupportedFeature,
                                        get_backend)

__all__ = ["Backend", "SolverInfo", "SolverNotFound", "UnsupportedFeature", "get_backend"]
