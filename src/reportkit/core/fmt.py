"""Vietnamese and English formatting of numbers, percentages, changes and dates.

Vietnamese style groups thousands with "." and uses "," as the decimal mark (``40.976``,
``75,5%``, ``1.234.567,8``); English is the reverse. Rounding is half away from zero on the
decimal text of the value (``Decimal(str(x))``), so 0.7545 shows as 75,5% rather than the
binary-float 75,4%. Missing values (None, NaN, NaT, pandas NA) and infinities show as "–".
"""

from __future__ import annotations

import operator
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from reportkit.core import i18n

LANGS = ("vi", "en")
MISSING = "–"
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
CHANGE_KINDS = ("points", "percent", "number")

_CTX = Context(prec=1000, rounding=ROUND_HALF_UP)
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"Unknown language {lang!r}; available: {', '.join(LANGS)}")
    return lang


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN and NaT differ from themselves
    except TypeError:  # pandas.NA refuses to be a bool
        return True


def _decimal(x: Any) -> Decimal | None:
    """The value as a Decimal, or None when it is missing or not finite."""
    if _is_missing(x):
        return None
    if isinstance(x, str | bytes):
        raise TypeError(f"Expected a number, got the string {x!r}")
    d = x if isinstance(x, Decimal) else Decimal(str(x))
    return d if d.is_finite() else None


def _fixed(d: Decimal, lang: str, decimals: int) -> str:
    """Round half away from zero and group thousands in the style of ``lang``."""
    q = d.quantize(Decimal(1).scaleb(-decimals), context=_CTX)
    if q == 0:
        q = abs(q)  # no "-0"
    text = format(q, f",.{decimals}f")
    if lang == "vi":
        text = text.translate(str.maketrans(",.", ".,"))
    return text


def number(x: Any, lang: str = "vi", decimals: int = 0) -> str:
    """A number with thousands grouped: 1234567.8 → "1.234.567,8" (vi), "1,234,567.8" (en)."""
    _lang(lang)
    d = _decimal(x)
    return MISSING if d is None else _fixed(d, lang, decimals)


def percent(ratio: Any, lang: str = "vi", decimals: int = 1) -> str:
    """A ratio as a percentage with exactly ``decimals`` digits: 0.755 → "75,5%"."""
    _lang(lang)
    d = _decimal(ratio)
    return MISSING if d is None else _fixed(d * 100, lang, decimals) + "%"


def points(delta_ratio: Any, lang: str = "vi", decimals: int = 1) -> str:
    """The size of a difference of ratios: 0.052 → "5,2 điểm phần trăm" (no sign)."""
    _lang(lang)
    d = _decimal(delta_ratio)
    if d is None:
        return MISSING
    text = _fixed(abs(d) * 100, lang, decimals)
    if lang == "vi":
        return f"{text} điểm phần trăm"
    return f"{text} percentage point{'' if text == '1' else 's'}"


def change(delta: Any, lang: str = "vi", kind: str = "points",
           decimals: int | None = None) -> str:
    """A signed change in words: "tăng 5,2 điểm phần trăm", "giảm 3,1%", "không thay đổi".

    Args:
        delta: the change. For ``kind="points"`` a difference of ratios (0.052 → 5,2 points),
            for ``"percent"`` a relative change as a ratio (-0.031 → 3,1%), for ``"number"``
            a plain difference.
        lang: "vi" or "en".
        kind: "points", "percent" or "number".
        decimals: digits after the decimal mark; default 1, or 0 for ``kind="number"``.

    A change that rounds to zero at the shown precision reads "không thay đổi" / "unchanged".
    """
    _lang(lang)
    if kind not in CHANGE_KINDS:
        raise ValueError(f"Unknown change kind {kind!r}; available: {', '.join(CHANGE_KINDS)}")
    if decimals is None:
        decimals = 0 if kind == "number" else 1
    d = _decimal(delta)
    if d is None:
        return MISSING
    if kind == "points":
        size = points(abs(d), lang, decimals)
    elif kind == "percent":
        size = percent(abs(d), lang, decimals)
    else:
        size = number(abs(d), lang, decimals)
    scaled = d * 100 if kind != "number" else d
    if scaled.quantize(Decimal(1).scaleb(-decimals), context=_CTX) == 0:
        return i18n.text("fmt.unchanged", lang)
    return i18n.text("fmt.up" if d > 0 else "fmt.down", lang, size=size)


def date_short(d: date | None, lang: str = "vi") -> str:
    """A date in body text: "24/7/2019" (vi, no zero padding), "24 July 2019" (en)."""
    _lang(lang)
    if _is_missing(d):
        return MISSING
    assert d is not None
    if lang == "vi":
        return f"{d.day}/{d.month}/{d.year}"
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def date_long(d: date | None, lang: str = "vi", place: str | None = None) -> str:
    """A document-header date: "Lào Cai, ngày 05 tháng 01 năm 2026" / "Lào Cai, 5 January 2026".

    Vietnamese headers zero-pad the day and the month; without ``place`` the text starts
    at "ngày".
    """
    _lang(lang)
    if _is_missing(d):
        return MISSING
    assert d is not None
    if lang == "vi":
        text = f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"
    else:
        text = f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"
    return f"{place}, {text}" if place else text


def count_label(n: Any, lang: str = "vi", small_threshold: int | None = None) -> str:
    """A count, hidden as "<3" when ``0 < n < small_threshold`` (small-cell suppression)."""
    _lang(lang)
    d = _decimal(n)
    if d is None:
        return MISSING
    if small_threshold and 0 < d < small_threshold:
        return f"<{small_threshold}"
    return _fixed(d, lang, 0)


def roman(n: int) -> str:
    """A Roman numeral, 1 → "I", 12 → "XII" (quarter labels use I–IV)."""
    if isinstance(n, bool) or not hasattr(n, "__index__") or not 1 <= n <= 3999:
        raise ValueError(f"roman() takes an integer from 1 to 3999, got {n!r}")
    n = operator.index(n)
    out = []
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)
