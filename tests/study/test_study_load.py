"""Study files (orchestrator/study/load.py): every error names the file, the field path
and, where the key is written in the file, its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestrator.study import StudyError, load_study, validate_study
from orchestrator.study.model import FromFile

BASE = '''\
name = "film"

[mesh]
n = [16, 16, 1]
cell = ["1 nm", "1 nm", "1 nm"]

[[regions]]
name = "left"

[[regions]]
name = "right"
shape = { type = "half_plane", point = ["8 nm", 0], normal = [1, 0] }

[materials.default]
Ms = "580 kA/m"
A = "15 pJ/m"
alpha = 0.3

[materials.left]
dmi = { D = "3.7 mJ/m^2", class = "Cnv_z" }

[materials.right]
dmi = { D = "3.7 mJ/m^2", class = "T" }

[drives.hz]
type = "field"
H = [0, 0, "100 mT"]

[[stages]]
type = "minimize"

[[stages]]
type = "evolve"
duration = "1 ns"
save_every = "10 ps"
'''


def write(tmp_path: Path, text: str, name: str = "study.toml") -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def edit(old: str, new: str) -> str:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def line_of(text: str, fragment: str, nth: int = 1) -> int:
    """1-based line of the nth line of ``text`` containing ``fragment``."""
    hits = [i + 1 for i, ln in enumerate(text.splitlines()) if fragment in ln]
    return hits[nth - 1]


def error_of(tmp_path: Path, text: str) -> tuple[StudyError, str]:
    p = write(tmp_path, text)
    with pytest.raises(StudyError) as err:
        load_study(p)
    msg = str(err.value)
    assert msg.startswith(f"{p}: ") and err.value.source == str(p)
    return err.value, msg


def test_base_study_is_valid(tmp_path):
    s = load_study(write(tmp_path, BASE))
    assert s.mesh.cells == (16, 16, 1) and [r.name for r in s.regions] == ["left", "right"]
    assert s.material("right").dmi[0].crystal_class == "T"


@pytest.mark.parametrize("case, old, new, field, line_fragment, nth, words", [
    ("missing required field", 'cell = ["1 nm", "1 nm", "1 nm"]\n', "",
     "mesh.cell", "[mesh]", 1, ["required field missing"]),
    ("misspelt key", "alpha = 0.3", "alpah = 0.3",
     "materials.default.alpah", "alpah", 1, ["unknown field"]),
    ("wrong unit dimension", 'A = "15 pJ/m"', 'A = "15 pJ/m^2"',
     "materials.default.A", "pJ/m^2", 1, ["'15 pJ/m^2'", "J/m"]),
    ("bad enum", 'class = "Cnv_z"', 'class = "Cnv"',
     "materials.left.dmi.0.class", '"Cnv"', 1, ["'Cnv_z'", "'T'", "'D2d_z'", "'Cnv'"]),
    ("material of an unknown region", "[materials.right]", "[materials.rigth]",
     "materials.rigth", "[materials.rigth]", 1, ["no such region", "left, right"]),
    ("stage names an unknown drive", 'type = "minimize"', 'type = "minimize"\ndrives = ["hx"]',
     "stages.0.drives", 'drives = ["hx"]', 1, ["no drive 'hx'", "hz"]),
    ("wrong dimension in a drive vector", 'H = [0, 0, "100 mT"]', 'H = [0, 0, "100 mJ"]',
     "drives.hz.H", "100 mJ", 1, ["A/m"]),
    ("unknown field inside an inline shape", "normal = [1, 0] }", "normal = [1, 0], pint = 3 }",
     "regions.1.shape.pint", "pint", 1, ["unknown field"]),
    ("second stage, its key", 'duration = "1 ns"', 'duration = "1 nm"',
     "stages.1.duration", 'duration = "1 nm"', 1, ["not a quantity in s"]),
    ("second stage, a key both stages have", 'type = "evolve"', 'type = "evolv"',
     "stages.1.type", 'type = "evolv"', 1, ["unknown type 'evolv'", "'evolve'"]),
    ("table without its type", 'type = "field"\n', "",
     "drives.hz.type", "[drives.hz]", 1, ["required field missing"]),
    ("missing key in the second stage", 'save_every = "10 ps"\n', "",
     "stages.1.save_every", "[[stages]]", 2, ["required field missing"]),
    ("region without Ms anywhere", 'Ms = "580 kA/m"\n', "",
     "materials.left.Ms", "[materials.left]", 1, ["no saturation magnetisation"]),
    ("heun without dt", 'save_every = "10 ps"', 'save_every = "10 ps"\nintegrator = "heun"',
     "stages.1", "[[stages]]", 2, ["integrator 'heun' takes a fixed step: give dt"]),
    ("bad region name", 'name = "right"', 'name = "default"',
     "regions.1.name", 'name = "default"', 1, ["identifiers other than 'default'"]),
])
def test_errors_name_file_field_and_line(tmp_path, case, old, new, field, line_fragment, nth,
                                         words):
    text = edit(old, new)
    err, msg = error_of(tmp_path, text)
    line = line_of(text, line_fragment, nth)
    assert f"line {line}: {field}: " in msg, (case, msg)
    for w in words:
        assert w in msg, (case, w, msg)


def test_thermal_evolve_without_dt(tmp_path):
    text = edit("[[stages]]\ntype = \"minimize\"",
                "[thermal]\ntemperature = \"300 K\"\n\n[[stages]]\ntype = \"minimize\"")
    err, msg = error_of(tmp_path, text)
    assert f"line {line_of(text, '[[stages]]', 2)}: stages.1: " in msg
    assert "temperature needs a fixed-step integrator (heun or rk4) and dt" in msg


def test_invalid_toml_gives_the_line(tmp_path):
    text = edit("alpha = 0.3", "alpha = = 0.3")
    err, msg = error_of(tmp_path, text)
    assert "not valid TOML" in msg
    assert f"line {line_of(text, 'alpha = = 0.3')}" in msg


def test_several_problems_are_all_reported(tmp_path):
    text = edit("alpha = 0.3", "alpah = 0.3").replace('A = "15 pJ/m"', 'A = "15 pJ/m^2"')
    err, msg = error_of(tmp_path, text)
    assert len(err.problems) == 2
    assert "materials.default.alpah" in msg and "materials.default.A" in msg


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nope.toml"))):
        load_study(tmp_path / "nope.toml")


def test_relative_initial_file_is_resolved_against_the_study_folder(tmp_path, monkeypatch):
    folder = tmp_path / "studies" / "deep"
    text = BASE + '\n[initial]\ntype = "file"\npath = "states/m0.ovf"\n'
    p = write(folder, text)
    monkeypatch.chdir(tmp_path)                 # somewhere else entirely
    s = load_study(Path("studies/deep/study.toml"))
    assert isinstance(s.initial, FromFile)
    assert Path(s.initial.path) == (folder / "states" / "m0.ovf").resolve()
    # an absolute path is kept
    absolute = tmp_path / "elsewhere.ovf"
    p.write_text(BASE + f'\n[initial]\ntype = "file"\npath = "{absolute}"\n')
    assert Path(load_study(p).initial.path) == absolute
    # validate_study without base_dir leaves it as written
    from orchestrator.study.load import read_toml
    data = read_toml(folder / "study.toml")
    data["initial"]["path"] = "rel.ovf"
    assert validate_study(data).initial.path == "rel.ovf"


def test_validate_study_of_a_mapping_names_its_source():
    with pytest.raises(StudyError) as err:
        validate_study({"name": "x"}, source="my dict")
    msg = str(err.value)
    assert msg.startswith("my dict: ")
    for field in ("mesh", "materials", "stages"):
        assert f"{field}: required field missing" in msg
