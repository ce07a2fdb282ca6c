"""A report's key figures as data: what the batch stores with each report, what ``reportkit
diff`` compares, and the draft's section "Thay đổi so với bản đã ban hành".

Why a display output: the figures are computed in the kernel, by the page object that prints
them, and the batch needs them without another round trip to the kernel. A page's
``show_heading`` therefore also *displays* them, once, as one output of the JSON mimetype
:data:`MIMETYPE` (with an empty ``text/plain``, so JupyterLab shows nothing). The batch takes
that output out of the executed notebook before export (:mod:`reportkit.rendering.changes`):
the HTML, PDF and DOCX never carry it, and its place on the page is where the changes section
goes when there is one.

Each figure is printed as the report prints it: a count hidden as "<3" or "*" by small-number
suppression is stored as that text with no value (the raw count is never stored), so the
manifest, a bundle and ``reportkit diff`` give nothing away that the page does not.

A figure is ``{"id", "label": {"vi", "en"}, "text", "value"}``: ``text`` as printed in the
report's language, ``value`` the number behind it (a share as a fraction), ``None`` when the
report hides it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from reportkit.core import fmt
from reportkit.core.i18n import text

__all__ = ["MIMETYPE", "Change", "figure", "figure_text_id", "show_figures", "compare",
           "changes_html"]

MIMETYPE = "application/vnd.reportkit.figures+json"


def figure(fid: str, label_vi: str, label_en: str, printed: str,
           value: float | None) -> dict[str, Any]:
    """One figure as stored: its id, both labels, the text printed and the value behind it
    (None when hidden or missing)."""
    if value is not None:
        value = float(value)
        if not math.isfinite(value):
            value = None
        else:
            value = round(value, 6)
    return {"id": fid, "label": {"vi": label_vi, "en": label_en}, "text": str(printed),
            "value": value}


def figure_text_id(fid: str, text_id: str, printed: str, value: float | None) -> dict[str, Any]:
    """:func:`figure` labelled by a text of :mod:`reportkit.core.i18n` (both languages)."""
    return figure(fid, text(text_id, "vi"), text(text_id, "en"), printed, value)


def show_figures(figures: Sequence[dict[str, Any]]) -> None:
    """Display the figures for the batch (see the module docstring); invisible on the page."""
    from IPython.display import display

    display({MIMETYPE: {"figures": list(figures)}, "text/plain": ""}, raw=True)


@dataclass(frozen=True)
class Change:
    """One figure that differs between two versions (``old``/``new``: the texts printed;
    "" when the figure is absent from that version)."""

    id: str
    label: str
    old: str
    new: str


def _key(fig: dict[str, Any], by_text: bool) -> Any:
    if by_text or fig.get("value") is None:
        return str(fig.get("text", ""))
    return round(float(fig["value"]), 4)


def compare(old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]], lang: str = "vi", *,
            same_language: bool = True) -> list[Change]:
    """The figures whose printed value differs, in the new version's order (then figures found
    only in the old one). Versions in one language are compared by the text printed (what a
    reader sees: 75,51% and 75,54% both print 75,5%); in two languages by value."""
    before = {f["id"]: f for f in old if isinstance(f, dict) and "id" in f}
    after = {f["id"]: f for f in new if isinstance(f, dict) and "id" in f}
    out = []
    for fid in [*after, *(k for k in before if k not in after)]:
        a, b = before.get(fid), after.get(fid)
        if a is not None and b is not None and _key(a, same_language) == _key(b, same_language):
            continue
        label = ((b or a or {}).get("label") or {}).get(lang) or fid
        out.append(Change(fid, str(label), str((a or {}).get("text", "")),
                          str((b or {}).get("text", ""))))
    return out


def changes_html(changes: Sequence[Change], *, number: str, issued_on: str,
                 lang: str = "vi") -> Markup:
    """The draft's section "Thay đổi so với bản đã ban hành": one sentence naming the issued
    copy (number, date) and a table of the figures changed, old → new; one sentence when
    nothing changed. Made from the page templates directly (no pandas: the batch worker
    calls this, not the kernel)."""
    from reportkit.presentation.html import render

    day = _date(issued_on, lang)
    title = text("changes.title", lang)
    if not changes:
        inner = render("section.html.j2", title=title, paragraphs=[
            text("changes.none", lang, number=number, date=day)], lead=None, items=[],
            list_class="rk-note", body="")
        return render("changes.html.j2", inner=inner)
    head = [("", text("report.indicator", lang)),
            ("n", text("changes.col.issued", lang, number=number)),
            ("n", text("changes.col.draft", lang))]
    rows = [{"classes": "", "cells": [("", c.label), ("n", c.old or fmt.MISSING),
                                      ("n", c.new or fmt.MISSING)]} for c in changes]
    table = render("table.html.j2", head=head, rows=rows, caption=text("changes.note", lang))
    intro = text("changes.intro", lang, number=number, date=day,
                 n=fmt.number(len(changes), lang))
    inner = render("section.html.j2", title=title, paragraphs=[intro], lead=None, items=[],
                   list_class="rk-note", body=table)
    return render("changes.html.j2", inner=inner)


def _date(iso: str, lang: str) -> str:
    from datetime import date

    try:
        return fmt.date_short(date.fromisoformat(str(iso)[:10]), lang)
    except ValueError:
        return str(iso)
