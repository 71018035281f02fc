"""Energy minimisation (steepest descent with Barzilai–Borwein steps) and relaxation.

:func:`minimize` — mumax3's ``minimize()`` (``engine/minimizer.go``, after Exl et
al., J. Appl. Phys. 115, 17D118 (2014)). With the descent direction
``τ = −m×(m×H) = H − (m·H)m`` (the field's part perpendicular to m, i.e. minus the
projected energy gradient, in A/m), one step is the norm-preserving Cayley update ::

    m ← [(4 − h²|τ|²) m + 4h τ] / (4 + h²|τ|²)

per cell, and the step length h (m/A) is the Barzilai–Borwein one, alternating
``h = Δm·Δm / Δm·Δg`` and ``h = Δm·Δg / Δg·Δg`` with ``Δg = −Δτ`` (sums over all
cells). The first step has ``h = 1e-4 /T`` (mumax3's, here ``1e-4 μ0`` m/A); a
non-positive or undefined BB step (a concave region, or Δm = 0) keeps the previous
step length (mumax3 would take the negative step, or fall back to 1e-4 /T, which can
crawl for many thousands of steps out of a region near a maximum).

Energy guard (not in mumax3): an unsafeguarded BB step can overshoot on the stiff
short-wavelength modes and turn the descent into an ascent, after which the steps
shrink until the ``dm`` criterion stops the run in a high-energy, disordered state
(seen on a 100 × 100 nm Janus film at −200 mT: the energy rose 250× and the run
stopped with ``max |m×H|`` ≈ 1.6e8 A/m). So every ``dm_samples`` steps, and before
any stop is accepted, the energy is compared with the largest of the last
``guard_window`` checked energies (a non-monotone, Grippo–Lampariello–Lucidi-style
reference, so BB's ordinary small rises pass); above it, m goes back to the last
checked state, the step length back to the first one, and later steps are capped at a
quarter of the largest step since that state (the cap doubles at every check that
passes); ``restarts`` counts this. ``guard=False`` gives mumax3's descent.
Stopping (the first criterion met ends the run; ``converged`` tells which):

* ``torque_tol``: ``max |m×H| ≤ torque_tol`` (A/m; μ0 times it in T);
* ``energy_tol``: ``|ΔE| ≤ energy_tol·|E|`` between energy checks every
  ``dm_samples`` steps;
* ``dm_tol``: mumax3's criterion, the largest ``max |Δm|`` of the last
  ``dm_samples`` steps below ``dm_tol`` (default 1e-6 when neither of the others is
  given);
* ``max_steps`` (not converged).

:func:`relax` — mumax3's ``relax()``: the damping-only dynamics
``ṁ = −γ0 m×(m×H)`` (``LLG.precess = False``; no torques, no noise, time frozen at t)
integrated with :class:`~orchestrator.solver.integrators.RK45`: first while the
energy decreases (checked every ``check_every`` steps), then either until
``max |m×H| ≤ torque_tol`` (dividing the tolerance by √2, down to ``min_tol``,
whenever the torque stalls at the noise floor that the tolerance sets; a floor
above the threshold at ``min_tol`` ends the run as ``"stalled"``), or (no
threshold) as long as the torque decreases while the tolerance is divided by √2
down to ``min_tol`` (mumax3's behaviour without ``RelaxTorqueThreshold``).

Neither advances the simulation time; both leave empty cells at zero and modify m
in place.

Examples
--------
A macrospin with easy axis z in a transverse field: ``sin θ = H/H_K``.

>>> from orchestrator.solver.mesh import Mesh
>>> from orchestrator.solver.llg import LLG
>>> from orchestrator.solver.terms.base import MU0, FieldTerm
>>> class Uniaxial(FieldTerm):  # K = 1e5 J/m³, axis z
...     name = "anis"
...     def add_field(self, m, t, out):
...         out[..., 2] += 2e5 / (MU0 * self.mesh.Ms) * m[..., 2]
>>> class Hx(FieldTerm):
...     name, energy_factor = "zeeman", 1.0
...     def add_field(self, m, t, out):
...         out[..., 0] += 0.25 * 2e5 / (MU0 * 8e5)
>>> llg = LLG(Mesh(n=(1, 1, 1), cell=(3e-9,) * 3, Ms=8e5), [Uniaxial(), Hx()], alpha=0.1)
>>> m = llg.prepare((0.1, 0.3, 1.0))
>>> res = minimize(llg, m, torque_tol=1e-3)
>>> res.converged, round(float(m[0, 0, 0, 0]), 6)
(True, 0.25)
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Callable

import numpy as np

from mmstudy.constants import MU0
from orchestrator.solver.integrators import RK45, State
from orchestrator.solver.llg import LLG
from orchestrator.solver.torques.base import cross, dot

__all__ = ["MinimizeResult", "minimize", "relax"]

#: mumax3's first step length, 1e-4 per tesla, in m/A.
H0 = 1e-4 * MU0


@dataclasses.dataclass
class MinimizeResult:
    """Outcome of :func:`minimize` or :func:`relax`.

    Attributes
    ----------
    m : ndarray
        The state (the array passed in, modified in place).
    steps : int
        Steps taken (descent steps or RK45 steps).
    converged : bool
        A stopping criterion was met (False: ``max_steps`` reached).
    reason : str
        ``"torque"``, ``"energy"``, ``"dm"``, ``"torque-noise-floor"`` (converged),
        ``"stalled"`` or ``"max_steps"`` (not converged).
    max_torque : float
        ``max |m×H|`` at the end, A/m.
    energy : float
        Total energy at the end, J.
    restarts : int
        Times the energy guard of :func:`minimize` undid a rise of the energy (0 for
        :func:`relax`).
    """

    m: np.ndarray
    steps: int
    converged: bool
    reason: str
    max_torque: float
    energy: float
    restarts: int = 0


def _descent(llg: LLG, m: np.ndarray, t: float, out: np.ndarray, A: np.ndarray) -> np.ndarray:
    """``τ = −m×(m×H) = (m×H)×m`` into ``out`` (deterministic field)."""
    H = llg.effective_field(m, t, thermal=False)
    xp = llg.ctx.xp
    cross(m, H, A, llg._tmp, xp=xp)
    cross(A, m, out, llg._tmp, xp=xp)
    return out


def minimize(
    llg: LLG,
    m: np.ndarray,
    t: float = 0.0,
    *,
    torque_tol: float | None = None,
    energy_tol: float | None = None,
    dm_tol: float | None = None,
    dm_samples: int = 10,
    max_steps: int = 100_000,
    guard: bool = True,
    guard_window: int = 5,
    callback: Callable[[int, np.ndarray], None] | None = None,
) -> MinimizeResult:
    """Minimise the energy by steepest descent with Barzilai–Borwein step lengths.

    Parameters
    ----------
    llg : LLG
        Supplies the field terms (torques and the thermal field are ignored).
    m : ndarray (nz, ny, nx, 3)
        Unit magnetisation, modified in place.
    t : float
        Time at which time-dependent terms are evaluated.
    torque_tol : float, optional
        Stop when ``max |m×H| ≤ torque_tol`` (A/m).
    energy_tol : float, optional
        Stop when the relative energy change over ``dm_samples`` steps is below this.
    dm_tol : float, optional
        mumax3's criterion on ``max |Δm|`` over the last ``dm_samples`` steps
        (default 1e-6 when neither ``torque_tol`` nor ``energy_tol`` is given).
    dm_samples : int
        Window of the dm criterion and interval of the energy checks (the guard's and
        ``energy_tol``'s).
    max_steps : int
    guard : bool
        Check the energy every ``dm_samples`` steps and undo rises (see the module
        docstring). ``False`` gives mumax3's unguarded descent (an energy check then
        costs nothing unless ``energy_tol`` asks for one).
    guard_window : int
        The energy guard's reference is the largest of this many last checked energies.
    callback : callable (step, m) -> None, optional
        Called after every step.

    Returns
    -------
    MinimizeResult
    """
    if dm_tol is None and torque_tol is None and energy_tol is None:
        dm_tol = 1e-6
    xp = llg.ctx.xp   # the state's array module
    m0 = xp.empty_like(m)
    k = xp.empty_like(m)
    k0 = xp.empty_like(m)
    A = xp.empty_like(m)
    x = xp.empty(m.shape[:-1], m.dtype)
    d = xp.empty_like(x)
    tmp = xp.empty_like(x)
    dms: collections.deque[float] = collections.deque(maxlen=max(int(dm_samples), 1))
    _descent(llg, m, t, k, A)
    h = H0
    # energy guard: the last checked state, and the energies of the last checks
    checked = m.copy() if guard else m
    e_checked = llg.energy(m, t)
    recent: collections.deque[float] = collections.deque([e_checked],
                                                         maxlen=max(int(guard_window), 1))
    reason, converged, steps, restarts = "max_steps", False, 0, 0
    h_cap, h_used = math.inf, 0.0  # step cap set by the guard; largest step since the last check

    def max_norm(v: np.ndarray) -> float:
        dot(v, v, x, tmp, xp=xp)
        return math.sqrt(float(x.max()))

    def rose(e: float) -> bool:
        ref = max(recent)
        # 1e-9 relative: far above the rounding of a sum over ~1e6 cells, far below a real rise
        return e > ref + 1e-9 * abs(ref)

    if torque_tol is not None and max_norm(k) <= torque_tol:
        return MinimizeResult(m, 0, True, "torque", max_norm(k), e_checked)
    for steps in range(1, max_steps + 1):
        xp.copyto(m0, m)
        # Cayley step: m = [(4 − h²|τ|²) m0 + 4h τ] / (4 + h²|τ|²)
        dot(k, k, x, tmp, xp=xp)
        xp.multiply(x, h * h, out=x)
        xp.add(x, 4.0, out=d)
        xp.subtract(4.0, x, out=x)
        xp.divide(x, d, out=x)
        xp.divide(4.0 * h, d, out=d)
        xp.multiply(m0, x[..., None], out=m)
        xp.multiply(k, d[..., None], out=A)
        xp.add(m, A, out=m)
        llg.normalize(m)
        xp.copyto(k0, k)
        _descent(llg, m, t, k, A)
        # Δm into m0, Δg = −Δτ into k0
        xp.subtract(m, m0, out=m0)
        xp.subtract(k0, k, out=k0)
        dm_max = max_norm(m0)
        dms.append(dm_max)
        if steps % 2 == 0:
            nom, div = float(xp.vdot(m0, m0)), float(xp.vdot(m0, k0))
        else:
            nom, div = float(xp.vdot(m0, k0)), float(xp.vdot(k0, k0))
        h_new = nom / div if div != 0.0 else math.nan
        h = min(h_new, h_cap) if math.isfinite(h_new) and h_new > 0.0 else h
        h_used = max(h_used, h)
        if callback is not None:
            callback(steps, m)
        stop = None
        if torque_tol is not None and max_norm(k) <= torque_tol:
            stop = "torque"
        elif dm_tol is not None and len(dms) == dms.maxlen and max(dms) < dm_tol:
            stop = "dm"
        if stop is None and (steps % dms.maxlen != 0 or not (guard or energy_tol is not None)):
            continue
        if stop is not None and not guard:
            reason, converged = stop, True
            break
        e = llg.energy(m, t)
        if guard and rose(e):  # undo the ascent; cap the steps below the ones that overshot
            xp.copyto(m, checked)
            _descent(llg, m, t, k, A)
            h_cap = h_used / 4.0
            h = min(H0, h_cap)
            h_used = 0.0
            dms.clear()
            restarts += 1
            continue
        if (stop is None and energy_tol is not None
                and abs(recent[-1] - e) <= energy_tol * abs(e)):  # vs the last checked energy
            stop = "energy"
        if guard:
            xp.copyto(checked, m)
        recent.append(e)
        h_cap, h_used = 2.0 * h_cap, 0.0  # let the cap relax while the descent holds
        if stop is not None:
            reason, converged = stop, True
            break
    return MinimizeResult(m, steps, converged, reason, max_norm(k), llg.energy(m, t), restarts)


class _FrozenTime:
    """The LLG with its time argument replaced by a fixed t (relaxation's fictitious time)."""

    def __init__(self, llg: LLG, t: float) -> None:
        self._llg = llg
        self._t = t

    def dmdt(self, m, _t, out=None):
        return self._llg.dmdt(m, self._t, out)

    def __getattr__(self, name):
        return getattr(self._llg, name)


def relax(
    llg: LLG,
    m: np.ndarray,
    t: float = 0.0,
    *,
    torque_tol: float | None = None,
    tol: float = 1e-5,
    min_tol: float = 1e-9,
    check_every: int = 3,
    patience: int = 5,
    max_steps: int = 1_000_000,
) -> MinimizeResult:
    """Relax with the damping-only LLG (mumax3's ``relax()``), modifying m in place.

    Parameters
    ----------
    llg : LLG
        Its ``precess`` flag is switched off during the call and restored after.
    m : ndarray (nz, ny, nx, 3)
    t : float
        Time at which time-dependent terms are evaluated (held fixed).
    torque_tol : float, optional
        Stop when ``max |m×H| ≤ torque_tol`` (A/m); without it, stop at the torque's
        noise floor (mumax3's behaviour without ``RelaxTorqueThreshold``).
    tol : float
        Initial RK45 tolerance (``max |Δm|`` per step).
    min_tol : float
        Smallest tolerance of the noise-floor phase.
    check_every : int
        Steps between energy / torque checks.
    patience : int
        With ``torque_tol``: checks without a new lowest torque before the tolerance
        is divided by √2.
    max_steps : int

    Returns
    -------
    MinimizeResult
    """
    precess = llg.precess
    llg.precess = False
    try:
        rk = RK45(_FrozenTime(llg, t), tol=tol)  # type: ignore[arg-type]
        state = State(m, t=0.0)
        n = max(int(check_every), 1)

        def run(nsteps: int) -> None:
            for _ in range(nsteps):
                rk.step(state)

        def max_torque() -> float:
            k = rk.last_dmdt
            dot(k, k, llg._tmp, llg._tmp2, xp=llg.ctx.xp)
            return math.sqrt(float(llg._tmp.max())) / llg.gamma0

        def sum_torque() -> float:
            k = rk.last_dmdt
            return float(llg.ctx.xp.vdot(k, k))

        def out_of_steps() -> bool:
            return state.steps >= max_steps

        run(n)
        e0 = llg.energy(m, t)
        run(n)
        e1 = llg.energy(m, t)
        while e1 < e0 and not out_of_steps():
            if torque_tol is not None and max_torque() <= torque_tol:
                break
            run(n)
            e0, e1 = e1, llg.energy(m, t)
        reason = "max_steps"
        if torque_tol is not None:
            # The max torque of an adaptive run stalls at a floor set by the tolerance
            # (steps at the stability limit; ~tol/(γ0 dt)); when it stops decreasing
            # for `patience` checks, tighten the tolerance by √2 (down to min_tol).
            best, stale = math.inf, 0
            while not out_of_steps():
                tq = max_torque()
                if tq <= torque_tol:
                    reason = "torque"
                    break
                if tq < best:
                    best, stale = tq, 0
                else:
                    stale += 1
                if stale >= patience:
                    if rk.tol <= min_tol:
                        reason = "stalled"
                        break
                    rk.tol = max(rk.tol / math.sqrt(2.0), min_tol)
                    best, stale = tq, 0
                run(n)
        else:
            while rk.tol > min_tol and not out_of_steps():
                rk.tol /= math.sqrt(2.0)
                run(n)
                t0 = sum_torque()
                run(n)
                t1 = sum_torque()
                while t1 < t0 and not out_of_steps():
                    run(n)
                    t0, t1 = t1, sum_torque()
            if not out_of_steps():
                reason = "torque-noise-floor"
        converged = reason not in ("max_steps", "stalled")
    finally:
        llg.precess = precess
    return MinimizeResult(m, state.steps, converged, reason, llg.max_torque(m, t),
                          llg.energy(m, t))
