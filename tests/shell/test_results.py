"""Results of jobs: ``_bgN`` bounded like IPython's ``Out``, named
assignments the user's, and ``%jobs -c`` said in one line."""

from tests.harness.cells import run


MAKE = "async def make(n):\n    return [n] * 1000\n"


def _bg_names(shell):
    return sorted(int(name[3:]) for name in shell.user_ns if name.startswith("_bg") and name[3:].isdigit())


def test_results_of_jobs_the_history_forgot_are_released(shell):
    run(shell, MAKE)
    run(shell, "%config BackgroundJobs.history = 5")
    run(shell, "kept = %bg mine = make(0)")
    for n in range(1, 21):
        run(shell, f"%bg make({n})")
    run(shell, "%%fg\nimport asyncio\nawait asyncio.sleep(0.05)\n")
    assert _bg_names(shell) == [17, 18, 19, 20, 21]
    assert shell.user_ns["mine"] == [0] * 1000  # a name the user gave stays


def test_jobs_c_releases_results_and_says_what_it_forgot_in_one_line(shell, capsys):
    run(shell, MAKE)
    for n in range(1, 1001):
        run(shell, f"%bg make({n})")
    run(shell, "%%fg\nimport asyncio\nawait asyncio.sleep(0.1)\n")
    run(shell, "_bg7 = 'mine now'")  # the user reused a name: it is theirs
    capsys.readouterr()
    shell.run_cell("%jobs -c", store_history=True)
    out = capsys.readouterr().out
    assert out.strip().splitlines() == ["Out[1]: forgot 1000 finished jobs ([1] to [1000])"] or (
        len(out.strip().splitlines()) == 1 and "forgot 1000 finished jobs ([1] to [1000])" in out
    ), out
    assert _bg_names(shell) == [7] and shell.user_ns["_bg7"] == "mine now"
