"""The options in front of a magic's line: split off without touching the
Python text that follows, parsed by the magic's ``magic_arguments`` parser,
and checked; and the one-line errors the magics raise."""

from __future__ import annotations

import re
import shlex

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument

from ipython_bg._internals import option_takes_value
from ipython_bg.model.table import is_job_spec
from ipython_bg.shell.errors import SessionError
from ipython_bg.shell.statements import RunMode

__all__ = [
    "has_options", "line_plan", "run_mode", "split_options", "summary_first", "thread_flags",
    "timeout_of", "verbs_of",
]

_WORD = re.compile(r"""\s*("[^"]*"|'[^']*'|\S+)""")


def split_options(magic, line: str):
    """``(options, rest)``: the leading ``-x``/``--xx`` options of ``line``,
    parsed by the magic's argument parser, and the untouched rest.

    IPython's ``parse_argstring`` splits the whole line shell-style, which
    would mangle the Python expression that follows (``f('a  b')``).
    """
    parser = magic.parser
    if not has_options(line):
        # Most lines have no options: argparse is not asked about them.
        return _defaults(parser), line.strip()
    words: list[str] = []
    position = 0
    while (match := _WORD.match(line, position)) is not None:
        word = match.group(1)
        if word == "--":
            position = match.end()
            break
        if not word.startswith("-") or len(word) == 1 or word[1].isdigit():
            break
        words.append(word)
        position = match.end()
        if option_takes_value(parser, word) and (value := _WORD.match(line, position)) is not None:
            words.append(value.group(1))
            position = value.end()
            if word in _SPEC_LISTS:
                # ``--after %1 %2 f()``: the specs run on up to the expression.
                while (value := _WORD.match(line, position)) is not None and is_job_spec(value.group(1)):
                    words.append(value.group(1))
                    position = value.end()
    try:
        words = [shlex.split(word)[0] if word[:1] in "\"'" else word for word in words]
    except ValueError as exc:  # an unbalanced quote
        raise UsageError(f"%{magic.__name__}: {exc} in the options: {line.strip()!r}") from None
    try:
        options = parser.parse_args(words)
    except UsageError as exc:  # said like every other mistake of the magic
        raise UsageError(f"%{magic.__name__}: {exc}") from None
    return options, line[position:].strip()


def has_options(line: str) -> bool:
    """Whether ``line`` may start with options: it starts with ``-``
    (:func:`split_options` then tells ``-1`` and the like from them)."""
    return line.lstrip().startswith("-")


# Options that take several job specs; the expression follows them.
_SPEC_LISTS = frozenset({"--after"})

_default_options: dict = {}


def _defaults(parser):
    if parser not in _default_options:
        _default_options[parser] = parser.parse_args([])
    return _default_options[parser]


def summary_first(magic):
    """Put a magic's one-line summary back in front of the help that
    ``@magic_arguments`` made its docstring, for ``%lsmagic``'s summaries."""
    summary = magic.parser.description.strip().splitlines()[0]
    magic.__doc__ = f"{summary}\n\n{magic.__doc__}"
    return magic




def timeout_of(value):
    if value is None or value == float("inf"):
        return None
    if not value >= 0:  # also refuses nan
        raise SessionError(f"--timeout takes a number of seconds, not {value}")
    return value


def _positive(value, option: str):
    if value is not None and not value > 0:  # also refuses nan
        raise SessionError(f"{option} takes a number of seconds above 0, not {value}")
    return value


def verbs_of(session, options):
    """The verbs of a ``%bg`` line, or None."""
    if (
        options.timeout is None
        and options.retries is None
        and options.every is None
        and not options.stop_on_error
        and not options.after
    ):
        return None
    if options.retries is not None and options.retries < 0:
        raise SessionError(f"--retries takes a count of 0 or more, not {options.retries}")
    return session.schedule(
        timeout=_positive(options.timeout, "--timeout"),
        retries=options.retries or 0,
        every=_positive(options.every, "--every"),
        stop_on_error=options.stop_on_error,
        after=options.after or (),
    )


def line_plan(session, options):
    """``(where, mode, schedule)`` of a ``%bg`` line, from its options,
    checked: the executor its call goes to (or None), its run mode, and
    its verbs (or None)."""
    where = None
    if options.process or options.executor:
        if options.process and options.executor:
            raise SessionError("--process and --executor exclude each other")
        where = session.executor_for(options.process, options.executor)
    return where, run_mode(options, where), verbs_of(session, options)


def run_mode(options, where) -> RunMode:
    if options.thread and options.no_thread:
        raise SessionError("--thread and --no-thread exclude each other")
    if options.no_thread and where:
        raise SessionError("--no-thread runs nothing elsewhere; it excludes --process and --executor")
    if options.thread or where:
        return RunMode.THREAD
    return RunMode.LOOP if options.no_thread else RunMode.AUTO


def thread_flags(then: str):
    """``--thread`` and ``--no-thread``, as ``%bg`` and ``%fg`` both take
    them; ``then`` says what is done with the awaitable ``--no-thread``
    gives."""

    def add(magic):
        # Decorators apply bottom up: --no-thread first, so that --thread
        # comes first in the help, as if both were written out.
        magic = argument(
            "--no-thread",
            dest="no_thread",
            action="store_true",
            help=f"evaluate the whole expression here and {then} the awaitable it gives",
        )(magic)
        return argument("--thread", action="store_true", help="run the call in a worker thread, whatever it is")(magic)

    return add
