"""Report kernels for batch runs: fresh for every report, started ahead, and warmed.

A batch gives every report a fresh kernel (no state passes from one report to the next) and
cannot afford a second of start-up and imports for each. So each worker keeps one *spare*
kernel, started and warmed while the current report runs (:class:`WarmKernels`), and kernels
are forked from a fork server that imported the warm modules once
(:mod:`reportkit.batch.forkserver`).

How jupyter_client is made to start a forked kernel, and why this way: jupyter_client's
documented extension point for *how* a kernel process is started, signalled and stopped is the
kernel provisioner. :class:`ForkProvisioner` is one (registered under the
``jupyter_client.kernel_provisioners`` entry point ``reportkit-fork``): it is a
``LocalProvisioner`` whose ``pre_launch`` turns the formatted kernel command into the fork
server's launcher when the kernel spec names a server socket (``metadata["reportkit"]``). The
kernel manager finds the provisioner through its kernel spec (``metadata["kernel_provisioner"]``);
:class:`KernelSpecs` adds both entries to the named kernelspec, and the manager is an ordinary
``AsyncKernelManager`` given that spec manager.
Nothing of jupyter_client is subclassed beyond those two documented points, and no private
attribute is touched, so a jupyter_client release that keeps its public API keeps this working.

The provisioner also owns the process it started, which keeps shutdown fast: its ``kill``
kills the process group and reaps it at once, and its ``wait`` polls in milliseconds, where
jupyter_client's ``LocalProvisioner`` checks a just-killed process every 0.1 s (every report's
worker used to sleep 0.1 s between its last cell and its export). Plain kernels (no fork
server) are started by the same provisioner, without a socket, for the same shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.provisioning import LocalProvisioner

from reportkit.batch import forkserver
from reportkit.batch.forkserver import ForkServer

log = logging.getLogger("reportkit.batch.run")

__all__ = ["ForkProvisioner", "KernelSpecs", "Kernel", "WarmKernels", "MemoryWatch",
           "PROVISIONER"]

PROVISIONER = "reportkit-fork"  # its name in the jupyter_client.kernel_provisioners entry points
METADATA = "reportkit"  # reportkit's key in a kernel spec's metadata
# A report kernel keeps its input history in memory: a batch does not write every report's
# cells into the user's IPython history database (an SQLite commit per cell, and a file that
# grows by the notebook's source with each of the back-fill's 1,890 reports).
# (It also measured about 0.2 CPU-s less per report.)
KERNEL_ARGS = ("--HistoryManager.enabled=False",)
STARTUP_TIMEOUT = 120  # seconds a kernel may take to start and import the warm modules
REAP_TIMEOUT = 5.0  # seconds kill() waits for a SIGKILLed process (it takes milliseconds)


class ForkProvisioner(LocalProvisioner):
    """Starts a kernel as a child of a fork server (config ``socket_path``), or plainly.

    With ``socket_path`` empty it launches the kernel command itself, exactly as
    ``LocalProvisioner`` does. Either way it kills and reaps its process without the 0.1 s
    polling of ``LocalProvisioner`` (see the module docstring).
    """

    @property
    def socket_path(self) -> str:
        """The socket of the fork server to ask for the kernel ("": start the kernel command
        as a new process): ``metadata["reportkit"]["fork_server"]`` of the kernel spec.

        (Kernel spec metadata, namespaced for its reader, is documented as free for tools to
        use; a provisioner ``config`` entry would need a traitlets trait, and traitlets is
        not among reportkit's declared dependencies.)
        """
        spec = self.kernel_spec
        ours = spec.metadata.get(METADATA, {}) if spec is not None else {}
        return str(ours.get("fork_server") or "")

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """The launch arguments of ``LocalProvisioner``, with the launcher as the command."""
        kwargs = await super().pre_launch(**kwargs)
        if self.socket_path:
            kwargs["cmd"] = forkserver.launcher_argv(self.socket_path, list(kwargs["cmd"]))
        return kwargs

    @property
    def forked(self) -> bool:
        """Whether the kernel is (to be) forked by a fork server."""
        return bool(self.socket_path)

    async def _reaped(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds, polling every few milliseconds, for the process to
        exit; whether it did (it is then reaped)."""
        deadline, delay = time.monotonic() + timeout, 0.001
        while await self.poll() is None:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.02)
        return True

    async def kill(self, restart: bool = False) -> None:
        """Kill the process (group) and reap it before returning."""
        await super().kill(restart=restart)
        if self.has_process and not await self._reaped(REAP_TIMEOUT):
            log.warning("kernel process %s did not exit within %.0fs of SIGKILL", self.pid,
                        REAP_TIMEOUT)

    async def terminate(self, restart: bool = False) -> None:
        """Send SIGTERM to the process (group); reap it if it exits within a moment."""
        await super().terminate(restart=restart)
        if self.has_process:
            await self._reaped(0.05)

    async def wait(self) -> int | None:
        """Wait for the process to exit (polling every few ms), reap it; its status."""
        if self.has_process:
            await self._reaped(float("inf"))
        return await super().wait()  # exited: closes its pipes and forgets it, without sleeping


class KernelSpecs(KernelSpecManager):
    """The installed kernelspecs, each started through :class:`ForkProvisioner`, forked by the
    fork server at ``socket_path`` ("": started plainly); a kernelspec that names a
    provisioner of its own keeps it."""

    def __init__(self, socket_path: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.socket_path = socket_path

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        if "kernel_provisioner" not in spec.metadata:
            spec.metadata = {**spec.metadata,
                             "kernel_provisioner": {"provisioner_name": PROVISIONER, "config": {}},
                             METADATA: {"fork_server": self.socket_path}}
        return spec


def provisioner_registered() -> bool:
    """Whether jupyter_client finds :class:`ForkProvisioner` (reportkit is installed with its
    entry points; a stale install is not). Asked of jupyter_client's provisioner factory, which
    reads the entry points once per process."""
    from jupyter_client.provisioning import KernelProvisionerFactory

    return PROVISIONER in KernelProvisionerFactory.instance().get_provisioner_entries()


def kernel_manager(kernel_name: str, server: ForkServer | None) -> Any:
    """An ``AsyncKernelManager`` whose kernel is started by :class:`ForkProvisioner`: forked
    by ``server``, or (None) started as a new process."""
    from jupyter_client.manager import AsyncKernelManager

    if not provisioner_registered():
        if server is not None:
            raise RuntimeError(f"kernel provisioner {PROVISIONER!r} is not registered "
                               "(reinstall reportkit)")
        return AsyncKernelManager(kernel_name=kernel_name)
    specs = KernelSpecs(socket_path=server.socket_path if server is not None else "")
    return AsyncKernelManager(kernel_name=kernel_name, kernel_spec_manager=specs)


def kernel_argv(kernel_name: str) -> list[str] | None:
    """The kernelspec's command, with a bare ``python`` made this interpreter (as jupyter does);
    None if the kernelspec names a kernel provisioner of its own (its kernels are its own to
    start, not reportkit's to fork)."""
    spec = KernelSpecManager().get_kernel_spec(kernel_name)
    if "kernel_provisioner" in spec.metadata:
        return None
    argv = list(spec.argv)
    if argv and argv[0] in {"python", f"python{sys.version_info[0]}",
                            "python{}.{}".format(*sys.version_info[:2])}:
        argv[0] = sys.executable
    return argv


def warm_code(modules: tuple[str, ...]) -> str:
    """Code that imports ``modules`` (and calls the ``"module:function"`` warm-ups) and leaves
    no name behind in the user namespace."""
    return ("def __reportkit_warm():\n"
            "    import importlib\n"
            f"    for name in {list(modules)!r}:\n"
            "        module, _, function = name.partition(':')\n"
            "        try:\n"
            "            imported = importlib.import_module(module)\n"
            "            if function:\n"
            "                getattr(imported, function)()\n"
            "        except Exception:\n"
            "            pass\n"
            "__reportkit_warm()\n"
            "del __reportkit_warm\n")


# The kernel's own process id, asked in the warm-up request (a user expression, which the
# Jupyter protocol evaluates even for a silent request): for a forked kernel the process
# jupyter_client started is its launcher, not the kernel.
PID_EXPRESSION = "__import__('os').getpid()"


def _descends_from_us(pid: int, depth: int = 4) -> bool:
    """Whether ``pid`` is this process's child, grandchild, ... (a forked kernel is the fork
    server's child): a process id a kernel reported is watched, and maybe killed, only then."""
    me = os.getpid()
    for _ in range(depth):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
                pid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
        if pid == me:
            return True
    return False


def memory_mb(pid: int) -> tuple[float, float] | None:
    """A process's resident memory now and at its peak (``VmRSS``, ``VmHWM`` of
    ``/proc/<pid>/status``), in MB; None if it cannot be read (gone, not Linux)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            fields = dict(line.split(":", 1) for line in fh if ":" in line)
        return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)
    except (OSError, KeyError, ValueError, IndexError):
        return None


class MemoryWatch:
    """Watches one kernel's resident memory while it runs a report.

    Every ``interval`` seconds it reads the kernel's ``VmRSS`` and ``VmHWM`` (its peak, kept
    by Linux for the life of the process); over ``limit_mb`` it kills the kernel, so the
    report fails with a memory-limit error instead of the machine swapping or the OOM killer
    taking a worker. :meth:`stop` reads the peak once more while the kernel is still alive,
    so :attr:`peak_mb` is what the kernel really used, however short the spike. It watches
    the kernel process itself (see :data:`PID_EXPRESSION`), forked or not; its children, if
    a report starts any, are not counted.
    """

    def __init__(self, pid: int | None, limit_mb: int | None, interval: float = 0.1) -> None:
        self.pid, self.limit_mb, self.interval = pid, limit_mb, interval
        self.peak_mb: float | None = None
        self.killed_at_mb: float | None = None  # resident memory when it was killed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self) -> MemoryWatch:
        """Start sampling (in a daemon thread); a watch without a pid does nothing."""
        if self.pid is not None and self._sample():
            self._thread = threading.Thread(target=self._run, name="reportkit-memory",
                                            daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> bool:
        """Read the kernel's memory once (kill it if over the limit); False if it is gone."""
        got = memory_mb(self.pid) if self.pid is not None else None
        if got is None:
            return False
        rss, hwm = got
        self.peak_mb = max(self.peak_mb or 0.0, hwm, rss)
        if self.limit_mb and rss > self.limit_mb and self.killed_at_mb is None:
            self.killed_at_mb = rss
            log.warning("kernel %s uses %.0f MB, over its limit of %d MB: stopping it",
                        self.pid, rss, self.limit_mb)
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)  # type: ignore[arg-type]
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if not self._sample():
                return

    def stop(self) -> float | None:
        """Stop sampling after one last reading (call it while the kernel is alive: once it
        is gone, its process id may be another's); the kernel's peak resident memory in MB.
        Later calls only return the peak."""
        if not self._stopped:
            self._stopped = True
            self._stop.set()
            if self._thread is not None:
                self._thread.join()
            if self.pid is not None:
                self._sample()
        return self.peak_mb

    @property
    def over(self) -> bool:
        """Whether the kernel went over its limit (killed, or its peak is above it)."""
        return bool(self.killed_at_mb is not None
                    or (self.limit_mb and self.peak_mb and self.peak_mb > self.limit_mb))


class Kernel:
    """A started kernel whose warm-up (imports only) was sent; not yet known to be ready."""

    def __init__(self, kernel_name: str, cwd: Path, env: dict[str, str],
                 warm: tuple[str, ...], server: ForkServer | None = None) -> None:
        from jupyter_core.utils import run_sync

        self._run = run_sync
        self.cwd, self.env = str(cwd), dict(env)
        self.forked = server is not None
        self.km = kernel_manager(kernel_name, server)
        run_sync(self.km.start_kernel)(cwd=self.cwd, env={**os.environ, **env},
                                      extra_arguments=list(KERNEL_ARGS),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.allow_stdin = False
        self.started = time.monotonic()
        self.kernel_pid: int | None = None  # the kernel process itself, once it is ready
        if self.forked:  # the fork server ran the warm-ups once, before it forked this one
            warm = tuple(name for name in warm if ":" not in name)
        self._warm_id: str | None = self.kc.execute(
            warm_code(warm), silent=True, store_history=False,
            allow_stdin=False, user_expressions={"pid": PID_EXPRESSION})

    @property
    def provisioner(self) -> ForkProvisioner | None:
        """reportkit's provisioner of this kernel (None if jupyter_client chose another)."""
        provisioner = self.km.provisioner
        return provisioner if isinstance(provisioner, ForkProvisioner) else None

    @property
    def pid(self) -> int | None:
        """The id of the process the provisioner started (for a forked kernel, its launcher:
        killing it kills the kernel)."""
        provisioner = self.provisioner
        return provisioner.pid if provisioner is not None else None

    def matches(self, cwd: Path, env: dict[str, str]) -> bool:
        """Whether this kernel was started for that folder and environment."""
        return self.cwd == str(cwd) and self.env == env

    def wait_ready(self, timeout: float) -> None:
        """Wait for the warm-up reply (the kernel is up and its imports are done).

        Raises:
            RuntimeError: the kernel died or did not answer within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while self._warm_id is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"the kernel did not start within {timeout:.0f}s")
            try:
                msg = self._run(self.kc.get_shell_msg)(timeout=min(1.0, left))
            except queue.Empty:
                if not self._run(self.km.is_alive)():
                    raise RuntimeError("the kernel died while starting") from None
                continue
            if msg["parent_header"].get("msg_id") == self._warm_id:
                warm_id, self._warm_id = self._warm_id, None
                if msg["content"].get("status") != "ok":
                    log.debug("warm-up failed in kernel %s: %s", self.pid, msg["content"])
                self.kernel_pid = self._reported_pid(msg["content"])
                probe, wait = warm_id, 0.1  # its messages are in by now if it was connected
                while not self._iopub_saw(probe, wait):  # output not connected yet: ask again
                    if time.monotonic() > deadline:
                        raise RuntimeError("the kernel's output channel did not connect within "
                                           f"{timeout:.0f}s")
                    probe, wait = self.kc.kernel_info(), 0.5

    def _reported_pid(self, content: dict[str, Any]) -> int | None:
        """The kernel's process id from the warm-up reply, if it is one of our processes."""
        value = (content.get("user_expressions") or {}).get("pid") or {}
        try:
            pid = int((value.get("data") or {}).get("text/plain", ""))
        except ValueError:
            return None
        if pid == self.pid or _descends_from_us(pid):
            return pid
        log.debug("kernel %s reported process %s, which is not ours: not watched", self.pid, pid)
        return None

    def _iopub_saw(self, msg_id: str, wait: float = 0.5) -> bool:
        """Whether the output channel saw request ``msg_id`` finish (drained up to there).

        A subscriber only gets what is published after its subscription reached the kernel: a
        kernel that answers quickly (a forked one) can reply on the shell channel before the
        output channel is connected, and the first cell's output would be lost. nbclient checks
        this in ``wait_for_ready``, which a pre-started kernel skips.
        """
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = self._run(self.kc.get_iopub_msg)(timeout=left)
            except queue.Empty:
                return False
            if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle"):
                return True
        return False

    def shutdown(self) -> None:
        """Stop the kernel now and close its channels.

        ``shutdown_kernel(now=True)``: the provisioner kills the process group and reaps it
        before it returns (see :class:`ForkProvisioner`), so this does not wait out
        jupyter_client's 0.1 s polling of a just-killed process.
        """
        with contextlib.suppress(Exception):
            self.kc.stop_channels()
        with contextlib.suppress(Exception):
            self._run(self.km.shutdown_kernel)(now=True)


class WarmKernels:
    """One spare kernel, started and warmed ahead of need; each job takes a fresh one.

    Kernels are forked from a fork server that has the ``warm`` modules imported (see
    :mod:`reportkit.batch.forkserver`), so neither interpreter start-up nor imports are paid per
    report; where that is not possible (not Linux, a kernelspec that is not ipykernel's, a
    server that fails, ``REPORTKIT_NO_FORK=1``) each kernel starts as a new process.
    """

    def __init__(self, kernel_name: str, warm: tuple[str, ...],
                 startup_timeout: float = STARTUP_TIMEOUT, *, fork: bool | None = None) -> None:
        self.kernel_name, self.warm, self.startup_timeout = kernel_name, warm, startup_timeout
        self.spare: Kernel | None = None
        if fork is None:
            fork = os.environ.get("REPORTKIT_NO_FORK", "") in ("", "0")
        self.fork = fork and forkserver.available()
        self.server: ForkServer | None = None

    def prime(self, cwd: Path, env: dict[str, str]) -> None:
        """Start the spare now (before the first job arrives)."""
        if self.spare is None:
            self.spare = self._start(cwd, env)

    def _server(self, cwd: Path, env: dict[str, str]) -> ForkServer | None:
        """The fork server for ``env`` (started on first use), or None to start kernels plainly."""
        if not self.fork:
            return None
        if self.server is not None and (not self.server.matches(env) or not self.server.alive()):
            self.server.close()
            self.server = None
        if self.server is None:
            try:
                command = kernel_argv(self.kernel_name)
                argv = forkserver.server_argv(command) if command is not None else None
                if argv is None or not provisioner_registered():
                    log.info("kernel %r is not forkable%s: each kernel starts a new process",
                             self.kernel_name, "" if argv is None else
                             f" (provisioner {PROVISIONER!r} is not registered)")
                    self.fork = False
                    return None
                self.server = ForkServer(argv, cwd, env, self.warm, self.startup_timeout)
                self.server.wait_ready()
            except Exception as exc:
                log.warning("no fork server (%s: %s): each kernel starts a new process",
                            type(exc).__name__, exc)
                if self.server is not None:
                    self.server.close()
                self.server, self.fork = None, False
                return None
        return self.server

    def _kernel(self, cwd: Path, env: dict[str, str]) -> Kernel:
        return Kernel(self.kernel_name, cwd, env, self.warm, self._server(cwd, env))

    def _start(self, cwd: Path, env: dict[str, str]) -> Kernel | None:
        try:
            return self._kernel(cwd, env)
        except Exception as exc:  # the job that needs it reports the error
            log.warning("could not start a spare kernel: %s: %s", type(exc).__name__, exc)
            return None

    def take(self, cwd: Path, env: dict[str, str], *, prefetch: bool = True) -> Kernel:
        """A ready, never-used kernel; starts the next spare while the caller uses this one.

        Raises:
            RuntimeError: the kernel would not start.
        """
        kernel, self.spare = self.spare, None
        if kernel is not None and not kernel.matches(cwd, env):
            kernel.shutdown()
            kernel = None
        for attempt in (1, 2):  # a forked kernel gets a second chance (its server was killed)
            kernel = kernel or self._kernel(cwd, env)
            try:
                kernel.wait_ready(self.startup_timeout)
                break
            except BaseException as exc:
                kernel.shutdown()
                if not (isinstance(exc, Exception) and kernel.forked and attempt == 1):
                    raise
                log.warning("a forked kernel did not start (%s); starting another", exc)
                kernel = None
        assert kernel is not None
        if prefetch:  # started after this one is ready, so they do not compete for the CPU
            self.spare = self._start(cwd, env)
        return kernel

    def pids(self) -> list[int]:
        """Process ids of the spare kernel (for a parent that may have to kill them)."""
        return [self.spare.pid] if self.spare and self.spare.pid else []

    def close(self) -> None:
        """Stop the spare and the fork server."""
        if self.spare is not None:
            self.spare.shutdown()
            self.spare = None
        if self.server is not None:
            self.server.close()
            self.server = None
