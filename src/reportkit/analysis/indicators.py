"""The indicator catalogue and its computation.

An indicator is declared once (id, labels, unit, numerator and denominator, direction, target,
aggregation). For a unit and period reportkit computes its value, the previous period, the same
period last year, the national value, the unit's rank and whether the target is met.

Ratios are recomputed from summed parts (national = Σ numerators / Σ denominators), never
averaged, except indicators defined as an average of unit rates (the published "average
processing rate"). Stocks (staff) take the period's last reported month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from reportkit.core import units as U
from reportkit.core.periods import Period, default_rule
from reportkit.errors import LookupInRegistryError
from reportkit.store import cache
from reportkit.store.warehouse import Warehouse

RATIO, MEAN_OF_RATES, SUM, MEDIAN, STOCK_RATIO = (
    "ratio", "mean_of_unit_rates", "sum", "median", "stock_ratio")
PERCENT, COUNT, DAYS = "percent", "count", "days"

FLOW_COLUMNS = [
    "docs_sent", "docs_sent_network", "docs_nonsecret", "docs_nonsecret_electronic",
    "reports_due", "reports_on_time", "meetings_executive", "meetings_standing_committee",
    "meetings_standing_board", "meetings_cadre_conferences", "programme_planned",
    "programme_completed", "proposals_appraised", "citizens_received", "group_delegations",
    "archive_files",
]
STOCK_COLUMNS = ["staff_in_post", "staff_quota", "staff_university", "staff_postgraduate"]
BACKLOG_BANDS = (30, 60, 90)


@dataclass(frozen=True)
class Indicator:
    """A declared indicator. ``numerator``/``denominator`` name base aggregates."""

    id: str
    label_vi: str
    label_en: str
    unit: str
    numerator: str
    denominator: str | None = None
    direction: int = 1  # +1 higher is better, -1 lower is better, 0 neutral
    target: float | None = None
    aggregation: str = RATIO
    area: str = ""

    def label(self, lang: str = "vi") -> str:
        return self.label_vi if lang == "vi" else self.label_en


INDICATORS: dict[str, Indicator] = {}


def register(ind: Indicator) -> Indicator:
    """Add an indicator to the catalogue (ids are unique)."""
    if ind.id in INDICATORS:
        raise ValueError(f"indicator {ind.id!r} is already registered")
    INDICATORS[ind.id] = ind
    return ind


def get(indicator_id: str) -> Indicator:
    try:
        return INDICATORS[indicator_id]
    except KeyError:
        raise LookupInRegistryError(
            f"No indicator named {indicator_id!r}; available: {', '.join(sorted(INDICATORS))}",
            indicator=indicator_id) from None


for _ind in (
    Indicator("docs_sent", "Văn bản, báo cáo gửi lên Trung ương",
              "Documents and reports sent to the Centre", COUNT, "docs_sent",
              aggregation=SUM, direction=0, area="information"),
    Indicator("network_share", "Tỷ lệ văn bản gửi qua mạng thông tin diện rộng",
              "Share sent over the wide-area network", PERCENT, "docs_sent_network",
              "docs_sent", area="information"),
    Indicator("nonsecret_electronic_share", "Tỷ lệ văn bản không mật gửi điện tử",
              "Share of non-secret documents sent electronically", PERCENT,
              "docs_nonsecret_electronic", "docs_nonsecret", target=1.0, area="information"),
    Indicator("reporting_timeliness", "Tỷ lệ báo cáo định kỳ đúng hạn",
              "Periodic reports on time", PERCENT, "reports_on_time", "reports_due",
              target=0.95, area="information"),
    Indicator("programme_completion", "Tỷ lệ hoàn thành chương trình công tác",
              "Work-programme completion", PERCENT, "programme_completed", "programme_planned",
              target=0.9, area="advising"),
    Indicator("meetings_served", "Hội nghị, cuộc họp phục vụ", "Meetings served", COUNT,
              "meetings_total", aggregation=SUM, direction=0, area="meetings"),
    Indicator("citizens_received", "Lượt tiếp công dân", "Citizen visits received", COUNT,
              "citizens_received", aggregation=SUM, direction=0, area="reception"),
    Indicator("group_delegations", "Đoàn đông người", "Large-group delegations", COUNT,
              "group_delegations", aggregation=SUM, direction=-1, area="reception"),
    Indicator("petitions_received", "Đơn, thư tiếp nhận", "Petitions and letters received",
              COUNT, "received", aggregation=SUM, direction=0, area="petitions"),
    Indicator("processing_rate", "Tỷ lệ xử lý đơn, thư", "Petition processing rate", PERCENT,
              "handled", "received", aggregation=MEAN_OF_RATES, area="petitions"),
    Indicator("median_days_to_handle", "Số ngày xử lý (trung vị)",
              "Median days to handle a petition", DAYS, "median_days", aggregation=MEDIAN,
              direction=-1, area="petitions"),
    Indicator("backlog_over_30", "Đơn tồn đọng quá 30 ngày", "Open petitions over 30 days",
              COUNT, "backlog_30", aggregation=SUM, direction=-1, area="petitions"),
    Indicator("backlog_over_60", "Đơn tồn đọng quá 60 ngày", "Open petitions over 60 days",
              COUNT, "backlog_60", aggregation=SUM, direction=-1, area="petitions"),
    Indicator("backlog_over_90", "Đơn tồn đọng quá 90 ngày", "Open petitions over 90 days",
              COUNT, "backlog_90", aggregation=SUM, direction=-1, area="petitions"),
    Indicator("transfer_followup_rate", "Tỷ lệ đơn chuyển đã cập nhật kết quả",
              "Transferred petitions with a result update", PERCENT, "transferred_updated",
              "transferred", area="petitions"),
    Indicator("archive_files", "Hồ sơ nộp lưu", "Files transferred to the archive", COUNT,
              "archive_files", aggregation=SUM, direction=0, area="archives"),
    Indicator("staffing_rate", "Biên chế hiện có so với được giao", "Staff in post vs quota",
              PERCENT, "staff_in_post", "staff_quota", aggregation=STOCK_RATIO,
              area="staffing"),
    Indicator("staff_university_share", "Tỷ lệ cán bộ trình độ đại học trở lên",
              "Staff with a university degree", PERCENT, "staff_university", "staff_in_post",
              aggregation=STOCK_RATIO, area="staffing"),
):
    register(_ind)


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator for one unit and period, with its comparisons."""

    indicator: Indicator
    unit_code: str
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    previous: float | None
    last_year: float | None
    national: float | None
    rank: int | None
    n_units: int
    target_met: bool | None

    @property
    def change_vs_last_year(self) -> float | None:
        if self.value is None or self.last_year is None:
            return None
        return self.value - self.last_year

    @property
    def worse_than_last_year(self) -> bool:
        d = self.change_vs_last_year
        return d is not None and self.indicator.direction * d < -1e-9


def _none(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


# ------------------------------------------------------------------------------------------------
# The computation core: both tables read once per data version and kept in memory (the petition
# columns indicators need are small), sorted by date so a period is a binary-search slice.
_PETITION_CORE = ["unit_code", "received_on", "status", "handled_on", "result_updated_on"]


@dataclass(frozen=True)
class _Core:
    activity: pd.DataFrame  # sorted by month; columns + source/current codes
    petitions: pd.DataFrame  # sorted by received_on; core columns + source/current codes
    received: np.ndarray  # petitions["received_on"] as datetime64[ns], for searchsorted


def _with_codes(df: pd.DataFrame, when: pd.Series) -> pd.DataFrame:
    """Add ``source_code`` (as submitted) and ``current_code`` (onto the 34 units)."""
    succ = {u.code: U.successor(u).code for u in U.units_at(date(2025, 6, 1))}
    pre = (when < pd.Timestamp(U.MERGER_DATE)).to_numpy()
    df = df.rename(columns={"unit_code": "source_code"})
    df["current_code"] = np.where(pre, df["source_code"].map(succ), df["source_code"])
    return df


@lru_cache(maxsize=4)
def _core(root: str, version: str) -> _Core:
    del version  # part of the cache key only
    wh = Warehouse(root)
    act = wh.read("activity", wh.select_partitions("activity", None))
    act = act.sort_values("month", kind="stable").reset_index(drop=True)
    act = _with_codes(act, act["month"])
    pet = wh.read("petitions", wh.select_partitions("petitions", None), columns=_PETITION_CORE)
    pet = pet.sort_values("received_on", kind="stable").reset_index(drop=True)
    pet = _with_codes(pet, pet["received_on"])
    return _Core(act, pet, pet["received_on"].to_numpy(dtype="datetime64[ns]"))


def _slice_dates(core: _Core, lo: pd.Timestamp, hi_exclusive: pd.Timestamp) -> pd.DataFrame:
    a, b = np.searchsorted(core.received, [np.datetime64(lo, "ns"),
                                           np.datetime64(hi_exclusive, "ns")])
    return core.petitions.iloc[a:b]


def _compute(core: _Core, period: Period, rule: str, code_col: str) -> pd.DataFrame:
    """Base aggregates of every unit for a period, grouped by ``code_col``."""
    act = core.activity
    act = act[(act["month"] >= pd.Timestamp(period.first))
              & (act["month"] <= pd.Timestamp(period.last))]
    flows = act.groupby(code_col)[FLOW_COLUMNS].sum()
    flows["meetings_total"] = flows[[c for c in FLOW_COLUMNS if c.startswith("meetings_")]].sum(
        axis=1)
    flows["months_reported"] = act.groupby(code_col)["month"].nunique()
    # Stocks: the period's last reported month (members summed for a merged unit).
    by_month = act.groupby([code_col, "month"])[STOCK_COLUMNS].sum().reset_index()
    stocks = by_month.sort_values("month").groupby(code_col).tail(1).set_index(code_col)[
        STOCK_COLUMNS]
    start = pd.Timestamp(period.start_date(rule))
    end = pd.Timestamp(period.end_date(rule))
    pet = _slice_dates(core, start, end + pd.Timedelta(days=1))
    handled_by_end = pet["handled_on"].notna() & (pet["handled_on"] <= end)
    transferred = handled_by_end & pet["status"].eq("transferred")
    updated = transferred & pet["result_updated_on"].notna() & (pet["result_updated_on"] <= end)
    days = (pet["handled_on"] - pet["received_on"]).dt.days.where(handled_by_end)
    g = pd.DataFrame({
        "received": 1, "handled": handled_by_end.astype(int),
        "transferred": transferred.astype(int), "transferred_updated": updated.astype(int),
        "days": days,
    }).groupby(pet[code_col])
    petitions = g[["received", "handled", "transferred", "transferred_updated"]].sum()
    petitions["median_days"] = g["days"].median()
    # Backlog: received by the end and not handled by then, whatever the received date.
    upto = _slice_dates(core, pd.Timestamp("1900-01-01"), end + pd.Timedelta(days=1))
    open_ = upto[upto["handled_on"].isna() | (upto["handled_on"] > end)]
    age = (end - open_["received_on"]).dt.days
    for band in BACKLOG_BANDS:
        petitions[f"backlog_{band}"] = (age > band).groupby(open_[code_col]).sum()
    out = pd.concat([flows, stocks, petitions], axis=1)
    out.index.name = "unit_code"
    return out


# ------------------------------------------------------------------------------------------------
# The disk cache (:mod:`reportkit.store.cache`): a fresh kernel per report (batch runs) would
# otherwise read every petition and recompute the same all-unit aggregates for every report.
# Aggregates are small (one row per unit), so they are kept per data version under
# ``<warehouse>/cache/aggregates/``; the key also carries this module's source.
CACHE_DIR = "cache/aggregates"
CACHE_KEEP = cache.KEEP
ENV_NO_CACHE = cache.ENV_NO_CACHE


def _cache_file(root: str, version: str, period: Period, rule: str, grouping: str) -> Path:
    name = f"{str(period).replace('..', '_to_')}.{rule}.{grouping}"
    return cache.frame_path(root, "aggregates", f"{version}|{cache.source_hash(__file__)}",
                            name)



@lru_cache(maxsize=512)
def _aggregates_cached(period: Period, rule: str, root: str, version: str,
                       grouping: str) -> pd.DataFrame:
    use_disk = cache.enabled()
    path = _cache_file(root, version, period, rule, grouping)
    if use_disk and (hit := cache.read_frame(path)) is not None:
        return hit
    out = _compute(_core(root, version), period, rule, f"{grouping}_code")
    if grouping == "current":
        wanted = [u.code for u in U.units_at(max(period.last, U.MERGER_DATE))]
    else:
        wanted = [u.code for u in U.units_at(period.last)]
    out = out.reindex(wanted)
    if use_disk:
        cache.write_frame(path, out)
    return out


def aggregates(period: Period | str, *, units: list[U.Unit] | None = None,
               rule: str | None = None, root: Path | str | None = None,
               grouping: str | None = None) -> pd.DataFrame:
    """Base aggregates per unit (index: unit code).

    By default the units are those in force at the period's end. ``grouping="current"``
    re-aggregates a period before 1 July 2025 onto the 34 units (their old members' data,
    medians included, computed from the records). ``units`` narrows the rows returned.
    """
    p = period if isinstance(period, Period) else Period.parse(period)
    rule = rule or default_rule()
    wh = Warehouse(root)
    version = wh.data_version("activity") + wh.data_version("petitions")
    if grouping is None:
        grouping = "current" if p.last >= U.MERGER_DATE else "source"
    out = _aggregates_cached(p, rule, str(wh.root), version, grouping)
    if units is not None:
        return out.reindex([u.code for u in units])  # a new frame: the cached one is safe
    return out.copy()


def _value(ind: Indicator, agg: pd.DataFrame) -> pd.Series:
    """The indicator per row: the numerator, or numerator / denominator where the
    denominator is positive (else NaN). In numpy: a report asks for it some 200 times."""
    have = ind.numerator in agg.columns
    num = (agg[ind.numerator].to_numpy(dtype=float, na_value=np.nan) if have
           else np.full(len(agg), np.nan))
    if ind.denominator is None:
        return pd.Series(num, index=agg.index, name=ind.numerator if have else None)
    den = agg[ind.denominator].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / np.where(den > 0, den, np.nan)
    return pd.Series(out, index=agg.index)


def values(period: Period | str, *, rule: str | None = None,
           root: Path | str | None = None) -> pd.DataFrame:
    """Every indicator for every unit in force at the period's end (index: unit code)."""
    agg = aggregates(period, rule=rule, root=root)
    return pd.DataFrame({i.id: _value(i, agg) for i in INDICATORS.values()})


def national_value(ind: Indicator, agg: pd.DataFrame) -> float | None:
    """The national figure, by the indicator's aggregation rule."""
    if agg.empty:
        return None
    if ind.aggregation == MEAN_OF_RATES:
        return _none(_value(ind, agg).mean())
    if ind.aggregation == MEDIAN:
        return _none(agg[ind.numerator].median())
    if ind.aggregation == SUM:
        return _none(agg[ind.numerator].sum(min_count=1))
    den = agg[ind.denominator].sum()
    return _none(agg[ind.numerator].sum() / den) if den > 0 else None


def national(period: Period | str, *, rule: str | None = None,
             root: Path | str | None = None) -> dict[str, float | None]:
    agg = aggregates(period, rule=rule, root=root)
    return {i.id: national_value(i, agg) for i in INDICATORS.values()}


def ranks(ind: Indicator, vals: pd.Series) -> pd.Series:
    """Rank 1 = best (by the indicator's direction); ties share the better rank."""
    ascending = ind.direction < 0
    return vals.rank(ascending=ascending, method="min").astype("Int64")


def result(indicator_id: str, unit: U.Unit | str, period: Period | str, *,
           rule: str | None = None, root: Path | str | None = None) -> IndicatorResult:
    """One indicator for one unit and period with all its comparisons."""
    return summary(unit, period, [indicator_id], rule=rule, root=root)[0]


def summary(unit: U.Unit | str, period: Period | str, ids: list[str] | None = None, *,
            rule: str | None = None, root: Path | str | None = None) -> list[IndicatorResult]:
    """Results for several indicators (default: all) for one unit and period."""
    p = period if isinstance(period, Period) else Period.parse(period)
    u = unit if isinstance(unit, U.Unit) else U.resolve(unit, at=p.last)
    inds = [get(i) for i in (ids or list(INDICATORS))]
    agg = aggregates(p, rule=rule, root=root)
    prev = unit_aggregates(u, p.previous(), rule=rule, root=root)
    ly = unit_aggregates(u, p.same_period_last_year(), rule=rule, root=root)
    out = []
    for ind in inds:
        vals = _value(ind, agg)
        v = _none(vals.get(u.code))
        rk = ranks(ind, vals.dropna()) if ind.direction else None
        num = _none(agg[ind.numerator].get(u.code)) if ind.numerator in agg else None
        den = (_none(agg[ind.denominator].get(u.code))
               if ind.denominator and ind.denominator in agg else None)
        out.append(IndicatorResult(
            indicator=ind, unit_code=u.code, period=str(p), value=v, numerator=num,
            denominator=den,
            previous=_none(_value(ind, prev).get(u.code)) if prev is not None else None,
            last_year=_none(_value(ind, ly).get(u.code)) if ly is not None else None,
            national=national_value(ind, agg),
            rank=int(rk[u.code]) if rk is not None and u.code in rk.index else None,
            n_units=int(vals.notna().sum()),
            target_met=None if ind.target is None or v is None else v >= ind.target - 1e-12,
        ))
    return out


def unit_aggregates(u: U.Unit, p: Period, *, rule: str | None = None,
                    root: Path | str | None = None) -> pd.DataFrame | None:
    """One unit's aggregates for a period, as a one-row frame indexed by ``u.code``.

    A unit formed on 1 July 2025 is re-aggregated from its old members' records for earlier
    periods; an old unit has no figures after the merger.
    """
    if p.last < date(2016, 1, 1):
        return None
    if u.era == "pre-2025" and p.last >= U.MERGER_DATE:
        return None
    grouping = "current" if u.era == "post-2025" else "source"
    agg = aggregates(p, units=[u], rule=rule, root=root, grouping=grouping)
    return agg if pd.notna(agg.to_numpy()).any() else None


def series(indicator_id: str, unit: U.Unit | str | None, periods: list[Period], *,
           rule: str | None = None, root: Path | str | None = None) -> pd.Series:
    """An indicator over several periods for one unit (or national when ``unit`` is None).

    Earlier periods of a unit formed on 1 July 2025 are re-aggregated from its old members.
    """
    ind = get(indicator_id)
    out: dict[str, float | None] = {}
    u = None
    if unit is not None:
        u = unit if isinstance(unit, U.Unit) else U.resolve(unit, at=periods[-1].last)
    for p in periods:
        if u is None:
            out[str(p)] = national_value(ind, aggregates(p, rule=rule, root=root))
            continue
        agg = unit_aggregates(u, p, rule=rule, root=root)
        out[str(p)] = None if agg is None else _none(_value(ind, agg).get(u.code))
    return pd.Series(out, dtype="float64")
