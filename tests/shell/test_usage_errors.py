"""The small things of issue 19, against a real InteractiveShell:
generators, partials and executor futures given to %bg, argument mistakes,
trailing comments, numbering after %reload_ext, forgotten jobs, and a
process job's traceback."""

import os

import pytest
from IPython.core.error import UsageError

from tests.harness.cells import run

DEFINITIONS = """
import asyncio, concurrent.futures, functools
def gen():
    yield 1
async def agen():
    yield 1
async def triple(x):
    await asyncio.sleep(0)
    return 3 * x
def one(x):
    return x
def divide(x):
    return 1 / x
pool = concurrent.futures.ThreadPoolExecutor(1)
"""


@pytest.fixture
def defs(shell):
    run(shell, DEFINITIONS)
    yield shell
    shell.user_ns["pool"].shutdown()


def _usage_error(shell, line: str) -> str:
    result = shell.run_cell(line)
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    return str(result.error_in_exec)


def _error(shell, line: str) -> BaseException:
    error = shell.run_cell(line).error_in_exec
    assert error is not None
    return error


def _table(shell):
    return shell.magics_manager.registry["BackgroundJobs"].session.control.table


@pytest.mark.parametrize(
    "line, advice",
    [
        ("%bg gen()", "a generator is iterated, not run: %bg list(...) consumes it in a thread"),
        ("%bg gen", "a generator is iterated, not run"),
        ("%bg gen_made", "a generator is iterated, not run"),
        ("%bg --thread gen()", "a generator is iterated, not run"),
        ("%bg agen()", "an async generator is iterated, not run: wrap it in a coroutine"),
        ("%bg agen", "an async generator is iterated, not run"),
        ("%bg agen_made", "an async generator is iterated, not run"),
        ("%fg agen()", "an async generator is iterated, not run"),
    ],
)
def test_generators_are_refused_with_what_to_do_instead(defs, line, advice):
    run(defs, "gen_made, agen_made = gen(), agen()")
    assert advice in _usage_error(defs, line)
    assert len(_table(defs)) == 0
    assert run(defs, "%fg list(gen())") == [1]


def test_a_partial_of_a_coroutine_function_runs_its_coroutine(defs):
    job = run(defs, "%bg functools.partial(triple, 2)")
    assert job.kind.value == "coroutine"
    assert run(defs, "%fg 1") == 6
    assert run(defs, "%fg functools.partial(triple, 3)") == 9
    plain = run(defs, "%bg functools.partial(one, 'in a thread')")
    assert plain.kind.value == "thread" and run(defs, "%fg 2") == "in a thread"


def test_an_executors_future_is_waited_for(defs):
    assert run(defs, "%fg pool.submit(one, 'submitted')") == "submitted"
    job = run(defs, "%bg pool.submit(divide, 0)")
    assert isinstance(_error(defs, "%fg 1"), ZeroDivisionError)
    assert job.state.value == "failed"
    run(defs, "future = pool.submit(one, 'made before')")
    assert run(defs, "%fg future") == "made before"


@pytest.mark.parametrize(
    "line, said",
    [
        ("%bg one(**3)", "one(): TypeError: one() argument after ** must be a mapping, not int"),
        ("%bg one(x=1, **{'x': 2})", "TypeError: one() got multiple values for keyword argument 'x'"),
    ],
)
def test_a_mistake_in_the_arguments_names_the_callee(defs, line, said):
    message = _usage_error(defs, line)
    assert "lambda" not in message
    assert said.split("TypeError: ")[-1] in message


def test_wrong_arity_fails_the_job_naming_the_callee(defs):
    run(defs, "%bg one(1, 2, 3)")
    error = _error(defs, "%fg 1")
    assert isinstance(error, TypeError)
    assert str(error) == "one() takes 1 positional argument but 3 were given"


def test_a_trailing_comment_is_not_the_jobs_source(defs, capsys):
    job = run(defs, "%bg one(1)  # the first")
    assigned = run(defs, "x = %bg one(2)   # the second")
    assert job.source == "one(1)"
    run(defs, "%fg 1")
    run(defs, "%bg r = one(3)  # the third")
    run(defs, "await asyncio.sleep(0.05)")
    assert "#" not in str(run(defs, "%jobs"))
    assert "#" not in capsys.readouterr().out
    assert assigned is None or "#" not in assigned.source


def test_reload_numbers_jobs_after_the_last_one(defs):
    run(defs, "%bg triple(1)")
    run(defs, "%bg triple(2)")
    run(defs, "await asyncio.sleep(0.05)")
    run(defs, "%reload_ext ipython_bg")
    job = run(defs, "%bg triple(3)")
    assert job.id == 3
    run(defs, "await asyncio.sleep(0.05)")
    assert [defs.user_ns[f"_bg{n}"] for n in (1, 2, 3)] == [3, 6, 9]
    assert "started before ipython_bg was reloaded" in _usage_error(defs, "%fg 1")


def test_a_job_forgotten_for_history_says_so(defs):
    run(defs, "%config BackgroundJobs.history = 1")
    run(defs, "first = %bg triple(1)")
    run(defs, "%bg triple(2)")
    run(defs, "await asyncio.sleep(0.05)")
    said = "job 1 has ended and was forgotten: only the last 1 finished jobs are kept (BackgroundJobs.history)"
    for line in ("%fg 1", "%jobs 1", "%jobs -t 1", "%fg first"):
        assert said in _usage_error(defs, line)
    run(defs, "%jobs -c")
    assert "%jobs -c forgets finished ones" in _usage_error(defs, "%fg 2")
    assert _usage_error(defs, "%fg 7") == "%fg: no job 7"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="--process needs fork")
def test_a_process_jobs_traceback_has_no_frames_of_the_worker(defs):
    run(defs, "%bg --process divide(0)")
    run(defs, "%bg --process one(1, 2)")
    run(defs, "import time; time.sleep(0.01)")
    assert isinstance(_error(defs, "%fg 1"), ZeroDivisionError)
    assert isinstance(_error(defs, "%fg 2"), TypeError)
    divided = _table(defs)[1].format_traceback()
    assert "return 1 / x" in divided and "ZeroDivisionError: division by zero" in divided
    for text in (divided, _table(defs)[2].format_traceback()):
        assert "ipython_bg" + os.sep not in text and "_child" not in text and "self.func(" not in text


@pytest.mark.skipif(not hasattr(os, "fork"), reason="--process needs fork")
def test_fg_of_a_failed_process_job_shows_no_frames_of_the_worker(defs, capsys):
    run(defs, "%bg --process divide(0)")
    run(defs, "import time; time.sleep(0.01)")
    capsys.readouterr()
    defs.run_cell("%fg 1")  # IPython shows the failure, its remote cause first
    shown = capsys.readouterr()
    text = shown.out + shown.err
    assert "return 1 / x" in text and "ZeroDivisionError" in text
    assert "ipython_bg" + os.sep not in text and "_child" not in text and "self.func(" not in text
