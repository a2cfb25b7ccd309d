import pytest

from tests.harness import browser


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, headless, for the tests of one file."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Marks a failed test (``item.failed``), for the fixture that keeps
    its pages' screenshots (test_jupyterlab.py's ``open_notebook``)."""
    report = yield
    if report.when == "call" and report.failed:
        item.failed = True
    return report
