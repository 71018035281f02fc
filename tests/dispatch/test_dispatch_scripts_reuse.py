"""`mmstudy scripts` into an output folder of another study (issue 13): refused unless
--force, as `mmstudy run` refuses it, and the old manifest is never lost."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from dispatch_helpers import read, write_study
from orchestrator.cli import app
from orchestrator.dispatch.run import OtherStudy, render_scripts, run_study

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv("MMSTUDY_DEBUG", raising=False)  # a developer's shell may set it


def _scripts(study, out, *extra):
    return runner.invoke(app, ["scripts", str(study), "--backend", "builtin", "--out", str(out),
                               *extra])


def test_render_scripts_refuses_another_studys_folder_unless_forced(tmp_path):
    out = tmp_path / "out"
    first = write_study(tmp_path, name="first", extra="")
    second = write_study(tmp_path, name="second", extra="", duration="10 ps")  # other points
    render_scripts(first, backend="builtin", out=out)
    old = (out / "manifest.json").read_text()
    old_csv = (out / "manifest.csv").read_text()
    with pytest.raises(OtherStudy, match=r"another study 'first'.*--force") as info:
        render_scripts(second, backend="builtin", out=out)
    assert str(out) in str(info.value)
    assert (out / "manifest.json").read_text() == old  # untouched
    assert not (out / "manifest.1.json").exists()
    summary = render_scripts(second, backend="builtin", out=out, force=True)
    assert summary.rendered
    assert (out / "manifest.1.json").read_text() == old  # kept, as `run --force` keeps it
    assert (out / "manifest.1.csv").read_text() == old_csv
    assert read(out / "manifest.json")["study"] == "second"
    # the same study again is no reuse: nothing more kept aside
    render_scripts(second, backend="builtin", out=out)
    assert not (out / "manifest.2.json").exists()


def test_scripts_cli_refuses_another_studys_folder_with_one_line_and_exit_2(tmp_path):
    out = tmp_path / "out"
    first = write_study(tmp_path, name="first", extra="")
    second = write_study(tmp_path, name="second", extra="")
    assert _scripts(first, out).exit_code == 0
    old = (out / "manifest.json").read_text()
    result = _scripts(second, out)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert str(out) in result.output.replace("\n", "")
    assert "another study 'first'" in result.output and "--force" in result.output
    assert (out / "manifest.json").read_text() == old
    result = _scripts(second, out, "--force")
    assert result.exit_code == 0, result.output
    assert (out / "manifest.1.json").read_text() == old
    assert read(out / "manifest.json")["study"] == "second"
    assert _scripts(second, out).exit_code == 0
    assert not (out / "manifest.2.json").exists()


def test_scripts_into_a_run_folder_of_another_study_keeps_its_manifest(tmp_path):
    # the folder of a finished `mmstudy run`: its manifest (states, solver) must survive
    out = tmp_path / "out"
    first = write_study(tmp_path, name="first", extra="", duration="10 ps")
    second = write_study(tmp_path, name="second", extra="")
    assert run_study(first, backend="builtin", out=out, progress=False).exit_code == 0
    old = (out / "manifest.json").read_text()
    assert _scripts(second, out).exit_code == 2
    assert (out / "manifest.json").read_text() == old
    assert _scripts(second, out, "--force").exit_code == 0
    assert (out / "manifest.1.json").read_text() == old
