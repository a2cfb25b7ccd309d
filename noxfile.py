"""The test matrix: ``nox -s NAME`` (``nox -l`` lists the sessions).

``py310`` ... ``py313`` run the suite on that Python against the newest
IPython, ipykernel and prompt_toolkit it can take; ``oldest`` runs it on
Python 3.10 against the oldest releases setup.cfg declares.  Extra pytest
arguments go after ``--``: ``nox -s py313 -- -x tests/shell``.
The browser tier (tests/browser/, and tests marked ``browser``) is left
out: it needs a browser the sessions do not install.  The Jobs panel's
frontend is built once per checkout (setup.py), so the sessions' installs
reuse that build.
"""

from __future__ import annotations

import configparser
import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.sessions = ["oldest", "py310", "py311", "py312", "py313"]

ROOT = Path(__file__).resolve().parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
OLDEST_PYTHON = "3.10"
# The packages whose lower bounds in setup.cfg the oldest session pins.
PINNED = ("ipython", "ipykernel", "prompt_toolkit", "traitlets")
PYTEST = ["-m", "pytest", "--ignore=tests/browser", "-m", "not browser"]


def interpreter(version: str) -> str:
    """``pythonX.Y`` if it runs from PATH, else the newest pyenv build of
    that version (a pyenv shim on PATH fails for versions not selected)."""
    name = f"python{version}"
    if shutil.which(name):
        try:
            subprocess.run([name, "-c", ""], check=True, capture_output=True)
            return name
        except (OSError, subprocess.CalledProcessError):
            pass
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    pattern = re.compile(re.escape(version) + r"\.(\d+)$")  # not the free-threaded 3.13t
    builds = []
    for path in glob.glob(os.path.join(root, "versions", version + ".*", "bin", "python")):
        match = pattern.search(Path(path).parent.parent.name)
        if match:
            builds.append((int(match.group(1)), path))
    return max(builds)[1] if builds else name


def lower_bounds() -> list[str]:
    """``name==X`` for each PINNED package's ``>= X`` in setup.cfg."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options"]["install_requires"].splitlines()
    for extra in config["options.extras_require"].values():
        lines += extra.splitlines()
    pins = {}
    for line in lines:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*>=\s*([^,;\s]+)\s*", line)
        if match and match.group(1).replace("-", "_").lower() in PINNED:
            pins[match.group(1)] = f"{match.group(1)}=={match.group(2)}"
    missing = set(PINNED) - {name.replace("-", "_").lower() for name in pins}
    if missing:
        raise RuntimeError(f"setup.cfg declares no lower bound for {', '.join(sorted(missing))}")
    return sorted(pins.values())


def run_suite(session: nox.Session, *pins: str, extras: str = "test") -> None:
    session.install(f".[{extras}]", *pins)
    session.run("python", "-m", "pip", "list", silent=False)
    session.run("python", *PYTEST, *session.posargs)


@nox.session(python=interpreter(OLDEST_PYTHON))
def oldest(session: nox.Session) -> None:
    """Python 3.10 with the lower bounds of setup.cfg (IPython 8, ipykernel, ...),
    and Spyder's kernel, which takes only an ipykernel below 7 (its tests
    skip elsewhere)."""
    run_suite(session, *lower_bounds(), extras="test,spyder")


def _newest(version: str):
    def session_function(session: nox.Session) -> None:
        run_suite(session)

    session_function.__doc__ = f"Python {version} with the newest IPython it can take."
    session_function.__name__ = "py" + version.replace(".", "")
    return nox.session(python=interpreter(version), name=session_function.__name__)(session_function)


for _version in PYTHONS:
    globals()["py" + _version.replace(".", "")] = _newest(_version)
