"""Matplotlib house style and the report charts.

Every chart function returns a :class:`~matplotlib.figure.Figure` built without pyplot (safe in
batches), sized for an A4 page (16 cm wide), and is registered by name::

    fig = charts.get("ranking")(values, highlight="Lào Cai", title="...", lang="vi")
    charts.show(fig)               # in a notebook: an inline SVG printed 16 cm wide
    charts.to_png(fig, "out.png")  # for formats that need a bitmap (a Word draft)

A Word draft needs every chart as a bitmap too. With ``REPORTKIT_CHART_PNG`` set (the batch
sets it in the kernels of a run that writes DOCX), :func:`show` puts a PNG of the chart beside
its SVG in the same output (``image/png`` next to ``text/html``): the HTML page still shows the
SVG, :mod:`reportkit.rendering.docx` takes the PNG. Other runs pay nothing for it (a PNG costs
50–100 ms a chart); :func:`bitmaps` turns it off for views that only a browser shows (the
explorers).

Why SVG with text kept as text: a report page is read in a browser and printed to PDF by
Chromium, so the chart's words can be left to the browser. matplotlib then only writes each
text's position and string and rasterises nothing, the file is smaller, the printed text is
crisp at any zoom, and a reader can search and copy unit names. The browser must measure text
as matplotlib did, or labels would drift: the page carries the house font itself
(:func:`font_face_css`, emitted once per page with the report's stylesheet), so no reader
depends on an installed font. Only public matplotlib API is used: a speed-up resting on a
private name breaks on the next release.

The house style lives in :func:`style` (``matplotlib.rc_context``); importing this module
changes no global state. Counts below ``small_threshold`` are only ever written as "<3".
"""

from __future__ import annotations

import base64
import functools
import html
import io
import itertools
import os
import re
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.layout_engine import LayoutEngine
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox, ScaledTranslation, blended_transform_factory

from reportkit.core import fmt, i18n
from reportkit.errors import LookupInRegistryError
from reportkit.store.io import atomic_write

WIDTH_IN, DPI = 16 / 2.54, 150  # the text width of an A4 page; the resolution of
# PNGs and of the layout's text measurement
ACCENT = "#1F5F99"  # this unit
OTHER = "#B7C4D1"  # other units, neutral bars
LAST_YEAR = "#A08AC0"  # the same period last year
TRACK = "#EEF1F4"  # background tracks
ALERT, WARN = "#C0392B", "#E69F00"  # alerts only
INK, MUTED, REF = "#222222", "#666666", "#444444"
CATEGORICAL = (ACCENT, "#86AED6", "#7D7FAF", "#9FBF9A", "#C4C4C4", "#4F7F8F")
AGE_RAMP = (OTHER, "#EDCB8A", WARN, ALERT)
STAMP = "DỮ LIỆU MẪU — sample data"
PNG_ENV = "REPORTKIT_CHART_PNG"  # set: show() adds a PNG of each chart (for a Word draft)
_PNG_LIMIT = 64  # PNGs kept for charts made but not yet shown (a report shows about 15)
_PNGS: dict[str, bytes] = {}  # img_html's markup -> the chart's PNG, while bitmaps are wanted
_BITMAPS: ContextVar[bool | None] = ContextVar("reportkit_chart_bitmaps", default=None)
RC: dict[str, Any] = {
    "font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"], "font.size": 8,
    "text.color": INK, "axes.labelcolor": MUTED, "axes.labelsize": 7.5,
    "axes.titlesize": 7.5, "axes.titlelocation": "left", "axes.titlecolor": MUTED,
    "axes.edgecolor": "#9A9A9A", "axes.linewidth": 0.6, "axes.axisbelow": True,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": False,
    "grid.color": "#E2E2E2", "grid.linewidth": 0.6, "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5, "xtick.color": "#555555", "ytick.color": "#555555",
    "xtick.major.size": 2.5, "xtick.major.width": 0.6, "ytick.major.size": 0,
    "legend.frameon": False, "legend.fontsize": 7.5, "figure.facecolor": "white",
    "figure.dpi": DPI, "savefig.dpi": DPI, "figure.titlesize": 10.5,
    "figure.titleweight": "bold", "pdf.fonttype": 42,
    # Unhinted glyphs: as legible at 150 dpi, and FreeType's auto-hinter was the largest
    # single cost of drawing a chart's text.
    "text.hinting": "no_hinting",
}
_HALO = {"boxstyle": "square,pad=0.12", "fc": "white", "ec": "none"}

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


def _lay_out_for_saving(fig: Figure) -> None:
    """Lay ``fig`` out now and drop its engine: savefig would otherwise draw the whole figure
    once more just to lay it out."""
    engine = fig.get_layout_engine()
    if engine is not None:
        with style():
            engine.execute(fig)
        fig.set_layout_engine(None)


def to_png(fig: Figure, path: str | Path | None = None, dpi: int = DPI,
           palette: int | None = 64) -> bytes:
    """Render ``fig`` as PNG bytes (no version metadata, so bytes are stable); write ``path``.

    For formats that need a bitmap (a Word draft); pages use :func:`img_html` (SVG). With
    ``palette`` (default 64 colours) the image is reduced to an indexed palette without
    dithering: charts have few colours and the file is about 4× smaller.
    """
    _lay_out_for_saving(fig)
    buf = io.BytesIO()
    if palette:  # raw pixels straight to the palette image: one PNG encode, not two
        from PIL import Image

        with style():
            fig.savefig(buf, format="rgba", dpi=dpi, facecolor="white")
        size = (int(fig.get_figwidth() * dpi), int(fig.get_figheight() * dpi))
        if buf.getbuffer().nbytes != size[0] * size[1] * 4:  # not the canvas size expected
            buf = io.BytesIO()
            with style():
                fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
            img = Image.open(buf)
            img = img.convert("RGB")
        else:  # RGB straight from the RGBA bytes (alpha dropped, as convert("RGB") drops it)
            img = Image.frombytes("RGB", size, buf.getbuffer(), "raw", "RGBX")
        img = img.quantize(colors=palette, method=Image.Quantize.FASTOCTREE,
                           dither=Image.Dither.NONE)
        out = io.BytesIO()
        img.save(out, format="PNG", dpi=(dpi, dpi))
        data = out.getvalue()
    else:
        with style():
            fig.savefig(buf, format="png", dpi=dpi, facecolor="white",
                        metadata={"Software": None})
        data = buf.getvalue()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(data)
    return data


# SVG for pages: text stays text (the page carries the font, see font_face_css), and a fixed
# hash salt keeps the bytes reproducible; ids are made unique per chart shown (_unique_ids).
_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "reportkit"}
_SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_TAG = re.compile(r"<[^<>]+>")  # every real tag: "<" and ">" in texts are escaped as entities
_ID = re.compile(r'(\sid=")([^"]*)(")')
_REF = re.compile(r'(url\(#|href="#)([^)"]*)([)"])')
_RKID = re.compile(r'(\sid="|url\(#|href="#)rkc\d+-')
_IDS = itertools.count(1)


def _unique_ids(svg: str) -> str:
    """Ids in matplotlib's ``svg`` that are referenced (clip paths, markers) get a prefix new
    in this process; the others (its group ids, "figure_1", "axes_1"…) are dropped. Inline
    SVGs share the page's id namespace, so two charts must never both define "p0a1b2c3"."""
    prefix = f"rkc{next(_IDS)}-"
    used = {r.group(2) for tag in _TAG.findall(svg) for r in _REF.finditer(tag)}

    def fix(m: re.Match[str]) -> str:
        tag = _ID.sub(lambda i: f"{i.group(1)}{prefix}{i.group(2)}{i.group(3)}"
                      if i.group(2) in used else "", m.group())
        return _REF.sub(lambda r: f"{r.group(1)}{prefix}{r.group(2)}{r.group(3)}", tag)

    return _TAG.sub(fix, svg)


_GROUP = re.compile(r"<g(?:\s[^<>]*)?/?>|</g>")
_BETWEEN_TAGS = re.compile(r">\n\s*<")


def _lean(svg: str) -> str:
    """``svg`` without what only makes it longer: matplotlib wraps every artist in a ``<g>``
    (left with no attribute once :func:`_unique_ids` has dropped the unused ids) and puts
    each tag on its own line. Plain groups are unwrapped, keeping their children in order;
    groups with attributes (clip path, transform, style) stay. The line breaks go; a text's
    own characters never hold one. Nothing drawn changes, and a page with eight charts has
    about 1,000 fewer elements for the browser and for the HTML export to parse."""
    out: list[str] = []
    plain: list[bool] = []  # for each open group, whether it is unwrapped
    pos = 0
    for m in _GROUP.finditer(svg):
        if m.group() == "</g>":
            drop = plain.pop() if plain else False
        elif m.group().endswith("/>"):  # an empty group
            drop = m.group() == "<g/>"
        else:
            drop = m.group() == "<g>"
            plain.append(drop)
        if drop:
            out.append(svg[pos:m.start()])
            pos = m.end()
    out.append(svg[pos:])
    return _BETWEEN_TAGS.sub("><", "".join(out))


def _renumber_ids(markup: str) -> str:
    """Markup made by :func:`to_svg`, shown again (an explorer reuses a section's chart),
    with a new prefix on its ids."""
    prefix = f"rkc{next(_IDS)}-"
    return _TAG.sub(lambda m: _RKID.sub(lambda r: r.group(1) + prefix, m.group()), markup)


def to_svg(fig: Figure, alt: str | None = None) -> str:
    """``fig`` as an inline ``<svg>`` element for an HTML page, with text as ``<text>``.

    Texts are in the house font (the page must carry it: :func:`font_face_css`), escaped by
    matplotlib's SVG writer. The element has ``role="img"`` and ``aria-label`` (``alt``,
    default the chart's title) for screen readers, prints 16 cm wide and shrinks with a
    narrow window. Its ids are unique in the process, so many charts can share a page.
    """
    _lay_out_for_saving(fig)
    buf = io.StringIO()
    with mpl.rc_context({**RC, **_SVG_RC}):
        fig.savefig(buf, format="svg", facecolor="white", metadata=_SVG_METADATA)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):].strip()  # no XML prolog or DOCTYPE inside HTML
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    # matplotlib's default stroke style for the document ("*{...}"), scoped to this chart:
    # inline, a <style> applies to the whole page.
    svg = svg.replace("<style type=\"text/css\">*{", "<style type=\"text/css\">.rk-chart *{", 1)
    if alt is None:
        alt = fig.get_suptitle()
    label = html.escape(" ".join(alt.split()), quote=True)
    svg = svg.replace("<svg ", f'<svg class="rk-chart" role="img" aria-label="{label}" '
                      'style="max-width:100%;height:auto" ', 1)
    return _lean(_unique_ids(svg))


def warm_up() -> None:
    """Draw a trend and a two-column ranking of made-up values to SVG and drop them.

    The first chart a process draws also loads the house fonts, matplotlib's SVG writer and
    its text layout; a process that forks report kernels pays that once for all of them
    (:func:`reportkit.presentation.warm_up`)."""
    import pandas as pd

    labels = [f"{q}/2025" for q in ("I", "II", "III", "IV")]
    figs = [trend(pd.Series([0.5, 0.6, 0.7, 0.8], index=labels), title="Ấ", percent=True),
            ranking(pd.Series({"Ấ": 0.5, "Ợ": 0.7, "Ư": 0.6}), highlight="Ấ", title="Ấ",
                    percent=True, national=0.6, columns=2)]
    for fig in figs:  # house figures are not pyplot's: nothing to close
        to_svg(fig)


# What the embedded font must cover: Latin with every Vietnamese letter (precomposed, and the
# combining marks), digits, punctuation and the signs the reports print.
_FONT_CHARS = [*range(0x20, 0x7F), *range(0xA0, 0x100), *map(ord, "ĂăĐđĨĩŨũƠơƯư"),
               *range(0x300, 0x304), 0x309, 0x323, *range(0x1EA0, 0x1EFA),
               *range(0x2010, 0x2027), *range(0x2030, 0x203B), 0x20AB, 0x20AC, 0x2116, 0x2192,
               0x2212, 0x2264, 0x2265]


@functools.cache
def font_face_css() -> str:
    """``@font-face`` rules embedding the house font (regular and bold) as ``data:`` URIs.

    Charts are SVG with text as text, so the browser draws their words and must draw them in
    the font matplotlib measured them with, wherever the page is read or printed. The font is
    subset with fontTools to Latin and Vietnamese letters, digits and punctuation, keeping its
    kerning, without hinting, as WOFF (about 50 kB a weight). Emit it once per page with the
    page's stylesheet (``reportkit.presentation.blocks.page_css``).

    Computed once per process, and kept in matplotlib's cache folder keyed by the font files,
    fontTools' (and uharfbuzz's) version and the characters: subsetting reads the font's whole
    layout tables (about 0.5 CPU-s), which every report kernel would otherwise pay again."""
    import hashlib

    import fontTools
    from matplotlib.font_manager import FontProperties, findfont

    family = RC["font.sans-serif"][0]
    paths = [findfont(FontProperties(family=family, weight=weight), fallback_to_default=False)
             for weight in ("normal", "bold")]
    key = hashlib.sha256(repr((
        1, family, fontTools.version, _harfbuzz_version(), _FONT_CHARS,
        [(p, Path(p).stat().st_size, Path(p).stat().st_mtime_ns) for p in paths])).encode())
    cached = Path(mpl.get_cachedir()) / f"reportkit-font-face-{key.hexdigest()[:16]}.css"
    try:
        return cached.read_text(encoding="ascii")
    except (OSError, UnicodeError):
        pass
    css = "\n".join(_font_face(family, path, weight)
                    for path, weight in zip(paths, (400, 700), strict=True))
    try:  # atomically: kernels of a batch may write it at the same time
        atomic_write(cached, css, fsync=False)
    except OSError:
        pass  # a read-only cache folder: computed again in the next process
    return css


def _harfbuzz_version() -> str | None:
    """uharfbuzz's version, or None: when it is installed, fontTools packs the GSUB and GPOS
    tables with HarfBuzz's repacker, and the subset's bytes differ."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("uharfbuzz")
    except PackageNotFoundError:
        return None


def _font_face(family: str, path: str, weight: int) -> str:
    """One ``@font-face`` rule: the font at ``path`` subset to :data:`_FONT_CHARS`, as WOFF."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.hinting = False
    options.flavor = "woff"
    options.drop_tables += ["FFTM", "MATH"]  # FontForge timestamps; maths layout
    font = TTFont(path, recalcTimestamp=False)  # the same bytes every time
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_FONT_CHARS)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    data = base64.b64encode(out.getvalue()).decode("ascii")
    return (f"@font-face{{font-family:'{family}';font-style:normal;font-weight:{weight};"
            f"src:url(data:font/woff;base64,{data}) format('woff')}}")


def bitmaps_wanted() -> bool:
    """Whether :func:`show` adds a PNG of each chart: inside :func:`bitmaps`, what it says;
    elsewhere, whether ``REPORTKIT_CHART_PNG`` is set (to 1, true or yes)."""
    local = _BITMAPS.get()
    if local is not None:
        return local
    return os.environ.get(PNG_ENV, "").strip().lower() in ("1", "true", "yes")


@contextmanager
def bitmaps(enabled: bool) -> Iterator[None]:
    """Charts made and shown inside the block get a PNG (or not) whatever the environment
    says; the explorers turn it off, since only a browser shows them."""
    token = _BITMAPS.set(enabled)
    try:
        yield
    finally:
        _BITMAPS.reset(token)


def img_html(fig: Figure, dpi: int = DPI, alt: str | None = None) -> str:
    """``fig`` as markup for a page: an inline SVG (:func:`to_svg`) with alternative text
    (default: the chart's title). ``dpi`` is unused (SVG has none); kept for callers.

    When bitmaps are wanted (:func:`bitmaps_wanted`) the chart's PNG is made now, while the
    figure exists, and kept for :func:`show` to put beside the markup."""
    del dpi
    markup = to_svg(fig, alt=alt)
    if bitmaps_wanted():
        while len(_PNGS) >= _PNG_LIMIT:
            del _PNGS[next(iter(_PNGS))]
        _PNGS[markup] = to_png(fig)
    return markup


def show(fig: Figure | str, dpi: int = DPI, alt: str | None = None) -> None:
    """Display a figure (or the markup :func:`img_html` made of one) in a notebook.

    Markup shown again (the explorers reuse a section's chart) gets fresh ids. When bitmaps
    are wanted (:func:`bitmaps_wanted`), the output also carries the chart's PNG
    (``image/png``), which a Word draft uses; a page shows the SVG."""
    from IPython.display import HTML, display

    made = fig if isinstance(fig, str) else img_html(fig, dpi=dpi, alt=alt)
    markup = _renumber_ids(made) if isinstance(fig, str) else made
    png = _PNGS.get(made) if bitmaps_wanted() else None
    if png is None:
        display(HTML(markup))
        return
    display({"text/html": markup, "image/png": base64.b64encode(png).decode("ascii"),
             "text/plain": "<chart>"}, raw=True)


# -- helpers --------------------------------------------------------------------------------------
def _styled(fn: F) -> F:
    """Check ``lang`` and build the figure inside :func:`style`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        if kwargs.get("lang", "vi") not in fmt.LANGS:
            raise ValueError(f"Unknown language {kwargs['lang']!r}; available: vi, en")
        with style():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _tick(x: float, percent: bool, lang: str) -> str:
    """Axis text with as few decimals as the value needs: "75%", "75,5%", "40.000"."""
    v = abs(float(x) * (100 if percent else 1))
    places = next((d for d in (0, 1) if abs(v - round(v, d)) < 1e-6 * max(1.0, v)), 2)
    return fmt.percent(x, lang, places) if percent else fmt.number(x, lang, places)


def _value(x: float, percent: bool, lang: str) -> str:
    """Data-label text: one decimal for percentages and for numbers that are not whole."""
    if percent:
        return fmt.percent(x, lang, 1)
    return fmt.number(x, lang, 0 if float(x).is_integer() else 1)


def _value_axis(axis: Any, percent: bool, lang: str, n: int) -> None:
    axis.set_major_locator(MaxNLocator(n, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: _tick(x, percent, lang)))


def _hide_value_axis(ax: Axes, axis: str) -> None:
    (ax.set_xticks if axis == "x" else ax.set_yticks)([])  # no tick text left behind
    (ax.xaxis if axis == "x" else ax.yaxis).set_visible(False)
    ax.spines["bottom" if axis == "x" else "left"].set_visible(False)


# What a text is, for tests and callers that inspect a chart (``text.rk_role``; a gid would
# become a duplicated id in SVG output).
ROW_LABEL = "row-label"  # a row's name in a bar chart (see :func:`row_labels`)
VALUE_LABEL = "value-label"  # the value written beyond a ranking's bar
TITLE = "title"  # the chart's title above the plot (the figure's suptitle)
NOTES = "notes"  # footnote and notes under the plot (the figure's supxlabel)


def row_labels_at(ax: Axes, ys: Sequence[float], labels: Sequence[str],
                  size: float | None = None, highlight: str | None = None) -> None:
    """Row names left of the axes, where tick labels would be, as plain texts: tick labels
    cost a tick (two marks, a grid line and two texts) each, which a 34-row ranking feels."""
    ax.set_yticks([])
    size = mpl.rcParams["ytick.labelsize"] if size is None else size
    pad = mpl.rcParams["ytick.major.pad"] + mpl.rcParams["ytick.major.size"]  # as a tick's
    at = ax.get_yaxis_transform() + ScaledTranslation(-pad / 72, 0, ax.figure.dpi_scale_trans)
    for y, label in zip(ys, labels, strict=True):
        hl = highlight is not None and label == highlight
        text = ax.text(0, y, label, transform=at, ha="right", va="center_baseline",
                       fontsize=size, color=ACCENT if hl else RC["ytick.color"],
                       fontweight="bold" if hl else "normal")
        text.rk_role = ROW_LABEL  # type: ignore[attr-defined]


def row_labels(fig: Figure) -> list[str]:
    """The row names of a bar chart made by this module, top to bottom as drawn."""
    return [t.get_text() for ax in fig.axes for t in ax.texts if role(t) == ROW_LABEL]


def role(text: Any) -> str | None:
    """What a text of a chart made here is (:data:`ROW_LABEL`, :data:`VALUE_LABEL`,
    :data:`TITLE`, :data:`NOTES`) or None."""
    return getattr(text, "rk_role", None)


def finish_texts(title: Any, notes: Any = None) -> None:
    """Tag a house chart's title (a ``suptitle``) and notes (a ``supxlabel``) for
    :class:`HouseLayout`, which places the Axes between them."""
    title.rk_role = TITLE
    if notes is not None:
        notes.rk_role = NOTES


def _ref(x: float | None) -> float | None:
    """A reference value (target, national) or None when it is missing."""
    return None if x is None or pd.isna(x) else float(x)


def _missing_note(highlight: str | None, names: pd.Index, lang: str) -> list[str]:
    """A footnote when the unit to highlight has no value (a chart, not an error, in batches)."""
    if highlight is None or highlight in names:
        return []
    return [i18n.text("chart.no_data_for", lang, name=highlight)]


def _small(v: float, threshold: int | None) -> bool:
    return bool(threshold) and 0 < v < threshold  # type: ignore[operator]


def _small_note(threshold: int | None, lang: str, totals_hidden: bool = False) -> str:
    extra = i18n.text("chart.small_note.totals_hidden", lang) if totals_hidden else ""
    return i18n.text("chart.small_note", lang, t=threshold, extra=extra)


def _text_in(text: str, size: float) -> float:
    """Rough width of ``text`` in inches (DejaVu Sans averages ~0.6 em a character; bold more)."""
    return len(text) * size * 0.64 / 72


def _limits(values: Sequence[float], labels: Sequence[str], size: float, names: Sequence[Any],
            floor: float = 0.0, width: float = WIDTH_IN) -> tuple[float, float]:
    """Axis limits leaving room for ``labels`` written beyond bars ending at ``values``, in
    a column ``width`` inches wide with the row ``names`` left of it."""
    axis_in = width - 0.2 - max(_text_in(str(n), size) for n in names)
    frac = np.array([min(0.45, (_text_in(t, size) + 0.08) / axis_in) for t in labels])
    v = np.asarray(values, dtype=float)
    lo, hi = min(0.0, v.min()), max(floor, v.max(), 1e-9)
    for _ in range(12):  # labels take a share of the whole span: converge on it
        span = hi - lo
        lo = min(0.0, (v - frac * span)[v < 0].min(initial=0.0))
        hi = max(floor, (v + frac * span)[v >= 0].max(initial=0.0), 1e-9)
    return lo, hi


def _drawn(v: float, threshold: int | None) -> float:
    """Bar size for a count: a small count is drawn at half the threshold, hiding its size."""
    return threshold / 2 if _small(v, threshold) else v  # type: ignore[operator]


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Consecutive integers grouped as (first, last) pairs."""
    out: list[tuple[int, int]] = []
    for r in rows:
        out[-1:] = [(out[-1][0], r)] if out and out[-1][1] == r - 1 else [*out[-1:], (r, r)]
    return out


class HouseLayout(LayoutEngine):
    """Constrained layout for the house charts, in one measuring pass.

    A house chart is one Axes (or columns of Axes side by side, each tagged ``rk_column``)
    with a title (``suptitle``, role :data:`TITLE`) above and notes
    (``supxlabel``, role :data:`NOTES`) under it; :func:`finish_texts` tags them. The Axes
    is placed so that its decorations (tick labels, legend, labels outside the plot) and the
    two texts fit inside the figure with ``pad`` inches around each, exactly as
    ``layout="constrained"`` places it. Constrained layout measures every text twice (its
    second pass is for tick labels that change when the Axes is resized, which the house
    charts' fixed locators never do); measuring text is most of the cost of laying a chart
    out. ``passes=2`` measures again for labels anchored to data outside the plot, whose
    overhang depends on the Axes width. Text is measured by the figure's Agg renderer.
    """

    _adjust_compatible = False
    _colorbar_gridspec = False

    def __init__(self, pad: float = 0.06, passes: int = 1) -> None:
        super().__init__()
        self.pad, self.passes = pad, passes

    def execute(self, fig: Any) -> None:
        """Place the title, the notes and the Axes."""
        for _ in range(self.passes):
            self._place(fig)

    def _place(self, fig: Any) -> None:
        renderer = _renderer(fig)
        to_fig = fig.transFigure.inverted()
        width, height = fig.get_size_inches()
        w_pad, h_pad = self.pad / width, self.pad / height
        top, bottom = 1.0, 0.0
        for text in fig.texts:
            at_top = role(text) == TITLE
            if not (at_top or role(text) == NOTES) or not text.get_in_layout():
                continue
            text.set_y(1 - h_pad if at_top else h_pad)
            size = text.get_tightbbox(renderer).transformed(to_fig).height + 2 * h_pad
            if at_top:
                top = min(top, 1 - size)
            else:
                bottom = max(bottom, size)
        for ax in fig.axes:
            if not ax.get_in_layout():
                continue
            pos = ax.get_position(original=True)
            tight = ax.get_tightbbox(renderer, for_layout_only=True)
            box = pos if tight is None else tight.transformed(to_fig)
            # An Axes may be column i of n side by side (``rk_column``, a two-column ranking):
            # it is placed in that share of the width.
            column, columns = getattr(ax, "rk_column", (0, 1))
            x0 = column / columns + w_pad + (pos.x0 - box.x0)
            x1 = (column + 1) / columns - w_pad - (box.x1 - pos.x1)
            y0 = bottom + h_pad + (pos.y0 - box.y0)
            y1 = top - h_pad - (box.y1 - pos.y1)
            if x1 > x0 and y1 > y0:
                ax.set_position(Bbox.from_extents(x0, y0, x1, y1))
                ax.set_in_layout(True)  # set_position takes an Axes out of layouts; not ours


def _renderer(fig: Figure) -> Any:
    """The renderer of the figure's Agg canvas (a house figure has one from the start)."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def _figure(height: float, passes: int = 1) -> tuple[Figure, Axes]:
    """A house figure; ``passes=2`` for charts whose labels outside the plot are anchored to
    data (their overhang changes when the Axes is resized)."""
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout=HouseLayout(passes=passes))
    # An Agg canvas from the start: the layout measures text with its renderer, and PNG output
    # draws with the same one (sharing matplotlib's text-metrics cache).
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _lay_out(fig: Figure) -> None:
    """Lay the chart out now and keep it: positions are final for placing labels, and
    saving the figure does not lay it out a second time.

    Only for charts whose later additions stay inside the axes."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine("none")


def _finish(fig: Figure, title: str, footnote: str | None, notes: Sequence[str],
            sample: bool) -> Figure:
    """Title top-left; footnote and notes under the plot; the sample stamp bottom-right."""
    left = 0.06 / WIDTH_IN
    head = fig.suptitle("\n".join(textwrap.wrap(title, 64)), x=left, ha="left", color=INK,
                        linespacing=1.2)  # ~64 bold 10.5 pt characters fit in 16 cm
    lines = textwrap.wrap(" ".join(t for t in (footnote, *notes) if t), 92 if sample else 118)
    foot = None
    if lines or sample:
        foot = fig.supxlabel("\n".join(lines) or " ", x=left, ha="left", fontsize=6.5,
                             color=MUTED, linespacing=1.35)
    finish_texts(head, foot)
    if sample:
        fig.text(1 - left, 0.09, STAMP, ha="right", va="bottom", fontsize=6.5,
                 transform=blended_transform_factory(fig.transFigure, fig.dpi_scale_trans),
                 fontweight="bold", color=ALERT,
                 bbox={"boxstyle": "square,pad=0.35", "fc": "white", "ec": ALERT, "lw": 0.6})
    return fig


def _no_data(title: str, footnote: str | None, lang: str, sample: bool) -> Figure:
    """A small placeholder, so one empty slice does not stop a batch of reports."""
    fig, ax = _figure(1.5)
    ax.set_axis_off()
    ax.text(0.5, 0.5, i18n.text("chart.no_data", lang), ha="center", va="center",
            color=MUTED, fontsize=9)
    return _finish(fig, title, footnote, [], sample)


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
    if kind not in ("auto", "bar", "line"):
        raise ValueError(f"Unknown trend kind {kind!r}; available: auto, bar, line")
    cur, ly = values.astype(float), None
    if cur.dropna().empty:
        return _no_data(title, footnote, lang, sample)
    if last_year is not None:
        if last_year.index.isin(cur.index).all():
            ly = last_year.astype(float).reindex(cur.index)
        elif len(last_year) == len(cur):
            ly = pd.Series(last_year.to_numpy(float), index=cur.index)
        else:
            raise ValueError("last_year matches values neither by label nor by length")
    bars, target = kind == "bar" or (kind == "auto" and not percent), _ref(target)
    fig, ax = _figure(3.1)
    x = np.arange(len(cur))
    if bars:
        if ly is not None:
            ax.bar(x, ly.to_numpy(), width=0.78, color=LAST_YEAR, alpha=0.42, lw=0,
                   label=i18n.text("chart.last_year", lang))
        ax.bar(x, cur.to_numpy(), width=0.48, color=ACCENT,
               label=i18n.text("chart.actual", lang))
        peak = np.nanmax([*cur, *(ly if ly is not None else []), target or 0, 1e-9])
        ax.set_ylim(0, peak * 1.16)
    else:
        if ly is not None:
            ax.plot(x, ly.to_numpy(), color=LAST_YEAR, lw=1.1, marker="o", ms=2.5,
                    label=i18n.text("chart.last_year", lang))
        ax.plot(x, cur.to_numpy(), color=ACCENT, lw=2, marker="o", ms=3.5,
                label=i18n.text("chart.actual", lang))
        ax.margins(y=0.15)
    if target is not None:
        ax.axhline(target, color=REF, lw=0.9, ls=(0, (4, 3)))
        target_text = f"{i18n.text('chart.target', lang)} {_tick(target, percent, lang)}"
        ax.annotate(target_text, (0, target),
                    xycoords=("axes fraction", "data"), xytext=(2, 2), bbox=_HALO,
                    textcoords="offset points", va="bottom", fontsize=7, color=REF)
    known = cur.dropna()
    i, v = cur.index.get_loc(known.index[-1]), float(known.iloc[-1])
    other = float(ly.iloc[i]) if ly is not None else np.nan
    below = not bars and other > v  # keep clear of last year's line
    ax.annotate(_value(v, percent, lang), (i, np.nanmax([v, other]) if bars else v),
                xytext=(0, -7 if below else 5), textcoords="offset points", ha="center",
                va="top" if below else "bottom", fontsize=8, fontweight="bold", color=ACCENT,
                bbox=_HALO)
    step = -(-len(cur) // 13)  # at most 13 period labels, always the latest
    ax.set_xticks(x, [str(p) if (len(cur) - 1 - j) % step == 0 else ""
                      for j, p in enumerate(cur.index)])
    ax.set_xlim(-0.6, len(cur) - 0.4)
    _value_axis(ax.yaxis, percent, lang, 5)
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
            footnote: str | None = None, columns: int = 1) -> Figure:
    """Units (index = names) as horizontal bars, best first, ``highlight`` in the accent.

    With ``max_units`` only the best are drawn; a highlighted unit outside them is added
    under a gap. Ranks count ties as equal ("min" method) among units with a value.

    ``columns=2`` is the short form for paper: the ranking read down the left column, then
    down the right one, the same scale in both, in rows of 0.15 inch. The 34 units then take
    about 9 cm instead of 14, so the chart fits on a page with its section's text
    (:class:`reportkit.presentation.report.NationalReport`). A ranking cut by ``max_units``
    stays in one column.
    """
    s = values.dropna().astype(float).sort_values(ascending=lower_is_better, kind="stable")
    notes = _missing_note(highlight, s.index, lang)
    if s.empty:
        return _no_data(title, footnote, lang, sample)
    national, target = _ref(national), _ref(target)
    ranks = s.rank(method="min", ascending=lower_is_better).astype(int)
    names = list(s.index)
    if max_units and len(names) > max_units:
        names = names[:max_units]
        if highlight in s.index and highlight not in names:
            names = [*names[:-1], highlight]
    ys = list(range(len(names)))
    if names[-1] == highlight and ranks[highlight] > len(names):
        ys[-1] += 1  # a gap row ("…") before the highlighted unit
    columns = 1 if ys[-1] != len(ys) - 1 else max(1, min(int(columns), len(names)))
    rows = -(-len(names) // columns)
    size = 7.5 if rows <= 35 else 6.5
    row_in = 0.15 if columns > 1 else min(0.26, max(0.135, 4.4 / len(names)))
    fig, ax = _figure(rows * row_in + 1.0)
    panels = [ax] + [fig.add_subplot(1, columns, i + 1) for i in range(1, columns)]
    vals = s[names].to_numpy()
    labels = [_value(v, percent, lang) for v in vals]
    if highlight in s.index:
        rank = i18n.text("chart.rank", lang, rank=ranks[highlight], n=len(s))
        labels[names.index(highlight)] += f" · {rank}"
    limits = _limits(vals, labels, size, names, max(national or 0, target or 0) * 1.05,
                     width=WIDTH_IN / columns)
    words = {"national": i18n.text("chart.national", lang),
             "target": i18n.text("chart.target", lang)}
    refs = [(r, k) for r, k in ((national, "national"), (target, "target")) if r is not None]
    drawn = []  # per panel: its Axes, rows (y) and value labels
    for column, panel in enumerate(panels):
        panel.rk_column = (column, columns)  # type: ignore[attr-defined]  # HouseLayout
        part = slice(column * rows, (column + 1) * rows)
        p_names, p_vals, p_labels = names[part], vals[part], labels[part]
        p_ys = ys[part] if column == 0 else list(range(len(p_names)))
        panel.barh(p_ys, p_vals, height=0.72,
                   color=[ACCENT if n == highlight else OTHER for n in p_names])
        # Plain texts, shifted 3 points off the bar's end (cheaper to lay out than
        # annotations).
        beyond = {side: panel.transData + ScaledTranslation(side * 3 / 72, 0,
                                                              fig.dpi_scale_trans)
                  for side in (1, -1)}
        texts = [panel.text(v, y, t, transform=beyond[1 if v >= 0 else -1],
                            ha="left" if v >= 0 else "right", va="center", fontsize=size,
                            color=ACCENT if n == highlight else MUTED,
                            fontweight="bold" if n == highlight else "normal")
                 for y, v, t, n in zip(p_ys, p_vals, p_labels, p_names, strict=True)]
        for text in texts:
            text.rk_role = VALUE_LABEL  # type: ignore[attr-defined]
        panel.set_xlim(*limits)
        last = ys[-1] if columns == 1 else rows - 1
        panel.set_ylim(last + 0.6, -0.6)
        ticks, tick_labels = p_ys, [str(n) for n in p_names]
        if columns == 1 and ys[-1] != len(ys) - 1:
            ticks = [*ys[:-1], ys[-1] - 1, ys[-1]]
            tick_labels = [*tick_labels[:-1], "…", highlight]
        row_labels_at(panel, ticks, tick_labels, size, highlight)
        _hide_value_axis(panel, "x")
        panel.spines["left"].set_visible(False)
        panel.axvline(0, color=RC["axes.edgecolor"], lw=0.6, zorder=2.5)  # the baseline
        for ref, key in refs:
            top = key == "national"
            shown = _value(ref, percent, lang) if top else _tick(ref, percent, lang)
            panel.annotate(f"{words[key]} {shown}", (ref, top),
                           xycoords=("data", "axes fraction"), xytext=(0, 2 if top else -2),
                           textcoords="offset points", ha="center",
                           va="bottom" if top else "top", fontsize=size, color=REF)
        drawn.append((panel, p_ys, texts, last))
    _finish(fig, title, footnote, notes, sample)
    if refs:  # reference lines, broken where they would cross a value label
        _lay_out(fig)
        for panel, p_ys, texts, last in drawn:
            boxes = {y: t.get_window_extent() for y, t in zip(p_ys, texts, strict=True)}
            for ref, key in refs:
                px = panel.transData.transform((ref, 0))[0]
                clear = [y for y in range(last + 1)
                         if y not in boxes or not boxes[y].x0 - 3 < px < boxes[y].x1 + 3]
                for a, b in _runs(clear):
                    panel.vlines(ref, a - 0.5 if a else -0.6, b + (0.5 if b < last else 0.6),
                                 color=REF, lw=0.9, zorder=3,
                                 ls=(0, (1, 1.5)) if key == "national" else (0, (4, 3)))
    return fig


@register("composition")
@_styled
def composition(counts: pd.DataFrame | pd.Series, *, title: str, lang: str = "vi",
                small_threshold: int | None = 3, sample: bool = False,
                footnote: str | None = None, totals: Sequence[str] | None = None) -> Figure:
    """Counts by category (rows top to bottom in index order), stacked by column if a frame.

    Row totals are not written for rows with a small count: they would reveal it. With
    ``totals`` (each row's total as published, e.g. "*"), those are written instead and
    ``counts`` holds the published values, NaN where hidden (not drawn).
    """
    df = (counts.to_frame() if isinstance(counts, pd.Series) else counts).fillna(0).astype(float)
    if df.empty:
        return _no_data(title, footnote, lang, sample)
    stacked = df.shape[1] > 1
    fig, ax = _figure(0.3 * len(df) + (1.25 if stacked else 0.95))
    y, left, inside = np.arange(len(df)), np.zeros(len(df)), []
    for j, col in enumerate(df.columns):
        color = CATEGORICAL[j % len(CATEGORICAL)]
        w = np.array([_drawn(v, small_threshold) for v in df[col]])
        bars = ax.barh(y, w, left=left, height=0.58, color=color, label=str(col),
                       edgecolor="white", linewidth=0.8 if stacked else 0)
        r, g, b = to_rgb(color)
        ink = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.6 else INK
        inside += [(ax.text(left[i] + w[i] / 2, y[i], fmt.count_label(v, lang, small_threshold),
                            ha="center", va="center", fontsize=7, color=ink), bar)
                   for i, (bar, v) in enumerate(zip(bars, df[col], strict=True))
                   if stacked and v > 0]
        left += w
    small = ((df > 0) & (df < (small_threshold or 0))).to_numpy()
    given = totals is not None
    totals = list(totals) if totals is not None else [
        fmt.count_label(t, lang, small_threshold) for t in df.sum(axis=1)]
    for i, t in enumerate(totals):
        if given or not (stacked and small[i].any()):
            ax.annotate(t, (left[i], y[i]), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=7.5, fontweight="bold" if stacked else "normal")
    ax.set_xlim(*_limits(left, totals, 7.5, df.index))
    row_labels_at(ax, y, [str(n) for n in df.index])
    ax.set_ylim(len(df) - 0.5, -0.5)
    _hide_value_axis(ax, "x")
    if stacked:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncol=min(df.shape[1], 4),
                  borderaxespad=0.3, handlelength=1, handleheight=1, columnspacing=1.4)
    notes = [_small_note(small_threshold, lang, stacked)] if small.any() else []
    _finish(fig, title, footnote, notes, sample)
    if inside:  # labels too wide for their segment go just above it, left to right
        fig.draw_without_rendering()
        last_right: dict[float, float] = {}
        for t, bar in inside:
            box, seg = t.get_window_extent(), bar.get_window_extent()
            if box.width + 8 <= seg.width:
                continue
            t.set(y=bar.get_y(), va="bottom", fontsize=6.5, color=INK)
            box = t.get_window_extent()
            if box.x0 < last_right.get(bar.get_y(), -np.inf) + 4:
                px = seg.x0 + seg.width / 2 + last_right[bar.get_y()] + 4 - box.x0
                t.set_x(ax.transData.inverted().transform((px, 0))[0])
                box = t.get_window_extent()
            last_right[bar.get_y()] = box.x1
    return fig


@register("backlog")
@_styled
def backlog(counts: pd.Series, *, title: str, lang: str = "vi", small_threshold: int | None = 3,
            sample: bool = False, footnote: str | None = None) -> Figure:
    """Open items by age band (index in age order); colours ramp from neutral to alert."""
    s = counts.fillna(0).astype(float)
    if s.empty:
        return _no_data(title, footnote, lang, sample)
    ramp = LinearSegmentedColormap.from_list("age", AGE_RAMP)
    fig, ax = _figure(2.6)
    x, h = np.arange(len(s)), [_drawn(v, small_threshold) for v in s]
    ax.bar(x, h, width=0.62, color=[ramp(p) for p in np.linspace(0, 1, len(s))])
    for i, v in enumerate(s):
        ax.annotate(fmt.count_label(v, lang, small_threshold), (i, h[i]), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontweight="bold")
    ax.set_xticks(x, [str(i) for i in s.index])
    ax.set_ylim(0, max(*h, 1) * 1.18)
    ax.tick_params(axis="x", length=0)
    _hide_value_axis(ax, "y")
    notes = [_small_note(small_threshold, lang)] if any(_small(v, small_threshold) for v in s) \
        else []
    return _finish(fig, title, footnote, notes, sample)


@register("distribution")
@_styled
def distribution(values: pd.Series, *, highlight: str | None = None, title: str,
                 percent: bool = False, lang: str = "vi", sample: bool = False,
                 footnote: str | None = None) -> Figure:
    """One indicator across units as a dot strip (one dot per unit), with the median marked."""
    s = values.dropna().astype(float).sort_values(kind="stable")
    notes = _missing_note(highlight, s.index, lang)
    if s.empty:
        return _no_data(title, footnote, lang, sample)
    lo, hi = float(s.min()), float(s.max())
    d = (hi - lo) / (26 if len(s) <= 40 else 34) or max(abs(hi) * 0.01, 0.001 if percent else 1)
    xs, levels = s.to_numpy(), np.zeros(len(s), dtype=int)  # d: dot diameter in data units
    hl = [i for i, n in enumerate(s.index) if n == highlight]
    placed: list[int] = []
    for i in [i for i in range(len(s)) if i not in hl] + hl:  # the highlight tops its stack
        used = {levels[k] for k in placed if abs(xs[i] - xs[k]) < d * 0.999}
        free = (j for j in range(len(s) + 1) if j not in used)
        levels[i] = max(used, default=-1) + 1 if i in hl else next(free)
        placed.append(i)
    label_y = int(levels.max()) + 2
    across = max((hi - lo) / d + 2, 28.0)  # the x axis spans at least 28 dots
    pad, in_per_dot = (across * d - (hi - lo)) / 2, (WIDTH_IN - 0.25) / across
    fig, ax = _figure(min(4.0, 1.15 + (label_y + 1.4) * in_per_dot), passes=2)
    ms = in_per_dot * 72 * 0.86
    ax.scatter(xs, levels, s=ms**2, c=[ACCENT if n == highlight else OTHER for n in s.index],
               linewidths=0.5, edgecolors="white", zorder=3)
    med = float(s.median())
    ax.plot([med, med], [-0.6, label_y - 0.3], color=REF, lw=0.9, ls=(0, (1, 1.5)), zorder=2)
    right = not hl or float(s.iloc[hl[0]]) <= med  # median label right of its line
    median_text = f"{i18n.text('chart.median', lang)}: {_value(med, percent, lang)}"
    ax.annotate(median_text, (med, label_y),
                xytext=(3 if right else -3, 0), textcoords="offset points", va="center",
                ha="left" if right else "right", fontsize=7, color=REF)
    if hl:
        hx = float(s.iloc[hl[0]])
        ax.annotate(f"{highlight}: {_value(hx, percent, lang)}", (hx, levels[hl[0]]),
                    (hx, label_y + 0.9), ha="right" if right else "left", va="bottom",
                    fontsize=7.5, fontweight="bold", color=ACCENT,
                    arrowprops={"arrowstyle": "-", "color": ACCENT, "lw": 0.7, "shrinkA": 0,
                                "shrinkB": ms / 2, "relpos": (1 if right else 0, 0)})
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(-0.7, label_y + 1.4)
    _value_axis(ax.xaxis, percent, lang, 6)
    _hide_value_axis(ax, "y")
    return _finish(fig, title, footnote, notes, sample)


@register("flow")
@_styled
def flow(stages: pd.Series, *, title: str, lang: str = "vi", small_threshold: int | None = 3,
         sample: bool = False, footnote: str | None = None) -> Figure:
    """Stages of handling (first = received), with counts and the share of received."""
    s = stages.fillna(0).astype(float)
    if s.empty:
        return _no_data(title, footnote, lang, sample)
    received, w = float(s.iloc[0]), [_drawn(v, small_threshold) for v in s]
    full = max(*w, 1e-9)
    fig, ax = _figure(0.34 * len(s) + 0.95)
    y = np.arange(len(s))
    ax.barh(y[1:], [w[0]] * (len(s) - 1), height=0.62, color=TRACK)
    ax.barh(y, w, height=0.62, color=[OTHER, *[ACCENT] * (len(s) - 1)])
    labels = [fmt.count_label(v, lang, small_threshold) for v in s]
    for i, v in enumerate(s):
        if i and received > 0 and not (_small(v, small_threshold)
                                       or _small(received, small_threshold)):
            labels[i] += f"  ({fmt.percent(v / received, lang, 1)})"
        ax.annotate(labels[i], (full, i), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=7.5, fontweight="normal" if i else "bold")
    ax.set_xlim(*_limits([full] * len(s), labels, 7.5, s.index))
    row_labels_at(ax, y, [str(n) for n in s.index])
    ax.set_ylim(len(s) - 0.5, -0.5)
    _hide_value_axis(ax, "x")
    first = str(s.index[0])
    notes = [i18n.text("chart.share_of", lang, first=first)]
    if any(_small(v, small_threshold) for v in s):
        notes.append(_small_note(small_threshold, lang))
    return _finish(fig, title, footnote, notes, sample)
