"""Issue 25, item 11: a plain InteractiveShell (not a terminal, not a
kernel) gets the plain integration, told apart by its class."""




def test_a_plain_interactive_shell_gets_the_plain_integration(shell):
    host = shell.magics_manager.registry["BackgroundJobs"].session.host
    assert type(host).__name__ == "Host", type(host)
    assert not host.in_kernel
    assert "does not run the event loop at its prompt" in shell.run_line_magic("jobs", "").text()
