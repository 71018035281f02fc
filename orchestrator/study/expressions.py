"""Arithmetic expressions in study files: time profiles f(t) and derived sweep values.

A study may say ``expression = "sin(2*pi*1e9*t)"`` for a drive's time profile, or
``"[cos(theta), sin(theta), 0]"`` for a value derived from swept parameters. The text
is parsed once with Python's :mod:`ast`, checked against a small whitelist (numbers,
names, + − * / ** %, unary minus, calls of the functions below; a [list] as the whole
expression), and
can then be

* evaluated with numpy (:func:`evaluate`, :func:`time_function`), for the built-in
  solver and for derived values;
* written as mumax3 script text (:func:`to_mumax3`) or as a Tcl ``expr`` (:func:`to_tcl`),
  so the generated scripts compute exactly the same function.

Nothing is ever passed to ``eval``: a whitelist walker is the only safe way to accept
formulas from data files, and no library offers one that also emits mumax3 and Tcl.

Functions: sin cos tan asin acos atan atan2 sinh cosh tanh exp log sqrt abs floor ceil
pow min max heaviside (0 for x < 0, 1 for x ≥ 0) and mod (floored, as Python's %, and
computed as ``a − b·floor(a/b)`` in every backend, so a square train switches at the
same instants everywhere); constants pi and e.

Examples
--------
>>> f = time_function("1 + sin(2*pi*t/1e-9)")
>>> round(f(0.25e-9), 12)
2.0
>>> to_mumax3(parse("heaviside(t - 1e-9) * 2**3"), {"t": "t"})
'(ceil(heaviside((t - 1e-09))) * pow(2, 3))'
>>> to_tcl(parse("heaviside(t - 1e-9)"), {"t": "$t"})
'((($t - 1e-09)) >= 0 ? 1.0 : 0.0)'
>>> evaluate("[cos(theta), sin(theta), 0]", {"theta": 0.0})
[1.0, 0.0, 0.0]
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import math
from collections.abc import Callable, Mapping

import numpy as np

__all__ = ["ExpressionError", "parse", "names", "evaluate", "time_function", "to_mumax3",
           "to_tcl", "FUNCTIONS"]


class ExpressionError(ValueError):
    """An expression that does not parse, uses something not allowed, or an unknown name."""


def _heaviside(x):
    return np.where(np.asarray(x) >= 0, 1.0, 0.0) if np.ndim(x) else (1.0 if x >= 0 else 0.0)


def _mod(a, b):
    # The same floating-point operations as the mumax3 and Tcl renderings below (not
    # np.mod, whose exact remainder differs from them at multiples of b: for t = k·period
    # a train would be on in one backend and off in another).
    return np.subtract(a, np.multiply(b, np.floor(np.true_divide(a, b))))


FUNCTIONS: dict[str, Callable] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos,
    "atan": np.arctan, "atan2": np.arctan2, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs,
    "floor": np.floor, "ceil": np.ceil, "pow": np.power, "min": np.minimum,
    "max": np.maximum, "heaviside": _heaviside, "mod": _mod,
}
CONSTANTS = {"pi": math.pi, "e": math.e}
_ARITY = {"atan2": 2, "pow": 2, "min": 2, "max": 2, "mod": 2}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
           ast.Mod: "%"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


@functools.lru_cache(maxsize=512)
def parse(text: str) -> ast.Expression:
    """Parse and check an expression.

    Raises
    ------
    ExpressionError
        On a syntax error or a construct outside the whitelist.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(f"expected an expression (text), got {text!r}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"{text!r} is not a valid expression: {err.msg}") from None
    if isinstance(tree.body, ast.List):  # a [list] only as the whole expression
        for a in tree.body.elts:
            _check(a, text)
    else:
        _check(tree.body, text)
    return tree


def _check(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"{text!r}: only numbers are allowed as constants, "
                                  f"not {node.value!r}")
    elif isinstance(node, ast.Name):
        pass
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        _check(node.left, text)
        _check(node.right, text)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _check(node.operand, text)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError(f"{text!r}: unknown function "
                                  f"{ast.unparse(node.func)!r} (allowed: "
                                  f"{', '.join(sorted(FUNCTIONS))})")
        if node.keywords or len(node.args) != _ARITY.get(node.func.id, 1):
            raise ExpressionError(f"{text!r}: {node.func.id}() takes "
                                  f"{_ARITY.get(node.func.id, 1)} argument(s)")
        for a in node.args:
            _check(a, text)
    else:
        raise ExpressionError(f"{text!r}: {ast.unparse(node)!r} is not allowed (numbers, "
                              "names, + - * / ** %, function calls and [lists] only)")


def names(text: str) -> set[str]:
    """The variable names an expression uses (functions and constants excluded)."""
    tree = parse(text)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
            and n.id not in FUNCTIONS and n.id not in CONSTANTS}


def _eval(node: ast.AST, env: Mapping):
    if isinstance(node, ast.Constant):
        # numbers are floats, as in mumax3 (binary operators convert to float64) and in
        # the Tcl rendering: "2**-1" is 0.5 and "10**20" cannot overflow an int64
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise ExpressionError(f"unknown name {node.id!r} (known: {', '.join(sorted(env))})")
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, env), _eval(node.right, env)
        op = type(node.op)
        return {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
                ast.Div: np.true_divide, ast.Pow: np.power, ast.Mod: _mod}[op](a, b)
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, env)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*(_eval(a, env) for a in node.args))
    if isinstance(node, ast.List):
        return [_eval(a, env) for a in node.elts]
    raise ExpressionError(f"cannot evaluate {ast.unparse(node)!r}")  # pragma: no cover


def _plain(v):
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic) or (isinstance(v, np.ndarray) and v.ndim == 0):
        return v.item()
    return v


def evaluate(text: str, env: Mapping[str, float]):
    """Evaluate an expression with variables from ``env``; a list gives a list.

    Raises
    ------
    ExpressionError
        If it uses a name that ``env`` lacks.
    """
    return _plain(_eval(parse(text).body, env))


def time_function(text: str, scale: float = 1.0) -> Callable[[float], float]:
    """``f(t) = scale * expression(t)`` as a Python callable (t in seconds).

    Raises
    ------
    ExpressionError
        If the expression uses any variable other than ``t``.
    """
    extra = names(text) - {"t"}
    if extra:
        raise ExpressionError(f"{text!r}: a time profile may only use t, not "
                              f"{', '.join(sorted(extra))}")
    body = parse(text).body
    if isinstance(body, ast.List):
        raise ExpressionError(f"{text!r}: a time profile is one number, not a [list]")

    def f(t: float) -> float:
        return scale * float(_eval(body, {"t": t}))

    f.__doc__ = f"{scale} * ({text})"
    return f


# --------------------------------------------------------------------------- rendering

def _num(v) -> str:
    return repr(float(v)) if isinstance(v, float) else str(v)


@dataclasses.dataclass(frozen=True)
class _Dialect:
    """What differs between the solvers' expression languages."""

    label: str
    pi: str
    e: str
    heaviside: str          # a format with {x}
    float_literals: bool    # write every number as a float (Tcl: 1/2 is integer division)


_MUMAX3 = _Dialect("mumax3", "pi", repr(math.e),
                   # mumax3's heaviside(0) is 0.5 (script/stdlib.go); ours is 1
                   "ceil(heaviside({x}))", float_literals=False)
_TCL = _Dialect("Tcl", repr(math.pi), repr(math.e), "(({x}) >= 0 ? 1.0 : 0.0)",
                float_literals=True)


def _render(tree: ast.Expression, names: Mapping[str, str], dialect: _Dialect) -> str:
    def floored_mod(a: str, b: str) -> str:  # numpy's and Python's floored modulo
        return f"(({a}) - ({b}) * floor(({a}) / ({b})))"

    def r(node):
        if isinstance(node, ast.Constant):
            return _num(float(node.value) if dialect.float_literals else node.value)
        if isinstance(node, ast.Name):
            return names[node.id] if node.id in names else _const(node.id, dialect.pi, dialect.e)
        if isinstance(node, ast.BinOp):
            a, b = r(node.left), r(node.right)
            if isinstance(node.op, ast.Pow):
                return f"pow({a}, {b})"
            if isinstance(node.op, ast.Mod):
                return floored_mod(a, b)
            return f"({a} {_BINOPS[type(node.op)]} {b})"
        if isinstance(node, ast.UnaryOp):
            return f"(-{r(node.operand)})" if isinstance(node.op, ast.USub) else r(node.operand)
        if isinstance(node, ast.Call):
            args = [r(a) for a in node.args]
            fn = node.func.id
            if fn == "mod":
                return floored_mod(*args)
            if fn == "heaviside":
                return dialect.heaviside.format(x=args[0])
            return f"{fn}({', '.join(args)})"
        raise ExpressionError(f"cannot render {ast.unparse(node)!r} for {dialect.label}")
    return r(tree.body)


def to_mumax3(tree: ast.Expression, names: Mapping[str, str]) -> str:
    """Render as mumax3 script text; ``names`` maps variables to mumax3 text (``t``)."""
    return _render(tree, names, _MUMAX3)


def to_tcl(tree: ast.Expression, names: Mapping[str, str]) -> str:
    """Render as a Tcl ``expr`` body (OOMMF MIF); ``names`` maps variables to Tcl text."""
    return _render(tree, names, _TCL)


def _const(name: str, pi: str, e: str = "2.718281828459045") -> str:
    if name == "pi":
        return pi
    if name == "e":
        return e
    raise ExpressionError(f"unknown name {name!r}")
