"""The sign of paper 001's synapse (docs/design/synapse.md §1.2): the mirror symmetry that
makes (D, p) and (−D, −p) the same physics, and the direction the example's skyrmion moves.

* The spin rotation R = R_z(π), (m_x, m_y, m_z) → (−m_x, −m_y, m_z) at fixed positions, is
  proper, so R(a×b) = Ra×Rb. On one cell layer exchange, the z anisotropy, B ∥ z and the
  demag (N_xz = N_yz = 0) are invariant, the interfacial (Cnv_z) DMI changes sign and the
  damping-like SOT is covariant with p → Rp = −p for an in-plane p. So the LLG trajectory
  from Rm with (−D, −p) is R of the one from m with (D, p).
* Which of the two readings the example holds: with Cnv_z D = −3.5 mJ/m², p = −y, j > 0 a
  skyrmion moves toward +x (into the chamber); with D = +3.5 (the example before the fix)
  toward −x, out of it.
"""

from pathlib import Path

import numpy as np
import pytest

import analysis
from analysis.detection import find_objects
from analysis.textures import cell_centres, skyrmion
from orchestrator.solver import Mesh, Simulation
from orchestrator.solver.integrators import RK4, State
from orchestrator.solver.terms.anisotropy import UniaxialAnisotropy
from orchestrator.solver.terms.demag import Demag
from orchestrator.solver.terms.dmi import DMI
from orchestrator.solver.terms.exchange import Exchange
from orchestrator.solver.terms.zeeman import Zeeman
from orchestrator.solver.torques.sot import SpinOrbitTorque
from orchestrator.study import load_study

EXAMPLE = Path(__file__).resolve().parents[2] / "studies" / "examples" / "synapse_chamber.toml"
#: RK4's fixed step: the one the synapse studies use (design §3.1, §7: stable, and positions
#: agree with RK45 and RK4 at 10 fs to 1e-4 nm after 20 ps).
DT = 25e-15


@pytest.fixture(scope="module")
def example():
    """The example's physics: the chamber's material, its 200-mT bias, its current."""
    s = load_study(EXAMPLE)
    mat = s.material("chamber")
    [dmi] = mat.dmi
    cur = s.drives["current"]
    assert s.energy.demag and dmi.crystal_class == "Cnv_z" and mat.K_axis == [0.0, 0.0, 1.0]
    return {"Ms": mat.Ms, "A": mat.A, "K": mat.K, "alpha": mat.alpha, "D": dmi.D,
            "H": list(s.drives["bias"].H), "j": cur.j, "theta_SH": cur.theta_SH,
            "p": list(cur.direction), "thickness": cur.thickness, "cell": list(s.mesh.cell)}


def _simulation(ex: dict, n: int, D: float, p) -> Simulation:
    """An open n × n × 1 film with the example's terms, D and p replaced, j constant."""
    mesh = Mesh(n=(n, n, 1), cell=tuple(ex["cell"]), Ms=ex["Ms"])
    terms = [Exchange(ex["A"]), DMI(D, "Cnv_z"), UniaxialAnisotropy(ex["K"], (0, 0, 1)),
             Zeeman(np.asarray(ex["H"], dtype=float)), Demag()]
    sot = SpinOrbitTorque(p=p, j=ex["j"], theta_SH=ex["theta_SH"], thickness=ex["thickness"])
    return Simulation(mesh, terms, alpha=ex["alpha"], torques=[sot])


def _rk4(sim: Simulation, duration: float) -> np.ndarray:
    state = State(sim.m, t=sim.t)
    RK4(sim.llg, DT).run_until(state, sim.t + duration)
    sim.m, sim.t = state.m, state.t
    return sim.m


def test_rotation_by_pi_maps_D_p_to_minus_D_minus_p_bitwise(example):
    # a skyrmion ansatz, off the film's centre (no spatial symmetry helps), its helicity a
    # little off Néel, and a generic in-plane p: 20 ps of RK4 (800 steps) with (D, p) from m
    # and with (−D, −p) from R_z(π)m. (This 3.5-nm ansatz of wall width 1.5 nm stays a
    # skyrmion for the 20 ps in the 32-nm film, which squeezes the relaxed one to ~6 nm;
    # 4–5-nm ansätze of helicity 0.4 collapsed within 5–12 ps, a less telling test.)
    n = 32
    x = cell_centres(n, example["cell"][0])
    m = skyrmion(x, x, centre=(14.3e-9, 17.6e-9), radius=3.5e-9, wall_width=1.5e-9,
                 helicity=0.2)[None]
    Rm = m * np.array([-1.0, -1.0, 1.0])
    p = np.array([0.6, -0.8, 0.0])
    D = example["D"]
    a, b = _simulation(example, n, D, p), _simulation(example, n, -D, -p)
    a.set_m(m)
    b.set_m(Rm)
    ma, mb = _rk4(a, 20e-12), _rk4(b, 20e-12)
    assert ma[..., 2].min() < -0.9          # still a skyrmion: nontrivial dynamics
    assert np.abs(ma - m).max() > 0.1      # and it did change
    # Bitwise (np.array_equal; +0.0 == −0.0): IEEE-754 negation is exact and rounding to
    # nearest is symmetric, so fl((−a) ± (−b)) = −fl(a ± b), fl((−a) × b) = −fl(a × b) (and
    # /), while (−a)² = a² leaves norms unchanged. Every operation of the right-hand side
    # (the exchange stencil, the DMI's D-weighted differences, the cross products with p,
    # the demag's FFTs — linear, the same twiddles in the same order — and the
    # renormalisation) thus maps the negated inputs to exactly the negated outputs, in the
    # same order in both runs (what enters m_z, H_z and the z torque is a product of two
    # flipped factors or of none). Measured: max |difference| = 0.0, and even the bit
    # patterns agree (signed zeros included); array_equal leaves the sign of zero free.
    # (m_z min −0.985 after 20 ps, max |m(20 ps) − m(0)| = 0.66.)
    assert np.array_equal(ma[..., 2], mb[..., 2])
    assert np.array_equal(ma[..., :2], -mb[..., :2])


def _centre(sim: Simulation) -> np.ndarray:
    """The guiding centre ∫ r q / ∫ q (m) of the film's one skyrmion."""
    obj = find_objects(analysis.textures.as_dataarray(sim.m[0], *sim.mesh.cell[:2]))
    assert len(obj) == 1 and obj.Q.iloc[0] < -0.9
    return obj[["x_q", "y_q"]].to_numpy(float)[0]


@pytest.mark.parametrize("D, way", [(-3.5e-3, +1), (+3.5e-3, -1)], ids=["D-3.5", "D+3.5"])
def test_skyrmion_moves_into_the_chamber_with_the_chosen_sign(example, D, way):
    # the example holds the reading that moves the skyrmions in (design §1.2)
    assert example["D"] == -3.5e-3 and example["p"] == [0.0, -1.0, 0.0] and example["j"] > 0
    # a 48-nm open film in the chamber's 200 mT (design §1.4: diameter 8.9 nm; edges > 19 nm
    # away, so the centred skyrmion feels no net edge force); relaxed from the Néel ansatz
    # its D prefers (helicity 0 for D < 0, π for D > 0), then 30 ps of constant j.
    n = 48
    sim = _simulation(example, n, D, example["p"])
    sim.set_skyrmion(centre=(24e-9, 24e-9), radius=4.5e-9, helicity=0.0 if D < 0 else np.pi)
    assert sim.minimize(torque_tol=1.0).converged
    r0 = _centre(sim)
    _rk4(sim, 30e-12)
    dx, dy = (_centre(sim) - r0) / 1e-9
    print(f"D = {D:+.1e}: displacement ({dx:+.6f}, {dy:+.6f}) nm in 30 ps")
    # Expected (design §1.2, §7): (±0.43, ±1.05) nm, V_Thiele = (36, 79) m/s less the
    # start-up lag; measured (+0.428835, +1.047554) nm for D = −3.5 and the opposite to
    # 2e-7 nm for D = +3.5 (the mirror of (−3.5, +y), i.e. p reversed: opposite to first
    # order in j, and the two relaxed states differ by the minimiser's stopping). Without
    # current the centred relaxed skyrmion does not move (the film is symmetric about its
    # centre; measured with j = 0: 3e-13 nm in 30 ps, the minimiser's residual torque
    # ≤ 1 A/m), so 0.2 nm, half the expected x step, is far above that noise and far below
    # the signal; y (the ~65° skyrmion Hall angle, 1.05 nm expected) must go with it, at
    # half its size.
    assert way * dx > 0.2
    assert way * dy > 0.5
