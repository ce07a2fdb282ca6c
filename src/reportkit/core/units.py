"""Provincial-level units before and after 1 July 2025, the crosswalk, name and code resolution.

Until 30 June 2025 Vietnam had 63 provincial-level units; from 1 July 2025 it has 34. Seven
codes changed meaning (15, 24, 44, 52, 80, 82, 91), so a unit is always identified by its code
*and* a date (``Unit.key`` is ``"15@2025-07-01"``), never by its code alone.

The records come from the two CSV files shipped in ``reportkit/data`` and are read once.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

from reportkit.core.i18n import error, text
from reportkit.errors import Text, UnitNotInForceError, UnknownUnitError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MERGER_DATE", "Unit", "all_units", "units_at", "get", "resolve", "normalize_name",
    "successor", "members", "to_current_codes",
]

MERGER_DATE = date(2025, 7, 1)
OLD_VALID_FROM = date(2008, 8, 1)  # Hà Tây joined Hà Nội: the 63-unit list starts here
OLD_VALID_TO = MERGER_DATE - timedelta(days=1)

# Kinds before 1 July 2025 (centrally-run cities) and later changes of kind, by unit key.
_OLD_CITIES = frozenset({"01", "31", "48", "79", "92"})
_KIND_CHANGES: dict[str, tuple[tuple[date, str], ...]] = {
    "46@2008-08-01": ((date(2025, 1, 1), "city"),),  # Thừa Thiên Huế → Huế city
    "75@2025-07-01": ((date(2026, 4, 30), "city"),),  # Đồng Nai (reported, not fully confirmed)
}

# Spellings that normalisation alone cannot reach, mapped to the official name.
_ALIASES = {
    "Thừa Thiên Huế": "Huế", "TT Huế": "Huế",
    "HCM": "Hồ Chí Minh", "TPHCM": "Hồ Chí Minh", "HCMC": "Hồ Chí Minh", "Sài Gòn": "Hồ Chí Minh",
    "BR-VT": "Bà Rịa - Vũng Tàu", "Bắc Cạn": "Bắc Kạn",
}
# Display names use the traditional tone placement of the official texts, as the data files
# do for "Khánh Hòa" and "Thanh Hóa"; the crosswalk writes this one the other way.
_SPELLING = {"Hoà Bình": "Hòa Bình"}
_PREFIXES = ("thành phố ", "thanh pho ", "tỉnh ", "tinh ", "tp ", "t p ")
_SUFFIXES = (" city", " province")
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
# In the clusters oa, oe, uy the tone may sit on either vowel ("Hòa"/"Hoà"): keys use the second.
_TONE_CLUSTER = re.compile(f"(o[{_TONES}](?=[ae])|u[{_TONES}](?=y))([aey])(?![\u0300-\u036f])")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_LANGS = ("vi", "en")


@dataclass(frozen=True)
class Unit:
    """A provincial-level unit during one validity period."""

    code: str
    name: str
    valid_from: date
    valid_to: date | None
    kinds: tuple[tuple[date, str], ...]
    communes: int | None = None  # commune-level units on 1 July 2025 (new units only)

    @property
    def key(self) -> str:
        """Unique id: code and start of validity, e.g. ``"15@2025-07-01"``."""
        return f"{self.code}@{self.valid_from.isoformat()}"

    @property
    def slug(self) -> str:
        """ASCII path slug, e.g. ``"ba-ria-vung-tau"`` (unique within an era)."""
        return re.sub(r"[^a-z0-9]+", "-", _strip_marks(self.name).lower()).strip("-")

    @property
    def era(self) -> str:
        """``"pre-2025"`` or ``"post-2025"``."""
        return "pre-2025" if self.valid_from < MERGER_DATE else "post-2025"

    def kind_at(self, d: date) -> str:
        """Kind ("province" or "city") on ``d``; the first kind for earlier dates."""
        d = _as_date(d)
        kind = self.kinds[0][1]
        for start, k in self.kinds:
            if start <= d:
                kind = k
        return kind

    def in_force(self, d: date) -> bool:
        """Whether the unit exists on ``d``."""
        d = _as_date(d)
        return self.valid_from <= d and (self.valid_to is None or d <= self.valid_to)

    def label(self, lang: str = "vi") -> str:
        """Display name; the official name in both languages."""
        _check_lang(lang)
        return self.name

    def office_name(self, lang: str = "vi", at: date | None = None) -> str:
        """Name of the Party committee office; its kind on ``at`` (default: today, or the
        unit's last day) decides Tỉnh ủy or Thành ủy."""
        _check_lang(lang)
        at = min(date.today(), self.valid_to or date.max) if at is None else _as_date(at)
        city = self.kind_at(at) == "city"
        return text("units.office.city" if city else "units.office.province", lang,
                    name=self.name)


class _Data(NamedTuple):
    units: tuple[Unit, ...]
    by_code: dict[str, tuple[Unit, ...]]
    by_name: dict[str, tuple[Unit, ...]]  # normalize_name key → units, oldest first
    by_ascii: dict[str, frozenset[str]]  # compact ASCII key → normalize_name keys
    display: dict[str, str]  # spaced ASCII key (names and aliases) → official name
    successor: dict[str, Unit]  # old unit key → new unit
    members: dict[str, tuple[Unit, ...]]  # new unit key → old units


def _read_csv(name: str) -> list[dict[str, str]]:
    text = (resources.files("reportkit") / "data" / name).read_text(encoding="utf-8")
    rows = [{k: unicodedata.normalize("NFC", v.strip()) for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text))]
    return [{k: _SPELLING.get(v, v) for k, v in row.items()} for row in rows]


@functools.cache
def _data() -> _Data:
    cross = _read_csv("admin_units_crosswalk.csv")
    new_rows = _read_csv("units_after_2025-07-01.csv")
    old: list[Unit] = []
    for r in cross:
        kinds = ((OLD_VALID_FROM, "city" if r["old_code"] in _OLD_CITIES else "province"),)
        key = f"{r['old_code']}@{OLD_VALID_FROM.isoformat()}"
        old.append(Unit(r["old_code"], r["old_name"], OLD_VALID_FROM, OLD_VALID_TO,
                        kinds + _KIND_CHANGES.get(key, ())))
    new: list[Unit] = []
    for r in new_rows:
        key = f"{r['code']}@{MERGER_DATE.isoformat()}"
        new.append(Unit(r["code"], r["name"], MERGER_DATE, None,
                        ((MERGER_DATE, r["kind"]),) + _KIND_CHANGES.get(key, ()),
                        int(r["communes_2025_07_01"])))
    units = tuple(sorted(old, key=lambda u: u.code)) + tuple(sorted(new, key=lambda u: u.code))
    new_by_code = {u.code: u for u in new}
    succ: dict[str, Unit] = {}
    for r, u in zip(cross, old, strict=True):
        target = new_by_code[r["new_code"]]
        if target.name != r["new_name"]:
            raise ValueError(f"crosswalk names {r['new_name']!r} for code {target.code}, "
                             f"the unit list {target.name!r}")
        succ[u.key] = target
    by_code: dict[str, tuple[Unit, ...]] = {}
    by_name: dict[str, tuple[Unit, ...]] = {}
    for u in units:
        by_code[u.code] = by_code.get(u.code, ()) + (u,)
        name_key = normalize_name(u.name)
        by_name[name_key] = by_name.get(name_key, ()) + (u,)
    by_ascii: dict[str, frozenset[str]] = {}
    display: dict[str, str] = {}
    for spelling, official in [(u.name, u.name) for u in units] + list(_ALIASES.items()):
        raw = _strip_marks(_clean(spelling))
        compact = raw.replace(" ", "")
        by_ascii[compact] = by_ascii.get(compact, frozenset()) | {normalize_name(official)}
        display[raw] = official
    mem = {n.key: tuple(u for u in units if succ.get(u.key) is n) for n in new}
    return _Data(units, by_code, by_name, by_ascii, display, succ, mem)


def _as_date(d: date) -> date:
    return d.date() if isinstance(d, datetime) else d  # also pandas Timestamp


def _fmt(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _day(d: date) -> Text:
    """A day for a message: "1/7/2025" in Vietnamese, "1 July 2025" in English."""
    return Text("unit.day", {"d": d.day, "m": d.month, "y": d.year,
                             "month_en": _MONTHS[d.month - 1]})


def _check_lang(lang: str) -> None:
    if lang not in _LANGS:
        raise ValueError(f"No language {lang!r}; available: {', '.join(_LANGS)}")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _clean(text: str) -> str:
    """NFC, lower case, one tone placement (oà, oé, uý, ...), punctuation as single spaces,
    without the "Tỉnh"/"Thành phố"/"TP." prefixes or "City"/"Province" suffixes."""
    text = unicodedata.normalize("NFD", str(text).lower())
    text = _TONE_CLUSTER.sub(lambda m: m[1][0] + m[2] + m[1][1], text)
    text = unicodedata.normalize("NFC", text)
    text = " ".join(re.sub(r"[\W_]+", " ", text).split())
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):]
            break
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
    return text


@functools.cache
def _alias_keys() -> dict[str, str]:
    return {_clean(a): _clean(official) for a, official in _ALIASES.items()}


def normalize_name(text: str) -> str:
    """Matching key of a unit name: equal keys mean the same name ("TP.HCM" = "Hồ Chí Minh",
    "Khánh Hoà" = "Khánh Hòa", "Thừa Thiên - Huế" = "Huế")."""
    key = _clean(text)
    return _alias_keys().get(key, key)


def all_units() -> tuple[Unit, ...]:
    """The 97 records: 63 units before 1 July 2025, then the 34 from it, each sorted by code."""
    return _data().units


def units_at(d: date) -> tuple[Unit, ...]:
    """Units in force on ``d``, sorted by code (63 before 1 July 2025, 34 from it)."""
    d = _as_date(d)
    return tuple(u for u in _data().units if u.in_force(d))


def _code(code: str | int) -> str:
    text = str(code).strip()
    if isinstance(code, bool) or not text.isdigit() or len(text) > 2:
        raise UnknownUnitError(f"No unit with code {code!r}", code=str(code))
    return text.zfill(2)


def _nearest(units: tuple[Unit, ...], at: date) -> Unit:
    """The candidate closest to ``at``: the last one that ended before it, else the first."""
    ended = [u for u in units if u.valid_to is not None and u.valid_to < at]
    return max(ended, key=lambda u: u.valid_from) if ended else units[0]


def _not_in_force(unit: Unit, at: date) -> UnitNotInForceError:
    if unit.valid_to is not None and at > unit.valid_to:
        new, when = successor(unit), unit.valid_to + timedelta(days=1)
        same = new.name == unit.name
        old_txt = Text("unit.with_code", {"name": unit.name, "code": unit.code}) if same \
            else unit.name
        new_txt = Text("unit.with_code", {"name": new.name, "code": new.code}) if same \
            else new.name
        return error(UnitNotInForceError, "unit.merged",
                     {"unit": unit.name, "code": unit.code, "successor": new.name,
                      "date": when.isoformat(), "at": at.isoformat()},
                     old=old_txt, new=new_txt, when=_day(when))
    key = "unit.not_before_merger" if unit.valid_from == MERGER_DATE else "unit.recorded_from"
    return error(UnitNotInForceError, key,
                 {"unit": unit.name, "code": unit.code, "date": unit.valid_from.isoformat(),
                  "at": at.isoformat()},
                 unit=Text("unit.with_code", {"name": unit.name, "code": unit.code}),
                 when=_day(unit.valid_from))


def get(code: str | int, at: date) -> Unit:
    """The unit with ``code`` in force on ``at`` (``1``, ``"1"`` and ``"01"`` are the same)."""
    at, c = _as_date(at), _code(code)
    candidates = _data().by_code.get(c)
    if not candidates:
        raise error(UnknownUnitError, "unit.unknown_code", {"code": c}, code=repr(c))
    for u in candidates:
        if u.in_force(at):
            return u
    raise _not_in_force(_nearest(candidates, at), at)


def resolve(text: str | int, at: date | None = None) -> Unit:
    """The unit a code or a name in any common spelling means on ``at`` (default: today)."""
    at = date.today() if at is None else _as_date(at)
    if isinstance(text, int) or str(text).strip().isdigit():
        return get(text, at)
    data, key = _data(), normalize_name(text)
    names = [key] if key in data.by_name else sorted(data.by_ascii.get(
        _strip_marks(key).replace(" ", ""), ()))
    if len(names) == 1:
        candidates = data.by_name[names[0]]
        for u in candidates:
            if u.in_force(at):
                return u
        raise _not_in_force(_nearest(candidates, at), at)
    if names:  # the same ASCII spelling for several names
        suggestions = [data.by_name[n][0].name for n in names]
    else:
        close = difflib.get_close_matches(_strip_marks(key), list(data.display), n=8)
        suggestions = list(dict.fromkeys(data.display[c] for c in close))[:3]
    hint = Text("unit.did_you_mean", {"names": ", ".join(suggestions)}) if suggestions else ""
    raise error(UnknownUnitError, "unit.unknown_name",
                {"unit": str(text), "suggestions": suggestions}, name=repr(str(text)), hint=hint)


def successor(unit: Unit) -> Unit:
    """The unit of the 34 an old unit belongs to; a new unit is its own successor."""
    return _data().successor.get(unit.key, unit)


def members(unit: Unit) -> tuple[Unit, ...]:
    """The old units a new unit was formed from (sorted by code); an old unit → ``(unit,)``."""
    return _data().members.get(unit.key, (unit,))


def to_current_codes(df: pd.DataFrame, code_col: str = "unit_code",
                     month_col: str = "month") -> pd.DataFrame:
    """A copy of ``df`` whose rows dated before 1 July 2025 carry their successor's code.

    Codes become two-character strings. Raises UnknownUnitError listing every old code that
    is not a unit before 1 July 2025.
    """
    import pandas as pd

    out = df.copy()
    raw = out[code_col]
    codes = raw.astype(str).str.strip().str.zfill(2).where(raw.notna(), raw)
    pre = pd.to_datetime(out[month_col]).lt(pd.Timestamp(MERGER_DATE)).to_numpy()
    mapping = {u.code: successor(u).code for u in units_at(OLD_VALID_TO)}
    mapped = codes[pre].map(mapping)
    unknown = mapped.isna() & codes[pre].notna()
    if unknown.any():
        bad = sorted(set(codes[pre][unknown]))
        raise UnknownUnitError(f"No unit before {_fmt(MERGER_DATE)} with code(s) "
                               f"{', '.join(bad)}", code=bad)
    codes[pre] = mapped
    out[code_col] = codes
    return out
