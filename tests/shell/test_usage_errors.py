"""Mistakes in a %bg, %fg or %jobs line against a real InteractiveShell: one
UsageError line saying what to do instead, no traceback, nothing lost."""


import pytest
from IPython.core.error import UsageError

from tests.harness.cells import run, run_quiet, short_id, table_of, usage_error
from tests.harness.sweep import internal_lines


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
def test_generators_are_refused_with_what_to_do_instead(callables, line, advice):
    run(callables, "gen_made, agen_made = gen(), agen()")
    assert advice in usage_error(callables, line)
    assert len(table_of(callables)) == 0
    assert run(callables, "%fg list(gen())") == [1]


@pytest.mark.parametrize(
    "line, said",
    [
        ("%bg one(**3)", "one(): TypeError: one() argument after ** must be a mapping, not int"),
        ("%bg one(x=1, **{'x': 2})", "TypeError: one() got multiple values for keyword argument 'x'"),
    ],
)
def test_a_mistake_in_the_arguments_names_the_callee(callables, line, said):
    message = usage_error(callables, line)
    assert "lambda" not in message
    assert said.split("TypeError: ")[-1] in message


@pytest.mark.parametrize(
    "line",
    [
        "%bg",
        "%bg 42",
        "%bg undefined_name()",
        "%bg f(",
        "%bg 1 = double(1)",
        "%%bg\n   \n",
        "%fg 99",
        "%fg %nosuch",
        "%jobs -k 99",
        "%jobs --bogus",
        "%bg --bogus double(1)",
        "%fg --timeout soon double(1)",
        "%bg --thread --no-thread double(1)",
        "%jobs -t 1",
    ],
)
def test_bad_input_is_one_usage_error_and_loses_nothing(defs, line, capsys):
    run(defs, "keep = 'me'\nalive = %bg double(1, 30)")
    before = list(run(defs, "%jobs"))
    capsys.readouterr()
    result = defs.run_cell(line)
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    captured = capsys.readouterr()
    printed = (captured.out + captured.err).strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("UsageError: "), printed
    assert "Traceback" not in captured.out + captured.err
    assert defs.user_ns["keep"] == "me"
    after = list(run(defs, "%jobs"))
    assert [(row.id, row.state) for row in after] == [(row.id, row.state) for row in before]
    assert not defs.user_ns["alive"].done()


@pytest.mark.parametrize("magic", ["bg", "fg", "jobs"])
def test_an_unknown_option_is_said_by_its_magic(shell, magic):
    for line in ("--bogus", "--bogus x", "-k 'x" if magic == "jobs" else "--name 'x"):
        with pytest.raises(UsageError) as error:
            shell.run_line_magic(magic, line)
        assert str(error.value).startswith(f"%{magic}: "), error.value


def test_bg_and_fg_say_what_is_missing_after_an_assignment(shell):
    for magic in ("bg", "fg"):
        with pytest.raises(UsageError) as error:
            shell.run_line_magic(magic, "x =")
        assert str(error.value) == f"%{magic}: nothing after `x =`: give an expression to run"


def test_bg_of_an_await_says_to_drop_it(shell):
    for line in ("await asyncio.sleep(0)", "x = await asyncio.sleep(0)"):
        with pytest.raises(UsageError) as error:
            shell.run_line_magic("bg", line)
        assert str(error.value).startswith("%bg: drop the `await`: %bg asyncio.sleep(0) runs it in the background")
    assert len(shell.magics_manager.registry["BackgroundJobs"].session.control.table) == 0


@pytest.mark.parametrize(
    "source",
    ["%jobs '", '%jobs "a', "%jobs -k '1", '%bg --name "x ok()', "%fg --timeout ' ok()", '%%bg --name "\nr = 1'],
    ids=short_id,
)
def test_unbalanced_quote_is_a_usage_error(sweep, source):
    result, output = run_quiet(sweep, source)
    # Was: ValueError("No closing quotation") from shlex.split, in
    # parse_argstring for %jobs and in split_options for %bg/%fg option values.
    assert isinstance(result.error_in_exec, UsageError), repr(result.error_in_exec)
    assert internal_lines(output) == []


@pytest.mark.parametrize("source", ["%fg a, b = ok(1)", "%fg box.x = call(1)", "%fg [a] = call(None)"], ids=short_id)
def test_fg_assignment_failure_is_a_one_line_usage_error(sweep, source):
    result, output = run_quiet(sweep, source)
    assert isinstance(result.error_in_exec, UsageError)
    assert "could not be assigned to" in str(result.error_in_exec)
    # The job ran; assigning its result failed in the assignment function
    # (shown as "<ipython_bg assignment>": 'Could not get source'), called
    # from BackgroundJobs._foreground_result, which is not hidden.  (In a
    # plain cell ``a, b = 1`` shows the cell's line; %bg reports the same
    # mistake in its notice: "not assigned to a, b: TypeError: ...".)
    assert internal_lines(output) == []
