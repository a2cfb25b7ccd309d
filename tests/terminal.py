"""Drive a real terminal IPython through a pty (pexpect)."""

from __future__ import annotations

import itertools
import os
import sys
import textwrap

import pexpect

from programs import BUSY_AND_GUARDED

#: Definitions every terminal test can use, loaded by IPython at startup.
STARTUP = BUSY_AND_GUARDED + textwrap.dedent(
    """
    import asyncio, time

    async def handle_tcp_echo(reader, writer):
        data = await reader.read(100)
        writer.write(data)
        await writer.drain()
        writer.close()

    async def tcp_echo_client(message, port):
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        writer.write(message.encode())
        data = await reader.read(100)
        writer.close()
        return data.decode()

    async def ticker(count, pause=0.05):
        for i in range(count):
            await asyncio.sleep(pause)
            print('tick', i)
        return count

    async def fail(message):
        await asyncio.sleep(0.05)
        raise ValueError(message)

    async def fail_on_cancel(label):
        print(label + '-start')
        try:
            await asyncio.sleep(3600)
        finally:
            raise ValueError(label + ' failed while cancelled')

    async def slow_to_clean(label):
        print(label + '-start')
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.sleep(60)  # a finally block that will not finish

    def burn(seconds):
        started = time.time()
        while time.time() - started < seconds:
            pass
        return 'burnt'

    async def hog(pause, seconds=60):
        # Computes without awaiting: freezes a prompt that runs in the loop.
        await asyncio.sleep(pause)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pass
        return 'hog finished'
    """
)


class Terminal:
    """A terminal ``ipython`` in a pty.  Synchronise on printed sentinels,
    not on prompts: background output redraws the prompt."""

    def __init__(self, tmp_path, *, term="dumb", load=True, args=(), timeout=30):
        ipython_dir = tmp_path / "ipython"
        startup = ipython_dir / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-definitions.py").write_text(STARTUP)
        env = dict(os.environ)
        env.pop("IPY_TEST_SIMPLE_PROMPT", None)
        env.update(TERM=term, PROMPT_TOOLKIT_NO_CPR="1", IPYTHONDIR=str(ipython_dir), PYTHONWARNINGS="default")
        argv = [
            "-m", "IPython",
            "--HistoryManager.hist_file=:memory:",
            "--colors=NoColor",
            "--no-banner",
            "--no-confirm-exit",
            *(["--ext", "ipython_bg"] if load else []),
            *args,
        ]
        self.timeout = timeout
        self.child = pexpect.spawn(
            sys.executable, argv, env=env, cwd=str(tmp_path), encoding="utf-8",
            timeout=timeout, dimensions=(50, 200), codec_errors="replace",
        )
        self.transcript: list[str] = []
        self._count = itertools.count(1)
        self.expect_exact("In [1]")

    def send(self, line: str) -> None:
        self.child.sendline(line)

    def sync(self) -> str:
        """Wait until everything typed so far has run; return the output since."""
        number = next(self._count)
        self.send(f'print("<sync-%d>" % {number})')
        return self.expect_exact(f"<sync-{number}>")

    def run(self, line: str) -> str:
        self.send(line)
        return self.sync()

    def expect_exact(self, text, timeout=None) -> str:
        self.child.expect_exact(text, timeout=timeout or self.timeout)
        self.transcript.append(self.child.before + str(self.child.after))
        return self.child.before

    def expect(self, pattern, timeout=None) -> int:
        index = self.child.expect(pattern, timeout=timeout or self.timeout)
        self.transcript.append(self.child.before + str(self.child.after))
        return index

    def interrupt(self) -> None:
        self.child.sendintr()

    def value(self, expression: str) -> str:
        """The printed value of ``expression``, between markers."""
        number = next(self._count)
        self.send(f'print("<v%d>" % {number}, {expression}, "</v>")')
        self.expect_exact(f"<v{number}> ")
        before = self.expect_exact(" </v>")
        return before.strip()

    def close(self) -> str:
        if self.child.isalive():
            self.send("exit")
            try:
                if self.child.expect([pexpect.EOF, "Exit again to cancel them"], timeout=15) == 1:
                    self.transcript.append(self.child.before + str(self.child.after))
                    self.send("exit")
                    self.child.expect(pexpect.EOF, timeout=15)
                self.transcript.append(self.child.before)
            finally:
                self.child.close(force=True)
        return "".join(self.transcript)
