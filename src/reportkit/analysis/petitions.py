"""Petitions and citizen reception, the numbers: following every letter (đơn, thư) to its result.

Why a module of its own: these are the definitions the petitions report, the province report
and the tests must agree on, and they are pure functions over a petitions DataFrame as returned
by :func:`reportkit.store.warehouse.load` (personal data already dropped), a
:class:`~reportkit.core.periods.Period` and a cut-off rule, with nothing about pages in them
(the page is :mod:`reportkit.presentation.petitions`):

* :func:`flow` — received → within jurisdiction or not → handled / transferred to the
  competent agency → result updated, for petitions received in the period;
* :func:`backlog`, :func:`backlog_trend` — petitions open at a period's end by age band;
* :func:`handling_days` — median and 90th percentile of days from receipt to handling;
* :func:`followup`, :func:`overdue_list` — transferred petitions with no result update yet;
* :func:`hotspots`, :func:`rising_units` — topics and group petitions against the same period
  last year, and the units where they rise most;
* :func:`repeats`, :func:`repeat_summary` — the same case (``case_key``) submitted again.

Definitions follow :mod:`reportkit.analysis.indicators`: a petition is *handled* by a day when its
``handled_on`` is on or before that day; it is *open* at a period's end when it was received by
the end and not handled by then (whatever period it was received in); *transferred* means
handled by the end with status "transferred"; its *result is updated* when
``result_updated_on`` is on or before the end. Period boundaries follow the rule ("calendar" or
"decree09": the 15th of the month before to the 14th).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from reportkit.core import units as U
from reportkit.core.i18n import text
from reportkit.core.periods import Period, default_rule
from reportkit.core.schema import NOT_RECORDED, TOPICS

__all__ = [
    "BANDS", "FlowResult", "HandlingDays", "RepeatSummary",
    "band_keys", "band_labels", "flow", "backlog", "backlog_trend", "handling_days",
    "followup", "overdue_list", "hotspots", "rising_units", "repeats", "repeat_summary",
    "delegations", "open_at", "as_day", "received_in", "window", "stage_label", "clean_agency",
]


BANDS: tuple[int, ...] = (30, 60, 90)
HISTORY_START = U.OLD_VALID_FROM  # no unit, and so no petition, is older
COLUMNS = ["petition_id", "unit_code", "received_on", "kind", "topic", "is_group",
           "within_jurisdiction", "status", "handled_on", "transferred_to",
           "result_updated_on", "case_key"]
HOT_TOPICS = ("land", "environment")
GROUP = "group"  # the row of hotspots() counting group petitions (đông người)
LIST_LIMIT = 20
REPEAT_MIN = 3  # cases listed by name (case key) once submitted this many times

_DIGITS = re.compile(r"\d[\d .\-]{5,}\d")  # phone or ID-card-like runs in free text


# -- periods and selections ------------------------------------------------------------------
def window(period: Period, rule: str | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last day (both inclusive) of ``period`` under ``rule``."""
    return pd.Timestamp(period.start_date(rule)), pd.Timestamp(period.end_date(rule))


def as_day(s: pd.Series) -> pd.Series:
    """Timestamps (or dates) as days: midnight, any time of day dropped."""
    return pd.to_datetime(s).dt.normalize()


def received_in(df: pd.DataFrame, period: Period, rule: str | None = None) -> pd.DataFrame:
    """Petitions received within ``period`` (its days under ``rule``)."""
    start, end = window(period, rule)
    day = as_day(df["received_on"])
    return df[(day >= start) & (day <= end)]


def _handled_by(df: pd.DataFrame, when: pd.Timestamp) -> pd.Series:
    h = as_day(df["handled_on"])
    return (h.notna() & (h <= when)).astype(bool)


def _updated_by(df: pd.DataFrame, when: pd.Timestamp) -> pd.Series:
    u = as_day(df["result_updated_on"])
    return (u.notna() & (u <= when)).astype(bool)


def _transferred(df: pd.DataFrame) -> pd.Series:
    return df["status"].astype("string").eq("transferred").fillna(False).astype(bool)


def open_at(df: pd.DataFrame, when: date | pd.Timestamp) -> pd.DataFrame:
    """Petitions received on or before ``when`` and not handled by then."""
    when = pd.Timestamp(when).normalize()
    return df[(as_day(df["received_on"]) <= when) & ~_handled_by(df, when)]


def band_keys(bands: Sequence[int] = BANDS) -> list[str]:
    """Age-band names: "≤30", "31–60", "61–90", ">90"."""
    keys = [f"≤{bands[0]}"]
    keys += [f"{a + 1}–{b}" for a, b in zip(bands[:-1], bands[1:], strict=True)]
    return [*keys, f">{bands[-1]}"]


def band_labels(bands: Sequence[int] = BANDS, lang: str = "vi") -> list[str]:
    """Age-band labels with the unit: "≤ 30 ngày", "31–60 ngày", ..., "> 90 days"."""
    return [text("petitions.band", lang, band=k.replace("≤", "≤ ").replace(">", "> "))
            for k in band_keys(bands)]


def _bands(days: pd.Series, bands: Sequence[int]) -> pd.Series:
    """The band key of each age in days (≤30 → first band, 31 → second, ...)."""
    idx = np.searchsorted(np.asarray(bands), days.to_numpy(dtype="int64"), side="left")
    keys = np.array(band_keys(bands), dtype=object)
    return pd.Series(keys[idx], index=days.index, dtype=object)


def _count_bands(days: pd.Series, bands: Sequence[int]) -> pd.Series:
    keys = band_keys(bands)
    return _bands(days, bands).value_counts().reindex(keys, fill_value=0).astype("int64")


# -- flow ------------------------------------------------------------------------------------
FLOW_STAGES = ("received", "within", "outside", "handled", "open", "handled_here",
               "transferred", "result_updated", "awaiting_result")
# Each group partitions its parent: parent = sum(parts).
FLOW_EQUATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("received", ("within", "outside")),
    ("received", ("handled", "open")),
    ("handled", ("handled_here", "transferred")),
    ("transferred", ("result_updated", "awaiting_result")),
)
def stage_label(stage: str, lang: str = "vi") -> str:
    """The name of a flow stage."""
    if stage not in FLOW_STAGES:
        raise KeyError(f"No flow stage {stage!r}; available: {', '.join(FLOW_STAGES)}")
    return text(f"petitions.stage.{stage}", lang)


@dataclass(frozen=True)
class FlowResult:
    """Petitions received in a period and what had become of them by the period's end.

    ``received = within + outside = handled + open``; ``handled = handled_here +
    transferred``; ``transferred = result_updated + awaiting_result``.
    """

    received: int
    within: int
    outside: int
    handled: int
    open: int
    handled_here: int
    transferred: int
    result_updated: int
    awaiting_result: int

    @staticmethod
    def _rate(num: int, den: int) -> float | None:
        return num / den if den else None

    @property
    def processing_rate(self) -> float | None:
        """Handled by the period end over received."""
        return self._rate(self.handled, self.received)

    @property
    def transfer_share(self) -> float | None:
        """Transferred over handled."""
        return self._rate(self.transferred, self.handled)

    @property
    def followup_rate(self) -> float | None:
        """Transferred petitions whose result was recorded by the period end."""
        return self._rate(self.result_updated, self.transferred)

    def counts(self) -> dict[str, int]:
        return {s: int(getattr(self, s)) for s in FLOW_STAGES}


def flow(df: pd.DataFrame, period: Period, rule: str | None = None) -> FlowResult:
    """The flow of petitions received in ``period`` as it stood at the period's end.

    Args:
        df: petitions (any superset of the period's: rows outside it are ignored).
        period: the reporting period.
        rule: "calendar" or "decree09" (default: the configured rule).
    """
    rule = rule or default_rule()
    cur = received_in(df, period, rule)
    _, end = window(period, rule)
    handled = _handled_by(cur, end)
    transferred = handled & _transferred(cur)
    updated = transferred & _updated_by(cur, end)
    within = cur["within_jurisdiction"].astype("boolean").fillna(False).astype(bool)
    n = len(cur)
    return FlowResult(
        received=n, within=int(within.sum()), outside=int(n - within.sum()),
        handled=int(handled.sum()), open=int(n - handled.sum()),
        handled_here=int((handled & ~transferred).sum()), transferred=int(transferred.sum()),
        result_updated=int(updated.sum()), awaiting_result=int((transferred & ~updated).sum()))


# -- backlog and handling time -----------------------------------------------------------------
def backlog(df: pd.DataFrame, period: Period, rule: str | None = None,
            bands: Sequence[int] = BANDS) -> pd.Series:
    """Petitions open at the period's end by age band (days from receipt to the end).

    Args:
        df: petitions received up to the period's end, from any earlier period too (a
            petition received two years ago and still open belongs here).
        period: the reporting period; its end date under ``rule`` is the reference day.
        rule: "calendar" or "decree09".
        bands: upper bounds of all bands but the last, in days.

    Returns:
        Counts indexed by :func:`band_keys` (every band, zeros included).
    """
    _, end = window(period, rule or default_rule())
    op = open_at(df, end)
    return _count_bands((end - as_day(op["received_on"])).dt.days, bands)


def backlog_trend(df: pd.DataFrame, periods: Sequence[Period], rule: str | None = None,
                  bands: Sequence[int] = BANDS) -> pd.DataFrame:
    """:func:`backlog` at the end of each period (rows: period codes, columns: bands)."""
    rule = rule or default_rule()
    rows = {str(p): backlog(df, p, rule, bands) for p in periods}
    out = pd.DataFrame(rows).T.astype("int64")
    out.columns = band_keys(bands)
    return out


@dataclass(frozen=True)
class HandlingDays:
    """Days from receipt to handling of the period's petitions handled by its end.

    ``p90`` is the smallest number of days within which at least 90% were handled.
    """

    n: int
    median: float | None
    p90: float | None


def handling_days(df: pd.DataFrame, period: Period, rule: str | None = None) -> HandlingDays:
    """Median and 90th percentile of days to handling, for petitions received in the period
    and handled by its end (the definition of the ``median_days_to_handle`` indicator)."""
    rule = rule or default_rule()
    cur = received_in(df, period, rule)
    _, end = window(period, rule)
    h = cur[_handled_by(cur, end)]
    days = (as_day(h["handled_on"]) - as_day(h["received_on"])).dt.days.to_numpy(dtype="float64")
    if not len(days):
        return HandlingDays(0, None, None)
    return HandlingDays(len(days), float(np.median(days)),
                        float(np.quantile(days, 0.9, method="inverted_cdf")))


# -- follow-up of transferred petitions ----------------------------------------------------------
def clean_agency(value: Any) -> str:
    """A receiving agency's name fit to print: trimmed, one line, at most 80 characters,
    with digit runs that could be a phone or ID number masked."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return NOT_RECORDED
    text = " ".join(str(value).split())
    text = _DIGITS.sub("…", text)
    return (text[:79] + "…") if len(text) > 80 else (text or NOT_RECORDED)


def _awaiting(df: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Transferred by ``end`` with no result recorded by ``end``, with the days waited."""
    tr = df[_transferred(df) & _handled_by(df, end) & ~_updated_by(df, end)].copy()
    tr["transferred_on"] = as_day(tr["handled_on"])
    tr["days_waiting"] = (end - tr["transferred_on"]).dt.days.astype("int64")
    return tr


def followup(df: pd.DataFrame, period: Period, rule: str | None = None,
             thresholds: Sequence[int] = BANDS, by: str = "transferred_to") -> pd.DataFrame:
    """Transferred petitions still without a result at the period's end, by how long they have
    waited since the transfer, per receiving agency (or per ``by`` column, e.g. unit_code).

    Args:
        df: petitions received up to the period's end (any earlier period too).
        period: the reporting period; its end date under ``rule`` is the reference day.
        rule: "calendar" or "decree09".
        thresholds: band bounds in days (30, 60, 90 → ≤30, 31–60, 61–90, >90).
        by: the column to group by; agency names are cleaned with :func:`clean_agency`.

    Returns:
        One row per agency, oldest waiting first: a count column per band (:func:`band_keys`),
        ``total``, and ``oldest`` (the earliest transfer date still waiting).
    """
    _, end = window(period, rule or default_rule())
    tr = _awaiting(df, end)
    keys = band_keys(thresholds)
    if tr.empty:
        return pd.DataFrame(columns=[*keys, "total", "oldest"]).astype(
            {**{k: "int64" for k in keys}, "total": "int64", "oldest": "datetime64[ms]"})
    group = tr[by].map(clean_agency) if by == "transferred_to" else tr[by].astype(str)
    band = _bands(tr["days_waiting"], thresholds)
    out = pd.crosstab(group, band).reindex(columns=keys, fill_value=0).astype("int64")
    out["total"] = out[keys].sum(axis=1)
    out["oldest"] = tr.groupby(group)["transferred_on"].min()
    out = out.sort_values(["oldest", "total"], ascending=[True, False], kind="stable")
    out.index.name = by
    out.columns.name = None
    return out


def overdue_list(df: pd.DataFrame, period: Period, rule: str | None = None, *,
                 min_days: int = BANDS[0], limit: int | None = LIST_LIMIT) -> pd.DataFrame:
    """Transferred petitions waiting more than ``min_days`` for a result at the period's end,
    the longest-waiting first: ids, dates and the agency only, never personal data.

    Returns:
        Columns petition_id, unit_code, received_on, transferred_on, transferred_to,
        days_waiting; ``attrs["total"]`` is the number before the ``limit`` cut.
    """
    _, end = window(period, rule or default_rule())
    tr = _awaiting(df, end)
    tr = tr[tr["days_waiting"] > min_days]
    tr = tr.sort_values(["transferred_on", "received_on", "petition_id"], kind="stable")
    out = pd.DataFrame({
        "petition_id": tr["petition_id"].astype(str), "unit_code": tr["unit_code"].astype(str),
        "received_on": as_day(tr["received_on"]), "transferred_on": tr["transferred_on"],
        "transferred_to": tr["transferred_to"].map(clean_agency),
        "days_waiting": tr["days_waiting"]}).reset_index(drop=True)
    total = len(out)
    if limit is not None:
        out = out.head(limit)
    out.attrs["total"] = total
    return out


# -- hotspots --------------------------------------------------------------------------------
def _change_frame(cur: pd.Series, ly: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame({"current": cur.astype("int64"), "last_year": ly.astype("int64")})
    out["change"] = out["current"] - out["last_year"]
    base = out["last_year"].astype(float)
    out["change_pct"] = out["change"] / base.where(base > 0)
    out["rising"] = out["change"] > 0
    return out


def _is_group(df: pd.DataFrame) -> pd.Series:
    return df["is_group"].astype("boolean").fillna(False).astype(bool)


def hotspots(cur: pd.DataFrame, last_year: pd.DataFrame,
             topics: Sequence[str] = TOPICS) -> pd.DataFrame:
    """Petitions by topic against the same period last year, and group petitions.

    Args:
        cur: petitions received in the period.
        last_year: petitions received in the same period a year earlier.
        topics: the topics to list (all of the contract's by default).

    Returns:
        Rows: each topic, then ``"group"`` (group petitions, đông người, of any topic; not part
        of the topics' sum). Columns: current, last_year, change, change_pct (None when last
        year had none), rising.
    """
    c = cur["topic"].astype(str).value_counts().reindex(list(topics), fill_value=0)
    ly = last_year["topic"].astype(str).value_counts().reindex(list(topics), fill_value=0)
    c.loc[GROUP] = int(_is_group(cur).sum())
    ly.loc[GROUP] = int(_is_group(last_year).sum())
    return _change_frame(c, ly)


def rising_units(cur: pd.DataFrame, last_year: pd.DataFrame, *, topic: str | None = None,
                 group: bool = False, n: int = 5) -> pd.DataFrame:
    """Units where petitions (of ``topic``, or group petitions) rose most on last year.

    Returns:
        Up to ``n`` units with a rise, largest first (index: unit code; columns as
        :func:`hotspots`).
    """
    def pick(df: pd.DataFrame) -> pd.Series:
        mask = pd.Series(True, index=df.index)
        if topic is not None:
            mask &= df["topic"].astype(str).eq(topic)
        if group:
            mask &= _is_group(df)
        return df.loc[mask, "unit_code"].astype(str).value_counts()

    c, ly = pick(cur), pick(last_year)
    codes = sorted(set(c.index) | set(ly.index))
    out = _change_frame(c.reindex(codes, fill_value=0), ly.reindex(codes, fill_value=0))
    out = out[out["change"] > 0].sort_values(["change", "current"], ascending=False,
                                             kind="stable")
    out.index.name = "unit_code"
    return out.head(n)


def delegations(activity: pd.DataFrame) -> pd.Series:
    """Large-group delegations received (activity ``group_delegations``) per unit code."""
    if activity.empty:
        return pd.Series(dtype="int64")
    return activity.groupby("unit_code")["group_delegations"].sum().astype("int64")


# -- repeat petitions ------------------------------------------------------------------------
def _ordered(df: pd.DataFrame) -> pd.DataFrame:
    d = df[df["case_key"].notna() & df["case_key"].astype(str).str.strip().ne("")].copy()
    d["case_key"] = d["case_key"].astype(str).str.strip()
    d["_day"] = as_day(d["received_on"])
    d = d.sort_values(["case_key", "_day", "petition_id"], kind="stable")
    d["_nth"] = d.groupby("case_key").cumcount() + 1
    return d


def _repeat_cases(d: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    in_p = d["_day"] >= start
    g = d.assign(_in=in_p).groupby("case_key", sort=False)
    out = pd.DataFrame({
        "unit_code": g["unit_code"].last().astype(str), "topic": g["topic"].last().astype(str),
        "submissions": g.size().astype("int64"), "in_period": g["_in"].sum().astype("int64"),
        "first_received": g["_day"].min(), "last_received": g["_day"].max()})
    out = out[(out["in_period"] > 0) & (out["submissions"] >= 2)]
    out = out.sort_values(["submissions", "last_received"], ascending=[False, False],
                          kind="stable")
    out.index.name = "case_key"
    return out


def repeats(df: pd.DataFrame, period: Period, rule: str | None = None) -> pd.DataFrame:
    """Cases (``case_key``) submitted again: at least one submission in the period and at
    least two up to its end. Never carries anything about the person.

    Args:
        df: petitions received up to the period's end; earlier submissions count.
        period: the reporting period.
        rule: "calendar" or "decree09".

    Returns:
        One row per case, most submissions first: unit_code, topic (of the latest
        submission), submissions (up to the period end), in_period, first_received,
        last_received.
    """
    start, end = window(period, rule or default_rule())
    return _repeat_cases(_ordered(df[as_day(df["received_on"]) <= end]), start)


@dataclass(frozen=True)
class RepeatSummary:
    """Petitions received in the period that repeat a case submitted before."""

    received: int
    repeat_petitions: int  # received in the period, with an earlier submission of the case
    repeated_cases: int  # distinct cases among them
    cases_3plus: int  # cases with a submission in the period and 3+ submissions in all


def repeat_summary(df: pd.DataFrame, period: Period, rule: str | None = None) -> RepeatSummary:
    """Counts of :func:`repeats` for the period."""
    rule = rule or default_rule()
    start, end = window(period, rule)
    d = _ordered(df[as_day(df["received_on"]) <= end])
    again = d[(d["_day"] >= start) & (d["_nth"] >= 2)]
    rep = _repeat_cases(d, start)
    return RepeatSummary(
        received=len(received_in(df, period, rule)), repeat_petitions=len(again),
        repeated_cases=int(again["case_key"].nunique()),
        cases_3plus=int((rep["submissions"] >= REPEAT_MIN).sum()))
