"""Submission templates: the XLSX form a province fills in, and a petition-records CSV.

The workbook (``reportkit template --unit "Lào Cai" --period 2025-Q3``) has:

- a report sheet, one row per month of the period: headers in one language with a line in the
  other language under them; the unit, its code and the period pre-filled and locked (sheet
  protection without a password: it guards against slips, it is not a security measure);
  input cells unlocked, with cell validation (whole numbers from 0 to the schema's upper bound, "≤"
  rules between columns, dates);
- a petitions sheet (:data:`PETITION_ROWS` input rows) with dropdowns for the categories, the
  yes/no fields and the receiving agency (:data:`reportkit.core.schema.AGENCIES`, those in
  force during the period for the unit's kind), and cell validation of the CCCD number and
  the phone number with the same rules ingest applies (``core.schema``); ID columns are text
  so leading zeros survive;
- an instructions sheet listing every column, its rules and how to submit;
- a hidden lists sheet feeding the dropdowns.

The workbook structure is protected (no password): sheets cannot be added, removed, renamed or
unhidden, because ingest finds the data by sheet and the lists must stay as written. Cells
that are not for input (titles, headers, pre-filled values) are locked.

Why the petitions sheet styles whole columns rather than cells: 5,000 rows × 16 columns of
styled cells make a slow, several-megabyte file that opens slowly in LibreOffice and prints
a hundred empty pages. Column styles (unlocked, text format) cover every input row at no cost,
cell validation covers the input range, and borders come from conditional formatting on the
rows that hold data, so printing yields the rows filled in and nothing more.

Printing: A4 landscape, one page wide (fit to width, any height), the two header lines
repeated on every page, page numbers in the footer. Title rows are made tall enough for
Vietnamese capitals, whose stacked marks ("Ể", "Ộ") rise above the cap height and are clipped
by a default-height row in LibreOffice.

``reportkit ingest`` reads the form back: it finds the header row, skips the second-language
line, takes the unit and period from the cells above the header and checks every row
against them. The CSV template carries the same column names as the petitions sheet; its file
name (``15-lao-cai_2025-Q3_petitions.csv``) tells ingest the unit and period.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportkit.core import fmt, i18n
from reportkit.core import units as U
from reportkit.core.periods import Period
from reportkit.core.schema import (
    ACTIVITY,
    BOOL,
    CATEGORY,
    CCCD_PATTERN,
    CODE,
    COUNT,
    DATE,
    ID,
    MONTH,
    PETITIONS,
    PHONE_PATTERN,
    TEXT,
    Field,
    Table,
    agencies,
    category_label,
)
from reportkit.errors import UnitNotInForceError
from reportkit.store.io import write_csv_rows

__all__ = ["Template", "write_template", "template_name", "petition_csv_header",
           "title_row_height", "cccd_formula", "phone_formula"]

HEADER_ROW = 6  # first header line; the second-language line is row 7; data from row 8
FIRST_DATA_ROW = HEADER_ROW + 2
PETITION_ROWS = 5000
TITLE_SIZE = 14  # pt, the form's title line (Hướng dẫn 36-HD/VPTW: document type 14-16 pt)
SUBTITLE_SIZE = 12  # pt, the unit and period line under it
FONT = "Times New Roman"  # the official documents' face; LibreOffice uses Liberation Serif
HELP_LINES = 7  # form.help.0 … form.help.6 in reportkit.core.i18n


@dataclass(frozen=True)
class Template:
    """What :func:`write_template` wrote."""

    xlsx: Path
    csv: Path
    unit: U.Unit
    period: Period


def _pair(key: str, lang: str) -> tuple[str, str]:
    """Text ``form.<key>`` in the form's language, then in the other one."""
    other = "en" if lang == "vi" else "vi"
    return i18n.text(f"form.{key}", lang), i18n.text(f"form.{key}", other)


def _both(key: str, lang: str) -> str:
    a, b = _pair(key, lang)
    return f"{a} / {b}"


def template_name(unit: U.Unit, period: Period) -> str:
    """The file stem ingest recognises: ``15-lao-cai_2025-Q3``."""
    return f"{unit.code}-{unit.slug}_{period.slug()}"


def petition_csv_header(lang: str = "vi") -> list[str]:
    """The petition CSV template's column names: the labels the petitions sheet uses."""
    return [f.label(lang) for f in PETITIONS.fields]


def title_row_height(size: float) -> float:
    """Row height (points) for one line of ``size``-point text in Vietnamese capitals.

    A default row is about 1.3 × the font size; capitals with two stacked marks ("Ể", "Ộ")
    reach about 1.5 em above the baseline, so LibreOffice clips them. Twice the size leaves
    room for the marks and the descenders."""
    return float(round(size * 2))


def cccd_formula(ref: str) -> str:
    """Cell-validation formula for a CCCD number in ``ref`` (relative, top-left cell of the
    range): exactly 12 characters that read back unchanged as a 12-digit number, so no
    spaces, signs, dots or exponents (the rule :data:`~reportkit.core.schema.CCCD_PATTERN`)."""
    return f'AND(LEN({ref})=12,IFERROR(TEXT(--{ref},"{"0" * 12}")={ref},FALSE))'


def phone_formula(ref: str) -> str:
    """Cell-validation formula for a phone number in ``ref``: everything after the first
    character reads back unchanged as a number (digits only), and the number is "0" + 9 digits
    not starting with 0, "02" + 9 digits (fixed line), or the same with "+84" for the "0" (the
    rule :data:`~reportkit.core.schema.PHONE_PATTERN`). Excel allows 255 characters."""
    x = ref
    rest = f"MID({x},2,20)"
    digits = f'IFERROR(TEXT(--{rest},REPT("0",LEN({x})-1))={rest},FALSE)'
    local = (f'AND(LEFT({x})="0",MID({x},2,1)<>"0",'
             f'OR(LEN({x})=10,AND(LEN({x})=11,MID({x},2,1)="2")))')
    intl = (f'AND(LEFT({x},3)="+84",MID({x},4,1)<>"0",'
            f'OR(LEN({x})=12,AND(LEN({x})=13,MID({x},4,1)="2")))')
    return f"AND({digits},OR({local},{intl}))"


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
        lang: the language of the first header line, the instructions and the cell messages
            ("vi" or "en"); the other language goes on the header line under it.
        petition_rows: input rows prepared (validated) on the petitions sheet.
    """
    from openpyxl import Workbook
    from openpyxl.workbook.protection import WorkbookProtection

    if lang not in ("vi", "en"):
        raise ValueError(f"No language {lang!r}; available: vi, en")
    if petition_rows < 1:
        raise ValueError(f"petition_rows must be at least 1, not {petition_rows}")
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
    ranges = _write_lists(lists, lang, agencies(p.first, p.last, u.kind_at(p.last)))
    act_fields = [ACTIVITY.field("month"), *[f for f in ACTIVITY.fields if f.type == COUNT],
                  ACTIVITY.field("submitted_on")]
    _form_sheet(act, ACTIVITY, act_fields, u, p, lang, "title_activity",
                [m.strftime("%Y-%m") for m in p.months()], ranges)
    pet_fields = [f for f in PETITIONS.fields if f.name != "unit_code"]
    _form_sheet(pet, PETITIONS, pet_fields, u, p, lang, "title_petitions",
                [None] * petition_rows, ranges)
    _write_help(helpws, lang, petition_rows)
    wb.active = 0
    # Structure locked (no password): no sheet added, removed, renamed, moved or unhidden.
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = f"{_pair('title_activity', lang)[0]} — {u.name} — {p}"
    wb.properties.creator = "reportkit"
    wb.save(xlsx)
    csv_path = xlsx.with_name(f"{xlsx.stem}_petitions.csv")
    write_csv_rows(csv_path, [petition_csv_header(lang)])
    return Template(xlsx, csv_path, u, p)


def _styles() -> dict[str, Any]:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    return {
        "title": Font(name=FONT, bold=True, size=TITLE_SIZE),
        "subtitle": Font(name=FONT, bold=True, size=SUBTITLE_SIZE),
        "sub": Font(name=FONT, italic=True, size=10, color="555555"),
        "head": Font(name=FONT, bold=True, size=10),
        "head2": Font(name=FONT, italic=True, size=9, color="555555"),
        "body": Font(name=FONT, size=11),
        "locked": PatternFill("solid", fgColor="E7E6E6"),
        "headfill": PatternFill("solid", fgColor="D9E1F2"),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "title_align": Alignment(horizontal="center", vertical="center"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
    }


def _page_setup(ws: Any, lang: str, *, landscape: bool = True,
                title_rows: str | None = None) -> None:
    """A4, one page wide and as many pages high as needed, header lines on every page."""
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # any number of pages high
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    # Decree 30/2020 margins, in inches: binding side (left) 30 mm, right 15 mm, top and
    # bottom 20 mm.
    ws.page_margins = PageMargins(left=1.18, right=0.59, top=0.79, bottom=0.79,
                                  header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = _pair("page", lang)[0]
    if title_rows:
        ws.print_title_rows = title_rows


def _form_sheet(ws: Any, tbl: Table, fields: list[Field], unit: U.Unit, period: Period,
                lang: str, title: str, first_column: list[str | None],
                ranges: dict[str, str]) -> None:
    """One form sheet: title, locked unit/period cells, two header lines, input rows.

    With pre-filled rows (one per month) each input cell is styled; with open rows (the
    petitions) whole columns are styled, see the module docstring."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Protection
    from openpyxl.utils import get_column_letter

    st = _styles()
    ncol = len(fields)
    last = get_column_letter(ncol)
    locked, unlocked = Protection(locked=True), Protection(locked=False)
    # Rows 1-5 and the header lines: every cell locked (open columns are unlocked as a whole).
    for r in range(1, HEADER_ROW + 2):
        for j in range(1, max(ncol, 4) + 1):
            ws.cell(r, j).protection = locked
    ws["A1"] = _pair(title, lang)[0]
    name, where = unit.name.upper(), f"form.where.{unit.kind_at(period.last)}"
    if where in i18n.T:
        name = i18n.text(where, lang, name=name)
    ws["A2"] = f"{name} – {period.label(lang).upper()}"
    ws["A1"].font, ws["A2"].font = st["title"], st["subtitle"]
    ws["A1"].alignment = ws["A2"].alignment = st["title_align"]
    ws.merge_cells(f"A1:{last}1")
    ws.merge_cells(f"A2:{last}2")
    ws.row_dimensions[1].height = title_row_height(TITLE_SIZE)
    ws.row_dimensions[2].height = title_row_height(SUBTITLE_SIZE)
    ws["A3"], ws["B3"] = _both("unit", lang), unit.name
    ws["C3"], ws["D3"] = _both("code", lang), unit.code
    ws["A4"], ws["B4"] = _both("period", lang), str(period)
    ws["C4"] = period.label(lang)
    ws["D3"].number_format = "@"
    for ref in ("A3", "A4", "C3"):
        ws[ref].font = st["head"]
    for ref in ("B3", "D3", "B4", "C4"):
        ws[ref].fill, ws[ref].font = st["locked"], st["body"]
    ws["A5"] = _both("hint", lang)
    ws["A5"].font = st["sub"]
    other = "en" if lang == "vi" else "vi"
    for j, f in enumerate(fields, start=1):
        h1 = ws.cell(HEADER_ROW, j, f.label(lang))
        h2 = ws.cell(HEADER_ROW + 1, j, f.label(other))
        h1.font, h2.font = st["head"], st["head2"]
        for c in (h1, h2):
            c.alignment, c.fill, c.border = st["center"], st["headfill"], st["border"]
        width = (14 if f.type in (COUNT, BOOL) else 16 if f.type in (DATE, MONTH)
                 else 30 if f.choices else 24)
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[HEADER_ROW].height = 60
    ws.row_dimensions[HEADER_ROW + 1].height = 45
    nrows = len(first_column)
    r0, r1 = FIRST_DATA_ROW, FIRST_DATA_ROW + max(nrows, 1) - 1
    col_of = {f.name: get_column_letter(j) for j, f in enumerate(fields, start=1)}
    prefilled = any(v is not None for v in first_column)
    for j, f in enumerate(fields, start=1):
        fmt = ("DD/MM/YYYY" if f.type == DATE else "@" if f.type in (TEXT, ID) else None)
        if not prefilled:  # open rows: the column's style is the input cells' style
            dim = ws.column_dimensions[get_column_letter(j)]
            dim.protection = unlocked
            if fmt:
                dim.number_format = fmt
            continue
        for i, value in enumerate(first_column):
            c = ws.cell(r0 + i, j)
            c.border = st["border"]
            if j == 1 and value is not None:
                c.value = value
                c.fill = st["locked"]
                c.number_format = "@"
                continue
            c.protection = unlocked
            if fmt:
                c.number_format = fmt
    if not prefilled:  # borders on the rows that hold data, so the printout ends with them
        ws.conditional_formatting.add(
            f"A{r0}:{last}{r1}",
            FormulaRule(formula=[f"COUNTA($A{r0}:${last}{r0})>0"], border=st["border"]))
    for f in fields:
        if prefilled and f is fields[0]:
            continue
        dv = _validation(f, tbl, col_of, r0, lang, ranges)
        if dv is not None:
            dv.add(f"{col_of[f.name]}{r0}:{col_of[f.name]}{r1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 2)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widths may be changed
    ws.protection.formatRows = False
    _page_setup(ws, lang, title_rows=f"{HEADER_ROW}:{HEADER_ROW + 1}")


def _validation(f: Field, tbl: Table, col_of: dict[str, str], r0: int, lang: str,
                ranges: dict[str, str]) -> Any:
    """The cell validation of one input column (formulas relative to its first row), or
    None. Messages are in the form's language."""
    from openpyxl.worksheet.datavalidation import DataValidation

    col = col_of[f.name]
    ref = f"{col}{r0}"
    le = {r.columns[0]: (r.columns[1], r) for r in tbl.rules
          if r.name.endswith(f"<= {r.columns[1]}") and r.columns[1] in col_of}
    title = _pair("bad", lang)[0]
    dv: DataValidation | None = None
    if f.type == COUNT:
        # The same upper bound as ingest's "upper bound" rule: what the form accepts, ingest
        # accepts.
        top = f.upper
        whole = i18n.text("form.whole", lang, max=fmt.number(top, lang))
        if f.name in le:
            other, rule = le[f.name]
            formula = (f"AND(ISNUMBER({ref}),INT({ref})={ref},{ref}>=0,{ref}<={top},"
                       f"{ref}<=${col_of[other]}{r0})")
            dv = DataValidation(type="custom", formula1=formula, allow_blank=True)
            dv.error = f"{whole} {rule.text(lang)}."
        else:
            dv = DataValidation(type="whole", operator="between", formula1="0",
                                formula2=str(top), allow_blank=True)
            dv.error = whole
        dv.prompt = whole
    elif f.type == DATE:
        dv = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                            formula2="DATE(2100,12,31)", allow_blank=True)
        dv.error = dv.prompt = _pair("date", lang)[0]
    elif f.type == CATEGORY:
        dv = DataValidation(type="list", formula1=ranges[f.name], allow_blank=True)
        dv.error = dv.prompt = _pair("pick", lang)[0]
    elif f.type == BOOL:
        yes_no = f"{i18n.text('form.yes', lang)},{i18n.text('form.no', lang)}"
        dv = DataValidation(type="list", formula1=f'"{yes_no}"', allow_blank=True)
        dv.error = dv.prompt = _pair("pick", lang)[0]
    elif f.choices and f.name in ranges:
        dv = DataValidation(type="list", formula1=ranges[f.name], allow_blank=True)
        dv.error = dv.prompt = _pair("agency", lang)[0]
    elif f.pattern == CCCD_PATTERN:
        dv = DataValidation(type="custom", formula1=cccd_formula(ref), allow_blank=True)
        dv.error = dv.prompt = _pair("cccd", lang)[0]
        dv.promptTitle = title = _pair("cccd_title", lang)[0]
    elif f.pattern == PHONE_PATTERN:
        dv = DataValidation(type="custom", formula1=phone_formula(ref), allow_blank=True)
        dv.error = dv.prompt = _pair("phone", lang)[0]
        dv.promptTitle = title = _pair("phone_title", lang)[0]
    if dv is None:
        return None
    if len(dv.formula1 or "") > 255:
        raise ValueError(f"validation formula of {f.name} is longer than Excel's 255 "
                         f"characters: {dv.formula1}")
    dv.errorTitle = title
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def _write_lists(ws: Any, lang: str, agency_names: list[str]) -> dict[str, str]:
    """The hidden lists feeding the dropdowns; returns field → range formula."""
    from openpyxl.utils import get_column_letter

    out = {}
    columns: list[tuple[str, list[str]]] = []
    for f in [f for f in PETITIONS.fields if f.type == CATEGORY]:
        columns.append((f.name, [category_label(f.name, k, lang) for k in f.categories]))
    columns.append(("transferred_to", agency_names))
    for j, (name, values) in enumerate(columns, start=1):
        col = get_column_letter(j)
        ws.cell(1, j, name)
        for i, v in enumerate(values, start=2):
            ws.cell(i, j, v)
        out[name] = f"'{ws.title}'!${col}$2:${col}${len(values) + 1}"
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
    for i in range(HELP_LINES):
        c = ws.cell(row, 1, i18n.text(f"form.help.{i}", lang, rows=petition_rows))
        if i == 0:
            c.font = st["title"]
        row += 1
    row += 1
    vi = lang == "vi"
    head = [i18n.text(f"form.help.col.{c}", lang)
            for c in ("column", "other_lang", "field", "required", "rules")]
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
            ws.cell(row, 4, i18n.text("form.help.required", lang) if f.required else "")
            ws.cell(row, 5, "; ".join([_field_rule(f, lang), *rules.get(f.name, [])]))
            for j in range(1, 6):
                ws.cell(row, j).alignment = st["wrap"]
            row += 1
        row += 1
    ws.protection.sheet = True
    _page_setup(ws, lang, landscape=False)


def _field_rule(f: Field, lang: str) -> str:
    if f.type in (COUNT, DATE, MONTH, BOOL, CODE):
        return i18n.text(f"form.rule.{f.type}", lang)
    if f.type == CATEGORY:
        return ", ".join(category_label(f.name, k, lang) for k in f.categories)
    if f.pii:
        pii = i18n.text("form.rule.pii", lang)
        return f"{pii}; {f.pattern_text[0 if lang == 'vi' else 1]}" if f.pattern else pii
    if f.choices:
        return i18n.text("form.rule.agency", lang)
    return ""
