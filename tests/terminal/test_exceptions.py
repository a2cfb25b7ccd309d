"""The exception table of tests/test_job_exceptions.py in a real terminal
``ipython`` (pty): whatever a job raises, its notice is printed once, no
traceback of ours, and the prompt runs and echoes the next line once
(issue 19).  One ipython for the whole table."""

import re
import time

from tests.harness.programs import (
    DASK_CLIENT,
    HAS_DASK,
    JOB_STARTS,
    RAISED_TEXT,
    RAISERS,
    raised_text,
)

NAMES = list(RAISED_TEXT)
STARTS = JOB_STARTS
DASK = HAS_DASK

SETUP = RAISERS + "\nmine = InThread()\n"
if DASK:
    SETUP += DASK_CLIENT

#: What the terminal must never show, whatever a job raised.
NEVER = ("escaped interact", "Traceback", "ipython_bg/", "Exception in callback", "Unhandled exception")


def _source(kind: str, name: str) -> str:
    return f"aboom({name!r})" if kind == "coroutine" else f"boom({name!r})"


def _everything() -> str:
    return ", ".join(f"j_{kind}_{name}" for kind in STARTS for name in NAMES)


def _wait_until_ended(terminal, timeout=60) -> str:
    """Until every job has ended; returns what was printed meanwhile (the
    notices among it: ``terminal.value`` would drop them)."""
    seen, deadline = "", time.monotonic() + timeout
    while True:
        seen += terminal.run(f"print('<all-' + str(all(j.done() for j in [{_everything()}])) + '>')")
        if "<all-True>" in seen:
            return seen
        assert time.monotonic() < deadline, terminal.value(f"[j for j in [{_everything()}] if not j.done()]")
        time.sleep(0.2)


def test_every_exception_from_every_kind_of_job_leaves_the_prompt_working(terminal, tmp_path):
    (tmp_path / "raisers.py").write_text(SETUP)
    terminal.run("%run -i raisers.py")
    terminal.run("%config BackgroundJobs.process_workers = 1")
    terminal.run("bystander = %bg asyncio.sleep(3600)")
    for kind, start in STARTS.items():
        for name in NAMES:
            terminal.send(f"j_{kind}_{name} = {start.format(name=name)}")
    output = terminal.sync()
    output += _wait_until_ended(terminal)
    output += terminal.run("print('<cross-' + str(two_args_cross()) + '>')")
    crosses = "<cross-True>" in output
    notices = [
        f"failed  {kind}  {_source(kind, name)}  {raised_text(name, kind, crosses)}" for kind in STARTS for name in NAMES
    ]
    deadline = time.monotonic() + 20
    while not all(notice in output for notice in notices):  # the prompt may print the last ones late
        assert time.monotonic() < deadline, [notice for notice in notices if notice not in output]
        output += terminal.sync()
    # The next line runs, once (a redraw of the prompt may echo it twice).
    terminal.send('print("after-" + "jobs")')
    output += terminal.expect_exact("after-jobs")
    output += terminal.sync()
    assert "after-jobs" not in output, output[-2000:]  # printed once: neither before nor after
    for notice in notices:
        assert output.count(notice) == 1, (notice, output[-3000:])
    for never in NEVER:
        assert never not in output, (never, output[-3000:])
    table = terminal.run("%jobs -a")
    assert len(re.findall(r"\sfailed\s", table)) == len(NAMES) * len(STARTS), table
    assert terminal.value("bystander.done()") == "False"
    assert terminal.value("6 * 7") == "42"


def test_fg_of_each_failed_job_shows_it_and_the_prompt_goes_on(terminal, tmp_path):
    """``%fg`` re-raises each job's exception at the prompt: a SystemExit
    or KeyboardInterrupt ends neither the session nor the prompt."""
    (tmp_path / "raisers.py").write_text(RAISERS)
    terminal.run("%run -i raisers.py")
    kinds = {"coroutine": STARTS["coroutine"], "thread": STARTS["thread"], "process": STARTS["process"]}
    for kind, start in kinds.items():
        for name in NAMES:
            terminal.send(f"j_{kind}_{name} = {start.format(name=name)}")
    terminal.sync()
    everything = ", ".join(f"j_{kind}_{name}" for kind in kinds for name in NAMES)
    deadline = time.monotonic() + 60
    while terminal.value(f"all(j.done() for j in [{everything}])") != "True":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    crosses = terminal.value("two_args_cross()") == "True"
    for kind in kinds:
        for name in NAMES:
            shown = terminal.run(f"%fg j_{kind}_{name}")
            said = raised_text(name, kind, crosses)
            assert said.split(":")[0] in shown and "escaped interact" not in shown, (kind, name, shown)
            assert "AttributeError" not in shown, shown  # IPython 8.18 showing a process's SystemExit
            assert "ipython_bg/" not in shown, shown  # a process's remote traceback too
    assert terminal.value("6 * 7") == "42"


def _awaited_failures(terminal, tmp_path) -> dict:
    """What a cell awaiting a thread job that fails later shows, by what
    the job raised."""
    (tmp_path / "raisers.py").write_text(RAISERS)
    terminal.run("%run -i raisers.py")
    shown = {}
    for name in ["stop", "genexit", "exit", "interrupt"]:
        terminal.run("gate = threading.Event()")
        terminal.run(f"waited = %bg boom_when({name!r}, gate)")
        shown[name] = terminal.run("asyncio.get_running_loop().call_later(0.1, gate.set); await asyncio.gather(waited)")
    return shown


def test_a_cell_awaiting_a_job_gets_its_failure(terminal, tmp_path):
    """A StopIteration or GeneratorExit as the RuntimeError they cause; a
    SystemExit or KeyboardInterrupt ends neither the session nor the prompt."""
    for name, shown in _awaited_failures(terminal, tmp_path).items():
        assert raised_text(name, "thread").split(":")[0] in shown, (name, shown)
    assert terminal.value("6 * 7") == "42"


def test_a_cell_awaiting_a_failed_job_shows_no_frame_of_ours(terminal, tmp_path):
    for name, shown in _awaited_failures(terminal, tmp_path).items():
        assert "ipython_bg/" not in shown, (name, shown)
