"""Energy-density maps of each term, from the per-term effective fields a run saved.

For a term μ with effective field ``H_μ`` (A/m) the areal energy density of a cell
column is (J/m²)::

    ε_μ = −f μ0 Ms d m·H_μ          (d: film thickness; several layers: summed)

with ``f = ½`` for terms quadratic in m (exchange, DMI, uniaxial anisotropy, demag,
an anisotropy/strain drive) and ``f = 1`` for linear ones (Zeeman). It is the built-in
solver's own rule (``FieldTerm.energy_density`` in ``orchestrator/solver/terms/base.py``),
so ``Σ ε_μ dx dy`` is the table's ``E_μ`` to rounding, but for the documented exceptions
of :func:`energy_densities`. Paper 004 (design ``docs/design/flower.md`` §4.3) needs the
maps for its forces ``F_μ = ∬_R −∇ε_μ dS``
(:func:`analysis.forces.energy_density_force`, with ``valid=`` at a magnet's edge).

Examples
--------
>>> import xarray as xr
>>> m = xr.DataArray(np.tile([0.0, 0.0, 1.0], (1, 2, 2, 1)), dims=("z", "y", "x", "c"))
>>> H = xr.DataArray(np.tile([0.0, 0.0, 1e5], (1, 2, 2, 1)), dims=("z", "y", "x", "c"),
...                  attrs={"units": "A/m"})
>>> ds = xr.Dataset({"m": m, "Ms": (("z", "y", "x"), np.full((1, 2, 2), 5e5)),
...                  "H_anis": H}, attrs={"cell": (1e-9, 1e-9, 2e-9)})
>>> eps = energy_densities(ds)
>>> bool(np.allclose(eps.eps_anis, -0.5 * MU0 * 5e5 * 1e5 * 2e-9))
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from analysis.forces import _auto_terms, _field_units
from mmstudy.constants import MU0
from mmstudy.layout import POINT_FILE

__all__ = ["energy_densities"]

#: the built-in solver's quadratic terms (``E_exch``, ...) and its linear one
_QUADRATIC = {"exch", "DMI", "anis", "Demag"}
_LINEAR = {"Zeeman"}
#: OOMMF's field outputs are named after the energy class (``UniformExchange_Field``)
_OOMMF_QUADRATIC = ("Exchange", "DMI", "Demag", "Anisotropy")


def _study_drives(ds: xr.Dataset) -> dict[str, str]:
    """``{drive name: type}`` from the point folder's ``point.json``, if the run has one."""
    source = ds.attrs.get("source")
    if not source:
        return {}
    for folder in (Path(source), Path(source).parent):
        path = folder / POINT_FILE
        if path.is_file():
            try:
                drives = json.loads(path.read_text())["study"].get("drives") or {}
            except (OSError, ValueError, KeyError, AttributeError):
                return {}
            return {k: str(v.get("type", "")) for k, v in drives.items() if isinstance(v, dict)}
    return {}


def _factor(term: str, var: str, drives: Mapping[str, str]) -> float:
    """``f`` of a term: ½ quadratic, 1 linear; refused when the name does not say."""
    kind = drives.get(term)
    if kind == "field" or term in _LINEAR or "Zeeman" in var:
        return 1.0
    if kind == "anisotropy" or term in _QUADRATIC or any(s in var for s in _OOMMF_QUADRATIC):
        return 0.5
    raise ValueError(f"term {term!r} (variable {var!r}): is it quadratic in m (f = 1/2) or "
                     "linear (Zeeman, f = 1)? Pass terms={name: f}")


def _variable(ds: xr.Dataset, name: str) -> tuple[str, str]:
    """(term name, variable name) for a term given as ``exch`` or ``H_exch``."""
    if f"H_{name}" in ds.data_vars:
        return name, f"H_{name}"
    if name in ds.data_vars:
        return (name[2:] if name.startswith("H_") else name), name
    raise KeyError(f"no field of term {name!r} in the run (variables: {sorted(ds.data_vars)}); "
                   "the built-in solver saves H_<term> when an evolve stage lists it in fields")


def energy_densities(
    ds: xr.Dataset,
    terms: Sequence[str] | Mapping[str, float] | None = None,
    *,
    thickness: float | None = None,
) -> xr.Dataset:
    """Areal energy density ``ε_μ = −f μ0 Ms d m·H_μ`` (J/m²) of each term, per cell.

    What is included: exactly the solver's field rule ``E = −f μ0 Σ Ms m·H V``
    (``FieldTerm.energy_density``), cell by cell, so that ``Σ ε_μ dx dy`` equals the
    built-in solver's table column ``E_μ`` for exchange (6ngbr: the discrete cell share
    ``Σ_j A_ij (1 − m·m_j)/Δ²`` over magnetic neighbours, A(∇m)² to O(Δ²) pointwise and
    exactly in sum; 12ngbr: OOMMF's quadrature-weighted share), DMI (its edge terms
    included), demag, Zeeman and an anisotropy drive (``energy_offset=False``:
    ``−K (m·u)²``).

    What is not: (1) the material anisotropy's constant offset: the solver's table
    reports OOMMF's ``K1 (1 − (m·u)²)`` in cells with K1 > 0, the map has
    ``−K1 (m·u)²`` (paper 004's Eq. (7) form), so ``E_anis = Σ ε_anis dx dy +
    Σ_{K1 > 0} K1 V``; (2) a quartic ``K2``: the field rule gives ``−2 K2 (m·u)⁴`` for
    the solver's ``−K2 (m·u)⁴``; (3) the thermal field (never saved). Vacuum cells
    (Ms = 0) get 0. The maps are as exact as the saved snapshots: ``bin4`` (the
    default of a study run) rounds m and H to float32, so sums agree with the table
    to about 1e-7 relative; ``bin8`` to rounding in float64.

    Parameters
    ----------
    ds : Dataset
        An opened run (:func:`analysis.open_run`) with ``m``, ``Ms`` and the term
        fields (``H_<term>`` in A/m, or other vector variables in A/m or T by their
        ``units``), cell sizes in ``attrs["cell"]``. Frames where a field was not
        saved (the built-in solver saves none at a study's first frame or in
        minimise stages) are NaN.
    terms : sequence of str or mapping, optional
        Terms (``"exch"`` or ``"H_exch"``); default every vector field in A/m or T
        but ``m`` and total fields. ``f`` is ½ for the built-in's ``exch``, ``DMI``,
        ``anis``, ``Demag`` and OOMMF's exchange/DMI/demag/anisotropy outputs, 1 for
        ``Zeeman``; a drive's term is classified by the point folder's
        ``point.json`` (``field`` → 1, ``anisotropy`` → ½). Other names are refused
        unless given as a mapping ``{term: f}``, which sets ``f`` explicitly.
    thickness : float, optional
        Film thickness d in m (default ``nz · dz``); layers are summed with weight
        ``d / nz`` each.

    Returns
    -------
    Dataset
        ``eps_<term>`` (J/m²) over the run's dimensions but ``z`` and ``c``, e.g.
        (t, y, x); attrs ``cell``, ``pbc``, ``thickness``; each variable's attrs hold
        its ``factor``.

    Examples
    --------
    On a run (see the module docstring for a self-contained one)::

        ds = analysis.open_run("out/<point>/run.out")
        eps = energy_densities(ds, ["exch", "DMI"])
        dx, dy = ds.attrs["cell"][:2]
        E_exch = (eps.eps_exch * dx * dy).sum(("x", "y"))   # = ds.E_exch where saved
    """
    if "m" not in ds or "Ms" not in ds:
        raise ValueError("energy_densities needs the run's m and Ms")
    given = dict(terms) if isinstance(terms, Mapping) else None
    names = list(given) if given is not None else \
        (list(terms) if terms is not None else _auto_terms(ds))
    cell = ds.attrs.get("cell") or ds["m"].attrs.get("cell")
    nz = ds["m"].sizes.get("z", 1)
    if thickness is None:
        if not cell or len(cell) < 3:
            raise ValueError("give thickness= (the run has no cell size along z)")
        thickness = nz * float(cell[2])
    drives = _study_drives(ds) if given is None else {}
    m = ds["m"].astype(np.float64)
    Ms = ds["Ms"].astype(np.float64)
    spatial = [d for d in ("z", "y", "x", "c") if d in m.dims]
    out = {}
    for name in names:
        term, var = _variable(ds, name)
        f = float(given[name]) if given is not None else _factor(term, var, drives)
        H = ds[var].astype(np.float64) * _field_units(var, ds[var], None)
        e = -f * MU0 * Ms * (m * H).sum("c", skipna=False)             # J/m³
        e = e.where(Ms > 0, 0.0).where(~H.isnull().all(spatial))      # vacuum 0, unsaved NaN
        eps = e.sum("z", skipna=False) * (thickness / nz) if "z" in e.dims else e * thickness
        eps = eps.transpose(*[d for d in m.dims if d in eps.dims])
        eps = eps.drop_vars([c for c in eps.coords if str(c).endswith("_file")])
        eps.attrs = {"units": "J/m^2", "factor": f, "from": var,
                     "long_name": f"energy density of {term} (−f μ0 Ms d m·H)"}
        out[f"eps_{term}"] = eps
    res = xr.Dataset(out).load()
    res.attrs = {"pbc": ds.attrs.get("pbc", ""), "thickness": thickness}
    if cell:
        res.attrs["cell"] = tuple(cell)
    return res
