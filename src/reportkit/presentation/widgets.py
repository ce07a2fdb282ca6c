"""Explorers: widgets that work live in JupyterLab and in exported HTML without a kernel.

An exported page has no kernel, so Python callbacks never run there. An explorer therefore
renders every view up front into an ``Output`` widget (whose ``outputs`` are part of the
widget state that nbclient stores in the notebook) and switches between them in the
browser only: a ``Dropdown`` linked with ``jslink`` to a ``Stack``, or a ``Tab``.

Printing shows the current view only, under a caption naming it; the dropdown or tab bar is
hidden by the print CSS of reportkit's HTML export.

    explorer({"Hà Nội": lambda: chart(hn), "Huế": lambda: chart(hue)}, label="Đơn vị")
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Mapping
from typing import Any, Literal

import ipywidgets

from reportkit.errors import ExportError
from reportkit.presentation.html import render

__all__ = ["explorer", "render_view", "MAX_VIEWS", "MAX_BYTES"]

MAX_VIEWS = 40
MAX_BYTES = 2_000_000  # serialised outputs of one explorer; the whole report should stay < 3 MB

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# What an exported page may show inside an explorer. Scripts (application/javascript) would
# run in the reader's browser, so they are dropped.
ALLOWED_MIMETYPES = ("text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml",
                     "text/plain", WIDGET_VIEW)
CONTROL_CLASS = "reportkit-explorer-control"
EXPLORER_CLASS = "reportkit-explorer"
CAPTION_CLASS = "reportkit-view-caption"

Output = dict[str, Any]


def _figure_output(fig: Any) -> Output:
    """A matplotlib figure as a PNG display_data output."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", facecolor="white")
    width, height = fig.get_size_inches() * fig.dpi
    return {"output_type": "display_data",
            "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                     "text/plain": f"<Figure size {width:.0f}x{height:.0f}>"},
            "metadata": {}}


def _close_figure(fig: Any) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)  # a no-op for figures pyplot does not manage


def _is_figure(obj: Any) -> bool:
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return False
    return isinstance(obj, Figure)


def _clean_bundle(data: Mapping[str, Any], metadata: Mapping[str, Any] | None) -> Output | None:
    """Keep the allowed mimetypes; binary images become base64 text."""
    out: dict[str, Any] = {}
    for mime in ALLOWED_MIMETYPES:
        if mime not in data or data[mime] is None:
            continue
        value = data[mime]
        if isinstance(value, bytes) and mime in ("image/png", "image/jpeg"):
            value = base64.b64encode(value).decode("ascii")
        elif isinstance(value, bytes):
            value = value.decode("utf-8")
        out[mime] = value
    if not out:
        return None
    meta = {k: v for k, v in (metadata or {}).items() if k in out}
    return {"output_type": "display_data", "data": out, "metadata": meta}


def _object_outputs(obj: Any) -> list[Output]:
    """Outputs showing one object: figure, widget, rich repr or plain text."""
    if obj is None:
        return []
    if _is_figure(obj):
        output = _figure_output(obj)
        _close_figure(obj)  # otherwise the inline backend shows it again under the cell
        return [output]
    if isinstance(obj, ipywidgets.Widget):
        return [{"output_type": "display_data", "metadata": {},
                 "data": {WIDGET_VIEW: {"version_major": 2, "version_minor": 0,
                                        "model_id": obj.model_id},
                          "text/plain": repr(obj)}}]
    if isinstance(obj, str):
        return [{"output_type": "display_data", "data": {"text/plain": obj}, "metadata": {}}]
    data: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    method = getattr(obj, "_repr_mimebundle_", None)
    if callable(method):
        bundle = method(include=None, exclude=None)
        if isinstance(bundle, tuple):
            bundle, metadata = bundle[0], bundle[1] or {}
        data.update(bundle or {})
    for mime, name in (("text/html", "_repr_html_"), ("image/svg+xml", "_repr_svg_"),
                       ("image/png", "_repr_png_"), ("image/jpeg", "_repr_jpeg_"),
                       ("text/markdown", "_repr_markdown_")):
        method = getattr(obj, name, None)
        if mime not in data and callable(method):
            value = method()
            if isinstance(value, tuple):
                value, metadata[mime] = value
            if value is not None:
                data[mime] = value
    data.setdefault("text/plain", repr(obj))
    cleaned = _clean_bundle(data, metadata)
    return [cleaned] if cleaned else []


def _call_outputs(fn: Callable[[], Any], printed: bool = False) -> list[Output]:
    """Run a view function and collect what it prints, displays, draws and returns."""
    import contextlib

    from IPython.utils.capture import capture_output

    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        plt = None  # type: ignore[assignment]
    from reportkit.presentation.charts import bitmaps

    before = set(plt.get_fignums()) if plt else set()
    # Only a browser shows the other views: no PNG beside their charts. The first view is
    # printed (the PDF and the Word draft show it): its charts get a PNG when the run asks
    # for bitmaps (a run writing DOCX); the HTML page leaves it out of its widget state.
    switch = contextlib.nullcontext() if printed else bitmaps(False)
    with capture_output(stdout=True, stderr=True, display=True) as captured, switch:
        result = fn()
    outputs: list[Output] = []
    if captured.stdout:
        outputs.append({"output_type": "stream", "name": "stdout", "text": captured.stdout})
    for rich in captured.outputs:
        cleaned = _clean_bundle(rich.data, rich.metadata)
        if cleaned:
            outputs.append(cleaned)
    if plt is not None:  # figures drawn but not shown
        for num in sorted(set(plt.get_fignums()) - before):
            fig = plt.figure(num)
            if fig.get_axes():
                outputs.append(_figure_output(fig))
            plt.close(fig)
    if result is not None and not _is_shown(result, captured.outputs):
        outputs.extend(_object_outputs(result))
    if captured.stderr:
        outputs.append({"output_type": "stream", "name": "stderr", "text": captured.stderr})
    return outputs


def _is_shown(result: Any, shown: list[Any]) -> bool:
    """A returned figure that was also drawn is not repeated."""
    if _is_figure(result):
        try:
            import matplotlib.pyplot as plt
        except ImportError:  # pragma: no cover
            return False
        num = getattr(result, "number", None)
        return num is not None and num not in plt.get_fignums()
    return False


def render_view(view: Callable[[], Any] | object, *, printed: bool = False) -> list[Output]:
    """Pre-render one view into nbformat outputs.

    Args:
        view: A function called with no argument (what it prints, displays or draws with
            matplotlib is kept, and so is its return value), or an object to show: a
            matplotlib figure, a DataFrame or anything with a rich repr, a widget, a str.
        printed: The view is printed (an explorer's first): its charts get a PNG when bitmaps
            are wanted (``charts.bitmaps_wanted``), for the Word draft.

    Returns:
        nbformat ``display_data`` / ``stream`` outputs, ready for an ``Output`` widget.
    """
    if callable(view) and not _is_figure(view) and not isinstance(view, ipywidgets.Widget):
        return _call_outputs(view, printed)
    return _object_outputs(view)


def _caption(label: str, name: str) -> Output:
    text = f"{label}: {name}" if label else name
    return {"output_type": "display_data", "metadata": {},
            # Hidden on screen (the dropdown says it); reportkit's print CSS shows it.
            "data": {"text/html": str(render("caption.html.j2", cls=CAPTION_CLASS, text=text)),
                     "text/plain": ""}}


def explorer(views: Mapping[str, Callable[[], Any] | object], label: str,
             kind: Literal["dropdown", "tabs"] = "dropdown", *, max_views: int = MAX_VIEWS,
             max_bytes: int = MAX_BYTES) -> ipywidgets.Widget:
    """A widget that switches between pre-rendered views, with or without a kernel.

    Args:
        views: View name → a function that displays the view, or the object to show
            (see :func:`render_view`). Order is kept; the first view is shown first.
        label: What the views are (e.g. "Đơn vị"); the dropdown's label and the printed
            caption ("Đơn vị: Hà Nội").
        kind: "dropdown" (a Dropdown linked in the browser to a Stack) or "tabs".
        max_views: At most this many views.
        max_bytes: At most this many bytes of rendered views (they all travel in the page).

    Returns:
        The explorer widget; display it (or leave it last in the cell).

    Raises:
        ExportError: Too many views or too large (the message says how much).
        ValueError: No views, or an unknown ``kind``.
    """
    if kind not in ("dropdown", "tabs"):
        raise ValueError(f"kind must be 'dropdown' or 'tabs', not {kind!r}")
    names = [str(name) for name in views]
    if not names:
        raise ValueError("explorer() needs at least one view")
    if len(names) > max_views:
        raise ExportError(
            f"Explorer {label!r} has {len(names)} views; at most {max_views} fit in a report. "
            "Split it, or show fewer units or periods.", label=label, views=len(names))
    outputs: list[list[Output]] = []
    total = 0
    for name, view in zip(names, views.values(), strict=True):
        rendered = [_caption(label, name), *render_view(view, printed=not outputs)]
        total += len(json.dumps(rendered))
        if total > max_bytes:
            raise ExportError(
                f"Explorer {label!r} is over its size budget ({max_bytes:,} bytes) at view "
                f"{name!r} ({len(outputs) + 1} of {len(names)}); every view travels inside the "
                "report. Use fewer views, smaller figures or lower dpi.",
                label=label, view=name, bytes=total)
        outputs.append(rendered)
    panes = [ipywidgets.Output(outputs=tuple(outs)) for outs in outputs]
    if kind == "tabs":
        tabs = ipywidgets.Tab(children=panes, titles=tuple(names), selected_index=0)
        tabs.add_class(EXPLORER_CLASS)
        return tabs
    # Wide enough for the label and the longest name (the default is a fixed 300px).
    width = f"{max(20, len(label) + max(len(n) for n in names) + 8)}ch"
    control = ipywidgets.Dropdown(options=names, index=0, description=label,
                                  style={"description_width": "initial"},
                                  layout=ipywidgets.Layout(width=width, max_width="100%"))
    control.add_class(CONTROL_CLASS)
    stack = ipywidgets.Stack(children=panes, selected_index=0)
    link = ipywidgets.jslink((control, "index"), (stack, "selected_index"))
    box = ipywidgets.VBox([control, stack])
    box.add_class(EXPLORER_CLASS)
    box._reportkit_link = link  # keep the link referenced as long as the explorer
    return box
