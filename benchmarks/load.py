"""Load cost: ``%load_ext ipython_bg`` in a fresh process.

Each repetition is a fresh ``python`` that makes an ``InteractiveShell``
(``HistoryManager.hist_file=':memory:'``, untimed) and then times, with
``time.perf_counter``, only ``shell.run_line_magic('load_ext', NAME)``: so
the extension's imports are cold (not yet imported in that process; the
.pyc files are on disk).  Baseline: the same for a trivial extension, a
module with an empty ``load_ipython_extension`` written to a temporary
directory on ``sys.path``.  The two take turns.

The children write and read their bytecode caches under a temporary
``PYTHONPYCACHEPREFIX`` (an untimed first run fills it), as an
installed package would have them, even where PYTHONDONTWRITEBYTECODE is
set.

Every IPython front end has imported asyncio before any extension loads
(the terminal's prompt_toolkit, ``--simple-prompt`` too, and ipykernel), so
the figure is timed with asyncio imported beforehand, untimed.  A bare
``InteractiveShell`` (tests, embedding) has not; its load is shown for
scale, next to the time ``import asyncio`` alone takes in the same kind of
process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.harness.checkout import ROOT, child_env
from tests.harness.terminal import Terminal

from ._common import figure, median

GOAL_MS = 10.0
TRIVIAL = "bench_trivial_extension"
GUI = "bench_gui_asyncio_extension"

CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

config = Config()
config.HistoryManager.hist_file = ":memory:"
shell = InteractiveShell(config=config)
if sys.argv[3] == "asyncio":
    import asyncio
preloaded = sys.argv[1] in sys.modules
start = time.perf_counter()
if sys.argv[1] == "asyncio":
    import asyncio  # how much of a bare shell's load is asyncio's own import
else:
    shell.run_line_magic("load_ext", sys.argv[1])
seconds = time.perf_counter() - start
assert not preloaded, "not a cold load"
print(json.dumps({"seconds": seconds}))
"""


def _load(name: str, directory: str, preload: str = "") -> float:
    env = child_env(PYTHONPYCACHEPREFIX=str(Path(directory, "pycache")))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, name, directory, preload],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"loading {name} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def _load_in_terminal(name: str, directory: str) -> float:
    """``%load_ext name`` timed inside a fresh terminal ipython at its prompt."""
    # Bytecode caches written and read, as for the in-process figure above.
    env = {"PYTHONPATH": directory, "PYTHONPYCACHEPREFIX": str(Path(directory, "pycache")), "PYTHONDONTWRITEBYTECODE": ""}
    with Terminal(extension=False, env=env) as term:
        term.send(
            "import time as _t; _s = _t.perf_counter(); "
            f"get_ipython().run_line_magic('load_ext', {name!r}); _ms = (_t.perf_counter() - _s) * 1e3"
        )
        return float(term.value("_ms")) / 1e3


def main(quick: bool = False) -> None:
    repetitions = 2 if quick else 7
    variants = [("ipython_bg", "asyncio"), (TRIVIAL, "asyncio"), ("ipython_bg", ""), (TRIVIAL, ""), ("asyncio", "")]
    times = {variant: [] for variant in variants}
    with tempfile.TemporaryDirectory(prefix="ipython_bg_bench_") as directory:
        Path(directory, f"{TRIVIAL}.py").write_text("def load_ipython_extension(ipython):\n    pass\n")
        _load("ipython_bg", directory)  # fills the bytecode cache (IPython's too)
        for rep in range(repetitions):
            for variant in (variants if rep % 2 else variants[::-1]):
                times[variant].append(_load(variant[0], directory, variant[1]))
    ms = median(times["ipython_bg", "asyncio"]) * 1e3
    base = median(times[TRIVIAL, "asyncio"]) * 1e3
    figure(
        "load cost",
        f"{ms:.1f} ms for %load_ext ipython_bg, {ms / base:.0f}x a trivial extension ({base:.2f} ms)",
        f"<= {GOAL_MS:g} ms",
        ms <= GOAL_MS,
        f"fresh process each, median of {repetitions}; min {min(times['ipython_bg', 'asyncio']) * 1e3:.1f} ms; "
        "asyncio imported untimed first, as every IPython front end (terminal, kernel) has it",
    )
    # The same in the main job itself: a terminal ipython, at its prompt.
    with tempfile.TemporaryDirectory(prefix="ipython_bg_bench_") as directory:
        Path(directory, f"{TRIVIAL}.py").write_text("def load_ipython_extension(ipython):\n    pass\n")
        # What IPython itself charges for the prompt's asyncio loop, which
        # the extension turns on (%gui asyncio): an extension doing only that.
        Path(directory, f"{GUI}.py").write_text(
            "def load_ipython_extension(ipython):\n    ipython.enable_gui('asyncio')\n"
        )
        names = ("ipython_bg", TRIVIAL, GUI)
        terminal = {name: [] for name in names}
        _load_in_terminal("ipython_bg", directory)  # fills the bytecode cache
        for rep in range(2 if quick else 5):
            for name in (names if rep % 2 else names[::-1]):
                terminal[name].append(_load_in_terminal(name, directory))
    ms = median(terminal["ipython_bg"]) * 1e3
    base = median(terminal[TRIVIAL]) * 1e3
    gui = median(terminal[GUI]) * 1e3
    figure(
        "load cost in a terminal ipython",
        f"{ms:.1f} ms for %load_ext ipython_bg at the prompt, a trivial extension {base:.2f} ms, "
        f"one that only turns on %gui asyncio {gui:.1f} ms",
        f"<= {GOAL_MS:g} ms",
        ms <= GOAL_MS,
        f"a fresh terminal ipython (pty) each, median of {len(terminal['ipython_bg'])}; "
        f"min {min(terminal['ipython_bg']) * 1e3:.1f} ms; includes installing the prompt's loop and watchdog",
    )
    # A bare InteractiveShell (tests, embedding) has not imported asyncio;
    # the extension needs it, so it is imported then.  Shown for scale.
    ms = median(times["ipython_bg", ""]) * 1e3
    base = median(times[TRIVIAL, ""]) * 1e3
    own = median(times["asyncio", ""]) * 1e3
    figure(
        "load cost in a bare InteractiveShell",
        f"{ms:.1f} ms for %load_ext ipython_bg, of which {own:.1f} ms is importing asyncio; "
        f"a trivial extension {base:.2f} ms",
        "none, for scale",
        None,
        f"fresh process each, median of {repetitions}; asyncio timed alone in the same kind of process",
    )


if __name__ == "__main__":
    main()
