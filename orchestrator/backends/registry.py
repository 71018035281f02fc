"""Per-backend registries of physics-term translators.

Every backend has one :class:`Registry`: one translator function per spec type of
:mod:`orchestrator.study.terms` (exchange, DMI, anisotropy, demag, and each drive
type), registered with a decorator next to the function, after oommfc's
``scripts/energy.py`` (one ``<term>_script`` per term)::

    TRANSLATORS = Registry("builtin")

    @TRANSLATORS.register(ExchangeTerm, "✓ OOMMF's kernel, periodic too")
    def _exchange(name, spec, ctx):
        ...

What a translator takes and returns is the backend's own business (a solver term,
micromagneticmodel terms, lines of a mumax3 plan); the registry only knows which
spec types a backend can translate. From that follow:

* the term features a backend supports (:attr:`Registry.features`);
* the refusal of a study with a term the backend cannot translate, before anything
  runs (:meth:`Registry.missing`);
* the capability table of the README (:mod:`orchestrator.backends.capabilities`),
  each cell being the note a translator was registered with.

Examples
--------
>>> from orchestrator.study.terms import DemagTerm
>>> reg = Registry("toy")
>>> @reg.register(DemagTerm, "✓ (by hand)")
... def _demag(name, spec, ctx):
...     return f"demag {name}"
>>> DemagTerm in reg, reg.note(DemagTerm), reg.translate("Demag", DemagTerm(), None)
(True, '✓ (by hand)', 'demag Demag')
>>> sorted(reg.features)
['demag', 'demag.pbc']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from orchestrator.study.terms import spec_features

__all__ = ["Registry", "Translator"]


@dataclasses.dataclass(frozen=True)
class Translator:
    """One registered translator: the function and its capability-table note."""

    spec: type
    fn: Callable[..., Any]
    note: str


class Registry:
    """The translators of one backend, keyed by spec type (see the module docstring)."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self._items: dict[type, Translator] = {}

    def register(self, spec: type, note: str = "✓") -> Callable[[Callable], Callable]:
        """Decorator: register ``fn(name, spec, ctx)`` as the translator of ``spec``
        instances, with ``note`` its cell in the capability table."""
        def deco(fn: Callable) -> Callable:
            if spec in self._items:
                raise ValueError(f"{self.backend}: a translator for {spec.__name__} exists")
            self._items[spec] = Translator(spec, fn, note)
            return fn
        return deco

    def __contains__(self, spec: type) -> bool:
        return spec in self._items

    def __iter__(self):
        return iter(self._items.values())

    def note(self, spec: type) -> str | None:
        """The capability-table note of ``spec`` (None: no translator)."""
        item = self._items.get(spec)
        return item.note if item else None

    def translate(self, name: str, spec: Any, ctx: Any) -> Any:
        """Call the translator of ``type(spec)`` with ``(name, spec, ctx)``."""
        try:
            item = self._items[type(spec)]
        except KeyError:
            raise KeyError(f"backend {self.backend!r} has no translator for "
                           f"{type(spec).__name__} ({name!r})") from None
        return item.fn(name, spec, ctx)

    @property
    def features(self) -> frozenset[str]:
        """Every feature of the spec types this registry translates."""
        return frozenset(f for item in self._items.values() for f in item.spec.FEATURES)

    def missing(self, specs: list[tuple[str, Any]], study: Any, raster: Any) -> dict[str, str]:
        """Features asked for by terms that have no translator here (feature → the
        study field that asks, and why)."""
        out: dict[str, str] = {}
        for name, spec in specs:
            if type(spec) in self._items:
                continue
            for feature, where in spec_features(name, spec, study, raster).items():
                out.setdefault(feature, f"{where} (backend {self.backend!r} has no translator "
                                        f"for {type(spec).__name__})")
        return out
