"""The job table (ipython_bg/model/table.py): ids as a shell gives them,
bash's job specs, the bounded history."""

import asyncio

import pytest

from ipython_bg.model.job import Job, NoSuchJob
from ipython_bg.model.table import JobTable


async def value(result, delay=0.0):
    await asyncio.sleep(delay)
    return result


def make(loop, coro, source, table):
    """A job of ``coro`` on ``loop``, in ``table``."""
    return table.add(Job(coro, loop=loop, source=source))


def test_table_ids_and_specs(loop):
    table = JobTable()
    fetch = make(loop, value(1), "fetch(url)", table)
    parse = make(loop, value(2, 10), "parse(doc)", table)
    serve = make(loop, value(3, 10), "serve_forever()", table)
    assert [job.id for job in (fetch, parse, serve)] == [1, 2, 3]
    assert table.resolve("2") is parse and table.resolve("%2") is parse
    assert table.resolve("%+") is serve and table.resolve("%%") is serve
    assert table.resolve("%-") is parse
    assert table.resolve("%par") is parse
    assert table.resolve("%?forever") is serve
    for spec in ("9", "%9", "%nothing", "%?zzz", "bogus"):
        with pytest.raises(NoSuchJob):
            table.resolve(spec)
    loop.run_until_complete(fetch)
    table.mark_finished([fetch])
    # Unfinished jobs rank before finished ones, newest first.
    assert table.markers() == {3: "+", 2: "-"}
    serve.cancel()
    parse.cancel()
    loop.run_until_complete(asyncio.wait([serve, parse]))


def test_ambiguous_prefix_is_an_error(loop):
    table = JobTable()
    jobs = [make(loop, value(n, 10), f"fetch({n})", table) for n in range(2)]
    with pytest.raises(NoSuchJob, match="ambiguous"):
        table.resolve("%fetch")
    for job in jobs:
        job.cancel()
    loop.run_until_complete(asyncio.wait(jobs))


def test_history_is_bounded_but_running_jobs_are_kept(loop):
    table = JobTable(history=3)
    sleeper = make(loop, value(None, 10), "sleeper()", table)
    finished = [make(loop, value(n), f"v({n})", table) for n in range(10)]
    loop.run_until_complete(asyncio.wait(finished))
    for job in finished:
        table.mark_finished([job])
    assert [job.id for job in table] == [1, 9, 10, 11]
    assert table.current() is sleeper
    table.set_history(1)
    assert [job.id for job in table] == [1, 11]
    assert [job.id for job in table.forget_finished()] == [11]
    assert list(table) == [sleeper]
    sleeper.cancel()
    loop.run_until_complete(asyncio.wait([sleeper]))


class _Ended:
    """Stands in for a job in the table: an id, and done once filed."""

    def __init__(self, done=False):
        self.id = None
        self._done = done

    def done(self):
        return self._done


def test_the_current_job_is_right_after_a_burst_of_ends():
    # The lookup's cost after many ends (it once walked every job that had
    # ended) is benchmarks/ends.py's figure; here, only that it is right.
    table = JobTable(history=10_000)
    running = table.add(_Ended())
    batch = [table.add(_Ended()) for _ in range(10_000)]
    table.mark_finished(batch)
    assert table.markers() == {running.id: "+", batch[-1].id: "-"}
    assert table.marker(running) == "+" and table.current() is running


def test_no_current_job_in_empty_table():
    with pytest.raises(NoSuchJob, match="no current job"):
        JobTable().current()
    with pytest.raises(NoSuchJob, match="no previous job"):
        JobTable().resolve("%-")


def test_mark_finished_files_a_job_once_and_never_a_forgotten_one(loop):
    table = JobTable(history=5)
    first, second = (make(loop, value(n), f"v({n})", table) for n in range(2))
    loop.run_until_complete(asyncio.gather(first, second))
    table.mark_finished([first, first, second])
    table.mark_finished([second])
    assert [job.id for job in table.forget_finished()] == [1, 2]
    table.mark_finished([first])  # forgotten: stays forgotten
    assert len(table) == 0 and table.forget_finished() == []
