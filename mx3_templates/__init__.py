"""The Jinja2 templates of mumax3 scripts (``*.mx3.j2``, see ``README.md``).

Data, not code: this folder is installed as the package ``mmstudy.mx3_templates`` so that
an installed mmstudy finds them with :mod:`importlib.resources`; use
:func:`mmstudy.resources.template_dir`.
"""
