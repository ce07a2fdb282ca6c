"""Running a whole batch: a lock per output folder, the local pool or Dask, progress, interrupts,
and the closing summary.

:func:`execute_plan` takes a :class:`~reportkit.batch.plan.Plan` and runs its jobs with
:class:`~reportkit.batch.run.LocalPool` (this machine) or :func:`~reportkit.batch.dask.run_on_dask`
(``--scheduler``); every job goes through :func:`reportkit.batch.run.render`.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportkit.batch.kernels import WarmKernels
from reportkit.batch.plan import (
    DEFAULT_CELL_TIMEOUT,
    DEFAULT_JOB_TIMEOUT,
    STATUSES,
    TRANSIENT,
    NotebookSpec,
    Plan,
    Schedule,
    _table,
    _unit_cell,
    plan_batch,
)
from reportkit.batch.run import LocalPool, Outcome, RunConfig, render
from reportkit.errors import ConfigError, ExecutionError, ExportError
from reportkit.rendering import catalog, runner

if TYPE_CHECKING:
    pass

log = logging.getLogger("reportkit.batch.run")

__all__ = ["BatchResult", "execute_plan", "run_report", "summary_table", "worker_lines"]

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


LOCK_WAIT = 6 * 3600.0  # seconds a batch waits for another batch writing the same folder


@contextlib.contextmanager
def _folder_lock(base: Path, run_id: str, wait: float) -> Iterator[None]:
    """One batch at a time per output folder: ``<output root>/.batch.lock`` (kept: removing
    a lock file others wait on would let a third batch lock a new one). A second batch waits
    for the first (and then finds its reports rendered: they are skipped), up to ``wait``
    seconds, then refuses."""
    path = base.parent / ".batch.lock"
    with open(path, "a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().decode("utf-8", "replace").strip() or "another run"
            log.warning("another batch (%s) is writing to %s; waiting for it to finish",
                        holder, base.parent)
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() >= deadline:
                        raise ConfigError(f"Another batch ({holder}) is still writing to "
                                          f"{base.parent} after {wait:.0f}s; not starting a "
                                          "second one", file=str(base.parent)) from None
                    time.sleep(min(1.0, max(0.05, wait / 10)))
        fh.seek(0)
        fh.truncate()
        fh.write(f"run {run_id}, pid {os.getpid()} on {socket.gethostname()}".encode())
        fh.flush()
        try:
            yield
        finally:
            fh.truncate(0)


@contextlib.contextmanager
def _run_lock(config: RunConfig, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the output folder's lock and ``.staging/batch-<run>.lock`` for the run; clear
    staging left by dead runs."""
    base = config.output_root / runner.STAGING
    base.mkdir(parents=True, exist_ok=True)
    with _folder_lock(base, config.run_id, wait), _staging_lock(config, base):
        yield


@contextlib.contextmanager
def _staging_lock(config: RunConfig, base: Path) -> Iterator[None]:
    """Hold ``.staging/batch-<run>.lock``; clear the staging of runs that died."""
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
        line = (f"{outcome.status:<7} {outcome.key.rsplit('/', 1)[-1]} {who} {outcome.period} in "
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
                 run_id: str | None = None, inline: bool = False,
                 lock_wait: float = LOCK_WAIT) -> BatchResult:
    """Run the plan's "run" jobs (locally, or on a Dask cluster at ``scheduler``).

    Skipped jobs cost nothing: when nothing needs to run, no worker or kernel starts.
    Ctrl-C or SIGTERM stops the workers and kernels; reports finished so far stay promoted
    and recorded, so running the same command again finishes the rest.

    With ``inline`` the jobs run one after another in this process, each on a fresh kernel
    started for it (no worker process, no fork server): the cheapest way to run one report,
    and the same :func:`~reportkit.batch.run.render` path as every batch.

    One batch at a time writes an output folder: a second one waits up to ``lock_wait``
    seconds for the first (its reports are then found rendered and skipped), then refuses.
    """
    t0 = time.monotonic()
    sched = plan.schedule
    config = RunConfig(
        run_id=run_id or new_run_id(), output_root=plan.output_root, project=sched.project,
        warehouse=plan.warehouse, kernel=plan.kernel,
        cell_timeout=cell_timeout or sched.cell_timeout,
        job_timeout=job_timeout or sched.job_timeout, warm=sched.warm, force=force,
        kernel_memory_mb=sched.kernel_memory_mb, output_mb=sched.output_mb)
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
    pin: Path | None = None
    try:
        if todo:
            log.info("run %s: %d job(s) to run, %d unchanged, %s", config.run_id, len(todo),
                     plan.count("skip"), f"on {scheduler}" if scheduler else
                     f"{min(workers or os.cpu_count() or 1, len(todo))} local worker(s)")
            if any("docx" in j.report.formats for j in todo):
                # Word needs each chart as a bitmap: the kernels put a PNG beside each SVG
                # (reportkit.presentation.charts.PNG_ENV, not imported here: it would load
                # matplotlib into planning). Only runs that write DOCX pay for it.
                config = replace(config, extra_env={**config.extra_env,
                                                    "REPORTKIT_CHART_PNG": "1"})
            if plan.catalog:
                from reportkit.store.warehouse import ENV_SNAPSHOT, Warehouse

                # One snapshot per batch: every kernel reads the catalogue the plan (and so
                # every job's data version) was made from, whatever an ingest does meanwhile.
                pin = Warehouse(plan.warehouse).pin(plan.catalog, config.run_id)
                config = replace(config, extra_env={**config.extra_env,
                                                    ENV_SNAPSHOT: str(pin)})
            with _run_lock(config, lock_wait), bar.logging_context():
                if scheduler:
                    from reportkit.batch.dask import run_on_dask

                    result.workers = run_on_dask(todo, config, scheduler, on_outcome)
                elif inline:
                    kernels = WarmKernels(config.kernel, (), fork=False)
                    try:
                        for job in todo:
                            outcome = render(job, config, kernels=kernels, prefetch=False)
                            if (outcome.status == "failed"
                                    and outcome.fields.get("ename") in TRANSIENT):
                                log.warning("retrying %s once: %s", job.label(), outcome.error)
                                outcome = render(job, config, kernels=kernels, prefetch=False)
                            on_outcome(outcome)
                    finally:
                        kernels.close()
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
        if pin is not None:
            pin.unlink(missing_ok=True)  # Warehouse.unpin: later writes may collect its files
    for period_dir in result.period_dirs:
        if (period_dir / catalog.MANIFEST).is_file():
            with contextlib.suppress(OSError):
                catalog.refresh_index(period_dir)
    if plan.output_root.is_dir():
        with contextlib.suppress(OSError):
            catalog.write_root_index(plan.output_root)
    result.outcomes = [outcomes.get(d.job.key) or Outcome.of(d.job, "not run")
                       for d in plan.decisions]
    result.seconds = round(time.monotonic() - t0, 3)
    return result


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# --- one report -----------------------------------------------------------------------------


def run_report(notebook: str | Path, *, unit: str | None = None, period: str,
               lang: str = "vi", params: dict[str, Any] | None = None,
               output_root: Path | str | None = None, formats: tuple[str, ...] = ("html",),
               kernel_name: str = "reportkit", cell_timeout: int = DEFAULT_CELL_TIMEOUT,
               job_timeout: int = DEFAULT_JOB_TIMEOUT, warehouse: Path | str | None = None,
               raise_on_error: bool = True, allow_empty: bool = False) -> runner.ReportResult:
    """Execute and export one report: a batch of one (what ``reportkit run`` does).

    The report is planned like any batch job (parameters checked against the notebook before
    any kernel starts, input hash, output folder), rendered by the same
    :func:`~reportkit.batch.run.render` (stage → kernel → execute → check → export → promote)
    in this process, and recorded in its period's ``manifest.json``, ``runs.jsonl`` and
    ``index.html``. It always runs, even when an identical report is in place.

    Args:
        notebook: The notebook (``notebooks/province_report.ipynb``).
        unit: A unit code or name; None means the notebook's own default, or the whole
            country for a notebook whose default is None (the petitions notebook).
        period: The period (``2025-Q3``, ``2025-07``, ...).
        lang: "vi" or "en".
        params: Further notebook parameters (``{"marking": "Mật"}``), checked like the rest.
        output_root: Where reports go (default: ``<project>/outputs``).
        formats: "html", "pdf" and/or "docx" (the executed notebook is always kept).
        kernel_name: The Jupyter kernel.
        cell_timeout: Seconds a cell may take.
        job_timeout: Seconds the whole report may take.
        warehouse: The warehouse folder (default: $REPORTKIT_WAREHOUSE, else
            ``<project>/data/warehouse``).
        raise_on_error: Raise the report's ExecutionError or ExportError (else return a
            "failed" result). Bad parameters and a missing warehouse always raise.
        allow_empty: Render a period with no submitted data or in the future (else
            PeriodError before any kernel starts).

    Raises:
        ParameterError: bad parameters (before any kernel starts).
        ConfigError: no warehouse, no such kernel.
        ExecutionError, ExportError: the report failed (with ``raise_on_error``).
    """
    from reportkit.store.warehouse import project_root

    path = Path(notebook).resolve()
    # Every problem with the parameters, in the words of `reportkit run`, before planning.
    prepared = runner.prepare_report(path, unit=unit, period=period, lang=lang, params=params,
                                     formats=tuple(formats))
    units: str | tuple[str, ...] = (prepared.unit.code,) if prepared.unit else "national"
    project = project_root()
    root = Path(output_root) if output_root is not None else project / "outputs"
    schedule = Schedule(path=path, project=project,
                        notebooks=(NotebookSpec(path, units=units, params=dict(params or {})),),
                        units=units, periods=(period,), formats=tuple(formats), lang=lang,
                        cell_timeout=cell_timeout, job_timeout=job_timeout,
                        kernel=kernel_name, warm=(), out=root.resolve())
    plan = plan_batch(schedule, warehouse=Path(warehouse) if warehouse else None, force=True,
                      allow_empty=allow_empty)
    result = execute_plan(plan, inline=True, progress=False, force=True)
    (outcome,) = result.outcomes
    job = plan.decisions[0].job
    files = {k: Path(v) for k, v in outcome.files.items()}
    report = runner.ReportResult(
        notebook=str(notebook), unit=job.unit, period=job.period,
        status="ok" if outcome.status == "ok" else "failed", html=files.get("html"),
        ipynb=files.get("ipynb"), seconds=outcome.seconds, error=outcome.error,
        params=job.report.params, pdf=files.get("pdf"), fields=dict(outcome.fields),
        docx=files.get("docx"))
    if outcome.status == "interrupted":
        raise KeyboardInterrupt
    if outcome.status != "ok" and raise_on_error:
        error = ExportError if outcome.fields.get("format") else ExecutionError
        fields = {k: v for k, v in outcome.fields.items() if k not in ("message",)}
        raise error(outcome.error or "the report failed", **fields)
    return report


# --- text output ----------------------------------------------------------------------------

def summary_table(result: BatchResult, *, max_rows: int = 100, resume: str | None = None) -> str:
    """The end-of-batch table (report, unit, period, status, seconds, error) and totals.

    Above ``max_rows`` jobs, skipped jobs are counted instead of listed. ``resume`` is the
    command that finishes an interrupted run (without --force), shown when it was.
    """
    shown = result.outcomes
    hidden = 0
    if len(shown) > max_rows:
        shown = [o for o in result.outcomes if o.status != "skipped"]
        hidden = len(result.outcomes) - len(shown)
    rows = [[o.key.rsplit("/", 1)[-1], _unit_cell(o.unit, o.unit_name), o.period, o.status,
             f"{o.seconds:.1f}" if o.status in ("ok", "failed") and o.seconds else "",
             re.sub(r"\s+", " ", o.error or "")] for o in shown]
    text = _table(["report", "unit", "period", "status", "seconds", "error"], rows)
    if hidden:
        text += f"\n({hidden} unchanged report(s) skipped, not listed)"
    counts = ", ".join(f"{result.count(s)} {s}" for s in STATUSES if result.count(s))
    text += (f"\n{len(result.outcomes)} job(s): {counts}; {result.seconds:.1f}s "
             f"(run {result.run_id})")
    if result.interrupted:
        text += ("\ninterrupted: finished reports are kept; to do the rest, run: "
                 + (resume or "the same command without --force"))
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
