"""The force balance of a texture along a run: the LLG's exact identity, and its regions.

Crossing the Gilbert-form LLG ``ṁ = −γ0 m×H + α m×ṁ`` (no current torques) with m
gives ``γ0 H_⊥ = m×ṁ + α ṁ``; dotted with ``∂_i m`` (perpendicular to m) and
integrated over any region R of a film of thickness d::

    −μ0 ∬_R Ms d H·∂_i m dS  =  −(μ0 d/γ0) ∬_R Ms [(m×ṁ)·∂_i m + α ṁ·∂_i m] dS     (1)

The left side is the sum of every term's Thiele force
(:func:`analysis.forces.term_forces`, from the saved per-term fields); the right side,
:func:`dynamic_force`, needs only m at successive frames (ṁ by central differences).
(1) holds for any motion and any R, rigid or not: its residual measures how well the
saved fields and frames resolve the run (time step of the frames, the stencils), not a
model. The rigid-texture version, ``G×v + α𝒟v`` (:func:`analysis.forces.trajectory_force`)
with v from the tracked centre, is (1) for ``ṁ = −(v·∇)m`` only.

Paper 004 integrates its forces over "the region of skyrmion configuration", which it
does not define (notes-004 §4.1, §4.12-3); :func:`skyrmion_regions` gives the two
readings its report uses: the reversed core ``m_z < 0`` near the texture, and a disk
of twice the texture's radius, each within the magnet.

Examples
--------
A texture at rest feels no net force: ṁ = 0 gives 0 whatever the region.

>>> import xarray as xr
>>> from analysis.textures import skyrmion, cell_centres
>>> x = cell_centres(32, 1e-9)
>>> m = skyrmion(x, x, centre=(16e-9, 16e-9), radius=5e-9)
>>> frames = np.stack([m, m, m])[:, None]                       # (t, z, y, x, c)
>>> ds = xr.Dataset({"m": (("t", "z", "y", "x", "c"), frames)},
...                 coords={"t": [0.0, 1e-12, 2e-12]}, attrs={"cell": (1e-9, 1e-9, 1e-9)})
>>> df = dynamic_force(ds, alpha=0.1, Ms=580e3)
>>> float(df.Fx.abs().max()), len(df)                            # the end frames have no ṁ
(0.0, 1)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from analysis.forces import disk_mask
from analysis.thiele import _frame, _gradients
from mmstudy.constants import GAMMA0, MU0

__all__ = ["dynamic_force", "skyrmion_regions"]


def _frames(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The run's times and m (t, z, y, x, c) in float64, a repeated time (a stage's
    last frame and the next stage's first) kept once (the later frame)."""
    m = ds["m"]
    if "t" not in m.dims:
        raise ValueError("dynamic_force needs a run with a t dimension (several frames)")
    if "z" not in m.dims:
        m = m.expand_dims("z", axis=1)
    m = m.transpose("t", "z", "y", "x", "c")
    t = np.asarray(ds["t"].values, dtype=np.float64)
    keep = np.append(np.diff(t) > 0, True)        # the last of each run of equal times
    return t[keep], np.asarray(m.values[keep], dtype=np.float64)


def dynamic_force(
    ds: xr.Dataset,
    *,
    alpha: float | np.ndarray,
    region: np.ndarray | None = None,
    Ms: float | np.ndarray | None = None,
    thickness: float | None = None,
    gamma0: float = GAMMA0,
    order: int = 2,
) -> pd.DataFrame:
    """The total Thiele force on the texture from its motion alone, Eq. (1) of the module.

    ``F_i = −(μ0 d/γ0) ∬_R Ms [(m×ṁ)·∂_i m + α ṁ·∂_i m] dS``, with
    ``ṁ_k = (m_{k+1} − m_{k−1}) / (t_{k+1} − t_{k−1})`` at every frame but the first
    and last: the sum of every energy term's force over R when the run has no current
    torques (a current's torque adds its own force, :func:`analysis.forces.drive_force`).

    Parameters
    ----------
    ds : Dataset
        An opened run (:func:`analysis.open_run`) with ``m`` over ``t``; its ``Ms``,
        ``cell`` and ``pbc`` are used. Frames should be close enough for the central
        difference (the error is ``O(Δt² m⃛)``).
    alpha : float or ndarray (y, x)
        Gilbert damping.
    region : ndarray of bool, (y, x) or (t, y, x) over the run's frames, optional
        R (default every cell); cells outside the magnet never count.
    Ms : float or ndarray, optional
        A/m (default the run's ``Ms``).
    thickness : float, optional
        d in m (default ``nz · dz``).
    gamma0 : float
        ``γ0 = μ0 γ`` in m/(A s) of the LLG that ran (default OOMMF's 2.211e5, the
        built-in solver's).
    order : {2, 4}
        Finite-difference order of ``∂_i m``.

    Returns
    -------
    pandas.DataFrame
        ``t`` (s), ``Fx``, ``Fy`` (N), one row per frame with a ṁ.
    """
    t, m = _frames(ds)
    if len(t) < 3:
        raise ValueError(f"dynamic_force needs at least 3 distinct times, the run has {len(t)}")
    full_t = np.asarray(ds["t"].values, dtype=np.float64)
    if region is not None and np.ndim(region) == 3:
        if len(region) != len(full_t):
            raise ValueError(f"region has {len(region)} frames, the run {len(full_t)}")
        region = np.asarray(region, dtype=bool)[np.append(np.diff(full_t) > 0, True)]
    cell = ds.attrs.get("cell") or ds["m"].attrs.get("cell")
    pbc = ds.attrs.get("pbc", "")
    if Ms is None:
        if "Ms" not in ds:
            raise ValueError("give Ms= (A/m): the run carries no Ms")
        ms_da = ds["Ms"].isel(t=0) if "t" in ds["Ms"].dims else ds["Ms"]
        ms_da = ms_da if "z" in ms_da.dims else ms_da.expand_dims("z")
        Ms = np.asarray(ms_da.transpose("z", "y", "x").values, dtype=np.float64)
    rows = []
    for k in range(1, len(t) - 1):
        fr = _frame(m[k], pbc=pbc, cell=cell)
        if thickness is None and fr.dz is None:
            raise ValueError("give thickness= (the run has no cell size along z)")
        d = thickness if thickness is not None else m.shape[1] * fr.dz
        mdot = (m[k + 1] - m[k - 1]) / (t[k + 1] - t[k - 1])
        dmx, dmy = _gradients(fr, order)
        ms = np.broadcast_to(np.asarray(Ms, dtype=np.float64), fr.m.shape[:3])
        r = fr.valid if region is None else \
            fr.valid & np.asarray(region[k] if np.ndim(region) == 3 else region, bool)
        w = np.where(r, ms, 0.0) * (fr.dx * fr.dy * d / fr.m.shape[0])
        rate = np.cross(fr.m, mdot) + np.asarray(alpha, dtype=np.float64)[..., None] * mdot
        fx = -MU0 / gamma0 * float(np.sum(w * np.einsum("...c,...c->...", rate, dmx)))
        fy = -MU0 / gamma0 * float(np.sum(w * np.einsum("...c,...c->...", rate, dmy)))
        rows.append((t[k], fx + 0.0, fy + 0.0))
    df = pd.DataFrame(rows, columns=["t", "Fx", "Fy"])
    df.attrs["units"] = {"t": "s", "Fx": "N", "Fy": "N"}
    return df


def skyrmion_regions(
    mz: np.ndarray,
    valid: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    centre: Sequence[float],
    radius: float,
    *,
    polarity: int = -1,
    core_reach: float = 3.0,
    disk_reach: float = 2.0,
) -> dict[str, np.ndarray]:
    """Paper 004's two readings of "the region of skyrmion configuration" (y, x masks).

    Parameters
    ----------
    mz : ndarray (y, x)
        m_z of the frame.
    valid : ndarray of bool (y, x)
        The magnet's cells.
    x, y : ndarray
        Cell-centre coordinates in m.
    centre : (x, y)
        The texture's guiding centre in m.
    radius : float
        Its radius R₀ in m (e.g. ``mode_0`` of :func:`analysis.detection.find_objects`).
    polarity : {-1, 1}
        The core's sign of m_z (−1: core down in an up background).
    core_reach, disk_reach : float
        The core region is the reversed cells within ``core_reach · R₀`` of the centre
        (so that reversed cells elsewhere, e.g. at a far edge, stay out); the disk has
        radius ``disk_reach · R₀``.

    Returns
    -------
    dict
        ``core``: ``polarity · m_z > 0`` near the centre, within the magnet; ``disk``:
        the disk within the magnet.

    Examples
    --------
    >>> x = (np.arange(20) + 0.5) * 1e-9
    >>> mz = np.ones((20, 20)); mz[8:12, 8:12] = -1
    >>> r = skyrmion_regions(mz, np.ones((20, 20), bool), x, x, (10e-9, 10e-9), 2e-9)
    >>> int(r["core"].sum()), int(r["disk"].sum())
    (16, 52)
    """
    valid = np.asarray(valid, dtype=bool)
    near = disk_mask(x, y, centre, core_reach * radius)
    core = valid & near & (polarity * np.asarray(mz) > 0)
    disk = valid & disk_mask(x, y, centre, disk_reach * radius)
    return {"core": core, "disk": disk}
