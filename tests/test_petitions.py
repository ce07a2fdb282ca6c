"""Petitions: every figure on small hand-made record sets whose answers are worked out by hand
(or by plain loops over the records) below, under the calendar and the Decree 09 rules, then
the notebook executed for real and its exported HTML checked against the same answers."""

from __future__ import annotations

import json
import re
from dataclasses import astuple
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from reportkit.analysis import disclosure as D
from reportkit.analysis import petitions as P
from reportkit.core import fmt
from reportkit.core.periods import Period
from reportkit.core.schema import AGENCY_NAMES, PETITIONS, TOPICS, agency_label, validate
from reportkit.presentation.petitions import PetitionsReport, Published
from reportkit.store.warehouse import Warehouse, load

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "petitions.ipynb"
Q3 = Period.parse("2025-Q3")
PII = ["petitioner_name", "petitioner_id", "petitioner_phone", "petitioner_address"]
IMG = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+")


def petition(pid: str, code: str, received: str, handled: str | None = None, *,
             status: str | None = None, within: bool = True, agency: str | None = None,
             updated: str | None = None, topic: str = "land", group: bool = False,
             case: str | None = None, n: int = 0) -> dict[str, Any]:
    st = status or ("resolved" if handled else "pending")
    return {
        "petition_id": pid, "unit_code": code, "received_on": pd.Timestamp(received),
        "channel": "post", "kind": "complaint", "topic": topic, "is_group": group,
        "within_jurisdiction": within, "status": st,
        "handled_on": pd.Timestamp(handled) if handled else pd.NaT,
        "transferred_to": agency if st == "transferred" else None,
        "result_updated_on": pd.Timestamp(updated) if updated else pd.NaT,
        "case_key": case or f"K-{pid}",
        # Personal data that must never come out anywhere.
        "petitioner_name": f"Nguyễn Văn Bí Mật {pid} {n}",
        "petitioner_id": f"0{990000000 + n:011d}"[-12:],
        "petitioner_phone": f"09{88000000 + n:08d}",
        "petitioner_address": f"Số {n + 1}, đường Bí Mật, Hà Nội",
    }


TT, UB = "Thanh tra thành phố", "UBND thành phố"
HAND = [
    # Hà Nội. Calendar Q3 2025 = 1/7–30/9; Decree 09 Q3 2025 = 15/6–14/9.
    petition("p01", "01", "2025-06-20", "2025-06-25", case="K3"),  # Decree 09 Q3 only
    petition("p02", "01", "2025-07-01", "2025-07-03", case="K1"),
    petition("p03", "01", "2025-07-10", "2025-07-20", status="transferred", within=False,
             agency=TT, updated="2025-08-01", group=True, case="K2"),
    petition("p04", "01", "2025-08-05", "2025-08-06", status="transferred", within=False,
             agency=UB, topic="environment"),
    # Result recorded 20/9: after the Decree 09 end (14/9), before the calendar end.
    petition("p05", "01", "2025-09-10", "2025-09-12", status="transferred", within=False,
             agency=UB, updated="2025-09-20", topic="environment"),
    petition("p06", "01", "2025-09-15", topic="environment", group=True),  # calendar Q3 only
    petition("p07", "01", "2025-09-29", "2025-10-02", topic="cadres"),  # handled after the end
    petition("p08", "01", "2025-03-01", status="in_progress"),  # open for months
    petition("p09", "01", "2025-05-01", "2025-05-10", status="transferred", within=False,
             agency=TT),  # transferred long ago, no result
    petition("p10", "01", "2024-07-15", "2024-07-20", case="K1"),
    petition("p11", "01", "2024-08-01", "2024-08-03", status="filed", within=False,
             topic="environment", group=True),
    petition("p12", "01", "2025-08-20", "2025-08-25", case="K1"),
    petition("p13", "01", "2025-06-10", "2025-07-15", topic="social_policy"),  # crosses 30/6
    petition("p14", "01", "2024-09-20", "2024-09-22"),  # last year, calendar only
    petition("p15", "01", "2024-06-16", "2024-06-18", topic="justice"),  # last year, Decree 09
    # Cần Thơ: an old Hậu Giang petition still open, re-aggregated onto Cần Thơ (92).
    petition("c1", "93", "2025-06-01"),
    petition("c2", "92", "2025-08-01", "2025-08-02", status="transferred", within=False,
             agency=UB),
]
for i, row in enumerate(HAND):
    row.update({k: v for k, v in petition(row["petition_id"], "01", "2025-01-01", n=i).items()
                if k in PII})


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hand") / "warehouse"
    df = pd.DataFrame(HAND)
    assert validate(df, PETITIONS, today=date(2026, 1, 1)) == []
    Warehouse(root).upsert("petitions", df)
    return root


def history(root: Path, rule: str, unit: str | None = "01", period: Period = Q3) -> pd.DataFrame:
    return load("petitions", unit, Period.range(date(2008, 8, 1), period.last), rule=rule,
                root=root)


# -- pure functions, by hand ----------------------------------------------------------------------
def test_load_keeps_no_personal_data(hand: Path) -> None:
    df = history(hand, "calendar")
    assert not set(PII) & set(df.columns)
    assert {"month", "case_key", "transferred_to"} <= set(df.columns)


@pytest.mark.parametrize(("rule", "expected"), [
    # received, within, outside, handled, open, here, transferred, updated, awaiting
    ("calendar", (7, 4, 3, 5, 2, 2, 3, 2, 1)),   # p02-p07, p12; p06, p07 still open on 30/9
    ("decree09", (6, 3, 3, 6, 0, 3, 3, 1, 2)),   # p01-p05, p12; p05's result came on 20/9
])
def test_flow(hand: Path, rule: str, expected: tuple[int, ...]) -> None:
    f = P.flow(history(hand, rule), Q3, rule)
    assert astuple(f) == expected
    assert f.received == f.within + f.outside == f.handled + f.open
    assert f.processing_rate == pytest.approx(expected[3] / expected[0])
    assert f.followup_rate == pytest.approx(expected[7] / expected[6])


@pytest.mark.parametrize(("rule", "expected"), [
    # Open on 30/9: p06 (15 days), p07 (1 day; handled 2/10), p08 (213 days).
    ("calendar", [2, 0, 0, 1]),
    # Open on 14/9: only p08 (197 days); p06 and p07 were not yet received.
    ("decree09", [0, 0, 0, 1]),
])
def test_backlog_by_age_band(hand: Path, rule: str, expected: list[int]) -> None:
    b = P.backlog(history(hand, rule), Q3, rule)
    assert list(b.index) == ["≤30", "31–60", "61–90", ">90"]
    assert b.tolist() == expected


def test_backlog_bands_edges() -> None:
    days = pd.Series([0, 30, 31, 60, 61, 90, 91, 400])
    assert P._bands(days, P.BANDS).tolist() == ["≤30", "≤30", "31–60", "31–60", "61–90",
                                                "61–90", ">90", ">90"]
    assert P.band_labels(lang="en") == ["≤ 30 days", "31–60 days", "61–90 days", "> 90 days"]


def test_backlog_trend_follows_each_period_end(hand: Path) -> None:
    periods = [Period.parse(p) for p in ("2025-Q1", "2025-Q2", "2025-Q3")]
    t = P.backlog_trend(history(hand, "calendar"), periods, "calendar")
    # 31/3: p08 (30 days). 30/6: p08 (121 days) and p13 (20 days; handled 15/7).
    assert t.loc["2025-Q1"].tolist() == [1, 0, 0, 0]
    assert t.loc["2025-Q2"].tolist() == [1, 0, 0, 1]
    assert t.loc["2025-Q3"].tolist() == [2, 0, 0, 1]


@pytest.mark.parametrize(("rule", "n", "median", "p90"), [
    ("calendar", 5, 2.0, 10.0),  # 1, 2, 2, 5, 10
    ("decree09", 6, 3.5, 10.0),  # 1, 2, 2, 5, 5, 10
])
def test_handling_days(hand: Path, rule: str, n: int, median: float, p90: float) -> None:
    assert P.handling_days(history(hand, rule), Q3, rule) == P.HandlingDays(n, median, p90)


@pytest.mark.parametrize(("rule", "rows"), [
    # 30/9: p04 waited 55 days (UBND), p09 143 days (Thanh tra); p03 and p05 have results.
    ("calendar", {TT: [0, 0, 0, 1, 1], UB: [0, 1, 0, 0, 1]}),
    # 14/9: p05's result is not in yet (2 days), p04 39 days, p09 127 days.
    ("decree09", {TT: [0, 0, 0, 1, 1], UB: [1, 1, 0, 0, 2]}),
])
def test_followup_by_agency_oldest_first(hand: Path, rule: str,
                                         rows: dict[str, list[int]]) -> None:
    f = P.followup(history(hand, rule), Q3, rule)
    assert list(f.index) == [TT, UB]  # Thanh tra's petition has waited since 10/5
    assert {k: f.loc[k, [*P.band_keys(), "total"]].tolist() for k in f.index} == rows
    assert f.loc[TT, "oldest"] == pd.Timestamp("2025-05-10")


@pytest.mark.parametrize(("rule", "days"), [("calendar", [143, 55]), ("decree09", [127, 39])])
def test_overdue_list_has_ids_and_dates_only(hand: Path, rule: str, days: list[int]) -> None:
    o = P.overdue_list(history(hand, rule), Q3, rule)
    assert o["petition_id"].tolist() == ["p09", "p04"]
    assert o["days_waiting"].tolist() == days
    assert list(o.columns) == ["petition_id", "unit_code", "received_on", "transferred_on",
                               "transferred_to", "days_waiting"]
    assert o.attrs["total"] == 2
    short = P.overdue_list(history(hand, rule), Q3, rule, limit=1, min_days=0)
    assert short["petition_id"].tolist() == ["p09"] and short.attrs["total"] == (
        2 if rule == "calendar" else 3)


@pytest.mark.parametrize(("rule", "cur", "ly"), [
    # Calendar: land p02 p03 p12, environment p04 p05 p06, cadres p07; groups p03 p06.
    # Last year 1/7–30/9/2024: land p10 p14, environment p11; group p11.
    ("calendar", {"land": 3, "environment": 3, "cadres": 1, "group": 2},
     {"land": 2, "environment": 1, "group": 1}),
    # Decree 09: land p01 p02 p03 p12, environment p04 p05; group p03.
    # Last year 15/6–14/9/2024: land p10, environment p11, justice p15; group p11.
    ("decree09", {"land": 4, "environment": 2, "group": 1},
     {"land": 1, "environment": 1, "justice": 1, "group": 1}),
])
def test_hotspots_against_last_year(hand: Path, rule: str, cur: dict[str, int],
                                    ly: dict[str, int]) -> None:
    h = history(hand, rule)
    out = P.hotspots(P.received_in(h, Q3, rule), P.received_in(h, Q3.same_period_last_year(),
                                                                 rule))
    assert list(out.index) == [*TOPICS, "group"]
    assert out["current"].to_dict() == {k: cur.get(k, 0) for k in out.index}
    assert out["last_year"].to_dict() == {k: ly.get(k, 0) for k in out.index}
    land = out.loc["land"]
    assert land["change"] == cur["land"] - ly["land"]
    assert land["change_pct"] == pytest.approx((cur["land"] - ly["land"]) / ly["land"])
    assert bool(land["rising"])
    if rule == "calendar":
        assert pd.isna(out.loc["cadres", "change_pct"])  # nothing last year


@pytest.mark.parametrize("rule", ["calendar", "decree09"])
def test_repeats_match_on_the_case_key(hand: Path, rule: str) -> None:
    h = history(hand, rule)
    r = P.repeats(h, Q3, rule)
    # K1: 15/7/2024, 1/7/2025, 20/8/2025. Nothing about the person is carried.
    assert list(r.index) == ["K1"]
    assert r.loc["K1", ["submissions", "in_period"]].tolist() == [3, 2]
    assert r.loc["K1", "first_received"] == pd.Timestamp("2024-07-15")
    assert not set(PII) & set(r.columns)
    s = P.repeat_summary(h, Q3, rule)
    assert (s.repeat_petitions, s.repeated_cases, s.cases_3plus) == (2, 1, 1)
    assert s.received == (7 if rule == "calendar" else 6)


def test_national_history_reaggregates_old_units(hand: Path) -> None:
    h = history(hand, "calendar", unit=None)
    assert set(h["unit_code"]) == {"01", "92"}  # Hậu Giang's c1 now counts for Cần Thơ
    f = P.followup(h, Q3, "calendar", by="unit_code")
    assert f.loc["92", [*P.band_keys(), "total"]].tolist() == [0, 1, 0, 0, 1]  # c2: 59 days
    assert P.backlog(h, Q3, "calendar").tolist() == [2, 0, 0, 2]  # + c1, 121 days
    cur = P.received_in(h, Q3, "calendar")
    ly = P.received_in(h, Q3.same_period_last_year(), "calendar")
    r = P.rising_units(cur, ly, topic="land")
    assert r.index.tolist() == ["01", "92"] and r["change"].tolist() == [1, 1]  # 3 > 1 now
    assert P.rising_units(cur, ly, group=True).index.tolist() == ["01"]


def test_empty_inputs() -> None:
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in {
        "petition_id": "str", "unit_code": "str", "received_on": "datetime64[ms]",
        "topic": "str", "is_group": "bool", "within_jurisdiction": "bool", "status": "str",
        "handled_on": "datetime64[ms]", "transferred_to": "str",
        "result_updated_on": "datetime64[ms]", "case_key": "str"}.items()})
    assert astuple(P.flow(empty, Q3, "calendar")) == (0,) * 9
    assert P.backlog(empty, Q3, "calendar").tolist() == [0, 0, 0, 0]
    assert P.handling_days(empty, Q3, "calendar") == P.HandlingDays(0, None, None)
    assert P.followup(empty, Q3, "calendar").empty
    assert P.overdue_list(empty, Q3, "calendar").empty
    assert P.repeats(empty, Q3, "calendar").empty
    assert P.hotspots(empty, empty)["current"].sum() == 0


def test_agency_names_are_cleaned() -> None:
    assert P.clean_agency("  UBND   thành phố ") == "UBND thành phố"
    assert P.clean_agency("Ông A, ĐT 0912 345 678") == "Ông A, ĐT …"
    assert P.clean_agency(None) == "(không ghi)"
    assert len(P.clean_agency("x" * 200)) == 80


# -- the report object ---------------------------------------------------------------------------
def test_report_suppresses_and_nothing_small_can_be_worked_out(hand: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    monkeypatch.setenv(D.PUBLISHING_ENV, "1")
    rep = PetitionsReport("Hà Nội", Q3, rule="calendar", root=hand)
    fp = rep.flow_protected
    assert fp.values == P.flow(rep.history, Q3, "calendar").counts()
    assert fp.text("received") == "7"  # the total others print: never a complement
    for stage, n in fp.values.items():
        if D.sensitive(n, 3):
            assert fp.text(stage) in ("<3", "x"), stage
    assert D.exposed(fp.values, fp.status, fp.equations) == []
    table = rep.flow_table()
    assert set(table.iloc[:, 1]) <= {"7", "4", "3", "5", "<3", "*", "x"}
    for p in (rep.backlog_protected, rep.followup_protected):
        vals = {(r, c): int(p.counts.at[r, c]) for r in p.counts.index for c in p.counts.columns}
        st = {(r, c): p.status.at[r, c] for r in p.counts.index for c in p.counts.columns}
        assert all(st[k] in D.HIDDEN for k, v in vals.items() if D.sensitive(v, 3))
    hp = rep.hotspots_protected
    assert D.exposed(hp.values, hp.status, hp.equations) == []
    # Nothing printed carries a small exact count or personal data.
    text = " ".join([rep.flow_text(), rep.backlog_text(), rep.followup_text(),
                     rep.hotspots_text(), rep.repeats_text(), *rep.limitations()])
    assert "Còn dưới 3 đơn chưa xử lý" in text
    assert "Bí Mật" not in text
    # Two overdue petitions: too few to list.
    assert not rep._overdue_shown()
    assert rep.repeats_table().empty  # one case submitted 3 times: too few to list
    assert rep.summary()["received"] == Published(7.0, "7")
    assert rep.summary()["open"].value is None


def test_exact_figures_only_outside_publishing(hand: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(D.PUBLISHING_ENV, raising=False)
    rep = PetitionsReport("01", Q3, rule="calendar", root=hand, publish=False)
    assert rep.flow_table().iloc[:, 1].tolist() == ["7", "4", "3", "5", "2", "2", "3", "2", "1"]
    assert "Còn 2 đơn chưa xử lý" in rep.flow_text()
    assert D.EXACT_MARK in rep.heading_html()
    assert not rep.repeats_table().empty
    monkeypatch.setenv(D.PUBLISHING_ENV, "1")
    with pytest.raises(D.DisclosureError, match="REPORTKIT_PUBLISHING"):
        PetitionsReport("01", Q3, rule="calendar", root=hand, publish=False)


def test_decree09_report_reads_the_cut_off_window(hand: Path) -> None:
    rep = PetitionsReport("01", Q3, rule="decree09", root=hand, publish=False, lang="en")
    assert astuple(rep.flow) == (6, 3, 3, 6, 0, 3, 3, 1, 2)
    assert "from 15 June 2025 to 14 September 2025" in rep.heading_html()
    assert "Decree 09/2019" in rep.heading_html()
    assert "On 14 September 2025, 1 petitions were still not handled" in rep.backlog_text()


def test_an_english_report_names_the_agencies_in_english(hand: Path) -> None:
    vi = PetitionsReport("01", Q3, rule="calendar", root=hand, publish=False)
    en = PetitionsReport("01", Q3, rule="calendar", root=hand, publish=False, lang="en")
    names_vi, names_en = list(vi.followup_rows[0].index), list(en.followup_rows[0].index)
    assert names_vi and set(names_vi) <= set(AGENCY_NAMES)
    assert names_en == [agency_label(n, "en") for n in names_vi]
    assert not set(names_en) & set(AGENCY_NAMES)  # nothing left in Vietnamese
    first = en.followup_table().columns[0]
    assert first == "Receiving agency" and list(en.followup_table()[first])[:1] == names_en[:1]


def test_small_agencies_are_merged(hand: Path) -> None:
    rep = PetitionsReport("01", Q3, rule="decree09", root=hand)
    counts, oldest = rep.followup_rows
    assert list(counts.index) == ["Các cơ quan khác"]  # 1 + 2 waiting: merged
    assert counts.loc["Các cơ quan khác"].tolist() == [1, 1, 0, 1]
    assert oldest["Các cơ quan khác"] == pd.Timestamp("2025-05-10")


# -- a larger generated record set, answered by plain loops ---------------------------------------
AGENCIES = ("UBND thành phố", "Thanh tra thành phố", "Công an thành phố")
GEN_TOPICS = ("land", "land", "environment", "cadres", "social_policy", "land",
              "environment", "justice", "other")


def generated() -> list[dict[str, Any]]:
    """Hà Nội: 90 petitions in Q3 2025, a history of unanswered transfers and old open ones,
    earlier submissions of six cases, and 70 petitions in Q3 2024."""
    rows: list[dict[str, Any]] = []

    def add(pid: str, received: date, handled: date | None, **kw: Any) -> None:
        rows.append(petition(pid, "01", received.isoformat(),
                             handled.isoformat() if handled else None, n=len(rows), **kw))

    start = date(2025, 7, 1)
    for i in range(90):
        rec = start + timedelta(days=i)  # 1/7 to 28/9
        within = i % 3 != 0
        handled = None if i % 9 == 4 else rec + timedelta(days=2 + i % 12)
        agency = AGENCIES[0]
        kw: dict[str, Any] = {"topic": GEN_TOPICS[i % 9], "group": i % 10 == 0, "within": within}
        if i % 15 == 7:
            kw["case"] = f"R{i}"
        if handled is None:
            add(f"g{i:03d}", rec, None, **kw)
        elif within:
            add(f"g{i:03d}", rec, handled, status="filed" if i % 4 == 0 else "resolved", **kw)
        else:
            upd = handled + timedelta(days=10) if (i // 3) % 2 == 0 else None
            add(f"g{i:03d}", rec, handled, status="transferred", agency=agency,
                updated=upd.isoformat() if upd else None, **kw)
    for k in range(12):  # transferred in early 2025, never answered
        rec = date(2025, 1, 5) + timedelta(days=4 * k)
        add(f"h{k:03d}", rec, rec + timedelta(days=3), status="transferred", within=False,
            agency=AGENCIES[1 + k % 2])
    for k in range(6):  # received in spring, never handled
        add(f"o{k:03d}", date(2025, 5, 1) + timedelta(days=7 * k), None, status="in_progress")
    for i in (7, 22, 37, 52, 67, 82):  # the first submission of each repeated case
        add(f"e{i:03d}", date(2025, 2, 1) + timedelta(days=i % 20), date(2025, 2, 25),
            case=f"R{i}")
    for i in range(70):  # last year
        rec = date(2024, 7, 1) + timedelta(days=i)
        add(f"y{i:03d}", rec, rec + timedelta(days=5),
            topic=("land", "cadres", "social_policy", "justice", "other",
                   "environment", "cadres")[i % 7], group=i % 14 == 0)
    return rows


def reference(rows: list[dict[str, Any]], period: Period, rule: str) -> dict[str, Any]:
    """Every figure the report prints, by plain loops over the records."""
    first, last = period.start_date(rule), period.end_date(rule)
    ly = period.same_period_last_year()
    ly_first, ly_last = ly.start_date(rule), ly.end_date(rule)

    def day(x: Any) -> date | None:
        return None if pd.isna(x) else pd.Timestamp(x).date()

    recs = [{**r, "r": day(r["received_on"]), "h": day(r["handled_on"]),
             "u": day(r["result_updated_on"])} for r in rows]
    cur = [r for r in recs if first <= r["r"] <= last]
    handled = [r for r in cur if r["h"] and r["h"] <= last]
    transferred = [r for r in handled if r["status"] == "transferred"]
    updated = [r for r in transferred if r["u"] and r["u"] <= last]
    out: dict[str, Any] = {
        "received": len(cur), "within": sum(r["within_jurisdiction"] for r in cur),
        "handled": len(handled), "transferred": len(transferred), "updated": len(updated)}
    out["outside"] = out["received"] - out["within"]
    out["open"] = out["received"] - out["handled"]

    def band(days: int) -> int:
        return 0 if days <= 30 else 1 if days <= 60 else 2 if days <= 90 else 3

    backlog = [0, 0, 0, 0]
    for r in recs:
        if r["r"] <= last and not (r["h"] and r["h"] <= last):
            backlog[band((last - r["r"]).days)] += 1
    out["backlog"] = backlog
    days = sorted((r["h"] - r["r"]).days for r in handled)
    out["median"] = (days[(len(days) - 1) // 2] + days[len(days) // 2]) / 2
    out["p90"] = next(d for i, d in enumerate(days) if (i + 1) / len(days) >= 0.9)
    waiting: dict[str, list[int]] = {a: [0, 0, 0, 0] for a in AGENCIES}
    for r in recs:
        if r["status"] == "transferred" and r["h"] <= last and not (r["u"] and r["u"] <= last):
            waiting[r["transferred_to"]][band((last - r["h"]).days)] += 1
    out["waiting"] = waiting
    out["topics"] = {t: sum(r["topic"] == t for r in cur) for t in TOPICS}
    out["topics_ly"] = {t: sum(r["topic"] == t and ly_first <= r["r"] <= ly_last for r in recs)
                        for t in TOPICS}
    out["group"] = sum(r["is_group"] for r in cur)
    out["group_ly"] = sum(r["is_group"] and ly_first <= r["r"] <= ly_last for r in recs)
    seen: dict[str, list[date]] = {}
    for r in sorted(recs, key=lambda r: (r["r"], r["petition_id"])):
        if r["r"] <= last:
            seen.setdefault(r["case_key"], []).append(r["r"])
    out["repeats"] = sum(1 for dates in seen.values() for d in dates[1:] if d >= first)
    out["repeated_cases"] = sum(1 for dates in seen.values()
                                if len(dates) > 1 and any(d >= first for d in dates[1:]))
    return out


# -- the notebook, executed and exported -----------------------------------------------------------
def activity_rows() -> pd.DataFrame:
    from reportkit.core.schema import ACTIVITY

    rows = []
    for month, groups in (("2024-07", 1), ("2024-08", 1), ("2024-09", 1), ("2025-07", 2),
                          ("2025-08", 1), ("2025-09", 3)):
        row = {c: 0 for c in ACTIVITY.columns}
        row.update(unit_code="01", unit_name="Hà Nội", month=pd.Timestamp(f"{month}-01"),
                   submitted_on=pd.Timestamp(f"{month}-01") + pd.Timedelta(days=35),
                   staff_in_post=10, staff_quota=12, citizens_received=20,
                   group_delegations=groups)
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def gen_wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "warehouse"
    df = pd.DataFrame(generated())
    assert validate(df, PETITIONS, today=date(2026, 1, 1)) == []
    w = Warehouse(root)
    w.upsert("petitions", df)
    w.upsert("activity", activity_rows())
    return root


@pytest.fixture()
def publishing(gen_wh: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment the runner gives a report kernel."""
    monkeypatch.setenv("REPORTKIT_WAREHOUSE", str(gen_wh))
    monkeypatch.setenv(D.PUBLISHING_ENV, "1")
    monkeypatch.delenv("REPORTKIT_PERIOD_RULE", raising=False)
    return gen_wh


def visible(html: str) -> str:
    """The page's text: no embedded images, no tags, entities decoded, spaces collapsed."""
    import html as h

    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", IMG.sub("", html), flags=re.S)
    return " ".join(h.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def assert_no_personal_data(html: str, rows: list[dict[str, Any]]) -> None:
    text = IMG.sub("", html)
    assert "Bí Mật" not in text
    for r in rows:
        for col in ("petitioner_id", "petitioner_phone"):
            assert r[col] not in text, col


def render(tmp: Path, unit: str | None, lang: str = "vi", **params: Any) -> str:
    """Run the notebook as the runner does (national: papermill, the runner needs a unit)."""
    if unit is not None:
        from reportkit.batch.execute import run_report

        res = run_report(NOTEBOOK, unit=unit, period="2025-Q3", lang=lang, output_root=tmp,
                         params=params or None)
        assert res.status == "ok", res.error
        return res.html.read_text(encoding="utf-8")
    import papermill

    from reportkit.rendering.export import write_html

    nb = papermill.execute_notebook(str(NOTEBOOK), str(tmp / "national.ipynb"),
                                    parameters={"period": "2025-Q3", "lang": lang, **params},
                                    kernel_name="reportkit", progress_bar=False)
    return write_html(nb, tmp / "national.html", title="national", lang=lang).read_text(
        encoding="utf-8")


@pytest.mark.slow
def test_notebook_unit_report_matches_the_records(publishing: Path, tmp_path: Path) -> None:
    rows = generated()
    ref = reference(rows, Q3, "calendar")
    html = render(tmp_path, "Hà Nội")
    text = visible(html)
    n = fmt.number
    # The official heading: "BÁO CÁO", then the subject.
    assert "BÁO CÁO" in text and "Tiếp công dân, xử lý đơn, thư: Hà Nội — quý III/2025" in text
    # Flow.
    assert (f"tiếp nhận {ref['received']} đơn, thư; trong đó {ref['within']} đơn thuộc thẩm "
            f"quyền, {ref['outside']} đơn không thuộc thẩm quyền. Đến ngày 30/9/2025, đã xử lý "
            f"{ref['handled']} đơn (tỷ lệ {fmt.percent(ref['handled'] / ref['received'])}), "
            f"trong đó chuyển {ref['transferred']} đơn đến cơ quan có thẩm quyền; "
            f"{ref['updated']} đơn đã chuyển được cập nhật kết quả (tỷ lệ "
            f"{fmt.percent(ref['updated'] / ref['transferred'])}). Còn {ref['open']} đơn chưa "
            "xử lý.") in text
    # Backlog and handling time.
    b = ref["backlog"]
    assert (f"còn {sum(b)} đơn chưa xử lý (kể cả đơn nhận từ các kỳ trước), trong đó {b[3]} đơn "
            "đã quá 90 ngày") in text
    assert (f"trung vị {n(ref['median'])} ngày từ khi nhận đến khi xử lý; 90% số đơn được xử "
            f"lý trong {ref['p90']} ngày") in text
    # Follow-up: table by agency, and the list of the longest waiting (ids and dates).
    w = ref["waiting"]
    total = sum(map(sum, w.values()))
    over90 = sum(v[3] for v in w.values())
    assert (f"còn {total} đơn đã chuyển cơ quan có thẩm quyền nhưng chưa được cập nhật kết "
            f"quả, trong đó {over90} đơn đã quá 90 ngày") in text
    for agency, bands in w.items():
        assert f"{agency} {' '.join(map(str, bands))} {sum(bands)}" in text
    assert "h000 5/1/2025 8/1/2025 265" in text  # transferred 8/1, 265 days to 30/9
    # Hotspots against last year, group petitions and delegations.
    t, ly = ref["topics"], ref["topics_ly"]
    assert (f"đất đai, thu hồi đất: {t['land']} đơn, tăng {t['land'] - ly['land']} đơn so với "
            f"cùng kỳ (tăng {fmt.percent((t['land'] - ly['land']) / ly['land'])})") in text
    assert (f"đơn đông người: {ref['group']} đơn, tăng {ref['group'] - ref['group_ly']} đơn") \
        in text
    assert "Tiếp 6 đoàn đông người (cùng kỳ năm trước 3)" in text
    assert f"Tổng số {sum(ly.values())} {ref['received']}" in text
    # Repeats.
    assert (f"{ref['repeats']} đơn là đơn gửi lại vụ việc đã gửi trước đó "
            f"({ref['repeated_cases']} vụ việc)") in text
    assert "R7" not in text  # each case twice only: no list
    assert_no_personal_data(html, rows)
    assert not D.shows_exact_figures(html)
    assert "from reportkit" not in html


@pytest.mark.slow
def test_notebook_under_decree09_suppresses_small_cells(publishing: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTKIT_PERIOD_RULE", "decree09")
    rows = generated()
    ref = reference(rows, Q3, "decree09")
    assert ref["backlog"][2] == 2 and ref["waiting"]["UBND thành phố"][2] == 1  # small cells
    text = visible(render(tmp_path, "01", lang="en"))
    assert "Figures from 15 June 2025 to 14 September 2025 (reporting period under Decree " \
           "09/2019)." in text
    assert (f"{ref['received']} petitions and letters: {ref['within']} within its jurisdiction "
            f"and {ref['outside']} outside it. By 14 September 2025, {ref['handled']} had been "
            "handled") in text
    # Open petitions by age band: 10, 3, 2 (small: "<3"), 6; the 3 goes with it.
    assert "Q3/25 10 * <3 6 21" in text
    assert "“<3”: fewer than 3 petitions" in text
    assert re.search(r"City People's Committee \S+ \S+ <3 0 ", text)  # agencies in English
    assert "UBND thành phố" not in text


@pytest.mark.slow
def test_notebook_national_view(publishing: Path, tmp_path: Path) -> None:
    rows = generated()
    ref = reference(rows, Q3, "calendar")
    html = render(tmp_path, None)
    text = visible(html)
    assert "Toàn quốc — quý III/2025" in text
    assert f"các văn phòng cấp ủy tiếp nhận {ref['received']} đơn, thư" in text
    assert "Các đơn vị có số đơn tăng nhiều nhất so với cùng kỳ" in text
    assert "Hà Nội" in text
    assert_no_personal_data(html, rows)


@pytest.mark.slow
def test_notebook_refuses_exact_figures_when_publishing(publishing: Path,
                                                        tmp_path: Path) -> None:
    from reportkit.batch.execute import run_report
    from reportkit.errors import ExecutionError

    with pytest.raises(ExecutionError, match="DisclosureError"):
        run_report(NOTEBOOK, unit="01", period="2025-Q3", output_root=tmp_path,
                   params={"publish": False})
    assert not list(tmp_path.rglob("petitions.html"))


@pytest.mark.slow
def test_notebook_exact_figures_in_a_live_session(publishing: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(D.PUBLISHING_ENV)
    monkeypatch.setenv("REPORTKIT_PERIOD_RULE", "decree09")
    html = render(tmp_path, None, publish=False)
    assert D.shows_exact_figures(html)  # marked, so an exporter can refuse it
    assert "Q3/25 10 3 2 6 21" in visible(html)


def test_notebook_parameters() -> None:
    from reportkit.rendering.runner import notebook_parameters

    specs = notebook_parameters(NOTEBOOK)
    assert list(specs) == ["unit", "period", "lang", "publish", "marking", "number",
                           "issued_on", "signer_name", "signer_title"]
    assert specs["publish"].default is True and specs["unit"].default is None
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert all(not c.get("outputs") for c in nb["cells"])


@pytest.mark.slow
def test_notebook_on_the_sample_data(sample_dirs: dict[str, Path],
                                     every_report: dict[tuple[str, str], dict[str, Path]],
                                     ) -> None:
    """Lào Cai, Q3 2025, on the generated sample (the report of the session's batch,
    conftest.every_report, published as a batch publishes): the count matches the raw
    submissions and no personal data of the thousands of petitioners comes out."""
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False)
              for f in sorted((sample_dirs["sample"] / "petitions").rglob("*.csv"))]
    raw = pd.concat(frames, ignore_index=True)
    received = ((raw["unit_code"] == "15") & (raw["received_on"] >= "2025-07-01")
                & (raw["received_on"] <= "2025-09-30")).sum()
    html = every_report[("petitions", "vi")]["html"].read_text(encoding="utf-8")
    text = visible(html)
    assert f"Văn phòng Tỉnh ủy Lào Cai tiếp nhận {fmt.number(received)} đơn, thư" in text
    assert "DỮ LIỆU MẪU" in text
    page = IMG.sub("", html)
    assert not set(raw["petitioner_id"]) & set(re.findall(r"\d{9,12}", page))
    assert not set(raw["petitioner_phone"]) & set(re.findall(r"\d{9,12}", page))
    words = re.findall(r"[^\W\d_]+", text)
    assert not set(raw["petitioner_name"]) & {" ".join(words[i:i + 3])
                                               for i in range(len(words) - 2)}
    assert not re.search(r"Số \d+, đường ", text)


def test_flow_and_backlog_are_protected_together(tmp_path: Path) -> None:
    """In July (31 days) the month's open petitions are exactly those open up to 30 days: a
    count hidden in the flow must not be printed in the backlog."""
    rows = [petition(f"j{i}", "01", f"2025-07-{1 + 3 * i:02d}", None if i < 6 else
                     f"2025-07-{3 + 3 * i:02d}", n=i) for i in range(8)]
    Warehouse(tmp_path).upsert("petitions", pd.DataFrame(rows))
    rep = PetitionsReport("01", "2025-07", rule="calendar", root=tmp_path)
    assert astuple(rep.flow)[:5] == (8, 8, 0, 2, 6)
    assert rep.backlog_trend.loc["2025-07"].tolist() == [6, 0, 0, 0]
    f = rep.flow_protected
    assert f.text("received") == "8" and f.text("handled") == "<3"
    assert f.text("open") != "6"
    b = rep.backlog_table()
    assert "6" not in b.iloc[:, 1].tolist()  # neither the ≤30 band nor the total
    j = rep._flow_and_backlog
    assert D.exposed(j.values, j.status, j.equations) == []


@pytest.mark.parametrize("rule", ["calendar", "decree09"])
def test_same_definitions_as_the_indicators(gen_wh: Path, rule: str) -> None:
    """The province report's indicators and this report agree on every shared figure."""
    from reportkit.analysis import indicators as I

    res = {r.indicator.id: r for r in I.summary("01", Q3, rule=rule, root=gen_wh)}
    rep = PetitionsReport("01", Q3, rule=rule, root=gen_wh)
    assert res["petitions_received"].value == rep.flow.received
    assert res["processing_rate"].value == pytest.approx(rep.flow.processing_rate)
    assert res["transfer_followup_rate"].value == pytest.approx(rep.flow.followup_rate)
    assert res["median_days_to_handle"].value == rep.handling.median
    bands = P.backlog(rep.history, Q3, rule)
    assert res["backlog_over_30"].value == bands.iloc[1:].sum()
    assert res["backlog_over_90"].value == bands.iloc[-1]
