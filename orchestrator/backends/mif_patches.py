"""MIF text that ubermag (oommfc 0.66) cannot produce, in one place.

The OOMMF backend (:mod:`orchestrator.backends.oommf`, its terms in
:mod:`orchestrator.backends.oommf_terms`) builds every energy term,
dynamics term and driver it can with micromagneticmodel/oommfc and their script
functions (``oommfc.scripts.mesh_script``, ``energy_script``, ``driver_script``).
What they cannot express is added or rewritten here, each a small function of plain
text:

=======================  ==========================================================
:func:`header`           ``RandomSeed`` and ``SetOptions`` (basename, output formats)
                         without the side
                         effects of ``oommfc.scripts.system_script`` (which writes
                         ``m0.omf`` into the current directory)
:func:`region_atlas`     an ``Oxs_ScriptAtlas`` that looks each cell up in the region
                         raster (:func:`region_file_text`), so OOMMF's regions are
                         exactly :func:`orchestrator.study.raster.rasterize`'s (oommfc
                         only makes box-shaped subregions)
:func:`ms_reference`     ``Ms`` per region instead of oommfc's ``|m0|``
:func:`initial_state`    the first stage's ``m0.ovf``, or the last magnetisation of
                         the previous stage, passed in as a MIF ``Parameter``
:func:`exchange_kernel`  ``Oxs_UniformExchange { kernel 12ngbrb }`` (fourth order)
:func:`evolver_options`  evolver keys oommfc's evolver class refuses (its
                         ``SpinTEvolver`` takes no step size or error bounds)
:func:`stage_times`      a final, shorter driver stage when the duration is not a
                         whole number of table intervals
:func:`outputs`          what is saved and when: the table every driver stage, m every
                         k stages and at the end, the initial state, per-term fields
:func:`profile_proc`     a Tcl proc of the stage time for ``J_profile``/``u_profile``
:func:`transform_proc`   the same as an ``Oxs_TransformZeeman`` diagonal transform
=======================  ==========================================================

Every function returns new text and leaves its input alone; a rewrite that does not
find what it expects raises :class:`MifPatchError` (so an oommfc upgrade that
changes its output is noticed, not silently ignored).

Examples
--------
>>> mif = "Specify Oxs_UniformExchange:exch {\\n  A 1.5e-11\\n}\\n"
>>> print(exchange_kernel(mif, "12ngbrb"), end="")
Specify Oxs_UniformExchange:exch {
  A 1.5e-11
  kernel 12ngbrb
}
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from orchestrator.study.expressions import parse, to_tcl

__all__ = ["MifPatchError", "header", "region_atlas", "region_file_text", "replace_atlas",
           "ms_reference", "initial_state", "exchange_kernel", "evolver_options",
           "stage_times", "outputs", "profile_proc", "transform_proc", "REGION_FILE",
           "M0_FILE", "M0_PARAMETER"]

#: region index per cell (0 = vacuum, i + 1 = region i), beside the MIF files
REGION_FILE = "regions.txt"
#: the first stage's initial magnetisation (unit vectors), beside the MIF files
M0_FILE = "m0.ovf"
#: MIF parameter naming the file a later stage starts from
M0_PARAMETER = "m0_file"


class MifPatchError(RuntimeError):
    """A MIF rewrite did not find the text oommfc was expected to produce."""


def _sub_once(pattern: str, repl: str, text: str, what: str, flags: int = 0) -> str:
    new, n = re.subn(pattern, lambda _: repl, text, count=1, flags=flags)
    if n != 1:
        raise MifPatchError(f"cannot {what}: pattern {pattern!r} not found in the MIF text")
    return new


def _num(x: float) -> str:
    return repr(float(x))


# --------------------------------------------------------------------------- header

def header(basename: str, comment: str = "", seed: int | None = None) -> str:
    """``# MIF 2.2``, ``RandomSeed`` and ``SetOptions``: output basename, doubles in full
    precision.

    With ``seed`` the run repeats: OOMMF seeds its generators from the clock unless the
    MIF calls ``RandomSeed`` (``mif.tcl``), and re-seeds them with that value after the
    evolvers are built, so an evolver's own ``uniform_seed`` alone does not repeat a
    thermal run.

    Examples
    --------
    >>> print(header("stage0_minimize"), end="")
    # MIF 2.2
    <BLANKLINE>
    SetOptions {
      basename stage0_minimize
      scalar_output_format %.17g
      scalar_field_output_format {binary 8}
      vector_field_output_format {binary 8}
    }
    <BLANKLINE>
    """
    if not re.match(r"^[A-Za-z0-9_.]+$", basename):
        raise ValueError(f"an OOMMF basename is letters, digits, '_' and '.', not {basename!r}")
    lines = ["# MIF 2.2", ""]
    lines += [f"# {line}".rstrip() for line in comment.splitlines()]
    if comment:
        lines.append("")
    if seed is not None:
        lines += [f"RandomSeed {int(seed)}", ""]
    lines += ["SetOptions {", f"  basename {basename}", "  scalar_output_format %.17g",
              "  scalar_field_output_format {binary 8}",
              "  vector_field_output_format {binary 8}", "}", ""]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- regions

def region_file_text(index: np.ndarray) -> str:
    """The region raster as OOMMF's atlas script reads it: one integer per cell, x
    fastest, then y, then z (OVF order); 0 is vacuum and ``i + 1`` region ``i``.

    Parameters
    ----------
    index : ndarray (nz, ny, nx)
        :attr:`orchestrator.study.raster.Raster.index` (−1 = vacuum).

    Examples
    --------
    >>> region_file_text(np.array([[[0, 1, -1]]]))
    '1 2 0\\n'
    """
    index = np.asarray(index)
    if index.ndim != 3:
        raise ValueError(f"the region raster has shape (nz, ny, nx), got {index.shape}")
    rows = (index + 1).reshape(-1, index.shape[-1])
    return "".join(" ".join(map(str, row)) + "\n" for row in rows.tolist())


def region_atlas(name: str, regions: Sequence[str], cells: Sequence[int],
                 cell: Sequence[float], region_file: str = REGION_FILE) -> str:
    """An ``Oxs_ScriptAtlas`` whose script returns each cell's region from the raster.

    OOMMF asks the atlas for the region of each cell centre ``x0 + (i + ½)Δx``; the
    script turns the point back into the cell index ``i = floor((x − x0)/Δx)`` (exact:
    the centre is half a cell from either edge) and reads the raster written by
    :func:`region_file_text`, so each cell gets the region the study's raster gave it.
    The mesh's lower corner is the origin.

    Examples
    --------
    >>> text = region_atlas("main_atlas", ["left", "right"], (4, 2, 1), (1e-9, 1e-9, 2e-9))
    >>> "regions { left right }" in text, "xrange { 0.0 4e-09 }" in text
    (True, True)
    """
    for r in regions:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", r) or r == "universe":
            raise ValueError(f"region {r!r}: OOMMF atlas regions are identifiers other "
                             "than 'universe'")
    nx, ny, nz = (int(n) for n in cells)
    dx, dy, dz = (float(c) for c in cell)
    proc = f"mmstudy_region_{name}"
    var = f"mmstudy_regions_{name}"
    return f"""# Regions: the study's raster, cell by cell ({region_file}: 0 = vacuum, i = region i)
set {var} [ReadFile {region_file}]
if {{[llength ${var}] != {nx * ny * nz}}} {{
  error "{region_file}: expected {nx * ny * nz} region indices ({nx} x {ny} x {nz} cells)"
}}
proc {proc} {{ x y z }} {{
  global {var}
  set i [expr {{min({nx - 1}, max(0, int(floor($x / {_num(dx)}))))}}]
  set j [expr {{min({ny - 1}, max(0, int(floor($y / {_num(dy)}))))}}]
  set k [expr {{min({nz - 1}, max(0, int(floor($z / {_num(dz)}))))}}]
  return [lindex ${var} [expr {{$i + {nx}*($j + {ny}*$k)}}]]
}}
Specify Oxs_ScriptAtlas:{name} {{
  xrange {{ 0.0 {_num(nx * dx)} }}
  yrange {{ 0.0 {_num(ny * dy)} }}
  zrange {{ 0.0 {_num(nz * dz)} }}
  regions {{ {" ".join(regions)} }}
  script_args rawpt
  script {proc}
}}

"""


def replace_atlas(mif: str, atlas_text: str, name: str = "main_atlas") -> str:
    """Swap oommfc's ``Oxs_BoxAtlas:<name>`` block for ``atlas_text``.

    Examples
    --------
    >>> box = "# BoxAtlas for main_atlas\\nSpecify Oxs_BoxAtlas:main_atlas {\\n  name main\\n}\\n\\n"
    >>> replace_atlas(box + "rest\\n", "ATLAS\\n")
    'ATLAS\\nrest\\n'
    """
    pattern = (rf"(# BoxAtlas for {re.escape(name)}\n)?Specify Oxs_BoxAtlas:{re.escape(name)} "
               r"\{\n(?:  [^\n]*\n)*?\}\n\n?")
    return _sub_once(pattern, atlas_text, mif, f"replace the atlas {name}")


# --------------------------------------------------------------------------- state

def ms_reference(driver_mif: str, Ms: str) -> str:
    """Point the driver's ``Ms`` at ``Ms`` (a number or ``:name``) instead of oommfc's
    ``:m0_norm`` (the norm of its m0 file; ours is a unit field).

    Examples
    --------
    >>> ms_reference("  Ms :m0_norm\\n", "580000.0")
    '  Ms 580000.0\\n'
    """
    return _sub_once(r"^  Ms :m0_norm$", f"  Ms {Ms}", driver_mif, "set Ms", re.M)


def initial_state(stage: int, previous_basename: str | None = None,
                  atlas: str = "main_atlas") -> str:
    """The ``Oxs_FileVectorField:m0`` the driver starts from.

    Stage 0 reads :data:`M0_FILE` (the study's initial state); a later stage reads the
    file named by the MIF parameter :data:`M0_PARAMETER`, which the backend sets to
    the previous stage's last magnetisation (``boxsi -parameters {m0_file ...}``);
    OOMMF's file names carry the iteration count, unknown until that stage ends.
    OOMMF normalises the vectors (the previous stage wrote M in A/m).

    Examples
    --------
    >>> print(initial_state(0), end="")
    # m0: the study's initial state (unit vectors; OOMMF normalises them)
    Specify Oxs_FileVectorField:m0 {
      file m0.ovf
      atlas :main_atlas
    }
    <BLANKLINE>
    """
    if stage == 0:
        return ("# m0: the study's initial state (unit vectors; OOMMF normalises them)\n"
                f"Specify Oxs_FileVectorField:m0 {{\n  file {M0_FILE}\n  atlas :{atlas}\n}}\n\n")
    if not previous_basename:
        raise ValueError("a later stage starts from the previous stage's output: give its "
                         "basename")
    return f"""# m0: the last magnetisation of the previous stage ({previous_basename}), passed as
#   boxsi -parameters "{M0_PARAMETER} run.out/{previous_basename}-<...>-Magnetization-<...>.omf" <this file>
Parameter {M0_PARAMETER} {{}}
if {{[string match {{}} ${M0_PARAMETER}]}} {{
  error "stage {stage} starts from the last magnetisation of {previous_basename}: pass it with\\
    -parameters \\"{M0_PARAMETER} <file>\\""
}}
Specify Oxs_FileVectorField:m0 [list file ${M0_PARAMETER} atlas :{atlas}]

"""


# --------------------------------------------------------------------------- energy

def exchange_kernel(mif: str, kernel: str) -> str:
    """Add ``kernel <kernel>`` to oommfc's ``Oxs_UniformExchange`` block."""
    if kernel not in ("6ngbr", "12ngbr", "12ngbrb", "12ngbrmirror"):
        raise ValueError(f"unknown OOMMF exchange kernel {kernel!r}")
    return _insert_after(r"Specify Oxs_UniformExchange:\w+ \{\n  A [^\n]+\n",
                         f"  kernel {kernel}\n", mif, "set the exchange kernel")


def _insert_after(pattern: str, text: str, mif: str, what: str) -> str:
    m = re.search(pattern, mif, re.M)
    if m is None:
        raise MifPatchError(f"cannot {what}: pattern {pattern!r} not found in the MIF text")
    return mif[:m.end()] + text + mif[m.end():]


def evolver_options(driver_mif: str, options: dict[str, object]) -> str:
    """Add ``key value`` lines to the ``Specify <class>:evolver`` block.

    Examples
    --------
    >>> d = "Specify Anv_SpinTEvolve_3d:evolver {\\n  beta 0.1\\n}\\n"
    >>> print(evolver_options(d, {"min_timestep": 1e-14}), end="")
    Specify Anv_SpinTEvolve_3d:evolver {
      min_timestep 1e-14
      beta 0.1
    }
    """
    text = "".join(f"  {k} {v}\n" for k, v in options.items())
    return _insert_after(r"^Specify \w+:evolver \{\n", text, driver_mif, "set evolver options")


# --------------------------------------------------------------------------- driver

def stage_times(driver_mif: str, step: float, count: int, last: float | None = None) -> str:
    """Set the time driver's stages: ``count`` stages of ``step`` seconds, then (when
    given) one of ``last`` seconds, as an OOMMF grouped list.

    Examples
    --------
    >>> d = "  stopping_time 1e-12\\n  stage_count 10\\n"
    >>> print(stage_times(d, 1e-12, 10, 5e-13), end="")
      stopping_time {{1e-12 10} 5e-13 :expand:}
      stage_count 11
    """
    if last is None:
        value, total = _num(step), count
    else:
        value, total = f"{{{{{_num(step)} {count}}} {_num(last)} :expand:}}", count + 1
    return _sub_once(r"^  stopping_time [^\n]+\n  stage_count \d+$",
                     f"  stopping_time {value}\n  stage_count {total}", driver_mif,
                     "set the stage times", re.M)


def outputs(driver_mif: str, driver: str, *, mags_every: int = 1, initial: bool = False,
            fields: Sequence[str] = ()) -> str:
    """Replace oommfc's ``Destination``/``Schedule`` lines with mmstudy's schedule.

    The table gets a row at the end of every driver stage; the magnetisation (and each
    output in ``fields``, e.g. ``Oxs_UniformExchange:exch:Field``) at the end of
    every ``mags_every``-th stage and at the end of the run (``Done``: the next stage
    starts from it); with ``initial``, both also at iteration 0, the state before the
    first step (a ``Step`` schedule of frequency 0 fires only there, OOMMF's
    ``schedule.tcl``). OOMMF's own ``Stage k`` filter fires after stages 0, k, 2k...;
    a filter script (called with the finished stage's number) picks k − 1, 2k − 1...,
    the ends of whole save intervals.

    Examples
    --------
    >>> d = "}\\n\\nDestination table mmArchive\\nSchedule DataTable table Stage 1\\n"
    >>> print(outputs(d, "Oxs_MinDriver"), end="")
    }
    <BLANKLINE>
    Destination table mmArchive
    Destination mags mmArchive
    <BLANKLINE>
    Schedule DataTable table Stage 1
    Schedule Oxs_MinDriver::Magnetization mags Stage 1
    Schedule Oxs_MinDriver::Magnetization mags Done
    >>> print(outputs(d, "Oxs_TimeDriver", mags_every=4).splitlines()[5])
    proc mmstudy_save_stage { stage } { expr {($stage + 1) % 4 == 0} }
    """
    every = int(mags_every)
    if every < 1:
        raise ValueError(f"mags_every must be a positive stage count, got {mags_every}")
    lines = ["Destination table mmArchive", "Destination mags mmArchive", ""]
    stage_filter = "1"
    if every > 1:
        lines.append(f"proc mmstudy_save_stage {{ stage }} {{ expr {{($stage + 1) % {every} == 0}} }}")
        stage_filter = "1 mmstudy_save_stage"
    lines.append("Schedule DataTable table Stage 1")
    if initial:
        lines.append("Schedule DataTable table Step 0")
    for out in [f"{driver}::Magnetization", *fields]:
        lines.append(f"Schedule {out} mags Stage {stage_filter}")
        lines.append(f"Schedule {out} mags Done")
        if initial:
            lines.append(f"Schedule {out} mags Step 0")
    m = re.search(r"^Destination ", driver_mif, re.M)
    if m is None:
        raise MifPatchError("cannot set the outputs: no Destination line in the driver text")
    return driver_mif[:m.start()] + "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- time profiles

def profile_proc(name: str, expression: str, scale: float = 1.0) -> str:
    """A Tcl proc of the stage time returning ``scale × expression(t)``.

    OOMMF calls it with ``total_time``: the time since this MIF's problem started,
    which is the stage time (each stage is its own MIF).

    Examples
    --------
    >>> print(profile_proc("J", "heaviside(t - 1e-9)"), end="")
    proc J { total_time } {
      set t $total_time
      return [expr {1.0 * (((($t - 1e-09)) >= 0 ? 1.0 : 0.0))}]
    }
    """
    body = to_tcl(parse(expression), {"t": "$t"})
    return (f"proc {name} {{ total_time }} {{\n  set t $total_time\n"
            f"  return [expr {{{_num(scale)} * ({body})}}]\n}}\n")


def transform_proc(name: str, expression: str) -> str:
    """A Tcl proc for ``Oxs_TransformZeeman { type diagonal }``: the field is multiplied
    by ``expression(t)`` on all three axes.

    The three time derivatives are returned as 0: OOMMF only uses them for the
    energy's ∂E/∂t (the ``dE/dt`` column and the evolvers' energy check, which the
    backend switches off for time-dependent fields).

    Examples
    --------
    >>> print(transform_proc("h", "sin(t)"), end="")
    proc h { total_time } {
      set t $total_time
      set f [expr {sin($t)}]
      return [list $f $f $f 0 0 0]
    }
    """
    body = to_tcl(parse(expression), {"t": "$t"})
    return (f"proc {name} {{ total_time }} {{\n  set t $total_time\n"
            f"  set f [expr {{{body}}}]\n  return [list $f $f $f 0 0 0]\n}}\n")
