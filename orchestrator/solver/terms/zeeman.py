"""Zeeman (applied) field: uniform, per region, per cell, or any function of time.

``E = −μ0 ∫ Ms m·H dV`` (linear in m, ``energy_factor = 1``), as OOMMF's
``Oxs_FixedZeeman`` / ``Oxs_ScriptUZeeman`` and mumax3's ``B_ext`` (H = B/μ0).

Time dependence is a callable ``H(t)`` returning a 3-vector (or a per-cell array); it is
evaluated once per :meth:`Zeeman.add_field` call. :func:`pulse` and :func:`square_train`
build the common waveforms; they return callables with ``breakpoints`` (the switching
times) so that an adaptive integrator can land on the edges instead of stepping over a
short pulse. The same helpers give time-dependent scalars (e.g. an anisotropy constant
for :class:`~orchestrator.solver.terms.anisotropy.UniaxialAnisotropy`).

Examples
--------
>>> import numpy as np
>>> from orchestrator.solver.mesh import Mesh, region_mask
>>> mesh = Mesh(n=(4, 2, 1), cell=(1e-9, 1e-9, 1e-9), Ms=8e5,
...             regions=np.array([[[0, 0, 1, 1]] * 2]), region_names={"left": 0, "right": 1})
>>> z = Zeeman(pulse((0, 0, 1e5), 1e-9, 2e-9), regions=["right"])
>>> z.setup(mesh)
>>> z.field(np.zeros(mesh.shape + (3,)), t=1.5e-9)[0, 0, :, 2]
array([     0.,      0., 100000., 100000.])
>>> z.field(np.zeros(mesh.shape + (3,)), t=2e-9).any()
np.False_
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from orchestrator.solver.context import Context
from orchestrator.solver.mesh import Mesh, region_mask
from orchestrator.solver.terms.base import FieldTerm

__all__ = ["Zeeman", "Pulse", "SquareTrain", "pulse", "square_train"]


class _Switched:
    """A value switched on and off in time; subclasses define :meth:`on`."""

    value: np.ndarray

    def on(self, t):
        raise NotImplementedError

    def __call__(self, t):
        on = self.on(t)
        if on.ndim == 0:
            return self.value if on else np.zeros_like(self.value)
        return np.where(on.reshape(on.shape + (1,) * self.value.ndim), self.value, 0.0)


class Pulse(_Switched):
    """``value`` for ``t0 ≤ t < t1``, zero otherwise (see :func:`pulse`)."""

    def __init__(self, value, t0: float, t1: float) -> None:
        if not t1 > t0:
            raise ValueError(f"a pulse needs t1 > t0, got t0={t0}, t1={t1}")
        self.value = np.asarray(value, dtype=np.float64)
        self.t0, self.t1 = float(t0), float(t1)

    def on(self, t):
        """Whether the pulse is on at time(s) ``t``."""
        t = np.asarray(t)
        return (t >= self.t0) & (t < self.t1)


    def breakpoints(self, t_start: float = 0.0, t_end: float = math.inf) -> np.ndarray:
        """Switching times in ``[t_start, t_end]``."""
        t = np.array([self.t0, self.t1])
        return t[(t >= t_start) & (t <= t_end)]

    def __repr__(self) -> str:
        return f"pulse({self.value.tolist()}, t0={self.t0:g}, t1={self.t1:g})"


class SquareTrain(_Switched):
    """A train of rectangular pulses (see :func:`square_train`)."""

    def __init__(self, value, period: float, duty: float, t0: float = 0.0,
                 n: int | None = None) -> None:
        if not period > 0:
            raise ValueError(f"period must be positive, got {period}")
        if not 0 < duty <= 1:
            raise ValueError(f"duty is the on fraction of a period, in (0, 1], got {duty}")
        if n is not None and n < 1:
            raise ValueError(f"n must be a positive number of pulses or None, got {n}")
        self.value = np.asarray(value, dtype=np.float64)
        self.period, self.duty, self.t0, self.n = float(period), float(duty), float(t0), n

    def on(self, t):
        """Whether a pulse is on at time(s) ``t``."""
        s = (np.asarray(t, dtype=np.float64) - self.t0) / self.period
        k = np.floor(s)
        on = (s >= 0) & (s - k < self.duty)
        if self.n is not None:
            on &= k < self.n
        return on


    def breakpoints(self, t_start: float = 0.0, t_end: float = math.inf) -> np.ndarray:
        """Switching times (rising and falling edges) in ``[t_start, t_end]``."""
        if math.isinf(t_end) and self.n is None:
            raise ValueError("an endless train has endless breakpoints: give t_end")
        k_max = self.n if self.n is not None else math.floor((t_end - self.t0) / self.period) + 1
        k = np.arange(max(k_max, 0))
        rise = self.t0 + k * self.period
        fall = rise + self.duty * self.period
        t = np.unique(np.concatenate([rise, fall]))
        return t[(t >= t_start) & (t <= t_end)]

    def __repr__(self) -> str:
        return (f"square_train({self.value.tolist()}, period={self.period:g}, "
                f"duty={self.duty:g}, t0={self.t0:g}, n={self.n})")


def pulse(value, t0: float, t1: float) -> Pulse:
    """A rectangular pulse: ``value`` (a vector in A/m, or any scalar/array) for
    ``t0 ≤ t < t1``, 0 otherwise.

    Examples
    --------
    >>> p = pulse((1e4, 0, 0), 1e-9, 2e-9)
    >>> p(0.5e-9).tolist(), p(1e-9).tolist(), p(2e-9).tolist()
    ([0.0, 0.0, 0.0], [10000.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    """
    return Pulse(value, t0, t1)


def square_train(value, period: float, duty: float, t0: float = 0.0,
                 n: int | None = None) -> SquareTrain:
    """Rectangular pulses of ``value`` starting at ``t0 + k·period`` and lasting
    ``duty·period``, for k = 0 … n−1 (``n=None``: for ever); 0 in between and before t0.

    Examples
    --------
    >>> f = square_train(2.0, period=1e-9, duty=0.25, n=2)
    >>> [float(f(t)) for t in (0.0, 0.2e-9, 0.3e-9, 1.1e-9, 2.1e-9)]
    [2.0, 2.0, 0.0, 2.0, 0.0]
    """
    return SquareTrain(value, period, duty, t0, n)


class Zeeman(FieldTerm):
    """Applied field H in A/m.

    Parameters
    ----------
    H : vector, mapping, ndarray or callable
        A 3-vector (uniform); ``{region name or index: vector}`` (other regions 0); an
        array ``(nz, ny, nx, 3)``; or a callable ``H(t)`` returning a 3-vector or such
        an array (e.g. :func:`pulse`, :func:`square_train`, any function of t).
    regions : region name/index or list of them, optional
        Apply the field only in these regions (e.g. a local pulse under a stripline).
    name : str, optional
        Column / snapshot name (default ``"Zeeman"``, mumax3's ``E_Zeeman``).

    Notes
    -----
    The field is applied in every selected cell, vacuum included (there it has no
    energy and no torque), as OOMMF's and mumax3's applied fields.
    """

    name = "Zeeman"
    energy_factor = 1.0

    def __init__(self, H, regions=None, name: str | None = None) -> None:
        self.H = H
        self.regions = regions
        if name is not None:
            self.name = name

    @property
    def time_dependent(self) -> bool:
        """Whether the field depends on time."""
        return callable(self.H)

    def setup(self, ctx: Context | Mesh) -> None:
        """Resolve regions and the static field; nothing is allocated per call."""
        super().setup(ctx)
        mesh = self.mesh
        mask = region_mask(mesh, self.regions)
        self._mask = None if mask is None else self.xp.asarray(mask[..., None])
        self._static = None
        if not callable(self.H):
            H = self.H
            if isinstance(H, Mapping):
                H = mesh.per_cell_vector(H)
            H = np.asarray(H, dtype=np.float64)
            if H.shape == (3,) and self._mask is None:
                self._static = H  # broadcast add, no per-cell array
            else:
                H = np.broadcast_to(H, mesh.shape + (3,))
                self._static = np.where(mask[..., None], H, 0.0) if mask is not None \
                    else np.ascontiguousarray(H)
        self._cache = {}

    def _static_as(self, dtype) -> np.ndarray:
        arr = self._cache.get(dtype)
        if arr is None:
            arr = self._cache[dtype] = self.xp.asarray(self._static.astype(dtype))
        return arr

    def value(self, t: float) -> np.ndarray:
        """The field at time t as given (a 3-vector or a per-cell array), before masking."""
        if callable(self.H):
            return np.asarray(self.H(t), dtype=np.float64)
        return self._static

    def add_field(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        """Add the applied field at time ``t`` into ``out`` (``m`` is unused)."""
        xp = self.xp
        if self._static is not None:
            H = self._static if self._static.shape == (3,) else self._static_as(out.dtype)
        else:
            H = xp.asarray(self.H(t))
            if H.shape != (3,) and H.shape != out.shape:
                raise ValueError(f"H(t) must return a 3-vector or an array {out.shape}, "
                                 f"got shape {H.shape}")
        if H.shape == (3,):
            # component by component: strided adds beat a length-3 broadcast inner loop
            for c in range(3):
                hc = float(H[c])
                if hc != 0.0:
                    o = out[..., c]
                    if self._mask is None:
                        xp.add(o, hc, out=o)
                    else:
                        xp.add(o, hc, out=o, where=self._mask[..., 0])
        elif self._mask is None or self._static is not None:
            xp.add(out, H, out=out)
        else:
            xp.add(out, H, out=out, where=self._mask)
