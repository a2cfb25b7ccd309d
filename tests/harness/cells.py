"""Running a cell in a real ``InteractiveShell`` as a user would (the
``shell`` fixture of tests/conftest.py gives one)."""


def run(shell, code):
    """Run a cell as a user would; fail the test if it raised; return its result."""
    result = shell.run_cell(code)
    assert result.error_before_exec is None and result.error_in_exec is None, (
        result.error_before_exec or result.error_in_exec
    )
    return result.result
