"""Ingest integrity: what a resubmission replaces, when bytes are "unchanged", that every input
file is named with what happened to it, bounded counts, only regular files read, and CSV
exports that Excel cannot turn into formulas. Real files, real readers; the two tests of the
safety net for unexpected failures make one file fail on purpose."""

from __future__ import annotations

import csv
import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from reportkit.intake import IngestReport, format_outcome, ingest, replacements
from reportkit.store.io import csv_safe
from reportkit.store.warehouse import Warehouse
from test_ingest import TODAY, Runner, act, pet, write_csv


@pytest.fixture()
def run(tmp_path: Path) -> Runner:
    return Runner(tmp_path)


def _petitions(wh: Warehouse) -> list[str]:
    return sorted(wh.read("petitions", list(wh.partitions("petitions")))["petition_id"])


# -- 1. a resubmission replaces every row of its unit, period and table -------------------------
def test_resubmission_with_fewer_rows_drops_the_rows_it_no_longer_has(run: Runner,
                                                                      tmp_path: Path) -> None:
    name = "15-lao-cai_2025-Q3.csv"
    first = write_csv(tmp_path / "v1" / name, [pet(f"LC-{i}") for i in range(10)])
    assert run.one(first).status == "loaded"
    second = write_csv(tmp_path / "v2" / name, [pet(f"LC-{i}") for i in range(6)])
    res = run.one(second)
    assert res.status == "loaded" and res.outcome == "replaced"
    assert _petitions(run.wh) == [f"LC-{i}" for i in range(6)]
    (rep,) = run.wh.ledger()[-1]["replaces"]
    assert rep["scope"] == "petitions|15|2025-Q3"
    assert (rep["old"]["rows"], rep["new"]["rows"]) == (10, 6)
    assert rep["previous"]["file"] == str(first)
    dropped = [e for e in replacements(run.wh) if e.get("dropped")]
    assert sorted(e["key"]["petition_id"] for e in dropped) == [f"LC-{i}" for i in range(6, 10)]
    assert all(e["file"] == str(second) for e in dropped)


def test_activity_resubmission_logs_old_and_new_totals(run: Runner, tmp_path: Path) -> None:
    name = "15-lao-cai_2025-Q3.csv"
    run.one(write_csv(tmp_path / "v1" / name, [act(m) for m in ("2025-07", "2025-08",
                                                                  "2025-09")]))
    res = run.one(write_csv(tmp_path / "v2" / name, [act(m) for m in ("2025-07", "2025-08")]))
    assert res.outcome == "replaced"
    got = run.wh.read("activity", ["15@2025-07-01"])
    assert len(got) == 2
    (rep,) = run.wh.ledger()[-1]["replaces"]
    assert (rep["old"]["rows"], rep["new"]["rows"]) == (3, 2)
    assert (rep["old"]["totals"]["docs_sent"], rep["new"]["totals"]["docs_sent"]) == (60, 40)


def test_resubmission_leaves_other_periods_and_units_alone(run: Runner, tmp_path: Path) -> None:
    run.one(write_csv(tmp_path / "15-lao-cai_2025-Q3.csv", [pet("A-1"), pet("A-2")]))
    run.one(write_csv(tmp_path / "15-lao-cai_2025-Q4.csv",
                      [pet("B-1", received="2025-10-03", handled_on="2025-10-10")]))
    run.one(write_csv(tmp_path / "01-ha-noi_2025-Q3.csv", [pet("C-1", code="01")]))
    run.one(write_csv(tmp_path / "v2" / "15-lao-cai_2025-Q3.csv", [pet("A-1")]))
    assert _petitions(run.wh) == ["A-1", "B-1", "C-1"]


def test_header_only_resubmission_empties_its_scope(run: Runner, tmp_path: Path) -> None:
    """A unit may have received no petitions in a period: a corrected file with only the
    header says so, and the rows of the earlier file of that unit and period go."""
    name = "15-lao-cai_2025-Q3.csv"
    run.one(write_csv(tmp_path / "v1" / name, [pet("A-1"), pet("A-2")]))
    run.one(write_csv(tmp_path / "other" / "15-lao-cai_2025-Q4.csv",
                      [pet("B-1", received="2025-10-03", handled_on="2025-10-10")]))
    res = run.one(write_csv(tmp_path / "v2" / name, [], list(pet("x"))))
    assert res.status == "loaded" and res.outcome == "replaced"
    assert _petitions(run.wh) == ["B-1"]
    (rep,) = run.wh.ledger()[-1]["replaces"]
    assert (rep["old"]["rows"], rep["new"]["rows"]) == (2, 0)


# -- 2. sending back an earlier file makes it current again -------------------------------------
def test_sending_back_the_original_after_a_correction_restores_it(run: Runner,
                                                                  tmp_path: Path) -> None:
    name = "15-lao-cai_2025-Q3.csv"
    original = write_csv(tmp_path / "v1" / name, [act("2025-07", docs_sent="20")])
    corrected = write_csv(tmp_path / "v2" / name, [act("2025-07", docs_sent="25")])
    assert run.one(original).outcome == "loaded"
    assert run.one(corrected).outcome == "replaced"
    back = run.one(original)
    assert back.status == "loaded" and back.outcome == "replaced"
    assert run.wh.read("activity", ["15@2025-07-01"])["docs_sent"].tolist() == [20]
    again = run.one(original)
    assert again.status == "skipped" and again.outcome == "unchanged"


# -- 3. every input file is named with what happened to it -------------------------------------
def test_empty_xlsx_beside_empty_csv_are_both_rejected_and_named(run: Runner,
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_bytes(b"")
    (folder / "b.xlsx").write_bytes(b"")
    (folder / "notes.txt").write_text("hello")
    write_csv(folder / "c.csv", [act()])
    rep = run(folder)
    by = {r.path.name: r for r in rep.files}
    assert set(by) == {"a.csv", "b.xlsx", "notes.txt", "c.csv"}
    for n in ("a.csv", "b.xlsx"):
        assert by[n].status == "rejected" and "empty" in by[n].problems[0].message
    assert by["notes.txt"].status == "ignored" and by["notes.txt"].outcome == "ignored"
    assert by["c.csv"].outcome == "loaded"
    lines = [format_outcome(r) for r in rep.files]
    for r, line in zip(rep.files, lines, strict=True):
        assert str(r.path) in line and r.outcome in line
    assert not rep.ok


def test_a_copy_of_a_rejected_file_in_the_same_call_is_rejected_too(run: Runner,
                                                                    tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "a" / "x.csv", [act(docs_sent="x")])
    twin = tmp_path / "b" / "x.csv"
    twin.parent.mkdir()
    twin.write_bytes(bad.read_bytes())
    rep = run(bad, twin)
    assert [r.status for r in rep.files] == ["rejected", "rejected"]
    assert rep.files[1].problems and str(twin) in format_outcome(rep.files[1])


def test_dry_run_names_every_file_without_writing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_csv(folder / "a.csv", [act()])
    (folder / "readme.md").write_text("x")
    rep = ingest([folder], warehouse=Warehouse(tmp_path / "wh"), dry_run=True, today=TODAY)
    assert sorted(r.path.name for r in rep.files) == ["a.csv", "readme.md"]
    assert not (tmp_path / "wh").exists()


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


def test_unexpected_failure_reading_one_file_quarantines_only_that_file(
        run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reportkit.intake.loading as L

    real = L.read_file

    def flaky(path: Path, *a: Any, **kw: Any) -> Any:
        if path.name == "boom.csv":
            raise RuntimeError("parser exploded")
        return real(path, *a, **kw)

    monkeypatch.setattr(L, "read_file", flaky)
    folder = tmp_path / "in"
    write_csv(folder / "good.csv", [act()])
    write_csv(folder / "boom.csv", [act("2025-08")])
    rep = run(folder)
    by = {r.path.name: r for r in rep.files}
    assert by["good.csv"].status == "loaded"
    assert by["boom.csv"].status == "rejected" and by["boom.csv"].quarantined
    assert "parser exploded" in by["boom.csv"].problems[0].message


def test_unexpected_failure_checking_one_file_quarantines_only_that_file(
        run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reportkit.intake.validation import Batch

    real = Batch._check_table

    def flaky(self: Batch, raw: Any, tbl: Any) -> Any:
        if (raw["unit_code"] == "01").any():
            raise RuntimeError("rule engine exploded")
        return real(self, raw, tbl)

    monkeypatch.setattr(Batch, "_check_table", flaky)
    folder = tmp_path / "in"
    write_csv(folder / "a.csv", [act()])
    write_csv(folder / "b.csv", [act(code="01", name="Hà Nội")])
    rep = run(folder)
    by = {r.path.name: r for r in rep.files}
    assert by["a.csv"].status == "loaded"
    assert by["b.csv"].status == "rejected" and by["b.csv"].quarantined
    assert "rule engine exploded" in by["b.csv"].problems[0].message
    assert len(run.wh.read("activity", ["15@2025-07-01"])) == 1


def test_unexpected_failure_writing_one_file_quarantines_only_that_file(
        run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Warehouse.upsert

    def flaky(self: Warehouse, table_name: str, rows: Any, **kw: Any) -> Any:
        if (rows["unit_code"] == "01").any():
            raise RuntimeError("disk said no")
        return real(self, table_name, rows, **kw)

    monkeypatch.setattr(Warehouse, "upsert", flaky)
    folder = tmp_path / "in"
    write_csv(folder / "a.csv", [act()])
    write_csv(folder / "b.csv", [act(code="01", name="Hà Nội")])
    rep = run(folder)
    by = {r.path.name: r for r in rep.files}
    assert by["a.csv"].status == "loaded"
    assert by["b.csv"].status == "rejected" and "disk said no" in by["b.csv"].problems[0].message
    assert len(run.wh.read("activity", ["15@2025-07-01"])) == 1


# -- 5. only regular files are read ------------------------------------------------------------
def test_symlink_is_refused_and_its_target_never_copied(run: Runner, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET\n")
    link = tmp_path / "in" / "passwd.csv"
    link.parent.mkdir()
    link.symlink_to(secret)
    rep = run(link.parent)
    (res,) = rep.files
    assert res.status == "rejected" and "symbolic link" in res.problems[0].message
    quarantine = tmp_path / "quarantine"
    assert not any(b"SECRET" in f.read_bytes() for f in quarantine.rglob("*") if f.is_file())
    assert not (tmp_path / "archive").exists()


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom"])
def test_device_behind_a_csv_name_is_refused(run: Runner, tmp_path: Path, target: str) -> None:
    link = tmp_path / "zero.xlsx"
    link.symlink_to(target)
    res = run.one(link)
    assert res.status == "rejected" and "not a regular file" in res.problems[0].message


@pytest.mark.parametrize("given", ["folder", "file"])
def test_fifo_is_refused_without_waiting(run: Runner, tmp_path: Path, given: str) -> None:
    fifo = tmp_path / "in" / "pipe.csv"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    out: list[IngestReport] = []
    target = fifo.parent if given == "folder" else fifo
    t = threading.Thread(target=lambda: out.append(run(target)), daemon=True)
    t.start()
    t.join(15)
    assert out, "ingest hung on a FIFO"
    (res,) = out[0].files
    assert res.status == "rejected" and "not a regular file" in res.problems[0].message


def test_archive_holds_the_bytes_that_were_hashed(run: Runner, tmp_path: Path) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act()]))
    assert res.archived is not None
    assert hashlib.sha256(res.archived.read_bytes()).hexdigest() == res.sha256


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
