"""The Thiele equation of paper 002's lattice studies: the antiferromagnet and the nanotrack.

:mod:`analysis.thiele` computes the tensors of a state and solves the Thiele equation;
:mod:`analysis.sublattice` gives the Néel vector and each sublattice's field. This module
puts them together for Ohki & Mochizuki (paper 002) without new tensor formulas:

* :func:`afm_tensors` and :func:`afm_thiele_velocity`: a two-sublattice (checkerboard)
  antiferromagnet driven by a damping-like spin–orbit torque, Eqs. (61)/(153) and their
  solution (158), ``α𝒟 v = J^spin − ∇V``: :func:`analysis.thiele.thiele_velocity` on the
  tensors of the Néel vector with the gyrotropic term removed.
* :func:`sublattice_thiele`: the general two-sublattice equation (56) measured on a state:
  each sublattice's charge (Berg–Lüscher) and tensors, ``𝒢_A + 𝒢_B`` (the Hall coupling
  that Eq. 57 cancels) and the mean tensors that put Eq. (56) in ``thiele_velocity``'s form.
* :func:`track_invariant`: the nanotrack invariant of design 002 §2, the combination of
  the two velocity components that an edge potential V(y) does not enter, so that it can be
  checked on a run before the skyrmion has settled at its edge.

Conventions are :mod:`analysis.thiele`'s: ``(G − αD)V + (G − ξD)u + S + f = 0`` with
``G = [[0, 𝒢], [−𝒢, 0]]``, ``𝒢 = 4πQ``, ``S = c·p·∫(m × ∂_i m) dA`` for the torque
``c m×(p×m)``, ``f`` the force in velocity units; paper 002's ``v_s = −u``, ``β = ξ``,
``J^spin = S``, ``−∇V = f``.

Why the antiferromagnet has no gyrotropic term
----------------------------------------------
Each sublattice X ∈ {A, B} obeys its own LLG with the same local SOT (Eqs. 52–53) and,
rigid with one ``R(t)`` (Eqs. 54–55), its own Thiele equation
``(G_X − αD_X)V + S_X + f_X = 0``. With ``m_A ≈ n`` and ``m_B ≈ −n``: G has three factors
of m, so ``G_B = −G_A`` (Eq. 57); D and S have two, so ``D_B = D_A`` (58) and
``S_B = S_A`` (59). Half the sum is ``−αD V + S + f = 0`` (Eqs. 61, 153), i.e.
``V = D⁻¹(S + f)/α`` (Eq. 158 with ``∇V = −f``; ``D = 𝒟·1`` for a symmetric texture).
On a periodic film ``G_X = 4πQ_X`` is topological, and ``Q_A + Q_B = 0`` for two smooth
unit fields of opposite sign: the cancellation does not rely on ``m_B = −m_A`` exactly, so
a uniform canting of both sublattices (a field along z) changes D and S at second order but
adds no gyrotropic term to Eq. (56). What a finite-difference ``𝒢_A + 𝒢_B`` measures is
then discretisation (and, at open edges, fractional edge charge).

The tensors of n are integrals over every cell, which is the mean ``(X_A + X_B)/2`` of the
sublattice integrals with each sublattice taken as a field on all cells: the force ``F``
(in N) is the total on both sublattices and ``Ms`` the per-site (sublattice) saturation
magnetisation ``M_As = M_Bs`` (Eq. 60), which is also the Ms of the SOT rate (the appendix:
``v_s⊥`` with ``M_As``).

STT is refused: the Zhang–Li term needs a smooth ``(u·∇)m``, which the staggered m has not
(Sec. 4.3; on the lattice its central difference is ``∓(u·∇)n`` on the two sublattices).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import xarray as xr

from analysis.sublattice import neel_vector, sublattice_field
from analysis.thiele import (GAMMA_LL, ThieleSolution, ThieleTensors, thiele_tensors,
                             thiele_velocity)
from analysis.topology import Method, topological_charge

__all__ = [
    "afm_tensors", "afm_thiele_velocity",
    "SublatticeThiele", "sublattice_thiele",
    "TrackInvariant", "track_invariant",
]

Axis = Literal["x", "y"]
State = xr.DataArray | xr.Dataset | np.ndarray


# --------------------------------------------------------------------------- antiferromagnet


def _field_values(state: State) -> np.ndarray:
    """``(..., y, x, 3)`` values of a state, for the staggering check."""
    if isinstance(state, xr.Dataset):
        state = state["m"]
    if isinstance(state, xr.DataArray):
        return np.asarray(state.transpose(..., "y", "x", "c").values, dtype=np.float64)
    return np.asarray(state, dtype=np.float64)


def _refuse_staggered(state: State) -> None:
    """Refuse a staggered m passed where the Néel vector is expected."""
    arr = _field_values(state)
    if arr.ndim < 3 or arr.shape[-2] < 2:
        return
    dots = np.einsum("...c,...c->...", arr[..., 1:, :], arr[..., :-1, :])
    both = (np.abs(arr[..., 1:, :]).sum(-1) > 0) & (np.abs(arr[..., :-1, :]).sum(-1) > 0)
    if both.any() and float(dots[both].mean()) < 0:
        raise ValueError("neighbouring vectors are antiparallel on average: this looks like "
                         "the staggered m of an antiferromagnet; pass the Néel vector "
                         "analysis.sublattice.neel_vector(m)")


def afm_tensors(
    n: State | ThieleTensors,
    *,
    pbc: str | None = None,
    order: Literal[2, 4] = 2,
    thickness: float | None = None,
    cell: Sequence[float] | None = None,
) -> ThieleTensors:
    """The antiferromagnet's Thiele tensors: those of the Néel vector with ``𝒢 = 0``.

    Eq. (56) halved, with Eqs. (57)–(59): ``(G_A + G_B)/2 = 0``, ``(D_A + D_B)/2 = D(n)``,
    ``(𝒥_A + 𝒥_B)/2 = 𝒥(n)`` (module docstring). The result works with every function
    that takes :class:`~analysis.thiele.ThieleTensors` (:func:`thiele_velocity`,
    :func:`track_invariant`); its ``Q`` is the pair's total charge, 0.

    Parameters
    ----------
    n : DataArray, Dataset, ndarray or ThieleTensors
        The Néel vector as :func:`analysis.sublattice.neel_vector` returns it (a staggered
        m is refused), in any form :func:`analysis.thiele.thiele_tensors` takes, or its
        tensors already computed.
    pbc, order, thickness, cell
        As for :func:`analysis.thiele.thiele_tensors` (ignored for ThieleTensors).

    Returns
    -------
    ThieleTensors

    Examples
    --------
    >>> from analysis.textures import skyrmion, cell_centres
    >>> x = cell_centres(64, 0.5e-9)
    >>> tt = afm_tensors(skyrmion(x, x, centre=(16e-9, 16e-9), radius=4e-9),
    ...                  cell=(0.5e-9, 0.5e-9, 0.5e-9), pbc="xy")
    >>> tt.Q, tt.gyro, round(float(tt.D[0, 0]), 2)
    (0.0, 0.0, 25.26)
    """
    if not isinstance(n, ThieleTensors):
        _refuse_staggered(n)
        n = thiele_tensors(n, pbc=pbc, order=order, thickness=thickness, cell=cell)
    return dataclasses.replace(n, Q=0.0, G=np.zeros((2, 2)))


def afm_thiele_velocity(
    n: State | ThieleTensors,
    *,
    alpha: float,
    sot: Mapping,
    force: Sequence[float] | None = None,
    confine: Axis | None = None,
    Ms: float | None = None,
    thickness: float | None = None,
    gamma: float = GAMMA_LL,
    pbc: str | None = None,
    order: Literal[2, 4] = 2,
    cell: Sequence[float] | None = None,
) -> ThieleSolution:
    """Velocity of an antiferromagnetic texture under a damping-like SOT, paper 002 Eq. (158).

    ``α𝒟 v = J^spin − ∇V``: :func:`analysis.thiele.thiele_velocity` on
    :func:`afm_tensors` (``−αD V + S + f = 0``, so ``V = D⁻¹(S + f)/α``). With the
    texture's ``D = 𝒟·1`` the velocity is parallel to ``J^spin`` (no Hall motion, Sec. 7)
    and proportional to 1/α. For a core-down n with helicity η and ``σ = σ_y ŷ`` it is
    ``σ_y 𝒥(−cos η, sin η)/(α𝒟)`` with ``𝒥 = 2πc ∫ r |θ'| sin²θ dr > 0`` (Eqs. 163, 168,
    184, 185): Bloch along ±y (∥ σ), Néel along ∓x (⊥ σ; η = π moves to +x).

    Only the spin–orbit torque: STT has no smooth Thiele form on a staggered texture
    (module docstring), so there is no ``stt`` argument.

    Parameters
    ----------
    n : DataArray, Dataset, ndarray or ThieleTensors
        The Néel vector (:func:`analysis.sublattice.neel_vector`) or its tensors.
    alpha : float
        Gilbert damping.
    sot : mapping
        As for :func:`~analysis.thiele.thiele_velocity`: ``{"rate": c, "p": σ}`` or
        ``{"j", "theta_SH", "p", "thickness", "Ms"}`` with the sublattice Ms (Eq. 60).
    force : (Fx, Fy), optional
        The total force on both sublattices in N (needs Ms, the per-site value, and the
        thickness).
    confine : {"x", "y"}, optional
        Hold that velocity component at zero (``"y"``: a nanotrack along x, Eqs. 190–202).
    Ms, thickness, gamma
        As for :func:`~analysis.thiele.thiele_velocity`.
    pbc, order, cell
        As for :func:`analysis.thiele.thiele_tensors`, when n is a state.

    Returns
    -------
    ThieleSolution

    Examples
    --------
    >>> tt = ThieleTensors(Q=-1.0, G=np.array([[0, -4 * np.pi], [4 * np.pi, 0]]),
    ...                    D=np.eye(2) * 15.0, spin_torque=np.array([[0, 2e-9, 0], [0, 0, 0]]),
    ...                    thickness=None, cell=(1e-9, 1e-9, None), pbc="", order=2)
    >>> v = afm_thiele_velocity(tt, alpha=0.04, sot={"rate": 1e9, "p": (0, 1, 0)}).velocity
    >>> [round(float(c), 4) + 0.0 for c in v]  # −c 𝒥·p / (α𝒟): no Hall component
    [-3.3333, 0.0]
    """
    return thiele_velocity(afm_tensors(n, pbc=pbc, order=order, thickness=thickness, cell=cell),
                           alpha=alpha, sot=sot, force=force, confine=confine, Ms=Ms,
                           thickness=thickness, gamma=gamma)


# --------------------------------------------------------------------------- Eq. (56)


@dataclasses.dataclass(frozen=True)
class SublatticeThiele:
    """Paper 002 Eq. (56) measured on a two-sublattice state (:func:`sublattice_thiele`).

    Attributes
    ----------
    Q_A, Q_B, Q_n : float
        Topological charges of sublattice A's field, B's field
        (:func:`analysis.sublattice.sublattice_field`) and the Néel vector, by the
        ``method`` asked for (Berg–Lüscher by default: integers on a periodic grid). For a
        core-down n: ``Q_A = Q_n = −1``, ``Q_B = +1`` (Q is odd in m).
    A, B, n : ThieleTensors
        Tensors of the two sublattice fields and of the Néel vector (finite differences).
    method : str
        How the charges were computed.
    """

    Q_A: float
    Q_B: float
    Q_n: float
    A: ThieleTensors
    B: ThieleTensors
    n: ThieleTensors
    method: str

    @property
    def gyro_residual(self) -> float:
        """``𝒢_A + 𝒢_B``: the residual Hall coupling of Eq. (56) (Eq. 57 says 0).

        With the finite-difference tensors, as D and 𝒥 are: in the continuum it is
        ``4π(Q_A + Q_B) = 0`` on a periodic film, so a nonzero value is discretisation
        (or fractional charge at open edges).
        """
        return self.A.gyro + self.B.gyro

    @property
    def charge_residual(self) -> float:
        """``Q_A + Q_B`` by :attr:`method` (exactly 0 with Berg–Lüscher on a periodic grid)."""
        return self.Q_A + self.Q_B

    @property
    def combined(self) -> ThieleTensors:
        """Eq. (56) divided by 2 as one set of tensors: ``(X_A + X_B)/2`` for G, D and 𝒥.

        :func:`analysis.thiele.thiele_velocity` on it solves the general two-sublattice
        equation, residual gyrotropic term included (forces as for
        :func:`afm_thiele_velocity`: the total on both sublattices, per-site Ms).
        """
        a, b = self.A, self.B
        return ThieleTensors(Q=(a.Q + b.Q) / 2, G=(a.G + b.G) / 2, D=(a.D + b.D) / 2,
                             spin_torque=(a.spin_torque + b.spin_torque) / 2,
                             thickness=a.thickness, cell=a.cell, pbc=a.pbc, order=a.order)

    def hall_tangent(self, alpha: float) -> float:
        """``tan θ_H = −𝒢̄/(α𝒟̄)``: the angle from ``J^spin`` to the Eq. (56) velocity.

        For ``(Ḡ − α𝒟̄)V + S = 0`` with ``Ḡ = [[0, 𝒢̄], [−𝒢̄, 0]]``, ``𝒢̄ = (𝒢_A + 𝒢_B)/2``
        and ``𝒟̄`` the mean of the diagonal of ``(D_A + D_B)/2``:
        ``V = (α𝒟̄ S + 𝒢̄ (S_y, −S_x))/(α²𝒟̄² + 𝒢̄²)``, S turned by ``atan2(−𝒢̄, α𝒟̄)``.
        """
        c = self.combined
        return -c.gyro / (alpha * float(np.trace(c.D)) / 2)


def sublattice_thiele(
    m: xr.DataArray | xr.Dataset,
    *,
    method: Method = "lattice",
    pbc: str | None = None,
    order: Literal[2, 4] = 2,
    thickness: float | None = None,
) -> SublatticeThiele:
    """Per-sublattice charges and Thiele tensors of a staggered state (paper 002 Eq. 56).

    Parameters
    ----------
    m : DataArray (z, y, x, c) or (y, x, c), or a Dataset with ``m``
        The staggered magnetisation, one state (a ``t`` dimension of length 1 at most).
    method : {"lattice", "fd2", "fd4"}
        For the charges (:func:`analysis.topology.topological_charge`). Not for Q of m
        itself: neighbouring spins are nearly antiparallel, so Berg–Lüscher's triangles
        are degenerate there and its sum is no charge, while fd2 gives the staggered sum
        ``Σ s_i q_n(i) dA`` (the (π, π) Fourier component of n's density), ≈ 0.
    pbc : str, optional
        Periodic axes; default ``attrs["pbc"]``.
    order : {2, 4}
        Finite-difference order of the tensors.
    thickness : float, optional
        Film thickness in m (default ``nz·dz``).

    Returns
    -------
    SublatticeThiele

    Examples
    --------
    >>> from analysis.textures import as_dataarray, skyrmion, cell_centres
    >>> x = cell_centres(32, 0.5e-9)
    >>> sk = skyrmion(x, x, centre=(8e-9, 8e-9), radius=2.5e-9, box=(16e-9, 16e-9))
    >>> s = (-1.0) ** np.add.outer(np.arange(32), np.arange(32))
    >>> st = sublattice_thiele(as_dataarray(sk * s[..., None], 0.5e-9, 0.5e-9, pbc="xy"))
    >>> [round(q, 9) + 0.0 for q in (st.Q_A, st.Q_B, st.Q_n)]
    [-1.0, 1.0, -1.0]
    """
    if isinstance(m, xr.Dataset):
        attrs = {k: m.attrs[k] for k in ("pbc", "cell") if k in m.attrs}
        m = m["m"].assign_attrs({**attrs, **m["m"].attrs})
    if pbc is not None:
        m = m.assign_attrs(pbc=pbc)
    n = neel_vector(m)
    fields = {"A": sublattice_field(m, "A"), "B": sublattice_field(m, "B"), "n": n}
    tensors = {k: thiele_tensors(f, order=order, thickness=thickness) for k, f in fields.items()}

    def charge(f: xr.DataArray) -> float:
        q = topological_charge(f, method=method)
        return float(q.mean())  # one frame (checked by thiele_tensors); mean over layers

    return SublatticeThiele(Q_A=charge(fields["A"]), Q_B=charge(fields["B"]),
                            Q_n=charge(n), A=tensors["A"], B=tensors["B"], n=tensors["n"],
                            method=method)


# --------------------------------------------------------------------------- nanotrack


@dataclasses.dataclass(frozen=True)
class TrackInvariant:
    """The nanotrack invariant of :func:`track_invariant`.

    Attributes
    ----------
    measured : ndarray
        ``V_k − w V_o`` for each velocity given (m/s; shape of the velocities less the
        last axis), k the track axis and o the confined one.
    predicted : float
        Its value set by the drives alone (m/s): the steady velocity along the track.
    weight : float
        ``w``: how much of the transverse velocity enters (``𝒢/(α𝒟)`` for a track along
        x with D_xy = 0, the c₂ ≈ 21 of paper 002 by which a v_dy error is amplified).
    axis : {"x", "y"}
        The track axis k.
    """

    measured: np.ndarray
    predicted: float
    weight: float
    axis: str

    @property
    def residual(self) -> np.ndarray:
        """``measured − predicted`` (m/s)."""
        return self.measured - self.predicted


def track_invariant(
    velocity: Sequence[float] | np.ndarray,
    tensors: ThieleTensors,
    alpha: float,
    *,
    stt: Mapping | None = None,
    sot: Mapping | None = None,
    confine: Axis = "y",
    gamma: float = GAMMA_LL,
) -> TrackInvariant:
    """The Thiele invariant of a nanotrack: unchanged by any edge potential V(y).

    Derivation, from the equation :func:`analysis.thiele.thiele_velocity` solves,
    ``A V + b + f = 0`` with ``A = G − αD``, ``b = (G − ξD)u + S``,
    ``G = [[0, 𝒢], [−𝒢, 0]]`` (``𝒢 = G_xy = 4πQ``). In a track along x (``confine="y"``)
    the edges give a force along y only, ``f = (0, −∂_yV)``, at every instant of a rigid
    motion, whatever V(y) is and wherever the texture is across the track. The x row
    holds no f::

        −αD_xx V_x + (𝒢 − αD_xy) V_y + 𝒢 u_y − ξ(D_xx u_x + D_xy u_y) + S_x = 0,

    so, dividing by ``αD_xx``::

        V_x − w V_y = P,   w = (𝒢 − αD_xy)/(αD_xx),
        P = [S_x + 𝒢 u_y − ξ(D_xx u_x + D_xy u_y)]/(αD_xx).

    With paper 002's ``D_xy = 0``, ``D_xx = 𝒟``, ``u = −v_s``, ``ξ = β``, ``S = J^spin``
    this is design 002 §2's ``v_dx − (𝒢/α𝒟) v_dy = (β/α)v_sx − (𝒢/α𝒟)v_sy +
    J^spin_x/(α𝒟)`` (∂_yV and J^spin_y drop out). When the texture has settled
    (``V_y = 0``) ``V_x = P``: the steady track velocity of ``thiele_velocity(...,
    confine="y")`` (Eqs. 73, 74, 128, 136, 144, 152; AFM, with :func:`afm_tensors`:
    ``w = 0``, Eqs. 196, 202). A track along y (``confine="x"``) uses the y row the same
    way. Generally ``V_k + (A_ko/A_kk)V_o = −b_k/A_kk``; b is evaluated as ``−A V_plate``
    with ``V_plate`` the unconfined :func:`~analysis.thiele.thiele_velocity`, so the drives
    are read and scaled in one place.

    The coefficients are constant, so the invariant also integrates: ``X(t) − w Y(t) =
    P t + const`` along a trajectory. It assumes a rigid texture, a potential with no
    component along the track (no ∂_xV: no pinning sites, track ends far away) and
    constant drives.

    Parameters
    ----------
    velocity : array_like, shape (..., 2)
        Measured velocities (vx, vy) in m/s, e.g. one per frame of a trajectory.
    tensors : ThieleTensors
        Of the state (for an antiferromagnet, :func:`afm_tensors`).
    alpha : float
        Gilbert damping.
    stt, sot : mapping, optional
        The drives, as for :func:`~analysis.thiele.thiele_velocity` (mumax3's u, ξ).
    confine : {"y", "x"}
        The axis of the edge force (``"y"``: a track along x).
    gamma : float
        Gyromagnetic ratio (for an SOT given by j, θ_SH, Ms).

    Returns
    -------
    TrackInvariant

    Examples
    --------
    Paper 002's STT track along x (Eq. 73): the invariant is (β/α) v_sx whatever v_dy is.

    >>> tt = ThieleTensors(Q=-1.0, G=np.array([[0, -4 * np.pi], [4 * np.pi, 0]]),
    ...                    D=np.eye(2) * 15.0, spin_torque=np.zeros((2, 3)), thickness=None,
    ...                    cell=(1e-9, 1e-9, None), pbc="", order=2)
    >>> inv = track_invariant([[0.5, 0.0], [0.0, 0.075 / np.pi]], tt, 0.04,
    ...                       stt={"u": (-1.0, 0.0), "xi": 0.02})
    >>> round(inv.predicted, 12), [round(float(v), 12) for v in inv.measured]
    (0.5, [0.5, 0.5])
    """
    if confine not in ("x", "y"):
        raise ValueError(f"confine must be 'x' or 'y', not {confine!r}")
    v = np.asarray(velocity, dtype=np.float64)
    if v.ndim == 0 or v.shape[-1] != 2:
        raise ValueError(f"velocity must have shape (..., 2) (vx, vy), not {v.shape}")
    o = 0 if confine == "x" else 1  # the confined component
    k = 1 - o                       # the component along the track
    A = tensors.G - alpha * tensors.D
    if A[k, k] == 0:
        raise ValueError("α D along the track is zero: the invariant needs α > 0 and a "
                         "texture with a gradient along the track")
    v_plate = thiele_velocity(tensors, alpha=alpha, stt=stt, sot=sot, gamma=gamma).velocity
    weight = -A[k, o] / A[k, k]
    predicted = float((A @ v_plate)[k] / A[k, k])
    measured = v[..., k] - weight * v[..., o]
    return TrackInvariant(measured=measured, predicted=predicted, weight=float(weight),
                          axis="xy"[k])
