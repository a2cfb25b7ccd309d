"""The job count in the terminal's prompt (ipython_bg/hosts/terminal/prompt.py),
on its own; in a real terminal: tests/terminal/test_prompt.py."""

from pygments.token import Token

from ipython_bg.hosts.terminal.prompt import count_text, with_count

IPYTHON_PROMPT = [(Token.Prompt, "In ["), (Token.PromptNum, "7"), (Token.Prompt, "]: ")]


def text_of(tokens) -> str:
    return "".join(value for _, value in tokens)


def test_the_count_goes_before_the_prompts_closing():
    assert text_of(with_count(IPYTHON_PROMPT, " [2 jobs]")) == "In [7] [2 jobs]: "
    assert text_of(with_count([(Token.Prompt, ">>> ")], " [1 job]")) == "[1 job] >>> "
    assert text_of(with_count([(Token.Prompt, "(venv) $ ")], " [3]")) == "(venv) [3] $ "
    # A closing of its own token, after an empty one.
    tokens = [(Token.Prompt, "In [7]"), (Token.Prompt, ": "), (Token.Prompt, "")]
    assert text_of(with_count(tokens, " [2 jobs]")) == "In [7] [2 jobs]: "


def test_with_no_job_the_tokens_are_ipythons_own():
    assert with_count(IPYTHON_PROMPT, count_text(" [{jobs}]", 0)) is IPYTHON_PROMPT
    assert count_text("", 5) == ""


def test_the_count_text_says_job_or_jobs():
    assert count_text(" [{jobs}]", 1) == " [1 job]"
    assert count_text(" [{jobs}]", 12) == " [12 jobs]"
    assert count_text(" {count}&", 3) == " 3&"
