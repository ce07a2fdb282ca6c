"""What changed: a report's key figures taken from the executed notebook, the draft's section
"Thay đổi so với bản đã ban hành", and ``reportkit diff``.

1. **Figures.** A report page displays its key figures once, as an output of the mimetype
   :data:`reportkit.presentation.figures.MIMETYPE` (by its ``show_heading``).
   :func:`take_figures` takes that output out of the executed notebook before it is exported
   (HTML, PDF and DOCX never carry it) and the batch stores the figures in the notebook's
   metadata and the report's manifest entry (``figures``); an issued copy's entry, made from
   its rendering, has them too. No extra round trip to the kernel: the figures travel with the
   outputs the batch already receives.
2. **Changes since issue.** When a *draft* is rendered and its report (same notebook, unit,
   period and language: the draft key) has an issued copy in the period's manifest,
   :func:`mark_changes` puts the section where the figures output was: each figure whose
   printed value differs from the latest issued copy, old → new, with that copy's number and
   date; one sentence when nothing changed. An issued copy is rendered with its issue
   parameters and never gets the section; the issued files are never touched.
3. **Diff.** :func:`diff` compares two versions by their recorded figures; each version is
   given by one of its files and found through the ``manifest.json`` of its period folder
   (a draft, an issued copy, or a report in an unzipped bundle).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportkit.core.i18n import text
from reportkit.errors import DiffError
from reportkit.presentation.figures import MIMETYPE, Change, changes_html, compare

__all__ = ["take_figures", "issued_versions", "mark_changes", "Version", "locate", "diff",
           "DiffResult"]

MANIFEST = "manifest.json"  # = catalog.MANIFEST (catalog imports catalog_pages, which uses us)
SUFFIXES = (".html", ".pdf", ".docx", ".ipynb")


# --- 1. figures out of the executed notebook --------------------------------------------------

def take_figures(nb: Any) -> tuple[list[dict[str, Any]] | None, tuple[int, int] | None]:
    """Remove every figures output from ``nb`` (in place); return the figures of the first one
    and where it was (cell index, output index), or (None, None) when the notebook shows none."""
    found: list[dict[str, Any]] | None = None
    where: tuple[int, int] | None = None
    for ci, cell in enumerate(nb.cells):
        outputs = cell.get("outputs") or []
        keep = []
        for out in outputs:
            data = out.get("data") or {}
            if MIMETYPE in data:
                if found is None:
                    payload = data[MIMETYPE]
                    if isinstance(payload, str):  # nbformat may keep JSON as text
                        payload = json.loads(payload)
                    found = [dict(f) for f in (payload or {}).get("figures") or []]
                    where = (ci, len(keep))
                continue
            keep.append(out)
        if len(keep) != len(outputs):
            cell["outputs"] = keep
    return found, where


# --- 2. the draft's changes section -----------------------------------------------------------

def _manifest(period_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((Path(period_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("reports"), dict) else {}


def issued_versions(reports: dict[str, Any], draft_key: str) -> list[tuple[str, dict[str, Any]]]:
    """The issued copies of the draft ``draft_key`` ("2025-Q3/15-lao-cai/province_report")
    among a manifest's ``reports``, oldest first (by date of issue, then time of issue)."""
    found = [(k, e) for k, e in reports.items() if isinstance(e, dict)
             and isinstance(e.get("issued"), dict) and e["issued"].get("draft") == draft_key]
    return sorted(found, key=lambda ke: (str(ke[1]["issued"].get("date") or ""),
                                         str(ke[1]["issued"].get("issued_at") or "")))


def mark_changes(nb: Any, where: tuple[int, int] | None, figures: list[dict[str, Any]],
                 period_dir: Path, rel: str, lang: str) -> dict[str, Any] | None:
    """Put the changes section into a draft's executed notebook at ``where`` when its report
    was issued before (see the module docstring). Returns what the section compared with
    (number, date, the ids of the figures changed), or None when there is nothing issued to
    compare with (or the issued copy has no recorded figures)."""
    copies = issued_versions(_manifest(period_dir).get("reports") or {},
                             f"{Path(period_dir).name}/{rel}")
    copies = [(k, e) for k, e in copies if isinstance(e.get("figures"), list)]
    if not copies or where is None:
        return None
    key, entry = copies[-1]
    info = entry["issued"]
    changed = compare(entry["figures"], figures, lang,
                      same_language=entry.get("lang", "vi") == lang)
    markup = changes_html(changed, number=str(info.get("number") or ""),
                          issued_on=str(info.get("date") or ""), lang=lang)
    from nbformat.v4 import new_output

    ci, oi = where
    nb.cells[ci].setdefault("outputs", []).insert(oi, new_output(
        "display_data", data={"text/html": str(markup),
                              "text/plain": text("changes.title", lang)}))
    return {"issued": key, "number": info.get("number"), "date": info.get("date"),
            "changed": [c.id for c in changed]}


# --- 3. reportkit diff ------------------------------------------------------------------------

@dataclass
class Version:
    """One version of a report: its file, its period folder, manifest key and entry."""

    path: Path
    period_dir: Path
    rel: str
    entry: dict[str, Any]

    @property
    def issued(self) -> dict[str, Any] | None:
        """The issue record of an issued copy; None for a draft."""
        info = self.entry.get("issued")
        return info if isinstance(info, dict) else None

    @property
    def report(self) -> tuple[Any, ...]:
        """What identifies the report: notebook, unit, period, language."""
        e = self.entry
        return (e.get("notebook"), e.get("unit"), e.get("period"), e.get("lang", "vi"))

    def describe(self, lang: str) -> str:
        """"Số 12-BC/VPTU ngày 5/10/2025" or "Dự thảo, kết xuất 2025-10-07 09:12"."""
        from reportkit.core import fmt

        if self.issued:
            from datetime import date

            try:
                day = fmt.date_short(date.fromisoformat(str(self.issued.get("date"))[:10]), lang)
            except ValueError:
                day = str(self.issued.get("date"))
            return text("diff.issued", lang, number=self.issued.get("number"), date=day)
        when = ((self.entry.get("report_run") or {}).get("finished")
                or self.entry.get("finished") or "")
        return text("diff.draft", lang, when=str(when)[:16].replace("T", " "))


def locate(path: Path, lang: str = "vi") -> Version:
    """The version a file belongs to: the nearest folder above it whose ``manifest.json``
    lists it (by its path without the suffix).

    Raises:
        DiffError: no manifest lists the file.
    """
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in SUFFIXES else path
    absolute = stem.resolve()
    for folder in absolute.parents:
        if not (folder / MANIFEST).is_file():
            continue
        rel = absolute.relative_to(folder).as_posix()
        entry = (_manifest(folder).get("reports") or {}).get(rel)
        if isinstance(entry, dict):
            return Version(path, folder, rel, entry)
    raise DiffError(text("diff.not_a_report", lang, path=str(path)), file=str(path))


def _figures(version: Version, lang: str) -> list[dict[str, Any]]:
    figures = version.entry.get("figures")
    if not isinstance(figures, list) or not figures:
        raise DiffError(text("diff.no_figures", lang, path=str(version.path),
                              rel=version.rel), file=str(version.path))
    return figures


@dataclass
class DiffResult:
    """Two versions and the figures that differ (old → new)."""

    old: Version
    new: Version
    changes: list[Change] = field(default_factory=list)
    compared: int = 0

    def lines(self, lang: str = "vi") -> list[str]:
        """The result as ``reportkit diff`` prints it."""
        from reportkit.rendering.catalog_pages import period_label, report_name

        e = self.new.entry
        unit = e.get("unit_name") or e.get("unit") or text("units.national", lang)
        out = [f"{report_name(str(e.get('notebook') or ''), lang)} — {unit} — "
               f"{period_label(str(e.get('period') or ''), lang)}"]
        if self.old.report[:3] != self.new.report[:3]:
            out.append(text("diff.other_report", lang, old=self.old.rel, new=self.new.rel))
        for label, v in ((text("diff.old", lang), self.old), (text("diff.new", lang), self.new)):
            out.append(f"  {label}: {v.describe(lang)} ({v.path})")
        if not self.changes:
            out.append(text("diff.none", lang, n=self.compared))
            return out
        width = max(len(c.label) for c in self.changes)
        out += [f"  {c.label.ljust(width)}  {c.old or '–'} → {c.new or '–'}"
                for c in self.changes]
        out.append(text("diff.count", lang, n=len(self.changes)))
        return out


def diff(old: Path, new: Path | None = None, *, lang: str = "vi") -> DiffResult:
    """Compare two versions of a report by their recorded figures. With one file: a draft
    against its latest issued copy, or an issued copy against its current draft.

    Raises:
        DiffError: a file is not a listed report, has no recorded figures, or (one file)
            there is no other version to compare with.
    """
    a = locate(old, lang)
    if new is not None:
        b = locate(new, lang)
    elif a.issued:  # an issued copy against the draft it was issued from, as it is now
        a, b = a, _other(a, str(a.issued.get("draft") or ""), lang)
    else:
        reports = _manifest(a.period_dir).get("reports") or {}
        copies = issued_versions(reports, f"{a.period_dir.name}/{a.rel}")
        if not copies:
            raise DiffError(text("diff.no_issued", lang, path=str(old)), file=str(old))
        key, entry = copies[-1]
        a, b = Version(_file(a.period_dir, key, entry), a.period_dir, key, entry), a
    fa, fb = _figures(a, lang), _figures(b, lang)
    changes = compare(fa, fb, lang, same_language=a.report[3] == b.report[3])
    return DiffResult(a, b, changes, compared=len({f.get("id") for f in fb}))


def _other(version: Version, draft_key: str, lang: str) -> Version:
    period, _, rel = draft_key.partition("/")
    entry = (_manifest(version.period_dir).get("reports") or {}).get(rel)
    if period != version.period_dir.name or not isinstance(entry, dict):
        raise DiffError(text("diff.no_issued", lang, path=str(version.path)),
                         file=str(version.path))
    return Version(_file(version.period_dir, rel, entry), version.period_dir, rel, entry)


def _file(period_dir: Path, rel: str, entry: dict[str, Any]) -> Path:
    """A version's PDF (else HTML) as recorded, for naming it."""
    files = entry.get("files") or {}
    for fmt in ("pdf", "html"):
        info = files.get(fmt)
        if isinstance(info, dict) and info.get("path"):
            return period_dir / str(info["path"])
    return period_dir / rel
