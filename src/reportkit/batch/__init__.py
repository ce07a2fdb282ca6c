"""Many reports: schedules, plans, warm kernels forked from a template process, a local pool of
workers or a Dask cluster. The top of the stack below the command line.

    plan      load_schedule → plan_batch → Plan (jobs, input hashes, run/skip decisions)
    execute   execute_plan: lock, local pool or Dask, progress, interrupts, summary
    run       render (one report on a warm kernel), LocalPool (worker processes)
    kernels   Kernel, WarmKernels, the kernel provisioner that starts forked kernels
    dask      run_on_dask: the same jobs as tasks on a Dask cluster
    forkserver / _forklaunch: kernels forked from a pre-imported template process

The names below are importable from ``reportkit.batch`` directly; nothing is imported until it
is used.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Schedule": "plan", "Job": "plan", "Decision": "plan", "Plan": "plan",
    "load_schedule": "plan", "plan_batch": "plan", "input_hash": "plan", "plan_table": "plan",
    "override": "plan", "split_period": "plan", "data_window": "plan", "decide": "plan",
    "RunConfig": "run", "Outcome": "run", "render": "run", "already_rendered": "run",
    "WarmKernels": "kernels", "Kernel": "kernels", "LocalPool": "run",
    "BatchResult": "execute", "execute_plan": "execute", "summary_table": "execute",
    "worker_lines": "execute",
    "run_on_dask": "dask",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"reportkit.batch.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'reportkit.batch' has no attribute {name!r}")
