"""Confidentiality markings: the one list a report's ``marking`` may take, its check, and
how each reads in a report's language.

The internal-circulation mark and the three state-secret grades; "" or None for none. Report
parameters are checked against it before any kernel starts
(:func:`reportkit.rendering.runner.prepare_report`). A marking is given (and recorded) as the
Vietnamese text of :data:`MARKINGS`; every place that prints it (the heading block of
:mod:`reportkit.presentation.official`, the HTML page and the PDF printer of
:mod:`reportkit.rendering`, the Word draft) prints :func:`label`: the text of ``core.i18n``'s
``marking.*`` in the report's language ("Lưu hành nội bộ" → "For internal circulation").
"""

from __future__ import annotations

import unicodedata
from typing import Any

from reportkit.core.i18n import text

__all__ = ["MARKINGS", "check_marking", "label"]

# The marking as given (its Vietnamese text) → its text id in core.i18n.
_IDS = {"Lưu hành nội bộ": "marking.internal", "Mật": "marking.confidential",
        "Tối mật": "marking.secret", "Tuyệt mật": "marking.top_secret"}
MARKINGS = tuple(_IDS)


def check_marking(value: Any) -> str | None:
    """A marking as given (trimmed, NFC), or None for none ("" or None).

    Raises:
        ValueError: not one of :data:`MARKINGS`.
    """
    if value is None:
        return None
    marking = unicodedata.normalize("NFC", value.strip()) if isinstance(value, str) else value
    if marking == "":
        return None
    if marking not in MARKINGS:
        raise ValueError(f"marking must be one of {', '.join(map(repr, MARKINGS))} or '' "
                         f"(none), got {str(value)[:60]!r}")
    return marking


def label(marking: str | None, lang: str = "vi") -> str:
    """The marking as a report in ``lang`` prints it ("" for none): "Lưu hành nội bộ" reads
    "For internal circulation" in English. A text that is not one of :data:`MARKINGS`, or is
    already in ``lang`` (an English page's own heading), is returned as it is."""
    value = unicodedata.normalize("NFC", (marking or "").strip())
    for given, key in _IDS.items():
        if value.casefold() == given.casefold():
            return text(key, lang)
    return value
