"""Units before and after 1 July 2025: counts, crosswalk, kinds, resolution and its errors."""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import unicodedata
from datetime import date, datetime

import pandas as pd
import pytest

from reportkit.core import units as U
from reportkit.errors import UnitNotInForceError, UnknownUnitError

OLD = date(2020, 1, 1)
NEW = date(2026, 1, 1)
LAST_OLD_DAY = date(2025, 6, 30)
CHANGED_CODES = {  # code: (name until 30/6/2025, name from 1/7/2025)
    "15": ("Yên Bái", "Lào Cai"), "24": ("Bắc Giang", "Bắc Ninh"),
    "44": ("Quảng Bình", "Quảng Trị"), "52": ("Bình Định", "Gia Lai"),
    "80": ("Long An", "Tây Ninh"), "82": ("Tiền Giang", "Đồng Tháp"),
    "91": ("Kiên Giang", "An Giang"),
}


def ascii_name(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c))


def unit(name: str, at: date) -> U.Unit:
    (found,) = [u for u in U.units_at(at) if u.name == name]
    return found


# -- records ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("at", "count"), [
    (date(2008, 8, 1), 63), (OLD, 63), (LAST_OLD_DAY, 63), (U.MERGER_DATE, 34), (NEW, 34),
    (date(2008, 7, 31), 0),  # the 63-unit list starts with Hà Tây joining Hà Nội
])
def test_units_at_counts(at: date, count: int) -> None:
    units = U.units_at(at)
    assert len(units) == count
    assert [u.code for u in units] == sorted({u.code for u in units})  # sorted, codes unique


def test_all_units_are_both_eras() -> None:
    units = U.all_units()
    assert len(units) == 97
    assert len({u.key for u in units}) == 97
    assert [u.era for u in units].count("pre-2025") == 63
    assert U.all_units() is units  # loaded once


def test_communes_total() -> None:
    new = U.units_at(U.MERGER_DATE)
    assert sum(u.communes or 0 for u in new) == 3321
    assert all(u.communes is None for u in U.units_at(OLD))


@pytest.mark.parametrize("u", U.all_units(), ids=lambda u: u.key)
def test_record_shape(u: U.Unit) -> None:
    assert isinstance(u.code, str) and re.fullmatch(r"\d\d", u.code)
    assert u.name == unicodedata.normalize("NFC", u.name)
    assert u.key == f"{u.code}@{u.valid_from.isoformat()}"
    if u.era == "pre-2025":
        assert (u.valid_from, u.valid_to) == (date(2008, 8, 1), LAST_OLD_DAY)
    else:
        assert (u.valid_from, u.valid_to) == (U.MERGER_DATE, None)
    assert u.kinds[0][0] == u.valid_from
    assert {k for _, k in u.kinds} <= {"province", "city"}


def test_codes_that_changed_meaning_are_exactly_seven() -> None:
    old = {u.code: u.name for u in U.units_at(OLD)}
    new = {u.code: u.name for u in U.units_at(NEW)}
    changed = {c for c in old.keys() & new.keys() if old[c] != new[c]}
    assert changed == set(CHANGED_CODES)


def test_units_pickle_and_hash() -> None:
    u = U.get("15", NEW)
    assert pickle.loads(pickle.dumps(u)) == u
    assert len({u, U.get(15, NEW), U.get("15", OLD)}) == 2


# -- get and resolve by code -----------------------------------------------------------------------
@pytest.mark.parametrize("code", ["01", "1", 1, " 01 ", " 1"])
@pytest.mark.parametrize(("at", "key"), [(OLD, "01@2008-08-01"), (NEW, "01@2025-07-01")])
def test_code_spellings(code: str | int, at: date, key: str) -> None:
    assert U.get(code, at).key == key
    assert U.resolve(code, at).key == key


@pytest.mark.parametrize("code", sorted(CHANGED_CODES))
@pytest.mark.parametrize(("at", "era"), [
    (OLD, 0), (LAST_OLD_DAY, 0), (U.MERGER_DATE, 1), (NEW, 1),
    (datetime(2025, 6, 30, 23, 59), 0), (pd.Timestamp("2025-07-01"), 1),
])
def test_changed_codes_join_on_code_and_date(code: str, at: date, era: int) -> None:
    u = U.get(code, at)
    assert u.name == CHANGED_CODES[code][era]
    assert u.era == ("pre-2025", "post-2025")[era]
    assert U.resolve(f" {code} ", at) == u


@pytest.mark.parametrize(("code", "at", "error", "message", "fields"), [
    ("02", NEW, UnitNotInForceError, "Hà Giang was merged into Tuyên Quang on 1 July 2025",
     {"unit": "Hà Giang", "successor": "Tuyên Quang", "date": "2025-07-01"}),
    ("93", NEW, UnitNotInForceError, "Hậu Giang was merged into Cần Thơ on 1 July 2025",
     {"unit": "Hậu Giang", "code": "93", "successor": "Cần Thơ"}),
    ("10", NEW, UnitNotInForceError,
     "Lào Cai (code 10) was merged into Lào Cai (code 15) on 1 July 2025", {"code": "10"}),
    ("01", date(2000, 1, 1), UnitNotInForceError, "Hà Nội (code 01) is only recorded from "
     "1 August 2008", {"at": "2000-01-01"}),
    ("03", NEW, UnknownUnitError, "No unit with code '03'", {"code": "03"}),
    ("100", NEW, UnknownUnitError, "No unit with code '100'", {"code": "100"}),
    (-1, NEW, UnknownUnitError, "No unit with code -1", {"code": "-1"}),
    (True, NEW, UnknownUnitError, "No unit with code True", {}),
])
def test_get_errors(code: str | int, at: date, error: type, message: str,
                    fields: dict[str, str]) -> None:
    with pytest.raises(error) as info:
        U.get(code, at)
    assert str(info.value) == message
    assert fields.items() <= info.value.fields.items()


# -- resolve by name -------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "at", "key"), [
    # tone placement, Unicode form, case, spaces
    ("Khánh Hoà", NEW, "56@2025-07-01"), ("Khánh Hòa", OLD, "56@2008-08-01"),
    ("Hoà Bình", OLD, "17@2008-08-01"), ("Hòa Bình", OLD, "17@2008-08-01"),
    ("Thanh Hoá", NEW, "38@2025-07-01"), ("THANH HÓA", NEW, "38@2025-07-01"),
    (unicodedata.normalize("NFD", "Khánh Hoà"), NEW, "56@2025-07-01"),
    (unicodedata.normalize("NFD", "Đồng Tháp"), NEW, "82@2025-07-01"),
    ("  lào   CAI ", NEW, "15@2025-07-01"), ("Lào Cai", OLD, "10@2008-08-01"),
    # prefixes
    ("Tỉnh Lào Cai", NEW, "15@2025-07-01"), ("tỉnh  Yên Bái", OLD, "15@2008-08-01"),
    ("Thành phố Hà Nội", NEW, "01@2025-07-01"), ("TP. Cần Thơ", NEW, "92@2025-07-01"),
    ("TP Đà Nẵng", OLD, "48@2008-08-01"), ("T.P. Hải Phòng", NEW, "31@2025-07-01"),
    # Huế
    ("Thừa Thiên Huế", OLD, "46@2008-08-01"), ("Thừa Thiên - Huế", NEW, "46@2025-07-01"),
    ("Huế", NEW, "46@2025-07-01"), ("TT-Huế", OLD, "46@2008-08-01"),
    # Hồ Chí Minh
    ("TPHCM", NEW, "79@2025-07-01"), ("TP.HCM", NEW, "79@2025-07-01"),
    ("TP HCM", OLD, "79@2008-08-01"), ("HCM", NEW, "79@2025-07-01"),
    ("Sài Gòn", NEW, "79@2025-07-01"), ("Thành phố Hồ Chí Minh", NEW, "79@2025-07-01"),
    ("Ho Chi Minh City", NEW, "79@2025-07-01"), ("tp.hcm", OLD, "79@2008-08-01"),
    # other variants
    ("Bà Rịa Vũng Tàu", OLD, "77@2008-08-01"), ("Bà Rịa-Vũng Tàu", OLD, "77@2008-08-01"),
    ("BR-VT", OLD, "77@2008-08-01"), ("Đắk Lắk", NEW, "66@2025-07-01"),
    ("Đăk Lăk", NEW, "66@2025-07-01"), ("Dak Lak", OLD, "66@2008-08-01"),
    ("Đắk Nông", OLD, "67@2008-08-01"), ("Đăk Nông", OLD, "67@2008-08-01"),
    ("Bắc Kạn", OLD, "06@2008-08-01"), ("Bắc Cạn", OLD, "06@2008-08-01"),
    # accent-stripped ASCII
    ("Lao Cai", NEW, "15@2025-07-01"), ("Ha Noi", NEW, "01@2025-07-01"),
    ("Hanoi", OLD, "01@2008-08-01"), ("Da Nang", NEW, "48@2025-07-01"),
    ("dong nai", NEW, "75@2025-07-01"), ("Tinh Quang Tri", NEW, "44@2025-07-01"),
    ("Sai Gon", NEW, "79@2025-07-01"),
])
def test_resolve_names(text: str, at: date, key: str) -> None:
    assert U.resolve(text, at).key == key


@pytest.mark.parametrize("u", U.all_units(), ids=lambda u: u.key)
def test_every_name_resolves_in_every_spelling(u: U.Unit) -> None:
    at = u.valid_from
    for text in (u.name, unicodedata.normalize("NFD", u.name), u.name.upper(),
                 f"  {u.name.lower()}  ", ascii_name(u.name), f"Tỉnh {u.name}"):
        assert U.resolve(text, at) == u, text


def test_resolve_defaults_to_today() -> None:
    assert U.resolve("Lào Cai") == U.resolve("Lào Cai", date.today())
    assert U.resolve("15") == U.get("15", date.today())


@pytest.mark.parametrize(("text", "at", "error", "message", "fields"), [
    ("Hậu Giang", NEW, UnitNotInForceError, "Hậu Giang was merged into Cần Thơ on 1 July 2025",
     {"unit": "Hậu Giang", "successor": "Cần Thơ", "date": "2025-07-01"}),
    ("Yên Bái", NEW, UnitNotInForceError, "Yên Bái was merged into Lào Cai on 1 July 2025",
     {"successor": "Lào Cai"}),
    ("BR-VT", NEW, UnitNotInForceError,
     "Bà Rịa - Vũng Tàu was merged into Hồ Chí Minh on 1 July 2025", {"code": "77"}),
    ("Hoà Bình", U.MERGER_DATE, UnitNotInForceError,
     "Hòa Bình was merged into Phú Thọ on 1 July 2025", {"successor": "Phú Thọ"}),
    ("Hà Nội", date(2000, 1, 1), UnitNotInForceError,
     "Hà Nội (code 01) is only recorded from 1 August 2008", {"date": "2008-08-01"}),
    ("Lao Kai", NEW, UnknownUnitError, "No unit named 'Lao Kai'; did you mean: Lào Cai",
     {"unit": "Lao Kai"}),
    ("Hau Giag", NEW, UnknownUnitError, "No unit named 'Hau Giag'; did you mean: Hậu Giang",
     {}),
    ("Atlantis", NEW, UnknownUnitError, "No unit named 'Atlantis'", {"suggestions": []}),
    ("", NEW, UnknownUnitError, "No unit named ''", {"suggestions": []}),
])
def test_resolve_errors(text: str, at: date, error: type, message: str,
                        fields: dict[str, object]) -> None:
    with pytest.raises(error) as info:
        U.resolve(text, at)
    assert str(info.value).startswith(message)
    assert fields.items() <= info.value.fields.items()


@pytest.mark.parametrize(("text", "first"), [
    ("Lao Kai", "Lào Cai"), ("Sai Gonn", "Hồ Chí Minh"), ("Thua Thien Hueh", "Huế"),
    ("Dak Nongg", "Đắk Nông"),
])
def test_suggestions_are_official_names(text: str, first: str) -> None:
    with pytest.raises(UnknownUnitError) as info:
        U.resolve(text, NEW)
    suggestions = info.value.suggestions
    assert suggestions[0] == first
    assert 1 <= len(suggestions) <= 3
    assert set(suggestions) <= {u.name for u in U.all_units()}
    assert str(info.value).endswith("?")


def test_did_not_exist_before_merger(monkeypatch: pytest.MonkeyPatch) -> None:
    # No code is new in 2025, so exercise the wording with a code that exists only afterwards.
    new_only = U.get("15", NEW)
    monkeypatch.setitem(U._data().by_code, "15", (new_only,))
    with pytest.raises(UnitNotInForceError, match=r"^Lào Cai \(code 15\) did not exist before "
                       r"1 July 2025$"):
        U.get("15", OLD)


# -- normalisation ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("a", "b"), [
    ("hòa", "hoà"), ("hóa", "hoá"), ("hỏa", "hoả"), ("hõa", "hoã"), ("họa", "hoạ"),
    ("khòe", "khoè"), ("khóe", "khoé"), ("thủy", "thuỷ"), ("thùy", "thuỳ"), ("thúy", "thuý"),
    ("thũy", "thuỹ"), ("thụy", "thuỵ"), ("Khánh Hoà", "KHÁNH HÒA"),
    ("Thừa Thiên Huế", "Huế"), ("TP.HCM", "Hồ Chí Minh"), ("Bà Rịa-Vũng Tàu", "BR-VT"),
    (unicodedata.normalize("NFD", "Thanh Hoá"), "Thanh Hóa"), ("Bắc Cạn", "Bắc Kạn"),
])
def test_normalize_name_equal(a: str, b: str) -> None:
    assert U.normalize_name(a) == U.normalize_name(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Hà Nam", "Hà Nội"), ("Hà Giang", "Hậu Giang"), ("hoàn", "hòa"), ("mùa", "muà"),
    ("Quảng Nam", "Quảng Ngãi"),
])
def test_normalize_name_different(a: str, b: str) -> None:
    assert U.normalize_name(a) != U.normalize_name(b)


@pytest.mark.parametrize("era_date", [OLD, NEW])
def test_name_keys_unique_within_era(era_date: date) -> None:
    units = U.units_at(era_date)
    assert len({U.normalize_name(u.name) for u in units}) == len(units)
    assert len({ascii_name(u.name).lower().replace(" ", "") for u in units}) == len(units)


# -- crosswalk -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("new_name", "old_names"), [
    ("Cần Thơ", {"Cần Thơ", "Hậu Giang", "Sóc Trăng"}),
    ("Hồ Chí Minh", {"Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"}),
    ("Lào Cai", {"Lào Cai", "Yên Bái"}),
    ("Phú Thọ", {"Phú Thọ", "Vĩnh Phúc", "Hòa Bình"}),
    ("Quảng Ngãi", {"Quảng Ngãi", "Kon Tum"}),
    ("Huế", {"Huế"}), ("Cao Bằng", {"Cao Bằng"}),
])
def test_members(new_name: str, old_names: set[str]) -> None:
    new = unit(new_name, NEW)
    mem = U.members(new)
    assert {m.name for m in mem} == old_names
    assert all(m.era == "pre-2025" for m in mem)
    assert [m.code for m in mem] == sorted(m.code for m in mem)


@pytest.mark.parametrize("old", U.units_at(OLD), ids=lambda u: u.key)
def test_every_old_unit_has_one_successor(old: U.Unit) -> None:
    new = U.successor(old)
    assert new.era == "post-2025"
    assert [n for n in U.units_at(NEW) if old in U.members(n)] == [new]
    assert U.members(old) == (old,)


@pytest.mark.parametrize("new", U.units_at(NEW), ids=lambda u: u.key)
def test_new_unit_members_lead_back(new: U.Unit) -> None:
    assert U.successor(new) == new
    assert U.members(new)
    assert all(U.successor(m) == new for m in U.members(new))
    # The new code is the old code of the member holding the centre, and a surviving
    # name keeps its own old record among the members.
    assert new.code in {m.code for m in U.members(new)}
    survivors = [m for m in U.members(new) if m.name == new.name]
    assert len(survivors) <= 1


def test_members_partition_the_old_units() -> None:
    all_members = [m for n in U.units_at(NEW) for m in U.members(n)]
    assert len(all_members) == 63
    assert set(all_members) == set(U.units_at(OLD))


# -- kinds and office names ------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "era_date", "at", "kind"), [
    ("Hà Nội", OLD, OLD, "city"), ("Hà Nội", NEW, NEW, "city"),
    ("Lào Cai", OLD, OLD, "province"), ("Cần Thơ", OLD, OLD, "city"),
    ("Huế", OLD, date(2024, 12, 31), "province"), ("Huế", OLD, date(2025, 1, 1), "city"),
    ("Huế", NEW, NEW, "city"),
    ("Đồng Nai", OLD, OLD, "province"),
    ("Đồng Nai", NEW, date(2026, 4, 29), "province"), ("Đồng Nai", NEW, date(2026, 4, 30), "city"),
    ("Đồng Nai", NEW, datetime(2027, 1, 1, 8), "city"),
])
def test_kind_at(name: str, era_date: date, at: date, kind: str) -> None:
    assert unit(name, era_date).kind_at(at) == kind


@pytest.mark.parametrize(("at", "cities"), [
    (date(2024, 12, 31), 5), (LAST_OLD_DAY, 6), (U.MERGER_DATE, 6), (date(2026, 4, 30), 7),
])
def test_city_counts(at: date, cities: int) -> None:
    assert sum(u.kind_at(at) == "city" for u in U.units_at(at)) == cities


@pytest.mark.parametrize(("name", "era_date", "day", "expected"), [
    ("Hà Giang", OLD, date(2008, 7, 31), False), ("Hà Giang", OLD, date(2008, 8, 1), True),
    ("Hà Giang", OLD, LAST_OLD_DAY, True), ("Hà Giang", OLD, U.MERGER_DATE, False),
    ("Lào Cai", NEW, LAST_OLD_DAY, False), ("Lào Cai", NEW, U.MERGER_DATE, True),
    ("Lào Cai", NEW, date(2099, 1, 1), True), ("Lào Cai", OLD, U.MERGER_DATE, False),
])
def test_in_force(name: str, era_date: date, day: date, expected: bool) -> None:
    assert unit(name, era_date).in_force(day) is expected


@pytest.mark.parametrize(("name", "era_date", "lang", "at", "expected"), [
    ("Lào Cai", NEW, "vi", NEW, "Văn phòng Tỉnh ủy Lào Cai"),
    ("Hà Nội", NEW, "vi", NEW, "Văn phòng Thành ủy Hà Nội"),
    ("Lào Cai", NEW, "en", NEW, "Office of the Lào Cai Provincial Party Committee"),
    ("Hà Nội", OLD, "en", OLD, "Office of the Hà Nội City Party Committee"),
    ("Huế", OLD, "vi", date(2024, 6, 1), "Văn phòng Tỉnh ủy Huế"),
    ("Huế", OLD, "vi", date(2025, 6, 1), "Văn phòng Thành ủy Huế"),
    ("Đồng Nai", NEW, "vi", date(2025, 12, 1), "Văn phòng Tỉnh ủy Đồng Nai"),
    ("Đồng Nai", NEW, "en", date(2026, 5, 1), "Office of the Đồng Nai City Party Committee"),
    ("Huế", OLD, "vi", None, "Văn phòng Thành ủy Huế"),  # an old unit's last day
])
def test_office_name(name: str, era_date: date, lang: str, at: date | None,
                     expected: str) -> None:
    assert unit(name, era_date).office_name(lang, at) == expected


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_label_is_the_name(lang: str) -> None:
    assert U.get("79", NEW).label(lang) == "Hồ Chí Minh"


@pytest.mark.parametrize("call", [lambda u: u.label("fr"), lambda u: u.office_name("fr")])
def test_unknown_language(call: object) -> None:
    with pytest.raises(ValueError, match="available: vi, en"):
        call(U.get("01", NEW))  # type: ignore[operator]


# -- slugs -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "era_date", "slug"), [
    ("Lào Cai", NEW, "lao-cai"), ("Hồ Chí Minh", NEW, "ho-chi-minh"),
    ("Bà Rịa - Vũng Tàu", OLD, "ba-ria-vung-tau"), ("Đắk Lắk", NEW, "dak-lak"),
    ("Hòa Bình", OLD, "hoa-binh"), ("Huế", NEW, "hue"),
])
def test_slug(name: str, era_date: date, slug: str) -> None:
    assert unit(name, era_date).slug == slug


@pytest.mark.parametrize("era_date", [OLD, NEW])
def test_slugs_unique_and_ascii(era_date: date) -> None:
    slugs = [u.slug for u in U.units_at(era_date)]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", s) for s in slugs)


# -- errors cross process boundaries ---------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: U.resolve("Hậu Giang", NEW), lambda: U.resolve("Lao Kai", NEW),
    lambda: U.get("03", NEW), lambda: U.get("02", NEW),
    lambda: U.resolve("Hà Nội", date(2000, 1, 1)),
], ids=["merged", "unknown-name", "unknown-code", "merged-code", "too-early"])
def test_errors_pickle(call: object) -> None:
    with pytest.raises((UnknownUnitError, UnitNotInForceError)) as info:
        call()  # type: ignore[operator]
    err = info.value
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert (back.message, str(back), back.fields) == (err.message, str(err), err.fields)
    assert back.fields  # something structured survived


# -- pandas ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("as_dates", [False, True], ids=["datetime64", "date"])
def test_to_current_codes(as_dates: bool) -> None:
    months = pd.to_datetime(["2025-05-01", "2025-06-01", "2025-07-01", "2025-06-01",
                             "2025-08-01", "2020-01-01"])
    df = pd.DataFrame({
        "unit_code": ["93", "15", "15", "92", "92", 1],
        "month": [m.date() for m in months] if as_dates else months,
        "value": [1, 2, 3, 4, 5, 6],
    })
    out = U.to_current_codes(df)
    assert out["unit_code"].tolist() == ["92", "15", "15", "92", "92", "01"]
    assert out["value"].tolist() == df["value"].tolist()
    assert df["unit_code"].tolist() == ["93", "15", "15", "92", "92", 1]  # input untouched
    assert out.groupby("unit_code")["value"].sum().to_dict() == {"01": 6, "15": 5, "92": 10}


def test_to_current_codes_collects_unknown_codes() -> None:
    df = pd.DataFrame({"code": ["03", "93", "05", None, "03"],
                       "m": pd.to_datetime(["2024-01-01"] * 4 + ["2025-09-01"])})
    with pytest.raises(UnknownUnitError) as info:
        U.to_current_codes(df, code_col="code", month_col="m")
    assert info.value.code == ["03", "05"]


def test_to_current_codes_keeps_missing_codes() -> None:
    df = pd.DataFrame({"code": ["24", None], "m": pd.to_datetime(["2024-01-01"] * 2)})
    out = U.to_current_codes(df, code_col="code", month_col="m")
    assert out["code"].iloc[0] == "24"  # Bắc Giang (24) → Bắc Ninh (24)
    assert pd.isna(out["code"].iloc[1])


def test_no_pandas_at_import() -> None:
    code = "import sys, reportkit.core.units as u; u.all_units(); print('pandas' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True)
    assert done.stdout.strip() == "False"
