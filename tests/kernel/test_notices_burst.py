"""Thousands of jobs ending together are said in one summary line in the
cell that started them (2,000 printing jobs gave two)."""

import re

from tests.harness.kernel import Kernel


def _summaries(text: str) -> list[str]:
    return re.findall(r"\d+ jobs ended: [^\r\n]*", text)


PRINTER = (
    "import asyncio\n"
    "from ipython_bg import run_in_background\n"
    "async def printer(n):\n"
    "    await asyncio.sleep(0.3)\n"
    "    print('line', n)\n"
    "    return n\n"
)


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
