"""Page building blocks shared by every report page: the stylesheet, escaped HTML tables, the
``<div class="rk">`` wrapper, period labels for charts and the sample-data check.

Every string that comes from data is HTML-escaped here (``html.escape``); pandas ``Styler`` is
not used for that reason.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from reportkit.core.periods import Period
from reportkit.store.warehouse import Warehouse

CSS = """
<style>
.rk { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; color: #1f2933;
      max-width: 60rem; line-height: 1.5; font-size: 15px; }
.rk h1 { font-size: 1.35rem; text-align: center; margin: .6rem 0 .2rem; letter-spacing: .02em; }
.rk h2 { font-size: 1.1rem; margin: 1.6rem 0 .4rem; padding-bottom: .2rem;
         border-bottom: 2px solid #b5121b; color: #7a0c12; break-after: avoid; }
.rk .rk-head { display: flex; justify-content: space-between; text-align: center;
               font-size: .9rem; margin-bottom: .6rem; }
.rk .rk-head b { display: block; }
.rk .rk-head .rk-date { font-style: italic; margin-top: .3rem; }
.rk .rk-sub { text-align: center; font-weight: bold; margin: 0 0 1rem; }
.rk .rk-sample { border: 2px dashed #c2410c; color: #9a3412; background: #fff7ed;
                 padding: .35rem .7rem; margin: .5rem 0; font-weight: bold; text-align: center; }
.rk .rk-warn { border-left: 4px solid #c2410c; background: #fff7ed; padding: .4rem .8rem; }
.rk .rk-cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: .6rem;
                margin: .8rem 0 1rem; break-inside: avoid; }
.rk .rk-card { border: 1px solid #d9e2ec; border-radius: 6px; padding: .55rem .7rem;
               background: #f8fafc; }
.rk .rk-card .v { font-size: 1.45rem; font-weight: bold; color: #102a43; }
.rk .rk-card .l { font-size: .8rem; color: #486581; }
.rk .rk-card .d { font-size: .78rem; color: #627d98; }
.rk .rk-card .d.good { color: #1b7f3b; } .rk .rk-card .d.bad { color: #b5121b; }
.rk p { text-align: justify; margin: .4rem 0; }
.rk table.rk-t { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0;
                 break-inside: avoid; }
.rk table.rk-t th { background: #f0f4f8; border-bottom: 2px solid #9fb3c8; text-align: left;
                    padding: .3rem .45rem; }
.rk table.rk-t td { border-bottom: 1px solid #e4e7eb; padding: .25rem .45rem; text-align: left; }
.rk table.rk-t td:first-child, .rk table.rk-t th:first-child { min-width: 12rem; }
.rk table.rk-t td.n, .rk table.rk-t th.n { text-align: right; white-space: nowrap; }
.rk table.rk-t tr.total td { font-weight: bold; border-top: 2px solid #9fb3c8; }
.rk table.rk-t tr.hl td { background: #fff4d6; font-weight: bold; }
.rk .rk-note { font-size: .78rem; color: #627d98; margin: .2rem 0 .8rem; }
.rk ul.rk-lim li { margin: .25rem 0; }
@media print { .rk { max-width: none; font-size: 12px; } .rk h2 { break-after: avoid; }
  .rk .rk-cards, .rk table.rk-t, .rk img { break-inside: avoid; } }
svg.rk-chart { display: block; max-width: 100%; height: auto; break-inside: avoid; }
</style>
"""


def page_css() -> str:
    """The page stylesheet (:data:`CSS`) with the charts' font embedded
    (:func:`reportkit.presentation.charts.font_face_css`: charts are SVG with text as text,
    drawn by the browser in the font matplotlib measured). Emit it once per page, with the
    heading."""
    from reportkit.presentation import charts

    return f"{CSS}<style>\n{charts.font_face_css()}\n</style>\n"


def esc(x: Any) -> str:
    """HTML-escape any value taken from data."""
    return html.escape("" if x is None else str(x), quote=True)


def is_sample_data(root: Path | str | None = None) -> bool:
    """Whether the warehouse holds the synthetic sample data (anything loaded from a folder
    marked by the sample generator)."""
    return Warehouse(root).holds_sample_data()


def show_html(markup: str) -> None:
    """Put a block of HTML on the page (build it with :func:`html_table`, :func:`wrap` and
    :func:`esc`: every value from data must be escaped)."""
    from IPython.display import HTML, display

    display(HTML(markup))


def wrap(inner: str) -> str:
    """``inner`` inside the house style's ``<div class="rk">``."""
    return f'<div class="rk">{inner}</div>'


def html_table(df: pd.DataFrame, *, numeric: Iterable[str] = (), total: bool = False,
               highlight: str | None = None, highlight_col: str | None = None,
               caption: str | None = None) -> str:
    """An escaped HTML table; ``numeric`` columns are right-aligned (values already
    formatted as strings by the caller)."""
    numeric = set(numeric)
    cols = list(df.columns)
    head = "".join(f'<th class="{"n" if c in numeric else ""}">{esc(c)}</th>' for c in cols)
    rows = []
    for i, (_, row) in enumerate(df.iterrows()):
        cls = []
        if total and i == len(df) - 1:
            cls.append("total")
        if highlight is not None and highlight_col and str(row[highlight_col]) == highlight:
            cls.append("hl")
        cells = "".join(f'<td class="{"n" if c in numeric else ""}">{esc(row[c])}</td>'
                        for c in cols)
        rows.append(f'<tr class="{" ".join(cls)}">{cells}</tr>')
    cap = f'<div class="rk-note">{esc(caption)}</div>' if caption else ""
    return f'<table class="rk-t"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}' \
           f"</tbody></table>{cap}"


def trend_periods(p: Period) -> list[Period]:
    """The periods a trend chart shows: 13 months, 8 quarters, or 5 of other kinds."""
    n = {"month": 13, "quarter": 8}.get(p.kind, 5)
    out = [p]
    while len(out) < n:
        out.insert(0, out[0].previous())
    return out


def short_label(p: Period, lang: str = "vi") -> str:
    """Compact axis label: "T7/25", "Q3/25", "H1/25", "2025"."""
    s = str(p)
    if p.kind == "month":
        return f"{'T' if lang == 'vi' else ''}{p.first.month}/{p.first:%y}"
    if p.kind == "quarter":
        return f"Q{(p.first.month - 1) // 3 + 1}/{p.first:%y}"
    if p.kind == "half":
        return f"H{1 if p.first.month == 1 else 2}/{p.first:%y}"
    return s
