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

Configuration: ``c.BackgroundJobs.<name> = value`` in ``ipython_config.py``,
or ``%config BackgroundJobs.<name> = value`` at the prompt, which takes
effect at once; ``%config BackgroundJobs`` lists every setting with its
help (the documentation's configuration reference is made from the same
text).

Without IPython, :func:`run_in_background` and :func:`run_in_foreground`
do the same on an event loop of their own.
"""

__version__ = "0.1.0"

__all__ = [
    "load_ipython_extension", "unload_ipython_extension", "run_in_background", "run_in_foreground", "progress",
]


def load_ipython_extension(ipython):
    # Imported here, not at the top: importing the package must cost nothing.
    from ipython_bg.shell.extension import load

    load(ipython)


def unload_ipython_extension(ipython):
    from ipython_bg.shell.extension import unload

    unload(ipython)


def _jupyter_labextension_paths():
    # Jupyter's hook for `jupyter labextension develop .`, which links the
    # Jobs panel's build (setup.py makes it) where JupyterLab finds it: for
    # an editable install, to which setuptools gives no data files.
    return [{"src": "labextension", "dest": "ipython-bgjobs"}]


def __getattr__(name):
    if name in ("run_in_background", "run_in_foreground"):
        from ipython_bg import api

        return getattr(api, name)
    if name == "progress":
        from ipython_bg.model.output import progress

        return progress
    if name in ("Job", "JobState", "JobKind"):
        from ipython_bg.model import job

        return getattr(job, name)
    raise AttributeError(f"module 'ipython_bg' has no attribute {name!r}")
