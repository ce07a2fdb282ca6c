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
])
def test_a_wrong_settings_file_is_named_with_the_field(tmp_path: Path, text: str,
                                                       names: str) -> None:
    root = project(tmp_path, text)
    with pytest.raises(ConfigError, match="units.yaml") as err:
        O.signing("15", root)
    assert names in str(err.value)
