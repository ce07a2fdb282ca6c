"""Taking in submissions: read, type, validate (every problem at once), load all-or-nothing.

Each file is either loaded whole or rejected whole. A rejected file is copied, bytes untouched,
to ``data/quarantine/`` with a problem report beside it; an accepted original is kept in
``data/archive/``. Loading the same file twice changes nothing (files are known by sha256).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reportkit import units as U
from reportkit.schema import (
    BOOL, CATEGORY, CATEGORY_LABELS, CODE, COUNT, DATE, ID, MONTH, TEXT, Problem, Table,
    table, validate,
)
from reportkit.warehouse import Warehouse, partition_keys, project_root

log = logging.getLogger("reportkit.ingest")

SUFFIXES = (".csv", ".xlsx")
_MISSING = {"", "na", "n/a", "nan", "none", "null", "-", "—", "–", "x"}
_TRUE = {"1", "true", "yes", "y", "có", "co", "x", "đúng"}
_FALSE = {"0", "false", "no", "n", "không", "khong", "sai"}


@dataclass
class FileResult:
    """The outcome for one submitted file."""

    path: Path
    sha256: str
    status: str  # "loaded" | "rejected" | "skipped"
    table: str | None = None
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    replaced_rows: int = 0
    frame: pd.DataFrame | None = field(default=None, repr=False)


@dataclass
class IngestReport:
    """The outcome for a whole ``reportkit ingest`` call."""

    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def ok(self) -> bool:
        return self.count("rejected") == 0


def discover(paths: Iterable[Path | str]) -> list[Path]:
    """Files to ingest: the given files, and every .csv/.xlsx below the given folders."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES
                              and not f.name.startswith((".", "~$"))))
        else:
            out.append(p)
    return out


def is_sample_file(path: Path) -> bool:
    """Whether a file lies in a folder written by the sample generator."""
    from reportkit.sample import MARKER_FILE

    return any((d / MARKER_FILE).exists() for d in Path(path).resolve().parents)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def detect_table(columns: Iterable[str]) -> Table:
    cols = set(columns)
    return table("petitions" if "petition_id" in cols else "activity")


def read_raw(path: Path) -> pd.DataFrame:
    """Read a submission as text cells (no type guessing: codes stay "01")."""
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return pd.read_excel(path, dtype=str, keep_default_na=False)


def _clean(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Stripped text and a mask of missing markers ("", "NA", "—", ...)."""
    text = col.astype("string").str.strip()
    return text, text.isna() | text.str.lower().isin(_MISSING)


def coerce(raw: pd.DataFrame, tbl: Table) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn text cells into typed columns, recording every cell that cannot be read."""
    problems: list[Problem] = []
    out = pd.DataFrame(index=raw.index)
    for f in tbl.fields:
        if f.name not in raw.columns:
            continue
        text, missing = _clean(raw[f.name])

        def bad(mask: pd.Series, message: str, name: str = f.name, pii: bool = f.pii) -> None:
            for pos in np.flatnonzero(mask.to_numpy(dtype=bool)):
                problems.append(Problem(tbl.name, "type", message, row=int(pos), column=name,
                                        value=None if pii else raw[name].iloc[pos]))

        if f.type == COUNT:
            t = text.where(~missing)
            grouped = t.str.fullmatch(r"\d{1,3}([.,]\d{3})+").fillna(False)
            t = t.where(~grouped, t.str.replace(r"[.,]", "", regex=True))
            num = pd.to_numeric(t, errors="coerce")
            bad(~missing & num.isna(), "not a number")
            out[f.name] = num
        elif f.type in (DATE, MONTH):
            t = text.where(~missing)
            if f.type == MONTH:
                t = t.str.replace(r"^(\d{1,2})/(\d{4})$", r"\2-\1", regex=True)
                t = t.where(~t.str.fullmatch(r"\d{4}-\d{1,2}").fillna(False), t + "-01")
            iso = pd.to_datetime(t, format="%Y-%m-%d", errors="coerce")
            vn = pd.to_datetime(t, format="%d/%m/%Y", errors="coerce")
            val = iso.fillna(vn)
            bad(~missing & val.isna(), "not a date (use YYYY-MM-DD or DD/MM/YYYY)")
            out[f.name] = val
        elif f.type == BOOL:
            low = text.str.lower()
            val = pd.Series(pd.NA, index=raw.index, dtype="boolean")
            val[low.isin(_TRUE)] = True
            val[low.isin(_FALSE)] = False
            bad(~missing & val.isna(), "not yes/no")
            out[f.name] = val
        elif f.type == CODE:
            t = text.where(~missing)
            out[f.name] = t.where(~t.str.fullmatch(r"\d").fillna(False), "0" + t)
        elif f.type == CATEGORY:
            labels = {lab.lower(): key for key, pair in CATEGORY_LABELS.get(f.name, {}).items()
                      for lab in (*pair, key)}
            out[f.name] = text.where(~missing).str.lower().map(
                lambda v, labels=labels: labels.get(v, v) if isinstance(v, str) else v)
        elif f.type in (TEXT, ID):
            out[f.name] = text.where(~missing)
    return out, problems


def _unit_problems(df: pd.DataFrame, tbl: Table) -> list[Problem]:
    """Rows whose unit code did not exist at the row's date."""
    time_col = "month" if tbl.name == "activity" else "received_on"
    if "unit_code" not in df or time_col not in df:
        return []
    ok = df["unit_code"].notna() & df[time_col].notna()
    keys = partition_keys(df[ok], tbl)
    out = []
    for pos in np.flatnonzero(ok.to_numpy())[keys.isna().to_numpy()]:
        code, when = df["unit_code"].iloc[pos], df[time_col].iloc[pos].date()
        out.append(Problem(tbl.name, "unit in force", _unit_message(code, when), row=int(pos),
                           column="unit_code", value=code))
    return out


def _unit_message(code: str, when: date) -> str:
    try:
        U.get(code, at=when)
    except Exception as exc:  # the units module words the reason (merged, unknown, ...)
        return str(exc)
    return f"unit {code} not in force on {when:%d/%m/%Y}"


def check_file(path: Path, *, today: date | None = None) -> FileResult:
    """Read and validate one file without writing anything."""
    digest = sha256_of(path)
    res = FileResult(path, digest, "rejected")
    try:
        raw = read_raw(path)
    except Exception as exc:
        res.problems.append(Problem("?", "readable", f"cannot read file: {exc}", file=str(path)))
        return res
    raw.columns = [str(c).strip() for c in raw.columns]
    tbl = detect_table(raw.columns)
    res.table = tbl.name
    typed, problems = coerce(raw, tbl)
    problems += validate(typed, tbl, today=today)
    problems += _unit_problems(typed, tbl)
    extra = [c for c in raw.columns if c not in tbl.columns]
    problems += [Problem(tbl.name, "known column", f"unexpected column {c}", column=c)
                 for c in extra]
    # Rows are reported as spreadsheet rows: the header is row 1.
    res.problems = [Problem(p.table, p.rule, p.message, row=None if p.row is None else p.row + 2,
                            column=p.column, value=p.value, file=str(path)) for p in problems]
    res.rows = len(typed)
    if not res.problems:
        res.status = "loaded"
        res.frame = typed
    return res


def ingest(paths: Iterable[Path | str], *, warehouse: Warehouse | None = None,
           dry_run: bool = False, today: date | None = None,
           quarantine: Path | None = None, archive: Path | None = None) -> IngestReport:
    """Validate every file, then load the accepted ones in one atomic write per table."""
    wh = warehouse or Warehouse()
    base = project_root() / "data"
    quarantine = quarantine or base / "quarantine"
    archive = archive or base / "archive"
    known = wh.loaded_shas()
    report = IngestReport()
    for path in discover(paths):
        digest = sha256_of(path)
        if digest in known:
            report.files.append(FileResult(path, digest, "skipped"))
            continue
        res = check_file(path, today=today)
        report.files.append(res)
        known.add(digest)
        if res.status == "rejected":
            log.warning("rejected %s: %d problem(s)", path, len(res.problems))
    if dry_run:
        return report
    loaded = [r for r in report.files if r.status == "loaded"]
    stamp = datetime.now().isoformat(timespec="seconds")
    for tname in ("activity", "petitions"):
        mine = [r for r in loaded if r.table == tname]
        if not mine:
            continue
        frames = [r.frame.assign(_file=i) for i, r in enumerate(mine)]
        rows = pd.concat(frames, ignore_index=True)
        tbl = table(tname)
        # A later file in the same call wins for the same key.
        rows = rows.drop_duplicates(subset=list(tbl.key), keep="last")
        result = wh.upsert(tname, rows.drop(columns="_file"))
        if result.replaced is not None and len(result.replaced):
            log.info("%s: %d row(s) replaced by resubmissions", tname, len(result.replaced))
        for r in mine:
            r.replaced_rows = 0
    for r in report.files:
        if r.status == "rejected":
            _quarantine(r, quarantine, stamp)
        elif r.status == "loaded":
            dest = archive / r.sha256[:2] / f"{r.sha256[:12]}-{r.path.name}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists():
                shutil.copy2(r.path, dest)
    wh.append_ledger(
        {"sha256": r.sha256, "file": str(r.path), "table": r.table, "rows": r.rows,
         "status": r.status, "problems": len(r.problems), "at": stamp,
         "sample": is_sample_file(r.path)}
        for r in report.files if r.status != "skipped")
    return report


def _quarantine(res: FileResult, folder: Path, stamp: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{stamp.replace(':', '')}-{res.sha256[:8]}-{res.path.name}"
    if res.path.exists():
        shutil.copy2(res.path, dest)
    report: dict[str, Any] = {
        "file": str(res.path), "sha256": res.sha256, "table": res.table,
        "problems": [p.as_dict() for p in res.problems],
    }
    dest.with_name(dest.name + ".problems.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    pd.DataFrame([p.as_dict() for p in res.problems]).to_csv(
        dest.with_name(dest.name + ".problems.csv"), index=False)
    return dest


def format_problems(res: FileResult, limit: int = 20) -> str:
    """A readable summary of a rejected file's problems."""
    lines = [f"{res.path}: rejected, {len(res.problems)} problem(s)"]
    lines += [f"  - {p}" for p in res.problems[:limit]]
    if len(res.problems) > limit:
        lines.append(f"  … and {len(res.problems) - limit} more (see the quarantine report)")
    return "\n".join(lines)


