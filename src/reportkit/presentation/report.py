"""Building blocks the report notebooks call: heading, key figures, sections, tables.

A notebook stays thin::

    rep = ProvinceReport(unit, period, lang=lang)
    rep.show_heading()
    rep.show_key_figures()
    for key in rep.SECTIONS: rep.show_section(key)

HTML comes from the templates of :mod:`reportkit.presentation.blocks` (Jinja2, autoescape), so
every string from data is shown as text; pandas ``Styler`` is not used for that reason. Texts
come from :mod:`reportkit.core.i18n`. Personal data of petitioners is never loaded.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from reportkit.analysis import disclosure as D
from reportkit.analysis import indicators as I
from reportkit.analysis.petitions import band_keys, band_labels
from reportkit.analysis.published import PublishedSet
from reportkit.core import fmt
from reportkit.core import units as U
from reportkit.core.i18n import text
from reportkit.core.periods import Period
from reportkit.core.schema import KINDS, TOPICS, agency_label, category_label
from reportkit.presentation import figures as F
from reportkit.presentation import narrative as N
from reportkit.presentation import official as O
from reportkit.presentation.blocks import (
    block,
    html_table,
    is_sample_data,
    page_css,
    section,
    short_label,
    show_html,
    trend_periods,
    wrap,
)
from reportkit.presentation.html import Markup, render
from reportkit.presentation.petitions import PetitionsReport, words
from reportkit.store.warehouse import load

# A widget or block shown on screen only (the one stylesheet hides it in print, and the print
# variant of a page leaves such a widget out: rendering.export.SCREEN_ONLY, the same class).
SCREEN_ONLY = "rk-screen-only"


def completeness_warning(period: Period, unit: U.Unit | None, lang: str,
                         root: Path | str | None = None) -> Markup:
    """A warning for the top of a report built on incomplete data, or "" when complete.

    Completeness is DHIS2's reporting rate: monthly activity reports received over those
    expected from the units in force (see :mod:`reportkit.analysis.quality`).
    """
    from reportkit.analysis.quality import submission_status

    st = submission_status(period, root=root)
    parts = []
    if unit is not None:
        mine = st[st["unit_key"] == unit.key]
        got, exp = int(mine["submitted"].sum()), len(mine)
        if exp and got < exp:
            parts.append(text("report.incomplete.unit", lang, name=unit.name, got=got,
                              exp=exp))
    by_unit = st.groupby("unit_key")["submitted"].all()
    missing = sorted({n for k, n in zip(st["unit_key"], st["unit_name"], strict=True)
                      if not by_unit[k]}, key=U.normalize_name)
    if missing:
        n_units = st["unit_key"].nunique()
        names = ", ".join(missing[:8]) + ("…" if len(missing) > 8 else "")
        parts.append(
            text("report.incomplete.units", lang, complete=n_units - len(missing),
                 n_units=n_units, names=names))
    if not parts:
        return Markup("")
    head = text("report.incomplete.head", lang)
    return render("warning.html.j2", text=head + "; ".join(parts) + ".")


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


class ProvinceReport(O.ClosingBlocks):
    """Everything the province report notebook shows, for one unit and period."""

    SECTIONS: Sequence[str] = ("advising", "information", "meetings", "petitions", "archives",
                               "staffing")
    KEY_FIGURES: Sequence[str] = ("docs_sent", "network_share", "petitions_received",
                                  "processing_rate", "programme_completion", "backlog_over_90")

    def __init__(self, unit: str | U.Unit, period: str | Period, *, lang: str = "vi",
                 rule: str | None = None, root: Path | str | None = None,
                 report_date: date | None = None, number: str = "",
                 marking: str | None = None, issued_on: str | date | None = None) -> None:
        self.period = period if isinstance(period, Period) else Period.parse(period)
        self.unit = unit if isinstance(unit, U.Unit) else U.resolve(unit, at=self.period.last)
        self.lang, self.rule, self.root = lang, rule, root
        # An issued copy (reportkit issue) carries its number and date of issue; a draft has
        # neither and is dated today.
        self.report_date = O.issued_date(issued_on) or report_date or date.today()
        self.number, self.marking = (number or "").strip(), marking
        self.issuer = O.issuer(self.unit, lang, self.period.last)
        self.office = self.unit.office_name(lang, at=self.period.last)
        self.results = {r.indicator.id: r for r in
                        I.summary(self.unit, self.period, rule=rule, root=root)}
        self.sample = is_sample_data(root)
        self.merged = self.unit.era == "post-2025" and len(U.members(self.unit)) > 1

    # -- heading -------------------------------------------------------------------------------
    def heading_html(self) -> Markup:
        lang = self.lang
        return wrap(O.heading(
            self.issuer, css=page_css(), lang=lang, report_date=self.report_date,
            number=self.number, marking=self.marking,
            title=text("report.province.title", lang),
            subtitle=text("report.province.subtitle", lang, period=self.period.label(lang)),
            sample=text("common.sample_banner", lang) if self.sample else None,
            warning=completeness_warning(self.period, self.unit, lang, self.root)))

    def show_heading(self) -> None:
        show_html(self.heading_html())
        F.show_figures(self.figures())

    def figures(self) -> list[dict[str, Any]]:
        """Every indicator as this report prints it (:mod:`reportkit.presentation.figures`):
        the batch stores them with the report; a count the published set hides is stored
        hidden."""
        out = []
        for key, r in self.results.items():
            pub = self.published_figure(key)
            printed, value = pub if pub is not None else (self.figure_text(key), r.value)
            out.append(F.figure(key, r.indicator.label("vi"), r.indicator.label("en"), printed,
                                value))
            if key == "petitions_received" and "handled" in self.published:
                # the petitions paragraph prints how many were processed
                out.append(F.figure_text_id("petitions_handled", "figures.province.handled",
                                            self.published.text("handled", self.lang),
                                            self.published.value("handled")))
        return out

    # -- key figures ---------------------------------------------------------------------------
    def key_figures(self) -> list[KeyFigure]:
        out = []
        for key in self.KEY_FIGURES:
            r = self.results[key]
            delta, tone = "", ""
            d = r.change_vs_last_year
            if self.change_hidden(key):
                d = None  # the change would give a hidden count away
            if d is not None:
                kind = "points" if r.indicator.unit == I.PERCENT else "number"
                delta = fmt.change(d, self.lang, kind=kind, decimals=1 if kind == "points" else 0)
                delta += text("report.province.card_change", self.lang)
                if r.indicator.direction and abs(d) > 1e-12:
                    tone = "good" if r.indicator.direction * d > 0 else "bad"
            out.append(KeyFigure(r.indicator.label(self.lang), self.figure_text(key),
                                 delta, tone))
        return out

    def key_figures_html(self) -> Markup:
        return wrap(render(
            "cards.html.j2", title=text("report.key_figures", self.lang), cards=self.key_figures(),
            paragraph=None, note=self.merger_note() if self.trend_crosses_merger() else None))

    def show_key_figures(self) -> None:
        show_html(self.key_figures_html())

    # -- the published set ---------------------------------------------------------------------
    @functools.cached_property
    def published(self) -> PublishedSet:
        """This period's published set of petitions counts, the very one the petitions report
        prints from (:mod:`reportkit.analysis.published`): a count hidden as "<3" or "*"
        there is hidden here, and no difference of printed figures gives it away."""
        return self.petitions_report.published

    def _cell(self, indicator_id: str, which: str) -> tuple[str, Any] | None:
        """The published-set cell behind an indicator's value, previous-period or last-year
        figure: ("count", key) for a count, ("rate", (numerator, denominator)) for a rate,
        ("handled", key) for the median days (not published on fewer than 3 handled)."""
        p = {"value": self.period, "previous": self.period.previous(),
             "last_year": self.period.same_period_last_year()}[which]
        code, cur = str(p), which == "value"

        def stage(s: str) -> Any:
            return s if cur else ("flow", code, s)

        keys: dict[str, tuple[str, Any]] = {
            "petitions_received": ("count", stage("received")),
            "group_delegations": ("count", ("delegations", code)),
            "backlog_over_90": ("count", (code, band_keys()[-1])),
            "backlog_over_60": ("count", ("over", code, 60)),
            "backlog_over_30": ("count", ("over", code, 30)),
            "processing_rate": ("rate", (stage("handled"), stage("received"))),
            "transfer_followup_rate": ("rate", (stage("result_updated"), stage("transferred"))),
            "median_days_to_handle": ("handled", stage("handled")),
        }
        return keys.get(indicator_id)

    def published_figure(self, indicator_id: str, which: str = "value"
                         ) -> tuple[str, float | None] | None:
        """How the published set prints an indicator's figure (``which``: "value",
        "previous" or "last_year"): its text and its value (None when hidden); None when the
        published set does not govern it (the figure prints as it is)."""
        cell = self._cell(indicator_id, which)
        ps = self.published
        if cell is None:
            return None
        kind, key = cell
        if kind == "count":
            return (ps.text(key, self.lang), ps.value(key)) if key in ps else None
        if kind == "rate":
            return (fmt.MISSING, None) if any(ps.hidden(k) for k in key) else None
        # A median of one or two handling times is one of them.
        return (fmt.MISSING, None) if ps.exact(key) < ps.cells.threshold else None

    def figure_text(self, indicator_id: str, which: str = "value") -> str:
        """An indicator's figure as printed: suppressed where the published set says so."""
        pub = self.published_figure(indicator_id, which)
        if pub is not None:
            return pub[0]
        r = self.results[indicator_id]
        return value_text(r, self.lang, None if which == "value" else getattr(r, which))

    def change_hidden(self, indicator_id: str) -> bool:
        """Whether the change on last year is not printed (it would give a hidden count
        away: this period's or last year's)."""
        return any(pub is not None and pub[1] is None
                   for pub in (self.published_figure(indicator_id, w)
                               for w in ("value", "last_year")))

    def petitions_words(self) -> dict[str, str]:
        """The figures of the petitions paragraph as published, in words ("dưới 3")."""
        ps, lang = self.published, self.lang

        def w(indicator_id: str) -> str:
            return words(self.figure_text(indicator_id), lang)

        out = {"groups": w("group_delegations"), "received": w("petitions_received"),
               "processed": words(ps.text("handled", lang), lang),
               "transferred": words(ps.text("transferred", lang), lang),
               "updated": words(ps.text("result_updated", lang), lang),
               "backlog": w("backlog_over_90")}
        if self.change_hidden("petitions_received"):
            out["vs"] = ""
        if self.published_figure("processing_rate") is not None:
            out["share"] = ""
        if self.published_figure("transfer_followup_rate") is not None:
            out["fu_share"] = ""
        return out

    # -- sections ------------------------------------------------------------------------------
    def section_html(self, key: str, number: int) -> Markup:
        if key == "petitions":
            body = N.petitions(self.results, self.period, self.office, self.lang,
                               published=self.petitions_words())
        else:
            body = N.SECTION_WRITERS[key](self.results, self.period, self.office, self.lang)
        return block(f"{number}. {N.title(key, self.lang)}", paragraphs=[body])

    def merger_note(self) -> str:
        if not self.merged:
            return ""
        names = ", ".join(m.name for m in U.members(self.unit))
        return text("report.merger_note", self.lang, unit=self.unit.name, names=names)

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

    def composition_published(self) -> tuple[pd.DataFrame, list[str], bool]:
        """:meth:`composition` as published: values NaN where hidden, each topic's total as
        printed (the topic counts of the petitions report), and whether anything is hidden.
        Topics and kinds with no petition are left out."""
        ps = self.published
        topics = [t for t in TOPICS if ps.exact(("topic", "current", t))]
        kinds = [k for k in KINDS if any(ps.exact(("kind", t, k)) for t in topics)]
        tab = pd.DataFrame([[ps.value(("kind", t, k)) for k in kinds] for t in topics],
                           index=[category_label("topic", t, self.lang) for t in topics],
                           columns=[category_label("kind", k, self.lang) for k in kinds],
                           dtype="float64")
        totals = [ps.text(("topic", "current", t), self.lang) for t in topics]
        cells = [("kind", t, k) for t in topics for k in kinds] + [
            ("topic", "current", t) for t in topics]
        return tab, totals, any(ps.hidden(c) for c in cells)

    def agencies_table(self) -> pd.DataFrame:
        """Petitions transferred in the period by receiving agency, with result updates."""
        pet = self.petitions()
        end = pd.Timestamp(self.period.end_date(self.rule))
        tr = pet[pet["status"].eq("transferred") & pet["handled_on"].le(end)]
        if tr.empty:
            return pd.DataFrame()
        upd = tr["result_updated_on"].notna() & tr["result_updated_on"].le(end)
        g = pd.DataFrame({"n": 1, "u": upd.astype(int)}).groupby(tr["transferred_to"]).sum()
        g = g.sort_values("n", ascending=False)
        return pd.DataFrame({
            (text("report.receiving_agency", self.lang)):
                [agency_label(a, self.lang) for a in g.index.astype(str)],
            (text("report.transferred", self.lang)):
                [fmt.count_label(n, self.lang, 3) for n in g["n"]],
            (text("report.result_recorded", self.lang)):
                [fmt.count_label(u, self.lang, 3) for u in g["u"]],
            (text("common.share", self.lang)):
                [fmt.percent(u / n, self.lang) if n >= 3 else "–"
                 for n, u in zip(g["n"], g["u"], strict=True)],
        })

    def backlog_bands(self) -> pd.Series:
        r = self.results
        b30, b60, b90 = (r[f"backlog_over_{n}"].value or 0 for n in I.BACKLOG_BANDS)
        labels = band_labels(lang=self.lang)[1:]
        return pd.Series([b30 - b60, b60 - b90, b90], index=labels, dtype="float64")

    # -- limitations and appendix --------------------------------------------------------------
    @functools.cached_property
    def petitions_report(self) -> PetitionsReport:
        """The petitions analysis (flow, backlog, follow-up) for this unit and period."""
        return PetitionsReport(self.unit, self.period, lang=self.lang, publish=True,
                               rule=self.rule, root=self.root)

    def limitations_html(self, number: int) -> Markup:
        # The petitions analysis words the follow-up gap itself (published counts only).
        governed = [i for i in self.results if self._cell(i, "value") is not None]
        items = N.limitations(
            self.results, self.lang, followup=False,
            published={i: words(self.figure_text(i), self.lang) for i in governed},
            no_change=[i for i in governed if self.change_hidden(i)])
        items += self.petitions_report.limitations()
        if not items:
            items = [text("report.limitations.none", self.lang)]
        return block(f"{number}. {N.title('limitations', self.lang)}", items=items,
                     list_class="rk-lim")

    def appendix_table(self) -> pd.DataFrame:
        rows = []
        for r in self.results.values():
            rows.append({
                (text("report.indicator", self.lang)): r.indicator.label(self.lang),
                (text("common.this_period", self.lang)): self.figure_text(r.indicator.id),
                (text("report.previous", self.lang)): self.figure_text(r.indicator.id,
                                                                       "previous"),
                (text("report.last_year", self.lang)): self.figure_text(r.indicator.id,
                                                                        "last_year"),
                (text("report.national", self.lang)): value_text(r, self.lang, r.national),
                (text("report.rank_long", self.lang)): f"{r.rank}/{r.n_units}" if r.rank else "–",
            })
        return pd.DataFrame(rows)

    def appendix_html(self) -> Markup:
        df = self.appendix_table()
        caption = text("report.appendix.note", self.lang)
        printed = df.iloc[:, 1:4].to_numpy().ravel().tolist()
        marks = {m for m in printed if m.startswith("<") or m in (D.COMPLEMENT_MARK,
                                                                 D.WITHHELD_MARK)}
        if marks:
            caption += " " + D.note(self.lang, self.published.cells.threshold,
                                    D.COMPLEMENT_MARK in marks, D.WITHHELD_MARK in marks)
        return block(text("report.appendix.title", self.lang), body=html_table(
            df, numeric=list(df.columns[1:]), caption=caption))

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
        note = self.merger_note() if self.trend_crosses_merger() else None
        return charts.trend(
            cur, ly, title=f"{ind.label(self.lang)} — {self.unit.name}",
            percent=ind.unit == I.PERCENT, target=ind.target, footnote=note, lang=self.lang,
            sample=self.sample)

    def _ranking_chart(self, indicator_id: str) -> Any:
        from reportkit.presentation import charts

        ind = I.get(indicator_id)
        return charts.ranking(
            self.ranking_values(indicator_id), highlight=self.unit.name,
            title=f"{ind.label(self.lang)}: {text('report.all_units', self.lang)}, "
                  f"{self.period.label(self.lang)}",
            percent=ind.unit == I.PERCENT, national=self.results[indicator_id].national,
            target=ind.target, lang=self.lang, sample=self.sample, columns=2)

    def meetings_table(self) -> pd.DataFrame:
        agg = I.unit_aggregates(self.unit, self.period, rule=self.rule, root=self.root)
        ly = I.unit_aggregates(self.unit, self.period.same_period_last_year(), rule=self.rule,
                               root=self.root)
        from reportkit.core.schema import ACTIVITY

        rows = []
        for col in ("meetings_executive", "meetings_standing_committee",
                    "meetings_standing_board", "meetings_cadre_conferences", "meetings_total"):
            label = (ACTIVITY.field(col).label(self.lang) if col != "meetings_total"
                     else (text("common.total", self.lang)))
            v = None if agg is None else agg[col].iloc[0]
            w = None if ly is None else ly[col].iloc[0]
            rows.append({(text("report.meeting", self.lang)): label,
                         (self.period.label(self.lang)): fmt.number(v, self.lang),
                         (text("common.same_period_last_year", self.lang)):
                             fmt.number(w, self.lang)})
        return pd.DataFrame(rows)

    def staffing_table(self) -> pd.DataFrame:
        r = self.results
        rows = [
            ((text("report.staffing.quota", self.lang)), r["staffing_rate"].denominator),
            ((text("report.staffing.in_post", self.lang)), r["staffing_rate"].numerator),
            ((text("report.staffing.university", self.lang)),
             r["staff_university_share"].numerator),
        ]
        return pd.DataFrame({(text("report.item", self.lang)): [a for a, _ in rows],
                             (text("report.people", self.lang)):
                                 [fmt.number(b, self.lang) for _, b in rows]})

    def show_section(self, key: str, number: int) -> None:
        """Title, narrative, then the section's charts and tables."""
        from reportkit.presentation import charts

        show_html(self.section_html(key, number))
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
            comp, totals, hidden = self.composition_published()
            if not comp.empty:
                ps = self.published.cells
                note = (D.note(self.lang, ps.threshold, True, ps.any_withheld)
                        + text("petitions.method.hidden_not_drawn", self.lang)) if hidden else None
                charts.show(charts.composition(
                    comp, title=(text("report.province.composition_title", self.lang)),
                    lang=self.lang, small_threshold=None, sample=self.sample, totals=totals,
                    footnote=note))
            pr.show_backlog(None)
            pr.show_followup(None)
            charts.show(self._chart("ranking", "processing_rate"))
        elif key == "staffing":
            df = self.staffing_table()
            show_html(wrap(html_table(df, numeric=list(df.columns[1:]))))

    # The explorers' views: the charts the sections draw, over time (programme completion,
    # network share) and among all units (network share, processing rate), side by side in
    # one place on screen. Every view is drawn before the page exists (an exported page has no
    # kernel), so a view of its own would cost every report of a batch a drawing (about
    # 0.1 CPU-s for a 34-unit ranking); these reuse the sections' charts. The other indicators
    # are in the appendix table (all units: the dashboard notebook).
    EXPLORE_TRENDS: Sequence[str] = ("programme_completion", "network_share")
    EXPLORE_RANKINGS: Sequence[str] = ("network_share", "processing_rate")

    def explorers(self) -> list[Any]:
        """Two explorers that work without a kernel: this unit's trend of an indicator of the
        reader's choice, and its place among all units for an indicator."""
        from reportkit.presentation import charts
        from reportkit.presentation.widgets import explorer

        label = text("report.indicator", self.lang)
        trend_views = {I.get(i).label(self.lang): (lambda i=i: charts.show(
            self._chart("trend", i))) for i in self.EXPLORE_TRENDS}
        rank_views = {I.get(i).label(self.lang): (lambda i=i: charts.show(
            self._chart("ranking", i))) for i in self.EXPLORE_RANKINGS}
        return [explorer(trend_views, label), explorer(rank_views, label)]

    def show_explorers(self, number: int) -> None:
        from IPython.display import display

        trend, rank = self.explorers()
        title = text("report.explorers.title", self.lang)
        over_time = (text("report.explorers.over_time", self.lang))
        compared = text("report.explorers.compared", self.lang)
        # On paper the explorers would repeat the sections' charts: the printed copy says where
        # the interactive part is instead (classes of the one stylesheet, reportkit.css).
        show_html(wrap(section(f"{number}. {title}")
                       + render("print_note.html.j2",
                                text=text("report.explorers.print_note", self.lang))))
        show_html(wrap(render("screen_only.html.j2", inner=section(paragraphs=[over_time]))))
        trend.add_class(SCREEN_ONLY)
        display(trend)
        show_html(wrap(render("screen_only.html.j2", inner=section(paragraphs=[compared]))))
        rank.add_class(SCREEN_ONLY)
        display(rank)

    def show_limitations(self, number: int) -> None:
        show_html(self.limitations_html(number))

    def show_appendix(self) -> None:
        show_html(self.appendix_html())


class NationalReport(O.ClosingBlocks):
    """The national summary for the Central Party Office: all units for one period."""

    KEY = ("network_share", "nonsecret_electronic_share", "reporting_timeliness",
           "processing_rate", "transfer_followup_rate", "programme_completion")

    def __init__(self, period: str | Period, *, lang: str = "vi", rule: str | None = None,
                 root: Path | str | None = None, report_date: date | None = None,
                 number: str = "", marking: str | None = None,
                 issued_on: str | date | None = None) -> None:
        self.period = period if isinstance(period, Period) else Period.parse(period)
        self.lang, self.rule, self.root = lang, rule, root
        self.report_date = O.issued_date(issued_on) or report_date or date.today()
        self.number, self.marking = (number or "").strip(), marking
        self.issuer = O.issuer(None, lang, self.period.last)
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

    def best_processing(self) -> tuple[str, float] | None:
        """The unit with the highest petition processing rate, and the rate."""
        rates = self.values["processing_rate"].dropna()
        if rates.empty:
            return None
        return self.names[rates.idxmax()], float(rates.max())

    def full_processing_phrase(self) -> str:
        """"có 3 địa phương …" or, when none, "chưa có địa phương nào …; cao nhất là …"."""
        full = self.units_at_full_processing()
        best = self.best_processing()
        if full or best is None:
            return text("report.national.full_some", self.lang,
                        n=fmt.number(len(full), self.lang))
        return text("report.national.full_none", self.lang, best=best[0],
                    rate=fmt.percent(best[1], self.lang))

    def heading_html(self) -> Markup:
        lang = self.lang
        return wrap(O.heading(
            self.issuer, css=page_css(), lang=lang, report_date=self.report_date,
            number=self.number, marking=self.marking,
            title=text("report.national.title", lang),
            subtitle=text("report.national.subtitle", lang, period=self.period.label(lang)),
            sample=text("common.sample_banner", lang) if self.sample else None,
            warning=completeness_warning(self.period, None, lang, self.root)))

    def overview_text(self) -> str:
        n = self.national
        units = fmt.number(self.reporting_units, self.lang)
        net = self.agg["docs_sent_network"].sum()
        label = self.period.label(self.lang)
        return text("report.national.overview", self.lang, label=label,
                    Label=label[0].upper() + label[1:], units=units,
                    docs=fmt.number(n["docs_sent"], self.lang), net=fmt.number(net, self.lang),
                    net_share=fmt.percent(n["network_share"], self.lang),
                    petitions=fmt.number(n["petitions_received"], self.lang),
                    rate=fmt.percent(n["processing_rate"], self.lang),
                    full=self.full_processing_phrase())

    def key_figures_html(self) -> Markup:
        n, lang = self.national, self.lang
        cards = [
            (fmt.number(n["docs_sent"], lang),
             text("report.national.card.docs", self.lang)),
            (fmt.number(self.agg["docs_sent_network"].sum(), lang),
             text("report.national.card.network", self.lang)),
            (fmt.number(n["petitions_received"], lang),
             text("report.national.card.petitions", self.lang)),
            (fmt.percent(n["processing_rate"], lang),
             text("report.national.card.processing", self.lang)),
            self._full_processing_card(),
            (fmt.number(self.reporting_units, lang),
             text("report.national.card.reporting", self.lang)),
        ]
        return wrap(render(
            "cards.html.j2", title=text("report.key_figures", lang),
            cards=[{"value": v, "label": label, "delta": None} for v, label in cards],
            paragraph=self.overview_text(), note=None))

    def _full_processing_card(self) -> tuple[str, str]:
        """How many units processed 100%; when none did, a "0" says nothing: the best rate."""
        full, best = self.units_at_full_processing(), self.best_processing()
        if full or best is None:
            return (fmt.number(len(full), self.lang),
                    text("report.national.card.full_processing", self.lang))
        return (fmt.percent(best[1], self.lang),
                text("report.national.card.best_processing", self.lang, unit=best[0]))

    def ranking_table(self, indicator_id: str, *, top: int | None = None) -> pd.DataFrame:
        ind = I.get(indicator_id)
        vals = self.values[indicator_id].dropna()
        rk = I.ranks(ind, vals).sort_values()
        rows = [{(text("report.rank", self.lang)): int(r), (text("common.unit",
                                                                 self.lang)): self.names[c],
                 ind.label(self.lang): fmt.percent(vals[c], self.lang)
                 if ind.unit == I.PERCENT else fmt.number(vals[c], self.lang)}
                for c, r in rk.items()]
        df = pd.DataFrame(rows)
        return df.head(top) if top else df

    def movers(self, indicator_id: str, n: int = 5) -> pd.DataFrame | None:
        """Largest changes since the previous period (percentage points); units whose figure
        did not change (to the 0.1 point shown) are left out, so the frame may be empty."""
        if self.prev_values is None:
            return None
        cur = self.values[indicator_id]
        prev = self.prev_values[indicator_id].reindex(cur.index)
        d = (cur - prev).dropna()
        if d.empty:
            return None
        d = d[d.abs() >= 0.0005]
        pick = pd.concat([d.nlargest(n), d.nsmallest(n)])
        pick = pick[~pick.index.duplicated()]
        return pd.DataFrame({
            (text("common.unit", self.lang)): [self.names[c] for c in pick.index],
            (text("report.previous", self.lang)):
                [fmt.percent(prev[c], self.lang) for c in pick.index],
            (text("common.this_period", self.lang)):
                [fmt.percent(cur[c], self.lang) for c in pick.index],
            (text("report.change", self.lang)): [fmt.change(v, self.lang, kind="points")
                                               for v in pick.to_numpy()],
        })

    def show_heading(self) -> None:
        show_html(self.heading_html())
        F.show_figures(self.figures())
        show_html(self.key_figures_html())

    def figures(self) -> list[dict[str, Any]]:
        """The national figures this report prints (key figures, the indicators of its
        sections), for the batch (:mod:`reportkit.presentation.figures`)."""
        lang, n = self.lang, self.national
        net = float(self.agg["docs_sent_network"].sum())
        full = self.units_at_full_processing()
        printed = dict.fromkeys(("docs_sent", "petitions_received", *self.KEY))
        out = [F.figure(i, I.get(i).label("vi"), I.get(i).label("en"),
                        value_text_plain(I.get(i), n[i], lang), n[i]) for i in printed]
        out[1:1] = [F.figure_text_id("docs_sent_network", "figures.national.network_docs",
                                     fmt.number(net, lang), net)]
        out += [F.figure_text_id("units_full_processing",
                                 "report.national.card.full_processing",
                                 fmt.number(len(full), lang), len(full)),
                F.figure_text_id("units_reporting", "report.national.card.reporting",
                                 fmt.number(self.reporting_units, lang), self.reporting_units)]
        return out

    def show_indicator(self, indicator_id: str, number: int) -> None:
        """The national figure, an explorer (ranking, distribution, trend) and the movers."""
        ind = I.get(indicator_id)
        nat = self.national[indicator_id]
        line = text("report.national.figure_mean" if ind.aggregation == I.MEAN_OF_RATES
                    else "report.national.figure_total", self.lang,
                    value=value_text_plain(ind, nat, self.lang))
        vals = self.values[indicator_id].rename(index=self.names).dropna()
        mv = self.movers(indicator_id)
        paragraphs = [line]
        if not vals.empty and vals.max() - vals.min() < 1e-12:
            # Every unit at the same figure: a chart and a table of "unchanged" say nothing.
            unchanged = mv is not None and mv.empty
            paragraphs.append(text(
                "report.national.all_equal_unchanged" if unchanged
                else "report.national.all_equal", self.lang,
                n=fmt.number(len(vals), self.lang), value=value_text_plain(ind, vals.iloc[0],
                                                                            self.lang)))
            show_html(block(f"{number}. {ind.label(self.lang)}", paragraphs=paragraphs))
            return
        if mv is not None and mv.empty:
            paragraphs.append(text("report.national.none_changed", self.lang))
        show_html(block(f"{number}. {ind.label(self.lang)}", paragraphs=paragraphs))
        if not vals.empty:
            from IPython.display import display

            display(self.explorer(indicator_id))
        if mv is not None and not mv.empty:
            cap = (text("report.national.movers_caption", self.lang))
            show_html(wrap(html_table(mv, numeric=list(mv.columns[1:]), caption=cap)))

    def explorer(self, indicator_id: str) -> Any:
        """Three pre-rendered views of one indicator: all units ranked, the distribution
        across units, and the national figure over time."""
        from reportkit.presentation import charts
        from reportkit.presentation.widgets import explorer

        ind = I.get(indicator_id)
        pct = ind.unit == I.PERCENT
        vals = self.values[indicator_id].rename(index=self.names).dropna()
        nat = self.national[indicator_id]
        label = f"{ind.label(self.lang)}, {self.period.label(self.lang)}"
        periods = trend_periods(self.period)
        national = I.series(indicator_id, None, periods, rule=self.rule, root=self.root)
        national.index = [short_label(p, self.lang) for p in periods]
        views = {
            (text("report.units_ranked", self.lang)): lambda: charts.show(
                charts.ranking(vals, highlight=None, title=label, percent=pct, national=nat,
                               target=ind.target, lang=self.lang, sample=self.sample,
                               columns=2)),
            (text("report.distribution", self.lang)): lambda: charts.show(
                charts.distribution(vals, title=label, percent=pct, lang=self.lang,
                                    sample=self.sample)),
            (text("report.national_over_time", self.lang)): lambda: charts.show(
                charts.trend(national, title=f"{ind.label(self.lang)}: "
                             + (text("report.national_word", self.lang)), percent=pct,
                             target=ind.target, lang=self.lang, sample=self.sample)),
        }
        return explorer(views, text("report.view", self.lang))

    def show_full_processing(self, number: int) -> None:
        names = self.units_at_full_processing()
        title = (text("report.national.full_processing_title", self.lang))
        best = self.best_processing()
        if names or best is None:
            para = text("report.national.full_list", self.lang,
                        n=fmt.number(len(names), self.lang),
                        names=", ".join(names) or text("report.none", self.lang).rstrip("."))
        else:
            para = text("report.national.full_none_sentence", self.lang, best=best[0],
                        rate=fmt.percent(best[1], self.lang))
        show_html(block(f"{number}. {title}", paragraphs=[para]))

    def appendix_table(self) -> pd.DataFrame:
        rows = []
        for u in self.units:
            a = self.agg.loc[u.code] if u.code in self.agg.index else None
            v = self.values.loc[u.code] if u.code in self.values.index else None
            rows.append({
                (text("report.code", self.lang)): u.code, (text("common.unit", self.lang)): u.name,
                (text("report.docs_sent", self.lang)):
                    fmt.number(None if a is None else a["docs_sent"], self.lang),
                (text("report.over_network", self.lang)):
                    fmt.percent(None if v is None else v["network_share"], self.lang),
                # A unit's received petitions print as its own reports print them ("<3"
                # when small: the count is never a complement there), and a rate of one or
                # two petitions would give the handled count away.
                (text("report.petitions", self.lang)):
                    fmt.count_label(None if a is None else a["received"], self.lang,
                                    D.THRESHOLD),
                (text("report.processed", self.lang)):
                    fmt.percent(None if v is None or a is None
                                or D.sensitive(a["received"], D.THRESHOLD)
                                else v["processing_rate"], self.lang),
                (text("report.on_time", self.lang)):
                    fmt.percent(None if v is None else v["reporting_timeliness"], self.lang),
            })
        n = self.national
        rows.append({
            (text("report.code", self.lang)): "", (text("common.unit", self.lang)):
                text("report.national", self.lang),
            (text("report.docs_sent", self.lang)): fmt.number(n["docs_sent"], self.lang),
            (text("report.over_network", self.lang)): fmt.percent(n["network_share"], self.lang),
            (text("report.petitions", self.lang)): fmt.number(n["petitions_received"], self.lang),
            (text("report.processed", self.lang)): fmt.percent(n["processing_rate"], self.lang),
            (text("report.on_time", self.lang)): fmt.percent(n["reporting_timeliness"], self.lang),
        })
        return pd.DataFrame(rows)

    def show_appendix(self) -> None:
        df = self.appendix_table()
        title = text("report.appendix_all_units", self.lang)
        show_html(block(title, body=html_table(df, numeric=list(df.columns[2:]), total=True)))


def value_text_plain(ind: I.Indicator, v: float | None, lang: str) -> str:
    if ind.unit == I.PERCENT:
        return fmt.percent(v, lang)
    return fmt.number(v, lang, decimals=1 if ind.unit == I.DAYS else 0)


class DataQualityReport(O.ClosingBlocks):
    """Who submitted for a period, on time or late; what was rejected and why; which figures
    look suspicious against the unit's own history (see :mod:`reportkit.analysis.quality`)."""

    def __init__(self, period: str | Period, *, lang: str = "vi", days: int = 15,
                 root: Path | str | None = None, report_date: date | None = None,
                 number: str = "", marking: str | None = None,
                 issued_on: str | date | None = None) -> None:
        from reportkit.analysis import quality as Q

        self.period = period if isinstance(period, Period) else Period.parse(period)
        self.lang, self.days, self.root = lang, days, root
        self.report_date = O.issued_date(issued_on) or report_date or date.today()
        self.number, self.marking = (number or "").strip(), marking
        self.issuer = O.issuer(None, lang, self.period.last)
        self.by_unit = Q.reporting_rates(self.period, root=root, days=days, by="unit")
        self.overall = Q.reporting_rates(self.period, root=root, days=days, by="all").iloc[0]
        self.rejected = Q.rejections(self.period, root=root)
        self.reasons = Q.rejection_reasons(self.period, root=root)
        self.outliers = Q.outliers(self.period, root=root)
        self.sample = is_sample_data(root)

    def show_heading(self) -> None:
        lang, o = self.lang, self.overall
        sub = text("report.quality.subtitle", self.lang, period=self.period.label(self.lang))
        body = text("report.quality.overview", lang,
                    expected=fmt.number(o["expected"], lang), actual=fmt.number(o["actual"], lang),
                    reporting_rate=fmt.percent(o["reporting_rate"], lang),
                    on_time=fmt.number(o["on_time"], lang), days=self.days,
                    timeliness=fmt.percent(o["timeliness"], lang))
        show_html(wrap(O.heading(
            self.issuer, css=page_css(), lang=lang, report_date=self.report_date,
            number=self.number, marking=self.marking, title=text("report.report", lang),
            subtitle=sub, sample=text("common.sample_stamp", lang) if self.sample else None)
            + section(paragraphs=[body])))
        F.show_figures(self.figures())

    def figures(self) -> list[dict[str, Any]]:
        """The overview's figures and the number of files rejected (the table lists them
        all), for the batch (:mod:`reportkit.presentation.figures`)."""
        lang, o = self.lang, self.overall

        def num(v: Any) -> float | None:
            return None if v is None or pd.isna(v) else float(v)

        return [
            F.figure_text_id("expected", "figures.quality.expected",
                             fmt.number(o["expected"], lang), num(o["expected"])),
            F.figure_text_id("actual", "figures.quality.actual",
                             fmt.number(o["actual"], lang), num(o["actual"])),
            F.figure_text_id("reporting_rate", "report.reporting_rate",
                             fmt.percent(o["reporting_rate"], lang), num(o["reporting_rate"])),
            F.figure_text_id("on_time", "figures.quality.on_time",
                             fmt.number(o["on_time"], lang), num(o["on_time"])),
            F.figure_text_id("timeliness", "report.timeliness",
                             fmt.percent(o["timeliness"], lang), num(o["timeliness"])),
            F.figure_text_id("rejected_files", "figures.quality.rejected",
                             fmt.number(len(self.rejected), lang), len(self.rejected)),
        ]

    def units_table(self) -> pd.DataFrame:
        df = self.by_unit.sort_values(["timeliness", "reporting_rate", "unit_code"])
        lang = self.lang
        return pd.DataFrame({
            text("common.unit", self.lang): df["unit_name"].astype(str),
            text("report.expected", self.lang): [fmt.number(v, lang) for v in df["expected"]],
            text("report.received", self.lang): [fmt.number(v, lang) for v in df["actual"]],
            text("report.on_time", self.lang): [fmt.number(v, lang) for v in df["on_time"]],
            text("report.reporting_rate", self.lang):
                [fmt.percent(v, lang) for v in df["reporting_rate"]],
            text("report.timeliness", self.lang):
                [fmt.percent(v, lang) for v in df["timeliness"]],
        })

    def show_submissions(self, number: int) -> None:
        from reportkit.presentation import charts

        title = text("report.quality.submissions_title", self.lang)
        show_html(block(f"{number}. {title}"))
        vals = self.by_unit.set_index("unit_name")["timeliness"].dropna()
        if not vals.empty:
            charts.show(charts.ranking(
                vals, highlight=None, percent=True, lang=self.lang, sample=self.sample,
                national=float(self.overall["timeliness"]), columns=2,
                title=text("report.quality.chart_title", self.lang,
                           period=self.period.label(self.lang))))
        df = self.units_table()
        cap = text("report.quality.units_caption", self.lang)
        show_html(wrap(html_table(df, numeric=list(df.columns[1:]), caption=cap)))

    def show_rejections(self, number: int) -> None:
        title = text("report.quality.rejections_title", self.lang)
        if self.rejected.empty:
            body = section(paragraphs=[text("report.quality.no_rejections", self.lang)])
        else:
            df = pd.DataFrame({
                text("report.file", self.lang): [Path(str(f)).name for f in self.rejected["file"]],
                text("report.units", self.lang): self.rejected["units"],
                text("report.problems", self.lang):
                    [fmt.number(v, self.lang) for v in self.rejected["problems"]],
                text("report.reasons", self.lang): self.rejected["reasons"],
                text("report.resubmitted", self.lang):
                    [text("report.yes", self.lang) if v else text("report.no", self.lang)
                     for v in self.rejected["loaded_later"]],
            })
            body = html_table(df, numeric=[df.columns[2]])
        show_html(block(f"{number}. {title}", body=body))

    def show_outliers(self, number: int) -> None:
        title = text("report.quality.outliers_title", self.lang)
        intro = text("report.quality.outliers_intro", self.lang)
        out = self.outliers.head(30)
        if out.empty:
            body = section(paragraphs=[text("report.quality.no_outliers", self.lang)])
        else:
            df = pd.DataFrame({
                text("common.unit", self.lang): out["unit_name"].astype(str),
                text("report.month", self.lang): [f"{m.month}/{m.year}" for m in out["month"]],
                text("report.value", self.lang): [fmt.number(v, self.lang) for v in out["value"]],
                text("report.24_month_median", self.lang):
                    [fmt.number(v, self.lang, 1) for v in out["median"]],
                "z": [fmt.number(v, self.lang, 1) for v in out["z"]],
            })
            body = html_table(df, numeric=list(df.columns[2:]))
        show_html(block(f"{number}. {title}", paragraphs=[intro], body=body))
