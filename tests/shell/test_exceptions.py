"""Whatever a job raises, it is that job's failure and nothing else's (issue 19).

The table: every exception of ``programs.RAISERS`` from every kind of job,
in a plain shell here; tests/kernel/test_exceptions.py and
tests/terminal/test_exceptions.py run it in a real kernel and terminal."""

import os
import re
import time

import pytest

from ipython_bg.model.job import JobState
from tests.harness.cells import run
from tests.harness.programs import (
    DASK_CLIENT,
    JOB_STARTS,
    RAISED_TEXT,
    RAISERS,
    raised_text,
)

NAMES = list(RAISED_TEXT)
#: What no await can hand on: the job fails with a RuntimeError they cause.
CAUSES = {"stop": StopIteration, "genexit": GeneratorExit}

STARTS = {**JOB_STARTS, "dask": "%bg --executor client boom({name!r})"}  # skipped without distributed


@pytest.fixture
def raisers(shell):
    run(shell, RAISERS)
    run(shell, "mine = InThread()")
    run(shell, "%config BackgroundJobs.process_workers = 1")
    yield shell
    run(shell, "mine.pool.shutdown()")


def _wait_until_ended(shell, jobs, seconds=30):
    deadline = time.monotonic() + seconds
    while not all(job.done() for job in jobs):
        assert time.monotonic() < deadline, [job for job in jobs if not job.done()]
        run(shell, "await asyncio.sleep(0.05)")


@pytest.mark.parametrize("kind", list(STARTS))
def test_every_exception_fails_its_job_and_only_its_job(raisers, kind, capsys):
    shell = raisers
    if kind == "dask":
        pytest.importorskip("distributed")
        run(shell, DASK_CLIENT)
    try:
        bystander = run(shell, "%bg asyncio.sleep(3600)")
        jobs = {name: run(shell, STARTS[kind].format(name=name)) for name in NAMES}
        assert {job.kind.value for job in jobs.values()} == {kind}
        _wait_until_ended(shell, list(jobs.values()))
        run(shell, "await asyncio.sleep(0)")  # the loop reports the last ends
        out = capsys.readouterr().out
        table = run(shell, "%jobs").text()
        crosses = run(shell, "two_args_cross()")
        for name, job in jobs.items():
            said = raised_text(name, kind, crosses)
            assert job.state is JobState.FAILED, (name, job)
            # The notice, once; the table's row.
            notice = f"failed  {kind}  {job.source}  {said}"
            assert out.count(notice) == 1, (notice, out)
            assert re.search(rf"\[{job.id}\]\S*\s+failed\s+{kind}\s.*{re.escape(said[:30])}", table), (said, table)
            # The full traceback, in the user's frames.
            shown = run(shell, f"%jobs -t {job.id}")
            assert "boom" in shown and said.split(":")[0] in shown, shown
            assert "ipython_bg" + os.sep not in shown, shown
            if name in CAUSES:  # said as PEP 479 says it: the user's exception is the cause
                assert isinstance(job.exception().__cause__, CAUSES[name]), job.exception()
                assert CAUSES[name].__name__ in shown and "direct cause" in shown, shown
        _exceptions_are_the_users(shell, jobs, kind, crosses)
        # Nothing else was touched: the bystander runs, the shell works,
        # and a later job of the same kind runs at once (no slot was lost).
        assert not bystander.done()
        later = STARTS[kind].replace("aboom({name!r})", "asyncio.sleep(0, 32)").replace("boom({name!r})", "pow(2, 5)")
        run(shell, later)
        assert run(shell, "%fg --timeout 20") == 32
    finally:
        run(shell, "%jobs -k all")
        if kind == "dask":
            run(shell, "client.close()\ncluster.close()")


def _exceptions_are_the_users(shell, jobs, kind, crosses):
    """``job.exception()`` and ``%fg`` give the user's own exception: its
    type (a stand-in only where it could not cross a process boundary)."""
    for name, job in jobs.items():
        expected = raised_text(name, kind, crosses).split(":")[0]
        assert type(job.exception()).__name__ == expected, (name, job.exception())
        result = shell.run_cell(f"%fg {job.id}")
        assert type(result.error_in_exec).__name__ == expected, (name, result.error_in_exec)
        assert run(shell, "6 * 7") == 42  # a SystemExit or KeyboardInterrupt in %fg ended nothing


#: The user's own asyncio waits on a job (``waited``).
WAITS = {
    "await": "waited",
    "gather": "asyncio.gather(waited)",
    "shield": "asyncio.shield(waited)",
    "wait_for": "asyncio.wait_for(waited, 20)",
}

SEEN = """
async def seen(waiting):
    try:
        return await waiting
    except BaseException as exc:
        return exc
"""


@pytest.mark.parametrize("kind", ["coroutine", "thread"])
def test_asyncio_hands_on_what_a_job_raised(raisers, kind):
    """A coroutine awaiting a job (as gather, shield or wait_for does) from
    before it fails gets its exception, a StopIteration or GeneratorExit as
    the RuntimeError they cause, and the shell goes on."""
    shell = raisers
    run(shell, SEEN)
    start = STARTS[kind].replace("boom({name!r})", "boom_when({name!r}, gate)")
    for name in ["stop", "genexit", "exit", "interrupt", "unusual"]:
        expected = raised_text(name, kind).split(":")[0]
        for how, wait in WAITS.items():
            run(shell, f"gate = threading.Event()\nwaited = {start.format(name=name)}")
            probe = run(shell, f"probe = asyncio.ensure_future(seen({wait}))\nawait asyncio.sleep(0.05)\nprobe")
            assert not probe.done()  # it waits on the running job
            run(shell, "gate.set()\nawait asyncio.wait([probe], timeout=20)")
            assert probe.done(), (name, how)
            said = probe.result()
            assert type(said).__name__ == expected, (name, how, said)
            if name in CAUSES:
                assert isinstance(said.__cause__, CAUSES[name]), (name, how, said)
            assert run(shell, "6 * 7") == 42


def test_a_result_whose_repr_raises_never_breaks_the_table(raisers, capsys):
    shell = raisers
    job = run(shell, "%bg bad_result()")
    _wait_until_ended(shell, [job])
    run(shell, "await asyncio.sleep(0)")
    assert "[1]+ done  thread  bad_result() -> _bg1" in capsys.readouterr().out
    row = run(shell, "%jobs").text()
    assert "bad_result()  <BadResult instance at" in row
    assert "bad_result()" in run(shell, "%jobs -l").text()


def test_retries_do_not_retry_what_no_except_exception_would_catch(raisers):
    shell = raisers
    job = run(shell, "%bg --retries 3 boom('exit')")
    _wait_until_ended(shell, [job], seconds=10)
    assert isinstance(job.exception(), SystemExit) and job.schedule.attempts == 1
    timed = run(shell, "%bg --timeout 5 aboom('interrupt')")
    _wait_until_ended(shell, [timed], seconds=10)
    assert isinstance(timed.exception(), KeyboardInterrupt)
