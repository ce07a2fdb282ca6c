"""HTML and PDF export of executed notebooks.

The HTML is nbconvert's ``lab`` template without code or prompts, made to work offline:
require.js, MathJax, mermaid and the widget-manager loaders, which nbconvert fetches from
public CDNs, are left out; the widget renderer (``@jupyter-widgets/html-manager``'s
``embed.js``, vendored under ``reportkit/vendor/``) travels with the report, either inline
(one self-contained file) or as ``<root>/_static/embed-<version>.js`` next to a catalogue.
Every file is written atomically (temporary file in the same folder, then ``os.replace``).

Why it is built only from nbconvert's public parts (its ``HTMLExporter`` configured through
documented traits, a template that extends ``lab``, a registered preprocessor, and the public
``from_notebook_node``): a copy or patch of nbconvert's internals would break, or silently
change the page, on its next release. nbconvert's own pass after rendering (``tabindex`` on
inputs and outputs, stand-in alternative text for images that have none) is therefore kept,
although it is a good part of an export's cost; what reportkit saves is what it may save
publicly: one exporter per thread and language (its templates compiled once), one validation
after the preprocessors, and no per-export scan of the vendored renderer, checked once.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import nbformat

from reportkit.core import markings
from reportkit.errors import ExportError
from reportkit.presentation.html import stylesheet
from reportkit.store.io import atomic_write, sha256_bytes, sha256_file

if TYPE_CHECKING:
    from reportkit.rendering.pdf import PdfPrinter

log = logging.getLogger("reportkit.rendering.export")

__all__ = ["write_html", "write_print_html", "write_pdf", "render_html", "install_static",
           "static_view", "external_references", "renderer_info"]

Renderer = Literal["inline", "folder"]
STATIC_DIR = "_static"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Widget modules the vendored html-manager renders without loading anything (ipywidgets 8).
BUILTIN_MODULES = {
    "@jupyter-widgets/base": "2.",
    "@jupyter-widgets/controls": "2.",
    "@jupyter-widgets/output": "1.",
}
SIZE_WARNING = 3_000_000  # bytes; reports travel by e-mail and USB stick

_PACKAGE = Path(__file__).resolve().parents[1]  # the reportkit package: templates/, vendor/
_VENDOR = _PACKAGE / "vendor" / "html-manager"
_TEMPLATES = _PACKAGE / "templates"

# Marks the rendered HTML as "widgets ready" once every displayed widget has a view and
# every image has loaded, so the PDF printer knows when the page is complete; marks blocks
# taller than a printed page so that print CSS lets only those break inside.
_READY_JS = """<script>
(function () {
  var root = document.documentElement;
  root.setAttribute('data-reportkit-widgets', 'pending');
  function stateIds() {
    var ids = {}, el = document.querySelector(
      'script[type="application/vnd.jupyter.widget-state+json"]');
    try { ids = el ? JSON.parse(el.textContent).state : {}; } catch (e) { ids = {}; }
    return ids;
  }
  function rendered(ids) {
    var views = document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]');
    for (var i = 0; i < views.length; i++) {
      var id;
      try { id = JSON.parse(views[i].textContent).model_id; } catch (e) { continue; }
      if (!(id in ids)) continue;
      var prev = views[i].previousElementSibling;
      if (!prev || !prev.classList.contains('widget-subarea') || !prev.firstElementChild) {
        return false;
      }
    }
    for (var j = 0; j < document.images.length; j++) {
      if (!document.images[j].complete) return false;
    }
    return true;
  }
  // Blocks taller than a printed page may break inside; shorter ones stay whole.
  window.reportkitMarkTall = function (limit) {
    limit = limit || 930;  // CSS px: an A4 page's printable height at reportkit's margins
    var els = document.querySelectorAll(
      '.jp-OutputArea-child, .jp-OutputArea-output, table, pre, .widget-output, figure');
    for (var i = 0; i < els.length; i++) {
      els[i].classList.toggle('reportkit-tall', els[i].getBoundingClientRect().height > limit);
    }
  };
  window.addEventListener('beforeprint', function () { window.reportkitMarkTall(); });
  window.addEventListener('load', function () {
    var ids = stateIds(), start = Date.now(), streak = 0;
    // Widgets draw in steps: three checks in a row must pass. A page without widgets (the
    // print variant) is complete once its images are.
    var needed = Object.keys(ids).length ? 3 : 1;
    (function poll() {
      streak = rendered(ids) ? streak + 1 : 0;
      if (streak >= needed) { root.setAttribute('data-reportkit-widgets', 'ready'); return; }
      if (Date.now() - start > 20000) {
        root.setAttribute('data-reportkit-widgets', 'timeout'); return;
      }
      setTimeout(poll, 50);
    })();
  });
})();
</script>"""

# webpack's automatic public path reads document.currentScript.src, which is empty for an
# inline script; without help the bundle throws "Automatic publicPath is not supported in this
# browser". Present a script whose src is the page's own folder while the bundle starts, then
# restore the real getter. (Asset URLs then point beside the page; the widgets reportkit
# uses need none of them.)
_PUBLIC_PATH_SHIM = """<script>
(function () {
  var base = document.baseURI;
  Object.defineProperty(document, 'currentScript', {
    configurable: true,
    get: function () { return {tagName: 'SCRIPT', src: base}; }
  });
})();
</script>"""
_PUBLIC_PATH_RESTORE = "<script>delete document.currentScript;</script>"

# Each pattern starts with a case-sensitive literal ("<", "(", "@") so that the regex engine
# skips ahead quickly, and steps over attribute values possessively: a page holds megabytes of
# data: URLs and widget state, and this check runs on every export.
_LOADING_ATTR = r"""(?i:src|href|xlink:href|data|poster|srcset)\s*=\s*["']?\s*"""
_RESOURCE_URL = re.compile(
    r"<(?i:script|img|iframe|link|source|video|audio|embed|object|track|input|image|use)\b"
    rf"(?:[^>\s]++|\s(?!{_LOADING_ATTR}(?i:https?:)?//))*+"  # up to the first loading attribute
    rf"""\s{_LOADING_ATTR}((?i:https?:)?//[^"'\s>]+)""")
_CSS_URLS = (
    re.compile(r"""\((?<=[uU][rR][lL]\()\s*["']?\s*((?i:https?:)?//[^)"'\s;]+)"""),
    re.compile(r"""@(?i:import)\s*["']?\s*((?i:https?:)?//[^)"'\s;]+)"""),
)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_MATH = re.compile(r"\$\$|\\\(|\\\[|(?<![\\$])\$[^$\s][^$]*\$")


@dataclass(frozen=True)
class RendererInfo:
    """The vendored widget renderer: version, file and the checked sha256."""

    package: str
    version: str
    path: Path
    sha256: str
    fonts: tuple[Path, ...]
    license: Path

    @property
    def filename(self) -> str:
        """The file name under ``_static/``."""
        return f"embed-{self.version}.js"


@functools.lru_cache(maxsize=1)
def renderer_info() -> RendererInfo:
    """The vendored ``@jupyter-widgets/html-manager`` build, checked against its manifest.

    Raises:
        ExportError: The vendored files are missing or do not match MANIFEST.json.
    """
    try:
        manifest = json.loads((_VENDOR / "MANIFEST.json").read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExportError(f"The vendored widget renderer is missing: {exc}") from exc
    version = manifest["version"]
    path = _VENDOR / f"embed-{version}.js"
    for name, expected in manifest["files"].items():
        got = sha256_file(_VENDOR / name) if (_VENDOR / name).is_file() else "missing"
        if got != expected:
            raise ExportError(f"Vendored file {name} does not match MANIFEST.json "
                              f"(sha256 {got}); re-run tools/vendor-widgets.sh", file=name)
    fonts = tuple(sorted((_VENDOR / "fonts").glob("*.woff2")))
    return RendererInfo(package=manifest["package"], version=version, path=path,
                        sha256=manifest["files"][path.name], fonts=fonts,
                        license=_VENDOR / "LICENSE")


@functools.lru_cache(maxsize=1)
def _bundle_text() -> str:
    info = renderer_info()
    text = info.path.read_text(encoding="utf-8")
    # The file ends with a source-map comment; the map is not shipped.
    text = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", text)
    if re.search(r"</script|<!--", text, re.IGNORECASE):  # would end the inline <script> early
        raise ExportError(f"{info.path.name} cannot be inlined: it contains '</script' or '<!--'")
    # Checked here once, so that each export need not scan the bundle again.
    external = external_references(f"<script>{text}</script>")
    if external:
        raise ExportError(f"{info.path.name} would load {', '.join(external)} from the network",
                          urls=external)
    return text


def install_static(root: Path) -> Path:
    """Install the widget renderer under ``<root>/_static/`` (idempotent, atomic per file).

    Args:
        root: The catalogue folder (the one holding ``index.html``).

    Returns:
        The path of the installed ``embed-<version>.js``.
    """
    info = renderer_info()
    static = Path(root) / STATIC_DIR
    files = {info.filename: info.path, f"{info.filename}.LICENSE.txt":
             info.path.with_name(info.path.name + ".LICENSE.txt"),
             "html-manager-LICENSE.txt": info.license}
    # The bundle asks for its fonts relative to its own URL, i.e. beside it.
    files.update({font.name: font for font in info.fonts})
    for name, source in files.items():
        target = static / name
        data = source.read_bytes()
        if not (target.is_file() and sha256_bytes(target.read_bytes()) == sha256_bytes(data)):
            atomic_write(target, data)
    return static / info.filename


def external_references(html: str) -> list[str]:
    """URLs the page would fetch from the network (scripts, styles, images, frames, CSS).

    Plain ``<a href>`` links are not counted: they load nothing until clicked.
    """
    found = [m.group(1) for m in _RESOURCE_URL.finditer(html)]
    # A URL inside a CSS comment (the vendored renderer carries a commented-out @import of a
    # web font) is never fetched.
    css = _CSS_COMMENT.sub("", html)
    # In document order, and not one inside another's URL (as one alternation would match).
    matches = sorted((m.start() - 3 if pattern is _CSS_URLS[0] else m.start(), m.end(),
                      m.group(1)) for pattern in _CSS_URLS for m in pattern.finditer(css))
    end = 0
    for start, stop, url in matches:  # start: at "url(" or "@import"
        if start >= end:
            found.append(url)
            end = stop
    return list(dict.fromkeys(found))


def _walk_refs(value: Any) -> Iterator[str]:
    """Model ids referenced anywhere inside a widget state value."""
    if isinstance(value, str):
        if value.startswith("IPY_MODEL_"):
            yield value[len("IPY_MODEL_"):]
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "model_id" and isinstance(item, str):
                yield item
            else:
                yield from _walk_refs(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk_refs(item)


def _displayed_models(nb: nbformat.NotebookNode) -> list[str]:
    ids = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if isinstance(view, dict) and isinstance(view.get("model_id"), str):
                ids.append(view["model_id"])
    return ids


def _prune_widget_state(nb: nbformat.NotebookNode) -> bool:
    """Keep only the widget models the notebook displays (and what they refer to).

    Returns:
        True if any widget is displayed, i.e. the page needs the renderer.
    """
    widgets = nb.metadata.get("widgets", {})
    state = widgets.get(WIDGET_STATE, {}).get("state", {})
    shown = [m for m in _displayed_models(nb) if m in state]
    if not shown:
        nb.metadata.pop("widgets", None)
        return False
    keep: set[str] = set()
    todo = list(shown)
    while True:
        while todo:
            model_id = todo.pop()
            if model_id in keep or model_id not in state:
                continue
            keep.add(model_id)
            todo.extend(_walk_refs(state[model_id].get("state", {})))
        # Links (jslink / jsdlink) are referenced by nobody; keep those tying kept widgets.
        links = [m for m, s in state.items() if m not in keep
                 and s.get("model_name") in ("LinkModel", "DirectionalLinkModel")
                 and set(_walk_refs(s.get("state", {}))) <= keep]
        if not links:
            break
        todo.extend(links)
    for model_id, model in state.items():
        if model_id not in keep:
            continue
        module = model.get("model_module", "")
        version = str(model.get("model_module_version", ""))
        prefix = BUILTIN_MODULES.get(module)
        if prefix is None or not version.startswith(prefix):
            raise ExportError(
                f"Widget {model.get('model_name')} from {module}@{version} cannot be shown "
                "offline; reportkit renders only the ipywidgets 8 built-in widgets "
                f"({', '.join(sorted(BUILTIN_MODULES))})", widget=model.get("model_name"))
    widgets[WIDGET_STATE]["state"] = {m: s for m, s in state.items() if m in keep}
    for model in widgets[WIDGET_STATE]["state"].values():
        # A printed view's chart carries a PNG for the Word draft (presentation.widgets); the
        # page shows its SVG markup, so the PNG does not travel in the page.
        for output in (model.get("state", {}).get("outputs") or []
                       if model.get("model_name") == "OutputModel" else []):
            data = output.get("data") if isinstance(output, dict) else None
            if isinstance(data, dict) and "text/html" in data:
                data.pop("image/png", None)
    return True


# Widgets with a static form on paper. A selection container shows its selected child (the
# explorer's first view); a box shows its children; an Output widget shows its outputs; an
# input control shows nothing (the print CSS hides controls on the interactive page too).
_SELECTION = {"StackModel", "TabModel", "AccordionModel"}
_BOXES = {"BoxModel", "VBoxModel", "HBoxModel", "GridBoxModel"}
_CONTROLS = {"DropdownModel", "SelectModel", "SelectMultipleModel", "RadioButtonsModel",
             "ToggleButtonsModel", "ToggleButtonModel", "CheckboxModel", "ButtonModel",
             "IntSliderModel", "FloatSliderModel", "FloatLogSliderModel", "IntRangeSliderModel",
             "FloatRangeSliderModel", "SelectionSliderModel", "SelectionRangeSliderModel",
             "TextModel", "TextareaModel", "IntTextModel", "FloatTextModel",
             "BoundedIntTextModel", "BoundedFloatTextModel", "ComboboxModel", "PasswordModel",
             "DatePickerModel", "ColorPickerModel", "PlayModel", "LinkModel",
             "DirectionalLinkModel"}
PRINT_NOTE_CLASS = "reportkit-print-note"
PRINT_SUFFIX = ".print.html"  # the print variant beside a staged report; never published


def static_view(model_id: str, state: dict[str, Any], depth: int = 0) -> list[Any] | None:
    """The outputs a widget shows before anyone touches it, or None if it has no static form
    (a widget reportkit does not know, or one nested too deep)."""
    model = state.get(model_id)
    if model is None or depth > 20:
        return None
    name, values = model.get("model_name", ""), model.get("state", {})
    children = [ref[len("IPY_MODEL_"):] for ref in values.get("children", [])
                if isinstance(ref, str) and ref.startswith("IPY_MODEL_")]
    if name == "OutputModel":
        shown: list[Any] = []
        for output in values.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if isinstance(view, dict) and isinstance(view.get("model_id"), str):
                inner = static_view(view["model_id"], state, depth + 1)
                if inner is None:
                    return None
                shown.extend(inner)
            else:
                shown.append(output)
        return shown
    if name in _SELECTION:
        index = values.get("selected_index")
        index = index if isinstance(index, int) and 0 <= index < len(children) else 0
        return static_view(children[index], state, depth + 1) if children else []
    if name in _BOXES:
        shown = []
        for child in children:
            inner = static_view(child, state, depth + 1)
            if inner is None:
                return None
            shown.extend(inner)
        return shown
    if name in _CONTROLS:
        return []
    return None


# A widget with this class is shown on screen only (the stylesheet hides it on paper, and the
# page prints its own note in its place: presentation.report's explorers).
SCREEN_ONLY = "rk-screen-only"


def _print_note(lang: str) -> nbformat.NotebookNode:
    from reportkit.core.i18n import text
    from reportkit.presentation.html import render

    note = text("print.interactive_note", lang)
    return nbformat.from_dict({
        "output_type": "display_data", "metadata": {},
        "data": {"text/html": str(render("widget_note.html.j2", cls=PRINT_NOTE_CLASS, text=note)),
                 "text/plain": note}})


def _static_widgets(nb: nbformat.NotebookNode, lang: str) -> None:
    """Replace every displayed widget by its static view (an explorer: its first view, with
    the caption naming it), or by a one-line note pointing to the HTML where it has none;
    then the page needs no widget renderer."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if not (isinstance(view, dict) and isinstance(view.get("model_id"), str)):
                outputs.append(output)
                continue
            model = state.get(view["model_id"], {}).get("state", {})
            if SCREEN_ONLY in (model.get("_dom_classes") or ()):
                continue  # on screen only: the page prints its own note instead
            shown = static_view(view["model_id"], state)
            outputs.extend([nbformat.from_dict(o) for o in shown] if shown else
                           [_print_note(lang)])
        cell.outputs = outputs
    nb.metadata.pop("widgets", None)


def _renderer_html(renderer: Renderer, href: str | None) -> str:
    """The script of the vendored widget renderer: inline (with the public-path shim) or by
    a relative URL. The template places it only on pages that show a widget."""
    info = renderer_info()
    tag = f'data-reportkit-renderer="{info.package}@{info.version}"'
    if renderer == "folder":
        return f'<script {tag} src="{_attr(href or "")}"></script>'
    return (f"{_PUBLIC_PATH_SHIM}\n<script {tag}>\n{_bundle_text()}</script>\n"
            f"{_PUBLIC_PATH_RESTORE}")


def _attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace('"', "&quot;")
            .replace("<", "&lt;").replace(">", "&gt;"))


def _has_math(nb: nbformat.NotebookNode) -> bool:
    return any(cell.cell_type == "markdown" and _MATH.search(cell.source) for cell in nb.cells)


def report_preprocessor(nb: nbformat.NotebookNode,
                        resources: dict[str, Any]) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
    """reportkit's nbconvert preprocessor: sets the document title and keeps only the widget
    state the notebook displays (none at all if it displays no widget, so the template leaves
    the renderer out). For the print variant (``resources["reportkit"]["for_print"]``) every
    widget is first replaced by its static view, so the page carries no renderer at all.

    It runs on nbconvert's own copy of the notebook, so the caller's notebook is untouched.
    Images shown without alternative text (a bare figure, ``plt.show()``) are counted, and the
    log says how to give them one.

    Raises:
        ExportError: A displayed widget cannot be rendered offline.
    """
    nb.metadata["title"] = resources["reportkit"]["title"]
    if resources["reportkit"].get("for_print"):
        _static_widgets(nb, resources["reportkit"].get("lang", "vi"))
    _prune_widget_state(nb)
    bare = sum(1 for cell in nb.cells if cell.cell_type == "code"
               for out in cell.get("outputs", [])
               if "text/html" not in out.get("data", {})  # a chart's PNG beside its SVG
               and any(m in out.get("data", {}) for m in _BARE_IMAGES))
    if bare:
        log.warning("%s: %d image(s) have no alternative text; show charts with "
                    "reportkit.show(fig, alt=\"...\") instead of plt.show() or a bare figure",
                    resources["reportkit"]["title"], bare)
    return nb, resources


# Image outputs that carry no alternative text (charts shown by reportkit.show are HTML).
_BARE_IMAGES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")


_EXPORTERS = threading.local()  # one exporter per thread (Dask runs tasks in threads)


def _html_exporter(lang: str) -> Any:
    """The reportkit HTML exporter for ``lang``, made once per thread: making one compiles
    nbconvert's templates, which costs more than exporting a report.

    It is nbconvert's own ``HTMLExporter``, set up only through its configurable traits, the
    reportkit template and :func:`report_preprocessor`; nothing of a report stays in it (the
    title, widgets and renderer travel in each call's notebook and resources).
    """
    if not hasattr(_EXPORTERS, "by_lang"):
        _EXPORTERS.by_lang = {}
    cache = _EXPORTERS.by_lang
    if lang not in cache:
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(
            template_name="reportkit",
            extra_template_basedirs=[str(_TEMPLATES)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            language_code=lang,
            # Never used by the reportkit template; set to nothing so no CDN address can slip in.
            require_js_url="",
            mathjax_url="",
            mermaid_js_url="",
            mermaid_layout_elk_js_url="",
            jupyter_widgets_base_url="",
            widget_renderer_url="",
            # Validate the notebook once after the preprocessors, not after each of them
            # (a documented nbconvert option; the preprocessors that run are known).
            optimistic_validation=True,
        )
        exporter.register_preprocessor(report_preprocessor, enabled=True)
        cache[lang] = exporter
    return cache[lang]


def _without_renderer(page: str) -> str:
    """The page without the inline widget renderer, which :func:`_bundle_text` checked once.

    Scanning a 2 MB bundle for network references on every export would cost more than the
    rest of the check; if the bundle is not found intact the whole page is scanned.
    """
    bundle = _bundle_text()
    at = page.find(bundle)
    return page if at < 0 else page[:at] + page[at + len(bundle):]


def render_html(nb: nbformat.NotebookNode, *, title: str, lang: str = "vi",
                renderer: Renderer = "inline", static_href: str | None = None,
                marking: str | None = None, for_print: bool = False) -> str:
    """Render an executed notebook to offline HTML text (see :func:`write_html`)."""
    from reportkit import __version__

    if renderer not in ("inline", "folder"):
        raise ValueError(f"renderer must be 'inline' or 'folder', not {renderer!r}")
    # nbconvert writes language_code into <html lang="..."> unescaped, and its validator
    # checks the previous value rather than the new one.
    if not _LANG.fullmatch(lang):
        raise ValueError(f"lang must be a language tag such as 'vi' or 'en', not {lang!r}")
    if _has_math(nb):
        log.warning("%s: the notebook contains LaTeX math; MathJax is not shipped with "
                    "offline reports, so it shows as source text", title)
    resources = {"reportkit": {"version": __version__, "title": title, "ready": _READY_JS,
                               "lang": lang, "for_print": for_print, "css": stylesheet(),
                               "renderer": "" if for_print else
                               _renderer_html(renderer, static_href),
                               "marking": markings.label(marking, lang)}}
    body, _ = _html_exporter(lang).from_notebook_node(nb, resources=resources)
    external = external_references(_without_renderer(body) if renderer == "inline"
                                   and not for_print else body)
    if external:
        raise ExportError(f"{title}: the report would load {len(external)} resource(s) from the "
                          f"network, which offline readers cannot see: "
                          f"{', '.join(external[:5])}", urls=external)
    return body


def write_html(nb: nbformat.NotebookNode, path: Path, *, title: str, lang: str = "vi",
               renderer: Renderer = "inline", static_root: Path | None = None,
               final_path: Path | None = None, marking: str | None = None) -> Path:
    """Export an executed notebook to HTML without code or prompts, readable offline.

    Args:
        nb: The executed notebook (its widget state in ``metadata.widgets``).
        path: Where to write the HTML file (written atomically).
        title: The document title.
        lang: The document language (``<html lang=...>``), e.g. "vi" or "en".
        renderer: "inline" puts the widget renderer inside the file (one self-contained
            file); "folder" refers to ``<static_root>/_static/embed-<version>.js`` by a
            relative URL and installs that file if needed.
        static_root: The catalogue folder holding ``_static/``; required for "folder".
        final_path: Where the file will finally live if ``path`` is a staging location; the
            relative URL of the renderer is computed from it. Defaults to ``path``.
        marking: A confidentiality marking ("Lưu hành nội bộ", "Mật", ...; see
            ``reportkit.core.markings.MARKINGS``) shown at the top of the page, or None.

    Returns:
        The path written.

    Raises:
        ExportError: The page would load something from the network, or shows a widget
            that cannot be rendered offline.
    """
    path = Path(path)
    href = None
    if renderer == "folder":
        if static_root is None:
            raise ValueError("renderer='folder' needs static_root (the catalogue folder)")
        script = install_static(Path(static_root))
        where = Path(os.path.abspath(final_path or path)).parent
        href = Path(os.path.relpath(os.path.abspath(script), where)).as_posix()
    text = render_html(nb, title=title, lang=lang, renderer=renderer, static_href=href,
                       marking=marking)
    data = text.encode("utf-8")
    if len(data) > SIZE_WARNING:
        log.warning("%s: HTML is %.1f MB (over %.1f MB)", path.name, len(data) / 1e6,
                    SIZE_WARNING / 1e6)
    return atomic_write(path, data)


def write_print_html(nb: nbformat.NotebookNode, path: Path, *, title: str,
                     lang: str = "vi") -> Path:
    """Export the page that is printed to PDF: the report without its widget renderer.

    The same export as :func:`write_html` (same exporter, template and checks), except that
    every widget is replaced by what it shows before anyone touches it: an explorer by its
    first view under the caption naming it (what the interactive page prints), a widget with
    no static form by the note "Bản tương tác: xem tệp HTML". Chromium then need not parse
    and run the ~2 MB renderer nor wait for widgets to draw before printing, which was most
    of the time it took to load a report. The file is a printing intermediate, never
    published: the caller deletes it after printing.

    Args:
        nb: The executed notebook (left untouched: nbconvert works on its own copy).
        path: Where to write the HTML file (written atomically).
        title: The document title.
        lang: The document language; also the language of the note.

    Returns:
        The path written.
    """
    text = render_html(nb, title=title, lang=lang, for_print=True)
    return atomic_write(Path(path), text.encode("utf-8"))


def write_pdf(html_path: Path, pdf_path: Path, *, title: str, lang: str = "vi",
              office: str = "", marking: str | None = None,
              printer: PdfPrinter | None = None) -> Path:
    """Print an exported HTML file to an A4 PDF through headless Chromium, in the official
    layout of the page's stylesheet (margins, page numbers, heading block).

    Args:
        html_path: The HTML file (from :func:`write_html`).
        pdf_path: Where to write the PDF (written atomically).
        title: The document title (PDF metadata).
        lang: "vi" or "en" (the browser's locale while printing).
        office: The issuing office, printed at the top of page 1 of a page that has no
            official heading of its own.
        marking: A marking ("Lưu hành nội bộ", "Mật") or None: written into the heading's
            marking place when the page left it empty (:mod:`reportkit.rendering.pdf`).
        printer: A running :class:`reportkit.rendering.pdf.PdfPrinter` to reuse (in this
            process). By default the file is printed in a separate process
            (:func:`reportkit.rendering.pdf.print_many`), which is safe next to a running
            kernel loop; batches should pass many files to ``print_many`` instead, to start the
            browser once.

    Returns:
        The path written.

    Raises:
        ExportError: Chromium is missing, the page did not render or printing failed.
    """
    from reportkit.rendering import pdf

    job = pdf.PrintJob(html=Path(html_path), pdf=Path(pdf_path), title=title, lang=lang,
                       office=office, marking=marking)
    if printer is not None:
        return printer.print(job)
    return pdf.print_many([job], isolate=True)[0].pdf
