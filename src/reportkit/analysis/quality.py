"""Data quality of submissions: who reported and when, what was rejected and why, and which
figures look suspicious.

Reporting rate and timeliness follow DHIS2's definitions:

- *expected reports*: one office-activity report per unit in force and month of the period
  (63 units before 1 July 2025, 34 from it);
- *reporting rate* = actual reports / expected reports;
- *reporting rate on time* (timeliness) = reports submitted on time / expected reports, where
  on time means ``submitted_on`` no later than ``days`` days after the end of the month
  (DHIS2's "days after period end to qualify for timely submission", 15 by default).

Suspicious figures are outliers against a unit's own history: the robust (modified) z-score
``0.6745 · (x − median) / MAD`` over the unit's previous months, flagged above 3.5
(Iglewicz and Hoaglin). A unit is its code *and* era, so Lào Cai after 1 July 2025 is not
compared with Yên Bái before it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reportkit.core import units as U
from reportkit.core.periods import Period
from reportkit.store import cache
from reportkit.store.warehouse import Warehouse, partition_keys, slice_keys

__all__ = ["submission_status", "reporting_rates", "rejections", "rejection_reasons",
           "outliers"]

DAYS_TIMELY = 15
_ACTIVITY_COLUMNS = ["unit_code", "unit_name", "month", "submitted_on"]


def _period(period: Period | str) -> Period:
    return Period.parse(period)


def _activity(p: Period, activity: pd.DataFrame | None, root: Path | str | None,
              columns: list[str], months_before: int = 0) -> pd.DataFrame:
    """Activity rows from the given frame or the warehouse, from ``months_before`` months
    before the period to its end, with each row's unit key."""
    first = pd.Timestamp(p.first) - pd.DateOffset(months=months_before)
    if activity is None:
        wh = Warehouse(root)
        span = Period.range(first.date(), p.last)
        keys = slice_keys(None, span, reaggregate=False)
        activity = wh.read("activity", keys or [], columns=sorted(set(columns) | {
            "unit_code", "month"}))
    df = activity.copy()
    for c in set(columns) | {"unit_code", "month"}:
        if c not in df.columns:
            df[c] = pd.Series(dtype="datetime64[ns]" if c in ("month", "submitted_on")
                              else object)
    df["month"] = pd.to_datetime(df["month"]).dt.to_period("M").dt.to_timestamp()
    df = df[(df["month"] >= first) & (df["month"] <= pd.Timestamp(p.last))]
    df["unit_code"] = df["unit_code"].astype(str).str.zfill(2)
    if df.empty:
        df["unit_key"] = pd.Series(dtype=str)
        return df
    from reportkit.core.schema import ACTIVITY

    df["unit_key"] = partition_keys(df, ACTIVITY)
    return df.dropna(subset=["unit_key"])


def _submissions(p: Period, activity: pd.DataFrame | None,
                 root: Path | str | None) -> pd.DataFrame:
    """The first submission of each unit's monthly report in the period: ``unit_key``,
    ``month``, ``submitted_on``.

    Read from the warehouse (``activity`` None), it is the same for every report of the
    period: it is kept in the disk cache (:mod:`reportkit.store.cache`) per version of the
    activity partitions it reads, so a batch opens those ~100 files once, not per report."""
    path = None
    if activity is None and cache.enabled():
        wh = Warehouse(root)
        keys = slice_keys(None, Period.range(p.first, p.last), reaggregate=False) or []
        version = f"{wh.data_version('activity', keys)}|{cache.source_hash(__file__)}"
        path = cache.frame_path(wh.root, "submissions", version, str(p).replace("..", "_to_"))
        if (hit := cache.read_frame(path)) is not None:
            return hit
    got = _activity(p, activity, root, _ACTIVITY_COLUMNS)
    got = got.sort_values("submitted_on").drop_duplicates(["unit_key", "month"], keep="first")
    got = got[["unit_key", "month", "submitted_on"]].reset_index(drop=True)
    if path is not None:
        cache.write_frame(path, got)
    return got


def _month_end(m: date) -> date:
    nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def submission_status(period: Period | str, *, activity: pd.DataFrame | None = None,
                      root: Path | str | None = None, days: int = DAYS_TIMELY,
                      units: list[str] | None = None) -> pd.DataFrame:
    """One row per expected report (unit in force × month of the period).

    Args:
        period: the period or its code.
        activity: activity rows (``unit_code``, ``month``, ``submitted_on``); default: read
            from the warehouse at ``root``.
        root: the warehouse folder (default: the configured one).
        days: a report is on time when submitted at most this many days after the month end.
        units: restrict the expected reports to these unit codes.

    Returns:
        Columns ``unit_key, unit_code, unit_name, month, deadline, submitted, submitted_on,
        on_time, days_late`` (days_late is negative when early, NA when missing).
    """
    p = _period(period)
    expected = [(u.key, u.code, u.name, pd.Timestamp(m), pd.Timestamp(_month_end(m)
                                                                       + timedelta(days=days)))
                for m in p.months() for u in U.units_at(m) if units is None or u.code in units]
    exp = pd.DataFrame(expected, columns=["unit_key", "unit_code", "unit_name", "month",
                                          "deadline"])
    got = _submissions(p, activity, root).assign(submitted=True)
    out = exp.merge(got, on=["unit_key", "month"], how="left")
    out["submitted_on"] = pd.to_datetime(out["submitted_on"])
    out["submitted"] = out["submitted"].astype("boolean").fillna(False).astype(bool)
    late = (out["submitted_on"] - out["deadline"]).dt.days
    out["days_late"] = late.astype("Int64")
    out["on_time"] = out["submitted"] & (late <= 0).fillna(False)
    return out[["unit_key", "unit_code", "unit_name", "month", "deadline", "submitted",
                "submitted_on", "on_time", "days_late"]]


def reporting_rates(period: Period | str, *, activity: pd.DataFrame | None = None,
                    root: Path | str | None = None, days: int = DAYS_TIMELY,
                    units: list[str] | None = None, by: str = "unit") -> pd.DataFrame:
    """Expected, actual and on-time reports with DHIS2's two rates (0–1), per unit (``by=
    "unit"``), per month (``by="month"``) or for the whole period (``by="all"``)."""
    st = submission_status(period, activity=activity, root=root, days=days, units=units)
    keys = {"unit": ["unit_key", "unit_code", "unit_name"], "month": ["month"], "all": []}[by]
    if keys:
        g = st.groupby(keys, sort=True)
        out = pd.DataFrame({"expected": g.size(), "actual": g["submitted"].sum(),
                            "on_time": g["on_time"].sum()}).reset_index()
    else:
        out = pd.DataFrame({"expected": [len(st)], "actual": [int(st["submitted"].sum())],
                            "on_time": [int(st["on_time"].sum())]})
    out["reporting_rate"] = out["actual"] / out["expected"].where(out["expected"] > 0)
    out["timeliness"] = out["on_time"] / out["expected"].where(out["expected"] > 0)
    return out


def rejections(period: Period | str | None = None, *, root: Path | str | None = None,
               ledger: list[dict[str, Any]] | None = None,
               include_undated: bool = True) -> pd.DataFrame:
    """Rejected submissions from the ledger, and why (rule, column and count, never values).

    Args:
        period: keep files whose dates overlap the period (files rejected before any date
            could be read are kept when ``include_undated``).
        root: the warehouse folder (default: the configured one).
        ledger: ledger entries to use instead of the warehouse's.
        include_undated: keep rejections without dates (unreadable files).

    Returns:
        One row per rejected file: ``at, user, file, table, units, first, last, problems,
        reasons`` (reasons: "rule in column ×count; …"), and ``loaded_later`` (a file with
        the same name was loaded afterwards).
    """
    entries = ledger if ledger is not None else Warehouse(root).ledger()
    p = _period(period) if period is not None else None
    rows = []
    for i, e in enumerate(entries):
        if e.get("status") != "rejected":
            continue
        first, last = e.get("first"), e.get("last")
        if p is not None:
            if first and last:
                lo, hi = date.fromisoformat(first), date.fromisoformat(last)
                if hi < p.start_date("decree09") or lo > p.end_date("calendar"):
                    continue
            elif not include_undated:
                continue
        name = Path(str(e.get("file"))).name
        later = any(x.get("status") == "loaded" and Path(str(x.get("file"))).name == name
                    for x in entries[i + 1:])
        reasons = "; ".join(
            f"{r['rule']}" + (f" in {r['column']}" if r.get("column") else "")
            + f" ×{r['count']}" for r in e.get("reasons") or [])
        rows.append({"at": e.get("at"), "user": e.get("user"), "file": e.get("file"),
                     "table": e.get("table"), "units": ", ".join(e.get("units") or []),
                     "first": first, "last": last, "problems": e.get("problems", 0),
                     "reasons": reasons, "loaded_later": later})
    cols = ["at", "user", "file", "table", "units", "first", "last", "problems", "reasons",
            "loaded_later"]
    return pd.DataFrame(rows, columns=cols)


def rejection_reasons(period: Period | str | None = None, *, root: Path | str | None = None,
                      ledger: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """How often each rule failed, over the rejected files: ``rule, column, files, problems,
    example`` (an example message; messages never carry personal data)."""
    entries = ledger if ledger is not None else Warehouse(root).ledger()
    keep = set(rejections(period, ledger=entries)["file"]) if period is not None else None
    rows = []
    for e in entries:
        if e.get("status") != "rejected" or (keep is not None and e.get("file") not in keep):
            continue
        for r in e.get("reasons") or []:
            rows.append({"rule": r["rule"], "column": r.get("column") or "", "file": e["file"],
                         "count": r["count"], "message": r.get("message", "")})
    if not rows:
        return pd.DataFrame(columns=["rule", "column", "files", "problems", "example"])
    df = pd.DataFrame(rows)
    out = df.groupby(["rule", "column"]).agg(files=("file", "nunique"),
                                             problems=("count", "sum"),
                                             example=("message", "first")).reset_index()
    return out.sort_values(["problems", "files"], ascending=False, ignore_index=True)


def outliers(period: Period | str, *, column: str = "docs_sent",
             activity: pd.DataFrame | None = None, root: Path | str | None = None,
             history: int = 24, min_history: int = 6, threshold: float = 3.5,
             flagged_only: bool = True) -> pd.DataFrame:
    """Figures far from the unit's own history: robust z-score against the ``history``
    months before each month of the period (at least ``min_history`` of them).

    ``z = 0.6745 · (x − median) / MAD``; when the MAD is 0, ``(x − median) / (1.2533 ·
    mean absolute deviation)``; when that is 0 too, a value off the median is infinitely far.

    Returns:
        ``unit_key, unit_code, unit_name, month, value, median, mad, history, z, flagged``,
        most extreme first (only flagged rows unless ``flagged_only=False``).
    """
    p = _period(period)
    cols = ["unit_code", "unit_name", "month", column]
    df = _activity(p, activity, root, cols, months_before=history)
    df = df.dropna(subset=[column]).sort_values(["unit_key", "month"])
    period_rows = df[df["month"] >= pd.Timestamp(p.first)]
    out = []
    for key, rows in period_rows.groupby("unit_key", sort=True):
        mine = df[df["unit_key"] == key]
        for _, row in rows.iterrows():
            m = row["month"]
            past = mine[(mine["month"] < pd.Timestamp(p.first))
                        & (mine["month"] >= m - pd.DateOffset(months=history))][column]
            past = past.astype(float).to_numpy()
            x = float(row[column])
            med = mad = z = np.nan
            if len(past) >= min_history:
                med = float(np.median(past))
                mad = float(np.median(np.abs(past - med)))
                if mad > 0:
                    z = 0.6745 * (x - med) / mad
                else:
                    mean_ad = float(np.mean(np.abs(past - med)))
                    z = ((x - med) / (1.2533 * mean_ad) if mean_ad > 0
                         else 0.0 if x == med else np.inf * np.sign(x - med))
            out.append({"unit_key": key, "unit_code": row["unit_code"],
                        "unit_name": row.get("unit_name"), "month": m, "value": x,
                        "median": med, "mad": mad, "history": len(past), "z": z})
    res = pd.DataFrame(out, columns=["unit_key", "unit_code", "unit_name", "month", "value",
                                     "median", "mad", "history", "z"])
    res["flagged"] = res["z"].abs() > threshold
    res = res.reindex(res["z"].abs().sort_values(ascending=False, na_position="last").index)
    if flagged_only:
        res = res[res["flagged"]]
    return res.reset_index(drop=True)
