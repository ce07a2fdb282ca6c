"""Issuing reports: a draft becomes a numbered, dated, signed copy that nothing overwrites;
``reportkit verify`` checks its signature; ``reportkit bundle`` packs what a unit was sent.

The scenario renders a real report (a kernel runs ``tests/notebooks/issuable.ipynb``, Chromium
prints it), issues it with a certificate from a CA the test makes, and checks the signature
with pyHanko and, independently, with poppler's ``pdfsig``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_catalog
from reportkit.batch import plan as batch_plan
from reportkit.batch.execute import execute_plan, run_report
from reportkit.batch.issue import check_number, issue_report, number_slug
from reportkit.cli import main
from reportkit.errors import IssueError, SigningError
from reportkit.rendering import catalog, signing
from reportkit.store.io import sha256_file

NB = Path(__file__).resolve().parent / "notebooks"
Q3 = "2025-Q3"
PASSWORD = "mật khẩu 123"
SIGNER = "Nguyễn Văn An"
TITLE = "Chánh Văn phòng"


# --- a CA and signers of our own ----------------------------------------------------------


def make_pki(folder: Path, ca_name: str, signer: str = SIGNER,
             password: str = PASSWORD) -> tuple[Path, Path]:
    """A root CA (PEM) and a signer's PKCS#12 (certificate, key, chain) with ``password``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                          x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def usage(ca: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=True, content_commitment=not ca,
                             key_encipherment=False, data_encipherment=False,
                             key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                             encipher_only=False, decipher_only=False)

    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (x509.CertificateBuilder().subject_name(name(ca_name)).issuer_name(name(ca_name))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(usage(True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(name(signer)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(usage(False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "signer.p12").write_bytes(pkcs12.serialize_key_and_certificates(
        b"signer", key, cert, [ca],
        serialization.BestAvailableEncryption(password.encode("utf-8"))))
    return folder / "ca.pem", folder / "signer.p12"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("pki")
    ca, p12 = make_pki(base / "office", "Test Root CA")
    other_ca, other_p12 = make_pki(base / "other", "Some Other CA")
    return {"ca": ca, "p12": p12, "other_ca": other_ca, "other_p12": other_p12}


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "params").mkdir()
    make_catalog(tmp_path / "data" / "warehouse")
    monkeypatch.setenv("REPORTKIT_WAREHOUSE", str(tmp_path / "data" / "warehouse"))
    monkeypatch.setenv("REPORTKIT_HOME", str(tmp_path))
    monkeypatch.delenv(signing.TRUST_ENV, raising=False)
    return tmp_path


def render_draft(project: Path, unit: str = "Lào Cai") -> Path:
    res = run_report(NB / "issuable.ipynb", unit=unit, period=Q3, formats=("html", "pdf"),
                     output_root=project / "outputs", kernel_name="python3", allow_empty=True)
    assert res.status == "ok" and res.pdf is not None
    return res.pdf


def issue(project: Path, draft: Path, pki: dict[str, Path], number: str = "12-BC/VPTU",
          **kw: object) -> object:
    kw.setdefault("p12", pki["p12"])
    kw.setdefault("password", PASSWORD)
    return issue_report(draft, number=number, issued_on=dt.date(2025, 10, 5),
                        signer_name=SIGNER, signer_title=TITLE, notebook_dirs=(NB,), **kw)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def pdfsig(path: Path, *args: str) -> str:
    return subprocess.run(["pdfsig", *args, str(path)], capture_output=True, text=True,
                          check=False).stdout


# --- unit tests (no kernel) ---------------------------------------------------------------


@pytest.mark.parametrize("number", ["12-BC/VPTU", "07-BC/VPTW", "125-BC/TU", "3-BC/BTCTU-VP",
                                    " 12-BC/VPTU "])
def test_well_formed_numbers_are_accepted(number: str) -> None:
    assert check_number(number) == number.strip()


@pytest.mark.parametrize("number", ["", "12", "BC/VPTU", "12-bc/vptu", "12-BC/../x",
                                    "12-BC/VPTU/", "../../etc", "12 BC/VPTU"])
def test_malformed_numbers_are_refused_with_the_expected_form(number: str) -> None:
    with pytest.raises(IssueError, match="12-BC/VPTU") as err:
        check_number(number)
    assert err.value.exit_code == 3


def test_number_folder_names_are_safe() -> None:
    assert number_slug("12-BC/VPTU") == "12-BC-VPTU"
    assert number_slug("3-BC/ĐU-VP") == "3-BC-DU-VP"


def test_a_wrong_password_or_a_missing_certificate_is_a_clear_error(
        tmp_path: Path, pki: dict[str, Path]) -> None:
    with pytest.raises(SigningError, match="sai mật khẩu"):
        signing.load_signer(pki["p12"], "wrong")
    with pytest.raises(SigningError, match="No certificate file"):
        signing.load_signer(tmp_path / "none.p12", PASSWORD, lang="en")
    key = signing.load_signer(pki["p12"], PASSWORD)
    assert key.common_name == SIGNER and len(key.fingerprint) == 64


# --- the scenario ------------------------------------------------------------------------


@pytest.mark.slow
def test_issue_sign_protect_verify_and_refuse(project: Path, pki: dict[str, Path]) -> None:
    draft = render_draft(project)
    period_dir = draft.parent.parent
    assert "-BC/VPTU" in pdf_text(draft) and "12-BC/VPTU" not in pdf_text(draft)

    res = issue(project, draft, pki)

    # recorded: number, date, approver, the draft's input hash, the signature, the files
    folder = period_dir / "15-lao-cai" / "issued" / "12-BC-VPTU"
    assert res.folder == folder
    entry = catalog.load_manifest(period_dir)["reports"][res.rel]
    draft_entry = catalog.load_manifest(period_dir)["reports"]["15-lao-cai/issuable"]
    assert res.rel == "15-lao-cai/issued/12-BC-VPTU/issuable"
    assert entry["status"] == "issued"
    info = entry["issued"]
    assert info["number"] == "12-BC/VPTU" and info["date"] == "2025-10-05"
    assert info["approver"] == {"name": SIGNER, "title": TITLE}
    assert info["draft"] == f"{Q3}/15-lao-cai/issuable"
    assert info["draft_input_hash"] == draft_entry["input_hash"]
    assert entry["params"]["number"] == "12-BC/VPTU"
    assert entry["inputs"]["data"] == draft_entry["inputs"]["data"]
    issued_pdf = folder / "issuable.pdf"
    assert entry["files"]["pdf"]["sha256"] == sha256_file(issued_pdf)
    assert {e["status"] for e in catalog.read_runs(period_dir)} >= {"ok", "issued"}
    index = (period_dir / "index.html").read_text(encoding="utf-8")
    assert "Số 12-BC/VPTU, ngày 5/10/2025" in index
    assert "15-lao-cai/issued/12-BC-VPTU/issuable.pdf" in index
    assert not os.access(issued_pdf, os.W_OK) or os.geteuid() == 0
    assert not (issued_pdf.stat().st_mode & 0o222)

    # stamped: the number, the date and the signer are printed in the issued copy
    printed = pdf_text(issued_pdf)
    assert "Số 12-BC/VPTU" in printed and "2025-10-05" in printed
    assert SIGNER in printed and TITLE.upper() in printed

    # signed: pyHanko (against our CA) and, independently, poppler
    check = signing.check_pdf(issued_pdf, [pki["ca"]])
    assert check.ok and check.trusted, check.problems
    assert check.certificate_sha256 == info["signature"]["certificate_sha256"]
    sig = pdfsig(issued_pdf)
    assert "Signature is Valid" in sig and "Total document signed" in sig
    assert f"Common Name: {SIGNER}" in sig and "ETSI.CAdES.detached" in sig
    # the visible stamp sits above the signer's name
    page, box = signing.signature_box(issued_pdf, SIGNER)
    assert info["signature"]["page"] == page + 1
    assert info["signature"]["box"][1] >= box[1] - 80

    # verify: every file and the signature
    runner = CliRunner()
    ok = runner.invoke(main, ["verify", str(period_dir), "--trust", str(pki["ca"])])
    assert ok.exit_code == 0, ok.output
    assert "1 signature(s)" in ok.output
    # the whole output folder too: its catalogue and issue lock are reportkit's own
    whole = runner.invoke(main, ["verify", str(period_dir.parent), "--trust", str(pki["ca"])])
    assert whole.exit_code == 0, whole.output

    # a forced batch over the same report does not touch the issued copy
    before = {p: (sha256_file(p), p.stat().st_mtime_ns) for p in folder.iterdir()}
    sched = batch_plan.Schedule(
        path=NB / "issuable.ipynb", project=project,
        notebooks=(batch_plan.NotebookSpec(NB / "issuable.ipynb", units=("15",)),),
        units=("15",), periods=(Q3,), formats=("html", "pdf"), kernel="python3", warm=(),
        out=(project / "outputs").resolve())
    plan = batch_plan.plan_batch(sched, force=True, allow_empty=True)
    assert [d.job.rel for d in plan.decisions] == ["15-lao-cai/issuable"]
    forced = execute_plan(plan, inline=True, progress=False, force=True)
    assert forced.outcomes[0].status == "ok"
    assert {p: (sha256_file(p), p.stat().st_mtime_ns) for p in folder.iterdir()} == before
    # and so does `reportkit run` (a batch of one that always renders)
    render_draft(project)
    assert {p: (sha256_file(p), p.stat().st_mtime_ns) for p in folder.iterdir()} == before
    assert catalog.load_manifest(period_dir)["reports"][res.rel] == entry

    # a second issue: the same number is refused, and so is the same draft again
    redraft = period_dir / "15-lao-cai" / "issuable.pdf"
    with pytest.raises(IssueError, match="Số 12-BC/VPTU đã được dùng"):
        issue(project, redraft, pki)
    with pytest.raises(IssueError, match="đã được ban hành"):
        issue(project, redraft, pki, number="13-BC/VPTU")
    assert {p: (sha256_file(p), p.stat().st_mtime_ns) for p in folder.iterdir()} == before

    # the data change: the draft on disk no longer matches what would be issued
    make_catalog(project / "data" / "warehouse", tag="corrected")
    with pytest.raises(IssueError, match="thay đổi: data") as err:
        issue(project, redraft, pki, number="14-BC/VPTU")
    assert err.value.exit_code == 3 and err.value.changed == ["data"]
    assert not (period_dir / "15-lao-cai" / "issued" / "14-BC-VPTU").exists()

    # a signature by a certificate of another CA is caught against our trust root
    check = signing.check_pdf(issued_pdf, [pki["other_ca"]])
    assert not check.ok and check.trusted is False
    assert "không thuộc chứng thư gốc tin cậy" in check.problems[0]

    # tampering: bytes changed after signing are caught (signature and manifest hash)
    issued_pdf.chmod(0o644)
    data = bytearray(issued_pdf.read_bytes())
    at = data.index(b"/Type /Page") if b"/Type /Page" in data else len(data) // 3
    data[at + 1] = ord("X")
    issued_pdf.write_bytes(bytes(data))
    bad = runner.invoke(main, ["verify", str(period_dir), "--trust", str(pki["ca"]),
                               "--lang", "en"])
    assert bad.exit_code == 1, bad.output
    assert "issued/12-BC-VPTU/issuable.pdf" in bad.output
    assert "changed after signing" in bad.output
    assert "Signature is Valid" not in pdfsig(issued_pdf)


@pytest.mark.slow
def test_a_pdf_signed_by_another_ca_fails_verify(project: Path, pki: dict[str, Path]) -> None:
    draft = render_draft(project)
    res = issue(project, draft, pki, p12=pki["other_p12"])
    period_dir = draft.parent.parent
    runner = CliRunner()
    # refused on the command line: exit code 3 and the reason, before any kernel starts
    again = runner.invoke(main, [
        "issue", str(draft), "--number", "12-BC/VPTU", "--date", "2025-12-01",
        "--signer-name", SIGNER, "--signer-title", TITLE, "--cert", str(pki["p12"]),
        "--notebooks", str(NB), "--lang", "en"], env={signing.PASSWORD_ENV: PASSWORD})
    assert again.exit_code == 3, again.output
    assert "Number 12-BC/VPTU is already used" in again.output
    wrong = runner.invoke(main, [
        "issue", str(draft), "--number", "13-BC/VPTU", "--signer-name", SIGNER,
        "--signer-title", TITLE, "--cert", str(pki["p12"]), "--notebooks", str(NB),
        "--lang", "en"], env={signing.PASSWORD_ENV: "wrong"})
    assert wrong.exit_code == 3 and "wrong password" in wrong.output, wrong.output
    bad = runner.invoke(main, ["verify", str(period_dir), "--trust", str(pki["ca"]),
                               "--lang", "en"])
    assert bad.exit_code == 1, bad.output
    assert "does not chain to a trusted root" in bad.output
    assert str(res.folder.name) in bad.output
    # without trust roots the signature is intact, and the output says the signer was not
    # checked against any authority
    unchecked = runner.invoke(main, ["verify", str(period_dir), "--lang", "en"])
    assert unchecked.exit_code == 0, unchecked.output
    assert "not checked against a trusted root" in unchecked.output


@pytest.mark.slow
def test_bundle_per_unit_and_verify_the_unzipped_bundle(
        project: Path, pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    drafts = [render_draft(project, "Lào Cai"), render_draft(project, "Cần Thơ")]
    runner = CliRunner()
    monkeypatch.setenv(signing.PASSWORD_ENV, PASSWORD)
    for draft, number in zip(drafts, ("12-BC/VPTU", "5-BC/VPTU"), strict=True):
        out = runner.invoke(main, [
            "issue", str(draft), "--number", number, "--date", "2025-10-05",
            "--signer-name", SIGNER, "--signer-title", TITLE, "--cert", str(pki["p12"]),
            "--notebooks", str(NB)])
        assert out.exit_code == 0, out.output
        assert number in out.output and PASSWORD not in out.output
    dist = project / "dist"
    out = runner.invoke(main, ["bundle", "--units", "Lào Cai,Cần Thơ,Hà Nội", "--period", Q3,
                               "--out", str(dist), "--outputs", str(project / "outputs")])
    assert out.exit_code == 1, out.output  # Hà Nội has nothing issued
    assert "Hà Nội" in out.output and "không có báo cáo đã ban hành" in out.output
    zips = sorted(p.name for p in dist.glob("*.zip"))
    assert zips == [f"{Q3}_15-lao-cai.zip", f"{Q3}_92-can-tho.zip"]
    with zipfile.ZipFile(dist / f"{Q3}_15-lao-cai.zip") as zf:
        names = set(zf.namelist())
        assert names == {f"{Q3}/manifest.json", f"{Q3}/index.html", f"{Q3}/signatures.json",
                         f"{Q3}/15-lao-cai/issued/12-BC-VPTU/issuable.pdf",
                         f"{Q3}/15-lao-cai/issued/12-BC-VPTU/issuable.html"}
        manifest = json.loads(zf.read(f"{Q3}/manifest.json"))
        assert list(manifest["reports"]) == ["15-lao-cai/issued/12-BC-VPTU/issuable"]
        index = zf.read(f"{Q3}/index.html").decode()
        assert "12-BC/VPTU" in index and "Cần Thơ" not in index
        sigs = json.loads(zf.read(f"{Q3}/signatures.json"))
        assert sigs[0]["number"] == "12-BC/VPTU" and "BEGIN CERTIFICATE" in sigs[0]["certificate"]
        zf.extractall(project / "unzipped")
    ok = runner.invoke(main, ["verify", str(project / "unzipped"), "--trust", str(pki["ca"])])
    assert ok.exit_code == 0, ok.output
    pdf = project / "unzipped" / Q3 / "15-lao-cai" / "issued" / "12-BC-VPTU" / "issuable.pdf"
    assert "Signature is Valid" in pdfsig(pdf)
    shutil.rmtree(project / "unzipped")


@pytest.mark.slow
def test_the_province_report_is_issued_with_its_number_date_and_signature_block(
        sample_env: Path, tmp_path: Path, pki: dict[str, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The real province report on the sample warehouse: the draft has no number, the issued
    copy prints "Số 12-BC/VPTU", the date of issue and the signer, and the visible stamp sits
    in the signature block's room, above the signer's name."""
    monkeypatch.delenv(signing.TRUST_ENV, raising=False)
    nb = Path(__file__).resolve().parents[1] / "notebooks" / "province_report.ipynb"
    res = run_report(nb, unit="Lào Cai", period=Q3, formats=("html", "pdf"),
                     output_root=tmp_path / "outputs")
    assert res.status == "ok" and res.pdf is not None
    assert "12-BC/VPTU" not in pdf_text(res.pdf)
    issued = issue_report(res.pdf, number="12-BC/VPTU", issued_on=dt.date(2025, 10, 5),
                          signer_name=SIGNER, signer_title=TITLE, p12=pki["p12"],
                          password=PASSWORD)
    pdf = issued.files["pdf"]
    printed = pdf_text(pdf)
    assert "Số 12-BC/VPTU" in printed
    assert "Lào Cai, ngày 05 tháng 10 năm 2025" in printed
    assert SIGNER in printed and TITLE.upper() in printed
    check = signing.check_pdf(pdf, [pki["ca"]])
    assert check.ok and check.trusted, check.problems
    assert "Signature is Valid" in pdfsig(pdf)
    sig = issued.entry["issued"]["signature"]
    page = sig["page"]  # the signature block's page (an appendix follows it)
    assert TITLE.upper() in subprocess.run(["pdftotext", "-f", str(page), "-l", str(page),
                                            str(pdf), "-"], capture_output=True, text=True,
                                           check=True).stdout
    # the stamp is in the room between the title and the name: poppler's text positions
    bbox = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page),
                           str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', bbox).group(1))
    tops = [float(y) for y, w in re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" '
                                            r'xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>', bbox)
            if w == "Nguyễn"]
    title_bottoms = [float(y) for y, w in re.findall(
        r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', bbox)
        if w == "CHÁNH"]
    name_top, title_bottom = height - max(tops), height - max(title_bottoms)
    x1, y1, x2, y2 = sig["box"]
    assert name_top < y1 < y2 <= title_bottom + 2, (sig["box"], name_top, title_bottom)


@pytest.fixture(scope="module")
def small_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-page PDF printed by Chromium with a signature block (title, room, name)."""
    from reportkit.rendering.pdf import print_many

    base = tmp_path_factory.mktemp("small-pdf")
    html = base / "doc.html"
    html.write_text(
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"></head><body>'
        "<h1>BÁO CÁO</h1><p>Số 12-BC/VPTU</p>"
        '<div style="margin-left:55%;text-align:center"><b>CHÁNH VĂN PHÒNG</b>'
        f'<div style="height:80pt"></div><b>{SIGNER}</b></div></body></html>',
        encoding="utf-8")
    print_many([(html, base / "doc.pdf")])
    return base / "doc.pdf"


@pytest.mark.slow
def test_signature_checks_catch_every_kind_of_change(
        small_pdf: Path, tmp_path: Path, pki: dict[str, Path]) -> None:
    key = signing.load_signer(pki["p12"], PASSWORD)
    signed = tmp_path / "signed.pdf"
    info = signing.sign_pdf(small_pdf, signed, key, signer_name=SIGNER, reason="Ban hành",
                            location="Lào Cai")
    assert signing.check_pdf(signed, [pki["ca"]]).ok
    assert "Signature is Valid" in pdfsig(signed)
    # the stamp is just above the name, inside the block
    page, (x1, y1, x2, y2) = signing.signature_box(small_pdf, SIGNER)
    assert page == 0 and info["box"] == [round(v, 1) for v in (x1, y1, x2, y2)]
    assert x1 > 595 / 2 - 40 and y2 - y1 > 40
    # no name in the document: the bottom right of the last page
    _, (fx1, fy1, _, _) = signing.signature_box(small_pdf, "Trần Thị Bình")
    assert fx1 > 300 and fy1 < 100

    unsigned = signing.check_pdf(small_pdf)
    assert not unsigned.ok and "không có chữ ký số" in unsigned.problems[0]

    flipped = tmp_path / "flipped.pdf"
    data = bytearray(signed.read_bytes())
    at = data.index(b"BT") if b"BT" in data else 200  # inside the signed range
    data[at + 1] = ord("X") if data[at + 1] != ord("X") else ord("Y")
    flipped.write_bytes(bytes(data))
    assert "đã bị sửa sau khi ký" in " ".join(signing.check_pdf(flipped, [pki["ca"]]).problems)

    appended = tmp_path / "appended.pdf"
    appended.write_bytes(signed.read_bytes() + b"\n% added after signing\n")
    check = signing.check_pdf(appended, [pki["ca"]], lang="en")
    assert not check.ok and "does not cover the whole file" in " ".join(check.problems)

    other = signing.check_pdf(signed, [pki["other_ca"]], lang="en")
    assert other.trusted is False and "does not chain to a trusted root" in other.problems[0]
    swapped = signing.check_pdf(signed, [pki["ca"]], expected_sha256="0" * 64, lang="en")
    assert "another certificate" in swapped.problems[0]


def test_the_bundle_catalogue_escapes_names() -> None:
    from reportkit.core.periods import Period
    from reportkit.rendering import bundle

    page = bundle._index("<b>Lào Cai</b>", Period.parse(Q3), [{
        "title": "<script>alert(1)</script>", "number": "12-BC/VPTU", "date": "5/10/2025",
        "signer": "<img src=x onerror=alert(1)>", "signer_title": "Chánh Văn phòng",
        "links": [("15-lao-cai/issued/12-BC-VPTU/x.pdf", "PDF")]}], "vi").decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "&lt;b&gt;Lào Cai&lt;/b&gt;" in page
    assert "Quý III/2025" in page and "<script" not in page.lower()
