"""Sphinx configuration of the ipython_bg documentation.

Build it offline, warnings as errors, from the checkout's root::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
# The checkout's package, not whichever ipython_bg is installed elsewhere.
sys.path.insert(0, str(DOCS.parent))
sys.path.insert(0, str(DOCS / "_ext"))

import ipython_bg  # noqa: E402

project = "ipython_bg"
author = "the ipython_bg authors"
copyright = "the ipython_bg authors"
release = ipython_bg.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "IPython.sphinxext.ipython_console_highlighting",
    "sphinx_copybutton",
    "myst_nb",
    "ipython_bg_reference",
]

root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
templates_path: list[str] = []
html_static_path = ["_static"]
html_css_files = ["ipython_bg.css"]
# Quotes stay as typed: help texts and messages quote values ('off').
smartquotes = False

# Every reference must resolve: a renamed option, trait or function is an
# error, not a dead link.
nitpicky = True
nitpick_ignore_regex = [
    # Python's and the dependencies' own names are shown, not linked: the
    # build stays offline (no intersphinx inventories to fetch).
    (r"py:.*", r"(?!ipython_bg\b).*"),
    # The package's modules are not its API (the API page documents the
    # top-level names); a docstring may still name an internal class.
    (r"py:.*", r"ipython_bg\.\w+\.\w+.*"),
]

# -- Python API --------------------------------------------------------------
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
autodoc_preserve_defaults = True
python_use_unqualified_type_names = True

# -- notebooks: rendered with the outputs stored in them, never executed ----
nb_execution_mode = "off"
nb_output_stderr = "show"
myst_enable_extensions = ["colon_fence"]
suppress_warnings = ["mystnb.unknown_mime_type"]

# -- copy buttons copy what you type, without prompts or output -------------
copybutton_prompt_text = r"In \[\d+\](?: \[[^\]]*\])?: |\s+\.\.\.: |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "ipython_bg"
html_theme_options = {
    "navigation_with_keys": True,
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"index": [], "getting-started": [], "changelog": [], "benchmarks": []}
html_show_sourcelink = False
pygments_style = "sphinx"
