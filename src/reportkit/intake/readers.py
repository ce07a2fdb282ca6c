"""Reading submissions: CSV and XLSX files to raw text cells, with every structural problem.

Why the readers only produce text: typing and validation run once over all the files of a
table (see :mod:`reportkit.intake.validation`), so per-file work is just getting the cells
out, fast, and naming what is wrong with the file's shape (no header, unknown or duplicate
columns, ragged rows, formulas without a saved value, merged cells) by file, sheet, row and
column. CSV goes through Arrow's parser (Python's csv module when records span lines); XLSX
through openpyxl's public read-only API.

Why openpyxl is used through its public API only (and only here): its private worksheet
parser changes between releases. The cost, and how it is kept small:

* values come from ``iter_rows(values_only=True)`` on a ``read_only=True, data_only=True``
  workbook (no cell objects);
* a formula without a saved value reads as empty there, so a sheet whose part holds such a
  formula (a byte scan, :func:`~reportkit.intake.files.scan_sheet`) is read a second time
  with ``data_only=False``, where it reads as its formula text. Workbooks saved by Excel keep
  every formula's value and never pay for that pass; files written by scripts may;
* merged ranges, which read-only worksheets do not expose, come from the same byte scan;
* read-only rows skip a row stored out of order, so the scan also checks the order and such
  a sheet is refused (Excel always writes rows in order) rather than read with rows missing.

Hostile files are bounded by :class:`Limits`: file size, rows, columns, cells, the uncompressed
size and compression ratio of an XLSX, and XML DTDs/entities (refused by the prolog check in
:mod:`reportkit.intake.files`, and by defusedxml inside openpyxl).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from reportkit.core.schema import Problem, table
from reportkit.intake.files import (
    SheetScan,
    check_zip,
    decode_text,
    scan_sheet,
    sheet_parts,
    sniff,
)
from reportkit.intake.headers import (
    CODE_LABELS,
    IGNORED_HEADERS,
    PERIOD_LABELS,
    TOTAL_ROWS,
    UNIT_LABELS,
    FormContext,
    HeaderMatch,
    column_letter,
    context_from_name,
    convincing,
    header_examples,
    is_label_line,
    match_header,
    normalize_header,
    parse_period_text,
)
from reportkit.intake.messages import tr

SUFFIXES = (".csv", ".xlsx")
XLSX_MAX_ROWS = 1_048_576  # a worksheet has no row beyond this; a row number past it is forged


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a broken or hostile file from using unbounded time or memory."""

    max_bytes: int = 512 * 2**20
    max_rows: int = 3_000_000
    max_columns: int = 200
    max_xlsx_uncompressed: int = 256 * 2**20
    max_zip_ratio: float = 100.0  # per member larger than 1 MiB
    max_zip_members: int = 1_000
    max_xlsx_cells: int = 5_000_000  # cell positions read: each row up to its last cell
    max_problems: int = 10_000  # detailed problems kept per file; the rest are counted
    header_rows: int = 30  # rows searched for the header


DEFAULT_LIMITS = Limits()


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
        """The number of rows."""
        return len(self.rows)


@dataclass
class ReadResult:
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
        self.out = ReadResult()

    def problem(self, key: str, *, row: int | None = None, column: str | None = None,
                value: Any = None, sheet: str | None = None, table_name: str = "?",
                rule: str = "file", hint: str = "", **kw: Any) -> None:
        """Record a problem worded by message ``key`` (``hint`` is appended)."""
        self.out.problems.append(Problem(table_name, rule, tr(key, self.lang, **kw) + hint,
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
                kind = ("code" if parts & CODE_LABELS else "unit" if parts & UNIT_LABELS
                        else "period" if parts & PERIOD_LABELS else None)
                j = next((k for k in range(i + 1, len(cells)) if cells[k].strip()), None)
                if kind is None or j is None:
                    continue
                value = cells[j].strip()
                where = f"{column_letter(j)}{rnum}"
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
                         rule="known column", name=name, a=column_letter(a),
                         b=column_letter(b))
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
            hint = tr("did_you_mean", self.lang, header=heads[guess[0]]) if guess else ""
            self.problem("missing_col", row=header_row, column=f.name, sheet=sheet,
                         table_name=tbl.name, rule="column present", name=f.name,
                         label=f.label(self.lang), hint=hint)
        for i, header in unknown.items():
            guess = difflib.get_close_matches(normalize_header(header), list(labels), 1, 0.6)
            hint = ""
            if guess:
                f = labels[guess[0]]
                hint = tr("suggest_col", self.lang, label=f.label(self.lang), name=f.name)
            self.problem("unknown_col", row=header_row, column=column_letter(i), sheet=sheet,
                         table_name=tbl.name, rule="known column", header=header, hint=hint)
        return [f.name for f in missing]



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


def _one_array(col: pa.ChunkedArray) -> pa.Array:
    """A column as one array (its only chunk as it is: a small file has one)."""
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


class _CsvReader(_Reader):
    """A CSV file: decoded to UTF-8 (UTF-8, UTF-16 or Windows-1258), delimiter guessed from
    the first line, header searched in the first ``Limits.header_rows`` records."""

    def read(self, data: bytes) -> ReadResult:
        kind = sniff(data)
        if kind not in ("text", "utf16"):
            self.problem({"zip": "csv_is_zip"}.get(kind, kind))
            return self.out
        decoded = decode_text(data, kind)
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
                if convincing(hm, rec[3]):
                    break
        if best is None:
            self.problem("no_header", examples=header_examples(self.lang))
            return self.out
        header_cells = head[at][3]
        if len(header_cells) > self.limits.max_columns:
            self.problem("too_many_cols", n=len(header_cells), limit=self.limits.max_columns)
            return self.out
        ctx = self.context_from([(rec[0], rec[3]) for rec in head[:at]], None)
        last = at
        if at + 1 < len(head) and is_label_line(head[at + 1][3], best):
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
                return [_one_array(tbl.column(i)) for i in range(width)], rows
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
                self.problem("unnamed_col", row=header_line, column=column_letter(i),
                             table_name=tbl.name, rule="known column", letter=column_letter(i))
        missing = self.header_problems(hm, has_data, header_line, None, ctx)
        columns = {name: cols[i] for i, name in hm.fields.items()}
        self.out.parts.append(RawPart(tbl.name, columns, rows, None, missing, context=ctx))




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




def _rows(ws: Any, min_row: int = 1, max_col: int | None = None
          ) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of a read-only worksheet, gaps included as empty rows. Closing
    this generator closes the worksheet's part. Every row the part holds is read whatever its
    ``<dimension>`` claims (``reset_dimensions``: a stale dimension would cut rows off)."""
    ws.reset_dimensions()
    yield from enumerate(ws.iter_rows(min_row=min_row, max_col=max_col, values_only=True),
                         start=min_row)


class _XlsxReader(_Reader):
    """An XLSX workbook through openpyxl's public read-only API (see the module docstring)."""

    def read(self, data: bytes) -> ReadResult:
        kind = sniff(data)
        if kind != "zip":
            key = {"text": "xlsx_is_text", "utf16": "xlsx_is_text", "empty": "empty"}.get(kind,
                                                                                         kind)
            self.problem(key)
            return self.out
        lim = self.limits
        refusal = check_zip(data, max_members=lim.max_zip_members, max_ratio=lim.max_zip_ratio,
                            max_uncompressed=lim.max_xlsx_uncompressed)
        if refusal is not None:
            self.problem(refusal[0], **refusal[1])
            return self.out
        self.data = data
        self._parts: dict[str, str] | None = None
        self._formula_book: Any = None
        try:
            wb = self._open(data, values=True)
        except Exception as exc:  # damaged parts, defusedxml refusals, bad XML
            self._read_failed(exc)
            return self.out
        try:
            self._read_sheets(wb)
        except Exception as exc:
            self._read_failed(exc)
        finally:
            wb.close()
            if self._formula_book is not None:
                self._formula_book.close()
        return self.out

    @staticmethod
    def _open(data: bytes, values: bool) -> Any:
        """The workbook, read-only: cached values of formulas (``values``), else formulas as
        text. External links are not read: nothing here needs them."""
        import openpyxl

        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=values,
                                      keep_links=False)

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
            if self._read_sheet(ws, only_probe=not visible) and not visible:
                hidden.append(ws.title)
        if not self.out.parts and len(self.out.problems) == before:
            if hidden:
                self.problem("hidden_only", name=hidden[0])
            else:
                self.problem("no_data_sheet", sheets=", ".join(repr(s) for s in wb.sheetnames))

    def _scan(self, sheet: str) -> SheetScan:
        """The byte scan of a sheet's part; if the part cannot be found, no merged ranges and
        "may have unsaved formulas" (the formula pass then runs: slower, never wrong)."""
        if self._parts is None:
            self._parts = sheet_parts(self.data)
        member = self._parts.get(sheet)
        if member is not None:
            try:
                return scan_sheet(self.data, member)
            except (KeyError, zipfile.BadZipFile, OSError, EOFError, RuntimeError):
                pass
        return SheetScan(formulas=True, unsaved=True)

    def _read_sheet(self, ws: Any, only_probe: bool) -> bool:
        """Read one sheet; True if its header matched a table."""
        sheet = ws.title
        lim = self.limits
        head: list[tuple[int, list[str]]] = []
        hm: HeaderMatch | None = None
        ctx = self.out.context
        cols: dict[int, list[str]] = {}
        rows: list[int] = []
        skipped: dict[int, dict[int, str]] = {}  # label and total rows below the header
        header_row = start_row = 0
        unknown_data: set[int] = set()
        wide_reported = False
        reader = _rows(ws)
        try:
            for idx, values in reader:
                if idx > XLSX_MAX_ROWS:
                    self.problem("too_many_rows", sheet=sheet, limit=XLSX_MAX_ROWS)
                    return True
                width = len(values)
                if width > lim.max_columns:
                    if hm is not None and not wide_reported:
                        beyond = next((c for c in range(lim.max_columns, width)
                                       if values[c] is not None), None)
                        if beyond is not None:
                            self.problem("too_many_cols", row=idx, sheet=sheet, n=beyond + 1,
                                         limit=lim.max_columns)
                            wide_reported = True
                    values = values[:lim.max_columns]
                row = {i: text for i, v in enumerate(values)
                       if v is not None and (text := _cell_text(v))}
                # Every cell position counts, blank or not: a row's values are padded to its
                # last cell, so this bounds the work as well as the memory.
                self._cells_read += width
                if self._cells_read > lim.max_xlsx_cells:
                    self.problem("too_many_cells", sheet=sheet, limit=lim.max_xlsx_cells)
                    return True
                if hm is None:
                    if idx > lim.header_rows:
                        return False
                    as_list = [row.get(i, "") for i in range(max(row, default=-1) + 1)]
                    head.append((idx, as_list))
                    cand = match_header(tuple(as_list))
                    if cand is not None:
                        hm, header_row, start_row = cand, idx, idx + 1
                        if only_probe:
                            return True
                        ctx = self.context_from(head[:-1], sheet)
                        cols = {i: [] for i in cand.fields}
                    continue
                if idx == start_row and is_label_line(
                        [row.get(i, "") for i in range(max(row, default=-1) + 1)], hm):
                    skipped[idx] = row
                    continue
                if not row:
                    continue
                if normalize_header(row[min(row)]) in TOTAL_ROWS:
                    skipped[idx] = row
                    continue
                if len(rows) >= lim.max_rows:
                    self.problem("too_many_rows", sheet=sheet, limit=lim.max_rows)
                    return True
                for i, col in cols.items():
                    col.append(row.get(i, ""))
                for i in row:
                    if i not in cols:
                        unknown_data.add(i)
                rows.append(idx)
        finally:
            reader.close()
        if hm is None:
            return False
        self._finish(ws, hm, header_row, head[-1][1], ctx, cols, rows, skipped, unknown_data)
        return True

    def _finish(self, ws: Any, hm: HeaderMatch, header_row: int, header: list[str],
                ctx: FormContext, cols: dict[int, list[str]], rows: list[int],
                skipped: dict[int, dict[int, str]], unknown_data: set[int]) -> None:
        """Formulas without a saved value, merged cells, unnamed and missing columns; then
        the sheet becomes a raw part."""
        from openpyxl.utils.cell import range_boundaries

        sheet = ws.title
        tbl = table(hm.table)
        row_pos = {r: k for k, r in enumerate(rows)}
        scan = self._scan(sheet)
        if scan.disorder is not None:  # the rows read are not all the rows: say so
            self.problem("row_order", row=scan.disorder[0], sheet=sheet, table_name=tbl.name,
                         rule="row order", n=scan.disorder[0], prev=scan.disorder[1])
        formulas = self._formulas(sheet, hm, header_row, cols, row_pos, skipped) \
            if scan.unsaved else []
        # Merged cells: a value merged down one column fills it; across columns is a problem.
        for ref in scan.merged:
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
            except (ValueError, TypeError):
                continue
            if max_row <= header_row:
                continue
            if min_col != max_col:
                touched = [i for i in range(min_col - 1, max_col) if i in cols]
                if len(touched) > 1:
                    self.problem("merged", row=min_row, sheet=sheet, table_name=tbl.name,
                                 column=hm.fields[touched[0]], rule="merged cells", ref=ref)
                continue
            i = min_col - 1
            if i not in cols or min_row not in row_pos:
                continue
            top = cols[i][row_pos[min_row]]
            for r in range(min_row + 1, max_row + 1):
                if r in row_pos and not cols[i][row_pos[r]]:
                    cols[i][row_pos[r]] = top
        reported: dict[int, set[str]] = {}
        for r, i in formulas:
            self.problem("formula", row=r, sheet=sheet, column=hm.fields[i],
                         table_name=tbl.name, rule="formula value")
            if r in row_pos:
                reported.setdefault(row_pos[r], set()).add(hm.fields[i])
        for i in sorted(unknown_data):
            if i not in hm.unknown and normalize_header(header[i] if i < len(header)
                                                        else "") not in IGNORED_HEADERS:
                self.problem("unnamed_col", row=header_row, sheet=sheet,
                             column=column_letter(i), table_name=tbl.name,
                             rule="known column", letter=column_letter(i))
        missing = self.header_problems(hm, lambda i: i in unknown_data, header_row, sheet, ctx)
        columns = {hm.fields[i]: pa.array(v, type=pa.string()) for i, v in cols.items()}
        self.out.parts.append(RawPart(tbl.name, columns, np.array(rows, dtype=np.int64), sheet,
                                      missing, reported, ctx))

    def _formulas(self, sheet: str, hm: HeaderMatch, header_row: int,
                  cols: dict[int, list[str]], row_pos: dict[int, int],
                  skipped: dict[int, dict[int, str]]) -> list[tuple[int, int]]:
        """(row, column position) of the field cells below the header that hold a formula
        without a saved value, in order. Such a cell is empty when read for values and not
        empty when read for formulas (any other cell reads the same both ways); this second
        read of the sheet is the price of using only openpyxl's public API."""
        if self._formula_book is None:
            self._formula_book = self._open(self.data, values=False)
        found: list[tuple[int, int]] = []
        reader = _rows(self._formula_book[sheet], min_row=header_row + 1,
                       max_col=max(hm.fields) + 1)
        try:
            for idx, values in reader:
                if idx > XLSX_MAX_ROWS:
                    break
                for i in hm.fields:
                    if i >= len(values) or values[i] is None or values[i] == "":
                        continue
                    if idx in row_pos:
                        seen = cols[i][row_pos[idx]]
                    else:
                        seen = skipped.get(idx, {}).get(i, "")
                    if not seen:
                        found.append((idx, i))
        finally:
            reader.close()
        return sorted(found)


def read_file(path: Path, data: bytes | None = None, *, lang: str = "en",
              limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    """Read one submission's raw text cells (no typing): parts, problems and its context."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        r = _Reader(path, lang, limits)
        r.problem("unsupported", suffix=suffix or path.name)
        return r.out
    if data is None:
        data = path.read_bytes()
    reader: _CsvReader | _XlsxReader = (_CsvReader(path, lang, limits) if suffix == ".csv"
                                        else _XlsxReader(path, lang, limits))
    reader.out.context = context_from_name(path)
    try:
        out = reader.read(data)
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
