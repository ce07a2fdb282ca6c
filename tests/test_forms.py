"""The XLSX form and the petition CSV template: layout, locking, validation, and that what a
province fills in goes back through ingest."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from reportkit.cli import main
from reportkit.core.schema import ACTIVITY, PETITIONS
from reportkit.errors import UnitNotInForceError
from reportkit.intake import ingest
from reportkit.intake.forms import FIRST_DATA_ROW, HEADER_ROW, petition_csv_header, write_template
from reportkit.store.warehouse import Warehouse

TODAY = date(2026, 11, 21)
FIGURES = {
    "docs_sent": 20, "docs_sent_network": 10, "docs_nonsecret": 15,
    "docs_nonsecret_electronic": 8, "reports_due": 5, "reports_on_time": 4,
    "meetings_executive": 1, "meetings_standing_committee": 2, "meetings_standing_board": 4,
    "meetings_cadre_conferences": 1, "programme_planned": 10, "programme_completed": 9,
    "proposals_appraised": 2, "citizens_received": 30, "group_delegations": 1,
    "staff_in_post": 50, "staff_quota": 55, "staff_university": 45, "staff_postgraduate": 10,
    "archive_files": 12,
}


@pytest.fixture()
def form(tmp_path: Path) -> Any:
    return write_template("Lào Cai", "2025-Q3", tmp_path / "forms" / "15-lao-cai_2025-Q3.xlsx")


def columns(ws: Any, table: Any, lang: str = "vi") -> dict[str, int]:
    """Field name → column number, from the header row."""
    labels = {f.label(lang): f.name for f in table.fields}
    return {labels[c.value]: c.column for c in ws[HEADER_ROW] if c.value in labels}


def validation_at(ws: Any, ref: str) -> Any:
    found = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
    assert len(found) == 1, (ref, found)
    return found[0]


def run(tmp_path: Path, *paths: Path) -> Any:
    return ingest(list(paths), warehouse=Warehouse(tmp_path / "wh"), today=TODAY,
                  quarantine=tmp_path / "q", archive=tmp_path / "a", user="tester")


def test_workbook_layout_locking_and_validation(form: Any) -> None:
    wb = openpyxl.load_workbook(form.xlsx)
    assert wb.sheetnames == ["Báo cáo", "Đơn thư", "Hướng dẫn", "Danh mục"]
    assert wb["Danh mục"].sheet_state == "hidden"
    ws = wb["Báo cáo"]
    assert ws.protection.sheet is True
    assert (ws["B3"].value, ws["D3"].value, ws["B4"].value, ws["C4"].value) == (
        "Lào Cai", "15", "2025-Q3", "quý III/2025")
    for ref in ("B3", "D3", "B4"):
        assert ws[ref].protection.locked
    col = columns(ws, ACTIVITY)
    assert col["month"] == 1
    months = [ws.cell(r, 1).value for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 3)]
    assert months == ["2025-07", "2025-08", "2025-09"]
    assert ws.cell(FIRST_DATA_ROW, 1).protection.locked
    assert not ws.cell(FIRST_DATA_ROW, col["docs_sent"]).protection.locked
    assert ws.cell(HEADER_ROW + 1, col["docs_sent"]).value == ACTIVITY.field(
        "docs_sent").label_en
    letter = openpyxl.utils.get_column_letter
    dv = validation_at(ws, f"{letter(col['docs_sent'])}{FIRST_DATA_ROW}")
    top = ACTIVITY.field("docs_sent").upper  # the bound ingest applies (finding: a form
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == (  # accepted what ingest refused)
        "whole", "between", "0", str(top))
    dv = validation_at(ws, f"{letter(col['docs_sent_network'])}{FIRST_DATA_ROW}")
    assert dv.type == "custom" and f"<=${letter(col['docs_sent'])}{FIRST_DATA_ROW}" in \
        dv.formula1
    assert validation_at(ws, f"{letter(col['submitted_on'])}{FIRST_DATA_ROW}").type == "date"
    pet = wb["Đơn thư"]
    pcol = columns(pet, PETITIONS)
    assert "unit_code" not in pcol  # the unit comes from the form
    assert validation_at(pet, f"{letter(pcol['channel'])}{FIRST_DATA_ROW}").formula1 == \
        "'Danh mục'!$A$2:$A$5"
    assert validation_at(pet, f"{letter(pcol['is_group'])}{FIRST_DATA_ROW}").formula1 == \
        '"Có,Không"'
    # Open input rows take their style from the column: text, so leading zeros survive.
    assert pet.column_dimensions[letter(pcol["petitioner_id"])].number_format == "@"
    assert [wb["Danh mục"].cell(r, 1).value for r in range(2, 6)] == [
        "Trực tiếp", "Qua bưu điện", "Trực tuyến", "Cơ quan khác chuyển đến"]
    text = "\n".join(str(c.value) for row in wb["Hướng dẫn"].iter_rows() for c in row
                     if c.value)
    assert "HƯỚNG DẪN" in text and "docs_nonsecret_electronic" in text


def test_english_form_puts_english_first(tmp_path: Path) -> None:
    t = write_template("15", "2025-Q3", tmp_path / "f.xlsx", lang="en")
    wb = openpyxl.load_workbook(t.xlsx)
    assert wb.sheetnames[:3] == ["Report", "Petitions", "Instructions"]
    ws = wb["Report"]
    assert ws.cell(HEADER_ROW, 2).value == ACTIVITY.field("docs_sent").label_en
    assert ws.cell(HEADER_ROW + 1, 2).value == ACTIVITY.field("docs_sent").label_vi
    assert ws["A3"].value == "Unit / Đơn vị"


def test_petition_csv_template(form: Any) -> None:
    assert form.csv.name == "15-lao-cai_2025-Q3_petitions.csv"
    assert form.csv.read_bytes().startswith(b"\xef\xbb\xbf")
    with form.csv.open(encoding="utf-8-sig") as fh:
        assert next(csv.reader(fh)) == petition_csv_header("vi") == [
            f.label_vi for f in PETITIONS.fields]


def test_untouched_form_is_rejected_row_by_row(tmp_path: Path, form: Any) -> None:
    rep = run(tmp_path, form.xlsx)
    res = rep.files[0]
    assert res.status == "rejected"
    assert [(p.sheet, p.row) for p in res.problems] == [("Báo cáo", r) for r in (8, 9, 10)]
    assert res.problems[0].message.startswith("21 required cells are empty (docs_sent, ")


def fill(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Báo cáo"]
    col = columns(ws, ACTIVITY)
    for i in range(3):
        r = FIRST_DATA_ROW + i
        for name, v in FIGURES.items():
            ws.cell(r, col[name], v + (5 if name == "docs_sent" and i == 2 else 0))
        ws.cell(r, col["submitted_on"], date(2025, 8 + i, 10))
    pet = wb["Đơn thư"]
    pcol = columns(pet, PETITIONS)
    values = {"petition_id": "15-2025-0001", "received_on": date(2025, 7, 3),
              "channel": "Trực tuyến", "kind": "Tố cáo", "topic": "Môi trường",
              "is_group": "Không", "within_jurisdiction": "Có", "status": "Đã giải quyết",
              "handled_on": date(2025, 7, 20), "petitioner_name": "Lê Thị Hoa",
              "petitioner_id": "001176000123"}
    for name, v in values.items():
        pet.cell(FIRST_DATA_ROW, pcol[name], v)
    wb.save(path)


def test_filled_form_loads_both_sheets(tmp_path: Path, form: Any) -> None:
    fill(form.xlsx)
    rep = run(tmp_path, form.xlsx)
    res = rep.files[0]
    assert res.status == "loaded", [str(p) for p in res.problems]
    assert res.table == "activity,petitions" and res.rows == 4
    wh = Warehouse(tmp_path / "wh")
    a = wh.read("activity", ["15@2025-07-01"]).sort_values("month")
    assert a["unit_code"].tolist() == ["15"] * 3
    assert a["docs_sent"].tolist() == [20, 20, 25]
    p = wh.read("petitions", ["15@2025-07-01"]).iloc[0]
    assert (p["unit_code"], p["channel"], p["kind"], p["topic"], p["status"]) == (
        "15", "online", "denunciation", "environment", "resolved")
    assert (bool(p["is_group"]), bool(p["within_jurisdiction"])) == (False, True)
    assert p["petitioner_id"] == "001176000123"


def test_tampered_period_is_caught(tmp_path: Path, form: Any) -> None:
    fill(form.xlsx)
    wb = openpyxl.load_workbook(form.xlsx)
    wb["Báo cáo"]["B4"] = "2025-Q4"
    wb.save(form.xlsx)
    res = run(tmp_path, form.xlsx).files[0]
    assert res.status == "rejected"
    assert {p.message for p in res.problems if p.sheet == "Báo cáo"} == {
        f"{m}/2025 is outside the form's period 2025-Q4 (Q4 2025; cell B4)"
        for m in ("07", "08", "09")}


def test_filled_csv_template_takes_unit_and_period_from_its_name(tmp_path: Path,
                                                                 form: Any) -> None:
    header = petition_csv_header("vi")
    row = {"petition_id": "15-2025-0002", "unit_code": "", "received_on": "05/08/2025",
           "channel": "Qua bưu điện", "kind": "Khiếu nại", "topic": "Đất đai, thu hồi đất",
           "is_group": "Có", "within_jurisdiction": "Không", "status": "Chưa xử lý",
           "handled_on": "", "transferred_to": "", "result_updated_on": "", "case_key": "",
           "petitioner_name": "Phạm Văn Nam", "petitioner_id": "", "petitioner_phone": "",
           "petitioner_address": ""}
    late = dict(row, petition_id="15-2025-0003", received_on="02/10/2025")
    with form.csv.open("a", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([row[f.name] for f in PETITIONS.fields])
        w.writerow([late[f.name] for f in PETITIONS.fields])
    assert len(header) == len(PETITIONS.fields)
    res = run(tmp_path, form.csv).files[0]
    assert [(p.row, p.column, p.message) for p in res.problems] == [
        (3, "received_on",
         "02/10/2025 is outside the form's period 2025-Q3 (Q3 2025; from the file name)")]
    lines = form.csv.read_text(encoding="utf-8-sig").splitlines()
    form.csv.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8-sig")
    res = run(tmp_path, form.csv).files[0]
    assert res.status == "loaded" and res.units == ["15"]


def test_unit_must_exist_for_the_whole_period(tmp_path: Path) -> None:
    with pytest.raises(UnitNotInForceError, match="one form for each side of 01/07/2025"):
        write_template("Lào Cai", "2025", tmp_path / "x.xlsx")
    old = write_template("Yên Bái", "2024-Q1", tmp_path / "y.xlsx")
    assert (old.unit.code, old.unit.name) == ("15", "Yên Bái")


def test_cli_template(tmp_path: Path) -> None:
    out = tmp_path / "f.xlsx"
    r = CliRunner().invoke(main, ["template", "--unit", "Lào Cai", "--period", "2025-Q3",
                                  "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.exists() and (tmp_path / "f_petitions.csv").exists()
    assert str(out) in r.output
    r = CliRunner().invoke(main, ["template", "--unit", "Atlantis", "--period", "2025-Q3",
                                  "--out", str(out)])
    assert r.exit_code == 3 and "Không có đơn vị tên 'Atlantis'" in r.output  # vi by default
