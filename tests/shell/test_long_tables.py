"""%jobs over more jobs than a screen holds: a screenful (the counts per
state, the unfinished and the newest rows), the rest on request (-a)."""

import pytest
from tests.harness.cells import run
from tests.harness.programs import DOUBLE_AND_FAIL


#: The height of the terminal the shell says it has (shutil reads $LINES first).
HEIGHT = 30


@pytest.fixture
def many(shell, monkeypatch):
    """203 jobs: [1] and [102] still running, [203] failed, the rest done."""
    monkeypatch.setenv("LINES", str(HEIGHT))
    monkeypatch.setenv("COLUMNS", "120")
    run(shell, DOUBLE_AND_FAIL)
    run(shell, "first = %bg asyncio.sleep(600)")
    run(shell, "ends = [get_ipython().run_line_magic('bg', f'double({i})') for i in range(100)]")
    run(shell, "middle = %bg asyncio.sleep(600)")
    run(shell, "ends += [get_ipython().run_line_magic('bg', f'double({i})') for i in range(100, 200)]")
    run(shell, "last = %bg fail('the newest went wrong')")
    run(shell, "await asyncio.wait(ends + [last])")
    yield shell
    run(shell, "%jobs -k all")


def ids_shown(text):
    return [int(line[1 : line.index("]")]) for line in text.splitlines() if line.startswith("[")]


def test_a_long_table_shows_a_screenful_with_the_counts_and_how_to_see_the_rest(many):
    table = run(many, "%jobs")
    assert [row.id for row in table] == list(range(1, 204))  # the object still has every row
    text = table.text()
    # The table, the line typed, IPython's Out[n]: and the next prompt fit on the screen.
    assert len(text.splitlines()) <= HEIGHT - 4, text
    shown = ids_shown(text)
    assert 1 in shown and 102 in shown and shown[-3:] == [201, 202, 203], shown
    assert 2 not in shown and 101 not in shown
    assert len(shown) >= 15, shown  # a screenful, not a handful
    assert "203 jobs: 2 running, 200 done, 1 failed" in text
    assert "%jobs -a" in text, text
    assert "jobs not shown" in text  # where rows were left out


def test_the_notebooks_table_shows_the_same_rows(many):
    table = run(many, "%jobs")
    page = table._repr_html_()
    assert page.count("<td class=\"ipython-bg-s-") == len(ids_shown(table.text()))
    assert page.count("jobs not shown") == 2
    assert "203 jobs: 2 running, 200 done, 1 failed" in page and "%jobs -a" in page


def test_jobs_a_shows_every_row(many):
    table = run(many, "%jobs -a")
    assert ids_shown(table.text()) == list(range(1, 204))
    assert "not shown" not in table.text() and "not shown" not in table._repr_html_()
    assert ids_shown(run(many, "%jobs --all").text()) == list(range(1, 204))


def test_named_jobs_are_shown_all_however_many(many):
    specs = " ".join(str(n) for n in range(2, 60))
    table = run(many, f"%jobs {specs}")
    assert ids_shown(table.text()) == list(range(2, 60))
    assert len(run(many, "%jobs 5 %?fail").rows) == 2


def test_jobs_l_is_cut_the_same_and_keeps_its_details(many):
    text = run(many, "%jobs -l").text()
    assert ids_shown(text) == ids_shown(run(many, "%jobs").text())
    assert "ValueError: the newest went wrong" in text and "raise ValueError(message)" in text
    assert "%jobs -a" in text


def test_jobs_w_watches_a_screenful_until_its_jobs_end(many, capsys):
    run(many, "%jobs -k 1 102")
    run(many, "soon = %bg double(7, 0.3)")
    capsys.readouterr()
    run(many, "watched = %jobs -w")
    table = many.user_ns["watched"]
    printed = capsys.readouterr().out
    # Not a terminal: the table is printed again at each end, a screenful each time.
    assert "204 jobs: 1 running, 200 done, 1 failed, 2 cancelled" in printed, printed
    tables = printed.split("cell runs.\n")[:-1]  # the plain shell's note ends each table (then come notices)
    assert len(tables) == 2 and max(len(table.splitlines()) for table in tables) <= HEIGHT - 4, printed
    assert "204 jobs: 201 done, 1 failed, 2 cancelled" in table.text()
    assert len(table) == 204
