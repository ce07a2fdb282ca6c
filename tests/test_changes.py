"""What changed since a report was issued (issue #15 point 3): the key figures stored with
every report, the draft's section "Thay đổi so với bản đã ban hành", the catalogue's flag and
``reportkit diff``; and the whole path an office walks, with real parts: render → issue
(numbered, signed by a certificate of a test CA) → a corrected resubmission ingested →
re-render (the draft shows old → new, the issued copy is byte for byte untouched) → diff →
bundle → verify on the unzipped bundle, which catches a tampered byte.

Screenshots of the draft's changes section land in ``test-artifacts/changes-*.png``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import nbformat
import pytest
from click.testing import CliRunner

from reportkit.batch.execute import run_report
from reportkit.batch.issue import issue_report
from reportkit.cli import main
from reportkit.presentation.figures import MIMETYPE, changes_html, compare, figure
from reportkit.rendering import catalog, runner, signing
from reportkit.rendering.catalog_pages import report_rows
from reportkit.rendering.changes import take_figures
from reportkit.store.io import sha256_file
from test_issue import PASSWORD, SIGNER, TITLE, make_pki, pdf_text, pdfsig

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("REPORTKIT_CHROMIUM", "/usr/bin/chromium")
Q3 = "2025-Q3"


def figs(**values: tuple[str, float | None]) -> list[dict[str, Any]]:
    return [figure(k, f"nhãn {k}", f"label {k}", t, v) for k, (t, v) in values.items()]


# --- without a kernel -----------------------------------------------------------------------


def test_figures_compare_as_printed_and_hidden_counts_stay_hidden() -> None:
    old = figs(docs=("155", 155), rate=("81,2%", 0.81204), over60=("*", None), gone=("3", 3))
    new = figs(docs=("165", 165), rate=("81,2%", 0.81249), over60=("*", None),
               added=("<3", None))
    changes = compare(old, new, "en")
    # 81.204% and 81.249% both print 81,2%: not a change a reader sees
    assert [(c.id, c.label, c.old, c.new) for c in changes] == [
        ("docs", "label docs", "155", "165"), ("added", "label added", "", "<3"),
        ("gone", "label gone", "3", "")]
    assert compare(old, old) == []
    # a hidden figure is stored as printed, with no value: the raw count is never kept
    hidden = figure("over60", "a", "b", "*", None)
    assert hidden["value"] is None and hidden["text"] == "*"


def test_the_batch_takes_the_figures_out_of_the_page() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("heading"), nbformat.v4.new_code_cell("rest")]
    nb.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<p>heading</p>"}),
        nbformat.v4.new_output("display_data", data={
            MIMETYPE: {"figures": figs(docs=("155", 155))}, "text/plain": ""}),
        nbformat.v4.new_output("display_data", data={"text/html": "<p>cards</p>"})]
    found, where = take_figures(nb)
    assert found == figs(docs=("155", 155)) and where == (0, 1)
    assert all(MIMETYPE not in o.get("data", {}) for o in nb.cells[0].outputs)
    assert len(nb.cells[0].outputs) == 2
    assert take_figures(nb) == (None, None)


def test_the_changes_section_escapes_and_says_old_and_new() -> None:
    changes = compare(figs(x=("1", 1)), [figure("x", "<b>Đơn</b>", "<b>x</b>", "5", 5)])
    html = str(changes_html(changes, number="12-BC/VPTU", issued_on="2025-10-05"))
    assert "Thay đổi so với bản đã ban hành" in html
    assert "Báo cáo số 12-BC/VPTU ngày 5/10/2025" in html
    assert "&lt;b&gt;Đơn&lt;/b&gt;" in html and "<b>Đơn" not in html
    none = str(changes_html([], number="12-BC/VPTU", issued_on="2025-10-05", lang="en"))
    assert "Changes since the issued version" in none and "No figure changed" in none


def entry(figures: list[dict[str, Any]] | None, *, issued: dict[str, Any] | None = None,
          path: str = "15-lao-cai/province_report") -> dict[str, Any]:
    e: dict[str, Any] = {
        "notebook": "province_report.ipynb", "unit": "15", "unit_name": "Lào Cai",
        "period": Q3, "lang": "vi", "status": "issued" if issued else "ok",
        "input_hash": "h2", "files": {"pdf": {"path": f"{path}.pdf", "sha256": "0",
                                               "size": 1}},
        "report_run": {"input_hash": "h2", "finished": "2025-10-07T09:00:00+07:00"}}
    if figures is not None:
        e["figures"] = figures
    if issued:
        e["issued"] = issued
    return e


ISSUED = {"number": "12-BC/VPTU", "date": "2025-10-05", "draft": f"{Q3}/15-lao-cai/"
          "province_report", "draft_input_hash": "h1", "approver": {"name": SIGNER}}


def test_the_catalogue_says_which_figures_changed_since_issue() -> None:
    before = figs(docs=("155", 155), rate=("81,2%", 0.812))
    after = figs(docs=("165", 165), rate=("81,2%", 0.812))
    entries = {"15-lao-cai/province_report": entry(after),
               "15-lao-cai/issued/12-BC-VPTU/province_report": entry(
                   before, issued=ISSUED, path="15-lao-cai/issued/12-BC-VPTU/province_report")}
    rows = {r.status: r for r in report_rows([(Q3, entries)], "vi", in_folder=True)}
    assert rows["draft"].changed
    assert rows["draft"].notes == ["Khác bản số 12-BC/VPTU: nhãn docs 155 → 165"]
    assert rows["issued"].changed
    # inputs changed (h1 → h2) but no figure did: not flagged as changed for recipients
    entries["15-lao-cai/province_report"] = entry(before)
    rows = {r.status: r for r in report_rows([(Q3, entries)], "en", in_folder=True)}
    assert not rows["draft"].changed and not rows["issued"].changed
    assert "the key figures are the same" in rows["draft"].notes[0]
    # a draft rendered by an older reportkit (no figures): the input hash decides, as before
    entries["15-lao-cai/province_report"] = entry(None)
    rows = {r.status: r for r in report_rows([(Q3, entries)], "vi", in_folder=True)}
    assert rows["draft"].changed and "12-BC/VPTU" in rows["draft"].notes[0]


def test_diff_without_figures_names_the_file(tmp_path: Path) -> None:
    period = tmp_path / Q3
    (period / "15-lao-cai").mkdir(parents=True)
    manifest = {"manifest_version": 1, "period": Q3, "reports": {
        "15-lao-cai/province_report": entry(None)}}
    (period / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    draft = period / "15-lao-cai" / "province_report.pdf"
    draft.write_bytes(b"%PDF")
    stray = tmp_path / "other.pdf"
    stray.write_bytes(b"%PDF")
    out = CliRunner().invoke(main, ["diff", str(draft), str(draft), "--lang", "en"])
    assert out.exit_code == 3, out.output
    assert str(draft) in out.output and "no key figures are recorded" in out.output
    out = CliRunner().invoke(main, ["diff", str(stray), str(draft)])
    assert out.exit_code == 3 and "không phải báo cáo" in out.output, out.output
    out = CliRunner().invoke(main, ["diff", str(draft)])
    assert out.exit_code == 3 and "chưa có bản đã ban hành" in out.output, out.output


def test_every_report_notebook_can_be_issued() -> None:
    from reportkit.batch.issue import ISSUE_PARAMS

    for name in ("province_report", "national_summary", "petitions", "data_quality"):
        specs = runner.notebook_parameters(NOTEBOOKS / f"{name}.ipynb")
        assert set(ISSUE_PARAMS) <= set(specs), name
        source = (NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8")
        assert "show_closing(signer_name, signer_title)" in source, name
        assert "issued_on=issued_on" in source, name


# --- the whole path, with real parts ----------------------------------------------------------


@pytest.fixture()
def own_warehouse(sample_dirs: dict[str, Path], tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the session's sample warehouse that this test may correct: data files are
    content-addressed and never rewritten, so they are hard links; the catalogue and the
    ledger, which ingest replaces or appends to, are copies."""
    def link_or_copy(src: str, dst: str) -> None:
        if src.endswith((".parquet", ".arrow")):
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)

    wh = tmp_path / "warehouse"
    shutil.copytree(sample_dirs["warehouse"], wh, copy_function=link_or_copy)
    monkeypatch.setenv("REPORTKIT_WAREHOUSE", str(wh))
    monkeypatch.setenv("REPORTKIT_HOME", str(sample_dirs["base"]))
    monkeypatch.delenv(signing.TRUST_ENV, raising=False)
    return wh


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    ca, p12 = make_pki(tmp_path_factory.mktemp("pki") / "office", "Test Root CA")
    return {"ca": ca, "p12": p12}


def corrected_submission(sample: Path, folder: Path, extra_docs: int) -> Path:
    """Lào Cai's 2025-H2 activity submission sent again, with August's documents sent (and
    sent over the network) raised by ``extra_docs``: a province correcting its figures."""
    src = sample / "activity" / "2025" / "15-lao-cai_2025-H2.csv"
    rows = list(csv.DictReader(io.StringIO(src.read_text(encoding="utf-8"))))
    for row in rows:
        if row["month"] == "2025-08":
            for col in ("docs_sent", "docs_sent_network"):
                row[col] = str(int(row[col]) + extra_docs)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / src.name
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out


def look(html: Path, pdf: Path, name: str) -> None:
    """Screenshots for a human: the changes section at 1280 px, and the PDF's first page."""
    if not Path(CHROMIUM).exists():
        return
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox",
                                                                     "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(html.as_uri(), wait_until="load")
            section = page.locator(".rk-changes")
            section.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"{name}-1280.png"))
        finally:
            browser.close()
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                    str(ARTIFACTS / f"{name}-pdf")], check=True)


@pytest.mark.slow
def test_render_issue_correct_rerender_diff_bundle_verify(
        sample_dirs: dict[str, Path], own_warehouse: Path, pki: dict[str, Path],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reportkit.intake import ingest
    from reportkit.store.warehouse import Warehouse

    nb, out = NOTEBOOKS / "province_report.ipynb", tmp_path / "outputs"
    cli = CliRunner()

    # 1. render the draft (HTML: what the office reviews) — its figures are recorded
    first = run_report(nb, unit="Lào Cai", period=Q3, formats=("html",), output_root=out)
    assert first.status == "ok", first.error
    period_dir = out / Q3
    draft_entry = catalog.load_manifest(period_dir)["reports"]["15-lao-cai/province_report"]
    shown = {f["id"]: f for f in draft_entry["figures"]}
    assert {"docs_sent", "network_share", "petitions_received", "processing_rate",
            "meetings_served", "citizens_received", "programme_completion"} <= set(shown)
    assert MIMETYPE not in first.html.read_text(encoding="utf-8")
    assert "Thay đổi so với bản đã ban hành" not in first.html.read_text(encoding="utf-8")
    for f in shown.values():  # a figure the report hides is stored hidden, with no value
        assert (f["value"] is None) == (f["text"] in ("*", "–") or f["text"].startswith("<"))

    # 2. issue it: numbered, dated, signed with the office's certificate
    res = issue_report(first.html, number="12-BC/VPTU", issued_on=dt.date(2025, 10, 5),
                       signer_name=SIGNER, signer_title=TITLE, p12=pki["p12"],
                       password=PASSWORD, notebook_dirs=(NOTEBOOKS,))
    issued_entry = catalog.load_manifest(period_dir)["reports"][res.rel]
    assert issued_entry["figures"] == draft_entry["figures"]  # the same inputs, the same figures
    assert "Thay đổi" not in pdf_text(res.files["pdf"])
    kept = {p: sha256_file(p) for p in res.folder.iterdir()}

    # 3. the province corrects its data: a resubmission replaces its earlier rows
    fix = corrected_submission(sample_dirs["sample"], tmp_path / "resubmitted", 10)
    loaded = ingest([fix], warehouse=Warehouse(own_warehouse),
                    quarantine=tmp_path / "quarantine", archive=tmp_path / "archive")
    assert loaded.ok, [str(p) for f in loaded.files for p in f.problems[:3]]

    # 4. render again: the draft shows what changed, old → new, with the number and date
    second = run_report(nb, unit="Lào Cai", period=Q3, formats=("html", "pdf"),
                        output_root=out)
    assert second.status == "ok", second.error
    new_entry = catalog.load_manifest(period_dir)["reports"]["15-lao-cai/province_report"]
    docs_old, docs_new = shown["docs_sent"]["text"], {
        f["id"]: f for f in new_entry["figures"]}["docs_sent"]["text"]
    assert int(docs_new.replace(".", "")) == int(docs_old.replace(".", "")) + 10
    assert new_entry["changes_since_issued"]["number"] == "12-BC/VPTU"
    assert "docs_sent" in new_entry["changes_since_issued"]["changed"]
    page = second.html.read_text(encoding="utf-8")
    assert "Thay đổi so với bản đã ban hành" in page
    assert "Báo cáo số 12-BC/VPTU ngày 5/10/2025" in page
    printed = " ".join(pdf_text(second.pdf).split())
    assert "Thay đổi so với bản đã ban hành" in printed
    assert f"Văn bản, báo cáo gửi lên Trung ương {docs_old} {docs_new}" in printed
    # ... before the key figures, after the heading
    assert printed.index("BÁO CÁO") < printed.index("Thay đổi so với") \
        < printed.index("Số liệu chính")
    look(second.html, second.pdf, "changes")
    # the issued copy is untouched, byte for byte, and still verifies
    assert {p: sha256_file(p) for p in res.folder.iterdir()} == kept
    assert catalog.load_manifest(period_dir)["reports"][res.rel] == issued_entry
    index = (period_dir / "index.html").read_text(encoding="utf-8")
    assert f"Khác bản số 12-BC/VPTU: Văn bản, báo cáo gửi lên Trung ương {docs_old} → " \
           f"{docs_new}" in index

    # 5. reportkit diff: the change, old → new; exit 1 (as diff(1) when files differ)
    got = cli.invoke(main, ["diff", str(res.files["pdf"]), str(second.pdf), "--lang", "en"])
    assert got.exit_code == 1, got.output
    assert "No. 12-BC/VPTU of 5 October 2025" in got.output
    assert any(line.strip().startswith("Documents and reports sent to the Centre")
               and f"{docs_old} → {docs_new}" in line for line in got.output.splitlines())
    same = cli.invoke(main, ["diff", str(res.files["pdf"]), str(res.files["html"])])
    assert same.exit_code == 0 and "Không có thay đổi" in same.output, same.output
    one = cli.invoke(main, ["diff", str(second.html)])  # a draft against its issued copy
    assert one.exit_code == 1 and f"{docs_old} → {docs_new}" in one.output, one.output
    back = cli.invoke(main, ["diff", str(res.files["pdf"])])  # the issued copy vs its draft
    assert back.exit_code == 1 and f"{docs_old} → {docs_new}" in back.output, back.output

    # 6. bundle for Lào Cai, verify the unzipped bundle, and catch a tampered byte
    dist = tmp_path / "dist"
    got = cli.invoke(main, ["bundle", "--units", "Lào Cai", "--period", Q3, "--out", str(dist),
                            "--outputs", str(out)])
    assert got.exit_code == 0, got.output
    with zipfile.ZipFile(dist / f"{Q3}_15-lao-cai.zip") as zf:
        zf.extractall(tmp_path / "unzipped")
    unzipped = tmp_path / "unzipped" / Q3
    ok = cli.invoke(main, ["verify", str(unzipped), "--trust", str(pki["ca"])])
    assert ok.exit_code == 0, ok.output
    pdf = unzipped / "15-lao-cai" / "issued" / "12-BC-VPTU" / "province_report.pdf"
    pdf.chmod(0o644)
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x01
    pdf.write_bytes(bytes(data))
    bad = cli.invoke(main, ["verify", str(unzipped), "--trust", str(pki["ca"]), "--lang", "en"])
    assert bad.exit_code == 1, bad.output
    assert "issued/12-BC-VPTU/province_report.pdf" in bad.output
    assert "Signature is Valid" not in pdfsig(pdf)


@pytest.mark.slow
def test_the_data_quality_report_is_issued_with_its_figures(
        sample_env: Path, tmp_path: Path, pki: dict[str, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A national notebook (no unit) goes through `reportkit issue` too: number, date and
    signer printed, signed, its figures recorded with the issued copy."""
    monkeypatch.delenv(signing.TRUST_ENV, raising=False)
    draft = run_report(NOTEBOOKS / "data_quality.ipynb", unit=None, period=Q3,
                       formats=("html",), output_root=tmp_path / "outputs")
    assert draft.status == "ok", draft.error
    monkeypatch.setenv(signing.PASSWORD_ENV, PASSWORD)
    got = CliRunner().invoke(main, [
        "issue", str(draft.html), "--number", "7-BC/VPTW", "--date", "2025-10-06",
        "--signer-name", SIGNER, "--signer-title", TITLE, "--cert", str(pki["p12"]),
        "--notebooks", str(NOTEBOOKS)])
    assert got.exit_code == 0, got.output
    pdf = next(Path(line) for line in got.output.splitlines()
               if line.endswith(".pdf") and Path(line).is_file())
    printed = pdf_text(pdf)
    assert "Số 7-BC/VPTW" in printed and "ngày 06 tháng 10 năm 2025" in printed
    assert SIGNER in printed and TITLE.upper() in printed
    assert "Signature is Valid" in pdfsig(pdf)
    manifest = catalog.load_manifest(tmp_path / "outputs" / Q3)["reports"]
    issued = next(e for e in manifest.values() if e.get("issued"))
    assert {f["id"] for f in issued["figures"]} >= {"expected", "actual", "timeliness"}
