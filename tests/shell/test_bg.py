"""%bg against a real InteractiveShell: what it starts (a coroutine on the
loop, a call in a thread, a cell), the job it returns, its source and the
cell it came from, assignment targets, names in a function."""


import pytest
from IPython.core.error import UsageError

from ipython_bg.model.job import Job, JobKind, JobState
from tests.harness.cells import run


def test_bg_coroutine_returns_a_job_and_fg_its_result(defs):
    job = run(defs, "%bg double(21)")
    assert isinstance(job, Job) and job.id == 1 and job.kind is JobKind.COROUTINE
    assert job.source == "double(21)"
    assert run(defs, "%fg") == 42
    assert defs.user_ns["_bg1"] == 42


def test_a_job_knows_the_cell_that_started_it(defs):
    results = [defs.run_cell(cell, store_history=True) for cell in ("%bg double(1)", "%%bg\nawait double(2)")]
    assert [result.result.origin for result in results] == [f"Cell In[{result.execution_count}]" for result in results]
    assert run(defs, "%fg %1 %2") == [2, None]


def test_bg_assignment_targets(defs):
    run(defs, "d = {}")
    run(defs, "x = %bg double(1)")
    run(defs, "%bg y = double(2)")
    run(defs, "%bg a, b = asyncio.sleep(0, result=(5, 6))")
    run(defs, "%bg d['k'] = blocking(1)")
    run(defs, "%fg 2 3 4")
    assert isinstance(defs.user_ns["x"], Job)
    assert defs.user_ns["y"] == 4 and (defs.user_ns["a"], defs.user_ns["b"]) == (5, 6)
    assert defs.user_ns["d"] == {"k": 2}


def test_plain_call_runs_in_a_thread_and_returns_at_once(defs):
    run(defs, "gate = threading.Event()")
    job = run(defs, "%bg blocking(1, gate)")
    # The call is blocked on the gate, yet %bg has returned.
    assert job.kind is JobKind.THREAD and not job.done()
    assert job.state in (JobState.PENDING, JobState.RUNNING)
    run(defs, "gate.set()")
    assert run(defs, "%fg") == 2


def test_time_sleep_in_the_background(defs):
    job = run(defs, "%bg time.sleep(0.2)")
    assert job.kind is JobKind.THREAD and not job.done()
    assert run(defs, "%fg %1") is None


def test_bare_callable_and_async_and_asyncio_calls(defs):
    assert run(defs, "%bg time.monotonic").kind is JobKind.THREAD
    assert run(defs, "%bg asyncio.gather(double(1), double(2))").kind is JobKind.COROUTINE
    assert run(defs, "%bg asyncio.shield(double(3))").kind is JobKind.COROUTINE
    results = run(defs, "%fg 1 2 3")
    assert isinstance(results[0], float) and results[1:] == [[2, 4], 6]


def test_thread_and_no_thread_flags(defs):
    forced = run(defs, "%bg --thread double(3)")
    assert forced.kind is JobKind.THREAD
    assert run(defs, "%fg") == 6
    whole = run(defs, "%bg --no-thread asyncio.wait_for(double(4), 5)")
    assert whole.kind is JobKind.COROUTINE
    assert run(defs, "%fg") == 8


def test_cell_with_await_is_a_coroutine_job_writing_the_namespace(defs):
    job = run(defs, "%%bg --name counting\nsteps = []\nfor i in range(3):\n    await asyncio.sleep(0)\n    steps.append(i)\n")
    assert job.kind is JobKind.COROUTINE and job.source == "counting"
    run(defs, "%fg")
    assert defs.user_ns["steps"] == [0, 1, 2]


def test_cell_without_await_runs_in_a_thread(defs):
    job = run(defs, "%%bg\nwhere = threading.current_thread().name\n")
    assert job.kind is JobKind.THREAD and job.source == "where = threading.current_thread().name"
    run(defs, "%fg")
    assert defs.user_ns["where"].startswith("ipython_bg")


def test_lines_reach_the_magics_without_dollar_expansion(shell):
    # $-expansion stays off: the line reaches %bg as typed.
    shell.user_ns["x"] = "not expanded"
    job = shell.run_line_magic("bg", "asyncio.sleep(0, '$x')")
    assert shell.run_line_magic("fg", f"{job.id}") == "$x"


def test_bg_and_fg_in_a_function_see_its_locals(defs):
    # IPython rewrites ``name = %magic`` and a line starting with one, not ``return %bg``.
    run(defs, "def f(x):\n    job = %bg asyncio.sleep(0, x)\n    return job\n")
    run(defs, "j = f(5)")
    assert run(defs, "%fg") == 5
    run(defs, "def g(y):\n    first = %bg double(y)\n    second = %bg double(y + 1)\n    results = %fg first second\n    return results\n")
    assert run(defs, "g(1)") == [2, 4]
    run(defs, "def h(z):\n    result = %fg double(z)\n    return result\n")
    assert run(defs, "h(21)") == 42


WRAPPERS = """
import functools

def generator():
    yield 1

def traced(func):
    @functools.wraps(func)
    async def wrapper(*args):
        return await func(*args)
    return wrapper

traced_double = traced(double)

async def stands_for_a_generator():
    return 1

stands_for_a_generator.__wrapped__ = generator
"""


def _outcome(shell, line: str):
    """What ``_job = %bg LINE`` gives: its kind, source and what %fg of it
    gives (or what it raised), and the assignment it made; or the error."""
    shell.user_ns.pop("y", None)
    started = shell.run_cell(f"_job = %bg {line}")
    if started.error_in_exec is not None:
        return type(started.error_in_exec).__name__, str(started.error_in_exec)
    job = shell.user_ns["_job"]
    waited = shell.run_cell(f"%fg {job.id}")
    ended = waited.result if waited.error_in_exec is None else repr(waited.error_in_exec)
    return job.kind.value, job.source, ended, shell.user_ns.get("y")


@pytest.mark.parametrize(
    "line",
    [
        "double(21)",
        "  y = double(2)  ",
        "blocking(1)",
        "asyncio.sleep(0, 7)",
        "double",
        "fail('no')",
        "traced_double(3)",
        "stands_for_a_generator()",
        "generator()",
        "y",
        "x =",
        "",
    ],
)
def test_a_line_without_options_is_taken_as_one_with_none_given(defs, line):
    # %bg EXPR skips the option parsing that %bg -- EXPR goes through.
    run(defs, WRAPPERS)
    assert _outcome(defs, line) == _outcome(defs, f"-- {line}")


def test_an_async_def_that_stands_for_a_generator_is_refused_as_one(defs):
    run(defs, WRAPPERS)
    with pytest.raises(UsageError, match="^%bg: stands_for_a_generator\\(\\): a generator is iterated, not run"):
        defs.run_line_magic("bg", "stands_for_a_generator()")
    assert run(defs, "%fg traced_double(4)") == 8


def test_a_trailing_comment_is_not_the_jobs_source(callables, capsys):
    job = run(callables, "%bg one(1)  # the first")
    assigned = run(callables, "x = %bg one(2)   # the second")
    assert job.source == "one(1)"
    run(callables, "%fg 1")
    run(callables, "%bg r = one(3)  # the third")
    run(callables, "await asyncio.sleep(0.05)")
    assert "#" not in str(run(callables, "%jobs"))
    assert "#" not in capsys.readouterr().out
    assert assigned is None or "#" not in assigned.source
