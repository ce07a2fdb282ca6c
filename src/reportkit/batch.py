"""Batch runs: many (notebook × unit × period) reports, in parallel, incremental, isolated.

The path of a batch, top to bottom::

    load_schedule(params/quarterly.yaml)        what to render (YAML, one file per schedule)
    plan_batch(...)                             jobs; every job's parameters validated (no
                                                kernel yet); input hash; run / skip decision
    execute_plan(...)                           LocalPool (this machine) or Dask (--scheduler)
      └─ render(job)                            ONE report: skip if its output already carries
                                                the input hash → warm kernel → execute (nbclient)
                                                → check → export → promote → record
    catalog: manifest.json, index.html, runs.jsonl per period

Isolation: every report gets a fresh kernel. Kernels are forked from a per-worker fork server
that imported the ``warm`` modules once and never runs report code (:mod:`reportkit.kernels`),
so neither interpreter start-up nor imports are paid per report, and each worker keeps one
*spare* kernel ready while it runs the current report. A failure, cell or job timeout, dead
kernel or ``sys.exit`` fails only that job; its notebook goes to ``_failed/`` and the last
good report stays. The manifest is updated after each job, so an interrupted batch resumes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import math
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportkit import __version__, catalog, runner
from reportkit import units as U
from reportkit.errors import (
    ConfigError,
    ExecutionError,
    ExportError,
    ParameterError,
    PeriodError,
    ReportkitError,
    UnitError,
)
from reportkit.kernels import Kernel, WarmKernels
from reportkit.periods import Period, default_rule

if TYPE_CHECKING:
    import nbformat

log = logging.getLogger("reportkit.batch")

__all__ = ["Schedule", "Job", "Decision", "Plan", "RunConfig", "Outcome", "BatchResult",
           "load_schedule", "plan_batch", "execute_plan", "render", "input_hash",
           "summary_table", "plan_table", "worker_lines"]

DEFAULT_WARM = ("pandas", "matplotlib", "matplotlib.pyplot", "ipywidgets", "reportkit.report",
                "reportkit.charts", "reportkit.petitions", "reportkit.widgets")
DEFAULT_CELL_TIMEOUT = 300
DEFAULT_JOB_TIMEOUT = 1800
KILL_GRACE = 30  # seconds past the job limit before the parent kills a worker
SAVE_EVERY = 5.0  # seconds between saves of the partial notebook while a job runs
RENDERER = "inline"
UNIT_SETS = ("all", "old", "new")
EVERY = ("month", "quarter", "half", "year")
STATUSES = ("ok", "skipped", "failed", "interrupted", "not run")
_SCHEDULE_KEYS = {"description", "notebook", "notebooks", "units", "period", "periods", "every",
                  "formats", "lang", "params", "timeouts", "kernel", "warm", "out", "workers"}
_NOTEBOOK_KEYS = {"path", "units", "params"}


# --- schedules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook of a schedule, with its own units and parameters if given."""

    path: Path
    units: str | tuple[str, ...] | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Schedule:
    """A schedule file from ``params/``: which notebooks, units, periods and formats."""

    path: Path
    project: Path
    notebooks: tuple[NotebookSpec, ...]
    units: str | tuple[str, ...] = "all"
    periods: tuple[str, ...] = ()
    every: str | None = None
    formats: tuple[str, ...] = ("html",)
    lang: str = "vi"
    params: dict[str, Any] = field(default_factory=dict)
    cell_timeout: int = DEFAULT_CELL_TIMEOUT
    job_timeout: int = DEFAULT_JOB_TIMEOUT
    kernel: str = "reportkit"
    warm: tuple[str, ...] = DEFAULT_WARM
    out: Path | None = None
    workers: int | None = None
    description: str = ""

    @property
    def name(self) -> str:
        """The file's stem, e.g. "quarterly"."""
        return self.path.stem


def _project_of(path: Path) -> Path:
    """Relative paths in a schedule are relative to the project folder: the parent of
    ``params/`` when the schedule lives there, else the schedule's own folder."""
    folder = path.resolve().parent
    return folder.parent if folder.name == "params" else folder


def _units_value(value: Any, where: str, problems: list[str]) -> str | tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in UNIT_SETS:
        return value.strip().lower()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if isinstance(value, list):
        bad = [v for v in value if not isinstance(v, str)]
        problems.append(f"{where}: unit codes must be text (quote them: '01', not 01); got "
                        f"{', '.join(map(repr, bad[:5]))}")
        return None
    problems.append(f"{where}: units must be {', '.join(UNIT_SETS)} or a list of codes/names, "
                    f"got {value!r}")
    return None


def load_schedule(path: str | Path) -> Schedule:
    """Read and check a schedule YAML file; every problem is reported at once.

    Raises:
        ConfigError: the file is missing, not YAML, or has unknown keys or wrong types.
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read schedule {path}: {exc}", file=str(path)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"Schedule {path} is not valid YAML: {exc}", file=str(path)) from None
    if not isinstance(data, dict):
        raise ConfigError(f"Schedule {path} must be a mapping of keys", file=str(path))
    problems: list[str] = []
    unknown = sorted(set(data) - _SCHEDULE_KEYS)
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}; a schedule takes: "
                        f"{', '.join(sorted(_SCHEDULE_KEYS))}")
    project = _project_of(path)
    raw_nbs = data.get("notebooks", [data["notebook"]] if "notebook" in data else [])
    notebooks: list[NotebookSpec] = []
    if not isinstance(raw_nbs, list) or not raw_nbs:
        problems.append("give the notebook(s) to run: notebooks: [notebooks/x.ipynb]")
        raw_nbs = []
    for i, item in enumerate(raw_nbs):
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            problems.append(f"notebooks[{i}]: a path or a mapping with 'path', got {item!r}")
            continue
        extra = sorted(set(item) - _NOTEBOOK_KEYS)
        if extra:
            problems.append(f"notebooks[{i}]: unknown key(s) {', '.join(extra)}; "
                            f"takes {', '.join(sorted(_NOTEBOOK_KEYS))}")
        nb_params = item.get("params") or {}
        if not isinstance(nb_params, dict):
            problems.append(f"notebooks[{i}].params must be a mapping")
            nb_params = {}
        nb_path = Path(item["path"])
        notebooks.append(NotebookSpec(
            path=(nb_path if nb_path.is_absolute() else project / nb_path).resolve(),
            units=_units_value(item.get("units"), f"notebooks[{i}].units", problems),
            params=dict(nb_params)))
    periods = data.get("periods", [data["period"]] if "period" in data else [])
    if isinstance(periods, str):
        periods = [periods]
    if not isinstance(periods, list) or not all(isinstance(p, str) for p in periods):
        problems.append("period(s) must be text such as 2025-Q3 or last-quarter (quote numbers: "
                        "'2025')")
        periods = []
    every = data.get("every")
    if every is not None and every not in EVERY:
        problems.append(f"every must be one of {', '.join(EVERY)}, got {every!r}")
    formats = data.get("formats", ["html"])
    formats = [formats] if isinstance(formats, str) else formats
    if not isinstance(formats, list) or not all(f in ("html", "pdf") for f in formats):
        problems.append(f"formats must be a list of html, pdf; got {formats!r}")
        formats = ["html"]
    lang = data.get("lang", "vi")
    if lang not in runner.LANGS:
        problems.append(f"lang must be one of {', '.join(runner.LANGS)}, got {lang!r}")
    params = data.get("params") or {}
    if not isinstance(params, dict):
        problems.append("params must be a mapping of notebook parameters")
        params = {}
    timeouts = data.get("timeouts") or {}
    if not isinstance(timeouts, dict) or set(timeouts) - {"cell", "job"} or not all(
            isinstance(v, int) and v > 0 for v in timeouts.values()):
        problems.append("timeouts takes cell and job, in whole seconds > 0")
        timeouts = {}
    warm = data.get("warm", list(DEFAULT_WARM))
    if not isinstance(warm, list) or not all(isinstance(m, str) for m in warm):
        problems.append("warm must be a list of module names")
        warm = list(DEFAULT_WARM)
    workers = data.get("workers")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        problems.append(f"workers must be a whole number >= 1, got {workers!r}")
        workers = None
    out = data.get("out")
    if out is not None and not isinstance(out, str):
        problems.append("out must be a folder path")
        out = None
    units = _units_value(data.get("units", "all"), "units", problems)
    if problems:
        raise ConfigError(f"Schedule {path}: " + "; ".join(problems), file=str(path),
                          problems=problems)
    return Schedule(
        path=path.resolve(), project=project, notebooks=tuple(notebooks),
        units=units or "all", periods=tuple(periods), every=every, formats=tuple(formats),
        lang=lang, params=dict(params), cell_timeout=timeouts.get("cell", DEFAULT_CELL_TIMEOUT),
        job_timeout=timeouts.get("job", DEFAULT_JOB_TIMEOUT),
        kernel=str(data.get("kernel", "reportkit")), warm=tuple(warm),
        out=(project / out).resolve() if out else None, workers=workers,
        description=str(data.get("description", "")))


def split_period(p: Period, every: str | None) -> list[Period]:
    """``p`` itself, or the whole months/quarters/halves/years inside it."""
    if every is None:
        return [p]
    months = p.months()
    if every == "month":
        return [Period.month(m.year, m.month) for m in months]
    size = {"quarter": 3, "half": 6, "year": 12}[every]
    out = []
    for m in months:
        if (m.month - 1) % size:
            continue
        if every == "quarter":
            sub = Period.quarter(m.year, (m.month + 2) // 3)
        elif every == "half":
            sub = Period.half(m.year, 1 if m.month == 1 else 2)
        else:
            sub = Period.year(m.year)
        if p.covers(sub):
            out.append(sub)
    if not out:
        raise PeriodError(f"{p} holds no whole {every}", period=str(p))
    return out


def resolve_units(spec: str | tuple[str, ...], p: Period) -> list[str]:
    """Unit codes or names for a period: ``all`` = units in force at the period's end,
    ``old`` = the 63 units before 1 July 2025, ``new`` = the 34 after; lists as given (they
    are resolved, and checked, when the job is validated)."""
    if spec == "all":
        return [u.code for u in U.units_at(p.last)]
    if spec == "old":
        return [u.code for u in U.units_at(date(2025, 6, 1))]
    if spec == "new":
        return [u.code for u in U.units_at(U.MERGER_DATE)]
    return list(spec)


# --- jobs and their identity ----------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One report to render, validated; ``input_hash`` names everything it depends on."""

    report: runner.PreparedReport
    rel: str  # within the period folder: "15-lao-cai/province_report"
    period_dir: Path
    input_hash: str
    inputs: dict[str, Any]
    notebook_bytes: bytes = field(repr=False)
    marking: str | None = None  # the PDF header's confidentiality marking

    @property
    def key(self) -> str:
        """Unique in a batch: "2025-Q3/15-lao-cai/province_report"."""
        return f"{self.period_dir.name}/{self.rel}"

    @property
    def final_dir(self) -> Path:
        """The folder the report is promoted into."""
        return self.period_dir / self.rel.rsplit("/", 1)[0]

    @property
    def stem(self) -> str:
        """The notebook's file stem."""
        return self.report.notebook.stem

    @property
    def unit(self) -> str | None:
        """The unit code, or None for a national notebook."""
        return self.report.unit.code if self.report.unit else None

    @property
    def unit_name(self) -> str | None:
        """The unit's name."""
        return self.report.unit.name if self.report.unit else None

    @property
    def period(self) -> str:
        """The period code."""
        return str(self.report.period)

    def label(self) -> str:
        """"province_report 15 (Lào Cai) 2025-Q3"."""
        who = f"{self.unit} ({self.unit_name})" if self.unit else "national"
        return f"{self.stem} {who} {self.period}"

    def task_key(self) -> str:
        """The Dask key: readable, and changes whenever an input changes."""
        leaf = self.rel.replace("/", "-")
        return f"reportkit-{self.period_dir.name}-{leaf}-{self.input_hash[:16]}"


def data_window(p: Period) -> Period:
    """The months a report of ``p`` may read: its trend periods (13 months, 8 quarters or 5
    periods, see :func:`reportkit.report.trend_periods`), the same periods a year earlier,
    and at least six years back, whichever reaches further."""
    n = {"month": 13, "quarter": 8}.get(p.kind, 5)
    first = p
    for _ in range(n - 1):
        first = first.previous()
    start = min(first.same_period_last_year().first, date(p.first.year - 6, p.first.month, 1))
    return Period.range(start, p.last)


def data_versions(warehouse: Path, p: Period,
                  cache: dict[tuple[str, str], str] | None = None) -> dict[str, str]:
    """Data versions of the national slice a report of ``p`` reads, per table.

    Partitions are per unit *and era*, so a report before 1 July 2025 depends only on the
    old units' partitions: loading new months does not invalidate the back-fill.
    """
    from reportkit.warehouse import Warehouse, slice_keys

    wh = Warehouse(warehouse)
    window = data_window(p)
    out = {}
    for table in ("activity", "petitions"):
        ck = (table, str(window))
        if cache is None or ck not in cache:
            version = wh.data_version(table, slice_keys(None, window))
            if cache is None:
                out[table] = version
                continue
            cache[ck] = version
        out[table] = cache[ck]
    return out


def input_hash(inputs: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the inputs (notebook sha256, parameters, data
    versions, reportkit version, period rule, kernel, export options)."""
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def job_inputs(report: runner.PreparedReport, notebook_sha: str, data: dict[str, str], *,
               kernel: str) -> dict[str, Any]:
    """The components of a job's identity, kept in the manifest so a re-run can say what
    changed."""
    return {"notebook": notebook_sha, "params": report.params, "data": data,
            "reportkit": __version__, "rule": default_rule(), "kernel": kernel,
            "export": {"formats": sorted(report.formats), "renderer": RENDERER}}


@dataclass(frozen=True)
class Decision:
    """What a batch will do with one job, and why."""

    job: Job
    action: str  # "run", "skip" (unchanged and intact), "carry" (failed before, unchanged)
    reason: str
    previous: dict[str, Any] | None = None


@dataclass
class Plan:
    """Validated jobs and the decision for each."""

    schedule: Schedule
    decisions: list[Decision]
    output_root: Path
    warehouse: Path
    kernel: str
    today: date

    @property
    def jobs(self) -> list[Job]:
        """Every job of the batch."""
        return [d.job for d in self.decisions]

    def count(self, action: str) -> int:
        """How many jobs have this action."""
        return sum(d.action == action for d in self.decisions)

    @property
    def periods(self) -> list[str]:
        """The periods, in order."""
        return list(dict.fromkeys(d.job.period for d in self.decisions))


def _changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    names = {"notebook": "notebook", "params": "parameters", "data": "data",
             "reportkit": "reportkit version", "rule": "period rule", "kernel": "kernel",
             "export": "export options"}
    return [label for k, label in names.items() if old.get(k) != new.get(k)] or ["inputs"]


def decide(job: Job, entry: dict[str, Any] | None, *, force: bool,
           retry_failed: bool) -> Decision:
    """Run or skip one job, given its manifest entry."""
    if force:
        return Decision(job, "run", "forced", entry)
    if entry is None:
        return Decision(job, "run", "new", None)
    same = entry.get("input_hash") == job.input_hash
    if entry.get("status") == "ok" and same:
        if catalog.files_intact(entry, job.period_dir):
            return Decision(job, "skip", "unchanged", entry)
        return Decision(job, "run", "files missing or changed", entry)
    if entry.get("status") == "failed" and same:
        if retry_failed:
            return Decision(job, "run", "retry of a failed job", entry)
        return Decision(job, "carry", f"failed in run {entry.get('run_id')} with the same "
                                      "inputs (--retry-failed runs it again)", entry)
    if entry.get("status") == "failed":
        return Decision(job, "run", "failed before; changed: "
                        + ", ".join(_changed(entry.get("inputs") or {}, job.inputs)), entry)
    return Decision(job, "run", "changed: " + ", ".join(_changed(entry.get("inputs") or {},
                                                                  job.inputs)), entry)


def plan_batch(schedule: Schedule | str | Path, *, period: str | None = None,
               units: str | None = None, out: Path | None = None,
               warehouse: Path | None = None, today: date | None = None,
               force: bool = False, retry_failed: bool = False) -> Plan:
    """Expand a schedule into jobs, validate every job and decide what to run.

    No kernel is started. Every job's parameters get the checks of ``reportkit run``
    (:func:`reportkit.runner.prepare_report`); all problems are collected and raised
    together.

    Args:
        schedule: A :class:`Schedule` or the path of a schedule file.
        period: Replaces the schedule's period(s) (explicit or relative, e.g. last-month).
        units: Replaces the schedule's units: all, old, new or "code,name,...".
        out: Output root (default: the schedule's ``out``, else ``<project>/outputs``).
        warehouse: Warehouse folder (default: $REPORTKIT_WAREHOUSE, else
            ``<project>/data/warehouse``).
        today: The day relative periods are resolved on (default: today).
        force: Run every job even if unchanged.
        retry_failed: Run again the jobs that failed last time with the same inputs.

    Raises:
        ConfigError: bad schedule, missing warehouse or notebook.
        ParameterError: some jobs have bad parameters (all are listed).
    """
    if not isinstance(schedule, Schedule):
        schedule = load_schedule(schedule)
    today = today or date.today()
    root = Path(out or schedule.out or schedule.project / "outputs").resolve()
    wh_root = Path(warehouse or os.environ.get("REPORTKIT_WAREHOUSE")
                   or schedule.project / "data" / "warehouse").resolve()
    if not (wh_root / "catalog.json").is_file():
        raise ConfigError(f"No warehouse at {wh_root}: run `reportkit ingest` first, or give "
                          "--warehouse", file=str(wh_root))
    kernel = runner.resolve_kernel(schedule.kernel)
    problems: list[str] = []
    unit_override = _units_value(units, "--units", problems) if units else None
    period_texts = [period] if period else list(schedule.periods)
    if not period_texts:
        problems.append("no period: give period: in the schedule or --period")
    periods: list[Period] = []
    for text in period_texts:
        try:
            periods += split_period(Period.parse(text, today=today), schedule.every)
        except PeriodError as exc:
            problems.append(str(exc))
    jobs: dict[str, Job] = {}
    specs_cache: dict[Path, dict[str, runner.ParamSpec]] = {}
    nb_bytes: dict[Path, bytes] = {}
    nb_sha: dict[Path, str] = {}
    dv_cache: dict[tuple[str, str], str] = {}
    manifests: dict[Path, dict[str, Any]] = {}
    for nb in schedule.notebooks:
        try:
            specs_cache[nb.path] = runner.notebook_parameters(nb.path)
            nb_bytes[nb.path] = nb.path.read_bytes()
            nb_sha[nb.path] = hashlib.sha256(nb_bytes[nb.path]).hexdigest()
        except ParameterError as exc:
            problems.append(str(exc))
    if problems:
        raise ParameterError("Cannot plan the batch: " + "; ".join(problems), problems=problems)
    bad: dict[str, list[str]] = {}
    for p in periods:
        data = data_versions(wh_root, p, dv_cache)
        for nb in schedule.notebooks:
            specs = specs_cache[nb.path]
            targets: list[str | None] = [None]
            if "unit" in specs:
                targets = list(resolve_units(unit_override or nb.units or schedule.units, p))
            params = {**schedule.params, **nb.params}
            for unit in targets:
                try:
                    rep = runner.prepare_report(nb.path, unit=unit, period=str(p),
                                                lang=schedule.lang, params=params,
                                                formats=schedule.formats)
                except (ParameterError, UnitError, PeriodError, ExportError) as exc:
                    bad.setdefault(str(exc), []).append(f"{nb.path.name} {unit or ''} {p}")
                    continue
                final = rep.output_dir(root)
                period_dir = final.parent
                rel = f"{final.name}/{nb.path.stem}"
                inputs = job_inputs(rep, nb_sha[nb.path], data, kernel=kernel)
                marking = (rep.params["marking"] if "marking" in rep.params
                           else specs["marking"].default if "marking" in specs else None)
                job = Job(rep, rel, period_dir, input_hash(inputs), inputs, nb_bytes[nb.path],
                          marking if isinstance(marking, str) and marking else None)
                other = jobs.get(job.key)
                if other is not None and other.input_hash != job.input_hash:
                    bad.setdefault(f"two jobs write {job.key} with different inputs "
                                   f"(two notebooks named {nb.path.name}?)", []).append(job.key)
                jobs.setdefault(job.key, job)
    if bad:
        lines = [f"{msg} [{len(where)} job(s), e.g. {where[0].strip()}]"
                 for msg, where in bad.items()]
        raise ParameterError(f"{sum(map(len, bad.values()))} job(s) have bad parameters; "
                             "nothing was run:\n  - " + "\n  - ".join(lines[:20])
                             + (f"\n  … and {len(lines) - 20} more" if len(lines) > 20 else ""),
                             problems=lines)
    decisions = []
    for job in jobs.values():
        if job.period_dir not in manifests:
            manifests[job.period_dir] = catalog.load_manifest(job.period_dir)
        entry = manifests[job.period_dir]["reports"].get(job.rel)
        decisions.append(decide(job, entry, force=force, retry_failed=retry_failed))
    return Plan(schedule, decisions, root, wh_root, kernel, today)


# --- running one report ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunConfig:
    """Everything a worker needs besides the job; picklable (it travels to Dask workers)."""

    run_id: str
    output_root: Path
    project: Path
    warehouse: Path
    kernel: str
    cell_timeout: int = DEFAULT_CELL_TIMEOUT
    job_timeout: int = DEFAULT_JOB_TIMEOUT
    warm: tuple[str, ...] = DEFAULT_WARM
    force: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    pdf_timeout: float = 60.0
    kill_grace: float = KILL_GRACE
    default_cwd: Path | None = None  # where spare kernels start (the notebooks' folder)

    @property
    def staging(self) -> Path:
        """This run's staging folder (same filesystem as the outputs)."""
        return self.output_root / runner.STAGING / f"batch-{self.run_id}"

    def kernel_env(self) -> dict[str, str]:
        """The variables a report kernel needs: where the project and warehouse are."""
        env = {"REPORTKIT_HOME": str(self.project), "REPORTKIT_WAREHOUSE": str(self.warehouse)}
        rule = os.environ.get("REPORTKIT_PERIOD_RULE")
        if rule:
            env["REPORTKIT_PERIOD_RULE"] = rule
        env.update(self.extra_env)
        return env


@dataclass
class Outcome:
    """What happened to one job."""

    key: str
    notebook: str
    unit: str | None
    unit_name: str | None
    period: str
    status: str  # one of STATUSES
    seconds: float = 0.0
    error: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    worker: str = ""

    @classmethod
    def of(cls, job: Job, status: str, **kw: Any) -> Outcome:
        """An outcome for ``job``."""
        return cls(key=job.key, notebook=job.report.notebook.name, unit=job.unit,
                   unit_name=job.unit_name, period=job.period, status=status, **kw)


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _base_entry(job: Job, config: RunConfig) -> dict[str, Any]:
    r = job.report
    return {"notebook": r.notebook.name, "unit": job.unit, "unit_name": job.unit_name,
            "period": job.period, "lang": r.lang, "formats": list(r.formats),
            "params": r.params, "input_hash": job.input_hash, "inputs": job.inputs,
            "data_version": job.inputs["data"], "reportkit_version": __version__,
            "run_id": config.run_id}


def record_ok(job: Job, config: RunConfig, files: dict[str, Path], *, started: str,
              seconds: float, worker: str, event_status: str = "ok",
              rendered_by: str | None = None) -> dict[str, Any]:
    """Record a promoted report in its period's manifest; ``rendered_by`` is the run that
    rendered the files (default: this one), the event is this run's."""
    infos = {fmt: catalog.file_info(path, job.period_dir) for fmt, path in files.items()}
    finished = catalog.now_iso()
    run_id = rendered_by or config.run_id

    def update(_old: dict[str, Any] | None) -> dict[str, Any]:
        return {**_base_entry(job, config), "run_id": run_id, "status": "ok",
                "started": started, "finished": finished, "seconds": seconds, "worker": worker,
                "error": None, "error_fields": {}, "files": infos,
                "report_run": {"run_id": run_id, "input_hash": job.input_hash,
                               "finished": finished},
                "failed_files": {}}

    event = {"run_id": config.run_id, "status": event_status, "input_hash": job.input_hash,
             "seconds": seconds, "worker": worker}
    return catalog.record(job.period_dir, job.rel, update, event)


def record_failed(job: Job, config: RunConfig, error: ReportkitError,
                  failed: dict[str, Path], *, started: str, seconds: float,
                  worker: str) -> dict[str, Any]:
    """Record a failed attempt; the previous good report (if any) stays listed."""
    infos = {fmt: catalog.file_info(path, job.period_dir) for fmt, path in failed.items()
             if path.exists()}
    finished = catalog.now_iso()

    def update(old: dict[str, Any] | None) -> dict[str, Any]:
        old = old or {}
        return {**_base_entry(job, config), "status": "failed", "started": started,
                "finished": finished, "seconds": seconds, "worker": worker,
                "error": error.message, "error_fields": _jsonable(error.fields),
                "files": old.get("files") or {}, "report_run": old.get("report_run"),
                "failed_files": infos}

    event = {"run_id": config.run_id, "status": "failed", "input_hash": job.input_hash,
             "seconds": seconds, "worker": worker, "error": error.message}
    return catalog.record(job.period_dir, job.rel, update, event)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _final_metadata(path: Path) -> dict[str, Any] | None:
    """``metadata.reportkit`` of a promoted notebook, or None."""
    try:
        return json.loads(path.read_bytes()).get("metadata", {}).get("reportkit")
    except (OSError, ValueError, AttributeError):
        return None


def already_rendered(job: Job, config: RunConfig) -> Outcome | None:
    """A "skipped" outcome if the job's output already carries its input hash.

    The manifest is checked first; if it has no matching entry, the promoted notebook's
    metadata (written last, after the HTML and PDF whose sha256 it records) is: a worker that
    died between promotion and the manifest update must not make a retry render it twice,
    and a report whose inputs went back to those of the report in place (a notebook fix
    reverted, a failed attempt with other parameters) is adopted, not rendered again. With
    ``force``, only output from this same run counts.

    Output from *this* run (a worker rendered the report, then died before it could say so,
    and the job was given to another) is an "ok" outcome, recorded as "ok" once.
    """
    def fresh(run_id: str | None) -> bool:
        return not config.force or run_id == config.run_id

    entry = catalog.load_manifest(job.period_dir)["reports"].get(job.rel)
    if (entry and entry.get("status") == "ok" and entry.get("input_hash") == job.input_hash
            and fresh(entry.get("run_id")) and catalog.files_intact(entry, job.period_dir)):
        this_run = entry.get("run_id") == config.run_id
        return Outcome.of(job, "ok" if this_run else "skipped",
                          reason=("rendered in this run by a worker that was lost before it "
                                  "reported" if this_run else
                                  f"already rendered by run {entry['run_id']}"),
                          seconds=entry.get("seconds") or 0.0, worker=entry.get("worker") or "",
                          files={k: str(job.period_dir / v["path"])
                                 for k, v in entry["files"].items()})
    ipynb = job.final_dir / f"{job.stem}.ipynb"
    md = _final_metadata(ipynb)
    if not md or md.get("input_hash") != job.input_hash or not fresh(md.get("run_id")):
        return None
    this_run = md.get("run_id") == config.run_id
    files = {"ipynb": ipynb}
    for fmt, sha in (md.get("sha256") or {}).items():
        path = job.final_dir / f"{job.stem}.{fmt}"
        if not path.is_file() or catalog.sha256_file(path) != sha:
            return None
        files[fmt] = path
    shutil.rmtree(job.final_dir / runner.FAILED, ignore_errors=True)  # as promotion does
    record_ok(job, config, files, started=md.get("started", ""), seconds=0.0,
              worker=_worker_id(), event_status="ok" if this_run else "adopted",
              rendered_by=md.get("run_id"))
    return Outcome.of(job, "ok" if this_run else "skipped",
                      reason=("rendered in this run by a worker that was lost before it "
                              "recorded it; manifest updated" if this_run else
                              "the report in place already has these inputs "
                              f"(run {md.get('run_id')}); manifest updated"),
                      files={k: str(v) for k, v in files.items()})


class Printer:
    """Prints one staged HTML file to PDF outside this process."""

    def print(self, job: Any) -> None:  # job: reportkit.pdf.PrintJob
        """Print; raise ExportError on failure."""
        from reportkit import pdf

        pdf.print_many([job], isolate=True, raise_on_error=True)


def _load_notebook(job: Job) -> nbformat.NotebookNode:
    """The hashed notebook bytes, parameterised like papermill does it."""
    import nbformat
    from papermill.parameterize import parameterize_notebook

    nb = nbformat.reads(job.notebook_bytes.decode("utf-8"), as_version=4)
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
        cell.metadata.setdefault("papermill", {})
    nb.metadata.setdefault("papermill", {})
    return parameterize_notebook(nb, job.report.params, kernel_name=None, language="python")


def _write_nb(nb: nbformat.NotebookNode, path: Path) -> None:
    import nbformat

    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(nbformat.writes(nb), encoding="utf-8")
    os.replace(tmp, path)


def execute_on_kernel(job: Job, nb: nbformat.NotebookNode, kernel: Kernel, staged: Path, *,
                      kernel_name: str, cell_timeout: int, job_timeout: int,
                      deadline: float) -> None:
    """Run every cell of ``nb`` on ``kernel`` with nbclient; ExecutionError if anything
    failed. The partial notebook is saved to ``staged`` now and then, and on failure."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    report = job.report
    state: dict[str, Any] = {"cell": None, "saved": time.monotonic()}

    def timeout_for(cell: Any) -> int:
        return max(1, math.ceil(min(cell_timeout, deadline - time.monotonic())))

    def on_start(cell: Any, cell_index: int) -> None:
        state["cell"] = cell_index

    def on_executed(cell: Any, cell_index: int, execute_reply: Any) -> None:
        if time.monotonic() - state["saved"] > SAVE_EVERY:
            _write_nb(nb, staged)
            state["saved"] = time.monotonic()

    client = NotebookClient(nb, km=kernel.km, kernel_name=kernel_name, timeout=cell_timeout,
                            timeout_func=timeout_for, allow_errors=False,
                            shutdown_kernel="immediate", on_cell_start=on_start,
                            on_cell_executed=on_executed,
                            resources={"metadata": {"path": kernel.cwd}})
    client.kc = kernel.kc
    try:
        client.execute()
    except CellExecutionError as exc:
        _write_nb(nb, staged)
        runner.check_executed(nb, report)  # raises with the cell that holds the error
        raise _fail(job, nb, state["cell"], exc.ename, exc.evalue) from None
    except CellTimeoutError as exc:
        _write_nb(nb, staged)
        if time.monotonic() >= deadline - 1:
            raise _fail(job, nb, state["cell"], "JobTimeout",
                        f"the job ran longer than its limit of {job_timeout}s") from exc
        raise _fail(job, nb, state["cell"], "CellTimeoutError", str(exc)) from exc
    except Exception as exc:  # DeadKernelError, a kernel that stopped answering, ...
        _write_nb(nb, staged)
        raise _fail(job, nb, state["cell"], type(exc).__name__, str(exc)) from exc
    _write_nb(nb, staged)
    runner.check_executed(nb, report)  # sys.exit() and cells that never ran


def _fail(job: Job, nb: nbformat.NotebookNode, cell: int | None, ename: str,
          evalue: str) -> ExecutionError:
    count = nb.cells[cell].get("execution_count") if cell is not None else None
    return runner._failure(job.report, cell, count, ename, evalue)


def _promote(files: dict[str, Path], final_dir: Path) -> dict[str, Path]:
    """Move staged files into ``final_dir``: PDF and HTML first, the notebook last.

    The promoted notebook records the sha256 of the HTML and PDF and the input hash, so it
    is the commit mark: if it carries the job's input hash, the whole report is in place.
    Each move is an ``os.replace`` within one filesystem (atomic).
    """
    final_dir.mkdir(parents=True, exist_ok=True)
    done: dict[str, Path] = {}
    for fmt in sorted(files, key=("pdf", "html", "ipynb").index):
        done[fmt] = final_dir / files[fmt].name
        os.replace(files[fmt], done[fmt])
    shutil.rmtree(final_dir / runner.FAILED, ignore_errors=True)
    return done


def render(job: Job, config: RunConfig, *, kernels: WarmKernels, printer: Printer | None = None,
           prefetch: bool = True, on_kernels: Callable[[list[int]], None] | None = None,
           on_staging: Callable[[Path], None] | None = None) -> Outcome:
    """Render one report and record it: the batch's one-job orchestration.

    skip if already rendered → stage → warm kernel → execute → check → export → promote →
    record. Never raises for a failure of the report itself: the outcome says "failed", the
    manifest records it, the notebook is kept in ``_failed/`` and the previous good report
    stays in place.
    """
    t0 = time.monotonic()
    started = catalog.now_iso()
    done = already_rendered(job, config)
    if done is not None:
        done.worker = done.worker or _worker_id()
        return done
    report, stem = job.report, job.stem
    config.staging.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{job.rel.replace('/', '-')}-", dir=config.staging))
    if on_staging:
        on_staging(staging)
    staged_nb = staging / f"{stem}.ipynb"
    deadline = t0 + config.job_timeout
    cwd = report.notebook.parent if report.notebook.parent.is_dir() else staging
    kernel: Kernel | None = None
    try:
        try:
            try:
                nb = _load_notebook(job)
                kernel = kernels.take(cwd, config.kernel_env(), prefetch=prefetch)
            except Exception as exc:
                ename = "KernelStartError" if "nb" in locals() else type(exc).__name__
                raise runner._failure(report, None, None, ename, str(exc)) from exc
            if on_kernels:
                on_kernels([p for p in (kernel.pid, *kernels.pids()) if p])
            execute_on_kernel(job, nb, kernel, staged_nb, kernel_name=config.kernel,
                              cell_timeout=config.cell_timeout,
                              job_timeout=config.job_timeout, deadline=deadline)
            kernel.shutdown()
            kernel = None
            staged = _export(job, nb, staging, printer)
            nb.metadata["reportkit"] = {
                "input_hash": job.input_hash, "run_id": config.run_id, "started": started,
                "params": report.params, "data_version": job.inputs["data"],
                "sha256": {fmt: catalog.sha256_file(p) for fmt, p in staged.items()}}
            _write_nb(nb, staged_nb)
            staged["ipynb"] = staged_nb
        except Exception as exc:
            if not isinstance(exc, ExecutionError | ExportError):  # a bug: still isolated
                log.exception("unexpected error rendering %s", job.label())
                exc = runner._failure(report, None, None, type(exc).__name__, str(exc))
            if _ORPHANED.is_set():  # the batch was killed and this worker stopped the kernel:
                os._exit(1)         # not the job's failure; the next run renders it again
            seconds = round(time.monotonic() - t0, 3)
            failed = runner.keep_failed(staged_nb, job.final_dir)
            record_failed(job, config, exc, failed, started=started, seconds=seconds,
                          worker=_worker_id())
            return Outcome.of(job, "failed", seconds=seconds, error=exc.message,
                              fields=_jsonable(exc.fields), worker=_worker_id(),
                              files={k: str(v) for k, v in failed.items()})
        files = _promote(staged, job.final_dir)
        seconds = round(time.monotonic() - t0, 3)
        record_ok(job, config, files, started=started, seconds=seconds, worker=_worker_id())
        return Outcome.of(job, "ok", seconds=seconds, worker=_worker_id(),
                          files={k: str(v) for k, v in files.items()})
    finally:
        if kernel is not None:
            kernel.shutdown()
        shutil.rmtree(staging, ignore_errors=True)


def _export(job: Job, nb: nbformat.NotebookNode, staging: Path,
            printer: Printer | None) -> dict[str, Path]:
    """HTML in this process; PDF by a printer outside it (never next to a kernel loop)."""
    from reportkit import export

    report, stem = job.report, job.stem
    files: dict[str, Path] = {}
    fmt = "html"
    try:
        title = runner.report_title(report)
        files["html"] = export.write_html(nb, staging / f"{stem}.html", title=title,
                                          lang=report.lang)
        if "pdf" in report.formats:
            from reportkit.pdf import PrintJob

            fmt = "pdf"
            files["pdf"] = staging / f"{stem}.pdf"
            (printer or Printer()).print(PrintJob(
                html=files["html"], pdf=files["pdf"], title=title, lang=report.lang,
                office=runner.issuing_office(report), marking=job.marking))
            if not files["pdf"].is_file():
                raise ExportError("the printer wrote no PDF", format="pdf")
    except ExportError as exc:
        raise ExportError(f"{fmt.upper()} export of {report.notebook.name} failed for "
                          f"{job.label()}: {exc.message}", format=fmt,
                          **report.context()) from exc
    except Exception as exc:
        raise ExportError(f"{fmt.upper()} export of {report.notebook.name} failed for "
                          f"{job.label()}: {type(exc).__name__}: {exc}", format=fmt,
                          **report.context()) from exc
    if "html" not in report.formats:
        files.pop("html").unlink(missing_ok=True)
    return files


# --- local execution: a pool of long-lived worker processes ---------------------------------


class _QueuePrinter(Printer):
    """Sends print jobs to the batch's printer process and waits for the answer."""

    def __init__(self, requests: Any, replies: Any, slot: int, timeout: float) -> None:
        self.requests, self.replies, self.slot, self.timeout = requests, replies, slot, timeout

    def print(self, job: Any) -> None:
        request_id = secrets.token_hex(8)
        self.requests.put((self.slot, request_id, job.to_json()))
        deadline = time.monotonic() + self.timeout + 60
        while True:
            try:
                rid, ok, error = self.replies.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise ExportError("the PDF printer did not answer", format="pdf") from None
            if rid == request_id:
                break
        if not ok:
            raise ExportError(f"PDF printing failed: {error}", format="pdf")


def _printer_main(requests: Any, replies: list[Any], timeout: float) -> None:
    """The printer process: one Chromium for the whole batch, no kernel anywhere near it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from reportkit.pdf import PdfPrinter, PrintJob

    printer: PdfPrinter | None = None
    try:
        while True:
            item = requests.get()
            if item is None:
                break
            slot, request_id, data = item
            try:
                if printer is None:
                    printer = PdfPrinter(timeout=timeout)
                    printer.start()
                res = printer.print_job(PrintJob.from_json(data))
                replies[slot].put((request_id, res.ok, res.error))
            except Exception as exc:
                replies[slot].put((request_id, False, f"{type(exc).__name__}: {exc}"))
                with contextlib.suppress(Exception):
                    if printer is not None:
                        printer.close()
                printer = None
    finally:
        if printer is not None:
            with contextlib.suppress(Exception):
                printer.close()


class _ConnHandler(logging.Handler):
    """Forwards a worker's log records to the parent."""

    def __init__(self, send: Callable[[Any], None]) -> None:
        super().__init__(logging.INFO)
        self.send = send

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.send(("log", record.name, record.levelno, self.format(record)))


_ORPHANED = threading.Event()  # set in a worker process whose batch (parent) has gone


def _skip_iri_syntax_checker() -> None:
    """Let this process's jsonschema do without its optional "iri" format checker.

    jsonschema imports ``rfc3987_syntax`` (installed with jupyterlab) for that checker, and
    ``rfc3987_syntax`` builds a Lark grammar when imported: about 1 CPU-second, two thirds of
    what a batch worker spent importing nbclient, papermill and nbconvert. The only schema a
    worker validates is nbformat's, which has no "iri" formats. Marking the module missing
    (None in ``sys.modules``) makes jsonschema skip the checker exactly as it does when the
    package is not installed. Only for reportkit's own worker processes, never a user's.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _worker_main(slot: int, conn: Any, config: RunConfig, print_requests: Any,
                 print_replies: Any) -> None:
    """A worker process: keeps a warm spare kernel, renders the jobs the parent sends."""
    import multiprocessing
    import resource

    _skip_iri_syntax_checker()
    os.setpgrp()  # Ctrl-C goes to the parent, which stops the workers itself
    lock = threading.Lock()
    kernels = WarmKernels(config.kernel, config.warm)
    current: list[int] = []
    parent = multiprocessing.parent_process()

    def orphaned() -> None:  # the batch is gone: stop this worker's kernels and exit
        _ORPHANED.set()  # before the kernels die, so their death is not recorded as a failure
        for pid in kernels.pids() + current:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        os._exit(1)  # the job in hand is not recorded: the next run renders it

    def send(msg: Any) -> None:
        try:
            with lock:
                conn.send(msg)
        except (OSError, EOFError, ValueError):  # a broken pipe: the parent was killed
            orphaned()

    root = logging.getLogger()
    root.handlers[:] = [_ConnHandler(send)]
    root.setLevel(logging.INFO)
    logging.getLogger("traitlets").setLevel(logging.ERROR)

    def watchdog() -> None:  # an orphaned worker stops its kernels and exits
        while parent is None or parent.is_alive():
            time.sleep(1.0)
        orphaned()

    threading.Thread(target=watchdog, daemon=True).start()
    printer = (_QueuePrinter(print_requests, print_replies, slot, config.pdf_timeout)
               if print_requests is not None else None)
    import nbclient  # noqa: F401  (imports paid once per worker, while the kernel warms)
    import papermill.parameterize  # noqa: F401

    from reportkit import export  # noqa: F401

    kernels.prime(_default_cwd(config), config.kernel_env())
    send(("ready", os.getpid()))
    jobs = 0
    while True:
        msg = conn.recv()
        if msg is None:
            break
        job, prefetch = msg

        def on_kernels(pids: list[int]) -> None:
            current[:] = pids
            send(("kernels", pids))

        outcome = render(job, config, kernels=kernels, printer=printer, prefetch=prefetch,
                         on_kernels=on_kernels,
                         on_staging=lambda path: send(("staging", str(path))))
        current.clear()
        jobs += 1
        send(("done", outcome))
    kernels.close()
    send(("bye", {"pid": os.getpid(), "jobs": jobs,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "kernel_peak_rss_mb":
                      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def _default_cwd(config: RunConfig) -> Path:
    cwd = config.default_cwd or config.project / "notebooks"
    return cwd if cwd.is_dir() else config.project


@dataclass
class _Slot:
    index: int
    process: Any
    conn: Any
    ready: bool = False
    job: Job | None = None
    started: float = 0.0
    staging: Path | None = None
    kernels: list[int] = field(default_factory=list)


class LocalPool:
    """N long-lived worker processes (spawned), each with a warm spare kernel."""

    def __init__(self, config: RunConfig, workers: int, *, pdf: bool = False,
                 target: Callable[..., None] | None = None) -> None:
        import multiprocessing

        self.config, self.n = config, workers
        self.target = target or _worker_main
        self.ctx = multiprocessing.get_context("spawn")
        self.slots: list[_Slot] = []
        self.stats: list[dict[str, Any]] = []
        self.start_failures = 0
        self.printer = None
        self.print_requests = None
        self.print_replies: list[Any] = [None] * workers
        if pdf:
            self.print_requests = self.ctx.Queue()
            self.print_replies = [self.ctx.Queue() for _ in range(workers)]
            self.printer = self.ctx.Process(
                target=_printer_main, name="reportkit-printer", daemon=True,
                args=(self.print_requests, self.print_replies, config.pdf_timeout))
            self.printer.start()

    def _spawn(self, index: int) -> _Slot:
        parent_conn, child_conn = self.ctx.Pipe()
        proc = self.ctx.Process(target=self.target, name=f"reportkit-worker-{index}",
                                args=(index, child_conn, self.config, self.print_requests,
                                      self.print_replies[index]), daemon=True)
        proc.start()
        child_conn.close()
        return _Slot(index, proc, parent_conn)

    def run(self, jobs: list[Job], on_outcome: Callable[[Outcome], None]) -> None:
        """Render ``jobs``; call ``on_outcome`` as each finishes. KeyboardInterrupt stops
        every worker and kernel before it propagates."""
        from multiprocessing.connection import wait

        pending = deque(jobs)
        self.slots = [self._spawn(i) for i in range(min(self.n, len(jobs)))]
        try:
            while pending or any(s.job for s in self.slots):
                live = [s for s in self.slots if s.process is not None]
                handles = [s.conn for s in live] + [s.process.sentinel for s in live]
                for ready in wait(handles, timeout=0.5):
                    for slot in live:
                        if ready is slot.conn:
                            self._drain(slot, pending, on_outcome)
                        elif slot.process is not None and ready == slot.process.sentinel:
                            self._drain(slot, pending, on_outcome)
                            if slot.process.is_alive():
                                continue
                            code = slot.process.exitcode
                            if not slot.ready:
                                self.start_failures += 1
                            self._lost(slot, "WorkerDied", f"the worker process running it "
                                       f"died (exit code {code})", on_outcome)
                            if self.start_failures >= 3:
                                self._give_up(pending, code, on_outcome)
                            if pending:
                                self.slots[slot.index] = self._spawn(slot.index)
                            else:
                                slot.process = None
                now = time.monotonic()
                for slot in self.slots:
                    limit = self.config.job_timeout + self.config.kill_grace
                    if slot.job is not None and now - slot.started > limit:
                        self._kill(slot)
                        self._lost(slot, "JobTimeout", f"the job ran longer than its limit of "
                                   f"{self.config.job_timeout}s; its worker was stopped",
                                   on_outcome)
                        if pending:
                            self.slots[slot.index] = self._spawn(slot.index)
        except BaseException:
            self.terminate()
            raise
        self.close()

    def _give_up(self, pending: deque[Job], code: int | None,
                 on_outcome: Callable[[Outcome], None]) -> None:
        """Workers die before they can take a job: fail what is left instead of looping."""
        while pending:
            job = pending.popleft()
            error = runner._failure(job.report, None, None, "WorkerStartError",
                                    f"batch workers could not start (exit code {code}); "
                                    "see the log above")
            record_failed(job, self.config, error, {}, started="", seconds=0.0, worker="")
            on_outcome(Outcome.of(job, "failed", error=error.message,
                                  fields=_jsonable(error.fields)))

    def in_flight(self) -> list[Job]:
        """Jobs running right now."""
        return [s.job for s in self.slots if s.job is not None]

    def _drain(self, slot: _Slot, pending: deque[Job],
               on_outcome: Callable[[Outcome], None]) -> None:
        while True:
            try:
                if not slot.conn.poll():
                    return
                msg = slot.conn.recv()
            except (EOFError, OSError):
                return
            kind = msg[0]
            if kind == "ready":
                slot.ready = True
                self._assign(slot, pending)
            elif kind == "staging":
                slot.staging = Path(msg[1])
            elif kind == "kernels":
                slot.kernels = list(msg[1])
            elif kind == "log":
                logging.getLogger(msg[1]).log(msg[2], "%s", msg[3])
            elif kind == "done":
                slot.job, slot.staging, slot.kernels = None, None, []
                on_outcome(msg[1])
                self._assign(slot, pending)
            elif kind == "bye":
                self.stats.append(msg[1])

    def _assign(self, slot: _Slot, pending: deque[Job]) -> None:
        if pending and slot.job is None:
            job = pending.popleft()
            slot.job, slot.started, slot.staging, slot.kernels = job, time.monotonic(), None, []
            slot.conn.send((job, bool(pending)))

    def _kill(self, slot: _Slot) -> None:
        for pid in slot.kernels:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if slot.process is not None and slot.process.is_alive():
            slot.process.kill()
            slot.process.join(5)

    def _lost(self, slot: _Slot, ename: str, message: str,
              on_outcome: Callable[[Outcome], None]) -> None:
        """The job of a dead or killed worker: failed, notebook kept, manifest updated."""
        job, slot.job = slot.job, None
        for pid in slot.kernels:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if job is None:
            return
        done = already_rendered(job, self.config)  # it died after promoting the report
        if done is not None and done.status == "ok":
            if slot.staging is not None:
                shutil.rmtree(slot.staging, ignore_errors=True)
            on_outcome(done)
            return
        seconds = round(time.monotonic() - slot.started, 3)
        error = runner._failure(job.report, None, None, ename, message)
        failed: dict[str, Path] = {}
        if slot.staging is not None:
            failed = runner.keep_failed(slot.staging / f"{job.stem}.ipynb", job.final_dir)
            shutil.rmtree(slot.staging, ignore_errors=True)
        record_failed(job, self.config, error, failed, started="", seconds=seconds,
                      worker=f"{socket.gethostname()}:{slot.process.pid if slot.process else 0}")
        on_outcome(Outcome.of(job, "failed", seconds=seconds, error=error.message,
                              fields=_jsonable(error.fields),
                              files={k: str(v) for k, v in failed.items()}))

    def close(self) -> None:
        """Ask idle workers to stop, collect their statistics, stop the printer."""
        for slot in self.slots:
            if slot.process is None:
                continue
            with contextlib.suppress(OSError, BrokenPipeError):
                slot.conn.send(None)
        deadline = time.monotonic() + 30
        for slot in self.slots:
            if slot.process is None:
                continue
            while slot.process.is_alive() and time.monotonic() < deadline:
                with contextlib.suppress(EOFError, OSError):
                    if slot.conn.poll(0.2):
                        msg = slot.conn.recv()
                        if msg[0] == "bye":
                            self.stats.append(msg[1])
                        elif msg[0] == "log":
                            logging.getLogger(msg[1]).log(msg[2], "%s", msg[3])
                slot.process.join(0.01)
            self._drain(slot, deque(), lambda _o: None)
            if slot.process.is_alive():
                self._kill(slot)
        self._stop_printer()

    def terminate(self) -> None:
        """Stop everything now (interrupt): kernels, workers, printer."""
        for slot in self.slots:
            self._kill(slot)
        self._stop_printer()

    def _stop_printer(self) -> None:
        if self.printer is not None:
            with contextlib.suppress(Exception):
                self.print_requests.put(None)
            self.printer.join(10)
            if self.printer.is_alive():
                self.printer.kill()
            self.printer = None


# --- the whole batch ------------------------------------------------------------------------


@dataclass
class BatchResult:
    """The outcome of a batch: one Outcome per job, in plan order."""

    run_id: str
    outcomes: list[Outcome]
    seconds: float
    interrupted: bool = False
    workers: list[dict[str, Any]] = field(default_factory=list)
    period_dirs: list[Path] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many jobs ended with ``status``."""
        return sum(o.status == status for o in self.outcomes)

    @property
    def ok(self) -> bool:
        """True when every job succeeded or was skipped as unchanged."""
        return not self.interrupted and all(o.status in ("ok", "skipped") for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 only when every job succeeded or was skipped; else 1."""
        from reportkit.errors import EXIT_FAILED, EXIT_OK

        return EXIT_OK if self.ok else EXIT_FAILED


def new_run_id() -> str:
    """A sortable, unique run id: "20251005T061502-3fa2c1"."""
    return f"{datetime.now():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


@contextlib.contextmanager
def _run_lock(config: RunConfig) -> Iterator[None]:
    """Hold ``.staging/batch-<run>.lock`` for the run; clear staging left by dead runs."""
    base = config.output_root / runner.STAGING
    base.mkdir(parents=True, exist_ok=True)
    for lock in base.glob("batch-*.lock"):
        with open(lock, "a+b") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live run
            shutil.rmtree(base / lock.stem, ignore_errors=True)
            lock.unlink(missing_ok=True)
    lock_path = base / f"batch-{config.run_id}.lock"
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            shutil.rmtree(config.staging, ignore_errors=True)
            lock_path.unlink(missing_ok=True)


class Progress:
    """A tqdm bar on a terminal; otherwise one log line per job (for cron)."""

    def __init__(self, total: int, *, bar: bool | None = None) -> None:
        self.total, self.done = total, 0
        self.bar = None
        use_bar = sys.stderr.isatty() if bar is None else bar
        if use_bar and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="report", file=sys.stderr, dynamic_ncols=True)

    def __call__(self, outcome: Outcome) -> None:
        self.done += 1
        who = f"{outcome.unit} ({outcome.unit_name})" if outcome.unit else "national"
        line = (f"{outcome.status:<7} {Path(outcome.notebook).stem} {who} {outcome.period} in "
                f"{outcome.seconds:.1f}s [{self.done}/{self.total}]")
        if outcome.error:
            line += f": {outcome.error}"
        if self.bar is not None:
            self.bar.update(1)
            if outcome.status == "failed":
                self.bar.write(line, file=sys.stderr)
        elif outcome.status == "failed":
            log.warning("%s", line)
        else:
            log.info("%s", line)

    def close(self) -> None:
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()

    def logging_context(self) -> contextlib.AbstractContextManager[Any]:
        """Route log lines above the bar while it is shown."""
        if self.bar is None:
            return contextlib.nullcontext()
        from tqdm.contrib.logging import logging_redirect_tqdm

        return logging_redirect_tqdm()


def execute_plan(plan: Plan, *, workers: int | None = None, scheduler: str | None = None,
                 force: bool = False, cell_timeout: int | None = None,
                 job_timeout: int | None = None, progress: bool | None = None,
                 run_id: str | None = None) -> BatchResult:
    """Run the plan's "run" jobs (locally, or on a Dask cluster at ``scheduler``).

    Skipped jobs cost nothing: when nothing needs to run, no worker or kernel starts.
    Ctrl-C or SIGTERM stops the workers and kernels; reports finished so far stay promoted
    and recorded, so running the same command again finishes the rest.
    """
    t0 = time.monotonic()
    sched = plan.schedule
    config = RunConfig(
        run_id=run_id or new_run_id(), output_root=plan.output_root, project=sched.project,
        warehouse=plan.warehouse, kernel=plan.kernel,
        cell_timeout=cell_timeout or sched.cell_timeout,
        job_timeout=job_timeout or sched.job_timeout, warm=sched.warm, force=force)
    outcomes: dict[str, Outcome] = {}
    for d in plan.decisions:
        if d.action == "skip":
            outcomes[d.job.key] = Outcome.of(d.job, "skipped", reason=d.reason)
        elif d.action == "carry":
            prev = d.previous or {}
            outcomes[d.job.key] = Outcome.of(d.job, "failed", reason=d.reason,
                                             error=f"(unchanged since run {prev.get('run_id')})"
                                                   f" {prev.get('error')}")
    # National reports first: they are the longest, starting them early shortens the run.
    todo = sorted((d.job for d in plan.decisions if d.action == "run"),
                  key=lambda j: j.unit is not None)
    folders = Counter(j.report.notebook.parent for j in todo).most_common(1)
    config = replace(config, default_cwd=folders[0][0] if folders else None)
    result = BatchResult(config.run_id, [], 0.0,
                         period_dirs=sorted({d.job.period_dir for d in plan.decisions}))
    bar = Progress(len(todo), bar=progress)
    pool: LocalPool | None = None

    def on_outcome(outcome: Outcome) -> None:
        outcomes[outcome.key] = outcome
        bar(outcome)

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if todo:
            log.info("run %s: %d job(s) to run, %d unchanged, %s", config.run_id, len(todo),
                     plan.count("skip"), f"on {scheduler}" if scheduler else
                     f"{min(workers or os.cpu_count() or 1, len(todo))} local worker(s)")
            with _run_lock(config), bar.logging_context():
                if scheduler:
                    from reportkit.distributed import run_on_dask

                    result.workers = run_on_dask(todo, config, scheduler, on_outcome)
                else:
                    n = max(1, min(workers or sched.workers or os.cpu_count() or 1, len(todo)))
                    pool = LocalPool(config, n, pdf=any("pdf" in j.report.formats
                                                        for j in todo))
                    pool.run(todo, on_outcome)
                    result.workers = pool.stats
    except KeyboardInterrupt:
        result.interrupted = True
        running = {j.key for j in (pool.in_flight() if pool else [])}
        for job in todo:
            if job.key not in outcomes:
                status = "interrupted" if job.key in running else "not run"
                outcomes[job.key] = Outcome.of(job, status, reason="the batch was interrupted")
                if status == "interrupted":
                    catalog.append_event(job.period_dir, job.rel, {
                        "run_id": config.run_id, "status": "interrupted",
                        "input_hash": job.input_hash})
    finally:
        bar.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    for period_dir in result.period_dirs:
        if (period_dir / catalog.MANIFEST).is_file():
            with contextlib.suppress(OSError):
                catalog.write_index(period_dir, catalog.load_manifest(period_dir))
    if plan.output_root.is_dir():
        with contextlib.suppress(OSError):
            catalog.write_root_index(plan.output_root)
    result.outcomes = [outcomes.get(d.job.key) or Outcome.of(d.job, "not run")
                       for d in plan.decisions]
    result.seconds = round(time.monotonic() - t0, 3)
    return result


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# --- text output ----------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]], wrap_last: bool = True) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    if wrap_last:
        widths[-1] = len(header[-1])
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    return "\n".join(lines)


def _unit_cell(unit: str | None, name: str | None) -> str:
    return f"{unit} {name}" if unit else "national"


def summary_table(result: BatchResult, *, max_rows: int = 100) -> str:
    """The end-of-batch table (report, unit, period, status, seconds, error) and totals.

    Above ``max_rows`` jobs, skipped jobs are counted instead of listed.
    """
    shown = result.outcomes
    hidden = 0
    if len(shown) > max_rows:
        shown = [o for o in result.outcomes if o.status != "skipped"]
        hidden = len(result.outcomes) - len(shown)
    rows = [[Path(o.notebook).stem, _unit_cell(o.unit, o.unit_name), o.period, o.status,
             f"{o.seconds:.1f}" if o.status in ("ok", "failed") and o.seconds else "",
             re.sub(r"\s+", " ", o.error or "")] for o in shown]
    text = _table(["report", "unit", "period", "status", "seconds", "error"], rows)
    if hidden:
        text += f"\n({hidden} unchanged report(s) skipped, not listed)"
    counts = ", ".join(f"{result.count(s)} {s}" for s in STATUSES if result.count(s))
    text += (f"\n{len(result.outcomes)} job(s): {counts}; {result.seconds:.1f}s "
             f"(run {result.run_id})")
    if result.interrupted:
        text += ("\ninterrupted: finished reports are kept; run the same command again to do "
                 "the rest")
    return text


def worker_lines(result: BatchResult) -> list[str]:
    """One line per worker: reports rendered and peak memory (worker, largest kernel)."""
    lines = []
    for w in result.workers:
        where = w.get("worker") or f"{w.get('host', socket.gethostname())}:{w.get('pid')}"
        jobs = f"{w['jobs']} report(s), " if "jobs" in w else ""
        lines.append(f"worker {where}: {jobs}peak RSS {w['peak_rss_mb']:.0f} MB, largest "
                     f"kernel {w['kernel_peak_rss_mb']:.0f} MB")
    return lines


def plan_table(plan: Plan) -> str:
    """The dry-run listing: what would run or be skipped, and why."""
    rows = [[d.job.stem, _unit_cell(d.job.unit, d.job.unit_name), d.job.period,
             {"run": "run", "skip": "skip", "carry": "failed"}[d.action],
             str(d.job.final_dir.relative_to(plan.output_root)), d.reason]
            for d in plan.decisions]
    text = _table(["report", "unit", "period", "action", "folder", "why"], rows)
    return (f"{text}\n{len(plan.decisions)} job(s): {plan.count('run')} to run, "
            f"{plan.count('skip')} unchanged, {plan.count('carry')} failed before and "
            f"unchanged; output {plan.output_root}; warehouse {plan.warehouse}")


def override(schedule: Schedule, **changes: Any) -> Schedule:
    """A copy of ``schedule`` with some fields replaced (tests, benchmarks)."""
    return replace(schedule, **changes)
