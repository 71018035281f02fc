"""The mmstudy command line: info and export (analyze: tests/test_analyze.py)."""

import subprocess
import sys
from pathlib import Path

import xarray as xr
from typer.testing import CliRunner

from conftest import OOMMF
from orchestrator.cli import app

runner = CliRunner()


def test_info_on_a_file():
    result = runner.invoke(app, ["info", str(OOMMF / "ovf2-bin4-m.omf")])
    assert result.exit_code == 0, result.output
    assert "12 x 8 x 2 cells" in result.output
    assert "time      4e-12 s" in result.output
    assert "bin4" in result.output


def test_info_on_a_table_and_a_run():
    result = runner.invoke(app, ["info", str(OOMMF / "sp4.odt")])
    assert "rows      2170" in result.output and "mx" in result.output
    result = runner.invoke(app, ["info", str(OOMMF), "--basename", "skyrmion_6ngbr"])
    assert result.exit_code == 0, result.output
    assert "oommf run" in result.output and "m [1]" in result.output


def test_info_reports_bad_input_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.ovf"
    bad.write_text("# OOMMF OVF 2.0\n# Segment count: 1\n# xnodes: x\n")
    result = runner.invoke(app, ["info", str(bad)])
    assert result.exit_code == 2
    assert "error:" in result.output and str(bad) in result.output
    assert "Traceback" not in result.output


def test_export_to_netcdf_and_refuse_to_overwrite(tmp_path):
    out = tmp_path / "run.nc"
    args = ["export", str(OOMMF), "--basename", "skyrmion_6ngbr", "--to", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert xr.open_dataset(out).m.shape == (1, 1, 40, 40, 3)
    before = out.read_bytes()
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "already exists" in result.output
    assert out.read_bytes() == before
    assert runner.invoke(app, args + ["--force"]).exit_code == 0


def test_console_script_is_installed():
    # the `mmstudy` entry point that pip installed beside this interpreter
    exe = Path(sys.executable).with_name("mmstudy")
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True)
    assert all(cmd in result.stdout for cmd in ("export", "info", "analyze"))
