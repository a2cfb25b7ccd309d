"""The Jobs panel in a page of JupyterLab or Notebook 7, as a user works it:
open it, read its rows, press its buttons (tests/test_browser_panel.py).

The server serves this checkout's build of the extension when there is one
(``pip install .`` or ``npm run build:prod`` in labextension/ makes it; a
build older than its sources is made again first): a ``labextensions``
folder on ``JUPYTER_PATH`` links it, ahead of whatever is installed, so the
tests try the code they sit beside.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from tests.harness import browser

ROOT = Path(__file__).resolve().parent.parent.parent  # the checkout
SOURCES = ROOT / "labextension"
BUILD = ROOT / "ipython_bg" / "labextension"
NAME = "ipython-bgjobs"
PANEL = "#ipython-bgjobs-panel"


def missing() -> str:
    """Why the panel's browser tests cannot run here, or ``""``."""
    why = browser.missing()
    if why:
        return why
    if (BUILD / "package.json").is_file():
        return ""
    from jupyter_core.paths import jupyter_path

    if any((Path(folder) / NAME / "package.json").is_file() for folder in jupyter_path("labextensions")):
        return ""
    return "the Jobs panel's extension is neither built here nor installed (pip install . builds it)"


def rebuild_if_stale() -> None:
    """Build the extension again if a source changed since it was built
    (where the checkout has its node_modules and npm is at hand)."""
    built = BUILD / "package.json"
    npm = shutil.which("npm")
    if not built.is_file() or npm is None or not (SOURCES / "node_modules").is_dir():
        return
    sources = [path for folder in ("src", "style") for path in (SOURCES / folder).rglob("*") if path.is_file()]
    if max(path.stat().st_mtime for path in sources) > built.stat().st_mtime:
        subprocess.run([npm, "run", "build:prod"], cwd=SOURCES, check=True, capture_output=True)


@contextlib.contextmanager
def serving_this_build(root: Path):
    """While inside, servers started find this checkout's build first."""
    before = os.environ.get("JUPYTER_PATH")
    rebuild_if_stale()
    if (BUILD / "package.json").is_file():
        folder = root / "jupyter_path" / "labextensions"
        folder.mkdir(parents=True)
        (folder / NAME).symlink_to(BUILD, target_is_directory=True)
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(folder.parent), before]))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = before


def menu(page, top: str, item: str) -> None:
    """Choose ``top`` > ``item`` in the menu bar (JupyterLab's or Notebook 7's)."""
    page.keyboard.press("Escape")  # out of a cell's editor, or an open menu
    page.locator(".lm-MenuBar-itemLabel", has_text=top).click()
    page.locator(".lm-Menu-item:visible .lm-Menu-itemLabel", has_text=item).first.click()


class JobsPanel:
    """The panel of one page."""

    def __init__(self, page):
        self.page = page
        self.node = page.locator(PANEL)

    def open(self) -> "JobsPanel":
        """Show it as a user does: View > Show the Jobs Panel (JupyterLab's
        and Notebook 7's alike; also in the command palette)."""
        if not self.node.is_visible():
            menu(self.page, "View", "Show the Jobs Panel")
            self.node.wait_for()
        return self

    def click(self, locator, tries: int = 3) -> None:
        """Click ``locator`` in the panel, showing the panel again where
        something took the side area meanwhile (JupyterLab's file browser
        reveals a notebook opened by path, a moment after it opens)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for attempt in range(tries):
            self.open()
            try:
                locator.click(timeout=5_000)
                return
            except PlaywrightTimeout:
                if attempt == tries - 1:
                    raise

    def section(self, label: str):
        return self.node.locator(".jp-BgJobs-kernel").filter(
            has=self.page.locator(".jp-BgJobs-kernelName", has_text=label)
        )

    def row(self, label: str, job_id: int):
        return self.section(label).locator(f'.jp-BgJobs-job[data-job-id="{job_id}"]')

    def wait_for(self, label: str, job_id: int, state: str, timeout: float = 30_000):
        """The job's row, once it shows ``state``."""
        row = self.row(label, job_id)
        row.locator(".jp-BgJobs-state", has_text=state).wait_for(timeout=timeout)
        return row

    def text(self, label: str, job_id: int, part: str) -> str:
        return self.row(label, job_id).locator(f".jp-BgJobs-{part}").inner_text()

    def counts(self, label: str) -> str:
        return self.section(label).locator(".jp-BgJobs-counts").inner_text()

    def renders(self) -> int:
        return int(self.node.locator(".jp-BgJobs-view").get_attribute("data-renders") or 0)

    def status(self):
        """The status bar's count (JupyterLab; Notebook 7 has no status bar)."""
        return self.page.locator(".jp-BgJobs-status")
