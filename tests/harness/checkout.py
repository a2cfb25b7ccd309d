"""The checkout under test, and the environment of a child process that
imports ipython_bg from it (a terminal ``ipython``, a script, a benchmark)."""

from __future__ import annotations

import os
from pathlib import Path

#: The checkout's root: ipython_bg/, tests/, benchmarks/, README.rst.
ROOT = Path(__file__).resolve().parent.parent.parent


def child_env(**extra) -> dict:
    """The environment for child processes: this checkout first on sys.path."""
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + path if path else "")
    env.update(extra)
    return env
