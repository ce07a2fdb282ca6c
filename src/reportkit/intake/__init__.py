"""Taking in submissions: read, type, validate (every problem at once), load all-or-nothing.

Each file is either loaded whole or rejected whole, and the reasons are always given: file,
sheet, row, column, the offending value (never for personal-data columns) and the rule, in
Vietnamese or English. The work is split by topic, in the order a file meets it:

* :mod:`~reportkit.intake.files`: what the bytes are, and whether an XLSX is safe to open
  (ZIP and XML bomb limits), with the standard library only;
* :mod:`~reportkit.intake.headers`: which header text names which field; the unit and period a
  form states;
* :mod:`~reportkit.intake.readers`: CSV (Arrow) and XLSX (openpyxl's public read-only API, the
  only place openpyxl is used) to raw text cells, with the structural problems and the
  hostile-file :class:`Limits`;
* :mod:`~reportkit.intake.validation`: typing and every rule, once over all files of a table;
* :mod:`~reportkit.intake.loading`: :func:`ingest` itself, the warehouse writes, ledger,
  quarantine, archive and the replacements log;
* :mod:`~reportkit.intake.messages`: the wording of every problem in both languages.

Beside them: :mod:`~reportkit.intake.forms` writes the XLSX form a province fills in, and
:mod:`~reportkit.intake.sample` the synthetic sample submissions. The package imports
:mod:`reportkit.store` and :mod:`reportkit.core`, nothing above.
"""

from __future__ import annotations

from reportkit.intake.headers import match_header, normalize_header, parse_period_text
from reportkit.intake.loading import (
    REPLACEMENTS_FILE,
    IngestReport,
    check_file,
    discover,
    format_outcome,
    format_problems,
    ingest,
    is_sample_file,
    replacements,
    sha256_of,
    walk,
)
from reportkit.intake.readers import DEFAULT_LIMITS, SUFFIXES, Limits, read_file, read_raw
from reportkit.intake.validation import FileResult, coerce

__all__ = [
    "DEFAULT_LIMITS", "REPLACEMENTS_FILE", "SUFFIXES", "FileResult", "IngestReport", "Limits",
    "check_file", "coerce", "discover", "format_outcome", "format_problems", "ingest",
    "is_sample_file", "match_header", "normalize_header", "parse_period_text", "read_file",
    "read_raw", "replacements", "sha256_of", "walk",
]
