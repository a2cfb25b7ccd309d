"""%fg at a real terminal: what Ctrl-C says when it cannot stop the call."""




def test_ctrl_c_on_a_call_in_a_thread_says_it_goes_on_as_a_job(terminal):
    # Was: only "KeyboardInterrupt", and a job [1] the user never saw.
    terminal.run("exec('def nap(seconds):\\n    print(\"napping\", flush=True)\\n    time.sleep(seconds)')")
    terminal.send("x = %fg nap(30)")
    terminal.expect_exact("napping", timeout=10)
    terminal.interrupt()
    said = "KeyboardInterrupt: nap(30) cannot be stopped (it runs in a thread): it keeps running in the background as [1]"
    terminal.expect_exact(said, timeout=10)
    terminal.send("%jobs")
    terminal.expect(r"\[1\]\+\s+running\s+thread\s+\S+\s+nap\(30\)")
