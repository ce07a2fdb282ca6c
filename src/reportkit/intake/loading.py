"""Loading submissions: the ``ingest()`` call from discovery to the warehouse, and its records.

Why loading is all-or-nothing per file: a half-loaded province report is worse than none, so a
file is either loaded whole or rejected whole, and every decision is recorded. Where files go:
a rejected file is *copied*, bytes untouched, to ``data/quarantine/`` with a problem report
(CSV and JSON) beside it, and the source is left where it is (it may be the read-only sample
folder); an accepted original is copied to ``data/archive/``. Nothing is written on a dry run.

Every input file is named in the report with what happened to it (loaded, replaced, unchanged,
rejected with its reasons, or ignored because it is not a .csv/.xlsx submission), because a
file that silently vanishes from the output is a file nobody follows up.

Why a submission replaces *all* rows of its unit, period and table (its scope, e.g.
"petitions|15|2025-Q3"): a corrected file with 182 of 282 rows means the other 100 are gone,
not that they stay. Rows of other scopes are replaced only by key. Each scope replacement is
logged in the ledger with the old and new row counts and totals, every changed figure in the
warehouse's ``replacements.jsonl`` (old → new). Sending bytes again is a no-op only while they
are the *current* submission of their scope; sending back an earlier file makes it current
again (undoing a correction).

Why files are opened the way they are: only regular files are read (no symbolic links, pipes
or devices, which could point outside the submission, block forever or never end), their size
is checked before reading, they are read once with a bounded read, and the archive or
quarantine copy is written from the very bytes that were hashed and checked. A failure nobody
foresaw while reading, checking or writing one file rejects and quarantines that file with the
reason; the other files go on.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import getpass
import hashlib
import json
import logging
import os
import stat
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reportkit.core import fmt, i18n
from reportkit.core.schema import BOOL, COUNT, Problem, Table, table
from reportkit.intake.files import sniff
from reportkit.intake.messages import size_text, tr
from reportkit.intake.readers import DEFAULT_LIMITS, SUFFIXES, Limits, read_file
from reportkit.intake.validation import Batch, BatchItem, FileResult, clean_value
from reportkit.store.io import write_csv
from reportkit.store.warehouse import (
    SCOPE_COLUMN,
    TIME_COLUMN,
    Warehouse,
    partition_keys,
    project_root,
)

log = logging.getLogger("reportkit.intake")

REPLACEMENTS_FILE = "replacements.jsonl"


@dataclass
class IngestReport:
    """The outcome for a whole ``reportkit ingest`` call."""

    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        """How many files ended with ``status`` ("loaded", "rejected", "skipped",
        "ignored")."""
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
    every .csv/.xlsx below the given folders (the other entries are reported as ignored, see
    :func:`walk`)."""
    return [p for p, why, _ in walk(paths) if why is None]


def walk(paths: Iterable[Path | str]) -> list[tuple[Path, str | None, str | None]]:
    """Every entry the given paths name: (path, None, None) for a file to ingest, else
    (path, the message key of why it is ignored, the message key of its kind or None).

    Below a folder, only .csv/.xlsx names are submissions; hidden entries, Excel lock files
    (``~$``) and other names are ignored, and said so. Symbolic links inside a folder are not
    followed; one with a .csv/.xlsx name is a submission candidate and refused when opened.
    """
    out: list[tuple[Path, str | None, str | None]] = []
    for p in map(Path, paths):
        if not p.is_dir():
            out.append((p, None, None))
            continue
        found: list[tuple[Path, str | None, str | None]] = []
        for dirpath, dirnames, filenames in os.walk(p):  # never follows symbolic links
            folder = Path(dirpath)
            keep = []
            for name in dirnames:
                sub = folder / name
                if name.startswith("."):
                    found.append((sub, "ignored_hidden", None))
                elif sub.is_symlink():
                    found.append((sub, "ignored_special", "kind_symlink"))
                else:
                    keep.append(name)
            dirnames[:] = keep
            for name in filenames:
                f = folder / name
                if name.startswith("~$"):
                    found.append((f, "ignored_lock", None))
                elif name.startswith("."):
                    found.append((f, "ignored_hidden", None))
                elif f.suffix.lower() not in SUFFIXES:
                    found.append((f, "ignored_suffix", None))
                else:
                    found.append((f, None, None))
        out.extend(sorted(found, key=lambda e: e[0]))
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
    """Read and validate every file (nothing written). Every entry of ``paths`` gets a
    :class:`FileResult`, ignored ones included; accepted and rejected files keep the bytes
    that were hashed in ``data``."""
    current = wh.current_shas() if wh is not None else set()
    report = IngestReport()
    day = today or date.today()
    batch = Batch(lang, day, limits, wh)
    seen: dict[str, FileResult] = {}
    twins: list[tuple[FileResult, FileResult]] = []
    for path, why, kind in walk(paths):
        if why is not None:
            extra = {"kind": tr(kind, lang)} if kind else {}
            report.files.append(FileResult(path, "", "ignored", note=tr(why, lang, **extra)))
            continue
        res, data = _open(path, limits, lang)
        report.files.append(res)
        if res.status == "rejected":
            continue
        if res.sha256 in current:
            res.status = "skipped"
            res.note = "unchanged: the current submission of its unit and period (same bytes)"
            continue
        if res.sha256 in seen:
            twins.append((res, seen[res.sha256]))
            continue
        seen[res.sha256] = res
        res.data = data
        try:
            read = read_file(path, data, lang=lang, limits=limits)
        except Exception as exc:  # noqa: BLE001 - one file's failure must not end the call
            _unexpected(res, "stage_read", exc, lang)
            continue
        batch.add(res, read)
        del data
    batch = _validate(batch, lang, day, limits, wh)
    for dup, twin in twins:
        dup.note = f"same bytes as {twin.path}"
        if twin.status == "rejected":
            dup.status, dup.table, dup.data = "rejected", twin.table, twin.data
            dup.problems = [dataclasses.replace(p, file=str(dup.path)) for p in twin.problems]
        else:
            dup.status = "skipped"
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
    res.data = None
    if res.status == "loaded":
        frames = [df for df in batch.typed.values() if len(df)]
        if frames:
            hidden = [c for c in frames[0].columns if c.startswith("_")]
            res.frame = frames[0].drop(columns=hidden).reset_index(drop=True)
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
        for r in report.files:
            r.data = None
        report.seconds = time.perf_counter() - t0
        return report
    base = project_root() / "data"
    quarantine = Path(quarantine) if quarantine else base / "quarantine"
    archive = Path(archive) if archive else base / "archive"
    stamp = datetime.now().isoformat(timespec="seconds")
    who = user or _user()
    replacements = _write_each(batch, wh, stamp, who, lang)
    _sample_folder.cache_clear()

    def keep(r: FileResult) -> None:
        if r.status == "rejected":
            r.quarantined = _quarantine(r, quarantine, stamp, limits)
        elif r.status == "loaded":
            r.archived = _archive(r, archive)
        r.data = None

    with ThreadPoolExecutor(max_workers=4) as pool:  # file copies wait on the disk, not the CPU
        list(pool.map(keep, report.files))
    wh.append_ledger(_ledger_entry(r, stamp, who) for r in report.files
                     if r.status not in ("skipped", "ignored"))
    if replacements:
        with (wh.root / REPLACEMENTS_FILE).open("a", encoding="utf-8") as fh:
            for e in replacements:
                fh.write(json.dumps(e, ensure_ascii=False, default=str) + "\n")
    report.seconds = time.perf_counter() - t0
    return report


def replacements(warehouse: Warehouse | None = None) -> list[dict[str, Any]]:
    """The replacements log: one entry per row a resubmission replaced (old → new), and one
    per row it dropped (``"dropped": true``: the new submission of its scope lacks it)."""
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
    """A regular file's bytes (read once, never more than the size limit + 1 bytes) and their
    sha256; symbolic links, pipes, devices and oversized files are refused unread."""
    res = FileResult(path, "", "pending")

    def refuse(key: str, rule: str = "file", **kw: Any) -> tuple[FileResult, bytes]:
        res.status = "rejected"
        res.problems.append(Problem("?", rule, tr(key, lang, **kw), file=str(path)))
        return res, b""

    def too_big(size: int) -> tuple[FileResult, bytes]:
        res.size = size
        return refuse("too_big", "file size", size=size_text(size),
                      limit=size_text(limits.max_bytes))

    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return refuse("not_regular", kind=tr(_kind(st.st_mode), lang))
        if st.st_size > limits.max_bytes:
            return too_big(st.st_size)
        # O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a pipe after the check is
        # neither followed nor waited on; fstat then judges what was really opened.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return refuse("not_regular", kind=tr(_kind(st.st_mode), lang))
            chunks: list[bytes] = []
            left = limits.max_bytes + 1
            while left > 0:
                chunk = os.read(fd, left)  # a regular file: mostly one read, no join copy
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link put there after the check
            return refuse("not_regular", kind=tr("kind_symlink", lang))
        return refuse("read_error", error=exc.strerror or type(exc).__name__)
    data = b"".join(chunks)
    del chunks
    if len(data) > limits.max_bytes:  # it grew after the size check
        return too_big(len(data))
    res.size = len(data)
    res.sha256 = hashlib.sha256(data).hexdigest()
    if sniff(data) == "empty":
        res.data = data
        return refuse("empty")
    return res, data


def _kind(mode: int) -> str:
    """The message key naming what a non-regular file is."""
    if stat.S_ISLNK(mode):
        return "kind_symlink"
    if stat.S_ISFIFO(mode):
        return "kind_fifo"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "kind_device"
    if stat.S_ISSOCK(mode):
        return "kind_socket"
    if stat.S_ISDIR(mode):
        return "kind_folder"
    return "kind_other"


def _unexpected(res: FileResult, stage: str, exc: BaseException, lang: str) -> None:
    """Reject one file for a failure nobody foresaw (a bug or a broken library), with the
    reason, so that it is quarantined and the other files go on."""
    log.error("unexpected failure %s %s", stage, res.path, exc_info=exc)
    res.status = "rejected"
    res.problems.append(Problem(res.table or "?", "unexpected failure", tr(
        "unexpected", lang, stage=tr(stage, lang), error=f"{type(exc).__name__}: {exc}"),
        file=str(res.path)))


def _validate(batch: Batch, lang: str, today: date, limits: Limits,
              wh: Warehouse | None) -> Batch:
    """``batch.validate()``; if it fails unexpectedly, every file is validated alone again
    (from its kept bytes) so that only the file that fails is rejected. Checks across the
    files of the call (petition ids used by two units) then see one file at a time."""
    try:
        batch.validate()
        return batch
    except Exception as exc:  # noqa: BLE001
        log.error("validating the batch failed; validating file by file", exc_info=exc)
    merged = Batch(lang, today, limits, wh)
    for item in batch.items:
        res = item.result
        res.problems, res.status, res.table = [], "pending", None
        solo = Batch(lang, today, limits, wh)
        try:
            solo.add(res, read_file(res.path, res.data, lang=lang, limits=limits))
            solo.validate()
        except Exception as exc:  # noqa: BLE001
            res.problems = []
            _unexpected(res, "stage_validate", exc, lang)
            continue
        offset = len(merged.items)
        merged.items.extend(solo.items)
        for tname, typed in solo.typed.items():
            typed = typed.assign(_file=typed["_file"] + offset)
            merged.typed[tname] = (pd.concat([merged.typed[tname], typed], ignore_index=True)
                                   if tname in merged.typed else typed)
    return merged


def format_outcome(res: FileResult, lang: str = "en") -> str:
    """One line naming a file and what happened to it ("loaded", "replaced", "unchanged",
    "rejected", "ignored"), with the figures or the first reason."""
    outcome = res.outcome
    if outcome in ("loaded", "replaced"):
        detail = i18n.text("ingest.outcome.rows", lang, n=fmt.number(res.rows, lang))
        for r in res.replaces:
            prev = (r.get("previous") or {}).get("file") or "?"
            detail += i18n.text("ingest.outcome.replacing", lang, scope=r["scope"],
                           old=fmt.number(r["old"]["rows"], lang),
                           new=fmt.number(r["new"]["rows"], lang), prev=prev)
    elif outcome == "rejected":
        first = res.problems[0].message if res.problems else ""
        detail = i18n.text("ingest.outcome.problems", lang, n=len(res.problems), first=first)
    else:
        detail = res.note.removeprefix(f"{outcome}: ")
    return f"{res.path}: {outcome}" + (f" ({detail})" if detail else "")


# ------------------------------------------------------------------------------------------------
# Writing
def _write_each(batch: Batch, wh: Warehouse, stamp: str, who: str, lang: str
                ) -> list[dict[str, Any]]:
    """:func:`_write`; if it fails unexpectedly, each accepted file is written alone, in
    order, and a file that still fails is rejected with the reason (the others go on)."""
    try:
        return _write(batch, wh, stamp, who)
    except Exception as exc:  # noqa: BLE001
        log.error("writing the batch failed; writing file by file", exc_info=exc)
    entries: list[dict[str, Any]] = []
    for fi, item in enumerate(batch.items):
        res = item.result
        if res.status != "loaded":
            continue
        res.replaces, res.scopes, res.replaced_rows, res.changed_rows = [], [], 0, 0
        try:
            entries += _write(batch, wh, stamp, who, only=fi)
        except Exception as exc:  # noqa: BLE001
            res.replaces, res.scopes, res.replaced_rows, res.changed_rows = [], [], 0, 0
            _unexpected(res, "stage_write", exc, lang)
    return entries


def _write(batch: Batch, wh: Warehouse, stamp: str, who: str, only: int | None = None
           ) -> list[dict[str, Any]]:
    """Write the accepted rows of each table (of file ``only``, or of all); return the
    replacement-log entries.

    Each row belongs to a scope (unit and period, :func:`_scopes`); the stored rows of every
    scope written are replaced whole, dropped rows included. Within one call a later file of
    a scope replaces an earlier one whole too. Rows whose key appears in several files of the
    call are written in file order (a later file replaces an earlier one), so every
    replacement is attributed to its file.
    """
    entries: list[dict[str, Any]] = []
    accepted = np.array([it.result.status == "loaded" and (only is None or fi == only)
                         for fi, it in enumerate(batch.items)] + [False])
    ledger = wh.ledger()
    entries += _write_empty(batch, wh, accepted, ledger, stamp, who)
    for tname, typed in batch.typed.items():
        tbl = table(tname)
        rows = typed[accepted[typed["_file"].to_numpy()]]
        if rows.empty:
            continue
        rows = _storage_types(rows, tbl)
        rows[SCOPE_COLUMN] = _scopes(rows, tbl)
        key = list(tbl.key)
        # Within the call, the last file of a scope is its submission: an earlier file's rows
        # of that scope stay only where the last file has the same key (to log the change).
        last = rows.groupby(SCOPE_COLUMN, observed=True)["_file"].transform("max").to_numpy()
        is_last = rows["_file"].to_numpy() == last
        if not is_last.all():
            idx = pd.MultiIndex.from_frame(rows[[SCOPE_COLUMN, *key]].astype(str))
            rows = rows[is_last | idx.isin(idx[is_last])]
        for fi, scopes in rows.groupby("_file", observed=True)[SCOPE_COLUMN].unique().items():
            res = batch.items[int(fi)].result
            res.scopes = sorted(set(res.scopes) | {f"{tname}|{s}" for s in scopes})
        scopes_written = sorted(rows[SCOPE_COLUMN].unique())
        occ = rows.groupby(key, sort=False).cumcount().to_numpy()
        # A scope must be dropped in gen 0 from every partition it has rows in, also where
        # only later generations write (needed only when keys repeat across files).
        visit = sorted(set(partition_keys(rows, tbl).dropna())) if occ.max() > 0 else []
        earlier: pd.DataFrame | None = None
        scoped_old: pd.DataFrame | None = None
        for gen in range(int(occ.max()) + 1):
            part = rows[occ == gen]
            first = gen == 0
            result = wh.upsert(tname, part[[*tbl.columns, SCOPE_COLUMN]],
                               drop_scopes=scopes_written if first else (),
                               visit=visit if first else ())
            if first:
                scoped_old = result.scoped_old
            if result.replaced is not None and len(result.replaced):
                entries += _diff(result.replaced, part, tbl, batch.items, earlier, ledger,
                                 stamp, who)
            earlier = part if earlier is None else pd.concat([earlier, part])
        if scoped_old is not None and len(scoped_old):
            entries += _record_scopes(rows, scoped_old, tbl, batch.items, ledger, stamp, who)
    return entries


def _write_empty(batch: Batch, wh: Warehouse, accepted: np.ndarray,
                 ledger: list[dict[str, Any]], stamp: str, who: str) -> list[dict[str, Any]]:
    """Accepted files with no row for a table whose form names its unit and period (a
    header-only petition file: no petitions that period): the stored rows of that scope go.
    """
    from reportkit.core import units as U

    entries: list[dict[str, Any]] = []
    typed_files: dict[str, set[int]] | None = None
    for fi, item in enumerate(batch.items):
        if not accepted[fi] or not any(p.n == 0 for p in item.read.parts):
            continue
        if typed_files is None:
            typed_files = {t: set(np.unique(df["_file"].to_numpy()).tolist())
                           for t, df in batch.typed.items()}
        for part in item.read.parts:
            ctx = part.context
            if part.n or ctx.unit is None or ctx.period is None or fi in typed_files.get(
                    part.table, set()):
                continue
            tbl = table(part.table)
            try:
                code = U.resolve(ctx.unit, at=ctx.period.last).code
            except Exception:  # noqa: BLE001 - validation reported an unknown unit already
                continue
            scope = f"{code}|{ctx.period}"
            probe = pd.DataFrame({"unit_code": [code],
                                  TIME_COLUMN[tbl.name]: [pd.Timestamp(ctx.period.last)]})
            visit = [k for k in partition_keys(probe, tbl).dropna()]
            res = item.result
            res.scopes = sorted(set(res.scopes) | {f"{tbl.name}|{scope}"})
            result = wh.upsert(tbl.name, pd.DataFrame(columns=tbl.columns),
                               drop_scopes=[scope], visit=visit)
            if result.scoped_old is None or not len(result.scoped_old):
                continue
            none = result.scoped_old.iloc[0:0].assign(_file=fi)
            entries += _record_scopes(none, result.scoped_old, tbl, batch.items, ledger,
                                      stamp, who, file=fi)
    return entries


def _scopes(rows: pd.DataFrame, tbl: Table) -> pd.Series:
    """Each row's submission scope, "<unit code>|<period>": the period its form states (file
    name or form cells), else the span of its file's dates ("2025-07-03..2025-07-28")."""
    when = TIME_COLUMN[tbl.name]
    fmt = "%Y-%m" if tbl.name == "activity" else "%Y-%m-%d"
    span = rows.groupby("_file")[when].agg(["min", "max"])
    text = {fi: f"{lo:{fmt}}..{hi:{fmt}}" for fi, lo, hi in
            zip(span.index, span["min"], span["max"], strict=True)}
    period = rows["_period"] if "_period" in rows else pd.Series("", index=rows.index)
    # Few distinct (file, period, unit) triples: build each scope text once (a categorical).
    p_codes, p_uniq = pd.factorize(period.fillna("").astype(str))
    u_codes, u_uniq = pd.factorize(rows["unit_code"].astype(str))
    files = rows["_file"].to_numpy(dtype=np.int64)
    combo = (files * len(p_uniq) + p_codes) * len(u_uniq) + u_codes
    codes, uniques = pd.factorize(combo)
    names = []
    for c in uniques:
        rest, u = divmod(int(c), len(u_uniq))
        fi, p = divmod(rest, len(p_uniq))
        names.append(f"{u_uniq[u]}|{p_uniq[p] or text[fi]}")
    cats = list(dict.fromkeys(names))
    where = {c: i for i, c in enumerate(cats)}
    mapped = np.array([where[n] for n in names], dtype=np.int64)
    return pd.Series(pd.Categorical.from_codes(mapped[codes], cats), index=rows.index)


def _figures(df: pd.DataFrame, tbl: Table) -> dict[str, Any]:
    """The key figures of a scope's rows: how many, the total of every count and how many
    rows say yes in every yes/no column."""
    totals: dict[str, int] = {}
    for f in tbl.fields:
        if f.type == COUNT:
            totals[f.name] = int(pd.to_numeric(df[f.name], errors="coerce").sum())
        elif f.type == BOOL:
            totals[f.name] = int(df[f.name].astype("boolean").fillna(False).sum())
    return {"rows": len(df), "totals": totals}


def _record_scopes(rows: pd.DataFrame, scoped_old: pd.DataFrame, tbl: Table,
                   items: list[BatchItem], ledger: list[dict[str, Any]], stamp: str, who: str,
                   file: int | None = None) -> list[dict[str, Any]]:
    """For every scope whose stored rows were replaced: old and new figures and the file
    that was its submission, on the result of the file that now is (for its ledger entry);
    returns a replacements-log entry for every row the new submission no longer has."""
    key = list(tbl.key)
    out: list[dict[str, Any]] = []
    for scope, old in scoped_old.groupby(SCOPE_COLUMN, sort=True):
        new = rows[rows[SCOPE_COLUMN].astype(object) == scope]
        if new.empty and file is None:
            continue
        res = items[int(new["_file"].max()) if file is None else file].result
        full = f"{tbl.name}|{scope}"
        prev = next((e for e in reversed(ledger) if e.get("status") == "loaded"
                     and full in (e.get("scopes") or ())), None)
        previous = None if prev is None else {
            k: prev.get(k) for k in ("file", "sha256", "at", "user")}
        res.replaces.append({
            "scope": full, "old": _figures(old, tbl),
            "new": _figures(new.drop_duplicates(key, keep="last"), tbl),
            "previous": previous,
        })
        kept = pd.MultiIndex.from_frame(new[key].astype(str))
        gone = old[~pd.MultiIndex.from_frame(old[key].astype(str)).isin(kept)]
        for k in gone[key].astype(str).itertuples(index=False):
            out.append({"at": stamp, "user": who, "table": tbl.name,
                        "key": dict(zip(key, k, strict=True)), "file": str(res.path),
                        "sha256": res.sha256, "previous": previous, "dropped": True,
                        "changes": {}})
    return out


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
        "scopes": r.scopes, "replaces": r.replaces,
        "reasons": list(reasons.values()),
        "quarantined": str(r.quarantined) if r.quarantined else None,
        "archived": str(r.archived) if r.archived else None,
    }


def _archive(res: FileResult, folder: Path) -> Path | None:
    """Keep an accepted original, named by its hash (the same bytes are kept once): the
    bytes that were hashed and checked, not a second read of the path."""
    if res.data is None:
        return None
    dest = folder / res.sha256[:2] / f"{res.sha256[:12]}-{res.path.name}"
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.part")
        tmp.write_bytes(res.data)
        tmp.replace(dest)
    return dest


def _quarantine(res: FileResult, folder: Path, stamp: str, limits: Limits) -> Path:
    """Copy a rejected file (bytes untouched; the source stays) and write its reports beside
    it: ``<copy>.problems.csv`` and ``<copy>.problems.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{stamp.replace(':', '')}-{(res.sha256 or 'nohash')[:8]}-{res.path.name}"
    copied = res.data is not None and len(res.data) <= limits.max_bytes
    if copied:
        dest.write_bytes(res.data or b"")
    report: dict[str, Any] = {
        "file": str(res.path), "sha256": res.sha256, "table": res.table,
        "copy": str(dest) if copied else None,
        "note": None if copied else ("not copied (too large, unreadable or not a regular "
                                     "file); the source is kept"),
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
    lines = [i18n.text("ingest.problems.head", lang, path=res.path, n=len(res.problems))]
    for p in res.problems[:limit]:
        where = ", ".join(x for x in (
            i18n.text("ingest.problems.sheet", lang, sheet=p.sheet) if p.sheet else None,
            i18n.text("ingest.problems.row", lang, row=p.row) if p.row is not None else None,
            i18n.text("ingest.problems.column", lang, column=p.column) if p.column else None) if x)
        shown = "" if p.value is None else i18n.text("ingest.problems.value", lang, value=p.value)
        lines.append(f"  - {where + ': ' if where else ''}{p.message}{shown}")
    if len(res.problems) > limit:
        lines.append(i18n.text("ingest.problems.more", lang, n=len(res.problems) - limit))
    if res.quarantined:
        lines.append(i18n.text("ingest.problems.report", lang,
                          path=f"{res.quarantined}.problems.csv"))
    return "\n".join(lines)
