"""The Jobs panel end to end: JupyterLab and Notebook 7 in a real Chromium,
real kernels, the extension as built from this checkout (tests/jobspanel.py).

What a user sees is checked: rows appearing and ticking, a cancel from the
panel reaching the job (and its cell's notice), the kept output rendered,
the cell a job started in selected, the status bar's count, a notification
for a long job, the same jobs after a reload.  Timings are printed, never
asserted: benchmarks/panel.py measures a job's way to its row and the
page's longest task during a burst of ends, against goals.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.harness import browser
from tests.harness import jobspanel
from tests.harness.jobspanel import JobsPanel


_why = jobspanel.missing()
if _why:
    pytest.skip(_why, allow_module_level=True)


SETUP = "%load_ext ipython_bg\nimport asyncio, time\nimport ipython_bg"
PICTURES = jobspanel.ROOT / "docs" / "_static" / "pictures"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("jupyter")
    with jobspanel.serving_this_build(root):
        server = browser.Server(root)
    yield server
    server.close()




class Pages:
    """Pages of one test: each keeps its console's warnings and the frames
    it sent on websockets; screenshots go to tests/artifacts/."""

    def __init__(self, server, chromium, name):
        self.server, self.chromium, self.name = server, chromium, name
        self.pages = []
        self.warnings: list[str] = []
        self.frames_sent = 0

    def notebook(self, cells, name, *, notebook7=False, size=(1400, 900)):
        page = self.chromium.new_page(viewport={"width": size[0], "height": size[1]})
        page.on("console", lambda m: m.type in ("warning", "error") and self.warnings.append(m.text))
        page.on("websocket", lambda ws: ws.on("framesent", self._sent))
        self.pages.append(page)
        url = write_notebook(self.server, name, cells)
        return browser.Notebook(page, self.server.notebook7_url(url) if notebook7 else url)

    def _sent(self, payload):
        self.frames_sent += 1

    def close(self, failed):
        browser.ARTIFACTS.mkdir(exist_ok=True)
        for number, page in enumerate(self.pages):
            path = browser.ARTIFACTS / f"{self.name}-{number}.png"
            page.screenshot(path=str(path))
            if failed:
                print(f"screenshot: {path}")
            page.close()


@pytest.fixture
def pages(server, chromium, request):
    pages = Pages(server, chromium, request.node.name)
    yield pages
    pages.close(getattr(request.node, "failed", False))
    # Each test's kernels end with it: the next test's panel lists its own.
    for kernel in server_kernels(server):
        shutdown_kernel(server, kernel)


def write_notebook(server, name: str, cells: list[str]) -> str:
    """As ``server.write_notebook``, with the cell ids that JupyterLab saves
    (nbformat 4.5): a reopened notebook's cells keep theirs."""
    url = server.write_notebook(name, cells)
    path = server.root / name
    notebook = json.loads(path.read_text())
    for number, cell in enumerate(notebook["cells"]):
        cell["id"] = f"{Path(name).stem}-{number}"
    path.write_text(json.dumps(notebook))
    return url


def server_kernels(server) -> list[str]:
    import urllib.request

    with urllib.request.urlopen(f"{server.url}/api/kernels", timeout=10) as response:
        return [kernel["id"] for kernel in json.load(response)]


def shutdown_kernel(server, kernel_id: str) -> None:
    import urllib.request

    request = urllib.request.Request(f"{server.url}/api/kernels/{kernel_id}", method="DELETE")
    urllib.request.urlopen(request, timeout=30).read()


def idle(notebook) -> None:
    """Wait until the kernel of the notebook in view is idle (the page may
    show more than one notebook)."""
    notebook.page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']"
    ).wait_for()


def run_all(notebook, count: int) -> None:
    for index in range(count):
        notebook.run(index)
        idle(notebook)


def open_in_same_page(notebook, name: str) -> None:
    """Open another notebook in the page, as File > Open from Path does."""
    page = notebook.page
    jobspanel.menu(page, "File", "Open from Path")
    page.locator(".jp-Dialog input").fill(name)
    page.locator(".jp-Dialog button.jp-mod-accept").click()
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current", has_text=name).wait_for()
    page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for()


def show_tab(notebook, name: str) -> None:
    notebook.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=name).click()


def active_cell(notebook) -> int:
    return notebook.page.evaluate(
        "sel => [...document.querySelectorAll(sel + ' .jp-Cell')].findIndex(c => c.classList.contains('jp-mod-active'))",
        browser.NOTEBOOK,
    )


def test_jobs_of_two_notebooks_appear_and_tick_without_polling(pages):
    first = pages.notebook([SETUP, "a = %bg asyncio.sleep(600)"], "first.ipynb")
    write_notebook(pages.server, "second.ipynb", [SETUP, "b = %bg asyncio.sleep(600)\nc = %bg asyncio.sleep(600)"])
    open_in_same_page(first, "second.ipynb")
    run_all(first, 1)  # in second.ipynb, the tab in view
    show_tab(first, "first.ipynb")
    run_all(first, 1)
    panel = JobsPanel(first.page).open()
    started = time.monotonic()
    first.run(1)
    panel.wait_for("first.ipynb", 1, "running")
    latency = time.monotonic() - started
    show_tab(first, "second.ipynb")
    panel.open()
    started = time.monotonic()
    first.run(1)
    panel.wait_for("second.ipynb", 2, "running")
    print(f"\njob start to its row in the panel: {latency:.2f} s, {time.monotonic() - started:.2f} s")
    assert panel.counts("first.ipynb") == "1 running · 0 finished"
    assert panel.counts("second.ipynb") == "2 running · 0 finished"
    assert panel.status().inner_text() == "3 jobs"
    # The elapsed time ticks, and meanwhile the page sends the kernels nothing.
    idle(first)
    frames = pages.frames_sent
    row = panel.row("first.ipynb", 1).locator(".jp-BgJobs-elapsed")
    for _ in range(3):
        elapsed = row.inner_text()
        first.page.wait_for_function("([el, before]) => el.textContent !== before", arg=[row.element_handle(), elapsed])
    assert pages.frames_sent == frames


def test_cancel_output_and_go_to_cell_from_the_panel(pages):
    talk = (
        "from IPython.display import Image, display\n"
        "PNG = ('iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4nGP8z8Dwn4EIwMjAwMDAwAAAJfgC/0BuvjEAAAAASUVORK5CYII=')\n"
        "async def talk():\n"
        "    print('hello from the job')\n"
        "    display(Image(data=__import__('base64').b64decode(PNG)))\n"
        "    await asyncio.sleep(600)\n"
        "t = %bg talk()"
    )
    notebook = pages.notebook([SETUP, "x = 1", talk, "y = 2"], "talk.ipynb")
    panel = JobsPanel(notebook.page)
    assert not panel.status().is_visible()  # no job runs: no count
    run_all(notebook, 4)
    panel.status().filter(has_text="1 job").click()  # the count opens the panel
    row = panel.wait_for("talk.ipynb", 1, "running")
    # The output view: the text and the picture, as the notebook shows them.
    row.locator(".jp-BgJobs-toggle").click()
    output = row.locator(".jp-BgJobs-output")
    output.locator(".jp-OutputArea-output", has_text="hello from the job").wait_for()
    output.locator("img").wait_for()
    # Go to cell: the cell that started the job is selected.
    assert active_cell(notebook) == 4  # the new cell after the last one run
    row.locator(".jp-BgJobs-source").focus()  # from the keyboard, as the panel's buttons all work
    notebook.page.keyboard.press("Enter")
    notebook.page.wait_for_function(
        "sel => document.querySelectorAll(sel + ' .jp-Cell')[2].classList.contains('jp-mod-active')",
        arg=browser.NOTEBOOK,
    )
    # Cancel: the job is cancelled, and its cell's notice says so.
    row.locator(".jp-BgJobs-cancel").click()
    panel.wait_for("talk.ipynb", 1, "cancelled")
    notebook.wait_for_output(2, "cancelled")
    panel.status().wait_for(state="hidden")


def test_the_output_view_renders_widgets_as_the_notebook_does(pages):
    pytest.importorskip("ipywidgets")
    show = (
        "import ipywidgets\n"
        "from IPython.display import display\n"
        "async def show():\n"
        "    display(ipywidgets.IntSlider(value=7, description='knob'))\n"
        "    await asyncio.sleep(600)\n"
        "j = %bg show()"
    )
    notebook = pages.notebook([SETUP, show], "widget.ipynb")
    panel = JobsPanel(notebook.page).open()
    run_all(notebook, 2)
    row = panel.wait_for("widget.ipynb", 1, "running")
    row.locator(".jp-BgJobs-toggle").click()
    slider = row.locator(".jp-BgJobs-output .widget-slider")
    slider.wait_for()
    assert "knob" in slider.inner_text() and "7" in slider.inner_text()


def test_a_long_job_ending_raises_a_notification(pages):
    cells = [SETUP + "\n%config BackgroundJobs.long_job = 1", "nap = %bg asyncio.sleep(1.5)", "%fg asyncio.sleep(1.5)", "z = 3"]
    notebook = pages.notebook(cells, "long.ipynb")
    JobsPanel(notebook.page).open()
    run_all(notebook, 3)
    toast = notebook.page.locator(".jp-Notification-Toast-success", has_text="[1] done after 1.5s in long.ipynb")
    toast.wait_for()
    notebook.run(3)
    idle(notebook)
    assert notebook.page.locator(".Toastify__toast", has_text="[2]").count() == 0  # waited for with %fg
    toast.get_by_role("button", name="Go to cell").click()
    notebook.page.wait_for_function(
        "sel => document.querySelectorAll(sel + ' .jp-Cell')[1].classList.contains('jp-mod-active')",
        arg=browser.NOTEBOOK,
    )


def test_after_a_reload_a_closed_notebook_and_a_restart(pages):
    cells = [SETUP, "a = %bg asyncio.sleep(600)\nb = %bg int('x')", "c = %bg asyncio.sleep(600)"]
    notebook = pages.notebook(cells, "again.ipynb")
    panel = JobsPanel(notebook.page).open()
    run_all(notebook, 2)
    panel.wait_for("again.ipynb", 2, "failed")
    notebook.page.reload()
    notebook.page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for()
    panel.open()
    panel.wait_for("again.ipynb", 1, "running")
    assert panel.text("again.ipynb", 2, "summary") == "ValueError: invalid literal for int() with base 10: 'x'"
    notebook.run(2)
    panel.wait_for("again.ipynb", 3, "running")
    # Closed, the notebook's kernel goes on, and so do its jobs in the panel;
    # reopened, go-to-cell finds the cell again.
    jobspanel.menu(notebook.page, "File", "Close Tab")
    notebook.page.locator(".jp-Dialog button", has_text="Save").click()  # with the cells' ids
    notebook.page.locator(".jp-NotebookPanel").wait_for(state="detached")
    panel.open()
    panel.wait_for("again.ipynb", 1, "running")
    open_in_same_page(notebook, "again.ipynb")
    panel.click(panel.row("again.ipynb", 1).locator(".jp-BgJobs-source"))
    notebook.page.wait_for_function(
        "sel => document.querySelectorAll(sel + ' .jp-Cell')[1].classList.contains('jp-mod-active')",
        arg=browser.NOTEBOOK,
    )
    # A restart ends the kernel's jobs: the page hears of it from the new
    # kernel (its "starting", or the first message of its own session,
    # which the server may publish before this page listens), and the
    # section comes back empty once the new kernel loads the extension.
    notebook.page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
    notebook.page.locator(".lm-Menu-itemLabel", has_text="Restart Kernel…").first.click()
    notebook.page.locator(".jp-Dialog button.jp-mod-accept").click()
    notebook.page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for()
    notebook.run(0)
    panel.section("again.ipynb").locator(".jp-BgJobs-none").wait_for()
    assert panel.row("again.ipynb", 1).count() == 0


def test_every_kernel_is_listed_in_notebook_7_too(pages):
    lab = pages.notebook([SETUP, "here = %bg asyncio.sleep(600)"], "lab.ipynb")
    lab_panel = JobsPanel(lab.page).open()
    run_all(lab, 2)
    seven = pages.notebook([SETUP, "there = %bg asyncio.sleep(600)"], "seven.ipynb", notebook7=True)
    seven_panel = JobsPanel(seven.page).open()
    run_all(seven, 2)
    seven_panel.wait_for("seven.ipynb", 1, "running")
    seven_panel.wait_for("lab.ipynb", 1, "running")
    # The newest page's comm carries the updates; the older page hears them too.
    lab.page.bring_to_front()
    lab.run(1)
    lab_panel.wait_for("lab.ipynb", 2, "running")
    seven_panel.wait_for("lab.ipynb", 2, "running")
    # JupyterLab learns of a kernel another page started when it next
    # refreshes its list of kernels (its own REST poll, every few seconds).
    lab_panel.wait_for("seven.ipynb", 1, "running", timeout=60_000)


def test_two_thousand_ends_cost_the_page_one_update(pages):
    start = "%config BackgroundJobs.history = 5000\ngate = asyncio.Event()\nfor _ in range(2000):\n    get_ipython().run_line_magic('bg', 'gate.wait()')"
    notebook = pages.notebook([SETUP, start, "gate.set()"], "burst.ipynb")
    panel = JobsPanel(notebook.page).open()
    run_all(notebook, 2)
    panel.section("burst.ipynb").locator(".jp-BgJobs-counts", has_text="2,000 running").wait_for()
    renders = panel.renders()
    notebook.run(2)
    panel.section("burst.ipynb").locator(".jp-BgJobs-counts", has_text="2,000 finished").wait_for()
    idle(notebook)
    notebook.page.wait_for_timeout(500)
    assert panel.renders() == renders + 1
    assert panel.section("burst.ipynb").locator(".jp-BgJobs-job").count() == 100  # a page of rows
    # How long the page's longest task is meanwhile: benchmarks/panel.py.


def test_a_message_the_panel_does_not_understand_is_ignored(pages):
    garble = (
        "from ipython_bg.process.changes import CHANGES\n"
        "channel = CHANGES.get(('jobs panel', get_ipython()))\n"
        "for comm in channel.comms:\n"
        "    comm.send({'type': 'update', 'protocol': 99, 'jobs': [], 'removed': [1]})\n"
        "    comm.send({'type': 'update', 'protocol': 1, 'jobs': [{'id': 'one'}], 'removed': []})\n"
        "    comm.send({'type': 'gossip', 'protocol': 1})"
    )
    notebook = pages.notebook([SETUP, "a = %bg asyncio.sleep(600)", garble, "b = %bg asyncio.sleep(600)"], "odd.ipynb")
    panel = JobsPanel(notebook.page).open()
    run_all(notebook, 4)
    panel.wait_for("odd.ipynb", 2, "running")
    panel.wait_for("odd.ipynb", 1, "running")
    said = [text for text in pages.warnings if text.startswith("ipython_bg Jobs panel: ignored")]
    assert any("protocol version 99" in text for text in said), pages.warnings
    assert any("a job record left out" in text for text in said), pages.warnings
    assert any('unknown type "gossip"' in text for text in said), pages.warnings


# The colour of an element, and the colour a theme variable resolves to there.
STATE_COLOR = """([selector, variable]) => {
    const element = document.querySelector(selector);
    const probe = document.createElement('span');
    probe.style.color = `var(${variable})`;
    element.parentNode.appendChild(probe);
    const expected = getComputedStyle(probe).color;
    probe.remove();
    return [getComputedStyle(element).color, expected];
}"""


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_pictures_of_the_panel(pages, theme):
    """The docs' pictures (IPYTHON_BG_PICTURES=1 writes them there)."""
    work = (
        "def crunch(n):\n"
        "    for i in range(n):\n"
        "        ipython_bg.progress(i, n, 'chunks')\n"
        "        time.sleep(0.1)\n"
        "    return n\n"
        "server = %bg asyncio.sleep(3600)\n"
        "crunching = %bg crunch(60)\n"
        "parsed = %bg int('12 monkeys')\n"
        "fetched = %bg asyncio.sleep(0.5, result={'status': 200})"
    )
    pages.server.set_theme(theme)
    try:
        notebook = pages.notebook([SETUP, work], "analysis.ipynb", size=(1200, 640))
        panel = JobsPanel(notebook.page).open()
        run_all(notebook, 2)
        panel.wait_for("analysis.ipynb", 4, "done")
        for state, variable in [("running", "--jp-info-color1"), ("done", "--jp-success-color1"),
                                ("failed", "--jp-error-color1")]:  # fmt: skip
            color, expected = notebook.page.evaluate(STATE_COLOR, [f".jp-BgJobs-s-{state} .jp-BgJobs-state", variable])
            assert color == expected, (theme, state, color, expected)
        notebook.page.wait_for_function("() => parseFloat(document.querySelector('.jp-BgJobs-fill').style.width) >= 30")
        name = "jobs-panel-" + theme.split()[-1].lower()
        path = browser.ARTIFACTS / f"{name}.png"
        browser.ARTIFACTS.mkdir(exist_ok=True)
        notebook.page.screenshot(path=str(path))
        if os.environ.get("IPYTHON_BG_PICTURES"):
            PICTURES.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, PICTURES / path.name)
    finally:
        pages.server.set_theme("JupyterLab Light")
