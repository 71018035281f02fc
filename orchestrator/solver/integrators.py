"""Time integrators for the LLG equation: adaptive Dormand–Prince RK45, fixed-step Heun and RK4.

All share one interface: a :class:`State` (m, t, step size, counters) is advanced in
place by :meth:`Integrator.step` (one accepted step) or :meth:`Integrator.run_until`
(to a time, landing exactly on every save time and calling back there). m is
renormalised after every step (a projection, which keeps each method's order);
intermediate stages are not normalised (the right-hand side is smooth for any m).

* :class:`Heun` — second order, fixed step; with a thermal field it is the
  Stratonovich scheme (the noise is drawn once per step, before the predictor).
* :class:`RK4` — classical fourth order, fixed step.
* :class:`RK45` — Dormand–Prince 5(4) with FSAL, mumax3's default solver
  (``engine/rk45dp.go``): the error of a step is ``max_cells |Δm|``, the norm of the
  difference of the 5th- and 4th-order solutions, compared with ``tol`` (mumax3's
  ``MaxErr``, default 1e-5). An accepted step is followed by
  ``dt *= clamp(0.8 (tol/err)^(1/5), 1/2, 2)``, a rejected one is retried with
  ``dt *= clamp(0.8 (tol/err)^(1/6), 1/2, 2)``; ``min_dt``/``max_dt`` bound dt and
  a step at ``min_dt`` is accepted. The last stage (at the normalised 5th-order
  solution) is the first stage of the next step. With ``fixed_dt`` every step is
  accepted (mumax3's ``FixDt``). The thermal field needs a fixed-step integrator.

Buffers and vector algebra use the LLG context's array module (``llg.ctx.xp``); Heun's
stages run as fused numba kernels on ``llg.ctx.threads`` when the context has them
(``llg.kernels_for``: the same operations, bitwise the same numbers).

Examples
--------
A macrospin precessing in 0.1 T with α = 0.1 (analytic solution in the tests):

>>> from orchestrator.solver.mesh import Mesh
>>> from orchestrator.solver.llg import LLG
>>> from orchestrator.solver.terms.base import FieldTerm
>>> class Hz(FieldTerm):
...     name, energy_factor = "zeeman", 1.0
...     def add_field(self, m, t, out):
...         out[..., 2] += 0.1 / 4e-7 / np.pi
>>> llg = LLG(Mesh(n=(1, 1, 1), cell=(2e-9,) * 3, Ms=8e5), [Hz()], alpha=0.1)
>>> state = State(llg.prepare((1, 0, 1)))
>>> saved = []
>>> _ = RK45(llg).run_until(state, 1e-9, save_every=0.25e-9,
...                         callback=lambda s: saved.append(s.t))
>>> [round(t * 1e9, 9) for t in saved]
[0.25, 0.5, 0.75, 1.0]
>>> round(float(state.m[0, 0, 0, 2]), 4)  # tan(θ/2) = tan(π/8) exp(−αγ0Ht/(1+α²))
0.9895
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from orchestrator.solver.llg import LLG
from orchestrator.solver.torques.base import dot

__all__ = ["RK4", "RK45", "Heun", "Integrator", "State"]


@dataclasses.dataclass
class State:
    """The state an integrator advances in place.

    Attributes
    ----------
    m : ndarray (nz, ny, nx, 3)
        Unit magnetisation (modified in place; its identity never changes).
    t : float
        Simulation time in s.
    dt : float
        Next step size in s: the adaptive proposal (RK45) or the fixed step.
    steps : int
        Accepted steps.
    rejected : int
        Rejected steps (RK45).
    last_dt : float
        Size of the last accepted step.
    error : float
        Error estimate ``max |Δm|`` of the last step (RK45; 0 for fixed steppers).
    """

    m: np.ndarray
    t: float = 0.0
    dt: float = 1e-14
    steps: int = 0
    rejected: int = 0
    last_dt: float = 0.0
    error: float = 0.0


def _lincomb(out: np.ndarray, base: np.ndarray | None, terms, scratch: np.ndarray, *,
             xp=np) -> np.ndarray:
    """``out = base + Σ c·a`` over ``terms = [(c, a), ...]`` (c floats; zero c skipped;
    ``xp``: the arrays' module)."""
    first = True
    for c, a in terms:
        if c == 0.0:
            continue
        if first:
            xp.multiply(a, c, out=out)
            first = False
        else:
            xp.multiply(a, c, out=scratch)
            xp.add(out, scratch, out=out)
    if first:
        out.fill(0.0)
    if base is not None:
        xp.add(out, base, out=out)
    return out


class Integrator:
    """Common driver: step sizes that land on stop times, :meth:`run_until`.

    Subclasses implement :meth:`step`.

    Parameters
    ----------
    llg : LLG
        The right-hand side.
    """

    name = "integrator"
    order = 0
    adaptive = False
    #: Steps within this fraction of a step of a stop time are stretched to land on it.
    land_tolerance = 1e-6

    def __init__(self, llg: LLG) -> None:
        self.llg = llg
        self._buffers: dict[str, np.ndarray] = {}

    def _buf(self, name: str, like: np.ndarray) -> np.ndarray:
        b = self._buffers.get(name)
        if b is None or b.shape != like.shape or b.dtype != like.dtype:
            b = self.llg.ctx.xp.zeros_like(like)
            self._buffers[name] = b
        return b

    def reset(self) -> None:
        """Forget cached stages (call after changing m or parameters between steps)."""

    def _size(self, state: State, h: float, t_stop: float | None) -> tuple[float, bool]:
        """Step size h, shortened (or stretched by < land_tolerance) to land on t_stop."""
        if t_stop is not None and state.t + h * (1.0 - self.land_tolerance) >= t_stop:
            return t_stop - state.t, True
        return h, False

    def _finish(self, state: State, h: float, landed: bool, t_stop: float | None) -> None:
        state.t = t_stop if landed else state.t + h
        state.last_dt = h
        state.steps += 1

    def step(self, state: State, t_stop: float | None = None) -> None:
        """Advance ``state`` by one accepted step, not beyond ``t_stop``."""
        raise NotImplementedError

    def run_until(
        self,
        state: State,
        t_end: float,
        *,
        save_every: float | None = None,
        callback: Callable[[State], None] | None = None,
        stop: Callable[[State], bool] | None = None,
        save_origin: float = 0.0,
    ) -> State:
        """Step until ``state.t == t_end``.

        Parameters
        ----------
        state : State
        t_end : float
            Final time in s (absolute).
        save_every : float, optional
            Save interval in s: the steps land exactly on the times
            ``save_origin + k·save_every`` in ``(state.t, t_end]`` and ``callback(state)``
            is called there (not at the start: the caller saves the initial state).
        callback : callable State -> None, optional
        stop : callable State -> bool, optional
            Checked after every step; True ends the run early.
        save_origin : float
            Time of the save grid's origin (default 0, mumax3's autosave grid).

        Returns
        -------
        State
            The same object.
        """
        self.reset()
        if save_every is not None and not save_every > 0:
            raise ValueError(f"save_every must be positive, not {save_every!r}")
        eps = 1e-12 * max(abs(t_end), save_every or 0.0, 1e-300)
        k = 0
        next_save = math.inf
        if save_every is not None:
            k = math.floor((state.t - save_origin) / save_every + 1e-9) + 1
            next_save = save_origin + k * save_every
        while state.t < t_end - eps:
            is_save = next_save <= t_end + eps
            target = min(next_save, t_end) if is_save else t_end
            self.step(state, t_stop=target)
            if state.t >= target - eps:
                state.t = target
                if is_save:
                    if callback is not None:
                        callback(state)
                    k += 1
                    next_save = save_origin + k * save_every
            if stop is not None and stop(state):
                break
        return state


class _FixedStep(Integrator):
    """A fixed-step integrator (``dt`` in s; the last step before a stop time is shortened)."""

    def __init__(self, llg: LLG, dt: float) -> None:
        super().__init__(llg)
        if not dt > 0:
            raise ValueError(f"dt must be positive, not {dt!r}")
        self.dt = float(dt)

    def _begin(self, state: State, t_stop: float | None) -> tuple[float, bool]:
        state.dt = self.dt
        h, landed = self._size(state, self.dt, t_stop)
        self.llg.begin_step(state.t, h)
        return h, landed


class Heun(_FixedStep):
    """Heun's method (explicit trapezoid), second order, fixed step ``dt``.

    With a thermal field this is the Stratonovich Heun scheme: the field drawn by
    ``llg.begin_step`` is used by the predictor and the corrector.
    """

    name = "heun"
    order = 2

    def step(self, state: State, t_stop: float | None = None) -> None:
        m, f = state.m, self.llg.dmdt
        k1, k2, y = self._buf("k1", m), self._buf("k2", m), self._buf("y", m)
        h, landed = self._begin(state, t_stop)
        t = state.t
        llg = self.llg
        xp, split = llg.ctx.xp, llg.ctx.threads.split
        jit = llg.kernels_for(m)
        if jit is not None and llg.precess and not llg.torques \
                and isinstance(llg._jk[0], np.generic):
            self._fused_step(m, k1, y, t, h, jit)
            state.error = 0.0
            self._finish(state, h, landed, t_stop)
            return
        f(m, t, k1)
        if jit is None:
            _lincomb(y, m, [(h, k1)], k2, xp=xp)
        else:   # the same operations, fused (orchestrator.solver._kernels)
            split(jit.axpy, k1.shape[0] * k1.shape[1] * k1.shape[2], y.reshape(-1),
                  k1.reshape(-1), llg.dtype.type(h), m.reshape(-1))
        f(y, t + h, k2)
        if jit is None:
            xp.add(k1, k2, out=k1)
            xp.multiply(k1, 0.5 * h, out=k1)
            xp.add(m, k1, out=m)
            llg.normalize(m)
        else:   # m += (k1 + k2) h/2 and the renormalisation in one pass
            split(jit.heun_finish, m.shape[0] * m.shape[1] * m.shape[2],
                  m.reshape(-1), k1.reshape(-1), k2.reshape(-1),
                  llg.dtype.type(0.5 * h), llg._tiny)
        state.error = 0.0
        self._finish(state, h, landed, t_stop)

    def _fused_step(self, m, k1, y, t, h, jit) -> None:
        """The same step with the right-hand side fused into the predictor and the
        corrector (numba, large meshes; the same operations in the same order as
        ``dmdt`` + ``_lincomb`` + the corrector + ``normalize``, two passes over memory
        instead of six)."""
        llg = self.llg
        split = llg.ctx.threads.split
        n = m.shape[0] * m.shape[1] * m.shape[2]
        c1, c2 = llg._jk
        typ = llg.dtype.type
        H = llg.effective_field(m, t)
        split(jit.heun_predict, n, m.reshape(-1), H.reshape(-1), k1.reshape(-1),
              y.reshape(-1), c1, c2, typ(h))
        H = llg.effective_field(y, t + h)
        split(jit.heun_correct, n, y.reshape(-1), H.reshape(-1), k1.reshape(-1),
              m.reshape(-1), c1, c2, typ(0.5 * h), llg._tiny)


class RK4(_FixedStep):
    """The classical fourth-order Runge–Kutta method, fixed step ``dt``."""

    name = "rk4"
    order = 4

    def step(self, state: State, t_stop: float | None = None) -> None:
        m, f = state.m, self.llg.dmdt
        k, acc, y, s = (self._buf("k", m), self._buf("acc", m), self._buf("y", m),
                        self._buf("s", m))
        h, landed = self._begin(state, t_stop)
        t = state.t
        xp = self.llg.ctx.xp
        f(m, t, k)                                   # k1
        xp.multiply(k, h / 6.0, out=acc)
        _lincomb(y, m, [(0.5 * h, k)], s, xp=xp)
        f(y, t + 0.5 * h, k)                         # k2
        xp.multiply(k, h / 3.0, out=s)
        xp.add(acc, s, out=acc)
        _lincomb(y, m, [(0.5 * h, k)], s, xp=xp)
        f(y, t + 0.5 * h, k)                         # k3
        xp.multiply(k, h / 3.0, out=s)
        xp.add(acc, s, out=acc)
        _lincomb(y, m, [(h, k)], s, xp=xp)
        f(y, t + h, k)                               # k4
        xp.multiply(k, h / 6.0, out=s)
        xp.add(acc, s, out=acc)
        xp.add(m, acc, out=m)
        self.llg.normalize(m)
        state.error = 0.0
        self._finish(state, h, landed, t_stop)


# Dormand–Prince 5(4) tableau
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
)
_B5 = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84)
_B4 = (5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40)
_E = tuple(b5 - b4 for b5, b4 in zip(_B5 + (0.0,), _B4))


class RK45(Integrator):
    """Adaptive Dormand–Prince RK45 with FSAL and mumax3's step control.

    Parameters
    ----------
    llg : LLG
    tol : float
        Largest accepted ``max |Δm|`` per step (mumax3's ``MaxErr``).
    min_dt, max_dt : float
        Bounds of the step size in s (0 / inf: none). A step of ``min_dt`` is
        always accepted.
    headroom : float
        Safety factor of the step-size update (mumax3's ``Headroom``).
    fixed_dt : float, optional
        Take steps of this size and accept them all (the error is still estimated).
    """

    name = "rk45"
    order = 5
    adaptive = True

    def __init__(self, llg: LLG, *, tol: float = 1e-5, min_dt: float = 0.0,
                 max_dt: float = math.inf, headroom: float = 0.8,
                 fixed_dt: float | None = None) -> None:
        super().__init__(llg)
        if not tol > 0:
            raise ValueError(f"tol must be positive, not {tol!r}")
        self.tol = float(tol)
        self.min_dt = float(min_dt)
        self.max_dt = float(max_dt)
        self.headroom = float(headroom)
        self.fixed_dt = None if fixed_dt is None else float(fixed_dt)
        self.adaptive = fixed_dt is None
        self._fsal_key: tuple | None = None

    def reset(self) -> None:
        self._fsal_key = None

    @property
    def last_dmdt(self) -> np.ndarray | None:
        """``dm/dt`` at the current state after a step (the FSAL stage), or None."""
        K = self._buffers.get("K")
        return K[0] if K is not None and self._fsal_key is not None else None

    def _adapt(self, h: float, corr: float) -> float:
        corr *= self.headroom
        corr = min(max(corr, 0.5), 2.0)
        return min(max(h * corr, self.min_dt), self.max_dt)

    def _stages(self, m: np.ndarray) -> np.ndarray:
        """The 7 stages stacked, ``(7,) + m.shape`` (linear combinations in one pass)."""
        K = self._buffers.get("K")
        if K is None or K.shape[1:] != m.shape or K.dtype != m.dtype:
            K = self.llg.ctx.xp.zeros((7,) + m.shape, m.dtype)
            self._buffers["K"] = K
            self._fsal_key = None
        return K

    def _combine(self, out: np.ndarray, coef, K: np.ndarray, base: np.ndarray | None) -> None:
        """``out = base + Σ_j coef[j] K[j]`` over the first len(coef) stages."""
        xp = self.llg.ctx.xp
        c = xp.asarray(coef, dtype=K.dtype)
        n = c.shape[0]
        # einsum's own loop: one pass, no BLAS threads (whose spin-waiting slows the
        # ufuncs that follow on small machines)
        xp.einsum("i,ij->j", c, K[:n].reshape(n, -1), out=out.reshape(-1), optimize=False)
        if base is not None:
            xp.add(out, base, out=out)

    def step(self, state: State, t_stop: float | None = None) -> None:
        llg = self.llg
        if llg.stochastic:
            raise RuntimeError("the thermal field needs a fixed-step integrator (Heun)")
        m, f = state.m, llg.dmdt
        K = self._stages(m)
        y, e = self._buf("y", m), self._buf("e", m)
        tmp, tmp2 = llg._tmp, llg._tmp2
        t0 = state.t
        key = (id(m), t0, state.steps)
        if self._fsal_key != key:
            f(m, t0, K[0])
        while True:
            proposal = self.fixed_dt if self.fixed_dt is not None else state.dt
            if not proposal > 0:
                proposal = 1e-14
            proposal = min(max(proposal, self.min_dt), self.max_dt)
            h, landed = self._size(state, proposal, t_stop)
            llg.begin_step(t0, h)
            for i in range(1, 6):
                self._combine(y, [h * a for a in _A[i]], K, m)
                f(y, t0 + _C[i] * h, K[i])
            self._combine(y, [h * b for b in _B5], K, m)
            llg.normalize(y)
            f(y, t0 + h, K[6])
            self._combine(e, _E, K, None)
            dot(e, e, tmp, tmp2, xp=llg.ctx.xp)
            err = h * math.sqrt(float(tmp.max()))
            state.error = err
            ok = err <= self.tol or self.fixed_dt is not None or h <= self.min_dt
            if ok and math.isfinite(err):
                llg.ctx.xp.copyto(m, y)
                llg.ctx.xp.copyto(K[0], K[6])  # FSAL
                if self.fixed_dt is None:
                    corr = 2.0 if err == 0.0 else (self.tol / err) ** 0.2
                    new = self._adapt(h, corr)
                    state.dt = max(new, proposal) if landed and h < proposal else new
                self._finish(state, h, landed, t_stop)
                self._fsal_key = (id(m), state.t, state.steps)
                return
            state.rejected += 1
            corr = (self.tol / err) ** (1.0 / 6.0) if math.isfinite(err) and err > 0 else 0.0
            state.dt = self._adapt(h, corr)
            if state.dt < 1e-30:
                raise RuntimeError(f"RK45: time step underflow at t = {t0:g} s (error {err:g})")
