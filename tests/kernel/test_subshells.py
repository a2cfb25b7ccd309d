"""ipykernel 7 subshells (JupyterLab's "New Subshell Console"): the job
table can be read and acted on from a subshell while the main shell runs a
long cell."""

import pytest

ipykernel = pytest.importorskip("ipykernel")
if int(ipykernel.__version__.split(".")[0]) < 7:
    pytest.skip("subshells are new in ipykernel 7", allow_module_level=True)


def in_subshell(kernel, subshell, code):
    cell = kernel.finish(kernel.start(code, subshell_id=subshell))
    assert cell.ok, cell.reply
    errors = [m for m in cell.messages() if m["msg_type"] == "error"] + [
        m for m in cell.messages("stream") if "Error in callback" in m["content"]["text"]
    ]
    assert not errors, errors  # the end of a cell in a subshell's thread is quiet
    return cell


def test_jobs_and_cancel_from_a_subshell_while_the_main_shell_is_busy(kernel, tmp_path):
    subshell = kernel.subshell()
    kernel.execute("%bg asyncio.sleep(60)")
    # The main shell's cell runs until the test lets it end, after the
    # subshell has answered: a subshell that waited for it would time out.
    gate = tmp_path / "main may end"
    busy = kernel.start(
        f"import os\nprint('main busy', flush=True)\nwhile not os.path.exists({str(gate)!r}):\n    time.sleep(0.02)\n"
        "print('main done')"
    )
    kernel.started(busy, "main busy")
    assert "running" in in_subshell(kernel, subshell, "%jobs").result
    cancelled = in_subshell(kernel, subshell, "%jobs -k 1")
    assert "cancelled [1] asyncio.sleep(60)" in cancelled.stdout
    assert "cancelled" in in_subshell(kernel, subshell, "%jobs").result
    gate.touch()
    main = kernel.finish(busy)
    assert "main done" in main.stdout
    # The loop's own thread cancelled it once the main shell's cell let it run.
    probe = "__import__('ipython_bg.api', fromlist=['x']).current_control().table[1].cancelled()"
    kernel.wait_for(lambda: kernel.value(probe) == "True", timeout=10)
