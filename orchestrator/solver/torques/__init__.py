"""Spin torques, one per file, each a :class:`~orchestrator.solver.torques.base.Torque`
that adds its Gilbert-form torque (1/s, perpendicular to m) into a buffer; the LLG
engine converts the sum to the explicit form (see :mod:`orchestrator.solver.llg`).

* :class:`ZhangLi` — Zhang–Li STT, ``(u·∇)m − ξ m×(u·∇)m``;
* :class:`SpinOrbitTorque` (``SOT``) — damping-like ``c m×(p×m)`` and field-like
  ``r c p×m`` spin–orbit torque.
"""

from orchestrator.solver.torques.base import Torque
from orchestrator.solver.torques.sot import SOT, SpinOrbitTorque
from orchestrator.solver.torques.zhangli import ZhangLi

__all__ = ["SOT", "SpinOrbitTorque", "Torque", "ZhangLi"]
