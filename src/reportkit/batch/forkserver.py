"""Fresh kernels forked from a pre-imported template process (a fork server).

Starting a Python kernel and importing pandas, matplotlib and reportkit costs about a second of
CPU. A batch renders hundreds of reports, each on a fresh kernel, so that second is paid for every
report. A fork server pays it once: one template process imports the ``warm`` modules (and runs no
report code), then forks a child for every kernel. The child starts an ordinary ``IPKernelApp``;
nothing a report computes is ever in the template, so no state passes from one report to the next.

The pieces, and why each is there::

    jupyter_client KernelManager → reportkit.batch.kernels.ForkProvisioner
      │                                   starts, signals, kills and reaps the *launcher*
      └─ launcher  (python -S _forklaunch.py SOCKET -f conn.json)   stdlib only, ~20 ms
            │  AF_UNIX: argv, cwd, environment, and its stdin/stdout/stderr (SCM_RIGHTS)
            ▼
         fork server (python -m reportkit.batch.forkserver SOCKET, warm modules imported)
            └─ kernel  (fork → IPKernelApp on conn.json, in the launcher's cwd and environment)

* The launcher lives exactly as long as the kernel: the server tells it the kernel's pid, then
  its exit status. Signals sent to the launcher (interrupt, terminate) are passed on.
* Killing the launcher (``shutdown_kernel(now=True)``, a job timeout, an orphaned worker)
  closes its connection: the server kills that kernel at once.
* The server exits, killing its kernels, when its parent goes (its stdin reaches EOF); a kernel
  also dies with the server (``PR_SET_PDEATHSIG``).

jupyter_client runs the launcher because reportkit's kernel provisioner
(:class:`reportkit.batch.kernels.ForkProvisioner`, its documented extension point for starting
kernels) turns the kernel command into :func:`launcher_argv`. Only kernelspecs that run
``python ... -m ipykernel_launcher -f {connection_file}`` are forked (Linux); anything else, or
a server that will not start, falls back to an ordinary kernel start.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("reportkit.batch.run")

__all__ = ["ForkServer", "server_argv", "launcher_argv", "available", "cap_memory",
           "MEMORY_ENV"]

LAUNCHER = Path(__file__).with_name("_forklaunch.py")
READY = b"ready\n"
MAX_REQUEST = 4 << 20  # bytes of argv + cwd + environment a launcher may send
POLL = 0.2  # seconds between checks for kernels that exited
THREADED = 3  # the server's exit status when a warm module left a thread running
# What an IPython kernel imports while it starts, beyond ``ipykernel.kernelapp``: its debugger
# alone pulls in debugpy (about 140 modules, some 0.1 s of every forked kernel's CPU when the
# kernel imports it itself). None of them starts a thread.
KERNEL_IMPORTS = ("ipykernel.debugger", "IPython.core.completerlib", "IPython.core.debugger",
                  "IPython.core.oinspect", "IPython.extensions.storemagic",
                  "IPython.utils.wildcard", "psutil", "tornado.platform.asyncio", "faulthandler")
# The cyclic collector's first threshold in forked kernels (Python's default is 700). A report
# makes hundreds of thousands of short-lived objects (matplotlib artists, pandas frames): at 700
# its kernel ran about 140 collections, 60 ms of CPU (a full one alone 34 ms); at 50,000 it runs
# one, for a few MB more at its peak. Cycles are still collected, only in larger batches.
KERNEL_GC_THRESHOLD = 50_000
# glibc malloc in the template, and so in every kernel forked from it (set at the server's
# start as GLIBC_TUNABLES, see malloc_tunables): blocks up to MMAP_THRESHOLD come from the heap,
# and up to TRIM_THRESHOLD of free heap top is kept rather than given back to the system. A
# report allocates and frees its chart canvases and images (2-8 MB each) dozens of times; by
# default glibc returned them to the system each time, and every page of the next one faulted
# in again. Measured on a province report (2025-Q3, 4 kernels each way): 45,400-45,700 minor
# faults in the kernel by default, 20,900-21,100 with these; ~0.1-0.2 CPU-s less of ~1.7-2.1.
# Batch workers are not tuned: the same measurement of a worker's own part of a report (kernel
# messages, export, hashes) gave ~1,400 vs ~40 faults but no CPU difference above the noise
# (0.16-0.18 CPU-s either way), not worth changing the environment they are spawned with.
MALLOC_MMAP_THRESHOLD = 32 << 20
MALLOC_TRIM_THRESHOLD = 64 << 20
MALLOC_TOP_PAD = 4 << 20


def available() -> bool:
    """Whether kernels can be forked here (Linux: fork, SCM_RIGHTS, PR_SET_PDEATHSIG)."""
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


def launcher_argv(socket_path: str, kernel_cmd: list[str]) -> list[str]:
    """The command that asks the fork server at ``socket_path`` for the kernel ``kernel_cmd``
    would start.

    ``kernel_cmd`` is a formatted kernel command, ``[python, *options, "-m",
    "ipykernel_launcher", *args]``; the launcher runs on the same interpreter (``-S``: standard
    library only) and hands ``args`` (the connection file, extra kernel arguments) to the
    kernel.

    Raises:
        ValueError: ``kernel_cmd`` does not start ``ipykernel_launcher``.
    """
    try:
        i = kernel_cmd.index("-m")
    except ValueError:
        raise ValueError(f"not an ipykernel command: {kernel_cmd!r}") from None
    if kernel_cmd[i + 1:i + 2] != ["ipykernel_launcher"]:
        raise ValueError(f"not an ipykernel command: {kernel_cmd!r}")
    return [kernel_cmd[0], "-S", str(LAUNCHER), socket_path, *kernel_cmd[i + 2:]]


def server_argv(kernel_argv: list[str]) -> list[str] | None:
    """The command of a fork server for a kernelspec's ``argv``, or None if it cannot fork it.

    ``[python, *options, "-m", "ipykernel_launcher", "-f", "{connection_file}"]`` becomes
    ``[python, *options, "-m", "reportkit.batch.forkserver"]`` (same interpreter, same options).
    """
    try:
        i = kernel_argv.index("-m")
    except ValueError:
        return None
    if kernel_argv[i + 1:] != ["ipykernel_launcher", "-f", "{connection_file}"]:
        return None
    if any(not a.startswith("-X") and a not in ("-E", "-s", "-u", "-B") for a in kernel_argv[1:i]):
        return None
    return [*kernel_argv[:i], "-m", "reportkit.batch.forkserver"]


class ForkServer:
    """A running fork server for one kernelspec, working folder and environment."""

    def __init__(self, argv: list[str], cwd: str | Path, env: dict[str, str],
                 warm: tuple[str, ...], start_timeout: float = 120.0) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="reportkit-fork-"))
        self.socket_path = str(self.folder / "s")
        self.cwd, self.env = str(cwd), dict(env)
        self.proc = subprocess.Popen(
            [*argv, self.socket_path, *warm], cwd=self.cwd,
            env={**os.environ, **env, **malloc_tunables({**os.environ, **env})},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True)  # Ctrl-C on the terminal is the batch's to handle
        self._deadline = time.monotonic() + start_timeout
        self._ready = False

    def matches(self, env: dict[str, str]) -> bool:
        """Whether this server's modules were imported under that environment (the folder
        does not matter: each kernel moves to its own)."""
        return self.env == env

    def wait_ready(self) -> None:
        """Wait until the server has imported its modules and listens.

        Raises:
            RuntimeError: it exited or did not get ready in time.
        """
        if self._ready:
            return
        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            left = self._deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise RuntimeError("the fork server did not get ready in time")
            if self.proc.stdout.readline() != READY:
                status = self.proc.wait()
                raise RuntimeError("a warm module started a thread, so forking is not safe"
                                   if status == THREADED else
                                   f"the fork server exited (status {status})")
        finally:
            sel.close()
        self._ready = True

    def alive(self) -> bool:
        """Whether the server process still runs."""
        return self.proc.poll() is None

    def close(self) -> None:
        """Stop the server and, with it, any kernel it forked."""
        with contextlib.suppress(OSError):
            if self.proc.stdin:
                self.proc.stdin.close()  # EOF: the server kills its kernels and exits
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        with contextlib.suppress(OSError):
            os.unlink(self.socket_path)
        with contextlib.suppress(OSError):
            self.folder.rmdir()


# --- the server process --------------------------------------------------------------------------

def _set_pdeathsig(sig: int) -> None:
    """Ask Linux to send ``sig`` to this process when its parent exits (best effort)."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, sig)  # PR_SET_PDEATHSIG


def malloc_tunables(environ: dict[str, str] | None = None) -> dict[str, str]:
    """``GLIBC_TUNABLES`` for a process to be started with glibc malloc tuned to reuse freed
    blocks (:data:`MALLOC_TRIM_THRESHOLD` and friends).

    glibc reads its tunables from the environment once, when the program starts; changing
    the settings later, from inside the process, would take a C call through ctypes. So they
    go into the environment the fork server is started with, and every kernel forked from it
    inherits the tuned allocator (not the variable: a kernel's environment, and so its
    subprocesses', is its launcher's). Tunables already in ``environ`` (default: this
    process's) come after these, so a user's own settings win.
    """
    ours = (f"glibc.malloc.mmap_threshold={MALLOC_MMAP_THRESHOLD}:"
            f"glibc.malloc.trim_threshold={MALLOC_TRIM_THRESHOLD}:"
            f"glibc.malloc.top_pad={MALLOC_TOP_PAD}")
    theirs = (os.environ if environ is None else environ).get("GLIBC_TUNABLES", "")
    return {"GLIBC_TUNABLES": f"{ours}:{theirs}" if theirs else ours}


def _recv_request(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """One request: a 4-byte length, then JSON; the launcher's stdio descriptors ride along."""
    head, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
    if len(head) < 4:
        raise ValueError("short request")
    (size,) = struct.unpack("!I", head)
    if size > MAX_REQUEST:
        raise ValueError("request too large")
    body = b""
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ValueError("truncated request")
        body += chunk
    return json.loads(body), fds


@dataclass
class KernelRequest:
    """What a forked child needs to become a kernel (see :func:`serve`)."""

    request: dict[str, Any]
    fds: list[int]
    conn: socket.socket
    path0: str | None


MEMORY_ENV = "REPORTKIT_KERNEL_MEMORY_MB"  # the per-kernel memory cap a batch sets
# Address space a kernel maps while it starts (ZeroMQ and heartbeat threads: a stack and an
# allocator arena each) beyond what it had when forked; measured: ~0.5 GB of it idle.
KERNEL_START_ALLOWANCE_MB = 1024


def cap_memory(value: str | None) -> None:
    """Limit this kernel's address space (RLIMIT_AS) to what it maps now (the template's
    imports, shared with it) plus :data:`KERNEL_START_ALLOWANCE_MB` plus ``value`` MB.

    This is the backstop of the memory limit: a single allocation far over it (a table of
    every row, a huge array) gets MemoryError at once, before a byte is touched. The limit
    itself is on resident memory, which the batch worker watches
    (:class:`reportkit.batch.kernels.MemoryWatch`): address space says little about memory
    used (an idle warmed kernel maps about 2 GB while using ~120 MB), hence the baseline and
    the allowance here. Only forked kernels get it, at their fork, when the template has
    imported the warm modules: a kernel started as a new process would get it before numpy
    is imported, and OpenBLAS maps buffers for every core when it starts (gigabytes of
    address space on a many-core server), so importing numpy could fail there. The resident
    memory watch caps both."""
    import resource

    if not value:
        return
    try:
        extra = int(value) * 1024 * 1024
        with open("/proc/self/statm", encoding="ascii") as fh:
            now = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = now + extra + KERNEL_START_ALLOWANCE_MB * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def become_kernel(fork: KernelRequest) -> int:
    """In the forked child: run an IPKernelApp for the launcher's connection file; its status.

    The child then leaves the way ``python -m ipykernel_launcher`` does: :func:`main` returns
    this status to ``sys.exit`` and the interpreter shuts down normally, running the exit
    handlers the kernel registered (IPython's, the connection file's clean-up) and those of the
    template's modules, and flushing its output. That is the public way to run them; the
    server's own clean-up never runs in a child, because :func:`serve` has left its loop
    before this runs and skips its ``finally`` outside the server process.
    """
    request, fds, conn = fork.request, fork.fds, fork.conn
    try:
        _set_pdeathsig(signal.SIGKILL)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL if sig != signal.SIGINT else
                          signal.default_int_handler)
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        conn.close()  # the server speaks for this kernel to the launcher
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        cap_memory(os.environ.get(MEMORY_ENV))
        if sys.path and fork.path0 is not None and sys.path[0] == fork.path0:
            sys.path[0] = request["cwd"]  # what `python -m ipykernel_launcher` would have
        if "numpy" in sys.modules:  # `random` reseeds itself after fork; numpy does not
            sys.modules["numpy"].random.seed()
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=request["argv"])
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - the kernel's stderr is the launcher's
        import traceback

        traceback.print_exc()
        return 1


def warm_imports(modules: Iterable[str] = ()) -> None:
    """Import the kernel (``ipykernel.kernelapp``, which must import), what it imports while it
    starts (:data:`KERNEL_IMPORTS`) and ``modules``; a module that fails to import is left out.

    An entry ``"package.module:function"`` imports the module and calls its function with no
    argument (a warm-up, such as :func:`reportkit.presentation.warm_up`); one that fails is
    logged and left out too."""
    import ipykernel.kernelapp  # noqa: F401 - the kernel itself, imported once

    for name in (*KERNEL_IMPORTS, *modules):
        module, _, function = name.partition(":")
        try:
            imported = importlib.import_module(module)
            if function:
                getattr(imported, function)()
        except Exception as exc:  # noqa: BLE001 - a kernel imports it again if it needs it
            if function:
                log.warning("warm-up %s failed in the fork server: %s: %s", name,
                            type(exc).__name__, exc)


def serve(socket_path: str, warm: list[str]) -> int | KernelRequest:
    """The fork server's loop: its exit status, or, in a forked child, the kernel to become.

    A child returns from the loop rather than running the kernel inside it, so that nothing of
    the server (its ``finally``, its frames) is in the way of the kernel's normal exit.
    """
    server = os.getpid()
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    path0 = sys.path[0] if sys.path else None  # the start folder, as `python -m` puts it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_imports(warm)
    if threading.active_count() > 1:  # forking a threaded process is not safe
        return THREADED
    import gc

    gc.collect()
    gc.freeze()  # the kernels' collector leaves the template's objects (and their pages) alone
    gc.set_threshold(KERNEL_GC_THRESHOLD, *gc.get_threshold()[1:])
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(sys.stdin.buffer, selectors.EVENT_READ, "parent")
    kernels: dict[int, socket.socket] = {}  # kernel pid → its launcher's connection
    sys.stdout.buffer.write(READY)
    sys.stdout.buffer.flush()

    def kill(pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def reap() -> None:
        while kernels:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = kernels.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                with contextlib.suppress(KeyError, ValueError):
                    sel.unregister(conn)
                conn.close()

    try:
        while True:
            for key, _ in sel.select(POLL):
                if key.data == "parent":
                    if not os.read(sys.stdin.fileno(), 1024):
                        return 0
                elif key.data == "accept":
                    conn, _addr = listener.accept()
                    try:
                        conn.settimeout(10)
                        request, fds = _recv_request(conn)
                    except (OSError, ValueError):
                        conn.close()
                        continue
                    pid = os.fork()
                    if pid == 0:
                        sel.close()
                        listener.close()
                        for other in kernels.values():
                            other.close()
                        return KernelRequest(request, fds, conn, path0)
                    for fd in fds:
                        os.close(fd)
                    conn.settimeout(None)
                    kernels[pid] = conn
                    sel.register(conn, selectors.EVENT_READ, pid)
                    with contextlib.suppress(OSError):
                        conn.sendall(f"pid {pid}\n".encode())
                else:  # the launcher closed its end (it died or was killed): so does the kernel
                    conn = key.fileobj
                    with contextlib.suppress(OSError):
                        if conn.recv(64):  # type: ignore[union-attr]
                            continue
                    kill(key.data)
            reap()
    finally:
        if os.getpid() == server:  # not in a forked child on its way to become a kernel
            for pid in list(kernels):
                kill(pid)
            with contextlib.suppress(OSError):
                os.unlink(socket_path)
            with contextlib.suppress(OSError):  # its private folder (a killed worker cannot)
                os.rmdir(os.path.dirname(socket_path))


def main(argv: list[str]) -> int:
    """``python -m reportkit.batch.forkserver SOCKET [MODULE...]``: serve; a forked child runs its
    kernel and exits with the kernel's status (see :func:`become_kernel`)."""
    outcome = serve(argv[0], argv[1:])
    if isinstance(outcome, KernelRequest):
        return become_kernel(outcome)
    return outcome


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
