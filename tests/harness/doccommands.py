"""Checks of the documentation's commands and configuration examples.

Commands are not run (they install, benchmark, or start servers); each
must be one the project knows, naming only what exists: an extra of
setup.cfg, a pytest marker, a benchmark, a nox session, a file, a trait.
Configuration examples are executed as an ``ipython_config.py`` would be,
and every value is set on the live extension (or validated by the IPython
class it names).
"""

from __future__ import annotations

import atexit
import configparser
import contextlib
import re
import shlex
from pathlib import Path

from tests.harness.docexamples import ROOT, Example

_SETUP = configparser.ConfigParser()
_SETUP.read(ROOT / "setup.cfg")


def extras() -> set[str]:
    return set(_SETUP["options.extras_require"])


def markers() -> set[str]:
    lines = _SETUP["tool:pytest"].get("markers", "").splitlines()
    return {line.split(":")[0].strip() for line in lines if line.strip()}


def benchmarks() -> set[str]:
    from benchmarks import BENCHMARKS

    return set(BENCHMARKS)


def nox_sessions() -> set[str]:
    text = (ROOT / "noxfile.py").read_text()
    versions = re.search(r"^PYTHONS = \[(.*)\]", text, re.M).group(1)
    return {"oldest"} | {"py" + version.replace(".", "") for version in re.findall(r'"(3\.\d+)"', versions)}


def check_commands(example: Example) -> None:
    lines = example.block.text.splitlines()
    commands = [line[2:] for line in lines if line.startswith("$ ")]
    if not commands:  # a shell block without prompts: every line is a command
        commands = [line for line in lines if line.strip()]
    for command in commands:
        for part in command.split("&&"):
            problem = _problem(shlex.split(part, comments=True))
            if problem:
                raise AssertionError(f"{example.block.where}: {part.strip()!r}: {problem}")


def _problem(words: list[str]) -> str | None:
    if not words:
        return "an empty command"
    program, *args = words
    checks = {
        "pip": _pip, "ipython": _ipython, "python": _python, "nox": _nox, "bash": _paths, "jupyter": _jupyter,
    }
    if program in checks:
        return checks[program](args)
    if Path(program).parts[:1] in ((".ci",), ("tools",), ("docs",)):
        return None if (ROOT / program).exists() else f"there is no {program}"
    return f"no check knows '{program}': add one to tests/doccommands.py, or mark the block 'not run: why'"


def _pip(args: list[str]) -> str | None:
    if args[:1] != ["install"]:
        return "only 'pip install' is known"
    for spec in args[1:]:
        match = re.fullmatch(r"\.(?:\[([\w,-]+)\])?", spec)
        if match and match.group(1):
            missing = set(match.group(1).split(",")) - extras()
            if missing:
                return f"setup.cfg has no extra {', '.join(sorted(missing))}"
    return None


def _ipython(args: list[str]) -> str | None:
    for arg in args:
        match = re.fullmatch(r"--BackgroundJobs\.(\w+)=.*", arg)
        if match and match.group(1) not in trait_names():
            return f"BackgroundJobs has no trait {match.group(1)}"
    return None


def _python(args: list[str]) -> str | None:
    if args[:2] == ["-m", "pytest"]:
        rest = args[2:]
        for index, arg in enumerate(rest):
            if arg == "-m" and index + 1 < len(rest):
                unknown = set(re.findall(r"\w+", rest[index + 1])) - {"not", "and", "or"} - markers()
                if unknown:
                    return f"no pytest marker {', '.join(sorted(unknown))} in setup.cfg"
        return _paths([arg for arg in rest if arg.startswith("tests")])
    if args[:2] == ["-m", "benchmarks"]:
        unknown = {arg for arg in args[2:] if not arg.startswith("-")} - benchmarks()
        return f"no benchmark {', '.join(sorted(unknown))}" if unknown else None
    if args[:2] == ["-m", "sphinx"]:
        return _paths(args[-2:-1])  # the source folder; the output folder may not exist yet
    if args and args[0].endswith(".py"):
        return _paths(args[:1])
    return "only 'python -m pytest|benchmarks|sphinx' and 'python FILE.py' are known"


def _nox(args: list[str]) -> str | None:
    if "-s" in args:
        rest = args[args.index("-s") + 1:]
        if "--" in rest:  # pytest's arguments follow
            rest = rest[: rest.index("--")]
        names = [arg for arg in rest if not arg.startswith("-")]
        unknown = set(names) - nox_sessions()
        return f"noxfile.py has no session {', '.join(sorted(unknown))}" if unknown else None
    return None


def _jupyter(args: list[str]) -> str | None:
    return None if args[:1] in (["lab"], ["notebook"], ["labextension"], ["console"]) else "unknown jupyter command"


def _paths(args: list[str]) -> str | None:
    missing = [arg for arg in args if not (ROOT / arg.split("::")[0]).exists()]
    return f"no such file: {', '.join(missing)}" if missing else None


def check_config(example: Example) -> None:
    """Run the block as an ``ipython_config.py``; set each value where it goes."""
    from traitlets.config import Config

    config = Config()
    exec(compile(example.block.text, example.block.where, "exec"), {"c": config, "get_config": lambda: config})
    if not config:
        raise AssertionError(f"{example.block.where}: a configuration example that sets nothing")
    with live_extension() as magics:
        for section, values in config.items():
            for name, value in values.items():
                problem = _set(magics, section, name, value)
                if problem:
                    raise AssertionError(f"{example.block.where}: c.{section}.{name}: {problem}")


def _set(magics, section: str, name: str, value) -> str | None:
    from traitlets import TraitError

    if section == type(magics).__name__:
        if name not in trait_names():
            return "no such setting"
        try:
            setattr(magics, name, value)
        except TraitError as error:
            return str(error)
        return None
    cls = _ipython_classes().get(section)
    if cls is None:
        return "no such configurable class"
    trait = cls.class_traits(config=True).get(name)
    if trait is None:
        return "no such setting"
    try:
        trait.validate(cls.__new__(cls), value)  # an instance with no __init__: nothing starts
    except TraitError as error:
        return str(error)
    return None


def _ipython_classes() -> dict:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.shellapp import InteractiveShellApp
    from IPython.terminal.interactiveshell import TerminalInteractiveShell
    from IPython.terminal.ipapp import TerminalIPythonApp

    return {cls.__name__: cls for cls in (InteractiveShell, InteractiveShellApp, TerminalInteractiveShell, TerminalIPythonApp)}


def trait_names() -> set[str]:
    with live_extension() as magics:
        return set(type(magics).class_traits(config=True))


@contextlib.contextmanager
def live_extension():
    """The extension's configurable in a fresh shell, unloaded afterwards."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell(config=config)
    shell.run_line_magic("load_ext", "ipython_bg")
    try:
        yield shell.magics_manager.magics["line"]["bg"].__self__
    finally:
        shell.run_line_magic("unload_ext", "ipython_bg")
        shell.history_manager.end_session()
        atexit.unregister(shell.atexit_operations)
