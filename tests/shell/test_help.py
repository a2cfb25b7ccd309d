"""%bg?, %fg?, %jobs? and %lsmagic against a real InteractiveShell."""


def test_help_lists_every_option_and_lsmagic_the_summary(shell):
    # The parsers are built on first use; %bg? still shows the options.
    before_use = {}
    for magic, options in (("bg", ["--thread", "--no-thread", "--process", "--executor NAME", "--name LABEL",
                                   "--timeout SECONDS", "--retries N", "--every SECONDS", "--stop-on-error",
                                   "--after <SPEC"]),
                           ("fg", ["--timeout SECONDS"]),
                           ("jobs", ["--long", "--kill <SPEC", "--clear", "--traceback SPEC", "--watch"])):
        text = before_use[magic] = shell.object_inspect_text(f"%{magic}")
        assert f"%{magic} [" in text, text
        for option in options:
            assert option in text, (magic, option, text)
    brief = shell.magics_manager.lsmagic_docs(brief=True)
    assert brief["line"]["bg"] == "Start a background job and return it."
    assert brief["line"]["jobs"].startswith("List jobs")
    # Help asked for before any use is the same as after it.
    for magic, line in (("bg", "asyncio.sleep(0)"), ("fg", ""), ("jobs", "")):
        shell.run_line_magic(magic, line)
    for magic, text in before_use.items():
        assert shell.object_inspect_text(f"%{magic}") == text, magic


def test_bg_help_shows_expr_in_its_usage_line(shell):
    text = shell.object_inspect_text("%bg")
    usage = text.split("::", 1)[1].split("Start a background job", 1)[0]
    assert "%bg" in usage and "EXPR" in usage, usage
