"""The catalogue of a period's reports: ``manifest.json``, ``index.html``, ``runs.jsonl``.

Layout of one period folder (written by ``reportkit batch``)::

    outputs/<period>/manifest.json         one entry per report: status, files (sha256, size),
                                           parameters, inputs, data version, run id
    outputs/<period>/index.html            the same as a plain HTML table, readable offline
    outputs/<period>/runs.jsonl            one line per attempt (ok, failed, skipped, ...)
    outputs/<period>/<unit>/<notebook>.*   the reports; ``_failed/`` keeps a failed notebook
    outputs/<period>/<unit>/issued/<number>/<notebook>.*
                                           issued copies (``reportkit issue``): signed, read-only,
                                           their own entries (``status: "issued"``); never
                                           written by a batch

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from reportkit.errors import ConfigError
from reportkit.store.io import atomic_write, sha256_file

__all__ = ["MANIFEST", "INDEX", "RUNS", "file_info", "load_manifest", "record", "append_event",
           "read_runs", "files_intact",
           "verify", "verify_tree", "verify_signatures", "write_index", "write_root_index",
           "VerifyReport"]

MANIFEST = "manifest.json"
INDEX = "index.html"
RUNS = "runs.jsonl"
LOCK = ".manifest.lock"
MANIFEST_VERSION = 1
REPORT_SUFFIXES = (".html", ".ipynb", ".pdf")
_STATUS_LABEL = {"ok": "ok", "failed": "lỗi / failed", "issued": "đã ban hành / issued"}


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
    signatures: int = 0  # issued PDFs whose signature was checked
    notes: list[str] = field(default_factory=list)  # e.g. signers not checked against a root

    @property
    def ok(self) -> bool:
        """True when every listed file matched."""
        return not self.problems


def verify(folder: Path, *, trust_roots: Sequence[Path] = (), lang: str = "vi") -> VerifyReport:
    """Check every file listed in ``folder/manifest.json`` (sha256 and size), and the digital
    signature of every issued report (:func:`verify_signatures`).

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
                and rel_path != INDEX
                and not any(part.startswith(".") for part in path.relative_to(folder).parts)):
            rep.unlisted.append(rel_path)
    verify_signatures(folder, manifest, rep, trust_roots=trust_roots, lang=lang)
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
    """``verify`` for ``folder`` if it holds a manifest, else for each period folder in it."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return [verify(folder, trust_roots=trust_roots, lang=lang)]
    found = sorted(p.parent for p in folder.glob(f"*/{MANIFEST}"))
    if not found:
        raise ConfigError(f"No {MANIFEST} in {folder} or its sub-folders", file=str(folder))
    return [verify(p, trust_roots=trust_roots, lang=lang) for p in found]


# --- index.html ---------------------------------------------------------------------------

def _s(value: Any) -> str:
    """A manifest value as text for the index pages (missing: empty)."""
    return "" if value is None else str(value)


def _when(iso: str | None) -> str:
    """"2025-10-05T06:30:12+07:00" → "2025-10-05 06:30"."""
    return (iso or "")[:16].replace("T", " ")


def _secs(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) and value else ""


def _page(template: str, **context: Any) -> bytes:
    """An index page from ``rendering/templates/`` (Jinja2, autoescape: a unit name or an
    error message holding ``<script>`` is shown as text)."""
    from reportkit.presentation.html import render

    return (str(render(template, package="reportkit.rendering", **context)) + "\n").encode()


def _issued_label(issued: dict[str, Any] | None) -> str:
    """" 12-BC/VPTU, 2025-10-05" for an issued copy (``reportkit issue``), else ""."""
    if not issued:
        return ""
    return f" {_s(issued.get('number'))}, {_s(issued.get('date'))}"


def write_index(period_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``period_dir/index.html``: one row per report, links to HTML, PDF and notebook.

    Plain escaped HTML with inline CSS; no script and no external address.
    """
    period = manifest.get("period") or Path(period_dir).name
    rows = []
    entries = sorted(manifest["reports"].values(),
                     key=lambda e: (e.get("notebook", ""), e.get("unit") or ""))
    for e in entries:
        files = e.get("files") or {}
        status = e.get("status", "")
        kept = (_when((e.get("report_run") or {}).get("finished"))
                if status == "failed" and files else None)
        links = [(info["path"], label) for info, label in (
            (files.get("html"), "HTML"), (files.get("pdf"), "PDF"), (files.get("ipynb"), "ipynb"),
            ((e.get("failed_files") or {}).get("ipynb"), "notebook lỗi / failed")) if info]
        rows.append({
            "notebook": _s(e.get("notebook")), "unit": _s(e.get("unit")),
            "unit_name": _s(e.get("unit_name")), "period": _s(e.get("period")),
            "status": _s(status), "status_label": _s(_STATUS_LABEL.get(status, status))
            + _issued_label(e.get("issued")),
            "kept": kept, "links": links, "finished": _when(e.get("finished")),
            "seconds": _secs(e.get("seconds")), "error": _s(e.get("error"))})
    counts = {s: sum(e.get("status") == s for e in entries) for s in ("ok", "failed")}
    path = Path(period_dir) / INDEX
    atomic_write(path, _page(
        "index_period.html.j2", title=f"Danh mục báo cáo {period}", period=period, rows=rows,
        total=len(entries), ok=counts["ok"], failed=counts["failed"],
        updated=_when(manifest.get("updated")), manifest=MANIFEST))
    return path


def write_root_index(root: Path) -> Path | None:
    """Write ``root/index.html`` linking every period catalogue under ``root``."""
    root = Path(root)
    periods = sorted((p.parent for p in root.glob(f"*/{MANIFEST}")), reverse=True)
    if not periods:
        return None
    rows = []
    for folder in periods:
        try:
            reports = load_manifest(folder)["reports"].values()
        except ConfigError:
            continue
        ok = sum(e.get("status") == "ok" for e in reports)
        failed = sum(e.get("status") == "failed" for e in reports)
        rows.append({"folder": folder.name, "ok": ok, "failed": failed})
    path = root / INDEX
    atomic_write(path, _page("index_root.html.j2", title="Báo cáo theo kỳ", rows=rows,
                              index=INDEX))
    return path
