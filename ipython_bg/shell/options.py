"""The options in front of a magic's line: split off without touching the
Python text that follows, parsed by the magic's ``magic_arguments`` parser,
and checked; and the one-line errors the magics raise.

Where the options end and the Python text begins depends on which options
take a value (``--timeout 5 f()``, ``--thread f()``).  The options are
ours, declared with :func:`option`, which notes that for each, so the
split needs nothing from argparse but its public parsing.
"""

from __future__ import annotations

import re
import shlex

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument

from ipython_bg.model.table import is_job_spec
from ipython_bg.shell.errors import SessionError
from ipython_bg.shell.statements import RunMode

__all__ = [
    "has_options", "line_plan", "option", "run_mode", "split_options", "summary_first", "thread_flags",
    "timeout_of", "verbs_of",
]

_WORD = re.compile(r"""\s*("[^"]*"|'[^']*'|\S+)""")

#: argparse's actions that take no value (its documented ones).
_NO_VALUE = frozenset({"store_true", "store_false", "store_const", "append_const", "count", "help", "version"})

#: What an option with ``nargs="+"``/``"*"`` takes: the words that follow
#: while they are job specs (``--after %1 %2 f()``); the expression follows.
SPECS = "specs"


def option(*names: str, **kwargs):
    """IPython's ``@argument(*names, **kwargs)`` for a magic, also noting in
    the magic's ``option_values`` what each of ``names`` takes: nothing,
    one word, or :data:`SPECS`."""
    if kwargs.get("action") in _NO_VALUE or kwargs.get("nargs") == 0:
        takes = None
    elif kwargs.get("nargs") in ("+", "*"):
        takes = SPECS
    else:
        takes = "one"

    def add(magic):
        values = magic.__dict__.setdefault("option_values", {})
        values.update(dict.fromkeys(names, takes))
        return argument(*names, **kwargs)(magic)

    return add


def _takes(magic, word: str):
    """What option ``word`` of ``magic`` takes (see :func:`option`); None
    for a flag, for ``--name=value``, and for what is no option of it."""
    if "=" in word:
        return None
    return getattr(magic, "option_values", {}).get(word)


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
        takes = _takes(magic, word)
        if takes is not None and (value := _WORD.match(line, position)) is not None:
            words.append(value.group(1))
            position = value.end()
            if takes == SPECS:
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
        magic = option(
            "--no-thread",
            dest="no_thread",
            action="store_true",
            help=f"evaluate the whole expression here and {then} the awaitable it gives",
        )(magic)
        return option("--thread", action="store_true", help="run the call in a worker thread, whatever it is")(magic)

    return add
