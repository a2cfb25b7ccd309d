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
set.  A plain ``InteractiveShell`` does not import asyncio, but a terminal
IPython has it imported (prompt_toolkit uses it) before any extension
loads; so the load is also timed with asyncio imported beforehand, untimed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from ._common import ROOT, child_env, figure, median

GOAL_MS = 10.0
TRIVIAL = "bench_trivial_extension"

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
shell.run_line_magic("load_ext", sys.argv[1])
seconds = time.perf_counter() - start
assert not preloaded and sys.argv[1] in shell.extension_manager.loaded, "not a cold load"
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


def main(quick: bool = False) -> None:
    repetitions = 2 if quick else 7
    variants = [("ipython_bg", ""), (TRIVIAL, ""), ("ipython_bg", "asyncio"), (TRIVIAL, "asyncio")]
    times = {variant: [] for variant in variants}
    with tempfile.TemporaryDirectory(prefix="ipython_bg_bench_") as directory:
        Path(directory, f"{TRIVIAL}.py").write_text("def load_ipython_extension(ipython):\n    pass\n")
        _load("ipython_bg", directory)  # fills the bytecode cache (IPython's too)
        for rep in range(repetitions):
            for variant in (variants if rep % 2 else variants[::-1]):
                times[variant].append(_load(variant[0], directory, variant[1]))
    for preload, label in (("", "load cost"), ("asyncio", "load cost, asyncio already imported")):
        ms = median(times["ipython_bg", preload]) * 1e3
        base = median(times[TRIVIAL, preload]) * 1e3
        figure(
            label,
            f"{ms:.1f} ms for %load_ext ipython_bg, {ms / base:.0f}x a trivial extension ({base:.2f} ms)",
            f"<= {GOAL_MS:g} ms",
            ms <= GOAL_MS,
            f"fresh process each, median of {repetitions}; min {min(times['ipython_bg', preload]) * 1e3:.1f} ms"
            + ("; asyncio imported untimed first, as in a terminal IPython" if preload else ""),
        )


if __name__ == "__main__":
    main()
