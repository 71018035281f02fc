"""The Python API builds the same study as a TOML file (orchestrator/study/model.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orchestrator.study import Study, load_study, validate_study
from orchestrator.study.model import (DMISpec, Evolve, FieldDrive, Material, MeshSpec, Minimize,
                                      Pulse, Region, SkyrmionSpec, Skyrmions, SOTDrive, Sweep,
                                      SweepParameter, Thermal)
from orchestrator.study.shapes import Disk, HalfPlane
from orchestrator.study.sweep import expand, point_id

TOML = '''\
name = "janus_sot"
[mesh]
extent = ["64 nm", "32 nm", "1 nm"]
cell = ["1 nm", "1 nm", "1 nm"]
pbc = "xy"
[[regions]]
name = "left"
[[regions]]
name = "right"
shape = { type = "half_plane", point = ["32 nm", 0], normal = [1, 0] }
[[regions]]
name = "dot"
shape = { type = "disk", centre = ["16 nm", "16 nm"], radius = "3 nm" }
[materials.default]
Ms = "580 kA/m"
A = "15 pJ/m"
K = "0.8 MJ/m^3"
K_axis = [0, 0, 1]
alpha = 0.3
[materials.left]
dmi = { D = "3.7 mJ/m^2", class = "Cnv_z" }
[materials.right]
dmi = [{ D = "3.7 mJ/m^2", class = "T" }]
[drives.sot]
type = "sot"
j = "3 MA/cm^2"
theta_SH = 1.0
p_angle = "270 deg"
[drives.kick]
type = "field"
H = [0, 0, "-20 mT"]
regions = ["dot"]
envelope = { type = "pulse", t0 = "0.1 ns", t1 = "0.2 ns" }
[thermal]
temperature = "10 K"
seed = 1
[initial]
type = "skyrmions"
skyrmions = [{ centre = ["32 nm", "16 nm"], radius = "8 nm", helicity = "180 deg" }]
[[stages]]
type = "minimize"
drives = []
[[stages]]
type = "evolve"
duration = "2 ns"
save_every = "20 ps"
integrator = "heun"
dt = "10 fs"
[sweep.parameters.j]
values = ["1 MA/cm^2", "3 MA/cm^2"]
set = "drives.sot.j"
'''

DICT = {
    "name": "janus_sot",
    "mesh": {"extent": [64e-9, 32e-9, 1e-9], "cell": [1e-9] * 3, "pbc": "xy"},
    "regions": [{"name": "left"},
                {"name": "right", "shape": {"type": "half_plane", "point": [32e-9, 0],
                                            "normal": [1, 0]}},
                {"name": "dot", "shape": {"type": "disk", "centre": [16e-9, 16e-9],
                                          "radius": 3e-9}}],
    "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "K": 8e5, "K_axis": [0, 0, 1],
                              "alpha": 0.3},
                  "left": {"dmi": {"D": 3.7e-3, "class": "Cnv_z"}},
                  "right": {"dmi": [{"D": 3.7e-3, "class": "T"}]}},
    "drives": {"sot": {"type": "sot", "j": 3e10, "theta_SH": 1.0,
                       "p_angle": 4.71238898038469},
               "kick": {"type": "field", "H": [0, 0, -0.02 / (4e-7 * 3.141592653589793)],
                        "regions": ["dot"],
                        "envelope": {"type": "pulse", "t0": 1e-10, "t1": 2e-10}}},
    "thermal": {"temperature": 10, "seed": 1},
    "initial": {"type": "skyrmions", "skyrmions": [{"centre": [32e-9, 16e-9],
                                                    "radius": 8e-9,
                                                    "helicity": 3.141592653589793}]},
    "stages": [{"type": "minimize", "drives": []},
               {"type": "evolve", "duration": 2e-9, "save_every": 2e-11, "integrator": "heun",
                "dt": 1e-14}],
    "sweep": {"parameters": {"j": {"values": ["1 MA/cm^2", "3 MA/cm^2"],
                                   "set": "drives.sot.j"}}},
}


def objects() -> Study:
    return Study(
        name="janus_sot",
        mesh=MeshSpec(extent=["64 nm", "32 nm", "1 nm"], cell=["1 nm"] * 3, pbc="xy"),
        regions=[Region(name="left"),
                 Region(name="right", shape=HalfPlane(point=["32 nm", 0], normal=[1, 0])),
                 Region(name="dot", shape=Disk(centre=["16 nm", "16 nm"], radius="3 nm"))],
        materials={"default": Material(Ms="580 kA/m", A="15 pJ/m", K="0.8 MJ/m^3",
                                       K_axis=[0, 0, 1], alpha=0.3),
                   "left": Material(dmi=[DMISpec(D="3.7 mJ/m^2", crystal_class="Cnv_z")]),
                   "right": Material(dmi=[DMISpec(D="3.7 mJ/m^2", crystal_class="T")])},
        drives={"sot": SOTDrive(j="3 MA/cm^2", theta_SH=1.0, p_angle="270 deg"),
                "kick": FieldDrive(H=[0, 0, "-20 mT"], regions=["dot"],
                                   envelope=Pulse(t0="0.1 ns", t1="0.2 ns"))},
        thermal=Thermal(temperature="10 K", seed=1),
        initial=Skyrmions(skyrmions=[SkyrmionSpec(centre=["32 nm", "16 nm"], radius="8 nm",
                                                  helicity="180 deg")]),
        stages=[Minimize(drives=[]),
                Evolve(duration="2 ns", save_every="20 ps", integrator="heun", dt="10 fs")],
        sweep=Sweep(parameters={"j": SweepParameter(values=["1 MA/cm^2", "3 MA/cm^2"],
                                                    set="drives.sot.j")}),
    )


def test_three_routes_give_one_study(tmp_path):
    p = tmp_path / "janus.toml"
    p.write_text(TOML)
    from_toml = load_study(p)
    from_dict = Study.model_validate(DICT)
    from_objects = objects()
    assert from_toml == from_dict == from_objects
    assert from_toml.model_dump() == from_objects.model_dump()
    ids = {point_id(s, "builtin") for s in (from_toml, from_dict, from_objects)}
    assert len(ids) == 1
    pts = [[p.id("builtin") for p in expand(s)] for s in (from_toml, from_dict, from_objects)]
    assert pts[0] == pts[1] == pts[2] and len(set(pts[0])) == 2
    assert validate_study(DICT) == from_dict


def test_model_helpers():
    s = objects()
    assert s.mesh.cells == (64, 32, 1) and s.mesh.size == pytest.approx((64e-9, 32e-9, 1e-9))
    assert s.mesh.pbc_repeats == (10, 10, 0)
    assert s.material("left").Ms == 5.8e5 and s.material("left").dmi[0].crystal_class == "Cnv_z"
    assert s.material("dot").dmi is None and s.material("dot").K == 8e5
    assert s.active_drives(0) == {} and set(s.active_drives(1)) == {"sot", "kick"}
    assert s.drives["sot"].direction == pytest.approx([0, -1, 0], abs=1e-15)
    assert s.temperature == 10.0


def test_models_are_frozen_and_strict_about_fields():
    s = objects()
    with pytest.raises(ValidationError):
        s.name = "other"
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Material(Ms=1, Mss=2)
    with pytest.raises(ValidationError, match="mesh size is missing: give extent"):
        MeshSpec(cell=[1e-9] * 3)
    with pytest.raises(ValidationError, match="not a whole number of cells"):
        MeshSpec(cell=[1e-9] * 3, extent=["10.5 nm", "10 nm", "1 nm"])
    with pytest.raises(ValidationError, match="pbc names periodic axes"):
        MeshSpec(cell=[1e-9] * 3, n=[4, 4, 1], pbc="xw")
    with pytest.raises(ValidationError, match="not both"):
        SOTDrive(j=1, theta_SH=1, p=[0, 1, 0], p_angle=0)
    with pytest.raises(ValidationError, match="one D per crystal class"):
        Material(dmi=[DMISpec(D=1e-3, crystal_class="T"), DMISpec(D=2e-3, crystal_class="T")])
    with pytest.raises(ValidationError, match="save_every .* exceeds the duration"):
        Evolve(duration="1 ns", save_every="2 ns")
