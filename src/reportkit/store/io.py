"""Files written whole or not at all, their hashes, and CSV a spreadsheet opens as data: the
one helper for each.

Atomic writes. Reports, manifests, catalogues, warehouse files and caches are read by other
processes while they are being replaced (a recipient's browser, a batch worker, the next
kernel). A file is therefore never written in place: :func:`atomic_write` writes a temporary
file in the same folder, flushes it to disk and renames it over the target (``os.replace``,
atomic on one filesystem), so a reader sees the old file or the new one, never half of one.
:func:`sha256_file` hashes a file in blocks (reports and warehouse files can be large).

CSV. The project writes CSV for people who open it in Excel or LibreOffice (problem reports of
rejected submissions, exported tables, blank templates). A spreadsheet treats a cell that
begins with ``=``, ``+``, ``-`` or ``@`` (and, in some versions, a tab or carriage return before
one) as a formula, so a submitted cell such as ``=cmd|' /C calc'!A0`` echoed into a problem
report would run when the clerk opens it (CSV or formula injection). Following OWASP's advice,
such a cell is written with a leading single quote, which the spreadsheet shows as text and
hides. Every CSV writer under ``src/`` goes through :func:`write_csv`,
:func:`write_csv_parts`, :func:`write_csv_rows` or :func:`csv_safe`. One exception, kept on
purpose: a cell that is only a number with a minus sign (``-5``, ``-1.234,5``, ``-0.25``) is
left as it is: a spreadsheet reads it as that number (nothing is evaluated), and a quote would
turn legitimate negative figures into text that no longer sums. ``-1+1`` or ``-A1`` are not
plain numbers and are quoted.

pandas is imported only by the CSV helpers that take a DataFrame: planning a batch imports
this module and must stay fast.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["atomic_write", "locked", "sha256_bytes", "sha256_file", "csv_safe",
           "csv_safe_frame", "write_csv", "write_csv_parts", "write_csv_rows", "FORMULA_START"]


def atomic_write(path: str | Path, data: bytes | str, *, mode: int = 0o644,
                 fsync: bool = True) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; create the folder if needed.

    Args:
        path: The file to write or replace.
        data: Its new content.
        mode: Its permissions (a temporary file is created private; this is what readers get).
        fsync: Flush the data to disk before the rename (skip only for caches that can be
            recomputed).

    Returns:
        ``path``.
    """
    path = Path(path)
    body = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def locked(path: str | Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the lock file ``path`` (created with its folder if
    needed) for the block: writers of the same files on this machine, or on a shared file
    system that honours flock, take turns."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def sha256_bytes(data: bytes) -> str:
    """The sha256 of ``data``, as hex."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """The sha256 of a file, read in 1 MB blocks, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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
    import pandas as pd

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


# The ``to_csv`` options under which a row's text depends on that row alone (no column-wide
# formatting), so that one rendering of a frame can be cut into the files of its parts.
_PER_ROW_OPTIONS = frozenset({"index", "date_format", "na_rep", "sep", "encoding"})


def write_csv_parts(df: pd.DataFrame, parts: Iterable[tuple[Path | str, Any]],
                    **to_csv: Any) -> None:
    """Write several CSV files, each of some rows of ``df``: for every ``(path, rows)`` of
    ``parts`` (``rows``: positions, as ``df.iloc`` takes them), the same bytes as
    ``write_csv(df.iloc[rows], path, **to_csv)``.

    Many small files cost far less this way: the frame is made safe (:func:`csv_safe_frame`)
    and rendered by ``to_csv`` once, and each file gets the header and its rows' lines. Where
    one rendering could differ from the files' own (a cell with a line break, which spans
    lines; a date or time column without ``date_format``, which ``to_csv`` formats by looking
    at the whole column; options other than those in ``_PER_ROW_OPTIONS``), each file is
    written by :func:`write_csv`.
    """
    import numpy as np
    import pandas as pd

    parts = list(parts)
    kwargs = {"lineterminator": os.linesep, **to_csv}
    per_row = set(to_csv) <= _PER_ROW_OPTIONS and all(
        pd.api.types.is_bool_dtype(t) or pd.api.types.is_integer_dtype(t)
        or pd.api.types.is_object_dtype(t) or pd.api.types.is_string_dtype(t)
        or (isinstance(t, np.dtype) and t.kind == "M" and to_csv.get("date_format"))
        for t in df.dtypes)
    if per_row:
        safe = csv_safe_frame(df)
        header = safe.iloc[:0].to_csv(None, **kwargs)
        lines = safe.to_csv(None, header=False, **kwargs).split(os.linesep)
        per_row = len(lines) == len(df) + 1 and lines[-1] == ""  # one line per row
    if not per_row:
        for path, rows in parts:
            write_csv(df.iloc[rows], path, **to_csv)
        return
    encoding = to_csv.get("encoding") or "utf-8"
    body = np.array(lines[:-1], dtype=object)
    for path, rows in parts:
        picked = body[rows]
        text = header + (os.linesep.join(picked) + os.linesep if len(picked) else "")
        with open(path, "w", encoding=encoding, newline="") as fh:
            fh.write(text)


def write_csv_rows(path: Path | str, rows: Iterable[Iterable[Any]], *,
                   encoding: str = "utf-8-sig") -> None:
    """Rows written with :mod:`csv` (Excel dialect), every cell made safe (:func:`csv_safe`)."""
    with Path(path).open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        for row in rows:
            w.writerow([csv_safe(v) for v in row])
