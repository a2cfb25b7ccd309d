"""The settings of ipython_bg: ``c.BackgroundJobs.<name>`` in
``ipython_config.py``, or ``%config BackgroundJobs.<name> = value``.

Each trait's ``help`` is the one text that says what it does: ``%config
BackgroundJobs`` shows it and the documentation's configuration reference
is generated from it.  Every change takes effect at once (the session
observes the traits), except ``loop``, read when the extension loads.
"""

from __future__ import annotations

from traitlets import Bool, CaselessStrEnum, Float, HasTraits, Integer, TraitError, Unicode, validate

__all__ = ["Settings"]


class Settings(HasTraits):
    """The traits of :class:`~ipython_bg.shell.magics.BackgroundJobs`, the
    configurable the user sets (config files and ``%config`` know it by
    that name)."""

    notify = CaselessStrEnum(
        ("immediate", "prompt", "off"),
        default_value="immediate",
        help="""When a job's end is announced: 'immediate' (above an idle
        prompt at once; during a cell, before the next prompt), 'prompt'
        (always before the next prompt) or 'off'.""",
    ).tag(config=True)
    result_name = Unicode(
        "_bg{id}",
        help="""Name under which each successful job's result is stored in
        the user namespace ('{id}' is the job id); empty to switch off.""",
    ).tag(config=True)
    history = Integer(1000, min=0, help="How many finished jobs %jobs keeps; unfinished jobs are always kept.").tag(
        config=True
    )
    process_workers = Integer(
        0, min=0, help="At most this many process jobs (%bg --process) run at once; 0 means one per CPU."
    ).tag(config=True)
    executor = Unicode(
        "",
        help="""Name of an executor in the user namespace (any
        concurrent.futures.Executor, or a Dask Client) that call jobs go to
        instead of a thread; empty for threads.""",
    ).tag(config=True)
    worker_threads = Integer(
        32, min=1, help="At most this many thread jobs run at once; more wait for a free worker (state 'pending')."
    ).tag(config=True)
    loop = CaselessStrEnum(
        ("asyncio", "uvloop"),
        default_value="asyncio",
        help="""The event loop that jobs and the terminal prompt run on:
        asyncio's own, or uvloop (pip install uvloop).  Read when the
        extension loads; a kernel keeps its own loop.""",
    ).tag(config=True)
    notice_limit = Integer(
        10,
        min=0,
        help="""When more jobs than this end together (within a fifth of a
        second of the last notices, or waiting for the next prompt), one line
        counts them instead of a line each; failed ones are still named, up
        to five.""",
    ).tag(config=True)
    block_warning = Float(
        2.0,
        min=0,
        help="""At an idle terminal prompt, after this many seconds of a job
        holding the event loop without an await, say which job it is and let
        Ctrl-C stop it; 0 switches the watch off.""",
    ).tag(config=True)
    confirm_exit = Bool(
        True,
        help="""Ask again before exiting while jobs are running (like bash's
        checkjobs): the first exit or Ctrl-D lists them, the second exits.""",
    ).tag(config=True)
    retry_delay = Float(
        0.5,
        min=0,
        help="""Seconds before the first retry of a %bg --retries job; each
        further retry waits twice as long as the one before.""",
    ).tag(config=True)
    adopt_tasks = Bool(
        True,
        help="""Make jobs of the tasks that your own cell code creates with
        asyncio.create_task or asyncio.ensure_future (never those of
        libraries, IPython or ipykernel): listed by %jobs, their failures
        noticed; their results are not stored.""",
    ).tag(config=True)
    output_limit = Integer(
        100_000,
        min=0,
        help="""How many characters of output (stdout, stderr, displays) each
        job keeps for %jobs -o: the last ones; the earlier are counted.""",
    ).tag(config=True)
    quiet = Bool(
        False,
        help="""Jobs keep their output without showing it (as %bg --quiet
        does): %jobs -o shows it; the notice of the end still appears.""",
    ).tag(config=True)
    exit_timeout = Float(
        2.0,
        min=0,
        help="""Seconds that cancelled jobs get to run their finally blocks
        when the extension is unloaded or IPython exits.""",
    ).tag(config=True)
    prompt_jobs = Unicode(
        " [{jobs}]",
        help="""What the terminal prompt shows while jobs run, put before its
        closing ': ' (In [7] [2 jobs]: ); '{jobs}' is '2 jobs', '{count}' is
        '2'; empty to switch it off.""",
    ).tag(config=True)
    long_job = Float(
        10.0,
        min=0,
        help="""A job that ran at least this many seconds rings the terminal
        bell with its notice when it ends while you are at the prompt; 0
        switches the bell off.""",
    ).tag(config=True)
    desktop_notify = CaselessStrEnum(
        ("off", "auto", "osc9", "osc777"),
        default_value="off",
        help="""With the bell of a long job, also ask the terminal for a
        desktop notification: 'osc9' (iTerm2, WezTerm, kitty, Windows
        Terminal), 'osc777' (urxvt, foot, GNOME Terminal), 'auto' (one of
        those, by the terminal's variables) or 'off'.""",
    ).tag(config=True)

    @validate("result_name")
    def _check_result_name(self, proposal):
        name = proposal.value
        if name:
            try:
                formatted = name.format(id=1)
            except (KeyError, IndexError, ValueError) as exc:
                raise TraitError(f"result_name {name!r} does not format with {{id}}: {exc}") from None
            if not formatted.isidentifier():
                raise TraitError(f"result_name {name!r} does not make a Python name")
        return name

    @validate("prompt_jobs")
    def _check_prompt_jobs(self, proposal):
        try:
            proposal.value.format(count=2, jobs="2 jobs")
        except (KeyError, IndexError, ValueError) as exc:
            raise TraitError(f"prompt_jobs {proposal.value!r} does not format with {{count}} or {{jobs}}: {exc}") from None
        return proposal.value
