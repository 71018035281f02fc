"""Expanding a study's sweep into points, and each point's content-hash id.

A point is the study with the sweep's values written into it (``set`` paths, then the
``derived`` expressions) and validated again, so a swept value gets exactly the checks
a hand-written one would. Its id is a hash of everything that defines the physics (the
point's study without its name, description and run options, the backend, and the
bytes of any initial-state file), so an identical point is never run twice and a
changed one never reuses an old result.

Paths are dotted: ``drives.sot.p_angle``, ``materials.left.dmi.0.D``,
``stages.1.duration``; a list of named items (``regions``) may also be indexed by name
(``regions.left.shape.point``).

Examples
--------
>>> from orchestrator.study.model import Study
>>> s = Study.model_validate({
...     "name": "s", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
...     "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.3}},
...     "drives": {"sot": {"type": "sot", "j": 1e10, "theta_SH": 1, "p_angle": 0}},
...     "stages": [{"type": "evolve", "duration": 1e-10, "save_every": 1e-11}],
...     "sweep": {"parameters": {"theta": {"values": [0, 90], "unit": "deg"},
...                              "j": {"values": ["1 MA/cm^2", "3 MA/cm^2"],
...                                    "set": "drives.sot.j"}},
...               "derived": {"drives.sot.p_angle": "theta"}}})
>>> pts = expand(s)
>>> [(p.params["theta"], p.params["j"]) for p in pts]
[(0.0, 10000000000.0), (0.0, 30000000000.0), (1.5707963267948966, 10000000000.0), (1.5707963267948966, 30000000000.0)]
>>> pts[3].study.drives["sot"].direction[1], len({p.id("builtin") for p in pts})
(1.0, 4)
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from orchestrator.study.expressions import evaluate
from orchestrator.study.lattice import derived_keys
from orchestrator.study.load import StudyError, validate_study
from orchestrator.study.model import FromFile, Study
from orchestrator.study.units import (lattice_scale, reduced_scale, substitute_reduced,
                                      unit_registry)

__all__ = ["Point", "expand", "set_path", "point_id", "physics_data", "study_data"]

_NUMBER_FIRST = re.compile(r"^\s*[-+]?(\d|\.\d)")


@dataclasses.dataclass(frozen=True)
class Point:
    """One point of a sweep.

    Attributes
    ----------
    index : int
        Position in the sweep (grid order: last parameter fastest).
    params : dict
        Swept values in SI base units (numbers), or as written when not numeric;
        what ``params.json`` holds and :func:`analysis.open_runs` turns into dimensions.
    given : dict
        The values as written in the study file.
    study : Study
        The point's study (no sweep).
    """

    index: int
    params: dict[str, Any]
    given: dict[str, Any]
    study: Study

    def id(self, backend: str) -> str:
        """Content-hash id of this point on ``backend`` (16 hex digits)."""
        return point_id(self.study, backend)


def study_data(study: Study) -> dict[str, Any]:
    """The study as plain JSON-able data (SI numbers; aliases such as DMI ``class``); for a
    lattice study without what its ``[lattice]`` table writes (validating the data writes
    it again: :func:`orchestrator.study.lattice.derived_keys`)."""
    data = study.model_dump(mode="json", by_alias=True, exclude_none=True)
    if study.lattice is not None:
        derived_keys(data)
    return data


def point_id(study: Study, backend: str) -> str:
    """Hash of the physics of ``study`` on ``backend``.

    Name, description and run options are left out (renaming a study does not rerun
    it); an initial-state file contributes its bytes, not its path.
    """
    blob = json.dumps({"backend": backend, "study": physics_data(study)}, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def physics_data(study: Study) -> dict[str, Any]:
    """What :func:`point_id` hashes: the study as data without its name, description,
    run options and sweep, fields added since ids were first written left out where they
    hold their default, and an initial-state file as the SHA-256 of its bytes."""
    data = study_data(study)
    _drop_new_defaults(study, data)
    for key in ("name", "description", "run", "sweep"):
        data.pop(key, None)
    if isinstance(study.initial, FromFile):
        p = Path(study.initial.path)
        data["initial"] = {"type": "file",
                           "sha256": hashlib.sha256(p.read_bytes()).hexdigest()
                           if p.is_file() else f"missing:{p}"}
    return data


def _drop_new_defaults(obj: Any, data: Any) -> None:
    """Remove from ``data`` (``obj`` dumped by alias) every field marked
    :data:`orchestrator.study.model.NEW_FIELD` that holds its default, walking the model
    and its dump side by side (in place)."""
    if isinstance(obj, BaseModel) and isinstance(data, dict):
        for name, field in type(obj).model_fields.items():
            key = field.alias or name
            if key not in data:
                continue
            extra = field.json_schema_extra
            value = getattr(obj, name)
            if isinstance(extra, dict) and extra.get("id_when_default") is False \
                    and value == field.default:
                del data[key]
            else:
                _drop_new_defaults(value, data[key])
    elif isinstance(obj, (list, tuple)) and isinstance(data, list):
        for o, d in zip(obj, data):
            _drop_new_defaults(o, d)
    elif isinstance(obj, dict) and isinstance(data, dict):
        for k, o in obj.items():
            if k in data:
                _drop_new_defaults(o, data[k])


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at the dotted ``path`` of nested dicts/lists (in place).

    Missing tables on the way are created; list items are taken by index or, for lists
    of named tables, by name.

    Raises
    ------
    KeyError
        If a list item named in the path does not exist.
    """
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            idx = _list_index(node, part, path)
            if last:
                node[idx] = value
            else:
                node = node[idx]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if part not in node or node[part] is None:
                    node[part] = {}
                node = node[part]
        else:
            raise KeyError(f"{path}: {'.'.join(parts[:i])} is a value, not a table or list")


def _list_index(node: list, part: str, path: str) -> int:
    if part.lstrip("-").isdigit():
        idx = int(part)
        if not -len(node) <= idx < len(node):
            raise KeyError(f"{path}: index {idx} out of range (the list has {len(node)} items)")
        return idx
    for k, item in enumerate(node):
        if isinstance(item, dict) and item.get("name") == part:
            return k
    raise KeyError(f"{path}: no item named {part!r}")


def _numeric(value: Any, unit: str | None) -> tuple[Any, Any]:
    """(value as written into the study, value in SI base units for params/expressions)."""
    if unit and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value} {unit}"
    if isinstance(value, str) and _NUMBER_FIRST.match(value):
        q = unit_registry().Quantity(substitute_reduced(value))
        if hasattr(q, "to_base_units"):
            return value, float(q.to_base_units().magnitude)
        return value, float(q)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value, float(value)
    return value, value


def expand(study: Study, *, source: str = "<study>",
           base_dir: str | os.PathLike | None = None) -> list[Point]:
    """The points of ``study``'s sweep (one point, with empty params, if it has none).

    Parameters
    ----------
    study : Study
    source : str
        The study file, for error messages.
    base_dir : path, optional
        Folder that a swept relative initial-state path is taken from (the study
        file's folder; default the current directory).

    Raises
    ------
    StudyError
        If a swept or derived value makes a point invalid (naming the point's values),
        or a point's initial-state file does not exist.
    """
    base = study_data(study)
    base.pop("sweep", None)
    if study.sweep is None:
        point = Point(0, {}, {}, study.model_copy(update={"sweep": None}))
        _check_files(point, source)
        return [point]
    names = list(study.sweep.parameters)
    columns = []
    scale = (reduced_scale(study.units.reduced) if study.units else
             lattice_scale(study.lattice.units) if study.lattice else contextlib.nullcontext())
    with scale:  # swept values may be written in the study's reduced or lattice units
        for name in names:
            par = study.sweep.parameters[name]
            try:
                columns.append([_numeric(v, par.unit) for v in par.values])
            except Exception as err:
                raise StudyError(source, [f"sweep.parameters.{name}.values: {err}"]) from None
    combos = (itertools.product(*columns) if study.sweep.mode == "grid"
              else zip(*columns))
    points = []
    for index, combo in enumerate(combos):
        given = {n: c[0] for n, c in zip(names, combo)}
        params = {n: c[1] for n, c in zip(names, combo)}
        data = json.loads(json.dumps(base))
        where = ", ".join(f"{k} = {v!r}" for k, v in given.items())
        try:
            for name in names:
                for path in study.sweep.parameters[name].set:
                    set_path(data, path, given[name])
            for path, expr in study.sweep.derived.items():
                set_path(data, path, evaluate(expr, params))
        except (KeyError, ValueError) as err:
            why = err.args[0] if isinstance(err, KeyError) and err.args else err  # unquoted
            raise StudyError(source, [f"sweep point {index} ({where}): {why}"]) from None
        point_study = validate_study(data, source=f"{source} (sweep point {index}: {where})",
                                     base_dir=base_dir or Path.cwd())
        points.append(Point(index, params, given, point_study))
        _check_files(points[-1], f"{source} (sweep point {index}: {where})")
    return points


def _check_files(point: Point, source: str) -> None:
    """Refuse a point whose initial-state file is missing (before anything runs)."""
    init = point.study.initial
    if isinstance(init, FromFile) and not Path(init.path).is_file():
        raise StudyError(source, [f"initial.path: no such file {init.path}"])
