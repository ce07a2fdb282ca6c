"""The wording of every problem ingest reports, in Vietnamese and English.

Why a module of its own: the readers, the validation and the loading step all word problems,
and a province's data clerk must see the same sentence for the same fault wherever it is
found. The texts themselves live with every other text in :mod:`reportkit.core.i18n` (ids
``ingest.<key>``, e.g. ``ingest.empty``), so the two languages stay side by side and a test
checks both exist; this module keeps the short keys the readers pass around (a refusal is
``("too_big", {...})``) and the byte-count wording.
"""

from __future__ import annotations

from typing import Any

from reportkit.core.i18n import T, text

PREFIX = "ingest."

# key (without the "ingest." prefix) → (Vietnamese, English); a view of the i18n table.
MESSAGES: dict[str, tuple[str, str]] = {
    key.removeprefix(PREFIX): texts for key, texts in T.items() if key.startswith(PREFIX)}


def tr(key: str, lang: str, **kw: Any) -> str:
    """Message ``key`` (``ingest.<key>`` in :mod:`reportkit.core.i18n`) in ``lang``
    ("vi" or "en"), formatted with ``kw``."""
    msg_id = PREFIX + key  # the keys are checked by tests/test_i18n.py
    return text(msg_id, lang, **kw)


def size_text(n: int) -> str:
    """A byte count for people: "1.5 MB", "512 bytes"."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"
