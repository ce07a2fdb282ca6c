"""The analysts' live dashboard: choose a unit, a period and an indicator; Python redraws.

The explorers of :mod:`reportkit.presentation.widgets` pre-render every view and switch between
them in the browser, so exported reports work without a kernel. This dashboard is the other
kind: its dropdowns call Python (``observe`` callbacks) that compute and redraw a trend
chart, a ranking chart and a small table for whatever is chosen. It needs a running kernel and is
meant for JupyterLab (``notebooks/explore.ipynb``, ``make lab``), not for export::

    from reportkit.presentation.dashboard import Dashboard
    Dashboard("Lào Cai", "2025-Q3", "processing_rate", lang="vi")

Units are those in force at the end of the chosen period (63 before 1 July 2025, 34 from it);
changing the period carries the chosen unit across the merger (to its successor, or to the
unit of the same name).

Small numbers: with ``publish=True`` (the default) counts of petitions and citizen visits
under 3 are printed "<3", and a figure that would let a reader work one out (a rate over fewer
than 3 petitions, or one whose remainder is under 3) is left out of the table and the charts.
``publish=False`` shows exact figures to the analyst, under a red banner; it is refused
whenever ``REPORTKIT_PUBLISHING`` is set (see :mod:`reportkit.analysis.disclosure`).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets
import pandas as pd
from matplotlib.figure import Figure

from reportkit.analysis import disclosure as D
from reportkit.analysis import indicators as I
from reportkit.core import fmt
from reportkit.core import units as U
from reportkit.core.i18n import T, text
from reportkit.core.periods import Period
from reportkit.core.schema import ACTIVITY
from reportkit.presentation import charts
from reportkit.presentation.blocks import (
    base_css,
    html_table,
    is_sample_data,
    short_label,
    trend_periods,
    wrap,
)
from reportkit.presentation.html import Markup, render
from reportkit.store.warehouse import Warehouse

__all__ = [
    "Dashboard", "DashboardView", "PERSONAL_AREAS", "carry_unit", "hidden",
    "indicator_options", "period_choices", "period_options", "unit_options", "value_of",
]

log = logging.getLogger("reportkit.presentation.dashboard")

# Indicators counting people (petitioners, citizens received): their small counts are hidden.
PERSONAL_AREAS = frozenset({"petitions", "reception"})
DASHBOARD_CLASS = "reportkit-dashboard"
CONTROL_CLASSES = {"unit": "reportkit-dashboard-unit", "period": "reportkit-dashboard-period",
                   "indicator": "reportkit-dashboard-indicator",
                   "lang": "reportkit-dashboard-lang"}
LANG_OPTIONS = (("Tiếng Việt", "vi"), ("English", "en"))

def _w(key: str, lang: str) -> str:
    """A word of the dashboard's controls and tables (:mod:`reportkit.core.i18n`)."""
    return text(f"dashboard.{key}", lang)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# -- choices -------------------------------------------------------------------------------------
def _data_months(root: Path | str | None) -> tuple[date, date]:
    """The first and last month with office-activity data."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    wh = Warehouse(root)
    last = wh.latest_month()  # raises WarehouseError on an empty warehouse
    files = [str(wh.root / p["file"]) for p in wh.partitions("activity").values()]
    col = ds.dataset(files, format="parquet").to_table(columns=["month"]).column("month")
    return pc.min(col).as_py().date().replace(day=1), last


def period_choices(root: Path | str | None = None, *, kinds: Sequence[str] = ("quarter", "year")
                   ) -> list[Period]:
    """The periods of ``kinds`` the data covers completely, each kind newest first."""
    first, last = _data_months(root)
    out: list[Period] = []
    for kind in kinds:
        if kind == "quarter":
            p = Period.quarter(last.year, (last.month - 1) // 3 + 1)
        elif kind == "half":
            p = Period.half(last.year, 1 if last.month <= 6 else 2)
        elif kind == "year":
            p = Period.year(last.year)
        elif kind == "month":
            p = Period.month(last.year, last.month)
        else:
            raise ValueError(f"No period kind {kind!r} for the dashboard; available: month, "
                             "quarter, half, year")
        if p.last > last:
            p = p.previous()
        while p.first >= first:
            out.append(p)
            p = p.previous()
    return out


def period_options(periods: Sequence[Period], lang: str = "vi") -> list[tuple[str, str]]:
    """Dropdown options (label, period code) such as ("Quý III/2025", "2025-Q3")."""
    return [(_cap(p.label(lang)), str(p)) for p in periods]


def unit_options(period: Period) -> list[tuple[str, str]]:
    """Dropdown options (name, code) of the units in force at the period's end, by name."""
    return [(u.name, u.code)
            for u in sorted(U.units_at(period.last), key=lambda u: U.normalize_name(u.name))]


def indicator_options(lang: str = "vi") -> list[tuple[str, str]]:
    """Dropdown options (label, id) of every indicator in the catalogue."""
    return [(ind.label(lang), ind.id) for ind in I.INDICATORS.values()]


def carry_unit(unit: U.Unit, period: Period) -> U.Unit:
    """The unit to show for ``period`` when ``unit`` was chosen for another period.

    The same unit when it is in force at the period's end; across the merger of 1 July 2025
    its successor (going forward) or the unit of the same name (going back), else the first
    of the units it was formed from.
    """
    at = period.last
    if unit.in_force(at):
        return unit
    if at >= U.MERGER_DATE:
        return U.successor(unit)
    key = U.normalize_name(unit.name)
    for u in U.units_at(at):
        if U.normalize_name(u.name) == key:
            return u
    return U.members(unit)[0]


# -- figures -------------------------------------------------------------------------------------
def _get(row: pd.Series | None, col: str | None) -> float | None:
    if row is None or col is None or col not in row.index:
        return None
    v = row[col]
    return None if pd.isna(v) else float(v)


def value_of(ind: I.Indicator, row: pd.Series | None) -> float | None:
    """The indicator computed from one unit's base aggregates (None when missing)."""
    num = _get(row, ind.numerator)
    if ind.denominator is None:
        return num
    den = _get(row, ind.denominator)
    return None if num is None or not den else num / den


def _people_counts(ind: I.Indicator, row: pd.Series | None) -> list[float]:
    """The counts of people a printed value of ``ind`` would let a reader work out."""
    if ind.area not in PERSONAL_AREAS or row is None:
        return []
    if ind.aggregation == I.MEDIAN:  # a median of one or two petitions is their own figure
        handled = _get(row, "handled")
        return [] if handled is None else [handled]
    num, den = _get(row, ind.numerator), _get(row, ind.denominator)
    if ind.denominator is None:
        return [] if num is None else [num]
    if num is None or den is None:
        return []
    return [num, den, den - num]


def hidden(ind: I.Indicator, row: pd.Series | None, threshold: int = D.THRESHOLD) -> bool:
    """Whether publishing ``ind`` for this row could reveal a count ``0 < n < threshold``."""
    return any(D.sensitive(c, threshold) for c in _people_counts(ind, row))


def _value_text(ind: I.Indicator, v: float | None, lang: str) -> str:
    if ind.unit == I.PERCENT:
        return fmt.percent(v, lang)
    return fmt.number(v, lang, decimals=1 if ind.unit == I.DAYS else 0)


def _part_label(col: str, lang: str) -> str:
    if col.startswith("backlog_") and col[8:].isdigit():
        return text("dashboard.part.backlog", lang, n=int(col[8:]))
    if f"dashboard.part.{col}" in T:
        return text(f"dashboard.part.{col}", lang)
    try:
        return ACTIVITY.field(col).label(lang)
    except (KeyError, LookupError):
        return col


def _row(frame: pd.DataFrame | None) -> pd.Series | None:
    return None if frame is None or frame.empty else frame.iloc[0]


@dataclass(frozen=True)
class DashboardView:
    """What the dashboard shows for one choice (computed without any widget)."""

    unit: U.Unit
    period: Period
    indicator: I.Indicator
    lang: str
    heading_html: str
    table: pd.DataFrame
    table_html: str
    trend: Figure
    ranking: Figure
    notes: tuple[str, ...] = ()


class Dashboard:
    """A live dashboard of one indicator for one unit and period, with Python callbacks.

    Args:
        unit: A unit code or name in any common spelling (resolved at the period's end).
        period: A period code ("2025-Q3"); it is added to the choices if it is not one.
        indicator: An indicator id (see :data:`reportkit.analysis.indicators.INDICATORS`).
        lang: "vi" or "en"; the toggle in the dashboard changes it.
        publish: False shows exact small counts (a live notebook only; refused when
            ``REPORTKIT_PUBLISHING`` is set).
        periods: The period choices (codes); default: every quarter and year in the data.
        rule: The period rule ("calendar" or "decree09"; default: the configured one).
        root: The warehouse folder (default: the configured one).
        threshold: Counts ``0 < n < threshold`` are hidden when publishing.

    Raises:
        UnknownUnitError, UnitNotInForceError, PeriodError, LookupInRegistryError: a parameter
            names nothing that exists (before any widget is made).
        DisclosureError: ``publish=False`` while rendering for publication.
        WarehouseError: the warehouse holds no data (run ``reportkit ingest``).
    """

    def __init__(self, unit: str | U.Unit = "Lào Cai", period: str | Period = "2025-Q3",
                 indicator: str = "processing_rate", *, lang: str = "vi", publish: bool = True,
                 periods: Sequence[str | Period] | None = None, rule: str | None = None,
                 root: Path | str | None = None, threshold: int = D.THRESHOLD) -> None:
        self.publish = D.check_publish(publish)
        if lang not in fmt.LANGS:
            raise ValueError(f"Unknown language {lang!r}; available: {', '.join(fmt.LANGS)}")
        first = period if isinstance(period, Period) else Period.parse(period)
        chosen = (carry_unit(unit, first) if isinstance(unit, U.Unit)
                  else U.resolve(unit, at=first.last))
        ind = I.get(indicator)
        self.rule, self.root, self.threshold = rule, root, threshold
        self.sample = is_sample_data(root)
        # An empty warehouse raises WarehouseError here, saying to run `reportkit ingest`.
        choices = ([p if isinstance(p, Period) else Period.parse(p) for p in periods]
                   if periods else period_choices(root))
        if first not in choices:
            choices.insert(0, first)
        self.periods = choices
        self.view: DashboardView | None = None
        self.error: BaseException | None = None
        self.renders = 0
        self._quiet = False

        style = {"description_width": "initial"}
        self.lang_toggle = ipywidgets.ToggleButtons(options=LANG_OPTIONS, value=lang,
                                                    style={"button_width": "7em"})
        self.unit_dd = ipywidgets.Dropdown(options=unit_options(first), value=chosen.code,
                                           description=_w("unit", lang), style=style,
                                           layout=ipywidgets.Layout(width="16em"))
        self.period_dd = ipywidgets.Dropdown(options=period_options(choices, lang),
                                             value=str(first), description=_w("period", lang),
                                             style=style, layout=ipywidgets.Layout(width="16em"))
        self.indicator_dd = ipywidgets.Dropdown(options=indicator_options(lang), value=ind.id,
                                                description=_w("indicator", lang), style=style,
                                                layout=ipywidgets.Layout(width="32em"))
        for name, w in (("unit", self.unit_dd), ("period", self.period_dd),
                        ("indicator", self.indicator_dd), ("lang", self.lang_toggle)):
            w.add_class(CONTROL_CLASSES[name])
        self.status = ipywidgets.HTML(layout=ipywidgets.Layout(min_height="1.5em"))
        self.status.add_class("reportkit-dashboard-status")
        self.heading = ipywidgets.HTML()
        self.heading.add_class("reportkit-dashboard-heading")
        self.table_out = ipywidgets.HTML()
        self.table_out.add_class("reportkit-dashboard-table")
        self.trend_out = ipywidgets.HTML()
        self.trend_out.add_class("reportkit-dashboard-trend")
        self.ranking_out = ipywidgets.HTML()
        self.ranking_out.add_class("reportkit-dashboard-ranking")
        controls = ipywidgets.HBox(
            [self.unit_dd, self.period_dd, self.indicator_dd, self.lang_toggle],
            layout=ipywidgets.Layout(flex_flow="row wrap"))
        self.widget = ipywidgets.VBox([controls, self.status, self.heading, self.table_out,
                                       self.trend_out, self.ranking_out])
        self.widget.add_class(DASHBOARD_CLASS)

        self._draw()  # errors in the parameters surface here, in the notebook cell
        self.unit_dd.observe(self._on_unit, names="value")
        self.period_dd.observe(self._on_period, names="value")
        self.indicator_dd.observe(self._on_indicator, names="value")
        self.lang_toggle.observe(self._on_lang, names="value")

    # -- state ---------------------------------------------------------------------------------
    @property
    def lang(self) -> str:
        return str(self.lang_toggle.value)

    @property
    def period(self) -> Period:
        return Period.parse(str(self.period_dd.value))

    @property
    def unit(self) -> U.Unit:
        return U.get(str(self.unit_dd.value), self.period.last)

    @property
    def indicator(self) -> I.Indicator:
        return I.get(str(self.indicator_dd.value))

    def select(self, *, unit: str | None = None, period: str | None = None,
               indicator: str | None = None, lang: str | None = None) -> None:
        """Change the choices as a reader would (each change redraws through its callback).

        ``unit`` is resolved at the end of the (new) period, so names work as well as codes.
        """
        if lang is not None:
            self.lang_toggle.value = lang
        if period is not None:
            self.period_dd.value = str(Period.parse(period))
        if indicator is not None:
            self.indicator_dd.value = I.get(indicator).id
        if unit is not None:
            self.unit_dd.value = U.resolve(unit, at=self.period.last).code

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        return self.widget._repr_mimebundle_(**kwargs)

    @contextmanager
    def _holding(self) -> Iterator[None]:
        """Change widgets without their callbacks redrawing."""
        quiet, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = quiet

    # -- callbacks -------------------------------------------------------------------------------
    def _on_unit(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self.redraw()

    def _on_indicator(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self.redraw()

    def _on_period(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        before, after = Period.parse(str(change["old"])), Period.parse(str(change["new"]))
        with self._holding():
            code = carry_unit(U.get(str(self.unit_dd.value), before.last), after).code
            options = unit_options(after)
            if list(self.unit_dd.options) != options:
                self.unit_dd.options = options
            self.unit_dd.value = code
        self.redraw()

    def _on_lang(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        lang = str(change["new"])
        with self._holding():
            for dd, options, word in (
                    (self.period_dd, period_options(self.periods, lang), "period"),
                    (self.indicator_dd, indicator_options(lang), "indicator"),
                    (self.unit_dd, None, "unit")):
                if options is not None:
                    value = dd.value
                    dd.options = options
                    dd.value = value
                dd.description = _w(word, lang)
        self.redraw()

    def redraw(self) -> None:
        """Recompute and redraw for the current choices; a failure is shown, not raised
        (callbacks have nowhere to raise to), and kept in :attr:`error`."""
        self.status.value = render("dashboard_status.html.j2", busy=_w("busy", self.lang),
                                   error=None)
        try:
            self._draw()
        except Exception as exc:  # shown in the dashboard; the traceback goes to the log
            self.error = exc
            log.exception("dashboard redraw failed")
            self.status.value = render("dashboard_status.html.j2", label=_w("error", self.lang),
                                       error=f"{type(exc).__name__}: {exc}")

    def _draw(self) -> None:
        view = self.compute(self.unit, self.period, self.indicator, self.lang)
        self.heading.value = view.heading_html
        self.table_out.value = view.table_html
        self.trend_out.value = _img(view.trend)
        self.ranking_out.value = _img(view.ranking)
        self.view, self.error = view, None
        self.renders += 1
        self.status.value = ""

    # -- computation ---------------------------------------------------------------------------
    def _unit_row(self, unit: U.Unit, period: Period) -> pd.Series | None:
        return _row(I.unit_aggregates(unit, period, rule=self.rule, root=self.root))

    def _hidden(self, ind: I.Indicator, row: pd.Series | None) -> bool:
        return self.publish and hidden(ind, row, self.threshold)

    def compute(self, unit: U.Unit, period: Period, ind: I.Indicator, lang: str
                ) -> DashboardView:
        """Everything shown for one choice: heading, table and both charts."""
        notes: list[str] = []
        pct = ind.unit == I.PERCENT
        # Trend: this unit over the trend periods, with the same periods a year earlier.
        ps = trend_periods(period)
        masked = 0
        cur, ly = [], []
        for p in ps:
            for out, q in ((cur, p), (ly, p.same_period_last_year())):
                row = self._unit_row(unit, q)
                if self._hidden(ind, row):
                    masked += 1
                    out.append(None)
                else:
                    out.append(value_of(ind, row))
        labels = [short_label(p, lang) for p in ps]
        trend_notes = []
        if unit.era == "post-2025" and len(U.members(unit)) > 1 and ps[0].first < U.MERGER_DATE:
            names = ", ".join(m.name for m in U.members(unit))
            trend_notes.append(
                text("dashboard.before_1_july_2025_the", lang, names=names))
        if masked:
            trend_notes.append(self._small_note(lang))
        trend = charts.trend(
            pd.Series(cur, index=labels, dtype="float64"),
            pd.Series(ly, index=labels, dtype="float64"),
            title=f"{ind.label(lang)} — {unit.name}", percent=pct, target=ind.target,
            footnote=" ".join(trend_notes) or None, lang=lang, sample=self.sample)
        # Ranking: every unit in force, without the values publishing would hide.
        agg = I.aggregates(period, rule=self.rule, root=self.root)
        names = {u.code: u.name for u in U.units_at(period.last)}
        values: dict[str, float] = {}
        dropped: list[str] = []
        for code, row in agg.iterrows():
            v = value_of(ind, row)
            name = names.get(str(code), str(code))
            if v is None:
                continue
            if self._hidden(ind, row):
                dropped.append(name)
                continue
            values[name] = v
        national = I.national_value(ind, agg)
        own = unit.name in dropped
        rank_notes = [self._small_note(lang, len(dropped), unit.name if own else None)
                      ] if dropped else []
        ranking = charts.ranking(
            pd.Series(values, dtype="float64"), highlight=None if own else unit.name,
            title=f"{ind.label(lang)}: {_w('all_units', lang)}, {period.label(lang)}",
            percent=pct, national=national, target=ind.target, lang=lang, sample=self.sample,
            lower_is_better=ind.direction < 0, footnote=" ".join(rank_notes) or None)
        # Table: this period, the previous one, last year, national.
        table, table_notes = self.table(unit, period, ind, lang, agg)
        notes += table_notes
        caption = " ".join(notes)
        table_html = wrap(html_table(table, numeric=list(table.columns[1:]), caption=caption
                                     or None))
        return DashboardView(unit, period, ind, lang, self._heading(unit, period, ind, lang),
                             table, table_html, trend, ranking, tuple(notes))

    def table(self, unit: U.Unit, period: Period, ind: I.Indicator, lang: str,
              agg: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
        """The small table: the indicator and its parts for this period, the previous one,
        the same period last year and the country, with the notes it needs."""
        if agg is None:
            agg = I.aggregates(period, rule=self.rule, root=self.root)
        national_row = agg.sum(numeric_only=True, min_count=1)
        columns = {
            _w("this", lang): self._unit_row(unit, period),
            _w("previous", lang): self._unit_row(unit, period.previous()),
            _w("last_year", lang): self._unit_row(unit, period.same_period_last_year()),
            _w("national", lang): national_row,
        }
        parts = [] if ind.denominator is None or ind.aggregation == I.MEDIAN else [
            ind.numerator, ind.denominator]
        first = _w("indicator", lang)
        rows: list[dict[str, str]] = [{first: ind.label(lang)}]
        rows += [{first: _part_label(col, lang)} for col in parts]
        small = complement = withheld = False
        for name, row in columns.items():
            personal = self.publish and ind.area in PERSONAL_AREAS and name != _w(
                "national", lang)
            if name == _w("national", lang):
                value = I.national_value(ind, agg)
            else:
                value = value_of(ind, row)
            part_values = [_get(row, col) for col in parts]
            shown_value = _value_text(ind, value, lang)
            part_texts = [fmt.number(v, lang) for v in part_values]
            if personal and row is not None:
                if parts and None not in part_values:
                    num, den = (round(v or 0) for v in part_values)
                    cells = D.protect_cells({"num": num, "den": den, "rest": den - num},
                                            [("den", ["num", "rest"])],
                                            threshold=self.threshold, unprinted=["rest"])
                    part_texts = [cells.text("num", lang), cells.text("den", lang)]
                    small |= any(cells.status[k] == D.SMALL for k in ("num", "den"))
                    complement |= cells.any_complement
                    if cells.any_hidden or hidden(ind, row, self.threshold):
                        withheld, shown_value = True, fmt.MISSING
                elif ind.aggregation == I.SUM and ind.unit == I.COUNT:
                    shown_value = fmt.count_label(value, lang, self.threshold)
                    small |= shown_value.startswith("<")
                elif hidden(ind, row, self.threshold):
                    withheld, shown_value = True, fmt.MISSING
            rows[0][name] = shown_value
            for i, t in enumerate(part_texts, 1):
                rows[i][name] = t
        notes: list[str] = []
        res = I.summary(unit, period, [ind.id], rule=self.rule, root=self.root)[0]
        this_hidden = self._hidden(ind, columns[_w("this", lang)])
        if res.rank and not this_hidden:
            notes.append(f"{_w('rank', lang)}: {res.rank}/{res.n_units}.")
        if ind.target is not None and res.target_met is not None and not this_hidden:
            status = _w("met" if res.target_met else "not_met", lang)
            notes.append(f"{_w('target', lang)} {_value_text(ind, ind.target, lang)}: {status}.")
        if small or complement or withheld:
            notes.append(self._table_note(lang, small, complement, withheld))
        return pd.DataFrame(rows), notes

    def _small_note(self, lang: str, units: int = 0, unit: str | None = None) -> str:
        """Why values are missing from a chart: they rest on fewer than ``threshold``."""
        t = self.threshold
        if units:
            own = text("dashboard.small_note.unit", lang, unit=unit) if unit else ""
            return text("dashboard.small_note.units", lang, own=own, units=units, t=t)
        return text("dashboard.small_note.values", lang, t=t)

    def _table_note(self, lang: str, small: bool, complement: bool, withheld: bool) -> str:
        """The marks used in the table: "<3", "*" and "–"."""
        t = self.threshold
        out = []
        if small:
            out.append(text("dashboard.fewer_than_number_not_shown", lang, t=t))
        if complement:
            out.append(text("dashboard.also_hidden_so_that_a", lang,
                            mark=D.COMPLEMENT_MARK, t=t))
        if withheld:
            out.append(text("dashboard.not_shown_as_it_rests", lang, mark=fmt.MISSING, t=t))
        return " ".join(out)

    def _heading(self, unit: U.Unit, period: Period, ind: I.Indicator, lang: str) -> Markup:
        return wrap(render(
            "dashboard_heading.html.j2", css=base_css(), title=ind.label(lang),
            subtitle=f"{unit.name} — {period.label(lang)}",
            sample=text("common.sample_banner", lang) if self.sample else None,
            exact=None if self.publish else text("common.exact_figures_banner", lang),
            exact_mark=D.EXACT_MARK))


def _img(fig: Figure) -> Markup:
    """A figure as an <img> with its title as alternative text, printed at its true width.

    A PNG, not the reports' SVG: the live dashboard redraws into widgets on every choice and is
    never exported, so it would have to send the embedded font with each redraw."""
    title = fig.get_suptitle()
    data = base64.b64encode(charts.to_png(fig)).decode("ascii")
    width = round(fig.get_figwidth() * 96)
    return render("png.html.j2", data=data, width=width, alt=" ".join(title.split()))
