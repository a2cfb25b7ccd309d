"""The package's layers, as a machine checks them: which part may import
which, and that the job model and the engine load no IPython."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import ipython_bg


PACKAGE = Path(ipython_bg.__file__).resolve().parent

#: What each part of the package may import of the package (lowest first).
ALLOWED = {
    "_internals": set(),
    "model": {"model", "_internals"},
    "process": {"process", "model", "_internals"},
    "engine": {"engine", "process", "model", "_internals"},
    "render": {"render", "model"},
    "api": {"engine", "model"},
    "hosts": {"hosts", "engine", "process", "render", "model", "_internals"},
    "shell": {"shell", "hosts", "engine", "process", "render", "model", "api", "_internals"},
}

#: Libraries the model and the engine must not load (the shell's business).
SHELL_LIBRARIES = ("IPython", "ipykernel", "prompt_toolkit", "traitlets", "pygments", "jupyter_client", "zmq")


def _part(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if len(relative.parts) > 0 else ""


def _imports(path: Path):
    """The parts of the package that ``path`` imports, wherever in it (a
    function's own imports too), with their line numbers."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ipython_bg."):
            yield node.module.split(".")[1], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module == "ipython_bg":
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("ipython_bg."):
                    yield alias.name.split(".")[1], node.lineno


def test_each_part_imports_only_the_parts_below_it():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        part = _part(path)
        if part not in ALLOWED:
            continue  # the package's face (__init__.py) hands names on lazily
        for imported, line in _imports(path):
            if imported not in ALLOWED[part]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({part}) imports {imported}")
    assert wrong == []


@pytest.mark.parametrize("part", ["model", "engine", "process", "render", "api"])
def test_the_lower_parts_load_no_ipython(part):
    modules = sorted(
        "ipython_bg." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        for path in (PACKAGE / part).rglob("*.py")
    ) if (PACKAGE / part).is_dir() else [f"ipython_bg.{part}"]
    code = (
        f"import sys\nfor name in {modules!r}:\n    __import__(name)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({SHELL_LIBRARIES!r})))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", f"importing {part} loads {loaded.strip()}"
