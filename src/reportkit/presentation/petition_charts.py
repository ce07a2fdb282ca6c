"""The petitions report's charts: flow bars, age-band bars, stacked backlog trend, this period
against last year.

Why apart from :mod:`reportkit.presentation.charts`: these take figures already passed through
small-number suppression (a hidden value is None: labelled, never drawn), which the house
charts do not know about; they reuse the house style (:mod:`~reportkit.presentation.charts`)
for everything else.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

__all__ = ["chart_flow", "chart_bars", "chart_stacked", "chart_compare"]


def _charts() -> Any:
    from reportkit.presentation import charts

    return charts


def _figure(height: float) -> tuple[Figure, Axes]:
    return _charts()._figure(height)  # type: ignore[no-any-return]


def _finish(fig: Figure, title: str, notes: Sequence[str], sample: bool) -> Figure:
    c = _charts()
    left = 0.06 / c.WIDTH_IN
    head = fig.suptitle(title, x=left, ha="left", color=c.INK)
    lines = textwrap.wrap(" ".join(t for t in notes if t), 92 if sample else 125)
    foot = None
    if lines or sample:
        foot = fig.supxlabel("\n".join(lines) or " ", x=left, ha="left", fontsize=6.5,
                             color=c.MUTED, linespacing=1.35)
    c.finish_texts(head, foot)
    if sample:
        where = blended_transform_factory(fig.transFigure, fig.dpi_scale_trans)
        fig.text(1 - left, 0.09, c.STAMP, transform=where, ha="right", va="bottom",
                 fontsize=6.5, fontweight="bold", color=c.ALERT,
                 bbox={"boxstyle": "square,pad=0.35", "fc": "white", "ec": c.ALERT, "lw": 0.6})
    return fig


def _no_axis(ax: Axes, axis: str) -> None:
    if axis == "x":
        ax.set_xticks([])
        ax.xaxis.set_visible(False)
        ax.spines["bottom"].set_visible(False)
    else:
        ax.set_yticks([])
        ax.yaxis.set_visible(False)
        ax.spines["left"].set_visible(False)


def _ramp(n: int) -> list[Any]:
    c = _charts()
    cmap = LinearSegmentedColormap.from_list("age", c.AGE_RAMP)
    return [cmap(p) for p in np.linspace(0, 1, n)] if n > 1 else [c.OTHER]


def chart_flow(items: Sequence[tuple[str, float | None, str, float | None]], groups: Sequence[int],
               *, title: str, notes: Sequence[str] = (), sample: bool = False) -> Figure:
    """Horizontal bars for flow stages; hidden values (None) are not drawn, only labelled.

    Args:
        items: (label, published value or None, printed text, parent's published value).
        groups: the group number of each item; a gap separates groups.
        title: chart title.
        notes: footnotes.
        sample: stamp the chart as sample data.
    """
    c = _charts()
    with c.style():
        ys, y, last = [], 0.0, None
        for g in groups:
            if last is not None and g != last:
                y += 0.45
            ys.append(y)
            y += 1
            last = g
        fig, ax = _figure(0.3 * y + 1.0)
        known = [x for _, v, _, p in items for x in (v, p) if x is not None]
        full = max(known, default=1.0) or 1.0
        for (_, v, text, parent), yy, g in zip(items, ys, groups, strict=True):
            if parent is not None:
                ax.barh(yy, parent, height=0.62, color=c.TRACK, zorder=1)
            if v is not None:
                ax.barh(yy, v, height=0.62, color=c.OTHER if g == 0 else c.ACCENT, zorder=2)
            ax.annotate(text, (v if v is not None else 0, yy), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=7.5,
                        color=c.INK if v is not None else c.MUTED,
                        fontweight="bold" if g == 0 else "normal")
        longest = max(len(t) for _, _, t, _ in items)
        ax.set_xlim(0, full * (1 + min(0.9, longest * 0.012)))
        c.row_labels_at(ax, ys, [label for label, _, _, _ in items])
        ax.set_ylim(max(ys) + 0.6, -0.6)
        _no_axis(ax, "x")
        return _finish(fig, title, notes, sample)


def chart_bars(values: Sequence[float | None], texts: Sequence[str], labels: Sequence[str], *,
               title: str, notes: Sequence[str] = (), sample: bool = False,
               ramp: bool = True) -> Figure:
    """Vertical bars (e.g. open petitions by age band); hidden values are not drawn."""
    c = _charts()
    with c.style():
        fig, ax = _figure(2.6)
        x = np.arange(len(values))
        colors = _ramp(len(values)) if ramp else [c.ACCENT] * len(values)
        vals = [np.nan if v is None else float(v) for v in values]
        ax.bar(x, np.nan_to_num(vals), width=0.62, color=colors)
        top = max([v for v in vals if not np.isnan(v)], default=1.0) or 1.0
        for i, (v, t) in enumerate(zip(vals, texts, strict=True)):
            ax.annotate(t, (i, 0 if np.isnan(v) else v), xytext=(0, 3),
                        textcoords="offset points", ha="center", va="bottom", fontsize=8,
                        fontweight="bold", color=c.MUTED if np.isnan(v) else c.INK)
        ax.set_xticks(x, list(labels))
        ax.set_ylim(0, top * 1.2)
        ax.tick_params(axis="x", length=0)
        _no_axis(ax, "y")
        return _finish(fig, title, notes, sample)


def chart_stacked(values: pd.DataFrame, totals: Sequence[str], *, title: str,
                  legend: Sequence[str], notes: Sequence[str] = (), sample: bool = False,
                  hidden_sum: Sequence[float | None] | None = None,
                  hidden_label: str = "") -> Figure:
    """Stacked vertical bars (rows = x positions, columns = segments, NaN = hidden, not
    drawn) with each bar's printed total above it.

    ``hidden_sum`` gives, per bar, the sum of its hidden segments when a reader can work it
    out anyway (printed total minus printed segments); it is drawn hatched on top.
    """
    c = _charts()
    with c.style():
        fig, ax = _figure(3.0)
        x = np.arange(len(values))
        bottom = np.zeros(len(values))
        colors = _ramp(values.shape[1])
        for j, col in enumerate(values.columns):
            v = values[col].to_numpy(dtype=float)
            ax.bar(x, np.nan_to_num(v), bottom=bottom, width=0.62, color=colors[j],
                   edgecolor="white", linewidth=0.5, label=legend[j])
            bottom += np.nan_to_num(v)
        if hidden_sum is not None and any(h for h in hidden_sum):
            h = np.array([h or 0.0 for h in hidden_sum], dtype=float)
            ax.bar(x, h, bottom=bottom, width=0.62, color="white", edgecolor=c.MUTED,
                   hatch="////", linewidth=0.5, label=hidden_label)
            bottom += h
        for i, t in enumerate(totals):
            ax.annotate(t, (i, bottom[i]), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7)
        ax.set_xticks(x, [str(i) for i in values.index])
        ax.set_ylim(0, max(float(bottom.max(initial=0)), 1.0) * 1.18)
        ax.tick_params(axis="x", length=0)
        _no_axis(ax, "y")
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncol=len(legend) + 1,
                  borderaxespad=0.3, handlelength=1, handleheight=1, columnspacing=1.4)
        return _finish(fig, title, notes, sample)


def chart_compare(labels: Sequence[str], current: Sequence[float | None],
                  last_year: Sequence[float | None], texts: Sequence[str], *, title: str,
                  legend: tuple[str, str], notes: Sequence[str] = (),
                  sample: bool = False) -> Figure:
    """Horizontal bars: this period (accent) over the same period last year (wide, light);
    hidden values are not drawn."""
    c = _charts()
    with c.style():
        fig, ax = _figure(0.3 * len(labels) + 1.1)
        y = np.arange(len(labels))
        cur = np.array([np.nan if v is None else float(v) for v in current])
        ly = np.array([np.nan if v is None else float(v) for v in last_year])
        ax.barh(y, np.nan_to_num(ly), height=0.78, color=c.LAST_YEAR, alpha=0.42, lw=0,
                label=legend[1])
        ax.barh(y, np.nan_to_num(cur), height=0.42, color=c.ACCENT, label=legend[0])
        ends = np.fmax(np.nan_to_num(cur), np.nan_to_num(ly))
        for i, t in enumerate(texts):
            ax.annotate(t, (ends[i], i), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=7.5)
        full = max(float(ends.max(initial=0)), 1.0)
        longest = max((len(t) for t in texts), default=1)
        ax.set_xlim(0, full * (1 + min(0.9, longest * 0.014)))
        c.row_labels_at(ax, y, list(labels))
        ax.set_ylim(len(labels) - 0.5, -0.5)
        _no_axis(ax, "x")
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncol=2, borderaxespad=0.3,
                  handlelength=1, handleheight=1, columnspacing=1.4)
        return _finish(fig, title, notes, sample)
