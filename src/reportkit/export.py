"""HTML and PDF export of executed notebooks."""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter


def _atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_html(nb: nbformat.NotebookNode, path: Path, *, title: str, lang: str = "vi") -> Path:
    """Export an executed notebook to one HTML file without code or prompts.

    Args:
        nb: The executed notebook.
        path: Where to write the HTML file.
        title: The document title.
        lang: The document language (``<html lang=...>``).

    Returns:
        The path written.
    """
    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    exporter = HTMLExporter(template_name="lab", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True, language_code=lang)
    body, _ = exporter.from_notebook_node(nb)
    return _atomic_write_text(Path(path), body)
