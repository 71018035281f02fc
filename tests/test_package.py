"""The package as users import it: ``import mmstudy``, and the data files it ships (the
mumax3 templates and the study files) found through importlib.resources. The installed
wheel itself is checked by tests/packaging/check_wheel.py (``make test`` runs it)."""

from __future__ import annotations

import fnmatch
import importlib.metadata
import importlib.resources
import tomllib
from pathlib import Path

import pytest

import mmstudy
from mmstudy import resources

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def test_import_mmstudy_exposes_the_documented_names():
    for name in ("open_run", "open_runs", "load_study", "validate_study", "run_study",
                 "study_path", "__version__"):
        assert hasattr(mmstudy, name), name
        assert name in dir(mmstudy) and name in mmstudy.__all__
    assert callable(mmstudy.open_run) and callable(mmstudy.run_study)
    assert mmstudy.__version__ == importlib.metadata.version("mmstudy") \
        == PYPROJECT["project"]["version"]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mmstudy.nope  # noqa: B018


def test_templates_are_package_data():
    root = importlib.resources.files("mmstudy.mx3_templates")
    assert (root / "run.mx3.j2").is_file()
    assert resources.template_dir() == Path(str(root))
    from orchestrator.backends import mx3_render

    assert mx3_render.TEMPLATES == resources.template_dir()


def test_studies_are_package_data():
    root = importlib.resources.files("mmstudy.studies")
    assert (root / "janus" / "fig1_relaxed.toml").is_file()
    assert (root / "demo" / "skyrmion_sot.toml").is_file()
    assert resources.study_path("janus/fig1_relaxed.toml") == Path(str(root)) / "janus" / \
        "fig1_relaxed.toml"
    assert resources.study_path("janus").is_dir()
    shipped = resources.list_studies()
    assert {"demo/skyrmion_sot.toml", "janus/quick.toml", "examples/flower.toml"} <= set(shipped)
    study = mmstudy.load_study(mmstudy.study_path("demo/skyrmion_sot.toml"))
    assert study.name == "skyrmion_sot"
    with pytest.raises(FileNotFoundError, match="janus/fig1_relaxed.toml"):
        resources.study_path("janus/nope.toml")  # the message lists what there is


def test_a_checkout_finds_its_own_folders():
    """The editable install maps the data packages onto the repository's top-level
    folders, so an edit there is what runs (no copy to keep in step)."""
    assert resources.template_dir().resolve() == REPO / "mx3_templates"
    assert resources.studies_dir().resolve() == REPO / "studies"
    assert resources.checkout_root().resolve() == REPO
    from orchestrator.papers.janus import PAPER
    from orchestrator.papers.pipeline import default_out

    assert default_out(PAPER, True, "builtin") == resources.checkout_root() / "runs" / \
        "janus-quick" / "builtin"


def test_every_package_is_listed_in_pyproject():
    """``[tool.setuptools] packages`` is a list (package-dir maps the data folders into
    ``mmstudy``); a new sub-package must join it or the wheel would lack it."""
    from setuptools import find_packages

    listed = set(SETUPTOOLS["packages"])
    code = set(find_packages(str(REPO), include=["analysis*", "orchestrator*", "mmstudy*"]))
    assert code - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    mapped = SETUPTOOLS["package-dir"]
    assert mapped == {"mmstudy.mx3_templates": "mx3_templates", "mmstudy.studies": "studies"}
    folders = {f"mmstudy.studies.{p.name}" for p in (REPO / "studies").iterdir()
               if p.is_dir() and not p.name.startswith((".", "_"))}
    assert folders - listed == set(), "add these study folders to [tool.setuptools] packages"


def test_package_data_covers_every_data_file():
    """Each file of ``mx3_templates/`` and ``studies/`` matches a package-data pattern of
    its package (else the wheel would silently lack it)."""
    data = SETUPTOOLS["package-data"]
    for package, folder in SETUPTOOLS["package-dir"].items():
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix in (".py", ".pyc"):
                continue
            rel = path.relative_to(REPO / folder)
            owner = ".".join([package, *rel.parent.parts])
            assert any(fnmatch.fnmatch(rel.name, pat) for pat in data.get(owner, [])), \
                f"{folder}/{rel} is not shipped: add a pattern to package-data[{owner!r}]"
