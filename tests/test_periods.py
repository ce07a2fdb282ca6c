"""Periods: parsing, codes, labels, arithmetic and the calendar / Decree 09 cut-off rules."""

from __future__ import annotations

import pickle
import random
import time
from datetime import date, datetime, timedelta

import pytest

from reportkit.core.periods import RULES, Period, assign_months, default_rule, month_of
from reportkit.errors import PeriodError

# code, first, last, kind, canonical code
PARSE_CASES = [
    ("2025-07", date(2025, 7, 1), date(2025, 7, 1), "month", "2025-07"),
    ("2025-7", date(2025, 7, 1), date(2025, 7, 1), "month", "2025-07"),
    ("2025-Q3", date(2025, 7, 1), date(2025, 9, 1), "quarter", "2025-Q3"),
    ("2025-q1", date(2025, 1, 1), date(2025, 3, 1), "quarter", "2025-Q1"),
    ("2025-Q4", date(2025, 10, 1), date(2025, 12, 1), "quarter", "2025-Q4"),
    ("2025-H1", date(2025, 1, 1), date(2025, 6, 1), "half", "2025-H1"),
    ("2025-h2", date(2025, 7, 1), date(2025, 12, 1), "half", "2025-H2"),
    ("2025-9M", date(2025, 1, 1), date(2025, 9, 1), "9m", "2025-9M"),
    ("2025-9m", date(2025, 1, 1), date(2025, 9, 1), "9m", "2025-9M"),
    ("2025", date(2025, 1, 1), date(2025, 12, 1), "year", "2025"),
    ("2020-2025", date(2020, 1, 1), date(2025, 12, 1), "term", "2020-2025"),
    ("2020 - 2025", date(2020, 1, 1), date(2025, 12, 1), "term", "2020-2025"),
    ("2016-07..2018-12", date(2016, 7, 1), date(2018, 12, 1), "range", "2016-07..2018-12"),
    ("  2016-07 .. 2018-12 ", date(2016, 7, 1), date(2018, 12, 1), "range", "2016-07..2018-12"),
    ("2025-Q3..2025-Q3", date(2025, 7, 1), date(2025, 9, 1), "range", "2025-07..2025-09"),
    ("2024-H2..2025-q1", date(2024, 7, 1), date(2025, 3, 1), "range", "2024-07..2025-03"),
    ("2025-07..2025-07", date(2025, 7, 1), date(2025, 7, 1), "range", "2025-07..2025-07"),
    (" 2025-q3 ", date(2025, 7, 1), date(2025, 9, 1), "quarter", "2025-Q3"),
]


@pytest.mark.parametrize(("code", "first", "last", "kind", "canonical"), PARSE_CASES)
def test_parse_and_round_trip(code: str, first: date, last: date, kind: str,
                              canonical: str) -> None:
    p = Period.parse(code)
    assert (p.first, p.last, p.kind) == (first, last, kind)
    assert str(p) == canonical
    assert Period.parse(str(p)) == p
    assert repr(p) == f"Period({canonical!r})"


@pytest.mark.parametrize(("made", "code"), [
    (Period.month(2025, 7), "2025-07"),
    (Period.quarter(2025, 3), "2025-Q3"),
    (Period.half(2025, 1), "2025-H1"),
    (Period.nine_months(2025), "2025-9M"),
    (Period.year(2025), "2025"),
    (Period.term(2020, 2025), "2020-2025"),
    (Period.range(date(2016, 7, 1), date(2018, 12, 1)), "2016-07..2018-12"),
    (Period.range(date(2016, 7, 20), datetime(2018, 12, 31, 23)), "2016-07..2018-12"),
])
def test_constructors_match_codes(made: Period, code: str) -> None:
    assert made == Period.parse(code)
    assert str(made) == code


def test_parse_returns_a_period_unchanged() -> None:
    p = Period.quarter(2025, 3)
    assert Period.parse(p) is p


@pytest.mark.parametrize(("code", "reason"), [
    ("2025-Q5", "quarter must be 1-4"),
    ("2025-Q0", "quarter must be 1-4"),
    ("2025-13", "month must be 01-12"),
    ("2025-00", "month must be 01-12"),
    ("Q3", "year is missing"),
    ("h1", "year is missing"),
    ("9M", "year is missing"),
    ("2025-H3", "half must be 1 or 2"),
    ("2018-12..2016-07", "ends (2016-07) before it starts (2018-12)"),
    ("2025-Q3..2025-06", "before it starts"),
    ("2025-2020", "term must end after it starts"),
    ("2025-2025", "term must end after it starts"),
    ("", "empty"),
    ("   ", "empty"),
    ("abc", "not a period code"),
    ("2025-Q3x", "not a period code"),
    ("2016-07..", "two codes joined by '..'"),
    ("2016-07..2017-01..2018-12", "two codes joined by '..'"),
    ("2016-07..abc", "not a period code"),
])
def test_bad_codes_say_what_is_wrong(code: str, reason: str) -> None:
    with pytest.raises(PeriodError) as info:
        Period.parse(code)
    err = info.value
    assert repr(code) in str(err)
    assert reason in str(err)
    assert "Accepted forms: 2025-07 (month), 2025-Q3 (quarter)" in str(err)
    assert "this-year-to-date" in str(err)
    assert err.period == code
    assert err.exit_code == 3


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(PeriodError, match="must be a string, got int"):
        Period.parse(2025)  # type: ignore[arg-type]


@pytest.mark.parametrize(("call", "match"), [
    (lambda: Period.month(2025, 13), "Month must be 1-12"),
    (lambda: Period.quarter(2025, 5), "Quarter must be 1-4"),
    (lambda: Period.half(2025, 0), "Half must be 1 or 2"),
    (lambda: Period.term(2025, 2020), "term must end after"),
    (lambda: Period.range(date(2018, 12, 1), date(2016, 7, 1)), "must not end"),
    (lambda: Period(date(2025, 7, 1), date(2025, 9, 1), "month"), "not a period of kind"),
    (lambda: Period(date(2025, 2, 1), date(2025, 4, 1), "quarter"), "not a period of kind"),
    (lambda: Period(date(2025, 7, 2), date(2025, 7, 1), "month"), "day 1"),
    (lambda: Period(date(2025, 7, 1), date(2025, 7, 1), "week"), "Unknown period kind"),
])
def test_constructors_validate(call, match: str) -> None:
    with pytest.raises(PeriodError, match=match):
        call()


TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(("code", "today", "expected"), [
    ("last-month", TODAY, "2026-10"),
    ("last-quarter", TODAY, "2026-Q3"),
    ("last-half", TODAY, "2026-H1"),
    ("last-year", TODAY, "2025"),
    ("this-year-to-date", TODAY, "2026-01..2026-10"),
    ("Last Month", TODAY, "2026-10"),
    ("last_quarter", TODAY, "2026-Q3"),
    ("last-month", date(2026, 1, 1), "2025-12"),
    ("last-quarter", date(2026, 1, 31), "2025-Q4"),
    ("last-quarter", date(2026, 4, 1), "2026-Q1"),
    ("last-quarter", date(2026, 3, 31), "2025-Q4"),
    ("last-half", date(2026, 6, 30), "2025-H2"),
    ("last-half", date(2026, 7, 1), "2026-H1"),
    ("this-year-to-date", date(2026, 2, 1), "2026-01..2026-01"),
    ("this-year-to-date", date(2026, 12, 31), "2026-01..2026-11"),
    ("2026-01..last-month", TODAY, "2026-01..2026-10"),
])
def test_relative_codes_are_the_last_complete_period(code: str, today: date,
                                                     expected: str) -> None:
    assert str(Period.parse(code, today=today)) == expected


def test_relative_kinds() -> None:
    assert Period.parse("this-year-to-date", today=date(2026, 10, 2)).kind == "range"
    assert Period.parse("last-quarter", today=TODAY).kind == "quarter"


def test_this_year_to_date_in_january_is_an_error() -> None:
    with pytest.raises(PeriodError, match="no month of 2026 is complete"):
        Period.parse("this-year-to-date", today=date(2026, 1, 31))


def test_relative_defaults_to_today() -> None:
    today = date.today()
    expected = Period.month(today.year - (today.month == 1), (today.month - 2) % 12 + 1)
    assert Period.parse("last-month") == expected


LABELS = [
    ("2025-07", "tháng 7/2025", "July 2025"),
    ("2025-12", "tháng 12/2025", "December 2025"),
    ("2025-Q1", "quý I/2025", "Q1 2025"),
    ("2025-Q3", "quý III/2025", "Q3 2025"),
    ("2025-Q4", "quý IV/2025", "Q4 2025"),
    ("2025-H1", "6 tháng đầu năm 2025", "first half of 2025"),
    ("2025-H2", "6 tháng cuối năm 2025", "second half of 2025"),
    ("2025-9M", "9 tháng năm 2025", "first nine months of 2025"),
    ("2025", "năm 2025", "2025"),
    ("2020-2025", "nhiệm kỳ 2020 - 2025", "term 2020–2025"),
    ("2016-07..2018-12", "từ tháng 7/2016 đến tháng 12/2018", "July 2016 – December 2018"),
]


@pytest.mark.parametrize(("code", "vi", "en"), LABELS)
def test_labels(code: str, vi: str, en: str) -> None:
    p = Period.parse(code)
    assert p.label() == vi
    assert p.label("vi") == vi
    assert p.label("en") == en


def test_label_rejects_unknown_language() -> None:
    with pytest.raises(ValueError, match="available: vi, en"):
        Period.parse("2025").label("fr")


@pytest.mark.parametrize(("code", "previous", "last_year"), [
    ("2025-07", "2025-06", "2024-07"),
    ("2025-01", "2024-12", "2024-01"),
    ("2025-Q1", "2024-Q4", "2024-Q1"),
    ("2025-Q3", "2025-Q2", "2024-Q3"),
    ("2025-H1", "2024-H2", "2024-H1"),
    ("2025-H2", "2025-H1", "2024-H2"),
    ("2025-9M", "2024-9M", "2024-9M"),
    ("2025", "2024", "2024"),
    ("2020-2025", "2014-2019", "2019-01..2024-12"),
    ("2016-07..2018-12", "2014-01..2016-06", "2015-07..2017-12"),
    ("2025-02..2025-02", "2025-01..2025-01", "2024-02..2024-02"),
])
def test_previous_and_same_period_last_year(code: str, previous: str, last_year: str) -> None:
    p = Period.parse(code)
    prev, ly = p.previous(), p.same_period_last_year()
    assert str(prev) == previous
    assert str(ly) == last_year
    assert prev.kind == p.kind
    assert ly.kind == ("range" if p.kind == "term" else p.kind)
    assert len(prev.months()) == len(p.months())
    if p.kind != "9m":
        after_prev = date(prev.last.year + prev.last.month // 12, prev.last.month % 12 + 1, 1)
        assert after_prev == p.first  # immediately before, no gap


@pytest.mark.parametrize(("code", "months"), [
    ("2025-07", [date(2025, 7, 1)]),
    ("2025-Q4", [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]),
    ("2024-11..2025-02", [date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1),
                          date(2025, 2, 1)]),
])
def test_months(code: str, months: list[date]) -> None:
    assert Period.parse(code).months() == months


def test_months_counts() -> None:
    assert len(Period.parse("2025-9M").months()) == 9
    assert len(Period.parse("2020-2025").months()) == 72
    assert len(Period.parse("2016-07..2018-12").months()) == 30


@pytest.mark.parametrize(("code", "slug"), [
    ("2016-07..2018-12", "2016-07_to_2018-12"),
    ("2025-Q3", "2025-Q3"),
    ("2020-2025", "2020-2025"),
    ("2025-9M", "2025-9M"),
])
def test_slug(code: str, slug: str) -> None:
    assert Period.parse(code).slug() == slug


@pytest.mark.parametrize(("outer", "inner", "expected"), [
    ("2025", "2025-Q3", True),
    ("2025", "2025-07", True),
    ("2025-H1", "2025-Q3", False),
    ("2025-Q3", "2025", False),
    ("2025-Q3", "2025-Q3", True),
    ("2020-2025", "2016-07..2018-12", False),
    ("2016-07..2018-12", "2017", True),
    ("2016-07..2018-12", "2016-06", False),
])
def test_covers(outer: str, inner: str, expected: bool) -> None:
    assert Period.parse(outer).covers(Period.parse(inner)) is expected


def test_hashable_picklable_and_ordered() -> None:
    ps = [Period.parse(c) for c in ("2025-Q3", "2016-07..2018-12", "2025-07", "2025")]
    for p in ps:
        assert pickle.loads(pickle.dumps(p)) == p
    assert len({Period.parse("2025-Q3"), Period.quarter(2025, 3), Period.year(2025)}) == 2
    assert Period.quarter(2025, 3) != Period.parse("2025-Q3..2025-Q3")  # kinds differ
    assert sorted(ps)[0] == Period.parse("2016-07..2018-12")
    with pytest.raises(AttributeError):
        ps[0].kind = "month"  # type: ignore[misc]


# period, rule, start (inclusive), end (inclusive)
BOUNDS = [
    ("2025-07", "calendar", date(2025, 7, 1), date(2025, 7, 31)),
    ("2025-02", "calendar", date(2025, 2, 1), date(2025, 2, 28)),
    ("2024-02", "calendar", date(2024, 2, 1), date(2024, 2, 29)),
    ("2025-Q3", "calendar", date(2025, 7, 1), date(2025, 9, 30)),
    ("2025", "calendar", date(2025, 1, 1), date(2025, 12, 31)),
    ("2025-07", "decree09", date(2025, 6, 15), date(2025, 7, 14)),
    ("2025-01", "decree09", date(2024, 12, 15), date(2025, 1, 14)),
    ("2025-Q3", "decree09", date(2025, 6, 15), date(2025, 9, 14)),
    ("2025-H1", "decree09", date(2024, 12, 15), date(2025, 6, 14)),
    ("2025", "decree09", date(2024, 12, 15), date(2025, 12, 14)),
    ("2016-07..2018-12", "decree09", date(2016, 6, 15), date(2018, 12, 14)),
]


@pytest.mark.parametrize(("code", "rule", "start", "end"), BOUNDS)
def test_start_end_and_contains_at_both_edges(code: str, rule: str, start: date,
                                              end: date) -> None:
    p = Period.parse(code)
    assert p.start_date(rule) == start
    assert p.end_date(rule) == end
    one = timedelta(days=1)
    assert p.contains(start, rule) and p.contains(end, rule)
    assert not p.contains(start - one, rule)
    assert not p.contains(end + one, rule)
    assert p.contains(datetime(end.year, end.month, end.day, 23, 59), rule)


def test_rule_defaults_to_calendar_and_reads_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    p = Period.parse("2025-Q3")
    monkeypatch.delenv("REPORTKIT_PERIOD_RULE", raising=False)
    assert default_rule() == "calendar"
    assert p.start_date() == date(2025, 7, 1)
    monkeypatch.setenv("REPORTKIT_PERIOD_RULE", "decree09")
    assert default_rule() == "decree09"
    assert p.start_date() == date(2025, 6, 15)
    assert month_of(date(2025, 7, 15)) == date(2025, 8, 1)
    monkeypatch.setenv("REPORTKIT_PERIOD_RULE", " Decree09 ")
    assert default_rule() == "decree09"
    monkeypatch.setenv("REPORTKIT_PERIOD_RULE", "")
    assert default_rule() == "calendar"
    monkeypatch.setenv("REPORTKIT_PERIOD_RULE", "fiscal")
    with pytest.raises(PeriodError, match="REPORTKIT_PERIOD_RULE='fiscal'.*calendar, decree09"):
        default_rule()


@pytest.mark.parametrize("call", [
    lambda: month_of(date(2025, 1, 1), "fiscal"),
    lambda: Period.parse("2025").end_date("fiscal"),
    lambda: assign_months([date(2025, 1, 1)], "fiscal"),
])
def test_unknown_rule(call) -> None:
    with pytest.raises(PeriodError, match="Unknown period rule 'fiscal'; available"):
        call()


MONTH_OF = [
    (date(2025, 7, 1), "calendar", date(2025, 7, 1)),
    (date(2025, 7, 14), "calendar", date(2025, 7, 1)),
    (date(2025, 7, 15), "calendar", date(2025, 7, 1)),
    (date(2025, 7, 31), "calendar", date(2025, 7, 1)),
    (date(2025, 12, 31), "calendar", date(2025, 12, 1)),
    (date(2025, 7, 14), "decree09", date(2025, 7, 1)),
    (date(2025, 7, 15), "decree09", date(2025, 8, 1)),
    (date(2025, 7, 1), "decree09", date(2025, 7, 1)),
    (date(2025, 7, 31), "decree09", date(2025, 8, 1)),
    (date(2025, 12, 14), "decree09", date(2025, 12, 1)),
    (date(2025, 12, 15), "decree09", date(2026, 1, 1)),
    (date(2025, 12, 20), "decree09", date(2026, 1, 1)),
    (date(2026, 1, 1), "decree09", date(2026, 1, 1)),
    (datetime(2025, 7, 14, 23, 59, 59), "decree09", date(2025, 7, 1)),
]


@pytest.mark.parametrize(("day", "rule", "month"), MONTH_OF)
def test_month_of(day: date, rule: str, month: date) -> None:
    assert month_of(day, rule) == month
    # The day lies inside the one-month period month_of names, under the same rule.
    assert Period.month(month.year, month.month).contains(day, rule)


@pytest.mark.parametrize("rule", RULES)
def test_assign_months_agrees_with_month_of(rule: str) -> None:
    pd = pytest.importorskip("pandas")
    rnd = random.Random(20250715)
    base = datetime(1995, 1, 1)
    stamps = [base + timedelta(seconds=rnd.randrange(40 * 366 * 86400)) for _ in range(5000)]
    stamps += [datetime(y, m, d, h) for y in (1969, 2024, 2025) for m in (1, 2, 12)
               for d in (1, 14, 15, 28) for h in (0, 23)]
    s = pd.Series(stamps, name="received_on", index=range(100, 100 + len(stamps)))
    out = assign_months(s, rule)
    assert out.name == "received_on"
    assert list(out.index) == list(s.index)
    assert str(out.dtype).startswith("datetime64")
    expected = [month_of(t, rule) for t in stamps]
    assert [t.date() for t in out] == expected
    assert (out.dt.day == 1).all() and (out.dt.hour == 0).all()


def test_assign_months_handles_nat_tz_and_plain_dates() -> None:
    pd = pytest.importorskip("pandas")
    s = pd.Series([pd.NaT, pd.Timestamp("2025-12-15 08:00"), pd.Timestamp("2025-12-14")])
    out = assign_months(s, "decree09")
    assert pd.isna(out.iloc[0])
    assert list(out.iloc[1:]) == [pd.Timestamp("2026-01-01"), pd.Timestamp("2025-12-01")]
    tz = pd.Series(pd.to_datetime(["2025-07-15 00:30"]).tz_localize("Asia/Ho_Chi_Minh"))
    assert assign_months(tz, "decree09").iloc[0] == pd.Timestamp("2025-08-01")
    plain = assign_months([date(2025, 7, 14), date(2025, 7, 15)], "decree09")
    assert list(plain) == [pd.Timestamp("2025-07-01"), pd.Timestamp("2025-08-01")]


def test_assign_months_two_million_rows_is_vectorised() -> None:
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(9)
    seconds = rng.integers(0, 10 * 365 * 86400, 2_000_000)
    s = pd.Series(pd.Timestamp("2016-01-01") + pd.to_timedelta(seconds, unit="s"))
    for rule in RULES:
        t0 = time.perf_counter()
        out = assign_months(s, rule)
        assert time.perf_counter() - t0 < 2.0, "a per-row Python loop would take far longer"
        assert len(out) == len(s)
    sample = s.sample(200, random_state=1)
    assert [t.date() for t in out[sample.index]] == [month_of(t, "decree09") for t in sample]


def test_import_does_not_load_pandas() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    import reportkit

    src = str(Path(reportkit.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    code = ("import sys, reportkit.core.periods, reportkit.core.fmt; "
            "sys.exit(1 if 'pandas' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


@pytest.mark.parametrize(("text", "meant"), [
    ("Q3/2025", "2025-Q3"), ("quý 3/2025", "2025-Q3"), ("Quý III/2025", "2025-Q3"),
    ("2025Q3", "2025-Q3"), ("09/2025", "2025-09"), ("tháng 9/2025", "2025-09"),
    ("T9/2025", "2025-09"), ("2025/09", "2025-09"), ("6 tháng đầu năm 2025", "2025-H1"),
    ("9 tháng năm 2025", "2025-9M"), ("năm 2025", "2025"), ("H2/2025", "2025-H2"),
])
def test_a_common_spelling_gets_a_did_you_mean(text: str, meant: str) -> None:
    with pytest.raises(PeriodError) as info:
        Period.parse(text)
    assert f"Did you mean {meant}?" in str(info.value)
    assert info.value.fields["suggestion"] == meant
    assert str(Period.parse(meant)) == meant  # the suggestion itself parses


@pytest.mark.parametrize("text", ["hello", "13/2025", "Q5/2025", "2025-13"])
def test_no_suggestion_where_none_fits(text: str) -> None:
    with pytest.raises(PeriodError) as info:
        Period.parse(text)
    assert "Did you mean" not in str(info.value)
