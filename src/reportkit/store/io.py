"""Writing CSV files that a spreadsheet opens as data, never as formulas.

Why one helper: the project writes CSV for people who open it in Excel or LibreOffice (problem
reports of rejected submissions, exported tables, blank templates). A spreadsheet treats a cell
that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some versions, a tab or carriage return
before one) as a formula, so a submitted cell such as ``=cmd|' /C calc'!A0`` echoed into a
problem report would run when the clerk opens it (CSV or formula injection). Following OWASP's
advice, such a cell is written with a leading single quote, which the spreadsheet shows as text
and hides. Every CSV writer under ``src/`` goes through :func:`write_csv` or :func:`csv_safe`,
so the rule lives in one place.

One exception, kept on purpose: a cell that is only a number with a minus sign (``-5``,
``-1.234,5``, ``-0.25``) is left as it is. A spreadsheet reads it as that number, not as a
formula (nothing is evaluated), and a quote would turn legitimate negative figures into text
that no longer sums. ``-1+1`` or ``-A1`` are not plain numbers and are quoted.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

# The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NEGATIVE = re.compile(r"-\d[\d.,\u00a0 ]*(?:[eE][+-]?\d+)?")
_RISKY = r"^[=+\-@\t\r]"


def csv_safe(value: Any) -> Any:
    """``value`` as it may be written to a CSV cell: text that a spreadsheet would run as a
    formula gets a leading ``'``; plain negative numbers and non-text values are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not (
            _PLAIN_NEGATIVE.fullmatch(value)):
        return "'" + value
    return value


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells pass through :func:`csv_safe` (vectorised; other
    columns, such as dates and numbers, keep their type and formatting)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            continue
        try:
            text = s.str  # non-text values in an object column read as missing here
        except AttributeError:
            continue
        risky = text.contains(_RISKY, regex=True, na=False)
        if risky.any():
            plain = text.fullmatch(_PLAIN_NEGATIVE.pattern, na=False)
            fix = (risky & ~plain).to_numpy(dtype=bool)
            if fix.any():
                s = s.astype(object)
                s[fix] = "'" + s[fix].astype(str)
                out[col] = s
    return out


def write_csv(df: pd.DataFrame, path: Path | str, **to_csv: Any) -> None:
    """``df.to_csv(path, **to_csv)`` with every text cell made safe (:func:`csv_safe`)."""
    csv_safe_frame(df).to_csv(path, **to_csv)


def write_csv_rows(path: Path | str, rows: Iterable[Iterable[Any]], *,
                   encoding: str = "utf-8-sig") -> None:
    """Rows written with :mod:`csv` (Excel dialect), every cell made safe (:func:`csv_safe`)."""
    with Path(path).open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        for row in rows:
            w.writerow([csv_safe(v) for v in row])
