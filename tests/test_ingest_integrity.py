"""Ingest integrity: what a resubmission replaces, when bytes are "unchanged", that every input
file is named with what happened to it, bounded counts, only regular files read, and CSV
exports that Excel cannot turn into formulas. Real files, real readers; the two tests of the
safety net for unexpected failures make one file fail on purpose."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from reportkit.store.io import csv_safe
from reportkit.store.warehouse import Warehouse
from test_ingest import Runner, act, write_csv


@pytest.fixture()
def run(tmp_path: Path) -> Runner:
    return Runner(tmp_path)


def _petitions(wh: Warehouse) -> list[str]:
    return sorted(wh.read("petitions", list(wh.partitions("petitions")))["petition_id"])


# -- 6. CSV exports are safe to open in Excel --------------------------------------------------
@pytest.mark.parametrize(("cell", "shown"), [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("=1+1", "'=1+1"), ("+1+1", "'+1+1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("-1+1", "'-1+1"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-5", "-5"), ("-1.234,5", "-1.234,5"), ("Lào Cai", "Lào Cai"), (None, None), (12, 12),
])
def test_csv_safe_neutralises_formulas_and_keeps_negative_numbers(cell: Any,
                                                                  shown: Any) -> None:
    assert csv_safe(cell) == shown


def test_problem_report_csv_neutralises_formulas(run: Runner, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "a.csv", [act(docs_sent="=cmd|' /C calc'!A0",
                                           reports_due="=1+1")])
    res = run.one(f)
    assert res.status == "rejected" and res.quarantined is not None
    with open(f"{res.quarantined}.problems.csv", encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "'=cmd|' /C calc'!A0" in cells and "'=1+1" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
