"""What the sweep types: Hypothesis strategies for %bg, %fg and %jobs lines
and %%bg/%%fg cells, and the helpers those lines can call.

No tests here (see tests/shell/test_sweep.py); kept apart the way python-attrs
keeps tests/strategies.py.

Safety.  Lines for ``%bg``/``%fg`` and cell bodies are evaluated as Python
in the user namespace, so every one passes :func:`safe_to_run` first: no
builtins, no modules, none of IPython's names (``In``, ``Out``,
``get_ipython``, ``exit``), no names starting with ``_`` (so no ``_``,
dunders or ``_bgN``), no ``import``/``while``/``del``, no ``**``, ``<<``,
big numbers or repeated ``*``.  The names a line can reach are
:data:`HELPERS`, which finish within milliseconds whatever their
arguments, so the table only ever holds jobs that end quickly and a
``%fg`` never waits long; the checker's watchdog turns a hang into a
failure anyway.  (No Job is reachable by name either, so ``%bg some_job``
is left to its own test.)

The checker counts a frame of this file as user code: the helpers below
are what the user's lines call.
"""

from __future__ import annotations

import asyncio
import builtins
import re
import time
import unicodedata

from hypothesis import strategies as st

# -- what the lines can call: each ends within milliseconds -------------------------


class SweepError(Exception):
    """What the sweep's failing jobs raise."""


async def ok(*args, **kwargs):
    await asyncio.sleep(0)
    return args[0] if args else "ok"


async def bad(*args, **kwargs):
    await asyncio.sleep(0)
    raise SweepError(*args)


async def nap(*args, **kwargs):
    await asyncio.sleep(0.002)
    return "nap"


def call(*args, **kwargs):
    return args[0] if args else "call"


def boom(*args, **kwargs):
    raise SweepError(*args)


def snooze(*args, **kwargs):
    time.sleep(0.002)
    return "snooze"


#: The only names a line may use (see safe_to_run), put back before every run.
HELPERS = {
    "SweepError": SweepError,
    "ok": ok,
    "bad": bad,
    "nap": nap,
    "call": call,
    "boom": boom,
    "snooze": snooze,
    "gather": asyncio.gather,
    "shield": asyncio.shield,
}
#: Set in the user namespace by the checker, which checks it is never touched:
#: no leading underscore, but never generated (see safe_to_run).
SENTINEL = "sweep_sentinel"

# -- the safety filter -----------------------------------------------------------------

LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines splits on
FORBIDDEN_NAMES = set(dir(builtins)) | {
    "asyncio", "time", "threading", "get_ipython", "exit", "quit", "In", "Out",
    "os", "sys", "subprocess", "shutil", "signal", "display", SENTINEL,
}
BANNED_KEYWORDS = {"import", "from", "while", "del", "global", "nonlocal"}
ALLOWED_NAMES = set(HELPERS) | {"True", "False", "None"}


def safe_to_run(text: str) -> bool:
    """Whether ``text`` may be evaluated as Python in the sweep's namespace."""
    norm = unicodedata.normalize("NFKC", text)  # Python normalizes identifiers so
    if "**" in norm or "<<" in norm or norm.count("*") > 1:
        return False
    if re.search(r"\d[\w.]{4,}", norm):  # no numbers above 4 characters
        return False
    if len(re.findall(r"\bfor\b", norm)) > 1:
        return False
    if ("'" in norm or '"' in norm) and "{" in norm:  # no f-string width tricks
        return False
    for name in re.findall(r"[^\W\d]\w*", norm):
        if name in ALLOWED_NAMES:
            continue
        if name.startswith("_") or name in FORBIDDEN_NAMES or name in BANNED_KEYWORDS:
            return False
    return True


def safe_body(body: str) -> bool:
    """Whether a cell body may run: :func:`safe_to_run`, and plain Python."""
    # No IPython syntax inside bodies: no magics, shell escapes or help.
    return safe_to_run(body) and not any(c in body for c in "%!?")


# -- lines ---------------------------------------------------------------------------

characters = st.characters(blacklist_categories=("Cs",), blacklist_characters=LINE_BREAKS)
random_text = st.text(characters, max_size=30)
short_text = st.text(characters, max_size=4)

OPTIONS = [
    "--timeout", "--timeout=0.1", "--timeout=0", "--timeout 0.5", "--timeout=-1", "--timeout=nan",
    "-k", "--kill", "-c", "--clear", "-l", "--long", "-t", "--traceback", "-lc", "-kc", "-x",
    "--thread", "--th", "--no-thread", "--no", "--name", "--name=lbl", "--name lbl",
    "--", "-", "---", "-h", "--help",
]
NUMBERS = ["0", "1", "2", "3", "-1", "0.5", "0.01", "1e-3", "nan", "inf", "-inf", "-0.0", "1e309", "٣", "0x1", "1_0"]
SPECS = [
    "%1", "%2", "%3", "%7", "%+", "%%", "%-", "%?ok", "%?", "%?x", "%?(", "%?'", "%ok", "%bad",
    "%call", "%nap", "%", "%0", "%-1", "%+1", "%%%", "%?call", "%?nap", "1", "2", "3", "10",
]
PUNCTUATION = [
    "'", '"', "'a b'", '"a b"', "'''", '"""', "(", ")", "[", "]", "{", "}", "((", "))", "\\",
    "#", ";", ",", ":", "=", "==", ":=", "->", "...", "*", ".", "$x", "{x}", "@", "~", "^",
]
KEYWORDS = [
    "if", "else", "not", "and", "or", "in", "is", "lambda", "await", "async", "return", "yield",
    "pass", "None", "True", "False", "class", "def", "with", "try", "raise", "assert", "for",
    "elif", "break",
]
UNICODE = ["ñ", "名前", "😀", "\u200b", "ｏｋ()", "\u00a0", "\u202e", "é", "𝔬𝔨(1)", "ǅ", "İ", "\u3000", "\t"]


def expressions(depth: int = 2):
    """Python expressions over the helpers, nested ``depth`` deep."""
    atoms = st.sampled_from(["1", "2", "'s'", "None", "True", "(1, 2)", "[1]", "box", "r", "zz", "..."])
    names = st.sampled_from(sorted(HELPERS) + ["zz", "box"])
    if depth == 0:
        return st.one_of(atoms, names)
    inner = expressions(depth - 1)
    calls = st.builds(
        lambda f, args, kw: f"{f}({', '.join(args + kw)})",
        names,
        st.lists(inner, max_size=3),
        st.lists(st.sampled_from(["k=1", "delay=9"]), max_size=1),
    )
    return st.one_of(atoms, names, calls, inner.map(lambda e: f"({e})"), inner.map(lambda e: f"lambda: {e}"))


TARGETS = ["r", "r2", "a, b", "box['k']", "box[1]", "[a, b]", "r.x", "1", "ok()", "(r)", "*r", "r: int"]
statements = st.one_of(
    expressions(),
    st.builds(lambda t, e: f"{t} = {e}", st.sampled_from(TARGETS), expressions()),
)


def token_soup(extra):
    """A few tokens of the magics' syntax and Python's, any order."""
    token = st.one_of(
        st.sampled_from(OPTIONS + NUMBERS + SPECS + PUNCTUATION + KEYWORDS + UNICODE + extra),
        statements,
        short_text,
    )
    return st.builds(lambda tokens, sep: sep.join(tokens), st.lists(token, max_size=6), st.sampled_from([" ", "", "  "]))


long_lines = st.builds(
    lambda unit, n: unit * n,
    st.sampled_from(["(", "ok(", "x", " ", "%+ ", "-", "[", "'", "a.", "not ", "+", "1,", "ok(1) "]),
    st.integers(100, 3000),
)


def line_text(evaluated: bool):
    """What follows ``%bg``/``%fg``/``%jobs``; ``evaluated``: safe to run."""
    text = st.one_of(
        random_text,
        token_soup([]),
        statements,
        st.builds(lambda opts, rest: f"{opts} {rest}", st.sampled_from(OPTIONS), statements),
        st.builds(lambda specs: " ".join(specs), st.lists(st.sampled_from(SPECS), min_size=1, max_size=4)),
        long_lines,
        st.sampled_from(["", " ", "\t", "   ", "=", "--", "%", "''", "()", "[]", "{}"]),
    )
    return text.filter(safe_to_run) if evaluated else text


# -- cells ---------------------------------------------------------------------------

BODY_STATEMENTS = [
    "r = 1", "r = 'text'", "box['k'] = r", "r = call(2)", "r = await ok(3)", "await nap()",
    "await bad(4)", "r = await gather(ok(1), ok(2))", "boom(5)", "raise SweepError(6)", "1 / 0",
    "r = 'a' + 1", "zz", "pass", "snooze()", "for i in (1, 2, 3):\n    r = i",
    "if r:\n    pass\nelse:\n    r = 0", "try:\n    boom()\nexcept SweepError:\n    r = 'caught'",
    "# comment", "", "r", "r = await shield(ok())", "return 1", "yield 1", "  indented = 1",
    "\tr = 2", "async def f():\n    await nap()", "r = [await ok(i) for i in (1, 2)]", "await",
    "x = (", ")", "'''", "def f(:", "r = (yield)", "await zz", "class C: pass",
    "lambda: await ok()", "r = \\", "\x00",
]
body_lines = st.one_of(st.sampled_from(BODY_STATEMENTS), st.sampled_from(BODY_STATEMENTS), statements, random_text)
bodies = st.lists(body_lines, max_size=6).map("\n".join).filter(safe_body)
CELL_OPTIONS = [
    "", "--name lbl", "--name 'a b'", "--name", "--name=", "--name ñ名", "--thread", "--no-thread",
    "--thread --no-thread", "--timeout 0.5", "--timeout", "--timeout=nan", "-k", "x", "--", "-- x",
]
cell_options = {
    magic: st.one_of(
        st.sampled_from(valid),
        st.sampled_from(CELL_OPTIONS),
        token_soup([]).filter(lambda t: "%" not in t and "?" not in t),
    )
    for magic, valid in (("bg", ["", "--name lbl", "--name 'a b'"]), ("fg", ["--timeout 0.5", "", "--timeout=1"]))
}

# -- %jobs ---------------------------------------------------------------------------

JOBS_OPTIONS = ["", "-l", "--long", "-k", "--kill", "-t", "-c", "-lc", "-kc", "-l -k", "-k -t", "--clear -l"]
jobs_text = st.one_of(
    line_text(evaluated=False),
    st.builds(
        lambda option, specs: " ".join([option, *specs]),
        st.sampled_from(JOBS_OPTIONS),
        st.lists(st.sampled_from(SPECS), max_size=3),
    ),
)

# -- seeds: a few jobs in the table now and then, for %fg and %jobs to act on ------------

SEEDS = [
    "%bg ok(1)", "%bg bad(2)", "%bg call(3)", "%bg boom(4)", "%bg nap()", "%bg snooze()",
    "%bg r = ok(5)", "%bg --thread bad", "%bg gather(ok(1), bad(2))", "%%bg\nr = await ok(6)\n",
    "%%bg\nboom(7)\n", "%fg --timeout 0 nap()", "%fg --timeout 0.5",
]
seeds = st.lists(st.sampled_from(SEEDS), max_size=2)
