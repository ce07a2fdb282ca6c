"""Shared fixtures: a sample warehouse built once per test session from the real generator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def sample_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Generate the sample submissions and ingest them into a fresh warehouse (once)."""
    from reportkit import sample
    from reportkit.ingest import ingest
    from reportkit.warehouse import Warehouse

    base = tmp_path_factory.mktemp("sample-project")
    (base / "params").mkdir()
    (base / "data").mkdir()
    sub = base / "data" / "sample"
    sample.generate(sub)
    wh = Warehouse(base / "data" / "warehouse")
    rep = ingest([sub], warehouse=wh, quarantine=base / "data" / "quarantine",
                 archive=base / "data" / "archive")
    assert rep.ok, [str(p) for f in rep.files for p in f.problems[:3]]
    return {"base": base, "sample": sub, "warehouse": wh.root}


@pytest.fixture()
def sample_env(sample_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point reportkit (and kernels started from this process) at the sample warehouse."""
    monkeypatch.setenv("REPORTKIT_WAREHOUSE", str(sample_dirs["warehouse"]))
    monkeypatch.setenv("REPORTKIT_HOME", str(sample_dirs["base"]))
    return sample_dirs["warehouse"]


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
