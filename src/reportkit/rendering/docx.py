"""The Word draft of a report (``--format docx``), for offices that edit before they sign.

The draft is made from the executed notebook, the same outputs the HTML page shows, in their
order; nothing is computed again. The page blocks of :mod:`reportkit.presentation` are HTML made
by its templates, and are read back here with the standard library's :mod:`html.parser`:

- the opening (``div.rk-head``) becomes the official heading of Hướng dẫn 36-HD/VPTW as a
  borderless two-column table: the issuing body, "*", the number line and the marking (in a
  box) on the left, the Party's name with a rule as long as it and the place and date in
  italics on the right; then "BÁO CÁO" (``h1``) and the subject (``p.rk-sub``), centred. What
  the stylesheet does to the blocks' classes (bold issuer, italic date, upper-case marking,
  the number's blank kept) is done with run properties (:data:`BOLD_CLASSES` and the rest);
- the closing blocks (``div.rk-closing``: "Nơi nhận:" and the signature) become a two-column
  table kept on one page; an official report whose pages have none gets placeholders;
- what the page shows on screen only (``rk-screen-only``: an explorer's prompt and widget) is
  left out, what it shows on paper only (``rk-print-only``) is kept;
- ``h2`` becomes a Word heading (level 2, kept with what follows), ``p`` a justified paragraph
  with its first line indented, ``ul`` dashed items, the key-figure cards one item each;
- a ``table`` becomes a Word table with its header rows repeated on every page, numbers
  right-aligned, merged cells kept (``colspan``/``rowspan``);
- a chart is a PNG: the kernel puts one beside each chart's SVG when the run writes DOCX
  (:func:`reportkit.presentation.charts.show`); a chart without one gets a sentence saying
  it is in the HTML version, and so does an explorer (a widget only a browser can show).

The page follows Decree 30/2020/NĐ-CP, Appendix I (which Hướng dẫn 36 leaves open): A4,
margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 14 pt (LibreOffice
shows the metric-compatible Liberation Serif), paragraphs 6 pt apart, line spacing 1.15;
page numbers centred at the top, none on page 1. Word treats every text as editable: nothing
is an image of text.

Only python-docx's public API is used, and its ``docx.oxml`` helpers (``OxmlElement``,
``qn``) for the few settings it has no property for (repeated header rows, a paragraph rule,
the page-number field, a picture's alternative text).
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportkit.core import markings
from reportkit.core.i18n import text
from reportkit.errors import ExportError
from reportkit.store.io import atomic_write

if TYPE_CHECKING:
    import nbformat
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

log = logging.getLogger("reportkit.rendering.docx")

FONT = "Times New Roman"  # Decree 30 / Hướng dẫn 36; LibreOffice shows Liberation Serif
BODY_PT, TABLE_PT, NOTE_PT, TITLE_PT, PARTY_PT = 14, 12, 12, 15, 15
PAGE_MM = (210, 297)  # A4 portrait
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}  # Decree 30, Appendix I
TEXT_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]
# Left: the issuing body ("BAN CHẤP HÀNH TRUNG ƯƠNG" fits on one line); right: the Party's
# name and the place and date.
HEAD_COLUMNS_MM = (83, TEXT_MM - 83)
TABLE_STYLE, LINE_STYLE = "Table Text", "Heading Line"  # paragraph styles made here
FIRST_LINE_MM = 10  # a paragraph's first line is indented 1 cm (Hướng dẫn 36: 1–1.27 cm)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
SCREEN_ONLY, PRINT_ONLY = "rk-screen-only", "rk-print-only"  # what one medium shows
# What the stylesheet does to the page blocks' classes (presentation/templates/reportkit.css),
# done here with run properties: bold, italic, upper case, spaces kept.
BOLD_CLASSES = frozenset({"rk-bold", "rk-issuer", "rk-party", "rk-marking", "rk-on-behalf",
                          "rk-sign-title", "rk-sign-name", "rk-recipients-label"})
ITALIC_CLASSES = frozenset({"rk-date", "rk-recipients-label"})
UPPER_CLASSES = frozenset({"rk-marking", "rk-on-behalf", "rk-sign-title"})
PRE_CLASSES = frozenset({"rk-number"})
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "col", "source", "wbr",
                   "area", "base", "embed", "param", "track"})
_SKIP = frozenset({"style", "script", "template", "head", "title", "noscript"})
_BLOCK = frozenset({"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table",
                    "svg", "figure", "section", "header", "footer", "article", "blockquote",
                    "hr", "img", "details", "summary", "figcaption", "main", "nav", "aside",
                    "dl", "dt", "dd", "pre"})
_SPACES = re.compile("[ \t\n\r\f]+")  # a run of HTML white space (text, not markup)
# Average advances in Times (Liberation Serif) in em, measured on Vietnamese text: bold
# capitals 0.63 (regular 0.59), lower case and digits 0.47 (regular 0.44).
EM_UPPER, EM_LOWER = 0.63, 0.47
CELL_PAD_MM = 1.9  # Word's and LibreOffice's default left and right cell padding
SUBJECT_RULE_MM = 30  # the short rule under an official report's subject


# -- reading the HTML of an output ------------------------------------------------------------
@dataclass
class Element:
    """One HTML element: tag, attributes and children (elements and text, in order)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def hidden(self) -> bool:
        """Hidden on screen and in print (``style="display:none"``, ``hidden``)."""
        style = self.attrs.get("style", "").replace(" ", "").lower()
        return "display:none" in style or "hidden" in self.attrs

    def elements(self) -> list[Element]:
        return [c for c in self.children if isinstance(c, Element)]

    def text(self) -> str:
        """The element's text, spaces collapsed (hidden parts left out)."""
        parts: list[str] = []
        self._collect(parts)
        return " ".join("".join(parts).split())

    def _collect(self, parts: list[str]) -> None:
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag == "br":
                parts.append("\n")
            elif child.tag not in _SKIP and not child.hidden():
                child._collect(parts)

    def has_class(self, name: str) -> bool:
        """Whether this element or one inside it has class ``name``."""
        return name in self.classes or any(c.has_class(name) for c in self.elements())

    def find(self, tag: str) -> Element | None:
        """The first descendant with ``tag`` (depth first)."""
        for child in self.elements():
            if child.tag == tag:
                return child
            found = child.find(tag)
            if found is not None:
                return found
        return None


class _TreeBuilder(HTMLParser):
    """A forgiving tree of an HTML fragment: unclosed elements end with their parent, stray end
    tags are ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root")
        self.stack = [self.root]
        self.in_svg = 0  # depth inside an <svg>: its drawing is not kept (only its attributes)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.in_svg:
            self.in_svg += tag == "svg"
            return
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag == "svg":
            self.in_svg = 1
        elif tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.in_svg:
            self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if self.in_svg:
            self.in_svg -= tag == "svg"
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.in_svg:
            self.stack[-1].children.append(data)


def parse_html(markup: str) -> Element:
    """An HTML fragment as a tree of :class:`Element` (the root's tag is ``#root``)."""
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    return builder.root


# -- the document -----------------------------------------------------------------------------
def _set_font(font: Any, *, size: float | None = None, bold: bool | None = None,
              italic: bool | None = None, base: bool = False) -> None:
    """Set a run's or style's size and weight; with ``base`` (a style) its face and colour."""
    from docx.shared import Pt, RGBColor

    if base:
        font.name = FONT
        font.color.rgb = RGBColor(0, 0, 0)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic


def _plain_font(style: Any, lang: str) -> None:
    """Times New Roman for every script of ``style`` (the theme fonts of Word's built-in
    styles would win over the name otherwise) and the document's language."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT)
    language = rpr.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        rpr.append(language)
    language.set(qn("w:val"), "vi-VN" if lang == "vi" else "en-GB")


def _new_document(title: str, lang: str) -> DocxDocument:
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Mm, Pt

    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = section.footer_distance = Mm(10)
    normal = doc.styles["Normal"]
    _set_font(normal.font, size=BODY_PT, base=True)
    _plain_font(normal, lang)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after = Pt(0), Pt(6)
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.MULTIPLE, 1.15
    for name, size in (("Heading 1", TITLE_PT), ("Heading 2", BODY_PT),
                       ("Heading 3", BODY_PT)):
        style = doc.styles[name]
        _set_font(style.font, size=size, bold=True, italic=False, base=True)
        _plain_font(style, lang)
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(6), Pt(6)
        style.paragraph_format.keep_with_next = True
    # Lines in tables and in the heading block: single spacing, nothing after.
    for name, size in ((TABLE_STYLE, TABLE_PT), (LINE_STYLE, BODY_PT)):
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing = 1.0
    _page_numbers(section)
    props = doc.core_properties
    props.title, props.language, props.author = title, "vi-VN" if lang == "vi" else "en", ""
    props.comments = text("docx.draft_note", lang)
    return doc


def _page_numbers(section: Any) -> None:
    """The page number centred in the header, from page 2 (Hướng dẫn 36)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None),
                              (None, None), ("end", None)):
        run = paragraph.add_run()
        _set_font(run.font, size=BODY_PT)
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run.element.append(char)
        elif instruction is not None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = instruction
            run.element.append(instr)
        else:
            run.text = "2"  # shown until the field is updated (Word and LibreOffice update it)


def _paragraph_xml(paragraph: Paragraph) -> Any:
    """The ``w:p`` element of ``paragraph`` (reached through a run's public ``element``)."""
    if paragraph.runs:
        return paragraph.runs[0].element.getparent()
    probe = paragraph.add_run().element  # an empty paragraph: a run to reach it, removed
    p = probe.getparent()
    p.remove(probe)
    return p


def _use_style(paragraph: Paragraph, style_id: str) -> None:
    """Give ``paragraph`` the paragraph style ``style_id``."""
    _paragraph_xml(paragraph).style = style_id


_AFTER_BORDERS = tuple(f"w:{name}" for name in (
    "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
    "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
    "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle",
    "rPr", "sectPr", "pPrChange"))


def _rule(paragraph: Paragraph, text_width_mm: float, cell_width_mm: float, *,
          box: bool = False) -> None:
    """Make the empty ``paragraph`` a solid rule as long as a text ``text_width_mm`` wide (the
    line under the Party's name): a 1 pt paragraph with a bottom border, indented on both
    sides to the text's width. With ``box``, ``paragraph`` keeps its text and is framed (the
    marking's box)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    ppr = _paragraph_xml(paragraph).get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right") if box else ("bottom",):
        line = OxmlElement(f"w:{side}")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                           ("w:color", "000000")):
            line.set(qn(key), value)
        borders.append(line)
    # Word wants pPr's children in the schema's order: the borders before these.
    ppr.insert_element_before(borders, *_AFTER_BORDERS)
    inset = max(0.0, (cell_width_mm - 2 * CELL_PAD_MM - text_width_mm) / 2)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm(inset)
    if box:
        fmt.space_before = Pt(4)
        return
    fmt.line_spacing, fmt.space_before, fmt.space_after = Pt(1), Pt(0), Pt(6)
    paragraph.runs[0].font.size = Pt(1)


def _fixed_table(doc: DocxDocument, rows: int, widths_mm: list[float] | tuple[float, ...]) -> Any:
    """A table of ``rows`` rows and columns of the given widths (the grid, which LibreOffice
    reads, and each cell, which Word reads)."""
    from docx.shared import Mm

    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    return table


def _column_widths(texts: list[list[str]], total_mm: float, size_pt: float) -> list[float]:
    """Column widths for a table's texts (one list per column), as a browser lays out an
    automatic table: each column gets at least its longest word and at most its longest
    text; the table is as wide as its content, at most ``total_mm``."""
    pad = 2 * CELL_PAD_MM + 1.5  # cell padding, and a little air (headers are bold)
    low, high = [], []
    for column in texts:
        words = [_text_width_mm(w, size_pt) for t in column for w in t.split()] or [0.0]
        lines = [_text_width_mm(t, size_pt) for t in column] or [0.0]
        low.append(max(max(words) + pad, 10.0))
        high.append(max(max(lines) + pad, low[-1]))
    if sum(high) <= total_mm:
        return high
    if sum(low) >= total_mm:
        return [w * total_mm / sum(low) for w in low]
    share = (total_mm - sum(low)) / (sum(high) - sum(low))
    return [a + (b - a) * share for a, b in zip(low, high, strict=True)]


def _text_width_mm(line: str, size_pt: float) -> float:
    """About how wide ``line`` is in bold Times at ``size_pt``, in mm."""
    ems = sum(EM_UPPER if c.isupper() else EM_LOWER for c in line)
    return ems * size_pt * 25.4 / 72


def _row_flags(table: Any, header_rows: int) -> None:
    """Keep every row of ``table`` on one page, and repeat its first ``header_rows`` rows at
    the top of each page (python-docx has no property for either)."""
    from docx.oxml import OxmlElement

    # The table's element, through its first cell's paragraph (no public accessor).
    tbl = _paragraph_xml(table.rows[0].cells[0].paragraphs[0]).getparent().getparent()
    tbl = tbl.getparent()
    for index, tr in enumerate(tbl.tr_lst):
        trpr = tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))  # before tblHeader, in the schema's order
        if index < header_rows:
            trpr.append(OxmlElement("w:tblHeader"))


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    keep: bool = False  # spaces kept as they are (the blank number of "Số       -BC/VPTU")


class DocxWriter:
    """Turns the page blocks of one report into a Word document, in order."""

    def __init__(self, title: str, lang: str, marking: str | None = None) -> None:
        # The marking as the report's language prints it ("For internal circulation").
        self.lang, self.marking = lang, markings.label(marking, lang)
        self.doc = _new_document(title, lang)
        # Style ids, looked up once (python-docx's style setter scans every style each time).
        self.styles = {name: self.doc.styles[name].style_id for name in (TABLE_STYLE,
                                                                         LINE_STYLE)}
        self.official = False  # an official heading was written (closing blocks follow)
        self.texts: list[str] = []  # every text written, to know what the pages already have
        self.pictures = 0
        self.after_table = False  # the next paragraph keeps a little air from the table
        self.print_notes = False  # the pages carry notes for paper (rk-print-only)
        self.last: Paragraph | None = None  # the paragraph written last (None after others)
        self.widget_noted = False

    # -- outputs ------------------------------------------------------------------------------
    def add_notebook(self, nb: nbformat.NotebookNode) -> None:
        """Every output of ``nb`` (and text cell) in order, then the closing blocks if the
        pages have none.

        A widget the page marks as screen-only is left out; any other widget gets a sentence
        saying it is in the HTML version, unless the page has a note for paper
        (``rk-print-only``) that says so already."""
        state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
        outputs: list[tuple[dict[str, Any], Element | None]] = []
        for cell in nb.cells:
            if cell.get("cell_type") == "markdown" and cell.get("source", "").strip():
                # The page shows a notebook's text cells too (nbconvert's own markdown filter).
                from nbconvert.filters import markdown2html

                markup = markdown2html(cell.source)
                outputs.append(({"text/html": markup}, parse_html(markup)))
                continue
            if cell.get("cell_type") != "code":
                continue
            for output in cell.get("outputs", []):
                if output.get("output_type") in ("display_data", "execute_result"):
                    data = output.get("data", {})
                    markup = data.get("text/html") if WIDGET_VIEW not in data else None
                    if isinstance(markup, list):
                        markup = "".join(markup)
                    outputs.append((data, parse_html(markup) if markup else None))
        self.print_notes = any(tree is not None and tree.has_class(PRINT_ONLY)
                               for _, tree in outputs)
        closed = appendix = False
        for data, tree in outputs:
            # What follows the closing blocks is the appendix: a section of its own.
            if closed and not appendix and (tree is None or tree.text().strip()):
                self.appendix_section()
                appendix = True
            if tree is not None and tree.has_class("rk-closing"):
                closed = True
            view = data.get(WIDGET_VIEW)
            if isinstance(view, dict):
                model = state.get(view.get("model_id"), {}).get("state", {})
                if SCREEN_ONLY not in model.get("_dom_classes", ()):
                    self.widget_view(view.get("model_id"), state)
            else:
                self.add_output(data, tree)
        self.finish()

    def add_output(self, data: dict[str, Any], tree: Element | None = None) -> None:
        """One output: page blocks (HTML), a widget or a bare image."""
        png = data.get("image/png")
        if WIDGET_VIEW in data:
            self.widget_note()
        elif "text/html" in data:
            if tree is None:
                markup = data["text/html"]
                tree = parse_html("".join(markup) if isinstance(markup, list) else markup)
            self.blocks(tree, png=png)
        elif png or data.get("image/jpeg"):
            self.picture(png or data["image/jpeg"], alt="", width_mm=None)

    def appendix_section(self) -> None:
        """The appendix starts a new page and a section numbered on its own from 1, its first
        page showing none, as the report's (Decree 30/2020, App. I, III.1: an appendix's
        pages are numbered separately; the PDF does the same)."""
        from docx.enum.section import WD_SECTION
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.different_first_page_header_footer = True
        properties = self.doc.element.body.sectPr  # the new, last section's
        numbering = properties.find(qn("w:pgNumType"))
        if numbering is None:
            numbering = OxmlElement("w:pgNumType")
            properties.insert_element_before(
                numbering, "w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg",
                "w:textDirection", "w:bidi", "w:rtlGutter", "w:docGrid", "w:printerSettings",
                "w:sectPrChange")
        numbering.set(qn("w:start"), "1")
        self.last, self.after_table = None, False

    def widget_view(self, model_id: Any, state: dict[str, Any]) -> None:
        """A widget: what it shows untouched, as the PDF prints it (an explorer's first view:
        its chart, whose PNG the run made for Word), then the sentence saying that the
        other views are in the HTML."""
        from reportkit.rendering.export import static_view

        shown = static_view(model_id, state) if isinstance(model_id, str) else None
        for output in shown or []:
            if output.get("output_type") in ("display_data", "execute_result"):
                self.add_output(output.get("data", {}))
        self.widget_note()

    def widget_note(self) -> None:
        """An explorer: a browser-only widget. One sentence says where it is (unless the page
        has its own note for paper)."""
        if self.print_notes:
            return
        self.paragraph([Run(text("docx.interactive", self.lang))], italic=True, size=NOTE_PT)

    # -- blocks -------------------------------------------------------------------------------
    def blocks(self, element: Element, png: Any = None) -> None:
        """The block-level content of ``element``: inline runs between blocks are a
        paragraph."""
        pending: list[Run] = []
        for child in element.children:
            if isinstance(child, str) or (child.tag not in _BLOCK and child.tag not in _SKIP):
                if isinstance(child, str) or not child.hidden():
                    pending += self.inline(child)
                continue
            self.flush(pending)
            pending = []
            if child.tag in _SKIP or child.hidden() or SCREEN_ONLY in child.classes:
                continue
            self.block(child, png)
        self.flush(pending)

    def flush(self, runs: list[Run], **kw: Any) -> None:
        if any(r.text.strip() for r in runs):
            self.paragraph(runs, **kw)

    def block(self, el: Element, png: Any) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        cls = el.classes
        if el.tag == "div" and "rk-head" in cls:
            self.heading_table(el)
        elif el.tag == "h1":
            self.paragraph(self.inline(el), size=TITLE_PT, bold=True, center=True,
                           keep=True, before=12)
        elif el.tag == "p" and "rk-sub" in cls:
            self.paragraph(self.inline(el), bold=True, center=True, keep=True)
            if self.official:  # a short rule under the subject, as the page draws it
                rule = self.paragraph([], center=True, keep=True)
                rule.add_run()
                _rule(rule, SUBJECT_RULE_MM, TEXT_MM + 2 * CELL_PAD_MM)
        elif el.tag == "div" and "rk-closing" in cls:
            self.closing_table(el)
        elif el.tag in ("h2", "h3", "h4", "h5", "h6"):
            level = 2 if el.tag == "h2" else 3
            heading = self.doc.add_heading(level=level)
            self.after_table, self.last = False, None  # the style keeps it with what follows
            self.runs(heading, self.inline(el))
        elif el.tag in ("ul", "ol"):
            for number, item in enumerate((i for i in el.elements() if i.tag == "li"), 1):
                mark = f"{number}. " if el.tag == "ol" else "- "
                self.paragraph([Run(mark), *self.inline(item)],
                               size=NOTE_PT if "rk-note" in cls else None)
        elif el.tag == "table":
            self.table(el)
        elif el.tag == "svg":
            self.chart(el, png)
        elif el.tag == "img":
            self.image(el)
        elif "rk-cards" in cls:
            self.cards(el)
        elif "rk-sample" in cls:
            paragraph = self.paragraph(self.inline(el), bold=True, center=True)
            for run in paragraph.runs:
                from docx.shared import RGBColor

                run.font.color.rgb = RGBColor(0xB5, 0x12, 0x1B)
        elif "rk-warn" in cls or "rk-exact" in cls:
            self.paragraph(self.inline(el), italic=True, bold="rk-exact" in cls)
        elif "rk-note" in cls:
            self.paragraph(self.inline(el), italic=True, size=NOTE_PT)
        elif el.tag == "p":
            runs = self.inline(el)
            lead = all(r.bold for r in runs if r.text.strip())  # a lead-in line
            said = "".join(r.text for r in runs).strip()
            self.paragraph(runs, indent=not lead, keep=lead or said.endswith(":"))
        elif el.tag == "hr":
            self.paragraph([Run("-----")], center=True)
        elif any(isinstance(c, Element) and (c.tag in _BLOCK) for c in el.children):
            self.blocks(el, png)
        else:
            paragraph = self.paragraph(self.inline(el))
            if "text-align:center" in el.attrs.get("style", "").replace(" ", ""):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def inline(self, node: Element | str, bold: bool = False, italic: bool = False) -> list[Run]:
        """The runs of an inline node (bold and italic inherited)."""
        if isinstance(node, str):
            return [Run(node, bold, italic)] if node else []
        if node.tag in _SKIP or node.hidden():
            return []
        if node.tag == "br":
            return [Run("\n", bold, italic)]
        classes = node.classes
        if SCREEN_ONLY in classes or "anchor-link" in classes:  # "¶" after a heading
            return []
        bold = bold or node.tag in ("b", "strong", "th") or bool(classes & BOLD_CLASSES)
        italic = italic or node.tag in ("i", "em") or bool(classes & ITALIC_CLASSES)
        runs: list[Run] = []
        for child in node.children:
            if isinstance(child, Element) and child.tag in _BLOCK and runs:
                runs.append(Run(" ", bold, italic))  # a block inside a line: a space
            runs += self.inline(child, bold, italic)
        pre = bool(classes & PRE_CLASSES) or "white-space:pre" in node.attrs.get(
            "style", "").replace(" ", "")
        if classes & UPPER_CLASSES or pre:
            runs = [Run(r.text.upper() if classes & UPPER_CLASSES else r.text, r.bold,
                        r.italic, r.keep or pre) for r in runs]
        return runs

    def runs(self, paragraph: Paragraph, runs: list[Run], *, size: float | None = None,
             bold: bool | None = None, italic: bool | None = None) -> None:
        """Add ``runs`` to ``paragraph``: spaces collapsed as a browser does, line breaks
        kept."""
        last_space = True
        for piece in runs:
            if piece.keep:
                run = paragraph.add_run(piece.text)
                _set_font(run.font, size=size, bold=bold or piece.bold or None,
                          italic=italic or piece.italic or None)
                last_space = piece.text.endswith(" ")
                self.texts.append(piece.text)
                continue
            for index, line in enumerate(piece.text.split("\n")):
                if index:
                    paragraph.add_run().add_break()
                    last_space = True
                # HTML collapses ASCII white space only: an em space or a no-break space
                # (the blank number of "Số  -BC/VPTU") stays.
                words = _SPACES.sub(" ", line)
                if not words.strip(" "):
                    if line and not last_space:
                        paragraph.add_run(" ")
                        last_space = True
                    continue
                if last_space:
                    words = words.lstrip(" ")
                run = paragraph.add_run(words)
                _set_font(run.font, size=size, bold=bold or piece.bold or None,
                          italic=italic or piece.italic or None)
                last_space = words.endswith(" ")
                self.texts.append(words)
        while paragraph.runs and paragraph.runs[-1].text.endswith(" "):
            last = paragraph.runs[-1]
            last.text = last.text.rstrip()
            if last.text or len(paragraph.runs) == 1:
                break
            last.element.getparent().remove(last.element)

    def paragraph(self, runs: list[Run], *, size: float | None = None, bold: bool = False,
                  italic: bool = False, center: bool = False, indent: bool = False,
                  keep: bool = False, before: float | None = None) -> Paragraph:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm, Pt

        paragraph = self.doc.add_paragraph()
        self.runs(paragraph, runs, size=size, bold=bold or None, italic=italic or None)
        fmt = paragraph.paragraph_format
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if indent:
            fmt.first_line_indent = Mm(FIRST_LINE_MM)
        if keep:
            fmt.keep_with_next = True
        if before is not None:
            fmt.space_before = Pt(before)
        elif self.after_table:
            fmt.space_before = Pt(4)
        self.after_table = False
        self.last = paragraph
        return paragraph

    # -- the official heading -----------------------------------------------------------------
    def heading_table(self, el: Element) -> None:
        """``div.rk-head``: its two columns as a borderless table, one paragraph a line."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        columns = [self.lines(col) for col in el.elements()[:2]]
        while len(columns) < 2:
            columns.append([])
        party = text("report.heading.party", self.lang)
        self.official = any("".join(r.text for r in line).strip() == party
                            for line in columns[1])
        self.add_number_line(columns[0])
        table = _fixed_table(self.doc, 1, HEAD_COLUMNS_MM)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for index, (lines, width) in enumerate(zip(columns, HEAD_COLUMNS_MM, strict=True)):
            cell = table.cell(0, index)
            for number, runs in enumerate(lines):
                paragraph = cell.paragraphs[0] if number == 0 else cell.add_paragraph()
                line = "".join(r.text for r in runs).strip()
                size = PARTY_PT if line == party else BODY_PT
                _use_style(paragraph, self.styles[LINE_STYLE])
                self.runs(paragraph, runs, size=size if size != BODY_PT else None)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                if line == party:  # the rule under it, as long as it
                    rule = cell.add_paragraph()
                    rule.add_run()
                    _rule(rule, _text_width_mm(line, size), width)
                elif self.marking and line.casefold() == self.marking.casefold():
                    _rule(paragraph, _text_width_mm(line, size) + 3, width, box=True)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(0)
        self.last = None

    def lines(self, column: Element) -> list[list[Run]]:
        """A heading column's lines: each child element is a line (the page's CSS shows
        them one under another), loose text too."""
        lines: list[list[Run]] = []
        for child in column.children:
            runs = self.inline(child)
            if "".join(r.text for r in runs).strip():
                lines.append(runs)
        return lines

    def add_number_line(self, left: list[list[Run]]) -> None:
        """The number line ("Số    -BC/VPTU", official form) and the marking under the
        issuing body, when the page's heading has none (a draft's number is given when it
        is issued; the PDF printer fills the marking's place of a page)."""
        texts = ["".join(r.text for r in line).strip() for line in left]
        number = text("docx.number_prefix", self.lang)
        if self.official and not any(t.startswith(number) for t in texts):
            central = bool(texts) and texts[0] == text("report.heading.central", self.lang)
            left.append([Run(text("docx.number_central" if central else "docx.number_office",
                                  self.lang), keep=True)])
        if self.marking and not any(t.casefold() == self.marking.casefold() for t in texts):
            left.append([Run(self.marking.upper(), bold=True)])

    def closing_table(self, el: Element) -> None:
        """``div.rk-closing``: "Nơi nhận:" and the recipients on the left, the signature
        block on the right, as a borderless two-column table kept on one page."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        self.doc.add_paragraph()
        table = _fixed_table(self.doc, 1, HEAD_COLUMNS_MM)
        _row_flags(table, 0)
        self.last = None
        for index, column in enumerate(el.elements()[:2]):
            cell, first = table.cell(0, index), True
            lines: list[tuple[list[Run], float | None]] = []
            for child in column.elements():
                if child.tag in ("ul", "ol"):  # recipients: "- " each, smaller
                    lines += [([Run("- "), *self.inline(li)], 11) for li in child.elements()
                              if li.tag == "li"]
                elif "rk-sign-space" in child.classes or not child.text():
                    lines += [([Run(" ")], None)] * 4  # room for the signature
                else:
                    lines.append((self.inline(child), NOTE_PT if index == 0 else None))
            for runs, size in lines:
                paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
                first = False
                _use_style(paragraph, self.styles[LINE_STYLE])
                self.runs(paragraph, runs, size=size)
                paragraph.alignment = (WD_ALIGN_PARAGRAPH.LEFT if index == 0
                                       else WD_ALIGN_PARAGRAPH.CENTER)
                if size == 11:
                    paragraph.paragraph_format.space_after = Pt(0)

    # -- tables, cards, charts ----------------------------------------------------------------
    def table(self, el: Element) -> None:
        """An HTML table as a Word table: header rows (``thead``, or rows of ``th`` only)
        repeat on each page; spans merge cells; ``td.n`` right-aligned; ``tr.total`` bold."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        rows: list[tuple[Element, bool]] = []
        for part in el.elements():
            if part.tag in ("thead", "tbody", "tfoot"):
                rows += [(tr, part.tag == "thead") for tr in part.elements() if tr.tag == "tr"]
            elif part.tag == "tr":
                rows.append((part, False))
        rows = [(tr, head or all(c.tag == "th" for c in tr.elements()))
                for tr, head in rows if tr.elements()]
        if not rows:
            return
        grid: dict[tuple[int, int], Element] = {}
        spans: list[tuple[int, int, int, int]] = []
        width = 0
        for r, (tr, _) in enumerate(rows):
            c = 0
            for td in (x for x in tr.elements() if x.tag in ("td", "th")):
                while (r, c) in grid:
                    c += 1
                colspan, rowspan = _span(td, "colspan"), _span(td, "rowspan")
                rowspan = min(rowspan, len(rows) - r)
                for dr in range(rowspan):
                    for dc in range(colspan):
                        grid[(r + dr, c + dc)] = td
                if colspan > 1 or rowspan > 1:
                    spans.append((r, c, r + rowspan - 1, c + colspan - 1))
                c += colspan
                width = max(width, c)
        texts = [[grid[(r, c)].text() for r in range(len(rows))
                  if (r, c) in grid and _span(grid[(r, c)], "colspan") == 1]
                 for c in range(width)]
        if self.last is not None:  # the sentence that leads to the table stays with it
            self.last.paragraph_format.keep_with_next = True
        table = _fixed_table(self.doc, len(rows), _column_widths(texts, TEXT_MM, TABLE_PT))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for r0, c0, r1, c1 in spans:  # merged while empty: merging moves content along
            table.cell(r0, c0).merge(table.cell(r1, c1))
        cells = [row.cells for row in table.rows]  # table.cell() walks the whole table
        style = self.styles[TABLE_STYLE]
        seen: set[int] = set()
        for r, (tr, head) in enumerate(rows):
            total = "total" in tr.classes or "hl" in tr.classes
            for c in range(width):
                td = grid.get((r, c))
                if td is None or id(td) in seen:
                    continue
                seen.add(id(td))
                paragraph = cells[r][c].paragraphs[0]
                _use_style(paragraph, style)
                self.runs(paragraph, self.inline(td), bold=True if head or total else None)
                if head:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif "n" in td.classes:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                else:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _row_flags(table, next((i for i, (_, head) in enumerate(rows) if not head), 0))
        self.after_table, self.last = True, None
        caption = el.find("caption")
        if caption is not None and caption.text():
            self.paragraph(self.inline(caption), italic=True, size=NOTE_PT)

    def cards(self, el: Element) -> None:
        """Key figures: "- label: value (change)." one line each."""
        for card in el.elements():
            parts = {k: next((c.text() for c in card.elements() if k in c.classes), "")
                     for k in ("v", "l", "d")}
            if not parts["v"] and not parts["l"]:
                continue
            line = [Run("- "), Run(parts["l"]), Run(": "), Run(parts["v"], bold=True)]
            if parts["d"]:
                line.append(Run(f" ({parts['d']})"))
            line.append(Run("."))
            self.paragraph(line)

    def chart(self, el: Element, png: Any) -> None:
        """A chart: its PNG at the SVG's printed width, or a sentence pointing to the HTML."""
        alt = el.attrs.get("aria-label", "")
        width = _points(el.attrs.get("width", ""))
        if png:
            self.picture(png, alt=alt, width_mm=width * 25.4 / 72 if width else None)
        else:
            self.paragraph([Run(text("docx.chart_in_html", self.lang, title=alt or "–"),
                                italic=True)], size=NOTE_PT)

    def image(self, el: Element) -> None:
        src = el.attrs.get("src", "")
        head, _, data = src.partition(",")
        if head.startswith("data:image/png;base64") or head.startswith("data:image/jpeg;base64"):
            width = _points(el.attrs.get("width", "") + "px")
            self.picture(data, alt=el.attrs.get("alt", ""),
                         width_mm=width * 25.4 / 72 if width else None)

    def picture(self, data: Any, *, alt: str, width_mm: float | None) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml.ns import qn
        from docx.shared import Mm, Pt

        raw = "".join(data) if isinstance(data, list) else data
        try:
            blob = base64.b64decode(raw) if isinstance(raw, str) else bytes(raw)
        except (binascii.Error, ValueError):
            log.warning("a chart's image is not valid base64; left out of the Word draft")
            return
        width = min(width_mm or TEXT_MM, TEXT_MM)
        paragraph = self.doc.add_paragraph()
        if self.after_table:
            paragraph.paragraph_format.space_before = Pt(8)
            self.after_table = False
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run()
        run.add_picture(io.BytesIO(blob), width=Mm(width))
        self.last = None
        for doc_pr in run.element.iter(qn("wp:docPr")):
            doc_pr.set("descr", alt)
            doc_pr.set("title", alt[:250])
        self.pictures += 1

    # -- the end ------------------------------------------------------------------------------
    def finish(self) -> None:
        """The closing blocks (Nơi nhận, signature) of an official report, when its pages
        have none: placeholders the office fills in."""
        if not self.official:
            return
        recipients = text("docx.recipients", self.lang)
        if any(t.strip().startswith(recipients) for t in self.texts):
            return
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        self.doc.add_paragraph()
        table = _fixed_table(self.doc, 1, HEAD_COLUMNS_MM)
        left, right = table.cell(0, 0), table.cell(0, 1)
        _row_flags(table, 0)  # "Nơi nhận" and the signature on one page
        lines = [(recipients, NOTE_PT, True, True),
                 *((line, 11, False, False) for line in
                   text("docx.recipients_list", self.lang).split("\n"))]
        for number, (line, size, bold, italic) in enumerate(lines):
            paragraph = left.paragraphs[0] if number == 0 else left.add_paragraph()
            _use_style(paragraph, self.styles[LINE_STYLE])
            self.runs(paragraph, [Run(line, bold, italic)], size=size)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        signer = [(text("docx.signer_title", self.lang), True), ("", False), ("", False),
                  ("", False), (text("docx.signer_name", self.lang), True)]
        for number, (line, bold) in enumerate(signer):
            paragraph = right.paragraphs[0] if number == 0 else right.add_paragraph()
            _use_style(paragraph, self.styles[LINE_STYLE])
            self.runs(paragraph, [Run(line, bold)])
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _span(td: Element, name: str) -> int:
    try:
        return max(1, min(int(td.attrs.get(name, "1") or 1), 1000))
    except ValueError:
        return 1


def _points(length: str) -> float | None:
    """An SVG or HTML length in points ("453.5pt", "600px", "600"), or None."""
    value = length.strip().lower()
    factor = 1.0
    for unit, scale in (("pt", 1.0), ("px", 0.75), ("cm", 72 / 2.54), ("mm", 72 / 25.4),
                        ("in", 72.0)):
        if value.endswith(unit):
            value, factor = value[: -len(unit)], scale
            break
    try:
        return float(value) * factor if value else None
    except ValueError:
        return None


def render_docx(nb: nbformat.NotebookNode, *, title: str, lang: str = "vi",
                marking: str | None = None) -> bytes:
    """The Word draft of an executed notebook, as the bytes of a .docx file."""
    writer = DocxWriter(title, lang, marking)
    writer.add_notebook(nb)
    out = io.BytesIO()
    writer.doc.save(out)
    return out.getvalue()


def write_docx(nb: nbformat.NotebookNode, path: Path, *, title: str, lang: str = "vi",
               marking: str | None = None) -> Path:
    """Write the Word draft of an executed notebook (atomically).

    Args:
        nb: The executed notebook. Its charts carry a PNG when the kernel ran with
            ``REPORTKIT_CHART_PNG`` set (the batch sets it for a run that writes DOCX); a
            chart without one is named in a sentence pointing to the HTML version.
        path: Where to write the .docx file.
        title: The document title (the file's properties).
        lang: "vi" or "en".
        marking: A marking ("Lưu hành nội bộ", "Mật") for the heading, or None.

    Returns:
        The path written.

    Raises:
        ExportError: The document could not be made.
    """
    try:
        data = render_docx(nb, title=title, lang=lang, marking=marking)
    except (ValueError, KeyError, OSError) as exc:
        raise ExportError(f"{title}: the Word draft could not be made: "
                          f"{type(exc).__name__}: {exc}", format="docx") from exc
    return atomic_write(Path(path), data)
