"""Ingest: every file loaded whole or rejected whole, with every reason. Each test writes real
files (csv, openpyxl, zipfile) and runs the real readers; nothing is mocked."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import unicodedata
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from reportkit.analysis import quality as Q
from reportkit.cli import main
from reportkit.core.schema import ACTIVITY, PETITIONS
from reportkit.intake import (
    FileResult,
    IngestReport,
    Limits,
    check_file,
    format_problems,
    ingest,
    replacements,
)
from reportkit.store.warehouse import Warehouse

TODAY = date(2026, 11, 21)
COUNTS = {
    "docs_sent": "20", "docs_sent_network": "10", "docs_nonsecret": "15",
    "docs_nonsecret_electronic": "8", "reports_due": "5", "reports_on_time": "4",
    "meetings_executive": "1", "meetings_standing_committee": "2",
    "meetings_standing_board": "4", "meetings_cadre_conferences": "1",
    "programme_planned": "10", "programme_completed": "9", "proposals_appraised": "2",
    "citizens_received": "30", "group_delegations": "1", "staff_in_post": "50",
    "staff_quota": "55", "staff_university": "45", "staff_postgraduate": "10",
    "archive_files": "12",
}
ID_NUMBER = "001076982707"


def act(month: str = "2025-07", code: str | None = "15", name: str | None = "Lào Cai",
        **kw: str) -> dict[str, str]:
    row: dict[str, str] = {}
    if code is not None:
        row["unit_code"] = code
    if name is not None:
        row["unit_name"] = name
    row.update(month=month, **COUNTS, submitted_on=f"{month}-25")
    row.update(kw)
    return row


def pet(pid: str, code: str = "15", received: str = "2025-07-03", **kw: str) -> dict[str, str]:
    row = {
        "petition_id": pid, "unit_code": code, "received_on": received, "channel": "post",
        "kind": "complaint", "topic": "land", "is_group": "False",
        "within_jurisdiction": "True", "status": "resolved", "handled_on": "2025-07-10",
        "transferred_to": "", "result_updated_on": "", "case_key": f"VV-{pid}",
        "petitioner_name": "Nguyễn Văn An", "petitioner_id": ID_NUMBER,
        "petitioner_phone": "0912345678", "petitioner_address": "Số 1, đường Trần Phú",
    }
    row.update(kw)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None, *,
              encoding: str = "utf-8", delimiter: str = ",") -> Path:
    header = header or list(rows[0])
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(list(r.values()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding) if encoding != "cp1258"
                     else to_cp1258(buf.getvalue()))
    return path


def write_xlsx(path: Path, rows: list[list[Any]], title: str = "Data",
               before: list[list[Any]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in (before or []) + rows:
        ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters precomposed where the code
    page has them (ă, ê, ơ, ư, đ, ...), tone marks as separate combining characters."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
        out.append((base + "".join(c for c in d if c in tones)).encode("cp1258"))
    return b"".join(out)


class Runner:
    """ingest() into a warehouse under tmp_path, today fixed."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.wh = Warehouse(tmp / "wh")

    def __call__(self, *paths: Path, **kw: Any) -> IngestReport:
        kw.setdefault("today", TODAY)
        return ingest(list(paths), warehouse=self.wh, quarantine=self.tmp / "quarantine",
                      archive=self.tmp / "archive", user="tester", **kw)

    def one(self, path: Path, **kw: Any) -> FileResult:
        rep = self(path, **kw)
        assert len(rep.files) == 1
        return rep.files[0]


@pytest.fixture()
def run(tmp_path: Path) -> Runner:
    return Runner(tmp_path)


def messages(res: FileResult) -> list[str]:
    return [str(p) for p in res.problems]


def only(res: FileResult, rule: str | None = None, column: str | None = None) -> list[Any]:
    return [p for p in res.problems if (rule is None or p.rule == rule)
            and (column is None or p.column == column)]


# -- a clean file ------------------------------------------------------------------------------
def test_clean_activity_csv_loads_archives_and_is_in_the_ledger(run: Runner,
                                                                tmp_path: Path) -> None:
    f = write_csv(tmp_path / "in" / "a.csv", [act("2025-07"), act("2025-08")])
    res = run.one(f)
    assert res.status == "loaded", messages(res)
    assert res.rows == 2 and res.units == ["15"]
    assert (res.first, res.last) == (date(2025, 7, 1), date(2025, 8, 1))
    got = run.wh.read("activity", ["15@2025-07-01"])
    assert got["docs_sent"].tolist() == [20, 20]
    assert got["unit_code"].tolist() == ["15", "15"]
    assert res.archived is not None and res.archived.read_bytes() == f.read_bytes()
    (entry,) = run.wh.ledger()
    assert entry["status"] == "loaded" and entry["user"] == "tester"
    assert entry["units"] == ["15"] and entry["first"] == "2025-07-01"


# -- columns -------------------------------------------------------------------------------------
def test_missing_column_is_one_problem_not_one_per_row(run: Runner, tmp_path: Path) -> None:
    rows = [act(m) for m in ("2025-07", "2025-08", "2025-09")]
    for r in rows:
        del r["docs_sent"]
    res = run.one(write_csv(tmp_path / "a.csv", rows))
    assert res.status == "rejected"
    (p,) = only(res, column="docs_sent")
    assert p.rule == "column present" and p.row == 1
    assert "missing column" in p.message and "Documents and reports sent" in p.message


def test_renamed_column_is_missing_and_unknown_with_a_suggestion(run: Runner,
                                                                 tmp_path: Path) -> None:
    rows = [act()]
    header = list(rows[0])
    header[header.index("docs_sent")] = "Văn bản báo cáo gửi Trung ương"
    res = run.one(write_csv(tmp_path / "a.csv", rows, header))
    text = "\n".join(messages(res))
    assert "missing column" in text and "is it the column 'Văn bản báo cáo gửi Trung ương'" in text
    assert "unknown column 'Văn bản báo cáo gửi Trung ương'; did you mean" in text


def test_extra_column_with_data_rejects_empty_or_row_number_columns_do_not(
        run: Runner, tmp_path: Path) -> None:
    rows = [dict(STT=str(i), **act(m), Empty="") for i, m in enumerate(["2025-07"], 1)]
    assert run.one(write_csv(tmp_path / "ok.csv", rows)).status == "loaded"
    rows = [dict(act(), **{"Ghi chú": "đã kiểm tra"})]
    res = run.one(write_csv(tmp_path / "extra.csv", rows))
    assert res.status == "rejected"
    assert any("unknown column 'Ghi chú'" in m for m in messages(res))


def test_duplicate_column_is_reported(run: Runner, tmp_path: Path) -> None:
    rows = [act()]
    header = [*rows[0], "Văn bản, báo cáo gửi lên Trung ương"]
    rows[0]["x"] = "20"
    res = run.one(write_csv(tmp_path / "a.csv", rows, header))
    assert any("appears twice" in m for m in messages(res))


def test_reordered_columns_map_by_name(run: Runner, tmp_path: Path) -> None:
    row = act(docs_sent="33")
    rev = dict(reversed(list(row.items())))
    assert run.one(write_csv(tmp_path / "a.csv", [rev])).status == "loaded"
    assert run.wh.read("activity", ["15@2025-07-01"])["docs_sent"].tolist() == [33]


@pytest.mark.parametrize("style", ["vi", "en", "upper", "spaces", "nfd", "both", "ascii"])
def test_headers_in_any_language_case_spacing_and_normal_form(run: Runner, tmp_path: Path,
                                                              style: str) -> None:
    def head(name: str) -> str:
        f = ACTIVITY.field(name)
        return {
            "vi": f.label_vi, "en": f.label_en, "upper": f.label_vi.upper(),
            "spaces": f"  {f.label_vi.replace(' ', '   ')} ",
            "nfd": unicodedata.normalize("NFD", f.label_vi),
            "both": f"{f.label_vi}\n{f.label_en}",
            "ascii": _strip(f.label_vi),
        }[style]

    row = act()
    res = run.one(write_csv(tmp_path / f"{style}.csv", [row], [head(c) for c in row]))
    assert res.status == "loaded", messages(res)


def _strip(text: str) -> str:
    d = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in d if not unicodedata.combining(c))


def test_english_label_line_under_the_header_is_skipped(run: Runner, tmp_path: Path) -> None:
    row = act()
    f = tmp_path / "a.csv"
    with f.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([ACTIVITY.field(c).label_vi for c in row])
        w.writerow([ACTIVITY.field(c).label_en for c in row])
        w.writerow(list(row.values()))
    res = run.one(f)
    assert res.status == "loaded" and res.rows == 1


# -- types ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("cell", "stored"), [
    ("1.234", 1234), ("1,234", 1234), ("1 234", 1234), ("1.234.567", 1234567), (" 7 ", 7),
    ("12.0", 12),
])
def test_counts_written_any_common_way(run: Runner, tmp_path: Path, cell: str,
                                       stored: int) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act(docs_sent=cell, docs_sent_network="0",
                                                     docs_nonsecret="0",
                                                     docs_nonsecret_electronic="0")]))
    assert res.status == "loaded", messages(res)
    assert run.wh.read("activity", ["15@2025-07-01"])["docs_sent"].tolist() == [stored]


@pytest.mark.parametrize(("cell", "rule", "text", "shown"), [
    ("abc", "type", "not a number", "abc"),
    ("2,5", "whole number", "must be a whole number", "2,5"),
    ("2.5", "whole number", "must be a whole number", "2.5"),
    ("-3", "non-negative", "must not be negative", "-3"),
    ("NA", "required", "a value is required (write 0 if there were none)", "NA"),
    ("—", "required", "a value is required", "—"),
    ("", "required", "a value is required", None),
])
def test_bad_counts_are_named_with_row_column_value_and_rule(
        run: Runner, tmp_path: Path, cell: str, rule: str, text: str, shown: str | None) -> None:
    rows = [act("2025-07"), act("2025-08", meetings_standing_board=cell)]
    res = run.one(write_csv(tmp_path / "a.csv", rows))
    assert res.status == "rejected"
    (p,) = res.problems
    assert (p.row, p.column, p.rule, p.value) == (3, "meetings_standing_board", rule, shown)
    assert text in p.message and p.file == str(tmp_path / "a.csv")


def test_codes_stay_text_and_single_digits_are_padded(run: Runner, tmp_path: Path) -> None:
    rows = [act(code="1", name="Hà Nội"), act("2025-08", code="01", name="Hà Nội")]
    res = run.one(write_csv(tmp_path / "a.csv", rows))
    assert res.status == "loaded", messages(res)
    assert run.wh.read("activity", ["01@2025-07-01"])["unit_code"].tolist() == ["01", "01"]


@pytest.mark.parametrize(("cell", "ok"), [
    ("2025-07", True), ("07/2025", True), ("7/2025", True), ("2025-07-01", True),
    ("01/07/2025", True), ("tháng 7/2025", True), ("July", False),
])
def test_months_in_common_forms(run: Runner, tmp_path: Path, cell: str, ok: bool) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act(month=cell, submitted_on="2025-08-05")]))
    assert (res.status == "loaded") is ok, messages(res)
    if not ok:
        assert "not a month" in res.problems[0].message


def test_dates_in_vietnamese_style_and_bad_dates(run: Runner, tmp_path: Path) -> None:
    rows = [pet("p1", received="03/07/2025", handled_on="10/07/2025"),
            pet("p2", received="2025-07-04", handled_on="2025-07-32")]
    res = run.one(write_csv(tmp_path / "p.csv", rows))
    (p,) = res.problems
    assert (p.row, p.column, p.value) == (3, "handled_on", "2025-07-32")
    assert "not a date" in p.message


@pytest.mark.parametrize(("cell", "stored"), [
    ("KHÔNG", False), ("Có", True), ("yes", True), ("x", True), ("0", False), ("FALSE", False),
    ("maybe", None),
])
def test_yes_no_in_any_case(run: Runner, tmp_path: Path, cell: str, stored: bool | None) -> None:
    res = run.one(write_csv(tmp_path / "p.csv", [pet("p1", is_group=cell)]))
    if stored is None:
        (p,) = res.problems
        assert (p.column, p.value, p.message) == ("is_group", "maybe", "not yes/no (Có/Không)")
        return
    assert res.status == "loaded", messages(res)
    got = run.wh.read("petitions", ["15@2025-07-01"], columns=["is_group"])
    assert got["is_group"].tolist() == [stored]


# -- cross-field rules, future dates ------------------------------------------------------------
@pytest.mark.parametrize(("changes", "column", "rule"), [
    ({"docs_nonsecret_electronic": "16"}, "docs_nonsecret_electronic",
     "docs_nonsecret_electronic <= docs_nonsecret"),
    ({"docs_sent_network": "21"}, "docs_sent_network", "docs_sent_network <= docs_sent"),
    ({"reports_on_time": "6"}, "reports_on_time", "reports_on_time <= reports_due"),
    ({"programme_completed": "11"}, "programme_completed",
     "programme_completed <= programme_planned"),
    ({"submitted_on": "2025-06-30"}, "submitted_on", "submitted_on >= month"),
])
def test_activity_cross_field_rules(run: Runner, tmp_path: Path, changes: dict[str, str],
                                    column: str, rule: str) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act(**changes)]))
    (p,) = res.problems
    assert (p.row, p.column, p.rule) == (2, column, rule)
    assert p.value == next(iter(changes.values()))
    assert "=" in p.message  # the other column's value is shown too


def test_petition_cross_field_rules(run: Runner, tmp_path: Path) -> None:
    rows = [pet("p1", received="2025-07-10", handled_on="2025-07-09"),
            pet("p2", status="transferred"),
            pet("p3", status="pending")]
    res = run.one(write_csv(tmp_path / "p.csv", rows))
    rules = {(p.row, p.rule) for p in res.problems}
    assert rules == {(2, "handled_on >= received_on"), (3, "transferred needs agency"),
                     (4, "pending has no handled_on")}


def test_future_dates(run: Runner, tmp_path: Path) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act("2026-12", submitted_on="2027-01-05")]))
    assert {(p.column, p.rule) for p in res.problems} == {
        ("month", "not in the future"), ("submitted_on", "not in the future")}


# -- units ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Khánh Hoà", "Khánh Hòa", "khanh hoa", "Tỉnh Khánh Hòa"])
def test_unit_names_in_any_spelling_fill_the_code(run: Runner, tmp_path: Path,
                                                  name: str) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act(code=None, name=name)]))
    assert res.status == "loaded", messages(res)
    assert res.units == ["56"]


def test_pre_merger_province_after_the_merger(run: Runner, tmp_path: Path) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act("2025-08", code=None, name="Yên Bái")]))
    (p,) = res.problems
    assert p.column == "unit_name" and p.row == 2
    assert p.message == "Yên Bái was merged into Lào Cai on 1 July 2025"
    res = run.one(write_csv(tmp_path / "b.csv", [act("2025-08", code="10", name=None)]))
    (p,) = res.problems
    assert "was merged into Lào Cai (code 15) on 1 July 2025" in p.message
    vi = run.one(write_csv(tmp_path / "c.csv", [act("2025-08", code=None, name="Yên Bái")]),
                 lang="vi")
    assert vi.problems[0].message == "Yên Bái đã được hợp nhất vào Lào Cai từ ngày 01/07/2025"


def test_unit_name_contradicting_the_code(run: Runner, tmp_path: Path) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act(code="15", name="Hà Nội")]))
    (p,) = res.problems
    assert "is Hà Nội (code 01)" in p.message and "not unit code 15" in p.message


def test_unknown_unit_name_suggests(run: Runner, tmp_path: Path) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act(code=None, name="Lao Kai")]))
    assert "did you mean: Lào Cai" in res.problems[0].message


# -- duplicates and resubmissions ----------------------------------------------------------------
def test_same_file_twice_is_a_no_op(run: Runner, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "a.csv", [act()])
    assert run.one(f).status == "loaded"
    version = run.wh.data_version("activity")
    copy = tmp_path / "elsewhere" / "same.csv"
    copy.parent.mkdir()
    copy.write_bytes(f.read_bytes())
    rep = run(f, copy)
    assert [r.status for r in rep.files] == ["skipped", "skipped"]
    assert run.wh.data_version("activity") == version
    assert len(run.wh.ledger()) == 1


def test_same_bytes_twice_in_one_call(run: Runner, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "a" / "x.csv", [act()])
    g = tmp_path / "b" / "x.csv"
    g.parent.mkdir()
    g.write_bytes(f.read_bytes())
    rep = run(f, g)
    assert [r.status for r in rep.files] == ["loaded", "skipped"]
    assert "same bytes as" in rep.files[1].note


def test_corrected_resubmission_replaces_and_logs_old_and_new(run: Runner,
                                                              tmp_path: Path) -> None:
    first = write_csv(tmp_path / "v1" / "15-lao-cai_2025-Q3.csv",
                      [act(m) for m in ("2025-07", "2025-08", "2025-09")])
    assert run.one(first).status == "loaded"
    fixed = [act(m) for m in ("2025-07", "2025-08", "2025-09")]
    fixed[1]["docs_sent"] = "25"
    second = write_csv(tmp_path / "v2" / "15-lao-cai_2025-Q3.csv", fixed)
    res = run.one(second)
    assert res.status == "loaded" and res.replaced_rows == 3 and res.changed_rows == 1
    got = run.wh.read("activity", ["15@2025-07-01"]).sort_values("month")
    assert got["docs_sent"].tolist() == [20, 25, 20]
    (entry,) = replacements(run.wh)
    assert entry["key"] == {"unit_code": "15", "month": "2025-08-01 00:00:00"} or \
        entry["key"]["month"].startswith("2025-08-01")
    assert entry["changes"] == {"docs_sent": {"old": 20, "new": 25}}
    assert entry["file"] == str(second) and entry["user"] == "tester"
    assert entry["previous"]["file"] == str(first)
    last = run.wh.ledger()[-1]
    assert (last["replaced_rows"], last["changed_rows"]) == (3, 1)


def test_resubmission_within_one_call_later_file_wins(run: Runner, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "1.csv", [act(docs_sent="20")])
    b = write_csv(tmp_path / "2.csv", [act(docs_sent="22")])
    rep = run(a, b)
    assert [r.status for r in rep.files] == ["loaded", "loaded"]
    assert run.wh.read("activity", ["15@2025-07-01"])["docs_sent"].tolist() == [22]
    (entry,) = replacements(run.wh)
    assert entry["previous"]["file"] == str(a) and entry["file"] == str(b)


def test_personal_data_changes_are_logged_without_values(run: Runner, tmp_path: Path) -> None:
    run.one(write_csv(tmp_path / "1.csv", [pet("p1")]))
    run.one(write_csv(tmp_path / "2.csv", [pet("p1", petitioner_id="001076982708")]))
    (entry,) = replacements(run.wh)
    assert entry["changes"] == {"petitioner_id": {"changed": True}}
    assert "001076982708" not in json.dumps(replacements(run.wh))


def test_duplicate_keys_within_a_file(run: Runner, tmp_path: Path) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act(), act()]))
    (p,) = res.problems
    assert (p.row, p.rule) == (3, "unique key")
    res = run.one(write_csv(tmp_path / "p.csv", [pet("p1"), pet("p2"), pet("p1")]))
    (p,) = res.problems
    assert (p.row, p.column, p.rule) == (4, "petition_id", "unique key")


def test_same_key_in_two_files_of_one_call_is_allowed(run: Runner, tmp_path: Path) -> None:
    """Key uniqueness is per file: two files may carry the same month (a resubmission)."""
    a = write_csv(tmp_path / "a.csv", [act("2025-07"), act("2025-08")])
    b = write_csv(tmp_path / "b.csv", [act("2025-08")])
    assert run(a, b).ok


def test_duplicate_petition_ids_across_units(run: Runner, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", [pet("X-1", code="15"), pet("X-2", code="15")])
    b = write_csv(tmp_path / "b.csv", [pet("X-1", code="01")])
    rep = run(a, b)
    assert [r.status for r in rep.files] == ["rejected", "rejected"]
    (pa_,) = rep.files[0].problems
    assert pa_.row == 2 and pa_.column == "petition_id" and "also used by another unit" in \
        pa_.message and "01" in pa_.message
    # Against the warehouse.
    assert run.one(write_csv(tmp_path / "c.csv", [pet("Y-1", code="15")])).status == "loaded"
    res = run.one(write_csv(tmp_path / "d.csv", [pet("Y-1", code="01")]))
    assert "already loaded for unit 15" in res.problems[0].message


# -- encodings and separators -------------------------------------------------------------------
@pytest.mark.parametrize(("encoding", "delimiter"), [
    ("utf-8", ","), ("utf-8-sig", ","), ("utf-16", ","), ("utf-16", "\t"), ("cp1258", ","),
    ("utf-8", ";"), ("cp1258", ";"),
])
def test_encodings_and_separators(run: Runner, tmp_path: Path, encoding: str,
                                  delimiter: str) -> None:
    rows = [act(code=None, name="Thừa Thiên Huế", month="2024-03"),
            act(code=None, name="Hòa Bình", month="2024-03")]
    f = write_csv(tmp_path / "a.csv", rows, [ACTIVITY.field(c).label_vi for c in rows[0]],
                  encoding=encoding, delimiter=delimiter)
    if encoding == "cp1258":
        assert b"\xcc" in f.read_bytes() or b"\xd2" in f.read_bytes()  # tone marks apart
    res = run.one(f)
    assert res.status == "loaded", messages(res)
    got = run.wh.read("activity", ["46@2008-08-01", "17@2008-08-01"])
    assert sorted(got["unit_name"]) == ["Hòa Bình", "Thừa Thiên Huế"]
    assert all(unicodedata.is_normalized("NFC", n) for n in got["unit_name"])


def test_nfd_text_is_stored_nfc(run: Runner, tmp_path: Path) -> None:
    rows = [pet("p1", petitioner_name=unicodedata.normalize("NFD", "Nguyễn Thị Hồng"))]
    f = write_csv(tmp_path / "p.csv", rows)
    assert run.one(f).status == "loaded"
    got = run.wh.read("petitions", ["15@2025-07-01"], columns=["petitioner_name"])
    assert got["petitioner_name"].tolist() == ["Nguyễn Thị Hồng"]


# -- CSV shape: blank lines, quoted newlines, ragged and truncated rows --------------------------
def test_row_numbers_survive_blank_lines_and_quoted_newlines(run: Runner, tmp_path: Path) -> None:
    rows = [pet("p1", petitioner_address="Số 1\nđường Trần Phú"), pet("p2"),
            pet("p3", channel="fax")]
    f = write_csv(tmp_path / "p.csv", rows)
    text = f.read_text(encoding="utf-8").replace("\np2,", "\n\np2,")
    f.write_text(text, encoding="utf-8")
    res = run.one(f)
    (p,) = res.problems
    # header 1, p1 lines 2-3, blank 4, p2 5, p3 6
    assert (p.row, p.column, p.value) == (6, "channel", "fax")


def test_truncated_csv_reports_the_short_row(run: Runner, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "p.csv", [pet("p1"), pet("p2")])
    data = f.read_bytes()
    f.write_bytes(data[: len(data) - 60])
    res = run.one(f)
    (p,) = res.problems
    assert p.row == 3 and "the row has" in p.message and "the header has 17" in p.message


# -- Excel --------------------------------------------------------------------------------------
def header_and_rows(rows: list[dict[str, str]]) -> list[list[Any]]:
    return [list(rows[0]), *[list(r.values()) for r in rows]]


def test_xlsx_with_title_rows_numbers_and_dates(run: Runner, tmp_path: Path) -> None:
    rows = header_and_rows([act("2025-07"), act("2025-08")])
    for r in rows[1:]:
        r[0] = 15  # a number: stays the code "15"
        r[3] = 20  # docs_sent as a number
        r[-1] = date(2025, 9, 5)
    f = write_xlsx(tmp_path / "a.xlsx", rows, before=[["BÁO CÁO"], []])
    res = run.one(f)
    assert res.status == "loaded", messages(res)
    assert run.wh.read("activity", ["15@2025-07-01"])["unit_code"].tolist() == ["15", "15"]


def test_xlsx_decimal_number_is_not_read_as_thousands(run: Runner, tmp_path: Path) -> None:
    rows = header_and_rows([act()])
    rows[1][rows[0].index("archive_files")] = 1.234
    res = run.one(write_xlsx(tmp_path / "a.xlsx", rows))
    (p,) = res.problems
    assert (p.row, p.column, p.rule) == (2, "archive_files", "whole number")


def test_xlsx_formula_without_saved_value(run: Runner, tmp_path: Path) -> None:
    rows = header_and_rows([act()])
    rows[1][rows[0].index("docs_sent")] = "=10+10"
    res = run.one(write_xlsx(tmp_path / "a.xlsx", rows, title="Báo cáo"))
    (p,) = res.problems
    assert (p.sheet, p.row, p.column) == ("Báo cáo", 2, "docs_sent")
    assert p.message == "formula without a saved value: open and save the file in Excel"


def test_xlsx_excel_error_value(run: Runner, tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "a.xlsx", header_and_rows([act()]))
    # Write an error cell as Excel stores it (t="e").
    data = _rewrite_member(f, "xl/worksheets/sheet1.xml", lambda x: x.replace(
        b'<c r="D2" t="inlineStr"><is><t>20</t></is></c>',
        b'<c r="D2" t="e"><v>#REF!</v></c>'))
    f.write_bytes(data)
    res = run.one(f)
    assert [(p.column, p.message) for p in res.problems] == [
        ("docs_sent", "an Excel error value: fix the formula")]


def test_xlsx_merged_cells(run: Runner, tmp_path: Path) -> None:
    rows = header_and_rows([act(m) for m in ("2025-07", "2025-08", "2025-09")])
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    ws["B3"] = ws["B4"] = None
    ws.merge_cells("B2:B4")  # unit name written once for the three months
    wb.save(tmp_path / "ok.xlsx")
    res = run.one(tmp_path / "ok.xlsx")
    assert res.status == "loaded", messages(res)
    ws.merge_cells("D3:E3")  # docs_sent and docs_sent_network merged: ambiguous
    wb.save(tmp_path / "bad.xlsx")
    res = run.one(tmp_path / "bad.xlsx")
    assert any(p.rule == "merged cells" and p.row == 3 for p in res.problems), messages(res)


def test_xlsx_picks_the_data_sheet_by_headers_and_skips_hidden_ones(run: Runner,
                                                                    tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Hướng dẫn"
    wb.active.append(["Điền số liệu vào trang Dữ liệu"])
    old = wb.create_sheet("Bản cũ")
    for r in header_and_rows([act(docs_sent="1")]):
        old.append(r)
    old.sheet_state = "hidden"
    data = wb.create_sheet("Dữ liệu")
    for r in header_and_rows([act(docs_sent="20")]):
        data.append(r)
    wb.save(tmp_path / "a.xlsx")
    res = run.one(tmp_path / "a.xlsx")
    assert res.status == "loaded" and res.rows == 1
    assert run.wh.read("activity", ["15@2025-07-01"])["docs_sent"].tolist() == [20]
    wb.remove(data)
    wb.save(tmp_path / "hidden.xlsx")
    res = run.one(tmp_path / "hidden.xlsx")
    assert res.problems[0].message == "the data is on the hidden sheet 'Bản cũ': unhide it"


def test_xlsx_formula_with_a_saved_value_is_read_as_that_value(run: Runner,
                                                                tmp_path: Path) -> None:
    """Excel saves each formula's last value: that value is what is loaded. A row-number
    column of formulas without values (STT) carries no field and is not a problem; a text
    that merely starts with "=" is text, not a formula."""
    rows = header_and_rows([act(), act("2025-08")])
    f = write_xlsx(tmp_path / "a.xlsx", [["STT", *rows[0]], *[["=ROW()-1", *r] for r in rows[1:]]])
    f.write_bytes(_rewrite_member(f, "xl/worksheets/sheet1.xml", lambda x: x.replace(
        b'<c r="E2" t="inlineStr"><is><t>20</t></is></c>',
        b'<c r="E2"><f>10+10</f><v>20</v></c>')))
    res = run.one(f)
    assert res.status == "loaded", messages(res)
    assert run.wh.read("activity", ["15@2025-07-01"])["docs_sent"].tolist() == [20, 20]
    g = write_xlsx(tmp_path / "b.xlsx", rows)
    g.write_bytes(_rewrite_member(g, "xl/worksheets/sheet1.xml", lambda x: x.replace(
        b'<c r="D2" t="inlineStr"><is><t>20</t></is></c>',
        b'<c r="D2" t="inlineStr"><is><t>=20</t></is></c>')))  # a text cell, as typed
    res = run.one(g)
    assert [(p.row, p.column, p.rule, p.message) for p in res.problems] == [
        (2, "docs_sent", "type", "not a number")]


def test_xlsx_stale_dimension_does_not_cut_rows(run: Runner, tmp_path: Path) -> None:
    """The <dimension> a writer records may be wrong: every row the sheet holds is read."""
    f = write_xlsx(tmp_path / "a.xlsx", header_and_rows([act(m) for m in ("2025-07", "2025-08",
                                                                            "2025-09")]))
    f.write_bytes(_rewrite_member(f, "xl/worksheets/sheet1.xml", lambda x: re.sub(
        rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:B2"/>', x)))
    res = run.one(f)
    assert res.status == "loaded" and res.rows == 3, messages(res)


def test_xlsx_merged_cells_found_in_a_worksheet_part_of_any_name(run: Runner,
                                                                  tmp_path: Path) -> None:
    """Sheets are found through the workbook's relationships, not by file name."""
    rows = header_and_rows([act(m) for m in ("2025-07", "2025-08")])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    for r in rows:
        ws.append(r)
    ws["B3"] = None
    ws.merge_cells("B2:B3")
    ws["D3"] = "=1+1"
    wb.save(tmp_path / "a.xlsx")
    src = zipfile.ZipFile(tmp_path / "a.xlsx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith((".rels", ".xml")):
                data = data.replace(b"worksheets/sheet1.xml", b"worksheets/bao-cao.xml")
            out.writestr(info.filename.replace("sheet1.xml", "bao-cao.xml"), data)
    f = tmp_path / "renamed.xlsx"
    f.write_bytes(buf.getvalue())
    res = run.one(f)
    assert [(p.sheet, p.row, p.column, p.rule) for p in res.problems] == [
        ("Báo cáo", 3, "docs_sent", "formula value")]


def test_xlsx_rows_stored_out_of_order_are_refused_not_lost(run: Runner,
                                                             tmp_path: Path) -> None:
    """Excel writes rows in order; a sheet that does not is refused (a row read back out of
    order would otherwise be skipped without a word)."""
    f = write_xlsx(tmp_path / "a.xlsx", header_and_rows([act(m) for m in ("2025-07", "2025-08",
                                                                            "2025-09")]))

    def shuffle(xml: bytes) -> bytes:
        rows = re.findall(rb"<row .*?</row>", xml)
        return xml.replace(b"".join(rows), rows[0] + rows[3] + rows[1] + rows[2])

    f.write_bytes(_rewrite_member(f, "xl/worksheets/sheet1.xml", shuffle))
    res = run.one(f)
    assert res.status == "rejected"
    assert [(p.sheet, p.row, p.rule) for p in res.problems] == [("Data", 2, "row order")]


def test_xlsx_forged_row_number_is_refused_fast(run: Runner, tmp_path: Path) -> None:
    """No worksheet has a row past 1,048,576; one that claims it is not walked to."""
    f = write_xlsx(tmp_path / "a.xlsx", header_and_rows([act()]))
    f.write_bytes(_rewrite_member(f, "xl/worksheets/sheet1.xml", lambda x: x.replace(
        b"</sheetData>", b'<row r="999999999"><c r="A999999999"><v>1</v></c></row></sheetData>')))
    t0 = time.perf_counter()
    res = run.one(f)
    assert time.perf_counter() - t0 < 10
    assert res.problems[0].message == "the file has more than 1,048,576 rows (the limit)"


def test_worksheet_scan_does_not_depend_on_where_chunks_end(tmp_path: Path) -> None:
    """The byte scan (merged ranges, formulas without a saved value, row order) streams the
    part in chunks: a tag cut by a chunk boundary is still seen once."""
    from reportkit.intake.files import scan_sheet

    rows = header_and_rows([act(m) for m in ("2025-07", "2025-08", "2025-09")])
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    ws["B3"] = None
    ws.merge_cells("B2:B3")
    ws.merge_cells("D4:E4")
    ws["F3"] = "=1+1"
    wb.save(tmp_path / "a.xlsx")
    data = (tmp_path / "a.xlsx").read_bytes()
    scans = {repr(scan_sheet(data, "xl/worksheets/sheet1.xml", chunk=n))
             for n in (1, 7, 64, 333, 1 << 20)}
    assert len(scans) == 1, scans
    scan = scan_sheet(data, "xl/worksheets/sheet1.xml")
    assert (sorted(scan.merged), scan.unsaved, scan.disorder) == (["B2:B3", "D4:E4"], True, None)


def test_only_the_reader_imports_openpyxl() -> None:
    """Reading uses openpyxl in one module, through its public API (test_code_rules checks
    the names), so the next openpyxl release is checked against one file. (The form writer,
    reportkit.forms, uses openpyxl to write templates: not listed here.)"""
    import ast

    import reportkit.intake as pkg

    users = set()
    ingest_modules = ("__init__", "files", "headers", "readers", "validation", "loading",
                      "messages")
    for path in (Path(pkg.__file__).parent / f"{m}.py" for m in ingest_modules):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] == "openpyxl" for n in names):
                users.add(path.name)
    assert users == {"readers.py"}


def test_xlsx_without_any_data_sheet(run: Runner, tmp_path: Path) -> None:
    res = run.one(write_xlsx(tmp_path / "a.xlsx", [["hello", "world"]]))
    assert "no sheet has the expected column headers" in res.problems[0].message


# -- empty, truncated, mislabelled files ----------------------------------------------------------
def test_empty_and_header_only_files(run: Runner, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "blank.csv").write_bytes(b"\xef\xbb\xbf\r\n  \n")
    act_head = write_csv(tmp_path / "act.csv", [], list(act()))
    pet_head = write_csv(tmp_path / "pet.csv", [], list(pet("x")))
    rep = run(*(tmp_path / n for n in ("empty.csv", "blank.csv")), act_head, pet_head)
    by = {r.path.name: r for r in rep.files}
    assert by["empty.csv"].problems[0].message == "the file is empty"
    assert by["blank.csv"].problems[0].message == "the file is empty"
    assert by["act.csv"].problems[0].message == "the file has headers but no data rows"
    # A unit may have received no petitions in a period: a header-only petition file is fine.
    assert by["pet.csv"].status == "loaded" and by["pet.csv"].rows == 0


@pytest.mark.parametrize(("name", "data", "text"), [
    ("a.xlsx", b"unit_code,month\n15,2025-07\n", "really a text (CSV) file"),
    ("a.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Excel 97-2003"),
    ("a.csv", b"%PDF-1.7\n%...", "a PDF document"),
    ("a.csv", b"<!DOCTYPE html><html><body>x</body></html>", "an HTML page"),
    ("a.csv", b"\x00\x01\x02\x03binary\x00\x00\x00\x00garbage", "binary data"),
    ("a.txt", b"unit_code\n15\n", "unsupported file type '.txt'"),
])
def test_files_that_are_not_what_their_extension_says(run: Runner, tmp_path: Path, name: str,
                                                      data: bytes, text: str) -> None:
    (tmp_path / name).write_bytes(data)
    res = run.one(tmp_path / name)
    assert res.status == "rejected" and text in res.problems[0].message


def test_csv_that_is_really_an_xlsx(run: Runner, tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "a.xlsx", header_and_rows([act()]))
    g = tmp_path / "a.csv"
    g.write_bytes(f.read_bytes())
    assert "rename it to .xlsx" in run.one(g).problems[0].message


def test_truncated_and_corrupt_xlsx(run: Runner, tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "a.xlsx", header_and_rows([act()]))
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    assert "damaged or truncated" in run.one(f).problems[0].message
    zf = tmp_path / "other.xlsx"
    with zipfile.ZipFile(zf, "w") as z:
        z.writestr("word/document.xml", "<w/>")
        z.writestr("[Content_Types].xml", "<Types/>")
    assert "not an Excel workbook" in run.one(zf).problems[0].message
    ok = write_xlsx(tmp_path / "b.xlsx", header_and_rows([act()]))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(_rewrite_member(ok, "xl/workbook.xml", lambda x: x[: len(x) // 2]))
    assert "cannot read the file" in run.one(broken).problems[0].message


# -- hostile files --------------------------------------------------------------------------------
def _rewrite_member(path: Path, member: str, change: Any, extra: dict[str, bytes] | None = None,
                    compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    src = zipfile.ZipFile(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as out:
        for info in src.infolist():
            data = src.read(info)
            out.writestr(info.filename, change(data) if info.filename == member else data)
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return buf.getvalue()


def test_zip_bomb_is_refused_before_openpyxl(run: Runner, tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "a.xlsx", header_and_rows([act()]))
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(_rewrite_member(f, "", None, {"xl/media/image1.bin": b"\0" * (64 << 20)}))
    assert bomb.stat().st_size < 1 << 20
    t0 = time.perf_counter()
    res = run.one(bomb)
    assert time.perf_counter() - t0 < 5
    assert "possible ZIP bomb" in res.problems[0].message
    assert "xl/media/image1.bin" in res.problems[0].message
    small = run.one(f, limits=Limits(max_xlsx_uncompressed=2_000))
    assert "would expand to" in small.problems[0].message


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
                  b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
                  b'<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
                  b'<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
                  b'<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
                  b'<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
                  b'<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>')


@pytest.mark.parametrize("padding", [0, 8000])
def test_xml_entity_expansion_is_refused(run: Runner, tmp_path: Path, padding: int) -> None:
    """A DTD at the start is refused by the prolog check; one pushed past it by a long
    comment is refused by defusedxml inside openpyxl."""
    f = write_xlsx(tmp_path / "a.xlsx", header_and_rows([act()]))

    def evil(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        body = body.replace(b"<t>20</t>", b"<t>&lol9;</t>", 1)
        head = BILLION_LAUGHS
        if padding:
            head = head.replace(b"<!DOCTYPE", b"<!--" + b"x" * padding + b"-->\n<!DOCTYPE")
        return head + body

    bad = tmp_path / "evil.xlsx"
    bad.write_bytes(_rewrite_member(f, "xl/worksheets/sheet1.xml", evil))
    t0 = time.perf_counter()
    res = run.one(bad)
    assert time.perf_counter() - t0 < 5
    assert res.status == "rejected"
    assert "declares a DTD or entities (possible XML bomb)" in res.problems[0].message


def test_ten_million_row_csv_fails_fast(run: Runner, tmp_path: Path) -> None:
    f = tmp_path / "huge.csv"
    with f.open("wb") as fh:
        fh.write(b"petition_id,unit_code\n")
        fh.write(b"x,01\n" * 10_000_000)
    t0 = time.perf_counter()
    res = run.one(f)
    assert time.perf_counter() - t0 < 10
    assert res.problems[0].message == "the file has more than 3,000,000 rows (the limit)"


def test_oversized_file_is_not_read_or_copied(run: Runner, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "a.csv", [act(m) for m in ("2025-07", "2025-08", "2025-09")])
    res = run.one(f, limits=Limits(max_bytes=100))
    assert "more than the limit of 100 bytes" in res.problems[0].message
    assert res.quarantined is not None and not res.quarantined.exists()
    report = json.loads(Path(f"{res.quarantined}.problems.json").read_text(encoding="utf-8"))
    assert report["copy"] is None and "source is kept" in report["note"]


def test_xlsx_cell_limit(run: Runner, tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "a.xlsx", header_and_rows([act(m) for m in ("2025-07",
                                                                            "2025-08")]))
    res = run.one(f, limits=Limits(max_xlsx_cells=30))
    assert res.problems[0].message == "the workbook has more than 30 cells (the limit)"


def test_too_many_columns(run: Runner, tmp_path: Path) -> None:
    row = act()
    header = [*row, *[f"x{i}" for i in range(300)]]
    res = run.one(write_csv(tmp_path / "a.csv", [row], header))
    assert "beyond the limit of 200 columns" in res.problems[0].message


def test_problems_are_capped_per_file_and_counted(run: Runner, tmp_path: Path) -> None:
    rows = [pet(f"p{i}", channel="fax") for i in range(30)]
    res = run.one(write_csv(tmp_path / "p.csv", rows), limits=Limits(max_problems=10))
    assert len(res.problems) == 11
    assert res.problems[-1].message == "… and 20 more problem(s) not listed"


# -- reports, quarantine, personal data ------------------------------------------------------------
def test_all_problems_at_once_and_quarantine_reports(run: Runner, tmp_path: Path) -> None:
    rows = [pet("p1", channel="fax"), pet("p2", received="2030-01-01", handled_on="",
                                          status="pending"),
            pet("p3", petitioner_id="12345"), pet("p4", is_group="maybe")]
    src = write_csv(tmp_path / "in" / "p.csv", rows)
    before = src.read_bytes()
    rep = run(src)
    res = rep.files[0]
    assert {(p.row, p.column) for p in res.problems} == {
        (2, "channel"), (3, "received_on"), (4, "petitioner_id"), (5, "is_group")}
    assert src.read_bytes() == before  # the source stays where it is
    assert res.quarantined is not None and res.quarantined.read_bytes() == before
    rep_csv = pd.read_csv(f"{res.quarantined}.problems.csv", dtype=str, encoding="utf-8-sig")
    assert len(rep_csv) == 4 and set(rep_csv.columns) >= {"row", "column", "value", "rule"}
    rep_json = json.loads(Path(f"{res.quarantined}.problems.json").read_text(encoding="utf-8"))
    assert rep_json["sha256"] == res.sha256 and len(rep_json["problems"]) == 4
    (entry,) = run.wh.ledger()
    assert entry["status"] == "rejected" and entry["problems"] == 4
    assert {r["column"] for r in entry["reasons"]} == {"channel", "received_on",
                                                       "petitioner_id", "is_group"}


def test_personal_data_is_never_echoed(run: Runner, tmp_path: Path) -> None:
    secret_id, secret_name = "12345", "Trần Bí Mật"
    rows = [pet("p1"), pet("p2", petitioner_id=secret_id, petitioner_name=secret_name,
                           channel="fax")]
    res = run.one(write_csv(tmp_path / "p.csv", rows))
    (p,) = only(res, column="petitioner_id")
    assert (p.row, p.value) == (3, None)
    assert p.message == "a CCCD number is exactly 12 digits, leading zeros kept"
    assert str(p) == f"{tmp_path / 'p.csv'}, row 3, column petitioner_id: " + p.message
    outputs = [format_problems(res), json.dumps(run.wh.ledger(), ensure_ascii=False)]
    assert res.quarantined is not None
    for suffix in (".problems.csv", ".problems.json"):
        outputs.append(Path(f"{res.quarantined}{suffix}").read_text(encoding="utf-8-sig"))
    for text in outputs:
        assert secret_id not in text and secret_name not in text
    # An empty required personal field is reported without a value either.
    res = run.one(write_csv(tmp_path / "q.csv", [pet("p9", petitioner_name="—")]))
    (p,) = res.problems
    assert (p.column, p.rule, p.value) == ("petitioner_name", "required", None)


def test_messages_in_vietnamese(run: Runner, tmp_path: Path) -> None:
    res = run.one(write_csv(tmp_path / "a.csv", [act(docs_sent="abc")]), lang="vi")
    assert res.problems[0].message == "không phải là số"
    assert "dòng 2, cột docs_sent" in format_problems(res, lang="vi")


# -- forms: unit and period from the file ---------------------------------------------------------
def test_file_name_period_and_unit_are_checked(run: Runner, tmp_path: Path) -> None:
    ok = write_csv(tmp_path / "15-lao-cai_2025-Q3.csv", [act("2025-07"), act("2025-09")])
    assert run.one(ok).status == "loaded"
    bad = write_csv(tmp_path / "x" / "15-lao-cai_2025-Q3.csv", [act("2025-10")])
    (p,) = run.one(bad).problems
    assert p.message == ("10/2025 is outside the form's period 2025-Q3 (Q3 2025; from the file "
                         "name)")
    other = write_csv(tmp_path / "y" / "15-lao-cai_2025-Q3.csv", [act(code="01", name=None)])
    (p,) = run.one(other).problems
    assert p.message == ("the row's unit (01) is not the form's unit (Lào Cai, code 15; from "
                         "the file name)")


def test_form_cells_give_unit_by_name_and_period(run: Runner, tmp_path: Path) -> None:
    rows = [act(m, code=None, name=None) for m in ("2025-07", "2025-08")]
    before = [["BÁO CÁO"], ["Đơn vị / Unit", "Tp. Hồ Chí Minh"], ["Kỳ báo cáo / Period",
                                                                 "quý III/2025"], []]
    res = run.one(write_xlsx(tmp_path / "a.xlsx", header_and_rows(rows), before=before))
    assert res.status == "loaded", messages(res)
    assert res.units == ["79"]
    before[1][1] = "Yên Bái"
    res = run.one(write_xlsx(tmp_path / "b.xlsx", header_and_rows(rows), before=before))
    (p,) = res.problems  # once for the file, not once per row
    assert p.message == "Yên Bái was merged into Lào Cai on 1 July 2025"


# -- command line -------------------------------------------------------------------------------
def test_cli_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTKIT_HOME", str(tmp_path))
    good = write_csv(tmp_path / "in" / "good.csv", [act()])
    write_csv(tmp_path / "in" / "bad.csv", [act("2025-08", docs_sent="x")])
    wh = tmp_path / "wh"
    r = CliRunner().invoke(main, ["ingest", str(good), "--warehouse", str(wh)])
    assert r.exit_code == 0, r.output
    assert "đã nạp 1 tệp (1 dòng), từ chối 0" in r.output  # Vietnamese by default
    assert f"{good}: loaded" in r.output  # every file is named with its outcome
    r = CliRunner().invoke(main, ["ingest", str(tmp_path / "in"), "--warehouse", str(wh)],
                           env={"REPORTKIT_LANG": "en"})
    assert r.exit_code == 1
    assert "bad.csv: rejected, 1 problem(s)" in r.output
    assert "row 2, column docs_sent: not a number (value: 'x')" in r.output
    assert "skipped 1 unchanged" in r.output
    assert (tmp_path / "data" / "quarantine").is_dir()
    (tmp_path / "empty").mkdir()
    r = CliRunner().invoke(main, ["ingest", str(tmp_path / "empty"), "--warehouse", str(wh)])
    assert r.exit_code == 4 and "không có tệp .csv hoặc .xlsx nào" in r.output
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the warehouse folder should be")
    r = CliRunner().invoke(main, ["ingest", str(good), "--warehouse", str(blocker / "wh")])
    assert r.exit_code == 4, r.output


def test_cli_dry_run_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTKIT_HOME", str(tmp_path))
    good = write_csv(tmp_path / "in" / "good.csv", [act()])
    r = CliRunner().invoke(main, ["ingest", str(good), "--dry-run", "--warehouse",
                                  str(tmp_path / "wh"), "--lang", "en"])
    assert r.exit_code == 0 and "would load 1 file(s)" in r.output
    assert not (tmp_path / "wh").exists() and not (tmp_path / "data").exists()


def test_check_file_returns_typed_rows(tmp_path: Path) -> None:
    res = check_file(write_csv(tmp_path / "a.csv", [act()]), today=TODAY)
    assert res.status == "loaded" and res.frame is not None
    assert res.frame["docs_sent"].tolist() == [20]
    assert str(res.frame["month"].dtype).startswith("datetime64")


# -- the sample's own submissions round-trip -----------------------------------------------------
def test_sample_round_trips(sample_dirs: dict[str, Path]) -> None:
    wh = Warehouse(sample_dirs["warehouse"])
    ledger = wh.ledger()
    files = sorted(sample_dirs["sample"].rglob("*.csv"))
    assert len([e for e in ledger if e["status"] == "loaded"]) == len(files)
    assert all(e["sample"] for e in ledger)
    src = sample_dirs["sample"] / "petitions" / "2025" / "01-ha-noi_2025-H1.csv"
    raw = pd.read_csv(src, dtype=str, keep_default_na=False)
    got = wh.read("petitions", ["01@2008-08-01"])
    got = got[got["received_on"] >= "2025-01-01"].sort_values("petition_id")
    raw = raw.sort_values("petition_id")
    assert got["petition_id"].tolist() == raw["petition_id"].tolist()
    assert got["petitioner_id"].tolist() == raw["petitioner_id"].tolist()  # leading zeros kept
    handled = got["handled_on"].dt.strftime("%Y-%m-%d").fillna("").tolist()
    assert handled == raw["handled_on"].tolist()
    act_src = sample_dirs["sample"] / "activity" / "2025" / "15-lao-cai_2025-H2.csv"
    araw = pd.read_csv(act_src, dtype=str)
    agot = wh.read("activity", ["15@2025-07-01"]).sort_values("month")
    agot = agot[agot["month"] < "2026-01-01"]
    assert agot["docs_sent"].astype(str).tolist() == araw["docs_sent"].tolist()


def test_sample_ingest_again_through_the_cli_is_a_no_op(sample_dirs: dict[str, Path],
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTKIT_HOME", str(tmp_path))
    before = Warehouse(sample_dirs["warehouse"]).data_version("petitions")
    r = CliRunner().invoke(main, ["ingest", str(sample_dirs["sample"]), "--warehouse",
                                  str(sample_dirs["warehouse"]), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "loaded 0 file(s)" in r.output and "rejected 0, skipped 1396 unchanged" in r.output
    assert ": unchanged" not in r.output  # 1,396 unchanged files are counted, not listed
    assert ".reportkit-sample: ignored (a hidden file" in r.output  # what is not read is named
    assert Warehouse(sample_dirs["warehouse"]).data_version("petitions") == before


def test_sample_quality(sample_dirs: dict[str, Path]) -> None:
    root = sample_dirs["warehouse"]
    total = Q.reporting_rates("2025-Q3", root=root, by="all").iloc[0]
    assert (total["expected"], total["actual"]) == (102, 102)
    assert 0.7 < total["timeliness"] < 1.0
    before = Q.reporting_rates("2025-H1", root=root, by="all").iloc[0]
    assert before["expected"] == 63 * 6


# -- data quality on hand-made data --------------------------------------------------------------
def _activity_frame(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"unit_code": c, "unit_name": "x", "month": pd.Timestamp(m + "-01"),
                          "docs_sent": v, "submitted_on": pd.Timestamp(s)}
                         for c, m, v, s in rows])


def test_reporting_rate_and_timeliness_dhis2_style() -> None:
    df = _activity_frame([
        ("01", "2025-07", 10, "2025-08-15"),  # on time: 15 days after the month end
        ("01", "2025-08", 10, "2025-09-16"),  # late by one day
        ("15", "2025-07", 10, "2025-08-02"),
        ("15", "2025-07", 10, "2025-08-30"),  # a later duplicate: the first submission counts
        ("99", "2025-07", 10, "2025-08-02"),  # not a unit: not expected, not counted
    ])
    st = Q.submission_status("2025-07..2025-08", activity=df, units=["01", "15"])
    assert len(st) == 4
    assert st.set_index(["unit_code", "month"])["days_late"].loc[("01", pd.Timestamp(
        "2025-08-01"))] == 1
    per_unit = Q.reporting_rates("2025-07..2025-08", activity=df, units=["01", "15"])
    got = per_unit.set_index("unit_code")[["expected", "actual", "on_time"]].to_dict("index")
    assert got == {"01": {"expected": 2, "actual": 2, "on_time": 1},
                   "15": {"expected": 2, "actual": 1, "on_time": 1}}
    total = Q.reporting_rates("2025-07..2025-08", activity=df, units=["01", "15"],
                              by="all").iloc[0]
    assert total["reporting_rate"] == 3 / 4 and total["timeliness"] == 2 / 4
    national = Q.reporting_rates("2025-07", activity=df, by="all").iloc[0]
    assert (national["expected"], national["actual"]) == (34, 2)
    lenient = Q.reporting_rates("2025-08", activity=df, units=["01"], days=20, by="all")
    assert lenient.iloc[0]["timeliness"] == 1.0


def test_reporting_rate_across_the_merger_expects_63_then_34() -> None:
    by_month = Q.reporting_rates("2025-06..2025-07", activity=_activity_frame([]), by="month")
    assert by_month["expected"].tolist() == [63, 34]
    assert by_month["reporting_rate"].tolist() == [0.0, 0.0]


def test_outliers_against_the_units_own_history() -> None:
    steady = [("01", f"2024-{m:02d}", v, "2024-12-31")
              for m, v in zip(range(1, 13), [20, 22, 19, 21, 20, 23, 18, 20, 21, 22, 19, 20],
                              strict=True)]
    big = [("79", f"2024-{m:02d}", 200 + m, "2024-12-31") for m in range(1, 13)]
    df = _activity_frame(steady + big + [("01", "2025-01", 95, "2025-02-10"),
                                         ("79", "2025-01", 210, "2025-02-10")])
    out = Q.outliers("2025-01", activity=df, history=12)
    assert out["unit_code"].tolist() == ["01"]  # 210 is normal for 79, 95 is not for 01
    assert out.iloc[0]["value"] == 95 and out.iloc[0]["median"] == 20 and out.iloc[0]["z"] > 3.5
    everything = Q.outliers("2025-01", activity=df, history=12, flagged_only=False)
    assert len(everything) == 2
    short = Q.outliers("2025-01", activity=df, history=12, min_history=13, flagged_only=False)
    assert short["z"].isna().all()


def test_outliers_when_history_is_flat() -> None:
    flat = [("01", f"2024-{m:02d}", 20, "2024-12-31") for m in range(1, 13)]
    df = _activity_frame(flat + [("01", "2025-01", 21, "2025-02-10")])
    out = Q.outliers("2025-01", activity=df, history=12, flagged_only=False)
    assert out.iloc[0]["z"] == float("inf")


def test_rejections_and_reasons_from_the_ledger(run: Runner, tmp_path: Path) -> None:
    run(write_csv(tmp_path / "a.csv", [act("2025-07", docs_sent="x"),
                                       act("2025-08", docs_sent="y")]),
        write_csv(tmp_path / "b.csv", [act("2024-07", reports_on_time="9")]),
        write_csv(tmp_path / "c.csv", [act("2025-09")]))
    (tmp_path / "empty.csv").write_bytes(b"")
    run(tmp_path / "empty.csv")
    rej = Q.rejections("2025-Q3", root=run.wh.root)
    assert sorted(Path(f).name for f in rej["file"]) == ["a.csv", "empty.csv"]
    a = rej[rej["file"].str.endswith("a.csv")].iloc[0]
    assert a["reasons"] == "type in docs_sent ×2" and a["problems"] == 2
    assert not Q.rejections("2025-Q3", root=run.wh.root, include_undated=False)[
        "file"].str.endswith("empty.csv").any()
    reasons = Q.rejection_reasons(root=run.wh.root)
    assert reasons.iloc[0][["rule", "column", "files", "problems"]].tolist() == [
        "type", "docs_sent", 1, 2]
    # A corrected file loaded later is flagged.
    run(write_csv(tmp_path / "fixed" / "a.csv", [act("2025-07"), act("2025-08")]))
    rej = Q.rejections("2025-Q3", root=run.wh.root)
    assert rej.set_index(rej["file"].map(lambda f: Path(f).name))["loaded_later"]["a.csv"]


def test_schema_validate_keeps_its_contract() -> None:
    from reportkit.core.schema import validate

    df = pd.DataFrame([{c: 0 for c in ACTIVITY.columns}])
    df["unit_code"], df["month"] = "15", pd.Timestamp("2025-07-01")
    df["submitted_on"], df["docs_sent"] = pd.Timestamp("2025-08-01"), -1
    problems = validate(df, ACTIVITY, today=TODAY)
    assert [(p.row, p.column, p.rule) for p in problems] == [(0, "docs_sent", "non-negative"),
                                                             (0, "docs_sent_network",
                                                              "docs_sent_network <= docs_sent"),
                                                             (0, "docs_nonsecret",
                                                              "docs_nonsecret <= docs_sent")]
    p = pd.DataFrame([{c: None for c in PETITIONS.columns}])
    assert any(x.rule == "required" for x in validate(p, PETITIONS))
