"""The kernel command jupyter_client runs when kernels are forked (see reportkit.batch.forkserver):
reportkit's kernel provisioner (reportkit.batch.kernels.ForkProvisioner) puts it in place of
``python -m ipykernel_launcher``, with the same arguments.

``python -S _forklaunch.py SOCKET -f CONNECTION_FILE``: asks the fork server at SOCKET for a
kernel in this folder and environment, hands it this process's stdin/stdout/stderr, passes on
the signals it receives, and exits with the kernel's status. Standard library only, no site
packages: it starts in a few milliseconds.
"""

import json
import os
import signal
import socket
import struct
import sys


def main(argv: list) -> int:
    path, args = argv[0], argv[1:]
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError as exc:
        print(f"reportkit: no fork server at {path}: {exc}", file=sys.stderr)
        return 70
    body = json.dumps({"argv": args, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    socket.send_fds(conn, [struct.pack("!I", len(body))], [0, 1, 2])
    conn.sendall(body)
    kernel = [0]

    def forward(signum: int, _frame: object) -> None:
        if kernel[0]:
            try:
                os.kill(kernel[0], signum)
            except ProcessLookupError:
                pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                signal.SIGUSR2):
        signal.signal(sig, forward)
    reader = conn.makefile("rb")
    while True:
        try:
            line = reader.readline()
        except InterruptedError:
            continue
        if not line:
            return 1  # the server went away without a status
        word, _, value = line.decode().strip().partition(" ")
        if word == "pid":
            kernel[0] = int(value)
        elif word == "exit":
            code = int(value)
            return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
