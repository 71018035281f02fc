"""Command-line edges (issue 13): a user's mistake gives one line and a non-zero exit,
never a traceback; info/export on sweeps; --force; run.py reruns; --mask units."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.study.load import StudyError, load_study

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv("MMSTUDY_DEBUG", raising=False)  # a developer's shell may set it


def one_line_error(result, *needles: str) -> str:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    for needle in needles:
        assert needle in result.output, result.output
    return result.output


# ---------------------------------------------------------------- 1: study that is no file


def test_load_study_on_a_directory_names_it(tmp_path):
    with pytest.raises(StudyError, match="a folder, not a study file") as info:
        load_study(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_load_study_on_a_binary_file_names_it(tmp_path):
    f = tmp_path / "m.ovf"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x01")
    with pytest.raises(StudyError, match="not a text") as info:
        load_study(f)
    assert str(f) in str(info.value)


@pytest.mark.parametrize("command", ["run", "scripts"])
def test_run_and_scripts_on_a_directory(tmp_path, command):
    args = [command, str(tmp_path)] + (["--backend", "builtin", "--out", str(tmp_path / "o")]
                                        if command == "scripts" else ["--out", str(tmp_path / "o")])
    result = runner.invoke(app, args)
    one_line_error(result, "error:", str(tmp_path), "folder")


@pytest.mark.parametrize("command", ["run", "scripts"])
def test_run_and_scripts_on_a_binary_file(tmp_path, command):
    f = tmp_path / "study.toml"
    f.write_bytes(b"\xff\xfe\x00binary\x80\x81")
    args = [command, str(f)] + (["--backend", "builtin", "--out", str(tmp_path / "o")]
                                 if command == "scripts" else ["--out", str(tmp_path / "o")])
    result = runner.invoke(app, args)
    one_line_error(result, "error:", str(f))


def test_unexpected_user_error_is_one_line_and_debug_shows_the_traceback(tmp_path, monkeypatch):
    # a user-error exception that no command catches itself (here: a permission problem
    # raised from deep inside) still becomes one line; --debug / MMSTUDY_DEBUG=1 re-raise it
    import analysis.summary

    def boom(*a, **k):
        raise PermissionError(13, "Permission denied", str(tmp_path / "x.ovf"))

    monkeypatch.setattr(analysis.summary, "describe", boom)
    result = runner.invoke(app, ["info", str(tmp_path / "x.ovf")])
    one_line_error(result, "error:", "Permission denied", str(tmp_path / "x.ovf"))
    result = runner.invoke(app, ["--debug", "info", str(tmp_path / "x.ovf")])
    assert isinstance(result.exception, PermissionError)
    monkeypatch.setenv("MMSTUDY_DEBUG", "1")
    result = runner.invoke(app, ["info", str(tmp_path / "x.ovf")])
    assert isinstance(result.exception, PermissionError)


# ---------------------------------------------------------------- 2: info checks the data section


def _ovf(tmp_path, representation):
    import numpy as np

    from analysis.ovf import write_ovf

    path = tmp_path / f"m-{representation}.ovf"
    write_ovf(path, np.random.default_rng(0).standard_normal((2, 3, 4, 3)),
              representation=representation, cell=(1e-9, 1e-9, 1e-9), title="m", time=1e-12)
    return path


@pytest.mark.parametrize("representation", ["bin4", "bin8", "text"])
def test_info_on_truncated_ovf_data_fails(tmp_path, representation):
    path = _ovf(tmp_path, representation)
    assert runner.invoke(app, ["info", str(path)]).exit_code == 0
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) * 2 // 3])
    one_line_error(runner.invoke(app, ["info", str(path)]), "error:", str(path), "truncated")


@pytest.mark.parametrize("nbytes", [4, 8])
def test_info_on_a_wrong_check_value_fails(tmp_path, nbytes):
    import numpy as np

    from analysis.ovf import read_ovf_header

    path = _ovf(tmp_path, f"bin{nbytes}")
    start = read_ovf_header(path).data_offset
    raw = bytearray(path.read_bytes())
    raw[start:start + nbytes] = np.array([42.0], f"<f{nbytes}").tobytes()
    path.write_bytes(bytes(raw))
    one_line_error(runner.invoke(app, ["info", str(path)]), "error:", str(path), "check value")


def test_check_ovf_data_reads_only_the_ends(tmp_path, monkeypatch):
    # the check never reads the values themselves: a huge file costs a seek, not a read
    import numpy as np

    from analysis import ovf

    path = tmp_path / "big.ovf"
    ovf.write_ovf(path, np.zeros((1, 512, 512, 3)), representation="bin8", cell=(1e-9,) * 3)
    header = ovf.read_ovf_header(path)
    monkeypatch.setattr(np, "fromfile", lambda *a, **k: pytest.fail("read the data"))
    monkeypatch.setattr(np, "memmap", lambda *a, **k: pytest.fail("mapped the data"))
    ovf.check_ovf_data(header)


# ---------------------------------------------------------------- 3: info/export on a sweep folder


def _sweep(root):
    import json
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_runs import _point

    entries = [_point(root, "p1", "done", {"j": 1.0}), _point(root, "p2", "done", {"j": 2.0}),
               _point(root, "p3", "failed", {"j": 3.0})]
    for i, e in enumerate(entries):
        e.update(index=i, id=e["folder"])
    (root / "manifest.json").write_text(json.dumps(
        {"study": "demo", "backend": "builtin", "parameters": ["j"], "mode": "product",
         "points": entries}))
    return root


def test_info_describes_a_sweep_folder(tmp_path):
    sweep = _sweep(tmp_path / "sweep")
    result = runner.invoke(app, ["info", str(sweep)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "sweep" in out and "3 points" in out and "2 done" in out and "1 failed" in out
    assert "j" in out and "p1" in out and "p3" in out and "failed" in out


def test_export_writes_a_sweep_folder_as_one_dataset(tmp_path):
    import xarray as xr

    sweep = _sweep(tmp_path / "sweep")
    target = tmp_path / "sweep.nc"
    result = runner.invoke(app, ["export", str(sweep), "--to", str(target)])
    assert result.exit_code == 0, result.output
    with xr.open_dataset(target) as ds:
        assert ds.j.values.tolist() == [1.0, 2.0]
        assert "m" in ds


# ---------------------------------------------------------------- 4: --force, not overwrite=True


def test_export_refusal_names_the_force_flag(tmp_path):
    from conftest import OOMMF

    out = tmp_path / "run.nc"
    args = ["export", str(OOMMF), "--basename", "skyrmion_6ngbr", "--to", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    text = one_line_error(runner.invoke(app, args), "already exists", "--force", str(out))
    assert "overwrite=True" not in text


def test_analyze_refusal_names_the_force_flag(tmp_path):
    from conftest import OOMMF

    args = ["analyze", str(OOMMF), "--basename", "skyrmion_6ngbr", "--out", str(tmp_path / "a")]
    assert runner.invoke(app, args).exit_code == 0
    text = one_line_error(runner.invoke(app, args), "already exist", "--force")
    assert "overwrite=True" not in text


# ---------------------------------------------------------------- 5: a point's run.py reruns it


def test_point_run_py_reruns_and_keeps_the_earlier_output(tmp_path, monkeypatch, capsys):
    import runpy
    import sys

    from orchestrator.backends.builtin import BuiltinBackend
    from orchestrator.study import validate_study

    study = validate_study({
        "name": "x", "mesh": {"n": [4, 4, 1], "cell": [1e-9] * 3},
        "materials": {"default": {"Ms": 8e5, "A": 1.3e-11, "alpha": 0.5}},
        "stages": [{"type": "minimize"}]})
    folder = tmp_path / "point"
    BuiltinBackend().render(study, folder)
    script = str(folder / "run.py")
    monkeypatch.setattr(sys, "argv", [script])
    runpy.run_path(script, run_name="__main__")
    first = sorted(p.name for p in (folder / "run.out").iterdir())
    assert first
    runpy.run_path(script, run_name="__main__")  # once failed with FileExistsError
    assert sorted(p.name for p in (folder / "attempts" / "1" / "run.out").iterdir()) == first
    assert (folder / "run.out").is_dir()
    assert "attempts" in capsys.readouterr().out
    # into a fresh folder of one's choice, leaving the point's own output alone
    monkeypatch.setattr(sys, "argv", [script, str(tmp_path / "fresh")])
    runpy.run_path(script, run_name="__main__")
    assert sorted(p.name for p in (tmp_path / "fresh").iterdir()) == first
    assert not (folder / "attempts" / "2").exists()


# ---------------------------------------------------------------- 6: --mask takes units


def test_mask_box_accepts_units_like_every_other_length():
    import numpy as np
    import xarray as xr

    from orchestrator.cli import _load_mask

    x = (np.arange(10) + 0.5) * 2e-9
    ds = xr.Dataset(coords={"x": x, "y": x})
    in_metres = _load_mask("0,10e-9,0,2e-8", ds)
    with_units = _load_mask("0 nm, 10 nm, 0, 0.02 um", ds)
    assert with_units.dims == ("y", "x") and int(with_units.sum()) == 5 * 10
    xr.testing.assert_equal(with_units, in_metres)
    with pytest.raises(ValueError, match="3 s"):
        _load_mask("0,3 s,0,1e-8", ds)


def test_analyze_mask_with_units_on_the_command_line(tmp_path):
    from conftest import OOMMF

    args = ["analyze", str(OOMMF), "--basename", "skyrmion_6ngbr", "--out", str(tmp_path / "a"),
            "--mask", "0 nm,40 nm,0 nm,40 nm"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "count_in_mask.csv").is_file()
