"""Number, percentage, change and date formatting in Vietnamese and English."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

import pytest

from reportkit.core import fmt

# value, decimals, vi, en
NUMBERS = [
    (0, 0, "0", "0"),
    (999, 0, "999", "999"),
    (1000, 0, "1.000", "1,000"),
    (40976, 0, "40.976", "40,976"),
    (1234567, 0, "1.234.567", "1,234,567"),
    (1234567.8, 1, "1.234.567,8", "1,234,567.8"),
    (1234567.8, 0, "1.234.568", "1,234,568"),
    (-1234, 0, "-1.234", "-1,234"),
    (-999, 0, "-999", "-999"),
    (-1234567.85, 1, "-1.234.567,9", "-1,234,567.9"),
    (0.5, 0, "1", "1"),  # half away from zero, not to even
    (2.5, 0, "3", "3"),
    (-2.5, 0, "-3", "-3"),
    (-0.4, 0, "0", "0"),  # never "-0"
    (1.005, 2, "1,01", "1.01"),  # decimal text, not the binary float 1.00499...
    (12.3, 2, "12,30", "12.30"),
    (1000000, 2, "1.000.000,00", "1,000,000.00"),
    (Decimal("0.125"), 2, "0,13", "0.13"),
]


@pytest.mark.parametrize(("x", "decimals", "vi", "en"), NUMBERS)
def test_number(x: object, decimals: int, vi: str, en: str) -> None:
    assert fmt.number(x, "vi", decimals) == vi
    assert fmt.number(x, lang="en", decimals=decimals) == en


def test_number_defaults_to_vietnamese_integers() -> None:
    assert fmt.number(40976.4) == "40.976"


def test_number_accepts_numpy_scalars() -> None:
    np = pytest.importorskip("numpy")
    assert fmt.number(np.int64(40976)) == "40.976"
    assert fmt.number(np.float64(1234567.8), "en", 1) == "1,234,567.8"


MISSING_VALUES = [None, float("nan"), math.inf, -math.inf]


@pytest.mark.parametrize("x", MISSING_VALUES)
@pytest.mark.parametrize("func", [fmt.number, fmt.percent, fmt.points, fmt.change,
                                  fmt.count_label])
def test_missing_values_show_a_dash(func, x: object) -> None:
    assert func(x) == "–"
    assert func(x, "en") == "–"


def test_pandas_missing_values_show_a_dash() -> None:
    pd = pytest.importorskip("pandas")
    assert fmt.number(pd.NA) == "–"
    assert fmt.percent(pd.NA) == "–"
    assert fmt.date_short(pd.NaT) == "–"
    assert fmt.date_long(pd.NaT, place="Lào Cai") == "–"


def test_strings_are_not_numbers() -> None:
    with pytest.raises(TypeError, match="string '12'"):
        fmt.number("12")


# ratio, decimals, vi, en
PERCENTS = [
    (0.755, 1, "75,5%", "75.5%"),
    (0.7545, 1, "75,5%", "75.5%"),  # 75.45% rounds half up
    (0.7544999, 1, "75,4%", "75.4%"),
    (0.7555, 1, "75,6%", "75.6%"),
    (1.0, 1, "100,0%", "100.0%"),
    (1.0, 0, "100%", "100%"),
    (1, 1, "100,0%", "100.0%"),
    (0, 1, "0,0%", "0.0%"),
    (0.005, 0, "1%", "1%"),
    (0.12345, 2, "12,35%", "12.35%"),
    (-0.031, 1, "-3,1%", "-3.1%"),
    (12.5, 1, "1.250,0%", "1,250.0%"),
]


@pytest.mark.parametrize(("ratio", "decimals", "vi", "en"), PERCENTS)
def test_percent(ratio: float, decimals: int, vi: str, en: str) -> None:
    assert fmt.percent(ratio, "vi", decimals) == vi
    assert fmt.percent(ratio, lang="en", decimals=decimals) == en


@pytest.mark.parametrize(("delta", "decimals", "vi", "en"), [
    (0.052, 1, "5,2 điểm phần trăm", "5.2 percentage points"),
    (-0.052, 1, "5,2 điểm phần trăm", "5.2 percentage points"),
    (0.01, 0, "1 điểm phần trăm", "1 percentage point"),
    (0.01, 1, "1,0 điểm phần trăm", "1.0 percentage points"),
    (0.00045, 2, "0,05 điểm phần trăm", "0.05 percentage points"),
    (0, 1, "0,0 điểm phần trăm", "0.0 percentage points"),
])
def test_points(delta: float, decimals: int, vi: str, en: str) -> None:
    assert fmt.points(delta, "vi", decimals) == vi
    assert fmt.points(delta, "en", decimals) == en


# delta, kind, decimals, vi, en
CHANGES = [
    (0.052, "points", None, "tăng 5,2 điểm phần trăm", "up 5.2 percentage points"),
    (-0.052, "points", None, "giảm 5,2 điểm phần trăm", "down 5.2 percentage points"),
    (-0.031, "percent", None, "giảm 3,1%", "down 3.1%"),
    (0.1255, "percent", 1, "tăng 12,6%", "up 12.6%"),
    (120, "number", None, "tăng 120", "up 120"),
    (-1234, "number", None, "giảm 1.234", "down 1,234"),
    (2.25, "number", 1, "tăng 2,3", "up 2.3"),
    (0, "points", None, "không thay đổi", "unchanged"),
    (0, "number", None, "không thay đổi", "unchanged"),
    (0.0004, "points", None, "không thay đổi", "unchanged"),  # 0,04 points shows as 0,0
    (-0.0004, "percent", None, "không thay đổi", "unchanged"),
    (0.0004, "points", 2, "tăng 0,04 điểm phần trăm", "up 0.04 percentage points"),
    (0.4, "number", None, "không thay đổi", "unchanged"),
    (0.5, "number", None, "tăng 1", "up 1"),
]


@pytest.mark.parametrize(("delta", "kind", "decimals", "vi", "en"), CHANGES)
def test_change(delta: float, kind: str, decimals: int | None, vi: str, en: str) -> None:
    assert fmt.change(delta, "vi", kind, decimals) == vi
    assert fmt.change(delta, lang="en", kind=kind, decimals=decimals) == en


def test_change_defaults_to_points() -> None:
    assert fmt.change(0.052) == "tăng 5,2 điểm phần trăm"


def test_change_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="'ratio'; available: points, percent, number"):
        fmt.change(0.1, kind="ratio")


DATES = [
    (date(2019, 7, 24), "24/7/2019", "24 July 2019"),
    (date(2026, 1, 5), "5/1/2026", "5 January 2026"),
    (date(2025, 12, 31), "31/12/2025", "31 December 2025"),
    (datetime(2025, 2, 3, 14, 30), "3/2/2025", "3 February 2025"),
]


@pytest.mark.parametrize(("d", "vi", "en"), DATES)
def test_date_short(d: date, vi: str, en: str) -> None:
    assert fmt.date_short(d) == vi
    assert fmt.date_short(d, "en") == en


@pytest.mark.parametrize(("d", "place", "vi", "en"), [
    (date(2026, 1, 5), "Lào Cai", "Lào Cai, ngày 05 tháng 01 năm 2026", "Lào Cai, 5 January 2026"),
    (date(2026, 1, 5), None, "ngày 05 tháng 01 năm 2026", "5 January 2026"),
    (date(2019, 11, 24), "Hà Nội", "Hà Nội, ngày 24 tháng 11 năm 2019",
     "Hà Nội, 24 November 2019"),
    (date(2025, 10, 9), "", "ngày 09 tháng 10 năm 2025", "9 October 2025"),
])
def test_date_long(d: date, place: str | None, vi: str, en: str) -> None:
    assert fmt.date_long(d, place=place) == vi
    assert fmt.date_long(d, "en", place) == en


@pytest.mark.parametrize(("n", "threshold", "vi", "en"), [
    (0, 3, "0", "0"),
    (1, 3, "<3", "<3"),
    (2, 3, "<3", "<3"),
    (3, 3, "3", "3"),
    (1234, 3, "1.234", "1,234"),
    (2, None, "2", "2"),
    (2, 0, "2", "2"),
    (4, 5, "<5", "<5"),
])
def test_count_label(n: int, threshold: int | None, vi: str, en: str) -> None:
    assert fmt.count_label(n, small_threshold=threshold) == vi
    assert fmt.count_label(n, "en", threshold) == en


@pytest.mark.parametrize(("n", "text"), [
    (1, "I"), (2, "II"), (3, "III"), (4, "IV"), (5, "V"), (6, "VI"), (7, "VII"),
    (8, "VIII"), (9, "IX"), (10, "X"), (11, "XI"), (12, "XII"), (14, "XIV"), (49, "XLIX"),
    (2026, "MMXXVI"),
])
def test_roman(n: int, text: str) -> None:
    assert fmt.roman(n) == text


@pytest.mark.parametrize("n", [0, -1, 4000, 2.0, "3", True])
def test_roman_rejects(n: object) -> None:
    with pytest.raises(ValueError, match="integer from 1 to 3999"):
        fmt.roman(n)  # type: ignore[arg-type]


@pytest.mark.parametrize("call", [
    lambda: fmt.number(1, "fr"),
    lambda: fmt.percent(0.5, "fr"),
    lambda: fmt.points(0.5, "fr"),
    lambda: fmt.change(0.5, "fr"),
    lambda: fmt.date_short(date(2025, 1, 1), "fr"),
    lambda: fmt.date_long(date(2025, 1, 1), "fr"),
    lambda: fmt.count_label(1, "fr"),
])
def test_unknown_language(call) -> None:
    with pytest.raises(ValueError, match="Unknown language 'fr'; available: vi, en"):
        call()
