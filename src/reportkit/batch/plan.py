"""Planning a batch: schedules (``params/*.yaml``), jobs and their input hashes, and the
run/skip decision for each — everything that happens before the first kernel starts.

``load_schedule`` → ``plan_batch`` → :class:`Plan` (its jobs, each validated like ``reportkit
run`` and decided: new, changed, skipped, failed before). :mod:`reportkit.batch.execute` runs it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportkit import __version__
from reportkit.core import i18n
from reportkit.core import units as U
from reportkit.core.periods import Period, default_rule
from reportkit.errors import (
    ConfigError,
    ExportError,
    ParameterError,
    PeriodError,
    ScheduleError,
    Text,
    UnitError,
    WarehouseError,
)
from reportkit.rendering import catalog, runner

if TYPE_CHECKING:
    pass

log = logging.getLogger("reportkit.batch.run")

__all__ = ["Schedule", "Job", "Decision", "Plan", "load_schedule", "plan_batch", "input_hash",
           "plan_table", "override", "check_output_root", "TRANSIENT"]

DEFAULT_WARM = ("pandas", "matplotlib", "matplotlib.pyplot", "ipywidgets",
                "reportkit.presentation.report", "reportkit.presentation.charts",
                "reportkit.presentation.petitions", "reportkit.presentation.widgets",
                "reportkit.presentation:warm_up")
DEFAULT_CELL_TIMEOUT = 300
DEFAULT_JOB_TIMEOUT = 1800
DEFAULT_KERNEL_MEMORY_MB = 2048  # per kernel, above what the warmed template already maps
DEFAULT_OUTPUT_MB = 25  # per report file (HTML, PDF): a bigger one is a broken report
RENDERER = "inline"
UNIT_SETS = ("all", "old", "new", "national")
EVERY = ("month", "quarter", "half", "year")
STATUSES = ("ok", "skipped", "failed", "interrupted", "not run")
# Failures that say nothing about the report: its worker or kernel died, it ran out of time,
# nothing could start. Such a job is tried again once in the same run, and again by
# the next run; a cell that raised waits for --retry-failed (same inputs, same error).
TRANSIENT = frozenset({"WorkerDied", "JobTimeout", "CellTimeoutError", "DeadKernelError",
                       "KernelStartError", "WorkerStartError"})
_SCHEDULE_KEYS = {"description", "notebook", "notebooks", "units", "period", "periods", "every",
                  "formats", "lang", "params", "timeouts", "kernel", "warm", "out", "workers",
                  "limits"}
_NOTEBOOK_KEYS = {"path", "units", "params"}
SCHEDULE_MAX_BYTES = 256 * 1024
SCHEDULE_MAX_ALIASES = 100
SCHEDULE_MAX_DEPTH = 20


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
    kernel_memory_mb: int = DEFAULT_KERNEL_MEMORY_MB
    output_mb: int = DEFAULT_OUTPUT_MB

    @property
    def name(self) -> str:
        """The file's stem, e.g. "quarterly"."""
        return self.path.stem


def _project_of(path: Path) -> Path:
    """Relative paths in a schedule are relative to the project folder: the parent of
    ``params/`` when the schedule lives there, else the schedule's own folder."""
    folder = path.resolve().parent
    return folder.parent if folder.name == "params" else folder


def _units_value(value: Any, where: str, problems: list[Text | str]
                 ) -> str | tuple[str, ...] | None:
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
        problems.append(Text("schedule.unit_codes_text", {
            "where": where, "got": ", ".join(map(_short, bad[:5]))}))
        return None
    problems.append(Text("schedule.units", {"where": where, "sets": ", ".join(UNIT_SETS),
                                            "got": _short(value)}))
    return None


def _short(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 1]}… ({len(text)} characters)"


def _read_yaml(path: Path) -> Any:
    """``yaml.safe_load`` of a schedule within the limits (size, aliases, nesting depth),
    checked on the event stream before anything is built: an alias bomb or a deep nest is
    refused in milliseconds instead of taking gigabytes or raising RecursionError."""
    import yaml

    try:
        size = path.stat().st_size
        if size > SCHEDULE_MAX_BYTES:
            raise ScheduleError(f"Schedule {path} is {size:,} bytes; the limit is "
                              f"{SCHEDULE_MAX_BYTES:,}", file=str(path))
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read schedule {path}: {exc}", file=str(path)) from None
    try:
        aliases = depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > SCHEDULE_MAX_ALIASES:
                    raise ScheduleError(f"Schedule {path} uses more than {SCHEDULE_MAX_ALIASES} "
                                      "YAML aliases (*name)", file=str(path))
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > SCHEDULE_MAX_DEPTH:
                    raise ScheduleError(f"Schedule {path} is nested deeper than "
                                      f"{SCHEDULE_MAX_DEPTH} levels", file=str(path))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScheduleError(f"Schedule {path} is not valid YAML: {str(exc)[:300]}",
                          file=str(path)) from None


def shipped_notebooks() -> Path:
    """The ``notebooks/`` folder that ships with reportkit (beside ``src/``)."""
    return Path(__file__).resolve().parents[3] / "notebooks"


def _notebook_allowed(nb: Path, project: Path, extra: tuple[Path, ...]) -> bool:
    allowed = (project / "notebooks", shipped_notebooks(), *extra)
    real = nb.resolve()
    return any(real.is_relative_to(d.resolve()) for d in allowed)


def load_schedule(path: str | Path, *, notebook_dirs: tuple[Path, ...] = ()) -> Schedule:
    """Read and check a schedule YAML file; every problem is reported at once.

    A schedule names notebooks from the project's ``notebooks/`` (or reportkit's own) only;
    ``notebook_dirs`` are further folders the operator allowed on the command line. A schedule
    file must not be able to publish what any notebook on the machine renders.

    Raises:
        ConfigError: the file is missing, too big, too deep, not YAML, or has unknown keys or
            wrong types.
    """
    path = Path(path)
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise i18n.error(ScheduleError, "schedule.not_mapping", {"file": str(path)}, path=path)
    problems: list[Text | str] = []
    unknown = sorted(str(k) for k in set(data) - _SCHEDULE_KEYS)
    if unknown:
        names = ", ".join(k[:40] for k in unknown[:10])
        problems.append(Text("schedule.unknown_keys", {
            "names": names, "takes": ", ".join(sorted(_SCHEDULE_KEYS))}))
    project = _project_of(path)
    raw_nbs = data.get("notebooks", [data["notebook"]] if "notebook" in data else [])
    notebooks: list[NotebookSpec] = []
    if not isinstance(raw_nbs, list) or not raw_nbs:
        problems.append(Text("schedule.no_notebooks", {}))
        raw_nbs = []
    for i, item in enumerate(raw_nbs):
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            problems.append(Text("schedule.notebook_item", {"i": i, "got": _short(item)}))
            continue
        extra = sorted(str(k) for k in set(item) - _NOTEBOOK_KEYS)
        if extra:
            names = ", ".join(k[:40] for k in extra[:10])
            problems.append(Text("schedule.notebook_keys", {
                "i": i, "names": names, "takes": ", ".join(sorted(_NOTEBOOK_KEYS))}))
        nb_params = item.get("params") or {}
        if not isinstance(nb_params, dict):
            problems.append(Text("schedule.notebook_params", {"i": i}))
            nb_params = {}
        nb_path = Path(item["path"])
        nb_path = (nb_path if nb_path.is_absolute() else project / nb_path).resolve()
        if not _notebook_allowed(nb_path, project, notebook_dirs):
            problems.append(Text("schedule.notebook_outside", {
                "i": i, "path": _short(str(nb_path)), "folder": project / "notebooks"}))
            continue
        notebooks.append(NotebookSpec(
            path=nb_path,
            units=_units_value(item.get("units"), f"notebooks[{i}].units", problems),
            params=dict(nb_params)))
    periods = data.get("periods", [data["period"]] if "period" in data else [])
    if isinstance(periods, str):
        periods = [periods]
    if not isinstance(periods, list) or not all(isinstance(p, str) for p in periods):
        problems.append(Text("schedule.periods", {}))
        periods = []
    every = data.get("every")
    if every is not None and every not in EVERY:
        problems.append(Text("schedule.every", {"every": ", ".join(EVERY),
                                                "got": _short(every)}))
    formats = data.get("formats", ["html"])
    formats = [formats] if isinstance(formats, str) else formats
    if not isinstance(formats, list) or not all(f in ("html", "pdf", "docx") for f in formats):
        problems.append(Text("schedule.formats", {"got": _short(formats)}))
        formats = ["html"]
    lang = data.get("lang", "vi")
    if lang not in runner.LANGS:
        problems.append(Text("schedule.lang", {"langs": ", ".join(runner.LANGS),
                                               "got": _short(lang)}))
    params = data.get("params") or {}
    if not isinstance(params, dict):
        problems.append(Text("schedule.params", {}))
        params = {}
    timeouts = data.get("timeouts") or {}
    if not isinstance(timeouts, dict) or set(timeouts) - {"cell", "job"} or not all(
            isinstance(v, int) and v > 0 for v in timeouts.values()):
        problems.append(Text("schedule.timeouts", {}))
        timeouts = {}
    limits = data.get("limits") or {}
    if not isinstance(limits, dict) or set(limits) - {"kernel_memory_mb", "output_mb"} or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in limits.values()):
        problems.append(Text("schedule.limits", {}))
        limits = {}
    warm = data.get("warm", list(DEFAULT_WARM))
    if not isinstance(warm, list) or not all(isinstance(m, str) for m in warm):
        problems.append(Text("schedule.warm", {}))
        warm = list(DEFAULT_WARM)
    workers = data.get("workers")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        problems.append(Text("schedule.workers", {"got": _short(workers)}))
        workers = None
    out = data.get("out")
    if out is not None and not isinstance(out, str):
        problems.append(Text("schedule.out", {}))
        out = None
    units = _units_value(data.get("units", "all"), "units", problems)
    if problems:
        raise i18n.error(ScheduleError, "schedule.bad",
                         {"file": str(path), "problems": [i18n.render(p, "en") for p in problems]},
                         path=path, problems=problems)
    return Schedule(
        path=path.resolve(), project=project, notebooks=tuple(notebooks),
        units=units or "all", periods=tuple(periods), every=every, formats=tuple(formats),
        lang=lang, params=dict(params), cell_timeout=timeouts.get("cell", DEFAULT_CELL_TIMEOUT),
        job_timeout=timeouts.get("job", DEFAULT_JOB_TIMEOUT),
        kernel=str(data.get("kernel", "reportkit")), warm=tuple(warm),
        out=(project / out).resolve() if out else None, workers=workers,
        description=str(data.get("description", ""))[:2000],
        kernel_memory_mb=limits.get("kernel_memory_mb", DEFAULT_KERNEL_MEMORY_MB),
        output_mb=limits.get("output_mb", DEFAULT_OUTPUT_MB))


# Folders an output root may never be, or (the first group) be inside of.
_SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/run",
                 "/sbin", "/sys", "/usr")
_SYSTEM_FOLDERS = ("/", "/home", "/var", "/tmp", "/opt", "/srv", "/mnt", "/media", "/root")


def check_output_root(root: Path, warehouse: Path) -> None:
    """Refuse an output root that resolves to ``/``, a system folder, a home folder itself or
    the warehouse (``out: ../../`` from ``params/`` is ``/`` on some machines).

    Raises:
        ScheduleError: the folder is not a safe place for reports.
    """
    real = root.resolve()
    home = Path.home().resolve()
    bad = (str(real) in _SYSTEM_FOLDERS or real == home
           or any(real == Path(t) or real.is_relative_to(t) for t in _SYSTEM_TREES))
    if bad:
        raise i18n.error(ScheduleError, "plan.unsafe_out", {"file": str(root)}, folder=real)
    wh = warehouse.resolve()
    if real == wh or real.is_relative_to(wh):
        raise i18n.error(ScheduleError, "plan.out_in_warehouse", {"file": str(root)},
                         folder=real)


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


def resolve_units(spec: str | tuple[str, ...], p: Period) -> list[str | None]:
    """Unit codes or names for a period: ``all`` = units in force at the period's end,
    ``old`` = the 63 units before 1 July 2025, ``new`` = the 34 after, ``national`` = one
    report for the whole country (``unit=None``, e.g. the petitions notebook's national view);
    lists as given (they are resolved, and checked, when the job is validated)."""
    if spec == "national":
        return [None]
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
    rel: str  # within the period folder: "15-lao-cai/province_report" (".en" for English)
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
        """The report's file stem: the notebook's, with ".en" for an English report."""
        return self.report.file_stem

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
    periods, see :func:`reportkit.presentation.blocks.trend_periods`), the same periods a year
    earlier, and at least six years back, whichever reaches further."""
    n = {"month": 13, "quarter": 8}.get(p.kind, 5)
    first = p
    for _ in range(n - 1):
        first = first.previous()
    start = min(first.same_period_last_year().first, date(p.first.year - 6, p.first.month, 1))
    return Period.range(start, p.last)


def data_versions(warehouse: Path, p: Period,
                  cache: dict[tuple[str, str], str] | None = None, *,
                  snapshot: dict[str, Any] | None = None) -> dict[str, str]:
    """Data versions of the national slice a report of ``p`` reads, per table, in the
    catalogue ``snapshot`` (the batch's pinned catalogue; default: the live one).

    Partitions are per unit *and era*, so a report before 1 July 2025 depends only on the
    old units' partitions: loading new months does not invalidate the back-fill.
    """
    from reportkit.store.warehouse import Warehouse, slice_keys

    wh = Warehouse(warehouse)
    window = data_window(p)
    out = {}
    for table in ("activity", "petitions"):
        ck = (table, str(window))
        if cache is None or ck not in cache:
            version = wh.data_version(table, slice_keys(None, window), catalog=snapshot)
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
    # The catalogue every report of the batch reads (pinned when the batch runs).
    catalog: bytes = field(default=b"", repr=False)

    @property
    def catalog_sha(self) -> str:
        """The sha256 of the planned catalogue (the batch's warehouse snapshot)."""
        return hashlib.sha256(self.catalog).hexdigest()

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
        ename = (entry.get("error_fields") or {}).get("ename")
        if ename in TRANSIENT:
            return Decision(job, "run", f"retry: failed in run {entry.get('run_id')} for a "
                                        f"reason outside the report ({ename})", entry)
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
               force: bool = False, retry_failed: bool = False,
               allow_empty: bool = False, notebook_dirs: tuple[Path, ...] = ()) -> Plan:
    """Expand a schedule into jobs, validate every job and decide what to run.

    No kernel is started. Every job's parameters get the checks of ``reportkit run``
    (:func:`reportkit.rendering.runner.prepare_report`); all problems are collected and raised
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
        allow_empty: Plan periods with no submitted data, or in the future (reports of
            dashes); refused otherwise.
        notebook_dirs: Folders besides the project's ``notebooks/`` a schedule file may
            name notebooks from (see :func:`load_schedule`).

    Raises:
        ConfigError: bad schedule, missing warehouse or notebook, unsafe output folder.
        WarehouseError: the warehouse holds no data.
        PeriodError: a period with no data or in the future (without ``allow_empty``).
        ParameterError: some jobs have bad parameters (all are listed).
    """
    if not isinstance(schedule, Schedule):
        schedule = load_schedule(schedule, notebook_dirs=tuple(notebook_dirs))
    today = today or date.today()
    root = Path(out or schedule.out or schedule.project / "outputs").resolve()
    wh_root = Path(warehouse or os.environ.get("REPORTKIT_WAREHOUSE")
                   or schedule.project / "data" / "warehouse").resolve()
    if not (wh_root / "catalog.json").is_file():
        raise i18n.error(ConfigError, "warehouse.missing_batch", {"file": str(wh_root)},
                         root=wh_root)
    check_output_root(root, wh_root)
    from reportkit.store.warehouse import Warehouse

    wh = Warehouse(wh_root)
    snapshot_bytes = wh.catalog_bytes()
    try:
        snapshot = json.loads(snapshot_bytes)
    except ValueError as exc:
        raise WarehouseError(f"The warehouse catalogue {wh.catalog_path} is not JSON: {exc}",
                             file=str(wh.catalog_path)) from None
    if not snapshot.get("tables", {}).get("activity"):
        raise i18n.error(WarehouseError, "warehouse.empty", {"file": str(wh_root)},
                         root=wh_root)
    kernel = runner.resolve_kernel(schedule.kernel)
    problems: list[Text | str] = []
    unit_override = _units_value(units, "--units", problems) if units else None
    period_texts = [period] if period else list(schedule.periods)
    if not period_texts:
        problems.append(Text("plan.no_period", {}))
    periods: list[Period] = []
    for text in period_texts:
        try:
            periods += split_period(Period.parse(text, today=today), schedule.every)
        except PeriodError as exc:
            problems.append(exc.text or str(exc))
    if not allow_empty:
        empty = [str(p) for p in periods if p.first > today]
        empty_problems: list[Text | str] = [
            Text("plan.not_begun", {"period": p, "today": f"{today:%Y-%m-%d}"}) for p in empty]
        for p in periods:
            if str(p) not in empty and wh.has_data("activity", p.first, p.last,
                                                   catalog=snapshot) is False:
                empty_problems.append(Text("plan.no_data", {"period": str(p)}))
        if empty_problems:
            raise i18n.error(PeriodError, "plan.nothing_to_report",
                             {"problems": [i18n.render(e, "en") for e in empty_problems]},
                             problems=empty_problems)
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
            problems.append(exc.text or str(exc))
    if problems:
        raise i18n.error(ParameterError, "plan.cannot_plan",
                         {"problems": [i18n.render(e, "en") for e in problems]},
                         problems=problems)
    bad: dict[str, list[str]] = {}  # problem (English) → jobs
    worded: dict[str, Text | str] = {}  # problem (English) → its text, for the operator
    for p in periods:
        data = data_versions(wh_root, p, dv_cache, snapshot=snapshot)
        for nb in schedule.notebooks:
            specs = specs_cache[nb.path]
            targets: list[str | None] = [None]
            if "unit" in specs:
                targets = resolve_units(unit_override or nb.units or schedule.units, p)
            params = {**schedule.params, **nb.params}
            for unit in targets:
                try:
                    rep = runner.prepare_report(nb.path, unit=unit, period=str(p),
                                                lang=schedule.lang, params=params,
                                                formats=schedule.formats)
                except (ParameterError, UnitError, PeriodError, ExportError) as exc:
                    bad.setdefault(str(exc), []).append(f"{nb.path.name} {unit or ''} {p}")
                    worded[str(exc)] = exc.text or str(exc)
                    continue
                final = rep.output_dir(root)
                period_dir = final.parent
                rel = f"{final.name}/{rep.file_stem}"
                inputs = job_inputs(rep, nb_sha[nb.path], data, kernel=kernel)
                job = Job(rep, rel, period_dir, input_hash(inputs), inputs, nb_bytes[nb.path],
                          rep.marking)
                other = jobs.get(job.key)
                if other is not None and other.input_hash != job.input_hash:
                    two = Text("plan.two_jobs", {"key": job.key, "name": nb.path.name})
                    bad.setdefault(i18n.render(two, "en"), []).append(job.key)
                    worded[i18n.render(two, "en")] = two
                jobs.setdefault(job.key, job)
    if bad:
        lines = [Text("plan.bad_job", {"problem": worded[msg], "n": len(where),
                                       "example": where[0].strip()})
                 for msg, where in bad.items()]
        shown: tuple[Text | str, ...] = tuple(
            part for line in lines[:20] for part in ("\n  - ", line))
        if len(lines) > 20:
            shown += (Text("plan.bad_jobs.more", {"n": len(lines) - 20}),)
        raise i18n.error(ParameterError, "plan.bad_jobs",
                         {"problems": [i18n.render(line, "en") for line in lines]},
                         n=sum(map(len, bad.values())), lines=shown)
    decisions = []
    for job in jobs.values():
        if job.period_dir not in manifests:
            manifests[job.period_dir] = catalog.load_manifest(job.period_dir)
        entry = manifests[job.period_dir]["reports"].get(job.rel)
        decisions.append(decide(job, entry, force=force, retry_failed=retry_failed))
    return Plan(schedule, decisions, root, wh_root, kernel, today, snapshot_bytes)


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
