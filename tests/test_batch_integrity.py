"""Batch integrity: what is refused before any kernel starts (and with which exit code), one
warehouse snapshot per batch, transient versus deterministic failures, limits and paths.

The refusal tests replace the kernel starters and the worker pool with a function that fails
the test, so "refused before any kernel" is checked, not assumed.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml
from click.testing import CliRunner

from reportkit import batch
from reportkit.batch import execute as batch_execute
from reportkit.batch import kernels as batch_kernels
from reportkit.batch import plan as batch_plan
from reportkit.cli import main
from reportkit.core import units
from reportkit.errors import ConfigError, ParameterError, PeriodError, WarehouseError
from reportkit.rendering import catalog
from reportkit.store.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
NB = Path(__file__).resolve().parent / "notebooks"
PROVINCE = ROOT / "notebooks" / "province_report.ipynb"
PETITIONS = ROOT / "notebooks" / "petitions.ipynb"
Q3 = "2025-Q3"
TODAY = date(2025, 10, 5)


def covered_warehouse(folder: Path, *, first: str = "2016-01-01", last: str = "2025-09-01",
                      tag: str = "t1", files: bool = False) -> Path:
    """A catalogue (no Parquet data) whose partitions say which dates they hold."""
    tables: dict[str, Any] = {}
    for table in ("activity", "petitions"):
        parts = {}
        for day in (date(2025, 6, 1), units.MERGER_DATE):
            for u in units.units_at(day):
                rel = f"{table}/{u.key}/{tag}.parquet"
                parts[u.key] = {"file": rel, "sha256": f"{tag}-{u.key}", "rows": 1,
                                "first": first, "last": last}
                if files:
                    (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                    (folder / rel).write_bytes(b"")
        tables[table] = parts
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.json").write_text(json.dumps({"version": 1, "tables": tables}))
    return folder


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "params").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "notebooks").mkdir()
    shutil.copy(NB / "unit_report.ipynb", tmp_path / "notebooks")
    covered_warehouse(tmp_path / "data" / "warehouse")
    monkeypatch.setenv("REPORTKIT_HOME", str(tmp_path))
    monkeypatch.setenv("REPORTKIT_WAREHOUSE", str(tmp_path / "data" / "warehouse"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture()
def no_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to start a kernel or a worker."""

    def boom(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a kernel or worker was started")

    monkeypatch.setattr(batch_kernels, "Kernel", boom)
    monkeypatch.setattr(batch_execute, "WarmKernels", boom)
    monkeypatch.setattr(batch_execute, "LocalPool", boom)


def cli(*args: str) -> Any:
    """The command, answering in English (these tests check the wording; tests/test_cli.py
    checks that Vietnamese is the default)."""
    return CliRunner().invoke(main, [str(a) for a in args], env={"REPORTKIT_LANG": "en"})


def write_schedule(project: Path, name: str = "test", **data: Any) -> Path:
    data.setdefault("warm", [])
    data.setdefault("period", Q3)
    data.setdefault("notebooks", ["notebooks/unit_report.ipynb"])
    data.setdefault("units", ["15"])
    path = project / "params" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def notebook_with(tmp_path: Path, source: str, name: str = "custom.ipynb") -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(unit)")]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


# --- A. refused before any kernel starts, with the right exit code --------------------------


@pytest.mark.usefixtures("no_kernel")
def test_run_and_batch_without_a_warehouse_exit_4(project: Path) -> None:
    nowhere = project / "nowhere"
    res = cli("run", PROVINCE, "--unit", "15", "--period", Q3, "--warehouse", nowhere)
    assert res.exit_code == 4, res.output
    assert "No warehouse" in res.output
    res = cli("batch", write_schedule(project), "--warehouse", nowhere)
    assert res.exit_code == 4, res.output


@pytest.mark.usefixtures("no_kernel")
def test_a_warehouse_with_no_data_exits_4(project: Path) -> None:
    empty = project / "empty"
    empty.mkdir()
    (empty / "catalog.json").write_text(json.dumps({"version": 1, "tables": {}}))
    res = cli("run", PROVINCE, "--unit", "15", "--period", Q3, "--warehouse", empty)
    assert res.exit_code == 4, res.output
    assert "holds no data" in res.output


@pytest.mark.usefixtures("no_kernel")
@pytest.mark.parametrize(("period", "words"), [
    ("2030-Q3", "has not begun"),
    ("2012-Q1", "no data was submitted for 2012-Q1"),
])
def test_a_period_without_data_or_in_the_future_exits_3(project: Path, period: str,
                                                         words: str) -> None:
    res = cli("run", PROVINCE, "--unit", "15", "--period", period)
    assert res.exit_code == 3, res.output
    assert words in res.output and "--allow-empty" in res.output
    res = cli("batch", write_schedule(project, period=period), "--dry-run")
    assert res.exit_code == 3, res.output
    assert words in res.output


@pytest.mark.usefixtures("no_kernel")
def test_allow_empty_plans_a_period_without_data(project: Path) -> None:
    path = write_schedule(project, period="2012-Q1", units=["Hà Nội"])
    res = cli("batch", path, "--dry-run", "--allow-empty")
    assert res.exit_code == 0, res.output
    assert "1 job(s): 1 to run" in res.output
    with pytest.raises(PeriodError):
        batch.plan_batch(path, today=TODAY)


@pytest.mark.usefixtures("no_kernel")
def test_run_of_a_per_unit_notebook_without_unit_exits_2(project: Path) -> None:
    res = cli("run", PROVINCE, "--period", Q3)
    assert res.exit_code == 2, res.output
    assert "--unit" in res.output


def test_run_of_the_petitions_notebook_without_unit_is_national(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run_report(notebook: Path, **kw: Any) -> Any:
        seen.update(kw, notebook=notebook)
        raise SystemExit(0)

    monkeypatch.setattr(batch_execute, "run_report", fake_run_report)
    res = cli("run", PETITIONS, "--period", Q3)
    assert res.exit_code == 0, res.output
    assert seen["unit"] is None and seen["notebook"] == PETITIONS


@pytest.mark.usefixtures("no_kernel")
def test_a_notebook_without_a_period_parameter_exits_3(project: Path) -> None:
    nb = notebook_with(project / "notebooks", 'unit = "15"\nlang = "vi"')
    res = cli("run", nb, "--unit", "15", "--period", Q3)
    assert res.exit_code == 3, res.output
    assert "takes no 'period' parameter" in res.output
    with pytest.raises(ParameterError, match="no 'period'"):
        batch.plan_batch(write_schedule(project, notebooks=[str(nb)]), today=TODAY)


@pytest.mark.usefixtures("no_kernel")
def test_a_schedule_key_typo_exits_3(project: Path) -> None:
    path = write_schedule(project, perod="2025-Q3")
    res = cli("batch", path, "--dry-run")
    assert res.exit_code == 3, res.output
    assert "unknown key(s) perod" in res.output


@pytest.mark.usefixtures("no_kernel")
def test_an_unknown_marking_exits_3_and_the_known_ones_pass(project: Path) -> None:
    res = cli("run", PROVINCE, "--unit", "15", "--period", Q3, "-p", "marking=Bí mật lắm")
    assert res.exit_code == 3, res.output
    assert "marking must be one of" in res.output
    bad = write_schedule(project, notebooks=[str(PROVINCE)], params={"marking": "SECRET"})
    assert cli("batch", bad, "--dry-run").exit_code == 3
    for marking in ("Mật", "Tối mật", "Tuyệt mật", "Lưu hành nội bộ", ""):
        path = write_schedule(project, notebooks=[str(PROVINCE)], params={"marking": marking})
        res = cli("batch", path, "--dry-run")
        assert res.exit_code == 0, (marking, res.output)


@pytest.mark.usefixtures("no_kernel")
def test_an_unknown_marking_in_the_notebook_itself_exits_3(project: Path) -> None:
    """The notebook's own default is printed when no marking is given: it is checked too,
    before any kernel starts (it used to fail the PDF export after the kernel ran)."""
    nb = notebook_with(project / "notebooks", 'unit = "15"\nperiod = None\n'
                                              'marking = "Bí mật lắm"', name="marked.ipynb")
    res = cli("run", nb, "--unit", "15", "--period", Q3)
    assert res.exit_code == 3, res.output
    assert "marking must be one of" in res.output and "marked.ipynb" in res.output
    res = cli("batch", write_schedule(project, notebooks=[str(nb)]))
    assert res.exit_code == 3, res.output
    # a valid marking given on the command line overrides the bad default
    path = write_schedule(project, notebooks=[{"path": str(nb), "params": {"marking": "Mật"}}])
    assert cli("batch", path, "--dry-run").exit_code == 0


@pytest.mark.slow
def test_html_reports_carry_their_marking(project: Path) -> None:
    nb = notebook_with(project / "notebooks", 'unit = "15"\nperiod = None\n'
                                              'marking = "Lưu hành nội bộ"', name="marked.ipynb")
    path = write_schedule(project, notebooks=[
        {"path": str(nb), "units": ["15"]},
        {"path": str(nb), "units": ["01"], "params": {"marking": "Tối mật"}}])
    res = cli("batch", path, "--workers", "1", "--today", TODAY.isoformat())
    assert res.exit_code == 0, res.output
    out = project / "outputs" / Q3
    banner = '<p class="reportkit-marking"><span>{}</span></p>'
    lao_cai = (out / "15-lao-cai" / "marked.html").read_text(encoding="utf-8")
    ha_noi = (out / "01-ha-noi" / "marked.html").read_text(encoding="utf-8")
    assert banner.format("Lưu hành nội bộ") in lao_cai
    assert banner.format("Tối mật") in ha_noi and "Lưu hành nội bộ" not in ha_noi
    none = write_schedule(project, notebooks=[{"path": str(nb), "params": {"marking": ""}}],
                          out="unmarked")
    assert cli("batch", none, "--today", TODAY.isoformat()).exit_code == 0
    html = (project / "unmarked" / Q3 / "15-lao-cai" / "marked.html").read_text("utf-8")
    assert '<p class="reportkit-marking">' not in html


@pytest.mark.usefixtures("no_kernel")
@pytest.mark.parametrize("value", ["-1", "0"])
def test_a_timeout_of_zero_or_less_exits_2(project: Path, value: str) -> None:
    res = cli("run", PROVINCE, "--unit", "15", "--period", Q3, "--timeout", value)
    assert res.exit_code == 2, res.output


def test_summary_without_a_warehouse_exits_4(project: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTKIT_WAREHOUSE", str(project / "nowhere"))
    res = cli("summary", "--period", Q3)
    assert res.exit_code == 4, res.output
    assert "reportkit ingest" in res.output and "–" not in res.output


# --- B. one snapshot per batch --------------------------------------------------------------

PROBE = """\
import json, os, pathlib
from reportkit.store.warehouse import Warehouse
wh = Warehouse()
if unit == "15" and ingest_to:  # an ingest lands while the batch runs
    live = pathlib.Path(os.environ["REPORTKIT_WAREHOUSE"]) / "catalog.json"
    live.write_bytes(pathlib.Path(ingest_to).read_bytes())
print("SEEN=" + wh.partitions("activity")["15@2025-07-01"]["sha256"] + "=END")
"""


def probe_notebook(project: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('unit = None\nperiod = None\ningest_to = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(PROBE)]
    path = project / "notebooks" / "probe.ipynb"
    nbformat.write(nb, path)
    return path


def seen(project: Path, folder: str) -> str:
    text = (project / "outputs" / Q3 / folder / "probe.ipynb").read_text(encoding="utf-8")
    return text.split("SEEN=")[1].split("=END")[0]


@pytest.mark.slow
def test_every_report_of_a_batch_reads_the_warehouse_version_it_was_planned_on(
        project: Path) -> None:
    wh_root = project / "data" / "warehouse"
    covered_warehouse(wh_root, tag="t1", files=True)
    newer = project / "newer"
    covered_warehouse(newer, tag="t2")
    probe = probe_notebook(project)
    path = write_schedule(project, notebooks=[str(probe)], units=["15", "01", "79"],
                          params={"ingest_to": str(newer / "catalog.json")})
    plan = batch.plan_batch(path, today=TODAY)
    planned = {d.job.key: d.job.inputs["data"] for d in plan.decisions}
    covered_warehouse(wh_root, tag="t3", files=True)  # an ingest after planning, too
    result = batch.execute_plan(plan, workers=1, progress=False)
    assert result.ok, batch.summary_table(result)
    assert [seen(project, f) for f in ("15-lao-cai", "01-ha-noi", "79-ho-chi-minh")] == [
        "t1-15@2025-07-01"] * 3
    # The live catalogue did change under the batch (the probe wrote t2), and every report
    # records the data version of the plan.
    assert b"t2-" in (wh_root / "catalog.json").read_bytes()
    reports = catalog.load_manifest(project / "outputs" / Q3)["reports"]
    for key, data in planned.items():
        assert reports[key.split("/", 1)[1]]["data_version"] == data
    assert not list((wh_root / "pins").glob("*.json"))  # released when the batch ends


def test_a_write_keeps_the_files_a_running_batch_pinned(project: Path) -> None:
    wh_root = covered_warehouse(project / "data" / "warehouse", tag="t1", files=True)
    wh = Warehouse(wh_root)
    pin = wh.pin(wh.catalog_bytes(), "run1")
    covered_warehouse(wh_root, tag="t2", files=True)
    wh._collect_garbage(wh.catalog())  # what every ingest does after swapping the catalogue
    old = wh_root / "activity" / "15@2025-07-01" / "t1.parquet"
    assert old.is_file()
    assert Warehouse(wh_root, snapshot=pin).partitions("activity")["15@2025-07-01"][
        "sha256"] == "t1-15@2025-07-01"
    Warehouse.unpin(pin)
    wh._collect_garbage(wh.catalog())
    assert not old.exists()


def test_a_batch_whose_planned_files_were_collected_refuses_to_start(project: Path) -> None:
    wh_root = covered_warehouse(project / "data" / "warehouse", tag="t1", files=True)
    plan = batch.plan_batch(write_schedule(project), today=TODAY)
    covered_warehouse(wh_root, tag="t2", files=True)
    shutil.rmtree(wh_root / "activity" / "15@2025-07-01")
    (wh_root / "activity" / "15@2025-07-01").mkdir()
    with pytest.raises(WarehouseError, match="changed since the batch was planned"):
        batch.execute_plan(plan, workers=1, progress=False)


# --- C. transient versus deterministic failures ---------------------------------------------


def _failed_entry(job: batch.Job, ename: str) -> dict[str, Any]:
    return {"status": "failed", "input_hash": job.input_hash, "run_id": "r0",
            "error": f"{ename}: ...", "error_fields": {"ename": ename}}


@pytest.mark.parametrize("ename", sorted(batch_plan.TRANSIENT))
def test_a_job_lost_to_a_dead_worker_kernel_or_timeout_runs_again_next_time(
        project: Path, ename: str) -> None:
    job = batch.plan_batch(write_schedule(project), today=TODAY).jobs[0]
    d = batch_plan.decide(job, _failed_entry(job, ename), force=False, retry_failed=False)
    assert d.action == "run" and ename in d.reason


def test_a_cell_that_raised_waits_for_retry_failed(project: Path) -> None:
    job = batch.plan_batch(write_schedule(project), today=TODAY).jobs[0]
    entry = _failed_entry(job, "ValueError")
    assert batch_plan.decide(job, entry, force=False, retry_failed=False).action == "carry"
    assert batch_plan.decide(job, entry, force=False, retry_failed=True).action == "run"


def _dies_once_worker(slot: int, conn: Any, config: batch.RunConfig, requests: Any,
                      replies: Any) -> None:
    """A worker that dies on its first job (a killed worker, an OOM kill); the next renders."""
    import os

    conn.send(("ready", os.getpid()))
    job, _ = conn.recv()
    marker = config.output_root / "died-once"
    if not marker.exists():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("x")
        os._exit(9)
    conn.send(("done", batch.Outcome.of(job, "ok")))
    conn.recv()


def test_a_job_whose_worker_died_is_retried_once_in_the_same_run(project: Path) -> None:
    job = batch.plan_batch(write_schedule(project), today=TODAY).jobs[0]
    config = batch.RunConfig(run_id="r1", output_root=project / "outputs", project=project,
                             warehouse=project / "data" / "warehouse", kernel="python3")
    outcomes: list[batch.Outcome] = []
    pool = batch.LocalPool(config, 1, target=_dies_once_worker)
    pool.run([job], outcomes.append)
    assert [o.status for o in outcomes] == ["ok"]
    assert pool.retried == {job.key}


def test_the_interrupt_message_resumes_without_force(project: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(plan: batch.Plan, **kw: Any) -> batch.BatchResult:
        assert kw["force"] is True
        outcomes = [batch.Outcome.of(j, "not run") for j in plan.jobs]
        return batch.BatchResult("r1", outcomes, 1.0, interrupted=True)

    monkeypatch.setattr(batch, "execute_plan", interrupted)
    path = write_schedule(project)
    res = cli("batch", path, "--force", "--period", "last-quarter", "--today", "2025-10-05",
              "--workers", "2")
    assert res.exit_code == 1, res.output
    line = next(x for x in res.output.splitlines() if x.startswith("interrupted"))
    command = line.split("run: ", 1)[1]
    assert "--force" not in command
    assert command.startswith(f"reportkit batch {path}")
    for part in ("--period last-quarter", "--today 2025-10-05", "--workers 2"):
        assert part in command


# --- D. limits ------------------------------------------------------------------------------


class _FakePool:
    """Stands in for LocalPool: records the jobs it was given, renders nothing."""

    runs: list[list[str]] = []

    def __init__(self, config: batch.RunConfig, workers: int, **kw: Any) -> None:
        self.stats: list[dict[str, Any]] = []

    def run(self, jobs: list[batch.Job], on_outcome: Any) -> None:
        _FakePool.runs.append([j.key for j in jobs])
        for job in jobs:
            on_outcome(batch.Outcome.of(job, "ok"))

    def in_flight(self) -> list[batch.Job]:
        return []


def _hold_folder_lock(project: Path) -> Any:
    import fcntl

    base = project / "outputs"
    base.mkdir(parents=True, exist_ok=True)
    fh = open(base / ".batch.lock", "a+b")  # noqa: SIM115 - released by the test
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    fh.write(b"run other-run")
    fh.flush()
    return fh


def test_a_second_batch_on_the_same_folder_waits_then_refuses(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_execute, "LocalPool", _FakePool)
    _FakePool.runs = []
    plan = batch.plan_batch(write_schedule(project), out=project / "outputs", today=TODAY)
    held = _hold_folder_lock(project)
    try:
        with pytest.raises(ConfigError, match=r"Another batch \(run other-run\)"):
            batch.execute_plan(plan, workers=1, progress=False, lock_wait=0.3)
        assert _FakePool.runs == []
    finally:
        held.close()
    result = batch.execute_plan(plan, workers=1, progress=False, lock_wait=0.3)
    assert result.ok and len(_FakePool.runs) == 1


def test_a_second_batch_waits_for_the_first_to_finish(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.setattr(batch_execute, "LocalPool", _FakePool)
    _FakePool.runs = []
    plan = batch.plan_batch(write_schedule(project), out=project / "outputs", today=TODAY)
    held = _hold_folder_lock(project)
    threading.Timer(1.0, held.close).start()
    t0 = time.monotonic()
    result = batch.execute_plan(plan, workers=1, progress=False, lock_wait=30)
    assert result.ok and time.monotonic() - t0 >= 0.9 and len(_FakePool.runs) == 1


@pytest.mark.usefixtures("no_kernel")
@pytest.mark.parametrize(("text", "words"), [
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
     + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
               for p, c in zip("abcdefghijk", "bcdefghijkl", strict=True)), "aliases"),
    ("params: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper"),
    ("description: '" + "x" * 300_000 + "'\n", "the limit is"),
])
def test_schedules_are_read_within_size_alias_and_depth_limits(project: Path, text: str,
                                                               words: str) -> None:
    path = project / "params" / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    t0 = time.monotonic()
    res = cli("batch", path, "--dry-run")
    assert time.monotonic() - t0 < 5
    assert res.exit_code == 3, res.output
    assert words in res.output and len(res.output) < 2000


@pytest.mark.usefixtures("no_kernel")
def test_schedule_errors_truncate_long_values(project: Path) -> None:
    path = write_schedule(project, every="m" * 5000, lang="x" * 5000)
    res = cli("batch", path, "--dry-run")
    assert res.exit_code == 3, res.output
    assert len(res.output) < 1500 and "characters)" in res.output


# --- E. paths -------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_kernel")
@pytest.mark.parametrize("out", ["/", "/etc", "/usr/local/reports", "data/warehouse",
                                 "data/warehouse/x"])
def test_an_output_root_is_never_root_a_system_folder_or_the_warehouse(
        project: Path, out: str) -> None:
    res = cli("batch", write_schedule(project), "--dry-run", "--out", out)
    assert res.exit_code == 3, res.output
    assert "Refusing to write reports into" in res.output


@pytest.mark.usefixtures("no_kernel")
def test_a_schedule_out_that_climbs_to_root_is_refused_even_in_a_dry_run(
        project: Path) -> None:
    depth = len(project.resolve().parts)
    path = write_schedule(project, out="../" * (depth + 2))
    res = cli("batch", path, "--dry-run")
    assert res.exit_code == 3, res.output
    assert "Refusing to write reports into /" in res.output


@pytest.mark.usefixtures("no_kernel")
def test_a_schedule_cannot_name_a_notebook_outside_the_project(project: Path,
                                                               tmp_path_factory: Any) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    evil = notebook_with(elsewhere, 'unit = None\nperiod = None', name="evil.ipynb")
    path = write_schedule(project, notebooks=[str(evil)])
    res = cli("batch", path, "--dry-run")
    assert res.exit_code == 3, res.output
    assert "evil.ipynb" in res.output and "outside" in res.output
    climbing = write_schedule(project, notebooks=[f"notebooks/../../{elsewhere.name}/evil.ipynb"])
    assert cli("batch", climbing, "--dry-run").exit_code == 3
    # the operator may allow a folder on the command line; the project's own always work
    assert cli("batch", path, "--dry-run", "--notebooks", elsewhere).exit_code == 0
    inside = notebook_with(project / "notebooks", 'unit = None\nperiod = None', name="own.ipynb")
    res = cli("batch", write_schedule(project, notebooks=["notebooks/own.ipynb"]), "--dry-run")
    assert res.exit_code == 0, res.output
    assert inside.is_file()


def hungry_notebook(project: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("unit = None\nperiod = None\nprint_mb = 0\nalloc_mb = 0"
                                       "\nhold_s = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print('x' * print_mb * 2**20)"),
                nbformat.v4.new_code_cell("import time\nblock = bytearray(alloc_mb * 2**20)\n"
                                          "time.sleep(hold_s)\nprint('held', len(block))")]
    path = project / "notebooks" / "hungry.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_a_report_over_the_output_size_cap_is_not_published(project: Path) -> None:
    hungry_notebook(project)
    path = write_schedule(project, notebooks=[{"path": "notebooks/hungry.ipynb",
                                               "params": {"print_mb": 2}}],
                          limits={"output_mb": 1})
    result = batch.execute_plan(batch.plan_batch(path, today=TODAY), workers=1,
                                progress=False)
    (outcome,) = result.outcomes
    assert outcome.status == "failed", outcome
    assert "over the limit of 1 MB" in (outcome.error or "")
    final = project / "outputs" / Q3 / "15-lao-cai"
    assert not (final / "hungry.html").exists() and not (final / "hungry.ipynb").exists()


def hungry_jobs(project: Path, allocs: dict[str, int], out: str, hold: str = "",
                **data: Any) -> Path:
    """A schedule of the hungry notebook: unit code → MB (MiB) its last cell allocates; the
    ``hold`` unit then keeps its memory for 20 s."""
    return write_schedule(project, out=out, notebooks=[
        {"path": "notebooks/hungry.ipynb", "units": [unit],
         "params": {"alloc_mb": mb, "hold_s": 20 if unit == hold else 0}}
        for unit, mb in allocs.items()], **data)


@pytest.mark.slow
def test_the_memory_reported_is_the_kernels_real_peak(project: Path) -> None:
    """It used to be the largest *direct child* of a worker (ru_maxrss of RUSAGE_CHILDREN):
    a forked kernel is the fork server's child, so a 3.29 GB kernel was reported as 216 MB."""
    hungry_notebook(project)
    path = hungry_jobs(project, {"15": 300, "01": 0}, "outputs")
    result = batch.execute_plan(batch.plan_batch(path, today=TODAY), workers=1,
                                progress=False)
    assert [o.status for o in result.outcomes] == ["ok", "ok"], result.outcomes
    big, small = result.outcomes
    assert big.kernel_peak_mb is not None and big.kernel_peak_mb >= 300
    assert small.kernel_peak_mb is not None and small.kernel_peak_mb < 300
    entry = catalog.load_manifest(project / "outputs" / Q3)["reports"]["15-lao-cai/hungry"]
    assert entry["kernel_peak_mb"] == big.kernel_peak_mb
    assert [w["kernel_peak_rss_mb"] for w in result.workers] == [
        pytest.approx(big.kernel_peak_mb, abs=0.1)]
    (line,) = batch_execute.worker_lines(result)
    assert f"largest kernel {big.kernel_peak_mb:.0f} MB" in line


@pytest.mark.slow
@pytest.mark.parametrize("fork", [True, False], ids=["forked", "started"])
def test_a_kernel_over_its_memory_cap_fails_its_job_alone(
        project: Path, monkeypatch: pytest.MonkeyPatch, fork: bool) -> None:
    """The cap is on the kernel's resident memory, forked or started as a new process: 300 MB
    touched under a 200 MB cap fails that job with a memory-limit error (not retried: the
    same inputs need the same memory); one allocation far over it fails too (at once in a
    forked kernel: the address-space backstop); the other jobs go on."""
    if not fork:
        monkeypatch.setenv("REPORTKIT_NO_FORK", "1")
    hungry_notebook(project)
    path = hungry_jobs(project, {"15": 300, "01": 20, "46": 2500, "92": 300}, f"out-{fork}",
                       hold="92", limits={"kernel_memory_mb": 200})
    result = batch.execute_plan(batch.plan_batch(path, today=TODAY), workers=1,
                                progress=False)
    by_unit = {o.unit: o for o in result.outcomes}
    assert by_unit["01"].status == "ok", by_unit["01"].error
    for unit in ("15", "46", "92"):
        o = by_unit[unit]
        assert o.status == "failed" and o.fields.get("ename") == "MemoryLimit", o
        assert "memory limit" in (o.error or "") and "limit of 200 MB" in (o.error or "")
        assert "limits.kernel_memory_mb" in (o.error or "")
    assert "the kernel used" in (by_unit["15"].error or "") or "peak was" in (
        by_unit["15"].error or "")
    if fork:  # the address-space backstop, set at the fork
        assert "single allocation" in (by_unit["46"].error or "")
    # a kernel that holds its memory is stopped while it runs, not after
    held = by_unit["92"]
    assert held.fields.get("ename") == "MemoryLimit" and "was stopped" in (held.error or "")
    assert held.seconds < 15
    events = catalog.read_runs(project / f"out-{fork}" / Q3)
    assert sorted(e["status"] for e in events if e["key"] == "15-lao-cai/hungry") == ["failed"]
    # the plan does not try it again by itself
    again = batch.plan_batch(path, today=TODAY)
    assert {d.job.unit: d.action for d in again.decisions}["15"] == "carry"


def test_a_report_recorded_by_a_worker_killed_before_its_event_still_logs_one_ok(
        project: Path) -> None:
    """catalog.record writes the manifest, then the event: a worker killed in between left
    an "ok" report with no "ok" line in runs.jsonl (seen once on Dask)."""
    plan = batch.plan_batch(write_schedule(project), out=project / "outputs", today=TODAY)
    job = plan.jobs[0]
    config = batch.RunConfig(run_id="r1", output_root=project / "outputs", project=project,
                             warehouse=project / "data" / "warehouse", kernel="python3")
    job.final_dir.mkdir(parents=True)
    html = job.final_dir / "unit_report.html"
    html.write_text("<p>ok</p>")
    infos = {"html": catalog.file_info(html, job.period_dir)}
    catalog.record(job.period_dir, job.rel, lambda _old: {
        "status": "ok", "input_hash": job.input_hash, "run_id": "r1", "files": infos,
        "seconds": 1.0, "worker": "w"}, None)  # the event never written
    done = batch.already_rendered(job, config)
    assert done is not None and done.status == "ok"
    assert batch.already_rendered(job, config) is not None
    oks = [e for e in catalog.read_runs(job.period_dir) if e["status"] == "ok"]
    assert [(e["key"], e["run_id"]) for e in oks] == [(job.rel, "r1")]
