"""Loading submissions: the ``ingest()`` call from discovery to the warehouse, and its records.

Why loading is all-or-nothing per file: a half-loaded province report is worse than none, so a
file is either loaded whole or rejected whole, and every decision is recorded. Where files go:
a rejected file is *copied*, bytes untouched, to ``data/quarantine/`` with a problem report
(CSV and JSON) beside it, and the source is left where it is (it may be the read-only sample
folder); an accepted original is copied to ``data/archive/``. Loading the same bytes twice is a
no-op (files are known by sha256). A corrected resubmission replaces the rows of the same
keys; every changed figure is logged (old → new) in the warehouse's ``replacements.jsonl``,
and the ledger records who loaded which file when. Nothing is written on a dry run.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import json
import logging
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reportkit.core.schema import COUNT, Problem, Table, table
from reportkit.intake.messages import size_text, tr
from reportkit.intake.readers import DEFAULT_LIMITS, SUFFIXES, Limits, read_file
from reportkit.intake.validation import Batch, BatchItem, FileResult, clean_value
from reportkit.store.io import write_csv
from reportkit.store.warehouse import TIME_COLUMN, Warehouse, project_root

log = logging.getLogger("reportkit.intake")

REPLACEMENTS_FILE = "replacements.jsonl"


@dataclass
class IngestReport:
    """The outcome for a whole ``reportkit ingest`` call."""

    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        """How many files ended with ``status`` ("loaded", "rejected", "skipped")."""
        return sum(1 for f in self.files if f.status == status)

    @property
    def ok(self) -> bool:
        """Whether no file was rejected."""
        return self.count("rejected") == 0

    @property
    def exit_code(self) -> int:
        """0 all loaded (or unchanged), 1 some files rejected."""
        return 0 if self.ok else 1


# ------------------------------------------------------------------------------------------------
# Discovery and hashing
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
    """The sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------------------------------------------
# Public entry points
def validate_files(paths: Iterable[Path | str], *, wh: Warehouse | None, today: date | None,
              lang: str, limits: Limits) -> tuple[IngestReport, Batch]:
    """Read and validate every file (nothing written)."""
    known = wh.loaded_shas() if wh is not None else set()
    report = IngestReport()
    batch = Batch(lang, today or date.today(), limits, wh)
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
    report, batch = validate_files([path], wh=None, today=today, lang=lang, limits=limits)
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
    report, batch = validate_files(paths, wh=wh, today=today, lang=lang, limits=limits)
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
            res.problems.append(Problem("?", "file size", tr(
                "too_big", lang, size=size_text(size), limit=size_text(limits.max_bytes)),
                file=str(path)))
            return res, b""
        data = path.read_bytes()
    except OSError as exc:
        res.status = "rejected"
        res.problems.append(Problem("?", "file", tr("read_error", lang,
                                                    error=exc.strerror or type(exc).__name__),
                                    file=str(path)))
        return res, b""
    res.size = len(data)
    res.sha256 = hashlib.sha256(data).hexdigest()
    return res, data


# ------------------------------------------------------------------------------------------------
# Writing
def _write(batch: Batch, wh: Warehouse, stamp: str, who: str) -> list[dict[str, Any]]:
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


def _diff(old: pd.DataFrame, new: pd.DataFrame, tbl: Table, items: list[BatchItem],
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
    v = clean_value(v)
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
    write_csv(pd.DataFrame([p.as_dict() for p in res.problems], columns=cols),
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
