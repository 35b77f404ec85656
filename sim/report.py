"""One self-contained HTML page per result folder (``corridor report``): the facts of its
manifest, its figure set embedded as PNG, and its tables — to share with people who do
not run Python. Reads result files only, like the figures."""

from __future__ import annotations

import base64
import html
import io
from contextlib import closing
from pathlib import Path

import pandas as pd

from sim import __version__
from sim.io.atomic import write_text_atomic
from sim.io.folders import Folder
from sim.plots.interactive import interactive_section
from sim.plots.kinds import KINDS, draw
from sim.plots.sweep import drivers_tables

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1150px; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em;
     border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.5em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
table.facts td { text-align: left; } figure { margin: 1.5em 0; }
figure img { max-width: 100%; } figcaption { font-size: 0.85em; color: #555; }
.note { color: #7a4b00; font-size: 0.9em; } footer { margin-top: 3em; color: #777;
                                                   font-size: 0.8em; }
"""


def render(folder: Folder, sweep: Folder | None = None) -> str:
    """The report page of ``folder`` (figures drawn in memory); with ``sweep``, the top
    drivers that sweep found and their inputs' sources."""
    from matplotlib import pyplot as plt

    kind = KINDS[folder.kind]
    parts = [f"<h1>{html.escape(kind.title(folder))}</h1>",
             "<table class='facts'>" + "".join(
                 f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                 for k, v in [("kind", folder.kind), ("folder", str(folder.path)),
                              *kind.facts(folder)]) + "</table>"]
    figures = []
    try:
        with closing(draw(folder)) as drawn:
            for name, fig in drawn:
                buf = io.BytesIO()
                try:
                    fig.savefig(buf, format="png", metadata={"Software": None})
                    title = fig.get_suptitle() or (fig.axes[0].get_title() if fig.axes
                                                   else name)
                finally:
                    plt.close(fig)
                data = base64.b64encode(buf.getvalue()).decode("ascii")
                figures.append(
                    f"<figure id='{name}'><img alt='{html.escape(title)}' "
                    f"src='data:image/png;base64,{data}'><figcaption>{html.escape(name)}: "
                    f"{html.escape(title)}</figcaption></figure>")
    except BaseException:
        plt.close("all")
        raise
    parts += [*interactive_section(folder), "<h2>Figures</h2>", *figures]
    for note in folder.notes:
        parts.append(f"<p class='note'>Note: {html.escape(note)}</p>")
    for title, table in [*kind.tables(folder), *(drivers_tables(sweep) if sweep else [])]:
        parts += [f"<h2>{html.escape(title)}</h2>", _table(table)]
    parts.append(f"<footer>Written by corridor-sim {__version__} (corridor report) from the "
                 "folder's result files; nothing was re-run.</footer>")
    head = (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(kind.title(folder))}</title><style>{CSS}</style></head>")
    return head + "<body>\n" + "\n".join(parts) + "\n</body></html>\n"


def _table(frame: pd.DataFrame, fold_over: int = 40) -> str:
    """An HTML table; a long one folded away behind a summary line."""
    text = frame.to_html(index=False, border=0, na_rep="–", escape=True)
    if len(frame) > fold_over:
        return f"<details><summary>{len(frame):,} rows</summary>{text}</details>"
    return text


def write_report(folder: Folder, out: str | Path, sweep: Folder | None = None) -> Path:
    """Write the report page to ``out`` atomically (a temporary file beside it, renamed
    into place once complete); returns its path."""
    out = Path(out)
    text = render(folder, sweep)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, text)
    return out
