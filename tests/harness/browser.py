"""A real Jupyter server (JupyterLab) and a real headless Chromium.

The server binds to 127.0.0.1 on a free port, serves a temporary root
directory and asks for no token: nothing else can reach it, and the
browser needs no login.  Its settings, workspaces and IPython profile are
temporary too, so a run neither reads nor changes the user's.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.harness.checkout import child_env

CHROMIUM = "/usr/bin/chromium"
# No network but the local server: no updates, no sync, no first-run pages.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The notebook in view: a page may hold others' tabs from the workspace.
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"  # tests/artifacts


def missing() -> str:
    """Why this tier cannot run here, or ``""``."""
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (Debian's chromium package)"
    for module in ("playwright", "jupyterlab"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (the test extra)"
    return ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``jupyter lab`` on 127.0.0.1, stopped by :meth:`close`."""

    def __init__(self, root: Path, timeout: float = 90):
        self.root = root / "notebooks"
        self.root.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = child_env()  # its kernels import ipython_bg from this checkout
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
            env[name] = str(root / name.lower())
        # No "get notified about Jupyter news?" toast over the cells.
        settings = root / "jupyterlab_settings_dir" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        self.log = open(root / "server.log", "wb")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "jupyterlab",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                f"--ServerApp.root_dir={self.root}",
                "--IdentityProvider.token=", "--ServerApp.password=",
                "--ServerApp.open_browser=False", "--ServerApp.disable_check_xsrf=True",
                # Root in CI's containers; the server is ours alone anyway.
                "--allow-root", "--LabApp.extension_manager=readonly",
                "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.root,
        )  # fmt: skip
        self._wait_until_up(timeout)

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited; see {self.log.name}")
            try:
                urllib.request.urlopen(f"{self.url}/api/status", timeout=2).read()
                return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"jupyter lab did not answer; see {self.log.name}")

    def write_notebook(self, name: str, cells: list[str]) -> str:
        """A notebook of code cells, as a fresh, untrusted file: what the
        browser shows of it is only what running its cells produces."""
        notebook = {
            "cells": [
                {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
                for source in cells
            ],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        (self.root / name).write_text(json.dumps(notebook))
        # ?reset: a workspace of its own, not the tabs of earlier pages.
        return f"{self.url}/lab/tree/{name}?reset"

    def notebook7_url(self, lab_url: str) -> str:
        """The same notebook in Notebook 7 (the ``notebook`` package's
        pages, served by the same server)."""
        return lab_url.replace("/lab/tree/", "/notebooks/").removesuffix("?reset")

    def set_theme(self, theme: str) -> None:
        """Choose JupyterLab's theme through its settings API, as the
        Settings menu does; a page loaded afterwards shows it."""
        raw = json.dumps({"theme": theme})
        request = urllib.request.Request(
            f"{self.url}/lab/api/settings/@jupyterlab/apputils-extension:themes",
            data=json.dumps({"raw": raw}).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).read()

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Notebook:
    """One notebook open in a page of JupyterLab."""

    def __init__(self, page, url: str, timeout_ms: float = 60_000):
        self.page = page
        page.set_default_timeout(timeout_ms)
        page.goto(url)
        page.wait_for_selector(f"{NOTEBOOK} .jp-Cell")
        # The kernel is up when the status bar says so (Notebook 7 has none:
        # its toolbar's execution indicator says it).
        if "/notebooks/" in url:
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
        else:
            page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for()

    def cell(self, index: int):
        return self.page.locator(f"{NOTEBOOK} .jp-Cell").nth(index)

    def run(self, index: int) -> None:
        """Run one cell as a user does: Shift+Enter in its editor.  Returns
        once the cell is queued or running (its prompt no longer empty)."""
        cell = self.cell(index)
        prompt = cell.locator(".jp-InputPrompt")
        for _ in range(3):  # a key pressed while the page settles can be lost
            cell.locator(".cm-content").click()
            cell.locator(".cm-content.cm-focused, .cm-focused .cm-content").wait_for(timeout=10_000)
            self.page.keyboard.press("Shift+Enter")
            try:
                self.page.wait_for_function(
                    "el => el.textContent.trim() !== '[ ]:'", arg=prompt.element_handle(), timeout=5_000
                )
                return
            except Exception:
                continue
        raise AssertionError(f"cell {index} did not start")

    def wait_for_output(self, index: int, text: str) -> None:
        self.cell(index).locator(".jp-OutputArea").filter(has_text=text).wait_for()

    def output_text(self, index: int) -> str:
        return self.cell(index).locator(".jp-OutputArea").inner_text()

    def wait_until_idle(self) -> None:
        self.page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def output_screenshot(self, index: int, name: str) -> Path:
        """A picture of one cell's whole output, however tall: the page is
        made tall enough for it while the picture is taken."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        output = self.cell(index).locator(".jp-OutputArea")
        viewport = self.page.viewport_size
        height = output.evaluate("element => element.getBoundingClientRect().height")
        self.page.set_viewport_size({"width": viewport["width"], "height": int(min(max(viewport["height"], height + 200), 8000))})
        try:
            output.screenshot(path=str(path))
        finally:
            self.page.set_viewport_size(viewport)
        return path


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
