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


# -- 4. counts have an upper bound; one failing file never loses the others ---------------------
@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775808", "1e30",
                                   "10000001"])
def test_huge_count_is_a_cell_error_with_the_upper_bound(run: Runner, tmp_path: Path,
                                                         value: str) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act(docs_sent=value)]))
    assert res.status == "rejected"
    (p,) = [p for p in res.problems if p.rule == "upper bound"]
    assert (p.row, p.column, p.value, p.file) == (2, "docs_sent", value, str(res.path))
    assert res.quarantined is not None and res.quarantined.exists()


def test_huge_count_in_a_folder_does_not_lose_the_other_files(run: Runner,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_csv(folder / "good.csv", [act()])
    write_csv(folder / "huge.csv", [act("2025-08", docs_sent="99999999999999999999999")])
    write_csv(folder / "bad.csv", [act("2025-09", docs_sent="x")])
    rep = run(folder)
    by = {r.path.name: r for r in rep.files}
    assert by["good.csv"].status == "loaded"
    assert by["huge.csv"].status == "rejected" and by["bad.csv"].status == "rejected"
    assert all(by[n].quarantined for n in ("huge.csv", "bad.csv"))
    assert len(run.wh.read("activity", ["15@2025-07-01"])) == 1


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
