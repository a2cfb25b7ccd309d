"""The HTML a notebook shows: the job table and a single job, styled.

The style is a ``<style>`` block scoped by the extension's own classes and
sent with every output, so it needs no front-end extension and works in a
notebook saved and reopened.  Colours are the front end's theme variables
(JupyterLab's ``--jp-*``, which Notebook 7 and VS Code also define) with
fallbacks, so a dark theme stays readable.  JupyterLab right-aligns table
cells (``.jp-RenderedHTMLCommon td``); our selectors are more specific.
"""

from __future__ import annotations

__all__ = ["STYLE", "details_row", "escape", "job_row_html", "job_span", "left_out_row", "table_html"]

_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def escape(text: str) -> str:
    """``html.escape``, without loading the html package's entity tables
    when the extension loads."""
    return text.translate(_HTML_ESCAPES)


def _readable(variable: str, fallback: str) -> str:
    """A theme colour moved part of the way to the theme's own text colour.

    The themes' state colours are made for icons and borders: on their
    own backgrounds and striped rows some fall short of the 4.5:1 contrast
    that text needs (WCAG AA), cyan and orange on white, red on dark grey.
    Mixed with the text colour (black in a light theme, white in a dark
    one) they keep their hue and read in both."""
    return f"color-mix(in srgb, var({variable}, {fallback}) 60%, var(--jp-content-font-color0, currentColor))"


# Told apart by weight and style as well as colour: a reader who does not
# see the colours still tells a failure from a success.
_STATES = {
    "pending": f"color: {_readable('--jp-ui-font-color2', 'GrayText')}; font-style: italic",
    "running": f"color: {_readable('--jp-info-color1', '#0288d1')}; font-weight: 600",
    "done": f"color: {_readable('--jp-success-color1', '#388e3c')}",
    "failed": f"color: {_readable('--jp-error-color1', '#d32f2f')}; font-weight: 700",
    "cancelled": f"color: {_readable('--jp-warn-color1', '#f57c00')}; font-style: italic",
    "stopped": f"color: {_readable('--jp-warn-color1', '#f57c00')}; font-weight: 700",
}


def _css(state: str) -> str:
    """The class word of a state's text ("stopped (tty input)": stopped)."""
    return state.split(" ", 1)[0]

# Every selector starts with the wrapper's class: JupyterLab's own rules
# for tables in outputs (``:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon
# td``: right-aligned, centred) must lose to ours on specificity.
_T = ".ipython-bg table.ipython-bg-jobs"
STYLE = (
    "<style>"
    # No wider than the output area: long text wraps inside its cell rather
    # than pushing the result column out of sight.
    f"{_T}{{table-layout:auto;max-width:100%;margin:0 0 0.5em 0;border-collapse:collapse;"
    "color:var(--jp-content-font-color1, inherit)}"
    f"{_T} th,{_T} td{{text-align:left;vertical-align:top;padding:0.15em 0.6em;white-space:nowrap}}"
    # Sources and results (clipped to a few dozen characters) wrap at
    # spaces when the output area is narrow; a progress note, of any
    # length, wraps within a column of its own width, in words too if need be.
    f"{_T} td.ipython-bg-text{{white-space:normal;overflow-wrap:break-word}}"
    f"{_T} .ipython-bg-note{{display:inline-block;max-width:24em;overflow-wrap:anywhere}}"
    # The id and the elapsed time are numbers: right-aligned, in even digits.
    f"{_T} th.ipython-bg-num,{_T} td.ipython-bg-num{{text-align:right;font-variant-numeric:tabular-nums}}"
    f"{_T} td.ipython-bg-code,.ipython-bg .ipython-bg-job code{{font-family:var(--jp-code-font-family, monospace)}}"
    f"{_T} tr.ipython-bg-left-out td{{font-style:italic}}"
    # Details (-l) and tracebacks keep their lines and indentation, and
    # wrap: at spaces (JupyterLab's ``.jp-OutputArea-output pre`` breaks at
    # any letter), inside a word only where it is too long for the line.
    f"{_T} td.ipython-bg-details{{padding-top:0}}"
    f"{_T} td.ipython-bg-details pre{{text-align:left;white-space:pre-wrap;word-break:normal;overflow-wrap:anywhere;"
    "margin:0;padding:0.3em 0.5em;font-family:var(--jp-code-font-family, monospace);"
    "background:var(--jp-layout-color2, rgba(127,127,127,0.08));color:var(--jp-content-font-color1, inherit)}"
    + "".join(f".ipython-bg .ipython-bg-s-{state}{{{css}}}" for state, css in _STATES.items())
    + "</style>"
)


# A hover text, not a copy of a cell of any size.
_TITLE_LIMIT = 1000


def _cell(text: str, css_class: str = "", title: str = "") -> str:
    attributes = f' class="{css_class}"' if css_class else ""
    if title and title != text:  # a clipped cell shows all of it on hover
        attributes += f' title="{escape(title[:_TITLE_LIMIT])}"'
    return f"<td{attributes}>{escape(text)}</td>"


def job_row_html(ident: str, state: str, kind: str, elapsed: str, progress, source: str, full_source: str, summary: str) -> str:
    """A job's ``<tr>``; ``progress`` is None (no progress column), or the
    share done (None where unknown) and its text."""
    if progress is None:
        progress_cell = ""
    else:
        share, text = progress
        bar = f'<progress value="{share:.3f}" max="1"></progress> ' if share is not None else ""
        progress_cell = f'<td class="ipython-bg-text"><span class="ipython-bg-note">{bar}{escape(text)}</span></td>'
    return (
        f'<tr class="ipython-bg-{_css(state)}">'
        + _cell(ident, "ipython-bg-num")
        + _cell(state, f"ipython-bg-s-{_css(state)}")
        + _cell(kind)
        + _cell(elapsed, "ipython-bg-num")
        + progress_cell
        + _cell(source, "ipython-bg-code ipython-bg-text", " ".join(full_source.split()))
        + _cell(summary, "ipython-bg-code ipython-bg-text")
        + "</tr>"
    )


def details_row(details: str, columns: int) -> str:
    """A job's details (``-l``), under its row."""
    return f'<tr><td></td><td class="ipython-bg-details" colspan="{columns - 1}"><pre>{escape(details)}</pre></td></tr>'


def left_out_row(text: str, columns: int) -> str:
    """The line standing for rows a table cut to a screenful leaves out."""
    return (
        f'<tr class="ipython-bg-left-out"><td class="ipython-bg-num">&hellip;</td>'
        f'<td class="ipython-bg-text" colspan="{columns - 1}">{escape(text)}</td></tr>'
    )


def table_html(columns: tuple[str, ...], rows: list[str], footer: list[str]) -> str:
    """The table of ``columns`` with the rows' HTML, and lines under it."""
    numbers = {"id", "elapsed"}
    head = "".join(
        f'<th class="ipython-bg-num">{escape(name)}</th>' if name in numbers else f"<th>{escape(name)}</th>"
        for name in columns
    )
    body = "".join(rows) or f'<tr><td colspan="{len(columns)}">No jobs.</td></tr>'
    notes = "".join(f"<p>{escape(line)}</p>" for line in footer)
    return (
        f'<div class="ipython-bg">{STYLE}<table class="ipython-bg-jobs">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{notes}</div>"
    )


def job_span(ident: str, state: str, kind: str, source: str, summary: str) -> str:
    """A single job as a cell's result: ``[1] running thread f(x)``."""
    summary = f" &rarr; <code>{escape(summary)}</code>" if summary else ""
    return (
        f'<span class="ipython-bg">{STYLE}<span class="ipython-bg-job ipython-bg-{_css(state)}">[{escape(ident)}] '
        f'<b class="ipython-bg-s-{_css(state)}">{escape(state)}</b> {escape(kind)} '
        f"<code>{escape(source)}</code>{summary}</span></span>"
    )
