"""Batch jobs on a real Dask cluster: a scheduler and two workers on 127.0.0.1.

One worker is killed (SIGKILL) in the middle of the batch: every report must still end up
rendered exactly once, nothing half-written may be promoted. A re-run after the data changed
must really execute again (the task keys include the input hash).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reportkit import batch
from reportkit.rendering import catalog
from test_batch import (
    Q3,
    make_warehouse,
    ok_events,
    plan,
    schedule,
    statuses,
    token,
    unit_report,
)

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
UNITS = ["15", "01", "92", "46", "48", "79"]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "params").mkdir()
    make_warehouse(tmp_path / "data" / "warehouse")
    return tmp_path


def _wait(what: str, test: Any, timeout: float, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = test()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture()
def cluster(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """`dask scheduler` and two `dask worker --nthreads 1 --no-nanny` processes."""
    from distributed import Client

    folder = tmp_path / "dask"
    folder.mkdir()
    scheduler_file = folder / "scheduler.json"
    procs: list[subprocess.Popen[bytes]] = []
    log = open(folder / "dask.log", "wb")  # noqa: SIM115  (closed in finally)

    def start(*args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([str(BIN / "dask"), *args], stdout=log,
                                stderr=subprocess.STDOUT, cwd=folder, start_new_session=True)
        procs.append(proc)
        return proc

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", str(scheduler_file))
        address = _wait("the scheduler file", lambda: scheduler_file.is_file() and json.loads(
            scheduler_file.read_text() or "{}").get("address"), 60)
        for i in range(2):
            start("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                  "--name", f"w{i}", "--host", "127.0.0.1", "--death-timeout", "60",
                  "--local-directory", str(folder / f"w{i}"))
        with Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=90)
            pids = client.run(os.getpid)
        yield {"address": address, "pids": pids, "log": folder / "dask.log"}
    finally:
        # The workers first, one by one, while their scheduler is still there to see them
        # go: a worker that has lost its scheduler lingers on SIGTERM, retrying it.
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()


def _no_partial_files(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.name.endswith(".tmp")]


def test_batch_on_dask_survives_a_killed_worker_and_reexecutes_on_new_data(
        project: Path, cluster: dict[str, Any]) -> None:
    from distributed import Client

    path = schedule(project, **unit_report(UNITS, delay=2.0))
    first = plan(project, path)
    assert all(j.input_hash[:16] in j.task_key() for j in first.jobs)
    out = project / "outputs" / Q3
    killed: dict[str, Any] = {}

    def killer() -> None:
        try:
            events = _wait("a first report", lambda: [e for e in catalog.read_runs(out)
                                                      if e["status"] == "ok"], 180)
            done_pid = int(events[0]["worker"].rsplit(":", 1)[1])
            with Client(cluster["address"], timeout=30, set_as_default=False) as client:
                busy = _wait("a busy worker", lambda: {
                    w: keys for w, keys in client.processing().items()
                    if keys and cluster["pids"].get(w) != done_pid}, 30, every=0.05)
            victim, keys = next(iter(busy.items()))
            killed.update(address=victim, pid=cluster["pids"][victim], keys=list(keys))
            os.kill(cluster["pids"][victim], signal.SIGKILL)
        except BaseException as exc:  # reported by the main thread
            killed["error"] = exc

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    result = batch.execute_plan(first, scheduler=cluster["address"], progress=False)
    thread.join(60)
    assert "error" not in killed, killed.get("error")
    assert killed.get("keys"), "no task was running on the killed worker"

    # every report rendered, exactly once, complete and consistent
    assert set(statuses(result).values()) == {"ok"}, [o.error for o in result.outcomes]
    assert result.exit_code == 0
    reports = catalog.load_manifest(out)["reports"]
    assert len(reports) == len(UNITS)
    assert ok_events(project) == {rel: 1 for rel in reports}
    assert {e["run_id"] for e in reports.values()} == {result.run_id}
    for rel in reports:
        assert token(out / f"{rel}.html") == token(out / f"{rel}.ipynb")
    assert catalog.verify(out).ok
    assert _no_partial_files(project / "outputs") == []
    assert list((project / "outputs" / ".staging").iterdir()) == []
    workers = {e["worker"] for e in reports.values()}
    assert len(workers) >= 1
    assert result.workers and all(w["peak_rss_mb"] > 10 for w in result.workers)

    # new data: the same jobs have new task keys and really execute again
    make_warehouse(project / "data" / "warehouse", new="n2")
    second = plan(project, path)
    assert {d.reason for d in second.decisions} == {"changed: data"}
    assert not {j.task_key() for j in second.jobs} & {j.task_key() for j in first.jobs}
    again = batch.execute_plan(second, scheduler=cluster["address"], progress=False)
    assert set(statuses(again).values()) == {"ok"}, [o.error for o in again.outcomes]
    assert ok_events(project) == {rel: 2 for rel in reports}
    reports = catalog.load_manifest(out)["reports"]
    assert {e["run_id"] for e in reports.values()} == {again.run_id}
    assert catalog.verify(out).ok

    # nothing changed: nothing is submitted
    third = plan(project, path)
    assert third.count("skip") == len(UNITS)
    assert set(statuses(batch.execute_plan(third, scheduler=cluster["address"],
                                           progress=False)).values()) == {"skipped"}


def test_workers_that_cannot_reach_the_outputs_are_refused(project: Path,
                                                           cluster: dict[str, Any]) -> None:
    from reportkit.batch.dask import run_on_dask
    from reportkit.errors import ConfigError

    path = schedule(project, **unit_report(["15"]))
    p = plan(project, path)
    # (execute_plan pins the warehouse snapshot first, so a warehouse this machine cannot see
    # is refused before Dask is asked; the workers' own view is checked by run_on_dask.)
    config = batch.RunConfig(run_id="r1", output_root=project / "outputs", project=project,
                             warehouse=project / "elsewhere", kernel=p.kernel)
    with pytest.raises(ConfigError, match="sees no warehouse"):
        run_on_dask(p.jobs, config, cluster["address"], lambda _o: None)


def test_the_job_limit_holds_on_dask_when_a_worker_stops(project: Path,
                                                         cluster: dict[str, Any]) -> None:
    """A stopped (SIGSTOP) worker keeps its task "processing" for minutes as far as Dask
    knows; the batch cancels it at the job limit and fails the job as a JobTimeout."""
    from distributed import Client

    from reportkit.batch.dask import run_on_dask
    from test_batch import NB

    path = schedule(project, notebooks=[str(NB / "slow_cell.ipynb")])
    p = plan(project, path)
    config = batch.RunConfig(run_id="r1", output_root=project / "outputs", project=project,
                             warehouse=project / "data" / "warehouse", kernel=p.kernel,
                             cell_timeout=120, job_timeout=4, kill_grace=1, warm=())
    stopped: list[int] = []

    def stopper() -> None:
        with Client(cluster["address"], timeout=30, set_as_default=False) as client:
            busy = _wait("a busy worker", lambda: [w for w, keys in client.processing().items()
                                                   if keys], 60, every=0.05)
        pid = cluster["pids"][busy[0]]
        os.kill(pid, signal.SIGSTOP)
        stopped.append(pid)

    thread = threading.Thread(target=stopper, daemon=True)
    thread.start()
    outcomes: list[batch.Outcome] = []
    started = time.monotonic()
    try:
        run_on_dask(p.jobs, config, cluster["address"], outcomes.append)
    finally:
        thread.join(5)
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
    assert stopped, "no worker took the job"
    assert time.monotonic() - started < 90
    (outcome,) = outcomes
    assert outcome.status == "failed" and outcome.fields["ename"] == "JobTimeout"
