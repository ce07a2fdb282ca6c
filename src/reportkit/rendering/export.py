"""HTML and PDF export of executed notebooks.

The HTML is nbconvert's ``lab`` template without code or prompts, made to work offline:
require.js, MathJax, mermaid and the widget-manager loaders, which nbconvert fetches from
public CDNs, are left out; the widget renderer (``@jupyter-widgets/html-manager``'s
``embed.js``, vendored under ``reportkit/vendor/``) travels with the report, either inline
(one self-contained file) or as ``<root>/_static/embed-<version>.js`` next to a catalogue.
Every file is written atomically (temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import nbformat

from reportkit.errors import ExportError

if TYPE_CHECKING:
    from reportkit.rendering.pdf import PdfPrinter

log = logging.getLogger("reportkit.rendering.export")

__all__ = ["write_html", "write_pdf", "render_html", "install_static", "external_references",
           "renderer_info"]

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
    (function poll() {
      streak = rendered(ids) ? streak + 1 : 0;
      if (streak >= 3) { root.setAttribute('data-reportkit-widgets', 'ready'); return; }
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

_RESOURCE_URL = re.compile(
    r"""<(?:script|img|iframe|link|source|video|audio|embed|object|track|input|image|use)\b"""
    r"""[^>]*?\s(?:src|href|xlink:href|data|poster|srcset)\s*=\s*["']?\s*"""
    r"""((?:https?:)?//[^"'\s>]+)""",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"""(?:url\(|@import)\s*["']?\s*((?:https?:)?//[^)"'\s;]+)""",
                      re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_NO_ALT = "No description has been provided for this image"
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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
        got = _sha256((_VENDOR / name).read_bytes()) if (_VENDOR / name).is_file() else "missing"
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
        if not (target.is_file() and _sha256(target.read_bytes()) == _sha256(data)):
            _atomic_write_bytes(target, data)
    return static / info.filename


def _atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def external_references(html: str) -> list[str]:
    """URLs the page would fetch from the network (scripts, styles, images, frames, CSS).

    Plain ``<a href>`` links are not counted: they load nothing until clicked.
    """
    found = [m.group(1) for m in _RESOURCE_URL.finditer(html)]
    # A URL inside a CSS comment (the vendored renderer carries a commented-out @import of a
    # web font) is never fetched.
    found += [m.group(1) for m in _CSS_URL.finditer(_CSS_COMMENT.sub("", html))]
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
    return True


def _renderer_html(renderer: Renderer, href: str | None) -> str:
    info = renderer_info()
    tag = f'data-reportkit-renderer="{info.package}@{info.version}"'
    if renderer == "folder":
        return f'<script {tag} src="{_attr(href or "")}"></script>\n{_READY_JS}'
    return (f"{_PUBLIC_PATH_SHIM}\n<script {tag}>\n{_bundle_text()}</script>\n"
            f"{_PUBLIC_PATH_RESTORE}\n{_READY_JS}")


def _attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace('"', "&quot;")
            .replace("<", "&lt;").replace(">", "&gt;"))


def _has_math(nb: nbformat.NotebookNode) -> bool:
    return any(cell.cell_type == "markdown" and _MATH.search(cell.source) for cell in nb.cells)


_EXPORTERS = threading.local()  # one exporter per thread (Dask runs tasks in threads)
# Where a page's markup may not be touched: scripts (the widget state), styles and comments.
_RAW = re.compile(r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->)",
                  re.DOTALL | re.IGNORECASE)
_DIV_OR_IMG = re.compile(r"<(div|img)\b([^>]*)>", re.IGNORECASE)
_CLASS = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_TABINDEX = re.compile(r"""\stabindex\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE)
_ALT = re.compile(r"\salt\s*=", re.IGNORECASE)
_FOCUSABLE = {"jp-Cell-inputWrapper", "jp-OutputArea-output"}
_CHARREF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")


def _char(m: re.Match[str]) -> str:
    code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    # Only letters beyond ASCII: none of them means anything to HTML.
    return chr(code) if 0xA0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)


def finish_page(html: str) -> tuple[str, int]:
    """What nbconvert's ``HTMLExporter`` does to a page after rendering it, without
    re-parsing and re-serialising the whole page with BeautifulSoup (a third of the cost of
    exporting a report): cell inputs and outputs get ``tabindex="0"`` (keyboard users can
    reach them), an image without alternative text gets nbconvert's stand-in, and letters
    that Markdown headings wrote as character references (``H&#7841;n ch&#7871;``) are
    written as themselves (``Hạn chế``), as BeautifulSoup wrote them.

    Returns:
        The page and the number of images that had no alternative text.
    """
    missing = 0

    def tag(m: re.Match[str]) -> str:
        nonlocal missing
        name, attrs = m.group(1), m.group(2)
        closing = "/" if attrs.rstrip().endswith("/") else ""
        body = attrs.rstrip()[:-1] if closing else attrs
        if name.lower() == "img":
            if _ALT.search(f" {body}"):
                return m.group(0)
            missing += 1
            return f'<{name}{body.rstrip()} alt="{_NO_ALT}"{closing}>'
        cls = _CLASS.search(body)
        classes = set(next(g for g in cls.groups() if g is not None).split()) if cls else set()
        if not classes & _FOCUSABLE:
            return m.group(0)
        body = _TABINDEX.sub("", body).rstrip()
        return f'<{name}{body} tabindex="0"{closing}>'

    parts = _RAW.split(html)
    for i in range(0, len(parts), 2):  # the odd parts are the raw blocks
        parts[i] = _CHARREF.sub(_char, _DIV_OR_IMG.sub(tag, parts[i]))
    return "".join(parts), missing


def _exporter_class() -> type:
    """nbconvert's ``HTMLExporter``, finishing pages with :func:`finish_page`."""
    from nbconvert import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class OfflineHTMLExporter(HTMLExporter):  # type: ignore[misc]
        def from_notebook_node(self, nb: nbformat.NotebookNode, resources: Any = None,
                               **kw: Any) -> tuple[str, dict[str, Any]]:
            # HTMLExporter.from_notebook_node (nbconvert 7), up to its BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            html, missing = finish_page(html)
            if missing:
                self.log.warning("Alternative text is missing on %s image(s).", missing)
            return html, resources

    return OfflineHTMLExporter


def _html_exporter(lang: str) -> Any:
    """The reportkit HTML exporter for ``lang``, made once per thread: making one compiles
    nbconvert's templates, which cost more than exporting a report."""
    if not hasattr(_EXPORTERS, "by_lang"):
        _EXPORTERS.by_lang = {}
    cache = _EXPORTERS.by_lang
    if lang not in cache:
        cache[lang] = _exporter_class()(
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
            # Validate the notebook once after the preprocessors, not after each of them.
            optimistic_validation=True,
        )
    return cache[lang]


def render_html(nb: nbformat.NotebookNode, *, title: str, lang: str = "vi",
                renderer: Renderer = "inline", static_href: str | None = None) -> str:
    """Render an executed notebook to offline HTML text (see :func:`write_html`)."""
    from reportkit import __version__

    if renderer not in ("inline", "folder"):
        raise ValueError(f"renderer must be 'inline' or 'folder', not {renderer!r}")
    # nbconvert writes language_code into <html lang="..."> unescaped, and its validator
    # checks the previous value rather than the new one.
    if not _LANG.fullmatch(lang):
        raise ValueError(f"lang must be a language tag such as 'vi' or 'en', not {lang!r}")
    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    needs_renderer = _prune_widget_state(nb)
    if _has_math(nb):
        log.warning("%s: the notebook contains LaTeX math; MathJax is not shipped with "
                    "offline reports, so it shows as source text", title)
    placeholder = f"<!--reportkit-renderer-{uuid.uuid4().hex}-->"
    exporter = _html_exporter(lang)
    css = (_TEMPLATES / "reportkit" / "reportkit.css").read_text(encoding="utf-8")
    resources = {"reportkit": {"version": __version__, "css": css, "renderer": placeholder}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    if body.count(placeholder) != 1:
        raise ExportError("The reportkit HTML template did not place the widget renderer")
    external = external_references(body)
    if external:
        raise ExportError(f"{title}: the report would load {len(external)} resource(s) from the "
                          f"network, which offline readers cannot see: "
                          f"{', '.join(external[:5])}", urls=external)
    if lang.startswith("vi"):  # nbconvert's stand-in alt text is English
        body = body.replace(f'alt="{_NO_ALT}"', 'alt="Hình minh họa (không có mô tả)"')
    scripts = _renderer_html(renderer, static_href) if needs_renderer else _READY_JS
    return body.replace(placeholder, scripts)


def write_html(nb: nbformat.NotebookNode, path: Path, *, title: str, lang: str = "vi",
               renderer: Renderer = "inline", static_root: Path | None = None,
               final_path: Path | None = None) -> Path:
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
    text = render_html(nb, title=title, lang=lang, renderer=renderer, static_href=href)
    data = text.encode("utf-8")
    if len(data) > SIZE_WARNING:
        log.warning("%s: HTML is %.1f MB (over %.1f MB)", path.name, len(data) / 1e6,
                    SIZE_WARNING / 1e6)
    return _atomic_write_bytes(path, data)


def write_pdf(html_path: Path, pdf_path: Path, *, title: str, lang: str = "vi",
              office: str = "", marking: str | None = None,
              printer: PdfPrinter | None = None) -> Path:
    """Print an exported HTML file to an A4 PDF through headless Chromium.

    Args:
        html_path: The HTML file (from :func:`write_html`).
        pdf_path: Where to write the PDF (written atomically).
        title: The document title (PDF metadata).
        lang: "vi" or "en": the language of the page footer.
        office: The issuing office, printed in the page header.
        marking: A confidentiality marking for the header ("Lưu hành nội bộ", "Mật") or None.
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
