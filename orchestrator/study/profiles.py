"""Time profiles of drives as one expression of t, the single source for every backend.

Each envelope (constant, pulse, square train, expression) becomes a text in the
expression language of :mod:`orchestrator.study.expressions`; the built-in solver
evaluates it with numpy, the mumax3 backend writes it as mumax3 script text and the
OOMMF backend as a Tcl ``expr``. t is the time since the start of the stage.

Edges: a pulse is on for ``t0 ≤ t < t1``; a train for ``0 ≤ (t − t0) mod period <
duty·period`` after t0 (and, with ``count``, before ``t0 + count·period``).

Examples
--------
>>> from orchestrator.study.model import Pulse, Train
>>> envelope_expression(Pulse(t0=1e-9, t1=2e-9))
'heaviside(t - 1e-09) * (1 - heaviside(t - 2e-09))'
>>> f = envelope_function(Train(period=1e-9, duty=0.25, count=2))
>>> [f(t) for t in (0.0, 0.2e-9, 0.3e-9, 1.1e-9, 2.1e-9)]
[1.0, 1.0, 0.0, 1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Callable

from orchestrator.study.expressions import time_function
from orchestrator.study.model import Constant, Envelope, Expression, Pulse, Train

__all__ = ["envelope_expression", "envelope_function"]


def envelope_expression(env: Envelope) -> str:
    """The envelope as an expression of the stage time ``t`` (text)."""
    if isinstance(env, Constant):
        return "1"
    if isinstance(env, Pulse):
        return f"heaviside(t - {env.t0!r}) * (1 - heaviside(t - {env.t1!r}))"
    if isinstance(env, Train):
        on = env.duty * env.period
        text = (f"heaviside(t - {env.t0!r}) * "
                f"(1 - heaviside(mod(t - {env.t0!r}, {env.period!r}) - {on!r}))")
        if env.count is not None:
            text += f" * (1 - heaviside(t - {env.t0 + env.count * env.period!r}))"
        return text
    if isinstance(env, Expression):
        return env.expression
    raise TypeError(f"unknown envelope {env!r}")  # pragma: no cover


def envelope_function(env: Envelope, scale: float = 1.0) -> Callable[[float], float]:
    """``scale × envelope(t)`` as a Python function of the stage time (s)."""
    return time_function(envelope_expression(env), scale)
