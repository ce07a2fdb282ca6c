"""PDF printing through headless system Chromium: A4, page numbers, fonts, marking, no network.

Pages are rasterised to ``test-artifacts/`` (``pdftoppm -png -r 60``) for a human to look at;
the timings of the shared-browser run go to ``test-artifacts/pdf-timings.json``.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from reportkit.errors import ExportError
from reportkit.rendering import export, pdf

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_export as tx  # noqa: E402  (the executed report is built once per process)

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"),
                                   reason="poppler-utils missing (make system)")
pytestmark = [pytest.mark.slow, tx.needs_browser]

OFFICE = "Văn phòng Tỉnh ủy Lào Cai"


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def pdf_text(path: Path) -> str:
    return unicodedata.normalize("NFC", _run("pdftotext", "-layout", str(path), "-"))


def pdf_pages(path: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path))).group(1))


def rasterise(path: Path, stem: str) -> list[Path]:
    tx.ARTIFACTS.mkdir(exist_ok=True)
    for old in tx.ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    _run("pdftoppm", "-png", "-r", "60", str(path), str(tx.ARTIFACTS / stem))
    return sorted(tx.ARTIFACTS.glob(f"{stem}-*.png"))


@needs_poppler
def test_report_prints_to_a4_with_page_numbers_marking_and_fonts(tmp_path: Path) -> None:
    html = tx.exported_report()
    jobs = [pdf.PrintJob(html, tmp_path / "vi.pdf", title=tx.TITLE, lang="vi", office=OFFICE,
                         marking="Mật"),
            pdf.PrintJob(html, tmp_path / "en.pdf", title="Office report Q3/2025", lang="en",
                         office="Lao Cai Provincial Party Office", marking=None),
            pdf.PrintJob(html, tmp_path / "noibo.pdf", title=tx.TITLE, lang="vi",
                         office=OFFICE, marking="Lưu hành nội bộ")]
    started = time.monotonic()
    with pdf.PdfPrinter() as printer:
        launched = time.monotonic()
        results = [printer.print_job(job) for job in jobs]
    total = time.monotonic() - started
    assert all(r.ok for r in results), [r.error for r in results]
    assert all(r.blocked == [] for r in results)
    pages = sum(r.pages or 0 for r in results)
    timings = {"browser_start_s": round(launched - started, 2), "total_s": round(total, 2),
               "files": [{"pdf": r.pdf.name, "pages": r.pages, "seconds": round(r.seconds, 2)}
                         for r in results],
               "seconds_per_page": round(sum(r.seconds for r in results) / pages, 3)}
    tx.ARTIFACTS.mkdir(exist_ok=True)
    (tx.ARTIFACTS / "pdf-timings.json").write_text(json.dumps(timings, indent=2))
    print(timings)

    vi = tmp_path / "vi.pdf"
    info = _run("pdfinfo", str(vi))
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)|Page size:.*\(A4\)", info)
    n = pdf_pages(vi)
    assert n >= 2 and results[0].pages == n
    text = pdf_text(vi)
    flat = " ".join(text.split())
    for heading in ("Báo cáo kết quả công tác văn phòng cấp", "I. Kết quả đạt được",
                    "II. Hạn chế", "III. Phương hướng, nhiệm vụ quý IV/2025",
                    "Lào Cai, ngày 05 tháng 10 năm 2025"):
        assert heading in flat, heading
    # Page numbers top centre from page 2 (the stylesheet's @page rules), none on page 1.
    pages = [page.strip().splitlines() for page in text.split("\f")[:n]]
    assert pages[0][0].strip() != "1"
    assert all(lines[0].strip() == str(i) for i, lines in enumerate(pages[1:], 2)), pages
    # A page without reportkit's heading block gets the office and the marking on page 1.
    assert "VĂN PHÒNG TỈNH ỦY LÀO CAI" in text.split("\f")[0] and "MẬT" in text.split("\f")[0]
    assert text.count("VĂN PHÒNG TỈNH ỦY LÀO CAI") == 1
    # The explorer prints its current view with a caption, and none of its controls.
    assert "Đơn vị: Hà Nội" in flat
    assert "Bảng số liệu" not in text and "Đà Nẵng" not in text
    assert "Kết quả đạt được" in text.split("\f")[0]
    fonts = _run("pdffonts", str(vi)).splitlines()[2:]
    assert fonts and all(re.search(r"\byes\s+yes\s+yes\b", line) for line in fonts), fonts
    assert any("LiberationSerif" in line for line in fonts)  # the print font
    assert "Title:" in info and "Báo cáo kết quả công tác" in unicodedata.normalize("NFC", info)

    en = pdf_text(tmp_path / "en.pdf")
    assert "LAO CAI PROVINCIAL PARTY OFFICE" in en and "MẬT" not in en
    assert "LƯU HÀNH NỘI BỘ" in pdf_text(tmp_path / "noibo.pdf")

    pngs = rasterise(vi, "pdf-vi")
    assert len(pngs) == n
    rasterise(tmp_path / "en.pdf", "pdf-en")


@needs_poppler
def test_print_many_runs_in_its_own_process(tmp_path: Path) -> None:
    html = tx.exported_report()
    other = tmp_path / "plain.html"
    export.write_html(tx.report_notebook(), other, title="Chưa chạy", lang="vi")
    results = pdf.print_many([(html, tmp_path / "a.pdf"), (other, tmp_path / "b.pdf")],
                             office=OFFICE, lang="vi")
    assert [r.ok for r in results] == [True, True]
    assert [r.pdf for r in results] == [tmp_path / "a.pdf", tmp_path / "b.pdf"]
    assert pdf_pages(tmp_path / "a.pdf") == results[0].pages
    assert "VĂN PHÒNG TỈNH ỦY LÀO CAI" in pdf_text(tmp_path / "b.pdf")


def _print_in_worker(pair: tuple[str, str]) -> tuple[bool, int | None]:
    result = pdf.print_many([pair], raise_on_error=False)[0]
    return result.ok, result.pages


def test_print_many_works_from_a_daemonic_pool_worker(tmp_path: Path) -> None:
    import multiprocessing

    page = tmp_path / "a.html"
    page.write_text("<html><body><h1>Báo cáo</h1></body></html>", encoding="utf-8")
    with multiprocessing.get_context("spawn").Pool(1) as pool:  # pool workers are daemonic
        ok, pages = pool.apply(_print_in_worker, ((str(page), str(tmp_path / "a.pdf")),))
    assert ok and pages == 1


@needs_poppler
def test_write_pdf_defaults_to_a_separate_process(tmp_path: Path) -> None:
    out = export.write_pdf(tx.exported_report(), tmp_path / "r.pdf", title=tx.TITLE,
                           office=OFFICE, marking="Lưu hành nội bộ")
    assert out == tmp_path / "r.pdf" and pdf_pages(out) >= 2


def test_network_requests_are_blocked_not_awaited(tmp_path: Path) -> None:
    page = tmp_path / "net.html"
    page.write_text('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
                    '<link rel="stylesheet" href="https://example.org/x.css"></head><body>'
                    '<h1>Kiểm tra mạng</h1><img src="http://198.51.100.7/logo.png">'
                    '<script src="https://cdn.example.org/lib.js"></script></body></html>',
                    encoding="utf-8")
    started = time.monotonic()
    with pdf.PdfPrinter(timeout=30) as printer:
        result = printer.print_job(pdf.PrintJob(page, tmp_path / "net.pdf"))
    assert result.ok, result.error
    assert time.monotonic() - started < 20
    assert sorted(result.blocked) == ["http://198.51.100.7/logo.png",
                                      "https://cdn.example.org/lib.js",
                                      "https://example.org/x.css"]


def test_a_failed_job_keeps_the_old_pdf_and_the_rest_go_on(tmp_path: Path) -> None:
    old = tmp_path / "old.pdf"
    old.write_bytes(b"%PDF-old")
    good = tmp_path / "ok.html"
    good.write_text("<html><body><p>Được</p></body></html>", encoding="utf-8")
    results = pdf.print_many([(tmp_path / "missing.html", old), (good, tmp_path / "ok.pdf")],
                             isolate=False, raise_on_error=False)
    assert [r.ok for r in results] == [False, True]
    assert "missing.html" in (results[0].error or "")
    assert old.read_bytes() == b"%PDF-old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.html", "ok.pdf", "old.pdf"]
    with pytest.raises(ExportError, match="1 of 2 PDF"):
        pdf.print_many([(tmp_path / "missing.html", old), (good, tmp_path / "ok.pdf")])


def test_refuses_to_run_inside_an_event_loop() -> None:
    async def inside() -> None:
        with pdf.PdfPrinter():
            pass

    with pytest.raises(ExportError, match="print_many"):
        asyncio.run(inside())


def test_missing_chromium_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTKIT_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(ExportError, match="REPORTKIT_CHROMIUM"):
        with pdf.PdfPrinter():
            pass


def test_markings_are_checked() -> None:
    job = pdf.PrintJob(Path("a.html"), Path("a.pdf"), marking="Mật")
    assert job.marking == "Mật"
    assert pdf.PrintJob(Path("a.html"), Path("a.pdf"), marking="  ").marking is None
    with pytest.raises(ValueError, match="Lưu hành nội bộ"):
        pdf.PrintJob(Path("a.html"), Path("a.pdf"), marking="mat")


@needs_poppler
def test_office_and_marking_are_written_as_text_into_the_page(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text('<html><body><main><p>Nội dung</p></main></body></html>', encoding="utf-8")
    slot = tmp_path / "slot.html"
    slot.write_text('<html><body><div class="rk-head"><span data-reportkit-marking="1">'
                    '</span></div><p>Có chỗ cho dấu</p></body></html>', encoding="utf-8")
    filled = tmp_path / "filled.html"
    filled.write_text('<html><body><div class="rk-head"><span data-reportkit-marking="1">'
                      'Mật</span></div></body></html>', encoding="utf-8")
    with pdf.PdfPrinter() as printer:
        for html_path in (page, slot, filled):
            printer.print(pdf.PrintJob(html_path, html_path.with_suffix(".pdf"),
                                       office="<b>Văn phòng</b>", marking="Lưu hành nội bộ"))
    assert "<B>VĂN PHÒNG</B>" in pdf_text(tmp_path / "p.pdf")  # text (upper case), not markup
    assert "Lưu hành nội bộ" in pdf_text(tmp_path / "p.pdf")
    # The page's own place for the marking is used, and the office not added again.
    assert "Lưu hành nội bộ" in pdf_text(tmp_path / "slot.pdf")
    assert "Văn phòng" not in pdf_text(tmp_path / "slot.pdf").replace("VĂN", "")
    # A marking the page shows already is left as it is.
    assert "Lưu hành" not in pdf_text(tmp_path / "filled.pdf")
