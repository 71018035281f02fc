"""Forces on a skyrmion: per energy term from the effective fields, and from its motion.

Sign convention: a force is the force *on the texture*, ``F = −∂E/∂X`` for
an energy term (it points toward lower energy), in newtons. For a rigid shift
``m(r − X)``, ``∂m/∂X_i = −∂_i m`` and ``δE/δm = −μ0 Ms H``, so the force of a
term μ with effective field ``H^μ`` (A/m) is::

    F_i^μ = −μ0 ∫_R Ms t H^μ · ∂_i m dA        (t: film thickness)

(the ``δE/δm·∂_i m`` "Thiele force" of paper 002 Eq. 30 and notes-004 §4.12,
times ``t``). Over the whole plane this is ``−dE^μ/dX``; over a finite region R
it depends on R (notes-004 §4.12-3), so the region is a parameter: a disk of
given radius around a centre (minimum image across periodic axes) or any mask.
Paper 004's Eq. (15)-type closed forms are not used.

The force inferred from a steady motion with velocity v is, with the
conventions of :mod:`analysis.thiele` (gyrovector ``G = 4πQ ẑ``,
``D_ij = ∫ ∂_i m·∂_j m dA``)::

    F_traj = (Ms t / γ) (G × v + α D·v)

the total force (conservative terms, SOT drive, confinement; N) that must act
on the texture for it to move at v. The Thiele equation of
:mod:`analysis.thiele` is the balance ``F_drive + F_terms + F_conf = F_traj``,
where :func:`drive_force` gives the current-induced part:
``(Ms t/γ)(G − ξD)·u`` for Zhang–Li and ``−(ħ θ_SH j / 2e) 𝒥·p`` for the
damping-like SOT (independent of Ms, t and γ).

Examples
--------
>>> from analysis.textures import skyrmion, cell_centres
>>> x = cell_centres(80, 0.5e-9)
>>> m = skyrmion(x, x, centre=(20e-9, 20e-9), radius=5e-9)
>>> X, _ = np.meshgrid(x, x)
>>> H = np.zeros(m.shape); H[..., 2] = 1e5 * X / 40e-9   # H_z grows along +x
>>> df = term_forces({"zeeman": H}, m=m, cell=(0.5e-9, 0.5e-9, 1e-9), Ms=580e3,
...                  centre=(20e-9, 20e-9), radius=15e-9, unit="A/m")
>>> bool(df.Fx[0] < 0)  # the core-down skyrmion is pushed toward lower H_z
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from analysis.periodic import minimum_image
from analysis.thiele import GAMMA_LL, ThieleTensors, _frame, _gradients
from mmstudy.constants import HBAR, MU0, QE

__all__ = ["term_forces", "trajectory_force", "drive_force", "disk_mask",
           "energy_density_force"]

_UNIT_FACTORS = {"A/m": 1.0, "T": 1.0 / MU0}


def disk_mask(x: np.ndarray, y: np.ndarray, centre: Sequence[float], radius: float, *,
              box: tuple[float | None, float | None] = (None, None)) -> np.ndarray:
    """Cells (y, x) whose centres lie within ``radius`` of ``centre``.

    Parameters
    ----------
    x, y : ndarray
        Cell-centre coordinates in m.
    centre : (float, float)
    radius : float
        In m; ``np.inf`` for every cell.
    box : (Lx, Ly)
        Periodic lengths (None for an open axis): distances use the minimum image.

    Examples
    --------
    >>> x = (np.arange(10) + 0.5) * 1e-9
    >>> int(disk_mask(x, x, (0.0, 0.0), 1e-9, box=(10e-9, 10e-9)).sum())  # the 4 corner cells
    4
    >>> int(disk_mask(x, x, (0.0, 0.0), 1e-9).sum())  # open axes: no images
    1
    """
    X, Y = np.meshgrid(np.asarray(x, float), np.asarray(y, float))
    dX = minimum_image(X - centre[0], box[0])
    dY = minimum_image(Y - centre[1], box[1])
    return np.hypot(dX, dY) <= radius


def _field_units(name: str, da, unit) -> float:
    u = unit.get(name) if isinstance(unit, Mapping) else unit
    if u is None:
        u = getattr(da, "attrs", {}).get("units")
    if u not in _UNIT_FACTORS:
        raise ValueError(f"field {name!r}: units must be 'A/m' or 'T', not {u!r} "
                         "(pass unit=...)")
    return _UNIT_FACTORS[u]


def _field_array(da, shape) -> np.ndarray:
    if isinstance(da, xr.DataArray):
        for d in da.dims:
            if d not in ("z", "y", "x", "c") and da.sizes[d] == 1:
                da = da.isel({d: 0})
        if "z" not in da.dims:
            da = da.expand_dims("z")
        arr = np.asarray(da.transpose("z", "y", "x", "c").values, dtype=np.float64)
    else:
        arr = np.asarray(da, dtype=np.float64)
        if arr.ndim == 3:
            arr = arr[None]
    if arr.shape != shape:
        raise ValueError(f"a field of shape {arr.shape} on a mesh of shape {shape}")
    return arr


#: Total effective fields (OOMMF's driver ``H``, mumax3's ``B_eff``): the sum of the
#: terms, so never a term of its own.
_TOTAL_FIELDS = {"H", "B_eff", "H_eff", "Heff", "Beff"}


def _auto_terms(ds: xr.Dataset) -> list[str]:
    out = []
    for name, v in ds.data_vars.items():
        if name == "m" or name in _TOTAL_FIELDS or "c" not in v.dims or v.sizes["c"] != 3:
            continue
        if v.attrs.get("units") in _UNIT_FACTORS:
            out.append(name)
    return out


def _one_frame(fields: Mapping, m, *, cell, pbc, order, centre, radius, region, thickness,
               Ms, unit, perpendicular=False) -> list[tuple[str, float, float]]:
    fr = _frame(m, pbc=pbc, cell=cell)
    nz = fr.m.shape[0]
    if thickness is None:
        if fr.dz is None:
            raise ValueError("give thickness= (the cell has no z size)")
        thickness = nz * fr.dz
    if Ms is not None:
        ms = np.broadcast_to(np.asarray(Ms, dtype=np.float64), fr.m.shape[:3])
    elif fr.ms is not None:
        ms = fr.ms
    else:
        raise ValueError("give Ms= (A/m): the state carries no Ms")
    if region is not None:
        mask = np.asarray(region, dtype=bool)
    else:
        if centre is None or radius is None:
            raise ValueError("give centre= and radius= (or region=)")
        box = (fr.m.shape[2] * fr.dx if "x" in fr.pbc else None,
               fr.m.shape[1] * fr.dy if "y" in fr.pbc else None)
        mask = disk_mask(fr.x, fr.y, centre, radius, box=box)
    weight = np.where(fr.valid & mask, ms, 0.0) * (fr.dx * fr.dy * thickness / nz)
    dmx, dmy = _gradients(fr, order)
    if perpendicular:   # the part of ∂_i m a unit-vector field can have (see term_forces)
        dmx = dmx - np.einsum("...c,...c->...", dmx, fr.m)[..., None] * fr.m
        dmy = dmy - np.einsum("...c,...c->...", dmy, fr.m)[..., None] * fr.m
    rows = []
    for name, da in fields.items():
        H = _field_array(da, fr.m.shape) * _field_units(name, da, unit)
        fx = -MU0 * float(np.sum(weight * np.einsum("...c,...c->...", H, dmx)))
        fy = -MU0 * float(np.sum(weight * np.einsum("...c,...c->...", H, dmy)))
        rows.append((name, fx, fy))
    return rows


def term_forces(
    source: xr.Dataset | Mapping[str, xr.DataArray | np.ndarray],
    *,
    centre: Sequence[float] | np.ndarray | None = None,
    radius: float | None = None,
    region: np.ndarray | None = None,
    m: xr.DataArray | np.ndarray | None = None,
    thickness: float | None = None,
    Ms: float | np.ndarray | None = None,
    terms: Sequence[str] | None = None,
    unit: str | Mapping[str, str] | None = None,
    cell: Sequence[float] | None = None,
    pbc: str | None = None,
    order: int = 2,
    perpendicular: bool = False,
) -> pd.DataFrame:
    """Force of each energy term on the texture, ``F_i = −μ0 ∫_R Ms t H·∂_i m dA``.

    Parameters
    ----------
    source : Dataset or mapping
        An opened run (:func:`analysis.open_run`): its ``m``, ``Ms``, ``cell``,
        ``pbc`` and per-term field variables (e.g. OOMMF's
        ``UniformExchange_Field`` in A/m, mumax3's ``B_exch`` in T); or a mapping
        ``{term: field}`` of DataArrays (z, y, x, c) / (y, x, c) or arrays, with
        ``m`` given.
    centre : (x, y) in m, or array (nt, 2) for a run with several frames
    radius : float
        Radius of the integration disk in m (``np.inf``: the whole film).
    region : ndarray of bool (y, x), or (t, y, x) for a run, optional
        Integration region instead of the disk (one per frame when 3-D).
    m : DataArray or ndarray, optional
        The magnetisation, when ``source`` is a mapping.
    thickness : float, optional
        Film thickness in m (default ``nz·dz``).
    Ms : float or ndarray, optional
        Saturation magnetisation in A/m (default the run's ``Ms``).
    terms : sequence of str, optional
        Variables to use (default: every vector variable in A/m or T but ``m``).
    unit : {"A/m", "T"} or mapping, optional
        Units of the fields, overriding their ``units`` attrs; T is divided by μ0.
    cell : (dx, dy, dz), optional
        For numpy input.
    pbc : str, optional
        Periodic axes (default the run's ``attrs["pbc"]``).
    order : {2, 4}
        Finite-difference order of ∂_i m.
    perpendicular : bool
        Use only the part of the difference quotient ∂_i m perpendicular to m (as in the
        continuum, where ``m·∂_i m = 0``). The raw quotient (default) has
        ``m·∂_i m = O(h²)``: its sums are a discrete integration by parts, exact for a
        linear field (``tests/test_forces.py``), but the large ``H·m`` of exchange and
        anisotropy adds to each term's force a part the LLG's torque never sees. The
        identity of :func:`analysis.balance.dynamic_force` holds for the perpendicular
        part only (measured: the raw sum is 2.7 % off it for a skyrmion on 1 nm cells,
        the perpendicular one 2e-4, ``tests/test_balance.py``).

    Returns
    -------
    pandas.DataFrame
        Columns ``term``, ``Fx``, ``Fy`` (N), plus ``t`` (frame index) when the
        run has several frames.

    Examples
    --------
    >>> import analysis
    >>> ds = analysis.open_run("tests/data/oommf", basename="skyrmion_6ngbr")
    >>> df = term_forces(ds, centre=(20e-9, 20e-9), radius=15e-9)
    >>> list(df.term), bool((df[["Fx", "Fy"]].abs() < 1e-17).all().all())
    (['DMI_Cnv_z_Field', 'UniformExchange_Field'], True)
    """
    if isinstance(source, xr.Dataset):
        names = list(terms) if terms is not None else _auto_terms(source)
        state = source if m is None else m
        ds_ms = source["Ms"] if ("Ms" in source and Ms is None) else None
        nt = source.sizes.get("t", 1) if "t" in source["m"].dims else 1
        frames = []
        centres = None if centre is None else np.asarray(centre, dtype=np.float64)
        for k in range(nt):
            sel = (lambda v: v.isel(t=k) if "t" in v.dims else v)
            fields = {n: sel(source[n]) for n in names}
            mk = sel(state["m"] if isinstance(state, xr.Dataset) else state)
            if isinstance(state, xr.Dataset):
                mk = mk.assign_attrs(cell=source.attrs.get("cell"),
                                     pbc=source.attrs.get("pbc", ""))
            ck = None if centres is None else (centres[k] if centres.ndim == 2 else centres)
            ms_k = Ms if ds_ms is None else sel(ds_ms).transpose(..., "y", "x").values
            rk = region
            if region is not None and np.ndim(region) == 3:
                if len(region) != nt:
                    raise ValueError(f"region has {len(region)} frames, the run {nt}")
                rk = region[k]
            rows = _one_frame(fields, mk, cell=cell, pbc=pbc, order=order, centre=ck,
                              radius=radius, region=rk, thickness=thickness, Ms=ms_k,
                              unit=unit, perpendicular=perpendicular)
            frames += [((k,) if nt > 1 else ()) + r for r in rows]
        cols = (["t"] if nt > 1 else []) + ["term", "Fx", "Fy"]
        df = pd.DataFrame(frames, columns=cols)
    else:
        if m is None:
            raise ValueError("give m= with a mapping of fields")
        fields = {n: source[n] for n in (terms if terms is not None else source)}
        rows = _one_frame(fields, m, cell=cell, pbc=pbc, order=order, centre=centre,
                          radius=radius, region=region, thickness=thickness, Ms=Ms, unit=unit,
                          perpendicular=perpendicular)
        df = pd.DataFrame(rows, columns=["term", "Fx", "Fy"])
    df.attrs["units"] = {"Fx": "N", "Fy": "N"}
    return df


def _scale(tensors: ThieleTensors, Ms: float | None, thickness: float | None,
           gamma: float) -> float:
    t = thickness if thickness is not None else tensors.thickness
    if Ms is None or t is None:
        raise ValueError("give Ms= and a thickness (or tensors with one)")
    return float(Ms) * float(t) / gamma


def trajectory_force(tensors: ThieleTensors, velocity: Sequence[float], alpha: float, *,
                     Ms: float, thickness: float | None = None,
                     gamma: float = GAMMA_LL) -> np.ndarray:
    """Force (N) that must act on the texture to move it at ``velocity``: ``(Ms t/γ)(G×v + αD·v)``.

    Parameters
    ----------
    tensors : ThieleTensors
    velocity : (vx, vy) in m/s
    alpha : float
    Ms : float
        A/m.
    thickness : float, optional
        m (default ``tensors.thickness``).
    gamma : float
        rad/(T s).

    Returns
    -------
    ndarray (2,)
        The sum of the conservative, SOT and confining forces, and of the
        Zhang–Li drive if any (:func:`drive_force`), in steady motion.

    Examples
    --------
    >>> tt = ThieleTensors(Q=-1.0, G=np.array([[0, -4 * np.pi], [4 * np.pi, 0]]),
    ...                    D=np.eye(2), spin_torque=np.zeros((2, 3)), thickness=1.0,
    ...                    cell=(1.0, 1.0, 1.0), pbc="", order=2)
    >>> trajectory_force(tt, (1.0, 0.0), 0.0, Ms=1.0, gamma=1.0) / (4 * np.pi)  # G×v = −4π ŷ
    array([ 0., -1.])
    """
    v = np.asarray(velocity, dtype=np.float64).reshape(2)
    rate = -(tensors.G - alpha * tensors.D) @ v  # = 𝒢 ẑ×v + αD·v
    return rate * _scale(tensors, Ms, thickness, gamma)


def drive_force(tensors: ThieleTensors, *, stt: Mapping | None = None,
                sot: Mapping | None = None, Ms: float | None = None,
                thickness: float | None = None, gamma: float = GAMMA_LL) -> np.ndarray:
    """Current-induced force (N) on the texture, with ``stt``/``sot`` as in
    :func:`analysis.thiele.thiele_velocity`.

    Zhang–Li: ``(Ms t/γ)(G − ξD)·u``; damping-like SOT:
    ``(Ms t/γ) c p·∫(m × ∂_i m) dA = −(ħ θ_SH j / 2e) 𝒥·p``.

    Examples
    --------
    >>> tt = ThieleTensors(Q=0.0, G=np.zeros((2, 2)), D=np.eye(2),
    ...                    spin_torque=np.array([[0.0, 1e-8, 0.0], [-1e-8, 0.0, 0.0]]),
    ...                    thickness=1e-9, cell=(1e-9, 1e-9, 1e-9), pbc="", order=2)
    >>> F = drive_force(tt, sot={"j": 1e10, "theta_SH": 1.0, "p": (0, 1, 0), "Ms": 580e3})
    >>> bool(np.isclose(F[0], -HBAR * 1e10 / (2 * QE) * 1e-8, rtol=1e-12)), float(F[1])
    (True, 0.0)
    """
    from analysis.thiele import _sot_terms, _stt_terms  # the same code as the solver

    total = np.zeros(2)
    if stt:
        _, rate = _stt_terms(tensors, stt)
        total += rate * _scale(tensors, Ms, thickness, gamma)
    if sot:
        S, _ = _sot_terms(tensors, sot, gamma)
        ms = sot.get("Ms", Ms)
        t = sot.get("thickness", thickness)
        total += S * _scale(tensors, ms, t, gamma)
    return total


def energy_density_force(
    eps: np.ndarray | xr.DataArray,
    *,
    cell: Sequence[float],
    region: np.ndarray,
    pbc: str = "",
    thickness: float | None = None,
    valid: np.ndarray | None = None,
) -> tuple[float, float]:
    """Paper 004's force of one energy term: ``F_μ = ∬_R f_μ dS`` with ``f_μ = −∇ε_μ``.

    Its Eqs. (6c)–(6d), with the region R a parameter (the paper leaves it
    undefined; the result depends on it, since ``∬_R ∇ε dS = ∮_∂R ε n dl``,
    notes-004 §4.12-3). This is not the Thiele force of :func:`term_forces`: the two
    agree only when R holds the whole texture and ε vanishes on its boundary.
    Paper 004's closed-form Eq. (15) is not used (it vanishes identically for exact
    coefficient functions, notes-004 §4.12-2).

    Parameters
    ----------
    eps : ndarray or DataArray, shape (ny, nx)
        Energy density: areal (J/m²), or volumetric (J/m³) with ``thickness`` given.
    cell : (dx, dy[, dz])
        Cell sizes in m.
    region : ndarray of bool, shape (ny, nx)
        R, e.g. :func:`disk_mask` or ``m_z < 0``.
    pbc : str
        Periodic axes for the gradient.
    thickness : float, optional
        Film thickness in m, to turn a volumetric density into an areal one.
    valid : ndarray of bool, shape (ny, nx), optional
        The magnetic cells (e.g. ``Ms > 0``). At a shaped magnet's edge ∇ε then takes
        one-sided differences inside the magnet (:func:`analysis.derivatives.derivative`)
        instead of differencing against the vacuum's 0, and cells outside it
        contribute nothing (R becomes R ∩ valid). Default: every cell (no edges but the
        mesh's own).

    Returns
    -------
    (Fx, Fy) in N.

    Examples
    --------
    >>> x = (np.arange(20) + 0.5) * 1e-9
    >>> X, _ = np.meshgrid(x, x)
    >>> eps = 2e-3 * X / 1e-9                  # J/m², rising by 2e-3 J/m² per nm along x
    >>> Fx, Fy = energy_density_force(eps, cell=(1e-9, 1e-9), region=np.ones((20, 20), bool))
    >>> round(Fx / (-2e-3 / 1e-9 * 400e-18), 12), Fy   # −∇ε times the area
    (1.0, 0.0)

    A uniform density on a disk-shaped magnet, R a disk across its edge: only ``valid=``
    sees no step.

    >>> inside = disk_mask(x, x, (10e-9, 10e-9), 8e-9)
    >>> eps = np.where(inside, -1e-3, 0.0)
    >>> R = disk_mask(x, x, (16e-9, 10e-9), 5e-9)
    >>> bool(energy_density_force(eps, cell=(1e-9, 1e-9), region=R)[0] != 0.0)
    True
    >>> energy_density_force(eps, cell=(1e-9, 1e-9), region=R, valid=inside)
    (0.0, 0.0)
    """
    from analysis.derivatives import derivative

    e = np.asarray(eps, dtype=np.float64)
    if thickness is not None:
        e = e * thickness
    if valid is None:
        valid = np.ones(e.shape, dtype=bool)
    else:
        valid = np.asarray(valid, dtype=bool)
        if valid.shape != e.shape:
            raise ValueError(f"valid has shape {valid.shape}, the density {e.shape}")
    col = e[..., None]
    dx, dy = float(cell[0]), float(cell[1])
    gx = derivative(col, -2, dx, periodic="x" in pbc, valid=valid)[..., 0]
    gy = derivative(col, -3, dy, periodic="y" in pbc, valid=valid)[..., 0]
    r = np.asarray(region, dtype=bool)
    area = dx * dy
    return float(-gx[r].sum() * area) + 0.0, float(-gy[r].sum() * area) + 0.0  # no -0.0
