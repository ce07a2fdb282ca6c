"""Shared fixtures: a sample warehouse built once per test session from the real generator."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _build_sample_project(base: Path) -> None:
    """Generate the sample submissions under ``base`` and ingest them into its warehouse."""
    from reportkit.intake import ingest, sample
    from reportkit.store.warehouse import Warehouse

    (base / "params").mkdir(parents=True)
    (base / "data").mkdir()
    sub = base / "data" / "sample"
    sample.generate(sub)
    wh = Warehouse(base / "data" / "warehouse")
    rep = ingest([sub], warehouse=wh, quarantine=base / "data" / "quarantine",
                 archive=base / "data" / "archive")
    assert rep.ok, [str(p) for f in rep.files for p in f.problems[:3]]


@pytest.fixture(scope="session")
def sample_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Generate the sample submissions and ingest them into a fresh warehouse (once).

    Under pytest-xdist the first worker that needs it builds it in the run's shared temporary
    folder while the others wait, and each worker then works on its own copy: the same files
    as a build of its own (the ledger's archive paths point into the copy), half a minute
    sooner."""
    base = tmp_path_factory.mktemp("sample-project")
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # not under xdist (as every_report tells)
        _build_sample_project(base)
    else:
        import shutil

        from reportkit.store.io import locked

        shared = tmp_path_factory.getbasetemp().parent / "sample-project-shared"
        with locked(shared.with_name("sample-project.lock")):
            if not (shared / "built").is_file():
                shutil.rmtree(shared, ignore_errors=True)  # a build that did not finish
                _build_sample_project(shared)
                (shared / "built").touch()
        shutil.copytree(shared, base, dirs_exist_ok=True)
        (base / "built").unlink()
        ledger = base / "data" / "warehouse" / "ledger.jsonl"
        ledger.write_text(ledger.read_text(encoding="utf-8").replace(
            json.dumps(str(shared))[1:-1], json.dumps(str(base))[1:-1]), encoding="utf-8")
    return {"base": base, "sample": base / "data" / "sample",
            "warehouse": base / "data" / "warehouse"}


@pytest.fixture()
def sample_env(sample_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point reportkit (and kernels started from this process) at the sample warehouse."""
    monkeypatch.setenv("REPORTKIT_WAREHOUSE", str(sample_dirs["warehouse"]))
    monkeypatch.setenv("REPORTKIT_HOME", str(sample_dirs["base"]))
    return sample_dirs["warehouse"]


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture()
def kernel_eval(tmp_path: Path):  # noqa: ANN201 - returns a helper
    """``kernel_eval(kernel, expr, setup="")``: run ``setup`` then evaluate ``expr`` in a
    reportkit.batch.kernels.Kernel and return its value (JSON). The kernel writes the value to a
    file and the helper waits for the execute reply on the shell channel, so no output message
    timing is involved."""
    import json
    import queue
    import time

    from jupyter_core.utils import run_sync

    counter = iter(range(1_000_000))

    def evaluate(kernel, expr: str, setup: str = "", timeout: float = 120) -> object:  # noqa: ANN001
        out = tmp_path / f"kernel-eval-{next(counter)}.json"
        code = f"{setup}\nopen({str(out)!r}, 'w').write(__import__('json').dumps({expr}))"
        msg_id = kernel.kc.execute(code, allow_stdin=False)
        deadline = time.monotonic() + timeout
        while True:
            assert time.monotonic() < deadline, "no execute reply from the kernel"
            try:
                reply = run_sync(kernel.kc.get_shell_msg)(timeout=1.0)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        assert reply["content"]["status"] == "ok", reply["content"]
        return json.loads(out.read_text(encoding="utf-8"))

    return evaluate


def make_catalog(folder: Path, *, tag: str = "t1") -> Path:
    """A warehouse catalogue with no data: enough to plan reports and compute data versions
    (for tests that run fixture notebooks, which read no data)."""
    import json
    from datetime import date

    from reportkit.core import units

    tables = {}
    for table in ("activity", "petitions"):
        parts = {}
        for day in (date(2025, 6, 1), units.MERGER_DATE):
            for u in units.units_at(day):
                parts[u.key] = {"file": f"{table}/{u.key}/x.parquet",
                                "sha256": f"{tag}-{u.key}", "rows": 1}
        tables[table] = parts
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.json").write_text(json.dumps({"version": 1, "tables": tables}))
    return folder


@pytest.fixture()
def empty_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$REPORTKIT_WAREHOUSE pointing at a catalogue with no data (see :func:`make_catalog`)."""
    folder = make_catalog(tmp_path / "warehouse")
    monkeypatch.setenv("REPORTKIT_WAREHOUSE", str(folder))
    return folder


# --- every report notebook, both languages, HTML + PDF + DOCX: rendered once ---------------

REPORT_NOTEBOOKS = ("province_report", "national_summary", "petitions", "data_quality")
REPORT_LANGS = ("vi", "en")
REPORT_UNIT, REPORT_PERIOD = "Lào Cai", "2025-Q3"
SIGNER = "Nguyễn Văn Kiểm Thử"
# The closing blocks' settings of the rendered project: the Lào Cai office signs on behalf of
# its standing committee; the default's recipients carry their English under ``en:``.
UNITS_YAML = f"""\
default:
  title: "CHÁNH VĂN PHÒNG"
  recipients:
    - "Văn phòng Trung ương Đảng (để báo cáo)"
    - "Lưu Văn phòng"
  en:
    recipients:
      - "Central Party Office (for reporting)"
      - "Office files"
units:
  "15":
    on_behalf: "T/L BAN THƯỜNG VỤ"
    name: "{SIGNER}"
"""


@pytest.fixture(scope="session")
def every_report(sample_dirs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory,
                 ) -> dict[tuple[str, str], dict[str, Path]]:
    """Every report notebook of ``notebooks/`` for Lào Cai (the petitions and province
    reports) and the country, 2025-Q3, in Vietnamese and English, as HTML, PDF and DOCX: one
    batch (two schedules' jobs, one language each, run together), in a project whose
    ``params/units.yaml`` is :data:`UNITS_YAML`. The province report carries the number 12.

    Returns ``{(notebook stem, lang): {"html": ..., "pdf": ..., "docx": ..., "ipynb": ...}}``.
    Shared by the print, Word, report and every-notebook tests: rendered once per test run,
    also when pytest-xdist spreads the files over processes (the first worker to need it
    renders it under a lock in the run's common temporary folder; the others read its index).
    """
    import json
    import os

    from reportkit.store.io import locked

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, above each worker's own
    project = base / "every-report"
    index = project / "reports.json"
    with locked(base / "every-report.lock"):
        if not index.is_file():
            done = _render_every_report(project, sample_dirs["warehouse"])
            index.write_text(json.dumps([[name, lang, {k: str(v) for k, v in files.items()}]
                                         for (name, lang), files in done.items()]),
                             encoding="utf-8")
    return {(name, lang): {k: Path(v) for k, v in files.items()}
            for name, lang, files in json.loads(index.read_text(encoding="utf-8"))}


def _render_every_report(project: Path, warehouse: Path) -> dict[tuple[str, str], dict[str, Path]]:
    from dataclasses import replace

    import yaml

    from reportkit import batch

    (project / "params").mkdir(parents=True)
    (project / "params" / "units.yaml").write_text(UNITS_YAML, encoding="utf-8")
    notebooks = [{"path": str(ROOT / "notebooks" / f"{name}.ipynb"),
                  **({"params": {"number": "12"}} if name == "province_report" else {})}
                 for name in REPORT_NOTEBOOKS]
    mp = pytest.MonkeyPatch()
    mp.setenv("REPORTKIT_WAREHOUSE", str(warehouse))
    mp.setenv("REPORTKIT_HOME", str(project))
    try:
        plans = []
        for lang in REPORT_LANGS:
            path = project / "params" / f"every-{lang}.yaml"
            path.write_text(yaml.safe_dump({
                "notebooks": notebooks, "units": [REPORT_UNIT], "period": REPORT_PERIOD,
                "formats": ["html", "pdf", "docx"], "lang": lang}, allow_unicode=True),
                encoding="utf-8")
            plans.append(batch.plan_batch(path, out=project / "outputs", warehouse=warehouse))
        plan = replace(plans[0], decisions=[d for p in plans for d in p.decisions])
        result = batch.execute_plan(plan, workers=2, progress=False)
    finally:
        mp.undo()
    failed = [(o.key, o.error) for o in result.outcomes if o.status != "ok"]
    assert not failed, failed
    jobs = {d.job.key: d.job for d in plan.decisions}
    done = {(jobs[o.key].report.notebook.stem, jobs[o.key].report.lang):
            {kind: Path(f) for kind, f in o.files.items()} for o in result.outcomes}
    assert set(done) == {(n, lang) for n in REPORT_NOTEBOOKS for lang in REPORT_LANGS}, done
    return done
