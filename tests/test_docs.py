"""The documentation: it builds without a warning, and every example in it
and in the README runs and shows what the page says (tests/docexamples.py
says how examples are written)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks._common import child_env
from docexamples import ROOT, doc_files, examples_of
from docrunners import Page

pytestmark = pytest.mark.docs

PAGES = [path for path in doc_files() if examples_of(path)]


@pytest.mark.parametrize("path", PAGES, ids=lambda path: str(path.relative_to(ROOT)))
def test_examples_show_what_the_page_says(path, tmp_path):
    page = Page(path, tmp_path)
    page.run(examples_of(path))
    assert not page.pending_passed, f"these examples work now: drop their 'pending' marker: {page.pending_passed}"
    if page.pending_failed:
        pytest.xfail("waiting for features: " + "; ".join(page.pending_failed))
