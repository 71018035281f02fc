"""Adaptive sweeps: bisection where the outcome changes (``[sweep.refine]``).

Along the refined parameter, one *line* per value of the other swept parameters, the
points lie on the lattice ``values[0] + k·step`` (:class:`orchestrator.study.sweep.
Lattice`). Generation 0 is the ordinary (coarse) grid. After a generation has run, every
finished point is classified by a registered classifier (:data:`CLASSIFIERS`; the label
is cached in ``<id>/outcome.json`` with the classifier's name and parameters, and
recomputed when it is missing, when they change or when the point ran again), and each
pair of neighbours on a line whose labels differ and which are more than one step apart
gets its midpoint ``⌊(k_i + k_j)/2⌋`` (with a period, the pair (last, first + period) too:
:func:`plan_midpoints`). The next generation runs those; it stops when no pair adds a point.

A point that failed is labelled ``Failed``: the intervals touching it are not refined
and the summary names them (``--retry-failed`` reruns it, and refinement then goes on).
``max_points`` (default 4 × the coarse count) bounds the sweep. Everything is a function
of the folders' outcomes, so :func:`refine_plan` (called by ``plan_study``) replays the
generations from the folders as they are, without running: a resumed run runs no point
twice, and reports see the refined points.

Examples
--------
>>> m = plan_midpoints({"line": {0: "I", 8: "II", 16: "II"}}, period=18)
>>> m.add, m.failed
([('line', 4), ('line', 17)], [])
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestrator.dispatch.folders import (DONE, FAILED, MANIFEST_FILE, is_done, now_iso,
                                           read_json, read_status, write_json, write_manifest)
from orchestrator.study.load import StudyError
from orchestrator.study.sweep import Lattice, expand_at, lattice

from mmstudy.layout import OUTCOME_FILE

if TYPE_CHECKING:
    from orchestrator.dispatch.run import Plan, PlannedPoint, RunSummary

__all__ = ["CLASSIFIERS", "FAILED_LABEL", "OUTCOME_FILE", "Classifier", "Midpoints",
           "Refinement", "register_classifier", "plan_midpoints", "outcome", "refine_plan",
           "advance", "run_generations"]

#: the label of a point that failed (its intervals are not refined)
FAILED_LABEL = "Failed"
#: a classifier: (point folder, its parameters from [sweep.refine.classify]) -> the label,
#: or a mapping with a "label" and more (all of it goes into outcome.json)
Classifier = Callable[[Path, dict[str, Any]], "str | Mapping[str, Any]"]
#: the registered classifiers, by the name ``[sweep.refine].outcome`` gives
CLASSIFIERS: dict[str, Classifier] = {}


def register_classifier(name: str) -> Callable[[Classifier], Classifier]:
    """Decorator registering a classifier under ``name`` (a second function of that name
    is refused; registering the same function again is allowed)."""
    def add(func: Classifier) -> Classifier:
        old = CLASSIFIERS.get(name)
        if old is not None and (old.__module__, old.__qualname__) != \
                (func.__module__, func.__qualname__):
            raise ValueError(f"a classifier named {name!r} is registered already "
                             f"({old.__module__}.{old.__qualname__})")
        CLASSIFIERS[name] = func
        return func
    return add


@dataclasses.dataclass
class Midpoints:
    """What one generation adds: ``add`` (line, k); the intervals (line, k_i, k_j) not
    refined because an end ``failed``, and those ``waiting`` for an end's outcome."""

    add: list[tuple[Hashable, int]]
    failed: list[tuple[Hashable, int, int]]
    waiting: list[tuple[Hashable, int, int]]


def plan_midpoints(lines: Mapping[Hashable, Mapping[int, str | None]], *,
                   period: int | None = None) -> Midpoints:
    """The midpoints to add, from each line's labels by lattice index k (``None``: not
    finished); a pure function.

    A pair of neighbours whose labels differ and which are more than one step apart gets
    ``⌊(k_i + k_j)/2⌋``; with ``period`` (in steps) the pair (last, first + period), the
    first's label, too. A pair with a ``Failed`` end is not refined (``failed``), one with
    an unfinished end waits (``waiting``).
    """
    out = Midpoints([], [], [])
    for key, labels in lines.items():
        ks = sorted(labels)
        pairs = [(a, labels[a], b, labels[b]) for a, b in zip(ks, ks[1:])]
        if period and ks:
            pairs.append((ks[-1], labels[ks[-1]], ks[0] + period, labels[ks[0]]))
        for a, la, b, lb in pairs:
            if la is None or lb is None:
                out.waiting.append((key, a, b))
            elif FAILED_LABEL in (la, lb):
                out.failed.append((key, a, b))
            elif la != lb and b - a > 1:
                out.add.append((key, (a + b) // 2))
    return out


def outcome(folder: str | Path, name: str, params: Mapping[str, Any]) -> str:
    """The label of the finished point in ``folder`` by classifier ``name``, cached in
    ``outcome.json`` (with the classifier's name and parameters and the attempt's id)."""
    folder = Path(folder)
    params = json.loads(json.dumps(dict(params), sort_keys=True, default=str))
    attempt = _status(folder).get("attempt")
    try:
        cached = read_json(folder / OUTCOME_FILE)
    except ValueError:
        cached = None
    if isinstance(cached, dict) and isinstance(cached.get("label"), str) and \
            (cached.get("classifier"), cached.get("parameters"), cached.get("attempt")) == \
            (name, params, attempt):
        return cached["label"]
    try:
        result = CLASSIFIERS[name](folder, json.loads(json.dumps(params)))
    except Exception as err:
        raise RuntimeError(f"{folder}: classifier {name!r} failed: {err}") from err
    record = dict(result) if isinstance(result, Mapping) else {"label": result}
    if not isinstance(record.get("label"), str):
        raise TypeError(f"classifier {name!r} gave {result!r}, not a label (a str)")
    write_json(folder / OUTCOME_FILE, {**record, "classifier": name, "parameters": params,
                                       "attempt": attempt, "classified": now_iso()})
    return record["label"]


def _status(folder: Path) -> dict[str, Any]:
    try:
        return read_status(folder) or {}
    except ValueError:
        return {}


@dataclasses.dataclass
class Refinement:
    """A plan's adaptive sweep: its lattice and what the generations did so far."""

    lattice: Lattice
    outcome: str
    classify: dict[str, Any]
    coarse: int
    max_points: int
    base_dir: Path | None = None
    #: the points each generation after the coarse one added
    added: list[int] = dataclasses.field(default_factory=list)
    #: intervals not refined because an end failed: (the other parameters, k_i, k_j)
    failed: list[tuple[dict[str, Any], int, int]] = dataclasses.field(default_factory=list)
    #: midpoints left out by max_points
    capped: int = 0

    def uniform(self, plan: Plan) -> int:
        """The points of the uniform grid of ``step`` over the same lines and range."""
        total = 0
        for _, ks in _lines(plan, plan.points[:self.coarse]).values():
            total += self.lattice.period or (max(ks) - min(ks) + 1)
        return total

    def interval(self, others: Mapping[str, Any], a: int, b: int) -> str:
        lat = self.lattice
        where = ", ".join(f"{k} = {v}" for k, v in others.items())
        return (f"{lat.parameter} {lat.value(a)} – {lat.value(b)}"
                + (f" ({where})" if where else ""))

    def header(self, plan: Plan) -> dict[str, Any]:
        """The manifest's ``refine`` entry."""
        lat, uniform = self.lattice, self.uniform(plan)
        return {"parameter": lat.parameter, "step": lat.text(lat.step),
                "period": lat.text(lat.period * lat.step) if lat.period else None,
                "outcome": self.outcome, "classify": self.classify,
                "generations": len(self.added), "added": self.added, "coarse": self.coarse,
                "points": len(plan.points), "points_run": len(plan.unique),
                "uniform": uniform, "saved": uniform - len(plan.unique),
                "max_points": self.max_points, "capped": self.capped,
                "not_refined": [self.interval(*f) for f in self.failed]}

    def lines(self, plan: Plan) -> list[str]:
        """The summary's lines about the refinement."""
        h = self.header(plan)
        gens = (f" + {' + '.join(map(str, self.added))} in {len(self.added)} generation(s)"
                if self.added else "")
        out = [f"refined along {h['parameter']} (step {h['step']}"
               + (f", period {h['period']}" if h["period"] else "") + f"): {self.coarse} "
               f"coarse point(s){gens} = {h['points']}; a uniform grid takes {h['uniform']} "
               f"({h['saved']} saved)"]
        out += [f"  not refined (an end {FAILED_LABEL}): {i}" for i in h["not_refined"]]
        if self.capped:
            out.append(f"  stopped at max_points = {self.max_points}: {self.capped} "
                       "midpoint(s) not added")
        return out


def _lines(plan: Plan, points: list[PlannedPoint] | None = None
           ) -> dict[str, tuple[dict[str, Any], dict[int, PlannedPoint]]]:
    """The plan's lines: key -> (the other parameters' values, {k: point})."""
    name = plan.refine.lattice.parameter
    lines: dict[str, tuple[dict[str, Any], dict[int, PlannedPoint]]] = {}
    for pp in plan.points if points is None else points:
        others = {n: v for n, v in pp.point.given.items() if n != name}
        key = json.dumps(others, sort_keys=True, default=str)
        lines.setdefault(key, (others, {}))[1].setdefault(
            plan.refine.lattice.index(pp.point.given[name]), pp)
    return lines


def refine_plan(plan: Plan, *, base_dir: str | Path | None = None) -> None:
    """Give ``plan`` (coarse points only) its :class:`Refinement` and the refined points
    that the folders' outcomes call for (replaying the generations; nothing runs).

    Raises
    ------
    StudyError
        If ``[sweep.refine].outcome`` names no registered classifier.
    """
    spec = plan.study.sweep.refine
    if spec.outcome not in CLASSIFIERS:
        raise StudyError(plan.source, [
            f"sweep.refine.outcome: no classifier {spec.outcome!r} (registered: "
            f"{', '.join(sorted(CLASSIFIERS)) or 'none'}; add one with "
            "orchestrator.dispatch.refine.register_classifier)"])
    coarse = len(plan.points)
    plan.refine = Refinement(lattice(plan.study.sweep), spec.outcome, dict(spec.classify),
                             coarse, spec.max_points or 4 * coarse,
                             Path(base_dir) if base_dir is not None else None)
    while advance(plan):
        pass


def advance(plan: Plan) -> list[PlannedPoint]:
    """One generation: classify the plan's points, add the midpoints (to ``plan``) and
    return them; none while a point is not finished, or when no pair adds one."""
    ref = plan.refine
    lines = _lines(plan)
    labels: dict[Path, str | None] = {}
    for _, pts in lines.values():
        for pp in pts.values():
            if pp.folder not in labels:
                labels[pp.folder] = (outcome(pp.folder, ref.outcome, ref.classify)
                                     if is_done(pp.folder) else
                                     FAILED_LABEL if _status(pp.folder).get("state") == FAILED
                                     else None)
    mids = plan_midpoints({key: {k: labels[pp.folder] for k, pp in pts.items()}
                           for key, (_, pts) in lines.items()}, period=ref.lattice.period)
    ref.failed = [(lines[key][0], a, b) for key, a, b in mids.failed]
    if mids.waiting:
        return []
    room = max(0, ref.max_points - len(plan.points))
    ref.capped = max(0, len(mids.add) - room)
    if not mids.add[:room]:
        return []
    values = [{**lines[key][0], ref.lattice.parameter: ref.lattice.value(k)}
              for key, k in mids.add[:room]]
    new = plan.add(expand_at(plan.study, values, start=len(plan.points), source=plan.source,
                             base_dir=ref.base_dir))
    ref.added.append(len(new))
    return new


def run_generations(plan: Plan, run_points: Callable[[Plan, bool], RunSummary], *,
                    retry_failed: bool = False,
                    on_generation: Callable[[int, list[PlannedPoint]], None] | None = None
                    ) -> RunSummary:
    """Run ``plan``'s points, then generation after generation the midpoints, until none
    is added or the run is interrupted; one summary of it all.

    ``run_points(plan, retry_failed)`` runs the plan's points not done (the dispatcher's
    loop, under its lock); failed points are retried only in the first call.
    ``on_generation(g, points)`` is told of each new generation before it runs.
    """
    from orchestrator.dispatch.run import RunSummary

    summary = run_points(plan, retry_failed)
    ran, not_retried, interrupted = list(summary.ran), list(summary.not_retried), \
        summary.interrupted
    while not interrupted:
        try:
            new = advance(plan)
        except KeyboardInterrupt:  # between generations: nothing is running
            interrupted = True
            break
        if not new:
            break
        if on_generation is not None:
            on_generation(len(plan.refine.added), new)
        summary = run_points(plan, False)
        ran += summary.ran
        not_retried += summary.not_retried
        interrupted = summary.interrupted
    ran_ids = {p.id for p in ran}
    skipped = [p for p in plan.unique if p.state == DONE and p.id not in ran_ids]
    kept = {p.id: p for p in not_retried if p.id not in ran_ids}
    _save_header(plan)
    return RunSummary(plan, ran, skipped, list(kept.values()), interrupted=interrupted)


def _save_header(plan: Plan) -> None:
    """Rewrite the manifest with the refinement's final ``refine`` entry."""
    try:
        old = read_json(plan.out / MANIFEST_FILE)
    except ValueError:
        old = None
    if not isinstance(old, dict):
        return
    header = {k: v for k, v in old.items() if k not in ("updated", "counts", "points")}
    header["refine"] = plan.refine.header(plan)
    plan.sync_duplicates()
    write_manifest(plan.out, header, [p.manifest_entry() for p in plan.points])


# the classifiers mmstudy ships register themselves (a study may name them in [sweep.refine])
from orchestrator.dispatch import classifiers as _classifiers  # noqa: E402,F401
