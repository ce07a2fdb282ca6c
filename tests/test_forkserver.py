"""Kernels forked from a pre-imported fork server: fresh, isolated, and never left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from reportkit import batch
from reportkit.batch import forkserver

NB = Path(__file__).resolve().parent / "notebooks"

pytestmark = pytest.mark.skipif(not forkserver.available(), reason="fork server needs Linux")


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether process ``pid`` has exited (or is a zombie) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc/*/stat)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_server_argv_only_for_ipykernel_launcher() -> None:
    py = "/opt/env/bin/python"
    assert forkserver.server_argv([py, "-m", "ipykernel_launcher", "-f", "{connection_file}"]) \
        == [py, "-m", "reportkit.batch.forkserver"]
    assert forkserver.server_argv([py, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f",
                                   "{connection_file}"]) \
        == [py, "-Xfrozen_modules=off", "-m", "reportkit.batch.forkserver"]
    # another kernel, extra kernel arguments, or interpreter options we cannot vouch for
    assert forkserver.server_argv(["R", "--slave", "-e", "IRkernel::main()", "--args",
                                   "{connection_file}"]) is None
    assert forkserver.server_argv([py, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                                   "--matplotlib=inline"]) is None
    assert forkserver.server_argv([py, "-c", "print(1)", "-m", "ipykernel_launcher", "-f",
                                   "{connection_file}"]) is None


_MALLOC_PROBE = """
import ctypes, resource, sys
from reportkit.batch import forkserver
if sys.argv[1] == "tuned":
    assert forkserver.keep_freed_memory()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for i in range(10):  # a chart's canvas, its image and a copy, in changing sizes
    sizes = [(2 + i % 3) << 20, (5 + i % 4) << 20, 3 << 20]
    blocks = [libc.malloc(size) for size in sizes]
    for block, size in zip(blocks, sizes):
        ctypes.memset(block, 1, size)
    for block in blocks:
        libc.free(block)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc")
def test_kernels_and_workers_reuse_freed_memory_instead_of_faulting_it_in_again() -> None:
    """Ten rounds of allocating, writing and freeing 10-16 MB: with the template's malloc
    settings the pages of the first round are reused; glibc's defaults hand most blocks back
    and fault them in again."""
    faults = {mode: int(subprocess.run([sys.executable, "-c", _MALLOC_PROBE, mode], check=True,
                                       capture_output=True, text=True).stdout)
              for mode in ("tuned", "default")}
    one_round = (4 + 8 + 3) << 20 >> 12  # pages of the largest round
    assert faults["tuned"] < 1.5 * one_round, faults
    assert faults["default"] > 2 * faults["tuned"], faults


@pytest.mark.slow
def test_forked_kernels_are_separate_processes_with_their_own_state(
        tmp_path: Path, kernel_eval: Any) -> None:
    kernels = batch.WarmKernels("python3", ("numpy.random",), fork=True)
    try:
        a = kernels.take(NB, {"REPORTKIT_HOME": str(tmp_path)})
        b = kernels.take(NB, {"REPORTKIT_HOME": str(tmp_path)})
        assert a.forked and b.forked
        probe = ("[os.getpid(), os.getppid(), numpy.random.randint(1 << 30), random.random(), "
                 "'numpy' in sys.modules]")
        setup = "import os, sys, random, numpy"
        pa, ppa, na, ra, _ = kernel_eval(a, probe, setup)
        pb, ppb, nb, rb, warm = kernel_eval(b, probe, setup)
        assert pa != pb and ppa == ppb == kernels.server.proc.pid  # both children of the server
        assert warm is True
        assert na != nb and ra != rb  # random state is not copied from the template
        # the collector runs, with the kernels' larger first threshold
        assert kernel_eval(a, "[gc.isenabled(), gc.get_threshold()[0]]", "import gc") \
            == [True, forkserver.KERNEL_GC_THRESHOLD]
        # and inherits the template's malloc settings: freed memory is reused
        probe = _MALLOC_PROBE.replace("sys.argv[1]", "'inherited'").replace("print(", "f = (")
        assert kernel_eval(a, "f", probe) < 1.5 * ((4 + 8 + 3) << 20 >> 12)
        kernel_eval(a, "x", "x = 'only in a'")
        assert kernel_eval(b, "'x' in globals()") is False
        a.shutdown()
        b.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
def test_killing_the_launcher_or_closing_the_server_kills_the_kernel(
        tmp_path: Path, kernel_eval: Any) -> None:
    kernels = batch.WarmKernels("python3", (), fork=True)
    env = {"REPORTKIT_HOME": str(tmp_path)}
    try:
        first = kernels.take(NB, env, prefetch=False)
        pid = kernel_eval(first, "os.getpid()", "import os")
        assert first.pid is not None and pid != first.pid  # the manager sees the launcher
        os.kill(first.pid, signal.SIGKILL)  # what shutdown(now=True) and the watchdog do
        assert gone(pid), "the kernel outlived its launcher"
        first.shutdown()
        second = kernels.take(NB, env, prefetch=False)
        pid = kernel_eval(second, "os.getpid()", "import os")
        server = kernels.server
        assert server is not None
        kernels.close()  # the batch worker is done: server and kernels go
        assert gone(pid) and gone(server.proc.pid)
        second.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
@pytest.mark.parametrize("fork", [True, False], ids=["forked", "started"])
def test_shutdown_kills_and_reaps_without_polling(tmp_path: Path, kernel_eval: Any,
                                                  fork: bool) -> None:
    """Shutting a used kernel down kills its process group and reaps it at once: the worker
    does not sit through jupyter_client's 0.1 s polling of a just-killed process before it
    exports the report."""
    from unittest import mock

    import jupyter_client.manager

    kernels = batch.WarmKernels("python3", (), fork=fork)
    try:
        kernel = kernels.take(NB, {"REPORTKIT_HOME": str(tmp_path)}, prefetch=False)
        assert kernel.forked is fork
        pid = kernel_eval(kernel, "os.getpid()", "import os")
        proc = kernel.km.provisioner.process
        real_sleep = jupyter_client.manager.asyncio.sleep
        polls: list[float] = []

        async def spy(delay: float, *args: Any) -> Any:
            polls.append(delay)
            return await real_sleep(delay, *args)

        with mock.patch.object(jupyter_client.manager.asyncio, "sleep", spy):
            kernel.shutdown()
        assert all(d < 0.1 for d in polls), polls  # (jupyter_client itself adds one 0.01 s)
        assert proc.returncode is not None  # reaped, not a zombie
        assert gone(pid)
    finally:
        kernels.close()


@pytest.mark.slow
def test_a_kernel_that_exits_reports_its_status_through_the_launcher(
        tmp_path: Path) -> None:
    kernels = batch.WarmKernels("python3", (), fork=True)
    try:
        kernel = kernels.take(NB, {"REPORTKIT_HOME": str(tmp_path)}, prefetch=False)
        kernel.kc.execute("import os; os._exit(7)")
        proc = kernel.km.provisioner.process
        assert proc.wait(timeout=20) == 7
        kernel.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
def test_the_server_dies_with_its_parent(tmp_path: Path) -> None:
    """A worker killed with SIGKILL cannot clean up: its fork server and kernels still go."""
    code = ("import sys, time\n"
            "from pathlib import Path\n"
            "from reportkit import batch\n"
            "k = batch.WarmKernels('python3', (), fork=True)\n"
            f"kernel = k.take(Path({str(NB)!r}), {{}}, prefetch=False)\n"
            "print(k.server.proc.pid, flush=True)\n"
            "time.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        server_pid = int(proc.stdout.readline())  # type: ignore[union-attr]
        kernel_pids = children(server_pid)
        assert kernel_pids
        sock = Path(next(a for a in Path(f"/proc/{server_pid}/cmdline").read_bytes()
                           .decode().split("\0") if a.startswith("/") and "reportkit-fork-" in a))
        proc.kill()
        proc.wait()
        assert gone(server_pid)
        assert all(gone(p) for p in kernel_pids)
        deadline = time.monotonic() + 10
        while sock.parent.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not sock.parent.exists()  # the socket and its folder are cleaned up
    finally:
        proc.kill()


@pytest.mark.slow
def test_a_server_that_will_not_start_falls_back_to_plain_kernels(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_eval: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(forkserver, "server_argv",
                        lambda argv: [sys.executable, "-c", "import sys; sys.exit(3)"])
    kernels = batch.WarmKernels("python3", (), fork=True)
    try:
        with caplog.at_level("WARNING", logger="reportkit.batch.run"):
            kernel = kernels.take(NB, {"REPORTKIT_HOME": str(tmp_path)}, prefetch=False)
        assert not kernel.forked and not kernels.fork
        assert "no fork server" in caplog.text
        assert kernel_eval(kernel, "1 + 1") == 2
        kernel.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
def test_a_killed_server_is_replaced(tmp_path: Path, kernel_eval: Any) -> None:
    kernels = batch.WarmKernels("python3", (), fork=True)
    env = {"REPORTKIT_HOME": str(tmp_path)}
    try:
        kernels.prime(NB, env)  # a spare forked by the first server
        first_server = kernels.server
        assert first_server is not None
        first_server.proc.kill()  # takes the spare with it
        first_server.proc.wait()
        kernel = kernels.take(NB, env, prefetch=False)
        assert kernel.forked and kernels.server is not first_server
        assert kernel_eval(kernel, "2 + 2") == 4
        kernel.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
@pytest.mark.parametrize("fork", [True, False], ids=["forked", "started"])
def test_the_first_output_of_a_pre_started_kernel_is_never_lost(tmp_path: Path,
                                                                fork: bool) -> None:
    """A forked kernel answers so soon that its output channel may not be subscribed yet;
    nbclient skips its own readiness check for a kernel it did not start, so take() must
    make sure, or the first cell's output is silently dropped."""
    import nbformat
    from nbclient import NotebookClient

    kernels = batch.WarmKernels("python3", (), fork=fork)
    try:
        for i in range(12 if fork else 2):
            kernel = kernels.take(NB, {"REPORTKIT_HOME": str(tmp_path)}, prefetch=False)
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"print('out {i}')")])
            client = NotebookClient(nb, km=kernel.km, kernel_name="python3", timeout=60,
                                    shutdown_kernel="immediate")
            client.kc = kernel.kc
            client.execute()
            assert [o.get("text") for o in nb.cells[0].outputs] == [f"out {i}\n"], i
            kernel.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
def test_a_warm_module_that_starts_a_thread_means_no_forking(
        tmp_path: Path, kernel_eval: Any, caplog: pytest.LogCaptureFixture) -> None:
    """fork() copies only the calling thread: a template with a running thread could hand
    kernels a lock held forever. The server refuses, and kernels start plainly."""
    (tmp_path / "threaded_warm.py").write_text(
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n")
    kernels = batch.WarmKernels("python3", ("threaded_warm",), fork=True)
    try:
        with caplog.at_level("WARNING", logger="reportkit.batch.run"):
            kernel = kernels.take(tmp_path, {"REPORTKIT_HOME": str(tmp_path)}, prefetch=False)
        assert not kernel.forked
        assert "started a thread" in caplog.text
        assert kernel_eval(kernel, "'threaded_warm' in sys.modules", "import sys") is True
        kernel.shutdown()
    finally:
        kernels.close()
