"""Write the fixture ``tests/data/ubermag/mxsky``: three drives of mumax3c, file for file.

A file-format fixture, not a simulation: mumax3 is not run. Everything ubermag writes is
written by ubermag's own code (mumax3c 0.4.0's ``Driver.write_mx3``, micromagneticmodel
0.65's ``ExternalDriver`` steps, discretisedfield 0.92's ``Field.to_file``); what mumax3
would write (``<name>.out/``) is written by ``tests/mumax3_writer.py``, which follows
mumax3's Go sources byte for byte, with made-up values (a Néel skyrmion whose radius and
helicity oscillate, and simple formulas for the table). ``mxsky/README.md`` says which
file comes from where.

Run it from the repository root with mumax3c importable (``pip download mumax3c==0.4.0
--no-deps`` and its wheel on ``PYTHONPATH`` will do: the script writer needs no mumax3)::

    PYTHONPATH=/tmp/mumax3c .venv/bin/python tests/data/ubermag/make_mxsky.py

It writes ``/tmp/ubermag/mxsky`` (the folder the ``.mx3`` scripts name, as mumax3c writes
absolute paths) and copies it to ``tests/data/ubermag/mxsky``, keeping its README.md.
Only the standard library is imported at module level (pytest imports this file when it
collects doctests).
"""

from __future__ import annotations

import datetime
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).parent
WRITTEN_IN = Path("/tmp/ubermag")  # the folder mumax3c's absolute paths name
NAME = "mxsky"
MS = 1.1e6  # A/m
A, D, K, H = 1.6e-11, 4e-3, 5.1e5, 2e5  # J/m, J/m², J/m³, A/m
CELL = (2.5e-9, 2.5e-9, 2e-9)
R0, WALL = 7e-9, 2e-9  # the relaxed skyrmion's radius and wall width (made up)
START = datetime.datetime(2026, 12, 8, 10, 0, 0)  # info.json's clock, one drive a second
#: mumax3's log.txt starts with these (modelled on micromagneticdata's sample of mumax 3.10)
LOG_BANNER = [
    "//mumax 3.10 [linux_amd64 go1.14(gc) CUDA-11.0]",
    "//GPU info: NVIDIA H100 80GB HBM3(81008MB), CUDA Driver 12.4, cc=9.0, using cc=80 PTX",
    "//(c) Arne Vansteenkiste, Dynamat LAB, Ghent University, Belgium",
    "//This is free software without any warranty. See license.txt",
]


def texture(radius: float, helicity: float, mesh):
    """A core-down Néel skyrmion at the mesh's centre as unit vectors (z, y, x, c)."""
    import numpy as np

    x, y, _ = (np.asarray(a) for a in mesh.cells)
    z = np.zeros(mesh.n[2])
    Z, Y, X = np.meshgrid(z, y, x, indexing="ij")
    r = np.hypot(X, Y)
    theta = 2 * np.arctan2(np.sinh(radius / WALL), np.sinh(np.maximum(r, 1e-30) / WALL))
    phi = np.arctan2(Y, X) + helicity
    return np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi),
                     np.cos(theta)], axis=-1)


def table_row(t: float, m32, dt: float, max_torque: float) -> list[float]:
    """mumax3c's columns (mx my mz, E_exch, E_anis, E_Zeeman, E_total, dt, maxTorque) from
    simple formulas: exchange from differences with periodic x, y (no DMI), uniaxial
    anisotropy along z, the field along z. Not mumax3's numbers: a format fixture."""
    import numpy as np

    m = m32.astype(np.float64)
    volume = CELL[0] * CELL[1] * CELL[2]
    grad2 = sum(((np.roll(m, -1, axis=ax) - m) / CELL[2 - ax]) ** 2 for ax in (1, 2)).sum()
    e_exch = A * float(grad2) * volume
    e_anis = -K * float((m[..., 2] ** 2).sum()) * volume
    mu0 = 4e-7 * np.pi
    e_zeeman = -mu0 * MS * H * float(m[..., 2].sum()) * volume
    avg = m.mean(axis=(0, 1, 2))
    return [t, *avg, e_exch, e_anis, e_zeeman, e_exch + e_anis + e_zeeman, dt, max_torque]


def mumax3_log(mx3: str) -> str:
    """The statements of ``mx3`` as mumax3 echoes them into log.txt after its banner: no
    comments or blank lines, a ``for`` header spaced out, its body indented by a tab
    (micromagneticdata's sample ``rectangle/drive-1/rectangle.out/log.txt``)."""
    lines = [*LOG_BANNER, f"//output directory: {NAME}.out/"]
    inside = False
    for line in mx3.splitlines():
        s = line.strip()
        if not s or s.startswith("//"):
            continue
        if s.startswith("for "):
            head = s[len("for "):].rstrip("{").split(";")
            init, cond, post = (part.strip() for part in head)
            init = init.replace(":=", " := ")
            cond = cond.replace("<", " < ")
            lines.append(f"for {init}; {cond}; {post} {{")
            inside = True
        elif inside and s == "}":
            lines.append("}")
            inside = False
        else:
            lines.append(("\t" if inside else "") + s)
    lines.append("//   * Vansteenkiste et al., AIP Adv. 4, 107133 (2014).")
    return "".join(line + "\n" for line in lines)


def write_mumax3_output(mx3_file: Path, frames: list[tuple[float, object, float, float]]):
    """What ``mumax3 <name>.mx3`` leaves in ``<name>.out/`` (here instead of mumax3c's
    ``Driver._call``): per frame ``(t, m, dt, maxTorque)`` an ``m_full%06d.ovf`` (M in A/m,
    float32, ``Desc: Total simulation time``) and a table row; ``log.txt`` and ``gui``."""
    import numpy as np
    from mumax3_writer import write_mx3_ovf, write_mx3_table

    out = mx3_file.with_suffix(".out")
    out.mkdir()
    rows = []
    for k, (t, m, dt, torque) in enumerate(frames):
        m32 = np.asarray(m, dtype=np.float32)  # mumax3's m (float32 unit vectors)
        M = m32 * np.float32(MS)  # engine/demag.go SetMFull: m times Msat, in float32
        write_mx3_ovf(out / f"m_full{k:06d}.ovf", M, CELL, t, name="m_full", unit="A/m")
        rows.append(table_row(t, m32, dt, torque))
    columns = [("m", "", 3), ("E_exch", "J", 1), ("E_anis", "J", 1), ("E_Zeeman", "J", 1),
               ("E_total", "J", 1), ("dt", "s", 1), ("maxTorque", "T", 1)]
    write_mx3_table(out / "table.txt", columns, rows)
    (out / "log.txt").write_text(mumax3_log(mx3_file.read_text()))
    (out / "gui").write_text("[::]:35367")  # engine/gui.go: the GUI's address


def drive(driver, system, start: datetime.datetime, frames, **kwargs) -> None:
    """micromagneticmodel 0.65 ``ExternalDriver.drive``, step by step, with mumax3's run
    (``_call``) replaced by :func:`write_mumax3_output`; ``frames(system)`` gives the made-up
    snapshots from the system's state when the drive begins."""
    import ubermagutil as uu

    drive_kwargs = kwargs.copy()
    driver.drive_kwargs_setup(kwargs)
    driver._check_system(system)
    workingdir = driver._setup_working_directory(system=system, dirname=str(WRITTEN_IN),
                                                 mode="drive", append=True)
    made = frames(system)
    with uu.changedir(workingdir):
        driver._write_input_files(system=system, ovf_format="bin8", **kwargs)
        driver._write_info_json(system, start, **drive_kwargs)
        write_mumax3_output(Path(workingdir) / f"{system.name}.mx3", made)
        driver._update_info_json(start, start + datetime.timedelta(seconds=1), True)
        driver._read_data(system)
    system.drive_number += 1


def main() -> None:
    import discretisedfield as df
    import micromagneticmodel as mm
    import mumax3c as mc
    import numpy as np

    sys.path.insert(0, str(HERE.parents[1]))  # tests/, for mumax3_writer
    target = WRITTEN_IN / NAME
    if target.exists():
        shutil.rmtree(target)
    mesh = df.Mesh(p1=(-20e-9, -20e-9, 0), p2=(20e-9, 20e-9, 2e-9), cell=CELL, bc="xy")
    system = mm.System(name=NAME)
    system.energy = (mm.Exchange(A=A) + mm.DMI(D=D, crystalclass="Cnv_z")
                     + mm.UniaxialAnisotropy(K=K, u=(0, 0, 1)) + mm.Zeeman(H=(0, 0, H)))

    def disk(point):
        x, y, _ = point
        return (0, 0, -1) if np.hypot(x, y) < 8e-9 else (0, 0, 1)

    system.m = df.Field(mesh, nvdim=3, value=disk, norm=MS)
    relaxed = texture(R0, 0.0, mesh)
    drive(mc.MinDriver(), system, START, lambda s: [(0.0, relaxed, 1e-15, 4.1e-9)])

    system.dynamics = mm.Precession(gamma0=2.211e5) + mm.Damping(alpha=0.3)
    t, n = 3e-11, 6

    def breathing(s):
        frames, now = [], 0.0
        for k in range(1, n + 1):
            now += t / n  # engine/run.go Run: stop := Time + seconds, n times
            decay = np.exp(-now / 1.5e-11)
            m = texture(R0 * (1 + 0.12 * decay * np.cos(2 * np.pi * now / 1.7e-11)),
                        0.3 * decay * np.sin(2 * np.pi * now / 1.7e-11), mesh)
            frames.append((now, m, 2.4e-13 + 1e-15 * k, 0.02 * decay))
        return frames

    drive(mc.TimeDriver(), system, START + datetime.timedelta(seconds=2), breathing, t=t, n=n)
    drive(mc.RelaxDriver(), system, START + datetime.timedelta(seconds=4),
          lambda s: [(0.0, relaxed, 2.1e-13, 6.3e-9)])

    fixture = HERE / NAME
    readme = (fixture / "README.md").read_text() if (fixture / "README.md").exists() else None
    if fixture.exists():
        shutil.rmtree(fixture)
    shutil.copytree(target, fixture)
    if readme is not None:
        (fixture / "README.md").write_text(readme)
    print(f"wrote {target} and copied it to {fixture}")


if __name__ == "__main__":
    main()
