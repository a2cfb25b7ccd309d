"""Make the documentation's pictures from real runs: ``python docs/pictures.py``.

The terminal pictures are a terminal ``ipython --ext ipython_bg`` on a pty
(tests/harness/screen.py), driven through a short session each; its screen, as
pyte (a VT100 emulator) holds it with colours, is drawn into a PNG with
DejaVu Sans Mono (Debian's fonts-dejavu-core).  The JupyterLab pictures
are the browser tier's screenshots (tests/browser/, real Chromium),
run here and copied.  ``--terminal`` makes the terminal ones only.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
PICTURES = DOCS / "_static" / "pictures"
sys.path[:0] = [str(ROOT)]

from tests.harness.docexamples import PROMPT  # noqa: E402

FONTS = Path("/usr/share/fonts/truetype/dejavu")
FONT_SIZE = 15
PADDING = 14
BACKGROUND = "#1d1f21"
FOREGROUND = "#d3d7cf"
# The Tango palette, as GNOME Terminal has it.
PALETTE = {
    "black": "#2e3436", "red": "#cc0000", "green": "#4e9a06", "brown": "#c4a000", "blue": "#3465a4",
    "magenta": "#75507b", "cyan": "#06989a", "white": "#d3d7cf", "brightblack": "#555753",
    "brightred": "#ef2929", "brightgreen": "#8ae234", "brightbrown": "#fce94f", "brightyellow": "#fce94f",
    "brightblue": "#729fcf", "brightmagenta": "#ad7fa8", "brightcyan": "#34e2e2", "brightwhite": "#eeeeec",
}
#: Colours like the ones a user's IPython would use (``%colors linux``).
STARTUP = "get_ipython().run_line_magic('colors', 'linux')\n"

# -- drawing a pyte screen ------------------------------------------------------------


def colour(name: str, default: str) -> str:
    if name == "default":
        return default
    if name in PALETTE:
        return PALETTE[name]
    return "#" + name if len(name) == 6 else default


def render(screen, path: Path, *, cursor: bool = True) -> None:
    """Draw the screen's used rows into ``path``, colours, bold and cursor included."""
    regular = ImageFont.truetype(str(FONTS / "DejaVuSansMono.ttf"), FONT_SIZE)
    bold = ImageFont.truetype(str(FONTS / "DejaVuSansMono-Bold.ttf"), FONT_SIZE)
    ascent, descent = regular.getmetrics()
    width, height = round(regular.getlength("M")), ascent + descent + 3
    rows = [y for y in range(screen.lines) if "".join(c.data for c in screen.buffer[y].values()).strip()]
    first, last = rows[0], max(rows[-1], screen.cursor.y)
    columns = max(len(screen.display[y].rstrip()) for y in range(first, last + 1)) + 1
    image = Image.new("RGB", (columns * width + 2 * PADDING, (last - first + 1) * height + 2 * PADDING), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for y in range(first, last + 1):
        line = screen.buffer[y]
        top = PADDING + (y - first) * height
        for x in range(columns):
            char = line[x]
            left = PADDING + x * width
            fg, bg = colour(char.fg, FOREGROUND), colour(char.bg, BACKGROUND)
            if char.reverse or (cursor and (x, y) == (screen.cursor.x, screen.cursor.y)):
                fg, bg = bg, fg
            if bg != BACKGROUND:
                draw.rectangle([left, top, left + width - 1, top + height - 1], fill=bg)
            if char.data.strip():
                draw.text((left, top + 1), char.data, font=bold if char.bold else regular, fill=fg)
    image.save(path, optimize=True)
    print(f"wrote {path} ({image.width}x{image.height})")


# -- the terminal scenes --------------------------------------------------------------


def type_cells(term, *cells: str) -> None:
    """Paste each cell once the prompt is back from the one before."""
    for cell in cells:
        following = f"In [{prompt_number(term.lines()) + 1}]"
        term.paste(textwrap.dedent(cell).strip("\n"))
        term.wait_for(lambda lines: any(line.startswith(following) for line in lines), 30, "the next prompt")


def prompt_number(lines) -> int:
    """The number of the last prompt on the screen."""
    numbers = [PROMPT.match(line) for line in lines]
    return [int(match.group(1)) for match in numbers if match][-1]


def settle(term, seconds: float = 0.5) -> None:
    """Read what arrives in the next ``seconds`` (a redrawn prompt, say)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        term.pump(0.1)


def tour(term) -> None:
    """The job count in the prompt, notices above it, the table."""
    type_cells(
        term,
        """
        import asyncio, time

        async def fetch(page, seconds):
            await asyncio.sleep(seconds)
            if page == '/missing':
                raise LookupError(f'404 {page}')
            return f'200 {page}'
        """,
        "%bg fetch('/index', 2)",
        "%bg fetch('/missing', 2.5)",
        "%bg report = time.sleep(3)",
        "%jobs",
    )
    term.wait_for(lambda lines: any("done  thread" in line for line in lines), 30, "the thread job's notice")
    term.keys("%jobs")
    settle(term)


def watch(term) -> None:
    """``%jobs -w`` in the middle of its watch: progress, elapsed times."""
    type_cells(
        term,
        """
        import time, ipython_bg

        def index(files, pause):
            for done in range(files):
                time.sleep(pause)
                ipython_bg.progress(done + 1, files)
            return f'{files} files'
        """,
        "%bg index(40, 0.1)\n%bg index(40, 0.2)\n%bg index(20, 0.5)",
    )
    term.paste("%jobs -w")
    term.wait_for(lambda lines: any("/40" in line and "running" in line for line in lines[-6:]), 30, "the watch")
    time.sleep(2.2)
    settle(term)


def frozen(term) -> None:
    """The warning that names the job freezing the prompt."""
    type_cells(
        term,
        """
        import asyncio, time

        async def crunch():
            await asyncio.sleep(0.1)
            time.sleep(6)  # computes without an await: the prompt freezes
        """,
        "%bg crunch()",
    )
    term.keys("%jobs")
    term.wait_for(lambda lines: any("is blocking the prompt" in line for line in lines), 30, "the warning")
    settle(term, 0.3)


SCENES = {"terminal-tour": (tour, 34, 100), "terminal-watch": (watch, 18, 100), "terminal-frozen": (frozen, 16, 124)}


def make_terminal(name: str, directory: Path) -> Path:
    """Run the scene ``name`` in a fresh terminal; its picture goes to ``directory``."""
    from tests.harness.screen import ScreenTerminal

    scene, rows, cols = SCENES[name]
    term = ScreenTerminal(rows=rows, cols=cols, startup=STARTUP)
    try:
        scene(term)
        path = directory / f"{name}.png"
        render(term.screen, path)
        return path
    finally:
        term.kill()


# -- JupyterLab, from the browser tier ------------------------------------------------

#: Picture name: the browser test whose screenshot it is.
LAB = {
    "lab-late-output": "test_late_output_and_notice_land_in_the_starting_cell",
    "lab-table-light": "test_table_reads_in_the_light_theme",
    "lab-table-dark": "test_table_reads_in_the_dark_theme",
    "lab-watch": "test_watched_table_reaches_done",
}


def make_lab() -> None:
    if not Path("/usr/bin/chromium").exists():
        print("no /usr/bin/chromium: the JupyterLab pictures stay as they are")
        return
    tests = " or ".join(LAB.values())
    subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/browser/test_jupyterlab.py", "-p", "no:randomly", "-k", tests], cwd=ROOT, check=True)
    for name, test in LAB.items():
        shutil.copyfile(ROOT / "tests" / "artifacts" / f"{test}-0.png", PICTURES / f"{name}.png")
        print(f"wrote docs/_static/pictures/{name}.png")
    make_lab_progress(PICTURES / "lab-progress.png")


PROGRESS_CELLS = [
    """%load_ext ipython_bg
import asyncio, ipython_bg

async def crawl(pages, pause):
    for page in range(pages):
        await asyncio.sleep(pause)
        ipython_bg.progress(page + 1, pages)
    return f'{pages} pages'""",
    "%bg crawl(40, 0.1)\n%bg crawl(40, 0.25)\n%bg crawl(20, 0.6)",
    "%jobs -w",
]


def make_lab_progress(path: Path) -> None:
    """A watched table with progress bars, halfway, in JupyterLab."""
    import tempfile

    from tests.harness import browser
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as root:
        server = browser.Server(Path(root))
        try:
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS)
                page = chromium.new_page(viewport={"width": 1200, "height": 800})
                notebook = browser.Notebook(page, server.write_notebook("progress.ipynb", PROGRESS_CELLS))
                for index in range(len(PROGRESS_CELLS)):
                    notebook.run(index)
                notebook.wait_for_output(2, "running")
                time.sleep(3)  # the slowest job a third of the way
                boxes = [notebook.cell(index).bounding_box() for index in range(len(PROGRESS_CELLS))]
                left, top = min(box["x"] for box in boxes) - 8, min(box["y"] for box in boxes) - 8
                right = max(box["x"] + box["width"] for box in boxes) + 8
                bottom = max(box["y"] + box["height"] for box in boxes) + 8
                page.screenshot(path=str(path), clip={"x": left, "y": top, "width": right - left, "height": bottom - top})
                chromium.close()
        finally:
            server.close()
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminal", action="store_true", help="only the terminal pictures")
    parser.add_argument("--lab", action="store_true", help="only the JupyterLab pictures")
    args = parser.parse_args()
    if not (FONTS / "DejaVuSansMono.ttf").exists():
        sys.exit("DejaVu Sans Mono is missing: apt-get install fonts-dejavu-core")
    PICTURES.mkdir(parents=True, exist_ok=True)
    if not args.lab:
        for name in SCENES:
            make_terminal(name, PICTURES)
    if not args.terminal:
        make_lab()


if __name__ == "__main__":
    main()
