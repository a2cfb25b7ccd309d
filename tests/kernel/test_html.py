"""Jobs and the %jobs table as HTML in a real kernel: rendered, updated in
place when a job ends, watched with %jobs -w."""

import pytest


@pytest.mark.smoke
def test_jobs_table_and_job_render_as_html(kernel):
    cell = kernel.execute("%bg double(7)")
    assert "<span" in cell.data("text/html")[0] and "double(7)" in cell.data("text/html")[0]
    kernel.execute("await asyncio.sleep(0.05)")
    table = kernel.execute("%jobs")
    html = table.data("text/html")[0]
    assert html.startswith('<div class="ipython-bg"><style>') and '<table class="ipython-bg-jobs">' in html
    assert "double(7)" in html
    assert "double(7)" in table.result


def test_a_job_shown_as_a_result_updates_when_it_ends(kernel):
    cell = kernel.execute("%bg double(3, 0.3)")
    shown = cell.messages("display_data")
    running, done = ('<b class="ipython-bg-s-%s">' % state for state in ("running", "done"))
    assert len(shown) == 1 and running in shown[0]["content"]["data"]["text/html"]
    assert cell.result is None and kernel.value("Out[%d] is not None" % cell.reply["execution_count"]) == "True"
    display_id = shown[0]["content"]["transient"]["display_id"]
    # A front end updates every output with that display id, whichever cell
    # the update names (ipykernel 6 names the cell running when it is sent).

    def updates():
        return [
            message for message in kernel.messages
            if message["msg_type"] == "update_display_data"
            and message["content"]["transient"]["display_id"] == display_id
        ]

    kernel.wait_for(updates)
    (update,) = updates()
    assert done in update["content"]["data"]["text/html"] and running not in update["content"]["data"]["text/html"]


def test_jobs_watch_updates_in_place(kernel):
    kernel.execute("%jobs -c")
    kernel.execute("w1 = %bg double(1, 0.3)\nw2 = %bg double(2, 0.6)")
    cell = kernel.execute("%jobs -w")
    kernel.wait_for(lambda: any("done" in html and html.count("done") >= 2 for html in cell.data("text/html")), 10)
    updates = cell.messages("update_display_data")
    assert updates, "the table was never updated"
    assert "running" in cell.messages("display_data")[0]["content"]["data"]["text/html"]
