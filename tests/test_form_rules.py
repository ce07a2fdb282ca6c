"""The testers' findings on the XLSX form, one behaviour per test: title rows tall enough for
Vietnamese capitals, one page wide on A4, the receiving agency from a list, CCCD and phone
checked in the form and at ingest with the same rules, a protected structure, and 5,000
petition rows that keep the file small."""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from reportkit.core.schema import AGENCY_NAMES, PETITIONS, agencies, validate
from reportkit.intake import ingest
from reportkit.intake.forms import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    PETITION_ROWS,
    TITLE_SIZE,
    cccd_formula,
    phone_formula,
    write_template,
)
from reportkit.store.warehouse import Warehouse

TODAY = date(2026, 11, 21)
letter = openpyxl.utils.get_column_letter


@pytest.fixture()
def form(tmp_path: Path) -> Any:
    return write_template("Lào Cai", "2025-Q3", tmp_path / "forms" / "15-lao-cai_2025-Q3.xlsx")


def columns(ws: Any, lang: str = "vi") -> dict[str, str]:
    labels = {f.label(lang): f.name for f in PETITIONS.fields}
    return {labels[c.value]: letter(c.column) for c in ws[HEADER_ROW] if c.value in labels}


def validation_at(ws: Any, ref: str) -> Any:
    found = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
    assert len(found) == 1, (ref, found)
    return found[0]


# -- 1. title rows -----------------------------------------------------------------------------
def test_title_rows_leave_room_for_stacked_capital_marks(form: Any) -> None:
    wb = openpyxl.load_workbook(form.xlsx)
    for ws in (wb["Báo cáo"], wb["Đơn thư"]):
        for row in (1, 2):
            size = ws.cell(row, 1).font.size
            height = ws.row_dimensions[row].height
            assert height is not None and height >= 1.9 * size, (ws.title, row, height)
        assert ws["A1"].font.size == TITLE_SIZE
    assert wb["Đơn thư"]["A2"].value == "TỈNH LÀO CAI – QUÝ III/2025"  # unit and period


# -- 2. printing -------------------------------------------------------------------------------
def test_every_sheet_prints_one_page_wide_on_a4(form: Any) -> None:
    wb = openpyxl.load_workbook(form.xlsx)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        ps = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (int(ps.paperSize), ps.fitToWidth, ps.fitToHeight) == (9, 1, 0), ws.title
    for name in ("Báo cáo", "Đơn thư"):
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW + 1}"
    assert wb["Hướng dẫn"].page_setup.orientation == "portrait"


# -- 3. receiving agency -----------------------------------------------------------------------
def test_receiving_agency_is_a_dropdown_of_the_agencies_in_force(tmp_path: Path,
                                                                 form: Any) -> None:
    wb = openpyxl.load_workbook(form.xlsx)
    pet, lists = wb["Đơn thư"], wb["Danh mục"]
    col = columns(pet)["transferred_to"]
    dv = validation_at(pet, f"{col}{FIRST_DATA_ROW}")
    assert dv.type == "list" and dv.showErrorMessage
    sheet, cells = dv.formula1.split("!")
    assert sheet == "'Danh mục'"
    first, last = (c.replace("$", "") for c in cells.split(":"))
    offered = [c.value for row in lists[first:last] for c in row]
    assert offered == agencies(date(2025, 7, 1), date(2025, 9, 30), "province")
    assert "UBND tỉnh" in offered and "UBND cấp xã" in offered
    assert "UBND cấp huyện" not in offered  # districts ended on 1 July 2025
    assert "UBND thành phố" not in offered  # Lào Cai is a province
    assert set(offered) <= set(AGENCY_NAMES)
    assert lists.protection.sheet and lists.sheet_state == "hidden"
    city = write_template("Hà Nội", "2024-Q1", tmp_path / "hn.xlsx")
    names = [c.value for c in openpyxl.load_workbook(city.xlsx)["Danh mục"]["E"][1:]]
    assert {"UBND thành phố", "Thanh tra thành phố", "UBND cấp huyện"} <= set(names)
    assert "UBND tỉnh" not in names


def petitions_frame(**overrides: Any) -> pd.DataFrame:
    row = {f.name: None for f in PETITIONS.fields}
    row.update(petition_id="15-1", unit_code="15", received_on=pd.Timestamp("2025-07-03"),
               channel="post", kind="complaint", topic="land", is_group=False,
               within_jurisdiction=False, status="transferred",
               handled_on=pd.Timestamp("2025-07-10"), transferred_to="Thanh tra tỉnh",
               petitioner_name="Nguyễn Văn An")
    row.update(overrides)
    return pd.DataFrame([row])


def test_schema_accepts_only_listed_agencies() -> None:
    assert validate(petitions_frame(), PETITIONS, today=TODAY) == []
    (p,) = validate(petitions_frame(transferred_to="Phòng Tài nguyên huyện"), PETITIONS,
                    today=TODAY)
    assert (p.column, p.rule, p.value) == ("transferred_to", "listed agency",
                                           "Phòng Tài nguyên huyện")
    assert p.message.startswith("transferred_to (Transferred to): not in the list of")
    assert "'UBND tỉnh', 'UBND thành phố'" in p.message
    (vi,) = validate(petitions_frame(transferred_to="x"), PETITIONS, today=TODAY, lang="vi")
    assert "không có trong danh mục" in vi.message


# -- 4. CCCD and phone -------------------------------------------------------------------------
CCCD_OK = ["001176000123", "079300000001"]
CCCD_BAD = ["1176000123", "00117600012", "0011760001234", "001176 00012", "00117600012a",
            "123456789", "0011.7600012"]
PHONE_OK = ["0912345678", "0388123456", "+84912345678", "02143812345", "+842143812345"]
PHONE_BAD = ["0912 345 678", "0912.345.678", "912345678", "09123456789", "0012345678",
             "+8491234567", "84912345678", "091234567a", "+84 912345678", "0912-345-678"]


@pytest.mark.parametrize(("column", "value", "ok"), [
    *[("petitioner_id", v, True) for v in CCCD_OK],
    *[("petitioner_id", v, False) for v in CCCD_BAD],
    *[("petitioner_phone", v, True) for v in PHONE_OK],
    *[("petitioner_phone", v, False) for v in PHONE_BAD],
])
def test_schema_checks_cccd_and_phone(column: str, value: str, ok: bool) -> None:
    problems = validate(petitions_frame(**{column: value}), PETITIONS, today=TODAY)
    if ok:
        assert problems == []
    else:
        (p,) = problems
        rule = "CCCD 12 digits" if column == "petitioner_id" else "phone number"
        assert (p.column, p.rule, p.row, p.value) == (column, rule, 0, None)  # never echoed


def test_cccd_and_phone_cells_have_validation_with_vietnamese_messages(form: Any) -> None:
    pet = openpyxl.load_workbook(form.xlsx)["Đơn thư"]
    col = columns(pet)
    for name, formula, word in (("petitioner_id", cccd_formula, "12 chữ số"),
                                ("petitioner_phone", phone_formula, "bắt đầu bằng 0")):
        ref = f"{col[name]}{FIRST_DATA_ROW}"
        dv = validation_at(pet, ref)
        assert (dv.type, dv.formula1, dv.allow_blank) == ("custom", formula(ref), True)
        assert dv.showErrorMessage and dv.showInputMessage
        assert word in dv.prompt and word in dv.error and dv.errorTitle
        assert len(dv.formula1) <= 255  # Excel's limit
        assert pet.column_dimensions[col[name]].number_format == "@"


def _libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_libreoffice() is None, reason="LibreOffice (soffice) is not installed")
def test_form_formulas_agree_with_the_schema_rules(tmp_path: Path) -> None:
    """LibreOffice computes the form's validation formulas on every test value: they accept
    exactly what ingest accepts."""
    cases = ([(v, cccd_formula, True) for v in CCCD_OK]
             + [(v, cccd_formula, False) for v in CCCD_BAD]
             + [(v, phone_formula, True) for v in PHONE_OK]
             + [(v, phone_formula, False) for v in PHONE_BAD])
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, (value, formula, _) in enumerate(cases, start=1):
        ws.cell(i, 1, value).number_format = "@"
        ws.cell(i, 2, f"=IF({formula(f'A{i}')},1,0)")
    src = tmp_path / "f.xlsx"
    wb.save(src)
    subprocess.run([str(_libreoffice()), "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "csv", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=180)
    got = pd.read_csv(tmp_path / "f.csv", header=None, dtype=str)
    assert [(v, r == "1") for v, r in zip(got[0], got[1], strict=True)] == [
        (v, ok) for v, _, ok in cases]


def fill_petition(path: Path, **values: Any) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Báo cáo"]
    for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 3):
        for c in range(2, ws.max_column):
            ws.cell(r, c, 1)
        ws.cell(r, ws.max_column, date(2025, 10, 1))
    pet = wb["Đơn thư"]
    col = columns(pet)
    row = {"petition_id": "15-2025-0001", "received_on": date(2025, 7, 3),
           "channel": "Trực tuyến", "kind": "Tố cáo", "topic": "Môi trường",
           "is_group": "Không", "within_jurisdiction": "Không",
           "status": "Đã chuyển cơ quan có thẩm quyền", "handled_on": date(2025, 7, 20),
           "transferred_to": "Thanh tra tỉnh", "petitioner_name": "Lê Thị Hoa",
           "petitioner_id": "001176000123", "petitioner_phone": "0912345678"}
    row.update(values)
    for name, v in row.items():
        pet[f"{col[name]}{FIRST_DATA_ROW}"] = v
    wb.save(path)


def run(tmp_path: Path, path: Path) -> Any:
    return ingest([path], warehouse=Warehouse(tmp_path / "wh"), today=TODAY,
                  quarantine=tmp_path / "q", archive=tmp_path / "a", user="tester").files[0]


def test_ingest_loads_a_form_with_valid_agency_cccd_and_phone(tmp_path: Path,
                                                               form: Any) -> None:
    fill_petition(form.xlsx)
    res = run(tmp_path, form.xlsx)
    assert res.status == "loaded", [str(p) for p in res.problems]


def test_ingest_names_file_row_column_and_rule(tmp_path: Path, form: Any) -> None:
    fill_petition(form.xlsx, transferred_to="Sở Ngoại vụ", petitioner_id="1176000123",
                  petitioner_phone="0912 345 678")
    res = run(tmp_path, form.xlsx)
    assert res.status == "rejected"
    got = {(p.file, p.sheet, p.row, p.column, p.rule): p for p in res.problems}
    where = (str(form.xlsx), "Đơn thư", FIRST_DATA_ROW)
    assert set(got) == {(*where, "transferred_to", "listed agency"),
                        (*where, "petitioner_id", "CCCD 12 digits"),
                        (*where, "petitioner_phone", "phone number")}
    assert got[(*where, "transferred_to", "listed agency")].value == "Sở Ngoại vụ"
    for column in ("petitioner_id", "petitioner_phone"):  # personal data is never echoed
        p = next(p for p in res.problems if p.column == column)
        assert p.value is None and "1176000123" not in str(p) and "345 678" not in str(p)


# -- 5. protection -----------------------------------------------------------------------------
def test_structure_is_protected_and_only_input_cells_are_unlocked(form: Any) -> None:
    wb = openpyxl.load_workbook(form.xlsx)
    assert wb.security is not None and wb.security.lockStructure
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
    pet = wb["Đơn thư"]
    col = columns(pet)
    for ref in ("A1", "A2", "B3", "D3", "B4", f"{col['petitioner_id']}3",
                f"A{HEADER_ROW}", f"{col['petitioner_phone']}{HEADER_ROW + 1}"):
        assert pet[ref].protection.locked, ref
    for c in col.values():  # open input rows: the column style is unlocked
        assert pet.column_dimensions[c].protection.locked is False, c


# -- 6. 5,000 petition rows --------------------------------------------------------------------
def test_petition_sheet_validates_5000_rows_and_stays_small(tmp_path: Path) -> None:
    assert PETITION_ROWS >= 5000
    start = time.perf_counter()
    t = write_template("Lào Cai", "2025-Q3", tmp_path / "f.xlsx")
    seconds = time.perf_counter() - start
    size = t.xlsx.stat().st_size
    assert size < 100_000 and seconds < 10, (size, seconds)
    pet = openpyxl.load_workbook(t.xlsx)["Đơn thư"]
    last = FIRST_DATA_ROW + PETITION_ROWS - 1
    dvs = pet.data_validations.dataValidation
    assert len(dvs) == len(PETITIONS.fields) - 1 - 4  # all but id, case key, name, address
    for dv in dvs:
        (rng,) = dv.sqref.ranges
        assert (rng.min_row, rng.max_row) == (FIRST_DATA_ROW, last), dv.sqref
    assert pet.conditional_formatting  # borders on filled rows
