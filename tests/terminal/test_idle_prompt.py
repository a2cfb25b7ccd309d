"""End to end in a real terminal ``ipython`` driven through a pty."""

import re
import time

import pexpect
import pytest

from tests.harness.terminal import start_ipython

pytestmark = pytest.mark.skipif(not hasattr(pexpect, "spawn"), reason="needs a pty")


@pytest.fixture
def terminal(tmp_path):
    term = start_ipython(tmp_path)
    yield term
    transcript = term.close()
    assert "Traceback" not in transcript or "ValueError" in transcript, transcript
    assert "never retrieved" not in transcript and "destroyed but it is pending" not in transcript


def test_seed_demo_verbatim(tmp_path):
    term = start_ipython(tmp_path, load=False)
    try:
        lines = [
            "%load_ext ipython_bg",
            "server = %fg asyncio.start_server(handle_tcp_echo, '127.0.0.1')",
            "port = server.sockets[0].getsockname()[1]",
            "server2 = %fg asyncio.start_server(handle_tcp_echo, '127.0.0.1')",
            "port2 = server2.sockets[0].getsockname()[1]",
            "echo1 = %bg tcp_echo_client('Hello World!', port)",
            "echo2 = %bg tcp_echo_client('Hello World!', port2)",
            "%fg asyncio.wait([echo1, echo2])",
        ]
        for line in lines:
            term.send(line)
        term.send("echo1.result()")
        # Prompt styling may put escape sequences after "Out[9]: ".
        term.expect(r"Out\[9\]: (?:\x1b\[[0-9;?]*[A-Za-z])*'Hello World!'")
        assert term.value("echo2.result(), server.sockets[0].getsockname()[0]") == "Hello World! 127.0.0.1"
    finally:
        transcript = term.close()
    assert "Error" not in transcript, transcript


def test_a_job_advances_while_the_prompt_is_idle(terminal):
    terminal.send("%bg ticker(5)")
    # Nothing more is typed: the loop runs inside the prompt.
    for i in range(5):
        terminal.expect_exact(f"tick {i}")
    terminal.expect_exact("done  coroutine  ticker(5) -> _bg1")
    assert terminal.value("_bg1") == "5"


def test_notices_appear_above_an_idle_prompt(terminal):
    terminal.send("%bg asyncio.sleep(0.3, result='slept')")
    terminal.expect(re.escape("[1]+ done  coroutine  asyncio.sleep(0.3, result='slept') -> _bg1"))
    terminal.send("%bg fail('bad header')")
    terminal.expect_exact("[2]+ failed  coroutine  fail('bad header')  ValueError: bad header")
    assert terminal.value("_bg1") == "slept"


def test_thousands_of_ends_above_an_idle_prompt_are_one_line(terminal):
    # Started in one cell, they all end in the same loop iteration at the
    # prompt, reported in slices (the prompt runs in between): one line
    # counts them.
    terminal.send("for n in range(12000): get_ipython().run_line_magic('bg', 'asyncio.sleep(0)')")
    before = terminal.expect_exact("12000 jobs ended: 12000 done; %jobs lists them", timeout=60)
    after = terminal.sync()
    assert "blocking the prompt" not in before + after
    notices = [line for line in (before + after).splitlines() if re.search(r"\[\d+\][+-]? done", line)]
    assert notices == []
    assert len((before + after).splitlines()) < 20
    assert terminal.value("len(get_ipython().run_line_magic('jobs', ''))") == "1000"  # the history kept


def _ends_told(text: str) -> int:
    """How many job ends the notices in ``text`` tell of."""
    alone = len(re.findall(r"\[\d+\][+-]? done  coroutine", text))
    return alone + sum(int(count) for count in re.findall(r"(\d+) jobs ended: ", text))


def test_jobs_ending_one_after_another_are_summed_up_too(terminal):
    """Regression: 1,000 jobs ending a millisecond apart, each in a loop
    iteration of its own, printed a notice each (some 850 lines) above the
    prompt.  Notices coming soon after the last ones said now wait and are
    summed up with them; a job that ends on its own still gets its line."""
    terminal.run("from ipython_bg import run_in_background")
    terminal.send("for n in range(1000): run_in_background(asyncio.sleep(0.5 + n / 1000))")
    told = terminal.read_until(lambda text: _ends_told(text) >= 1000, timeout=30)
    assert _ends_told(told) == 1000, told
    assert len([line for line in told.splitlines() if " done" in line]) < 40, told
    terminal.send("%bg asyncio.sleep(0.3, 'alone')")
    terminal.expect_exact("[1001]+ done  coroutine  asyncio.sleep(0.3, 'alone') -> _bg1001", timeout=10)


def test_sleep_in_a_thread_returns_at_once(terminal):
    terminal.send("%bg time.sleep(3)")
    terminal.send('print("back" + "-at-prompt")')
    # The prompt is back (and runs more code) before the thread's notice.
    match, _ = terminal.expect(r"back-at-prompt|done  thread  time\.sleep\(3\)")
    assert match.group() == "back-at-prompt"
    terminal.expect_exact("[1]+ done  thread  time.sleep(3)")


def test_ctrl_c_in_fg_cancels_only_the_foreground(terminal):
    terminal.run("b = %bg busy()")
    for attempt in range(6):
        before = int(terminal.value("progress['busy']"))
        terminal.send(f"%fg guarded('fg{attempt}')")
        terminal.expect_exact(f"fg{attempt}-start")
        terminal.interrupt()
        terminal.expect_exact(f"fg{attempt}-finally")
        terminal.expect_exact("KeyboardInterrupt")
        assert terminal.value("b.done()") == "False"
        terminal.run("await asyncio.sleep(0.1)")
        assert int(terminal.value("progress['busy']")) > before
    # Top-level await cells get the same runner.
    terminal.send("await guarded('cell')")
    terminal.expect_exact("cell-start")
    terminal.interrupt()
    terminal.expect_exact("cell-finally")
    output = terminal.sync()
    assert "KeyboardInterrupt" in output and "CancelledError" not in output
    assert terminal.value("b.done(), len(asyncio.all_tasks(get_ipython().magics_manager.registry['BackgroundJobs'].session.control.home_loop()))") == "False 1"


def test_ctrl_c_in_fg_of_a_thread_call_leaves_it_in_the_table(terminal):
    # Python cannot stop the thread: the job stays, running, and says when it ends.
    terminal.send("%fg time.sleep(2)")
    time.sleep(0.5)
    terminal.interrupt()
    terminal.expect_exact("KeyboardInterrupt")
    output = terminal.run("%jobs")
    assert re.search(r"\[\d+\]\+\s+running\s+thread\s+\S+\s+time\.sleep\(2\)", output), output
    terminal.expect(r"\[\d+\]\+ done  thread  time\.sleep\(2\)")


def test_jobs_table_in_the_terminal(terminal):
    terminal.run("%bg asyncio.sleep(30)")
    terminal.send("%bg fail('nope')")
    terminal.expect_exact("ValueError: nope")
    output = terminal.run("%jobs")
    assert re.search(r"\[1\]\+\s+running\s+coroutine\s+\S+\s+asyncio\.sleep\(30\)", output), output
    assert re.search(r"\[2\]-\s+failed\s+coroutine\s+\S+\s+fail\('nope'\)\s+ValueError: nope", output), output


def test_settings_changed_by_others_are_restored(terminal):
    terminal.run("%autoawait asyncio")
    assert terminal.value("type(get_ipython().loop_runner).__name__") == "ForegroundRunner"
    terminal.run("%gui")  # turns the asyncio prompt off; restored before the next prompt
    assert terminal.value("get_ipython().active_eventloop") == "asyncio"
    terminal.send("%bg ticker(3)")
    terminal.expect_exact("done  coroutine  ticker(3)")


def test_a_real_terminal_type(launch):
    term = launch(term="xterm-256color")
    term.send("%bg ticker(3, 0.1)")
    term.expect_exact("tick 2")
    term.expect_exact("done  coroutine  ticker(3, 0.1) -> _bg1")
    assert term.value("_bg1") == "3"


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


def _exit_at_once(term, timeout=20):
    """``exit`` with ``confirm_exit`` off, so running jobs do not hold it:
    ipython's output up to its end, and the seconds from ``exit`` to then."""
    term.run("%config BackgroundJobs.confirm_exit = False")
    started = time.monotonic()
    term.send("exit")
    output = term.expect_eof(timeout=timeout)
    elapsed = time.monotonic() - started
    term.close()
    return output, elapsed


def test_exit_runs_finally_blocks_and_does_not_wait_for_threads(tmp_path):
    term = start_ipython(tmp_path)
    term.send("%bg guarded('leaving')")
    term.expect_exact("leaving-start")
    term.run("%bg time.sleep(600)")
    output, _ = _exit_at_once(term)
    assert "leaving-finally" in output
    for warning in ("destroyed but it is pending", "never retrieved", "Event loop is closed", "Traceback"):
        assert warning not in output


def test_first_exit_lists_running_jobs_and_the_second_leaves(tmp_path):
    term = start_ipython(tmp_path)
    term.send("%bg guarded('job')")
    term.expect_exact("job-start")
    term.run("%bg time.sleep(600)")
    term.send("exit")
    term.expect_exact("There are 2 running jobs:")
    term.expect_exact("Exit again to cancel them and leave.")
    assert term.value("1 + 1") == "2"  # still here
    term.send("exit")
    term.expect_exact("There are 2 running jobs:")  # warned again: a cell ran in between
    term.send("exit")
    output = term.expect_eof(timeout=20)
    term.close()
    assert "job-finally" in output and "Traceback" not in output


def test_ctrl_z_in_fg_continues_the_job_in_the_background(terminal):
    terminal.send("%fg ticker(40, 0.05)")
    terminal.expect_exact("tick 3")
    terminal.child.sendcontrol("z")
    terminal.expect_exact("[1]+ continued in background  coroutine  ticker(40, 0.05)")
    assert terminal.value("1 + 1") == "2"
    terminal.expect_exact("tick 10")  # it goes on at the prompt
    terminal.run("result = %fg 1")
    assert terminal.value("result") == "40"


def test_ctrl_c_rescues_a_prompt_frozen_by_a_job(terminal):
    terminal.run("%config BackgroundJobs.block_warning = 0.5")
    recovered = 0
    for attempt in range(10):
        # Alternate: freezing at once (before the prompt's raw mode, Ctrl-C is
        # a SIGINT) and after a pause (in raw mode, Ctrl-C is a byte).
        pause = 0.0 if attempt % 2 == 0 else 0.5
        terminal.send(f"%bg hog({pause})")
        terminal.expect_exact("is blocking the prompt")
        terminal.interrupt()
        terminal.expect(r"\[\d+\]\+? ?failed  coroutine  hog\(" + re.escape(str(pause)) + r"\)  JobInterrupted")
        assert terminal.value("40 + 2") == "42"
        recovered += 1
    assert recovered == 10
    output = terminal.transcript
    assert "escaped interact" not in output and "Application is already running" not in output


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


def test_a_failure_during_exit_is_reported(tmp_path):
    term = start_ipython(tmp_path)
    term.send("%bg fail_on_cancel('late')")
    term.expect_exact("late-start")
    output, _ = _exit_at_once(term)
    assert output.count("failed  coroutine  fail_on_cancel('late')  ValueError: late failed while cancelled") == 1
    assert "never retrieved" not in output and "Traceback" not in output


def test_ctrl_c_in_fg_does_not_reach_process_jobs(terminal):
    terminal.run("p = %bg --process burn(1.5)")
    terminal.send("%fg guarded('fg')")
    terminal.expect_exact("fg-start")
    terminal.interrupt()
    terminal.expect_exact("fg-finally")
    terminal.expect_exact("[1]+ done  process  burn(1.5) -> _bg1")
    assert terminal.value("p.result()") == "burnt"


def test_exit_is_bounded_by_the_exit_timeout(tmp_path):
    term = start_ipython(tmp_path)
    term.send("%bg slow_to_clean('slow')")
    term.expect_exact("slow-start")
    term.run("%bg time.sleep(600)")
    term.run("%config BackgroundJobs.exit_timeout = 1.0")
    output, elapsed = _exit_at_once(term, timeout=30)
    print(f"exit took {elapsed:.2f} s with exit_timeout = 1.0")
    assert "left without waiting longer than 1 s for: [1] slow_to_clean('slow')" in output
    assert "destroyed but it is pending" not in output
    # Design: within timeout + 1 s; the margin absorbs a loaded machine.
    assert elapsed < 4.0


def test_uvloop_runs_the_prompt_and_the_jobs(launch):
    pytest.importorskip("uvloop")
    term = launch(args=["--BackgroundJobs.loop=uvloop"])
    assert term.value("type(__import__('IPython').core.async_helpers.get_asyncio_loop()).__module__") == "uvloop"
    term.send("%bg ticker(3)")
    term.expect_exact("[1]+ done  coroutine  ticker(3) -> _bg1")
    term.send("%fg guarded('uv')")
    term.expect_exact("uv-start")
    term.interrupt()
    term.expect_exact("uv-finally")
    term.expect_exact("KeyboardInterrupt")
    term.run("r = %fg asyncio.sleep(0.1, result='on uvloop')")
    assert term.value("r") == "on uvloop"


def _ctrl_d(term):
    """Ctrl-D at the next prompt, once prompt_toolkit reads the keys: on a
    dumb terminal it writes the prompt before it sets the tty raw, and until
    then the tty's own line discipline takes the Ctrl-D."""
    term.sync()
    term.expect(r"In \[\d+\][^:\n]*: ")  # the prompt, with its job count if any
    time.sleep(0.5)
    term.child.sendcontrol("d")


def test_ctrl_d_with_running_jobs_asks_one_question_not_two(tmp_path):
    term = start_ipython(tmp_path, args=["--confirm-exit"])
    assert term.value("get_ipython().confirm_exit") == "True"
    term.run("%bg asyncio.sleep(600)")
    _ctrl_d(term)
    term.expect_exact("There is 1 running job:")
    term.expect_exact("Exit again to cancel them and leave.")
    assert term.value("1 + 1") == "2"  # still here
    _ctrl_d(term)
    term.expect_exact("There is 1 running job:")  # warned again: a cell ran in between
    _ctrl_d(term)
    output = term.expect_eof(timeout=20)
    term.close()
    assert "Do you really want to exit" not in output, output


def test_ctrl_d_without_jobs_asks_ipythons_question(tmp_path):
    term = start_ipython(tmp_path, args=["--confirm-exit"])
    _ctrl_d(term)
    term.expect_exact("Do you really want to exit ([y]/n)?")
    term.send("y")
    output = term.expect_eof(timeout=20)
    term.close()
    assert "running job" not in output, output


def test_verbs_at_an_idle_prompt(terminal):
    terminal.run("%config BackgroundJobs.retry_delay = 0.05")
    terminal.run(
        'get_ipython().run_cell("n = [0]\\ndef flaky():\\n    n[0] += 1\\n'
        '    if n[0] < 3: raise ValueError(f\'try {n[0]}\')\\n    return n[0]")'
    )
    terminal.send("%bg --retries 3 flaky()")
    # Nothing more is typed: the retries happen at the idle prompt.
    terminal.expect_exact("[1]+ done  thread  flaky() -> _bg1  (after 3 attempts)")
    terminal.run(
        'get_ipython().run_cell("runs = []\\nasync def tick():\\n    runs.append(1)\\n'
        '    if len(runs) == 2: raise ValueError(\'second run\')\\n    return len(runs)")'
    )
    terminal.send("%bg --every 0.2 tick()")
    terminal.expect_exact("[2] run 2 failed  coroutine  tick()  ValueError: second run  (it goes on)")
    deadline = time.monotonic() + 20
    while int(terminal.value("len(runs)")) < 4:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert "running" in terminal.run("%jobs %tick")
    terminal.send("%jobs -k %tick")
    terminal.expect_exact("cancelled [2] tick()")


def test_a_task_made_in_an_await_cell_is_a_job(terminal):
    # Defined in a cell: fail() comes from a startup file, like a library's.
    terminal.run('get_ipython().run_cell("async def boom(message):\\n    raise ValueError(message)")')
    terminal.send("t = asyncio.create_task(boom('plain task')); await asyncio.sleep(0)")
    terminal.expect_exact("failed  coroutine  t = asyncio.create_task(boom('plain task'));")
    terminal.expect_exact("ValueError: plain task")
    assert "[1]" in terminal.run("%jobs")
