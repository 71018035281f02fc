"""Expressions (orchestrator/study/expressions.py) and drive time profiles (profiles.py).

The renderings are checked against independent evaluators:

* Tcl: the ``to_tcl`` text is evaluated by ``tclsh`` itself (``expr``), when it is installed;
* mumax3: the ``to_mumax3`` text is evaluated in Python with functions that follow mumax3's
  own definitions in ``script/stdlib.go`` (github.com/mumax/3): ``heaviside`` returns 0.5
  at 0, ``mod`` is Go's ``math.Mod`` (truncated), ``pow`` is ``math.Pow``; every binary
  operator converts to float64 (``script/binaryexpr.go``), as Python's do.
"""

from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from orchestrator.study.expressions import (FUNCTIONS, ExpressionError, evaluate, names, parse,
                                            time_function, to_mumax3, to_tcl)
from orchestrator.study.model import Constant, Expression, Pulse, Train
from orchestrator.study.profiles import envelope_expression, envelope_function

TCLSH = shutil.which("tclsh")
needs_tcl = pytest.mark.skipif(TCLSH is None, reason="tclsh is not installed")


def _go_mod(a, b):          # Go's math.Mod: the sign of a (truncated)
    return math.fmod(a, b)


def _mumax3_heaviside(x):   # script/stdlib.go
    return 0.5 if x == 0 else (0.0 if x < 0 else 1.0)


MUMAX3 = {"__builtins__": {}, "pi": math.pi, "heaviside": _mumax3_heaviside, "mod": _go_mod,
          "pow": math.pow, "floor": math.floor, "ceil": math.ceil, "sin": math.sin,
          "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos,
          "atan": math.atan, "atan2": math.atan2, "sinh": math.sinh, "cosh": math.cosh,
          "tanh": math.tanh, "exp": math.exp, "log": math.log, "sqrt": math.sqrt,
          "abs": abs, "min": min, "max": max}


def mumax3_eval(expr: str, t: float) -> float:
    """Evaluate an expression the way mumax3 would evaluate its rendering."""
    text = to_mumax3(parse(expr), {"t": "t"})
    return float(eval(text, MUMAX3, {"t": t}))   # noqa: S307 (our own rendered text)


def tcl_eval(exprs: list[str], ts: list[float]) -> list[float]:
    """Evaluate each rendered expression at each t with one tclsh process."""
    lines = []
    for e in exprs:
        body = to_tcl(parse(e), {"t": "$t"})
        for t in ts:
            lines.append(f"set t {float(t)!r}; puts [expr {{{body}}}]")
    out = subprocess.run([TCLSH], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, timeout=60, check=True).stdout.split()
    assert len(out) == len(exprs) * len(ts)
    return [float(v) for v in out]


# --------------------------------------------------------------------------- evaluation

@pytest.mark.parametrize("text, env, expected", [
    ("1 + 2*3 - 4/8", {}, 6.5),
    ("2**10", {}, 1024),
    ("2**-1", {}, 0.5),                              # floats, as mumax3 and Tcl
    ("10**20 * 10**20", {}, 1e40),                   # no int64 overflow
    ("-t + +t", {"t": 3.0}, 0.0),
    ("sin(pi/2) + cos(0)", {}, 2.0),
    ("atan2(1, 1)", {}, math.pi / 4),
    ("exp(1) - e", {}, 0.0),
    ("min(3, t) + max(3, t)", {"t": 5.0}, 8.0),
    ("pow(2, 0.5)**2", {}, 2.0),
    ("floor(-1.5) + ceil(-1.5)", {}, -3.0),
    ("abs(-2) * sqrt(16) / log(e**2)", {}, 4.0),
    ("1/2", {}, 0.5),                                # true division
])
def test_evaluate(text, env, expected):
    assert evaluate(text, env) == pytest.approx(expected, rel=1e-15, abs=1e-15)


def test_evaluate_list_and_names():
    assert evaluate("[cos(theta), sin(theta), 0]", {"theta": math.pi / 2}) == \
        pytest.approx([0.0, 1.0, 0.0], abs=1e-16)
    assert names("a*sin(b) + pi - e + t**2") == {"a", "b", "t"}


def test_numpy_arrays_evaluate_elementwise():
    t = np.linspace(-1, 1, 5)
    np.testing.assert_array_equal(evaluate("heaviside(t) * 2", {"t": t}), [0, 0, 2, 2, 2])


@pytest.mark.parametrize("x, expected", [(0.0, 1.0), (-0.0, 1.0), (1e-300, 1.0),
                                         (-1e-300, 0.0), (-5.0, 0.0), (7.0, 1.0)])
def test_heaviside_is_one_at_zero(x, expected):
    assert evaluate("heaviside(x)", {"x": x}) == expected
    assert evaluate("heaviside(x)", {"x": np.array([x])}) == [expected]


@pytest.mark.parametrize("a, b, expected", [(7, 3, 1), (-7, 3, 2), (7, -3, -2), (-7, -3, -1),
                                            (-1, 3, 2), (5.5, 2, 1.5), (-0.5, 2, 1.5)])
def test_mod_is_floored_like_python(a, b, expected):
    assert a % b == expected                                  # Python's own %
    assert evaluate("mod(a, b)", {"a": a, "b": b}) == expected
    assert evaluate("a % b", {"a": a, "b": b}) == expected


@pytest.mark.parametrize("text", [
    "__import__('os')", "t.real", "(lambda: 1)()", "'abc'", "sin(x=1)", "sin(1, 2)",
    "atan2(1)", "foo(1)", "t if t else 1", "[i for i in [1]]", "True", "t < 1",
    "1 +", "", "   ", "t[0]", "{1: 2}", "x == 1", "not t", "t and 1", "sin.__call__(1)",
    "open('f')", "eval('1')", "1 // 2", "t << 2", "f'{t}'", "b'x'", "None",
    "sin([1, 2])", "[[1, 2], 3]", "1 + [t]",          # a list only as the whole expression
])
def test_whitelist_refuses(text):
    with pytest.raises(ExpressionError) as err:
        parse(text)
    assert repr(text.strip()) in str(err.value) or repr(text) in str(err.value)


def test_refusal_messages_explain():
    with pytest.raises(ExpressionError, match="unknown function 'foo'.*allowed: abs"):
        parse("foo(1)")
    with pytest.raises(ExpressionError, match=r"atan2\(\) takes 2 argument"):
        parse("atan2(1)")
    with pytest.raises(ExpressionError, match=r"sin\(\) takes 1 argument"):
        parse("sin(x=1)")
    with pytest.raises(ExpressionError, match="only numbers"):
        parse("'abc'")


def test_unknown_names_and_non_text():
    with pytest.raises(ExpressionError, match="unknown name 'x'"):
        evaluate("x + 1", {"t": 0.0})
    with pytest.raises(ExpressionError, match="may only use t, not x"):
        time_function("x * t")
    with pytest.raises(ExpressionError, match="expected an expression"):
        parse(3.0)   # type: ignore[arg-type]


def test_time_function_scale():
    f = time_function("1 + sin(2*pi*t/1e-9)", scale=2.0)
    assert f(0.25e-9) == pytest.approx(4.0, rel=1e-15)
    assert isinstance(f(0.0), float)


# --------------------------------------------------------------------------- rendering

@pytest.mark.parametrize("text, mumax3, tcl", [
    ("t * 2", "(t * 2)", "($t * 2.0)"),
    ("2**3", "pow(2, 3)", "pow(2.0, 3.0)"),
    ("-t", "(-t)", "(-$t)"),
    ("sin(2*pi*t)", "sin(((2 * pi) * t))", "sin(((2.0 * 3.141592653589793) * $t))"),
    ("e", "2.718281828459045", "2.718281828459045"),
    ("heaviside(t)", "ceil(heaviside(t))", "(($t) >= 0 ? 1.0 : 0.0)"),
    ("mod(t, 2)", "((t) - (2) * floor((t) / (2)))", "(($t) - (2.0) * floor(($t) / (2.0)))"),
    ("t % 2", "((t) - (2) * floor((t) / (2)))", "(($t) - (2.0) * floor(($t) / (2.0)))"),
    ("1/2", "(1 / 2)", "(1.0 / 2.0)"),                 # Tcl: 1/2 would be integer 0
])
def test_renderings(text, mumax3, tcl):
    assert to_mumax3(parse(text), {"t": "t"}) == mumax3
    assert to_tcl(parse(text), {"t": "$t"}) == tcl


def test_rendering_refuses_unmapped_names():
    with pytest.raises(ExpressionError, match="unknown name 'x'"):
        to_mumax3(parse("x + t"), {"t": "t"})
    with pytest.raises(ExpressionError, match="unknown name 'x'"):
        to_tcl(parse("x + t"), {"t": "$t"})


CASES = [
    "1 + sin(2*pi*1e9*t)", "exp(-t/1e-9) * cos(3e9*t + 0.3)", "heaviside(t - 1e-9)",
    "heaviside(t - 1e-9) * (1 - heaviside(t - 2e-9))", "mod(t, 0.15e-9)", "t % 3e-10 - 1e-10",
    "1/2 + 3/4*t/1e-9", "pow(t/1e-9, 2) - (t/1e-9)**3", "atan2(t, 1e-9) + atan(t/1e-9)",
    "min(t, 1e-9) + max(t, 2e-9)", "floor(t/1e-10) + ceil(t/1e-10)", "abs(-t) + sqrt(t)",
    "tanh(t/1e-9) + sinh(t/1e-9) - cosh(t/1e-9)", "log(1 + t/1e-9) - e",
    "asin(t/1e-8) + acos(t/1e-8) + tan(t/1e-8)", "-(-t)", "2**-1 * t",
    envelope_expression(Train(period=0.15e-9, duty=1 / 3, count=5, t0=0.1e-9)),
    envelope_expression(Pulse(t0=0.5e-9, t1=1.5e-9)),
]


@needs_tcl
def test_tcl_rendering_evaluates_like_numpy():
    """Random t in [0, 2 ns): tclsh's expr against our numpy evaluation. Tolerance 1e-13
    relative (+1e-15 absolute near zeros): two C maths libraries agree to about an ulp
    per call, and none of these formulas amplifies that."""
    rng = np.random.default_rng(1)
    ts = list(rng.uniform(0, 2e-9, 12))
    got = tcl_eval(CASES, ts)
    k = 0
    for e in CASES:
        for t in ts:
            assert got[k] == pytest.approx(evaluate(e, {"t": t}), rel=1e-13, abs=1e-15), (e, t)
            k += 1


def test_mumax3_rendering_evaluates_like_numpy():
    rng = np.random.default_rng(2)
    for e in CASES:
        for t in rng.uniform(0, 2e-9, 12):
            assert mumax3_eval(e, t) == pytest.approx(evaluate(e, {"t": t}), rel=1e-13,
                                                      abs=1e-15), (e, t)


def test_mumax3_heaviside_edge_is_on_like_ours():
    """mumax3's heaviside(0) = 0.5 (script/stdlib.go); the rendering must still give 1 at
    the pulse's opening edge t = t0, and 0 at its closing edge t = t1."""
    pulse = envelope_expression(Pulse(t0=1e-9, t1=2e-9))
    for t, on in ((1e-9, 1.0), (2e-9, 0.0), (0.0, 0.0)):
        assert evaluate(pulse, {"t": t}) == on
        assert mumax3_eval(pulse, t) == on
    start = envelope_expression(Pulse(t0=0.0, t1=1e-9))
    assert evaluate(start, {"t": 0.0}) == mumax3_eval(start, 0.0) == 1.0


@needs_tcl
def test_train_switches_at_the_same_instants_in_every_backend():
    """At exact multiples of the period (where a saved snapshot or a fixed step lands)
    numpy, Tcl and mumax3 must agree whether the train is on: all three compute
    mod(a, b) as a − b·floor(a/b) with the same IEEE operations."""
    period = 0.15e-9
    env = envelope_expression(Train(period=period, duty=1 / 3))
    ts = [k * period for k in range(1, 120)] + [k * period + period / 3 for k in range(1, 60)]
    ours = [evaluate(env, {"t": t}) for t in ts]
    assert ours == tcl_eval([env], ts)
    assert ours == [mumax3_eval(env, t) for t in ts]
    # (exactly at k·period the rounding of k·period itself decides, the same way in all
    # three); just after it, every period is switched on
    assert all(evaluate(env, {"t": k * period * (1 + 1e-9)}) == 1.0 for k in range(1, 120))


# random expressions: rendering and evaluation agree (smooth, total functions only, so
# a last-bit difference between maths libraries cannot flip a discontinuity)

def _expr():
    leaf = st.one_of(st.just("t"), st.floats(0.1, 10, allow_nan=False).map(lambda v: repr(v)),
                     st.integers(1, 9).map(str))

    def extend(child):
        return st.one_of(
            st.tuples(child, st.sampled_from(["+", "-", "*"]), child).map(
                lambda x: f"({x[0]} {x[1]} {x[2]})"),
            st.tuples(child, child).map(lambda x: f"({x[0]}) / (1 + abs({x[1]}))"),
            st.tuples(st.sampled_from(["sin", "cos", "tanh", "atan", "abs"]), child).map(
                lambda x: f"{x[0]}({x[1]})"),
            st.tuples(st.sampled_from(["min", "max", "atan2"]), child, child).map(
                lambda x: f"{x[0]}({x[1]}, {x[2]})"),
            child.map(lambda x: f"-({x})"),
            child.map(lambda x: f"sqrt(1 + ({x})**2)"),
            child.map(lambda x: f"exp(tanh({x}))"),
            child.map(lambda x: f"pow(2, tanh({x}))"),
        )
    return st.recursive(leaf, extend, max_leaves=8)


@settings(max_examples=120, deadline=None)
@given(text=_expr(), t=st.floats(-5, 5, allow_nan=False))
def test_random_expressions_render_and_evaluate_consistently(text, t):
    assert names(text) <= {"t"}
    want = evaluate(text, {"t": t})
    assert mumax3_eval(text, t) == pytest.approx(want, rel=1e-12, abs=1e-12)


@needs_tcl
def test_random_expressions_in_tcl():
    """A batch of random expressions through one tclsh process (see the test above)."""
    rng = np.random.default_rng(5)
    leaves = ["t", "2", "0.5", "3.25", "7"]
    unary = ["sin({})", "cos({})", "tanh({})", "atan({})", "abs({})", "-({})",
             "sqrt(1 + ({})**2)", "exp(tanh({}))", "pow(2, tanh({}))"]
    binary = ["({} + {})", "({} - {})", "({} * {})", "({}) / (1 + abs({}))", "min({}, {})",
              "max({}, {})", "atan2({}, {})"]

    def build(depth):
        if depth == 0 or rng.random() < 0.2:
            return leaves[rng.integers(len(leaves))]
        if rng.random() < 0.5:
            return unary[rng.integers(len(unary))].format(build(depth - 1))
        return binary[rng.integers(len(binary))].format(build(depth - 1), build(depth - 1))

    exprs = [build(5) for _ in range(150)]
    ts = [-2.5, 0.0, 0.7, 3.9]
    got = tcl_eval(exprs, ts)
    want = [evaluate(e, {"t": t}) for e in exprs for t in ts]
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_every_function_renders_for_both_backends():
    for fn in FUNCTIONS:
        arity = 2 if fn in ("atan2", "pow", "min", "max", "mod") else 1
        text = f"{fn}({', '.join(['0.5'] * arity)})"
        v = evaluate(text, {})
        assert mumax3_eval(text, 0.0) == pytest.approx(v, rel=1e-15)


# --------------------------------------------------------------------------- profiles

def test_constant_profile():
    assert envelope_expression(Constant()) == "1"
    assert envelope_function(Constant(), scale=3.0)(1.0) == 3.0


def test_pulse_is_half_open():
    t0, t1 = 1e-9, 2e-9
    f = envelope_function(Pulse(t0=t0, t1=t1))
    before, after_t1 = np.nextafter(t0, 0), np.nextafter(t1, 0)
    assert [f(0.0), f(before), f(t0), f(1.5e-9), f(after_t1), f(t1), f(5e-9)] == \
        [0, 0, 1, 1, 1, 0, 0]
    assert envelope_function(Pulse(t0=0, t1=t1))(0.0) == 1.0


def test_pulse_needs_order():
    with pytest.raises(ValidationError, match="0 <= t0 < t1"):
        Pulse(t0=2e-9, t1=1e-9)
    with pytest.raises(ValidationError, match="0 <= t0 < t1"):
        Pulse(t0=1e-9, t1=1e-9)


def test_train_duty_count_and_start():
    period, duty, t0, count = 1e-9, 0.25, 0.5e-9, 3
    f = envelope_function(Train(period=period, duty=duty, t0=t0, count=count))
    # sample at mid-points of a fine grid (never on an edge)
    dt = period / 1000
    ts = (np.arange(int(6e-9 / dt)) + 0.5) * dt
    on = np.array([f(t) for t in ts])
    assert set(on) <= {0.0, 1.0}
    assert on[ts < t0].sum() == 0 and on[ts >= t0 + count * period].sum() == 0
    assert on.sum() * dt == pytest.approx(count * duty * period, rel=1e-9)
    assert np.count_nonzero(np.diff(on) > 0) == count and on[ts >= t0][0] == 1
    assert f(t0) == 1.0 and f(t0 + duty * period) == 0.0
    unending = envelope_function(Train(period=period, duty=duty))
    assert unending(100 * period + 0.1 * period) == 1.0
    assert unending(100 * period + 0.3 * period) == 0.0


def test_train_validation():
    with pytest.raises(ValidationError):
        Train(period=1e-9, duty=1.5)
    with pytest.raises(ValidationError):
        Train(period=0, duty=0.5)
    with pytest.raises(ValidationError):
        Train(period=1e-9, duty=0.5, count=0)
    assert Train(period="1 ns", duty=1).period == 1e-9


def test_expression_profile():
    env = Expression(expression="sin(2*pi*1e9*t)")
    assert envelope_expression(env) == "sin(2*pi*1e9*t)"
    f = envelope_function(env, scale=2.0)
    assert f(0.25e-9) == pytest.approx(2.0, rel=1e-15)
    with pytest.raises(ValidationError, match="may only use t, not j"):
        Expression(expression="j*t")
    with pytest.raises(ValidationError, match="not allowed"):
        Expression(expression="t.real")
    with pytest.raises(ValidationError, match="one number, not a"):
        Expression(expression="[t, 1]")
    with pytest.raises(ExpressionError, match="one number, not a"):
        time_function("[t]")
