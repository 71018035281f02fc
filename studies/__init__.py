"""The study files shipped with mmstudy (``studies/*/*.toml``, see ``README.md``).

Data, not code: this folder is installed as the package ``mmstudy.studies`` so that an
installed mmstudy finds them with :mod:`importlib.resources`; use
:func:`mmstudy.resources.study_path` (``study_path("janus/fig1_relaxed.toml")``).
"""
