"""Reporting periods: month, quarter, half year, nine months, year, term and month ranges.

A :class:`Period` is a run of whole reporting months, each written as a ``date`` on day 1.
Which calendar days a month covers depends on the cut-off rule:

- ``"calendar"``: a month is its calendar days.
- ``"decree09"``: Decree 09/2019/NĐ-CP state reporting; month M runs from the 15th of month
  M-1 to the 14th of month M, so Q3 is 15/6-14/9 and a year is 15/12 (previous year)-14/12.

Codes (``str(period)`` round-trips through :meth:`Period.parse`)::

    2025-07  2025-Q3  2025-H1  2025-9M  2025  2020-2025 (term)  2016-07..2018-12 (range)

plus relative codes resolved against ``today``: ``last-month``, ``last-quarter``,
``last-half``, ``last-year`` (the last *complete* calendar period) and ``this-year-to-date``
(January to the last complete month; an error in January, when no month is complete yet).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reportkit.core.fmt import MONTHS_EN, roman
from reportkit.core.i18n import error, render, text
from reportkit.errors import PeriodError, Text

RULES = ("calendar", "decree09")
KINDS = ("month", "quarter", "half", "9m", "year", "term", "range")
RULE_ENV = "REPORTKIT_PERIOD_RULE"
ACCEPTED = text("period.accepted", "en")
RELATIVE = ("last-month", "last-quarter", "last-half", "last-year", "this-year-to-date")

_YEAR = r"([1-9]\d{3})"
_FORMS = [
    ("month", re.compile(rf"{_YEAR}-(\d{{1,2}})")),
    ("quarter", re.compile(rf"{_YEAR}-q(\d+)")),
    ("half", re.compile(rf"{_YEAR}-h(\d+)")),
    ("9m", re.compile(rf"{_YEAR}-9m")),
    ("year", re.compile(_YEAR)),
    ("term", re.compile(rf"{_YEAR}-{_YEAR}")),
]
_NO_YEAR = re.compile(r"(q\d+|h\d+|9m|\d{1,2})")


def default_rule() -> str:
    """The cut-off rule from ``REPORTKIT_PERIOD_RULE`` if set, else "calendar"."""
    value = os.environ.get(RULE_ENV, "").strip().lower()
    if not value:
        return "calendar"
    if value not in RULES:
        raise PeriodError(f"{RULE_ENV}={value!r} is not a period rule; available: "
                          f"{', '.join(RULES)}", rule=value)
    return value


def _rule(rule: str | None) -> str:
    if rule is None:
        return default_rule()
    if rule not in RULES:
        raise PeriodError(f"Unknown period rule {rule!r}; available: {', '.join(RULES)}",
                          rule=rule)
    return rule


def _index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _shift(d: date, months: int) -> date:
    return _month(_index(d) + months)


def _as_date(d: date) -> date:
    return d.date() if isinstance(d, datetime) else d


def _bad(code: Any, reason: Text) -> PeriodError:
    hint = suggest(code) if isinstance(code, str) else None
    return error(PeriodError, "period.bad", {"period": str(code), "reason": render(reason, "en"),
                                             "suggestion": hint},
                 code=repr(code), reason=reason,
                 did=Text("period.bad.did_you_mean", {"hint": hint}) if hint else "",
                 accepted=Text("period.accepted", {}))


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind) for pattern, kind in (
        # quarters: "Q3/2025", "q3 2025", "quý 3/2025", "quý III/2025", "quy 3-2025", "2025Q3"
        (r"(?:q|quý|quy)\s*(?P<n>[1-4]|i{1,3}|iv)\s*[/\-. ]\s*(?P<y>\d{4})", "quarter"),
        (r"(?P<y>\d{4})\s*[/\-. ]?\s*(?:q|quý|quy)\s*(?P<n>[1-4]|i{1,3}|iv)", "quarter"),
        # halves: "H1/2025", "2025H2", "6 tháng đầu năm 2025", "6 tháng cuối năm 2025"
        (r"h\s*(?P<n>[12])\s*[/\-. ]\s*(?P<y>\d{4})", "half"),
        (r"(?P<y>\d{4})\s*[/\-. ]?\s*h\s*(?P<n>[12])", "half"),
        (r"6\s*tháng\s*(?P<n>đầu|cuối)\s*năm\s*(?P<y>\d{4})", "half"),
        # nine months: "9 tháng năm 2025", "9 tháng đầu năm 2025", "9m/2025"
        (r"9\s*(?:tháng|m)\s*(?:đầu\s*)?(?:năm\s*)?[/\-. ]?\s*(?P<y>\d{4})", "9m"),
        # months: "09/2025", "9-2025", "tháng 9/2025", "T9/2025", "2025/09", "2025.9", "202509"
        (r"(?:tháng|thang|t)?\s*(?P<n>0?[1-9]|1[0-2])\s*[/\-. ]\s*(?P<y>\d{4})", "month"),
        (r"(?P<y>\d{4})\s*[/. ]\s*(?P<n>0?[1-9]|1[0-2])", "month"),
        (r"(?P<y>\d{4})(?P<n>0[1-9]|1[0-2])", "month"),
        # years: "năm 2025", "nam 2025", "FY2025"
        (r"(?:năm|nam|fy)\s*(?P<y>\d{4})", "year"),
    ))


def suggest(text: str) -> str | None:
    """The period code a common spelling means ("Q3/2025", "quý III/2025", "2025Q3" →
    ``2025-Q3``; "09/2025", "tháng 9/2025" → ``2025-09``; "6 tháng đầu năm 2025" →
    ``2025-H1``), or None. Used to say "did you mean ..." when a code does not parse."""
    import unicodedata

    s = unicodedata.normalize("NFC", text).strip().lower()
    for pattern, kind in _SPELLINGS:
        m = pattern.fullmatch(s)
        if not m:
            continue
        y = int(m.group("y"))
        n_text = m.groupdict().get("n")
        n = (_ROMAN.get(n_text) or (1 if n_text == "đầu" else 2 if n_text == "cuối" else
                                    int(n_text))) if n_text else 0
        if not 1900 <= y <= 2999:
            return None
        return {"quarter": f"{y}-Q{n}", "half": f"{y}-H{n}", "9m": f"{y}-9M",
                "month": f"{y}-{n:02d}", "year": f"{y}"}[kind]
    return None


def _shape_ok(first: date, last: date, kind: str) -> bool:
    """Whether (first, last) is a period of ``kind`` (a range may be any run of months)."""
    n = _index(last) - _index(first) + 1
    same_year = first.year == last.year
    if kind == "month":
        return n == 1
    if kind == "quarter":
        return n == 3 and first.month % 3 == 1
    if kind == "half":
        return n == 6 and first.month in (1, 7)
    if kind == "9m":
        return same_year and (first.month, last.month) == (1, 9)
    if kind == "year":
        return same_year and (first.month, last.month) == (1, 12)
    if kind == "term":
        return last.year > first.year and (first.month, last.month) == (1, 12)
    return n >= 1


@dataclass(frozen=True, order=True, repr=False)
class Period:
    """A run of whole reporting months, ``first`` to ``last`` inclusive (both on day 1)."""

    first: date
    last: date
    kind: str

    def __post_init__(self) -> None:
        first, last = _as_date(self.first), _as_date(self.last)
        object.__setattr__(self, "first", first)
        object.__setattr__(self, "last", last)
        if self.kind not in KINDS:
            raise PeriodError(f"Unknown period kind {self.kind!r}; available: "
                              f"{', '.join(KINDS)}", kind=self.kind)
        if first.day != 1 or last.day != 1:
            raise PeriodError(f"A period's months are dates on day 1, got {first} and {last}",
                              kind=self.kind)
        if not _shape_ok(first, last, self.kind):
            raise PeriodError(f"{first:%Y-%m}..{last:%Y-%m} is not a period of kind "
                              f"{self.kind!r}", kind=self.kind)

    # --- construction -------------------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """One month."""
        if not 1 <= month <= 12:
            raise PeriodError(f"Month must be 1-12, got {month!r}", period=f"{year}-{month}")
        return cls(date(year, month, 1), date(year, month, 1), "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """A quarter, 1-4."""
        if not 1 <= quarter <= 4:
            raise PeriodError(f"Quarter must be 1-4, got {quarter!r}",
                              period=f"{year}-Q{quarter}")
        first = date(year, 3 * quarter - 2, 1)
        return cls(first, _shift(first, 2), "quarter")

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        """A half year, 1 (January-June) or 2 (July-December)."""
        if half not in (1, 2):
            raise PeriodError(f"Half must be 1 or 2, got {half!r}", period=f"{year}-H{half}")
        first = date(year, 6 * half - 5, 1)
        return cls(first, _shift(first, 5), "half")

    @classmethod
    def nine_months(cls, year: int) -> Period:
        """January to September."""
        return cls(date(year, 1, 1), date(year, 9, 1), "9m")

    @classmethod
    def year(cls, year: int) -> Period:
        """A calendar year of reporting months."""
        return cls(date(year, 1, 1), date(year, 12, 1), "year")

    @classmethod
    def term(cls, first_year: int, last_year: int) -> Period:
        """A term of office, January of ``first_year`` to December of ``last_year``."""
        if last_year <= first_year:
            raise PeriodError(f"A term must end after the year it starts, got "
                              f"{first_year}-{last_year}", period=f"{first_year}-{last_year}")
        return cls(date(first_year, 1, 1), date(last_year, 12, 1), "term")

    @classmethod
    def range(cls, first: date, last: date) -> Period:
        """The months from ``first`` to ``last`` inclusive (any day in a month names it)."""
        first, last = _as_date(first), _as_date(last)
        a, b = first.replace(day=1), last.replace(day=1)
        if b < a:
            raise PeriodError(f"A range must not end ({b:%Y-%m}) before it starts ({a:%Y-%m})",
                              period=f"{a:%Y-%m}..{b:%Y-%m}")
        return cls(a, b, "range")

    @classmethod
    def parse(cls, text: str | Period, today: date | None = None) -> Period:
        """A period from its code (see the module docstring); a Period is returned as is.

        Case and spaces around the code and its separators do not matter. Relative codes are
        resolved against ``today`` (default: ``date.today()``).

        Raises:
            PeriodError: the input, what is wrong with it, and the accepted forms.
        """
        if isinstance(text, Period):
            return text
        if not isinstance(text, str):
            raise _bad(text, Text("period.bad.not_string", {"type": type(text).__name__}))
        code = text.strip().lower().replace("–", "-").replace("—", "-")
        code = re.sub(r"\s*(\.\.|-)\s*", r"\1", code)
        code = re.sub(r"[\s_]+", "-", code)
        if not code:
            raise _bad(text, Text("period.bad.empty", {}))
        if ".." in code:
            parts = code.split("..")
            if len(parts) != 2 or not all(parts):
                raise _bad(text, Text("period.bad.range_syntax", {}))
            a, b = (_parse_one(text, part, today) for part in parts)
            if b.last < a.first:
                raise _bad(text, Text("period.bad.range_order", {"end": f"{b.last:%Y-%m}",
                                                           "start": f"{a.first:%Y-%m}"}))
            return cls.range(a.first, b.last)
        return _parse_one(text, code, today)

    # --- text ---------------------------------------------------------------------------

    def __str__(self) -> str:
        y = self.first.year
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        if self.kind == "quarter":
            return f"{y}-Q{(self.first.month + 2) // 3}"
        if self.kind == "half":
            return f"{y}-H{1 if self.first.month == 1 else 2}"
        if self.kind == "9m":
            return f"{y}-9M"
        if self.kind == "year":
            return str(y)
        if self.kind == "term":
            return f"{y}-{self.last.year}"
        return f"{self.first:%Y-%m}..{self.last:%Y-%m}"

    def __repr__(self) -> str:
        return f"Period({str(self)!r})"

    def slug(self) -> str:
        """A filesystem-safe code: ``str()`` with ".." written "_to_"."""
        return str(self).replace("..", "_to_")

    def label(self, lang: str = "vi") -> str:
        """The period's name in text: "quý III/2025", "first half of 2025", ... (the texts
        are in :mod:`reportkit.core.i18n`)."""
        from reportkit.core.i18n import text

        if lang not in ("vi", "en"):
            raise ValueError(f"Unknown language {lang!r}; available: vi, en")
        y, m = self.first.year, self.first.month
        if self.kind == "month":
            return text("period.month", lang, m=m, y=y, month_en=MONTHS_EN[m - 1])
        if self.kind == "quarter":
            q = (m + 2) // 3
            return text("period.quarter", lang, q=q, q_roman=roman(q), y=y)
        if self.kind == "half":
            return text("period.half_first" if m == 1 else "period.half_second", lang, y=y)
        if self.kind == "9m":
            return text("period.nine_months", lang, y=y)
        if self.kind == "year":
            return text("period.year", lang, y=y)
        if self.kind == "term":
            return text("period.term", lang, y=y, y2=self.last.year)
        a, b = Period.month(y, m), Period.month(self.last.year, self.last.month)
        return text("period.range", lang, a=a.label(lang), b=b.label(lang))

    # --- arithmetic ---------------------------------------------------------------------

    def _size(self) -> int:
        return _index(self.last) - _index(self.first) + 1

    def months(self) -> list[date]:
        """Every month of the period, as dates on day 1."""
        start = _index(self.first)
        return [_month(start + i) for i in range(self._size())]

    def previous(self) -> Period:
        """The period before: the previous month, quarter, half, year; the 9 months of the
        previous year; the term or range of equal length immediately before."""
        if self.kind == "9m":
            return Period.nine_months(self.first.year - 1)
        n = self._size()
        return Period(_shift(self.first, -n), _shift(self.last, -n), self.kind)

    def same_period_last_year(self) -> Period:
        """The same months a year earlier; a term becomes a range (terms start in January)."""
        kind = "range" if self.kind == "term" else self.kind
        return Period(_shift(self.first, -12), _shift(self.last, -12), kind)

    def covers(self, other: Period) -> bool:
        """Whether every month of ``other`` is in this period."""
        return self.first <= other.first and other.last <= self.last

    # --- calendar days ------------------------------------------------------------------

    def start_date(self, rule: str | None = None) -> date:
        """The first day covered (inclusive) under ``rule`` (default: :func:`default_rule`)."""
        if _rule(rule) == "decree09":
            return _shift(self.first, -1).replace(day=15)
        return self.first

    def end_date(self, rule: str | None = None) -> date:
        """The last day covered (inclusive) under ``rule`` (default: :func:`default_rule`)."""
        if _rule(rule) == "decree09":
            return self.last.replace(day=14)
        return date.fromordinal(_shift(self.last, 1).toordinal() - 1)

    def contains(self, d: date, rule: str | None = None) -> bool:
        """Whether the day ``d`` falls in the period under ``rule``."""
        rule = _rule(rule)
        return self.start_date(rule) <= _as_date(d) <= self.end_date(rule)


def _parse_one(text: str, code: str, today: date | None) -> Period:
    """One code without '..' (``text`` is the original input, for messages)."""
    if code in RELATIVE:
        return _relative(text, code, today)
    for kind, pattern in _FORMS:
        m = pattern.fullmatch(code)
        if not m:
            continue
        y = int(m.group(1))
        if kind == "month":
            if not 1 <= int(m.group(2)) <= 12:
                raise _bad(text, Text("period.bad.month", {"got": m.group(2)}))
            return Period.month(y, int(m.group(2)))
        if kind == "quarter":
            if not 1 <= int(m.group(2)) <= 4:
                raise _bad(text, Text("period.bad.quarter", {"got": m.group(2)}))
            return Period.quarter(y, int(m.group(2)))
        if kind == "half":
            if int(m.group(2)) not in (1, 2):
                raise _bad(text, Text("period.bad.half", {"got": m.group(2)}))
            return Period.half(y, int(m.group(2)))
        if kind == "9m":
            return Period.nine_months(y)
        if kind == "year":
            return Period.year(y)
        y2 = int(m.group(2))
        if y2 <= y:
            raise _bad(text, Text("period.bad.term", {"y": y, "y2": y2}))
        return Period.term(y, y2)
    if _NO_YEAR.fullmatch(code):
        raise _bad(text, Text("period.bad.no_year", {}))
    raise _bad(text, Text("period.bad.not_code", {}))


def _relative(text: str, code: str, today: date | None) -> Period:
    """The last complete calendar period of the named kind as of ``today``."""
    today = _as_date(today or date.today())
    this_month = date(today.year, today.month, 1)
    if code == "last-month":
        prev = _shift(this_month, -1)
        return Period.month(prev.year, prev.month)
    if code == "last-quarter":
        q = (today.month + 2) // 3
        return Period.quarter(today.year, q - 1) if q > 1 else Period.quarter(today.year - 1, 4)
    if code == "last-half":
        return Period.half(today.year, 1) if today.month > 6 else Period.half(today.year - 1, 2)
    if code == "last-year":
        return Period.year(today.year - 1)
    # this-year-to-date
    if today.month == 1:
        raise _bad(text, Text("period.bad.ytd_january", {
            "year": today.year, "today": today.isoformat(), "last": today.year - 1}))
    return Period.range(date(today.year, 1, 1), _shift(this_month, -1))


def month_of(d: date, rule: str | None = None) -> date:
    """The reporting month (day 1) a day belongs to: under "decree09" the 15th onwards
    counts towards the next month."""
    d = _as_date(d)
    if _rule(rule) == "decree09" and d.day >= 15:
        return _shift(d, 1)
    return date(d.year, d.month, 1)


def assign_months(dates: Any, rule: str | None = None) -> Any:
    """Vectorised :func:`month_of`: a Series of datetimes → a Series of month starts.

    Keeps the index, name and datetime unit; NaT stays NaT. Time-zone-aware values use their
    local wall-clock date and come back naive. Anything ``pandas.to_datetime`` reads is
    accepted.
    """
    import numpy as np
    import pandas as pd

    rule = _rule(rule)
    s = dates if isinstance(dates, pd.Series) else pd.Series(dates)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    unit = np.datetime_data(s.dtype)[0]
    values = s.to_numpy()
    months = values.astype("datetime64[M]")
    if rule == "decree09":
        day0 = values.astype("datetime64[D]") - months.astype("datetime64[D]")
        # NaT days become the smallest int64, so NaT rows add 0 months and stay NaT.
        months = months + (day0.astype("int64") >= 14).astype("int64")
    return pd.Series(months.astype(f"datetime64[{unit}]"), index=s.index, name=s.name)
