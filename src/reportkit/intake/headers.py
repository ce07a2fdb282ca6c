"""Finding the header row and what each column means; what a form says about itself.

Why: provinces fill in forms by hand. Headers come in Vietnamese or English, with or without
tone marks, in either tone placement ("hoà"/"hòa"), over two lines, with row-number columns,
and the unit and period may be written in cells above the header or only in the file name.
Both readers (CSV and XLSX) look for the header row while they stream the file, so this is
the one place that decides which text names which field; the readers and the validation then
agree on what a column is.
"""

from __future__ import annotations

import contextlib
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reportkit.core import i18n
from reportkit.core.periods import Period
from reportkit.core.schema import TABLES, table
from reportkit.errors import ReportkitError

# Header texts of columns that carry no field (row numbers), and first cells of total rows.
IGNORED_HEADERS = {"stt", "tt", "no", "số tt", "so tt", "số thứ tự", "so thu tu"}
TOTAL_ROWS = {"tổng cộng", "tong cong", "cộng", "cong", "tổng", "tong", "tổng số", "total",
              "totals", "grand total"}
# Labels of the form cells above the header that give the form's unit and period.
UNIT_LABELS = {"đơn vị", "don vi", "tên đơn vị", "ten don vi", "unit", "unit name", "tỉnh",
               "tỉnh thành phố", "province"}
CODE_LABELS = {"mã đơn vị", "ma don vi", "unit code", "mã tỉnh", "ma tinh", "code"}
PERIOD_LABELS = {"kỳ báo cáo", "ky bao cao", "period", "reporting period", "kỳ", "ky"}
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_TONE_CLUSTER = re.compile(f"(o[{_TONES}](?=[ae])|u[{_TONES}](?=y))([aey])(?![\u0300-\u036f])")
_FILE_NAME = re.compile(r"(?P<code>\d{2})-[a-z0-9-]+_(?P<period>\d{4}[0-9a-zA-Z_.-]*?)"
                        r"(?:[_-](?:activity|petitions))?")


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
                if normalize_header(text) not in IGNORED_HEADERS:
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


def convincing(hm: HeaderMatch, cells: list[str]) -> bool:
    """A header row that names at least three fields and mostly known columns: no need to
    look further down for a better one."""
    filled = sum(1 for c in cells if c and c.strip())
    return len(hm.fields) >= 3 and len(hm.fields) * 2 >= filled


def is_label_line(cells: list[str], hm: HeaderMatch) -> bool:
    """Whether a row right below the header repeats its labels (the English line)."""
    filled = [(i, c) for i, c in enumerate(cells) if c and c.strip()]
    if len(filled) < 2:
        return False
    hits = sum(1 for i, c in filled if hm.fields.get(i) and _match_cell(c, hm.table)
               == hm.fields[i])
    return hits >= max(2, len(filled) // 2)


def column_letter(i: int) -> str:
    """The spreadsheet letter of a 0-based column position: 0 → "A", 27 → "AB"."""
    s, n = "", i + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s



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
            return i18n.text("ingest.where.file", lang)
        return i18n.text("ingest.where.cell", lang, cell=source)



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


def context_from_name(path: Path) -> FormContext:
    """Unit code and period from a file named like the templates: ``15-lao-cai_2025-Q3``."""
    m = _FILE_NAME.fullmatch(path.stem)
    if not m:
        return FormContext()
    period = parse_period_text(m["period"])
    if period is None:
        return FormContext()
    return FormContext(m["code"], "file", period, "file")


def header_examples(lang: str) -> str:
    """A few expected headers, for the "no header row found" message."""
    a = TABLES["activity"]
    p = TABLES["petitions"]
    names = [a.field("month"), a.field("docs_sent"), p.field("petition_id")]
    return ", ".join(f"{f.label(lang)!r} ({f.name})" for f in names)

