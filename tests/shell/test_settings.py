"""Settings (``c.BackgroundJobs.*``, ``%config``) in a real InteractiveShell:
each takes effect when changed after load, bad values are refused, and the
extension is one configurable while loaded."""

from __future__ import annotations

import concurrent.futures

import pytest
from IPython.core.error import UsageError

from tests.harness.cells import run


def magics_of(shell):
    return shell.magics_manager.registry["BackgroundJobs"]


def configurables_named(shell, name="BackgroundJobs"):
    return [c for c in shell.configurables if type(c).__name__ == name]


def test_one_configurable_while_loaded_none_after_unload(shell):
    assert len(configurables_named(shell)) == 1
    shell.run_line_magic("unload_ext", "ipython_bg")
    assert configurables_named(shell) == []
    shell.run_line_magic("load_ext", "ipython_bg")
    assert len(configurables_named(shell)) == 1
    shell.run_line_magic("reload_ext", "ipython_bg")
    assert len(configurables_named(shell)) == 1


def test_every_setting_changed_by_config_takes_effect(shell, capsys):
    session = magics_of(shell).session
    run(shell, "%config BackgroundJobs.worker_threads = 3")
    assert session.control.threads.max_workers == 3
    run(shell, "%config BackgroundJobs.process_workers = 2")
    assert session.control.processes.max_workers == 2
    # %config expands {...} in its line: double the braces there.
    run(shell, "%config BackgroundJobs.result_name = 'r{{id}}'")
    job = run(shell, "%bg asyncio.sleep(0, 'x')")
    run(shell, f"%fg {job.id}")
    run(shell, "%%fg\nawait asyncio.sleep(0)")
    assert shell.user_ns[f"r{job.id}"] == "x"
    run(shell, "%config BackgroundJobs.history = 0")
    assert len(session.control.table) == 0
    run(shell, "%config BackgroundJobs.notify = 'off'")
    capsys.readouterr()
    run(shell, "%bg asyncio.sleep(0)")
    run(shell, "%%fg\nawait asyncio.sleep(0.01)")
    assert "done" not in capsys.readouterr().out
    run(shell, "%config BackgroundJobs.output_limit = 5")
    run(shell, "%config BackgroundJobs.quiet = True")
    job = run(shell, "%bg print('0123456789')")
    run(shell, f"%fg {job.id}")
    assert job.output.size <= 5 and job.output.text().endswith("9\n") and job.output.quiet
    assert "0123456789\n" not in capsys.readouterr().out
    for name, value in (("block_warning", 0.5), ("exit_timeout", 0.25), ("confirm_exit", False)):
        run(shell, f"%config BackgroundJobs.{name} = {value!r}")
        assert getattr(session.settings, name) == value, name


def test_the_default_executor_is_read_on_each_line(shell):
    shell.user_ns["pool"] = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="mine")
    run(shell, "%config BackgroundJobs.executor = 'pool'")
    job = run(shell, "%bg threading.current_thread")
    assert run(shell, f"%fg {job.id}").name.startswith("mine")
    shell.user_ns["pool"].shutdown()


def test_the_loop_setting_says_when_it_applies(shell, capsys):
    run(shell, "%config BackgroundJobs.loop = 'uvloop'")
    assert "read when the extension loads" in capsys.readouterr().out


@pytest.mark.parametrize(
    "line, refused",
    [
        ("process_workers = -1", "process_workers"),
        ("worker_threads = 0", "worker_threads"),
        ("history = -5", "history"),
        ("exit_timeout = -1.0", "exit_timeout"),
        ("output_limit = -1", "output_limit"),
        ("result_name = 'x{'", "does not format"),
        ("result_name = '1{id}'", "does not make a Python name"),
    ],
)
def test_bad_values_are_refused_with_a_message(shell, caplog, line, refused):
    before = dict(vars(magics_of(shell).session.settings))
    shell.run_cell(f"%config BackgroundJobs.{line}")
    assert refused in caplog.text
    assert caplog.text.count(refused) == 1
    assert dict(vars(magics_of(shell).session.settings)) == before


def test_a_reload_after_a_refused_value_is_one_usage_error(shell):
    shell.run_cell("%config BackgroundJobs.process_workers = -1")
    shell.run_line_magic("unload_ext", "ipython_bg")
    from ipython_bg.shell.extension import load

    with pytest.raises(UsageError, match="process_workers"):
        load(shell)
    assert configurables_named(shell) == []
    shell.run_cell("%config BackgroundJobs.process_workers = 1")
    shell.run_line_magic("load_ext", "ipython_bg")
    assert magics_of(shell).session.settings.process_workers == 1


def test_a_thread_job_is_pending_only_while_the_worker_limit_holds_it(shell):
    import threading

    from ipython_bg.model.job import JobState

    shell.user_ns["gate"] = gate = threading.Event()
    run(shell, "%config BackgroundJobs.worker_threads = 2")
    # Read in the cell that starts it, mostly before the idle worker took
    # the call: it runs, as no limit holds it.
    for _ in range(5):
        run(shell, "job = %bg gate.wait(0.05)\nstate = job.state")
        assert shell.user_ns["state"] is JobState.RUNNING
        run(shell, "%fg job")
    # Two workers: the first two run and the third waits for a worker.
    run(shell, "a = %bg gate.wait(30)\nb = %bg gate.wait(30)\nc = %bg gate.wait(30)\nstates = [a.state, b.state, c.state]")
    assert shell.user_ns["states"] == [JobState.RUNNING, JobState.RUNNING, JobState.PENDING]
    gate.set()
    run(shell, "%fg a b c")
    assert all(job.state is JobState.DONE for job in magics_of(shell).session.control.table)


def test_every_setting_says_what_it_does_once_in_its_help(shell, capsys):
    # The trait's help is the one text: %config shows it, the docs are made from it.
    from ipython_bg.shell.magics import BackgroundJobs

    traits = BackgroundJobs.class_traits(config=True)
    assert traits and all(len(trait.help.split()) >= 5 for trait in traits.values()), traits
    capsys.readouterr()
    shell.run_line_magic("config", "BackgroundJobs")
    shown = capsys.readouterr().out
    assert [name for name in traits if f"BackgroundJobs.{name}=" not in shown] == []


def test_result_names_can_be_switched_off(defs):
    run(defs, "%config BackgroundJobs.result_name = ''")
    run(defs, "%bg double(1)")
    run(defs, "%fg")
    assert "_bg1" not in defs.user_ns
    defs.run_cell("%config BackgroundJobs.result_name = 'x{nope}'")
    assert defs.magics_manager.registry["BackgroundJobs"].result_name == ""


@pytest.mark.parametrize("line", ["prompt_jobs = '{nope}'", "long_job = -1.0", "desktop_notify = 'loud'"])
def test_bad_prompt_settings_are_refused(shell, caplog, line):
    magics = next(c for c in shell.configurables if type(c).__name__ == "BackgroundJobs")
    before = magics.trait_values(config=True)
    shell.run_cell(f"%config BackgroundJobs.{line}")
    assert line.split()[0] in caplog.text
    assert magics.trait_values(config=True) == before
