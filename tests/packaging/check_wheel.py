"""The wheel check (``make test`` runs it after pytest; alone: ``make check-wheel``).

mmstudy as a user gets it from ``pip install mmstudy``: build the wheel from the working
tree, install it (not editable) into a fresh virtual environment, and run the installed
``mmstudy`` command from a folder outside the checkout:

1. copy what the wheel is built from (``pyproject.toml``, the README and the package
   folders it names) to a temporary folder and build the wheel there with the build
   backend already in ``.venv`` (``pip wheel --no-deps --no-build-isolation --no-index``:
   no network, and no ``build/`` or ``*.egg-info`` left in the checkout);
2. make a venv without pip, install the wheel into it with ``.venv``'s pip
   (``--python``, ``--no-deps --no-index``), then give it ``.venv``'s dependencies through
   a ``.pth`` file naming ``.venv``'s site-packages (a path entry only: the ``.pth`` files
   there, among them the editable install's finder, are not processed, so the checkout
   cannot shadow the wheel);
3. from an empty folder outside the checkout: check that ``mmstudy``, ``orchestrator``
   and ``analysis`` and the data files come from the wheel, and that ``import mmstudy``
   exposes the documented names; ``mmstudy scripts`` of a tiny study for mumax3 and for
   OOMMF; ``mmstudy run`` of it on the built-in solver; open the results; load the shipped
   studies (the paper's included, with its quick overrides).

Everything lives in one temporary folder, removed at the end (``--keep`` keeps it). Exit
status 0 if every step passed, 1 with ``wheel check FAILED: <step>`` and the step's output
otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: a study every backend can write or run: 16 × 16 × 1 cells, no periodic axes (OOMMF's
#: spin-torque evolvers refuse them; none is used here anyway), two points
TINY_STUDY = """\
name = "tiny"
[mesh]
n = [16, 16, 1]
cell = ["1 nm", "1 nm", "1 nm"]
[materials.default]
Ms = "580 kA/m"
A = "15 pJ/m"
dmi = { D = "3.6 mJ/m^2", class = "Cnv_z" }
K = "0.8 MJ/m^3"
K_axis = [0, 0, 1]
alpha = 0.5
[initial]
type = "skyrmions"
skyrmions = [{ centre = ["8 nm", "8 nm"], radius = "4 nm", helicity = "180 deg" }]
[[stages]]
type = "minimize"
[[stages]]
type = "evolve"
duration = "4 ps"
save_every = "2 ps"
[sweep.parameters.D]
values = ["3.5 mJ/m^2", "3.7 mJ/m^2"]
set = "materials.default.dmi.0.D"
"""

#: run by the wheel's Python before anything else: where everything comes from
PROVENANCE = """\
import importlib.metadata, json, sys
from pathlib import Path
import mmstudy, orchestrator, analysis
from mmstudy import resources
site = Path(sys.argv[1]).resolve()
bad = {m.__name__: m.__file__ for m in (mmstudy, orchestrator, analysis)
       if site not in Path(m.__file__).resolve().parents}
for name, path in (("templates", resources.template_dir()), ("studies", resources.studies_dir())):
    if site not in Path(path).resolve().parents:
        bad[name] = str(path)
assert not bad, f"not from the wheel (site-packages {site}): {bad}"
assert resources.checkout_root() is None, resources.checkout_root()
assert (resources.template_dir() / "run.mx3.j2").is_file()
missing = [n for n in ("open_run", "open_runs", "load_study", "run_study", "__version__")
           if not hasattr(mmstudy, n)]
assert not missing, f"import mmstudy lacks {missing}"
assert mmstudy.__version__ == sys.argv[2], (mmstudy.__version__, sys.argv[2])
dist_site = Path(importlib.metadata.distribution("mmstudy").locate_file("")).resolve()
assert dist_site == site, f"the mmstudy metadata found first is in {dist_site}, not {site}"
print(f"mmstudy {mmstudy.__version__} from {Path(mmstudy.__file__).parent}; "
      f"{len(resources.list_studies())} shipped studies")
"""

#: run by the wheel's Python after the commands: the results open, the shipped studies load
RESULTS = """\
import sys
from pathlib import Path
import mmstudy
from mmstudy.resources import list_studies, study_path
ds = mmstudy.open_runs(sys.argv[1])
assert ds.sizes.get("D") == 2 and "m" in ds, ds
studies = [s for s in list_studies() if not s.endswith("quick.toml")]
for s in studies:
    mmstudy.load_study(study_path(s))
from orchestrator.papers import registry
from orchestrator.papers.pipeline import default_out, load_studies
paper = registry.get("janus")
assert not paper.problems(), paper.problems()
assert len(load_studies(paper, True)) == 5
out = default_out(paper, True, "builtin")
assert Path.cwd() in out.parents, out
print(f"open_runs: {dict(ds.sizes)}; loaded {len(studies)} shipped studies and the paper's "
      "quick studies")
"""


class CheckFailed(Exception):
    def __init__(self, step: str, detail: str):
        super().__init__(step)
        self.step, self.detail = step, detail


def _run(step: str, cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 300) -> str:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as err:
        raise CheckFailed(step, f"timed out after {timeout:.0f} s: {' '.join(cmd)}\n"
                                f"{err.stdout or ''}{err.stderr or ''}") from None
    out = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        raise CheckFailed(step, f"exit status {proc.returncode}: {' '.join(map(str, cmd))}\n{out}")
    print(f"  ok  {step} ({time.perf_counter() - t0:.1f} s)")
    return out


def _expect(step: str, condition: bool, detail: str) -> None:
    if not condition:
        raise CheckFailed(step, detail)


def copy_sources(dst: Path) -> None:
    """Copy what the wheel is built from: pyproject.toml, the readme and every folder a
    package comes from (``[tool.setuptools] packages`` and ``package-dir``)."""
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())
    setup = meta.get("tool", {}).get("setuptools", {})
    packages = setup.get("packages", [])
    mapped = setup.get("package-dir", {})
    if not isinstance(packages, list):
        raise CheckFailed("copy the sources", "pyproject.toml: [tool.setuptools] packages "
                                              "must be a list")
    tops = {Path(d).parts[0] for d in mapped.values()}
    tops |= {p.split(".")[0] for p in packages
             if not any(p == m or p.startswith(m + ".") for m in mapped)}
    files = ["pyproject.toml", meta["project"].get("readme", "README.md")]
    files += [p.name for p in REPO.glob("LICENSE*")]
    dst.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for top in sorted(tops):
        shutil.copytree(REPO / top, dst / top, ignore=ignore)
    for name in files:
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, dst / name)


def check(tmp: Path) -> None:
    py = sys.executable  # .venv's Python: it has pip, setuptools and every dependency
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env.update(PYTHONNOUSERSITE="1", PIP_DISABLE_PIP_VERSION_CHECK="1", MPLBACKEND="Agg")

    print("wheel check: build, install into a fresh venv, run from outside the checkout")
    t0 = time.perf_counter()
    src, dist, venv, work = tmp / "src", tmp / "dist", tmp / "venv", tmp / "work"
    try:
        copy_sources(src)
    except (OSError, KeyError) as err:
        raise CheckFailed("copy the sources", repr(err)) from None
    _run("build the wheel", [py, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                             "--no-index", "--wheel-dir", str(dist), str(src)], cwd=tmp, env=env)
    wheels = sorted(dist.glob("mmstudy-*.whl"))
    _expect("build the wheel", len(wheels) == 1, f"expected one mmstudy wheel in {dist}: "
                                                 f"{[p.name for p in dist.iterdir()]}")

    _run("make a venv", [py, "-m", "venv", "--without-pip", str(venv)], cwd=tmp, env=env)
    vpy = venv / "bin" / "python"
    _run("install the wheel (not editable, no deps, no index)",
         [py, "-m", "pip", "--python", str(vpy), "install", "--no-deps", "--no-index",
          "--no-compile", "--quiet", str(wheels[0])], cwd=tmp, env=env)
    site = Path(_run("find its site-packages",
                     [str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp, env=env).splitlines()[-1])
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_mmstudy_check_deps.pth").write_text("".join(f"{d}\n" for d in sorted(deps)))

    work.mkdir()
    (work / "tiny.toml").write_text(TINY_STUDY)
    mmstudy = str(venv / "bin" / "mmstudy")
    _expect("console script", os.access(mmstudy, os.X_OK), f"no executable {mmstudy}")
    print("    " + _run("import mmstudy from the wheel", [str(vpy), "-c", PROVENANCE,
                                                          str(site), version],
                        cwd=work, env=env).splitlines()[-1])

    for backend, script in (("mumax3", "run.mx3"), ("oommf", "stage0.mif")):
        out = work / f"scripts_{backend}"
        _run(f"mmstudy scripts --backend {backend}",
             [mmstudy, "scripts", "tiny.toml", "--backend", backend, "--out", out.name],
             cwd=work, env=env)
        points = sorted(p for p in out.glob("*") if (p / "point.json").is_file())
        _expect(f"mmstudy scripts --backend {backend}",
                (out / "manifest.json").is_file() and len(points) == 2
                and all((p / script).is_file() and (p / script).stat().st_size > 0
                        for p in points),
                f"expected manifest.json and 2 point folders with {script} in {out}: "
                + ", ".join(str(p.relative_to(out)) for p in sorted(out.rglob("*"))))
        if backend == "mumax3":
            text = (points[0] / script).read_text()
            _expect("mumax3 script", "SetGridSize(16, 16, 1)" in text,
                    f"{points[0] / script} does not set the grid:\n{text[:2000]}")

    out = work / "runs" / "tiny"
    _run("mmstudy run --backend builtin", [mmstudy, "run", "tiny.toml", "--backend", "builtin",
                                           "--jobs", "2", "--quiet"], cwd=work, env=env)
    points = sorted(p for p in out.glob("*") if (p / "point.json").is_file())
    _expect("mmstudy run --backend builtin",
            len(points) == 2 and all((p / "run.out" / "m000000.ovf").is_file()
                                     and (p / "run.out" / "table.txt").is_file()
                                     and '"done"' in (p / "status.json").read_text()
                                     for p in points),
            f"expected 2 finished points with run.out/m000000.ovf and table.txt in {out}")
    print("    " + _run("open the runs, load the shipped studies",
                        [str(vpy), "-c", RESULTS, str(out)], cwd=work, env=env).splitlines()[-1])
    listing = _run("mmstudy paper list", [mmstudy, "paper", "list"], cwd=work, env=env)
    _expect("mmstudy paper list", "janus:" in listing and "not complete" not in listing,
            f"expected paper janus, complete (its paper.toml and templates shipped):\n{listing}")
    print(f"wheel check passed in {time.perf_counter() - t0:.0f} s ({wheels[0].name})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="mmstudy-wheel-check-"))
    try:
        check(tmp)
        return 0
    except CheckFailed as err:
        print(f"\nwheel check FAILED: {err.step}\n{textwrap.indent(err.detail, '    ')}\n"
              "(the installed package, built from this working tree, does not work as a "
              "user's `pip install` would; tests/packaging/check_wheel.py)", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
