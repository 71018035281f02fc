"""Exact symmetries of paper 004's model that the studies rely on (design flower.md §1.2,
§1.5), checked on the built-in solver with every term of the flower (exchange, interfacial
DMI, two uniaxial anisotropies, full demag with vacuum, the strain drive) on a scaled-down
flower, so that a sign error in any term's implementation shows.

* **The DMI sign.** The spin rotation by π about z, (m_x, m_y, m_z) → (−m_x, −m_y, m_z), is
  a proper rotation (it commutes with the cross product, so it maps LLG solutions to LLG
  solutions); it leaves exchange, m_z², (m·e_s)² with e_s in the plane and, for one layer,
  the demag energy unchanged (N_xz = N_yz = 0 for a single layer of cells), and turns the
  interfacial DMI D into −D. So the run with D and helicity π is the rotated run with −D and
  helicity 0: m_z equal, m_⊥ opposite. This is why the paper's two printed DMI signs
  (its Eq. 1 and Eq. 7) give the same trajectories and outcomes.
* **The axial mirror.** The mirror x → −x about the flower's axis, with the spins
  transformed as an axial vector (m_x, m_y, m_z) → (m_x, −m_y, −m_z), maps the flower onto
  itself (the raster is mirror-exact when the axis is a cell boundary) and a core-down
  skyrmion in a +z film onto a core-up one in a −z film; exchange, anisotropies and demag
  are invariant, the interfacial DMI too (it is a proper scalar under this mirror with
  D → D: the energy D[m_z∇·m − (m·∇)m_z] keeps its sign), and e_s = (cos φ, sin φ) maps to
  (−cos φ, sin φ), i.e. φ → 180° − φ. The LLG's precession term is invariant under it
  (axial vectors), so the runs map exactly.

Tolerance 1e-9: both runs take the same fixed steps, so the maps hold to floating-point
rounding (the demag FFT's ~1e-15 per step, amplified over 800 steps by at most the
dynamics' own sensitivity); a sign error in any term gives differences of order 1e-2.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

import analysis
from orchestrator.backends.builtin import run_study_point
from orchestrator.study import validate_study

NM = 1e-9
N = 48
CENTRE = [24 * NM, 19.5 * NM]   # x on a cell boundary: the raster is mirror-exact in x


def _study(D: float, helicity_deg: float, *, polarity: int = -1, background_up=True,
           phi_deg: float = 30.0, centre_x_nm: float = 30.0) -> dict:
    flower = {"type": "flower", "centre": CENTRE, "a": 20 * NM, "b": 8 * NM}
    cap = {"type": "regular_polygon", "centre": CENTRE, "sides": 3, "side": 8 * NM,
           "angle": "90 deg"}
    phi = np.radians(phi_deg)
    return {
        "name": "mini_flower",
        "mesh": {"n": [N, N, 1], "cell": [NM, NM, NM]},
        "regions": [{"name": "film", "shape": flower}, {"name": "cap", "shape": cap}],
        "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.1,
                                  "K": 0.8e6, "K_axis": [0, 0, 1],
                                  "dmi": {"D": D, "class": "Cnv_z"}},
                      "cap": {"K": 0.93e6}},
        "energy": {"demag": True},
        "drives": {"strain": {"type": "anisotropy", "K": 0.3e6,
                              "axis": [float(np.cos(phi)), float(np.sin(phi)), 0.0]}},
        "initial": {"type": "skyrmions", "skyrmions": [
            {"centre": [centre_x_nm * NM, 14.5 * NM], "radius": 3 * NM,
             "polarity": polarity, "helicity": f"{helicity_deg} deg"}]},
        # Heun at 5 fs: the exchange field's largest frequency on 1 nm cells is ~4e13 /s,
        # so ω·dt ≈ 0.2 (stable); 800 steps
        "stages": [{"type": "evolve", "duration": 4e-12, "save_every": 4e-12,
                    "integrator": "heun", "dt": 5e-15}],
    }


def _final_m(d: dict, tmp_path, name: str) -> np.ndarray:
    out = tmp_path / name
    run_study_point(validate_study(d), out, log=io.StringIO(), representation="bin8")
    ds = analysis.open_run(out)
    return np.asarray(ds.m.isel(t=-1, z=0).values, float)   # (y, x, c)


def test_the_dmi_sign_is_a_spin_rotation(tmp_path):
    a = _final_m(_study(3e-3, 180), tmp_path, "plus")
    b = _final_m(_study(-3e-3, 0), tmp_path, "minus")
    moved = np.abs(a - _final_m({**_study(3e-3, 180), "stages": [
        {"type": "evolve", "duration": 5e-15, "save_every": 5e-15, "integrator": "heun",
         "dt": 5e-15}]}, tmp_path, "start")).max()
    assert moved > 1e-3   # the 4 ps moved the texture: the comparison is not of a fixed point
    assert np.abs(a[..., 2] - b[..., 2]).max() < 1e-9
    assert np.abs(a[..., :2] + b[..., :2]).max() < 1e-9


@pytest.mark.parametrize("phi", [30.0, 75.0])
def test_the_axial_mirror_maps_the_runs(tmp_path, phi):
    # a core-down skyrmion in the +z film right of the axis, strain at φ …
    a = _final_m(_study(3e-3, 180, phi_deg=phi, centre_x_nm=30.0), tmp_path, "a")
    # … and its mirror image: core up in a −z film, left of the axis, strain at 180° − φ;
    # the mirror turns the inward in-plane spins (helicity π) of the core-down skyrmion
    # into outward ones (helicity 0) of the core-up one
    b = _final_m(_study(3e-3, 0, polarity=1, phi_deg=180 - phi, centre_x_nm=18.0),
                 tmp_path, "b")
    mirrored = b[:, ::-1, :] * np.array([1.0, -1.0, -1.0])
    assert np.abs(a - mirrored).max() < 1e-9
