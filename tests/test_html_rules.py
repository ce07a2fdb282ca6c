"""HTML is made by templates with autoescape, never by f-strings around data (GUIDE, "Rules of
the house"): no module of the presentation layer, nor the catalogue's index pages, builds tags
by formatting strings (f-string, ``%``, ``.format``, ``+``). What the templates escape is
tests/test_templates.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "reportkit"
SCANNED = [*sorted((SRC / "presentation").glob("*.py")), SRC / "rendering" / "catalog.py",
           SRC / "rendering" / "catalog_pages.py"]
# An HTML tag: "<td>", "</p>", "<svg ". Lower case, so a repr ("<Figure size 640x480>") is not.
TAG = re.compile(r"<\s*/?\s*[a-z][a-z0-9]*[\s>/]")

# Places allowed to format a tag into a string: module → (how many, why). The count is exact,
# so a new one in the same module fails too. Keep this short.
ALLOWED: dict[str, tuple[int, str]] = {
    "presentation/charts.py": (1, "img_html adds class, role and the html.escape'd aria-label "
                                  "to the <svg> element matplotlib wrote: editing a document "
                                  "made by another library, not building a page"),
}


def _tag_formatting(tree: ast.AST) -> list[tuple[int, str]]:
    """Lines where a string with a tag in it is an f-string, a ``%`` format or ``.format``."""
    found = []

    def literal_parts(node: ast.AST) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value for v in node.values
                           if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return ""

    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and any(
                not isinstance(v, ast.Constant) for v in node.values):
            if TAG.search(literal_parts(node)):
                found.append((node.lineno, "f-string"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            if TAG.search(literal_parts(node.left)):
                found.append((node.lineno, "% format"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            sides = (node.left, node.right)
            if any(TAG.search(literal_parts(s)) for s in sides) and not all(
                    isinstance(s, ast.Constant) for s in sides):
                found.append((node.lineno, "concatenation"))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("format", "format_map")):
            if TAG.search(literal_parts(node.func.value)):
                found.append((node.lineno, ".format"))
    return found


def test_no_module_formats_html_tags() -> None:
    bad = []
    for path in SCANNED:
        rel = str(path.relative_to(SRC))
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found = _tag_formatting(tree)
        allowed, _why = ALLOWED.get(rel, (0, ""))
        if len(found) != allowed:
            bad += [f"{rel}:{line}: {kind}" for line, kind in found]
    assert not bad, "HTML built by formatting strings (use a template):\n" + "\n".join(bad)


def test_the_scan_finds_what_it_should() -> None:
    """The control: each way of formatting a tag is caught; text with "<3" and plain
    literals are not."""
    src = (
        'a = f"<td>{x}</td>"\n'
        'b = "<p>%s</p>" % x\n'
        'c = "<li>{}</li>".format(x)\n'
        'd = f"< {n} units"\n'
        'e = f"<{threshold}"\n'
        'f = "<b>plain literal</b>"\n'
        'g = f"a {x} b"\n'
        'h = f"<Figure size {w}x{h}>"\n'
        'i = "<p>" + x\n')
    assert [kind for _, kind in _tag_formatting(ast.parse(src))] == [
        "f-string", "% format", ".format", "concatenation"]
    assert set(ALLOWED) <= {str(p.relative_to(SRC)) for p in SCANNED}
