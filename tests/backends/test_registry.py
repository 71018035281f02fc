"""One home per physics term: the translator registries of the backends
(orchestrator/backends/registry.py), the features that follow from them, the refusal of
a term without a translator, and the README capability table generated from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.backends import capabilities
from orchestrator.backends.base import UnsupportedFeature, get_backend
from orchestrator.backends.builtin import BuiltinBackend
from orchestrator.backends.registry import Registry
from orchestrator.study import validate_study
from orchestrator.study.features import FEATURES, GENERAL_FEATURES, required_features
from orchestrator.study.terms import SPECS, DMITerm, terms

README = Path(__file__).resolve().parents[2] / "README.md"
BACKEND_NAMES = ("builtin", "mumax3", "oommf")


def study(**sections):
    """A 16 × 16 × 1 film with exchange and one minimise stage, sections replaced."""
    data = {"name": "s", "mesh": {"n": [16, 16, 1], "cell": [1e-9] * 3},
            "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.3}},
            "stages": [{"type": "minimize"}]}
    data.update(sections)
    return validate_study(data)


def test_every_spec_declares_its_name_features_and_label():
    for spec in SPECS:
        assert spec.kind and spec.label, spec
        assert spec.FEATURES and set(spec.FEATURES) <= FEATURES, spec
    kinds = [s.kind for s in SPECS]
    assert len(set(kinds)) == len(kinds)


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_features_follow_from_the_registry(name):
    backend = get_backend(name)
    term_features = {f for spec in SPECS if spec in backend.translators for f in spec.FEATURES}
    assert backend.features == (backend.general | term_features) - backend.unsupported
    # every term of the study model has a translator on each of today's backends
    assert all(spec in backend.translators for spec in SPECS)


def test_the_feature_sets_are_what_each_backend_declared_before_the_registries():
    # the explicit sets of the backends before this refactoring (FEATURES minus ...), less
    # the fourth-order DMI and Zhang–Li variants that mumax3 and OOMMF do not run (paper 003)
    order4 = {"dmi.order4", "zhang_li.order4"}
    # the built-in solver runs both (issue 14), but not the fourth-order DMI with regions
    assert get_backend("builtin").features == FEATURES - {"gamma.regions",
                                                          "exchange.12ngbr.regions",
                                                          "dmi.order4.regions"}
    # mumax3 runs both as correction fields (issue 14), the DMI one not with regions
    # neither has the lattice antiferromagnet (issue 15); the built-in solver has; mumax3's
    # DMI is not the lattice's missing bond at a free edge (OOMMF's bond-form DMI is)
    assert get_backend("mumax3").features == FEATURES - {
        "gamma.regions", "evolve.term_fields", "exchange.12ngbr.regions",
        "dmi.order4.regions", "exchange.afm", "dmi.lattice_edge"}
    assert get_backend("oommf").features == FEATURES - {"exchange.12ngbr.regions",
                                                        "exchange.afm"} - order4
    assert GENERAL_FEATURES.isdisjoint({f for s in SPECS for f in s.FEATURES})


class _NoDMI(BuiltinBackend):
    """A backend that lacks one translator: the built-in one without DMI."""

    name = "no-dmi"
    translators = Registry("no-dmi")


for _item in BuiltinBackend.translators:
    if _item.spec is not DMITerm:
        _NoDMI.translators.register(_item.spec, _item.note)(_item.fn)


def test_a_term_without_a_translator_is_refused_before_running():
    s = study(materials={"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.3,
                                     "dmi": {"D": 3e-3, "class": "T"}}})
    assert "dmi.T" in required_features(s)
    backend = _NoDMI()
    assert "dmi.T" not in backend.features
    with pytest.raises(UnsupportedFeature) as err:
        backend.check(s)
    text = str(err.value)
    assert "dmi.T (asked for by materials.body.dmi (backend 'no-dmi' has no translator " \
           "for DMITerm))" in text
    # the same study without DMI passes the same backend
    backend.check(study())


def test_terms_lists_energy_terms_then_drives_in_study_order():
    s = study(energy={"demag": True},
              materials={"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.3, "K": 1e5,
                                     "K_axis": [0, 0, 1]}},
              drives={"b": {"type": "field", "H": [0, 0, 1e3]},
                      "a": {"type": "sot", "j": 1e10, "theta_SH": 0.1, "p": [0, 1, 0]}})
    assert [n for n, _ in terms(s)] == ["exch", "anis", "Demag", "b", "a"]


def test_readme_capability_table_is_generated_from_the_registries():
    text = README.read_text(encoding="utf-8")
    assert capabilities.BEGIN in text and capabilities.END in text
    assert capabilities.replace_table(text) == text, (
        "README.md's capability table is out of date: run "
        "python -m orchestrator.backends.capabilities --write README.md")
