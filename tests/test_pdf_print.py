"""The page that is printed to PDF: the report without its widget renderer.

Chromium prints a print variant of the report (``export.write_print_html``): every widget
replaced by what it shows untouched (an explorer: its first view under its caption) or by a
note pointing to the HTML. These tests check that the variant carries no renderer, that the
PDF still says what the interactive page prints, and that a batch publishes no variant file.
"""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from reportkit.core.i18n import text
from reportkit.rendering import export, pdf

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_batch as tb  # noqa: E402  (warehouse, schedule and batch helpers)
import test_export as tx  # noqa: E402  (the executed report is built once per process)

needs_poppler = pytest.mark.skipif(subprocess.run(["which", "pdftotext"], capture_output=True,
                                                  check=False).returncode != 0,
                                   reason="poppler-utils missing (make system)")
RENDERER = "data-reportkit-renderer"


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return " ".join(unicodedata.normalize("NFC", out).split())


def test_print_variant_has_no_renderer_and_shows_the_first_view(tmp_path: Path) -> None:
    nb = tx.executed_report()
    full = export.write_html(nb, tmp_path / "report.html", title=tx.TITLE)
    page = export.write_print_html(nb, tmp_path / "report.print.html", title=tx.TITLE)
    interactive, printed = full.read_text("utf-8"), page.read_text("utf-8")
    assert RENDERER in interactive and RENDERER not in printed
    for mime in (export.WIDGET_VIEW, export.WIDGET_STATE):  # no widget left to draw
        assert f'<script type="{mime}"' in interactive and f'<script type="{mime}"' not in printed
    assert len(printed) < len(interactive) // 2
    # The first view with its caption; not the other views (the table view is escaped HTML).
    assert "Đơn vị: Hà Nội" in printed
    assert "Đơn vị: Bảng số liệu" not in printed and "alert(&#39;x&#39;)" not in printed
    assert export.external_references(printed) == []
    # The caller's notebook is untouched: the interactive page can still be made from it.
    assert "widgets" in nb.metadata


def widget_notebook() -> nbformat.NotebookNode:
    """A notebook displaying a widget that has no static form (an HTML widget), by hand."""
    state = {"m1": {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls",
                    "model_module_version": "2.0.0", "state": {"value": "<b>bấm vào đây</b>"}}}
    cell = new_code_cell("w")
    cell.outputs = [nbformat.from_dict({
        "output_type": "display_data", "metadata": {},
        "data": {export.WIDGET_VIEW: {"version_major": 2, "version_minor": 0,
                                      "model_id": "m1"},
                 "text/plain": "HTML(value='...')"}})]
    nb = new_notebook(cells=[new_markdown_cell("# Báo cáo thử"), cell])
    nb.metadata["widgets"] = {export.WIDGET_STATE: {"state": state, "version_major": 2,
                                                    "version_minor": 0}}
    return nb


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_widget_without_a_static_view_becomes_the_note(tmp_path: Path, lang: str) -> None:
    page = export.write_print_html(widget_notebook(), tmp_path / "w.print.html",
                                   title="Thử", lang=lang)
    printed = page.read_text("utf-8")
    assert text("print.interactive_note", lang) in printed
    assert RENDERER not in printed and "bấm vào đây" not in printed


@pytest.mark.slow
@needs_poppler
@tx.needs_browser
def test_pdf_of_an_explorer_and_of_a_widget_says_what_the_page_shows(tmp_path: Path) -> None:
    nb = tx.executed_report()
    jobs = [pdf.PrintJob(export.write_print_html(nb, tmp_path / "r.print.html", title=tx.TITLE),
                         tmp_path / "r.pdf", title=tx.TITLE),
            pdf.PrintJob(export.write_print_html(widget_notebook(), tmp_path / "w.print.html",
                                                 title="Thử", lang="en"),
                         tmp_path / "w.pdf", title="Thử", lang="en")]
    results = pdf.print_many(jobs)
    assert all(r.ok for r in results)
    report = pdf_text(tmp_path / "r.pdf")
    assert "Đơn vị: Hà Nội" in report and "I. Kết quả đạt được" in report
    assert "Bảng số liệu" not in report and "Đà Nẵng" not in report
    assert text("print.interactive_note", "en") in pdf_text(tmp_path / "w.pdf")


EXPLORER_CELL = """\
from reportkit.presentation import widgets
widgets.explorer({f"Xem {unit}": f"Số liệu của đơn vị {unit}", "Khác": "Một góc nhìn khác"},
                 label="Góc nhìn")
"""


@pytest.mark.slow
@needs_poppler
@tb.needs_browser
@pytest.mark.parametrize("formats", [["html", "pdf"], ["pdf"]])
def test_a_batch_prints_the_first_view_and_publishes_no_print_variant(
        project: Path, formats: list[str]) -> None:
    nb = nbformat.read(tb.NB / "unit_report.ipynb", as_version=4)
    nb.cells.append(new_code_cell(EXPLORER_CELL))
    folder = project / "notebooks"
    folder.mkdir()
    nbformat.write(nb, folder / "explorer_report.ipynb")
    path = tb.schedule(project, notebooks=[{"path": str(folder / "explorer_report.ipynb")}],
                       units=["15"], formats=formats)
    result = tb.run(tb.plan(project, path, notebook_dirs=(folder,)), workers=1)
    assert [o.status for o in result.outcomes] == ["ok"], [o.error for o in result.outcomes]
    files = result.outcomes[0].files
    # pdftotext may drop a space between words of a monospaced output: compare without them.
    printed = pdf_text(Path(files["pdf"])).replace(" ", "")
    assert "Gócnhìn:Xem15" in printed and "Sốliệucủađơnvị15" in printed
    assert "Mộtgócnhìnkhác" not in printed
    assert set(files) == {*formats, "ipynb"}
    if "html" in formats:
        assert RENDERER in Path(files["html"]).read_text("utf-8")
    else:  # a PDF-only report publishes no report HTML (only the catalogue's index pages)
        from reportkit.rendering.catalog_pages import PAGES

        assert {p.name for p in project.rglob("*.html")} == set(PAGES)
    left = [p for p in project.rglob(f"*{export.PRINT_SUFFIX}")]
    assert left == []


project = tb.project  # the batch tests' project fixture (a warehouse in a temporary folder)


@needs_poppler
@tx.needs_browser
def test_print_many_shares_a_list_between_two_browsers_and_keeps_the_order(
        tmp_path: Path) -> None:
    jobs = []
    for i in range(5):
        page = tmp_path / f"p{i}.html"
        page.write_text(f'<!DOCTYPE html><html lang="vi"><body><h1>Báo cáo số {i}</h1>'
                        "</body></html>", encoding="utf-8")
        jobs.append((page, tmp_path / f"p{i}.pdf"))
    results = pdf.print_many(jobs, browsers=2)
    assert [r.pdf for r in results] == [pdf_path for _, pdf_path in jobs]
    assert all(r.ok for r in results)
    for i, (_, pdf_path) in enumerate(jobs):
        assert f"Báo cáo số {i}" in pdf_text(pdf_path)


@needs_poppler
@tx.needs_browser
def test_the_appendix_is_numbered_on_its_own(tmp_path: Path) -> None:
    """What follows the closing blocks starts a page and is numbered 1, 2, ... on its own, its
    first page showing none, like the report's (Decree 30/2020 App. I, III.1 and I.7): the
    stylesheet's named page ``rk-appendix``, printed by Chromium."""
    from nbformat.v4 import new_output

    def html_cell(markup: str) -> nbformat.NotebookNode:
        return new_code_cell("", outputs=[new_output("display_data",
                                                     data={"text/html": markup})])

    filler = "".join(f"<p>Đoạn {i}: " + "nội dung báo cáo " * 60 + "</p>" for i in range(9))
    rows = "".join(f"<tr><td>Dòng {i}</td><td class='n'>{i}</td></tr>" for i in range(140))
    nb = new_notebook(cells=[
        html_cell(f'<div class="rk">{filler}</div>'),
        html_cell('<div class="rk"><div class="rk-closing"><div class="rk-recipients">'
                  '<p class="rk-recipients-label">Nơi nhận:</p></div><div class="rk-signature">'
                  '<span class="rk-sign-title">CHÁNH VĂN PHÒNG</span></div></div></div>'),
        html_cell('<div class="rk"><h2>Phụ lục: các chỉ tiêu</h2><table class="rk-t"><thead>'
                  f'<tr><th>Chỉ tiêu</th><th class="n">Số</th></tr></thead><tbody>{rows}'
                  '</tbody></table></div>')])
    page = export.write_print_html(nb, tmp_path / "a.print.html", title="Thử")
    (result,) = pdf.print_many([(page, tmp_path / "a.pdf")])
    assert result.ok
    texts = subprocess.run(["pdftotext", "-raw", str(tmp_path / "a.pdf"), "-"], check=True,
                           capture_output=True, text=True).stdout.split("\f")[:-1]
    start = next(i for i, t in enumerate(texts) if "Phụ lục" in t)
    body, appendix = texts[:start], texts[start:]
    assert len(body) >= 2 and len(appendix) >= 3, (len(body), len(appendix))
    assert "Nơi nhận:" in body[-1]
    firsts = [t.strip().split("\n", 1)[0].strip() for t in texts]
    assert firsts[1:start] == [str(n) for n in range(2, start + 1)]
    assert not firsts[start].isdigit()  # the appendix's first page: no number
    assert firsts[start + 1:] == [str(n) for n in range(2, len(appendix) + 1)]
