"""What each job writes, kept per job: stdout, stderr and displays.

Nothing here knows about IPython.  A context variable names what runs
(:data:`CURRENT`: a job, or a thread job's call, each with its ``output``);
it is set in the job's own context (a coroutine job's task, a thread job's
copied context), so concurrent jobs never mix.  While the extension is
loaded ``sys.stdout`` and ``sys.stderr`` are :class:`StreamProxy` objects:
each write goes on to the stream that was there before (a terminal,
prompt_toolkit's proxy, ipykernel's OutStream) and is also kept in the
current job's :class:`JobOutput`, which keeps only a bounded tail.
"""

from __future__ import annotations

import contextvars
import sys

__all__ = [
    "CURRENT", "JobOutput", "StreamProxy", "Writer", "current_output", "progress", "unwrap_streams", "wrap_streams",
]

#: The job whose code runs in this context (a coroutine job's Job, a thread
#: job's ThreadCall: anything with the ``output`` it writes to), or None.
CURRENT: contextvars.ContextVar = contextvars.ContextVar("ipython_bg_running_job", default=None)


class Writer:
    """What :data:`CURRENT` holds where no job's own code runs, but what is
    written goes to ``output``: in a process job's child (its channel to
    the parent), and where the parent writes what that child sends."""

    __slots__ = ("output",)

    def __init__(self, output):
        self.output = output


def current_output() -> "JobOutput | None":
    """The output of the job whose code runs here, or None."""
    running = CURRENT.get()
    return running.output if running is not None else None


def _display_size(data: dict) -> int:
    # A display counts what its text forms weigh: an image's base64 counts
    # too, so a job showing many images is bounded like one printing text.
    return sum(len(value) if isinstance(value, str) else 64 for value in data.values()) or 1


class JobOutput:
    """A job's output: a bounded tail of text and display bundles, and the
    progress the job last reported.  Written by the job's own code (its
    thread); readers take a snapshot."""

    __slots__ = ("limit", "quiet", "dropped", "size", "progress", "on_progress", "_chunks", "_displays")

    def __init__(self, limit: int = 100_000, quiet: bool = False):
        self.limit = limit
        self.quiet = quiet
        self.dropped = 0  # characters (and display weights) no longer kept
        self.size = 0
        self.progress: tuple | None = None  # (done, total, note)
        self.on_progress = None  # called with this output when the progress changes
        self._chunks: list = []  # text pieces and Display bundles, oldest first
        self._displays = 0

    def write(self, text: str) -> None:
        # StreamProxy.write does the same, inline: it runs for every print.
        self._chunks.append(text)
        self.size += len(text)
        if self.size > self.limit:
            self._trim()

    def add_display(self, data: dict, metadata: dict | None, display_id=None, update: bool = False) -> None:
        chunk = Display(data, metadata, display_id)
        if update and display_id is not None:
            # An update (a tqdm widget redrawn, a display handle's update)
            # replaces what that display showed: only its last state is kept.
            chunks = self._chunks
            for index, old in enumerate(chunks):
                if isinstance(old, Display) and old.display_id == display_id:
                    chunks[index] = chunk
                    self.size += chunk.size - old.size
                    break
            else:
                return  # its display is gone from the tail
        else:
            self._chunks.append(chunk)
            self._displays += 1
            self.size += chunk.size
        if self.size > self.limit:
            self._trim()

    def _trim(self) -> None:
        # Down to a little under the limit, so that a job printing on and on
        # trims once every many writes rather than at each one; text alone
        # (the usual case) is joined and cut at C speed.
        keep = self.limit - self.limit // 8
        if not self._displays:
            text = "".join(self._chunks)
            cut = max(0, len(text) - keep)
            self._chunks = [text[cut:]] if cut < len(text) else []
            self.dropped += cut
            self.size = len(text) - cut
            return
        chunks, size, start = self._chunks, self.size, 0
        while size > keep and start < len(chunks):
            first = chunks[start]
            excess = size - keep
            if isinstance(first, str) and len(first) > excess:
                chunks[start] = first[excess:]  # the tail of a long write
                size -= excess
                self.dropped += excess
                break
            weight = len(first) if isinstance(first, str) else first.size
            self._displays -= not isinstance(first, str)
            size -= weight
            self.dropped += weight
            start += 1
        self._chunks = chunks[start:]
        self.size = size

    def chunks(self) -> list:
        """Text pieces and :class:`Display` bundles, oldest first."""
        return list(self._chunks)

    def text(self) -> str:
        """The kept output as text (a display by its text/plain form)."""
        return "".join(chunk if isinstance(chunk, str) else chunk.text() for chunk in self.chunks())

    def tail(self, lines: int = 3) -> list[str]:
        if not self.size:
            return []
        # A line redrawn with carriage returns (a tqdm bar) as it looks now.
        last = self.text().rstrip("\n").split("\n")[-lines:]
        return [line.rstrip("\r").rsplit("\r", 1)[-1] for line in last]

    def set_progress(self, done, total=None, note: str = "") -> None:
        self.progress = (done, total, note)
        if self.on_progress is not None:
            self.on_progress(self)


class Display:
    """One display bundle a job published (``display(...)`` in a notebook)."""

    __slots__ = ("data", "metadata", "display_id", "size")

    def __init__(self, data: dict, metadata: dict | None, display_id=None):
        self.data = data
        self.metadata = metadata or {}
        self.display_id = display_id
        self.size = _display_size(data)

    def text(self) -> str:
        text = self.data.get("text/plain", "")
        return text + "\n" if text and not text.endswith("\n") else text


def progress(done, total=None, note: str = "") -> bool:
    """Report a job's progress from inside it: ``progress(17, 40)``,
    ``progress(0.42)`` (a fraction when ``total`` is None and done <= 1) or
    ``progress(note="indexing")``.  ``%jobs`` shows it.  Returns False
    (and does nothing) outside a job."""
    output = current_output()
    if output is None:
        return False
    output.set_progress(done, total, str(note))
    return True


def tqdm_moved(bar) -> None:
    """A tqdm bar in a job moved: that is the job's progress."""
    output = current_output()
    if output is not None:
        total = getattr(bar, "total", None)
        output.set_progress(getattr(bar, "n", 0), total, getattr(bar, "desc", "") or "")


def describe_progress(value: tuple | None) -> str:
    """``42%``, ``17/40`` or the note; empty for no progress."""
    if value is None:
        return ""
    done, total, note = value
    text = ""
    try:
        if total:
            text = f"{done:g}/{total:g}" if float(done).is_integer() else f"{100 * done / total:.0f}%"
        elif done is not None and 0 <= done <= 1 and not isinstance(done, bool):
            text = f"{100 * done:.0f}%"
        elif done is not None:
            text = f"{done:g}"
    except (TypeError, ValueError):
        text = str(done)
    return f"{text} {note}".strip() if note else text


def fraction(value: tuple | None) -> float | None:
    """The share done, for a bar; None where it is not known."""
    if value is None:
        return None
    done, total, _ = value
    try:
        if total:
            return max(0.0, min(1.0, done / total))
        if done is not None and 0 <= done <= 1:
            return float(done)
    except TypeError:
        pass
    return None


class StreamProxy:
    """``sys.stdout`` (or stderr) while the extension is loaded: every
    write goes to the stream that was there, and into the current job's
    output; a quiet job's writes are only kept."""

    def __init__(self, stream):
        self._stream = stream
        self._write = stream.write

    def write(self, text, _current=CURRENT.get):
        running = _current()
        if running is None:
            return self._write(text)
        output = running.output
        # JobOutput.write, inline: this runs for every piece of every print.
        output._chunks.append(text)
        output.size += len(text)
        if output.size > output.limit:
            output._trim()
        return len(text) if output.quiet else self._write(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        # flush, fileno, isatty, encoding, and ipykernel's own attributes.
        return getattr(self._stream, name)

    def __repr__(self) -> str:
        return f"<ipython_bg capture of {self._stream!r}>"


def wrap_streams(proxy: type = StreamProxy) -> None:
    """Put proxies (of class ``proxy``) in front of ``sys.stdout`` and
    ``sys.stderr`` (again, if something replaced them since:
    prompt_toolkit's patch_stdout does while the terminal prompt is shown)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, StreamProxy):
            setattr(sys, name, proxy(stream))


def unwrap_streams() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, StreamProxy):
            setattr(sys, name, stream._stream)


def original(stream):
    """The stream behind a proxy (for code that checks what it writes to)."""
    return stream._stream if isinstance(stream, StreamProxy) else stream


class DisplayCapture:
    """Keeps the display bundles a job publishes (a kernel's
    ``display_pub.publish``, a public attribute), so that ``%jobs -o`` shows
    them again as they were, not only their text."""

    def __init__(self, publisher):
        self.publisher = publisher
        self._own = publisher.publish

    def install(self) -> None:
        self.publisher.publish = self.publish

    def uninstall(self) -> None:
        if self.publisher.__dict__.get("publish") == self.publish:
            del self.publisher.publish

    def publish(self, data, metadata=None, *args, **kwargs):
        output = current_output()
        if output is not None:
            transient = kwargs.get("transient", args[0] if args else None) or {}
            update = kwargs.get("update", args[1] if len(args) > 1 else False)
            output.add_display(data, metadata, transient.get("display_id"), update)
            if output.quiet:
                return None
        return self._own(data, metadata, *args, **kwargs)

    def replay(self, data, metadata) -> None:
        """Show a kept bundle again, in the cell that asks."""
        self._own(data, metadata)


def output_lines(output: JobOutput, lines: int = 3) -> list[str]:
    """The last few lines a job wrote, for ``%jobs -l``."""
    tail = output.tail(lines)
    if not tail:
        return []
    return ["output, last lines:", *(f"  {line}" for line in tail)]


class OutputReplay:
    """What ``%jobs -o`` returns: jobs' kept output, shown again as it was
    (text as text; in a notebook, displays as their bundles)."""

    def __init__(self, jobs: list, replay_display=None):
        self.jobs = jobs
        self.replay_display = replay_display  # shows a kept bundle, where there is a publisher

    def _parts(self):
        for job in self.jobs:
            output = job.output
            if len(self.jobs) > 1:
                yield f"[{job.id}] {job.source}\n"
            if output.dropped:
                yield f"[{output.dropped} earlier characters of output dropped: output_limit is {output.limit}]\n"
            chunks = output.chunks()
            if not chunks:
                yield f"[job {job.id} wrote nothing]\n"
            yield from chunks
            if chunks and isinstance(chunks[-1], str) and not chunks[-1].endswith("\n"):
                yield "\n"

    def text(self) -> str:
        return "".join(part if isinstance(part, str) else part.text() for part in self._parts()).rstrip("\n")

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.text())

    def _ipython_display_(self):
        write = sys.stdout.write
        for part in self._parts():
            if isinstance(part, str):
                write(part)
            elif self.replay_display is not None:
                sys.stdout.flush()
                self.replay_display(part.data, part.metadata)
            else:
                write(part.text())
        sys.stdout.flush()
