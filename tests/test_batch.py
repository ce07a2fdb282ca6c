"""Batch runs: schedules, planning, input hashes, local execution, isolation, resume, catalogue.

Tests that start kernels are marked ``slow`` and use the tiny notebooks in
``tests/notebooks/`` (``unit_report`` prints its parameters and a token unique to the
execution, and fails if anything from another report is still in its kernel). One test
renders the real province report on the sample warehouse.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
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
from reportkit.batch import run as batch_run
from reportkit.cli import main
from reportkit.core import units
from reportkit.errors import ConfigError, ExecutionError, ParameterError
from reportkit.rendering import catalog, runner
from reportkit.store.io import sha256_file

NB = Path(__file__).resolve().parent / "notebooks"
ROOT = Path(__file__).resolve().parents[1]
Q3 = "2025-Q3"
TODAY = date(2025, 10, 5)  # last-quarter = 2025-Q3, last-month = 2025-09
OLD_DAY = date(2025, 6, 1)


# --- helpers ----------------------------------------------------------------------------


def make_warehouse(folder: Path, *, new: str = "n1", old: str = "o1") -> Path:
    """A warehouse catalogue (no data): enough for planning and data versions."""
    tables = {}
    for table in ("activity", "petitions"):
        parts = {}
        for tag, day in ((old, OLD_DAY), (new, units.MERGER_DATE)):
            for u in units.units_at(day):
                parts[u.key] = {"file": f"{table}/{u.key}/x.parquet", "sha256": f"{tag}-{u.key}",
                                "rows": 1}
        tables[table] = parts
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.json").write_text(json.dumps({"version": 1, "tables": tables}))
    return folder


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "params").mkdir()
    make_warehouse(tmp_path / "data" / "warehouse")
    return tmp_path


def schedule(project: Path, name: str = "test", **data: Any) -> Path:
    data.setdefault("warm", [])
    data.setdefault("period", Q3)
    path = project / "params" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def unit_report(units_: list[str], **params: Any) -> dict[str, Any]:
    return {"notebooks": [{"path": str(NB / "unit_report.ipynb"), "params": params}],
            "units": units_}


def plan(project: Path, path: Path, **kw: Any) -> batch.Plan:
    kw.setdefault("today", TODAY)
    kw.setdefault("notebook_dirs", (NB,))  # the fixture notebooks live outside the project
    return batch.plan_batch(path, out=project / "outputs",
                            warehouse=project / "data" / "warehouse", **kw)


def run(p: batch.Plan, workers: int = 2, **kw: Any) -> batch.BatchResult:
    return batch.execute_plan(p, workers=workers, progress=False, **kw)


def test_units_national_plans_one_report_for_the_whole_country(project: Path) -> None:
    """``units: national``: a per-unit notebook run once with ``unit=None`` (the petitions
    notebook's national view), as ``reportkit run`` without ``--unit`` does for it."""
    p = plan(project, schedule(project, **unit_report("national")))  # type: ignore[arg-type]
    assert [(d.job.unit, d.job.rel) for d in p.decisions] == [(None, "national/unit_report")]


def statuses(result: batch.BatchResult) -> dict[str, str]:
    return {o.key: o.status for o in result.outcomes}


def manifest(project: Path, period: str = Q3) -> dict[str, Any]:
    return catalog.load_manifest(project / "outputs" / period)


def ok_events(project: Path, period: str = Q3) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in catalog.read_runs(project / "outputs" / period):
        if e["status"] == "ok":
            counts[e["key"]] = counts.get(e["key"], 0) + 1
    return counts


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def token(path: Path) -> str:
    """The execution token printed by unit_report, from its html or ipynb."""
    text = text_of(path)
    i = text.index("token=") + len("token=")
    return text[i:i + 32]


@pytest.fixture()
def no_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to start a kernel or a worker."""

    def boom(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a kernel or worker was started")

    monkeypatch.setattr(batch_kernels, "Kernel", boom)
    monkeypatch.setattr(batch_execute, "LocalPool", boom)


# --- schedules --------------------------------------------------------------------------


@pytest.mark.usefixtures("no_kernel")
@pytest.mark.parametrize(("name", "jobs", "periods"), [
    ("monthly", 34, ["2025-09"]),
    ("quarterly", 34, [Q3]),
    ("national", 1, [Q3]),
    ("backfill", 63 * 30, [f"{y}-{m:02d}" for y in (2016, 2017, 2018) for m in range(1, 13)
                           if (y, m) >= (2016, 7)]),
])
def test_shipped_schedules_plan_without_a_kernel(tmp_path: Path, name: str, jobs: int,
                                                 periods: list[str]) -> None:
    wh = make_warehouse(tmp_path / "wh")
    sched = batch.load_schedule(ROOT / "params" / f"{name}.yaml")
    assert sched.project == ROOT
    p = batch.plan_batch(sched, out=tmp_path / "out", warehouse=wh, today=TODAY)
    assert len(p.jobs) == jobs == p.count("run")
    assert p.periods == periods
    assert all(j.report.notebook.parent == ROOT / "notebooks" for j in p.jobs)
    assert len({j.key for j in p.jobs}) == jobs


@pytest.mark.usefixtures("no_kernel")
@pytest.mark.parametrize(("name", "today", "period", "count"), [
    ("quarterly", date(2025, 10, 5), Q3, 34),
    ("quarterly", date(2026, 1, 2), "2025-Q4", 34),
    ("quarterly", date(2025, 7, 20), "2025-Q2", 63),  # before the merger: the 63 old units
    ("monthly", date(2025, 8, 20), "2025-07", 34),
    ("monthly", date(2025, 7, 20), "2025-06", 63),
    ("monthly", date(2026, 1, 20), "2025-12", 34),
])
def test_relative_periods_resolve_on_the_day_the_batch_runs(tmp_path: Path, name: str,
                                                            today: date, period: str,
                                                            count: int) -> None:
    p = batch.plan_batch(ROOT / "params" / f"{name}.yaml", out=tmp_path / "out",
                         warehouse=make_warehouse(tmp_path / "wh"), today=today)
    assert p.periods == [period] and len(p.jobs) == count


def test_schedule_problems_are_all_reported(project: Path) -> None:
    path = project / "params" / "bad.yaml"
    path.write_text("notebooks: [notebooks/x.ipynb]\nunits: [1, '01']\nformats: [odt]\n"
                    "colour: red\nevery: week\ntimeouts: {cell: -1}\n")
    with pytest.raises(ConfigError) as info:
        batch.load_schedule(path)
    problems = info.value.problems
    assert len(problems) == 5
    text = str(info.value)
    for part in ("unknown key(s) colour", "quote them: '01', not 01", "formats",
                 "every must be one of", "timeouts"):
        assert part in text
    copy = pickle.loads(pickle.dumps(info.value))
    assert copy.fields == info.value.fields and str(copy) == text


def test_schedule_paths_are_relative_to_the_project(project: Path) -> None:
    path = schedule(project, notebooks=["notebooks/x.ipynb"], out="reports")
    sched = batch.load_schedule(path)
    assert sched.project == project
    assert sched.notebooks[0].path == project / "notebooks" / "x.ipynb"
    assert sched.out == project / "reports"


@pytest.mark.usefixtures("no_kernel")
def test_every_bad_job_is_reported_before_any_kernel(project: Path) -> None:
    path = schedule(project, notebooks=[{"path": str(NB / "unit_report.ipynb"),
                                         "params": {"colour": "red"}},
                                        str(NB / "sys_exit.ipynb")],
                    units=["Atlantis", "15", "Yên Bái"])
    with pytest.raises(ParameterError) as info:
        plan(project, path)
    text = str(info.value)
    assert "nothing was run" in text
    assert "unknown parameter(s) 'colour'" in text and "Atlantis" in text
    assert "merged into" in text  # Yên Bái no longer exists in 2025-Q3
    assert not (project / "outputs").exists()
    result = CliRunner().invoke(main, ["batch", str(path), "--warehouse",
                                       str(project / "data" / "warehouse"), "--today",
                                       TODAY.isoformat(), "--notebooks", str(NB)])
    assert result.exit_code == 3, result.output
    assert not (project / "outputs").exists()


def test_missing_warehouse_cannot_run(project: Path) -> None:
    path = schedule(project, **unit_report(["15"]))
    with pytest.raises(ConfigError, match="No warehouse"):
        batch.plan_batch(path, out=project / "outputs", warehouse=project / "nowhere",
                         notebook_dirs=(NB,))


def test_units_and_period_can_be_overridden(project: Path) -> None:
    path = schedule(project, **unit_report(["15"]))
    p = plan(project, path, units="Hà Nội, 92", period="last-month")
    assert [(j.unit, j.period) for j in p.jobs] == [("01", "2025-09"), ("92", "2025-09")]
    p = plan(project, path, units="all", period="2025-Q1")
    assert len(p.jobs) == 63


def test_split_period() -> None:
    from reportkit.core.periods import Period

    assert [str(p) for p in batch.split_period(Period.parse("2025"), "quarter")] == [
        "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert [str(p) for p in batch.split_period(Period.parse("2025-02..2025-07"),
                                               "quarter")] == ["2025-Q2"]
    assert len(batch.split_period(Period.parse("2016-07..2018-12"), "month")) == 30


# --- identity and decisions ----------------------------------------------------------------


def test_input_hash_changes_with_every_input(project: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    nb = project / "notebooks" / "unit_report.ipynb"
    nb.parent.mkdir()
    nb.write_bytes((NB / "unit_report.ipynb").read_bytes())
    base = {"notebooks": [{"path": str(nb), "params": {"delay": 0.1}}], "units": ["15"]}
    path = schedule(project, **base)

    def one(**kw: Any) -> batch.Job:
        return plan(project, path, **kw).jobs[0]

    first = one()
    assert one().input_hash == first.input_hash  # deterministic
    assert first.task_key().startswith("reportkit-2025-Q3-15-lao-cai-unit_report-")
    assert first.input_hash[:16] in first.task_key()
    seen = {first.input_hash}

    def changed(job: batch.Job, what: str) -> None:
        assert job.input_hash not in seen, what
        seen.add(job.input_hash)

    schedule(project, **{**base, "notebooks": [{"path": str(nb), "params": {"delay": 0.2}}]})
    changed(one(), "parameters")
    schedule(project, **base, lang="en")
    changed(one(), "language")
    schedule(project, **base, formats=["html", "pdf"])
    changed(one(), "export options")
    schedule(project, **base)
    nb.write_bytes(nb.read_bytes().replace(b"done", b"finished"))
    changed(one(), "notebook")
    make_warehouse(project / "data" / "warehouse", new="n2")
    changed(one(), "data")
    monkeypatch.setattr(batch_plan, "__version__", "9.9.9")
    job = one()
    changed(job, "reportkit version")
    monkeypatch.setenv("REPORTKIT_PERIOD_RULE", "decree09")
    changed(one(), "period rule")
    assert set(job.inputs) == {"notebook", "params", "data", "reportkit", "rule", "kernel",
                               "export"}


def test_back_fill_is_not_invalidated_by_new_months(project: Path) -> None:
    path = schedule(project, **unit_report(["15"]))
    old = plan(project, path, period="2017-03").jobs[0]
    new = plan(project, path, period=Q3).jobs[0]
    make_warehouse(project / "data" / "warehouse", new="n2")  # a new month was loaded
    assert plan(project, path, period="2017-03").jobs[0].input_hash == old.input_hash
    assert plan(project, path, period=Q3).jobs[0].input_hash != new.input_hash
    make_warehouse(project / "data" / "warehouse", new="n2", old="o2")  # history corrected
    assert plan(project, path, period="2017-03").jobs[0].input_hash != old.input_hash


@pytest.mark.parametrize("code", ["2025-07", Q3, "2025-H2", "2025-9M", "2025", "2020-2025",
                                  "2016-07..2018-12", "2025-04..2025-09"])
def test_data_window_covers_what_a_report_reads(code: str) -> None:
    from reportkit.core.periods import Period
    from reportkit.presentation.report import trend_periods

    p = Period.parse(code)
    window = batch.data_window(p)
    for t in trend_periods(p):
        assert window.covers(t) and window.covers(t.same_period_last_year())
    assert window.covers(p.previous())


def _job(project: Path) -> batch.Job:
    return plan(project, schedule(project, **unit_report(["15"]))).jobs[0]


def test_decide(project: Path) -> None:
    job = _job(project)
    folder = job.final_dir
    folder.mkdir(parents=True)
    (folder / "unit_report.html").write_text("<p>x</p>")
    info = catalog.file_info(folder / "unit_report.html", job.period_dir)
    ok = {"status": "ok", "input_hash": job.input_hash, "files": {"html": info},
          "inputs": job.inputs, "run_id": "r1"}

    def action(entry: dict[str, Any] | None, **kw: Any) -> tuple[str, str]:
        d = batch.decide(job, entry, force=kw.get("force", False),
                         retry_failed=kw.get("retry_failed", False))
        return d.action, d.reason

    assert action(None) == ("run", "new")
    assert action(ok) == ("skip", "unchanged")
    assert action(ok, force=True) == ("run", "forced")
    changed = {**ok, "input_hash": "x", "inputs": {**job.inputs, "data": {"activity": "old"}}}
    assert action(changed) == ("run", "changed: data")
    failed = {**ok, "status": "failed"}
    assert action(failed)[0] == "carry" and "--retry-failed" in action(failed)[1]
    assert action(failed, retry_failed=True) == ("run", "retry of a failed job")
    (folder / "unit_report.html").write_text("<p>y</p>")  # same size, edited
    assert action(ok) == ("run", "files missing or changed")
    (folder / "unit_report.html").unlink()
    assert action(ok) == ("run", "files missing or changed")


def test_a_promoted_report_is_never_rendered_twice(project: Path) -> None:
    """A worker that died between promotion and the manifest update: the retry sees the
    input hash in the promoted notebook and repairs the manifest instead of rendering."""
    job = _job(project)
    config = batch.RunConfig(run_id="r1", output_root=project / "outputs", project=project,
                             warehouse=project / "data" / "warehouse", kernel="python3")
    assert batch.already_rendered(job, config) is None
    job.final_dir.mkdir(parents=True)
    html = job.final_dir / "unit_report.html"
    html.write_text("<p>report</p>")
    nb = nbformat.v4.new_notebook()
    nb.metadata["reportkit"] = {"input_hash": job.input_hash, "run_id": "r0",
                                "sha256": {"html": sha256_file(html)}}
    nbformat.write(nb, job.final_dir / "unit_report.ipynb")
    forced = batch.RunConfig(**{**config.__dict__, "run_id": "r2", "force": True})
    assert batch.already_rendered(job, forced) is None  # --force: only this run's output
    html.write_text("<p>half</p>")
    assert batch.already_rendered(job, config) is None  # the HTML does not match
    html.write_text("<p>report</p>")
    outcome = batch.already_rendered(job, config)  # rendered by an earlier run, r0
    assert outcome is not None and outcome.status == "skipped"
    assert "already has these inputs (run r0)" in outcome.reason
    entry = manifest(project)["reports"][job.rel]
    assert entry["status"] == "ok" and set(entry["files"]) == {"html", "ipynb"}
    assert entry["run_id"] == "r0"  # the run that rendered it; r1 only recorded it
    assert [(e["status"], e["run_id"]) for e in catalog.read_runs(job.period_dir)] == [
        ("adopted", "r1")]
    again = batch.already_rendered(job, config)  # now from the manifest
    assert again is not None and again.status == "skipped"
    assert again.reason == "already rendered by run r0"


def test_jobs_outcomes_and_errors_cross_processes(project: Path) -> None:
    job = _job(project)
    copy = pickle.loads(pickle.dumps(job))
    assert copy.key == job.key and copy.input_hash == job.input_hash

    err = runner.failure(job.report, 3, 4, "ValueError", "boom\nmore")
    assert isinstance(err, ExecutionError)
    out = batch.Outcome.of(job, "failed", error=err.message, fields=err.fields)
    assert pickle.loads(pickle.dumps(out)) == out


# --- catalogue --------------------------------------------------------------------------


def _entry(folder: Path, rel: str, status: str = "ok", error: str | None = None,
           unit: str = "15") -> dict[str, Any]:
    leaf = folder / rel.rsplit("/", 1)[0]
    leaf.mkdir(parents=True, exist_ok=True)
    files = {}
    for fmt in ("html", "ipynb"):
        path = leaf / f"{rel.rsplit('/', 1)[1]}.{fmt}"
        path.write_text(f"{fmt} of {rel}")
        files[fmt] = catalog.file_info(path, folder)
    return {"notebook": "province_report.ipynb", "unit": unit, "unit_name": "Lào Cai",
            "period": Q3, "status": status, "files": files, "error": error,
            "finished": "2025-10-05T06:00:00+07:00", "seconds": 1.5, "run_id": "r1"}


def test_manifest_verify_and_index(tmp_path: Path) -> None:
    folder = tmp_path / Q3
    bad = '<script>alert("x")</script> & co'
    catalog.record(folder, "15-lao-cai/province_report",
                   lambda old: _entry(folder, "15-lao-cai/province_report"), {"status": "ok"})
    catalog.record(folder, "01-ha-noi/province_report",
                   lambda old: _entry(folder, "01-ha-noi/province_report", "failed", bad, "01"),
                   {"status": "failed"})
    (folder / "99-extra").mkdir()
    (folder / "99-extra" / "stray.html").write_text("not ours")
    rep = catalog.verify(folder)
    # 4 report files, the three catalogue pages, runs.jsonl; the stray file fails the check
    assert rep.checked == 8 and rep.problems == [] and rep.unlisted == ["99-extra/stray.html"]
    assert not rep.ok
    shutil.rmtree(folder / "99-extra")
    assert catalog.verify(folder).ok
    index = text_of(folder / "index.html")
    runs = text_of(folder / "runs.html")  # errors are for operators: their page only
    assert bad not in runs and bad not in index
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in runs  # markupsafe
    assert "alert" not in index
    assert 'href="15-lao-cai/province_report.html"' in index
    assert index.count("<script") == 1 and "src=" not in index  # the filter, inline
    from reportkit.rendering.export import external_references

    for page in (index, runs):
        assert external_references(page) == []
        assert "http:" not in page and "https:" not in page
    # verify from the command line, then break a file
    runner = CliRunner()
    assert runner.invoke(main, ["verify", str(folder)]).exit_code == 0
    # same size, other bytes: only the sha256 can tell
    html = folder / "15-lao-cai" / "province_report.html"
    html.write_text(text_of(html).upper())
    (folder / "01-ha-noi" / "province_report.ipynb").unlink()
    result = runner.invoke(main, ["verify", str(tmp_path)])
    assert result.exit_code == 1
    assert "MISMATCH" in result.output
    assert "15-lao-cai/province_report.html: sha256" in result.output
    assert "01-ha-noi/province_report.ipynb: missing" in result.output
    assert "2 problem(s)" in result.output
    assert runner.invoke(main, ["verify", str(tmp_path / "nothing")]).exit_code == 2
    (tmp_path / "empty").mkdir()
    assert runner.invoke(main, ["verify", str(tmp_path / "empty")]).exit_code == 4
    assert catalog.write_root_index(tmp_path) == tmp_path / "index.html"
    assert f'href="{Q3}/index.html"' in text_of(tmp_path / "index.html")


def _verify_cli(folder: Path) -> Any:
    return CliRunner().invoke(main, ["verify", str(folder)])


def test_verify_fails_on_unlisted_files_and_folders_and_names_each(tmp_path: Path) -> None:
    folder = tmp_path / Q3
    catalog.record(folder, "15-lao-cai/province_report",
                   lambda old: _entry(folder, "15-lao-cai/province_report"), {"status": "ok"})
    assert _verify_cli(folder).exit_code == 0
    (folder / "15-lao-cai" / "extra.html").write_text("<p>not ours</p>")
    (folder / "99-new-unit").mkdir()
    (folder / "99-new-unit" / "province_report.html").write_text("<p>forged</p>")
    (folder / "99-new-unit" / "province_report.ipynb").write_text("{}")
    (folder / ".hidden.html").write_text("x")
    (folder / "empty-unit").mkdir()
    res = _verify_cli(folder)
    assert res.exit_code == 1, res.output
    for name in ("15-lao-cai/extra.html", "99-new-unit/province_report.html",
                 "99-new-unit/province_report.ipynb", ".hidden.html", "empty-unit/"):
        assert f"UNLISTED {folder / name}" in res.output
    assert "5 problem(s)" in res.output
    # a listed file replaced by a symbolic link to the same bytes
    html = folder / "15-lao-cai" / "province_report.html"
    for p in (folder / "15-lao-cai" / "extra.html", folder / ".hidden.html"):
        p.unlink()
    shutil.rmtree(folder / "99-new-unit")
    (folder / "empty-unit").rmdir()
    assert _verify_cli(folder).exit_code == 0
    copy = tmp_path / "elsewhere.html"
    shutil.copy(html, copy)
    html.unlink()
    html.symlink_to(copy)
    res = _verify_cli(folder)
    assert res.exit_code == 1 and "province_report.html: is a symbolic link" in res.output


def test_verify_covers_the_catalogue_page_and_the_run_log(tmp_path: Path) -> None:
    folder = tmp_path / Q3
    for unit in ("15-lao-cai", "01-ha-noi"):
        catalog.record(folder, f"{unit}/province_report",
                       lambda old, unit=unit: _entry(folder, f"{unit}/province_report"),
                       {"status": "ok", "run_id": "r1"})
    catalog.append_event(folder, "01-ha-noi/province_report", {"status": "interrupted"})
    assert catalog.verify(folder).ok
    assert len(catalog.read_runs(folder)) == 3
    index, runs = folder / "index.html", folder / "runs.jsonl"
    good_index, good_runs = index.read_bytes(), runs.read_bytes()

    index.write_bytes(good_index.replace(b"15-lao-cai/province_report.html", b"evil.html"))
    res = _verify_cli(folder)
    assert res.exit_code == 1 and f"MISMATCH {folder / 'index.html'}: " in res.output
    index.write_bytes(good_index)

    # an edited line (same length), a removed line, a forged line: each fails
    lines = good_runs.splitlines(keepends=True)
    for bad in (good_runs.replace(b'"ok"', b'"ko"', 1), b"".join(lines[:1] + lines[2:]),
                good_runs + b'{"key": "15-lao-cai/province_report", "status": "ok"}\n',
                b""):
        runs.write_bytes(bad)
        res = _verify_cli(folder)
        assert res.exit_code == 1, bad
        assert f"MISMATCH {folder / 'runs.jsonl'}: " in res.output
    runs.write_bytes(good_runs)
    assert _verify_cli(folder).exit_code == 0

    # a later write does not adopt an edit made before it
    runs.write_bytes(good_runs.replace(b'"ok"', b'"ko"', 1))
    catalog.record(folder, "15-lao-cai/province_report",
                   lambda old: _entry(folder, "15-lao-cai/province_report"), {"status": "ok"})
    assert not catalog.verify(folder).ok


def test_a_writer_stopped_between_manifest_and_run_log_loses_no_line(tmp_path: Path) -> None:
    """The manifest is written first and holds the line; the log gets it next time."""
    folder = tmp_path / Q3
    catalog.record(folder, "15-lao-cai/province_report",
                   lambda old: _entry(folder, "15-lao-cai/province_report"), {"status": "ok"})
    runs = folder / "runs.jsonl"
    full = runs.read_bytes()
    catalog.append_event(folder, "15-lao-cai/province_report", {"status": "interrupted"})
    line = runs.read_bytes()[len(full):]
    runs.write_bytes(full)  # as if the writer died after the manifest, before the log
    rep = catalog.verify(folder)
    assert rep.ok and "last recorded line is missing" in rep.notes[0], rep
    assert [e["status"] for e in catalog.read_runs(folder)] == ["ok", "interrupted"]
    catalog.append_event(folder, "15-lao-cai/province_report", {"status": "failed"})
    assert runs.read_bytes().startswith(full + line)
    assert [e["status"] for e in catalog.read_runs(folder)] == ["ok", "interrupted", "failed"]
    rep = catalog.verify(folder)
    assert rep.ok and rep.notes == []
    # stopped halfway through the line: the rest is written next time
    whole = runs.read_bytes()
    catalog.append_event(folder, "15-lao-cai/province_report", {"status": "ok"})
    line = runs.read_bytes()[len(whole):]
    runs.write_bytes(whole + line[:10])
    rep = catalog.verify(folder)
    assert rep.ok and "cut short" in rep.notes[0]
    assert [e["status"] for e in catalog.read_runs(folder)][-2:] == ["failed", "ok"]
    catalog.refresh_index(folder)
    assert runs.read_bytes() == whole + line
    assert catalog.verify(folder).notes == []
    # but a cut that is not the recorded line's beginning is a problem
    runs.write_bytes(whole + b'{"forged')
    assert not catalog.verify(folder).ok


def test_verify_of_an_output_root_covers_its_index_and_what_else_is_there(
        tmp_path: Path) -> None:
    folder = tmp_path / Q3
    catalog.record(folder, "15-lao-cai/province_report",
                   lambda old: _entry(folder, "15-lao-cai/province_report"), {"status": "ok"})
    catalog.write_root_index(tmp_path)
    (tmp_path / "templates").mkdir()  # blank forms of `reportkit form`
    (tmp_path / "templates" / "form.xlsx").write_bytes(b"x")
    assert _verify_cli(tmp_path).exit_code == 0
    root_index = tmp_path / "index.html"
    root_index.write_text(root_index.read_text(encoding="utf-8") + "<a href=x>x</a>",
                          encoding="utf-8")
    res = _verify_cli(tmp_path)
    assert res.exit_code == 1 and f"MISMATCH {tmp_path / 'index.html'}: " in res.output
    catalog.write_root_index(tmp_path)
    (tmp_path / "2030-Q1").mkdir()
    (tmp_path / "2030-Q1" / "evil.html").write_text("x")
    (tmp_path / "stray.pdf").write_bytes(b"%PDF")
    res = _verify_cli(tmp_path)
    assert res.exit_code == 1
    assert f"UNLISTED {tmp_path / '2030-Q1'}/" in res.output
    assert f"UNLISTED {tmp_path / 'stray.pdf'}" in res.output


def test_concurrent_manifest_writers_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / Q3

    def write(i: int) -> None:
        catalog.record(folder, f"{i:02d}-u/r", lambda old: {"status": "ok", "n": i,
                                                           "period": Q3},
                       {"status": "ok"})

    threads = [threading.Thread(target=write, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(catalog.load_manifest(folder)["reports"]) == 24
    assert len(catalog.read_runs(folder)) == 24
    assert not list(folder.glob(".*.tmp"))


def test_stale_staging_of_dead_runs_is_cleared(tmp_path: Path) -> None:
    import fcntl

    staging = tmp_path / "outputs" / ".staging"
    for run_id in ("dead", "alive"):
        (staging / f"batch-{run_id}" / "job").mkdir(parents=True)
        (staging / f"batch-{run_id}.lock").touch()
    (staging / "province_report-abc").mkdir()  # a `reportkit run` in progress: not ours
    config = batch.RunConfig(run_id="now", output_root=tmp_path / "outputs", project=tmp_path,
                             warehouse=tmp_path, kernel="python3")
    with open(staging / "batch-alive.lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        with batch_execute._run_lock(config):
            assert sorted(p.name for p in staging.iterdir()) == [
                "batch-alive", "batch-alive.lock", "batch-now.lock", "province_report-abc"]
    assert sorted(p.name for p in staging.iterdir()) == [
        "batch-alive", "batch-alive.lock", "province_report-abc"]


def test_summary_table_and_exit_code(project: Path) -> None:
    job = _job(project)
    outcomes = [batch.Outcome.of(job, "ok", seconds=1.25),
                batch.Outcome.of(job, "skipped"),
                batch.Outcome.of(job, "failed", seconds=0.5, error="boom\n  at cell 3")]
    result = batch.BatchResult("r1", outcomes, 3.0)
    text = batch.summary_table(result)
    lines = text.splitlines()
    assert lines[0].split() == ["report", "unit", "period", "status", "seconds", "error"]
    assert "15 Lào Cai" in lines[2] and "1.2" in lines[2]
    assert lines[4].split()[-6:] == ["failed", "0.5", "boom", "at", "cell", "3"]
    assert "3 job(s): 1 ok, 1 skipped, 1 failed" in text
    assert result.exit_code == 1
    assert batch.BatchResult("r", outcomes[:2], 1.0).exit_code == 0
    assert batch.BatchResult("r", outcomes[:2], 1.0, interrupted=True).exit_code == 1
    long = batch.BatchResult("r", [outcomes[1]] * 150 + [outcomes[2]], 1.0)
    assert "(150 unchanged report(s) skipped, not listed)" in batch.summary_table(long)


# --- running (real kernels) ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fork", [True, False], ids=["forked", "started"])
def test_kernels_are_fresh_started_ahead_and_warmed(tmp_path: Path, fork: bool,
                                                    kernel_eval: Any) -> None:
    kernels = batch.WarmKernels("python3", ("colorsys",), fork=fork)
    env = {"REPORTKIT_HOME": str(tmp_path)}
    try:
        first = kernels.take(NB, env)
        assert first.forked is fork
        spare = kernels.spare
        assert spare is not None and spare.pid not in (None, first.pid)
        first_pid = kernel_eval(first, "os.getpid()", "import os\nleft_behind = 42")
        first.shutdown()
        second = kernels.take(NB, env)
        assert second is spare  # started and warmed while the first one was in use
        seen = kernel_eval(second, "['colorsys' in sys.modules, sorted(k for k in globals() if "
                                   "'reportkit' in k or k == 'left_behind'), os.getcwd(), "
                                   "os.environ['REPORTKIT_HOME'], os.getpid(), "
                                   "get_ipython().history_manager.enabled]",
                           "import os, sys")
        imported, names, cwd, home, pid, history = seen
        assert imported is True and names == []  # imported, and nothing left behind
        assert cwd == str(NB) and home == str(tmp_path) and pid != first_pid
        assert history is False  # reports' cells stay out of the user's IPython history
        second.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
def test_batch_isolates_every_kind_of_failure(project: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("REPORTKIT_FIXTURE_KILL_PARENT", "1")
    nbs = [{"path": str(NB / "unit_report.ipynb"), "params": {"fail_unit": "92"}}]
    nbs += [str(NB / f"{n}.ipynb") for n in ("sys_exit", "kernel_dies", "slow_cell",
                                             "kills_its_worker")]
    path = schedule(project, notebooks=nbs, units=["15", "Hà Nội", "Cần Thơ", "Huế"],
                    timeouts={"cell": 3, "job": 60})
    with caplog.at_level("INFO", logger="reportkit.batch.run"):
        result = run(plan(project, path))
    got = statuses(result)
    assert got == {f"{Q3}/15-lao-cai/unit_report": "ok", f"{Q3}/01-ha-noi/unit_report": "ok",
                   f"{Q3}/46-hue/unit_report": "ok", f"{Q3}/92-can-tho/unit_report": "failed",
                   f"{Q3}/national/sys_exit": "failed", f"{Q3}/national/kernel_dies": "failed",
                   f"{Q3}/national/slow_cell": "failed",
                   f"{Q3}/national/kills_its_worker": "failed"}
    assert result.exit_code == 1
    ename = {o.key.rsplit("/", 1)[1]: o.fields.get("ename") for o in result.outcomes
             if o.status == "failed"}
    assert ename == {"unit_report": "ValueError", "sys_exit": "SystemExit",
                     "kernel_dies": "DeadKernelError", "slow_cell": "CellTimeoutError",
                     "kills_its_worker": "WorkerDied"}
    out = project / "outputs" / Q3
    for name in ("sys_exit", "kernel_dies", "slow_cell"):
        assert (out / "national" / "_failed" / f"{name}.ipynb").is_file()
        assert not (out / "national" / f"{name}.html").exists()
    assert (out / "92-can-tho" / "_failed" / "unit_report.ipynb").is_file()
    failed = nbformat.read(out / "92-can-tho" / "_failed" / "unit_report.ipynb", as_version=4)
    assert [o.ename for c in failed.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.output_type == "error"] == ["ValueError"]
    # one log line per job (no terminal), the manifest, the event log, the catalogue
    lines = [r.getMessage() for r in caplog.records if r.name == "reportkit.batch.run"
             and r.getMessage().startswith(("ok ", "failed "))]
    assert len(lines) == 8
    assert any("92 (Cần Thơ) 2025-Q3" in line and "ValueError: boom" in line for line in lines)
    reports = manifest(project)["reports"]
    assert {k: v["status"] for k, v in reports.items()} == {
        k.split("/", 1)[1]: v for k, v in got.items()}
    good = reports["15-lao-cai/unit_report"]
    assert good["params"] == {"fail_unit": "92", "unit": "15", "period": Q3, "lang": "vi"}
    assert set(good["files"]) == {"html", "ipynb"} and good["reportkit_version"]
    assert good["data_version"] == {"activity": good["inputs"]["data"]["activity"],
                                    "petitions": good["inputs"]["data"]["petitions"]}
    bad = reports["national/slow_cell"]
    assert bad["files"] == {} and bad["failed_files"]["ipynb"]["path"] == (
        "national/_failed/slow_cell.ipynb")
    assert bad["error_fields"]["ename"] == "CellTimeoutError"
    # a dead kernel, a timeout and a dead worker are tried twice (transient), the rest once
    assert sorted(e["status"] for e in catalog.read_runs(out)) == ["failed"] * 8 + ["ok"] * 3
    assert catalog.verify(out).ok
    assert 'href="15-lao-cai/unit_report.html"' in text_of(out / "index.html")
    assert 'href="national/_failed/kernel_dies.ipynb"' in text_of(out / "runs.html")
    assert list((project / "outputs" / ".staging").iterdir()) == []
    # the HTML has no code, the notebook has the injected parameters
    html = text_of(out / "01-ha-noi" / "unit_report.html")
    import html as markup

    assert "unit='01'" in markup.unescape(html)
    assert "string.reportkit_leak" not in html
    assert token(out / "01-ha-noi" / "unit_report.html") == token(
        out / "01-ha-noi" / "unit_report.ipynb")


@pytest.mark.slow
def test_one_worker_gives_each_report_a_fresh_kernel(project: Path) -> None:
    path = schedule(project, **unit_report(["15", "01", "92", "46"]))
    result = run(plan(project, path), workers=1)
    # the notebook fails on leaked state
    assert set(statuses(result).values()) == {"ok"}, [o.error for o in result.outcomes]
    pids = set()
    for o in result.outcomes:
        text = text_of(Path(o.files["ipynb"]))
        pids.add(text[text.index("pid=") + 4:].split("\\n")[0].split('"')[0])
    assert len(pids) == 4
    assert len({o.worker for o in result.outcomes}) == 1
    assert [w["jobs"] for w in result.workers] == [4]
    assert result.workers[0]["kernel_peak_rss_mb"] > 10


@pytest.mark.slow
def test_incremental_force_retry_and_the_good_report_survives(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = unit_report(["15", "01"], delay=0.0)
    path = schedule(project, **base)
    first = run(plan(project, path))
    assert set(statuses(first).values()) == {"ok"}
    out = project / "outputs" / Q3
    html = out / "15-lao-cai" / "unit_report.html"
    before = html.read_bytes()

    # unchanged: planned as skipped, nothing starts
    p = plan(project, path)
    assert p.count("skip") == 2
    with monkeypatch.context() as m:
        m.setattr(batch, "LocalPool", None)  # would raise if used
        again = run(p)
    assert set(statuses(again).values()) == {"skipped"} and again.exit_code == 0

    # the notebook now fails for Lào Cai: the good report stays, the failure is recorded
    path = schedule(project, **unit_report(["15", "01"], delay=0.0, fail_unit="15"))
    failed = run(plan(project, path))
    assert statuses(failed)[f"{Q3}/15-lao-cai/unit_report"] == "failed"
    assert statuses(failed)[f"{Q3}/01-ha-noi/unit_report"] == "ok"  # parameters changed
    assert html.read_bytes() == before
    entry = manifest(project)["reports"]["15-lao-cai/unit_report"]
    assert entry["status"] == "failed" and entry["report_run"]["run_id"] == first.run_id
    assert entry["files"]["html"]["path"] == "15-lao-cai/unit_report.html"
    assert catalog.verify(out).ok
    assert "báo cáo trước vẫn giữ" in text_of(out / "runs.html")

    # unchanged failure: reported again without running; --retry-failed runs it
    p = plan(project, path)
    assert [d.action for d in p.decisions] == ["carry", "skip"]
    carried = run(p)
    assert carried.exit_code == 1 and "unchanged since run" in carried.outcomes[0].error
    retried = run(plan(project, path, retry_failed=True))
    assert statuses(retried)[f"{Q3}/15-lao-cai/unit_report"] == "failed"
    assert retried.outcomes[1].status == "skipped"

    # back to the first parameters: the report in place has exactly these inputs, so it is
    # adopted (not rendered again) and _failed is cleared; Hà Nội's report was rendered with
    # the other parameters and runs again
    path = schedule(project, **base)
    fixed = run(plan(project, path))
    assert statuses(fixed) == {f"{Q3}/15-lao-cai/unit_report": "skipped",
                               f"{Q3}/01-ha-noi/unit_report": "ok"}
    assert "already has these inputs" in fixed.outcomes[0].reason
    assert html.read_bytes() == before
    assert not (out / "15-lao-cai" / "_failed").exists()
    assert manifest(project)["reports"]["15-lao-cai/unit_report"]["status"] == "ok"
    assert catalog.verify(out).unlisted == []
    forced = run(plan(project, path, force=True), force=True)
    assert set(statuses(forced).values()) == {"ok"}
    assert {e["run_id"] for e in manifest(project)["reports"].values()} == {forced.run_id}
    # new data: everything runs again
    make_warehouse(project / "data" / "warehouse", new="n2")
    p = plan(project, path)
    assert {d.reason for d in p.decisions} == {"changed: data"}


@pytest.mark.slow
def test_job_time_limit(project: Path) -> None:
    path = schedule(project, notebooks=[str(NB / "slow_cell.ipynb")],
                    timeouts={"cell": 60, "job": 4})
    started = time.monotonic()
    result = run(plan(project, path), workers=1)
    assert time.monotonic() - started < 45
    (outcome,) = result.outcomes
    assert outcome.status == "failed" and outcome.fields["ename"] == "JobTimeout"
    assert "longer than its limit of 4s" in outcome.error


def _hanging_worker(slot: int, conn: Any, config: batch.RunConfig, requests: Any,
                    replies: Any) -> None:
    """A worker that hangs outside any cell (what the parent's hard limit is for)."""
    conn.send(("ready", os.getpid()))
    job, _ = conn.recv()
    staging = config.staging / "hung"
    staging.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), staging / f"{job.stem}.ipynb")
    conn.send(("staging", str(staging)))
    time.sleep(600)


def test_parent_kills_a_worker_past_the_job_limit(project: Path) -> None:
    job = _job(project)
    config = batch.RunConfig(run_id="r1", output_root=project / "outputs", project=project,
                             warehouse=project / "data" / "warehouse", kernel="python3",
                             job_timeout=1, kill_grace=1)
    pool = batch.LocalPool(config, 1, target=_hanging_worker)
    outcomes: list[batch.Outcome] = []
    started = time.monotonic()
    pool.run([job], outcomes.append)
    assert time.monotonic() - started < 30
    (outcome,) = outcomes
    assert outcome.status == "failed" and outcome.fields["ename"] == "JobTimeout"
    assert not pool.slots[0].process.is_alive()
    assert (job.final_dir / "_failed" / "unit_report.ipynb").is_file()
    assert manifest(project)["reports"][job.rel]["status"] == "failed"


def _dying_worker(slot: int, conn: Any, config: batch.RunConfig, requests: Any,
                  replies: Any) -> None:
    """A worker that cannot start (a broken installation, say)."""
    os._exit(3)


def test_workers_that_cannot_start_fail_the_jobs_instead_of_looping(project: Path) -> None:
    p = plan(project, schedule(project, **unit_report(["15", "01"])))
    config = batch.RunConfig(run_id="r1", output_root=project / "outputs", project=project,
                             warehouse=project / "data" / "warehouse", kernel="python3")
    outcomes: list[batch.Outcome] = []
    batch.LocalPool(config, 1, target=_dying_worker).run(p.jobs, outcomes.append)
    assert [(o.status, o.fields["ename"]) for o in outcomes] == [
        ("failed", "WorkerStartError")] * 2
    assert "exit code 3" in outcomes[0].error


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _marked_processes(mark: str) -> list[int]:
    pids = []
    for env in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"REPORTKIT_TEST_MARK={mark}".encode() in env.read_bytes():
                pids.append(int(env.parent.name))
        except OSError:
            continue
    return pids


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_batch_resumes(project: Path, sig: signal.Signals) -> None:
    path = schedule(project, **unit_report(["15", "01", "92", "46", "48", "79"], delay=2.0))
    mark = uuid.uuid4().hex
    env = {**os.environ, "REPORTKIT_TEST_MARK": mark}
    cmd = [sys.executable, "-m", "reportkit.cli", "batch", str(path), "--workers", "2",
           "--warehouse", str(project / "data" / "warehouse"), "--today", TODAY.isoformat(),
           "--notebooks", str(NB)]
    # Ctrl-C as in a terminal: a shell starts background jobs with SIGINT ignored, and the
    # batch (rightly) keeps an inherited "ignore", so the test must not depend on how it runs.
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 120
        while not ok_events(project) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ok_events(project), proc.stderr.read() if proc.poll() is not None else "no job"
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if sig == signal.SIGINT:
        assert proc.returncode == 1, stderr
        assert "interrupted: finished reports are kept" in stdout
    deadline = time.monotonic() + 30  # workers and kernels stop with the batch
    while _marked_processes(mark) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _marked_processes(mark) == []
    out = project / "outputs" / Q3
    done = ok_events(project)
    assert 0 < len(done) < 6
    # Both workers run the same 2-second jobs in step: one may have promoted its report in
    # the instant of the interrupt, before recording it. Every promoted report is kept.
    promoted = {str(f.relative_to(out).with_suffix("")) for f in out.glob("*/unit_report.html")}
    assert set(done) <= promoted and len(promoted) < 6
    before = {k: (out / f"{k}.html").read_bytes() for k in promoted}

    p = plan(project, path)
    assert len(done) <= p.count("skip") <= len(promoted)
    assert p.count("skip") + p.count("run") == 6
    result = run(p)
    assert set(statuses(result).values()) <= {"ok", "skipped"}
    # What was recorded is skipped; what was promoted but not recorded is adopted as it is
    # ("already has these inputs"), not rendered again; the rest is rendered once.
    skipped = {o.key.split("/", 1)[1]: o.reason for o in result.outcomes if o.status == "skipped"}
    assert set(skipped) == promoted
    assert all("already has these inputs" in skipped[k] or "already rendered by run" in skipped[k]
               for k in promoted - set(done))
    assert ok_events(project) == {k: 1 for k in manifest(project)["reports"]
                                  if k in done or k not in promoted}  # once each
    for k, data in before.items():
        assert (out / f"{k}.html").read_bytes() == data
    assert catalog.verify(project / "outputs" / Q3).ok
    assert [p.name for p in (project / "outputs" / ".staging").iterdir()] == []


@pytest.mark.slow
def test_a_report_promoted_by_a_lost_worker_counts_once_as_ok(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker promotes a report and dies before recording it; the job goes to another
    worker of the same run (Dask reschedules it): that is this run's report, "ok", recorded
    once, not rendered twice. A later run calls it "skipped"."""
    p = plan(project, schedule(project, **unit_report(["15"])))
    job = p.jobs[0]

    def config(run_id: str) -> batch.RunConfig:
        return batch.RunConfig(run_id=run_id, output_root=p.output_root,
                               project=p.schedule.project, warehouse=p.warehouse,
                               kernel=p.kernel, warm=())

    def dies(*_a: Any, **_k: Any) -> None:
        raise SystemExit(1)

    kernels = batch.WarmKernels(p.kernel, ())
    try:
        monkeypatch.setattr(batch_run, "record_ok", dies)
        with pytest.raises(SystemExit):
            batch.render(job, config("run-a"), kernels=kernels, prefetch=False)
        monkeypatch.undo()
        html = (job.final_dir / f"{job.stem}.html").read_bytes()
        assert ok_events(project) == {}  # promoted, not recorded
        again = batch.render(job, config("run-a"), kernels=kernels, prefetch=False)
        assert again.status == "ok" and "lost" in again.reason
        assert ok_events(project) == {job.rel: 1}
        assert manifest(project)["reports"][job.rel]["run_id"] == "run-a"
        assert (job.final_dir / f"{job.stem}.html").read_bytes() == html  # not re-rendered
        assert batch.render(job, config("run-a"), kernels=kernels).status == "ok"
        assert ok_events(project) == {job.rel: 1}
        later = batch.render(job, config("run-b"), kernels=kernels, prefetch=False)
        assert later.status == "skipped" and "run-a" in later.reason
    finally:
        kernels.close()


def _slow_take_worker(batch_end: Any, *args: Any) -> None:
    """A batch worker whose kernel takes a second to hand over (a window to kill the batch)."""
    batch_end.close()  # forked: only the batch may hold its end of the pipe
    take = batch.WarmKernels.take

    def slow_take(self: batch.WarmKernels, *a: Any, **kw: Any) -> batch.Kernel:
        kernel = take(self, *a, **kw)
        time.sleep(1.0)
        return kernel

    batch.WarmKernels.take = slow_take  # type: ignore[method-assign]
    batch_run._worker_main(*args)


@pytest.mark.slow
def test_a_worker_whose_batch_is_gone_records_nothing(project: Path) -> None:
    """The batch is killed while a worker is between two messages to it: the worker's next
    message meets a broken pipe. That is not the job's failure: the worker stops its kernels
    and exits without recording anything, so the next run renders the job."""
    import multiprocessing

    p = plan(project, schedule(project, **unit_report(["15"])))
    config = batch.RunConfig(run_id="gone", output_root=p.output_root,
                             project=p.schedule.project, warehouse=p.warehouse,
                             kernel=p.kernel, warm=())
    ctx = multiprocessing.get_context("fork")
    parent_conn, child_conn = ctx.Pipe()
    proc = ctx.Process(target=_slow_take_worker,
                       args=(parent_conn, 0, child_conn, config, None, None))
    proc.start()
    child_conn.close()
    try:
        while parent_conn.recv()[0] != "ready":
            pass
        parent_conn.send((p.jobs[0], False))
        while parent_conn.recv()[0] != "staging":
            pass
        parent_conn.close()  # the batch is gone; the worker is taking its kernel
        proc.join(60)
        assert proc.exitcode == 1
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join()
    period = project / "outputs" / Q3
    events = catalog.read_runs(period) if period.is_dir() else []
    assert [e for e in events if e["status"] == "failed"] == []
    assert not (period / "15-lao-cai" / "_failed").exists()


@pytest.mark.slow
def test_cli_batch_dry_run_then_run(project: Path) -> None:
    path = schedule(project, **unit_report(["15", "Hà Nội"]))
    args = ["batch", str(path), "--warehouse", str(project / "data" / "warehouse"),
            "--today", TODAY.isoformat(), "--notebooks", str(NB)]
    dry = CliRunner().invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 job(s): 2 to run, 0 unchanged" in dry.output
    assert "01 Hà Nội" in dry.output and not (project / "outputs" / Q3).exists()
    done = CliRunner().invoke(main, [*args, "--workers", "2"])
    assert done.exit_code == 0, done.output
    assert "2 job(s): 2 ok" in done.output
    assert f"catalogue: {project / 'outputs' / Q3 / 'index.html'}" in done.output
    again = CliRunner().invoke(main, [*args, "--dry-run"])
    assert "2 unchanged" in again.output and "skip" in again.output
    assert CliRunner().invoke(main, ["verify", str(project / "outputs")]).exit_code == 0


@pytest.mark.slow
def test_run_into_a_batch_folder_then_verify_is_ok(project: Path) -> None:
    """`reportkit run` is a batch of one: a report it adds to (or replaces in) a batch's
    period folder is recorded like a batch report, so verify stays ok."""
    path = schedule(project, **unit_report(["15"]))
    assert run(plan(project, path), workers=1).exit_code == 0
    out = project / "outputs"
    for unit in ("15", "01"):
        res = CliRunner().invoke(main, [
            "run", str(NB / "unit_report.ipynb"), "--unit", unit, "--period", Q3,
            "--out", str(out), "--warehouse", str(project / "data" / "warehouse")])
        assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["verify", str(out)])
    assert res.exit_code == 0, res.output
    assert set(manifest(project)["reports"]) == {"15-lao-cai/unit_report",
                                                 "01-ha-noi/unit_report"}
    assert [e["status"] for e in catalog.read_runs(out / Q3)] == ["ok"] * 3


needs_browser = pytest.mark.skipif(not Path("/usr/bin/chromium").exists()
                                   and not os.environ.get("REPORTKIT_CHROMIUM"),
                                   reason="no Chromium (make system)")


@pytest.mark.slow
@needs_browser
def test_pdf_is_printed_outside_the_kernel_workers(project: Path) -> None:
    path = schedule(project, **unit_report(["15", "01"]), formats=["html", "pdf"])
    result = run(plan(project, path))
    assert set(statuses(result).values()) == {"ok"}, [o.error for o in result.outcomes]
    entry = manifest(project)["reports"]["15-lao-cai/unit_report"]
    assert set(entry["files"]) == {"html", "pdf", "ipynb"}
    pdf = project / "outputs" / Q3 / entry["files"]["pdf"]["path"]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert 'href="15-lao-cai/unit_report.pdf"' in text_of(project / "outputs" / Q3 / "index.html")


@pytest.mark.slow
def test_real_province_reports_on_the_sample_warehouse(sample_dirs: dict[str, Path],
                                                      tmp_path: Path) -> None:
    (tmp_path / "params").mkdir()
    path = tmp_path / "params" / "q.yaml"
    path.write_text(yaml.safe_dump({
        "notebooks": [str(ROOT / "notebooks" / "province_report.ipynb"),
                      str(ROOT / "notebooks" / "national_summary.ipynb")],
        "units": ["Lào Cai", "Cần Thơ"], "period": Q3}, allow_unicode=True), encoding="utf-8")
    p = batch.plan_batch(path, out=tmp_path / "outputs", warehouse=sample_dirs["warehouse"])
    assert len(p.jobs) == 3
    result = run(p)
    assert set(statuses(result).values()) == {"ok"}, [o.error for o in result.outcomes]
    out = tmp_path / "outputs" / Q3
    for leaf, name in (("15-lao-cai", "Lào Cai"), ("92-can-tho", "Cần Thơ")):
        html = text_of(out / leaf / "province_report.html")
        assert name in html and "DỮ LIỆU MẪU" in html
    assert (out / "national" / "national_summary.html").is_file()
    assert catalog.verify(out).ok
    entry = catalog.load_manifest(out)["reports"]["15-lao-cai/province_report"]
    assert entry["data_version"]["activity"] and entry["params"]["unit"] == "15"
