"""The synthetic sample data generator (``reportkit sample``).

Writes, deterministically from a seed, the submissions provinces would send: one office-activity
CSV per unit and period (monthly rows) and one petition-records CSV per unit and period, for the
63 units monthly from January 2016 to June 2025 and the 34 units from July 2025 to October 2026.

It is calibrated to the figures published for July 2016 – December 2018 (dangcongsan.vn,
29/7/2019): the 63 provincial offices sent 40,976 documents and reports, 17,472 of them over the
wide-area network; they received 69,160 petitions and letters; the mean of the 63 provincial
processing rates was 75.5%; exactly 22 provinces processed 100%. Processing rate here means:
petitions received in the period and handled (``handled_on``) by the period's last day, over
petitions received in the period, under the calendar rule.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from reportkit.core import units as U
from reportkit.core.schema import ACTIVITY, PETITIONS
from reportkit.store.io import write_csv_parts

SEED = 20190729
FIRST_MONTH = date(2016, 1, 1)
LAST_MONTH = date(2026, 10, 1)
CALIBRATION_FIRST = date(2016, 7, 1)
CALIBRATION_LAST = date(2018, 12, 1)
CALIBRATION = {
    "docs_sent": 40_976,
    "docs_sent_network": 17_472,
    "petitions_received": 69_160,
    "mean_processing_rate_pct": 75.5,
    "units_at_100pct": 22,
}
SAMPLE_MARK = "DỮ LIỆU MẪU — sample data"
MARKER_FILE = ".reportkit-sample"  # marks a folder of sample submissions (see ingest)
SUBMITTED_BY = date(2026, 11, 14)  # the last sample submission date

_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
           "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Lương"]
_MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thanh", "Xuân", "Đình", "Ngọc"]
_MIDDLE_F = ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Hồng", "Bích", "Mỹ", "Diệu"]
_GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phong",
            "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Vinh", "Trung", "Hiếu", "Lâm", "Đạt"]
_GIVEN_F = ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai",
            "Ngọc", "Nhung", "Phương", "Thảo", "Trang", "Tuyết", "Vân", "Yến", "Hằng"]
_STREETS = ["Trần Phú", "Lê Lợi", "Nguyễn Huệ", "Hùng Vương", "Quang Trung", "Lý Thường Kiệt",
            "Hai Bà Trưng", "Nguyễn Trãi", "Lê Duẩn", "Phan Chu Trinh", "Điện Biên Phủ",
            "Nguyễn Văn Cừ", "Võ Thị Sáu", "Bạch Đằng", "Trần Hưng Đạo"]
_AGENCIES_PRE = ["UBND tỉnh", "Ủy ban Kiểm tra Tỉnh ủy", "Thanh tra tỉnh",
                 "Sở Tài nguyên và Môi trường", "Tòa án nhân dân tỉnh",
                 "Viện Kiểm sát nhân dân tỉnh", "Công an tỉnh", "UBND cấp huyện"]
_AGENCIES_POST = ["UBND tỉnh", "Ủy ban Kiểm tra Tỉnh ủy", "Thanh tra tỉnh",
                  "Sở Nông nghiệp và Môi trường", "Tòa án nhân dân tỉnh",
                  "Viện Kiểm sát nhân dân tỉnh", "Công an tỉnh", "UBND cấp xã"]


@dataclass(frozen=True)
class SampleSummary:
    """What the generator wrote."""

    root: Path
    activity_files: int
    petition_files: int
    activity_rows: int
    petition_rows: int


def _months(first: date, last: date) -> list[date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _unit_rng(seed: int, key: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _profiles(seed: int) -> pd.DataFrame:
    """Size and strengths of each old unit; new units inherit from their members."""
    rng = np.random.default_rng(seed)
    old = U.units_at(date(2025, 6, 1))
    big = {"01": 3.0, "79": 3.2, "31": 1.7, "48": 1.5, "92": 1.3, "38": 1.6, "40": 1.6}
    rows = []
    for u in old:
        size = float(np.clip(rng.lognormal(0.0, 0.3), 0.55, 1.8)) * big.get(u.code, 1.0)
        rows.append({
            "key": u.key, "code": u.code, "size": size,
            "network_skill": float(rng.normal(0.0, 1.0)),
            "timeliness": float(np.clip(rng.normal(0.93, 0.04), 0.78, 1.0)),
            "completion": float(np.clip(rng.normal(0.95, 0.03), 0.82, 1.0)),
            "followup": float(np.clip(rng.normal(0.78, 0.12), 0.35, 0.98)),
            "speed_days": float(np.clip(rng.lognormal(np.log(12), 0.35), 5, 40)),
        })
    prof = pd.DataFrame(rows).set_index("key")
    # A few provinces are weak on some indicators, on purpose.
    weak = rng.choice(len(prof), size=12, replace=False)
    prof.iloc[weak[:4], prof.columns.get_loc("timeliness")] = [0.70, 0.74, 0.76, 0.79]
    prof.iloc[weak[4:8], prof.columns.get_loc("network_skill")] = -2.2
    prof.iloc[weak[8:12], prof.columns.get_loc("followup")] = [0.25, 0.3, 0.35, 0.4]
    new_rows = []
    for nu in U.units_at(date(2025, 7, 1)):
        mem = prof.loc[[m.key for m in U.members(nu)]]
        w = mem["size"] / mem["size"].sum()
        new_rows.append({
            "key": nu.key, "code": nu.code, "size": float(mem["size"].sum()) * 0.92,
            **{c: float((mem[c] * w).sum())
               for c in ("network_skill", "timeliness", "completion", "followup", "speed_days")},
        })
    return pd.concat([prof, pd.DataFrame(new_rows).set_index("key")])


def _exact_round(values: np.ndarray, total: int, rng: np.random.Generator,
                 cap: np.ndarray | None = None) -> np.ndarray:
    """Integers proportional to ``values`` that sum exactly to ``total`` (largest remainder),
    never above ``cap``."""
    scaled = values / values.sum() * total
    out = np.floor(scaled).astype(np.int64)
    if cap is not None:
        out = np.minimum(out, cap)
    remainder = scaled - out + rng.uniform(0, 1e-6, len(values))
    order = np.argsort(-remainder, kind="stable")
    need = total - int(out.sum())
    i = 0
    while need > 0:
        j = order[i % len(order)]
        if cap is None or out[j] < cap[j]:
            out[j] += 1
            need -= 1
        i += 1
    return out


def _activity(prof: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Monthly office-activity rows for every unit in force in each month."""
    rng = np.random.default_rng(seed + 1)
    months = _months(FIRST_MONTH, LAST_MONTH)
    frames = []
    for m in months:
        for u in U.units_at(m):
            frames.append((u, m))
    n = len(frames)
    keys = [u.key for u, _ in frames]
    p = prof.loc[keys]
    mon = np.array([m.month for _, m in frames])
    yrs = np.array([m.year + (m.month - 1) / 12 for _, m in frames])
    size = p["size"].to_numpy()
    season = 1.0 + 0.25 * np.isin(mon, [6, 12]) + 0.12 * np.isin(mon, [3, 9]) - 0.3 * (mon == 2)
    trend = 1.0 + 0.03 * (yrs - 2016)
    docs_mean = 21.0 * size * season * trend
    docs = rng.poisson(docs_mean).astype(np.int64)
    share = 1 / (1 + np.exp(-(0.38 * (yrs - 2018.2) + 0.45 * p["network_skill"].to_numpy())))
    share = np.clip(share, 0.05, 0.995)
    in_cal = np.array([CALIBRATION_FIRST <= m <= CALIBRATION_LAST for _, m in frames])
    # Calibrate the published window exactly.
    docs[in_cal] = _exact_round(docs_mean[in_cal] * rng.uniform(0.8, 1.2, in_cal.sum()),
                                CALIBRATION["docs_sent"], rng)
    network = rng.binomial(docs, share).astype(np.int64)
    network[in_cal] = _exact_round(docs[in_cal] * share[in_cal] + 1e-9,
                                   CALIBRATION["docs_sent_network"], rng, cap=docs[in_cal])
    nonsecret = np.maximum(np.round(docs * rng.uniform(0.45, 0.6, n)).astype(np.int64), 0)
    nonsecret = np.minimum(nonsecret, docs)
    nonsec_el = np.minimum(nonsecret, network)
    due = rng.integers(3, 8, n)
    on_time = rng.binomial(due, p["timeliness"].to_numpy())
    planned = rng.integers(6, 16, n) + 6 * (mon == 12)
    completed = rng.binomial(planned, p["completion"].to_numpy())
    visits = rng.poisson(18 * size * trend)
    groups = np.minimum(rng.poisson(0.35 * size), visits)
    quota = np.round(55 * np.sqrt(size)).astype(np.int64)
    merged = np.array([m >= U.MERGER_DATE for _, m in frames])
    quota = np.where(merged, np.round(quota * 1.6), quota).astype(np.int64)
    in_post = quota - (_hash_int(keys, seed, "vac") % 6) - (yrs > 2022).astype(int)
    univ = np.round(in_post * np.clip(0.82 + 0.015 * (yrs - 2016), 0, 0.99)).astype(np.int64)
    post = np.round(univ * np.clip(0.18 + 0.02 * (yrs - 2016), 0, 0.6)).astype(np.int64)
    month_end = np.array([_month_end(m) for _, m in frames])
    late = rng.random(n) > p["timeliness"].to_numpy()
    delay = np.where(late, rng.integers(11, 30, n), rng.integers(2, 10, n))
    df = pd.DataFrame({
        "unit_code": [u.code for u, _ in frames],
        "unit_name": [u.name for u, _ in frames],
        "month": pd.to_datetime([m for _, m in frames]),
        "docs_sent": docs, "docs_sent_network": network,
        "docs_nonsecret": nonsecret, "docs_nonsecret_electronic": nonsec_el,
        "reports_due": due, "reports_on_time": on_time,
        "meetings_executive": (np.isin(mon, [1, 4, 7, 10, 12]) | (rng.random(n) < 0.1)).astype(int),
        "meetings_standing_committee": rng.integers(2, 6, n),
        "meetings_standing_board": rng.integers(4, 10, n),
        "meetings_cadre_conferences": rng.integers(0, 4, n),
        "programme_planned": planned, "programme_completed": completed,
        "proposals_appraised": rng.poisson(2.5 * np.sqrt(size)),
        "citizens_received": visits, "group_delegations": groups,
        "staff_in_post": in_post, "staff_quota": quota,
        "staff_university": univ, "staff_postgraduate": post,
        "archive_files": rng.poisson(np.where(np.isin(mon, [3, 6, 9, 12]), 60, 8) * size),
        "submitted_on": np.minimum(pd.to_datetime(month_end) + pd.to_timedelta(delay, unit="D"),
                                   pd.Timestamp(SUBMITTED_BY)),
    })
    return df[ACTIVITY.columns]


def _hash_int(keys: list[str], seed: int, salt: str) -> np.ndarray:
    return np.array([int(hashlib.md5(f"{seed}{salt}{k}".encode()).hexdigest()[:6], 16)
                     for k in keys])


def _month_end(m: date) -> date:
    nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _petition_counts(prof: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Petitions received per unit and month, the calibration window summing exactly."""
    rng = np.random.default_rng(seed + 2)
    rows = [(u.key, u.code, m) for m in _months(FIRST_MONTH, LAST_MONTH) for u in U.units_at(m)]
    df = pd.DataFrame(rows, columns=["key", "code", "month"])
    size = prof.loc[df["key"], "size"].to_numpy()
    yrs = np.array([m.year + (m.month - 1) / 12 for m in df["month"]])
    mon = np.array([m.month for m in df["month"]])
    season = 1.0 - 0.35 * (mon == 2) + 0.1 * np.isin(mon, [5, 6, 10])
    mean = 36.0 * size * season * (1 + 0.04 * (yrs - 2016))
    counts = rng.poisson(mean).astype(np.int64)
    cal = ((df["month"] >= CALIBRATION_FIRST) & (df["month"] <= CALIBRATION_LAST)).to_numpy()
    counts[cal] = _exact_round(mean[cal] * rng.uniform(0.85, 1.15, cal.sum()),
                               CALIBRATION["petitions_received"], rng)
    df["n"] = np.maximum(counts, 0)
    return df


def _calibration_handled(totals: pd.Series, rng: np.random.Generator) -> pd.Series:
    """How many of each old unit's window petitions are handled by 31/12/2018: 22 units at
    100%, the mean of the 63 rates 75.5% (to one decimal)."""
    keys = list(totals.index)
    full = set(rng.choice(keys, size=CALIBRATION["units_at_100pct"], replace=False))
    rest = [k for k in keys if k not in full]
    target_sum = CALIBRATION["mean_processing_rate_pct"] / 100 * len(keys) - len(full)
    raw = np.clip(rng.normal(target_sum / len(rest), 0.12, len(rest)), 0.32, 0.97)
    raw = raw * target_sum / raw.sum()
    handled = {k: int(totals[k]) for k in full}
    for k, r in zip(rest, raw, strict=True):
        handled[k] = int(min(totals[k] - 1, max(1, round(r * totals[k]))))

    def mean_rate() -> float:
        return float(np.mean([handled[k] / totals[k] for k in keys]))

    goal = CALIBRATION["mean_processing_rate_pct"] / 100
    # Nudge single petitions until the mean sits well inside the rounding band.
    i = 0
    while abs(mean_rate() - goal) > 0.0002:
        k = rest[i % len(rest)]
        step = 1 if mean_rate() < goal else -1
        if 1 <= handled[k] + step <= totals[k] - 1:
            handled[k] += step
        i += 1
    return pd.Series(handled)


def _petitions(prof: pd.DataFrame, seed: int) -> pd.DataFrame:
    counts = _petition_counts(prof, seed)
    rng = np.random.default_rng(seed + 3)
    rep = counts.loc[counts.index.repeat(counts["n"])].reset_index(drop=True)
    n = len(rep)
    month = pd.to_datetime(rep["month"])
    days_in = month.dt.days_in_month.to_numpy()
    received = month + pd.to_timedelta(rng.integers(0, 10_000, n) % days_in, unit="D")
    keys = rep["key"].to_numpy()
    p = prof.loc[keys]
    topic = rng.choice(len(PETITIONS.field("topic").categories), n,
                       p=[0.38, 0.11, 0.16, 0.15, 0.10, 0.10])
    kind = rng.choice(3, n, p=[0.45, 0.15, 0.40])
    channel = rng.choice(4, n, p=[0.22, 0.45, 0.13, 0.20])
    is_group = rng.random(n) < np.where(topic <= 1, 0.10, 0.03)
    within = rng.random(n) < 0.36
    delay = np.ceil(rng.exponential(p["speed_days"].to_numpy())).astype(np.int64)
    handled = received + pd.to_timedelta(delay, unit="D")
    recv_d = received.dt.normalize()
    # Calibration window: exactly the planned number handled by 31/12/2018 in each old unit.
    cal_end = pd.Timestamp(2018, 12, 31)
    in_cal = ((recv_d >= pd.Timestamp(CALIBRATION_FIRST)) & (recv_d <= cal_end)).to_numpy()
    totals = pd.Series(keys[in_cal]).value_counts()
    target = _calibration_handled(totals, np.random.default_rng(seed + 4))
    cal_idx = np.flatnonzero(in_cal)
    ok_by_end = np.zeros(n, dtype=bool)
    for k, idx in pd.Series(cal_idx).groupby(keys[cal_idx]):
        chosen = rng.permutation(idx.to_numpy())[: target[k]]
        ok_by_end[chosen] = True
    h = handled.to_numpy().copy()
    r = recv_d.to_numpy()
    end64 = np.datetime64(cal_end)
    late = in_cal & ok_by_end & (h > end64)
    span = ((end64 - r[late]) / np.timedelta64(1, "D")).astype(np.int64)
    h[late] = r[late] + (rng.integers(0, 1_000_000, late.sum()) % (span + 1)).astype(
        "timedelta64[D]")
    early = in_cal & ~ok_by_end
    h[early] = np.maximum(h[early], end64 + np.timedelta64(1, "D")
                          + rng.integers(0, 120, early.sum()).astype("timedelta64[D]"))
    # Still open today: recent petitions whose handling date lies beyond the data's end,
    # and a small old backlog that was never handled.
    data_end = np.datetime64(_month_end(LAST_MONTH))
    never = (rng.random(n) < 0.004) & ~(in_cal & ok_by_end)
    open_now = (h > data_end) | never
    status = np.where(within, np.where(rng.random(n) < 0.72, 3, 4),
                      np.where(rng.random(n) < 0.85, 2, 4))
    status = np.where(open_now, np.where(rng.random(n) < 0.5, 0, 1), status)
    status_names = np.array(PETITIONS.field("status").categories)[status]
    handled_out = pd.Series(h).where(~open_now)
    transferred = status_names == "transferred"
    follow = rng.random(n) < p["followup"].to_numpy()
    upd = pd.Series(h) + pd.to_timedelta(rng.integers(5, 75, n), unit="D")
    result_updated = upd.where(transferred & follow & (upd.to_numpy() <= data_end))
    post = (month >= pd.Timestamp(U.MERGER_DATE)).to_numpy()
    agency_post = rng.integers(0, 8, n)  # drawn in this order: the sample stays the same
    agency = np.where(post, len(_AGENCIES_PRE) + agency_post, rng.integers(0, 8, n))
    # Repeat petitions share the case key of an earlier one in the same unit.
    seq = np.arange(n)
    code = pd.Series(rep["code"].to_numpy(), dtype="str")
    case = ("VV-" + code + "-" + _digits(seq, 7)).to_numpy(dtype=object)
    repeat = rng.random(n) < 0.07
    prev = np.maximum(seq - rng.integers(1, 400, n), 0)
    same_unit = keys[prev] == keys
    case[repeat & same_unit] = case[prev[repeat & same_unit]]
    names, ids, phones, addrs = _people(rng, code, keys)
    cats = PETITIONS.field
    year_month = received.dt.year.to_numpy() * 100 + received.dt.month.to_numpy()
    df = pd.DataFrame({
        "petition_id": code + "-" + _digits(year_month, 6) + "-" + _digits(seq, 6),
        "unit_code": code,
        "received_on": recv_d.to_numpy(),
        "channel": _pick(cats("channel").categories, channel),
        "kind": _pick(cats("kind").categories, kind),
        "topic": _pick(cats("topic").categories, topic),
        "is_group": is_group, "within_jurisdiction": within,
        "status": _pick(PETITIONS.field("status").categories, status),
        "handled_on": handled_out.to_numpy(),
        "transferred_to": _pick(_AGENCIES_PRE + _AGENCIES_POST,
                                np.where(transferred, agency, -1)),
        "result_updated_on": result_updated.to_numpy(),
        "case_key": case,
        "petitioner_name": names, "petitioner_id": ids,
        "petitioner_phone": phones, "petitioner_address": addrs,
    })
    df["_key"] = keys
    return df


def _digits(values: np.ndarray, width: int) -> pd.Series:
    """Non-negative integers as text, zero-padded to ``width`` (``f"{i:0{width}d}"``)."""
    return pd.Series(values, dtype=np.int64).astype("str").str.zfill(width)


def _pick(labels: list[str] | tuple[str, ...], index: np.ndarray) -> pd.Series:
    """``labels[i]`` for each ``i`` of ``index`` as text; ``-1`` gives a missing value."""
    return pd.Series(pd.array(list(labels), dtype="str").take(index, allow_fill=True))


def _people(rng: np.random.Generator, codes: pd.Series,
            keys: np.ndarray) -> tuple[pd.Series, ...]:
    n = len(codes)
    female = rng.random(n) < 0.45
    fam = _pick(_FAMILY, rng.integers(0, len(_FAMILY), n))
    mid_f, mid_m = rng.integers(0, 10, n), rng.integers(0, 10, n)
    mid = _pick(_MIDDLE_F + _MIDDLE_M, np.where(female, mid_f, len(_MIDDLE_F) + mid_m))
    giv_f, giv_m = rng.integers(0, 20, n), rng.integers(0, 20, n)
    giv = _pick(_GIVEN_F + _GIVEN_M, np.where(female, giv_f, len(_GIVEN_F) + giv_m))
    names = fam + " " + mid + " " + giv
    year, serial = rng.integers(50, 100, n), rng.integers(0, 10**6, n)
    ids = "0" + codes + _digits(female.astype(np.int64), 1) + _digits(year, 2) + _digits(
        serial, 6)
    # Mobile numbers: 0, a two-digit network prefix, 7 digits (10 digits in all). The draw
    # keeps its old range so that every later random value of the sample stays the same.
    prefix = rng.choice([32, 33, 34, 35, 36, 37, 38, 39, 86, 88, 90, 91, 94, 96, 97, 98], n)
    phones = "0" + _digits(prefix, 0) + _digits(rng.integers(0, 10**8, n) % 10**7, 7)
    unit_names = {u.key: u.name for u in U.all_units()}
    house = rng.integers(1, 300, n)
    street = _pick(_STREETS, rng.integers(0, len(_STREETS), n))
    addrs = ("Số " + _digits(house, 0) + ", đường " + street + ", "
             + pd.Series(keys, dtype="str").map(unit_names).astype("str"))
    return names, ids, phones, addrs


def _file_periods(unit: U.Unit) -> list[tuple[str, date, date]]:
    """The periods a unit submits files for: a year each, cut at the merger."""
    first = max(FIRST_MONTH, unit.valid_from.replace(day=1))
    last = min(LAST_MONTH, (unit.valid_to or LAST_MONTH).replace(day=1))
    out = []
    for y in range(first.year, last.year + 1):
        a, b = max(first, date(y, 1, 1)), min(last, date(y, 12, 1))
        if a == date(y, 1, 1) and b == date(y, 12, 1):
            code = str(y)
        elif a == date(y, 1, 1) and b == date(y, 6, 1):
            code = f"{y}-H1"
        elif a == date(y, 7, 1) and b == date(y, 12, 1):
            code = f"{y}-H2"
        else:
            code = f"{a:%Y-%m}_to_{b:%Y-%m}"
        out.append((code, a, b))
    return out


def generate(root: Path | str = "data/sample", *, seed: int = SEED) -> SampleSummary:
    """Write the sample submissions under ``root`` (replacing what is there)."""
    root = Path(root)
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    prof = _profiles(seed)
    act = _activity(prof, seed)
    pet = _petitions(prof, seed)
    act_keys = (act["unit_code"] + "@" + np.where(
        act["month"] >= pd.Timestamp(U.MERGER_DATE), "post", "pre")).to_numpy()
    act_month = act["month"].to_numpy().astype("datetime64[M]")
    pet_month = pet["received_on"].to_numpy().astype("datetime64[M]")
    # Each unit's petition rows (positions, in the frame's order), from one grouping.
    pet_units = pd.Series(np.arange(len(pet))).groupby(pet["_key"].to_numpy()).indices
    none = np.array([], dtype=np.int64)
    act_parts: list[tuple[Path, np.ndarray]] = []
    pet_parts: list[tuple[Path, np.ndarray]] = []
    for unit in U.all_units():
        era = "post" if unit.era == "post-2025" else "pre"
        ua = np.flatnonzero(act_keys == f"{unit.code}@{era}")
        up = pet_units.get(unit.key, none)
        for code, a, b in _file_periods(unit):
            name = f"{unit.code}-{unit.slug}_{code}.csv"
            lo, hi = np.datetime64(a, "M"), np.datetime64(b, "M")
            for kind, rows, month, parts in (("activity", ua, act_month, act_parts),
                                             ("petitions", up, pet_month, pet_parts)):
                out = tmp / kind / str(a.year) / name
                out.parent.mkdir(parents=True, exist_ok=True)
                parts.append((out, rows[(month[rows] >= lo) & (month[rows] <= hi)]))
    act_out = act.copy()
    act_out["month"] = act_out["month"].dt.strftime("%Y-%m")
    write_csv_parts(act_out, act_parts, index=False, date_format="%Y-%m-%d")
    write_csv_parts(pet.drop(columns="_key"), pet_parts, index=False, date_format="%Y-%m-%d")
    act_files, pet_files = len(act_parts), len(pet_parts)
    (tmp / MARKER_FILE).write_text(f"seed={seed}\n", encoding="utf-8")
    (tmp / "README.md").write_text(
        f"# {SAMPLE_MARK}\n\nSynthetic submissions written by `reportkit sample` (seed {seed}).\n"
        "Every name, ID number, phone number and address here is invented.\n", encoding="utf-8")
    if root.exists():
        shutil.rmtree(root)
    tmp.rename(root)
    return SampleSummary(root, act_files, pet_files, len(act), len(pet))

