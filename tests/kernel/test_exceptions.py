"""The exception table of tests/shell/test_exceptions.py in a real kernel:
whatever a job raises, the kernel lives, says so in the starting cell,
and answers the next cell (issue 19)."""

import pytest

from tests.harness.programs import (
    DASK_CLIENT,
    HAS_DASK,
    JOB_STARTS,
    RAISED_TEXT,
    RAISERS,
    raised_text,
)

NAMES = list(RAISED_TEXT)
STARTS = JOB_STARTS


@pytest.fixture
def kernel(kernel):
    """The tier's kernel, with programs.RAISERS defined and one process worker."""
    cell = kernel.execute(RAISERS + "\nmine = InThread()\n%config BackgroundJobs.process_workers = 1\n")
    assert cell.ok, cell.reply
    return kernel


def test_every_exception_from_every_kind_of_job_leaves_the_kernel_answering(kernel):
    if HAS_DASK:
        assert kernel.execute(DASK_CLIENT, timeout=60).ok
    assert kernel.execute("bystander = %bg asyncio.sleep(3600)").ok
    cells = {}
    for kind, start in STARTS.items():
        # One cell per kind, each job's notice goes to it.
        source = "\n".join(f"j_{kind}_{name} = {start.format(name=name)}" for name in NAMES)
        cell = kernel.execute(source)
        assert cell.ok, cell.reply
        cells[kind] = cell
    everything = ", ".join(f"j_{kind}_{name}" for kind in STARTS for name in NAMES)
    kernel.wait_for(lambda: kernel.value(f"all(j.done() for j in [{everything}])") == "True", timeout=60)
    crosses = kernel.value("two_args_cross()") == "True"
    for kind, cell in cells.items():
        kernel.wait_for(lambda: cell.stdout.count(" failed  ") >= len(NAMES), timeout=20)
        for name in NAMES:
            source = f"boom({name!r})" if kind != "coroutine" else f"aboom({name!r})"
            notice = f"failed  {kind}  {source}  {raised_text(name, kind, crosses)}"
            assert cell.stdout.count(notice) == 1, (notice, cell.stdout)
    table = kernel.execute("%jobs -a")
    assert table.ok, table.reply
    assert table.result.count(" failed ") == len(NAMES) * len(STARTS), table.result
    for kind in STARTS:
        for name in NAMES:
            shown = kernel.execute(f"shown = %jobs -t {kind_id(kernel, kind, name)}\nprint(shown)")
            assert shown.ok and "boom" in shown.stdout, shown.reply
            waited = kernel.execute(f"%fg {kind_id(kernel, kind, name)}")
            expected = raised_text(name, kind, crosses).split(":")[0]
            if name == "badstr":
                # ipykernel's reply takes str() of a cell's error: a stand-in's.
                assert waited.reply.get("evalue") == "BadStr: <exception str() failed>", waited.reply
                expected = "UnprintableError"
            assert waited.reply["status"] == "error" and waited.reply["ename"] == expected, (kind, name, waited.reply)
            assert kernel.value("6 * 7") == "42"
    assert kernel.value("bystander.done()") == "False"
    # No process slot was lost: a process job runs at once.
    assert kernel.execute("late = %bg --process pow(2, 5)").ok
    assert kernel.value("%fg --timeout 20 late") == "32"
    kernel.execute("%jobs -k all")
    if HAS_DASK:
        kernel.execute("client.close(); cluster.close()")


def kind_id(kernel, kind, name) -> str:
    return kernel.value(f"j_{kind}_{name}.id")


#: The user's own asyncio waits on a job (``waited``), in a cell.
WAITS = ["waited", "asyncio.gather(waited)", "asyncio.shield(waited)", "asyncio.wait_for(waited, 20)"]


@pytest.mark.parametrize("kind", ["coroutine", "thread"])
def test_a_cell_awaiting_a_job_gets_its_failure_and_a_reply(kernel, kind):
    """A cell awaiting a job that then fails (gather, shield, wait_for, a
    plain await) ends with its exception; a StopIteration or GeneratorExit
    as the RuntimeError they cause (else the cell would hang, or get no
    reply); SystemExit and KeyboardInterrupt end the cell only."""
    start = STARTS[kind].replace("boom({name!r})", "boom_when({name!r}, gate)")
    for name in ["stop", "genexit", "exit", "interrupt"]:
        expected = raised_text(name, kind).split(":")[0]
        for wait in WAITS:
            assert kernel.execute(f"import threading\ngate = threading.Event()\nwaited = {start.format(name=name)}").ok
            cell = kernel.execute(f"asyncio.get_running_loop().call_later(0.1, gate.set)\nawait {wait}", timeout=20)
            assert cell.reply["status"] == "error" and cell.reply["ename"] == expected, (name, wait, cell.reply)
            assert kernel.value("6 * 7") == "42"


def test_a_result_whose_repr_raises_is_listed(kernel):
    cell = kernel.execute("odd = %bg bad_result()")
    kernel.wait_for(lambda: "done  thread  bad_result()" in cell.stdout, timeout=20)
    table = kernel.execute("%jobs")
    assert table.ok and "<BadResult instance at" in table.result
