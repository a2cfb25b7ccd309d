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
    assert pre["align"] == "left" and pre["whiteSpace"] == "pre-wrap"  # lines and indentation kept, long ones wrapped
    text = style(notebook, 2, "td.ipython-bg-code")["color"]
    for state, variable in [
        ("failed", "--jp-error-color1"),
        ("done", "--jp-success-color1"),
        ("running", "--jp-info-color1"),
    ]:
        found = style(notebook, 2, f"td.ipython-bg-s-{state}", variable)
        assert same_hue(found["color"], found["resolved"][variable]) and found["color"] != text, (state, found, text)
    assert style(notebook, 2, "td.ipython-bg-s-failed")["weight"] == "700"
    single = style(notebook, 4, "b.ipython-bg-s-failed", "--jp-error-color1")
    assert same_hue(single["color"], single["resolved"]["--jp-error-color1"]), single
    table = notebook.output_text(2)
    assert "Cell In[1], line " in table and "raise ValueError(message)" in table


def same_hue(color: str, theme_color: str) -> bool:
    """Whether a computed colour is the theme's colour made lighter or
    darker (mixed with the theme's black or white text colour)."""
    return abs(hue(_rgb(color)) - hue(_rgb(theme_color))) < 8


def _rgb(css: str) -> list[float]:
    """``rgb(r, g, b)``, or ``color(srgb r g b)`` (fractions) as a computed color-mix() is said."""
    parts = css[css.index("(") + 1 : css.index(")")].replace(",", " ").split()
    if parts[0] == "srgb":
        return [255 * float(part) for part in parts[1:4]]
    return [float(part) for part in parts[:3]]


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


# -- the table fits its output area, and every text reads (issue 27, items 10 and 13) ----

LONG = '"https://example.invalid/" + "a-long-unbroken-path-" * 40'
WIDE_JOBS = f"""\
import ipython_bg

async def long_note():
    ipython_bg.progress(3, 10, note="reading " + {LONG})
    await asyncio.sleep(600)

async def long_line():
    print("a printed line " * 80)
    raise ValueError("a long message " * 80 + {LONG})

n = %bg long_note()
f = %bg long_line()
await asyncio.sleep(0.5)
"""

# Where the table's right edge is, against the output area it is in.
WIDTHS = """(cell) => {
    const output = cell.querySelector('.jp-OutputArea-output:has(table.ipython-bg-jobs)');
    const table = output.querySelector('table.ipython-bg-jobs');
    const last = table.querySelector('tbody tr td:last-child');
    return {output: output.getBoundingClientRect().right, table: table.getBoundingClientRect().right,
            result: last.getBoundingClientRect().right, scroll: output.scrollWidth - output.clientWidth,
            preHeight: Math.max(...[...table.querySelectorAll('pre')].map(pre => pre.getBoundingClientRect().height))};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_long_text_wraps_inside_the_output_area(server, open_notebook, theme):
    server.set_theme(theme)
    try:
        notebook = open_notebook([SETUP, WIDE_JOBS, "%jobs -l"], f"wide-{theme.split()[-1]}.ipynb")
        for index in range(3):
            notebook.run(index)
        notebook.wait_for_output(2, "a long message")
        notebook.wait_until_idle()
        edges = notebook.cell(2).evaluate(WIDTHS)
        path = notebook.output_screenshot(2, f"wide-table-{theme.split()[-1].lower()}")
        assert edges["table"] <= edges["output"] + 0.5, (edges, path)
        assert edges["result"] <= edges["output"] + 0.5 and edges["scroll"] <= 0, (edges, path)
        assert edges["preHeight"] > 100, (edges, path)  # the long lines wrapped, not cut
    finally:
        server.set_theme("JupyterLab Light")


# Every element with text of its own in the job tables and jobs of a cell's
# output: its colour and the background colours from it up to the page,
# each read back as RGBA bytes (a 1-pixel canvas parses any CSS colour).
TEXTS = """(cell) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const context = canvas.getContext('2d', {willReadFrequently: true});
    const rgba = (css) => {
        context.clearRect(0, 0, 1, 1);
        context.fillStyle = '#000';
        context.fillStyle = css;
        context.fillRect(0, 0, 1, 1);
        const [r, g, b, a] = context.getImageData(0, 0, 1, 1).data;
        return [r, g, b, a / 255];
    };
    const found = [];
    for (const element of cell.querySelectorAll('.ipython-bg *')) {
        const own = [...element.childNodes].filter(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
        if (!own.length || element.tagName === 'STYLE') continue;
        const backgrounds = [];
        for (let e = element; e; e = e.parentElement) backgrounds.push(rgba(getComputedStyle(e).backgroundColor));
        const row = element.closest('tr');
        found.push({
            text: own.map(n => n.textContent.trim()).join(' ').slice(0, 40), tag: element.tagName,
            classes: element.className, column: element.closest('td, th')?.cellIndex ?? null,
            row: row ? row.className : '', color: rgba(getComputedStyle(element).color), backgrounds,
        });
    }
    return found;
}"""


def _linear(channel: float) -> float:
    channel /= 255
    return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4


def _over(top, bottom):
    """``top`` (RGBA) painted over the opaque ``bottom`` (RGB)."""
    alpha = top[3]
    return [top[i] * alpha + bottom[i] * (1 - alpha) for i in range(3)]


def contrast(color, backgrounds) -> float:
    """WCAG's contrast ratio of a text colour against the background it is
    painted on: the backgrounds from the page (white under all) up to the
    element, each painted over the one below."""
    background = [255.0, 255.0, 255.0]
    for layer in reversed(backgrounds):
        background = _over(layer, background)
    foreground = _over(color, background)
    lighter, darker = sorted(
        (0.2126 * _linear(c[0]) + 0.7152 * _linear(c[1]) + 0.0722 * _linear(c[2]) for c in (foreground, background)),
        reverse=True,
    )
    return (lighter + 0.05) / (darker + 0.05)


def hue(color) -> float:
    red, green, blue = (channel / 255 for channel in color[:3])
    high, low = max(red, green, blue), min(red, green, blue)
    if high == low:
        return 0.0
    if high == red:
        return (60 * (green - blue) / (high - low)) % 360
    if high == green:
        return 60 * (blue - red) / (high - low) + 120
    return 60 * (red - green) / (high - low) + 240


ALL_STATES = """\
for i in range(60):
    %bg double(i)
p = %bg --after %3 double(2)
k = %bg asyncio.sleep(600)
k.cancel()
g = %bg long_note()
await asyncio.sleep(0.5)
"""

# The theme colour each state's text takes its hue from.
STATE_COLOURS = {"running": "--jp-info-color1", "done": "--jp-success-color1", "failed": "--jp-error-color1",
                 "cancelled": "--jp-warn-color1"}  # fmt: skip


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_every_text_of_the_table_meets_wcag_aa(server, open_notebook, theme):
    server.set_theme(theme)
    try:
        # Every state, the progress column and details (cell 4), a table cut
        # to a screenful (5), and single jobs (6 to 8).
        cells = [SETUP, JOBS, WIDE_JOBS, ALL_STATES, "%jobs -l 1 2 3 4 5 6 67 68 69", "%jobs",
                 "%bg double(5)", "await asyncio.sleep(0.2)\nb", "k"]  # fmt: skip
        notebook = open_notebook(cells, f"contrast-{theme.split()[-1]}.ipynb")
        for index in range(len(cells)):
            notebook.run(index)
        notebook.wait_for_output(4, "a long message")
        notebook.wait_for_output(7, "failed")
        notebook.wait_for_output(8, "cancelled")
        notebook.wait_until_idle()
        path = [notebook.output_screenshot(index, f"contrast-{theme.split()[-1].lower()}-{index}") for index in (4, 5)]
        texts = [text for index in (4, 5, 6, 7, 8) for text in notebook.cell(index).evaluate(TEXTS)]
        poor = [(round(contrast(t["color"], t["backgrounds"]), 2), t) for t in texts]
        poor = [(ratio, t["text"], t["tag"], t["classes"], t["row"], t["color"], t["backgrounds"][:3])
                for ratio, t in poor if ratio < 4.5]  # fmt: skip
        assert not poor, (theme, path, poor)
        # What was measured: every state, every column, the details, the footer and a left-out run of rows.
        states = {t["classes"].removeprefix("ipython-bg-s-") for t in texts if t["classes"].startswith("ipython-bg-s-")}
        assert {"pending", "running", "done", "failed", "cancelled"} <= states, states
        assert {t["column"] for t in texts if t["row"].startswith("ipython-bg-")} >= set(range(7)), texts
        assert {"PRE", "P", "TH", "B", "CODE"} <= {t["tag"] for t in texts}
        assert any("not shown" in t["text"] for t in texts), texts
        # Still the theme's own colours: each state's text has its variable's hue.
        for state, variable in STATE_COLOURS.items():
            found = style(notebook, 4, f"td.ipython-bg-s-{state}", variable)
            assert same_hue(found["color"], found["resolved"][variable]), (state, found)
    finally:
        server.set_theme("JupyterLab Light")

