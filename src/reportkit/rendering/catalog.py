"""The catalogue of a period's reports: ``manifest.json``, ``index.html``, ``runs.jsonl``.

Layout of one period folder (written by ``reportkit batch``)::

    outputs/<period>/manifest.json         one entry per report: status, files (sha256, size),
                                           parameters, inputs, data version, run id
    outputs/<period>/index.html            the catalogue for recipients (index.en.html in
                                           English; runs.html for operators): catalog_pages
    outputs/<period>/runs.jsonl            one line per attempt (ok, failed, skipped, ...)
    outputs/<period>/<unit>/<notebook>.*   the reports; ``_failed/`` keeps a failed notebook
    outputs/<period>/<unit>/issued/<number>/<notebook>.*
                                           issued copies (``reportkit issue``): signed, read-only,
                                           their own entries (``status: "issued"``); never
                                           written by a batch

What ``reportkit verify`` checks, and how the catalogue itself is covered:

* every report file the manifest lists (sha256, size); every other file or folder in the period
  folder is *unlisted* and fails verification (only ``manifest.json``, ``index.html``,
  ``runs.jsonl`` and the lock file belong there besides the reports);
* ``index.html``: its sha256 and size are recorded in the manifest (``"index"``) each time it is
  written, in the same locked update;
* ``runs.jsonl``, which later runs append to: the manifest records a *hash chain* over its lines
  (``"runs"``: ``lines``, ``size``, ``chain`` = sha256(previous chain + line), and the ``last``
  line). Each append extends the chain from the manifest's value, never from the file, so a
  line edited, removed or added outside reportkit makes the chain differ for good, and an
  append costs the same however long the log is. The manifest (written atomically) is the
  commit point: it is written first, then the line is appended. A writer stopped between the
  two leaves the log one recorded line short; that line is in the manifest (``last``), so
  ``verify`` accepts that state with a note and the next write restores the line.
* ``outputs/index.html`` (all periods): its sha256 is in ``outputs/index.sha256`` (the format
  of ``sha256sum``, so ``sha256sum -c index.sha256`` checks it too).

``manifest.json`` itself is the anchor: it is not signed, so verify finds changes made by
anything but a writer that also rewrites the manifest consistently.

A manifest entry describes the *latest attempt* (``status``, ``run_id``, ``input_hash``,
``error``) and the *files in place* (``files``, produced by the run named in ``report_run``):
after a failed re-run the previous good report stays in place and stays listed. Every update
takes an exclusive lock (``.manifest.lock``, ``fcntl.flock``) and replaces ``manifest.json``
and ``index.html`` atomically, so concurrent writers (local workers, Dask tasks on a shared
folder) never lose an entry and a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from reportkit.errors import ConfigError
from reportkit.rendering import catalog_pages as _pages
from reportkit.rendering.catalog_pages import INDEX, PAGES, write_index
from reportkit.store.io import atomic_write, locked, sha256_file

__all__ = ["MANIFEST", "INDEX", "RUNS", "ROOT_SUMS", "file_info", "load_manifest", "record",
           "append_event", "read_runs", "files_intact", "refresh_index",
           "verify", "verify_tree", "verify_signatures", "write_index", "write_root_index",
           "VerifyReport"]

log = logging.getLogger("reportkit.rendering.catalog")

MANIFEST = "manifest.json"
# INDEX, PAGES, write_index and write_root_index come from catalog_pages (the pages' topic):
# record() writes them after every update, and callers find them here too.
RUNS = "runs.jsonl"
LOCK = ".manifest.lock"
ROOT_SUMS = "index.sha256"  # sha256 of the output root's index.html (sha256sum format)
PERIOD_FILES = frozenset({MANIFEST, RUNS, LOCK, *PAGES})  # a period folder's own files
# What an output root holds besides its period folders: the root catalogue and its checksum,
# the batch, issue and manifest locks, the staging folder, and the blank forms of
# `reportkit form` (outputs/templates/).
ROOT_ENTRIES = frozenset({*PAGES, ROOT_SUMS, LOCK, ".batch.lock", ".issue.lock", ".staging",
                          "templates"})
MANIFEST_VERSION = 1
REPORT_SUFFIXES = (".html", ".ipynb", ".pdf", ".docx")


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


def _locked(period_dir: Path) -> contextlib.AbstractContextManager[None]:
    """The folder's manifest lock (``.manifest.lock``)."""
    return locked(Path(period_dir) / LOCK)


def record(period_dir: Path, rel: str, update: Callable[[dict[str, Any] | None], dict[str, Any]],
           event: dict[str, Any] | None = None) -> dict[str, Any]:
    """Replace the entry ``rel`` by ``update(old entry or None)`` under the lock; rewrite
    index.html and manifest.json atomically (with the index's hash and the run log's chain)
    and append ``event`` to runs.jsonl.

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
        _commit(period_dir, manifest, _event_line(rel, event) if event is not None else None)
    return entry


def append_event(period_dir: Path, rel: str, event: dict[str, Any]) -> None:
    """Append one attempt to runs.jsonl (under the lock); the manifest's entries stay as
    they are (only its record of the run log changes)."""
    period_dir = Path(period_dir)
    with _locked(period_dir):
        _commit(period_dir, load_manifest(period_dir), _event_line(rel, event))


def refresh_index(period_dir: Path) -> None:
    """Write index.html again from the manifest and record its hash (under the lock)."""
    period_dir = Path(period_dir)
    with _locked(period_dir):
        if (period_dir / MANIFEST).is_file():
            _commit(period_dir, load_manifest(period_dir), None)


def _event_line(rel: str, event: dict[str, Any]) -> bytes:
    return (json.dumps({"time": now_iso(), "key": rel, **event}, ensure_ascii=False)
            + "\n").encode("utf-8")


def _chain(previous: str, line: bytes) -> str:
    """The run log's chain value after ``line`` (its bytes with the newline)."""
    return hashlib.sha256(previous.encode("ascii") + line).hexdigest()


def _log_lines(data: bytes) -> list[bytes]:
    """runs.jsonl as its lines, each with its newline (a last line without one kept as is)."""
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    return lines + [parts[-1]] if parts[-1] else lines


def _chain_of(lines: list[bytes]) -> str:
    value = ""
    for line in lines:
        value = _chain(value, line)
    return value


def _runs_record(period_dir: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest's record of runs.jsonl; for a manifest from before records were kept,
    one made from the log as it is (trusted once, when first recorded)."""
    runs = manifest.get("runs")
    if isinstance(runs, dict) and {"lines", "size", "chain"} <= runs.keys():
        return runs
    try:
        lines = _log_lines((period_dir / RUNS).read_bytes())
    except FileNotFoundError:
        lines = []
    return {"lines": len(lines), "size": sum(map(len, lines)), "chain": _chain_of(lines),
            "last": lines[-1].decode("utf-8", "replace") if lines else ""}


def _log_size(period_dir: Path) -> int:
    try:
        return (period_dir / RUNS).stat().st_size
    except FileNotFoundError:
        return 0


def _restore_last(period_dir: Path, runs: dict[str, Any]) -> None:
    """Complete the recorded last line if the log lacks it or its end (its writer stopped
    between the manifest and the log, or while appending)."""
    last = str(runs.get("last") or "").encode("utf-8")
    start = runs["size"] - len(last)
    if not last or not start <= _log_size(period_dir) < runs["size"]:
        return
    with open(period_dir / RUNS, "r+b") as fh:
        fh.seek(start)
        tail = fh.read()
        if last.startswith(tail):
            log.warning("%s: restoring its last recorded line (its writer stopped before "
                        "it was written)", period_dir / RUNS)
            fh.write(last[len(tail):])
            fh.flush()
            os.fsync(fh.fileno())


def _complete(data: bytes) -> tuple[list[bytes], bytes]:
    """The log's complete lines, and what follows the last of them (a line being written)."""
    lines = _log_lines(data)
    if lines and not lines[-1].endswith(b"\n"):
        return lines[:-1], lines[-1]
    return lines, b""


def _append_line(period_dir: Path, line: bytes) -> None:
    with open(period_dir / RUNS, "ab") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def _commit(period_dir: Path, manifest: dict[str, Any], line: bytes | None) -> None:
    """Under the lock: write index.html, then manifest.json (recording the index's hash and,
    with ``line``, the run log's chain extended by it), then append ``line`` to runs.jsonl."""
    runs = _runs_record(period_dir, manifest)
    _restore_last(period_dir, runs)
    if line is not None:
        runs = {"lines": runs["lines"] + 1, "size": runs["size"] + len(line),
                "chain": _chain(runs["chain"], line), "last": line.decode("utf-8")}
    manifest["runs"] = runs
    write_index(period_dir, manifest)
    manifest.pop("index", None)  # older manifests: index.html alone
    manifest["pages"] = {name: {"sha256": sha256_file(period_dir / name),
                                "size": (period_dir / name).stat().st_size}
                         for name in PAGES if (period_dir / name).is_file()}
    atomic_write(period_dir / MANIFEST,
                 json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))
    if line is not None:
        _append_line(period_dir, line)


def read_runs(period_dir: Path) -> list[dict[str, Any]]:
    """The attempts recorded in ``runs.jsonl`` (oldest first), with the recorded last line
    if its writer stopped before appending it."""
    period_dir = Path(period_dir)
    try:
        lines, _partial = _complete((period_dir / RUNS).read_bytes())
    except FileNotFoundError:
        lines = []
    with contextlib.suppress(ConfigError):
        runs = load_manifest(period_dir).get("runs") or {}
        last = str(runs.get("last") or "").encode("utf-8")
        if last and sum(map(len, lines)) == runs.get("size", 0) - len(last):
            lines.append(last)
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
    """What ``verify`` found in one period folder (or in an output root's own files)."""

    folder: Path
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    signatures: int = 0  # issued PDFs whose signature was checked
    notes: list[str] = field(default_factory=list)  # e.g. signers not checked against a root

    @property
    def ok(self) -> bool:
        """True when every listed file matched and nothing unlisted is there."""
        return not self.problems and not self.unlisted


def _hash_ok(path: Path, info: dict[str, Any] | None) -> str | None:
    """None if ``path`` matches ``info`` (sha256, size), else what is wrong."""
    if not info:
        return "not recorded (written by an older reportkit: the next run records it)"
    if path.is_symlink():
        return "is a symbolic link"
    return _file_ok({"path": path.name, **info}, path.parent, quick=False)


def _check_runs(folder: Path, manifest: dict[str, Any], rep: VerifyReport) -> None:
    """runs.jsonl against the manifest's chain (see the module docstring)."""
    path = folder / RUNS
    runs = manifest.get("runs")
    if not path.exists() and not runs:
        return
    rep.checked += 1
    if path.is_symlink():
        rep.problems.append(f"{RUNS}: is a symbolic link")
        return
    if not isinstance(runs, dict) or not {"lines", "size", "chain"} <= runs.keys():
        rep.problems.append(f"{RUNS}: not recorded (written by an older reportkit: the next "
                            "run records it)")
        return
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    lines = _log_lines(data)
    chain, size = _chain_of(lines), len(data)
    if (len(lines), size, chain) == (runs["lines"], runs["size"], runs["chain"]):
        return
    done, partial = _complete(data)
    before = _chain_of(done)
    last = str(runs.get("last") or "").encode("utf-8")
    if (last and last.startswith(partial) and _chain(before, last) == runs["chain"]
            and size - len(partial) + len(last) == runs["size"]):
        rep.notes.append(f"{RUNS}: its last recorded line is missing or cut short (its "
                         "writer stopped before it was written); the manifest holds it and "
                         "the next run restores it")
        return
    rep.problems.append(f"{RUNS}: {len(lines)} line(s), {size} bytes; the manifest records "
                        f"{runs['lines']} line(s), {runs['size']} bytes and another hash "
                        "chain (lines changed, removed or added outside reportkit)")


def verify(folder: Path, *, trust_roots: Sequence[Path] = (), lang: str = "vi") -> VerifyReport:
    """Check a period folder: every file listed in ``folder/manifest.json`` (sha256 and size),
    the catalogue pages and ``runs.jsonl`` against their records, that nothing else is there,
    and the digital signature of every issued report (:func:`verify_signatures`).

    Any file or folder the manifest does not list is reported in ``unlisted`` and fails the
    check, like a changed or missing file.

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
                if problem is None and (folder / info["path"]).is_symlink():
                    problem = "is a symbolic link"
                if problem:
                    rep.problems.append(f"{info['path']}: {problem} ({rel}, {fmt})")
    pages = _recorded_pages(manifest)
    for name in PAGES:
        if (folder / name).exists() or name in pages:
            rep.checked += 1
            problem = _hash_ok(folder / name, pages.get(name))
            if problem:
                rep.problems.append(f"{name}: {problem}")
    # Files a folder's maker recorded besides reports and pages (a bundle's signatures.json).
    for name, info in (manifest.get("extra_files") or {}).items():
        rep.checked += 1
        listed.add(name)
        problem = _hash_ok(folder / name, info)
        if problem:
            rep.problems.append(f"{name}: {problem}")
    _check_runs(folder, manifest, rep)
    folders = {p.rsplit("/", 1)[0] for p in listed if "/" in p}
    parents = {"/".join(f.split("/")[:i]) for f in folders for i in range(1, f.count("/") + 2)}
    for top, dirs, files in os.walk(folder):
        base = Path(top).relative_to(folder)
        for name in sorted(files):
            rel = (base / name).as_posix()
            if rel not in listed and not (base == Path(".") and name in PERIOD_FILES):
                rep.unlisted.append(rel)
        for name in sorted(dirs):
            rel = (base / name).as_posix()
            if Path(top, name).is_symlink():
                rep.unlisted.append(f"{rel}/")
            elif rel not in parents and not any(os.scandir(Path(top, name))):
                rep.unlisted.append(f"{rel}/ (empty folder)")
        dirs[:] = [d for d in dirs if not Path(top, d).is_symlink()]
    rep.unlisted.sort()
    verify_signatures(folder, manifest, rep, trust_roots=trust_roots, lang=lang)
    return rep


def _verify_root(root: Path, periods: list[Path]) -> VerifyReport:
    """An output root's own files: its index.html against index.sha256, and nothing there
    that is neither a period folder nor one of :data:`ROOT_ENTRIES`."""
    rep = VerifyReport(root)
    sums: dict[str, str] = {}
    with contextlib.suppress(OSError, ValueError):
        for line in (root / ROOT_SUMS).read_text(encoding="ascii").splitlines():
            digest, _, name = line.strip().partition("  ")
            sums[name] = digest
    for name in PAGES:
        if not ((root / name).exists() or name in sums):
            continue
        rep.checked += 1
        info = ({"sha256": sums[name], "size": (root / name).stat().st_size}
                if name in sums and (root / name).exists() else None)
        problem = _hash_ok(root / name, info) if (root / name).exists() else "missing"
        if problem:
            rep.problems.append(f"{name}: {problem}")
    names = {p.name for p in periods}
    for entry in sorted(root.iterdir()):
        if entry.name not in names and entry.name not in ROOT_ENTRIES:
            rep.unlisted.append(entry.name + ("/" if entry.is_dir() else ""))
    return rep


def verify_signatures(folder: Path, manifest: dict[str, Any], rep: VerifyReport, *,
                      trust_roots: Sequence[Path] = (), lang: str = "vi") -> None:
    """Check the PAdES signature of every issued report's PDF (``reportkit issue``): intact,
    valid, covering the whole file, made with the certificate recorded at issue and, with
    ``trust_roots`` (else ``$REPORTKIT_TRUST_ROOTS``), chaining to one of them. Problems go to
    ``rep.problems``; without trust roots, a note says the signer was not checked."""
    from reportkit.core.i18n import text
    from reportkit.rendering import signing

    roots = signing.trust_roots_from(trust_roots)
    unchecked = False
    for rel, entry in manifest["reports"].items():
        issued = entry.get("issued")
        info = (entry.get("files") or {}).get("pdf")
        if not issued or not info or not (folder / info["path"]).is_file():
            continue  # a missing file is already a problem
        check = signing.check_pdf(folder / info["path"], roots, lang=lang,
                                  expected_sha256=(issued.get("signature") or {}).get(
                                      "certificate_sha256"))
        rep.signatures += 1
        rep.problems += [f"{info['path']}: {p} ({rel}, {issued.get('number')})"
                         for p in check.problems]
        unchecked = unchecked or check.trusted is None
    if unchecked:
        rep.notes.append(text("sign.trust_not_checked", lang, env=signing.TRUST_ENV))


def verify_tree(folder: Path, *, trust_roots: Sequence[Path] = (),
                lang: str = "vi") -> list[VerifyReport]:
    """``verify`` for ``folder`` if it holds a manifest, else for each period folder in it,
    after the output root's own files (its index and anything that is not a period)."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return [verify(folder, trust_roots=trust_roots, lang=lang)]
    found = sorted(p.parent for p in folder.glob(f"*/{MANIFEST}"))
    if not found:
        raise ConfigError(f"No {MANIFEST} in {folder} or its sub-folders", file=str(folder))
    root = _verify_root(folder, found)
    return ([root] if root.checked or root.unlisted else []) + [
        verify(p, trust_roots=trust_roots, lang=lang) for p in found]



# --- the catalogue pages (written by catalog_pages) -----------------------------------------

def _recorded_pages(manifest: dict[str, Any]) -> dict[str, Any]:
    """The catalogue pages' records in a manifest (index.html alone in older manifests)."""
    pages = dict(manifest.get("pages") or {})
    if INDEX not in pages and manifest.get("index"):
        pages[INDEX] = manifest["index"]
    return pages


def write_root_index(root: Path) -> Path | None:
    """Write the output root's catalogue pages (:func:`catalog_pages.write_root_index`) under
    the root's lock, and their sha256 into ``index.sha256`` (the format of ``sha256sum``)."""
    root = Path(root)
    with _locked(root):
        path = _pages.write_root_index(root)
        if path is not None:
            atomic_write(root / ROOT_SUMS, "".join(
                f"{sha256_file(root / name)}  {name}\n" for name in PAGES
                if (root / name).is_file()))
    return path
