"""A point's content-hash id must not change when mmstudy gains a field the study does not
use: finished runs are found by their ids, and a new default must not orphan them."""

from __future__ import annotations

import pytest

from mmstudy.resources import study_path
from orchestrator.study.load import load_study, validate_study
from orchestrator.study.sweep import expand

#: ids computed by mmstudy at commit cbf05c9, before energy.dmi_order, a Zhang–Li drive's
#: order and I, [units] and the textures initial state existed (the folder names of the
#: runs that commit made); a regression test of id stability, not of physics
PINNED = {"janus/fig5_thermal.toml": ["7849931b32f16f46", "1fb7335c78ef1ad2",
                                      "9269f53abee8eac6", "c2c902951fdb6896",
                                      "305774811ff442ce", "f8ca6a98c2e738b2"],
          "demo/skyrmion_sot.toml": ["71fbfd9ffff3736e", "3686844c74d29bed"]}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_ids_of_shipped_studies_survive_new_fields(name):
    assert [p.id("builtin") for p in expand(load_study(study_path(name)))] == PINNED[name]


def _id(**energy):
    s = validate_study({"name": "x", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
                        "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11,
                                                  "dmi": {"D": 3e-3, "class": "T"}}},
                        "energy": energy, "stages": [{"type": "minimize"}]})
    return expand(s)[0].id("builtin")


def test_a_new_field_counts_only_when_it_is_not_its_default():
    assert _id() == _id(dmi_order=2)          # the new field at its default: the same id
    assert _id() != _id(dmi_order=4)          # used: different physics, a different id
    assert _id() != _id(exchange_kernel="12ngbr")  # an old field always counts
