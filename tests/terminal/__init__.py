"""End to end in a real terminal ``ipython`` driven through a pty."""
