"""Write a run's Dataset to netCDF (``.nc``) or zarr (``.zarr``), atomically.

The target is written beside itself under a temporary name and renamed into
place when complete; an existing target is replaced only with ``overwrite=True``.
Dask-backed variables are streamed snapshot by snapshot, so a run larger than
memory exports fine.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

from analysis.atomic import atomic_path

__all__ = ["export_dataset", "EXPORT_SUFFIXES"]

EXPORT_SUFFIXES = (".nc", ".zarr")


def _netcdf_safe(ds: xr.Dataset) -> xr.Dataset:
    """netCDF attributes must be strings or numbers (or 1-D arrays of them)."""

    def clean(attrs: dict) -> dict:
        out = {}
        for k, v in attrs.items():
            if isinstance(v, bool) or v is None:
                v = str(v)
            elif isinstance(v, (list, tuple)) and v and not all(
                isinstance(x, (int, float, np.number)) for x in v
            ):
                v = " ".join(map(str, v))
            out[k] = v
        return out

    ds = ds.copy()
    ds.attrs = clean(ds.attrs)
    for name in ds.variables:
        ds[name].attrs = clean(ds[name].attrs)
    return ds


def export_dataset(ds: xr.Dataset, target: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Save ``ds`` as netCDF or zarr, chosen by the target's suffix.

    Parameters
    ----------
    ds : xarray.Dataset
        Typically from :func:`analysis.open_run`.
    target : path
        ``*.nc`` (netCDF4) or ``*.zarr`` (a folder).
    overwrite : bool
        Replace an existing target.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        For another suffix.
    FileExistsError
        If ``target`` exists and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile, pathlib, analysis
    >>> ds = analysis.open_run("tests/data/oommf", basename="skyrmion_6ngbr")
    >>> out = export_dataset(ds, pathlib.Path(tempfile.mkdtemp()) / "run.nc")
    >>> import xarray as xr; float(xr.open_dataset(out).mz[0]) == float(ds.mz[0])
    True
    """
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise ValueError(f"{target}: export to .nc (netCDF) or .zarr, not {suffix or 'no suffix'!r}")
    ds = _netcdf_safe(ds)
    with atomic_path(target, overwrite=overwrite) as tmp:
        if suffix == ".nc":
            ds.to_netcdf(tmp, engine="netcdf4")
        else:
            # zarr format 2: fixed-width strings and consolidated metadata are part of
            # its specification, so any zarr reader opens the store.
            ds.to_zarr(tmp, mode="w-", consolidated=True, zarr_format=2)
    return target
