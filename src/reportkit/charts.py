"""Matplotlib house style and the report charts.

Every chart function returns a :class:`~matplotlib.figure.Figure` built without pyplot (safe in
batches), sized for an A4 page (16 cm wide, PNG at 150 dpi), and is registered by name::

    fig = charts.get("ranking")(values, highlight="Lào Cai", title="...", lang="vi")
    charts.show(fig)               # in a notebook: embeds a PNG printed 16 cm wide
    charts.to_png(fig, "out.png")

The house style lives in :func:`style` (``matplotlib.rc_context``); importing this module
changes no global state. Counts below ``small_threshold`` are always written as "<3".
"""

from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import blended_transform_factory

from reportkit import fmt
from reportkit.errors import LookupInRegistryError

WIDTH_IN = 16 / 2.54  # the text width of an A4 page
DPI = 150
ACCENT = "#1F5F99"  # this unit
OTHER = "#B7C4D1"  # other units, neutral bars
LAST_YEAR = "#A08AC0"  # the same period last year
TRACK = "#EEF1F4"  # background tracks
ALERT, WARN = "#C0392B", "#E69F00"  # alerts only
INK, MUTED, REF = "#222222", "#666666", "#444444"
CATEGORICAL = (ACCENT, "#86AED6", "#7D7FAF", "#9FBF9A", "#C4C4C4", "#4F7F8F")
AGE_RAMP = (OTHER, "#EDCB8A", WARN, ALERT)
STAMP = "DỮ LIỆU MẪU — sample data"
_HALO = {"boxstyle": "square,pad=0.12", "fc": "white", "ec": "none"}

RC: dict[str, Any] = {
    "font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"], "font.size": 8,
    "text.color": INK, "axes.labelcolor": MUTED, "axes.labelsize": 7.5,
    "axes.titlesize": 7.5, "axes.titlelocation": "left", "axes.titlecolor": MUTED,
    "axes.edgecolor": "#9A9A9A", "axes.linewidth": 0.6, "axes.axisbelow": True,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": False,
    "grid.color": "#E2E2E2", "grid.linewidth": 0.6,
    "xtick.labelsize": 7.5, "ytick.labelsize": 7.5, "xtick.color": "#555555",
    "ytick.color": "#555555", "xtick.major.size": 2.5, "ytick.major.size": 0,
    "xtick.major.width": 0.6, "legend.frameon": False, "legend.fontsize": 7.5,
    "figure.facecolor": "white", "figure.dpi": DPI, "savefig.dpi": DPI,
    "figure.titlesize": 10.5, "figure.titleweight": "bold", "pdf.fonttype": 42,
}
_WORDS = {
    "target": ("Mục tiêu", "Target"), "national": ("Toàn quốc", "National"),
    "median": ("Trung vị các đơn vị", "Median of units"),
    "actual": ("Thực hiện", "Actual"), "last_year": ("Cùng kỳ năm trước", "Same period last year"),
}

F = TypeVar("F", bound=Callable[..., Figure])
CHARTS: dict[str, Callable[..., Figure]] = {}


def register(name: str) -> Callable[[F], F]:
    """Decorator adding a chart function to :data:`CHARTS` (a later one replaces it)."""

    def deco(fn: F) -> F:
        CHARTS[name] = fn
        return fn

    return deco


def get(name: str) -> Callable[..., Figure]:
    """The chart function registered as ``name``."""
    try:
        return CHARTS[name]
    except KeyError:
        raise LookupInRegistryError(
            f"No chart named {name!r}; available: {', '.join(sorted(CHARTS))}",
            chart=name) from None


@contextmanager
def style() -> Iterator[None]:
    """Apply the house style to figures created and drawn inside the block."""
    with mpl.rc_context(RC):
        yield


def _styled(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        if kwargs.get("lang", "vi") not in fmt.LANGS:
            raise ValueError(f"Unknown language {kwargs['lang']!r}; available: vi, en")
        with style():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# -- output ---------------------------------------------------------------------------------------
def to_png(fig: Figure, path: str | Path | None = None, dpi: int = DPI) -> bytes:
    """Render ``fig`` as PNG bytes (no version metadata, so bytes are stable); write ``path``."""
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    data = buf.getvalue()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(data)
    return data


def show(fig: Figure, dpi: int = DPI) -> None:
    """Display ``fig`` in a notebook as an embedded PNG that prints at its true width."""
    from IPython.display import Image, display

    display(Image(data=to_png(fig, dpi=dpi), width=round(fig.get_figwidth() * 96)))


# -- text helpers ---------------------------------------------------------------------------------
def _w(key: str, lang: str) -> str:
    vi, en = _WORDS[key]
    return vi if lang == "vi" else en


def _rank_text(rank: int, n: int, lang: str) -> str:
    return f"Hạng {rank}/{n}" if lang == "vi" else f"Rank {rank} of {n}"


def _places(x: float, scale: float) -> int:
    v = abs(float(x) * scale)
    return next((d for d in (0, 1) if abs(v - round(v, d)) < 1e-6 * max(1.0, v)), 2)


def _tick(x: float, percent: bool, lang: str) -> str:
    """Axis text: as few decimals as the value needs ("75%", "75,5%", "40.000")."""
    if percent:
        return fmt.percent(x, lang, _places(x, 100))
    return fmt.number(x, lang, _places(x, 1))


def _value(x: float, percent: bool, lang: str) -> str:
    """Data-label text: one decimal for percentages and non-whole numbers."""
    if percent:
        return fmt.percent(x, lang, 1)
    return fmt.number(x, lang, 0 if float(x).is_integer() else 1)


def _formatter(percent: bool, lang: str) -> FuncFormatter:
    return FuncFormatter(lambda x, _pos: _tick(x, percent, lang))


def _locator(n: int = 5) -> MaxNLocator:
    return MaxNLocator(n, steps=[1, 2, 2.5, 5, 10])


def _suppression_note(threshold: int, lang: str, totals_hidden: bool = False) -> str:
    if lang == "vi":
        extra = "; không ghi tổng của dòng có số này" if totals_hidden else ""
        return f"Số lượng dưới {threshold} được ghi “<{threshold}”{extra}."
    extra = "; totals of rows containing them are not shown" if totals_hidden else ""
    return f"Counts below {threshold} are shown as “<{threshold}”{extra}."


def _is_small(v: float, threshold: int | None) -> bool:
    return bool(threshold) and 0 < v < threshold  # type: ignore[operator]


def _text_width_in(text: str, size: float) -> float:
    """Rough width of ``text`` in inches (DejaVu Sans averages ~0.6 em per character)."""
    return len(text) * size * 0.6 / 72


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Consecutive integers grouped as (first, last) pairs."""
    out: list[tuple[int, int]] = []
    for r in rows:
        out[-1:] = [(out[-1][0], r)] if out and out[-1][1] == r - 1 else [*out[-1:], (r, r)]
    return out


def _ink_on(color: str) -> str:
    r, g, b = to_rgb(color)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.6 else INK


# -- layout ---------------------------------------------------------------------------------------
def _figure(height: float) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout="constrained")
    fig.get_layout_engine().set(w_pad=0.06, h_pad=0.06)  # type: ignore[union-attr]
    return fig, fig.add_subplot()


def _finish(fig: Figure, title: str, footnote: str | None, notes: Sequence[str],
            sample: bool) -> Figure:
    """Title top-left; footnote and notes under the plot; the sample stamp bottom-right."""
    left = 0.06 / WIDTH_IN
    fig.suptitle(title, x=left, ha="left", color=INK)
    foot = " ".join(t for t in (footnote, *notes) if t)
    lines = textwrap.wrap(foot, 92 if sample else 125)
    if lines or sample:
        fig.supxlabel("\n".join(lines) or " ", x=left, ha="left", fontsize=6.5, color=MUTED,
                      linespacing=1.35)
    if sample:
        where = blended_transform_factory(fig.transFigure, fig.dpi_scale_trans)
        fig.text(1 - left, 0.09, STAMP, transform=where, ha="right", va="bottom",
                 fontsize=6.5, fontweight="bold", color=ALERT,
                 bbox={"boxstyle": "square,pad=0.35", "fc": "white", "ec": ALERT, "lw": 0.6})
    return fig


def _value_axis_hidden(ax: Axes, axis: str = "x") -> None:
    (ax.set_xticks if axis == "x" else ax.set_yticks)([])  # no tick text left behind
    (ax.xaxis if axis == "x" else ax.yaxis).set_visible(False)
    for side in ("bottom",) if axis == "x" else ("left",):
        ax.spines[side].set_visible(False)


def _room(values: Sequence[float], labels: Sequence[str], size: float, axis_in: float,
          floor: float = 0.0) -> float:
    """An axis limit leaving room for ``labels`` written after bars ending at ``values``."""
    need = [v / max(0.3, 1 - (_text_width_in(t, size) + 0.08) / axis_in)
            for v, t in zip(values, labels, strict=True) if v > 0]
    return max([floor, *need, 1e-9])


# -- charts ---------------------------------------------------------------------------------------
@register("trend")
@_styled
def trend(values: pd.Series, last_year: pd.Series | None = None, *, title: str,
          y_label: str = "", percent: bool = False, target: float | None = None,
          footnote: str | None = None, lang: str = "vi", sample: bool = False,
          kind: str = "auto") -> Figure:
    """This unit over time (index = period labels), with the same period last year.

    ``kind`` is "bar", "line" or "auto" (lines for percentages, bars for counts).
    ``last_year`` aligns on labels when all of them are in ``values``, else by position.
    """
    cur = values.astype(float)
    ly = None
    if last_year is not None:
        if last_year.index.isin(cur.index).all():
            ly = last_year.astype(float).reindex(cur.index)
        elif len(last_year) == len(cur):
            ly = pd.Series(last_year.to_numpy(float), index=cur.index)
        else:
            raise ValueError("last_year matches values neither by label nor by length")
    bars = kind == "bar" or (kind == "auto" and not percent)
    fig, ax = _figure(3.1)
    x = np.arange(len(cur))
    if bars:
        if ly is not None:
            ax.bar(x, ly.to_numpy(), width=0.78, color=LAST_YEAR, alpha=0.42, lw=0,
                   label=_w("last_year", lang))
        ax.bar(x, cur.to_numpy(), width=0.48, color=ACCENT, label=_w("actual", lang))
        peak = np.nanmax([*cur, *(ly if ly is not None else []), target or 0, 1e-9])
        ax.set_ylim(0, peak * 1.16)
    else:
        if ly is not None:
            ax.plot(x, ly.to_numpy(), color=LAST_YEAR, lw=1.1, marker="o", ms=2.5,
                    label=_w("last_year", lang))
        ax.plot(x, cur.to_numpy(), color=ACCENT, lw=2, marker="o", ms=3.5,
                label=_w("actual", lang))
    if target is not None:
        ax.axhline(target, color=REF, lw=0.9, ls=(0, (4, 3)))
        ax.annotate(f"{_w('target', lang)} {_tick(target, percent, lang)}", (0, target),
                    xycoords=("axes fraction", "data"), xytext=(2, 2),
                    textcoords="offset points", ha="left", va="bottom", fontsize=7,
                    color=REF, bbox=_HALO)
    known = cur.dropna()
    if len(known):
        i, v = cur.index.get_loc(known.index[-1]), float(known.iloc[-1])
        other = float(ly.iloc[i]) if ly is not None else np.nan
        below = not bars and other > v  # keep clear of last year's line
        ax.annotate(_value(v, percent, lang), (i, np.nanmax([v, other]) if bars else v),
                    xytext=(0, -7 if below else 5), textcoords="offset points", ha="center",
                    va="top" if below else "bottom", fontsize=8, fontweight="bold",
                    color=ACCENT, bbox=_HALO)
    if not bars:
        ax.margins(y=0.15)
    step = -(-len(cur) // 13)
    keep = {i for i in range(len(cur) - 1, -1, -step)}
    ax.set_xticks(x, [str(s) if i in keep else "" for i, s in enumerate(cur.index)])
    ax.set_xlim(-0.6, len(cur) - 0.4)
    ax.yaxis.set_major_locator(_locator(5))
    ax.yaxis.set_major_formatter(_formatter(percent, lang))
    ax.grid(axis="y")
    ax.tick_params(axis="x", length=0)
    ax.spines["left"].set_visible(False)
    if y_label:
        ax.set_title(y_label, pad=6)
    if ly is not None:
        ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncol=2, borderaxespad=0.3,
                  handlelength=1.4, columnspacing=1.2)
    return _finish(fig, title, footnote, [], sample)


@register("ranking")
@_styled
def ranking(values: pd.Series, *, highlight: str | None, title: str, percent: bool = False,
            national: float | None = None, target: float | None = None, lang: str = "vi",
            sample: bool = False, max_units: int | None = None, lower_is_better: bool = False,
            footnote: str | None = None) -> Figure:
    """Units (index = names) as horizontal bars, best first, ``highlight`` in the accent.

    With ``max_units`` only the best are drawn; a highlighted unit outside them is added
    under a gap. Ranks count ties as equal ("min" method) among units with a value.
    """
    s = values.dropna().astype(float).sort_values(ascending=lower_is_better, kind="stable")
    if highlight is not None and highlight not in s.index:
        raise ValueError(f"highlight {highlight!r} has no value in this ranking")
    ranks = s.rank(method="min", ascending=lower_is_better).astype(int)
    names = list(s.index)
    gap = bool(max_units) and len(names) > max_units  # type: ignore[operator]
    if gap:
        names = names[:max_units]
        if highlight is not None and highlight not in names:
            names = [*names[:-1], highlight]
    ys = list(range(len(names)))
    if gap and highlight == names[-1] and ranks[highlight] > len(names):
        ys[-1] += 1
    size = 7.5 if len(names) <= 35 else 6.5
    row = min(0.26, max(0.135, 4.4 / len(names)))
    fig, ax = _figure(len(names) * row + 1.0 + 0.15 * (national is not None))
    vals = s[names].to_numpy()
    colors = [ACCENT if n == highlight else OTHER for n in names]
    ax.barh(ys, vals, height=0.72, color=colors, zorder=2)
    labels = [_value(v, percent, lang) for v in vals]
    if highlight is not None:
        h = names.index(highlight)
        labels[h] += f" · {_rank_text(int(ranks[highlight]), len(s), lang)}"
    texts = [ax.annotate(t, (v, y), xytext=(3 if v >= 0 else -3, 0), textcoords="offset points",
                         ha="left" if v >= 0 else "right", va="center", fontsize=size,
                         color=ACCENT if n == highlight else MUTED,
                         fontweight="bold" if n == highlight else "normal")
             for y, v, t, n in zip(ys, vals, labels, names, strict=True)]
    axis_in = WIDTH_IN - 0.2 - max(_text_width_in(str(n), size) for n in names)
    hi = _room(vals, labels, size, axis_in, max(national or 0, target or 0) * 1.05)
    lo = -_room(-vals, labels, size, axis_in)
    ax.set_xlim(min(0, lo), hi)
    ax.set_ylim(max(ys) + 0.6, -0.6)
    ticks, tick_labels = ys, [str(n) for n in names]
    if ys[-1] != len(ys) - 1:
        ticks, tick_labels = [*ys[:-1], ys[-1] - 1, ys[-1]], [*tick_labels[:-1], "…",
                                                               tick_labels[-1]]
    ax.set_yticks(ticks, tick_labels, fontsize=size)
    for lab in ax.get_yticklabels():
        if lab.get_text() == highlight:
            lab.set_color(ACCENT)
            lab.set_fontweight("bold")
    _value_axis_hidden(ax, "x")
    refs = [(r, k) for r, k in ((national, "national"), (target, "target")) if r is not None]
    for ref, key in refs:
        shown = _tick(ref, percent, lang) if key == "target" else _value(ref, percent, lang)
        ax.annotate(f"{_w(key, lang)} {shown}", (ref, key == "national"),
                    xycoords=("data", "axes fraction"), xytext=(0, 2 if key == "national" else -2),
                    textcoords="offset points", ha="center",
                    va="bottom" if key == "national" else "top", fontsize=size, color=REF)
    _finish(fig, title, footnote, [], sample)
    if refs:  # reference lines, broken where they would cross a value label
        fig.draw_without_rendering()
        boxes = {y: t.get_window_extent() for y, t in zip(ys, texts, strict=True)}
        for ref, key in refs:
            px = ax.transData.transform((ref, 0))[0]
            clear = [y for y in range(ys[-1] + 1)
                     if y not in boxes or not boxes[y].x0 - 3 < px < boxes[y].x1 + 3]
            for a, b in _runs(clear):
                ax.vlines(ref, a - 0.5 if a else -0.6, b + 0.5 if b < ys[-1] else b + 0.6,
                          color=REF, lw=0.9, zorder=3,
                          ls=(0, (4, 3)) if key == "target" else (0, (1, 1.5)))
    return fig


@register("composition")
@_styled
def composition(counts: pd.DataFrame | pd.Series, *, title: str, lang: str = "vi",
                small_threshold: int | None = 3, sample: bool = False,
                footnote: str | None = None) -> Figure:
    """Counts by category (rows top to bottom in index order), stacked by column if a frame."""
    df = (counts.to_frame() if isinstance(counts, pd.Series) else counts).fillna(0).astype(float)
    stacked = df.shape[1] > 1
    fig, ax = _figure(0.3 * len(df) + (1.25 if stacked else 0.95))
    y = np.arange(len(df))
    left = np.zeros(len(df))
    inside = []
    for j, col in enumerate(df.columns):
        w = df[col].to_numpy()
        color = CATEGORICAL[j % len(CATEGORICAL)]
        bars = ax.barh(y, w, left=left, height=0.58, color=color, label=str(col),
                       edgecolor="white", linewidth=0.8 if stacked else 0)
        if stacked:
            for i, (bar, v) in enumerate(zip(bars, w, strict=True)):
                if v > 0:
                    t = ax.text(left[i] + v / 2, y[i], fmt.count_label(v, lang, small_threshold),
                                ha="center", va="center", fontsize=7, color=_ink_on(color))
                    inside.append((t, bar))
        left += w
    small = ((df > 0) & (df < (small_threshold or 0))).to_numpy()
    totals = [fmt.count_label(t, lang, small_threshold) for t in left]
    hidden = stacked and bool(small.any(axis=1).any())
    for i, t in enumerate(totals):
        if not (stacked and small[i].any()):
            ax.annotate(t, (left[i], y[i]), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=7.5, fontweight="bold" if stacked else "normal")
    names_in = max(_text_width_in(str(n), 7.5) for n in df.index)
    ax.set_xlim(0, _room(left, totals, 7.5, WIDTH_IN - 0.2 - names_in))
    ax.set_yticks(y, [str(n) for n in df.index])
    ax.set_ylim(len(df) - 0.5, -0.5)
    _value_axis_hidden(ax, "x")
    if stacked:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncol=min(df.shape[1], 4),
                  borderaxespad=0.3, handlelength=1, handleheight=1, columnspacing=1.4)
    notes = [_suppression_note(small_threshold, lang, hidden)] if small.any() else []
    _finish(fig, title, footnote, notes, sample)  # type: ignore[arg-type]
    if inside:  # labels too wide for their segment go just above it, left to right
        fig.draw_without_rendering()
        to_data = ax.transData.inverted()
        last_right: dict[float, float] = {}
        for t, bar in inside:
            box, seg = t.get_window_extent(), bar.get_window_extent()
            if box.width + 8 <= seg.width:
                continue
            row = bar.get_y()
            t.set(y=row, va="bottom", fontsize=6.5, color=INK)
            box = t.get_window_extent()
            if box.x0 < last_right.get(row, -np.inf) + 4:
                shift = last_right[row] + 4 - box.x0
                t.set_x(to_data.transform((seg.x0 + seg.width / 2 + shift, 0))[0])
                box = t.get_window_extent()
            last_right[row] = box.x1
    return fig


@register("backlog")
@_styled
def backlog(counts: pd.Series, *, title: str, lang: str = "vi", small_threshold: int | None = 3,
            sample: bool = False, footnote: str | None = None) -> Figure:
    """Open items by age band (index in age order); colours ramp from neutral to alert."""
    s = counts.fillna(0).astype(float)
    ramp = LinearSegmentedColormap.from_list("age", AGE_RAMP)
    colors = [ramp(p) for p in np.linspace(0, 1, len(s))] if len(s) > 1 else [OTHER]
    fig, ax = _figure(2.6)
    x = np.arange(len(s))
    ax.bar(x, s.to_numpy(), width=0.62, color=colors)
    for i, v in enumerate(s):
        ax.annotate(fmt.count_label(v, lang, small_threshold), (i, v), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8,
                    fontweight="bold")
    ax.set_xticks(x, [str(i) for i in s.index])
    ax.set_ylim(0, max(float(s.max()), 1) * 1.18)
    ax.tick_params(axis="x", length=0)
    _value_axis_hidden(ax, "y")
    small = any(_is_small(v, small_threshold) for v in s)
    notes = [_suppression_note(small_threshold, lang)] if small else []  # type: ignore[arg-type]
    return _finish(fig, title, footnote, notes, sample)


@register("distribution")
@_styled
def distribution(values: pd.Series, *, highlight: str | None = None, title: str,
                 percent: bool = False, lang: str = "vi", sample: bool = False,
                 footnote: str | None = None) -> Figure:
    """One indicator across units as a dot strip (one dot per unit), with the median marked."""
    s = values.dropna().astype(float).sort_values(kind="stable")
    lo, hi = float(s.min()), float(s.max())
    # dot diameter in data units
    d = (hi - lo) / (26 if len(s) <= 40 else 34) or max(abs(hi) * 0.04, 0.004 if percent else 1)
    if highlight is not None and highlight not in s.index:
        raise ValueError(f"highlight {highlight!r} has no value in this distribution")
    xs, levels = s.to_numpy(), np.zeros(len(s), dtype=int)
    hl = [i for i, n in enumerate(s.index) if n == highlight]
    placed: list[int] = []
    for i in [i for i in range(len(s)) if i not in hl] + hl:  # the highlight tops its stack
        used = {levels[k] for k in placed if abs(xs[i] - xs[k]) < d * 0.999}
        free = (j for j in range(len(s) + 1) if j not in used)
        levels[i] = max(used, default=-1) + 1 if i in hl else next(free)
        placed.append(i)
    top = int(levels.max()) + 1
    span = hi - lo + 2 * d
    in_per_unit = (WIDTH_IN - 0.25) / (span / d)
    fig, ax = _figure(min(4.0, 1.15 + (top + 2.4) * in_per_unit))
    ms = in_per_unit * 72 * 0.86
    colors = [ACCENT if n == highlight else OTHER for n in s.index]
    ax.scatter(xs, levels, s=ms**2, c=colors, linewidths=0.5, edgecolors="white",
               zorder=3)
    med = float(s.median())
    label_y = top + 1.0
    ax.plot([med, med], [-0.6, label_y - 0.3], color=REF, lw=0.9, ls=(0, (1, 1.5)), zorder=2)
    right_side = highlight is None or float(s[highlight]) <= med
    ax.annotate(f"{_w('median', lang)}: {_value(med, percent, lang)}", (med, label_y),
                xytext=(3 if right_side else -3, 0), textcoords="offset points", va="center",
                ha="left" if right_side else "right", fontsize=7, color=REF)
    if highlight is not None:
        hx, hy = float(s[highlight]), levels[hl[0]]
        ax.annotate(f"{highlight}: {_value(hx, percent, lang)}", (hx, hy), (hx, label_y + 0.9),
                    ha="right" if right_side else "left", va="bottom", fontsize=7.5,
                    fontweight="bold", color=ACCENT,
                    arrowprops={"arrowstyle": "-", "color": ACCENT, "lw": 0.7, "shrinkA": 0,
                                "shrinkB": ms / 2, "relpos": (1 if right_side else 0, 0)})
    ax.set_xlim(lo - d, hi + d)
    ax.set_ylim(-0.7, label_y + 1.4)
    ax.xaxis.set_major_locator(_locator(6))
    ax.xaxis.set_major_formatter(_formatter(percent, lang))
    _value_axis_hidden(ax, "y")
    return _finish(fig, title, footnote, [], sample)


@register("flow")
@_styled
def flow(stages: pd.Series, *, title: str, lang: str = "vi", small_threshold: int | None = 3,
         sample: bool = False, footnote: str | None = None) -> Figure:
    """Stages of handling (first = received), with counts and the share of received."""
    s = stages.fillna(0).astype(float)
    received = float(s.iloc[0])
    fig, ax = _figure(0.34 * len(s) + 0.95)
    y = np.arange(len(s))
    full = max(float(s.max()), 1e-9)
    ax.barh(y[1:], [received] * (len(s) - 1), height=0.62, color=TRACK)
    ax.barh(y, s.to_numpy(), height=0.62, color=[OTHER, *[ACCENT] * (len(s) - 1)])
    labels = []
    for i, v in enumerate(s):
        text = fmt.count_label(v, lang, small_threshold)
        if i and received > 0 and not _is_small(v, small_threshold) \
                and not _is_small(received, small_threshold):
            text += f"  ({fmt.percent(v / received, lang, 1)})"
        labels.append(text)
        ax.annotate(text, (full, i), xytext=(6, 0), textcoords="offset points", va="center",
                    fontsize=7.5, fontweight="bold" if i == 0 else "normal")
    names_in = max(_text_width_in(str(n), 7.5) for n in s.index)
    ax.set_xlim(0, _room([full] * len(s), labels, 7.5, WIDTH_IN - 0.2 - names_in))
    ax.set_yticks(y, [str(n) for n in s.index])
    ax.set_ylim(len(s) - 0.5, -0.5)
    _value_axis_hidden(ax, "x")
    first = str(s.index[0])
    notes = [f"(%): tỷ lệ so với “{first}”." if lang == "vi" else f"(%): share of “{first}”."]
    if any(_is_small(v, small_threshold) for v in s):
        notes.append(_suppression_note(small_threshold, lang))  # type: ignore[arg-type]
    return _finish(fig, title, footnote, notes, sample)
