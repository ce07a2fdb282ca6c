"""Files written whole or not at all, and their hashes: the one helper for each.

Reports, manifests, catalogues, warehouse files and caches are read by other processes while
they are being replaced (a recipient's browser, a batch worker, the next kernel). A file is
therefore never written in place: :func:`atomic_write` writes a temporary file in the same
folder, flushes it to disk and renames it over the target (``os.replace``, atomic on one
filesystem), so a reader sees the old file or the new one, never half of one. :func:`sha256_file`
hashes a file in blocks (reports and warehouse files can be large).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "sha256_bytes", "sha256_file"]


def atomic_write(path: str | Path, data: bytes | str, *, mode: int = 0o644,
                 fsync: bool = True) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; create the folder if needed.

    Args:
        path: The file to write or replace.
        data: Its new content.
        mode: Its permissions (a temporary file is created private; this is what readers get).
        fsync: Flush the data to disk before the rename (skip only for caches that can be
            recomputed).

    Returns:
        ``path``.
    """
    path = Path(path)
    body = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def sha256_bytes(data: bytes) -> str:
    """The sha256 of ``data``, as hex."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """The sha256 of a file, read in 1 MB blocks, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
