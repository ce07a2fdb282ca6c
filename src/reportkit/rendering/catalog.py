"""The catalogue of a period's reports: ``manifest.json``, ``index.html``, ``runs.jsonl``.

Layout of one period folder (written by ``reportkit batch``)::

    outputs/<period>/manifest.json         one entry per report: status, files (sha256, size),
                                           parameters, inputs, data version, run id
    outputs/<period>/index.html            the catalogue for recipients (index.en.html in
                                           English; runs.html for operators): catalog_pages
    outputs/<period>/runs.jsonl            one line per attempt (ok, failed, skipped, ...)
    outputs/<period>/<unit>/<notebook>.*   the reports; ``_failed/`` keeps a failed notebook

A manifest entry describes the *latest attempt* (``status``, ``run_id``, ``input_hash``,
``error``) and the *files in place* (``files``, produced by the run named in ``report_run``):
after a failed re-run the previous good report stays in place and stays listed. Every update
takes an exclusive lock (``.manifest.lock``, ``fcntl.flock``) and replaces ``manifest.json``
and ``index.html`` atomically, so concurrent writers (local workers, Dask tasks on a shared
folder) never lose an entry and a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from reportkit.errors import ConfigError
from reportkit.rendering.catalog_pages import INDEX, PAGES, write_index, write_root_index
from reportkit.store.io import atomic_write, sha256_file

__all__ = ["MANIFEST", "INDEX", "RUNS", "file_info", "load_manifest", "record", "append_event",
           "read_runs", "files_intact",
           "verify", "verify_tree", "write_index", "write_root_index", "VerifyReport"]

MANIFEST = "manifest.json"
# INDEX, PAGES, write_index and write_root_index come from catalog_pages (the pages' topic):
# record() writes them after every update, and callers find them here too.
RUNS = "runs.jsonl"
LOCK = ".manifest.lock"
MANIFEST_VERSION = 1
REPORT_SUFFIXES = (".html", ".ipynb", ".pdf")


def now_iso() -> str:
    """The local time, to the second, ISO 8601."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def file_info(path: Path, base: Path) -> dict[str, Any]:
    """What the manifest records about one file: path relative to ``base``, sha256, size and
    mtime (the mtime only lets an unchanged file skip re-hashing)."""
    st = path.stat()
    return {"path": path.relative_to(base).as_posix(), "sha256": sha256_file(path),
            "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _empty(period: str) -> dict[str, Any]:
    return {"manifest_version": MANIFEST_VERSION, "period": period, "updated": None,
            "reports": {}}


def load_manifest(period_dir: Path) -> dict[str, Any]:
    """The period's manifest, or an empty one if there is none yet.

    Raises:
        ConfigError: manifest.json exists but is not a reportkit manifest.
    """
    path = Path(period_dir) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _empty(Path(period_dir).name)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} is unreadable: {exc}", file=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("reports"), dict):
        raise ConfigError(f"{path} is not a reportkit manifest", file=str(path))
    return data


@contextlib.contextmanager
def _locked(period_dir: Path) -> Iterator[None]:
    period_dir.mkdir(parents=True, exist_ok=True)
    with open(period_dir / LOCK, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def record(period_dir: Path, rel: str, update: Callable[[dict[str, Any] | None], dict[str, Any]],
           event: dict[str, Any] | None = None) -> dict[str, Any]:
    """Replace the entry ``rel`` by ``update(old entry or None)`` under the lock; rewrite
    manifest.json and index.html atomically and append ``event`` to runs.jsonl.

    Returns:
        The new entry.
    """
    period_dir = Path(period_dir)
    with _locked(period_dir):
        manifest = load_manifest(period_dir)
        entry = update(manifest["reports"].get(rel))
        manifest["reports"][rel] = entry
        manifest["reports"] = dict(sorted(manifest["reports"].items()))
        manifest["period"] = entry.get("period", manifest.get("period"))
        manifest["updated"] = now_iso()
        atomic_write(period_dir / MANIFEST,
                      json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))
        write_index(period_dir, manifest)
        if event is not None:
            _append(period_dir, rel, event)
    return entry


def append_event(period_dir: Path, rel: str, event: dict[str, Any]) -> None:
    """Append one attempt to runs.jsonl (under the lock) without touching the manifest."""
    period_dir = Path(period_dir)
    with _locked(period_dir):
        _append(period_dir, rel, event)


def _append(period_dir: Path, rel: str, event: dict[str, Any]) -> None:
    line = json.dumps({"time": now_iso(), "key": rel, **event}, ensure_ascii=False)
    with open(period_dir / RUNS, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_runs(period_dir: Path) -> list[dict[str, Any]]:
    """The attempts recorded in ``runs.jsonl`` (oldest first)."""
    try:
        lines = (Path(period_dir) / RUNS).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def _file_ok(info: dict[str, Any], base: Path, quick: bool) -> str | None:
    """None if the file matches its record, else what is wrong."""
    path = base / info["path"]
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    if st.st_size != info["size"]:
        return f"size {st.st_size} instead of {info['size']}"
    if quick and st.st_mtime_ns == info.get("mtime_ns"):
        return None
    got = sha256_file(path)
    if got == info["sha256"]:
        return None
    return f"sha256 {got[:12]}… instead of {info['sha256'][:12]}…"


def files_intact(entry: dict[str, Any], period_dir: Path, *, quick: bool = True) -> bool:
    """Whether every file of the entry's report is in place and unchanged.

    ``quick`` trusts a file whose size and mtime match the record and hashes the others;
    ``reportkit verify`` always hashes.
    """
    files = entry.get("files") or {}
    return bool(files) and all(_file_ok(info, Path(period_dir), quick) is None
                               for info in files.values())


@dataclass
class VerifyReport:
    """What ``verify`` found in one period folder."""

    folder: Path
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every listed file matched."""
        return not self.problems


def verify(folder: Path) -> VerifyReport:
    """Check every file listed in ``folder/manifest.json`` (sha256 and size).

    Report files (.html, .ipynb, .pdf) under the folder that the manifest does not list are
    reported in ``unlisted`` (e.g. written by ``reportkit run``); they are not problems.

    Raises:
        ConfigError: there is no manifest in ``folder``.
    """
    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        raise ConfigError(f"No {MANIFEST} in {folder}", file=str(folder))
    manifest = load_manifest(folder)
    rep = VerifyReport(folder)
    listed: set[str] = set()
    for rel, entry in manifest["reports"].items():
        for group in ("files", "failed_files"):
            for fmt, info in (entry.get(group) or {}).items():
                rep.checked += 1
                listed.add(info["path"])
                problem = _file_ok(info, folder, quick=False)
                if problem:
                    rep.problems.append(f"{info['path']}: {problem} ({rel}, {fmt})")
    for path in sorted(folder.rglob("*")):
        rel_path = path.relative_to(folder).as_posix()
        if (path.is_file() and path.suffix in REPORT_SUFFIXES and rel_path not in listed
                and rel_path not in PAGES
                and not any(part.startswith(".") for part in path.relative_to(folder).parts)):
            rep.unlisted.append(rel_path)
    return rep


def verify_tree(folder: Path) -> list[VerifyReport]:
    """``verify`` for ``folder`` if it holds a manifest, else for each period folder in it."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return [verify(folder)]
    found = sorted(p.parent for p in folder.glob(f"*/{MANIFEST}"))
    if not found:
        raise ConfigError(f"No {MANIFEST} in {folder} or its sub-folders", file=str(folder))
    return [verify(p) for p in found]

