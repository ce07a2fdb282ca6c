"""The official document form (presentation/official.py): who issues, the heading block's
texts, the closing blocks from ``params/units.yaml`` and its checks. Paper: test_pdf_official."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reportkit.core import units as U
from reportkit.errors import ConfigError
from reportkit.presentation import official as O

AT = date(2025, 9, 30)


def project(tmp_path: Path, yaml_text: str | None) -> Path:
    (tmp_path / "params").mkdir(exist_ok=True)
    if yaml_text is not None:
        (tmp_path / "params" / "units.yaml").write_text(yaml_text, encoding="utf-8")
    return tmp_path


def test_issuers_of_a_province_a_city_and_the_central_office() -> None:
    laocai = O.issuer(U.resolve("Lào Cai", at=AT), "vi", AT)
    assert laocai.lines == ("TỈNH ỦY LÀO CAI", "VĂN PHÒNG") and laocai.symbol == "BC/VPTU"
    assert laocai.place == "Lào Cai" and laocai.official
    hanoi = O.issuer(U.resolve("Hà Nội", at=AT), "vi", AT)
    assert hanoi.lines[0] == "THÀNH ỦY HÀ NỘI"
    central = O.issuer(None, "vi", AT)
    assert central.lines == ("BAN CHẤP HÀNH TRUNG ƯƠNG", "VĂN PHÒNG")
    assert (central.symbol, central.place, central.key) == ("BC/VPTW", "Hà Nội", "central")
    english = O.issuer(U.resolve("Lào Cai", at=AT), "en", AT)
    assert not english.official
    assert english.lines == ("Office of the Lào Cai Provincial Party Committee",)


def test_heading_numbers_drafts_blank_and_escapes_what_it_is_given() -> None:
    who = O.issuer(U.resolve("Lào Cai", at=AT), "vi", AT)
    draft = O.heading(who, lang="vi", report_date=date(2026, 1, 5), title="BÁO CÁO",
                      subtitle="<b>x</b>", marking="Lưu hành nội bộ")
    assert "Số \u2003-BC/VPTU" in draft and "Lào Cai, ngày 05 tháng 01 năm 2026" in draft
    assert 'data-reportkit-marking="1">Lưu hành nội bộ<' in draft
    assert "&lt;b&gt;x&lt;/b&gt;" in draft and "<b>x</b>" not in draft
    issued = O.heading(who, lang="vi", report_date=AT, title="BÁO CÁO", subtitle="s",
                       number=" 12 ")
    assert "Số 12-BC/VPTU" in issued
    assert 'data-reportkit-marking="1"></span>' in issued  # the place stays, empty


def test_signing_defaults_overridden_per_unit(tmp_path: Path) -> None:
    root = project(tmp_path, """
default:
  title: CHÁNH VĂN PHÒNG
  recipients: [Văn phòng Trung ương Đảng, Lưu Văn phòng]
units:
  "15": {on_behalf: T/L BAN THƯỜNG VỤ, name: Nguyễn Văn A}
  central: {recipients: [Lưu VPTW]}
""")
    laocai = O.signing("15", root)
    assert laocai == O.Signing("T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG", "Nguyễn Văn A",
                               ("Văn phòng Trung ương Đảng", "Lưu Văn phòng"))
    assert O.signing("central", root).recipients == ("Lưu VPTW",)
    assert O.signing("01", root).name == "" and O.signing("01", root).title == "CHÁNH VĂN PHÒNG"
    closing = O.closing(O.issuer(U.resolve("Lào Cai", at=AT), "vi", AT), "vi", root)
    assert "<li>Văn phòng Trung ương Đảng;</li><li>Lưu Văn phòng.</li>" in closing
    assert "Nơi nhận:" in closing and "T/L BAN THƯỜNG VỤ" in closing


def test_no_settings_file_leaves_the_places_blank(tmp_path: Path) -> None:
    assert O.signing("15", project(tmp_path, None)) == O.Signing()


@pytest.mark.parametrize(("text", "names"), [
    ("default: {title: [a]}", "default.title"),
    ("default: {signer: x}", "signer"),
    ("units: {'15': {recipients: x}}", "units.15.recipients"),
    ("other: 1", "'default:' and 'units:'"),
    ("default: [", "Cannot read"),
    ("default: {en: {signer: x}}", "default.en"),
    ("units: {'15': {en: {recipients: x}}}", "units.15.en.recipients"),
])
def test_a_wrong_settings_file_is_named_with_the_field(tmp_path: Path, text: str,
                                                       names: str) -> None:
    root = project(tmp_path, text)
    with pytest.raises(ConfigError, match="units.yaml") as err:
        O.signing("15", root)
    assert names in str(err.value)


def test_english_closing_from_en_entries_and_standard_titles(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An English report prints each field's English from the entry that gives the field:
    its ``en:``, else the standard English of a usual text, else the text with a warning."""
    root = project(tmp_path, """
default:
  title: CHÁNH VĂN PHÒNG
  recipients: [Văn phòng Trung ương Đảng (để báo cáo), Lưu Văn phòng]
  en: {recipients: [Central Party Office, Files]}
units:
  "15": {on_behalf: T/L BAN THƯỜNG VỤ, name: Nguyễn Văn A}
  "92": {recipients: [Ban Tuyên giáo, Lưu Văn phòng]}
  central: {title: Q. CHÁNH VĂN PHÒNG, en: {title: ACTING CHIEF OF THE OFFICE}}
  "01": {title: , en: }
""")
    # A field given blank stays blank (the default's does not come back), in both languages.
    assert O.signing("01", root).title == "" and O.signing("01", root, lang="en").title == ""
    assert O.signing("15", root, lang="en") == O.Signing(
        "BY ORDER OF THE STANDING COMMITTEE", "CHIEF OF THE OFFICE", "Nguyễn Văn A",
        ("Central Party Office", "Files"))
    assert O.signing("central", root, lang="en").title == "ACTING CHIEF OF THE OFFICE"
    # Cần Thơ's own recipients are not the default's: the default's en: does not apply.
    with caplog.at_level("WARNING", logger="reportkit.presentation.official"):
        cantho = O.signing("92", root, lang="en")
    assert cantho.recipients == ("Ban Tuyên giáo", "Office files")
    assert "Ban Tuyên giáo" in caplog.text and "units.yaml" in caplog.text
    assert O.signing("15", root) == O.Signing(
        "T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG", "Nguyễn Văn A",
        ("Văn phòng Trung ương Đảng (để báo cáo)", "Lưu Văn phòng"))
    closing = O.closing(O.issuer(U.resolve("Lào Cai", at=AT), "en", AT), "en", root)
    assert "Recipients:" in closing and "<li>Central Party Office;</li><li>Files.</li>" in closing
    assert "BY ORDER OF THE STANDING COMMITTEE" in closing and "Nơi nhận" not in closing
    issued = O.closing(O.issuer(U.resolve("Lào Cai", at=AT), "en", AT), "en", root,
                       signer_name="Trần Thị B", signer_title="Phó Chánh Văn phòng")
    assert "DEPUTY CHIEF OF THE OFFICE" in issued and "Trần Thị B" in issued


def test_standard_english_matches_any_case_and_spacing() -> None:
    assert O.standard_english("chánh  văn phòng") == "CHIEF OF THE OFFICE"
    assert O.standard_english("Lưu Văn phòng") == "Office files"
    assert O.standard_english("Ban Tuyên giáo") is None


@pytest.mark.parametrize(("lang", "shown"), [("vi", "Lưu hành nội bộ"),
                                             ("en", "For internal circulation")])
def test_the_marking_is_printed_in_the_reports_language(lang: str, shown: str) -> None:
    from reportkit.core import markings

    who = O.issuer(U.resolve("Lào Cai", at=AT), lang, AT)
    page = O.heading(who, lang=lang, report_date=AT, title="t", subtitle="s",
                     marking="Lưu hành nội bộ")
    assert f'data-reportkit-marking="1">{shown}<' in page
    assert markings.label("Tuyệt mật", lang) == ("Tuyệt mật" if lang == "vi" else "Top secret")
    assert markings.label(" mật ", lang) == ("Mật" if lang == "vi" else "Confidential")
    assert markings.label("", lang) == "" and markings.label(None, lang) == ""
    assert markings.label("For internal circulation", lang) == "For internal circulation"
