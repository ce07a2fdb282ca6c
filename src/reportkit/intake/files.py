"""What a submitted file really is, and whether it is safe to hand to a parser.

Why this comes first and stays apart from the readers: provinces send whatever their
computers produce (an .xls renamed .xlsx, a web page saved as .csv, UTF-16 from an old
Excel, Windows-1258 text), and a hostile or broken file must cost a bounded amount of time
and memory. So the bytes are judged here with the standard library only, before openpyxl or
Arrow sees them: the file type from its first bytes, the text encoding, and for an XLSX the
ZIP directory (member count, uncompressed size, compression ratio) and the XML prologs (no
DTD or entity declarations; openpyxl parses through defusedxml as the second line).

It also reads the two things of a worksheet part that openpyxl's public read-only API does
not give: which worksheet part belongs to which sheet name (from the workbook part and its
relationships, ECMA-376 Part 1 §18.2.19-20 and Part 2 §9.3), and the merged ranges, which
the format stores after the cells (``<mergeCells>``, §18.3.1.55).
"""

from __future__ import annotations

import codecs
import io
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree as SafeET

from reportkit.intake.messages import size_text


def sniff(data: bytes) -> str:
    """What the bytes are: "zip", "ole", "pdf", "html", "utf16", "binary", "empty" or "text"."""
    head = data[:2048]
    blank = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"
    if not head.strip(blank) and (len(data) <= 2048 or not data.strip(blank)):
        return "empty"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if max(even, odd) > len(head) / 4 and min(even, odd) < len(head) / 50:
            return "utf16"
        return "binary"
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html", b"<?xml")):
        return "html"
    return "text"


def decode_text(data: bytes, kind: str) -> tuple[bytes, str] | None:
    """UTF-8 bytes (NFC, no BOM) and the encoding found, or None if undecodable."""
    if kind == "utf16":
        enc = "utf-16"
        if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            enc = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            return None
        return unicodedata.normalize("NFC", text.lstrip("\ufeff")).encode("utf-8"), enc
    enc = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, enc = data[3:], "utf-8-sig"
    if not data.isascii():
        # The prefix tells UTF-8 from Windows-1258; Arrow checks the rest of a UTF-8 file.
        try:
            data[:65536].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < 65536 - 4:
                try:
                    text = data.decode("cp1258")
                except UnicodeDecodeError:
                    return None
                return unicodedata.normalize("NFC", text).encode("utf-8"), "windows-1258"
        # Combining marks (U+0300-U+036F, bytes CC/CD): NFD text, or tone marks typed apart.
        if b"\xcc" in data or b"\xcd" in data:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                return None
            if not unicodedata.is_normalized("NFC", text):
                data = unicodedata.normalize("NFC", text).encode("utf-8")
                enc += " (NFD)"
    return data, enc



# ------------------------------------------------------------------------------------------------
# XLSX: the ZIP container
Refusal = tuple[str, dict[str, Any]]  # a message key of reportkit.intake.messages and its fields


def check_zip(data: bytes, *, max_members: int, max_ratio: float, max_uncompressed: int
              ) -> Refusal | None:
    """Refuse ZIP bombs and XML bombs before openpyxl touches the file; None if it may be
    opened."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "bad_zip", {}
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
        return "zip_not_excel", {}
    if len(infos) > max_members:
        return "zip_members", {"n": len(infos), "limit": max_members}
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 2**20:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > max_ratio:
                return "zip_ratio", {"name": info.filename, "ratio": ratio, "limit": max_ratio}
    if total > max_uncompressed:
        return "zip_size", {"size": size_text(total), "limit": size_text(max_uncompressed)}
    for info in infos:
        if info.filename.endswith((".xml", ".rels", ".vml")):
            try:
                with zf.open(info) as fh:
                    prolog = fh.read(4096)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                return "bad_zip", {}
            if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
                return "xml_dtd", {"name": info.filename}
    return None


# ------------------------------------------------------------------------------------------------
# XLSX: worksheet parts
def _local(tag: str) -> str:
    """An XML name without its namespace: "{ns}sheet" → "sheet" (transitional and strict
    OOXML use different namespaces for the same elements)."""
    return tag.rsplit("}", 1)[-1]


def _relationships(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target member) of ``part`` (package root: "")."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    try:
        root = SafeET.fromstring(zf.read(rels))
    except KeyError:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for el in root:
        if _local(el.tag) != "Relationship" or el.get("TargetMode") == "External":
            continue
        target = el.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[el.get("Id") or ""] = (el.get("Type") or "", posixpath.normpath(path))
    return out


def sheet_parts(data: bytes) -> dict[str, str]:
    """Sheet name → the ZIP member that holds the worksheet; empty if the workbook cannot be
    mapped (then the caller reads no merged ranges)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        book = next((t for kind, t in _relationships(zf, "").values()
                     if kind.endswith("/officeDocument")), "xl/workbook.xml")
        rels = _relationships(zf, book)
        root = SafeET.fromstring(zf.read(book))
    except Exception:  # damaged parts, defusedxml refusals: openpyxl reports them when it reads
        return {}
    out: dict[str, str] = {}
    for el in root.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items()
                    if _local(k) == "id" and k.endswith("/relationships}id")), None)
        if rid in rels and el.get("name") is not None:
            out[str(el.get("name"))] = rels[rid][1]
    return out


# The patterns a worksheet part is scanned for. Their matches are short (under _OVERLAP bytes),
# so one cut by a chunk boundary is found whole in the next chunk.
_P = rb"(?:[A-Za-z_][\w.-]{0,32}:)?"  # an optional namespace prefix ("x:")
_MERGE = re.compile(rb"<" + _P + rb"mergeCell\s[^>]{0,512}?\bref\s*=\s*"
                    rb"[\"']([A-Za-z]{1,3}[0-9]{1,7}(?::[A-Za-z]{1,3}[0-9]{1,7})?)[\"']")
_FORMULA = re.compile(rb"<" + _P + rb"f[\s/>]")
_DATA_END = re.compile(rb"</" + _P + rb"sheetData\s*>")
_ROW = re.compile(rb"<" + _P + rb"row\b([^>]{0,1024})>")
_ROW_NUMBER = re.compile(rb"(?:^|\s)r\s*=\s*[\"']\s*([0-9]{1,12})\s*[\"']")
# What follows a formula in its cell: the saved value (<v>, with its first character if any)
# or the end of the cell.
_AFTER_FORMULA = re.compile(rb"<" + _P + rb"v(?:\s[^>]{0,256})?>([^<]?)|</" + _P + rb"c\s*>")
_OVERLAP = 1024


@dataclass
class SheetScan:
    """What a byte scan of one worksheet part found."""

    merged: list[str] = field(default_factory=list)  # merged ranges, "B2:B4"
    formulas: bool = False  # a cell holds a formula
    unsaved: bool = False  # a formula may lack a saved value (a false alarm costs only time)
    disorder: tuple[int, int] | None = None  # (row, the row before it) where rows go backwards


def scan_sheet(data: bytes, member: str, chunk: int = 1 << 20) -> SheetScan:
    """Merged ranges, and whether any cell holds a formula without a saved value, streaming
    through the decompressed part (whose size :func:`check_zip` has bounded).

    Cell text cannot fake either: in the XML it is escaped (``&lt;``). Formulas are looked for
    in ``<sheetData>`` only (the extension lists after it hold formulas of data validation and
    conditional formatting, ``<xm:f>``). A formula whose cell does not end within the scanned
    bytes counts as unsaved: the reader then checks it the slow, exact way.

    Rows must come in increasing order (Excel writes them so): openpyxl's read-only rows skip
    a row numbered at or below one already read, so the reader refuses such a sheet rather
    than lose the row silently.
    """
    out = SheetScan()
    in_data = True
    last_row = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open(member) as fh:
        tail = b""
        while True:
            block = fh.read(chunk)
            buf = tail + block
            keep = len(buf) if not block else max(len(buf) - _OVERLAP, 0)
            if in_data:
                end = _DATA_END.search(buf) if b"sheetData" in buf else None
                stop = min(keep, end.start()) if end else keep
                if not out.unsaved and (b"<f" in buf or b":f" in buf):
                    for m in _FORMULA.finditer(buf):
                        if m.start() >= stop:
                            break
                        out.formulas = True
                        after = _AFTER_FORMULA.search(buf, m.end())
                        if after is None or not after.group(1):  # no <v>, or an empty one
                            out.unsaved = True
                            break
                if out.disorder is None:
                    for m in _ROW.finditer(buf):
                        if m.start() >= stop:
                            break
                        num = _ROW_NUMBER.search(m[1])
                        row = int(num[1]) if num else last_row + 1
                        if row <= last_row:
                            out.disorder = (row, last_row)
                            break
                        last_row = row
                in_data = end is None or end.start() >= keep
            if b"mergeCell" in buf:
                out.merged.extend(m[1].decode("ascii") for m in _MERGE.finditer(buf)
                                  if m.start() < keep)
            if not block:
                return out
            tail = buf[keep:]
