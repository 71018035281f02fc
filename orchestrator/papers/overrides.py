"""Study files with overrides: the same study, changed at a few dotted paths.

A paper's quick mode is its full study files with some values replaced (fewer sweep values,
shorter runs, coarser cells). The overrides live in one TOML file, one table per study file
(named by the file's stem), each key a quoted dotted path of the study as written
(:func:`orchestrator.study.sweep.set_path` syntax) and its new value::

    [fig3_sot_theta]
    "sweep.parameters.theta.values" = [0, 45, 90, 135, 180, 225, 270, 315]
    "stages.1.duration" = "0.4 ns"

Overrides are applied to the TOML data before validation, so an overridden value gets the
same checks as a written one. A path must already exist in the study file (a misspelt
path is an error, not a new field), and a table must name an existing study file.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "film.toml").write_text('name = "film"\\n[mesh]\\nn = [8, 8, 1]\\n'
...     'cell = ["1 nm", "1 nm", "1 nm"]\\n[materials.default]\\nMs = "580 kA/m"\\n'
...     '[[stages]]\\ntype = "minimize"\\n')
>>> _ = (d / "quick.toml").write_text('[film]\\n"mesh.n" = [4, 4, 1]\\n')
>>> load_study_with_overrides(d / "film.toml", load_overrides(d / "quick.toml")).mesh.n
[4, 4, 1]
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orchestrator.study.load import StudyError, read_toml, validate_study
from orchestrator.study.model import Study
from orchestrator.study.sweep import set_path

__all__ = ["load_overrides", "apply_overrides", "load_study_with_overrides", "get_path"]

_MISSING = object()


def load_overrides(path: str | os.PathLike, *, studies: str | os.PathLike | None = None
                   ) -> dict[str, dict[str, Any]]:
    """Read an overrides file: ``{study stem: {dotted path: value}}``.

    Parameters
    ----------
    path : path
        The TOML file.
    studies : path, optional
        Folder of the study files (default: the overrides file's folder); every table must
        name a ``<stem>.toml`` there.

    Raises
    ------
    StudyError
        For a table that is not a table of values, or names no study file.
    """
    p = Path(path)
    data = read_toml(p)
    folder = Path(studies) if studies is not None else p.parent
    out: dict[str, dict[str, Any]] = {}
    for stem, table in data.items():
        if not isinstance(table, Mapping):
            raise StudyError(str(p), [f"{stem}: expected a table of \"dotted.path\" = value "
                                      f"overrides for {stem}.toml, got {table!r}"])
        if not (folder / f"{stem}.toml").is_file():
            raise StudyError(str(p), [f"[{stem}]: no study file {folder / (stem + '.toml')}"])
        out[stem] = dict(table)
    return out


def get_path(data: Any, path: str) -> Any:
    """The value at dotted ``path`` of nested dicts/lists (lists by index or item name).

    Raises
    ------
    KeyError
        Naming the first part of the path that does not exist.

    Examples
    --------
    >>> get_path({"stages": [{"name": "a", "duration": 1}]}, "stages.a.duration")
    1
    """
    node = data
    for i, part in enumerate(path.split(".")):
        nxt = _MISSING
        if isinstance(node, Mapping):
            nxt = node.get(part, _MISSING)
        elif isinstance(node, list):
            if part.lstrip("-").isdigit() and -len(node) <= int(part) < len(node):
                nxt = node[int(part)]
            else:
                nxt = next((it for it in node if isinstance(it, Mapping) and it.get("name") == part),
                           _MISSING)
        if nxt is _MISSING:
            where = ".".join(path.split(".")[:i + 1])
            raise KeyError(f"{path}: the study has no {where}")
        node = nxt
    return node


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any], *,
                    source: str = "<overrides>") -> dict[str, Any]:
    """A copy of the study ``data`` with each ``{dotted path: value}`` of ``overrides`` set.

    Raises
    ------
    StudyError
        Naming ``source`` and the path, when a path does not exist in ``data``.
    """
    out = copy.deepcopy(dict(data))
    problems = []
    for path, value in overrides.items():
        try:
            get_path(out, path)
            set_path(out, path, copy.deepcopy(value))
        except KeyError as err:
            problems.append(f"override {path!r}: {err.args[0] if err.args else err}")
    if problems:
        raise StudyError(source, problems)
    return out


def load_study_with_overrides(path: str | os.PathLike,
                              overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Study:
    """Load a study file, with ``overrides[<its stem>]`` applied (if any) before validation.

    Raises
    ------
    StudyError
        For a bad override path, or a study that the overrides make invalid (the message
        names the study file and says it was overridden).
    """
    p = Path(path)
    data = read_toml(p)
    mine = (overrides or {}).get(p.stem)
    if not mine:
        return validate_study(data, source=str(p), text=p.read_text(), base_dir=p.parent)
    data = apply_overrides(data, mine, source=f"{p} (overrides)")
    return validate_study(data, source=f"{p} (with overrides: {', '.join(mine)})",
                          base_dir=p.parent)
