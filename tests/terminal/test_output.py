"""A job's output kept at a real terminal prompt (pty): while the prompt is
shown, prompt_toolkit's patch_stdout is sys.stdout, and the output is kept
from it too; a quiet job prints nothing above the prompt."""

import pytest

# ``eager`` prints before it first awaits.  Regression: its first step ran
# in the prompt's first loop iteration, after patch_stdout replaced
# sys.stdout and before the extension wrapped it again: shown, not kept.
EAGER = "exec('async def eager(n):\\n    for i in range(n):\\n        print(\"tick\", i)\\n        await asyncio.sleep(0.05)')"


@pytest.mark.parametrize("line", ["ticker(3, 0.2)", "eager(3)"], ids=["awaits-first", "prints-first"])
def test_output_printed_above_an_idle_prompt_is_kept(terminal, line):
    terminal.run(EAGER)
    terminal.send(f"%bg {line}")
    terminal.expect_exact(f"done  coroutine  {line}")
    kept = terminal.value("get_ipython().run_line_magic('jobs', '-o 1').text().splitlines()[1:]")
    assert kept == "['tick 0', 'tick 1', 'tick 2']"


def test_a_quiet_job_prints_nothing_above_the_prompt(terminal):
    terminal.send("%bg --quiet ticker(3, 0.1)")
    before = terminal.expect_exact("done  coroutine  ticker(3, 0.1) -> _bg1")
    assert "tick 0" not in before
    terminal.send("%jobs -o 1")
    terminal.expect_exact("tick 2")


def test_the_table_shows_a_percentage(terminal):
    terminal.run("import ipython_bg")
    terminal.run("exec('async def half():\\n    ipython_bg.progress(0.5)\\n    await asyncio.sleep(60)')")
    terminal.send("%bg half()")
    terminal.sync()
    terminal.send("%jobs")
    terminal.expect(r"\[1\]\+\s+running\s+coroutine\s+\S+\s+50%\s+half\(\)")
    terminal.run("%jobs -k all")


# Regression: a partial line flushed at the prompt was written where the
# prompt is, and the redrawn prompt wrote over it: of twenty progress dots
# none was left, and a tqdm-like bar ran into the prompt line.
DOTS = "exec('async def dots(n):\\n    for i in range(n):\\n        print(\".\", end=\"\", flush=True)\\n        await asyncio.sleep(0.05)\\n    print(\"end\")')"
BAR = "exec('async def bar(n):\\n    for i in range(n + 1):\\n        print(f\"\\\\r{i}/{n} done\", end=\"\", file=sys.stderr, flush=True)\\n        await asyncio.sleep(0.05)\\n    print(file=sys.stderr)')"
LEFT = "exec('async def left():\\n    print(\"left unended\", end=\"\", flush=True)\\n    await asyncio.sleep(0.2)')"


def test_partial_lines_at_the_prompt_wait_for_their_end(terminal):
    terminal.run("import sys")
    for definition in (DOTS, BAR, LEFT):
        terminal.run(definition)
    terminal.send("%bg dots(20)")
    shown = terminal.expect_exact("done  coroutine  dots(20)", timeout=15)
    assert "....................end" in shown and shown.count(".") == 20, shown
    terminal.send("%bg bar(10)")
    shown = terminal.expect_exact("done  coroutine  bar(10)", timeout=15)
    # The last state of the bar, not its redraws, and never beside the prompt.
    assert "10/10 done" in shown and "3/10 done" not in shown, shown
    terminal.send("%bg left()")
    shown = terminal.expect_exact("done  coroutine  left()", timeout=15)
    assert "left unended\r\n" in shown or "left unended\n" in shown, shown
    table = "get_ipython().magics_manager.registry['BackgroundJobs'].session.control.table"
    kept = terminal.value(f"repr({table}[2].output.text())")
    assert "3/10 done" in kept  # the job's output keeps every write


def test_kept_output_shows_each_lines_last_state_on_lines_of_its_own(terminal):
    # Was: "Out[3]: 30%progress 10%": the carriage returns replayed raw
    # after the output prompt, the first line glued to it.
    terminal.run("exec('async def steps():\\n    for n in (10, 20, 30):\\n        print(f\"\\\\rprogress {n}%\", end=\"\")\\n"
                 "        await asyncio.sleep(0)\\n    print()\\n    print(\"all done\")')")
    terminal.send("%bg --quiet steps()")
    terminal.expect_exact("done  coroutine  steps()")
    terminal.send("%jobs -o 1")
    shown = terminal.sync()
    lines = [line.strip("\r") for line in shown.splitlines()]
    assert "progress 30%" in lines and "all done" in lines, shown
    assert not any(line.startswith("Out[") and "progress" in line for line in lines), shown
    assert "progress 10%" not in shown and "\rprogress" not in shown, shown
