"""The one atomic-write helper and the one file-hash helper (reportkit.store.io)."""

from __future__ import annotations

import ast
import hashlib
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportkit.store import io as store_io
from reportkit.store.io import atomic_write, sha256_bytes, sha256_file

SRC = Path(__file__).resolve().parents[1] / "src" / "reportkit"


def test_atomic_write_creates_replaces_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "report.html"
    assert atomic_write(target, "Báo cáo") == target
    assert target.read_text(encoding="utf-8") == "Báo cáo"
    atomic_write(target, b"\x00new")
    assert target.read_bytes() == b"\x00new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    atomic_write(target, "old")

    with pytest.raises(TypeError):
        atomic_write(target, object())  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_hashes_match_hashlib(tmp_path: Path) -> None:
    data = bytes(range(256)) * 10_000  # over one read block
    path = tmp_path / "x.bin"
    path.write_bytes(data)
    assert sha256_file(path) == sha256_bytes(data) == hashlib.sha256(data).hexdigest()


def test_no_other_module_has_its_own_atomic_write() -> None:
    """One helper: a second copy drifts (one of the five earlier copies forgot the fsync,
    another the permissions)."""
    own = []
    for path in SRC.rglob("*.py"):
        if path.name == "io.py" and path.parent.name == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and "atomic" in node.name:
                own.append(f"{path.relative_to(SRC)}: {node.name}")
    assert own == [], own


def _frame(cells: list[object]) -> pd.DataFrame:
    n = len(cells)
    return pd.DataFrame({
        "text": pd.Series(cells, dtype="str"),
        "n": np.arange(n) - 2,
        "flag": np.arange(n) % 2 == 0,
        "day": pd.to_datetime(["2025-07-01", None, "2026-01-31", "2025-12-15"] * (n // 4)),
        "mixed": pd.Series([None, 3, "x", -1.5] * (n // 4), dtype=object),
    })


@pytest.mark.parametrize("cells", [
    ["Lào Cai", "=cmd|' /C calc'!A0", "-5", "-1+1", "@SUM(A1)", "a,b", 'say "hi"', None],
    ["Lào Cai", "two\nlines", "+1", "-0.25", "", "\r=1", "x", "y"],  # a cell spans lines
])
@pytest.mark.parametrize("options", [
    {"index": False, "date_format": "%Y-%m-%d"},
    {"date_format": "%d/%m/%Y", "encoding": "utf-8-sig", "na_rep": "-"},  # one BOM per file
    {"encoding": "utf-8-sig"},  # dates formatted by the whole column: each file alone
])
def test_write_csv_parts_writes_what_write_csv_writes_for_each_part(
        tmp_path: Path, cells: list[object], options: dict[str, object]) -> None:
    """Many files cut from one frame: byte for byte what one write_csv call per file gives,
    formula cells quoted, negative numbers and other parts untouched, empty parts too."""
    df = _frame(cells)
    picks = [np.array([0, 2, 3]), np.array([7, 1]), np.array([], dtype=np.int64),
             np.arange(len(df)), np.array([5])]
    parts = [(tmp_path / f"fast{i}.csv", rows) for i, rows in enumerate(picks)]
    store_io.write_csv_parts(df, parts, **options)
    for i, rows in enumerate(picks):
        store_io.write_csv(df.iloc[rows], tmp_path / f"one{i}.csv", **options)
        assert (tmp_path / f"fast{i}.csv").read_bytes() == (tmp_path / f"one{i}.csv").read_bytes()
    whole = pd.read_csv(tmp_path / "fast3.csv", keep_default_na=False, dtype=str,
                        encoding=str(options.get("encoding", "utf-8")))
    assert "'=cmd|' /C calc'!A0" in set(whole["text"]) or "'+1" in set(whole["text"])
    assert ("-5" in set(whole["text"])) or ("-0.25" in set(whole["text"]))
