"""A job's kept output (ipython_bg/model/output.py): bounded, its tail kept,
displays counted; progress() outside a job."""

from ipython_bg.model.output import JobOutput


def test_a_buffer_keeps_a_tail_under_the_limit():
    output = JobOutput(limit=16)
    written = ""
    for text in ("abc", "defghij", "klmnopqrstuvwxyz", "1", "23"):
        output.write(text)
        written += text
        assert output.size == len(output.text()) <= 16
        # It trims to a little under the limit (7/8 of it), not to nothing.
        assert output.text() == written[-len(output.text()):] and len(output.text()) >= min(len(written), 14)
        assert output.dropped == len(written) - output.size


def test_displays_count_toward_the_limit_and_updates_replace():
    output = JobOutput(limit=100)
    output.add_display({"text/plain": "a" * 30}, None, "bar")
    output.add_display({"text/plain": "b" * 30}, None, "bar", update=True)
    assert [chunk.data["text/plain"][0] for chunk in output.chunks()] == ["b"]
    output.write("x" * 90)
    assert output.size <= 100 and output.text().endswith("x" * 87)


def test_progress_outside_a_job_does_nothing():
    import ipython_bg

    assert ipython_bg.progress(1, 2) is False
