"""Packaging beyond setup.cfg: the Jobs panel's frontend extension.

Its TypeScript sources are in ``labextension/``; ``pip install .`` builds
them with JupyterLab's extension toolchain (``npm ci`` from the lockfile,
then ``npm run build:prod``) into ``ipython_bg/labextension/``, and the
wheel puts that folder where JupyterLab and Notebook 7 find extensions:
``share/jupyter/labextensions/ipython-bgjobs/``.  The build runs only when
the sources differ from those of the last build (a hash of them is kept
beside them), so installing again, or from an sdist (which carries the
built extension), needs no Node.js.  ``IPYTHON_BG_LABEXTENSION=skip``
installs without the panel.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from setuptools import Command, setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
SOURCES = ROOT / "labextension"
BUILT = ROOT / "ipython_bg" / "labextension"
STAMP = SOURCES / ".build-hash"
NAME = "ipython-bgjobs"  # the npm package's name: JupyterLab's folder for it
INPUTS = ("package.json", "package-lock.json", "tsconfig.json", "scripts", "src", "style")
INSTALL_JSON = {
    "packageManager": "python",
    "packageName": NAME,
    "uninstallInstructions": f"Use your Python package manager (pip, conda, ...) to uninstall {NAME}",
}


def skipped() -> bool:
    return os.environ.get("IPYTHON_BG_LABEXTENSION") == "skip"


def sources_hash() -> str:
    """A hash of every file the build reads."""
    digest = hashlib.sha256()
    for name in INPUTS:
        path = SOURCES / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                digest.update(str(file.relative_to(SOURCES)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def built_files() -> list[tuple[str, list[str]]]:
    """``data_files`` for the built extension, folder by folder."""
    target = Path("share", "jupyter", "labextensions", NAME)
    folders: dict[Path, list[str]] = {}
    for file in sorted(BUILT.rglob("*")):
        if file.is_file():
            relative = file.relative_to(ROOT)
            folders.setdefault(target / file.parent.relative_to(BUILT), []).append(str(relative))
    return [(str(folder), files) for folder, files in folders.items()]


class BuildLabextension(Command):
    """Build the frontend extension if its sources changed since the last build."""

    description = "build the Jobs panel's JupyterLab extension (labextension/) if needed"
    user_options: list = []

    def initialize_options(self) -> None:
        pass

    def finalize_options(self) -> None:
        pass

    def run(self) -> None:
        if skipped():
            print("IPYTHON_BG_LABEXTENSION=skip: installing without the Jobs panel's JupyterLab extension")
            return
        if not SOURCES.is_dir():  # an sdist made without them: what it carries is what there is
            return
        current = sources_hash()
        if (BUILT / "package.json").is_file() and STAMP.is_file() and STAMP.read_text() == current:
            return
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit(
                "Building the Jobs panel's JupyterLab extension needs Node.js 18+ and npm "
                "(or set IPYTHON_BG_LABEXTENSION=skip to install without the panel)"
            )
        installed = SOURCES / "node_modules" / ".package-lock.json"
        lockfile = SOURCES / "package-lock.json"
        if not installed.is_file() or installed.stat().st_mtime < lockfile.stat().st_mtime:
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=SOURCES, check=True)
        if BUILT.exists():
            shutil.rmtree(BUILT)  # no chunk of an earlier build is left to install
        subprocess.run([npm, "run", "build:prod"], cwd=SOURCES, check=True)
        (BUILT / "install.json").write_text(json.dumps(INSTALL_JSON, indent=2) + "\n")
        STAMP.write_text(current)


class BuildPy(build_py):
    """Python files, and the frontend extension built first and listed as data files."""

    def run(self) -> None:
        self.run_command("build_labextension")
        self.distribution.data_files[:] = built_files() if BUILT.is_dir() and not skipped() else []
        super().run()


class Sdist(sdist):
    """An sdist carries the built extension, so installing it needs no Node.js."""

    def run(self) -> None:
        self.run_command("build_labextension")
        super().run()


setup(
    cmdclass={"build_labextension": BuildLabextension, "build_py": BuildPy, "sdist": Sdist},
    data_files=[],
)
