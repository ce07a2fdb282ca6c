"""The one atomic-write helper and the one file-hash helper (reportkit.store.io)."""

from __future__ import annotations

import ast
import hashlib
import stat
from pathlib import Path

import pytest

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
