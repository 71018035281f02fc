"""docs/ubermag.md runs: its Python blocks in order in one namespace, its ``mmstudy`` shell
lines through the CLI and its TOML sweep table through the study model, from a folder holding
a copy of the ubermag fixture ``tests/data/ubermag/ubsky``. The fast test shortens the sweep
to 2 points and the dynamics to 20 ps (the text it replaces must be on the page, once); the
slow one runs the page as written (20 points). Blocks marked ``oommf`` need OOMMF."""

from __future__ import annotations

import re
import shlex
import shutil
import tomllib
from pathlib import Path

import pytest
from oommfc_runner import private_runner

DOC = Path(__file__).parents[1] / "docs" / "ubermag.md"
UBSKY = Path(__file__).parent / "data" / "ubermag" / "ubsky"
#: what the fast test changes: the sweep's length and the dynamics' duration
FAST = {"np.linspace(0, 190, 20)": "np.linspace(190, 190, 1)",
        '("TimeDriver", {"t": 1e-10, "n": 10})': '("TimeDriver", {"t": 2e-11, "n": 2})',
        "sweep.to_ubermag(point=3, stage=1)": "sweep.to_ubermag(point=0, stage=1)"}


def _blocks(text: str) -> list[tuple[str, str, str]]:
    """(language, info after it, code) of each fenced block."""
    return re.findall(r"^```(\w+)([^\n]*)\n(.*?)^```", text, re.M | re.S)


def _run_page(tmp_path: Path, monkeypatch, replace: dict[str, str],
              commands: tuple[str, ...] = ("info", "analyze")) -> dict:
    text = DOC.read_text()
    for old, new in replace.items():
        assert text.count(old) == 1, f"docs/ubermag.md no longer has {old!r} once"
        text = text.replace(old, new)
    shutil.copytree(UBSKY, tmp_path / "ubsky")
    monkeypatch.chdir(tmp_path)
    from typer.testing import CliRunner

    from orchestrator.backends.oommf import OOMMFBackend
    from orchestrator.cli import app

    backend = OOMMFBackend()
    oommf = backend.find()
    namespace: dict = {"__name__": "docs_ubermag"}
    ran = {"python": 0, "oommf": 0, "bash": 0, "toml": 0}
    for lang, info, code in _blocks(text):
        if lang == "python" and "oommf" in info.split():
            if not oommf.found:
                continue  # needs OOMMF: skipped here, reported by the caller
            import oommfc as oc

            # the runner oommfc caches (its setter would first run a test problem)
            monkeypatch.setattr(oc.runner, "_runner", private_runner(backend._command()[0]))
            exec(compile(code, "docs/ubermag.md (oommf)", "exec"), namespace)
            ran["oommf"] += 1
        elif lang == "python":
            exec(compile(code, "docs/ubermag.md", "exec"), namespace)
            ran["python"] += 1
        elif lang == "bash":
            for line in code.splitlines():
                args = shlex.split(line)
                assert args[0] == "mmstudy", line
                if args[1] not in commands:
                    continue
                result = CliRunner().invoke(app, args[1:])
                assert result.exit_code == 0, (line, result.output)
                ran["bash"] += 1
        elif lang == "toml":
            from mmstudy import validate_study

            data = dict(namespace["data"])
            data["sweep"] = tomllib.loads(code)["sweep"]
            assert validate_study(data).sweep.parameters["u"].set == ["drives.zhangli.I.0"]
            ran["toml"] += 1
    assert ran["python"] >= 5 and ran["bash"] == len(commands) and ran["toml"] == 1, ran
    namespace["_ran"], namespace["_oommf"] = ran, oommf
    return namespace


def test_the_ubermag_tutorial_runs_on_a_short_sweep(tmp_path, monkeypatch):
    """Every block of the tutorial runs (a sweep of 1 point, 20 ps; of the shell lines only
    ``mmstudy info``): the drive folders open and show one skyrmion; the converted study
    sweeps, runs and is analysed; and, where OOMMF is installed, ubermag minimises one point
    of it."""
    ns = _run_page(tmp_path, monkeypatch, FAST, commands=("info",))
    assert ns["track"]["Q"] == pytest.approx(-1, abs=1e-3)
    assert ns["summary"].exit_code == 0 and len(ns["summary"].done) == 1
    assert dict(ns["sweep_ds"].sizes)["u"] == 1
    assert ns["v"]["vx"] < -100  # u = 190 m/s: the skyrmion moves along −x
    assert ns["kwargs"] == {"t": 2e-11, "n": 2}
    assert (Path("ubsky_study") / "m0.omf").is_file()
    if not ns["_oommf"].found:
        pytest.skip(f"the tutorial ran, except its OOMMF block: {ns['_oommf'].how}")
    assert ns["_ran"]["oommf"] == 1


@pytest.mark.slow
def test_the_ubermag_tutorial_runs_as_written(tmp_path, monkeypatch):
    """The tutorial as written: a 20-point sweep on two cores; the skyrmion's speed grows
    with the current."""
    ns = _run_page(tmp_path, monkeypatch, {})
    assert len(ns["summary"].done) == 20
    assert ns["v"]["vx"] < -100  # the last point, u = 190 m/s
