"""End to end in a real browser: JupyterLab in headless Chromium.

What is checked is what the page shows: the computed style of the job
table (so a style the front end strips or overrides fails the test), where
late output lands, and a watched table reaching its end.
"""

import pytest

from tests.harness import browser
from tests.harness.programs import DOUBLE_AND_FAIL, SPEAK_LATER

_why = browser.missing()
if _why:
    pytest.skip(_why, allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

SETUP = "%load_ext ipython_bg\n" + DOUBLE_AND_FAIL + SPEAK_LATER + """
import time

def nap(seconds):
    time.sleep(seconds)
    return seconds
"""

JOBS = """\
a = %bg double(21)
b = %bg fail('bad header')
c = %bg asyncio.sleep(600)
d = %bg nap(0.1)
await asyncio.sleep(0.5)
"""

# The style of an element, and the colour a theme variable resolves to
# there (a probe element with ``color: var(...)``).
STYLE_OF = """([selector, variables]) => {
    const element = document.querySelector(selector);
    if (!element) return null;
    const style = getComputedStyle(element);
    const resolved = {};
    for (const name of variables) {
        const probe = document.createElement('span');
        probe.style.color = `var(${name})`;
        element.parentNode.appendChild(probe);
        resolved[name] = getComputedStyle(probe).color;
        probe.remove();
    }
    return {align: style.textAlign, color: style.color, weight: style.fontWeight,
            whiteSpace: style.whiteSpace, resolved};
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = browser.Server(tmp_path_factory.mktemp("jupyter"))
    yield server
    server.close()


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_notebook(server, chromium, request):
    """Opens a notebook of ``cells``; the page's screenshot is kept in
    tests/artifacts/ (named after the test), and its path said on failure."""
    pages = []

    def open_notebook(cells, name=None, notebook7=False):
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        pages.append(page)
        url = server.write_notebook(name or f"{request.node.name}.ipynb", cells)
        return browser.Notebook(page, server.notebook7_url(url) if notebook7 else url)

    yield open_notebook
    for number, page in enumerate(pages):
        path = browser.ARTIFACTS / f"{request.node.name}-{number}.png"
        browser.ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        if getattr(request.node, "failed", False):
            print(f"screenshot: {path}")
        page.close()


def style(notebook, index, selector, *variables):
    scoped = f"{browser.NOTEBOOK} .jp-Cell:nth-child({index + 1}) .jp-OutputArea {selector}"
    found = notebook.page.evaluate(STYLE_OF, [scoped, list(variables)])
    assert found is not None, f"nothing matches {selector!r} in cell {index}"
    return found


def run_table(open_notebook, name=None, notebook7=False):
    cells = [SETUP, JOBS, "%jobs -l", "%bg double(5)", "await asyncio.sleep(0.2)\nb"]
    notebook = open_notebook(cells, name, notebook7=notebook7)
    for index in range(5):
        notebook.run(index)
    notebook.wait_for_output(2, "bad header")
    notebook.wait_for_output(4, "failed")
    notebook.wait_until_idle()
    return notebook


def check_table(notebook):
    """Text left, numbers right, details preformatted, each state in its
    theme colour (and weight), in the %jobs table and a single job."""
    assert style(notebook, 2, "td.ipython-bg-code")["align"] == "left"
    assert style(notebook, 2, "th")["align"] == "right"  # the id column
    assert style(notebook, 2, "td.ipython-bg-num")["align"] == "right"
    assert style(notebook, 2, "td:nth-child(2)")["align"] == "left"
    pre = style(notebook, 2, "td.ipython-bg-details pre")
    assert pre["align"] == "left" and pre["whiteSpace"] == "pre"
    text = style(notebook, 2, "td.ipython-bg-code")["color"]
    for state, variable in [
        ("failed", "--jp-error-color1"),
        ("done", "--jp-success-color1"),
        ("running", "--jp-info-color1"),
    ]:
        found = style(notebook, 2, f"td.ipython-bg-s-{state}", variable)
        assert found["color"] == found["resolved"][variable] != text, (state, found, text)
    assert style(notebook, 2, "td.ipython-bg-s-failed")["weight"] == "700"
    single = style(notebook, 4, "b.ipython-bg-s-failed", "--jp-error-color1")
    assert single["color"] == single["resolved"]["--jp-error-color1"]
    table = notebook.output_text(2)
    assert "Cell In[1], line " in table and "raise ValueError(message)" in table


def luminance(rgb: str) -> float:
    red, green, blue = (int(part) for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def test_table_reads_in_the_light_theme(open_notebook):
    notebook = run_table(open_notebook)
    check_table(notebook)
    assert luminance(style(notebook, 2, "td.ipython-bg-code")["color"]) < 0.5


def test_table_reads_in_the_dark_theme(server, open_notebook):
    server.set_theme("JupyterLab Dark")
    try:
        notebook = run_table(open_notebook)
        assert notebook.page.evaluate("document.body.dataset.jpThemeLight") == "false"
        check_table(notebook)
        assert luminance(style(notebook, 2, "td.ipython-bg-code")["color"]) > 0.5
    finally:
        server.set_theme("JupyterLab Light")


def test_table_reads_in_notebook_7(open_notebook):
    notebook = run_table(open_notebook, notebook7=True)
    assert notebook.page.locator("#jp-top-panel, .jp-NotebookKernelStatus").count() > 0  # Notebook 7's page
    check_table(notebook)


def test_late_output_and_notice_land_in_the_starting_cell(open_notebook):
    notebook = open_notebook([SETUP, "%bg speak_later('late hello', 1.0)", "await asyncio.sleep(5)\nprint('second done')"])
    notebook.run(0)
    notebook.run(1)
    notebook.run(2)
    notebook.wait_for_output(1, "late hello")
    notebook.wait_for_output(1, "done")
    # The job shown as the cell's result was updated in place.
    notebook.cell(1).locator("b.ipython-bg-s-done").wait_for(timeout=10_000)
    assert notebook.cell(1).locator("b.ipython-bg-s-running").count() == 0
    # It arrived while the other cell was still running.
    assert "second done" not in notebook.output_text(2)
    notebook.wait_for_output(2, "second done")
    assert "late hello" not in notebook.output_text(2)


def test_watched_table_reaches_done(open_notebook):
    cells = [SETUP, "w1 = %bg double(1, 1.0)\nw2 = %bg nap(2.0)", "%jobs -w"]
    notebook = open_notebook(cells)
    for index in range(3):
        notebook.run(index)
    notebook.wait_for_output(2, "running")
    table = notebook.cell(2).locator(".jp-OutputArea")
    table.locator("td.ipython-bg-s-done").nth(1).wait_for(timeout=30_000)
    assert "running" not in notebook.output_text(2)
    assert len(table.locator("table.ipython-bg-jobs").all()) == 1
