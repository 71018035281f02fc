"""mmstudy's analysis layer: files in, xarray/pandas out.

Public entry points
-------------------
read_ovf, write_ovf, read_ovf_header
    One OVF 1.0/2.0 file <-> :class:`xarray.DataArray` (``analysis.ovf``).
read_table
    OOMMF ODT or mumax3 ``table.txt`` -> :class:`pandas.DataFrame` (``analysis.tables``).
open_run, open_runs
    A run folder, or a sweep of them, -> lazy :class:`xarray.Dataset` (``analysis.runs``).
export_dataset
    Dataset -> netCDF / zarr, atomically (``analysis.export``).
describe
    A readable summary of a file or run (``analysis.summary``).
FormatError
    The one exception every reader raises for malformed input (``analysis.errors``).
"""

from analysis.errors import FormatError
from analysis.export import export_dataset
from analysis.ovf import read_ovf, read_ovf_header, write_ovf
from analysis.runs import open_run, open_runs
from analysis.summary import describe
from analysis.tables import read_table

__all__ = [
    "FormatError",
    "describe",
    "export_dataset",
    "open_run",
    "open_runs",
    "read_ovf",
    "read_ovf_header",
    "read_table",
    "write_ovf",
]
