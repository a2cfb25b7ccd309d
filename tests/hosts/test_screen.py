"""Redrawing in place, the bell and desktop notifications
(ipython_bg/hosts/terminal/screen.py), with no terminal."""

from ipython_bg.hosts.terminal import screen


def test_a_block_is_redrawn_over_itself_while_it_fits(monkeypatch):
    size = [80, 24]
    monkeypatch.setattr(screen.shutil, "get_terminal_size", lambda: screen.os.terminal_size(size))
    block = screen.InPlace()
    assert block.frame("a\nb") == "a\nb\n"  # nothing to go over yet
    assert block.frame("c\n" + "d" * 100) == "\x1b[2A\r\x1b[Jc\n" + "d" * 100 + "\n"
    assert block.rows == 3  # the long line wraps onto two rows
    size[1] = 3  # a screen too short to go back up over it
    assert not block.fits and block.frame("e") == "e\n"
    assert block.erase() == "\x1b[1A\r\x1b[J" and block.erase() == ""


def test_only_a_terminal_that_moves_its_cursor_redraws(monkeypatch):
    class Tty:
        def isatty(self):
            return True

    monkeypatch.setenv("TERM", "xterm-256color")
    assert screen.can_redraw(Tty())
    assert not screen.can_redraw(object())
    monkeypatch.setenv("TERM", "dumb")
    assert not screen.can_redraw(Tty())


def test_desktop_notifications_in_both_dialects(monkeypatch):
    monkeypatch.delenv("VTE_VERSION", raising=False)
    monkeypatch.setenv("TERM", "xterm-kitty")
    assert screen.attention("off", "[1]+ done") == "\a"
    assert screen.attention("osc9", "[1]+ done\x1b]x") == "\a\x1b]9;IPython: [1]+ done ]x\a"
    assert screen.desktop_sequence("osc777", "IPython", "a;b") == "\x1b]777;notify;IPython;a,b\a"
    assert screen.desktop_sequence("auto", "t", "b").startswith("\x1b]9;")
    monkeypatch.setenv("VTE_VERSION", "7600")
    assert screen.desktop_sequence("auto", "t", "b").startswith("\x1b]777;")
