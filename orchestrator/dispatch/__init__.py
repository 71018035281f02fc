"""Dispatch: run a study's points, each in its own folder, here or on a Dask cluster.

``folders.py`` what a point folder holds (status, attempts, manifest); ``worker.py``
runs one point (``python -m orchestrator.dispatch.worker FOLDER``); ``local.py`` runs
points in parallel worker processes; ``cluster.py`` runs them on Dask (a scheduler
address or a ``[run.cluster]`` section); ``progress.py`` the progress bar; ``run.py``
plans, runs and resumes a whole study (``mmstudy run``) or only renders its scripts
(``mmstudy scripts``); ``solvers.py`` what each backend found (``mmstudy solvers``).
"""

from orchestrator.dispatch.run import (Plan, PlannedPoint, RunSummary, plan_study,
                                       render_scripts, run_study)

__all__ = ["Plan", "PlannedPoint", "RunSummary", "plan_study", "render_scripts", "run_study"]
