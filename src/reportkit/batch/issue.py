"""Issuing a report: a reviewed draft becomes a numbered, dated, signed document that nothing
overwrites (``reportkit issue``).

Every rendered report is a *draft*. :func:`issue_report` takes one draft and:

1. checks it: listed in its period's ``manifest.json`` as rendered ("ok"), its files intact,
   and its *inputs unchanged* since it was rendered — the notebook's bytes, the parameters,
   the data version of what it reads, the reportkit version, the kernel (the same input hash
   a batch uses to decide "unchanged"). A draft whose data were corrected since is refused:
   what was reviewed is not what would be issued;
2. checks the number ("12-BC/VPTU") is well formed and not used before by the same unit in
   the same year, and that the draft was not issued already;
3. renders the same notebook with the same inputs plus four parameters the official heading
   and signature block print — ``number``, ``issued_on``, ``signer_name``, ``signer_title``
   (a notebook without them cannot be issued) — on the batch's one execution path, into
   staging, with the warehouse catalogue pinned to the one just checked;
4. signs the PDF (PAdES, visible stamp in the signature block,
   :mod:`reportkit.rendering.signing`);
5. moves it into ``<period>/<unit>/issued/<number>/`` (``12-BC/VPTU`` → ``12-BC-VPTU``), a
   folder that must not exist yet, makes the files read-only, and records the issued copy in
   the manifest (its own entry, ``status: "issued"``, with number, date, approver, the draft
   and its input hash, and the signature) and in ``runs.jsonl``, under the manifest's lock.

A batch, ``run --force`` and a second ``issue`` never write into ``issued/``: batch jobs write
``<unit>/<notebook>.*`` only, and ``issue`` refuses an existing folder. One ``issue`` at a time
per output folder (``<out>/.issue.lock``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reportkit.batch import plan as P
from reportkit.core.i18n import text
from reportkit.errors import ConfigError, ExecutionError, IssueError
from reportkit.rendering import catalog, runner, signing
from reportkit.store.io import locked

__all__ = ["ISSUE_PARAMS", "ISSUED", "IssueResult", "issue_report", "number_slug",
           "check_number", "find_draft"]

ISSUE_PARAMS = ("number", "issued_on", "signer_name", "signer_title")
ISSUED = "issued"
ISSUE_LOCK = ".issue.lock"
# "12-BC/VPTU", "125-BC/TU", "07-BC/VPTW", "3-BC/BTCTU-VP": a number, the document type, then
# the issuing body; symbols joined by hyphens.
NUMBER_RE = re.compile(r"[0-9]{1,5}-[A-ZĐ]{1,10}(?:/[A-ZĐ0-9]{1,15}(?:-[A-ZĐ0-9]{1,15})*)+")


@dataclass
class IssueResult:
    """An issued report: its number, date, folder and files, and its manifest entry."""

    number: str
    issued_on: date
    rel: str
    folder: Path
    files: dict[str, Path]
    entry: dict[str, Any]


def check_number(number: str, lang: str = "vi") -> str:
    """The number in canonical form (NFC, trimmed), or IssueError naming the expected form."""
    clean = unicodedata.normalize("NFC", str(number).strip())
    if not NUMBER_RE.fullmatch(clean):
        raise IssueError(text("issue.bad_number", lang, number=str(number)[:60]),
                         number=str(number)[:60])
    return clean


def number_slug(number: str) -> str:
    """A folder name for a number: "12-BC/VPTU" → "12-BC-VPTU" (Đ → D)."""
    return number.replace("/", "-").replace("Đ", "D")


def find_draft(path: Path) -> tuple[Path, str]:
    """The period folder and manifest key of a draft given by one of its files
    (``outputs/2025-Q3/15-lao-cai/province_report.pdf``, or the same without a suffix)."""
    path = Path(path)
    stem = path.stem if path.suffix in catalog.REPORT_SUFFIXES else path.name
    return path.parent.parent, f"{path.parent.name}/{stem}"


def _issue_lock(root: Path) -> contextlib.AbstractContextManager[None]:
    """One ``issue`` at a time per output folder (``.issue.lock``)."""
    return locked(Path(root) / ISSUE_LOCK)


def issued_entries(root: Path) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    """Every issued copy recorded under the output root: (period folder, key, entry)."""
    for man in sorted(Path(root).glob(f"*/{catalog.MANIFEST}")):
        with contextlib.suppress(ConfigError):
            for rel, entry in catalog.load_manifest(man.parent)["reports"].items():
                if entry.get("issued"):
                    yield man.parent, rel, entry


def _notebook(entry: dict[str, Any], dirs: Sequence[Path]) -> tuple[Path, bytes] | None:
    """The notebook the draft was rendered from: same name, same bytes."""
    want = (entry.get("inputs") or {}).get("notebook")
    for folder in dirs:
        path = Path(folder) / str(entry.get("notebook"))
        if path.is_file():
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() == want:
                return path.resolve(), data
    return None


def _marking(report: runner.PreparedReport, specs: dict[str, runner.ParamSpec]) -> str | None:
    marking = (report.params["marking"] if "marking" in report.params
               else specs["marking"].default if "marking" in specs else None)
    return marking if isinstance(marking, str) and marking else None


def issue_report(draft: Path, *, number: str, issued_on: date, signer_name: str,
                 signer_title: str, p12: Path, password: bytes | str,
                 warehouse: Path | None = None, notebook_dirs: Sequence[Path] = (),
                 lang: str = "vi") -> IssueResult:
    """Issue one draft: check it, render it with its number, date and signer, sign the PDF,
    keep it in ``issued/<number>/`` and record it (see the module docstring).

    Args:
        draft: One of the draft's files (``outputs/2025-Q3/15-lao-cai/province_report.pdf``).
        number: The document number, e.g. "12-BC/VPTU".
        issued_on: The date of issue (printed in the heading: "Lào Cai, ngày 05 tháng 10 ...").
        signer_name: Who signs (printed under the signature, and in the stamp).
        signer_title: The signer's title ("CHÁNH VĂN PHÒNG").
        p12: The signer's PKCS#12 certificate file.
        password: Its password (from $REPORTKIT_SIGN_PASSWORD or a prompt, never argv).
        warehouse: The warehouse (default: $REPORTKIT_WAREHOUSE, else the project's).
        notebook_dirs: Further folders where the draft's notebook may be found (default: the
            project's and reportkit's ``notebooks/``).
        lang: Language of the messages.

    Raises:
        IssueError: refused (draft changed, missing or failed; number malformed or taken;
            already issued; the folder exists; the notebook takes no issue parameters).
        SigningError: the certificate cannot be opened.
        ConfigError: no warehouse.
        ExecutionError: the issued copy could not be rendered (nothing was issued).
    """
    from reportkit.store.warehouse import Warehouse, project_root

    number = check_number(number, lang)
    if not signer_name.strip() or not signer_title.strip():
        raise IssueError(text("issue.bad_signer", lang))
    key_material = signing.load_signer(p12, password, lang=lang)  # a wrong password: at once
    period_dir, rel = find_draft(draft)
    root = period_dir.parent
    with _issue_lock(root):
        manifest = catalog.load_manifest(period_dir)
        entry = manifest["reports"].get(rel)
        if entry is None:
            raise IssueError(text("issue.no_draft", lang, path=str(draft), rel=rel,
                                  manifest=str(period_dir / catalog.MANIFEST)), file=str(draft))
        if entry.get("issued"):
            raise IssueError(text("issue.not_a_draft", lang, rel=rel), file=str(draft))
        if entry.get("status") != "ok":
            raise IssueError(text("issue.draft_failed", lang, rel=rel,
                                  status=entry.get("status")), file=str(draft))
        if not catalog.files_intact(entry, period_dir, quick=False):
            raise IssueError(text("issue.draft_files", lang, rel=rel,
                                  problem="sha256/size"), file=str(draft))
        key = f"{period_dir.name}/{rel}"
        already: dict[str, Any] | None = None
        for other_dir, other_rel, other in issued_entries(root):
            info = other["issued"]
            if (info.get("number") == number and other.get("unit") == entry.get("unit")
                    and str(info.get("date", ""))[:4] == f"{issued_on.year:04d}"):
                raise IssueError(text("issue.number_taken", lang, number=number,
                                      other=f"{other_dir.name}/{other_rel}",
                                      date=info.get("date")), number=number)
            if (info.get("draft") == key
                    and info.get("draft_input_hash") == entry.get("input_hash")):
                already = info  # said after the inputs check: "changed" is what to act on
        leaf = rel.rsplit("/", 1)[0]
        target = period_dir / leaf / ISSUED / number_slug(number)
        if target.exists():
            raise IssueError(text("issue.exists", lang, path=str(target)), file=str(target))

        # The draft's inputs, recomputed now: the notebook (by its bytes), parameters, data.
        project = project_root()
        dirs = [*notebook_dirs, project / "notebooks", P.shipped_notebooks()]
        found = _notebook(entry, dirs)
        if found is None:
            raise IssueError(text("issue.changed", lang, rel=rel, what="notebook"),
                             changed=["notebook"])
        nb_path, nb_bytes = found
        specs = runner.notebook_parameters(nb_path)
        missing = [p for p in ISSUE_PARAMS if p not in specs]
        if missing:
            raise IssueError(text("issue.no_parameters", lang, name=nb_path.name,
                                  missing=", ".join(missing)), missing=missing)
        wh_root = Path(warehouse or os.environ.get("REPORTKIT_WAREHOUSE")
                       or project / "data" / "warehouse").resolve()
        if not (wh_root / "catalog.json").is_file():
            raise ConfigError(f"No warehouse at {wh_root}: run `reportkit ingest` first, or "
                              "give --warehouse (or $REPORTKIT_WAREHOUSE)", file=str(wh_root))
        snapshot_bytes = Warehouse(wh_root).catalog_bytes()
        snapshot = json.loads(snapshot_bytes)
        params = {k: v for k, v in (entry.get("params") or {}).items()
                  if k not in ("unit", "period", "lang")}
        old_inputs = entry.get("inputs") or {}
        kernel = str(old_inputs.get("kernel") or "reportkit")
        rep = runner.prepare_report(nb_path, unit=entry.get("unit"), period=entry["period"],
                                    lang=entry.get("lang", "vi"), params=params,
                                    formats=tuple(entry.get("formats") or ("html",)))
        data = P.data_versions(wh_root, rep.period, snapshot=snapshot)
        nb_sha = hashlib.sha256(nb_bytes).hexdigest()
        inputs = P.job_inputs(rep, nb_sha, data, kernel=kernel)
        if P.input_hash(inputs) != entry.get("input_hash"):
            what = P._changed(old_inputs, inputs)
            raise IssueError(text("issue.changed", lang, rel=rel, what=", ".join(what)),
                             changed=what)
        if already is not None:
            raise IssueError(text("issue.already", lang, rel=rel, number=already["number"],
                                  date=already["date"]), number=already["number"])

        # The issued copy: same inputs, plus what the heading and signature block print.
        issue_params = {"number": number, "issued_on": issued_on.isoformat(),
                        "signer_name": signer_name.strip(), "signer_title": signer_title.strip()}
        issued_rep = runner.prepare_report(nb_path, unit=entry.get("unit"),
                                           period=entry["period"], lang=rep.lang,
                                           params={**params, **issue_params},
                                           formats=("html", "pdf"))
        stage_root = root / runner.STAGING / f"issue-{secrets.token_hex(4)}"
        try:
            files, staged_entry = _render(issued_rep, rel, stage_root / period_dir.name,
                                          nb_bytes, nb_sha, data, kernel, wh_root,
                                          snapshot_bytes, _marking(issued_rep, specs),
                                          project, lang)
            where = (rep.unit.name if rep.unit else runner.issuing_office(rep))
            signature = signing.sign_pdf(files["pdf"], files["pdf"], key_material,
                                         signer_name=signer_name.strip(),
                                         reason=text("issue.reason", lang, number=number),
                                         location=where, lang=lang)
            issued = {"number": number, "date": issued_on.isoformat(),
                      "approver": {"name": signer_name.strip(), "title": signer_title.strip()},
                      "draft": key, "draft_input_hash": entry.get("input_hash"),
                      "draft_files": {fmt: info["sha256"]
                                      for fmt, info in (entry.get("files") or {}).items()},
                      "draft_run_id": entry.get("run_id"), "signature": signature,
                      "issued_at": catalog.now_iso()}
            _stamp_notebook(files["ipynb"], files["pdf"], issued)
            target.mkdir(parents=True, exist_ok=False)
            moved: dict[str, Path] = {}
            for fmt in ("pdf", "html", "ipynb"):
                moved[fmt] = target / files[fmt].name
                os.replace(files[fmt], moved[fmt])
                moved[fmt].chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        finally:
            shutil.rmtree(stage_root, ignore_errors=True)
        issued_key = f"{leaf}/{ISSUED}/{number_slug(number)}/{rel.rsplit('/', 1)[1]}"
        infos = {fmt: catalog.file_info(path, period_dir) for fmt, path in moved.items()}
        new_entry = {**staged_entry, "status": "issued", "files": infos, "failed_files": {},
                     "formats": ["html", "pdf"], "issued": issued}
        recorded = catalog.record(period_dir, issued_key, lambda _old: new_entry, {
            "run_id": staged_entry.get("run_id"), "status": "issued", "number": number,
            "draft": key, "input_hash": staged_entry.get("input_hash"),
            "signer": signature["signer"]})
        with contextlib.suppress(OSError):
            catalog.write_root_index(root)
    return IssueResult(number, issued_on, issued_key, target, moved, recorded)


def _render(report: runner.PreparedReport, rel: str, period_dir: Path, nb_bytes: bytes,
            nb_sha: str, data: dict[str, str], kernel: str, warehouse: Path,
            snapshot: bytes, marking: str | None, project: Path,
            lang: str) -> tuple[dict[str, Path], dict[str, Any]]:
    """Render the issued copy into staging on the batch's one path (a plan of one job, run in
    this process, the warehouse pinned to ``snapshot``); its files and manifest entry."""
    from reportkit.batch.execute import execute_plan

    inputs = P.job_inputs(report, nb_sha, data, kernel=kernel)
    job = P.Job(report, rel, period_dir, P.input_hash(inputs), inputs, nb_bytes, marking)
    schedule = P.Schedule(path=report.notebook, project=project,
                          notebooks=(P.NotebookSpec(report.notebook),), formats=report.formats,
                          lang=report.lang, kernel=kernel, warm=(), out=period_dir.parent)
    plan = P.Plan(schedule, [P.Decision(job, "run", "issue")], period_dir.parent, warehouse,
                  kernel, date.today(), snapshot)
    result = execute_plan(plan, inline=True, progress=False, force=True)
    (outcome,) = result.outcomes
    if outcome.status != "ok" or "pdf" not in outcome.files:
        raise ExecutionError(text("issue.render_failed", lang, rel=rel,
                                  error=outcome.error or outcome.status),
                             **report.context())
    entry = catalog.load_manifest(period_dir)["reports"][rel]
    return {k: Path(v) for k, v in outcome.files.items()}, entry


def _stamp_notebook(ipynb: Path, pdf: Path, issued: dict[str, Any]) -> None:
    """Record the issue (and the signed PDF's sha256) in the issued notebook's metadata."""
    from reportkit.store.io import atomic_write, sha256_file

    nb = json.loads(ipynb.read_bytes())
    md = nb.setdefault("metadata", {}).setdefault("reportkit", {})
    md.setdefault("sha256", {})["pdf"] = sha256_file(pdf)
    md["issued"] = issued
    atomic_write(ipynb, json.dumps(nb, ensure_ascii=False, indent=1) + "\n")
