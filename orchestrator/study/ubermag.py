r"""Studies to and from ubermag's model (micromagneticmodel ``System`` and a driver).

:func:`from_ubermag` turns an ``mm.System`` and its driver(s) into a validated
:class:`~orchestrator.study.model.Study` (:mod:`orchestrator.study.ubermag_from`);
:func:`to_ubermag` turns one stage of a study into ``(system, driver, drive_kwargs)``
(:mod:`orchestrator.study.ubermag_to`). ``Study.from_ubermag`` and ``Study.to_ubermag``
call them. Both directions use the conventions of mmstudy's OOMMF backend
(:mod:`orchestrator.backends.oommf_terms`), which are ubermag's: oommfc writes the same
OOMMF classes from the same micromagneticmodel terms, so a system and its study run the
same physics on OOMMF. What one side cannot hold exactly is refused with an
:class:`UbermagError` naming the term or field and why; numerical settings that do not
change the physics (stopping criteria, evolver tolerances, output schedules) are dropped
with a warning.

Mapping (ubermag ⇄ study)
-------------------------
=========================  ======================================================================
``df.Mesh``                ``mesh``: ``n``, ``cell``, ``bc`` → ``pbc`` (``p1`` is moved to the
                           origin: study coordinates start at the mesh's lower corner)
subregions                 ``regions``: one box each (disjoint; overlaps are refused, as
                           OOMMF's atlas gives a shared cell to the first and discretisedfield to
                           the last); cells in none, where magnetic, form the region
                           ``entire`` (oommfc's name for that atlas). No subregions: ``body``
                           (OOMMF's ``main``)
``|m|``                    ``Ms`` per region (one value each: |m| varying inside a region is
                           refused), rounded to 15 significant digits (|m| recomputed from
                           components carries a rounding error of a few 1e-16)
``m``                      ``initial``: ``uniform`` when all magnetic cells point one way, else
                           a ``file`` (``<folder>/m0.omf``, M in A/m as ubermag's own
                           ``m0.omf``)
``Exchange(A)``            ``A`` per region; between regions ubermag's ``"a:b"`` entries must be
                           the harmonic mean (the study's rule); a Field A is OOMMF's
                           ``Oxs_ExchangePtwise``, which takes that mean itself
``DMI(D, crystalclass)``   ``dmi`` (``Cnv_z``/``Cnv``, ``T``/``O``, ``D2d_z``/``D2d``); the
                           ``"a:b"`` entries decide ``energy.dmi_interface`` (the mean of the two
                           D: ``mean``; none, i.e. 0: ``zero``)
``UniaxialAnisotropy``     ``K``, ``K_axis`` (``K1`` with ``K2 = 0`` is the same physics)
``Zeeman(H)``              a ``field`` drive per distinct H (``regions`` where it is not
                           everywhere); ``func="sin"``/``"sinc"`` with ``f``, ``t0`` an
                           ``expression`` envelope (:func:`sin_expression`)
``Demag()``                ``energy.demag``
``Precession(gamma0)``     ``gamma0`` per region (unset when it is OOMMF's 2.211e5)
``Damping(alpha)``         ``alpha`` per region
``ZhangLi(u, beta)``       a ``zhang_li`` drive: ``I = −u`` with ``P = 1``, ``xi = beta`` (OOMMF's
                           u is −mumax3's, :func:`orchestrator.backends.oommf_terms.zhang_li_u`);
                           with Ms differing between regions, the one ``j`` that gives each u
``Slonczewski``            an ``sot`` drive, exact only for ``Lambda = 1``
                           (:func:`orchestrator.backends.oommf_terms.sot_parameters` inverted):
                           ``theta_SH = P``, ``p = mp``, ``field_like = 2 eps_prime/P``
``system.T``               ``thermal`` (with a fixed-step thermal evolver: ``heun``, ``dt``)
MinDriver / RelaxDriver    a ``minimize`` / ``relax`` stage
TimeDriver, ``t``, ``n``   an ``evolve`` stage, ``duration = t``, ``save_every = t/n``
=========================  ======================================================================

Refused from ubermag: CubicAnisotropy, MagnetoElastic, RKKY, DMI of the classes along x or y,
higher-order uniaxial anisotropy, a time dependence given as a Python callable or as Tcl
(except the profiles :func:`to_ubermag` writes itself), parameters that are not one value
per region, a HysteresisDriver, a TimeDriver without precession, ``fixed_subregions``.
Refused towards ubermag: regions that are not boxes of cells (other than a first region over
the whole mesh, which becomes ubermag's remainder ``entire``), the 12-neighbour exchange,
fourth-order DMI or Zhang–Li, a time-dependent anisotropy drive, relax stages (oommfc has no
RelaxDriver), several spin torques in one stage, and a sweep unless one point is chosen.

A time profile that ubermag has no name for (pulse, train, any expression) goes to ubermag
as the Tcl procedure mmstudy's OOMMF backend writes (:func:`profile_tcl`), headed by a
comment line that names the profile, so that :func:`from_ubermag` reads it back exactly.
"""

from __future__ import annotations

import os
import re
from typing import Any

__all__ = ["UbermagError", "from_ubermag", "to_ubermag", "sin_expression", "sinc_expression",
           "parse_zeeman_func", "profile_tcl", "parse_profile_tcl", "M0_NAME", "REMAINDER",
           "SINGLE"]

#: the file :func:`from_ubermag` writes a non-uniform initial state to, in ``folder``
M0_NAME = "m0.omf"
#: oommfc's name for the cells of a mesh with subregions that lie in none (its
#: ``entire_atlas``, listed last in the ``Oxs_MultiAtlas``)
REMAINDER = "entire"
#: (study region, OOMMF atlas name) of a mesh without subregions (oommfc's ``Oxs_BoxAtlas``)
SINGLE = ("body", "main")
#: the first line of a time profile written by :func:`profile_tcl`
_MARK = "# mmstudy envelope: "
_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"


class UbermagError(ValueError):
    """A system, driver or study that the other side cannot hold exactly: the message
    names the term, attribute or study field and why."""


def from_ubermag(system: Any, driver: Any = "MinDriver", *, folder: str | os.PathLike | None = None,
                 name: str | None = None, overwrite: bool = False, **driver_kwargs: Any):
    """A study of an ubermag system and its driver(s).

    Parameters
    ----------
    system : micromagneticmodel.System
        With its mesh, energy, dynamics, temperature and magnetisation ``m`` (a
        ``discretisedfield.Field`` whose norm is Ms).
    driver : str, driver object, or list
        ``"MinDriver"``, ``"RelaxDriver"``, ``"TimeDriver"`` or such a driver object (its
        class name decides; a thermal TimeDriver's evolver gives the step and seed); a list
        of drivers, each alone or as ``(driver, drive_kwargs)``, gives one stage each, in
        order (as ``driver.drive(system)`` calls one after another).
    folder : path, optional
        Where a non-uniform initial magnetisation is written (``m0.omf``, M in A/m); the
        study refers to it by its absolute path. Not needed for a uniform ``m``.
    name : str, optional
        The study's name (default the system's).
    overwrite : bool
        Replace an ``m0.omf`` in ``folder`` that holds another state (by default that is
        refused: a study written earlier may refer to it).
    **driver_kwargs
        What ``driver.drive(system, ...)`` takes: a TimeDriver's ``t`` (s) and ``n``
        (saved states); options of how to run (``dirname``, ``runner``, ...) are ignored.

    Returns
    -------
    Study

    Raises
    ------
    UbermagError
        Naming the term, attribute or argument that the study cannot hold, and why.

    Examples
    --------
    >>> import discretisedfield as df, micromagneticmodel as mm
    >>> mesh = df.Mesh(p1=(0, 0, 0), p2=(20e-9, 20e-9, 1e-9), cell=(1e-9, 1e-9, 1e-9), bc="xy")
    >>> system = mm.System(name="film")
    >>> system.energy = mm.Exchange(A=1.5e-11) + mm.DMI(D=3e-3, crystalclass="Cnv_z")
    >>> system.m = df.Field(mesh, nvdim=3, value=(0, 0, 1), norm=5.8e5)
    >>> study = from_ubermag(system, "MinDriver")
    >>> study.mesh.cells, study.mesh.pbc, study.material("body").dmi[0].D, study.stages[0].type
    ((20, 20, 1), 'xy', 0.003, 'minimize')
    """
    from orchestrator.study.ubermag_from import study_from_system

    return study_from_system(system, driver, folder=folder, name=name, overwrite=overwrite,
                             driver_kwargs=driver_kwargs)


def to_ubermag(study: Any, stage: int | None = None, point: int | None = None
               ) -> tuple[Any, Any, dict[str, Any]]:
    """One stage of a study as ubermag's ``(system, driver, drive_kwargs)``.

    ``driver.drive(system, **drive_kwargs)`` then runs that stage with oommfc. The system's
    ``m`` is the study's initial state (:func:`orchestrator.study.initial.initial_m` times
    Ms): for a later stage, drive the stages before it first, as the study does.

    Parameters
    ----------
    study : Study
    stage : int, optional
        Index into ``study.stages`` (negative from the end); default the last.
    point : int, optional
        The sweep point to convert (:func:`orchestrator.study.sweep.expand` order);
        required for a study with a sweep.

    Raises
    ------
    UbermagError
        Naming the study field that ubermag cannot hold, and why.

    Examples
    --------
    >>> from orchestrator.study import validate_study
    >>> s = validate_study({"name": "film", "mesh": {"n": [8, 8, 1], "cell": [1e-9] * 3},
    ...     "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.3}},
    ...     "stages": [{"type": "evolve", "duration": 1e-11, "save_every": 2e-12}]})
    >>> system, driver, kwargs = to_ubermag(s)
    >>> type(driver).__name__, kwargs, [type(t).__name__ for t in system.dynamics]
    ('TimeDriver', {'t': 1e-11, 'n': 5}, ['Precession', 'Damping'])
    """
    from orchestrator.study.ubermag_to import system_from_study

    return system_from_study(study, stage=stage, point=point)


# --------------------------------------------------------------------------- time profiles

def sin_expression(f: float, t0: float) -> str:
    """ubermag's ``Zeeman(func="sin", f, t0)`` factor, sin(2πf(t − t0)), as a profile
    expression (oommfc's Tcl ``proc TimeFunction``).

    Examples
    --------
    >>> sin_expression(1e9, 0.0)
    'sin(2*pi*1000000000.0*(t - 0.0))'
    """
    return f"sin(2*pi*{float(f)!r}*(t - {float(t0)!r}))"


def sinc_expression(f: float, t0: float) -> str:
    """ubermag's ``Zeeman(func="sinc", f, t0)`` factor, sin(x)/x with x = 2πf(t − t0) and
    1 at x = 0 (as oommfc's Tcl), as a profile expression: ``heaviside(-abs(x))`` is 1 at
    x = 0 only, so the expression is exact everywhere and never divides by zero.

    Examples
    --------
    >>> from orchestrator.study.expressions import time_function
    >>> f = time_function(sinc_expression(1e9, 1e-9))
    >>> f(1e-9), round(f(1.25e-9), 12)
    (1.0, 0.636619772368)
    """
    x = f"(2*pi*{float(f)!r}*(t - {float(t0)!r}))"
    zero = f"heaviside(-abs({x}))"
    return f"(1 - {zero}) * sin({x}) / ({x} + {zero}) + {zero}"


_SIN = re.compile(rf"^sin\(2\*pi\*{_NUM}\*\(t - {_NUM}\)\)$")
_SINC = re.compile(rf"^\(1 - heaviside\(-abs\(\(2\*pi\*{_NUM}\*\(t - {_NUM}\)\)\)\)\)")


def parse_zeeman_func(expression: str) -> dict[str, Any] | None:
    """The ubermag ``func``, ``f``, ``t0`` of an expression written by
    :func:`sin_expression` or :func:`sinc_expression` (None for any other).

    Examples
    --------
    >>> parse_zeeman_func(sin_expression(2e9, 1e-10))
    {'func': 'sin', 'f': 2000000000.0, 't0': 1e-10}
    >>> parse_zeeman_func("sin(t)") is None
    True
    """
    for func, pattern, render in (("sin", _SIN, sin_expression),
                                  ("sinc", _SINC, sinc_expression)):
        m = pattern.match(expression)
        if m:
            f, t0 = float(m.group(1)), float(m.group(2))
            if render(f, t0) == expression:
                return {"func": func, "f": f, "t0": t0}
    return None


def _marker(envelope: Any) -> str:
    """The comment line that names a profile: ``type=pulse t0=... t1=...``; an
    expression's text comes last and runs to the end of the line."""
    data = envelope.model_dump(exclude_none=True)
    kind = data.pop("type")
    if kind == "expression":
        text = data["expression"]
        if "\n" in text:
            raise UbermagError(f"the time profile {text!r} spans several lines: write it on one")
        return f"{_MARK}type=expression expression={text}\n"
    items = " ".join(f"{k}={v!r}" for k, v in data.items())
    return f"{_MARK}type={kind}{' ' if items else ''}{items}\n"


def _unmark(line: str) -> dict[str, Any] | None:
    """The envelope data of a marker line (None if it is not one)."""
    if not line.startswith(_MARK):
        return None
    rest = line[len(_MARK):]
    if rest.startswith("type=expression expression="):
        return {"type": "expression", "expression": rest[len("type=expression expression="):]}
    data: dict[str, Any] = {}
    for item in rest.split():
        key, sep, value = item.partition("=")
        if not sep:
            return None
        if key == "type":
            data[key] = value
            continue
        try:
            data[key] = int(value)
        except ValueError:
            try:
                data[key] = float(value)
            except ValueError:
                return None
    return data


def profile_tcl(name: str, envelope: Any, *, zeeman: bool) -> dict[str, str]:
    """ubermag's ``tcl_strings`` for a drive whose time profile is ``envelope``: the Tcl
    procedure of mmstudy's OOMMF backend (``Oxs_TransformZeeman { type diagonal }`` for a
    field, the evolver's ``J_profile``/``u_profile`` for a torque;
    :mod:`orchestrator.backends.mif_patches`), after a comment line naming the profile.

    Examples
    --------
    >>> from orchestrator.study.model import Pulse
    >>> tcl = profile_tcl("h", Pulse(t0=0, t1=1e-9), zeeman=True)
    >>> print(tcl["script"].splitlines()[0])
    # mmstudy envelope: type=pulse t0=0.0 t1=1e-09
    >>> parse_profile_tcl("h", tcl, zeeman=True)
    Pulse(type='pulse', t0=0.0, t1=1e-09)
    """
    from orchestrator.backends import mif_patches as patches
    from orchestrator.study.profiles import envelope_expression

    proc = f"mmstudy_profile_{name}"
    expression = envelope_expression(envelope)
    if zeeman:
        return {"script": _marker(envelope) + patches.transform_proc(proc, expression),
                "script_name": proc, "script_args": "total_time",
                "energy": "Oxs_TransformZeeman", "type": "diagonal"}
    return {"script": _marker(envelope) + patches.profile_proc(proc, expression),
            "script_name": proc, "script_args": "total_time"}


def parse_profile_tcl(name: str, tcl: dict[str, str], *, zeeman: bool) -> Any | None:
    """The envelope of ``tcl_strings`` written by :func:`profile_tcl` for drive ``name``
    (None when they are anything else: they must be exactly what :func:`profile_tcl`
    writes for the profile their first line names)."""
    from pydantic import TypeAdapter, ValidationError

    from orchestrator.study.model import Envelope

    script = tcl.get("script", "") if isinstance(tcl, dict) else ""
    data = _unmark(script.split("\n", 1)[0])
    if data is None:
        return None
    try:
        envelope = TypeAdapter(Envelope).validate_python(data)
    except ValidationError:
        return None
    return envelope if profile_tcl(name, envelope, zeeman=zeeman) == dict(tcl) else None
