"""Job ids against a real InteractiveShell: numbered on after %reload_ext,
in order, and a forgotten job's id says why it is gone."""

from tests.harness.cells import run, run_quiet, usage_error


def test_reload_numbers_jobs_after_the_last_one(callables):
    run(callables, "%bg triple(1)")
    run(callables, "%bg triple(2)")
    run(callables, "await asyncio.sleep(0.05)")
    run(callables, "%reload_ext ipython_bg")
    job = run(callables, "%bg triple(3)")
    assert job.id == 3
    run(callables, "await asyncio.sleep(0.05)")
    assert [callables.user_ns[f"_bg{n}"] for n in (1, 2, 3)] == [3, 6, 9]
    assert "started before ipython_bg was reloaded" in usage_error(callables, "%fg 1")


def test_a_job_forgotten_for_history_says_so(callables):
    run(callables, "%config BackgroundJobs.history = 1")
    run(callables, "first = %bg triple(1)")
    run(callables, "%bg triple(2)")
    run(callables, "await asyncio.sleep(0.05)")
    said = "job 1 has ended and was forgotten: only the last 1 finished jobs are kept (BackgroundJobs.history)"
    for line in ("%fg 1", "%jobs 1", "%jobs -t 1", "%fg first"):
        assert said in usage_error(callables, line)
    run(callables, "%jobs -c")
    assert "%jobs -c forgets finished ones" in usage_error(callables, "%fg 2")
    assert usage_error(callables, "%fg 7") == "%fg: no job 7"


def test_bg_of_a_forgotten_job_keeps_ids_in_order_and_reports_it_once(sweep):
    run_quiet(sweep, "j = %bg ok(1)")
    run_quiet(sweep, "%fg")
    run_quiet(sweep, "%jobs -c")
    run_quiet(sweep, "%bg ok(2)")
    result, _ = run_quiet(sweep, "%bg j")
    ids = [job.id for job in sweep.table]
    heard = dict(sweep.heard)
    run_quiet(sweep, "%fg 2")
    run_quiet(sweep, "%jobs -c")  # leave a consistent table for the fixture's final check
    sweep.heard.clear()
    # Was: JobControl.adopt re-added job 1 under its old id: ids [2, 1] (and
    # %+ the old job 1), and the listeners heard job 1 end a second time.
    assert ids == sorted(ids), ids
    assert heard.get(1, 0) <= 1, heard
