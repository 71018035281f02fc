"""How a run's series and table become the variables of its Dataset.

The mesh check between snapshots (:func:`_check_same_mesh`), the name of each field
variable (:func:`_variable_name`: OOMMF's ``Oxs_<class>::<output>`` titles, named energy
terms as ``H_<name>``, else the series key), OOMMF's magnetisation in A/m as ``m`` and
``Ms`` (:func:`_normalise`), and the table's columns as variables along ``t`` or
``t_table`` with the rows' ``stage``/``stage_t`` (:func:`_attach_table`).
:mod:`analysis.runs` stacks the series and calls these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from analysis.errors import FormatError
from analysis.ovf import component_names
from analysis.ovf_header import OVFHeader
from analysis.time_axis import _TIME_RTOL


def _check_same_mesh(ref: OVFHeader, h: OVFHeader) -> None:
    same = (h.nodes == ref.nodes
            and np.allclose(h.cell, ref.cell, rtol=1e-9)
            and np.allclose(h.pmin, ref.pmin, rtol=0, atol=1e-6 * min(ref.cell)))
    if not same:
        raise FormatError(h.path, f"the mesh of {ref.path} (nodes {ref.nodes}, cell {ref.cell}, "
                                  f"origin {ref.pmin})",
                          line=h.data_line, found=f"nodes {h.nodes}, cell {h.cell}, origin {h.pmin}")


def _variable_name(kind: str, key: str, h: OVFHeader, taken: Mapping) -> str:
    named = re.match(r"^(\w+):(\w+):(\w[^:]*)$", h.title)  # Oxs_<class>:<instance>:<output>
    if kind == "oommf" and "::" in h.title:
        owner, _, quantity = h.title.partition("::")
        owner = re.sub(r"^Oxs_", "", owner)
        name = quantity if owner.endswith("Driver") else f"{owner}_{quantity}"
    elif kind == "oommf" and named:
        # a named energy term: its field is H_<name>, as the built-in solver's snapshots
        instance, quantity = named.group(2), named.group(3)
        name = f"H_{instance}" if quantity == "Field" else f"{instance}_{quantity}"
    else:
        name = key
    name = re.sub(r"\W+", "_", name).strip("_") or component_names(h.labels)[0] or "field"
    base, i = name, 1
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name




def _normalise(M: xr.DataArray) -> dict[str, xr.DataArray]:
    norm = np.sqrt((M.astype("f8") ** 2).sum("c"))
    safe = norm.where(norm > 0)
    m = (M / safe).fillna(0.0).astype(M.dtype).rename({"file": "m_file"})
    m.attrs = {"units": "1", "long_name": "unit magnetisation M/|M|",
               "title": M.attrs.get("title", ""), "from": "Magnetization (A/m) / |M|"}
    Ms = norm.isel(t=0, drop=True).drop_vars(["file", "iteration", "stage", "stage_t"],
                                             errors="ignore")
    Ms.attrs = {"units": "A/m", "long_name": "saturation magnetisation |M| (first snapshot)"}
    return {"m": m.rename("m"), "Ms": Ms.rename("Ms")}


def _attach_table(ds: xr.Dataset, df: pd.DataFrame) -> xr.Dataset:
    units = df.attrs.get("units", {})
    # the rows' stage and stage time (_StageAxis.rows): coordinates, not columns
    row_stage = {c: df[c].to_numpy() for c in ("_stage", "_stage_t") if c in df.columns}
    df = df.drop(columns=list(row_stage))
    table_t = df["t"].to_numpy() if "t" in df.columns else None
    n_frames = ds.sizes.get("t", 0)
    field_t = ds["t"].values if "t" in ds.coords else None
    if n_frames == 0:
        dim, coord = "t", table_t
    elif len(df) == n_frames and (field_t is None or table_t is None
                                  or np.allclose(table_t, field_t, rtol=_TIME_RTOL, atol=0)):
        dim, coord = "t", field_t if field_t is not None else table_t
    else:
        dim, coord = "t_table", table_t
    table_vars = {
        col: xr.Variable(dim, df[col].to_numpy(), {"units": units.get(col, "")})
        for col in df.columns if col != "t"
    }
    # A column that repeats a coordinate the headers gave (OOMMF's iteration, stage)
    # is dropped when it agrees, and kept under a prefixed name when it does not.
    for col in list(table_vars):
        if col in ds.variables:
            same = (dim in ds[col].dims and ds[col].shape == table_vars[col].shape
                    and np.array_equal(ds[col].values, table_vars[col].values))
            var = table_vars.pop(col)
            if not same:
                table_vars[f"table_{col}"] = var
    out = ds.assign(table_vars)
    if coord is not None and (dim != "t" or field_t is None):
        out = out.assign_coords({dim: (dim, coord, {"units": "s"})})
    if len(row_stage) == 2 and (dim != "t" or "stage" not in out.coords):
        prefix = "" if dim == "t" else "table_"
        out = out.assign_coords({f"{prefix}stage": (dim, row_stage["_stage"]),
                                 f"{prefix}stage_t": (dim, row_stage["_stage_t"],
                                                      {"units": "s"})})
    return out

