"""Property tests: random %bg, %fg and %jobs lines and %%bg/%%fg cells
(harness/strategies.py), each run in a real InteractiveShell and checked
by the sweep's checker (harness/sweep.py, the ``sweep`` fixture) for every
property it states."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness.strategies import bodies, cell_options, jobs_text, line_text, seeds
from tests.harness.sweep import user_mistakes_warn

# Hundreds of random examples each: it explores for new bugs, while the
# behaviour it found broken is pinned in the fast lane (test_line_table.py,
# test_tracebacks.py and the others).
pytestmark = pytest.mark.slow

SWEEP = settings(
    max_examples=250,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@user_mistakes_warn
@SWEEP
@given(before=seeds, text=line_text(evaluated=True))
def test_bg_line_sweep(sweep, before, text):
    for seed in before:
        sweep.run(seed)
    sweep.run("%bg " + text)


@user_mistakes_warn
@SWEEP
@given(before=seeds, bounded=st.booleans(), text=line_text(evaluated=True))
def test_fg_line_sweep(sweep, before, bounded, text):
    for seed in before:
        sweep.run(seed)
    # Every job in the table ends within milliseconds, so a %fg never waits
    # long anyway; half the lines bound the wait as a user would.
    sweep.run("%fg " + ("--timeout 0.5 " if bounded else "") + text)


@user_mistakes_warn
@SWEEP
@given(before=seeds, text=jobs_text)
def test_jobs_line_sweep(sweep, before, text):
    for seed in before:
        sweep.run(seed)
    sweep.run("%jobs " + text)


@user_mistakes_warn
@settings(SWEEP, max_examples=200)
@given(before=seeds, magic=st.sampled_from(["bg", "fg"]), data=st.data())
def test_cell_sweep(sweep, before, magic, data):
    for seed in before:
        sweep.run(seed)
    options = data.draw(cell_options[magic], label="options")
    body = data.draw(bodies, label="body")
    sweep.run(f"%%{magic} {options}\n{body}")


@user_mistakes_warn
@settings(SWEEP, max_examples=150)
@given(steps=st.lists(st.tuples(st.sampled_from(["bg", "fg", "jobs"]), line_text(evaluated=True)), min_size=1, max_size=5))
def test_mixed_sequence_sweep(sweep, steps):
    for magic, text in steps:
        sweep.run(f"%{magic} {text}")
