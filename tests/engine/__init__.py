"""The engine (ipython_bg/engine/, and the plain-Python API): starting, waiting,
cancelling, with no shell."""
