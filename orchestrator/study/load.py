"""Reading study files (TOML) into a validated :class:`~orchestrator.study.model.Study`.

Every problem is reported as a :class:`StudyError` that names the file, the field
(dotted path, e.g. ``materials.left.Ms``), the line where that key is written when it
can be found, and what was expected. Relative paths inside the study (an initial-state
OVF file) are made absolute against the study file's folder.

Examples
--------
>>> import tempfile, pathlib
>>> f = pathlib.Path(tempfile.mkdtemp()) / "bad.toml"
>>> _ = f.write_text('name = "x"\\n[mesh]\\ncell = [1e-9, 1e-9, 1e-9]\\nn = [4, 4, 1]\\n'
...                  '[materials.default]\\nMs = "15 pJ/m"\\n[[stages]]\\ntype = "minimize"\\n')
>>> try:
...     load_study(f)
... except StudyError as err:
...     print(str(err).split(": ", 1)[1])
line 6: materials.default.Ms: '15 pJ/m' is not a quantity in A/m (its dimension is [mass] * [length] / [time] ** 2)
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from orchestrator.study.model import Study

__all__ = ["StudyError", "load_study", "validate_study", "read_toml"]


class StudyError(ValueError):
    """A study that cannot be read or is invalid: file, line, field, what was expected."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + ("\n  ".join(problems) if len(problems) > 1
                                           else problems[0]))


def read_toml(path: str | os.PathLike) -> dict[str, Any]:
    """Parse a TOML file, turning syntax errors into :class:`StudyError`."""
    p = Path(path)
    try:
        return tomllib.loads(_read_text(p))
    except tomllib.TOMLDecodeError as err:
        raise StudyError(str(p), [f"not valid TOML: {err}"]) from None


def _read_text(p: Path) -> str:
    """The study file's text; a folder, an unreadable or a binary file is a :class:`StudyError`."""
    if p.is_dir():
        raise StudyError(str(p), ["is a folder, not a study file: expected a .toml study file"])
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"{p}: no such study file") from None
    except OSError as err:
        raise StudyError(str(p), [f"cannot be read ({err.strerror or err}): expected a "
                                  ".toml study file"]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise StudyError(str(p), [f"not a text (UTF-8) file (byte {err.start} is "
                                  f"{data[err.start:err.start + 1]!r}): expected a .toml "
                                  "study file"]) from None


def load_study(path: str | os.PathLike) -> Study:
    """Read and validate a study file.

    Parameters
    ----------
    path : path
        A ``.toml`` study file.

    Returns
    -------
    Study
        With its ``sweep`` (if any) still unexpanded: see
        :func:`orchestrator.study.sweep.expand`.

    Raises
    ------
    StudyError
        Naming the file, line and field of every problem found.
    """
    p = Path(path)
    data = read_toml(p)
    return validate_study(data, source=str(p), text=_read_text(p), base_dir=p.parent)


def validate_study(data: Mapping[str, Any], *, source: str = "<study>", text: str | None = None,
                   base_dir: str | os.PathLike | None = None) -> Study:
    """Validate a study given as a mapping (the TOML document or Python dicts).

    Parameters
    ----------
    data : mapping
    source : str
        Where it came from, for messages.
    text : str, optional
        The file's text, to point at line numbers.
    base_dir : path, optional
        Folder that relative file paths are taken from.
    """
    data = resolve_paths(data, base_dir) if base_dir is not None else data
    try:
        return Study.model_validate(data)
    except ValidationError as err:
        raise StudyError(source, [_describe(e, data, text) for e in err.errors()]) from None


def resolve_paths(data: Mapping[str, Any], base_dir: str | os.PathLike) -> dict[str, Any]:
    """A copy of ``data`` with the initial-state file path made absolute."""
    out = copy.deepcopy(dict(data))
    init = out.get("initial")
    if isinstance(init, dict) and init.get("type") == "file" and isinstance(init.get("path"), str):
        path = Path(init["path"]).expanduser()
        if not path.is_absolute():
            init["path"] = str((Path(base_dir) / path).resolve())
    return out


def _describe(err: Mapping[str, Any], data: Mapping[str, Any], text: str | None) -> str:
    loc = _clean_loc(err.get("loc", ()), data)
    msg = err.get("msg", "invalid")
    msg = re.sub(r"^(Value|Assertion) error, ", "", msg)
    if err.get("type") == "missing":
        msg = "required field missing"
    elif err.get("type") == "extra_forbidden":
        msg = "unknown field (misspelt?)"
    elif err.get("type") in ("union_tag_invalid", "union_tag_not_found"):  # the `type` key
        ctx = err.get("ctx", {})
        loc = loc + [str(ctx.get("discriminator", "type")).strip("'")]
        msg = (f"unknown type {ctx['tag']!r} (expected one of {ctx['expected_tags']})"
               if "tag" in ctx else "required field missing (the kind of this table)")
    elif "input" in err and err.get("type") not in ("value_error",):
        msg = f"{msg} (got {err['input']!r})"
    inner = _FIELD_FIRST.match(msg) if not loc else None
    if inner:  # a check across sections names its field first: "materials.left.Ms: ..."
        loc = loc + [int(k) if k.isdigit() else k for k in inner.group(1).split(".")]
        msg = inner.group(2)
    field = ".".join(str(x) for x in loc) or "(top level)"
    line = _line_of(loc, text) if text else None
    where = f"line {line}: " if line else ""
    return f"{where}{field}: {msg}"


def _clean_loc(loc, data) -> list:
    """Drop pydantic's union-tag entries (e.g. 'sot', 'function-after[...]') from a
    location so it reads as the path in the file."""
    out: list = []
    node: Any = data
    tagged: set[int] = set()
    for part in loc:
        if isinstance(node, Mapping) and node.get("type") == part and id(node) not in tagged:
            tagged.add(id(node))  # the union's tag (once), which may also be a key
            continue
        if isinstance(node, Mapping) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(part, str) and (part in ("field", "anisotropy", "zhang_li", "sot",
                                                 "constant", "pulse", "train", "expression",
                                                 "uniform", "random", "skyrmions", "file",
                                                 "minimize", "relax", "evolve", "all", "box",
                                                 "disk", "ellipse", "polygon", "half_plane",
                                                 "union", "intersection", "difference")
                                        or "[" in part):
            continue
        else:
            out.append(part)
            node = None
    return out


def _line_of(loc: list, text: str) -> int | None:
    """Best-effort line number of the innermost named key of ``loc`` in the TOML text:
    the first ``key =`` inside the table that encloses it (the i-th ``[[array]]``
    table for an index i), or that table's header when the key is not written there."""
    keys = [str(k) for k in loc if not isinstance(k, int)]
    if not keys:
        return None
    lines = text.splitlines()
    start, found = 0, False
    # find the deepest table header that is a prefix of the path
    for depth in range(len(keys), 0, -1):
        header = re.compile(r"^\s*\[\[?\s*" + r"\s*\.\s*".join(
            rf'(?:"{re.escape(k)}"|{re.escape(k)})' for k in keys[:depth]) + r"\s*\]\]?\s*(#.*)?$")
        hits = [i for i, ln in enumerate(lines) if header.match(ln)]
        if hits:
            pos = _position(loc, keys[depth - 1], depth)
            index = loc[pos + 1] if pos + 1 < len(loc) else None
            if isinstance(index, int) and lines[hits[0]].lstrip().startswith("[["):
                if index >= len(hits):
                    return None
                start = hits[index]
            else:
                start = hits[0]
            if depth == len(keys):
                return start + 1
            found = True
            break
    key = re.compile(rf'(^|[{{,\s]){re.escape(keys[-1])}\s*=')
    for i in range(start + found, len(lines)):
        if _TABLE_HEADER.match(lines[i]):
            break
        if key.search(lines[i]):
            return i + 1
    return start + 1 if found else None


def _position(loc: list, key: str, depth: int) -> int:
    """Index in ``loc`` of the ``depth``-th named (non-index) entry, which is ``key``."""
    seen = 0
    for i, k in enumerate(loc):
        if not isinstance(k, int):
            seen += 1
            if seen == depth:
                return i
    return len(loc)  # pragma: no cover


_TABLE_HEADER = re.compile(r'^\s*\[\[?\s*[A-Za-z0-9_"\'-][^\]]*\]\]?\s*(#.*)?$')
_FIELD_FIRST = re.compile(r"^([A-Za-z_]\w*(?:\.\w+)+): (.*)$", re.S)
