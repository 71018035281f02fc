"""What a study needs from a backend (orchestrator/study/features.py): exact sets, and
the study field each feature is asked for by."""

from __future__ import annotations

import pytest
from study_helpers import study

from orchestrator.study.features import FEATURES, required_features

HALVES = [{"name": "left"},
          {"name": "right", "shape": {"type": "half_plane", "point": [8e-9, 0], "normal": [1, 0]}}]
BASE_MAT = {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.3}


def test_plain_film():
    assert required_features(study()) == {"exchange": "materials.*.A",
                                          "stage.minimize": "stages.0"}


def test_janus_two_classes_is_mixed_dmi():
    s = study(regions=HALVES, materials={
        "default": BASE_MAT, "left": {"dmi": {"D": 3.7e-3, "class": "Cnv_z"}},
        "right": {"dmi": {"D": 3.7e-3, "class": "T"}}})
    assert required_features(s) == {
        "exchange": "materials.*.A", "dmi.Cnv_z": "materials.left.dmi",
        "dmi.T": "materials.right.dmi", "dmi.mixed": "materials.*.dmi",
        "stage.minimize": "stages.0"}


def test_janus_with_zero_interface():
    s = study(regions=HALVES, energy={"dmi_interface": "zero"}, materials={
        "default": BASE_MAT, "left": {"dmi": {"D": 3.7e-3, "class": "Cnv_z"}},
        "right": {"dmi": {"D": -3.7e-3, "class": "Cnv_z"}}})
    assert set(required_features(s)) == {"exchange", "dmi.Cnv_z", "dmi.interface_zero",
                                         "stage.minimize"}


def test_twelve_neighbour_exchange_with_pbc():
    s = study(mesh={"n": [16, 16, 1], "cell": [1e-9] * 3, "pbc": "xy"},
              energy={"exchange_kernel": "12ngbr"})
    assert required_features(s) == {
        "mesh.pbc": "mesh.pbc", "exchange": "materials.*.A",
        "exchange.12ngbr": "energy.exchange_kernel",
        "exchange.12ngbr.pbc": "energy.exchange_kernel", "stage.minimize": "stages.0"}


def test_twelve_neighbour_exchange_with_regions_or_vacuum():
    two_A = study(regions=HALVES, energy={"exchange_kernel": "12ngbr"},
                  materials={"default": BASE_MAT, "right": {"A": 1e-11}})
    assert "exchange.12ngbr.regions" in required_features(two_A)
    same = study(regions=HALVES, energy={"exchange_kernel": "12ngbr"},
                 materials={"default": BASE_MAT})
    assert "exchange.12ngbr.regions" not in required_features(same)
    holed = study(regions=[{"name": "d", "shape": {"type": "disk", "centre": [8e-9, 8e-9],
                                                   "radius": 6e-9}}],
                  energy={"exchange_kernel": "12ngbr"})
    assert {"mesh.vacuum", "exchange.12ngbr.regions"} <= set(required_features(holed))


def test_sot_with_temperature_is_thermal_torque():
    s = study(thermal={"temperature": "300 K", "seed": 1},
              drives={"sot": {"type": "sot", "j": 1e10, "theta_SH": 0.1, "p": [0, -1, 0]}},
              stages=[{"type": "evolve", "duration": 1e-10, "save_every": 1e-11,
                       "integrator": "heun", "dt": 1e-14}])
    assert required_features(s) == {
        "exchange": "materials.*.A", "sot": "drives.sot", "thermal": "thermal.temperature",
        "thermal.torque": "thermal.temperature", "stage.evolve": "stages.0",
        "integrator.heun": "stages.0.integrator"}


def test_zero_temperature_is_not_thermal():
    s = study(thermal={"temperature": 0},
              drives={"zl": {"type": "zhang_li", "j": [1e11, 0, 0], "P": 0.4, "xi": 0.1}})
    assert set(required_features(s)) == {"exchange", "zhang_li", "stage.minimize"}


def test_region_field_with_pulse():
    s = study(regions=[{"name": "a"}, {"name": "b", "shape": {"type": "disk",
                                                              "centre": [8e-9, 8e-9],
                                                              "radius": 3e-9}}],
              drives={"h": {"type": "field", "H": [0, 0, "50 mT"], "regions": ["b"],
                            "envelope": {"type": "pulse", "t0": 0, "t1": "0.1 ns"}}})
    assert required_features(s) == {
        "exchange": "materials.*.A", "field": "drives.h", "field.region": "drives.h.regions",
        "field.time": "drives.h.envelope", "stage.minimize": "stages.0"}


def test_everything_else():
    s = study(mesh={"n": [16, 16, 2], "cell": [1e-9] * 3, "pbc": "x"},
              regions=HALVES,
              materials={"default": {**BASE_MAT, "K": 8e5, "K_axis": [0, 0, 1]},
                         "right": {"gamma0": 1.76e11 * 4e-7 * 3.141592653589793}},
              energy={"demag": True},
              drives={"strain": {"type": "anisotropy", "K": 2e5, "axis": [1, 0, 0]},
                      "sot": {"type": "sot", "j": 1e10, "theta_SH": 0.1, "p_angle": "90 deg",
                              "field_like": 0.3}},
              initial={"type": "random"},
              stages=[{"type": "relax"},
                      {"type": "evolve", "duration": 1e-10, "save_every": 1e-11,
                       "integrator": "rk4", "dt": 1e-14, "fields": ["m", "B_exch"]}])
    assert set(required_features(s)) == {
        "mesh.pbc", "exchange", "anisotropy", "demag", "demag.pbc", "gamma.regions",
        "anisotropy_drive", "sot", "sot.field_like", "stage.relax", "stage.evolve",
        "integrator.rk4", "evolve.term_fields"}


def test_initial_file_and_zero_D(tmp_path):
    p = tmp_path / "m.ovf"
    p.write_bytes(b"")
    s = study(initial={"type": "file", "path": str(p)},
              materials={"default": {**BASE_MAT, "dmi": {"D": 0, "class": "T"}}})
    assert set(required_features(s)) == {"exchange", "initial.file", "stage.minimize"}


@pytest.mark.parametrize("sections", [
    {}, {"energy": {"demag": True, "exchange_kernel": "12ngbr"}},
    {"mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3, "pbc": "xyz"}},
])
def test_features_are_known_names(sections):
    assert set(required_features(study(**sections))) <= FEATURES
