"""Thousands of jobs ending together are said in one summary line above the
terminal prompt (2,000 printing jobs gave '629 jobs ended' midway, then
'1371 jobs ended')."""

import re


def _summaries(text: str) -> list[str]:
    return re.findall(r"\d+ jobs ended: [^\r\n]*", text)


def test_two_thousand_jobs_ending_together_at_the_prompt_make_one_line(terminal):
    terminal.run("from ipython_bg import run_in_background")
    terminal.run("exec('async def printer(n):\\n    await asyncio.sleep(0.3)\\n    print(\"line\", n)\\n    return n')")
    terminal.send("for n in range(2000): run_in_background(printer(n))")
    told = terminal.read_until(lambda text: "jobs ended:" in text and "%jobs lists them" in text, timeout=60)
    more = terminal.sync()
    summaries = _summaries(told + more)
    assert summaries == ["2000 jobs ended: 2000 done; %jobs lists them"], summaries
    assert not re.search(r"\[\d+\][+-]? done  coroutine", told + more)
