"""Where mmstudy's data files are: the mumax3 templates and the shipped study files.

The repository keeps them in two top-level folders, ``mx3_templates/`` and ``studies/``;
the package installs them as ``mmstudy.mx3_templates`` and ``mmstudy.studies``
(``pyproject.toml``: ``package-dir``, ``package-data``). Both are found here, through
:mod:`importlib.resources`, so the same code works in a source checkout with an editable
install (the folders of the checkout) and in an installed wheel (the copies inside the
package). Nothing else looks these folders up by path.

Examples
--------
>>> from mmstudy.resources import study_path, template_dir
>>> (template_dir() / "run.mx3.j2").is_file()
True
>>> study_path("demo/skyrmion_sot.toml").name
'skyrmion_sot.toml'
"""

from __future__ import annotations

import atexit
import functools
import importlib.resources
import shutil
import tempfile
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["TEMPLATES_PACKAGE", "STUDIES_PACKAGE", "template_dir", "studies_dir",
           "study_path", "list_studies", "checkout_root"]

TEMPLATES_PACKAGE = "mmstudy.mx3_templates"
STUDIES_PACKAGE = "mmstudy.studies"


def _copy_tree(src: Traversable, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for child in src.iterdir():
        if child.is_dir():
            _copy_tree(child, dst / child.name)
        else:
            (dst / child.name).write_bytes(child.read_bytes())


@functools.cache
def _package_dir(package: str) -> Path:
    """The folder of a data package as a real path (copied out once if the package is
    not on the file system, e.g. imported from a zip file)."""
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError as err:
        raise FileNotFoundError(
            f"mmstudy's data package {package!r} is not installed ({err}); reinstall mmstudy "
            "(`pip install mmstudy`, or `pip install -e .` in a checkout)") from None
    if isinstance(root, Path):
        return root
    tmp = Path(tempfile.mkdtemp(prefix="mmstudy-data-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    _copy_tree(root, tmp / package.rpartition(".")[2])
    return tmp / package.rpartition(".")[2]


def template_dir() -> Path:
    """The folder of the mumax3 script templates (``run.mx3.j2`` and its parts)."""
    return _package_dir(TEMPLATES_PACKAGE)


def studies_dir() -> Path:
    """The folder of the shipped study files (``demo/``, ``examples/``, ``janus/``, ...)."""
    return _package_dir(STUDIES_PACKAGE)


def study_path(name: str) -> Path:
    """A shipped study file, by its path below ``studies/`` (``"janus/fig1_relaxed.toml"``;
    a folder such as ``"janus"`` gives the folder).

    Raises
    ------
    FileNotFoundError
        No such file; the message lists the shipped studies.
    """
    path = studies_dir().joinpath(*Path(name).parts)
    if not path.exists():
        raise FileNotFoundError(f"no shipped study {name!r} in {studies_dir()}; there are: "
                                + ", ".join(list_studies()))
    return path


def list_studies() -> list[str]:
    """The shipped study files, as ``"<folder>/<file>.toml"`` (sorted)."""
    root = studies_dir()
    return sorted(p.relative_to(root).as_posix() for p in root.glob("*/*.toml"))


def checkout_root() -> Path | None:
    """The source checkout mmstudy runs from (an editable install or the source tree
    itself), or ``None`` for an installed package. Only what lies outside the package
    (the test data, the repository's ``runs/`` and ``reports/``) needs it."""
    studies = studies_dir()
    root = studies.parent
    if (studies.name == "studies" and (root / "pyproject.toml").is_file()
            and (root / "mx3_templates").is_dir() and (root / "orchestrator").is_dir()):
        return root
    return None
