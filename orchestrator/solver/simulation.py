"""The built-in solver's Python entry point: a :class:`Simulation` of one system.

It ties the pieces together — a :class:`~orchestrator.solver.mesh.Mesh`, field
terms, torques, an optional thermal field, the LLG right-hand side, an
integrator, the minimiser — and writes what it computes as a mumax3-style run
folder (:class:`~orchestrator.solver.output.RunWriter`), which
:func:`analysis.open_run` reads like any mumax3 run.

Examples
--------
Relax a Néel skyrmion in a 40 × 40 × 1 nm film (paper 000's parameters, no demag):

>>> import numpy as np
>>> from orchestrator.solver import Mesh, Simulation
>>> from orchestrator.solver.terms.exchange import Exchange
>>> from orchestrator.solver.terms.dmi import DMI
>>> from orchestrator.solver.terms.anisotropy import UniaxialAnisotropy
>>> mesh = Mesh(n=(40, 40, 1), cell=(1e-9, 1e-9, 1e-9), Ms=580e3)
>>> sim = Simulation(mesh, [Exchange(15e-12), DMI(3.7e-3, "Cnv_z"),
...                         UniaxialAnisotropy(0.8e6, (0, 0, 1))], alpha=0.3)
>>> # OOMMF's Cnv_z with D > 0 favours helicity π for a core-down skyrmion
>>> sim.set_skyrmion(centre=(20e-9, 20e-9), radius=8e-9, helicity=np.pi)
>>> result = sim.minimize()
>>> result.converged, bool(sim.m[0, 20, 20, 2] < -0.9)
(True, True)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from analysis.textures import skyrmion
from mmstudy.constants import MU0
from orchestrator.solver.context import Context
from orchestrator.solver.integrators import RK4, RK45, Heun, State
from orchestrator.solver.output import grid_time
from orchestrator.solver.llg import LLG
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.minimize import MinimizeResult, minimize, relax
from orchestrator.solver.output import RunWriter
from orchestrator.solver.terms.base import FieldTerm
from orchestrator.solver.thermal import ThermalField

__all__ = ["Simulation"]

INTEGRATORS = {"rk45": RK45, "heun": Heun, "rk4": RK4}


class Simulation:
    """One magnetic system, its state m and time t.

    Parameters
    ----------
    mesh : Mesh
    terms : sequence of FieldTerm
        Energy terms (exchange, DMI, anisotropy, Zeeman, demag ...).
    alpha : float, mapping or array
        Gilbert damping (per region or per cell allowed).
    gamma0 : float, optional
        γ0 = μ0 γ in m/(A s) (default :data:`mmstudy.constants.GAMMA0`, 2.211e5).
    torques : sequence of Torque
        Zhang–Li, spin-orbit torques.
    temperature : float, optional
        Temperature in K (stochastic thermal field; needs a fixed-step integrator).
    seed : int, optional
        Seed of the thermal noise (same seed, same run).
    dtype : numpy dtype, optional
        float64 (default) or float32.
    context : Context, optional
        The :class:`~orchestrator.solver.context.Context` to set the terms up with
        (array module, dtype, γ0, kernels, thread policy); default: the one the
        :class:`~orchestrator.solver.llg.LLG` builds from ``mesh``, ``dtype`` and
        ``gamma0``. It is ``self.llg.ctx`` afterwards.
    """

    def __init__(
        self,
        mesh: Mesh,
        terms: Sequence[FieldTerm],
        *,
        alpha=0.5,
        gamma0: float | None = None,
        torques: Sequence = (),
        temperature: float | None = None,
        seed: int | None = None,
        dtype=None,
        context: Context | None = None,
    ) -> None:
        self.mesh = mesh
        self.terms = list(terms)
        thermal = ThermalField(temperature, seed=seed) if temperature else None
        self.llg = LLG(mesh, self.terms, alpha=alpha, gamma0=gamma0, torques=list(torques),
                       thermal=thermal, dtype=dtype, context=context)
        self.dtype = self.llg.dtype
        self.t = 0.0
        self.m = self.llg.prepare(np.broadcast_to(np.array([0.0, 0.0, 1.0]), mesh.shape + (3,)))

    # ------------------------------------------------------------------ state

    def set_m(self, m0) -> None:
        """Set the magnetisation: a vector, an array ``(nz, ny, nx, 3)``, or a function
        ``f(x, y, z) -> (mx, my, mz)`` of cell-centre coordinate arrays (metres)."""
        if callable(m0):
            c = self.mesh.coords()
            Z, Y, X = np.meshgrid(c["z"], c["y"], c["x"], indexing="ij")
            m0 = np.stack(np.broadcast_arrays(*m0(X, Y, Z)), axis=-1)
        m0 = np.broadcast_to(np.asarray(m0, dtype=np.float64), self.mesh.shape + (3,))
        self.m = self.llg.prepare(np.array(m0))

    def set_skyrmion(self, *, centre, radius, helicity=0.0, vorticity=1, background=1,
                     wall_width=None) -> None:
        """Set a skyrmion (analytic 360° wall profile, :func:`analysis.textures.skyrmion`)
        in every layer, wrapping around periodic axes."""
        c = self.mesh.coords()
        L = [self.mesh.n[i] * self.mesh.cell[i] if ax in self.mesh.pbc else None
             for i, ax in enumerate("xy")]
        layer = skyrmion(c["x"], c["y"], centre=centre, radius=radius, helicity=helicity,
                         vorticity=vorticity, background=background, wall_width=wall_width,
                         box=(L[0], L[1]))
        self.set_m(np.broadcast_to(layer, self.mesh.shape + (3,)))

    # ------------------------------------------------------------------ statics

    def minimize(self, **kwargs) -> MinimizeResult:
        """Minimise the energy (steepest descent with Barzilai–Borwein steps).

        Keyword arguments go to :func:`orchestrator.solver.minimize.minimize`
        (``torque_tol`` in A/m, ``energy_tol``, ``dm_tol``, ``max_steps``).
        """
        result = minimize(self.llg, self.m, self.t, **kwargs)
        self.m = result.m
        return result

    def relax(self, **kwargs) -> MinimizeResult:
        """Relax with precession off (:func:`orchestrator.solver.minimize.relax`)."""
        result = relax(self.llg, self.m, self.t, **kwargs)
        self.m = result.m
        return result

    # ------------------------------------------------------------------ table

    def averages(self) -> np.ndarray:
        """⟨m⟩ over the magnetic cells."""
        mag = self.mesh.magnetic
        return self.m[mag].mean(axis=0) if mag.any() else np.zeros(3)

    def _columns(self) -> list[tuple[str, str]]:
        cols = [("mx", ""), ("my", ""), ("mz", ""), ("E_total", "J")]
        cols += [(f"E_{term.name}", "J") for term in self.terms]
        return cols + [("max_torque", "A/m"), ("dt", "s")]

    def _row(self, dt: float) -> list[float]:
        energies = self.llg.energies(self.m, self.t)
        per_term = [energies[term.name] for term in self.terms]
        return [*self.averages(), sum(per_term), *per_term,
                self.llg.max_torque(self.m, self.t), dt]

    # ------------------------------------------------------------------ dynamics

    def run(
        self,
        duration: float,
        *,
        out: str | os.PathLike | None = None,
        save_every: float,
        table_every: float | None = None,
        integrator: str = "rk45",
        dt: float | None = None,
        tol: float = 1e-5,
        fields: Sequence[str] = ("m",),
        representation: str = "bin4",
        progress: bool = True,
        overwrite: bool = False,
        stop: Callable[[State], bool] | None = None,
        writer: RunWriter | None = None,
    ) -> Path:
        """Evolve for ``duration`` seconds, writing a run folder.

        Parameters
        ----------
        duration : float
            Simulated time in s.
        out : path
            Run folder (``*.out``); refused if it already holds a run, unless ``overwrite``.
        save_every : float
            Snapshot interval in s (the initial state is saved too). Snapshot and table
            times are written as ``t0 + n × save_every`` (``table_every``), multiplied in
            decimal (:func:`~orchestrator.solver.output.grid_time`), never accumulated.
        table_every : float, optional
            Table interval in s (default ``save_every``); must divide ``save_every``.
        integrator : {"rk45", "heun", "rk4"}
            RK45 is adaptive (``tol`` = max |Δm| per step, mumax3's MaxErr); Heun and
            RK4 take the fixed step ``dt`` (required with a temperature).
        fields : sequence of str
            Snapshots to write: ``"m"`` and/or term names (their effective field
            ``H_<name>`` in A/m, for the force decomposition).
        representation : {"bin4", "bin8"}
        progress : bool
            Show a progress bar (simulated time, ETA).
        stop : callable State -> bool, optional
            End early when it returns True.
        writer : RunWriter, optional
            Append to this open run folder instead of creating ``out`` (several stages
            in one folder, as mumax3 writes them); it is left open, and its initial
            state is not saved again.

        Returns
        -------
        pathlib.Path
            The run folder. Ctrl-C ends the run with a complete, readable folder
            (``run.json`` says ``interrupted``) and re-raises ``KeyboardInterrupt``.
        """
        name = integrator.lower()
        if name not in INTEGRATORS:
            raise ValueError(f"integrator must be one of {sorted(INTEGRATORS)}, not {integrator!r}")
        if name == "rk45":
            stepper = RK45(self.llg, tol=tol, fixed_dt=dt)
        else:
            if dt is None:
                raise ValueError(f"integrator {integrator!r} needs a fixed step dt")
            stepper = INTEGRATORS[name](self.llg, dt)
        table_every = table_every or save_every
        ratio = save_every / table_every
        if abs(ratio - round(ratio)) > 1e-9 or round(ratio) < 1:
            raise ValueError("table_every must divide save_every")
        ratio = round(ratio)
        by_name = {term.name: term for term in self.terms}
        for f in fields:
            if f != "m" and f not in by_name:
                raise ValueError(f"cannot save field {f!r}: not 'm' nor a term ({sorted(by_name)})")
        own_writer = writer is None
        if writer is None:
            if out is None:
                raise ValueError("give the run folder out= (or an open writer=)")
            writer = RunWriter(out, self.mesh, self._columns(), representation=representation,
                               overwrite=overwrite,
                               meta={"integrator": name, "alpha_default": None,
                                     "duration": duration, "stages": ["evolve"]})
            writer.begin_stage("evolve", self.t, save_every=save_every, table_every=table_every)
        t0 = self.t
        state = State(self.m, t=self.t, dt=dt or 1e-14)
        count = {"table": 0}

        def save(state_: State) -> None:
            self.m, self.t = state_.m, state_.t
            # the written time: t0 + n × table_every, multiplied, not the integrator's sum
            t_out = grid_time(t0, count["table"], table_every)
            writer.table_row(t_out, self._row(state_.last_dt or state_.dt))
            if count["table"] % ratio == 0:
                for f in fields:
                    if f == "m":
                        writer.save_field("m", self.m, t_out, unit="1")
                    else:
                        writer.save_field(f"H_{f}", by_name[f].field(self.m, self.t), t_out,
                                          unit="A/m")
            count["table"] += 1
            if bar is not None:
                bar.update(task, completed=self.t - t0)

        bar = task = None
        status = "finished"
        try:
            if progress:
                from rich.progress import (BarColumn, Progress, TextColumn,
                                           TimeElapsedColumn, TimeRemainingColumn)

                bar = Progress(TextColumn("simulating"), BarColumn(),
                               TextColumn("t = {task.fields[t_ns]:.4g} ns"),
                               TimeElapsedColumn(), TimeRemainingColumn(), transient=False)
                bar.start()
                task = bar.add_task("run", total=duration, t_ns=t0 * 1e9)
                _update = bar.update
                bar.update = lambda tid, **kw: _update(tid, t_ns=(t0 + kw.get("completed", 0)) * 1e9,
                                                       **kw)
            if own_writer:
                save(state)  # the initial state
            else:  # a later stage: count from this stage's start without re-saving it
                count["table"] = 1
            stepper.run_until(state, t0 + duration, save_every=table_every, callback=save,
                              stop=stop, save_origin=t0)
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            self.m, self.t = self.llg.normalize(state.m), state.t
            t_end = grid_time(t0, 1, duration)
            if abs(self.t - t_end) <= 1e-12 * max(abs(t_end), 1e-300):
                self.t = t_end  # the stage ends at t0 + duration exactly (the next one starts there)
            if bar is not None:
                bar.stop()
            if own_writer:
                writer.end_stage()
                writer.close(status)
        return writer.folder

    # ------------------------------------------------------------------ utilities

    def energy(self) -> float:
        """Total energy in J."""
        return float(sum(self.llg.energies(self.m, self.t).values()))

    def field(self) -> np.ndarray:
        """Total effective field H (A/m) of the current state (without thermal noise)."""
        return np.array(self.llg.effective_field(self.m, self.t, thermal=False))

    @staticmethod
    def tesla_to_am(b) -> np.ndarray:
        """Convert a field in T to A/m (divide by μ0)."""
        return np.asarray(b, dtype=np.float64) / MU0

