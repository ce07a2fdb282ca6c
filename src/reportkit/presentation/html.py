"""HTML for report pages comes from Jinja2 templates with autoescape, and only from there.

Why: HTML assembled with f-strings around data is one forgotten ``html.escape`` away from a
submitted unit name or agency running as script in every reader's browser (pandas ``Styler``
has the same trap). With one :class:`jinja2.Environment` whose ``autoescape`` is on, every
value a template prints is escaped unless it is :class:`markupsafe.Markup`; ``StrictUndefined``
turns a misspelt variable into an error instead of an empty cell.

What counts as trusted markup is short and explicit: the output of :func:`render` (made by a
template, so already escaped), the house stylesheet and the charts' embedded font (our own
files), and an SVG chart from :func:`reportkit.presentation.charts.img_html` (escaped by its
maker) wrapped in :func:`trusted` where it is passed in. Nothing else is.

Templates live in ``presentation/templates/`` (page blocks) and ``rendering/templates/`` (the
catalogue's index pages); :func:`render` takes the package whose templates to use.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

__all__ = ["Markup", "environment", "precompile", "render", "stylesheet", "trusted"]

PRESENTATION = "reportkit.presentation"


@cache
def environment(package: str = PRESENTATION) -> jinja2.Environment:
    """The Jinja2 environment of ``package``'s ``templates/`` folder, made once per process:
    autoescape on for every template, undefined variables are errors, block tags leave no
    blank lines behind."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def precompile(package: str = PRESENTATION) -> int:
    """Compile every template of ``package`` now; how many there are.

    Each is compiled once per process anyway, on first use. A process that forks report
    kernels (the batch's fork server) calls this so that every kernel finds them compiled."""
    env = environment(package)
    names = [name for name in env.list_templates() if name.endswith(".j2")]
    for name in names:
        env.get_template(name)
    return len(names)


def render(name: str, /, *, package: str = PRESENTATION, **context: Any) -> Markup:
    """Render template ``name`` with ``context`` (plain values, escaped by the template).

    The result is :class:`~markupsafe.Markup`: it can be passed to another template as a
    fragment without being escaped twice, and adding a plain ``str`` to it escapes the str.
    """
    return Markup(environment(package).get_template(name).render(**context))


@cache
def stylesheet() -> str:
    """reportkit's one stylesheet, ``presentation/templates/reportkit.css`` (read once): the
    exported page's ``<head>`` (through the nbconvert template) and the page blocks in the
    notebook (:func:`reportkit.presentation.blocks.page_css`) use the same text."""
    return (resources.files(PRESENTATION) / "templates" / "reportkit.css").read_text(
        encoding="utf-8")


def trusted(markup: str) -> Markup:
    """Mark ``markup`` as safe to insert unescaped. Only for markup made by our own code that
    escaped its data already (a chart's SVG, the stylesheet); never for text from data."""
    return Markup(markup)
