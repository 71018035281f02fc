r"""Dzyaloshinskii–Moriya interaction of crystal classes Cnv_z, T and D2d_z, per region.

The discretisation is OOMMF's DMI extension (Cortés-Ortuño, Beg, Fangohr et al.:
``Oxs_DMI_Cnv_z``, ``Oxs_DMI_T``, ``Oxs_DMI_D2d_z`` from the ``oommf-extension-dmi-*``
repositories, shipped with conda-forge OOMMF), reproduced exactly.

Energy densities (ubermag / micromagneticmodel and OOMMF conventions; D in J/m²)
--------------------------------------------------------------------------------
==========  ======================================================================
``Cnv_z``   :math:`w = D\,[(\mathbf m\cdot\nabla)m_z - m_z\,\nabla\cdot\mathbf m]`
            (interfacial, Néel; only x and y derivatives)
``T``       :math:`w = D\,\mathbf m\cdot(\nabla\times\mathbf m)` (bulk, Bloch; x, y, z)
``D2d_z``   :math:`w = D\,\mathbf m\cdot(\partial_x\mathbf m\times\hat x
            - \partial_y\mathbf m\times\hat y)` (antiskyrmions; x and y)
==========  ======================================================================

mumax3 writes the interfacial term as ``Dind [m_z ∇·m − (m·∇) m_z]``, the opposite sign
of ``Cnv_z``: use ``Dind = mumax3_dind(D) = −D``. mumax3's ``Dbulk`` has the same
energy as ``T``: ``Dbulk = mumax3_dbulk(D) = D``.

Discretisation
--------------
Each cell i sums over its face neighbours j in direction :math:`\hat u_{ij}`
(±x, ±y, and ±z for T only), at distance :math:`\Delta_{ij}`:

.. math::

    \mathbf s_i = \sum_j \frac{D_{ij}}{2\Delta_{ij}}\,\mathbf d(\hat u_{ij})\times\mathbf m_j,
    \qquad \mathbf H_i = -\frac{2}{\mu_0 M_{s,i}}\,\mathbf s_i,
    \qquad w_i = \mathbf m_i\cdot\mathbf s_i,

with the DMI vector :math:`\mathbf d(\hat u) = \hat z\times\hat u` (Cnv_z),
:math:`\hat u` (T) and :math:`(-u_x, u_y, 0)` (D2d_z). Since :math:`\mathbf d` is odd
in :math:`\hat u` and :math:`D_{ij} = D_{ji}`, the energy is a sum over bonds and the
field is its exact variational derivative; :math:`w_i` equals the base-class energy
density :math:`-\tfrac12\mu_0 M_s\,\mathbf m\cdot\mathbf H`.

Edges and vacuum (as OOMMF): a neighbour that is missing (free edge of an axis that
is not in ``mesh.pbc``) or non-magnetic (Ms = 0) is simply left out of the sum, with no
ghost cell or boundary-condition extrapolation (mumax3 instead extrapolates the missing
neighbour from the DMI/exchange Neumann condition, so its edge fields differ). Cells with
Ms = 0 get zero field. Periodic axes wrap.

Per-region classes and the bond between regions
-----------------------------------------------
Every region may carry its own D and its own class (and several classes at once). For
each class C a cell value :math:`D_C(i)` is D of the cell's region if that region has
class C, else 0. A bond (i, j) then carries, for each class,

* ``interface="mean"`` (default): :math:`D_{C,ij} = [D_C(i) + D_C(j)]/2`. Inside a region
  this is the region's D; a bond between a Cnv_z region (D_L) and a T region (D_R)
  carries half an interfacial bond of strength D_L *plus* half a bulk bond of strength
  D_R (the bond straddles both materials: the trapezoidal rule for a step in D(x)). Two
  regions of the same class get the arithmetic mean of their D (linear in D, so it is
  well defined for D of opposite signs, unlike a harmonic mean). The same OOMMF run is
  two terms, ``Oxs_DMI_Cnv_z { D { left left DL left right DL/2 } }`` plus
  ``Oxs_DMI_T { D { right right DR left right DR/2 } }``, both with ``default_D 0``.
* ``interface="zero"``: bonds between cells of different region indices carry no DMI at
  all. This is what OOMMF computes for ``Oxs_DMI_*`` terms whose ``D`` matrix lists only
  same-region pairs (``D { left left DL }``) with ``default_D 0``; each region then sees
  the other as a free edge for the DMI.

Both rules reduce to OOMMF's for a single region. In both, the field of a cell away
from any interface is the single-class field. Where the bond D changes (free edges,
vacuum, interfaces), even a uniform m feels a DMI field, as in the continuum.

Examples
--------
>>> import numpy as np
>>> from orchestrator.solver.mesh import Mesh
>>> regions = np.zeros((1, 2, 8), int); regions[..., 4:] = 1
>>> mesh = Mesh(n=(8, 2, 1), cell=(1e-9, 1e-9, 1e-9), Ms=5.8e5, pbc="y",
...             regions=regions, region_names={"left": 0, "right": 1})
>>> dmi = DMI({"left": (3.7e-3, "Cnv_z"), "right": (3.7e-3, "T")})
>>> dmi.setup(mesh)
>>> dmi.name, dmi.bond_D["x"]["Cnv_z"][0, 0].tolist()   # bond (i, i+1) along x
('DMI', [0.0037, 0.0037, 0.0037, 0.00185, 0.0, 0.0, 0.0, 0.0])
>>> m = np.zeros(mesh.shape + (3,)); m[..., 2] = 1.0
>>> H = dmi.field(m)        # uniform m: a field only at the free edges and the interface
>>> np.flatnonzero(np.abs(H[0, 0]).max(axis=-1)).tolist()
[0, 3, 4, 7]
>>> mumax3_dind(3.7e-3), mumax3_dbulk(3.7e-3)
(-0.0037, 0.0037)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Union

import numpy as np

from mmstudy.constants import MU0
from orchestrator.solver.context import Context
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.base import FieldTerm

__all__ = ["DMI", "CRYSTAL_CLASSES", "mumax3_dind", "mumax3_dbulk", "dmi_vector"]

#: The crystal classes, in OOMMF's names.
CRYSTAL_CLASSES = ("Cnv_z", "T", "D2d_z")

#: Accepted spellings (micromagneticmodel's names) → OOMMF name.
_ALIASES = {"Cnv_z": "Cnv_z", "Cnv": "Cnv_z", "T": "T", "O": "T", "D2d_z": "D2d_z", "D2d": "D2d_z"}

# (p, r, sign) with (c × m)_p = Σ sign c_q m_r for a vector c having only component q.
_CROSS = {0: ((1, 2, -1.0), (2, 1, 1.0)),
          1: ((0, 2, 1.0), (2, 0, -1.0)),
          2: ((0, 1, -1.0), (1, 0, 1.0))}

# mesh axis (x, y, z) → array axis of a (nz, ny, nx) array
_ARRAY_AXIS = {0: 2, 1: 1, 2: 0}

_PER_CELL = object()  # marks a per-cell D array in the parsed entries
DSpec = Union[float, np.ndarray, Mapping, Iterable]


def mumax3_dind(D_cnv: float) -> float:
    r"""mumax3's ``Dind`` that gives the same energy as OOMMF/ubermag ``Cnv_z`` with ``D_cnv``.

    ``Cnv_z``: :math:`D[(\mathbf m\cdot\nabla)m_z - m_z\nabla\cdot\mathbf m]`; mumax3:
    :math:`D_\mathrm{ind}[m_z\nabla\cdot\mathbf m - (\mathbf m\cdot\nabla)m_z]`
    (and its field kernel ``H_x += (D/Δx)(m_z^+ − m_z^-)``), hence ``Dind = −D_cnv``.
    The map is its own inverse.

    Examples
    --------
    >>> mumax3_dind(3e-3)
    -0.003
    """
    return -D_cnv


def mumax3_dbulk(D_t: float) -> float:
    r"""mumax3's ``Dbulk`` for OOMMF/ubermag class ``T`` with ``D_t``: both are
    :math:`D\,\mathbf m\cdot(\nabla\times\mathbf m)`, so ``Dbulk = D_t``."""
    return D_t


def dmi_vector(crystal_class: str, u: tuple[float, float, float]) -> np.ndarray:
    r"""OOMMF's DMI vector :math:`\mathbf d(\hat u)` of a class for the unit bond vector u.

    ``Cnv_z``: :math:`\hat z\times\hat u`; ``T``: :math:`\hat u`; ``D2d_z``:
    :math:`(-u_x, u_y, 0)`. Odd in u.

    Examples
    --------
    >>> dmi_vector("Cnv_z", (1, 0, 0)).tolist(), dmi_vector("D2d_z", (1, 0, 0)).tolist()
    ([0.0, 1.0, 0.0], [-1.0, 0.0, 0.0])
    """
    u = np.asarray(u, dtype=np.float64)
    cls = _canonical_class(crystal_class)
    if cls == "Cnv_z":
        return np.cross([0.0, 0.0, 1.0], u)
    if cls == "T":
        return u.copy()
    return np.array([-u[0], u[1], 0.0])


def _canonical_class(name: str) -> str:
    try:
        return _ALIASES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown DMI crystal class {name!r}; "
                         f"use one of {CRYSTAL_CLASSES}") from None


class _Term:
    """One product of the stencil: ``out[o][..., p] += sign * coef * m[s][..., r]``."""

    __slots__ = ("o", "s", "p", "r", "sign", "coef")

    def __init__(self, o: tuple, s: tuple, p: int, r: int, sign: float, coef):
        self.o, self.s = o, s        # index tuples (three slices) into out and m
        self.p, self.r, self.sign = p, r, sign
        self.coef = coef             # a float, or an array of the slice shape


def _along(shape: tuple, ax: int, start: int, stop: int) -> tuple:
    """Index ``start:stop`` along array axis ``ax``, everything (as explicit slices) elsewhere."""
    return tuple(slice(start, stop) if a == ax else slice(0, shape[a]) for a in range(3))


def _crop(o: tuple, s: tuple, c: np.ndarray) -> tuple[tuple, tuple, np.ndarray]:
    """Shrink the slices ``o``, ``s`` (same shape as ``c``) to the box where ``c != 0``."""
    nz = c != 0
    o2, s2, cs = list(o), list(s), []
    for ax in range(3):
        other = tuple(a for a in range(3) if a != ax)
        idx = np.flatnonzero(nz.any(axis=other))
        lo, hi = int(idx[0]), int(idx[-1]) + 1
        o2[ax] = slice(o[ax].start + lo, o[ax].start + hi)
        s2[ax] = slice(s[ax].start + lo, s[ax].start + hi)
        cs.append(slice(lo, hi))
    return tuple(o2), tuple(s2), np.ascontiguousarray(c[tuple(cs)])


class DMI(FieldTerm):
    r"""DMI field term of crystal class ``Cnv_z``, ``T`` or ``D2d_z``, per region.

    Parameters
    ----------
    D : float, ndarray, mapping or iterable
        * a float: D (J/m²) everywhere, of class ``crystal_class``;
        * an array ``(nz, ny, nx)``: D per cell, of class ``crystal_class``;
        * ``{region: D}``: D per region (name or index), of class ``crystal_class``;
          unnamed regions have no DMI;
        * ``{region: (D, class)}``: D and class per region, e.g.
          ``{"left": (3.7e-3, "Cnv_z"), "right": (3.7e-3, "T")}`` (paper 000's Janus);
        * a list of ``(region, D, class)``. A region named twice gets the sum (two
          classes at once, or D added within one class).
    crystal_class : {"Cnv_z", "T", "D2d_z"}
        Class for the forms without one (``"Cnv"``, ``"O"``, ``"D2d"`` accepted as aliases).
    interface : {"mean", "zero"}
        D of a bond between two cells: the mean of the two cells' D per class, or zero
        between cells of different regions (see the module docstring).
    name : str, optional
        Column / snapshot name (default ``"DMI"``, i.e. ``E_DMI``, whatever the classes;
        mumax3 has no separate DMI column, OOMMF's are ``E_DMI_Cnv_z`` etc.).

    Notes
    -----
    ``setup`` precomputes, per axis, direction and DMI-vector component, the coefficient
    :math:`\mp (2/\mu_0 M_{s,i})\,D_{ij} d_q/(2\Delta)` on the slice of cells that have
    that neighbour (zero across vacuum, Ms = 0 cells and, with ``interface="zero"``,
    region boundaries); a coefficient that is constant over its slice is kept as a
    float. ``add_field`` is then a fixed sequence of ``multiply``/``add`` ufuncs with
    ``out=`` on array slices (periodic wrap as a separate one-plane slice), with one
    scratch buffer per array shape and dtype.
    """

    name = "DMI"

    def __init__(self, D: DSpec, crystal_class: str = "Cnv_z", *, interface: str = "mean",
                 name: str | None = None) -> None:
        if interface not in ("mean", "zero"):
            raise ValueError(f"interface must be 'mean' or 'zero', not {interface!r}")
        self.interface = interface
        self._entries = self._parse(D, _canonical_class(crystal_class))
        classes = sorted({e[2] for e in self._entries}, key=CRYSTAL_CLASSES.index)
        self.classes: tuple[str, ...] = tuple(classes)
        if name is not None:
            self.name = name

    # -- parameters ----------------------------------------------------------------
    @staticmethod
    def _parse(D: DSpec, default_class: str) -> list[tuple]:
        """Entries ``(where, value, class)``; where: None (all cells), ``_PER_CELL`` (value is
        an array) or a region key."""
        if isinstance(D, (int, float, np.integer, np.floating)):
            return [(None, float(D), default_class)]
        if isinstance(D, np.ndarray):
            if D.ndim == 0:
                return [(None, float(D), default_class)]
            return [(_PER_CELL, np.asarray(D, dtype=np.float64), default_class)]
        if isinstance(D, Mapping):
            entries = []
            for key, v in D.items():
                if isinstance(v, (tuple, list)):
                    if len(v) != 2:
                        raise ValueError(f"DMI entry for region {key!r} must be (D, class), "
                                         f"got {v!r}")
                    entries.append((key, float(v[0]), _canonical_class(v[1])))
                else:
                    entries.append((key, float(v), default_class))
            if not entries:
                raise ValueError("DMI needs at least one region")
            return entries
        if isinstance(D, Iterable) and not isinstance(D, (str, bytes)):
            entries = []
            for item in D:
                if not isinstance(item, (tuple, list)) or len(item) != 3:
                    raise ValueError(f"DMI list items must be (region, D, class), got {item!r}")
                key, v, cls = item
                entries.append((key, float(v), _canonical_class(cls)))
            if not entries:
                raise ValueError("DMI needs at least one region")
            return entries
        raise TypeError(f"cannot read DMI strength from {type(D).__name__}")

    def cell_D(self, mesh: Mesh) -> dict[str, np.ndarray]:
        """D per cell and class, ``{class: (nz, ny, nx) array}`` (0 where a class is absent)."""
        out = {c: np.zeros(mesh.shape) for c in self.classes}
        for where, value, cls in self._entries:
            if where is None:
                out[cls] += value
            elif where is _PER_CELL:
                if value.shape != mesh.shape:
                    raise ValueError(f"D array has shape {value.shape}, mesh is {mesh.shape}")
                out[cls] += value
            else:
                if isinstance(where, str):
                    if where not in mesh.region_names:
                        raise KeyError(f"unknown region {where!r}; "
                                       f"mesh has {sorted(mesh.region_names)}")
                    idx = mesh.region_names[where]
                else:
                    idx = int(where)
                out[cls][mesh.regions == idx] += value
        return out

    # -- setup -------------------------------------------------------------------------
    def setup(self, ctx: Context | Mesh) -> None:
        """Precompute the per-bond coefficients (D_ij, masks, 1/Ms, cell sizes)."""
        super().setup(ctx)
        mesh = self.mesh
        Dcell = self.cell_D(mesh)
        magnetic = mesh.magnetic
        inv_ms = np.zeros(mesh.shape)
        np.divide(1.0, mesh.Ms, out=inv_ms, where=magnetic)
        hcoef = -2.0 / MU0 * inv_ms   # H = hcoef * s
        self._terms: list[_Term] = []
        #: D (J/m²) of each bond per axis and class: ``bond_D["x"]["T"][k, j, i]`` is the bond
        #: between cell (k, j, i) and its +x neighbour (wrapping; 0 where there is none).
        self.bond_D: dict[str, dict[str, np.ndarray]] = {}
        for axis in range(3):
            n = mesh.n[axis]
            periodic = "xyz"[axis] in mesh.pbc
            if n == 1:
                # no neighbour; a periodic axis of one cell pairs a cell with itself, and
                # the +u and -u bonds cancel exactly (d is odd)
                continue
            ax = _ARRAY_AXIS[axis]
            u = np.zeros(3)
            u[axis] = 1.0
            # bond (k, k+1) along this axis, stored at k; the last one wraps
            nxt = lambda a: np.roll(a, -1, axis=ax)  # noqa: E731
            bond_ok = magnetic & nxt(magnetic)
            if self.interface == "zero":
                bond_ok &= mesh.regions == nxt(mesh.regions)
            if not periodic:
                last = [slice(None)] * 3
                last[ax] = -1
                bond_ok[tuple(last)] = False
            bvec = np.zeros(mesh.shape + (3,))   # Σ_C D_C,ij d_C(+u) / (2Δ)
            for cls, Dc in Dcell.items():
                d = dmi_vector(cls, u)
                if not d.any():
                    continue
                Dij = 0.5 * (Dc + nxt(Dc)) * bond_ok
                self.bond_D.setdefault("xyz"[axis], {})[cls] = Dij
                bvec += Dij[..., None] * (d / (2.0 * mesh.cell[axis]))
            if not bvec.any():
                continue
            # out[i] += hcoef_i * ( bvec[i] × m[i+1] - bvec[i-1] × m[i-1] )
            plus = hcoef[..., None] * bvec
            minus = -hcoef[..., None] * np.roll(bvec, 1, axis=ax)
            lo, hi, first, last_ = (_along(mesh.shape, ax, a, b)
                                    for a, b in ((0, n - 1), (1, n), (0, 1), (n - 1, n)))
            self._add_op(lo, hi, plus)          # i+1 exists
            self._add_op(hi, lo, minus)         # i-1 exists
            if periodic:
                self._add_op(last_, first, plus)  # wrap: i = n-1, i+1 = 0
                self._add_op(first, last_, minus)  # wrap: i = 0, i-1 = n-1
        self._scratch: dict = {}
        self._typed: dict = {}

    def _add_op(self, o: tuple, s: tuple, coef: np.ndarray) -> None:
        """Terms for ``out[o] += coef × m[s]`` (coef: ``(..., 3)`` over the whole mesh)."""
        for q in range(3):
            c = coef[o + (q,)]
            if not c.any():
                continue
            oq, sq, c = _crop(o, s, c)
            c0 = c.flat[0]
            cval = float(c0) if np.all(c == c0) else self.xp.asarray(c)
            for p, r, sign in _CROSS[q]:
                self._terms.append(_Term(oq, sq, p, r, sign, cval))

    def _terms_for(self, dtype: np.dtype) -> list[_Term]:
        if dtype == np.float64:
            return self._terms
        terms = self._typed.get(dtype)
        if terms is None:
            xp = self.xp
            terms = [_Term(t.o, t.s, t.p, t.r, t.sign,
                           t.coef if isinstance(t.coef, float) else xp.asarray(t.coef, dtype=dtype))
                     for t in self._terms]
            self._typed[dtype] = terms
        return terms

    # -- evaluation --------------------------------------------------------------------
    def add_field(self, m: np.ndarray, t: float, out: np.ndarray) -> None:
        """Add the DMI field (A/m) of unit field ``m`` into ``out`` (both ``(nz, ny, nx, 3)``)."""
        xp = self.xp
        scratch = self._scratch
        for term in self._terms_for(m.dtype):
            src = m[term.s + (term.r,)]
            dst = out[term.o + (term.p,)]
            key = (src.shape, m.dtype)
            tmp = scratch.get(key)
            if tmp is None:
                tmp = scratch[key] = xp.empty(src.shape, dtype=m.dtype)
            xp.multiply(src, term.coef, out=tmp)
            if term.sign > 0:
                xp.add(dst, tmp, out=dst)
            else:
                xp.subtract(dst, tmp, out=dst)
