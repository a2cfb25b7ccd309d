"""Thousands of jobs ending together are said in one summary line, at the
terminal prompt and in a kernel's cell (issue: 2,000 printing jobs gave
'400 jobs ended' midway, then '1600 jobs ended')."""

import re

import pytest
from kernel import Kernel

PRINTER = (
    "import asyncio\n"
    "from ipython_bg import run_in_background\n"
    "async def printer(n):\n"
    "    await asyncio.sleep(0.3)\n"
    "    print('line', n)\n"
    "    return n\n"
)


def _summaries(text: str) -> list[str]:
    return re.findall(r"\d+ jobs ended: [^\r\n]*", text)


@pytest.mark.terminal
def test_two_thousand_jobs_ending_together_at_the_prompt_make_one_line(terminal):
    terminal.run("from ipython_bg import run_in_background")
    terminal.run("exec('async def printer(n):\\n    await asyncio.sleep(0.3)\\n    print(\"line\", n)\\n    return n')")
    terminal.send("for n in range(2000): run_in_background(printer(n))")
    told = terminal.read_until(lambda text: "jobs ended:" in text and "%jobs lists them" in text, timeout=60)
    more = terminal.sync()
    summaries = _summaries(told + more)
    assert summaries == ["2000 jobs ended: 2000 done; %jobs lists them"], summaries
    assert not re.search(r"\[\d+\][+-]? done  coroutine", told + more)


@pytest.mark.kernel
def test_two_thousand_jobs_ending_together_in_a_cell_make_one_line():
    kernel = Kernel()
    try:
        assert kernel.execute("%load_ext ipython_bg\n" + PRINTER).ok
        cell = kernel.execute("for n in range(2000):\n    run_in_background(printer(n))")
        kernel.wait_for(lambda: "%jobs lists them" in cell.stdout, timeout=60)
        kernel.execute("import time; time.sleep(0.5)")  # anything said late comes before this ends
        summaries = _summaries(cell.stdout)
        assert summaries == ["2000 jobs ended: 2000 done; %jobs lists them"], summaries
    finally:
        kernel.close()
