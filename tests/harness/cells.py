"""Running a cell in a real ``InteractiveShell`` as a user would (the
``shell`` fixture of tests/shell/conftest.py gives one), and what it
raised, printed or left in the job table."""

import re

#: A terminal control sequence (colours), to read output as text.
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def run(shell, code):
    """Run a cell as a user would; fail the test if it raised; return its result."""
    result = shell.run_cell(code)
    assert result.error_before_exec is None and result.error_in_exec is None, (
        result.error_before_exec or result.error_in_exec
    )
    return result.result


def usage_error(shell, code) -> str:
    """Run a cell that must fail with a UsageError; return its message."""
    from IPython.core.error import UsageError

    result = shell.run_cell(code)
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    return str(result.error_in_exec)


def error_of(shell, code) -> BaseException:
    """Run a cell that must fail; return what it raised."""
    error = shell.run_cell(code).error_in_exec
    assert error is not None
    return error


def table_of(shell):
    """The loaded extension's job table."""
    return shell.magics_manager.registry["BackgroundJobs"].session.control.table


def run_quiet(sweep, source):
    """Run ``source`` in the sweep's shell without the sweep's checks;
    return (result, what it printed, colours stripped)."""
    sweep.capsys.readouterr()
    result = sweep.shell.run_cell(source)
    captured = sweep.capsys.readouterr()
    return result, ANSI.sub("", captured.out + captured.err)


def short_id(value):
    """A parametrized test's id for a line or cell: its first 50 characters."""
    return repr(value)[:50] if isinstance(value, str) else None
