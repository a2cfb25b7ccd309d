"""The Jobs panel's frontend extension (labextension/): its unit tests, run
by the JupyterLab toolchain's own runner (jest), and its packaging: the
wheel carries it, an install leaves it enabled."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import ipython_bg

ROOT = Path(__file__).resolve().parent.parent.parent  # the checkout
SOURCES = ROOT / "labextension"
NAME = "ipython-bgjobs"


def npm() -> str:
    found = shutil.which("npm")
    if found is None or shutil.which("node") is None:
        pytest.skip("Node.js and npm are not installed: the frontend's unit tests need them")
    return found


def test_the_frontend_unit_tests_pass():
    command = npm()
    if not (SOURCES / "node_modules" / ".package-lock.json").is_file():
        subprocess.run([command, "ci", "--no-audit", "--no-fund"], cwd=SOURCES, check=True, capture_output=True)
    # No colours: a terminal the suite runs in (or FORCE_COLOR) would
    # otherwise put escape sequences into the report read below.
    env = {**os.environ, "FORCE_COLOR": "0", "NO_COLOR": "1"}
    done = subprocess.run(
        [command, "test", "--", "--ci"], cwd=SOURCES, capture_output=True, text=True, timeout=600, env=env
    )
    # jest writes its report to stderr: "Tests:       39 passed, 39 total".
    assert done.returncode == 0, done.stdout + done.stderr
    report = re.sub(r"\x1b\[[0-9;]*m", "", done.stderr)
    assert re.search(r"^Tests:\s+\d+ passed, \d+ total$", report, re.MULTILINE), report


def test_the_extension_and_the_package_have_one_version():
    package = json.loads((SOURCES / "package.json").read_text())
    assert package["name"] == NAME
    assert package["version"] == ipython_bg.__version__


def test_a_wheel_carries_the_extension_and_every_subpackage(tmp_path):
    """What `pip install .` installs."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = f"ipython_bgjobs-{ipython_bg.__version__}.data/data/share/jupyter/labextensions/{NAME}/"
    assert data + "package.json" in names and data + "install.json" in names
    assert any(name.startswith(data + "static/remoteEntry.") for name in names)
    assert "ipython_bg/hosts/kernel/panel/channel.py" in names
    assert not any("node_modules" in name or name.startswith("labextension/") for name in names)


def _installed_with_the_panel() -> bool:
    """Whether an install put the extension where Jupyter looks for it."""
    from jupyter_core.paths import jupyter_path

    return any((Path(folder) / NAME / "package.json").is_file() for folder in jupyter_path("labextensions"))


@pytest.mark.skipif(
    not _installed_with_the_panel(),
    reason="ipython-bgjobs is installed without the panel here: an editable install (setuptools gives it "
    "no data files; `jupyter labextension develop .` links the panel) or IPYTHON_BG_LABEXTENSION=skip",
)
def test_the_installed_extension_is_enabled():
    done = subprocess.run(
        [sys.executable, "-m", "jupyterlab.labextensions", "list"], capture_output=True, text=True, timeout=120
    )
    listing = done.stdout + done.stderr
    line = next((line for line in listing.splitlines() if f"{NAME} v" in line), "")
    assert f"{NAME} v{ipython_bg.__version__}" in line and "enabled" in line and "OK" in line, listing
