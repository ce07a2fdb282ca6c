"""Benchmark: ``reportkit ingest`` against a naive row-by-row validator.

Workloads (``--workloads``, default all):

1. ``sample``: the whole sample (``reportkit sample``: ~1,400 CSV files, ~404k petition rows);
2. ``big``: one 2-million-row petition CSV (the sample's petitions repeated with fresh ids);
3. ``xlsx``: the XLSX reader, which the CSV workloads never touch: (a) every activity file of
   the sample saved as a workbook (many small forms), (b) one petition workbook of
   ``--xlsx-rows`` rows, (c) the same with a row-number column of formulas (``STT`` =ROW()-1,
   no saved values, as a script writes them), which costs the reader its formula check, and
   (d) the same formulas with saved values, as Excel writes them.

For 1 and 2, reportkit is timed validating only (``dry_run=True``) and loading into a fresh
warehouse; the naive approach reads every file with ``csv.DictReader`` and checks each row in
Python (types, categories, cross-field rules, unit in force, duplicate keys), writing nothing.
The ratio printed is naive seconds / reportkit seconds (validation only, like for like). For 3,
reportkit validates only (``dry_run=True``), best of ``--repeat`` runs.

Usage::

    .venv/bin/python bench/bench_ingest.py [--sample data/sample] [--rows 2000000] [--keep]
        [--workloads sample,big,xlsx] [--xlsx-rows 100000] [--repeat 3]

Wall-clock and CPU seconds are both printed: on a shared machine CPU time is the steadier one.
"""

from __future__ import annotations

import argparse
import csv
import functools
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

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
    Table,
)
from reportkit.intake import discover, ingest
from reportkit.store.warehouse import Warehouse

TODAY = date.today()


# ------------------------------------------------------------------------------------------------
# The naive approach: one dict per row, every check in Python.
@functools.cache
def _unit_ok(code: str, year: int, month: int) -> bool:
    try:
        U.get(code, date(year, month, 1))
        return True
    except Exception:
        return False


def _count(text: str) -> int | None:
    t = text.strip().replace(" ", "")
    if t.count(".") >= 1 and all(len(p) == 3 for p in t.split(".")[1:]):
        t = t.replace(".", "")
    v = float(t)
    if v < 0 or v != int(v):
        raise ValueError(text)
    return int(v)


def _date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            pass
    raise ValueError(text)


def _month(text: str) -> date:
    t = text.strip()
    if len(t) == 7:
        t += "-01"
    return _date(t)


def naive_validate_file(path: Path) -> int:
    """Validate one CSV row by row; return the number of problems."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        tbl: Table = TABLES["petitions" if "petition_id" in header else "activity"]
        labels = {f.name: {lab.lower(): k for k, pair in CATEGORY_LABELS.get(f.name, {}).items()
                           for lab in (*pair, k)} for f in tbl.fields if f.type == CATEGORY}
        problems = 0
        seen: set[tuple[str, ...]] = set()
        for row in reader:
            typed: dict[str, Any] = {}
            for f in tbl.fields:
                text = (row.get(f.name) or "").strip()
                if not text:
                    if f.required:
                        problems += 1
                    typed[f.name] = None
                    continue
                try:
                    if f.type == COUNT:
                        typed[f.name] = _count(text)
                    elif f.type == DATE:
                        typed[f.name] = _date(text)
                        if typed[f.name] > TODAY:
                            problems += 1
                    elif f.type == MONTH:
                        typed[f.name] = _month(text)
                    elif f.type == BOOL:
                        typed[f.name] = text.lower() in ("true", "1", "yes", "có")
                    elif f.type == CATEGORY:
                        typed[f.name] = labels[f.name].get(text.lower())
                        if typed[f.name] is None:
                            problems += 1
                    elif f.type == CODE:
                        typed[f.name] = text.zfill(2)
                    else:
                        typed[f.name] = text
                except ValueError:
                    problems += 1
                    typed[f.name] = None
            for rule in tbl.rules:
                a, b = (typed.get(c) for c in rule.columns)
                if rule.name.endswith(">= received_on") and a and b and a < b:
                    problems += 1
                elif "<=" in rule.name and a is not None and b is not None and a > b:
                    problems += 1
            when = typed.get("month") or typed.get("received_on")
            code = typed.get("unit_code")
            if code and when and not _unit_ok(code, when.year, when.month):
                problems += 1
            key = tuple(str(typed.get(k)) for k in tbl.key)
            if key in seen:
                problems += 1
            seen.add(key)
    return problems


def naive(paths: list[Path]) -> int:
    return sum(naive_validate_file(p) for p in paths)


# ------------------------------------------------------------------------------------------------
def timed(label: str, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"  {label:<44} {wall:8.2f} s wall {cpu:8.2f} s cpu", flush=True)
    return wall, cpu, out


def big_petition_csv(sample: Path, rows: int, out: Path) -> Path:
    """The sample's petition rows repeated (ids made unique) up to ``rows`` rows."""
    files = sorted((sample / "petitions").rglob("*.csv"))
    names = files[0].read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    opts = pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                strings_can_be_null=False)  # codes and ID numbers stay text
    base = pa.concat_tables([pacsv.read_csv(f, convert_options=opts) for f in files])
    parts, k = [], 0
    while sum(t.num_rows for t in parts) < rows:
        ids = pa.array([f"{x}-r{k}" for x in base.column("petition_id").to_pylist()])
        parts.append(base.set_column(0, "petition_id", ids))
        k += 1
    table = pa.concat_tables(parts).slice(0, rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, out, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return out


def _xlsx_value(text: str) -> Any:
    """A CSV cell as Excel would hold it: whole numbers without a leading zero as numbers."""
    if text.isdigit() and (text == "0" or not text.startswith("0")):
        return int(text)
    return text


def write_workbook(rows: list[list[Any]], out: Path, stt_formulas: bool = False) -> Path:
    """Rows (the first is the header) as a one-sheet workbook; with ``stt_formulas`` a first
    column "STT" of =ROW()-1 formulas without saved values."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Dữ liệu")
    for k, row in enumerate(rows):
        if stt_formulas:
            row = ["STT" if k == 0 else "=ROW()-1", *row]
        ws.append(row)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def with_saved_values(src: Path, out: Path) -> Path:
    """A copy of a workbook whose empty formula values (as openpyxl writes them) are filled
    in, as Excel saves them."""
    import re
    import zipfile

    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(<f>[^<]*</f>)<v\s*/>", rb"\1<v>1</v>", data)
            zout.writestr(info, data)
    return out


def xlsx_workloads(sample: Path, rows: int, work: Path, repeat: int) -> None:
    """The XLSX reader on many small forms and on one large workbook (validation only)."""
    t0 = time.perf_counter()
    forms = []
    for f in sorted((sample / "activity").rglob("*.csv")):
        with f.open(encoding="utf-8-sig", newline="") as fh:
            data = [[_xlsx_value(c) for c in r] for r in csv.reader(fh)]
        forms.append(write_workbook(data, work / "xlsx-forms" / f.relative_to(sample).with_suffix(
            ".xlsx")))
    pet: list[list[Any]] = []
    for f in sorted((sample / "petitions").rglob("*.csv")):
        with f.open(encoding="utf-8-sig", newline="") as fh:
            rd = csv.reader(fh)
            header = next(rd)
            if not pet:
                pet.append(header)
            for r in rd:
                pet.append([_xlsx_value(c) for c in r])
                if len(pet) > rows:
                    break
        if len(pet) > rows:
            break
    big = write_workbook(pet, work / "xlsx-big" / "petitions.xlsx")
    big_f = write_workbook(pet, work / "xlsx-big-formulas" / "petitions.xlsx", stt_formulas=True)
    big_s = with_saved_values(big_f, work / "xlsx-big-saved" / "petitions.xlsx")
    del pet
    print(f"  (written in {time.perf_counter() - t0:.1f} s: {len(forms)} forms, "
          f"{sum(f.stat().st_size for f in forms) / 2**20:.1f} MB; one workbook of "
          f"{rows:,} rows, {big.stat().st_size / 2**20:.1f} MB)")
    for label, target in ((f"{len(forms)} activity forms (.xlsx)", work / "xlsx-forms"),
                          (f"one petition workbook, {rows:,} rows", big),
                          ("the same with an STT formula column", big_f),
                          ("the same, formulas with saved values", big_s)):
        best: tuple[float, float] | None = None
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            rep = ingest([target], warehouse=Warehouse(work / "wh-xlsx"), dry_run=True)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            assert rep.ok, [str(p) for f in rep.files for p in f.problems[:5]]
            best = (wall, cpu) if best is None or cpu < best[1] else best
        assert best is not None
        print(f"  {label:<44} {best[0]:8.2f} s wall {best[1]:8.2f} s cpu "
              f"({sum(f.rows for f in rep.files):,} rows, best of {repeat})", flush=True)


def run(sample: Path, rows: int, work: Path, workloads: Collection[str] = ("sample", "big"),
        xlsx_rows: int = 100_000, repeat: int = 3) -> None:
    files = discover([sample])
    print(f"sample: {len(files)} files in {sample}")
    if "xlsx" in workloads:
        print("\n3. XLSX (validate only)")
        xlsx_workloads(sample, xlsx_rows, work, repeat)
    if "sample" in workloads:
        run_sample(sample, files, work)
    if "big" in workloads:
        run_big(sample, rows, work)


def run_sample(sample: Path, files: list[Path], work: Path) -> None:
    print("\n1. the whole sample")
    rk_dry, rk_dry_cpu, rep = timed("reportkit ingest --dry-run (validate)", lambda: ingest(
        [sample], warehouse=Warehouse(work / "wh-dry"), dry_run=True))
    assert rep.ok, "the sample should validate"
    rk_full, rk_full_cpu, rep = timed("reportkit ingest (validate + load)", lambda: ingest(
        [sample], warehouse=Warehouse(work / "wh"), quarantine=work / "q",
        archive=work / "a"))
    assert rep.ok and rep.count("loaded") == len(files)
    nv, nv_cpu, _ = timed("naive csv.DictReader row by row (validate)", lambda: naive(files))
    print(f"  rows: {sum(f.rows for f in rep.files):,}; naive / reportkit (validate): "
          f"{nv / rk_dry:.1f}x wall, {nv_cpu / rk_dry_cpu:.1f}x cpu")


def run_big(sample: Path, rows: int, work: Path) -> None:
    print(f"\n2. one petition CSV of {rows:,} rows")
    t0 = time.perf_counter()
    big = big_petition_csv(sample, rows, work / "big" / "petitions_national.csv")
    print(f"  (written in {time.perf_counter() - t0:.1f} s, {big.stat().st_size / 2**20:.0f} MB)")
    rk_dry, rk_dry_cpu, rep = timed("reportkit ingest --dry-run (validate)", lambda: ingest(
        [big], warehouse=Warehouse(work / "wh-big-dry"), dry_run=True))
    assert rep.ok, [str(p) for p in rep.files[0].problems[:5]]
    rk_full, rk_full_cpu, rep = timed("reportkit ingest (validate + load)", lambda: ingest(
        [big], warehouse=Warehouse(work / "wh-big"), quarantine=work / "q",
        archive=work / "a"))
    assert rep.ok and rep.files[0].rows == rows
    nv, nv_cpu, _ = timed("naive csv.DictReader row by row (validate)", lambda: naive([big]))
    print(f"  naive / reportkit (validate): {nv / rk_dry:.1f}x wall, "
          f"{nv_cpu / rk_dry_cpu:.1f}x cpu")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=Path, default=None,
                    help="an existing sample folder (default: generate one in a temp folder)")
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the temp folder")
    ap.add_argument("--workloads", default="sample,big,xlsx",
                    help="comma-separated: sample, big, xlsx (default: all)")
    ap.add_argument("--xlsx-rows", type=int, default=100_000,
                    help="rows of the large petition workbook (default 100000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per XLSX workload (best kept)")
    args = ap.parse_args()
    workloads = {w.strip() for w in args.workloads.split(",") if w.strip()}
    unknown = workloads - {"sample", "big", "xlsx"}
    if unknown:
        ap.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        sample = args.sample
        if sample is None:
            from reportkit.intake import sample as S

            t0 = time.perf_counter()
            S.generate(work / "sample")
            sample = work / "sample"
            print(f"generated the sample in {time.perf_counter() - t0:.1f} s")
        run(sample, args.rows, work, workloads, args.xlsx_rows, args.repeat)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
