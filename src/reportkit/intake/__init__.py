"""Submissions in: reading CSV/XLSX, validating every row, loading into the warehouse; the XLSX
form a province fills in; the synthetic sample data.

Imports :mod:`reportkit.store` and :mod:`reportkit.core`; nothing above.
"""
