"""The official document on paper: the province report and the national summary, executed for
real on the sample data, exported and printed by headless Chromium (rendering/pdf.py), then
read back with poppler (pdftotext, pdffonts, pdfinfo).

What an office relies on: A4 with the official margins; a Times-metric serif with every
Vietnamese letter, embedded; the heading block of Hướng dẫn 36-HD/VPTW on page 1 (issuing body,
"*", number line, the Party's name, place and date, "BÁO CÁO"); page numbers from page 2 only;
the marking under the number line; the closing blocks from ``params/units.yaml``; every table
cell's text on paper (nothing clipped); no page ending with a section heading. Pages are
rasterised to ``test-artifacts/`` (``pdftoppm -png -r 60``) for a human to look at.
"""

from __future__ import annotations

import html as htmllib
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import SIGNER

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                       reason="poppler-utils missing (make system)"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium (make system)"),
]

def _run(*cmd: str) -> str:
    return unicodedata.normalize(
        "NFC", subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture(scope="module")
def printed(every_report: dict[tuple[str, str], dict[str, Path]],
            ) -> dict[str, tuple[Path, Path]]:
    """The province (Lào Cai, number 12) and national reports for Q3/2025 (the national one
    with its movers tables, whose "Thay đổi" column was once cut at the page edge) as HTML and
    PDF, from the session's batch of every report (conftest.every_report, whose
    ``params/units.yaml`` names the Lào Cai signer); pages rasterised for a person to see."""
    done = {key: (every_report[(name, "vi")]["html"], every_report[(name, "vi")]["pdf"])
            for key, name in (("province", "province_report"),
                              ("national", "national_summary"))}
    ARTIFACTS.mkdir(exist_ok=True)
    for key, (_, pdf) in done.items():
        for old in ARTIFACTS.glob(f"official-{key}-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf),
                        str(ARTIFACTS / f"official-{key}")], check=True)
    return done


def pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext in content order: a wrapped cell's lines stay
    together)."""
    return _run("pdftotext", "-raw", str(pdf), "-").split("\f")[:-1]


def table_cells(html: str) -> list[str]:
    """The text of every cell of the report's tables (``table.rk-t``), as a reader sees it."""
    cells = []
    for table in re.findall(r'<table class="rk-t">(.*?)</table>', html, re.S):
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, re.S):
            text = flat(htmllib.unescape(re.sub(r"<[^>]+>", "", cell)))
            if text:
                cells.append(text)
    return cells


@pytest.mark.parametrize("key", ["province", "national"])
def test_every_table_cell_is_on_paper(printed: dict[str, tuple[Path, Path]], key: str) -> None:
    html_path, pdf = printed[key]
    cells = table_cells(html_path.read_text(encoding="utf-8"))
    assert len(cells) > 50, len(cells)
    text = flat(" ".join(pages(pdf)))
    missing = [c for c in cells if c not in text]
    assert not missing, missing[:10]


@pytest.mark.parametrize("key", ["province", "national"])
def test_a4_serif_embedded_and_page_numbers_from_page_two(
        printed: dict[str, tuple[Path, Path]], key: str) -> None:
    _, pdf = printed[key]
    info = _run("pdfinfo", "-f", "1", "-l", "999", str(pdf))
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert sizes and all(abs(float(w) - 595) < 1.5 and abs(float(h) - 842) < 1.5
                         for w, h in sizes), sizes
    fonts = _run("pdffonts", str(pdf)).splitlines()[2:]
    serif = [line for line in fonts if "LiberationSerif" in line or "TimesNewRoman" in line]
    assert serif and all(re.search(r"\byes\s+yes\s+yes\b", line) for line in serif), fonts
    assert all(re.search(r"\byes\s+yes\s+yes\b", line) for line in fonts), fonts
    texts = pages(pdf)
    assert len(texts) >= 3
    # Decree 30 App. I, I.7: numbered from 1, the first page shows none. The appendix (from
    # the page after the closing blocks) is numbered on its own (App. I, III.1), the same way.
    appendix = 1 + next(i for i, page in enumerate(texts) if "Nơi nhận:" in page)
    assert appendix < len(texts) and "Phụ lục" in texts[appendix]
    for part in (texts[:appendix], texts[appendix:]):
        assert not re.match(r"\s*1\s*\n", part[0]), part[0][:80]
        for number, page in enumerate(part[1:], 2):
            assert re.match(rf"\s*{number}\s*\n", page), (number, page[:80])


def test_province_heading_block_marking_and_closing(
        printed: dict[str, tuple[Path, Path]]) -> None:
    _, pdf = printed["province"]
    texts = pages(pdf)
    first = flat(texts[0])
    for line in ("TỈNH ỦY LÀO CAI", "VĂN PHÒNG", "*", "Số 12-BC/VPTU", "ĐẢNG CỘNG SẢN VIỆT NAM",
                 "LƯU HÀNH NỘI BỘ", "BÁO CÁO",
                 "Kết quả công tác văn phòng cấp ủy quý III/2025"):
        assert line in first, line
    assert re.search(r"Lào Cai, ngày \d\d tháng \d\d năm \d{4}", first)
    # The issuing body, the number and the marking are on the left, the Party's name and the
    # date on the right, in that order down the page.
    layout = flat(_run("pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"))
    assert layout.index("TỈNH ỦY LÀO CAI") < layout.index("ĐẢNG CỘNG SẢN VIỆT NAM")
    assert layout.index("VĂN PHÒNG") < layout.index("Số 12-BC/VPTU") < layout.index("BÁO CÁO")
    # The closing blocks come from params/units.yaml (the unit's entry over the default),
    # before the appendix.
    whole = flat(" ".join(texts))
    at = whole.index("Nơi nhận:")
    assert "T/L BAN THƯỜNG VỤ" in whole[at:] and "CHÁNH VĂN PHÒNG" in whole[at:]
    assert SIGNER in whole[at:] and "- Lưu Văn phòng." in whole[at:]
    assert at < whole.index("Phụ lục")
    # The explorers are not printed again: a note says where the interactive part is.
    assert "có trong bản HTML của báo cáo" in whole


def test_national_heading_is_the_central_offices_with_a_blank_number(
        printed: dict[str, tuple[Path, Path]]) -> None:
    _, pdf = printed["national"]
    first = flat(pages(pdf)[0])
    for line in ("BAN CHẤP HÀNH TRUNG ƯƠNG", "VĂN PHÒNG", "ĐẢNG CỘNG SẢN VIỆT NAM", "BÁO CÁO"):
        assert line in first, line
    assert re.search(r"Số -BC/VPTW", first)  # blank on a draft: the office writes it in
    assert re.search(r"Hà Nội, ngày \d\d tháng \d\d năm \d{4}", first)


@pytest.mark.parametrize("key", ["province", "national"])
def test_no_page_ends_with_a_section_heading(printed: dict[str, tuple[Path, Path]],
                                             key: str) -> None:
    html_path, pdf = printed[key]
    headings = {flat(htmllib.unescape(re.sub(r"<[^>]+>", "", h)))
                for h in re.findall(r'<div class="rk"><h2>(.*?)</h2>',
                                    html_path.read_text(encoding="utf-8"))}
    assert len(headings) >= 5, headings
    for number, page in enumerate(pages(pdf), 1):
        lines = [flat(line) for line in page.splitlines() if line.strip()]
        assert lines and lines[-1] not in headings, (number, lines[-3:])
        # nor with a heading and its one opening line (the chart went to the next page)
        if len(lines) >= 2 and lines[-2] in headings:
            assert not re.search(r"Xem:|Toàn quốc:", lines[-1]), (number, lines[-3:])
