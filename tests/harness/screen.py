"""A terminal ``ipython`` as a person sees it: the benchmarks' pty launcher
(tests/harness/terminal.py) with its output rendered by pyte, a VT100 screen.

The documentation's examples are checked against :meth:`ScreenTerminal.lines`
(tests/docexamples.py) and its pictures are drawn from the same screen
(docs/pictures.py): what a page shows is what a terminal showed.
"""

from __future__ import annotations

import time

import pyte

from tests.harness.terminal import Terminal

#: Bracketed paste, as a terminal sends what is pasted into it.
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


class ScreenTerminal(Terminal):
    """``ipython --ext ipython_bg`` (the README's set-up command, with a
    temporary IPython directory and no banner) on a pty of ``rows`` x
    ``cols``, on a real terminal type, read into a pyte screen."""

    def __init__(self, *, rows: int = 400, cols: int = 160, term: str = "xterm-256color", args=(), **options):
        super().__init__(term=term, args=args, wait=False, **options)
        self.child.setwinsize(rows, cols)
        self.screen = pyte.Screen(cols, rows)
        self._stream = pyte.Stream(self.screen)
        self._fed = 0
        try:
            # On the screen, not in the raw output, where colours may split it.
            self.wait_for(lambda lines: any(line.startswith("In [") for line in lines), self.timeout, "first prompt")
        except BaseException:
            self.kill()
            raise

    def pump(self, wait: float = 0.0) -> bool:
        """Feed what ipython printed into the screen, waiting up to ``wait``
        seconds for something to arrive; False once ipython has exited."""
        transcript = self.transcript
        if self._fed < len(transcript):
            self._stream.feed(transcript[self._fed:])
            self._fed = len(transcript)
        try:
            chunk = self.child.read_nonblocking(65536, timeout=wait)
        except self._pexpect.TIMEOUT:
            return True
        except self._pexpect.EOF:
            return False
        self._read.append(chunk)
        self._stream.feed(chunk)
        self._fed += len(chunk)
        return True

    def lines(self) -> list[str]:
        """The screen's lines, without trailing spaces or the empty rows below."""
        lines = [line.rstrip() for line in self.screen.display]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def paste(self, text: str, *, enter: bool = True) -> None:
        """Paste ``text`` as a terminal does (bracketed), then press Enter.
        A cell that ends inside an indented block gets the empty line that
        ends it, as when typed."""
        text = text.rstrip("\n")
        last = text.splitlines()[-1] if text else ""
        if "\n" in text and last[:1].isspace():
            text += "\n"
        self.child.send(PASTE_START + text + PASTE_END)
        if enter:
            self.child.send("\r")

    def keys(self, keys: str) -> None:
        """Type ``keys`` as they are (``"\\x03"`` is Ctrl-C)."""
        self.child.send(keys)

    def wait_for(self, done, timeout: float = 30.0, what: str = "the expected screen"):
        """Pump until ``done(lines)`` gives something true; return it.  Past
        ``timeout`` seconds, TimeoutError shows the screen as it is."""
        deadline = time.monotonic() + timeout
        while True:
            found = done(self.lines())
            if found:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                screen = "\n".join(self.lines()[-60:])
                raise TimeoutError(f"no {what} within {timeout:g} s; the screen ends with:\n{screen}")
            if not self.pump(min(remaining, 0.2)):
                self.pump()
                found = done(self.lines())
                if found:
                    return found
                raise RuntimeError(f"ipython exited before {what}:\n" + "\n".join(self.lines()[-60:]))
