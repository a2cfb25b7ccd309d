"""A table of bad (and a few good) %bg, %fg and %jobs lines and cells, each
run in a real InteractiveShell by the sweep's checker (harness/sweep.py:
every property it states holds) and its outcome compared with the table's.

An outcome is "job", "table", "list", "said" (``%jobs -k``: a line printed,
nothing returned), "usage" (a UsageError), "compile" (a
body that does not compile: a SyntaxError, or a UsageError saying so),
``("value", v)`` (``%fg``'s result is ``v``) or ``("own", E)`` (``%fg``
re-raised the job's own exception, of type ``E``)."""

from __future__ import annotations

import asyncio

import pytest

from tests.harness.cells import short_id
from tests.harness.strategies import SweepError
from tests.harness.sweep import user_mistakes_warn

#: Lines on an empty table (those that met a bug are pinned in test_regressions.py).
LINES = [
    # %bg: jobs
    ("%bg ok(1)", "job"),
    ("%bg   ok(1)  ", "job"),
    ("%bg ｏｋ(1)", "job"),
    ("%bg r = ok(2)", "job"),
    ("%bg a, b = ok((1, 2))", "job"),
    ("%bg box['k'] = call(3)", "job"),
    ("%bg --thread call(1)", "job"),
    ("%bg --th call(1)", "job"),
    ("%bg --no-thread ok(1)", "job"),
    ("%bg --thread ok", "job"),
    ("%bg -- ok(1)", "job"),
    ("%bg call", "job"),
    ("%bg ok", "job"),
    ("%bg lambda: 1", "job"),
    ("%bg gather(ok(1), ok(2))", "job"),
    ("%bg ok(1) # comment", "job"),
    ("%bg ok(1);", "job"),
    ("%bg (ok(1))", "job"),
    ("%bg ok(1) if True else ok(2)", "job"),
    ("%bg ok(1)" + " " * 10000, "job"),
    # %bg: usage errors
    ("%bg", "usage"),
    ("%bg ", "usage"),
    ("%bg    ", "usage"),
    ("%bg \t", "usage"),
    ("%bg 1", "usage"),
    ("%bg None", "usage"),
    ("%bg 'text'", "usage"),
    ("%bg zz", "usage"),
    ("%bg zz()", "usage"),
    ("%bg ok(", "usage"),
    ("%bg ok(1))", "usage"),
    ("%bg [", "usage"),
    ("%bg '", "usage"),
    ('%bg "', "usage"),
    ("%bg '''", "usage"),
    ("%bg 1 = ok()", "usage"),
    ("%bg ok() = 1", "usage"),
    ("%bg r = ", "usage"),
    ("%bg = ok()", "usage"),
    ("%bg r == ok()", "usage"),
    ("%bg ok(); ok()", "usage"),
    ("%bg if True: ok()", "usage"),
    ("%bg await ok()", "usage"),
    ("%bg async", "usage"),
    ("%bg yield", "usage"),
    ("%bg return ok()", "usage"),
    ("%bg pass", "usage"),
    ("%bg class", "usage"),
    ("%bg --thread --no-thread ok()", "usage"),
    ("%bg --name x ok()", "usage"),
    ("%bg --timeout 1 ok()", "job"),
    ("%bg --timeout 0 ok()", "usage"),
    ("%bg --timeout x ok()", "usage"),
    ("%bg --retries x ok()", "usage"),
    ("%bg --retries 1.5 ok()", "usage"),
    ("%bg --every -1 ok()", "usage"),
    ("%bg --after", "usage"),
    ("%bg --after ok()", "usage"),
    ("%bg --after %1", "usage"),
    ("%bg --stop-on-error ok()", "usage"),
    ("%bg --thread=1 ok()", "usage"),
    ("%bg -k 1", "usage"),
    ("%bg -h", "usage"),
    ("%bg --", "usage"),
    ("%bg --thread", "usage"),
    ("%bg --thread 1", "usage"),
    ("%bg %1", "usage"),
    ("%bg %+", "usage"),
    ("%bg $x", "usage"),
    ("%bg {x}", "usage"),
    ("%bg \u200b", "usage"),
    ("%bg 😀", "usage"),
    ("%bg 名前", "usage"),
    ("%bg ok(1)\x00", "usage"),
    ("%bg " + "(" * 300, "usage"),
    # Too deep for every Python's compiler, yet short enough for IPython to
    # tokenize in time on early Python 3.12 releases, whose tokenize is
    # quadratic on a long line (IPython's own prompt is as slow there).
    ("%bg " + "+" * 10000 + "1", "usage"),
    ("%bg " + "not " * 5000 + "1", "usage"),
    ("%bg " + "x" * 10000, "usage"),
    ("%bg " + "-" * 3000, "usage"),
    # %fg, with an empty table
    ("%fg", "usage"),
    ("%fg ok(7)", ("value", 7)),
    ("%fg call(8)", ("value", 8)),
    ("%fg r = ok(9)", ("value", 9)),
    ("%fg nap()", ("value", "nap")),
    ("%fg gather(ok(1), ok(2))", ("value", [1, 2])),
    ("%fg --timeout 0.5 ok(3)", ("value", 3)),
    ("%fg --timeout=0.5 ok(3)", ("value", 3)),
    ("%fg --timeout inf ok(3)", ("value", 3)),
    ("%fg --timeout 1e309 ok(3)", ("value", 3)),
    ("%fg bad(1)", ("own", SweepError)),
    ("%fg boom(1)", ("own", SweepError)),
    ("%fg lambda: 1 / 0", ("own", ZeroDivisionError)),
    ("%fg a, b = ok(1)", "usage"),
    ("%fg %1", "usage"),
    ("%fg 1", "usage"),
    ("%fg %+", "usage"),
    ("%fg %-", "usage"),
    ("%fg %?x", "usage"),
    ("%fg %ok", "usage"),
    ("%fg %", "usage"),
    ("%fg %%", "usage"),
    ("%fg 0", "usage"),
    ("%fg 99999999999999999999999", "usage"),
    ("%fg %+ %-", "usage"),
    ("%fg --timeout", "usage"),
    ("%fg --timeout x ok()", "usage"),
    ("%fg --timeout -1 ok()", "usage"),
    ('%fg --timeout ""', "usage"),
    ("%fg --bogus", "usage"),
    ("%fg -k 1", "usage"),
    ("%fg '", "usage"),
    ("%fg )", "usage"),
    ("%fg ok(1) ok(2)", "usage"),
    ("%fg 1 + 1", "usage"),
    ("%fg " + "%+ " * 2000, "usage"),
    # %jobs, with an empty table
    ("%jobs", "table"),
    ("%jobs ", "table"),
    ("%jobs -l", "table"),
    ("%jobs --long", "table"),
    ("%jobs -c", "list"),
    ("%jobs --cl", "list"),
    ("%jobs -lc", "list"),
    ("%jobs -k", "usage"),
    ("%jobs -k 1", "usage"),
    ("%jobs -k all", "said"),
    ("%jobs -k all 1", "usage"),
    ("%jobs -t", "usage"),
    ("%jobs -t 1", "usage"),
    ("%jobs 1", "usage"),
    ("%jobs %+", "usage"),
    ("%jobs %-", "usage"),
    ("%jobs %?", "usage"),
    ("%jobs x", "usage"),
    ("%jobs --bogus", "usage"),
    ("%jobs -h", "usage"),
    ("%jobs -- -1", "usage"),
    ("%jobs ok()", "usage"),
    ("%jobs 'a b'", "usage"),
    ("%jobs =", "usage"),
    ("%jobs " + "%+ " * 2000, "usage"),
    # cells
    ("%%bg\nr = 1\n", "job"),
    ("%%bg --name lbl\nr = await ok(1)\n", "job"),
    ("%%bg --name ''\nr = 1", "job"),
    ("%%bg\n\t\tr = 1", "job"),
    ("%%bg\nasync def f(): pass", "job"),
    ("%%bg\nboom(1)", "job"),
    ("%%bg\n", "usage"),
    ("%%bg\n   \n\t\n", "usage"),
    ("%%bg x\nr = 1", "usage"),
    ("%%bg --name\nr = 1", "usage"),
    ("%%bg --thread --no-thread\nr = 1", "usage"),
    ("%%bg --timeout 1\nr = 1", "job"),
    ("%%bg --every 0\nr = 1", "usage"),
    ("%%bg\nreturn 1", "compile"),
    ("%%bg\n  r = 1\n r = 2", "compile"),
    ("%%bg\nr = (", "compile"),
    ("%%bg\nr = 1\x00", "compile"),
    ("%%bg\nawait", "compile"),
    ("%%bg\n)", "compile"),
    ("%%fg\nr = await ok(5)", ("value", None)),
    ("%%fg --timeout 0.5\nawait nap()", ("value", None)),
    ("%%fg\nr = call(1)", ("value", None)),
    ("%%fg\nawait bad(1)", ("own", SweepError)),
    ("%%fg\nboom(1)", ("own", SweepError)),
    ("%%fg\n1 / 0", ("own", ZeroDivisionError)),
    ("%%fg\nzz", ("own", NameError)),
    ("%%fg\n", "usage"),
    ("%%fg --timeout\nr = 1", "usage"),
    ("%%fg x\nr = 1", "usage"),
    ("%%fg\nyield 1", "compile"),
    ("%%fg\ndef f(:", "compile"),
]


def expect(outcome, result, wanted):
    """Assert that the sweep's ``outcome`` is the table's ``wanted``."""
    if wanted == "compile":  # a body that does not compile: SyntaxError, or a UsageError saying so
        assert outcome in ("syntax", "usage"), (outcome, result.error_in_exec)
        return
    if isinstance(wanted, tuple):
        kind, detail = wanted
        assert outcome == kind, (outcome, result.error_in_exec)
        if kind == "value":
            assert result.result == detail
        else:
            assert type(result.error_in_exec) is detail
    else:
        assert outcome == wanted, (outcome, result.error_before_exec or result.error_in_exec, result.result)


@user_mistakes_warn
@pytest.mark.parametrize("source, wanted", LINES, ids=short_id)
def test_table_of_lines(sweep, source, wanted):
    outcome, result, _ = sweep.run(source)
    expect(outcome, result, wanted)


#: Lines on a table of five finished jobs: ok(1), bad(2), call(3), boom(4), nap().
POPULATED = [
    ("%fg 1", ("value", 1)),
    ("%fg %1", ("value", 1)),
    ("%fg %2", ("own", SweepError)),
    ("%fg %?call", ("value", 3)),
    ("%fg %call", ("value", 3)),
    ("%fg %ok", ("value", 1)),
    ("%fg %+", ("value", "nap")),
    ("%fg %%", ("value", "nap")),
    ("%fg %-", ("own", SweepError)),
    ("%fg 1 3", ("value", [1, 3])),
    ("%fg %% %1", ("value", ["nap", 1])),
    ("%fg --timeout 0.5 1 3 5", ("value", [1, 3, "nap"])),
    ("%fg 1 2", ("own", SweepError)),
    ("%fg 1 1 1", ("value", [1, 1, 1])),
    ("%fg ٣", ("value", 3)),
    ("%fg %b", "usage"),
    ("%fg %?", "usage"),
    ("%fg %?(", "usage"),
    ("%fg 6", "usage"),
    ("%jobs", "table"),
    ("%jobs 1 2", "table"),
    ("%jobs %?nap", "table"),
    ("%jobs -t 2", "table"),
    ("%jobs -t %+", "usage"),
    ("%jobs -t 1", "usage"),
    ("%jobs -t 1 2", "usage"),
    ("%jobs -k 1", "said"),
    ("%jobs -k %+ %+", "said"),
    ("%jobs -k all", "said"),
    ("%jobs -c", "list"),
    ("%jobs %b", "usage"),
]


@user_mistakes_warn
@pytest.mark.parametrize("source, wanted", POPULATED, ids=short_id)
def test_table_with_finished_jobs(sweep, source, wanted):
    for seed in ("%bg ok(1)", "%bg bad(2)", "%bg call(3)", "%bg boom(4)", "%bg nap()"):
        sweep.run(seed)
    # End them all without %fg (which would set them as waited for).
    jobs = list(sweep.table)
    sweep.control.home_loop().run_until_complete(asyncio.wait(jobs, timeout=5))
    assert all(job.done() for job in jobs)
    outcome, result, _ = sweep.run(source)
    expect(outcome, result, wanted)


@pytest.mark.parametrize(
    "line, said",
    [
        ("%fg %", "UsageError: %fg: '%' is not a job spec (N, %N, %+, %-, %name, %?text)"),
        ("%fg (", "UsageError: %fg: '(' was never closed: ("),
        ("%bg --executor ex print('x')", "UsageError: %bg: ThreadPoolExecutor did not take the call: RuntimeError: cannot schedule new futures after shutdown"),
    ],
)
def test_odd_lines_are_said_in_one_clear_line(shell, capsys, line, said):
    # Was: "invalid syntax: invalid syntax: %", and a whole RuntimeError
    # traceback for an executor that had been shut down.
    shell.run_cell("import concurrent.futures\nex = concurrent.futures.ThreadPoolExecutor()\nex.shutdown()")
    capsys.readouterr()
    shell.run_cell(line)
    captured = capsys.readouterr()
    shown = (captured.out + captured.err).strip()
    assert shown == said, shown
