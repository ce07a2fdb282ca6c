"""Kernels forked from a pre-imported fork server: fresh, isolated, started through reportkit's
kernel provisioner, stopped at once, and never left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from reportkit.batch import forkserver
from reportkit.batch import kernels as K

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


def test_the_launcher_asks_the_server_for_the_same_kernel_command() -> None:
    py = "/opt/env/bin/python"
    cmd = [py, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "/run/k.json",
           "--HistoryManager.enabled=False"]
    assert forkserver.launcher_argv("/tmp/s", cmd) == [
        py, "-S", str(forkserver.LAUNCHER), "/tmp/s", "-f", "/run/k.json",
        "--HistoryManager.enabled=False"]
    with pytest.raises(ValueError):
        forkserver.launcher_argv("/tmp/s", ["R", "--slave", "-e", "IRkernel::main()"])


def test_only_kernelspecs_without_a_provisioner_of_their_own_are_forked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    for name, metadata in (("plain", {}), ("remote", {"kernel_provisioner": {
            "provisioner_name": "local-provisioner"}})):
        (tmp_path / "kernels" / name).mkdir(parents=True)
        (tmp_path / "kernels" / name / "kernel.json").write_text(json.dumps({
            "argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": name, "language": "python", "metadata": metadata}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    assert K.kernel_argv("plain") == [sys.executable, "-m", "ipykernel_launcher", "-f",
                                      "{connection_file}"]
    assert K.kernel_argv("remote") is None
    # the spec manager names reportkit's provisioner only where the kernelspec names none
    specs = K.KernelSpecs(socket_path="/tmp/s")
    metadata = specs.get_kernel_spec("plain").metadata
    assert metadata["kernel_provisioner"]["provisioner_name"] == K.PROVISIONER
    assert metadata[K.METADATA] == {"fork_server": "/tmp/s"}
    assert specs.get_kernel_spec("remote").metadata["kernel_provisioner"][
        "provisioner_name"] == "local-provisioner"


def test_glibc_tunables_keep_the_users_own_settings() -> None:
    ours = forkserver.malloc_tunables({})["GLIBC_TUNABLES"]
    assert f"glibc.malloc.trim_threshold={forkserver.MALLOC_TRIM_THRESHOLD}" in ours
    mixed = forkserver.malloc_tunables({"GLIBC_TUNABLES": "glibc.malloc.top_pad=0"})
    assert mixed["GLIBC_TUNABLES"] == ours + ":glibc.malloc.top_pad=0"  # the later one wins


_MALLOC_PROBE = """
import ctypes, resource, sys
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
ONE_ROUND = (4 + 8 + 3) << 20 >> 12  # pages of the probe's largest round


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc")
def test_a_process_started_with_the_tunables_reuses_freed_memory() -> None:
    """Ten rounds of allocating, writing and freeing 10-16 MB: in a process started with
    :func:`forkserver.malloc_tunables` the pages of the first round are reused; with glibc's
    defaults (the control) most blocks go back to the system and fault in again."""
    plain = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    faults = {mode: int(subprocess.run([sys.executable, "-c", _MALLOC_PROBE], check=True,
                                       capture_output=True, text=True, env=env).stdout)
              for mode, env in (("tuned", {**plain, **forkserver.malloc_tunables(plain)}),
                                ("default", plain))}
    assert faults["tuned"] < 1.5 * ONE_ROUND, faults
    assert faults["default"] > 2 * faults["tuned"], faults


@pytest.mark.slow
def test_forked_kernels_are_separate_processes_with_their_own_state(
        tmp_path: Path, kernel_eval: Any) -> None:
    kernels = K.WarmKernels("python3", ("numpy.random",), fork=True)
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
        assert kernel_eval(a, "f", _MALLOC_PROBE.replace("print(", "f = (")) < 1.5 * ONE_ROUND
        kernel_eval(a, "x", "x = 'only in a'")
        assert kernel_eval(b, "'x' in globals()") is False
        a.shutdown()
        b.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
def test_killing_the_launcher_or_closing_the_server_kills_the_kernel(
        tmp_path: Path, kernel_eval: Any) -> None:
    kernels = K.WarmKernels("python3", (), fork=True)
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
def test_kernels_start_through_reportkits_provisioner(tmp_path: Path, kernel_eval: Any,
                                                      fork: bool) -> None:
    """jupyter_client starts the kernel through the provisioner its kernel spec names (the
    documented extension point); the kernelspec's own command is left as it is."""
    from jupyter_client.provisioning import KernelProvisionerFactory

    entry = KernelProvisionerFactory.instance().get_provisioner_entries()[K.PROVISIONER]
    assert entry == "reportkit.batch.kernels:ForkProvisioner"
    kernels = K.WarmKernels("python3", (), fork=fork)
    try:
        kernel = kernels.take(NB, {"REPORTKIT_HOME": str(tmp_path)}, prefetch=False)
        provisioner = kernel.km.provisioner
        assert isinstance(provisioner, K.ForkProvisioner) and provisioner.forked is fork
        spec = kernel.km.kernel_spec
        assert spec.metadata["kernel_provisioner"]["provisioner_name"] == K.PROVISIONER
        assert spec.argv == K.KernelSpecManager().get_kernel_spec("python3").argv
        parent = kernel_eval(kernel, "open(f'/proc/{os.getppid()}/cmdline').read()", "import os")
        assert ("reportkit.batch.forkserver" in parent) is fork
        assert kernel.pid == provisioner.pid
        kernel.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
@pytest.mark.parametrize("fork", [True, False], ids=["forked", "started"])
def test_shutdown_kills_and_reaps_at_once(tmp_path: Path, kernel_eval: Any,
                                          fork: bool) -> None:
    """Shutting a used kernel down kills its process and reaps it before it returns: the worker
    does not sit through 0.1 s polls of a just-killed process before it exports the report.
    (With 0.1 s polling no shutdown could take less than 0.1 s; the fastest of three is
    compared, which a busy machine does not push over it.)"""
    kernels = K.WarmKernels("python3", (), fork=fork)
    env = {"REPORTKIT_HOME": str(tmp_path)}
    took = []
    try:
        for _ in range(3):
            kernel = kernels.take(NB, env, prefetch=False)
            assert kernel.forked is fork
            pid = kernel_eval(kernel, "os.getpid()", "import os")
            started = kernel.pid
            assert started is not None and Path(f"/proc/{started}").exists()
            t0 = time.perf_counter()
            kernel.shutdown()
            took.append(time.perf_counter() - t0)
            assert not Path(f"/proc/{started}").exists()  # killed and reaped, not a zombie
            assert gone(pid)
        assert min(took) < 0.1, took
    finally:
        kernels.close()


@pytest.mark.slow
def test_a_kernel_that_exits_reports_its_status_through_the_launcher(
        tmp_path: Path) -> None:
    from jupyter_core.utils import run_sync

    kernels = K.WarmKernels("python3", (), fork=True)
    try:
        kernel = kernels.take(NB, {"REPORTKIT_HOME": str(tmp_path)}, prefetch=False)
        kernel.kc.execute("import os; os._exit(7)")
        assert run_sync(kernel.km.provisioner.wait)() == 7
        kernel.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
def test_a_forked_kernel_that_quits_exits_normally(tmp_path: Path) -> None:
    """A forked kernel ends like ``python -m ipykernel_launcher``: through interpreter shutdown,
    so exit handlers registered in the kernel run, and its status is 0."""
    from jupyter_core.utils import run_sync

    marker = tmp_path / "atexit-ran"
    kernels = K.WarmKernels("python3", (), fork=True)
    try:
        kernel = kernels.take(NB, {"REPORTKIT_HOME": str(tmp_path)}, prefetch=False)
        assert kernel.forked
        kernel.kc.execute(f"import atexit, pathlib\n"
                          f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
                          f"exit()")
        assert run_sync(kernel.km.provisioner.wait)() == 0
        assert marker.read_text() == "yes"
        kernel.shutdown()
        assert kernels.server is not None and kernels.server.alive()  # the server is unharmed
    finally:
        kernels.close()


@pytest.mark.slow
def test_the_server_dies_with_its_parent(tmp_path: Path) -> None:
    """A worker killed with SIGKILL cannot clean up: its fork server and kernels still go."""
    code = ("import sys, time\n"
            "from pathlib import Path\n"
            "from reportkit.batch import kernels\n"
            "k = kernels.WarmKernels('python3', (), fork=True)\n"
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
    kernels = K.WarmKernels("python3", (), fork=True)
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
def test_without_the_provisioner_registered_kernels_start_plainly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_eval: Any) -> None:
    """A stale install (reportkit's entry points missing): no forking, ordinary kernels."""
    monkeypatch.setattr(K, "provisioner_registered", lambda: False)
    kernels = K.WarmKernels("python3", (), fork=True)
    try:
        kernel = kernels.take(NB, {"REPORTKIT_HOME": str(tmp_path)}, prefetch=False)
        assert not kernel.forked and not kernels.fork and kernels.server is None
        assert kernel_eval(kernel, "1 + 1") == 2
        kernel.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
def test_a_killed_server_is_replaced(tmp_path: Path, kernel_eval: Any) -> None:
    kernels = K.WarmKernels("python3", (), fork=True)
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

    kernels = K.WarmKernels("python3", (), fork=fork)
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
    kernels = K.WarmKernels("python3", ("threaded_warm",), fork=True)
    try:
        with caplog.at_level("WARNING", logger="reportkit.batch.run"):
            kernel = kernels.take(tmp_path, {"REPORTKIT_HOME": str(tmp_path)}, prefetch=False)
        assert not kernel.forked
        assert "started a thread" in caplog.text
        assert kernel_eval(kernel, "'threaded_warm' in sys.modules", "import sys") is True
        kernel.shutdown()
    finally:
        kernels.close()


@pytest.mark.slow
def test_warm_ups_run_once_in_the_template_or_in_a_plain_kernel(
        tmp_path: Path, kernel_eval: Any) -> None:
    """A ``module:function`` entry of ``warm`` (reportkit.presentation:warm_up by default) is
    called once by the fork server, before it forks: every kernel starts with its work done
    and none runs it again. One that fails does not stop the server. A kernel started plainly
    runs the warm-ups itself."""
    (tmp_path / "warm_probe.py").write_text(
        "import os\nruns = []\n\ndef prepare():\n    runs.append(os.getpid())\n\n"
        "def broken():\n    raise RuntimeError('no')\n")
    warm = ("warm_probe:broken", "warm_probe:prepare")
    kernels = K.WarmKernels("python3", warm, fork=True)
    try:
        a = kernels.take(tmp_path, {"REPORTKIT_HOME": str(tmp_path)})
        b = kernels.take(tmp_path, {"REPORTKIT_HOME": str(tmp_path)})
        assert a.forked and b.forked
        server = kernels.server.proc.pid
        for kernel in (a, b):
            assert kernel_eval(kernel, "warm_probe.runs", "import warm_probe") == [server]
            kernel.shutdown()
    finally:
        kernels.close()
    plain = K.WarmKernels("python3", warm, fork=False)
    try:
        kernel = plain.take(tmp_path, {"REPORTKIT_HOME": str(tmp_path)}, prefetch=False)
        assert kernel_eval(kernel, "warm_probe.runs == [os.getpid()]",
                           "import os, warm_probe") is True
        kernel.shutdown()
    finally:
        plain.close()


def test_the_default_warm_up_prepares_the_report_pages_and_starts_no_thread() -> None:
    """The fork server may only fork a template with one thread: reportkit's own warm-up
    (templates compiled, a chart drawn) must not start any, nor leave a figure open."""
    code = ("import threading, matplotlib.pyplot as plt\n"
            "from reportkit.batch.plan import DEFAULT_WARM\n"
            "from reportkit.batch.forkserver import warm_imports\n"
            "from reportkit.presentation import html\n"
            "assert 'reportkit.presentation:warm_up' in DEFAULT_WARM\n"
            "warm_imports(DEFAULT_WARM)\n"
            "env = html.environment(html.PRESENTATION)  # the one render() uses\n"
            "print(threading.active_count(), plt.get_fignums(), len(env.cache))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "MPLBACKEND": "Agg"}).stdout.split()
    assert out[:2] == ["1", "[]"]
    assert int(out[2]) >= 10  # the page templates, compiled
