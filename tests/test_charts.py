"""Charts: Vietnamese glyphs, number style, highlighting, small-count suppression, registry,
no global matplotlib state, SVG for pages (text as text, alt text, unique ids, no markup from
data, the embedded font), and sample PNGs in test-artifacts/charts/ for a human to look at."""

from __future__ import annotations

import base64
import io
import logging
import pickle
import re
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.colors import same_color
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

import reportkit
from reportkit.errors import LookupInRegistryError
from reportkit.presentation import charts

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "charts"
CROSSWALK = Path(reportkit.__file__).parent / "data" / "admin_units_crosswalk.csv"
YEAR_MONTHS = [(24, m) for m in range(9, 13)] + [(25, m) for m in range(1, 10)]
MONTHS = [f"T{m}/{y}" for y, m in YEAR_MONTHS]
SVG, XLINK = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"


def _names() -> tuple[list[str], list[str]]:
    cw = pd.read_csv(CROSSWALK, dtype=str)
    return list(cw["old_name"]), list(dict.fromkeys(cw["new_name"]))


UNITS_63, UNITS_34 = _names()


def _rates34() -> pd.Series:
    rng = np.random.default_rng(7)
    return pd.Series(np.clip(rng.normal(0.86, 0.07, 34), 0.55, 1.0).round(4), index=UNITS_34)


def _counts63() -> pd.Series:
    rng = np.random.default_rng(11)
    return pd.Series(rng.integers(800, 42000, 63).astype(float), index=UNITS_63)


def _docs() -> tuple[pd.Series, pd.Series]:
    cur = pd.Series([31200, 33850, 35020, 41200, 28800, 30150, 36900, 38440, 39010, 40100,
                     40976, 37200, 39950], index=MONTHS, dtype=float)
    ly = pd.Series((cur * np.linspace(0.82, 0.95, 13)).round(), index=MONTHS)
    return cur, ly


def _on_time() -> tuple[pd.Series, pd.Series]:
    cur = pd.Series([0.712, 0.735, 0.748, 0.77, 0.781, 0.79, 0.802, 0.815, 0.83, 0.829, 0.844,
                     0.851, 0.867], index=MONTHS)
    ly = pd.Series(cur.to_numpy() - np.linspace(0.06, 0.03, 13),
                   index=[f"T{m}/{y - 1}" for y, m in YEAR_MONTHS])  # aligned by position
    return cur, ly


COMPOSITION = pd.DataFrame(
    {"Khiếu nại": [58, 12, 9, 21, 6, 4], "Tố cáo": [14, 2, 17, 3, 1, 0],
     "Kiến nghị, phản ánh": [61, 19, 8, 40, 12, 9]},
    index=["Đất đai, thu hồi đất", "Môi trường", "Đảng viên, cán bộ", "Chính sách xã hội",
           "Tư pháp", "Khác"])
BACKLOG = pd.Series([42, 17, 2, 9], index=["≤30 ngày", "31–60 ngày", "61–90 ngày", ">90 ngày"])
FLOW = pd.Series([412, 356, 331, 274], index=["Tiếp nhận", "Thuộc thẩm quyền",
                                              "Đã xử lý, chuyển đơn", "Đã cập nhật kết quả"])
SOURCE = ("Nguồn: Văn phòng Tỉnh ủy; số liệu tính theo kỳ báo cáo (từ ngày 15 tháng trước đến "
          "ngày 14 tháng báo cáo).")

CASES: dict[str, Callable[[], Figure]] = {
    "trend_counts": lambda: charts.trend(
        *_docs(), title="Số văn bản phát hành qua mạng, tháng 9/2024 – tháng 9/2025",
        y_label="Số văn bản", footnote=SOURCE, sample=True),
    "trend_percent": lambda: charts.trend(
        *_on_time(), title="Tỷ lệ báo cáo gửi đúng hạn", y_label="Tỷ lệ", percent=True,
        target=0.9, sample=True),
    "trend_percent_en": lambda: charts.trend(
        *_on_time(), title="Reports submitted on time", percent=True, target=0.9, lang="en"),
    "ranking_34": lambda: charts.ranking(
        _rates34(), highlight="Lào Cai", percent=True, national=0.828, target=0.9,
        title="Tỷ lệ văn bản không mật gửi dưới dạng điện tử, quý III/2025",
        footnote="Nguồn: báo cáo của 34 tỉnh, thành phố; toàn quốc = tổng tử số / tổng mẫu số.",
        sample=True),
    "ranking_63": lambda: charts.ranking(
        _counts63(), highlight="Hà Giang", national=21523.0, sample=True,
        title="Số lượt tiếp công dân năm 2024, 63 tỉnh, thành phố trước sắp xếp"),
    "ranking_top15_en": lambda: charts.ranking(
        _counts63(), highlight="Hà Giang", max_units=15, lang="en",
        title="Citizens received in 2024: the 15 highest provinces"),
    "composition": lambda: charts.composition(
        COMPOSITION, title="Đơn, thư tiếp nhận theo lĩnh vực và loại đơn, 9 tháng năm 2025",
        footnote="Nguồn: sổ theo dõi đơn, thư của Ban Tiếp công dân.", sample=True),
    "composition_kinds": lambda: charts.composition(
        pd.Series([133, 34, 2, 64, 1], index=["Đất đai", "Cán bộ", "Tư pháp",
                                              "Chính sách xã hội", "Khác"]),
        title="Đơn, thư theo lĩnh vực", sample=True),
    "backlog": lambda: charts.backlog(
        BACKLOG, title="Đơn, thư chưa giải quyết theo thời gian tồn đọng", sample=True),
    "distribution_34": lambda: charts.distribution(
        _rates34(), highlight="Điện Biên", percent=True, sample=True,
        title="Phân bố tỷ lệ văn bản điện tử giữa 34 tỉnh, thành phố"),
    "distribution_63": lambda: charts.distribution(
        _counts63(), highlight="Hà Giang",
        title="Phân bố số lượt tiếp công dân năm 2024, 63 tỉnh, thành phố"),
    "flow": lambda: charts.flow(
        FLOW, title="Quy trình xử lý đơn, thư, 9 tháng năm 2025", sample=True),
}


def _texts(fig: Figure) -> list[str]:
    """Every non-empty text drawn in ``fig`` (after a draw, so tick labels exist)."""
    fig.draw_without_rendering()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def _bars(fig: Figure) -> list[Rectangle]:
    ax = fig.axes[0]
    return [p for p in ax.patches if isinstance(p, Rectangle)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_renders_vietnamese_without_missing_glyphs(case: str, caplog: pytest.LogCaptureFixture
                                                   ) -> None:
    """Also writes test-artifacts/charts/<case>.png (git-ignored) for a human to look at."""
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        fig = CASES[case]()
        png = charts.to_png(fig, ARTIFACTS / f"{case}.png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "Glyph" in m or "findfont" in m], messages
    fonts = {Path(font_manager.findfont(t.get_fontproperties())).name
             for t in fig.findobj(Text) if t.get_text()}
    assert fonts <= {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}, fonts  # never Sans Mono


def test_glyph_check_would_catch_a_missing_glyph() -> None:
    fig = Figure()
    fig.text(0.1, 0.5, "漢", family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.to_png(fig)
    assert any("Glyph" in str(w.message) for w in caught)


def test_value_axis_uses_vietnamese_number_style() -> None:
    vi = _texts(CASES["trend_counts"]())
    assert "40.000" in vi and "10.000" in vi and "39.950" in vi
    en = _texts(charts.trend(_docs()[0], title="Documents", lang="en"))
    assert "40,000" in en and "39,950" in en
    assert not any(re.fullmatch(r"\d+\.\d{3}", t) for t in en)


def test_percent_axis_style() -> None:
    vi = _texts(CASES["trend_percent"]())
    assert {"70%", "80%", "90%"} <= set(vi) and "86,7%" in vi and "Mục tiêu 90%" in vi
    en = _texts(CASES["trend_percent_en"]())
    assert "86.7%" in en and "Target 90%" in en
    fig = charts.trend(_on_time()[0], title="x", percent=True)
    formatter = fig.axes[0].yaxis.get_major_formatter()
    assert formatter(0.755, 0) == "75,5%" and formatter(0.75, 0) == "75%"
    fig = charts.trend(_on_time()[0], title="x", percent=True, lang="en")
    assert fig.axes[0].yaxis.get_major_formatter()(0.755, 0) == "75.5%"


def test_distribution_axis_style() -> None:
    texts = _texts(CASES["distribution_63"]())
    assert "20.000" in texts and any(t.startswith("Hà Giang: ") for t in texts)
    assert any(t.startswith("Trung vị") for t in texts)


def test_ranking_highlights_and_sorts_best_first() -> None:
    values = _rates34()
    fig = charts.ranking(values, highlight="Lào Cai", title="Tỷ lệ", percent=True,
                         national=0.8)
    bars = sorted(_bars(fig), key=lambda b: b.get_y())  # y axis inverted: top row first
    widths = [b.get_width() for b in bars]
    assert widths == sorted(values, reverse=True)
    accent = [b for b in bars if same_color(b.get_facecolor(), charts.ACCENT)]
    assert len(accent) == 1 and accent[0].get_width() == values["Lào Cai"]
    rank = int((values > values["Lào Cai"]).sum()) + 1
    texts = _texts(fig)
    assert any(t.endswith(f"Hạng {rank}/34") for t in texts)
    assert "Toàn quốc 80,0%" in texts
    labels = charts.row_labels(fig)
    assert labels[0] == values.idxmax() and labels[-1] == values.idxmin()


def test_ranking_lower_is_better_and_english_rank() -> None:
    values = pd.Series([5.0, 3.0, 9.0, 1.0], index=["An Giang", "Cà Mau", "Huế", "Sơn La"])
    fig = charts.ranking(values, highlight="Huế", title="Days", lower_is_better=True,
                         lang="en")
    labels = charts.row_labels(fig)
    assert labels == ["Sơn La", "Cà Mau", "An Giang", "Huế"]
    assert "9 · Rank 4 of 4" in _texts(fig)


def test_ranking_max_units_keeps_the_highlighted_unit() -> None:
    values = _counts63()
    worst = values.idxmin()
    fig = charts.ranking(values, highlight=worst, title="x", max_units=10)
    labels = charts.row_labels(fig)
    assert labels[-2:] == ["…", worst] and len(_bars(fig)) == 10
    assert any(t.endswith("Hạng 63/63") for t in _texts(fig))


def test_ranking_height_grows_with_units() -> None:
    small = charts.ranking(_rates34().head(8), highlight=None, title="x")
    big = CASES["ranking_63"]()
    assert big.get_figheight() > 2.5 * small.get_figheight()
    assert big.get_figwidth() == pytest.approx(16 / 2.54)


def test_ranking_in_two_columns_is_short_and_reads_down_then_across() -> None:
    """The paper form of a ranking of all units: two columns on the same scale, the best 17
    down the left, the rest down the right, about two thirds of the one-column height, each
    column's reference lines broken around its value labels, nothing outside the figure."""
    values = _rates34()
    one = charts.ranking(values, highlight="Lào Cai", title="x", percent=True, national=0.828,
                         target=0.9)
    two = charts.ranking(values, highlight="Lào Cai", title="x", percent=True, national=0.828,
                         target=0.9, columns=2)
    assert two.get_figheight() < 0.7 * one.get_figheight()
    assert two.get_figwidth() == one.get_figwidth()
    left, right = two.axes
    assert left.get_xlim() == right.get_xlim()
    assert left.get_position().x1 < right.get_position().x0  # side by side, apart
    order = list(values.sort_values(ascending=False, kind="stable").index)
    assert charts.row_labels(two) == order  # down the left, then down the right
    assert [len([p for p in ax.patches if isinstance(p, Rectangle)]) for ax in two.axes] == [
        17, 17]
    rank = int((values > values["Lào Cai"]).sum()) + 1
    assert any(t.endswith(f"Hạng {rank}/34") for t in _texts(two))
    assert _texts(two).count("Toàn quốc 82,8%") == 2  # each column names its line
    for ax in two.axes:
        labels = [t for t in ax.texts if charts.role(t) == charts.VALUE_LABEL]
        px = ax.transData.transform((0.828, 0))[0]
        crossed = {round(t.get_position()[1]) for t in labels
                   if t.get_window_extent().x0 - 3 < px < t.get_window_extent().x1 + 3}
        segments = [seg for coll in ax.collections for seg in coll.get_segments()]
        covered = {y for seg in segments for y in range(17)
                   if min(seg[0][1], seg[1][1]) < y < max(seg[0][1], seg[1][1])}
        assert not covered & crossed
    with charts.style():
        tight = two.get_tightbbox(two.canvas.get_renderer())
    w, h = two.get_size_inches()
    assert tight.x0 >= -0.01 and tight.y0 >= -0.01 and tight.x1 <= w + 0.01 and tight.y1 <= h + 0.01
    # A ranking cut to the best few (with a gap row) stays in one column.
    cut = charts.ranking(_counts63(), highlight=_counts63().idxmin(), title="x", max_units=10,
                         columns=2)
    assert len(cut.axes) == 1


def test_highlight_without_a_value_is_a_footnote_not_an_error() -> None:
    values = _rates34()
    fig = charts.ranking(values.drop("Lào Cai"), highlight="Lào Cai", title="x",
                         national=float("nan"))
    assert "Không có số liệu của Lào Cai." in _texts(fig)
    assert not any(same_color(b.get_facecolor(), charts.ACCENT) for b in _bars(fig))
    fig = charts.distribution(values, highlight="Lào Kai", title="x", lang="en")
    assert "No data for Lào Kai." in _texts(fig)


@pytest.mark.parametrize("case", ["composition", "composition_kinds", "backlog"])
def test_small_counts_are_never_exact(case: str) -> None:
    texts = _texts(CASES[case]())
    assert "<3" in texts
    exact = [t for t in texts if re.search(r"(?<![\d.,])[12](?![\d.,])", t)]
    assert not exact, exact


def test_composition_hides_totals_that_would_reveal_a_small_count() -> None:
    texts = _texts(CASES["composition"]())
    # Rows with a suppressed cell: Môi trường 12+2+19, Tư pháp 6+1+12 - totals not printed.
    assert "33" not in texts and texts.count("19") == 1  # 19: the segment, not Tư pháp's total
    assert "133" in texts and "34" in texts  # rows without small counts keep their totals
    assert any("không ghi tổng" in " ".join(t.split()) for t in texts)  # footnote wraps


def test_flow_shows_share_of_received_and_suppresses_small_stages() -> None:
    assert "356  (86,4%)" in _texts(CASES["flow"]())
    texts = _texts(charts.flow(pd.Series([40, 2], index=["Tiếp nhận", "Có kết quả"]),
                               title="Đơn, thư"))
    assert "<3" in texts and not any(re.search(r"\(\d", t) for t in texts)


def test_backlog_colours_ramp_towards_alert() -> None:
    bars = _bars(CASES["backlog"]())
    assert same_color(bars[0].get_facecolor(), charts.OTHER)
    assert same_color(bars[-1].get_facecolor(), charts.ALERT)


def test_sample_stamp_only_when_asked() -> None:
    assert charts.STAMP in _texts(CASES["backlog"]())
    assert charts.STAMP not in _texts(charts.backlog(BACKLOG, title="Tồn đọng"))


def test_registry_lookup_lists_available_charts() -> None:
    assert charts.get("ranking") is charts.ranking
    with pytest.raises(LookupInRegistryError) as info:
        charts.get("pie")
    assert str(info.value) == ("No chart named 'pie'; available: backlog, composition, "
                               "distribution, flow, ranking, trend")
    assert isinstance(info.value, KeyError) and info.value.chart == "pie"
    assert str(pickle.loads(pickle.dumps(info.value))) == str(info.value)


def test_register_adds_a_chart() -> None:
    @charts.register("test_only")
    def made(*, title: str, lang: str = "vi") -> Figure:
        return Figure()

    try:
        assert charts.get("test_only") is made
    finally:
        del charts.CHARTS["test_only"]


def test_charts_leave_global_rcparams_alone() -> None:
    before = dict(mpl.rcParams)
    figures = [make() for make in CASES.values()]
    charts.to_png(figures[0])
    charts.to_svg(figures[1])
    with charts.style():
        assert mpl.rcParams["axes.spines.top"] is False
    assert dict(mpl.rcParams) == before


def test_import_has_no_side_effects() -> None:
    code = ("import sys, matplotlib as mpl; before = dict(mpl.rcParams); "
            "import reportkit.presentation.charts; assert dict(mpl.rcParams) == before; "
            "assert 'matplotlib.pyplot' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_language_and_trend_kind_are_errors() -> None:
    with pytest.raises(ValueError, match="fr"):
        charts.backlog(BACKLOG, title="x", lang="fr")
    with pytest.raises(ValueError, match="pie"):
        charts.trend(_docs()[0], title="x", kind="pie")


@pytest.mark.parametrize("name", sorted(charts.CHARTS))
def test_empty_data_gives_a_placeholder_not_an_error(name: str) -> None:
    empty = pd.Series([], dtype=float)
    kwargs = {"highlight": None} if name == "ranking" else {}
    fig = charts.get(name)(empty, title="Tiêu đề", lang="vi", **kwargs)
    assert "Không có số liệu" in _texts(fig)
    fig = charts.get(name)(pd.Series([np.nan]), title="Title", lang="en", **kwargs)
    assert "No data" in _texts(fig) or name in {"composition", "backlog", "flow"}


def test_trend_aligns_last_year_and_rejects_a_mismatch() -> None:
    cur, ly = _on_time()  # last year labelled "T9/23" ...: aligned by position
    fig = charts.trend(cur, ly, title="x", percent=True)
    lines = [ln for ln in fig.axes[0].lines if len(ln.get_xdata()) == 13]
    assert len(lines) == 2 and not np.isnan(lines[0].get_ydata()).any()
    same_labels = ly.set_axis(cur.index).iloc[::-1]  # labels win over position
    fig = charts.trend(cur, same_labels, title="x", percent=True)
    assert fig.axes[0].lines[0].get_ydata()[-1] == pytest.approx(ly.iloc[-1])
    with pytest.raises(ValueError, match="last_year"):
        charts.trend(cur, ly.iloc[:5], title="x")


def test_to_png_is_stable_and_writes_the_file(tmp_path: Path) -> None:
    fig = CASES["flow"]()
    first = charts.to_png(fig, tmp_path / "sub" / "flow.png")
    assert (tmp_path / "sub" / "flow.png").read_bytes() == first == charts.to_png(fig)
    assert charts.to_png(fig, dpi=75) != first


def _shown(monkeypatch: pytest.MonkeyPatch, *figs: Figure | str, **kwargs: Any) -> list[str]:
    """The HTML that :func:`charts.show` displays for each of ``figs``."""
    import IPython.display

    shown: list[Any] = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    for fig in figs:
        charts.show(fig, **kwargs)
    assert all(isinstance(h, IPython.display.HTML) for h in shown)
    return [h.data for h in shown]


def _svg(markup: str) -> ET.Element:
    """Inline SVG markup parsed as XML (it must be well-formed: browsers print it, and
    nothing from data may open an element)."""
    root = ET.fromstring(markup)
    assert root.tag == f"{{{SVG}}}svg"
    return root


def _text_elements(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{{{SVG}}}text")]


def test_show_embeds_an_svg_at_print_width(monkeypatch: pytest.MonkeyPatch) -> None:
    fig = CASES["backlog"]()
    (markup,) = _shown(monkeypatch, fig)
    root = _svg(markup)
    assert root.get("class") == "rk-chart" and root.get("role") == "img"
    assert root.get("width") == "453.543307pt"  # 16 cm
    assert "max-width:100%" in root.get("style", "")
    assert root.get("aria-label") == " ".join(fig.get_suptitle().split())
    assert not markup.startswith("<?xml") and "<metadata" not in markup
    assert ET.fromstring(charts.img_html(fig, alt="Tồn đọng")).get("aria-label") == "Tồn đọng"


def test_show_escapes_alternative_text(monkeypatch: pytest.MonkeyPatch) -> None:
    (markup,) = _shown(monkeypatch, CASES["backlog"](), alt='<b onmouseover="x">')
    assert 'aria-label="&lt;b onmouseover=&quot;x&quot;&gt;"' in markup
    assert _svg(markup).get("aria-label") == '<b onmouseover="x">'


@pytest.mark.parametrize("case", ["ranking_34", "trend_percent", "composition", "flow",
                                  "distribution_34"])
def test_svg_keeps_vietnamese_text_as_text(case: str) -> None:
    """Words are <text> in the house font, searchable and crisp: no glyph outlines."""
    fig = CASES[case]()
    markup = charts.to_svg(fig)
    texts = _text_elements(_svg(markup))
    placed = [*fig.texts, *(t for ax in fig.axes for t in ax.texts)]  # not ticks out of view
    expected = [t.get_text() for t in placed if t.get_visible() and t.get_text().strip()]
    assert len(expected) >= 3
    for text in expected:  # a multi-line text is one <text> a line
        for line in text.split("\n"):
            assert line.strip() in {x.strip() for x in texts}, line
    assert "DejaVu Sans" in markup and "<path id=\"DejaVuSans" not in markup
    if case == "ranking_34":
        assert "Lào Cai" in texts and "Tỷ lệ văn bản không mật gửi dưới dạng điện tử, " \
            "quý III/2025" in texts


def test_svg_markup_from_data_is_text_only(monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    s = pd.Series({hostile: 0.5, "Lào Cai": 0.7, 'a" onload="alert(2)': 0.6})
    fig = charts.ranking(s, highlight="Lào Cai", title=f"Tỷ lệ {hostile}", percent=True,
                         footnote=hostile, national=0.6)
    (markup,) = _shown(monkeypatch, fig)
    root = _svg(markup)
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert tags <= {"svg", "defs", "style", "g", "path", "text", "clipPath", "use", "rect"}, tags
    assert not [a for el in root.iter() for a in el.attrib if a.lower().startswith("on")]
    assert hostile in _text_elements(root)
    assert "<script" not in markup and "<img" not in markup
    assert root.get("aria-label") == f"Tỷ lệ {hostile}"


def test_svg_ids_are_unique_on_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many inline charts share one page's ids: each defines its own, references only its own,
    and a chart's markup shown twice (an explorer reusing a section's chart) is renumbered.
    Text that looks like an id is left alone."""
    figs = [CASES[c]() for c in ("trend_percent", "trend_percent", "ranking_34",
                                 "distribution_34", "distribution_63", "composition")]
    figs.append(charts.ranking(pd.Series({' id="rkc1-p0" url(#rkc1-p0)': 0.4, "B": 0.6}),
                               highlight="B", title=' id="rkc1-p0"'))
    reused = charts.img_html(CASES["flow"]())
    pages = _shown(monkeypatch, *figs, reused, reused)
    seen: list[str] = []
    for markup in pages:
        root = _svg(markup)
        ids = [el.get("id") for el in root.iter() if el.get("id")]
        refs = [re.search(r"#([^)]+)", v).group(1)  # type: ignore[union-attr]
                for el in root.iter() for k, v in el.attrib.items()
                if k in ("clip-path", f"{{{XLINK}}}href")]
        assert refs and set(refs) <= set(ids)  # clip paths and markers resolve in the chart
        seen += ids
    assert len(seen) == len(set(seen)), "duplicate ids on the page"
    assert pages[-1] != pages[-2]
    assert ' id="rkc1-p0" url(#rkc1-p0)' in _text_elements(_svg(pages[-3]))


@pytest.mark.parametrize("case", ["ranking_34", "trend_percent", "flow"])
def test_svg_draws_what_matplotlib_draws_without_the_empty_groups(case: str) -> None:
    """The page's SVG keeps every shape and text of matplotlib's own SVG, in the same order
    and with the same styles, clip paths and transforms (its own or a group's); only
    groups with nothing to say and the line breaks between tags are gone."""
    fig = CASES[case]()
    lean = charts.to_svg(fig)  # lays the chart out for good: the raw copy below matches
    raw = io.StringIO()
    with mpl.rc_context({**charts.RC, "svg.fonttype": "none", "svg.hashsalt": "reportkit"}):
        fig.savefig(raw, format="svg", facecolor="white")

    def drawn(root: ET.Element) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []

        def walk(el: ET.Element, inherited: tuple[Any, ...]) -> None:
            attrs = tuple(sorted((k, re.sub(r"rkc\d+-", "", v)) for k, v in el.attrib.items()
                                 if k != "id"))
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "g":
                inherited = (*inherited, attrs) if attrs else inherited
            elif tag in ("path", "text", "use", "rect"):
                out.append((tag, attrs, "".join(el.itertext()), inherited))
            for child in el:
                walk(child, inherited)

        walk(root, ())
        return out

    raw_root = ET.fromstring(raw.getvalue().encode())
    lean_root = _svg(lean)
    assert drawn(lean_root) == drawn(raw_root)
    groups = [g for g in lean_root.iter(f"{{{SVG}}}g")]
    assert groups == [g for g in groups if g.attrib]  # no group without an attribute
    assert len(list(lean_root.iter())) < 0.75 * len(list(raw_root.iter()))
    assert ">\n" not in lean


def test_svg_is_reproducible_apart_from_its_ids() -> None:
    first, second = (charts.to_svg(CASES["ranking_34"]()) for _ in range(2))
    assert first != second
    assert re.sub(r"rkc\d+-", "", first) == re.sub(r"rkc\d+-", "", second)


def test_font_face_embeds_the_house_font_with_every_letter_the_charts_use() -> None:
    import io

    from fontTools.ttLib import TTFont

    css = charts.font_face_css()
    assert charts.font_face_css() is css  # computed once per process
    rules = re.findall(r"@font-face\{font-family:'DejaVu Sans';font-style:normal;"
                       r"font-weight:(\d+);src:url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\) "
                       r"format\('woff'\)\}", css)
    assert [w for w, _ in rules] == ["400", "700"]
    used = {ch for make in CASES.values() for t in make().findobj(Text) for ch in t.get_text()}
    used |= set("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ")
    used |= {ch.lower() for ch in used}
    used -= {"\n"}
    for _, data in rules:
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        cmap = font.getBestCmap()
        assert not [ch for ch in used if ord(ch) not in cmap]
        assert len(cmap) < 400  # a subset, not the 6,000-glyph font
    assert len(css) < 150_000


def test_font_face_is_subset_once_per_machine(tmp_path: Path) -> None:
    """A report kernel reads the subset font from matplotlib's cache folder; a folder it
    cannot write to only means computing it again."""
    import os

    code = ("from reportkit import charts; import hashlib; "
            "print(hashlib.sha256(charts.font_face_css().encode()).hexdigest())")
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env=env) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout and not runs[0].stderr
    (cached,) = tmp_path.glob("reportkit-font-face-*.css")
    assert cached.read_text() == charts.font_face_css()
    assert not list(tmp_path.glob("*.tmp"))


def test_page_stylesheet_carries_the_font_once() -> None:
    from reportkit.presentation import blocks

    css = blocks.page_css()
    assert css.startswith(blocks.CSS) and css.count("@font-face") == 2


@pytest.mark.parametrize("case", ["ranking_34", "trend_percent", "composition", "flow"])
def test_palette_png_has_the_full_render_pixels(case: str) -> None:
    """The palette image is made from the raw canvas: the same pixels as the full PNG
    (quantized), at the figure's size, so nothing is cropped or shifted."""
    import io

    from PIL import Image

    fig = CASES[case]()
    full = Image.open(io.BytesIO(charts.to_png(fig, palette=None))).convert("RGB")
    small = Image.open(io.BytesIO(charts.to_png(fig)))
    assert small.mode == "P" and small.size == full.size
    assert len(small.getcolors()) <= 64
    expected = full.quantize(colors=64, method=Image.Quantize.FASTOCTREE,
                             dither=Image.Dither.NONE).convert("RGB")
    assert small.convert("RGB").tobytes() == expected.tobytes()


def test_ranking_reference_lines_skip_the_value_labels() -> None:
    """The layout is run once and kept: the national line is broken around the value labels
    it would cross, and the saved image has the layout the breaks were computed for."""
    s = pd.Series({f"Tỉnh {i}": 0.30 + i / 100 for i in range(34)})
    fig = charts.ranking(s, highlight="Tỉnh 5", title="x", percent=True, national=0.47)
    ax = fig.axes[0]
    before = ax.get_position().bounds
    values = [t for t in ax.texts if charts.role(t) == charts.VALUE_LABEL]
    assert len(values) == 34
    px = ax.transData.transform((0.47, 0))[0]
    crossed = {round(t.get_position()[1]) for t in values
               if t.get_window_extent().x0 - 3 < px < t.get_window_extent().x1 + 3}
    assert crossed, "the case must have labels on the national line"
    segments = [seg for coll in ax.collections for seg in coll.get_segments()]
    assert len(segments) >= 2  # broken at least once
    covered = {y for seg in segments for y in range(34)
               if min(seg[0][1], seg[1][1]) < y < max(seg[0][1], seg[1][1])}
    assert not covered & crossed and len(covered) + len(crossed) == 34
    charts.to_png(fig)
    assert ax.get_position().bounds == before


@pytest.mark.parametrize("case", ["trend_counts", "ranking_34", "composition", "backlog",
                                  "flow", "distribution_63"])
def test_house_layout_places_the_axes_as_constrained_layout_does(case: str) -> None:
    """One measuring pass gives constrained layout's result (within a pixel or two: its second
    pass only refines labels whose extent depends on the Axes width), and everything drawn
    stays inside the figure."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig = CASES[case]()
    engine = fig.get_layout_engine()
    ax = fig.axes[0]
    if isinstance(engine, charts.HouseLayout):
        with charts.style():
            engine.execute(fig)
    else:  # a ranking with reference lines was laid out (by HouseLayout) when it was built
        assert case.startswith("ranking") and type(engine).__name__ == "PlaceHolderLayoutEngine"
    ours = ax.get_position().frozen()
    twin = CASES[case]()
    engine = ConstrainedLayoutEngine(w_pad=0.06, h_pad=0.06)
    twin.set_layout_engine(None)
    with charts.style():
        engine.execute(twin)
        engine.execute(twin)  # its own two-pass result, re-run to a fixed point
    theirs = twin.axes[0].get_position()
    px = np.abs(np.array(ours.extents) - np.array(theirs.extents)) * np.tile(
        fig.get_size_inches() * fig.dpi, 2)
    assert px.max() <= 4, (case, px)
    renderer = fig.canvas.get_renderer()
    with charts.style():
        tight = fig.get_tightbbox(renderer)
    w, h = fig.get_size_inches()
    assert tight.x0 >= -0.01 and tight.y0 >= -0.01 and tight.x1 <= w + 0.01 and tight.y1 <= h + 0.01


def test_to_png_lays_out_once_and_draws_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """savefig on a figure with a layout engine draws it twice (once only to lay it out);
    to_png lays the chart out itself and draws it once."""
    fig = CASES["trend_percent"]()
    draws: list[int] = []
    layouts: list[int] = []
    real_draw, real_execute = Figure.draw, charts.HouseLayout.execute
    monkeypatch.setattr(Figure, "draw", lambda self, r: draws.append(1) or real_draw(self, r))
    monkeypatch.setattr(charts.HouseLayout, "execute",
                        lambda self, f: layouts.append(1) or real_execute(self, f))
    charts.to_png(fig)
    assert (len(layouts), len(draws)) == (1, 1)
    assert fig.get_layout_engine() is None
    charts.to_png(fig)  # a second save keeps the same layout
    assert (len(layouts), len(draws)) == (1, 2)


def test_row_labels_draw_exactly_as_tick_labels_would() -> None:
    """Row names are plain texts (ticks cost too much in a 34-row ranking) placed and styled as
    matplotlib's tick labels: the image is the same, pixel for pixel."""
    names = ["Hà Nội", "Thành phố Hồ Chí Minh", "Huế", "Cà Mau"]
    images = []
    for as_ticks in (True, False):
        with charts.style():
            fig, ax = charts._figure(1.6)
            ax.barh(range(4), [4, 3, 2, 1])
            if as_ticks:
                ax.set_yticks(range(4), names)
            else:
                charts.row_labels_at(ax, range(4), names)
            ax.set_ylim(3.5, -0.5)
        images.append(charts.to_png(fig))
        if not as_ticks:
            assert charts.row_labels(fig) == names and not ax.get_yticklabels()
    assert images[0] == images[1]
