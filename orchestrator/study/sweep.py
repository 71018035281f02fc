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

An adaptive sweep (``[sweep.refine]``, :mod:`orchestrator.dispatch.refine`) adds points
on the lattice ``values[0] + k·step`` of one parameter (:func:`lattice`), each written as
the decimal text a uniform grid of that step would hold, so that it is the same float
and hence the same point id (:func:`expand_at`):

>>> lat = Lattice("theta", Decimal(0), Decimal(15), "deg", None)
>>> lat.index("30 deg"), lat.value(3)
(2, '45 deg')
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import os
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from orchestrator.study.expressions import evaluate
from orchestrator.study.lattice import derived_keys
from orchestrator.study.load import StudyError, validate_study
from orchestrator.study.model import FromFile, Study, Sweep
from orchestrator.study.units import (lattice_scale, reduced_scale, substitute_reduced,
                                      unit_registry)

__all__ = ["Point", "expand", "expand_at", "set_path", "point_id", "physics_data",
           "study_data", "Lattice", "lattice"]

_NUMBER_FIRST = re.compile(r"^\s*[-+]?(\d|\.\d)")
#: a value as written: a decimal number, then its unit (if any)
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


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
    with _scale(study):  # swept values may be written in the study's reduced or lattice units
        for name in names:
            par = study.sweep.parameters[name]
            try:
                columns.append([_numeric(v, par.unit) for v in par.values])
            except Exception as err:
                raise StudyError(source, [f"sweep.parameters.{name}.values: {err}"]) from None
    combos = (itertools.product(*columns) if study.sweep.mode == "grid"
              else zip(*columns))
    return [_point(study, base, index, dict(zip(names, combo)), source, base_dir)
            for index, combo in enumerate(combos)]


def expand_at(study: Study, values: Sequence[Mapping[str, Any]], *, start: int = 0,
              source: str = "<study>", base_dir: str | os.PathLike | None = None
              ) -> list[Point]:
    """The points of ``study``'s sweep at the given values: one mapping per point, every
    parameter's value as written (a :attr:`Point.given`, or :meth:`Lattice.value`),
    indexed from ``start`` (the refined points of an adaptive sweep).

    Raises
    ------
    StudyError
        As :func:`expand`.
    """
    if study.sweep is None:
        raise ValueError("expand_at needs a study with a sweep")
    base = study_data(study)
    base.pop("sweep", None)
    pars = study.sweep.parameters
    with _scale(study):
        try:
            combos = [{n: _numeric(v[n], pars[n].unit) for n in pars} for v in values]
        except Exception as err:
            raise StudyError(source, [f"sweep.parameters: {err}"]) from None
    return [_point(study, base, start + i, combo, source, base_dir)
            for i, combo in enumerate(combos)]


def _scale(study: Study):
    """The context in which swept values written in the study's reduced or lattice units
    are read."""
    return (reduced_scale(study.units.reduced) if study.units else
            lattice_scale(study.lattice.units) if study.lattice else contextlib.nullcontext())


def _point(study: Study, base: dict[str, Any], index: int, combo: dict[str, tuple[Any, Any]],
           source: str, base_dir: str | os.PathLike | None) -> Point:
    """The point ``index``: ``combo`` maps each parameter to (as written, SI value)."""
    given = {n: c[0] for n, c in combo.items()}
    params = {n: c[1] for n, c in combo.items()}
    data = json.loads(json.dumps(base))
    where = ", ".join(f"{k} = {v!r}" for k, v in given.items())
    try:
        for name in combo:
            for path in study.sweep.parameters[name].set:
                set_path(data, path, given[name])
        for path, expr in study.sweep.derived.items():
            set_path(data, path, evaluate(expr, params))
    except (KeyError, ValueError) as err:
        why = err.args[0] if isinstance(err, KeyError) and err.args else err  # unquoted
        raise StudyError(source, [f"sweep point {index} ({where}): {why}"]) from None
    point_study = validate_study(data, source=f"{source} (sweep point {index}: {where})",
                                 base_dir=base_dir or Path.cwd())
    point = Point(index, params, given, point_study)
    _check_files(point, f"{source} (sweep point {index}: {where})")
    return point


@dataclasses.dataclass(frozen=True)
class Lattice:
    """The lattice ``origin + k·step`` of a refined parameter (``[sweep.refine]``), in
    the unit its values are written in (decimal arithmetic: no rounding).

    Attributes
    ----------
    parameter : str
    origin, step : Decimal
        ``values[0]`` and the step, in ``unit``.
    unit : str or None
        The unit text of the values (``None``: plain numbers).
    period : int or None
        The period in steps (``None``: not periodic).
    """

    parameter: str
    origin: Decimal
    step: Decimal
    unit: str | None
    period: int | None

    def index(self, value: Any) -> int:
        """k of ``value`` (as written, or a plain number in the unit).

        Raises
        ------
        ValueError
            If the value is not on the lattice, or not in its unit.
        """
        number, unit = _decimal(value, self.unit)
        if unit != self.unit:
            raise ValueError(f"{value!r} is not in the unit of {self.parameter}'s values "
                             f"({self.unit or 'plain numbers'})")
        k = (number - self.origin) / self.step
        if k != k.to_integral_value():
            raise ValueError(f"the value {self.text(number)} of {self.parameter} is not on the "
                             f"lattice values[0] + k·step = {self.text(self.origin)} + "
                             f"k·{self.text(self.step)}")
        return int(k)

    def value(self, k: int) -> Any:
        """The value at ``k`` as a study writes it: ``"<origin + k·step> <unit>"`` (decimal
        text), or a number for a parameter without a unit."""
        number = self.origin + k * self.step
        if self.unit:
            return self.text(number)
        return int(number) if number == number.to_integral_value() else float(_plain(number))

    def text(self, number: Decimal) -> str:
        """``number`` as decimal text with the unit."""
        return _plain(number) + (f" {self.unit}" if self.unit else "")


def _plain(number: Decimal) -> str:
    """Decimal text without exponent or trailing zeros (``'18'``, ``'0.26'``)."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _decimal(value: Any, unit: str | None) -> tuple[Decimal, str | None]:
    """(number, unit text) of a value as written; a plain number takes ``unit``."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value), unit
    if isinstance(value, float):
        return Decimal(repr(value)), unit
    m = _QUANTITY.match(value) if isinstance(value, str) else None
    if m is None:
        raise ValueError(f"{value!r} is not a number or a quantity")
    try:
        return Decimal(m.group(1)), (" ".join(m.group(2).split()) or None)
    except InvalidOperation:  # pragma: no cover - the pattern admits decimals only
        raise ValueError(f"{value!r} is not a number") from None


def lattice(sweep: Sweep) -> Lattice:
    """The lattice of ``sweep.refine`` (which must be set), checked against the coarse
    values.

    Raises
    ------
    ValueError
        Naming the field (``refine.parameter``, ``refine.step``, ``refine.period``): an
        unknown parameter, values not in one unit, a coarse value off the lattice, a period
        that is not a whole number of steps or that the coarse values do not fit in.
    """
    ref = sweep.refine
    par = sweep.parameters.get(ref.parameter)
    if par is None:
        raise ValueError(f"refine.parameter: no sweep parameter {ref.parameter!r} "
                         f"(parameters: {', '.join(sweep.parameters)})")
    try:
        numbers = [_decimal(v, par.unit) for v in par.values]
    except ValueError as err:
        raise ValueError(f"refine.parameter: {ref.parameter} is refined on a lattice, so its "
                         f"values must be numbers: {err}") from None
    units = {u for _, u in numbers}
    if len(units) > 1:
        raise ValueError(f"refine.parameter: write the values of {ref.parameter} in one unit "
                         f"(found {', '.join(sorted(str(u) for u in units))})")
    unit = units.pop()
    step = _in_unit(ref.step, unit, "step", ref.parameter)
    lat = Lattice(ref.parameter, numbers[0][0], step, unit, None)
    try:
        ks = [lat.index(v) for v in par.values]
    except ValueError as err:
        raise ValueError(f"refine.step: {err}") from None
    if ref.period is None:
        return lat
    period = _in_unit(ref.period, unit, "period", ref.parameter)
    steps = period / step
    if steps != steps.to_integral_value():
        raise ValueError(f"refine.period: {lat.text(period)} is not a whole number of steps "
                         f"({lat.text(step)})")
    if max(ks) - min(ks) >= steps:
        raise ValueError(f"refine.period: the values of {ref.parameter} span "
                         f"{lat.text((max(ks) - min(ks)) * step)}, not less than one period "
                         f"({lat.text(period)})")
    return dataclasses.replace(lat, period=int(steps))


def _in_unit(value: Any, unit: str | None, field: str, parameter: str) -> Decimal:
    """A step or period: a number in ``unit``, or a quantity written in ``unit``."""
    try:
        number, its_unit = _decimal(value, unit)
    except ValueError as err:
        raise ValueError(f"refine.{field}: {err}") from None
    if its_unit != unit:
        raise ValueError(f"refine.{field}: {value!r} is not in the unit of {parameter}'s "
                         f"values ({unit or 'plain numbers'}); write it as a number in that "
                         "unit")
    if number <= 0:
        raise ValueError(f"refine.{field}: must be positive, not {value!r}")
    return number


def _check_files(point: Point, source: str) -> None:
    """Refuse a point whose initial-state file is missing (before anything runs)."""
    init = point.study.initial
    if isinstance(init, FromFile) and not Path(init.path).is_file():
        raise StudyError(source, [f"initial.path: no such file {init.path}"])
