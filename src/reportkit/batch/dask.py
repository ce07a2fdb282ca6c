"""Batch jobs as tasks on an existing Dask distributed cluster (``reportkit batch --scheduler``).

Each job becomes one task, keyed ``reportkit-<period>-<unit>-<notebook>-<input hash>``: a
re-run after the data or the notebook changed has new keys and really executes. A task runs
:func:`reportkit.batch.run.render` on the worker: it first checks whether the report already
carries its input hash (a retry after a worker died must not render twice), renders with a
fresh, pre-warmed kernel of that worker, promotes with ``os.replace`` and updates the period's
manifest under a file lock. The workers must therefore reach the output folder and the
warehouse at the paths the batch was given: a shared folder mounted at the same path on every
machine, or ``--out``/``--warehouse`` paths that are valid on the workers. The notebook itself
travels with the task (the bytes that were hashed).

Run workers with ``--nthreads 1`` (one report at a time per worker process; each report has
its own kernel process anyway) and as many processes as the machine has cores.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import resource
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportkit import __version__
from reportkit.batch.plan import Job
from reportkit.batch.run import (
    Outcome,
    Printer,
    RunConfig,
    WarmKernels,
    _jsonable,
    largest_kernel_mb,
    record_failed,
    render,
)
from reportkit.errors import ConfigError, ExecutionError

log = logging.getLogger("reportkit.batch.run")

__all__ = ["run_on_dask", "dask_render", "check_workers"]

_local = threading.local()
_all_kernels: list[WarmKernels] = []
_registry_lock = threading.Lock()


def _kernels(config: RunConfig) -> WarmKernels:
    """This worker thread's warm kernels (one spare per thread, reused across tasks)."""
    kernels = getattr(_local, "kernels", None)
    if kernels is None or (kernels.kernel_name, kernels.warm) != (config.kernel, config.warm):
        if kernels is not None:
            kernels.close()
        kernels = WarmKernels(config.kernel, config.warm)
        _local.kernels = kernels
        with _registry_lock:
            _all_kernels.append(kernels)
    return kernels


@atexit.register
def close_spares() -> int:
    """Stop the spare kernels of this worker process; returns how many were open."""
    with _registry_lock:
        open_ = [k for k in _all_kernels if k.spare is not None]
        for kernels in _all_kernels:
            kernels.close()
    return len(open_)


def dask_render(job: Job, config: RunConfig) -> Outcome:
    """The task: render one report on this worker (see :func:`reportkit.batch.run.render`)."""
    return render(job, config, kernels=_kernels(config), printer=Printer())


def _probe(output_root: str, warehouse: str) -> dict[str, Any]:
    """What a worker sees: its reportkit version and whether the shared paths exist."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "reportkit": __version__,
            "output_root": os.access(output_root, os.W_OK),
            "warehouse": Path(warehouse, "catalog.json").is_file()}


def _stats() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid(),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "kernel_peak_rss_mb": largest_kernel_mb(),
            "spares_closed": close_spares()}


def check_workers(client: Any, config: RunConfig, *, timeout: float = 60) -> None:
    """Fail early unless every worker runs this reportkit version and can reach the output
    folder (writable) and the warehouse.

    Raises:
        ConfigError: no worker joined within ``timeout`` seconds, or some cannot run jobs.
    """
    config.output_root.mkdir(parents=True, exist_ok=True)
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise ConfigError(f"No Dask worker joined the scheduler within {timeout:.0f}s",
                          scheduler=str(client.scheduler.address)) from None
    seen = client.run(_probe, str(config.output_root), str(config.warehouse))
    problems = []
    for address, info in seen.items():
        if info["reportkit"] != __version__:
            problems.append(f"{address} runs reportkit {info['reportkit']}, not {__version__}")
        if not info["output_root"]:
            problems.append(f"{address} cannot write {config.output_root}")
        if not info["warehouse"]:
            problems.append(f"{address} sees no warehouse at {config.warehouse}")
    if problems:
        raise ConfigError("Some Dask workers cannot run these jobs (they need the same "
                          "reportkit and the output folder and warehouse at the same paths: "
                          "a shared folder, or --out/--warehouse paths valid on the workers): "
                          + "; ".join(problems), problems=problems)


def run_on_dask(jobs: list[Job], config: RunConfig, address: str,
                on_outcome: Callable[[Outcome], None], *,
                connect_timeout: float = 30) -> list[dict[str, Any]]:
    """Submit ``jobs`` to the scheduler at ``address``; call ``on_outcome`` as each ends.

    A task lost with its worker is rescheduled by Dask (``distributed.scheduler.
    allowed-failures``); one that still fails is recorded as failed here. Ctrl-C cancels
    the tasks not yet started.

    Returns:
        Per-worker peak memory (resident set size, MB) of the worker and its kernels.
    """
    from distributed import Client

    try:
        client = Client(address, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(f"Cannot reach the Dask scheduler at {address}: {exc}",
                          scheduler=address) from None
    futures: dict[Any, Job] = {}
    try:
        check_workers(client, config)
        futures = {client.submit(dask_render, job, config, key=job.task_key(), pure=False):
                   job for job in jobs}
        _collect(client, futures, config, on_outcome)
        return _worker_stats(client)
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(list(futures))
        raise
    finally:
        with contextlib.suppress(Exception):
            client.close()


def _worker_stats(client: Any, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Each worker's peak memory, or nothing if a worker does not answer within ``timeout``
    (``Client.run`` waits for every worker, and a stopped one never answers)."""
    box: list[dict[str, Any]] = []

    def ask() -> None:
        with contextlib.suppress(Exception):
            box.extend({"worker": address, **s} for address, s in client.run(_stats).items())

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        log.warning("some Dask workers did not report their memory within %.0fs", timeout)
        return []
    return box


def _collect(client: Any, futures: dict[Any, Job], config: RunConfig,
             on_outcome: Callable[[Outcome], None], poll: float = 0.5) -> None:
    """Wait for every task, enforcing the job limit from here: a task processing on a worker
    longer than ``job_timeout + kill_grace`` (a worker stopped or hung outside any cell, which
    Dask only notices when its heartbeat times out, minutes later) is cancelled and failed as
    a JobTimeout. A transient failure is submitted once more (as :class:`LocalPool` does)."""
    import time

    from reportkit.batch.plan import TRANSIENT

    pending = dict(futures)
    started: dict[str, float] = {}
    retried: set[str] = set()
    limit = config.job_timeout + config.kill_grace
    while pending:
        now = time.monotonic()
        processing = {key for keys in client.processing().values() for key in keys}
        for future, job in list(pending.items()):
            if future.done():
                del pending[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # KilledWorker after too many worker deaths, ...
                    outcome = _lost(job, config, exc)
            elif future.key in processing and now - started.setdefault(future.key, now) > limit:
                del pending[future]
                client.cancel([future])
                outcome = _lost(job, config, None, ename="JobTimeout", message=(
                    f"the job ran longer than its limit of {config.job_timeout}s on a Dask "
                    "worker; its task was cancelled"))
            else:
                continue
            if (outcome.status == "failed" and outcome.fields.get("ename") in TRANSIENT
                    and job.key not in retried):
                retried.add(job.key)
                log.warning("retrying %s once: %s", job.label(), outcome.error)
                again = client.submit(dask_render, job, config, pure=False,
                                      key=f"{job.task_key()}-retry")
                pending[again] = job
                continue
            on_outcome(outcome)
        if pending:
            time.sleep(poll)


def _lost(job: Job, config: RunConfig, exc: BaseException | None, *, ename: str | None = None,
          message: str | None = None) -> Outcome:
    from reportkit.rendering import runner

    error: ExecutionError = runner.failure(job.report, None, None,
                                            ename or type(exc).__name__, message or str(exc))
    record_failed(job, config, error, {}, started="", seconds=0.0, worker="dask")
    return Outcome.of(job, "failed", error=error.message, fields=_jsonable(error.fields),
                      worker="dask")
