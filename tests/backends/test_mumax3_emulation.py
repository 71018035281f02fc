"""The rendered mumax3 scripts, executed by a numpy emulation of mumax3, give the built-in
solver's fields and torques term by term (mumax3 itself is not installed here).

The emulator reads a rendered point folder (``run.mx3``, ``regions.ovf``, ``geom*.png``)
and reproduces, from mumax3's source (github.com/mumax/3, v3.10–3.11):

* the custom-quantity algebra of ``engine/customfield.go``: ``Shifted`` zero-fills and
  ignores periodicity (``cuda/shiftx.cu``: ``dst[i] = src[i − shift]``), ``Div`` gives 0
  for a zero divisor (``cuda/div.cu``), ``Mul`` scalar × vector, ``Madd``, ``Dot``,
  ``Cross``, ``Const``, ``ConstVector``;
* ``regions.LoadFile`` (a float cast to a byte, ``engine/regions.go``) and
  ``SetGeom(ImageShape(...))`` (``engine/shape.go``, cell centres from
  ``engine/util.go: Index2Coord``);
* the 6-neighbour exchange (``cuda/exchange.cu``), the DMI parts of ``cuda/dmi.cu`` and
  ``cuda/dmibulk.cu`` with ``OpenBC`` and the region look-up table of
  ``engine/exchange.go`` (harmonic mean, ``ext_InterDind``), the Zhang–Li torque
  (``cuda/zhangli2.cu``) and the Slonczewski torque (``cuda/slonczewski2.cu``), with
  mumax3's constants (``cuda/constants.h``);
* the script functions the drive profiles use (``script/stdlib.go``: ``heaviside(0) = 0.5``).

Everything is evaluated in float64, so "agrees to rounding" means ~1e-12 relative;
mumax3 itself computes in float32.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from analysis.ovf import read_ovf
from orchestrator.backends.builtin import build_simulation
from orchestrator.backends.mumax3 import Mumax3Backend
from orchestrator.study import validate_study
from orchestrator.study.units import MU0

# mumax3's constants (cuda/constants.h)
MX3_HBAR, MX3_QE, MX3_MUB, MX3_GAMMA0 = 1.05457173e-34, 1.60217646e-19, 9.2740091523e-24, 1.7595e11
NREGION = 256


# =========================================================================== emulator

def _shift(q: np.ndarray, axis: int, s: int) -> np.ndarray:
    """mumax3's ShiftX/Y/Z: dst[i] = q[i − s] along mesh axis ``axis``, zeros shifted in."""
    ax = 2 - axis
    out = np.zeros_like(q)
    n = q.shape[ax]
    if abs(s) >= n:
        return out
    src = [slice(None)] * q.ndim
    dst = [slice(None)] * q.ndim
    if s > 0:
        dst[ax], src[ax] = slice(s, n), slice(0, n - s)
    elif s < 0:
        dst[ax], src[ax] = slice(0, n + s), slice(-s, n)
    else:
        return q.copy()
    out[tuple(dst)] = q[tuple(src)]
    return out


class Param:
    """A region-wise parameter or excitation (values per region index)."""

    def __init__(self, ncomp: int = 1) -> None:
        self.ncomp = ncomp
        self.values: dict[int, np.ndarray] = {}
        self.default = np.zeros(ncomp)

    def SetRegion(self, r, v):
        self.values[int(r)] = np.atleast_1d(np.asarray(v, float))

    def set_all(self, v):
        self.values = {}
        self.default = np.atleast_1d(np.asarray(v, float))

    def region(self, r: int) -> np.ndarray:
        return self.values.get(r, self.default)

    def cells(self, regions: np.ndarray) -> np.ndarray:
        out = np.empty(regions.shape + (self.ncomp,))
        for r in np.unique(regions):
            out[regions == r] = self.region(int(r))
        return out


class Mumax3Emulator:
    """Reads a rendered point folder; evaluates its custom fields and native kernels."""

    SETUP_END = 'm.LoadFile("m0.ovf")'

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.script = (self.folder / "run.mx3").read_text()
        self.params = {k: Param() for k in ("msat", "aex", "alpha", "ku1", "dind", "dbulk",
                                            "exx", "eyy", "ezz", "exy", "exz", "eyz")}
        self.params["anisu"] = Param(3)
        self.inter: dict[tuple[int, int], float] = {}
        self.settings: dict[str, str] = {}
        self.defs: list[tuple[str, str]] = []
        self.field_terms: list[str] = []
        self.edens_terms: list[str] = []
        self.pbc = (0, 0, 0)
        self.geom = None
        self.regions = None
        for line in self.script.splitlines():
            line = line.split("//")[0].strip()
            if not line:
                continue
            if line == self.SETUP_END:
                break
            self._statement(line)
        self.regions = self.regions if self.regions is not None else \
            np.zeros(self.shape, np.int64)

    # -- setup statements ---------------------------------------------------------
    def _statement(self, line: str) -> None:
        if ":=" in line:
            name, expr = (s.strip() for s in line.split(":=", 1))
            self.defs.append((name, expr))
            return
        m = re.match(r"^(\w+) = (.+)$", line)
        if m:
            self.settings[m.group(1).lower()] = m.group(2)
            return
        env = {"SetPBC": self._setpbc, "SetGridSize": self._grid, "SetCellSize": self._cell,
               "SetGeom": self._setgeom, "ImageShape": self._image, "Layer": self._layer,
               "regions": self, "ext_InterDind": self._inter, "vector": lambda *v: v,
               "AddFieldTerm": lambda q: self.field_terms.append(q),
               "AddEdensTerm": lambda q: self.edens_terms.append(q)}
        env.update({"Msat": self.params["msat"], "Aex": self.params["aex"],
                    "alpha": self.params["alpha"],
                    "Ku1": self.params["ku1"], "anisU": self.params["anisu"],
                    "Dind": self.params["dind"], "Dbulk": self.params["dbulk"],
                    **{c: self.params[c] for c in ("exx", "eyy", "ezz", "exy", "exz", "eyz")}})
        # AddFieldTerm(name): pass the name, not a value
        line = re.sub(r"^(AddFieldTerm|AddEdensTerm)\((\w+)\)$", r'\1("\2")', line)
        eval(line, {"__builtins__": {}}, env)  # noqa: S307 - our own generated script

    def _setpbc(self, *p):
        self.pbc = tuple(int(x) for x in p)

    def _grid(self, *n):
        self.n = tuple(int(x) for x in n)
        self.shape = (self.n[2], self.n[1], self.n[0])

    def _cell(self, *c):
        self.cell = tuple(float(x) for x in c)

    def _inter(self, i, j, v):
        self.inter[(min(i, j), max(i, j))] = float(v)

    def LoadFile(self, name):  # regions.LoadFile: first component, float -> byte
        values = read_ovf(self.folder / name).values[..., 0].astype(np.float32)
        assert values.shape == self.shape
        self.regions = values.astype(np.uint8).astype(np.int64)

    def _centres(self):
        nx, ny, nz = self.n
        cx, cy, cz = self.cell
        iz, iy, ix = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
        return (cx * (ix - 0.5 * (nx - 1)), cy * (iy - 0.5 * (ny - 1)),
                cz * (iz - 0.5 * (nz - 1)))   # Index2Coord

    class _Shape:
        def __init__(self, mask):
            self.mask = mask

        def Intersect(self, other):
            return type(self)(self.mask & other.mask)

        def Add(self, other):
            return type(self)(self.mask | other.mask)

    def _image(self, fname):
        from PIL import Image

        img = np.asarray(Image.open(self.folder / fname).convert("RGBA")).astype(np.int64)
        height, width = img.shape[:2]
        # Go's RGBA() scales 8-bit values by 0x101
        r, g, b, a = (img[..., k] * 0x101 for k in range(4))
        inside_img = (a > 128) & (r + g + b < (0xFFFF * 3) // 2)   # row 0 = top
        x, y, _ = self._centres()
        nx, ny, _ = self.n
        cx, cy, _ = self.cell
        ix = ((width / nx) * (x / cx) + 0.5 * width).astype(np.int64)
        iy = ((height / ny) * (y / cy) + 0.5 * height).astype(np.int64)
        ok = (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
        inside = np.zeros(self.shape, bool)
        inside[ok] = inside_img[height - 1 - iy[ok], ix[ok]]
        return self._Shape(inside)

    def _layer(self, k):
        mask = np.zeros(self.shape, bool)
        mask[k] = True
        return self._Shape(mask)

    def _setgeom(self, shape):
        self.geom = shape.mask

    # -- quantities -------------------------------------------------------------------
    def normalize(self, m: np.ndarray) -> np.ndarray:
        m = m / np.linalg.norm(m, axis=-1, keepdims=True)
        if self.geom is not None:
            m = np.where(self.geom[..., None], m, 0.0)
        return m

    def per_cell(self, name: str) -> np.ndarray:
        return self.params[name].cells(self.regions)

    def _env(self, m: np.ndarray) -> dict:
        shape = self.shape

        def val(q):
            return q.cells(self.regions) if isinstance(q, Param) else q

        def Shifted(q, dx, dy, dz):
            shifts = [s for s in (dx, dy, dz) if s != 0]
            assert len(shifts) == 1, "only single-axis shifts (mumax3 3.10 bug)"
            axis = [dx, dy, dz].index(shifts[0])
            return _shift(val(q), axis, shifts[0])

        def Div(a, b):
            a, b = val(a), val(b)
            assert b.shape[-1] == 1
            return np.divide(a, b, out=np.zeros(np.broadcast_shapes(a.shape, b.shape)),
                             where=b != 0)

        env = {
            "Add": lambda a, b: val(a) + val(b),
            "Madd": lambda a, b, c1, c2: c1 * val(a) + c2 * val(b),
            "Mul": lambda a, b: val(a) * val(b),
            "Div": Div,
            "Dot": lambda a, b: np.sum(val(a) * val(b), axis=-1, keepdims=True),
            "Cross": lambda a, b: np.cross(np.broadcast_to(val(a), shape + (3,)),
                                           np.broadcast_to(val(b), shape + (3,))),
            "Const": lambda v: np.full(shape + (1,), float(v)),
            "ConstVector": lambda x, y, z: np.broadcast_to(np.array([x, y, z], float),
                                                           shape + (3,)),
            "Shifted": Shifted,
            "m": m,
            "M_full": self.per_cell("msat") * m,
            "Msat": self.params["msat"],
        }
        env.update({c: self.params[c] for c in ("exx", "eyy", "ezz", "exy", "exz", "eyz")})
        return env

    def custom(self, m: np.ndarray, carriers: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(B_custom in T, Edens_custom in J/m³) of the script's custom terms."""
        env = self._env(m)
        for c, p in (carriers or {}).items():
            env[c] = p
        for name, expr in self.defs:
            env[name] = eval(expr, {"__builtins__": {}}, env)  # noqa: S307
        B = sum((env[q] for q in self.field_terms), np.zeros(self.shape + (3,)))
        E = sum((env[q] for q in self.edens_terms), np.zeros(self.shape + (1,)))
        return B, E[..., 0]

    # -- native kernels -------------------------------------------------------------------
    def _lut(self, name: str) -> np.ndarray:
        """engine/exchange.go exchParam.update: harmonic mean (exchAverage) of D·sign(Ms)
        per region pair, overridden by ext_InterDind."""
        p, ms = self.params[name], self.params["msat"]
        d = np.array([p.region(r)[0] * np.sign(ms.region(r)[0]) for r in range(NREGION)])
        lut = np.zeros((NREGION, NREGION))
        for i in range(NREGION):
            for j in range(i, NREGION):
                a, b = d[i], d[j]
                if a * b > 0:
                    v = 2 / (1 / a + 1 / b)
                elif a * b == 0:
                    v = 0.0
                else:
                    v = math.copysign(math.sqrt(math.sqrt(-a * b) * abs(a + b) / 2), a + b)
                if name == "dind" and (i, j) in self.inter:
                    v = self.inter[(i, j)]
                lut[i, j] = lut[j, i] = v
        return lut

    def _neighbour(self, q, axis, k):
        """(q at i+k with wrap on periodic axes or 0 past an edge, index valid)."""
        n = self.n[axis]
        ax = 2 - axis
        idx = np.arange(n) + k
        if self.pbc[axis]:
            idx %= n
            valid = np.ones(n, bool)
        else:
            valid = (idx >= 0) & (idx < n)
            idx = np.clip(idx, 0, n - 1)
        out = np.take(q, idx, axis=ax)
        shape = [1] * q.ndim
        shape[ax] = n
        v = valid.reshape(shape)
        return np.where(v, out, 0), np.broadcast_to(v, out.shape)

    def exchange(self, m: np.ndarray) -> np.ndarray:
        """cuda/exchange.cu (B in T): missing or empty neighbours count as m0."""
        lut = self._lut("aex")
        B = np.zeros_like(m)
        R = self.regions
        for axis in range(3):
            if self.n[axis] == 1:
                continue
            w = 2.0 / self.cell[axis] ** 2
            for k in (-1, 1):
                mn, valid = self._neighbour(m, axis, k)
                Rn, _ = self._neighbour(R, axis, k)
                Rn = np.where(valid[..., 0], Rn, R)   # clamped index: the cell itself
                empty = ~np.any(mn != 0, axis=-1, keepdims=True)
                mn = np.where(empty, m, mn)
                B += w * lut[R, Rn][..., None] * (mn - m)
        Ms = self.per_cell("msat")
        return np.divide(B, Ms, out=np.zeros_like(B), where=Ms != 0) * \
            np.any(m != 0, axis=-1, keepdims=True)

    def dmi(self, m: np.ndarray) -> np.ndarray:
        """The DMI part of cuda/dmi.cu (Dind) or cuda/dmibulk.cu (Dbulk), OpenBC (B in T)."""
        assert self.settings.get("openbc") == "true", "the emulator covers OpenBC only"
        bulk = bool(self.params["dbulk"].values)
        lut = self._lut("dbulk" if bulk else "dind")
        R = self.regions
        h = np.zeros_like(m)
        axes = (0, 1, 2) if bulk and self.n[2] > 1 else (0, 1)
        for axis in axes:
            c = self.cell[axis]
            for k in (-1, 1):
                mn, _ = self._neighbour(m, axis, k)
                Rn, _ = self._neighbour(R, axis, k)
                present = np.any(mn != 0, axis=-1)
                D = np.where(present, lut[R, Rn], 0.0)[..., None] / c   # OpenBC: skip
                x, y, z = mn[..., 0:1], mn[..., 1:2], mn[..., 2:3]
                s = float(k)
                if not bulk:   # dmi.cu: h.x += (D/cx) m2.z; h.z -= (D/cx) m2.x (right, x)
                    if axis == 0:
                        h[..., 0:1] += s * D * z
                        h[..., 2:3] -= s * D * x
                    else:
                        h[..., 1:2] += s * D * z
                        h[..., 2:3] -= s * D * y
                else:          # dmibulk.cu
                    if axis == 0:
                        h[..., 1:2] += s * D * z
                        h[..., 2:3] -= s * D * y
                    elif axis == 1:
                        h[..., 0:1] -= s * D * z
                        h[..., 2:3] += s * D * x
                    else:
                        h[..., 0:1] += s * D * y
                        h[..., 1:2] -= s * D * x
        Ms = self.per_cell("msat")
        h = np.where(np.any(m != 0, axis=-1, keepdims=True), h, 0.0)
        return np.divide(h, Ms, out=np.zeros_like(h), where=Ms != 0)


def stage_block(script: str, k: int) -> list[str]:
    """The statement lines of stage k (comments stripped)."""
    blocks = re.split(r"^// ==== ", script, flags=re.M)[1:]
    return [ln.split("//")[0].strip() for ln in blocks[k].splitlines()[1:]
            if ln.split("//")[0].strip()]


def _heaviside(x):   # script/stdlib.go
    return 1.0 if x > 0 else (0.5 if x == 0 else 0.0)


MX3_STDLIB = {"heaviside": _heaviside, "ceil": math.ceil, "floor": math.floor,
              "sin": math.sin, "cos": math.cos, "exp": math.exp, "pow": math.pow,
              "sqrt": math.sqrt, "abs": abs, "pi": math.pi, "mod": math.fmod,
              "vector": lambda *v: tuple(float(x) for x in v)}


def stage_values(script: str, k: int, t: float, t0: float = 0.0) -> dict:
    """Evaluate the settings of stage k at mumax3 time t (the stage began at t0):
    ``name -> value`` and ``name.SetRegion -> {region: value}``."""
    env = dict(MX3_STDLIB, t=t)
    out: dict = {}
    for line in stage_block(script, k):
        m = re.match(r"^(mm_t0_\d+) := t$", line)
        if m:
            env[m.group(1)] = t0
            continue
        m = re.match(r"^(\w+)\.SetRegion\((\d+), (.+)\)$", line)
        if m:
            out.setdefault(m.group(1) + ".SetRegion", {})[int(m.group(2))] = \
                eval(m.group(3), {"__builtins__": {}}, env)  # noqa: S307
            continue
        m = re.match(r"^(\w+) = (.+)$", line)
        if m:
            value = m.group(2)
            out[m.group(1)] = value if value in ("true", "false") else \
                eval(value, {"__builtins__": {}}, env)  # noqa: S307
            if m.group(1) + ".SetRegion" in out and m.group(1) != "FixDt":
                del out[m.group(1) + ".SetRegion"]   # a plain assignment resets regions
    return out


# =========================================================================== helpers

def render(study_data: dict, tmp_path: Path) -> tuple[Mumax3Emulator, object]:
    study = validate_study(json.loads(json.dumps(study_data)))
    folder = tmp_path / "point"
    Mumax3Backend().render(study, folder)
    return Mumax3Emulator(folder), study


def random_m(shape, seed=0) -> np.ndarray:
    m = np.random.default_rng(seed).normal(size=tuple(shape) + (3,))
    return m / np.linalg.norm(m, axis=-1, keepdims=True)


def builtin_field(study, m, name: str, t: float = 0.0) -> np.ndarray:
    """μ0 H (T) of the built-in backend's term ``name`` for the same study."""
    sim, _ = build_simulation(study)
    term = next(tm for tm in sim.terms if tm.name == name)
    return MU0 * term.field(m, t)


def close(a, b, rel=1e-12):
    """Agreement to float64 rounding of the largest value (a few hundred operations)."""
    scale = max(np.abs(b).max(), 1e-300)
    np.testing.assert_allclose(a, b, rtol=0, atol=rel * scale)


BASE = {"name": "e", "mesh": {"n": [16, 12, 1], "cell": [1e-9, 1.5e-9, 2e-9]},
        "materials": {"default": {"Ms": 5.8e5, "A": 1.5e-11, "alpha": 0.3}},
        "stages": [{"type": "minimize"}]}


def with_(**changes) -> dict:
    data = json.loads(json.dumps(BASE))
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(data.get(k), dict):
            data[k].update(v)
        else:
            data[k] = v
    return data


HOLE = {"type": "disk", "centre": [12.5e-9, 9e-9], "radius": 2.2e-9}
# left and right with a hole in no region (vacuum), and a box of Ms = 0 ("dead")
JANUS_REGIONS = [
    {"name": "left", "shape": {"type": "difference", "base": {"type": "all"}, "minus": [HOLE]}},
    {"name": "right", "shape": {"type": "difference",
                                "base": {"type": "half_plane", "point": [8e-9, 0],
                                         "normal": [1, 0]},
                                "minus": [HOLE]}},
    {"name": "dead", "shape": {"type": "box", "min": [2e-9, 2e-9], "max": [3.9e-9, 4e-9]}}]


def janus(pbc="y", rule="mean", D_left=3.7e-3, D_right=-2.9e-3, classes=("Cnv_z", "T")):
    regions = JANUS_REGIONS
    return with_(mesh={"pbc": pbc}, regions=regions,
                 materials={"default": BASE["materials"]["default"],
                            "left": {"dmi": {"D": D_left, "class": classes[0]}},
                            "right": {"dmi": {"D": D_right, "class": classes[1]}, "Ms": 4.1e5},
                            "dead": {"Ms": 0}},
                 energy={"dmi_interface": rule})


# =========================================================================== tests: files

def test_geometry_and_regions_files_are_the_raster(tmp_path):
    """mumax3 reading regions.ovf (byte cast) and ImageShape("geom.png") at its own cell
    centres gets exactly mmstudy's raster: regions per cell, magnetic cells = geometry."""
    from orchestrator.study.raster import VACUUM, rasterize

    emu, study = render(janus(), tmp_path)
    raster = rasterize(study)
    expected = np.where(raster.vacuum, len(raster.names), raster.index)
    np.testing.assert_array_equal(emu.regions, expected)
    Ms = raster.per_cell({r: study.material(r).Ms for r in raster.names})
    np.testing.assert_array_equal(emu.geom, (raster.index != VACUUM) & (Ms > 0))
    assert raster.vacuum.sum() >= 8 and emu.geom.sum() <= emu.geom.size - raster.vacuum.sum() - 4


def test_geometry_per_layer_when_layers_differ(tmp_path):
    """A geometry that changes along z is a union of per-layer images, still exact."""
    from orchestrator.study.raster import rasterize

    data = with_(mesh={"n": [10, 8, 3], "cell": [1e-9, 1e-9, 1e-9]},
                 regions=[{"name": "film", "shape": {"type": "box", "min": [0, 0, 0],
                                                     "max": [10e-9, 8e-9, 1.9e-9]}},
                          {"name": "cap", "shape": {"type": "disk", "centre": [5e-9, 4e-9],
                                                    "radius": 2.5e-9, "z": [2e-9, 3e-9]}}])
    emu, study = render(data, tmp_path)
    raster = rasterize(study)
    assert "Layer(2)" in emu.script
    np.testing.assert_array_equal(emu.geom, ~raster.vacuum)


def test_initial_state_file(tmp_path):
    from orchestrator.study.initial import initial_m
    from orchestrator.study.raster import rasterize

    data = janus()
    data["initial"] = {"type": "skyrmions", "skyrmions": [{"centre": [8e-9, 6e-9],
                                                          "radius": 3e-9}]}
    emu, study = render(data, tmp_path)
    m0 = read_ovf(emu.folder / "m0.ovf").values
    np.testing.assert_array_equal(m0, initial_m(study, rasterize(study)))  # bin8: exact


# =========================================================================== tests: exchange

@pytest.mark.parametrize("n,pbc", [((24, 20, 1), "xy"), ((12, 10, 6), "xyz"), ((2, 16, 3), "xyz"),
                                   ((3, 16, 1), "xy")])
def test_fourth_order_exchange_periodic_equals_builtin_everywhere(tmp_path, n, pbc):
    """mumax3's 6-neighbour exchange (emulated cuda/exchange.cu) plus the script's
    correction field equals the built-in 12-neighbour kernel in every cell of a periodic
    mesh (tiny periodic axes included, where ±2 wrap onto ∓1 or the cell itself), and
    −½ B·M gives its energy."""
    data = with_(mesh={"n": list(n), "pbc": pbc}, energy={"exchange_kernel": "12ngbr"})
    emu, study = render(data, tmp_path)
    m = emu.normalize(random_m(emu.shape, seed=3))
    B_corr, E_corr = emu.custom(m)
    B = emu.exchange(m) + B_corr
    ref = builtin_field(study, m, "exch")
    close(B, ref)
    Ms = emu.per_cell("msat")[..., 0]
    E = np.sum(-0.5 * Ms * np.sum(emu.exchange(m) * m, axis=-1) + E_corr) * np.prod(emu.cell)
    sim, _ = build_simulation(study)
    E_ref = next(tm for tm in sim.terms if tm.name == "exch").energy(m)
    assert E == pytest.approx(E_ref, rel=1e-12)


def test_fourth_order_exchange_free_edges(tmp_path):
    """Free edges: away from them (5 cells: OOMMF's edge rows and integration weights
    reach 5 cells in) the total is the built-in 12-neighbour field and the analytic
    (−1, 16, −30, 16, −1)/12 stencil; at the edge it is the documented masked closure
    (4/3)(m₊₁ − m) − (1/12)(m₊₂ − m), which is not OOMMF's one-sided row."""
    data = with_(mesh={"n": [20, 18, 1], "pbc": ""}, energy={"exchange_kernel": "12ngbr"})
    emu, study = render(data, tmp_path)
    m = emu.normalize(random_m(emu.shape, seed=4))
    B = emu.exchange(m) + emu.custom(m)[0]
    ref = builtin_field(study, m, "exch")
    A, Ms = 1.5e-11, 5.8e5
    inner = (slice(None), slice(5, -5), slice(5, -5))
    close(B[inner], ref[inner])
    stencil = np.zeros_like(m)
    for axis, c in ((2, 1e-9), (1, 1.5e-9)):
        r = lambda k: np.roll(m, -k, axis=axis)  # noqa: E731
        stencil += 2 * A / (Ms * c ** 2) * (-r(2) + 16 * r(1) - 30 * m + 16 * r(-1) - r(-2)) / 12
    close(B[:, 2:-2, 2:-2], stencil[:, 2:-2, 2:-2])
    # first column (x = 0): the x part is the masked closure, the y part (rows 2..15)
    # the full stencil
    wx, wy = 2 * A / (Ms * 1e-18), 2 * A / (Ms * 2.25e-18)
    col = m[0, :, :3]
    x_part = wx * (4 / 3 * (col[2:16, 1] - col[2:16, 0]) - (col[2:16, 2] - col[2:16, 0]) / 12)
    y = col[:, 0]
    y_part = wy * (-y[4:18] + 16 * y[3:17] - 30 * y[2:16] + 16 * y[1:15] - y[0:14]) / 12
    close(B[0, 2:16, 0], x_part + y_part)
    assert not np.allclose(B[0, :, 0], ref[0, :, 0], rtol=1e-3)   # differs from OOMMF at edges


# =========================================================================== tests: DMI

@pytest.mark.parametrize("pbc", ["", "y", "xy"])
@pytest.mark.parametrize("rule", ["mean", "zero"])
def test_janus_dmi_equals_builtin(tmp_path, pbc, rule):
    """Paper 000's Janus: Cnv_z on mumax3's Dind kernel (with ext_InterDind set to our bond
    rule, OpenBC) plus T as a custom field; with vacuum and an Ms = 0 region, free and
    periodic edges, both bond rules: the built-in DMI field in every cell."""
    emu, study = render(janus(pbc=pbc, rule=rule), tmp_path)
    assert "Dind.SetRegion(0, -0.0037)" in emu.script      # Dind = −D of Cnv_z
    assert "Dbulk.SetRegion" not in emu.script             # T is the custom field
    m = emu.normalize(random_m(emu.shape, seed=5))
    B = emu.dmi(m) + emu.custom(m)[0]
    close(B, builtin_field(study, m, "DMI"))


@pytest.mark.parametrize("classes", [("Cnv_z", "Cnv_z"), ("T", "T"), ("D2d_z", "D2d_z"),
                                     ("T", "D2d_z"), ("Cnv_z", "D2d_z")])
@pytest.mark.parametrize("rule", ["mean", "zero"])
def test_dmi_classes_and_rules_equal_builtin(tmp_path, classes, rule):
    """Every class in two regions with different D (native Cnv_z with InterDind, custom T
    and D2d_z, mixtures) reproduces the built-in field; energies −½ B·M agree too."""
    data = janus(pbc="x", rule=rule, classes=classes, D_left=3.1e-3, D_right=1.3e-3)
    data["mesh"]["n"] = [16, 12, 2]
    emu, study = render(data, tmp_path)
    m = emu.normalize(random_m(emu.shape, seed=6))
    native = emu.dmi(m) if emu.settings.get("openbc") == "true" else 0.0
    B_custom, E_custom = emu.custom(m)
    B = native + B_custom
    ref = builtin_field(study, m, "DMI")
    close(B, ref)
    Ms = emu.per_cell("msat")[..., 0]
    E = np.sum(-0.5 * Ms * np.sum(B * m, axis=-1)) * np.prod(emu.cell)
    sim, _ = build_simulation(study)
    E_ref = next(tm for tm in sim.terms if tm.name == "DMI").energy(m)
    assert E == pytest.approx(E_ref, rel=1e-11, abs=1e-30)


def test_uniform_bulk_dmi_runs_on_mumax3_kernel(tmp_path):
    """T with one D everywhere uses Dbulk = D (mumax3's kernel, z bonds in a 3-layer film)."""
    data = with_(mesh={"n": [10, 8, 3], "pbc": "x"},
                 materials={"default": {**BASE["materials"]["default"],
                                        "dmi": {"D": 2.5e-3, "class": "T"}}})
    emu, study = render(data, tmp_path)
    assert "Dbulk.SetRegion(0, 0.0025)" in emu.script and not emu.defs
    m = emu.normalize(random_m(emu.shape, seed=7))
    close(emu.dmi(m), builtin_field(study, m, "DMI"))


def test_mumax3_default_interface_would_differ(tmp_path):
    """Without ext_InterDind mumax3 takes the harmonic mean of D at a region boundary
    (0 next to a region without DMI): the rendered InterDind lines are what makes the
    fields agree (this test fails if they are dropped)."""
    data = janus(pbc="y", classes=("Cnv_z", "Cnv_z"), D_left=3e-3, D_right=0.0)
    data["materials"]["right"].pop("dmi")
    emu, study = render(data, tmp_path)
    assert "ext_InterDind(0, 1, -0.0015)" in emu.script
    m = emu.normalize(random_m(emu.shape, seed=8))
    ref = builtin_field(study, m, "DMI")
    close(emu.dmi(m), ref)
    emu.inter.clear()
    assert not np.allclose(emu.dmi(m), ref, rtol=0, atol=1e-6 * np.abs(ref).max())


# =========================================================================== tests: drives

def _drive_study(**drives):
    return with_(regions=[{"name": "a"}, {"name": "b", "shape": {"type": "half_plane",
                                                                 "point": [8e-9, 0],
                                                                 "normal": [1, 0]}}],
                 drives=drives,
                 stages=[{"type": "evolve", "duration": 4e-9, "save_every": 1e-9}])


ENVELOPES = [
    {"type": "constant"},
    {"type": "pulse", "t0": 0.5e-9, "t1": 1.5e-9},
    {"type": "train", "period": 1e-9, "duty": 0.25, "t0": 0.5e-9, "count": 2},
    {"type": "train", "period": 0.3e-9, "duty": 0.5},
    {"type": "expression", "expression": "exp(-t/1e-9) * cos(2*pi*1e9*t) + heaviside(t - 1e-9)"},
]


@pytest.mark.parametrize("env", ENVELOPES)
def test_field_drive_profiles_match_builtin(tmp_path, env):
    """B_ext per region, evaluated with mumax3's script functions (heaviside(0) = 0.5,
    rendered as ceil(heaviside(x))) at the pulse and train edges and between them, equals
    μ0 H(t) of the built-in Zeeman term, for a stage that starts at t0 = 0 or 3 ns."""
    emu, study = render(_drive_study(h={"type": "field", "H": [1e4, -2e4, "30 mT"],
                                        "regions": ["b"], "envelope": env}), tmp_path)
    sim, clock = build_simulation(study)
    term = next(tm for tm in sim.terms if tm.name == "h")
    m = random_m(emu.shape)
    times = [0.0, 0.25e-9, 0.5e-9, 0.75e-9, 1e-9, 1.5e-9, 1.6e-9, 2.5e-9, 2.75e-9, 3e-9, 0.9e-9]
    for t0 in (0.0, 3e-9):   # from t0 = 0 the edges are hit exactly: heaviside(0)
        clock.start = t0
        for ts in times:
            values = stage_values(emu.script, 0, t0 + ts, t0=t0)
            ref = MU0 * term.field(m, t0 + ts)
            B = np.zeros_like(m)
            for r, v in values.get("B_ext.SetRegion", {}).items():
                B[emu.regions == r] = v
            if "B_ext.SetRegion" not in values:
                B[...] = values["B_ext"]
            np.testing.assert_allclose(B, ref, rtol=1e-12, atol=1e-15,
                                       err_msg=f"t0 = {t0}, t = {ts}")


def test_anisotropy_drive_is_the_builtin_term(tmp_path):
    """A time-dependent strain anisotropy along a tilted axis in one region: the custom
    field with its carrier 2K(t) equals the built-in term's field, with energy −K(m·u)²."""
    emu, study = render(_drive_study(s={"type": "anisotropy", "K": -3e4, "axis": [1, 1, 0],
                                        "regions": ["a"],
                                        "envelope": {"type": "expression",
                                                     "expression": "sin(2*pi*1e9*t)"}}),
                        tmp_path)
    sim, clock = build_simulation(study)
    term = next(tm for tm in sim.terms if tm.name == "s")
    m = random_m(emu.shape, seed=9)
    for ts in (0.1e-9, 0.3e-9):
        values = stage_values(emu.script, 0, ts)
        carrier = Param()
        for r, v in values["eyy.SetRegion" if "eyy.SetRegion" in values else
                           "exx.SetRegion"].items():
            carrier.SetRegion(r, v)
        name = "exx" if "exx.SetRegion" in values else "eyy"
        B, E = emu.custom(m, {name: carrier})
        close(B, MU0 * term.field(m, ts))
        u = np.array([1, 1, 0]) / np.sqrt(2)
        K = -3e4 * math.sin(2 * math.pi * 1e9 * ts)
        expected = np.where(emu.regions == 0, -K * (m @ u) ** 2, 0.0)
        np.testing.assert_allclose(E, expected, rtol=1e-12, atol=1e-12 * abs(K))


def _torque_study(drive, pbc="xy", alpha=0.27, gamma0=2.3e5):
    data = with_(mesh={"n": [12, 10, 2], "pbc": pbc},
                 materials={"default": {"Ms": 6.1e5, "alpha": alpha, "gamma0": gamma0}},
                 drives={"d": drive},
                 stages=[{"type": "evolve", "duration": 1e-9, "save_every": 1e-9}])
    return data


@pytest.mark.parametrize("drive", [
    {"type": "sot", "j": 2.5e11, "theta_SH": 0.3, "p_angle": "240 deg", "field_like": 0.7},
    {"type": "sot", "j": -1e11, "theta_SH": -0.1, "p": [0.2, -1, 0.5], "thickness": 3e-9},
    {"type": "sot", "j": 1e11, "theta_SH": 1.0, "p": [0, 1, 0]},
])
def test_slonczewski_settings_give_our_sot(tmp_path, drive):
    """cuda/slonczewski2.cu with the rendered J, Pol, Lambda, EpsilonPrime, FixedLayer,
    FreeLayerThickness, times GammaLL, is the built-in dm/dt of our SOT (damping- and
    field-like parts, p at an angle, any sign). Tolerance 1e-6: mumax3's ħ/e differ from
    CODATA 2018 in the 8th digit."""
    emu, study = render(_torque_study(drive), tmp_path)
    v = stage_values(emu.script, 0, 0.0)
    assert v["DisableZhangLiTorque"] == "true" and v["DisableSlonczewskiTorque"] == "false"
    m = random_m(emu.shape, seed=10)
    J = v["J"][2]
    p = np.array(v["FixedLayer"]) / np.linalg.norm(v["FixedLayer"])
    Ms = 6.1e5
    alpha, pol, lam, eps_p, thick = 0.27, v["Pol"], v["Lambda"], v["EpsilonPrime"], \
        v["FreeLayerThickness"]
    beta = (MX3_HBAR / MX3_QE) * J / (thick * Ms)
    eps = pol * lam ** 2 / ((lam ** 2 + 1) + (lam ** 2 - 1) * (m @ p))[..., None]
    A, B = beta * eps, beta * eps_p
    gilb = 1 / (1 + alpha ** 2)
    pxm = np.cross(p, m)
    torque = gilb * (A + alpha * B) * np.cross(m, pxm) + gilb * (B - alpha * A) * pxm
    dmdt = float(emu.settings["gammall"]) * torque
    sim, _ = build_simulation(study)
    ref = sim.llg.dmdt(m, 0.0)
    np.testing.assert_allclose(dmdt, ref, rtol=0, atol=1e-6 * np.abs(ref).max())


@pytest.mark.parametrize("pbc", ["xy", ""])
def test_zhang_li_settings_give_our_torque(tmp_path, pbc):
    """cuda/zhangli2.cu (prefactor with mumax3's constant GAMMA0, times GammaLL) with the
    rendered J, Pol, Xi equals the built-in Zhang–Li dm/dt: Pol = P·GAMMA0/GammaLL undoes
    mumax3's γ mismatch (without it the difference would be 1e-2 here, γ0 = 2.3e5)."""
    drive = {"type": "zhang_li", "j": [3e11, -1e11, 0], "P": 0.56, "xi": 0.12}
    emu, study = render(_torque_study(drive, pbc=pbc), tmp_path)
    v = stage_values(emu.script, 0, 0.0)
    assert v["DisableZhangLiTorque"] == "false" and v["DisableSlonczewskiTorque"] == "true"
    gammaLL = float(emu.settings["gammall"])
    assert v["Pol"] == pytest.approx(0.56 * MX3_GAMMA0 / gammaLL, rel=1e-15)
    m = random_m(emu.shape, seed=11)
    Ms, alpha, xi = 6.1e5, 0.27, v["Xi"]
    b = (MX3_MUB / (2 * MX3_QE * MX3_GAMMA0)) / Ms / (1 + xi ** 2)
    Jv = v["Pol"] * np.array(v["J"])
    emu.pbc = tuple(int(ax in pbc) for ax in "xyz")
    h = np.zeros_like(m)
    for axis in range(3):
        if Jv[axis] == 0:
            continue
        ax = 2 - axis
        n = m.shape[ax]
        hi = np.arange(n) + 1
        lo = np.arange(n) - 1
        hi = hi % n if emu.pbc[axis] else np.minimum(hi, n - 1)   # hclamp / lclamp
        lo = lo % n if emu.pbc[axis] else np.maximum(lo, 0)
        h += (b / emu.cell[axis]) * Jv[axis] * (np.take(m, hi, axis=ax) - np.take(m, lo, axis=ax))
    torque = -1 / (1 + alpha ** 2) * ((1 + xi * alpha) * np.cross(m, np.cross(m, h))
                                      + (xi - alpha) * np.cross(m, h))
    sim, _ = build_simulation(study)
    ref = sim.llg.dmdt(m, 0.0)
    np.testing.assert_allclose(gammaLL * torque, ref, rtol=0, atol=1e-6 * np.abs(ref).max())
