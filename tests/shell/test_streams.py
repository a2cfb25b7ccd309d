"""The standard streams in this process (issue 25, items 1-4): one proxy
per stream for the life of the extension, given back exactly at unload and
still writing for whoever kept it; a job's partial line at the prompt held
in linear time and within ``output_limit``."""

import io
import logging
import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from tests.harness.cells import run
from ipython_bg.process.prompt_lines import AbovePrompt, PartialLine
from ipython_bg.process.streams import StreamProxy, original



@pytest.fixture
def plain_shell():
    """A real InteractiveShell without the extension."""
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell(config=config)
    yield shell
    shell.history_manager.end_session()


def own_streams(monkeypatch) -> tuple:
    """StringIO objects of the test's own in sys.stdout and sys.stderr
    (set in the test itself: pytest sets its own between a test's phases)."""
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    return sys.stdout, sys.stderr


def test_unload_gives_back_the_very_streams_and_a_kept_proxy_still_writes(plain_shell, monkeypatch):
    shell = plain_shell
    own_streams(monkeypatch)
    before = sys.stdout, sys.stderr
    shell.run_line_magic("load_ext", "ipython_bg")
    run(shell, "import logging, sys\nhandler = logging.StreamHandler(sys.stderr)\nkept_stdout = sys.stdout")
    handler, kept_stdout = shell.user_ns["handler"], shell.user_ns["kept_stdout"]
    assert isinstance(handler.stream, StreamProxy) and isinstance(kept_stdout, StreamProxy)
    shell.run_line_magic("unload_ext", "ipython_bg")
    assert (sys.stdout, sys.stderr) == before
    # What kept a proxy writes where it wrote before the extension came.
    handler.handle(logging.makeLogRecord({"msg": "after unload", "levelno": logging.WARNING}))
    kept_stdout.write("kept stdout\n")
    kept_stdout.flush()
    assert before[1].getvalue().endswith("after unload\n")
    assert before[0].getvalue().endswith("kept stdout\n")


def test_loaded_again_the_streams_are_the_same_proxies(plain_shell):
    shell = plain_shell
    shell.run_line_magic("load_ext", "ipython_bg")
    first = sys.stdout, sys.stderr
    shell.run_line_magic("unload_ext", "ipython_bg")
    shell.run_line_magic("load_ext", "ipython_bg")
    # A handler made during the first load writes through the second's.
    assert (sys.stdout, sys.stderr) == first
    shell.run_line_magic("unload_ext", "ipython_bg")


def test_a_stream_wrapped_again_gets_the_proxy_it_had(plain_shell):
    shell = plain_shell
    shell.run_line_magic("load_ext", "ipython_bg")
    run(shell, "import io, sys\nmine = io.StringIO()\nsys.stdout = mine")
    run(shell, "pass")  # each cell puts a proxy in front of a stream that replaced ours
    proxy = sys.stdout
    assert isinstance(proxy, StreamProxy) and original(proxy) is shell.user_ns["mine"]
    run(shell, "sys.stdout = mine")
    run(shell, "pass")
    assert sys.stdout is proxy  # not a new one: the stream has one proxy for good
    shell.run_line_magic("unload_ext", "ipython_bg")
    assert sys.stdout is shell.user_ns["mine"]


# -- a job's partial line at the prompt -------------------------------------------


def test_a_partial_line_is_what_follows_its_last_carriage_return():
    line = PartialLine(100)
    assert line.add("10%") == ""
    assert line.add("\r20%") == "" and line.shown() == "20%"
    assert line.add("\r") == "" and line.shown() == "20%"  # the cursor moved, nothing overwritten yet
    assert line.add("30%") == "" and line.shown() == "30%"
    assert line.add(" done\nnext") == "20%\r30% done\n"
    assert line.shown() == "next"


def test_a_partial_line_keeps_the_end_of_a_long_line_within_its_limit():
    line = PartialLine(1000)
    for number in range(10_000):
        assert line.add(f"{number:05d}") == ""
        assert len(line.text()) <= 1000
    assert line.shown().endswith("0999809999")
    assert line.add("\n").endswith("09999\n")


def test_held_pieces_are_joined_only_when_the_limit_is_passed(monkeypatch):
    # Each write costs its own length: the held pieces are joined once every
    # limit/8 characters, never at every write (which was quadratic).
    joins = []
    real_join = PartialLine._trim

    def counting_trim(self):
        joins.append(len(self.text()))
        real_join(self)

    monkeypatch.setattr(PartialLine, "_trim", counting_trim)
    line = PartialLine(80_000)
    for _ in range(20_000):
        line.add("x" * 100)
    assert 100 <= len(joins) <= 250, len(joins)


class FakeJob:
    class output:
        limit = 50


def test_above_the_prompt_a_jobs_line_waits_for_its_end_and_anyone_elses_goes_on(monkeypatch):
    written = []

    class Proxy:
        def __init__(self, raw):
            pass

        def write(self, text):
            written.append(text)
            return len(text)

        def flush(self):
            written.append("<flush>")

        def close(self):
            written.append("<close>")

    import prompt_toolkit.patch_stdout

    monkeypatch.setattr(prompt_toolkit.patch_stdout, "StdoutProxy", Proxy)
    above, job, after = AbovePrompt(raw=True), FakeJob(), io.StringIO()
    above.write(job, "dots...", after)
    above.flush(job, after)
    above.write(None, "not a job\n", after)
    assert written == ["not a job\n"]
    above.write(job, "done\nmore", after)
    assert written[-1] == "dots...done\n"
    above.close()
    assert written[-3:] == ["more\n", "<flush>", "<close>"]
    above.write(job, "late\n", after)  # the prompt is gone: straight to the stream
    assert after.getvalue() == "late\n"


# -- a kernel's display publisher ----------------------------------------------------


def test_the_display_capture_puts_back_what_the_publisher_had():
    from IPython.core.displaypub import DisplayPublisher

    from ipython_bg.process.displays import DisplayCapture

    publisher = DisplayPublisher()

    def theirs(data, metadata=None, **kwargs):  # someone's own, set before the extension's
        return "theirs"

    publisher.publish = theirs
    capture = DisplayCapture(publisher)
    capture.install()
    assert publisher.publish == capture.publish
    assert publisher.publish({"text/plain": "x"}) == "theirs"  # outside a job: on to theirs
    capture.uninstall()
    assert publisher.publish is theirs
    capture.install()
    del publisher.publish  # ours taken away since: nothing to undo
    capture.uninstall()
    assert publisher.publish == DisplayPublisher.publish.__get__(publisher)
