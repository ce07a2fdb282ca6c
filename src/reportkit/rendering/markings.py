"""Confidentiality markings: the one list a report's ``marking`` may take, and its check.

The internal-circulation mark and the three state-secret grades; "" or None for none. Report
parameters are checked against it before any kernel starts
(:func:`reportkit.rendering.runner.prepare_report`), and the HTML page
(:mod:`reportkit.rendering.export`) and the PDF page header (:mod:`reportkit.rendering.pdf`)
print only what it holds.
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["MARKINGS", "check_marking"]

MARKINGS = ("Lưu hành nội bộ", "Mật", "Tối mật", "Tuyệt mật")


def check_marking(value: Any) -> str | None:
    """A marking as printed (trimmed, NFC), or None for none ("" or None).

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
