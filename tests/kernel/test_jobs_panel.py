"""The Jobs panel's kernel side in a real kernel, through jupyter_client:
what a page of the panel sends and receives on its comm
(docs/panel-protocol.rst), and that a kernel nobody opened the comm to
says nothing new."""

from __future__ import annotations

import uuid

import pytest

from tests.harness.kernel import Kernel

pytest.importorskip("ipykernel")

TARGET = "ipython_bg.panel"


class Page:
    """What a page of the panel does with one kernel: open the comm, send
    requests, read what comes back on its comm."""

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.comm_id = uuid.uuid4().hex

    def open(self, data=None) -> None:
        content = {"comm_id": self.comm_id, "target_name": TARGET, "data": {"protocol": 1} if data is None else data}
        self.kernel.client.shell_channel.send(self.kernel.client.session.msg("comm_open", content))

    def send(self, data) -> None:
        content = {"comm_id": self.comm_id, "data": data}
        self.kernel.client.shell_channel.send(self.kernel.client.session.msg("comm_msg", content))

    def received(self, kind: str | None = None) -> list[dict]:
        """What came on this page's comm, and the updates of the panel's
        target that came on any comm (the kernel sends each once)."""
        return [
            m["content"]["data"]
            for m in self.kernel.messages
            if m["msg_type"] == "comm_msg"
            and (m["content"]["comm_id"] == self.comm_id or m["content"]["data"].get("target") == TARGET)
            and (kind is None or m["content"]["data"].get("type") == kind)
        ]

    def closed(self) -> dict | None:
        for m in self.kernel.messages:
            if m["msg_type"] == "comm_close" and m["content"]["comm_id"] == self.comm_id:
                return m["content"]["data"]
        return None

    def wait(self, condition, timeout: float = 20):
        self.kernel.wait_for(condition, timeout)

    def wait_for(self, kind: str, count: int = 1) -> dict:
        self.wait(lambda: len(self.received(kind)) >= count)
        return self.received(kind)[count - 1]

    def record(self, job_id: int, state: str) -> dict:
        """The job's record as last received, once it says ``state``."""

        def latest():
            found = None
            for data in self.received():
                for record in data.get("jobs", []):
                    if record["id"] == job_id:
                        found = record
            return found

        self.wait(lambda: (latest() or {}).get("state") == state)
        return latest()


def run_in_cell(kernel: Kernel, code: str, cell_id: str):
    """Run ``code`` as JupyterLab does, with the cell's id in the request's metadata."""
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False}
    message = kernel.client.session.msg("execute_request", content, metadata={"cellId": cell_id})
    kernel.client.shell_channel.send(message)
    return kernel.finish(message["header"]["msg_id"])


@pytest.fixture
def kernel():
    kernel = Kernel()
    yield kernel
    kernel.close()


@pytest.fixture
def loaded(kernel):
    assert kernel.execute("%load_ext ipython_bg\nimport asyncio, time\nimport ipython_bg").ok
    return kernel


def comm_messages(kernel: Kernel) -> list[dict]:
    return [m for m in kernel.messages if m["msg_type"].startswith("comm_")]


def test_without_the_extension_the_kernel_refuses_the_comm(kernel):
    page = Page(kernel)
    page.open()
    page.wait(lambda: page.closed() is not None)
    assert page.received() == []
    assert kernel.execute("%load_ext ipython_bg").ok
    page.open()  # the same page, once the extension is loaded
    assert page.wait_for("snapshot")["jobs"] == []


def test_a_kernel_no_page_listens_to_says_nothing_new(loaded):
    cell = loaded.execute("j = %bg asyncio.sleep(0.2)\nawait j\nipython_bg.progress(1, 2)\n%jobs -c")
    assert cell.ok
    assert loaded.execute("%unload_ext ipython_bg").ok
    assert comm_messages(loaded) == []


def test_a_page_sees_jobs_start_and_end_with_their_cell(loaded):
    page = Page(loaded)
    page.open()
    assert page.wait_for("snapshot") == {"type": "snapshot", "protocol": 1, "jobs": []}
    run_in_cell(loaded, "j = %bg asyncio.sleep(0.3)", "cell-a")
    running = page.record(1, "running")
    assert running["cell_id"] == "cell-a" and running["kind"] == "coroutine"
    assert running["source"] == "asyncio.sleep(0.3)" and running["origin"].startswith("Cell In[")
    done = page.record(1, "done")
    assert done["elapsed"] >= 0.3 and done["long"] is False and done["waited"] is False
    run_in_cell(loaded, "%bg int('x')", "cell-b")
    failed = page.record(2, "failed")
    assert failed["summary"] == "ValueError: invalid literal for int() with base 10: 'x'"
    assert failed["cell_id"] == "cell-b"
    # A page opened now gets both as they are.
    late = Page(loaded)
    late.open()
    assert [(r["id"], r["state"]) for r in late.wait_for("snapshot")["jobs"]] == [(1, "done"), (2, "failed")]


def test_each_update_is_sent_once_however_many_pages_listen(loaded):
    pages = [Page(loaded) for _ in range(3)]
    for page in pages:
        page.open()
        page.wait_for("snapshot")
    assert loaded.execute("j = %bg asyncio.sleep(0.1)").ok
    pages[0].record(1, "done")
    updates = [m for m in loaded.messages if m["msg_type"] == "comm_msg" and m["content"]["data"]["type"] == "update"]
    assert 1 <= len(updates) <= 2  # it started, it ended (or both at once, on a slow machine)
    assert {m["content"]["comm_id"] for m in updates} == {pages[-1].comm_id}


def test_two_thousand_jobs_ending_together_are_one_update(loaded):
    page = Page(loaded)
    page.open()
    page.wait_for("snapshot")
    assert loaded.execute("%config BackgroundJobs.history = 5000").ok
    start = "gate = asyncio.Event()\nfor _ in range(2000):\n    get_ipython().run_line_magic('bg', 'gate.wait()')"
    assert loaded.execute(start).ok
    page.wait(lambda: sum(len(u["jobs"]) for u in page.received("update")) >= 2000)
    before = len(page.received("update"))
    assert loaded.execute("gate.set()").ok
    page.wait(lambda: len(page.received("update")) > before)
    ends = page.received("update")[before:]
    assert len(ends) == 1
    assert len(ends[0]["jobs"]) == 2000 and {r["state"] for r in ends[0]["jobs"]} == {"done"}


def test_the_page_cancels_forgets_and_reads_output(loaded):
    page = Page(loaded)
    page.open()
    page.wait_for("snapshot")
    code = (
        "from IPython.display import display\n"
        "async def talk():\n"
        "    print('hello from the job')\n"
        "    display({'text/plain': 'a picture', 'image/png': 'iVBORw0KGgo='}, raw=True)\n"
        "    await asyncio.sleep(600)\n"
        "j = %bg talk()"
    )
    cell = run_in_cell(loaded, code, "cell-talk")
    page.record(1, "running")
    page.wait(lambda: "hello from the job" in cell.stdout)
    page.send({"type": "output", "id": 1, "request": "r1"})
    output = page.wait_for("output")
    assert output["request"] == "r1" and output["id"] == 1 and output["dropped"] == 0
    assert output["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "hello from the job\n"},
        {"output_type": "display_data", "data": {"text/plain": "a picture", "image/png": "iVBORw0KGgo="},
         "metadata": {}},
    ]  # fmt: skip
    page.send({"type": "cancel", "ids": [1]})
    assert page.record(1, "cancelled")["cell_id"] == "cell-talk"
    page.wait(lambda: "cancelled" in cell.stdout)  # the notice, in the job's cell
    page.send({"type": "forget"})
    page.wait(lambda: any(u["removed"] == [1] for u in page.received("update")))
    page.send({"type": "output", "id": 1, "request": "r2"})
    assert "job 1 has ended and was forgotten" in page.wait_for("error")["message"]


def test_cancel_all_and_forget_from_a_cell(loaded):
    page = Page(loaded)
    page.open()
    page.wait_for("snapshot")
    assert loaded.execute("a = %bg asyncio.sleep(600)\nb = %bg asyncio.sleep(600)").ok
    page.record(2, "running")
    page.send({"type": "cancel", "all": True})
    page.record(1, "cancelled")
    page.record(2, "cancelled")
    assert loaded.execute("%jobs -c").ok  # forgotten in a cell: the page hears of it too
    page.wait(lambda: any(u["removed"] == [1, 2] for u in page.received("update")))


def test_progress_is_pushed(loaded):
    page = Page(loaded)
    page.open()
    page.wait_for("snapshot")
    code = "def work():\n    time.sleep(0.5)\n    ipython_bg.progress(3, 4, 'files')\n    time.sleep(600)\nj = %bg work()"
    assert loaded.execute(code).ok
    page.record(1, "running")  # sent before it reports progress, which then comes by itself
    page.wait(lambda: any((r.get("progress") or {}).get("fraction") == 0.75 for u in page.received("update")
                          for r in u["jobs"]))  # fmt: skip
    record = page.received("update")[-1]["jobs"][-1]
    assert record["progress"] == {"fraction": 0.75, "text": "3/4 files"} and record["kind"] == "thread"


def test_a_thread_job_waiting_for_a_worker_is_pushed_when_one_takes_it(loaded):
    page = Page(loaded)
    page.open()
    page.wait_for("snapshot")
    code = "%config BackgroundJobs.worker_threads = 1\nfirst = %bg time.sleep(1)\nsecond = %bg time.sleep(600)"
    assert loaded.execute(code).ok
    assert page.record(2, "pending")["kind"] == "thread"
    page.record(1, "done")
    # Nothing else happens to the second job: only its start can tell the page.
    assert page.record(2, "running")["elapsed"] < 600


@pytest.mark.parametrize(
    "data, said",
    [
        ("cancel everything", "a message must be an object"),
        ({"type": "reboot"}, "unknown message type 'reboot'"),
        ({"type": "cancel", "ids": ["1"]}, "job ids must be a list of integers"),
        ({"type": "output", "id": None, "request": "r"}, "job ids must be a list of integers"),
        ({"type": "output", "id": 1, "request": 7}, "'request' must be a string"),
        ({"type": "cancel", "ids": [41]}, "no such jobs: [41]"),
    ],
)
def test_a_message_not_understood_is_answered_and_harms_nothing(loaded, data, said):
    page = Page(loaded)
    page.open()
    page.wait_for("snapshot")
    page.send(data)
    assert said in page.wait_for("error")["message"]
    # The comm and the kernel go on.
    page.send({"type": "snapshot"})
    page.wait_for("snapshot", 2)
    assert loaded.value("1 + 1") == "2"


def test_unloading_closes_the_pages_comms(loaded):
    page = Page(loaded)
    page.open()
    page.wait_for("snapshot")
    assert loaded.execute("%unload_ext ipython_bg").ok
    page.wait(lambda: page.closed() is not None)
    assert page.closed() == {"reason": "unloaded"}
    again = Page(loaded)
    again.open()
    again.wait(lambda: again.closed() is not None)  # refused, as without the extension
    assert again.received() == []
