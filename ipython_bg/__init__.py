"""Shell-style job control for asyncio and threads in IPython and Jupyter.

Load it with ``%load_ext ipython_bg`` (or ``ipython --ext ipython_bg``).  In
the terminal the prompt then runs inside IPython's asyncio loop, so
background jobs advance while you type; a Jupyter kernel's loop already
runs between cells.

Magics (line and cell)::

    %bg EXPR            start a job: a coroutine or awaitable runs on the loop,
                        a plain call f(a, b) runs in a worker thread
    %bg NAME = EXPR     ... and assign its result to NAME when it succeeds
    %%bg [--name L]     the cell is the job (await inside: coroutine; else thread)
    %bg --timeout S ... cancel after S seconds: fails with TimeoutError
    %bg --retries N ... run a failed job again, up to N more times
    %bg --every S ...   run again every S seconds (--stop-on-error: a failure ends it)
    %bg --after SPEC... EXPR   start once those jobs have succeeded
    %fg EXPR            run in the foreground and return the result
    %fg [SPEC ...]      wait for jobs (default: the current one), return results
    %%fg                run the cell with top-level await
    %bg --quiet EXPR    ... keeping its output without showing it
    %jobs [-l]          the job table (-l: with the last lines each job printed);
                        -o SPEC... what jobs printed and displayed, -k SPEC... cancel,
                        -c forget finished, -t SPEC traceback of a failed job

Each job keeps its stdout, stderr and (in a notebook) displays, bounded;
``ipython_bg.progress(done, total=None, note="")`` inside a job (or a tqdm
bar) gives ``%jobs`` its progress column.

Job specs are bash's: ``N``, ``%N``, ``%+`` / ``%%`` (current), ``%-``
(previous), ``%name`` (text starts with), ``%?text`` (text contains).
Ctrl-C during ``%fg`` or an ``await`` cell cancels that job only.  Tasks
your cells make with ``asyncio.create_task``/``ensure_future`` are jobs too.

Configuration, in ``ipython_config.py`` or with ``%config`` (which takes
effect at once; ``loop`` is read at load)::

    c.BackgroundJobs.notify = "immediate"    # or "prompt", "off"
    c.BackgroundJobs.result_name = "_bg{id}" # "" to switch off
    c.BackgroundJobs.history = 1000          # finished jobs kept
    c.BackgroundJobs.executor = ""           # name of an Executor or Dask Client for calls
    c.BackgroundJobs.process_workers = 0     # --process jobs at once; 0: one per CPU
    c.BackgroundJobs.worker_threads = 32     # thread jobs at once
    c.BackgroundJobs.loop = "asyncio"        # or "uvloop"
    c.BackgroundJobs.notice_limit = 10       # more ends at once: one line counts them
    c.BackgroundJobs.block_warning = 2.0     # seconds before a frozen prompt is named; 0: off
    c.BackgroundJobs.confirm_exit = True     # exit with running jobs asks again
    c.BackgroundJobs.output_limit = 100_000  # characters of output each job keeps
    c.BackgroundJobs.quiet = False           # keep output without showing it
    c.BackgroundJobs.exit_timeout = 2.0      # seconds for finally blocks
    c.BackgroundJobs.retry_delay = 0.5       # seconds before the first retry; doubles
    c.BackgroundJobs.adopt_tasks = True      # your cells' create_task tasks are jobs
    c.BackgroundJobs.prompt_jobs = " [{jobs}]"  # the terminal prompt's job count; "": none
    c.BackgroundJobs.long_job = 10.0         # a job this long rings the bell as it ends; 0: never
    c.BackgroundJobs.desktop_notify = "off"  # with the bell: "auto", "osc9", "osc777"

Without IPython, :func:`run_in_background` and :func:`run_in_foreground`
do the same on an event loop of their own.
"""

__version__ = "0.1.0"

__all__ = [
    "load_ipython_extension", "unload_ipython_extension", "run_in_background", "run_in_foreground", "progress",
]


def load_ipython_extension(ipython):
    # Imported here, not at the top: importing the package must cost nothing.
    from .extension import load

    load(ipython)


def unload_ipython_extension(ipython):
    from .extension import unload

    unload(ipython)


def _jupyter_labextension_paths():
    # Jupyter's hook for `jupyter labextension develop .`, which links the
    # Jobs panel's build (setup.py makes it) where JupyterLab finds it: for
    # an editable install, to which setuptools gives no data files.
    return [{"src": "labextension", "dest": "ipython-bgjobs"}]


def __getattr__(name):
    if name in ("run_in_background", "run_in_foreground"):
        from . import plain

        return getattr(plain, name)
    if name == "progress":
        from .output import progress

        return progress
    if name in ("Job", "JobState", "JobKind"):
        from . import jobs

        return getattr(jobs, name)
    raise AttributeError(f"module 'ipython_bg' has no attribute {name!r}")
