"""What each job writes, kept per job: stdout, stderr and displays.

Nothing here knows about IPython.  A context variable names what runs
(:data:`CURRENT`: a job, or a thread job's call, each with its ``output``);
it is set in the job's own context (a coroutine job's task, a thread job's
copied context), so concurrent jobs never mix.  While the extension is
loaded ``sys.stdout`` and ``sys.stderr`` are stream proxies
(:mod:`ipython_bg.process.streams`): each write goes on (to a terminal,
above its prompt, to ipykernel's OutStream) and is also kept in the current
job's :class:`JobOutput`, which keeps only a bounded tail.
"""

from __future__ import annotations

import contextvars

__all__ = [
    "CURRENT", "current_output", "describe_progress", "Display", "fraction", "JobOutput", "progress", "Writer",
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

    __slots__ = ("limit", "quiet", "dropped", "size", "progress", "shown_in", "on_progress", "_chunks", "_displays")

    def __init__(self, limit: int = 100_000, quiet: bool = False):
        self.limit = limit
        self.quiet = quiet
        self.dropped = 0  # characters (and display weights) no longer kept
        self.size = 0
        self.progress: tuple | None = None  # (done, total, note)
        # While a cell waits for the job in the foreground (``%fg`` in a
        # kernel), the context of that cell: what the job writes is shown
        # there, as a job brought to the foreground writes to the terminal.
        self.shown_in = None
        self.on_progress = None  # called with this output when the progress changes
        self._chunks: list = []  # text pieces and Display bundles, oldest first
        self._displays = 0

    def write(self, text: str) -> None:
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


def progress(done=None, total=None, note: str = "") -> bool:
    """Report a job's progress from inside it: ``progress(17, 40)``,
    ``progress(0.42)`` (a fraction when ``total`` is None and done <= 1) or
    ``progress(note="indexing")``; each call replaces what the last one
    said.  ``%jobs`` shows it.  Returns False (and does nothing) outside a
    job."""
    output = current_output()
    if output is None:
        return False
    output.set_progress(done, total, str(note))
    return True


def tqdm_moved(bar) -> None:
    """A tqdm bar in a job moved: that is the job's progress (a disabled
    bar, which counts nothing, is not)."""
    output = current_output()
    if output is not None and not getattr(bar, "disable", False):
        total = getattr(bar, "total", None)
        output.set_progress(getattr(bar, "n", 0), total, getattr(bar, "desc", "") or "")


def describe_progress(value: tuple | None) -> str:
    """``42%``, ``17/40`` or the note; empty for no progress."""
    if value is None:
        return ""
    done, total, note = value
    text = ""
    try:
        if done is None:
            pass  # a note alone
        elif total:
            text = f"{done:g}/{total:g}" if float(done).is_integer() else f"{100 * done / total:.0f}%"
        elif 0 <= done <= 1 and not isinstance(done, bool):
            text = f"{100 * done:.0f}%"
        else:
            text = f"{done:g}"
    except (TypeError, ValueError):
        text = str(done)
    return f"{text} {note}".strip() if note else text


def fraction(value: tuple | None) -> float | None:
    """The share done, for a bar; None where it is not known."""
    if value is None or value[0] is None:
        return None
    done, total, _ = value
    try:
        if total:
            return max(0.0, min(1.0, done / total))
        if 0 <= done <= 1:
            return float(done)
    except TypeError:
        pass
    return None














