"""The documentation: it builds without a warning, and every example in it
and in the README runs and shows what the page says (tests/docexamples.py
says how examples are written)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.harness.checkout import child_env
from tests.harness.docexamples import ROOT, doc_files, examples_of
from tests.harness.docrunners import Page


PAGES = [path for path in doc_files() if path != ROOT / "README.rst" and examples_of(path)]
README = ROOT / "README.rst"


@pytest.mark.parametrize("path", PAGES, ids=lambda path: str(path.relative_to(ROOT)))
def test_examples_show_what_the_page_says(path, tmp_path):
    page = Page(path, tmp_path)
    page.run(examples_of(path))
    assert not page.pending_passed, f"these examples work now: drop their 'pending' marker: {page.pending_passed}"
    if page.pending_failed:
        pytest.xfail("waiting for features: " + "; ".join(page.pending_failed))


def test_readme_blocks_work_pasted_whole(tmp_path):
    """Each IPython block of the README is pasted whole (bracketed paste)
    into the IPython its set-up command starts, as a reader pastes it:
    no NameError from a result read too early, no "already loaded", no
    missing import; and it shows the output block that follows it."""
    examples = examples_of(README)
    pasted = [example for example in examples if example.kind == "cell"]
    assert len(pasted) >= 2 and all(example.output is not None for example in pasted)
    assert not [example for example in examples if example.kind == "session"], "README blocks must paste whole"
    assert len(README.read_text().splitlines()) < 150
    Page(README, tmp_path).run(examples)


def sphinx(source, output, *options):
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html", *options, str(source), str(output)],
        env=child_env(), capture_output=True, text=True, timeout=600,
    )


def test_the_docs_build_offline_without_a_warning(tmp_path):
    """The command docs/development.rst gives (warnings are errors, every
    reference checked): a broken reference or a bad page fails here."""
    done = sphinx(ROOT / "docs", tmp_path / "html")
    assert done.returncode == 0, done.stderr
    pages = {path.relative_to(tmp_path / "html").as_posix() for path in (tmp_path / "html").rglob("*.html")}
    assert {"reference/magics.html", "reference/configuration.html", "tour/notebooks/tour.html"} <= pages


def test_a_renamed_option_or_setting_breaks_the_build(tmp_path):
    """The references are generated from the live extension: a link to an
    option or a setting it does not have is an error, one it has is not."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text(
        f"import sys\nsys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'docs' / '_ext')!r}]\n"
        "extensions = ['ipython_bg_reference']\nnitpicky = True\n"
    )
    page = ".. magic-help:: bg\n\n.. config-traits::\n\n{}\n"
    (source / "index.rst").write_text("Test\n====\n\n" + page.format(":opt:`%bg --every` :confval:`BackgroundJobs.long_job`"))
    assert sphinx(source, tmp_path / "good").returncode == 0
    (source / "index.rst").write_text("Test\n====\n\n" + page.format(":opt:`%bg --evry` :confval:`BackgroundJobs.long_jobs`"))
    done = sphinx(source, tmp_path / "bad")
    assert done.returncode != 0
    assert "--evry" in done.stderr and "BackgroundJobs.long_jobs" in done.stderr


def test_pictures_are_drawn_from_a_real_terminal(tmp_path):
    """docs/pictures.py runs a scene in a terminal ipython (it waits for
    the frozen-prompt warning on the screen) and draws that screen."""
    from PIL import Image

    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import pictures
    finally:
        sys.path.remove(str(ROOT / "docs"))
    path = pictures.make_terminal("terminal-frozen", tmp_path)
    with Image.open(path) as image:
        colours = {colour for _, colour in image.getcolors(maxcolors=1 << 16) or []}
    assert len(colours) > 10  # text in several colours, not a blank rectangle
