"""The warehouse: Parquet files under ``data/warehouse/``, one partition per table and unit.

Layout::

    data/warehouse/catalog.json                      table → partition → file, sha256, rows
    data/warehouse/ledger.jsonl                      one line per loaded submission (sha256, ...)
    data/warehouse/<table>/<unit key>/<sha>.parquet  e.g. petitions/15@2025-07-01/3fa2….parquet

Every stored row also carries the submission scope it came from (``_scope``: unit and period,
"15|2025-Q3"), so that a resubmission can replace *all* the rows of its unit, period and table,
including rows it no longer has, and nothing else. The column is not part of the data contract
(:meth:`Warehouse.read` never returns it); rows written without a scope keep it empty and are
only ever replaced by key.

A partition is keyed by the unit *and its era* ("15@2008-08-01" is Yên Bái, "15@2025-07-01" is
Lào Cai), so a code is never joined alone. Files are content-addressed and never modified; a
write produces new files and then replaces ``catalog.json`` atomically, so a load is
all-or-nothing and readers never see half a write. A slice's data version is the hash of the
partition files it reads.

A batch reads one *snapshot*: it pins the catalogue it was planned on (:meth:`Warehouse.pin`,
a copy under ``pins/``) and its kernels get ``REPORTKIT_SNAPSHOT``, so every report of the batch
reads the same partition files even when an ingest replaces ``catalog.json`` meanwhile; the
garbage collection of a write keeps every file a live pin references. Catalogue entries also
record the first and last date of their rows, so "does this period have any data?" is answered
before any kernel starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from reportkit.core import i18n
from reportkit.core import units as U
from reportkit.core.periods import Period, assign_months
from reportkit.core.schema import BOOL, CODE, COUNT, DATE, MONTH, Table, table
from reportkit.errors import WarehouseError
from reportkit.store.io import atomic_write

ENV_HOME = "REPORTKIT_HOME"
ENV_WAREHOUSE = "REPORTKIT_WAREHOUSE"
# The hidden column holding a stored row's submission scope ("<unit code>|<period>").
SCOPE_COLUMN = "_scope"
ENV_SNAPSHOT = "REPORTKIT_SNAPSHOT"  # a pinned catalogue (pins/<sha>-<run>.json) to read instead
PINS = "pins"
PIN_MAX_AGE = 7 * 24 * 3600  # seconds: a pin older than this was left by a killed batch
# The date column that places a row in time, per table.
TIME_COLUMN = {"activity": "month", "petitions": "received_on"}
# Warehouse files hold petitioners' personal data: readable by their owner only (as the
# temporary files they are written through are).
_PRIVATE = 0o600


def project_root() -> Path:
    """The project folder: $REPORTKIT_HOME, else the nearest parent of the working directory
    holding ``params/`` and ``data/``, else the working directory."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for p in (here, *here.parents):
        if (p / "params").is_dir() and (p / "data").is_dir():
            return p
    return here


def default_root() -> Path:
    """$REPORTKIT_WAREHOUSE, else ``<project>/data/warehouse``."""
    env = os.environ.get(ENV_WAREHOUSE)
    return Path(env).resolve() if env else project_root() / "data" / "warehouse"


def _arrow_schema(t: Table) -> pa.Schema:
    types = {CODE: pa.string(), COUNT: pa.int64(), MONTH: pa.timestamp("ms"),
             DATE: pa.timestamp("ms"), BOOL: pa.bool_()}
    return pa.schema([(f.name, types.get(f.type, pa.string())) for f in t.fields])


def partition_keys(df: pd.DataFrame, tbl: Table) -> pd.Series:
    """The unit key ("15@2025-07-01") of every row, from its code and date (never code alone)."""
    when = pd.to_datetime(df[TIME_COLUMN[tbl.name]])
    post = when >= pd.Timestamp(U.MERGER_DATE)
    old_keys = {u.code: u.key for u in U.units_at(date(2025, 6, 1))}
    new_keys = {u.code: u.key for u in U.units_at(U.MERGER_DATE)}
    codes = df["unit_code"].astype(str)
    return codes.map(new_keys).where(post, codes.map(old_keys))


# Parsed catalogue and ledger files, by path: (the bytes parsed, what they parsed to). A report
# asks for partitions some 190 times; parsing catalog.json each time was ~40 ms of its CPU.
_PARSED: dict[tuple[str, str], tuple[bytes, Any]] = {}


def _parsed(path: Path, kind: str, parse: Any) -> Any:
    """``parse(bytes)`` of the file at ``path`` (None if it does not exist), reused while the
    file's bytes are the same: exact, however close together writes come. Callers must not
    modify what it returns; it is shared."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    key = (str(path), kind)
    hit = _PARSED.get(key)
    if hit is not None and hit[0] == data:
        return hit[1]
    value = parse(data)
    _PARSED[key] = (data, value)
    return value


# Data versions per catalogue file: (the parsed catalogue they were computed from, key → version).
_VERSIONS: dict[str, tuple[Any, dict[tuple[Any, ...], str]]] = {}


def _ledger_lines(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


@dataclass
class WriteResult:
    """What one transaction changed: rows added and rows replaced (old values kept)."""

    added: int = 0
    replaced: pd.DataFrame | None = None
    partitions: list[str] = field(default_factory=list)
    # The rows that belonged to a scope in ``drop_scopes`` before the write (all of them, also
    # those the new rows replaced by key), with their ``_scope``.
    scoped_old: pd.DataFrame | None = None


class Warehouse:
    """A warehouse folder. Cheap to create; reads ``catalog.json`` on demand.

    Reads (partitions, data versions, :func:`load`) go through ``snapshot`` when it is set, or
    through $REPORTKIT_SNAPSHOT when that names a pin of this warehouse: the catalogue a batch
    was planned on. Writes always go to the live catalogue.
    """

    def __init__(self, root: Path | str | None = None, *,
                 snapshot: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        if snapshot is None:
            env = os.environ.get(ENV_SNAPSHOT)
            if env and Path(env).resolve().parent == (self.root / PINS).resolve():
                snapshot = env
        self.snapshot = Path(snapshot) if snapshot is not None else None

    # -- catalogue -----------------------------------------------------------------------------
    @property
    def catalog_path(self) -> Path:
        return self.root / "catalog.json"

    @property
    def read_path(self) -> Path:
        """The catalogue reads go through: the pinned snapshot, else ``catalog.json``."""
        if self.snapshot is not None:
            if not self.snapshot.is_file():
                raise WarehouseError(f"The pinned warehouse snapshot {self.snapshot} is gone "
                                     "(its batch ended?)", file=str(self.snapshot))
            return self.snapshot
        return self.catalog_path

    def catalog_bytes(self) -> bytes:
        """The live catalogue's bytes (what a batch plans on and pins)."""
        try:
            return self.catalog_path.read_bytes()
        except FileNotFoundError:
            raise i18n.error(WarehouseError, "warehouse.missing", {"file": str(self.root)},
                             root=self.root) from None

    def pin(self, data: bytes, tag: str) -> Path:
        """Keep the catalogue ``data`` readable until :meth:`unpin`: write it under ``pins/``
        and refuse if a partition file it lists is already gone. Returns the pin's path (for
        $REPORTKIT_SNAPSHOT)."""
        sha = hashlib.sha256(data).hexdigest()[:16]
        path = self.root / PINS / f"{sha}-{tag}.json"
        atomic_write(path, data, mode=_PRIVATE)
        if self.catalog_bytes() == data:
            return path
        # A write came between planning and pinning: its garbage collection may have removed
        # files the plan reads.
        cat = json.loads(data)
        missing = [p["file"] for parts in cat.get("tables", {}).values()
                   for p in parts.values() if not (self.root / p["file"]).is_file()]
        if missing:
            path.unlink(missing_ok=True)
            raise WarehouseError(f"The warehouse changed since the batch was planned "
                                 f"({len(missing)} file(s) it read are gone, e.g. "
                                 f"{missing[0]}); run the command again", file=str(self.root))
        return path

    @staticmethod
    def unpin(path: Path) -> None:
        """Release a pin: a later write may collect the files only it referenced."""
        with contextlib.suppress(OSError):
            path.unlink()

    def _pinned_files(self) -> set[Path]:
        live: set[Path] = set()
        now = datetime.now().timestamp()
        for pin in (self.root / PINS).glob("*.json"):
            try:
                if now - pin.stat().st_mtime > PIN_MAX_AGE:
                    pin.unlink()
                    continue
                cat = json.loads(pin.read_bytes())
            except (OSError, ValueError):
                continue
            live |= {self.root / p["file"] for parts in cat.get("tables", {}).values()
                     for p in parts.values()}
        return live

    def catalog(self) -> dict[str, Any]:
        try:
            return json.loads(self.catalog_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": 1, "tables": {}}

    def exists(self) -> bool:
        return self.catalog_path.exists()

    def partitions(self, table_name: str) -> dict[str, dict[str, Any]]:
        """The table's partitions as the catalogue lists them now (key → file, sha256, rows).
        The entries are shared with later calls: read them, do not modify them."""
        cat = _parsed(self.read_path, "catalog", json.loads) or {}
        return dict(cat.get("tables", {}).get(table_name, {}))

    # -- ledger ----------------------------------------------------------------------------------
    @property
    def ledger_path(self) -> Path:
        return self.root / "ledger.jsonl"

    def ledger(self) -> list[dict[str, Any]]:
        try:
            return _ledger_lines(self.ledger_path.read_bytes())
        except FileNotFoundError:
            return []

    def holds_sample_data(self) -> bool:
        """Whether anything loaded came from a folder marked by the sample generator."""
        return any(e.get("sample") for e in _parsed(self.ledger_path, "ledger", _ledger_lines)
                   or ())

    def loaded_shas(self) -> set[str]:
        """Every file (sha256) ever loaded, current or not."""
        return {e["sha256"] for e in self.ledger() if e.get("status") == "loaded"}

    def current_shas(self) -> set[str]:
        """The files (sha256) that are the current submission of every scope they loaded
        ("petitions|15|2025-Q3"): sending one of them again changes nothing. A file whose
        scope a later file replaced is not current, so sending it back makes it current
        again. Ledger entries written before scopes were recorded count as current."""
        latest: dict[str, str] = {}
        scopes_of: dict[str, list[str]] = {}
        for e in self.ledger():
            if e.get("status") != "loaded":
                continue
            sha = e["sha256"]
            scopes = e.get("scopes")
            scopes = [f"file:{sha}"] if scopes is None else list(scopes)
            scopes_of[sha] = scopes
            for scope in scopes:
                latest[scope] = sha
        return {sha for sha, scopes in scopes_of.items()
                if all(latest[s] == sha for s in scopes)}

    def current_submission(self, scope: str) -> dict[str, Any] | None:
        """The ledger entry of the file that is the current submission of ``scope``."""
        found = None
        for e in self.ledger():
            if e.get("status") == "loaded" and scope in (e.get("scopes") or ()):
                found = e
        return found

    def append_ledger(self, entries: Iterable[dict[str, Any]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with self.ledger_path.open("a", encoding="utf-8") as fh:
            for e in entries:
                fh.write(json.dumps(e, ensure_ascii=False, default=str) + "\n")

    # -- writing -------------------------------------------------------------------------------
    def upsert(self, table_name: str, rows: pd.DataFrame, *,
               drop_scopes: Iterable[str] = (), visit: Iterable[str] = ()) -> WriteResult:
        """Insert or replace rows by the table key, all partitions in one atomic catalogue swap.

        ``rows`` must be typed and validated (see :mod:`reportkit.core.schema`); a
        ``_scope`` column, if present, is stored with them. Stored rows whose scope is in
        ``drop_scopes`` are removed first (in the partitions the rows go to): a resubmission
        replaces all the rows of its scope. ``visit`` names further partitions (unit keys) to
        drop those scopes from even where no row of ``rows`` goes.
        """
        tbl = table(table_name)
        drop = set(drop_scopes)
        result = WriteResult(replaced=rows.iloc[0:0])
        visit = list(visit)
        if rows.empty and not (drop and visit):
            return result
        cols = tbl.columns + [SCOPE_COLUMN]
        rows = rows.reindex(columns=cols)
        if not isinstance(rows[SCOPE_COLUMN].dtype, pd.CategoricalDtype):
            rows[SCOPE_COLUMN] = rows[SCOPE_COLUMN].astype(object)  # all-NaN floats when absent
        keys = partition_keys(rows, tbl)
        if keys.isna().any():
            bad = rows.loc[keys.isna(), "unit_code"].unique()
            raise WarehouseError(f"rows with no unit in force: codes {sorted(bad)}",
                                 table=table_name)
        cat = self.catalog()
        parts = cat.setdefault("tables", {}).setdefault(table_name, {})
        schema = _arrow_schema(tbl).append(pa.field(SCOPE_COLUMN, pa.string()))
        replaced = []
        scoped_old = []
        new_files: list[Path] = []
        # Each partition's rows, already in their stored order: one stable sort of the whole
        # frame by partition, then by the sort columns, and a slice per partition (the same
        # order as sorting each partition's rows alone; one take instead of one per partition).
        codes, uniques = pd.factorize(keys.to_numpy())
        sort_cols = list(_sort_cols(tbl))
        order_by = pd.concat([pd.Series(codes), *(rows[c].reset_index(drop=True)
                                                   for c in sort_cols)],
                             axis=1, keys=range(len(sort_cols) + 1))
        order = order_by.sort_values(list(order_by.columns), kind="stable").index.to_numpy()
        by_key = rows.take(order)
        bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        groups = {str(k): by_key.iloc[bounds[i]:bounds[i + 1]] for i, k in enumerate(uniques)}
        if drop:
            for k in visit:
                groups.setdefault(k, rows.iloc[0:0])
        for key in sorted(groups):
            new = groups[key]
            old = self._read_partition(table_name, parts.get(key))
            if old is None and new.empty:
                continue
            if old is not None and not old.empty:
                old = old.reindex(columns=cols)
                idx_old = pd.MultiIndex.from_frame(old[list(tbl.key)].astype(str))
                idx_new = pd.MultiIndex.from_frame(new[list(tbl.key)].astype(str))
                hit = idx_old.isin(idx_new)
                gone = old[SCOPE_COLUMN].isin(drop).to_numpy(dtype=bool) if drop else (
                    np.zeros(len(old), dtype=bool))
                replaced.append(old[hit])
                if gone.any():
                    scoped_old.append(old[gone])
                merged = pd.concat([old[~hit & ~gone], new], ignore_index=True)
                merged = merged.sort_values(sort_cols, kind="stable")
            else:
                merged = new  # sorted above
            result.added += len(new)
            # One thread: a pool per partition cost more than the conversion it shares out.
            arrow = pa.Table.from_pandas(merged[cols], schema=schema, preserve_index=False,
                                         nthreads=1)
            sink = pa.BufferOutputStream()
            pq.write_table(arrow, sink, row_group_size=64_000, compression="zstd")
            data = sink.getvalue().to_pybytes()
            sha = hashlib.sha256(data).hexdigest()
            rel = f"{table_name}/{key}/{sha[:20]}.parquet"
            path = self.root / rel
            if not path.exists():
                atomic_write(path, data, mode=_PRIVATE)
                new_files.append(path)
            when = merged[TIME_COLUMN[table_name]]
            parts[key] = {"file": rel, "sha256": sha, "rows": len(merged),
                          "first": pd.Timestamp(when.min()).date().isoformat(),
                          "last": pd.Timestamp(when.max()).date().isoformat()}
            result.partitions.append(key)
        if replaced:
            result.replaced = pd.concat(replaced, ignore_index=True)
        if scoped_old:
            result.scoped_old = pd.concat(scoped_old, ignore_index=True)
        cat["updated"] = datetime.now().isoformat(timespec="seconds")
        atomic_write(self.catalog_path, json.dumps(cat, indent=1, ensure_ascii=False).encode(),
                     mode=_PRIVATE)
        self._collect_garbage(cat)
        return result

    def _collect_garbage(self, cat: dict[str, Any]) -> None:
        live = {self.root / p["file"] for parts in cat["tables"].values() for p in parts.values()}
        live |= self._pinned_files()  # a running batch still reads these
        for tname in cat["tables"]:
            for f in (self.root / tname).glob("*/*.parquet"):
                if f not in live:
                    with contextlib.suppress(OSError):
                        f.unlink()

    # -- reading -------------------------------------------------------------------------------
    def _read_partition(self, table_name: str, entry: dict[str, Any] | None) -> pd.DataFrame | None:
        if entry is None:
            return None
        return pq.read_table(self.root / entry["file"]).to_pandas()

    def select_partitions(self, table_name: str, unit_keys: Iterable[str] | None) -> list[str]:
        parts = self.partitions(table_name)
        if unit_keys is None:
            return sorted(parts)
        return [k for k in sorted(set(unit_keys)) if k in parts]

    def read(self, table_name: str, keys: list[str], *, columns: list[str] | None = None,
             filter_: ds.Expression | None = None) -> pd.DataFrame:
        """Read the given partitions with an optional Arrow filter; empty frame if none."""
        tbl = table(table_name)
        parts = self.partitions(table_name)
        files = [str(self.root / parts[k]["file"]) for k in keys if k in parts]
        schema = _arrow_schema(tbl)
        cols = columns or tbl.columns
        if not files:
            return schema.empty_table().select(cols).to_pandas()
        dataset = ds.dataset(files, format="parquet", schema=schema)
        return dataset.to_table(columns=cols, filter=filter_).to_pandas()

    def latest_month(self) -> date:
        """The last month with office-activity data."""
        parts = self.partitions("activity")
        if not parts:
            raise WarehouseError(f"No activity data in {self.root}: run `reportkit ingest`",
                                 file=str(self.root))
        files = [str(self.root / p["file"]) for p in parts.values()]
        col = ds.dataset(files, format="parquet").to_table(columns=["month"]).column("month")
        import pyarrow.compute as pc

        return pc.max(col).as_py().date().replace(day=1)

    def latest_complete(self, kind: str = "quarter") -> str:
        """The code of the latest complete month/quarter/half/year in the data."""
        m = self.latest_month()
        if kind == "month":
            return f"{m:%Y-%m}"
        size = {"quarter": 3, "half": 6, "year": 12}[kind]
        last_full = m.month - m.month % size  # last month closing a complete period
        y = m.year if last_full > 0 else m.year - 1
        last_full = last_full or 12
        if kind == "quarter":
            return f"{y}-Q{last_full // 3}"
        if kind == "half":
            return f"{y}-H{last_full // 6}"
        return str(m.year if m.month == 12 else m.year - 1)

    def has_data(self, table_name: str, first: date, last: date, *,
                 catalog: dict[str, Any] | None = None) -> bool | None:
        """Whether any row of the table falls between ``first`` and ``last`` (inclusive):
        from the dates the catalogue records per partition, else from the Parquet statistics
        of the files. None when neither can tell (files listed but absent). ``catalog`` is a
        parsed catalogue to ask instead of the one this warehouse reads (a batch's snapshot)."""
        parts = (self.partitions(table_name) if catalog is None
                 else catalog.get("tables", {}).get(table_name, {}))
        unknown = False
        for entry in parts.values():
            lo, hi = entry.get("first"), entry.get("last")
            if lo is None or hi is None:
                lo, hi = _file_range(self.root / entry["file"], TIME_COLUMN[table_name])
            if lo is None or hi is None:
                unknown = True
                continue
            if date.fromisoformat(str(lo)[:10]) <= last and date.fromisoformat(
                    str(hi)[:10]) >= first:
                return True
        return None if unknown else False

    def data_version(self, table_name: str, keys: list[str] | None = None, *,
                     catalog: dict[str, Any] | None = None) -> str:
        """A short hash of the partition files a slice reads (changes when any of them does).

        Remembered for the catalogue as parsed (:func:`_parsed`): a report asks ~180 times.
        ``catalog``: a parsed catalogue to use instead (a batch's snapshot; not remembered)."""
        if catalog is not None:
            return _version(catalog, table_name, keys)
        path = self.read_path
        cat = _parsed(path, "catalog", json.loads) or {}
        slot = _VERSIONS.get(str(path))
        if slot is None or slot[0] is not cat:  # another catalogue: start afresh
            slot = _VERSIONS[str(path)] = (cat, {})
        memo_key = (table_name, None if keys is None else tuple(keys))
        found = slot[1].get(memo_key)
        if found is None:
            found = slot[1][memo_key] = _version(cat, table_name, keys)
        return found


def _version(cat: dict[str, Any], table_name: str, keys: list[str] | None) -> str:
    parts = cat.get("tables", {}).get(table_name, {})
    chosen = sorted(parts) if keys is None else sorted(k for k in keys if k in parts)
    h = hashlib.sha256(table_name.encode())
    for k in chosen:
        h.update(f"{k}={parts[k]['sha256']};".encode())
    return h.hexdigest()[:16]


def _file_range(path: Path, column: str) -> tuple[str | None, str | None]:
    """The min and max of ``column`` in a Parquet file, from its footer statistics."""
    try:
        meta = pq.ParquetFile(path).metadata
    except (OSError, pa.ArrowException):
        return None, None
    idx = meta.schema.to_arrow_schema().get_field_index(column)
    lows, highs = [], []
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(idx).statistics
        if stats is None or not stats.has_min_max:
            return None, None
        lows.append(pd.Timestamp(stats.min))
        highs.append(pd.Timestamp(stats.max))
    if not lows:
        return None, None
    return min(lows).date().isoformat(), max(highs).date().isoformat()


def _sort_cols(tbl: Table) -> tuple[str, ...]:
    return (TIME_COLUMN[tbl.name], *tbl.key)


# ------------------------------------------------------------------------------------------------
# The read API reports use.
def _as_period(period: Period | str | None) -> Period | None:
    if period is None or isinstance(period, Period):
        return period
    return Period.parse(period)


def _resolve_units(units: Any, at: date) -> list[U.Unit] | None:
    if units is None or units == "all":
        return None
    if isinstance(units, U.Unit | str | int):
        units = [units]
    return [u if isinstance(u, U.Unit) else U.resolve(u, at=at) for u in units]


def slice_keys(units: list[U.Unit] | None, period: Period | None,
               reaggregate: bool = True) -> list[str] | None:
    """Partition keys a (units, period) slice needs; members' partitions for merged units."""
    # Under the Decree 09 cut-off a period starts on the 15th of the month before its first.
    first = period.start_date("decree09") if period else date(1900, 1, 1)
    last = period.last if period else date(2999, 1, 1)
    pool = U.all_units() if units is None else units
    keys: set[str] = set()
    for u in pool:
        if u.valid_from <= last and (u.valid_to is None or u.valid_to >= first):
            keys.add(u.key)
        if reaggregate and u.era == "post-2025" and first < U.MERGER_DATE:
            keys.update(m.key for m in U.members(u))
    return sorted(keys)


def load(table_name: str, units: Any = None, period: Period | str | None = None, *,
         columns: list[str] | None = None, rule: str | None = None, reaggregate: bool = True,
         include_personal_data: bool = False, root: Path | str | None = None) -> pd.DataFrame:
    """Read a slice of a table as a DataFrame.

    Args:
        table_name: "activity" or "petitions".
        units: None/"all", a unit (code, name or :class:`~reportkit.core.units.Unit`) or a list;
            names and codes resolve at the period's end.
        period: a :class:`~reportkit.core.periods.Period` or its code; activity rows by month,
            petition rows by the reporting month their ``received_on`` falls in under ``rule``.
        columns: a subset of columns (the time column and unit code are always included).
        rule: "calendar" or "decree09" (default: the configured rule).
        reaggregate: when the slice reaches after 1 July 2025, rows of old units before the
            merger are relabelled with their successor's code (``source_unit_code`` keeps the
            original), so a trend for a merged unit includes its members' history.
        include_personal_data: petitioners' personal data is dropped unless asked for.
        root: the warehouse folder (default: :func:`default_root`).
    """
    wh = Warehouse(root)
    if not wh.exists():
        raise i18n.error(WarehouseError, "warehouse.missing", {"file": str(wh.root)},
                         root=wh.root)
    tbl = table(table_name)
    p = _as_period(period)
    at = p.last if p else date.today()
    chosen = _resolve_units(units, at)
    keys = slice_keys(chosen, p, reaggregate)
    cols = list(columns or tbl.columns)
    time_col = TIME_COLUMN[table_name]
    for c in ("unit_code", time_col):
        if c not in cols:
            cols.insert(0, c)
    if not include_personal_data:
        cols = [c for c in cols if c not in tbl.pii_columns]
    flt = None
    if p is not None:
        if table_name == "petitions":
            lo = pd.Timestamp(p.start_date(rule))
            hi = pd.Timestamp(p.end_date(rule)) + pd.Timedelta(days=1)  # end date is inclusive
        else:
            lo, hi = pd.Timestamp(p.first), pd.Timestamp(p.last) + pd.Timedelta(days=1)
        flt = (ds.field(time_col) >= lo) & (ds.field(time_col) < hi)
    df = wh.read(table_name, keys or [], columns=cols, filter_=flt)
    if table_name == "petitions":
        df["month"] = assign_months(df["received_on"], rule)
    # The era of a row is decided by its own date, not by the reporting month it falls in.
    when = df[time_col]
    df["source_unit_code"] = df["unit_code"]
    wants_new = chosen is not None and any(u.era == "post-2025" for u in chosen)
    if reaggregate and (p is None or p.last >= U.MERGER_DATE or wants_new):
        pre = when < pd.Timestamp(U.MERGER_DATE)
        succ = {u.code: U.successor(u).code for u in U.units_at(date(2025, 6, 1))}
        df.loc[pre, "unit_code"] = df.loc[pre, "unit_code"].map(succ)
    if chosen is not None:
        df = df[_belongs(df, when, chosen, reaggregate)]
    df.attrs["data_version"] = wh.data_version(table_name, keys)
    df.attrs["period"] = str(p) if p else None
    return df.reset_index(drop=True)


def _belongs(df: pd.DataFrame, when: pd.Series, chosen: list[U.Unit],
             reaggregate: bool) -> pd.Series:
    """Rows of the chosen units, matching code *and* era (codes changed meaning in 2025)."""
    post = when >= pd.Timestamp(U.MERGER_DATE)
    ok = pd.Series(False, index=df.index)
    for u in chosen:
        if u.era == "post-2025":
            ok |= post & df["source_unit_code"].eq(u.code)
            if reaggregate:
                member_codes = {m.code for m in U.members(u)}
                ok |= ~post & df["source_unit_code"].isin(member_codes) & df["unit_code"].eq(
                    u.code)
        else:
            ok |= ~post & df["source_unit_code"].eq(u.code)
    return ok


def data_version(table_name: str, units: Any = None, period: Period | str | None = None, *,
                 root: Path | str | None = None) -> str:
    """The data version (hash) of the slice :func:`load` would read."""
    p = _as_period(period)
    chosen = _resolve_units(units, p.last if p else date.today())
    return Warehouse(root).data_version(table_name, slice_keys(chosen, p))

