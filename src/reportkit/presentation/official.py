"""The official document form of a report: the heading block, the closing blocks and who signs.

Party committee offices issue reports in the form of Hướng dẫn 36-HD/VPTW; Decree 30/2020/NĐ-CP,
Appendix I, fills what the guide leaves open (see the README, "The official document"). Every
report page opens with :func:`heading` and ends its body with :func:`closing`:

- the heading is a two-column block: on the left the issuing body (the superior body in upper
  case, the office in bold upper case, a "*" under it) and the number line "Số …-BC/VPTU"; on
  the right "ĐẢNG CỘNG SẢN VIỆT NAM" in bold with a rule under it, and the place and date in
  italics. Then the document type ("BÁO CÁO") and the subject. The number is blank on drafts
  (``number=""``): the office writes it when the report is issued.
- the closing blocks: "Nơi nhận:" and the recipients on the left, the signature block (on
  behalf of, title, space for the signature, name) on the right. Who signs and who receives
  come from ``params/units.yaml`` (see :func:`signing`), which an office edits without touching
  code. An English report prints each text's English: the entry's ``en:`` sub-entry, else the
  standard English of a usual title or recipient (``official.std.*`` in ``core.i18n``).
- a circulation marking ("LƯU HÀNH NỘI BỘ") or a secrecy level has its place under the number
  line, in a box (Decree 30, App. I, III.2); the element carries ``data-reportkit-marking``
  so that the PDF printer can fill it when the page does not (:mod:`reportkit.rendering.pdf`).

An English page keeps the same places with English texts, without the Party's name (an English
report is a translation for reading, not the document an office files).
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from reportkit.core import fmt, markings
from reportkit.core import units as U
from reportkit.core.i18n import T, text
from reportkit.errors import ConfigError
from reportkit.presentation.blocks import show_html, wrap
from reportkit.presentation.html import Markup, render

__all__ = ["Issuer", "Signing", "ClosingBlocks", "issuer", "heading", "closing", "signing",
           "standard_english", "SETTINGS_FILE"]

SETTINGS_FILE = "units.yaml"  # in the project's params/ folder
CENTRAL = "central"  # the settings key of the Central Party Office (national reports)
_SIGNING_KEYS = {"on_behalf", "title", "name", "recipients"}
_FIELDS = ("on_behalf", "title", "name", "recipients")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issuer:
    """Who issues a report: the lines of the issuing body, the number's symbol, the place
    named in the date line and the settings key (a unit code, or "central")."""

    lines: tuple[str, ...]  # the last one is the issuing office itself (bold)
    symbol: str  # "BC/VPTU": the part after the number
    place: str
    key: str
    official: bool  # the Vietnamese document form (the Party's name, "*", "Số")


@dataclass(frozen=True)
class Signing:
    """The closing blocks of one office's reports."""

    on_behalf: str = ""
    title: str = ""
    name: str = ""
    recipients: tuple[str, ...] = field(default_factory=tuple)


def issuer(unit: U.Unit | None, lang: str, at: date) -> Issuer:
    """The issuer of a report on ``unit`` (its Party committee office) or, for ``None``, of a
    national report (the Central Party Office). The Vietnamese document has the official form;
    an English page names the office only (a layout choice: the texts are in core.i18n)."""
    official = lang == "vi"
    if unit is None:
        return Issuer((text("report.heading.central", lang), text("report.heading.office", lang))
                      if official else (text("report.heading.central", lang),),
                      "BC/VPTW", "Hà Nội", CENTRAL, official)
    city = unit.kind_at(at) == "city"
    if official:
        lines = (text("report.heading.city" if city else "report.heading.province", lang,
                      name=unit.name.upper()), text("report.heading.office", lang))
    else:
        lines = (unit.office_name(lang, at=at),)
    return Issuer(lines, "BC/VPTU", unit.name, unit.code, official)


def heading(who: Issuer, *, lang: str, report_date: date, title: str, subtitle: str,
            number: str = "", marking: str | None = None, sample: str | None = None,
            warning: Markup | str = "", note: str | None = None, exact: str | None = None,
            exact_mark: str | None = None, css: Markup | str = "") -> Markup:
    """The opening of a report page (heading.html.j2): the two-column heading block, the
    document type and subject, then the banners (sample data, exact figures, incomplete data).

    Args:
        who: From :func:`issuer`.
        number: The document's number ("" on drafts: "Số    -BC/VPTU" is printed for the
            office to fill in).
        marking: A circulation or secrecy marking ("Lưu hành nội bộ"), printed upper case in a
            box under the number line; None or "" for none.
        note: A centred line under the subject (e.g. the petitions' reporting window).
        css: The page stylesheet, emitted once per page with the heading.
    """
    number_line = None
    if who.official:
        # "12", or the whole "12-BC/VPTU" as `reportkit issue` records it.
        num, _, symbol = (number or "").strip().partition("-")
        number_line = text("official.number", lang, number=num or "\u2003",
                           symbol=symbol if "/" in symbol else who.symbol)
    return render(
        "heading.html.j2", css=css, official=who.official, left=list(who.lines),
        right=[text("report.heading.party", lang)] if who.official else [],
        number=number_line, marking=markings.label(marking, lang) or None,
        date=fmt.date_long(report_date, lang, who.place), title=title, subtitle=subtitle,
        note=note, sample=sample, warning=warning, exact=exact, exact_mark=exact_mark)


def issued_date(issued_on: str | date | None) -> date | None:
    """The date of issue an issued copy carries (``reportkit issue`` passes it as the
    notebook parameter ``issued_on``, YYYY-MM-DD); None on a draft (dated today)."""
    if isinstance(issued_on, str):
        return date.fromisoformat(issued_on.strip()) if issued_on.strip() else None
    return issued_on


def closing(who: Issuer, lang: str, root: Path | str | None = None, *, signer_name: str = "",
            signer_title: str = "") -> Markup:
    """The closing blocks (closing.html.j2): "Nơi nhận:" with the recipients on the left, the
    signature block on the right, from :func:`signing`; ``signer_name`` and ``signer_title``
    (an issued copy's signer, from ``reportkit issue``) replace the settings' name and title
    (a usual title in its English on an English copy).
    The name stays a line of its own under the signature's room: the visible signature stamp
    is placed above it."""
    s = signing(who.key, root, lang=lang)
    title = (signer_title or "").strip().upper()
    if title and lang != "vi":  # an English copy names a usual title in English
        title = standard_english(title) or title
    title = title or s.title
    return render("closing.html.j2", label=text("official.recipients", lang),
                  recipients=list(s.recipients), on_behalf=s.on_behalf, title=title,
                  name=(signer_name or "").strip() or s.name,
                  signature=text("official.signature", lang))


def settings_path(root: Path | str | None = None) -> Path:
    """``<project>/params/units.yaml`` (the project folder: ``root`` or
    :func:`reportkit.store.warehouse.project_root`)."""
    from reportkit.store.warehouse import project_root

    return Path(root if root is not None else project_root()) / "params" / SETTINGS_FILE


def signing(key: str, root: Path | str | None = None, *, lang: str = "vi") -> Signing:
    """Who signs an office's reports and who receives them: ``params/units.yaml``'s
    ``default`` entry, overridden field by field by the entry under ``units:`` for ``key`` (a
    unit code, or "central" for the Central Party Office). With no settings file every field
    is blank: the report prints "Nơi nhận:" and the signature block's place, empty.

    In English (``lang="en"``) each field is the English of the entry that gives it: that
    entry's ``en:`` sub-entry (``en: {title: ..., recipients: [...]}``), else the standard
    English of a usual Vietnamese text (:func:`standard_english`: "CHÁNH VĂN PHÒNG" → "CHIEF
    OF THE OFFICE", "Lưu Văn phòng" → "Office files"), else the Vietnamese as written, with a
    warning naming the file and the text. The signer's name is a proper name: it stays.

    Raises:
        ConfigError: The file is not valid YAML, or an entry has an unknown field or a value of
            the wrong type (the message names the file, the entry and the field).
    """
    path = settings_path(root)
    try:
        stat = path.stat()
    except OSError:
        return Signing()
    data = _read_settings(str(path), stat.st_mtime_ns, stat.st_size)
    entries = [data.get("default") or {}, (data.get("units") or {}).get(str(key)) or {}]
    values: dict[str, Any] = {}
    for name in _FIELDS:
        # The most specific entry that gives the field (or its English) decides it.
        entry = next((e for e in reversed(entries)
                      if name in e or (lang != "vi" and name in (e.get(lang) or {}))), {})
        value = entry.get(name)
        own = (entry.get(lang) or {}).get(name) if lang != "vi" else None
        if own is not None:
            value = own
        elif lang != "vi" and name != "name" and value:
            value = ([_english(v, path) for v in value] if name == "recipients"
                     else _english(value, path))
        values[name] = value
    return Signing(on_behalf=values["on_behalf"] or "", title=values["title"] or "",
                   name=values["name"] or "", recipients=tuple(values["recipients"] or ()))


def standard_english(vietnamese: str) -> str | None:
    """The English of a usual signing or recipient text (``official.std.*`` in core.i18n),
    matched whatever its case, spacing and Unicode form; None if it is not one."""
    return _standard().get(_fold(vietnamese))


def _fold(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split()).casefold()


@functools.lru_cache(maxsize=1)
def _standard() -> dict[str, str]:
    found = {}
    for name in (k.removeprefix("official.std.") for k in T if k.startswith("official.std.")):
        found[_fold(text(f"official.std.{name}", "vi"))] = text(f"official.std.{name}", "en")
    return found


def _english(value: str, path: Path) -> str:
    english = standard_english(value)
    if english is None:
        log.warning("%s: no English for %r (give it under en:); printed as written",
                    path, value)
        return value
    return english


@functools.lru_cache(maxsize=4)
def _read_settings(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    """The settings file, read and checked (cached while the file is unchanged)."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read {path}: {str(exc)[:300]}", file=path) from None
    if not isinstance(data, dict) or set(data) - {"default", "units"}:
        raise ConfigError(f"{path}: the file holds 'default:' and 'units:' only",
                          file=path)
    entries = [("default", data.get("default") or {})]
    units = data.get("units") or {}
    if not isinstance(units, dict):
        raise ConfigError(f"{path}: 'units:' maps unit codes (or 'central') to entries",
                          file=path)
    entries += [(f"units.{k}", v or {}) for k, v in units.items()]
    for where, entry in entries:
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: {where} must be a mapping of {sorted(_SIGNING_KEYS)}",
                              file=path)
        unknown = set(entry) - _SIGNING_KEYS - {"en"}
        if unknown:
            raise ConfigError(f"{path}: {where} has unknown field(s) {sorted(unknown)}; "
                              f"allowed: {sorted(_SIGNING_KEYS | {'en'})}", file=path)
        _check_fields(path, where, entry)
        english = entry.get("en") or {}
        if not isinstance(english, dict) or set(english) - _SIGNING_KEYS:
            raise ConfigError(f"{path}: {where}.en must be a mapping of (some of) "
                              f"{sorted(_SIGNING_KEYS)}: the English of the entry's texts",
                              file=path)
        _check_fields(path, f"{where}.en", english)
    return {"default": data.get("default") or {},
            "units": {str(k): v or {} for k, v in units.items()}}


def _check_fields(path: str, where: str, entry: dict[str, Any]) -> None:
    for name in ("on_behalf", "title", "name"):
        if not isinstance(entry.get(name, ""), str | None):
            raise ConfigError(f"{path}: {where}.{name} must be text", file=path)
    recipients = entry.get("recipients") or []
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise ConfigError(f"{path}: {where}.recipients must be a list of lines", file=path)


class ClosingBlocks:
    """The closing blocks of a report page (a mixin): the page has an ``issuer`` and a
    ``lang``."""

    issuer: Issuer
    lang: str

    def closing_html(self, signer_name: str = "", signer_title: str = "") -> Markup:
        """The closing blocks: recipients and the signature block (``params/units.yaml``; an
        issued copy's signer, given by ``reportkit issue``, replaces its title and name)."""
        return wrap(closing(self.issuer, self.lang, signer_name=signer_name,
                            signer_title=signer_title))

    def show_closing(self, signer_name: str = "", signer_title: str = "") -> None:
        """Display :meth:`closing_html` (the notebook's last cell)."""
        show_html(self.closing_html(signer_name, signer_title))
