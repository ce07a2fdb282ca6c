"""Page building blocks shared by every report page: the stylesheet, tables, headed sections,
the ``<div class="rk">`` wrapper, period labels for charts and the sample-data check.

Why templates: every block is rendered by a Jinja2 template with autoescape
(:mod:`reportkit.presentation.html`), so a value from data (a unit or agency name, a submitted
file name) is always shown as text, never run as markup; pandas ``Styler`` is not used for the
same reason. The functions here return :class:`~markupsafe.Markup`: fragments nest without
being escaped twice, and a plain ``str`` joined to one is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from reportkit.core.periods import Period
from reportkit.presentation.html import render, stylesheet, trusted
from reportkit.store.warehouse import Warehouse


def base_css() -> Markup:
    """The house stylesheet as a ``<style>`` element, without the charts' font (the dashboard,
    which draws PNG charts)."""
    return render("style.html.j2", css=trusted(stylesheet()))


def __getattr__(name: str) -> Any:
    if name == "CSS":  # the former constant: the stylesheet, read when first asked for
        return base_css()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def page_css() -> Markup:
    """The page stylesheet (:func:`base_css`) with the charts' font embedded
    (:func:`reportkit.presentation.charts.font_face_css`: charts are SVG with text as text,
    drawn by the browser in the font matplotlib measured). Emit it once per page, with the
    heading."""
    from reportkit.presentation import charts

    return base_css() + render("style.html.j2", css=trusted(charts.font_face_css()))


def is_sample_data(root: Path | str | None = None) -> bool:
    """Whether the warehouse holds the synthetic sample data (anything loaded from a folder
    marked by the sample generator)."""
    return Warehouse(root).holds_sample_data()


def show_html(markup: str) -> None:
    """Put a block of HTML on the page. Build it with :func:`html_table`, :func:`section` and
    :func:`wrap` (templates with autoescape): never by formatting data into a string."""
    from IPython.display import HTML, display

    display(HTML(str(markup)))


def wrap(inner: Markup | str) -> Markup:
    """``inner`` inside the house style's ``<div class="rk">``. ``inner`` is a rendered fragment
    (:class:`~markupsafe.Markup`); a plain ``str`` is taken as text and escaped."""
    return render("rk.html.j2", inner=inner)


def section(title: str | None = None, *, paragraphs: Sequence[str] = (), lead: str | None = None,
            items: Sequence[str] = (), list_class: str = "rk-note",
            body: Markup | str = "") -> Markup:
    """A block of a page: an ``<h2>`` title, paragraphs, a bold lead-in line, a bulleted list
    (``list_class``) and a rendered ``body`` (a table), in that order; each part optional.
    Not wrapped: pass it to :func:`wrap` (or use :func:`block`)."""
    return render("section.html.j2", title=title, paragraphs=list(paragraphs), lead=lead,
                  items=list(items), list_class=list_class, body=body)


def block(title: str | None = None, **parts: Any) -> Markup:
    """:func:`section` inside :func:`wrap`."""
    return wrap(section(title, **parts))


def html_table(df: pd.DataFrame, *, numeric: Iterable[str] = (), total: bool = False,
               highlight: str | None = None, highlight_col: str | None = None,
               caption: str | None = None) -> Markup:
    """An HTML table of ``df``'s cells as text (escaped); ``numeric`` columns are
    right-aligned (values already formatted as strings by the caller), the last row is bold
    with ``total``, the row whose ``highlight_col`` equals ``highlight`` is highlighted."""
    numeric = set(numeric)
    cols = list(df.columns)
    classes = ["n" if c in numeric else "" for c in cols]
    rows = []
    for i, (_, row) in enumerate(df.iterrows()):
        cls = []
        if total and i == len(df) - 1:
            cls.append("total")
        if highlight is not None and highlight_col and str(row[highlight_col]) == highlight:
            cls.append("hl")
        rows.append({"classes": " ".join(cls),
                     "cells": [(k, "" if row[c] is None else str(row[c]))
                               for k, c in zip(classes, cols, strict=True)]})
    return render("table.html.j2", head=[(k, str(c)) for k, c in zip(classes, cols, strict=True)],
                  rows=rows, caption=caption or None)


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
