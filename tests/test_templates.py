"""The page blocks (Jinja2 templates with autoescape, :mod:`reportkit.presentation.html`):
what data they are given is shown as text; only markup marked trusted goes in as markup."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd
import pytest
from markupsafe import Markup

from reportkit.presentation import blocks
from reportkit.presentation.html import render, trusted

EVIL = '<script>alert("x")</script> & <b>co</b>'


def test_table_escapes_cells_headers_and_caption() -> None:
    df = pd.DataFrame({EVIL: [EVIL, "1"], "n": ["<3", "*"]})
    out = blocks.html_table(df, numeric=["n"], total=True, caption=EVIL)
    assert isinstance(out, Markup)
    assert "<script" not in out and "<b>" not in out
    shown = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;"
    assert out.count(shown) == 3
    assert '<td class="n">&lt;3</td>' in out and '<tr class="total">' in out


def test_blocks_escape_titles_paragraphs_lists_and_plain_strings() -> None:
    out = blocks.block(EVIL, paragraphs=[EVIL], lead=EVIL, items=[EVIL], list_class="rk-lim")
    assert "<script" not in out and out.count("&lt;script&gt;") == 4
    assert out.startswith('<div class="rk"><h2>') and '<ul class="rk-lim"><li>' in out
    assert "<script" not in blocks.wrap(EVIL)  # a plain str is text
    assert blocks.wrap(Markup("<p>ok</p>")) == '<div class="rk"><p>ok</p></div>'
    assert "<script" not in blocks.wrap(Markup("<p>ok</p>") + EVIL)  # str joined to Markup


def test_only_trusted_markup_goes_in_unescaped() -> None:
    svg = '<svg class="rk-chart"><text>&lt;3</text></svg>'
    assert blocks.block(body=trusted(svg)) == f'<div class="rk">{svg}</div>'
    assert "<svg" not in blocks.block(body=svg)


def test_a_misspelt_variable_is_an_error() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("rk.html.j2", inner_html="x")


def test_one_stylesheet_with_the_chart_font() -> None:
    css = blocks.page_css()
    sheet = blocks.stylesheet()
    assert css.count(sheet) == 1 and css.count("@font-face") == 2
    for rule in (".rk-card", ".rk-exact", "td.mono", "svg.rk-chart", "@media print"):
        assert rule in sheet
    assert blocks.CSS == blocks.base_css() and css.startswith(blocks.CSS)
    # One stylesheet in the package: the exported page's template has none of its own.
    package = Path(blocks.__file__).resolve().parents[1]
    assert [p.relative_to(package).as_posix() for p in package.rglob("*.css")
            if "vendor" not in p.parts] == ["presentation/templates/reportkit.css",
                                           "rendering/templates/catalog.css"]
