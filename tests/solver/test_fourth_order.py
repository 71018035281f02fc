"""Fourth-order DMI and Zhang–Li torque of the built-in solver (issue 14, paper 003):
convergence against the continuum on a smooth periodic texture (errors fall ≈16× per
halving of the cell; the second-order ones ≈4×), the field as minus the gradient of the
discrete energy, the summation-by-parts free edges, and a study that runs through the
built-in backend (and that OOMMF refuses).

Measured error ratios per halving (max |H − H_exact| / max |H_exact|, N = 32 → 64 → 128):
Cnv_z 13.7, 15.4; D2d_z 13.4, 15.5; T (x, y) 13.7, 15.3; T along z (16 → … → 128) 13.5,
15.5, 15.8; the second-order term 3.9, 4.0 (T along z 3.9, 4.0, 4.0). Zhang–Li (u·∇)m:
13.8, 15.3 (second order 3.9, 4.0); on an open axis 13.6, 15.4 inside and 4.4, 4.2 in the
four edge cells (their one-sided rows are second order). Energy on an open axis
(N = 16 → 32 → 64): 18.2, 15.8 (second order 3.9, 4.0). |H4 − H2| falls 3.6, 3.9.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from mmstudy.constants import MU0
from orchestrator.backends.base import UnsupportedFeature, get_backend
from orchestrator.backends.builtin import BuiltinBackend, build_simulation
from orchestrator.solver.fd4 import derivative_band, sbp42
from orchestrator.solver.mesh import Mesh
from orchestrator.solver.terms.dmi import DMI, dmi_vector
from orchestrator.solver.terms.dmi4 import DMI4
from orchestrator.solver.torques.zhangli import ZhangLi
from orchestrator.study import validate_study

L = 64e-9
MS = 5.8e5
D = 3e-3
CLASSES = ("Cnv_z", "T", "D2d_z")


def texture_at(x, y, z, L=L):
    """A smooth unit field periodic in x, y, z with period L, and its exact derivatives
    ``[∂x m, ∂y m, ∂z m]``."""
    k = 2 * np.pi / L
    X, Y, Z = k * x, k * y, k * z
    v = np.stack([np.cos(X + 0.5 * np.sin(Y)), np.sin(X) + 0.4 * np.cos(Y + Z),
                  1.2 + 0.5 * np.sin(X + Y) + 0.3 * np.cos(Z)], -1)
    dv = [np.stack([-k * np.sin(X + 0.5 * np.sin(Y)), k * np.cos(X), 0.5 * k * np.cos(X + Y)], -1),
          np.stack([-np.sin(X + 0.5 * np.sin(Y)) * 0.5 * k * np.cos(Y),
                    -0.4 * k * np.sin(Y + Z), 0.5 * k * np.cos(X + Y)], -1),
          np.stack([0 * X, -0.4 * k * np.sin(Y + Z), -0.3 * k * np.sin(Z)], -1)]
    r = np.linalg.norm(v, axis=-1, keepdims=True)
    m = v / r
    return m, [(d - m * np.sum(m * d, -1, keepdims=True)) / r for d in dv]


def texture(mesh: Mesh, flat: bool = True):
    """The texture on the cell centres (z = 0 for a one-layer film)."""
    c = mesh.coords()
    z = np.zeros(1) if flat and mesh.n[2] == 1 else c["z"]
    zz, yy, xx = np.meshgrid(z, c["y"], c["x"], indexing="ij")
    return texture_at(xx, yy, zz)


def continuum_field(cls: str, dm, axes) -> np.ndarray:
    """−(2D/(μ0 Ms)) Σ_a d_a × ∂_a m, written out per class (not from dmi_vector)."""
    ex, ey, ez = np.eye(3)
    d = {"Cnv_z": {0: ey, 1: -ex}, "T": {0: ex, 1: ey, 2: ez}, "D2d_z": {0: -ex, 1: ey}}[cls]
    s = sum(np.cross(d[a], dm[a]) for a in axes if a in d)
    return -2 * D / (MU0 * MS) * s


def rel(a, b) -> float:
    return float(np.abs(a - b).max() / np.abs(b).max())


def ratios(errors):
    return [errors[i] / errors[i + 1] for i in range(len(errors) - 1)]


# ---------------------------------------------------------------------------------------
# convergence on a periodic texture
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", CLASSES)
def test_field_converges_at_fourth_order_in_the_plane(cls):
    err2, err4, diff = [], [], []
    for N in (32, 64, 128):
        mesh = Mesh(n=(N, N, 1), cell=(L / N, L / N, 1e-9), Ms=MS, pbc="xy")
        m, dm = texture(mesh)
        exact = continuum_field(cls, dm, (0, 1))
        H2, H4 = DMI(D, cls), DMI4(D, cls)
        H2.setup(mesh)
        H4.setup(mesh)
        h2, h4 = H2.field(m), H4.field(m)
        err2.append(rel(h2, exact))
        err4.append(rel(h4, exact))
        diff.append(rel(h4, h2))
    r2, r4 = ratios(err2), ratios(err4)
    assert all(3.5 < r < 4.5 for r in r2), r2
    assert all(r > 12 for r in r4) and r4[-1] > 15, r4
    assert err4[-1] < 2e-5 < err2[-1]
    # the two orders agree in the fine-mesh limit (their difference is the 2nd-order error)
    assert all(3.5 < r < 4.5 for r in ratios(diff)) and diff[-1] < 2e-3


def test_bulk_dmi_along_z_converges_at_fourth_order():
    err2, err4 = [], []
    for N in (16, 32, 64, 128):
        mesh = Mesh(n=(1, 1, N), cell=(1e-9, 1e-9, L / N), Ms=MS, pbc="xyz")
        m, dm = texture(mesh, flat=False)
        exact = continuum_field("T", dm, (2,))
        for order, errs, term in ((2, err2, DMI(D, "T")), (4, err4, DMI4(D, "T"))):
            term.setup(mesh)
            errs.append(rel(term.field(m), exact))
    assert all(r > 12 for r in ratios(err4)), ratios(err4)
    assert all(3.5 < r < 4.5 for r in ratios(err2)), ratios(err2)


def test_zhang_li_gradient_converges_at_fourth_order():
    u = np.array([37.0, -21.0, 0.0])
    err = {2: [], 4: []}
    for N in (32, 64, 128):
        mesh = Mesh(n=(N, N, 1), cell=(L / N, L / N, 1e-9), Ms=MS, pbc="xy")
        m, dm = texture(mesh)
        exact = u[0] * dm[0] + u[1] * dm[1]
        for order in (2, 4):
            zl = ZhangLi(u=u, order=order)
            zl.setup(mesh)
            err[order].append(rel(zl.gradient(m, np.empty_like(m)), exact))
            if order == 4 and N == 32:
                T = zl.torque(m)
                assert np.abs(np.sum(T * m, -1)).max() < 1e-12 * np.abs(T).max()
    assert all(r > 12 for r in ratios(err[4])), ratios(err[4])
    assert all(3.5 < r < 4.5 for r in ratios(err[2])), ratios(err[2])
    assert err[4][-1] < 1e-4 < err[2][-1]


# ---------------------------------------------------------------------------------------
# energy and field; free edges
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("pbc", ["xy", "y", ""])
@pytest.mark.parametrize("classes", [{"Cnv_z": D}, {"T": D}, {"D2d_z": D},
                                     {"Cnv_z": D, "T": -0.7 * D}])
def test_field_is_minus_the_gradient_of_the_energy(classes, pbc):
    rng = np.random.default_rng(3)
    mesh = Mesh(n=(12, 9, 8), cell=(1e-9, 1.3e-9, 0.8e-9), pbc=pbc,
                Ms=MS * (1 + 0.3 * rng.random((8, 9, 12))))
    term = DMI4(classes)
    term.setup(mesh)
    m = rng.normal(size=mesh.shape + (3,))
    m /= np.linalg.norm(m, axis=-1, keepdims=True)
    v = rng.normal(size=m.shape)
    eps = 1e-4
    dE = (term.energy(m + eps * v) - term.energy(m - eps * v)) / (2 * eps)
    grad = -MU0 * mesh.cell_volume * np.sum(mesh.Ms[..., None] * term.field(m) * v)
    assert dE == pytest.approx(grad, rel=1e-6)


def test_open_axis_energy_is_the_sbp_quadrature_of_the_consistent_density():
    """On a free edge the energy is Σ h_i w_i with the one-sided SBP derivative."""
    N = 20
    mesh = Mesh(n=(N, 1, 1), cell=(L / N, 1e-9, 1e-9), Ms=MS)
    m, _ = texture(mesh)
    H, Q = sbp42(N)
    Dm = np.einsum("ij,...jc->...ic", Q / H[:, None], m) / mesh.cell[0]
    for cls in ("Cnv_z", "D2d_z"):
        term = DMI4(D, cls)
        term.setup(mesh)
        d = dmi_vector(cls, (1, 0, 0))
        w = D * np.sum(m * np.cross(d, Dm), -1)
        expected = mesh.cell_volume * np.sum(H * w[0, 0])
        assert term.energy(m) == pytest.approx(expected, rel=1e-12)


def test_open_axis_energy_converges_between_the_outer_cell_centres():
    """The integral over [x_0, x_{n-1}], as the second-order (OOMMF) scheme's trapezoid."""
    def error(order, N):
        dx = L / N
        mesh = Mesh(n=(N, 1, 1), cell=(dx, 1e-9, 1e-9), Ms=MS)
        m, _ = texture(mesh)
        term = DMI4(D, "Cnv_z") if order == 4 else DMI(D, "Cnv_z")
        term.setup(mesh)
        x = np.linspace(dx / 2, L - dx / 2, 40001)
        mm, dm = texture_at(x, 0 * x + mesh.coords()["y"][0], 0 * x)
        w = D * np.sum(mm * np.cross([0, 1.0, 0], dm[0]), -1)
        exact = (x[1] - x[0]) / 3 * (w[0] + w[-1] + 4 * w[1:-1:2].sum() + 2 * w[2:-1:2].sum())
        return abs(term.energy(m) / 1e-18 - exact)   # the exact value varies with N

    e4 = [error(4, N) for N in (16, 32, 64)]
    e2 = [error(2, N) for N in (16, 32, 64)]
    assert all(r > 12 for r in ratios(e4)), ratios(e4)
    assert all(3.5 < r < 4.5 for r in ratios(e2)), ratios(e2)


def test_free_edge_of_a_uniform_state_feels_the_second_order_surface_field():
    """Every row of the SBP operator sums to the second-order one's (1/2 at the edge cell,
    0 elsewhere), so a uniform m sees the same edge field at both orders."""
    mesh = Mesh(n=(16, 12, 1), cell=(1e-9, 1e-9, 1e-9), Ms=MS, pbc="y")
    m = np.zeros(mesh.shape + (3,))
    m[..., :] = np.array([0.3, -0.2, 0.9]) / np.linalg.norm([0.3, -0.2, 0.9])
    for cls in ("Cnv_z", "T", "D2d_z"):
        t2, t4 = DMI(D, cls), DMI4(D, cls)
        t2.setup(mesh)
        t4.setup(mesh)
        h4 = t4.field(m)
        assert np.allclose(h4, t2.field(m), rtol=0, atol=1e-9 * np.abs(h4).max())
        assert np.abs(h4[:, :, 1:-1]).max() < 1e-9 * np.abs(h4).max()


def test_zhang_li_on_an_open_axis_uses_one_sided_rows():
    u = np.array([50.0, 0.0, 0.0])
    band = derivative_band(12, periodic=False)
    assert np.allclose(band.sum(axis=0), 0)            # uniform m: no gradient
    err_edge, err_inside = [], []
    for N in (32, 64, 128):
        mesh = Mesh(n=(N, 4, 1), cell=(L / N, 1e-9, 1e-9), Ms=MS, pbc="y")
        m, dm = texture(mesh)
        zl = ZhangLi(u=u, order=4)
        zl.setup(mesh)
        e = np.abs(zl.gradient(m, np.empty_like(m)) - u[0] * dm[0]).max(axis=(0, 1, 3))
        scale = np.abs(u[0] * dm[0]).max()
        err_edge.append(max(e[:4].max(), e[-4:].max()) / scale)
        err_inside.append(e[4:-4].max() / scale)
    assert all(r > 3.5 for r in ratios(err_edge)), ratios(err_edge)   # second order at edges
    assert ratios(err_inside)[-1] > 12, ratios(err_inside)


def test_restrictions_are_errors_in_the_solver():
    holed = Mesh(n=(16, 16, 1), cell=(1e-9,) * 3, Ms=np.where(np.eye(16)[None] > 0, 0.0, MS),
                 pbc="xy")
    with pytest.raises(ValueError, match="fully magnetic"):
        DMI4(D).setup(holed)
    with pytest.raises(ValueError, match="fully magnetic"):
        ZhangLi(u=(1, 0, 0), order=4).setup(holed)
    with pytest.raises(ValueError, match="at least 8"):
        DMI4(D).setup(Mesh(n=(6, 16, 1), cell=(1e-9,) * 3, Ms=MS, pbc="y"))


# ---------------------------------------------------------------------------------------
# studies: the built-in backend runs them, OOMMF refuses them
# ---------------------------------------------------------------------------------------
def study(**changes):
    data = {"name": "sk4", "mesh": {"n": [24, 24, 1], "cell": [1e-9] * 3, "pbc": "xy"},
            "materials": {"default": {"Ms": MS, "A": 1.5e-11, "K": 8e5, "K_axis": [0, 0, 1],
                                      "dmi": {"D": 3.7e-3, "class": "Cnv_z"}, "alpha": 0.3}},
            "energy": {"dmi_order": 4, "exchange_kernel": "12ngbr"},
            "initial": {"type": "skyrmions", "skyrmions": [
                {"centre": [12e-9, 12e-9], "radius": 4e-9, "helicity": 3.14159}]},
            "stages": [{"type": "minimize"}]}
    data.update(changes)
    return validate_study(data)


ZL4 = {"z": {"type": "zhang_li", "j": [-2e11, 0, 0], "P": 0.5, "xi": 0.1, "order": 4}}


def test_skyrmion_minimises_and_moves_with_fourth_order_dmi_and_zhang_li(tmp_path):
    import analysis

    s = study(drives=ZL4, stages=[{"type": "minimize", "drives": []},
                                  {"type": "evolve", "duration": 2e-12, "save_every": 1e-12}])
    backend = BuiltinBackend()
    backend.check(s)
    sim, _ = build_simulation(s)
    assert [type(t).__name__ for t in sim.terms] == ["Exchange", "DMI4", "UniaxialAnisotropy"]
    assert sim.llg.torques[0].order == 4
    backend.render(s, tmp_path)
    backend.execute(s, tmp_path, log=io.StringIO())
    ds = analysis.open_run(tmp_path / "run.out")
    mz = ds.m.isel(t=1, z=0, c=2)
    assert float(mz.sel(y=12e-9, x=12e-9, method="nearest")) < -0.9   # the core after minimise
    assert float(mz.isel(x=0, y=0)) > 0.9


def test_builtin_refuses_fourth_order_dmi_with_regions_or_vacuum():
    backend = BuiltinBackend()
    regions = [{"name": "left"}, {"name": "right", "shape": {
        "type": "half_plane", "point": [12e-9, 0], "normal": [1, 0]}}]
    default = {"Ms": MS, "A": 1.5e-11, "dmi": {"D": 3.7e-3, "class": "Cnv_z"}, "alpha": 0.3}
    two = study(regions=regions, materials={"default": default,
                                            "right": {"dmi": {"D": 2e-3, "class": "Cnv_z"}}})
    same = study(regions=regions, materials={"default": default, "right": {"alpha": 0.1}})
    assert backend.missing(same) == {}
    with pytest.raises(UnsupportedFeature, match=r"dmi\.order4\.regions \(asked for by "
                                                 r"energy\.dmi_order \(the fourth-order DMI"):
        backend.check(two, source="two.toml")
    assert "dmi.order4.regions" not in backend.missing(study())
    short = study(mesh={"n": [24, 6, 1], "cell": [1e-9] * 3, "pbc": "x"},
                  energy={"dmi_order": 4})
    assert "the open axis y has 2-7 cells" in backend.missing(short)["dmi.order4"]


def test_oommf_refuses_fourth_order_dmi_and_zhang_li_naming_the_field():
    oommf = get_backend("oommf")
    with pytest.raises(UnsupportedFeature) as err:
        oommf.check(study(energy={"dmi_order": 4}), source="sk4.toml")
    assert "dmi.order4 (asked for by energy.dmi_order" in str(err.value)
    assert str(err.value).startswith("sk4.toml: ")
    with pytest.raises(UnsupportedFeature) as err:
        oommf.check(study(energy={}, drives=ZL4,
                          stages=[{"type": "evolve", "duration": 1e-12, "save_every": 1e-12}]),
                    source="zl4.toml")
    assert "zhang_li.order4 (asked for by drives.z.order" in str(err.value)
