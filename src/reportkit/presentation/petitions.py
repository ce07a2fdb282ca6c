"""The petitions page: citizen reception and petitions (đơn, thư) followed to their result.

:class:`PetitionsReport` loads what a unit's (or the national) report needs once and prints
it: headings, Vietnamese or English sentences, charts and tables, with small numbers
suppressed (:mod:`reportkit.analysis.disclosure`) unless ``publish=False`` in a live notebook.
Why only the page here: the numbers are :mod:`reportkit.analysis.petitions` (pure functions the
province report and the tests share) and the charts :mod:`reportkit.presentation.petition_charts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from reportkit.analysis import disclosure as D
from reportkit.analysis.indicators import INDICATORS
from reportkit.analysis.petitions import (
    BANDS,
    COLUMNS,
    FLOW_EQUATIONS,
    FLOW_STAGES,
    GROUP,
    HISTORY_START,
    HOT_TOPICS,
    LIST_LIMIT,
    REPEAT_MIN,
    FlowResult,
    HandlingDays,
    RepeatSummary,
    as_day,
    backlog_trend,
    band_keys,
    band_labels,
    delegations,
    flow,
    followup,
    handling_days,
    hotspots,
    overdue_list,
    received_in,
    repeat_summary,
    repeats,
    rising_units,
    stage_label,
    window,
)
from reportkit.analysis.published import PublishedSet, published_set
from reportkit.core import fmt
from reportkit.core import units as U
from reportkit.core.i18n import text
from reportkit.core.periods import Period, default_rule
from reportkit.core.schema import TOPICS, agency_label, category_label
from reportkit.presentation import official as O
from reportkit.presentation.blocks import (
    block,
    html_table,
    is_sample_data,
    page_css,
    short_label,
    show_html,
    trend_periods,
    wrap,
)
from reportkit.presentation.figures import figure, show_figures
from reportkit.presentation.html import Markup
from reportkit.presentation.petition_charts import (
    chart_bars,
    chart_compare,
    chart_flow,
    chart_stacked,
)

__all__ = ["PetitionsReport", "Published", "words"]


@dataclass(frozen=True)
class Published:
    """One published figure: ``value`` is None when it is hidden (small or complementary)."""

    value: float | None
    text: str




def words(printed: str, lang: str = "vi") -> str:
    """A printed count as it reads inside a sentence: "<3" reads "dưới 3" / "fewer than 3",
    "*" and "x" read "một số" / "some"; a number stays as it is."""
    if printed in (D.COMPLEMENT_MARK, D.WITHHELD_MARK):
        return text("petitions.some", lang)
    if printed.startswith("<"):
        return text("petitions.fewer_than", lang, n=printed[1:])
    return printed


class PetitionsReport(O.ClosingBlocks):
    """The petitions report of one unit (or all units when ``unit`` is None) for a period.

    Loads, once, every petition received up to the period's end (no personal data) and the
    office-activity rows of the period and the same period last year; every figure is derived
    from those. With ``publish=True`` (the default, and the only value allowed when
    ``REPORTKIT_PUBLISHING`` is set) every count printed is suppressed below ``threshold``.

    Args:
        unit: a unit code or name (resolved at the period's end), or None for national.
        period: a period or its code.
        lang: "vi" or "en".
        publish: False shows exact figures in a live notebook.
        rule: "calendar" or "decree09" (default: the configured rule).
        root: the warehouse folder (default: the configured one).
        threshold: counts ``0 < n < threshold`` are hidden.
        list_limit: rows of record lists (overdue petitions, repeated cases).
    """

    def __init__(self, unit: str | U.Unit | None, period: str | Period, *, lang: str = "vi",
                 publish: bool = True, rule: str | None = None, root: Path | str | None = None,
                 threshold: int = D.THRESHOLD, list_limit: int = LIST_LIMIT,
                 report_date: date | None = None, number: str = "",
                 marking: str | None = None, issued_on: str | date | None = None) -> None:
        from reportkit.store.warehouse import load

        self.publish = D.check_publish(publish)
        if lang not in fmt.LANGS:
            raise ValueError(f"Unknown language {lang!r}; available: {', '.join(fmt.LANGS)}")
        self.period = period if isinstance(period, Period) else Period.parse(period)
        self.unit = (None if unit is None else unit if isinstance(unit, U.Unit)
                     else U.resolve(unit, at=self.period.last))
        self.lang, self.rule, self.root = lang, rule or default_rule(), root
        self.report_date = O.issued_date(issued_on) or report_date or date.today()
        self.number, self.marking = (number or "").strip(), marking
        self.issuer = O.issuer(self.unit, lang, self.period.last)
        self.threshold, self.list_limit = threshold, list_limit
        self.start, self.end = window(self.period, self.rule)
        self.ly_period = self.period.same_period_last_year()
        self.history = load("petitions", self.unit, Period.range(HISTORY_START, self.period.last),
                            rule=self.rule, root=root, columns=COLUMNS)
        self.current = received_in(self.history, self.period, self.rule)
        self.last_year = received_in(self.history, self.ly_period, self.rule)
        first = min(self.ly_period.first, self.period.previous().first)
        act = load("activity", self.unit, Period.range(first, self.period.last),
                   root=root, columns=["unit_code", "month", "group_delegations"])
        self.activity_all = act
        months = pd.to_datetime(act["month"])
        self.activity = act[months >= pd.Timestamp(self.period.first)]
        self.activity_ly = act[(months >= pd.Timestamp(self.ly_period.first))
                               & (months <= pd.Timestamp(self.ly_period.last))]
        self.sample = is_sample_data(root)
        self.names = {u.code: u.name for u in U.units_at(self.period.last)}
        self.national = self.unit is None

    # -- small helpers -------------------------------------------------------------------------
    def _n(self, x: float | None) -> str:
        return fmt.number(x, self.lang)

    def _pct(self, num: float | None, den: float | None) -> str:
        if num is None or den is None or not den:
            return fmt.MISSING
        return fmt.percent(num / den, self.lang)

    def _date(self, d: Any) -> str:
        return fmt.date_short(None if pd.isna(d) else pd.Timestamp(d).date(), self.lang)

    def _count(self, n: int) -> Published:
        """A lone count (no total next to it): hidden as "<3" when small."""
        if self.publish and D.sensitive(n, self.threshold):
            return Published(None, f"<{self.threshold}")
        return Published(float(n), self._n(n))

    def _words(self, printed: str) -> str:
        """A printed count inside a sentence: "*" reads "một số" / "some"."""
        return words(printed, self.lang)

    @property
    def who(self) -> str:
        if self.unit is None:
            return text("petitions.who.national", self.lang)
        office = self.unit.office_name(self.lang, at=self.period.last)
        return text("petitions.who.office", self.lang, office=office)

    @property
    def where(self) -> str:
        if self.unit is None:
            return text("petitions.all_units", self.lang)
        return self.unit.name

    def _unit_name(self, code: str) -> str:
        return self.names.get(str(code), str(code))

    def _notes(self, *protected: D.Protected | D.ProtectedCells) -> list[str]:
        if not self.publish:
            return []
        hidden = any(p.any_hidden for p in protected)
        comp = any(p.any_complement for p in protected)
        withheld = any(p.any_withheld for p in protected)
        return [D.note(self.lang, self.threshold, comp, withheld)] if hidden else []

    def _display(self, markup: Markup) -> None:
        show_html(markup)

    def _section(self, number: int | None, title: str, paragraph: str) -> Markup:
        head = f"{number}. {title}" if number is not None else title
        return block(head, paragraphs=[paragraph])

    # -- heading ---------------------------------------------------------------------------
    def heading_html(self) -> Markup:
        title = text("petitions.title", self.lang)
        sub = f"{self.where} — {self.period.label(self.lang)}"
        start, end = (fmt.date_short(d.date(), self.lang) for d in (self.start, self.end))
        rule = text("petitions.window", self.lang, start=start, end=end)
        if self.rule == "decree09":
            rule += text("petitions.window.decree09", self.lang)
        else:
            rule += "."
        return wrap(O.heading(
            self.issuer, css=page_css(), lang=self.lang, report_date=self.report_date,
            number=self.number, marking=self.marking, title=text("report.report", self.lang),
            subtitle=f"{title[:1]}{title[1:].lower()}: {sub}", note=rule,
            sample=text("common.sample_banner", self.lang) if self.sample else None,
            exact=None if self.publish else text("common.exact_figures_banner", self.lang),
            exact_mark=D.EXACT_MARK))

    def show_heading(self) -> None:
        self._display(self.heading_html())
        show_figures(self.figures())

    def figures(self) -> list[dict[str, Any]]:
        """The flow of petitions as this report prints it (a count hidden as "<3" or "*" is
        stored hidden) and its two rates, for the batch (:mod:`.figures`)."""
        out = [figure(s, stage_label(s, "vi"), stage_label(s, "en"), self._flow_fig(s).text,
                      self._flow_fig(s).value) for s in FLOW_STAGES]
        for fid, num, den in (("processing_rate", "handled", "received"),
                              ("transfer_followup_rate", "result_updated", "transferred")):
            a, b = self._flow_fig(num).value, self._flow_fig(den).value
            ind = INDICATORS[fid]
            out.append(figure(fid, ind.label("vi"), ind.label("en"), self._flow_rate(num, den),
                              a / b if a is not None and b else None))
        return out

    # -- 1. flow ---------------------------------------------------------------------------
    @cached_property
    def flow(self) -> FlowResult:
        return flow(self.current, self.period, self.rule)

    @cached_property
    def published(self) -> PublishedSet:
        """Every count of this period's published set and whether it is printed: decided once
        for this report and the province report (:mod:`reportkit.analysis.published`), so a
        figure hidden in one is hidden in the other."""
        return published_set(self.history, self.activity_all, self.period, self.rule,
                             trend=self.trend_periods, threshold=self.threshold)

    @property
    def _flow_and_backlog(self) -> D.ProtectedCells:
        """The flow and the backlog, which overlap, suppressed together (with the rest of the
        published set): the period's open petitions and the open ones aged up to 30 days are
        the same set in a 31-day period, one holds the other otherwise."""
        return self.published.cells

    @cached_property
    def flow_protected(self) -> D.ProtectedCells:
        """The flow's counts after suppression (see :attr:`_flow_and_backlog`)."""
        j = self._flow_and_backlog
        return D.ProtectedCells({k: j.values[k] for k in FLOW_STAGES},
                                {k: j.status[k] for k in FLOW_STAGES}, j.threshold, j.secure,
                                list(FLOW_EQUATIONS))

    def _flow_fig(self, stage: str) -> Published:
        p = self.flow_protected
        if not self.publish:
            return Published(float(p.values[stage]), self._n(p.values[stage]))
        return Published(p.value(stage), p.text(stage, self.lang))

    def _flow_rate(self, num: str, den: str) -> str:
        a, b = self._flow_fig(num), self._flow_fig(den)
        return self._pct(a.value, b.value)

    def flow_table(self) -> pd.DataFrame:
        """Stages with printed counts and rates (of the parent stage)."""
        parent = {"within": "received", "outside": "received", "handled": "received",
                  "open": "received", "handled_here": "handled", "transferred": "handled",
                  "result_updated": "transferred", "awaiting_result": "transferred"}
        rows = []
        for s in FLOW_STAGES:
            rows.append({
                text("petitions.stage", self.lang): stage_label(s, self.lang),
                text("petitions.petitions", self.lang): self._flow_fig(s).text,
                text("common.share", self.lang): self._flow_rate(s, parent[s]) if s in parent
                else "",
                text("petitions.of", self.lang): stage_label(parent[s], self.lang) if s in parent
                else ""})
        return pd.DataFrame(rows)

    def flow_text(self) -> str:
        f = {s: self._words(self._flow_fig(s).text) for s in FLOW_STAGES}
        end = fmt.date_short(self.end.date(), self.lang)
        def paren(key: str, rate: str) -> str:
            return "" if rate == fmt.MISSING else text(key, self.lang, rate=rate)

        rate = paren("petitions.flow.rate", self._flow_rate("handled", "received"))
        frate = paren("petitions.flow.followup_rate",
                      self._flow_rate("result_updated", "transferred"))
        return text("petitions.flow.sentence", self.lang, lead=self._period_lead(), who=self.who,
                    end=end, rate=rate, frate=frate, **f)

    def _period_lead(self) -> str:
        from reportkit.presentation.narrative import in_period

        return in_period(self.period, self.lang)

    def flow_chart(self) -> Figure:
        groups = {"received": 0, "within": 1, "outside": 1, "handled": 2, "open": 2,
                  "handled_here": 3, "transferred": 3, "result_updated": 4,
                  "awaiting_result": 4}
        parent = {"within": "received", "outside": "received", "handled": "received",
                  "open": "received", "handled_here": "handled", "transferred": "handled",
                  "result_updated": "transferred", "awaiting_result": "transferred"}
        items = []
        for s in FLOW_STAGES:
            fig = self._flow_fig(s)
            label = fig.text
            rate = self._flow_rate(s, parent[s]) if s in parent else fmt.MISSING
            if rate != fmt.MISSING:
                label += f"  ({rate})"
            par = self._flow_fig(parent[s]).value if s in parent else None
            items.append((stage_label(s, self.lang), fig.value, label, par))
        notes = [text("petitions.flow.chart_note", self.lang),
            *self._notes(self.flow_protected)]
        return chart_flow(items, [groups[s] for s in FLOW_STAGES],
                          title=text("petitions.flow.chart_title",
                                     self.lang) + f" — {self.where}, "
                          f"{self.period.label(self.lang)}", notes=notes, sample=self.sample)

    def show_flow(self, number: int | None = 1) -> None:
        """Section: received → jurisdiction → handled / transferred → result updated."""
        from reportkit.presentation import charts
        title = text("petitions.flow.title", self.lang)
        self._display(self._section(number, title, self.flow_text()))
        if self.flow.received:
            charts.show(self.flow_chart())
        df = self.flow_table()
        notes = " ".join(self._notes(self.flow_protected))
        self._display(wrap(html_table(df, numeric=list(df.columns[1:3]), caption=notes or None)))

    # -- 2. backlog --------------------------------------------------------------------------
    @cached_property
    def trend_periods(self) -> list[Period]:
        ps = trend_periods(self.period)
        first = as_day(self.history["received_on"]).min() if len(self.history) else None
        if first is not None and not pd.isna(first):
            ps = [p for p in ps if pd.Timestamp(p.end_date(self.rule)) >= first] or [self.period]
        return ps

    @cached_property
    def backlog_trend(self) -> pd.DataFrame:
        return backlog_trend(self.history, self.trend_periods, self.rule)

    @cached_property
    def backlog_protected(self) -> D.Protected:
        """Open petitions by band at each trend period's end (the last row is this period),
        with row totals: one suppression for the chart, the trend and the sentence."""
        j = self._flow_and_backlog
        counts = self.backlog_trend.copy()
        counts["total"] = counts.sum(axis=1)
        status = pd.DataFrame([[j.status[(r, c)] for c in counts.columns] for r in counts.index],
                              index=counts.index, columns=counts.columns)
        return D.Protected(counts, status, j.threshold, j.secure)

    def _bp(self, row: str, col: str) -> Published:
        p = self.backlog_protected
        v = int(p.counts.at[row, col])
        if not self.publish:
            return Published(float(v), self._n(v))
        hidden = bool(p.hidden().at[row, col])
        return Published(None if hidden else float(v),
                       D.cell_text(v, p.status.at[row, col], self.lang, self.threshold))

    @cached_property
    def handling(self) -> HandlingDays:
        return handling_days(self.current, self.period, self.rule)

    def backlog_text(self) -> str:
        cur = str(self.period)
        total = self._words(self._bp(cur, "total").text)
        over90 = self._words(self._bp(cur, band_keys()[-1]).text)
        end = fmt.date_short(self.end.date(), self.lang)
        h = self.handling
        enough = h.n >= self.threshold or not self.publish
        s = text("petitions.backlog.sentence", self.lang, end=end, total=total, over90=over90)
        if enough and h.median is not None:
            s += text("petitions.backlog.handling_days", self.lang,
                      median=fmt.number(h.median, self.lang, 1 if h.median % 1 else 0),
                      p90=self._n(h.p90))
        elif h.n:
            s += text("petitions.backlog.too_few_handled", self.lang)
        return s

    def backlog_table(self) -> pd.DataFrame:
        """This period's open petitions by age band, as printed."""
        cur = str(self.period)
        keys = [*band_keys(), "total"]
        labels = [*band_labels(lang=self.lang), text("common.total", self.lang)]
        return pd.DataFrame({
            text("petitions.time_since_receipt", self.lang): labels,
            text("petitions.open_petitions", self.lang): [self._bp(cur, k).text
                                                               for k in keys]})

    def backlog_trend_table(self) -> pd.DataFrame:
        """Open petitions by age band at each trend period's end (this period last), as
        printed."""
        printed = self.backlog_protected.text(self.lang, self.publish)
        out = pd.DataFrame({text("petitions.period_end", self.lang): [
            short_label(q, self.lang) for q in self.trend_periods]})
        for k, label in zip([*band_keys(), "total"],
                            [*band_labels(lang=self.lang), text("common.total", self.lang)],
                            strict=True):
            out[label] = printed[k].to_list()
        return out

    def show_backlog(self, number: int | None = 2) -> None:
        """Section: open petitions at the period end by age band, their trend, handling time."""
        from reportkit.presentation import charts
        title = text("petitions.backlog.title", self.lang)
        self._display(self._section(number, title, self.backlog_text()))
        cur = str(self.period)
        keys = band_keys()
        notes = self._notes(self.backlog_protected)
        charts.show(chart_bars(
            [self._bp(cur, k).value for k in keys], [self._bp(cur, k).text for k in keys],
            band_labels(lang=self.lang),
            title=text("petitions.backlog.chart_title", self.lang)
            + f" — {self.where}", notes=notes, sample=self.sample))
        if len(self.trend_periods) > 1:
            p = self.backlog_protected
            vals = p.values(self.publish)[keys]
            vals.index = [short_label(q, self.lang) for q in self.trend_periods]
            totals = [self._bp(str(q), "total").text for q in self.trend_periods]
            rest = [None if self._bp(str(q), "total").value is None else
                    float(self._bp(str(q), "total").value or 0) - float(np.nansum(row))
                    for q, row in zip(self.trend_periods, vals.to_numpy(), strict=True)]
            charts.show(chart_stacked(
                vals, totals, legend=band_labels(lang=self.lang), hidden_sum=rest,
                hidden_label=text("petitions.hidden_counts", self.lang),
                title=text("petitions.backlog.trend_chart_title", self.lang)
                + f" — {self.where}", notes=notes, sample=self.sample))
        df = self.backlog_trend_table()
        self._display(wrap(html_table(df, numeric=list(df.columns[1:]), highlight=None,
                                      caption=" ".join(notes) or None)))

    # -- 3. follow-up ------------------------------------------------------------------------
    @cached_property
    def followup(self) -> pd.DataFrame:
        if not self.national:
            return followup(self.history, self.period, self.rule)
        f = followup(self.history, self.period, self.rule, by="unit_code")
        return f.sort_values([band_keys()[-1], "total"], ascending=False, kind="stable")

    @cached_property
    def followup_rows(self) -> tuple[pd.DataFrame, pd.Series]:
        """Counts by band per printed row, and each row's earliest waiting transfer.

        Rows are units (national) or agencies; agencies with fewer than ``threshold`` waiting
        petitions are merged into one "other agencies" row (with the next smallest until that
        row reaches the threshold), as statistical tables do.
        """
        keys = band_keys()
        f = self.followup
        counts, oldest = f[keys].copy(), f["oldest"].copy()
        if self.national:
            counts.index = oldest.index = [self._unit_name(c) for c in counts.index]
            return counts, oldest
        if self.publish and len(counts) > 1:
            totals = counts.sum(axis=1)
            small = list(totals[totals < self.threshold].index)
            rest = totals.drop(small).sort_values(kind="stable")
            while small and totals[small].sum() < self.threshold and len(rest) > 1:
                small.append(rest.index[0])
                rest = rest.iloc[1:]
            if len(small) > 1:
                other = text("petitions.other_agencies", self.lang)
                merged = counts.loc[small].sum().to_frame(other).T
                counts = pd.concat([counts.drop(small), merged])
                oldest = pd.concat([oldest.drop(small),
                                    pd.Series({other: oldest[small].min()})])
        counts.index = oldest.index = [agency_label(a, self.lang) for a in counts.index]
        return counts, oldest

    @cached_property
    def followup_protected(self) -> D.Protected:
        counts, _ = self.followup_rows
        total = text("common.total", self.lang)
        # The over-90-days counts are what a reader chasing petitions looks for: hidden as
        # complements only when no other cell, not even a total, will do.
        k90 = band_keys()[-1]
        return D.protect(counts, self.threshold, row_total="total", col_total=total,
                         last_resort=[(r, k90) for r in [*counts.index, total]])

    def followup_table(self) -> pd.DataFrame:
        """Waiting transferred petitions per agency (unit when national), as printed."""
        p = self.followup_protected
        printed = p.text(self.lang, self.publish)
        first = text("common.unit" if self.national else "petitions.receiving_agency", self.lang)
        out = pd.DataFrame({first: list(printed.index)})
        for k, label in zip(band_keys(), band_labels(lang=self.lang), strict=True):
            out[label] = printed[k].to_list()
        out[text("common.total", self.lang)] = printed["total"].to_list()
        _, oldest = self.followup_rows
        out[text("petitions.earliest_transfer", self.lang)] = [
            self._date(oldest.get(i)) if i in oldest.index else "" for i in printed.index]
        return out

    def followup_text(self) -> str:
        p = self.followup_protected
        if self.followup.empty:
            return text("petitions.followup.none_waiting", self.lang,
                        end=fmt.date_short(self.end.date(), self.lang))
        total_row = p.counts.index[-1]
        tot = self._words(D.cell_text(p.counts.at[total_row, "total"],
                                      p.status.at[total_row, "total"] if self.publish else "",
                                      self.lang, self.threshold))
        k90 = band_keys()[-1]
        over90 = self._words(D.cell_text(p.counts.at[total_row, k90],
                                         p.status.at[total_row, k90] if self.publish else "",
                                         self.lang, self.threshold))
        end = fmt.date_short(self.end.date(), self.lang)
        listed = self._overdue_shown()
        s = text("petitions.followup.sentence", self.lang, end=end, total=tot, over90=over90)
        return s + (text("petitions.followup.list_note", self.lang) if listed else "")

    def _overdue_shown(self) -> bool:
        total = self.overdue.attrs.get("total", len(self.overdue))
        return bool(total) and not (self.publish and total < self.threshold)

    @cached_property
    def overdue(self) -> pd.DataFrame:
        return overdue_list(self.history, self.period, self.rule, limit=self.list_limit)

    def overdue_table(self) -> pd.DataFrame:
        """The longest-waiting transferred petitions: ids and dates only (and the unit in the
        national view). The agency is left out on purpose: with it, a complete list would
        rebuild the suppressed table by agency."""
        o = self.overdue
        out = pd.DataFrame({
            text("petitions.petition_id", self.lang): o["petition_id"].to_list(),
            text("petitions.received", self.lang): [self._date(d) for d in o["received_on"]],
            text("petitions.transferred", self.lang): [self._date(d) for d in o["transferred_on"]],
            text("petitions.days_waiting", self.lang): [self._n(d) for d in o["days_waiting"]],
        })
        if self.national:  # the unit is also the first part of the id
            out.insert(1, text("common.unit", self.lang),
                       [self._unit_name(c) for c in o["unit_code"]])
        return out

    def show_followup(self, number: int | None = 3) -> None:
        """Section: transferred petitions with no result after 30/60/90 days."""
        title = text("petitions.followup.title", self.lang)
        self._display(self._section(number, title, self.followup_text()))
        if self.followup.empty:
            return
        df = self.followup_table()
        cap = (text("petitions.followup.caption_national", self.lang) if self.national else
               text("petitions.followup.caption", self.lang))
        cap += " ".join(self._notes(self.followup_protected))
        self._display(wrap(html_table(df, numeric=list(df.columns[1:-1]), total=True,
                                      caption=cap)))
        o = self.overdue
        total = o.attrs.get("total", len(o))
        if not self._overdue_shown():
            return  # nothing to list, or a list of one or two would print a small count
        head = text("petitions.overdue.lead", self.lang, days=BANDS[0])
        if total > len(o):
            head += text("petitions.overdue.first_n", self.lang, n=len(o))
        lst = self.overdue_table()
        self._display(block(lead=head, body=html_table(
            lst, numeric=[text("petitions.days_waiting", self.lang)])))

    # -- 4. hotspots -------------------------------------------------------------------------
    @cached_property
    def hotspots(self) -> pd.DataFrame:
        return hotspots(self.current, self.last_year)

    @cached_property
    def hotspots_protected(self) -> D.ProtectedCells:
        """Topics this period and last year with their totals, and group petitions, as
        ``(col, topic)`` cells of the published set (the totals are the received petitions)."""
        keys: dict[Any, Any] = {}
        for col, received in (("current", "received"),
                              ("last_year", ("flow", str(self.ly_period), "received"))):
            keys.update({(col, t): ("topic", col, t) for t in TOPICS})
            keys[(col, "total")] = received
            keys[(col, GROUP)] = ("group", col)
        return self.published.view(keys)

    def _hp(self, col: str, row: str) -> Published:
        p = self.hotspots_protected
        if not self.publish:
            return Published(float(p.values[(col, row)]), self._n(p.values[(col, row)]))
        return Published(p.value((col, row)), p.text((col, row), self.lang))

    def _change(self, cur: Published, ly: Published) -> tuple[str, str]:
        if cur.value is None or ly.value is None:
            return fmt.MISSING, fmt.MISSING
        d = cur.value - ly.value
        ch = ("+" if d > 0 else "") + self._n(d) if d else "0"
        pct = fmt.change(d / ly.value, self.lang, kind="percent") if ly.value else fmt.MISSING
        return ch, pct

    def _compare_row(self, label: str, cur: Published, ly: Published,
                     first: str) -> dict[str, str]:
        ch, pct = self._change(cur, ly)
        return {first: label, text("common.same_period_last_year", self.lang): ly.text,
                text("common.this_period", self.lang): cur.text, text("petitions.change",
                                                                      self.lang): ch,
                text("petitions.change_pct", self.lang): pct}

    def hotspots_table(self) -> pd.DataFrame:
        """Petitions by topic, this period against last year, with the total (last row)."""
        first = text("petitions.topic", self.lang)
        rows = [self._compare_row(category_label("topic", t, self.lang), self._hp("current", t),
                                  self._hp("last_year", t), first) for t in TOPICS]
        rows.append(self._compare_row(text("common.total", self.lang), self._hp("current", "total"),
                                      self._hp("last_year", "total"), first))
        return pd.DataFrame(rows)

    def crowd_table(self) -> pd.DataFrame:
        """Group petitions (đông người) and large-group delegations against last year."""
        first = text("petitions.item", self.lang)
        return pd.DataFrame([
            self._compare_row(text("petitions.crowd.group_petitions", self.lang),
                              self._hp("current", GROUP), self._hp("last_year", GROUP), first),
            self._compare_row(text("petitions.crowd.delegations", self.lang),
                              self._delegations_fig(self.period),
                              self._delegations_fig(self.ly_period),
                              first)])

    @cached_property
    def delegations(self) -> tuple[pd.Series, pd.Series]:
        return delegations(self.activity), delegations(self.activity_ly)

    def _delegations_fig(self, period: Period) -> Published:
        """Large-group delegations received in ``period`` (this one or a year earlier), as
        published; "–" when no activity report covers it."""
        return self._set_fig(("delegations", str(period)))

    def _set_fig(self, key: Any) -> Published:
        """A cell of the published set as printed; "–" when the set has no such cell."""
        if key not in self.published:
            return Published(None, fmt.MISSING)
        if not self.publish:
            n = self.published.exact(key)
            return Published(float(n), self._n(n))
        return Published(self.published.value(key), self.published.text(key, self.lang))

    def hotspots_text(self) -> str:
        parts = []
        for t in (*HOT_TOPICS, GROUP):
            cur, ly = self._hp("current", t), self._hp("last_year", t)
            name = (category_label("topic", t, self.lang).lower() if t in TOPICS
                    else text("petitions.group_petitions", self.lang))
            if cur.value is None or ly.value is None:
                parts.append(text("petitions.hotspots.part_hidden", self.lang, name=name,
                                  cur=self._words(cur.text), ly=self._words(ly.text)))
                continue
            ch, pct = self._change(cur, ly)
            trend = fmt.change(cur.value - ly.value, self.lang, kind="number")
            parts.append(text("petitions.hotspots.part", self.lang, name=name, cur=cur.text,
                              trend=trend) + (f" ({pct})" if pct != fmt.MISSING else ""))
        d_cur, d_ly = self._delegations_fig(self.period), self._delegations_fig(self.ly_period)
        s = text("petitions.hotspots.lead", self.lang) \
            + "; ".join(parts) + ". "
        s += text("petitions.hotspots.delegations", self.lang,
                  d_cur=self._words(d_cur.text), d_ly=self._words(d_ly.text))
        return s

    def hotspots_chart(self) -> Figure:
        labels, cur, ly, texts = [], [], [], []
        for t in [*TOPICS, GROUP]:
            c, y = self._hp("current", t), self._hp("last_year", t)
            labels.append(category_label("topic", t, self.lang) if t in TOPICS
                          else text("petitions.group_petitions_label", self.lang))
            cur.append(c.value)
            ly.append(y.value)
            ch, _ = self._change(c, y)
            texts.append(c.text + (f"  ({ch})" if ch != fmt.MISSING else ""))
        notes = [text("petitions.hotspots.chart_note", self.lang),
                 *self._notes(self.hotspots_protected)]
        return chart_compare(
            labels, cur, ly, texts,
            title=text("petitions.hotspots.chart_title", self.lang)
            + f" — {self.where}",
            legend=(text("common.this_period", self.lang),
                    text("common.same_period_last_year", self.lang)),
            notes=notes, sample=self.sample)

    def _unit_set(self, code: str) -> PublishedSet | None:
        """National view: a unit's own published set, the one its petitions and province
        reports print from, so that this page never prints a count they hide (None when not
        publishing). Built for the few units a national table names."""
        if not self.publish:
            return None
        sets: dict[str, PublishedSet] = self.__dict__.setdefault("_unit_sets", {})
        if code not in sets:
            sets[code] = PetitionsReport(code, self.period, lang=self.lang, publish=True,
                                         rule=self.rule, root=self.root,
                                         threshold=self.threshold).published
        return sets[code]

    def _unit_fig(self, code: str, key: Any, n: int) -> Published:
        """A unit's count as its own reports print it (see :meth:`_unit_set`); a lone count
        when the set has no such cell."""
        s = self._unit_set(code)
        if s is None or key not in s:
            return self._count(n)
        return Published(s.value(key), s.text(key, self.lang))

    def rising_table(self, n: int = 5) -> pd.DataFrame:
        """National view: the units where land, environment and group petitions rose most.
        Each count is printed as the unit's own reports print it."""
        rows = []
        for t in (*HOT_TOPICS, GROUP):
            r = rising_units(self.current, self.last_year, topic=None if t == GROUP else t,
                             group=t == GROUP, n=n)
            name = (category_label("topic", t, self.lang) if t in TOPICS
                    else text("petitions.group_petitions_label", self.lang))
            for code, row in r.iterrows():
                keys = ((("group", "current"), ("group", "last_year")) if t == GROUP
                        else (("topic", "current", t), ("topic", "last_year", t)))
                cur = self._unit_fig(str(code), keys[0], int(row["current"]))
                ly = self._unit_fig(str(code), keys[1], int(row["last_year"]))
                ch, pct = self._change(cur, ly)
                rows.append({text("petitions.topic", self.lang): name,
                             text("common.unit", self.lang): self._unit_name(str(code)),
                             text("common.same_period_last_year", self.lang): ly.text,
                             text("common.this_period", self.lang): cur.text,
                             text("petitions.rise",
                                  self.lang): ch, text("petitions.rising.change_pct",
                                                                         self.lang): pct})
        return pd.DataFrame(rows)

    def delegations_table(self, n: int = 10) -> pd.DataFrame:
        """National view: the units that received the most large-group delegations, printed as
        the units' own reports print them."""
        cur, ly = self.delegations
        top = cur[cur > 0].sort_values(ascending=False, kind="stable").head(n)
        rows = []
        for code, v in top.items():
            c = self._unit_fig(str(code), ("delegations", str(self.period)), int(v))
            y = self._unit_fig(str(code), ("delegations", str(self.ly_period)),
                               int(ly.get(code, 0)))
            rows.append({text("common.unit", self.lang): self._unit_name(str(code)),
                         text("common.same_period_last_year", self.lang): y.text,
                         text("common.this_period", self.lang): c.text})
        return pd.DataFrame(rows)

    def show_hotspots(self, number: int | None = 4) -> None:
        """Section: topics and group petitions against last year; delegations; rising units."""
        from reportkit.presentation import charts
        title = text("petitions.hotspots.title", self.lang)
        self._display(self._section(number, title, self.hotspots_text()))
        if self.flow.received or len(self.last_year):
            charts.show(self.hotspots_chart())
        df = self.hotspots_table()
        self._display(wrap(html_table(df, numeric=list(df.columns[1:]), total=True)))
        crowd = self.crowd_table()
        cap = " ".join(self._notes(self.hotspots_protected)) or None
        self._display(wrap(html_table(crowd, numeric=list(crowd.columns[1:]), caption=cap)))
        if self.national:
            r = self.rising_table()
            if not r.empty:
                head = text("petitions.rising.lead", self.lang)
                self._display(block(lead=head, body=html_table(r, numeric=list(r.columns[2:]))))
            dl = self.delegations_table()
            if not dl.empty:
                head = text("petitions.delegations.lead", self.lang)
                self._display(block(lead=head,
                                    body=html_table(dl, numeric=list(dl.columns[1:]))))

    # -- 5. repeats --------------------------------------------------------------------------
    @cached_property
    def repeats(self) -> pd.DataFrame:
        return repeats(self.history, self.period, self.rule)

    @cached_property
    def repeat_summary(self) -> RepeatSummary:
        return repeat_summary(self.history, self.period, self.rule)

    @cached_property
    def repeats_protected(self) -> D.ProtectedCells:
        """Repeat petitions among those received, from the published set."""
        return self.published.view({"received": "received", "repeat": "repeat",
                                    "first": ("rest", "first_submission")})

    def repeats_text(self) -> str:
        p = self.repeats_protected
        if p.values["repeat"] == 0:
            return text("petitions.repeats.none", self.lang)
        rep = p.text("repeat", self.lang, self.publish)
        cases = self._set_fig("repeated_cases").text
        many = self._set_fig("cases_3plus").text
        rep, cases, many = (self._words(x) for x in (rep, cases, many))
        return text("petitions.repeats.sentence", self.lang, repeats=rep, cases=cases, many=many,
                    times=REPEAT_MIN)

    def repeats_table(self) -> pd.DataFrame:
        """Cases submitted at least :data:`REPEAT_MIN` times: case key, topic, counts, dates.

        Empty when publishing and there are fewer than ``threshold`` such cases (the list
        would print a small count).
        """
        r = self.repeats[self.repeats["submissions"] >= REPEAT_MIN]
        if self.publish and D.sensitive(len(r), self.threshold):
            r = r.iloc[0:0]
        r = r.head(self.list_limit)
        out = pd.DataFrame({
            text("petitions.case_key", self.lang): list(r.index.astype(str)),
            text("petitions.topic", self.lang): [category_label("topic", t, self.lang)
                                           for t in r["topic"]],
            text("petitions.submissions", self.lang): [self._n(v) for v in r["submissions"]],
            text("petitions.repeats.first_received",
                 self.lang): [self._date(d) for d in r["first_received"]],
            text("petitions.repeats.last_received",
                 self.lang): [self._date(d) for d in r["last_received"]],
        })
        if self.national:
            out.insert(1, text("common.unit", self.lang),
                       [self._unit_name(c) for c in r["unit_code"]])
        return out

    def show_repeats(self, number: int | None = 5) -> None:
        """Section: the same case submitted again (matched on case_key)."""
        title = text("petitions.repeat_petitions", self.lang)
        self._display(self._section(number, title, self.repeats_text()))
        df = self.repeats_table()
        if not df.empty:
            head = text("petitions.repeats.lead", self.lang, times=REPEAT_MIN)
            self._display(block(lead=head, body=html_table(
                df, numeric=[text("petitions.submissions", self.lang)])))

    # -- method note -----------------------------------------------------------------------
    def method_text(self) -> list[str]:
        rule = (text("petitions.method.decree09", self.lang)
                if self.rule == "decree09" else text("petitions.method.calendar", self.lang))
        items = [text("petitions.method.period", self.lang, rule=rule)]
        if self.publish:
            items.append(D.note(self.lang, self.threshold,
                                True) + text("petitions.method.hidden_not_drawn", self.lang))
        else:
            items.append(text("petitions.method.exact", self.lang))
        return items

    def show_method(self) -> None:
        title = text("petitions.method.title", self.lang)
        self._display(block(title, items=self.method_text(), list_class="rk-note"))

    # -- for the province report ---------------------------------------------------------------
    def summary(self) -> dict[str, Published]:
        """Key published figures for the province report (a None value is hidden; print
        ``text``). Keys: the flow stages (:data:`FLOW_STAGES`), open_at_end, open_over_90,
        awaiting_result_over_90, median_days, p90_days, group_petitions,
        group_petitions_last_year, repeat_petitions, cases_3plus."""
        cur = str(self.period)
        p = self.followup_protected
        k90 = band_keys()[-1]
        if self.followup.empty:
            await90 = Published(0.0, self._n(0))
        else:
            tr = p.counts.index[-1]
            st = p.status.at[tr, k90] if self.publish else ""
            v = int(p.counts.at[tr, k90])
            await90 = Published(None if st in D.HIDDEN else float(v),
                              D.cell_text(v, st, self.lang, self.threshold))
        h = self.handling
        enough = h.n >= self.threshold or not self.publish
        out = {s: self._flow_fig(s) for s in FLOW_STAGES}
        out.update({
            "open_at_end": self._bp(cur, "total"), "open_over_90": self._bp(cur, k90),
            "awaiting_result_over_90": await90,
            "median_days": Published(h.median if enough else None,
                                   fmt.number(h.median if enough else None, self.lang, 1)),
            "p90_days": Published(h.p90 if enough else None,
                                fmt.number(h.p90 if enough else None, self.lang)),
            "group_petitions": self._hp("current", GROUP),
            "group_petitions_last_year": self._hp("last_year", GROUP),
            "repeat_petitions": Published(self.repeats_protected.value("repeat") if self.publish
                                        else float(self.repeat_summary.repeat_petitions),
                                        self.repeats_protected.text("repeat", self.lang,
                                                                    self.publish)),
            "cases_3plus": self._set_fig("cases_3plus"),
        })
        return out

    def limitations(self) -> list[str]:
        """"Hạn chế" sentences drawn from the petitions figures (published values only)."""
        s = self.summary()
        out = []
        a90 = s["awaiting_result_over_90"]
        if a90.value is None or a90.value > 0:
            out.append(text("petitions.limitation.followup", self.lang,
                            a90=self._words(a90.text)))
        o90 = s["open_over_90"]
        if o90.value is None or o90.value > 0:
            out.append(text("petitions.limitation.backlog", self.lang,
                            o90=self._words(o90.text)))
        for t in (*HOT_TOPICS, GROUP):
            cur, ly = self._hp("current", t), self._hp("last_year", t)
            if cur.value is None or ly.value is None or cur.value <= ly.value:
                continue
            name = (category_label("topic", t, self.lang).lower() if t in TOPICS
                    else text("petitions.group_petitions", self.lang))
            ch = fmt.change(cur.value - ly.value, self.lang, kind="number")
            out.append(text("petitions.limitation.topic_rise", self.lang, name=name, ch=ch)
                       if t != GROUP else
                       text("petitions.limitation.group_rise", self.lang, ch=ch))
        c3 = s["cases_3plus"]
        if c3.value is None or c3.value > 0:
            out.append(text("petitions.limitation.repeats", self.lang,
                            cases=self._words(c3.text), times=REPEAT_MIN))
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table as printed (strings, suppressed when publishing), e.g. for CSV files.

        Record lists (overdue, repeats) are empty when the report would not print them.
        """
        out = {"flow": self.flow_table(), "backlog": self.backlog_table(),
               "backlog_trend": self.backlog_trend_table(),
               "followup": self.followup_table() if not self.followup.empty
               else pd.DataFrame(),
               "overdue": self.overdue_table() if self._overdue_shown() else pd.DataFrame(),
               "hotspots": self.hotspots_table(), "crowd": self.crowd_table(),
               "repeats": self.repeats_table()}
        if self.national:
            out.update({"rising": self.rising_table(), "delegations": self.delegations_table()})
        return out

    def write_csv(self, folder: Path | str) -> list[Path]:
        """Write :meth:`tables` as UTF-8 CSV files (with BOM, for Excel); published values, and
        no cell a spreadsheet would run as a formula (:func:`reportkit.store.io.write_csv`)."""
        from reportkit.store.io import write_csv

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for name, df in self.tables().items():
            path = folder / f"petitions_{name}.csv"
            write_csv(df, path, index=False, encoding="utf-8-sig")
            out.append(path)
        return out

