"""Issue 13: points of a sweep that did not finish are named, with their state and error,
by `open_runs` and by `mmstudy analyze`'s sweep summary, never silently left out."""

import json
import types

import numpy as np
import pytest

from analysis import open_runs, write_ovf
from orchestrator.dispatch.sweep_analysis import analyze_sweep

CELL = (2e-9, 2e-9, 1e-9)


def _point(root, index, state, params, error=None):
    folder = root / f"p{index}"
    if state == "done":
        out = folder / "run.out"
        out.mkdir(parents=True)
        for i, t in enumerate((0.0, 1e-11)):
            m = np.zeros((1, 4, 6, 3))
            m[..., 2] = 1
            write_ovf(out / f"m{i:06d}.ovf", m, cell=CELL, title="m", time=t,
                      labels=["m_x", "m_y", "m_z"], units="1")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "point.json").write_text("{}")
    (folder / "params.json").write_text(json.dumps(params))
    (folder / "status.json").write_text(json.dumps({"state": state, "error": error}))
    return {"index": index, "id": f"id{index}", "folder": f"p{index}", "state": state,
            "params": params, "given": params}


def _sweep(root):
    entries = [_point(root, 0, "done", {"j": 1.0}),
               _point(root, 1, "failed", {"j": 2.0}, error="SolverError: NaN in m at step 12"),
               _point(root, 2, "done", {"j": 3.0}),
               _point(root, 3, "pending", {"j": 4.0})]
    (root / "manifest.json").write_text(json.dumps({"points": entries}))
    return root


def test_open_runs_names_the_points_it_leaves_out(tmp_path):
    root = _sweep(tmp_path / "sweep")
    with pytest.warns(UserWarning, match="2 of 4 points") as caught:
        ds = open_runs(root)
    text = str(caught[0].message)
    assert "id1" in text and "failed" in text and "NaN in m at step 12" in text
    assert "id3" in text and "pending" in text
    assert ds.j.values.tolist() == [1.0, 3.0]
    missing = json.loads(ds.attrs["missing_points"])
    assert [(p["id"], p["state"]) for p in missing] == [("id1", "failed"), ("id3", "pending")]
    assert missing[0]["error"] == "SolverError: NaN in m at step 12"
    assert missing[0]["params"] == {"j": 2.0}


def test_analyze_sweep_reports_the_missing_points(tmp_path):
    root = _sweep(tmp_path / "sweep")
    lines = []

    def one(path, target):
        return types.SimpleNamespace(summary={"frames": 2, "tracks": [], "Q_last_frame": [0.0],
                                              "method": "lattice"})

    written = analyze_sweep(root, tmp_path / "out", analyze_one=one, echo=lines.append)
    text = "\n".join(lines)
    assert "point 1" in text and "failed" in text and "NaN in m at step 12" in text
    assert "point 3" in text and "pending" in text
    import pandas as pd
    table = pd.read_csv(written[-1])
    assert table.set_index("index").loc[1, "state"] == "failed"
    assert table.set_index("index").loc[1, "error"] == "SolverError: NaN in m at step 12"
    assert table.set_index("index").loc[0, "state"] == "done"
    assert table.set_index("index").loc[0, "Q_method"] == "lattice"
