"""Each job keeps its output (stdout, stderr, bounded), %jobs -o and -l show
it, --quiet keeps it unseen: against a real InteractiveShell."""

import subprocess
import sys

from tests.harness.cells import run

PRINTERS = """
import logging, warnings
import ipython_bg
async def coro_prints(word, n, pause=0.01):
    for i in range(n):
        print(word, i)
        await asyncio.sleep(pause)
    return n
def thread_prints(word, n, pause=0.01):
    for i in range(n):
        print(word, i)
        time.sleep(pause)
    return n
def to_stderr():
    print('to stderr', file=sys.stderr)
    logging.getLogger('jobtest').addHandler(logging.StreamHandler())
    logging.getLogger('jobtest').warning('a log line')
    return 1
"""


def test_concurrent_jobs_keep_their_own_output(shell, capsys):
    run(shell, "import sys" + PRINTERS)
    run(shell, "a = %bg coro_prints('alpha', 5)\nb = %bg coro_prints('beta', 5)")
    run(shell, "c = %bg thread_prints('gamma', 5)\nd = %bg thread_prints('delta', 5)")
    run(shell, "%fg a b c d")
    texts = {name: shell.user_ns[name].output.text() for name in "abcd"}
    for name, word in zip("abcd", ("alpha", "beta", "gamma", "delta")):
        assert texts[name] == "".join(f"{word} {i}\n" for i in range(5))
    # Shown too, as before: the capture only keeps a copy.
    assert "alpha 4" in capsys.readouterr().out


def test_stderr_logging_and_warnings_are_kept(shell):
    run(shell, "import sys" + PRINTERS)
    run(shell, "e = %bg to_stderr()\n%fg e")
    text = shell.user_ns["e"].output.text()
    assert text == "to stderr\na log line\n"


def test_warnings_are_kept():
    # In a process of its own: pytest records warnings rather than writing them.
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell()\n"
        "shell.run_line_magic('load_ext', 'ipython_bg')\n"
        "shell.run_cell('import warnings\\ndef w():\\n    warnings.warn(\"a warning\")\\nj = %bg w()\\n%fg j')\n"
        "print('kept:', 'a warning' in shell.user_ns['j'].output.text())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "kept: True" in done.stdout, done.stdout + done.stderr


def test_the_kept_output_is_bounded_and_says_how_much_was_dropped(shell, capsys):
    run(shell, "%config BackgroundJobs.output_limit = 1000")
    run(shell, "%config BackgroundJobs.quiet = True")
    # 10 MB, in writes of every size.
    run(shell, "def flood():\n    for i in range(100_000):\n        print('x' * 99)\n    print('y' * 100_000)\n    print('the end')")
    run(shell, "f = %bg flood()\n%fg f")
    output = shell.user_ns["f"].output
    assert output.size <= 1000 and len(output.text()) <= 1000
    assert output.text().endswith("the end\n")
    assert output.dropped == 100 * 100_000 + 100_001 + 8 - len(output.text())
    replay = run(shell, f"%jobs -o {shell.user_ns['f'].id}")
    assert f"{output.dropped} earlier characters of output dropped" in repr(replay)
    assert "x" * 99 not in capsys.readouterr().out  # quiet: never shown


def test_jobs_o_shows_each_job_under_its_header_and_l_the_last_lines(shell):
    run(shell, "import sys" + PRINTERS)
    run(shell, "a = %bg coro_prints('alpha', 5, 0)\nb = %bg thread_prints('beta', 2, 0)\n%fg a b")
    ids = [shell.user_ns[name].id for name in "ab"]
    one = repr(run(shell, f"%jobs -o {ids[0]}"))
    assert one == "\n".join([f"[{ids[0]}] coro_prints('alpha', 5, 0)", *(f"alpha {i}" for i in range(5))])
    both = repr(run(shell, f"%jobs -o {ids[0]} {ids[1]}"))
    assert both.splitlines()[0] == f"[{ids[0]}] coro_prints('alpha', 5, 0)"
    assert f"[{ids[1]}] thread_prints('beta', 2, 0)\nbeta 0\nbeta 1" in both
    long = repr(run(shell, "%jobs -l"))
    assert "alpha 2\n      alpha 3\n      alpha 4" in long and "alpha 1" not in long


def test_jobs_o_without_a_spec_shows_the_current_job(shell):
    assert "no current job" in str(shell.run_cell("%jobs -o").error_in_exec)
    run(shell, "import sys" + PRINTERS)
    run(shell, "a = %bg coro_prints('alpha', 2, 0)\nb = %bg coro_prints('beta', 2, 0)\n%fg a b")
    assert repr(run(shell, "%jobs -o")) == "[2] coro_prints('beta', 2, 0)\nbeta 0\nbeta 1"


def test_jobs_o_of_a_job_that_printed_nothing_says_so(shell):
    run(shell, "s = %bg asyncio.sleep(0)\n%fg s")
    assert "wrote nothing" in repr(run(shell, "%jobs -o %asyncio.sleep"))


def test_jobs_o_of_no_such_job_is_a_usage_error(shell):
    result = shell.run_cell("%jobs -o 99")
    assert type(result.error_in_exec).__name__ == "UsageError" and "no job 99" in str(result.error_in_exec)


def test_quiet_job_keeps_its_output_unseen_but_the_notice_shows(shell, capsys):
    run(shell, "import sys" + PRINTERS)
    run(shell, "q = %bg --quiet thread_prints('hush', 3, 0)")
    run(shell, "%fg q")
    run(shell, "loud = %bg thread_prints('aloud', 1, 0)")
    run(shell, "await asyncio.sleep(0.2)")
    out = capsys.readouterr().out
    assert "hush" not in out and "aloud 0" in out
    assert "hush 2" in repr(run(shell, f"%jobs -o {shell.user_ns['q'].id}"))


def test_a_quiet_job_still_has_its_notice(shell, capsys):
    run(shell, "import sys" + PRINTERS)
    run(shell, "%bg --quiet coro_prints('hush', 2, 0)")
    run(shell, "await asyncio.sleep(0.1)")
    out = capsys.readouterr().out
    assert "hush" not in out.replace("coro_prints('hush'", "") and "done  coroutine  coro_prints('hush', 2, 0)" in out


def test_process_job_output_and_progress_come_back(shell, capsys):
    run(shell, "import ipython_bg\ndef child():\n    print('from the child')\n    ipython_bg.progress(3, 4)\n    return 7")
    run(shell, "p = %bg --process child()\n%fg p")
    job = shell.user_ns["p"]
    assert job.output.text() == "from the child\n"
    assert job.output.progress == (3, 4, "")
    assert "from the child" in capsys.readouterr().out


def test_jobs_from_the_same_cell_run_twice_say_where_each_started(shell):
    cell = "w = %bg asyncio.sleep(0)\n%fg w"
    first = shell.run_cell(cell, store_history=True).execution_count
    second = shell.run_cell(cell, store_history=True).execution_count
    text = repr(run(shell, "%jobs"))
    assert f"Cell In[{first}] asyncio.sleep(0)" in text and f"Cell In[{second}] asyncio.sleep(0)" in text
