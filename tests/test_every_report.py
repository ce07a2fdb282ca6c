"""Every report notebook in both languages, as HTML, PDF and DOCX: the checks an office relies
on, on each of the eight reports of one batch (conftest.every_report: the province and
petitions reports of Lào Cai, the national summary and the data-quality report, 2025-Q3,
Vietnamese and English).

- every table cell's text of the HTML is in the PDF's text (``pdftotext``): nothing clipped;
- the PDF's fonts are the embedded serif (``pdffonts``), its pages A4, numbered from page 2,
  an appendix (what follows the signature) numbered on its own;
- the Word draft reads back with python-docx: the heading table first, the closing blocks,
  an appendix in a section of its own numbered from 1;
- an English report is English throughout its heading and closing: the marking ("FOR
  INTERNAL CIRCULATION"), "Recipients:", the signer's title and the recipients from
  ``params/units.yaml`` (its ``en:``, or the standard English of a usual title);
- no page before the end of the body is more than half empty (a chart too tall to fit once
  left a third to a half of a page blank).
"""

from __future__ import annotations

import html as htmllib
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from conftest import REPORT_LANGS, REPORT_NOTEBOOKS, SIGNER
from test_pdf_official import _run as run
from test_pdf_official import flat, pages, table_cells

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
                       reason="poppler-utils missing (make system)"),
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no Chromium"),
]

REPORTS = [(name, lang) for name in REPORT_NOTEBOOKS for lang in REPORT_LANGS]
IDS = [f"{name}.{lang}" for name, lang in REPORTS]
RECIPIENTS = {"vi": "Nơi nhận:", "en": "Recipients:"}
MARKING = {"vi": "LƯU HÀNH NỘI BỘ", "en": "FOR INTERNAL CIRCULATION"}
APPENDIX = {"vi": ("Phụ lục", "Ghi chú về số liệu"), "en": ("Appendix", "About the figures")}


@pytest.mark.parametrize(("name", "lang"), REPORTS, ids=IDS)
def test_every_table_cell_is_in_the_pdf_in_the_serif(
        every_report: dict[tuple[str, str], dict[str, Path]], name: str, lang: str) -> None:
    files = every_report[(name, lang)]
    cells = table_cells(files["html"].read_text(encoding="utf-8"))
    assert cells, "a report page with no table"
    text = flat(" ".join(pages(files["pdf"])))
    missing = [c for c in cells if c not in text]
    assert not missing, missing[:10]
    fonts = run("pdffonts", str(files["pdf"])).splitlines()[2:]
    serif = [line for line in fonts if "LiberationSerif" in line or "TimesNewRoman" in line]
    assert serif and all(re.search(r"\byes\s+yes\s+yes\b", line) for line in serif), fonts


@pytest.mark.parametrize(("name", "lang"), REPORTS, ids=IDS)
def test_pages_are_numbered_and_the_appendix_on_its_own(
        every_report: dict[tuple[str, str], dict[str, Path]], name: str, lang: str) -> None:
    texts = pages(every_report[(name, lang)]["pdf"])
    closing = next(i for i, page in enumerate(texts) if RECIPIENTS[lang] in page)
    parts = [texts[:closing + 1]]
    if closing + 1 < len(texts):  # an appendix: from the page after the closing blocks
        assert flat(texts[closing + 1]).startswith(APPENDIX[lang]), texts[closing + 1][:80]
        parts.append(texts[closing + 1:])
    for part in parts:
        assert not re.match(r"\s*1\s*\n", part[0]), part[0][:80]
        for number, page in enumerate(part[1:], 2):
            assert re.match(rf"\s*{number}\s*\n", page), (number, page[:80])


@pytest.mark.parametrize(("name", "lang"), REPORTS, ids=IDS)
def test_heading_and_closing_in_the_reports_language(
        every_report: dict[tuple[str, str], dict[str, Path]], name: str, lang: str) -> None:
    texts = [flat(page) for page in pages(every_report[(name, lang)]["pdf"])]
    assert MARKING[lang] in texts[0]
    whole = " ".join(texts)
    closing = whole[whole.index(RECIPIENTS[lang]):]
    if lang == "vi":
        assert "CHÁNH VĂN PHÒNG" in closing and "- Lưu Văn phòng." in closing
    else:  # units.yaml's en: recipients, and the standard English of its Vietnamese title
        assert "CHIEF OF THE OFFICE" in closing and "- Office files." in closing
        assert "- Central Party Office (for reporting);" in closing
        for vietnamese in ("LƯU HÀNH", "Nơi nhận", "CHÁNH VĂN PHÒNG", "Lưu Văn phòng",
                           "THƯỜNG VỤ"):
            assert vietnamese not in whole, vietnamese
    if name in ("province_report", "petitions"):  # Lào Cai's own entry: who signs
        assert SIGNER in closing
        assert ("T/L BAN THƯỜNG VỤ" if lang == "vi"
                else "BY ORDER OF THE STANDING COMMITTEE") in closing


@pytest.mark.parametrize(("name", "lang"), REPORTS, ids=IDS)
def test_word_draft_reads_back_with_its_heading_table(
        every_report: dict[tuple[str, str], dict[str, Path]], name: str, lang: str) -> None:
    files = every_report[(name, lang)]
    document = docx.Document(str(files["docx"]))
    head = document.tables[0]
    assert len(head.columns) == 2
    left = [p.text for p in head.cell(0, 0).paragraphs if p.text.strip()]
    assert MARKING[lang] in left, left
    html = files["html"].read_text(encoding="utf-8")
    issuer = re.search(r'<span class="rk-(?:superior|issuer)">(.*?)</span>', html).group(1)
    assert left[0] == htmllib.unescape(issuer)
    closing = [t for t in document.tables
               if t.rows[0].cells[0].text.startswith(RECIPIENTS[lang])]
    assert len(closing) == 1 and len(closing[0].columns) == 2
    # Every table cell of the page is in the draft.
    words = {flat(c.text) for t in document.tables for row in t.rows for c in row.cells}
    missing = [c for c in table_cells(html) if c not in words]
    assert not missing, missing[:10]
    # The appendix (what follows the signature) is a section numbered from 1.
    body = document.element.body
    sections = document.sections
    appendix = flat(pages(files["pdf"])[-1]).startswith(APPENDIX[lang])
    assert len(sections) == (2 if appendix else 1)
    if appendix:
        numbering = body.sectPr.find(qn("w:pgNumType"))
        assert numbering is not None and numbering.get(qn("w:start")) == "1"
        assert sections[-1].different_first_page_header_footer


@pytest.mark.parametrize(("name", "lang"), REPORTS, ids=IDS)
def test_no_page_of_the_body_is_half_empty(
        every_report: dict[tuple[str, str], dict[str, Path]], name: str, lang: str,
        tmp_path: Path) -> None:
    """Each page up to the one before the closing blocks is inked down to 58% of its height
    (at most about 40% of its text area blank): a chart that does not fit in the rest of a
    page no longer leaves a third to a half of it blank (rankings of all units print in two
    columns, tables break between rows)."""
    from PIL import Image

    pdf = every_report[(name, lang)]["pdf"]
    texts = pages(pdf)
    closing = next(i for i, page in enumerate(texts) if RECIPIENTS[lang] in page)
    subprocess.run(["pdftoppm", "-gray", "-r", "20", "-png", "-l", str(max(1, closing)),
                    str(pdf), str(tmp_path / "p")], check=True)
    low = {}
    for number, png in enumerate(sorted(tmp_path.glob("p-*.png")), 1):
        if number >= closing + 1:  # the closing page ends the body where the text ends
            break
        image = Image.open(png).point(lambda v: 255 if v < 200 else 0)
        box = image.getbbox()
        low[number] = round(box[3] / image.height, 2) if box else 0.0
    half_empty = {n: v for n, v in low.items() if v < 0.58}
    assert not half_empty, (half_empty, low)
