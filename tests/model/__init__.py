"""The job model (ipython_bg/model/): no shell, no IPython."""
