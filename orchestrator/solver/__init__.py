"""mmstudy's built-in finite-difference micromagnetic solver (pure Python on numpy/scipy).

Layout, after magnum.np: one file per field term in ``terms/`` and per torque in
``torques/``, each a small class with one interface (:class:`terms.base.FieldTerm`,
:class:`torques.base.Torque`); ``mesh.py`` holds the mesh, regions and Ms;
``llg.py`` the right-hand side of the LLG equation; ``integrators.py`` the time
steppers; ``minimize.py`` energy minimisation and relaxation; ``output.py`` the
run folder (a mumax3-style ``*.out/`` with OVF 2.0 snapshots and ``table.txt``);
``simulation.py`` ties them together. ``context.py`` holds the
:class:`~orchestrator.solver.context.Context` every term, torque and the thermal field
is set up with (``setup(ctx)``: mesh, array module, dtype, γ0, α, the numba kernels
or None, the one thread policy and pool); ``jit.py`` the rule for the kernels,
``_kernels.py`` the kernels. Physical constants come from :mod:`mmstudy.constants`.

Arrays are in the OVF file order ``(nz, ny, nx, 3)``, SI units throughout: m is a
unit vector field, fields H in A/m, energies in J.
"""

from orchestrator.solver.mesh import Mesh  # noqa: E402
from orchestrator.solver.simulation import Simulation  # noqa: E402

__all__ = ["Mesh", "Simulation"]
