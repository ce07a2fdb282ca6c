"""Building blocks the report notebooks call: heading, key figures, sections, tables.

A notebook stays thin::

    rep = ProvinceReport(unit, period, lang=lang)
    rep.show_heading()
    rep.show_key_figures()
    for key in rep.SECTIONS: rep.show_section(key)

Every string that comes from data is HTML-escaped here (``html.escape``); pandas ``Styler`` is
not used for that reason. Personal data of petitioners is never loaded.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from reportkit.analysis import indicators as I
from reportkit.core import fmt
from reportkit.core import units as U
from reportkit.core.periods import Period
from reportkit.core.schema import category_label
from reportkit.presentation import narrative as N
from reportkit.presentation.blocks import (
    esc,
    html_table,
    is_sample_data,
    page_css,
    short_label,
    show_html,
    trend_periods,
    wrap,
)
from reportkit.store.warehouse import load


def completeness_warning(period: Period, unit: U.Unit | None, lang: str,
                         root: Path | str | None = None) -> str:
    """A warning for the top of a report built on incomplete data, or "" when complete.

    Completeness is DHIS2's reporting rate: monthly activity reports received over those
    expected from the units in force (see :mod:`reportkit.analysis.quality`).
    """
    from reportkit.analysis.quality import submission_status

    st = submission_status(period, root=root)
    vi = lang == "vi"
    parts = []
    if unit is not None:
        mine = st[st["unit_key"] == unit.key]
        got, exp = int(mine["submitted"].sum()), len(mine)
        if exp and got < exp:
            parts.append(f"{unit.name} mới gửi {got}/{exp} báo cáo tháng của kỳ" if vi else
                         f"{unit.name} sent {got} of {exp} monthly reports for the period")
    by_unit = st.groupby("unit_key")["submitted"].all()
    missing = sorted({n for k, n in zip(st["unit_key"], st["unit_name"], strict=True)
                      if not by_unit[k]}, key=U.normalize_name)
    if missing:
        n_units = st["unit_key"].nunique()
        names = ", ".join(missing[:8]) + ("…" if len(missing) > 8 else "")
        parts.append(
            f"{n_units - len(missing)}/{n_units} đơn vị gửi đủ báo cáo (chưa đủ: {names}); "
            "số liệu toàn quốc và xếp hạng có thể thay đổi" if vi else
            f"{n_units - len(missing)} of {n_units} units sent every report (incomplete: "
            f"{names}); national figures and ranks may change")
    if not parts:
        return ""
    head = "Số liệu chưa đầy đủ: " if vi else "Incomplete data: "
    return f'<div class="rk-warn">{esc(head + "; ".join(parts) + ".")}</div>'


@dataclass
class KeyFigure:
    label: str
    value: str
    delta: str = ""
    tone: str = ""  # "good" | "bad" | ""


def value_text(res: I.IndicatorResult, lang: str, value: float | None = None) -> str:
    v = res.value if value is None else value
    if res.indicator.unit == I.PERCENT:
        return fmt.percent(v, lang)
    if res.indicator.unit == I.DAYS:
        return fmt.number(v, lang, decimals=1)
    return fmt.number(v, lang)


class ProvinceReport:
    """Everything the province report notebook shows, for one unit and period."""

    SECTIONS: Sequence[str] = ("advising", "information", "meetings", "petitions", "archives",
                               "staffing")
    KEY_FIGURES: Sequence[str] = ("docs_sent", "network_share", "petitions_received",
                                  "processing_rate", "programme_completion", "backlog_over_90")

    def __init__(self, unit: str | U.Unit, period: str | Period, *, lang: str = "vi",
                 rule: str | None = None, root: Path | str | None = None,
                 report_date: date | None = None) -> None:
        self.period = period if isinstance(period, Period) else Period.parse(period)
        self.unit = unit if isinstance(unit, U.Unit) else U.resolve(unit, at=self.period.last)
        self.lang, self.rule, self.root = lang, rule, root
        self.report_date = report_date or date.today()
        self.office = self.unit.office_name(lang, at=self.period.last)
        self.results = {r.indicator.id: r for r in
                        I.summary(self.unit, self.period, rule=rule, root=root)}
        self.sample = is_sample_data(root)
        self.merged = self.unit.era == "post-2025" and len(U.members(self.unit)) > 1

    # -- heading -------------------------------------------------------------------------------
    def heading_html(self) -> str:
        u, lang = self.unit, self.lang
        city = u.kind_at(self.period.last) == "city"
        if lang == "vi":
            committee = f"{'THÀNH ỦY' if city else 'TỈNH ỦY'} {u.name.upper()}"
            left = f"<b>{esc(committee)}</b><b>VĂN PHÒNG</b><span>*</span>"
            right = ("<b>ĐẢNG CỘNG SẢN VIỆT NAM</b>"
                     f'<span class="rk-date">{esc(fmt.date_long(self.report_date, "vi", u.name))}'
                     "</span>")
            title = "BÁO CÁO"
            sub = f"Kết quả công tác văn phòng cấp ủy {self.period.label('vi')}"
        else:
            left = f"<b>{esc(self.office)}</b>"
            right = f'<span class="rk-date">{esc(fmt.date_long(self.report_date, "en", u.name))}' \
                    "</span>"
            title = "REPORT"
            sub = f"Work of the Party committee office, {self.period.label('en')}"
        out = f'<div class="rk-head"><div>{left}</div><div>{right}</div></div>' \
              f"<h1>{title}</h1><p class=\"rk-sub\">{esc(sub)}</p>"
        if self.sample:
            out += '<div class="rk-sample">DỮ LIỆU MẪU — sample data: ' + (
                "số liệu tổng hợp, không phải số liệu thật" if lang == "vi" else
                "synthetic figures, not real data") + "</div>"
        out += completeness_warning(self.period, self.unit, lang, self.root)
        return wrap(page_css() + out)

    def show_heading(self) -> None:
        show_html(self.heading_html())

    # -- key figures ---------------------------------------------------------------------------
    def key_figures(self) -> list[KeyFigure]:
        out = []
        for key in self.KEY_FIGURES:
            r = self.results[key]
            delta, tone = "", ""
            d = r.change_vs_last_year
            if d is not None:
                kind = "points" if r.indicator.unit == I.PERCENT else "number"
                delta = fmt.change(d, self.lang, kind=kind, decimals=1 if kind == "points" else 0)
                delta += " so với cùng kỳ" if self.lang == "vi" else " on last year"
                if r.indicator.direction and abs(d) > 1e-12:
                    tone = "good" if r.indicator.direction * d > 0 else "bad"
            out.append(KeyFigure(r.indicator.label(self.lang), value_text(r, self.lang),
                                 delta, tone))
        return out

    def key_figures_html(self) -> str:
        cards = "".join(
            f'<div class="rk-card"><div class="v">{esc(k.value)}</div>'
            f'<div class="l">{esc(k.label)}</div><div class="d {k.tone}">{esc(k.delta)}</div>'
            "</div>" for k in self.key_figures())
        title = "Số liệu chính" if self.lang == "vi" else "Key figures"
        note = (f'<p class="rk-note">{esc(self.merger_note())}</p>'
                if self.trend_crosses_merger() else "")
        return wrap(f"<h2>{title}</h2><div class=\"rk-cards\">{cards}</div>{note}")

    def show_key_figures(self) -> None:
        show_html(self.key_figures_html())

    # -- sections ------------------------------------------------------------------------------
    def section_html(self, key: str, number: int) -> str:
        text = N.SECTION_WRITERS[key](self.results, self.period, self.office, self.lang)
        return wrap(f"<h2>{number}. {esc(N.title(key, self.lang))}</h2><p>{esc(text)}</p>")

    def merger_note(self) -> str:
        if not self.merged:
            return ""
        names = ", ".join(m.name for m in U.members(self.unit))
        if self.lang == "vi":
            return (f"Số liệu trước ngày 01/7/2025 của {self.unit.name} là tổng số liệu của các "
                    f"tỉnh, thành phố trước sắp xếp: {names}.")
        return (f"Figures before 1 July 2025 for {self.unit.name} are the sums of the units it "
                f"was formed from: {names}.")

    def trend_crosses_merger(self) -> bool:
        """Whether this merged unit's trend reaches back before 1 July 2025."""
        return self.merged and trend_periods(self.period)[0].first < U.MERGER_DATE

    def trend(self, indicator_id: str) -> tuple[pd.Series, pd.Series]:
        """This unit's values over the trend periods and the same periods a year earlier."""
        ps = trend_periods(self.period)
        cur = I.series(indicator_id, self.unit, ps, rule=self.rule, root=self.root)
        ly = I.series(indicator_id, self.unit, [p.same_period_last_year() for p in ps],
                      rule=self.rule, root=self.root)
        labels = [short_label(p, self.lang) for p in ps]
        return pd.Series(cur.to_numpy(), index=labels), pd.Series(ly.to_numpy(), index=labels)

    def ranking_values(self, indicator_id: str) -> pd.Series:
        """The indicator for every unit in force, indexed by unit name."""
        vals = I.values(self.period, rule=self.rule, root=self.root)[indicator_id]
        names = {u.code: u.name for u in U.units_at(self.period.last)}
        return vals.rename(index=names).dropna()

    def petitions(self) -> pd.DataFrame:
        """This unit's petitions received in the period (no personal data)."""
        return load("petitions", self.unit, self.period, rule=self.rule, root=self.root,
                    columns=["unit_code", "received_on", "kind", "topic", "status",
                             "handled_on", "is_group", "within_jurisdiction",
                             "transferred_to", "result_updated_on"])

    def composition(self) -> pd.DataFrame:
        """Petitions by topic (rows) and kind (columns), with Vietnamese/English labels."""
        pet = self.petitions()
        tab = pd.crosstab(pet["topic"], pet["kind"])
        tab.index = [category_label("topic", t, self.lang) for t in tab.index]
        tab.columns = [category_label("kind", k, self.lang) for k in tab.columns]
        return tab

    def agencies_table(self) -> pd.DataFrame:
        """Petitions transferred in the period by receiving agency, with result updates."""
        vi = self.lang == "vi"
        pet = self.petitions()
        end = pd.Timestamp(self.period.end_date(self.rule))
        tr = pet[pet["status"].eq("transferred") & pet["handled_on"].le(end)]
        if tr.empty:
            return pd.DataFrame()
        upd = tr["result_updated_on"].notna() & tr["result_updated_on"].le(end)
        g = pd.DataFrame({"n": 1, "u": upd.astype(int)}).groupby(tr["transferred_to"]).sum()
        g = g.sort_values("n", ascending=False)
        return pd.DataFrame({
            ("Cơ quan nhận" if vi else "Receiving agency"): g.index.astype(str),
            ("Đơn đã chuyển" if vi else "Transferred"):
                [fmt.count_label(n, self.lang, 3) for n in g["n"]],
            ("Đã cập nhật kết quả" if vi else "Result recorded"):
                [fmt.count_label(u, self.lang, 3) for u in g["u"]],
            ("Tỷ lệ" if vi else "Share"):
                [fmt.percent(u / n, self.lang) if n >= 3 else "–"
                 for n, u in zip(g["n"], g["u"], strict=True)],
        })

    def backlog_bands(self) -> pd.Series:
        r = self.results
        b30, b60, b90 = (r[f"backlog_over_{n}"].value or 0 for n in I.BACKLOG_BANDS)
        labels = (["31–60 ngày", "61–90 ngày", "> 90 ngày"] if self.lang == "vi"
                  else ["31–60 days", "61–90 days", "> 90 days"])
        return pd.Series([b30 - b60, b60 - b90, b90], index=labels, dtype="float64")

    # -- limitations and appendix --------------------------------------------------------------
    @functools.cached_property
    def petitions_report(self) -> Any:
        """The petitions analysis (flow, backlog, follow-up) for this unit and period."""
        from reportkit.presentation.petitions import PetitionsReport

        return PetitionsReport(self.unit, self.period, lang=self.lang, publish=True,
                               rule=self.rule, root=self.root)

    def limitations_html(self, number: int) -> str:
        # The petitions analysis words the follow-up gap itself (published counts only).
        items = N.limitations(self.results, self.lang, followup=False)
        items += self.petitions_report.limitations()
        if not items:
            items = ["Không phát hiện hạn chế nổi bật từ các chỉ tiêu." if self.lang == "vi"
                     else "The indicators show no notable weakness."]
        lis = "".join(f"<li>{esc(t)}</li>" for t in items)
        return wrap(f"<h2>{number}. {esc(N.title('limitations', self.lang))}</h2>"
                    f'<ul class="rk-lim">{lis}</ul>')

    def appendix_table(self) -> pd.DataFrame:
        vi = self.lang == "vi"
        rows = []
        for r in self.results.values():
            rows.append({
                ("Chỉ tiêu" if vi else "Indicator"): r.indicator.label(self.lang),
                ("Kỳ này" if vi else "This period"): value_text(r, self.lang),
                ("Kỳ trước" if vi else "Previous"): value_text(r, self.lang, r.previous),
                ("Cùng kỳ" if vi else "Last year"): value_text(r, self.lang, r.last_year),
                ("Toàn quốc" if vi else "National"): value_text(r, self.lang, r.national),
                ("Xếp hạng" if vi else "Rank"): f"{r.rank}/{r.n_units}" if r.rank else "–",
            })
        return pd.DataFrame(rows)

    def appendix_html(self) -> str:
        df = self.appendix_table()
        title = "Phụ lục: các chỉ tiêu" if self.lang == "vi" else "Appendix: indicators"
        note = ("Xếp hạng 1 là tốt nhất trong các đơn vị có số liệu. Tỷ lệ tính từ tổng tử số và "
                "mẫu số; riêng tỷ lệ xử lý đơn, thư toàn quốc là bình quân tỷ lệ của các đơn vị."
                if self.lang == "vi" else
                "Rank 1 is the best among units with data. Ratios are computed from summed "
                "numerators and denominators; the national petition processing rate is the mean "
                "of the units' rates.")
        return wrap(f"<h2>{esc(title)}</h2>" + html_table(df, numeric=list(df.columns[1:]),
                                                           caption=note))

    # -- one call per section ------------------------------------------------------------------
    @functools.cache  # noqa: B019 - one report object per notebook run
    def _chart(self, kind: str, indicator_id: str) -> str:
        """A section's chart as ``<img>`` markup, rendered once: the explorers reuse it."""
        from reportkit.presentation import charts

        fig = (self._trend_chart(indicator_id) if kind == "trend"
               else self._ranking_chart(indicator_id))
        return charts.img_html(fig)

    def _trend_chart(self, indicator_id: str) -> Any:
        from reportkit.presentation import charts

        ind = I.get(indicator_id)
        cur, ly = self.trend(indicator_id)
        vi = self.lang == "vi"
        note = self.merger_note() if self.trend_crosses_merger() else None
        return charts.trend(
            cur, ly, title=f"{ind.label(self.lang)}{' — ' if vi else ' — '}{self.unit.name}",
            percent=ind.unit == I.PERCENT, target=ind.target, footnote=note, lang=self.lang,
            sample=self.sample)

    def _ranking_chart(self, indicator_id: str) -> Any:
        from reportkit.presentation import charts

        ind = I.get(indicator_id)
        vi = self.lang == "vi"
        return charts.ranking(
            self.ranking_values(indicator_id), highlight=self.unit.name,
            title=f"{ind.label(self.lang)}: {'so sánh các đơn vị' if vi else 'all units'}, "
                  f"{self.period.label(self.lang)}",
            percent=ind.unit == I.PERCENT, national=self.results[indicator_id].national,
            target=ind.target, lang=self.lang, sample=self.sample)

    def meetings_table(self) -> pd.DataFrame:
        vi = self.lang == "vi"
        agg = I.unit_aggregates(self.unit, self.period, rule=self.rule, root=self.root)
        ly = I.unit_aggregates(self.unit, self.period.same_period_last_year(), rule=self.rule,
                               root=self.root)
        from reportkit.core.schema import ACTIVITY

        rows = []
        for col in ("meetings_executive", "meetings_standing_committee",
                    "meetings_standing_board", "meetings_cadre_conferences", "meetings_total"):
            label = (ACTIVITY.field(col).label(self.lang) if col != "meetings_total"
                     else ("Tổng số" if vi else "Total"))
            v = None if agg is None else agg[col].iloc[0]
            w = None if ly is None else ly[col].iloc[0]
            rows.append({("Loại hội nghị" if vi else "Meeting"): label,
                         (self.period.label(self.lang)): fmt.number(v, self.lang),
                         ("Cùng kỳ năm trước" if vi else "Same period last year"):
                             fmt.number(w, self.lang)})
        return pd.DataFrame(rows)

    def staffing_table(self) -> pd.DataFrame:
        vi = self.lang == "vi"
        r = self.results
        rows = [
            (("Biên chế được giao" if vi else "Staff quota"), r["staffing_rate"].denominator),
            (("Biên chế hiện có" if vi else "Staff in post"), r["staffing_rate"].numerator),
            (("Trình độ đại học trở lên" if vi else "University degree or higher"),
             r["staff_university_share"].numerator),
        ]
        return pd.DataFrame({("Chỉ tiêu" if vi else "Item"): [a for a, _ in rows],
                             ("Số người" if vi else "People"):
                                 [fmt.number(b, self.lang) for _, b in rows]})

    def show_section(self, key: str, number: int) -> None:
        """Title, narrative, then the section's charts and tables."""
        from reportkit.presentation import charts

        show_html(self.section_html(key, number))
        vi = self.lang == "vi"
        if key == "advising":
            charts.show(self._chart("trend", "programme_completion"))
        elif key == "information":
            charts.show(self._chart("trend", "network_share"))
            charts.show(self._chart("ranking", "network_share"))
        elif key == "meetings":
            df = self.meetings_table()
            show_html(wrap(html_table(df, numeric=list(df.columns[1:]), total=True)))
        elif key == "petitions":
            pr = self.petitions_report
            pr.show_flow(None)
            comp = self.composition()
            if not comp.empty:
                charts.show(charts.composition(
                    comp, title=("Đơn, thư theo lĩnh vực và loại đơn" if vi
                                 else "Petitions by topic and kind"),
                    lang=self.lang, small_threshold=3, sample=self.sample))
            pr.show_backlog(None)
            pr.show_followup(None)
            charts.show(self._chart("ranking", "processing_rate"))
        elif key == "staffing":
            df = self.staffing_table()
            show_html(wrap(html_table(df, numeric=list(df.columns[1:]))))

    # The explorers' indicators; the sections' own charts are among them and are reused.
    EXPLORE: Sequence[str] = ("network_share", "programme_completion", "processing_rate",
                              "reporting_timeliness", "transfer_followup_rate")

    def explorers(self) -> list[Any]:
        """Two explorers that work without a kernel: this unit's trend of an indicator of the
        reader's choice, and its place among all units for that indicator."""
        from reportkit.presentation import charts
        from reportkit.presentation.widgets import explorer

        vi = self.lang == "vi"
        label = "Chỉ tiêu" if vi else "Indicator"
        trend_views = {I.get(i).label(self.lang):
                       (lambda i=i: charts.show(self._chart("trend", i))) for i in self.EXPLORE}
        rank_views = {I.get(i).label(self.lang):
                      (lambda i=i: charts.show(self._chart("ranking", i))) for i in self.EXPLORE}
        return [explorer(trend_views, label), explorer(rank_views, label)]

    def show_explorers(self, number: int) -> None:
        from IPython.display import display

        vi = self.lang == "vi"
        trend, rank = self.explorers()
        title = "Khám phá số liệu" if vi else "Explore the figures"
        over_time = ("Diễn biến của chỉ tiêu được chọn qua các kỳ:" if vi
                     else "The chosen indicator over time:")
        compared = "So sánh với các đơn vị khác:" if vi else "Compared with the other units:"
        show_html(wrap(f"<h2>{number}. {title}</h2><p>{over_time}</p>"))
        display(trend)
        show_html(wrap(f"<p>{compared}</p>"))
        display(rank)

    def show_limitations(self, number: int) -> None:
        show_html(self.limitations_html(number))

    def show_appendix(self) -> None:
        show_html(self.appendix_html())


class NationalReport:
    """The national summary for the Central Party Office: all units for one period."""

    KEY = ("network_share", "nonsecret_electronic_share", "reporting_timeliness",
           "processing_rate", "transfer_followup_rate", "programme_completion")

    def __init__(self, period: str | Period, *, lang: str = "vi", rule: str | None = None,
                 root: Path | str | None = None, report_date: date | None = None) -> None:
        self.period = period if isinstance(period, Period) else Period.parse(period)
        self.lang, self.rule, self.root = lang, rule, root
        self.report_date = report_date or date.today()
        self.units = U.units_at(self.period.last)
        self.names = {u.code: u.name for u in self.units}
        self.agg = I.aggregates(self.period, rule=rule, root=root)
        self.values = I.values(self.period, rule=rule, root=root)
        self.national = {i.id: I.national_value(i, self.agg) for i in I.INDICATORS.values()}
        self.sample = is_sample_data(root)
        prev = self.period.previous()
        self.prev_values = (I.values(prev, rule=rule, root=root)
                            if prev.first >= date(2016, 1, 1) else None)

    @property
    def reporting_units(self) -> int:
        return int(self.agg["months_reported"].fillna(0).gt(0).sum())

    def units_at_full_processing(self) -> list[str]:
        rates = self.values["processing_rate"].dropna()
        return sorted((self.names[c] for c in rates[rates >= 1 - 1e-12].index),
                      key=U.normalize_name)

    def heading_html(self) -> str:
        vi = self.lang == "vi"
        if vi:
            left = "<b>BAN CHẤP HÀNH TRUNG ƯƠNG</b><b>VĂN PHÒNG</b><span>*</span>"
            right = ("<b>ĐẢNG CỘNG SẢN VIỆT NAM</b>"
                     f'<span class="rk-date">{esc(fmt.date_long(self.report_date, "vi", "Hà Nội"))}'
                     "</span>")
            sub = ("Tổng hợp kết quả công tác văn phòng tỉnh ủy, thành ủy "
                   f"{self.period.label('vi')}")
            title = "BÁO CÁO"
        else:
            left = "<b>Central Party Office</b>"
            right = (f'<span class="rk-date">{esc(fmt.date_long(self.report_date, "en", "Hà Nội"))}'
                     "</span>")
            sub = f"Work of the provincial Party committee offices, {self.period.label('en')}"
            title = "NATIONAL SUMMARY"
        out = (f'<div class="rk-head"><div>{left}</div><div>{right}</div></div><h1>{title}</h1>'
               f'<p class="rk-sub">{esc(sub)}</p>')
        if self.sample:
            out += '<div class="rk-sample">DỮ LIỆU MẪU — sample data: ' + (
                "số liệu tổng hợp, không phải số liệu thật" if vi else
                "synthetic figures, not real data") + "</div>"
        out += completeness_warning(self.period, None, self.lang, self.root)
        return wrap(page_css() + out)

    def overview_text(self) -> str:
        n = self.national
        vi = self.lang == "vi"
        units = fmt.number(self.reporting_units, self.lang)
        full = fmt.number(len(self.units_at_full_processing()), self.lang)
        net = self.agg["docs_sent_network"].sum()
        label = self.period.label(self.lang)
        if vi:
            return (f"{label[0].upper()}{label[1:]}, {units} văn phòng tỉnh ủy, thành ủy đã gửi "
                    f"{fmt.number(n['docs_sent'], 'vi')} văn bản, báo cáo, trong đó có "
                    f"{fmt.number(net, 'vi')} văn bản gửi qua mạng thông tin diện rộng "
                    f"({fmt.percent(n['network_share'], 'vi')}); tiếp nhận "
                    f"{fmt.number(n['petitions_received'], 'vi')} đơn, thư; số đơn, thư đã xử lý "
                    f"trong toàn quốc đạt bình quân {fmt.percent(n['processing_rate'], 'vi')}; "
                    f"có {full} địa phương tỷ lệ giải quyết đơn, thư đạt 100%.")
        return (f"In {label}, {units} provincial Party committee offices sent "
                f"{fmt.number(n['docs_sent'], 'en')} documents and reports, "
                f"{fmt.number(net, 'en')} of them over the wide-area network "
                f"({fmt.percent(n['network_share'], 'en')}); they received "
                f"{fmt.number(n['petitions_received'], 'en')} petitions and letters; the average "
                f"processing rate was {fmt.percent(n['processing_rate'], 'en')}; {full} units "
                f"processed 100%.")

    def key_figures_html(self) -> str:
        n, lang = self.national, self.lang
        vi = lang == "vi"
        cards = [
            (fmt.number(n["docs_sent"], lang),
             "Văn bản, báo cáo gửi lên Trung ương" if vi else "Documents sent to the Centre"),
            (fmt.number(self.agg["docs_sent_network"].sum(), lang),
             "Trong đó gửi qua mạng diện rộng" if vi else "Of which over the network"),
            (fmt.number(n["petitions_received"], lang),
             "Đơn, thư tiếp nhận" if vi else "Petitions and letters received"),
            (fmt.percent(n["processing_rate"], lang),
             "Tỷ lệ xử lý đơn, thư (bình quân)" if vi else "Average processing rate"),
            (fmt.number(len(self.units_at_full_processing()), lang),
             "Địa phương xử lý 100% đơn, thư" if vi else "Units at 100% processing"),
            (fmt.number(self.reporting_units, lang),
             "Đơn vị có báo cáo" if vi else "Units reporting"),
        ]
        html_cards = "".join(f'<div class="rk-card"><div class="v">{esc(v)}</div>'
                             f'<div class="l">{esc(lab)}</div></div>' for v, lab in cards)
        title = "Số liệu chính" if vi else "Key figures"
        return wrap(f"<h2>{title}</h2><div class=\"rk-cards\">{html_cards}</div>"
                    f"<p>{esc(self.overview_text())}</p>")

    def ranking_table(self, indicator_id: str, *, top: int | None = None) -> pd.DataFrame:
        ind = I.get(indicator_id)
        vals = self.values[indicator_id].dropna()
        rk = I.ranks(ind, vals).sort_values()
        vi = self.lang == "vi"
        rows = [{("Hạng" if vi else "Rank"): int(r), ("Đơn vị" if vi else "Unit"): self.names[c],
                 ind.label(self.lang): fmt.percent(vals[c], self.lang)
                 if ind.unit == I.PERCENT else fmt.number(vals[c], self.lang)}
                for c, r in rk.items()]
        df = pd.DataFrame(rows)
        return df.head(top) if top else df

    def movers(self, indicator_id: str, n: int = 5) -> pd.DataFrame | None:
        """Largest changes since the previous period (percentage points)."""
        if self.prev_values is None:
            return None
        cur = self.values[indicator_id]
        prev = self.prev_values[indicator_id].reindex(cur.index)
        d = (cur - prev).dropna()
        if d.empty:
            return None
        vi = self.lang == "vi"
        pick = pd.concat([d.nlargest(n), d.nsmallest(n)])
        pick = pick[~pick.index.duplicated()]
        return pd.DataFrame({
            ("Đơn vị" if vi else "Unit"): [self.names[c] for c in pick.index],
            ("Kỳ trước" if vi else "Previous"):
                [fmt.percent(prev[c], self.lang) for c in pick.index],
            ("Kỳ này" if vi else "This period"):
                [fmt.percent(cur[c], self.lang) for c in pick.index],
            ("Thay đổi" if vi else "Change"): [fmt.change(v, self.lang, kind="points")
                                               for v in pick.to_numpy()],
        })

    def show_heading(self) -> None:
        show_html(self.heading_html())
        show_html(self.key_figures_html())

    def show_indicator(self, indicator_id: str, number: int) -> None:
        """The national figure, an explorer (ranking, distribution, trend) and the movers."""
        ind = I.get(indicator_id)
        vi = self.lang == "vi"
        nat = self.national[indicator_id]
        text = (f"Toàn quốc: {value_text_plain(ind, nat, self.lang)}"
                + (" (bình quân tỷ lệ của các đơn vị)." if ind.aggregation == I.MEAN_OF_RATES
                   else " (tính trên tổng số).")
                if vi else
                f"National: {value_text_plain(ind, nat, self.lang)}"
                + (" (mean of unit rates)." if ind.aggregation == I.MEAN_OF_RATES
                   else " (from national totals)."))
        show_html(wrap(f"<h2>{number}. {esc(ind.label(self.lang))}</h2><p>{esc(text)}</p>"))
        vals = self.values[indicator_id].rename(index=self.names).dropna()
        if not vals.empty:
            from IPython.display import display

            display(self.explorer(indicator_id))
        mv = self.movers(indicator_id)
        if mv is not None and not mv.empty:
            cap = ("Các đơn vị thay đổi nhiều nhất so với kỳ trước (điểm phần trăm)." if vi
                   else "Largest changes since the previous period (percentage points).")
            show_html(wrap(html_table(mv, numeric=list(mv.columns[1:]), caption=cap)))

    def explorer(self, indicator_id: str) -> Any:
        """Three pre-rendered views of one indicator: all units ranked, the distribution
        across units, and the national figure over time."""
        from reportkit.presentation import charts
        from reportkit.presentation.widgets import explorer

        ind = I.get(indicator_id)
        vi = self.lang == "vi"
        pct = ind.unit == I.PERCENT
        vals = self.values[indicator_id].rename(index=self.names).dropna()
        nat = self.national[indicator_id]
        label = f"{ind.label(self.lang)}, {self.period.label(self.lang)}"
        periods = trend_periods(self.period)
        national = I.series(indicator_id, None, periods, rule=self.rule, root=self.root)
        national.index = [short_label(p, self.lang) for p in periods]
        views = {
            ("Xếp hạng các đơn vị" if vi else "Units ranked"): lambda: charts.show(
                charts.ranking(vals, highlight=None, title=label, percent=pct, national=nat,
                               target=ind.target, lang=self.lang, sample=self.sample)),
            ("Phân bố" if vi else "Distribution"): lambda: charts.show(
                charts.distribution(vals, title=label, percent=pct, lang=self.lang,
                                    sample=self.sample)),
            ("Toàn quốc qua các kỳ" if vi else "National over time"): lambda: charts.show(
                charts.trend(national, title=f"{ind.label(self.lang)}: "
                             + ("toàn quốc" if vi else "national"), percent=pct,
                             target=ind.target, lang=self.lang, sample=self.sample)),
        }
        return explorer(views, "Xem" if vi else "View")

    def show_full_processing(self, number: int) -> None:
        vi = self.lang == "vi"
        names = self.units_at_full_processing()
        title = ("Các địa phương xử lý 100% đơn, thư" if vi else "Units that processed 100%")
        body = ", ".join(esc(x) for x in names) or ("Không có." if vi else "None.")
        show_html(wrap(f"<h2>{number}. {esc(title)}</h2><p>{fmt.number(len(names), self.lang)}"
                          f" {'địa phương' if vi else 'units'}: {body}.</p>"))

    def appendix_table(self) -> pd.DataFrame:
        vi = self.lang == "vi"
        rows = []
        for u in self.units:
            a = self.agg.loc[u.code] if u.code in self.agg.index else None
            v = self.values.loc[u.code] if u.code in self.values.index else None
            rows.append({
                ("Mã" if vi else "Code"): u.code, ("Đơn vị" if vi else "Unit"): u.name,
                ("Văn bản gửi" if vi else "Docs sent"):
                    fmt.number(None if a is None else a["docs_sent"], self.lang),
                ("Qua mạng" if vi else "Over network"):
                    fmt.percent(None if v is None else v["network_share"], self.lang),
                ("Đơn, thư" if vi else "Petitions"):
                    fmt.number(None if a is None else a["received"], self.lang),
                ("Đã xử lý" if vi else "Processed"):
                    fmt.percent(None if v is None else v["processing_rate"], self.lang),
                ("Đúng hạn" if vi else "On time"):
                    fmt.percent(None if v is None else v["reporting_timeliness"], self.lang),
            })
        n = self.national
        rows.append({
            ("Mã" if vi else "Code"): "", ("Đơn vị" if vi else "Unit"):
                "Toàn quốc" if vi else "National",
            ("Văn bản gửi" if vi else "Docs sent"): fmt.number(n["docs_sent"], self.lang),
            ("Qua mạng" if vi else "Over network"): fmt.percent(n["network_share"], self.lang),
            ("Đơn, thư" if vi else "Petitions"): fmt.number(n["petitions_received"], self.lang),
            ("Đã xử lý" if vi else "Processed"): fmt.percent(n["processing_rate"], self.lang),
            ("Đúng hạn" if vi else "On time"): fmt.percent(n["reporting_timeliness"], self.lang),
        })
        return pd.DataFrame(rows)

    def show_appendix(self) -> None:
        df = self.appendix_table()
        title = "Phụ lục: số liệu các đơn vị" if self.lang == "vi" else "Appendix: all units"
        show_html(wrap(f"<h2>{esc(title)}</h2>"
                          + html_table(df, numeric=list(df.columns[2:]), total=True)))


def value_text_plain(ind: I.Indicator, v: float | None, lang: str) -> str:
    if ind.unit == I.PERCENT:
        return fmt.percent(v, lang)
    return fmt.number(v, lang, decimals=1 if ind.unit == I.DAYS else 0)


class DataQualityReport:
    """Who submitted for a period, on time or late; what was rejected and why; which figures
    look suspicious against the unit's own history (see :mod:`reportkit.analysis.quality`)."""

    def __init__(self, period: str | Period, *, lang: str = "vi", days: int = 15,
                 root: Path | str | None = None, report_date: date | None = None) -> None:
        from reportkit.analysis import quality as Q

        self.period = period if isinstance(period, Period) else Period.parse(period)
        self.lang, self.days, self.root = lang, days, root
        self.report_date = report_date or date.today()
        self.by_unit = Q.reporting_rates(self.period, root=root, days=days, by="unit")
        self.overall = Q.reporting_rates(self.period, root=root, days=days, by="all").iloc[0]
        self.rejected = Q.rejections(self.period, root=root)
        self.reasons = Q.rejection_reasons(self.period, root=root)
        self.outliers = Q.outliers(self.period, root=root)
        self.sample = is_sample_data(root)

    def _t(self, vi: str, en: str) -> str:
        return vi if self.lang == "vi" else en

    def show_heading(self) -> None:
        lang, o = self.lang, self.overall
        sub = self._t(f"Tình hình gửi số liệu {self.period.label('vi')}",
                      f"Data submissions, {self.period.label('en')}")
        text = self._t(
            f"Trong kỳ, các đơn vị phải gửi {fmt.number(o['expected'], lang)} báo cáo tháng; đã "
            f"nhận {fmt.number(o['actual'], lang)} báo cáo (tỷ lệ báo cáo "
            f"{fmt.percent(o['reporting_rate'], lang)}), trong đó "
            f"{fmt.number(o['on_time'], lang)} báo cáo đúng hạn trong {self.days} ngày sau khi "
            f"kết thúc tháng (tỷ lệ đúng hạn {fmt.percent(o['timeliness'], lang)}).",
            f"Units owed {fmt.number(o['expected'], lang)} monthly reports for the period; "
            f"{fmt.number(o['actual'], lang)} arrived (reporting rate "
            f"{fmt.percent(o['reporting_rate'], lang)}), {fmt.number(o['on_time'], lang)} of "
            f"them within {self.days} days of the month's end (timeliness "
            f"{fmt.percent(o['timeliness'], lang)}).")
        sample = ('<div class="rk-sample">DỮ LIỆU MẪU — sample data</div>'
                  if self.sample else "")
        show_html(wrap(page_css() + f"<h1>{esc(self._t('BÁO CÁO', 'REPORT'))}</h1>"
                          f'<p class="rk-sub">{esc(sub)}</p>{sample}<p>{esc(text)}</p>'))

    def units_table(self) -> pd.DataFrame:
        df = self.by_unit.sort_values(["timeliness", "reporting_rate", "unit_code"])
        lang = self.lang
        return pd.DataFrame({
            self._t("Đơn vị", "Unit"): df["unit_name"].astype(str),
            self._t("Phải gửi", "Expected"): [fmt.number(v, lang) for v in df["expected"]],
            self._t("Đã gửi", "Received"): [fmt.number(v, lang) for v in df["actual"]],
            self._t("Đúng hạn", "On time"): [fmt.number(v, lang) for v in df["on_time"]],
            self._t("Tỷ lệ báo cáo", "Reporting rate"):
                [fmt.percent(v, lang) for v in df["reporting_rate"]],
            self._t("Tỷ lệ đúng hạn", "Timeliness"):
                [fmt.percent(v, lang) for v in df["timeliness"]],
        })

    def show_submissions(self, number: int) -> None:
        from reportkit.presentation import charts

        title = self._t("Tỷ lệ báo cáo và đúng hạn của các đơn vị",
                        "Reporting rate and timeliness by unit")
        show_html(wrap(f"<h2>{number}. {esc(title)}</h2>"))
        vals = self.by_unit.set_index("unit_name")["timeliness"].dropna()
        if not vals.empty:
            charts.show(charts.ranking(
                vals, highlight=None, percent=True, lang=self.lang, sample=self.sample,
                national=float(self.overall["timeliness"]),
                title=self._t(f"Tỷ lệ báo cáo đúng hạn, {self.period.label('vi')}",
                              f"Reports on time, {self.period.label('en')}")))
        df = self.units_table()
        cap = self._t("Xếp từ đơn vị có tỷ lệ đúng hạn thấp nhất.",
                      "Lowest timeliness first.")
        show_html(wrap(html_table(df, numeric=list(df.columns[1:]), caption=cap)))

    def show_rejections(self, number: int) -> None:
        title = self._t("Tệp bị từ chối và lý do", "Rejected files and why")
        if self.rejected.empty:
            none = self._t("Không có tệp nào bị từ chối trong kỳ.",
                           "No file was rejected for this period.")
            body = f"<p>{esc(none)}</p>"
        else:
            df = pd.DataFrame({
                self._t("Tệp", "File"): [Path(str(f)).name for f in self.rejected["file"]],
                self._t("Đơn vị", "Units"): self.rejected["units"],
                self._t("Số lỗi", "Problems"):
                    [fmt.number(v, self.lang) for v in self.rejected["problems"]],
                self._t("Lý do", "Reasons"): self.rejected["reasons"],
                self._t("Đã gửi lại", "Resubmitted"):
                    [self._t("có", "yes") if v else self._t("chưa", "no")
                     for v in self.rejected["loaded_later"]],
            })
            body = html_table(df, numeric=[df.columns[2]])
        show_html(wrap(f"<h2>{number}. {esc(title)}</h2>{body}"))

    def show_outliers(self, number: int) -> None:
        title = self._t("Số liệu bất thường so với lịch sử của đơn vị",
                        "Figures unusual for the unit's own history")
        intro = self._t(
            "Số văn bản gửi lên Trung ương trong tháng lệch xa so với 24 tháng trước của chính "
            "đơn vị (|z| > 3,5, z-score bền vững); cần kiểm tra lại trước khi sử dụng.",
            "Documents sent in a month far from the unit's previous 24 months (robust "
            "z-score beyond 3.5); check before use.")
        out = self.outliers.head(30)
        if out.empty:
            none = self._t("Không phát hiện số liệu bất thường.", "No unusual figure found.")
            body = f"<p>{esc(none)}</p>"
        else:
            df = pd.DataFrame({
                self._t("Đơn vị", "Unit"): out["unit_name"].astype(str),
                self._t("Tháng", "Month"): [f"{m.month}/{m.year}" for m in out["month"]],
                self._t("Giá trị", "Value"): [fmt.number(v, self.lang) for v in out["value"]],
                self._t("Trung vị 24 tháng", "24-month median"):
                    [fmt.number(v, self.lang, 1) for v in out["median"]],
                "z": [fmt.number(v, self.lang, 1) for v in out["z"]],
            })
            body = html_table(df, numeric=list(df.columns[2:]))
        show_html(wrap(f"<h2>{number}. {esc(title)}</h2><p>{esc(intro)}</p>{body}"))
