"""Taking in submissions: read, type, validate (every problem at once), load all-or-nothing.

Each file is either loaded whole or rejected whole, and the reasons are always given: file,
sheet, row, column, the offending value (never for personal-data columns) and the rule, in
Vietnamese or English.

How the work is split, for speed: the only per-file work is reading raw text cells (CSV through
Arrow's parser, XLSX through openpyxl's streaming parser); coercion and validation then run
once over the concatenation of all files of a table, carrying ``_file`` and ``_row`` columns,
and the problems are mapped back to their files. Key uniqueness is checked within each file.

Where files go: a rejected file is *copied*, bytes untouched, to ``data/quarantine/`` with a
problem report (CSV and JSON) beside it, and the source is left where it is (it may be the
read-only sample folder); an accepted original is copied to ``data/archive/``. Loading the same
bytes twice is a no-op (files are known by sha256). A corrected resubmission replaces the rows
of the same keys; every changed figure is logged (old → new) in the warehouse's
``replacements.jsonl`` and the ledger records who loaded which file when.

Hostile files are bounded by :class:`Limits`: file size, rows, columns, the uncompressed size
and compression ratio of an XLSX (checked with :mod:`zipfile` before openpyxl opens it), XML
DTDs/entities refused (and openpyxl parses through defusedxml).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import functools
import getpass
import hashlib
import io
import json
import logging
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from reportkit.core import units as U
from reportkit.core.periods import Period
from reportkit.core.schema import (
    BOOL,
    CATEGORY,
    CATEGORY_LABELS,
    CODE,
    COUNT,
    DATE,
    MONTH,
    TABLES,
    Finding,
    Problem,
    Table,
    find_problems,
    table,
)
from reportkit.errors import ReportkitError, UnitNotInForceError
from reportkit.store.warehouse import TIME_COLUMN, Warehouse, project_root

log = logging.getLogger("reportkit.intake.ingest")

SUFFIXES = (".csv", ".xlsx")
REPLACEMENTS_FILE = "replacements.jsonl"
_MISSING = {"", "na", "n/a", "#n/a", "nan", "none", "null", "-", "—", "–", "..", "..."}
_MISSING_CASES = sorted({v for m in _MISSING for v in (m, m.upper(), m.capitalize())})
_TRUE = {"1", "true", "yes", "y", "có", "co", "x", "đúng", "dung", "t"}
_FALSE = {"0", "false", "no", "n", "không", "khong", "sai", "f"}
_TRUE_CASES = sorted({v for m in _TRUE for v in (m, m.upper(), m.capitalize())})
_FALSE_CASES = sorted({v for m in _FALSE for v in (m, m.upper(), m.capitalize())})
_EXCEL_ERRORS = {"#null!", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#n/a",
                 "#getting_data", "#spill!", "#calc!"}
_IGNORED_HEADERS = {"stt", "tt", "no", "số tt", "so tt", "số thứ tự", "so thu tu"}
_TOTAL_ROWS = {"tổng cộng", "tong cong", "cộng", "cong", "tổng", "tong", "tổng số", "total",
               "totals", "grand total"}
_UNIT_LABELS = {"đơn vị", "don vi", "tên đơn vị", "ten don vi", "unit", "unit name", "tỉnh",
                "tỉnh thành phố", "province"}
_CODE_LABELS = {"mã đơn vị", "ma don vi", "unit code", "mã tỉnh", "ma tinh", "code"}
_PERIOD_LABELS = {"kỳ báo cáo", "ky bao cao", "period", "reporting period", "kỳ", "ky"}
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_TONE_CLUSTER = re.compile(f"(o[{_TONES}](?=[ae])|u[{_TONES}](?=y))([aey])(?![\u0300-\u036f])")
_FILE_NAME = re.compile(r"(?P<code>\d{2})-[a-z0-9-]+_(?P<period>\d{4}[0-9a-zA-Z_.-]*?)"
                        r"(?:[_-](?:activity|petitions))?")
_ERA_BOUNDS = (np.datetime64(U.OLD_VALID_FROM, "ns"), np.datetime64(U.MERGER_DATE, "ns"))


# ------------------------------------------------------------------------------------------------
# Limits and messages
@dataclass(frozen=True)
class Limits:
    """Bounds that keep a broken or hostile file from using unbounded time or memory."""

    max_bytes: int = 512 * 2**20
    max_rows: int = 3_000_000
    max_columns: int = 200
    max_xlsx_uncompressed: int = 256 * 2**20
    max_zip_ratio: float = 100.0  # per member larger than 1 MiB
    max_zip_members: int = 1_000
    max_xlsx_cells: int = 5_000_000
    max_problems: int = 10_000  # detailed problems kept per file; the rest are counted
    header_rows: int = 30  # rows searched for the header


DEFAULT_LIMITS = Limits()

_M: dict[str, tuple[str, str]] = {
    "empty": ("tệp rỗng", "the file is empty"),
    "too_big": ("tệp dung lượng {size}, vượt giới hạn {limit}",
                "the file is {size}, more than the limit of {limit}"),
    "too_many_rows": ("tệp có hơn {limit:,} dòng (giới hạn)",
                      "the file has more than {limit:,} rows (the limit)"),
    "too_many_cells": ("sổ tính có hơn {limit:,} ô (giới hạn)",
                       "the workbook has more than {limit:,} cells (the limit)"),
    "too_many_cols": ("có dữ liệu ở cột thứ {n}, vượt giới hạn {limit} cột",
                      "data in column {n}, beyond the limit of {limit} columns"),
    "csv_is_zip": ("tệp .csv này thực ra là tệp Excel (ZIP): đổi đuôi thành .xlsx",
                   "this .csv file is really an Excel workbook (ZIP): rename it to .xlsx"),
    "ole": ("tệp Excel 97-2003 (.xls) cũ: mở bằng Excel và lưu lại dạng .xlsx",
            "an old Excel 97-2003 (.xls) file: open it in Excel and save it as .xlsx"),
    "pdf": ("tệp PDF, không phải bảng dữ liệu", "a PDF document, not a spreadsheet"),
    "html": ("tệp HTML (trang web), không phải bảng dữ liệu",
             "an HTML page, not a spreadsheet or CSV"),
    "binary": ("tệp nhị phân, không phải văn bản CSV", "binary data, not a CSV text file"),
    "xlsx_is_text": ("tệp .xlsx này thực ra là tệp văn bản (CSV): đổi đuôi thành .csv",
                     "this .xlsx file is really a text (CSV) file: rename it to .csv"),
    "bad_zip": ("tệp .xlsx bị hỏng hoặc không đầy đủ (không phải tệp ZIP hợp lệ)",
                "damaged or truncated: not a valid .xlsx (ZIP) file"),
    "zip_not_excel": ("tệp ZIP nhưng không phải sổ tính Excel",
                      "a ZIP archive but not an Excel workbook"),
    "zip_members": ("tệp .xlsx có {n} thành phần (giới hạn {limit})",
                    "the .xlsx holds {n} parts (the limit is {limit})"),
    "zip_ratio": ("thành phần {name} giãn nở {ratio:,.0f} lần (giới hạn {limit:,.0f}): từ chối "
                  "vì có thể là bom ZIP",
                  "part {name} would expand {ratio:,.0f} times (limit {limit:,.0f}): refused as "
                  "a possible ZIP bomb"),
    "zip_size": ("giải nén ra {size} (giới hạn {limit}): từ chối vì có thể là bom ZIP",
                 "it would expand to {size} (limit {limit}): refused as a possible ZIP bomb"),
    "xml_dtd": ("thành phần XML {name} khai báo DTD/thực thể (có thể là bom XML): từ chối",
                "XML part {name} declares a DTD or entities (possible XML bomb): refused"),
    "encoding": ("không giải mã được văn bản: hãy lưu tệp dạng CSV UTF-8",
                 "cannot decode the text: save the file as CSV UTF-8"),
    "unsupported": ("loại tệp {suffix} không được hỗ trợ: gửi tệp .xlsx hoặc .csv",
                    "unsupported file type {suffix!r}: send .xlsx or .csv"),
    "read_error": ("không đọc được tệp ({error})", "cannot read the file ({error})"),
    "no_header": ("không tìm thấy dòng tiêu đề: cần các cột như {examples}",
                  "no header row found: expected column headers such as {examples}"),
    "no_data_sheet": ("không trang tính nào có các cột tiêu đề cần thiết (các trang: {sheets})",
                      "no sheet has the expected column headers (sheets: {sheets})"),
    "hidden_only": ("dữ liệu nằm ở trang tính ẩn {name!r}: hãy bỏ ẩn trang",
                    "the data is on the hidden sheet {name!r}: unhide it"),
    "no_rows": ("tệp có tiêu đề nhưng không có dòng dữ liệu",
                "the file has headers but no data rows"),
    "missing_col": ("thiếu cột {label} ({name})", "missing column {label} ({name})"),
    "did_you_mean": ("; có phải là cột {header!r}?", "; is it the column {header!r}?"),
    "unknown_col": ("cột không có trong mẫu: {header!r}", "unknown column {header!r}"),
    "suggest_col": ("; có phải là {label} ({name})?", "; did you mean {label} ({name})?"),
    "unnamed_col": ("cột {letter} có dữ liệu nhưng không có tiêu đề",
                    "column {letter} has data but no header"),
    "dup_col": ("cột {name} xuất hiện hai lần (cột {a} và {b})",
                "column {name} appears twice (columns {a} and {b})"),
    "ragged": ("dòng có {n} ô, dòng tiêu đề có {m}", "the row has {n} cells, the header has {m}"),
    "formula": ("công thức chưa có giá trị lưu sẵn: hãy mở tệp bằng Excel và lưu lại",
                "formula without a saved value: open and save the file in Excel"),
    "merged": ("các ô {ref} bị gộp qua nhiều cột: bỏ gộp và nhập mỗi ô một giá trị",
               "cells {ref} are merged across columns: unmerge them and enter one value per "
               "cell"),
    "not_number": ("không phải là số", "not a number"),
    "excel_error": ("giá trị lỗi của Excel: sửa công thức", "an Excel error value: fix the "
                    "formula"),
    "not_date": ("không phải ngày (dùng YYYY-MM-DD hoặc DD/MM/YYYY)",
                 "not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
    "not_month": ("không phải tháng (dùng YYYY-MM hoặc MM/YYYY)",
                  "not a month (use YYYY-MM or MM/YYYY)"),
    "not_bool": ("không phải Có/Không", "not yes/no (Có/Không)"),
    "required_count": ("bắt buộc nhập (ghi 0 nếu không có)",
                       "a value is required (write 0 if there were none)"),
    "row_empty": ("{n} ô bắt buộc để trống ({columns})",
                  "{n} required cells are empty ({columns})"),
    "unit_mismatch": ("tên đơn vị {name!r} là {other} (mã {other_code}) vào ngày {when}, khác "
                      "mã đơn vị {code}",
                      "unit name {name!r} is {other} (code {other_code}) on {when}, not unit "
                      "code {code}"),
    "form_unit": ("đơn vị của dòng ({code}) khác đơn vị của biểu mẫu ({unit}, mã {form_code}; "
                  "{source})",
                  "the row's unit ({code}) is not the form's unit ({unit}, code {form_code}; "
                  "{source})"),
    "outside_period": ("{when} nằm ngoài kỳ báo cáo của biểu mẫu {period} ({label}; {source})",
                       "{when} is outside the form's period {period} ({label}; {source})"),
    "bad_period": ("kỳ báo cáo {text!r} của biểu mẫu không hợp lệ (ví dụ 2025-Q3)",
                   "the form's period {text!r} is not a period code (e.g. 2025-Q3)"),
    "dup_id_call": ("số hiệu đơn trùng với đơn của đơn vị khác ({others})",
                    "petition id also used by another unit ({others})"),
    "dup_id_wh": ("số hiệu đơn đã có trong kho dữ liệu cho đơn vị {others}",
                  "petition id already loaded for unit {others}"),
    "more": ("… và {n} lỗi khác không liệt kê", "… and {n} more problem(s) not listed"),
    "merged_into": ("{unit} đã được hợp nhất vào {successor} từ ngày {when}",
                    "{unit} was merged into {successor} on {when}"),
    "no_unit": ("không có đơn vị {text!r}", "no unit {text!r}"),
    "unit_gone": ("đơn vị {unit} không tồn tại vào ngày {when}",
                  "unit {unit} did not exist on {when}"),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    vi, en = _M[key]
    return (vi if lang == "vi" else en).format(**kw)


def _size_text(n: int) -> str:
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


# ------------------------------------------------------------------------------------------------
# Results
@dataclass
class FileResult:
    """The outcome for one submitted file."""

    path: Path
    sha256: str
    status: str  # "loaded" | "rejected" | "skipped"
    table: str | None = None  # "activity", "petitions" or both joined by ","
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    replaced_rows: int = 0
    changed_rows: int = 0
    frame: pd.DataFrame | None = field(default=None, repr=False)
    note: str = ""
    encoding: str | None = None
    sheets: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    first: date | None = None
    last: date | None = None
    quarantined: Path | None = None
    archived: Path | None = None
    size: int = 0


@dataclass
class IngestReport:
    """The outcome for a whole ``reportkit ingest`` call."""

    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def ok(self) -> bool:
        return self.count("rejected") == 0

    @property
    def exit_code(self) -> int:
        """0 all loaded (or unchanged), 1 some files rejected."""
        return 0 if self.ok else 1


# ------------------------------------------------------------------------------------------------
# Discovery, hashing, sniffing
def discover(paths: Iterable[Path | str]) -> list[Path]:
    """Files to ingest: the given files (any suffix: others are rejected with a reason), and
    every .csv/.xlsx below the given folders (hidden files and Excel lock files skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file()
                              and f.suffix.lower() in SUFFIXES
                              and not f.name.startswith((".", "~$"))))
        else:
            out.append(p)
    return out


def is_sample_file(path: Path) -> bool:
    """Whether a file lies in a folder written by the sample generator."""
    return _sample_folder(Path(path).resolve().parent)


@functools.lru_cache(maxsize=4096)
def _sample_folder(folder: Path) -> bool:
    from reportkit.intake.sample import MARKER_FILE

    return (folder / MARKER_FILE).exists() or (
        folder.parent != folder and _sample_folder(folder.parent))


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff(data: bytes) -> str:
    """What the bytes are: "zip", "ole", "pdf", "html", "utf16", "binary", "empty" or "text"."""
    head = data[:2048]
    blank = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"
    if not head.strip(blank) and (len(data) <= 2048 or not data.strip(blank)):
        return "empty"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if max(even, odd) > len(head) / 4 and min(even, odd) < len(head) / 50:
            return "utf16"
        return "binary"
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html", b"<?xml")):
        return "html"
    return "text"


# ------------------------------------------------------------------------------------------------
# Headers
@functools.lru_cache(maxsize=65536)
def _normalize_cached(text: str) -> str:
    t = unicodedata.normalize("NFD", text.lower())
    t = _TONE_CLUSTER.sub(lambda m: m[1][0] + m[2] + m[1][1], t)
    t = unicodedata.normalize("NFC", t)
    return " ".join(re.sub(r"[\W_]+", " ", t).split())


def normalize_header(text: object) -> str:
    """Matching key of a header: NFC, lower case, one tone placement, punctuation and runs of
    spaces as single spaces ("Trong đó:  gửi điện tử" = "trong đó gửi điện tử")."""
    text = str(text)
    return _normalize_cached(text) if len(text) < 200 else _normalize_cached.__wrapped__(text)


def _ascii(text: str) -> str:
    d = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in d if not unicodedata.combining(c))


@functools.cache
def _lookup(tname: str) -> dict[str, str]:
    """Normalised header → field name: names, Vietnamese and English labels, and their
    unaccented spellings when unambiguous."""
    tbl = table(tname)
    exact: dict[str, str] = {}
    for f in tbl.fields:
        for text in (f.name, f.label_vi, f.label_en):
            exact[normalize_header(text)] = f.name
    folded: dict[str, set[str]] = {}
    for key, name in exact.items():
        folded.setdefault(_ascii(key), set()).add(name)
    out = {k: next(iter(v)) for k, v in folded.items() if len(v) == 1}
    out.update(exact)
    return out


def _match_cell(text: str, tname: str) -> str | None:
    """The field a header cell names: the whole text, else one of its lines or its parts
    around "/", "|" or parentheses (a header may carry both languages)."""
    if not text:
        return None
    look = _lookup(tname)
    key = normalize_header(text)
    if key in look:
        return look[key]
    for part in re.split(r"[\n/|()\[\]]", text):
        key = normalize_header(part)
        if key and key in look:
            return look[key]
    return None


@dataclass(frozen=True)
class HeaderMatch:
    """A header row matched to a table: column position → field, and the unmatched cells."""

    table: str
    fields: dict[int, str]
    unknown: dict[int, str]
    duplicates: tuple[tuple[str, int, int], ...]
    score: int


@functools.lru_cache(maxsize=512)
def match_header(cells: tuple[str, ...]) -> HeaderMatch | None:
    """The table whose fields a row of header cells names best (None if fewer than two)."""
    best: HeaderMatch | None = None
    shared = set(TABLES["activity"].columns) & set(TABLES["petitions"].columns)
    for tname in TABLES:
        fields: dict[int, str] = {}
        unknown: dict[int, str] = {}
        seen: dict[str, int] = {}
        dups: list[tuple[str, int, int]] = []
        for i, cell in enumerate(cells):
            text = (cell or "").strip()
            if not text:
                continue
            name = _match_cell(text, tname)
            if name is None:
                if normalize_header(text) not in _IGNORED_HEADERS:
                    unknown[i] = text
            elif name in seen:
                dups.append((name, seen[name], i))
            else:
                seen[name] = i
                fields[i] = name
        distinct = set(fields.values())
        score = len(distinct) * 2 + len(distinct - shared)
        if len(distinct) >= 2 and distinct - shared and (best is None or score > best.score):
            best = HeaderMatch(tname, fields, unknown, tuple(dups), score)
    return best


def _convincing(hm: HeaderMatch, cells: list[str]) -> bool:
    """A header row that names at least three fields and mostly known columns: no need to
    look further down for a better one."""
    filled = sum(1 for c in cells if c and c.strip())
    return len(hm.fields) >= 3 and len(hm.fields) * 2 >= filled


def _is_label_line(cells: list[str], hm: HeaderMatch) -> bool:
    """Whether a row right below the header repeats its labels (the English line)."""
    filled = [(i, c) for i, c in enumerate(cells) if c and c.strip()]
    if len(filled) < 2:
        return False
    hits = sum(1 for i, c in filled if hm.fields.get(i) and _match_cell(c, hm.table)
               == hm.fields[i])
    return hits >= max(2, len(filled) // 2)


def _column_letter(i: int) -> str:
    s, n = "", i + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


# ------------------------------------------------------------------------------------------------
# Raw parts: the text cells of one table from one file (a CSV, or one sheet)
@dataclass
class FormContext:
    """What a form says about itself: its unit and period (from cells above the header or
    from a file name such as ``15-lao-cai_2025-Q3.csv``)."""

    unit: str | None = None
    unit_source: str = ""  # "file" (the file name) or a cell reference such as "D3"
    period: Period | None = None
    period_source: str = ""

    @staticmethod
    def where(source: str, lang: str) -> str:
        """Where a value came from, in words: "cell B4", "from the file name"."""
        if source == "file":
            return "theo tên tệp" if lang == "vi" else "from the file name"
        return f"ô {source}" if lang == "vi" else f"cell {source}"


@dataclass
class RawPart:
    """Text cells of one table from one file: field → Arrow string array, and row numbers."""

    table: str
    columns: dict[str, pa.Array]
    rows: np.ndarray
    sheet: str | None = None
    missing: list[str] = field(default_factory=list)
    reported: dict[int, set[str]] = field(default_factory=dict)  # row index → fields already
    # reported by the reader (e.g. a formula without a saved value): not reported again
    context: FormContext = field(default_factory=FormContext)

    @property
    def n(self) -> int:
        return len(self.rows)


@dataclass
class _Read:
    """What reading one file produced."""

    parts: list[RawPart] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    context: FormContext = field(default_factory=FormContext)
    encoding: str | None = None
    sheets: list[str] = field(default_factory=list)


class _Reader:
    """Shared helpers of the CSV and XLSX readers: header analysis and structural problems."""

    def __init__(self, path: Path, lang: str, limits: Limits) -> None:
        self.path, self.lang, self.limits = path, lang, limits
        self.out = _Read()

    def problem(self, key: str, *, row: int | None = None, column: str | None = None,
                value: Any = None, sheet: str | None = None, table_name: str = "?",
                rule: str = "file", hint: str = "", **kw: Any) -> None:
        """Record a problem worded by message ``key`` (``hint`` is appended)."""
        self.out.problems.append(Problem(table_name, rule, _t(key, self.lang, **kw) + hint,
                                         row=row, column=column, value=value,
                                         file=str(self.path), sheet=sheet))

    def context_from(self, rows: list[tuple[int, list[str]]], sheet: str | None
                     ) -> FormContext:
        """The unit and period of one sheet: "Đơn vị / Unit: …", "Mã đơn vị / Unit code: …"
        and "Kỳ báo cáo / Period: …" above the header override what the file name says."""
        ctx = replace(self.out.context)
        unit: tuple[int, str, str] | None = None  # (priority: code 2, name 1), value, where
        for rnum, cells in rows:
            for i, cell in enumerate(cells):
                if not cell:
                    continue
                parts = {normalize_header(p) for p in re.split(r"[/\n|()]", cell)} - {""}
                kind = ("code" if parts & _CODE_LABELS else "unit" if parts & _UNIT_LABELS
                        else "period" if parts & _PERIOD_LABELS else None)
                j = next((k for k in range(i + 1, len(cells)) if cells[k].strip()), None)
                if kind is None or j is None:
                    continue
                value = cells[j].strip()
                where = f"{_column_letter(j)}{rnum}"
                if kind == "period":
                    period = parse_period_text(value)
                    if period is None:
                        self.problem("bad_period", row=rnum, sheet=sheet, text=value)
                    else:
                        ctx.period, ctx.period_source = period, where
                elif unit is None or (2 if kind == "code" else 1) > unit[0]:
                    unit = (2 if kind == "code" else 1, value, where)
        if unit is not None:
            ctx.unit, ctx.unit_source = unit[1], unit[2]
        return ctx

    def header_problems(self, hm: HeaderMatch, data_in: Callable[[int], bool], header_row: int,
                        sheet: str | None, ctx: FormContext) -> list[str]:
        """Problems of the header row; returns the required fields that are missing."""
        tbl = table(hm.table)
        for name, a, b in hm.duplicates:
            self.problem("dup_col", row=header_row, column=name, sheet=sheet, table_name=tbl.name,
                         rule="known column", name=name, a=_column_letter(a),
                         b=_column_letter(b))
        present = set(hm.fields.values())
        has_unit = ctx.unit is not None or "unit_name" in present
        missing = [f for f in tbl.fields if f.required and f.name not in present
                   and not (f.name == "unit_code" and has_unit)]
        unknown = {i: h for i, h in hm.unknown.items() if data_in(i)}
        labels = {normalize_header(x): f for f in missing for x in (f.label_vi, f.label_en,
                                                                     f.name)}
        heads = {normalize_header(h): h for h in unknown.values()}
        for f in missing:  # a renamed column shows up as missing + unknown: pair them
            guess = (difflib.get_close_matches(normalize_header(f.label_vi), heads, 1, 0.6)
                     or difflib.get_close_matches(normalize_header(f.label_en), heads, 1, 0.6))
            hint = _t("did_you_mean", self.lang, header=heads[guess[0]]) if guess else ""
            self.problem("missing_col", row=header_row, column=f.name, sheet=sheet,
                         table_name=tbl.name, rule="column present", name=f.name,
                         label=f.label(self.lang), hint=hint)
        for i, header in unknown.items():
            guess = difflib.get_close_matches(normalize_header(header), list(labels), 1, 0.6)
            hint = ""
            if guess:
                f = labels[guess[0]]
                hint = _t("suggest_col", self.lang, label=f.label(self.lang), name=f.name)
            self.problem("unknown_col", row=header_row, column=_column_letter(i), sheet=sheet,
                         table_name=tbl.name, rule="known column", header=header, hint=hint)
        return [f.name for f in missing]


def parse_period_text(text: str) -> Period | None:
    """A period from a code ("2025-Q3", "2026-01_to_2026-10") or a Vietnamese name
    ("quý III/2025", "tháng 7/2025", "6 tháng đầu năm 2025", "năm 2025"); None if neither."""
    t = " ".join(unicodedata.normalize("NFC", str(text)).strip().lower().split())
    t = t.replace("_to_", "..")
    with contextlib.suppress(ReportkitError, ValueError):
        return Period.parse(t)
    roman = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
    if m := re.fullmatch(r"quý\s*(i{1,3}|iv|[1-4])\s*/\s*(\d{4})", t):
        q = roman.get(m[1]) or int(m[1])
        return Period.quarter(int(m[2]), q)
    if m := re.fullmatch(r"tháng\s*(\d{1,2})\s*/\s*(\d{4})", t):
        with contextlib.suppress(ReportkitError, ValueError):
            return Period.month(int(m[2]), int(m[1]))
    if m := re.fullmatch(r"6 tháng (đầu|cuối) năm (\d{4})", t):
        return Period.half(int(m[2]), 1 if m[1] == "đầu" else 2)
    if m := re.fullmatch(r"9 tháng(?: đầu)? năm (\d{4})", t):
        return Period.nine_months(int(m[1]))
    if m := re.fullmatch(r"năm (\d{4})", t):
        return Period.year(int(m[1]))
    return None


def _context_from_name(path: Path) -> FormContext:
    """Unit code and period from a file named like the templates: ``15-lao-cai_2025-Q3``."""
    m = _FILE_NAME.fullmatch(path.stem)
    if not m:
        return FormContext()
    period = parse_period_text(m["period"])
    if period is None:
        return FormContext()
    return FormContext(m["code"], "file", period, "file")


# ------------------------------------------------------------------------------------------------
# CSV
def _decode(data: bytes, kind: str) -> tuple[bytes, str] | None:
    """UTF-8 bytes (NFC, no BOM) and the encoding found, or None if undecodable."""
    if kind == "utf16":
        enc = "utf-16"
        if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            enc = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            return None
        return unicodedata.normalize("NFC", text.lstrip("\ufeff")).encode("utf-8"), enc
    enc = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, enc = data[3:], "utf-8-sig"
    if not data.isascii():
        # The prefix tells UTF-8 from Windows-1258; Arrow checks the rest of a UTF-8 file.
        try:
            data[:65536].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < 65536 - 4:
                try:
                    text = data.decode("cp1258")
                except UnicodeDecodeError:
                    return None
                return unicodedata.normalize("NFC", text).encode("utf-8"), "windows-1258"
        # Combining marks (U+0300-U+036F, bytes CC/CD): NFD text, or tone marks typed apart.
        if b"\xcc" in data or b"\xcd" in data:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                return None
            if not unicodedata.is_normalized("NFC", text):
                data = unicodedata.normalize("NFC", text).encode("utf-8")
                enc += " (NFD)"
    return data, enc


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _head_records(text: str, delim: str, n: int, complete: bool
                  ) -> list[tuple[int, int, int, list[str]]]:
    """The first ``n`` records of ``text``: (first line, last line, end offset, cells).
    ``complete`` says whether ``text`` is the whole file (else its last line may be cut)."""
    lines = list(io.StringIO(text, newline=""))
    if not complete and lines:
        lines = lines[:-1]
    pos = 0

    def feed() -> Iterator[str]:
        nonlocal pos
        for line in lines:
            pos += len(line)
            yield line

    out: list[tuple[int, int, int, list[str]]] = []
    reader = csv.reader(feed(), delimiter=delim)
    last = 0
    try:
        for rec in reader:
            out.append((last + 1, reader.line_num, pos, rec))
            last = reader.line_num
            if len(out) >= n:
                break
    except csv.Error:
        pass
    return out


class _CsvReader(_Reader):
    def read(self, data: bytes) -> _Read:
        kind = sniff(data)
        if kind not in ("text", "utf16"):
            self.problem({"zip": "csv_is_zip"}.get(kind, kind))
            return self.out
        decoded = _decode(data, kind)
        if decoded is None:
            self.problem("encoding")
            return self.out
        buf, self.out.encoding = decoded
        if buf.count(b"\n") > self.limits.max_rows + 1:
            self.problem("too_many_rows", limit=self.limits.max_rows)
            return self.out
        prefix = buf[:65536].decode("utf-8", errors="ignore")
        delim = _delimiter(prefix.split("\n", 1)[0])
        head = _head_records(prefix, delim, self.limits.header_rows, len(buf) <= 65536)
        best, at = None, -1
        for k, rec in enumerate(head):
            hm = match_header(tuple(rec[3]))
            if hm and (best is None or hm.score > best.score):
                best, at = hm, k
                if _convincing(hm, rec[3]):
                    break
        if best is None:
            self.problem("no_header", examples=_examples(self.lang))
            return self.out
        header_cells = head[at][3]
        if len(header_cells) > self.limits.max_columns:
            self.problem("too_many_cols", n=len(header_cells), limit=self.limits.max_columns)
            return self.out
        ctx = self.context_from([(rec[0], rec[3]) for rec in head[:at]], None)
        last = at
        if at + 1 < len(head) and _is_label_line(head[at + 1][3], best):
            last = at + 1
        offset = len(prefix[:head[last][2]].encode("utf-8"))
        cols, rows = self._parse(buf, offset, delim, len(header_cells), head[last][1] + 1,
                                 best.table)
        if cols is not None:
            self._finish(best, header_cells, cols, rows, head[at][0], ctx)
        return self.out

    def _parse(self, buf: bytes, offset: int, delim: str, width: int, first_line: int,
               tname: str) -> tuple[list[pa.Array] | None, np.ndarray]:
        """Cells as string arrays: by Arrow's parser when the file is regular (one record per
        line), else by Python's csv module, which knows each record's line number."""
        end = len(buf)
        while end > offset and buf[end - 1] in b"\r\n":
            end -= 1
        body = memoryview(buf)[offset:end]
        if not len(body):
            return [pa.array([], type=pa.string()) for _ in range(width)], np.array(
                [], dtype=np.int64)
        names = [f"c{i}" for i in range(width)]
        bad: list[int] = []

        def handler(row: Any) -> str:
            bad.append(row.actual_columns)
            return "skip"

        try:
            tbl = pacsv.read_csv(
                pa.py_buffer(body),
                read_options=pacsv.ReadOptions(column_names=names, use_threads=len(body) > 2**24,
                                               block_size=1 << 24),
                parse_options=pacsv.ParseOptions(delimiter=delim, invalid_row_handler=handler),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in names}, strings_can_be_null=False,
                    quoted_strings_can_be_null=False))
            if not bad and tbl.num_rows == buf.count(b"\n", offset, end) + 1:
                rows = np.arange(first_line, first_line + tbl.num_rows, dtype=np.int64)
                return [tbl.column(i).combine_chunks() for i in range(width)], rows
        except pa.ArrowInvalid as exc:
            if "utf8" in str(exc).lower():
                self.problem("encoding")
                return None, np.array([], dtype=np.int64)
        return self._parse_slow(bytes(body), delim, width, first_line, tname)

    def _parse_slow(self, body: bytes, delim: str, width: int, first_line: int,
                    tname: str) -> tuple[list[pa.Array] | None, np.ndarray]:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            self.problem("encoding")
            return None, np.array([], dtype=np.int64)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
        cols: list[list[str]] = [[] for _ in range(width)]
        rows: list[int] = []
        last = first_line - 1
        try:
            for rec in reader:
                start, last = last + 1, first_line - 1 + reader.line_num
                if not rec or not any(c.strip() for c in rec):
                    continue
                if len(rec) < width or any(c.strip() for c in rec[width:]):
                    self.problem("ragged", row=start, table_name=tname, rule="row shape",
                                 n=len(rec), m=width)
                    continue
                for i in range(width):
                    cols[i].append(rec[i])
                rows.append(start)
        except csv.Error as exc:
            self.problem("read_error", row=last + 1, error=str(exc)[:120])
            return None, np.array([], dtype=np.int64)
        return [pa.array(c, type=pa.string()) for c in cols], np.array(rows, dtype=np.int64)

    def _finish(self, hm: HeaderMatch, header: list[str], cols: list[pa.Array],
                rows: np.ndarray, header_line: int, ctx: FormContext) -> None:
        tbl = table(hm.table)

        def has_data(i: int) -> bool:
            col = pc.utf8_trim_whitespace(cols[i])
            return bool(pc.any(pc.not_equal(col, "")).as_py() or False)

        for i in range(len(cols)):
            if not header[i].strip() and has_data(i):
                self.problem("unnamed_col", row=header_line, column=_column_letter(i),
                             table_name=tbl.name, rule="known column", letter=_column_letter(i))
        missing = self.header_problems(hm, has_data, header_line, None, ctx)
        columns = {name: cols[i] for i, name in hm.fields.items()}
        self.out.parts.append(RawPart(tbl.name, columns, rows, None, missing, context=ctx))


def _examples(lang: str) -> str:
    a = TABLES["activity"]
    p = TABLES["petitions"]
    names = [a.field("month"), a.field("docs_sent"), p.field("petition_id")]
    return ", ".join(f"{f.label(lang)!r} ({f.name})" for f in names)


# ------------------------------------------------------------------------------------------------
# XLSX
def _check_zip(data: bytes, r: _Reader) -> bool:
    """Refuse ZIP bombs and XML bombs before openpyxl touches the file."""
    lim = r.limits
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        r.problem("bad_zip")
        return False
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
        r.problem("zip_not_excel")
        return False
    if len(infos) > lim.max_zip_members:
        r.problem("zip_members", n=len(infos), limit=lim.max_zip_members)
        return False
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 2**20:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > lim.max_zip_ratio:
                r.problem("zip_ratio", name=info.filename, ratio=ratio, limit=lim.max_zip_ratio)
                return False
    if total > lim.max_xlsx_uncompressed:
        r.problem("zip_size", size=_size_text(total), limit=_size_text(lim.max_xlsx_uncompressed))
        return False
    for info in infos:
        if info.filename.endswith((".xml", ".rels", ".vml")):
            try:
                with zf.open(info) as fh:
                    prolog = fh.read(4096)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                r.problem("bad_zip")
                return False
            if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
                r.problem("xml_dtd", name=info.filename)
                return False
    return True


def _cell_text(value: Any) -> str:
    """A cell value as the text the CSV reader would see (numbers never look grouped)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = repr(value)
        # "1.234" would read as 1234 in Vietnamese style: keep it visibly a decimal.
        return text + "0" if re.fullmatch(r"-?\d{1,3}\.\d{3}", text) else text
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _XlsxReader(_Reader):
    def read(self, data: bytes) -> _Read:
        kind = sniff(data)
        if kind != "zip":
            key = {"text": "xlsx_is_text", "utf16": "xlsx_is_text", "empty": "empty"}.get(kind,
                                                                                         kind)
            self.problem(key)
            return self.out
        if not _check_zip(data, self):
            return self.out
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # damaged parts, defusedxml refusals, bad XML
            self._read_failed(exc)
            return self.out
        try:
            self._read_sheets(wb)
        except Exception as exc:
            self._read_failed(exc)
        finally:
            wb.close()
        return self.out

    def _read_failed(self, exc: BaseException) -> None:
        """Word a failure of openpyxl; defusedxml's refusals (possibly wrapped) as XML bombs."""
        chain: list[BaseException] = []
        e: BaseException | None = exc
        while e is not None and len(chain) < 10:
            chain.append(e)
            e = e.__cause__ or e.__context__
        for e in chain:
            if type(e).__module__.startswith("defusedxml"):
                self.problem("xml_dtd", name=getattr(e, "sysid", None) or "?")
                return
        first = str(exc).splitlines()[0] if str(exc) else ""
        self.problem("read_error", error=f"{type(exc).__name__}: {first[:120]}")

    def _read_sheets(self, wb: Any) -> None:
        """Every visible sheet whose header names a table's fields is a data part; hidden
        sheets are not read (a hidden data sheet is reported), other sheets are ignored."""
        hidden: list[str] = []
        self.out.sheets = list(wb.sheetnames)
        self._cells_read = 0
        before = len(self.out.problems)
        for ws in wb.worksheets:
            visible = getattr(ws, "sheet_state", "visible") == "visible"
            if self._read_sheet(wb, ws, only_probe=not visible) and not visible:
                hidden.append(ws.title)
        if not self.out.parts and len(self.out.problems) == before:
            if hidden:
                self.problem("hidden_only", name=hidden[0])
            else:
                self.problem("no_data_sheet", sheets=", ".join(repr(s) for s in wb.sheetnames))

    def _read_sheet(self, wb: Any, ws: Any, only_probe: bool) -> bool:
        """Read one sheet; True if its header matched a table."""
        from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

        class Parser(WorkSheetParser):  # type: ignore[misc]
            def parse_cell(self, element: Any) -> dict[str, Any]:
                cell = super().parse_cell(element)
                if element.find(FORMULA_TAG) is not None:
                    cell["formula"] = True
                return cell

        sheet = ws.title
        lim = self.limits
        # openpyxl's own streaming parser (3.1), fed as its read-only worksheet feeds it, so the
        # formula flag and the merged ranges come out of the same single pass.
        src = wb._archive.open(ws._worksheet_path)
        parser = Parser(src, wb.shared_strings, data_only=True, epoch=wb.epoch,
                        date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        head: list[tuple[int, list[str]]] = []
        formulas: set[tuple[int, int]] = set()
        hm: HeaderMatch | None = None
        ctx = self.out.context
        cols: dict[int, list[str]] = {}
        rows: list[int] = []
        header_row = start_row = 0
        unknown_data: set[int] = set()
        wide_reported = False
        try:
            for idx, cells in parser.parse():
                row: dict[int, str] = {}
                for c in cells:
                    col = c["column"]
                    if col > lim.max_columns:
                        if c["value"] is not None and not wide_reported and hm is not None:
                            self.problem("too_many_cols", row=idx, sheet=sheet, n=col,
                                         limit=lim.max_columns)
                            wide_reported = True
                        continue
                    if c["value"] is None and c.get("formula"):
                        formulas.add((idx, col - 1))
                    text = _cell_text(c["value"])
                    if text:
                        row[col - 1] = text
                self._cells_read += len(cells)
                if self._cells_read > lim.max_xlsx_cells:
                    self.problem("too_many_cells", sheet=sheet, limit=lim.max_xlsx_cells)
                    return True
                if hm is None:
                    if idx > lim.header_rows:
                        return False
                    width = max(row, default=-1) + 1
                    as_list = [row.get(i, "") for i in range(width)]
                    head.append((idx, as_list))
                    cand = match_header(tuple(as_list))
                    if cand is not None:
                        hm, header_row, start_row = cand, idx, idx + 1
                        if only_probe:
                            return True
                        ctx = self.context_from(head[:-1], sheet)
                        cols = {i: [] for i in cand.fields}
                    continue
                if idx == start_row:
                    width = max(row, default=-1) + 1
                    if _is_label_line([row.get(i, "") for i in range(width)], hm):
                        continue
                if not row:
                    continue
                first = row[min(row)]
                if normalize_header(first) in _TOTAL_ROWS:
                    continue
                if len(rows) >= lim.max_rows:
                    self.problem("too_many_rows", sheet=sheet, limit=lim.max_rows)
                    return True
                for i, values in cols.items():
                    values.append(row.get(i, ""))
                for i in row:
                    if i not in cols:
                        unknown_data.add(i)
                rows.append(idx)
        finally:
            src.close()
        if hm is None:
            return False
        tbl = table(hm.table)
        row_pos = {r: k for k, r in enumerate(rows)}
        # Merged cells: a value merged down one column fills it; across columns is a problem.
        for rng in getattr(parser.merged_cells, "mergeCell", []) or []:
            from openpyxl.worksheet.cell_range import CellRange

            cr = CellRange(rng.ref)
            if cr.max_row <= header_row:
                continue
            if cr.min_col != cr.max_col:
                touched = [i for i in range(cr.min_col - 1, cr.max_col) if i in cols]
                if len(touched) > 1:
                    self.problem("merged", row=cr.min_row, sheet=sheet, table_name=tbl.name,
                                 column=hm.fields[touched[0]], rule="merged cells", ref=rng.ref)
                continue
            i = cr.min_col - 1
            if i not in cols or cr.min_row not in row_pos:
                continue
            top = cols[i][row_pos[cr.min_row]]
            for r in range(cr.min_row + 1, cr.max_row + 1):
                if r in row_pos and not cols[i][row_pos[r]]:
                    cols[i][row_pos[r]] = top
        reported: dict[int, set[str]] = {}
        for r, i in sorted(formulas):
            if r > header_row and i in hm.fields:
                self.problem("formula", row=r, sheet=sheet, column=hm.fields[i],
                             table_name=tbl.name, rule="formula value")
                if r in row_pos:
                    reported.setdefault(row_pos[r], set()).add(hm.fields[i])
        for i in sorted(unknown_data):
            if i not in hm.unknown and normalize_header(head[-1][1][i] if i < len(head[-1][1])
                                                        else "") not in _IGNORED_HEADERS:
                self.problem("unnamed_col", row=header_row, sheet=sheet,
                             column=_column_letter(i), table_name=tbl.name,
                             rule="known column", letter=_column_letter(i))
        missing = self.header_problems(hm, lambda i: i in unknown_data, header_row, sheet, ctx)
        columns = {hm.fields[i]: pa.array(v, type=pa.string()) for i, v in cols.items()}
        self.out.parts.append(RawPart(tbl.name, columns, np.array(rows, dtype=np.int64), sheet,
                                      missing, reported, ctx))
        return True


def read_file(path: Path, data: bytes | None = None, *, lang: str = "en",
              limits: Limits = DEFAULT_LIMITS) -> _Read:
    """Read one submission's raw text cells (no typing): parts, problems and its context."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        r = _Reader(path, lang, limits)
        r.problem("unsupported", suffix=suffix or path.name)
        return r.out
    if data is None:
        data = path.read_bytes()
    reader: _Reader = _CsvReader(path, lang, limits) if suffix == ".csv" else _XlsxReader(
        path, lang, limits)
    reader.out.context = _context_from_name(path)
    try:
        out = reader.read(data)  # type: ignore[attr-defined]
    except MemoryError:
        reader.problem("read_error", error="out of memory")
        out = reader.out
    return out


def read_raw(path: Path) -> pd.DataFrame:
    """The text cells of a submission's first data part, columns named by field."""
    out = read_file(Path(path))
    if not out.parts:
        raise ValueError("; ".join(p.message for p in out.problems) or "no data")
    part = out.parts[0]
    return pd.DataFrame({k: v.to_pylist() for k, v in part.columns.items()})


# ------------------------------------------------------------------------------------------------
# Coercion (vectorised, all files of a table at once)
def _dates(text: pd.Series, month: bool) -> pd.Series:
    """Parse ISO or Vietnamese-style dates (and months); unparseable → NaT."""
    out = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    rest = text.notna() & out.isna()
    if rest.any():
        t = text[rest]
        if month:
            t = t.str.replace(r"^(?i:tháng|thang|t)\s*", "", regex=True)
            t = t.str.replace(r"^(\d{4})[-/.](\d{1,2})$", r"\1-\2-01", regex=True)
            t = t.str.replace(r"^(\d{1,2})[-/.](\d{4})$", r"\2-\1-01", regex=True)
        t = t.str.replace(r"^(\d{4}-\d{1,2}-\d{1,2})[T ].*$", r"\1", regex=True)
        t = t.str.replace(r"^(\d{1,2})[-.](\d{1,2})[-.](\d{4})$", r"\1/\2/\3", regex=True)
        t = t.str.replace(r"^(\d{4})/(\d{1,2})/(\d{1,2})$", r"\1-\2-\3", regex=True)
        v = pd.to_datetime(t, format="%Y-%m-%d", errors="coerce")
        v = v.fillna(pd.to_datetime(t, format="%d/%m/%Y", errors="coerce"))
        out[rest] = v
    if month:
        arr = out.to_numpy(dtype="datetime64[ns]")
        out = pd.Series(arr.astype("datetime64[M]").astype("datetime64[ns]"), index=out.index)
    return out


def _counts(text: pd.Series) -> pd.Series:
    """Whole numbers written any common way: 1234, 1.234 (Vietnamese), 1,234, 1 234."""
    num = pd.to_numeric(text, errors="coerce")
    odd = text.notna() & (num.isna() | text.str.contains(r"[.,\s]", regex=True).fillna(False))
    if odd.any():
        s = text[odd].str.replace(r"[\s\u00a0]+", "", regex=True)
        vn = s.str.fullmatch(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?").fillna(False)
        en = s.str.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?").fillna(False)
        dec = s.str.fullmatch(r"-?\d+,\d+").fillna(False) & ~en
        s = s.where(~vn, s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
        s = s.where(~en, s.str.replace(",", "", regex=False))
        s = s.where(~dec, s.str.replace(",", ".", regex=False))
        num[odd] = pd.to_numeric(s, errors="coerce")
    return num


def coerce(raw: pd.DataFrame, tbl: Table, *, lang: str = "en") -> tuple[pd.DataFrame,
                                                                          list[Finding]]:
    """Turn stripped text cells (missing = NA) into typed columns.

    Returns the typed frame (same index; every field present) and a :class:`Finding` per
    column and kind of unreadable cell.
    """
    findings: list[Finding] = []
    out: dict[str, Any] = {}
    for f in tbl.fields:
        text = raw[f.name] if f.name in raw.columns else pd.Series(pd.NA, index=raw.index,
                                                                    dtype="str")
        marker = text.isin(_MISSING_CASES).to_numpy(dtype=bool)
        if marker.any():
            text = text.mask(marker)
        present = text.notna().to_numpy(dtype=bool)

        def bad(mask: np.ndarray, key: str, name: str = f.name, text: pd.Series = text) -> None:
            pos = np.flatnonzero(mask)
            if len(pos):
                err = text.iloc[pos].str.lower().isin(_EXCEL_ERRORS).to_numpy(dtype=bool)
                if err.any():
                    findings.append(Finding("type", name, _t("excel_error", lang), pos[err]))
                    pos = pos[~err]
                if len(pos):
                    findings.append(Finding("type", name, _t(key, lang), pos))

        if f.type == COUNT:
            num = _counts(text)
            bad(present & num.isna().to_numpy(dtype=bool), "not_number")
            out[f.name] = num
        elif f.type in (DATE, MONTH):
            val = _dates(text, f.type == MONTH)
            bad(present & val.isna().to_numpy(dtype=bool),
                "not_month" if f.type == MONTH else "not_date")
            out[f.name] = val
        elif f.type == BOOL:
            yes = text.isin(_TRUE_CASES).to_numpy(dtype=bool, copy=True)
            no = text.isin(_FALSE_CASES).to_numpy(dtype=bool, copy=True)
            other = present & ~yes & ~no
            if other.any():  # odd capitalisation ("KhÔng")
                low = text[other].str.lower()
                yes[other] = low.isin(_TRUE).to_numpy(dtype=bool)
                no[other] = low.isin(_FALSE).to_numpy(dtype=bool)
            val = pd.array(np.where(yes, True, False), dtype="boolean")
            val[~yes & ~no] = pd.NA
            bad(present & ~yes & ~no, "not_bool")
            out[f.name] = pd.Series(val, index=raw.index)
        elif f.type == CODE:
            out[f.name] = text.where(~text.str.fullmatch(r"\d").fillna(False), "0" + text)
        elif f.type == CATEGORY:
            known = text.isin(f.categories).to_numpy(dtype=bool)
            val = text.copy()
            other = present & ~known
            if other.any():
                labels = {normalize_header(lab): key
                          for key, pair in CATEGORY_LABELS.get(f.name, {}).items()
                          for lab in (*pair, key)}
                pos = np.flatnonzero(other)
                uniq, inv = np.unique(text.iloc[pos].to_numpy(dtype=object), return_inverse=True)
                mapped = np.array([labels.get(normalize_header(v), v) for v in uniq],
                                  dtype=object)
                val.iloc[pos] = mapped[inv.reshape(-1)]
            out[f.name] = val
        else:  # TEXT, ID
            out[f.name] = text
    return pd.DataFrame(out, index=raw.index), findings


# ------------------------------------------------------------------------------------------------
# Units
def _not_in_force(codes: pd.Series, when: pd.Series) -> np.ndarray:
    """Rows whose two-digit code names no unit in force at the row's date (the warehouse's
    partition keys, plus the rule that the 63-unit list starts on 1 August 2008)."""
    f, uniq = pd.factorize(codes)
    era = _era(when)
    old = {u.code for u in U.units_at(U.OLD_VALID_TO)}
    new = {u.code for u in U.units_at(U.MERGER_DATE)}
    ok_old = np.array([c in old for c in uniq] + [False])
    ok_new = np.array([c in new for c in uniq] + [False])
    valid = np.where(era == 2, ok_new[f], np.where(era == 1, ok_old[f], False))
    checkable = (f >= 0) & when.notna().to_numpy(dtype=bool) & codes.str.fullmatch(
        r"\d{2}").fillna(False).to_numpy(dtype=bool)
    return checkable & ~valid


def _era(dates: pd.Series) -> np.ndarray:
    d = dates.to_numpy(dtype="datetime64[ns]")
    return (d >= _ERA_BOUNDS[0]).astype(np.int8) + (d >= _ERA_BOUNDS[1]).astype(np.int8)


def _unit_error_text(exc: Exception, lang: str, text: str = "") -> str:
    """A unit error in the language asked for ("X was merged into Y on 1 July 2025")."""
    if lang != "vi":
        return str(exc)
    fields = getattr(exc, "fields", {})
    if isinstance(exc, UnitNotInForceError) and "successor" in fields:
        when = date.fromisoformat(fields["date"])
        return _t("merged_into", "vi", unit=fields.get("unit"), successor=fields["successor"],
                  when=f"{when:%d/%m/%Y}")
    if isinstance(exc, UnitNotInForceError):
        when = date.fromisoformat(fields.get("at", U.MERGER_DATE.isoformat()))
        return _t("unit_gone", "vi", unit=fields.get("unit"), when=f"{when:%d/%m/%Y}")
    msg = _t("no_unit", "vi", text=text or fields.get("unit") or fields.get("code"))
    if fields.get("suggestions"):
        msg += "; có phải: " + ", ".join(fields["suggestions"]) + "?"
    return msg


def _resolve_many(texts: pd.Series, dates: pd.Series, lang: str
                  ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Resolve unit texts (names or codes) at each row's date, once per distinct text and era.

    Returns the code (NA where unresolved), the unit name, and the error message (NA if ok).
    """
    n = len(texts)
    codes, uniques = pd.factorize(texts)
    ok = (codes >= 0) & dates.notna().to_numpy(dtype=bool)
    key = np.where(ok, codes.astype(np.int64) * 3 + _era(dates), -1)
    keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    found: list[tuple[Any, Any, Any]] = []
    when = dates.to_numpy(dtype="datetime64[ns]")
    for k, pos in zip(keys, first, strict=True):
        if k < 0:
            found.append((None, None, None))
            continue
        text = uniques[k // 3]
        try:
            u = U.resolve(text, at=pd.Timestamp(when[pos]).date())
            found.append((u.code, u.name, None))
        except ReportkitError as exc:
            found.append((None, None, _unit_error_text(exc, lang, text)))
    cols = [np.array([f[i] for f in found], dtype=object)[inverse.reshape(-1)]
            for i in range(3)]
    return tuple(pd.Series(c if n else [], index=texts.index, dtype="str")  # type: ignore
                 for c in cols)


# ------------------------------------------------------------------------------------------------
# The batch: every file of one call, validated table by table
@dataclass
class _Item:
    result: FileResult
    read: _Read


class _Batch:
    """The files of one call. Reading happened per file; everything else runs once per table
    over the concatenation of all its files."""

    def __init__(self, lang: str, today: date, limits: Limits, wh: Warehouse | None) -> None:
        self.lang, self.today, self.limits, self.wh = lang, today, limits, wh
        self.items: list[_Item] = []
        self.typed: dict[str, pd.DataFrame] = {}
        self.parts: list[RawPart] = []

    def add(self, res: FileResult, read: _Read) -> None:
        self.items.append(_Item(res, read))

    # -- concatenation -------------------------------------------------------------------------
    def _concat(self, tbl: Table) -> pd.DataFrame | None:
        """One frame of stripped text cells (blank = NA) with ``_file``, ``_part``, ``_row``
        and ``_index`` (the row's index within its part); rows with no value are dropped."""
        tables = []
        for fi, item in enumerate(self.items):
            for part in item.read.parts:
                if part.table != tbl.name or part.n == 0:
                    continue
                pi = len(self.parts)
                self.parts.append(part)
                cols = {f: part.columns.get(f, pa.nulls(part.n, pa.string()))
                        for f in tbl.columns}
                cols["_index"] = pa.array(np.arange(part.n, dtype=np.int32))
                cols["_file"] = pa.array(np.full(part.n, fi, dtype=np.int32))
                cols["_part"] = pa.array(np.full(part.n, pi, dtype=np.int32))
                cols["_row"] = pa.array(part.rows)
                tables.append(pa.table(cols))
                part.columns = {}  # the concatenation holds the cells from here on
        if not tables:
            return None
        big = pa.concat_tables(tables)
        del tables
        arrays = {}
        for name in big.column_names:
            col = big.column(name)
            if pa.types.is_string(col.type):
                col = pc.utf8_trim_whitespace(col)
                col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
            arrays[name] = col
        del big
        df = pa.table(arrays).to_pandas()
        del arrays
        blank = np.logical_and.reduce([df[c].isna().to_numpy(dtype=bool) for c in tbl.columns])
        if blank.any():
            df = df[~blank].reset_index(drop=True)
        return df

    # -- validation ----------------------------------------------------------------------------
    def validate(self) -> None:
        """Check every table, then decide each file: loaded if it has no problem at all."""
        for item in self.items:
            res = item.result
            res.problems.extend(item.read.problems)
            res.encoding = item.read.encoding
            res.sheets = item.read.sheets
            names = sorted({p.table for p in item.read.parts})
            res.table = ",".join(names) if names else res.table
        per_file: dict[int, list[tuple[Any, ...]]] = {}
        counts = np.zeros(len(self.items), dtype=np.int64)
        for tbl in TABLES.values():
            raw = self._concat(tbl)
            if raw is None:
                continue
            typed, findings = self._check_table(raw, tbl)
            self.typed[tbl.name] = typed
            self._map(findings, raw, tbl, per_file)
            counts += np.bincount(typed["_file"].to_numpy(), minlength=len(self.items))
            self._describe(typed, tbl)
        for fi, item in enumerate(self.items):
            res = item.result
            res.problems.extend(self._problems(per_file.get(fi, []), res))
            res.rows = int(counts[fi])
            if not res.problems and (not item.read.parts or (
                    res.rows == 0 and "activity" in (res.table or ""))):
                res.problems.append(Problem(res.table or "?", "file", _t("no_rows", self.lang),
                                            file=str(res.path)))
            res.status = "rejected" if res.problems else "loaded"

    def _describe(self, typed: pd.DataFrame, tbl: Table) -> None:
        """Each file's units and date range (for the ledger), one grouping for all files."""
        when = TIME_COLUMN[tbl.name]
        span = typed.groupby("_file")[when].agg(["min", "max"])
        units = typed[["_file", "unit_code"]].dropna().drop_duplicates()
        by_file = units.groupby("_file")["unit_code"].agg(list)
        for fi, lo, hi in zip(span.index, span["min"], span["max"], strict=True):
            res = self.items[int(fi)].result
            if pd.notna(lo):
                res.first = min(filter(None, [res.first, lo.date()]))
                res.last = max(filter(None, [res.last, hi.date()]))
        for fi, codes in by_file.items():
            res = self.items[int(fi)].result
            res.units = sorted(set(res.units) | set(codes))

    def _check_table(self, raw: pd.DataFrame, tbl: Table) -> tuple[pd.DataFrame, list[Finding]]:
        lang = self.lang
        typed, findings = coerce(raw, tbl, lang=lang)
        typed["_file"] = raw["_file"].to_numpy()
        typed["_row"] = raw["_row"].to_numpy()
        n = len(typed)
        failed: dict[str, np.ndarray] = {}
        for f in findings:
            failed.setdefault(f.column or "", np.zeros(n, dtype=bool))[f.positions] = True
        # Cells the reader already reported (formulas without a saved value).
        parts, index = raw["_part"].to_numpy(), raw["_index"].to_numpy()
        for pi in {int(p) for p in np.unique(parts) if self.parts[p].reported}:
            where = np.flatnonzero(parts == pi)
            for i, cols in self.parts[pi].reported.items():
                for pos in where[index[where] == i]:
                    for col in cols:
                        failed.setdefault(col, np.zeros(n, dtype=bool))[pos] = True
        # A sheet that lacks a required column gets one problem at its header, not one per row.
        for pi, part in enumerate(self.parts):
            if part.table == tbl.name:
                for col in part.missing:
                    failed.setdefault(col, np.zeros(n, dtype=bool))
                    failed[col] |= parts == pi
        findings += self._units(raw, typed, tbl, failed)
        rules = {r.name: r.columns for r in tbl.rules}
        for f in find_problems(typed, tbl, today=self.today, lang=lang, scope=("_file",),
                               skip_required=failed, stripped=True):
            if f.rule == "required" and f.column and tbl.field(f.column).type == COUNT:
                f = replace(f, message=_t("required_count", lang))
            if f.rule in rules:  # a cell that could not be read is not judged by a rule
                bad = np.zeros(len(f.positions), dtype=bool)
                for col in rules[f.rule]:
                    if col in failed:
                        bad |= failed[col][f.positions]
                if bad.all():
                    continue
                f = replace(f, positions=f.positions[~bad])
            findings.append(f)
        findings += self._periods(raw, typed, tbl)
        if tbl.name == "petitions":
            findings += self._petition_ids(typed)
        return typed, findings

    def _units(self, raw: pd.DataFrame, typed: pd.DataFrame, tbl: Table,
               failed: dict[str, np.ndarray]) -> list[Finding]:
        """Fill unit codes from names (a unit_name column or the form's unit), resolved at
        each row's date, and check every unit was in force then."""
        lang = self.lang
        out: list[Finding] = []
        when = typed[TIME_COLUMN[tbl.name]]
        code = typed["unit_code"].astype(object)  # NA-tolerant while codes are filled in
        reported = np.zeros(len(typed), dtype=bool)
        files = typed["_file"].to_numpy()

        def add(mask: np.ndarray, messages: pd.Series, column: str = "unit_code") -> None:
            pos = np.flatnonzero(mask)
            if not len(pos):
                return
            msgs = messages.iloc[pos].astype(str).to_numpy()
            for msg, group in pd.Series(pos).groupby(msgs, sort=False):
                out.append(Finding("unit", column, str(msg), group.to_numpy()))

        def differs(other: pd.Series) -> np.ndarray:
            a, b = code.astype("str"), other.astype("str")
            return (a.notna() & b.notna() & a.ne(b)).to_numpy(dtype=bool)

        # The form's own unit (cells above the header, or the file name).
        part_units = np.array([p.context.unit for p in self.parts], dtype=object)
        sources = np.array([p.context.unit_source for p in self.parts], dtype=object)
        ctx = pd.Series(part_units[raw["_part"].to_numpy()], index=typed.index, dtype="str")
        if ctx.notna().any():
            c_code, c_name, c_err = _resolve_many(ctx, when, lang)
            has_err = c_err.notna().to_numpy(dtype=bool)
            if has_err.any():  # said once per file, at its first row
                pos = np.flatnonzero(has_err)
                _, first = np.unique(files[pos], return_index=True)
                keep = np.zeros(len(typed), dtype=bool)
                keep[pos[first]] = True
                add(keep, c_err)
                reported |= has_err
            fill = code.isna().to_numpy(dtype=bool) & c_code.notna().to_numpy(dtype=bool)
            code[fill] = c_code[fill]
            bad = differs(c_code) & ~reported
            if bad.any():
                msgs = pd.Series("", index=code.index, dtype=object)
                for p in np.flatnonzero(bad):
                    msgs.iloc[p] = _t("form_unit", lang, code=code.iloc[p],
                                      unit=c_name.iloc[p], form_code=c_code.iloc[p],
                                      source=FormContext.where(
                                          sources[raw["_part"].iloc[p]], lang))
                add(bad, msgs)
                reported |= bad
        # A unit_name column.
        if "unit_name" in typed.columns and typed["unit_name"].notna().any():
            n_code, n_name, n_err = _resolve_many(typed["unit_name"], when, lang)
            has_err = n_err.notna().to_numpy(dtype=bool) & ~reported
            add(has_err, n_err, column="unit_name")
            reported |= has_err
            fill = code.isna().to_numpy(dtype=bool) & n_code.notna().to_numpy(dtype=bool)
            code[fill] = n_code[fill]
            bad = differs(n_code) & ~reported
            if bad.any():
                msgs = pd.Series("", index=code.index, dtype=object)
                for p in np.flatnonzero(bad):
                    msgs.iloc[p] = _t("unit_mismatch", lang, name=typed["unit_name"].iloc[p],
                                      other=n_name.iloc[p], other_code=n_code.iloc[p],
                                      when=f"{when.iloc[p]:%d/%m/%Y}", code=code.iloc[p])
                add(bad, msgs, column="unit_name")
                reported |= bad
        code = code.astype("str")
        typed["unit_code"] = code.where(~code.str.fullmatch(r"\d").fillna(False), "0" + code)
        # Codes not in force at the row's date ("... was merged into ... on 1 July 2025").
        gone = _not_in_force(typed["unit_code"], when) & ~reported
        if gone.any():
            _, _, g_err = _resolve_many(typed["unit_code"].where(gone), when, lang)
            add(gone, g_err)
            reported |= gone
        failed["unit_code"] = failed.get("unit_code", np.zeros(len(typed), dtype=bool)) | reported
        return out

    def _periods(self, raw: pd.DataFrame, typed: pd.DataFrame, tbl: Table) -> list[Finding]:
        """Rows dated outside their form's period (from a form cell or the file name).
        Activity months must lie in the period; petitions may start from the Decree 09
        cut-off (the 15th of the month before)."""
        n = len(self.parts)
        lo = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        hi = lo.copy()
        for pi, part in enumerate(self.parts):
            p = part.context.period
            if p is not None and part.table == tbl.name:
                a = p.first if tbl.name == "activity" else p.start_date("decree09")
                b = p.last if tbl.name == "activity" else p.end_date("calendar")
                lo[pi], hi[pi] = np.datetime64(a, "ns"), np.datetime64(b, "ns")
        parts = raw["_part"].to_numpy()
        when = typed[TIME_COLUMN[tbl.name]].to_numpy(dtype="datetime64[ns]")
        plo, phi = lo[parts], hi[parts]
        outside = ~np.isnat(plo) & ~np.isnat(when) & ((when < plo) | (when > phi))
        out: list[Finding] = []
        pos = np.flatnonzero(outside)
        if not len(pos):
            return out
        keys = pd.DataFrame({"part": parts[pos], "d": when[pos], "p": pos})
        for (pi, d), group in keys.groupby(["part", "d"], sort=True):
            p = self.parts[int(pi)].context.period
            assert p is not None
            ts = pd.Timestamp(d)
            shown = f"{ts:%m/%Y}" if tbl.name == "activity" else f"{ts:%d/%m/%Y}"
            out.append(Finding("period", TIME_COLUMN[tbl.name], _t(
                "outside_period", self.lang, when=shown, period=str(p),
                label=p.label(self.lang), source=FormContext.where(
                    self.parts[int(pi)].context.period_source, self.lang)),
                group["p"].to_numpy()))
        return out

    def _petition_ids(self, typed: pd.DataFrame) -> list[Finding]:
        """Petition ids used by two units: within this call, or against the warehouse."""
        out: list[Finding] = []
        pid, pids = pd.factorize(typed["petition_id"])
        unit, _ = pd.factorize(typed["unit_code"])
        ok = (pid >= 0) & (unit >= 0)
        pairs = np.unique(pid[ok].astype(np.int64) * (unit.max() + 2) + unit[ok])
        per_id = np.bincount(pairs // (unit.max() + 2), minlength=len(pids))
        clash = ok & (per_id[np.where(pid >= 0, pid, 0)] > 1)
        if clash.any():
            hit = typed.loc[clash, ["petition_id", "unit_code", "_file"]]
            units_of = hit.groupby("petition_id")["unit_code"].agg(lambda s: sorted(set(s)))
            files_of = hit.groupby("petition_id")["_file"].agg(lambda s: sorted(set(s)))
            msgs = {}
            for pos, p_id, code in zip(np.flatnonzero(clash), hit["petition_id"],
                                       hit["unit_code"], strict=True):
                others = ", ".join(u for u in units_of[p_id] if u != code)
                where = ", ".join(self.items[f].result.path.name for f in files_of[p_id])
                msgs[pos] = _t("dup_id_call", self.lang, others=f"{others}: {where}")
            s = pd.Series(msgs)
            for msg, group in pd.Series(s.index).groupby(s.to_numpy(), sort=False):
                out.append(Finding("unique petition id", "petition_id", str(msg),
                                   group.to_numpy()))
        ids = typed.loc[ok, ["petition_id", "unit_code"]]
        if self.wh is not None and self.wh.partitions("petitions"):
            have = self.wh.read("petitions", list(self.wh.partitions("petitions")),
                                columns=["petition_id", "unit_code"])
            m = ids.reset_index().merge(have, on="petition_id", suffixes=("", "_wh"))
            m = m[m["unit_code"] != m["unit_code_wh"]]
            for other, group in m.groupby("unit_code_wh"):
                out.append(Finding("unique petition id", "petition_id",
                                   _t("dup_id_wh", self.lang, others=other),
                                   group["index"].unique()))
        return out

    # -- mapping problems back to files --------------------------------------------------------
    def _map(self, findings: list[Finding], raw: pd.DataFrame, tbl: Table,
             per_file: dict[int, list[tuple[Any, ...]]]) -> None:
        """Findings (positions in the concatenation) → per-file entries, at most
        ``limits.max_problems`` per file and finding (the rest are counted)."""
        files = raw["_file"].to_numpy()
        rows = raw["_row"].to_numpy()
        parts = raw["_part"].to_numpy()
        cap = self.limits.max_problems
        second = {r.name: r.columns[1] for r in tbl.rules}
        for f in findings:
            pos = np.unique(np.asarray(f.positions, dtype=np.int64))
            if not len(pos):
                continue
            fid = files[pos]
            starts = np.r_[0, np.flatnonzero(np.diff(fid)) + 1]
            sizes = np.diff(np.r_[starts, len(pos)])
            if (sizes > cap).any():
                rank = np.arange(len(pos)) - np.repeat(starts, sizes)
                for s, size in zip(starts, sizes, strict=True):
                    if size > cap:
                        per_file.setdefault(int(fid[s]), []).append(
                            ("more", tbl.name, f.rule, f.column, int(size - cap)))
                pos = pos[rank < cap]
            pii = f.column in tbl.pii_columns
            shown = ((f.show_value or f.rule == "required") and not pii
                     and f.column in raw.columns)
            values = raw[f.column].to_numpy()[pos] if shown else [None] * len(pos)
            other = second.get(f.rule)
            others = raw[other].to_numpy()[pos] if other else None
            for k, (p, v) in enumerate(zip(pos, values, strict=True)):
                msg = f.message
                if others is not None:
                    msg = f"{msg} ({other} = {_shown(others[k])})"
                per_file.setdefault(int(files[p]), []).append(
                    ("row", tbl.name, f.rule, f.column, msg, int(rows[p]),
                     self.parts[parts[p]].sheet, _clean_value(v)))

    def _problems(self, entries: list[tuple[Any, ...]], res: FileResult) -> list[Problem]:
        file = str(res.path)
        order = {(t, c): i for t, tb in TABLES.items() for i, c in enumerate(tb.columns)}
        rows = sorted((e for e in entries if e[0] == "row"),
                      key=lambda e: (e[5], order.get((e[1], e[3]), 999), e[3] or ""))
        # Many empty required cells in one row: one problem for the row.
        required: dict[int, list[str]] = {}
        for e in rows:
            if e[2] == "required" and e[7] is None:
                required.setdefault(e[5], []).append(e[3])
        collapse = {r for r, cols in required.items() if len(cols) >= 5}
        out: list[Problem] = []
        for _, tname, rule, column, message, row, sheet, value in rows:
            if rule == "required" and row in collapse and value is None:
                cols = required[row]
                if column == cols[0]:
                    shown = ", ".join(cols[:4]) + (", …" if len(cols) > 4 else "")
                    out.append(Problem(tname, "required", _t("row_empty", self.lang,
                                                             n=len(cols), columns=shown),
                                       row=row, file=file, sheet=sheet))
                continue
            out.append(Problem(tname, rule, message, row=row, column=column, value=value,
                               file=file, sheet=sheet))
        more = sum(e[4] for e in entries if e[0] == "more")
        if len(out) > self.limits.max_problems:
            more += len(out) - self.limits.max_problems
            out = out[:self.limits.max_problems]
        if more:
            out.append(Problem(res.table or "?", "limit", _t("more", self.lang, n=more),
                               file=file))
        return out


def _clean_value(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    return v


def _shown(v: Any) -> str:
    v = _clean_value(v)
    return "—" if v is None else str(v)


# ------------------------------------------------------------------------------------------------
# Public entry points
def _validate(paths: Iterable[Path | str], *, wh: Warehouse | None, today: date | None,
              lang: str, limits: Limits) -> tuple[IngestReport, _Batch]:
    """Read and validate every file (nothing written)."""
    known = wh.loaded_shas() if wh is not None else set()
    report = IngestReport()
    batch = _Batch(lang, today or date.today(), limits, wh)
    seen: dict[str, Path] = {}
    for path in discover(paths):
        res, data = _open(path, limits, lang)
        report.files.append(res)
        if res.status == "rejected":
            continue
        if res.sha256 in known:
            res.status, res.note = "skipped", "already loaded (same bytes)"
            continue
        if res.sha256 in seen:
            res.status, res.note = "skipped", f"same bytes as {seen[res.sha256]}"
            continue
        seen[res.sha256] = path
        batch.add(res, read_file(path, data, lang=lang, limits=limits))
        del data
    batch.validate()
    for item in batch.items:
        if item.result.status == "rejected":
            log.info("rejected %s: %d problem(s)", item.result.path, len(item.result.problems))
    return report, batch


def check_file(path: Path | str, *, today: date | None = None, lang: str = "en",
               limits: Limits = DEFAULT_LIMITS) -> FileResult:
    """Read and validate one file without writing anything; ``frame`` holds its typed rows
    when it would be accepted."""
    report, batch = _validate([path], wh=None, today=today, lang=lang, limits=limits)
    res = report.files[0]
    if res.status == "loaded":
        frames = [df for df in batch.typed.values() if len(df)]
        if frames:
            res.frame = frames[0].drop(columns=["_file", "_row"]).reset_index(drop=True)
    return res


def ingest(paths: Iterable[Path | str], *, warehouse: Warehouse | None = None,
           dry_run: bool = False, today: date | None = None,
           quarantine: Path | str | None = None, archive: Path | str | None = None,
           lang: str = "en", limits: Limits = DEFAULT_LIMITS,
           user: str | None = None) -> IngestReport:
    """Validate every file, then load the accepted ones (one atomic write per table).

    Args:
        paths: files and folders (folders: every .csv/.xlsx below them).
        warehouse: the target (default: ``data/warehouse``).
        dry_run: validate and report only; write nothing (no warehouse, quarantine, archive or
            ledger change).
        today: dates after it are "in the future" (default: today).
        quarantine: where rejected files are copied with their reports (default
            ``data/quarantine``); the source file is left where it is.
        archive: where accepted originals are copied (default ``data/archive``).
        lang: "vi" or "en" messages.
        limits: size, row and column bounds (see :class:`Limits`).
        user: who is loading, for the ledger and the replacements log (default: login name).
    """
    import time

    t0 = time.perf_counter()
    wh = warehouse or Warehouse()
    report, batch = _validate(paths, wh=wh, today=today, lang=lang, limits=limits)
    if dry_run:
        report.seconds = time.perf_counter() - t0
        return report
    base = project_root() / "data"
    quarantine = Path(quarantine) if quarantine else base / "quarantine"
    archive = Path(archive) if archive else base / "archive"
    stamp = datetime.now().isoformat(timespec="seconds")
    who = user or _user()
    replacements = _write(batch, wh, stamp, who)
    _sample_folder.cache_clear()

    def keep(r: FileResult) -> None:
        if r.status == "rejected":
            r.quarantined = _quarantine(r, quarantine, stamp, limits)
        elif r.status == "loaded":
            r.archived = _archive(r, archive)

    with ThreadPoolExecutor(max_workers=4) as pool:  # file copies wait on the disk, not the CPU
        list(pool.map(keep, report.files))
    wh.append_ledger(_ledger_entry(r, stamp, who) for r in report.files if r.status != "skipped")
    if replacements:
        with (wh.root / REPLACEMENTS_FILE).open("a", encoding="utf-8") as fh:
            for e in replacements:
                fh.write(json.dumps(e, ensure_ascii=False, default=str) + "\n")
    report.seconds = time.perf_counter() - t0
    return report


def replacements(warehouse: Warehouse | None = None) -> list[dict[str, Any]]:
    """The replacements log: one entry per row a resubmission replaced (old → new)."""
    wh = warehouse or Warehouse()
    try:
        lines = (wh.root / REPLACEMENTS_FILE).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _open(path: Path, limits: Limits, lang: str) -> tuple[FileResult, bytes]:
    """A file's bytes (within the size limit) and their sha256."""
    res = FileResult(path, "", "pending")
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            res.size, res.sha256, res.status = size, sha256_of(path), "rejected"
            res.problems.append(Problem("?", "file size", _t(
                "too_big", lang, size=_size_text(size), limit=_size_text(limits.max_bytes)),
                file=str(path)))
            return res, b""
        data = path.read_bytes()
    except OSError as exc:
        res.status = "rejected"
        res.problems.append(Problem("?", "file", _t("read_error", lang,
                                                    error=exc.strerror or type(exc).__name__),
                                    file=str(path)))
        return res, b""
    res.size = len(data)
    res.sha256 = hashlib.sha256(data).hexdigest()
    return res, data


# ------------------------------------------------------------------------------------------------
# Writing
def _write(batch: _Batch, wh: Warehouse, stamp: str, who: str) -> list[dict[str, Any]]:
    """Upsert the accepted rows of each table; return the replacement-log entries.

    Rows whose key appears in several files of the call are written in file order (a later
    file replaces an earlier one), so every replacement is attributed to its file.
    """
    entries: list[dict[str, Any]] = []
    accepted = np.array([it.result.status == "loaded" for it in batch.items] + [False])
    ledger = wh.ledger()
    for tname, typed in batch.typed.items():
        tbl = table(tname)
        rows = typed[accepted[typed["_file"].to_numpy()]]
        if rows.empty:
            continue
        rows = _storage_types(rows, tbl)
        key = list(tbl.key)
        occ = rows.groupby(key, sort=False).cumcount().to_numpy()
        earlier: pd.DataFrame | None = None
        for gen in range(int(occ.max()) + 1):
            part = rows[occ == gen]
            result = wh.upsert(tname, part[tbl.columns])
            if result.replaced is not None and len(result.replaced):
                entries += _diff(result.replaced, part, tbl, batch.items, earlier, ledger,
                                 stamp, who)
            earlier = part if earlier is None else pd.concat([earlier, part])
    return entries


def _storage_types(rows: pd.DataFrame, tbl: Table) -> pd.DataFrame:
    rows = rows.copy()
    for f in tbl.fields:
        if f.type == COUNT:
            rows[f.name] = rows[f.name].astype("Int64")
    return rows


def _diff(old: pd.DataFrame, new: pd.DataFrame, tbl: Table, items: list[_Item],
          earlier: pd.DataFrame | None, ledger: list[dict[str, Any]], stamp: str,
          who: str) -> list[dict[str, Any]]:
    """One log entry per replaced row with a changed figure: the file that replaced it, the
    file it came from (this call, else the ledger), every changed field old → new (personal
    data: only that it changed). Unchanged replaced rows are counted, not logged."""
    key = list(tbl.key)
    o, n = old.copy(), new.copy()
    for k in key:
        o[k], n[k] = o[k].astype(str), n[k].astype(str)
    m = o.merge(n, on=key, suffixes=("_old", ""), how="inner")
    fields = [f for f in tbl.fields if f.name not in key]
    diff = {}
    for f in fields:
        a, b = m[f"{f.name}_old"], m[f.name]
        both_na = a.isna().to_numpy(dtype=bool) & b.isna().to_numpy(dtype=bool)
        same = (a.astype(str).to_numpy() == b.astype(str).to_numpy()) | both_na
        if f.type == COUNT:
            an = pd.to_numeric(a, errors="coerce").to_numpy(dtype=float)
            bn = pd.to_numeric(b, errors="coerce").to_numpy(dtype=float)
            same = (an == bn) | both_na
        diff[f.name] = ~same
    changed = np.logical_or.reduce(list(diff.values())) if diff else np.zeros(len(m), bool)
    file_idx = m["_file"].to_numpy()
    for fi in np.unique(file_idx):
        res = items[int(fi)].result
        res.replaced_rows += int((file_idx == fi).sum())
        res.changed_rows += int(((file_idx == fi) & changed).sum())
    loaded = [e for e in ledger if e.get("status") == "loaded" and e.get("table") == tbl.name]
    prev: dict[tuple[str, ...], int] = {}
    if earlier is not None:
        e = earlier.copy()
        for k in key:
            e[k] = e[k].astype(str)
        prev = {tuple(r[:-1]): int(r[-1]) for r in e[[*key, "_file"]].itertuples(index=False)}
    out = []
    for i in np.flatnonzero(changed):
        row = m.iloc[i]
        k = tuple(str(row[c]) for c in key)
        res = items[int(row["_file"])].result
        changes: dict[str, Any] = {}
        for f in fields:
            if diff[f.name][i]:
                changes[f.name] = {"changed": True} if f.pii else {
                    "old": _jsonable(row[f"{f.name}_old"]), "new": _jsonable(row[f.name])}
        if k in prev:
            src = items[prev[k]].result
            source: dict[str, Any] | None = {"file": str(src.path), "sha256": src.sha256}
        else:
            source = _previous_source(loaded, row, tbl)
        out.append({"at": stamp, "user": who, "table": tbl.name,
                    "key": dict(zip(key, k, strict=True)), "file": str(res.path),
                    "sha256": res.sha256, "previous": source, "changes": changes})
    return out


def _previous_source(loaded: list[dict[str, Any]], row: pd.Series, tbl: Table
                     ) -> dict[str, Any] | None:
    """The last loaded file (from the ledger) whose units and dates cover a row."""
    when = pd.Timestamp(row[TIME_COLUMN[tbl.name]])
    code = str(row["unit_code"])
    for e in reversed(loaded):
        if code not in (e.get("units") or []):
            continue
        first, last = e.get("first"), e.get("last")
        if first and last and pd.Timestamp(first) <= when <= pd.Timestamp(last):
            return {"file": e.get("file"), "sha256": e.get("sha256"), "at": e.get("at"),
                    "user": e.get("user")}
    return None


def _jsonable(v: Any) -> Any:
    v = _clean_value(v)
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.date().isoformat()
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _ledger_entry(r: FileResult, stamp: str, who: str) -> dict[str, Any]:
    """What the ledger keeps of one file: no cell values, only rules, columns and counts."""
    reasons: dict[tuple[str, str | None], dict[str, Any]] = {}
    for p in r.problems:
        e = reasons.setdefault((p.rule, p.column), {"rule": p.rule, "column": p.column,
                                                    "count": 0, "message": p.message})
        e["count"] += 1
    return {
        "sha256": r.sha256, "file": str(r.path), "table": r.table, "rows": r.rows,
        "status": r.status, "problems": len(r.problems), "at": stamp, "user": who,
        "sample": is_sample_file(r.path), "units": r.units,
        "first": r.first.isoformat() if r.first else None,
        "last": r.last.isoformat() if r.last else None,
        "replaced_rows": r.replaced_rows, "changed_rows": r.changed_rows,
        "reasons": list(reasons.values()),
        "quarantined": str(r.quarantined) if r.quarantined else None,
        "archived": str(r.archived) if r.archived else None,
    }


def _archive(res: FileResult, folder: Path) -> Path:
    """Keep an accepted original, named by its hash (the same bytes are kept once)."""
    dest = folder / res.sha256[:2] / f"{res.sha256[:12]}-{res.path.name}"
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.part")
        shutil.copy2(res.path, tmp)
        tmp.replace(dest)
    return dest


def _quarantine(res: FileResult, folder: Path, stamp: str, limits: Limits) -> Path:
    """Copy a rejected file (bytes untouched; the source stays) and write its reports beside
    it: ``<copy>.problems.csv`` and ``<copy>.problems.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{stamp.replace(':', '')}-{(res.sha256 or 'nohash')[:8]}-{res.path.name}"
    copied = res.path.is_file() and res.size <= limits.max_bytes
    if copied:
        shutil.copy2(res.path, dest)
    report: dict[str, Any] = {
        "file": str(res.path), "sha256": res.sha256, "table": res.table,
        "copy": str(dest) if copied else None,
        "note": None if copied else "not copied (too large or unreadable); the source is kept",
        "problems": [p.as_dict() for p in res.problems],
    }
    dest.with_name(dest.name + ".problems.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    cols = ["file", "sheet", "table", "row", "column", "value", "rule", "message"]
    pd.DataFrame([p.as_dict() for p in res.problems], columns=cols).to_csv(
        dest.with_name(dest.name + ".problems.csv"), index=False, encoding="utf-8-sig")
    return dest


def format_problems(res: FileResult, limit: int = 20, lang: str = "en") -> str:
    """A readable summary of a rejected file's problems (personal data never shown)."""
    vi = lang == "vi"
    lines = [f"{res.path}: {'bị từ chối' if vi else 'rejected'}, {len(res.problems)} "
             f"{'lỗi' if vi else 'problem(s)'}"]
    for p in res.problems[:limit]:
        where = ", ".join(x for x in (
            (f"trang {p.sheet!r}" if vi else f"sheet {p.sheet!r}") if p.sheet else None,
            (f"dòng {p.row}" if vi else f"row {p.row}") if p.row is not None else None,
            (f"cột {p.column}" if vi else f"column {p.column}") if p.column else None) if x)
        shown = "" if p.value is None else f" ({'giá trị' if vi else 'value'}: {p.value!r})"
        lines.append(f"  - {where + ': ' if where else ''}{p.message}{shown}")
    if len(res.problems) > limit:
        lines.append(f"  … {'và' if vi else 'and'} {len(res.problems) - limit} "
                     f"{'lỗi khác' if vi else 'more'}")
    if res.quarantined:
        lines.append(f"  {'báo cáo' if vi else 'report'}: {res.quarantined}.problems.csv")
    return "\n".join(lines)
