"""HTML export: no code, nothing from the network, widgets that render without a kernel.

The browser tests open the exported file in headless system Chromium through Playwright,
abort and count every request that is not ``file:``/``data:``, and save screenshots to
``test-artifacts/`` for a human to look at.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from reportkit.errors import ExportError
from reportkit.presentation.html import stylesheet
from reportkit.rendering import export

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("REPORTKIT_CHROMIUM", "/usr/bin/chromium")
TITLE = "Báo cáo kết quả công tác văn phòng cấp ủy quý III/2025"
VIEWS = ("Hà Nội", "Bảng số liệu", "Đà Nẵng")
STATE = "application/vnd.jupyter.widget-state+json"

needs_browser = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                   reason=f"no Chromium at {CHROMIUM} (make system)")

PARAGRAPH = ("Văn phòng cấp ủy đã tham mưu tổ chức thành công các hội nghị, bảo đảm phục vụ "
             "chu đáo hoạt động của Ban Chấp hành, Ban Thường vụ, Thường trực cấp ủy; công tác "
             "văn thư, lưu trữ, bảo mật, cơ yếu được thực hiện nghiêm túc, đúng quy định. ")

SETUP = """\
%matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from reportkit.presentation import widgets
"""

CHART = """\
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(["Hà Nội", "Huế", "Đà Nẵng"], [40, 55, 23], color="#8b1a1a")
ax.set_title("Số văn bản đã ban hành")
plt.show()
"""

TABLE = """\
units = ["Hà Nội", "Huế", "Lào Cai", "Đắk Lắk", "Khánh Hòa", "Cà Mau", "Quảng Ninh"] * 5
pd.DataFrame({"Đơn vị": [f"{u} {i + 1}" for i, u in enumerate(units)],
              "Văn bản đến": range(100, 135), "Văn bản đi": range(40, 75)})
"""

EXPLORER = """\
def line(name, values):
    def draw():
        fig, ax = plt.subplots(figsize=(5, 2.5))
        ax.plot(values, marker="o", color="#1f4e79")
        ax.set_title(f"Tiến độ xử lý văn bản – {name}")
    return draw

table = pd.DataFrame({"Chỉ tiêu": ["Văn bản đến", "<script>alert('x')</script>"],
                      "Giá trị": ["40.976", "75,5%"]})
fig3, ax3 = plt.subplots(figsize=(5, 2.5))
ax3.barh(["Tháng 7", "Tháng 8", "Tháng 9"], [12, 9, 15], color="#2e7d32")
ax3.set_title("Đà Nẵng theo tháng")
widgets.explorer({"Hà Nội": line("Hà Nội", [3, 5, 4, 8]), "Bảng số liệu": table,
                  "Đà Nẵng": fig3}, label="Đơn vị")
"""


def report_notebook() -> nbformat.NotebookNode:
    """A small report: Vietnamese text, a figure, a long table, an explorer with 3 views."""
    return new_notebook(cells=[
        new_markdown_cell(f"# {TITLE}\n\nLào Cai, ngày 05 tháng 10 năm 2025"),
        new_code_cell(SETUP),
        new_markdown_cell("## I. Kết quả đạt được\n\n" + "\n\n".join([PARAGRAPH * 3] * 4)),
        new_code_cell(CHART),
        new_markdown_cell("### Số liệu văn bản theo đơn vị"),
        new_code_cell(TABLE),
        new_markdown_cell("## II. Hạn chế\n\n" + PARAGRAPH * 2),
        new_code_cell(EXPLORER),
        new_markdown_cell("## III. Phương hướng, nhiệm vụ quý IV/2025\n\n"
                          + "\n\n".join([PARAGRAPH * 2] * 3)),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"}})


def kernel_name() -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    return "reportkit" if "reportkit" in KernelSpecManager().find_kernel_specs() else "python3"


@functools.lru_cache(maxsize=1)
def executed_report() -> nbformat.NotebookNode:
    """The report notebook, executed once per test process with its widget state stored."""
    from nbclient import NotebookClient

    nb = report_notebook()
    NotebookClient(nb, kernel_name=kernel_name(), timeout=180, store_widget_state=True,
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


@functools.lru_cache(maxsize=1)
def exported_report() -> Path:
    """The executed report exported (inline renderer) into a temporary folder."""
    out = Path(tempfile.mkdtemp(prefix="reportkit-export-")) / "report.html"
    return export.write_html(executed_report(), out, title=TITLE, lang="vi")


@contextmanager
def browser_page() -> Iterator[tuple[Any, dict[str, list[str]]]]:
    """A Chromium page that aborts and records every non-file request, console error and
    page error."""
    from playwright.sync_api import sync_playwright

    seen: dict[str, list[str]] = {"blocked": [], "errors": [], "dialogs": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})

            def guard(route: Any) -> None:
                url = route.request.url
                if url.startswith(("file:", "data:", "blob:", "about:")):
                    route.continue_()
                else:
                    seen["blocked"].append(url)
                    route.abort()

            page.route("**/*", guard)
            page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
            page.on("pageerror", lambda e: seen["errors"].append(f"pageerror: {e}"))

            def dialog(d: Any) -> None:
                seen["dialogs"].append(d.message)
                d.dismiss()

            page.on("dialog", dialog)
            yield page, seen
        finally:
            browser.close()


def open_report(page: Any, path: Path) -> None:
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("document.documentElement.getAttribute('data-reportkit-widgets')"
                           " !== 'pending'", timeout=30_000)
    assert page.evaluate("document.documentElement.getAttribute('data-reportkit-widgets')") \
        == "ready"


def visible_views(page: Any) -> list[str]:
    """Captions of the explorer views currently displayed (hidden on screen, in the DOM)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('.widget-output'))
        .filter(el => el.offsetParent !== null)
        .map(el => { const c = el.querySelector('.reportkit-view-caption');
                     return c ? c.textContent : ''; })""")


def _split_bundle(text: str) -> tuple[str, str]:
    """The page without the inline widget renderer, and the renderer."""
    match = re.search(r"<script data-reportkit-renderer=[^>]*>(.*?)</script>", text, re.S)
    assert match, "no inline renderer"
    return text[:match.start()] + text[match.end():], match.group(1)


# --- static checks --------------------------------------------------------------------


def test_vendored_renderer_matches_manifest() -> None:
    info = export.renderer_info()
    manifest = json.loads((info.path.parent / "MANIFEST.json").read_text())
    assert manifest["ipywidgets"][version("ipywidgets")] == info.version == "1.0.15"
    assert hashlib.sha256(info.path.read_bytes()).hexdigest() == info.sha256
    assert "BSD" in info.license.read_text() or "Redistribution" in info.license.read_text()
    assert info.path.with_name(info.path.name + ".LICENSE.txt").is_file()
    assert 1_500_000 < info.path.stat().st_size < 2_500_000


@pytest.mark.slow
def test_widget_state_is_stored_with_output_contents() -> None:
    nb = executed_report()
    state = nb.metadata.widgets[STATE]["state"]
    outputs = [m["state"]["outputs"] for m in state.values() if m["model_name"] == "OutputModel"]
    assert len(outputs) == 3
    assert any("image/png" in o.get("data", {}) for o in outputs[0])
    assert {m["model_name"] for m in state.values()} >= {"DropdownModel", "StackModel",
                                                         "LinkModel", "VBoxModel"}


@pytest.mark.slow
def test_html_has_no_code_no_network_and_fits() -> None:
    path = exported_report()
    text = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 3_000_000, path.stat().st_size
    assert re.search(r"<html lang=\"vi\">", text)
    assert f"<title>{TITLE}</title>" in text
    assert not re.search(r"<script[^>]*\ssrc\s*=\s*[\"']?\s*(https?:)?//", text, re.I)
    assert not re.search(r"\s(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", text, re.I)
    page, bundle = _split_bundle(text)
    assert not re.search(r"url\(\s*[\"']?\s*https?://", page)
    assert export.external_references(page) == []
    # The vendored bundle's only URL is an @import that upstream commented out: not a reference.
    assert export.external_references(bundle) == []
    assert "/* @import url('https://fonts.googleapis.com/css?family=Roboto+Mono'); */" in bundle
    for needle in ("cdnjs", "unpkg.com", "jsdelivr", "require.min.js", "text/x-mathjax-config",
                   "MathJax.Hub", "mermaid.esm"):
        assert needle not in page, needle
    # No input code: neither the source lines nor the highlighted input areas.
    for code in ("%matplotlib inline", "import pandas as pd", "widgets.explorer(",
                 "plt.subplots"):
        assert code not in text, code
    body = text[text.index("<main>"):text.index("</main>")]
    assert "jp-InputArea-editor" not in body and "highlight" not in body
    assert "jp-InputPrompt" not in body and "jp-OutputPrompt" not in body
    assert "In&nbsp;[" not in body and "Out[" not in body
    assert "Hạn chế" in text and "Báo cáo kết quả công tác" in text
    # The one stylesheet (the page blocks' own) is in the page's head, print rules included.
    head = text[:text.index("</head>")]
    assert stylesheet() in head and "@media print" in stylesheet() and ".rk h2" in stylesheet()
    # The renderer is inline and complete.
    assert text.count("data-reportkit-renderer=") == 1
    assert bundle == "\n" + export._bundle_text()  # nbconvert's page pass leaves it as it is
    assert "Automatic publicPath" in text  # the bundle itself; the shim makes it not throw


@pytest.mark.slow
def test_title_and_language_are_escaped_and_set(tmp_path: Path) -> None:
    nb = new_notebook(cells=[new_markdown_cell("Xin chào")])
    path = export.write_html(nb, tmp_path / "a.html", title="A </title><script>x()</script>",
                             lang="en")
    text = path.read_text()
    assert '<html lang="en">' in text
    assert "<script>x()</script>" not in text
    assert "&lt;/title&gt;" in text
    # Without widgets, nothing heavy is shipped.
    assert "data-reportkit-renderer" not in text
    assert path.stat().st_size < 600_000


def test_the_marking_is_on_top_of_the_page_escaped_and_absent_without_one() -> None:
    nb = new_notebook(cells=[new_markdown_cell("Nội dung báo cáo")])
    page = export.render_html(nb, title="x", marking="Lưu hành nội bộ")
    banner = '<p class="reportkit-marking"><span>Lưu hành nội bộ</span></p>'
    assert banner in page
    assert page.index(banner) < page.index("Nội dung báo cáo")  # before the content
    assert '<p class="reportkit-marking">' not in export.render_html(nb, title="x")
    hostile = export.render_html(nb, title="x", marking="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in hostile
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile


def test_one_exporter_per_thread_and_language_carries_nothing_between_reports() -> None:
    """The exporter is made once (compiling nbconvert's templates costs more than an export)
    and reused; each page still has only its own notebook, title and language."""
    import threading

    pages = [export.render_html(new_notebook(cells=[new_markdown_cell(f"Báo cáo số {i}")]),
                                title=f"Tiêu đề {i}", lang=lang)
             for i, lang in ((1, "vi"), (2, "en"), (3, "vi"))]
    for i, (page, lang) in enumerate(zip(pages, ("vi", "en", "vi"), strict=True), 1):
        assert f"Báo cáo số {i}" in page and f"<title>Tiêu đề {i}</title>" in page
        assert f'<html lang="{lang}">' in page
        assert not any(f"Báo cáo số {j}" in page for j in (1, 2, 3) if j != i)
    assert export._html_exporter("vi") is export._html_exporter("vi")
    assert export._html_exporter("vi") is not export._html_exporter("en")
    other: list[Any] = []
    thread = threading.Thread(target=lambda: other.append(export._html_exporter("vi")))
    thread.start()
    thread.join()
    assert other[0] is not export._html_exporter("vi")


@pytest.mark.parametrize("lang", ['vi" onload="alert(1)', "VI", "", "vi_VN"])
def test_language_must_be_a_tag(tmp_path: Path, lang: str) -> None:
    with pytest.raises(ValueError, match="lang"):
        export.write_html(new_notebook(), tmp_path / "a.html", title="x", lang=lang)


def test_network_resources_are_refused(tmp_path: Path) -> None:
    nb = new_notebook(cells=[new_markdown_cell(
        'Nguồn: <a href="https://vanban.chinhphu.vn/">Cổng văn bản</a>\n\n'
        '<img src="https://example.org/logo.png">')])
    with pytest.raises(ExportError) as err:
        export.write_html(nb, tmp_path / "a.html", title="x")
    assert "https://example.org/logo.png" in str(err.value)
    assert "vanban.chinhphu.vn" not in str(err.value)  # a plain link loads nothing
    assert not (tmp_path / "a.html").exists()


def test_external_references_finds_loads_not_links() -> None:
    html = ('<a href="https://a.example/">a</a><img src="//b.example/x.png">'
            '<link rel="stylesheet" href="http://c.example/s.css">'
            '<style>@import "https://d.example/i.css"; p{background:url(https://e.example/e)}'
            "/* @import url('https://g.example/commented-out.css'); */"
            '</style><script src="https://f.example/f.js"></script>')
    found = export.external_references(html)
    assert found == ["//b.example/x.png", "http://c.example/s.css", "https://f.example/f.js",
                     "https://d.example/i.css", "https://e.example/e"]


def test_the_exporter_is_nbconverts_own() -> None:
    """No subclass and no copied method: nbconvert's HTMLExporter, configured through its
    traits, the reportkit template and one registered preprocessor."""
    from nbconvert import HTMLExporter

    exporter = export._html_exporter("vi")
    assert type(exporter) is HTMLExporter
    assert exporter.template_name == "reportkit" and exporter.exclude_input


def test_outputs_are_focusable_images_have_alt_text_and_letters_are_letters(
        tmp_path: Path) -> None:
    """What nbconvert's HTMLExporter does after rendering still happens to reportkit pages."""
    png = base64_png()
    nb = new_notebook(cells=[
        new_markdown_cell("## II. Hạn chế"),
        new_code_cell("x", execution_count=1, outputs=[
            new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
            new_output("display_data", data={"text/html": f'<img src="data:image/png;base64,'
                                                          f'{png}" alt="Biểu đồ số văn bản">'}),
            new_output("stream", name="stdout", text="đã in\n"),
        ])])
    before = nbformat.writes(nb)
    text = export.write_html(nb, tmp_path / "a.html", title="x").read_text(encoding="utf-8")
    assert nbformat.writes(nb) == before  # the caller's notebook is not touched
    images = re.findall(r"<img\b[^>]*>", text)
    assert len(images) == 2 and all(re.search(r'\salt="[^"]+"', img) for img in images)
    assert 'alt="Biểu đồ số văn bản"' in text
    assert len(re.findall(r'<div[^>]*\sclass="[^"]*jp-OutputArea-output[^>]*>', text)) == 3
    assert len(re.findall(r'<div[^>]*\sclass="[^"]*jp-OutputArea-output[^"]*"[^>]*'
                          r'\stabindex="0"', text)) == 3
    assert re.search(r"<h2[^>]*>II\. Hạn chế<", text) and "&#7841;" not in text


def test_an_image_without_alt_text_is_named_with_the_way_to_add_one(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A notebook author who shows a bare figure learns how to give it alternative text."""
    png = base64_png()
    nb = new_notebook(cells=[new_code_cell("fig", execution_count=1, outputs=[
        new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        new_output("display_data", data={"text/html": '<img alt="Biểu đồ" src="x.png">'}),
        # A chart with the PNG a Word draft needs beside its SVG is not bare.
        new_output("display_data", data={"text/html": '<svg class="rk-chart" role="img" '
                                         'aria-label="Biểu đồ"></svg>', "image/png": png}),
    ])])
    with caplog.at_level(logging.WARNING, logger="reportkit.rendering.export"):
        export.write_html(nb, tmp_path / "a.html", title="Báo cáo")
    assert "Báo cáo: 1 image(s) have no alternative text" in caplog.text
    assert 'reportkit.show(fig, alt="...")' in caplog.text


@pytest.mark.parametrize("output", [
    new_output("stream", name="stdout", text="<script>alert('x')</script>\n"),
    new_output("display_data", data={"text/plain": "<img src=x onerror=alert(1)>"}),
    new_output("error", ename="ValueError", evalue="<script>alert(1)</script>",
               traceback=["<script>alert('x')</script>"]),
], ids=["stream", "text", "error"])
def test_text_outputs_are_escaped(tmp_path: Path, output: Any) -> None:
    nb = new_notebook(cells=[new_code_cell("x", execution_count=1, outputs=[output])])
    text = export.write_html(nb, tmp_path / "a.html", title="x").read_text(encoding="utf-8")
    body = text[text.index("<main>"):text.index("</main>")]
    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;" in body or "&lt;img" in body


def base64_png() -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def test_write_is_atomic_and_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    path.write_text("old report")
    bad = new_notebook(cells=[new_markdown_cell('<img src="http://x.example/a.png">')])
    with pytest.raises(ExportError):
        export.write_html(bad, path, title="x")
    assert path.read_text() == "old report"
    export.write_html(new_notebook(cells=[new_markdown_cell("mới")]), path, title="x")
    assert "mới" in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]  # no temporary files


def _widget_notebook(models: dict[str, dict[str, Any]], shown: list[str]) -> Any:
    outputs = [new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": m, "version_major": 2,
                                                     "version_minor": 0},
        "text/plain": "w"}) for m in shown]
    nb = new_notebook(cells=[new_code_cell("w", outputs=outputs, execution_count=1)])
    nb.metadata["widgets"] = {STATE: {"version_major": 2, "version_minor": 0, "state": models}}
    return nb


def _model(name: str, module: str = "@jupyter-widgets/controls", ver: str = "2.0.0",
           **state: Any) -> dict[str, Any]:
    return {"model_name": name, "model_module": module, "model_module_version": ver,
            "state": {"_model_name": name, **state}}


def test_widget_state_keeps_only_what_is_shown(tmp_path: Path) -> None:
    models = {
        "box": _model("VBoxModel", children=["IPY_MODEL_dd", "IPY_MODEL_st"],
                      layout="IPY_MODEL_lay"),
        "lay": _model("LayoutModel", "@jupyter-widgets/base", "2.0.0"),
        "dd": _model("DropdownModel"),
        "st": _model("StackModel", children=["IPY_MODEL_out"]),
        "out": _model("OutputModel", "@jupyter-widgets/output", "1.0.0", outputs=[
            {"output_type": "display_data", "metadata": {},
             "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "inner"}}}]),
        "inner": _model("ButtonModel"),
        "link": _model("LinkModel", source=["IPY_MODEL_dd", "index"],
                       target=["IPY_MODEL_st", "selected_index"]),
        "secret": _model("HTMLModel", value="dữ liệu không hiển thị"),
        "other_link": _model("LinkModel", source=["IPY_MODEL_secret", "value"],
                             target=["IPY_MODEL_dd", "value"]),
    }
    text = export.write_html(_widget_notebook(models, ["box"]), tmp_path / "a.html",
                             title="x").read_text()
    state = json.loads(re.search(
        r'<script type="application/vnd.jupyter.widget-state\+json">\s*(.*?)\s*</script>',
        text, re.S).group(1))["state"]
    assert set(state) == {"box", "lay", "dd", "st", "out", "inner", "link"}
    assert "dữ liệu không hiển thị" not in text


def test_widgets_that_need_a_download_are_refused(tmp_path: Path) -> None:
    models = {"m": _model("MapModel", "jupyter-leaflet", "^0.19")}
    with pytest.raises(ExportError, match="jupyter-leaflet"):
        export.write_html(_widget_notebook(models, ["m"]), tmp_path / "a.html", title="x")


def test_widget_state_script_cannot_be_closed_early(tmp_path: Path) -> None:
    models = {"h": _model("HTMLModel", value="</script><script>alert(1)</script>")}
    text = export.write_html(_widget_notebook(models, ["h"]), tmp_path / "a.html",
                             title="x").read_text()
    assert "</script><script>alert(1)" not in text


# --- in the browser -------------------------------------------------------------------


@pytest.mark.slow
@needs_browser
def test_widgets_render_offline_in_chromium() -> None:
    path = exported_report()
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as (page, seen):
        open_report(page, path)
        # The public-path shim is gone once the bundle has started.
        assert page.evaluate("Object.getOwnPropertyDescriptor(document, 'currentScript')"
                             " === undefined && document.currentScript === null")
        select = page.locator("select")
        assert select.count() == 1
        # ipywidgets writes the option texts with no-break spaces.
        options = select.locator("option").all_inner_texts()
        assert [o.replace("\xa0", " ").strip() for o in options] == list(VIEWS)
        assert visible_views(page) == [f"Đơn vị: {VIEWS[0]}"]
        first = page.locator(".widget-output:visible img")
        assert first.count() == 1 and first.first.evaluate("img => img.naturalWidth") > 100
        page.screenshot(path=str(ARTIFACTS / "export-view1.png"), full_page=True)

        select.select_option(index=1)
        page.wait_for_function("() => Array.from(document.querySelectorAll('.widget-output'))"
                               ".some(el => el.offsetParent && el.querySelector('table'))")
        assert visible_views(page) == [f"Đơn vị: {VIEWS[1]}"]
        table = page.locator(".widget-output:visible table")
        assert "<script>alert('x')</script>" in table.inner_text()  # shown as text
        assert page.locator(".widget-output:visible img").count() == 0
        page.screenshot(path=str(ARTIFACTS / "export-view2.png"), full_page=True)

        select.select_option(index=2)
        page.wait_for_timeout(100)
        assert visible_views(page) == [f"Đơn vị: {VIEWS[2]}"]
        assert seen == {"blocked": [], "errors": [], "dialogs": []}


@pytest.mark.slow
@needs_browser
def test_inline_renderer_needs_the_public_path_shim(tmp_path: Path) -> None:
    """Without the shim the inlined bundle throws at once (webpack's automatic publicPath)."""
    text = exported_report().read_text(encoding="utf-8")
    assert text.count(export._PUBLIC_PATH_SHIM) == 1
    bare = tmp_path / "bare.html"
    bare.write_text(text.replace(export._PUBLIC_PATH_SHIM, ""), encoding="utf-8")
    with browser_page() as (page, seen):
        page.goto(bare.as_uri(), wait_until="load")
        page.wait_for_timeout(500)
        assert any("Automatic publicPath is not supported" in e for e in seen["errors"])
        assert page.locator("select").count() == 0


@pytest.mark.slow
@needs_browser
def test_folder_layout_shares_one_renderer(tmp_path: Path) -> None:
    root = tmp_path / "outputs"
    staging = root / ".staging" / "run-1" / "report.html"
    final = root / "2025-Q3" / "10" / "report.html"
    export.write_html(executed_report(), staging, title=TITLE, renderer="folder",
                      static_root=root, final_path=final)
    final.parent.mkdir(parents=True)
    os.replace(staging, final)
    text = final.read_text()
    assert 'src="../../_static/embed-1.0.15.js"' in text
    assert final.stat().st_size < 800_000
    static = root / "_static"
    assert (static / "embed-1.0.15.js").read_bytes() == export.renderer_info().path.read_bytes()
    assert (static / "html-manager-LICENSE.txt").is_file()
    assert len(list(static.glob("*.woff2"))) == 3
    # A second report reuses the installed file.
    before = (static / "embed-1.0.15.js").stat().st_mtime_ns
    export.write_html(executed_report(), root / "2025-Q3" / "11" / "report.html", title=TITLE,
                      renderer="folder", static_root=root)
    assert (static / "embed-1.0.15.js").stat().st_mtime_ns == before
    with browser_page() as (page, seen):
        open_report(page, final)
        assert page.locator("select").count() == 1
        page.locator("select").select_option(index=1)
        page.wait_for_timeout(150)
        assert visible_views(page) == [f"Đơn vị: {VIEWS[1]}"]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "export-folder.png"))
        assert seen == {"blocked": [], "errors": [], "dialogs": []}


def test_folder_layout_needs_a_root(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="static_root"):
        export.write_html(new_notebook(), tmp_path / "a.html", title="x", renderer="folder")
    with pytest.raises(ValueError, match="renderer"):
        export.write_html(new_notebook(), tmp_path / "a.html", title="x",
                          renderer="cdn")  # type: ignore[arg-type]


def test_install_static_repairs_a_damaged_file(tmp_path: Path) -> None:
    script = export.install_static(tmp_path)
    script.write_text("broken")
    export.install_static(tmp_path)
    assert script.read_bytes() == export.renderer_info().path.read_bytes()
    shutil.rmtree(tmp_path / "_static")
