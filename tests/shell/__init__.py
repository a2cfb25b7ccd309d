"""The magics and the session (ipython_bg/shell/) against a real
InteractiveShell in this process (the loop runs only in the foreground,
as under --simple-prompt)."""
