"""Small derived tables kept beside the warehouse, one folder per data version.

A batch runs every report in a fresh kernel, so a figure that all reports of a period share
(the all-unit aggregates, who submitted which month) would be computed again by each of them.
Such tables are small, so they are kept under ``<warehouse>/cache/<kind>/<version>/`` as Arrow
IPC files: never pickle (nothing in the warehouse folder is executed), and Arrow rather than
Parquet (read in about 1 ms, without waking pyarrow's thread pools). The folder's name hashes
the data version the table was computed from and the source of the module that computed it, so
new data or changed code never reads a stale table. Best effort throughout: an unreadable,
half-written or unwritable cache only means computing again. ``REPORTKIT_NO_CACHE=1`` turns it
off.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from reportkit.store.io import atomic_write, sha256_bytes

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ENV_NO_CACHE", "KEEP", "enabled", "frame_path", "read_frame", "write_frame",
           "source_hash"]

ENV_NO_CACHE = "REPORTKIT_NO_CACHE"
KEEP = 6  # data versions kept per kind; older ones are removed when a new one is written

log = logging.getLogger(__name__)


def enabled() -> bool:
    """Whether the disk cache is used (not when ``REPORTKIT_NO_CACHE`` is set)."""
    return not os.environ.get(ENV_NO_CACHE)


@lru_cache(maxsize=32)
def source_hash(path: str) -> str:
    """A short hash of a module's source file (pass its ``__file__``)."""
    return sha256_bytes(Path(path).read_bytes())[:12]


def frame_path(root: str | Path, kind: str, version: str, name: str) -> Path:
    """Where the table ``name`` computed from data ``version`` is kept: ``version`` must name
    everything the table depends on (data version and the computing module's source hash)."""
    folder = sha256_bytes(version.encode())[:20]
    return Path(root) / "cache" / kind / folder / f"{name}.arrow"


def read_frame(path: Path) -> pd.DataFrame | None:
    """The table kept at ``path``, or None when there is none or it cannot be read."""
    from pyarrow import feather

    try:
        return feather.read_table(path, use_threads=False, memory_map=False).to_pandas()
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged cache file is recomputed, never trusted
        log.debug("ignoring unreadable cache file %s", path)
        return None


def write_frame(path: Path, df: pd.DataFrame) -> None:
    """Keep ``df`` (with its index) at ``path``, written whole or not at all. When it starts a
    new version folder, only the :data:`KEEP` newest folders of its kind stay."""
    try:
        fresh_folder = not path.parent.exists()
        import pyarrow as pa
        from pyarrow import feather

        buf = io.BytesIO()
        feather.write_feather(pa.Table.from_pandas(df, preserve_index=True), buf,
                              compression="uncompressed")
        atomic_write(path, buf.getvalue())
        if fresh_folder:  # prune the oldest data versions
            folders = sorted((p for p in path.parent.parent.iterdir() if p.is_dir()),
                             key=lambda p: p.stat().st_mtime, reverse=True)
            for old in folders[KEEP:]:
                with contextlib.suppress(OSError):
                    shutil.rmtree(old)
    except OSError:  # a read-only warehouse: compute every time
        pass
