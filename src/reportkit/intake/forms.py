"""Submission templates: the XLSX form a province fills in, and a petition-records CSV.

The workbook (``reportkit template --unit "Lào Cai" --period 2025-Q3``) has:

- a report sheet, one row per month of the period: headers in one language with a line in the
  other language under them; the unit, its code and the period pre-filled and locked (sheet
  protection without a password: it guards against slips, it is not a security measure);
  input cells unlocked, with cell validation (whole numbers ≥ 0, "≤" rules between columns,
  dates);
- a petitions sheet with dropdowns for the categories and yes/no fields, ID columns formatted
  as text so leading zeros survive;
- an instructions sheet listing every column, its rules and how to submit;
- a hidden lists sheet feeding the dropdowns.

``reportkit ingest`` reads the form back: it finds the header row, skips the second-language
line, takes the unit and period from the cells above the header and checks every row
against them. The CSV template carries the same column names as the petitions sheet; its file
name (``15-lao-cai_2025-Q3_petitions.csv``) tells ingest the unit and period.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportkit.core import units as U
from reportkit.core.periods import Period
from reportkit.core.schema import (
    ACTIVITY,
    BOOL,
    CATEGORY,
    CATEGORY_LABELS,
    CODE,
    COUNT,
    DATE,
    ID,
    MONTH,
    PETITIONS,
    TEXT,
    Field,
    Table,
)
from reportkit.errors import UnitNotInForceError

__all__ = ["Template", "write_template", "template_name", "petition_csv_header"]

HEADER_ROW = 6  # first header line; the second-language line is row 7; data from row 8
FIRST_DATA_ROW = HEADER_ROW + 2
PETITION_ROWS = 500
_YES_NO = {"vi": ("Có", "Không"), "en": ("Yes", "No")}
_TEXT = {
    "title_activity": ("BÁO CÁO KẾT QUẢ CÔNG TÁC VĂN PHÒNG CẤP ỦY",
                       "OFFICE ACTIVITY REPORT"),
    "title_petitions": ("SỔ THEO DÕI ĐƠN, THƯ", "PETITION AND LETTER RECORDS"),
    "unit": ("Đơn vị", "Unit"), "code": ("Mã đơn vị", "Unit code"),
    "period": ("Kỳ báo cáo", "Period"),
    "hint": ("Nhập số liệu vào các ô màu trắng; ô màu xám đã điền sẵn và bị khóa.",
             "Enter figures in the white cells; grey cells are pre-filled and locked."),
    "sheet_activity": ("Báo cáo", "Report"), "sheet_petitions": ("Đơn thư", "Petitions"),
    "sheet_help": ("Hướng dẫn", "Instructions"), "sheet_lists": ("Danh mục", "Lists"),
    "whole": ("Nhập số nguyên từ 0 trở lên.", "Enter a whole number, 0 or more."),
    "date": ("Nhập ngày (dd/mm/yyyy).", "Enter a date (dd/mm/yyyy)."),
    "pick": ("Chọn một giá trị trong danh sách.", "Pick a value from the list."),
    "bad": ("Giá trị không hợp lệ", "Invalid value"),
}
_HELP = {
    "vi": [
        "HƯỚNG DẪN ĐIỀN BIỂU MẪU",
        "1. Đơn vị và kỳ báo cáo đã được điền sẵn và khóa; không sửa, không đổi tên trang tính.",
        "2. Trang «Báo cáo»: mỗi dòng là một tháng. Nhập số nguyên từ 0 trở lên (ghi 0 nếu "
        "không có), không để trống, không ghi chữ.",
        "3. Trang «Đơn thư»: mỗi dòng một đơn, thư; chọn các giá trị phân loại trong danh sách; "
        "ngày ghi dd/mm/yyyy. Nhiều hơn {rows} đơn: dùng tệp CSV mẫu kèm theo.",
        "4. Không dùng công thức; nếu có, hãy mở tệp bằng Excel và lưu lại trước khi gửi.",
        "5. Gửi lại tệp đã sửa cho cùng đơn vị và kỳ sẽ thay thế số liệu đã gửi (có ghi vết).",
        "6. Thông tin cá nhân của người gửi đơn chỉ dùng để quản lý, không đưa vào báo cáo.",
    ],
    "en": [
        "HOW TO FILL IN THIS FORM",
        "1. The unit and the period are pre-filled and locked; do not change them or rename "
        "sheets.",
        "2. 'Report' sheet: one row per month. Enter whole numbers, 0 or more (write 0 if there "
        "were none); no blanks, no text.",
        "3. 'Petitions' sheet: one row per petition or letter; pick categories from the lists; "
        "dates as dd/mm/yyyy. More than {rows} petitions: use the CSV template instead.",
        "4. No formulas; if there are any, open the file in Excel and save it before sending.",
        "5. Sending a corrected file for the same unit and period replaces the earlier figures "
        "(the replacement is logged).",
        "6. Petitioners' personal data is kept for case management and never shown in reports.",
    ],
}


@dataclass(frozen=True)
class Template:
    """What :func:`write_template` wrote."""

    xlsx: Path
    csv: Path
    unit: U.Unit
    period: Period


def _pair(key: str, lang: str) -> tuple[str, str]:
    vi, en = _TEXT[key]
    return (vi, en) if lang == "vi" else (en, vi)


def _both(key: str, lang: str) -> str:
    a, b = _pair(key, lang)
    return f"{a} / {b}"


def template_name(unit: U.Unit, period: Period) -> str:
    """The file stem ingest recognises: ``15-lao-cai_2025-Q3``."""
    return f"{unit.code}-{unit.slug}_{period.slug()}"


def petition_csv_header(lang: str = "vi") -> list[str]:
    """The petition CSV template's column names: the labels the petitions sheet uses."""
    return [f.label(lang) for f in PETITIONS.fields]


def _resolve(unit: str | U.Unit, period: Period) -> U.Unit:
    """The unit (resolved at the period's end); it must exist for the whole period."""
    u = unit if isinstance(unit, U.Unit) else U.resolve(unit, at=period.last)
    if not (u.in_force(period.first) and u.in_force(period.last)):
        end = f"{u.valid_to:%d/%m/%Y}" if u.valid_to else "today"
        raise UnitNotInForceError(
            f"{u.name} (code {u.code}) does not exist for the whole period {period} (it exists "
            f"from {u.valid_from:%d/%m/%Y} to {end}); make one form for each side of "
            f"{U.MERGER_DATE:%d/%m/%Y}", unit=u.name, code=u.code, period=str(period))
    return u


def write_template(unit: str | U.Unit, period: str | Period, out: Path | str | None = None, *,
                   lang: str = "vi", petition_rows: int = PETITION_ROWS) -> Template:
    """Write the XLSX form and the petition-records CSV template for a unit and period.

    Args:
        unit: a unit, its code or any common spelling of its name (resolved at the period's
            end; it must exist for the whole period).
        period: a period or its code ("2025-Q3").
        out: the .xlsx path (default ``outputs/templates/<period>/<code>-<slug>_<period>.xlsx``);
            the CSV is written beside it as ``<stem>_petitions.csv``.
        lang: the language of the first header line and the instructions ("vi" or "en"); the
            other language goes on the line under it.
        petition_rows: input rows prepared on the petitions sheet.
    """
    from openpyxl import Workbook

    if lang not in ("vi", "en"):
        raise ValueError(f"No language {lang!r}; available: vi, en")
    p = Period.parse(period)
    u = _resolve(unit, p)
    stem = template_name(u, p)
    xlsx = Path(out) if out else Path("outputs") / "templates" / str(p.slug()) / f"{stem}.xlsx"
    xlsx.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    act = wb.active
    act.title = _pair("sheet_activity", lang)[0]
    pet = wb.create_sheet(_pair("sheet_petitions", lang)[0])
    helpws = wb.create_sheet(_pair("sheet_help", lang)[0])
    lists = wb.create_sheet(_pair("sheet_lists", lang)[0])
    lists.sheet_state = "hidden"
    ranges = _write_lists(lists, lang)
    act_fields = [ACTIVITY.field("month"), *[f for f in ACTIVITY.fields if f.type == COUNT],
                  ACTIVITY.field("submitted_on")]
    _form_sheet(act, ACTIVITY, act_fields, u, p, lang, "title_activity",
                [m.strftime("%Y-%m") for m in p.months()], ranges)
    pet_fields = [f for f in PETITIONS.fields if f.name != "unit_code"]
    _form_sheet(pet, PETITIONS, pet_fields, u, p, lang, "title_petitions",
                [None] * petition_rows, ranges)
    _write_help(helpws, lang, petition_rows)
    wb.active = 0
    wb.properties.title = f"{_pair('title_activity', lang)[0]} — {u.name} — {p}"
    wb.properties.creator = "reportkit"
    wb.save(xlsx)
    csv_path = xlsx.with_name(f"{xlsx.stem}_petitions.csv")
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerow(petition_csv_header(lang))
    return Template(xlsx, csv_path, u, p)


def _styles() -> dict[str, Any]:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    return {
        "title": Font(bold=True, size=13),
        "sub": Font(italic=True, size=10, color="555555"),
        "head": Font(bold=True, size=10),
        "head2": Font(italic=True, size=9, color="555555"),
        "locked": PatternFill("solid", fgColor="E7E6E6"),
        "headfill": PatternFill("solid", fgColor="D9E1F2"),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
    }


def _form_sheet(ws: Any, tbl: Table, fields: list[Field], unit: U.Unit, period: Period,
                lang: str, title: str, first_column: list[str | None],
                ranges: dict[str, str]) -> None:
    """One form sheet: title, locked unit/period cells, two header lines, input rows."""
    from openpyxl.styles import Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    st = _styles()
    ncol = len(fields)
    last = get_column_letter(ncol)
    t1, t2 = _pair(title, lang)
    ws["A1"], ws["A2"] = t1, t2
    ws["A1"].font, ws["A2"].font = st["title"], st["sub"]
    ws.merge_cells(f"A1:{last}1")
    ws.merge_cells(f"A2:{last}2")
    ws["A3"], ws["B3"] = _both("unit", lang), unit.name
    ws["C3"], ws["D3"] = _both("code", lang), unit.code
    ws["A4"], ws["B4"] = _both("period", lang), str(period)
    ws["C4"] = period.label(lang)
    ws["D3"].number_format = "@"
    for ref in ("A3", "A4", "C3"):
        ws[ref].font = st["head"]
    for ref in ("B3", "D3", "B4", "C4"):
        ws[ref].fill = st["locked"]
    ws["A5"] = _both("hint", lang)
    ws["A5"].font = st["sub"]
    other = "en" if lang == "vi" else "vi"
    for j, f in enumerate(fields, start=1):
        h1 = ws.cell(HEADER_ROW, j, f.label(lang))
        h2 = ws.cell(HEADER_ROW + 1, j, f.label(other))
        h1.font, h2.font = st["head"], st["head2"]
        for c in (h1, h2):
            c.alignment, c.fill, c.border = st["center"], st["headfill"], st["border"]
        width = 14 if f.type in (COUNT, BOOL) else 16 if f.type in (DATE, MONTH) else 24
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[HEADER_ROW].height = 60
    ws.row_dimensions[HEADER_ROW + 1].height = 45
    nrows = len(first_column)
    r0, r1 = FIRST_DATA_ROW, FIRST_DATA_ROW + max(nrows, 1) - 1
    col_of = {f.name: get_column_letter(j) for j, f in enumerate(fields, start=1)}
    unlocked = Protection(locked=False)
    for i, value in enumerate(first_column):
        r = r0 + i
        for j, f in enumerate(fields, start=1):
            c = ws.cell(r, j)
            c.border = st["border"]
            if j == 1 and value is not None:
                c.value = value
                c.fill = st["locked"]
                c.number_format = "@"
                continue
            c.protection = unlocked
            if f.type in (DATE,):
                c.number_format = "DD/MM/YYYY"
            elif f.type in (TEXT, ID):
                c.number_format = "@"
    # Validation: whole numbers ≥ 0 (and "≤" rules), dates, dropdowns.
    le = {r.columns[0]: (r.columns[1], r) for r in tbl.rules
          if r.name.endswith(f"<= {r.columns[1]}") and r.columns[1] in col_of}
    yes_no = ",".join(_YES_NO[lang])
    for f in fields:
        col = col_of[f.name]
        sqref = f"{col}{r0}:{col}{r1}"
        if first_column[0] is not None and f is fields[0]:
            continue
        dv: DataValidation | None = None
        if f.type == COUNT:
            if f.name in le:
                other, rule = le[f.name]
                other_col = col_of[other]
                formula = (f"AND(ISNUMBER({col}{r0}),INT({col}{r0})={col}{r0},{col}{r0}>=0,"
                           f"{col}{r0}<=${other_col}{r0})")
                dv = DataValidation(type="custom", formula1=formula, allow_blank=True)
                dv.error = f"{_pair('whole', lang)[0]} {rule.text(lang)}."
            else:
                dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                    allow_blank=True)
                dv.error = _pair("whole", lang)[0]
            dv.prompt = _pair("whole", lang)[0]
        elif f.type == DATE:
            dv = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                                formula2="DATE(2100,12,31)", allow_blank=True)
            dv.error = dv.prompt = _pair("date", lang)[0]
        elif f.type == CATEGORY:
            dv = DataValidation(type="list", formula1=ranges[f.name], allow_blank=True)
            dv.error = dv.prompt = _pair("pick", lang)[0]
        elif f.type == BOOL:
            dv = DataValidation(type="list", formula1=f'"{yes_no}"', allow_blank=True)
            dv.error = dv.prompt = _pair("pick", lang)[0]
        if dv is not None:
            dv.errorTitle = _pair("bad", lang)[0]
            dv.showErrorMessage = True
            dv.showInputMessage = True
            dv.add(sqref)
            ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 2)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widths may be changed
    ws.protection.formatRows = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW + 1}"


def _write_lists(ws: Any, lang: str) -> dict[str, str]:
    """The hidden lists feeding the dropdowns; returns field → range formula."""
    out = {}
    for j, f in enumerate([f for f in PETITIONS.fields if f.type == CATEGORY], start=1):
        from openpyxl.utils import get_column_letter

        col = get_column_letter(j)
        ws.cell(1, j, f.name)
        labels = CATEGORY_LABELS[f.name]
        for i, key in enumerate(f.categories, start=2):
            vi, en = labels[key]
            ws.cell(i, j, vi if lang == "vi" else en)
        out[f.name] = f"'{ws.title}'!${col}$2:${col}${len(f.categories) + 1}"
    ws.protection.sheet = True
    return out


def _write_help(ws: Any, lang: str, petition_rows: int) -> None:
    st = _styles()
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["D"].width = 14
    ws.column_dimensions["E"].width = 50
    row = 1
    for i, line in enumerate(_HELP[lang]):
        c = ws.cell(row, 1, line.format(rows=petition_rows))
        if i == 0:
            c.font = st["title"]
        row += 1
    row += 1
    vi = lang == "vi"
    head = (["Cột", "Column (English)", "Tên trường", "Bắt buộc", "Quy tắc"] if vi else
            ["Column", "Cột (tiếng Việt)", "Field name", "Required", "Rules"])
    for tbl in (ACTIVITY, PETITIONS):
        ws.cell(row, 1, tbl.label_vi if vi else tbl.label_en).font = st["title"]
        row += 1
        for j, h in enumerate(head, start=1):
            ws.cell(row, j, h).font = st["head"]
        row += 1
        rules = {}
        for r in tbl.rules:
            rules.setdefault(r.columns[0], []).append(r.text(lang))
        for f in tbl.fields:
            ws.cell(row, 1, f.label(lang))
            ws.cell(row, 2, f.label("en" if vi else "vi"))
            ws.cell(row, 3, f.name)
            ws.cell(row, 4, ("có" if vi else "yes") if f.required else "")
            ws.cell(row, 5, "; ".join([_field_rule(f, lang), *rules.get(f.name, [])]))
            for j in range(1, 6):
                ws.cell(row, j).alignment = st["wrap"]
            row += 1
        row += 1
    ws.protection.sheet = True


def _field_rule(f: Field, lang: str) -> str:
    vi = lang == "vi"
    if f.type == COUNT:
        return "số nguyên ≥ 0" if vi else "whole number ≥ 0"
    if f.type == DATE:
        return "ngày dd/mm/yyyy, không ở tương lai" if vi else "date dd/mm/yyyy, not in the future"
    if f.type == MONTH:
        return "tháng YYYY-MM" if vi else "month YYYY-MM"
    if f.type == CATEGORY:
        labels = CATEGORY_LABELS[f.name]
        return ", ".join(labels[k][0 if vi else 1] for k in f.categories)
    if f.type == BOOL:
        return "Có / Không" if vi else "Yes / No"
    if f.pii:
        text = ("thông tin cá nhân, không đưa vào báo cáo" if vi else
                "personal data, never shown in reports")
        return f"{text}; {f.pattern_text[0 if vi else 1]}" if f.pattern else text
    if f.type == CODE:
        return "mã 2 chữ số" if vi else "two-digit code"
    return ""

