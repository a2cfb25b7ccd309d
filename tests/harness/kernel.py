"""Drive a real Jupyter kernel (ipykernel) through jupyter_client."""

from __future__ import annotations

import queue
import time

from jupyter_client.manager import start_new_kernel


class Kernel:
    """One kernel and one client.  Every iopub message is kept, so a test
    can ask later which cell a late output was sent to."""

    def __init__(self, timeout: float = 60, extra_arguments: list[str] | None = None):
        self.manager, self.client = start_new_kernel(
            kernel_name="python3", startup_timeout=timeout, extra_arguments=extra_arguments or []
        )
        self.messages: list[dict] = []
        self.replies: dict[str, dict] = {}  # shell replies by msg_id, for cells run side by side

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def _pump(self, timeout: float) -> dict | None:
        try:
            message = self.client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return None
        self.messages.append(message)
        return message

    def execute(self, code: str, timeout: float = 30) -> "Cell":
        """Run ``code`` and wait until the kernel is idle again."""
        return self.finish(self.start(code), timeout)

    def start(self, code: str, subshell_id: str | None = None) -> str:
        """Send ``code`` without waiting (to a subshell, if given); returns
        its msg_id."""
        if subshell_id is None:
            return self.client.execute(code)
        content = {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False}
        message = self.client.session.msg("execute_request", content)
        message["header"]["subshell_id"] = subshell_id
        self.client.shell_channel.send(message)
        return message["header"]["msg_id"]

    def finish(self, msg_id: str, timeout: float = 30) -> "Cell":
        while msg_id not in self.replies:
            reply = self.client.get_shell_msg(timeout=timeout)
            self.replies[reply["parent_header"].get("msg_id")] = reply
        self.wait_for(lambda: self._idle(msg_id), timeout)
        return Cell(self, msg_id, self.replies.pop(msg_id)["content"])

    def subshell(self) -> str:
        """A new subshell's id (ipykernel 7), through the control channel."""
        self.client.control_channel.send(self.client.session.msg("create_subshell_request", {}))
        reply = self.client.get_control_msg(timeout=10)
        return reply["content"]["subshell_id"]

    def _idle(self, msg_id: str) -> bool:
        return any(
            m["msg_type"] == "status"
            and m["parent_header"].get("msg_id") == msg_id
            and m["content"]["execution_state"] == "idle"
            for m in self.messages
        )

    def started(self, msg_id: str, text: str) -> None:
        """Wait until the cell ``msg_id`` has printed ``text``."""
        self.wait_for(
            lambda: any(
                m["msg_type"] == "stream" and m["parent_header"].get("msg_id") == msg_id and text in m["content"]["text"]
                for m in self.messages
            )
        )

    def wait_for(self, condition, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("condition not met; last messages: %r" % self.messages[-5:])
            self._pump(min(left, 0.5))

    def value(self, expression: str):
        """The ``text/plain`` repr of an expression, evaluated in the kernel."""
        cell = self.execute(expression)
        assert cell.ok, cell.reply
        return cell.result


class Cell:
    def __init__(self, kernel: Kernel, msg_id: str, reply: dict):
        self.kernel = kernel
        self.msg_id = msg_id
        self.reply = reply

    @property
    def ok(self) -> bool:
        return self.reply["status"] == "ok"

    def messages(self, msg_type: str | None = None) -> list[dict]:
        """Every iopub message sent to this cell so far (late ones included)."""
        return [
            m
            for m in self.kernel.messages
            if m["parent_header"].get("msg_id") == self.msg_id and (msg_type is None or m["msg_type"] == msg_type)
        ]

    @property
    def stdout(self) -> str:
        return "".join(m["content"]["text"] for m in self.messages("stream") if m["content"]["name"] == "stdout")

    @property
    def result(self):
        for m in self.messages("execute_result"):
            return m["content"]["data"]["text/plain"]
        return None

    def data(self, mime: str) -> list[str]:
        return [
            m["content"]["data"][mime]
            for m in self.messages()
            if m["msg_type"] in ("execute_result", "display_data", "update_display_data")
            and mime in m["content"]["data"]
        ]
