"""Benchmarks for ipython_bg: ``python -m benchmarks [--quick] [NAME ...]``.

Each benchmark is a module here with a ``main(quick)`` function; each prints
one line per figure: the figure, its ratio against a baseline measured in
the same run (the median of several repetitions), and its goal.  A slow
figure is reported, never fatal: ``python -m benchmarks`` exits non-zero
only when a benchmark crashes (or overruns its time budget).

    idle      CPU of a terminal ipython idle at its prompt with 100 sleeping jobs
    server    a TCP echo server under the idle prompt vs plain ipython's %gui asyncio prompt
    overhead  run_in_background and %bg vs raw loop.create_task (timed; counted by valgrind)
    table     %jobs over 10,000 finished jobs (a screenful and -a; text, HTML) and memory per job
    notice    from a job's end to its notice on the terminal
    ends      the cost of each end in a burst of 80,000 ends vs one of 10,000
    load      %load_ext ipython_bg in a fresh process vs a trivial extension
    tasks     10,000 library tasks with the extension loaded (its task factory) vs not
    capture   a job printing 100,000 lines, its output kept, vs without the extension
    keys      key-to-echo latency with 100 busy jobs vs plain ipython %gui asyncio
    watch     the selector watch's instructions per echo round trip (valgrind) vs none
    panel     the Jobs panel in Chromium: a job's start to its row; its longest task over 2,000 ends
    interrupt a kernel interrupt of %fg to its reply vs a plain kernel's synchronous cell
    exit      exit with a job stuck in its finally block vs a plain ipython's exit
"""

#: In the order ``python -m benchmarks`` runs them; each a module of this package.
BENCHMARKS = (
    "idle", "server", "overhead", "table", "notice", "ends", "load", "tasks", "capture", "keys", "watch", "panel",
    "interrupt", "exit",
)
