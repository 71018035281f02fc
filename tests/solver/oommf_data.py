"""Loading the OOMMF fixtures (tests/data/oommf) for the solver's term tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from analysis import read_ovf

OOMMF = Path(__file__).resolve().parents[1] / "data" / "oommf"


def unit(a: np.ndarray) -> np.ndarray:
    """Normalise vectors along the last axis."""
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def load_m(name: str) -> np.ndarray:
    """OOMMF's m0 ``{ Oxs_FileVectorField { file ... norm 1 } }``: M/|M|."""
    return unit(np.asarray(read_ovf(OOMMF / name).values, dtype=np.float64))


def load_field(name: str) -> np.ndarray:
    """A field file's values (A/m), shape (nz, ny, nx, 3)."""
    return np.asarray(read_ovf(OOMMF / name).values, dtype=np.float64)


def rel_err(H: np.ndarray, ref: np.ndarray) -> float:
    """max |H − ref| relative to max |ref|."""
    return float(np.abs(H - ref).max() / np.abs(ref).max())


def random_m(shape: tuple, seed: int = 0) -> np.ndarray:
    """Random unit vectors of shape ``shape + (3,)``."""
    return unit(np.random.default_rng(seed).normal(size=tuple(shape) + (3,)))
