"""The terminal prompt's job count, like zsh's ``%j``: ``In [7] [2 jobs]:``.

While jobs run, the prompt says how many, through IPython's public prompt
API: the configured ``shell.prompts`` object (whatever ``prompts_class``
made, or what the user put there) is wrapped, never replaced by a class of
ours, and with no job running its tokens are exactly its own.  The count
goes before the prompt's closing punctuation (``]: ``, ``>>> ``); the text
is ``BackgroundJobs.prompt_jobs`` (``{jobs}`` is ``2 jobs``, ``{count}``
is ``2``; empty switches it off)::

    c.BackgroundJobs.prompt_jobs = " [{count}&]"

A job that ends while the user idles at the prompt redraws it from the loop
callback that reports the end (no polling), through prompt_toolkit's
``invalidate()``, which keeps whatever is half typed.
"""

from __future__ import annotations

from IPython.terminal.prompts import Prompts
from pygments.token import Token

from ipython_bg.process.changes import Change

__all__ = ["CountedPrompts", "JobPrompt", "count_text", "with_count"]

#: What a prompt's closing may hold besides spaces: ``]: `` closes before
#: its colon, ``>>> ``, ``$ `` and ``❯ `` are all closing.
_OPENERS_AND_WORDS = ")]}"


def count_text(template: str, count: int) -> str:
    """``template`` for ``count`` running jobs; empty when none run."""
    if not template or count == 0:
        return ""
    return template.format(count=count, jobs=f"{count} job{'s' * (count != 1)}")


def _closing_at(text: str) -> int:
    """Where the closing of a prompt's last piece starts in ``text``."""
    end = len(text)
    while end and (text[end - 1].isspace() or not (text[end - 1].isalnum() or text[end - 1] in _OPENERS_AND_WORDS)):
        end -= 1
    return end


def with_count(tokens: list, text: str) -> list:
    """``tokens`` with ``text`` put before their closing punctuation: after
    the last piece that is not all closing, else in front of them all."""
    if not text:
        return tokens
    for index in range(len(tokens) - 1, -1, -1):
        token, value = tokens[index][:2]
        if not value:
            continue
        head = _closing_at(value)
        if head:
            pieces = [(token, value[:head]), (Token.Prompt.Jobs, text)]
            if value[head:]:
                pieces.append((token, value[head:]))
            return [*tokens[:index], *pieces, *tokens[index + 1:]]
    return [(Token.Prompt.Jobs, text.lstrip() + " "), *tokens]


class CountedPrompts(Prompts):
    """The user's prompts object, with the job count in its input prompt.

    A ``Prompts`` because IPython's ``shell.prompts`` trait takes only
    those; everything is asked of the wrapped object.
    """

    def __init__(self, inner: Prompts, text):
        super().__init__(inner.shell)
        self.inner = inner
        self.text = text  # () -> the count's text now, "" for none
        self.shown = ""  # the count's text in the tokens last made
        # The inner object's own bound methods, not wrappers: IPython looks
        # at their signatures to know which arguments they take.
        self.continuation_prompt_tokens = inner.continuation_prompt_tokens
        self.rewrite_prompt_tokens = inner.rewrite_prompt_tokens
        self.out_prompt_tokens = inner.out_prompt_tokens
        self.vi_mode = inner.vi_mode

    def in_prompt_tokens(self):
        self.shown = self.text()
        return with_count(list(self.inner.in_prompt_tokens()), self.shown)

    def __getattr__(self, name):
        # What a user's own prompts class adds (methods its tokens call).
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)


class JobPrompt(Change):
    """Keeps ``shell.prompts`` wrapped in :class:`CountedPrompts` and
    redraws an idle prompt when the count changes.  ``running()`` is how
    many jobs run; ``settings.prompt_jobs`` the text."""

    why = "the terminal prompt says how many jobs run (shell.prompts is wrapped)"

    def __init__(self, shell, running, settings):
        self.shell = shell
        self.running = running
        self.settings = settings
        self.prompts: CountedPrompts | None = None

    def text(self) -> str:
        return count_text(self.settings.prompt_jobs, self.running())

    def install(self) -> None:
        """Wrap the shell's prompts, again if something replaced them
        (``%doctest_mode``, a user's ``shell.prompts = ...``)."""
        current = self.shell.prompts
        if isinstance(current, CountedPrompts):
            # Ours, put back (``%doctest_mode`` off) or left by an earlier load.
            current.text = self.text
            self.prompts = current
            return
        self.prompts = CountedPrompts(current, self.text)
        self.shell.prompts = self.prompts

    def uninstall(self) -> None:
        if self.prompts is not None and self.shell.prompts is self.prompts:
            self.shell.prompts = self.prompts.inner
        self.prompts = None

    def redraw(self) -> None:
        """At an idle prompt: show the count as it is now, if it changed."""
        prompts = self.prompts
        app = getattr(self.shell, "pt_app", None)
        if prompts is None or app is None or not app.app.is_running or self.text() == prompts.shown:
            return
        if not callable(app.message):
            # IPython gives an emacs-mode prompt its tokens once (a
            # PromptSession keeps them in ``message``): give it new ones.
            from prompt_toolkit.formatted_text import PygmentsTokens

            app.message = PygmentsTokens(prompts.in_prompt_tokens())
        app.app.invalidate()
