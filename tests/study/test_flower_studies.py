"""Paper 004's studies (``studies/flower/``): they load, draw the paper's flower, and the
strain pulse reaches every backend as the stages say (no solver is run).

The geometry's numbers are analytic (the flower's area 6436.6 nm², the cap's 279.4 nm²,
tests/study/test_flower_shapes.py); here the studies must put the skyrmion of each state
in its petal and the cap inside the flower, and the strain term must be the paper's
−K_s(m·e_s)², even in e_s, active in the pulse stages only.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from orchestrator.backends.builtin import BuiltinBackend, build_simulation
from orchestrator.backends.mumax3 import Mumax3Backend
from orchestrator.backends.oommf import OOMMFBackend, stage_mif
from orchestrator.study import load_study
from orchestrator.study.raster import rasterize
from orchestrator.study.sweep import expand

FOLDER = Path(__file__).resolve().parents[2] / "studies" / "flower"
STEMS = ["states", "pulse", "scan44", "scan76", "cap44", "pie"]
CENTRE = np.array([64e-9, 43.5e-9])


@pytest.mark.parametrize("stem", STEMS)
def test_every_study_loads_and_draws_the_flower(stem):
    study = load_study(FOLDER / f"{stem}.toml")
    points = expand(study)
    assert points
    raster = rasterize(points[0].study)
    film, cap = raster.mask("film"), raster.mask("cap")
    # 6440 magnetic cells for the paper's 6436.6 nm² (test_flower_shapes.py), 284 of them
    # the cap (279.4 nm²)
    assert int(film.sum() + cap.sum()) == 6440 and int(cap.sum()) == 284
    mat = points[0].study.material("cap")
    # the paper's cap (cap44 lowers it on purpose: its sweep's values)
    assert mat.K == pytest.approx(0.84e6 if stem == "cap44" else 0.93e6)
    assert points[0].study.material("film").K == pytest.approx(0.80e6)


def _petal(x: float, y: float) -> str:
    """Which petal the point (m) lies towards: the nearest petal direction from the centre."""
    ang = math.degrees(math.atan2(y - CENTRE[1], x - CENTRE[0])) % 360
    return min(("III", 90), ("II", 210), ("I", 330),
               key=lambda p: abs((ang - p[1] + 180) % 360 - 180))[0]


def test_states_put_each_skyrmion_in_its_petal():
    study = load_study(FOLDER / "states.toml")
    seen = {}
    for p in expand(study):
        init = p.study.initial
        if p.params["label"] == "empty":
            assert init.type == "uniform"
            continue
        (sk,) = init.skyrmions
        x, y = sk.centre
        seen[p.params["label"]] = _petal(x, y)
        # the well: 35.62 nm from the centre (the half-ellipse's centroid, 4a/3π beyond
        # the base at the inradius 44/(2√3) nm)
        r = 44 / (2 * math.sqrt(3)) + 4 * 54 / (3 * math.pi)
        assert math.hypot(x - CENTRE[0], y - CENTRE[1]) == pytest.approx(r * 1e-9, abs=2e-12)
        raster = rasterize(p.study)
        ix, iy = int(x / 1e-9), int(y / 1e-9)
        assert raster.mask("film")[0, iy, ix]   # in the film, not on the cap
    assert seen == {"I": "I", "II": "II", "III": "III"}


def test_states_I_and_II_are_mirror_images():
    # the raster is mirror-exact in x about x = 64 nm (test_flower_shapes.py), so States I
    # and II must start mirror-exact too: the energies of the relaxed states are then equal
    # to rounding, the design's check of the raster and the offset
    pts = {p.params["label"]: p.study for p in expand(load_study(FOLDER / "states.toml"))}
    x1, y1 = pts["I"].initial.skyrmions[0].centre
    x2, y2 = pts["II"].initial.skyrmions[0].centre
    assert x1 + x2 == pytest.approx(2 * 64e-9, abs=1e-15) and y1 == y2


def _pulse_point():
    return expand(load_study(FOLDER / "pulse.toml"))[0].study


def test_pulse_stages_switch_the_strain():
    study = _pulse_point()
    active = [sorted(study.active_drives(k)) for k in range(len(study.stages))]
    assert active == [[], ["strain"], ["strain"], []]
    assert sum(st.duration for st in study.stages[1:3]) == pytest.approx(4e-9)
    assert study.stages[3].duration == pytest.approx(2e-9)
    axis = np.asarray(study.drives["strain"].axis, float)
    assert math.degrees(math.atan2(axis[1], axis[0])) == pytest.approx(30)


def test_pulse_on_oommf_has_the_strain_in_the_pulse_stages_only():
    study = _pulse_point()
    assert OOMMFBackend().missing(study) == {}
    mifs = [stage_mif(study, k) for k in range(len(study.stages))]
    terms = [re.findall(r"Specify Oxs_UniaxialAnisotropy:(\w+)", mif) for mif in mifs]
    # the film's PMA in every stage, the strain's second uniaxial anisotropy in 1 and 2,
    # along φ = 30°
    assert terms == [["anis"], ["anis", "strain"], ["anis", "strain"], ["anis"]]
    assert "axis {0.8660254037844387 0.5 0.0}" in mifs[1]


def test_pulse_on_mumax3_refuses_the_term_fields_with_the_reason():
    study = _pulse_point()
    missing = Mumax3Backend().missing(study)
    assert set(missing) == {"evolve.term_fields"}
    assert "stages.1.fields" in missing["evolve.term_fields"]
    assert BuiltinBackend().missing(study) == {}


def test_strain_field_is_even_in_the_axis():
    """The strain term 2K_s(m·u)u/μ0Ms is the same field for u and −u, bitwise (IEEE
    products of two negated factors are exact), so an outcome at φ + 180° is the outcome at
    φ: the pie covers [0°, 180°) only."""
    base = _pulse_point().model_dump()
    base["energy"]["demag"] = False   # only the strain term is compared
    fields = []
    for sign in (1, -1):
        d = {**base, "drives": {"strain": {**base["drives"]["strain"],
                                           "axis": [sign * a for a in
                                                    base["drives"]["strain"]["axis"]]}}}
        from orchestrator.study import validate_study

        sim, _ = build_simulation(validate_study(d))
        rng = np.random.default_rng(0)
        m = rng.normal(size=sim.m.shape)
        m /= np.linalg.norm(m, axis=-1, keepdims=True)
        (term,) = [t for t in sim.terms if t.name == "strain"]
        out = np.zeros_like(m)
        term.add_field(m, 0.0, out)
        fields.append(out)
    assert np.abs(fields[0]).max() > 0
    assert np.array_equal(fields[0], fields[1])


def test_pulse_on_mumax3_sets_and_resets_the_strain_carrier(tmp_path):
    """Without the term fields (the sweep studies save m only) mumax3 takes the pulse: the
    strain's custom field 2K_s(m·u)u/Ms rides on a carrier (exx) set to 2K_s before each
    pulse stage's run and to 0 before the relaxation and the free stage."""
    from orchestrator.study import validate_study

    d = _pulse_point().model_dump()
    d["stages"][1]["fields"] = ["m"]
    study = validate_study(d)
    assert Mumax3Backend().missing(study) == {}
    Mumax3Backend().render(study, tmp_path)
    lines = (tmp_path / "run.mx3").read_text().splitlines()
    sets = [ln.strip() for ln in lines if re.match(r"\s*exx = ", ln)
            or re.match(r"\s*(minimize\(\)|run\()", ln)]
    # each stage: the carrier's value, then the stage's solver call(s)
    values = [s.split("=")[1].strip() for s in sets if s.startswith("exx")]
    assert [float(v) for v in values] == [0.0, 4e5, 4e5, 0.0]
    first_run = next(i for i, s in enumerate(sets) if s.startswith("run("))
    assert sets[:2] == ["exx = 0", "minimize()"] and sets[first_run - 1] == "exx = 400000.0"
    assert sets[-2] == "exx = 0" and sets[-1].startswith("run(")
