"""mumax3 custom-quantity text: neighbours, the fourth-order exchange, DMI and Zhang–Li
patches (notes-003 §6), custom DMI terms.

mumax3 (≥ 3.10, ``engine/customfield.go``) lets a script add fields built from
quantities: ``AddFieldTerm(B)`` adds ``B`` (T) to B_eff, ``AddEdensTerm(e)`` adds ``e``
(J/m³) to the energy density (not automatic), with ``Add``, ``Madd(a, b, c1, c2)`` =
c1 a + c2 b, ``Mul`` (scalar × vector allowed), ``Div`` (0 where the divisor is 0,
``cuda/div.cu``), ``Dot``, ``Cross``, ``Const``, ``ConstVector`` and ``Shifted(q, dx, dy,
dz)``. The script language has no functions, so this module writes every expression
out in full. Facts used (read from mumax3's source, not guessed):

* ``Shifted(q, dx, 0, 0)[i] = q[i − dx]`` with **zeros** shifted in from outside and
  **periodic boundaries ignored** (``cuda/shiftx.cu``); so the neighbour ``q[i + k]`` is
  ``Shifted(q, −k, 0, 0)``. On a periodic axis of n cells the wrapped neighbour is
  ``Add(Shifted(q, s, ..), Shifted(q, s − n, ..))`` with ``s = (−k) mod n`` (the second
  term supplies exactly the cells the first one zero-filled: ``np.roll(q, s)``).
* Only one of dx, dy, dz is ever non-zero: mumax3 3.10 applies only the last of several
  shifts (fixed in 3.11 with ``data.Copy``).
* ``Shifted(Const(1), −k, 0, 0)`` is 1 where the neighbour ``i + k`` exists, 0 past a
  free edge: the mask of mumax3's own ``test/custom_exchange.mx3``.
* The energy of a field linear in m with a symmetric operator is ``−½ B·M_full``
  (``AddEdensTerm(Mul(Const(-0.5), Dot(B, M_full)))``), as mumax3 computes exchange.

Names defined in a script start with ``mm_`` (mumax3 names are case-insensitive and
must not collide with its own: ``m``, ``t``, ``dt`` ...).

Examples
--------
>>> neighbour("m", axis=0, k=1, n=8, periodic=False)
'Shifted(m, -1, 0, 0)'
>>> neighbour("m", axis=1, k=-2, n=8, periodic=True)
'Add(Shifted(m, 0, 2, 0), Shifted(m, 0, -6, 0))'
>>> neighbour("m", axis=0, k=2, n=2, periodic=True)   # wraps onto itself
'm'
"""

from __future__ import annotations

import dataclasses

from mmstudy.constants import MUMAX3_GAMMA_LL
from mmstudy.spintorque import zhang_li_u
from orchestrator.solver.terms.dmi import mumax3_dbulk, mumax3_dind

__all__ = ["CustomTerm", "neighbour", "exists", "exchange12_correction", "dmi_custom",
           "dmi4_correction", "zhangli4_correction", "anisotropy_drive_term", "DMI_VECTORS",
           "num"]

_AXES = "xyz"


def num(v: float) -> str:
    """A float as mumax3 script text (Python's shortest round-trip repr; Go's parser
    reads it back to the same double).

    Examples
    --------
    >>> num(1e-9), num(2), num(-0.5)
    ('1e-09', '2.0', '-0.5')
    """
    return repr(float(v))


@dataclasses.dataclass(frozen=True)
class CustomTerm:
    """One custom field: script definitions ``name := expression`` in order, the name
    of the field (T) to add with ``AddFieldTerm`` and of its energy density (J/m³)
    for ``AddEdensTerm`` (None for a non-conservative field, e.g. a torque written as a
    field, which must never enter the energy)."""

    title: str
    definitions: tuple[tuple[str, str], ...]
    field: str
    edens: str | None


def _shifted(q: str, axis: int, s: int) -> str:
    d = [0, 0, 0]
    d[axis] = s
    return f"Shifted({q}, {d[0]}, {d[1]}, {d[2]})"


def neighbour(q: str, *, axis: int, k: int, n: int, periodic: bool) -> str | None:
    """Script text of ``q`` at cell ``i + k`` along ``axis`` (0, 1, 2 = x, y, z).

    Free axis: zero past the edge (None when no cell has that neighbour, |k| ≥ n).
    Periodic axis of ``n`` cells: wrapped (``q`` itself when k is a multiple of n).
    """
    if periodic:
        s = (-k) % n
        if s == 0:
            return q
        return f"Add({_shifted(q, axis, s)}, {_shifted(q, axis, s - n)})"
    if abs(k) >= n:
        return None
    return _shifted(q, axis, -k)


def exists(*, axis: int, k: int, n: int) -> str | None:
    """Mask (script text, scalar) of the cells whose neighbour ``i + k`` lies inside a
    free axis of ``n`` cells; None when no cell has it."""
    if abs(k) >= n:
        return None
    return _shifted("Const(1)", axis, -k)


def _sum_pairs(q: str, pre: str, axis: int, k: int, n: int, periodic: bool,
               defs: list) -> str | None:
    """Define ``q[i+k] + q[i−k] − c·q`` (c = number of those neighbours that exist) and
    return its name, or None when neither exists."""
    plus = neighbour(q, axis=axis, k=k, n=n, periodic=periodic)
    minus = neighbour(q, axis=axis, k=-k, n=n, periodic=periodic)
    if plus is None and minus is None:
        return None
    name = f"{pre}_{_AXES[axis]}{k}"
    if periodic:
        defs.append((name, f"Madd(Add({plus}, {minus}), {q}, 1, -2)"))
    else:
        both = [x for x in (plus, minus) if x is not None]
        masks = [x for x in (exists(axis=axis, k=k, n=n), exists(axis=axis, k=-k, n=n))
                 if x is not None]
        total = both[0] if len(both) == 1 else f"Add({both[0]}, {both[1]})"
        count = masks[0] if len(masks) == 1 else f"Add({masks[0]}, {masks[1]})"
        defs.append((name, f"Madd({total}, Mul({count}, {q}), 1, -1)"))
    return name


def exchange12_correction(A: float, Ms: float, cell, n, pbc: str) -> CustomTerm:
    r"""The field to add to mumax3's 6-neighbour exchange (``Aex = A``) so that the sum is
    the fourth-order stencil ``(−1, 16, −30, 16, −1)/12Δ²`` (notes-003 §6.3).

    Per axis with more than one cell, in T:

    .. math::

        B_a = \frac{2A}{M_s\Delta_a^2}\Big[\tfrac13\big((m_{+1}-m)+(m_{-1}-m)\big)
              - \tfrac1{12}\big((m_{+2}-m)+(m_{-2}-m)\big)\Big]

    Periodic axes wrap (then the total equals the built-in solver's and OOMMF's
    interior 12-neighbour stencil in every cell). At a free edge only the pairs
    ``(m_{±k} − m)`` whose neighbour exists are kept (the masks); with mumax3's own
    Neumann 6-neighbour term the edge rows become ``(4/3)(m₊₁ − m) − (1/12)(m₊₂ − m)``
    (first cell) and ``(4/3)(m₊₁ + m₋₁ − 2m) − (1/12)(m₊₂ − m)`` (second cell): the
    operator stays symmetric (the energy is exact, a uniform state feels nothing) but is
    not OOMMF's one-sided ``12ngbr`` edge closure, so within two cells of a free edge
    the field differs from the built-in solver's ``kernel="12ngbr"``.

    Parameters
    ----------
    A, Ms : float
        Uniform exchange stiffness (J/m) and saturation magnetisation (A/m).
    cell : 3 floats
        Cell size (m).
    n : 3 ints
        Cells per axis.
    pbc : str
        Periodic axes.

    Examples
    --------
    >>> t = exchange12_correction(1e-11, 1e6, (1e-9,) * 3, (8, 1, 1), "x")
    >>> t.definitions[0]
    ('mm_ex4_s_x1', 'Madd(Add(Add(Shifted(m, 7, 0, 0), Shifted(m, -1, 0, 0)), Add(Shifted(m, 1, 0, 0), Shifted(m, -7, 0, 0))), m, 1, -2)')
    >>> t.field, t.edens
    ('mm_ex4_B', 'mm_ex4_E')
    """
    defs: list[tuple[str, str]] = []
    parts = []
    for axis in range(3):
        if n[axis] < 2:
            continue
        periodic = _AXES[axis] in pbc
        s1 = _sum_pairs("m", "mm_ex4_s", axis, 1, n[axis], periodic, defs)
        s2 = _sum_pairs("m", "mm_ex4_s", axis, 2, n[axis], periodic, defs)
        name = f"mm_ex4_{_AXES[axis]}"
        if s2 is None:
            defs.append((name, f"Mul(Const({num(1 / 3)}), {s1})"))
        else:
            defs.append((name, f"Madd({s1}, {s2}, {num(1 / 3)}, {num(-1 / 12)})"))
        parts.append((name, 2.0 * A / (Ms * cell[axis] ** 2)))
    if not parts:
        raise ValueError("the fourth-order exchange patch needs an axis with 2 or more cells")
    defs.append(("mm_ex4_B", _weighted(parts)))
    defs.append(("mm_ex4_E", "Mul(Const(-0.5), Dot(mm_ex4_B, M_full))"))
    return CustomTerm("fourth-order exchange correction (notes-003 §6)", tuple(defs),
                      "mm_ex4_B", "mm_ex4_E")


def _weighted(parts: list[tuple[str, float]]) -> str:
    """``Σ c_k q_k`` as nested Madd (a single term as Mul by a Const)."""
    if len(parts) == 1:
        q, c = parts[0]
        return f"Mul(Const({num(c)}), {q})"
    (q0, c0), (q1, c1) = parts[0], parts[1]
    text = f"Madd({q0}, {q1}, {num(c0)}, {num(c1)})"
    for q, c in parts[2:]:
        text = f"Madd({text}, {q}, 1, {num(c)})"
    return text


#: OOMMF's DMI vector d(û) for û = +x, +y, +z per class (d is odd in û), as
#: :func:`orchestrator.solver.terms.dmi.dmi_vector`; Cnv_z and D2d_z have no z bonds.
DMI_VECTORS = {
    "Cnv_z": ((0.0, 1.0, 0.0), (-1.0, 0.0, 0.0), None),
    "T": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "D2d_z": ((-1.0, 0.0, 0.0), (0.0, 1.0, 0.0), None),
}


def _curl_like(q: str, crystal_class: str, tag: str, cell, n, pbc: str,
               defs: list) -> str | None:
    r"""Define ``Σ_a (1/Δ_a) d(û_a) × (q[i+1] − q[i−1])`` along a and return its name
    (None when no axis has neighbours)."""
    parts = []
    for axis, d in enumerate(DMI_VECTORS[crystal_class]):
        if d is None or n[axis] < 2:
            continue
        periodic = _AXES[axis] in pbc
        plus = neighbour(q, axis=axis, k=1, n=n[axis], periodic=periodic)
        minus = neighbour(q, axis=axis, k=-1, n=n[axis], periodic=periodic)
        name = f"{tag}_{_AXES[axis]}"
        defs.append((name, f"Cross(ConstVector({num(d[0])}, {num(d[1])}, {num(d[2])}), "
                           f"Madd({plus}, {minus}, 1, -1))"))
        parts.append((name, 1.0 / cell[axis]))
    if not parts:
        return None
    defs.append((tag, _weighted(parts)))
    return tag


def dmi_custom(crystal_class: str, carriers: list[tuple[str, float | None]], cell, n,
               pbc: str) -> CustomTerm:
    r"""A DMI term of one crystal class as a mumax3 custom field, bond by bond as the
    built-in solver (:mod:`orchestrator.solver.terms.dmi`) and OOMMF discretise it:

    .. math::

        \mathbf B_i = -\frac1{M_{s,i}}\sum_j \frac{D_{ij}}{\Delta_{ij}}\,
                      \mathbf d(\hat u_{ij})\times\mathbf m_j ,

    with missing neighbours (free edges, vacuum where m = 0) left out.

    Parameters
    ----------
    crystal_class : {"Cnv_z", "T", "D2d_z"}
    carriers : list of (name, D or None)
        Region-wise scalar quantities holding D per cell (J/m²). One carrier with
        ``None``: the ``"mean"`` rule, ``D_ij = (D_i + D_j)/2``, so
        ``B = −½ [c·X(m) + X(c m)]/Ms`` with ``X(q) = Σ_a d(û_a) × (q₊ − q₋)/Δ_a``.
        Several carriers, each with its region's D: the ``"zero"`` rule (bonds only
        inside a region): carrier ``c_R`` is the mask of region R (1 inside, 0
        elsewhere), so ``B = −Σ_R D_R c_R·X(c_R m)/Ms``.
    cell, n, pbc
        Mesh cell size, cell counts, periodic axes.

    Examples
    --------
    >>> t = dmi_custom("T", [("exx", None)], (1e-9,) * 3, (4, 4, 1), "xy")
    >>> t.field, t.definitions[-2][1]
    ('mm_dmi_T_B', 'Div(Madd(Mul(exx, mm_dmi_T_Xm), mm_dmi_T_Xc, -0.5, -0.5), Msat)')
    """
    tag = f"mm_dmi_{crystal_class}"
    defs: list[tuple[str, str]] = []
    if len(carriers) == 1 and carriers[0][1] is None:
        c = carriers[0][0]
        xm = _curl_like("m", crystal_class, f"{tag}_Xm", cell, n, pbc, defs)
        defs.append((f"{tag}_cm", f"Mul({c}, m)"))
        xc = _curl_like(f"{tag}_cm", crystal_class, f"{tag}_Xc", cell, n, pbc, defs)
        if xm is None:
            raise ValueError("a DMI term needs an axis with 2 or more cells")
        total = f"Madd(Mul({c}, {xm}), {xc}, -0.5, -0.5)"
    else:
        parts = []
        for k, (c, D) in enumerate(carriers):
            if not D:
                raise ValueError(f"carrier {c!r}: the zero rule needs the region's D")
            defs.append((f"{tag}_cm{k}", f"Mul({c}, m)"))
            x = _curl_like(f"{tag}_cm{k}", crystal_class, f"{tag}_X{k}", cell, n, pbc, defs)
            if x is None:
                raise ValueError("a DMI term needs an axis with 2 or more cells")
            defs.append((f"{tag}_Y{k}", f"Mul({c}, {x})"))
            parts.append((f"{tag}_Y{k}", -D))
        total = _weighted(parts)
    defs.append((f"{tag}_B", f"Div({total}, Msat)"))
    defs.append((f"{tag}_E", f"Mul(Const(-0.5), Dot({tag}_B, M_full))"))
    return CustomTerm(f"DMI of class {crystal_class} (custom field)", tuple(defs),
                      f"{tag}_B", f"{tag}_E")


def _diff4(q: str, axis: int, n: int, periodic: bool) -> str | None:
    r"""Text of ``2(q[i+1] − q[i−1]) − (q[i+2] − q[i−2])`` along ``axis`` (12Δ times the
    correction :math:`C_a q` of notes-003 §6.4); None when it vanishes identically (a
    periodic axis of 1 or 2 cells, where the neighbours ±k coincide). Missing
    neighbours past a free edge are zero (``Shifted`` fills zeros)."""
    pieces = []
    for k, w in ((1, 2.0), (2, -1.0)):
        plus = neighbour(q, axis=axis, k=k, n=n, periodic=periodic)
        minus = neighbour(q, axis=axis, k=-k, n=n, periodic=periodic)
        if plus == minus:        # both missing, or the same cell on a tiny periodic axis
            continue
        if minus is None:
            pieces.append((plus, w))
        elif plus is None:
            pieces.append((minus, -w))
        else:
            pieces.append((f"Madd({plus}, {minus}, 1, -1)", w))
    if not pieces:
        return None
    if len(pieces) == 1:
        return f"Mul(Const({num(pieces[0][1])}), {pieces[0][0]})"
    return f"Madd({pieces[0][0]}, {pieces[1][0]}, {num(pieces[0][1])}, {num(pieces[1][1])})"


#: per class: the vectors v_a (a = x, y, z; None: no bonds along a) of the fourth-order
#: DMI correction B = k Σ_a v_a × C_a m, in the form the backend's kernel is written
#: (mumax3's Dind and Dbulk kernels for Cnv_z and T, the custom OOMMF-vector term for D2d_z)
_DMI4_VECTORS = {
    # mumax3 Dind: B = (2 Dind/Ms)(∂x mz, ∂y mz, −∂x mx − ∂y my) = (2 Dind/Ms) Σ v_a × ∂_a m
    "Cnv_z": ((0.0, 1.0, 0.0), (-1.0, 0.0, 0.0), None),
    # mumax3 Dbulk: B = −(2 Dbulk/Ms) ∇×m = −(2 Dbulk/Ms) Σ û_a × ∂_a m
    "T": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
}


def dmi4_correction(crystal_class: str, D: float, Ms: float, cell, n, pbc: str) -> CustomTerm:
    r"""The field to add to the second-order DMI (mumax3's ``Dind``/``Dbulk`` kernel, or
    the custom ``D2d_z`` term of :func:`dmi_custom`) so that the sum uses the
    fourth-order first derivative ``(8(m₊₁ − m₋₁) − (m₊₂ − m₋₂))/12Δ`` (notes-003 §6.4).

    With :math:`C_a\mathbf m = [2(\mathbf m_{+1}-\mathbf m_{-1})-(\mathbf m_{+2}-\mathbf
    m_{-2})]/(12\Delta_a)` (fourth-order minus mumax3's central difference), in T:

    * ``Cnv_z`` (mumax3 ``Dind`` = :func:`~orchestrator.solver.terms.dmi.mumax3_dind` (D)):
      :math:`\mathbf B = \frac{2D_\mathrm{ind}}{M_s}(C_x m_z,\ C_y m_z,\ -C_x m_x - C_y m_y)`;
    * ``T`` (mumax3 ``Dbulk`` = :func:`~orchestrator.solver.terms.dmi.mumax3_dbulk` (D)):
      :math:`\mathbf B = -\frac{2D_\mathrm{bulk}}{M_s}\sum_a \hat u_a\times C_a\mathbf m`
      (the curl, z bonds included when the mesh has layers, as mumax3's kernel);
    * ``D2d_z`` (OOMMF's vector :data:`DMI_VECTORS`, as :func:`dmi_custom`):
      :math:`\mathbf B = -\frac{2D}{M_s}\sum_{a=x,y}\mathbf d(\hat u_a)\times C_a\mathbf m`.

    Periodic axes wrap (``Shifted`` pairs, :func:`neighbour`). Past a free edge a
    neighbour is zero, i.e. the bond is left out, as mumax3's ``OpenBC`` kernel does:
    every bond enters both its cells with the transposed matrix, so the operator stays
    symmetric and the field is the exact gradient of the energy ``−½ B·M_full``
    (bilinear, as the exchange correction), but within two cells of a free edge the
    derivative is not fourth order. Uniform D and Ms only.

    Parameters
    ----------
    crystal_class : {"Cnv_z", "T", "D2d_z"}
    D : float
        The class's D (J/m², OOMMF/ubermag sign convention).
    Ms : float
        Saturation magnetisation (A/m).
    cell, n, pbc
        Mesh cell size, cell counts, periodic axes.

    Examples
    --------
    >>> t = dmi4_correction("Cnv_z", 3e-3, 1e6, (1e-9,) * 3, (8, 8, 1), "xy")
    >>> t.definitions[1]
    ('mm_dmi4_x', 'Cross(ConstVector(0.0, 1.0, 0.0), mm_dmi4_s_x)')
    >>> t.definitions[-2][1]    # 2 Dind/(12 Ms Δ) = -0.5 with Dind = -D
    'Madd(mm_dmi4_x, mm_dmi4_y, -0.4999..., -0.4999...)'
    >>> t.field, t.edens
    ('mm_dmi4_B', 'mm_dmi4_E')
    """
    if crystal_class == "Cnv_z":
        k, vectors = 2.0 * mumax3_dind(D) / Ms, _DMI4_VECTORS["Cnv_z"]
    elif crystal_class == "T":
        k, vectors = -2.0 * mumax3_dbulk(D) / Ms, _DMI4_VECTORS["T"]
    elif crystal_class == "D2d_z":
        k, vectors = -2.0 * D / Ms, DMI_VECTORS["D2d_z"]
    else:
        raise ValueError(f"unknown DMI class {crystal_class!r}")
    defs: list[tuple[str, str]] = []
    parts = []
    for axis, v in enumerate(vectors):
        if v is None:
            continue
        s = _diff4("m", axis, n[axis], _AXES[axis] in pbc)
        if s is None:
            continue
        ax = _AXES[axis]
        defs.append((f"mm_dmi4_s_{ax}", s))
        defs.append((f"mm_dmi4_{ax}", f"Cross(ConstVector({num(v[0])}, {num(v[1])}, "
                                      f"{num(v[2])}), mm_dmi4_s_{ax})"))
        parts.append((f"mm_dmi4_{ax}", k / (12.0 * cell[axis])))
    if not parts:
        raise ValueError("the fourth-order DMI patch needs an axis with 3 or more cells "
                         "(or 2 on a free axis)")
    defs.append(("mm_dmi4_B", _weighted(parts)))
    defs.append(("mm_dmi4_E", "Mul(Const(-0.5), Dot(mm_dmi4_B, M_full))"))
    return CustomTerm(f"fourth-order DMI correction, class {crystal_class} (notes-003 §6.4)",
                      tuple(defs), "mm_dmi4_B", "mm_dmi4_E")


def zhangli4_correction(tag: str, Pol: float, xi: float, axes, cell, n,
                        pbc: str) -> CustomTerm | None:
    r"""The field that, added to B_eff while mumax3's own (second-order) Zhang–Li torque
    runs, makes the spin-transfer torque use the fourth-order derivative (notes-003 §6.5).

    mumax3's torque is :math:`-\frac{1}{1+\alpha^2}[(1+\xi\alpha)\,\mathbf m\times(\mathbf
    m\times\mathbf h)+(\xi-\alpha)\,\mathbf m\times\mathbf h]` with :math:`\mathbf h =
    (\mathbf u\cdot\nabla)\mathbf m/\gamma_0` (``cuda/zhangli2.cu``; γ0 the constant of its
    ``PREFACTOR``, :data:`~mmstudy.constants.MUMAX3_GAMMA_LL`; u mumax3's drift velocity
    :func:`~mmstudy.spintorque.zhang_li_u` of ``J``, ``Pol``, ``Xi`` and Ms). It equals the
    LL torque of the field :math:`\mathbf B = \xi\mathbf h + \mathbf m\times\mathbf h` for
    any h (m×(m×(m×h)) = −m×h). So the correction is that field with

    .. math::

        \mathbf h_c = \frac{1}{\gamma_0}\sum_a u_a C_a\mathbf m, \qquad
        C_a\mathbf m = \frac{2(\mathbf m_{+1}-\mathbf m_{-1})-(\mathbf m_{+2}-\mathbf m_{-2})}
                            {12\Delta_a}.

    ``u_a`` is written as ``Dot(J, ê_a)`` times ``μB Pol/(e (1+ξ²) γ0)`` and divided by
    ``Msat`` per cell, so the field follows the script's ``J`` (its time profile, 0 when
    ``J = 0``). It is not conservative: never add it to the energy, and keep it out of
    ``minimize()``/``relax()`` (custom fields enter their B_eff); the backend adds it in
    the evolve stages where the drive acts and removes it after them. Along a free axis
    the correction is masked to cells with both ±2 neighbours (there mumax3's clamped
    second-order difference stays alone); periodic axes wrap.

    Parameters
    ----------
    tag : str
        Name prefix of the definitions (one per stage: mumax3 ``:=`` declares once).
    Pol, xi : float
        mumax3's ``Pol`` and ``Xi`` of the stage.
    axes : iterable of int
        Axes along which ``J`` may be non-zero.
    cell, n, pbc
        Mesh cell size, cell counts, periodic axes.

    Returns
    -------
    CustomTerm or None
        None when the correction vanishes in every cell (no listed axis has 3 or more
        cells, or 5 on a free axis).

    Examples
    --------
    >>> t = zhangli4_correction("mm_zl4_1", 0.5, 0.1, [0], (1e-9,) * 3, (8, 8, 1), "xy")
    >>> [name for name, _ in t.definitions]
    ['mm_zl4_1_s_x', 'mm_zl4_1_h', 'mm_zl4_1_B']
    >>> t.definitions[-1][1], t.edens
    ('Madd(mm_zl4_1_h, Cross(m, mm_zl4_1_h), 0.1, 1)', None)
    """
    # μB Pol / (e (1 + ξ²) γ0): mumax3's u per unit J and Ms, over its PREFACTOR's γ0
    b = zhang_li_u(1.0, P=Pol, Ms=1.0, xi=xi) / MUMAX3_GAMMA_LL
    defs: list[tuple[str, str]] = []
    parts = []
    for axis in sorted(set(axes)):
        periodic = _AXES[axis] in pbc
        if not periodic and n[axis] < 5:
            continue         # no cell of a free axis has both ±2 neighbours
        s = _diff4("m", axis, n[axis], periodic)
        if s is None:
            continue
        if not periodic:
            inner = f"Mul({exists(axis=axis, k=2, n=n[axis])}, " \
                    f"{exists(axis=axis, k=-2, n=n[axis])})"
            s = f"Mul({inner}, {s})"
        ax = _AXES[axis]
        e = ["0.0", "0.0", "0.0"]
        e[axis] = "1.0"
        defs.append((f"{tag}_s_{ax}", s))
        parts.append((f"Mul(Dot(J, ConstVector({', '.join(e)})), {tag}_s_{ax})",
                      b / (12.0 * cell[axis])))
    if not parts:
        return None
    defs.append((f"{tag}_h", f"Div({_weighted(parts)}, Msat)"))
    B = f"Madd({tag}_h, Cross(m, {tag}_h), {num(xi)}, 1)" if xi else f"Cross(m, {tag}_h)"
    defs.append((f"{tag}_B", B))
    return CustomTerm("fourth-order Zhang–Li correction (notes-003 §6.5): a torque written "
                      "as a field, no energy", tuple(defs), f"{tag}_B", None)


def anisotropy_drive_term(index: int, name: str, carrier: str, axis) -> CustomTerm:
    r"""An extra uniaxial anisotropy ``−K(t)(m·u)²`` in some regions, as a custom field
    ``B = 2K(t)(m·u)u/Ms`` with ``2K(t)`` per region held in the time-dependent,
    region-wise scalar ``carrier`` (set at each stage), and energy ``−½ B·M_full``.

    Examples
    --------
    >>> anisotropy_drive_term(0, "strain", "eyy", (0, 0, 2)).definitions[1][1]
    'Div(Mul(Mul(eyy, Dot(m, mm_anis0_u)), mm_anis0_u), Msat)'
    """
    norm = sum(float(a) ** 2 for a in axis) ** 0.5
    u = [float(a) / norm for a in axis]
    tag = f"mm_anis{index}"  # by index: mumax3 names are case-insensitive
    defs = ((f"{tag}_u", f"ConstVector({num(u[0])}, {num(u[1])}, {num(u[2])})"),
            (f"{tag}_B", f"Div(Mul(Mul({carrier}, Dot(m, {tag}_u)), {tag}_u), Msat)"),
            (f"{tag}_E", f"Mul(Const(-0.5), Dot({tag}_B, M_full))"))
    return CustomTerm(f"anisotropy drive {name!r} (custom field)", defs, f"{tag}_B",
                      f"{tag}_E")
