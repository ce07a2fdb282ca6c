"""Validating submissions: typing the text cells and checking every rule, all problems at once.

Why it runs over all files of a table together: the per-file work is only reading; typing,
unit resolution and the schema's rules run once, vectorised, over the concatenation of every
file of a table in the call (carrying ``_file``, ``_part`` and ``_row``), and the findings are
then mapped back to their files. A province's clerk gets every problem of a file in one go,
each named by file, sheet, row, column, value (never for personal-data columns) and rule, so
a rejected file is fixed in one round rather than one error at a time.

What is judged here: counts, dates, months, yes/no and categories written any common way
(Vietnamese and English, with or without tone marks); units named or coded, resolved at each
row's date (the 63 units before the 1 July 2025 merger, the 34 after); rows outside the form's
period; petition ids used by two units; and the schema's required, range and cross-field
rules (:func:`reportkit.schema.find_problems`). A file is accepted only if nothing is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reportkit.core import i18n
from reportkit.core import units as U
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
)
from reportkit.errors import ReportkitError, UnitNotInForceError
from reportkit.intake.headers import FormContext, normalize_header
from reportkit.intake.messages import tr
from reportkit.intake.readers import Limits, RawPart, ReadResult
from reportkit.store.warehouse import TIME_COLUMN, Warehouse

_MISSING = {"", "na", "n/a", "#n/a", "nan", "none", "null", "-", "—", "–", "..", "..."}
_MISSING_CASES = sorted({v for m in _MISSING for v in (m, m.upper(), m.capitalize())})
_TRUE = {"1", "true", "yes", "y", "có", "co", "x", "đúng", "dung", "t"}
_FALSE = {"0", "false", "no", "n", "không", "khong", "sai", "f"}
_TRUE_CASES = sorted({v for m in _TRUE for v in (m, m.upper(), m.capitalize())})
_FALSE_CASES = sorted({v for m in _FALSE for v in (m, m.upper(), m.capitalize())})
_EXCEL_ERRORS = {"#null!", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#n/a",
                 "#getting_data", "#spill!", "#calc!"}
_ERA_BOUNDS = (np.datetime64(U.OLD_VALID_FROM, "ns"), np.datetime64(U.MERGER_DATE, "ns"))


@dataclass
class FileResult:
    """The outcome for one submitted file."""

    path: Path
    sha256: str
    status: str  # "loaded" | "rejected" | "skipped" (unchanged) | "ignored" (not a submission)
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
    # The submission scopes the file's rows belong to ("petitions|15|2025-Q3": table, unit,
    # period) and, per scope whose earlier rows it replaced, the old and new figures.
    scopes: list[str] = field(default_factory=list)
    replaces: list[dict[str, Any]] = field(default_factory=list)
    # The bytes that were hashed, kept until archived or quarantined (then dropped), so the
    # copy is exactly what was checked.
    data: bytes | None = field(default=None, repr=False)

    @property
    def outcome(self) -> str:
        """What happened to the file: "loaded", "replaced" (it replaced earlier rows of its
        unit and period), "unchanged", "rejected", "ignored" (not a .csv/.xlsx submission)
        or "pending"."""
        if self.status == "loaded":
            return "replaced" if self.replaces or self.replaced_rows else "loaded"
        return {"skipped": "unchanged"}.get(self.status, self.status)



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
                    findings.append(Finding("type", name, tr("excel_error", lang), pos[err]))
                    pos = pos[~err]
                if len(pos):
                    findings.append(Finding("type", name, tr(key, lang), pos))

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
        return tr("merged_into", "vi", unit=fields.get("unit"), successor=fields["successor"],
                  when=f"{when:%d/%m/%Y}")
    if isinstance(exc, UnitNotInForceError):
        when = date.fromisoformat(fields.get("at", U.MERGER_DATE.isoformat()))
        return tr("unit_gone", "vi", unit=fields.get("unit"), when=f"{when:%d/%m/%Y}")
    msg = tr("no_unit", "vi", text=text or fields.get("unit") or fields.get("code"))
    if fields.get("suggestions"):
        msg += i18n.text("ingest.unit_suggestions", "vi", names=", ".join(fields["suggestions"]))
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
class BatchItem:
    """One file of the batch: its outcome (filled in by validation) and what was read."""

    result: FileResult
    read: ReadResult


class Batch:
    """The files of one call. Reading happened per file; everything else runs once per table
    over the concatenation of all its files."""

    def __init__(self, lang: str, today: date, limits: Limits, wh: Warehouse | None) -> None:
        self.lang, self.today, self.limits, self.wh = lang, today, limits, wh
        self.items: list[BatchItem] = []
        self.typed: dict[str, pd.DataFrame] = {}
        self.parts: list[RawPart] = []

    def add(self, res: FileResult, read: ReadResult) -> None:
        """Add a file that was read (its problems so far are in ``read``)."""
        self.items.append(BatchItem(res, read))

    # -- concatenation -------------------------------------------------------------------------
    def _concat(self, tbl: Table) -> pd.DataFrame | None:
        """One frame of stripped text cells (blank = NA) with ``_file``, ``_part``, ``_row``
        and ``_index`` (the row's index within its part); rows with no value are dropped."""
        chunks: dict[str, list[pa.Array]] = {f: [] for f in tbl.columns}
        sizes, files, part_ids, rows = [], [], [], []  # per part
        for fi, item in enumerate(self.items):
            for part in item.read.parts:
                if part.table != tbl.name or part.n == 0:
                    continue
                pi = len(self.parts)
                self.parts.append(part)
                for f in tbl.columns:
                    chunks[f].append(part.columns.get(f, pa.nulls(part.n, pa.string())))
                sizes.append(part.n)
                files.append(fi)
                part_ids.append(pi)
                rows.append(part.rows)
                part.columns = {}  # the concatenation holds the cells from here on
        if not sizes:
            return None
        # One chunk per column instead of one per file: every compute call and every later
        # pandas take then runs once, not 1,400 times (Table.combine_chunks keeps several
        # chunks only where one text column would pass Arrow's 2 GB offset limit).
        n = np.asarray(sizes, dtype=np.int64)
        starts = np.repeat(np.cumsum(n) - n, n)
        big = pa.table({
            **{f: pa.chunked_array(chunks[f], type=pa.string()) for f in tbl.columns},
            "_index": pa.array((np.arange(int(n.sum())) - starts).astype(np.int32)),
            "_file": pa.array(np.repeat(np.asarray(files, dtype=np.int32), n)),
            "_part": pa.array(np.repeat(np.asarray(part_ids, dtype=np.int32), n)),
            "_row": pa.array(np.concatenate(rows)),
        }).combine_chunks()
        del chunks, rows
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
            # The period each row's form states (file name or form cells; "" if none): with
            # the unit it names the submission the row belongs to.
            periods = np.array([str(p.context.period) if p.context.period else ""
                                for p in self.parts], dtype=object)
            typed["_period"] = periods[raw["_part"].to_numpy()] if len(periods) else ""
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
                res.problems.append(Problem(res.table or "?", "file", tr("no_rows", self.lang),
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
                f = replace(f, message=tr("required_count", lang))
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
                    msgs.iloc[p] = tr("form_unit", lang, code=code.iloc[p],
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
                    msgs.iloc[p] = tr("unit_mismatch", lang, name=typed["unit_name"].iloc[p],
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
            out.append(Finding("period", TIME_COLUMN[tbl.name], tr(
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
                msgs[pos] = tr("dup_id_call", self.lang, others=f"{others}: {where}")
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
                                   tr("dup_id_wh", self.lang, others=other),
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
                     self.parts[parts[p]].sheet, clean_value(v)))

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
                    out.append(Problem(tname, "required", tr("row_empty", self.lang,
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
            out.append(Problem(res.table or "?", "limit", tr("more", self.lang, n=more),
                               file=file))
        return out


def clean_value(v: Any) -> Any:
    """A cell value with every kind of missing (None, NA, NaN) as None."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    return v


def _shown(v: Any) -> str:
    v = clean_value(v)
    return "—" if v is None else str(v)

