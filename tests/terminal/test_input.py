"""input() in a job at a real terminal prompt (pty): the job waits for %fg,
the prompt keeps its lines."""


def test_input_in_a_job_waits_for_fg_and_the_prompt_keeps_its_lines(terminal):
    terminal.send("%bg input('name? ')")
    terminal.expect_exact("[1]+ stopped (tty input)  thread  input('name? ')")
    terminal.send("print('typed-' + 'meanwhile')")
    terminal.expect_exact("typed-meanwhile")  # ran as a cell, not read by the job
    assert "stopped (tty input)" in terminal.run("%jobs")
    terminal.send("answer = %fg 1")
    terminal.expect_exact("name? ")
    terminal.send("alice")
    assert terminal.value("repr(answer)") == "'alice'"
