"""Loading, unloading and reloading in a real terminal ``ipython`` (pty), and
what other code changes under the extension (%gui, %autoawait,
%matplotlib, %reset, --simple-prompt)."""

import pytest


@pytest.mark.smoke
def test_settings_changed_by_others_are_restored(terminal):
    terminal.run("%autoawait asyncio")
    assert terminal.value("type(get_ipython().loop_runner).__name__") == "ForegroundRunner"
    terminal.run("%gui")  # turns the asyncio prompt off; restored before the next prompt
    assert terminal.value("get_ipython().active_eventloop") == "asyncio"
    terminal.send("%bg ticker(3)")
    terminal.expect_exact("done  coroutine  ticker(3)")


def test_simple_prompt_says_once_on_stderr_what_cannot_work(launch):
    term = launch(args=["--simple-prompt"])
    term.send("%bg asyncio.sleep(0.1)")
    term.expect_exact("advance only while %fg or an await cell runs")
    output = term.run("%bg asyncio.sleep(0.1)")
    assert "advance only" not in output
    # Jobs wait for the foreground here, then run.
    assert term.value("[j.done() for j in (_1, _2)]") == "[False, False]"
    term.run("%fg 1 2")
    assert term.value("[j.result() for j in (_1, _2)]") == "[None, None]"


def test_matplotlib_and_reset_keep_the_integration(terminal):
    pytest.importorskip("matplotlib")
    terminal.run("%matplotlib agg")
    assert terminal.value("get_ipython().active_eventloop") == "asyncio"
    terminal.run("%reset -f")
    terminal.run("import asyncio")
    terminal.send("%bg asyncio.sleep(0.1, result='after reset')")
    terminal.expect_exact("done  coroutine  asyncio.sleep(0.1, result='after reset') -> _bg1")


STATE = (
    "(get_ipython().loop_runner is __import__('IPython').core.async_helpers._asyncio_runner, "
    "get_ipython().active_eventloop, get_ipython().custom_exceptions, "
    "'ask_exit' in vars(get_ipython()), 'prompt_for_code' in vars(get_ipython()), "
    "sorted(k for k, v in get_ipython().events.callbacks.items() if v), "
    "type(get_ipython().loop_runner).__name__)"
)


def test_unload_restores_ipython_and_reload_leaves_no_orphans(launch):
    term = launch(load=False)
    before = term.value(STATE)
    term.run("%load_ext ipython_bg")
    term.run("%load_ext ipython_bg")  # harmless: IPython says it is loaded
    assert term.value(STATE) != before
    term.send("%bg guarded('first')")
    term.expect_exact("first-start")
    term.send("%unload_ext ipython_bg")
    term.expect_exact("first-finally")
    term.expect_exact("ipython_bg: cancelled 1 running job(s): [1] guarded('first')")
    assert term.value(STATE) == before
    output = term.run("%bg asyncio.sleep(1)")
    assert "UsageError: Line magic function `%bg` not found." in output
    term.run(
        "import threading\n"
        "deadline = time.monotonic() + 10\n"
        "while any(t.name == 'ipython_bg-watchdog' for t in threading.enumerate()) and time.monotonic() < deadline:\n"
        "    time.sleep(0.05)\n"
    )
    assert term.value("[t.name for t in threading.enumerate() if t.name.startswith('ipython_bg')]") == "[]"

    term.run("%load_ext ipython_bg")
    term.send("%bg guarded('second')")
    term.expect_exact("second-start")
    term.send("%reload_ext ipython_bg")
    term.expect_exact("second-finally")
    # Numbered on from before the unload: _bg1 of the first load stays.
    term.expect_exact("cancelled 1 running job(s): [2] guarded('second')")
    loop = "__import__('IPython').core.async_helpers.get_asyncio_loop()"
    assert term.value(f"len(asyncio.all_tasks({loop}))") == "0"
    term.send("%bg ticker(2)")
    term.expect_exact("[3]+ done  coroutine  ticker(2) -> _bg3")
    assert term.value("_bg3") == "2"
