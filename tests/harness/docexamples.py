"""The examples of the documentation and the README, read from the reST.

The convention (docs/development.rst says it for writers):

* Every literal block is an example, and runs in a test, unless it is a
  ``text`` (or ``none``) code block: a diagram, a file, a table.
* What it is follows from its language (``.. code-block:: LANG``, or
  ``.. code:: LANG`` in the README, which plain docutils renders) or, for a
  bare ``::`` block, from its first line:

  - ``In [N]:`` starts an IPython **session**: a transcript of cells
    (``In [N]:`` with ``...:`` continuation lines) each followed by what
    the screen shows after it (``Out[N]:``, printed lines, notices);
  - ``$`` starts **commands**, checked against the project's files;
  - anything else in a bare ``::`` or ``ipython`` block is one IPython
    **cell**, pasted whole, as a reader pastes it;
  - ``python`` is a **script**, run by ``python``; one whose first line is
    ``# ipython_config.py`` is **configuration**, whose every setting must
    exist and take its value.

* A comment right before a block changes that: ``.. example: output``
  (this block is what the example before it shows), ``.. example: shell``
  (run in a plain ``InteractiveShell`` instead of a terminal ``ipython``),
  ``.. example: new session`` (a fresh ``ipython`` from here on),
  ``.. example: not run: REASON`` and ``.. example: pending: REASON`` (it
  needs a feature not built yet: it must fail until it is, then the marker
  must go).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent  # the checkout

_MARKER = re.compile(r"^\s*\.\. example: (.+?)\s*$")
_DIRECTIVE = re.compile(r"^(\s*)\.\. (?:code-block|code|sourcecode)::\s*(\S*)\s*$")
_PARAGRAPH_END = re.compile(r"^(\s*)(?!\.\. )(?:\S.*)?::\s*$")
_OPTION = re.compile(r"^\s+:[\w-]+:")

#: An IPython prompt as the terminal prints it (``In [7] [2 jobs]: x``).
PROMPT = re.compile(r"^In \[(\d+)\][^:]*: ?(.*)$")
CONTINUATION = re.compile(r"^\s*\.\.\.: ?(.*)$")

KNOWN_MARKERS = ("output", "shell", "new session")
REASONED_MARKERS = ("not run", "pending")
NOT_EXAMPLES = ("text", "none")


@dataclass
class Block:
    path: Path
    line: int  # of the block's first line of content, 1-based
    language: str
    text: str
    markers: list[str] = field(default_factory=list)

    def marker(self, name: str) -> str | None:
        """The marker's reason (or "" for one without), None if absent."""
        for marker in self.markers:
            key, _, reason = marker.partition(":")
            if key.strip() == name:
                return reason.strip()
        return None

    @property
    def where(self) -> str:
        path = self.path.resolve()
        return f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{self.line}"


@dataclass
class Example:
    kind: str  # session, cell, script, config, commands
    block: Block
    output: Block | None = None

    @property
    def skip(self) -> str | None:
        return self.block.marker("not run")

    @property
    def pending(self) -> str | None:
        return self.block.marker("pending")


def doc_files() -> list[Path]:
    """README.rst and every reST page of the docs."""
    pages = sorted(path for path in (ROOT / "docs").rglob("*.rst") if "_build" not in path.parts)
    return [ROOT / "README.rst", *pages]


def blocks_of(path: Path) -> list[Block]:
    """Every literal block of a reST file, with the markers before it."""
    lines = path.read_text().splitlines()
    blocks: list[Block] = []
    markers: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        marker = _MARKER.match(line)
        if marker:
            markers.append(marker.group(1))
            index += 1
            continue
        directive = _DIRECTIVE.match(line)
        paragraph = None if directive else _PARAGRAPH_END.match(line)
        if directive or paragraph:
            indent = len((directive or paragraph).group(1))
            language = directive.group(2) if directive else ""
            start, end = _content(lines, index + 1, indent)
            if start < end:
                text = textwrap.dedent("\n".join(lines[start:end])).strip("\n")
                blocks.append(Block(path, start + 1, language.lower(), text, markers))
                markers = []
            index = max(end, index + 1)
            continue
        index += 1
    if markers:
        raise ValueError(f"{path}: '.. example: {markers[0]}' is followed by no literal block")
    return blocks


def _content(lines: list[str], index: int, indent: int) -> tuple[int, int]:
    """The lines of a literal block opened just above ``index``."""
    while index < len(lines) and _OPTION.match(lines[index]) and _indent(lines[index]) > indent:
        index += 1  # a directive's options
    while index < len(lines) and not lines[index].strip():
        index += 1
    start = index
    while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > indent):
        index += 1
    end = index
    while end > start and not lines[end - 1].strip():
        end -= 1
    return start, end


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def examples_of(path: Path) -> list[Example]:
    """The examples of a reST file, in order, each with its output block."""
    examples: list[Example] = []
    for block in blocks_of(path):
        _check_markers(block)
        if block.marker("output") is not None:
            if not examples or examples[-1].output is not None or examples[-1].kind not in ("cell", "script"):
                raise ValueError(f"{block.where}: an output block must follow a pasted cell or a script")
            examples[-1].output = block
            continue
        kind = kind_of(block)
        if kind is not None:
            examples.append(Example(kind, block))
    return examples


def _check_markers(block: Block) -> None:
    for marker in block.markers:
        key, colon, reason = marker.partition(":")
        key = key.strip()
        if key in REASONED_MARKERS:
            if not reason.strip():
                raise ValueError(f"{block.where}: '.. example: {key}' needs a reason after a colon")
        elif key not in KNOWN_MARKERS or colon:
            raise ValueError(f"{block.where}: unknown marker '.. example: {marker}'")


def kind_of(block: Block) -> str | None:
    first = block.text.lstrip().splitlines()[0] if block.text.strip() else ""
    language = block.language
    if language in NOT_EXAMPLES:
        return None
    if language in ("python", "py", "python3"):
        return "config" if first.strip() == "# ipython_config.py" else "script"
    if language in ("console", "shell", "bash", "sh") or (not language and first.startswith("$ ")):
        return "commands"
    if language in ("", "ipython", "ipython3", "ipythonconsole"):
        return "session" if PROMPT.match(first) else "cell"
    raise ValueError(f"{block.where}: a '{language}' block: say what it is (see tests/docexamples.py)")


@dataclass
class Cell:
    code: str
    expected: list[str]  # the screen's lines from the prompt to the next one


def cells_of(session: str) -> list[Cell]:
    """The cells of an IPython transcript."""
    cells: list[Cell] = []
    in_input = False
    for line in session.splitlines():
        prompt = PROMPT.match(line)
        if prompt:
            cells.append(Cell(prompt.group(2), [line]))
            in_input = True
            continue
        if not cells:
            raise ValueError(f"a session starts with an In [N]: prompt, not {line!r}")
        continuation = CONTINUATION.match(line)
        if in_input and continuation:
            cells[-1].code += "\n" + continuation.group(1)
        else:
            in_input = False
        cells[-1].expected.append(line)
    for cell in cells:
        cell.code = cell.code.rstrip()
    return cells


# -- comparing a screen with what a page says -------------------------------------

_DURATION = re.compile(r"(?<![\w.])\d+(?:\.\d+)?s\b")


def normalize(lines: list[str]) -> list[str]:
    """Lines as compared: no blank lines or empty continuation lines, runs
    of spaces as one, ``...:`` prompts unindented, elapsed times as ``<t>``,
    no ``^C`` (the echo of Ctrl-C, where the terminal shows one)."""
    result = []
    for line in lines:
        line = line.removeprefix("^C")  # a terminal's echo of Ctrl-C
        continuation = CONTINUATION.match(line)
        if continuation:
            if not continuation.group(1).strip():
                continue
            line = "...: " + continuation.group(1)
        line = " ".join(_DURATION.sub("<t>", line).split())
        if line:
            result.append(line)
    return result


def pattern_of(expected: list[str]) -> re.Pattern:
    """doctest's ELLIPSIS: ``...`` matches anything within a line, and a
    line of just ``...`` any number of lines."""
    parts = []
    for line in normalize(expected):
        if line == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(piece) for piece in line.split("...")) + r"\n")
    return re.compile("".join(parts))


def matches(expected: list[str], actual: list[str]) -> bool:
    return pattern_of(expected).fullmatch("".join(line + "\n" for line in normalize(actual))) is not None


_FAILURE = re.compile(
    r"^(Traceback \(most recent call last\)|\w*(Error|Exception|Interrupt)\b.*|\[\d+\][+-]? +failed\b.*"
    r"|.*already loaded.*|-{20,})$"
)


def failures_in(lines: list[str]) -> list[str]:
    """Lines that say something went wrong: a traceback, an error, a failed job."""
    return [line for line in lines if _FAILURE.match(line.strip())]
