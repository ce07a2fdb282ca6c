"""Digital signatures (ký số) of issued reports: PAdES through pyHanko, and their check.

Vietnamese offices sign what they issue with the signer's certificate (a PKCS#12 file from the
signing authority, e.g. the Government Cipher Committee's CA). :func:`sign_pdf` adds a PAdES
signature (``/ETSI.CAdES.detached``, SHA-256) to an issued PDF with a *visible* stamp (signer
and time) in the signature block: the box is placed above the last line holding the signer's
name, found with poppler's ``pdftotext -bbox-layout``; without poppler, or when the name is not
found, at the bottom right of the last page.

:func:`check_pdf` is what ``reportkit verify`` runs on every issued report: the signature must
cover the whole file (nothing appended after signing), its digest must match (``intact``), the
cryptography must hold (``valid``) and, when trust roots are given (``--trust`` or
``$REPORTKIT_TRUST_ROOTS``), the signer's certificate must chain to one of them. Without trust
roots the signer is not checked against any authority, and the check says so.

The PKCS#12 password is never a command-line argument (it would land in shell history and in
process listings): ``$REPORTKIT_SIGN_PASSWORD`` or a prompt (:mod:`reportkit.cli`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from reportkit.core.i18n import text
from reportkit.errors import ConfigError, SigningError
from reportkit.store.io import atomic_write

__all__ = ["PASSWORD_ENV", "TRUST_ENV", "FIELD", "SigningError", "SigningKey", "load_signer",
           "signature_box", "sign_pdf", "SignatureCheck", "check_pdf", "trust_roots_from",
           "signer_certificate_pem"]

PASSWORD_ENV = "REPORTKIT_SIGN_PASSWORD"
TRUST_ENV = "REPORTKIT_TRUST_ROOTS"  # PEM/DER files, separated by os.pathsep
FIELD = "KySo"  # the signature field's name
BOX = (180.0, 62.0)  # the visible stamp, points (about 63 x 22 mm)
MARGIN_RIGHT, MARGIN_BOTTOM = 42.5, 60.0  # 15 mm; above the page footer


@dataclass
class SigningKey:
    """A loaded PKCS#12: pyHanko's signer and what the records say about the certificate."""

    signer: Any = field(repr=False)
    subject: str
    issuer: str
    fingerprint: str  # sha256 of the certificate, hex
    common_name: str


def _pyhanko() -> None:
    """Import pyHanko's signing modules once, without the deprecation warning it triggers in
    ``cryptography`` (DSA) on every command that signs or verifies: nothing a user can act on."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*DSA.*deprecated")
        import pyhanko.sign  # noqa: F401


def load_signer(p12: Path, password: bytes | str, *, lang: str = "vi") -> SigningKey:
    """Open the signer's PKCS#12 file (certificate, private key, chain).

    Raises:
        SigningError: the file is missing, is not PKCS#12, or the password is wrong.
    """
    _pyhanko()
    from pyhanko.sign import signers

    p12 = Path(p12)
    if not p12.is_file():
        raise SigningError(text("sign.no_p12", lang, path=str(p12)), file=str(p12))
    pw = password.encode("utf-8") if isinstance(password, str) else password
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=pw or None)
    except Exception:  # pyHanko's own exceptions differ between versions
        signer = None
    if signer is None or signer.signing_cert is None:
        raise SigningError(text("sign.bad_p12", lang, path=str(p12)), file=str(p12))
    cert = signer.signing_cert
    cn = cert.subject.native.get("common_name") or cert.subject.human_friendly
    return SigningKey(signer, cert.subject.human_friendly, cert.issuer.human_friendly,
                      cert.sha256.hex(), str(cn))


def _page_count(pdf: Path) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    with open(pdf, "rb") as fh:
        return int(PdfFileReader(fh).root["/Pages"]["/Count"])


def _norm_word(word: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", word).casefold()


def signature_box(pdf: Path, signer_name: str) -> tuple[int, tuple[float, float, float, float]]:
    """The page index and the stamp's box (x1, y1, x2, y2 in PDF points, origin bottom left):
    just above the last line that holds the signer's name (the signature block; an appendix
    may follow it), centred on it.

    Falls back to the bottom right of the last page when poppler's ``pdftotext`` is missing
    or the name is not in the document.
    """
    pages = _page_count(pdf)
    width, height = 595.0, 842.0  # A4
    name = [_norm_word(w) for w in signer_name.split()]
    tool = shutil.which("pdftotext")
    found = None
    if tool and name:
        out = subprocess.run([tool, "-bbox-layout", str(pdf), "-"], capture_output=True,
                             text=True, check=False, timeout=120)
        for index, page in enumerate(re.findall(r"<page (.*?)</page>", out.stdout, re.S)):
            size = re.match(r'width="([\d.]+)" height="([\d.]+)"', page)
            for line in re.findall(r"<line [^>]*>(.*?)</line>", page, re.S):
                words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                   r'yMax="([\d.]+)">(.*?)</word>', line)
                texts = [_norm_word(_unescape(w[4])) for w in words]
                for i in range(len(texts) - len(name) + 1):
                    if texts[i:i + len(name)] == name:
                        hit = words[i:i + len(name)]
                        found = (index, float(hit[0][0]), float(hit[0][1]), float(hit[-1][2]))
                        if size:
                            width, height = float(size.group(1)), float(size.group(2))
    w, h = BOX
    if found is None:
        x2 = width - MARGIN_RIGHT
        return pages - 1, (x2 - w, MARGIN_BOTTOM, x2, MARGIN_BOTTOM + h)
    index, x_min, y_top, x_max = found
    centre = (x_min + x_max) / 2
    x1 = max(10.0, min(centre - w / 2, width - 10 - w))
    y1 = height - y_top + 3  # just above the name
    return index, (x1, y1, x1 + w, min(y1 + h, height - 10))


def _unescape(value: str) -> str:
    import html

    return html.unescape(value)


def _font(folder: Path) -> Any:
    """DejaVu Sans (every Vietnamese letter, from matplotlib's data) for the stamp's text,
    cut to the Latin and Vietnamese letters and scaled to 1000 units per em: pyHanko writes
    the glyph widths as they are in the font, and PDF reads them per 1000 units (DejaVu's
    2048 would space the letters twice as far apart)."""
    import matplotlib
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    font = TTFont(os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf"))
    options = subset.Options()
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: not needed, not subsettable
    keep = subset.Subsetter(options)
    keep.populate(unicodes=[*range(0x20, 0x250), *range(0x300, 0x324), *range(0x1EA0, 0x1EFA),
                            0x2013, 0x2014, 0x2026])
    keep.subset(font)
    scale_upem(font, 1000)
    path = folder / "stamp-font.ttf"
    font.save(str(path))
    return GlyphAccumulatorFactory(str(path))


def sign_pdf(src: Path, dst: Path, key: SigningKey, *, signer_name: str, reason: str,
             location: str, lang: str = "vi") -> dict[str, Any]:
    """Sign ``src`` as PAdES with a visible stamp in the signature block; write ``dst``
    atomically (``dst`` may be ``src``).

    Returns:
        What the manifest records: field, page, box, signer, issuer, certificate sha256, time.
    """
    import tempfile
    from io import BytesIO

    _pyhanko()
    from pyhanko import stamp
    from pyhanko.pdf_utils import text as pdf_text
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    page, box = signature_box(Path(src), signer_name)
    scratch = tempfile.TemporaryDirectory(prefix="reportkit-stamp-")
    style = stamp.TextStampStyle(
        stamp_text=text("sign.stamp", lang, name="%(signer)s", time="%(ts)s"),
        timestamp_format="%d/%m/%Y %H:%M",
        text_box_style=pdf_text.TextBoxStyle(font=_font(Path(scratch.name)), font_size=9),
        border_width=1)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason, location=location, name=signer_name)
    out = BytesIO()
    with scratch, open(src, "rb") as fh:
        writer = IncrementalPdfFileWriter(fh)
        fields.append_signature_field(writer, fields.SigFieldSpec(
            sig_field_name=FIELD, on_page=page, box=tuple(round(v, 1) for v in box)))
        signers.PdfSigner(meta, signer=key.signer, stamp_style=style).sign_pdf(
            writer, output=out)
    atomic_write(dst, out.getvalue())
    return {"field": FIELD, "page": page + 1, "box": [round(v, 1) for v in box],
            "subfilter": "ETSI.CAdES.detached", "signer": key.subject, "issuer": key.issuer,
            "certificate_sha256": key.fingerprint,
            "signed_at": datetime.now().astimezone().isoformat(timespec="seconds")}


def signer_certificate_pem(pdf: Path) -> str | None:
    """The certificate that signed ``pdf`` (its last signature), as PEM; None if unsigned or
    unreadable (:func:`check_pdf` says what is wrong)."""
    import base64

    _pyhanko()
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        with open(pdf, "rb") as fh:
            sigs = PdfFileReader(fh, strict=False).embedded_signatures
            der = sigs[-1].signer_cert.dump() if sigs else None
    except Exception:  # a damaged PDF
        return None
    if der is None:
        return None
    body = base64.b64encode(der).decode("ascii")
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n"


def trust_roots_from(paths: Sequence[Path | str] = ()) -> list[Path]:
    """The trust roots to check signers against: ``paths``, else ``$REPORTKIT_TRUST_ROOTS``."""
    if paths:
        return [Path(p) for p in paths]
    env = os.environ.get(TRUST_ENV, "")
    return [Path(p) for p in env.split(os.pathsep) if p.strip()]


@dataclass
class SignatureCheck:
    """What :func:`check_pdf` found in one PDF."""

    path: Path
    problems: list[str] = field(default_factory=list)
    signer: str = ""
    certificate_sha256: str = ""
    trusted: bool | None = None  # None: no trust roots were given

    @property
    def ok(self) -> bool:
        """True when the signature is intact, valid, covers the file and (with trust roots)
        chains to one of them."""
        return not self.problems


def _load_roots(roots: Sequence[Path], lang: str) -> list[Any]:
    from pyhanko.keys import load_certs_from_pemder

    missing = [str(p) for p in roots if not Path(p).is_file()]
    if missing:
        raise ConfigError(text("sign.no_trust_file", lang, path=", ".join(missing)),
                          file=missing[0])
    return list(load_certs_from_pemder([str(p) for p in roots]))


def check_pdf(pdf: Path, trust_roots: Sequence[Path] = (), *, expected_sha256: str | None = None,
              lang: str = "vi") -> SignatureCheck:
    """Check the PAdES signature of an issued PDF.

    Args:
        pdf: The signed PDF.
        trust_roots: PEM/DER certificates the signer must chain to; none: not checked
            (``trusted`` is None).
        expected_sha256: The signing certificate recorded at issue; a PDF signed by another
            certificate is a problem even without trust roots.
        lang: Language of the problems.
    """
    _pyhanko()
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    check = SignatureCheck(Path(pdf))
    roots = _load_roots(trust_roots, lang) if trust_roots else []
    try:
        with open(pdf, "rb") as fh:
            sigs = list(PdfFileReader(fh, strict=False).embedded_signatures)
            if not sigs:
                check.problems.append(text("sign.unsigned", lang))
                return check
            sig = sigs[-1]
            cert = sig.signer_cert
            check.signer = cert.subject.human_friendly
            check.certificate_sha256 = cert.sha256.hex()
            # Without roots, the signer's own certificate is the root: integrity only.
            vc = ValidationContext(trust_roots=roots or [cert], allow_fetching=False)
            status = validate_pdf_signature(sig, signer_validation_context=vc)
    except Exception as exc:  # a PDF damaged so that it does not even parse
        check.problems.append(text("sign.unreadable", lang, error=f"{type(exc).__name__}: "
                                                                   f"{str(exc)[:200]}"))
        return check
    if not status.intact:
        check.problems.append(text("sign.not_intact", lang))
    elif not status.valid:
        check.problems.append(text("sign.not_valid", lang))
    coverage = getattr(status.coverage, "name", str(status.coverage))
    if status.intact and coverage != "ENTIRE_FILE":
        check.problems.append(text("sign.not_whole_file", lang))
    if roots:
        check.trusted = bool(status.trusted)
        if not status.trusted:
            check.problems.append(text("sign.untrusted", lang, signer=check.signer,
                                       issuer=cert.issuer.human_friendly))
    if expected_sha256 and check.certificate_sha256 != expected_sha256:
        check.problems.append(text("sign.other_cert", lang, signer=check.signer))
    return check
