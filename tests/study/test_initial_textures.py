"""The ``textures`` initial state: textures of analysis.texture_library placed in a study,
composed and wrapped on periodic axes; their charges are the library's (checked there
with the lattice charge), so here each composed state's lattice Q must be their sum."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.textures import as_dataarray
from analysis.topology import topological_charge
from orchestrator.study.initial import initial_m
from orchestrator.study.load import StudyError, validate_study
from orchestrator.study.raster import rasterize


def _m(textures, rule="max", pbc="xy"):
    s = validate_study({"name": "t", "mesh": {"n": [96, 64, 1], "cell": ["1 nm"] * 3, "pbc": pbc},
                        "materials": {"default": {"Ms": "384 kA/m"}},
                        "initial": {"type": "textures", "textures": textures, "rule": rule},
                        "stages": [{"type": "minimize"}]}, source="t.toml")
    return initial_m(s, rasterize(s))


def _Q(m):
    # the lattice (Berg–Lüscher) charge is integer on a periodic grid
    return float(topological_charge(as_dataarray(m[0], 1e-9, 1e-9, pbc="xy"), method="lattice")
                 .squeeze())


@pytest.mark.parametrize("rule", ["max", "stereographic"])
def test_composed_textures_add_their_charges(rule):
    m = _m([{"kind": "kpi", "k": 1, "centre": ["20 nm", "32 nm"], "radius": "8 nm"},
            {"kind": "antiskyrmion", "centre": ["50 nm", "32 nm"], "radius": "8 nm",
             "ellipticity": 1.5, "orientation": "30 deg"},
            {"kind": "kpi", "k": 2, "centre": ["80 nm", "32 nm"], "radius": "10 nm"}], rule)
    assert np.allclose(np.linalg.norm(m, axis=-1), 1.0)
    assert _Q(m) == pytest.approx(-1 + 1 + 0, abs=1e-9)


def test_a_texture_across_the_periodic_seam_and_a_bag():
    m = _m([{"kind": "kpi", "centre": ["2 nm", "2 nm"], "radius": "6 nm"},  # wraps
            {"kind": "bag", "centre": ["55 nm", "32 nm"], "radius": "25 nm",
             "inner": [{"centre": ["47 nm", "32 nm"], "radius": "4 nm"},
                       {"centre": ["63 nm", "32 nm"], "radius": "4 nm"}]}])
    assert _Q(m) == pytest.approx(-1 + (2 - 1), abs=1e-9)


def test_an_unknown_kind_names_the_field():
    with pytest.raises(StudyError, match=r"initial\.textures\.0\.kind"):
        _m([{"kind": "blob", "centre": [0, 0], "radius": 1e-9}])
