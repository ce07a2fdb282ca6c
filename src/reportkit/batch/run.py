"""Running reports: one report on a warm kernel (:func:`render`), and the local pool of worker
processes that runs many.

    render(job)          ONE report: skip if its output already carries the input hash → warm
                         kernel → execute (nbclient) → check → export → promote → record
    LocalPool            long-lived worker processes on this machine, each with its kernels

Isolation: every report gets a fresh kernel. Kernels are forked from a per-worker fork server
that imported the ``warm`` modules once and never runs report code
(:mod:`reportkit.batch.kernels`, :mod:`reportkit.batch.forkserver`), so neither interpreter start-up
nor imports are paid per report, and each worker keeps one *spare* kernel ready while it runs the
current report. A failure, cell or job timeout, dead kernel or ``sys.exit`` fails only that job; its
notebook goes to ``_failed/`` and the last good report stays. The manifest is updated after each
job, so an interrupted batch resumes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import queue
import secrets
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportkit import __version__
from reportkit.batch.kernels import Kernel, MemoryWatch, WarmKernels
from reportkit.batch.plan import (
    DEFAULT_CELL_TIMEOUT,
    DEFAULT_JOB_TIMEOUT,
    DEFAULT_KERNEL_MEMORY_MB,
    DEFAULT_OUTPUT_MB,
    DEFAULT_WARM,
    TRANSIENT,
    Job,
)
from reportkit.errors import (
    ExecutionError,
    ExportError,
    ReportkitError,
)
from reportkit.rendering import catalog, changes, runner
from reportkit.store.io import atomic_write, sha256_file

if TYPE_CHECKING:
    import nbformat

log = logging.getLogger("reportkit.batch.run")

KILL_GRACE = 30  # seconds past the job limit before the parent kills a worker
SAVE_EVERY = 5.0  # seconds between saves of the partial notebook while a job runs
PRINT_BROWSERS = 2  # printing threads (each with its browser) of a batch's printer process

__all__ = ["RunConfig", "Outcome", "render", "already_rendered", "record_ok", "record_failed",
           "largest_kernel_mb",
           "WarmKernels", "Kernel", "LocalPool"]

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
    kernel_memory_mb: int = DEFAULT_KERNEL_MEMORY_MB
    output_mb: int = DEFAULT_OUTPUT_MB

    @property
    def staging(self) -> Path:
        """This run's staging folder (same filesystem as the outputs)."""
        return self.output_root / runner.STAGING / f"batch-{self.run_id}"

    def kernel_env(self) -> dict[str, str]:
        """The variables a report kernel needs: where the project and warehouse are."""
        # Kernels started here render reports for publication: exact small counts are refused
        # (publish=False raises; reportkit.analysis.disclosure.PUBLISHING_ENV, not imported
        # here: it would load pandas into every planning command).
        env = {"REPORTKIT_HOME": str(self.project), "REPORTKIT_WAREHOUSE": str(self.warehouse),
               "REPORTKIT_PUBLISHING": "1",
               "REPORTKIT_KERNEL_MEMORY_MB": str(self.kernel_memory_mb)}  # forkserver.MEMORY_ENV
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
    kernel_peak_mb: float | None = None  # the kernel's peak resident memory (VmHWM)

    @classmethod
    def of(cls, job: Job, status: str, **kw: Any) -> Outcome:
        """An outcome for ``job``."""
        return cls(key=job.key, notebook=job.report.notebook.name, unit=job.unit,
                   unit_name=job.unit_name, period=job.period, status=status, **kw)


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# The largest kernel this process has run (peak resident memory, MB), for the batch summary.
_LARGEST_KERNEL = [0.0]


def largest_kernel_mb() -> float:
    """The peak resident memory of the largest kernel this process ran a report on."""
    return _LARGEST_KERNEL[0]


def _memory_limit(job: Job, nb: nbformat.NotebookNode, watch: MemoryWatch,
                  cell: int | None) -> ExecutionError:
    """The error of a report whose kernel went over its memory limit (deterministic: the
    same inputs need the same memory, so it is not retried)."""
    if watch.killed_at_mb is not None:
        what = f"the kernel used {watch.killed_at_mb:.0f} MB and was stopped"
    elif watch.over:
        what = f"the kernel's peak was {watch.peak_mb:.0f} MB"
    else:  # MemoryError from the address-space backstop: one allocation far too large
        what = "a single allocation needed more than the kernel may have"
    return _fail(job, nb, cell, "MemoryLimit",
                 f"memory limit: {what}, over its limit of {watch.limit_mb} MB "
                 "(limits.kernel_memory_mb in the schedule)")


def _base_entry(job: Job, config: RunConfig) -> dict[str, Any]:
    r = job.report
    return {"notebook": r.notebook.name, "unit": job.unit, "unit_name": job.unit_name,
            "period": job.period, "lang": r.lang, "formats": list(r.formats),
            "params": r.params, "input_hash": job.input_hash, "inputs": job.inputs,
            "data_version": job.inputs["data"], "reportkit_version": __version__,
            "run_id": config.run_id}


def record_ok(job: Job, config: RunConfig, files: dict[str, Path], *, started: str,
              seconds: float, worker: str, event_status: str = "ok",
              rendered_by: str | None = None,
              kernel_peak_mb: float | None = None,
              figures: list[dict[str, Any]] | None = None,
              since: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record a promoted report in its period's manifest; ``rendered_by`` is the run that
    rendered the files (default: this one), the event is this run's. ``figures``: the
    report's key figures as printed; ``since``: what its changes section compared with
    (:mod:`reportkit.rendering.changes`)."""
    infos = {fmt: catalog.file_info(path, job.period_dir) for fmt, path in files.items()}
    finished = catalog.now_iso()
    run_id = rendered_by or config.run_id

    def update(_old: dict[str, Any] | None) -> dict[str, Any]:
        return {**_base_entry(job, config), "run_id": run_id, "status": "ok",
                "started": started, "finished": finished, "seconds": seconds, "worker": worker,
                "error": None, "error_fields": {}, "files": infos,
                "report_run": {"run_id": run_id, "input_hash": job.input_hash,
                               "finished": finished},
                "failed_files": {}, "kernel_peak_mb": _mb(kernel_peak_mb),
                **({"figures": figures} if figures is not None else {}),
                **({"changes_since_issued": since} if since is not None else {})}

    event = {"run_id": config.run_id, "status": event_status, "input_hash": job.input_hash,
             "seconds": seconds, "worker": worker, "kernel_peak_mb": _mb(kernel_peak_mb)}
    return catalog.record(job.period_dir, job.rel, update, event)


def record_failed(job: Job, config: RunConfig, error: ReportkitError,
                  failed: dict[str, Path], *, started: str, seconds: float,
                  worker: str, kernel_peak_mb: float | None = None) -> dict[str, Any]:
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
                "failed_files": infos, "kernel_peak_mb": _mb(kernel_peak_mb)}

    event = {"run_id": config.run_id, "status": "failed", "input_hash": job.input_hash,
             "seconds": seconds, "worker": worker, "error": error.message,
             "kernel_peak_mb": _mb(kernel_peak_mb)}
    return catalog.record(job.period_dir, job.rel, update, event)


def _mb(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


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
        if this_run and not any(e.get("key") == job.rel and e.get("run_id") == config.run_id
                                and e.get("status") == "ok"
                                for e in catalog.read_runs(job.period_dir)):
            # The worker died between the manifest update and the event (catalog.record
            # writes them one after the other): the attempt still gets its one "ok" line.
            catalog.append_event(job.period_dir, job.rel, {
                "run_id": config.run_id, "status": "ok", "input_hash": job.input_hash,
                "seconds": entry.get("seconds") or 0.0, "worker": entry.get("worker") or ""})
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
        if not path.is_file() or sha256_file(path) != sha:
            return None
        files[fmt] = path
    shutil.rmtree(job.final_dir / runner.FAILED, ignore_errors=True)  # as promotion does
    record_ok(job, config, files, started=md.get("started", ""), seconds=0.0,
              worker=_worker_id(), event_status="ok" if this_run else "adopted",
              rendered_by=md.get("run_id"), figures=md.get("figures"),
              since=md.get("changes_since_issued"))
    return Outcome.of(job, "ok" if this_run else "skipped",
                      reason=("rendered in this run by a worker that was lost before it "
                              "recorded it; manifest updated" if this_run else
                              "the report in place already has these inputs "
                              f"(run {md.get('run_id')}); manifest updated"),
                      files={k: str(v) for k, v in files.items()})


class Printer:
    """Prints one staged HTML file to PDF outside this process."""

    def print(self, job: Any) -> None:  # job: reportkit.rendering.pdf.PrintJob
        """Print; raise ExportError on failure."""
        from reportkit.rendering import pdf

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
    return parameterize_notebook(nb, job.report.params, kernel_name=job.inputs.get("kernel"),
                                 language="python")


def _write_nb(nb: nbformat.NotebookNode, path: Path) -> None:
    import nbformat

    atomic_write(path, nbformat.writes(nb), fsync=False)  # staging: a crash loses the run


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
    return runner.failure(job.report, cell, count, ename, evalue)


def _promote(files: dict[str, Path], final_dir: Path) -> dict[str, Path]:
    """Move staged files into ``final_dir``: PDF, DOCX and HTML first, the notebook last.

    The promoted notebook records the sha256 of the HTML, PDF and DOCX and the input hash, so it
    is the commit mark: if it carries the job's input hash, the whole report is in place.
    Each move is an ``os.replace`` within one filesystem (atomic).
    """
    final_dir.mkdir(parents=True, exist_ok=True)
    done: dict[str, Path] = {}
    for fmt in sorted(files, key=("pdf", "docx", "html", "ipynb").index):
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
    watch: MemoryWatch | None = None
    try:
        try:
            try:
                nb = _load_notebook(job)
                kernel = kernels.take(cwd, config.kernel_env(), prefetch=prefetch)
            except Exception as exc:
                ename = "KernelStartError" if "nb" in locals() else type(exc).__name__
                raise runner.failure(report, None, None, ename, str(exc)) from exc
            if on_kernels:
                on_kernels([p for p in (kernel.pid, *kernels.pids()) if p])
            watch = MemoryWatch(kernel.kernel_pid, config.kernel_memory_mb).start()
            try:
                execute_on_kernel(job, nb, kernel, staged_nb, kernel_name=config.kernel,
                                  cell_timeout=config.cell_timeout,
                                  job_timeout=config.job_timeout, deadline=deadline)
            except ExecutionError as exc:
                watch.stop()
                if watch.over or exc.fields.get("ename") == "MemoryError":
                    # MemoryError: an allocation past the address-space backstop
                    raise _memory_limit(job, nb, watch, exc.fields.get("cell")) from exc
                raise
            watch.stop()  # the last reading, while the kernel is still alive
            if watch.over:
                raise _memory_limit(job, nb, watch, None)
            kernel.shutdown()
            kernel = None
            figures, since = _figures(job, nb)
            staged = _export(job, nb, staging, printer)
            _check_sizes(job, staged, config.output_mb)
            nb.metadata["reportkit"] = {
                "input_hash": job.input_hash, "run_id": config.run_id, "started": started,
                "params": report.params, "data_version": job.inputs["data"],
                "sha256": {fmt: sha256_file(p) for fmt, p in staged.items()},
                **({"figures": figures} if figures is not None else {}),
                **({"changes_since_issued": since} if since is not None else {})}
            _write_nb(nb, staged_nb)
            staged["ipynb"] = staged_nb
        except Exception as exc:
            if not isinstance(exc, ExecutionError | ExportError):  # a bug: still isolated
                log.exception("unexpected error rendering %s", job.label())
                exc = runner.failure(report, None, None, type(exc).__name__, str(exc))
            if _ORPHANED.is_set():  # the batch was killed and this worker stopped the kernel:
                os._exit(1)         # not the job's failure; the next run renders it again
            seconds = round(time.monotonic() - t0, 3)
            failed = runner.keep_failed(staged_nb, job.final_dir)
            peak = _peak(watch)
            record_failed(job, config, exc, failed, started=started, seconds=seconds,
                          worker=_worker_id(), kernel_peak_mb=peak)
            return Outcome.of(job, "failed", seconds=seconds, error=exc.message,
                              fields=_jsonable(exc.fields), worker=_worker_id(),
                              files={k: str(v) for k, v in failed.items()},
                              kernel_peak_mb=_mb(peak))
        files = _promote(staged, job.final_dir)
        seconds = round(time.monotonic() - t0, 3)
        peak = _peak(watch)
        record_ok(job, config, files, started=started, seconds=seconds, worker=_worker_id(),
                  kernel_peak_mb=peak, figures=figures, since=since)
        return Outcome.of(job, "ok", seconds=seconds, worker=_worker_id(),
                          files={k: str(v) for k, v in files.items()}, kernel_peak_mb=_mb(peak))
    finally:
        if kernel is not None:
            kernel.shutdown()
        shutil.rmtree(staging, ignore_errors=True)


def _figures(job: Job, nb: nbformat.NotebookNode
             ) -> tuple[list[dict[str, Any]] | None, dict[str, Any] | None]:
    """The report's key figures, taken out of the executed notebook before export, and on a
    draft whose report was issued before, the changes section put in their place
    (:mod:`reportkit.rendering.changes`): what it compared with, or None."""
    figures, where = changes.take_figures(nb)
    if figures is None or job.report.params.get("issued_on"):  # an issued copy: never
        return figures, None
    return figures, changes.mark_changes(nb, where, figures, job.period_dir, job.rel,
                                         job.report.lang)


def _peak(watch: MemoryWatch | None) -> float | None:
    """The watched kernel's peak (also kept as this process's largest kernel)."""
    if watch is None:
        return None
    peak = watch.stop()
    if peak is not None:
        _LARGEST_KERNEL[0] = max(_LARGEST_KERNEL[0], peak)
    return peak


def _check_sizes(job: Job, files: dict[str, Path], limit_mb: int) -> None:
    """A report file over the limit is not published: a 50 MB HTML is a broken report (a
    table of every row, an embedded data dump), not one to mail to a province."""
    for fmt, path in files.items():
        size = path.stat().st_size
        if size > limit_mb * 1024 * 1024:
            raise ExportError(f"{fmt.upper()} of {job.label()} is {size / 1024 / 1024:.1f} MB, "
                              f"over the limit of {limit_mb} MB (limits.output_mb in the "
                              "schedule); not published", format=fmt, size=size,
                              **job.report.context())


def _export(job: Job, nb: nbformat.NotebookNode, staging: Path,
            printer: Printer | None) -> dict[str, Path]:
    """HTML and DOCX in this process; PDF by a printer outside it (never next to a kernel
    loop).

    The PDF is printed from the print variant of the page (:func:`export.write_print_html`:
    no widget renderer, explorers as their first view), a temporary file beside the staged
    HTML that is deleted once printed and never published.
    """
    from reportkit.rendering import export

    report, stem = job.report, job.stem
    files: dict[str, Path] = {}
    fmt = "html"
    try:
        title = runner.report_title(report)
        if "html" in report.formats:
            files["html"] = export.write_html(nb, staging / f"{stem}.html", title=title,
                                              lang=report.lang, marking=job.marking)
        if "pdf" in report.formats:
            from reportkit.rendering.pdf import PrintJob

            fmt = "pdf"
            page = staging / f"{stem}{export.PRINT_SUFFIX}"
            try:
                export.write_print_html(nb, page, title=title, lang=report.lang)
                files["pdf"] = staging / f"{stem}.pdf"
                (printer or Printer()).print(PrintJob(
                    html=page, pdf=files["pdf"], title=title, lang=report.lang,
                    office=runner.issuing_office(report), marking=job.marking))
            finally:
                page.unlink(missing_ok=True)
            if not files["pdf"].is_file():
                raise ExportError("the printer wrote no PDF", format="pdf")
        if "docx" in report.formats:
            from reportkit.rendering.docx import write_docx

            fmt = "docx"
            files["docx"] = write_docx(nb, staging / f"{stem}.docx", title=title,
                                       lang=report.lang, marking=job.marking)
    except ExportError as exc:
        raise ExportError(f"{fmt.upper()} export of {report.notebook.name} failed for "
                          f"{job.label()}: {exc.message}", format=fmt,
                          **report.context()) from exc
    except Exception as exc:
        raise ExportError(f"{fmt.upper()} export of {report.notebook.name} failed for "
                          f"{job.label()}: {type(exc).__name__}: {exc}", format=fmt,
                          **report.context()) from exc
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


def _printer_main(requests: Any, replies: list[Any], timeout: float, browsers: int = 1) -> None:
    """The printer process: one Chromium per printing thread for the whole batch, no kernel
    anywhere near it. With two threads, two workers that finish a report at the same moment
    do not wait for each other (one browser prints on about one core)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threads = [threading.Thread(target=_serve_prints, args=(requests, replies, timeout),
                                name=f"reportkit-print-{i}") for i in range(max(1, browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _serve_prints(requests: Any, replies: list[Any], timeout: float) -> None:
    """One printing thread: its own Playwright and browser (the sync API is per thread)."""
    from reportkit.rendering.pdf import PdfPrinter, PrintJob

    printer: PdfPrinter | None = None
    try:
        while True:
            item = requests.get()
            if item is None:
                requests.put(None)  # the other printing threads stop too
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


def _worker_main(slot: int, conn: Any, config: RunConfig, print_requests: Any,
                 print_replies: Any) -> None:
    """A worker process: keeps a warm spare kernel, renders the jobs the parent sends."""
    import multiprocessing
    import resource

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

    from reportkit.rendering import export  # noqa: F401

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
                  # each kernel's own peak (VmHWM), read before it stopped: forked kernels
                  # are the fork server's children, not this process's
                  "kernel_peak_rss_mb": largest_kernel_mb()}))


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
        self.retried: set[str] = set()  # jobs given a second try after a transient failure
        self.start_failures = 0
        self.printer = None
        self.print_requests = None
        self.print_replies: list[Any] = [None] * workers
        if pdf:
            self.print_requests = self.ctx.Queue()
            self.print_replies = [self.ctx.Queue() for _ in range(workers)]
            self.printer = self.ctx.Process(
                target=_printer_main, name="reportkit-printer", daemon=True,
                args=(self.print_requests, self.print_replies, config.pdf_timeout,
                      min(workers, PRINT_BROWSERS)))
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
                                       f"died (exit code {code})", on_outcome, pending)
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
                                   on_outcome, pending)
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
            error = runner.failure(job.report, None, None, "WorkerStartError",
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
                job = slot.job
                slot.job, slot.staging, slot.kernels = None, None, []
                if job is None or not self._retry(job, msg[1], pending):
                    on_outcome(msg[1])
                self._assign(slot, pending)
            elif kind == "bye":
                self.stats.append(msg[1])

    def _retry(self, job: Job, outcome: Outcome, pending: deque[Job]) -> bool:
        """Queue ``job`` once more if it failed for a reason outside the report."""
        ename = outcome.fields.get("ename")
        if outcome.status != "failed" or ename not in TRANSIENT or job.key in self.retried:
            return False
        self.retried.add(job.key)
        log.warning("retrying %s once: %s", job.label(), outcome.error)
        pending.append(job)
        return True

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
              on_outcome: Callable[[Outcome], None], pending: deque[Job]) -> None:
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
        error = runner.failure(job.report, None, None, ename, message)
        failed: dict[str, Path] = {}
        if slot.staging is not None:
            failed = runner.keep_failed(slot.staging / f"{job.stem}.ipynb", job.final_dir)
            shutil.rmtree(slot.staging, ignore_errors=True)
        record_failed(job, self.config, error, failed, started="", seconds=seconds,
                      worker=f"{socket.gethostname()}:{slot.process.pid if slot.process else 0}")
        outcome = Outcome.of(job, "failed", seconds=seconds, error=error.message,
                             fields=_jsonable(error.fields),
                             files={k: str(v) for k, v in failed.items()})
        if not self._retry(job, outcome, pending):
            on_outcome(outcome)

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
