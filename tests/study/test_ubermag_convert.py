"""Studies to and from ubermag (orchestrator/study/ubermag*.py): round trips on a Janus-like
two-region DMI film and on an SOT- or Zhang–Li-driven skyrmion, the mappings checked against
independent formulas, the refusals, runs of converted studies on the built-in solver and,
where OOMMF is installed, oommfc driving the original system against mmstudy's OOMMF
backend running the converted study."""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import discretisedfield as df
import micromagneticmodel as mm
import numpy as np
import oommfc as oc
import pytest
import ubermagutil.typesystem as ts

import analysis
from mmstudy.constants import GAMMA0, HBAR, MU0, QE
from mmstudy.spintorque import zhang_li_u
from orchestrator.backends.oommf_terms import OOMMF_HBAR, OOMMF_QE
from orchestrator.study import validate_study
from orchestrator.study.model import Study
from orchestrator.study.profiles import envelope_function
from orchestrator.study.ubermag import UbermagError
from oommfc_runner import private_runner

NM = 1e-9
L, W = 16 * NM, 8 * NM


# --------------------------------------------------------------------------- systems

def _janus(m=(0.0, 0.1, 1.0), n=(16, 8, 1)) -> mm.System:
    """Two subregions with interfacial DMI of opposite signs, per-region Ms and K, one
    exchange, a field; periodic along x."""
    Lx, Ly, Lz = n[0] * NM, n[1] * NM, n[2] * NM
    mesh = df.Mesh(p1=(0, 0, 0), p2=(Lx, Ly, Lz), cell=(NM, NM, NM), bc="x",
                   subregions={"left": df.Region(p1=(0, 0, 0), p2=(Lx / 2, Ly, Lz)),
                               "right": df.Region(p1=(Lx / 2, 0, 0), p2=(Lx, Ly, Lz))})
    system = mm.System(name="janus")
    system.energy = (mm.Exchange(A=1.5e-11)
                     + mm.DMI(D={"left": 3e-3, "right": -3e-3}, crystalclass="Cnv_z")
                     + mm.UniaxialAnisotropy(K={"left": 8e5, "right": 6e5}, u=(0, 0, 1))
                     + mm.Zeeman(H=(0, 2e4, 1e5)))
    system.dynamics = mm.Precession(gamma0=2.211e5) + mm.Damping(alpha=0.3)
    system.m = df.Field(mesh, nvdim=3, value=m, norm={"left": 5.8e5, "right": 4e5})
    return system


def _skyrmion_m(p):
    x, y, _ = p
    return (0, 0, -1) if math.hypot(x, y) < 4 * NM else (0, 0, 1)


def _driven(torque: str, n: int = 16) -> mm.System:
    """A Néel skyrmion (a core-down disk) in a film centred on the origin, driven by a
    spin–orbit (Slonczewski) or Zhang–Li torque; ubermag's own γ0 (not OOMMF's)."""
    half = n / 2 * NM
    mesh = df.Mesh(p1=(-half, -half, 0), p2=(half, half, NM), cell=(NM, NM, NM))
    system = mm.System(name=f"sky_{torque}")
    system.energy = (mm.Exchange(A=1.5e-11) + mm.DMI(D=3e-3, crystalclass="Cnv_z")
                     + mm.UniaxialAnisotropy(K=8e5, u=(0, 0, 1)) + mm.Demag())
    drive = (mm.Slonczewski(J=2e11, mp=(0, 1, 0), P=0.4, Lambda=1, eps_prime=0.1)
             if torque == "sot" else mm.ZhangLi(u=(-50, 0, 0), beta=0.3))
    system.dynamics = mm.Precession(gamma0=mm.consts.gamma0) + mm.Damping(alpha=0.3) + drive
    system.m = df.Field(mesh, nvdim=3, value=_skyrmion_m, norm=5.8e5)
    return system


JANUS_STUDY = {
    "name": "janus",
    "mesh": {"n": [16, 8, 1], "cell": [NM, NM, NM], "pbc": "x"},
    "regions": [{"name": "left", "shape": {"type": "box", "min": [0, 0], "max": [8 * NM, 8 * NM]}},
                {"name": "right", "shape": {"type": "box", "min": [8 * NM, 0],
                                            "max": [16 * NM, 8 * NM]}}],
    "materials": {"default": {"A": 1.5e-11, "K_axis": [0, 0, 1], "alpha": 0.3},
                  "left": {"Ms": 5.8e5, "K": 8e5, "dmi": {"D": 3e-3, "class": "Cnv_z"}},
                  "right": {"Ms": 4e5, "K": 6e5, "dmi": {"D": -3e-3, "class": "Cnv_z"}}},
    "drives": {"zeeman": {"type": "field", "H": [0, 2e4, 1e5]}},
    "initial": {"type": "uniform", "direction": [0, 0, 1]},
    "stages": [{"type": "minimize"}],
}


# --------------------------------------------------------------------------- comparing

def _value(v):
    """A parameter as plain data: numbers and vectors as floats, dicts with ubermag's
    implicit ``default`` made explicit, Fields as arrays."""
    if isinstance(v, df.Field):
        return np.asarray(v.array, float)
    if isinstance(v, dict):
        out = {k: _value(x) for k, x in v.items()}
        if "default" not in out:
            first = next(iter(out.values()))
            out["default"] = [0.0] * len(first) if isinstance(first, list) else 0.0
        return out
    if isinstance(v, (tuple, list, np.ndarray)):
        return [float(c) for c in v]
    if isinstance(v, (int, float)):
        return float(v)
    return v


def _params(system: mm.System) -> dict:
    """Everything that defines a system's physics, by term type (and DMI class), with the
    mesh's corner moved to the origin (the study's coordinates)."""
    def terms(container):
        out = {}
        for t in container:
            key = type(t).__name__ + (f"/{t.crystalclass}" if isinstance(t, mm.DMI) else "")
            out[key] = {"name": t.name} | {k: _value(v) for k, v in dict(t).items()
                                          if not isinstance(v, ts.Descriptor)}
        return out

    mesh = system.m.mesh
    p1 = np.asarray(mesh.region.pmin)
    return {
        "mesh": {"p2": _value(np.asarray(mesh.region.pmax) - p1), "cell": _value(mesh.cell),
                 "n": [int(v) for v in mesh.n], "bc": mesh.bc,
                 "subregions": {k: (_value(np.asarray(r.pmin) - p1),
                                    _value(np.asarray(r.pmax) - p1))
                                for k, r in mesh.subregions.items()}},
        "energy": terms(system.energy), "dynamics": terms(system.dynamics), "T": system.T,
        "m": np.asarray(system.m.array, float),
    }


def _assert_same(a, b, path="", rtol=1e-12):
    """Nested data equal; floats to ``rtol`` (a conversion that multiplies and divides by
    the same constant may differ in the last bit)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{path}: keys {set(a)} != {set(b)}"
        for k in a:
            _assert_same(a[k], b[k], f"{path}.{k}", rtol)
    elif isinstance(a, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0, err_msg=path)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{path}: {a} != {b}"
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{path}[{i}]", rtol)
    elif isinstance(a, float):
        assert math.isclose(a, b, rel_tol=rtol, abs_tol=0), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# --------------------------------------------------------------------------- Janus film

def test_janus_film_becomes_the_study_it_describes():
    """Subregions become box regions, per-region Ms/K/D become per-region materials (the
    shared A, axis and α go to ``default``), opposite D signs are kept, the field a drive,
    ``bc="x"`` the periodic axis, MinDriver a minimise stage, a uniform m its direction."""
    study = Study.from_ubermag(_janus(), "MinDriver")
    assert study.mesh.cells == (16, 8, 1) and study.mesh.pbc == "x"
    assert [(r.name, r.shape.min, r.shape.max) for r in study.regions] == \
        [("left", [0.0, 0.0], [8 * NM, 8 * NM]), ("right", [8 * NM, 0.0], [16 * NM, 8 * NM])]
    left, right = study.material("left"), study.material("right")
    assert (left.Ms, right.Ms, left.K, right.K) == (5.8e5, 4e5, 8e5, 6e5)
    assert [(d.crystal_class, d.D) for d in left.dmi] == [("Cnv_z", 3e-3)]
    assert [(d.crystal_class, d.D) for d in right.dmi] == [("Cnv_z", -3e-3)]
    assert study.materials["default"].A == 1.5e-11 and left.alpha == right.alpha == 0.3
    assert left.gamma0 is None  # OOMMF's default γ0
    assert study.energy.dmi_interface == "mean" and not study.energy.demag
    assert study.drives["zeeman"].H == [0, 2e4, 1e5] and study.drives["zeeman"].regions is None
    assert [s.type for s in study.stages] == ["minimize"]
    np.testing.assert_allclose(study.initial.direction, np.array([0, 0.1, 1]) / math.hypot(0.1, 1),
                               rtol=1e-14)


def test_the_mesh_corner_moves_to_the_origin():
    """A mesh centred on the origin (ubermag's usual p1 < 0) gives the same study as the
    same mesh from the origin: subregions and coordinates shift with it."""
    system = _janus()
    shift = np.array([-8 * NM, -4 * NM, 0.0])
    region = system.m.mesh.region
    mesh = df.Mesh(p1=region.pmin + shift, p2=region.pmax + shift, cell=(NM, NM, NM), bc="x",
                   subregions={k: df.Region(p1=r.pmin + shift, p2=r.pmax + shift)
                               for k, r in system.m.mesh.subregions.items()})
    system.m = df.Field(mesh, nvdim=3, value=(0, 0.1, 1), norm={"left": 5.8e5, "right": 4e5})
    _assert_same(Study.from_ubermag(system, "MinDriver").model_dump(),
                 Study.from_ubermag(_janus(), "MinDriver").model_dump(), rtol=1e-9)


def test_janus_system_to_study_to_system_keeps_every_parameter():
    """system → Study → system: the same terms with the same parameters, mesh,
    subregions and magnetisation (compared value by value, not by repr)."""
    system = _janus()
    study = Study.from_ubermag(system, "MinDriver")
    back, driver, kwargs = study.to_ubermag()
    _assert_same(_params(system), _params(back))
    assert isinstance(driver, oc.MinDriver) and kwargs == {}


def test_janus_study_to_system_to_study_is_the_same_study():
    """Study → system → Study: equal model dumps (the study written in the canonical
    form: shared values in ``default``, unit directions, box regions)."""
    study = validate_study(JANUS_STUDY)
    system, driver, kwargs = study.to_ubermag()
    again = _quiet(Study.from_ubermag, system, driver, **kwargs)
    assert again.model_dump() == study.model_dump()


# --------------------------------------------------------------------------- driven skyrmion

@pytest.mark.parametrize("torque", ["sot", "zhang_li"])
def test_driven_skyrmion_round_trips_both_ways(torque, tmp_path):
    """An SOT- or Zhang–Li-driven skyrmion with a TimeDriver(t, n): the skyrmion goes to
    ``folder/m0.omf`` (M in A/m, as ubermag's m0.omf), the TimeDriver to an evolve stage of
    duration t saving every t/n; both round trips give back what went in (the torque's
    numbers to the last bits: the SOT's J passes through OOMMF's ħ/e ratio)."""
    system = _driven(torque)
    study = Study.from_ubermag(system, "TimeDriver", folder=tmp_path, t=2e-12, n=4)
    assert study.initial.type == "file" and Path(study.initial.path) == tmp_path / "m0.omf"
    M = analysis.read_ovf(tmp_path / "m0.omf")
    np.testing.assert_array_equal(M.values, np.transpose(system.m.array, (2, 1, 0, 3)))
    assert M.x.values[0] == pytest.approx(0.5 * NM)  # study coordinates start at 0
    (stage,) = study.stages
    assert (stage.type, stage.duration, stage.save_every) == ("evolve", 2e-12, 5e-13)
    assert study.material("body").gamma0 == mm.consts.gamma0 != GAMMA0

    back, driver, kwargs = study.to_ubermag()
    assert isinstance(driver, oc.TimeDriver) and kwargs == {"t": 2e-12, "n": 4}
    _assert_same(_params(system), _params(back))
    again = Study.from_ubermag(back, driver, folder=tmp_path, overwrite=True, **kwargs)
    _assert_same(again.model_dump(), study.model_dump())


def test_sot_drive_gives_oommfs_slonczewski_rate(tmp_path):
    """The study's damping-like rate c = γ0 ħ θ_SH j/(2 μ0 e t Ms) equals OOMMF's
    γ0 βε = γ0 ħ J P/(2 μ0 e d Ms) (Λ = 1, OOMMF's own ħ and e) for ubermag's J and P, and
    the field-like ratio is 2ε'/P."""
    study = Study.from_ubermag(_driven("sot", n=8), "TimeDriver", folder=tmp_path, t=1e-12, n=1)
    d = study.drives["slonczewski"]
    Ms, t = 5.8e5, study.mesh.size[2]
    ours = GAMMA0 * HBAR * d.theta_SH * d.j / (2 * MU0 * QE * t * Ms)
    oommf = GAMMA0 * OOMMF_HBAR * 2e11 * 0.4 / (2 * MU0 * OOMMF_QE * NM * Ms)
    assert ours == pytest.approx(oommf, rel=1e-14)
    assert d.field_like == pytest.approx(2 * 0.1 / 0.4, rel=1e-15) and d.direction == [0, 1, 0]


def test_zhang_li_drive_gives_ubermags_drift_velocity(tmp_path):
    """mmstudy's u of the converted drive (mumax3's sign) is −(ubermag's u) in every region,
    also where Ms differs between regions (then one j, P = 1, gives both)."""
    system = _janus()
    system.dynamics += mm.ZhangLi(u={"left": (-40.0, 0, 0), "right": (-58.0, 0, 0)}, beta=0.2)
    study = Study.from_ubermag(system, "TimeDriver", t=1e-12, n=1)
    d = study.drives["zhangli"]
    assert d.I is None and d.P == 1.0 and d.xi == 0.2
    for region, u in (("left", 40.0), ("right", 58.0)):
        Ms = study.material(region).Ms
        assert zhang_li_u(np.asarray(d.j), P=1.0, Ms=Ms, xi=0.2)[0] == pytest.approx(u, rel=1e-12)
    # u that is not one j (u ∝ 1/Ms) is refused
    system.dynamics -= system.dynamics.zhangli
    system.dynamics += mm.ZhangLi(u={"left": (-40.0, 0, 0), "right": (-40.0, 0, 0)}, beta=0.2)
    with pytest.raises(UbermagError, match=r"zhangli.*not one current density"):
        Study.from_ubermag(system, "TimeDriver", t=1e-12, n=1)


def test_zhang_li_velocity_has_oommfs_sign():
    """Towards ubermag, a drive of current density j, polarisation P and ξ has OOMMF's
    u = −μB P j/(e Ms (1 + ξ²)) (written out here, not taken from the code); a drive
    given by mumax3's velocity I has u = −I; from ubermag, u = (−50, 0, 0) m/s is I = 50."""
    from mmstudy.constants import MUB

    data = JANUS_STUDY | {
        "materials": {"default": {"Ms": 8e5, "A": 1.5e-11, "alpha": 0.3}},
        "stages": [{"type": "evolve", "duration": 1e-12, "save_every": 5e-13}]}
    j = validate_study(data | {"drives": {"zl": {"type": "zhang_li", "j": [1e12, 2e11, 0],
                                                  "P": 0.4, "xi": 0.3}}})
    u = j.to_ubermag()[0].dynamics.zl.u
    want = [-MUB * 0.4 * c / (QE * 8e5 * (1 + 0.3 ** 2)) for c in (1e12, 2e11, 0)]
    np.testing.assert_allclose(u, want, rtol=1e-14)
    by_I = validate_study(data | {"drives": {"zl": {"type": "zhang_li", "I": [30, 0, 0],
                                                     "P": 0.5}}})
    assert by_I.to_ubermag()[0].dynamics.zl.u == (-30.0, 0.0, 0.0)
    system = _janus()
    system.dynamics += mm.ZhangLi(u=(-50.0, 0, 0), beta=0.1)
    system.m = df.Field(system.m.mesh, nvdim=3, value=(0, 0, 1), norm=8e5)
    drive = Study.from_ubermag(system, "TimeDriver", t=1e-12, n=1).drives["zhangli"]
    assert (drive.I, drive.P, drive.xi) == ([50.0, 0.0, 0.0], 1.0, 0.1)


# --------------------------------------------------------------------------- running

def test_converted_studies_run_on_the_builtin_solver(tmp_path):
    """The converted Janus film minimises and the converted SOT skyrmion evolves for two
    saves on the built-in backend (tiny meshes, in this process; tests/test_docs_ubermag.py
    runs a converted study through run_study on two workers)."""
    from orchestrator.backends.builtin import BuiltinBackend

    janus = Study.from_ubermag(_janus(n=(8, 4, 1)), "MinDriver")
    sot = Study.from_ubermag(_driven("sot", n=8), "TimeDriver", folder=tmp_path / "m0",
                             t=2e-13, n=2)
    for study in (janus, sot):
        BuiltinBackend().render(study, tmp_path / study.name)
        BuiltinBackend().execute(study, tmp_path / study.name, log=io.StringIO(), threads=1)
    relaxed = analysis.open_run(tmp_path / "janus" / "run.out").m.isel(t=-1)
    assert relaxed.sizes == {"z": 1, "y": 4, "x": 8, "c": 3} and np.isfinite(relaxed).all()
    start = np.array([0, 0.1, 1]) / math.hypot(0.1, 1)
    assert float(abs(relaxed - start).max()) > 1e-3  # it minimised
    ds = analysis.open_run(tmp_path / "sky_sot" / "run.out")
    np.testing.assert_allclose(ds.t.values, [0, 1e-13, 2e-13], rtol=1e-12)
    assert np.isfinite(ds.m.values).all()


# --------------------------------------------------------------------------- details

def test_field_parameters_one_value_per_region_are_accepted():
    """A Field α and a Field K that are constant on each subregion become per-region
    values; a Field that varies inside a subregion is refused naming it."""
    system = _janus()
    mesh = system.m.mesh
    system.dynamics.damping.alpha = df.Field(mesh, nvdim=1, value={"left": 0.1, "right": 0.5})
    study = Study.from_ubermag(system, "MinDriver")
    assert (study.material("left").alpha, study.material("right").alpha) == (0.1, 0.5)
    system.dynamics.damping.alpha = df.Field(mesh, nvdim=1, value=lambda p: p[0] * 1e7)
    with pytest.raises(UbermagError, match=r"damping.*alpha.*varies within region 'left'"):
        Study.from_ubermag(system, "MinDriver")


def test_dmi_between_subregions_decides_the_interface_rule():
    """ubermag's 'a:b' DMI entries: the mean of the two D is ``mean``; none (0) with D of
    one sign is ``zero``; anything else is refused naming the pair."""
    def study(D):
        system = _janus()
        system.energy.dmi.D = D
        return Study.from_ubermag(system, "MinDriver")

    assert study({"left": 3e-3, "right": 1e-3, "left:right": 2e-3}).energy.dmi_interface == "mean"
    assert study({"left": 3e-3, "right": 1e-3}).energy.dmi_interface == "zero"
    with pytest.raises(UbermagError, match=r"between subregions 'left' and 'right'.*mean"):
        study({"left": 3e-3, "right": 1e-3, "left:right": 5e-3})
    zero = validate_study(JANUS_STUDY | {"energy": {"dmi_interface": "zero"},
                                         "materials": JANUS_STUDY["materials"] | {
                                             "right": {"Ms": 4e5, "K": 6e5,
                                                       "dmi": {"D": 1e-3, "class": "Cnv_z"}}}})
    system, driver, kwargs = zero.to_ubermag()
    assert system.energy.dmi.D == {"left": 3e-3, "right": 1e-3, "default": 0.0}
    assert Study.from_ubermag(system, driver, **kwargs).model_dump() == zero.model_dump()


def test_exchange_between_subregions_must_be_the_harmonic_mean():
    """ubermag's per-region A without an 'a:b' entry leaves the regions uncoupled
    (OOMMF's default_A 0), which the study cannot say: refused with the entry to add;
    with it, the regions keep their own A."""
    system = _janus()
    system.energy.exchange.A = {"left": 1e-11, "right": 2e-11}
    with pytest.raises(UbermagError, match=r"harmonic mean.*'left:right': 1.33"):
        Study.from_ubermag(system, "MinDriver")
    system.energy.exchange.A = {"left": 1e-11, "right": 2e-11, "left:right": 4e-11 / 3}
    study = Study.from_ubermag(system, "MinDriver")
    assert (study.material("left").A, study.material("right").A) == (1e-11, 2e-11)
    # and back: the study's per-region A gives ubermag the harmonic mean between them
    A = study.to_ubermag()[0].energy.exchange.A
    assert A == {"left": 1e-11, "right": 2e-11, "default": 0.0,
                 "left:right": pytest.approx(2 * 1e-11 * 2e-11 / 3e-11, rel=1e-15)}


@pytest.mark.parametrize("func", ["sin", "sinc"])
def test_sine_and_sinc_fields_round_trip(func):
    """Zeeman(func='sin'|'sinc', f, t0) becomes an expression profile equal to oommfc's
    Tcl function, and comes back as the same func, f and t0."""
    system = _janus()
    system.energy -= system.energy.zeeman
    system.energy += mm.Zeeman(H=(0, 0, 1e5), func=func, f=2e9, t0=1e-10)
    study = Study.from_ubermag(system, "TimeDriver", t=1e-12, n=1)
    f = envelope_function(study.drives["zeeman"].envelope)
    for t in (0.0, 1e-10, 1.3e-10, 4e-10):
        x = 2 * math.pi * 2e9 * (t - 1e-10)
        want = math.sin(x) if func == "sin" else (math.sin(x) / x if x else 1.0)
        assert f(t) == pytest.approx(want, abs=1e-15)
    back, _, _ = study.to_ubermag()
    assert (back.energy.zeeman.func, back.energy.zeeman.f, back.energy.zeeman.t0) == \
        (func, 2e9, 1e-10)


def test_other_profiles_travel_as_mmstudys_tcl_and_come_back():
    """A pulse (no ubermag name) goes to ubermag as the OOMMF backend's Tcl proc, which
    oommfc writes into the MIF, and comes back as the same pulse; Tcl code that is not
    one of these is refused."""
    data = JANUS_STUDY | {"drives": {"h": {"type": "field", "H": [0, 0, 1e5],
                                           "envelope": {"type": "pulse", "t0": 0, "t1": 5e-13}}},
                          "stages": [{"type": "evolve", "duration": 1e-12, "save_every": 5e-13}]}
    study = validate_study(data)
    system, driver, kwargs = study.to_ubermag()
    mif = oc.scripts.energy_script(system)
    assert "proc mmstudy_profile_h" in mif and "Oxs_TransformZeeman:h" in mif
    assert isinstance(driver, oc.TimeDriver) and not driver.autoselect_evolver  # backend's
    again = _quiet(Study.from_ubermag, system, driver, **kwargs)
    assert again.drives["h"].envelope == study.drives["h"].envelope
    system.energy.h.tcl_strings = dict(system.energy.h.tcl_strings,
                                       script=system.energy.h.tcl_strings["script"] + "\n")
    with pytest.raises(UbermagError, match=r"energy.h \(Zeeman\).tcl_strings: Tcl code"):
        _quiet(Study.from_ubermag, system, driver, **kwargs)


def test_a_non_uniform_state_is_written_once_and_not_silently_replaced(tmp_path):
    """folder/m0.omf: required for a non-uniform m, reused when it holds the same state,
    refused when it holds another (a study may refer to it) unless overwrite=True."""
    with pytest.raises(UbermagError, match=r"not uniform; give folder="):
        Study.from_ubermag(_driven("sot", n=8), "MinDriver")
    first = Study.from_ubermag(_driven("sot", n=8), "MinDriver", folder=tmp_path)
    Study.from_ubermag(_driven("sot", n=8), "MinDriver", folder=tmp_path)  # same state
    other = _driven("sot", n=8)
    other.m = -other.m
    with pytest.raises(UbermagError, match=r"m0.omf holds another state"):
        Study.from_ubermag(other, "MinDriver", folder=tmp_path)
    Study.from_ubermag(other, "MinDriver", folder=tmp_path, overwrite=True)
    assert first.initial.path == str(tmp_path / "m0.omf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m0.omf"]  # no temporary left


def test_remainder_and_vacuum_regions():
    """Cells in no subregion form the region 'entire' (oommfc's name) when magnetic; a
    subregion of Ms = 0 is a vacuum region; both go back to the same subregions."""
    mesh = df.Mesh(p1=(0, 0, 0), p2=(8 * NM, 4 * NM, NM), cell=(NM, NM, NM),
                   subregions={"hole": df.Region(p1=(0, 0, 0), p2=(2 * NM, 4 * NM, NM)),
                               "hard": df.Region(p1=(6 * NM, 0, 0), p2=(8 * NM, 4 * NM, NM))})
    system = mm.System(name="parts")
    system.energy = mm.Exchange(A=1e-11) + mm.UniaxialAnisotropy(K={"hard": 1e6, "entire": 1e5},
                                                                 u=(0, 0, 1))
    system.m = df.Field(mesh, nvdim=3, value=(0, 0, 1), norm={"hole": 0, "hard": 8e5,
                                                              "default": 8e5})
    study = Study.from_ubermag(system, "MinDriver")
    assert [r.name for r in study.regions] == ["entire", "hole", "hard"]
    assert study.regions[0].shape.type == "all"
    assert (study.material("hole").Ms, study.material("entire").K, study.material("hard").K) \
        == (0.0, 1e5, 1e6)
    back, _, _ = study.to_ubermag()
    assert set(back.m.mesh.subregions) == {"hole", "hard"}
    assert back.energy.uniaxialanisotropy.K == {"entire": 1e5, "hard": 1e6, "default": 0.0}
    np.testing.assert_array_equal(back.m.array, system.m.array)


def test_a_thermal_time_driver():
    """system.T with a fixed-step thermal evolver: a thermal section (its seed) and a Heun
    evolve stage of that step; back, the OOMMF backend's thermal evolver."""
    system = _janus()
    evolver = oc.Xf_ThermHeunEvolver(min_timestep=1e-14, max_timestep=1e-14, uniform_seed=7)
    system.T = 100
    study = Study.from_ubermag(system, oc.TimeDriver(evolver=evolver), t=1e-12, n=2)
    assert (study.thermal.temperature, study.thermal.seed) == (100, 7)
    (stage,) = study.stages
    assert (stage.integrator, stage.dt) == ("heun", 1e-14)
    back, driver, kwargs = study.to_ubermag()
    assert back.T == 100 and type(driver.evolver).__name__ == "Xf_ThermHeunEvolver"
    assert Study.from_ubermag(back, driver, **kwargs).model_dump() == study.model_dump()
    with pytest.raises(UbermagError, match=r"system.T: a temperature needs"):
        Study.from_ubermag(system, "TimeDriver", t=1e-12, n=2)


def test_several_drivers_make_several_stages(tmp_path):
    """A list of drivers (each alone or with its drive arguments) is the study's stages,
    in order: a minimisation before the dynamics, as ubermag users drive a system twice."""
    study = Study.from_ubermag(_driven("sot", n=8), ["MinDriver", ("TimeDriver",
                                                                   {"t": 1e-12, "n": 2})],
                               folder=tmp_path)
    assert [s.type for s in study.stages] == ["minimize", "evolve"]
    system, driver, kwargs = study.to_ubermag(stage=0)
    assert isinstance(driver, oc.MinDriver)
    assert [type(t).__name__ for t in system.dynamics] == ["Precession", "Damping"]
    with pytest.raises(UbermagError, match="give each its drive keyword arguments"):
        Study.from_ubermag(_janus(), ["MinDriver"], t=1e-12)
    assert [s.type for s in Study.from_ubermag(_janus(), "RelaxDriver").stages] == ["relax"]


# --------------------------------------------------------------------------- refusals

def _with_energy(term):
    system = _janus()
    system.energy += term
    return system


def _refused_systems():
    cubic = _with_energy(mm.CubicAnisotropy(K=1e4, u1=(1, 0, 0), u2=(0, 1, 0)))
    mel = _with_energy(mm.MagnetoElastic(B1=1e7, B2=1e7, e_diag=(1e-3, 0, 0),
                                         e_offdiag=(0, 0, 0)))
    rkky = _with_energy(mm.RKKY(sigma=-1e-4, subregions=["left", "right"]))
    callable_ = _with_energy(mm.Zeeman(H=(0, 0, 1e5), func=lambda t: t, dt=1e-13,
                                       name="pulse"))
    tcl = _with_energy(mm.Zeeman(H=(0, 0, 1e5), name="tcl", tcl_strings={
        "script": "proc f {t} {return 1}", "script_name": "f", "script_args": "total_time",
        "energy": "Oxs_ScriptUZeeman", "type": "diagonal"}))
    cnv_x = _janus()
    cnv_x.energy.dmi.crystalclass = "Cnv_x"
    k2 = _janus()
    k2.energy -= k2.energy.uniaxialanisotropy
    k2.energy += mm.UniaxialAnisotropy(K1=1e5, K2=1e4, u=(0, 0, 1))
    ms = _janus()
    ms.m = df.Field(ms.m.mesh, nvdim=3, value=(0, 0, 1),
                    norm=lambda p: 8e5 if p[1] < 4 * NM else 6e5)
    overlap = _janus()
    overlap.m = df.Field(df.Mesh(region=overlap.m.mesh.region, cell=(NM, NM, NM), subregions={
        "a": df.Region(p1=(0, 0, 0), p2=(10 * NM, W, NM)),
        "b": df.Region(p1=(6 * NM, 0, 0), p2=(L, W, NM))}), nvdim=3, value=(0, 0, 1), norm=8e5)
    lam = _driven("sot", n=8)
    lam.dynamics.slonczewski.Lambda = 2.0
    two = _driven("sot", n=8)
    two.dynamics += mm.ZhangLi(u=(1.0, 0, 0), beta=0.1)
    no_precession = _janus()
    no_precession.dynamics -= no_precession.dynamics.precession
    return [
        (cubic, "MinDriver", {}, r"cubicanisotropy \(CubicAnisotropy\): cubic anisotropy is not"),
        (mel, "MinDriver", {}, r"\(MagnetoElastic\): magnetoelastic coupling is not"),
        (rkky, "MinDriver", {}, r"\(RKKY\): RKKY coupling"),
        (callable_, "MinDriver", {}, r"energy.pulse \(Zeeman\).func: a Python callable"),
        (tcl, "MinDriver", {}, r"energy.tcl \(Zeeman\).tcl_strings: Tcl code"),
        (cnv_x, "MinDriver", {}, r"crystal class 'Cnv_x' is not in mmstudy's model"),
        (k2, "MinDriver", {}, r"K2: higher-order uniaxial anisotropy"),
        (ms, "MinDriver", {}, r"\|m\| \(Ms\) varies within region 'left'"),
        (overlap, "MinDriver", {}, r"'a', 'b' overlap in 32 cells"),
        (lam, "TimeDriver", {"t": 1e-12, "n": 1}, r"Lambda = 2.0: .* unless Λ = 1"),
        (two, "TimeDriver", {"t": 1e-12, "n": 1}, r"oommfc runs one spin-torque evolver"),
        (no_precession, "TimeDriver", {"t": 1e-12, "n": 1}, r"a TimeDriver needs Precession"),
        (_janus(), "HysteresisDriver", {}, r"HysteresisDriver steps the field"),
        (_janus(), "TimeDriver", {"t": 1e-12}, r"expected t \(s, > 0\) and n"),
        (_janus(), "MinDriver", {"fixed_subregions": ["left"]}, r"fixed_subregions"),
    ]


@pytest.mark.parametrize("system, driver, kwargs, message", _refused_systems(),
                         ids=["cubic", "magnetoelastic", "rkky", "callable", "tcl", "Cnv_x",
                              "K2", "Ms", "overlap", "Lambda", "two_torques", "no_precession",
                              "hysteresis", "no_n", "fixed"])
def test_what_the_study_cannot_hold_is_refused(system, driver, kwargs, message, tmp_path):
    """Each term or option mmstudy does not model is refused with an UbermagError naming
    the term (or argument) and why."""
    with pytest.raises(UbermagError, match=message):
        _quiet(Study.from_ubermag, system, driver, folder=tmp_path, **kwargs)


def _study(**changes):
    return validate_study(JANUS_STUDY | changes)


@pytest.mark.parametrize("study, kwargs, message", [
    (lambda: _study(regions=[{"name": "left"}, {"name": "right", "shape": {
        "type": "disk", "centre": [8 * NM, 4 * NM], "radius": 3 * NM}}]), {},
     r"regions.right: its cells \(disk\) are not a box"),
    (lambda: _study(energy={"exchange_kernel": "12ngbr"}), {}, r"12-neighbour"),
    (lambda: _study(energy={"dmi_order": 4}), {}, r"dmi_order: .* second order"),
    (lambda: _study(stages=[{"type": "relax"}]), {}, r"stages.0: a relax stage has no oommfc"),
    (lambda: _study(sweep={"parameters": {"Hz": {"values": [0, 1e5],
                                                 "set": "drives.zeeman.H.2"}}}), {},
     r"sweeps Hz over 2 points .* choose point="),
    (lambda: _study(drives={"k": {"type": "anisotropy", "K": 1e4, "axis": [1, 0, 0],
                                  "envelope": {"type": "pulse", "t0": 0, "t1": 1e-13}}},
                    stages=[{"type": "evolve", "duration": 1e-12, "save_every": 5e-13}]), {},
     r"drives.k.envelope: .* cannot change in time"),
    (lambda: _study(stages=[{"type": "evolve", "duration": 1e-12, "save_every": 3e-13}]), {},
     r"save_every: .* whole number"),
    (lambda: _study(), {"stage": 3}, r"stage=3: the study has 1 stage"),
])
def test_what_ubermag_cannot_hold_is_refused(study, kwargs, message):
    """Each study feature ubermag's model lacks is refused naming the study field."""
    with pytest.raises(UbermagError, match=message):
        study().to_ubermag(**kwargs)


def test_one_sweep_point_converts(tmp_path):
    """With ``point=`` a sweep converts that point (its swept value in the system)."""
    study = _study(sweep={"parameters": {"Hz": {"values": [0, 1e5, 2e5],
                                                "set": "drives.zeeman.H.2"}}})
    system, _, _ = study.to_ubermag(point=2)
    assert system.energy.zeeman.H == (0.0, 2e4, 2e5)


def test_a_shipped_janus_study_converts():
    """Paper 000's SOT study (regions 'left' = all, 'right' = a half plane: two boxes of
    cells) converts at one point and stage to subregions, per-region DMI classes and a
    Slonczewski term whose J carries the OOMMF backend's mapping."""
    from mmstudy.resources import study_path
    from orchestrator.backends.oommf_terms import sot_parameters
    from orchestrator.study import expand, load_study

    study = load_study(study_path("janus/fig4_sot_current.toml"))
    system, driver, kwargs = _quiet(study.to_ubermag, stage=1, point=0)
    assert {k: (list(r.pmin), list(r.pmax)) for k, r in system.m.mesh.subregions.items()} == {
        "left": ([0, 0, 0], [50 * NM, 100 * NM, NM]),
        "right": ([50 * NM, 0, 0], [100 * NM, 100 * NM, NM])}
    assert system.energy.dmi_Cnv_z.D == {"left": -3.5e-3, "default": 0.0,
                                         "left:right": -1.75e-3}
    drive = expand(study)[0].study.drives["sot"]
    assert drive.j == 1e10  # 1 MA/cm²
    sot = system.dynamics.sot
    assert sot.J == sot_parameters(drive, dz=NM, thickness=NM)["J"] and sot.P == 1.0
    np.testing.assert_allclose(sot.mp, [0, -1, 0], atol=1e-15)  # p_angle = 270°
    assert kwargs == {"t": 1e-9, "n": 100}


# --------------------------------------------------------------------------- OOMMF

def test_oommfc_and_mmstudys_oommf_backend_relax_to_the_same_state(tmp_path, monkeypatch):
    """oommfc minimising the original Janus system and mmstudy's OOMMF backend minimising
    the converted study reach the same state.

    Both run OOMMF's Oxs_MinDriver with conjugate gradients, the same energy terms and the
    same stop (max |m × H × m| < 0.01 A/m) from the same start; the MIF files differ only in
    the atlas (oommfc's box atlases, mmstudy's script atlas), the term names and how Ms is
    given, so the iterates agree up to floating-point summation order (6e-13 when this test
    was written). 1e-6 on the unit vector leaves room for that, while a wrong sign of D, a
    missing interface bond or a field in the wrong region moves m by more than 1e-2."""
    from orchestrator.backends.oommf import OOMMFBackend

    backend = OOMMFBackend()
    info = backend.find()
    if not info.found:
        pytest.skip(f"OOMMF not available: {info.how}")
    system = _janus(m=(0.3, 0.1, 1.0), n=(12, 6, 1))
    study = Study.from_ubermag(system, "MinDriver")
    M = np.transpose(system.m.array, (2, 1, 0, 3))
    start = M / np.linalg.norm(M, axis=-1, keepdims=True)
    monkeypatch.chdir(tmp_path)
    oc.MinDriver(stopping_mxHxm=0.01).drive(system, dirname=str(tmp_path / "oommfc"),
                                            runner=private_runner(backend._command()[0]),
                                            verbose=0)
    folder = tmp_path / "mmstudy"
    backend.render(study, folder)
    backend.execute(study, folder, log=io.StringIO(), threads=1)
    ours = analysis.open_run(folder / "run.out").m.isel(t=-1).values
    M = np.transpose(system.m.array, (2, 1, 0, 3))  # oommfc's relaxed state
    theirs = M / np.linalg.norm(M, axis=-1, keepdims=True)
    assert np.abs(theirs - start).max() > 1e-2  # it did relax
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
