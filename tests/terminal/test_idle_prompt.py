"""Jobs at an idle terminal prompt (a real ``ipython`` in a pty): they run,
their notices and output come above the prompt, thousands of ends are one
line; the seed demo as typed."""

import re
import time

import pytest

from tests.harness.terminal import start_ipython


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


@pytest.mark.smoke
def test_a_job_advances_while_the_prompt_is_idle(terminal):
    terminal.send("%bg ticker(5)")
    # Nothing more is typed: the loop runs inside the prompt.
    for i in range(5):
        terminal.expect_exact(f"tick {i}")
    terminal.expect_exact("done  coroutine  ticker(5) -> _bg1")
    assert terminal.value("_bg1") == "5"


@pytest.mark.smoke
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


def test_a_blocking_call_in_the_background_returns_at_once(terminal, tmp_path):
    terminal.send("%bg until_exists('gate')")
    # The prompt is back and runs more code while the call blocks; it ends
    # only once the gate exists, which needs the line below to have run.
    terminal.send('print("back" + "-at-prompt"); open("gate", "w").close()')
    terminal.expect_exact("back-at-prompt")
    terminal.expect_exact("[1]+ done  thread  until_exists('gate') -> _bg1")


def test_jobs_table_in_the_terminal(terminal):
    terminal.run("%bg asyncio.sleep(30)")
    terminal.send("%bg fail('nope')")
    terminal.expect_exact("ValueError: nope")
    output = terminal.run("%jobs")
    assert re.search(r"\[1\]\+\s+running\s+coroutine\s+\S+\s+asyncio\.sleep\(30\)", output), output
    assert re.search(r"\[2\]-\s+failed\s+coroutine\s+\S+\s+fail\('nope'\)\s+ValueError: nope", output), output


def test_a_real_terminal_type(launch):
    term = launch(term="xterm-256color")
    term.send("%bg ticker(3, 0.1)")
    term.expect_exact("tick 2")
    term.expect_exact("done  coroutine  ticker(3, 0.1) -> _bg1")
    assert term.value("_bg1") == "3"


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
