"""Reference pages generated from the extension itself, so they cannot drift.

``.. magic-help:: bg`` renders what ``%bg?`` shows: the usage, the help
text, and each option as an ``option`` entry of the program ``bg``
(``:opt:`%bg --every``` links to it, and a renamed option is a broken
reference under ``nitpicky``).  ``.. config-traits::`` renders every
configurable trait with its type, default and ``help``, as IPython renders
its own configuration reference.

Both read a live ``InteractiveShell`` with ``%load_ext ipython_bg``: the
magics object behind ``%bg`` and the configurable it registered in
``shell.configurables``, never a module path inside the package.
"""

from __future__ import annotations

import inspect
import re
import textwrap

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.roles import XRefRole
from sphinx.util.docutils import SphinxDirective

_SHELL = None

# An option line of argparse's help: two spaces, the invocation, then (two
# or more spaces away) the start of its help; longer lines continue below.
_ENTRY = re.compile(r"^  (\S.*?)(?:\s{2,}(\S.*))?$")
_SECTION = re.compile(r"^(positional arguments|options|optional arguments):$")


def live_shell():
    """One InteractiveShell with the extension loaded, for the whole build."""
    global _SHELL
    if _SHELL is None:
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        _SHELL = InteractiveShell(config=config)
        _SHELL.run_line_magic("load_ext", "ipython_bg")
    return _SHELL


def magics_object():
    """The Magics instance that ``%bg`` belongs to."""
    return live_shell().magics_manager.magics["line"]["bg"].__self__


def magic_function(name: str):
    magics = live_shell().magics_manager.magics
    found = magics["line"].get(name) or magics["cell"].get(name)
    if found is None:
        raise LookupError(f"ipython_bg defines no magic %{name}")
    return found


def parse_help(parser) -> tuple[str, str, list[tuple[str, list[tuple[str, str]]]]]:
    """``(usage, description, sections)`` from an argparse parser's own
    help text; each section is ``(title, [(invocation, help), ...])``."""
    # IPython's formatter gives the usage as a reST literal block ("::").
    usage = textwrap.dedent(parser.format_usage().removeprefix("usage: ").removeprefix("::").strip("\n"))
    description = inspect.cleandoc(parser.description or "")
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    entries: list[list[str]] | None = None
    for line in parser.format_help().splitlines():
        header = _SECTION.match(line)
        if header:
            entries = []
            title = "options" if header.group(1) != "positional arguments" else "arguments"
            sections.append((title, entries))
            continue
        if entries is None or not line.strip():
            continue
        match = _ENTRY.match(line)
        if match and not line.startswith("   "):
            entries.append([match.group(1), match.group(2) or ""])
        elif entries:
            entries[-1][1] = (entries[-1][1] + " " + line.strip()).strip()
    return usage, description, [(title, [tuple(e) for e in found]) for title, found in sections]


def option_signature(invocation: str) -> str:
    """``-k <SPEC [SPEC ...]>, --kill <SPEC [SPEC ...]>`` as Sphinx's
    option directive reads it: ``-k SPEC..., --kill SPEC...``."""
    parts = []
    for part in invocation.split(", "):
        name, _, argument = part.partition(" ")
        argument = argument.strip("<>")
        argument = re.sub(r"(\w+) \[\1 \.\.\.\]", r"\1...", argument)
        argument = re.sub(r"^\[(\w+) \.\.\.\]$", r"[\1...]", argument)
        parts.append(f"{name} {argument}".strip())
    return ", ".join(parts)


class MagicHelp(SphinxDirective):
    """What ``%NAME?`` shows, as reference entries."""

    required_arguments = 1
    option_spec = {"forms": directives.unchanged}

    def run(self):
        name = self.arguments[0].lstrip("%")
        function = magic_function(name)
        parser = getattr(function, "parser", None)
        if parser is None:
            raise self.error(f"%{name} has no argument parser to document")
        usage, description, sections = parse_help(parser)
        # The program is the magic's bare name: Sphinx makes ids of it.
        lines = [f".. program:: {name}", "", ".. code-block:: text", ""]
        lines += ["   " + line for line in usage.splitlines()]
        lines += ["", ".. code-block:: text", ""]
        lines += ["   " + line if line else "" for line in description.splitlines()]
        lines.append("")
        for title, entries in sections:
            if title == "arguments":
                for invocation, help_text in entries:
                    lines += [f"``{invocation}``", f"   {help_text}", ""]
                continue
            for invocation, help_text in entries:
                lines += [f".. option:: {option_signature(invocation)}", "", f"   {_literal_safe(help_text)}", ""]
        return self.parse(lines)

    def parse(self, lines):
        container = nodes.container(classes=["magic-help"])
        self.state.nested_parse(StringList(lines, source=f"<%{self.arguments[0]}?>"), self.content_offset, container)
        return [container]


def _literal_safe(text: str) -> str:
    """Help text as reST: every character as written (no markup)."""
    return re.sub(r"([\\`*_|\[\]])", r"\\\1", text)


class ConfigTraits(SphinxDirective):
    """Every configurable trait of the extension: ``c.CLASS.name``."""

    def run(self):
        configurable = magics_object()
        if configurable not in live_shell().configurables:
            raise self.error("the extension registered no configurable in shell.configurables")
        cls = type(configurable)
        lines = []
        for name, trait in sorted(cls.class_traits(config=True).items()):
            lines += [
                f".. confval:: {cls.__name__}.{name}",
                f"   :type: {_literal_safe(trait_type(trait))}",
                f"   :default: ``{trait.default_value_repr()}``",
                "",
            ]
            help_text = " ".join(textwrap.dedent(trait.help or "").split())
            if not help_text:
                raise self.error(f"{cls.__name__}.{name} has no help text")
            lines += [f"   {_literal_safe(help_text)}", ""]
        container = nodes.container(classes=["config-traits"])
        self.state.nested_parse(StringList(lines, source="<traits>"), self.content_offset, container)
        return [container]


def trait_type(trait) -> str:
    """``Integer`` with its bounds, or an enum's values, as ``%config`` would say."""
    kind = type(trait).__name__
    values = getattr(trait, "values", None)
    if values:
        return f"{kind}: " + ", ".join(repr(value) for value in values)
    limits = (("min", getattr(trait, "min", None)), ("max", getattr(trait, "max", None)))
    bounds = [f"{label} {value:g}" for label, value in limits if value is not None and abs(value) != float("inf")]
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


class MagicOption(XRefRole):
    """``:opt:`%bg --every``` links to that option of ``.. magic-help:: bg``
    (a missing one is a broken reference, an error under ``nitpicky``)."""

    def run(self):
        self.name = "std:option"
        return super().run()

    def process_link(self, env, refnode, has_explicit_title, title, target):
        magic, _, option = target.partition(" ")
        refnode["std:program"] = magic.lstrip("%")
        return title, option


def setup(app):
    app.add_role("opt", MagicOption())
    app.add_directive("magic-help", MagicHelp)
    app.add_directive("config-traits", ConfigTraits)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
