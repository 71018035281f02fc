"""A paper's report: per-figure sections, assembled into ``report.md`` and ``summary.json``.

Layout of a report folder (``reports/<paper>/<quick|full>[-<backend>]/``)::

    report.md              the paper's header, summary, cost, then every figure's section
    summary.json           every claim of every figure (schema ``mmstudy.report/1``)
    <csv>.csv, <plot>.png  each figure's table and pictures
    sections/<fig>.md      a figure's section as last written ...
    sections/<fig>.json    ... and its claims, headline lines, cost and time of writing

:func:`write_report` writes the sections of the figures analysed in this pass and then
assembles ``report.md`` from every section there is, so figures run in different
sessions (``mmstudy paper run NAME --figure fig3``) end up in one report; a section from
an earlier pass says when it was written. :func:`write_index` writes ``reports/README.md``,
the index of every paper's reports.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from analysis.atomic import atomic_path, atomic_open  # noqa: E402
from mmstudy.resources import checkout_root  # noqa: E402
from orchestrator.papers.claims import Claim  # noqa: E402
from orchestrator.papers.markdown import (SUMMARY_SCHEMA, claim_counts, claims_details,  # noqa: E402
                                          claims_list, environment, hours, md_table,
                                          write_summary, write_text)
from orchestrator.papers.overrides import load_overrides  # noqa: E402
from orchestrator.papers.paper import FigureResult, Paper  # noqa: E402

__all__ = ["write_report", "assemble", "write_index", "draw_plots", "SECTIONS_DIR", "DPI"]

SECTIONS_DIR = "sections"
DPI = 110


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _commit() -> str | None:
    """The checkout's commit (short), or None for an installed mmstudy."""
    root = checkout_root()
    if root is None:
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def rel(p: Path) -> str:
    """``p`` relative to the checkout (or as given)."""
    root = checkout_root() or Path.cwd()
    try:
        return str(Path(p).resolve().relative_to(root))
    except ValueError:
        return str(p)


def command(paper: Paper, quick: bool, backend: str, figure: str | None = None) -> str:
    """The command that writes this report (or one figure of it)."""
    cmd = f"mmstudy paper run {paper.name}" + (" --quick" if quick else "")
    if backend != "builtin":
        cmd += f" --backend {backend}"
    return cmd + (f" --figure {figure}" if figure else "")


def draw_plots(paper: Paper, spec, result: FigureResult, folder: Path) -> list[Path]:
    """Each PNG of the figure: the panels its ``paper.toml`` asks for, drawn by the
    registered function, saved atomically into ``folder``."""
    paths = []
    for plot in spec.plots:
        fig, axes = plt.subplots(plot.rows, plot.cols, figsize=plot.size)
        try:
            paper.drawers[plot.file](result, axes)
            if plot.caption:
                fig.suptitle(plot.caption, fontsize=10)
            path = folder / f"{plot.file}.png"
            with atomic_path(path, overwrite=True) as tmp:
                fig.savefig(tmp, dpi=DPI, bbox_inches="tight", format="png")
        finally:
            plt.close(fig)
        paths.append(path)
    return paths


def _cost_rows(paper: Paper, spec, runs: dict) -> list[dict[str, Any]]:
    return [{"study": f"`{rel(paper.study_file(stem))}`", "points": len(runs[stem].points),
             "solver time in points (s)": round(runs[stem].compute_s),
             "wall time of its points (s)": round(runs[stem].busy_s),
             "wall time of this pass (s)": round(runs[stem].wall_s)}
            for stem in spec.studies if stem in runs]


def _section(paper: Paper, env, name: str, result: FigureResult, claims: list[Claim],
             pngs: list[Path], *, quick: bool, backend: str) -> tuple[str, list[str]]:
    """The Markdown section of one figure and its headline lines."""
    spec = paper.spec.figure(name)
    ctx = dict(res=result, table=result.table, facts=result.facts, data=result.data,
               claims={c.name: c for c in claims}, spec=spec, ref=spec.reference,
               quick=quick, backend=backend, paper=paper.spec)
    body = env.get_template(spec.template).render(**ctx).strip()
    head = [line.strip() for h in spec.headline
            for line in env.from_string(h).render(**ctx).splitlines() if line.strip()]
    if not head and claims:
        n = claim_counts(claims)
        head = [f"{spec.title.split(':')[0]}: {n['hold']}/{n['hold'] + n['fail']} "
                f"statements hold" + (f", {n['untested']} not tested" if n["untested"] else "")]
    lines = [f"## {spec.title}", "", f"**Paper:** {spec.statement}", "", "**Here:**", ""]
    lines += [body, "", claims_list(claims), "", claims_details(claims), ""]
    lines += [f"![{p.stem}]({p.name})\n" for p in pngs]
    lines.append(f"Data: [`{spec.csv}.csv`]({spec.csv}.csv).")
    if result.notes:
        lines += ["", "Points not analysed:", *[f"- {n}" for n in result.notes]]
    return "\n".join(lines), head


def write_report(paper: Paper, done: dict[str, tuple[FigureResult, list[Claim]]], runs: dict,
                 folder: Path, *, quick: bool, backend: str, out: Path, run_wall_s: float,
                 total_wall_s: float, log: IO[str] | None = None) -> Path:
    """Write the sections of the analysed figures, then assemble the report; returns
    ``report.md``."""
    log = log or sys.stdout
    folder = Path(folder)
    (folder / SECTIONS_DIR).mkdir(parents=True, exist_ok=True)
    env = environment(paper.templates)
    now = _now()
    for name, (result, claims) in done.items():
        spec = paper.spec.figure(name)
        with atomic_open(folder / f"{spec.csv}.csv", "w", overwrite=True) as fh:
            result.table.to_csv(fh, index=False)
        pngs = draw_plots(paper, spec, result, folder) if not result.table.empty else []
        text, head = _section(paper, env, name, result, claims, pngs, quick=quick,
                              backend=backend)
        write_text(folder / SECTIONS_DIR / f"{name}.md", text)
        write_summary(folder / SECTIONS_DIR / f"{name}.json", {
            "figure": name, "title": spec.title, "written": now, "commit": _commit(),
            "mode": "quick" if quick else "full", "backend": backend, "headline": head,
            "claims": [c.as_dict() for c in claims], "csv": f"{spec.csv}.csv",
            "pngs": [p.name for p in pngs], "notes": result.notes,
            "cost": _cost_rows(paper, spec, runs)})
        for line in head:
            log.write(f"   {line}\n")
    return assemble(paper, folder, quick=quick, backend=backend, out=out, written=now,
                    fresh=set(done), run_wall_s=run_wall_s, total_wall_s=total_wall_s)


def _read_sections(paper: Paper, folder: Path) -> dict[str, tuple[str, dict]]:
    out = {}
    for f in paper.spec.figures:
        md, js = folder / SECTIONS_DIR / f"{f.name}.md", folder / SECTIONS_DIR / f"{f.name}.json"
        if md.is_file() and js.is_file():
            out[f.name] = (md.read_text(encoding="utf-8"), json.loads(js.read_text("utf-8")))
    return out


def assemble(paper: Paper, folder: Path, *, quick: bool, backend: str, out: Path,
             written: str, fresh: set[str] = frozenset(), run_wall_s: float = 0.0,
             total_wall_s: float = 0.0) -> Path:
    """``report.md`` and ``summary.json`` from every section in ``folder/sections``
    (``fresh``: the figures written by this pass; the others say when they were written).
    When ``folder`` sits in ``<reports>/<paper>/``, the index ``<reports>/README.md`` is
    rewritten too (never for a report folder elsewhere)."""
    sections = _read_sections(paper, folder)
    env = environment(paper.templates)
    cost, seen = [], set()
    for _, info in sections.values():
        for row in info.get("cost", []):
            if row["study"] not in seen:
                seen.add(row["study"])
                cost.append(row)
    points_wall_s = float(sum(r["wall time of its points (s)"] for r in cost))
    overrides = {}
    if quick and paper.quick_overrides is not None:
        overrides = load_overrides(paper.quick_overrides, studies=paper.studies_dir)
    ctx = dict(paper=paper.spec, mode="quick" if quick else "full", quick=quick,
               backend=backend, command=command(paper, quick, backend), written=written,
               cpu_count=os.cpu_count(), out=rel(out))
    header = env.get_template(paper.spec.header).render(**ctx).strip()
    body = []
    for f in paper.spec.figures:
        if quick and not f.quick:
            body.append(f"## {f.title}\n\n**Paper:** {f.statement}\n\nFull mode only "
                        f"(too costly for quick mode): "
                        f"`{command(paper, False, backend, f.name)}`.\n")
            continue
        if f.name not in sections:
            body.append(f"## {f.title}\n\n**Paper:** {f.statement}\n\nNot run yet: "
                        f"`{command(paper, quick, backend, f.name)}`.\n")
            continue
        text, info = sections[f.name]
        if f.name not in fresh:
            text = text.replace("**Here:**", f"**Here** (section written {info['written']}"
                                + (f" at commit {info['commit']}" if info.get("commit") else "")
                                + " by an earlier pass):", 1)
        body.append(text)
    claims = [c for _, info in sections.values() for c in info.get("claims", [])]
    text = env.get_template("report.md.j2").render(
        header=header, headline=[h for _, info in sections.values() for h in info["headline"]],
        counts=claim_counts(claims), overrides=overrides,
        overrides_file=rel(paper.quick_overrides) if paper.quick_overrides else "",
        cost=md_table(cost) if cost else "", points_wall=hours(points_wall_s),
        run_wall_s=run_wall_s, total_wall_s=total_wall_s, sections=body, **ctx)
    path = write_text(folder / "report.md", text)
    write_summary(folder / "summary.json", {
        "paper": paper.name, "number": paper.spec.number, "title": paper.spec.title,
        "mode": ctx["mode"], "backend": backend, "written": written, "commit": _commit(),
        "command": ctx["command"], "cpu_count": os.cpu_count(),
        "run_wall_s": run_wall_s, "total_wall_s": total_wall_s,
        "points_wall_s": points_wall_s, "counts": claim_counts(claims),
        "sections_written": sorted({info.get("written", "") for _, info in sections.values()}),
        "headline": [h for _, info in sections.values() for h in info["headline"]],
        "figures": {name: {k: info[k] for k in ("title", "written", "commit", "claims",
                                                "csv", "pngs", "notes") if k in info}
                    for name, (_, info) in sections.items()}})
    if folder.resolve().parent.name == paper.name:
        write_index(folder.resolve().parent.parent)
    return path


INDEX_TITLE = "# Reports\n"


def write_index(reports: Path) -> Path | None:
    """``reports/README.md``: every report below ``reports/<paper>/``, with its counts and
    headline (read from the ``summary.json`` files). A ``README.md`` there that is not
    such an index is left alone (None is returned): it is someone's file."""
    reports = Path(reports)
    index = reports / "README.md"
    if index.is_file() and not index.read_text(encoding="utf-8", errors="replace") \
            .startswith(INDEX_TITLE):
        return None
    lines = [INDEX_TITLE.strip(), "", "Written by `mmstudy paper run NAME [--quick]` "
             "(`make <paper>`, `make <paper>-quick`); re-rendered from finished runs by "
             "`mmstudy paper report NAME`. This index is rewritten with every report.", ""]
    for summary in sorted(reports.glob("*/*/summary.json")):
        try:
            info = json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if info.get("schema") != SUMMARY_SCHEMA:
            continue
        n = info.get("counts", {})
        sub = summary.parent.relative_to(reports)
        when = info.get("sections_written") or [info.get("written")]
        when = when[0] if len(when) == 1 else f"{when[0][:10]} … {when[-1][:10]} (by figure)"
        lines += [f"## [{info.get('paper', sub.parts[0])} {sub.parts[1]}]({sub}/report.md)", "",
                  f"Paper {info.get('number', '?')}: *{info.get('title', '')}*. "
                  f"{info.get('mode')} mode, {info.get('backend')} backend, written "
                  f"{when}; {n.get('hold', 0)} claims hold, "
                  f"{n.get('fail', 0)} fail, {n.get('untested', 0)} not tested; its points "
                  f"took {hours(info.get('points_wall_s', 0))} on "
                  f"{info.get('cpu_count', '?')} cores.", "",
                  *[f"- {h}" for h in info.get("headline", [])], ""]
    return write_text(index, "\n".join(lines))
