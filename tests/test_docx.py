"""The Word draft (``--format docx``): read back with python-docx, and converted to PDF by
LibreOffice headless (the way an office that has no Word would open it).

The real test renders the province report on the sample data with a real kernel, converts
the .docx with ``soffice --headless --convert-to pdf`` and checks the text with poppler; the
pages are written to ``test-artifacts/docx/`` as PNG for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
import nbformat
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from reportkit.rendering import docx as word
from reportkit.rendering import export

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "docx"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (soffice; Debian: "
    "libreoffice-writer-nogui, see tools/install-system-deps.sh)")

# The opening a report page shows (presentation/templates/heading.html.j2, official form).
HEADING = ('<div class="rk"><div class="rk-head"><div><b>TỈNH ỦY LÀO CAI</b><b>VĂN PHÒNG</b>'
           '<span>*</span></div><div><b>ĐẢNG CỘNG SẢN VIỆT NAM</b><span class="rk-date">'
           'Lào Cai, ngày 05 tháng 01 năm 2026</span></div></div><h1>BÁO CÁO</h1>'
           '<p class="rk-sub">Kết quả công tác văn phòng cấp ủy quý III/2025</p></div>')
SECTION_1 = "1. Công tác tham mưu, thực hiện chương trình công tác"
SECTION_2 = "2. Công tác tiếp công dân, xử lý đơn, thư"
NARRATIVE = ("Trong quý, Văn phòng Tỉnh ủy Lào Cai đã tham mưu hoàn thành 36/40 nội dung "
             "chương trình công tác (90,0%).")
ROWS = [("Hội nghị Ban Chấp hành", "1", "4"), ("Hội nghị Ban Thường vụ", "7", "23"),
        ("Tổng số", "8", "27")]
CHART_TITLE = "Tỷ lệ hoàn thành chương trình công tác — Lào Cai"

CELLS = [
    f"from reportkit.presentation.blocks import show_html\nshow_html({HEADING!r})",
    f"""\
import pandas as pd
from reportkit.presentation.blocks import block, html_table, wrap
show_html(block({SECTION_1!r}, paragraphs=[{NARRATIVE!r}]))
df = pd.DataFrame({ROWS!r}, columns=["Loại hội nghị", "Quý III/2025", "Cùng kỳ năm trước"])
show_html(wrap(html_table(df, numeric=["Quý III/2025", "Cùng kỳ năm trước"], total=True)))
""",
    f"""\
from matplotlib.figure import Figure
from reportkit.presentation import charts
fig = Figure(figsize=(6.3, 3))
ax = fig.subplots()
ax.plot(["Q1/25", "Q2/25", "Q3/25"], [0.93, 0.95, 0.90])
fig.suptitle({CHART_TITLE!r})
show_html(block({SECTION_2!r}, items=["Còn 39 đơn tồn đọng quá 90 ngày."]))
charts.show(fig)
""",
    """\
from reportkit.presentation.widgets import explorer
explorer({"Lào Cai": lambda: charts.show(fig), "Yên Bái": lambda: charts.show(fig)},
         "Đơn vị")
""",
]


def executed(monkeypatch: pytest.MonkeyPatch, png: bool = True) -> nbformat.NotebookNode:
    """The small report, executed on a real kernel (with the PNG switch the batch sets for a
    run that writes DOCX)."""
    from nbclient import NotebookClient

    from reportkit.rendering.runner import resolve_kernel

    if png:
        monkeypatch.setenv("REPORTKIT_CHART_PNG", "1")
    else:
        monkeypatch.delenv("REPORTKIT_CHART_PNG", raising=False)
    nb = new_notebook(cells=[new_code_cell(c) for c in CELLS])
    NotebookClient(nb, kernel_name=resolve_kernel("reportkit"), timeout=180,
                   store_widget_state=True,
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


def paragraphs(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def cell_texts(table: docx.table.Table) -> list[str]:
    return [cell.text for row in table.rows for cell in row.cells]


@pytest.mark.slow
def test_word_draft_of_a_small_report_reads_back(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    nb = executed(monkeypatch)
    path = word.write_docx(nb, tmp_path / "r.docx", title="Báo cáo thử", lang="vi",
                           marking="Lưu hành nội bộ")
    document = docx.Document(str(path))
    # The page: A4 portrait, Decree 30 margins, Times New Roman 14 pt.
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [round(m.mm, 1) for m in (section.top_margin, section.bottom_margin,
                                         section.left_margin, section.right_margin)]
    top, bottom, left, right = margins  # Word keeps twips: 15 mm reads back as 14.99
    assert 20 <= top <= 25 and 20 <= bottom <= 25 and 30 <= left <= 35 and 15 <= right <= 20
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:hAnsi")) == "Times New Roman"  # Vietnamese letters are hAnsi
    # Page numbers at the top, not on page 1.
    assert section.different_first_page_header_footer
    header = section.header.paragraphs[0]._p.xml
    assert "PAGE" in header and "fldChar" in header
    # The heading: a two-column borderless table, the same lines as the page's heading.
    head = document.tables[0]
    left, right = head.cell(0, 0), head.cell(0, 1)
    assert [p.text for p in left.paragraphs] == [
        "TỈNH ỦY LÀO CAI", "VĂN PHÒNG", "*", "Số       -BC/VPTU", "LƯU HÀNH NỘI BỘ"]
    assert [p.text for p in right.paragraphs if p.text] == [
        "ĐẢNG CỘNG SẢN VIỆT NAM", "Lào Cai, ngày 05 tháng 01 năm 2026"]
    assert all(r.italic for r in right.paragraphs[-1].runs)
    assert "w:pBdr" in right.paragraphs[1]._p.xml
    assert head.style is None or "Grid" not in head.style.name
    texts = paragraphs(document)
    title = next(p for p in document.paragraphs if p.text == "BÁO CÁO")
    assert all(r.bold for r in title.runs) and title.alignment == 1  # centred
    assert "Kết quả công tác văn phòng cấp ủy quý III/2025" in texts
    # Sections are Word headings; the narrative and the list follow.
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert headings == [SECTION_1, SECTION_2]
    assert NARRATIVE in texts and "- Còn 39 đơn tồn đọng quá 90 ngày." in texts
    # The table: every cell's text, the header row repeated on each page, totals bold.
    table = document.tables[1]
    assert cell_texts(table) == ["Loại hội nghị", "Quý III/2025", "Cùng kỳ năm trước",
                                 *[v for row in ROWS for v in row]]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(r.bold for r in table.rows[-1].cells[0].paragraphs[0].runs)
    # The chart is a picture with its title as alternative text; the explorer shows its
    # first view as printed (its chart) and a sentence says the rest is in the HTML.
    assert len(document.inline_shapes) == 2
    for shape in document.inline_shapes:
        assert CHART_TITLE in shape._inline.docPr.get("descr")
        assert shape.width <= Mm(165)
    assert any("HTML" in t and "tương tác" in t for t in texts)
    # Closing blocks a draft is edited into: "Nơi nhận" and the signature.
    closing = cell_texts(document.tables[-1])
    assert any(t.startswith("Nơi nhận:") for t in closing)
    assert any("CHÁNH VĂN PHÒNG" in t for t in closing)
    # The page itself still shows the SVG only: the PNG is for Word.
    page = export.render_html(nb, title="t", lang="vi")
    (png,) = [o["data"]["image/png"] for c in nb.cells for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert 'class="rk-chart"' in page and png[:200] not in page
    # Only the explorer's printed (first) view has a PNG, and the page's widget state does
    # not carry it.
    views = [m["state"]["outputs"] for m in nb.metadata["widgets"][word.WIDGET_STATE]["state"]
             .values() if m["model_name"] == "OutputModel"]
    assert [sum("image/png" in o["data"] for o in v) for v in views] == [1, 0]
    tag = re.escape(f'<script type="{export.WIDGET_STATE}"')
    (state,) = re.findall(rf"{tag}[^>]*>(.*?)</script>", page, re.S)
    assert "rk-chart" in state and "image/png" not in state


@pytest.mark.slow
def test_without_the_switch_charts_have_no_png_and_the_draft_says_where_they_are(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = executed(monkeypatch, png=False)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not any("image/png" in o.get("data", {}) for o in outputs)
    document = docx.Document(str(word.write_docx(nb, tmp_path / "r.docx", title="t")))
    assert len(document.inline_shapes) == 0
    assert any(CHART_TITLE in t and "HTML" in t for t in paragraphs(document))


def test_show_adds_a_png_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from matplotlib.figure import Figure

    from reportkit.presentation import charts

    InteractiveShell.instance()

    def figure() -> Figure:
        fig = Figure(figsize=(4, 2))
        fig.subplots().plot([1, 2, 3])
        fig.suptitle("Thử")
        return fig

    monkeypatch.delenv(charts.PNG_ENV, raising=False)
    with capture_output() as plain:
        charts.show(figure())
    monkeypatch.setenv(charts.PNG_ENV, "1")
    with capture_output() as wanted:
        markup = charts.img_html(figure())
        charts.show(markup)
        with charts.bitmaps(False):
            charts.show(markup)
    assert [("image/png" in o.data) for o in plain.outputs] == [False]
    assert [("image/png" in o.data) for o in wanted.outputs] == [True, False]
    assert all("<svg" in o.data["text/html"] for o in wanted.outputs)


def test_spanned_header_cells_are_merged_and_hidden_text_left_out() -> None:
    writer = word.DocxWriter("t", "vi")
    writer.add_output({"text/html": (
        '<div class="rk"><p class="reportkit-view-caption" style="display:none">ẩn</p>'
        '<table class="rk-t"><thead><tr><th rowspan="2">Đơn vị</th><th colspan="2">'
        'Văn bản gửi</th></tr><tr><th>Tổng số</th><th>Qua mạng</th></tr></thead><tbody>'
        '<tr><td>Lào Cai</td><td class="n">155</td><td class="n">147</td></tr></tbody>'
        '</table><p>Đoạn <b>đậm</b> và <i>nghiêng</i>,<br>dòng sau.</p>')})
    document = writer.doc
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == ["Đơn vị", "Văn bản gửi", "Văn bản gửi"]
    assert [c.text for c in table.rows[1].cells] == ["Đơn vị", "Tổng số", "Qua mạng"]
    assert [c.text for c in table.rows[2].cells] == ["Lào Cai", "155", "147"]
    assert table.rows[2].cells[1].paragraphs[0].alignment == 2  # numbers right-aligned
    for row in table.rows[:2]:  # both header rows repeat on each page
        assert row._tr.trPr.find(qn("w:tblHeader")) is not None
    texts = paragraphs(document)
    assert "ẩn" not in " ".join(texts)
    paragraph = next(p for p in document.paragraphs if p.text.startswith("Đoạn"))
    assert paragraph.text == "Đoạn đậm và nghiêng,\ndòng sau."
    assert [(r.text, bool(r.bold), bool(r.italic)) for r in paragraph.runs if r.text][:4] == [
        ("Đoạn ", False, False), ("đậm", True, False), (" và ", False, False),
        ("nghiêng", False, True)]


def test_column_widths_follow_the_content() -> None:
    narrow = word._column_widths([["Tổng"], ["1"]], 165, 12)
    assert sum(narrow) < 60  # a small table is as wide as its content
    wide = word._column_widths(
        [["Cơ quan nhận đơn rất dài " * 4], ["122"], ["22/1/2016"]], 165, 12)
    assert round(sum(wide)) == 165 and wide[0] > 3 * wide[1]
    assert wide[2] >= len("22/1/2016") * 0.5 * 12 * 25.4 / 72  # a date is never broken


def test_a_broken_fragment_still_reads() -> None:
    root = word.parse_html("<div><p>Một <b>hai</p><p>ba</div></span><svg><text>x</text>"
                           "</svg><p>bốn")
    div, svg, last = root.elements()
    assert [p.text() for p in div.elements()] == ["Một hai", "ba"]  # <b> closed with its <p>
    assert (svg.tag, svg.children, last.text()) == ("svg", [], "bốn")  # a drawing is not text


@pytest.mark.slow
@needs_soffice
def test_province_report_docx_converts_to_a4_pdf_with_every_text(
        every_report: dict[tuple[str, str], dict[str, Path]], tmp_path: Path) -> None:
    """The Lào Cai report of the session's batch (conftest.every_report: its default marking
    "Lưu hành nội bộ"), converted by LibreOffice."""
    from types import SimpleNamespace

    from reportkit.rendering import catalog

    files = every_report[("province_report", "vi")]
    res = SimpleNamespace(docx=files["docx"], ipynb=files["ipynb"])
    assert res.docx.is_file()
    manifest = catalog.load_manifest(res.docx.parent.parent)
    entry = manifest["reports"][f"{res.docx.parent.name}/province_report"]
    assert entry["files"]["docx"]["path"].endswith(".docx")
    assert catalog.files_intact(entry, res.docx.parent.parent)
    nb = nbformat.read(res.ipynb, as_version=4)
    html_tables = [t for c in nb.cells for o in c.get("outputs", [])
                   for t in _tables(o.get("data", {}).get("text/html", ""))]
    charts = sum(1 for c in nb.cells for o in c.get("outputs", [])
                 if "image/png" in o.get("data", {}))
    assert html_tables and charts >= 5
    document = docx.Document(str(res.docx))
    assert len(document.inline_shapes) == charts
    # Every cell of every table of the page is in the draft (merged cells repeat).
    words = {c.text for t in document.tables for row in t.rows for c in row.cells}
    missing = [cell for table in html_tables for cell in table if cell and cell not in words]
    assert not missing, missing[:10]
    # LibreOffice opens it: A4, the heading, the subject and the tables' texts in the PDF.
    out = tmp_path / "pdf"
    profile = tmp_path / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), str(res.docx)],
                   check=True, capture_output=True, timeout=180)
    pdf = out / (res.docx.stem + ".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    assert "(A4)" in info
    # -raw: the content stream's order, in which LibreOffice writes a table cell by cell.
    text = " ".join(subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    for needle in ("TỈNH ỦY LÀO CAI", "VĂN PHÒNG", "ĐẢNG CỘNG SẢN VIỆT NAM", "BÁO CÁO",
                   "Kết quả công tác văn phòng cấp ủy quý III/2025", "-BC/VPTU",
                   "LƯU HÀNH NỘI BỘ", "Nơi nhận:"):
        assert needle in text, needle
    flat = text.replace(" ", "")
    lost = [cell for table in html_tables for cell in table
            if cell and cell.replace(" ", "") not in flat]
    assert not lost, lost[:10]
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout
    assert "LiberationSerif" in fonts or "TimesNewRoman" in fonts
    # For a person to look at: every page as PNG.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("province-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / "province")],
                   check=True, timeout=120)
    assert len(list(ARTIFACTS.glob("province-*.png"))) >= 5


def _tables(markup: str) -> list[list[str]]:
    """The cell texts of each table in ``markup`` (read with the module's own parser)."""
    if "<table" not in markup:
        return []
    found: list[list[str]] = []

    def walk(el: word.Element) -> None:
        for child in el.elements():
            if child.tag == "table":
                found.append([" ".join(c.text().split()) for c in _cells(child)])
            else:
                walk(child)

    walk(word.parse_html(markup))
    return found


def _cells(el: word.Element) -> list[word.Element]:
    out: list[word.Element] = []
    for child in el.elements():
        out += [child] if child.tag in ("td", "th") else _cells(child)
    return out



# The page blocks as presentation/official.py draws them (classes carry bold, italic, upper
# case; the number line keeps its blank; the marking's place may be empty).
OFFICIAL = ('<div class="rk"><div class="rk-head rk-official"><div class="rk-head-l">'
            '<span class="rk-superior">THÀNH ỦY CẦN THƠ</span><span class="rk-issuer">VĂN PHÒNG'
            '</span><span class="rk-star">*</span><span class="rk-number">Số \u2003-BC/VPTU'
            '</span>\n<span class="rk-marking" data-reportkit-marking="1"></span></div>'
            '<div class="rk-head-r"><span class="rk-party">ĐẢNG CỘNG SẢN VIỆT NAM</span>'
            '<span class="rk-date">Cần Thơ, ngày 05 tháng 01 năm 2026</span></div></div>'
            '<h1>BÁO CÁO</h1><p class="rk-sub">Kết quả công tác quý III/2025</p></div>')
CLOSING = ('<div class="rk"><div class="rk-closing"><div class="rk-recipients">'
           '<p class="rk-recipients-label">Nơi nhận:</p><ul><li>Văn phòng Trung ương Đảng;</li>'
           '<li>Lưu Văn phòng.</li></ul></div><div class="rk-signature">'
           '<span class="rk-on-behalf">t/m ban thường vụ</span><span class="rk-sign-title">'
           'chánh văn phòng</span><span class="rk-sign-space" aria-label="Chữ ký"></span>'
           '<span class="rk-sign-name">Nguyễn Văn A</span></div></div></div>')
EXPLORERS = ('<div class="rk"><h2>8. Khám phá số liệu</h2><p class="rk-note rk-print-only">'
             'Phần tương tác có trong bản HTML.</p></div>')
SCREEN = '<div class="rk"><div class="rk-screen-only"><p>Chọn chỉ tiêu:</p></div></div>'


def test_official_blocks_drawn_by_classes_keep_their_form() -> None:
    from nbformat.v4 import new_output

    state = {"w1": {"model_name": "VBoxModel", "state": {"_dom_classes": ["rk-screen-only"]}}}
    view = {"model_id": "w1", "version_major": 2, "version_minor": 0}
    nb = new_notebook(cells=[new_markdown_cell("## 9. Phương hướng\n\nTiếp tục **đôn đốc**."),
                             new_code_cell("", outputs=[
        new_output("display_data", data={"text/html": html})
        for html in (OFFICIAL, EXPLORERS, SCREEN)] + [
        new_output("display_data", data={word.WIDGET_VIEW: view, "text/plain": "VBox"}),
        new_output("display_data", data={"text/html": CLOSING})])],
        metadata={"widgets": {word.WIDGET_STATE: {"state": state}}})
    writer = word.DocxWriter("t", "vi", marking="Lưu hành nội bộ")
    writer.add_notebook(nb)
    document = writer.doc
    left, right = document.tables[0].rows[0].cells
    lines = [(p.text, any(r.bold for r in p.runs)) for p in left.paragraphs]
    assert lines == [("THÀNH ỦY CẦN THƠ", False), ("VĂN PHÒNG", True), ("*", False),
                     ("Số \u2003-BC/VPTU", False), ("LƯU HÀNH NỘI BỘ", True)]
    assert "w:left" in left.paragraphs[-1]._p.xml  # the marking in a box
    assert [p.text for p in right.paragraphs if p.text] == [
        "ĐẢNG CỘNG SẢN VIỆT NAM", "Cần Thơ, ngày 05 tháng 01 năm 2026"]
    assert all(r.bold for r in right.paragraphs[0].runs if r.text)
    texts = paragraphs(document)
    # Paper's note is kept, the screen-only text and widget are not, nor a second note.
    assert "Phần tương tác có trong bản HTML." in texts
    assert not any("Chọn chỉ tiêu" in t or "tương tác: chọn" in t for t in texts)
    # The page's closing blocks, not placeholders: recipients left, signature right.
    recipients, signature = document.tables[-1].rows[0].cells
    assert [p.text for p in recipients.paragraphs] == [
        "Nơi nhận:", "- Văn phòng Trung ương Đảng;", "- Lưu Văn phòng."]
    assert [p.text for p in signature.paragraphs if p.text.strip()] == [
        "T/M BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG", "Nguyễn Văn A"]
    assert len(document.tables) == 2
    # A text cell of the notebook, as the page shows it (its heading without the "¶" link).
    assert "9. Phương hướng" in [p.text for p in document.paragraphs
                                  if p.style.name == "Heading 2"]
    assert "Tiếp tục đôn đốc." in texts
