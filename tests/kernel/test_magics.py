"""%bg, %fg and %jobs in a real Jupyter kernel (ipykernel, jupyter_client)."""

import re
import time

import pytest


@pytest.mark.smoke
def test_a_job_runs_while_the_kernel_is_idle(kernel):
    kernel.execute("progress['ticks'] = 0\n%bg ticker(10)")
    # No cell runs meanwhile; poll with fresh cells only to read the value.
    deadline = time.monotonic() + 20
    while kernel.value("progress['ticks']") != "10":
        assert time.monotonic() < deadline
        time.sleep(0.2)


@pytest.mark.smoke
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
    cell = kernel.execute("%bg input('name? ')")
    kernel.wait_for(lambda: "failed" in cell.stdout, timeout=10)
    assert "failed  thread  input('name? ')  RuntimeError:" in cell.stdout
    assert "a kernel cannot give it" in cell.stdout
    assert kernel.value("1 + 1") == "2"


def test_input_in_a_job_between_cells_fails_with_a_hint(kernel):
    cell = kernel.execute("def ask_later():\n    time.sleep(0.3)\n    return input('name? ')\n%bg ask_later()")
    kernel.wait_for(lambda: "failed" in cell.stdout, timeout=10)
    assert "EOFError" in cell.stdout and "a kernel has no terminal for a background job" in cell.stdout


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
