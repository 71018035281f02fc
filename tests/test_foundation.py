"""One home per idea: physical constants only in mmstudy/constants.py, the run-folder file
names only in mmstudy/layout.py (an AST scan of the code, docstrings excluded)."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

from mmstudy import constants, layout

ROOT = Path(__file__).resolve().parents[1]
CODE = [p for folder in ("analysis", "orchestrator", "mmstudy", "benchmarks")
        for p in sorted((ROOT / folder).rglob("*.py"))]
CONSTANTS = {constants.HBAR, constants.QE, constants.MUB, constants.KB, constants.GAMMA0,
             constants.MUMAX3_GAMMA_LL}
LAYOUT = {getattr(layout, n) for n in layout.__all__ if isinstance(getattr(layout, n), str)}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _is_mu0(node: ast.AST) -> bool:
    """``4e-7 * np.pi`` / ``4e-7 * math.pi`` / ``4 * pi * 1e-7`` as an expression."""
    try:
        text = ast.unparse(node).replace(" ", "")
    except Exception:  # pragma: no cover
        return False
    return text in {"4e-7*np.pi", "4e-7*math.pi", "4*np.pi*1e-7", "4*math.pi*1e-7",
                    "np.pi*4e-7", "math.pi*4e-7"}


@pytest.mark.parametrize("path", CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_constants_and_file_names_have_one_home(path):
    rel = path.relative_to(ROOT).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docs:
            v = node.value
            if isinstance(v, float) and any(math.isclose(v, c, rel_tol=1e-12) for c in CONSTANTS) \
                    and rel != "mmstudy/constants.py":
                found.append(f"line {node.lineno}: the constant {v!r} (import it from "
                             "mmstudy.constants)")
            if isinstance(v, str) and v in LAYOUT and rel != "mmstudy/layout.py":
                found.append(f"line {node.lineno}: the file name {v!r} (import it from "
                             "mmstudy.layout)")
        if isinstance(node, ast.BinOp) and _is_mu0(node) and rel != "mmstudy/constants.py":
            found.append(f"line {node.lineno}: μ0 written out (import MU0 from mmstudy.constants)")
    assert not found, f"{rel}: " + "; ".join(found)


def test_the_constants_are_codata_2018_and_the_solvers_mu0():
    # CODATA 2018 exact values (SI redefinition): e, ħ = h/2π, k_B; μB recommended
    assert constants.QE == 1.602176634e-19
    assert math.isclose(constants.HBAR, 6.62607015e-34 / (2 * math.pi), rel_tol=1e-9)
    assert constants.KB == 1.380649e-23
    assert math.isclose(constants.MUB, constants.QE * constants.HBAR / (2 * 9.1093837015e-31),
                        rel_tol=1e-9)
    # OOMMF's and mumax3's μ0, not CODATA's measured one: our fields equal theirs
    assert constants.MU0 == 4e-7 * math.pi
    # γ0 = μ0 γ: OOMMF's default 2.211e5 m/(A s) is mumax3's GammaLL to 4 digits
    assert math.isclose(constants.GAMMA0 / constants.MU0, constants.MUMAX3_GAMMA_LL, rel_tol=1e-4)
