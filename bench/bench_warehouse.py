"""Benchmark: reading one province-quarter slice of a 2-million-row petition table.

Builds (once, in a temporary folder) a warehouse whose petition table holds about 2 million
records: the sample's records repeated with fresh ids and shifted years. Then times, warm:

- reportkit: ``reportkit.load("petitions", "Lào Cai", "2025-Q3")`` (unit-partitioned Parquet,
  date-sorted row groups, Arrow filter push-down);
- naive: one Parquet file with every record, read whole into pandas and filtered (what a
  notebook author would write first);
- naive CSV: the same table as one CSV, read with pandas and filtered (measured once; slow).

Prints milliseconds (median of several warm runs) and the ratios. Target: reportkit under
100 ms warm.

Usage::

    .venv/bin/python bench/bench_warehouse.py [--rows 2000000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, out


def build(base: Path, rows: int) -> tuple[Path, Path, Path]:
    from reportkit.core.schema import PETITIONS
    from reportkit.intake import ingest, sample
    from reportkit.store.warehouse import Warehouse, load

    sub = base / "sample"
    t0 = time.perf_counter()
    sample.generate(sub)
    wh = Warehouse(base / "warehouse")
    ingest([sub], warehouse=wh, quarantine=base / "q", archive=base / "a")
    pet = load("petitions", root=wh.root, include_personal_data=True, reaggregate=False)
    pet = pet[PETITIONS.columns]
    copies = [pet]
    k = 1
    while sum(len(c) for c in copies) < rows:
        extra = pet.copy()
        extra["petition_id"] = extra["petition_id"] + f"-r{k}"
        copies.append(extra)
        k += 1
    big = pd.concat(copies, ignore_index=True).head(rows)
    wh.upsert("petitions", big)
    flat = base / "all_petitions.parquet"
    big.to_parquet(flat, index=False)
    flat_csv = base / "all_petitions.csv"
    big.to_csv(flat_csv, index=False)
    print(f"built {len(big):,} petition records in {time.perf_counter() - t0:.0f}s")
    return wh.root, flat, flat_csv


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    from reportkit.store.warehouse import load

    with tempfile.TemporaryDirectory(prefix="rk-bench-wh-") as tmp:
        root, flat, flat_csv = build(Path(tmp), args.rows)
        lo, hi = pd.Timestamp(2025, 7, 1), pd.Timestamp(2025, 9, 30)

        def reportkit_slice() -> pd.DataFrame:
            return load("petitions", "Lào Cai", "2025-Q3", root=root, rule="calendar")

        def naive_parquet() -> pd.DataFrame:
            df = pd.read_parquet(flat)
            return df[(df["unit_code"] == "15") & (df["received_on"] >= lo)
                      & (df["received_on"] <= hi)]

        def naive_csv() -> pd.DataFrame:
            df = pd.read_csv(flat_csv, dtype={"unit_code": str}, parse_dates=["received_on"])
            return df[(df["unit_code"] == "15") & (df["received_on"] >= lo)
                      & (df["received_on"] <= hi)]

        rk_ms, a = timed(reportkit_slice, args.repeat)
        np_ms, b = timed(naive_parquet, max(3, args.repeat // 2))
        t0 = time.perf_counter()
        c = naive_csv()
        csv_ms = (time.perf_counter() - t0) * 1000
        assert len(a) == len(b) == len(c), (len(a), len(b), len(c))
        print(f"slice: Lào Cai, 2025-Q3 ({len(a):,} of {args.rows:,} records)")
        print(f"  reportkit.load (warm, median of {args.repeat}): {rk_ms:8.1f} ms"
              f"   target < 100 ms: {'yes' if rk_ms < 100 else 'NO'}")
        print(f"  naive: whole Parquet file + pandas filter:     {np_ms:8.1f} ms"
              f"   ratio {np_ms / rk_ms:5.1f}x")
        print(f"  naive: whole CSV + pandas filter (once):       {csv_ms:8.1f} ms"
              f"   ratio {csv_ms / rk_ms:5.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
