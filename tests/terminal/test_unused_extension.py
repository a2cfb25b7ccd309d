"""The extension changes nothing where it is not used: ``ipython -c`` and
``ipython script.py`` print the same with it loaded, with a tty too."""

import os
import subprocess
import sys

import pytest


def ipython(tmp_path, *args):
    env = dict(os.environ, IPYTHONDIR=str(tmp_path / "ipython"))
    env.pop("IPY_TEST_SIMPLE_PROMPT", None)
    command = [sys.executable, "-m", "IPython", "--HistoryManager.hist_file=:memory:", "--colors=NoColor", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(
    "mode",
    ["-c", "script"],
)
def test_same_output_with_and_without_the_extension(tmp_path, mode):
    code = "import asyncio\nprint('one')\nprint(asyncio.run(asyncio.sleep(0, result='two')))\n"
    if mode == "script":
        (tmp_path / "script.py").write_text(code)
        args = ["script.py"]
    else:
        args = ["-c", code]
    plain = ipython(tmp_path, *args)
    loaded = ipython(tmp_path, "--ext", "ipython_bg", *args)
    assert plain == loaded
    assert plain[0] == 0 and plain[1].split() == ["one", "two"]


def test_same_output_in_a_terminal(tmp_path):
    """With a tty the terminal integration is installed; -c must still
    print exactly the same."""
    import pexpect

    env = dict(os.environ, IPYTHONDIR=str(tmp_path / "ipython"), TERM="xterm")
    env.pop("IPY_TEST_SIMPLE_PROMPT", None)
    outputs = []
    for extension in ([], ["--ext", "ipython_bg"]):
        child = pexpect.spawn(
            sys.executable,
            ["-m", "IPython", "--HistoryManager.hist_file=:memory:", *extension, "-c", "print('one')"],
            env=env, encoding="utf-8", timeout=60, cwd=str(tmp_path),
        )
        child.expect(pexpect.EOF)
        child.close()
        outputs.append((child.exitstatus, child.before))
    assert outputs[0] == outputs[1]
    assert "one" in outputs[0][1]
