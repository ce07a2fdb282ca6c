"""The catalogue pages of ``outputs/``: what a recipient opens to find a report, and a separate
page for the people who run the batches.

Pages (plain HTML files, each complete in itself)::

    outputs/index.html              every report of every period, in Vietnamese
    outputs/index.en.html           the same in English
    outputs/runs.html               operators: notebook files, seconds, workers, errors
    outputs/<period>/index.html     one period's reports (index.en.html, runs.html likewise)

What a recipient sees: the report's title ("Báo cáo kết quả công tác văn phòng cấp ủy"), the
unit's name, the period as people write it ("Quý III/2025"), the language, whether it is a
draft or issued (with its number and date, and a flag when the figures changed after it was
issued), and links to its HTML, PDF and DOCX. Every report of every notebook in every period
folder is listed, whichever command wrote it (``batch``, ``run``, ``demo``, ``issue``): the
pages are made from the period folders' ``manifest.json``, not from one batch's jobs. A report
whose only attempt failed has nothing to read and is listed on the operators' page only.

Filter and search: one small script inside the page (no file, no address) hides rows that do
not match the unit, period, report, status and language chosen and the words typed (accents
optional: "lao cai" finds "Lào Cai"). Without JavaScript the controls stay hidden and the
whole list shows. Each page carries a Content-Security-Policy that allows its own inline style
and script (by their sha256) and nothing else: it loads nothing from anywhere, from
``file://`` or a web server alike. At 375 px the table becomes one card per report.

Escaping: the pages are Jinja2 templates with autoescape (``rendering/templates/catalog_*``);
a unit name or error holding ``<script>`` is shown as text. Link targets are the manifest's
relative paths, URL-quoted; anything else (an absolute path, ``..``, a scheme) is not linked.

This module reads ``manifest.json`` as plain JSON rather than through
:func:`reportkit.rendering.catalog.load_manifest`: :mod:`~reportkit.rendering.catalog` calls
:func:`write_index` on every update, and the modules of one layer may not import each other in
a circle (``make check``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from reportkit.core import fmt
from reportkit.core.i18n import T, text
from reportkit.core.periods import Period
from reportkit.errors import PeriodError
from reportkit.store.io import atomic_write

__all__ = ["INDEX", "INDEX_EN", "RUNS_PAGE", "PAGES", "write_index", "write_root_index",
           "report_rows", "report_name", "period_label"]

INDEX = "index.html"          # Vietnamese, the default
INDEX_EN = "index.en.html"    # English
RUNS_PAGE = "runs.html"       # operators
PAGES = (INDEX, INDEX_EN, RUNS_PAGE)  # what this module writes into a folder
MANIFEST_NAME = "manifest.json"  # = catalog.MANIFEST (not imported: see the module docstring)
LANG_PAGES = {"vi": INDEX, "en": INDEX_EN}
FORMATS = (("html", "HTML"), ("pdf", "PDF"), ("docx", "DOCX"))


# --- names -----------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def report_name(notebook: str, lang: str = "vi") -> str:
    """A report's title by its notebook ("province_report.ipynb" → "Báo cáo kết quả công tác
    văn phòng cấp ủy"); a notebook with no title in :mod:`reportkit.core.i18n` is named by its
    file stem."""
    stem = PurePosixPath(notebook).name.split(".", 1)[0]
    key = f"report.title.{stem}"
    return text(key, lang) if key in T else stem


@lru_cache(maxsize=4096)
def period_label(code: str, lang: str = "vi") -> str:
    """A period as a heading writes it: "Quý III/2025", "Từ tháng 7/2016 đến tháng 12/2018",
    "Q3 2025"; a code that is not a period stays as it is."""
    try:
        label = Period.parse(code).label(lang)
    except PeriodError:
        return code
    return label[:1].upper() + label[1:]


@lru_cache(maxsize=4096)
def _period_order(code: str) -> tuple[int, date, date]:
    """Newest first: sorts by the negated end and start; codes that are not periods last."""
    try:
        p = Period.parse(code)
    except PeriodError:
        return (1, date.max, date.max)
    return (0, date.fromordinal(date.max.toordinal() - p.last.toordinal()),
            date.fromordinal(date.max.toordinal() - p.first.toordinal()))


@lru_cache(maxsize=4096)
def _fold(value: str) -> str:
    """Lower case without accents, for sorting names ("Đà Nẵng" sorts with "D")."""
    value = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in value if not unicodedata.combining(c)).casefold()


def _day(iso: Any, lang: str) -> str:
    """"2025-10-05T06:30:12+07:00" or "2025-10-05" → "5/10/2025" (vi), "5 October 2025" (en)."""
    try:
        return fmt.date_short(date.fromisoformat(str(iso)[:10]), lang)
    except ValueError:
        return ""


def _when(iso: Any) -> str:
    """"2025-10-05T06:30:12+07:00" → "2025-10-05 06:30" (the operators' page)."""
    return str(iso or "")[:16].replace("T", " ")


def _href(prefix: str, path: Any) -> str | None:
    """A link to a manifest path (relative, inside the folder), URL-quoted; None otherwise."""
    if not isinstance(path, str) or not path:
        return None
    parts = PurePosixPath(path).parts
    if path.startswith("/") or ".." in parts or ":" in parts[0] or "\\" in path:
        return None
    return prefix + quote(path)


# --- reading the manifests --------------------------------------------------------------------

@dataclass
class Folder:
    """One period folder's manifest (or why it could not be read)."""

    name: str
    manifest: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None

    @property
    def reports(self) -> dict[str, dict[str, Any]]:
        """The manifest's entries, by key."""
        reports = self.manifest.get("reports")
        return {k: v for k, v in reports.items() if isinstance(v, dict)} if isinstance(
            reports, dict) else {}


def _folders(root: Path) -> list[Folder]:
    """Every period folder under ``root`` that holds a manifest."""
    found = []
    for path in sorted(root.glob(f"*/{MANIFEST_NAME}")):
        name = path.parent.name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            found.append(Folder(name, problem=str(exc)))
            continue
        if not isinstance(data, dict) or not isinstance(data.get("reports"), dict):
            found.append(Folder(name, problem="not a reportkit manifest"))
            continue
        found.append(Folder(name, data))
    return found


# --- the recipients' rows ---------------------------------------------------------------------

@dataclass
class ReportRow:
    """One report as the recipients' page lists it (every text already in the page's
    language; the template escapes it)."""

    key: str
    title: str
    notebook: str          # the notebook's stem: the "report" filter's value
    unit: str              # unit code, or "national"
    unit_name: str
    period: str            # period code: the "period" filter's value
    period_label: str
    lang: str
    lang_label: str
    status: str            # "draft" or "issued"
    status_label: str
    number: str = ""
    issued_date: str = ""
    approver: str = ""
    notes: list[str] = field(default_factory=list)
    changed: bool = False
    date: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    sort: tuple[Any, ...] = ()


def _in_place_hash(entry: dict[str, Any]) -> Any:
    """The input hash of the files in place (after a failed re-run: the earlier good run's)."""
    return (entry.get("report_run") or {}).get("input_hash") or entry.get("input_hash")


def _issued(entry: dict[str, Any]) -> dict[str, Any] | None:
    issued = entry.get("issued")
    return issued if isinstance(issued, dict) else None


def _links(files: Any, prefix: str) -> list[tuple[str, str]]:
    files = files if isinstance(files, dict) else {}
    links = []
    for fmt_key, label in FORMATS:
        info = files.get(fmt_key)
        href = _href(prefix, info.get("path") if isinstance(info, dict) else info)
        if href:
            links.append((href, label))
    return links


def report_rows(folders: Iterable[tuple[str, dict[str, dict[str, Any]]]], lang: str, *,
                in_folder: bool) -> list[ReportRow]:
    """The recipients' rows of the manifest entries of ``folders`` ((folder name, entries)),
    newest period first, then by report, unit, language; issued before draft.

    ``in_folder``: links relative to the period folder (its own page), else to the output
    root. Entries with no readable file (a first attempt that failed) are left out.
    """
    folders = list(folders)
    # Issued copies by the draft they were issued from ("<folder>/<key>").
    issued_of: dict[str, list[dict[str, Any]]] = {}
    for _name, entries in folders:
        for entry in entries.values():
            issued = _issued(entry)
            if issued and issued.get("draft"):
                issued_of.setdefault(str(issued["draft"]), []).append(entry)
    rows = []
    for name, entries in folders:
        prefix = "" if in_folder else quote(name) + "/"
        for key, entry in entries.items():
            rows += _row(name, key, entry, prefix, lang, issued_of, entries)
    return sorted(rows, key=lambda r: r.sort)


def _row(folder: str, key: str, entry: dict[str, Any], prefix: str, lang: str,
         issued_of: dict[str, list[dict[str, Any]]],
         entries: dict[str, dict[str, Any]]) -> list[ReportRow]:
    issued = _issued(entry)
    files = (issued.get("files") if issued and isinstance(issued.get("files"), dict)
             else None) or entry.get("files")
    links = _links(files, prefix)
    if not links:
        return []
    notebook = str(entry.get("notebook") or key.rsplit("/", 1)[-1])
    code = str(entry.get("period") or folder)
    unit = entry.get("unit")
    unit_name = (str(entry.get("unit_name") or unit) if unit
                 else text("units.national", lang))
    report_lang = entry.get("lang") if entry.get("lang") in ("vi", "en") else "vi"
    title = report_name(notebook, lang)
    notes: list[str] = []
    changed = entry.get("changed_since_issued") is True
    if issued:
        status = "issued"
        number = str(issued.get("number") or "")
        issued_date = _day(issued.get("date"), lang)
        approver = issued.get("approver")
        signer = (", ".join(str(approver.get(k)) for k in ("name", "title") if approver.get(k))
                  if isinstance(approver, dict) else str(approver or ""))
        draft_key = str(issued.get("draft") or "")
        draft = entries.get(draft_key.split("/", 1)[1]) if draft_key.startswith(
            f"{folder}/") else None
        figures = _figure_changes(entry, draft, lang) if draft else None
        if figures is not None:
            changed = changed or bool(figures)
        elif draft and issued.get("draft_input_hash") and (
                _in_place_hash(draft) != issued.get("draft_input_hash")):
            changed = True
        if changed:
            notes.append(text("catalogue.changed_issued", lang))
        when = issued.get("date")
    else:
        status, number, issued_date, signer = "draft", "", "", ""
        entries_issued = issued_of.get(f"{folder}/{key}", [])
        copies = [c for c in map(_issued, entries_issued) if c]
        numbers = ", ".join(str(c["number"]) for c in copies if c.get("number"))
        inputs_changed = any(c.get("draft_input_hash")
                             and c["draft_input_hash"] != _in_place_hash(entry)
                             for c in copies)
        # Against the latest issued copy, by the figures both recorded (what a recipient
        # cares about); by the inputs when either has none (an older reportkit).
        latest = max(entries_issued, key=lambda e: (str(e["issued"].get("date") or ""),
                                                    str(e["issued"].get("issued_at") or "")),
                     default=None)
        figures = _figure_changes(latest, entry, lang) if latest else None
        if figures:
            changed = True
            notes.append(text("catalogue.changed_figures", lang,
                              number=latest["issued"].get("number"),  # type: ignore[index]
                              changes=_said(figures, lang)))
        elif figures is not None:
            last = latest["issued"]  # type: ignore[index]
            if last.get("draft_input_hash") not in (None, _in_place_hash(entry)):
                notes.append(text("catalogue.changed_inputs", lang,
                                  numbers=str(last.get("number") or "")))
            elif numbers:
                notes.append(text("catalogue.issued_from", lang, numbers=numbers))
        else:
            changed = changed or inputs_changed
            if changed and numbers:
                notes.append(text("catalogue.changed_draft", lang, numbers=numbers))
            elif changed:
                notes.append(text("catalogue.status.changed", lang))
            elif numbers:
                notes.append(text("catalogue.issued_from", lang, numbers=numbers))
        when = (entry.get("report_run") or {}).get("finished") or entry.get("finished")
    return [ReportRow(
        key=f"{folder}/{key}", title=title, notebook=notebook.split(".", 1)[0],
        unit=str(unit) if unit else "national", unit_name=unit_name, period=code,
        period_label=period_label(code, lang), lang=report_lang,
        lang_label=text("catalogue.lang.en" if report_lang == "en" else "catalogue.lang.vi",
                        lang),
        status=status,
        status_label=text("catalogue.status.issued" if issued else "catalogue.status.draft",
                          lang),
        number=number, issued_date=issued_date, approver=signer, notes=notes,
        changed=changed, date=_day(when, lang), links=links,
        sort=(_period_order(code), _fold(title), unit is not None, _fold(unit_name),
              report_lang != "vi", status != "issued", number, key))]


def _figure_changes(issued: dict[str, Any] | None, draft: dict[str, Any] | None,
                    lang: str) -> list[Any] | None:
    """The figures that differ between an issued copy and a draft (both manifest entries),
    or None when either recorded none (:mod:`reportkit.presentation.figures`)."""
    from reportkit.presentation.figures import compare

    old = (issued or {}).get("figures")
    new = (draft or {}).get("figures")
    if not isinstance(old, list) or not isinstance(new, list) or not old or not new:
        return None
    return compare(old, new, lang, same_language=(issued or {}).get("lang", "vi")
                   == (draft or {}).get("lang", "vi"))


SAID = 3  # changed figures a catalogue row names; the rest are counted


def _said(changes: list[Any], lang: str) -> str:
    """"Đơn, thư tiếp nhận 282 → 290; Tỷ lệ xử lý đơn, thư 81,2% → 82,0%; và 2 chỉ tiêu khác"."""
    parts = [f"{c.label} {c.old or fmt.MISSING} → {c.new or fmt.MISSING}"
             for c in changes[:SAID]]
    if len(changes) > SAID:
        parts.append(text("catalogue.changed_more", lang, n=len(changes) - SAID))
    return "; ".join(parts)


def _filters(rows: list[ReportRow], lang: str) -> list[dict[str, Any]]:
    """The filter controls: one select per property with more than one value among ``rows``
    (the period filter of a period page has nothing to choose, so it is not shown)."""
    def options(pairs: Iterable[tuple[str, str]], order: Any = None) -> list[tuple[str, str]]:
        seen = dict(pairs)
        return sorted(seen.items(), key=order or (lambda kv: _fold(kv[1])))

    by_period = {r.period: _period_order(r.period) for r in rows}
    statuses = [("draft", text("catalogue.status.draft", lang)),
                ("issued", text("catalogue.status.issued", lang)),
                ("changed", text("catalogue.status.changed", lang))]
    present = {r.status for r in rows} | ({"changed"} if any(r.changed for r in rows) else set())
    found = [
        ("unit", text("catalogue.unit", lang),
         options(((r.unit, r.unit_name) for r in rows),
                 lambda kv: (kv[0] != "national", _fold(kv[1])))),
        ("period", text("catalogue.period", lang),
         options(((r.period, r.period_label) for r in rows), lambda kv: by_period[kv[0]])),
        ("report", text("catalogue.report", lang),
         options((r.notebook, r.title) for r in rows)),
        ("status", text("catalogue.status", lang), [s for s in statuses if s[0] in present]),
        ("lang", text("catalogue.lang", lang),
         options(((r.lang, r.lang_label) for r in rows), lambda kv: kv[0] != "vi")),
    ]
    return [{"name": n, "label": label, "options": opts} for n, label, opts in found
            if len(opts) > 1]


# --- the operators' rows ----------------------------------------------------------------------

def _runs_rows(folders: list[Folder], *, in_folder: bool) -> list[dict[str, Any]]:
    rows = []
    for f in folders:
        prefix = "" if in_folder else quote(f.name) + "/"
        for key, e in f.reports.items():
            status = str(e.get("status") or "")
            files = e.get("files") if isinstance(e.get("files"), dict) else {}
            links = _links(files, prefix)
            ipynb = files.get("ipynb")
            href = _href(prefix, ipynb.get("path") if isinstance(ipynb, dict) else None)
            if href:
                links.append((href, "ipynb"))
            failed = (e.get("failed_files") or {}).get("ipynb") if isinstance(
                e.get("failed_files"), dict) else None
            href = _href(prefix, failed.get("path") if isinstance(failed, dict) else None)
            if href:
                links.append((href, text("catalogue.runs.failed_notebook", "vi") + " / "
                              + text("catalogue.runs.failed_notebook", "en")))
            kept = (_when((e.get("report_run") or {}).get("finished"))
                    if status == "failed" and files else None)
            seconds = e.get("seconds")
            status_key = {"ok": "catalogue.runs.status.ok",
                          "failed": "catalogue.runs.status.failed",
                          "issued": "catalogue.runs.status.issued"}.get(status)
            rows.append({
                "folder": f.name, "key": key, "notebook": str(e.get("notebook") or ""),
                "unit": str(e.get("unit") or ""), "unit_name": str(e.get("unit_name") or ""),
                "period": str(e.get("period") or f.name), "lang": str(e.get("lang") or ""),
                "status": status,
                "status_label": text(status_key, "vi") if status_key else status,
                "number": str((_issued(e) or {}).get("number") or ""),
                "kept": kept, "links": links, "finished": _when(e.get("finished")),
                "seconds": (fmt.number(seconds, "vi", 1)
                            if isinstance(seconds, int | float) and seconds else ""),
                "worker": str(e.get("worker") or ""), "error": str(e.get("error") or ""),
                "sort": (_period_order(str(e.get("period") or f.name)), f.name,
                         str(e.get("notebook") or ""), str(e.get("unit") or ""),
                         str(e.get("lang") or ""), key)})
    return sorted(rows, key=lambda r: r["sort"])


# --- pages ------------------------------------------------------------------------------------

@cache
def _asset(name: str) -> tuple[str, str]:
    """A stylesheet or script of ``rendering/templates/``: its text and the CSP source that
    allows exactly that text ('sha256-…')."""
    body = (resources.files("reportkit.rendering") / "templates" / name).read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
    return body, f"'sha256-{digest}'"


def _page(template: str, *, script: bool, **context: Any) -> bytes:
    """A catalogue page from ``rendering/templates/`` (Jinja2, autoescape) with its inline
    stylesheet, its inline script (recipients' pages) and the policy that allows only those."""
    from reportkit.presentation.html import render, trusted

    css, css_src = _asset("catalog.css")
    js, js_src = _asset("catalog.js") if script else ("", "")
    csp = ("default-src 'none'; style-src " + css_src + "; script-src "
           + (js_src or "'none'") + "; img-src 'self' data:; base-uri 'none'; form-action 'none'")
    return (str(render(template, package="reportkit.rendering", css=trusted(css),
                       script=trusted(js), csp=csp, **context)) + "\n").encode("utf-8")


def _recipients(rows: list[ReportRow], lang: str, *, heading: str, updated: str,
                periods: list[dict[str, str]], up: str | None) -> bytes:
    other = "en" if lang == "vi" else "vi"
    labels = {k: text(f"catalogue.{k}", lang) for k in (
        "report", "unit", "period", "lang", "status", "files", "date", "search",
        "search_hint", "all", "reset", "no_match", "empty", "operators", "periods",
        "all_periods")}
    return _page(
        "catalog_reports.html.j2", script=True, lang=lang, title=heading, heading=heading,
        summary=text("catalogue.summary", lang, n=fmt.number(len(rows), lang)),
        updated=text("catalogue.updated", lang, when=updated) if updated else "",
        other_href=LANG_PAGES[other], other_label=text("catalogue.other_lang", lang),
        other_lang=other, operators_href=RUNS_PAGE, labels=labels, rows=rows,
        filters=_filters(rows, lang), periods=periods, up=up,
        show_period=up is None,
        count=text("catalogue.count", lang, shown="{shown}", total="{total}"),
        issued_number=lambda n: text("catalogue.issued_number", lang, number=n),
        issued_date=lambda d: text("catalogue.issued_date", lang, date=d),
        approver=lambda a: text("catalogue.approver", lang, name=a))


def _operators(folders: list[Folder], *, in_folder: bool, heading: str) -> bytes:
    rows = _runs_rows(folders, in_folder=in_folder)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("ok", "failed", "issued")}
    both = {k: " / ".join(dict.fromkeys((text(k, "vi"), text(k, "en")))) for k in (
        "catalogue.report", "catalogue.unit", "catalogue.period", "catalogue.lang",
        "catalogue.status", "catalogue.files", "catalogue.runs.notebook",
        "catalogue.runs.finished", "catalogue.runs.seconds",
        "catalogue.runs.worker", "catalogue.runs.error", "catalogue.runs.back",
        "catalogue.runs.details")}
    summary = " / ".join(text("catalogue.runs.summary", lang, n=len(rows), **counts)
                         for lang in ("vi", "en"))
    problems = [" / ".join(text("catalogue.runs.unreadable", lang,
                                path=f"{f.name}/{MANIFEST_NAME}", error=f.problem)
                           for lang in ("vi", "en"))
                for f in folders if f.problem]
    details = [(("" if in_folder else quote(f.name) + "/") + name, ("" if in_folder else
                f"{f.name}/") + name) for f in folders if not f.problem
               for name in (MANIFEST_NAME, "runs.jsonl")]
    return _page("catalog_runs.html.j2", script=False, lang="vi", title=heading,
                 heading=heading, summary=summary, labels=both, rows=rows,
                 show_folder=not in_folder, problems=problems, details=details,
                 back=INDEX, kept=lambda when: " / ".join(
                     text("catalogue.runs.kept", lang, when=when) for lang in ("vi", "en")))


def _write_pages(folder: Path, folders: list[Folder], *, in_folder: bool) -> Path:
    """Write the three pages of ``folder`` (a period folder, or the output root) from
    ``folders``; return the path of the Vietnamese index."""
    entries = [(f.name, f.reports) for f in folders]
    updated = max((str(f.manifest.get("updated") or "") for f in folders), default="")
    codes = {f.name: str(f.manifest.get("period") or f.name) for f in folders}
    names = sorted((f.name for f in folders if not f.problem),
                   key=lambda n: (_period_order(codes[n]), n))
    for lang, page in LANG_PAGES.items():
        rows = report_rows(entries, lang, in_folder=in_folder)
        if in_folder:
            code = codes[folders[0].name]
            heading = text("catalogue.title_period", lang, period=period_label(code, lang))
            periods: list[dict[str, str]] = []
            up: str | None = f"../{page}"
        else:
            heading, up = text("catalogue.title", lang), None
            periods = [{"href": f"{quote(n)}/{page}", "label": period_label(codes[n], lang),
                        "count": fmt.number(sum(r.key.startswith(f"{n}/") for r in rows),
                                            lang)}
                       for n in names]
        when = _day(updated, lang) + (" " + updated[11:16] if len(updated) >= 16 else "")
        atomic_write(folder / page, _recipients(rows, lang, heading=heading, updated=when,
                                                periods=periods, up=up))
    title = text("catalogue.runs.title", "vi")
    if in_folder:
        title += " " + codes[folders[0].name]
    atomic_write(folder / RUNS_PAGE, _operators(folders, in_folder=in_folder, heading=title))
    return folder / INDEX


def write_index(period_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write a period folder's catalogue from its ``manifest``: ``index.html`` (Vietnamese),
    ``index.en.html`` (English) and ``runs.html`` (operators). Returns the path of
    ``index.html``.

    Called by :func:`reportkit.rendering.catalog.record` under the period's lock, after every
    report; the files are replaced atomically.
    """
    period_dir = Path(period_dir)
    return _write_pages(period_dir, [Folder(period_dir.name, manifest)], in_folder=True)


def write_root_index(root: Path) -> Path | None:
    """Write the output root's catalogue: every report of every period folder under ``root``
    (``index.html``, ``index.en.html``, ``runs.html``), with links to each period's page.
    Returns the path of ``index.html``, or None when ``root`` holds no period folder."""
    root = Path(root)
    folders = _folders(root)
    if not folders:
        return None
    return _write_pages(root, folders, in_folder=False)
