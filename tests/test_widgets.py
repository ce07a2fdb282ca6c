"""Explorers: pre-rendered views, browser-side switching, budgets."""

from __future__ import annotations

import base64
import json

import ipywidgets
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from reportkit.errors import ExportError  # noqa: E402
from reportkit.presentation import widgets  # noqa: E402

PNG = "image/png"


def _figure(title: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 3, 2])
    ax.set_title(title)
    return fig


def _mimes(outputs: list[dict]) -> list[list[str]]:
    return [sorted(o.get("data", {})) or [o["output_type"]] for o in outputs]


def test_dropdown_explorer_links_a_stack_in_the_browser() -> None:
    def draw() -> None:
        print("Đã vẽ")
        fig, ax = plt.subplots()
        ax.bar(["a", "b"], [1, 2])

    df = pd.DataFrame({"Đơn vị": ["Hà Nội", "<b>Huế</b>"], "Giá trị": [1, 2]})
    box = widgets.explorer({"Hà Nội": draw, "Bảng": df, "Đà Nẵng": _figure("Đà Nẵng")},
                           label="Đơn vị")
    assert isinstance(box, ipywidgets.VBox)
    control, stack = box.children
    assert isinstance(control, ipywidgets.Dropdown) and isinstance(stack, ipywidgets.Stack)
    assert control.options == ("Hà Nội", "Bảng", "Đà Nẵng") and control.index == 0
    assert "reportkit-explorer-control" in control._dom_classes
    assert "reportkit-explorer" in box._dom_classes
    assert stack.selected_index == 0
    link = box._reportkit_link
    assert isinstance(link, ipywidgets.widgets.widget_link.Link)
    assert link.source == (control, "index") and link.target == (stack, "selected_index")

    hanoi, table, danang = (out.outputs for out in stack.children)
    assert all(isinstance(out, ipywidgets.Output) for out in stack.children)
    # Caption first, then what the function printed and drew.
    assert hanoi[0]["data"]["text/html"] == ('<p class="reportkit-view-caption" '
                                            'style="display:none;break-after:avoid">'
                                            'Đơn vị: Hà Nội</p>')
    assert hanoi[1] == {"output_type": "stream", "name": "stdout", "text": "Đã vẽ\n"}
    assert PNG in hanoi[2]["data"]
    assert base64.b64decode(hanoi[2]["data"][PNG])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "&lt;b&gt;Huế&lt;/b&gt;" in table[1]["data"]["text/html"]  # pandas escapes
    assert PNG in danang[1]["data"]
    assert plt.get_fignums() == []  # drawn figures are closed, not shown twice
    json.dumps([list(out.outputs) for out in stack.children])  # JSON-safe widget state


def test_tabs_explorer() -> None:
    tabs = widgets.explorer({"Quý II": "số liệu quý II", "Quý III": "số liệu quý III"},
                            label="Kỳ", kind="tabs")
    assert isinstance(tabs, ipywidgets.Tab)
    assert tabs.titles == ("Quý II", "Quý III") and tabs.selected_index == 0
    assert "reportkit-explorer" in tabs._dom_classes
    assert tabs.children[1].outputs[1]["data"] == {"text/plain": "số liệu quý III"}


def test_captions_escape_names() -> None:
    box = widgets.explorer({"<img src=x onerror=alert(1)>": "x"}, label="A & B")
    caption = box.children[1].children[0].outputs[0]["data"]["text/html"]
    assert "<img" not in caption
    assert "A &amp; B: &lt;img src=x onerror=alert(1)&gt;" in caption


def test_scripts_are_dropped_from_views() -> None:
    class Sneaky:
        def _repr_mimebundle_(self, include=None, exclude=None):  # noqa: ANN001, ANN202
            return {"application/javascript": "alert(1)", "text/plain": "sneaky"}

    outputs = widgets.render_view(Sneaky())
    assert outputs == [{"output_type": "display_data", "data": {"text/plain": "sneaky"},
                        "metadata": {}}]


def test_returned_values_are_shown() -> None:
    outputs = widgets.render_view(lambda: pd.DataFrame({"a": [1]}))
    assert _mimes(outputs) == [["text/html", "text/plain"]]
    fig = _figure("trả về")
    assert _mimes(widgets.render_view(lambda: fig)) == [[PNG, "text/plain"]]
    assert plt.get_fignums() == []


def test_nested_widgets_are_referenced() -> None:
    slider = ipywidgets.IntSlider()
    (out,) = widgets.render_view(slider)
    view = out["data"]["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == slider.model_id


def test_view_budget() -> None:
    views = {f"Đơn vị {i}": str(i) for i in range(41)}
    with pytest.raises(ExportError, match="41 views; at most 40") as err:
        widgets.explorer(views, label="Đơn vị")
    assert err.value.views == 41
    assert isinstance(widgets.explorer(dict(list(views.items())[:40]), label="Đơn vị"),
                      ipywidgets.VBox)


def test_size_budget() -> None:
    big = "x" * 300_000
    with pytest.raises(ExportError, match="size budget") as err:
        widgets.explorer({"a": big, "b": big, "c": big}, label="Kỳ", max_bytes=700_000)
    assert err.value.view == "c"
    assert err.value.bytes > 700_000


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one"):
        widgets.explorer({}, label="x")
    with pytest.raises(ValueError, match="kind"):
        widgets.explorer({"a": "a"}, label="x", kind="slider")  # type: ignore[arg-type]


def _embedded_notebook(widget: ipywidgets.Widget) -> object:
    """A notebook showing ``widget``, with the state a kernel run would have stored."""
    from ipywidgets.embed import embed_data
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    data = embed_data(views=[widget])
    view = new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": data["view_specs"][0],
        "text/plain": repr(widget)})
    nb = new_notebook(cells=[new_markdown_cell("## Theo kỳ báo cáo"),
                             new_code_cell("", outputs=[view], execution_count=1)])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json":
                              data["manager_state"]}
    return nb


@pytest.mark.slow
def test_tabs_explorer_works_offline_and_prints_one_view(tmp_path) -> None:  # noqa: ANN001
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import test_export as tx

    if not Path(tx.CHROMIUM).exists():
        pytest.skip(f"no Chromium at {tx.CHROMIUM}")
    from reportkit.rendering import export, pdf

    tabs = widgets.explorer({"Quý II/2025": _figure("Quý II"),
                             "Quý III/2025": pd.DataFrame({"Chỉ tiêu": ["Hội nghị"],
                                                           "Số lượng": [12]}),
                             "9 tháng năm 2025": "Tổng hợp 9 tháng"},
                            label="Kỳ", kind="tabs")
    html = export.write_html(_embedded_notebook(tabs), tmp_path / "tabs.html",
                             title="Theo kỳ", lang="vi")
    with tx.browser_page() as (page, seen):
        tx.open_report(page, html)
        titles = page.locator(".lm-TabBar-tabLabel").all_inner_texts()
        assert [t.replace("\xa0", " ") for t in titles] == ["Quý II/2025", "Quý III/2025",
                                                            "9 tháng năm 2025"]
        assert tx.visible_views(page) == ["Kỳ: Quý II/2025"]
        page.locator(".lm-TabBar-tab").nth(1).click()
        page.wait_for_timeout(150)
        assert tx.visible_views(page) == ["Kỳ: Quý III/2025"]
        tx.ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(tx.ARTIFACTS / "widgets-tabs.png"))
        assert seen == {"blocked": [], "errors": [], "dialogs": []}
    with pdf.PdfPrinter() as printer:
        out = printer.print(pdf.PrintJob(html, tmp_path / "tabs.pdf", title="Theo kỳ"))
    import subprocess

    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Kỳ: Quý II/2025" in text
    assert "Quý III/2025" not in text and "9 tháng năm 2025" not in text
