"""The paper framework (orchestrator/papers/): the paper.toml schema, claims, every
registered paper's completeness, a toy paper's report end to end (no solver), and the
command line (`mmstudy paper`, `python -m orchestrator.papers`).

The quick reproduction of every registered paper is the slow test at the end."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.papers import cli as papers_cli
from orchestrator.papers import pipeline, registry, report
from orchestrator.papers.claims import Estimate, Measured, format_estimate, judge
from orchestrator.papers.markdown import SUMMARY_SCHEMA
from orchestrator.papers.paper import FigureInput, FigureResult, Paper
from orchestrator.papers.spec import FigureSpec, PaperSpecError, load_spec

runner = CliRunner()
PAPERS = registry.names()
ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- a toy paper

HEAD = """\
name = "toy"
number = "999"
title = "A toy paper"
citation = "Nobody, *A toy* (2025)"
studies = "janus"        # a shipped folder; the toy's own study files are not there
quick_time = "1 s"
full_time = "2 s"
"""

FIG1 = """\
[[figures]]
name = "fig1"
title = "Fig. 1: a straight line"
studies = ["line"]
statement = "The slope is 2."
csv = "fig1_line"
template = "fig1.md.j2"
plots = [{ file = "fig1_line", caption = "the line" }]

[figures.reference]
slope = 2

[figures.parameters]
points = 5

[[figures.claims]]
name = "slope"
what = "the slope is within {threshold} of 2"
test = "<"
threshold = 0.1
quick_threshold = 0.5
reference = 2
tolerance = "|slope - 2| below 0.1 (0.5 in quick mode)"
reason = "the toy's noise"

[[figures.claims]]
name = "straight"
what = "the points lie on a line"
tolerance = "residuals below 1e-9"
reason = "there is no noise"
"""

FIG2 = """\
[[figures]]
name = "fig2"
title = "Fig. 2: a parabola"
studies = ["parabola"]
statement = "It curves up."
csv = "fig2_parabola"
template = "fig2.md.j2"
plots = [{ file = "fig2_parabola", rows = 1, cols = 2, size = [8, 3] }]

[[figures.claims]]
name = "curves_up"
what = "it curves up"
tolerance = "second difference above 0"
reason = "a yes/no"
"""


def _write(folder: Path, text: str, name: str = "paper.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _toy(folder: Path, *figures: str) -> Paper:
    """A toy paper in ``folder`` with these figures (FIG1, FIG2), its templates, and an
    analysis and a drawing per figure (no study is ever run)."""
    _write(folder, HEAD + "\n" + "\n".join(figures))
    tpl = folder / "templates"
    _write(tpl, "# {{ paper.title }}\n\n{{ paper.citation }}\n", "header.md.j2")
    _write(tpl, "Slope {{ facts.slope | fmt }} (paper {{ ref.slope }}), "
                "{{ claims.slope.mark }}.\n\n{{ table | table }}\n", "fig1.md.j2")
    _write(tpl, "Curvature {{ facts.curvature | fmt }}.\n", "fig2.md.j2")
    paper = Paper.from_folder(folder / "paper.toml")
    names = [f.name for f in paper.spec.figures]
    if "fig1" in names:
        @paper.analyse("fig1")
        def _fig1(inp: FigureInput) -> FigureResult:
            x = np.arange(inp.param("points"), dtype=float)
            y = 2.2 * x + 1
            slope = np.polyfit(x, y, 1)[0]
            return FigureResult(pd.DataFrame({"x": x, "y": y}), data={"x": x, "y": y},
                                measured={"slope": Measured(abs(slope - 2), {"slope": slope}),
                                          "straight": Measured(True)},
                                facts={"slope": slope})

        @paper.draw("fig1_line")
        def _draw1(result, ax):
            ax.plot(result.data["x"], result.data["y"], "o-")
    if "fig2" in names:
        @paper.analyse("fig2")
        def _fig2(inp: FigureInput) -> FigureResult:
            x = np.linspace(-1, 1, 5)
            return FigureResult(pd.DataFrame({"x": x, "y": x**2}), data={"x": x},
                                measured={"curves_up": Measured(np.bool_(True))},
                                facts={"curvature": 2.0})

        @paper.draw("fig2_parabola")
        def _draw2(result, axes):
            for ax in axes:
                ax.plot(result.data["x"], result.data["x"] ** 2)
    return paper


def _analyse(paper: Paper, name: str, quick: bool = True):
    spec = paper.spec.figure(name)
    result = paper.analysers[name](FigureInput(spec, {}, quick))
    return result, judge(spec, result.measured, quick=quick)


def _write_report(paper: Paper, done: dict, tmp: Path, quick: bool = True) -> Path:
    return report.write_report(paper, done, runs={}, folder=tmp / "reports" / "toy" / "quick",
                               quick=quick, backend="builtin", out=tmp / "runs",
                               run_wall_s=0, total_wall_s=0, log=io.StringIO())


# --------------------------------------------------------------------------- load_spec


def _spec_error(tmp_path: Path, text: str) -> PaperSpecError:
    path = _write(tmp_path / "bad", text)
    with pytest.raises(PaperSpecError) as err:
        load_spec(path)
    assert str(path) in str(err.value)  # the file is named
    assert err.value.source == str(path)
    return err.value


def test_a_good_spec_loads(tmp_path):
    spec = load_spec(_write(tmp_path, HEAD + FIG1 + FIG2))
    assert [f.name for f in spec.figures] == ["fig1", "fig2"]
    assert spec.figure("fig1").claim("slope").limit(quick=True) == 0.5
    assert spec.figure("fig1").claim("slope").limit(quick=False) == 0.1
    assert spec.study_stems == ["line", "parabola"]
    assert spec.quick is None and spec.header == "header.md.j2"


FIG1_LIKE = """\
[[figures]]
name = "fig1b"
like = "fig1"
title = "Fig. 1b: the line elsewhere"
studies = ["line_b"]
csv = "fig1b_line"
template = "fig1.md.j2"

[figures.parameters]
offset = 1
"""


def test_a_figure_like_another_takes_its_statement_claims_and_parameters(tmp_path):
    spec = load_spec(_write(tmp_path, HEAD + FIG1 + FIG1_LIKE))
    a, b = spec.figure("fig1"), spec.figure("fig1b")
    assert b.statement == a.statement and b.reference == a.reference
    assert [c.name for c in b.claims] == ["slope", "straight"]
    assert b.parameters == {"points": 5, "offset": 1}  # its own added to the other's
    assert b.studies == ["line_b"] and b.csv == "fig1b_line"


def test_spec_error_for_like_naming_no_earlier_figure_or_no_statement(tmp_path):
    err = _spec_error(tmp_path, HEAD + FIG1_LIKE + FIG1)  # fig1 comes after it
    assert "figure fig1b: like = 'fig1' names no figure before it" in str(err)
    err = _spec_error(tmp_path, HEAD + FIG2.replace('statement = "It curves up."\n', ""))
    assert "figure fig2: a statement" in str(err)


def test_spec_error_names_the_claim_without_a_threshold(tmp_path):
    err = _spec_error(tmp_path, HEAD + FIG1.replace('test = "<"', 'test = "<="')
                      .replace("threshold = 0.1\n", "").replace("quick_threshold", "#"))
    assert "figures[0] (fig1).claims[0] (slope)" in str(err)
    assert "test '<=' needs a threshold" in str(err)


def test_spec_error_names_a_missing_tolerance(tmp_path):
    err = _spec_error(tmp_path, HEAD + FIG1.replace(
        'tolerance = "residuals below 1e-9"\n', ""))
    assert len(err.problems) == 1
    assert "figures[0] (fig1).claims[1] (straight).tolerance" in err.problems[0]
    assert "required" in err.problems[0].lower()


def test_spec_error_names_duplicate_figures(tmp_path):
    err = _spec_error(tmp_path, HEAD + FIG1 + FIG1)
    assert "figures" in str(err) and "figure names must be unique: fig1" in str(err)


def test_spec_error_names_duplicate_claims_and_unknown_fields(tmp_path):
    err = _spec_error(tmp_path, HEAD + FIG1.replace('name = "straight"', 'name = "slope"')
                      .replace("[figures.reference]", "colour = 'red'\n[figures.reference]"))
    text = str(err)
    assert "claim names must be unique in a figure: slope" in text
    assert "figures[0] (fig1).colour" in text and "not permitted" in text
    assert len(err.problems) == 2


def test_spec_error_for_bad_toml(tmp_path):
    err = _spec_error(tmp_path, HEAD + "[[figures]\nname = ")
    assert "not valid TOML" in str(err)


def test_spec_error_for_no_figures_and_a_bad_test(tmp_path):
    err = _spec_error(tmp_path, HEAD)
    assert "figures" in str(err)
    err = _spec_error(tmp_path, HEAD + FIG1.replace('test = "<"', 'test = "≈"'))
    assert "figures[0] (fig1).claims[0] (slope).test" in str(err)


# --------------------------------------------------------------------------- judge


def _claim(test: str, threshold=None, quick_threshold=None, name="c") -> FigureSpec:
    claim = {"name": name, "what": "value vs {threshold}", "test": test,
             "tolerance": "t", "reason": "r"}
    if threshold is not None:
        claim["threshold"] = threshold
    if quick_threshold is not None:
        claim["quick_threshold"] = quick_threshold
    return FigureSpec.model_validate({
        "name": "figX", "title": "Fig. X", "studies": ["s"], "statement": "...",
        "csv": "x", "template": "x.md.j2", "claims": [claim]})


@pytest.mark.parametrize("test, value, holds", [
    ("<", 0.9, True), ("<", 1.0, False), ("<=", 1.0, True), ("<=", 1.1, False),
    (">", 1.1, True), (">", 1.0, False), (">=", 1.0, True), (">=", 0.9, False),
    ("==", 1.0, True), ("==", 2.0, False), ("<", np.float64(0.5), True),
    (">=", np.int64(1), True),
])
def test_judge_compares_with_the_threshold(test, value, holds):
    (claim,) = judge(_claim(test, 1.0), {"c": Measured(value, {"n": np.int64(3)})},
                     quick=False)
    assert claim.holds is holds and claim.threshold == 1.0 and claim.test == test
    assert claim.what == "value vs 1.0" and claim.figure == "figX"
    assert claim.details == {"n": 3} and claim.untested == ""
    assert claim.mark == ("✅" if holds else "❌")


def test_judge_uses_the_quick_threshold_in_quick_mode():
    spec = _claim("<", 0.1, quick_threshold=0.5)
    (full,) = judge(spec, {"c": Measured(0.3)}, quick=False)
    (quick,) = judge(spec, {"c": Measured(0.3)}, quick=True)
    assert full.holds is False and full.threshold == 0.1 and full.what == "value vs 0.1"
    assert quick.holds is True and quick.threshold == 0.5 and quick.what == "value vs 0.5"
    # without a quick threshold quick mode uses the threshold
    (plain,) = judge(_claim("<", 0.1), {"c": Measured(0.3)}, quick=True)
    assert plain.holds is False and plain.threshold == 0.1


@pytest.mark.parametrize("value, holds", [(True, True), (False, False),
                                          (np.bool_(True), True), (np.bool_(False), False)])
def test_judge_a_yes_no_claim(value, holds):
    (claim,) = judge(_claim("true"), {"c": Measured(value)}, quick=False)
    assert claim.holds is holds and claim.threshold is None
    assert claim.value is holds and type(claim.value) is bool  # JSON-ready


def test_judge_takes_details_none_as_no_details():
    # paper 002's Fig. 10 analysis once wrote details=None for a claim it could not
    # measure, and the whole report stopped with a TypeError after an hour of runs
    (claim,) = judge(_claim("true"), {"c": Measured(None, None, "no run")}, quick=False)
    assert claim.holds is None and claim.details == {} and claim.untested == "no run"


def test_judge_an_unmeasured_claim_is_not_tested_and_says_why():
    spec = _claim("<", 1.0)
    (claim,) = judge(spec, {"c": Measured(None, why_untested="one temperature in quick mode")},
                     quick=True)
    assert claim.holds is None and claim.untested == "one temperature in quick mode"
    assert claim.mark == "not tested:"
    (claim,) = judge(spec, {"c": Measured(float("nan"))}, quick=True)
    assert claim.holds is None and claim.untested == "not measured in this run"
    (claim,) = judge(spec, {}, quick=True)  # the analysis did not measure it at all
    assert claim.holds is None and claim.value is None
    assert claim.untested == "not measured in this run"


def test_judge_refuses_a_claim_the_figure_does_not_declare():
    with pytest.raises(KeyError, match="figure figX.*measured typo.*does not declare"):
        judge(_claim("<", 1.0), {"c": Measured(0.5), "typo": Measured(1)}, quick=False)


def test_an_observation_is_marked_as_such():
    spec = FigureSpec.model_validate({
        "name": "f", "title": "F", "studies": ["s"], "statement": "s", "csv": "x",
        "template": "t", "claims": [{"name": "o", "what": "w", "tolerance": "t",
                                     "reason": "r", "observation": True}]})
    assert judge(spec, {"o": Measured(True)}, quick=False)[0].mark == "observed:"
    assert judge(spec, {"o": Measured(False)}, quick=False)[0].mark == "not observed:"


# --------------------------------------------------------------------------- estimates


def test_format_estimate_resolved_and_not():
    assert format_estimate(3.2e-9, 2e-9) == "3.2e-09 ± 2e-09 (62 %)"
    assert format_estimate(18.04, 0.4, ".3g") == "18 ± 0.4"  # small errors: no percentage
    assert format_estimate(-5.0, 1.0) == "-5 ± 1"
    assert format_estimate(5e-10, 1e-9) == "not resolved (5e-10 ± 1e-09)"
    assert format_estimate(-1.0, 1.0).startswith("not resolved")  # error = |value|
    assert format_estimate(0.0, 0.1).startswith("not resolved")
    assert format_estimate(float("nan"), 1.0) == "—"
    assert Estimate(2.0, 1.0).resolved and not Estimate(1.0, 1.0).resolved
    assert not Estimate(1.0, float("inf")).resolved


# --------------------------------------------------------------------------- every paper


@pytest.mark.parametrize("name", PAPERS)
def test_registered_paper_is_complete(name):
    paper = registry.get(name)
    assert paper.name == name == paper.folder.name
    assert paper.problems() == []


@pytest.mark.parametrize("name", PAPERS)
def test_registered_paper_study_files_load(name):
    paper = registry.get(name)
    for quick in (False, True):
        studies = pipeline.load_studies(paper, quick=quick)
        assert list(studies) == paper.spec.study_stems
    if paper.spec.quick:
        assert paper.quick_overrides.is_file()


@pytest.mark.parametrize("name", PAPERS)
def test_registered_paper_has_its_code_and_reasons(name):
    paper = registry.get(name)
    for f in paper.spec.figures:
        assert f.name in paper.analysers, f"{name}: {f.name} has no analysis"
        assert f.plots, f"{name}: {f.name} has no plot"
        for p in f.plots:
            assert p.file in paper.drawers, f"{name}: plot {p.file} has no drawing"
        assert (paper.templates / f.template).is_file()
        for c in f.claims:
            assert c.tolerance.strip() and c.reason.strip(), f"{name}: {f.name}.{c.name}"
    assert (paper.templates / paper.spec.header).is_file()
    assert registry.get(name) is paper  # imported once


def test_registry_names_folders_with_a_paper_toml():
    assert PAPERS == sorted(p.parent.name for p in registry.PAPERS_DIR.glob("*/paper.toml"))
    with pytest.raises(registry.UnknownPaper, match="no paper 'nosuch'; the papers are"):
        registry.get("nosuch")


# --------------------------------------------------------------------------- a toy paper


def test_toy_paper_problems_name_what_is_missing(tmp_path):
    paper = _toy(tmp_path / "toy", FIG1)
    assert paper.problems() == [f"study file {paper.study_file('line')} is missing"]
    (tmp_path / "toy" / "templates" / "fig1.md.j2").unlink()
    bare = Paper.from_folder(tmp_path / "toy")
    problems = "\n".join(bare.problems())
    assert "fig1.md.j2 is missing" in problems
    assert "figure fig1 has no analysis (@PAPER.analyse('fig1'))" in problems
    assert "plot fig1_line has no drawing (@PAPER.draw('fig1_line'))" in problems
    with pytest.raises(KeyError, match="no figure 'fig9'"):
        bare.analyse("fig9")
    with pytest.raises(KeyError, match="no figure of paper.toml has a plot 'nope'"):
        bare.draw("nope")
    with pytest.raises(ValueError, match="analysed twice"):
        paper.analyse("fig1")(lambda inp: None)


def test_toy_paper_report_end_to_end(tmp_path):
    paper = _toy(tmp_path / "toy", FIG1)
    result, claims = _analyse(paper, "fig1")
    assert [(c.name, c.holds) for c in claims] == [("slope", True), ("straight", True)]
    path = _write_report(paper, {"fig1": (result, claims)}, tmp_path)
    folder = tmp_path / "reports" / "toy" / "quick"
    assert path == folder / "report.md"

    text = path.read_text(encoding="utf-8")
    assert text.startswith("# A toy paper")
    assert "## Fig. 1: a straight line" in text and "**Paper:** The slope is 2." in text
    assert "**Here:**" in text and "earlier pass" not in text
    assert "Slope 2.2 (paper 2), ✅." in text  # the figure's template
    assert "✅ the slope is within 0.5 of 2 (measured 0.2, needs < 0.5; paper 2)" in text
    assert "![fig1_line](fig1_line.png)" in text and "[`fig1_line.csv`](fig1_line.csv)" in text
    assert "Claims: 2 hold, 0 fail." in text
    assert "mmstudy paper run toy --quick" in text

    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["schema"] == SUMMARY_SCHEMA == "mmstudy.report/1"
    assert summary["paper"] == "toy" and summary["number"] == "999"
    assert summary["mode"] == "quick" and summary["backend"] == "builtin"
    assert summary["counts"] == {"hold": 2, "fail": 0, "untested": 0, "observations": 0}
    slope = summary["figures"]["fig1"]["claims"][0]
    assert slope["name"] == "slope" and slope["holds"] is True
    assert slope["value"] == pytest.approx(0.2) and slope["threshold"] == 0.5
    assert slope["tolerance"] == "|slope - 2| below 0.1 (0.5 in quick mode)"
    assert slope["reason"] == "the toy's noise" and slope["reference"] == 2
    assert slope["details"]["slope"] == pytest.approx(2.2)
    assert summary["figures"]["fig1"]["pngs"] == ["fig1_line.png"]

    assert (folder / "fig1_line.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pd.testing.assert_frame_equal(pd.read_csv(folder / "fig1_line.csv"), result.table)
    section = (folder / "sections" / "fig1.md").read_text(encoding="utf-8")
    assert section.startswith("## Fig. 1: a straight line") and section.strip() in text
    assert json.loads((folder / "sections" / "fig1.json").read_text())["figure"] == "fig1"

    index = (tmp_path / "reports" / "README.md").read_text(encoding="utf-8")
    assert "## [toy quick](toy/quick/report.md)" in index
    assert "2 claims hold, 0 fail, 0 not tested" in index


def test_toy_paper_second_figure_keeps_the_first(tmp_path, monkeypatch):
    paper = _toy(tmp_path / "toy", FIG1)
    monkeypatch.setattr(report, "_now", lambda: "2025-01-01T10:00:00+00:00")
    _write_report(paper, {"fig1": _analyse(paper, "fig1")}, tmp_path)
    folder = tmp_path / "reports" / "toy" / "quick"
    first = (folder / "sections" / "fig1.md").read_text(encoding="utf-8")

    # the paper gains a figure; a later pass writes only that one
    paper = _toy(tmp_path / "toy", FIG1, FIG2)
    monkeypatch.setattr(report, "_now", lambda: "2025-01-02T10:00:00+00:00")
    _write_report(paper, {"fig2": _analyse(paper, "fig2")}, tmp_path)
    assert (folder / "sections" / "fig1.md").read_text(encoding="utf-8") == first
    text = (folder / "report.md").read_text(encoding="utf-8")
    assert text.index("## Fig. 1") < text.index("## Fig. 2")
    assert ("**Here** (section written 2025-01-01T10:00:00+00:00" in text
            and "by an earlier pass):" in text)
    assert text.count("earlier pass") == 1  # fig2 is this pass's
    assert "Curvature 2." in text and (folder / "fig2_parabola.png").is_file()
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["figures"]) == {"fig1", "fig2"}
    assert summary["figures"]["fig1"]["written"] == "2025-01-01T10:00:00+00:00"
    assert summary["counts"]["hold"] == 3
    index = (tmp_path / "reports" / "README.md").read_text(encoding="utf-8")
    assert "## [toy quick](toy/quick/report.md)" in index and "3 claims hold" in index


def test_toy_paper_figure_not_run_yet_says_how(tmp_path):
    paper = _toy(tmp_path / "toy", FIG1, FIG2)
    _write_report(paper, {"fig2": _analyse(paper, "fig2")}, tmp_path)
    text = (tmp_path / "reports" / "toy" / "quick" / "report.md").read_text(encoding="utf-8")
    assert "Not run yet: `mmstudy paper run toy --quick --figure fig1`." in text


def test_toy_paper_two_passes_in_one_second(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "_now", lambda: "2025-01-01T10:00:00+00:00")
    paper = _toy(tmp_path / "toy", FIG1, FIG2)
    _write_report(paper, {"fig1": _analyse(paper, "fig1")}, tmp_path)
    _write_report(paper, {"fig2": _analyse(paper, "fig2")}, tmp_path)
    text = (tmp_path / "reports" / "toy" / "quick" / "report.md").read_text(encoding="utf-8")
    assert "by an earlier pass" in text


def test_toy_paper_with_a_missing_studies_folder_lists_it(tmp_path):
    _toy(tmp_path / "toy", FIG1)  # its folder and templates
    _write(tmp_path / "toy", (tmp_path / "toy" / "paper.toml").read_text()
           .replace('studies = "janus"', 'studies = "no_such_folder"'))
    assert any("no_such_folder" in p for p in Paper.from_folder(tmp_path / "toy").problems())


# --------------------------------------------------------------------------- command line


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def test_cli_paper_list_shows_every_paper():
    result = runner.invoke(app, ["paper", "list"])
    assert result.exit_code == 0, result.output
    for name in PAPERS:
        paper = registry.get(name)
        line = next(l for l in result.output.splitlines() if l.startswith(f"{name}:"))
        assert f"paper {paper.spec.number}" in line and paper.spec.title in line
        assert ", ".join(f.name for f in paper.spec.figures) in line
        assert line.endswith("; complete"), line
    assert "janus" in PAPERS
    result = runner.invoke(app, ["paper", "list", "--names"])
    assert result.exit_code == 0 and result.output.split() == PAPERS


def test_cli_unknown_paper_is_one_error_line():
    result = runner.invoke(app, ["paper", "run", "nosuchpaper"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = _errors(result.output)
    assert "no paper 'nosuchpaper'" in line and "janus" in line
    result = runner.invoke(app, ["paper", "report", "nosuchpaper", "--quick"])
    assert result.exit_code == 2 and len(_errors(result.output)) == 1


def test_cli_guard_of_the_main_app_covers_paper_commands():
    # the paper sub-app has no guard of its own: --debug shows the error itself
    result = runner.invoke(app, ["--debug", "paper", "run", "nosuchpaper"])
    assert isinstance(result.exception, registry.UnknownPaper)


def test_cli_unknown_figure_names_the_figures():
    result = runner.invoke(app, ["paper", "report", "janus", "--figure", "nosuch"])
    assert result.exit_code == 2, result.output
    (line,) = _errors(result.output)
    assert "has no figure 'nosuch'" in line
    assert all(f.name in line for f in registry.get("janus").spec.figures)


def test_cli_bad_backend_is_a_usage_error():
    result = runner.invoke(app, ["paper", "run", "janus", "--backend", "nope"])
    assert result.exit_code == 2 and "nope" in result.output


@pytest.fixture
def toy_registered(tmp_path, monkeypatch):
    """The toy paper as the only registered one, and what reproduce/render were called with."""
    paper = _toy(tmp_path / "toy", FIG1, FIG2)
    paper.study_file = lambda stem: Path(__file__)  # its "study files" exist: complete
    monkeypatch.setattr(registry, "names", lambda: ["toy"])
    monkeypatch.setattr(registry, "get", lambda name: paper if name == "toy" else
                        (_ for _ in ()).throw(registry.UnknownPaper(f"no paper {name!r}")))
    calls = []

    def reproduce(p, **kw):
        calls.append(("reproduce", p, kw))
        if kw["jobs"] == 7:
            raise KeyboardInterrupt
        return 1 if kw["quick"] else 0

    def render(p, **kw):
        calls.append(("render", p, kw))
        return tmp_path / "reports" / "toy" / "quick" / "report.md"

    monkeypatch.setattr(pipeline, "reproduce", reproduce)
    monkeypatch.setattr(pipeline, "render", render)
    return paper, calls


def test_cli_run_passes_its_options_and_exit_code(toy_registered, tmp_path):
    paper, calls = toy_registered
    result = runner.invoke(app, ["paper", "run", "toy", "--backend", "oommf", "--figure",
                                 "fig2", "-f", "fig1", "--out", str(tmp_path / "o"),
                                 "--no-progress", "--jobs", "3"])
    assert result.exit_code == 0, result.output
    (what, p, kw) = calls[-1]
    assert what == "reproduce" and p is paper
    assert kw["backend"] == "oommf" and kw["figures"] == ["fig1", "fig2"]
    assert kw["out"] == tmp_path / "o" and kw["report"] is None
    assert kw["jobs"] == 3 and kw["progress"] is False and kw["quick"] is False
    result = runner.invoke(app, ["paper", "run", "toy", "--quick"])
    assert result.exit_code == 1  # reproduce's code
    kw = calls[-1][2]
    assert kw["figures"] == ["fig1", "fig2"] and kw["jobs"] == 2 and kw["progress"] is True
    assert kw["backend"] == "builtin"


def test_cli_run_interrupted(toy_registered):
    result = runner.invoke(app, ["paper", "run", "toy", "--jobs", "7"])
    assert result.exit_code == 130
    assert ("interrupted: finished points are kept; run the same command again to resume"
            in result.output)


def test_cli_report_prints_the_path(toy_registered, tmp_path):
    paper, calls = toy_registered
    result = runner.invoke(app, ["paper", "report", "toy", "--quick", "--figure", "fig2",
                                 "--report", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "reports" / "toy" / "quick" / "report.md") in result.output
    (what, p, kw) = calls[-1]
    assert what == "render" and kw["figures"] == ["fig2"] and kw["quick"] is True
    assert kw["report"] == tmp_path / "r"


def test_report_elsewhere_never_replaces_a_readme(tmp_path):
    """The index of the reports is written only for a report folder inside
    ``<reports>/<paper>/``, and never over a README.md that is not such an index."""
    paper = _toy(tmp_path / "toy", FIG1)
    done = {"fig1": _analyse(paper, "fig1")}
    (tmp_path / "README.md").write_text("# my project\n")
    for folder in (tmp_path / "myreport", tmp_path / "toy" / "quick"):  # parent not the paper / is
        report.write_report(paper, done, runs={}, folder=folder, quick=True, backend="builtin",
                            out=tmp_path / "runs", run_wall_s=0, total_wall_s=0,
                            log=io.StringIO())
        assert (folder / "report.md").is_file()
    assert (tmp_path / "README.md").read_text() == "# my project\n"
    (tmp_path / "README.md").write_text("# Reports\n\nan old index\n")  # an index: replaced
    report.write_report(paper, done, runs={}, folder=tmp_path / "toy" / "quick", quick=True,
                        backend="builtin", out=tmp_path / "runs", run_wall_s=0,
                        total_wall_s=0, log=io.StringIO())
    assert "an old index" not in (tmp_path / "README.md").read_text()


def test_cli_refuses_an_incomplete_paper(toy_registered):
    paper, calls = toy_registered
    del paper.drawers["fig2_parabola"]
    result = runner.invoke(app, ["paper", "run", "toy"])
    assert result.exit_code == 2 and not calls
    (line,) = _errors(result.output)
    assert "paper toy is not complete (1 problem)" in line and "fig2_parabola" in line
    result = runner.invoke(app, ["paper", "list"])
    assert result.exit_code == 0
    assert "not complete (1 problem, first: plot fig2_parabola has no drawing" in result.output


def test_python_m_orchestrator_papers(toy_registered, capsys):
    assert papers_cli.main(["list", "--names"]) == 0
    assert capsys.readouterr().out.split() == ["toy"]
    assert papers_cli.main(["run", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert _errors(err) == ["error: no paper 'nosuch'"]
    assert papers_cli.main(["run", "toy", "--figure", "fig9"]) == 2
    assert "has no figure 'fig9' (it has fig1, fig2)" in capsys.readouterr().err
    assert papers_cli.main(["run", "toy", "--jobs", "7"]) == 130
    assert papers_cli.main(["--help"]) == 0
    assert "python -m orchestrator.papers" in capsys.readouterr().out


# --------------------------------------------------------------------------- slow


@pytest.mark.slow
@pytest.mark.parametrize("name", PAPERS)
def test_quick_reproduction_holds(name, tmp_path):
    paper = registry.get(name)
    folder = tmp_path / "report" / name / "quick"
    code = pipeline.reproduce(paper, quick=True, out=tmp_path / "runs", report=folder,
                              jobs=2, progress=False, log=io.StringIO())
    assert code == 0
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["schema"] == SUMMARY_SCHEMA
    assert set(summary["figures"]) == {f.name for f in paper.spec.figures if f.quick}
    # An observation (a side remark seen or not) is reported, not passed or failed. A claim
    # may fail only where the committed quick report already says it does not reproduce
    # (the report is where a paper's result that does not reproduce is stated, with why);
    # every other claim must hold.
    committed = ROOT / "reports" / name / "quick" / "summary.json"
    stated = set()
    if committed.is_file():
        old = json.loads(committed.read_text(encoding="utf-8"))
        stated = {(fig, c["name"]) for fig, info in old["figures"].items()
                  for c in info["claims"] if c["holds"] is False}
    failed = [f"{fig}.{c['name']}: {c['what']} (measured {c['value']}, needs {c['test']} "
              f"{c['threshold']})"
              for fig, info in summary["figures"].items() for c in info["claims"]
              if c["holds"] is False and not c.get("observation") and (fig, c["name"]) not in stated]
    assert not failed, "claims that fail in quick mode (and the committed report says " \
        "they hold):\n" + "\n".join(failed)


def test_a_full_mode_only_figure_is_left_out_of_quick_mode(tmp_path):
    paper = _toy(tmp_path / "toy", FIG1, FIG2.replace('template = "fig2.md.j2"',
                                                      'template = "fig2.md.j2"\nquick = false'))
    assert pipeline.select_figures(paper, None, quick=True) == ["fig1"]
    assert pipeline.select_figures(paper, None, quick=False) == ["fig1", "fig2"]
    with pytest.raises(ValueError, match="fig2 of toy runs in the full mode only"):
        pipeline.select_figures(paper, ["fig2"], quick=True)
    _write_report(paper, {"fig1": _analyse(paper, "fig1")}, tmp_path)
    text = (tmp_path / "reports" / "toy" / "quick" / "report.md").read_text(encoding="utf-8")
    assert "Full mode only (too costly for quick mode): `mmstudy paper run toy --figure fig2`" \
        in text
