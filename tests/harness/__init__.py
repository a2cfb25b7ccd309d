"""What the tests drive, and the code they type into it.  Nothing here is
a test, and nothing here imports benchmarks/ (the benchmarks import the
terminal launcher from here).

checkout    ``ROOT`` (the checkout under test) and ``child_env()`` for child processes
cells       ``run(shell, code)``: a cell in a real InteractiveShell, as a user runs it
programs    code the tests define inside an ipython before they start jobs
terminal    a real terminal ``ipython`` in a pty (the one launcher, the benchmarks' too)
kernel      a real Jupyter kernel through jupyter_client, every message kept
browser     a real JupyterLab server and headless Chromium (Playwright)
strategies  Hypothesis strategies: the lines and cells the property sweep types
sweep       the sweep's checker: runs those lines and checks every property
"""
