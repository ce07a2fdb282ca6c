"""Bundles for recipients (``reportkit bundle``): one zip per unit holding what was issued to
it for a period, and enough to check it offline.

A bundle ``<period>_<code>-<slug>.zip`` has the layout of the output folder, cut down to the
unit's issued reports::

    <period>/manifest.json      the manifest entries of those reports (HTML and PDF files)
    <period>/index.html         a catalogue of just those (escaped HTML, no script)
    <period>/signatures.json    per report: number, date, signer, issuer, the signer's
                                certificate (PEM) and its sha256
    <period>/<unit>/issued/<number>/<report>.pdf, .html

so that ``reportkit verify <unzipped folder> --trust <root certificate>`` checks every file's
sha256 and every signature with no network. Drafts are never bundled: only issued copies.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportkit.core import units as U
from reportkit.core.i18n import text
from reportkit.core.periods import Period
from reportkit.errors import ConfigError
from reportkit.rendering import catalog, signing
from reportkit.store.io import atomic_write

__all__ = ["BundleResult", "make_bundles", "SIGNATURES", "BUNDLED_FORMATS"]

SIGNATURES = "signatures.json"
BUNDLED_FORMATS = ("pdf", "html")  # recipients read these; the executed notebook stays home


@dataclass
class BundleResult:
    """One unit's bundle, or why there is none (``path`` None: nothing was issued)."""

    unit: str
    unit_name: str
    path: Path | None
    reports: list[str] = field(default_factory=list)


def _day(iso: str | None, lang: str) -> str:
    """"2025-10-05" → "5/10/2025" (body-text style)."""
    from datetime import date

    from reportkit.core import fmt

    try:
        return fmt.date_short(date.fromisoformat(str(iso)), lang)
    except ValueError:
        return str(iso or "")


def _title(entry: dict[str, Any], lang: str) -> str:
    from reportkit.rendering.catalog_pages import report_name

    return report_name(str(entry.get("notebook", "")), lang)


def make_bundles(root: Path, period: str, units: Sequence[str], out: Path, *,
                 lang: str = "vi") -> list[BundleResult]:
    """Write one zip per unit in ``units`` into ``out`` with its issued reports of ``period``.

    Raises:
        ConfigError: the period has no manifest under ``root``.
        UnitError, PeriodError: a unit or the period is not understood.
    """
    p = Period.parse(period)
    period_dir = Path(root) / p.slug()
    if not (period_dir / catalog.MANIFEST).is_file():
        raise ConfigError(text("bundle.no_period", lang, manifest=catalog.MANIFEST,
                               period=str(p), root=str(root)), file=str(period_dir))
    manifest = catalog.load_manifest(period_dir)
    results = []
    for name in units:
        unit = U.resolve(name, at=p.last)
        entries = {rel: e for rel, e in manifest["reports"].items()
                   if e.get("issued") and e.get("unit") == unit.code}
        if not entries:
            results.append(BundleResult(unit.code, unit.name, None))
            continue
        leaf = next(iter(entries)).split("/", 1)[0]
        buf = io.BytesIO()
        base = period_dir.name
        cut: dict[str, Any] = {}
        signatures = []
        rows = []
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for rel, entry in entries.items():
                files = {fmt: info for fmt, info in (entry.get("files") or {}).items()
                         if fmt in BUNDLED_FORMATS}
                for info in files.values():
                    zf.write(period_dir / info["path"], f"{base}/{info['path']}")
                cut[rel] = {**entry, "files": files, "failed_files": {}}
                issued = entry["issued"]
                sig = issued.get("signature") or {}
                pdf = files.get("pdf")
                signatures.append({
                    "report": rel, "number": issued.get("number"), "date": issued.get("date"),
                    "approver": issued.get("approver"), "signer": sig.get("signer"),
                    "issuer": sig.get("issuer"), "signed_at": sig.get("signed_at"),
                    "certificate_sha256": sig.get("certificate_sha256"),
                    "certificate": signing.signer_certificate_pem(period_dir / pdf["path"])
                    if pdf else None})
                approver = issued.get("approver") or {}
                rows.append({
                    "title": _title(entry, lang), "number": issued.get("number", ""),
                    "date": _day(issued.get("date"), lang),
                    "signer": approver.get("name") or "", "signer_title": approver.get("title"),
                    "links": [(files[f]["path"], f.upper()) for f in BUNDLED_FORMATS
                              if f in files]})
            sig_bytes = json.dumps(signatures, indent=1, ensure_ascii=False).encode("utf-8")
            index = _index(unit.name, p, rows, lang)
            # The bundle's own manifest: its reports, its catalogue page and signatures.json
            # (recorded, so that `reportkit verify` checks the unzipped bundle whole); the
            # period folder's run log and pages stay behind.
            small = {key: value for key, value in manifest.items()
                     if key not in ("runs", "pages", "index", "extra_files")}
            small.update(reports=cut, pages={catalog.INDEX: _record(index)},
                         extra_files={SIGNATURES: _record(sig_bytes)})
            zf.writestr(f"{base}/{catalog.MANIFEST}",
                        json.dumps(small, indent=1, ensure_ascii=False))
            zf.writestr(f"{base}/{SIGNATURES}", sig_bytes)
            zf.writestr(f"{base}/{catalog.INDEX}", index)
        path = Path(out) / f"{base}_{leaf}.zip"
        atomic_write(path, buf.getvalue())
        results.append(BundleResult(unit.code, unit.name, path, sorted(entries)))
    return results


def _record(data: bytes) -> dict[str, Any]:
    """A file's record in a manifest: sha256 and size."""
    from reportkit.store.io import sha256_bytes

    return {"sha256": sha256_bytes(data), "size": len(data)}


def _index(unit_name: str, p: Period, rows: list[dict[str, Any]], lang: str) -> bytes:
    from reportkit.presentation.html import render

    label = p.label(lang)
    heading = text("bundle.heading", lang, unit=unit_name, period=label[:1].upper() + label[1:])
    page = render("bundle_index.html.j2", package="reportkit.rendering", title=heading,
                  heading=heading, rows=rows,
                  intro=text("bundle.intro", lang, n=len(rows), manifest=catalog.MANIFEST,
                             signatures=SIGNATURES),
                  header=text("bundle.header", lang).split("|"),
                  verify_hint=text("bundle.verify_hint", lang))
    return (str(page) + "\n").encode("utf-8")
