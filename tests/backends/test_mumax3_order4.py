"""mumax3's fourth-order DMI and Zhang–Li corrections (notes-003 §6.4–6.5), run through the
numpy emulation of mumax3's kernels and custom quantities of ``test_mumax3_emulation.py``
(mumax3 itself is not installed here).

* DMI: mumax3's second-order kernel (``Dind``/``Dbulk``, or the custom ``D2d_z`` term)
  plus the script's correction field equals an independent numpy fourth-order central
  difference of the continuum DMI field, to float rounding on a periodic mesh; against an
  analytic texture its error falls ≈16× per halving of the cell (≈4× without it).
* Zhang–Li: the stage's correction field B = ξh_c + m×h_c, through mumax3's LL torque,
  is the Zhang–Li torque of the fourth-order (u·∇)m minus the second-order one; it is
  added only in the evolve stages where its drive acts, never to the energy, and
  removed (with the conservative fields added back) before the next stage.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_mumax3_emulation import (MX3_GAMMA0, MX3_MUB, MX3_QE, Mumax3Emulator, close,
                                   random_m, render, stage_block, stage_values)

from analysis.textures import skyrmion
from mmstudy.constants import MUB, MUMAX3_GAMMA_LL, QE
from orchestrator.backends.mumax3 import Mumax3Backend
from orchestrator.study import validate_study

Ms, A, D = 3.84e5, 8.78e-12, 1.58e-3


def study(n=(32, 28, 1), cell=(1e-9, 1.25e-9, 1e-9), pbc="xy", cls="T", dmi_order=4,
          drives=None, stages=None, **energy) -> dict:
    mat = {"Ms": Ms, "A": A, "alpha": 0.3}
    if cls:
        mat["dmi"] = {"D": D, "class": cls}
    return {"name": "o4", "mesh": {"n": list(n), "cell": list(cell), "pbc": pbc},
            "materials": {"default": mat}, "energy": {"dmi_order": dmi_order, **energy},
            "drives": drives or {}, "stages": stages or [{"type": "minimize"}]}


# --------------------------------------------------------------------------- references

def _ax(axis: int) -> int:
    return 2 - axis          # array axis of mesh axis (arrays are (nz, ny, nx, 3))


def d2(m, axis, c):
    """mumax3's second-order central difference, periodic."""
    r = lambda k: np.roll(m, -k, axis=_ax(axis))  # noqa: E731  (m[i + k])
    return (r(1) - r(-1)) / (2 * c)


def d4(m, axis, c):
    """Fourth-order central difference (8(m₊₁ − m₋₁) − (m₊₂ − m₋₂))/12Δ, periodic."""
    r = lambda k: np.roll(m, -k, axis=_ax(axis))  # noqa: E731
    return (8 * (r(1) - r(-1)) - (r(2) - r(-2))) / (12 * c)


def dmi_field(cls, dx, dy, dz=None):
    """The continuum DMI field (T) of class ``cls`` in the OOMMF/ubermag convention, from
    the derivatives ∂x m, ∂y m (∂z m): −(1/Ms) δE/δm of the energy densities
    T: D m·(∇×m); Cnv_z: D[(m·∇)m_z − m_z ∇·m]; D2d_z: OOMMF's vectors d(x̂) = −x̂, d(ŷ) = ŷ."""
    c = -2 * D / Ms
    X, Y, Z = (lambda v: v[..., 0]), (lambda v: v[..., 1]), (lambda v: v[..., 2])
    if cls == "T":
        dz = np.zeros_like(dx) if dz is None else dz
        curl = np.stack([Z(dy) - Y(dz), X(dz) - Z(dx), Y(dx) - X(dy)], axis=-1)
        return c * curl
    if cls == "Cnv_z":
        return c * np.stack([Z(dx), Z(dy), -X(dx) - Y(dy)], axis=-1)
    if cls == "D2d_z":
        return c * np.stack([Z(dy), Z(dx), -Y(dx) - X(dy)], axis=-1)
    raise ValueError(cls)


def total_dmi(emu: Mumax3Emulator, m) -> tuple[np.ndarray, np.ndarray]:
    """mumax3's DMI kernel (if it runs one) plus every custom field (B, Edens_custom)."""
    native = emu.dmi(m) if emu.settings.get("openbc") == "true" else 0.0
    B_custom, E_custom = emu.custom(m)
    return native + B_custom, E_custom


def skyrmion_m(emu: Mumax3Emulator, helicity: float) -> np.ndarray:
    nx, ny, _ = emu.n
    cx, cy, _ = emu.cell
    x, y = (np.arange(nx) + 0.5) * cx, (np.arange(ny) + 0.5) * cy
    m = skyrmion(x, y, centre=(0.4 * nx * cx, 0.55 * ny * cy), radius=7e-9, wall_width=3e-9,
                 helicity=helicity, box=(nx * cx, ny * cy))
    return np.broadcast_to(m, (emu.n[2],) + m.shape).copy()


# --------------------------------------------------------------------------- DMI

@pytest.mark.parametrize("cls,helicity", [("T", np.pi / 2), ("Cnv_z", 0.0), ("D2d_z", 0.3)])
def test_dmi_order4_periodic_is_the_fourth_order_field(tmp_path, cls, helicity):
    """Skyrmion on a periodic grid: mumax3's second-order DMI (Dbulk / Dind kernel, or the
    custom D2d_z term) + the script's correction = −(2D/Ms)·(class operator) of the
    fourth-order central differences, to float rounding; the correction's energy is
    −½ B_corr·M and the correction operator is symmetric (its field is −δE/δM)."""
    emu, _ = render(study(cls=cls), tmp_path)
    assert "Dbulk.SetRegion(0, 0.00158)" in emu.script if cls == "T" else True
    assert "Dind.SetRegion(0, -0.00158)" in emu.script if cls == "Cnv_z" else True
    m = skyrmion_m(emu, helicity)
    B, E = total_dmi(emu, m)
    cx, cy, _ = emu.cell
    ref = dmi_field(cls, d4(m, 0, cx), d4(m, 1, cy))
    close(B, ref)
    second = dmi_field(cls, d2(m, 0, cx), d2(m, 1, cy))
    assert np.abs(B - second).max() > 1e-3 * np.abs(second).max()   # the patch matters
    # the correction alone: energy −½ B·M, symmetric bilinear form
    env_terms = [t for t in emu.field_terms if t.startswith("mm_dmi4")]
    assert env_terms == ["mm_dmi4_B"] and "mm_dmi4_E" in emu.edens_terms
    emu.field_terms, emu.edens_terms = ["mm_dmi4_B"], ["mm_dmi4_E"]
    Bc, Ec = emu.custom(m)
    np.testing.assert_allclose(Ec, -0.5 * Ms * np.sum(Bc * m, axis=-1), rtol=1e-13, atol=0)
    m1, m2 = random_m(emu.shape, seed=1), random_m(emu.shape, seed=2)
    a, b = np.sum(m1 * emu.custom(m2)[0]), np.sum(m2 * emu.custom(m1)[0])
    assert a == pytest.approx(b, rel=1e-12)


@pytest.mark.parametrize("n,pbc", [((12, 10, 4), "xyz"), ((4, 3, 5), "xyz"), ((2, 9, 1), "xy")])
def test_bulk_dmi_order4_with_layers_and_tiny_axes(tmp_path, n, pbc):
    """T on mumax3's Dbulk kernel has z bonds: the correction has them too; tiny periodic
    axes (±2 wrapping onto ∓1 or the cell itself, 2 cells: no correction) still give the
    fourth-order stencil in every cell (random m)."""
    emu, _ = render(study(n=n, pbc=pbc, cell=(1e-9, 1.25e-9, 0.8e-9)), tmp_path)
    m = random_m(emu.shape, seed=3)
    B, _ = total_dmi(emu, m)
    c = emu.cell
    derivs = [d4(m, a, c[a]) if n[a] > 1 else np.zeros_like(m) for a in range(3)]
    close(B, dmi_field("T", *derivs))


def _smooth(emu: Mumax3Emulator):
    """A smooth periodic texture m = v/|v| and its analytic ∂x m, ∂y m."""
    nx, ny, _ = emu.n
    cx, cy, _ = emu.cell
    kx, ky = 2 * np.pi / (nx * cx), 2 * np.pi / (ny * cy)
    x, y = (np.arange(nx) + 0.5) * cx, (np.arange(ny) + 0.5) * cy
    X, Y = np.meshgrid(x, y)
    a, b, c = 0.6, 0.5, 0.4
    v = np.stack([a * np.sin(kx * X) + 0.3, b * np.cos(ky * Y),
                  1.0 + c * np.sin(kx * X + ky * Y)], -1)
    dvx = np.stack([a * kx * np.cos(kx * X), 0 * X, c * kx * np.cos(kx * X + ky * Y)], -1)
    dvy = np.stack([0 * X, -b * ky * np.sin(ky * Y), c * ky * np.cos(kx * X + ky * Y)], -1)
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    m = v / norm
    dm = [(dv - m * np.sum(m * dv, axis=-1, keepdims=True)) / norm for dv in (dvx, dvy)]
    return m[None], dm[0][None], dm[1][None]


@pytest.mark.parametrize("cls", ["T", "Cnv_z", "D2d_z"])
def test_dmi_order4_converges_at_fourth_order(tmp_path, cls):
    """Against the analytic field of a smooth periodic texture, the error of mumax3's DMI
    plus the correction falls ≈16× per halving of the cell (> 12 asserted); without the
    correction (dmi_order = 2) ≈4×."""
    errors = {2: [], 4: []}
    L = 48e-9
    for order in (2, 4):
        for N in (32, 64, 128):
            emu, _ = render(study(n=(N, N, 1), cell=(L / N, L / N, 1e-9), cls=cls,
                                  dmi_order=order), tmp_path / f"{order}_{N}")
            m, dmx, dmy = _smooth(emu)
            B, _ = total_dmi(emu, m)
            ref = dmi_field(cls, dmx, dmy)
            errors[order].append(np.abs(B - ref).max() / np.abs(ref).max())
    r4 = [a / b for a, b in zip(errors[4], errors[4][1:])]
    r2 = [a / b for a, b in zip(errors[2], errors[2][1:])]
    assert min(r4) > 12, (errors, r4)
    assert all(3 < r < 5 for r in r2), (errors, r2)
    assert errors[4][-1] < 0.05 * errors[2][-1]


def test_dmi_order4_free_edges_drop_missing_bonds(tmp_path):
    """Free edges (mumax3 OpenBC): the correction leaves missing neighbours out (zero
    fill), so the field away from the edges is the fourth-order one and the operator stays
    symmetric everywhere (the energy −½ B·M is exact); only the two edge cells differ."""
    emu, _ = render(study(pbc="", cls="Cnv_z"), tmp_path)
    m = skyrmion_m(emu, 0.0)
    B, _ = total_dmi(emu, m)
    cx, cy, _ = emu.cell
    ref = dmi_field("Cnv_z", d4(m, 0, cx), d4(m, 1, cy))
    inner = (slice(None), slice(2, -2), slice(2, -2))
    close(B[inner], ref[inner])
    emu.field_terms = ["mm_dmi4_B"]
    m1, m2 = random_m(emu.shape, seed=4), random_m(emu.shape, seed=5)
    a, b = np.sum(m1 * emu.custom(m2)[0]), np.sum(m2 * emu.custom(m1)[0])
    assert a == pytest.approx(b, rel=1e-12)


# --------------------------------------------------------------------------- Zhang–Li

def script_stages(emu: Mumax3Emulator) -> int:
    return emu.script.count("\n// ==== ")


def stage_fields(emu: Mumax3Emulator) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """Walk the script: the custom fields active while each stage runs, and the
    definitions made inside stages (``name := expr``)."""
    active, per_stage, defs = list(emu.field_terms), [], []
    for k in range(script_stages(emu)):
        ran = False
        for line in stage_block(emu.script, k):
            if line in ("minimize()", "relax()") or line.startswith("SetSolver("):
                if not ran:
                    per_stage.append(list(active))
                ran = True
            elif line == "RemoveCustomFields()":
                active = []
            elif line.startswith("AddFieldTerm("):
                active.append(line[len("AddFieldTerm("):-1])
            elif ":=" in line and not line.startswith("mm_t0_") and not line.startswith("for"):
                name, expr = (s.strip() for s in line.split(":=", 1))
                defs.append((name, expr))
            assert not line.startswith("AddEdensTerm"), "no energy term inside a stage"
    return per_stage, defs


def stage_field(emu, defs, names, m, J) -> np.ndarray:
    """The sum of the custom fields ``names`` with the script's ``J`` (vector)."""
    env = emu._env(m)
    env["J"] = np.broadcast_to(np.asarray(J, float), emu.shape + (3,))
    for name, expr in emu.defs + defs:
        env[name] = eval(expr, {"__builtins__": {}}, env)  # noqa: S307
    return sum((env[q] for q in names), np.zeros(emu.shape + (3,)))


def zl_torque(m, h, alpha, xi):
    """cuda/zhangli2.cu's torque (before GammaLL) for h = (u·∇)m/γ0."""
    return -1 / (1 + alpha ** 2) * ((1 + xi * alpha) * np.cross(m, np.cross(m, h))
                                    + (xi - alpha) * np.cross(m, h))


def ll_torque(m, B, alpha):
    """cuda/lltorque2.cu (before GammaLL)."""
    return -1 / (1 + alpha ** 2) * (np.cross(m, B) + alpha * np.cross(m, np.cross(m, B)))


ZL = {"type": "zhang_li", "j": [3e11, -1e11, 0], "P": 0.56, "xi": 0.12, "order": 4}
EVOLVE = {"type": "evolve", "duration": 1e-10, "save_every": 1e-10}


def zl_study(pbc="xy", drive=ZL, stages=None, **kw):
    data = study(pbc=pbc, drives={"cur": dict(drive)},
                 stages=stages or [{"type": "minimize"}, EVOLVE, {"type": "minimize"}], **kw)
    data["materials"]["default"]["gamma0"] = 2.3e5   # GammaLL ≠ mumax3's GAMMA0: Pol ≠ P
    return data


def _h(m, J, pol, xi, cell, diff, mub, qe):
    """(u·∇)m/γ0 with u = μB Pol J/(e Ms (1 + ξ²)), γ0 = mumax3's PREFACTOR constant."""
    h = np.zeros_like(m)
    for axis in range(3):
        if J[axis]:
            u = mub * pol * J[axis] / (qe * Ms * (1 + xi ** 2))
            h += u / MX3_GAMMA0 * diff(m, axis, cell[axis])
    return h


@pytest.mark.parametrize("texture", ["skyrmion", "random"])
def test_zhang_li_correction_gives_the_fourth_order_torque(tmp_path, texture):
    """The evolve stage's field B_c = ξh_c + m×h_c, through mumax3's LL torque, equals the
    Zhang–Li torque of the fourth-order (u·∇)m minus that of the second-order one (to
    rounding); with mumax3's own Zhang–Li torque (its constants) the total is the
    fourth-order Zhang–Li torque (1e-6: mumax3's μB/e differ from CODATA's in the 8th
    digit)."""
    emu, _ = render(zl_study(cls=None), tmp_path)
    per_stage, defs = stage_fields(emu)
    assert per_stage == [[], ["mm_zl4_1_B"], []]
    v = stage_values(emu.script, 1, 0.0)
    J, pol, xi, alpha = np.array(v["J"]), v["Pol"], v["Xi"], 0.3
    assert pol != 0.56 and xi == 0.12
    m = skyrmion_m(emu, 0.0) if texture == "skyrmion" else random_m(emu.shape, seed=6)
    Bc = stage_field(emu, defs, per_stage[1], m, J)
    cell = emu.cell
    h2 = _h(m, J, pol, xi, cell, d2, MUB, QE)
    h4 = _h(m, J, pol, xi, cell, d4, MUB, QE)
    ref = zl_torque(m, h4, alpha, xi) - zl_torque(m, h2, alpha, xi)
    close(ll_torque(m, Bc, alpha), ref)
    assert MUMAX3_GAMMA_LL == MX3_GAMMA0
    # total with mumax3's built-in (second-order, its constants) Zhang–Li torque
    builtin = zl_torque(m, _h(m, J, pol, xi, cell, d2, MX3_MUB, MX3_QE), alpha, xi)
    total = builtin + ll_torque(m, Bc, alpha)
    want = zl_torque(m, _h(m, J, pol, xi, cell, d4, MX3_MUB, MX3_QE), alpha, xi)
    np.testing.assert_allclose(total, want, rtol=0, atol=1e-6 * np.abs(want).max())
    assert np.abs(ref).max() > 1e-3 * np.abs(want).max()


def test_zhang_li_correction_free_edges_and_time_profile(tmp_path):
    """Free x edge: the correction is masked within two cells of it (mumax3's clamped
    second-order difference stays alone there) and fourth order inside; the field follows
    the script's J(t) (a pulse: zero when the current is off)."""
    drive = dict(ZL, j=[2e11, 0, 0], envelope={"type": "pulse", "t0": 2e-11, "t1": 6e-11})
    emu, _ = render(zl_study(pbc="y", drive=drive, stages=[EVOLVE], cls=None), tmp_path)
    per_stage, defs = stage_fields(emu)
    assert per_stage == [["mm_zl4_0_B"]] and "RemoveCustomFields()" not in emu.script
    m = skyrmion_m(emu, 0.0)
    off = stage_values(emu.script, 0, 1e-11)
    assert off["J"] == (0.0, 0.0, 0.0)
    assert not stage_field(emu, defs, per_stage[0], m, off["J"]).any()
    v = stage_values(emu.script, 0, 3e-11)
    J, pol, xi = np.array(v["J"]), v["Pol"], v["Xi"]
    Bc = stage_field(emu, defs, per_stage[0], m, J)
    hc = _h(m, J, pol, xi, emu.cell, d4, MUB, QE) - _h(m, J, pol, xi, emu.cell, d2, MUB, QE)
    ref = xi * hc + np.cross(m, hc)
    close(Bc[..., 2:-2, :], ref[..., 2:-2, :])
    assert not Bc[..., :2, :].any() and not Bc[..., -2:, :].any()


def test_stage_sequence_minimize_evolve_minimize(tmp_path):
    """minimize → evolve → evolve → minimize with the 12-neighbour exchange and the
    fourth-order DMI: the conservative corrections (with energies) run in every stage,
    each evolve stage adds its own Zhang–Li correction (no energy) and removes it after,
    adding the conservative fields back; E_custom holds the conservative energies only."""
    stages = [{"type": "minimize"}, EVOLVE, dict(EVOLVE, drives=["cur"]), {"type": "relax"}]
    emu, _ = render(zl_study(stages=stages, exchange_kernel="12ngbr"), tmp_path)
    per_stage, defs = stage_fields(emu)
    cons = ["mm_ex4_B", "mm_dmi4_B"]
    assert emu.field_terms == cons and emu.edens_terms == ["mm_ex4_E", "mm_dmi4_E"]
    assert per_stage == [cons, cons + ["mm_zl4_1_B"], cons + ["mm_zl4_2_B"], cons]
    assert emu.script.splitlines().count("RemoveCustomFields()") == 2
    assert "mm_zl4" not in "".join(ln for ln in emu.script.splitlines()
                                   if "AddEdensTerm" in ln or "E_custom" in ln)
    assert {n for n, _ in defs} == {f"mm_zl4_{k}_{s}" for k in (1, 2)
                                    for s in ("s_x", "s_y", "h", "B")}
    # the order-2 drive writes nothing of this
    emu2, _ = render(zl_study(drive=dict(ZL, order=2), cls=None), tmp_path / "o2")
    assert "mm_zl4" not in emu2.script and "RemoveCustomFields" not in emu2.script


# --------------------------------------------------------------------------- refusals

def _missing(data) -> dict:
    return Mumax3Backend().missing(validate_study(json.loads(json.dumps(data))))


def test_supported_and_refused_variants():
    """Order 4 is supported for one DMI class with uniform D and Ms on a fully magnetic
    mesh; regions with different D, vacuum (DMI and Zhang–Li), or Zhang–Li drives of both
    orders in one stage are refused before anything is written."""
    assert _missing(study()) == {}
    assert _missing(zl_study()) == {}
    two = study(cls="Cnv_z")
    two["regions"] = [{"name": "a"}, {"name": "b", "shape": {"type": "half_plane",
                                                             "point": [16e-9, 0],
                                                             "normal": [1, 0]}}]
    two["materials"]["b"] = {"dmi": {"D": 2e-3, "class": "Cnv_z"}}
    assert "dmi.order4.regions" in _missing(two)
    two["materials"]["b"] = {"dmi": {"D": D, "class": "Cnv_z"}}
    assert _missing(two) == {}                               # same D: fine
    hole = study(cls="T")
    hole["regions"] = [{"name": "body", "shape": {"type": "disk", "centre": [16e-9, 16e-9],
                                                  "radius": 12e-9}}]
    assert "dmi.order4.regions" in _missing(hole)
    hole["drives"] = {"cur": dict(ZL)}
    hole["energy"]["dmi_order"] = 2
    hole["stages"] = [EVOLVE]
    assert list(_missing(hole)) == ["zhang_li.order4"]       # vacuum: refused as builtin
    both = zl_study(cls=None)
    both["drives"]["second"] = dict(ZL, order=2)
    assert "zhang_li.order4" in _missing(both)
