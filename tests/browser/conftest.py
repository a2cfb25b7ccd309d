import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Marks a failed test (``item.failed``), for the fixture that keeps
    its pages' screenshots (test_jupyterlab.py's ``open_notebook``)."""
    report = yield
    if report.when == "call" and report.failed:
        item.failed = True
    return report
