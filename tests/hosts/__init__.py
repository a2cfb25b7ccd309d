"""Pieces of the hosts (ipython_bg/hosts/) tested on their own, with no
terminal and no kernel."""
