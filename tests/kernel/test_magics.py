"""%bg, %fg and %jobs in a real Jupyter kernel (ipykernel, jupyter_client)."""

import re
import time

import pytest

pytest.importorskip("ipykernel")
pytest.importorskip("jupyter_client")

from tests.harness.programs import DOUBLE_AND_FAIL, SPEAK_LATER  # noqa: E402
from tests.harness.kernel import Kernel  # noqa: E402
from tests.harness.programs import BUSY_AND_GUARDED  # noqa: E402

SETUP = "%load_ext ipython_bg\n" + DOUBLE_AND_FAIL + SPEAK_LATER + """
import asyncio, threading, time

async def ticker(count, pause=0.05):
    for i in range(count):
        await asyncio.sleep(pause)
        progress['ticks'] += 1
    return count

def nap_in_thread(seconds):
    time.sleep(seconds)
    return seconds

def speak_later_in_thread(text, delay):
    time.sleep(delay)
    print(text, flush=True)
"""


@pytest.fixture(scope="module")
def kernel():
    kernel = Kernel()
    cell = kernel.execute(SETUP + BUSY_AND_GUARDED)
    assert cell.ok, cell.reply
    yield kernel
    kernel.close()


def test_a_job_runs_while_the_kernel_is_idle(kernel):
    kernel.execute("progress['ticks'] = 0\n%bg ticker(10)")
    # No cell runs meanwhile; poll with fresh cells only to read the value.
    deadline = time.monotonic() + 20
    while kernel.value("progress['ticks']") != "10":
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_fg_forms(kernel):
    assert kernel.value("%fg double(21)") == "42"
    assert kernel.execute("x = %fg double(4, 0.1)").ok
    assert kernel.value("x") == "8"
    kernel.execute("%bg double(5, 0.2)")
    assert kernel.value("%fg") == "10"
    cell = kernel.execute("%%fg\ny = await double(3)\nprint('y is', y)")
    assert cell.ok and cell.stdout == "y is 6\n"
    failed = kernel.execute("%fg fail('bad header')")
    assert failed.reply["ename"] == "ValueError" and failed.reply["evalue"] == "bad header"


def _traceback(cell) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(cell.reply["traceback"]))


def test_a_failed_fg_shows_the_traceback_a_failed_await_would(kernel):
    plain = _traceback(kernel.execute("await fail('same')"))
    for code in ("%fg fail('same')", "x = %fg fail('same')", "%%fg\nawait fail('same')"):
        shown = _traceback(kernel.execute(code))
        for ours in ("ipython_bg", "__import__", "skipping hidden", "foreground"):
            assert ours not in shown, (code, shown)
        assert "----> 1 " + code.splitlines()[0] in shown
        # From the user's function on, the very same lines.
        assert shown[shown.index("in fail(") :] == plain[plain.index("in fail(") :]


@pytest.mark.parametrize(
    "mode, said",
    [
        ("False", "await cells are off in this kernel (%autoawait off)"),
        ("trio", "await cells run with trio in this kernel (%autoawait trio), not on its asyncio loop"),
    ],
)
def test_fg_without_asyncio_autoawait_says_what_is_true_for_the_mode(kernel, mode, said):
    # `await` would not help here: the advice is the one that works.
    kernel.execute(f"%autoawait {mode}")
    try:
        cell = kernel.execute("%fg double(1)")
        assert cell.reply["ename"] == "UsageError"
        assert cell.reply["evalue"] == f"%fg: {said}, so %fg cannot wait for jobs here; `%autoawait asyncio` lets it (jobs still start with %bg)"
    finally:
        kernel.execute("%autoawait asyncio")
    assert kernel.value("%fg double(1)") == "2"


def test_interrupt_cancels_only_the_foreground_job(kernel):
    kernel.execute("b = %bg busy()")
    latencies = []
    for attempt in range(3):
        before = int(kernel.value("progress['busy']"))
        msg_id = kernel.start(f"%fg guarded('fg{attempt}')")
        kernel.wait_for(
            lambda: any(
                m["msg_type"] == "stream" and f"fg{attempt}-start" in m["content"]["text"] for m in kernel.messages
            )
        )
        sent = time.monotonic()
        kernel.manager.interrupt_kernel()
        cell = kernel.finish(msg_id)
        latencies.append(time.monotonic() - sent)
        assert f"fg{attempt}-finally" in cell.stdout
        assert cell.reply["ename"] == "KeyboardInterrupt" and "KeyboardInterrupt" not in cell.stdout
        assert kernel.value("b.done()") == "False"
        time.sleep(0.1)
        assert int(kernel.value("progress['busy']")) > before
    print("interrupt to reply, seconds:", [round(latency, 3) for latency in latencies])
    # The design asks for 0.5 s; a generous bound keeps a loaded machine green.
    assert sorted(latencies)[1] < 1.5
    kernel.execute("%jobs -k %busy")


def test_interrupted_fg_of_a_thread_call_leaves_it_in_the_table(kernel):
    msg_id = kernel.start("print('go', flush=True)\n%fg nap_in_thread(1.5)")
    kernel.started(msg_id, "go")
    time.sleep(0.3)
    kernel.manager.interrupt_kernel()
    cell = kernel.finish(msg_id)
    assert cell.reply["ename"] == "KeyboardInterrupt", cell.reply
    assert re.search(r"running\s+thread\s+\S+\s+nap_in_thread\(1\.5\)", kernel.value("%jobs"))
    # Its end is reported like any background job's.
    kernel.wait_for(lambda: "done  thread  nap_in_thread(1.5)" in cell.stdout, timeout=10)


def test_late_output_lands_in_the_cell_that_started_the_job(kernel):
    coro_cell = kernel.execute("%bg speak_later('from a coroutine', 0.5)")
    thread_cell = kernel.execute("%bg speak_later_in_thread('from a thread', 0.5)")
    other = kernel.execute("time.sleep(0.1)\nawait asyncio.sleep(1.2)\nprint('the other cell')")
    assert other.stdout == "the other cell\n"
    kernel.wait_for(lambda: "from a thread" in thread_cell.stdout and "from a coroutine" in coro_cell.stdout)
    assert "from a" not in other.stdout
    # The notices go to the starting cells too.
    kernel.wait_for(lambda: "done  thread  speak_later_in_thread" in thread_cell.stdout)
    assert "done  coroutine  speak_later" in coro_cell.stdout


def test_failure_notice_goes_to_the_starting_cell(kernel):
    cell = kernel.execute("%bg fail('bad header', 0.3)")
    kernel.execute("await asyncio.sleep(0.5)")
    kernel.wait_for(lambda: "failed" in cell.stdout)
    assert "failed  coroutine  fail('bad header', 0.3)  ValueError: bad header" in cell.stdout
    # The kernel compiles cells under temporary file names; shown as IPython shows them.
    long, traceback = kernel.execute("%jobs -l").result, kernel.execute("%jobs -t %+").result
    assert "started in Cell In[" in long
    raises_at = SETUP.splitlines().index("    raise ValueError(message)") + 1  # SETUP is cell 1
    for shown in (long, traceback):
        assert f"Cell In[1], line {raises_at}, in fail" in shown and "ipykernel_" not in shown, shown


def test_jobs_table_and_job_render_as_html(kernel):
    cell = kernel.execute("%bg double(7)")
    assert "<span" in cell.data("text/html")[0] and "double(7)" in cell.data("text/html")[0]
    kernel.execute("await asyncio.sleep(0.05)")
    table = kernel.execute("%jobs")
    html = table.data("text/html")[0]
    assert html.startswith('<div class="ipython-bg"><style>') and '<table class="ipython-bg-jobs">' in html
    assert "double(7)" in html
    assert "double(7)" in table.result


def test_a_job_shown_as_a_result_updates_when_it_ends(kernel):
    cell = kernel.execute("%bg double(3, 0.3)")
    shown = cell.messages("display_data")
    running, done = ('<b class="ipython-bg-s-%s">' % state for state in ("running", "done"))
    assert len(shown) == 1 and running in shown[0]["content"]["data"]["text/html"]
    assert cell.result is None and kernel.value("Out[%d] is not None" % cell.reply["execution_count"]) == "True"
    display_id = shown[0]["content"]["transient"]["display_id"]
    # A front end updates every output with that display id, whichever cell
    # the update names (ipykernel 6 names the cell running when it is sent).
    def updates():
        return [
            message for message in kernel.messages
            if message["msg_type"] == "update_display_data"
            and message["content"]["transient"]["display_id"] == display_id
        ]

    kernel.wait_for(updates)
    (update,) = updates()
    assert done in update["content"]["data"]["text/html"] and running not in update["content"]["data"]["text/html"]


def test_kill_says_one_line_and_the_same_cell_sees_it_cancelled(kernel):
    kernel.execute("%jobs -c")
    # The thread's call has started (a pending one is really stopped, with no caveat).
    kernel.execute("k1 = %bg asyncio.sleep(30)\nk2 = %bg nap_in_thread(0.5)\ntime.sleep(0.2)")
    cell = kernel.execute("%jobs -k %+ %-\n%jobs")
    assert cell.ok, cell.reply
    lines = [line for line in cell.stdout.splitlines() if line]
    (said,) = [line for line in lines if line.startswith("cancelled")]
    assert re.fullmatch(r"cancelled 2 jobs: \[\d+\] nap_in_thread\(0\.5\), \[\d+\] asyncio\.sleep\(30\)", said), said
    assert len([line for line in lines if "cannot stop its thread" in line]) == 1
    assert not [m for m in cell.messages("stream") if m["content"]["name"] == "stderr"]
    table = cell.result
    assert table.count("cancelled") == 2 and "running" not in table, table
    assert len(cell.messages("execute_result")) == 1  # only the table: -k returns nothing
    # The thread caveat is said once per session, not at every kill.
    again = kernel.execute("k3 = %bg nap_in_thread(0.3)\n%jobs -k %+")
    assert "cannot stop" not in again.stdout and not again.messages("error")


def test_jobs_watch_updates_in_place(kernel):
    kernel.execute("%jobs -c")
    kernel.execute("w1 = %bg double(1, 0.3)\nw2 = %bg double(2, 0.6)")
    cell = kernel.execute("%jobs -w")
    kernel.wait_for(lambda: any("done" in html and html.count("done") >= 2 for html in cell.data("text/html")), 10)
    updates = cell.messages("update_display_data")
    assert updates, "the table was never updated"
    assert "running" in cell.messages("display_data")[0]["content"]["data"]["text/html"]


def test_unload_removes_the_rewrite(kernel):
    kernel.execute("%unload_ext ipython_bg")
    try:
        cell = kernel.execute("%fg double(1)")
        assert cell.reply["ename"] == "UsageError"  # no such magic any more
    finally:
        kernel.execute("%load_ext ipython_bg")
    assert kernel.value("%fg double(2)") == "4"


def test_process_and_dask_jobs_in_a_kernel(kernel):
    pytest.importorskip("distributed")
    kernel.execute(
        "import os\n"
        "def whose(x):\n"
        "    return os.getpid(), x * 2\n"
        "from distributed import Client, LocalCluster\n"
        "cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)\n"
        "client = Client(cluster)\n"
    )
    try:
        kernel.execute("%jobs -c")
        cell = kernel.execute("p = %bg --process whose(21)\nd = %bg --executor client whose(4)")
        assert cell.ok, cell.reply
        assert kernel.value("(p.kind.value, d.kind.value)") == "('process', 'dask')"
        assert kernel.value("r = %fg %whose(21)\nr[0] != os.getpid(), r[1]") == "(True, 42)"
        assert kernel.value("%fg %?(4)") .endswith(", 8)")
    finally:
        kernel.execute("client.close(); cluster.close()")


def test_input_in_a_background_job_fails_at_once(kernel):
    started = time.monotonic()
    cell = kernel.execute("%bg input('name? ')")
    kernel.wait_for(lambda: "failed" in cell.stdout, timeout=10)
    assert "failed  thread  input('name? ')  RuntimeError:" in cell.stdout
    assert "a kernel cannot give it" in cell.stdout
    assert time.monotonic() - started < 10
    assert kernel.value("1 + 1") == "2"


def test_input_in_a_job_between_cells_fails_with_a_hint(kernel):
    cell = kernel.execute("def ask_later():\n    time.sleep(0.3)\n    return input('name? ')\n%bg ask_later()")
    kernel.wait_for(lambda: "failed" in cell.stdout, timeout=10)
    assert "EOFError" in cell.stdout and "a kernel has no terminal for a background job" in cell.stdout


def test_a_task_made_with_create_task_in_a_cell_fails_with_a_notice_in_that_cell(kernel):
    cell = kernel.execute("plain = asyncio.create_task(fail('from a plain task', 0.2))")
    assert cell.ok, cell.reply
    kernel.wait_for(lambda: "ValueError: from a plain task" in cell.stdout, 10)
    assert "failed  coroutine  plain = asyncio.create_task(fail(" in cell.stdout
    assert "plain = asyncio.create_task" in kernel.value("%jobs")
    # A library's task, made from a cell, stays a plain task.
    assert kernel.value("type(asyncio.ensure_future(asyncio.sleep(0))).__name__") == "'Task'"


def test_verbs_in_a_kernel(kernel):
    kernel.execute("%config BackgroundJobs.retry_delay = 0.01\nattempts = []")
    kernel.execute("def flaky():\n    attempts.append(1)\n    if len(attempts) < 3:\n        raise OSError('flaky')\n    return 'third'")
    cell = kernel.execute("%bg --retries 3 flaky()")
    kernel.wait_for(lambda: "(after 3 attempts)" in cell.stdout, 10)
    periodic = kernel.execute("runs = []\ndef tick():\n    runs.append(1)\n    return len(runs)\n%bg --every 0.05 tick")
    assert periodic.ok, periodic.reply
    kernel.execute("first = %fg %tick")
    kernel.execute("second = %fg %tick")
    assert kernel.value("second > first >= 1") == "True"
    assert kernel.execute("%jobs -k %tick").stdout.splitlines()[-1].startswith("cancelled [")


def test_many_jobs_ending_together_are_one_summary_line_in_their_cell(kernel):
    cell = kernel.execute("gate = asyncio.Event()\nfor n in range(300):\n    %bg gate.wait()")
    assert cell.ok, cell.reply
    kernel.execute("gate.set()")  # all 300 end in one loop iteration: one report
    kernel.wait_for(lambda: "300 jobs ended: 300 done; %jobs lists them" in cell.stdout, 15)
    assert len(cell.stdout.splitlines()) == 1, cell.stdout
    # One job alone still gets its own line, in its cell.
    single = kernel.execute("%bg asyncio.sleep(0.05)")
    kernel.wait_for(lambda: "done  coroutine  asyncio.sleep(0.05)" in single.stdout, 10)
